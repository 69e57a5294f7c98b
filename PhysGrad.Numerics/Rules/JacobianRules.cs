namespace PhysGrad.Numerics.Rules;

/// <summary>
/// A state that evaluates y = P(x) with J (m × n) and L(P(x)) with ∂L/∂x at each point, and before a
/// step ∂L/∂y (and, when asked, ∂²L/∂y²): what GN, HIG, IG, PG and LM read.
/// Its input check names y, J or the loss's derivatives in y, the quantities these rules use.
/// </summary>
public abstract class JacobianState : RuleState
{
    private readonly bool _lossHessian;

    /// <summary>Allocates y, J (m·n), ∂L/∂y and, when asked, ∂²L/∂y² (m·m).</summary>
    protected JacobianState(IDifferentiableProblem problem, bool lossHessian) : base(problem)
    {
        _lossHessian = lossHessian;
        Y = new double[M];
        J = new double[M * N];
        LossGradientY = new double[M];
        LossHessianY = lossHessian ? new double[M * M] : [];
        _start = new double[N];
        _typicalX = new double[N];
        _scales = new double[M];
        _errors = new double[M];
    }

    private readonly double[] _start, _typicalX, _scales, _errors;
    private bool _started;

    /// <summary>
    /// The variables' typical sizes at x: typ x_j = max(|x_j|, |x₀,j|), x₀ the first evaluated point (Dennis
    /// &amp; Schnabel §7.1, where x₀ stands in for typical sizes no one gave). In x's own units, so the dense
    /// solves' rank and singularity decisions see the problem's units rather than J's grading
    /// (<see cref="LinearAlgebra.Solve(ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double}, ReadOnlySpan{double})"/>).
    /// Filled in a buffer of the state's, so a step allocates nothing.
    /// </summary>
    protected double[] TypicalX(double[] x)
    {
        for (var j = 0; j < N; j++) _typicalX[j] = Math.Max(Math.Abs(x[j]), Math.Abs(_start[j]));
        return _typicalX;
    }

    /// <summary>y = P(x) at the last evaluated point.</summary>
    protected double[] Y { get; }

    /// <summary>J at the last evaluated point (m·n, row by row).</summary>
    protected double[] J { get; }

    /// <summary>∂L/∂y at y (after <see cref="CheckInputs"/>).</summary>
    protected double[] LossGradientY { get; }

    /// <summary>∂²L/∂y² at y (after <see cref="CheckInputs"/>; empty unless asked for).</summary>
    protected double[] LossHessianY { get; }

    /// <inheritdoc/>
    public override double[]? Outputs => Y;

    /// <summary>‖s‖, the norm of the outputs' rounding scales at the point of the last <see cref="LossGradientAtRounding"/>
    /// (<see cref="Rounding.OutputScales(double[], double[], double[], double[])"/> with <see cref="Rounding.AddRunningErrors"/>):
    /// the size of y in the rounding levels.</summary>
    protected double OutputScale { get; private set; } = double.NaN;

    /// <inheritdoc/>
    public override double Evaluate(double[] x, double[] gradient)
    {
        Problem.Simulate(x, Y, J);
        if (!_started)
        {
            Array.Copy(x, _start, N);
            _started = true;
        }
        return Problem.ValueGradient(x, gradient);
    }

    /// <summary>
    /// Why <paramref name="rule"/>'s step at <paramref name="x"/> is 0 because ∂L/∂y is rounding noise, else
    /// null: both ‖∂L/∂y‖ is at its rounding level (<see cref="Rounding.LossGradientInY"/>) and every component
    /// is at its own, 4ε·sᵢ with sᵢ yᵢ's rounding scale at x (<see cref="Rounding.OutputScales(double[], double[], double[], double[])"/>
    /// and <see cref="Rounding.AddRunningErrors"/>). The norm alone mixes outputs of different units: with
    /// y ≈ (3·10⁻⁸, −3·10⁷) a residual of 10⁻⁸ in y₀, a third of that output, was below 4ε‖y‖ ≈ 2.7·10⁻⁸ and IG and
    /// GN took a zero step the unscaled problem did not. Sets <see cref="OutputScale"/>.
    /// </summary>
    protected string? LossGradientAtRounding(string rule, double[] x)
    {
        Rounding.OutputScales(Y, J, x, _scales);
        Rounding.AddRunningErrors(Problem, x, _scales, _errors);
        OutputScale = CompiledProblem.Norm(_scales, M);
        if (Rounding.LossGradientInY(rule, Y, LossGradientY, OutputScale) is not { } why) return null;
        Rounding.Levels(_scales, _errors);
        return Rounding.AllWithin(LossGradientY, _errors) ? why + Rounding.EachComponent : null;
    }

    /// <summary>
    /// Whether the rule's step reads the value of L (Levenberg–Marquardt's gain ratio), not only y, J and
    /// L's derivatives in y. A rule that does not goes on where L overflows doubles (+∞) while y and ∂L/∂y
    /// are finite (½(1E+200)²: Δy = y* − y is finite); the run carries L with a wide exponent (<see cref="Stepper.CarriedLoss"/>).
    /// </summary>
    protected virtual bool ReadsLoss => false;

    /// <summary>
    /// The loss as a refused input: NaN or −∞ always; +∞ when <paramref name="readsLoss"/> (else it is the
    /// overflow of L's value, and y and ∂L/∂y, checked next, decide). Null when the loss may be used.
    /// </summary>
    internal static NonFiniteValue? LossRefused(double loss, bool readsLoss) =>
        double.IsFinite(loss) || (double.IsPositiveInfinity(loss) && !readsLoss) ? null : new NonFiniteValue(Quantity.Loss, 0, loss);

    /// <inheritdoc/>
    public override NonFiniteValue? CheckInputs(double loss, double[] gradient)
    {
        // The quantities these rules read, checked before a step: a NaN in any of them would otherwise
        // travel into the step (or crash an SVD) instead of stopping the run with a reason.
        if (LossRefused(loss, ReadsLoss) is { } bad) return bad;
        if (NonFiniteValue.Find(Quantity.Outputs, Y) is { } y) return y;
        if (NonFiniteValue.Find(Quantity.Jacobian, J, N) is { } j) return j;
        if (_lossHessian) Problem.LossInY(Y, LossGradientY, LossHessianY);
        else Problem.LossInY(Y, LossGradientY);
        if (NonFiniteValue.Find(Quantity.LossGradientInY, LossGradientY) is { } gy) return gy;
        if (_lossHessian && NonFiniteValue.Find(Quantity.LossHessianInY, LossHessianY, M) is { } hy) return hy;
        return null;
    }
}

/// <summary>
/// The exponent family of docs/theory.md §2 on J = U Σ Vᵀ: Δx = −η V Σ^κ Uᵀ ∂L/∂y with singular values at
/// or below τ·σ_max dropped (recorded). κ = −1, τ = 10⁻¹² is Gauss–Newton (<see cref="GaussNewton"/>),
/// κ = −½ the half-inverse gradient (<see cref="HalfInverseGradient"/>). Needs y, J and ∂L/∂y; the
/// SVD allocates.
/// </summary>
public abstract class SpectralRule : RuleBase
{
    /// <summary>A spectral rule with its exponent κ (finite) and relative truncation τ (finite, ≥ 0), on the dense SVD.</summary>
    protected SpectralRule(string name, double eta, double kappa, double tau)
        : this(name, eta, kappa, tau, LinearSolver.Dense)
    {
    }

