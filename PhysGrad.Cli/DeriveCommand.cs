using System.CommandLine;
using System.Text.Json;
using PhysGrad.Numerics;

namespace PhysGrad.Cli;

/// <summary><c>physgrad derive</c>: each method's closed-form update rule for a problem.</summary>
internal static class DeriveCommand
{
    public static Command Create(TextWriter output)
    {
        var methods = new Option<string?>("--methods")
        {
            Description = "Methods, comma-separated: gd, newton, ig, pg, gn (default: all of them).",
        };
        var format = new Option<string>("--format")
        {
            Description = "infix, latex, csharp or json.",
            DefaultValueFactory = _ => "infix",
        };
        format.AcceptOnlyFromAmong("infix", "latex", "csharp", "json");
        var problem = new ProblemOptions();
        var command = new Command("derive", "Print each method's closed-form update rule Δx for a problem (default: the book's example).")
        {
            methods, format,
        };
        problem.AddTo(command);
        command.SetAction(result =>
        {
            var definition = problem.Read(result);
            var chosen = result.GetValue(methods) is { } text
                ? BookExample.ParseMethods(string.Join(",", Arguments.Names("--methods", text).Select(n => n + ":1"))).Select(m => m.Method).ToArray()
                : null;
            var rules = UpdateRuleSet.Derive(definition, chosen);
            var f = result.GetValue(format);
            // The y-step is shown with the methods that use it (all of them when none are chosen).
            var yStep = chosen is null || chosen.Any(m => m is Method.InverseGradient or Method.PhysicalGradient)
                ? TryYStep(definition)
                : null;
            if (f == "json")
            {
                var document = rules.Select(r => new
                {
                    method = BookExample.ShortName(r.Method),
                    steps = r.Variables.Select((v, i) => new { variable = v, step = r.Steps[i].ToInfix() }),
                });
                output.WriteLine(JsonSerializer.Serialize(new
                {
                    variables = definition.Variables,
                    yStep = yStep?.Select((e, i) => new { output = definition.Outputs[i], step = e.ToInfix() }),
                    rules = document,
                }, new JsonSerializerOptions
                {
                    WriteIndented = true,
                    Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                }));
                return ExitCode.Ok;
            }
            if (yStep is not null)
            {
                output.WriteLine(f == "csharp" ? "// the y-step" : "y-step:");
                for (var i = 0; i < yStep.Count; i++)
                {
                    var y = definition.Outputs[i];
                    output.WriteLine(f switch
                    {
                        "latex" => $"  \\Delta {Symbolic.LaTeX.symbolName(y)} = {yStep[i].ToLatex()}",
                        "csharp" => $"double d{y} = {yStep[i].ToCSharp()};",
                        _ => $"  Δ{y} = {yStep[i].ToInfix()}",
                    });
                }
            }
            foreach (var r in rules)
            {
                output.WriteLine(f == "csharp" ? $"// {BookExample.ShortName(r.Method)}" : $"{BookExample.ShortName(r.Method)}:");
                for (var i = 0; i < r.Variables.Count; i++)
                {
                    var v = r.Variables[i];
                    output.WriteLine(f switch
                    {
                        "latex" => $"  \\Delta {Symbolic.LaTeX.symbolName(v)} = {r.Steps[i].ToLatex()}",
                        "csharp" => $"double d{v} = {r.Steps[i].ToCSharp()};",
                        _ => $"  Δ{v} = {r.Steps[i].ToInfix()}",
                    });
                }
            }
            return ExitCode.Ok;
        });
        return command;
    }

    /// <summary>The y-step, or null when the loss has no Newton step in y (a singular Hessian in y).</summary>
    private static IReadOnlyList<Expression>? TryYStep(ProblemDefinition definition)
    {
        try
        {
            return UpdateRuleSet.YStep(definition);
        }
        catch (Symbolic.SymbolicException e) when (e.Kind == Symbolic.ErrorKind.Singular)
        {
            return null;
        }
    }
}
