using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Matrix-free products against the dense matrices they replace (issue 13), on the Rosenbrock
/// residuals of THEORY §7 (r_i = 10(x_{i+1} − x_i²), r_{n−1} = 1 − x_0, loss ½‖r‖²) at n = 10², 10³:
/// H v from its forward-over-reverse kernel against the dense Hessian kernel followed by H·v, and Jᵀ w
/// from its reverse-mode kernel against the dense Jacobian kernel followed by Jᵀ·w. Steady state only:
/// each case compiles its kernel in its setup; the first-call (compile) cost is measured separately by
/// <see cref="ProductCompileTimes"/>.
/// </summary>
[MemoryDiagnoser]
public class ProductBenchmarks
{
    private CompiledProblem _problem = null!;
    private double[] _x = null!, _v = null!, _w = null!, _y = null!, _gradient = null!, _out = null!, _matrix = null!;

    [Params(100, 1000)]
    public int N { get; set; }

    /// <summary>The residual problem of THEORY §7 at n variables.</summary>
    public static CompiledProblem Residuals(int n)
    {
        var variables = Enumerable.Range(0, n).Select(i => $"x{i}").ToArray();
        var simulator = Enumerable.Range(0, n - 1).Select(i => Parse.Expression($"10*(x{i + 1} - x{i}^2)"))
            .Append(Parse.Expression("1 - x0")).ToArray();
        var start = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        return new CompiledProblem(Problem.Create(variables, simulator, null, new double[n], start, null, true));
    }

    private void Setup(bool denseHessian, bool denseJacobian)
    {
        _problem = Residuals(N);
        _x = Enumerable.Range(0, N).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        _v = Enumerable.Range(0, N).Select(i => Math.Sin(i + 1.0)).ToArray();
        _w = Enumerable.Range(0, N).Select(i => Math.Cos(i + 1.0)).ToArray();
        _y = new double[N];
        _gradient = new double[N];
        _out = new double[N];
        _matrix = new double[N * N];
        // The first call compiles the kernel the case reads (and only that one).
        if (denseHessian) DenseHessianTimesVector();
        else if (denseJacobian) DenseJacobianTransposeTimesVector();
        else
        {
            HessianVector();
            JacobianTransposeVector();
        }
    }

    [GlobalSetup(Targets = [nameof(HessianVector), nameof(JacobianTransposeVector)])]
    public void SetupProducts() => Setup(false, false);

    [GlobalSetup(Target = nameof(DenseHessianTimesVector))]
    public void SetupDenseHessian() => Setup(true, false);

    [GlobalSetup(Target = nameof(DenseJacobianTransposeTimesVector))]
    public void SetupDenseJacobian() => Setup(false, true);

    /// <summary>L, ∇L and H v from the product kernel.</summary>
    [Benchmark]
    public double HessianVector() => _problem.HessianVector(_x, _v, _gradient, _out);

    /// <summary>L, ∇L and the dense Hessian (n·n) from its kernel, then H·v.</summary>
    [Benchmark]
    public double DenseHessianTimesVector()
    {
        var value = _problem.LossInX(_x, _gradient, _matrix);
        var n = N;
        for (var r = 0; r < n; r++)
        {
            double sum = 0;
            for (var c = 0; c < n; c++) sum += _matrix[r * n + c] * _v[c];
            _out[r] = sum;
        }
        return value;
    }

    /// <summary>y and Jᵀ w from the product kernel.</summary>
    [Benchmark]
    public double JacobianTransposeVector()
    {
        _problem.JacobianTransposeVector(_x, _w, _y, _out);
        return _out[0];
    }

    /// <summary>y and the dense J (m·n) from its kernel, then Jᵀ·w.</summary>
    [Benchmark]
    public double DenseJacobianTransposeTimesVector()
    {
        _problem.Simulate(_x, _y, _matrix);
        var n = N;
        Array.Clear(_out);
        for (var r = 0; r < n; r++)
        {
            var wr = _w[r];
            for (var c = 0; c < n; c++) _out[c] += _matrix[r * n + c] * wr;
        }
        return _out[0];
    }
}

/// <summary>
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- products 100 1000</c>: the first-call cost
/// of each product kernel and of the dense kernel it replaces (lowering, compiling, one evaluation),
/// one wall-clock measurement each on a fresh problem, with the program's size. Kernels are cached by
/// program, so each is measured once per process, products first.
/// </summary>
internal static class ProductCompileTimes
{
    public static void Run(IEnumerable<int> sizes)
    {
        // A first pass at n = 10 (programs of another size, so no cache hits later) JIT-compiles the
        // lowering and compiling code, which would otherwise be charged to whichever kernel came first.
        Measure(10, print: false);
        foreach (var n in sizes) Measure(n, print: true);
    }

    private static void Measure(int n, bool print)
    {
        var x = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        var v = Enumerable.Range(0, n).Select(i => Math.Sin(i + 1.0)).ToArray();
        var (y, out1, out2) = (new double[n], new double[n], new double[n]);
        Time(print, n, "H v (forward over reverse)", p => p.HessianVector(x, v, out1, out2));
        Time(print, n, "J^T w (reverse)", p => p.JacobianTransposeVector(x, v, y, out1));
        Time(print, n, "J v (forward)", p => p.JacobianVector(x, v, y, out1));
        Time(print, n, "value + gradient", p => p.ValueGradient(x, out1));
        Time(print, n, "y + dense J", p => p.Simulate(x, y, new double[n * n]));
        Time(print, n, "value + gradient + dense Hessian", p => p.LossInX(x, out1, new double[n * n]));
    }

    private static void Time(bool print, int n, string what, Action<CompiledProblem> firstCall)
    {
        var problem = ProductBenchmarks.Residuals(n);
        var watch = Stopwatch.StartNew();
        firstCall(problem);
        watch.Stop();
        if (print) Console.WriteLine($"n = {n,5}  {what}: first call {watch.Elapsed.TotalMilliseconds:F0} ms ({problem.Compiled})");
    }
}