    /// <summary>
    /// A spectral rule with its exponent κ, truncation τ and linear solver; only κ = −1 (Gauss–Newton)
    /// has an iterative form (LSQR on J v and Jᵀ w), so any other κ with <see cref="LinearSolver.Iterative"/>
    /// is refused.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">κ or τ out of range, or an iterative solve asked for κ ≠ −1.</exception>
    protected SpectralRule(string name, double eta, double kappa, double tau, LinearSolver solver)
        : this(name, eta, kappa, tau, solver, Numerics.Preconditioning.Auto)
    {
    }

    /// <summary>As above, with the preconditioning of the iterative (LSQR) form (<see cref="Numerics.Preconditioning"/>).</summary>
    /// <exception cref="Symbolic.SymbolicException">κ or τ out of range, or an iterative solve asked for κ ≠ −1.</exception>
    protected SpectralRule(string name, double eta, double kappa, double tau, LinearSolver solver, Preconditioning preconditioning)
        : base(name, eta, solver == LinearSolver.Iterative ? SolverLimits.ProductNeeds : DenseNeeds)
    {
        Preconditioning = preconditioning;
        if (solver == LinearSolver.Iterative && kappa != -1)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid,
                $"Only κ = −1 (Gauss–Newton) has an iterative solve; κ = {NumberText.RoundTrip(kappa)} needs the SVD of J (dense).");
        Solver = solver;
        if (!double.IsFinite(kappa))
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, $"the option kappa (κ, the exponent of Σ) must be finite, not {NumberText.RoundTrip(kappa)}.");
        // τ is relative (σ ≤ τ·σ_max is dropped, docs/theory.md §2): in [0, 1), said for the value given.
        if (OptionRanges.Tau("the option tau (τ)", tau, kappa) is { } wrongTau)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, wrongTau);
        (Kappa, Tau) = (kappa, tau);
    }

    /// <summary>κ, the exponent of Σ.</summary>
    public double Kappa { get; }

    /// <summary>τ, the relative truncation of the singular values.</summary>
    public double Tau { get; }

    /// <summary>How the step's linear algebra is done (dense SVD, or LSQR for κ = −1; see <see cref="LinearSolver"/>).</summary>
    public LinearSolver Solver { get; }

    /// <summary>How the iterative form preconditions LSQR (no effect on the dense form).</summary>
    public Preconditioning Preconditioning { get; }

    private const Capabilities DenseNeeds = Capabilities.Value | Capabilities.Gradient | Capabilities.Jacobian | Capabilities.LossGradientInY;

    /// <inheritdoc/>
    /// <remarks>The SVD is the only form for κ ≠ −1, and the form asked for with <see cref="LinearSolver.Dense"/>:
    /// both are refused above <see cref="SolverLimits.SvdUpTo"/> outputs or variables. (Gauss–Newton by size,
    /// <see cref="LinearSolver.Auto"/>, goes matrix-free there, as long as the problem has the product kernels.)</remarks>
    public override string? SizeRefusal(int outputs, int variables)
    {
        var size = Math.Max(outputs, variables);
        if (size <= SolverLimits.SvdUpTo || (Kappa == -1 && Solver != LinearSolver.Dense)) return null;
        return $"{Name} needs the SVD of the dense Jacobian J ({outputs} × {variables}), and the size {size} is over its limit of " +
            $"{SolverLimits.SvdUpTo} outputs or variables (the SVD alone takes O(m·n·min(m, n)) time and {outputs}·{variables} values of memory). " +
            (Kappa == -1
                ? $"Leave out iterative=0 ({Name} then solves matrix-free by LSQR at this size), or use a smaller problem."
                : "Use gn or lm, which solve matrix-free by LSQR at this size, or a smaller problem.");
    }

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0)
    {
        if (Kappa == -1 && SolverLimits.Iterative(Solver, problem, SolverLimits.ProductNeeds))
            return new LsqrGaussNewtonState(problem, Eta, Preconditioning);
        return new State(problem, this);
    }

    private sealed class State(IDifferentiableProblem problem, SpectralRule rule) : JacobianState(problem, lossHessian: false)
    {
        private readonly double[,] _jacobian2D = new double[problem.M, problem.N];
        private string? _rounding;

        public override string? AtRoundingLevel => _rounding;

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            // ∂L/∂y at rounding level, as in the LSQR form and LM: the step is 0. Its direction is rounding
            // noise, and the dense step had cycled between neighbouring doubles until the iteration limit
            // (x0 + x1, x0·x1 = (3, 2)·2⁻²⁵ from (4, ½) at L = 1E-31 L₀) or stopped on a lucky zero step.
            if ((_rounding = LossGradientAtRounding(rule.Name, x)) is not null)
            {
                Array.Clear(dx);
                return;
            }
            for (var r = 0; r < m; r++)
                for (var c = 0; c < n; c++) _jacobian2D[r, c] = J[r * n + c];
            // Gauss–Newton's rank is decided on the equilibrated J, so a change of units does not change it
            // (its step is invariant to them); other κ are not, and keep J's own spectrum.
            SpectralCut cut;
            var kept = rule.Kappa == -1
                ? LinearAlgebra.PseudoInverseProduct(_jacobian2D, LossGradientY, rule.Tau, dx, out cut, TypicalX(x))
                : LinearAlgebra.SpectralProduct(_jacobian2D, LossGradientY, rule.Kappa, rule.Tau, dx, out cut);
            if (kept < Math.Min(m, n))
                notes.Note(FallbackKind.SingularValuesDropped,
                    $"{NumberText.Count(Math.Min(m, n) - kept, "singular value")} of J dropped at {Point(x)}: " +
                    (rule.Kappa == -1
                        // GN decides its rank on J with rows and columns scaled by powers of 2 (units-free), and its τ is fixed.
                        ? cut.Describe("the equilibrated J (rows and columns scaled by powers of 2, so the rank does not depend on units)") +
                          "; J is singular to rounding there, and the step moves only where J can"
                        : cut.Sigma[kept] > 0
                            // Half the largest dropped σ/σ_max, to one digit: a τ that keeps it.
                            ? cut.Describe("J") + $"; a smaller tau (e.g. {rule.Name}:tau={NumberText.Short(cut.Sigma[kept] / cut.SigmaMax / 2, 1)}) keeps it"
                            : ZeroSigma(cut, J, m, n)));
            for (var i = 0; i < n; i++) dx[i] *= -rule.Eta;
        }

        // A σ the SVD returns as 0 is J's exact singularity only when J has that rank when its rows and
        // columns are rescaled too: MathNet's SVD forms sums of squares, so a σ below about 1E-154·σ_max
        // (diag(1E-100, 1E+100)) comes back as 0 although J is regular. That J is said to be badly scaled.
        private static string ZeroSigma(SpectralCut cut, double[] jacobian, int m, int n)
        {
            var rank = LinearAlgebra.EquilibratedRank(jacobian, m, n);
            if (rank is not { } r || r <= cut.Kept)
                return cut.Describe("J") + "; J is exactly singular there";
            var unresolved = cut.Dropped == 1 ? "its smallest σ is" : $"its {cut.Dropped} smallest σ are";
            return $"{unresolved} too small beside σ_max = {NumberText.Short(cut.SigmaMax, 3)} for the SVD in doubles to resolve " +
                $"(below about 1E-154·σ_max, computed as 0), so at or below τ·σ_max = {NumberText.Short(cut.Tau, 3)} × {NumberText.Short(cut.SigmaMax, 3)} = {NumberText.Short(cut.Threshold, 3)}; " +
                $"J is not singular (with its rows and columns rescaled by powers of 2 its rank is {r}) but badly scaled: " +
                "measure the variables or outputs in units that bring J's entries nearer to each other";
        }
    }
}

