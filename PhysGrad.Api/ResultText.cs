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
    /// width of the rules the infix and C# formats write: broken at the weakest break that fits
    /// (<see cref="Training.WrapTitle"/>: between clauses, after a comma, before an operator, at a space),
    /// each line after the first indented by two spaces so that it reads as the same statement. A line
    /// that fits is returned as it is. "Local inverse for PG: numeric: …" ran to 175 characters.
    /// </summary>
    public static string Paragraph(string line) => Paragraph(line, RulePrinter.MaxWidth);

    /// <summary><see cref="Paragraph(string)"/> in lines of at most <paramref name="width"/> characters (for text
    /// that is indented by 100 − <paramref name="width"/> columns), continuation lines indented by two spaces.</summary>
    public static string Paragraph(string line, int width) =>
        line.Length <= width ? line
            : string.Join("\n  ", Training.WrapTitle(line, width - 2).Split('\n'));

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
