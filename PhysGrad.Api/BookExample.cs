using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>Where a comparison measures a run's distance to the target.</summary>
public enum DistanceSpace
{
    /// <summary>In x, to the preimage x* of y*.</summary>
    X,
    /// <summary>In y, to y* itself (no preimage of y* was found).</summary>
    Y,
    /// <summary>Nowhere: no target was given.</summary>
    None,
}

/// <summary>One method's result in a comparison, with the book's summary figures.</summary>
/// <param name="Run">The run.</param>
/// <param name="DistanceToTarget">‖x_final − x*‖ where x* = P⁻¹(y*) is known (a local inverse is given),
/// else ‖P(x_final) − y*‖.</param>
/// <param name="DiagonalAlignment">(u/‖u‖)·(1, …, 1) for the first step u.</param>
public sealed partial record MethodResult(OptimizerRun Run, double DistanceToTarget, double DiagonalAlignment)
{
    /// <summary>Where <see cref="DistanceToTarget"/> is measured, typed: to x* (<see cref="PhysGrad.DistanceSpace.X"/>), to y*
    /// when no x* is known (<see cref="PhysGrad.DistanceSpace.Y"/>), or nowhere (<see cref="PhysGrad.DistanceSpace.None"/>: no target was
    /// given, as a problem with a loss of its own needs none; the distance is then NaN).</summary>
    public PhysGrad.DistanceSpace MeasuredIn { get; init; } = PhysGrad.DistanceSpace.X;

    /// <summary>The x* <see cref="DistanceToTarget"/> was measured against (null for a result made by hand):
    /// what a report of these results names as its x*, so its "targetX" is the point its distances use.</summary>
    public TargetPoint? Target { get; init; }

    /// <summary><see cref="MeasuredIn"/> as the reports write it: <c>"x"</c>, <c>"y"</c> or <c>"none"</c>.</summary>
    public string DistanceSpace => MeasuredIn.ToString().ToLowerInvariant();

    /// <summary>Whether the run diverged (<c>Run.Exit.Reason</c> is <see cref="StopReason.Diverged"/>): a failed run.</summary>
    public bool Diverged => Run.Exit.Reason == StopReason.Diverged;

    /// <summary>Whether the run failed: it diverged, a solver in a step did not converge (<see cref="StopReason.SolverFailed"/>),
    /// or a step left the problem's domain (<see cref="StopReason.LeftDomain"/>).</summary>
    public bool Failed => Run.Exit.Reason is StopReason.Diverged or StopReason.SolverFailed or StopReason.LeftDomain;

    /// <summary>The run, then <c>distance 0.511282 in x, diagonal -1.35640</c> (<c>no distance (no target)</c> without a target),
    /// then the stop in words: <c>…; stopped at the iteration limit: 10 iterations</c>.</summary>
    public override string ToString() =>
        $"{Run.Summary}, " + (MeasuredIn == PhysGrad.DistanceSpace.None ? "no distance (no target)" : $"distance {RunReport.FormatNumber(DistanceToTarget)} in {DistanceSpace}") +
        $", diagonal {DiagonalText}; {ExitReason.Sentence(Run.StopReason, Run.StopDetail)}";

    /// <summary><see cref="DiagonalAlignment"/> as compare's table writes it, with the table's 6 significant digits
    /// (<see cref="NumberText.Table"/>, as the loss and the distance beside it): <c>-1.35640</c>; <c>0</c> where it is
    /// 0 up to rounding (a sum of n terms of size at most 1: <see cref="NumberText.IsNoise"/> against n, so a step
    /// across the diagonal is not written -2.77556E-17); <c>n/a</c> where it is undefined (NaN: no first step, e.g. a
    /// run of 0 iterations, has a direction to align). Its 4 decimals were 5 digits here, 1 at 0.0012, beside 6.</summary>
    public string DiagonalText => !double.IsFinite(DiagonalAlignment) ? "n/a"
        : NumberText.IsNoise(DiagonalAlignment, Math.Max(1, Run.FirstStep?.Length ?? 1)) ? "0"
        : NumberText.Table(DiagonalAlignment);
}

/// <summary>
/// The book's comparison example (docs/theory.md §4): P(x) = [x0, x1²], L(y) = y0² + y1², start [3, 3],
/// 10 iterations of GD (η 0.01), Newton (η 1/3), PG (η 0.3, exact inverse [y0, sign(x1)·√y1]) and
/// IG (η 0.3).
/// </summary>
public static class BookExample
{
    /// <summary>The methods and step sizes of the book.</summary>
    public static readonly (Method Method, double Eta)[] Methods =
        [.. new[] { Method.GradientDescent, Method.Newton, Method.PhysicalGradient, Method.InverseGradient }
            .Select(m => (m, MethodCatalog.Of(m).DefaultEta))];

    /// <summary>
    /// The default methods for a problem: the book's four for the book's example; for any other
    /// problem those and Gauss–Newton and HIG (η 0.3 each), the two that also work on non-square
    /// Jacobians. A problem with defaults of its own (<see cref="ProblemDefinition.Defaults"/>, a reference
    /// example's) runs them at its step sizes and without the methods it leaves out. Methods that do not
    /// apply are then left out by <see cref="Applicable"/>.
    /// </summary>
    public static IReadOnlyList<(Method Method, double Eta)> DefaultMethods(ProblemDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        (Method Method, double Eta)[] all = ReferenceEquals(definition, ProblemDefinition.Book) ? Methods
            : [.. Methods, .. new[] { Method.GaussNewton, Method.HalfInverseGradient }.Select(m => (m, MethodCatalog.Of(m).DefaultEta))];
        return definition.Defaults is not { } own ? all
            : all.Where(m => !own.LeavesOut(m.Method)).Select(m => (m.Method, own.StepOf(m.Method))).ToArray();
    }

    /// <summary>
    /// Whether a method can run on a problem, typed: IG and PG need a square Jacobian (<see cref="NotApplicableCause.NotSquare"/>);
    /// PG runs with the numeric inverse when none was derived, so nothing else stops a run.
    /// </summary>
    public static Applicability ApplicabilityOf(Problem problem, Method method) =>
        method is Method.InverseGradient or Method.PhysicalGradient && problem.Simulator.Length != problem.Variables.Length
            ? Applicability.No(NotApplicableCause.NotSquare, SquareReason(method, problem.Variables.Length, problem.Simulator.Length))
            : Applicability.Yes;

