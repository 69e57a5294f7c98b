using MathNet.Numerics.LinearAlgebra;
using PhysGrad.Numerics;

namespace PhysGrad;

public static partial class TheoryChecks
{
    /// <summary>
    /// How far J's conditioning lets rounding move a quantity in x that is read back from y through J⁻¹ (J⁺ when J
    /// is not square): e = <see cref="CompiledProblem.LandingUlps"/>·u·|J⁺|·s componentwise (n values), s the
    /// rounding scale |J||x| + |P(x)| at <paramref name="x"/> (<see cref="CompiledProblem.RoundingScale"/>). y = P(x)
    /// is known only to u·s, so every rule that inverts J (IG, PG, Gauss–Newton, Newton, κ = −1) and the local
    /// inverse P⁻¹(y; x) can return x only to e: the first-order forward error of solving J·δx = δy for a
    /// componentwise perturbation of y (Higham, Accuracy and Stability of Numerical Algorithms, §7.2, Skeel's
    /// condition). Componentwise, so that a Jacobian ill-conditioned by its columns' scales alone (x₀·1E-12 next
    /// to x1) is charged where it loses digits (x0, known to 10⁻⁴ from y), and one ill-conditioned by its rows'
    /// scales (y0 = 1E-12·(x0 + x1)), whose steps lose nothing, is not. Null when J is singular, not finite, or
    /// larger than <see cref="ConditioningUpTo"/> (no dense inverse is formed): the checks then measure as before.
    /// Entries may be +∞ (|J⁻¹| beyond doubles, a condition number above 10³⁰⁸).
    /// </summary>
    private static double[]? InverseRounding(CompiledProblem c, double[] x)
    {
        if (c.M > ConditioningUpTo || c.N > ConditioningUpTo) return null;
        var (scale, y) = (new double[c.M], new double[c.M]);
        RoundingScale(c, x, y, scale);
        var (_, j) = Simulate(c, x);
        if (!j.All(double.IsFinite) || !scale.All(double.IsFinite)) return null;
        if (PseudoInverse(j, c.M, c.N) is not { } pinv) return null;
        var known = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff;
        var e = new double[c.N];
        for (var k = 0; k < c.N; k++)
        {
            var sum = 0.0;
            for (var i = 0; i < c.M; i++)
                if (scale[i] != 0) sum += Math.Abs(pinv[k, i]) * scale[i];
            e[k] = double.IsNaN(sum) ? double.PositiveInfinity : known * sum;
        }
        return e;
    }

    /// <summary>
    /// As <see cref="InverseRounding"/> for Newton's step z = −H⁻¹∇L at <paramref name="x"/>, H = ∂²L/∂x²: H and ∇L are
    /// formed from y, J and L's derivatives in y, so they are known to about u·(|Jᵀ||H_y||J| + |H|) and u·|Jᵀ|(|H_y|s +
    /// |∂L/∂y|), s the rounding scale of y; the first-order forward error of the solve is
    /// e = <see cref="CompiledProblem.LandingUlps"/>·u·|H⁻¹|·((|Jᵀ||H_y||J| + |H|)|z| + |Jᵀ|(|H_y|s + |∂L/∂y|)) (Higham,
    /// §7.2). Forming JᵀJ squares J's condition number: on diag(1, 1E-05)·A the steps of IG and Gauss–Newton keep
    /// their digits and Newton's loses ten. Null where <see cref="InverseRounding"/> is, or H is singular.
    /// </summary>
    private static double[]? NewtonRounding(CompiledProblem c, double[] x, double[] z)
    {
        if (c.M > ConditioningUpTo || c.N > ConditioningUpTo || z.Length != c.N) return null;
        var (n, m) = (c.N, c.M);
        var (scale, y) = (new double[m], new double[m]);
        RoundingScale(c, x, y, scale, residual: true);
        var (_, j) = Simulate(c, x);
        var (gx, hx) = (new double[n], new double[n * n]);
        var (gy, hy) = (new double[m], new double[m * m]);
        try
        {
            Settled(c).LossInX(x, gx, hx);
            Settled(c).LossInY(y, gy, hy);
        }
        catch (Exception failure) when (InputError.Unformable(failure) is not null)
        {
            return null;
        }
        if (!j.Concat(hx).Concat(hy).Concat(gy).Concat(scale).All(double.IsFinite)) return null;
        if (PseudoInverse(hx, n, n) is not { } inverse) return null;
        // |H_y|·|J|·|z| and |H_y|·s + |∂L/∂y| in y, then |Jᵀ| of their sum, plus |H|·|z|.
        var jz = new double[m];
        for (var i = 0; i < m; i++)
            for (var k = 0; k < n; k++) jz[i] += Math.Abs(j[i * n + k]) * Math.Abs(z[k]);
        var inY = new double[m];
        for (var i = 0; i < m; i++)
        {
            inY[i] = Math.Abs(gy[i]);
            for (var l = 0; l < m; l++) inY[i] += Math.Abs(hy[i * m + l]) * (jz[l] + scale[l]);
        }
        var inX = new double[n];
        for (var k = 0; k < n; k++)
        {
            for (var i = 0; i < m; i++) inX[k] += Math.Abs(j[i * n + k]) * inY[i];
            for (var l = 0; l < n; l++) inX[k] += Math.Abs(hx[k * n + l]) * Math.Abs(z[l]);
        }
        var known = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff;
        var e = new double[n];
        for (var k = 0; k < n; k++)
        {
            var sum = 0.0;
            for (var l = 0; l < n; l++)
                if (inX[l] != 0) sum += Math.Abs(inverse[k, l]) * inX[l];
            e[k] = double.IsNaN(sum) ? double.PositiveInfinity : known * sum;
        }
        return e;
    }

