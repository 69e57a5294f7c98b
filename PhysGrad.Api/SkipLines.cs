using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>The "skipped" lines of compare and derive: one line per reason, naming every method it stops.</summary>
public static class SkipLines
{
    /// <summary>
    /// Groups the skipped methods by reason. A reason that opens with the method's own name ("pg needs a
    /// square Jacobian; ...") is the same reason for another method when the rest agrees, so IG and PG on
    /// a non-square problem give one line: "ig, pg skipped: ig and pg need a square Jacobian; ...".
    /// </summary>
    public static IEnumerable<string> For(IEnumerable<SkippedMethod> skipped)
    {
        var groups = new List<(string Key, List<string> Names)>();
        foreach (var s in skipped)
        {
            var name = MethodCatalog.NameOf(s.Method);
            var key = s.Reason.StartsWith(name + " needs ", StringComparison.Ordinal)
                ? "\u0000need" + s.Reason[(name.Length + " needs".Length)..]
                : s.Reason.StartsWith(name + " ", StringComparison.Ordinal) ? "\u0000" + s.Reason[name.Length..] : s.Reason;
            if (groups.FirstOrDefault(g => g.Key == key) is { Names: { } names }) names.Add(name);
            else groups.Add((key, [name]));
        }
        foreach (var (key, names) in groups)
        {
            names.Sort(StringComparer.Ordinal);
            var reason = !key.StartsWith('\u0000') ? key
                : names.Count == 1 ? names[0] + (key.StartsWith("\u0000need", StringComparison.Ordinal) ? " needs" + key[5..] : key[1..])
                : string.Join(" and ", names) + (key.StartsWith("\u0000need", StringComparison.Ordinal) ? " need" + key[5..] : key[1..]);
            yield return $"{string.Join(", ", names)} skipped: {reason}";
        }
    }

    /// <summary>
    /// A run's fallbacks, one line per kind: a rule that falls back at every step (Newton on the flat
    /// valley of x0 + x1, singular at each of 10 iterations) gives one line with the iterations, how many
    /// times, and the first occurrence's reason, e.g. "fallback at iterations 1–10 (10 times; the first):
    /// the Hessian is singular …", instead of ten lines that differ only in x.
    /// </summary>
    public static IEnumerable<string> Fallbacks(IEnumerable<RunFallback> fallbacks)
    {
        foreach (var group in fallbacks.GroupBy(f => f.Kind))
        {
            var all = group.ToArray();
            yield return all.Length == 1
                ? $"fallback at iteration {all[0].Iteration}: {all[0].Reason}"
                : $"fallback at iterations {Ranges(all.Select(f => f.Iteration))} ({all.Length} times; the first): {all[0].Reason}";
        }
    }

    // 1, 2, 3, 5, 7, 8 as "1–3, 5, 7–8".
    private static string Ranges(IEnumerable<int> iterations)
    {
        var parts = new List<string>();
        int? from = null, to = null;
        foreach (var k in iterations.Distinct().Order())
        {
            if (to is { } t && k == t + 1) { to = k; continue; }
            if (from is { } f) parts.Add(f == to ? $"{f}" : $"{f}–{to}");
            (from, to) = (k, k);
        }
        if (from is { } last) parts.Add(last == to ? $"{last}" : $"{last}–{to}");
        return string.Join(", ", parts);
    }
}
