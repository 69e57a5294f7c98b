using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// LSQR's right preconditioner from the Cholesky factor of the column-equilibrated normal matrix:
/// with D = diag(1/‖J e_j‖) (<see cref="ColumnScaling"/>) and B = D JᵀJ D (unit diagonal),
/// P (B + τI) Pᵀ = L Lᵀ by <see cref="EnvelopeCholesky"/> (reverse Cuthill–McKee order P), and
/// M = D Pᵀ L⁻ᵀ. Then (J M)ᵀ(J M) = I − τ L⁻¹L⁻ᵀ: every singular value σ of J D becomes σ/√(σ² + τ),
/// 1 to within τ/σ² for σ² ≫ τ, so LSQR on J M needs a few iterations where Jacobi scaling alone needed
/// thousands (Björck, Numerical Methods for Least Squares Problems, 1996, §7.5: the normal equations'
/// factor as LSQR's preconditioner; here with a shift so that a rank-deficient J still factorises).
/// <para>
/// What it solves: LSQR with M returns, among the least-squares solutions of J p = b, the one of least
/// ‖M⁻¹p‖² = pᵀ D⁻¹(B + τI) D⁻¹ p = ‖J p‖² + τ‖D⁻¹p‖²; ‖J p‖ is the same for all of them, so that is the
/// one of least ‖D⁻¹p‖, the same answer as Jacobi scaling alone (M = D) in exact arithmetic, and
/// J⁺b itself whenever the solution is unique. Only the iteration count changes.
/// </para>
/// <para>
/// τ = <see cref="Shift"/> relative to B's unit diagonal, large enough that the factorisation of a
/// numerically singular B does not break down on rounding (an exact pivot of B + τI is at least τ; a
/// computed one at or below τ/2 is rounding, and τ is then raised 100-fold, at most
/// <see cref="Attempts"/> times), small enough that only singular values of J D below about √τ = 10⁻⁵
/// are compressed. Used only when the factor is cheap next to the products (<see cref="IfAffordable"/>).
/// </para>
/// </summary>
internal sealed class NormalCholeskyPreconditioner : KrylovPreconditioner
{
    /// <summary>τ of the first attempt, relative to the unit diagonal of B.</summary>
    public const double Shift = 1e-10;

    /// <summary>How many shifts (τ, 100τ, …) are tried before a step falls back to Jacobi scaling.</summary>
    public const int Attempts = 3;

    /// <summary>The budget: the factorisation's work and the normal matrix's products may each cost at
    /// most this many times (nonzeros of J + n), about that many LSQR iterations' worth of products.</summary>
    public const int Budget = 64;

    private readonly int _n;
    private readonly EnvelopeCholesky _factor;
    private readonly CsrMatrix _normal;
    // For every row i of J and every pair (a, b) of its nonzeros: B[_target[t]] += Jd[_left[t]]·Jd[_right[t]].
    private readonly int[] _left, _right, _target;
    private readonly double[] _scaled, _t;
    private double[] _d = [];

    private NormalCholeskyPreconditioner(SparsityPattern j, SparsityPattern normal, EnvelopeCholesky structure, int[] left, int[] right, int[] target)
    {
        _n = j.Columns;
        (_normal, _factor) = (new CsrMatrix(normal), structure.Allocate());
        (_left, _right, _target) = (left, right, target);
        (_scaled, _t) = (new double[j.NonZeroCount], new double[_n]);
    }

    /// <summary>τ of the last successful <see cref="Refresh"/>.</summary>
    public double LastShift { get; private set; }

