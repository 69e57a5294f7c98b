using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace PhysGrad.Numerics;

/// <summary>Why a linear solve could not give a trustworthy answer.</summary>
public enum SolveStatus
{
    /// <summary>Solved.</summary>
    Ok,
    /// <summary>The matrix is singular or so ill-conditioned that the answer would be noise.</summary>
    Singular,
    /// <summary>An input or the result is not finite.</summary>
    NonFinite,
}

/// <summary>
/// The singular values a spectral step (<see cref="LinearAlgebra.SpectralProduct(double[,], double[], double, double, double[], out SpectralCut)"/>)
/// decided on, largest first, and its cut: σ ≤ <see cref="Threshold"/> = τ·σ_max, and σ = 0, were dropped.
/// For Gauss–Newton and IG's fallback they are the equilibrated J's (rows and columns scaled by powers of 2).
/// </summary>
/// <param name="Kept">How many singular values were kept.</param>
/// <param name="Sigma">All min(m, n) singular values, largest first.</param>
/// <param name="SigmaMax">σ_max (0 for a zero or empty J).</param>
/// <param name="Tau">The relative truncation τ.</param>
/// <param name="Threshold">τ·σ_max, the absolute threshold σ was compared with.</param>
public readonly record struct SpectralCut(int Kept, double[] Sigma, double SigmaMax, double Tau, double Threshold)
{
    /// <summary>How many singular values were dropped.</summary>
    public int Dropped => (Sigma?.Length ?? 0) - Kept;

    /// <summary>
    /// The cut in words, e.g. "σ = 0.0001 of J is at or below τ·σ_max = 0.001 × 1 = 0.001",
    /// <paramref name="of"/> naming the matrix ("the equilibrated J").
    /// </summary>
    public string Describe(string of)
    {
        var dropped = (Sigma ?? []).Skip(Kept).ToArray();
        var values = dropped.Length == 1 ? $"σ = {NumberText.Short(dropped[0], 3)}" : $"σ = {NumberText.Vector(dropped)}";
        return $"{values} of {of} {(dropped.Length == 1 ? "is" : "are")} at or below τ·σ_max = {NumberText.Short(Tau, 3)} × {NumberText.Short(SigmaMax, 3)} = {NumberText.Short(Threshold, 3)}";
    }
}

/// <summary>The outcome of a solve: the status and the estimated condition number (∞ when singular).</summary>
public readonly record struct SolveResult(SolveStatus Status, double Condition)
{
    /// <summary>Whether the solution can be used.</summary>
    public bool Ok => Status == SolveStatus.Ok;

    /// <inheritdoc/>
    public override string ToString() => Status switch
    {
        SolveStatus.Ok => $"solved (condition ≈ {NumberText.Short(Condition, 3)})",
        SolveStatus.Singular => $"singular (condition ≈ {NumberText.Short(Condition, 3)})",
        _ => "non-finite input or result",
    };
}

/// <summary>
/// Dense linear algebra for the optimisers. Systems of up to <see cref="SmallLimit"/> unknowns are
/// solved by hand-written Gaussian elimination with partial pivoting on the stack (no allocation;
/// MathNet's LU allocates matrices per call, which dominates at these sizes); larger ones use
/// MathNet's LU, Cholesky, QR and SVD. Singular input is reported with its condition, never as NaN.
/// </summary>
public static class LinearAlgebra
{
    /// <summary>Largest system solved on the stack.</summary>
    public const int SmallLimit = 8;

    /// <summary>Condition numbers above this are treated as singular (1/ε of double precision).</summary>
    public const double MaxCondition = 1e15;

    /// <summary>Whether every value is finite (no NaN, no ±∞).</summary>
    internal static bool AllFinite(ReadOnlySpan<double> values)
    {
        foreach (var v in values)
            if (!double.IsFinite(v)) return false;
        return true;
    }

    /// <summary>
    /// Whether the symmetric part of A (n × n, row by row) is clearly positive definite: its Cholesky
    /// factorisation, done in <paramref name="workspace"/> (n·n values), succeeds with every pivot above
    /// <paramref name="relativePivot"/> times A's largest diagonal entry. A sufficient test, without
    /// allocation, for a Newton step to skip the eigendecomposition (which allocates); false says only
    /// "not clearly", and the caller decides from the eigenvalues. Written by hand because MathNet's
    /// Cholesky allocates its factor on every call.
    /// </summary>
    public static bool IsClearlyPositiveDefinite(ReadOnlySpan<double> a, int n, Span<double> workspace, double relativePivot)
    {
        // The floor is relative to each pivot's own diagonal entry: the pivots of the Jacobi-scaled
        // D^-½ A D^-½ (D = diag A) are the pivots of A divided by A's diagonal, so this is the scaled test,
        // and its answer does not change when a variable is measured in other units (A → S A S).
        for (var i = 0; i < n; i++)
            if (!(a[i * n + i] > 0) || !double.IsFinite(a[i * n + i])) return false;
        for (var r = 0; r < n; r++)
            for (var c = 0; c <= r; c++) workspace[r * n + c] = 0.5 * (a[r * n + c] + a[c * n + r]);
        for (var j = 0; j < n; j++)
        {
            var pivot = workspace[j * n + j];
            for (var k = 0; k < j; k++) pivot -= workspace[j * n + k] * workspace[j * n + k];
            if (!(pivot > relativePivot * a[j * n + j])) return false;
            var diagonal = Math.Sqrt(pivot);
            workspace[j * n + j] = diagonal;
            for (var i = j + 1; i < n; i++)
            {
                var sum = workspace[i * n + j];
                for (var k = 0; k < j; k++) sum -= workspace[i * n + k] * workspace[j * n + k];
                workspace[i * n + j] = sum / diagonal;
            }
        }
        return true;
    }

