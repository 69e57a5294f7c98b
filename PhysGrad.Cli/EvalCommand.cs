using System.CommandLine;

namespace PhysGrad.Cli;

/// <summary><c>physgrad eval</c>: a function and its derivatives at every point of a CSV file.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var function = new Option<string>("--function", "-f")
        {
            Description = "The function, e.g. \"x0^2 + sin(x1)\" (or a simulator: --simulator, --problem or --example).",
        };
        var vars = new Option<string?>("--vars")
        {
            Description = "The variables, in the order of the CSV columns (default: the function's variables, x2 before x10).",
        };
        var points = new Option<string>("--points")
        {
            Description = "A CSV file with one point per row ('-' reads standard input); an optional first row names the columns.",
            Required = true,
        };
        var order = new Option<int>("--order")
        {
            Description = "0: the value; 1: and the gradient; 2: and the Hessian. A simulator: 0: y; 1: and the Jacobian; 2: and the loss, its gradient and Hessian.",
            DefaultValueFactory = _ => 1,
        };
        order.AcceptOnlyFromAmong("0", "1", "2");
        var sparse = new Option<bool>("--sparse")
        {
            Description = "Write the CSV in coordinate form, one number per line: point,quantity,row,column,value "
                + "(point: the point's index among the data rows, from 0, the header and blank lines not counted; notes name it with its line in the file, "
                + "'point 0 (line 2)'; quantity f, gradient or hessian; a simulator's y, jacobian, loss, gradient or hessian; rows and columns from 0; "
                + "only the Jacobian's and the Hessian's structural nonzeros). Without it each point is one row with the dense matrices.",
        };
        var command = new Command("eval", "Evaluate a function and its derivatives (or a simulator's y, Jacobian and loss derivatives) at every point of a CSV file, as CSV.")
        {
            function, vars, points, order, sparse,
        };
        var problemOptions = new ProblemOptions(vars);
        problemOptions.AddTo(command);
        command.SetAction(result =>
        {
            var path = result.GetValue(points)!;
            var simulator = SimulatorDiff.Chosen(result, function, problemOptions);
            // A simulator's --vars names its variables (read by the problem options), not the CSV's columns.
            var names = !simulator && result.GetValue(vars) is { } v ? Arguments.Names("--vars", v) : null;
            if (path != "-") InputFiles.Check("--points", path, "a CSV file of points (one per row), or - for standard input");
            if (simulator)
            {
                // The points come from the CSV and the loss only at order 2: options that would change
                // nothing are refused rather than ignored.
                SimulatorDiff.RefuseUnused(result, problemOptions, result.GetValue(order), "eval");
                if (problemOptions.StartGiven(result))
                    throw new CliInputException("--start has no use in eval: the points are the rows of --points; leave --start out.");
            }
            var problem = simulator ? problemOptions.Build(problemOptions.Read(result, PointNeed.None)) : null;
            if (!simulator && names is null && Expression.Parse(result.GetValue(function)!).Variables.Count == 0)
                throw new CliInputException("The function has no variables to read from the points; name them with --vars.");
            using var reader = path == "-" ? Console.In : new StreamReader(path);
            // Entries settled as limits (or found not to exist) and undefined values (empty fields) are said on stderr, so the CSV stays a table.
            using var notes = new NotePrefixWriter(error);
            // The CSV goes to a temporary file first and to stdout only once every row was read: a row
            // refused late (after earlier blocks were evaluated) must not leave a partial table behind.
            var buffer = Path.GetTempFileName();
            try
            {
                long count;
                using (var written = new StreamWriter(buffer))
                    count = problem is not null
                        ? SimulatorBatchEvaluation.Run(problem, result.GetValue(order), reader, written, result.GetValue(sparse), notes)
                        : BatchEvaluation.Run(result.GetValue(function)!, names, result.GetValue(order), reader, written, notes, result.GetValue(sparse));
                // No data row (an empty file, blank lines, or only the header) evaluated nothing: a header
                // alone on stdout and exit 0 read as a successful run.
                if (count == 0)
                    throw new CliInputException(EmptyPoints(path, problem?.Variables ?? BatchEvaluation.VariablesOf(result.GetValue(function)!, names)));
                using var back = new StreamReader(buffer);
                var chunk = new char[1 << 16];
                int read;
                while ((read = back.Read(chunk, 0, chunk.Length)) > 0) output.Write(chunk, 0, read);
            }
            catch (Exception e) when (InputError.Is(e) && InputError.Unwrap(e).Message.StartsWith("Line ", StringComparison.Ordinal))
            {
                // The readers speak of "Line 2, value 1 ('abc')": the file they are lines of is named here.
                throw new CliInputException($"--points {(path == "-" ? "(standard input)" : $"'{path}'")}: {ApiWording.Message(e)}");
            }
            finally
            {
                File.Delete(buffer);
            }
            return ExitCode.Ok;
        });
        return command;
    }

    // What an empty points file lacks, with the lines to write for these variables: a header and a row of 1, 2, ….
    private static string EmptyPoints(string path, IReadOnlyList<string> names) =>
        $"--points {(path == "-" ? "(standard input)" : $"'{path}'")} holds no point (no data row: it is empty, or holds only a header or blank lines): " +
        $"write one point per line, its values comma-separated in the order {string.Join(", ", names)}, e.g. {string.Join(",", names.Select((_, i) => i + 1))}, " +
        $"optionally under a header line {string.Join(",", names)}.";
}

/// <summary>Writes each line as <c>physgrad: note: …</c> to the error writer, wrapped as every message is (<see cref="LineWidth.WrapMessage"/>).</summary>
internal sealed class NotePrefixWriter(TextWriter inner) : StringWriter
{
    public override void WriteLine(string? value) => inner.WriteLine(LineWidth.WrapMessage($"physgrad: note: {value}"));
}