    /// <summary>The largest m and n for which <see cref="InverseRounding"/> forms J⁺ densely.</summary>
    private const int ConditioningUpTo = 400;

    /// <summary>
    /// J⁺ (n × m) for J stored row by row (m × n): LU with partial pivoting for a square J, Householder QR of J
    /// (m &gt; n) or of Jᵀ (m &lt; n) otherwise. These are invariant under scaling J's columns (and, for LU, its rows)
    /// up to rounding, so a graded J (1E-200 next to 1) keeps its small directions, which an SVD with the usual
    /// cut-off u·σ_max·max(m, n) would drop. Null when J is rank-deficient in doubles or the result is not finite.
    /// </summary>
    private static Matrix<double>? PseudoInverse(double[] j, int m, int n)
    {
        var a = Matrix<double>.Build.Dense(m, n, (i, k) => j[i * n + k]);
        try
        {
            Matrix<double> pinv;
            if (m == n)
            {
                var lu = a.LU();
                if (lu.Determinant == 0 && lu.U.Diagonal().Any(v => v == 0)) return null;
                pinv = lu.Inverse();
            }
            else if (m > n)
            {
                var qr = a.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
                if (qr.R.Diagonal().Any(v => v == 0)) return null;
                pinv = qr.Solve(Matrix<double>.Build.DenseIdentity(m));
            }
            else
            {
                var qr = a.Transpose().QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
                if (qr.R.Diagonal().Any(v => v == 0)) return null;
                pinv = qr.Q * qr.R.Transpose().Inverse();
            }
            return pinv.Enumerate().Any(double.IsNaN) ? null : pinv;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// ‖a − b‖/‖b‖ counting in each component only what exceeds <paramref name="allowance"/> (rounding: two results
    /// within it are the same result in doubles); 0 when nothing exceeds, +∞ when b = 0 and something does.
    /// </summary>
    private static double Beyond(double[] a, double[] b, double[] allowance)
    {
        var d = new double[a.Length];
        for (var i = 0; i < a.Length; i++) d[i] = Math.Max(0, Math.Abs(a[i] - b[i]) - allowance[i]);
        var difference = Norm(d);
        return difference == 0 ? 0 : difference / Norm(b);
    }

    /// <summary>
    /// The words for an allowance <paramref name="e"/> next to the quantity <paramref name="of"/> it is compared with:
    /// "J's condition number 2.6E+12 leaves y₀ = P(x₀) telling x only to ±0.0228 (64 units of rounding of
    /// |J|·|x| + |y| through |J⁻¹|), 0.8 of ‖…‖: about 0 digits" .
    /// </summary>
    private static string ConditioningWords(CompiledProblem c, double[] x, double[] e, double of, string what, bool hessian = false)
    {
        var relative = Norm(e) / of;
        var digits = double.IsFinite(relative) && relative > 0 ? Math.Max(0, -Math.Log10(relative)) : 0;
        var through = hessian
            ? $"{NumberText.Short(CompiledProblem.LandingUlps)} units of rounding of ∂²L/∂x² and ∇L through |(∂²L/∂x²)⁻¹|, which squares J's condition"
            : $"{NumberText.Short(CompiledProblem.LandingUlps)} units of rounding of {RoundingScaleWords("")} through |J⁻¹|";
        var left = $"{NumberText.Short(relative, 3)} of {what}: about {digits:0} digits of it are left";
        if (!hessian && BySize(c, x, e) is { } size)
            return $"{size} ({through}), {left}";
        return $"J's condition number {NumberText.Short(ConditionNumber(c, x), 2)} leaves y = P(x) telling x only to ±{NumberText.Short(Norm(e), 3)} ({through}), {left}";
    }

    /// <summary>
    /// <see cref="Resolves"/>'s words for the allowance <paramref name="e"/> (<see cref="InverseRounding"/>) when J's
    /// condition number does not explain it, else null. A nonlinear map can lose x's digits with J perfectly
    /// conditioned: tanh at 15 has J ≈ 3.7E-13 next to y ≈ 1, so y's rounding moves x by 0.019 while J's condition
    /// number is 1. Where the condition number explains less than a tenth of the loss (‖e‖/‖x‖ above 10·64u·κ),
    /// the words name J's size against y's, as properties 5, 7, 8 and 10 all say it.
    /// </summary>
    private static string? BySize(CompiledProblem c, double[] x, double[] e)
    {
        var known = CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff;
        return Norm(x) > 0 && Norm(e) / Norm(x) > 10 * known * ConditionNumber(c, x) ? Resolves(c, x, Norm(e)) : null;
    }

    /// <summary>
    /// "J ≈ 3.7E-13 at x = [15], small next to y = P(x) ≈ 1 (known only to ±7.11E-15), so y resolves x only to ±0.019":
    /// how far y's rounding (<see cref="CompiledProblem.LandingUlps"/> units of |J|·|x| + |y|) leaves x open where P is
    /// flat next to its own size, the rounding limit of a nonlinear map at a point (‖J‖_F for more than one entry).
    /// <paramref name="resolution"/> is that x-uncertainty, as the caller measured it.
    /// </summary>
    private static string Resolves(CompiledProblem c, double[] x, double resolution, string? known = null)
    {
        var (scale, y) = (new double[c.M], new double[c.M]);
        RoundingScale(c, x, y, scale);
        var (_, j) = Simulate(c, x);
        var size = j.Length == 1 ? $"J ≈ {NumberText.Short(j[0], 2)}" : $"‖J‖ ≈ {NumberText.Short(Norm(j), 2)}";
        known ??= $"known only to ±{NumberText.Short(CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff * Norm(scale), 3)}";
        var yWord = y.Length == 1 ? $"y = P(x) ≈ {NumberText.Short(y[0], 3)}" : $"y = P(x) of size {NumberText.Short(Norm(y), 3)}";
        return $"{size} at x = {Show(x)}, small next to {yWord} ({known}), so y resolves x only to ±{NumberText.Short(resolution, 3)}";
    }

    /// <summary>
    /// y's rounding scale at x (m values into <paramref name="scale"/>, P(x) into <paramref name="y"/>):
    /// <see cref="CompiledProblem.RoundingScale"/>, which counts P's own intermediates. With
    /// <paramref name="residual"/>, for the quantities the rules' steps are driven by (y − y* through L's derivatives),
    /// also what L(P(x)) adds where y* is folded into P's sums: ½(eˣ − 1 − x − y*)² forms eˣ − (1 + y*) at 1, where P
    /// alone is eˣ⁻¹ − x without that cancellation, so every step sees y − y* only to about u, not to u·|y|. That
    /// share is the smallest y-perturbation that moves L by its running error E
    /// (<see cref="CompiledProblem.LossRoundingError"/>), δy = E·∂L/∂y/‖∂L/∂y‖², componentwise, so an output of size
    /// 1E+160 beside one of size 1 charges its rounding to itself; left out where ∂L/∂y is 0 or not formed. Not for
    /// y itself (PG's landings, the local inverse): L's rounding at the scale of y* is no rounding of y.
    /// </summary>
    private static void RoundingScale(CompiledProblem c, double[] x, double[] y, double[] scale, bool residual = false)
    {
        c.RoundingScale(x, y, scale);
        if (!residual) return;
        var error = c.LossRoundingError(x);
        if (error == 0) return;
        var gy = new double[c.M];
        try
        {
            Settled(c).LossInY(y, gy);
        }
        catch (Exception failure) when (InputError.Unformable(failure) is not null)
        {
            return;
        }
        // δy = E·∂L/∂y/‖∂L/∂y‖², scaled (Norm) so that the square does not overflow at y of size 1E+160.
        var norm = Norm(gy);
        var extra = gy.Select(g => error / norm * (Math.Abs(g) / norm) / (CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff)).ToArray();
        if (!extra.All(double.IsFinite)) return;
        for (var i = 0; i < c.M; i++) scale[i] += extra[i];
    }

    /// <summary>
    /// The words for y's rounding scale (<see cref="CompiledProblem.RoundingScale"/>), with <paramref name="at"/> the
    /// subscript of the point ("₀" or ""): "|J|·|x₀| + |y₀| and P's running error", "… and the running errors of P and L"
    /// with <paramref name="residual"/> (as <see cref="RoundingScale"/> takes it).
    /// </summary>
    private static string RoundingScaleWords(string at, bool residual = false) =>
        $"|J|·|x{at}| + |y{at}| and {(residual ? "the running errors of P and L" : "P's running error")}";

    /// <summary>‖J‖_F·‖J⁺‖_F at x (Frobenius norms, scaled so that they do not overflow), J⁺ as <see cref="PseudoInverse"/>
    /// forms it (so a graded J's small directions are kept), for the words only; +∞ when J is singular in doubles.</summary>
    private static double ConditionNumber(CompiledProblem c, double[] x)
    {
        var (_, j) = Simulate(c, x);
        if (PseudoInverse(j, c.M, c.N) is not { } pinv) return double.PositiveInfinity;
        var product = Norm(j) * Norm(pinv.ToColumnMajorArray());
        return double.IsNaN(product) ? double.PositiveInfinity : product;
    }
}
