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
    /// The last column is not padded (no trailing spaces). Throws <see cref="ArgumentException"/> when a row
    /// has another number of cells than the header.
    /// </summary>
    public static IEnumerable<string> Lines(string[] header, IReadOnlyList<string[]> rows, bool[] left)
    {
        if (rows.FirstOrDefault(r => r.Length != header.Length) is { } bad)
            throw new ArgumentException($"A row has {bad.Length} cells, the header {header.Length}.", nameof(rows));
        var widths = header.Select((h, c) => rows.Select(row => row[c].Length).Append(h.Length).Max()).ToArray();
        string Line(string[] cells) => string.Join(Gap, cells.Select((cell, c) =>
            c == cells.Length - 1 && left[c] ? cell : left[c] ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c])));
        return rows.Select(Line).Prepend(Line(header));
    }
}
