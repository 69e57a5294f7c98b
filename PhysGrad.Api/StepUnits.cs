using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>The unit of one variable's step under one method.</summary>
/// <param name="Variable">The variable.</param>
/// <param name="VariableUnit">Its unit.</param>
/// <param name="Unit">The unit the step carries, or null when it carries none (it mixes units) or
/// could not be measured (see <paramref name="Note"/>).</param>
/// <param name="Consistent">Whether the step has the variable's unit (ignoring scale prefixes).</param>
/// <param name="Note">Why there is no unit, or a fallback the method took; empty otherwise.</param>
/// <param name="Measurable">False when the step was 0 or not finite at the point, so it has no ratio to measure.</param>
/// <param name="FellBack">Whether the method took a fallback step (whose unit is the fallback's, not the method's).</param>
public sealed partial record StepUnit(
    string Variable, PhysicalUnit VariableUnit, PhysicalUnit? Unit, bool Consistent, string Note, bool Measurable = true, bool FellBack = false)
{
    /// <summary><c>x0 [m]: step [1/m], inconsistent</c>, with the note if there is one.</summary>
    public override string ToString() =>
        $"{Variable} [{VariableUnit}]: step {(Unit is null ? "without a unit" : $"[{Unit}]")}, {(Consistent ? "consistent" : "inconsistent")}" +
        (Note.Length > 0 ? $" ({Note})" : "");
}

/// <summary>One method's step units.</summary>
/// <param name="Method">The method.</param>
/// <param name="Steps">One entry per variable.</param>
/// <param name="Note">Why the method does not apply (a non-square Jacobian for IG and PG), else empty.</param>
public sealed partial record MethodUnits(Method Method, IReadOnlyList<StepUnit> Steps, string Note)
{
    /// <summary>Whether every step has its variable's unit.</summary>
    public bool Consistent => Note.Length == 0 && Steps.All(s => s.Consistent);

    /// <summary><c>gd: x0 [m]: step [1/m], inconsistent; …</c>, or the reason it does not apply.</summary>
    public override string ToString() =>
        $"{BookExample.ShortName(Method)}: " + (Note.Length > 0 && Steps.Count == 0 ? Note : string.Join("; ", Steps));
}

/// <summary>
/// The result of measuring step units: one <see cref="MethodUnits"/> per method when the problem has
/// units, or none with <see cref="NotApplicableReason"/> when it has none (then every step would be
/// "dimensionless" and "consistent", which says nothing).
/// </summary>
public sealed class StepUnitsResult : IReadOnlyList<MethodUnits>
{
    private readonly IReadOnlyList<MethodUnits> _methods;

    private StepUnitsResult(IReadOnlyList<MethodUnits> methods, string? reason)
    {
        _methods = methods;
        NotApplicableReason = reason;
    }

    /// <summary>Measured: one entry per method.</summary>
    public static StepUnitsResult Of(IReadOnlyList<MethodUnits> methods) => new(methods, null);

    /// <summary>Not measured, and why.</summary>
    public static StepUnitsResult NotApplicable(string reason) => new([], reason);

    /// <summary>Whether the units were measured (false for a problem without units).</summary>
    public bool Applicable => NotApplicableReason is null;

    /// <summary>The verdict typed: not applicable with <see cref="NotApplicableCause.NoUnits"/> and the reason, or applicable.</summary>
    public Applicability Applicability => Applicable ? Applicability.Yes : Applicability.No(NotApplicableCause.NoUnits, NotApplicableReason!);

    /// <summary>Why nothing was measured, or null when it was.</summary>
    public string? NotApplicableReason { get; }

    /// <inheritdoc/>
    public MethodUnits this[int index] => _methods[index];

    /// <inheritdoc/>
    public int Count => _methods.Count;

    /// <inheritdoc/>
    public IEnumerator<MethodUnits> GetEnumerator() => _methods.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The methods, one per line, or <c>not applicable: </c> and the reason.</summary>
    public override string ToString() =>
        Applicable ? string.Join("\n", _methods) : $"not applicable: {NotApplicableReason}";
}

/// <summary>
/// The unit of each method's step Δxᵢ, measured the way units are defined: by changing the units of
/// measurement. Rescaling a base unit by λ (metres → λ·metres) turns every quantity with exponent e in
/// it into λᵉ times its value. The problem is rewritten in rescaled units (x̃ = S_x x,
/// P̃(x̃) = S_y P(S_x⁻¹ x̃), L̃(ỹ) = s_L L(S_y⁻¹ ỹ), the same physics), each method takes one step in
/// both, and the ratio Δx̃ᵢ/Δxᵢ gives the exponent of each base unit in the step. A ratio that is not
/// a power of λ (or differs between λ = 2 and λ = 3, or fails a joint rescaling of all base units)
/// means the step mixes units and has none. This measures what the optimisers actually compute,
/// fallbacks and all, for any method, including those without a closed form (Adam, HIG).
/// </summary>
public static class StepUnits
{
    /// <summary>The methods measured by default: gd, adam, newton, ig, pg, gn, hig.</summary>
    public static readonly Method[] Methods =
    [
        Method.GradientDescent, Method.Adam, Method.Newton, Method.InverseGradient, Method.PhysicalGradient,
        Method.GaussNewton, Method.HalfInverseGradient,
    ];

