using System.Globalization;
using System.Text.Json;
using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>Runs exported as JSON and CSV: the trajectories, losses, stop reasons and fallbacks.</summary>
public static class RunReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        // Expressions stay readable: '+' and '^' are not escaped (the output is not embedded in HTML).
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>
    /// <c>{"problem":{...},"methods":[{"name","eta","trajectory" (from the start point),"losses","final",
    /// "finalLoss","distance","diagonalAlignment","stopReason","stopDetail","stop" (typed: iteration, criterion,
    /// point kind and Hessian eigenvalues, non-finite quantity/index/value),"fallbacks" (iteration, kind, reason),"wallTimeMs"},...]}</c>.
    /// Non-finite numbers are written as null (JSON has no NaN).
    /// </summary>
    /// <param name="definition">The problem as text.</param>
    /// <param name="results">The runs.</param>
    /// <param name="model">The problem's model when the caller has it (otherwise it is derived again).</param>
    public static string ToJson(ProblemDefinition definition, IReadOnlyList<MethodResult> results, Symbolic.Problem? model = null)
    {
        model ??= definition.ToProblem();
        var document = new
        {
            problem = new
            {
                variables = definition.Variables,
                simulator = definition.Simulator,
                loss = definition.LossText,
                target = definition.Target,
                start = definition.Start,
                inverse = model.Inverse?.Select(Symbolic.Infix.Format),
                inverseSource = model.InverseSource.ToString().ToLowerInvariant(),
            },
            methods = results.Select(r => new
            {
                name = BookExample.ShortName(r.Run.Method),
                eta = r.Run.Eta,
                trajectory = r.Run.Trajectory.Select(p => p.Select(Finite).ToArray()),
                losses = r.Run.Losses.Select(Finite),
                final = r.Run.Final.Select(Finite),
                finalLoss = Finite(r.Run.FinalLoss),
                distance = Finite(r.DistanceToTarget),
                diagonalAlignment = Finite(r.DiagonalAlignment),
                stopReason = r.Run.StopReason.ToString(),
                stopDetail = r.Run.StopDetail,
                stop = new
                {
                    iteration = r.Run.Exit.Iteration,
                    criterion = r.Run.Exit.Criterion?.ToString(),
                    point = r.Run.Exit.Curvature?.Kind.ToString(),
                    eigenvalues = r.Run.Exit.Curvature?.Eigenvalues.Select(Finite),
                    nonFinite = r.Run.Exit.NonFinite is { } bad
                        ? new { quantity = bad.Quantity.ToString(), index = bad.Index, value = bad.Value.ToString(CultureInfo.InvariantCulture) }
                        : null,
                },
                fallbacks = r.Run.Fallbacks.Select(f => new { iteration = f.Iteration, kind = f.Kind.ToString(), reason = f.Reason }),
                wallTimeMs = r.Run.WallTime.TotalMilliseconds,
            }),
        };
        return JsonSerializer.Serialize(document, Options);
    }

    /// <summary>One row per method and iteration: <c>method,eta,iteration,x…,y…,loss</c>, numbers round-trippable.</summary>
    public static string ToCsv(ProblemDefinition definition, IReadOnlyList<OptimizerRun> runs)
    {
        var o = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        o.WriteLine($"method,eta,iteration,{string.Join(",", definition.Variables)},{string.Join(",", definition.Outputs)},loss");
        foreach (var run in runs)
            for (var k = 0; k < run.Trajectory.Count; k++)
            {
                var values = run.Trajectory[k].Concat(run.Outputs[k]).Append(run.Losses[k])
                    .Select(v => v.ToString("R", CultureInfo.InvariantCulture));
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{BookExample.ShortName(run.Method)},{run.Eta:R},{k},") + string.Join(",", values));
            }
        return o.ToString();
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
