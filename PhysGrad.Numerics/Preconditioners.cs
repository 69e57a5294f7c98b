using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// A preconditioner for <see cref="Krylov"/>: a linear map M (n × n) with its transpose, applied into
/// the caller's arrays. LSQR uses M as a right preconditioner (it solves for z in A M z ≈ b and returns
/// M z); CG uses M as P ≈ A⁻¹ (then M must be symmetric positive definite).
/// <para>
/// Why not MathNet.Numerics' preconditioners (<c>DiagonalPreconditioner</c>, <c>ILU0Preconditioner</c>,
/// <c>IncompleteLU</c>): each is initialised from a <c>Matrix&lt;double&gt;</c> holding A itself, and
/// the solvers they serve (BiCgStab, GpBiCg, MlkBiCgStab, TFQMR) are square-system solvers on that
/// matrix. Here A is JᵀJ (or JᵀHJ + λD) available only as products, and LSQR works on J, not on JᵀJ:
/// forming JᵀJ as a MathNet sparse matrix to read its diagonal would cost more than the solve. The
/// diagonal is read from J's columns instead (<see cref="ColumnScaling"/>).
/// </para>
/// </summary>
public abstract class KrylovPreconditioner
{
    /// <summary>output ← M input (n values each; distinct arrays).</summary>
    public abstract void Apply(double[] input, double[] output);

    /// <summary>output ← Mᵀ input (n values each; distinct arrays).</summary>
    public abstract void ApplyTranspose(double[] input, double[] output);
}

/// <summary>
/// A diagonal preconditioner M = diag(d), symmetric, refreshed in place by its owner (the rules refill
/// <see cref="Diagonal"/> at every step, so it allocates once). Nonsingular as long as every d_j ≠ 0.
/// </summary>
public sealed class DiagonalPreconditioner : KrylovPreconditioner
{
    /// <summary>A diagonal preconditioner of size n, initially the identity.</summary>
    public DiagonalPreconditioner(int n)
    {
        Diagonal = new double[n];
        Array.Fill(Diagonal, 1.0);
    }

    /// <summary>d (n values): M = diag(d).</summary>
    public double[] Diagonal { get; }

    /// <inheritdoc/>
    public override void Apply(double[] input, double[] output)
    {
        var d = Diagonal;
        for (var i = 0; i < d.Length; i++) output[i] = d[i] * input[i];
    }

    /// <inheritdoc/>
    public override void ApplyTranspose(double[] input, double[] output) => Apply(input, output);
}

/// <summary>
/// Jacobi scaling from the columns of J (m × n) at a point: c_j = ‖J e_j‖², the diagonal of JᵀJ. Read
/// from the sparse Jacobian's values when the problem has one (exact, O(nnz)); otherwise estimated
/// from <see cref="Probes"/> adjoint products Jᵀw with random signs w (E[(Jᵀw)_j²] = Σ_i J_ij² for
/// w_i = ±1 independent; Bekas, Kokiopoulou &amp; Saad 2007), a fixed seed so that runs repeat. A
/// preconditioner need not be exact: an estimate changes the iteration count, not the solution.
/// </summary>
public sealed class ColumnScaling
{
    /// <summary>The adjoint products of the estimate when J is available only as products.</summary>
    public const int Probes = 8;

    private readonly IDifferentiableProblem _problem;
    private readonly CsrMatrix? _sparse;
    private readonly double[] _y, _w, _jtw;

    /// <summary>Column scaling for <paramref name="problem"/> (which must answer Jᵀw, or the sparse Jacobian).</summary>
    public ColumnScaling(IDifferentiableProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        _problem = problem;
        _y = new double[problem.M];
        if (problem.Supported.HasFlag(Capabilities.SparseJacobian))
        {
            _sparse = new CsrMatrix(problem.SparseJacobianPattern());
            (_w, _jtw) = ([], []);
        }
        else (_w, _jtw) = (new double[problem.M], new double[problem.N]);
        Squares = new double[problem.N];
    }

    /// <summary>Whether the column norms are exact (from the sparse Jacobian) rather than estimated.</summary>
    public bool Exact => _sparse is not null;

    /// <summary>c_j = ‖J e_j‖² (n values) after <see cref="Compute(double[])"/>.</summary>
    public double[] Squares { get; }

