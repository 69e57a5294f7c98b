using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>One method's result in a comparison, with the book's summary figures.</summary>
/// <param name="Run">The run.</param>
/// <param name="DistanceToTarget">‖x_final − x*‖ for the target point x* (the origin in the book).</param>
/// <param name="DiagonalAlignment">(u/‖u‖)·(1, 1) for the first step u.</param>
public sealed record MethodResult(OptimizerRun Run, double DistanceToTarget, double DiagonalAlignment);

/// <summary>
/// The book's comparison example (THEORY.md §4): P(x) = [x0, x1²], L(y) = y0² + y1², start [3, 3],
/// 10 iterations of GD (η 0.01), Newton (η 1/3), PG (η 0.3, exact inverse [y0, sign(x1)·√y1]) and
/// IG (η 0.3).
/// </summary>
public static class BookExample
{
    /// <summary>The methods and step sizes of the book.</summary>
    public static readonly (Method Method, double Eta)[] Methods =
    [
        (Method.GradientDescent, 0.01),
        (Method.Newton, 1.0 / 3.0),
        (Method.PhysicalGradient, 0.3),
        (Method.InverseGradient, 0.3),
    ];

    /// <summary>The compiled problem.</summary>
    public static CompiledProblem Problem() =>
        new(["x0", "x1"],
            Parse.Many("x0; x1^2"),
            ["y0", "y1"],
            Parse.Expression("y0^2 + y1^2"),
            Parse.Many("y0; sign(x1)*sqrt(y1)"));

    /// <summary>Runs every method of the book for <paramref name="iterations"/> steps from [3, 3].</summary>
    public static IReadOnlyList<MethodResult> Run(int iterations = 10)
    {
        var problem = Problem();
        return Methods.Select(m => Summarise(Optimizer.Run(problem, m.Method, m.Eta, [3.0, 3.0], iterations), [0.0, 0.0])).ToArray();
    }

    /// <summary>The distance to a target point and the diagonal alignment of the first step.</summary>
    public static MethodResult Summarise(OptimizerRun run, double[] target)
    {
        var final = run.Final;
        var distance = Math.Sqrt(final.Select((v, i) => (v - target[i]) * (v - target[i])).Sum());
        var alignment = double.NaN;
        if (run.Trajectory.Count > 1)
        {
            var u = run.Trajectory[1].Select((v, i) => v - run.Trajectory[0][i]).ToArray();
            var norm = Math.Sqrt(u.Sum(v => v * v));
            if (norm > 0) alignment = u.Sum() / norm;
        }
        return new MethodResult(run, distance, alignment);
    }
}
