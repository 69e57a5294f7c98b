using System.Diagnostics;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Times two calls against each other on a shared, noisy machine: batches of the two alternate round by
/// round (A then B, then B then A), so a burst of load from another process hits both sides of about the
/// same rounds, and the ratio is taken per round. The median of the per-round ratios is the figure; the
/// minimum and maximum show how far single rounds strayed. (Timing each side alone, one after the
/// other, let the ratio move by a factor of 2 between runs here: BENCHMARKS.md, issue 14.)
/// </summary>
internal static class Interleaved
{
    /// <summary>Seconds per call of each side (medians over the rounds) and the per-round ratio A / B.</summary>
    public readonly record struct Result(double A, double B, double Ratio, double MinRatio, double MaxRatio, int Rounds);

    /// <summary>
    /// Calibrates one batch size for both sides (about <paramref name="batchSeconds"/> for the slower one),
    /// then runs <paramref name="rounds"/> rounds of one batch of each.
    /// </summary>
    public static Result Compare(Action a, Action b, int rounds = 21, double batchSeconds = 0.02)
    {
        WarmUp(a, b);
        var reps = 1;
        while (true)
        {
            var t = Math.Max(Batch(a, reps), Batch(b, reps));
            if (t >= batchSeconds) break;
            reps = t <= batchSeconds / 64 ? reps * 16 : (int)Math.Ceiling(reps * 1.2 * batchSeconds / t);
        }
        var ta = new double[rounds];
        var tb = new double[rounds];
        var ratios = new double[rounds];
        for (var r = 0; r < rounds; r++)
        {
            if (r % 2 == 0)
            {
                ta[r] = Batch(a, reps);
                tb[r] = Batch(b, reps);
            }
            else
            {
                tb[r] = Batch(b, reps);
                ta[r] = Batch(a, reps);
            }
            ratios[r] = ta[r] / tb[r];
        }
        return new Result(Median(ta) / reps, Median(tb) / reps, Median(ratios), ratios.Min(), ratios.Max(), rounds);
    }

    // A compiled kernel is a dynamic method, optimised at once; hand-written C# starts as unoptimised
    // tier-0 code and is promoted by tiered compilation only after enough calls and a quiet spell, later
    // still on a loaded machine. A short warm-up once left the hand-written sparse Jacobian at n = 10³ in
    // tier-0 for a whole run (105 µs a call against 67 µs at n = 10⁴), so each side runs for a while
    // here, with pauses in which the background compiler can promote it, before anything is timed.
    private static void WarmUp(Action a, Action b)
    {
        for (var pass = 0; pass < 3; pass++)
        {
            foreach (var side in new[] { a, b })
            {
                var clock = Stopwatch.StartNew();
                var calls = 0;
                while (calls < 50 || clock.Elapsed.TotalSeconds < 0.1)
                {
                    side();
                    calls++;
                }
            }
            Thread.Sleep(150);
        }
    }

    private static double Batch(Action a, int reps)
    {
        var clock = Stopwatch.StartNew();
        for (var k = 0; k < reps; k++) a();
        return clock.Elapsed.TotalSeconds;
    }

    private static double Median(double[] values)
    {
        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        var m = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[m] : 0.5 * (sorted[m - 1] + sorted[m]);
    }
}
