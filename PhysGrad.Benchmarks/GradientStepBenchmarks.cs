using BenchmarkDotNet.Attributes;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// One gradient-descent step on the Rosenbrock residuals of THEORY §7 (r_i = 10(x_{i+1} − x_i²),
/// r_{n−1} = 1 − x_0, loss ½‖r‖²) at n = 10² and 10³ (issue 13): the step reads the value+gradient
/// kernel only, so its time should be close to one gradient evaluation and it should allocate nothing.
/// <see cref="Gradient"/> is that evaluation alone, for the ratio.
/// </summary>
[MemoryDiagnoser]
public class GradientStepBenchmarks
{
    private Stepper _stepper = null!;
    private CompiledProblem _problem = null!;
    private double[] _start = null!, _gradient = null!;

    [Params(100, 1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var variables = Enumerable.Range(0, N).Select(i => $"x{i}").ToArray();
        var simulator = Enumerable.Range(0, N - 1).Select(i => Parse.Expression($"10*(x{i + 1} - x{i}^2)"))
            .Append(Parse.Expression("1 - x0")).ToArray();
        _start = Enumerable.Range(0, N).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        var problem = Problem.Create(variables, simulator, null, new double[N], _start, null, true);
        _problem = new CompiledProblem(problem);
        _gradient = new double[N];
        _stepper = new Stepper(_problem, Method.GradientDescent, 1e-3, _start);
    }

    /// <summary>One GD step (η = 10⁻³ keeps the iterates bounded over millions of steps).</summary>
    [Benchmark]
    public double Step()
    {
        _stepper.Step();
        return _stepper.Loss;
    }

    /// <summary>One evaluation of L and ∂L/∂x.</summary>
    [Benchmark(Baseline = true)]
    public double Gradient() => _problem.ValueGradient(_start, _gradient);
}