    /// <summary>Fills <see cref="Squares"/> at x.</summary>
    public void Compute(double[] x) => Compute(x, null);

    /// <summary>
    /// Fills <see cref="Squares"/> at x, reading the columns from <paramref name="jacobian"/> when given (the
    /// problem's sparse J, already written at x by the caller, so it is not written twice).
    /// </summary>
    public void Compute(double[] x, CsrMatrix? jacobian)
    {
        var c = Squares;
        Array.Clear(c);
        if ((jacobian ?? _sparse) is { } j)
        {
            if (jacobian is null) _problem.SparseJacobian(x, _y, j);
            var (columns, values) = (j.ColumnIndices, j.Values);
            for (var k = 0; k < j.NonZeroCount; k++) c[columns[k]] += values[k] * values[k];
            return;
        }
        // Random signs from a fixed xorshift sequence: the same estimate at every run.
        ulong state = 0x9E3779B97F4A7C15UL;
        for (var probe = 0; probe < Probes; probe++)
        {
            for (var i = 0; i < _w.Length; i++)
            {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                _w[i] = (state & 1) == 0 ? 1.0 : -1.0;
            }
            _problem.JacobianTransposeVector(x, _w, _y, _jtw);
            for (var k = 0; k < c.Length; k++) c[k] += _jtw[k] * _jtw[k] / Probes;
        }
    }

    // The largest finite entry (0 if none): a NaN or infinite column (J not finite there) is left unscaled.
    private static double LargestFinite(double[] c)
    {
        double largest = 0;
        foreach (var v in c)
            if (double.IsFinite(v) && v > largest) largest = v;
        return largest;
    }

    /// <summary>
    /// Writes the LSQR column scaling d_j = 1/√c_j into <paramref name="preconditioner"/> (van der Sluis:
    /// unit columns are within a factor √n of the best diagonal scaling of J's condition). A column with
    /// c_j at or below 10⁻²⁴ of the largest (J does not see x_j, or the estimate missed it) keeps the
    /// scale of the largest column, so M stays nonsingular and that variable is left as it is.
    /// </summary>
    public void ToLsqr(DiagonalPreconditioner preconditioner)
    {
        ArgumentNullException.ThrowIfNull(preconditioner);
        ToLsqr(Squares, preconditioner.Diagonal);
    }

    // The rule above for column norms c computed elsewhere (the numeric inverse reads them from its own J).
    internal static void ToLsqr(double[] c, double[] d)
    {
        var largest = LargestFinite(c);
        if (!(largest > 0))
        {
            Array.Fill(d, 1.0);
            return;
        }
        var floor = 1e-24 * largest;
        for (var k = 0; k < c.Length; k++) d[k] = 1 / Math.Sqrt(c[k] > floor && double.IsFinite(c[k]) ? c[k] : largest);
    }

    /// <summary>
    /// Writes the CG preconditioner P = diag(1/(c_j + shift)) for a system JᵀHJ + shift·I into
    /// <paramref name="preconditioner"/>: exact Jacobi when H = I (the sum-of-squares loss), and for any
    /// other loss still symmetric positive definite, so CG's answer is the same (only its count changes).
    /// </summary>
    public void ToCg(DiagonalPreconditioner preconditioner, double shift)
    {
        ArgumentNullException.ThrowIfNull(preconditioner);
        var (c, d) = (Squares, preconditioner.Diagonal);
        var largest = LargestFinite(c);
        var floor = largest > 0 ? 1e-24 * largest : 1.0;
        for (var k = 0; k < c.Length; k++)
        {
            var entry = (double.IsFinite(c[k]) ? Math.Max(c[k], floor) : Math.Max(largest, floor)) + Math.Max(shift, 0);
            d[k] = double.IsFinite(entry) && entry > 0 ? 1 / entry : 1.0;
        }
    }
}

