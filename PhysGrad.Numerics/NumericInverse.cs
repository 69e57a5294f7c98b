using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>How a local inverse x = P⁻¹(y; x₀) was computed.</summary>
public enum InverseMethod
{
    /// <summary>The problem's closed-form inverse (given, or derived symbolically).</summary>
    ClosedForm,
    /// <summary>Newton's method on P(x) = y with the dense n × n Jacobian, each system solved by elimination: exact steps, n² memory, O(n³) per iteration.</summary>
    DenseNewton,
    /// <summary>
    /// Inexact Newton on P(x) = y with the sparse Jacobian (CSR, structural nonzeros only), each system
    /// solved by LSQR with Jacobi column scaling: O(nonzeros) memory and work per Krylov iteration.
    /// </summary>
    NewtonKrylov,
}

/// <summary>
/// What a local inversion did: whether it found a preimage, how, the Newton iterations, the Krylov
/// (LSQR) iterations summed over them, and the final ‖P(x) − y‖ (infinite or NaN when P was not finite).
/// </summary>
/// <param name="Found">Whether ‖P(x) − y‖ met the tolerance (always true for a closed form that returned finite values).</param>
/// <param name="Method">The route taken.</param>
/// <param name="Iterations">Newton iterations (0 for a closed form, or when x₀ itself met the tolerance).</param>
/// <param name="KrylovIterations">LSQR iterations over all Newton iterations (0 unless <see cref="InverseMethod.NewtonKrylov"/>).</param>
/// <param name="Residual">‖P(x) − y‖ at the returned x (NaN for a closed form, which is not checked against P unless derived).</param>
public readonly record struct InverseReport(bool Found, InverseMethod Method, int Iterations, int KrylovIterations, double Residual)
{
    /// <summary>One line for a fallback note: the method, its iterations and the residual.</summary>
    public override string ToString() => Method switch
    {
        InverseMethod.ClosedForm => Found ? "closed-form inverse" : "closed-form inverse without a finite value",
        InverseMethod.DenseNewton =>
            $"Newton's method on the dense Jacobian, {NumberText.Count(Iterations, "iteration")}, ‖P(x) − y‖ = {NumberText.Short(Residual, 3)}",
        _ =>
            $"Newton's method with LSQR on the sparse Jacobian, {NumberText.Count(Iterations, "iteration")} ({NumberText.Count(KrylovIterations, "LSQR iteration")}), ‖P(x) − y‖ = {NumberText.Short(Residual, 3)}",
    };
}

/// <summary>
/// The numeric local inverse of a square compiled problem: x with P(x) = y, by Newton's method started
/// at x₀ with each step halved until ‖P(x) − y‖ shrinks (so it stays with the preimage nearest x₀).
/// Two routes: up to <see cref="DenseUpTo"/> variables the dense Jacobian and elimination (exact
/// steps); above, the sparse Jacobian and LSQR (an inexact Newton method whose cost per iteration is
/// proportional to J's nonzeros, so a problem with O(n) nonzeros inverts in O(n) memory and work
/// per Krylov iteration; no n × n array is formed).
/// </summary>
internal sealed class NumericInverse(CompiledProblem problem)
{
    /// <summary>
    /// The dense route's limit: the same size at which the Jacobian rules leave their dense path
    /// (<see cref="Rules.SolverLimits.DenseUpTo"/>). Below it elimination is exact and cheap; above it its
    /// n² memory and O(n³) solves dominate (73 ms per PG step at n = 10³ on the Rosenbrock residuals).
    /// </summary>
    public const int DenseUpTo = Rules.SolverLimits.DenseUpTo;

    /// <summary>
    /// LSQR iterations allowed per Newton iteration on the sparse route. An unfinished solve still gives
    /// a descent direction for ‖P(x) − y‖² (LSQR's residual only falls, so ‖J s − r‖ &lt; ‖r‖ and
    /// ⟨Jᵀr, s⟩ &gt; 0), and the next Newton iteration restarts from the better point; the cap keeps a
    /// numerically singular J (whose solve would run to 2n + 50 iterations) from costing O(n²) per step.
    /// </summary>
    public const int KrylovLimit = 1000;

