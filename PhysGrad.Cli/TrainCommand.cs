using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary><c>physgrad train</c>: trains a network through physics with GD, Adam, GN, HIG or SIP (docs/theory.md §6).</summary>
internal static class TrainCommand
{
    private const int ProgressScale = 2000;

    public static Command Create(TextWriter output, TextWriter error)
    {
        var example = new Option<string>("--example")
        {
            Description = "hig-toy (the HIG toy with the scaling λ), oscillators (the book's HIG notebook: return two coupled oscillators to their start) or exp (SIP on y = exp(x)).",
            DefaultValueFactory = _ => "hig-toy",
        };
        example.AcceptOnlyFromAmong([.. Training.ExampleNames]);
        var methods = new Option<string?>("--methods")
        {
            Description = "Methods, optionally with a rate: e.g. adam,gn,hig or adam:0.003,hig:0.2 (gd, adam, gn, hig, sip-ig, sip-pg). Default: the example's.",
        };
        var time = new Option<double?>("--time") { Description = "Training wall-clock budget per method and seed, in seconds." };
        var steps = new Option<int?>("--steps") { Description = "Steps per method and seed (with --time: whichever comes first). Default: --time 5." };
        var seed = new Option<int>("--seed") { Description = "Seed of the initialisation and the batches.", DefaultValueFactory = _ => 1 };
        var seeds = new Option<int>("--seeds") { Description = "Number of seeds: seed, seed+1, …; with more than one, a summary per method follows (median, least and largest final loss, median steps, median ms per step over all the seeds' steps).", DefaultValueFactory = _ => 1 };
        var lambda = new Option<double>("--lambda") { Description = "The HIG toy's scaling λ of the second output.", DefaultValueFactory = _ => 1.0 };
        var batch = new Option<int?>("--batch") { Description = "Batch size for every method (default: the example's)." };
        var tau = new Option<double?>("--tau") { Description = "GN's and HIG's relative truncation τ: singular values σ ≤ τ·σ_max are dropped (default: the example's)." };
        var format = FormatOption.Create("table, json or csv.", "table", "json", "csv");
        var outDir = new Option<string?>("--out") { Description = "Directory for the plots loss-time and loss-steps, and xerror-time and xerror-steps where x* is known (PNG and SVG; the time axis leaves out each run's one-off warm-up); none written without it." };
        var command = new Command("train",
            "Train a small network through physics with GD, Adam, Gauss–Newton, HIG or SIP and report the evaluation loss (docs: docs/theory.md §6). " +
            "A run's time (s) is its whole training time; ms/step is the median time of its steps, so the one-off warm-up of the first steps (JIT compilation) does not inflate it.")
        {
            example, methods, time, steps, seed, seeds, lambda, batch, tau, format, outDir,
        };
        command.SetAction(result =>
        {
            var stepCount = result.GetValue(steps);
            var seconds = result.GetValue(time);
            if (stepCount is { } stepsGiven) NumericOptions.Steps.Require(stepsGiven);
            if (seconds is { } s && !(s > 0 && s <= 86400))
                throw new CliInputException($"--time must be a number of seconds above 0 and at most 86400, not {s.ToString(CultureInfo.InvariantCulture)}.");
            // Both limits given: each run stops at whichever it reaches first (the help and README say so); a
            // note says it, so that a --time that a short --steps makes moot is not passed over in silence.
            if (stepCount is { } both && seconds is { } bothSeconds)
                error.WriteLine(LineWidth.WrapMessage(
                    $"physgrad: note: --steps {both} and --time {bothSeconds.ToString(CultureInfo.InvariantCulture)} are both limits: each run stops at whichever it reaches first " +
                    "(the stop column says which); give one of them alone for a run of that many steps or seconds."));
            if (stepCount is null && seconds is null) seconds = 5;
            var seedCount = result.GetValue(seeds);
            NumericOptions.Seeds.Require(seedCount);
            var firstSeed = result.GetValue(seed);
            NumericOptions.Seed(seedCount).Require(firstSeed);
            var name = result.GetValue(example)!;
            var lambdaValue = result.GetValue(lambda);
            // The toy's second output is scaled by λ and its loss by λ²: beyond 10⁶ (or below 10⁻⁶) the
            // squares leave the range where the SVDs of GN and HIG converge in doubles (λ = 1e300 overflows).
            if (!double.IsFinite(lambdaValue) || !(Math.Abs(lambdaValue) >= 1e-6 && Math.Abs(lambdaValue) <= 1e6))
                throw new CliInputException($"--lambda must be a number with 1e-6 ≤ |λ| ≤ 1e6 (the toy's loss scales with λ²), not {lambdaValue.ToString(CultureInfo.InvariantCulture)}.");
            // An option that changes nothing is refused, as every command refuses one (exit 2), not noted and ignored.
            if (name != "hig-toy" && result.GetResult(lambda) is { Implicit: false })
                throw new CliInputException($"--lambda scales the hig-toy example's second output and does nothing for {name}: drop --lambda, or give --example hig-toy.");
            var batchSize = result.GetValue(batch);
            if (batchSize is { } size) NumericOptions.Batch.Require(size);
            var tauValue = result.GetValue(tau);
            if (tauValue is { } t && Training.TauRefusal("--tau", t) is { } wrongTau)
                throw new CliInputException(wrongTau);
            if (result.GetValue(outDir) is { } outPath) OutputDirectory.Prepare(outPath);
            var chosen = Example(name, lambdaValue);
            var named = result.GetValue(methods) is not null;
            var settings = Settings(chosen, result.GetValue(methods), batchSize);
            // --tau truncates the SVDs of GN and HIG; the other methods have none. As compare's
            // --line-search: a named method it cannot apply to is refused, one from the default list
            // runs as it is and a note names it (never silently ignored).
            if (tauValue is not null && settings.Where(m => !m.UsesTau).Select(m => m.Name).Distinct().ToArray() is { Length: > 0 } untruncated)
            {
                if (named)
                    throw new CliInputException(
                        $"--tau applies to gn and hig only (their SVD's truncation); {MethodCatalog.JoinNames(untruncated)} {(untruncated.Length == 1 ? "has" : "have")} none: " +
                        $"leave {(untruncated.Length == 1 ? "it" : "them")} out of --methods, or drop --tau.");
                error.WriteLine(LineWidth.WrapMessage($"physgrad: note: --tau applies to gn and hig only; {MethodCatalog.JoinNames(untruncated)} run{(untruncated.Length == 1 ? "s" : "")} without it."));
            }
            settings = settings.Select(m => tauValue is { } tv && m.UsesTau ? m.WithTau(tv) : m).ToArray();
            // The example's list also holds GD, the baseline of the docs' plots, run only when named: say
            // so, as compare says which of its default methods it leaves out.
            if (!named && chosen.Choices.Where(c => settings.All(m => m.Name != c.Name)).Select(c => c.Name).ToArray() is { Length: > 0 } left)
                // In lines of at most 100 characters, as compare's skip lines (LineWidth).
                (result.GetValue(format) == "table" ? output : error).WriteLine(LineWidth.Wrap(
                    $"{string.Join(", ", left)} skipped: {(left.Length == 1 ? "it is" : "they are")} the example's baseline, run only when named (e.g. --methods {string.Join(",", chosen.Choices.Select(c => c.Name))})."));
            var budget = seconds is { } sec ? TimeSpan.FromSeconds(sec) : (TimeSpan?)null;

            var runs = new List<TrainingRun>();
            var names = settings.Select(m => m.Name).ToArray();
            for (var k = 0; k < seedCount; k++)
            {
                using var bar = ProgressLine.For(error, names, ProgressScale, minimumWork: 0);
                var progress = bar is null ? null : new Relay(bar);
                runs.AddRange(Training.Run(chosen, settings, firstSeed + k, stepCount, budget, progress));
            }
            // The plots first, so that the JSON lists them ("plots", as compare's); the table still says them last.
            var written = result.GetValue(outDir) is { } dir ? Training.SavePlots(runs, dir, chosen.Description) : null;
            Print(output, result.GetValue(format)!, chosen, runs, written);
            if (written is not null && result.GetValue(format) == "table")
                output.WriteLine(LineWidth.FileList("Plots", written)); // one file to a line, as compare's
            // A diverged or failed run is a run that failed, as in compare (README, Reliability): everything is
            // still printed and plotted, then exit 1, whether the method was named or came from the example's
            // default list (the book's HIG toy has Gauss–Newton's loss rise ~10⁶-fold in its first steps; a
            // script that reads the exit code learns that a run of it diverged, and the line says what to do).
            var diverged = runs.Where(r => r.Failed).ToArray();
            foreach (var r in diverged)
                error.WriteLine(LineWidth.WrapMessage("physgrad: " + (r.Diverged
                    ? $"{r.Choice.Name} (seed {r.Seed}) diverged at step {r.Final.Step}: {r.StopDetail}; lower its rate, e.g. --methods {r.Choice.Name}:{(r.Choice.LearningRate / 10).ToString("G3", CultureInfo.InvariantCulture)}."
                    : $"{r.Choice.Name} (seed {r.Seed}) failed: {r.StopDetail}.")));
            return diverged.Length > 0 ? ExitCode.Failed : ExitCode.Ok;
        });
        return command;
    }

