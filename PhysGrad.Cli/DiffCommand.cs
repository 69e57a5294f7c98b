using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary><c>physgrad diff</c>: the exact gradient or Hessian of a function, optionally evaluated.</summary>
internal static class DiffCommand
{
    private static readonly string[] Formats = ["infix", "latex", "csharp", "json", "csv"];

    public static Command Create(TextWriter output)
    {
        var function = new Option<string>("--function", "-f")
        {
            Description = "The function, e.g. \"x0^2 + sin(x1)\" (or a simulator: --simulator, --problem or --example).",
        };
        var vars = new Option<string?>("--vars")
        {
            Description = "Variables to differentiate by, comma-separated (default: the function's variables, x2 before x10).",
        };
        var order = new Option<int>("--order")
        {
            Description = "1 for the gradient, 2 for the gradient and the Hessian.",
            DefaultValueFactory = _ => 1,
        };
        order.AcceptOnlyFromAmong("1", "2");
        var at = new Option<string?>("--at")
        {
            Description = "Also evaluate at this point: one value per variable, comma-separated.",
        };
        var format = FormatOption.Create("Output format: infix, latex, csharp, json, or csv (coordinate form, the columns quantity, row, column, expression, value and undefinedBecause).", Formats);
        var sparse = new Option<bool>("--sparse")
        {
            Description = "Give the gradient and the Hessian (a simulator's Jacobian and Hessian) as their structural nonzeros in coordinate form "
                + "(index, or row and column, from 0; both triangles): JSON gradientEntries, hessianEntries and their ...AtEntries (jacobianAtEntries) "
                + "instead of the arrays, CSV and infix without the zero entries; with --format text, json or csv. Without it the output is dense.",
        };

        var command = new Command("diff", "Print the exact gradient (order 1) or Hessian (order 2) of a function, or a simulator's y, Jacobian and loss derivatives at a point.")
        {
            function, vars, order, at, format, sparse,
        };
        var problem = new ProblemOptions(vars);
        problem.AddTo(command);
        command.SetAction(result =>
        {
            if (SimulatorDiff.Chosen(result, function, problem))
                return SimulatorDiff.Run(output, result, problem, result.GetValue(order), result.GetValue(at), result.GetValue(format)!, result.GetValue(sparse));
            // Coordinate form is a list of entries: formulas in LaTeX or C# have no such form, so the
            // combination is refused rather than printed dense as if --sparse had not been given.
            if (result.GetValue(sparse) && result.GetValue(format) is "latex" or "csharp")
                throw new CliInputException(
                    $"--sparse prints the derivatives' structural nonzeros in coordinate form, which --format {result.GetValue(format)} does not have: " +
                    "use --format text, json or csv with --sparse, or leave --sparse out.");
            // C# code computes the derivatives at any point and prints no values: a point would change nothing.
            if (result.GetValue(at) is not null && result.GetValue(format) == "csharp")
                throw new CliInputException(
                    "--at evaluates the derivatives at a point, and --format csharp prints code that computes them at any point, without values: " +
                    "use --format infix, latex, json or csv with --at, or leave --at out.");
            var names = result.GetValue(vars) is { } v ? Arguments.Names("--vars", v) : null;
            var point = result.GetValue(at) is { } a ? Arguments.Numbers("--at", a) : null;
            var asSparse = result.GetValue(sparse);
            var report = Derivatives.Compute(result.GetValue(function)!, names, result.GetValue(order), point, asSparse);
            switch (result.GetValue(format))
            {
                case "json": WriteJson(output, report, asSparse); break;
                case "csv": WriteCsv(output, report, asSparse); break;
                case "latex": WriteLatex(output, report); break;
                case "csharp": WriteCSharp(output, report); break;
                default: WriteInfix(output, report, asSparse); break;
            }
            return ExitCode.Ok;
        });
        return command;
    }

    /// <summary>A value as text; a zero is written 0 whatever its sign bit (exact arithmetic has no −0).</summary>
    internal static string Number(double x) => Numbers.RoundTrip(x);

    /// <summary>A value for reading (the text and LaTeX formats): six significant digits, as every other
    /// text output of the tool (<see cref="Numbers.Short"/>); the CSV and JSON formats keep <see cref="Number"/>'s
    /// round-trip digits, for programs that read them back.</summary>
    internal static string Short(double x) => double.IsNaN(x) ? "undefined" : Numbers.Short(x);

