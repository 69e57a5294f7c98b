namespace PhysGrad.Numerics;

/// <summary>What <see cref="DifferenceLimit.Derivative"/> found.</summary>
public enum LimitVerdict
{
    /// <summary>Both one-sided limits exist and agree: the derivative is their value.</summary>
    Limit,
    /// <summary>Only the right-hand quotients are defined (g is not finite below 0) and they settle.</summary>
    OneSidedAbove,
    /// <summary>Only the left-hand quotients are defined (g is not finite above 0) and they settle.</summary>
    OneSidedBelow,
    /// <summary>Both one-sided limits exist but differ (a kink): no derivative.</summary>
    SidesDiffer,
    /// <summary>The quotients grow steadily without bound: no finite derivative.</summary>
    Unbounded,
    /// <summary>g(0) itself is not finite: there is no difference quotient.</summary>
    LowerNotFinite,
    /// <summary>The quotients do not settle within the tolerance.</summary>
    Undecided,
    /// <summary>g(0) is finite but g is ±∞ at some of the probe steps, and no limit settles: g's
    /// evaluation overflows in doubles near the point (x0²·x1 at [1E-200, 1E+200], where ∂L/∂x0 is finite
    /// but passes 1E308 one step away), which says nothing about whether the derivative exists.</summary>
    Overflows,
}

/// <summary>The outcome of one limit: the verdict, the value (NaN without one) and the two one-sided values (NaN where they do not settle).</summary>
/// <param name="Verdict">What was found.</param>
/// <param name="Value">The derivative (mean of the two sides, or the one side); NaN unless the verdict is a limit.</param>
/// <param name="Below">The left-hand limit of the quotients, NaN when it does not settle.</param>
/// <param name="Above">The right-hand limit of the quotients, NaN when it does not settle.</param>
public readonly record struct LimitOutcome(LimitVerdict Verdict, double Value, double Below, double Above)
{
    /// <summary>Both sides agree: a two-sided derivative.</summary>
    public bool IsTwoSided => Verdict == LimitVerdict.Limit;
}

/// <summary>
/// A derivative at a point as the limit of difference quotients, for formulas that are not finite
/// there (0·∞, 0/0, 0·log 0) although the function is differentiable. One method serves <c>diff</c>,
/// <c>eval</c> and the optimisers: forward and backward quotients (g(h) − g(0))/h and (g(0) − g(−h))/h
/// at h = max(1, |xⱼ|)/16 · 2⁻ᵏ, k = 0…15, each extrapolated to h = 0 by Richardson's method (an error
/// series in h, h², …; up to 6 columns of Neville's tableau, the entry with the smallest error estimate
/// taken) and, where that does not settle, by Aitken's Δ² (an error c·h^α with α not an integer). A side
/// is accepted when its error estimate is at most <see cref="Tolerance"/>·max(1, |value|); the two
/// sides must agree to the same tolerance. Where one side settles and the other is undefined at all but its
/// last 3 steps (a point nearer the domain's edge than the first step), that side is probed closer, down to
/// h₀2⁻⁴⁰. Source: the definition of the derivative; Richardson
/// extrapolation as in Press et al., Numerical Recipes, §5.7 (Ridders' method uses the same tableau).
/// </summary>
public static class DifferenceLimit
{
    /// <summary>The relative tolerance of an accepted limit and of the agreement of the two sides.</summary>
    public const double Tolerance = 1e-6;

    private const int Steps = 16;
    private const int MaxColumns = 6;