    private static TrainingExample Example(string name, double lambda) => Training.Example(name, lambda);

    /// <summary>Whether <paramref name="entry"/> is one method of train's --methods: a name of the example, or name:rate.</summary>
    private static bool IsChoice(TrainingExample example, string entry)
    {
        var pieces = entry.Split(':');
        if (pieces.Length > 2 || (pieces.Length == 2 && !UserNumbers.TryReadPositive(pieces[1], out _, out _))) return false;
        try { example.ChoiceFor(pieces[0]); return true; }
        catch (Exception e) when (InputError.Is(e)) { return false; }
    }

    /// <summary>The methods of <c>--methods</c> (name or name:rate), with the example's settings otherwise.</summary>
    private static TrainingChoice[] Settings(TrainingExample example, string? text, int? batch)
    {
        var list = new List<TrainingChoice>();
        // GD is the baseline of the plots in the docs, not a default: the example lists it last, run only on request.
        if (text is null) list.AddRange(example.Choices.Where(m => m.Name != "gd"));
        else
        {
            var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            try
            {
                MethodCatalog.CheckDecimalComma(parts);
                MethodCatalog.CheckMissingComma(parts, entry => IsChoice(example, entry));
            }
            catch (Exception e) when (InputError.Is(e)) { throw new CliInputException($"--methods: {ApiWording.Message(e)}"); }
            foreach (var part in parts)
            {
                var pieces = part.Split(':');
                // A setting written as compare writes it (adam:0.1:beta1=0.5): train has options for some of them.
                if (pieces.Skip(1).FirstOrDefault(p => p.Contains('=')) is { } setting)
                    throw new CliInputException($"--methods: '{part}' is not name or name:rate, e.g. {pieces[0]}:0.01: train's --methods takes no settings such as '{setting}'; " +
                        SettingHint(pieces[0], setting[..setting.IndexOf('=')].Trim(), pieces.Length > 1 && !pieces[1].Contains('=') ? pieces[1] : null));
                if (pieces.Length > 2)
                    throw new CliInputException($"--methods: '{part}' is not name or name:rate, e.g. hig:0.1.");
                TrainingChoice s;
                try { s = example.ChoiceFor(pieces[0]); }
                catch (Exception e) when (InputError.Is(e)) { throw new CliInputException($"--methods: {ApiWording.Message(e)}"); }
                if (pieces.Length == 2)
                {
                    if (!UserNumbers.TryReadPositive(pieces[1], out var rate, out var wrong))
                        throw new CliInputException($"--methods: the rate in '{part}' must be a positive, finite number, and '{pieces[1]}' {wrong}; write e.g. {pieces[0]}:0.01.");
                    s = s.WithLearningRate(rate);
                }
                list.Add(s);
            }
        }
        if (list.Count == 0) throw new CliInputException("--methods names no method; give e.g. adam,gn,hig.");
        var choices = list.Select(s => batch is { } b ? s.WithBatchSize(b) : s).ToArray();
        // An entry equal in everything to an earlier one would train the same network again, seed for seed, and its rows
        // could not be told apart (two "gn η=0.1, B=256, τ=0.001, seed 1" rows, summed up as "seeds 2").
        if (choices.Where((c, i) => choices[..i].Any(d => d.Name == c.Name && d.Description == c.Description)).FirstOrDefault() is { } twice)
            throw new CliInputException($"--methods: {twice.Name} is listed twice with the same settings ({twice.Description}), which would train " +
                $"the same network twice with one seed; list it once, give each entry its own rate (e.g. {twice.Name}:{(twice.LearningRate / 10).ToString("G3", CultureInfo.InvariantCulture)}), or use --seeds for more runs.");
        return choices;
    }

