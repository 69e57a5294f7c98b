namespace PhysGrad.Numerics;

/// <summary>A linear map applied to a vector: <c>output ← A input</c> (the caller's arrays; nothing allocated).</summary>
/// <param name="input">The vector A acts on.</param>
/// <param name="output">Where A·input is written.</param>
public delegate void LinearMap(double[] input, double[] output);

/// <summary>How a Krylov solve ended: the iterations used, the final residual estimate and whether a tolerance was met.</summary>
/// <param name="Iterations">Iterations taken (one product with A and one with Aᵀ each, for LSQR; one with A for CG).</param>
/// <param name="Residual">‖b − A x‖ (LSQR: of the damped system) at the end, as the method estimates it.</param>
/// <param name="Converged">Whether a stopping test was met before the iteration limit.</param>
/// <param name="Consistent">LSQR: whether A x = b was met (test 1), rather than only the least-squares optimality Aᵀr ≈ 0 (test 2).</param>
/// <param name="Exit">Which test ended the solve.</param>
public readonly record struct KrylovResult(int Iterations, double Residual, bool Converged, bool Consistent, KrylovExit Exit = KrylovExit.Tolerance);

/// <summary>Which test ended a Krylov solve.</summary>
public enum KrylovExit
{
    /// <summary>The residual met the tolerance asked for (LSQR: A x = b to the tolerance, its test 1).</summary>
    Tolerance,
    /// <summary>LSQR: the least-squares optimality ‖Aᵀr‖ ≤ tol·‖A‖‖r‖ (its test 2), b not in A's range to the tolerance.</summary>
    LeastSquares,
    /// <summary>The residual fell to its rounding level (the floor the caller gave, or CG's backward-error floor) before the tolerance.</summary>
    RoundingLevel,
    /// <summary>CG met a direction d with dᵀAd ≤ 0 (or not finite); the result is the iterate before it.</summary>
    NegativeCurvature,
    /// <summary>The iteration limit was reached; the result is the last iterate.</summary>
    IterationLimit,
}

