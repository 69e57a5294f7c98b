using System.CommandLine;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary>
/// <c>physgrad diff</c> given a simulator (--simulator, --problem or --example): y = P(x), the Jacobian
/// ∂P/∂x and (order 2) the loss, its gradient and Hessian in x, evaluated at one point by the compiled
/// kernels (<see cref="PhysicsProblem.DerivativesAt"/>), dense or in coordinate form.
/// </summary>
internal static class SimulatorDiff
{
    /// <summary>
    /// Whether the command line gives a simulator rather than --function; refuses both or neither, and
    /// a simulator's options (--target, --start, …) next to a function.
    /// </summary>
    public static bool Chosen(ParseResult result, Option<string> function, ProblemOptions problem)
    {
        var simulator = problem.SimulatorGiven(result);
        var f = result.GetValue(function) is not null;
        if (simulator && f)
            throw new CliInputException("Give --function (a scalar function) or a simulator (--simulator, --problem or --example), not both.");
        if (!simulator && !f)
            throw new CliInputException("Give --function (e.g. -f \"x^2 + y\"), or a simulator with --simulator, --problem or --example.");
        if (!simulator && problem.ProblemOptionGiven(result) is { } option)
            throw new CliInputException($"{option} describes a simulator's problem; with --function it has no meaning (give --simulator, --problem or --example, or leave {option} out).");
        return simulator;
    }

    /// <summary>Prints the simulator's derivatives at --at (default: the problem's start).</summary>
    public static int Run(TextWriter output, ParseResult result, ProblemOptions options, int order, string? at, string format, bool sparse)
    {
        if (format is "latex" or "csharp")
            throw new CliInputException($"--format {format} prints formulas of a function; a simulator's derivatives are printed as values at a point: use --format text, json or csv.");
        // Options that would change nothing here are refused rather than ignored (issue 12, item 6).
        RefuseUnused(result, options, order, "diff");
        if (at is not null && options.StartGiven(result))
            throw new CliInputException("--start and --at both give the point diff evaluates the simulator at: give one of them (--at).");
        var definition = options.Read(result, PointNeed.None);
        var problem = options.Build(definition);
        var point = at is not null ? Arguments.Numbers("--at", at)
            : definition.HasStart ? definition.Start.ToArray()
            : throw new CliInputException("diff needs the point to evaluate the simulator at: --at (one value per variable), or a start (--start, or \"start\" in the problem file).");
        // Said in the option's terms (the API's names its parameter x).
        if (at is not null) Arguments.RequirePoint("--at", point, problem.Variables);
        var report = problem.DerivativesAt(point, order, sparse);
        switch (format)
        {
            case "json": WriteJson(output, report); break;
            case "csv": WriteCsv(output, report); break;
            default: WriteText(output, report); break;
        }
        return ExitCode.Ok;
    }

    /// <summary>
    /// Refuses --loss and --target below order 2: diff and eval print a simulator's loss, its gradient and
    /// Hessian at order 2 only (y and the Jacobian below it), so either option would be ignored.
    /// </summary>
    public static void RefuseUnused(ParseResult result, ProblemOptions options, int order, string command)
    {
        if (order < 2 && options.LossOptionGiven(result) is { } option)
            throw new CliInputException(
                $"{option} shapes the loss, which {command} prints for a simulator at --order 2 only (below it: y{(order == 1 ? " and the Jacobian" : "")}): " +
                $"give --order 2, or leave {option} out.");
    }

