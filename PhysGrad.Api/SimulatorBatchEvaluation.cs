using System.Globalization;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>A simulator's y, Jacobian and loss derivatives at many points read from CSV (<c>physgrad eval</c> with a simulator).</summary>
public static class SimulatorBatchEvaluation
{
    /// <summary>
    /// Reads one point x per CSV row from <paramref name="input"/> (one value per variable, separated by
    /// commas, '.' as the decimal point; an optional first row naming the variables) and writes, per row,
    /// what <see cref="PhysicsProblem.DerivativesAt"/> gives there: y = P(x) (order 0), J = ∂P/∂x
    /// (order ≥ 1), and L(P(x)), ∂L/∂x, ∂²L/∂x² (order 2). Returns the number of points.
    /// </summary>
    /// <remarks>
    /// Dense: a header (the variables, y0 …, dyi/dxj row by row, L, dL/dxj, d2L/dxidxj) and one CSV row per
    /// point, refused above <see cref="PhysicsProblem.DenseEntryLimit"/> entries per matrix. Sparse: the
    /// coordinate form, one number per line, <c>point,quantity,row,column,value</c>: point is the point's
    /// index among the data rows, from 0 (the header and blank lines not counted), quantity <c>y</c> (row i), <c>jacobian</c> (row i = output, column j = variable; J's
    /// structural nonzeros only), <c>loss</c>, <c>gradient</c> (row j) or <c>hessian</c> (row i, column j;
    /// the structural nonzeros, both triangles); rows and columns count from 0.
    /// </remarks>
    /// <para>A value undefined at a row's point is the empty field, and <c>point K (line N): entry is undefined: reason</c>
    /// goes to <paramref name="notes"/> when given (see <see cref="SimulatorDerivativeReport.Undefined"/>).</para>
    /// <exception cref="SymbolicException">A bad row (the message names its line in the file and the value), or what
    /// <see cref="PhysicsProblem.DerivativesAt"/> refuses.</exception>
    public static long Run(PhysicsProblem problem, int order, TextReader input, TextWriter output, bool sparse = false, TextWriter? notes = null)
    {
        ArgumentNullException.ThrowIfNull(problem);
        var names = problem.Variables.ToArray();
        var outputs = problem.Outputs;
        var n = names.Length;
        // Checked before any row is read: an order or a dense size that is refused is refused for every row.
        var probe = new double[n];
        if (sparse)
            output.WriteLine("point,quantity,row,column,value");
        else
        {
            if (order is 0 or 1 or 2) _ = problem.DerivativesAt(probe, order, sparse: false);
            output.WriteLine(string.Join(",", DenseHeader(names, outputs, order)));
        }
        long row = 0, total = 0;
        var first = true;
        string? line;
        var text = new System.Text.StringBuilder();
        while ((line = input.ReadLine()) is not null)
        {
            row++;
            var x = new double[n];
            if (!CsvPoints.Read(line, row, ref first, names, x)) continue;
            var r = problem.DerivativesAt(x, order, sparse);
            foreach (var u in r.Undefined ?? [])
                notes?.WriteLine($"{CsvPoints.Label(total, row)}: {u.Entry} is undefined: {u.Because}");
            text.Clear();
            if (sparse) WriteCoordinates(text, total, r);
            else WriteDense(text, r);
            output.Write(text);
            total++;
        }
        return total;
    }

    private static IEnumerable<string> DenseHeader(string[] names, IReadOnlyList<string> outputs, int order)
    {
        foreach (var v in names) yield return v;
        foreach (var y in outputs) yield return y;
        if (order < 1) yield break;
        foreach (var y in outputs)
            foreach (var v in names)
                yield return $"d{y}/d{v}";
        if (order < 2) yield break;
        yield return "L";
        foreach (var v in names) yield return $"dL/d{v}";
        foreach (var a in names)
            foreach (var b in names)
                yield return $"d2L/d{a}d{b}";
    }

    // An undefined value (NaN; its reason goes to the notes) is the empty field.
    private static string Number(double x) => BatchEvaluation.Cell(x);

    private static void WriteDense(System.Text.StringBuilder sb, SimulatorDerivativeReport r)
    {
        var first = true;
        void Add(double v)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append(Number(v));
        }
        foreach (var v in r.Point) Add(v);
        foreach (var v in r.Y) Add(v);
        if (r.JacobianAt is { } j)
            foreach (var v in j) Add(v);
        if (r.Loss is { } loss)
        {
            Add(loss);
            foreach (var v in r.GradientAt!) Add(v);
            foreach (var v in r.HessianAt!) Add(v);
        }
        sb.Append('\n');
    }

    private static void WriteCoordinates(System.Text.StringBuilder sb, long point, SimulatorDerivativeReport r)
    {
        for (var i = 0; i < r.Y.Count; i++)
            sb.Append(point).Append(",y,").Append(i).Append(",,").Append(Number(r.Y[i])).Append('\n');
        foreach (var e in r.JacobianAtNonZeros ?? [])
            sb.Append(point).Append(",jacobian,").Append(e.Row).Append(',').Append(e.Column).Append(',').Append(Number(e.Value)).Append('\n');
        if (r.Loss is not { } loss) return;
        sb.Append(point).Append(",loss,,,").Append(Number(loss)).Append('\n');
        for (var j = 0; j < r.GradientAt!.Count; j++)
            sb.Append(point).Append(",gradient,").Append(j).Append(",,").Append(Number(r.GradientAt[j])).Append('\n');
        foreach (var e in r.HessianAtNonZeros!)
            sb.Append(point).Append(",hessian,").Append(e.Row).Append(',').Append(e.Column).Append(',').Append(Number(e.Value)).Append('\n');
    }
}