    // Loose enough for Adam's ε (its step is dimensionless only up to ε/|g|), tight enough to tell exponents
    // with denominators up to 12 apart (they differ by at least 1/132).
    private const double Tolerance = 1e-4;

    /// <summary>Why a problem without units has no step units to measure (no option or file field named: the CLI adds its own).</summary>
    public const string NoUnitsReason =
        "The problem has no units, so every step would be dimensionless and trivially consistent; give the variables' units (e.g. x0 in m) to measure each step's unit.";

    /// <summary>
    /// <see cref="NoUnitsReason"/> in the problem's own names: the example names its first variable
    /// (<c>e.g. T in m</c> for variables T, k), not an x0 the problem may not have.
    /// </summary>
    public static string NoUnitsReasonFor(IReadOnlyList<string> variables) =>
        variables.Count == 0 ? NoUnitsReason : NoUnitsReason.Replace("e.g. x0 in m", $"e.g. {variables[0]} in m", StringComparison.Ordinal);

    /// <summary>Measures the step unit of each method at the problem's start point.</summary>
    /// <param name="problem">A problem with units (<see cref="Problem.WithUnits"/>).</param>
    /// <param name="methods">The methods (default <see cref="Methods"/>).</param>
    /// <param name="eta">The step size used for the measuring steps (dimensionless).</param>
    /// <returns>One entry per method; not applicable (<see cref="StepUnitsResult.NotApplicableReason"/>)
    /// when the problem has no units.</returns>
    public static StepUnitsResult Measure(Problem problem, IReadOnlyList<Method>? methods = null, double eta = 0.1)
    {
        if (!problem.HasUnits) return StepUnitsResult.NotApplicable(NoUnitsReasonFor(problem.Variables));
        methods ??= Methods;
        var names = problem.Variables.Concat(problem.Outputs).ToArray();
        var units = names.Concat(problem.Parameters.Keys).Select(problem.UnitOf).Append(problem.LossUnit).ToArray();
        var relevant = Enumerable.Range(0, PhysicalUnit.BaseCount)
            .Where(d => units.Any(u => !u.Exponents[d].IsZero)).ToArray();
        var start = problem.Start;
        var baseline = Steps(Rescaled(problem, new double[PhysicalUnit.BaseCount].Select(_ => 1.0).ToArray()), methods, eta, start);

        // Per base unit, rescalings by 2 and by 3; then all base units at once by unrelated factors.
        var single = relevant.Select(d => (d, two: Measure(problem, methods, eta, d, 2.0), three: Measure(problem, methods, eta, d, 3.0))).ToArray();
        var joint = new double[PhysicalUnit.BaseCount];
        for (var d = 0; d < joint.Length; d++) joint[d] = relevant.Contains(d) ? 1.37 + 0.29 * d : 1.0;
        var jointSteps = Steps(Rescaled(problem, joint), methods, eta, Scale(problem, joint, start));

        var result = new List<MethodUnits>();
        for (var k = 0; k < methods.Count; k++)
        {
            if (baseline[k].Error is { } error)
            {
                result.Add(new MethodUnits(methods[k], [], error));
                continue;
            }
            var steps = new List<StepUnit>();
            for (var i = 0; i < problem.Variables.Length; i++)
            {
                var variable = problem.Variables[i];
                var variableUnit = problem.UnitOf(variable);
                var dx = baseline[k].Step![i];
                var fallback = baseline[k].Fallback;
                if (dx == 0 || !double.IsFinite(dx))
                {
                    steps.Add(new StepUnit(variable, variableUnit, null, false,
                        $"the step is {dx} at the start point, so its unit cannot be measured there", Measurable: false));
                    continue;
                }
                var exponents = new Rational[PhysicalUnit.BaseCount];
                for (var d = 0; d < exponents.Length; d++) exponents[d] = Rational.Zero;
                string? mixed = null;
                foreach (var (d, two, three) in single)
                {
                    var e2 = Exponent(two[k].Step?[i] / dx, 2.0);
                    var e3 = Exponent(three[k].Step?[i] / dx, 3.0);
                    if (e2 is null || e3 is null || Math.Abs(e2.Value - e3.Value) > Tolerance || ToRational(e2.Value) is not { } q)
                    {
                        mixed = $"it does not scale as a power of {PhysicalUnit.BaseNames[d]}";
                        break;
                    }
                    exponents[d] = q;
                }
                if (mixed is null)
                {
                    var predicted = 1.0;
                    for (var d = 0; d < exponents.Length; d++) predicted *= Math.Pow(joint[d], exponents[d].ToDouble());
                    var ratio = jointSteps[k].Step?[i] / dx;
                    if (ratio is null || Math.Abs(ratio.Value - predicted) > Tolerance * predicted)
                        mixed = "it does not scale as one unit when all units change together";
                }
                if (mixed is not null)
                {
                    steps.Add(new StepUnit(variable, variableUnit, null, false, $"no unit: {mixed}{(fallback is null ? "" : $" (fallback: {fallback})")}",
                        FellBack: fallback is not null));
                    continue;
                }
                var unit = new PhysicalUnit(1.0, exponents);
                steps.Add(new StepUnit(variable, variableUnit, unit, unit.SameDimension(variableUnit),
                    fallback is null ? "" : $"fallback: {fallback}", FellBack: fallback is not null));
            }
            result.Add(new MethodUnits(methods[k], steps, ""));
        }
        return StepUnitsResult.Of(result);
    }