    /// <summary>
    /// Whether a method, with its options, can run on a problem of this shape, decided from the shape
    /// alone (so before anything is traced, derived or run): IG and PG need a square Jacobian
    /// (<see cref="NotApplicableCause.NotSquare"/>), and a rule with a dense form refuses sizes over its
    /// limit (<see cref="NotApplicableCause.TooLarge"/>: hig over <see cref="Numerics.Rules.SolverLimits.SvdUpTo"/>, bfgs over
    /// <see cref="Numerics.Rules.Bfgs.DenseUpTo"/>, a dense form asked for with iterative=0 over
    /// <see cref="Numerics.Rules.SolverLimits.SvdUpTo"/>), with the rule's own reason, the one a run would throw.
    /// </summary>
    /// <param name="method">The method and its options.</param>
    /// <param name="outputs">m, the simulator's outputs.</param>
    /// <param name="variables">n, the variables.</param>
    public static Applicability ApplicabilityOf(MethodSpec method, int outputs, int variables)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (method.Method is Method.InverseGradient or Method.PhysicalGradient && outputs != variables)
            return Applicability.No(NotApplicableCause.NotSquare, SquareReason(method.Method, variables, outputs));
        return method.Rule() is Numerics.Rules.RuleBase rule && rule.SizeRefusal(outputs, variables) is { } why
            ? Applicability.No(NotApplicableCause.TooLarge, why)
            : Applicability.Yes;
    }

    /// <summary>
    /// Throws <see cref="MethodNotApplicableException"/> when the method cannot run on a problem of this
    /// shape (<see cref="ApplicabilityOf(MethodSpec, int, int)"/>): every entry point that runs a named
    /// method (<see cref="PhysicsProblem.Run"/>, the comparisons) refuses with the one type and the one
    /// wording that <see cref="PhysicsProblem.Rules(Method[])"/> uses, before anything runs.
    /// </summary>
    /// <exception cref="MethodNotApplicableException">IG or PG on a non-square Jacobian (ErrorKind.Shape),
    /// or a dense form over its size limit (ErrorKind.TooLarge).</exception>
    internal static void RequireApplicable(MethodSpec method, int outputs, int variables) =>
        RequireApplicable(method.Method, ApplicabilityOf(method, outputs, variables));

    /// <summary>Throws <see cref="MethodNotApplicableException"/> for a verdict that the method does not apply.</summary>
    internal static void RequireApplicable(Method method, Applicability verdict)
    {
        if (verdict.IsApplicable) return;
        var cause = verdict.Cause ?? NotApplicableCause.Other;
        throw new MethodNotApplicableException(method, cause,
            cause == NotApplicableCause.TooLarge ? ErrorKind.TooLarge : ErrorKind.Shape, verdict.Reason!);
    }

    /// <summary>
    /// Why a method cannot run on a problem, or null when it can: IG and PG need a square Jacobian
    /// (PG runs with the numeric inverse when none was derived, so nothing else stops it).
    /// </summary>
    public static string? NotApplicable(Problem problem, Method method) => ApplicabilityOf(problem, method).Reason;

    /// <summary>
    /// The one wording (derive, compare, the API) of why IG or PG does not apply to a non-square problem.
    /// The remedy names only methods the caller can offer: runs have Gauss–Newton and HIG, closed-form
    /// rules (<paramref name="closedFormOnly"/>) only Gauss–Newton (HIG's step needs an SVD).
    /// </summary>
    public static string SquareReason(Method method, int variables, int outputs, bool closedFormOnly = false) =>
        $"{ShortName(method)} needs a square Jacobian; this problem maps {NumberText.Count(variables, "variable")} to {NumberText.Count(outputs, "output")}. " +
        (closedFormOnly ? "Gauss–Newton (gn) has a closed form for non-square problems." : "Use Gauss–Newton or HIG (gn, hig) for non-square problems.");

    /// <summary>
    /// Splits a default method list into the methods that apply to the problem and those that do not,
    /// with the reason: the shape (<see cref="NotApplicable"/>) and each rule's size limit
    /// (<see cref="ApplicabilityOf(MethodSpec, int, int)"/>), decided before anything runs.
    /// </summary>
    public static ((Method Method, double Eta)[] Run, SkippedMethod[] Skipped) Applicable(
        Problem problem, IEnumerable<(Method Method, double Eta)> methods)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var all = methods.Select(m => (m.Method, m.Eta,
            Verdict: ApplicabilityOf(new MethodSpec(m.Method, m.Eta), problem.Simulator.Length, problem.Variables.Length))).ToArray();
        return (all.Where(m => m.Verdict.IsApplicable).Select(m => (m.Method, m.Eta)).ToArray(),
            all.Where(m => !m.Verdict.IsApplicable)
                .Select(m => new SkippedMethod(m.Method, m.Verdict.Reason!) { Cause = m.Verdict.Cause!.Value }).ToArray());
    }

    /// <summary>Reads "gd,newton,pg" (names only, as derive takes them: <see cref="MethodCatalog.ParseNames"/>).</summary>
    /// <exception cref="SymbolicException">A name that is not a method, or a name with a step size.</exception>
    public static Method[] ParseMethodNames(string text) => MethodCatalog.ParseNames(text);

    /// <summary>The compiled problem.</summary>
    public static CompiledProblem Problem() => ProblemDefinition.Book.Compile();

    /// <summary>
    /// Runs the given methods (default: the book's) for <paramref name="iterations"/> steps on a problem
    /// (default: the book's), with a backtracking line search for Newton and BFGS when asked.
    /// </summary>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="methods">Methods and step sizes (default: the book's).</param>
    /// <param name="definition">The problem (default: the book's).</param>
    /// <param name="lineSearch">Line search: Armijo backtracking for Newton, weak Wolfe for BFGS and L-BFGS.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    public static IReadOnlyList<MethodResult> Run(
        int iterations = 10, IReadOnlyList<(Method Method, double Eta)>? methods = null, ProblemDefinition? definition = null,
        bool lineSearch = false, IProgress<(int Method, int Iteration)>? progress = null)
    {
        definition ??= ProblemDefinition.Book;
        return Run(definition.Compile(), definition.Target.ToArray(), definition.Start.ToArray(), iterations, methods, lineSearch, progress);
    }

    /// <summary>Runs the given methods (default: the book's) on an already compiled problem.</summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="target">The target y*.</param>
    /// <param name="start">The start point.</param>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="methods">Methods and step sizes (default: the book's).</param>
    /// <param name="lineSearch">Line search: Armijo backtracking for Newton, weak Wolfe for BFGS and L-BFGS.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    public static IReadOnlyList<MethodResult> Run(
        CompiledProblem problem, double[] target, double[] start, int iterations,
        IReadOnlyList<(Method Method, double Eta)>? methods = null, bool lineSearch = false,
        IProgress<(int Method, int Iteration)>? progress = null) =>
        Compare(problem, target, start, iterations, (methods ?? Methods).Select(m => new MethodSpec(m.Method, m.Eta)).ToArray(), lineSearch, progress).Results;

    /// <summary>
    /// Runs the given methods, each with its options (<see cref="MethodSpec"/>, as <see cref="MethodCatalog.Parse"/>
    /// reads them), on an already compiled problem.
    /// </summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="target">The target y*.</param>
    /// <param name="start">The start point.</param>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="methods">The methods with their step sizes and options.</param>
    /// <param name="lineSearch">Line search: each method's own (<see cref="MethodEntry.LineSearch"/>), where it has one.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    public static IReadOnlyList<MethodResult> Run(
        CompiledProblem problem, double[] target, double[] start, int iterations,
        IReadOnlyList<MethodSpec> methods, bool lineSearch = false,
        IProgress<(int Method, int Iteration)>? progress = null) =>
        Compare(problem, target, start, iterations, methods, lineSearch, progress).Results;

    /// <summary>
    /// Runs the given methods (default: the book's) on an already compiled problem and finds x* once
    /// (<see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>): the table, the JSON report and the plots take it from the result.
    /// </summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="target">The target y* (empty when a loss of its own needs none).</param>
    /// <param name="start">The start point.</param>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="methods">Methods and step sizes (default: the book's).</param>
    /// <param name="lineSearch">Line search: each method's own (<see cref="MethodEntry.LineSearch"/>), where it has one.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    /// <param name="known">A known x* with P(x*) = y* (<see cref="ProblemDefinition.KnownSolution"/>): distances are measured to it.</param>
    public static Comparison Compare(
        CompiledProblem problem, double[] target, double[] start, int iterations,
        IReadOnlyList<(Method Method, double Eta)>? methods = null, bool lineSearch = false,
        IProgress<(int Method, int Iteration)>? progress = null, IReadOnlyList<double>? known = null) =>
        Compare(problem, target, start, iterations, (methods ?? Methods).Select(m => new MethodSpec(m.Method, m.Eta)).ToArray(), lineSearch, progress, known);

    /// <summary>
    /// Runs the given methods, each with its options, on an already compiled problem and finds x* once
    /// (<see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>): the table, the JSON report and the plots take it from the result.
    /// Each run keeps every point while its points fit in <see cref="RecordedBytes"/>, else every k-th
    /// (<see cref="RecordingFor"/>).
    /// </summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="target">The target y*.</param>
    /// <param name="start">The start point.</param>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="methods">The methods with their step sizes and options.</param>
    /// <param name="lineSearch">Line search: each method's own (<see cref="MethodEntry.LineSearch"/>), where it has one.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    /// <param name="known">A known x* with P(x*) = y* (<see cref="ProblemDefinition.KnownSolution"/>): distances are measured to it.</param>
    /// <param name="skipUnformable">For a default list: a method whose kernels cannot be derived because their
    /// constants overflow when folded (newton's Hessian of ½(1E+200·x0 − 1E+200)², 1E+200 × 1E+200) is left out
    /// and listed in <see cref="Comparison.Skipped"/> with the reason, and the others run; when false (methods
    /// the caller named) that <see cref="SymbolicException"/> (<see cref="ErrorKind.NonFinite"/>) is thrown.</param>
    /// <param name="source">The identity of the problem compared (<see cref="ProblemDefinition.Identity"/>), which every run,
    /// result and the x* carry (<see cref="OptimizerRun.Problem"/>, <see cref="MethodResult.Problem"/>, <see cref="TargetPoint.Problem"/>);
    /// null (a bare compiled problem) leaves them without one.</param>
    /// <exception cref="SymbolicException">A method's kernels fold constants beyond the doubles' range
    /// (<see cref="ErrorKind.NonFinite"/>), unless <paramref name="skipUnformable"/>.</exception>
    public static Comparison Compare(
        CompiledProblem problem, double[] target, double[] start, int iterations,
        IReadOnlyList<MethodSpec> methods, bool lineSearch = false,
        IProgress<(int Method, int Iteration)>? progress = null, IReadOnlyList<double>? known = null,
        bool skipUnformable = false, ProblemIdentity? source = null)
    {
        // Every run first, then x* and the summaries: when PG is among the methods it has derived the
        // local inverse by then, and every distance is measured against the same x*.
        // Two runs of one method are told apart by their labels (gd:0.01, gd:0.001) in every report and plot.
        var labels = MethodCatalog.Labels(methods);
        foreach (var m in methods) RequireApplicable(m, problem.M, problem.N);
        var runs = new List<OptimizerRun>();
        var skipped = new List<SkippedMethod>();
        for (var i = 0; i < methods.Count; i++)
        {
            var m = methods[i];
            try
            {
                var run = Optimizer.Run(problem, m.Rule(lineSearch), start, iterations,
                    progress: progress is null ? null : new Relay(progress, i),
                    recording: RecordingFor(iterations, problem.N, problem.M)) with { Label = labels[i], Problem = source };
                // A run that stops before the limit (converged, stalled, diverged) sends no last report:
                // a receiver that can hear it is told the run is over, so that it does not go on naming it.
                (progress as IRunsProgress)?.Ended(i, run.Exit.Iteration);
                runs.Add(run);
            }
            catch (Exception e) when (skipUnformable && InputError.Unformable(e) is { } s)
            {
                // Its kernels cannot be formed in doubles (derived when the run first asks for them): the
                // other methods' runs do not need them, so a default list goes on without this one.
                (progress as IRunsProgress)?.Ended(i, 0);
                skipped.Add(new SkippedMethod(m.Method, s.Message) { Cause = NotApplicableCause.Other });
            }
            catch (Exception e) when (!skipUnformable && InputError.Unformable(e) is { } s)
            {
                // A method the caller named: refused, saying which one, so that the caller knows what to leave out.
                throw new SymbolicException(ErrorKind.NonFinite,
                    $"{labels[i]} cannot run on this problem: {s.Message.TrimEnd('.')}. Leave {labels[i]} out of the methods to run the others.");
            }
        }
        var targetX = TargetPoint.Find(problem, target, start, runs, known) with { Problem = source };
        return new Comparison(runs.Select(run => Summarise(run, target, targetX)).ToArray(), targetX) { Skipped = skipped };
    }

    /// <summary>
    /// The most a comparison's run keeps of its points x and y = P(x) (256 MiB of doubles): a run keeps
    /// (iterations + 1)·(n + m) numbers in full, which at n = m = 10⁵ is 1.6 MB a point, so 500 Newton-CG
    /// iterations took the process past 1 GiB (BENCHMARKS.md, "Issue 14's memory target at n = 10⁵").
    /// </summary>
    public const long RecordedBytes = 1L << 28;

    /// <summary>
    /// The most points a comparison's run keeps whatever n + m (2¹⁸ = 262 144). The points are drawn
    /// (the x-, y- and field plots) and written (CSV, JSON); <see cref="RecordedBytes"/> alone let a run
    /// at n = m = 1 keep 16.7 M points, some 1 GiB as arrays, and the plots copied each. Kept evenly in
    /// iteration (the interval doubles), 2¹⁸ points still give over 60 per pixel column of the widest
    /// figure (4 000 pixels), more than a line can show, and cost at most 2¹⁸·(n + m + 1) doubles (6 MiB at
    /// n = m = 1, plus the arrays' headers). A run of up to 262 143 iterations keeps every point as before.
    /// </summary>
    public const int PlottedPoints = 1 << 18;

    /// <summary>
    /// <see cref="Recording.Full"/> when the run's (iterations + 1) points of n + m values fit in
    /// <see cref="RecordedBytes"/> and number at most <see cref="PlottedPoints"/>; otherwise
    /// <see cref="Recording.AtMost"/> the points that fit (at most <see cref="PlottedPoints"/>), thinned by
    /// doubling its interval only once the run has produced more (a run that stops early keeps every point
    /// whatever its limit, and the first step is always kept). The losses are kept at every iteration up to
    /// <see cref="Recording.DefaultMaxLosses"/>, past that as each stretch's least and greatest
    /// (<see cref="OptimizerRun.LossIterations"/>), and the plots and reports place each kept point at its iteration (<see cref="OptimizerRun.RecordedIterations"/>).
    /// </summary>
    /// <param name="iterations">The iteration limit.</param>
    /// <param name="n">The number of variables.</param>
    /// <param name="m">The number of outputs.</param>
    public static Recording RecordingFor(int iterations, int n, int m)
    {
        // Points that fit, at least four (the start, the first step, one between, the last).
        var fit = Math.Max(4, Math.Min(PlottedPoints, Math.Floor(RecordedBytes / (((double)n + m) * sizeof(double)))));
        // Counted in double: iterations + 1 in int wraps to −2³¹ at int.MaxValue, which read as "fits".
        return iterations + 1.0 <= fit ? Recording.Full : Recording.AtMost((int)Math.Min(fit, int.MaxValue));
    }

    /// <summary>
    /// One run's progress told to the comparison's receiver as (method, iteration), synchronously
    /// (Progress&lt;T&gt; posts to a synchronisation context), and its stop point's classification too
    /// when the receiver hears it (<see cref="IRunsProgress.Classifying"/>).
    /// </summary>
    private sealed class Relay(IProgress<(int Method, int Iteration)> receiver, int method) : IProgress<int>, IClassificationProgress
    {
        public void Report(int value) => receiver.Report((method, value));

        public void Classifying(int products, int budget) => (receiver as IRunsProgress)?.Classifying(method, products, budget);
    }

    /// <summary>
    /// x* = P⁻¹(y*; x) when the problem has a local inverse and y* has a preimage near x: a given closed
    /// form first; otherwise the preimage is found numerically from x (Newton on P(x) = y*), the same point
    /// for every problem whose inverse is unique near x, but only up to <see cref="NumericTargetLimit"/>
    /// entries of the dense Jacobian (each Newton step factorises it; at n = 1000 the search would cost
    /// more than a hundred GD steps). Beyond that, null: the distance is measured in y. For a small problem
    /// (up to <see cref="ClosedFormTargetLimit"/> Jacobian entries) Newton's point is then made exact by the
    /// derived local inverse where there is one (see <see cref="FindPreimage"/>). No point is returned unless it
    /// passes <see cref="IsPreimage"/>.
    /// </summary>
    public static double[]? TargetInX(CompiledProblem problem, double[] targetY, double[] near) =>
        FindPreimage(problem, targetY, near).X;

    /// <summary>
    /// <see cref="TargetInX"/> with the way x* was computed. Newton's method stops within its tolerance of
    /// x*, which at a multiple root is only its square root (x1² = 0 from x1 = 3 stops near x1 = 7e-7). So
    /// where the problem's local inverse can be derived (within its time budget; derived here whatever
    /// methods ran, so that the method list never moves x*) it is evaluated on Newton's branch, at y* with
    /// Newton's point as x₀, and taken when it lands on the same preimage (within 10⁻⁴ of Newton's point,
    /// relative) and P(x*) = y* to rounding (‖P(x*) − y*‖ ≤ 10⁻¹³·(1 + ‖y*‖)); otherwise Newton's point stands.
    /// Where Newton finds no preimage (J singular at the start, as at a branch point), the derived inverse
    /// from the start is taken when it gives one (<see cref="TargetPointMethod.DerivedInverseAtStart"/>).
    /// </summary>
    internal static (double[]? X, TargetPointMethod By) FindPreimage(CompiledProblem problem, double[] targetY, double[] near) =>
        FindPreimageNearest(problem, targetY, near) is var (x, by, _, _) ? (x, by) : default;

    /// <summary>
    /// <see cref="FindPreimage"/> with whether x* may be called the preimage nearest the start, and why not
    /// when it may not. Newton from the start can jump across basins (x0³ − x0 = 0 from 0.5: its first step
    /// lands on the preimage −1, past the preimage 0), and backtracking on ‖P(x) − y*‖ does not stop it, since
    /// the jump lowers the residual to 0. So for a square system the preimage is also followed from the start
    /// by continuation along y(t) = (1 − t)·P(x₀) + t·y* (<see cref="ContinuedPreimage"/>, the branch through
    /// x₀), and the candidate nearer the start is taken. Both stop at a fold, where J is singular and y*
    /// lies beyond the branch's reach (x0³ − 3·x0 = 2.5 from 0.5: the branch through 0.5 ends at x = −1, where
    /// P = 2, and Newton stalls there too, while x* ≈ 2.07 lies past the other fold). Then, for one variable,
    /// P − y* is scanned outward from x₀ over doubling brackets for the nearest change of sign
    /// (<see cref="OutwardRoot"/>), and for several, Levenberg–Marquardt on ‖P(x) − y*‖² is started from x₀,
    /// from continuation's last point and from x₀ moved along each of the first four axes
    /// (<see cref="LevenbergMarquardtPreimage"/>), and the preimage nearest the start taken. Nearest is
    /// claimed when continuation reached x* and no other candidate lies nearer, and for one variable whenever
    /// the segment [x₀ − d, x₀ + d] (d = |x* − x₀|) holds no change of sign of P − y* nearer the start (a
    /// nearer one is bisected and taken; a root where P − y* touches 0 without a change of sign is not seen).
    /// No claim holds for the given inverse, the derived inverse at a branch point, Gauss–Newton or
    /// Levenberg–Marquardt (each one local search, with nothing to compare).
    /// </summary>
    internal static (double[]? X, TargetPointMethod By, bool Nearest, string? NotNearest) FindPreimageNearest(CompiledProblem problem, double[] targetY, double[] near)
    {
        if (targetY.Length != problem.M || !targetY.All(double.IsFinite) || !near.All(double.IsFinite)) return (null, TargetPointMethod.None, false, null);
        var x = new double[problem.N];
        // A given closed form is the user's word, taken from the start point.
        if (problem.IsInverseResolved && problem.InverseSource == Symbolic.InverseSource.Given
            && problem.Invert(targetY, near, x) && IsPreimage(problem, x, targetY))
            return (x, TargetPointMethod.GivenInverse, false, "the given inverse is taken as given, on its own branch, and not compared with other preimages");
        if ((long)problem.N * problem.M > NumericTargetLimit) return (null, TargetPointMethod.None, false, null);
        // Newton from the start picks the branch, whatever the inverse's source, so that which methods ran
        // does not decide whether (or which) x* is found.
        var by = problem.M == problem.N ? TargetPointMethod.Newton : TargetPointMethod.GaussNewton;
        var nearest = false;
        string? why = problem.M == problem.N
            ? "Newton's method from the start and continuation from P(x₀) along the start's branch did not agree, and Newton's preimage is the nearer"
            : "Gauss–Newton from the start is one local search, with nothing to compare";
        var found = problem.M == problem.N ? problem.InvertNumerically(targetY, near, x)
            : problem.M > problem.N && GaussNewtonPreimage(problem, targetY, near, x);
        found = found && IsPreimage(problem, x, targetY);
        if (problem.M == problem.N)
        {
            var continued = new double[problem.N];
            var reached = ContinuedPreimage(problem, targetY, near, continued, out var branchEnd);
            if (reached && IsPreimage(problem, continued, targetY))
            {
                var (fromStart, newtonFromStart) = (Apart(continued, near), found ? Apart(x, near) : double.PositiveInfinity);
                // Newton's point is as exact as continuation's last corrector; it stands when the two agree.
                var same = found && Apart(continued, x) <= 1e-6 * (1 + CompiledProblem.Norm(x, x.Length));
                nearest = same || fromStart <= newtonFromStart;
                if (!same && fromStart < newtonFromStart) (x, by) = (continued, TargetPointMethod.Continuation);
                found = true;
            }
            else if (found)
                why = $"continuation from P(x₀) along the start's branch did not reach y* ({branchEnd ?? "its last point is not a preimage"}), so Newton's preimage is not shown to be the nearest";
            else if (DerivedInverseAtStart(problem, targetY, near, x))
                (by, found, why) = (TargetPointMethod.DerivedInverseAtStart, true, AtBranchPoint);
            else if (problem.N == 1 && OutwardRoot(problem, targetY[0], near[0]) is { } outward && IsPreimage(problem, [outward], targetY))
                (x[0], by, found, nearest) = (outward, TargetPointMethod.Scan, true, true);
            else if (problem.N > 1 && LevenbergMarquardtPreimage(problem, targetY, near, continued) is var (fallback, from))
            {
                (x, by, found) = (fallback, TargetPointMethod.LevenbergMarquardt, true);
                why = $"Newton's method and continuation from P(x₀) stopped short of y* (continuation: {branchEnd ?? "its last point is not a preimage"}); Levenberg–Marquardt from {from} found this preimage, a local search that does not show that none lies nearer";
            }
            if (found && problem.N == 1)
            {
                // The scan of [x₀ − d, x₀ + d] either finds a nearer change of sign or shows there is none.
                if (NearerRoot(problem, targetY[0], near[0], x[0]) is { } root) (x[0], by) = (root, TargetPointMethod.Bisection);
                nearest = true;
            }
            if (found) Polish(problem, targetY, x);
        }
        if (!found)
            return problem.M != problem.N && DerivedInverseAtStart(problem, targetY, near, x)
                ? (x, TargetPointMethod.DerivedInverseAtStart, false, AtBranchPoint)
                : (null, TargetPointMethod.None, false, null);
        var reason = nearest ? null : why;
        if (by != TargetPointMethod.DerivedInverseAtStart && (long)problem.N * problem.M <= ClosedFormTargetLimit && ExactOnBranch(problem, targetY, x) is { } exact)
            return (exact, TargetPointMethod.DerivedInverse, nearest, reason);
        return (x, by, nearest, reason);
    }

    /// <summary>
    /// Whether <paramref name="x"/> is the only preimage of y*, shown from the simulator's affine components (each
    /// ∂Pᵢ/∂xⱼ free of the variables, as x0 + x1 and x0 − x1 in <c>x0+x1; x0-x1; x0*x1</c>): every preimage solves
    /// the linear system those rows make, and when their constant rows have rank n that system has one solution, so
    /// the preimage found is the only one (and the nearest). Only for a small problem with a symbolic definition
    /// (<see cref="ClosedFormTargetLimit"/>); false otherwise (nothing shown).
    /// </summary>
    internal static bool OnlyPreimage(CompiledProblem problem, double[] x)
    {
        if (problem.Definition is not { } model || (long)problem.N * problem.M > ClosedFormTargetLimit || problem.M < problem.N) return false;
        var variables = model.Variables.ToHashSet();
        bool Affine(Expr component) => model.Variables.All(v =>
            !Structure.FreeSymbolNames([Calculus.Differentiate(ExprModule.Symbol(v), component)]).Any(variables.Contains));
        int[] rows;
        try
        {
            rows = [.. Enumerable.Range(0, problem.M).Where(i => Affine(model.Simulator[i]))];
        }
        catch (Symbolic.SymbolicException)
        {
            return false;
        }
        if (rows.Length < problem.N) return false;
        // The affine rows' constants, read from J at x (the same at every point).
        var (y, jac) = (new double[problem.M], new double[problem.M * problem.N]);
        problem.Simulate(x, y, jac);
        var a = new double[rows.Length * problem.N];
        for (var r = 0; r < rows.Length; r++) Array.Copy(jac, rows[r] * problem.N, a, r * problem.N, problem.N);
        // Equilibrated: the rows' units must not decide the rank (1e200*x0; x1 has rank 2, and its unscaled SVD
        // did not converge).
        return LinearAlgebra.EquilibratedRank(a, rows.Length, problem.N) == problem.N;
    }

    /// <summary>
    /// Why the given inverse's point P⁻¹(y*; x₀) is not x*, in words for the x* line, when an inverse was given and
    /// it gives no preimage of y* from <paramref name="near"/> (<c>the given inverse gives [4], where P is [64], not
    /// y* = [8]</c>); null when none was given or its point is a preimage.
    /// </summary>
    internal static string? GivenInverseMiss(CompiledProblem problem, double[] targetY, double[] near)
    {
        if (problem.Definition is not { IsInverseResolved: true, InverseSource: Symbolic.InverseSource.Given }
            || targetY.Length != problem.M || near.Length != problem.N) return null;
        var x = new double[problem.N];
        if (!problem.Invert(targetY, near, x)) return "the given inverse has no finite value at y*";
        if (IsPreimage(problem, x, targetY)) return null;
        var y = new double[problem.M];
        problem.Simulate(x, y);
        return $"the given inverse gives {NumberText.Vector(x)}, where P is {NumberText.Vector(y)}, not y* = {NumberText.Vector(targetY)}";
    }

    private const string AtBranchPoint = "the derived inverse at a branch point of the start takes the + branch, with nothing to compare";

    /// <summary>
    /// Whether the derived inverse from the start gives a preimage (into <paramref name="x"/>) where the
    /// searches found none: Newton cannot start where J is singular, as at a branch point (x0 = 0 for x0²),
    /// and there the derived inverse's branch choices sign(0) take the + branch. Only for a small problem
    /// (<see cref="ClosedFormTargetLimit"/>) whose inverse is derived.
    /// </summary>
    private static bool DerivedInverseAtStart(CompiledProblem problem, double[] targetY, double[] near, double[] x) =>
        (long)problem.N * problem.M <= ClosedFormTargetLimit && problem.InverseSource == Symbolic.InverseSource.Derived
        && problem.Invert(targetY, near, x) && IsPreimage(problem, x, targetY);

    /// <summary>
    /// Up to three more Newton steps past the searches' tolerance (10⁻¹² of each component's rounding scale), kept only while
    /// ‖P(x) − y*‖ falls and x moves by less than 10⁻⁹ (relative): a root at 0 is then 0 to rounding rather
    /// than 3·10⁻¹⁴, which the table would print as such.
    /// </summary>
    private static void Polish(CompiledProblem problem, double[] targetY, double[] x)
    {
        var polished = new double[problem.N];
        problem.InvertNumerically(targetY, x, polished, 1e-300, 3);
        if (Apart(polished, x) <= 1e-9 * (1 + CompiledProblem.Norm(x, x.Length)) && Miss(problem, polished, targetY) < Miss(problem, x, targetY))
            Array.Copy(polished, x, x.Length);
    }

    /// <summary>‖P(x) − y*‖ without overflow, ∞ where P(x) is not finite.</summary>
    private static double Miss(CompiledProblem problem, double[] x, double[] targetY)
    {
        var y = new double[problem.M];
        problem.Simulate(x, y);
        return y.All(double.IsFinite) ? Apart(y, targetY) : double.PositiveInfinity;
    }

    /// <summary>‖a − b‖ without overflow.</summary>
    private static double Apart(double[] a, double[] b)
    {
        var d = a.Select((v, i) => v - b[i]).ToArray();
        return CompiledProblem.Norm(d, d.Length);
    }

    /// <summary>
    /// The preimage of y* on the branch through x₀: Newton's corrector at y(t) = (1 − t)·P(x₀) + t·y* for t
    /// from 0 to 1, each step of t checked by step doubling (two half steps must land within 10⁻⁶ of the
    /// full step, relative, else the step is halved), so that no corrector jumps to another basin (a
    /// natural-parameter continuation, Allgower &amp; Georg, "Introduction to Numerical Continuation
    /// Methods", ch. 2). Written by hand: MathNet has no continuation. False when the branch ends (its step
    /// in t falls below 10⁻⁶) or after 300 corrector solves, with <paramref name="stopped"/> saying which and,
    /// for an end, whether J is nearly singular there as measured (<see cref="BranchEnd"/>): a fold is named
    /// only where σ_min/σ_max says so.
    /// </summary>
    private static bool ContinuedPreimage(CompiledProblem problem, double[] targetY, double[] near, double[] x, out string? stopped)
    {
        int m = problem.M, n = problem.N;
        var y0 = new double[m];
        problem.Simulate(near, y0);
        stopped = "P(x₀) is not finite";
        if (!y0.All(double.IsFinite)) return false;
        stopped = null;
        Array.Copy(near, x, n);
        var (full, half, twice, yt) = (new double[n], new double[n], new double[n], new double[m]);
        var solves = 0;
        bool Correct(double s, double[] from, double[] into)
        {
            solves++;
            for (var i = 0; i < m; i++) yt[i] = (1 - s) * y0[i] + s * targetY[i];
            return problem.InvertNumerically(yt, from, into, 1e-12, 30);
        }
        var (t, h) = (0.0, 0.125);
        while (t < 1)
        {
            if (solves > 300)
            {
                stopped = $"it stopped at t = {NumberText.Short(t, 3)} of 1 after 300 corrector solves";
                return false;
            }
            if (h < 1e-6)
            {
                stopped = BranchEnd(problem, x, t);
                return false;
            }
            var s = Math.Min(1, t + h);
            if (Correct(s, x, full) && Correct((t + s) / 2, x, half) && Correct(s, half, twice)
                && Apart(full, twice) <= 1e-6 * (1 + CompiledProblem.Norm(full, n)))
            {
                Array.Copy(twice, x, n);
                (t, h) = (s, Math.Min(0.25, 2 * h));
            }
            else h /= 2;
        }
        return true;
    }

    /// <summary>
    /// Where continuation's branch ended, in words from J's singular values at its last point: "it ends at
    /// t = 0.871 of 1, where J is nearly singular (σ_min/σ_max = 0.0046), as at a fold of P" when σ_min/σ_max ≤ 10⁻²
    /// (0.0046 where the branch of (x0³ − 3·x0 + x1, x1) from (0.5, 0) ends next to the fold at x0 = −1), else
    /// that the corrector failed there although J is not nearly singular (with the ratio).
    /// </summary>
    private static string BranchEnd(CompiledProblem problem, double[] x, double t)
    {
        var (y, jacobian) = (new double[problem.M], new double[problem.M * problem.N]);
        problem.Simulate(x, y, jacobian);
        var at = $"t = {NumberText.Short(t, 3)} of 1";
        if (!jacobian.All(double.IsFinite)) return $"it ends at {at}, where J is not finite";
        var sigma = LinearAlgebra.SingularValues(jacobian, problem.M, problem.N);
        var (largest, smallest) = (sigma.DefaultIfEmpty(0).Max(), sigma.DefaultIfEmpty(0).Min());
        var ratio = largest > 0 ? smallest / largest : 0;
        return ratio <= 1e-2
            ? $"it ends at {at}, where J is nearly singular (σ_min/σ_max = {NumberText.Short(ratio, 2)}), as at a fold of P"
            : $"its corrector failed at {at}, where J is not nearly singular (σ_min/σ_max = {NumberText.Short(ratio, 2)})";
    }

    /// <summary>
    /// For one variable: a root of P(x) − y* strictly nearer x₀ than <paramref name="found"/> (by more than
    /// 10⁻⁹ of the distance), found by scanning [x₀ − d, x₀ + d] outward from x₀ in 4096 steps per side
    /// (<see cref="ScanRoot"/>); null when there is none.
    /// </summary>
    private static double? NearerRoot(CompiledProblem problem, double targetY, double x0, double found)
    {
        var d = Math.Abs(found - x0);
        if (!(d > 0) || !double.IsFinite(d)) return null;
        return ScanRoot(problem, targetY, x0, 0, d * (1 - 1e-9), 4096) is { } root && Math.Abs(root - x0) < d * (1 - 1e-9) ? root : null;
    }

    /// <summary>
    /// For one variable where neither Newton's method nor continuation reached a preimage (a fold between
    /// the start and every preimage): the root of P − y* nearest x₀, by scanning outward over doubling
    /// brackets of radius r·2ᵏ, r = 2⁻¹⁰·(1 + |x₀|), up to 2⁴⁰·(1 + |x₀|) (about 10¹²), each in 512 steps per side
    /// (<see cref="ScanRoot"/>, a change of sign bisected). Nearest to the scan's resolution (1/1024 of the
    /// radius): two roots closer than that, or a root without a change of sign, are not seen. Null when
    /// no change of sign lies within the largest bracket.
    /// </summary>
    private static double? OutwardRoot(CompiledProblem problem, double targetY, double x0)
    {
        var unit = 1 + Math.Abs(x0);
        var inner = 0.0;
        for (var outer = unit / 1024; outer <= unit * 1099511627776.0; inner = outer, outer *= 2)
            if (ScanRoot(problem, targetY, x0, inner, outer, 512) is { } root) return root;
        return null;
    }

    /// <summary>
    /// The first root of P(x) − y* met scanning the radii from <paramref name="inner"/> to
    /// <paramref name="outer"/> about x₀ in <paramref name="steps"/> equal steps, both sides in turn, so
    /// that roots are met in order of their distance from x₀ (to one step): a change of sign is bisected to
    /// adjacent doubles and kept if |P − y*| there is below its values at the bracket's ends (a pole, where it
    /// grows instead, is passed over); null
    /// when none is met. A root where P − y* touches zero without a change of sign is not seen.
    /// </summary>
    private static double? ScanRoot(CompiledProblem problem, double targetY, double x0, double inner, double outer, int steps)
    {
        var (input, output) = (new double[1], new double[1]);
        double F(double v)
        {
            input[0] = v;
            problem.Simulate(input, output);
            return output[0] - targetY;
        }
        var (leftPrev, rightPrev) = (F(x0 - inner), F(x0 + inner));
        if (inner == 0 && leftPrev == 0 && IsolatedZero(problem, [x0], [targetY], 0)) return x0;
        for (var k = 1; k <= steps; k++)
        {
            var r = inner + (outer - inner) * k / steps;
            var previous = inner + (outer - inner) * (k - 1) / steps;
            foreach (var (side, sign) in new[] { (0, -1.0), (1, 1.0) })
            {
                var (a, b) = (x0 + sign * previous, x0 + sign * r);
                var (fa, fb) = (side == 0 ? leftPrev : rightPrev, F(b));
                if (side == 0) leftPrev = fb; else rightPrev = fb;
                // fa = 0 was an isolated zero (returned) or part of a flat stretch where P underflowed: the end of
                // such a stretch is no root.
                if (!double.IsFinite(fa) || !double.IsFinite(fb) || fa == 0 || Math.Sign(fa) * Math.Sign(fb) > 0) continue;
                if (fb == 0)
                {
                    // An exact zero counts only where P − y* is non-zero on both sides: exp(x) − 0 is 0 on all
                    // of x < −745.13 (underflow) without a root there.
                    if (IsolatedZero(problem, [b], [targetY], 0)) return b;
                    continue;
                }
                // Bisection by hand down to adjacent doubles: MathNet's Bisection.TryFindRoot stops only when
                // |P − y*| is below its accuracy too, which rounding may never allow at large |y*| (P = 7x⁴ at
                // y* ≈ 2·10⁴ evaluates to no better than 10⁻¹¹), and it then reports no root at all.
                var (lo, hi, flo) = (Math.Min(a, b), Math.Max(a, b), a < b ? fa : fb);
                for (var i = 0; i < 2100 && lo < hi; i++)
                {
                    var mid = lo + (hi - lo) / 2;
                    if (mid <= lo || mid >= hi) break;
                    var fm = F(mid);
                    if (fm == 0) (lo, hi) = (mid, mid);
                    else if (Math.Sign(fm) == Math.Sign(flo)) (lo, flo) = (mid, fm);
                    else hi = mid;
                }
                var root = Math.Abs(F(lo)) <= Math.Abs(F(hi)) ? lo : hi;
                // A change of sign that is not a root (a pole) grows as the bracket shrinks: passed over.
                if (Math.Abs(F(root)) <= Math.Min(Math.Abs(fa), Math.Abs(fb))) return root;
            }
        }
        return null;
    }

    /// <summary>
    /// For a square system of several variables where Newton's method and continuation both stopped (a fold
    /// of P between the start and y*): Levenberg–Marquardt on ½‖P(x) − y*‖² (MathNet's
    /// LevenbergMarquardtMinimizer, a damped Gauss–Newton method that moves on where J is singular;
    /// Nocedal &amp; Wright §10.3), started from x₀, from continuation's last point
    /// <paramref name="stopped"/> (at the fold), and from x₀ ± s·eᵢ for the first four axes with
    /// s = 1 + ‖x₀‖ and s = 4(1 + ‖x₀‖) (a start past the fold, as x0 = 1.5 for x0³ − 3·x0 = 2.5 from 0.5; a
    /// start that lands on the fold itself, where ∇‖P − y*‖² = 0, goes nowhere, hence two sizes). Each end is polished
    /// by Newton's method and must pass <see cref="IsPreimage"/>; the one nearest x₀ is returned with the
    /// start it came from, in words. Null when none is a preimage.
    /// </summary>
    private static (double[] X, string From)? LevenbergMarquardtPreimage(CompiledProblem problem, double[] targetY, double[] near, double[] stopped)
    {
        int m = problem.M, n = problem.N;
        var unit = 1 + CompiledProblem.Norm(near, n);
        var starts = new List<(double[] X, string From)> { (near, "the start") };
        if (stopped.All(double.IsFinite) && Apart(stopped, near) > 0) starts.Add((stopped, "the point where continuation stopped"));
        foreach (var step in new[] { unit, 4 * unit })
        for (var i = 0; i < Math.Min(n, 4); i++)
            foreach (var sign in new[] { 1.0, -1.0 })
            {
                var moved = (double[])near.Clone();
                moved[i] += sign * step;
                starts.Add((moved, $"the start moved by {(sign > 0 ? "+" : "−")}{NumberText.Short(step, 3)} in x{i}"));
            }
        var (y, jac) = (new double[m], new double[m * n]);
        var model = MathNet.Numerics.Optimization.ObjectiveFunction.NonlinearModel(
            (p, _) =>
            {
                problem.Simulate(p.ToArray(), y);
                return MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(y);
            },
            (p, _) =>
            {
                problem.Simulate(p.ToArray(), y, jac);
                return MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(m, n, (r, c) => jac[r * n + c]);
            },
            MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(m, i => i),
            MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(targetY));
        var solver = new MathNet.Numerics.Optimization.LevenbergMarquardtMinimizer(maximumIterations: 200);
        (double[] X, string From)? best = null;
        foreach (var (start, from) in starts)
        {
            double[] end;
            try
            {
                end = solver.FindMinimum(model, MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(start)).MinimizingPoint.ToArray();
            }
            catch (Exception e) when (e is ArithmeticException or ArgumentException or InvalidOperationException)
            {
                // A start where P or J is not finite, or a singular damped system: this start gives nothing.
                continue;
            }
            if (!end.All(double.IsFinite)) continue;
            var polished = new double[n];
            if (problem.InvertNumerically(targetY, end, polished, 1e-12, 30)) end = polished;
            if (IsPreimage(problem, end, targetY) && (best is null || Apart(end, near) < Apart(best.Value.X, near))) best = (end, from);
        }
        return best;
    }

    /// <summary>
    /// A preimage of y* when there are more outputs than variables (m &gt; n): Gauss–Newton from
    /// <paramref name="near"/>, each step the least-squares solution of J Δ = P(x) − y* (MathNet's QR),
    /// halved until ‖P(x) − y*‖ falls (Nocedal &amp; Wright §10.3). An overdetermined system has a preimage only
    /// when it is consistent (3 outputs x0 + x1, x0 − x1, x0·x1 at y* = (3, 1, 2) have x* = (2, 1)); the
    /// caller's <see cref="IsPreimage"/> then decides, so an inconsistent y* (a least-squares point with a
    /// residual) is never taken for x*.
    /// </summary>
    private static bool GaussNewtonPreimage(CompiledProblem problem, double[] targetY, double[] near, double[] x)
    {
        int m = problem.M, n = problem.N;
        Array.Copy(near, x, n);
        var (y, jac, trial) = (new double[m], new double[m * n], new double[n]);
        double Miss(double[] at)
        {
            problem.Simulate(at, y);
            var miss = y.Select((v, i) => v - targetY[i]).ToArray();
            return miss.All(double.IsFinite) ? CompiledProblem.Norm(miss, m) : double.PositiveInfinity;
        }
        var residual = Miss(x);
        var scale = 1 + CompiledProblem.Norm(targetY, m);
        for (var k = 0; k < 100 && residual > 1e-12 * scale; k++)
        {
            problem.Simulate(x, y, jac);
            var j = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(m, n, (r, c) => jac[r * n + c]);
            var r = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(m, i => y[i] - targetY[i]);
            if (!(LinearAlgebra.EquilibratedRank(jac, m, n) >= n)) return false;
            var step = j.QR().Solve(r);
            var improved = false;
            for (var (t, halving) = (1.0, 0); halving < 40; t /= 2, halving++)
            {
                for (var i = 0; i < n; i++) trial[i] = x[i] - t * step[i];
                var next = Miss(trial);
                if (next < residual)
                {
                    Array.Copy(trial, x, n);
                    residual = next;
                    improved = true;
                    break;
                }
            }
            if (!improved) break;
        }
        return x.All(double.IsFinite);
    }

    /// <summary>The derived local inverse at y* on the branch of <paramref name="newton"/>, when it is the same preimage and exact to rounding; else null.</summary>
    private static double[]? ExactOnBranch(CompiledProblem problem, double[] targetY, double[] newton)
    {
        // Asking for the source derives the inverse (within the problem's budget) if nothing has yet.
        if (problem.InverseSource != Symbolic.InverseSource.Derived) return null;
        var x = new double[problem.N];
        if (!problem.Invert(targetY, newton, x)) return null;
        var apart = x.Select((v, i) => v - newton[i]).ToArray();
        if (CompiledProblem.Norm(apart, apart.Length) > 1e-4 * (1 + CompiledProblem.Norm(newton, newton.Length))) return null;
        var y = new double[problem.M];
        problem.Simulate(x, y);
        var miss = y.Select((v, i) => v - targetY[i]).ToArray();
        return CompiledProblem.Norm(miss, miss.Length) <= 1e-13 * (1 + CompiledProblem.Norm(targetY, targetY.Length)) ? x : null;
    }

    /// <summary>
    /// The largest Jacobian (m·n entries, 8 × 8) for which x* is made exact by the derived local inverse: its
    /// symbolic derivation takes milliseconds for a few variables but may use its whole budget (2 s) on large
    /// systems, more than a comparison's runs.
    /// </summary>
    public const int ClosedFormTargetLimit = 64;

    /// <summary>
    /// Whether x is a preimage of y* to rounding: the test every x* passes, whichever inverse produced it (a
    /// given inverse is checked too). x must be finite, P(x) finite, and the componentwise backward error
    /// (<see cref="CompiledProblem.PreimageBackwardError"/>) at most what the numeric inverse accepts,
    /// |Pᵢ(x) − yᵢ*| ≤ 10⁻¹²·(Σⱼ |∂Pᵢ/∂xⱼ|·|xⱼ| + |Pᵢ(x)| + |yᵢ*|) (<see cref="CompiledProblem.NumericInverseTolerance"/>;
    /// Higham, Accuracy and Stability of Numerical Algorithms, §1.6). An absolute test such as
    /// ‖P(x) − y*‖ ≤ 10⁻⁸·(1 + ‖y*‖) passes exp(x) = 0 at x = −28, where exp(x) ≈ 7·10⁻¹³ is 1/29 of its own
    /// rounding scale away from 0. And where Pᵢ underflowed (<c>RowUnderflowed</c>) an exact hit counts
    /// only at an isolated zero: exp(x) is exactly 0 for every x below −745.13, yet has no preimage of 0.
    /// </summary>
    public static bool IsPreimage(CompiledProblem problem, double[] x, double[] targetY)
    {
        if (!x.All(double.IsFinite) || targetY.Length != problem.M || !targetY.All(double.IsFinite)) return false;
        // The values alone: the dense m × n Jacobian this took (800 MB and minutes at the rosenbrock
        // example's n = 10⁴, where x* is known and nothing else is searched) is needed only for the rows of
        // outputs that underflowed, and those are read from the sparse Jacobian, formed only then.
        var y = new double[problem.M];
        problem.Simulate(x, y);
        if (!y.All(double.IsFinite)) return false;
        CsrMatrix? jac = null;
        for (var i = 0; i < problem.M; i++)
        {
            if (Math.Abs(y[i]) >= CompiledProblem.SmallestNormal) continue;
            if (jac is null)
            {
                jac = new CsrMatrix(problem.SparseJacobianPattern());
                problem.SparseJacobian(x, new double[problem.M], jac);
            }
            if (RowUnderflowed(jac, i) && !IsolatedZero(problem, x, targetY, i) && !FlatZero(problem, x, targetY, i)) return false;
        }
        return problem.PreimageBackwardError(x, targetY) <= CompiledProblem.NumericInverseTolerance / CompiledProblem.UnitRoundoff;
    }

    /// <summary>
    /// Whether output i and its whole row of J are below the smallest normal double at x (|Pᵢ| and every
    /// |∂Pᵢ/∂xⱼ| &lt; 2.2·10⁻³⁰⁸): P has underflowed there, and an exact Pᵢ = yᵢ* says nothing.
    /// </summary>

    // Whether row i of J (|Pᵢ| already below the smallest normal) is all below it too: P has underflowed there.
    private static bool RowUnderflowed(CsrMatrix jac, int i)
    {
        for (var k = jac.RowPointers[i]; k < jac.RowPointers[i + 1]; k++)
            if (Math.Abs(jac.Values[k]) >= CompiledProblem.SmallestNormal) return false;
        return true;
    }

    /// <summary>
    /// Whether Pᵢ − yᵢ* is non-zero at x ± δ·eⱼ on both sides along some axis j, δ = 10⁻⁴·(1 + |xⱼ|): a zero
    /// that is isolated (x² at 0, a touching root) rather than a flat stretch where P underflowed to yᵢ*
    /// (exp(x) = 0 for all x &lt; −745.13). δ is wide enough that a subnormal Pᵢ still changes across it
    /// (exp near 10⁻³²⁰ changes by 10⁻³²⁴ only over 10⁻⁴ in x).
    /// </summary>
    private static bool IsolatedZero(CompiledProblem problem, double[] x, double[] targetY, int i)
    {
        var (at, y) = ((double[])x.Clone(), new double[problem.M]);
        for (var j = 0; j < problem.N; j++)
        {
            var isolated = true;
            foreach (var sign in new[] { -1.0, 1.0 })
            {
                at[j] = x[j] + sign * 1e-4 * (1 + Math.Abs(x[j]));
                problem.Simulate(at, y);
                isolated &= y[i] - targetY[i] != 0;
            }
            at[j] = x[j];
            if (isolated) return true;
        }
        return false;
    }

    /// <summary>
    /// Whether Pᵢ = yᵢ* holds exactly on a flat stretch around x that P leaves with a slope of normal size,
    /// as ReLU (x + |x|)/2 = 0 for every x ≤ 0: a set of true preimages, not an underflow. Along each axis
    /// and direction the stretch's edge is bracketed by doubling steps from δ = 10⁻⁴·(1 + |xⱼ|) up to
    /// 2⁴⁰·δ and then bisected (60 halvings) to the first point where Pᵢ ≠ yᵢ*; there Pᵢ's row of J (with Pᵢ) is
    /// read. Where P only underflowed (exp(x) = 0 below −745.13), the edge is where exp becomes subnormal,
    /// and the row there is subnormal too; past ReLU's edge at 0 the row is 1. No edge in any direction (a
    /// constant P) proves nothing: false.
    /// </summary>
    private static bool FlatZero(CompiledProblem problem, double[] x, double[] targetY, int i)
    {
        var (at, y) = ((double[])x.Clone(), new double[problem.M]);
        CsrMatrix? jac = null;
        bool Flat(int j, double t)
        {
            at[j] = x[j] + t;
            problem.Simulate(at, y);
            return y[i] - targetY[i] == 0;
        }
        for (var j = 0; j < problem.N; j++)
            foreach (var sign in new[] { -1.0, 1.0 })
            {
                var (inner, outer) = (0.0, sign * 1e-4 * (1 + Math.Abs(x[j])));
                var k = 0;
                for (; k < 40 && Flat(j, outer); k++) (inner, outer) = (outer, 2 * outer);
                if (k == 40 || !double.IsFinite(x[j] + outer)) continue;
                for (var h = 0; h < 60; h++)
                {
                    var mid = (inner + outer) / 2;
                    if (mid == inner || mid == outer) break;
                    if (Flat(j, mid)) inner = mid; else outer = mid;
                }
                Flat(j, outer);
                if (!y.All(double.IsFinite)) continue;
                jac ??= new CsrMatrix(problem.SparseJacobianPattern());
                problem.SparseJacobian(at, new double[problem.M], jac);
                at[j] = x[j];
                if (Math.Abs(y[i]) >= CompiledProblem.SmallestNormal || !RowUnderflowed(jac, i)) return true;
            }
        return false;
    }

    /// <summary>
    /// Whether the preimage x of y* is one point of a set of preimages around it, and where another lies: the
    /// first point x ± δ·eⱼ (δ = 10⁻⁴·(1 + |xⱼ|), each axis j in turn) that is a preimage too
    /// (<see cref="IsPreimage"/>), as every x0 ≤ 0 is for ReLU (x0 + |x0|)/2 = 0. At an isolated preimage no
    /// such point is (P moves by about |J|·δ, far beyond rounding, even at a double root: x² at 0 moves by
    /// δ² = 10⁻⁸). Returns the variable's name and value there, or null for an isolated x.
    /// </summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="x">A preimage of <paramref name="targetY"/>.</param>
    /// <param name="targetY">y*.</param>
    public static (string Variable, double Value)? NeighbouringPreimage(CompiledProblem problem, double[] x, double[] targetY)
    {
        var at = (double[])x.Clone();
        for (var j = 0; j < problem.N; j++)
        {
            foreach (var sign in new[] { -1.0, 1.0 })
            {
                at[j] = x[j] + sign * 1e-4 * (1 + Math.Abs(x[j]));
                if (IsPreimage(problem, at, targetY)) return (problem.Variables[j], at[j]);
            }
            at[j] = x[j];
        }
        return null;
    }

    /// <summary>
    /// The variables of <paramref name="problem"/> that no output depends on: the empty columns of its Jacobian's structural
    /// pattern (x0 of <c>[x1, x1^2]</c>, or of <c>x0*0 + x1</c>, which simplifies to x1). Moving one of them never changes y,
    /// so a preimage of y* is one point of a line of them. Empty when the pattern cannot be formed.
    /// </summary>
    public static string[] Unaffecting(CompiledProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        try
        {
            var pattern = problem.SparseJacobianPattern();
            var used = new bool[problem.N];
            foreach (var c in pattern.ColumnIndices) used[c] = true;
            return [.. problem.Variables.Where((_, j) => !used[j])];
        }
        catch (SymbolicException)
        {
            return [];
        }
    }

    /// <summary>The largest dense Jacobian (m·n entries, 100 × 100) for which <see cref="TargetInX"/> searches x* numerically.</summary>
    public const int NumericTargetLimit = 10_000;

    /// <summary>The short name used on the command line and in reports (<see cref="MethodCatalog.NameOf"/>).</summary>
    public static string ShortName(Method m) => MethodCatalog.NameOf(m);

    /// <summary>
    /// Reads "gd:0.01,newton:0.3333,..." into methods and step sizes (<see cref="MethodCatalog.Parse"/>,
    /// without options: an entry with options is refused here, since the pair could not carry them).
    /// </summary>
    /// <exception cref="SymbolicException">A name, step size or option that does not parse.</exception>
    public static (Method Method, double Eta)[] ParseMethods(string text) =>
        MethodCatalog.Parse(text).Select(s => s.Options.Count == 0 ? (s.Method, s.Eta)
            : throw new SymbolicException(ErrorKind.Invalid, $"'{s}': options need MethodCatalog.Parse (a method and a step size cannot carry them).")).ToArray();

    /// <summary>
    /// The distance to the target (to x* when <paramref name="targetX"/> is a preimage of y*, else in y)
    /// and the diagonal alignment of the first step.
    /// </summary>
    /// <param name="run">The run.</param>
    /// <param name="targetY">y*, or empty when none was given (a loss of its own): the distance is then NaN, in space "none".</param>
    /// <param name="targetX">x*, found once for the comparison.</param>
    /// <returns>The result, of the problem the run was made on (<see cref="MethodResult.Problem"/>).</returns>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) <paramref name="run"/> was made on another problem than
    /// <paramref name="targetX"/> was found for (both carry theirs: <see cref="OptimizerRun.Problem"/>, <see cref="TargetPoint.Problem"/>):
    /// its distance to that x* would mean nothing. (<see cref="ErrorKind.Shape"/>) A run of another size than x* or y*.</exception>
    public static MethodResult Summarise(OptimizerRun run, double[] targetY, TargetPoint targetX)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(targetY);
        ArgumentNullException.ThrowIfNull(targetX);
        if (run.Problem is { } made && targetX.Problem is { } found && found.FirstDifference(made) is var (aspect, mine, theirs))
            throw new SymbolicException(ErrorKind.Invalid,
                $"The run '{run.Label}' in 'run' was made on another problem than 'targetX' was found for: {RunArguments.Difference(aspect, theirs, "x*'s problem's", mine)}. " +
                "Pass the x* of the run's own problem (the Target of a comparison of that problem).");
        if (targetX.MeasuresInX && run.Final.Length != targetX.X!.Length || targetY.Length > 0 && run.Outputs.Count > 0 && run.Outputs[^1].Length is > 0 and var m && m != targetY.Length)
            throw new SymbolicException(ErrorKind.Shape,
                $"The run '{run.Label}' in 'run' has {NumberText.Count(run.Final.Length, "variable")}" +
                $"{(run.Outputs.Count > 0 ? $" and {NumberText.Count(run.Outputs[^1].Length, "output")}" : "")}, " +
                $"and 'targetY' {NumberText.Count(targetY.Length, "value")}{(targetX.X is { } x ? $", 'targetX' {NumberText.Count(x.Length, "value")}" : "")}: " +
                "pass the target and x* of the run's own problem.");
        var alignment = FirstStepAlignment(run);
        if (targetY.Length == 0) return new MethodResult(run, double.NaN, alignment) { MeasuredIn = PhysGrad.DistanceSpace.None, Target = targetX };
        var (point, target) = targetX.MeasuresInX ? (run.Final, targetX.X!) : (run.Outputs[^1], targetY);
        var distance = Distance(point, target);
        return new MethodResult(run, distance, alignment) { MeasuredIn = targetX.MeasuresInX ? PhysGrad.DistanceSpace.X : PhysGrad.DistanceSpace.Y, Target = targetX };
    }

    /// <summary>
    /// (u/‖u‖)·(1, …, 1) for the first step u, the rule's Δx itself (<see cref="OptimizerRun.FirstStep"/>, kept
    /// under any recording and never rounded away against x₀), NaN without a step.
    /// </summary>
    private static double FirstStepAlignment(OptimizerRun run) =>
        run.FirstStep is { } step ? DiagonalAlignment(step) : double.NaN;

    /// <summary>
    /// (u/‖u‖)·(1, …, 1), between −√n and √n, at any magnitude of u: u is divided by its largest |uᵢ|
    /// before the sums (u ≈ 10³⁰⁰ overflowed ‖u‖² to ∞ and gave 0; u ≈ 10⁻¹⁷⁰ underflowed it to 0 and gave
    /// no direction). NaN for u = 0 or a u with a non-finite entry (no direction to align).
    /// </summary>
    /// <param name="u">The step, length n.</param>
    internal static double DiagonalAlignment(double[] u)
    {
        var largest = 0.0;
        foreach (var v in u)
        {
            if (!double.IsFinite(v)) return double.NaN;
            largest = Math.Max(largest, Math.Abs(v));
        }
        if (largest == 0) return double.NaN;
        double sum = 0, squares = 0;
        foreach (var v in u)
        {
            var w = v / largest;
            sum += w;
            squares += w * w;
        }
        return sum / Math.Sqrt(squares);
    }

    /// <summary>
    /// ‖a − b‖ without overflow in the differences: the differences as they are (exact for close entries),
    /// their norm scale-safe (<see cref="CompiledProblem.Norm"/>); only where a difference of finite entries
    /// overflows (1E+308 − (−1E+308)) both points are divided by their largest |entry| first, so a distance
    /// that is itself a double is returned as one. +∞ when the distance exceeds the double range or an entry
    /// is infinite, NaN for a NaN entry.
    /// </summary>
    internal static double Distance(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var gap = new double[a.Count];
        var scale = 0.0;
        var overflowed = false;
        for (var i = 0; i < a.Count; i++)
        {
            if (double.IsNaN(a[i]) || double.IsNaN(b[i])) return double.NaN;
            if (double.IsInfinity(a[i]) || double.IsInfinity(b[i])) return double.PositiveInfinity;
            gap[i] = a[i] - b[i];
            overflowed |= double.IsInfinity(gap[i]);
            scale = Math.Max(scale, Math.Max(Math.Abs(a[i]), Math.Abs(b[i])));
        }
        if (!overflowed) return CompiledProblem.Norm(gap, gap.Length);
        for (var i = 0; i < a.Count; i++) gap[i] = a[i] / scale - b[i] / scale;
        return scale * CompiledProblem.Norm(gap, gap.Length);
    }
}
