using System.Globalization;
using System.Text.RegularExpressions;

namespace PhysGrad;

/// <summary>
/// Expression text (a problem's simulator, loss or inverse as written or printed) prepared for people:
/// floating literals with an integer value written as integers everywhere, and in a report's header
/// numbers to a few significant digits and long expressions cut short. Only the literals change; names,
/// operators and layout stay as written.
/// </summary>
public static partial class ExpressionText
{
    /// <summary>How many characters of an expression a header shows before cutting it short.</summary>
    public const int HeaderLength = 100;

    /// <summary>How many characters of each expression a header's list of several shows (up to four are listed).</summary>
    public const int ListItemLength = 60;

    /// <summary>Significant digits of a floating coefficient in a header.</summary>
    public const int HeaderDigits = 6;

    /// <summary>A text at most this much longer than the limit is shown whole (the cut note is about as long).</summary>
    public const int Slack = 20;

    // A floating literal: digits with a point (and maybe an exponent), or digits with an exponent. Not
    // part of a name (x1e5 is a name) and not a piece of a longer literal.
    [GeneratedRegex(@"(?<![A-Za-z0-9_.])(?:\d+\.\d*(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+)(?![A-Za-z0-9_.])")]
    private static partial Regex FloatingLiteral();

    /// <summary>
    /// The column (from 1) of the first place <paramref name="text"/> writes <paramref name="name"/> as a whole name
    /// (not inside a longer name such as x10 for x1), or null when it does not: for messages that point at a name.
    /// </summary>
    /// <param name="text">Expression text in the syntax of <see cref="Expression.Parse"/>.</param>
    /// <param name="name">A variable or parameter name.</param>
    public static int? NameColumn(string text, string name)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(name);
        var m = Regex.Match(text, $"(?<![A-Za-z0-9_]){Regex.Escape(name)}(?![A-Za-z0-9_])");
        return m.Success ? m.Index + 1 : null;
    }

    /// <summary>
    /// The text with every floating literal of integer value below 10¹⁵ written as that integer
    /// (<c>9.0*y1</c> → <c>9*y1</c>; larger ones in E-notation, <c>1E+20</c>; <c>0.5</c> stays): the same
    /// values, read back as exact integers (or, from 10¹⁵ on, as the same doubles). For display and JSON; a problem's own text keeps its points.
    /// </summary>
    /// <param name="text">Expression text in the syntax of <see cref="Expression.Parse"/>.</param>
    public static string Readable(string text) =>
        FloatingLiteral().Replace(text, m => Literal(m.Value, null));

    /// <summary>
    /// A user's expression as the project prints every expression (<see cref="Expression.ToInfix"/>):
    /// parsed and written again, so <c>(y0-1.0)^2+2.0*y1^2</c> is echoed as <c>(y0 - 1)^2 + 2*y1^2</c>,
    /// with the spacing, literals and order of the derived expressions beside it. Text that does not
    /// parse on its own (it is checked elsewhere, with the problem's names) is shown <see cref="Readable"/>.
    /// </summary>
    /// <param name="text">Expression text in the syntax of <see cref="Expression.Parse"/>.</param>
    public static string Formatted(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            return Expression.Parse(text).ToInfix();
        }
        catch (Symbolic.SymbolicException)
        {
            return Readable(text);
        }
    }

    /// <summary>
    /// A user's expression as <see cref="Formatted"/> writes it, with its decimals as derived rules write theirs
    /// (<see cref="UpdateRuleSet"/>: read as the exact decimals written, <see cref="Symbolic.ReadableConstants"/>,
    /// and fractions written over the user's decimals, <see cref="Symbolic.Layout.withDecimals"/>): <c>x0/9.81</c>
    /// is echoed <c>x0/9.81</c>, where the parser's folded quotient prints <c>0.10193679918450561*x0</c> (a
    /// header's 0.101937*x0), so a header reads as the rules below it.
    /// </summary>
    /// <param name="text">Expression text in the syntax of <see cref="Expression.Parse"/>.</param>
    public static string FormattedAsRules(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        try
        {
            var e = Expression.Parse(text);
            if (!Symbolic.ExactConstants.HasReals([e.Core])) return e.ToInfix();
            // Read with the decimals exact (3.14159*x0^2/9.81 as 314159/981000*x0^2, not the folded double) and
            // written over the decimals the text has.
            var exact = Symbolic.Parse.ManyExact(text);
            Symbolic.Rational[] sources = [.. Symbolic.Parse.WrittenDecimals(text).Concat(Symbolic.ExactConstants.SourceDecimals([e.Core])).Distinct()];
            return Expression.Wrap(Symbolic.ReadableConstants.ReadableOver(sources, exact.Length == 1 ? exact[0] : Symbolic.ExactConstants.Exact(e.Core)), null, sources,
                Symbolic.ExactConstants.ExponentDecimals([e.Core])).ToInfix();
        }
        catch (Symbolic.SymbolicException)
        {
            return Readable(text);
        }
    }

    /// <summary>
    /// The text as a header shows it: floating literals to <paramref name="significant"/> significant
    /// digits (integer values as integers; <c>0.179061594863332</c> → <c>0.179062</c>), and when the result
    /// is longer than <paramref name="maxLength"/> characters (by more than <see cref="Slack"/>), its beginning (cut at a space where one is
    /// near) followed by a summary of the whole: <c>… (64 terms in x0–x31, y0–y31; 1,704 characters)</c>, the number of
    /// terms of a sum, every name the expression uses (consecutive indices as ranges) and the length of the whole
    /// <see cref="Readable"/> text, so the cut never hides which variables the rest depends on. Not for anything that is
    /// parsed or computed with: the numbers are rounded.
    /// </summary>
    /// <param name="text">Expression text in the syntax of <see cref="Expression.Parse"/>.</param>
    /// <param name="maxLength">The most characters shown before the cut (at least 10).</param>
    /// <param name="significant">Significant digits of floating literals (1 to 17).</param>
    public static string ForHeader(string text, int maxLength = HeaderLength, int significant = HeaderDigits)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 10);
        ArgumentOutOfRangeException.ThrowIfLessThan(significant, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(significant, 17);
        return Shown(text, maxLength, significant);
    }

    /// <summary>
    /// <see cref="ForHeader(string, int, int)"/> with the floating literals as written (integer values as
    /// integers), not rounded: for text whose numbers the user wrote (<c>1.234567*x0</c> is echoed so, not
    /// <c>1.23457*x0</c>).
    /// </summary>
    public static string ForHeaderAsWritten(string text, int maxLength = HeaderLength) => Shown(text, maxLength, null);

    private static string Shown(string text, int maxLength, int? significant)
    {
        var rounded = FloatingLiteral().Replace(text, m => Literal(m.Value, significant));
        // The length said is that of the whole text as JSON gives it (Readable).
        var whole = Readable(text).Length;
        // Cutting saves nothing when the rest is about as long as the note that replaces it.
        return rounded.Length <= maxLength + Slack ? rounded
            : Cut(rounded, maxLength) + $"… ({Elided(text)}{whole.ToString("N0", CultureInfo.InvariantCulture)} characters)";
    }

    /// <summary>
    /// What the whole of a cut expression holds: <c>64 terms in x0–x31, y0–y31; </c> (a sum), <c>in x0, y0; </c>
    /// (anything else), or nothing for text that does not parse on its own.
    /// </summary>
    private static string Elided(string text)
    {
        Expression e;
        try
        {
            e = Expression.Parse(text);
        }
        catch (Symbolic.SymbolicException)
        {
            return "";
        }
        var names = e.Variables;
        var terms = e.Core.Node is Symbolic.Node.Sum sum ? sum.Item.Length : 1;
        var count = terms > 1 ? NumberText.Count(terms, "term") + " " : "";
        return names.Count == 0 ? (count == "" ? "" : count.TrimEnd() + "; ") : $"{count}in {NameRanges(names)}; ";
    }

    /// <summary>The most groups of names <see cref="NameRanges"/> lists before saying how many more there are.</summary>
    private const int NameGroups = 6;

    /// <summary>
    /// Names with consecutive indices written as ranges, in the given (natural) order: <c>x0–x31, y0–y31</c>,
    /// <c>x0–x4, x28–x31</c>, <c>a, b, x0</c>; past <see cref="NameGroups"/> groups, <c>…, and 12 more names</c>.
    /// </summary>
    internal static string NameRanges(IReadOnlyList<string> names)
    {
        var groups = new List<string>();
        var i = 0;
        var left = 0;
        while (i < names.Count)
        {
            var (stem, index) = Split(names[i]);
            var j = i;
            while (index is { } k && j + 1 < names.Count && Split(names[j + 1]) is var (s, n) && s == stem && n == k + (j + 1 - i))
                j++;
            if (groups.Count < NameGroups) groups.Add(j - i >= 2 ? $"{names[i]}–{names[j]}" : string.Join(", ", names.Skip(i).Take(j - i + 1)));
            else left += j - i + 1;
            i = j + 1;
        }
        return string.Join(", ", groups) + (left > 0 ? $", and {NumberText.Count(left, "more name")}" : "");

        // x31 → ("x", 31); a name without a trailing number → (name, null).
        static (string Stem, long? Index) Split(string name)
        {
            var d = name.Length;
            while (d > 0 && char.IsAsciiDigit(name[d - 1])) d--;
            return d == name.Length || d == 0 || name.Length - d > 9 || (name.Length - d > 1 && name[d] == '0')
                ? (name, null) : (name[..d], long.Parse(name[d..], CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"… \((?:[^()]*; )?[0-9,]+ characters\)")]
    private static partial Regex CutMarker();

    /// <summary>Whether a header line holds an expression that <see cref="ForHeader"/> cut short.</summary>
    /// <param name="headerLine">Text that may contain header forms of expressions.</param>
    public static bool HasCut(string headerLine) => CutMarker().IsMatch(headerLine);

    private static string Literal(string literal, int? significant)
    {
        if (!double.TryParse(literal, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
            return literal;
        // Integer values as the infix printer writes them: digits below 10¹⁵, E-notation beyond.
        if (Math.Round(x) == x)
            return Symbolic.Layout.formatReal(x);
        return significant is { } digits ? x.ToString("G" + digits, CultureInfo.InvariantCulture) : literal;
    }

    /// <summary>The first <paramref name="maxLength"/> characters, ending at a space when one is in the last third.</summary>
    private static string Cut(string text, int maxLength)
    {
        var space = text.LastIndexOf(' ', maxLength - 1, maxLength - maxLength * 2 / 3);
        return (space > 0 ? text[..space] : text[..maxLength]).TrimEnd() + " ";
    }
}
