using System.CommandLine;
using System.Globalization;

namespace PhysGrad.Cli;

/// <summary><c>physgrad compare</c>: runs optimisers side by side on a problem.</summary>
internal static class CompareCommand
{
    /// <summary>The names of the methods that have no line search, each once.</summary>
    private static string[] Unsearched(IEnumerable<MethodSpec> methods) =>
        methods.Where(m => m.Entry.LineSearch is null).Select(m => m.Name).Distinct().ToArray();

    /// <summary>
    /// The table's line on x*: known, found from the start, one of many preimages (m &lt; n, or a set of
    /// preimages around x*: distances in y),
    /// only approximated by a run's end, or none; null when there is no target.
    /// </summary>
    internal static string? TargetLine(TargetPoint target, int outputs, int variables)
    {
        // One short line (it read as 250 characters of a 100-column terminal): where another preimage lies,
        // or m < n; why that puts distances in y is the JSON's targetXDistances (RunReport.DistancesNote).
        // A variable no output depends on: every value of it is a preimage (a line), not one other point.
        var many = target.Unaffecting is { Count: > 0 } free
            ? $"x* is not unique: no output depends on {MethodCatalog.JoinNames(free)}, so P(x) = y* on the whole {(free.Count == 1 ? "line" : free.Count == 2 ? "plane" : "set")} through x* along {(free.Count == 1 ? "it" : "them")}: distances are in y, 0 on every preimage"
            : target.AlsoAt is { } at
            ? $"x* is not unique (P(x) = y* also at {at}): distances are in y, 0 on every preimage"
            : $"y* has many preimages ({outputs} output{(outputs == 1 ? "" : "s")} < {variables} variables): distances are in y";
        var set = target.AlsoAt is not null || target.Unaffecting is { Count: > 0 };
        return target.Kind switch
        {
            TargetPointKind.Known when target.ManyPreimages => $"{(!set ? "x* is known, but " : "The known ")}{many}.",
            TargetPointKind.Known => "x* is the problem's known solution (P(x*) = y*): distances are in x.",
            TargetPointKind.PreimageNearStart when target.ManyPreimages => $"{(!set ? "x* was found, but " : "")}{many}.",
            // Newton found no preimage from the start (J singular or not finite there, as at a branch point):
            // the derived inverse gave one, and at a branch point took the + branch.
            TargetPointKind.PreimageNearStart when target.By == TargetPointMethod.DerivedInverseAtStart =>
                $"x* = {RunReport.FormatVector(target.X!)} is the derived local inverse's preimage from the start (Newton's method on P(x) = y* found none from there"
                + (target.Branch is { } branch ? $"; {branch}" : "") + "): distances are in x.",
            // A given inverse that gave no preimage of y*: what it gave, and how x* was found instead.
            TargetPointKind.PreimageNearStart when target.GivenInverseMissed is { } missed =>
                $"x* = {RunReport.FormatVector(target.X!)} is {(target.Only ? "the only" : target.Nearest ? "the" : "a")} preimage of y* found from the start{target.ByText}, not by the given inverse ({missed}): distances are in x.",
            // Affine outputs of rank n: P(x) = y* has this one solution.
            TargetPointKind.PreimageNearStart when target.Only => $"x* = {RunReport.FormatVector(target.X!)} is the only preimage of y* (found from the start{target.ByText}): distances are in x.",
            // The common case: which x* the distances "in x" are measured to, and how it was found.
            TargetPointKind.PreimageNearStart when target.Nearest || target.By == TargetPointMethod.GivenInverse => $"x* = {RunReport.FormatVector(target.X!)} is the preimage of y* found from the start{target.ByText}: distances are in x.",
            // The searches disagreed, or a run ended nearer: x* is a preimage, not shown to be the nearest.
            TargetPointKind.PreimageNearStart => $"x* = {RunReport.FormatVector(target.X!)} is a preimage of y* found from the start{target.ByText} (a nearer one may exist): distances are in x.",
            TargetPointKind.ApproximateRunEnd when target.ManyPreimages => $"{many}; the plots mark {target.Note}.",
            // Over the search's size limit nothing was searched: say so, not that nothing was found.
            TargetPointKind.ApproximateRunEnd when target.NotSearched is { } why =>
                $"x* is not searched ({why}), so distances are in y; the plots mark an approximate x* ({target.Note}).",
            TargetPointKind.ApproximateRunEnd => $"No preimage of y* was found from the start: distances are in y; the plots mark an approximate x* ({target.Note}).",
            TargetPointKind.None when target.ManyPreimages && target.NotSearched is null => $"No x*: {many}.",
            TargetPointKind.None when target.X is null && target.Note is { } note && !note.StartsWith("no target", StringComparison.Ordinal) =>
                $"No x*: {note}; distances are in y.",
            _ => null,
        };
    }