/// <summary>
/// A problem's own inverse simulator as a preconditioner: M v = P⁻¹(v; 0) − P⁻¹(0; 0), the part of the
/// inverse that is linear in y (with x₀ = 0). For the heat inverse problem's regularised inverse
/// x = B y + (I − B A) x₀ (truncated backward steps, <c>ReferenceSimulators.Heat1DRegularisedInverse</c>)
/// this is B, which approximates J⁻¹ = A⁻¹: J B has the per-mode factors (1 − (1 − a)^K)^s ∈ [0.30, 1]
/// instead of J's aˢ ∈ [0.0016, 1], so LSQR's condition drops from 625 to about 3.4.
/// <para>
/// When this is sound, and what is checked. LSQR needs M and Mᵀ as fixed linear maps; the inverse
/// offers M only (its program has no adjoint product), so Mᵀ = M is required: B is a polynomial in
/// the symmetric periodic Laplacian, hence symmetric. At construction the map is tested on random
/// vectors u, v (fixed seed): linear (M(u + v) = M u + M v) and symmetric (uᵀM v = vᵀM u), each to
/// 10⁻¹⁰ relative; a nonlinear or non-symmetric inverse fails either test unless u, v happen to lie
/// on a set of measure zero, and is refused (<see cref="SymbolicException"/>, naming which test failed).
/// A singular M cannot be excluded this way; the rules therefore use this preconditioner only for
/// square J, where a nonsingular J makes the system consistent, and redo the solve without it when
/// LSQR ends inconsistent. For CG (Levenberg–Marquardt) the preconditioner is P = M Mᵀ = M², symmetric
/// positive definite for any nonsingular symmetric M.
/// </para>
/// </summary>
public sealed class InversePreconditioner : KrylovPreconditioner
{
    private readonly IDifferentiableProblem _problem;
    private readonly double[] _zero, _offset, _scratch;

    /// <summary>The inverse of <paramref name="problem"/> (m = n, <see cref="Capabilities.Inverse"/>) as a preconditioner, after the linearity and symmetry tests.</summary>
    /// <exception cref="SymbolicException">The problem has no inverse or is not square (<see cref="ErrorKind.Invalid"/>),
    /// or its inverse is not linear and symmetric in y (<see cref="ErrorKind.Invalid"/>, naming the test).</exception>
    public InversePreconditioner(IDifferentiableProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        _problem = problem;
        if (!problem.Supported.HasFlag(Capabilities.Inverse) || problem.M != problem.N)
            throw new SymbolicException(ErrorKind.Invalid,
                $"Preconditioning by the inverse simulator needs a square problem with an inverse; this one maps {NumberText.Count(problem.N, "variable")} to {NumberText.Count(problem.M, "output")} and provides {problem.Supported}. Use the default (Jacobi) preconditioner.");
        var n = problem.N;
        (_zero, _offset, _scratch) = (new double[n], new double[n], new double[n]);
        if (!problem.TryInvert(_zero, _zero, _offset))
            throw new SymbolicException(ErrorKind.Invalid, "The inverse simulator found no preimage of y = 0 from x₀ = 0, so it cannot serve as a preconditioner.");
        var random = new Random(20261130);
        double[] Vector() => Enumerable.Range(0, n).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var (u, v) = (Vector(), Vector());
        var (mu, mv, msum) = (new double[n], new double[n], new double[n]);
        Apply(u, mu);
        Apply(v, mv);
        Apply(u.Zip(v, (a, b) => a + b).ToArray(), msum);
        var scale = 1 + mu.Concat(mv).Max(Math.Abs);
        var linear = Enumerable.Range(0, n).All(i => Math.Abs(msum[i] - mu[i] - mv[i]) <= 1e-10 * scale);
        if (!linear)
            throw new SymbolicException(ErrorKind.Invalid, "The inverse simulator is not linear in y (M(u + v) ≠ M u + M v on a random pair), so it is no fixed preconditioner for LSQR; use the default (Jacobi).");
        double uMv = 0, vMu = 0, magnitude = 0;
        for (var i = 0; i < n; i++)
        {
            uMv += u[i] * mv[i];
            vMu += v[i] * mu[i];
            magnitude += Math.Abs(u[i] * mv[i]) + Math.Abs(v[i] * mu[i]);
        }
        if (Math.Abs(uMv - vMu) > 1e-10 * (magnitude + double.Epsilon))
            throw new SymbolicException(ErrorKind.Invalid,
                "The inverse simulator's linear part is not symmetric (uᵀM v ≠ vᵀM u on a random pair); LSQR needs Mᵀ, which the inverse does not offer, so it cannot precondition. Use the default (Jacobi).");
    }

