using System.Globalization;
using System.Text.Json;
using PhysGrad.Symbolic;
using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>Runs exported as JSON and CSV: the trajectories, losses, stop reasons and fallbacks.</summary>
public static class RunReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // Expressions stay readable: '+' and '^' are not escaped (the output is not embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new NumberText.JsonDouble() },
    };

    /// <summary>
    /// <c>{"problem":{...,"target" (null when not given),"targetUse","inverse" (the expressions PG's local inverse ran, null when numeric),
    /// "inverseSource" ("given", "derived", "numeric" (also when a closed form is undefined at the parameters' values) or "not derived"),
    /// "inverseNote" (why numeric; null otherwise),"inverseWarning" (null unless a given inverse does not invert P at the start or at a numeric target: <see cref="PhysicsProblem.GivenInverseWarning"/>)},"methods":[{"name","label" (the name, or with η and options when the method runs more than once or with options off their defaults: "gd:0.01", "hig:0.5:tau=0.5"),"eta","trajectory" (from the start point),
    /// "trajectoryIterations" (the iteration of each trajectory point: 0, 1, 2, …, or 0, 5, 10, … of a run that recorded every 5th),"losses" (every iteration, or past the loss budget each stretch's least and greatest: <see cref="Recording.MaxLosses"/>; null, as "finalLoss", where the double is not the loss: <see cref="OptimizerRun.Carries"/>),
    /// "lossIterations" (the iteration of each loss),"iterations" (the steps recorded),"final",
    /// "finalLoss","distance" (null without a target),"distanceSpace" ("x", "y" or "none"),"diagonalAlignment","stopReason" (the reason's code: "Converged", "IterationLimit", …),
    /// "stopWords" (the reason in words: "converged", "iteration limit", …),"stopText" (words and detail, as <see cref="MethodResult.StopText"/>),"stopDetail","stop" (typed: iteration,
    /// criterion, point kind and Hessian eigenvalues, non-finite quantity/index/value),"fallbacks" (iteration, kind, reason),"innerSolves" (per step of a rule with
    /// an inner Krylov solve: iteration, solver, iterations, solves, residual, target, exit; empty otherwise),"wallTimeMs"},...],
    /// "plots" (the files the plots were written to, as the caller passes them; null when none were drawn)}</c>.
    /// Non-finite numbers are written as null (JSON has no NaN).
    /// </summary>
    /// <param name="definition">The problem as text.</param>
    /// <param name="results">The runs.</param>
    /// <param name="model">The problem's model when the caller has it (otherwise it is derived again).</param>
    /// <param name="target">x* of the comparison (<see cref="Comparison.Target"/>), written as "targetX" with
    /// "targetXKind" ("known", "preimageNearStart", "approximateRunEnd" or "none"), "targetXNote" and, for a
    /// preimage found from the start, "targetXBy" ("givenInverse", "derivedInverse" (exact), "derivedInverseAtStart", "newton", "gaussNewton", "continuation",
    /// "bisection", "scan" or "levenbergMarquardt"), "targetXNearest" (true only when x* is shown to be the preimage of y* nearest the start,
    /// <see cref="TargetPoint.Nearest"/>) and "targetXNearestReason" (why not, <see cref="TargetPoint.NotNearest"/>; null when nearest), "targetXIsolated"
    /// (false when y* has other preimages arbitrarily near x*, <see cref="TargetPoint.ManyPreimages"/>: distances are then in y;
    /// true says only that no other preimage is next to x*, not that x* is the only one: that is what "targetXNearest" is about) and
    /// "targetXNotIsolatedReason" (<see cref="TargetPoint.NotUnique"/>, for a set of preimages around x*) and "targetXDistances" (why
    /// distances are in y, <see cref="DistancesNote"/>, where <see cref="TargetPoint.ManyPreimages"/>). Every one of these
    /// fields is always written, as null where it does not apply (or without <paramref name="target"/>), as every other
    /// field of the document: a reader finds the same keys in every report and tells "does not apply" by the null.</param>
    /// <param name="plots">The paths of the plots drawn of these runs (<see cref="PhysicsProblem.SavePlots(PhysGrad.Comparison, string)"/>'s
    /// list), written as "plots" so that a reader of the JSON alone finds them; null (written as null) when none were drawn.</param>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A result or x* of another size than the problem;
    /// (<see cref="ErrorKind.Invalid"/>) a result made on, or an x* found for, another problem of the same size, naming what differs.</exception>
    public static string ToJson(ProblemDefinition definition, IReadOnlyList<MethodResult> results, Symbolic.Problem? model = null, TargetPoint? target = null,
        IReadOnlyList<string>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunArguments.RequireFrom(results, definition.Variables, definition.Outputs, nameof(results), definition.Identity);
        RunArguments.RequireTarget(target, definition, nameof(target));
        return JsonSerializer.Serialize(Document(definition, results, model, target, plots), Options);
    }

    /// <summary>
    /// The JSON of <see cref="ToJson"/> written to <paramref name="utf8Json"/> as UTF-8 (JSON's encoding,
    /// RFC 8259 §8.1) as it is produced, in chunks, never held whole: at n = 10⁵ the report of 100 iterations
    /// is 354 MB of text, and building it as one string took the process to a 2.2 GB peak (BENCHMARKS.md,
    /// "Issue 14's memory target at n = 10⁵"). The caller's stream is not closed.
    /// </summary>
    /// <param name="utf8Json">Where the JSON goes (standard output's stream, a file; no newline is added).</param>
    /// <param name="definition">The problem as text.</param>
    /// <param name="results">The runs.</param>
    /// <param name="model">The problem's model when the caller has it (otherwise it is derived again).</param>
    /// <param name="target">x* of the comparison, as for <see cref="ToJson"/>.</param>
    /// <param name="plots">The plots' paths, as for <see cref="ToJson"/>.</param>
    public static void WriteJson(Stream utf8Json, ProblemDefinition definition, IReadOnlyList<MethodResult> results, Symbolic.Problem? model = null, TargetPoint? target = null,
        IReadOnlyList<string>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        ArgumentNullException.ThrowIfNull(definition);
        RunArguments.RequireFrom(results, definition.Variables, definition.Outputs, nameof(results), definition.Identity);
        RunArguments.RequireTarget(target, definition, nameof(target));
        JsonSerializer.Serialize(utf8Json, Document(definition, results, model, target, plots), Options);
    }

    private static object Document(ProblemDefinition definition, IReadOnlyList<MethodResult> results, Symbolic.Problem? model, TargetPoint? target,
        IReadOnlyList<string>? plots)
    {
        model ??= definition.ToProblem();
        var running = model.IsInverseResolved ? RunningInverse(model) : null;
        return new
        {
            problem = new
            {
                variables = definition.Variables,
                // Whole expressions (never cut or rounded), with integer-valued literals as integers.
                simulator = definition.Simulator.Select(ExpressionText.Readable),
                loss = ExpressionText.Readable(definition.LossText),
                target = definition.HasTarget ? definition.Target : null,
                targetUse = TargetUse(definition),
                start = definition.Start,
                // The inverse is derived only when a rule asked for it: a report of rules that did not
                // says "not derived" rather than paying for a derivation here.
                // What PG ran: a closed form undefined at the parameters' values (y0/k at k = 0) was replaced
                // by the numeric inverse, so it is "numeric" with inverseNote saying why, as in the table.
                inverse = running is { Inverse: not null } ? Enumerable.Range(0, running.Variables.Length).Select(InverseTexts(running)) : null,
                inverseSource = running is null ? "not derived" : running.InverseSource.ToString().ToLowerInvariant(),
                inverseNote = running is { InverseSource: Symbolic.InverseSource.Numeric } ? running.InverseNote : null,
                // A given inverse that does not invert the simulator at the start: used as given, with this warning.
                inverseWarning = model.IsInverseResolved ? PhysicsProblem.GivenInverseWarningFor(model, () => new CompiledProblem(model), definition.Start,
                    definition.HasNumericTarget ? definition.Target : null) : null,
                targetX = target?.X?.Select(Finite),
                targetXKind = target is null ? null : JsonNamingPolicy.CamelCase.ConvertName(target.Kind.ToString()),
                targetXNote = target?.Note,
                targetXBy = target is null || target.By == TargetPointMethod.None ? null : JsonNamingPolicy.CamelCase.ConvertName(target.By.ToString()),
                // Whether x* is shown to be the preimage nearest the start, and why not when it is not.
                targetXNearest = target?.Nearest,
                targetXNearestReason = target is { Nearest: false } ? target.NotNearest : null,
                // Whether x* is one of many preimages around it (m < n, or a set such as a flat stretch), and
                // why; distances are then in y ("distanceSpace": "y").
                targetXIsolated = target is null || target.X is null ? (bool?)null : !target.ManyPreimages,
                targetXNotIsolatedReason = target?.NotUnique,
                targetXDistances = target is { ManyPreimages: true } ? DistancesNote : null,
            },
            methods = results.Select(r => new
            {
                name = r.Run.Name,
                label = r.Run.Label,
                eta = r.Run.Eta,
                trajectory = r.Run.Trajectory.Select(p => p.Select(Finite).ToArray()),
                // The iteration of each trajectory point: 0, 1, 2, … unless the run recorded every k-th (Recording).
                trajectoryIterations = r.Run.Trajectory.Select((_, k) => TrajectoryPlots.IterationAt(r.Run, k)),
                // null where the double is not the loss (OptimizerRun.Carries: +∞ or 0 for one that overflowed or fell below doubles), as finalLoss.
                losses = r.Run.Losses.Select((l, k) => r.Run.CarriedLoss(k) is null ? Finite(l) : null),
                // The iteration of each loss: 0, 1, 2, … unless the run passed its loss budget (Recording.MaxLosses),
                // which keeps each stretch's least and greatest loss.
                lossIterations = r.Run.Losses.Select((_, k) => r.Run.LossIterationAt(k)),
                iterations = r.Run.Iterations,
                final = r.Run.Final.Select(Finite),
                // null where the double is not the loss (OptimizerRun.Carries): +∞ for an overflowed one, 0 or subnormal for one below doubles.
                finalLoss = r.Run.Losses.Count > 0 && r.Run.CarriedLoss(r.Run.Losses.Count - 1) is not null ? null : Finite(r.Run.FinalLoss),
                // log₁₀ of the final loss, finite also where L overflowed doubles with a finite residual, or fell below them (OptimizerRun.FinalLossWide).
                finalLossLog10 = Finite(r.Run.FinalLossLog10),
                distance = Finite(r.DistanceToTarget),
                distanceSpace = r.DistanceSpace,
                diagonalAlignment = Finite(r.DiagonalAlignment),
                stopReason = r.Run.StopReason.ToString(),
                // The same reason in words, and with its detail, as the table and ToString() say it (stopReason stays the code).
                stopWords = r.StopWords,
                stopText = r.StopText,
                stopDetail = r.Run.StopDetail,
                lossRose = r.Run.LossRose,
                stop = new
                {
                    iteration = r.Run.Exit.Iteration,
                    criterion = r.Run.Exit.Criterion?.ToString(),
                    point = r.Run.Exit.Curvature?.Kind.ToString(),
                    eigenvalues = r.Run.Exit.Curvature?.Eigenvalues.Select(Finite),
                    nonFinite = r.Run.Exit.NonFinite is { } bad
                        ? new { quantity = bad.Quantity.ToString(), index = bad.Index, value = bad.Value.ToString(CultureInfo.InvariantCulture) }
                        : null,
                },
                fallbacks = r.Run.Fallbacks.Select(f => new
                {
                    iteration = f.Iteration, kind = f.Kind.ToString(), kinds = f.Kinds.Select(k => k.ToString()),
                    limits = f.Limits.Select(q => q.ToString()), reason = f.Reason,
                }),
                innerSolves = r.Run.InnerSolves.Select(v => new
                {
                    iteration = v.Iteration, solver = v.Solver, iterations = v.Iterations, solves = v.Solves,
                    residual = Finite(v.Residual), target = Finite(v.Target), exit = v.Exit.ToString(),
                }),
                wallTimeMs = r.Run.WallTime.TotalMilliseconds,
            }),
            plots,
        };
    }

    /// <summary>
    /// One row per method and recorded point: <c>method,eta,iteration,x…,y…,loss,stop,lossRose,stopWords</c>, the
    /// iteration being the one the point was recorded at (0, 5, 10, … for a run that kept every 5th point,
    /// <see cref="Recording"/>, and its last) with that iteration's loss; numbers
    /// round-trippable; the method column holds the run's label (<see cref="OptimizerRun.Label"/>: <c>gd</c>,
    /// or <c>gd:0.01</c> when gd runs twice); <c>stop</c> (the stop reason's code, <c>IterationLimit</c>), <c>lossRose</c>
    /// (<c>yes</c>/<c>no</c>, see <see cref="OptimizerRun.LossRose"/>) and <c>stopWords</c> (the reason in words, as the
    /// table and JSON's <c>stopWords</c> say it: <c>iteration limit</c>; quoted where it holds a comma) are filled on each
    /// method's last row only.
    /// A loss that overflowed doubles with its size carried (<see cref="OptimizerRun.PointLossWide"/>: ½‖y − y*‖²
    /// above 1.8E+308 while y stayed finite) is written as that size in E-notation with at most 10 significant digits
    /// (<c>4.5E+399</c>), as the table shows it (<see cref="FormatLoss(OptimizerRun)"/>, 6 digits), never as
    /// <c>Infinity</c>: a reader that parses doubles still gets +∞, one that parses decimals the value. Only a
    /// loss whose size is unknown (y itself overflowed) stays <c>Infinity</c>. Likewise a loss that fell below doubles
    /// (½(1E-200)² = 5E-401, 0 or subnormal as a double) is written as its size (<c>5E-401</c>), never 0: the table,
    /// the JSON and the CSV follow one rule, <see cref="OptimizerRun.Carries"/>.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">(<see cref="Symbolic.ErrorKind.Shape"/>) A run of another problem (points of
    /// another size), named by its index and label: its rows would not match the header's columns.</exception>
    public static string ToCsv(ProblemDefinition definition, IReadOnlyList<OptimizerRun> runs)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunArguments.RequireFrom(runs, definition.Variables, definition.Outputs, nameof(runs), definition.Identity);
        var o = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        o.WriteLine($"method,eta,iteration,{string.Join(",", definition.Variables)},{string.Join(",", definition.Outputs)},loss,stop,lossRose,stopWords");
        foreach (var run in runs)
            for (var k = 0; k < run.Trajectory.Count; k++)
            {
                var iteration = TrajectoryPlots.IterationAt(run, k);
                var values = run.Trajectory[k].Concat(run.Outputs[k]).Select(NumberText.RoundTrip).Append(CsvLoss(run, k));
                var last = k == run.Trajectory.Count - 1;
                o.WriteLine($"{run.Label},{NumberText.RoundTrip(run.Eta)},{iteration}," + string.Join(",", values) +
                    (last ? $",{run.StopReason},{(run.LossRose ? "yes" : "no")},{CsvField(ExitReason.Label(run.StopReason))}" : ",,,"));
            }
        return o.ToString();
    }

    /// <summary>Text (an expression, a reason in words) as one CSV field (RFC 4180): quoted, with its quotes doubled,
    /// where it holds a comma, a quote or a line break; as it is otherwise.</summary>
    public static string CsvField(string text) =>
        text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + text.Replace("\"", "\"\"") + "\"" : text;

    // The loss at trajectory point k for the CSV: round-trippable, or the carried size where it overflowed or fell
    // below doubles (10 digits: Wide.Scientific's mantissa comes from the logarithm, and its last digits beyond about
    // 10 are noise).
    // The table's and the JSON's rule (OptimizerRun.Carries): a loss that overflowed or fell below doubles is its size.
    private static string CsvLoss(OptimizerRun run, int k) =>
        run.CarriedLossAtPoint(k) is { } carried ? carried.Scientific(10) : NumberText.RoundTrip(run.LossAtPoint(k));

    /// <summary>Why distances are in y where y* has other preimages than x* near it (the JSON's "targetXDistances").</summary>
    public const string DistancesNote =
        "in y, ‖P(x) − y*‖, which is 0 on every preimage: y* has preimages arbitrarily near one another (a set around x*, or m < n), so a run may end on any of them, and a distance to one would say nothing of its success";

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    /// <summary>
    /// Where PG's local inverse comes from, for a report header: <c>numeric (why)</c>, or the source
    /// (<c>given</c>, <c>derived</c>) and the expressions <c>x0 = …, x1 = …</c> in their header form
    /// (<see cref="ExpressionText.ForHeader"/>: coefficients to 6 significant digits, a long expression cut
    /// short with its length); <see cref="ToJson"/> gives them whole.
    /// </summary>
    /// <param name="problem">The compiled problem's model (after PG has asked for the inverse).</param>
    public static string InverseDescription(Symbolic.Problem problem) => Describe(RunningInverse(problem));

    /// <summary>
    /// The problem whose local inverse PG runs: <paramref name="problem"/> itself, or, when its closed form
    /// is undefined at the parameters' values (x0 = y0/k at k = 0), the problem with those values bound
    /// (<see cref="Symbolic.Problem.WithParameterValues"/>), whose inverse is then the numeric one with a note
    /// saying why. What the compiled problem runs (it is built from the bound problem); the one source of
    /// the table's "Local inverse for PG" line and the JSON's "inverse", "inverseSource" and "inverseNote".
    /// </summary>
    /// <param name="problem">The problem's model (derives its inverse if nothing has yet).</param>
    public static Symbolic.Problem RunningInverse(Symbolic.Problem problem) =>
        problem.Parameters.Count > 0 && problem.InverseSource != Symbolic.InverseSource.Numeric
            && problem.WithParameterValues() is { InverseSource: Symbolic.InverseSource.Numeric } bound
            ? bound
            : problem;

    private static string Describe(Symbolic.Problem problem) => problem.InverseSource switch
    {
        // A note with parentheses of its own follows a colon: "numeric (no closed form … (the symbolic
        // derivation was stopped))" nested them.
        Symbolic.InverseSource.Numeric => problem.InverseNote.Contains('(') ? $"numeric: {problem.InverseNote}" : $"numeric ({problem.InverseNote})",
        var source => InverseTexts(problem) is var text ? $"{source.ToString().ToLowerInvariant()}, " +
            ShortNames(problem.Variables.Length, i => $"{problem.Variables[i]} = {ExpressionText.ForHeader(text(i), problem.Variables.Length == 1 ? ExpressionText.HeaderLength : ExpressionText.ListItemLength)}", "expression") : "",
    };

    /// <summary>The local inverse's expressions, each formed when asked for, with the constants as the user wrote the
    /// simulator's (<see cref="ReadableConstants.TextOver"/>): x0 = y0/9.81 for 9.81*x0, not 0.1019367991845056*y0,
    /// the double the derivation folded. A derived inverse is derived again from the simulator's constants read as
    /// the exact decimals they are (<see cref="ExactConstants.Exact"/>), as derive's rules are, so that
    /// (y0 − 0.99*y1)/8.82 is not 50*y0/441 − 0.112245*y1; it is the inverse PG runs up to the doubles' rounding.
    /// The header's and the JSON's text (one source, so the two agree).</summary>
    private static Func<int, string> InverseTexts(Symbolic.Problem problem)
    {
        var sources = ExactConstants.SourceDecimals(problem.Simulator);
        var inverse = problem.Inverse;
        if (problem.InverseSource == Symbolic.InverseSource.Derived && ExactConstants.HasReals(problem.Simulator))
        {
            Expr[] exactSimulator = [.. problem.Simulator.Select(ExactConstants.Exact)];
            if (ExactConstants.PivotBits(problem.Variables.Length, exactSimulator) <= ExactConstants.MaxPivotBits
                && LocalInverse.TryDeriveWithin(LocalInverse.DefaultBudget, problem.Variables, problem.Outputs, exactSimulator) is { IsOk: true } derived)
                inverse = derived.ResultValue;
        }
        return i => ReadableConstants.TextOver(sources, inverse[i]);
    }

    /// <summary><c>a, b</c>, or <c>a, b, …, z (100 expressions)</c>: a header's list, short at any size, forming
    /// only the items it shows.</summary>
    private static string ShortNames(int count, Func<int, string> item, string noun) =>
        count <= 4 ? string.Join(", ", Enumerable.Range(0, count).Select(item))
            : $"{item(0)}, {item(1)}, …, {item(count - 1)} ({NumberText.Count(count, noun)})";

    /// <summary>
    /// What the target is used for: with the default loss, the loss itself, the distance and the plots;
    /// with a loss of its own, only the distance and the plots' target marker; without a target (a loss
    /// of its own needs none), nothing, and no distance is measured. One wording for the table and JSON.
    /// </summary>
    public static string TargetUse(ProblemDefinition definition) =>
        !definition.LossGiven ? "used in the loss ½‖y − y*‖², the distance column and the plots' target marker"
        : definition.HasTarget ? "used only for the distance column and the plots' target marker; the loss is the given one"
        : "none given: the given loss defines the goal, so no distance is measured and no target is marked";

    /// <summary>A number for a table (<see cref="NumberText.Table"/>): <paramref name="significant"/> significant
    /// digits, fixed-point from 10⁻⁴ up to 10⁶ and E-notation beyond.</summary>
    public static string FormatNumber(double value, int significant = 6) => NumberText.Table(value, significant);

    /// <summary>
    /// A run's final loss for a table: <see cref="FormatNumber"/>, or, where L overflowed doubles with a finite
    /// residual (<see cref="OptimizerRun.LossOverflowed"/>), its carried value (<see cref="OptimizerRun.FinalLossWide"/>)
    /// to 6 digits, e.g. <c>2.45E+399</c>, never "Infinity" for a loss that is only too large for a double; likewise
    /// a loss that fell below doubles (<see cref="OptimizerRun.LossBelowDoubles"/>), e.g. <c>3.2E-400</c>, never 0.
    /// </summary>
    public static string FormatLoss(OptimizerRun run) => run.Losses.Count == 0 ? FormatNumber(run.FinalLoss) : FormatLossAt(run, run.Losses.Count - 1);

    /// <summary><see cref="FormatLoss(OptimizerRun)"/> for the loss <see cref="OptimizerRun.Losses"/>[<paramref name="index"/>].</summary>
    public static string FormatLossAt(OptimizerRun run, int index) =>
        run.CarriedLoss(index) is { } carried ? carried.Scientific(6) : FormatNumber(run.Losses[index]);

    /// <summary>A method result's start loss for a table, as <see cref="FormatLoss(OptimizerRun)"/> writes the final one.</summary>
    public static string FormatStartLoss(MethodResult result) => FormatLossAt(result.Run, 0);

    /// <summary>A method result's final loss for a table (<see cref="FormatLoss(OptimizerRun)"/>), for callers
    /// that hold the façade's result only (the CLI).</summary>
    public static string FormatLoss(MethodResult result) => FormatLoss(result.Run);

    /// <summary>
    /// A vector for a table: <c>[0.100000, 0.200000]</c> in full up to <paramref name="shown"/> values,
    /// else the first two, an ellipsis and the last with the count: <c>[0.1, 0.2, …, 0.9] (100 values)</c>.
    /// Each component has its own <paramref name="significant"/> digits, whatever the others' size: x* =
    /// [1E+08, 1E-08] prints as <c>[1.00000E+08, 1.00000E-08]</c>, never with the small one as 0 (a point
    /// of a run or a found x* has independent components; only a reference example's long y* header drops
    /// rounding noise, <see cref="Numbers.ComputedVector"/>).
    /// </summary>
    public static string FormatVector(IReadOnlyList<double> values, int shown = 4, int significant = 6) =>
        NumberText.Vector(values, v => NumberText.Table(v, significant), shown);
}