/// <summary>
/// Gauss–Newton: Δx = −η J⁺ ∂L/∂y (the spectral rule with κ = −1). Dense: singular values ≤ 10⁻¹² σ_max
/// dropped. Iterative (above <see cref="SolverLimits.DenseUpTo"/> outputs or variables, or when asked):
/// J⁺ ∂L/∂y as the minimum-norm least-squares solution of J p = ∂L/∂y by LSQR on the J v and Jᵀ w
/// product kernels, J never formed (<see cref="Krylov.Lsqr"/>), preconditioned by
/// <paramref name="preconditioning"/> (by default the problem's own inverse when it is known, linear and
/// symmetric, else Jacobi column scaling when m ≥ n; <see cref="Preconditioning.Auto"/>); on a J of full
/// column rank every form gives the same step.
/// </summary>
/// <param name="eta">The step size η.</param>
/// <param name="solver">Dense SVD, LSQR, or chosen by size (the default).</param>
/// <param name="preconditioning">LSQR's preconditioner (<see cref="Numerics.Preconditioning"/>).</param>
public sealed class GaussNewton(double eta, LinearSolver solver = LinearSolver.Auto, Preconditioning preconditioning = Preconditioning.Auto)
    : SpectralRule("gn", eta, -1.0, 1e-12, solver, preconditioning);

/// <summary>The half-inverse gradient: Δx = −η V Σ^κ Uᵀ ∂L/∂y (default κ = −½), singular values ≤ τ·σ_max dropped.</summary>
/// <param name="eta">The step size η.</param>
/// <param name="kappa">The exponent κ (default −½).</param>
/// <param name="tau">The relative truncation τ (default 10⁻³).</param>
/// <remarks>HIG is dense only: above <see cref="SolverLimits.SvdUpTo"/> outputs or variables starting it
/// throws <see cref="Symbolic.SymbolicException"/> (<see cref="Symbolic.ErrorKind.TooLarge"/>) naming the size and the alternatives.</remarks>
public sealed class HalfInverseGradient(double eta, double kappa = -0.5, double tau = 1e-3)
    : SpectralRule("hig", eta, kappa, tau);

/// <summary>
/// The inverse gradient (docs/theory.md §2): Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y (a gradient step in y when that
/// Hessian is singular, recorded), then Δx = J⁻¹ Δy (J⁺Δy, the minimum-norm step, when J is singular,
/// recorded). Needs m = n, y, J and the loss's gradient and Hessian in y.
/// Iterative (above <see cref="SolverLimits.DenseUpTo"/> outputs or variables, or when asked): Δy by
/// conjugate gradients on products with ∂²L/∂y², Δx by LSQR on J v and Jᵀ w (J never formed; see
/// <see cref="SolverLimits"/>), preconditioned as <see cref="Preconditioning.Auto"/> says (the problem's
/// own inverse when it is known, linear and symmetric, else Jacobi column scaling).
/// </summary>
/// <param name="eta">The step size η (it scales Δy).</param>
/// <param name="solver">Dense, iterative, or chosen by size (the default).</param>
public sealed class InverseGradient(double eta, LinearSolver solver = LinearSolver.Auto)
    : RuleBase("ig", eta, solver == LinearSolver.Iterative ? SolverLimits.ProductNeeds : Needed)
{
    internal const Capabilities Needed = Capabilities.Value | Capabilities.Gradient | Capabilities.Jacobian |
        Capabilities.LossGradientInY | Capabilities.LossHessianInY;

    /// <summary>How the step's linear algebra is done.</summary>
    public LinearSolver Solver { get; } = solver;

    /// <inheritdoc/>
    public override string? SizeRefusal(int outputs, int variables) => SolverLimits.DenseRefusal(Name, Solver, outputs, variables);

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0)
    {
        RuleChecks.Square(Name, problem);
        return SolverLimits.Iterative(Solver, problem, SolverLimits.ProductNeeds)
            ? new IterativeInverseState(problem, Eta, physical: false)
            : new InverseState(problem, Eta, physical: false);
    }
}

/// <summary>
/// The physical gradient (docs/theory.md §2): Δy as for <see cref="InverseGradient"/>, then
/// Δx = P⁻¹(y + Δy; x) − x with the problem's local inverse (closed form when there is one, else
/// numeric: <see cref="IDifferentiableProblem.TryInvert"/>); when y + Δy has no preimage near x, the
/// inverse-gradient step instead (recorded as <see cref="FallbackKind.NoPreimage"/>).
/// The iterative form (as for <see cref="InverseGradient"/>) never forms J: Δy by conjugate gradients,
/// the fallback IG step by LSQR.
/// </summary>
/// <param name="eta">The step size η (it scales Δy).</param>
/// <param name="solver">Dense, iterative, or chosen by size (the default).</param>
public sealed class PhysicalGradient(double eta, LinearSolver solver = LinearSolver.Auto)
    : RuleBase("pg", eta,
        (solver == LinearSolver.Iterative ? SolverLimits.ProductNeeds : InverseGradient.Needed) | Capabilities.Inverse)
{
    /// <summary>How the step's linear algebra is done.</summary>
    public LinearSolver Solver { get; } = solver;

    /// <inheritdoc/>
    public override string? SizeRefusal(int outputs, int variables) => SolverLimits.DenseRefusal(Name, Solver, outputs, variables);

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0)
    {
        RuleChecks.Square(Name, problem);
        return SolverLimits.Iterative(Solver, problem, SolverLimits.ProductNeeds)
            ? new IterativeInverseState(problem, Eta, physical: true)
            : new InverseState(problem, Eta, physical: true);
    }
}

internal sealed class InverseState(IDifferentiableProblem problem, double eta, bool physical) : JacobianState(problem, lossHessian: true)
{
    private readonly double[] _dy = new double[problem.M], _target = new double[problem.M], _xNew = new double[problem.N];
    private readonly double[] _workspace = new double[Math.Max(problem.N, problem.M) * Math.Max(problem.N, problem.M)];
    private readonly double[,] _jacobian2D = new double[problem.M, problem.N];

    /// <summary>PG: how the last step's inverse went (null for IG, or for a problem that reports nothing beyond TryInvert).</summary>
    public InverseReport? LastInverse { get; private set; }

    private string InverseName() => (Problem is LimitSettledProblem l ? l.Inner : Problem) is CompiledProblem c
        ? c.InverseSource switch
        {
            Symbolic.InverseSource.Given => "given",
            Symbolic.InverseSource.Derived => "derived, then numeric",
            _ => "numeric",
        }
        : "the problem's";

    private string? _rounding;

    public override string? AtRoundingLevel => _rounding;

