using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>What a property check concluded (<see cref="CheckResult.Verdict"/>).</summary>
public enum CheckVerdict
{
    /// <summary>The property held to its tolerance.</summary>
    Pass,
    /// <summary>The property was checked and did not hold: a failure of the theory on this problem, or of the engine.</summary>
    Fail,
    /// <summary>The property could not be checked at the point: a quantity it needs is not finite there
    /// (<see cref="CheckResult.NonFinite"/>), or its precondition does not hold (<see cref="CheckResult.Unmet"/>):
    /// among those, double precision cannot resolve its measurement (y₀ − y* at rounding level, an overflow in
    /// doubles), or nothing was measured (no sample, or every step compared was 0).</summary>
    Undefined,
    /// <summary>The property does not apply to the problem (no units given, a non-square Jacobian for the inverse-based ones).</summary>
    NotApplicable,
}

/// <summary>The outcome of one property of docs/theory.md §3 on one problem at one point.</summary>
/// <param name="Property">The property's number in docs/theory.md §3.</param>
/// <param name="Name">What it states, briefly.</param>
/// <param name="Passed">Whether it held: false also when it could not be checked (a singular Jacobian) and when it
/// does not apply (see <paramref name="Applicable"/>), so that no unchecked property counts as passed.</param>
/// <param name="Measured">The measured quantity (see <paramref name="Detail"/> for what it is); NaN when there is none.</param>
/// <param name="Detail">What was measured and against what, or why the property could not be checked.</param>
/// <param name="Applicable">False for a property that does not apply to this problem (no units given, a
/// non-square Jacobian for the inverse-based ones); it then neither passes nor fails.</param>
/// <param name="NonFinite">Set when the property could not be checked because a quantity it needs (y, J,
/// L, ∂L/∂x, ∂²L/∂x², ∂L/∂y, ∂²L/∂y²) is not finite at the point: which one and which entry. The check
/// then does not pass (<paramref name="Passed"/> is false): the theory assumes P and L twice differentiable there.</param>
/// <param name="Unmet">Set when the property could not be checked because its precondition does not hold at the
/// point (J singular, so J⁻¹, IG and PG do not exist there): not a failure of the theory, shown as "undef" with
/// the reason in <paramref name="Detail"/>; <paramref name="Passed"/> is false, as for a non-finite quantity.</param>
public sealed partial record CheckResult(int Property, string Name, bool Passed, double Measured, string Detail, bool Applicable = true,
    NonFiniteValue? NonFinite = null, bool Unmet = false)
{
    /// <summary>The verdict, typed: test this rather than <see cref="Status"/>'s text.</summary>
    public CheckVerdict Verdict =>
        !Applicable ? CheckVerdict.NotApplicable : Passed ? CheckVerdict.Pass : Undefined ? CheckVerdict.Undefined : CheckVerdict.Fail;

    /// <summary>The verdict as printed: "pass", "FAIL", "n/a" (does not apply) or "undef" (a quantity it needs is
    /// not finite at the point, or its precondition does not hold there).</summary>
    public string Status => Verdict switch
    {
        CheckVerdict.NotApplicable => "n/a",
        CheckVerdict.Pass => "pass",
        CheckVerdict.Undefined => "undef",
        _ => "FAIL",
    };

    /// <summary>Whether the property could not be checked here (a non-finite quantity or an unmet precondition).</summary>
    public bool Undefined => Applicable && !Passed && (NonFinite is not null || Unmet);

    /// <summary>
    /// The measured value for a table: 4 significant digits (<see cref="NumberText.Table"/>: <c>2.001</c>,
    /// <c>1.110E-16</c>), and "–" when nothing was measured (a property that does not apply, or could not be
    /// checked, has no value: the detail says why). A failure keeps a non-finite value, its evidence.
    /// </summary>
    public string MeasuredText =>
        double.IsFinite(Measured) ? NumberText.Table(Measured, 4)
        : Verdict is CheckVerdict.NotApplicable or CheckVerdict.Undefined ? "–"
        : Measured.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary><c>4 PG's y-distance scales by |1 − η| per step: pass, measured 2.300E-15; detail</c> (no measured
    /// value when nothing was measured).</summary>
    public override string ToString() =>
        $"{Property} {Name}: {Status}" +
        (MeasuredText == "–" ? "" : $", measured {MeasuredText}") + (Detail == "" ? "" : $"; {Detail}");
}

/// <summary>
/// The results of <see cref="TheoryChecks.Run"/>, in property order. A list (index, count, enumerate) that
/// also prints readably: <c>Console.WriteLine(problem.Check())</c> gives one line per property and a
/// summary line, not the name of a collection type.
/// </summary>
/// <param name="results">The results, in property order.</param>
/// <param name="note">A sentence about how the whole check was measured, or null: set when the loss is beyond
/// doubles at the point and every property was measured on the outputs rescaled by a power of two.</param>
public sealed class CheckReport(IReadOnlyList<CheckResult> results, string? note = null) : IReadOnlyList<CheckResult>
{
    private readonly CheckResult[] _results = results.ToArray();

    /// <summary>
    /// Null, or how the whole check was measured when that differs from the problem as given: where
    /// L = ½‖y − y*‖² (or y itself) overflows doubles at the point while J is finite, every property is measured on
    /// P and y* times a power of two 2ᵏ (exact), which changes no property's verdict (each is invariant under
    /// y → c·y); this says so, with L's size and k.
    /// </summary>
    public string? Note { get; } = note;

    /// <summary>The result of the i-th check (0-based, in property order).</summary>
    public CheckResult this[int index] => _results[index];

    /// <summary>The number of checks.</summary>
    public int Count => _results.Length;

    /// <inheritdoc/>
    public IEnumerator<CheckResult> GetEnumerator() => ((IEnumerable<CheckResult>)_results).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The <see cref="Note"/> when there is one, one line per property (<see cref="CheckResult.ToString"/>),
    /// then "k pass, k FAIL, k n/a, k undef".</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, (Note is null ? [] : new[] { Note }).Concat(_results.Select(r => r.ToString()))
            .Append(string.Join(", ", new[] { "pass", "FAIL", "n/a", "undef" }
                .Select(s => $"{_results.Count(r => r.Status == s)} {s}"))));
}

/// <summary>
/// The properties of docs/theory.md §3 as checks on a user's problem at a point: each runs the engine's
/// optimisers and measures the quantity the property is about (a scaling ratio, a fitted order, a
/// residual). The property tests run the same checks on random problems.
/// </summary>
public static partial class TheoryChecks
{
    /// <summary>Relative tolerance for the properties that hold exactly (up to rounding).</summary>
    public const double Exact = 1e-7;

    /// <summary>Runs every check at <paramref name="at"/> (default: the problem's start) with step size <paramref name="eta"/>.</summary>
    /// <exception cref="SymbolicException"><paramref name="at"/> without one value per variable (<see cref="ErrorKind.Shape"/>)
    /// or with a NaN or infinite value (<see cref="ErrorKind.NonFinite"/>), naming the component.</exception>
    /// <returns>The results in property order, as a <see cref="CheckReport"/> that prints one line per property.</returns>
    /// <remarks>Where the loss ½‖y − y*‖² (or y itself) overflows doubles at the point while J is finite, every
    /// property is measured on P and y* times a power of two that brings ‖y − y*‖ into [1, 2) (exact; no property's
    /// verdict changes under y → c·y), and <see cref="CheckReport.Note"/> says so: at 2⁵²⁰·P the loss is 2¹⁰⁴⁰ times
    /// P's and every property had been undef ("L = Infinity"). So too near the top of doubles, from sizes of 2⁴⁰⁰.</remarks>
    public static CheckReport Run(Problem problem, double[]? at = null, double eta = 0.3)
    {
        var (results, note) = RunList(problem, at, eta);
        return new(results, note);
    }

    private static (IReadOnlyList<CheckResult>, string?) RunList(Problem problem, double[]? at, double eta)
    {
        // One compilation of the problem (and one derivation of its Hessian) for the tests below that decide how it
        // is checked (NonFiniteAt, NearTop); RunAll compiles in its own scope, as before.
        var outer = Scope;
        Scope = new RunScope();
        try
        {
            return Decide(problem, at, eta);
        }
        finally
        {
            Scope = outer;
        }
    }

    private static (IReadOnlyList<CheckResult>, string?) Decide(Problem problem, double[]? at, double eta)
    {
        // A point of the wrong length or with a NaN or ±∞ coordinate is refused, naming the component: with
        // NaN every property came out undef, as if the problem could not be checked there.
        var x = at is null ? problem.Start : PointArguments.Require(at, problem.Variables, nameof(at));
        var p = problem.WithStart(x);
        var bad = NonFiniteAt(p);
        // L, its derivatives or y overflow doubles while J is finite (2⁵²⁰·P, 1E+200·P at [3, 3]): measured on P and
        // y* rescaled by a power of two, as property 10 measures a loss that underflows. So too where L is a double
        // but near the top of doubles (NearTop): there the constants of its Hessian overflow when folded
        // (2⁵¹¹·1.076·x0³: (3·2⁵¹¹·1.076)²), or those of property 2's 3·P do (2⁵⁰⁹·(0.72x0 + x1; …)), unless the
        // rescaled problem's overflow too (1E+200·x0 beside x1², Skip25): then the properties that need the Hessian
        // stay "not compared".
        if ((bad is { Quantity: not Quantity.Jacobian } || bad is null && NearTop(p))
            && OverflowRescaling(p) is { } big && (bad is not null || !HessianUnformable(big.Scaled)))
            return (RunAll(big.Scaled, eta, placeholdersOnly: false), big.Note);
        if (bad is not null)
            return (RunAll(p, eta, placeholdersOnly: true)
                .Select(r => r.Applicable
                    ? r with
                    {
                        Passed = false, Measured = double.NaN, NonFinite = bad,
                        Detail = NonFiniteWords(p, bad.Value),
                    }
                    : r)
                .ToArray(), null);
        return (RunAll(p, eta, placeholdersOnly: false), null);
    }

    /// <summary>
    /// Why a quantity the checks need is not finite at the start: where its formula has a finite value in
    /// wider arithmetic (<see cref="WideEvaluate"/>, the double exponent range lifted), P and L are smooth there and it
    /// is doubles that fail: the value itself is beyond doubles (L = ½(e⁷⁰⁰ − y*)² ≈ 5E+607), or it is a double but an
    /// intermediate of its formula is not (∂²L/∂x² of sqrt(x0) at 1E-300 is 2.6E+299, through x0^(−3/2) = 1E+450).
    /// Otherwise (a pole, a kink, a formula that is not finite in wider arithmetic either): not twice differentiable.
    /// </summary>
    private static string NonFiniteWords(Problem p, NonFiniteValue bad)
    {
        var at = $"{bad} at x = {Show(p.Start)}";
        if (WideValue(p, bad) is not { IsFinite: true } wide)
            return $"{at}: P or L is not twice differentiable there, so the property cannot be checked";
        var value = wide.Scientific(3);
        return wide.OutsideDoubles
            ? $"{at}: its exact value is about {value}, beyond the range of doubles (P and L are smooth there: it is doubles that overflow), so the property cannot be checked in double precision"
            : $"{at}: its exact value is about {value}, a double, but its formula overflows doubles on the way (P and L are smooth there), so the property cannot be checked in double precision";
    }

    /// <summary>The quantity's formula (an output, a Jacobian entry, L, ∂L/∂x or ∂²L/∂x²) evaluated in wider arithmetic
    /// at the start; null for another quantity or where the formula cannot be derived or evaluated.</summary>
    private static Wide? WideValue(Problem p, NonFiniteValue bad)
    {
        try
        {
            var symbols = p.Variables.Select(ExprModule.Symbol).ToArray();
            var columns = Math.Max(1, bad.Columns);
            Expr? formula = bad.Quantity switch
            {
                Quantity.Outputs => p.Simulator[bad.Index],
                Quantity.Jacobian => Calculus.Jacobian(symbols, p.Simulator)[bad.Index / columns, bad.Index % columns],
                Quantity.Loss => p.LossInX,
                Quantity.Gradient => Calculus.Gradient(symbols, p.LossInX)[bad.Index],
                Quantity.Hessian => Calculus.Hessian(symbols, p.LossInX)[bad.Index / columns, bad.Index % columns],
                _ => null,
            };
            return formula is null ? null : WideEvaluate.ManyAt(p.Variables, p.Start, [formula])[0];
        }
        catch (SymbolicException)
        {
            return null;
        }
    }

    /// <summary>
    /// For the default loss, where y, L or a derivative of L is not finite at the start but J is: P and y* times the
    /// power of two 2ᵏ that brings ‖P(x₀) − y*‖ into [1, 2) (found from J's largest entry first when y itself
    /// overflows), when that rescaled problem is finite throughout (<see cref="NonFiniteAt"/>), with a sentence
    /// saying so; null otherwise (another loss, J not finite, y not finite for another reason such as a domain).
    /// </summary>
    private static (Problem Scaled, string Note)? OverflowRescaling(Problem p)
    {
        if (!p.HasDefaultLoss || p.Target.Length != p.Simulator.Length) return null;
        var (y, j) = Simulate(Compile(p), p.Start);
        if (!j.All(double.IsFinite)) return null;
        var k = 0;
        var scaledResidual = Norm(Minus(y, p.Target)); // ‖2ᵏP(x₀) − 2ᵏy*‖
        if (!double.IsFinite(scaledResidual))
        {
            // y overflows (J does not): a first k from J's size and x's, refined below on that rescaled problem.
            // (In exponents: J's largest entry times ‖x₀‖ may overflow itself.)
            var largest = j.Select(Math.Abs).DefaultIfEmpty(0).Max();
            if (!(largest > 0)) return null;
            k = -Math.ILogB(largest) - Math.ILogB(Math.Max(1, Norm(p.Start))) - 1;
            var first = ProblemTransform.RescaleOutputs(Math.ScaleB(1.0, k), p);
            scaledResidual = Norm(Minus(Simulate(Compile(first), p.Start).Y, first.Target));
            if (!double.IsFinite(scaledResidual)) return null;
        }
        if (!(scaledResidual > 0)) return null;
        var total = Math.Clamp(k - Math.ILogB(scaledResidual), -2000, 2000);
        var scaled = ProblemTransform.RescaleOutputs(Math.ScaleB(1.0, total), p);
        // One factor for all outputs brings the largest to [1, 2); an output smaller by 2⁴⁰⁰ or more then has terms
        // of L near the subnormals, where they keep few digits (1E+160·x0 beside x1: x1's 2^-529·3 squared is
        // 3E-318, and Newton's step in x1 was off by 8E-06): such outputs get their own power of two.
        if (OwnScales(scaled) is { } own)
        {
            var each = own.Select(e => total + e).ToArray();
            var weighted = ProblemTransform.RescaleEachOutput(each.Select(e => Math.ScaleB(1.0, e)).ToArray(), p);
            if (NonFiniteAt(weighted) is not null) return null;
            return (weighted, $"The loss L = ½‖y − y*‖² is beyond doubles or near their top at x = {Show(p.Start)}, and the outputs' scales differ " +
                              $"by more than one power of two can bring within doubles together: {EachOutputWords(p, each)}");
        }
        if (NonFiniteAt(scaled) is not null) return null;
        // L = ½‖y − y*‖² in powers of ten: log₁₀‖y − y*‖ = log₁₀‖2ᵏ(y − y*)‖ − k·log₁₀2.
        var log10Residual = Math.Log10(scaledResidual) - k * Math.Log10(2);
        var log10Loss = 2 * log10Residual - Math.Log10(2);
        var residual = Math.ScaleB(scaledResidual, -k);
        var size = double.IsFinite(residual) ? $"‖y − y*‖ = {NumberText.Short(residual, 3)}" : $"‖y − y*‖ ≈ {Scientific(log10Residual)}";
        var what = double.IsFinite(y.Select(Math.Abs).DefaultIfEmpty(0).Max()) ? "" : " (y = P(x) itself overflows; J is finite)";
        var measured = $"every property below was measured on P and y* times 2^{total}, an exact rescaling under which no property's verdict changes.";
        // L ≤ 1.797E+308 is a double: then it is ∂L/∂x or ∂²L/∂x² (its value or its folded constants) that is not.
        return (scaled, log10Loss < Math.Log10(double.MaxValue)
            ? $"The loss L = ½‖y − y*‖² = {NumberText.Short(Math.Pow(10, log10Loss), 3)} at x = {Show(p.Start)} is a double, but near the top of doubles, where its derivatives and the checks' products of it overflow ({size}): {measured}"
            : $"The loss L = ½‖y − y*‖² ≈ {Scientific(log10Loss)} is beyond doubles at x = {Show(p.Start)}{what} ({size}): {measured}");
    }

