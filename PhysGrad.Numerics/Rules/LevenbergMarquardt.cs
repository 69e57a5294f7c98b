using System.Globalization;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Levenberg–Marquardt: damped Gauss–Newton. Each step solves (JᵀHJ + λD) p = −Jᵀ∂L/∂y with H = ∂²L/∂y²
/// (for L = ½‖y − y*‖², H = I and this is the textbook (JᵀJ + λD) p = −Jᵀr) and D the running maximum
/// of diag(JᵀHJ) (Moré 1978: the damping then does not depend on the variables' units, so λ is a pure
/// number), floored at 10⁻⁹ of its largest entry. The trial Δx = η p is taken only if L decreases at
/// x + Δx; otherwise λ grows (λ ← νλ, ν ← 2ν) and the system is solved again. After an accepted step λ
/// follows the gain ratio ρ = (L(x) − L(x + Δx)) / (−∇Lᵀ Δx − ½ ΔxᵀJᵀHJΔx): λ ← λ·max(⅓, 1 − (2ρ − 1)³),
/// ν ← 2 (Nielsen 1999; Madsen, Nielsen &amp; Tingleff, Methods for Non-Linear Least Squares Problems,
/// §3.2). After 40 rejections the step is 0 and the fallback <see cref="FallbackKind.StepRejected"/> is
/// recorded. Evaluates L at each trial point; needs y, J and the loss's gradient and Hessian in y;
/// n² memory.
/// <para>
/// Iterative form (above <see cref="SolverLimits.DenseUpTo"/> outputs or variables, or when asked): the
/// same damped system solved by conjugate gradients on products v ↦ Jᵀ H J v + λ d v (J v, Jᵀ w and H w
/// products; nothing of size n² or m·n), to a relative residual of 10⁻¹⁰. diag(JᵀHJ) is not available
/// without n products, so D = d·I with d the running maximum of the Rayleigh quotient gᵀJᵀHJ g / gᵀg along
/// the gradient g = Jᵀ∂L/∂y: λ stays a pure number (the same units argument as Moré's), but the steps
/// differ from the dense form's, which scales each variable by its own diagonal entry.
/// </para>
/// <para>
/// CG's preconditioner (<see cref="Preconditioning"/>; it changes the iteration count, not the step, since
/// CG's stopping test is on the true residual). Under <see cref="Preconditioning.Auto"/>, as for Gauss–Newton's
/// LSQR: the problem's inverse simulator when <see cref="InversePreconditioner"/> finds it usable without further
/// work (square, a known closed-form inverse, linear and symmetric in y), else Jacobi
/// P = diag(1/(‖J e_j‖² + λd)). With the inverse's linear part M (≈ J⁻¹) CG runs with P = M Mᵀ (= M², M being
/// symmetric). That P is a preconditioner of the damped system, not only of JᵀJ: preconditioned CG with
/// P = M Mᵀ on A p = b takes the iterates p = M z of plain CG on Mᵀ A M z = Mᵀ b (Saad, Iterative Methods
/// for Sparse Linear Systems, 2nd ed., §9.2.1), and for H = I, A = JᵀJ + μI (μ = λd), Mᵀ A M is the
/// normal matrix of the augmented least-squares problem min_z ‖[J; √μ I] M z − [−∂L/∂y; 0]‖: the same iterates
/// as LSQR on [J; √μ I] right-preconditioned by M, as Gauss–Newton solves (LSQR is CG on the normal equations
/// in exact arithmetic; Paige &amp; Saunders 1982, §3). CG is kept rather than LSQR on the augmented operator
/// because it serves any loss (H ≠ I would need H^½ there). The damping shows in the preconditioned
/// spectrum MᵀJᵀJM + μMᵀM: with M ≈ J⁻¹ it is ≈ I + μ(JᵀJ)⁻¹, well conditioned once μ is below J's
/// smallest squared singular values, and in general of condition at most (‖J M‖² + μ‖M‖²)/σ_min(J M)².
/// For heat1d-inverse (J and M circulant, per Fourier mode j²b² + μb² with j = a⁴, j b = (1 − (1 − a)⁶)⁴,
/// a ∈ [0.2, 1]) the condition is 34 at μ = 10⁻³ and 2–11.4 for μ ≤ 3·10⁻⁴, against 10³ to 3.9·10⁵ for
/// JᵀJ + μI itself (Jacobi is a multiple of I there). A solve with the inverse that does not converge
/// (a singular M, which its construction's tests cannot exclude, makes P r = 0 for some r ≠ 0 and ends CG as
/// at zero curvature) is done again with Jacobi, which serves the rest of the run, and noted.
/// </para>
/// </summary>
public sealed class LevenbergMarquardt : RuleBase
{
    /// <summary>Levenberg–Marquardt with step size η and initial damping λ₀ (positive, finite).</summary>
    /// <exception cref="Symbolic.SymbolicException">η or λ₀ out of range.</exception>
    public LevenbergMarquardt(double eta, double lambda0 = 1e-3) : this(eta, lambda0, LinearSolver.Auto)
    {
    }