    public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
    {
        int n = N, m = M;
        var (hy, gy, dy, target, j) = (LossHessianY, LossGradientY, _dy, _target, J);
        // ∂L/∂y at rounding level: Δy, and so the step, is rounding noise (the spectral rules' stop).
        if ((_rounding = LossGradientAtRounding(physical ? "pg" : "ig", x)) is not null)
        {
            Array.Clear(dx);
            LastInverse = null;
            return;
        }
        if (!Steps.Newton(hy, gy, eta, dy, _workspace, out var whyInY))
        {
            // A loss without (positive) curvature in y: a plain gradient step in y.
            for (var i = 0; i < m; i++) dy[i] = -eta * gy[i];
            if (!Array.TrueForAll(gy, v => v == 0))
                notes.Note(FallbackKind.LossHessianInYSingular, $"the loss's Hessian in y is {whyInY}; Δy is a gradient step in y");
        }
        var inverted = false;
        if (physical)
        {
            for (var i = 0; i < m; i++) target[i] = Y[i] + dy[i];
            // The closed-form inverse when there is one; otherwise (or when a derived one's branch
            // fails) Newton's method on P(x) = y + Δy from x.
            if (Inversion.Try(Problem, target, x, _xNew, out var report))
            {
                for (var i = 0; i < n; i++) dx[i] = _xNew[i] - x[i];
                inverted = true;
            }
            else
                notes.Note(FallbackKind.NoPreimage, Inversion.IsGivenUndefined(Problem)
                    ? $"the given inverse is undefined (has no finite value) at y + Δy = {NumberText.Vector(target)}; took an inverse-gradient step instead"
                    : $"no preimage of y + Δy = {NumberText.Vector(target)} was found near x ({InverseName()} inverse: none exists there, or the inverse could not reach it from x, as Newton's method cannot where J is singular{Inversion.Describe(report)}); took an inverse-gradient step instead");
            LastInverse = report;
        }
        if (inverted) return;
        var r = LinearAlgebra.Solve(j, dy, dx, _workspace, TypicalX(x));
        if (r.Ok) return;
        // The minimum-norm solution of J Δx = Δy (J⁺Δy): moves only where J can. This fallback allocates
        // (MathNet's SVD builds U, Σ and Vᵀ, about 400 kB at n = 100; the note formats the point): a
        // singular or ill-conditioned J (condition above LinearAlgebra.MaxCondition) has no cheaper
        // stable answer. The regular step above runs in the state's workspace and allocates nothing.
        for (var row = 0; row < m; row++)
            for (var c = 0; c < n; c++) _jacobian2D[row, c] = j[row * n + c];
        var rank = LinearAlgebra.PseudoInverseProduct(_jacobian2D, dy, 1e-12, dx, out var cut, TypicalX(x));
        // A non-finite solve is said as what it is ("the Jacobian is non-finite input or result" read as a claim about J):
        // J⁻¹Δy beyond doubles, as on 1e-320*x0, whose preimage of 1 is 1E+320.
        var what = r.Status == SolveStatus.NonFinite
            ? $"solving J Δx = Δy at {Point(x)} gave no finite Δx (J⁻¹Δy is beyond doubles: J's entries are subnormal or the preimage is out of range)"
            : $"the Jacobian is {r} at {Point(x)}";
        notes.Note(FallbackKind.JacobianSingular, $"{what}; took the minimum-norm step J⁺Δy (rank {rank} of {n}" +
            (cut.Dropped > 0 ? $": {cut.Describe("the equilibrated J")})" : ")"));
    }
}

/// <summary>How a Jacobian rule does its linear algebra.</summary>
public enum LinearSolver
{
    /// <summary>Dense up to <see cref="SolverLimits.DenseUpTo"/> outputs and variables, iterative above (or when the problem has the products but no dense Jacobian).</summary>
    Auto,
    /// <summary>Always the dense path: J (m·n) formed, factorised or decomposed.</summary>
    Dense,
    /// <summary>Always matrix-free: Krylov solves on the J v and Jᵀ w product kernels (<see cref="Krylov"/>).</summary>
    Iterative,
}

/// <summary>
/// The sizes at which the Jacobian rules change method, and what their matrix-free forms need.
/// The matrix-free forms read ∂²L/∂y² only through products (∂²L/∂y²) w, taken as the central difference
/// of the ∂L/∂y kernel, (∇L(y + t w) − ∇L(y − t w)) / (2t) with t·‖w‖∞ = ε^⅓ (1 + ‖y‖∞): exact up to
/// rounding (relative error about ε^⅔ ≈ 4·10⁻¹¹) for a loss quadratic in y, such as the default
/// ½‖y − y*‖² and any weighted sum of squares, and accurate to O(t²) ≈ 10⁻¹¹ relative for other smooth
/// losses. (A product kernel for ∂²L/∂y² does not exist; the dense m × m kernel is what this avoids.)
/// </summary>
public static class SolverLimits
{
    /// <summary>
    /// <see cref="LinearSolver.Auto"/> uses the dense path while both m and n are at most this. Measured on
    /// the 1-D heat example: at 256 cells a dense Gauss–Newton step (SVD) takes about as long as the
    /// LSQR one; above, the SVD's cubic cost and J's m·n memory dominate.
    /// </summary>
    public const int DenseUpTo = 256;

    /// <summary>
    /// HIG (and any κ ≠ −1) needs the SVD of J; above this many outputs or variables it is refused with a
    /// message (an SVD of a 2000 × 2000 matrix takes seconds per step and 32 MB per copy of J).
    /// </summary>
    public const int SvdUpTo = 2000;

    /// <summary>
    /// Why a rule asked for its dense form (<see cref="LinearSolver.Dense"/>, <c>iterative=0</c>) refuses
    /// this size, or null: above <see cref="SvdUpTo"/> outputs or variables the dense form holds J (m·n
    /// values) and a square workspace of max(m, n)² and factorises it every step (at n = 10⁵ that is
    /// 80 GB per copy). By size (<see cref="LinearSolver.Auto"/>) or matrix-free the rule takes any size.
    /// </summary>
    public static string? DenseRefusal(string rule, LinearSolver solver, int outputs, int variables)
    {
        var size = Math.Max(outputs, variables);
        return solver != LinearSolver.Dense || size <= SvdUpTo ? null
            : $"{rule} with iterative=0 forms the dense Jacobian J ({outputs} × {variables}) and factorises it every step; the size {size} is over " +
              $"the dense form's limit of {SvdUpTo} outputs or variables. Leave out iterative=0 ({rule} then solves matrix-free at this size), or use a smaller problem.";
    }

    /// <summary>
    /// The relative tolerance of the rules' LSQR solves: 10⁻¹², as Paige &amp; Saunders' atol = btol. Their
    /// tests are relative backward errors (‖r‖ ≤ tol·(‖b‖ + ‖A‖‖x‖): x solves a system within tol of
    /// (A, b); ‖Aᵀr‖ ≤ tol·‖A‖‖r‖: x is the least-squares solution of such a system), which LSQR reaches
    /// whatever κ(A) as long as tol is well above ε (10⁻¹² is 4500ε); at the optimum, where ∂L/∂y is
    /// itself rounding, the floor 4ε·max(‖y‖, ‖y₀‖) stops it first. The iteration limit is
    /// 2·min(m, n) + 50; an ill-conditioned J can need more (unpreconditioned Krylov converges at the rate
    /// (κ − 1)/(κ + 1) per iteration), and then the step is the last iterate, recorded as
    /// <see cref="FallbackKind.IterativeSolveIncomplete"/>.
    /// </summary>
    public const double KrylovTolerance = 1e-12;

    /// <summary>What the matrix-free forms read: L and ∂L/∂x, y = P(x), J v, Jᵀ w and ∂L/∂y.</summary>
    public const Capabilities ProductNeeds = Capabilities.Value | Capabilities.Gradient | Capabilities.Outputs |
        Capabilities.JacobianVector | Capabilities.JacobianTransposeVector | Capabilities.LossGradientInY;

