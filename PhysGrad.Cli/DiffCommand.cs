using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace PhysGrad.Cli;

/// <summary><c>physgrad diff</c>: the exact gradient or Hessian of a function, optionally evaluated.</summary>
internal static class DiffCommand
{
    private static readonly string[] Formats = ["infix", "latex", "csharp", "json"];

    public static Command Create(TextWriter output)
    {
        var function = new Option<string>("--function", "-f")
        {
            Description = "The function, e.g. \"x0^2 + sin(x1)\".",
            Required = true,
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
        var format = new Option<string>("--format")
        {
            Description = "Output format: infix, latex, csharp or json.",
            DefaultValueFactory = _ => "infix",
        };
        format.AcceptOnlyFromAmong(Formats);

        var command = new Command("diff", "Print the exact gradient (order 1) or Hessian (order 2) of a function.")
        {
            function, vars, order, at, format,
        };
        command.SetAction(result =>
        {
            var names = result.GetValue(vars) is { } v ? Arguments.Names("--vars", v) : null;
            var point = result.GetValue(at) is { } a ? Arguments.Numbers("--at", a) : null;
            var report = Derivatives.Compute(result.GetValue(function)!, names, result.GetValue(order), point);
            switch (result.GetValue(format))
            {
                case "json": WriteJson(output, report); break;
                case "latex": WriteLatex(output, report); break;
                case "csharp": WriteCSharp(output, report); break;
                default: WriteInfix(output, report); break;
            }
            return ExitCode.Ok;
        });
        return command;
    }

    /// <summary>A value as text; a zero is written 0 whatever its sign bit (exact arithmetic has no −0).</summary>
    private static string Number(double x) => NumberText.RoundTrip(x);

    private static string Vector(IReadOnlyList<double> xs) => "[" + string.Join(", ", xs.Select(Number)) + "]";

    private static void WriteInfix(TextWriter o, DerivativeReport r)
    {
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
            o.WriteLine($"at {string.Join(", ", vs.Select((v, i) => $"{v} = {Number(p[i])}"))}:");
            o.WriteLine($"  f = {Number(r.Value!.Value)}");
            o.WriteLine($"  gradient = {Vector(r.GradientAt!)}");
            if (r.HessianAt is { } ha)
                o.WriteLine("  hessian = [" + string.Join(", ", Enumerable.Range(0, vs.Count)
                    .Select(i => Vector(Enumerable.Range(0, vs.Count).Select(j => ha[i, j]).ToArray()))) + "]");
            foreach (var note in r.Notes ?? [])
                o.WriteLine($"  note: {note}");
        }
    }

    private static void WriteLatex(TextWriter o, DerivativeReport r)
    {
        var vs = r.Variables.Select(v => Expression.LatexName(v)).ToArray();
        o.WriteLine($"f = {r.Function.ToLatex()}");
        for (var i = 0; i < vs.Length; i++)
            o.WriteLine($"\\frac{{\\partial f}}{{\\partial {vs[i]}}} = {r.Gradient[i].ToLatex()}");
        if (r.Hessian is { } h)
            for (var i = 0; i < vs.Length; i++)
                for (var j = i; j < vs.Length; j++)
                {
                    var d = i == j ? $"\\partial {vs[i]}^{{2}}" : $"\\partial {vs[i]} \\partial {vs[j]}";
                    o.WriteLine($"\\frac{{\\partial^{{2}} f}}{{{d}}} = {h[i, j].ToLatex()}");
                }
        if (r.Point is { } p)
        {
            o.WriteLine($"% at ({string.Join(", ", p.Select(Number))}): f = {Number(r.Value!.Value)}, gradient = {Vector(r.GradientAt!)}");
            foreach (var note in r.Notes ?? [])
                o.WriteLine($"% note: {note}");
        }
    }

    private static void WriteCSharp(TextWriter o, DerivativeReport r)
    {
        var vs = r.Variables;
        o.WriteLine($"// f({string.Join(", ", vs)})");
        o.WriteLine($"double f = {r.Function.ToCSharp()};");
        for (var i = 0; i < vs.Count; i++)
            o.WriteLine($"double df_d{vs[i]} = {r.Gradient[i].ToCSharp()};");
        if (r.Hessian is { } h)
            for (var i = 0; i < vs.Count; i++)
                for (var j = i; j < vs.Count; j++)
                    o.WriteLine($"double d2f_d{vs[i]}_d{vs[j]} = {h[i, j].ToCSharp()};");
    }

    private static void WriteJson(TextWriter o, DerivativeReport r)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, Json.WriterOptions))
        {
            w.WriteStartObject();
            w.WriteStartArray("variables");
            foreach (var v in r.Variables) w.WriteStringValue(v);
            w.WriteEndArray();
            w.WriteString("function", r.Function.ToInfix());
            w.WriteStartArray("gradient");
            foreach (var g in r.Gradient) w.WriteStringValue(g.ToInfix());
            w.WriteEndArray();
            var n = r.Variables.Count;
            if (r.Hessian is { } h)
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
                w.WriteStartArray("gradientAt");
                foreach (var g in r.GradientAt!) JsonNumber(w, g);
                w.WriteEndArray();
                if (r.HessianAt is { } ha)
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
    private static void JsonNumber(Utf8JsonWriter w, double x)
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
