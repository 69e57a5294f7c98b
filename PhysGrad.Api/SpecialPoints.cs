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
/// <see cref="Tolerance"/>·max(1, |value|); the two sides must then agree to the same tolerance.
/// </summary>
internal static class PointLimits
{
    /// <summary>The relative tolerance of an accepted limit and of the agreement of the two sides.</summary>
    public const double Tolerance = 1e-6;

    private const int Steps = 16;
    private const int MaxColumns = 6;

    /// <summary>The outcome of one limit: its value (the formula's value when no finite limit) and its source.</summary>
    public readonly record struct Outcome(double Value, PointValueSource Source, string Detail);

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
        var g0 = g(0);
        if (!double.IsFinite(g0))
            return new Outcome(none, PointValueSource.Undecided,
                of + $"{lower} is not finite here either, so no difference quotient along {along} exists");
        var h0 = scale / 16;
        var forward = new double[Steps];
        var backward = new double[Steps];
        for (var k = 0; k < Steps; k++)
        {
            var h = h0 / (1 << k);
            forward[k] = (g(h) - g0) / h;
            backward[k] = (g0 - g(-h)) / h;
        }
        var right = Snap(Side(forward), forward);
        var left = Snap(Side(backward), backward);
        if (right is { } r && left is { } l)
        {
            var v = (r + l) / 2;
            if (Math.Abs(r - l) <= Tolerance * Math.Max(1, Math.Abs(v)))
                return new Outcome(v + 0.0, PointValueSource.Limit, of + $"the value is the limit of the difference quotients of {lower} along {along} (both sides agree)");
            return new Outcome(none, PointValueSource.NotDifferentiable,
                of + $"not differentiable: the one-sided derivatives along {along} differ ({Text(l)} from below, {Text(r)} from above)");
        }
        var finiteRight = Array.TrueForAll(forward, double.IsFinite);
        var finiteLeft = Array.TrueForAll(backward, double.IsFinite);
        if (right is { } onlyRight && !finiteLeft)
            return new Outcome(onlyRight + 0.0, PointValueSource.OneSidedLimit,
                of + $"the value is the limit of the difference quotients of {lower} along {along} from above ({lower} is not defined below)");
        if (left is { } onlyLeft && !finiteRight)
            return new Outcome(onlyLeft + 0.0, PointValueSource.OneSidedLimit,
                of + $"the value is the limit of the difference quotients of {lower} along {along} from below ({lower} is not defined above)");
        if (Grows(forward) || Grows(backward))
            return new Outcome(none, PointValueSource.NotDifferentiable,
                of + $"no finite derivative: the difference quotients of {lower} along {along} grow without bound");
        return new Outcome(formula, PointValueSource.Undecided,
            of + $"undecided: the difference quotients of {lower} along {along} do not settle to a limit within the tolerance");
    }

    /// <summary>
    /// An extrapolated limit within 10⁻¹² of the quotients' own size is indistinguishable from 0 at the
    /// method's accuracy (10⁻⁶): it is reported as 0 rather than as rounding noise such as 2·10⁻¹⁸.
    /// </summary>
    private static double? Snap(double? value, double[] quotients)
    {
        if (value is not { } v) return null;
        var size = quotients.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        return Math.Abs(v) <= 1e-12 * Math.Max(1, size) ? 0.0 : v;
    }

    internal static string Text(double x) => double.IsNaN(x) ? "NaN" : double.IsPositiveInfinity(x) ? "Infinity" : double.IsNegativeInfinity(x) ? "-Infinity"
        : (x + 0.0).ToString("G6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Richardson extrapolation of quotients D(h_k) with h_k = h₀2⁻ᵏ and an error series in h, h², …:
    /// T[k, m] = T[k, m−1] + (T[k, m−1] − T[k−1, m−1])/(2ᵐ − 1). Returns the entry with the smallest
    /// error estimate (the larger of its differences to its two neighbours), when that is within the
    /// tolerance, or null. Only the finite tail of the sequence is used (a domain edge near the point
    /// makes the largest steps undefined).
    /// </summary>
    private static double? Side(double[] d)
    {
        var start = d.Length;
        while (start > 0 && double.IsFinite(d[start - 1])) start--;
        var n = d.Length - start;
        if (n < 4) return null;
        var t = new double[n, MaxColumns + 1];
        double best = double.NaN, bestError = double.PositiveInfinity;
        for (var k = 0; k < n; k++)
        {
            t[k, 0] = d[start + k];
            for (var m = 1; m <= Math.Min(k, MaxColumns); m++)
            {
                t[k, m] = t[k, m - 1] + (t[k, m - 1] - t[k - 1, m - 1]) / ((1 << m) - 1);
                var error = Math.Max(Math.Abs(t[k, m] - t[k, m - 1]), Math.Abs(t[k, m] - t[k - 1, m - 1]));
                if (error < bestError)
                {
                    bestError = error;
                    best = t[k, m];
                }
            }
        }
        if (double.IsFinite(best) && bestError <= Tolerance * Math.Max(1, Math.Abs(best)))
            return best;
        return Aitken(d, start);
    }

    /// <summary>
    /// Aitken's Δ² for quotients whose error is c·h^α with α not an integer (√h from a power 3/2 at 0),
    /// which Richardson's integer powers cannot remove: A = D_k − (ΔD_k)²/(ΔD_k − ΔD_{k−1}). Used only
    /// where the differences shrink geometrically (ratio at most 0.9): on a diverging sequence Aitken
    /// would extrapolate to a meaningless "antilimit". Accepted like Richardson's estimate.
    /// </summary>
    private static double? Aitken(double[] d, int start)
    {
        double previous = double.NaN, best = double.NaN, bestError = double.PositiveInfinity;
        for (var k = start + 2; k < d.Length; k++)
        {
            var d1 = d[k] - d[k - 1];
            var d0 = d[k - 1] - d[k - 2];
            if (d1 == 0 && d0 == 0)
            {
                if (0 < bestError) (best, bestError) = (d[k], 0);
                previous = d[k];
                continue;
            }
            var ratio = d1 / d0;
            if (!(Math.Abs(ratio) <= 0.9) || d1 == d0)
            {
                previous = double.NaN;
                continue;
            }
            var a = d[k] - d1 * d1 / (d1 - d0);
            if (double.IsFinite(previous) && Math.Abs(a - previous) < bestError)
                (best, bestError) = (a, Math.Abs(a - previous));
            previous = a;
        }
        return double.IsFinite(best) && bestError <= Tolerance * Math.Max(1, Math.Abs(best)) ? best : null;
    }

    /// <summary>Do the quotients grow without bound: |D| at the smallest step is 100 times |D| at the largest finite one and grows steadily over the last steps?</summary>
    private static bool Grows(double[] d)
    {
        var finite = d.Where(double.IsFinite).Select(Math.Abs).ToArray();
        if (finite.Length < 4) return d.Any(x => double.IsInfinity(x));
        var last = finite[^1];
        var steady = true;
        for (var k = finite.Length - 4; k < finite.Length - 1; k++)
            steady &= finite[k + 1] > finite[k];
        return steady && last > 100 * Math.Max(finite[0], 1e-300);
    }
}
