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
        var command = new Command("compare", "Compare GD, Newton, PG and IG on the book's example (THEORY.md §4).")
        {
            iterations,
        };
        command.SetAction(result =>
        {
            var n = result.GetValue(iterations);
            if (n < 0) throw new CliInputException($"--iterations must be 0 or more, not {n}.");
            output.WriteLine("The book's example: P(x) = [x0, x1^2], L(y) = y0^2 + y1^2, target the origin, start [3, 3].");
            output.WriteLine();
            output.WriteLine($"{"method",-8} {"eta",8} {"final x",-26} {"final loss",12} {"distance",10} {"diagonal",9}  stop");
            foreach (var r in BookExample.Run(n))
            {
                var run = r.Run;
                var x = "[" + string.Join(", ", run.Final.Select(v => v.ToString("F6", CultureInfo.InvariantCulture))) + "]";
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{Name(run.Method),-8} {run.Eta,8:G4} {x,-26} {run.FinalLoss,12:G6} {r.DistanceToTarget,10:G6} {r.DiagonalAlignment,9:F4}  {run.StopReason} ({run.StopDetail})"));
                foreach (var f in run.Fallbacks)
                    output.WriteLine($"         fallback at iteration {f.Iteration}: {f.Reason}");
            }
            output.WriteLine();
            output.WriteLine("Plots, JSON/CSV output, other problems and the other methods come with issue #4.");
            return ExitCode.Ok;
        });
        return command;
    }

    private static string Name(Method m) => m switch
    {
        Method.GradientDescent => "gd",
        Method.Newton => "newton",
        Method.InverseGradient => "ig",
        _ => "pg",
    };
}