    /// <summary>Levenberg–Marquardt with step size η, initial damping λ₀ and a linear solver (dense, iterative or by size).</summary>
    /// <exception cref="Symbolic.SymbolicException">η or λ₀ out of range.</exception>
    public LevenbergMarquardt(double eta, double lambda0, LinearSolver solver) : this(eta, lambda0, solver, Preconditioning.Auto)
    {
    }

    /// <summary>
    /// Levenberg–Marquardt with step size η, initial damping λ₀, a linear solver and the preconditioning of
    /// the iterative form's CG (by default the inverse simulator's P = M Mᵀ when the problem offers a usable
    /// one, else Jacobi P = diag(1/(‖J e_j‖² + λd)); see the class and <see cref="InversePreconditioner"/>).
    /// The preconditioner changes CG's iteration count, not the step: the stopping test is on the true residual.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">η or λ₀ out of range; at the start of an iterative run,
    /// <see cref="Preconditioning.Inverse"/> on a problem whose inverse does not qualify (as <see cref="InversePreconditioner"/> says why).</exception>
    public LevenbergMarquardt(double eta, double lambda0, LinearSolver solver, Preconditioning preconditioning)
        : base("lm", eta,
            solver == LinearSolver.Iterative ? SolverLimits.ProductNeeds : InverseGradient.Needed)
    {
        Solver = solver;
        Preconditioning = preconditioning;
        if (!(lambda0 > 0) || !double.IsFinite(lambda0))
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, $"Levenberg–Marquardt's λ₀ must be positive and finite, not {lambda0}.");
        Lambda0 = lambda0;
    }

    /// <summary>λ₀, the damping of the first step (relative to D = diag(JᵀHJ)).</summary>
    public double Lambda0 { get; }

    /// <summary>The most rejected trials in one step before it gives up with Δx = 0.</summary>
    public const int MaxRejections = 40;

    /// <summary>How the damped system is solved.</summary>
    public LinearSolver Solver { get; }

    /// <summary>How the iterative form preconditions CG (no effect on the dense form).</summary>
    public Preconditioning Preconditioning { get; }

    /// <inheritdoc/>
    public override string? SizeRefusal(int outputs, int variables) => SolverLimits.DenseRefusal(Name, Solver, outputs, variables);

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) =>
        SolverLimits.Iterative(Solver, problem, SolverLimits.ProductNeeds) ? new IterativeState(problem, this) : new State(problem, this);

    /// <summary>
    /// λ and ν through a run, and the verdict on each trial step (shared by both forms, which differ only in
    /// how they solve the damped system): accept it (λ follows the gain ratio), settle the step at 0 (at L's
    /// rounding level, or no damping left to try), or grow λ and try again.
    /// </summary>
    private sealed class Damping(LevenbergMarquardt rule)
    {
        private double _nu = 2;

        /// <summary>The damping λ of the next trial.</summary>
        public double Lambda { get; private set; } = rule.Lambda0;

        /// <summary>Why the last step was 0 at rounding level, or null.</summary>
        public string? Rounding { get; set; }

        /// <summary>
        /// The verdict on a solved trial Δx = η p (in <paramref name="dx"/>) with the actual and predicted decreases
        /// of L: true when the step is settled (taken, or 0 with its reason or fallback noted), false when it was
        /// rejected above rounding level and λ must grow (<see cref="Grow"/>).
        /// </summary>
        public bool Settled(double actual, double predicted, int attempt, double loss, double[] y, double[] lossGradientY, double typical,
            double[] x, double[] dx, FallbackNotes notes)
        {
            if (actual > 0)
            {
                // Nielsen's update after an accepted step: λ ← λ·max(⅓, 1 − (2ρ − 1)³), ν ← 2.
                var rho = predicted > 0 ? actual / predicted : 0;
                Lambda *= rho > 0 ? Math.Max(1.0 / 3, 1 - Math.Pow(2 * rho - 1, 3)) : 1;
                _nu = 2;
                return true;
            }
            Rounding = BelowRounding(rule.Eta, predicted, loss, y, lossGradientY, typical, attempt, out var below);
            if (Rounding is not null) Array.Clear(dx);
            else if (below) GiveUp(x, dx, notes, belowRounding: true);
            return Rounding is not null || below;
        }

        /// <summary>λ's growth after a rejected trial, λ ← νλ and ν ← 2ν; false once λ is no longer finite, when
        /// there is no larger damping left to try.</summary>
        public bool Grow()
        {
            Lambda *= _nu;
            _nu *= 2;
            return double.IsFinite(Lambda);
        }

        /// <summary>The end of a step that no damping made descend: Δx = 0, the fallback noted with the last λ
        /// tried, and the next step (if any) starts from a moderate damping again. <paramref name="belowRounding"/>:
        /// it ended early because the last trial's predicted decrease was below L's rounding level, which a
        /// larger λ only lowers further.</summary>
        public void GiveUp(double[] x, double[] dx, FallbackNotes notes, bool belowRounding = false)
        {
            Array.Clear(dx);
            notes.Note(FallbackKind.StepRejected,
                $"no damping up to λ = {NumberText.Short(Lambda, 3)} gave a decrease of L at {RuleState.Point(x)}" +
                (belowRounding ? " (a larger λ would predict a decrease below L's rounding level)" : "") + "; the step is 0");
            (Lambda, _nu) = (rule.Lambda0, 2);
        }
    }

    /// <summary>
    /// What a rejected trial means at rounding level: null when the trial's predicted
    /// decrease is above L's rounding level (<see cref="Rounding.OfLoss"/>: reject and grow λ as usual);
    /// otherwise no larger λ can help, since for η ≤ 1 the predicted decrease is positive and falls as λ
    /// grows (per eigencomponent of JᵀHJ with eigenvalue σ and u = 1/(σ + λd) ≤ 1/σ it is
    /// b²(ηu − ½η²σu²), whose derivative in u, η(1 − ησu), is ≥ 0). At the step's first trial that is the
    /// rounding-level stop (the text, and the step 0); at a later one the step gives up. For η &gt; 1 the
    /// prediction is not monotone in λ and can vanish by cancellation (η = 2 on a quadratic: the step to the
    /// mirror point, of equal L), so it says nothing about rounding: no stop.
    /// </summary>
    private static string? BelowRounding(double eta, double predicted, double loss, double[] y, double[] lossGradientY, double typical, int attempt, out bool stop)
    {
        var level = Rounding.OfLoss(loss, y, lossGradientY, typical);
        stop = eta <= 1 && predicted <= level;
        return stop && attempt == 0
            ? $"lm's step is 0: the decrease of L its model predicts ({NumberText.Short(predicted, 3)}) is below L's rounding level 4ε(|L| + ‖∂L/∂y‖·max{{‖y‖, ‖y₀‖}}) = {NumberText.Short(level, 3)}"
            : null;
    }

    private sealed class IterativeState : ProductState
    {
        // The gain ratio compares losses.
        protected override bool ReadsLoss => true;

        private readonly LevenbergMarquardt _rule;
        private readonly Damping _damping;
        // P = M Mᵀ from the inverse simulator M (see the class), or null; cleared for the rest of the run after
        // a solve with it failed.
        private KrylovPreconditioner? _inverse;
        // Jacobi P = diag(1/(‖J e_j‖² + λd)): the default without a usable inverse, and the fallback after one
        // failed. CG on JᵀHJ + λdI is square and symmetric, so (unlike LSQR's minimum-norm answer) any SPD
        // preconditioner leaves the solution as it is, for m < n too.
        private ColumnScaling? _scaling;
        private DiagonalPreconditioner? _jacobi;
        private readonly KrylovWorkspace _work;
        private readonly double[] _b, _p, _trial, _jv, _hjv, _av;
        private double _scale, _shift;
        private LinearMap? _normal;
        private InnerSolve? _last;

        public IterativeState(IDifferentiableProblem problem, LevenbergMarquardt rule) : base(problem)
        {
            (_rule, _damping) = (rule, new Damping(rule));
            var inverse = rule.Preconditioning switch
            {
                Preconditioning.Inverse => new InversePreconditioner(problem),
                Preconditioning.Auto => InversePreconditioner.IfAvailable(problem),
                _ => null,
            };
            if (inverse is not null) _inverse = new SquaredInversePreconditioner(inverse);
            else if (rule.Preconditioning is Preconditioning.Auto or Preconditioning.Jacobi)
                (_scaling, _jacobi) = (new ColumnScaling(problem), new DiagonalPreconditioner(problem.N));
            _work = new(problem.N, problem.N);
            (_b, _p, _trial, _av) = (new double[problem.N], new double[problem.N], new double[problem.N], new double[problem.N]);
            (_jv, _hjv) = (new double[problem.M], new double[problem.M]);
        }

        /// <summary>CG's iterations in the last solve.</summary>
        public int LastIterations { get; private set; }

        public override InnerSolve? LastSolve => _last;

        public override string? AtRoundingLevel => _damping.Rounding;

        // v ↦ JᵀHJ v (+ λ d v inside the solve).
        private void Normal(double[] v, double[] result)
        {
            ApplyJ(v, _jv);
            ApplyLossHessianY(_jv, _hjv);
            ApplyJT(_hjv, result);
        }

        // CG on (JᵀHJ + shift·I) p = b with the given preconditioner. The floor stops CG where its residual is
        // rounding (near the optimum 10⁻¹⁰·‖b‖ may be below it).
        private KrylovResult Cg(KrylovPreconditioner? preconditioner) =>
            Krylov.ConjugateGradient(N, _normal!, _b, _p, _work, tolerance: 1e-10, preconditioner: preconditioner, roundingFloor: true);

        // The solve of one trial: with the inverse while it serves, else Jacobi (or nothing, as asked).
        private KrylovResult Solve(double[] x, FallbackNotes notes, ref int iterations, ref int solves)
        {
            if (_inverse is not null)
            {
                var first = Cg(_inverse);
                (iterations, solves) = (iterations + first.Iterations, solves + 1);
                if (first.Converged) return first;
                // With a positive shift and H ⪰ 0 the system is positive definite, so a CG that fails with
                // P = M Mᵀ points at M (singular: P r = 0 for a nonzero r ends CG as at zero curvature), which
                // the construction's tests cannot exclude. Jacobi from here on.
                _inverse = null;
                (_scaling, _jacobi) = (new ColumnScaling(Problem), new DiagonalPreconditioner(N));
                _scaling.Compute(x, SparseJacobian);
                notes.Note(FallbackKind.IterativeSolveIncomplete,
                    $"CG on the damped system preconditioned by the inverse simulator stopped without solving it, at {(first.Exit == KrylovExit.IterationLimit ? "its iteration limit" : "a direction of zero or negative curvature")} after {NumberText.Count(first.Iterations, "iteration")} (residual {NumberText.Short(first.Residual, 3)}) at {Point(x)}; solved again with Jacobi scaling, used for the rest of the run");
            }
            _scaling?.ToCg(_jacobi!, _shift);
            var result = Cg(_jacobi);
            (iterations, solves) = (iterations + result.Iterations, solves + 1);
            return result;
        }

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            At(x);
            int n = N;
            Array.Clear(dx);
            _last = null;
            if ((_damping.Rounding = LossGradientAtRounding("lm", x)) is not null) return;
            ApplyJT(LossGradientY, _b);
            double bb = 0;
            for (var i = 0; i < n; i++) { _b[i] = -_b[i]; bb += _b[i] * _b[i]; }
            if (bb == 0) return; // stationary: the run classifies the point
            Normal(_b, _av);
            double bAb = 0;
            for (var i = 0; i < n; i++) bAb += _b[i] * _av[i];
            _scale = Math.Max(_scale, bAb / bb);
            var d = _scale > 0 ? _scale : 1.0;
            _normal ??= (v, result) =>
            {
                Normal(v, result);
                for (var i = 0; i < v.Length; i++) result[i] += _shift * v[i];
            };
            _scaling?.Compute(x, SparseJacobian);
            var (iterations, solves) = (0, 0);
            for (var attempt = 0; attempt < MaxRejections; attempt++)
            {
                _shift = _damping.Lambda * d;
                var solve = Solve(x, notes, ref iterations, ref solves);
                LastIterations = solve.Iterations;
                _last = new InnerSolve("CG", iterations, solve.Residual, 1e-10 * Math.Sqrt(bb), solve.Exit) { Solves = solves };
                // At the iteration limit (not at negative curvature, which a positive damping rules out
                // for a convex loss) the CG iterate still descends: take it, and say so.
                var limited = solve.Exit == KrylovExit.IterationLimit;
                if (limited)
                    notes.Note(FallbackKind.IterativeSolveIncomplete,
                        $"CG on the damped system stopped at its limit of {NumberText.Count(solve.Iterations, "iteration")} (residual {NumberText.Short(solve.Residual, 3)}); took its last iterate");
                if (solve.Converged || limited)
                {
                    var slope = TrialStep(_rule.Eta, x, _p, _b, dx, _trial);
                    Normal(dx, _av);
                    if (_damping.Settled(loss - Problem.Value(_trial), -slope - 0.5 * RuleChecks.Dot(dx, _av), attempt, loss, Y, LossGradientY, StartOutputScale, x, dx, notes))
                        return;
                }
                if (!_damping.Grow()) break;
            }
            _damping.GiveUp(x, dx, notes);
        }
    }

    /// <summary>Δx = η p into <paramref name="dx"/> and x + Δx into <paramref name="trial"/>; returns ∇L·Δx = −bᵀΔx (b = −∇L).</summary>
    private static double TrialStep(double eta, double[] x, double[] p, double[] b, double[] dx, double[] trial)
    {
        double slope = 0;
        for (var i = 0; i < x.Length; i++)
        {
            dx[i] = eta * p[i];
            trial[i] = x[i] + dx[i];
            slope -= b[i] * dx[i];
        }
        return slope;
    }

    private sealed class State(IDifferentiableProblem problem, LevenbergMarquardt rule) : JacobianState(problem, lossHessian: true)
    {
        // The gain ratio compares losses.
        protected override bool ReadsLoss => true;

        private readonly double[] _a = new double[problem.N * problem.N], _system = new double[problem.N * problem.N];
        private readonly double[] _workspace = new double[problem.N * problem.N];
        private readonly double[] _hj = new double[problem.M * problem.N];
        private readonly double[] _b = new double[problem.N], _p = new double[problem.N], _d = new double[problem.N];
        private readonly double[] _trial = new double[problem.N], _ad = new double[problem.N];
        private readonly Damping _damping = new(rule);

        public override string? AtRoundingLevel => _damping.Rounding;

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            Array.Clear(dx);
            if ((_damping.Rounding = LossGradientAtRounding("lm", x)) is not null) return;
            // b = −Jᵀ ∂L/∂y (= −∇L), A = Jᵀ H J.
            var zero = true;
            for (var c = 0; c < n; c++)
            {
                double s = 0;
                for (var r = 0; r < m; r++) s += J[r * n + c] * LossGradientY[r];
                _b[c] = -s;
                zero &= s == 0;
            }
            if (zero) return; // stationary: the run classifies the point
            for (var r = 0; r < m; r++)
                for (var c = 0; c < n; c++)
                {
                    double s = 0;
                    for (var k = 0; k < m; k++) s += LossHessianY[r * m + k] * J[k * n + c];
                    _hj[r * n + c] = s;
                }
            double largest = 0;
            for (var i = 0; i < n; i++)
                for (var c = 0; c < n; c++)
                {
                    double s = 0;
                    for (var r = 0; r < m; r++) s += J[r * n + i] * _hj[r * n + c];
                    _a[i * n + c] = s;
                }
            for (var i = 0; i < n; i++)
            {
                _d[i] = Math.Max(_d[i], _a[i * n + i]);
                largest = Math.Max(largest, _d[i]);
            }
            var floor = largest > 0 ? 1e-9 * largest : 1.0;
            for (var attempt = 0; attempt < MaxRejections; attempt++)
            {
                Array.Copy(_a, _system, n * n);
                for (var i = 0; i < n; i++) _system[i * n + i] += _damping.Lambda * Math.Max(_d[i], floor);
                if (LinearAlgebra.Solve(_system, _b, _p, _workspace).Ok)
                {
                    var slope = TrialStep(rule.Eta, x, _p, _b, dx, _trial);
                    for (var i = 0; i < n; i++)
                    {
                        double s = 0;
                        for (var c = 0; c < n; c++) s += _a[i * n + c] * dx[c];
                        _ad[i] = s;
                    }
                    if (_damping.Settled(loss - Problem.Value(_trial), -slope - 0.5 * RuleChecks.Dot(dx, _ad), attempt, loss, Y, LossGradientY, StartOutputScale, x, dx, notes))
                        return;
                }
                if (!_damping.Grow()) break;
            }
            _damping.GiveUp(x, dx, notes);
        }
    }
}