    /// <summary>The undefined values (each with its reason) and the notes on the other entries (an undefined
    /// entry's note is part of its reason), one line each, as <c>undefined: …</c> and <c>note: …</c>.</summary>
    private static IEnumerable<string> Remarks(DerivativeReport r) =>
        (r.Undefined ?? []).Select(u => $"undefined: {u}")
            .Concat((r.Notes ?? []).Where(n => r.UndefinedBecause(n.Entry) is null).Select(n => $"note: {n}"));

    /// <summary>Every value of <paramref name="xs"/> in <see cref="Short"/>'s form: <c>[1, undefined, 0.333333]</c>.</summary>
    internal static string Vector(IReadOnlyList<double> xs) => "[" + string.Join(", ", xs.Select(Short)) + "]";

    private static void WriteInfix(TextWriter o, DerivativeReport r, bool sparse)
    {
        if (sparse)
        {
            WriteInfixSparse(o, r);
            return;
        }
        var vs = r.Variables;
        o.WriteLine($"f({string.Join(", ", vs)}) = {r.Function.ToInfix()}");
        o.WriteLine("gradient:");
        for (var i = 0; i < vs.Count; i++)
            o.WriteLine($"  df/d{vs[i]} = {r.Gradient[i].ToInfix()}");
        if (r.Hessian is { } h)
        {
            o.WriteLine("hessian (symmetric, upper triangle):");
            for (var i = 0; i < vs.Count; i++)
                for (var j = i; j < vs.Count; j++)
                    o.WriteLine($"  d2f/d{vs[i]}d{vs[j]} = {h[i, j].ToInfix()}");
        }
        if (r.Point is { } p)
        {
            o.WriteLine($"at {string.Join(", ", vs.Select((v, i) => $"{v} = {Short(p[i])}"))}:");
            o.WriteLine($"  f = {Short(r.Value!.Value)}");
            o.WriteLine($"  gradient = {Vector(r.GradientAt!)}");
            if (r.HessianAt is { } ha)
                o.WriteLine("  hessian = [" + string.Join(", ", Enumerable.Range(0, vs.Count)
                    .Select(i => Vector(Enumerable.Range(0, vs.Count).Select(j => ha[i, j]).ToArray()))) + "]");
            foreach (var remark in Remarks(r))
                o.WriteLine($"  {remark}");
        }
    }

    // The gradient and the Hessian as their structural nonzeros: the gradient's nonzero entries and the
    // Hessian's upper triangle, symbolic, and at the point every nonzero (the Hessian's both triangles)
    // as (index) = value and (row, column) = value.
    private static void WriteInfixSparse(TextWriter o, DerivativeReport r)
    {
        var vs = r.Variables;
        var gradient = r.GradientNonZeros;
        o.WriteLine($"f({string.Join(", ", vs)}) = {r.Function.ToInfix()}");
        o.WriteLine($"gradient (length {vs.Count}, {Numbers.Count(gradient.Count, "structural nonzero")}):");
        foreach (var i in gradient)
            o.WriteLine($"  df/d{vs[i]} = {r.Gradient[i].ToInfix()}");
        if (r.HessianNonZeros is { } entries)
        {
            o.WriteLine($"hessian ({vs.Count}×{vs.Count}, {Numbers.Count(entries.Count, "structural nonzero")}; symmetric, upper triangle):");
            foreach (var e in entries.Where(e => e.Row <= e.Column))
                o.WriteLine($"  d2f/d{vs[e.Row]}d{vs[e.Column]} = {e.Entry.ToInfix()}");
        }
        if (r.Point is { } p)
        {
            o.WriteLine($"at {string.Join(", ", vs.Select((v, i) => $"{v} = {Short(p[i])}"))}:");
            o.WriteLine($"  f = {Short(r.Value!.Value)}");
            o.WriteLine("  gradient (index) = value:");
            foreach (var i in gradient)
                o.WriteLine($"    ({i}) = {Short(r.GradientAt![i])}");
            if (r.HessianAtNonZeros is { } values)
            {
                o.WriteLine("  hessian (row, column) = value:");
                foreach (var e in values)
                    o.WriteLine($"    ({e.Row}, {e.Column}) = {Short(e.Value)}");
            }
            foreach (var remark in Remarks(r))
                o.WriteLine($"  {remark}");
        }
    }

