namespace PhysGrad;

/// <summary>
/// The short list forms of the CLI's headers and the pieces of the result types' <c>ToString()</c> (one
/// implementation for both: the CLI's header lines and a result's text shorten a list alike): a record's default
/// ToString prints a list as its type name (<c>System.String[]</c>) and a matrix not at all, and a
/// 10⁵-variable problem would print every name. Vectors use <see cref="NumberText.Vector"/> (the short
/// form of the tables: <c>[0.1, 0.2, …, 0.9] (100 values)</c>), numbers <see cref="NumberText.Short"/>.
/// </summary>
public static class ResultText
{
    /// <summary>
    /// A line of the CLI's text in lines of at most <see cref="RulePrinter.MaxWidth"/> (100) characters, the
    /// width of the rules the infix and C# formats write, each line after the first indented by two spaces so
    /// that it reads as the same statement (<see cref="Paragraph(string, int)"/>). A line that fits is returned
    /// as it is. "Local inverse for PG: numeric: …" ran to 175 characters.
    /// </summary>
    public static string Paragraph(string line) => Paragraph(line, RulePrinter.MaxWidth);

    /// <summary>
    /// <paramref name="line"/> in lines of at most <paramref name="width"/> characters (for text that is indented
    /// by 100 − <paramref name="width"/> columns), continuation lines indented by two spaces. Lines are filled
    /// greedily, each taking every word that fits (a break between clauses where the line has room left it half
    /// empty: "Give a local" / "inverse with …"). A vector in square brackets, an argument list or tuple
    /// right after a name (<c>P(v, th)</c>, whatever its names spell), or another parenthesis of formula (no word
    /// of prose in it), is one word where it fits on a continuation line
    /// (<c>x* = [2.00000,</c> / <c>1.00000]</c> split a vector that fitted); an operator (+, −, =, …) stays with the
    /// word after it, never alone at a line's end, and a short name before "=" stays with it (<c>x* = […]</c>).
    /// An equation or sum (words joined by operators, <c>y0 = x0 + sin(x0)</c>) is one word where it fits on a
    /// continuation line ("y0 = x0" / "+ sin(x0)" read as an equation and a fragment); one longer than that is broken
    /// between its terms, before an operator. A word still too long is broken at its spaces, then before a <c>*</c> or <c>/</c> of its outermost
    /// product (<c>a*b</c> / <c>*c</c>, a formula without spaces); a piece with no such break (one path, one
    /// identifier) stays whole: cutting inside a token would change what a reader copies. Joining the lines
    /// (a space for a break at a space, nothing for one inside a product) gives the line back.
    /// </summary>
    public static string Paragraph(string line, int width) => Paragraph(line, width, width);

    /// <summary><see cref="Paragraph(string, int)"/> with a first line of <paramref name="firstWidth"/> characters
    /// (the rest of a line begun by a prefix, <c>physgrad: note: </c>), the others of <paramref name="width"/>
    /// with their two spaces.</summary>
    public static string Paragraph(string line, int width, int firstWidth)
    {
        if (line.Length <= firstWidth) return line;
        var room = Math.Max(1, width - 2);
        var lines = new List<string>();
        var current = new System.Text.StringBuilder();
        foreach (var (word, spaced) in Words(line, room))
        {
            var limit = lines.Count == 0 ? firstWidth : room;
            var gap = current.Length > 0 && spaced ? 1 : 0;
            if (current.Length > 0 && current.Length + gap + word.Length > limit)
            {
                lines.Add(current.ToString());
                current.Clear().Append(word);
            }
            else current.Append(' ', gap).Append(word);
        }
        lines.Add(current.ToString());
        return string.Join("\n  ", lines);
    }