/// <summary>
/// Matrix-free Krylov solvers on <see cref="LinearMap"/> products, for the rules that must not form J
/// (m × n) at scale. Written by hand because the served library has no matrix-free least-squares
/// solver: MathNet.Numerics' iterative solvers (BiCGStab, GPBiCG, MlkBiCgStab, TFQMR) take a
/// <c>Matrix&lt;double&gt;</c>, solve square systems only and have no LSQR; forming J as a sparse
/// matrix would need its pattern, which the product kernels never build. Both routines allocate only
/// through <see cref="KrylovWorkspace"/>, once per size.
/// </summary>
public static class Krylov
{
    /// <summary>
    /// LSQR (Paige &amp; Saunders, ACM TOMS 8(1), 1982, Algorithm LSQR with the damped extension of
    /// their §2): x minimising ‖A x − b‖² + damp²‖x‖² from x = 0, by Golub–Kahan bidiagonalisation. For
    /// damp = 0 and started at 0 the iterates stay in the row space of A, so the limit is the
    /// minimum-norm least-squares solution A⁺b (what a pseudo-inverse by SVD gives). Stops when
    /// ‖r‖ ≤ tol·(‖b‖ + ‖A‖‖x‖) (a consistent system solved) or ‖Aᵀr‖ ≤ tol·‖A‖‖r‖ (least squares
    /// reached), ‖A‖ estimated on the way as in the paper; or after <paramref name="maxIterations"/>.
    /// </summary>
    /// <param name="m">Rows of A (length of b).</param>
    /// <param name="n">Columns of A (length of x).</param>
    /// <param name="a">v (n) ↦ A v (m).</param>
    /// <param name="at">u (m) ↦ Aᵀ u (n).</param>
    /// <param name="b">The right-hand side (m values; not changed).</param>
    /// <param name="x">The solution (n values, overwritten).</param>
    /// <param name="work">Scratch arrays for at least m and n.</param>
    /// <param name="damp">The damping (≥ 0): Levenberg–Marquardt's √λ.</param>
    /// <param name="tolerance">The relative tolerance of both tests (as the paper's atol = btol).</param>
    /// <param name="maxIterations">The iteration limit (0: 2·min(m, n) + 50; in exact arithmetic min(m, n) suffice).</param>
    /// <param name="residualFloor">An absolute ‖r‖ at or below which the system counts as solved: the
    /// rounding level of b when the caller knows it (0: none).</param>
    /// <param name="preconditioner">A right preconditioner M (n × n, nonsingular) or null. LSQR then runs on
    /// the operator A M (products A(M v) and Mᵀ(Aᵀ u)) for z, and returns x = M z. The residual
    /// b − A x = b − A M z is the same in both systems, so the first stopping test and
    /// <paramref name="residualFloor"/> mean what they mean without M; the second test is met for A M
    /// (Mᵀ Aᵀ r ≈ 0, the same optimality because M is nonsingular). When the least-squares solution
    /// is unique (A of full column rank: for m = n, A nonsingular) x is that solution, whatever M; when
    /// it is not, x is the one whose M⁻¹x has least norm, not A⁺b. Iterations drop when A M is better
    /// conditioned than A (unpreconditioned LSQR needs about κ(A)/2·ln(2/tol) of them).</param>
    public static KrylovResult Lsqr(int m, int n, LinearMap a, LinearMap at, double[] b, double[] x, KrylovWorkspace work,
        double damp = 0, double tolerance = 1e-14, int maxIterations = 0, double residualFloor = 0,
        KrylovPreconditioner? preconditioner = null)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Fit(m, n);
        if (preconditioner is not null) work.FitPreconditioned(n);
        var (u, v, w, av, atu, mv) = (work.U, work.V, work.W, work.Mv, work.Nv, work.Pn);
        // With M: A v ↦ A (M v) and Aᵀ u ↦ Mᵀ (Aᵀ u), both through the scratch vector mv.
        void Forward(double[] vector, double[] result)
        {
            if (preconditioner is null) { a(Slice(vector, n), result); return; }
            preconditioner.Apply(vector, mv);
            a(mv, result);
        }
        void Adjoint(double[] vector, double[] result)
        {
            if (preconditioner is null) { at(Slice(vector, m), result); return; }
            at(Slice(vector, m), mv);
            preconditioner.ApplyTranspose(mv, result);
        }
        Array.Clear(x, 0, n);
        var limit = maxIterations > 0 ? maxIterations : 2 * Math.Min(m, n) + 50;
        var bNorm = Norm(b, m);
        if (bNorm <= residualFloor) return new KrylovResult(0, bNorm, true, true, KrylovExit.RoundingLevel);
        // u₁ = b/β₁, v₁ = Aᵀu₁/α₁.
        var beta = bNorm;
        for (var i = 0; i < m; i++) u[i] = b[i] / beta;
        Adjoint(u, atu);
        for (var j = 0; j < n; j++) v[j] = atu[j];
        var alpha = Norm(v, n);
        if (alpha == 0) return new KrylovResult(0, bNorm, true, false, KrylovExit.LeastSquares); // b ⟂ range(A): x = 0 is the least-squares solution
        for (var j = 0; j < n; j++) { v[j] /= alpha; w[j] = v[j]; }
        double phiBar = beta, rhoBar = alpha, aNorm2 = 0, dampSquared = damp * damp, rNorm = beta, penalty = 0;
        for (var k = 1; k <= limit; k++)
        {
            // Bidiagonalisation: β u ← A v − α u, α v ← Aᵀ u − β v.
            Forward(v, av);
            for (var i = 0; i < m; i++) u[i] = av[i] - alpha * u[i];
            beta = Norm(u, m);
            if (beta > 0)
            {
                for (var i = 0; i < m; i++) u[i] /= beta;
                aNorm2 += alpha * alpha + beta * beta + dampSquared;
                Adjoint(u, atu);
                for (var j = 0; j < n; j++) v[j] = atu[j] - beta * v[j];
                alpha = Norm(v, n);
                if (alpha > 0) for (var j = 0; j < n; j++) v[j] /= alpha;
            }
            else aNorm2 += alpha * alpha + dampSquared;
            // The damping enters by one extra plane rotation that eliminates it (the paper's §2).
            var rhoBar1 = rhoBar;
            var psi = 0.0;
            if (damp > 0)
            {
                rhoBar1 = Hypot(rhoBar, damp);
                psi = damp / rhoBar1 * phiBar;
                phiBar = rhoBar / rhoBar1 * phiBar;
            }
            // The rotation that eliminates β from the lower bidiagonal matrix.
            var rho = Hypot(rhoBar1, beta);
            var (c, s) = (rhoBar1 / rho, beta / rho);
            var theta = s * alpha;
            rhoBar = -c * alpha;
            var phi = c * phiBar;
            phiBar = s * phiBar;
            // x ← x + (φ/ρ) w, w ← v − (θ/ρ) w.
            var (t1, t2) = (phi / rho, -theta / rho);
            double xNorm2 = 0;
            for (var j = 0; j < n; j++)
            {
                x[j] += t1 * w[j];
                w[j] = v[j] + t2 * w[j];
                xNorm2 += x[j] * x[j];
            }
            // Residual estimates: ‖r̄‖ of the damped system from φ̄ and the ψ's; ‖Āᵀr̄‖ = α|s φ|.
            penalty += psi * psi;
            rNorm = Math.Sqrt(phiBar * phiBar + penalty);
            var arNorm = alpha * Math.Abs(s * phi);
            var aNorm = Math.Sqrt(aNorm2);
            var xNorm = Math.Sqrt(xNorm2);
            if (rNorm <= tolerance * (bNorm + aNorm * xNorm)) return Unscaled(new KrylovResult(k, rNorm, true, true));
            if (rNorm <= residualFloor) return Unscaled(new KrylovResult(k, rNorm, true, true, KrylovExit.RoundingLevel));
            if (arNorm <= tolerance * aNorm * rNorm || alpha == 0)
                return Unscaled(new KrylovResult(k, rNorm, true, false, KrylovExit.LeastSquares));
        }
        return Unscaled(new KrylovResult(limit, rNorm, false, false, KrylovExit.IterationLimit));