    /// <summary>
    /// Where a method setting written in <c>--methods</c> goes instead: the train option that sets it for every method
    /// that has it (tau: --tau, batch: --batch), or, for a setting train does not offer (adam's beta1, hig's kappa), that
    /// train runs the method with its fixed settings and compare is where they are chosen. Only train's own options are named.
    /// </summary>
    private static string SettingHint(string method, string setting, string? rate)
    {
        var entry = $"{method}{(rate is null ? "" : ":" + rate)}";
        return setting.ToLowerInvariant() switch
        {
            "tau" => $"the SVD's truncation is the option --tau, for gn and hig alike (e.g. --methods {entry} --tau 0.1).",
            "batch" or "b" => $"the batch size is the option --batch, for every method (e.g. --methods {entry} --batch 64).",
            "eta" or "rate" or "lr" => $"the rate follows the name (e.g. --methods {method}:0.01).",
            _ => $"train runs {method} with its fixed settings (its options are --methods, --steps or --time, --batch, --tau, --seed and --seeds); " +
                 $"'{setting}' is chosen in compare (physgrad compare --methods {method}:0.1:{setting}=…, where the method has it).",
        };
    }

    /// <summary>
    /// Each run's name in the reports, as compare's <c>label</c> (<see cref="MethodCatalog.Labels"/>): the method's name, or
    /// where the method runs with more than one rate, the name and its rate as <c>--methods</c> takes them (<c>gd:0.01</c>).
    /// The seeds of one choice share its label; the JSON's <c>seed</c> tells them apart.
    /// </summary>
    internal static string Label(TrainingChoice choice, IReadOnlyList<TrainingRun> runs) =>
        runs.Select(r => r.Choice).Where(c => c.Name == choice.Name).Select(c => c.LearningRate).Distinct().Count() > 1
            ? $"{choice.Name}:{Numbers.StepSize(choice.LearningRate)}" : choice.Name;

