using System.Globalization;
using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>How the point x* of a comparison was found (see <see cref="TargetPoint"/>).</summary>
public enum TargetPointKind
{
    /// <summary>The problem's known solution (<see cref="ProblemDefinition.KnownSolution"/>, e.g. the x* a
    /// reference example's target was made from), checked to be a preimage of y*.</summary>
    Known,
    /// <summary>A preimage of y* found by the problem's local inverse from the start point.</summary>
    PreimageNearStart,
    /// <summary>No preimage was found; the end of a run whose loss fell to 10⁻⁶ of its start stands in for x*
    /// in the plots only (distances stay in y).</summary>
    ApproximateRunEnd,
    /// <summary>No x*: distances are measured in y and the plots say "x* unknown".</summary>
    None,
}

/// <summary>How a preimage x* of a comparison was computed (see <see cref="TargetPoint.By"/>).</summary>
public enum TargetPointMethod
{
    /// <summary>Not computed: x* is known, a run's end, or there is none.</summary>
    None,
    /// <summary>By the inverse the problem was given, from the start point.</summary>
    GivenInverse,
    /// <summary>By the derived local inverse P⁻¹(y*; x₀), on the branch Newton's method found from the start: exact to rounding.</summary>
    DerivedInverse,
    /// <summary>
    /// By the derived local inverse P⁻¹(y*; x₀) from the start, where Newton's method found no preimage: at a
    /// branch point (J singular there, as x0 = 0 for x0², where Newton cannot take a step) the inverse's
    /// branch choices sign(0) take the + branch, and the point is checked to be a preimage.
    /// </summary>
    DerivedInverseAtStart,
    /// <summary>By Newton's method on P(x) = y* from the start (accurate to its tolerance; at a multiple root, to its square root).</summary>
    Newton,
    /// <summary>By Gauss–Newton on P(x) = y* from the start, for more outputs than variables (a consistent overdetermined system).</summary>
    GaussNewton,
    /// <summary>By continuation from P(x₀) to y* along the branch through the start, where Newton's method from the start reached a farther preimage or none.</summary>
    Continuation,
    /// <summary>For one variable: by bisecting a change of sign of P − y* nearer the start than the preimage the searches from the start reached.</summary>
    Bisection,
    /// <summary>
    /// For one variable, where Newton's method and continuation from the start both stopped at a fold (J = 0):
    /// by scanning P − y* outward from the start over doubling brackets and bisecting the nearest change of sign.
    /// </summary>
    Scan,
    /// <summary>
    /// For several variables, where Newton's method and continuation from the start both stopped at a fold
    /// (J singular): by Levenberg–Marquardt on ‖P(x) − y*‖² from the start, from where continuation stopped
    /// and from a few moved starts, the preimage nearest the start (not shown to be the nearest).
    /// </summary>
    LevenbergMarquardt,
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
    /// <summary>
    /// x* in words, with the point in its short form: <c>x* = [-2], the preimage of y* found from the start by the derived
    /// local inverse</c>, <c>x* = [1, 1, …, 1] (64 values), the problem's known solution</c>, <c>no preimage of y* was found from
    /// the start; the plots mark x* ≈ gd's end, L = 1.2E-07</c> or <c>no x*: no target was given (the loss is given)</c>, with
    /// the note, if any, in parentheses (<see cref="Kind"/> and <see cref="By"/> are the typed forms).
    /// </summary>
    public override string ToString()
    {
        var at = X is null ? "" : $"x* = {ResultText.Vector(X)}, ";
        var note = Note is null ? "" : $" ({Note})";
        return Kind switch
        {
            TargetPointKind.Known => $"{at}the problem's known solution{note}",
            TargetPointKind.PreimageNearStart => $"{at}{(Nearest ? "the" : "a")} preimage of y* found from the start{ByText}{note}",
            TargetPointKind.ApproximateRunEnd => $"no preimage of y* was {(NotSearched is null ? "found from the start" : "searched")}; the plots mark {Note}",
            _ => $"no x*{(Note is null ? "" : $": {Note}")}",
        };
    }

