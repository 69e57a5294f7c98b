namespace PhysGrad.Cli;

/// <summary>
/// A plain-text table whose columns are as wide as their widest cell and always two spaces apart, so no
/// value of any width (0.000660425, 1.23457E-07, −Infinity) runs into its neighbour. Written by hand
/// rather than with Spectre.Console's table: the output is compared line by line in README.md and must
/// stay free of borders and colour codes.
/// </summary>
internal static class TextTable
{
    /// <summary>The column separator: two spaces, wider than the single space inside a cell ("12 diverged").</summary>
    public const string Gap = "  ";

    /// <summary>
    /// The lines of the table: <paramref name="header"/> then <paramref name="rows"/> (each as many cells as
    /// the header), a column left-aligned where <paramref name="left"/> says so and right-aligned otherwise.
    /// The last column is not padded (no trailing spaces). One string per row (and one for the header):
    /// a row is one line when the table fits in <paramref name="width"/> columns. When it does not, the
    /// last column is wrapped in place where that takes at most three lines a cell and leaves it 20
    /// columns; otherwise columns are taken out of the table, the last first and then the widest
    /// left-aligned one, until it fits, and each row is followed by its cells of those columns as
    /// indented lines <c>    header: cell</c> (none for an empty cell). Throws <see cref="ArgumentException"/> when a row has
    /// another number of cells than the header.
    /// </summary>
    /// <param name="header">The column headers.</param>
    /// <param name="rows">The rows, as many cells each as the header.</param>
    /// <param name="left">Which columns are left-aligned.</param>
    /// <param name="width">The most columns a line may take.</param>
    /// <param name="moveLastFirst">Whether the last column is the first taken out of a table too wide (else the
    /// widest left-aligned one is, and the last stays in its row: compare's short stop cells).</param>
    public static IEnumerable<string> Lines(string[] header, IReadOnlyList<string[]> rows, bool[] left, int width = RulePrinter.MaxWidth,
        bool moveLastFirst = true)
    {
        if (rows.FirstOrDefault(r => r.Length != header.Length) is { } bad)
            throw new ArgumentException($"A row has {bad.Length} cells, the header {header.Length}.", nameof(rows));
        var kept = Enumerable.Range(0, header.Length).ToList();
        var widths = ColumnWidths(header, rows);
        int Width(IReadOnlyList<int> columns) => columns.Sum(c => widths[c]) + Gap.Length * (columns.Count - 1);
        string Line(string[] cells, IReadOnlyList<int> columns) => string.Join(Gap, columns.Select((c, k) =>
            k == columns.Count - 1 && left[c] ? cells[c] : left[c] ? cells[c].PadRight(widths[c]) : cells[c].PadLeft(widths[c])));
        if (Width(kept) <= width) return rows.Select(r => Line(r, kept)).Prepend(Line(header, kept));
        // The last column wrapped under itself, when that keeps the table readable.
        var last = header.Length - 1;
        var start = Width(kept) - widths[last];
        if (left[last] && width - start >= 20)
        {
            var wrapped = rows.Select(r => ResultText.Paragraph(r[last], width - start).Split('\n')).ToArray();
            if (wrapped.All(w => w.Length <= 3 && w.All(l => l.Length <= width - start)))
            {
                var pad = new string(' ', start);
                var others = kept.Take(kept.Count - 1).ToList();
                string Head(string[] cells) => Line(cells, others).PadRight(start - Gap.Length) + Gap;
                return rows.Select((r, i) => Head(r) + wrapped[i][0] + string.Concat(wrapped[i].Skip(1).Select(l => "\n" + pad + l)))
                    .Prepend(Head(header) + header[last]);
            }
        }
        var moved = new List<int>();
        while (kept.Count > 1 && Width(kept) > width)
        {
            var out_ = moved.Count == 0 && moveLastFirst ? kept[^1]
                : kept.Skip(1).Where(c => left[c]).OrderByDescending(c => widths[c]).Select(c => (int?)c).FirstOrDefault() ?? kept[^1];
            kept.Remove(out_);
            moved.Add(out_);
        }
        moved.Sort();
        // An empty cell is left out rather than printed as a bare "why:" line.
        // The cell wrapped after its label ("header: "), so that the label's own colon is not the first break.
        string Moved(int c, string cell)
        {
            var label = $"{header[c]}: ";
            var wrapped = ResultText.Paragraph(cell, width - 4 - label.Length).Split('\n');
            return "\n    " + label + wrapped[0] + string.Concat(wrapped.Skip(1).Select(l => "\n    " + l));
        }
        return rows.Select(r => Line(r, kept).TrimEnd() + string.Concat(moved.Where(c => r[c].Length > 0).Select(c => Moved(c, r[c]))))
            .Prepend(Line(header, kept).TrimEnd());
    }

