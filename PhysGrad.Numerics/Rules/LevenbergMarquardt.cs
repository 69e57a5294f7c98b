using System.Globalization;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Levenberg–Marquardt: damped Gauss–Newton. Each step solves (JᵀHJ + λD) p = −Jᵀ∂L/∂y with H = ∂²L/∂y²
/// (for L = ½‖y − y*‖², H = I and this is the textbook (JᵀJ + λD) p = −Jᵀr) and D the running maximum
/// of diag(JᵀHJ) (Moré 1978; Nocedal &amp; Wright, Numerical Optimization, 2nd ed., §10.3: the damping then
/// does not depend on the variables' units, so λ is a pure number); only an entry without curvature above
/// its rounding so far (a variable that does not move y) takes 10⁻⁹ of the largest. The trial Δx = η p is taken only if L decreases at
/// x + Δx; otherwise λ grows (λ ← νλ, ν ← 2ν) and the system is solved again. After an accepted step λ
/// follows the gain ratio ρ = (L(x) − L(x + Δx)) / (−∇Lᵀ Δx − ½ ΔxᵀJᵀHJΔx): λ ← λ·max(⅓, 1 − (2ρ − 1)³),
/// ν ← 2 (Nielsen 1999; Madsen, Nielsen &amp; Tingleff, Methods for Non-Linear Least Squares Problems,
/// §3.2). After 40 rejections the step is 0 and the fallback <see cref="FallbackKind.StepRejected"/> is
/// recorded. A trial whose predicted decrease is below L's rounding level stops the run at rounding level
/// only where the undamped (Gauss–Newton) model predicts no more; otherwise the damping, not the point, made
/// the prediction vanish, λ is lowered towards the curvature and the step solved again, and a step that
/// still cannot move is a stall (<see cref="RuleState.Stalled"/>), never a minimum. Evaluates L at each
/// trial point; needs y, J and the loss's gradient and Hessian in y; n² memory.
/// <para>
/// Residual form (dense, for L = ½‖y − y*‖², <see cref="IDifferentiableProblem.LossIsHalfSquaredResidual"/>): the same damped
/// step from a QR factorisation of [J; √λD] (Moré 1978), never forming JᵀJ, with D J's column norms and every decrease relative
/// to L, so that it runs where L underflows; and the step bends along the geodesic (Transtrum &amp; Sethna 2012), see
/// <c>FromResiduals</c> and <c>ResidualForm.Accelerate</c>.
/// </para>
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
    /// <summary>The default first damping λ₀ = 10⁻³ (relative to D = diag JᵀHJ).</summary>
    public const double DefaultLambda0 = 1e-3;

    /// <summary>Levenberg–Marquardt with step size η and initial damping λ₀ (positive, finite).</summary>
    /// <exception cref="Symbolic.SymbolicException">η or λ₀ out of range.</exception>
    public LevenbergMarquardt(double eta, double lambda0 = DefaultLambda0) : this(eta, lambda0, LinearSolver.Auto)
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
        if (OptionRanges.Damping("the option lambda0 (λ₀, the first step's damping)", lambda0, DefaultLambda0) is { } wrong)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, wrong);
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

    /// <summary>What <see cref="Damping.Judge"/> makes of a solved trial.</summary>
    private enum Verdict
    {
        /// <summary>The step is settled: taken, or 0 with its reason or fallback noted.</summary>
        Settled,

        /// <summary>Rejected above rounding level: λ grows (<see cref="Damping.Grow"/>) and the system is solved again.</summary>
        Grow,

        /// <summary>λ was lowered (the damping, not the point, made the predicted decrease vanish): solve again.</summary>
        Retry,
    }

    /// <summary>
    /// λ and ν through a run, and the verdict on each trial step (shared by both forms, which differ only in
    /// how they solve the damped system): accept it (λ follows the gain ratio), settle the step at 0 (at L's
    /// rounding level, or no damping left to try), grow λ and try again, or — where the damped model's
    /// predicted decrease is below rounding only because the damping outweighs the curvature — lower λ and try
    /// again. <paramref name="undamped"/> gives the decrease of L that the undamped (Gauss–Newton) model predicts
    /// for its own step at the current point (the dense form solves with λ = <see cref="UndampedLambda"/>, the
    /// matrix-free one runs CG without a shift; either way a lower bound of the undamped model's best decrease,
    /// since it is that model's value at one step).
    /// </summary>
    private sealed class Damping(LevenbergMarquardt rule, Func<double> undamped)
    {
        private double _nu = 2;

        // λ lowerings in the current step, and whether the last trial came right after one.
        private int _lowered;
        private bool _afterLowering;

        /// <summary>The damping λ of the next trial.</summary>
        public double Lambda { get; private set; } = rule.Lambda0;

        /// <summary>Why the last step was 0 at rounding level, or null.</summary>
        public string? Rounding { get; set; }

        /// <summary>Why the last step was 0 although the undamped model predicts a decrease above rounding, or null.</summary>
        public string? Stalled { get; private set; }

        /// <summary>Starts a step: clears the last step's reasons and lowerings.</summary>
        public void Begin()
        {
            (Rounding, Stalled) = (null, null);
            (_lowered, _afterLowering) = (0, false);
        }

        /// <summary>
        /// The verdict on a solved trial Δx = η p (in <paramref name="dx"/>) with the actual and predicted decreases
        /// of L. A predicted decrease below L's rounding level settles the step at 0 only where the undamped model
        /// agrees (at the step's first trial: the rounding-level stop; after λ grew in this step: no larger λ can
        /// help). Where the undamped model still predicts a decrease above rounding, the damping λD, not the point,
        /// made the prediction vanish: λ is lowered towards the curvature (at most <see cref="MaxLowerings"/> times a
        /// step) and the trial solved again; if that cannot help, the step is 0 and <see cref="Stalled"/> says why.
        /// Why a larger λ cannot help once the prediction is below rounding: for η ≤ 1 the predicted decrease is
        /// positive and falls as λ grows (per eigencomponent of JᵀHJ with eigenvalue σ and u = 1/(σ + λd) ≤ 1/σ it
        /// is b²(ηu − ½η²σu²), whose derivative in u, η(1 − ησu), is ≥ 0). The same formula shows why the damped
        /// prediction alone is no verdict: with λd ≫ σ it is ≈ ηb²/(λd), as small as λ makes it, where the
        /// undamped one, b²(η − ½η²)/σ, is not (1E8·x0; 1E-8·x1 from 0 towards (1, 1) was called a minimum at
        /// L = 0.5 when D's floor made λd = 10⁴ against σ = 10⁻¹⁶). The decreases and L's rounding level `level` come in one
        /// unit, `unit` of L (1, or L itself where the residual form passes them relative to L), which only the texts read.
        /// </summary>
        public Verdict Judge(double actual, double predicted, double level, double unit, int attempt, double[] x, double[] dx, FallbackNotes notes)
        {
            var first = attempt == 0 || _afterLowering;
            _afterLowering = false;
            if (actual > 0)
            {
                // Nielsen's update after an accepted step: λ ← λ·max(⅓, 1 − (2ρ − 1)³), ν ← 2.
                var rho = predicted > 0 ? actual / predicted : 0;
                Lambda *= rho > 0 ? Math.Max(1.0 / 3, 1 - Math.Pow(2 * rho - 1, 3)) : 1;
                _nu = 2;
                return Verdict.Settled;
            }
            // For η > 1 the prediction is not monotone in λ and can vanish by cancellation (η = 2 on a quadratic:
            // the step to the mirror point, of equal L), so it says nothing about rounding: reject as usual.
            if (!(rule.Eta <= 1 && predicted <= level)) return Verdict.Grow;
            if (!first)
            {
                // λ grew in this step from trials that rejected: a larger λ only lowers the prediction further.
                GiveUp(x, dx, notes, belowRounding: true);
                return Verdict.Settled;
            }
            var model = undamped();
            if (!(model > level))
            {
                Array.Clear(dx);
                Rounding = $"lm's step is 0: the decrease of L its model predicts ({NumberText.Short(predicted * unit, 3)}), undamped too ({NumberText.Short(Math.Max(model, 0) * unit, 3)}), is below L's rounding level {Numerics.Rules.Rounding.LossLevelText} = {NumberText.Short(level * unit, 3)}";
                return Verdict.Settled;
            }
            // The damping outweighs the curvature: per eigencomponent the damped prediction is about 2σ/(λd) of the
            // undamped one where λd ≫ σ, so λ times their ratio brings λd down to the curvature σ.
            var lowered = Math.Max(Lambda * Math.Max(predicted, 0) / model, UndampedLambda);
            if (_lowered < MaxLowerings && lowered < Lambda)
            {
                (Lambda, _nu) = (lowered, 2);
                _lowered++;
                _afterLowering = true;
                return Verdict.Retry;
            }
            // No fallback note: the run stops on this step (Optimizer's Stalled), and its stop says it.
            Array.Clear(dx);
            Stalled = $"lm's step is 0: with damping λ = {NumberText.Short(Lambda, 3)} (relative to D) its model predicts a decrease of L of {NumberText.Short(predicted * unit, 3)}, below L's rounding level {NumberText.Short(level * unit, 3)}, while the undamped Gauss–Newton model predicts {NumberText.Short(model * unit, 3)}: the damping λD outweighs the curvature JᵀHJ along the step, so this is no minimum";
            (Lambda, _nu) = (rule.Lambda0, 2);
            return Verdict.Settled;
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
    /// The damping of the nearly undamped solve that <see cref="Damping"/> compares against (relative to D):
    /// small enough that its step's predicted decrease is the Gauss–Newton model's along every direction whose
    /// curvature is above 10⁻¹⁰ of D's, large enough that the system stays solvable where JᵀHJ is singular.
    /// Also the floor of a lowered λ.
    /// </summary>
    private const double UndampedLambda = 1e-10;

    /// <summary>The most times one step lowers λ because the damping, not the point, made its predicted decrease vanish.</summary>
    private const int MaxLowerings = 3;

    /// <summary>
    /// The decrease of L that the Gauss–Newton model L(x) + ∇LᵀΔx + ½ΔxᵀAΔx predicts for Δx = η p:
    /// η bᵀp − ½η² pᵀAp, with b = −∇L and <paramref name="ap"/> = A p (A = JᵀHJ).
    /// </summary>
    private static double ModelDecrease(double eta, double[] b, double[] p, double[] ap) =>
        eta * RuleChecks.Dot(b, p) - 0.5 * eta * eta * RuleChecks.Dot(p, ap);

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
        private readonly double[] _b, _p, _q, _trial, _jv, _hjv, _av;
        private double _scale, _shift;
        private LinearMap? _normal;
        private InnerSolve? _last;

        public IterativeState(IDifferentiableProblem problem, LevenbergMarquardt rule) : base(problem)
        {
            (_rule, _damping) = (rule, new Damping(rule, Undamped));
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
            (_b, _p, _q, _trial, _av) = (new double[problem.N], new double[problem.N], new double[problem.N], new double[problem.N], new double[problem.N]);
            (_jv, _hjv) = (new double[problem.M], new double[problem.M]);
        }

        /// <summary>CG's iterations in the last solve.</summary>
        public int LastIterations { get; private set; }

        public override InnerSolve? LastSolve => _last;

        public override string? AtRoundingLevel => _damping.Rounding;

        public override string? Stalled => _damping.Stalled;

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
            _damping.Begin();
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
                    var verdict = _damping.Judge(loss - Problem.Value(_trial), -slope - 0.5 * RuleChecks.Dot(dx, _av),
                        Numerics.Rules.Rounding.OfLoss(loss, Y, LossGradientY, OutputScale), 1, attempt, x, dx, notes);
                    if (verdict == Verdict.Settled) return;
                    if (verdict == Verdict.Retry) continue;
                }
                if (!_damping.Grow()) break;
            }
            _damping.GiveUp(x, dx, notes);
        }

        // The decrease the undamped model predicts for its own step (Damping): CG on JᵀHJ q = b, without the
        // shift (a multiple of d·I, the largest curvature's scale, would still outweigh a small curvature). Any
        // CG iterate serves (CG lowers the model at each iteration, from q = 0), so its exit does not matter.
        private double Undamped()
        {
            var damped = _shift;
            _shift = 0;
            KrylovPreconditioner? preconditioner = _inverse;
            if (preconditioner is null && _jacobi is not null)
            {
                _scaling?.ToCg(_jacobi, _shift);
                preconditioner = _jacobi;
            }
            Krylov.ConjugateGradient(N, _normal!, _b, _q, _work, tolerance: 1e-10, preconditioner: preconditioner, roundingFloor: true);
            _shift = damped;
            Normal(_q, _av);
            return ModelDecrease(_rule.Eta, _b, _q, _av);
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

    private sealed class State : JacobianState
    {
        // The gain ratio compares losses; the residual form's compares ‖r‖, so it runs where L overflows (½(1E+200)²).
        protected override bool ReadsLoss => _residuals is null;

        private readonly LevenbergMarquardt _rule;
        private readonly double[] _a, _system, _workspace, _hj;
        // _d: D's running maximum (0 for a variable without curvature at rounding level so far); _scales: D with
        // those zeros floored, as this step's systems use it.
        private readonly double[] _b, _p, _q, _d, _scales, _trial, _ad;
        private readonly Damping _damping;

        public State(IDifferentiableProblem problem, LevenbergMarquardt rule) : base(problem, lossHessian: true)
        {
            var (n, m) = (problem.N, problem.M);
            _rule = rule;
            (_a, _system, _workspace, _hj) = (new double[n * n], new double[n * n], new double[n * n], new double[m * n]);
            (_b, _p, _q, _d, _scales, _trial, _ad) = (new double[n], new double[n], new double[n], new double[n], new double[n], new double[n], new double[n]);
            _damping = new Damping(rule, Undamped);
            if (problem.LossIsHalfSquaredResidual)
                _residuals = new(n, m);
        }

        // The residual form's arrays (L = ½‖y − y*‖²), or null: the normal equations JᵀHJ serve any other loss.
        private readonly ResidualForm? _residuals;

        public override string? AtRoundingLevel => _damping.Rounding;

        public override string? Stalled => _damping.Stalled;

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            Array.Clear(dx);
            _damping.Begin();
            if ((_damping.Rounding = LossGradientAtRounding("lm", x)) is not null) return;
            if (_residuals is { } form)
            {
                FromResiduals(form, x, dx, notes);
                return;
            }
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
            for (var i = 0; i < n; i++)
                for (var c = 0; c < n; c++)
                {
                    double s = 0;
                    for (var r = 0; r < m; r++) s += J[r * n + i] * _hj[r * n + c];
                    _a[i * n + c] = s;
                }
            MarquardtScales();
            for (var attempt = 0; attempt < MaxRejections; attempt++)
            {
                if (Solve(_damping.Lambda, _p))
                {
                    var slope = TrialStep(_rule.Eta, x, _p, _b, dx, _trial);
                    Multiply(dx, _ad);
                    var verdict = _damping.Judge(loss - Problem.Value(_trial), -slope - 0.5 * RuleChecks.Dot(dx, _ad),
                        Numerics.Rules.Rounding.OfLoss(loss, Y, LossGradientY, OutputScale), 1, attempt, x, dx, notes);
                    if (verdict == Verdict.Settled) return;
                    if (verdict == Verdict.Retry) continue;
                }
                if (!_damping.Grow()) break;
            }
            _damping.GiveUp(x, dx, notes);
        }

        // D: the running maximum of diag(JᵀHJ) (Moré 1978), each entry counted only above the rounding of its own
        // sum (m + 2)·4ε·Σᵣ|Jᵣᵢ|·|(HJ)ᵣᵢ| (for H = I a sum of squares, counted whenever it is not 0). An entry with
        // no curvature so far (a variable that does not move y, to rounding) takes 10⁻⁹ of D's largest (1 if
        // all are 0): there is nothing of its own to scale by. Entries are never floored against each other
        // otherwise: a floor relative to the largest entry (as before) damped x1 of 1E8·x0; 1E-8·x1 with
        // λ·10⁷ against its curvature 10⁻¹⁶, and the run stopped at L = 0.5.
        private void MarquardtScales()
        {
            int n = N, m = M;
            double largest = 0;
            for (var i = 0; i < n; i++)
            {
                double bound = 0;
                for (var r = 0; r < m; r++) bound += Math.Abs(J[r * n + i] * _hj[r * n + i]);
                var diagonal = _a[i * n + i];
                if (diagonal > (m + 2) * Krylov.RoundingFactor * Krylov.Epsilon * bound) _d[i] = Math.Max(_d[i], diagonal);
                largest = Math.Max(largest, _d[i]);
            }
            var floor = largest > 0 ? 1e-9 * largest : 1.0;
            for (var i = 0; i < n; i++) _scales[i] = _d[i] > 0 ? _d[i] : floor;
        }

        // (JᵀHJ + λD) p = b; false where it is singular to the solver.
        private bool Solve(double lambda, double[] p)
        {
            var n = N;
            Array.Copy(_a, _system, n * n);
            for (var i = 0; i < n; i++) _system[i * n + i] += lambda * _scales[i];
            return LinearAlgebra.Solve(_system, _b, p, _workspace).Ok;
        }

        // result = JᵀHJ v.
        private void Multiply(double[] v, double[] result)
        {
            var n = N;
            for (var i = 0; i < n; i++)
            {
                double s = 0;
                for (var c = 0; c < n; c++) s += _a[i * n + c] * v[c];
                result[i] = s;
            }
        }

        /// <summary>
        /// One step of the residual form (L = ½‖r‖², r = y − y*; Moré 1978, as MINPACK's lmder): the damped step p solves the
        /// least-squares problem min ‖J p + r‖² + λ‖D p‖² by a QR factorisation of [J; √λ D] (MathNet's Householder QR),
        /// never forming JᵀJ, whose condition is J's squared (the badly scaled Rosenbrock `1e4*(x1 - x0^2); 1e-4*(1 - x0)` has
        /// cond(J) ≈ 7E+08 at its start: JᵀJ = [[5.76E+08 + 1E-08, 2.4E+08], [2.4E+08, 1E+08]] loses its small eigenvalue
        /// to rounding, and lm crawled along the valley to its iteration limit). D's entries are J's column norms (their
        /// running maximum), so λD² is the normal form's λ·diag(JᵀJ) and λ keeps its meaning. J and r enter divided by their
        /// own sizes (max |Jᵢⱼ| and ‖r‖), and the decreases are relative to L: the actual one 1 − (‖r(x + Δx)‖/‖r‖)², the
        /// predicted one 2η(‖u‖² + λ‖D̂p̂‖²) − η²‖u‖² with u = J p/‖r‖ (MINPACK's form, without cancellation since
        /// −r̂ᵀu = ‖u‖² + λ‖D̂p̂‖² at the least-squares solution). Nothing of the size of L or JᵀJ is formed, so the step works
        /// where L underflows while r does not (outputs of size 1E-170: L ≈ 1E-340 is 0 or subnormal, and so are ∇L and JᵀJ).
        /// </summary>
        private void FromResiduals(ResidualForm form, double[] x, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            var r = LossGradientY;
            form.Size = CompiledProblem.Norm(r, m);
            double jMax = 0;
            for (var k = 0; k < m * n; k++) jMax = Math.Max(jMax, Math.Abs(J[k]));
            if (form.Size == 0 || jMax == 0) return; // stationary: the run classifies the point
            form.Ratio = form.Size / jMax;
            for (var k = 0; k < m * n; k++) form.J[k] = J[k] / jMax;
            for (var i = 0; i < m; i++) form.R[i] = r[i] / form.Size;
            // −Ĵᵀr̂, in units where ∇L's underflow does not reach: zero means stationary.
            var zero = true;
            for (var c = 0; c < n && zero; c++)
                for (var i = 0; i < m; i++) zero &= form.J[i * n + c] * form.R[i] == 0;
            if (zero) return;
            // D: the running maximum of J's column norms (in J's units), a column without any so far floored at 10⁻⁹ of
            // the largest in the normal form's squared units (√10⁻⁹ here); D̂ = D/max|J|.
            double largest = 0;
            for (var c = 0; c < n; c++)
            {
                double sum = 0;
                var top = 0.0;
                for (var i = 0; i < m; i++) top = Math.Max(top, Math.Abs(form.J[i * n + c]));
                if (top > 0)
                    for (var i = 0; i < m; i++) sum += (form.J[i * n + c] / top) * (form.J[i * n + c] / top);
                _d[c] = Math.Max(_d[c], top * Math.Sqrt(sum) * jMax);
                largest = Math.Max(largest, _d[c]);
            }
            for (var c = 0; c < n; c++) _scales[c] = (_d[c] > 0 ? _d[c] : largest > 0 ? Math.Sqrt(1e-9) * largest : jMax) / jMax;
            // L's rounding level relative to L = ½‖r‖²: 4ε(|L| + ‖r‖·S)/L (Rounding.OfLoss).
            var level = Krylov.RoundingFactor * Krylov.Epsilon * (1 + 2 * (Numerics.Rules.Rounding.Scale(Y, OutputScale) / form.Size));
            var unit = 0.5 * form.Size * form.Size;
            for (var attempt = 0; attempt < MaxRejections; attempt++)
            {
                if (form.Solve(_damping.Lambda, _scales, form.R, _p) is { } predictedAtOne)
                {
                    var eta = _rule.Eta;
                    for (var i = 0; i < n; i++) dx[i] = eta * _p[i] * form.Ratio;
                    form.Accelerate(Problem, x, _damping.Lambda, _scales, _p, eta, dx, Numerics.Rules.Rounding.OfLossGradientInY(Y, OutputScale));
                    for (var i = 0; i < n; i++) _trial[i] = x[i] + dx[i];
                    var predicted = eta * (2 * (predictedAtOne.Fit + _damping.Lambda * predictedAtOne.Damped) - eta * predictedAtOne.Fit);
                    var verdict = _damping.Judge(form.Decrease(Problem, _trial), predicted, level, unit, attempt, x, dx, notes);
                    if (verdict == Verdict.Settled) return;
                    if (verdict == Verdict.Retry) continue;
                }
                if (!_damping.Grow()) break;
            }
            _damping.GiveUp(x, dx, notes);
        }

        /// <summary>The residual form's scaled J and r and the solve of its damped least-squares problem (see <see cref="FromResiduals"/>).</summary>
        private sealed class ResidualForm(int n, int m)
        {
            /// <summary>Ĵ = J/max|Jᵢⱼ| (m·n, row by row).</summary>
            public readonly double[] J = new double[m * n];

            /// <summary>r̂ = r/‖r‖.</summary>
            public readonly double[] R = new double[m];

            private readonly double[] _y = new double[m], _r = new double[m], _u = new double[m];

            /// <summary>‖r‖ at the current point.</summary>
            public double Size { get; set; }

            /// <summary>‖r‖/max|Jᵢⱼ|: p = p̂ times this.</summary>
            public double Ratio { get; set; }

            /// <summary>
            /// p̂ solving min ‖Ĵp̂ + r̂‖² + λ‖D̂p̂‖² (into <paramref name="p"/>) by QR of [Ĵ; √λ D̂], with ‖u‖² = ‖Ĵp̂‖² (Fit) and
            /// ‖D̂p̂‖² (Damped); null where the solve is not finite.
            /// </summary>
            public (double Fit, double Damped)? Solve(double lambda, double[] scales, double[] rhs, double[] p)
            {
                var a = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(m + n, n, 0);
                var b = MathNet.Numerics.LinearAlgebra.Double.DenseVector.Create(m + n, 0);
                for (var i = 0; i < m; i++)
                {
                    for (var c = 0; c < n; c++) a[i, c] = J[i * n + c];
                    b[i] = -rhs[i];
                }
                var root = Math.Sqrt(lambda);
                for (var c = 0; c < n; c++) a[m + c, c] = root * scales[c];
                var solution = a.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Solve(b);
                if (!solution.All(double.IsFinite)) return null;
                for (var c = 0; c < n; c++) p[c] = solution[c];
                double damped = 0;
                for (var c = 0; c < n; c++) damped += scales[c] * p[c] * scales[c] * p[c];
                for (var i = 0; i < m; i++)
                {
                    double s = 0;
                    for (var c = 0; c < n; c++) s += J[i * n + c] * p[c];
                    _u[i] = s;
                }
                var fit = CompiledProblem.Norm(_u, m);
                return double.IsFinite(fit * fit + damped) ? (fit * fit, damped) : null;
            }

            private double[]? _jacobian;

            // y = P(point) into _y: by P alone where the problem offers it, else with J (lm needs only J's kernel).
            private void Outputs(IDifferentiableProblem problem, double[] point)
            {
                if (problem.Supported.HasFlag(Capabilities.Outputs)) problem.Simulate(point, _y);
                else problem.Simulate(point, _y, _jacobian ??= new double[m * n]);
            }

            /// <summary>Geodesic acceleration's bound on 2‖D a‖/‖D v‖ (Transtrum &amp; Sethna 2012; GSL's avmax).</summary>
            private const double MostAcceleration = 0.75;

            /// <summary>The relative step of the second difference of r along v (Transtrum &amp; Sethna's h).</summary>
            private const double SecondDifferenceStep = 0.1;

            private readonly double[] _shifted = new double[n], _second = new double[m], _a = new double[n];

            /// <summary>
            /// Geodesic acceleration (Transtrum &amp; Sethna, Geodesic acceleration and the small-curvature approximation for
            /// nonlinear least squares, arXiv:1207.4999, 2012; GSL's multifit_nlinear "lmaccel"): with v = p the damped step
            /// (<paramref name="p"/> = p̂, v = p̂·Ratio) and r_vv ≈ (2/h)((r(x + h v) − r(x))/h − J v), h = 0.1, the second
            /// directional derivative of r along v, the acceleration a solves min ‖J a + r_vv‖² + λ‖D a‖² and the step follows the
            /// geodesic x + ηv + ½η²a instead of the straight line, where 2‖D a‖/‖D v‖ ≤ 0.75 (else the straight step stays).
            /// a is undamped (λ = 0: J's least-squares solution, the geodesic's own) where that one is finite and within the bound,
            /// else damped with the step's λ as Transtrum &amp; Sethna do. The damped a is the smallest in D's norm, not the one the
            /// valley asks for: on the Rosenbrock below, where λD² is far above y1's squared weight 1E-08, it moves x0 by about
            /// half of a1 (a0 ≈ 0.45 v0²) where x1 = x0² asks a0 = 0, and the path's cubic error 1E+04·v0·a0·t³ in y0 held each
            /// step to ≈ 2.7E-03 along the valley (1887 iterations to L &lt; 1E-20, at a gain ratio near ½); the undamped one keeps
            /// y0 linear along the path (37 iterations). A straight step leaves a narrow curved valley within a few of its widths: on
            /// `1e4*(x1 - x0^2); 1e-4*(1 - x0)` no straight step longer than ≈ 1E-05 lowers L near x0 = −1.1 (the parabola's
            /// rise 1E+04·s² in y0 outweighs y1's gain 1E-04·s), so lm (and MathNet's LevenbergMarquardtMinimizer, at
            /// x0 = −0.33 after 10⁵ iterations) crawled; along the geodesic the step follows x1 = x0². Adds to
            /// <paramref name="dx"/> (= ηv in, ηv + ½η²a out); nothing where h²/2·r_vv is within 100 times
            /// <paramref name="rounding"/>, r's rounding level.
            /// </summary>
            public void Accelerate(IDifferentiableProblem problem, double[] x, double lambda, double[] scales, double[] p, double eta, double[] dx, double rounding)
            {
                var h = SecondDifferenceStep;
                for (var c = 0; c < n; c++) _shifted[c] = x[c] + h * p[c] * Ratio;
                Outputs(problem, _shifted);
                if (!LinearAlgebra.AllFinite(_y)) return;
                problem.LossInY(_y, _r);
                // r_vv/‖r‖ = (2/h)((r(x + hv)/‖r‖ − r̂)/h − u), with u = J v/‖r‖ = Ĵp̂.
                for (var i = 0; i < m; i++)
                {
                    double u = 0;
                    for (var c = 0; c < n; c++) u += J[i * n + c] * p[c];
                    _second[i] = 2 / h * ((_r[i] / Size - R[i]) / h - u);
                }
                var size = CompiledProblem.Norm(_second, m);
                // r(x + hv) − r(x) − hJv is h²/2·r_vv; below 100 times r's rounding it is rounding, and so would a be (on the
                // valley floor of the Rosenbrock above, a step of 1E-12 moves r by less than its rounding 1E-11).
                if (!(size * h * h / 2 > 100 * rounding / Size) || !double.IsFinite(size)) return;
                for (var i = 0; i < m; i++) _second[i] /= size;
                // The undamped acceleration first; the damped one (Transtrum & Sethna's) where that one is not finite or too large.
                if (!Fits(0, scales, p, size) && !Fits(lambda, scales, p, size)) return;
                for (var c = 0; c < n; c++) dx[c] += 0.5 * eta * eta * _a[c] * size * Ratio;
            }

            // â solving min ‖Ĵâ + r̂_vv‖² + λ‖D̂â‖² (r̂_vv in _second, of norm `size` before it was scaled to 1) into _a,
            // and whether a = â·size passes the bound 2‖D a‖ ≤ 0.75‖D v‖ (a finite solve only).
            private bool Fits(double lambda, double[] scales, double[] p, double size)
            {
                if (Solve(lambda, scales, _second, _a) is null) return false;
                double av = 0, vv = 0;
                for (var c = 0; c < n; c++)
                {
                    av += scales[c] * _a[c] * size * (scales[c] * _a[c] * size);
                    vv += scales[c] * p[c] * (scales[c] * p[c]);
                }
                return 2 * Math.Sqrt(av) <= MostAcceleration * Math.Sqrt(vv);
            }

            /// <summary>The actual decrease of L at <paramref name="trial"/> relative to L here: 1 − (‖r(trial)‖/‖r‖)² (−∞ where
            /// P or r is not finite there).</summary>
            public double Decrease(IDifferentiableProblem problem, double[] trial)
            {
                Outputs(problem, trial);
                if (!LinearAlgebra.AllFinite(_y)) return double.NegativeInfinity;
                problem.LossInY(_y, _r);
                var ratio = CompiledProblem.Norm(_r, m) / Size;
                return double.IsFinite(ratio) ? 1 - ratio * ratio : double.NegativeInfinity;
            }
        }

        // The decrease the nearly undamped model predicts for its own step (Damping); 0 where even that system is
        // singular to the solver (nothing is then known against the rounding stop). Relative to L in the residual form.
        private double Undamped()
        {
            if (_residuals is { } form)
                return form.Solve(UndampedLambda, _scales, form.R, _q) is { } at ? _rule.Eta * (2 * (at.Fit + UndampedLambda * at.Damped) - _rule.Eta * at.Fit) : 0;
            if (!Solve(UndampedLambda, _q)) return 0;
            Multiply(_q, _ad);
            return ModelDecrease(_rule.Eta, _b, _q, _ad);
        }
    }
}
