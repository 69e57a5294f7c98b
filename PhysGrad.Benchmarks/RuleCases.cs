using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The Rosenbrock residuals of THEORY §7 (r_i = 10(x_{i+1} − x_i²) for i &lt; n − 1, r_{n−1} = 1 − x_0,
/// loss ½‖r‖², numeric inverse) and the rules of issue 13 with the step sizes the benchmarks use.
/// Shared by <see cref="RuleStepBenchmarks"/>, <see cref="NewtonCGBenchmarks"/> and the wall-clock
/// commands of <see cref="RuleTiming"/>.
/// </summary>
internal static class RuleCases
{
    /// <summary>Every rule of issue 13, by report name.</summary>
    public static readonly string[] Rules = ["gd", "adam", "newton", "newton-cg", "bfgs", "lbfgs", "ig", "pg", "gn", "hig", "lm"];

    /// <summary>The rule called <paramref name="name"/>.</summary>
    public static IUpdateRule Make(string name) => name switch
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
        "lm" => new LevenbergMarquardt(1),
        _ => throw new ArgumentException($"unknown rule {name}"),
    };

    /// <summary>The residuals at size n, compiled lazily (nothing is compiled until a rule asks).</summary>
    public static CompiledProblem Residuals(int n)
    {
        var variables = Enumerable.Range(0, n).Select(i => $"x{i}").ToArray();
        var simulator = Enumerable.Range(0, n - 1).Select(i => Parse.Expression($"10*(x{i + 1} - x{i}^2)"))
            .Append(Parse.Expression("1 - x0")).ToArray();
        // Numeric inverse for PG: a symbolic derivation is not what is measured here.
        return new CompiledProblem(Problem.Create(variables, simulator, null, new double[n], Start(n, false), null, false));
    }

    /// <summary>
    /// The start: Rosenbrock's classic (−1.2, 1, −1.2, 1, …), or, with <paramref name="contracting"/>,
    /// (0.3, −0.3, 0.3, …). Solving J v = b runs down the chain v_{i+1} = b_i/10 + 2 x_i v_i, so at the
    /// classic start (|2x_i| = 2.4 and 2) J's condition grows like 2ⁿ and is numerically singular from
    /// n ≈ 50 on; IG and PG then take their SVD fallback every step. At |x_i| = 0.3 the chain contracts
    /// (|2x_i| = 0.6), J is well conditioned at every n, and IG and PG take their regular step.
    /// </summary>
    public static double[] Start(int n, bool contracting) =>
        Enumerable.Range(0, n).Select(i => contracting ? (i % 2 == 0 ? 0.3 : -0.3) : (i % 2 == 0 ? -1.2 : 1.0)).ToArray();
}
