using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary><c>physgrad check</c>: the properties of docs/theory.md §3 on a problem at a point.</summary>
internal static class CheckCommand
{
    public static Command Create(TextWriter output)
    {
        var at = new Option<string?>("--at") { Description = "The point, comma-separated (default: the problem's start)." };
        var eta = new Option<double>("--eta") { Description = "The step size the checks use (default 0.3).", DefaultValueFactory = _ => 0.3 };
        var format = FormatOption.Create("table or json.", "table", "json");
        var problem = new ProblemOptions();
        var command = new Command("check",
            "Check the properties of docs/theory.md §3 (units, c-scaling, scale invariance, convergence, PG–IG agreement, exactness, mean value, local inverse, GD's loss change, exponent family) on a problem at a point. Exit code 1 if one fails.")
        {
            at, eta, format,
        };
        problem.AddTo(command);
        command.SetAction(result =>
        {
            // --at is the point the checks use, so a --start beside it would change nothing.
            if (result.GetValue(at) is not null && problem.StartGiven(result))
                throw new CliInputException("--start and --at both give the point check works at: give one of them (--at).");
            var point = result.GetValue(at) is { } text ? Arguments.Numbers("--at", text) : null;
            // A missing target is generated around the point checked, not around the start it replaces.
            var definition = problem.Read(result, PointNeed.Generic, point);
            var physics = problem.Build(definition);
            if (point is not null) Arguments.RequirePoint("--at", point, physics.Variables);
            // A point the user gave (--at, --start or the file's start) where the problem is undefined is
            // refused as compare refuses it; the generic point, chosen here, is left to the checks (undef).
            if (point is not null)
                ProblemOptions.RefuseOutsideDomain(physics, point, "point", "--at");
            else if (problem.StartGiven(result) || problem.FileStartGiven(result))
                ProblemOptions.RefuseOutsideDomain(physics, physics.Start, "start", ProblemOptions.StartWhere);
            var step = result.GetValue(eta);
            if (UserNumbers.NotPositive(step) is { } wrong)
                throw new CliInputException($"--eta must be a positive, finite number, and {Numbers.Short(step)} {wrong}; give e.g. --eta 0.01.");
            // The points the user gave were refused above in the command line's words; a generic point, chosen
            // here, is left to the checks (undef), not refused.
            var report = physics.Check(point, step, refuseOutsideDomain: false);
            IReadOnlyList<CheckResult> results = report;
            // Only a measured failure fails the run (exit 1). A property that could not be checked (a quantity
            // not finite at the point, or its precondition, J invertible, not met) is shown as undef and, like
            // n/a, does not fail it: the theory makes no claim there, so nothing was found wrong.
            var failed = results.Count(r => r.Verdict == CheckVerdict.Fail);
            var unchecked_ = results.Count(r => r.Verdict == CheckVerdict.Undefined);
            // The API's message says what is missing; the command line says how to give it.
            // A detail that advises a parameter (a derivative whose constants overflow) names --param (ApiWording.Text).
            results = results.Select(r => r is { Property: 1, Applicable: false }
                ? r with { Detail = r.Detail + " (give them with --unit name=unit or \"units\" in the problem file)" }
                : r.Detail is { } detail && ApiWording.Text(detail) is var worded && worded != detail ? r with { Detail = worded } : r).ToArray();
            if (result.GetValue(format) == "json")
            {
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    point = point ?? physics.Start,
                    target = definition.Target,
                    passed = failed == 0,
                    // How the check was measured when the loss is beyond doubles at the point (else null).
                    note = report.Note,
                    properties = results.Select(r => new
                    {
                        property = r.Property,
                        name = r.Name,
                        result = r.Status.ToLowerInvariant(),
                        measured = double.IsFinite(r.Measured) ? r.Measured : (double?)null,
                        detail = r.Detail,
                        nonFinite = r.NonFiniteAt is { } bad
                            ? new { quantity = bad.Quantity, index = bad.Index, value = bad.Value.ToString(CultureInfo.InvariantCulture) }
                            : null,
                    }),
                }, Json.Options));
            }
            else
            {
                output.WriteLine($"At {problem.PointAndTarget(definition, point)}; η = {Numbers.Short(step)}:");
                output.WriteLine();
                if (report.Note is { } note)
                {
                    output.WriteLine(LineWidth.Wrap(note));
                    output.WriteLine();
                }
                // One table (TextTable): a detail too long for the line goes under its row, wrapped at 100 columns,
                // instead of LineWidth breaking the row itself (inside a property's name, under the # column).
                var rows = results.Select(r => new[] { $"{r.Property}", r.Name, r.Status, r.MeasuredText, r.Detail }).ToArray();
                foreach (var line in TextTable.Lines(["#", "property", "result", "measured", "detail"], rows, [false, true, true, false, true]))
                    output.WriteLine(line);
                output.WriteLine();
                var undefNote = $"{unchecked_} propert{(unchecked_ == 1 ? "y" : "ies")} cannot be checked here (undef: a quantity is not finite, or a precondition does not hold, at the point)";
                output.WriteLine(failed == 0
                    ? unchecked_ == 0 ? "All applicable properties hold." : $"No property fails; {undefNote}."
                    : $"{failed} propert{(failed == 1 ? "y fails" : "ies fail")}" + (unchecked_ > 0 ? $"; {undefNote}." : "."));
            }
            return failed == 0 ? ExitCode.Ok : ExitCode.Failed;
        });
        return command;
    }
}