    /// <summary>Whether <see cref="X"/> is a true preimage of y*.</summary>
    public bool IsPreimage => Kind is TargetPointKind.Known or TargetPointKind.PreimageNearStart;

    /// <summary>
    /// Whether y* may have other preimages than <see cref="X"/> arbitrarily near it, so that a distance to
    /// <see cref="X"/> says nothing about a run's success: because there are fewer outputs than variables
    /// (m &lt; n: the preimages form a set of dimension n − m at least where J has full rank), or because
    /// x* is not isolated (<see cref="NotUnique"/>: P = y* on a flat stretch, as ReLU (x + |x|)/2 = 0 for
    /// every x ≤ 0). Distances are then measured in y, ‖P(x) − y*‖, which is 0 exactly on the preimages.
    /// </summary>
    public bool ManyPreimages { get; init; }

    /// <summary>
    /// Why x* is not the unique preimage near itself where it is not isolated, in words (<c>P(x) = y* also at
    /// x0 = -1.0001, next to x*: the preimages of y* form a set around x*, and x* is one point of it</c>); null
    /// for an isolated x* (and for m &lt; n, which <see cref="ManyPreimages"/> covers by itself).
    /// </summary>
    public string? NotUnique => Unaffecting is { Count: > 0 } free
        ? $"no output depends on {MethodCatalog.JoinNames(free)}: P(x) = y* for every value of {(free.Count == 1 ? "it" : "each")}, so the preimages of y* form " +
          $"{(free.Count == 1 ? "the whole line" : "the whole plane or space")} through x* along {MethodCatalog.JoinNames(free)}, and x* is one point of it"
        : AlsoAt is null ? null
        : $"P(x) = y* also at {AlsoAt}, next to x*: the preimages of y* form a set around x*, and x* is one point of it";

    /// <summary>
    /// The variables no output depends on (their Jacobian columns are structural zeros, as x0 in <c>[x1, x1^2]</c>):
    /// every value of each gives the same y, so the preimages of y* form a line (a plane, …) through x* along them,
    /// not one other point; null when every variable moves some output (or m &lt; n, which <see cref="ManyPreimages"/> covers).
    /// </summary>
    public IReadOnlyList<string>? Unaffecting { get; init; }

    /// <summary>
    /// Where another preimage of y* lies next to x* when x* is not isolated, as <c>x0 = -0.0001</c> (the
    /// variable and its value, the others as at x*): the short form of <see cref="NotUnique"/> for a table's
    /// line; null for an isolated x*.
    /// </summary>
    public string? AlsoAt { get; init; }

    /// <summary>
    /// Whether x* (found from the start) may be called the preimage of y* nearest the start: continuation
    /// along the start's branch reached it, no other search from the start and no run's end found a
    /// preimage nearer the start, and for one variable no change of sign of P − y* lies nearer (see
    /// <see cref="BookExample.FindPreimageNearest"/>). False otherwise: x* is then a preimage only.
    /// </summary>
    public bool Nearest { get; init; }

    /// <summary>
    /// Why <see cref="Nearest"/> is false, in words (<c>continuation from P(x₀) … did not reach y* …</c>, or
    /// that x* is the known solution, or that none was found); null when x* is shown to be the nearest.
    /// </summary>
    public string? NotNearest { get; init; }

    /// <summary>
    /// The problem x* was found for (<see cref="ProblemDefinition.Identity"/>), set by a façade comparison; null for one
    /// found on a bare compiled problem. <see cref="BookExample.Summarise"/> refuses a run made on another problem.
    /// </summary>
    public ProblemIdentity? Problem { get; init; }

