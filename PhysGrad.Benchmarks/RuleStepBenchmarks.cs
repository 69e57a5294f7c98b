using BenchmarkDotNet.Attributes;
using PhysGrad.Numerics;

namespace PhysGrad.Benchmarks;

/// <summary>
/// One step of each update rule (issue 13) on the Rosenbrock residuals r_i = 10(x_{i+1} − x_i²),
/// r_{n−1} = 1 − x_0 (default loss, numeric inverse; see <see cref="RuleCases"/>), from the same start
/// every time: each invocation resets the stepper to x₀ (one evaluation of what the rule reads) and takes
/// one step, so rules that converge or accumulate history are timed at the same point.
/// <see cref="ResetOnly"/> is the reset alone: a step costs the difference. Every product the rules read
/// runs its own kernel (Newton-CG's Hessian-vector products the forward-over-reverse Hv kernel, no
/// Hessian formed).
/// </summary>
/// <remarks>
/// A case is <c>rule/n</c>, or <c>rule/n/contracting</c> for the start of <see cref="RuleCases.Start"/>
/// where J is well conditioned (IG and PG take their regular step there; at the classic start every
/// step of theirs is the SVD fallback). The rules that form an n × n matrix (Newton's Hessian, BFGS's
/// estimate, J for IG, PG, GN, HIG and LM) stop at n = 10³: see BENCHMARKS.md for why. Set
/// <c>PHYSGRAD_RULE_CASES</c> (comma-separated cases) to run a subset.
/// </remarks>
[MemoryDiagnoser]
public class RuleStepBenchmarks
{
    private Stepper _stepper = null!;
    private double[] _start = null!;

    /// <summary>
    /// The cases: every rule at n = 10² (IG and PG at both starts); at 10³ the rules whose step takes
    /// under a second (the SVD rules GN and HIG, IG and PG at the classic start, and LM take 15–37 s a
    /// step there and are timed by <c>probe</c> instead); the O(n)-memory rules also at 10⁴.
    /// </summary>
    public static IEnumerable<string> Cases =>
        Environment.GetEnvironmentVariable("PHYSGRAD_RULE_CASES") is { Length: > 0 } chosen
            ? chosen.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : RuleCases.Rules.Select(r => $"{r}/100").Concat(["ig/100/contracting", "pg/100/contracting"])
                .Concat(new[] { "gd", "adam", "lbfgs", "newton-cg", "newton", "bfgs" }.Select(r => $"{r}/1000"))
                .Concat(["ig/1000/contracting", "pg/1000/contracting"])
                .Concat(new[] { "gd", "adam", "lbfgs", "newton-cg" }.Select(r => $"{r}/10000"));

    /// <summary>The case (rule/n[/contracting]).</summary>
    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        var parts = Case.Split('/');
        var n = int.Parse(parts[1]);
        _start = RuleCases.Start(n, parts.Length > 2 && parts[2] == "contracting");
        _stepper = new Stepper(RuleCases.Residuals(n), RuleCases.Make(parts[0]), _start);
        for (var k = 0; k < 3; k++) ResetAndStep(); // warm the kernels
    }

    [GlobalCleanup]
    public void Cleanup() => _stepper = null!;

    /// <summary>Reset to x₀ and one step.</summary>
    [Benchmark]
    public double ResetAndStep()
    {
        _stepper.Reset(_start);
        _stepper.Step();
        return _stepper.Loss;
    }

    /// <summary>Reset to x₀ alone (one evaluation of what the rule reads).</summary>
    [Benchmark(Baseline = true)]
    public double ResetOnly()
    {
        _stepper.Reset(_start);
        return _stepper.Loss;
    }
}
