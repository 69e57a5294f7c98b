using System.CommandLine;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary><c>physgrad units</c>: the unit of each method's step against each variable's unit.</summary>
internal static class UnitsCommand
{
    public static Command Create(TextWriter output)
    {
        var format = FormatOption.Create("table or json.", "table", "json");
        var problem = new ProblemOptions();
        var command = new Command("units",
            "The unit of each method's step Δxᵢ (gd, adam, newton, ig, pg, gn, hig) against the unit of xᵢ, measured by rescaling the units. " +
            "Give units with --unit x0=m, or --unit \"x*=K\" for every variable whose name matches (a unit given by name wins over a pattern); " +
            "outputs are inferred from the simulator; --target and --start are optional here.")
        {
            format,
        };
        problem.AddTo(command);
        command.SetAction(result =>
        {
            var definition = problem.Read(result, PointNeed.Generic);
            var model = problem.Build(definition);
            // A start where the simulator or the loss is undefined gives no step anything to measure (every
            // method read L = NaN there): refused as compare and check refuse it. The generic point, chosen
            // here, is refused by the API with the same message.
            if (problem.StartGiven(result) || problem.FileStartGiven(result))
                ProblemOptions.RefuseOutsideDomain(model, definition.Start, "start", ProblemOptions.StartWhere);
            var measured = model.StepUnits();
            // The API's verdict decides (so the two always agree); the CLI adds how to give units here.
            if (!measured.Applicable)
                throw new CliInputException(
                    $"{measured.NotApplicableReason} On the command line: {ProblemOptions.UnitExample(model.Variables)} (or \"units\" in a --problem file).");
            // A given unit as typed (N), else its SI form; a step in its variable's very unit is that unit as typed too
            // (N and N, not N and kg*m/s^2). The table and the JSON show the same; the JSON's "si" fields the SI forms.
            string Typed(string name, string? si = null) => definition.GivenUnitText(name)?.Trim() ?? si ?? model.UnitOf(name);
            string? StepTyped(StepUnit s) => (s.UnitText == s.VariableUnitText ? definition.GivenUnitText(s.Variable)?.Trim() : null) ?? s.UnitText;
            if (result.GetValue(format) == "json")
            {
                var document = new
                {
                    variables = model.Variables.Select(v => new { name = v, unit = Typed(v), si = model.UnitOf(v), given = definition.UnitGiven(v) }),
                    outputs = model.Outputs.Select(y => new { name = y, unit = Typed(y), si = model.UnitOf(y) }),
                    parameters = model.Parameters.Keys.Select(k => new { name = k, unit = Typed(k), si = model.UnitOf(k), given = definition.UnitGiven(k) }),
                    lossUnit = model.LossUnit,
                    point = definition.Start,
                    target = definition.Target,
                    methods = measured.Select(m => new
                    {
                        method = m.Name,
                        consistent = m.Consistent,
                        note = m.Note.Length == 0 ? null : m.Note,
                        steps = m.Steps.Select(s => new
                        {
                            variable = s.Variable,
                            variableUnit = Typed(s.Variable, s.VariableUnitText),
                            variableSi = s.VariableUnitText,
                            stepUnit = StepTyped(s),
                            stepSi = s.UnitText,
                            consistent = s.Consistent,
                            note = s.Note.Length == 0 ? null : s.Note,
                        }),
                    }),
                };
                output.WriteLine(JsonSerializer.Serialize(document, Json.OmitNulls));
                return ExitCode.Ok;
            }
            // A variable without a unit is taken as a pure number, and every verdict below rests on that: said as
            // a parameter's is, rather than shown as if "[1]" had been given.
            // A given unit as typed (x1 [N]), its SI form after it where that reads otherwise (kg*m/s^2).
            string Named(string name) => definition.UnitGiven(name)
                ? $"{name} [{Typed(name)}]" + (Typed(name) == model.UnitOf(name) ? "" : $" (= {model.UnitOf(name)})")
                : $"{name} [1] (dimensionless, not given)";
            output.WriteLine($"Variables: {string.Join(", ", model.Variables.Select(Named))}");
            output.WriteLine($"Outputs:   {string.Join(", ", model.Outputs.Select(y => definition.UnitGiven(y) ? Named(y) : $"{y} [{model.UnitOf(y)}]"))}");
            if (model.Parameters.Count > 0)
                output.WriteLine($"Parameters: {string.Join(", ", model.Parameters.Keys.Select(Named))}");
            output.WriteLine($"Loss:      [{model.LossUnit}]{(model.ResidualsInOwnUnits ? " (outputs differ in unit: residuals are measured in each output's unit)" : "")}");
            // The steps are measured at this point towards this target: a verdict may depend on both.
            output.WriteLine($"Measured at {problem.PointAndTarget(definition, null)}.");
            output.WriteLine();
            // One table (TextTable): a step unit wider than its column no longer pushes "ok" out of line, and
            // a long note is wrapped or set under its row at 100 columns.
            var rows = new List<string[]>();
            foreach (var m in measured)
            {
                if (m.Note.Length > 0)
                {
                    rows.Add([m.Name, "", "", "—", "n/a", m.Note]);
                    continue;
                }
                // The variable's unit as typed; a step in that very unit too (N and N, not N and kg*m/s^2).
                foreach (var s in m.Steps)
                    rows.Add([m.Name, s.Variable, Typed(s.Variable, s.VariableUnitText), StepTyped(s) ?? "none", s.Consistent ? "yes" : "NO", s.Note]);
            }
            foreach (var line in TextTable.Lines(["method", "variable", "unit", "step unit", "ok", "why"], rows, [true, true, true, true, true, true]))
                output.WriteLine(string.Join("\n", line.Split('\n').Select(l => l.TrimEnd())));
            return ExitCode.Ok;
        });
        return command;
    }
}