    /// <summary>
    /// The inverse as <see cref="Preconditioning.Auto"/> takes it: for a square compiled problem whose closed-form
    /// inverse is known without a symbolic derivation (given, derived earlier, or a problem above
    /// <see cref="LocalInverse.DeriveUpTo"/> variables, where none is attempted; never solved for numerically,
    /// which could cost more than the solve it would speed up) and passes the linearity and symmetry tests;
    /// otherwise null (the caller's Jacobi scaling, or none). Building it applies the inverse three times.
    /// </summary>
    internal static InversePreconditioner? IfAvailable(IDifferentiableProblem problem)
    {
        // Supported is no test (a compiled problem lists Inverse whether or not it has a closed form);
        // HasInverse is.
        if (problem.M != problem.N) return null;
        // Asking for the inverse derives a pending one only up to LocalInverse.DeriveUpTo variables (a
        // budget of seconds); above that it only binds a given one, or finds none. IsInverseResolved alone
        // would refuse a traced example's given inverse, which its definition binds on first request.
        if ((problem is LimitSettledProblem settled ? settled.Inner : problem) is not CompiledProblem compiled
            || !(compiled.IsInverseResolved || compiled.N > LocalInverse.DeriveUpTo) || !compiled.HasInverse)
            return null;
        try
        {
            return new InversePreconditioner(problem);
        }
        catch (SymbolicException)
        {
            // Not linear, not symmetric, or no preimage of 0 from 0: not a fixed preconditioner.
            return null;
        }
    }

    /// <inheritdoc/>
    public override void Apply(double[] input, double[] output)
    {
        if (!_problem.TryInvert(input, _zero, output))
            throw new SymbolicException(ErrorKind.NonFinite, "The inverse simulator failed on a preconditioner product (a non-finite value).");
        for (var i = 0; i < output.Length; i++) output[i] -= _offset[i];
    }

    /// <inheritdoc/>
    public override void ApplyTranspose(double[] input, double[] output) => Apply(input, output);

    /// <summary>output ← M Mᵀ input = M² input: the symmetric positive definite form CG needs.</summary>
    public void ApplySquare(double[] input, double[] output)
    {
        Apply(input, _scratch);
        Apply(_scratch, output);
    }
}

/// <summary>How the matrix-free Gauss–Newton and Levenberg–Marquardt steps precondition their Krylov solves.</summary>
public enum Preconditioning
{
    /// <summary>For Gauss–Newton's LSQR (and IG's solve of J Δx = Δy): the problem's inverse simulator when it qualifies as
    /// <see cref="Inverse"/> does and is known without further work (a square compiled problem with a given or already
    /// derived closed-form inverse that is linear and symmetric in y, <see cref="InversePreconditioner"/>); else Jacobi
    /// column scaling when m ≥ n (see <see cref="Jacobi"/>); none when m &lt; n, where J cannot have full column rank and a
    /// scaled solve would no longer return the minimum-norm step J⁺∂L/∂y. For Levenberg–Marquardt's CG: the same inverse
    /// M when it qualifies, as P = M Mᵀ (see <see cref="Rules.LevenbergMarquardt"/> for why it fits the damped system), else Jacobi.</summary>
    Auto,
    /// <summary>No preconditioner: plain LSQR and CG.</summary>
    None,
    /// <summary>Jacobi: LSQR on J D with D = diag(1/‖J e_j‖), CG with P = diag(1/(‖J e_j‖² + λd)) (<see cref="ColumnScaling"/>).</summary>
    Jacobi,
    /// <summary>The problem's inverse simulator (square problems whose inverse is linear and symmetric in y; see <see cref="InversePreconditioner"/>).</summary>
    Inverse,
}

/// <summary>P = M Mᵀ = M² for a symmetric <see cref="InversePreconditioner"/> M: the form CG needs (symmetric positive definite when M is nonsingular).</summary>
internal sealed class SquaredInversePreconditioner(InversePreconditioner inverse) : KrylovPreconditioner
{
    public override void Apply(double[] input, double[] output) => inverse.ApplySquare(input, output);

    public override void ApplyTranspose(double[] input, double[] output) => inverse.ApplySquare(input, output);
}