    /// <summary>
    /// Whether a rule with this choice takes the matrix-free path on this problem: always for
    /// <see cref="LinearSolver.Iterative"/> (the capabilities are checked, naming any missing), never for
    /// <see cref="LinearSolver.Dense"/>, and for <see cref="LinearSolver.Auto"/> when the problem answers
    /// <paramref name="needs"/> and is larger than <see cref="DenseUpTo"/> or has no dense Jacobian.
    /// </summary>
    public static bool Iterative(LinearSolver solver, IDifferentiableProblem problem, Capabilities needs)
    {
        ArgumentNullException.ThrowIfNull(problem);
        switch (solver)
        {
            case LinearSolver.Dense: return false;
            case LinearSolver.Iterative:
                RuleChecks.Capabilities("the iterative solve", needs, problem);
                return true;
            default:
                if ((problem.Supported & needs) != needs) return false;
                return Math.Max(problem.M, problem.N) > DenseUpTo || !problem.Supported.HasFlag(Capabilities.Jacobian);
        }
    }
}

/// <summary>
/// A state for the matrix-free Jacobian rules: evaluates y = P(x) (the outputs kernel, no J), L and ∂L/∂x,
/// and before a step ∂L/∂y; offers J v, Jᵀ w and (∂²L/∂y²) w as <see cref="LinearMap"/>s at the point
/// being stepped. Nothing of size m·n or m² is allocated.
/// </summary>
internal abstract class ProductState : RuleState
{
    private readonly double[] _yScratch, _yPlus, _gPlus, _gMinus;
    private double[] _at;

    /// <summary>As <see cref="JacobianState"/>'s: whether the step reads L's value (Levenberg–Marquardt).</summary>
    protected virtual bool ReadsLoss => false;

    protected ProductState(IDifferentiableProblem problem) : base(problem)
    {
        Y = new double[M];
        LossGradientY = new double[M];
        _yScratch = new double[M];
        _yPlus = new double[M];
        _gPlus = new double[M];
        _gMinus = new double[M];
        _at = new double[N];
        if (problem.Supported.HasFlag(Capabilities.SparseJacobian))
        {
            // J's nonzeros are written once per step and the Krylov products read them: on the Rosenbrock
            // residuals at n = 10⁴ (2n nonzeros) a product through the CSR copy costs a fraction of one
            // through the product kernels, which re-evaluate J's entries at every call, and GN's LSQR takes
            // thousands of products in a run (BENCHMARKS.md, "GN and LM at n = 10⁴ from a problem file").
            _sparse = new CsrMatrix(problem.SparseJacobianPattern());
            ApplyJ = (v, jv) => Sparse().Multiply(v, jv);
            ApplyJT = (w, jtw) => Sparse().TransposeMultiply(w, jtw);
        }
        else
        {
            ApplyJ = (v, jv) => Problem.JacobianVector(_at, v, _yScratch, jv);
            ApplyJT = (w, jtw) => Problem.JacobianTransposeVector(_at, w, _yScratch, jtw);
        }
        ApplyLossHessianY = LossHessianProduct;
    }

    private readonly CsrMatrix? _sparse;
    private bool _sparseCurrent;

    /// <summary>
    /// J at the point of the current step as a CSR matrix, its values written on the first call after
    /// <see cref="At"/>; null when the problem has no sparse Jacobian (then J v and Jᵀ w go through the
    /// product kernels).
    /// </summary>
    protected CsrMatrix? SparseJacobian => _sparse is null ? null : Sparse();

    /// <summary>The pattern of <see cref="SparseJacobian"/> (nothing evaluated), or null.</summary>
    protected Symbolic.SparsityPattern? SparseJacobianPattern => _sparse?.Pattern;

    private CsrMatrix Sparse()
    {
        if (!_sparseCurrent)
        {
            Problem.SparseJacobian(_at, _yScratch, _sparse!);
            _sparseCurrent = true;
        }
        return _sparse!;
    }

    protected double[] Y { get; }

    protected double[] LossGradientY { get; }

    /// <summary>v (n) ↦ J v (m) at the point of the current step.</summary>
    protected LinearMap ApplyJ { get; }

    /// <summary>w (m) ↦ Jᵀ w (n) at the point of the current step.</summary>
    protected LinearMap ApplyJT { get; }

    /// <summary>w (m) ↦ (∂²L/∂y²) w at y (see <see cref="SolverLimits"/> for how).</summary>
    protected LinearMap ApplyLossHessianY { get; }

    public override double[]? Outputs => Y;

    /// <summary>‖s‖, the norm of the outputs' rounding scales at the point of the last <see cref="LossGradientAtRounding"/>
    /// (as <see cref="JacobianState"/>'s).</summary>
    protected double OutputScale { get; private set; } = double.NaN;

    /// <summary>The rounding level of ∂L/∂y at y (<see cref="Rounding.OfLossGradientInY"/>), with the scales of the last <see cref="LossGradientAtRounding"/>.</summary>
    protected double RoundingLevel() => Rounding.OfLossGradientInY(Y, OutputScale);

    /// <summary>Makes the maps act at <paramref name="x"/> (the point passed to <see cref="RuleState.Update"/>; not copied, not changed).</summary>
    protected void At(double[] x) => (_at, _sparseCurrent) = (x, false);

    public override double Evaluate(double[] x, double[] gradient)
    {
        Problem.Simulate(x, Y);
        return Problem.ValueGradient(x, gradient);
    }

    private double[]? _jx, _errors;

    /// <summary>
    /// Why <paramref name="rule"/>'s step at <paramref name="x"/> (the point of <see cref="At"/>) is 0 because
    /// ∂L/∂y is rounding noise, else null: the norm test (<see cref="Rounding.LossGradientInY"/>) and, as the dense
    /// states have it, every component at its own output's level, so that outputs in units 10¹⁵ apart are not
    /// judged by the largest. Σⱼ|Jᵢⱼxⱼ| comes from the sparse J's nonzeros when the problem has them, else
    /// |(J x)ᵢ| from one product stands for it (<see cref="Rounding.OutputScales(double[], double[], double[])"/>).
    /// </summary>
    protected string? LossGradientAtRounding(string rule, double[] x)
    {
        ComponentFloor = null;
        var levels = _levels ??= new double[M];
        string each;
        if (SparseJacobian is { } j)
        {
            Rounding.OutputScales(Y, j, x, levels);
            each = Rounding.EachComponent;
        }
        else
        {
            _jx ??= new double[M];
            ApplyJ(x, _jx);
            Rounding.OutputScales(Y, _jx, levels);
            each = Rounding.EachComponentByProduct;
        }
        Rounding.AddRunningErrors(Problem, x, levels, _errors ??= new double[M]);
        OutputScale = CompiledProblem.Norm(levels, M);
        if (Rounding.LossGradientInY(rule, Y, LossGradientY, OutputScale) is not { } why) return null;
        Rounding.Levels(levels, levels);
        if (Rounding.AllWithin(LossGradientY, levels)) return why + each;
        // The norm is at rounding but a component is not: a solve on ∂L/∂y must not stop at the norm's floor
        // either (LSQR would return p = 0 at once), only where every component's residual is surely at its own
        // level, which the smallest level bounds.
        ComponentFloor = levels.Min();
        return null;
    }

    /// <summary>
    /// Set by <see cref="LossGradientAtRounding"/> when ‖∂L/∂y‖ is at its norm's rounding level but some component is
    /// above its own: the smallest componentwise level min ᵢ 4ε·sᵢ, the residual floor a
    /// solve on ∂L/∂y takes instead of the norm's (<see cref="RoundingLevel"/>). Null otherwise.
    /// </summary>
    protected double? ComponentFloor { get; private set; }