    /// <summary>The words of <paramref name="text"/> that <see cref="Paragraph(string, int)"/> fills lines
    /// with, each with whether a space comes before it (false for a piece of a product cut before its '*').</summary>
    private static List<(string Word, bool Spaced)> Words(string text, int room)
    {
        var words = new List<(string Word, bool Spaced)>();
        foreach (var (unit, unitSpaced) in Join(SplitAtSpaces(text, Protected(text)), chain: true))
        {
            if (unit.Length <= room)
            {
                words.Add((unit, unitSpaced));
                continue;
            }
            // An equation or sum too long for a line: between its terms, each operator with the term after it.
            var firstTerm = true;
            foreach (var (word, _) in Join(SplitAtSpaces(unit, Protected(unit)), chain: false))
            {
                var spaced = !firstTerm || unitSpaced;
                firstTerm = false;
                if (word.Length <= room)
                {
                    words.Add((word, spaced));
                    continue;
                }
                // Too long for a line: at every space inside it (a long vector after its commas), operators still
                // joined to the word after them; then a piece without spaces before its outermost '*' or '/'.
                var first = true;
                foreach (var (inner, innerSpaced) in Join(SplitAtSpaces(word, new bool[word.Length]), chain: false))
                {
                    var pieces = inner.Length <= room ? [inner] : ProductPieces(inner);
                    for (var k = 0; k < pieces.Count; k++)
                        words.Add((pieces[k], k == 0 && (first ? spaced : innerSpaced)));
                    first = false;
                }
            }
        }
        return words;
    }

    /// <summary>For each character of <paramref name="text"/>, whether it lies inside a bracket kept whole: a
    /// vector <c>[…]</c>, a norm <c>‖…‖</c>, an argument list or tuple right after a name (<c>P(v, th)</c>), or
    /// another parenthesis with no word of prose (two or more letters alone) in it.</summary>
    private static bool[] Protected(string text)
    {
        var inside = new bool[text.Length];
        var open = new Stack<int>();
        // A norm ‖…‖ is one quantity, kept whole as a vector is ("‖y* − P(x)‖" read as two halves): bars pair in
        // order, the first with the second, and a last one alone is no norm.
        var norm = -1;
        for (var i = 0; i < text.Length; i++)
        {
            var start = -1;
            if (text[i] is '(' or '[') open.Push(i);
            else if (text[i] is ')' or ']' && open.Count > 0)
            {
                var opened = open.Pop();
                var matched = (text[opened], text[i]) is ('(', ')') or ('[', ']');
                // An argument list or tuple right after a name (P(v, th), sin(2*th)) is formula whatever its names
                // spell: "th" and "eta" are no prose, and "P(v," / "th)" split the tuple.
                var call = opened > 0 && (char.IsLetterOrDigit(text[opened - 1]) || text[opened - 1] is '_' or ')' or '\'');
                if (matched && (text[i] == ']' || call || !text[(opened + 1)..i].Split(' ').Any(w => w.Length >= 2 && w.All(char.IsLetter))))
                    start = opened;
            }
            else if (text[i] == '‖')
                (start, norm) = norm < 0 ? (-1, i) : (norm, -1);
            for (var k = start; k >= 0 && k <= i; k++) inside[k] = true;
        }
        return inside;
    }

    // The text cut at each space not inside a kept bracket.
    private static List<string> SplitAtSpaces(string text, bool[] inside)
    {
        var words = new List<string>();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
            if (text[i] == ' ' && !inside[i])
            {
                if (i > start) words.Add(text[start..i]);
                start = i + 1;
            }
        if (start < text.Length) words.Add(text[start..]);
        return words;
    }