    // Newton iterations in a row that each reduce ‖P(x) − y‖ by less than StallFactor before the sparse
    // route gives up: Gauss–Newton creeping towards a nonzero minimum of ‖P(x) − y‖ (no preimage there)
    // or along a numerically singular J. A preimage reached by Newton's method is approached faster.
    private const int StallIterations = 5;
    private const double StallFactor = 0.99;

    // LSQR's own relative tests at rounding level: the forcing term enters as its absolute residual
    // floor instead, which is exactly the inexact-Newton condition ‖J s − r‖ ≤ η‖r‖ (LSQR's tolerance
    // would also loosen its least-squares test ‖Jᵀ(r − J s)‖ ≤ tol·‖J‖‖r − J s‖, which a loose η
    // meets after an iteration or two with a poor step).
    private const double LsqrTolerance = 1e-14;

    // One workspace kept for the next call (taken with an atomic exchange, so concurrent inversions each
    // get their own; a steady sequence of calls on one thread reuses the same arrays).
    private SparseWorkspace? _spare;

    /// <summary>Inverts by the route <paramref name="method"/> names (arrays checked by the caller).</summary>
    public InverseReport Invert(double[] y, double[] x0, double[] x, InverseMethod method, double tolerance, int maxIterations) =>
        method switch
        {
            InverseMethod.DenseNewton => Dense(y, x0, x, tolerance, maxIterations),
            InverseMethod.NewtonKrylov => Sparse(y, x0, x, tolerance, maxIterations),
            _ => throw new ArgumentException("A numeric inverse is DenseNewton or NewtonKrylov (ClosedForm is the problem's own inverse: CompiledProblem.Invert).", nameof(method)),
        };

    private InverseReport Dense(double[] y, double[] x0, double[] x, double tolerance, int maxIterations)
    {
        var n = problem.N;
        var w = DenseScratch.For(n);
        var (p, j, r, step, trial, workspace) = (w.P, w.J, w.R, w.Step, w.Trial, w.Workspace);
        Array.Copy(x0, x, n);
        problem.Simulate(x, p, j);
        // The norm is taken without overflow: for ‖y‖ near 1e300 a plain sum of squares is infinite.
        var residual = Residual(p, y, r, n);
        var miss = CompiledProblem.RelativeMiss(j, n, x, p, y, out _);
        var k = 0;
        // ‖Δx‖ of the last full Newton step and its ratio to the one before (NaN after a halved step).
        var (lastStep, lastRatio) = (double.NaN, double.NaN);
        var atRoot = false;
        for (; k < maxIterations && !(miss <= tolerance); k++)
        {
            // Elimination in the scratch workspace at every size (the three-argument Solve hands systems
            // above LinearAlgebra.SmallLimit to MathNet, which allocates a matrix and an LU per call).
            if (!LinearAlgebra.Solve(j.AsSpan(0, n * n), r.AsSpan(0, n), step.AsSpan(0, n), workspace).Ok)
                return new(false, InverseMethod.DenseNewton, k, 0, residual);
            var length = CompiledProblem.Norm(step, n);
            // The Newton step estimates x's distance to the root (to first order): within LandingUlps units of
            // rounding of the way come, x is the root to rounding in x (at a root at 0 of x³ no point but 0
            // itself meets the test in y, since |P| and its rounding scale |J|·|x| shrink together).
            for (var i = 0; i < n; i++) trial[i] = x[i] - x0[i];
            if (length <= CompiledProblem.LandingUlps * CompiledProblem.UnitRoundoff * (CompiledProblem.Norm(x, n) + CompiledProblem.Norm(trial, n)))
            {
                atRoot = true;
                break;
            }
            var ratio = length / lastStep;
            var multiplicity = Multiplicity(ratio, lastRatio);
            var t = 1.0;
            var improved = false;
            // At a root of multiplicity m the full step m·Δx first (Schröder), then Δx halved as usual.
            for (var halving = multiplicity > 1 ? -1 : 0; halving < 40; halving++, t = halving <= 0 ? 1 : t / 2)
            {
                var factor = halving < 0 ? multiplicity : t;
                for (var i = 0; i < n; i++) trial[i] = x[i] - factor * step[i];
                problem.Simulate(trial, p, j);
                var next = Residual(p, y, r, n);
                if (next < residual)
                {
                    Array.Copy(trial, x, n);
                    residual = next;
                    improved = true;
                    (lastStep, lastRatio) = halving == 0 ? (length, ratio) : (double.NaN, double.NaN);
                    break;
                }
            }
            if (!improved) return new(false, InverseMethod.DenseNewton, k + 1, 0, residual);
            miss = CompiledProblem.RelativeMiss(j, n, x, p, y, out _);
        }
        if (miss <= tolerance && !atRoot) (k, residual) = Polish(y, x, residual, k, maxIterations, w);
        return new((miss <= tolerance || atRoot) && LinearAlgebra.AllFinite(x.AsSpan(0, n)), InverseMethod.DenseNewton, k, 0, residual);
    }