    /// <summary>
    /// Where the outputs' scales at the start (of the problem as <see cref="OverflowRescaling"/> scaled it) differ so much that L's terms of the small ones are near the bottom
    /// of doubles once the large ones are of size 1 (the scale sᵢ = |yᵢ − y*ᵢ| + |Jᵢ|·|x| + |yᵢ| of an output below
    /// 2⁻⁴⁰⁰ times the largest, so that its square is below 2⁻⁸⁰⁰ of the largest one's): each output's exponent
    /// kᵢ, 0 for the largest ones and −log₂ sᵢ/s_max for the small ones (bringing each to the size of the largest);
    /// null when every output is within 2⁴⁰⁰ of the largest (one factor serves), for another loss, or a scale that
    /// is not finite.
    /// </summary>
    private static int[]? OwnScales(Problem p)
    {
        if (!p.HasDefaultLoss || p.Target.Length != p.Simulator.Length || p.Simulator.Length < 2) return null;
        var c = Compile(p);
        var (scale, y) = (new double[c.M], new double[c.M]);
        RoundingScale(c, p.Start, y, scale);
        var sizes = scale.Select((v, i) => v + Math.Abs(y[i] - p.Target[i])).ToArray();
        if (!sizes.All(double.IsFinite)) return null;
        var largest = sizes.Max();
        if (!(largest > 0)) return null;
        var top = Math.ILogB(largest);
        var own = sizes.Select(v => v > 0 && top - Math.ILogB(v) >= SpreadExponent ? top - Math.ILogB(v) : 0).ToArray();
        return own.All(e => e == 0) ? null : own;
    }

    /// <summary>How far (in powers of two) an output's scale may lie below the largest before it gets its own factor (<see cref="OwnScales"/>).</summary>
    private const int SpreadExponent = 400;

    /// <summary>The sentence on measuring every property on each output times its own power of two 2^kᵢ.</summary>
    private static string EachOutputWords(Problem p, int[] exponents) =>
        $"every property below was measured on each output yᵢ and its target y*ᵢ times its own power of two ({string.Join(", ", exponents.Select((e, i) => $"{p.Outputs[i]}: 2^{e}"))}). " +
        "Exact for each output, this weighs L's terms differently, which changes GD's and Newton's steps, but no property's statement: each holds for every simulator, here for the rescaled one";

    /// <summary>
    /// Whether y − y* or J at the start has a size of 2⁴⁰⁰ or more, or ∂²L/∂x² cannot be derived in doubles: the
    /// checks square these sizes (L, the Hessian's folded constants) and scale P by 3 (property 2), and at 2⁵⁰⁹
    /// that overflowed though L itself was a double. 2⁴⁰⁰ keeps a margin below that (ScaleFree24 had found every verdict
    /// unchanged up to 2⁴⁸⁰ without rescaling); ScaleFree24 and Scale26 now check every k up to the top of doubles.
    /// </summary>
    private static bool NearTop(Problem p)
    {
        if (!p.HasDefaultLoss || p.Target.Length != p.Simulator.Length) return false;
        var (y, j) = Simulate(Compile(p), p.Start);
        var residual = Norm(Minus(y, p.Target));
        var largest = j.Select(Math.Abs).DefaultIfEmpty(0).Max();
        return residual > 0 && Math.ILogB(residual) >= 400 || largest > 0 && Math.ILogB(largest) >= 400 || HessianUnformable(p);
    }

    /// <summary>Whether ∂²L/∂x² cannot be derived in doubles (its constants overflow when folded: <see cref="InputError.Unformable"/>).</summary>
    private static bool HessianUnformable(Problem p)
    {
        try
        {
            var c = Compile(p);
            Settled(c).LossInX(p.Start, new double[c.N], new double[c.N * c.N]);
            return false;
        }
        catch (Exception failure) when (InputError.Unformable(failure) is not null)
        {
            return true;
        }
    }