    private double[]? _levels;

    public override NonFiniteValue? CheckInputs(double loss, double[] gradient)
    {
        if (JacobianState.LossRefused(loss, ReadsLoss) is { } bad) return bad;
        if (NonFiniteValue.Find(Quantity.Outputs, Y) is { } y) return y;
        Problem.LossInY(Y, LossGradientY);
        return NonFiniteValue.Find(Quantity.LossGradientInY, LossGradientY);
    }

    // ε^⅓ for double precision (ε = 2⁻⁵²): the step that balances truncation O(t²) against rounding O(ε/t).
    private static readonly double CubeRootEpsilon = Math.Cbrt(Math.Pow(2, -52));

    private void LossHessianProduct(double[] w, double[] hw)
    {
        double wMax = 0, yMax = 0;
        for (var i = 0; i < M; i++)
        {
            wMax = Math.Max(wMax, Math.Abs(w[i]));
            yMax = Math.Max(yMax, Math.Abs(Y[i]));
        }
        if (wMax == 0)
        {
            Array.Clear(hw);
            return;
        }
        // The central difference of ∂L/∂y along w (SolverLimits explains the step and its accuracy).
        var t = CubeRootEpsilon * (1 + yMax) / wMax;
        for (var i = 0; i < M; i++) _yPlus[i] = Y[i] + t * w[i];
        Problem.LossInY(_yPlus, _gPlus);
        for (var i = 0; i < M; i++) _yPlus[i] = Y[i] - t * w[i];
        Problem.LossInY(_yPlus, _gMinus);
        for (var i = 0; i < M; i++) hw[i] = (_gPlus[i] - _gMinus[i]) / (2 * t);
    }
}

/// <summary>
/// The rounding levels at which the Jacobian rules stop solving (one place, so that Gauss–Newton's LSQR floor
/// and Levenberg–Marquardt's stop agree), all judged at the current point x, never at the start: each output yᵢ has
/// its rounding scale sᵢ = max(|yᵢ|, Σⱼ|Jᵢⱼxⱼ|, εᵢ/ε) there (<see cref="OutputScales(double[], double[], double[], double[])"/>,
/// <see cref="AddRunningErrors"/>), the size of what yᵢ is computed from, and ε = 2⁻⁵².
/// </summary>
internal static class Rounding
{
    /// <summary>
    /// y's scale for its rounding: max(‖y‖, <paramref name="scale"/>), with <paramref name="scale"/> = ‖s‖ the norm of
    /// the outputs' rounding scales at the current point (<see cref="OutputScales(double[], double[], double[], double[])"/>),
    /// or ‖y‖ alone when it is not known (NaN). Near y = 0 (a residual 1 − x0 at x0 ≈ 1) y's error is ε times the terms
    /// it is computed from, not ε‖y‖, and s holds those terms. Taken at the current x: the start's ‖y₀‖ (used before)
    /// kept the level of outputs that started at 10¹² after they had fallen to 1, and `1e12*x0*x1; 1e-6*x1` stopped
    /// 2.8E-07 above its minimum 0, called a global minimum to rounding.
    /// </summary>
    public static double Scale(double[] y, double scale)
    {
        var size = CompiledProblem.Norm(y, y.Length);
        return double.IsNaN(scale) ? size : Math.Max(size, scale);
    }

    /// <summary>
    /// The rounding level of ∂L/∂y: 4ε·max(‖y‖, ‖s‖) (<see cref="Scale"/>). For the default loss ∂L/∂y = y − y*
    /// carries that error from y itself, so no solve on it needs a smaller residual (near a solution ∂L/∂y is
    /// itself at this level, and a relative test could never be met).
    /// </summary>
    public static double OfLossGradientInY(double[] y, double scale) => Krylov.RoundingFactor * Krylov.Epsilon * Scale(y, scale);

    /// <summary>
    /// The rounding level of L: 4ε·(|L| + ‖∂L/∂y‖·max(‖y‖, ‖s‖)). The first part is L's own rounding; the
    /// second is what y's rounding (ε·max(‖y‖, ‖s‖), <see cref="Scale"/>) moves L by to first order. A change of L below this cannot
    /// be told from rounding, so a model that predicts less cannot have its step accepted or rejected on
    /// evidence (MINPACK's lmder stops on the same ground, its info = 6: "no further reduction in the sum
    /// of squares is possible", when the actual and predicted relative reductions are at most ε; Moré,
    /// Garbow &amp; Hillstrom, User Guide for MINPACK-1, 1980). The second part matters on zero-residual
    /// problems, where L itself is far below the rounding of y.
    /// </summary>
    public static double OfLoss(double loss, double[] y, double[] lossGradientY, double scale) =>
        Krylov.RoundingFactor * Krylov.Epsilon * (Math.Abs(loss) + CompiledProblem.Norm(lossGradientY, lossGradientY.Length) * Scale(y, scale));

    /// <summary>How L's rounding level (<see cref="OfLoss"/>) reads in a stop's reason.</summary>
    public const string LossLevelText = "4ε(|L| + ‖∂L/∂y‖·‖s‖)";

    /// <summary>What s is, in a stop's reason.</summary>
    public const string ScaleText = "s the outputs' rounding scales at x";

    /// <summary>
    /// Why <paramref name="rule"/>'s step is 0 when ∂L/∂y is at its rounding level (‖∂L/∂y‖ ≤
    /// <see cref="OfLossGradientInY"/> with ‖s‖ at the current point), else null: the step solves a system whose right-hand side is then rounding.
    /// </summary>
    public static string? LossGradientInY(string rule, double[] y, double[] lossGradientY, double scale)
    {
        var (size, level) = (CompiledProblem.Norm(lossGradientY, lossGradientY.Length), OfLossGradientInY(y, scale));
        return size <= level
            ? $"{rule}'s step is 0: ∂L/∂y is at rounding level (‖∂L/∂y‖ = {NumberText.Short(size, 3)} ≤ 4ε‖s‖ = {NumberText.Short(level, 3)})"
            : null;
    }

    /// <summary>
    /// The outputs' rounding scales at x before P's own rounding (<see cref="AddRunningErrors"/> adds it), into
    /// <paramref name="scales"/> (m): sᵢ = max(|yᵢ|, Σⱼ |Jᵢⱼ xⱼ|) with J (m·n, row by row) at x. The sum is, to first order,
    /// the size of the terms yᵢ is computed from (Higham, Accuracy and Stability of Numerical Algorithms, §1.6, as in
    /// <see cref="CompiledProblem.RoundingScale"/>), so a residual x₀ − x₁ at x ≈ 1 still counts as noise. Each output in
    /// its own units, where a norm mixes them. Allocates nothing.
    /// </summary>
    public static void OutputScales(double[] y, double[] j, double[] x, double[] scales)
    {
        int m = y.Length, n = x.Length;
        for (var i = 0; i < m; i++)
        {
            double terms = 0;
            for (var c = 0; c < n; c++)
                // An exact zero xⱼ contributes nothing, whatever Jᵢⱼ (∞·0 would be NaN).
                if (x[c] != 0) terms += Math.Abs(j[i * n + c] * x[c]);
            scales[i] = Math.Max(Math.Abs(y[i]), terms);
        }
    }

