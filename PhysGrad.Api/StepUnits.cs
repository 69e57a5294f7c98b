using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>The unit of one variable's step under one method.</summary>
/// <param name="Variable">The variable.</param>
/// <param name="VariableUnit">Its unit.</param>
/// <param name="Unit">The unit the step carries, scale included (<c>ms^3</c>, <c>1e-11 s^3</c>), or null when it
/// carries none (it mixes units) or could not be measured (see <paramref name="Note"/>).</param>
/// <param name="Consistent">Whether the step has the variable's unit, scale included: a step in s for a variable in
/// ms is not consistent (its number would be added to a number of ms; the note says so).</param>
/// <param name="Note">Why there is no unit, or a fallback the method took; empty otherwise.</param>
/// <param name="Measurable">False when the step was 0 or not finite at the point, so it has no ratio to measure.</param>
/// <param name="FellBack">Whether the method took a fallback step (whose unit is the fallback's, not the method's).</param>
public sealed partial record StepUnit(
    string Variable, PhysicalUnit VariableUnit, PhysicalUnit? Unit, bool Consistent, string Note, bool Measurable = true, bool FellBack = false)
{
    /// <summary><c>x0 [m]: step [1/m], inconsistent</c>, with the note if there is one.</summary>
    public override string ToString() =>
        $"{Variable} [{VariableUnit}]: step {(Unit is null ? "without a unit" : $"[{UnitText}]")}, {(Consistent ? "consistent" : "inconsistent")}" +
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
/// The unit of each method's step Δxᵢ, scale included, measured the way units are defined: by changing the
/// units of measurement. Each distinct unit a variable or output is in (and a custom loss's) is one unit of
/// measurement that may change on its own: ms and s are two, because a number in ms and a number in s are
/// different numbers for the same duration, and a method that adds them (Gauss–Newton's JᵀJ summing a
/// row in ms with one in s) computes a step that changes with the units chosen, not only by a factor. Only
/// the pure number 1 never changes. Changing unit k by λₖ turns each quantity in it into λₖ times its
/// number; the problem is rewritten in the changed units (x̃ = S_x x, P̃(x̃) = S_y P(S_x⁻¹ x̃),
/// L̃(ỹ) = s_L L(S_y⁻¹ ỹ), the same physics, parameters kept inside P and L), each method takes one step in
/// both, and Δx̃ᵢ/Δxᵢ = λₖ^eₖ gives the step's exponent eₖ on unit k. The step's unit is then the product
/// Πₖ uₖ^eₖ of the given units, so its scale follows from theirs (ms³ = 10⁻⁹ s³, ms·s² = 10⁻³ s³) and it
/// prints in SI base units with a prefix or factor. A ratio that is not a power of λ (or differs between
/// λ = 2 and λ = 3, or fails a joint change of all units) means the step mixes units and has none. The
/// default loss ½‖y − y*‖² is in u² when every output is in u, and a pure number
/// Σ ((yⱼ − y*ⱼ)/uⱼ)² otherwise (each uⱼ with its scale); a custom loss is in the unit inferred for it.
/// This measures what the optimisers actually compute, fallbacks and all, for any method, including those
/// without a closed form (Adam, HIG).
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

    /// <summary>
    /// Measures the step unit of each method at the problem's start point. A step entry that cannot be read
    /// there (0 or rounding noise at a point where it vanishes by symmetry, as at the cells of
    /// <c>heat1d-inverse</c> where the sine target is 0) is read at two points near the start instead, and
    /// the unit is taken when both agree: the unit of a step is the method's and the problem's, not the
    /// point's, so symmetric variables get one verdict. Adam is measured without its ε (see
    /// <see cref="AdamNote"/>), which every one of its steps then names.
    /// </summary>
    /// <param name="problem">A problem with units (<see cref="Problem.WithUnits"/>).</param>
    /// <param name="methods">The methods (default <see cref="Methods"/>).</param>
    /// <param name="eta">The step size used for the measuring steps (dimensionless).</param>
    /// <returns>One entry per method, each step's unit with its scale (<see cref="StepUnit.Unit"/>);
    /// not applicable (<see cref="StepUnitsResult.NotApplicableReason"/>) when the problem has no units.</returns>
    public static StepUnitsResult Measure(Problem problem, IReadOnlyList<Method>? methods = null, double eta = 0.1)
    {
        if (!problem.HasUnits) return StepUnitsResult.NotApplicable(NoUnitsReasonFor(problem.Variables));
        methods ??= Methods;
        var units = GivenUnits.Of(problem);
        var atStart = Read(units, methods, eta, problem.Start);
        // Points near the start, read only when some entry could not be read at the start itself.
        (Reading[]? Readings, string? Error)[][]? near = null;
        if (atStart.Any(m => m.Readings is { } readings && readings.Any(r => !Readable(r, readings))))
            near = [.. Enumerable.Range(1, 2).Select(k => Read(units, methods, eta, NearPoint(problem.Start, k)))];
        var given = problem.Variables.Concat(problem.Outputs).Select(problem.UnitOf).ToArray();

        var result = new List<MethodUnits>();
        for (var m = 0; m < methods.Count; m++)
        {
            if (atStart[m].Readings is not { } readings)
            {
                result.Add(new MethodUnits(methods[m], [], atStart[m].Error!));
                continue;
            }
            var largest = readings.Max(r => double.IsFinite(r.Step) ? Math.Abs(r.Step) : 0);
            var steps = new List<StepUnit>();
            for (var i = 0; i < problem.Variables.Length; i++)
            {
                var variable = problem.Variables[i];
                var variableUnit = problem.UnitOf(variable);
                var reading = readings[i];
                var notes = new List<string>();
                var nearby = near?.Select(point => point[m].Readings is { } r && Readable(r[i], r) ? r[i].Exponents : null).ToArray();
                if (!Readable(reading, readings) && nearby is [{ } first, { } second] && first.SequenceEqual(second))
                {
                    notes.Add(reading.NoStep is { } none ? $"measured at two points near the start, where {none}" :
                        $"measured at two points near the start, where Δ{variable} = {NumberText.Short(reading.Step, 3)}" +
                        (reading.Step == 0 || !double.IsFinite(reading.Step) || largest == 0 ? " has no ratio to measure" : $" ({NumberText.Short(Math.Abs(reading.Step) / largest, 2)} of the largest entry) is rounding"));
                    reading = reading with { Exponents = first, Mixed = null };
                }
                var fallback = reading.Fallback;
                if (reading.Exponents is null && reading.Mixed is null)
                {
                    steps.Add(new StepUnit(variable, variableUnit, null, false,
                        reading.NoStep is { } none ? $"{none}, and no step near it has a unit to measure"
                        : $"the step is {reading.Step} at the start point, so its unit cannot be measured there", Measurable: false));
                    continue;
                }
                // Gauss–Newton and HIG work on JᵀJ (its SVD): where the theory gives their steps no unit, the
                // row says why in the problem's units (the loss adds [km/ms]² and [ms]²), as check does.
                var caveat = methods[m] is Method.GaussNewton or Method.HalfInverseGradient ? LeastSquaresCaveat(problem, methods[m]) : null;
                if (reading.Exponents is null)
                {
                    steps.Add(new StepUnit(variable, variableUnit, null, false,
                        $"no unit: {(caveat is null ? "" : caveat + "; measured: ")}{reading.Mixed}{(fallback is null ? "" : $" (fallback: {fallback})")}",
                        FellBack: fallback is not null));
                    continue;
                }
                var unit = units.Product(reading.Exponents);
                if (unit.SameDimension(variableUnit) && !unit.Equals(variableUnit))
                    notes.Insert(0, ScaleNote(unit, variableUnit));
                var consistent = unit.Equals(variableUnit);
                if (!consistent && caveat is not null) notes.Add(caveat);
                if (methods[m] == Method.Adam && AdamNote(variable, problem.LossUnit / variableUnit, given) is { } adam)
                {
                    notes.Add(adam);
                    consistent = false;
                }
                if (fallback is not null) notes.Add($"fallback: {fallback}");
                steps.Add(new StepUnit(variable, variableUnit, unit, consistent, string.Join("; ", notes), FellBack: fallback is not null) { Given = given });
            }
            result.Add(new MethodUnits(methods[m], steps, ""));
        }
        return StepUnitsResult.Of(result);
    }

    /// <summary>
    /// Why Adam's step is not in the unit measured for it: Adam divides by √v̂ + ε, and ε (1e-8) is a fixed
    /// number while √v̂ is in ∂L/∂xᵢ's unit, so the step is a pure number only where |∂L/∂xᵢ| ≫ ε in that
    /// unit, and changes with the units chosen elsewhere (by how much depends on the point, not on the
    /// variable: that is why the measurement leaves ε out and says so for every variable alike). Null when
    /// ∂L/∂xᵢ is a pure number, so that ε is one too.
    /// </summary>
    /// <param name="variable">The variable whose row the note is for (named in ∂L/∂x0).</param>
    /// <param name="gradientUnit">∂L/∂x's unit, scale included.</param>
    /// <param name="given">The units the problem was given in, which the note writes ∂L/∂x's unit in (the
    /// step column's form, <c>km^2*ms</c>, not SI base units with a prefix of their own, <c>m^2*ks</c>).</param>
    internal static string? AdamNote(string variable, PhysicalUnit gradientUnit, IEnumerable<PhysicalUnit> given)
    {
        if (gradientUnit.Equals(PhysicalUnit.One)) return null;
        var unit = gradientUnit.TextIn(given);
        return $"up to ε: Adam adds ε = {NumberText.Short(AdamEpsilon)}, a pure number, to √v̂ in [{unit}] (∂L/∂{variable}'s unit), " +
            $"so the step changes with the units where |∂L/∂{variable}| is not ≫ {NumberText.Short(AdamEpsilon)} [{unit}]";
    }

    /// <summary>
    /// Why the theory gives Gauss–Newton's step (or HIG's) no unit on this problem, in its units; null where
    /// Gauss–Newton's step has each xᵢ's unit (docs/theory.md §3, property 1). Its step −J⁺·∂L/∂y treats
    /// ∂L/∂y as a residual in y's unit and J⁺ = (JᵀJ)⁻¹Jᵀ adds squares of J's rows: that is unit-consistent
    /// only when (a) every output is in one unit u, (b) the loss is in u² (the plain sum of squares
    /// ½‖y − y*‖² is), and (c) for fewer outputs than variables, whose minimum-norm step adds squares of
    /// the variables, every variable is in one unit too. With outputs in different units the plain sum of
    /// squares is itself not unit-consistent (it adds [km/ms]² and [ms]²); it is read as Σ ((yⱼ − y*ⱼ)/uⱼ)²,
    /// whose gradient ∂L/∂yⱼ is in 1/uⱼ, not uⱼ, so J⁺ maps it to no unit (IG's Δy = −H_y⁻¹ ∂L/∂y stays in uⱼ).
    /// Both <c>physgrad units</c> (on the rows) and <c>physgrad check</c> (property 1) say this text.
    /// </summary>
    /// <param name="problem">A problem with units.</param>
    /// <param name="method">Gauss–Newton (default) or HIG, named in the text.</param>
    public static string? LeastSquaresCaveat(Problem problem, Method method = Method.GaussNewton)
    {
        if (!problem.HasUnits) return null;
        var who = method == Method.HalfInverseGradient ? "HIG's SVD of J" : "Gauss–Newton's JᵀJ";
        static PhysicalUnit[] Distinct(IEnumerable<PhysicalUnit> units) =>
            units.Aggregate(new List<PhysicalUnit>(), (list, u) => { if (!list.Any(v => v.Equals(u))) list.Add(u); return list; }).ToArray();
        // In the units the variables were given in, as the Outputs and Loss lines of physgrad units write them
        // ([km/ms], not [Mm/s]).
        var given = problem.Variables.Select(problem.UnitOf).ToArray();
        string Text(PhysicalUnit u) => u.TextIn(given);
        string Squares(PhysicalUnit[] units) =>
            string.Join(units.Length == 2 ? " and " : ", ", units.Select(u => $"[{Text(u.Pow(Rational.OfInt(2)))}]"));
        var outputs = Distinct(problem.Outputs.Select(problem.UnitOf));
        if (outputs.Length > 1)
            return (problem.HasDefaultLoss ? $"the loss ½‖y − y*‖² adds {Squares(outputs)}, as {who} does" : $"{who} adds {Squares(outputs)}") +
                " (outputs in different units): the step has x's unit only when all outputs share one";
        if (outputs.Length == 1 && !problem.LossUnit.Equals(outputs[0].Pow(Rational.OfInt(2))))
            return $"the loss is in [{Text(problem.LossUnit)}], not in the outputs' unit squared, [{Text(outputs[0].Pow(Rational.OfInt(2)))}]: " +
                $"{(method == Method.HalfInverseGradient ? "HIG's V Σ^(−1/2) Uᵀ" : "Gauss–Newton's J⁺")} maps ∂L/∂y, in [{Text(problem.LossUnit / outputs[0])}], as if it were a residual in [{Text(outputs[0])}]";
        var variables = Distinct(problem.Variables.Select(problem.UnitOf));
        if (problem.Outputs.Length < problem.Variables.Length && variables.Length > 1)
            return $"with fewer outputs ({problem.Outputs.Length}) than variables ({problem.Variables.Length}) the minimum-norm step adds " +
                $"{Squares(variables)} (variables in different units): the step has x's unit only when all variables share one";
        return null;
    }

    private static readonly double AdamEpsilon = new Adam(1).Epsilon;

    /// <summary>
    /// A point near x: each xᵢ moved by up to 10% of its own size (of the largest |xⱼ| when xᵢ = 0, of 1
    /// when all are 0), by fixed pseudo-random fractions (seed k), so that no entry of a step vanishes there
    /// by a symmetry of x.
    /// </summary>
    private static double[] NearPoint(double[] x, int k)
    {
        var random = new Random(20261201 + k);
        var largest = x.Length == 0 ? 0 : x.Max(Math.Abs);
        return x.Select(v => v + 0.1 * (2 * random.NextDouble() - 1) * (v != 0 ? Math.Abs(v) : largest > 0 ? largest : 1)).ToArray();
    }

    /// <summary>
    /// Whether an entry's reading at a point stands: it scales by a power of every factor, and it is more than
    /// 10⁻¹⁰ of the largest entry of its step. An entry below that is rounding left where the step's entry
    /// vanishes (a sum of terms the size of the largest entry, cancelling), whose ratios happen to be exact
    /// for a factor 2 (a power of two scales doubles exactly) and not for 3: it is read near the point instead.
    /// </summary>
    private static bool Readable(Reading reading, Reading[] step) =>
        reading.Exponents is not null && Math.Abs(reading.Step) > 1e-10 * step.Max(r => double.IsFinite(r.Step) ? Math.Abs(r.Step) : 0);

    /// <summary>
    /// What one step entry says at one point: its exponents on the given units when every change of units
    /// scales it by a power of the factor (<see cref="Exponents"/>), why not otherwise (<see cref="Mixed"/>),
    /// or neither when the step is 0 or not finite there (<see cref="Step"/>).
    /// </summary>
    private sealed record Reading(double Step, Rational[]? Exponents, string? Mixed, string? Fallback, string? NoStep = null);

    /// <summary>The readings of every method's step entries at x, or why the method does not apply (or took no step).</summary>
    private static (Reading[]? Readings, string? Error)[] Read(GivenUnits units, IReadOnlyList<Method> methods, double eta, double[] x)
    {
        var baseline = Steps(units.Rescaled(Enumerable.Repeat(1.0, units.Count).ToArray()), methods, eta, x);
        // Per unit, changes by 2 and by 3; then all units at once by unrelated factors.
        var single = Enumerable.Range(0, units.Count)
            .Select(k => (k, two: Changed(units, methods, eta, x, k, 2.0), three: Changed(units, methods, eta, x, k, 3.0))).ToArray();
        var joint = Enumerable.Range(0, units.Count).Select(k => 1.37 + 0.29 * k).ToArray();
        var jointSteps = Steps(units.Rescaled(joint), methods, eta, units.ScalePoint(x, joint));
        return methods.Select((_, m) => baseline[m].Error is { } error ? (null, error) : ((Reading[]?)Enumerable.Range(0, x.Length).Select(i =>
        {
            var dx = baseline[m].Step![i];
            var fallback = baseline[m].Fallback;
            if (dx == 0 || !double.IsFinite(dx)) return new Reading(dx, null, null, fallback, baseline[m].NoStep);
            var exponents = new Rational[units.Count];
            foreach (var (k, two, three) in single)
            {
                var e2 = Exponent(two[m].Step?[i] / dx, 2.0);
                var e3 = Exponent(three[m].Step?[i] / dx, 3.0);
                if (e2 is null || e3 is null || Math.Abs(e2.Value - e3.Value) > Tolerance || ToRational(e2.Value) is not { } q)
                    // Said from the unit rescaled, so that x1's row naming x0's unit reads as what it is:
                    // the step of x1 depends on how x0 is measured, but not as a power.
                    return new Reading(dx, null, $"rescaling {units.Describe(k)} changes this step, but not by a power of the factor", fallback);
                exponents[k] = q;
            }
            var predicted = 1.0;
            for (var k = 0; k < exponents.Length; k++) predicted *= Math.Pow(joint[k], exponents[k].ToDouble());
            var ratio = jointSteps[m].Step?[i] / dx;
            return ratio is null || Math.Abs(ratio.Value - predicted) > Tolerance * predicted
                ? new Reading(dx, null, "it does not scale as one unit when all units change together", fallback)
                : new Reading(dx, exponents, null, fallback);
        }).ToArray(), (string?)null)).ToArray();
    }

    /// <summary>
    /// Why a step of the variable's dimension is still not in its unit: <c>the dimension of [s], not its
    /// scale: [µs] = 1e-6 [s]</c>. Such a step is a number of µs added to a number of s, so its size depends
    /// on the units chosen. The units are in brackets, so that a dimensionless one reads as a unit
    /// (<c>[1] = 1e3 [1e-3]</c>).
    /// </summary>
    internal static string ScaleNote(PhysicalUnit step, PhysicalUnit variable) =>
        $"the dimension of [{variable}], not its scale: [{step}] = {step.RelativeTo(variable)} [{variable}]";

    private static (double[]? Step, string? Fallback, string? Error, string? NoStep)[] Changed(
        GivenUnits units, IReadOnlyList<Method> methods, double eta, double[] x, int unit, double lambda)
    {
        var factors = Enumerable.Range(0, units.Count).Select(k => k == unit ? lambda : 1.0).ToArray();
        return Steps(units.Rescaled(factors), methods, eta, units.ScalePoint(x, factors));
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

    /// <summary>One step of each method from x; an error text for a method that does not apply.</summary>
    private static (double[]? Step, string? Fallback, string? Error, string? NoStep)[] Steps(Problem problem, IReadOnlyList<Method> methods, double eta, double[] x)
    {
        var compiled = new CompiledProblem(problem);
        return methods.Select<Method, (double[]? Step, string? Fallback, string? Error, string? NoStep)>(m =>
        {
            if (m is Method.InverseGradient or Method.PhysicalGradient && compiled.M != compiled.N)
                return (null, null, $"{BookExample.ShortName(m)} needs a square Jacobian; this problem has {NumberText.Count(compiled.M, "output")} and {NumberText.Count(compiled.N, "variable")}", null);
            // Adam without its ε (the smallest positive double): the unit of its formula, which ε would
            // blur by ε/|∂L/∂xᵢ| at one point and not at another (AdamNote says so for every variable).
            var run = m == Method.Adam
                ? Optimizer.Run(compiled, new Adam(eta, epsilon: double.Epsilon), x, 1)
                : Optimizer.Run(compiled, m, eta, x, 1);
            // No step at x (a start at the minimum): a zero step, which is read near x like any zero entry.
            // The step tried, also where it leaves the domain (GD on sqrt(x0) towards y* = −1 in some of the units).
            if ((run.FirstStep ?? run.FirstStepTried) is not { } step) return (new double[x.Length], null, null, $"{BookExample.ShortName(m)} took no step: {run.StopDetail}");
            // The rule's Δx itself: x₁ − x₀ rounds a step small next to x₀ away (1e-6·x0² at x0 = 2 km: the
            // rescaled steps differed by x's rounding, not by a power of the factor).
            return (step, run.Fallbacks.Count > 0 ? run.Fallbacks[0].Reason : null, null, null);
        }).ToArray();
    }

    /// <summary>
    /// The distinct units of a problem's variables and outputs (and of a custom loss), each a unit of
    /// measurement that can change on its own, and which quantity is in which. Units are the same when
    /// they are equal scale included (<see cref="PhysicalUnit.Equals(object)"/>): <c>ms</c> and
    /// <c>[1e-3 s]</c> are one unit, <c>ms</c> and <c>s</c> two. The pure number 1 is none of them: it has
    /// no unit to change. Parameters need none: a change of units conjugates P and L as a whole, so their
    /// values stay inside and their units enter only through the outputs' units.
    /// </summary>
    private sealed class GivenUnits
    {
        private readonly Problem _problem;
        private readonly List<PhysicalUnit> _units = [];
        private readonly List<List<string>> _holders = [];
        private readonly int[] _x;
        private readonly int[] _y;
        private readonly Dictionary<int, int> _loss = [];

        private GivenUnits(Problem problem)
        {
            _problem = problem;
            _x = problem.Variables.Select(v => IndexOf(problem.UnitOf(v), v)).ToArray();
            _y = problem.Outputs.Select(y => IndexOf(problem.UnitOf(y), y)).ToArray();
            if (!problem.HasDefaultLoss)
            {
                if (IndexOf(problem.LossUnit, "the loss") is var k and >= 0) _loss[k] = 1;
            }
            else if (problem.Outputs.Length > 0 && _y.All(k => k == _y[0]) && _y[0] >= 0)
                _loss[_y[0]] = 2; // ½‖y − y*‖² with every output in u: the loss is in u²
            // else: outputs in different units, the loss Σ ((yⱼ − y*ⱼ)/uⱼ)² is a pure number
        }

        public static GivenUnits Of(Problem problem) => new(problem);

        /// <summary>How many units can change on their own.</summary>
        public int Count => _units.Count;

        private int IndexOf(PhysicalUnit unit, string holder)
        {
            if (unit.Equals(PhysicalUnit.One)) return -1;
            var k = _units.FindIndex(u => u.Equals(unit));
            if (k < 0)
            {
                _units.Add(unit);
                _holders.Add([]);
                k = _units.Count - 1;
            }
            _holders[k].Add(holder);
            return k;
        }

        /// <summary><c>ms (the unit of x0, y0)</c>, in the variables' units as the Outputs line writes it (mm*ms, not µm*s).</summary>
        public string Describe(int k) =>
            $"{_units[k].TextIn(_problem.Variables.Select(_problem.UnitOf))} (the unit of {string.Join(", ", _holders[k])})";

        /// <summary>Πₖ uₖ^eₖ: the unit, scale included, of a quantity with these exponents on the given units.</summary>
        public PhysicalUnit Product(Rational[] exponents)
        {
            var product = PhysicalUnit.One;
            for (var k = 0; k < exponents.Length; k++)
                if (!exponents[k].IsZero) product *= _units[k].Pow(exponents[k]);
            return product;
        }

        private static double Factor(int k, double[] factors) => k < 0 ? 1.0 : factors[k];

        /// <summary>A point in the changed units.</summary>
        public double[] ScalePoint(double[] x, double[] factors) =>
            x.Select((v, i) => v * Factor(_x[i], factors)).ToArray();

        /// <summary>The same physics in the changed units (<see cref="ProblemTransform.Conjugate"/> with each quantity's factor).</summary>
        public Problem Rescaled(double[] factors) =>
            ProblemTransform.Conjugate(
                _x.Select(k => Factor(k, factors)).ToArray(),
                _y.Select(k => Factor(k, factors)).ToArray(),
                _loss.Aggregate(1.0, (f, kv) => f * Math.Pow(factors[kv.Key], kv.Value)),
                _problem);
    }
}
