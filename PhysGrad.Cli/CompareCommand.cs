using System.CommandLine;

namespace PhysGrad.Cli;

/// <summary><c>physgrad compare</c>: runs optimisers side by side on a problem.</summary>
internal static class CompareCommand
{
    public static Command Create(TextWriter output)
    {
        var command = new Command("compare", "Compare GD, Newton, PG and IG on a problem (default: the book's example).");
        command.SetAction(_ =>
        {
            output.WriteLine("""
                The book's comparison example (THEORY.md §4):
                  simulator  P(x) = [x0, x1^2]
                  loss       L(y) = y0^2 + y1^2   (target: the origin)
                  start      x = [3, 3], 10 iterations
                  methods    GD (eta 0.01), Newton (eta 1/3), PG (eta 0.3), IG (eta 0.3)
                The optimisers that run this comparison are not built yet; today physgrad derives
                gradients and Hessians exactly: try
                  physgrad diff --function "x0^2 + x1^4" --order 2 --at 3,3
                """);
            return ExitCode.Ok;
        });
        return command;
    }
}