    /// <summary>
    /// The preconditioner for a J of this pattern (m × n), or null when forming and factorising JᵀJ would
    /// cost more than <see cref="Budget"/> times (nonzeros + n) multiply-adds (a 2-D grid's envelope, a
    /// dense row).
    /// </summary>
    public static NormalCholeskyPreconditioner? IfAffordable(SparsityPattern j)
    {
        ArgumentNullException.ThrowIfNull(j);
        var (n, rp, ci) = (j.Columns, j.RowPointers, j.ColumnIndices);
        var limit = (long)Budget * (j.NonZeroCount + n);
        long pairs = 0;
        for (var i = 0; i < j.Rows; i++) pairs += (long)(rp[i + 1] - rp[i]) * (rp[i + 1] - rp[i]);
        if (pairs > limit) return null;
        // The pattern of JᵀJ: columns a and b are linked when a row of J holds both (both triangles).
        var links = new List<int>[n];
        for (var c = 0; c < n; c++) links[c] = [c];
        var mark = new int[n];
        Array.Fill(mark, -1);
        var columnRows = Transposed(j);
        for (var a = 0; a < n; a++)
        {
            mark[a] = a;
            for (var k = columnRows.Pointers[a]; k < columnRows.Pointers[a + 1]; k++)
            {
                var i = columnRows.Rows[k];
                for (var q = rp[i]; q < rp[i + 1]; q++)
                    if (mark[ci[q]] != a) { mark[ci[q]] = a; links[a].Add(ci[q]); }
            }
        }
        var pointers = new int[n + 1];
        for (var c = 0; c < n; c++) pointers[c + 1] = pointers[c] + links[c].Count;
        var columns = new int[pointers[n]];
        for (var c = 0; c < n; c++)
        {
            links[c].Sort();
            links[c].CopyTo(columns, pointers[c]);
        }
        var normal = new SparsityPattern(n, n, pointers, columns);
        var structure = new EnvelopeCholesky(normal);
        if (structure.Work > limit || structure.EnvelopeSize > limit) return null;
        var (left, right, target) = (new int[pairs], new int[pairs], new int[pairs]);
        var t = 0;
        for (var i = 0; i < j.Rows; i++)
            for (var a = rp[i]; a < rp[i + 1]; a++)
                for (var b = rp[i]; b < rp[i + 1]; b++, t++)
                    (left[t], right[t], target[t]) = (a, b, Array.BinarySearch(columns, pointers[ci[a]], pointers[ci[a] + 1] - pointers[ci[a]], ci[b]));
        return new NormalCholeskyPreconditioner(j, normal, structure, left, right, target);
    }

    private static (int[] Pointers, int[] Rows) Transposed(SparsityPattern j)
    {
        var (rp, ci) = (j.RowPointers, j.ColumnIndices);
        var pointers = new int[j.Columns + 1];
        foreach (var c in ci) pointers[c + 1]++;
        for (var c = 0; c < j.Columns; c++) pointers[c + 1] += pointers[c];
        var fill = (int[])pointers.Clone();
        var rows = new int[ci.Length];
        for (var i = 0; i < j.Rows; i++)
            for (var k = rp[i]; k < rp[i + 1]; k++) rows[fill[ci[k]]++] = i;
        return (pointers, rows);
    }

    /// <summary>
    /// Forms B = D JᵀJ D from <paramref name="jacobian"/> (this pattern's values) and the column scaling
    /// <paramref name="d"/> (n values, kept by reference until the next refresh) and factorises B + τI.
    /// False when no shift of <see cref="Attempts"/> gave a factor (J not finite, say): the caller then
    /// uses Jacobi scaling for this step.
    /// </summary>
    public bool Refresh(CsrMatrix jacobian, double[] d)
    {
        ArgumentNullException.ThrowIfNull(jacobian);
        _d = d;
        var (ci, values) = (jacobian.ColumnIndices, jacobian.Values);
        for (var k = 0; k < values.Length; k++) _scaled[k] = values[k] * d[ci[k]];
        var b = _normal.Values;
        Array.Clear(b);
        for (var t = 0; t < _target.Length; t++) b[_target[t]] += _scaled[_left[t]] * _scaled[_right[t]];
        var tau = Shift;
        for (var attempt = 0; attempt < Attempts; attempt++, tau *= 100)
            if (_factor.Factor(_normal, tau, tau / 2, out _) < 0)
            {
                LastShift = tau;
                return true;
            }
        return false;
    }

    /// <inheritdoc/>
    public override void Apply(double[] input, double[] output)
    {
        _factor.SolveUpper(input, output);
        for (var j = 0; j < _n; j++) output[j] *= _d[j];
    }

    /// <inheritdoc/>
    public override void ApplyTranspose(double[] input, double[] output)
    {
        for (var j = 0; j < _n; j++) _t[j] = input[j] * _d[j];
        _factor.SolveLower(_t, output);
    }
}