    /// <summary>
    /// Whether every eigenvalue of the symmetric part of A (n × n, row by row) is provably above
    /// <paramref name="relativeZero"/> times the largest |eigenvalue|, decided without allocating: the
    /// Cholesky factorisation in <paramref name="workspace"/> (n·n values) must succeed, and then
    /// λ_min ≥ 1/‖A⁻¹‖₁ and max|λ| ≤ ‖A‖₁ (both norms bound the spectral norm of a symmetric matrix), so
    /// ‖A‖₁‖A⁻¹‖₁ &lt; 1/(2·relativeZero) suffices (the 2 covers the rounding of A⁻¹, whose relative error
    /// is about κ·10⁻¹⁶ ≪ 1 at these conditions). A⁻¹ is formed column by column through the factor in
    /// <paramref name="column"/> (n values): O(n³), the order of the Newton solve itself. A sufficient
    /// test: false says only "not provably", and the caller decides from the eigenvalues. For the
    /// positive-definite Hessians that <see cref="IsClearlyPositiveDefinite"/>'s pivot floor misses
    /// (the Rosenbrock residuals near their minimum at n = 10, say, where Newton's steps went through
    /// the eigendecomposition and allocated).
    /// </summary>
    public static bool IsProvablyPositiveDefinite(ReadOnlySpan<double> a, int n, Span<double> workspace, Span<double> column, double relativeZero)
    {
        if (n == 0) return false;
        // The bound is taken on the Jacobi-scaled D^-½ sym(A) D^-½ (D = diag A, positive for any positive-
        // definite A), whose eigenvalue signs are A's (Sylvester's law of inertia): so a variable measured in
        // other units (A → S A S) gets the same answer, which the unscaled ‖A‖₁‖A⁻¹‖₁ did not give
        // (diag(1, 10⁻¹⁰) was "not provably" positive definite).
        for (var i = 0; i < n; i++)
            if (!(a[i * n + i] > 0) || !double.IsFinite(a[i * n + i])) return false;
        double Scaled(ReadOnlySpan<double> a, int r, int c) =>
            0.5 * (a[r * n + c] + a[c * n + r]) / Math.Sqrt(a[r * n + r] * a[c * n + c]);
        double normA = 0; // ‖sym(A)‖₁ of the scaled matrix, the largest column sum
        for (var c = 0; c < n; c++)
        {
            double sum = 0;
            for (var r = 0; r < n; r++) sum += Math.Abs(Scaled(a, r, c));
            normA = Math.Max(normA, sum);
        }
        if (!(normA > 0) || !double.IsFinite(normA)) return false;
        for (var r = 0; r < n; r++)
            for (var c = 0; c <= r; c++) workspace[r * n + c] = Scaled(a, r, c);
        for (var j = 0; j < n; j++)
        {
            var pivot = workspace[j * n + j];
            for (var k = 0; k < j; k++) pivot -= workspace[j * n + k] * workspace[j * n + k];
            if (!(pivot > 0)) return false;
            var diagonal = Math.Sqrt(pivot);
            workspace[j * n + j] = diagonal;
            for (var i = j + 1; i < n; i++)
            {
                var sum = workspace[i * n + j];
                for (var k = 0; k < j; k++) sum -= workspace[i * n + k] * workspace[j * n + k];
                workspace[i * n + j] = sum / diagonal;
            }
        }
        var limit = 1 / (2 * relativeZero * normA); // ‖A⁻¹‖₁ must stay below this
        for (var e = 0; e < n; e++)
        {
            // Column e of A⁻¹: L z = e_e, then Lᵀ column = z (L in the lower triangle of the workspace).
            for (var i = 0; i < n; i++)
            {
                var sum = i == e ? 1.0 : 0.0;
                for (var k = 0; k < i; k++) sum -= workspace[i * n + k] * column[k];
                column[i] = sum / workspace[i * n + i];
            }
            for (var i = n - 1; i >= 0; i--)
            {
                var sum = column[i];
                for (var k = i + 1; k < n; k++) sum -= workspace[k * n + i] * column[k];
                column[i] = sum / workspace[i * n + i];
            }
            double norm = 0;
            for (var i = 0; i < n; i++) norm += Math.Abs(column[i]);
            if (!(norm < limit)) return false;
        }
        return true;
    }