    // Coordinate form, one entry per line: quantity (f, gradient, hessian), row and column (from 0; empty
    // where the quantity has none), the expression, and its value when a point was given. Dense: every
    // gradient and Hessian entry; sparse: their structural nonzeros only.
    private static void WriteCsv(TextWriter o, DerivativeReport r, bool sparse)
    {
        var at = r.Point is not null;
        // At a point an undefined value is the empty field, and the last column says why.
        o.WriteLine(at ? "quantity,row,column,expression,value,undefinedBecause" : "quantity,row,column,expression");
        var vs = r.Variables;
        string Value(double? v, string entry) => at
            ? "," + (double.IsNaN(v!.Value) ? "" : Number(v.Value)) + "," + Csv(r.UndefinedBecause(entry) ?? "")
            : "";
        o.WriteLine($"f,,,{Csv(r.Function.ToInfix())}{Value(r.Value, "f")}");
        foreach (var i in sparse ? r.GradientNonZeros : Enumerable.Range(0, r.Gradient.Count))
            o.WriteLine($"gradient,{i},,{Csv(r.Gradient[i].ToInfix())}{Value(r.GradientAt?[i], $"df/d{vs[i]}")}");
        if (r.Hessian is not { } h) return;
        var n = r.Variables.Count;
        var entries = sparse
            ? r.HessianNonZeros!
            : [.. from i in Enumerable.Range(0, n) from j in Enumerable.Range(0, n) select new SymbolicEntry(i, j, h[i, j])];
        foreach (var e in entries)
            o.WriteLine($"hessian,{e.Row},{e.Column},{Csv(e.Entry.ToInfix())}{Value(r.HessianAt?[e.Row, e.Column], $"d2f/d{vs[Math.Min(e.Row, e.Column)]}d{vs[Math.Max(e.Row, e.Column)]}")}");
    }

    /// <summary>Text (an expression, a reason) as one CSV field (<see cref="RunReport.CsvField"/>).</summary>
    internal static string Csv(string text) => RunReport.CsvField(text);

    // Each group of equations in one align environment, each line lhs &= rhs, as derive prints its rules
    // (RulePrinter): the output pastes into a document as it is. The point's values are comments between.
    private static void WriteLatex(TextWriter o, DerivativeReport r)
    {
        var vs = r.Variables.Select(v => Expression.LatexName(v)).ToArray();
        var formulas = new List<(string Lhs, string[] Rhs)> { ("f", [r.Function.ToLatex()]) };
        for (var i = 0; i < vs.Length; i++)
            formulas.Add(($"\\frac{{\\partial f}}{{\\partial {vs[i]}}}", [r.Gradient[i].ToLatex()]));
        // The Hessian as the matrix it is (both triangles), as a paper writes it and a document pastes it.
        if (r.Hessian is { } h)
            formulas.Add(("\\nabla^{2} f", LatexMatrix(vs.Length, (i, j) => h[i, j].ToLatex())));
        WriteAlign(o, formulas);
        if (r.Point is { } p)
        {
            o.WriteLine($"% at ({string.Join(", ", p.Select(Short))}): f = {Short(r.Value!.Value)}, gradient = {Vector(r.GradientAt!)}");
            foreach (var remark in Remarks(r))
                o.WriteLine(RulePrinter.Comment("% ", remark));
            if (r.HessianAt is { } ha)
                WriteAlign(o, [($"\\nabla^{{2}} f\\left({string.Join(", ", p.Select(Short))}\\right)", LatexMatrix(vs.Length,
                    (i, j) => double.IsNaN(ha[i, j]) ? "\\text{undefined}" : LatexNumber(Short(ha[i, j]))))]);
        }
    }

    /// <summary>Equations as one <c>align</c> environment, a line <c>lhs &amp;= rhs</c> each (one number each). A
    /// one-line right-hand side longer than <see cref="RulePrinter.LatexWidth"/> goes on several lines as derive cuts
    /// it (<see cref="RulePrinter.AlignEquation"/>, continued after <c>&amp;\quad</c>, unnumbered); a right-hand side of several
    /// lines (a matrix) is written as it is.</summary>
    private static void WriteAlign(TextWriter o, IReadOnlyList<(string Lhs, string[] Rhs)> equations)
    {
        o.WriteLine("\\begin{align}");
        for (var e = 0; e < equations.Count; e++)
        {
            var (lhs, rhs) = equations[e];
            var end = e < equations.Count - 1 ? " \\\\" : "";
            if (rhs.Length > 1)
            {
                // The matrix's lines come indented as they are written (LatexMatrix).
                o.WriteLine($"  {lhs} &= {rhs[0]}");
                for (var k = 1; k < rhs.Length; k++)
                    o.WriteLine(k < rhs.Length - 1 ? rhs[k] : rhs[k] + end);
                continue;
            }
            foreach (var line in RulePrinter.AlignEquation(lhs, rhs[0], end))
                o.WriteLine(line);
        }
        o.WriteLine("\\end{align}");
    }

