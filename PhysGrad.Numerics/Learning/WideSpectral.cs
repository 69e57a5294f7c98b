using MathNet.Numerics.LinearAlgebra.Double;

namespace PhysGrad.Numerics.Learning;

/// <summary>
/// V Σ^κ Uᵀ g of a wide matrix 𝒥 (rows ≤ cols, stored row by row) to the accuracy of an SVD of 𝒥 itself:
/// a Householder LQ factorisation 𝒥 = [L 0] Pᵀ (P = H₀ H₁ … H_{r−1}, each reflector applied to the
/// contiguous rows with SIMD loops), then MathNet's SVD of the small lower-triangular L = U Σ Wᵀ, so
/// 𝒥 = U Σ (P [W; 0])ᵀ and V Σ^κ Uᵀ g = P [W Σ^κ Uᵀ g; 0], the reflectors applied to a vector, never
/// forming P. Householder reflections are backward stable, so every singular value is found to within
/// a few ε·σ_max (Golub and Van Loan, Matrix Computations, 4th ed., §5.2 and §8.6): τ down to about
/// 10⁻¹⁴ acts as asked, unlike the Gram route (<see cref="GramSpectral"/>), which loses σ below
/// ≈ 1.2·10⁻⁷ σ_max. MathNet's own thin QR of the 1,444 × 128 transpose cost several times more
/// (BENCHMARKS.md, "Learning through physics").
/// </summary>
public static class WideSpectral
{
    /// <summary>
    /// Writes V Σ^κ Uᵀ g (cols values) into <paramref name="result"/>, singular values σ ≤ τ σ_max dropped;
    /// returns how many were kept. <paramref name="jacobian"/> is read, not changed.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes that do not match, or rows &gt; cols.</exception>
    public static int Product(double[] jacobian, int rows, int cols, double[] g, double kappa, double tau, double[] result)
    {
        if (rows > cols) throw new ArgumentException($"The LQ route is for wide matrices; 𝒥 is {rows}×{cols}.");
        if (jacobian.Length < rows * cols || g.Length != rows || result.Length != cols)
            throw new ArgumentException($"𝒥 is {rows}×{cols}, so it needs {rows * cols} entries, g {rows} and the result {cols}.");
        // 𝒥 is scaled by 2⁻ᵉ first (e the binary exponent of its largest entry; exact): the reflectors'
        // norms √(xᵀx) underflow below ≈ 10⁻¹⁵⁴ and β = 1/(α(α − x₀)) overflows, and MathNet's SVD of L
        // (through LinearAlgebra.ScaledSvd) has an absolute convergence threshold that is wrong on tiny
        // matrices. σ = 2^(e + e_L)·S; U, W and the reflectors are those of 𝒥 itself.
        var (a, scale) = PhysicsTrainer.ScaledCopy(jacobian, rows * cols);
        var span = a.AsSpan();
        var diagonal = new double[rows];
        var betas = new double[rows];
        for (var k = 0; k < rows; k++)
        {
            // The reflector that zeroes row k right of the diagonal: v = x − α e₁ with α = −sign(x₀)‖x‖
            // (no cancellation in v₀), H = I − β v vᵀ with β = 2 / vᵀv = 1 / (α (α − x₀)).
            var x = span.Slice(k * cols + k, cols - k);
            var norm = Math.Sqrt(GramSpectral.Dot(x, x));
            if (norm == 0) { diagonal[k] = 0; betas[k] = 0; continue; }
            var alpha = x[0] > 0 ? -norm : norm;
            var beta = 1 / (alpha * (alpha - x[0]));
            x[0] -= alpha;
            diagonal[k] = alpha;
            betas[k] = beta;
            for (var i = k + 1; i < rows; i++)
            {
                var y = span.Slice(i * cols + k, cols - k);
                GramSpectral.Axpy(-beta * GramSpectral.Dot(y, x), x, y);
            }
        }
        // L: below the diagonal what the reflections left in each row, α on it.
        var l = new DenseMatrix(rows, rows);
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < i; j++) l[i, j] = a[i * cols + j];
            l[i, i] = diagonal[i];
        }
        var (svd, exponent) = LinearAlgebra.ScaledSvd(l);
        var s = svd.S.Map(v => Math.ScaleB(v, exponent + scale));
        var sMax = rows > 0 ? s.Maximum() : 0;
        var ug = svd.U.TransposeThisAndMultiply(DenseVector.OfArray(g));
        var kept = 0;
        for (var k = 0; k < rows; k++)
        {
            if (s[k] > tau * sMax && s[k] > 0)
            {
                ug[k] *= Math.Pow(s[k], kappa);
                kept++;
            }
            else ug[k] = 0;
        }
        var c = svd.VT.TransposeThisAndMultiply(ug); // W Σ^κ Uᵀ g (rows values)
        Array.Clear(result);
        for (var k = 0; k < rows; k++) result[k] = c[k];
        // P [c; 0] = H₀ (H₁ (… (H_{r−1} [c; 0]))).
        var target = result.AsSpan();
        for (var k = rows - 1; k >= 0; k--)
        {
            if (betas[k] == 0) continue;
            var v = span.Slice(k * cols + k, cols - k);
            var y = target.Slice(k);
            GramSpectral.Axpy(-betas[k] * GramSpectral.Dot(y, v), v, y);
        }
        return kept;
    }
}