    /// <summary>
    /// Whether x* is shown to be the only preimage of y*: the simulator's affine components (x0 + x1, x0 − x1) have
    /// constant rows of rank n, so P(x) = y* has at most one solution (<see cref="BookExample.OnlyPreimage"/>).
    /// </summary>
    public bool Only { get; init; }

    /// <summary>
    /// Where an inverse was given but its point P⁻¹(y*; x₀) is no preimage of y*, what it gave instead
    /// (<c>the given inverse gives [4], where P is [64], not y* = [8]</c>), so x* was searched for; else null.
    /// </summary>
    public string? GivenInverseMissed { get; init; }

    /// <summary>How x* was computed when it was found from the start (<see cref="TargetPointKind.PreimageNearStart"/>); else <see cref="TargetPointMethod.None"/>.</summary>
    public TargetPointMethod By { get; init; }

    /// <summary>
    /// Which x* a plot marks and the distances in x are measured to, in words for a legend or a header
    /// line: <see cref="Note"/> when there is one, else for a preimage found from the start
    /// <c>x* with P(x*) = y*, found from the start by the derived local inverse</c> (the common case had no
    /// words, and the legend said only "target"); null for none.
    /// </summary>
    public string? Description => Note ?? (Kind == TargetPointKind.PreimageNearStart ? $"x* with P(x*) = y*, found from the start{ByText}" : null);

    /// <summary>
    /// The run whose end stands in for x* (<see cref="TargetPointKind.ApproximateRunEnd"/>), else null: its
    /// name in <see cref="Note"/> is the table's label (<c>gd:0.01</c>); a plot, whose legend names runs
    /// as <c>gd (η = 0.01)</c>, words the note with that name instead (<see cref="DescriptionNaming"/>).
    /// </summary>
    internal OptimizerRun? EndOf { get; init; }

    /// <summary><c>x* ≈ gd:0.01's end, L = 1.2E-07</c>: the note of a run's end standing in for x*, the run named as given.</summary>
    /// A final loss below doubles is given by its carried value (<c>L = 3.2E-400</c>, <see cref="OptimizerRun.LossBelowDoubles"/>), never 0.
    internal static string EndNote(string run, OptimizerRun end) =>
        $"x* ≈ {run}'s end, L = {(end.Losses.Count > 0 && end.LossBelowDoubles(end.Losses.Count - 1) ? end.FinalLossWide.Scientific(2) : NumberText.Short(end.FinalLoss, 2))}";

    /// <summary><see cref="Description"/> with the run it names (<see cref="EndOf"/>) named by <paramref name="name"/>.</summary>
    internal string? DescriptionNaming(Func<OptimizerRun, string> name) =>
        EndOf is { } run && Note == EndNote(run.Label, run) ? EndNote(name(run), run) : Description;

    /// <summary><c> by the derived local inverse</c> (with its leading space) for <see cref="By"/>; empty for <see cref="TargetPointMethod.None"/>.</summary>
    public string ByText => By switch
    {
        TargetPointMethod.GivenInverse => " by the given inverse",
        TargetPointMethod.DerivedInverse => " by the derived local inverse",
        TargetPointMethod.Newton => " by Newton's method",
        TargetPointMethod.GaussNewton => " by Gauss–Newton",
        TargetPointMethod.Continuation => " by continuation from P(x₀)",
        TargetPointMethod.Bisection => " by bisection",
        TargetPointMethod.Scan => " by an outward scan for a change of sign",
        TargetPointMethod.LevenbergMarquardt => " by Levenberg–Marquardt",
        _ => "",
    };

    /// <summary>Why no preimage of y* was searched for (the Jacobian is too large for the search), or null
    /// when one was searched; a report then says "not searched" rather than "not found".</summary>
    public string? NotSearched { get; init; }

    /// <summary>
    /// Whether distances are measured in x, to <see cref="X"/>: only for a preimage that is unique near it
    /// (m ≥ n). With m &lt; n a run may end on another preimage, whose distance to this one says nothing
    /// about its success, so distances stay in y.
    /// </summary>
    public bool MeasuresInX => IsPreimage && !ManyPreimages;