    /// <summary>An n × n matrix as the lines of <c>\begin{pmatrix} … \end{pmatrix}</c> (each line as written, indented), a
    /// row per line where it fits in 100 columns, else an entry per line (<see cref="RulePrinter.MatrixRow"/>); above
    /// amsmath's 10 columns (MaxMatrixCols) a comment line says how to allow more.</summary>
    private static string[] LatexMatrix(int n, Func<int, int, string> entry)
    {
        var lines = new List<string> { "\\begin{pmatrix}" };
        if (n > 10)
            lines.Add($"    % {n} columns: amsmath's pmatrix takes 10 unless the preamble has \\setcounter{{MaxMatrixCols}}{{{n}}}");
        for (var i = 0; i < n; i++)
            lines.AddRange(RulePrinter.MatrixRow([.. Enumerable.Range(0, n).Select(j => entry(i, j))], i < n - 1 ? " \\\\" : "", "    "));
        lines.Add("  \\end{pmatrix}");
        return [.. lines];
    }

    /// <summary>A value in <see cref="Short"/>'s form as LaTeX: 1.5E-07 as 1.5 \times 10^{-7}.</summary>
    private static string LatexNumber(string text)
    {
        var e = text.IndexOfAny(['E', 'e']);
        if (e < 0) return text;
        var exponent = int.Parse(text[(e + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        return $"{text[..e]} \\times 10^{{{exponent}}}";
    }

    private static void WriteCSharp(TextWriter o, DerivativeReport r)
    {
        var vs = r.Variables;
        var entries = new List<(string Name, Expression Value)> { ("f", r.Function) };
        for (var i = 0; i < vs.Count; i++)
            entries.Add(($"df_d{vs[i]}", r.Gradient[i]));
        if (r.Hessian is { } h)
            for (var i = 0; i < vs.Count; i++)
                for (var j = i; j < vs.Count; j++)
                    entries.Add(($"d2f_d{vs[i]}_d{vs[j]}", h[i, j]));
        // The variables as C# identifiers (a keyword as @int, Math or Sign renamed so that they do not hide
        // the Math class or a helper), then each local an identifier that is none of them (f * x declares f_
        // when a variable is named f).
        var variable = Expression.CSharpIdentifiers(vs, []);
        var locals = entries.SelectMany(e => new[] { e.Name, e.Name + "_stable" }).ToArray();
        var local = Expression.CSharpIdentifiers(locals, vs.Concat(variable.Values));
        Func<string, string> name = v => variable[v];
        var lines = new List<string>();
        // Each line reads as the formula does; where the stable form computes what it cannot (an exponential
        // overflowing inside, or log(1 + exp(u)) rounding exp(u) away), that form follows as a second variable, with the probe that shows why.
        foreach (var (n, e) in entries)
        {
            lines.Add(Expression.CSharpStatement($"double {local[n]} = ", e.ToCSharpCallingHelpers(name), ";"));
            if (e.StableFormDifference(vs) is { } why)
                lines.Add($"// {local[n]} rearranged so that no exponential overflows inside or is rounded away beside 1 ({why}):\n"
                    + Expression.CSharpStatement($"double {local[n + "_stable"]} = ", e.ToCSharpStable(name, callingHelpers: true), ";"));
        }
        o.WriteLine($"// f({string.Join(", ", vs)})");
        // As derive's C#: a constant no double holds computes ±∞, NaN or 0 in the code, where the formula has a value.
        if (RulePrinter.ConstantsBeyondDoubles(entries.Select(e => e.Value)) is { Count: > 0 } beyond)
            o.WriteLine($"// Warning: {(beyond.Count == 1 ? "the constant" : "the constants")} {string.Join(", ", beyond)} {(beyond.Count == 1 ? "is" : "are")} beyond doubles: " +
                "this code computes ±∞, NaN or 0 where the formula does not; rescale the function so that its constants are doubles.");
        var renamed = Expression.CSharpRenamedNote(variable.Concat(local).Where(p => p.Key != p.Value && !p.Key.EndsWith("_stable")).ToDictionary());
        if (renamed.Length > 0) o.Write(renamed);
        foreach (var line in lines) o.WriteLine(line);
        // sign, log1p and expm1 as local functions, defined once after the statements that call them.
        foreach (var helper in Expression.CSharpHelpers(string.Join("\n", lines)))
            o.WriteLine(helper);
    }

    private static void WriteJson(TextWriter o, DerivativeReport r, bool sparse)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Json.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("variables");
            foreach (var v in r.Variables) w.WriteStringValue(v);
            w.WriteEndArray();
            w.WriteString("function", r.Function.ToInfix());
            var n = r.Variables.Count;
            if (sparse)
            {
                // Coordinate form: the length, then one {index, expression} per structural nonzero.
                w.WriteStartArray("gradientShape");
                w.WriteNumberValue(n);
                w.WriteEndArray();
                w.WriteStartArray("gradientEntries");
                foreach (var i in r.GradientNonZeros)
                {
                    w.WriteStartObject();
                    w.WriteNumber("index", i);
                    w.WriteString("expression", r.Gradient[i].ToInfix());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            else
            {
                w.WriteStartArray("gradient");
                foreach (var g in r.Gradient) w.WriteStringValue(g.ToInfix());
                w.WriteEndArray();
            }
            if (sparse && r.HessianNonZeros is { } nonzeros)
            {
                // Coordinate form: the shape, then one {row, column, expression} per structural nonzero.
                w.WriteStartArray("hessianShape");
                w.WriteNumberValue(n);
                w.WriteNumberValue(n);
                w.WriteEndArray();
                w.WriteStartArray("hessianEntries");
                foreach (var e in nonzeros)
                {
                    w.WriteStartObject();
                    w.WriteNumber("row", e.Row);
                    w.WriteNumber("column", e.Column);
                    w.WriteString("expression", e.Entry.ToInfix());
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            else if (r.Hessian is { } h)
            {
                w.WriteStartArray("hessian");
                for (var i = 0; i < n; i++)
                {
                    w.WriteStartArray();
                    for (var j = 0; j < n; j++) w.WriteStringValue(h[i, j].ToInfix());
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            if (r.Point is not null)
            {
                w.WritePropertyName("value");
                JsonNumber(w, r.Value!.Value);
                if (sparse)
                {
                    w.WriteStartArray("gradientAtEntries");
                    foreach (var i in r.GradientNonZeros)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", i);
                        w.WritePropertyName("value");
                        JsonNumber(w, r.GradientAt![i]);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                else
                {
                    w.WriteStartArray("gradientAt");
                    foreach (var g in r.GradientAt!) JsonNumber(w, g);
                    w.WriteEndArray();
                }
                if (sparse && r.HessianAtNonZeros is { } values)
                {
                    w.WriteStartArray("hessianAtEntries");
                    foreach (var e in values)
                    {
                        w.WriteStartObject();
                        w.WriteNumber("row", e.Row);
                        w.WriteNumber("column", e.Column);
                        w.WritePropertyName("value");
                        JsonNumber(w, e.Value);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                else if (r.HessianAt is { } ha)
                {
                    w.WriteStartArray("hessianAt");
                    for (var i = 0; i < n; i++)
                    {
                        w.WriteStartArray();
                        for (var j = 0; j < n; j++) JsonNumber(w, ha[i, j]);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                // The values that are null because they are undefined at the point: entry → reason.
                w.WriteStartObject("undefinedBecause");
                foreach (var u in r.Undefined ?? [])
                    w.WriteString(u.Entry, u.Because);
                w.WriteEndObject();
                // Entries whose formula is not finite at the point: how each was settled.
                w.WriteStartArray("notes");
                foreach (var note in r.Notes ?? [])
                {
                    w.WriteStartObject();
                    w.WriteString("entry", note.Entry);
                    w.WriteString("source", JsonSource(note.Source));
                    w.WriteString("message", note.Message);
                    // The formula's value there was only the convention sign(0) = 0 (a subgradient at a kink).
                    w.WriteBoolean("convention", note.Convention);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        o.WriteLine(System.Text.Encoding.UTF8.GetString(stream.ToArray()));
    }

    /// <summary>JSON has no NaN or infinity: a value outside the function's domain is written as null.</summary>
    internal static void JsonNumber(Utf8JsonWriter w, double x)
    {
        if (double.IsFinite(x)) w.WriteNumberValue(x == 0 ? 0.0 : x);
        else w.WriteNullValue();
    }

    private static string JsonSource(PointValueSource s) => s switch
    {
        PointValueSource.Limit => "limit",
        PointValueSource.OneSidedLimit => "one-sided limit",
        PointValueSource.NotDifferentiable => "not differentiable",
        PointValueSource.Undecided => "undecided",
        _ => "formula",
    };
}
