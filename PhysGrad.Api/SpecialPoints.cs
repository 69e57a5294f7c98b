using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>How one evaluated derivative entry was obtained.</summary>
public enum PointValueSource
{
    /// <summary>The exact derivative's formula, evaluated at the point.</summary>
    Formula,
    /// <summary>
    /// The formula is not finite at the point (0·∞, 0/0, 0·log 0); the value is the limit of the
    /// difference quotients of the next lower derivative along the variable (both sides agree).
    /// </summary>
    Limit,
    /// <summary>As <see cref="Limit"/>, but only one side is inside the function's domain.</summary>
    OneSidedLimit,
    /// <summary>No finite derivative: the difference quotients grow without bound or the two sides differ.</summary>
    NotDifferentiable,
    /// <summary>The formula is not finite and the difference quotients do not settle: undecided.</summary>
    Undecided,
}

/// <summary>
/// Partial derivatives at points where the exact formula is not finite. A partial derivative is by
/// definition the limit of difference quotients along its variable; where the formula gives 0·∞ or 0/0
/// (a removable singularity of the formula, not of the function), that limit is taken numerically:
/// forward and backward quotients at h = h₀·2⁻ᵏ (h₀ = max(1, |xⱼ|)/16, k = 0…15), each extrapolated
/// to h = 0 by Richardson's method (the error of a one-sided quotient is a series in h), with the
/// error estimate of Neville's tableau. A side is accepted when its estimate's error is at most
/// <see cref="Tolerance"/>·max(1, |value|); the two sides must then agree to the same tolerance. The
/// method is <see cref="DifferenceLimit"/>'s (shared with the optimisers); this adds the words.
/// </summary>
internal static class PointLimits
{
    /// <summary>The relative tolerance of an accepted limit and of the agreement of the two sides.</summary>
    public const double Tolerance = DifferenceLimit.Tolerance;

    /// <summary>The outcome of one limit: its value (the formula's value when no finite limit) and its source.</summary>
    /// <remarks><c>Convention</c>: the formula's finite value there rests only on sign(0) = 0 (a kink or jump of abs or sign).</remarks>
    public readonly record struct Outcome(double Value, PointValueSource Source, string Detail, bool Convention = false);

    /// <summary>
    /// The derivative at t = 0 of <paramref name="g"/> (the lower derivative along one variable),
    /// where <paramref name="scale"/> is max(1, |xⱼ|).
    /// </summary>
    /// <remarks>
    /// <paramref name="why"/>, when given, replaces the opening "the formula gives … here" (used where the
    /// formula is finite but rests on the convention sign(0) = 0 at a kink). A derivative found not to
    /// exist is NaN when the formula's value was finite (a convention is not a derivative), else the
    /// formula's non-finite value.
    /// </remarks>
    public static Outcome Derivative(Func<double, double> g, double scale, double formula, string lower, string along, string? why = null)
    {
        var of = why ?? $"the formula gives {Text(formula)} here; ";
        var none = double.IsFinite(formula) ? double.NaN : formula;
        var o = DifferenceLimit.Derivative(g, scale);
        var outcome = o.Verdict switch
        {
            LimitVerdict.LowerNotFinite => new Outcome(none, PointValueSource.Undecided,
                of + $"{lower} is not finite here either, so no difference quotient along {along} exists"),
            LimitVerdict.Limit => new Outcome(o.Value, PointValueSource.Limit,
                of + $"the value is the limit of the difference quotients of {lower} along {along} (both sides agree)"),
            LimitVerdict.SidesDiffer => new Outcome(none, PointValueSource.NotDifferentiable,
                of + $"not differentiable: the one-sided derivatives along {along} differ ({Text(o.Below)} from below, {Text(o.Above)} from above)"),
            LimitVerdict.OneSidedAbove => new Outcome(o.Value, PointValueSource.OneSidedLimit,
                of + $"the value is the limit of the difference quotients of {lower} along {along} from above ({lower} is not defined below)"),
            LimitVerdict.OneSidedBelow => new Outcome(o.Value, PointValueSource.OneSidedLimit,
                of + $"the value is the limit of the difference quotients of {lower} along {along} from below ({lower} is not defined above)"),
            LimitVerdict.Unbounded => new Outcome(none, PointValueSource.NotDifferentiable,
                of + $"no finite derivative: the difference quotients of {lower} along {along} grow without bound"),
            LimitVerdict.Overflows => new Outcome(none, PointValueSource.Undecided,
                of + $"undecided: {lower} overflows in doubles a step away along {along}, so its difference quotients cannot be measured; the formula's own value fails by overflow or underflow, not for want of a derivative"),
            _ => new Outcome(formula, PointValueSource.Undecided,
                of + $"undecided: the difference quotients of {lower} along {along} do not settle to a limit within the tolerance"),
        };
        return outcome with { Convention = why is not null };
    }

    /// <summary>
    /// A numerical limit <paramref name="value"/> known only to within ±<paramref name="bound"/>, with the
    /// digits the bound justifies and no more: down to the decade of the bound (at most six significant
    /// digits), and 0 when |value| &lt; bound, since 0 is then as good an answer as any digit printed.
    /// x·log(x) → 0 settles at 3.5E-07 with a bound of 1E-06: it prints as 0, not 3.52553E-07; sin(x)/x →
    /// 1 ± 1E-06 prints as 1; a limit of 1234.5678 ± 0.0012345 as 1234.57 (down to the bound's 10⁻³ decade).
    /// </summary>
    internal static string Text(double value, double bound)
    {
        if (!double.IsFinite(value) || !(bound > 0) || !double.IsFinite(bound)) return Text(value);
        if (Math.Abs(value) < bound) return "0";
        var digits = (int)Math.Floor(Math.Log10(Math.Abs(value))) - (int)Math.Floor(Math.Log10(bound)) + 1;
        return (value + 0.0).ToString("G" + Math.Clamp(digits, 1, 6), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static string Text(double x) => double.IsNaN(x) ? "NaN" : double.IsPositiveInfinity(x) ? "Infinity" : double.IsNegativeInfinity(x) ? "-Infinity"
        : (x + 0.0).ToString("G6", System.Globalization.CultureInfo.InvariantCulture);
}