    /// <summary>The most full Newton steps <see cref="Polish"/> (and the sparse route's own polish) takes after the tolerance is met.</summary>
    private const int PolishSteps = 8;

    /// <summary>
    /// Full Newton steps from x, where the tolerance is met, for as long as each lowers ‖P(x) − y‖ (at most
    /// <see cref="PolishSteps"/>, and within <paramref name="maxIterations"/>): Newton converges quadratically there, so
    /// one or two steps take x from the tolerance (10⁻¹² of the rounding scale by default) to the rounding of P, and the
    /// first step that no longer lowers the residual is rounding. PG's step is x = P⁻¹(y + Δy): a preimage only to the
    /// tolerance left PG's loss at ≈ 1E-22 (`x0 + exp(x1); x1 + x0^3` towards (3, 2)) where IG reaches the rounding of
    /// L, ≈ 1E-30. Returns the iteration count and the residual at the returned x (P, J and r in the scratch arrays
    /// may be the rejected trial's).
    /// </summary>
    private (int Iterations, double Residual) Polish(double[] y, double[] x, double residual, int k, int maxIterations, DenseScratch w)
    {
        var n = problem.N;
        var (p, j, r, step, trial, workspace) = (w.P, w.J, w.R, w.Step, w.Trial, w.Workspace);
        for (var extra = 0; extra < PolishSteps && k < maxIterations && residual > 0; extra++)
        {
            if (!LinearAlgebra.Solve(j.AsSpan(0, n * n), r.AsSpan(0, n), step.AsSpan(0, n), workspace).Ok) break;
            for (var i = 0; i < n; i++) trial[i] = x[i] - step[i];
            problem.Simulate(trial, p, j);
            var next = Residual(p, y, r, n);
            if (!(next < residual)) break;
            Array.Copy(trial, x, n);
            (residual, k) = (next, k + 1);
        }
        return (k, residual);
    }

    /// <summary>
    /// The multiplicity m of the root Newton's method is converging to, from the ratio of its last two full
    /// steps and the ratio before: at a root of multiplicity m Newton converges linearly with
    /// ‖Δxₖ₊₁‖/‖Δxₖ‖ → (m − 1)/m (½ for x² = 0), and the step m·Δx (Schröder's modified Newton method,
    /// Ypma 1995; Dennis &amp; Schnabel §6.5 for the linear rate) restores quadratic convergence. Without
    /// it, Newton halves its distance to the root of x² = 0 per iteration and stops at its iteration limit
    /// with x ≈ 10⁻³⁰, never meeting a tolerance relative to rounding. 1 unless two ratios in a row agree
    /// within 2% and lie in [0.4, 0.95] (m from 2 to 20).
    /// </summary>
    private static int Multiplicity(double ratio, double previous) =>
        ratio is >= 0.4 and <= 0.95 && Math.Abs(ratio - previous) <= 0.02 * ratio ? (int)Math.Round(1 / (1 - ratio)) : 1;

