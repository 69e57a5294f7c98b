using System.CommandLine;
using System.Globalization;
using PhysGrad.Numerics;

namespace PhysGrad.Cli;

/// <summary><c>physgrad compare</c>: runs optimisers side by side on a problem.</summary>
internal static class CompareCommand
{
    public static Command Create(TextWriter output)
    {
        var iterations = new Option<int>("--iterations")
        {
            Description = "Iterations per method.",
            DefaultValueFactory = _ => 10,
        };
        var methods = new Option<string?>("--methods")
        {
            Description = "Methods and step sizes, e.g. gd:0.01,newton:0.3333,pg:0.3,ig:0.3 (also adam, bfgs, lbfgs, gn, hig). Default: the book's.",
        };
        var format = new Option<string>("--format")
        {
            Description = "table, json or csv.",
            DefaultValueFactory = _ => "table",
        };
        format.AcceptOnlyFromAmong("table", "json", "csv");
        var outDir = new Option<string>("--out")
        {
            Description = "Directory for the trajectory plots (x-space and y-space, PNG and SVG).",
            DefaultValueFactory = _ => "physgrad-out",
        };
        var lineSearch = new Option<bool>("--line-search")
        {
            Description = "Backtracking (Armijo) line search for Newton, BFGS and L-BFGS, starting from η.",
        };
        var problem = new ProblemOptions();
        var command = new Command("compare", "Compare optimisers on a problem (default: the book's example, THEORY.md §4).")
        {
            iterations, methods, format, outDir, lineSearch,
        };
        problem.AddTo(command);
        command.SetAction(result =>
        {
            var n = result.GetValue(iterations);
            if (n < 0) throw new CliInputException($"--iterations must be 0 or more, not {n}.");
            var chosen = result.GetValue(methods) is { } text ? BookExample.ParseMethods(text) : null;
            var definition = problem.Read(result);
            var results = BookExample.Run(n, chosen, definition, result.GetValue(lineSearch));
            var compiled = definition.Compile();
            var targetY = definition.Target.ToArray();
            var plots = TrajectoryPlots.Save(
                results.Select(r => r.Run).ToArray(), result.GetValue(outDir)!,
                BookExample.TargetInX(compiled, targetY, definition.Start.ToArray()), targetY,
                definition.Variables.ToArray(), definition.Outputs);
            switch (result.GetValue(format))
            {
                case "json": WriteJson(output, definition, compiled.Definition!, results); return ExitCode.Ok;
                case "csv": WriteCsv(output, definition, results); return ExitCode.Ok;
            }
            output.WriteLine(ReferenceEquals(definition, ProblemDefinition.Book)
                ? "The book's example: P(x) = [x0, x1^2], L(y) = y0^2 + y1^2, target the origin, start [3, 3]."
                : $"P({string.Join(", ", definition.Variables)}) = [{string.Join(", ", definition.Simulator)}], L = {definition.LossText}, start [{string.Join(", ", definition.Start)}].");
            output.WriteLine($"Local inverse for PG: {InverseText(compiled.Definition!)}.");
            output.WriteLine();
            output.WriteLine($"{"method",-8} {"eta",8} {"final x",-26} {"final loss",12} {"distance",10} {"diagonal",9}  stop");
            foreach (var r in results)
            {
                var run = r.Run;
                var x = "[" + string.Join(", ", run.Final.Select(v => v.ToString("F6", CultureInfo.InvariantCulture))) + "]";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Name(run.Method),-8} {run.Eta,8:G4} {x,-26} {run.FinalLoss,12:G6} {r.DistanceToTarget,10:G6} {r.DiagonalAlignment,9:F4}  {run.StopReason} ({run.StopDetail})"));
                foreach (var f in run.Fallbacks)
                    output.WriteLine($"         fallback at iteration {f.Iteration}: {f.Reason}");
            }
            output.WriteLine();
            output.WriteLine($"Plots: {string.Join(", ", plots)}");
            return ExitCode.Ok;
        });
        return command;
    }

    private static string Name(Method m) => BookExample.ShortName(m);

    private static string InverseText(Symbolic.Problem p) => p.InverseSource switch
    {
        Symbolic.InverseSource.Numeric => $"numeric ({p.InverseNote})",
        var source => $"{source.ToString().ToLowerInvariant()}, " +
            string.Join(", ", p.Variables.Select((v, i) => $"{v} = {Symbolic.Infix.Format(p.Inverse[i])}")),
    };

    private static void WriteJson(TextWriter o, ProblemDefinition definition, Symbolic.Problem model, IReadOnlyList<MethodResult> results)
    {
        var document = new
        {
            problem = new
            {
                variables = definition.Variables,
                simulator = definition.Simulator,
                loss = definition.LossText,
                target = definition.Target,
                start = definition.Start,
                inverse = model.Inverse?.Select(Symbolic.Infix.Format),
                inverseSource = model.InverseSource.ToString().ToLowerInvariant(),
            },
            methods = results.Select(r => new
            {
                name = Name(r.Run.Method),
                eta = r.Run.Eta,
                trajectory = r.Run.Trajectory.Select(p => p.Select(Finite).ToArray()),
                losses = r.Run.Losses.Select(Finite),
                final = r.Run.Final.Select(Finite),
                finalLoss = Finite(r.Run.FinalLoss),
                distance = Finite(r.DistanceToTarget),
                diagonalAlignment = Finite(r.DiagonalAlignment),
                stopReason = r.Run.StopReason.ToString(),
                stopDetail = r.Run.StopDetail,
                fallbacks = r.Run.Fallbacks.Select(f => new { iteration = f.Iteration, reason = f.Reason }),
            }),
        };
        o.WriteLine(System.Text.Json.JsonSerializer.Serialize(document, new System.Text.Json.JsonSerializerOptions
        {
            WriteIndented = true,
            // Expressions stay readable: '+' and '^' are not escaped (the output is not embedded in HTML).
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }));
    }

    /// <summary>JSON has no NaN or infinity: a non-finite value is written as null.</summary>
    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    private static void WriteCsv(TextWriter o, ProblemDefinition definition, IReadOnlyList<MethodResult> results)
    {
        o.WriteLine($"method,eta,iteration,{string.Join(",", definition.Variables)},{string.Join(",", definition.Outputs)},loss");
        foreach (var r in results)
            for (var k = 0; k < r.Run.Trajectory.Count; k++)
            {
                var values = r.Run.Trajectory[k].Concat(r.Run.Outputs[k]).Append(r.Run.Losses[k])
                    .Select(v => v.ToString("R", CultureInfo.InvariantCulture));
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name(r.Run.Method)},{r.Run.Eta:R},{k},") + string.Join(",", values));
            }
    }
}