        // x ← M z: the iterate above is z when preconditioned.
        KrylovResult Unscaled(KrylovResult result)
        {
            if (preconditioner is null) return result;
            Array.Copy(x, mv, n);
            preconditioner.Apply(mv, x);
            return result;
        }
    }

    /// <summary>
    /// Conjugate gradients (Hestenes &amp; Stiefel 1952; Nocedal &amp; Wright Algorithm 5.2) on a
    /// symmetric operator A from x = 0: stops when ‖b − A x‖ ≤ tol·‖b‖ (<see cref="KrylovExit.Tolerance"/>),
    /// at the rounding floor when asked (<see cref="KrylovExit.RoundingLevel"/>), after the limit, or at a
    /// direction d with dᵀAd ≤ 0 (A not positive definite along d; <see cref="KrylovResult.Converged"/>
    /// false, <see cref="KrylovExit.NegativeCurvature"/>, x the iterate so far: 0 when it is the first direction).
    /// </summary>
    /// <param name="n">The size.</param>
    /// <param name="a">v ↦ A v.</param>
    /// <param name="b">The right-hand side (not changed).</param>
    /// <param name="x">The solution (overwritten).</param>
    /// <param name="work">Scratch arrays for at least n.</param>
    /// <param name="tolerance">The relative residual tolerance (a forcing term, for an inexact Newton step).</param>
    /// <param name="maxIterations">The limit (0: 2n + 50).</param>
    /// <param name="preconditioner">An approximation P ≈ A⁻¹, symmetric positive definite, or null: the
    /// preconditioned CG of Nocedal &amp; Wright, Algorithm 5.3 (its z = P r). The stopping test stays on
    /// the true residual ‖b − A x‖, so the answer's accuracy does not depend on P; only the iteration
    /// count does (about √κ(P A)/2·ln(2/tol) instead of √κ(A)/2·ln(2/tol)). Only
    /// <see cref="KrylovPreconditioner.Apply"/> is used.</param>
    /// <param name="roundingFloor">Also stop once the residual is at its rounding level: ‖r‖ ≤ 4ε·(‖A‖‖x‖ + ‖b‖),
    /// ε = 2⁻⁵². This is the normwise backward error test (Rigal &amp; Gaches 1967; Higham, Accuracy and
    /// Stability of Numerical Algorithms, 2nd ed., Theorem 7.1): x then solves a system within 4ε of (A, b),
    /// and CG's own recurrence carries errors of that size (its true residual stalls near ε‖A‖‖x‖), so
    /// further iterations would work on rounding. ‖A‖ is not known; the largest ‖A d‖/‖d‖ over the CG
    /// directions so far stands for it (a lower bound on ‖A‖₂ that the Lanczos process behind CG drives to
    /// the largest eigenvalue within a few iterations; being low, it makes the floor stricter, never looser).</param>
    public static KrylovResult ConjugateGradient(int n, LinearMap a, double[] b, double[] x, KrylovWorkspace work,
        double tolerance = 1e-12, int maxIterations = 0, KrylovPreconditioner? preconditioner = null,
        bool roundingFloor = false)
    {
        ArgumentNullException.ThrowIfNull(work);
        work.Fit(n, n);
        if (preconditioner is not null) work.FitPreconditioned(n);
        var (r, d, ad) = (work.U, work.V, work.W);
        // z = P r; without P, z is r itself (and rᵀz = rᵀr: plain CG).
        var z = preconditioner is null ? r : work.Pn;
        Array.Clear(x, 0, n);
        var limit = maxIterations > 0 ? maxIterations : 2 * n + 50;
        double rr = 0;
        for (var i = 0; i < n; i++) { r[i] = b[i]; rr += b[i] * b[i]; }
        var stop = tolerance * tolerance * rr;
        if (rr == 0) return new KrylovResult(0, 0, true, true);
        var bNorm = Math.Sqrt(rr);
        double aNorm = 0; // the largest ‖A d‖/‖d‖ seen (the floor's estimate of ‖A‖₂)
        preconditioner?.Apply(r, z);
        double rz = 0;
        for (var i = 0; i < n; i++) { d[i] = z[i]; rz += r[i] * z[i]; }
        for (var k = 1; k <= limit; k++)
        {
            a(Slice(d, n), ad);
            double curvature = 0, dd = 0, adad = 0;
            for (var i = 0; i < n; i++)
            {
                curvature += d[i] * ad[i];
                dd += d[i] * d[i];
                adad += ad[i] * ad[i];
            }
            if (!(curvature > 0))
            {
                work.LastCurvature = curvature;
                return new KrylovResult(k, Math.Sqrt(rr), false, false, KrylovExit.NegativeCurvature);
            }
            aNorm = Math.Max(aNorm, Math.Sqrt(adad / dd));
            var step = rz / curvature;
            double next = 0, xx = 0;
            for (var i = 0; i < n; i++)
            {
                x[i] += step * d[i];
                r[i] -= step * ad[i];
                next += r[i] * r[i];
                xx += x[i] * x[i];
            }
            rr = next;
            if (next <= stop) return new KrylovResult(k, Math.Sqrt(next), true, true);
            if (roundingFloor && Math.Sqrt(next) <= RoundingFactor * Epsilon * (aNorm * Math.Sqrt(xx) + bNorm))
                return new KrylovResult(k, Math.Sqrt(next), true, true, KrylovExit.RoundingLevel);
            preconditioner?.Apply(r, z);
            double rzNext = 0;
            for (var i = 0; i < n; i++) rzNext += r[i] * z[i];
            var beta = rzNext / rz;
            rz = rzNext;
            for (var i = 0; i < n; i++) d[i] = z[i] + beta * d[i];
        }
        return new KrylovResult(limit, Math.Sqrt(rr), false, false, KrylovExit.IterationLimit);
    }

    /// <summary>ε = 2⁻⁵², the spacing of doubles at 1.</summary>
    internal static readonly double Epsilon = Math.Pow(2, -52);

    /// <summary>The factor of ε in the rounding floors (as in the Jacobian rules' 4ε·max(‖y‖, ‖y₀‖)).</summary>
    internal const double RoundingFactor = 4;

    // The workspace may be longer than the vector; a map sees exactly m or n values.
    private static double[] Slice(double[] a, int length) => a.Length == length ? a : a[..length];

    private static double Hypot(double a, double b)
    {
        var (x, y) = (Math.Abs(a), Math.Abs(b));
        if (x < y) (x, y) = (y, x);
        if (x == 0) return 0;
        var t = y / x;
        return x * Math.Sqrt(1 + t * t);
    }

    private static double Norm(double[] v, int length) => CompiledProblem.Norm(v, length);
}