    /// <summary>
    /// As <see cref="OutputScales(double[], double[], double[], double[])"/> with J as a sparse matrix (m × n, CSR):
    /// the sum from row i's structural nonzeros, the same as the dense form's (the other entries are 0). Allocates nothing.
    /// </summary>
    public static void OutputScales(double[] y, CsrMatrix j, double[] x, double[] scales)
    {
        var (rows, columns, values) = (j.RowPointers, j.ColumnIndices, j.Values);
        for (var i = 0; i < y.Length; i++)
        {
            double terms = 0;
            for (var k = rows[i]; k < rows[i + 1]; k++)
                if (x[columns[k]] != 0) terms += Math.Abs(values[k] * x[columns[k]]);
            scales[i] = Math.Max(Math.Abs(y[i]), terms);
        }
    }

    /// <summary>
    /// As <see cref="OutputScales(double[], double[], double[], double[])"/> without J's entries, from one product J x
    /// (m values): |(J x)ᵢ| ≤ Σⱼ |Jᵢⱼ xⱼ| in place of the sum, so each scale is at most the exact one and the test never
    /// calls noise what the exact test would not.
    /// </summary>
    public static void OutputScales(double[] y, double[] jx, double[] scales)
    {
        for (var i = 0; i < y.Length; i++) scales[i] = Math.Max(Math.Abs(y[i]), Math.Abs(jx[i]));
    }

    /// <summary>
    /// Raises each scale sᵢ to εᵢ/ε where P's running error bound εᵢ at x (<see cref="CompiledProblem.OutputRoundingErrors"/>)
    /// is larger: a cancellation inside P (eˣ − 1 at x ≈ 0, whose Σⱼ|Jᵢⱼxⱼ| is x) leaves yᵢ known to εᵢ only. Problems that are
    /// not compiled (a hand-written simulator) have no program to bound and keep their scales; a bound that is not finite
    /// (an intermediate overflows) is left out. <paramref name="errors"/>: m values of scratch.
    /// </summary>
    public static void AddRunningErrors(IDifferentiableProblem problem, double[] x, double[] scales, double[] errors)
    {
        if ((problem is LimitSettledProblem settled ? settled.Inner : problem) is not CompiledProblem compiled) return;
        compiled.OutputRoundingErrors(x, errors);
        for (var i = 0; i < scales.Length; i++)
            if (double.IsFinite(errors[i])) scales[i] = Math.Max(scales[i], errors[i] / Krylov.Epsilon);
    }

    /// <summary>The componentwise levels 4ε·sᵢ of the scales s into <paramref name="levels"/> (may be the same array).</summary>
    public static void Levels(double[] scales, double[] levels)
    {
        for (var i = 0; i < scales.Length; i++) levels[i] = Krylov.RoundingFactor * Krylov.Epsilon * scales[i];
    }

    /// <summary>Whether every |∂L/∂yᵢ| is at most its level (false for NaN).</summary>
    public static bool AllWithin(double[] lossGradientY, double[] levels)
    {
        for (var i = 0; i < levels.Length; i++)
            if (!(Math.Abs(lossGradientY[i]) <= levels[i])) return false;
        return true;
    }

    /// <summary>What a stop on the componentwise test adds to the norm test's reason.</summary>
    public const string EachComponent = ", and each |∂L/∂yᵢ| ≤ 4ε·sᵢ (sᵢ = max{|yᵢ|, Σⱼ|Jᵢⱼxⱼ|, εᵢ/ε}: yᵢ's rounding scale at x, εᵢ the running error bound of evaluating it)";

    /// <summary>The same, when J x stood for the sum (no entries of J to hand).</summary>
    public const string EachComponentByProduct = ", and each |∂L/∂yᵢ| ≤ 4ε·sᵢ (sᵢ = max{|yᵢ|, |(J x)ᵢ|, εᵢ/ε}: yᵢ's rounding scale at x, εᵢ the running error bound of evaluating it)";
}

/// <summary>
/// Gauss–Newton by LSQR: p = J⁺ ∂L/∂y as the minimum-norm least-squares solution of J p = ∂L/∂y; Δx = −η p.
/// Preconditioned on the right (<see cref="Krylov.Lsqr"/>'s M): Jacobi column scaling refreshed at every
/// step, or the problem's linear, symmetric inverse (<see cref="InversePreconditioner"/>).
/// </summary>
internal sealed class LsqrGaussNewtonState : ProductState
{
    private readonly double _eta;
    private readonly KrylovWorkspace _work;
    private readonly double[] _p;
    private readonly ColumnScaling? _scaling;
    private readonly DiagonalPreconditioner? _jacobi;
    private readonly InversePreconditioner? _inverse;

    public LsqrGaussNewtonState(IDifferentiableProblem problem, double eta, Preconditioning preconditioning) : base(problem)
    {
        _eta = eta;
        _work = new(problem.M, problem.N);
        _p = new double[problem.N];
        switch (preconditioning)
        {
            case Preconditioning.Inverse:
                _inverse = new InversePreconditioner(problem);
                break;
            // The inverse when the problem has a usable one: on heat1d-inverse (κ(J) = 625, J circulant, so
            // Jacobi is a multiple of I) LSQR then takes 27 iterations instead of 3,931 at n = 4096.
            case Preconditioning.Auto when InversePreconditioner.IfAvailable(problem) is { } inverse:
                _inverse = inverse;
                break;
            case Preconditioning.Jacobi:
            case Preconditioning.Auto when problem.M >= problem.N:
                (_scaling, _jacobi) = (new ColumnScaling(problem), new DiagonalPreconditioner(problem.N));
                // Under Auto, with a sparse J whose normal matrix factorises cheaply, Jacobi scaling followed
                // by that factor (the same solution, far fewer iterations: on the Rosenbrock residuals at
                // n = 10⁴ a 100-step run took 8,277 LSQR iterations with Jacobi alone, 4,639 of them in one step).
                if (preconditioning == Preconditioning.Auto && SparseJacobianPattern is { } pattern)
                    _normal = NormalCholeskyPreconditioner.IfAffordable(pattern);
                break;
        }
    }

    private readonly NormalCholeskyPreconditioner? _normal;

    /// <summary>The LSQR iterations of the last step (for the benchmarks and tests).</summary>
    public int LastIterations { get; private set; }

    private InnerSolve? _last;
    private string? _rounding;

    public override InnerSolve? LastSolve => _last;

    public override string? AtRoundingLevel => _rounding;

    public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
    {
        At(x);
        (_last, _rounding) = (null, null);
        // ∂L/∂y at rounding level: the step is 0 (LSQR's residual floor would return at once anyway).
        if (LossGradientAtRounding("gn", x) is { } why)
        {
            Array.Clear(dx);
            (_rounding, LastIterations) = (why, 0);
            return;
        }
        KrylovPreconditioner? preconditioner = _inverse;
        if (_scaling is not null)
        {
            _scaling.Compute(x, SparseJacobian);
            _scaling.ToLsqr(_jacobi!);
            preconditioner = _normal is not null && _normal.Refresh(SparseJacobian!, _jacobi!.Diagonal) ? _normal : _jacobi;
        }
        var result = Krylov.Lsqr(M, N, ApplyJ, ApplyJT, LossGradientY, _p, _work, tolerance: SolverLimits.KrylovTolerance,
            residualFloor: ComponentFloor ?? RoundingLevel(), preconditioner: preconditioner);
        if (_inverse is not null && !result.Consistent)
        {
            // The inverse's linear part might be singular (its tests cannot exclude that): then J M z = b
            // cannot be met even where J p = b can. Solve again without it, and say so.
            var first = result;
            result = Krylov.Lsqr(M, N, ApplyJ, ApplyJT, LossGradientY, _p, _work, tolerance: SolverLimits.KrylovTolerance, residualFloor: ComponentFloor ?? RoundingLevel());
            notes.Note(FallbackKind.IterativeSolveIncomplete,
                $"LSQR preconditioned by the inverse simulator ended without solving J p = ∂L/∂y (residual {NumberText.Short(first.Residual, 3)}) at {Point(x)}; solved again without a preconditioner");
        }
        LastIterations = result.Iterations;
        _last = new InnerSolve("LSQR", result.Iterations, result.Residual,
            SolverLimits.KrylovTolerance * CompiledProblem.Norm(LossGradientY, M), result.Exit);
        for (var i = 0; i < N; i++) dx[i] = -_eta * _p[i];
        if (!result.Converged)
            notes.Note(FallbackKind.IterativeSolveIncomplete,
                $"LSQR for J⁺∂L/∂y stopped at its limit of {NumberText.Count(result.Iterations, "iteration")} (residual {NumberText.Short(result.Residual, 3)}) at {Point(x)}; took its last iterate");
    }
}

