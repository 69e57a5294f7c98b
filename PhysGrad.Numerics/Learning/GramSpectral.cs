using SimdVector = System.Numerics.Vector<double>;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;

namespace PhysGrad.Numerics.Learning;

/// <summary>
/// V Σ^κ Uᵀ g of a wide matrix 𝒥 (rows ≤ cols, stored row by row) through its Gram matrix
/// G = 𝒥𝒥ᵀ = U Σ² Uᵀ: then V Σ^κ Uᵀ g = 𝒥ᵀ U Σ^(κ−1) Uᵀ g, and only the rows × rows eigenproblem is
/// solved (MathNet's symmetric <c>Evd</c>). The rows' dot products and the final 𝒥ᵀw are SIMD loops
/// over the contiguous rows: MathNet's managed matrix product took 180 ms for a 128 × 1,444 Gram matrix on
/// this machine, the loops below about a hundredth of that (BENCHMARKS.md).
/// <para><b>Accuracy.</b> Forming G squares the condition number: an eigenvalue of G is known only to
/// about ε·λ_max, so singular values below √(<see cref="EigenvalueFloor"/>) ≈ 1.2·10⁻⁷ σ_max are noise
/// here and are dropped whatever τ says (τ² and this floor, relative to λ_max = σ²_max, the larger
/// wins). That is the resolution of a single-precision SVD, which is what the book's notebook uses. The
/// trainer therefore takes this route only for τ ≥ 10⁻⁴ and otherwise the LQ route of WideSpectral.</para>
/// </summary>
public static class GramSpectral
{
    /// <summary>Eigenvalues of G at or below this multiple of λ_max are dropped: 64 ε ≈ 1.4·10⁻¹⁴.</summary>
    public const double EigenvalueFloor = 64 * 2.220446049250313e-16;

    /// <summary>
    /// Writes V Σ^κ Uᵀ g (cols values) into <paramref name="result"/>, singular values σ ≤ τ σ_max (or
    /// below the Gram floor) dropped; returns how many were kept.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes that do not match, or rows &gt; cols.</exception>
    public static int Product(double[] jacobian, int rows, int cols, double[] g, double kappa, double tau, double[] result)
    {
        if (rows > cols) throw new ArgumentException($"The Gram route is for wide matrices; 𝒥 is {rows}×{cols}.");
        if (jacobian.Length < rows * cols || g.Length != rows || result.Length != cols)
            throw new ArgumentException($"𝒥 is {rows}×{cols}, so it needs {rows * cols} entries, g {rows} and the result {cols}.");
        // 𝒥 is scaled by 2⁻ᵉ first (e the binary exponent of its largest entry; exact), as the LQ and QR routes
        // scale it (PhysicsTrainer.ScaledCopy): G's entries are squares of 𝒥's, which overflow for entries of
        // 10¹⁵⁵ and more and underflow (to 0, or subnormals without digits) below 10⁻¹⁵⁴. With 𝒥 = 2ᵉ𝒥̃, σ = 2ᵉσ̃
        // and V Σ^κ Uᵀ g = 2^(eκ)·Ṽ Σ̃^κ Ũᵀ g (U, V unchanged).
        var (scaled, exponent) = PhysicsTrainer.ScaledCopy(jacobian, rows * cols);
        var gram = new double[rows * rows];
        var span = scaled.AsSpan();
        for (var i = 0; i < rows; i++)
        {
            var ri = span.Slice(i * cols, cols);
            for (var k = 0; k <= i; k++)
                gram[i * rows + k] = gram[k * rows + i] = Dot(ri, span.Slice(k * cols, cols));
        }
        var evd = new DenseMatrix(rows, rows, gram).Evd(Symmetricity.Symmetric);
        var lambda = evd.EigenValues;
        var u = evd.EigenVectors;
        var lMax = 0.0;
        for (var k = 0; k < rows; k++) lMax = Math.Max(lMax, lambda[k].Real);
        var cut = Math.Max(tau * tau, EigenvalueFloor) * lMax;
        var w = new double[rows];
        var kept = 0;
        for (var k = 0; k < rows; k++)
        {
            var l = lambda[k].Real;
            if (!(l > cut) || l <= 0) continue;
            kept++;
            double ug = 0;
            for (var i = 0; i < rows; i++) ug += u[i, k] * g[i];
            // σ^(κ−1) = λ^((κ−1)/2): one factor σ comes back with 𝒥ᵀ below.
            var c = ug * Math.Pow(l, (kappa - 1) / 2);
            for (var i = 0; i < rows; i++) w[i] += u[i, k] * c;
        }
        Array.Clear(result);
        var target = result.AsSpan();
        for (var i = 0; i < rows; i++)
            if (w[i] != 0) Axpy(w[i], span.Slice(i * cols, cols), target);
        if (exponent != 0 && kappa != 0)
        {
            // 2^(eκ) as 2^⌊eκ⌋ (exact, by ScaleB) times 2^(frac): a power beyond doubles (e = −1,100 at κ = −1) is not formed.
            var whole = Math.Floor(exponent * kappa);
            var fraction = Math.Pow(2, exponent * kappa - whole);
            for (var k = 0; k < cols; k++) result[k] = Math.ScaleB(result[k] * fraction, (int)whole);
        }
        return kept;
    }

    /// <summary>a · b with SIMD lanes (also the LQ route's, <see cref="WideSpectral"/>).</summary>
    internal static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var width = SimdVector.Count;
        var sum = SimdVector.Zero;
        var k = 0;
        for (; k <= a.Length - width; k += width)
            sum += new SimdVector(a.Slice(k, width)) * new SimdVector(b.Slice(k, width));
        var s = System.Numerics.Vector.Sum(sum);
        for (; k < a.Length; k++) s += a[k] * b[k];
        return s;
    }

    /// <summary>y += α x with SIMD lanes (also the LQ route's).</summary>
    internal static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var width = SimdVector.Count;
        var a = new SimdVector(alpha);
        var k = 0;
        for (; k <= x.Length - width; k += width)
            (new SimdVector(y.Slice(k, width)) + a * new SimdVector(x.Slice(k, width))).CopyTo(y.Slice(k, width));
        for (; k < x.Length; k++) y[k] += alpha * x[k];
    }
}