    /// <summary>
    /// For <see cref="TargetPointMethod.DerivedInverseAtStart"/>: the derived inverse's branch choices that
    /// are sign(0) at the start, where the + branch was taken (<c>at the start sign(x0) is sign(0), and the
    /// + branch is taken</c>); else null.
    /// </summary>
    public string? Branch { get; init; }

    /// <summary>‖a − b‖.</summary>
    private static double Distance(double[] a, double[] b) => Math.Sqrt(a.Select((v, i) => (v - b[i]) * (v - b[i])).Sum());

    /// <summary>The derived inverse's branch choices sign(g) with g = 0 at the start, in words (the + branch is taken there); null when none.</summary>
    private static string? BranchNote(CompiledProblem problem, double[] start)
    {
        if (problem.Definition is not { Inverse: { } inverse } model) return null;
        string[] names = [.. model.Variables, .. model.Parameters.Keys];
        double[] values = [.. start, .. model.Parameters.Values];
        try
        {
            var zero = Symbolic.LocalInverse.BranchesAtZero(model.Outputs, names, values, inverse);
            return zero.Length == 0 ? null
                : $"at the start {string.Join(", ", zero.Select(g => $"sign({Symbolic.Infix.Format(g)})"))} {(zero.Length == 1 ? "is" : "are")} sign(0), and the + branch is taken";
        }
        catch (Symbolic.SymbolicException)
        {
            return null;
        }
    }

