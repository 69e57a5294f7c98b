using System.Globalization;
using PhysGrad;
using PhysGrad.Numerics;

namespace Quickstart;

/// <summary>
/// A projectile launched with velocity (vx, vy) lands at range R = 2·vx·vy/g and peaks at height
/// H = vy²/(2g). Which launch velocity reaches R = 10 m with apex H = 2.5 m? The physics is an
/// ordinary C# lambda; PhysGrad derives the update rules and runs four optimisers on it.
/// </summary>
public static class Program
{
    // Plots go to the folder given, or to the temporary directory: running the example leaves the
    // working tree (often the repository) as it was.
    public static int Main(string[] args) =>
        Run(Console.Out, args.Length > 0 ? args[0] : Path.Combine(Path.GetTempPath(), "physgrad-quickstart"));

    /// <summary>Runs the example, writing to <paramref name="output"/> and plots into <paramref name="plots"/>.</summary>
    public static int Run(TextWriter output, string plots)
    {
        var g = 9.81; // captured by the lambda: it becomes the parameter g
        var problem = PhysicsProblem.FromLambda(
            v => new[] { 2 * v[0] * v[1] / g, v[1] * v[1] / (2 * g) },
            target: [10.0, 2.5],
            start: [3.0, 4.0]);

        output.WriteLine($"P(v) = [{string.Join(", ", problem.Definition.Simulator)}] with g = {problem.Parameters["g"]}");
        output.WriteLine($"PG's local inverse ({problem.Model.InverseSource.ToString().ToLowerInvariant()}): " +
                         string.Join(", ", problem.Variables.Select((v, i) => $"{v} = {PhysGrad.Symbolic.Infix.Format(problem.Model.Inverse[i])}")));
        foreach (var rule in problem.Rules(Method.InverseGradient, Method.PhysicalGradient))
        {
            output.WriteLine($"{BookExample.ShortName(rule.Method)}:");
            for (var i = 0; i < rule.Variables.Count; i++)
                output.WriteLine($"  Δ{rule.Variables[i]} = {rule.Steps[i].ToInfix()}");
        }

        var results = problem.Compare(
            [(Method.GradientDescent, 0.05), (Method.Newton, 0.5), (Method.InverseGradient, 0.5), (Method.PhysicalGradient, 0.5)],
            iterations: 30);
        output.WriteLine();
        output.WriteLine($"{"method",-8} {"final v",-24} {"final loss",12}  stop");
        foreach (var r in results)
        {
            var v = string.Join(", ", r.Run.Final.Select(a => a.ToString("F6", CultureInfo.InvariantCulture)));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Run.Name,-8} [{v}]{"",-2} {r.Run.FinalLoss,12:G4}  {r.StopCell}"));
        }
        var files = problem.SavePlots(results.Select(r => r.Run).ToArray(), plots);
        output.WriteLine();
        output.WriteLine($"Plots: {string.Join(", ", files.Select(Path.GetFileName))} in {plots}");
        return 0;
    }
}