    private static (double[]? Step, string? Fallback, string? Error)[] Measure(
        Problem problem, IReadOnlyList<Method> methods, double eta, int dimension, double lambda)
    {
        var factors = new double[PhysicalUnit.BaseCount];
        for (var d = 0; d < factors.Length; d++) factors[d] = d == dimension ? lambda : 1.0;
        return Steps(Rescaled(problem, factors), methods, eta, Scale(problem, factors, problem.Start));
    }

    /// <summary>log_λ(ratio), or null for a ratio that is not a positive number.</summary>
    private static double? Exponent(double? ratio, double lambda) =>
        ratio is { } r && r > 0 && double.IsFinite(r) ? Math.Log(r) / Math.Log(lambda) : null;

    /// <summary>The rational with denominator at most 12 within the tolerance of x, if any.</summary>
    private static Rational? ToRational(double x)
    {
        for (var q = 1; q <= 12; q++)
        {
            var p = Math.Round(x * q);
            if (Math.Abs(x * q - p) <= Tolerance * q)
                return Rational.Create(new System.Numerics.BigInteger(p), new System.Numerics.BigInteger(q));
        }
        return null;
    }

    /// <summary>How much a quantity of this unit grows when base unit d is rescaled by factors[d].</summary>
    private static double Factor(PhysicalUnit unit, double[] factors)
    {
        var f = 1.0;
        for (var d = 0; d < factors.Length; d++) f *= Math.Pow(factors[d], unit.Exponents[d].ToDouble());
        return f;
    }

    private static double[] Scale(Problem problem, double[] factors, double[] x) =>
        x.Select((v, i) => v * Factor(problem.UnitOf(problem.Variables[i]), factors)).ToArray();

    /// <summary>The same physics in rescaled units (<see cref="ProblemTransform.Conjugate"/> with each quantity's factor).</summary>
    private static Problem Rescaled(Problem p, double[] factors) =>
        ProblemTransform.Conjugate(
            p.Variables.Select(v => Factor(p.UnitOf(v), factors)).ToArray(),
            p.Outputs.Select(y => Factor(p.UnitOf(y), factors)).ToArray(),
            Factor(p.LossUnit, factors),
            p);

    /// <summary>One step of each method from x; an error text for a method that does not apply.</summary>
    private static (double[]? Step, string? Fallback, string? Error)[] Steps(Problem problem, IReadOnlyList<Method> methods, double eta, double[] x)
    {
        var compiled = new CompiledProblem(problem);
        return methods.Select<Method, (double[]? Step, string? Fallback, string? Error)>(m =>
        {
            if (m is Method.InverseGradient or Method.PhysicalGradient && compiled.M != compiled.N)
                return (null, null, $"{BookExample.ShortName(m)} needs a square Jacobian; this problem has {BookExample.Count(compiled.M, "output")} and {BookExample.Count(compiled.N, "variable")}");
            var run = Optimizer.Run(compiled, m, eta, x, 1);
            if (run.Trajectory.Count < 2) return (null, null, $"{BookExample.ShortName(m)} took no step: {run.StopDetail}");
            var step = run.Trajectory[1].Select((v, i) => v - run.Trajectory[0][i]).ToArray();
            return (step, run.Fallbacks.Count > 0 ? run.Fallbacks[0].Reason : null, null);
        }).ToArray();
    }
}