/// <summary>
/// The scratch vectors of <see cref="Krylov"/>: three of the larger length and one each of m and n,
/// grown on demand. A rule state keeps one, so a step allocates nothing after its first.
/// </summary>
public sealed class KrylovWorkspace
{
    internal double[] U { get; private set; } = [];
    internal double[] V { get; private set; } = [];
    internal double[] W { get; private set; } = [];
    internal double[] Mv { get; private set; } = [];
    internal double[] Nv { get; private set; } = [];
    internal double[] Pn { get; private set; } = [];

    /// <summary>dᵀAd at CG's last negative-curvature exit (for the caller's message).</summary>
    internal double LastCurvature { get; set; }

    /// <summary>A workspace sized for m outputs and n variables.</summary>
    public KrylovWorkspace(int m, int n) => Fit(m, n);

    internal void Fit(int m, int n)
    {
        // Exact lengths: the maps receive these arrays and check their lengths.
        if (U.Length != m) U = new double[m];
        if (V.Length != n || W.Length != n) (V, W) = (new double[n], new double[n]);
        if (Mv.Length != m) Mv = new double[m];
        if (Nv.Length != n) Nv = new double[n];
    }

    // One more n-vector for a preconditioned solve (M v, or P r in CG).
    internal void FitPreconditioned(int n)
    {
        if (Pn.Length != n) Pn = new double[n];
    }
}
