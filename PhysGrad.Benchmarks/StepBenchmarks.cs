using BenchmarkDotNet.Attributes;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// One optimiser step (issue #4): the book's example, and Rosenbrock n = 100 as a loss on the identity
/// simulator (so IG and PG are defined, PG through the identity inverse). Target: no allocation per
/// step in steady state for GD, Newton, IG and PG.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    private Stepper _stepper = null!;
    private double[] _start = null!;

    [Params("book", "rosenbrock100")]
    public string Problem { get; set; } = "";

    [Params(Method.GradientDescent, Method.Newton, Method.InverseGradient, Method.PhysicalGradient)]
    public Method Method { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        if (Problem == "book")
        {
            var book = new CompiledProblem(["x0", "x1"], Parse.Many("x0; x1^2"), ["y0", "y1"],
                Parse.Expression("y0^2 + y1^2"), Parse.Many("y0; sign(x1)*sqrt(y1)"));
            _start = [3.0, 3.0];
            _stepper = new Stepper(book, Method, Method == Method.GradientDescent ? 0.01 : 0.3, _start);
            return;
        }
        const int n = 100;
        var (f, vars) = Rosenbrock.Build(n, "y");
        var xs = Enumerable.Range(0, n).Select(i => $"x{i}").ToArray();
        var problem = new CompiledProblem(
            xs, xs.Select(ExprModule.Symbol).ToArray(), vars.Select(v => Infix.Format(v)).ToArray(), f,
            vars.ToArray());
        _start = Enumerable.Range(0, n).Select(i => 0.9 + 0.001 * i).ToArray();
        _stepper = new Stepper(problem, Method, Method == Method.GradientDescent ? 1e-4 : 0.1, _start);
    }

    /// <summary>
    /// Reset to the start, then one step: every invocation measures the same, regular step (run on
    /// for millions of steps the book's Newton and IG would sit at the singular optimum x1 = 0).
    /// The reset costs one evaluation of the problem.
    /// </summary>
    [Benchmark]
    public double ResetAndStep()
    {
        _stepper.Reset(_start);
        _stepper.Step();
        return _stepper.Loss;
    }
}
