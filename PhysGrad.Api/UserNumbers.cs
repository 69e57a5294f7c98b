using System.Globalization;

namespace PhysGrad;

/// <summary>
/// The one reader of numbers a user types (CSV points, the CLI's --at, --start, --target and --param,
/// numeric options, the numbers of a problem file), so that all of them accept and refuse the same
/// texts: a finite number in the invariant culture ('.' as the decimal point, E-notation allowed). NaN,
/// infinities (written <c>nan</c>, <c>inf</c>, <c>Infinity</c>, <c>∞</c>, in any case and with a sign) and
/// literals beyond the double range (<c>1e999</c>, which .NET would read as ∞) are refused, each with its
/// own reason, because no simulator, rule or derivative gives a meaningful value there.
/// </summary>
public static class UserNumbers
{
    /// <summary>Reads <paramref name="text"/> as a finite double.</summary>
    /// <param name="text">The text as typed (surrounding white space is ignored).</param>
    /// <param name="value">The number read; 0 when it is refused.</param>
    /// <param name="problem">Null when read; else what is wrong, as a predicate to follow the quoted text:
    /// "is not a number", "is not finite (NaN)", "is not finite (an infinity)", or
    /// "is too large for a double (beyond ±1.8E+308)", or "is too small for a double (nonzero, but below ±4.9E-324, …)".</param>
    /// <returns>Whether <paramref name="text"/> is a finite number.</returns>
    public static bool TryRead(string? text, out double value, out string? problem)
    {
        value = 0;
        var t = text?.Trim() ?? "";
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
        {
            // A nonzero number below every double (1e-400, which .NET reads as 0) would run as 0: refused as
            // 1e400 is, rather than silently moved. A subnormal (1e-310) is a double, the nearest one, and is kept.
            if (x == 0 && WrittenNonzero(t))
            {
                problem = "is too small for a double (nonzero, but below ±4.9E-324, the smallest double, so it reads as 0)";
                return false;
            }
            if (double.IsFinite(x))
            {
                value = x;
                problem = null;
                return true;
            }
            problem = double.IsNaN(x) ? "is not finite (NaN)"
                : IsSpecial(t) ? "is not finite (an infinity)"
                : $"is too large for a double (beyond ±{NumberText.Short(double.MaxValue, 2)})";
            return false;
        }
        problem = IsSpecial(t) ? (t.Contains("nan", StringComparison.OrdinalIgnoreCase) ? "is not finite (NaN)" : "is not finite (an infinity)")
            : "is not a number";
        return false;
    }

    // Whether a number's text has a nonzero digit before its exponent (1e-400, 0.0001e-400; not 0e5 or 0.000).
    private static bool WrittenNonzero(string t)
    {
        var e = t.IndexOfAny(['e', 'E']);
        return (e < 0 ? t : t[..e]).Any(c => c is >= '1' and <= '9');
    }

    /// <summary>
    /// Reads <paramref name="text"/> as a positive finite double (a step size, a rate): as
    /// <see cref="TryRead"/>, and then <see cref="NotPositive"/>, so that a message names what is actually
    /// wrong (<c>1e400</c> is too large, <c>-0.1</c> negative, <c>0</c> zero, <c>abc</c> not a number) rather
    /// than one "must be a positive number" for all of them.
    /// </summary>
    /// <param name="text">The value as typed.</param>
    /// <param name="value">The number read; 0 when it is refused.</param>
    /// <param name="problem">Null when read; else what is wrong, as a predicate to follow the quoted text.</param>
    public static bool TryReadPositive(string? text, out double value, out string? problem)
    {
        if (!TryRead(text, out value, out problem)) return false;
        problem = NotPositive(value);
        return problem is null;
    }

    /// <summary>What keeps <paramref name="x"/> from being a positive finite number, as a predicate ("is
    /// negative", "is zero", "is not finite (NaN)", "is not finite (an infinity)"), or null when it is one.</summary>
    public static string? NotPositive(double x) =>
        double.IsNaN(x) ? "is not finite (NaN)" : double.IsInfinity(x) ? "is not finite (an infinity)"
        : x < 0 ? "is negative" : x == 0 ? "is zero" : null;

    /// <summary>
    /// How to write a number instead of <paramref name="text"/>, fitted to what was typed (one of a list of
    /// comma-separated values, so a comma is never part of it): a decimal-point hint only where the text
    /// looks like a number written with other separators (<c>1.234.5</c>, <c>1'000</c>, <c>1 000</c>), an
    /// empty value named as empty, anything else (<c>abc</c>) told to be a number, with examples.
    /// </summary>
    /// <param name="text">The value as typed.</param>
    /// <returns>A clause to follow a colon, e.g. <c>write a number, such as 1.5, -2 or 3e-4</c>.</returns>
    public static string Advice(string text)
    {
        var t = text.Trim();
        if (t.Length == 0) return "the value is empty; write a number, such as 1.5, -2 or 3e-4";
        // Digits with separators other than one '.': a grouped or locale-formatted number.
        if (t.Any(char.IsDigit) && t.All(c => char.IsDigit(c) || c is '.' or '\'' or ' ' or '\u00a0' or '_' or '+' or '-'))
            return "write it with '.' as the decimal point and no thousands separators, e.g. 1234.5";
        return "write a number, such as 1.5, -2 or 3e-4";
    }

    /// <summary>
    /// Whether <paramref name="text"/> names NaN or an infinity (<c>nan</c>, <c>-inf</c>, <c>+Infinity</c>,
    /// <c>∞</c>, any case): a value that is a number to .NET or to other tools' CSV writers, but never finite.
    /// </summary>
    public static bool IsSpecial(string text)
    {
        var t = text.Trim();
        if (t.Length > 0 && (t[0] == '+' || t[0] == '-')) t = t[1..];
        return t.Equals("nan", StringComparison.OrdinalIgnoreCase) || t.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || t.Equals("infinity", StringComparison.OrdinalIgnoreCase) || t == "∞";
    }
}
