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
        Converters = { new NumberText.JsonDouble() },
    };

    /// <summary>
    /// <c>{"problem":{...},"methods":[{"name","eta","trajectory" (from the start point),"losses","final",
    /// "finalLoss","distance","distanceSpace" ("x" or "y"),"diagonalAlignment","stopReason","stopDetail","stop" (typed: iteration,
    /// criterion, point kind and Hessian eigenvalues, non-finite quantity/index/value),"fallbacks" (iteration, kind, reason),"wallTimeMs"},...]}</c>.
    /// Non-finite numbers are written as null (JSON has no NaN).
    /// </summary>
    /// <param name="definition">The problem as text.</param>
    /// <param name="results">The runs.</param>
    /// <param name="model">The problem's model when the caller has it (otherwise it is derived again).</param>
    /// <param name="target">x* of the comparison (<see cref="Comparison.Target"/>), written as "targetX" with
    /// "targetXKind" ("preimageNearStart", …, "none") and "targetXNote"; omitted when null.</param>
    public static string ToJson(ProblemDefinition definition, IReadOnlyList<MethodResult> results, Symbolic.Problem? model = null, TargetPoint? target = null)
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
                // The inverse is derived only when a rule asked for it: a report of rules that did not
                // says "not derived" rather than paying for a derivation here.
                inverse = model.IsInverseResolved ? model.Inverse?.Select(Symbolic.Infix.Format) : null,
                inverseSource = model.IsInverseResolved ? model.InverseSource.ToString().ToLowerInvariant() : "not derived",
                targetX = target?.X?.Select(Finite),
                targetXKind = target is null ? null : JsonNamingPolicy.CamelCase.ConvertName(target.Kind.ToString()),
                targetXNote = target?.Note,
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
                distanceSpace = r.DistanceSpace,
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
                    .Select(NumberText.RoundTrip);
                o.WriteLine($"{BookExample.ShortName(run.Method)},{NumberText.RoundTrip(run.Eta)},{k}," + string.Join(",", values));
            }
        return o.ToString();
    }

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;

    /// <summary>
    /// A number for a table: <paramref name="significant"/> significant digits, fixed-point from 10⁻⁴ up to
    /// 10⁶ (<c>0.0718130</c>, <c>6.86389</c>) and E-notation beyond (<c>1.92416E-07</c>, <c>2.45000E+12</c>),
    /// so that columns keep one width at any size; <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> as such.
    /// </summary>
    public static string FormatNumber(double value, int significant = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(significant, 1);
        if (!double.IsFinite(value)) return value.ToString(CultureInfo.InvariantCulture);
        value = value == 0 ? 0.0 : value;
        if (value == 0) return (0.0).ToString("F" + (significant - 1), CultureInfo.InvariantCulture);
        var a = Math.Abs(value);
        if (a >= 1e-4 && a < 1e6)
        {
            // Rounding may carry into the next decade (9.999996 → 10.0000): count digits after rounding.
            var decimals = Math.Max(0, significant - 1 - (int)Math.Floor(Math.Log10(a)));
            var rounded = Math.Round(a, Math.Min(decimals, 15));
            decimals = Math.Max(0, significant - 1 - (int)Math.Floor(Math.Log10(rounded)));
            if (rounded < 1e6) return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
        }
        return value.ToString("0." + new string('0', significant - 1) + "E+00", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A vector for a table: <c>[0.100000, 0.200000]</c> in full up to <paramref name="shown"/> values,
    /// else the first two, an ellipsis and the last with the count: <c>[0.1, 0.2, …, 0.9] (100 values)</c>.
    /// </summary>
    public static string FormatVector(IReadOnlyList<double> values, int shown = 4, int significant = 6)
    {
        string F(double v) => FormatNumber(v, significant);
        return values.Count <= shown
            ? "[" + string.Join(", ", values.Select(F)) + "]"
            : $"[{F(values[0])}, {F(values[1])}, …, {F(values[^1])}] ({values.Count} values)";
    }
}