    /// <summary>
    /// The first column of <paramref name="rows"/> beside their column <paramref name="column"/>, as a table of its own
    /// (<c>method  final x</c> under compare's table, <c>method  settings</c> under train's), one line per distinct pair,
    /// for a column that has no room in its table (<see cref="WithColumnApart"/>).
    /// </summary>
    public static string[] Pairs(string[] header, IReadOnlyList<string[]> rows, int column, int width = RulePrinter.MaxWidth) =>
        [.. Lines([header[0], header[column]], [.. rows.Select(r => new[] { r[0], r[column] }).DistinctBy(p => (p[0], p[1]))], [true, true], width, moveLastFirst: false)];

    /// <summary>
    /// A table in the layout of <see cref="WithShortStops"/> (short stops always, <paramref name="briefLast"/> for those
    /// with no room) without its column <paramref name="column"/>, and that column in a table of its own to print under it
    /// (<paramref name="apart"/>, else <see cref="Pairs"/>): the form compare and train take where no row fits on one
    /// line with the column (long labels beside a final x of three variables; train's settings beside ½‖x − x*‖²).
    /// Null where either table still has a row wider than <paramref name="width"/>.
    /// </summary>
    /// <param name="header">The column headers; the first column names each row in the table apart (method).</param>
    /// <param name="rows">The rows, as many cells each as the header.</param>
    /// <param name="column">The column that leaves the table (not the first or the last).</param>
    /// <param name="shortLast">Each row's short last cell (<see cref="WithShortStops"/>).</param>
    /// <param name="labels">Each row's name in its stop note.</param>
    /// <param name="left">Which columns are left-aligned.</param>
    /// <param name="briefLast">Each row's briefest last cell, or null.</param>
    /// <param name="apart">The column's own table where the caller lays it out (compare's final x at fewer digits).</param>
    /// <param name="width">The most columns a line may take.</param>
    public static (string[] Lines, string[] Notes, string[] Apart)? WithColumnApart(string[] header, IReadOnlyList<string[]> rows, int column,
        IReadOnlyList<string> shortLast, IReadOnlyList<string> labels, bool[] left, IReadOnlyList<string>? briefLast, string[]? apart = null,
        int width = RulePrinter.MaxWidth)
    {
        if (column <= 0 || column >= header.Length - 1) throw new ArgumentOutOfRangeException(nameof(column), column, "Not the first or the last column.");
        T[] Kept<T>(T[] cells) => [.. cells[..column], .. cells[(column + 1)..]];
        var side = apart ?? Pairs(header, rows, column, width);
        var (lines, notes, _) = WithShortStops(Kept(header), [.. rows.Select(Kept)], shortLast, labels, Kept(left), always: true, briefLast, width);
        return Fits(lines, width) && Fits(side, width) ? (lines, notes, side) : null;
    }

    /// <summary>Whether every line of a table is one line of at most <paramref name="width"/> characters (no row folded).</summary>
    public static bool Fits(IEnumerable<string> lines, int width = RulePrinter.MaxWidth) =>
        lines.All(l => !l.Contains('\n') && l.Length <= width);

