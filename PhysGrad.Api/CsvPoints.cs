using System.Globalization;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// The rows of <c>eval</c>'s CSV input, read alike for a function (<see cref="BatchEvaluation"/>) and a
/// simulator (<see cref="SimulatorBatchEvaluation"/>): one point per row, ',' between values, '.' as the
/// decimal point, and an optional first row naming the variables in order. Two numbers name a point: its
/// index among the points (from 0, in the order of the data rows; the header and blank lines not counted),
/// which the coordinate form's <c>point</c> column and the dense form's row order follow, as rows and columns
/// count from 0; and the file line it was read from (from 1, the header counted, as an editor numbers
/// lines), which a message about the text of the file names.
/// </summary>
internal static class CsvPoints
{
    /// <summary>
    /// Reads line <paramref name="row"/> (counted from 1, the header and blank lines included) into <paramref name="x"/> (one value per name).
    /// Returns false for a blank row and for the first row when it names the columns; <paramref name="first"/>
    /// is cleared once a non-blank row has been seen.
    /// </summary>
    /// <param name="line">The row's text.</param>
    /// <param name="row">Its line number in the file, from 1, for messages.</param>
    /// <param name="first">True until the first non-blank row has been read.</param>
    /// <param name="names">The variables, in the columns' order.</param>
    /// <param name="x">Where the point goes (one value per name).</param>
    /// <exception cref="SymbolicException">A semicolon-separated row, a header naming other variables, a row of
    /// another length, or a value that is not a finite number (NaN, an infinity or a literal beyond the double
    /// range are refused as every reader of user numbers does, <see cref="UserNumbers"/>); the message names
    /// the line, the column and the value.</exception>
    public static bool Read(string line, long row, ref bool first, IReadOnlyList<string> names, Span<double> x)
    {
        if (string.IsNullOrWhiteSpace(line)) return false;
        // A semicolon-separated file (the CSV of locales with a decimal comma) is refused by name,
        // not as "1 value" or "'1;2' is not a number".
        if (line.Contains(';'))
            throw new SymbolicException(ErrorKind.Invalid,
                $"Line {row} contains ';': eval reads comma-separated values, with ',' between values and '.' as the decimal point (e.g. 1.5,2).");
        var fields = line.Split(',', StringSplitOptions.TrimEntries);
        if (first)
        {
            first = false;
            // A row of names is a header; a row of nan/inf is data, whatever its letters.
            if (fields.All(s => s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_')) && fields.Any(s => !UserNumbers.IsSpecial(s)))
            {
                if (!fields.SequenceEqual(names))
                {
                    // The same names in another order: say both ways out (the variables' order is the caller's parameter: the CLI's --vars).
                    var reordered = fields.Length == names.Count && fields.Order(StringComparer.Ordinal).SequenceEqual(names.Order(StringComparer.Ordinal));
                    throw ParameterMessages.Error(ErrorKind.Shape, ["variables"], name =>
                        $"Line {row} names the columns {Shorten(fields)} but the variables are {Shorten(names)} (in that order)" +
                        (reordered ? $": reorder the columns to {Shorten(names)}, or name the variables in the columns' order ({name("variables", fields)})."
                            : $": write the header as {string.Join(",", names)}, or leave it out (each row is then read in the variables' order)."));
                }
                return false;
            }
        }
        var n = names.Count;
        if (fields.Length != n)
            throw new SymbolicException(ErrorKind.Shape,
                $"Line {row} has {NumberText.Count(fields.Length, "value")} but there {(n == 1 ? "is" : "are")} {NumberText.Count(n, "variable")} ({Shorten(names)}): " +
                "give one value per variable on each line, in that order.");
        for (var j = 0; j < n; j++)
            if (!UserNumbers.TryRead(fields[j], out x[j], out var problem))
                throw new SymbolicException(ErrorKind.Invalid,
                    $"Line {row}, value {j + 1} ('{fields[j]}') {problem}, in column {names[j]}: " +
                    (problem == "is not a number" ? $"{UserNumbers.Advice(fields[j])}." : "give a finite value, or leave the row out."));
        return true;
    }

    /// <summary>How a note names a point: <c>point 0 (line 2)</c>, its index among the points and its line in the file.</summary>
    public static string Label(long point, long line) => $"point {point} (line {line})";

    // Up to ten names, then how many more: a header of 10⁵ variables would fill the screen.
    private static string Shorten(IReadOnlyList<string> names) =>
        names.Count <= 10 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(10))}, … ({names.Count} in all)";
}
