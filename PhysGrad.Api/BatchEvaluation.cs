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

    /// <summary>The variables of <paramref name="function"/> as the points' columns: <paramref name="variables"/> when
    /// given, else the names written in it, in the order written (x in x^0 too).</summary>
    public static string[] VariablesOf(string function, IReadOnlyList<string>? variables)
    {
        NameRules.Require(variables, nameof(variables));
        return (variables ?? Parse.WrittenNames(function)).ToArray();
    }

    /// <summary>
    /// Reads one point per CSV row from <paramref name="input"/> (values separated by commas, '.' as
    /// the decimal point; an optional first row naming the variables) and writes a CSV with a header
    /// and, per row, the value (order 0), the gradient entries (order ≥ 1) and the Hessian entries
    /// (order 2, row by row). Returns the number of points.
    /// </summary>
    /// <remarks>
    /// Derivative entries whose formula cannot be trusted at a row's point (not finite, or resting on
    /// the convention sign(0) = 0) are settled exactly as <see cref="Derivatives.Compute"/> settles them
    /// (a limit of difference quotients, or no derivative), and one line per settled entry,
    /// <c>point K (line N): entry: message</c>, goes to <paramref name="notes"/> when given (K the point's
    /// index from 0, N its line in the file from 1: <see cref="CsvPoints"/>).
    /// </remarks>
    /// <para>With <paramref name="sparse"/> the CSV is in coordinate (long) form instead, one number per line:
    /// header <c>point,quantity,row,column,value</c>, where point is the point's index among the data rows,
    /// from 0 (as in the notes; the header and blank lines not counted), quantity is <c>f</c> (row and column empty), <c>gradient</c> (row i) or <c>hessian</c>
    /// (row i, column j), only the gradient's and the Hessian's structural nonzeros: the entries whose
    /// expression is not the exact 0 (both triangles). Rows and columns count from 0.</para>
    /// <exception cref="SymbolicException">A bad row: the message names its line in the file and the value.</exception>
    public static long Run(string function, IReadOnlyList<string>? variables, int order, TextReader input, TextWriter output,
        TextWriter? notes = null, bool sparse = false)
    {
        if (order is < 0 or > 2)
            throw new SymbolicException(ErrorKind.Invalid, $"The order must be 0, 1 or 2, not {order}.");
        var f = Expression.Parse(function);
        // The variables as written (x in x^0 too): the CSV has a column for each.
        var names = VariablesOf(function, variables);
        if (names.Length == 0)
            throw new SymbolicException(ErrorKind.Variable, "The function has no variables to read from the points; name the variables.");
        var symbols = Expression.Symbols(names);
        var header = new List<string>(names) { "f" };
        Expr[] g = [];
        Expr[,]? h = null;
        if (order >= 1)
        {
            g = Calculus.Gradient(symbols, f.Core);
            header.AddRange(names.Select(n => $"df/d{n}"));
            if (order == 2)
            {
                h = Calculus.HessianOfGradient(symbols, g);
                for (var i = 0; i < names.Length; i++)
                    for (var j = 0; j < names.Length; j++)
                        header.Add($"d2f/d{names[i]}d{names[j]}");
            }
        }
        var settler = new PointDerivatives(names, f.Core, g, h);
        var kernel = settler.Kernel;
        // In coordinate form only the Hessian's structural nonzeros are written (their (row, column)).
        var nonzeros = sparse && h is not null
            ? PointDerivatives.NonZeros(Expression.WrapMatrix(h)).Select(e => (e.Row, e.Column)).ToArray()
            : null;
        // And the gradient's: the entries whose expression is not the exact 0 (diff --sparse prints the same).
        var gradientNonZeros = sparse ? Enumerable.Range(0, g.Length).Where(k => !ExprModule.isZero(g[k])).ToArray() : null;
        output.WriteLine(sparse ? "point,quantity,row,column,value" : string.Join(",", header));

        var n = names.Length;
        var m = kernel.OutputCount;
        var points = new double[BlockRows * n];
        var rows = new long[BlockRows];
        var results = new double[BlockRows * m];
        long row = 0, total = 0;
        var inBlock = 0;
        string? line;
        var first = true;
        while ((line = input.ReadLine()) is not null)
        {
            row++;
            if (!CsvPoints.Read(line, row, ref first, names, points.AsSpan(inBlock * n, n))) continue;
            rows[inBlock] = row;
            if (++inBlock == BlockRows)
            {
                Flush(settler, order, points, rows, total, results, inBlock, output, notes, sparse, nonzeros, gradientNonZeros);
                total += inBlock;
                inBlock = 0;
            }
        }
        if (inBlock > 0)
        {
            Flush(settler, order, points, rows, total, results, inBlock, output, notes, sparse, nonzeros, gradientNonZeros);
            total += inBlock;
        }
        return total;
    }

    // rowNumbers are the block's lines in the file; firstPoint the index of its first point.
    private static void Flush(PointDerivatives settler, int order, double[] points, long[] rowNumbers, long firstPoint, double[] results, int rows,
        TextWriter output, TextWriter? notes, bool sparse, (int Row, int Column)[]? nonzeros, int[]? gradientNonZeros)
    {
        var kernel = settler.Kernel;
        var n = kernel.VariableCount;
        var m = kernel.OutputCount;
        var shown = settler.OutputCount;
        var block = rows == points.Length / n ? points : points.AsSpan(0, rows * n).ToArray();
        var outs = rows == results.Length / m ? results : new double[rows * m];
        kernel.EvaluateBatch(block, [], outs);
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < rows; i++)
        {
            if (order >= 1 && settler.NeedsSettling(points.AsSpan(i * n, n), outs.AsSpan(i * m, m)))
            {
                // The same settlement as diff: limits where the formula is not finite or rests on sign(0) = 0,
                // and undefined values (NaN, written as empty fields) with their reasons.
                var x = points.AsSpan(i * n, n).ToArray();
                var settled = settler.At(x, outs.AsSpan(i * m, m).ToArray());
                outs[i * m] = settled.Value;
                for (var k = 0; k < n; k++) outs[i * m + 1 + k] = settled.Gradient[k];
                if (settled.Hessian is { } hessian)
                    for (var a = 0; a < n; a++)
                        for (var b = 0; b < n; b++)
                            outs[i * m + 1 + n + a * n + b] = hessian[a, b];
                // An undefined entry's note is part of its reason, said once below.
                foreach (var note in settled.Notes.Where(nt => !settled.Undefined.Any(u => u.Entry == nt.Entry)))
                    notes?.WriteLine($"{CsvPoints.Label(firstPoint + i, rowNumbers[i])}: {note}");
                foreach (var u in settled.Undefined)
                    notes?.WriteLine($"{CsvPoints.Label(firstPoint + i, rowNumbers[i])}: {u.Entry} is undefined: {u.Because}");
            }
            else if (order == 0 && PointDerivatives.ValueMayBeOutOfRange(outs[i * m]))
            {
                // Re-evaluated with a wide exponent where the double may have overflowed or underflowed inside f.
                var (value, note, why) = settler.ValueAt(points.AsSpan(i * n, n).ToArray(), outs[i * m]);
                outs[i * m] = value;
                if (note is not null) notes?.WriteLine($"{CsvPoints.Label(firstPoint + i, rowNumbers[i])}: f: {note}");
                if (why is not null) notes?.WriteLine($"{CsvPoints.Label(firstPoint + i, rowNumbers[i])}: f is undefined: {why}");
            }
            sb.Clear();
            if (sparse)
            {
                WriteCoordinates(sb, firstPoint + i, outs.AsSpan(i * m, m), n, order, nonzeros, gradientNonZeros);
                output.Write(sb);
                continue;
            }
            for (var j = 0; j < n; j++) sb.Append(NumberText.RoundTrip(points[i * n + j])).Append(',');
            for (var k = 0; k < shown; k++)
            {
                if (k > 0) sb.Append(',');
                sb.Append(Cell(outs[i * m + k]));
            }
            output.WriteLine(sb);
        }
    }

    /// <summary>A value as a CSV field: an undefined one (NaN; its reason goes to the notes) is the empty field.</summary>
    internal static string Cell(double v) => double.IsNaN(v) ? "" : NumberText.RoundTrip(v);

    // One point's outputs [f, ∇f (n), H (n·n, row by row)] in coordinate form, one line per number.
    private static void WriteCoordinates(System.Text.StringBuilder sb, long point, ReadOnlySpan<double> outs, int n, int order,
        (int Row, int Column)[]? nonzeros, int[]? gradientNonZeros)
    {
        var p = point.ToString(CultureInfo.InvariantCulture);
        sb.Append(p).Append(",f,,,").Append(Cell(outs[0])).Append('\n');
        if (order >= 1)
            foreach (var k in gradientNonZeros ?? Enumerable.Range(0, n))
                sb.Append(p).Append(",gradient,").Append(k).Append(",,").Append(Cell(outs[1 + k])).Append('\n');
        foreach (var (r, c) in nonzeros ?? [])
            sb.Append(p).Append(",hessian,").Append(r).Append(',').Append(c).Append(',')
                .Append(Cell(outs[1 + n + r * n + c])).Append('\n');
    }
}