    /// <summary>10^<paramref name="log10"/> as "1.2E+311", for sizes beyond doubles.</summary>
    private static string Scientific(double log10)
    {
        var exponent = Math.Floor(log10);
        var mantissa = Math.Round(Math.Pow(10, log10 - exponent), 1);
        if (mantissa >= 10) { mantissa /= 10; exponent++; }
        return $"{mantissa.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)}E{(exponent >= 0 ? "+" : "-")}{Math.Abs(exponent).ToString(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    // With placeholdersOnly, only the cheap applicability tests run and every applicable property
    // gets a placeholder (the caller replaces it): no optimiser runs at a non-finite point.
    private static IReadOnlyList<CheckResult> RunAll(Problem p, double eta, bool placeholdersOnly)
    {
        if (placeholdersOnly)
        {
            var names = Names;
            var needsSquare = new[] { 4, 5, 6, 7, 8 };
            return names.Select((name, i) =>
            {
                var property = i + 1;
                if (property == 1 && !p.HasUnits)
                    return new CheckResult(1, name, false, double.NaN, "the problem has no units", false);
                if (property == 9)
                    return new CheckResult(9, name, false, double.NaN,
                        "needs the simulator as a composition g(f(x)); verified on random compositions by the property tests", false);
                if (needsSquare.Contains(property) && !Square(p)) return NotSquare(property, name, p);
                return new CheckResult(property, name, false, double.NaN, "");
            }).ToArray();
        }
        var outer = Scope;
        Scope = new RunScope();
        try
        {
            // At a stationary point of L in y (∂L/∂y = 0: x₀ at the target for the default loss) Δy = 0 and
            // every rule's step is 0: the properties that measure a step have nothing to measure. They are
            // undef with that reason, not FAIL (a ratio 0/0 or a run that never starts is not a violation).
            if (AtTarget(p) is { } why)
            {
                var stepless = new[] { 2, 3, 4, 6, 11 };
                return RunAll(p, eta, placeholdersOnly: true).Select(r => r.Applicable && stepless.Contains(r.Property)
                        ? r with { Passed = false, Measured = double.NaN, Unmet = true, Detail = why }
                        : r.Applicable && r.Detail == "" ? Single(p, r.Property, eta) : r)
                    .ToArray();
            }
            return RunEach(p, eta);
        }
        finally
        {
            Scope = outer;
        }
    }

    // The properties' names, in order (property k is Names[k − 1]).
    private static readonly string[] Names =
    [
        "units of the steps", "function sensitivity (c-scaling)", "scale invariance of trajectories",
        "PG's y-distance scales by |1 − η| per step", "PG and IG agree to first order", "PG lands on y₀ + Δy",
        "mean-value form of PG", "local inverse keeps x₀'s branch", "consistency in compositions",
        "GD's loss change is −η‖∇L‖² to first order", "exponent family κ = −1, +1",
    ];

    private static IReadOnlyList<CheckResult> RunEach(Problem p, double eta)
    {
        return
        [
            Guarded(1, () => Units(p)),
            Guarded(2, () => FunctionSensitivity(p, 3.0, eta)),
            Guarded(3, () => ScaleInvariance(p, eta)),
            Guarded(4, () => ConvergenceNearOptimum(p, eta)),
            Guarded(5, () => FirstOrderAgreement(p)),
            Guarded(6, () => PhysicalExactness(p, eta)),
            Guarded(7, () => MeanValue(p, eta)),
            Guarded(8, () => LocalInverse(p)),
            new CheckResult(9, "consistency in compositions", false, double.NaN,
                "needs the simulator as a composition g(f(x)); verified on random compositions by the property tests", false),
            Guarded(10, () => GradientDescentLossChange(p)),
            Guarded(11, () => ExponentFamily(p, eta)),
        ];
    }

    /// <summary>
    /// A property whose measurement needs a kernel that cannot be derived in doubles (newton's Hessian of
    /// ½(1E+200·x0 − 1E+200)² folds 1E+200 × 1E+200: <see cref="ErrorKind.NonFinite"/>) is undef with that
    /// reason, not compared; the other properties are still checked, rather than the whole check refused.
    /// </summary>
    private static CheckResult Guarded(int property, Func<CheckResult> measure)
    {
        try
        {
            return measure();
        }
        catch (Exception e) when (InputError.Unformable(e) is { } s)
        {
            return NotMeasured(property, Names[property - 1], $"not compared: {s.Message}");
        }
    }

    /// <summary>
    /// The first non-finite value among y, J, L, ∂L/∂x, ∂²L/∂x², ∂L/∂y and ∂²L/∂y² at the problem's
    /// start, or null when all are finite; a derivative entry whose formula is not finite counts as
    /// finite when its limit exists (<see cref="LimitSettledProblem"/>), as it does for the optimisers.
    /// </summary>
    public static NonFiniteValue? NonFiniteAt(Problem p)
    {
        var c = Compile(p);
        var (y, j) = Simulate(c, p.Start);
        var gx = new double[c.N];
        var hx = new double[c.N * c.N];
        double loss;
        try
        {
            loss = Settled(c).LossInX(p.Start, gx, hx);
        }
        catch (Exception failure) when (InputError.Unformable(failure) is not null)
        {
            // ∂²L/∂x² cannot be derived in doubles at all (its constants overflow when folded): not a value
            // at this point; the properties that need it say so themselves (Guarded), the others are checked.
            Array.Clear(hx);
            loss = Settled(c).ValueGradient(p.Start, gx);
        }
        if (NonFiniteValue.Find(Quantity.Outputs, y) is { } a) return a;
        if (NonFiniteValue.Find(Quantity.Jacobian, j, c.N) is { } b) return b;
        if (!double.IsFinite(loss)) return new NonFiniteValue(Quantity.Loss, 0, loss);
        if (NonFiniteValue.Find(Quantity.Gradient, gx) is { } d) return d;
        if (NonFiniteValue.Find(Quantity.Hessian, hx, c.N) is { } e) return e;
        var gy = new double[c.M];
        var hy = new double[c.M * c.M];
        Settled(c).LossInY(y, gy, hy);
        if (NonFiniteValue.Find(Quantity.LossGradientInY, gy) is { } f) return f;
        return NonFiniteValue.Find(Quantity.LossHessianInY, hy, c.M);
    }

    // ---- helpers -----------------------------------------------------------------------------------

    // Scaled by the largest entry (CompiledProblem.Norm): Σv² underflows to 0 for entries below 1E-154,
    // and ‖Δx‖ at x₀ = 1E-100 was measured as 0 (property 5's fit then NaN).
    private static double Norm(double[] v) => CompiledProblem.Norm(v, v.Length);

    private static double[] Minus(double[] a, double[] b) => a.Select((v, i) => v - b[i]).ToArray();

    /// <summary>‖a − b‖ relative to 1 + ‖b‖ (property 3's trajectories).</summary>
    private static double Relative(double[] a, double[] b) => Norm(Minus(a, b)) / (1 + Norm(b));

    /// <summary>
    /// ‖a − b‖/‖b‖: scale-free, so that the verdict on a step does not change when x or y is rescaled
    /// by a power of two (1 + ‖b‖ passed any deviation of a step of size 2⁻¹³⁰). 0 when a = b, +∞ when
    /// b = 0 and a is not.
    /// </summary>
    private static double RelativeTo(double[] a, double[] b)
    {
        var difference = Norm(Minus(a, b));
        return difference == 0 ? 0 : difference / Norm(b);
    }

    /// <summary>
    /// As <see cref="RelativeTo(double[], double[])"/> for two steps taken from <paramref name="x"/>, counting in
    /// each component only what exceeds 8 units of rounding of x's own component: a step differing below that
    /// lands on the same few doubles, so the difference is not a measurable one. On x0; x1² at x₀ = [1E-71,
    /// 3.2E-36] PG's step is 3E-72 in x0 (30% of x0, the step the check compares) and 0 or one unit of
    /// rounding of x1 (6E-52) in x1, depending on how c·P rounded: 2E+20 "relative" with the plain norm.
    /// </summary>
    private static double RelativeTo(double[] a, double[] b, double[] x)
    {
        var d = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
            d[i] = Math.Max(0, Math.Abs(a[i] - b[i]) - 8 * CompiledProblem.UnitRoundoff * Math.Abs(x[i]));
        var difference = Norm(d);
        return difference == 0 ? 0 : difference / Norm(b);
    }

    /// <summary>
    /// The length scale of x at the problem's start, for sizing probes: ‖x₀‖, or where x₀ = 0 the length of
    /// IG's step to the target ‖J⁻¹(y* − y₀)‖ (both scale with x, so probes sized by it are the same
    /// fractions of x's scale when x is rescaled: 1 + ‖x₀‖ made them 10⁻² absolute, 10³⁷ times x₀ = 2⁻¹³⁰),
    /// or 1 where neither is a length (x₀ = 0 and J singular or the target met).
    /// </summary>
    private static double XScale(CompiledProblem c, Problem p)
    {
        var norm = Norm(p.Start);
        if (norm > 0 && double.IsFinite(norm)) return norm;
        if (Square(p))
        {
            var (y, _) = Simulate(c, p.Start);
            var step = InverseJacobianTimes(c, p.Start, Minus(p.Target, y)) is { } ig ? Norm(ig) : 0;
            if (step > 0 && double.IsFinite(step)) return step;
        }
        return 1;
    }

    private static string Show(double[] v) => NumberText.Vector(v);

    /// <summary>The pass rule of a measured quantity that must stay at or below <paramref name="bound"/>, in
    /// the words every row uses: "passes ≤ 1E-07".</summary>
    private static string PassesAtMost(double bound) => $"passes ≤ {NumberText.Short(bound)}";

    /// <summary>
    /// The pass rule of a fitted order, in one wording for every property that fits one: an O(s²) remainder
    /// has order 2 or more, and a least-squares slope over a few sizes carries noise of a few hundredths, so
    /// ≥ <see cref="OrderPasses"/> passes (a fitted 1.999 is order 2, not a miss). A row never says "≥ 2
    /// expected" next to a pass at 1.999, nor "2 expected" next to a pass at 3.
    /// </summary>
    private static string OrderRule(string remainder) =>
        $"O({remainder}) expected, so order ≥ 2 up to the fit's noise: ≥ {NumberText.Short(OrderPasses)} passes";

    /// <summary>The least fitted order that passes as 2 (<see cref="OrderRule"/>).</summary>
    public const double OrderPasses = 1.8;

    /// <summary>
    /// The one rule for a property that measured nothing: no sample was compared, or every step it compared
    /// was 0 (a ratio 0/0 or a difference 0 − 0 is no evidence). It is "undef" with <paramref name="why"/>,
    /// never a pass and never a failure.
    /// </summary>
    private static CheckResult NotMeasured(int property, string name, string why) =>
        new(property, name, false, double.NaN, why, Unmet: true);

    private static bool IsZero(double[] v) => Array.TrueForAll(v, e => e == 0);

    /// <summary>
    /// How precisely double precision knows the residual r = y₀ − y* at <paramref name="x"/> that drives every
    /// rule's step (the default loss: ∂L/∂y = r), relative to ‖r‖: y₀ is known to
    /// <see cref="CompiledProblem.LandingUlps"/>·u·‖s‖, s the rounding scale |J||x| + |P|
    /// (<see cref="CompiledProblem.RoundingScale"/>), as properties 3 and 4 take it. Above
    /// <see cref="Exact"/>/100, rounding decides the steps beyond the tolerance of an exact identity (x1² at
    /// x1 = 1E+75 against y* = 1E+150: r is 1E+134 of noise), +∞ when r = 0. Also GD's own uncertainty,
    /// ‖|Jᵀ|·δ‖/‖Jᵀr‖ with δᵢ = LandingUlps·u·sᵢ: GD weighs each rᵢ by J's column, so a component of r that is
    /// rounding noise can dominate its step while the norm of r is well resolved (x1² at 1E+25 against
    /// y* = (2E+50, 1E+50): 2x1·r1 ≈ 2E+59 of noise next to r0 = 1E+50), where the inverse-based steps divide it away.
    /// </summary>
    private static (double Residual, double Gd, string Known) ResidualRounding(CompiledProblem c, double[] x, double[] target)
    {
        var (scale, y) = (new double[c.M], new double[c.M]);
        RoundingScale(c, x, y, scale, residual: true);
        var (_, j) = Simulate(c, x);
        var r = Minus(y, target);
        var known = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff;
        var residual = known * Norm(scale) / Norm(r);
        var gdStep = Enumerable.Range(0, c.N).Select(k => Enumerable.Range(0, c.M).Sum(i => j[i * c.N + k] * r[i])).ToArray();
        var gdNoise = Enumerable.Range(0, c.N).Select(k => Enumerable.Range(0, c.M).Sum(i => Math.Abs(j[i * c.N + k]) * known * scale[i])).ToArray();
        var gd = Norm(gdNoise) / Norm(gdStep);
        return (double.IsNaN(residual) ? double.PositiveInfinity : residual, double.IsNaN(gd) ? double.PositiveInfinity : gd,
            $"y₀ − y* is known to {NumberText.Short(CompiledProblem.LandingUlps)} units of rounding of {RoundingScaleWords("₀", residual: true)} ({NumberText.Short(known * Norm(scale), 3)}) next to ‖y₀ − y*‖ = {NumberText.Short(Norm(r), 3)}");
    }

    /// <summary>Whether a relative uncertainty leaves a comparison to <see cref="Exact"/> resolved (1% of it), as property 3 asks.</summary>
    private static bool Resolved(double uncertainty) => uncertainty <= Exact / 100;

    /// <summary>One step's Δx, and the first fallback taken (null when none).</summary>
    private static (double[] Step, string? Fallback) Step(CompiledProblem c, Method m, double eta, double[] x, double kappa = -0.5, double tau = 1e-3)
    {
        var run = Optimizer.Run(c, m, eta, x, 1, kappa: kappa, tau: tau);
        // A run that could not take its step (a non-finite quantity on the way) reports why, as a fallback would.
        if (run.FirstStep is not { } step) return (new double[x.Length], $"no step: {run.StopDetail}");
        // The rule's Δx itself (x₁ − x₀ rounds a step small next to x₀ away). A step that only read a
        // derivative as its limit is the rule's own step (not a fallback).
        return (step, run.Fallbacks.FirstOrDefault(f => f.RuleFellBack)?.Reason);
    }

    // The checks read derivatives through the same limit settling as the optimisers: an entry whose
    // formula is NaN or ±∞ where the function is differentiable (0·log 0 in d(u^v) at u = 0) is its limit.
    private static LimitSettledProblem Settled(CompiledProblem c) => new(c);

    private static (double[] Y, double[] J) Simulate(CompiledProblem c, double[] x)
    {
        var y = new double[c.M];
        var j = new double[c.M * c.N];
        Settled(c).Simulate(x, y, j);
        return (y, j);
    }

    /// <summary>J⁻¹ v at x, or null when J is singular there.</summary>
    private static double[]? InverseJacobianTimes(CompiledProblem c, double[] x, double[] v)
    {
        var (_, j) = Simulate(c, x);
        var r = new double[c.N];
        return LinearAlgebra.Solve(j, v, r).Ok ? r : null;
    }

    /// <summary>J·v for J stored row by row (m × v.Length).</summary>
    private static double[] Times(double[] j, double[] v) =>
        Enumerable.Range(0, j.Length / v.Length).Select(r => v.Select((a, k) => j[r * v.Length + k] * a).Sum()).ToArray();

    private static bool Square(Problem p) => p.Simulator.Length == p.Variables.Length;

    private static CheckResult NotSquare(int property, string name, Problem p) =>
        new(property, name, false, double.NaN,
            $"needs a square Jacobian; this problem has {NumberText.Count(p.Outputs.Length, "output")} and {NumberText.Count(p.Variables.Length, "variable")}", false);

    private static CheckResult Singular(int property, string name, double[] x) =>
        new(property, name, false, double.NaN,
            $"the Jacobian is singular at x = {Show(x)}, so J⁻¹ and IG's step do not exist there (PG's step may, through the inverse simulator, but the property measures it against J⁻¹): the property's precondition does not hold", Unmet: true);

    /// <summary>The same simulator and target with the loss ½‖y − y*‖² (the form several properties are stated for).</summary>
    private static Problem WithDefaultLoss(Problem p)
    {
        if (Scope is { } scope)
        {
            if (!scope.DefaultLoss.TryGetValue(p, out var variant))
                scope.DefaultLoss[p] = variant = ProblemTransform.WithDefaultLoss(p);
            return variant;
        }
        return ProblemTransform.WithDefaultLoss(p);
    }

    /// <summary>
    /// The variants and compilations of one <see cref="Run"/>: every check of that run compiles each problem
    /// (the problem itself, its default-loss variant) once and shares it. Null outside a run, where each
    /// check compiles what it needs (a compiled problem's buffers are not for sharing between threads).
    /// </summary>
    private sealed class RunScope
    {
        public readonly Dictionary<Problem, CompiledProblem> Compiled = new(ReferenceEqualityComparer.Instance);
        public readonly Dictionary<Problem, Problem> DefaultLoss = new(ReferenceEqualityComparer.Instance);
    }

    [ThreadStatic] private static RunScope? Scope;

    private static CompiledProblem Compile(Problem p)
    {
        if (Scope is not { } scope) return new CompiledProblem(p);
        if (!scope.Compiled.TryGetValue(p, out var compiled)) scope.Compiled[p] = compiled = new CompiledProblem(p);
        return compiled;
    }

    /// <summary>
    /// The PG and IG steps for a given Δy at x, and how far rounding and the inverse's own precision can
    /// move PG's step (<see cref="InverseFloor"/>); null when there is no preimage or J is singular.
    /// </summary>
    private static (double[] Pg, double[] Ig, double Floor)? Steps(CompiledProblem c, double[] x, double[] dy)
    {
        var (y, _) = Simulate(c, x);
        var target = y.Select((v, i) => v + dy[i]).ToArray();
        var moved = new double[c.N];
        var report = c.InvertReporting(target, x, moved);
        if (!report.Found) return null;
        var ig = InverseJacobianTimes(c, x, dy);
        return ig is null ? null : (Minus(moved, x), ig, InverseFloor(c, report, x, ig, target, dy));
    }

    /// <summary>
    /// How far P⁻¹(y; x₀) can lie from the exact preimage x through rounding and the inverse's precision:
    /// a closed form evaluated in doubles is good to a few hundred ulps of ‖x‖ (10⁻¹³‖x‖, with ‖x‖ ≥
    /// ‖x₀‖ − ‖Δx‖ taken as ‖x₀‖ + ‖Δx‖); the numeric inverse stops at |Pᵢ(x) − yᵢ| ≤ 10⁻¹²(sᵢ + |yᵢ|), s its
    /// rounding scale |J||x| + |P| (so ‖P(x) − y‖ ≤ 10⁻¹²(‖y‖ + ‖s‖), relative: 10⁻¹²(1 + ‖y‖) made the floor
    /// 10⁴⁰ times a step at y of size 2⁻¹³⁰, and every difference "rounding")
    /// (<see cref="CompiledProblem.InvertNumerically(double[], double[], double[], double, int)"/>), which
    /// J⁻¹ turns into an x-error of about that times ‖J⁻¹‖, estimated by the gain ‖Δx_IG‖/‖Δy‖ (times 10
    /// for directions J⁻¹ stretches more). Relative to x's own scale, not to 1 + ‖x‖: at x₀ = 10⁻⁸ an
    /// absolute floor of 10⁻¹¹ would exceed every step worth measuring.
    /// </summary>
    private static double InverseFloor(CompiledProblem c, InverseReport report, double[] x, double[] ig, double[] y, double[] dy)
    {
        var closedForm = 1e-13 * (Norm(x) + Norm(ig));
        if (report.Method == InverseMethod.ClosedForm) return closedForm;
        var (scale, at) = (new double[c.M], new double[c.M]);
        RoundingScale(c, x, at, scale);
        // ‖Δy‖ = 0 leaves no gain to estimate: the floor is then x's rounding alone.
        var gain = Norm(dy) > 0 ? Norm(ig) / Norm(dy) : 0;
        return closedForm + 10 * CompiledProblem.NumericInverseTolerance * (Norm(y) + Norm(scale)) * gain;
    }

    /// <summary>
    /// ρ(x) = ‖J(x₀)⁻¹(J(x) − J(x₀))‖_F, column by column: J's change from x₀ to x relative to J(x₀);
    /// +∞ where J(x₀)⁻¹ cannot be applied.
    /// </summary>
    private static double JacobianChange(CompiledProblem c, double[] j0, double[] x)
    {
        var n = c.N;
        var (_, jx) = Simulate(c, x);
        var sum = 0.0;
        for (var col = 0; col < n; col++)
        {
            var change = Enumerable.Range(0, n).Select(r => jx[r * n + col] - j0[r * n + col]).ToArray();
            var r0 = new double[n];
            if (!LinearAlgebra.Solve(j0, change, r0).Ok || !Array.TrueForAll(r0, double.IsFinite)) return double.PositiveInfinity;
            sum += r0.Sum(v => v * v);
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// The probe sizes of a property that holds as a step → 0: the largest h = 10⁻ᵏ·<paramref name="start"/>
    /// (k = 0, 1, …) at which <paramref name="change"/>(x₀ + f·h·d) ≤ 0.1 for f = ¼, ½, ¾, 1 (the local
    /// model changes by at most 10% on the segment, as property 8 sizes its steps) and <paramref name="also"/>(h)
    /// holds. The search stops below 10⁻⁸‖x₀‖ (and 10⁻²⁰⁰): x₀ + h·d then keeps fewer than 8 digits of h,
    /// so no size works in double precision and the result is null. x² at 10⁻⁵ gets h = 10⁻⁶ where a fixed
    /// 10⁻²·(1 + ‖x₀‖) probed across the fold at 0.
    /// </summary>
    private static double? LocalSize(double[] x0, double[] direction, double start, Func<double[], double> change, Func<double, bool>? also = null)
    {
        var floor = Math.Max(1e-8 * Norm(x0), 1e-200);
        for (var h = start; h >= floor; h /= 10)
        {
            var size = h;
            if (new[] { 0.25, 0.5, 0.75, 1.0 }.All(f => change(x0.Select((v, i) => v + f * size * direction[i]).ToArray()) <= 0.1)
                && (also is null || also(h)))
                return h;
        }
        return null;
    }

    private static double[] Along(double[] unit, double h) => unit.Select(v => v * h).ToArray();

    /// <summary>
    /// The bounded-ratio test of an O(s²) remainder: r(s) = remainder/s² must stay bounded as s → 0. The
    /// fitted order alone misleads where the second-order term is small: r(s) ≈ a + b·s, and at the one size
    /// where b·s ≈ −a the second- and third-order terms cancel, r dips, and the slope comes out below 2 (sinh
    /// at −0.003679: 1.56). A dip only makes some r smaller, so the test compares r at the smallest size with
    /// the LARGEST r at sizes at least 20 times bigger: a first-order term (r ∝ 1/s) grows by 20 or more
    /// there, a cancellation at s* (r = a·|1 − s/s*|) leaves the larger of two neighbouring sizes (spaced
    /// 10^½ apart) at 0.54·a or more, a growth below 2. Sizes in decreasing order.
    /// </summary>
    private static (double Slope, double Growth, double[] Ratios) SecondOrder(IReadOnlyList<double> sizes, IReadOnlyList<double> remainders)
    {
        var slope = Slope(sizes, remainders);
        var ratios = remainders.Select((d, i) => d / sizes[i] / sizes[i]).ToArray(); // s² alone underflows below 1E-162
        // The growth from ratios relative to the first, (dᵢ/d₀)(s₀/sᵢ)², which stay finite where r itself
        // overflows (x0^2 at 1E-130: r ≈ 1/(4x₀³) ≈ 2E+389, and the growth was ∞/∞).
        var relative = remainders.Select((d, i) => d / remainders[0] * (sizes[0] / sizes[i]) * (sizes[0] / sizes[i])).ToArray();
        var smallest = sizes[^1];
        var reference = sizes.Select((s, i) => (s, r: relative[i])).Where(v => v.s >= 20 * smallest).Select(v => v.r).DefaultIfEmpty(relative[0]).Max();
        return (slope, relative[^1] / reference, ratios);
    }

    // "from a to b", or why not where the ratio passes the doubles' range at this scale.
    private static string RatioRange(double[] ratios) => ratios.All(double.IsFinite)
        ? $"from {NumberText.Short(ratios.Min(), 3)} to {NumberText.Short(ratios.Max(), 3)}"
        : "beyond the range of doubles at this scale (only its growth is measured)";

    /// <summary>The slope of log b against log a by least squares.</summary>
    private static double Slope(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        var la = a.Select(v => Math.Log(v)).ToArray();
        var lb = b.Select(v => Math.Log(v)).ToArray();
        var ma = la.Average();
        var mb = lb.Average();
        var num = la.Select((v, i) => (v - ma) * (lb[i] - mb)).Sum();
        var den = la.Select(v => (v - ma) * (v - ma)).Sum();
        return num / den;
    }

    // ---- the properties -----------------------------------------------------------------------------

    /// <summary>
    /// Property 1: IG, PG, Newton and (with outputs in one unit) Gauss–Newton steps carry xᵢ's unit, scale
    /// included; GD's carries unit(L)/unit(xᵢ). Gauss–Newton's J⁺ is covariant only where
    /// <see cref="StepUnits.LeastSquaresCaveat"/> finds nothing (outputs in one unit u, the loss in u², and
    /// for m &lt; n variables in one unit); elsewhere the theory makes no claim: its step is not counted, and
    /// the detail says so with the caveat's words and the units measured (as <c>physgrad units</c> shows them).
    /// </summary>
    public static CheckResult Units(Problem p)
    {
        const string name = "units of the steps";
        if (!p.HasUnits)
            return new CheckResult(1, name, false, double.NaN, "the problem has no units", false);
        var methods = new List<Method> { Method.GradientDescent, Method.Newton, Method.InverseGradient, Method.PhysicalGradient, Method.GaussNewton };
        var measured = StepUnits.Measure(p, methods);
        // Where the theory gives Gauss–Newton's step no unit, the row says so and why, in the words units
        // prints on its gn rows, with what was measured: it is not counted, and not passed over in silence.
        var caveat = StepUnits.LeastSquaresCaveat(p);
        var wrong = new List<string>();
        var uncounted = "";
        // What was left out, named as units would show it: a method that does not apply, a fallback or zero step.
        var left = new List<string>();
        var counted = 0;
        foreach (var m in measured)
        {
            if (m.Note.Length > 0)
            {
                left.Add($"{BookExample.ShortName(m.Method)} ({m.Note})"); // IG and PG on a non-square problem
                continue;
            }
            if (m.Method == Method.GaussNewton && caveat is not null)
            {
                var units = m.Steps.Select(s => $"Δ{s.Variable} in {(s.UnitText is null ? "no unit" : $"[{s.UnitText}]")}");
                uncounted = $"; gn not counted ({string.Join(", ", units)}{(m.Consistent ? "" : ", not x's unit")}): {caveat}";
                continue;
            }
            foreach (var s in m.Steps)
            {
                if (s.FellBack || !s.Measurable)
                {
                    // A fallback step or a zero step says nothing about the method's unit.
                    left.Add($"{BookExample.ShortName(m.Method)} Δ{s.Variable} ({(s.FellBack ? "a fallback step" : "no step to measure")})");
                    continue;
                }
                counted++;
                var expected = m.Method == Method.GradientDescent ? p.LossUnit / s.VariableUnit : s.VariableUnit;
                if (s.Unit is null || !s.Unit.Equals(expected))
                    wrong.Add($"{BookExample.ShortName(m.Method)} Δ{s.Variable}: {(s.Unit is null ? "no unit" : $"[{s.Unit}]")}, expected [{expected}]");
            }
        }
        // Adam (ε) and HIG (κ) are outside the property: said, so that units' rows for them are not read as checked.
        var excluded = $"; not counted: {(left.Count > 0 ? string.Join(", ", left) + ", " : "")}adam and hig (outside this property: PhysicsProblem.StepUnits() measures their steps)";
        if (counted == 0)
            return NotMeasured(1, name, $"no step unit could be measured: every method's step is 0, not finite or a fallback at x = {Show(p.Start)}{uncounted}");
        return new CheckResult(1, name, wrong.Count == 0, wrong.Count,
            (wrong.Count == 0 ? $"every measured step unit of {string.Join(", ", measured.Where(m => m.Note.Length == 0 && (m.Method != Method.GaussNewton || caveat is null)).Select(m => BookExample.ShortName(m.Method)))}, scale included, is the one the theory gives (measured: mismatches; passes at 0)" : "mismatches: " + string.Join("; ", wrong))
            + uncounted + excluded);
    }

    /// <summary>
    /// Property 2: for P_c = c·P, target c·y* and L = ½‖·‖², GD's step scales with c², Newton, IG, PG and
    /// Gauss–Newton steps are unchanged, HIG's scales with c^(1+κ) = √c.
    /// </summary>
    public static CheckResult FunctionSensitivity(Problem p, double c, double eta)
    {
        const string name = "function sensitivity (c-scaling)";
        var plain = WithDefaultLoss(p);
        var scaled = ProblemTransform.RescaleOutputs(c, p);
        var a = Compile(plain);
        var b = new CompiledProblem(scaled);
        var expectations = new List<(Method M, double Factor)>
        {
            (Method.GradientDescent, c * c), (Method.Newton, 1), (Method.GaussNewton, 1), (Method.HalfInverseGradient, Math.Sqrt(c)),
        };
        if (Square(p)) expectations.AddRange([(Method.InverseGradient, 1), (Method.PhysicalGradient, 1)]);
        // Every step is driven by y₀ − y*: where rounding decides it, no step ratio can be checked to 1E-07.
        var (residual, gdRounding, known) = ResidualRounding(a, p.Start, plain.Target);
        if (!Resolved(residual))
            return NotMeasured(2, name,
                $"{known}: y₀ − y* is at rounding level, so rounding decides every step and no step ratio can be checked to {NumberText.Short(Exact)} in double precision");
        var worst = 0.0;
        var compared = 0;
        var notes = new List<string>();
        var shaken = p.Start.Select((v, i) => v * (1 + (i % 2 == 0 ? 4 : -4) * CompiledProblem.UnitRoundoff)).ToArray();
        var rounding = InverseRounding(a, p.Start);
        foreach (var (m, factor) in expectations)
        {
            var (s1, f1) = Step(a, m, eta, p.Start);
            var (s2, f2) = Step(b, m, eta, p.Start);
            var method = BookExample.ShortName(m);
            if (f1 is not null || f2 is not null)
            {
                notes.Add($"{method} skipped (fallback: {f1 ?? f2})");
                continue;
            }
            if (IsZero(s1) && IsZero(s2))
            {
                notes.Add($"{method} not compared: its step is 0 in both");
                continue;
            }
            if (!s1.Concat(s2).All(double.IsFinite))
            {
                notes.Add($"{method} not compared: its step overflows in doubles");
                continue;
            }
            if (m == Method.GradientDescent && !Resolved(gdRounding))
            {
                notes.Add($"{method} not compared: rounding of y₀ − y* moves its step Jᵀ(y₀ − y*) by {NumberText.Short(gdRounding, 3)} relative (a component of y₀ − y* at rounding level, weighed by J)");
                continue;
            }
            // The same step from x₀ moved by 4 units of rounding (as property 3 shakes it): where that moves the
            // step beyond 1% of the tolerance, rounding of y₀ − y* decides it (x1² at x1 = 3E-38 against
            // y1* = 1E-75: r1 is rounding noise that J⁻¹ multiplies by 1/(2x1) ≈ 2E+37), and c·P rounds differently.
            var (shakenStep, _) = Step(a, m, eta, shaken);
            var spread = RelativeTo(shakenStep, s1, p.Start);
            if (!Resolved(spread))
            {
                notes.Add($"{method} not compared: x₀ moved by 4 units of rounding moves its step by {NumberText.Short(spread, 3)} relative (rounding of y₀ − y* decides it)");
                continue;
            }
            // Every rule but GD reads its step back from y through J⁻¹ (J⁺): J's conditioning lets the rounding of
            // y₀ (and of c·y₀) move each step by up to e (InverseRounding), x0 by 1E-04 on 1E-12·x0 + x1. Beyond the
            // tolerance that is no measurement; below it, only what exceeds e in a component is a deviation.
            var expected = s1.Select(v => v * factor).ToArray();
            var allowance = p.Start.Select((v, i) => 8 * CompiledProblem.UnitRoundoff * Math.Abs(v)).ToArray();
            // Newton's step comes from ∂²L/∂x² and ∇L, which square J's conditioning (NewtonRounding).
            var methodRounding = m == Method.Newton ? NewtonRounding(a, p.Start, s1) is { } newton && rounding is not null
                    ? newton.Select((v, i) => Math.Max(v, rounding[i])).ToArray() : null
                : rounding;
            if (m != Method.GradientDescent && methodRounding is not null)
            {
                var e = methodRounding.Select(v => (1 + factor) * v).ToArray();
                if (!(Norm(e) <= Exact * Norm(expected)))
                {
                    notes.Add($"{method} not compared: {ConditioningWords(a, p.Start, e, Norm(expected), "its step", hessian: m == Method.Newton)}");
                    continue;
                }
                allowance = allowance.Select((v, i) => Math.Max(v, e[i])).ToArray();
            }
            var deviation = Beyond(s2, expected, allowance);
            worst = Math.Max(worst, deviation);
            compared++;
            if (deviation > Exact) notes.Add($"{method}: step ratio off by {NumberText.Short(deviation, 3)}");
        }
        var noteText = notes.Count > 0 ? "; " + string.Join("; ", notes) : "";
        if (compared == 0)
            return NotMeasured(2, name, $"no method's step could be compared at c = {c}{noteText}");
        return new CheckResult(2, name, worst <= Exact, worst,
            $"largest relative deviation from GD ∝ c², HIG ∝ √c, others unchanged, at c = {c}, over {NumberText.Count(compared, "method")} ({PassesAtMost(Exact)})" + noteText);
    }

    /// <summary>Property 3: under x = S x̃ (S diagonal, positive) Newton, IG, PG and Gauss–Newton trajectories map exactly; GD's do not.
    /// Gauss–Newton is checked only with at least as many outputs as variables: with fewer (m &lt; n) its step is the
    /// minimum-norm solution of J Δx = −r, which minimises ‖Δx‖ in x's own coordinates, so it changes with S
    /// (Nocedal &amp; Wright, Numerical Optimization, §10.3: the minimum-norm step is not invariant under scaling).</summary>
    /// <param name="p">The problem.</param>
    /// <param name="eta">The step size.</param>
    /// <param name="iterations">How many steps of each trajectory are compared.</param>
    /// <param name="scales">The diagonal of S (default 2.5, 0.4, 2.5, …).</param>
    public static CheckResult ScaleInvariance(Problem p, double eta, int iterations = 5, double[]? scales = null)
    {
        const string name = "scale invariance of trajectories";
        var s = scales ?? p.Variables.Select((_, i) => i % 2 == 0 ? 2.5 : 0.4).ToArray();
        if (s.Length != p.Variables.Length || s.Any(v => !(v > 0) || !double.IsFinite(v)))
            throw new ArgumentException("S needs one positive, finite scale per variable.", nameof(scales));
        var reparametrised = ProblemTransform.Reparametrise(s, p);
        var a = Compile(p);
        var b = new CompiledProblem(reparametrised);
        var underdetermined = p.Simulator.Length < p.Variables.Length;
        var methods = Square(p)
            ? new[] { Method.Newton, Method.InverseGradient, Method.PhysicalGradient, Method.GaussNewton }
            : underdetermined ? [Method.Newton] : [Method.Newton, Method.GaussNewton];
        var gnNote = underdetermined
            ? $"; GN not checked: with {NumberText.Count(p.Simulator.Length, "output")} and {NumberText.Count(p.Variables.Length, "variable")} its minimum-norm step depends on the scaling"
            : "";
        // A change of x₀ by a few units of rounding: how far it moves x_k is how many of x_k's digits
        // rounding decides (4 units, alternating in sign, like the rounding of x̃₀ = S⁻¹x₀ itself).
        var shaken = p.Start.Select((v, i) => v * (1 + (i % 2 == 0 ? 4 : -4) * CompiledProblem.UnitRoundoff)).ToArray();
        // Per method: the largest deviation over the steps compared (NaN after a fallback), how many steps
        // were compared, and where rounding ended the comparison (0: it did not) with the spread it measured,
        // with how the runs in x and in x̃ stopped.
        TrajectoryDeviation Deviation(Method m)
        {
            var r1 = Optimizer.Run(a, m, eta, p.Start, iterations);
            var r2 = Optimizer.Run(b, m, eta, reparametrised.Start, iterations);
            TrajectoryDeviation Result(double worst, int compared, int unresolvedFrom = 0, double spread = double.NaN) =>
                new(worst, compared, unresolvedFrom, spread, r1.StopReason, r2.StopReason);
            if (r1.Fallbacks.Any(f => f.RuleFellBack) || r2.Fallbacks.Any(f => f.RuleFellBack)) return Result(double.NaN, 0);
            // Runs that stop at different iterations (one reaching L = 0 exactly, one not) differ, unless rounding
            // decides the step after the common part (below): the runs in x and x̃ are compared as far as both go.
            var common = Math.Min(r1.Trajectory.Count, r2.Trajectory.Count);
            var differ = r1.Trajectory.Count != r2.Trajectory.Count;
            var d = r1.Trajectory.Take(common).Select((x, k) => Relative(r2.Trajectory[k].Select((v, i) => v * s[i]).ToArray(), x)).ToArray();
            if (m == Method.GradientDescent) return Result(differ ? double.PositiveInfinity : d.Max(), common - 1);
            // Runs that never moved (every step 0, or none taken) compare x₀ with S·x̃₀ only: nothing of the method
            // is measured, so they count as not compared (Compared 0, not cut by rounding).
            if (!differ && Still(r1) && Still(r2)) return Result(d.Max(), 0);
            if (!differ && d.Max() <= Exact) return Result(d.Max(), d.Length - 1);
            // The trajectories differ beyond the tolerance. In exact arithmetic they map exactly, so either the
            // method is not scale invariant, or rounding has been amplified past the tolerance (the Rosenbrock
            // chain's PG step lands at |x| ≈ 10¹³, where P(x) keeps 3 digits). Two measurements find the steps
            // that rounding decides: (1) y_k = P(x_k) is known only to LandingUlps·u·‖s(x_k)‖, s the rounding
            // scale |J||x| + |P| (CompiledProblem.RoundingScale), and every rule's next step is driven by
            // y_k − y*: where that uncertainty passes 1% of the tolerance relative to ‖y_k − y*‖, step k + 1 and
            // the ones after it are not compared; (2) the same run from a start moved by rounding: a step it
            // moves by more than 1% of the tolerance is not compared either (this one can miss, when the moved
            // start rounds the same way later, hence (1)). Runs of different lengths are tested up to the step
            // one of them did not take (x₁ ≈ 1E+150 stopping at rounding level in x and not in x̃ was "Infinity").
            var r3 = Optimizer.Run(a, m, eta, shaken, iterations);
            var (scale, at) = (new double[a.M], new double[a.M]);
            for (var k = 1; k < (differ ? common + 1 : d.Length); k++)
            {
                RoundingScale(a, r1.Trajectory[k - 1], at, scale, residual: true);
                var known = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff * Norm(scale) / Norm(Minus(at, p.Target));
                // A run that stops at step k in one of the runs from x₀ and x₀ moved by rounding, and not in the
                // other, has its stop decided by rounding; one that overflowed (Diverged) there did so in doubles.
                var spread = k < r3.Trajectory.Count && k < r1.Trajectory.Count ? Relative(r3.Trajectory[k], r1.Trajectory[k])
                    : r3.Trajectory.Count == r1.Trajectory.Count && !(differ && (r1.StopReason == StopReason.Diverged || r2.StopReason == StopReason.Diverged)) ? 0
                    : double.PositiveInfinity;
                // (3) J's conditioning at x_(k−1): the rounding of y_(k−1) moves every inverting rule's x_k by up to e
                // (InverseRounding; x0 by 1E-04 on 1E-12·x0 + x1, where shaking x₀ moves nothing).
                if (m != Method.GradientDescent && InverseRounding(a, r1.Trajectory[k - 1]) is { } e)
                    known = Math.Max(known, Norm(e) / (1 + Norm(r1.Trajectory[k - 1])));
                // Newton's step through ∂²L/∂x², which squares J's conditioning (NewtonRounding).
                if (m == Method.Newton && NewtonRounding(a, r1.Trajectory[k - 1], Minus(r1.Trajectory[k], r1.Trajectory[k - 1])) is { } en)
                    known = Math.Max(known, Norm(en) / (1 + Norm(r1.Trajectory[k - 1])));
                if (!Resolved(known) || !Resolved(spread)) return Result(d.Take(k).Max(), k - 1, k, Math.Max(known, spread));
            }
            return Result(differ ? double.PositiveInfinity : d.Max(), common - 1);
        }
        // A run whose x never changed measured nothing of its method, whether its steps were 0 or below the
        // rounding of x (newton's Stalled step of 3E+58 beside x₁ = 1E+75).
        static bool Still(OptimizerRun r) => r.Trajectory.All(x => x.SequenceEqual(r.Trajectory[0]));
        var deviations = methods.Select(m => (m, d: Deviation(m))).ToArray();
        var checkedOnes = deviations.Where(d => !double.IsNaN(d.d.Worst)).ToArray();
        var resolved = checkedOnes.Where(d => d.d.Compared > 0).ToArray();
        var gd = Deviation(Method.GradientDescent);
        // GD's deviation is no number when one of its runs overflowed (its step is not scale invariant,
        // so in x̃ = S⁻¹x it may be 6.25 times too long and diverge): say so rather than print "Infinity".
        string GdComparison()
        {
            // A run that diverged is named even when the deviation is a finite number: with the scaled norm
            // (CompiledProblem.Norm) two runs gone to 1E+111 and 1E+222 compare as 2E+111, not as an overflow.
            var diverged = new[] { (gd.StopInX, "x"), (gd.StopInScaled, "x̃ = S⁻¹x") }
                .Where(r => r.Item1 is StopReason.Diverged or StopReason.LeftDomain).Select(r => r.Item2).ToArray();
            return diverged.Length > 0
                ? $"none, GD diverged (overflowed) in {string.Join(" and ", diverged)} within {NumberText.Count(iterations, "step")} at η = {NumberText.Short(eta)}, as a method that is not scale invariant may"
                : double.IsFinite(gd.Worst) ? NumberText.Short(gd.Worst, 3)
                : $"{NumberText.Short(gd.Worst, 3)} (GD's runs in x and x̃ = S⁻¹x stop at different steps)";
        }
        // Every method fell back: none of the trajectories the property is about exists here, which
        // is a precondition not met, not a failure.
        if (checkedOnes.Length == 0)
            return new CheckResult(3, name, false, double.NaN,
                $"every method fell back ({string.Join(", ", deviations.Select(d => BookExample.ShortName(d.m)))}), so none of their own trajectories exists here{gnNote}", Unmet: true);
        string Cut((Method m, TrajectoryDeviation d) v) =>
            $"{BookExample.ShortName(v.m)} from step {v.d.UnresolvedFrom} " + (double.IsFinite(v.d.Spread)
                ? $"(rounding moves it by {NumberText.Short(v.d.Spread, 3)}, relative: P cancels at the step before, J's conditioning lets y's rounding move it that far, or x₀ moved by 4 units of rounding moves it that far)"
                : "(rounding decides whether the run stops there, or a run overflows in doubles there)");
        var cut = checkedOnes.Where(d => d.d.UnresolvedFrom > 0).ToArray();
        var cutNote = cut.Length == 0 ? ""
            : $"; not compared where rounding decides x_k beyond 1% of the tolerance {NumberText.Short(Exact)}: {string.Join("; ", cut.Select(Cut))}";
        var still = checkedOnes.Where(d => d.d.Compared == 0 && d.d.UnresolvedFrom == 0).Select(d => BookExample.ShortName(d.m)).ToArray();
        var stillNote = still.Length == 0 ? "" : $"; not compared, no step moved x in x and x̃ (every step 0 or below the rounding of x, or none taken): {string.Join(", ", still)}";
        // Double precision cannot resolve even the first step of any method, or no method moved: no comparison to make.
        if (resolved.Length == 0)
            return NotMeasured(3, name, (cut.Length > 0
                ? $"rounding decides every compared trajectory's first step beyond the tolerance, so double precision cannot check the property here{cutNote}"
                : $"no trajectory moved from x₀, so there is no step to compare") + $"{stillNote}{gnNote}");
        var worst = resolved.Max(d => d.d.Worst);
        return new CheckResult(3, name, worst <= Exact, worst,
            $"largest deviation of x_k from S·x̃_k over {NumberText.Count(iterations, "step")} for {string.Join(", ", resolved.Select(d => BookExample.ShortName(d.m)))}" +
            (checkedOnes.Length < deviations.Length ? $" (skipped after fallbacks: {string.Join(", ", deviations.Where(d => double.IsNaN(d.d.Worst)).Select(d => BookExample.ShortName(d.m)))})" : "") +
            $" ({PassesAtMost(Exact)}){cutNote}{stillNote}; GD's deviation, for comparison: {GdComparison()}{gnNote}");
    }

    /// <summary>
    /// How far one method's trajectories in x and in x̃ = S⁻¹x (mapped back) part (property 3): the largest relative
    /// deviation of x_k from S·x̃_k over the steps compared (NaN after a fallback, +∞ when the runs stop at different
    /// steps), how many steps were compared, the step from which rounding decides x_k beyond 1% of the tolerance
    /// (0: none) with the spread measured there (NaN when none), and how the run in x and the one in x̃ stopped.
    /// </summary>
    private readonly record struct TrajectoryDeviation(
        double Worst, int Compared, int UnresolvedFrom, double Spread, StopReason StopInX, StopReason StopInScaled);

    /// <summary>
    /// Property 4: PG's y-distance to the target is multiplied by exactly |1 − η| per step (L = ½‖y − y*‖²): the
    /// step aims at y + η(y* − y), so y_(k+1) − y* = (1 − η)(y_k − y*), and a ratio of distances is |1 − η|,
    /// nonnegative for every η (for 1 &lt; η &lt; 2, y overshoots y* and still converges; from η = 2 on the distance
    /// does not shrink and PG does not converge, yet the ratio is still exactly |1 − η|).
    /// </summary>
    public static CheckResult ConvergenceNearOptimum(Problem p, double eta, int iterations = 5)
    {
        const string name = "PG's y-distance scales by |1 − η| per step";
        if (!Square(p)) return NotSquare(4, name, p);
        var c = Compile(WithDefaultLoss(p));
        var run = Optimizer.Run(c, Method.PhysicalGradient, eta, p.Start, iterations);
        // A fallback step is not PG's step: the property's precondition (a PG step exists) does not hold.
        if (run.Fallbacks.FirstOrDefault(f => f.RuleFellBack) is { } fellBack)
            return new CheckResult(4, name, false, double.NaN,
                $"PG fell back at iteration {fellBack.Iteration}, so its own steps do not exist there: {fellBack.Reason}", Unmet: true);
        if (run.StopReason == StopReason.Diverged)
            return new CheckResult(4, name, false, double.NaN, $"PG diverged: {run.StopDetail}", NonFinite: run.Exit.NonFinite);
        var distances = run.Outputs.Select(y => Norm(Minus(y, p.Target))).ToArray();
        // A distance is nonnegative: beyond η = 1 the step overshoots y* and the ratio is η − 1, not 1 − η.
        var ratio = Math.Abs(1 - eta);
        var worst = 0.0;
        // A step lands on y + Δy to the inverse's precision, which through chains of sinh, cosh and
        // their inverses is a few 1e-12 of y's scale (measured 4e-12): a ratio of distances is
        // compared to 1e-6 only while the distance is 1e-5 of y's scale or more (η = 0.9 shrinks it a
        // thousandfold in three steps). y's scale is the larger of ‖y*‖ and ‖y₀‖, not 1 + ‖y*‖, which with y
        // rescaled by 2⁻¹³⁰ left no distance above the floor (undef where the unscaled problem passes).
        var ys = Math.Max(Norm(p.Target), distances.Length > 0 ? Norm(run.Outputs[0]) : 0);
        var floor = 1e-5 * (ys > 0 && double.IsFinite(ys) ? ys : 1);
        // A PG run that stalls short of y* has had its steps decided by rounding (2.88·x0 − 3.7E-214·x1;
        // 0.24·x0 + 2.46E-213·x1 from [−1.19, 0.53]: x1 reaches 2E+196 and the step then rounds away; the ratios
        // before it were off by 0.3): the contraction cannot be followed in double precision, which is not a
        // failure of the property. One that stalls at y* (η = 1 lands there in one step) was measured before it.
        if (run.StopReason == StopReason.Stalled && distances.Length > 0 && distances[^1] > floor)
            return NotMeasured(4, name, $"PG stalled short of y*, so rounding decides its steps here and the contraction cannot be followed in double precision: {run.StopDetail}");
        // Where P(x) itself cancels (the Rosenbrock chain's first PG step lands at |x| ≈ 10¹³, where
        // 10(x_{i+1} − x_i²) keeps 3 digits), y_k is known only to u·s(x_k), s the rounding scale |J||x| + |P|
        // (CompiledProblem.RoundingScale), and a landing is accepted within LandingUlps of it: the ratio
        // d_k/d_(k−1) is then known to R_k = LandingUlps·u·(‖s(x_k)‖ + |1 − η|·‖s(x_(k−1))‖)/d_(k−1), its
        // rounding allowance. Computed only for a ratio off by more than 1e-6; a step whose allowance is
        // 0.1 or more cannot tell the contraction apart and is not compared.
        var scale = new double[c.M];
        var at = new double[c.M];
        double Rounding(int k)
        {
            RoundingScale(c, run.Trajectory[k], at, scale);
            return CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff * Norm(scale);
        }
        var compared = 0;
        var unresolved = 0;
        var allowance = 0.0;
        for (var k = 1; k < distances.Length; k++)
        {
            if (!(distances[k - 1] > floor)) continue;
            var deviation = Math.Abs(distances[k] / distances[k - 1] - ratio);
            if (deviation > 1e-6)
            {
                var bound = (Rounding(k) + ratio * Rounding(k - 1)) / distances[k - 1];
                if (!(bound < 0.1))
                {
                    unresolved++;
                    continue;
                }
                allowance = Math.Max(allowance, bound);
                deviation = Math.Max(0, deviation - bound);
            }
            worst = Math.Max(worst, deviation);
            compared++;
        }
        var unresolvedNote = unresolved == 0 ? ""
            : $"; {NumberText.Count(unresolved, "step")} not compared: P's rounding at x_k leaves the ratio uncertain by 0.1 or more";
        if (compared == 0)
            return NotMeasured(4, name, unresolved > 0
                ? $"rounding decides every ratio d_(k+1)/d_k to 0.1 or worse, so double precision cannot check the property here{unresolvedNote}"
                : $"no ratio d_(k+1)/d_k was compared: over the {NumberText.Count(distances.Length - 1, "PG step")} taken at η = {NumberText.Short(eta)}, no distance d_k = ‖y_k − y*‖ is above {NumberText.Short(floor, 2)}, the inverse's precision at this scale of y (largest d_k {NumberText.Short(distances.Max(), 3)})");
        var allowanceNote = allowance == 0 ? ""
            : $" beyond its rounding allowance (at most {NumberText.Short(allowance, 3)}: P cancels at x_k, so y_k is known to {NumberText.Short(CompiledProblem.LandingUlps)} units of rounding of |J|·|x_k| + |y_k|)";
        var divergesNote = eta >= 2
            ? $"; at η ≥ 2 the distance does not shrink (|1 − η| = {NumberText.Short(ratio)}), so PG does not converge, but its ratio is still exact"
            : eta > 1 ? $"; at 1 < η < 2 each step overshoots y* and the distance still shrinks by |1 − η| = {NumberText.Short(ratio)}" : "";
        return new CheckResult(4, name, worst <= 1e-6, worst,
            $"largest |d_(k+1)/d_k − |1 − η||{allowanceNote} over the {compared} of {NumberText.Count(iterations, "PG step")} at η = {NumberText.Short(eta)} whose distance d_k is above {NumberText.Short(floor, 2)} ({PassesAtMost(1e-6)}){unresolvedNote}{divergesNote}");
    }

    /// <summary>
    /// Property 5: ‖Δx_PG − Δx_IG‖ = O(‖Δy‖²), for Δy = ±J·δx along IG's direction towards the target (the
    /// larger difference of the two signs, so that the odd third-order term cannot cancel the second-order
    /// one at a size). The sizes of δx are the local scale of P (<see cref="LocalSize"/>: J changes by at most 10% on the
    /// segment) times 1 to 0.003, so that the O(‖Δy‖²) regime is what is measured at any scale of x₀; the
    /// remainder must have fitted order ≥ 1.8 or a bounded ratio to ‖Δy‖² (<see cref="SecondOrder"/>).
    /// Undef when no size keeps J within 10% in double precision.
    /// </summary>
    public static CheckResult FirstOrderAgreement(Problem p)
    {
        const string name = "PG and IG agree to first order";
        if (!Square(p)) return NotSquare(5, name, p);
        var c = Compile(p);
        var (y, j) = Simulate(c, p.Start);
        // Δy = J·δx for small x-steps δx along IG's direction towards the target, so that the sizes are
        // measured where P's nonlinearity lives (in x), whatever the outputs' scales.
        if (InverseJacobianTimes(c, p.Start, Minus(p.Target, y)) is not { } towards) return Singular(5, name, p.Start);
        // Sized by x's own scale (XScale), not 1 + ‖x₀‖: the same fractions of x at every rescaling of x.
        var xScale = XScale(c, p);
        if (Norm(towards) < 1e-12 * xScale) towards = p.Start.Select((_, i) => i == 0 ? 1.0 : 0.5).ToArray();
        var unit = towards.Select(v => v / Norm(towards)).ToArray();
        var start = 1e-2 * xScale;
        if (LocalSize(p.Start, unit, start, x => JacobianChange(c, j, x), h => Steps(c, p.Start, Times(j, Along(unit, h))) is not null) is not { } largest)
            return new CheckResult(5, name, false, double.NaN,
                $"J changes by more than 10% within ‖δx‖ = {NumberText.Short(Math.Max(1e-8 * Norm(p.Start), 1e-200), 3)} of x₀ along IG's direction, or y₀ + J·δx has no preimage there: no size of Δy shows the O(‖Δy‖²) regime in double precision", Unmet: true);
        var sizes = new List<double>();
        var differences = new List<double>();
        var floors = new List<double>();
        // Six sizes over two and a half decades below the local scale; a size whose y + Δy has no preimage
        // near x (past a fold of P) is skipped, the property being about Δy → 0.
        // J's conditioning lets the rounding of y₀ + Δy move PG's step by up to e (InverseRounding; x0 by 1E-04
        // on 1E-12·x0 + x1): twice that joins each size's floor, and a size whose steps it moves by 1% or more
        // cannot show an order and is not compared.
        var conditioning = InverseRounding(c, p.Start) is { } e ? 2 * Norm(e) : 0;
        var unresolved = 0;
        // Each size is measured on both sides, ±δx, and the larger difference is the one fitted:
        // PG − IG = A(Δy, Δy) + B(Δy, Δy, Δy) + …, whose second-order part is even in Δy and third-order part
        // odd, so max(‖A + B‖, ‖A − B‖) ≥ ‖A‖ and no size can dip below the O(‖Δy‖²) term. On one side alone
        // the two can cancel at the largest size (sin(299·x0) at −0.556701: ratio 7.9E-06 there, 8.2E-05 at
        // the small sizes, a fitted order of 1.37 for a property that holds), while a first-order
        // disagreement C·Δy still shows on either side. A side past a fold (no preimage) is left out.
        foreach (var t in new[] { 1, 0.3, 0.1, 3e-2, 1e-2, 3e-3 })
        {
            var dy = Times(j, Along(unit, largest * t));
            var sides = new[] { dy, dy.Select(v => -v).ToArray() }
                .Select(d => Steps(c, p.Start, d)).Where(s => s is not null).Select(s => s!.Value).ToArray();
            if (sides.Length == 0) continue;
            if (sides.Any(s => !(conditioning <= 1e-2 * Norm(s.Ig))))
            {
                unresolved++;
                continue;
            }
            sizes.Add(Norm(dy));
            differences.Add(sides.Max(s => Norm(Minus(s.Pg, s.Ig))));
            floors.Add(sides.Max(s => s.Floor) + conditioning);
        }
        if (sizes.Count < 3 && unresolved > 0)
            return NotMeasured(5, name,
                $"{NumberText.Count(unresolved, "size")} of 6 of Δy = J·δx, ‖δx‖ from {NumberText.Short(largest, 3)} down to {NumberText.Short(largest * 3e-3, 3)}, cannot be compared in double precision: " +
                ConditioningWords(c, p.Start, InverseRounding(c, p.Start)!, largest, "the largest ‖δx‖"));
        if (sizes.Count < 3)
            return new CheckResult(5, name, false, double.NaN,
                $"y + Δy has no preimage near x for {6 - sizes.Count} of 6 sizes of Δy = J·δx, ‖δx‖ from {NumberText.Short(largest, 3)} down to {NumberText.Short(largest * 3e-3, 3)}, so PG's steps the property compares do not exist there", Unmet: true);
        var sized = $"‖δx‖ from {NumberText.Short(largest, 3)} (J changes by at most 10% there) down to {NumberText.Short(largest * 3e-3, 3)}";
        // A difference at rounding level has no order to fit (its logarithm is −∞ or noise): such a pass
        // reports the measured difference itself, with the bound it is under.
        if (differences.Select((d, i) => d <= floors[i]).All(ok => ok))
            return new CheckResult(5, name, true, differences.Max(),
                $"largest ‖Δx_PG − Δx_IG‖ over {sizes.Count} sizes of ‖Δy‖ ({sized}), each at rounding level of x and the inverse (≤ {NumberText.Short(floors.Max(), 3)}): PG and IG steps coincide, P is linear along Δy, so no order is fitted");
        // Where the difference has fallen to rounding level, it no longer follows ‖Δy‖²: fit the rest.
        var usable = differences.Select((d, i) => (s: sizes[i], d)).Where((v, i) => v.d > 100 * floors[i]).ToArray();
        if (usable.Length < 2)
        {
            var largestRatio = differences.Select((d, i) => d / sizes[i] / sizes[i]).Max();
            return new CheckResult(5, name, true, largestRatio,
                $"largest ‖Δx_PG − Δx_IG‖/‖Δy‖² over {sizes.Count} sizes of ‖Δy‖ ({sized}; bounded, as the property needs): the difference is at rounding level for all but the largest Δy, so no order is fitted");
        }
        var (slope, growth, ratios) = SecondOrder(usable.Select(v => v.s).ToList(), usable.Select(v => v.d).ToList());
        return new CheckResult(5, name, slope >= OrderPasses || growth <= 10, slope,
            $"fitted order of ‖Δx_PG − Δx_IG‖ in ‖Δy‖ over {usable.Length} sizes ({sized}); {OrderRule("‖Δy‖²")}; ‖Δx_PG − Δx_IG‖/‖Δy‖² {RatioRange(ratios)}, at the smallest ‖Δy‖ {NumberText.Short(growth, 3)} times its largest value at ‖Δy‖ ≥ 20-fold bigger (≤ 10 passes too: bounded)");
    }

    /// <summary>Property 6: P(x₀ + Δx_PG) = y₀ + Δy to solver precision.</summary>
    public static CheckResult PhysicalExactness(Problem p, double eta)
    {
        const string name = "PG lands on y₀ + Δy";
        if (!Square(p)) return NotSquare(6, name, p);
        // At the target (∂L/∂y = 0) Δy = 0 and PG's step is 0: landing on y₀ + 0 is no evidence.
        if (AtTarget(p) is { } atTarget) return new CheckResult(6, name, false, double.NaN, atTarget, Unmet: true);
        var c = Compile(p);
        var (y0, _) = Simulate(c, p.Start);
        var g = new double[c.M];
        var h = new double[c.M * c.M];
        Settled(c).LossInY(y0, g, h);
        var dy = new double[c.M];
        if (!LinearAlgebra.Solve(h, g, dy).Ok)
            return new CheckResult(6, name, false, double.NaN, "the loss's Hessian in y is singular, so there is no Newton step Δy", Unmet: true);
        for (var i = 0; i < dy.Length; i++) dy[i] *= -eta;
        var (step, fallback) = Step(c, Method.PhysicalGradient, eta, p.Start);
        if (fallback is not null)
            return new CheckResult(6, name, false, double.NaN, $"PG fell back, so its own step does not exist here: {fallback}", Unmet: true);
        if (IsZero(step))
            return NotMeasured(6, name, $"PG's step is 0 here (Δy = {Show(dy)}), so landing on y₀ + Δy is not measured");
        var x = p.Start.Select((v, i) => v + step[i]).ToArray();
        var (landed, jacobian) = Simulate(c, x);
        var wanted = y0.Select((v, i) => v + dy[i]).ToArray();
        // The normwise backward error of the landing point (Higham, Accuracy and Stability of Numerical
        // Algorithms, §1.10): the miss in y against what rounding x alone can cause, ‖J‖_F·‖x‖, plus
        // ‖y‖. A closed-form inverse evaluated in doubles lands within a few ulps of x, which a steep
        // P turns into a miss in y of about ε‖J‖‖x‖; measured against 1 + ‖y‖ alone, such a point
        // would fail although PG's step is exact up to rounding.
        // At x = 0 rounding of x causes no miss whatever J is (sqrt at 0, where J = ∞: ∞·0 would be NaN).
        var rounding = Norm(x) == 0 ? 0 : Norm(jacobian) * Norm(x);
        if (!double.IsFinite(rounding) || !landed.All(double.IsFinite))
            return new CheckResult(6, name, false, double.NaN,
                $"P or J is not finite where PG lands (x₀ + Δx_PG = {Show(x)}), so its landing cannot be measured there", Unmet: true);
        // Relative to y's own scale, not 1 + ‖y₀ + Δy‖, which passed any landing with y rescaled by 2⁻¹³⁰.
        var scale = Norm(wanted) + rounding;
        var miss = Norm(Minus(landed, wanted));
        var residual = miss == 0 ? 0 : miss / scale;
        return new CheckResult(6, name, residual <= 1e-9, residual, $"‖P(x₀ + Δx_PG) − (y₀ + Δy)‖ relative to ‖y₀ + Δy‖ + ‖J‖‖x₀ + Δx_PG‖ (backward error; {PassesAtMost(1e-9)})");
    }

    /// <summary>
    /// Property 7: Δx_PG = ∫₀¹ (∂x/∂y)(y₀ + tΔy) dt · Δy, each component by MathNet's adaptive 15-point
    /// Gauss–Kronrod quadrature (target relative error 10⁻¹⁰, depth up to 15) along the path, the inverse
    /// at each node started from the nearest node already solved so that it stays on x₀'s branch. A
    /// fixed rule cannot do this: near small y the integrand is steep (x³ at 0.1: J⁻¹ ∝ y^(−2/3), where
    /// 8-point Gauss–Legendre was off by 1.1e-3). Δy = η(y* − y₀) is shrunk tenfold until J changes by at
    /// most 10% along the step (<see cref="LocalSize"/>), so the path stays within P's local scale; undef when
    /// no size does in double precision. Passes when ‖Δx_PG − ∫‖ is within ten times the quadrature's own
    /// error estimate plus 10⁻⁹‖Δx_PG‖ plus the inverse's precision (<see cref="InverseFloor"/>, × 1000).
    /// </summary>
    public static CheckResult MeanValue(Problem p, double eta)
    {
        const string name = "mean-value form of PG";
        if (!Square(p)) return NotSquare(7, name, p);
        var c = Compile(p);
        var (y0, j0) = Simulate(c, p.Start);
        var full = Minus(p.Target, y0).Select(v => v * eta).ToArray();
        if (Norm(full) == 0) full = y0.Select((_, i) => i == 0 ? 0.1 : 0.0).ToArray();
        // The identity holds for any Δy on x₀'s branch, but a path across a region where J changes by orders
        // of magnitude (x² from 10⁻⁸, where J⁻¹ ∝ y^(−1/2) is steep at the start) has an integrand no
        // quadrature error estimate describes. Δy = η(y* − y₀) is shrunk tenfold until J changes by at most
        // 10% along IG's step J⁻¹Δy (<see cref="LocalSize"/>), so that the path stays in the region P's local
        // scale sets, at any scale of x₀.
        if (InverseJacobianTimes(c, p.Start, full) is not { } ig) return Singular(7, name, p.Start);
        var igNorm = Norm(ig);
        var igUnit = ig.Select(v => v / igNorm).ToArray();
        var end = new double[c.N];
        InverseReport landing = default;
        double[] Shrunk(double h) => full.Select(v => v * (h / igNorm)).ToArray();
        bool Lands(double h)
        {
            landing = c.InvertReporting(y0.Select((v, i) => v + Shrunk(h)[i]).ToArray(), p.Start, end);
            // Only that a preimage exists: where it lands is what the property measures (a wrong given
            // inverse lands far from x₀ at any size, and must fail, not be sized away).
            return landing.Found;
        }
        if (LocalSize(p.Start, igUnit, igNorm, x => JacobianChange(c, j0, x), Lands) is not { } size)
            return new CheckResult(7, name, false, double.NaN,
                $"J changes by more than 10% within ‖J⁻¹Δy‖ = {NumberText.Short(Math.Max(1e-8 * Norm(p.Start), 1e-200), 3)} of x₀ for Δy along η(y* − y₀) = {Show(full)}, or y₀ + Δy has no preimage near x₀ there: no size of Δy keeps the path where the quadrature can be trusted in double precision", Unmet: true);
        var dy = Shrunk(size);
        var shrunk = size < igNorm ? $"Δy = η(y* − y₀) × {NumberText.Short(size / igNorm, 3)} (J changes by at most 10% along the path)" : "Δy = η(y* − y₀)";
        var pg = Minus(end, p.Start);
        if (IsZero(pg))
            return NotMeasured(7, name, $"PG's step for {shrunk} is 0 in doubles (P⁻¹(y₀ + Δy; x₀) = x₀), so there is no Δx_PG to compare with the integral");
        // J's conditioning lets the rounding of y₀ + Δy move P⁻¹(y₀ + Δy; x₀), so Δx_PG, by up to e
        // (InverseRounding; x0 by 1E-04 on 1E-12·x0 + x1): twice that joins the bound, and where it is 0.1% of
        // Δx_PG or more the comparison says little and is not made.
        var inverseRounding = InverseRounding(c, p.Start);
        var conditioning = inverseRounding is { } e ? 2 * Norm(e) : 0;
        if (!(conditioning <= 1e-3 * Norm(pg)))
            return NotMeasured(7, name, $"Δx_PG = {Show(pg)} for {shrunk} cannot be compared with the integral in double precision: {ConditioningWords(c, p.Start, inverseRounding!, Norm(pg), "‖Δx_PG‖")}");
        // J⁻¹Δy at y₀ + tΔy, memoised by t; the inverse starts from the nearest t solved so far.
        var solved = new SortedList<double, double[]> { [0] = p.Start, [1] = end };
        var integrands = new Dictionary<double, double[]>();
        string? failure = null;
        double[]? At(double t)
        {
            if (integrands.TryGetValue(t, out var known)) return known;
            var nearest = solved.Keys.MinBy(k => Math.Abs(k - t));
            var at = new double[c.N];
            if (!c.InvertAny(y0.Select((v, i) => v + t * dy[i]).ToArray(), solved[nearest], at))
            {
                failure ??= $"the local inverse found no preimage on the path at t = {NumberText.Short(t, 4)}, so the integral the property compares with cannot be measured";
                return null;
            }
            solved[t] = at;
            if (InverseJacobianTimes(c, at, dy) is not { } v)
            {
                failure ??= $"the Jacobian is singular on the path at x = {Show(at)}, so the integrand J⁻¹Δy does not exist there";
                return null;
            }
            integrands[t] = v;
            return v;
        }
        var integral = new double[c.N];
        var estimate = 0.0;
        for (var i = 0; i < c.N; i++)
        {
            var component = i;
            integral[i] = MathNet.Numerics.Integration.GaussKronrodRule.Integrate(
                // Depth 10 (at most 1024 subintervals) bounds the work on a steep integrand to seconds,
                // not minutes (each node is an inverse solve); a coarser result has a larger error
                // estimate, and the bound below grows with it, so the cap cannot cause a false failure.
                t => At(t) is { } v ? v[component] : double.NaN, 0, 1, out var error, out _, 1e-10, 10, 15);
            estimate += error * error;
            if (failure is not null) return new CheckResult(7, name, false, double.NaN, failure, Unmet: true);
        }
        estimate = Math.Sqrt(estimate);
        var difference = Norm(Minus(integral, pg));
        // Relative to ‖Δx_PG‖ and x's own scale, not to 1 + ‖Δx_PG‖, which at x₀ = 10⁻⁸ would pass anything.
        var rounding = 1e3 * InverseFloor(c, landing, p.Start, pg, y0.Select((v, i) => v + dy[i]).ToArray(), dy);
        var bound = 10 * estimate + 1e-9 * Norm(pg) + rounding + conditioning;
        var error2 = difference / Norm(pg);
        // Where J's condition number does not explain the allowance (tanh at 5: J ≈ 1.8E-04 beside y ≈ 1, condition
        // number 1), the words name J's size against y's, as ConditioningWords does.
        var conditioned = conditioning <= 1e-9 * Norm(pg) ? ""
            : BySize(c, p.Start, inverseRounding!) is { } bySize
                ? $" + y's rounding through |J⁻¹|, twice {NumberText.Short(conditioning / 2, 3)} ({bySize})"
                : $" + J's conditioning {NumberText.Short(conditioning, 3)} (twice how far y's rounding moves x through |J⁻¹|, condition number {NumberText.Short(ConditionNumber(c, p.Start), 2)})";
        return new CheckResult(7, name, difference <= bound, error2,
            $"difference between Δx_PG = {Show(pg)} and the adaptive Gauss–Kronrod quadrature of J⁻¹Δy along the path ({integrands.Count} nodes), relative to ‖Δx_PG‖, for {shrunk}; passes within 10 × the quadrature's error estimate {NumberText.Short(estimate, 3)} + 1e-9·‖Δx_PG‖ + the inverse's precision {NumberText.Short(rounding, 3)}{conditioned}");
    }

    /// <summary>
    /// Property 8: the local inverse returns x₀ at y₀ and, near y₀, stays on x₀'s branch with derivative
    /// J⁻¹: for Δy = J·δx, ‖P⁻¹(y₀ + Δy; x₀) − x₀ − δx‖/‖δx‖ → 0. The sizes of δx are scaled to the
    /// distance to the nearest singularity: starting from 10⁻²·‖x₀‖ (x's scale, <see cref="XScale"/>, so that the
    /// sizes are the same fractions of x at every rescaling of x), δx shrinks tenfold until the
    /// Jacobian's relative change ρ(δx) = ‖J(x₀)⁻¹(J(x₀ + δx) − J(x₀))‖_F is at most 0.1 (so J keeps its
    /// rank and the sign of its determinant on the segment, and the asymptotic regime is measured: x² at
    /// 0.0007 has its branch point 0.0007 away, closer than 10⁻²). By Taylor's theorem the deviation is
    /// at most the largest ρ on the segment; the criterion is that at each of three sizes (the found one,
    /// 10 and 100 times smaller) it is at most twice the largest ρ sampled on the segment and at the
    /// preimage, plus the inverse solver's precision 10⁻⁹·‖x₀‖/‖δx‖ and twice how far J's conditioning lets rounding of y move the preimage (<see cref="InverseRounding"/>) over ‖δx‖; a miss of P⁻¹(y₀; x₀) within that allowance is x₀ to the digits y₀ keeps. A wrong branch deviates by about 2, far above ρ ≤ 0.1.
    /// </summary>
    public static CheckResult LocalInverse(Problem p)
    {
        const string name = "local inverse keeps x₀'s branch";
        if (!Square(p)) return NotSquare(8, name, p);
        var c = Compile(p);
        var (y0, j) = Simulate(c, p.Start);
        if (InverseJacobianTimes(c, p.Start, y0) is null) return Singular(8, name, p.Start);
        var back = new double[c.N];
        if (!c.InvertAny(y0, p.Start, back))
            return new CheckResult(8, name, false, double.NaN, "P⁻¹(y₀; x₀) found no preimage of y₀ itself");
        var scale = XScale(c, p);
        var home = Norm(Minus(back, p.Start)) / scale;
        // The inverse at y₀ itself is not x₀: another branch (or a given inverse of the wrong sign). That is the
        // property failing, whatever the sizes below would measure.
        // y₀ whose rounding scale |J||x₀| + |y₀| is below the normal doubles (x0² at 10⁻²⁰⁰ is 0) does not tell
        // x₀ from its neighbours: no inverse can return x₀ from it, which is the range of doubles, not the theory.
        var (roundingScale, atStart) = (new double[c.M], new double[c.M]);
        RoundingScale(c, p.Start, atStart, roundingScale);
        if (home > 1e-9 && Norm(roundingScale) < CompiledProblem.SmallestNormal / CompiledProblem.UnitRoundoff)
            return new CheckResult(8, name, false, double.NaN,
                $"y₀ = P(x₀) = {Show(y0)} is below the range of normal doubles (its rounding scale {RoundingScaleWords("₀")} is {NumberText.Short(Norm(roundingScale), 3)}): it does not tell x₀ = {Show(p.Start)} from P⁻¹(y₀; x₀) = {Show(back)}, so the inverse cannot be checked there in double precision", Unmet: true);
        // J's conditioning lets the rounding of y₀ move P⁻¹(y₀; x₀) by up to e (InverseRounding): on 1E-12·x0 + x1
        // y₀ tells x0 only to 1E-04, so an inverse returning x0 = 0.599965 is x₀ to the digits y₀ keeps, not
        // another branch (a linear map has one). Only a miss beyond e is one.
        var inverseRounding = InverseRounding(c, p.Start);
        var conditioning = inverseRounding is { } e ? Norm(e) : 0;
        // The inverse's own precision in x: a closed form to rounding (1E-09 of x's scale, as before); the numeric
        // inverse stops once |Pᵢ(x) − yᵢ| ≤ 10⁻¹²(sᵢ + |yᵢ|) ≤ 2·10⁻¹²·sᵢ, which |J⁻¹| turns into an x-error of
        // 2·10⁻¹²/(64u) times InverseRounding's: on sin at 1.5707 (J ≈ 9.6E-05 beside y ≈ 1) 2E-08, above the
        // smallest δx = 1.6E-08, where it returned x₀ itself (deviation 1, a FAIL for a property that holds).
        var numericPrecision = InverseRounding(c, p.Start) is { } en
            ? 2 * CompiledProblem.NumericInverseTolerance / (CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff) * Norm(en)
            : 0;
        double Precision(InverseReport report) =>
            Math.Max(1e-9 * scale, report.Method == InverseMethod.ClosedForm ? 0 : numericPrecision);
        var homePrecision = Precision(c.InvertReporting(y0, p.Start, new double[c.N]));
        if (home * scale > homePrecision + conditioning)
        {
            // Another branch only if it is a preimage of y₀ at all (P(x̂) = y₀, as −√y for x²); an x̂ that P
            // does not map to y₀ (y0/2 for x0²) is no inverse, and the remedy differs.
            var mapped = new double[c.M];
            c.Simulate(back, mapped);
            var what = c.Lands(back, y0, mapped)
                ? "another branch: P of it is y₀ too"
                : $"not an inverse: P of it is {Show(mapped)}, not y₀ = {Show(y0)}";
            return new CheckResult(8, name, false, home,
                $"‖P⁻¹(y₀; x₀) − x₀‖/‖x₀‖ = {NumberText.Short(home, 3)}: the inverse at y₀ returns {Show(back)}, not x₀ = {Show(p.Start)} ({what})");
        }
        var n = c.N;
        double Rho(double[] x) => JacobianChange(c, j, x);
        var direction = p.Start.Select((_, i) => i == 0 ? 1.0 : 0.5).ToArray();
        // The largest size whose segment keeps ρ ≤ 0.1 and whose y₀ + J·δx has a preimage.
        double? size = null;
        for (var s = 1e-2; s >= 1e-10; s /= 10)
        {
            var dx = direction.Select(v => v * s * scale).ToArray();
            var x = new double[n];
            if (Rho(p.Start.Select((v, i) => v + dx[i]).ToArray()) <= 0.1
                && c.InvertAny(y0.Select((v, i) => v + Times(j, dx)[i]).ToArray(), p.Start, x) && Rho(x) <= 0.1)
            {
                size = s;
                break;
            }
        }
        if (size is not { } largest)
            return new CheckResult(8, name, false, double.NaN,
                $"J changes by more than 10% (relative to J(x₀)) within ‖δx‖ = {NumberText.Short(1e-10 * scale * Norm(direction), 3)} of x₀, or y₀ + J·δx has no preimage there: x₀ is too close to a singularity to measure", Unmet: true);
        // The deviations are relative to ‖δx‖, and rounding of y₀ + J·δx moves the preimage by up to e: where twice
        // that is 10% of the largest δx or more, no size can show the 10% regime the test is sized for.
        if (!(2 * conditioning <= 0.1 * largest * scale * Norm(direction)))
            return NotMeasured(8, name,
                $"‖P⁻¹(y₀; x₀) − x₀‖/‖x₀‖ = {NumberText.Short(home, 3)}, within rounding; the sizes ‖δx‖ ≤ {NumberText.Short(largest * scale * Norm(direction), 3)} cannot be measured in double precision: " +
                ConditioningWords(c, p.Start, inverseRounding!, largest * scale * Norm(direction), "the largest ‖δx‖"));
        var deviations = new List<double>();
        var bounds = new List<double>();
        var compared = new List<double>();
        var unresolved = new List<(double Size, double Floor)>();
        foreach (var t in new[] { largest, largest / 10, largest / 100 })
        {
            var dx = direction.Select(v => v * t * scale).ToArray();
            var x = new double[n];
            var report = c.InvertReporting(y0.Select((v, i) => v + Times(j, dx)[i]).ToArray(), p.Start, x);
            // The preimage is known to the inverse's precision and twice how far y's rounding moves it: where that
            // is 10% of ‖δx‖ or more, the deviation at this size is that uncertainty, not the branch's, and the
            // size is not compared (a FAIL is only reported where the measurement is resolved). A numeric inverse
            // that finds no preimage there met y's rounding before its tolerance (eˣ − 1 − x at 10⁻⁵ rounds at 10⁻²¹
            // beside a tolerance of 10⁻²²), which is that uncertainty too.
            var floor = Precision(report) + 2 * conditioning;
            if (!report.Found && floor <= 0.1 * Norm(dx))
                return new CheckResult(8, name, false, double.NaN, $"no preimage near x₀ of y₀ + J·δx with ‖δx‖ = {NumberText.Short(Norm(dx), 3)}, although there is one at {NumberText.Short(largest, 3)}·‖x₀‖");
            if (!(floor <= 0.1 * Norm(dx)))
            {
                unresolved.Add((Norm(dx), floor));
                continue;
            }
            compared.Add(t);
            deviations.Add(Norm(Minus(Minus(x, p.Start), dx)) / Norm(dx));
            // P(x₀ + δx) − y₀ − Jδx = ∫₀¹ (J(x₀ + sδx) − J(x₀))δx ds, so the deviation is at most the
            // largest ρ on the segment; sampled at s = ¼, ½, ¾, 1 and at the preimage, doubled for what
            // the samples miss (near an inflection ρ(s) ∝ |a·s + b·s²| can vanish at s = 1 alone).
            var rho = new[] { 0.25, 0.5, 0.75, 1.0 }.Select(f => Rho(p.Start.Select((v, i) => v + f * dx[i]).ToArray())).Append(Rho(x)).Max();
            bounds.Add(2 * rho + floor / Norm(dx));
        }
        string List(IEnumerable<double> v) => NumberText.List(v.ToArray(), d => NumberText.Short(d, 3), shown: 12);
        var unresolvedNote = unresolved.Count == 0 ? ""
            : $"{NumberText.Count(unresolved.Count, "size")} of 3 not compared, ‖δx‖ = {List(unresolved.Select(u => u.Size))}: " +
              $"{Resolves(c, p.Start, unresolved.Max(u => u.Floor), numericPrecision > 1e-9 * scale ? $"known to the numeric inverse's precision, 10⁻¹² of |J|·|x| + |y|, and {NumberText.Short(CompiledProblem.LandingUlps)} units of its rounding" : null)}, " +
              "10% or more of ‖δx‖ there";
        if (compared.Count < 2)
            return NotMeasured(8, name,
                $"‖P⁻¹(y₀; x₀) − x₀‖/‖x₀‖ = {NumberText.Short(home, 3)}, within rounding; the deviations cannot be measured in double precision at enough sizes (two of three needed): {unresolvedNote}");
        var sizes = compared.ToArray();
        // No order is fitted where a deviation is at rounding level (its logarithm is −∞ or noise).
        var order = deviations.All(d => d > 1e-9) ? NumberText.Short(Slope(sizes, deviations), 3) : "none: a deviation is at rounding level";
        var passed = deviations.Select((d, i) => d <= bounds[i]).All(ok => ok);
        return new CheckResult(8, name, passed, deviations[^1],
            $"‖P⁻¹(y₀; x₀) − x₀‖/‖x₀‖ = {NumberText.Short(home, 3)}; ‖P⁻¹(y₀ + Δy; x₀) − x₀ − δx‖/‖δx‖ = {List(deviations)} for Δy = J·δx, ‖δx‖/‖x₀‖ = {List(sizes)} (sized so that J changes by at most 10%); each must be at most twice the largest relative change of J on the segment plus rounding, {List(bounds)} (fitted order {order}, for information)" +
            (unresolvedNote == "" ? "" : $"; {unresolvedNote}"));
    }

    private static CheckResult Single(Problem p, int property, double eta) => Guarded(property, () => property switch
    {
        1 => Units(p),
        5 => FirstOrderAgreement(p),
        7 => MeanValue(p, eta),
        8 => LocalInverse(p),
        10 => GradientDescentLossChange(p),
        _ => throw new ArgumentOutOfRangeException(nameof(property)),
    });

    /// <summary>Why no step exists at the problem's start (∂L/∂y = 0 there), or null.</summary>
    private static string? AtTarget(Problem p)
    {
        var c = new CompiledProblem(p);
        var (y0, _) = Simulate(c, p.Start);
        var g = new double[c.M];
        var h = new double[c.M * c.M];
        Settled(c).LossInY(y0, g, h);
        return g.All(v => v == 0)
            ? $"∂L/∂y = 0 at y₀ = {Show(y0)} (x₀ is at the target): Δy = 0 and every step is 0, so there is no step to measure"
            : null;
    }

    /// <summary>
    /// Property 10: L(x + Δx_GD) − L(x) = −η‖∂L/∂x‖² + O(η²). The step lengths h = η‖∇L‖ are the local
    /// scale of L (<see cref="LocalSize"/> with ∇L in place of J: ∇L changes by at most 10% of ‖∇L‖ on the
    /// step) times 1 to 0.01, so the O(η²) regime is measured at any scale (sin(50·x) has a scale fifty times
    /// shorter than sin(x)); the remainder must have fitted order ≥ 2 (within 0.2) or a bounded ratio to η²
    /// (<see cref="SecondOrder"/>). Undef when no step keeps ∇L within 10% in double precision, or the loss
    /// change itself is at rounding level of L.
    /// </summary>
    public static CheckResult GradientDescentLossChange(Problem p)
    {
        const string name = "GD's loss change is −η‖∇L‖² to first order";
        var c = Compile(p);
        var g = new double[c.N];
        var h = new double[c.N * c.N];
        var l0 = Settled(c).LossInX(p.Start, g, h);
        // ‖∇L‖ scaled (Norm): Σ(∂L/∂xᵢ)² underflows for |∇L| below 1E-162 (x0^2 at 1E-200 had been "∇L = 0").
        var gn = Norm(g);
        // L and ∇L near or below the bottom of doubles (1E-200·x0 at a target 1E-201 away: L ≈ 5E-403 and ∇L ≈
        // 1E-401 are 0, though y₀ − y* is not): the property is measured on the outputs rescaled by a power of
        // two (exact), which scales L, ∇L and the remainder alike and leaves the verdict as it is. A gradient
        // exactly 0 beside an L of normal size is no underflow but a stationary point (x + sin(x) at π, where
        // 1 + cos(x) = 0 exactly): rescaling would change nothing there, and it is said as such below.
        if ((Math.Abs(l0) < Tiny || gn > 0 && gn < Tiny) && OutputRescaling(p) is { } rescale)
        {
            var scaled = GradientDescentLossChange(ProblemTransform.RescaleOutputs(rescale.Factor, p));
            return scaled with
            {
                Detail = $"measured with P and y* times {rescale.Words}: at ‖y₀ − y*‖ = {NumberText.Short(rescale.Residual, 3)}, L and ∇L are at the bottom of doubles or below " +
                         $"(L = {NumberText.Short(l0, 3)}, ‖∇L‖ = {NumberText.Short(gn, 3)} as doubles), not 0; L scales by the factor squared, and so does each quantity below: {scaled.Detail}",
            };
        }
        if (gn == 0)
            return new CheckResult(10, name, false, double.NaN, (Math.Abs(l0) >= Tiny ? GradientUnderflow(p) : null) switch
            {
                true => $"∇L = 0 at x = {Show(p.Start)} as doubles, with L = {NumberText.Short(l0, 3)}: ∂L/∂x underflowed (its formula is not 0 there beyond the double range), so GD does not move in double precision and there is no loss change to measure (check at another point)",
                false => $"∇L = 0 at x = {Show(p.Start)} with L = {NumberText.Short(l0, 3)} of normal size: x is a stationary point of L (∂L/∂x = 0 exactly, also beyond the double range, not an underflow), so GD does not move and there is no loss change to measure (check at another point)",
                null => $"∇L = 0 at x = {Show(p.Start)}: GD does not move, so there is no loss change to measure (check at another point)",
            }, Unmet: true);
        var down = g.Select(v => -v / gn).ToArray();
        double LossAt(double[] x, double[] gradient) => Settled(c).LossInX(x, gradient, new double[c.N * c.N]);
        double GradientChange(double[] x)
        {
            var gx = new double[c.N];
            LossAt(x, gx);
            var change = Norm(Minus(gx, g)) / gn;
            return double.IsFinite(change) ? change : double.PositiveInfinity;
        }
        // Sized by x's own scale, not 1 + ‖x₀‖ (the same fractions of x at every rescaling of x).
        if (LocalSize(p.Start, down, 1e-3 * XScale(c, p), GradientChange) is not { } largest)
            return new CheckResult(10, name, false, double.NaN,
                $"∇L changes by more than 10% within a step of {NumberText.Short(Math.Max(1e-8 * Norm(p.Start), 1e-200), 3)} along −∇L: no step size shows the O(η²) regime in double precision", Unmet: true);
        var lengths = new List<double>();
        var remainders = new List<double>();
        var all = new List<double>();
        // L is evaluated to a few hundred ulps of the larger of |L| and the loss change itself, and through y: y = P(x)
        // is known only to LandingUlps·u·s (s the rounding scale |J||x| + |y|), which moves L by Σ|∂L/∂yᵢ|·that. Where
        // P is flat next to its own size (tanh at 15: J ≈ 3.7E-13 beside y ≈ 1), that is far above L's own rounding,
        // and the loss change over every step below is rounding of y (the remainders' fitted order was −0.13).
        // L's own evaluation rounds at its intermediates, not at |L|: ½(eˣ − 1 − x − y*)² at 10⁻⁵ forms eˣ ≈ 1, so each
        // L is off by up to its running error bound (CompiledProblem.LossRoundingError), and a remainder is L − L₀.
        var fromY = LossRoundingThroughY(c, p.Start);
        var floor = 1e-13 * (Math.Abs(l0) + largest * gn) + fromY + 2 * c.LossRoundingError(p.Start);
        foreach (var t in new[] { 1, 0.3, 0.1, 0.03, 0.01 })
        {
            var step = largest * t;
            var l = LossAt(p.Start.Select((v, i) => v + step * down[i]).ToArray(), new double[c.N]);
            var r = Math.Abs(l - l0 + step * gn);
            all.Add(r);
            if (r > floor) { lengths.Add(step); remainders.Add(r); }
        }
        var sized = $"steps ‖Δx‖ from {NumberText.Short(largest, 3)} (∇L changes by at most 10% there) down to {NumberText.Short(largest * 0.01, 3)}";
        if (lengths.Count < 2)
        {
            // The loss change at the largest step must stand well above rounding for "linear" to mean anything.
            if (largest * gn < 1e4 * floor)
            {
                // Where y's rounding dominates, the words say so in x: how far y = P(x) leaves x open along −∇L.
                var (_, j) = Simulate(c, p.Start);
                var along = Norm(Times(j, down));
                var yScale = new double[c.M];
                RoundingScale(c, p.Start, new double[c.M], yScale);
                var resolution = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff * Norm(yScale) / along;
                var throughY = fromY >= 1e-13 * (Math.Abs(l0) + largest * gn) && double.IsFinite(resolution)
                    ? $"; {Resolves(c, p.Start, resolution)} along −∇L, {NumberText.Short(resolution / largest, 3)} times the largest step, and y's rounding moves L by up to {NumberText.Short(fromY, 3)}"
                    : "";
                return new CheckResult(10, name, false, double.NaN,
                    $"the loss change along −∇L over {sized} is at most {NumberText.Short(largest * gn, 3)}, so its O(η²) remainder (a tenth of that or less) is within 1000 times L's rounding {NumberText.Short(floor, 3)} at L = {NumberText.Short(l0, 3)}: no remainder can be measured in double precision (a larger step leaves the region where ∇L is nearly constant){throughY}", Unmet: true);
            }
            return new CheckResult(10, name, true, all.Max(),
                $"largest |L(x − η∇L) − L(x) + η‖∇L‖²| over {all.Count} {sized} (at rounding level, ≤ {NumberText.Short(floor, 3)} for all but at most one): the loss is linear along −∇L, so no order is fitted");
        }
        // The remainder in η and in the step length h = η‖∇L‖ has the same order.
        var (slope, growth, _) = SecondOrder(lengths, remainders);
        return new CheckResult(10, name, slope >= OrderPasses || growth <= 10, slope,
            $"fitted order of |L(x − η∇L) − L(x) + η‖∇L‖²| in η over {lengths.Count} {sized}; {OrderRule("η²")}; its ratio to η² at the smallest step is {NumberText.Short(growth, 3)} times its largest value at 20-fold bigger steps (≤ 10 passes too: bounded)");
    }

    /// <summary>
    /// How far the rounding of y = P(x) moves L at x: Σᵢ |∂L/∂yᵢ|·<see cref="CompiledProblem.LandingUlps"/>·u·sᵢ, s the
    /// rounding scale |J||x| + |y| (<see cref="CompiledProblem.RoundingScale"/>), the first-order error of L evaluated on a
    /// y known to that; 0 where ∂L/∂y cannot be formed or is not finite (then only L's own rounding is counted, as before).
    /// </summary>
    private static double LossRoundingThroughY(CompiledProblem c, double[] x)
    {
        var (scale, y) = (new double[c.M], new double[c.M]);
        RoundingScale(c, x, y, scale);
        var (gy, hy) = (new double[c.M], new double[c.M * c.M]);
        try
        {
            Settled(c).LossInY(y, gy, hy);
        }
        catch (Exception failure) when (InputError.Unformable(failure) is not null)
        {
            return 0;
        }
        var sum = 0.0;
        for (var i = 0; i < c.M; i++)
            if (scale[i] != 0) sum += Math.Abs(gy[i]) * scale[i];
        var moved = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff * sum;
        return double.IsFinite(moved) ? moved : 0;
    }

    // Whether ∂L/∂x, 0 in doubles at the start, is nonzero in Wide arithmetic (the double exponent range lifted:
    // e^x at −800 gives ∂L/∂x ≈ −e⁻⁸⁰⁰, an underflow) or 0 there too (x + sin(x) at π: 1 + cos(π) = 0, a
    // stationary point); null when the formulas cannot be derived or evaluated (then nothing is claimed).
    private static bool? GradientUnderflow(Problem p)
    {
        try
        {
            var symbols = p.Variables.Select(ExprModule.Symbol).ToArray();
            var gradient = Calculus.Gradient(symbols, p.LossInX);
            var wide = WideEvaluate.ManyAt(p.Variables, p.Start, gradient);
            if (wide.Any(w => !w.IsFinite)) return null;
            return wide.Any(w => w.M != 0);
        }
        catch (SymbolicException)
        {
            return null;
        }
    }

    // Below this, L and ∇L are too near the subnormals for property 10's remainders (10⁻⁸ of them and less) to keep their digits.
    private const double Tiny = 1e-150;

    /// <summary>
    /// For the default loss ½‖y − y*‖² only: the power of two 2ᵏ that brings ‖P(x₀) − y*‖ into [1, 2) (|k| ≤ 1000),
    /// with the residual's norm and the factor in words; null for another loss, a residual of 0 or not finite, or one
    /// already in [1, 2) (so a rescaled problem is never rescaled again).
    /// </summary>
    private static (double Factor, double Residual, string Words)? OutputRescaling(Problem p)
    {
        if (!p.HasDefaultLoss || p.Target.Length != p.Simulator.Length) return null;
        var (y, _) = Simulate(Compile(p), p.Start);
        var residual = Norm(Minus(y, p.Target));
        if (!(residual > 0) || !double.IsFinite(residual)) return null;
        var k = Math.Clamp(-Math.ILogB(residual), -1000, 1000);
        return k == 0 ? null : (Math.ScaleB(1.0, k), residual, $"2^{k} ({NumberText.Short(Math.ScaleB(1.0, k), 3)})");
    }

    /// <summary>Property 11: κ = −1 (no truncation) equals Gauss–Newton, and IG for square J with L = ½‖·‖²; κ = +1 equals GD.</summary>
    public static CheckResult ExponentFamily(Problem p, double eta)
    {
        const string name = "exponent family κ = −1, +1";
        var c = Compile(WithDefaultLoss(p));
        var (minusOne, f1) = Step(c, Method.HalfInverseGradient, eta, p.Start, kappa: -1, tau: 0);
        var (plusOne, f2) = Step(c, Method.HalfInverseGradient, eta, p.Start, kappa: 1, tau: 0);
        var (gn, f3) = Step(c, Method.GaussNewton, eta, p.Start);
        var (gd, _) = Step(c, Method.GradientDescent, eta, p.Start);
        // A fallback means the rule's own step does not exist here (J singular): the identities are about
        // the rules, so the precondition does not hold, which is not a failure.
        if ((f1 ?? f2 ?? f3) is { } fallback)
            return new CheckResult(11, name, false, double.NaN, $"a step fell back, so the rules' own steps do not exist here: {fallback}", Unmet: true);
        // Every step is driven by y₀ − y*: where rounding decides it (GN's step is then 0 by its rounding stop,
        // κ = −1's is the noise), no identity can be checked to 1E-07 (as for property 2).
        var (residual, gdRounding, known) = ResidualRounding(c, p.Start, p.Target);
        if (!Resolved(residual))
            return NotMeasured(11, name,
                $"{known}: y₀ − y* is at rounding level, so rounding decides every step and the identities cannot be checked to {NumberText.Short(Exact)} in double precision");
        var pairs = new List<(string Name, double[] Step, double[] Other)> { ("κ = −1 from GN", minusOne, gn) };
        var notes = new List<string>();
        if (Resolved(gdRounding)) pairs.Add(("κ = +1 from GD", plusOne, gd));
        else notes.Add($"κ = +1 against GD not compared: rounding of y₀ − y* moves GD's step by {NumberText.Short(gdRounding, 3)} relative");
        if (Square(p))
        {
            var (ig, f4) = Step(c, Method.InverseGradient, eta, p.Start);
            if (f4 is null) pairs.Add(("κ = −1 from IG", minusOne, ig));
        }
        var moving = pairs.Where(v => !(IsZero(v.Step) && IsZero(v.Other))).ToArray();
        if (moving.Length < pairs.Count)
            notes.Add($"not compared, both steps 0: {string.Join(", ", pairs.Except(moving).Select(v => v.Name))}");
        // κ = −1, GN and IG read their steps back from y through J⁻¹ (J⁺), each by its own factorisation: J's
        // conditioning lets the rounding of y₀ move each by up to e (InverseRounding). Beyond the tolerance the
        // pair is not compared; below it, only what exceeds 2e in a component counts.
        var allowances = new Dictionary<string, double[]>();
        if (InverseRounding(c, p.Start) is { } e)
        {
            var twice = e.Select(v => 2 * v).ToArray();
            var unresolved = moving.Where(v => v.Other != gd && !(Norm(twice) <= Exact * Norm(v.Other))).ToArray();
            if (unresolved.Length > 0)
                notes.Add($"not compared: {string.Join(", ", unresolved.Select(v => v.Name))}: {ConditioningWords(c, p.Start, twice, Norm(unresolved[0].Other), "the step")}");
            moving = moving.Except(unresolved).ToArray();
            foreach (var v in moving.Where(v => v.Other != gd)) allowances[v.Name] = twice;
        }
        var noteText = notes.Count > 0 ? "; " + string.Join("; ", notes) : "";
        if (moving.Length == 0)
            return NotMeasured(11, name, $"no pair of steps could be compared{noteText}");
        var worst = moving.Max(v => allowances.TryGetValue(v.Name, out var allowance) ? Beyond(v.Step, v.Other, allowance) : RelativeTo(v.Step, v.Other));
        var detail = $"largest relative difference of {string.Join(", ", moving.Select(v => v.Name))}{noteText}";
        return new CheckResult(11, name, worst <= Exact, worst, $"{detail} ({PassesAtMost(Exact)})");
    }
}