    // An operator alone is joined to the word after it; "=" also to a short name before it ("x* = [1, 2]"). With
    // chain, a word followed by an operator is joined to it too, so that a whole equation or sum ("y0 = x0 + sin(x0)") is
    // one unit: broken where it would fit on the next line, its first line read as an equation of its own ("y0 = x0")
    // and the next began with an orphaned "+ sin(x0)".
    private static IEnumerable<(string Word, bool Spaced)> Join(List<string> words, bool chain)
    {
        var joined = new List<string>();
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            if (word == "=" && joined.Count > 0 && joined[^1].Length <= 8 && !IsOperator(joined[^1]))
            {
                word = joined[^1] + " " + word;
                joined.RemoveAt(joined.Count - 1);
            }
            while (true)
            {
                while (IsOperator(words[i]) && i + 1 < words.Count)
                    word += " " + words[++i];
                if (!chain || i + 2 >= words.Count || !IsOperator(words[i + 1])) break;
                word += " " + words[++i];
            }
            joined.Add(word);
        }
        return joined.Select(w => (w, true));
    }

    private static bool IsOperator(string word) => word is "+" or "-" or "−" or "=" or "*" or "/" or "×" or "·" or "←" or "→" or "≤" or "≥" or "<" or ">" or "≈";

    // A word without spaces cut before each '*' or '/' at its shallowest bracket depth that has one.
    private static List<string> ProductPieces(string word)
    {
        var depth = 0;
        var cuts = new List<(int At, int Depth)>();
        for (var i = 1; i < word.Length; i++)
        {
            if (word[i] is '(' or '[') depth++;
            else if (word[i] is ')' or ']') depth--;
            else if (word[i] is '*' or '/' && word[i - 1] is not ('*' or '/') && i + 1 < word.Length && word[i + 1] is not '*')
                cuts.Add((i, depth));
        }
        if (cuts.Count == 0) return [word];
        var level = cuts.Min(c => c.Depth);
        var at = cuts.Where(c => c.Depth == level).Select(c => c.At).Prepend(0).Append(word.Length).ToArray();
        return [.. at.Zip(at.Skip(1), (a, b) => word[a..b])];
    }

    /// <summary>The most items a list shows in full, as the CLI's headers.</summary>
    public const int Shown = 4;

    /// <summary><c>x0, x1</c>, or <c>x0, x1, …, x99 (100 variables)</c>.</summary>
    public static string Names(IReadOnlyList<string> names, string noun) =>
        names.Count <= Shown ? string.Join(", ", names)
            : $"{names[0]}, {names[1]}, …, {names[^1]} ({NumberText.Count(names.Count, noun)})";

    /// <summary>Items as text in the short list form: <c>[a, b]</c> or <c>[a, b, …, z] (100 components)</c>.</summary>
    public static string Items<T>(IReadOnlyList<T> items, Func<T, string> text, string noun) =>
        List(items.Count, i => text(items[i]), noun);

    /// <summary>
    /// <paramref name="count"/> items in the short list form of <see cref="Items"/>, forming only the items it
    /// shows (<paramref name="item"/> of an index: a header that parses its expressions parses 3 of 256, not all).
    /// </summary>
    public static string List(int count, Func<int, string> item, string noun) =>
        count <= Shown ? $"[{string.Join(", ", Enumerable.Range(0, count).Select(item))}]"
            : $"[{item(0)}, {item(1)}, …, {item(count - 1)}] ({NumberText.Count(count, noun)})";

    /// <summary>A vector in the short form of the tables and the CLI.</summary>
    public static string Vector(IReadOnlyList<double> values) => NumberText.Vector(values);

    /// <summary>A dense matrix: its rows in full when it is at most 4×4, else its shape.</summary>
    public static string Matrix(double[,] a)
    {
        var (m, n) = (a.GetLength(0), a.GetLength(1));
        if (m > Shown || n > Shown) return $"({m}×{n} dense)";
        return "[" + string.Join(", ", Enumerable.Range(0, m).Select(i =>
            NumberText.Vector(Enumerable.Range(0, n).Select(j => a[i, j]).ToArray()))) + "]";
    }

    /// <summary>Coordinate entries: the count and the first few as (row, column) = value.</summary>
    public static string Entries(IReadOnlyList<MatrixEntry> entries, int rows, int columns) =>
        $"({rows}×{columns}, {NumberText.Count(entries.Count, "nonzero")}" +
        (entries.Count == 0 ? ")"
            : ": " + string.Join(", ", entries.Take(3).Select(e => $"({e.Row}, {e.Column}) = {NumberText.Short(e.Value)}")) + (entries.Count > 3 ? ", …)" : ")"));
}
