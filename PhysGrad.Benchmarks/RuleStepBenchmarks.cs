using BenchmarkDotNet.Attributes;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// One step of each update rule (issue 13) on the Rosenbrock residuals r_i = 10(x_{i+1} − x_i²),
/// r_{n−1} = 1 − x_0 (default loss), from the same start every time: each invocation resets the stepper
/// to x₀ (one evaluation of what the rule reads) and takes one step, so rules that converge or
/// accumulate history are timed at the same point. <see cref="ResetOnly"/> is the reset alone: a step
/// costs the difference. The rules other than GD, Adam and L-BFGS run at n = 10² only: the
/// dense Hessian kernel does not compile within minutes at n = 10³ (see BENCHMARKS.md), and Newton-CG
/// reads its Hessian-vector products through that kernel on this branch.
/// </summary>
[MemoryDiagnoser]
public class RuleStepBenchmarks
{
    private Stepper _stepper = null!;
    private double[] _start = null!;

    /// <summary>The cases, rule/n: every rule at n = 10², the O(n) ones also at 10³ and 10⁴.</summary>
    public static IEnumerable<string> Cases =>
        new[] { "gd", "adam", "newton", "newton-cg", "bfgs", "lbfgs", "ig", "pg", "gn", "hig", "lm" }.Select(r => $"{r}/100")
            .Concat(new[] { "gd", "adam", "lbfgs" }.SelectMany(r => new[] { $"{r}/1000", $"{r}/10000" }));

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    private static IUpdateRule Make(string name) => name switch
    {
        "gd" => new GradientDescent(1e-3),
        "adam" => new Adam(1e-3),
        "newton" => new Newton(0.5),
        "newton-cg" => new NewtonCG(0.5),
        "bfgs" => new Bfgs(1e-3),
        "lbfgs" => new LimitedMemoryBfgs(1e-3),
        "ig" => new InverseGradient(0.3),
        "pg" => new PhysicalGradient(0.3),
        "gn" => new GaussNewton(0.3),
        "hig" => new HalfInverseGradient(0.3),
        _ => new LevenbergMarquardt(1),
    };

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split('/');
        var rule = parts[0];
        var n = int.Parse(parts[1]);
        var variables = Enumerable.Range(0, n).Select(i => $"x{i}").ToArray();
        var simulator = Enumerable.Range(0, n - 1).Select(i => Parse.Expression($"10*(x{i + 1} - x{i}^2)"))
            .Append(Parse.Expression("1 - x0")).ToArray();
        _start = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        // PG with the numeric inverse: a symbolic derivation at n = 100 is not what is measured here.
        var problem = Problem.Create(variables, simulator, null, new double[n], _start, null, false);
        _stepper = new Stepper(new CompiledProblem(problem), Make(rule), _start);
        for (var k = 0; k < 3; k++) Once(); // warm the kernels
    }

    private double Once()
    {
        _stepper.Reset(_start);
        _stepper.Step();
        return _stepper.Loss;
    }

    /// <summary>Reset to x₀ and one step.</summary>
    [Benchmark]
    public double ResetAndStep() => Once();

    /// <summary>Reset to x₀ alone (one evaluation of what the rule reads).</summary>
    [Benchmark(Baseline = true)]
    public double ResetOnly()
    {
        _stepper.Reset(_start);
        return _stepper.Loss;
    }
}
