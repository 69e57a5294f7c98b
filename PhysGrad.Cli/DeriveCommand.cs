using System.CommandLine;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary><c>physgrad derive</c>: each method's closed-form update rule for a problem.</summary>
internal static class DeriveCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        // Notes, warnings and the failed runs' lines on stderr in lines of at most 100 characters, as the
        // text on stdout (LineWidth); the phase log and the progress bar write to stderr itself ('\r' redraws).
        var notes = new LineWidth(error) { Active = true, Messages = true };
        var methods = new Option<string?>("--methods")
        {
            Description = $"Methods, comma-separated names: {MethodCatalog.ClosedForms} have closed forms (default: these and the other methods compare runs by default, such as hig; each one without a rule here is listed as skipped, with the reason).",
        };
        var format = FormatOption.Create("infix, latex, csharp or json.", "infix", "latex", "csharp", "json");
        var problem = new ProblemOptions();
        var command = new Command("derive", "Print each method's closed-form update rule Δx for a problem (default: the book's example).")
        {
            methods, format,
        };
        problem.AddTo(command);
        command.SetAction(result =>
        {
            // An --example's size is known before it is traced: when every closed form asked for is over its
            // size limit (UpdateRuleSet.TooLargeReason), say so now rather than after seconds of tracing.
            if (problem.ExampleSize(result) is { } sized)
            {
                if (UpdateRuleSet.AllTooLarge(result.GetValue(methods), sized.Variables) is { } reasons)
                    throw new CliInputException($"--example {sized.Name} has {sized.Variables} variables: " + string.Join(Environment.NewLine, reasons)
                        + Environment.NewLine + "Give a smaller --n to derive, or run the methods with physgrad compare.");
            }
            var definition = problem.Read(result, PointNeed.None);
            // An --example's own problem (its model built as it was traced) derives the rules; any other
            // is built once below, after its start is left out.
            var traced = problem.Traced(definition);
            // Accepted for symmetry with the other commands, but rules use neither: say so once, and
            // leave the start out, so that its length cannot fail the command (a file's start too: derive
            // reads a problem file the other commands run). Only a start where the problem is undefined is
            // refused, as compare refuses it: the other commands would meet the same mistake.
            var givenStart = problem.StartGiven(result) || problem.FileStartGiven(result) ? definition.Start : null;
            // The start the given inverse's warning is checked from: the given one, else check's generic start
            // (0.6, 0.7, …), since derive needs none.
            var inverseStart = definition.HasStart ? definition.Start : null;
            if (definition.HasStart && !ReferenceEquals(definition, ProblemDefinition.Book) && traced is null)
                definition = definition with { Start = [] };
            if (problem.UnitsGiven(result))
                notes.WriteLine("physgrad: note: --unit is not used by derive: the rules do not depend on units ('physgrad units' gives each step's unit).");
            if (problem.InferredNote(result, definition) is { } inferred)
                notes.WriteLine($"physgrad: note: {inferred}");
            // Only methods the user named may fail the command; from the default list the ones that do
            // not apply are left out, each with one line saying why.
            // A method named twice is derived once.
            var chosen = result.GetValue(methods) is { } text ? MethodCatalog.ParseEntries(text) : null;
            if (chosen is not null && problem.InverseGiven(result) && !chosen.Any(e => e.Name == "pg"))
                // compare uses the inverse to find x* whatever runs; derive's only use of it is PG's rule.
                throw new CliInputException("--inverse gives PG's local inverse, and no method named in --methods uses it: add pg to --methods, or leave --inverse out.");
            // The step size's name: eta, unless the problem itself uses that name.
            var step = definition.StepSymbol;
            var stepNote = step == "eta" ? null
                : $"The step size is named '{step}' here, because 'eta' is a name in the problem.";
            // One model for the rules and the y-step (each of them built its own from the definition).
            var physics = traced ?? problem.FromDefinition(definition);
            if (givenStart is not null && givenStart.Count == physics.Variables.Count)
            {
                try
                {
                    ProblemOptions.RefuseOutsideDomain(traced ?? physics.WithStart(givenStart), givenStart, "start", ProblemOptions.StartWhere);
                }
                catch (Exception e) when (e is not CliInputException && InputError.Is(e))
                {
                    // A problem that cannot be evaluated at all (a symbolic target) has no domain to test
                    // the start against; the rules need no start, so they are derived all the same.
                }
            }
            if (problem.StartGiven(result))
                notes.WriteLine("physgrad: note: --start is not used by derive: the rules do not depend on the start point.");
            // With a loss of its own the rules minimise that loss; the target only measures compare's distances.
            if (problem.TargetGiven(result) && definition.LossGiven)
                notes.WriteLine("physgrad: note: --target is not used by derive when a loss is given: the rules minimise the loss"
                    + " (compare uses the target only for its distance column and the plots' target marker).");
            // The façade derives the methods that apply and says why the others do not (the default list's or
            // the named ones); the CLI adds its options' remedy to those reasons, here and only here.
            var (rules, skipped) = chosen is null ? physics.ApplicableRules() : physics.ApplicableRules(chosen);
            skipped = [.. ApiWording.Skipped(skipped).Select(s => s.Cause == NotApplicableCause.NoInverse ? s with { Reason = s.Reason + InverseRemedy } : s)];
            // A named method that does not apply fails the command (exit 2, with the reason), but the rules of
            // the other named methods are printed first rather than thrown away with it.
            // JSON keeps them in "skipped", with their reasons, and prints the document even when no named method
            // applies: every method named is in the output, with its rule or its reason, as text says each one
            // (the exit code is the same 2).
            var json = result.GetValue(format) == "json";
            string? namedFailure = null;
            if (chosen is not null && skipped.Count > 0)
            {
                var failures = string.Join(Environment.NewLine, skipped.Select(s => s.Reason));
                if (rules.Count == 0 && !json) throw new CliInputException(failures);
                namedFailure = failures + (rules.Count == 0 ? ""
                    : $"{Environment.NewLine}The rules of the other named methods are printed {(json ? "in the output" : "above")}; leave the failing ones out of --methods to exit 0.");
                if (!json) skipped = [];
            }
            // Said of the methods whose rules it concerns (those that eliminate), not of the whole derive.
            if (rules.Where(r => r.DoublesNote is not null).ToArray() is { Length: > 0 } inDoubles)
                notes.WriteLine($"physgrad: note: {string.Join(", ", inDoubles.Select(r => r.Name))}: {inDoubles[0].DoublesNote}");
            if (problem.InverseGiven(result) && !rules.Any(r => r.Name == "pg"))
                notes.WriteLine("physgrad: note: --inverse is PG's local inverse, and PG has no rule here (see the skipped methods): no rule uses it.");
            var f = result.GetValue(format)!;
            // A given inverse that is undefined (or wrong) at a numeric target is said as compare says it:
            // derive prints PG's rule through that inverse, and its steps toward y* would meet the same.
            string? inverseWarning = null;
            // Checked with or without a target: an inverse that is no inverse at all (y0/2 for x0^2) makes
            // every PG step wrong. derive has no start, so without one the check is at a generic point.
            if (problem.InverseGiven(result) && rules.Any(r => r.Name == "pg"))
            {
                try
                {
                    var sampled = inverseStart is null;
                    var generic = definition.WithGenericPoint();
                    inverseStart ??= generic.Start;
                    // A symbolic target cannot be evaluated: the check then uses check's generated one.
                    if (inverseStart.Count == physics.Variables.Count)
                        inverseWarning = (definition.HasNumericTarget || traced is not null
                            ? physics.WithStart(inverseStart)
                            : problem.FromDefinition(generic with { Start = inverseStart })).GivenInverseWarning;
                    if (sampled && inverseWarning is not null)
                        inverseWarning = inverseWarning.Replace("at the start", "at a sample point x₀ (derive has no start)");
                }
                catch (Exception e) when (e is not CliInputException && InputError.Is(e))
                {
                    // A start where the problem cannot be evaluated: the rules need none, so no warning.
                }
            }
            // On stderr where the output is code to paste (text output carries its own Warning: line).
            if (inverseWarning is not null && f is "latex" or "csharp")
                notes.WriteLine($"physgrad: warning: {inverseWarning}.");
            // The y-step is shown with the methods that use it (all of them when none are chosen).
            var yStep = rules.Any(r => r.UsesYStep)
                ? physics.TryYStep()
                : null;
            // A given loss carries its own constants: the target then plays no part in the rules.
            var symbolicTarget = !definition.HasNumericTarget && definition.Loss is null;
            var targetEntries = definition.TargetExpressions();
            var targetText = Headline.List(targetEntries.Select(t => t.ToInfix()).ToArray(), "value");
            // The generated symbols (ys0, … or ystar0, …) of a target that was not given: LaTeX writes them y*_j.
            var generated = symbolicTarget && !definition.HasTarget
                ? targetEntries.Select(t => t.ToInfix()).ToArray()
                : Array.Empty<string>();
            var blocks = new List<RuleBlock>();
            if (yStep is not null)
                blocks.Add(new RuleBlock("y-step", "YStep", definition.Outputs, yStep));
            foreach (var r in rules)
                blocks.Add(new RuleBlock(r.Name, r.CSharpName, r.Variables, r.Steps) { BranchChoices = r.BranchChoices });
            if (f == "json")
            {
                // The same intermediates as the other formats (t1 = …, in order: each may use those before it).
                var shared = RulePrinter.Prepare("infix", blocks, definition.Variables, step);
                var offset = yStep is null ? 0 : 1;
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    variables = definition.Variables,
                    stepSize = step,
                    // Numbers as JSON numbers, names as strings; null when a given loss makes the target irrelevant.
                    target = definition.Loss is not null ? null
                        : targetEntries.Select((t, j) => definition.HasTarget && definition.TargetSymbols?[j] is null && j < definition.Target.Count
                            ? (object)definition.Target[j] : t.ToInfix()).ToArray(),
                    targetNote = symbolicTarget ? SymbolicTargetNote(definition, targetText) : null,
                    // The values of the named constants the rules use (g: 9.81), so that a reader can evaluate them.
                    parameters = definition.Parameters is { Count: > 0 } given ? given : null,
                    yStep = yStep?.Select((e, i) => new { output = definition.Outputs[i], step = e.ToInfix() }),
                    rules = rules.Select((r, b) => new
                    {
                        method = r.Name,
                        // The range of the step size the rule is written for, when it is not every η (PG's may need η ≤ 1).
                        stepRange = r.AssumesStepAtMostOne ? $"0 <= {step} <= 1" : null,
                        // How the rule's branch choices read at 0 (PG's sign(x0) is +1 there, as the optimiser takes it).
                        branchAtZero = BranchAtZero(r, "sign"),
                        // The earlier rule whose step this is (gn's on a square J is ig's), printed in that rule's form.
                        sameStepAs = r.SameStepAs,
                        intermediates = shared[b + offset].Intermediates.Select(t => new { name = t.Name, expression = t.Value.ToInfix() }),
                        steps = r.Variables.Select((v, i) => new { variable = v, step = shared[b + offset].Results[i].ToInfix() }),
                    }),
                    skipped = skipped.Select(s => new { method = s.Name, reason = s.Reason }),
                    // As compare's report has it: a given inverse undefined or wrong at the numeric target.
                    inverseWarning,
                }, Json.OmitNulls));
                return namedFailure is null ? ExitCode.Ok : throw new CliInputException(namedFailure);
            }
            var header = $"physgrad derive: the update rules (steps in x and {step}) for {Headline.Problem(definition, asRules: traced is null)}"
                + (symbolicTarget ? $"; {SymbolicTargetNote(definition, targetText)}" : "");
            var comment = f == "latex" ? "%" : "//";
            // Without a problem given the rules are the book's: say so first, as compare does (the rules
            // alone did not say which problem they were for). LaTeX and C# carry it in their header comment.
            if (f == "infix" && ReferenceEquals(definition, ProblemDefinition.Book))
                output.WriteLine($"{Headline.Book} (--simulator, --problem or --example give another problem).");
            // LaTeX and C# open with their header comment (which problem the rules are for); the notes on skipped
            // methods, warnings and ranges follow it, as comments, rather than coming before it.
            var lead = f == "infix" ? output : new StringWriter { NewLine = "\n" };
            foreach (var line in SkipLines.For(skipped))
                lead.WriteLine(f == "infix" ? ApiWording.Text(line) : RulePrinter.Comment(comment + " ", ApiWording.Text(line)));
            // In the output too (where the rules go), as a comment in LaTeX and C#.
            if (inverseWarning is not null)
                lead.WriteLine(f == "infix" ? $"Warning: {inverseWarning}." : RulePrinter.Comment(comment + " ", $"Warning: {inverseWarning}."));
            if (stepNote is not null)
                lead.WriteLine(f == "infix" ? stepNote : RulePrinter.Comment(comment + " ", stepNote));
            // C# has no double for 10^400: the literal would be infinity and the method's steps ±∞ or NaN where
            // the exact rule has values. Said in the file (where the code goes) and on stderr (where a reader looks).
            if (f == "csharp")
                foreach (var b in blocks)
                    if (RulePrinter.ConstantsBeyondDoubles(b) is { Count: > 0 } beyond)
                    {
                        var warning = $"{b.Title}'s rule holds {(beyond.Count == 1 ? "the constant" : "the constants")} {string.Join(", ", beyond)}, " +
                            "beyond doubles: its C# writes them as infinity or 0 and computes ±∞, NaN or 0 where the rule does not; " +
                            "rescale the problem (its outputs or variables in larger or smaller units) so that its constants are doubles";
                        notes.WriteLine($"physgrad: warning: {warning}.");
                        lead.WriteLine(RulePrinter.Comment(comment + " ", $"Warning: {warning}."));
                    }
            if (RangeNote(rules, step) is { } rangeNote)
                lead.WriteLine(f == "infix" ? rangeNote : RulePrinter.Comment(comment + " ", rangeNote));
            foreach (var r in rules)
                if (BranchAtZero(r, f == "csharp" ? "BranchSign" : "sign") is { } branchNote)
                    lead.WriteLine(f == "infix" ? $"{r.Name}: {branchNote}" : RulePrinter.Comment(comment + " ", $"{r.Name}: {branchNote}"));
            if (SameStepNote(rules) is { } sameNote)
                lead.WriteLine(f == "infix" ? sameNote : RulePrinter.Comment(comment + " ", sameNote));
            if (f == "infix" && symbolicTarget)
                lead.WriteLine("T" + SymbolicTargetNote(definition, targetText)[1..]
                    + (definition.HasTarget ? "" : "; --target gives numbers or names"));
            // The C# signature takes the names in the user's order: the target's names as given, the parameters, the outputs.
            var symbolOrder = targetEntries.SelectMany(t => t.Variables)
                .Concat(definition.Parameters?.Keys ?? Enumerable.Empty<string>())
                .Concat(definition.Outputs).Distinct().ToArray();
            var formatted = RulePrinter.Format(f, blocks, definition.Variables, header, generated, step: step, symbolOrder: symbolOrder);
            if (!ReferenceEquals(lead, output))
            {
                var headerLines = RulePrinter.Comment(comment + " ", header) + "\n";
                formatted = formatted.StartsWith(headerLines, StringComparison.Ordinal)
                    ? headerLines + lead + formatted[headerLines.Length..]
                    : lead + formatted;
            }
            output.Write(formatted);
            return namedFailure is null ? ExitCode.Ok : throw new CliInputException(namedFailure);
        });
        return command;
    }

    /// <summary>
    /// Which entries of the target are symbolic: all of them when it was not given
    /// (<c>the target y* = [ys0, ys1] is symbolic (not given)</c>), else the named ones
    /// (<c>the target y* = [a, 2] is symbolic in a (the target of y0); the other entry is a number</c>). The named
    /// entries are said by their names and outputs: "y*0" was a third spelling beside the generated ys0 and LaTeX's y*₀,
    /// and read as y times 0.
    /// </summary>
    private static string SymbolicTargetNote(ProblemDefinition definition, string targetText)
    {
        if (!definition.HasTarget) return $"the target y* = {targetText} is symbolic (not given)";
        var named = definition.TargetSymbols!.Select((n, j) => (n, j)).Where(t => t.n is not null).ToArray();
        if (named.Length == definition.Outputs.Length) return $"the target y* = {targetText} is symbolic";
        return $"the target y* = {targetText} is symbolic in {MethodCatalog.JoinNames(named.Select(t => t.n!).ToArray())} " +
            $"(the target{(named.Length == 1 ? "" : "s")} of {MethodCatalog.JoinNames(named.Select(t => $"y{t.j}").ToArray())}); " +
            $"the other {(definition.Outputs.Length - named.Length == 1 ? "entry is a number" : "entries are numbers")}";
    }

    /// <summary>The line saying which rules are written for 0 ≤ η ≤ 1 only, or null when none is.</summary>
    private static string? RangeNote(IReadOnlyList<UpdateRule> rules, string step) =>
        rules.Where(r => r.AssumesStepAtMostOne).Select(r => r.Name).ToArray() is { Length: > 0 } names
            ? $"{string.Join(" and ", names)}: written for 0 ≤ {step} ≤ 1 (its y-step, {step} times the full Newton step in y, then ends between y and that step's point), where it is exact."
            : null;

    /// <summary>
    /// How a rule's branch choices read where their argument is 0 (<see cref="UpdateRule.BranchChoices"/>), written
    /// with <paramref name="function"/> (sign, or the C# helper BranchSign), or null when it has none.
    /// </summary>
    private static string? BranchAtZero(UpdateRule rule, string function) =>
        rule.BranchChoices.Select(g => g.ToInfix()).ToArray() is { Length: > 0 } choices
            ? $"{string.Join(" and ", choices.Select(g => function == "sign" ? $"sign({g})" : $"{function}({g}) is sign({g})"))}" +
              $"{(function == "sign" ? choices.Length == 1 ? " is" : " are" : "")} taken as +1 where {string.Join(" or ", choices)} = 0 " +
              "(the optimiser's branch: both branches are preimages there, and sign(0) = 0 would not move)."
            : null;

    /// <summary>
    /// The line naming the rules that are the same step as an earlier one (whose blocks repeat that rule's lines), or
    /// null when none is.
    /// </summary>
    private static string? SameStepNote(IReadOnlyList<UpdateRule> rules) =>
        rules.Where(r => r.SameStepAs is not null).Select(r => $"{r.Name} is the same step as {r.SameStepAs}").ToArray() is { Length: > 0 } same
            ? same.Length == 1
                ? $"{same[0]}: equal as functions, so its block below repeats that rule's lines."
                : $"{string.Join("; ", same)}: equal as functions, so each one's block below repeats the lines of the rule it equals."
            : null;

    /// <summary>How a local inverse is given on the command line (the API's message names no option).</summary>
    private const string InverseRemedy = " On the command line: --inverse \"expr; expr\" (or \"inverse\" in a --problem file).";
}
