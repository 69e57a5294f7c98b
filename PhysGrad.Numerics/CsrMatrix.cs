using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.LinearAlgebra.Storage;
using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// A sparse matrix in compressed sparse row form (CSR) with a fixed <see cref="SparsityPattern"/>:
/// the pattern (row pointers, column indices) is shared and never changes, the values are this
/// matrix's own array, refreshed in place by <see cref="IDifferentiableProblem.SparseJacobian"/> and
/// <see cref="IDifferentiableProblem.SparseHessian"/>. Allocate one per pattern and reuse it: a
/// refresh allocates nothing. Entries outside the pattern are zero. Not thread-safe for writing (one
/// matrix per thread).
/// </summary>
public sealed class CsrMatrix
{
    /// <summary>A matrix with the given pattern, all values 0.</summary>
    /// <exception cref="ArgumentNullException">No pattern.</exception>
    public CsrMatrix(SparsityPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        Pattern = pattern;
        Values = new double[pattern.NonZeroCount];
    }

    /// <summary>The pattern (shared with the problem that made it, and with other matrices of it).</summary>
    public SparsityPattern Pattern { get; }

    /// <summary>The number of rows.</summary>
    public int Rows => Pattern.Rows;

    /// <summary>The number of columns.</summary>
    public int Columns => Pattern.Columns;

    /// <summary>The number of structural nonzeros (the length of <see cref="Values"/>).</summary>
    public int NonZeroCount => Pattern.NonZeroCount;

    /// <summary>Rows + 1 offsets into <see cref="ColumnIndices"/> and <see cref="Values"/> (shared: do not modify).</summary>
    public int[] RowPointers => Pattern.RowPointers;

    /// <summary>The column of each nonzero, row by row, ascending within a row (shared: do not modify).</summary>
    public int[] ColumnIndices => Pattern.ColumnIndices;

    /// <summary>The value of each structural nonzero, in the order of <see cref="ColumnIndices"/>.</summary>
    public double[] Values { get; }

    /// <summary>
    /// The shape and the count of nonzeros, then the first few entries as (row, column) = value
    /// (<see cref="NumberText.Short"/>): <c>CSR 3×3, 7 nonzeros: (0, 0) = 2, (0, 1) = -1, (1, 0) = -1, …</c>.
    /// </summary>
    public override string ToString()
    {
        var shown = new List<string>();
        for (var i = 0; i < Rows && shown.Count < 4; i++)
            for (var k = RowPointers[i]; k < RowPointers[i + 1] && shown.Count < 4; k++)
                shown.Add($"({i}, {ColumnIndices[k]}) = {NumberText.Short(Values[k])}");
        return $"CSR {Rows}×{Columns}, {NumberText.Count(NonZeroCount, "nonzero")}" +
            (shown.Count == 0 ? "" : ": " + string.Join(", ", shown) + (NonZeroCount > shown.Count ? ", …" : ""));
    }

    /// <summary>Entry (row, column): its value when it is in the pattern, else 0 (binary search in the row).</summary>
    public double this[int row, int column]
    {
        get
        {
            if ((uint)row >= (uint)Rows || (uint)column >= (uint)Columns)
                throw new ArgumentOutOfRangeException(nameof(row), $"({row}, {column}) is outside the {Rows} × {Columns} matrix.");
            var k = Pattern.IndexOf(row, column);
            return k < 0 ? 0 : Values[k];
        }
    }

    /// <summary>The entries of the pattern as (row, column, value), row by row (coordinate form).</summary>
    public IEnumerable<(int Row, int Column, double Value)> Entries()
    {
        for (var i = 0; i < Rows; i++)
            for (var k = RowPointers[i]; k < RowPointers[i + 1]; k++)
                yield return (i, ColumnIndices[k], Values[k]);
    }

    /// <summary>The dense matrix, row by row (Rows · Columns values): for small matrices and tests.</summary>
    public double[] ToDense()
    {
        var dense = new double[Rows * Columns];
        for (var i = 0; i < Rows; i++)
            for (var k = RowPointers[i]; k < RowPointers[i + 1]; k++)
                dense[i * Columns + ColumnIndices[k]] = Values[k];
        return dense;
    }

    /// <summary>
    /// A copy as MathNet.Numerics' <see cref="SparseMatrix"/> (its CSR storage), for its iterative
    /// solvers and factorisations. Copies pattern and values: a later refresh of this matrix does not
    /// reach the copy. MathNet drops nothing: an entry of the pattern that is 0 now stays stored.
    /// </summary>
    public SparseMatrix ToMathNet() =>
        new(SparseCompressedRowMatrixStorage<double>.OfCompressedSparseRowFormat(
            Rows, Columns, NonZeroCount, (int[])RowPointers.Clone(), (int[])ColumnIndices.Clone(), (double[])Values.Clone()));

    /// <summary>result = A v (Rows values) for v of Columns values. Allocates nothing.</summary>
    /// <exception cref="ArgumentException">A vector shorter than the matrix needs.</exception>
    public void Multiply(ReadOnlySpan<double> v, Span<double> result)
    {
        if (v.Length < Columns || result.Length < Rows)
            throw new ArgumentException($"A {Rows} × {Columns} matrix needs v of {NumberText.Count(Columns, "value")} and a result of {Rows}.");
        var (rp, ci, values) = (RowPointers, ColumnIndices, Values);
        for (var i = 0; i < Rows; i++)
        {
            double sum = 0;
            for (var k = rp[i]; k < rp[i + 1]; k++) sum += values[k] * v[ci[k]];
            result[i] = sum;
        }
    }

    /// <summary>result = Aᵀ w (Columns values) for w of Rows values. Allocates nothing.</summary>
    /// <exception cref="ArgumentException">A vector shorter than the matrix needs.</exception>
    public void TransposeMultiply(ReadOnlySpan<double> w, Span<double> result)
    {
        if (w.Length < Rows || result.Length < Columns)
            throw new ArgumentException($"A {Rows} × {Columns} matrix needs w of {NumberText.Count(Rows, "value")} and a result of {Columns}.");
        var (rp, ci, values) = (RowPointers, ColumnIndices, Values);
        result[..Columns].Clear();
        for (var i = 0; i < Rows; i++)
        {
            var wi = w[i];
            for (var k = rp[i]; k < rp[i + 1]; k++) result[ci[k]] += values[k] * wi;
        }
    }
}
