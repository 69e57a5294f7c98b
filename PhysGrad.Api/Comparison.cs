using System.Globalization;
using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>How the point x* of a comparison was found (see <see cref="TargetPoint"/>).</summary>
public enum TargetPointKind
{
    /// <summary>A preimage of y* found by the problem's local inverse from the start point.</summary>
    PreimageNearStart,
    /// <summary>A preimage of y* found from the end of the run with the smallest final loss (none from the start).</summary>
    PreimageNearRunEnd,
    /// <summary>No preimage was found; the end of a run whose loss fell to 10⁻⁶ of its start stands in for x*
    /// in the plots only (distances stay in y).</summary>
    ApproximateRunEnd,
    /// <summary>No x*: distances are measured in y and the plots say "x* unknown".</summary>
    None,
}

/// <summary>
/// The point x* with P(x*) = y* that a comparison measures its distances to and marks in its plots,
/// computed once per comparison so that the table, the JSON report and the plots agree on the branch.
/// </summary>
/// <param name="Kind">How it was found.</param>
/// <param name="X">The point (null for <see cref="TargetPointKind.None"/>).</param>
/// <param name="Note">For the legend when x* was not found from the start (which run's end), or why there is
/// no x* (<see cref="TargetPointKind.None"/>); null for a preimage near the start.</param>
public sealed record TargetPoint(TargetPointKind Kind, double[]? X, string? Note)
{
    /// <summary>Whether <see cref="X"/> is a true preimage of y* (distances are then measured in x).</summary>
    public bool IsPreimage => Kind is TargetPointKind.PreimageNearStart or TargetPointKind.PreimageNearRunEnd;

    /// <summary>
    /// x* for a comparison: the preimage of y* nearest the start (the problem's local inverse from the start
    /// point, see <see cref="BookExample.TargetInX"/>); else the preimage near the end of the run with the
    /// smallest final loss; else, for the plots only, the end of a run whose loss fell to 10⁻⁶ of its start
    /// or less; else none, with the reason.
    /// </summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="targetY">y*.</param>
    /// <param name="start">The start point of the runs.</param>
    /// <param name="runs">The runs (their ends are the fallback starting points).</param>
    public static TargetPoint Find(CompiledProblem problem, double[] targetY, double[] start, IReadOnlyList<OptimizerRun> runs)
    {
        if (targetY.Length == 0) return new(TargetPointKind.None, null, "no target was given (the loss is given)");
        if (BookExample.TargetInX(problem, targetY, start) is { } x) return new(TargetPointKind.PreimageNearStart, x, null);
        var finite = runs.Where(r => double.IsFinite(r.FinalLoss) && r.Final.All(double.IsFinite)).OrderBy(r => r.FinalLoss).ToArray();
        foreach (var run in finite)
            if (BookExample.TargetInX(problem, targetY, run.Final) is { } near)
                return new(TargetPointKind.PreimageNearRunEnd, near, $"x* found near {run.Name}'s end");
        // No inverse (e.g. more outputs than variables): the end of a run whose loss fell to 10⁻⁶ of its
        // start or less is x* to the eye, and the legend says that this is what is drawn.
        if (finite.FirstOrDefault(r => r.Losses.Count > 0 && r.FinalLoss <= 1e-6 * r.Losses[0]) is { } best)
            return new(TargetPointKind.ApproximateRunEnd, best.Final,
                $"x* ≈ {best.Name}'s end, L = {NumberText.Short(best.FinalLoss, 2)}");
        return new(TargetPointKind.None, null, (long)problem.N * problem.M > BookExample.NumericTargetLimit
            ? $"x* is not searched: the Jacobian has more than {BookExample.NumericTargetLimit} entries"
            : "no preimage of y* was found from the start or from any run's end");
    }
}

/// <summary>
/// A comparison of methods on one problem: each method's result, and the one x* that every distance is
/// measured to and that the plots mark.
/// </summary>
/// <param name="Results">One result per method, in the order run.</param>
/// <param name="Target">x*, found once for all methods.</param>
public sealed record Comparison(IReadOnlyList<MethodResult> Results, TargetPoint Target);