    /// <summary>
    /// The line that says which step sizes of a default list are the problem's own (a reference example's,
    /// measured) rather than the catalogue's, e.g. "Step sizes measured for this example: gd η = 0.004 …";
    /// null when all are the catalogue's. A bare name in --methods takes the catalogue's η, so it says how to keep them.
    /// </summary>
    internal static string? OwnStepsLine(IReadOnlyList<MethodSpec> defaults)
    {
        var own = defaults.Where(m => m.Eta != m.Entry.DefaultEta).ToArray();
        if (own.Length == 0) return null;
        var list = MethodCatalog.JoinNames(own.Select(m => $"{m.Name} η = {Numbers.StepSize(m.Eta)} (not {Numbers.StepSize(m.Entry.DefaultEta)})").ToArray());
        var keep = string.Join(",", own.Select(m => $"{m.Name}:{Numbers.StepSize(m.Eta)}"));
        return $"Step sizes measured for this example: {list}; the others as --help lists. " +
            $"A bare name in --methods takes the catalogue's η: write {keep} to keep {(own.Length == 1 ? "it" : "them")}.";
    }

    public static Command Create(TextWriter output, TextWriter error)
    {
        // Notes, warnings and the failed runs' lines on stderr in lines of at most 100 characters, as the
        // text on stdout (LineWidth); the phase log and the progress bar write to stderr itself ('\r' redraws).
        var notes = new LineWidth(error) { Active = true, Messages = true };
        var iterations = new Option<int>("--iterations")
        {
            Description = "Iterations per method.",
            DefaultValueFactory = _ => 10,
        };
        var methods = new Option<string?>("--methods");
        // The table of methods in the columns the help leaves beside the option's name (46 at 80 columns).
        FittedHelp.AttachTable(methods, "Methods, step sizes and options, comma-separated name[:eta][:option=value]..., e.g. gd:0.01,newton:1/3,hig:1:tau=1e-3 (eta a decimal or a fraction p/q); a bare name takes the default eta listed below. Default: the book's. The methods:",
            MethodCatalog.Help);
        var format = FormatOption.Create("table, json or csv.", "table", "json", "csv");
        var outDir = new Option<string>("--out")
        {
            Description = "Directory for the plots, each as PNG and SVG: the trajectories in x-space and y-space, the loss against iteration, and for a grid example the field of each run (field-NAME).",
            DefaultValueFactory = _ => "physgrad-out",
        };
        var lineSearch = new Option<bool>("--line-search")
        {
            Description = "Line search starting from η: " + string.Join(", ", MethodCatalog.Entries.Where(e => e.LineSearch is not null)
                .Select(e => $"{(e.LineSearch == "Armijo" ? "backtracking (Armijo)" : "weak Wolfe")} for {e.Name}" +
                    (e.Options.Any(o => o.Name == MethodCatalog.LineSearchOption)
                        ? $" (on by default too; {e.Name}:{MethodCatalog.LineSearchOption}=0 turns it off)" : ""))) + ".",
        };
        var problem = new ProblemOptions();
        var command = new Command("compare", "Compare optimisers on a problem (default: the book's example, docs/theory.md §4).")
        {
            iterations, methods, format, outDir, lineSearch,
        };
        problem.AddTo(command);
        command.SetAction(result =>
        {
            var n = result.GetValue(iterations);
            NumericOptions.Iterations.Require(n);
            var chosen = result.GetValue(methods) is { } text ? MethodCatalog.Parse(text) : null;
            // A line search belongs to a rule (Armijo for the Newton steps, Wolfe for the quasi-Newton ones);
            // for the others (Adam's per-coordinate steps, LM's damping, the y-space rules) it would change
            // what the rule is. Named methods without one are refused, before anything is written; from the
            // default list they run as they are, and a note names them.
            if (result.GetValue(lineSearch) && chosen is not null && Unsearched(chosen) is { Length: > 0 } refusedSearch)
                throw new CliInputException(
                    $"--line-search has no line search for {MethodCatalog.JoinNames(refusedSearch)}: it applies to {MethodCatalog.LineSearchMethods} only; " +
                    $"leave {(refusedSearch.Length == 1 ? "it" : "them")} out of --methods, or drop --line-search.");
            // A named method that cannot take the example's shape is refused before the example is traced
            // (seconds at n = 4096): the shape is known from the catalogue, and newton's sparse Hessian's
            // pattern from the example's structure (heat2d at 100 × 100: 8 s of tracing before the refusal).
            if (chosen is not null && problem.ExampleSized(result) is var (exampleName, exampleSize)
                && chosen.Select(m => ReferenceProblems.ApplicabilityOf(exampleName, exampleSize, m)).FirstOrDefault(a => !a.IsApplicable) is { } early)
                throw new CliInputException(early.Reason!);
            // A large example takes seconds to trace: say so before it starts (issue 14: minutes of silence).
            var example = problem.ExampleSize(result);
            var phases = PhaseLog.For(error, example?.Variables ?? 0);
            // The log's own timer (on the process's stderr) stops with the command.
            using var stopPhases = phases;
            if (example is { } traced) phases?.Phase($"tracing the {traced.Name} simulator ({traced.Variables} variables)");
            var definition = problem.Read(result);
            OutputDirectory.Prepare(result.GetValue(outDir));
            var physics = problem.Build(definition);
            // A start where the simulator or the loss is undefined gives no run anything to start from.
            ProblemOptions.RefuseOutsideDomain(physics, definition.Start, "start", ProblemOptions.StartWhere);
            var size = Math.Max(physics.Variables.Count, physics.Outputs.Count);
            phases ??= PhaseLog.For(error, size);
            phases?.Sized(size);
            // Only methods the user named may fail the run; from the default list the ones that do not
            // apply are left out, each with one line saying why (on stderr for json and csv).
            IReadOnlyList<SkippedMethod> skipped = [];
            string? ownSteps = null;
            var defaults = chosen is null;
            if (chosen is null)
            {
                var (run, skip) = physics.DefaultMethods();
                (chosen, skipped) = (run.ToArray(), ApiWording.Skipped(skip));
                ownSteps = OwnStepsLine(chosen);
            }
            else if (chosen.Select(physics.ApplicabilityOf).FirstOrDefault(a => !a.IsApplicable) is { } refused)
                throw new CliInputException(refused.Reason!);
            if (problem.UnitsGiven(result))
                notes.WriteLine("physgrad: note: --unit is not used by compare: runs do not depend on units ('physgrad units' gives each step's unit).");
            if (result.GetValue(lineSearch) && Unsearched(chosen) is { Length: > 0 } unsearched)
                notes.WriteLine($"physgrad: note: --line-search applies to {MethodCatalog.LineSearchMethods} only; {MethodCatalog.JoinNames(unsearched)} run{(unsearched.Length == 1 ? "s" : "")} without one.");
            var skipWriter = result.GetValue(format) == "table" ? output : notes;
            foreach (var line in SkipLines.For(skipped))
                skipWriter.WriteLine(ApiWording.Text(line));
            if (ownSteps is not null)
                skipWriter.WriteLine(ownSteps);
            var names = MethodCatalog.Labels(chosen);
            Comparison comparison;
            // What a method's first iteration does before it reports: PG builds its local inverse (derived,
            // given or numeric), the others derive and compile their rule's kernels.
            phases?.Runs(names, n, chosen.Select(m => m.UsesLocalInverse ? "building the local inverse" : "deriving and compiling what it needs").ToArray());
            phases?.StartRuns($"running {string.Join(", ", names)}, {n} iteration{(n == 1 ? "" : "s")} each; then finding x*");
            using (var bar = ProgressLine.For(error, names, n))
                comparison = physics.CompareMethods(chosen, n, result.GetValue(lineSearch), BothProgress.Of(bar, phases), skipUnformable: defaults);
            // A default method that could not run (its kernels' constants overflow doubles) is one more skip
            // line; a method the user named fails the command with the reason instead (exit 2).
            foreach (var line in SkipLines.For(comparison.Skipped))
                skipWriter.WriteLine(ApiWording.Text(line));
            phases?.Phase("drawing the plots");
            var results = comparison.Results;
            IReadOnlyList<string> plots;
            try
            {
                plots = physics.SavePlots(comparison, result.GetValue(outDir)!);
                // A field of more than two cells is drawn as the field itself as well (issue 14, item 6).
                if (problem.Grid(result) is { } grid && grid.Aggregate(1L, (a, b) => a * b) > 2)
                    plots = [.. plots, .. physics.SaveFieldPlots(comparison, result.GetValue(outDir)!, grid)];
            }
            catch (PlottingLibraryMissingException e)
            {
                // The tool ships the native plotting libraries of the supported platforms only (see the
                // .csproj): elsewhere the runs are still reported, without plots. The API detects it.
                notes.WriteLine($"physgrad: plots not written: {e.Message}");
                plots = [];
            }
            phases?.Phase("writing the report");
            // A diverged run is a run that failed: everything is still printed and plotted, then exit 1.
            var diverged = results.Where(r => r.Failed).ToArray();
            int Finish()
            {
                foreach (var r in diverged)
                    notes.WriteLine($"physgrad: {r.Label} {(r.Diverged ? "diverged" : "failed")}: {r.StopDetail}.");
                return diverged.Length == 0 ? ExitCode.Ok : ExitCode.Failed;
            }
            switch (result.GetValue(format))
            {
                case "json":
                    // The plots' paths too ("plots"), so that a reader of the JSON alone finds them (the table says them last).
                    Json.WriteUtf8(output, stream => physics.WriteJson(comparison, stream, plots), () => physics.ToJson(comparison, plots));
                    output.WriteLine();
                    return Finish();
                case "csv": output.Write(physics.ToCsv(comparison)); return Finish();
            }
            var problemLine = ReferenceEquals(definition, ProblemDefinition.Book)
                ? $"{Headline.Book}, start [3, 3]."
                : $"{Headline.Problem(definition, asRules: problem.Traced(definition) is null)}, start {Numbers.Written(definition.Start)}.";
            output.WriteLine(problemLine);
            // With a loss of its own the target is optional: say what it is used for, or that there is none.
            // (The book's header already says its target is the origin.)
            if (definition.LossGiven && !ReferenceEquals(definition, ProblemDefinition.Book))
                output.WriteLine(definition.HasTarget
                    ? $"Target y* = {Numbers.Written(definition.Target)}: {RunReport.TargetUse(definition)}."
                    : $"Target: {RunReport.TargetUse(definition)} (--target gives one).");
            // Only PG uses the local inverse (and has derived it by now); for the others it is not derived.
            var inverseLine = chosen.Any(m => m.UsesLocalInverse) ? $"Local inverse for PG: {physics.InverseDescription}." : "";
            // At a branch point (sign(g) with g = 0 at the start) the inverse takes the + branch: say so.
            if (inverseLine.Length > 0 && physics.BranchChoicesAt(definition.Start) is { Count: > 0 } branches)
                inverseLine += $" At the start {string.Join(", ", branches.Select(g => $"sign({g})"))} {(branches.Count == 1 ? "is" : "are")} sign(0): "
                    + "both branches are preimages there, and PG takes the + branch (sign taken as +1).";
            if (inverseLine.Length > 0)
                output.WriteLine(ResultText.Paragraph(inverseLine));
            // A given inverse is checked whatever runs: x* is taken from it when it gives a preimage of y*.
            if (definition.Inverse is not null && physics.GivenInverseWarning is { } mismatch)
                output.WriteLine($"Warning: {mismatch}.");
            if (Headline.CutNote(problemLine, inverseLine) is { } cutNote)
                output.WriteLine(cutNote);
            // Where the distances are measured and what the plots mark as x*, in one line, so that "in y"
            // distances and a marked x* are not read as two different answers.
            var targetLine = TargetLine(comparison.Target, physics.Outputs.Count, physics.Variables.Count);
            if (targetLine is not null)
                output.WriteLine(targetLine);
            output.WriteLine();
            // Columns as wide as their widest cell: long vectors are shortened, numbers have 6 significant
            // digits (E-notation outside 10⁻⁴ … 10⁶); the distance column's header says whether it is measured
            // in x or y (every run measures to the same x*, so " in x" in each cell only widened the table past
            // 100 columns); a cell names its space only if the runs ever measured in different ones.
            // Each component of a final point keeps its own digits: 1E-08 next to 1E+08 is a value, not 0.
            var measured = results.Where(r => r.MeasuredIn != DistanceSpace.None).Select(r => r.DistanceSpace).Distinct().ToArray();
            var space = measured.Length == 1 ? measured[0] : null;
            var (lines, stopNotes, finalX) = CompareTable(results, space, targetLine);
            output.WriteLine(lines[0]);
            for (var i = 0; i < results.Count; i++)
            {
                output.WriteLine(lines[i + 1]);
                foreach (var line in SkipLines.Fallbacks(results[i].Fallbacks))
                    output.WriteLine("         " + line);
            }
            foreach (var note in stopNotes)
                output.WriteLine(note);
            if (finalX.Length > 0)
            {
                // The final points in a table of their own where the table has no room for them in any form.
                output.WriteLine();
                foreach (var line in finalX)
                    output.WriteLine(line);
            }
            output.WriteLine();
            output.WriteLine(LineWidth.FileList("Plots", plots));
            return Finish();
        });
        return command;
    }