    /// <summary>
    /// x* for a comparison, by one rule that does not look at the runs for a preimage (so which methods
    /// ran never changes where another method's distance is measured): the problem's known solution when it
    /// is a preimage of y*; else the preimage of y* found from the start point (the problem's local
    /// inverse, see <see cref="BookExample.TargetInX"/>); else, for the plots only (distances stay in y),
    /// the end of a run whose loss fell to 10⁻⁶ of its start or less; else none, with the reason. With
    /// fewer outputs than variables (m &lt; n) the point is one of many preimages (<see cref="ManyPreimages"/>).
    /// </summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="targetY">y*.</param>
    /// <param name="start">The start point of the runs.</param>
    /// <param name="runs">The runs (the plots' stand-in for x* when no preimage is known or found).</param>
    /// <param name="known">A known x* (<see cref="ProblemDefinition.KnownSolution"/>); used only when P(x*) = y*.</param>
    /// <exception cref="Symbolic.SymbolicException">(<see cref="Symbolic.ErrorKind.Shape"/>) A run of another problem, named by its index and label;
    /// (<see cref="Symbolic.ErrorKind.Invalid"/>) runs made on different problems of the same size (<see cref="OptimizerRun.Problem"/>), naming
    /// what differs: a compiled problem carries no identity to check them against, so use the overload taking a
    /// <see cref="PhysicsProblem"/> for runs of one.</exception>
    public static TargetPoint Find(CompiledProblem problem, double[] targetY, double[] start, IReadOnlyList<OptimizerRun> runs, IReadOnlyList<double>? known = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        RunArguments.RequireFrom(runs, problem.Variables, problem.Outputs, nameof(runs));
        if (targetY.Length == 0) return new(TargetPointKind.None, null, "no target was given (the loss is given)");
        var many = problem.M < problem.N;
        var manyNote = many ? $"one of many preimages: {NumberText.Count(problem.M, "output")} < {NumberText.Count(problem.N, "variable")}" : null;
        // A preimage that is not isolated (a flat stretch of P = y*) is one point of a set, as with m < n:
        // where another lies. Checked up to the search's size (2n more preimage tests, each a simulation and a Jacobian).
        // A variable no output depends on makes every point of the line through x* along it a preimage: said as that
        // line (Unaffecting), never as one arbitrary neighbour on it.
        var free = many || (long)problem.N * problem.M > BookExample.NumericTargetLimit ? null : BookExample.Unaffecting(problem) is { Length: > 0 } u ? u : null;
        string? AlsoAt(double[] x) => many || free is not null || (long)problem.N * problem.M > BookExample.NumericTargetLimit ? null : BookExample.NeighbouringPreimage(problem, x, targetY) is var (name, value)
            ? $"{name} = {NumberText.Short(value, 6)}"
            : null;
        if (known is not null && known.Count == problem.N && known.ToArray() is var k && BookExample.IsPreimage(problem, k, targetY)
            && AlsoAt(k) is var knownSet)
            return new(TargetPointKind.Known, k, many ? $"the known x*, {manyNote}" : knownSet is null && free is null ? "the known x*" : "the known x*, one of a set of preimages")
            {
                ManyPreimages = many || knownSet is not null || free is not null,
                AlsoAt = knownSet,
                Unaffecting = free,
                NotNearest = "x* is the problem's known solution, not searched for from the start",
            };
        // A given inverse whose point is no preimage of y* is passed over for the searches: said on the x* line.
        var missed = BookExample.GivenInverseMiss(problem, targetY, start);
        if (BookExample.FindPreimageNearest(problem, targetY, start) is ({ } x, var by, var nearest, var why))
        {
            // The only preimage (affine rows of rank n) is the nearest whatever search found it.
            var only = !many && BookExample.OnlyPreimage(problem, x);
            if (only) (nearest, why) = (true, null);
            // A run that ended on a preimage nearer the start does not move x* (which methods ran must
            // not move where distances are measured), but it withdraws the claim that x* is the nearest.
            var nearer = runs.FirstOrDefault(r => r.Final.Length == x.Length && BookExample.IsPreimage(problem, r.Final, targetY)
                && Distance(r.Final, start) < Distance(x, start) * (1 - 1e-6));
            var set = AlsoAt(x);
            return new(TargetPointKind.PreimageNearStart, x, many ? $"x* found from the start, {manyNote}" : set is null && free is null ? null : "x* found from the start, one of a set of preimages")
            {
                ManyPreimages = many || set is not null || free is not null,
                AlsoAt = set,
                Unaffecting = free,
                By = by,
                Nearest = nearest && nearer is null,
                NotNearest = nearest && nearer is not null ? $"{nearer.Label}'s run ended on a preimage nearer the start" : why,
                Branch = by == TargetPointMethod.DerivedInverseAtStart ? BranchNote(problem, start) : null,
                Only = only,
                GivenInverseMissed = missed,
            };
        }
        var notSearched = (long)problem.N * problem.M > BookExample.NumericTargetLimit
            ? $"the Jacobian has more than {BookExample.NumericTargetLimit} entries"
            : null;
        // Losses below doubles (0 as doubles, ½(1E-200)² = 5E-401) are ordered and compared by their carried values'
        // logarithms (OptimizerRun.LossBelowDoubles): as doubles every such run had "fallen to 0 ≤ 10⁻⁶·0".
        var finite = runs.Where(r => double.IsFinite(r.FinalLoss) && r.Final.All(double.IsFinite))
            .OrderBy(r => r.FinalLoss).ThenBy(r => r.LossUnderflowed && r.FinalLossWide.M != 0 ? r.FinalLossLog10 : double.NegativeInfinity).ToArray();
        static bool Fell(OptimizerRun r) => r.LossUnderflowed
            ? r.FinalLossWide.M == 0 || r.FinalLossLog10 <= r.LossLog10(0) - 6
            : r.FinalLoss <= 1e-6 * r.Losses[0];
        // No preimage known or found from the start: the end of a run whose loss fell to 10⁻⁶ of its start
        // or less is x* to the eye, and the legend says that this is what is drawn. It is never a distance's
        // reference, so which runs there are changes the plots' marker only.
        if (finite.FirstOrDefault(r => r.Losses.Count > 0 && Fell(r)) is { } best)
            return new(TargetPointKind.ApproximateRunEnd, best.Final, EndNote(best.Label, best))
            {
                EndOf = best,
                ManyPreimages = many, NotSearched = notSearched,
                NotNearest = "x* is a run's end standing in for a preimage, which was not found",
            };
        return new(TargetPointKind.None, null, notSearched is not null ? $"x* is not searched: {notSearched}" : (many
                // With m < n the preimages of y* form a set of dimension n − m at least: there is no one x*
                // to mark or measure to, whether or not the local inverse reached one.
                ? $"y* has many preimages ({NumberText.Count(problem.M, "output")} < {NumberText.Count(problem.N, "variable")}), so no single x* is marked"
                : "no preimage of y* was found from the start")) { ManyPreimages = many, NotSearched = notSearched, NotNearest = "there is no x*" };
    }