    private static void Print(TextWriter output, string format, TrainingExample example, IReadOnlyList<TrainingRun> runs, IReadOnlyList<string>? plots)
    {
        var hasX = example.EvalX is not null;
        // The table formatter compare uses: six significant digits, one width at any size.
        string G(double v) => double.IsNaN(v) ? "" : double.IsPositiveInfinity(v) ? "∞" : Numbers.Table(v);
        // Times to 3 significant digits in every row (0.0123, 1.23, 12.3), the table rule of compare's columns.
        static string Ms(double ms) => double.IsFinite(ms) ? Numbers.Table(ms, 3) : "";
        static string MsPerStep(TrainingRun r) => r.Final.Step > 0 ? Ms(r.MillisecondsPerStep) : "";
        static double? Finite(double v) => double.IsFinite(v) ? v : null;
        var summaries = Training.Summarize(runs);
        switch (format)
        {
            case "json":
                // The fields compare's JSON has, under its names (name, label, eta, finalLoss, iterations, losses,
                // lossIterations, stopReason, stopWords, stopText, stopDetail, lossRose, wallTimeMs, plots), and the
                // training's own beside them (settings, batchSize, seed, finalXError, msPerStep, diverged, sipFallbacks,
                // lossSeconds; the example and the summary over the seeds).
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    example = example.Name,
                    description = example.Description,
                    methods = runs.Select(r => new
                    {
                        name = r.Choice.Name,
                        label = Label(r.Choice, runs),
                        settings = r.Choice.Description,
                        eta = r.Choice.LearningRate,
                        batchSize = r.Choice.BatchSize,
                        seed = r.Seed,
                        finalLoss = r.Final.Loss,
                        finalXError = hasX ? r.Final.XError : (double?)null,
                        iterations = r.Final.Step,
                        wallTimeMs = r.Final.Seconds * 1000,
                        msPerStep = r.Final.Step > 0 ? Finite(r.MillisecondsPerStep) : null,
                        diverged = r.Diverged,
                        stopReason = r.Stop,
                        stopWords = r.StopWords,
                        stopText = r.StopText,
                        stopDetail = r.StopDetail,
                        lossRose = r.LossRose,
                        sipFallbacks = r.Fallbacks,
                        // The evaluation loss at each recorded step, with its step and its time since the start (s).
                        losses = r.Points.Select(p => p.Loss),
                        lossIterations = r.Points.Select(p => p.Step),
                        lossSeconds = r.Points.Select(p => p.Seconds),
                    }),
                    // Per method over the seeds; JSON has no +∞, so a median of diverged runs is null.
                    summary = summaries.Select(m => new
                    {
                        name = m.Choice.Name,
                        label = Label(m.Choice, runs),
                        settings = m.Choice.Description,
                        seeds = m.Seeds,
                        medianLoss = Finite(m.MedianLoss),
                        minLoss = Finite(m.MinLoss),
                        maxLoss = Finite(m.MaxLoss),
                        medianXError = hasX ? Finite(m.MedianXError) : null,
                        medianIterations = m.MedianSteps,
                        msPerStep = Finite(m.MillisecondsPerStep),
                        diverged = m.Diverged,
                    }),
                    plots,
                }, Json.OmitNulls));
                break;
            case "csv":
                // stop is the code (StepLimit) for machines, stop_words the same in words (step limit), as compare's stopWords.
                output.WriteLine("method,settings,seed,final_loss,final_x_error,seconds,steps,ms_per_step,diverged,stop,loss_rose,stop_words");
                foreach (var r in runs)
                    output.WriteLine(string.Join(",", r.Choice.Name, RunReport.CsvField(r.Choice.Description), r.Seed,
                        r.Final.Loss.ToString("R", CultureInfo.InvariantCulture),
                        hasX ? r.Final.XError.ToString("R", CultureInfo.InvariantCulture) : "",
                        r.Final.Seconds.ToString("F3", CultureInfo.InvariantCulture), r.Final.Step,
                        r.Final.Step > 0 ? r.MillisecondsPerStep.ToString("G4", CultureInfo.InvariantCulture) : "",
                        r.Diverged ? "yes" : "no", r.Stop, r.LossRose ? "yes" : "no", RunReport.CsvField(r.StopWords)));
                break;
            default:
                output.WriteLine(example.Description);
                // Columns as wide as their widest cell and two spaces apart (compare's table): a loss of
                // 11 characters once ran into the seed before it ("1 0.000660425").
                string[]? X(string cell) => hasX ? [cell] : null;
                string[] Row(params string[]?[] cells) => [.. cells.SelectMany(c => c ?? [])];
                bool[] Left(int columns, params int[] lefts) => [.. Enumerable.Range(0, columns).Select(lefts.Contains)];
                var header = Row(["method", "settings", "seed", "final loss"], X("½‖x − x*‖²"), ["time (s)", "steps", "ms/step", "stop"]);
                var rows = runs.Select(r => Row([r.Choice.Name, r.Choice.Description, $"{r.Seed}", G(r.Final.Loss)], X(G(r.Final.XError)),
                    [Numbers.Table(r.Final.Seconds, 3), $"{r.Final.Step}", MsPerStep(r), Stop(r)])).ToArray();
                // One line per run in compare's one layout at any width: the stop column holds each stop's short
                // form, and a stop with more to say is given in full under the table ("Stop of …: …").
                string[] shortStops = [.. runs.Select(r => TextTable.ShortStop(r.Failed ? r.StopText : r.StopWords, r.LossRose))];
                string[] noteLabels = [.. runs.Select(r => $"{r.Choice.Name} ({r.Choice.Description}, seed {r.Seed})")];
                string[] stopWords = [.. runs.Select(r => r.StopWords)];
                var left = Left(header.Length, 0, 1, header.Length - 1);
                var (table, stopNotes, _) = TextTable.WithShortStops(header, rows, shortStops, noteLabels, left, always: true, briefLast: stopWords);
                // Where a row does not fit on one line (exp's ½‖x − x*‖² beside Δy's settings), the settings leave the table for
                // a table of their own under it, as compare's final x does; each run then named by its label (adam:0.01 where
                // adam runs at two rates), so that its rows stay told apart.
                string[] apart = [];
                if (!TextTable.Fits(table)
                    && TextTable.WithColumnApart(header, [.. rows.Select((r, i) => r.Skip(1).Prepend(Label(runs[i].Choice, runs)).ToArray())], 1,
                        shortStops, noteLabels, left, stopWords) is { } without)
                    (table, stopNotes, apart) = without;
                foreach (var line in table.Concat(stopNotes))
                    output.WriteLine(line);
                if (apart.Length > 0)
                {
                    output.WriteLine();
                    foreach (var line in apart)
                        output.WriteLine(line);
                }
                // Over several seeds, one line per method: the median and the range of the final loss.
                if (summaries.Any(m => m.Seeds.Count > 1))
                {
                    output.WriteLine();
                    // At most 100 columns (RulePrinter.MaxWidth) like compare's text; the README says the rest.
                    output.WriteLine("Over the seeds (median, least and largest final loss, diverged = ∞; ms/step: median of all steps):");
                    var sumHeader = Row(["method", "settings", "seeds", "median loss", "least", "largest"], X("median ½‖x − x*‖²"), ["steps", "ms/step", ""]);
                    var sums = summaries.Select(m => Row([m.Choice.Name, m.Choice.Description, $"{m.Seeds.Count}", G(m.MedianLoss), G(m.MinLoss), G(m.MaxLoss)],
                        X(G(m.MedianXError)), [m.MedianSteps.ToString("0.#", CultureInfo.InvariantCulture), Ms(m.MillisecondsPerStep),
                        m.Diverged > 0 ? $"{m.Diverged} diverged" : ""])).ToArray();
                    foreach (var line in TextTable.Lines(sumHeader, sums, Left(sumHeader.Length, 0, 1, sumHeader.Length - 1)))
                        output.WriteLine(line.TrimEnd());
                }
                break;
        }
    }

    // The table's stop cell: which limit ended the run (with --steps and --time both given, either may),
    // a failure in words, and the same "loss rose" flag as compare's.
    // A rise of the loss where x's error fell (SIP on exp between steps 250 and 800: x-error 3.7 against Adam's
    // 11 at step 500 while L rose to 17) is said with the fall: the run fits x, and L weighs x's error by ∂y/∂x.
    private static string Stop(TrainingRun r) =>
        TextTable.StopCell(r.Failed ? r.StopText : r.StopWords, r.LossRose, Numbers.Table(r.Final.Loss), Numbers.Table(r.Points[0].Loss), XErrorFell(r));

    private static string XErrorFell(TrainingRun r) =>
        double.IsFinite(r.Points[0].XError) && r.Final.XError < r.Points[0].XError
            ? $", while ½‖x − x*‖² fell from {Numbers.Table(r.Points[0].XError)} to {Numbers.Table(r.Final.XError)}: the run fits x, and the loss in y " +
              "weighs an error in x by ∂y/∂x, so where y* is large a passing error in x costs much in y; more steps recover it (README, Training networks through physics)"
            : "";

    private sealed class Relay(ProgressLine bar) : IProgress<(int Method, double Done)>
    {
        public void Report((int Method, double Done) value) =>
            bar.Report((value.Method, (int)Math.Min(ProgressScale, Math.Round(value.Done * ProgressScale))));
    }
}