    /// <summary>
    /// A table whose last column says how each row's run stopped, one line per row: <paramref name="rows"/> as
    /// <see cref="Lines"/> lays them out when every row fits on a line; else with each last cell replaced by its
    /// short form (<paramref name="shortLast"/>: <c>diverged</c> for <c>diverged: the loss rose from 5.5 to
    /// 2.5E+13 …</c>) and, for each row whose cell was shortened, a note to print under the table,
    /// <c>Stop of gd: diverged: the loss rose …</c>, which reads as one line per run where the cell wrapped
    /// inside its column or was folded under its row (runs that stopped alike share one note). Where a short cell
    /// still makes its row wider than <paramref name="width"/> (<c>iteration limit (10), loss rose</c> beside a
    /// three-variable final x: 101 columns) and <paramref name="briefLast"/> is given, that cell is its brief form
    /// with a note number, <c>iteration limit¹</c>, and its note under the table is numbered alike, <c>¹ Stop of
    /// lbfgs: iteration limit (10); loss rose: …</c>: the stop stays in its column, one line per row, the rest
    /// said once below. Else (the short table too wide) as <see cref="Lines"/> folds it.
    /// </summary>
    /// <param name="header">The column headers.</param>
    /// <param name="rows">The rows, as many cells each as the header.</param>
    /// <param name="shortLast">Each row's short last cell.</param>
    /// <param name="labels">Each row's name in its note (the method).</param>
    /// <param name="left">Which columns are left-aligned.</param>
    /// <param name="always">Whether the last cells are always in their short form, with the notes, whatever the
    /// width (compare's and train's one layout: a stop never moves between a column, a wrapped cell and a line of its own
    /// with the width of the other cells); else only where the full table would not fit.</param>
    /// <param name="briefLast">Each row's briefest last cell, the stop's words alone (<c>iteration limit</c>), for a
    /// short cell too wide for the room the other columns leave; null to fold the table instead.</param>
    /// <param name="width">The most columns a line may take.</param>
    /// <returns>The table's lines (header first), the notes (none when the full table is kept), and how many of
    /// them are numbered (0 where every short cell fits).</returns>
    public static (string[] Lines, string[] Notes, int Numbered) WithShortStops(string[] header, IReadOnlyList<string[]> rows,
        IReadOnlyList<string> shortLast, IReadOnlyList<string> labels, bool[] left, bool always = false, IReadOnlyList<string>? briefLast = null,
        int width = RulePrinter.MaxWidth)
    {
        var full = always ? [] : Lines(header, rows, left, width).ToArray();
        // A table folded (a column's cells under each row, "    stop: …") keeps that form: only a last column wrapped
        // inside itself is shortened.
        if (!always && (Fits(full, width) || full.Any(l => l.Contains($"\n    {header[^1]}: ", StringComparison.Ordinal)))) return (full, [], 0);
        string[][] WithLast(Func<int, string> cell) => [.. rows.Select((r, i) => r[..^1].Append(cell(i)).ToArray())];
        // With the short cells always, a table still too wide keeps them in its rows and folds a wide column instead.
        var shorter = Lines(header, WithLast(i => shortLast[i]), left, width, moveLastFirst: !always).ToArray();
        if (!always && !Fits(shorter, width)) return (full, [], 0);
        // Runs that stopped alike share a note ("Stop of gd, newton and bfgs: …"), in the order of their first row.
        var stops = rows.Select((r, i) => (Cell: r[^1], Label: labels[i], Short: shortLast[i])).ToArray();
        string Note(IGrouping<string, (string Cell, string Label, string Short)> g, string number) =>
            $"{number}Stop of {MethodCatalog.JoinNames([.. g.Select(t => t.Label)])}: {g.Key}{(g.Key.EndsWith('.') ? "" : ".")}";
        (string[], string[], int) Short() => (shorter, [.. stops.Where(t => t.Cell != t.Short).GroupBy(t => t.Cell).Select(g => Note(g, ""))], 0);
        if (Fits(shorter, width) || briefLast is null) return Short();
        // The room the other columns leave the last: a short cell wider than it is given brief, with a number.
        var widths = ColumnWidths(header, rows);
        var room = width - widths[..^1].Sum() - Gap.Length * (header.Length - 1);
        var numbers = new Dictionary<string, int>();
        foreach (var t in stops.Where(t => t.Short.Length > room && !numbers.ContainsKey(t.Cell)))
            numbers[t.Cell] = numbers.Count + 1;
        var numbered = Lines(header, WithLast(i => numbers.TryGetValue(stops[i].Cell, out var k) ? briefLast[i] + Superscript(k) : shortLast[i]),
            left, width, moveLastFirst: false).ToArray();
        if (!Fits(numbered, width)) return Short();
        return (numbered, [.. stops.Where(t => t.Cell != t.Short || numbers.ContainsKey(t.Cell)).GroupBy(t => t.Cell)
            .Select(g => Note(g, numbers.TryGetValue(g.Key, out var k) ? Superscript(k) + " " : ""))], numbers.Count);
    }

    /// <summary>A note's number as a superscript (<c>¹</c>, <c>¹²</c>): one column a digit beside the cell it marks.</summary>
    public static string Superscript(int number) => string.Concat(number.ToString(System.Globalization.CultureInfo.InvariantCulture)
        .Select(d => "⁰¹²³⁴⁵⁶⁷⁸⁹"[d - '0']));

    /// <summary>Each column's width: its widest cell, the header's included.</summary>
    private static int[] ColumnWidths(string[] header, IReadOnlyList<string[]> rows) =>
        [.. header.Select((h, c) => rows.Select(row => row[c].Length).Append(h.Length).Max())];

    /// <summary>What a run whose loss ended above its start adds to its short stop cell (<see cref="ShortStop"/>).</summary>
    public const string LossRoseFlag = ", loss rose";

    /// <summary>
    /// A stop cell of compare's and train's tables in full: <paramref name="stop"/> (<c>iteration limit (10)</c>,
    /// <c>diverged: …</c>), and for a run whose loss ended above its start
    /// <c>; loss rose: final 418.632 > start 0.05</c> with the two losses as the table prints them, then
    /// <paramref name="more"/> (what else the rise comes with: train's fall of the x-error).
    /// </summary>
    public static string StopCell(string stop, bool lossRose, string finalLoss, string startLoss, string more = "") =>
        stop + (lossRose ? $"; loss rose: final {finalLoss} > start {startLoss}{more}" : "");

    /// <summary>A stop cell's short form: the reason before its first ": " (<c>diverged</c>, <c>converged</c>,
    /// <c>iteration limit (10)</c> as it is), with <see cref="LossRoseFlag"/> when the run's loss ended above its start.</summary>
    public static string ShortStop(string stop, bool lossRose) =>
        (stop.IndexOf(": ", StringComparison.Ordinal) is var colon and > 0 ? stop[..colon] : stop) + (lossRose ? LossRoseFlag : "");
}