    /// <summary>Solves A x = b, A given row by row (n × n). On failure <paramref name="x"/> is left unspecified.</summary>
    public static SolveResult Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x) => SolveAllocating(a, b, x, default);

    // Solve above with the variables' typical sizes (n values in x's units, or empty for none; see Equilibrate).
    private static SolveResult SolveAllocating(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, ReadOnlySpan<double> typicalX)
    {
        var n = b.Length;
        if (n <= SmallLimit)
        {
            Span<double> workspace = stackalloc double[n * n];
            return Solve(a, b, x, workspace, typicalX);
        }
        if (a.Length != n * n || x.Length != n || (typicalX.Length != 0 && typicalX.Length != n))
            throw new ArgumentException(
                $"Solve needs an n×n matrix, a vector, a result of length n and 0 or n typical sizes; got {a.Length}, {b.Length}, {x.Length} and {typicalX.Length}.");
        if (!AllFinite(a) || !AllFinite(b)) return new(SolveStatus.NonFinite, double.NaN);
        var (scaled, rhs) = (a.ToArray(), b.ToArray());
        var (rows, columns) = (new double[n], new double[n]);
        Equilibrate(scaled, rhs, n, rows, columns, typicalX);
        var matrix = DenseMatrix.Build.Dense(n, n, scaled).Transpose(); // row-major in, column-major inside
        var condition = ConditionOf(matrix);
        if (!(condition < MaxCondition) && typicalX.Length == n)
        {
            // As in the small solve: the decision on A's own equilibration when the typical sizes called it singular.
            (scaled, rhs) = (a.ToArray(), b.ToArray());
            Equilibrate(scaled, rhs, n, rows, columns);
            var own = DenseMatrix.Build.Dense(n, n, scaled).Transpose();
            if (ConditionOf(own) is var ownCondition && ownCondition < MaxCondition) (matrix, condition) = (own, ownCondition);
        }
        if (!(condition < MaxCondition)) return new(SolveStatus.Singular, condition);
        var solution = matrix.LU().Solve(DenseVector.Build.Dense(rhs));
        solution.AsArray().CopyTo(x);
        Unscale(x, columns);
        return AllFinite(x) ? new(SolveStatus.Ok, condition) : new(SolveStatus.NonFinite, condition);
    }

    /// <summary>
    /// Row and column equilibration of A x = b in place (A n × n row by row): each row of A and its entry of
    /// b divided by the power of 2 nearest the row's largest |entry| (<paramref name="rows"/>), then each
    /// column by the power of 2 nearest its largest |entry| (<paramref name="columns"/>), so every row and
    /// column of R⁻¹ A C⁻¹ has its largest entry in [½, 2). The solution of the scaled system is C x
    /// (<see cref="Unscale"/> maps it back). Every singularity and condition decision is made on the scaled
    /// matrix: a change of units of the variables or the equations (A → D_y A D_x) then leaves the decision
    /// as it is (Golub &amp; Van Loan §3.5.2), where the condition of A itself would call diag(10⁸, 6·10⁻⁸),
    /// whose inverse is exact, singular. A genuinely singular A stays singular: scaling by nonzero factors
    /// keeps the rank. Powers of 2 make the scaling exact, so a balanced A is solved exactly as before.
    /// </summary>
    /// <remarks>
    /// <paramref name="typicalX"/> (empty, or n typical sizes of the variables) first multiplies column j by
    /// the power of 2 nearest typ x_j, so the row pass compares entries in the units of a typical change of
    /// x: J ∂x with ∂x_j of typ x_j (Dennis &amp; Schnabel, <i>Numerical Methods for Unconstrained Optimization
    /// and Nonlinear Equations</i>, §7.1: scale the variables by their typical magnitudes, typ x_j from x and
    /// x₀ when none is given). Without it one pass is not enough where the units of x spread over many
    /// decades: the row pass divides each row by its largest entry, which then sits in the column of the
    /// largest unit, not on the diagonal. For A with condition 4 in units 10⁻⁸..10⁸ (issue 14) the scaled
    /// rows kept their own diagonals near 10⁻¹², every row and column then had its largest entry in [½, 2)
    /// (so Ruiz's iteration stopped too) and the SVD dropped a singular value of a well-conditioned A. The
    /// typical sizes scale by the problem's units, not by J's entries: a scaling from J alone (Curtis–Reid,
    /// tried in trial 19) also makes Rosenbrock's bidiagonal J (condition 10²¹, x near 1) well-conditioned
    /// by its own grading, and its exact Newton-type step then overflows by iteration 2, where the singular
    /// path converges. The units of y need no such pass: the row pass divides any row factor out exactly.
    /// Zero (x_j = x₀,j = 0) or non-finite sizes leave their column as it is.
    /// </remarks>
    internal static void Equilibrate(Span<double> a, Span<double> b, int n, Span<double> rows, Span<double> columns,
        ReadOnlySpan<double> typicalX = default)
    {
        columns.Fill(1.0);
        if (typicalX.Length == n)
            for (var c = 0; c < n; c++)
            {
                var typical = PowerOfTwo(Math.Abs(typicalX[c]));
                columns[c] = 1 / typical;
                for (var r = 0; r < n; r++) a[r * n + c] *= typical;
            }
        for (var r = 0; r < n; r++)
        {
            var scale = PowerOfTwo(MaxAbs(a.Slice(r * n, n), 1));
            rows[r] = scale;
            for (var c = 0; c < n; c++) a[r * n + c] /= scale;
            b[r] /= scale;
        }
        for (var c = 0; c < n; c++)
        {
            var scale = PowerOfTwo(MaxAbs(a[c..], n));
            columns[c] *= scale;
            for (var r = 0; r < n; r++) a[r * n + c] /= scale;
        }
    }

    /// <summary>x ← C⁻¹ z: the solution of the equilibrated system mapped back to the original variables.</summary>
    internal static void Unscale(Span<double> x, ReadOnlySpan<double> columns)
    {
        for (var c = 0; c < x.Length; c++) x[c] /= columns[c];
    }

    // The largest |entry| of values[0], values[stride], values[2·stride], ….
    internal static double MaxAbs(ReadOnlySpan<double> values, int stride)
    {
        double largest = 0;
        for (var k = 0; k < values.Length; k += stride) largest = Math.Max(largest, Math.Abs(values[k]));
        return largest;
    }

    /// <summary>
    /// 2^round(p·log₂ v): the power of 2 nearest v^p (p = 1: v; p = ½: √v) in the exponent, 1 for v = 0 or a
    /// non-finite v, which scaling cannot help. Scaling by it is exact in binary floating point (short of
    /// overflow or underflow), so a scaled problem's numbers are the unscaled ones and decisions on them do
    /// not move at a power-of-two change of units. The one helper behind every equilibration (here and
    /// Newton's Jacobi scaling).
    /// </summary>
    internal static double PowerOfTwo(double v, double p = 1.0) =>
        v > 0 && double.IsFinite(v) ? Math.ScaleB(1.0, (int)Math.Round(p * Math.Log2(v))) : 1.0;

    /// <summary>
    /// Solves A x = b with Gaussian elimination and partial pivoting in <paramref name="workspace"/>
    /// (at least n² values), for any n and without allocating: what an optimiser's step uses. The
    /// condition is estimated from the pivots of the equilibrated system (<see cref="Equilibrate"/>), so it
    /// does not depend on the units of the variables or the equations.
    /// </summary>
    /// <remarks><paramref name="typicalX"/>: the variables' typical sizes (n values in x's units, or empty for
    /// none). The equilibration then first scales column j by typ x_j (<see cref="Equilibrate"/>), so the
    /// decision is the same in any units of x and y; the solution changes only by rounding. The inverse
    /// gradient's J Δx = Δy passes them.</remarks>
    public static SolveResult Solve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, Span<double> workspace,
        ReadOnlySpan<double> typicalX = default)
    {
        var n = b.Length;
        if (a.Length != n * n || x.Length != n || workspace.Length < n * n || (typicalX.Length != 0 && typicalX.Length != n))
            throw new ArgumentException(
                $"Solve needs an n×n matrix, a vector, a result of length n, n² workspace and 0 or n typical sizes; got {a.Length}, {b.Length}, {x.Length}, {workspace.Length} and {typicalX.Length}.");
        if (!AllFinite(a) || !AllFinite(b)) return new(SolveStatus.NonFinite, double.NaN);
        if (n == 0) return new(SolveStatus.Ok, 1);
        var m = workspace[..(n * n)];
        a.CopyTo(m);
        b.CopyTo(x);
        // The scales live on the stack up to 2·4096 values (64 kB); larger systems (dense only up to a few
        // thousand unknowns anyway) allocate them.
        Span<double> scales = n <= 4096 ? stackalloc double[2 * n] : new double[2 * n];
        Equilibrate(m, x, n, scales[..n], scales[n..], typicalX);
        var result = SolveSmall(m, x, n);
        if (result.Status == SolveStatus.Singular && typicalX.Length == n)
        {
            // Typical sizes that are not the problem's units can make a regular A look singular (see
            // WithoutTypicalSizes): then the decision on A's own equilibration stands instead.
            a.CopyTo(m);
            b.CopyTo(x);
            Equilibrate(m, x, n, scales[..n], scales[n..]);
            if (SolveSmall(m, x, n) is { Ok: true } regular) result = regular;
        }
        if (result.Ok) Unscale(x, scales[n..]);
        return result;
    }

    /// <summary>Gaussian elimination with partial pivoting in place; the condition is estimated from the pivots.</summary>
    private static SolveResult SolveSmall(Span<double> m, Span<double> x, int n)
    {
        double norm = 0; // ∞-norm of A, for the condition estimate
        for (var i = 0; i < n; i++)
        {
            double row = 0;
            for (var j = 0; j < n; j++) row += Math.Abs(m[i * n + j]);
            norm = Math.Max(norm, row);
        }
        double minPivot = double.PositiveInfinity, maxPivot = 0;
        for (var k = 0; k < n; k++)
        {
            var p = k;
            for (var i = k + 1; i < n; i++)
                if (Math.Abs(m[i * n + k]) > Math.Abs(m[p * n + k])) p = i;
            var pivot = m[p * n + k];
            minPivot = Math.Min(minPivot, Math.Abs(pivot));
            maxPivot = Math.Max(maxPivot, Math.Abs(pivot));
            if (pivot == 0 || maxPivot / minPivot >= MaxCondition)
                return new(SolveStatus.Singular, pivot == 0 ? double.PositiveInfinity : maxPivot / minPivot);
            if (p != k)
            {
                for (var j = 0; j < n; j++) (m[k * n + j], m[p * n + j]) = (m[p * n + j], m[k * n + j]);
                (x[k], x[p]) = (x[p], x[k]);
            }
            for (var i = k + 1; i < n; i++)
            {
                var f = m[i * n + k] / pivot;
                if (f == 0) continue;
                for (var j = k; j < n; j++) m[i * n + j] -= f * m[k * n + j];
                x[i] -= f * x[k];
            }
        }
        for (var i = n - 1; i >= 0; i--)
        {
            var s = x[i];
            for (var j = i + 1; j < n; j++) s -= m[i * n + j] * x[j];
            x[i] = s / m[i * n + i];
        }
        if (!AllFinite(x)) return new(SolveStatus.NonFinite, maxPivot / minPivot);
        // The pivot ratio bounds the condition from below; it is what the elimination actually met.
        return new(SolveStatus.Ok, Math.Max(1, maxPivot / minPivot));
    }

    /// <summary>Solves A x = b for symmetric positive definite A (Cholesky); Singular when A is not positive definite.</summary>
    public static SolveResult SolvePositiveDefinite(double[,] a, double[] b, double[] x)
    {
        var matrix = DenseMatrix.OfArray(a);
        try
        {
            var cholesky = matrix.Cholesky();
            var diagonal = Enumerable.Range(0, b.Length).Select(i => cholesky.Factor[i, i]).ToArray();
            var condition = Math.Pow(diagonal.Max() / diagonal.Min(), 2);
            if (!(condition < MaxCondition)) return new(SolveStatus.Singular, condition);
            cholesky.Solve(DenseVector.OfArray(b)).AsArray().CopyTo(x, 0);
            return new(SolveStatus.Ok, condition);
        }
        catch (ArgumentException)
        {
            return new(SolveStatus.Singular, double.PositiveInfinity);
        }
    }

    /// <summary>The least-squares solution of A x ≈ b (m ≥ n, full column rank) by QR.</summary>
    public static SolveResult LeastSquares(double[,] a, double[] b, double[] x)
    {
        var matrix = DenseMatrix.OfArray(a);
        var condition = ConditionOf(matrix);
        if (!(condition < MaxCondition)) return new(SolveStatus.Singular, condition);
        matrix.QR().Solve(DenseVector.OfArray(b)).AsArray().CopyTo(x, 0);
        return new(SolveStatus.Ok, condition);
    }

    // The 2-norm condition number by SVD; an SVD that does not converge (entries near overflow) is
    // reported as an infinite condition, so the caller takes its singular path instead of crashing.
    private static double ConditionOf(MathNet.Numerics.LinearAlgebra.Matrix<double> matrix)
    {
        try { return matrix.ConditionNumber(); }
        catch (MathNet.Numerics.NonConvergenceException) { return double.PositiveInfinity; }
    }

    /// <summary>
    /// J⁺ g (J m × n) with the singular values σ ≤ τ·σ_max dropped, decided on the equilibrated J (see
    /// <see cref="Equilibrate"/>): rows scaled when m ≤ n, columns when m ≥ n, which leaves J⁺ g exactly as
    /// it is for a J of full rank ((R J)⁺ = J⁺ R⁻¹ for full row rank, (J C)⁺ = C⁻¹ J⁺ for full column rank)
    /// while the rank no longer depends on the units of x or y: J = diag(10⁸, 6·10⁻⁸) has rank 2, not 1.
    /// Returns the number of singular values kept. Used by Gauss–Newton's dense step and IG's fallback.
    /// A square J is first scaled by the variables' typical sizes <paramref name="typicalX"/> (null, or n
    /// sizes in x's units), as in <see cref="Equilibrate"/>, before its row and column passes.
    /// </summary>
    public static int PseudoInverseProduct(double[,] jacobian, double[] g, double tau, double[] result, double[]? typicalX = null) =>
        PseudoInverseProduct(jacobian, g, tau, result, out _, typicalX);

    /// <summary>As above, with what was dropped: <paramref name="cut"/> holds the singular values of the
    /// equilibrated J on which the rank was decided (<see cref="SpectralCut"/>).</summary>
    /// <remarks>
    /// Typical sizes that are not the problem's units can make a regular J look singular: a variable that
    /// starts at 0 and stays at rounding noise (x = [0.875, −9·10⁻¹⁸, 1.2·10⁻¹⁷] on a J with σ from 0.18 to
    /// 1.6) gets a typical size near 10⁻¹⁷, its column is scaled by that, and Ruiz's iteration stops at a
    /// balanced but 10¹⁶-conditioned fixed point, so GN dropped a singular value at every iteration near the
    /// solution. Exact rank does not change under diagonal scaling, so a J that is regular in either
    /// equilibration (with the typical sizes, or on J's own entries as before them) is regular: a value is
    /// dropped only where both drop it, and the equilibration that keeps more decides the step.
    /// </remarks>
    public static int PseudoInverseProduct(double[,] jacobian, double[] g, double tau, double[] result, out SpectralCut cut,
        double[]? typicalX = null)
    {
        int m = jacobian.GetLength(0), n = jacobian.GetLength(1);
        if (typicalX is not null && typicalX.Length != n)
            throw new ArgumentException($"J is {m}×{n}, so the typical sizes of x need {NumberText.Count(n, "entry", "entries")}; got {typicalX.Length}.");
        var (scaled, rhs, columns) = Balanced(jacobian, g, typicalX);
        var kept = SpectralProduct(scaled, rhs, -1.0, tau, result, out cut);
        if (cut.Dropped > 0 && m == n && typicalX is not null && result.Length == n)
        {
            var (ownScaled, ownRhs, ownColumns) = Balanced(jacobian, g, null);
            var own = new double[n];
            if (SpectralProduct(ownScaled, ownRhs, -1.0, tau, own, out var ownCut) > kept)
            {
                (kept, cut, columns) = (ownCut.Kept, ownCut, ownColumns);
                own.CopyTo(result, 0);
            }
        }
        if (n > 0 && m == n && kept == n && result.Length == n)
        {
            // Full rank and square: J⁺g = J⁻¹g, which elimination gives to rounding (backward stable), where
            // the SVD's iteration stops near 10⁻⁸ relative on graded matrices.
            var solved = new double[n];
            if (SolveAllocating(System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpan(ref jacobian[0, 0], n * n), g, solved, typicalX).Ok)
            {
                solved.CopyTo(result, 0);
                return kept;
            }
        }
        if (result.Length == n) Unscale(result, columns);
        return kept;
    }

    /// <summary>
    /// J and g equilibrated for <see cref="PseudoInverseProduct(double[,], double[], double, double[], out SpectralCut, double[])"/>:
    /// the scaled copies and the column factors C (J⁺g = C⁻¹ (scaled J)⁺ (scaled g) for J of full rank).
    /// </summary>
    private static (double[,] Scaled, double[] Rhs, double[] Columns) Balanced(double[,] jacobian, double[] g, double[]? typicalX)
    {
        int m = jacobian.GetLength(0), n = jacobian.GetLength(1);
        var scaled = (double[,])jacobian.Clone();
        var rhs = (double[])g.Clone();
        var columns = new double[n];
        Array.Fill(columns, 1.0);
        // Square only: for m > n the column pass below divides any column factor out exactly, and for m < n
        // a column scaling would change the minimum-norm J⁺g.
        if (m == n && typicalX is not null)
            for (var c = 0; c < n; c++)
            {
                var typical = PowerOfTwo(Math.Abs(typicalX[c]));
                columns[c] = 1 / typical;
                for (var r = 0; r < m; r++) scaled[r, c] *= typical;
            }
        if (m <= n)
            for (var r = 0; r < m; r++)
            {
                double largest = 0;
                for (var c = 0; c < n; c++) largest = Math.Max(largest, Math.Abs(scaled[r, c]));
                var scale = PowerOfTwo(largest);
                for (var c = 0; c < n; c++) scaled[r, c] /= scale;
                if (r < rhs.Length) rhs[r] /= scale;
            }
        if (m >= n)
            for (var c = 0; c < n; c++)
            {
                double largest = 0;
                for (var r = 0; r < m; r++) largest = Math.Max(largest, Math.Abs(scaled[r, c]));
                var scale = PowerOfTwo(largest);
                columns[c] *= scale;
                for (var r = 0; r < m; r++) scaled[r, c] /= scale;
            }
        // A square J gets both, and one pass of each is not enough where the units of x and of y both spread
        // over many decades: a triangular J = D_y A D_x with D's from 10⁻⁸ to 10⁸ kept a 10¹⁶ spread after
        // one row and one column pass, and GN dropped a singular value of a well-conditioned A. Ruiz's
        // iteration (D. Ruiz, "A scaling algorithm to equilibrate both rows and columns norms in matrices",
        // RAL-TR-2001-034: divide rows and columns by the square roots of their largest |entries|, repeated)
        // brings every row's and column's largest entry near 1; powers of two keep each pass exact. Written
        // here because MathNet.Numerics has no equilibration.
        if (m == n)
            for (var pass = 0; pass < 64; pass++)
            {
                var balanced = true;
                for (var r = 0; r < m; r++)
                {
                    double largest = 0;
                    for (var c = 0; c < n; c++) largest = Math.Max(largest, Math.Abs(scaled[r, c]));
                    var scale = PowerOfTwo(Math.Sqrt(largest));
                    if (scale == 1.0) continue;
                    balanced &= scale is >= 0.5 and <= 2.0;
                    for (var c = 0; c < n; c++) scaled[r, c] /= scale;
                    rhs[r] /= scale;
                }
                for (var c = 0; c < n; c++)
                {
                    double largest = 0;
                    for (var r = 0; r < m; r++) largest = Math.Max(largest, Math.Abs(scaled[r, c]));
                    var scale = PowerOfTwo(Math.Sqrt(largest));
                    if (scale == 1.0) continue;
                    balanced &= scale is >= 0.5 and <= 2.0;
                    columns[c] *= scale;
                    for (var r = 0; r < m; r++) scaled[r, c] /= scale;
                }
                if (balanced) break;
            }
        return (scaled, rhs, columns);
    }

    /// <summary>
    /// The exponent family of docs/theory.md §2: <c>V Σ^κ Uᵀ g</c> for <c>J = U Σ Vᵀ</c> (thin SVD), with the
    /// singular values <c>σ ≤ τ·σ_max</c> dropped (their terms are zero, not clamped). κ = 1 gives Jᵀg
    /// (the GD direction), κ = −½ the HIG direction, κ = −1 the pseudo-inverse J⁺g (Gauss–Newton).
    /// Returns the number of singular values kept. The SVD is taken of J scaled by a power of two that brings
    /// its largest entry to [1, 2) (exact), and σ scaled back: MathNet's SVD tests convergence against an
    /// absolute threshold, and on J = 2⁻⁶⁰·[[1.1, 1], [0, 1]] returned the diagonal 1.1, 1 as the singular values
    /// (U Σ Vᵀ off J by 56%), so HIG's step changed with the units of x or y; and it forms sums of squares,
    /// which underflow below about 1E-154 (diag(1E-200, 6E-200) gave σ = [6E-200, 0], and HIG dropped a singular
    /// value at σ_min/σ_max = 1/6 ≫ τ), so the drop rule σ ≤ τ·σ_max is relative at every scale.
    /// </summary>
    public static int SpectralProduct(double[,] jacobian, double[] g, double kappa, double tau, double[] result) =>
        SpectralProduct(jacobian, g, kappa, tau, result, out _);

    /// <summary>As above, with the singular values, σ_max and the threshold τ·σ_max of the cut (<see cref="SpectralCut"/>).</summary>
    public static int SpectralProduct(double[,] jacobian, double[] g, double kappa, double tau, double[] result, out SpectralCut cut)
    {
        var j = DenseMatrix.OfArray(jacobian);
        if (g.Length != j.RowCount || result.Length != j.ColumnCount)
            throw new ArgumentException(
                $"J is {j.RowCount}×{j.ColumnCount}, so g needs {NumberText.Count(j.RowCount, "entry", "entries")} and the result {j.ColumnCount}; got {g.Length} and {result.Length}.");
        var (svd, exponent) = ScaledSvd(j);
        var s = svd.S.Map(v => Math.ScaleB(v, exponent));
        var u = svd.U;
        var vt = svd.VT;
        var sMax = s.Count > 0 ? s.Maximum() : 0;
        Array.Clear(result);
        var kept = 0;
        for (var k = 0; k < s.Count; k++)
        {
            if (!(s[k] > tau * sMax) || s[k] == 0) continue;
            kept++;
            double ug = 0; // (Uᵀ g)_k
            for (var i = 0; i < g.Length; i++) ug += u[i, k] * g[i];
            var w = Math.Pow(s[k], kappa) * ug;
            for (var c = 0; c < result.Length; c++) result[c] += vt[k, c] * w;
        }
        cut = new SpectralCut(kept, s.ToArray(), sMax, tau, tau * sMax);
        return kept;
    }

    /// <summary>
    /// The singular values of the m × n matrix <paramref name="rowMajor"/> (row by row), largest first, by
    /// <see cref="ScaledSvd"/> so that their ratios hold at any scale of the entries (MathNet's absolute
    /// convergence test alone misjudged J = 2⁻⁶⁰·[[1.1, 1], [0, 1]]).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="rowMajor"/> does not hold m·n values.</exception>
    public static double[] SingularValues(double[] rowMajor, int m, int n)
    {
        if (rowMajor.Length != m * n)
            throw new ArgumentException($"A {m} × {n} matrix has {m * n} entries, not {rowMajor.Length}.", nameof(rowMajor));
        var (svd, exponent) = ScaledSvd(DenseMatrix.Create(m, n, (r, c) => rowMajor[r * n + c]));
        return svd.S.Select(v => Math.ScaleB(v, exponent)).ToArray();
    }

    /// <summary>
    /// The numerical rank of the m × n matrix <paramref name="rowMajor"/> (row by row), counted after an exact
    /// rescaling by powers of two: each row, then each column, brought to a largest |entry| in [1, 2), and again in
    /// the other order, the larger count taken. rank(D₁AD₂) = rank(A) for nonsingular diagonal D₁, D₂, and a
    /// power-of-two scaling rounds nothing, so a matrix whose rows (the units of the outputs) or whose columns (the
    /// units of the variables) alone are scaled keeps its rank at any scale: diag(10²⁰⁰, 1) has rank 2, where
    /// its unscaled SVD overflows or calls the 1 a rounding error. Scales on both sides at once are not always
    /// undone by one pass; then the count may be lower than the exact rank, never higher. A singular value counts
    /// when it exceeds max(m, n)·ε·σ_max of the scaled matrix, ε = 2⁻⁵² (the usual default threshold, as in NumPy's
    /// <c>matrix_rank</c>; Golub &amp; Van Loan, Matrix Computations §5.4.1).
    /// </summary>
    /// <returns>The rank, or null when an entry is not finite or neither SVD converges.</returns>
    /// <exception cref="ArgumentException"><paramref name="rowMajor"/> does not hold m·n values.</exception>
    public static int? EquilibratedRank(double[] rowMajor, int m, int n)
    {
        if (rowMajor.Length != m * n)
            throw new ArgumentException($"A {m} × {n} matrix has {m * n} entries, not {rowMajor.Length}.", nameof(rowMajor));
        if (!rowMajor.All(double.IsFinite)) return null;
        if (m == 0 || n == 0) return 0;
        var rowsFirst = RankScaled(DenseMatrix.Create(m, n, (r, c) => rowMajor[r * n + c]), rowsFirst: true);
        var columnsFirst = RankScaled(DenseMatrix.Create(m, n, (r, c) => rowMajor[r * n + c]), rowsFirst: false);
        return rowsFirst is null ? columnsFirst : columnsFirst is null ? rowsFirst : Math.Max(rowsFirst.Value, columnsFirst.Value);
    }

    private static int? RankScaled(DenseMatrix a, bool rowsFirst)
    {
        void Rows()
        {
            for (var r = 0; r < a.RowCount; r++)
            {
                var largest = 0.0;
                for (var c = 0; c < a.ColumnCount; c++) largest = Math.Max(largest, Math.Abs(a[r, c]));
                if (largest > 0) { var e = Math.ILogB(largest); for (var c = 0; c < a.ColumnCount; c++) a[r, c] = Math.ScaleB(a[r, c], -e); }
            }
        }
        void Columns()
        {
            for (var c = 0; c < a.ColumnCount; c++)
            {
                var largest = 0.0;
                for (var r = 0; r < a.RowCount; r++) largest = Math.Max(largest, Math.Abs(a[r, c]));
                if (largest > 0) { var e = Math.ILogB(largest); for (var r = 0; r < a.RowCount; r++) a[r, c] = Math.ScaleB(a[r, c], -e); }
            }
        }
        if (rowsFirst) { Rows(); Columns(); } else { Columns(); Rows(); }
        try
        {
            var s = a.Svd(computeVectors: false).S;
            var sMax = s.Count > 0 ? s.Maximum() : 0;
            var tolerance = Math.Max(a.RowCount, a.ColumnCount) * Math.ScaleB(1.0, -52) * sMax;
            return s.Count(v => v > tolerance);
        }
        catch (MathNet.Numerics.NonConvergenceException) { return null; }
    }

    /// <summary>
    /// The SVD of 2⁻ᵉ·J, with e the binary exponent of J's largest finite entry (0 when J is 0 or has none):
    /// an exact rescaling, so U and V are J's and its singular values are 2ᵉ times the ones returned.
    /// </summary>
    internal static (MathNet.Numerics.LinearAlgebra.Factorization.Svd<double> Svd, int Exponent) ScaledSvd(DenseMatrix j)
    {
        var largest = 0.0;
        foreach (var v in j.Values)
            if (double.IsFinite(v)) largest = Math.Max(largest, Math.Abs(v));
        var exponent = largest > 0 ? Math.ILogB(largest) : 0;
        var scaled = exponent == 0 ? j : (DenseMatrix)j.Map(v => Math.ScaleB(v, -exponent));
        return (scaled.Svd(computeVectors: true), exponent);
    }
}