    /// <summary>
    /// Inexact Newton (Dembo, Eisenstat &amp; Steihaug, SIAM J. Numer. Anal. 19(2), 1982): each step s
    /// solves J s = P(x) − y only to ‖J s − r‖ ≲ η‖r‖ with the forcing term η = min(0.1, √(‖r‖/max(‖y‖, ‖r₀‖)))
    /// (superlinear convergence, order 1.5, near a regular preimage; relative to y's scale, or to the first
    /// residual r₀ = P(x₀) − y where y is 0, so that the same solve is asked for in any units of y: the
    /// former √(‖r‖/(1 + ‖y‖)) was absolute, 0.1 for y of size 10⁸ at a residual of 10⁶ and 10⁻⁵ for y of
    /// size 10⁻⁸ at the same relative residual), but never below half the final
    /// tolerance at the smallest component's rounding scale, which no further accuracy of s can improve on. Then x ← x − t s with t halved until
    /// ‖P(x) − y‖ falls, as on the dense route.
    /// </summary>
    private InverseReport Sparse(double[] y, double[] x0, double[] x, double tolerance, int maxIterations)
    {
        var n = problem.N;
        var w = Interlocked.Exchange(ref _spare, null) ?? new SparseWorkspace(problem);
        try
        {
            var (p, r, step, trial) = (w.P, w.R, w.Step, w.Trial);
            Array.Copy(x0, x, n);
            problem.SparseJacobian(x, p, w.J);
            var residual = Residual(p, y, r, n);
            var scale = Math.Max(CompiledProblem.Norm(y, n), residual);
            var miss = CompiledProblem.RelativeMiss(w.J, x, p, y, n, out var smallest);
            int k = 0, krylov = 0, stalled = 0;
            for (; k < maxIterations && !(miss <= tolerance); k++)
            {
                if (!double.IsFinite(residual)) return new(false, InverseMethod.NewtonKrylov, k, krylov, residual);
                w.Scale();
                var forcing = scale > 0 ? Math.Min(0.1, Math.Sqrt(residual / scale)) : 0.1;
                // Below half the tolerance at the smallest component's scale every component meets it:
                // no further accuracy of the step can improve on that.
                var solve = Krylov.Lsqr(n, n, w.Apply, w.ApplyTranspose, r, step, w.Krylov, tolerance: LsqrTolerance,
                    maxIterations: Math.Min(KrylovLimit, 2 * n + 50), residualFloor: Math.Max(forcing * residual, 0.5 * tolerance * smallest),
                    preconditioner: w.Jacobi);
                krylov += solve.Iterations;
                // A zero step: Jᵀr = 0 (J singular with r outside its range), so Newton cannot move.
                if (!LinearAlgebra.AllFinite(step.AsSpan(0, n)) || Array.TrueForAll(step, v => v == 0))
                    return new(false, InverseMethod.NewtonKrylov, k + 1, krylov, residual);
                var t = 1.0;
                var improved = false;
                var previous = residual;
                for (var halving = 0; halving < 40; halving++, t /= 2)
                {
                    for (var i = 0; i < n; i++) trial[i] = x[i] - t * step[i];
                    // The full step is usually taken: evaluate J with P there, so the next iteration
                    // needs no second kernel call. A halved trial needs P only.
                    if (halving == 0) problem.SparseJacobian(trial, p, w.J);
                    else problem.Simulate(trial, p);
                    var next = Residual(p, y, r, n);
                    if (next < residual)
                    {
                        Array.Copy(trial, x, n);
                        residual = next;
                        improved = true;
                        // J at x for the next step and for the test of the scale below.
                        if (halving > 0) problem.SparseJacobian(x, p, w.J);
                        break;
                    }
                }
                if (!improved) return new(false, InverseMethod.NewtonKrylov, k + 1, krylov, residual);
                miss = CompiledProblem.RelativeMiss(w.J, x, p, y, n, out smallest);
                stalled = residual > StallFactor * previous ? stalled + 1 : 0;
                if (stalled >= StallIterations && !(miss <= tolerance)) return new(false, InverseMethod.NewtonKrylov, k + 1, krylov, residual);
            }
            // As on the dense route (Polish): once the tolerance is met, Newton steps solved to LSQR's own tolerance go on
            // while they lower ‖P(x) − y‖, so x is the preimage to P's rounding.
            for (var extra = 0; miss <= tolerance && extra < PolishSteps && k < maxIterations && residual > 0; extra++)
            {
                w.Scale();
                var solve = Krylov.Lsqr(n, n, w.Apply, w.ApplyTranspose, r, step, w.Krylov, tolerance: LsqrTolerance,
                    maxIterations: Math.Min(KrylovLimit, 2 * n + 50), preconditioner: w.Jacobi);
                krylov += solve.Iterations;
                if (!LinearAlgebra.AllFinite(step.AsSpan(0, n))) break;
                for (var i = 0; i < n; i++) trial[i] = x[i] - step[i];
                problem.SparseJacobian(trial, p, w.J);
                var next = Residual(p, y, r, n);
                if (!(next < residual)) break;
                Array.Copy(trial, x, n);
                (residual, k) = (next, k + 1);
            }
            return new(miss <= tolerance && LinearAlgebra.AllFinite(x.AsSpan(0, n)), InverseMethod.NewtonKrylov, k, krylov, residual);
        }
        finally
        {
            Volatile.Write(ref _spare, w);
        }
    }

