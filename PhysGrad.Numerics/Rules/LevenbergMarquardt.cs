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
    /// the iterative form's CG (Jacobi P = diag(1/(‖J e_j‖² + λd)) by default; the inverse simulator's
    /// P = M² on request, see <see cref="InversePreconditioner"/>). The preconditioner changes CG's
    /// iteration count, not the step: the stopping test is on the true residual.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">η or λ₀ out of range.</exception>
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

    /// <summary>λ's adaptation after a trial with actual and predicted decreases (shared by both forms).</summary>
    private static bool Accept(double actual, double predicted, ref double lambda, ref double nu)
    {
        if (!(actual > 0)) return false;
        var rho = predicted > 0 ? actual / predicted : 0;
        lambda *= rho > 0 ? Math.Max(1.0 / 3, 1 - Math.Pow(2 * rho - 1, 3)) : 1;
        nu = 2;
        return true;
    }

    /// <summary>λ's growth after a rejected trial, λ ← νλ and ν ← 2ν (shared by both forms); false once λ is
    /// no longer finite, when there is no larger damping left to try.</summary>
    private static bool Reject(ref double lambda, ref double nu)
    {
        lambda *= nu;
        nu *= 2;
        return double.IsFinite(lambda);
    }

    /// <summary>The end of a step that no damping made descend (shared by both forms): Δx = 0, the fallback
    /// noted with the last λ tried, and the next step (if any) starts from a moderate damping again.
    /// <paramref name="belowRounding"/>: it ended early because the last trial's predicted decrease was below
    /// L's rounding level, which a larger λ only lowers further.</summary>
    private static void GiveUp(LevenbergMarquardt rule, double[] dx, FallbackNotes notes, string point, ref double lambda, ref double nu,
        bool belowRounding = false)
    {
        Array.Clear(dx);
        notes.Note(FallbackKind.StepRejected,
            $"no damping up to λ = {NumberText.Short(lambda, 3)} gave a decrease of L at {point}" +
            (belowRounding ? " (a larger λ would predict a decrease below L's rounding level)" : "") + "; the step is 0");
        (lambda, nu) = (rule.Lambda0, 2);
    }

    /// <summary>
    /// What a rejected trial means at rounding level (shared by both forms): null when the trial's predicted
    /// decrease is above L's rounding level (<see cref="Rounding.OfLoss"/>: reject and grow λ as usual);
    /// otherwise no larger λ can help, since for η ≤ 1 the predicted decrease is positive and falls as λ
    /// grows (per eigencomponent of JᵀHJ with eigenvalue σ and u = 1/(σ + λd) ≤ 1/σ it is
    /// b²(ηu − ½η²σu²), whose derivative in u, η(1 − ησu), is ≥ 0). At the step's first trial that is the
    /// rounding-level stop (the text, and the step 0); at a later one the step gives up. For η &gt; 1 the
    /// prediction is not monotone in λ and can vanish by cancellation (η = 2 on a quadratic: the step to the
    /// mirror point, of equal L), so it says nothing about rounding: no stop.
    /// </summary>
    private static string? BelowRounding(double eta, double predicted, double loss, double[] y, double[] lossGradientY, int attempt, out bool stop)
    {
        var level = Rounding.OfLoss(loss, y, lossGradientY);
        stop = eta <= 1 && predicted <= level;
        return stop && attempt == 0
            ? $"lm's step is 0: the decrease of L its model predicts ({NumberText.Short(predicted, 3)}) is below L's rounding level 4ε(|L| + ‖∂L/∂y‖(1 + ‖y‖)) = {NumberText.Short(level, 3)}"
            : null;
    }

    private sealed class IterativeState(IDifferentiableProblem problem, LevenbergMarquardt rule) : ProductState(problem)
    {
        // Jacobi unless asked otherwise: CG on JᵀHJ + λdI is square and symmetric, so (unlike LSQR's
        // minimum-norm answer) any SPD preconditioner leaves the solution as it is, for m < n too.
        private readonly ColumnScaling? _scaling = rule.Preconditioning is Preconditioning.Auto or Preconditioning.Jacobi ? new ColumnScaling(problem) : null;
        private readonly DiagonalPreconditioner? _jacobi = rule.Preconditioning is Preconditioning.Auto or Preconditioning.Jacobi ? new DiagonalPreconditioner(problem.N) : null;
        private readonly KrylovPreconditioner? _inverse = rule.Preconditioning == Preconditioning.Inverse
            ? new SquaredInversePreconditioner(new InversePreconditioner(problem)) : null;
        private readonly KrylovWorkspace _work = new(problem.N, problem.N);
        private readonly double[] _b = new double[problem.N], _p = new double[problem.N], _trial = new double[problem.N];
        private readonly double[] _jv = new double[problem.M], _hjv = new double[problem.M], _av = new double[problem.N];
        private double _lambda = rule.Lambda0, _nu = 2, _scale, _damping;
        private LinearMap? _normal;

        /// <summary>CG's iterations in the last solve.</summary>
        public int LastIterations { get; private set; }

        private InnerSolve? _last;
        private string? _rounding;

        public override InnerSolve? LastSolve => _last;

        public override string? AtRoundingLevel => _rounding;

        // v ↦ JᵀHJ v (+ λ d v inside the solve).
        private void Normal(double[] v, double[] result)
        {
            ApplyJ(v, _jv);
            ApplyLossHessianY(_jv, _hjv);
            ApplyJT(_hjv, result);
        }

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            At(x);
            int n = N;
            Array.Clear(dx);
            (_last, _rounding) = (null, null);
            if ((_rounding = Rounding.LossGradientInY("lm", Y, LossGradientY)) is not null) return;
            ApplyJT(LossGradientY, _b);
            double bb = 0;
            for (var i = 0; i < n; i++) { _b[i] = -_b[i]; bb += _b[i] * _b[i]; }
            if (bb == 0) return; // stationary: the run classifies the point
            var iterations = 0;
            Normal(_b, _av);
            double bAb = 0;
            for (var i = 0; i < n; i++) bAb += _b[i] * _av[i];
            _scale = Math.Max(_scale, bAb / bb);
            var d = _scale > 0 ? _scale : 1.0;
            _normal ??= (v, result) =>
            {
                Normal(v, result);
                for (var i = 0; i < v.Length; i++) result[i] += _damping * v[i];
            };
            _scaling?.Compute(x);
            for (var attempt = 0; attempt < MaxRejections; attempt++)
            {
                _damping = _lambda * d;
                if (_scaling is not null) _scaling.ToCg(_jacobi!, _damping);
                // The floor stops CG where its residual is rounding (near the optimum 10⁻¹⁰·‖b‖ may be below it).
                var solve = Krylov.ConjugateGradient(n, _normal, _b, _p, _work, tolerance: 1e-10, preconditioner: _jacobi ?? _inverse,
                    roundingFloor: true);
                LastIterations = solve.Iterations;
                iterations += solve.Iterations;
                _last = new InnerSolve("CG", iterations, solve.Residual, 1e-10 * Math.Sqrt(bb), solve.Exit) { Solves = attempt + 1 };
                // At the iteration limit (not at negative curvature, which a positive damping rules out
                // for a convex loss) the CG iterate still descends: take it, and say so.
                var limited = solve.Exit == KrylovExit.IterationLimit;
                if (limited)
                    notes.Note(FallbackKind.IterativeSolveIncomplete,
                        $"CG on the damped system stopped at its limit of {NumberText.Count(solve.Iterations, "iteration")} (residual {NumberText.Short(solve.Residual, 3)}); took its last iterate");
                if (solve.Converged || limited)
                {
                    double slope = 0;
                    for (var i = 0; i < n; i++)
                    {
                        dx[i] = rule.Eta * _p[i];
                        _trial[i] = x[i] + dx[i];
                        slope -= _b[i] * dx[i];
                    }
                    Normal(dx, _av);
                    double curvature = 0;
                    for (var i = 0; i < n; i++) curvature += dx[i] * _av[i];
                    var actual = loss - Problem.Value(_trial);
                    var predicted = -slope - 0.5 * curvature;
                    if (Accept(actual, predicted, ref _lambda, ref _nu)) return;
                    _rounding = BelowRounding(rule.Eta, predicted, loss, Y, LossGradientY, attempt, out var below);
                    if (_rounding is not null)
                    {
                        Array.Clear(dx);
                        return;
                    }
                    if (below)
                    {
                        GiveUp(rule, dx, notes, Point(x), ref _lambda, ref _nu, belowRounding: true);
                        return;
                    }
                }
                if (!Reject(ref _lambda, ref _nu)) break;
            }
            GiveUp(rule, dx, notes, Point(x), ref _lambda, ref _nu);
        }
    }

    private sealed class State(IDifferentiableProblem problem, LevenbergMarquardt rule) : JacobianState(problem, lossHessian: true)
    {
        private readonly double[] _a = new double[problem.N * problem.N], _system = new double[problem.N * problem.N];
        private readonly double[] _workspace = new double[problem.N * problem.N];
        private readonly double[] _hj = new double[problem.M * problem.N];
        private readonly double[] _b = new double[problem.N], _p = new double[problem.N], _d = new double[problem.N];
        private readonly double[] _trial = new double[problem.N];
        private double _lambda = rule.Lambda0, _nu = 2;

        /// <summary>The damping λ the next step starts from.</summary>
        public double Lambda => _lambda;

        private string? _rounding;

        public override string? AtRoundingLevel => _rounding;

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            Array.Clear(dx);
            if ((_rounding = Rounding.LossGradientInY("lm", Y, LossGradientY)) is not null) return;
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
                for (var i = 0; i < n; i++) _system[i * n + i] += _lambda * Math.Max(_d[i], floor);
                if (LinearAlgebra.Solve(_system, _b, _p, _workspace).Ok)
                {
                    double slope = 0, curvature = 0;
                    for (var i = 0; i < n; i++)
                    {
                        dx[i] = rule.Eta * _p[i];
                        _trial[i] = x[i] + dx[i];
                        slope -= _b[i] * dx[i];
                    }
                    for (var i = 0; i < n; i++)
                    {
                        double s = 0;
                        for (var c = 0; c < n; c++) s += _a[i * n + c] * dx[c];
                        curvature += dx[i] * s;
                    }
                    var actual = loss - Problem.Value(_trial);
                    var predicted = -slope - 0.5 * curvature;
                    if (Accept(actual, predicted, ref _lambda, ref _nu)) return;
                    _rounding = BelowRounding(rule.Eta, predicted, loss, Y, LossGradientY, attempt, out var below);
                    if (_rounding is not null)
                    {
                        Array.Clear(dx);
                        return;
                    }
                    if (below)
                    {
                        GiveUp(rule, dx, notes, Point(x), ref _lambda, ref _nu, belowRounding: true);
                        return;
                    }
                }
                if (!Reject(ref _lambda, ref _nu)) break;
            }
            GiveUp(rule, dx, notes, Point(x), ref _lambda, ref _nu);
        }
    }
}