    /// <summary>
    /// The derivative at t = 0 of <paramref name="g"/>, the lower quantity along one direction, where
    /// <paramref name="scale"/> is the size of the variable (max(1, |xⱼ|)): the first step is scale/16.
    /// </summary>
    public static LimitOutcome Derivative(Func<double, double> g, double scale)
    {
        var g0 = g(0);
        if (!double.IsFinite(g0)) return new(LimitVerdict.LowerNotFinite, double.NaN, double.NaN, double.NaN);
        var h0 = scale / 16;
        var forward = new double[Steps];
        var backward = new double[Steps];
        var overflowed = false;
        for (var k = 0; k < Steps; k++)
        {
            var h = h0 / (1 << k);
            var (up, down) = (g(h), g(-h));
            overflowed |= double.IsInfinity(up) || double.IsInfinity(down);
            forward[k] = (up - g0) / h;
            backward[k] = (g0 - down) / h;
        }
        var right = Snap(Side(forward), forward);
        var left = Snap(Side(backward), backward);
        // One side settled and the other is defined at fewer than 4 of these steps: it may only have started
        // too far out. At a point within scale/16 of the domain's edge (x1 = 2E-06 in x0^(1000000·x1) at x0 = 0,
        // where the power is ∞ below x1 = 0) the steps below the point cross the edge, and the side looked
        // one-sided although the derivative is two-sided there. That side's steps go on halving, to at most
        // 2⁻⁴⁰ of the first, until its quotients are defined, and it is taken when they settle; otherwise the
        // verdict is as before. (Both sides blocked is an overflow or a pole, not this.)
        if (right is not null && left is null && Closer(g, g0, h0, backward, -1) is { } closerBelow && Snap(Side(closerBelow), closerBelow) is { } settledBelow)
            (backward, left) = (closerBelow, settledBelow);
        else if (left is not null && right is null && Closer(g, g0, h0, forward, +1) is { } closerAbove && Snap(Side(closerAbove), closerAbove) is { } settledAbove)
            (forward, right) = (closerAbove, settledAbove);
        double above = right ?? double.NaN, below = left ?? double.NaN;
        if (right is { } r && left is { } l)
        {
            var v = (r + l) / 2;
            return Math.Abs(r - l) <= Tolerance * Math.Max(1, Math.Abs(v))
                ? new(LimitVerdict.Limit, v + 0.0, below, above)
                : new(LimitVerdict.SidesDiffer, double.NaN, below, above);
        }
        if (right is { } onlyRight && !Array.TrueForAll(backward, double.IsFinite))
            return new(LimitVerdict.OneSidedAbove, onlyRight + 0.0, below, above);
        if (left is { } onlyLeft && !Array.TrueForAll(forward, double.IsFinite))
            return new(LimitVerdict.OneSidedBelow, onlyLeft + 0.0, below, above);
        // A g that is finite at 0 and ±∞ a step away has overflowed (a real pole would make g(0) ±∞ or the
        // finite quotients grow); quotients cut short by it prove no growth. A side whose quotients are all
        // finite and grow does prove it, whatever the other side did: x^n at (0, 0) along n is 0^(−h) = ∞
        // below and (0^h − 1)/h = −1/h above, a missing derivative, not an overflow.
        if (overflowed && !(FiniteAndGrowing(forward) || FiniteAndGrowing(backward)))
            return new(LimitVerdict.Overflows, double.NaN, below, above);
        if (Grows(forward) || Grows(backward))
            return new(LimitVerdict.Unbounded, double.NaN, below, above);
        return new(LimitVerdict.Undecided, double.NaN, below, above);
    }

    private const int MaxHalvings = 40;

    /// <summary>
    /// For a side whose quotients at h₀2⁻ᵏ (k = 0 … Steps − 1) have fewer than 4 finite ones at their end (what
    /// <see cref="Side"/> needs): the first k past them where the quotient is finite and the Steps quotients from
    /// there (the last at k ≤ <see cref="MaxHalvings"/>); null when the side has its 4, or when there is no such
    /// k (a side that is undefined up to the point: one-sided as before, after at most 10 more evaluations of g).
    /// </summary>
    private static double[]? Closer(Func<double, double> g, double g0, double h0, double[] quotients, int sign)
    {
        var finiteTail = 0;
        while (finiteTail < quotients.Length && double.IsFinite(quotients[^(finiteTail + 1)])) finiteTail++;
        if (finiteTail >= 4) return null;
        double Quotient(int k)
        {
            var h = h0 / Math.Pow(2, k);
            return sign > 0 ? (g(h) - g0) / h : (g0 - g(-h)) / h;
        }
        // The smallest step is h₀2⁻⁴⁰ (about 6·10⁻¹⁴ of the variable's scale): x ± h still differ from x by
        // hundreds of units in the last place.
        for (var first = Steps; first + Steps - 1 <= MaxHalvings; first++)
        {
            var q = Quotient(first);
            if (!double.IsFinite(q)) continue;
            var closer = new double[Steps];
            closer[0] = q;
            for (var k = 1; k < Steps; k++) closer[k] = Quotient(first + k);
            return closer;
        }
        return null;
    }

    private static bool FiniteAndGrowing(double[] quotients) => Array.TrueForAll(quotients, double.IsFinite) && Grows(quotients);

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
        if (double.IsFinite(best) && bestError <= Tolerance * Math.Max(1, Math.Abs(best)) && Approached(d, start, best))
            return best;
        return Aitken(d, start) is { } a && Approached(d, start, a) ? a : null;
    }

    /// <summary>
    /// Do the quotients head for <paramref name="v"/>: is the one at the smallest step no farther from it
    /// than the farthest of the others (within the tolerance)? The tableau's best entry may come from
    /// the largest steps alone; where f is flat there and jumps closer to the point (atan2(0, 1/z + 40):
    /// 0 for h = 1/16 and 1/32, π for −1/40 &lt; z &lt; 0), two equal quotients extrapolate to a "limit" with
    /// error estimate 0 while the smaller steps' quotients grow like 1/h. A sequence that converges to v
    /// ends closest to it; one that leaves v does not.
    /// </summary>
    private static bool Approached(double[] d, int start, double v)
    {
        var farthest = 0.0;
        for (var k = start; k < d.Length - 1; k++) farthest = Math.Max(farthest, Math.Abs(d[k] - v));
        return Math.Abs(d[^1] - v) <= farthest + Tolerance * Math.Max(1, Math.Abs(v));
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
