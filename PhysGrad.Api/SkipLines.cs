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
}