    /// <summary>The least significant digits a final point is shortened to for the table to fit (<see cref="CompareTable"/>).</summary>
    internal const int FewestFinalXDigits = 3;

    /// <summary>
    /// compare's table, one line per run within <see cref="RulePrinter.MaxWidth"/> columns where shortening the final
    /// points lets it, in one layout at any width: the stop column holds each run's stop in its short form
    /// (<see cref="TextTable.ShortStop"/>: <c>converged</c>, <c>diverged</c>, <c>iteration limit (10), loss rose</c>) and a
    /// note under the table gives each stop that has more to say in full (<c>Stop of pg: converged: loss 0 after 1
    /// iteration …</c>; runs that stopped alike share one). Every number has 6 significant digits (<see cref="NumberText.Table"/>);
    /// only where a row is then still too wide (three or four variables in final x) does final x take the most digits
    /// from 5 down to <see cref="FewestFinalXDigits"/> that fit, the same for every component of every row, and then the
    /// distance header drops " in x" when <paramref name="targetLine"/> above the table says where distances are
    /// measured; a row still too wide (ten variables and more) gives final x without its largest entry's note and
    /// its count, which the header says once (<see cref="BriefVector"/>), at the most digits from 6 down that fit.
    /// Where no such form fits with the short stops (a three-variable final x beside <c>iteration limit (20), loss rose</c>
    /// or <c>iteration limit (1000)</c>: 101 columns and more), a stop too wide for the room left is its words with a
    /// note number (<c>iteration limit¹</c>) and its note is numbered alike (<see cref="TextTable.WithShortStops"/>), in
    /// the form above that numbers the fewest stops (the most digits among those). Where no form fits at all (long method
    /// labels such as <c>hig:0.5:tau=0.5</c> beside a three-variable final x with an entry of <c>-8.73E-19</c>: 108
    /// columns at 3 digits), final x leaves the table for a table of its own, <c>method  final x</c>, one line per run
    /// with 6 digits (<see cref="FinalXTable"/>), and the table keeps its other columns, one line per run. Only a
    /// table that fits in none of these forms keeps 6 digits and is folded by <see cref="TextTable.Lines"/>.
    /// </summary>
    /// <param name="results">The runs, in order.</param>
    /// <param name="space">The one space every run's distance is measured in ("x" or "y"), or null.</param>
    /// <param name="targetLine">The line printed above the table (<see cref="TargetLine"/>), or null.</param>
    /// <returns>The table's lines (header first, one per run), the notes under it, and the lines of the table of final
    /// points (empty where final x is a column of the table).</returns>
    internal static (string[] Lines, string[] Notes, string[] FinalX) CompareTable(IReadOnlyList<MethodResult> results, string? space, string? targetLine)
    {
        (string[] Header, string[][] Rows, bool[] Left) Cells(int digits, bool spaceInHeader, bool brief = false)
        {
            var rows = results.Select(r => new[]
            {
                r.Label,
                Numbers.StepSize(r.Eta),
                brief ? BriefVector(r.Final, digits) : RunReport.FormatVector(r.Final, significant: digits),
                RunReport.FormatLoss(r),
                r.MeasuredIn == DistanceSpace.None ? "n/a"
                    : RunReport.FormatNumber(r.DistanceToTarget) + (space is null ? $" in {r.DistanceSpace}" : ""),
                // No first step (u = 0 or not finite) has no direction to align (the measure is NaN): n/a, never NaN in a table.
                r.DiagonalText,
                TextTable.StopCell(r.StopCell, r.LossRose, RunReport.FormatLoss(r), RunReport.FormatStartLoss(r)),
            }).ToArray();
            var count = results.Select(r => r.Final.Count).Distinct().ToArray();
            string[] header = ["method", "eta", brief && count is [var n] ? $"final x ({Numbers.Count(n, "value")})" : "final x", "final loss", space is null || !spaceInHeader ? "distance" : $"distance in {space}", "diagonal", "stop"];
            return (header, rows, [true, false, true, false, false, false, true]);
        }
        string[] shortStops = [.. results.Select(r => TextTable.ShortStop(r.StopCell, r.LossRose))];
        string[] labels = [.. results.Select(r => r.Label)];
        string[] stopWords = [.. results.Select(r => r.StopWords)];
        (string[] Lines, string[] Notes, int Numbered) Table(int digits, bool spaceInHeader, bool brief = false)
        {
            var (header, rows, left) = Cells(digits, spaceInHeader, brief);
            return TextTable.WithShortStops(header, rows, shortStops, labels, left, always: true, briefLast: stopWords);
        }

        // The space may leave the header only where the line above says it ("…: distances are in x.").
        var spaceSaidAbove = space is not null && targetLine is not null && targetLine.Contains($"distances are in {space}", StringComparison.Ordinal);
        var headers = spaceSaidAbove ? new[] { true, false } : [true];
        // The forms in order: 6 digits; fewer digits in final x; then (ten variables and more) final x without what its
        // ellipsis hides, its count said once in the header ("final x (10 values)" over [0.09562, 0.1912, …, 0.9562]):
        // each row stays one line, aligned with the others, where final x was folded under its row with the largest
        // entry's note; the JSON and CSV reports give every value.
        IEnumerable<(string[] Lines, string[] Notes, int Numbered)> Forms()
        {
            yield return Table(6, spaceInHeader: true);
            foreach (var spaceInHeader in headers)
                for (var digits = 5; digits >= FewestFinalXDigits; digits--)
                    yield return Table(digits, spaceInHeader);
            foreach (var spaceInHeader in headers)
                for (var digits = 6; digits >= FewestFinalXDigits; digits--)
                    yield return Table(digits, spaceInHeader, brief: true);
        }
        // The first form that fits with every stop in its short form; else the one that numbers the fewest stops.
        (string[] Lines, string[] Notes, int Numbered)? best = null;
        foreach (var form in Forms().Where(f => TextTable.Fits(f.Lines)))
        {
            if (form.Numbered == 0) return (form.Lines, form.Notes, []);
            if (best is null || form.Numbered < best.Value.Numbered) best = form;
        }
        if (best is { } numbered) return (numbered.Lines, numbered.Notes, []);
        // No room for final x in any form: the table without it, and final x in a table of its own (TextTable.WithColumnApart,
        // which train's settings take too).
        var finalX = FinalXTable(results);
        foreach (var spaceInHeader in headers)
            if (Cells(6, spaceInHeader) is var (header, rows, left)
                && TextTable.WithColumnApart(header, rows, 2, shortStops, labels, left, stopWords, finalX) is { } apart)
                return apart;
        var chosen = Table(6, spaceInHeader: true);
        return (chosen.Lines, chosen.Notes, []);
    }