    /// <summary>
    /// x* for runs of <paramref name="problem"/>, by <see cref="Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>
    /// with the problem's own target, start and known solution; the point carries the problem (<see cref="Problem"/>), so
    /// the plots and reports that take it with the problem check that it is this problem's.
    /// </summary>
    /// <param name="problem">The problem the runs were made on.</param>
    /// <param name="runs">Its runs (its Run or CompareMethods).</param>
    /// <exception cref="Symbolic.SymbolicException">(<see cref="Symbolic.ErrorKind.Shape"/>) A run of another size;
    /// (<see cref="Symbolic.ErrorKind.Invalid"/>) a run made on another problem of the same size, naming what differs.</exception>
    public static TargetPoint Find(PhysicsProblem problem, IReadOnlyList<OptimizerRun> runs)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var d = problem.Definition;
        RunArguments.RequireFrom(runs, d.Variables, d.Outputs, nameof(runs), d.Identity);
        return Find(problem.Compiled, d.Target.ToArray(), d.Start.ToArray(), runs, d.KnownSolution) with { Problem = d.Identity };
    }
}

/// <summary>
/// A comparison of methods on one problem: each method's result, and the one x* that every distance is
/// measured to and that the plots mark.
/// </summary>
/// <param name="Results">One result per method, in the order run.</param>
/// <param name="Target">x*, found once for all methods.</param>
public sealed record Comparison(IReadOnlyList<MethodResult> Results, TargetPoint Target)
{
    /// <summary>The methods of a default list left out when they could not run (their kernels' constants
    /// overflow doubles when folded), each with the reason; empty when every method ran.</summary>
    public IReadOnlyList<SkippedMethod> Skipped { get; init; } = [];

    /// <summary>One line per method (<see cref="MethodResult.ToString"/>), then the point distances are measured to in
    /// words (<see cref="TargetPoint.ToString"/>), then one line per method left out.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Results.Select(r => r.ToString()).Append($"Distances measured to: {Target}").Concat(Skipped.Select(s => s.ToString())));
}

/// <summary>
/// A receiver of a comparison's progress, (method index, iteration just completed), that is also told when
/// each run is over (the comparisons of <see cref="BookExample"/> and
/// <see cref="PhysicsProblem"/> check for it): a run that converges, stalls or diverges before the iteration limit sends no report
/// at the limit, and a progress display would otherwise go on naming its last iteration.
/// </summary>
public interface IRunsProgress : IProgress<(int Method, int Iteration)>
{
    /// <summary>The run of method <paramref name="method"/> is over after <paramref name="iteration"/> iterations (at most the limit; 0 when it took no step).</summary>
    void Ended(int method, int iteration);

    /// <summary>
    /// The run of method <paramref name="method"/> stopped at a stationary point, which is being classified:
    /// <paramref name="products"/> Hessian-vector products taken of at most <paramref name="budget"/>, or a budget
    /// of 0 when the Hessian is formed whole (<see cref="PhysGrad.Numerics.IClassificationProgress"/>). Nothing by default.
    /// </summary>
    void Classifying(int method, int products, int budget)
    {
    }
}