    // The number forms are diff's: round-trip digits (DiffCommand.Number) for CSV and JSON, which programs
    // read back; six significant digits (DiffCommand.Short, DiffCommand.Vector) for the text format.
    private static string Matrix(double[,] a) =>
        "[" + string.Join(", ", Enumerable.Range(0, a.GetLength(0))
            .Select(i => DiffCommand.Vector(Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j]).ToArray()))) + "]";

    // Up to ten names, then how many: the header of a 10⁵-variable example stays one line.
    private static string Names(IReadOnlyList<string> names) =>
        names.Count <= 10 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(3))}, …, {names[^1]}";

    private static void WriteText(TextWriter o, SimulatorDerivativeReport r)
    {
        int n = r.Variables.Count, m = r.Outputs.Count;
        o.WriteLine($"simulator: {PhysGrad.Numbers.Count(n, "variable")} ({Names(r.Variables)}), {PhysGrad.Numbers.Count(m, "output")} ({Names(r.Outputs)})");
        o.WriteLine($"at x = {DiffCommand.Vector(r.Point)}:");
        o.WriteLine($"  y = {DiffCommand.Vector(r.Y)}");
        if (r.JacobianAt is { } j)
            o.WriteLine($"  jacobian ({m}×{n}) = {Matrix(j)}");
        else if (r.JacobianAtNonZeros is { } je)
            Entries(o, "jacobian", m, n, je);
        if (r.Loss is { } loss)
        {
            o.WriteLine($"  loss = {DiffCommand.Short(loss)}");
            o.WriteLine($"  gradient = {DiffCommand.Vector(r.GradientAt!)}");
            if (r.HessianAt is { } h)
                o.WriteLine($"  hessian ({n}×{n}) = {Matrix(h)}");
            else
                Entries(o, "hessian", n, n, r.HessianAtNonZeros!);
        }
        foreach (var u in r.Undefined ?? [])
            o.WriteLine($"  undefined: {u}");
    }

    private static void Entries(TextWriter o, string name, int rows, int columns, IReadOnlyList<MatrixEntry> entries)
    {
        o.WriteLine($"  {name} ({rows}×{columns}, {entries.Count} structural nonzeros) (row, column) = value:");
        foreach (var e in entries)
            o.WriteLine($"    ({e.Row}, {e.Column}) = {DiffCommand.Short(e.Value)}");
    }

    // Coordinate form, one number per line: quantity (y, jacobian, loss, gradient, hessian), row and
    // column from 0 (empty where the quantity has none), value. Dense: every entry; sparse: the
    // structural nonzeros of J and the Hessian.
    private static void WriteCsv(TextWriter o, SimulatorDerivativeReport r)
    {
        var sb = new System.Text.StringBuilder();
        // An undefined value is the empty field, and the last column says why.
        sb.Append("quantity,row,column,value,undefinedBecause\n");
        void Line(string quantity, string row, string column, double v, string entry) =>
            sb.Append(quantity).Append(',').Append(row).Append(',').Append(column).Append(',')
                .Append(double.IsNaN(v) ? "" : DiffCommand.Number(v)).Append(',').Append(DiffCommand.Csv(r.UndefinedBecause(entry) ?? "")).Append('\n');
        var (ys, xs) = (r.Outputs, r.Variables);
        for (var i = 0; i < r.Y.Count; i++)
            Line("y", $"{i}", "", r.Y[i], ys[i]);
        foreach (var e in Coordinates(r.JacobianAt, r.JacobianAtNonZeros))
            Line("jacobian", $"{e.Row}", $"{e.Column}", e.Value, $"d{ys[e.Row]}/d{xs[e.Column]}");
        if (r.Loss is { } loss)
        {
            Line("loss", "", "", loss, "L");
            for (var j = 0; j < r.GradientAt!.Count; j++)
                Line("gradient", $"{j}", "", r.GradientAt[j], $"dL/d{xs[j]}");
            foreach (var e in Coordinates(r.HessianAt, r.HessianAtNonZeros))
                Line("hessian", $"{e.Row}", $"{e.Column}", e.Value, $"d2L/d{xs[e.Row]}d{xs[e.Column]}");
        }
        o.Write(sb);
    }


    private static IEnumerable<MatrixEntry> Coordinates(double[,]? dense, IReadOnlyList<MatrixEntry>? sparse)
    {
        if (sparse is not null)
        {
            foreach (var e in sparse) yield return e;
            yield break;
        }
        if (dense is null) yield break;
        for (var i = 0; i < dense.GetLength(0); i++)
            for (var j = 0; j < dense.GetLength(1); j++)
                yield return new MatrixEntry(i, j, dense[i, j]);
    }

    private static void WriteJson(TextWriter o, SimulatorDerivativeReport r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Json.WriterOptions))
        {
            w.WriteStartObject();
            Strings(w, "variables", r.Variables);
            Strings(w, "outputs", r.Outputs);
            Numbers(w, "point", r.Point);
            Numbers(w, "yAt", r.Y);
            Matrix(w, "jacobian", r.Outputs.Count, r.Variables.Count, r.JacobianAt, r.JacobianAtNonZeros);
            if (r.Loss is { } loss)
            {
                w.WritePropertyName("lossAt");
                DiffCommand.JsonNumber(w, loss);
                Numbers(w, "gradientAt", r.GradientAt!);
                Matrix(w, "hessian", r.Variables.Count, r.Variables.Count, r.HessianAt, r.HessianAtNonZeros);
            }
            // The values that are null because they are undefined at the point: entry → reason.
            w.WriteStartObject("undefinedBecause");
            foreach (var u in r.Undefined ?? [])
                w.WriteString(u.Entry, u.Because);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) DiffCommand.JsonNumber(w, v);
        w.WriteEndArray();
    }

    // Dense: "<name>At" as an array of rows. Sparse: "<name>Shape" [rows, columns] and "<name>AtEntries",
    // one {row, column, value} per structural nonzero (the names diff gives a function's sparse Hessian).
    private static void Matrix(Utf8JsonWriter w, string name, int rows, int columns, double[,]? dense, IReadOnlyList<MatrixEntry>? sparse)
    {
        if (sparse is not null)
        {
            w.WriteStartArray(name + "Shape");
            w.WriteNumberValue(rows);
            w.WriteNumberValue(columns);
            w.WriteEndArray();
            w.WriteStartArray(name + "AtEntries");
            foreach (var e in sparse)
            {
                w.WriteStartObject();
                w.WriteNumber("row", e.Row);
                w.WriteNumber("column", e.Column);
                w.WritePropertyName("value");
                DiffCommand.JsonNumber(w, e.Value);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else if (dense is not null)
        {
            w.WriteStartArray(name + "At");
            for (var i = 0; i < rows; i++)
            {
                w.WriteStartArray();
                for (var j = 0; j < columns; j++) DiffCommand.JsonNumber(w, dense[i, j]);
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
    }
}