    /// <summary>
    /// The final points as a table of their own, <c>method  final x</c>, one line per run (for <see cref="CompareTable"/>
    /// when the table has no room for them): each with 6 significant digits where every row fits in
    /// <see cref="RulePrinter.MaxWidth"/> columns, else in the briefest form (<see cref="BriefVector"/>, the count in
    /// the header) at the most digits from 6 down to <see cref="FewestFinalXDigits"/> that fit; folded only where none does.
    /// </summary>
    internal static string[] FinalXTable(IReadOnlyList<MethodResult> results)
    {
        string[] Form(bool brief, int digits)
        {
            var count = results.Select(r => r.Final.Count).Distinct().ToArray();
            string[] header = ["method", brief && count is [var n] ? $"final x ({Numbers.Count(n, "value")})" : "final x"];
            var rows = results.Select(r => new[] { r.Label, brief ? BriefVector(r.Final, digits) : RunReport.FormatVector(r.Final, significant: 6) }).ToArray();
            return TextTable.Pairs(header, rows, 1);
        }
        return Enumerable.Range(0, 6 - FewestFinalXDigits + 1).Select(k => Form(brief: true, 6 - k)).Prepend(Form(brief: false, 6))
            .FirstOrDefault(f => TextTable.Fits(f)) ?? Form(brief: false, 6);
    }

    /// <summary>
    /// A final point in the table's briefest form: in full up to four values, else the first two, an ellipsis and the
    /// last (<c>[0.09562, 0.1912, …, 0.9562]</c>; the column's header gives the count), each with <paramref name="digits"/>
    /// significant digits (<see cref="Numbers.Table(double, int)"/>).
    /// </summary>
    internal static string BriefVector(IReadOnlyList<double> values, int digits)
    {
        string At(int i) => Numbers.Table(values[i], digits);
        return values.Count <= 4 ? $"[{string.Join(", ", Enumerable.Range(0, values.Count).Select(At))}]"
            : $"[{At(0)}, {At(1)}, …, {At(values.Count - 1)}]";
    }
}