/// <summary>IG and PG without J: Δy by CG on (∂²L/∂y²) products, Δx = P⁻¹(y + Δy; x) − x (PG) or by LSQR on J Δx = Δy.</summary>
internal sealed class IterativeInverseState(IDifferentiableProblem problem, double eta, bool physical) : ProductState(problem)
{
    private readonly KrylovWorkspace _cg = new(problem.M, problem.M), _lsqr = new(problem.M, problem.N);
    // The preconditioner of the LSQR solve of J Δx = Δy (square J: for a nonsingular J the solution is
    // unique, so it changes only the iteration count): the problem's inverse as Preconditioning.Auto
    // takes it (InversePreconditioner.IfAvailable), else Jacobi column scaling. Chosen on first use: PG
    // reaches it only on its fallback.
    private bool _chosen;
    private InversePreconditioner? _inverse;
    private ColumnScaling? _scaling;
    private DiagonalPreconditioner? _jacobi;

    private KrylovPreconditioner LsqrPreconditioner(double[] x)
    {
        if (!_chosen) (_inverse, _chosen) = (InversePreconditioner.IfAvailable(Problem), true);
        if (_inverse is not null) return _inverse;
        _scaling ??= new ColumnScaling(Problem);
        _jacobi ??= new DiagonalPreconditioner(N);
        _scaling.Compute(x, SparseJacobian);
        _scaling.ToLsqr(_jacobi);
        return _jacobi;
    }
    private readonly double[] _rhs = new double[problem.M], _dy = new double[problem.M], _target = new double[problem.M], _xNew = new double[problem.N];

    /// <summary>PG: how the last step's inverse went (null for IG, or for a problem that reports nothing beyond TryInvert).</summary>
    public InverseReport? LastInverse { get; private set; }

    public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
    {
        At(x);
        int n = N, m = M;
        for (var i = 0; i < m; i++) _rhs[i] = -eta * LossGradientY[i];
        var inY = Krylov.ConjugateGradient(m, ApplyLossHessianY, _rhs, _dy, _cg);
        if (!inY.Converged)
        {
            // No (positive) curvature of the loss in y along a CG direction: a plain gradient step in y.
            Array.Copy(_rhs, _dy, m);
            if (!Array.TrueForAll(LossGradientY, v => v == 0))
                notes.Note(FallbackKind.LossHessianInYSingular,
                    $"conjugate gradients on the loss's Hessian in y stopped at iteration {inY.Iterations} (no positive curvature or no convergence); Δy is a gradient step in y");
        }
        if (physical)
        {
            for (var i = 0; i < m; i++) _target[i] = Y[i] + _dy[i];
            var found = Inversion.Try(Problem, _target, x, _xNew, out var report);
            LastInverse = report;
            if (found)
            {
                for (var i = 0; i < n; i++) dx[i] = _xNew[i] - x[i];
                return;
            }
            notes.Note(FallbackKind.NoPreimage, Inversion.IsGivenUndefined(Problem)
                ? $"the given inverse is undefined (has no finite value) at y + Δy near {Point(x)}; took an inverse-gradient step instead"
                : $"no preimage of y + Δy was found near {Point(x)} (none exists there, or the inverse could not reach it from there{Inversion.Describe(report)}); took an inverse-gradient step instead");
        }
        var preconditioner = LsqrPreconditioner(x);
        var r = Krylov.Lsqr(m, n, ApplyJ, ApplyJT, _dy, dx, _lsqr, tolerance: SolverLimits.KrylovTolerance, residualFloor: eta * RoundingLevel(),
            preconditioner: preconditioner);
        if (!r.Converged || !r.Consistent)
            // A singular J: the scaled solve would return the least-squares solution of least
            // ‖D⁻¹Δx‖, not J⁺Δy; the minimum-norm step is what the rule promises, so solve unscaled.
            // (A singular J with Δy in its range still gives an exact solution above, if not the
            // minimum-norm one.)
            r = Krylov.Lsqr(m, n, ApplyJ, ApplyJT, _dy, dx, _lsqr, tolerance: SolverLimits.KrylovTolerance, residualFloor: eta * RoundingLevel());
        if (!r.Converged)
            notes.Note(FallbackKind.IterativeSolveIncomplete,
                $"LSQR for J Δx = Δy stopped at its limit of {NumberText.Count(r.Iterations, "iteration")} (residual {NumberText.Short(r.Residual, 3)}) at {Point(x)}; took its last iterate");
        else if (!r.Consistent)
            notes.Note(FallbackKind.JacobianSingular,
                $"J Δx = Δy has no solution at {Point(x)} (least-squares residual {NumberText.Short(r.Residual, 3)}); took LSQR's minimum-norm least-squares step");
    }
}

/// <summary>The local inverse as PG asks for it, with the compiled problem's report of how it went.</summary>
internal static class Inversion
{
    /// <summary>
    /// <see cref="IDifferentiableProblem.TryInvert"/>; for a compiled problem (directly or with limits
    /// settled) also the report (closed form or numeric route, iterations, residual), else null.
    /// </summary>
    public static bool Try(IDifferentiableProblem problem, double[] y, double[] x0, double[] x, out InverseReport? report)
    {
        if ((problem is LimitSettledProblem l ? l.Inner : problem) is CompiledProblem c)
        {
            var r = c.InvertReporting(y, x0, x);
            report = r;
            return r.Found;
        }
        report = null;
        return problem.TryInvert(y, x0, x);
    }

    /// <summary>
    /// Whether a failed inversion was a given inverse with no finite value: a given inverse is the user's
    /// word, tried alone (<see cref="CompiledProblem.InvertReporting"/>), and fails only where its formula
    /// is undefined (y0^(1/3) at y0 &lt; 0), whether or not a preimage exists there. The fallback note
    /// then blames the given formula, not the existence of a preimage.
    /// </summary>
    public static bool IsGivenUndefined(IDifferentiableProblem problem) =>
        (problem is LimitSettledProblem l ? l.Inner : problem) is CompiledProblem { InverseSource: Symbolic.InverseSource.Given };

    /// <summary>"; the numeric inverse: …" for a fallback note when the numeric route ran, else nothing.</summary>
    public static string Describe(InverseReport? report) =>
        report is { Method: not InverseMethod.ClosedForm } r ? $"; the numeric inverse stopped without a preimage: {r}" : "";
}
