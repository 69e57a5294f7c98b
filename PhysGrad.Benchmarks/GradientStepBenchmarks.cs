using BenchmarkDotNet.Attributes;
using PhysGrad.Numerics;

namespace PhysGrad.Benchmarks;

/// <summary>
/// One gradient-descent step on the Rosenbrock residuals of THEORY §7 (r_i = 10(x_{i+1} − x_i²),
/// r_{n−1} = 1 − x_0, loss ½‖r‖²) at n = 10², 10³ and 10⁴ (issue 13), steps following each other (no
/// reset): the step reads the value+gradient kernel only, so its time should be close to one gradient
/// evaluation (target: within 3x) and it should allocate nothing. <see cref="Gradient"/> is that
/// evaluation alone, for the ratio.
/// </summary>
[MemoryDiagnoser]
public class GradientStepBenchmarks
{
    private Stepper _stepper = null!;
    private CompiledProblem _problem = null!;
    private double[] _start = null!, _gradient = null!;

    [Params(100, 1000, 10000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _start = RuleCases.Start(N, false);
        _problem = RuleCases.Residuals(N);
        _gradient = new double[N];
        _stepper = new Stepper(_problem, RuleCases.Make("gd"), _start);
    }

    [GlobalCleanup]
    public void Cleanup() => (_stepper, _problem) = (null!, null!);

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
