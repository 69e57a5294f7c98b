using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// Evaluates a function (and its gradient and Hessian) at many points read as CSV, through one
/// compiled kernel, streaming: rows are read, evaluated and written in blocks.
/// </summary>
public static class BatchEvaluation
{
    private const int BlockRows = 4096;

    /// <summary>
    /// Reads one point per CSV row from <paramref name="input"/> (values separated by commas, '.' as
    /// the decimal point; an optional first row naming the variables) and writes a CSV with a header
    /// and, per row, the value (order 0), the gradient entries (order ≥ 1) and the Hessian entries
    /// (order 2, row by row). Returns the number of points.
    /// </summary>
    /// <exception cref="SymbolicException">A bad row: the message names the row and the value.</exception>
    public static long Run(string function, IReadOnlyList<string>? variables, int order, TextReader input, TextWriter output)
    {
        if (order is < 0 or > 2)
            throw new SymbolicException(ErrorKind.Invalid, $"The order must be 0, 1 or 2, not {order}.");
        var f = Expression.Parse(function);
        var names = (variables ?? f.Variables).ToArray();
        if (names.Length == 0)
            throw new SymbolicException(ErrorKind.Variable, "The function has no variables to read from the points; name the variables.");
        var symbols = Expression.Symbols(names);
        var outputs = new List<Expr> { f.Core };
        var header = new List<string>(names) { "f" };
        if (order >= 1)
        {
            var g = Calculus.Gradient(symbols, f.Core);
            outputs.AddRange(g);
            header.AddRange(names.Select(n => $"df/d{n}"));
            if (order == 2)
            {
                var h = Calculus.HessianOfGradient(symbols, g);
                for (var i = 0; i < names.Length; i++)
                    for (var j = 0; j < names.Length; j++)
                    {
                        outputs.Add(h[i, j]);
                        header.Add($"d2f/d{names[i]}d{names[j]}");
                    }
            }
        }
        var kernel = KernelCompiler.Compile(Lower.Program(names, [], outputs.ToArray()));
        output.WriteLine(string.Join(",", header));

        var n = names.Length;
        var m = kernel.OutputCount;
        var points = new double[BlockRows * n];
        var results = new double[BlockRows * m];
        long row = 0, total = 0;
        var inBlock = 0;
        string? line;
        var first = true;
        while ((line = input.ReadLine()) is not null)
        {
            row++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var fields = line.Split(',', StringSplitOptions.TrimEntries);
            if (first)
            {
                first = false;
                if (fields.All(s => s.Length > 0 && (char.IsLetter(s[0]) || s[0] == '_')))
                {
                    if (!fields.SequenceEqual(names))
                        throw new SymbolicException(ErrorKind.Shape,
                            $"Row 1 names the columns {string.Join(", ", fields)} but the variables are {string.Join(", ", names)} (in that order).");
                    continue;
                }
            }
            if (fields.Length != n)
                throw new SymbolicException(ErrorKind.Shape,
                    $"Row {row} has {fields.Length} value(s) but there are {n} variable(s) ({string.Join(", ", names)}).");
            for (var j = 0; j < n; j++)
                if (!double.TryParse(fields[j], NumberStyles.Float, CultureInfo.InvariantCulture, out points[inBlock * n + j]))
                    throw new SymbolicException(ErrorKind.Invalid,
                        $"Row {row}, value {j + 1} ('{fields[j]}') is not a number (use '.' as the decimal point).");
            if (++inBlock == BlockRows)
            {
                Flush(kernel, points, results, inBlock, output);
                total += inBlock;
                inBlock = 0;
            }
        }
        if (inBlock > 0)
        {
            Flush(kernel, points, results, inBlock, output);
            total += inBlock;
        }
        return total;
    }

    private static void Flush(CompiledKernel kernel, double[] points, double[] results, int rows, TextWriter output)
    {
        var n = kernel.VariableCount;
        var m = kernel.OutputCount;
        var block = rows == points.Length / n ? points : points.AsSpan(0, rows * n).ToArray();
        var outs = rows == results.Length / m ? results : new double[rows * m];
        kernel.EvaluateBatch(block, [], outs);
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            sb.Clear();
            for (var j = 0; j < n; j++) sb.Append(NumberText.RoundTrip(points[i * n + j])).Append(',');
            for (var k = 0; k < m; k++)
            {
                if (k > 0) sb.Append(',');
                sb.Append(NumberText.RoundTrip(outs[i * m + k]));
            }
            output.WriteLine(sb);
        }
    }
}