    // r = P(x) − y and its norm (without overflow, CompiledProblem.Norm).
    private static double Residual(double[] p, double[] y, double[] r, int n)
    {
        for (var i = 0; i < n; i++) r[i] = p[i] - y[i];
        return CompiledProblem.Norm(r, n);
    }

    /// <summary>
    /// The sparse route's arrays for one problem: J in CSR form (its pattern from the problem, compiled
    /// on first use), five n-vectors, the Jacobi scaling and LSQR's workspace, and the two product
    /// delegates bound to J once, so that an inversion allocates nothing after the first.
    /// </summary>
    private sealed class SparseWorkspace
    {
        public SparseWorkspace(CompiledProblem problem)
        {
            var n = problem.N;
            J = new CsrMatrix(problem.SparseJacobianPattern());
            (P, R, Step, Trial, Squares) = (new double[n], new double[n], new double[n], new double[n], new double[n]);
            Jacobi = new DiagonalPreconditioner(n);
            Krylov = new KrylovWorkspace(n, n);
            Apply = (v, result) => J.Multiply(v, result);
            ApplyTranspose = (u, result) => J.TransposeMultiply(u, result);
        }

        public CsrMatrix J { get; }
        public double[] P { get; }
        public double[] R { get; }
        public double[] Step { get; }
        public double[] Trial { get; }
        public double[] Squares { get; }
        public DiagonalPreconditioner Jacobi { get; }
        public KrylovWorkspace Krylov { get; }
        public LinearMap Apply { get; }
        public LinearMap ApplyTranspose { get; }

        /// <summary>Jacobi column scaling of the current J: its columns' squared norms, exact from the nonzeros (<see cref="ColumnScaling"/>'s rule for zero columns).</summary>
        public void Scale()
        {
            var (c, columns, values) = (Squares, J.ColumnIndices, J.Values);
            Array.Clear(c);
            for (var k = 0; k < values.Length; k++) c[columns[k]] += values[k] * values[k];
            ColumnScaling.ToLsqr(c, Jacobi.Diagonal);
        }
    }

    /// <summary>
    /// The dense route's working arrays, one set per thread (so concurrent inversions do not share
    /// them) and grown only when a larger problem comes along, so that Newton on P(x) = y allocates
    /// nothing in steady state.
    /// </summary>
    private sealed class DenseScratch
    {
        [ThreadStatic] private static DenseScratch? _current;

        private DenseScratch(int n)
        {
            Size = n;
            P = new double[n];
            J = new double[n * n];
            R = new double[n];
            Step = new double[n];
            Trial = new double[n];
            Workspace = new double[n * n];
        }

        public int Size { get; }
        public double[] P { get; }
        public double[] J { get; }
        public double[] R { get; }
        public double[] Step { get; }
        public double[] Trial { get; }
        public double[] Workspace { get; }

        /// <summary>Arrays for an n × n system (at least n values each, n² for the matrices).</summary>
        public static DenseScratch For(int n) =>
            _current is { } c && c.Size >= n ? c : (_current = new DenseScratch(n));
    }
}
