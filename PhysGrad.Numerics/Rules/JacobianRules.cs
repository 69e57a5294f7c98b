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

    /// <inheritdoc/>
    public override double Evaluate(double[] x, double[] gradient)
    {
        Problem.Simulate(x, Y, J);
        return Problem.ValueGradient(x, gradient);
    }

    /// <inheritdoc/>
    public override NonFiniteValue? CheckInputs(double loss, double[] gradient)
    {
        // The quantities these rules read, checked before a step: a NaN in any of them would otherwise
        // travel into the step (or crash an SVD) instead of stopping the run with a reason.
        if (!double.IsFinite(loss)) return new NonFiniteValue(Quantity.Loss, 0, loss);
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
/// The exponent family of THEORY.md §2 on J = U Σ Vᵀ: Δx = −η V Σ^κ Uᵀ ∂L/∂y with singular values at
/// or below τ·σ_max dropped (recorded). κ = −1, τ = 10⁻¹² is Gauss–Newton (<see cref="GaussNewton"/>),
/// κ = −½ the half-inverse gradient (<see cref="HalfInverseGradient"/>). Needs y, J and ∂L/∂y; the
/// SVD allocates.
/// </summary>
public abstract class SpectralRule : RuleBase
{
    /// <summary>A spectral rule with its exponent κ (finite) and relative truncation τ (finite, ≥ 0).</summary>
    protected SpectralRule(string name, Method method, double eta, double kappa, double tau)
        : base(name, method, eta, Capabilities.Value | Capabilities.Gradient | Capabilities.Jacobian | Capabilities.LossGradientInY)
    {
        if (!double.IsFinite(kappa) || !(tau >= 0) || !double.IsFinite(tau))
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, $"HIG's κ must be finite and τ finite and at least 0, not κ = {NumberText.RoundTrip(kappa)}, τ = {NumberText.RoundTrip(tau)}.");
        (Kappa, Tau) = (kappa, tau);
    }

    /// <summary>κ, the exponent of Σ.</summary>
    public double Kappa { get; }

    /// <summary>τ, the relative truncation of the singular values.</summary>
    public double Tau { get; }

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, this);

    private sealed class State(IDifferentiableProblem problem, SpectralRule rule) : JacobianState(problem, lossHessian: false)
    {
        private readonly double[,] _jacobian2D = new double[problem.M, problem.N];

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            for (var r = 0; r < m; r++)
                for (var c = 0; c < n; c++) _jacobian2D[r, c] = J[r * n + c];
            var kept = LinearAlgebra.SpectralProduct(_jacobian2D, LossGradientY, rule.Kappa, rule.Tau, dx);
            if (kept < Math.Min(m, n))
                notes.Note(FallbackKind.SingularValuesDropped, $"{Math.Min(m, n) - kept} singular value(s) of J dropped at {Point(x)}");
            for (var i = 0; i < n; i++) dx[i] *= -rule.Eta;
        }
    }
}

/// <summary>Gauss–Newton: Δx = −η J⁺ ∂L/∂y (the spectral rule with κ = −1, singular values ≤ 10⁻¹² σ_max dropped).</summary>
/// <param name="eta">The step size η.</param>
public sealed class GaussNewton(double eta) : SpectralRule("gn", Method.GaussNewton, eta, -1.0, 1e-12);

/// <summary>The half-inverse gradient: Δx = −η V Σ^κ Uᵀ ∂L/∂y (default κ = −½), singular values ≤ τ·σ_max dropped.</summary>
/// <param name="eta">The step size η.</param>
/// <param name="kappa">The exponent κ (default −½).</param>
/// <param name="tau">The relative truncation τ (default 10⁻³).</param>
public sealed class HalfInverseGradient(double eta, double kappa = -0.5, double tau = 1e-3)
    : SpectralRule("hig", Method.HalfInverseGradient, eta, kappa, tau);

/// <summary>
/// The inverse gradient (THEORY.md §2): Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y (a gradient step in y when that
/// Hessian is singular, recorded), then Δx = J⁻¹ Δy (J⁺Δy, the minimum-norm step, when J is singular,
/// recorded). Needs m = n, y, J and the loss's gradient and Hessian in y.
/// </summary>
/// <param name="eta">The step size η (it scales Δy).</param>
public sealed class InverseGradient(double eta) : RuleBase("ig", Method.InverseGradient, eta, Needed)
{
    internal const Capabilities Needed = Capabilities.Value | Capabilities.Gradient | Capabilities.Jacobian |
        Capabilities.LossGradientInY | Capabilities.LossHessianInY;

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0)
    {
        RuleChecks.Square(Method.ToString(), problem);
        return new InverseState(problem, Eta, physical: false);
    }
}

/// <summary>
/// The physical gradient (THEORY.md §2): Δy as for <see cref="InverseGradient"/>, then
/// Δx = P⁻¹(y + Δy; x) − x with the problem's local inverse (closed form when there is one, else
/// numeric: <see cref="IDifferentiableProblem.TryInvert"/>); when y + Δy has no preimage near x, the
/// inverse-gradient step instead (recorded as <see cref="FallbackKind.NoPreimage"/>).
/// </summary>
/// <param name="eta">The step size η (it scales Δy).</param>
public sealed class PhysicalGradient(double eta)
    : RuleBase("pg", Method.PhysicalGradient, eta, InverseGradient.Needed | Capabilities.Inverse)
{
    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0)
    {
        RuleChecks.Square(Method.ToString(), problem);
        return new InverseState(problem, Eta, physical: true);
    }
}

internal sealed class InverseState(IDifferentiableProblem problem, double eta, bool physical) : JacobianState(problem, lossHessian: true)
{
    private readonly double[] _dy = new double[problem.M], _target = new double[problem.M], _xNew = new double[problem.N];
    private readonly double[] _workspace = new double[Math.Max(problem.N, problem.M) * Math.Max(problem.N, problem.M)];
    private readonly double[,] _jacobian2D = new double[problem.M, problem.N];

    private string InverseName() => (Problem is LimitSettledProblem l ? l.Inner : Problem) is CompiledProblem c
        ? c.InverseSource switch
        {
            Symbolic.InverseSource.Given => "given",
            Symbolic.InverseSource.Derived => "derived, then numeric",
            _ => "numeric",
        }
        : "the problem's";

    public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
    {
        int n = N, m = M;
        var (hy, gy, dy, target, j) = (LossHessianY, LossGradientY, _dy, _target, J);
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
            if (Problem.TryInvert(target, x, _xNew))
            {
                for (var i = 0; i < n; i++) dx[i] = _xNew[i] - x[i];
                inverted = true;
            }
            else
                notes.Note(FallbackKind.NoPreimage,
                    $"y + Δy = {NumberText.Vector(target)} has no preimage near x ({InverseName()} inverse); took an inverse-gradient step instead");
        }
        if (inverted) return;
        var r = LinearAlgebra.Solve(j, dy, dx, _workspace);
        if (r.Ok) return;
        // The minimum-norm solution of J Δx = Δy (J⁺Δy): moves only where J can. This fallback allocates
        // (MathNet's SVD builds U, Σ and Vᵀ, about 400 kB at n = 100; the note formats the point): a
        // singular or ill-conditioned J (condition above LinearAlgebra.MaxCondition) has no cheaper
        // stable answer. The regular step above runs in the state's workspace and allocates nothing.
        for (var row = 0; row < m; row++)
            for (var c = 0; c < n; c++) _jacobian2D[row, c] = j[row * n + c];
        var rank = LinearAlgebra.SpectralProduct(_jacobian2D, dy, -1.0, 1e-12, dx);
        notes.Note(FallbackKind.JacobianSingular, $"the Jacobian is {r} at {Point(x)}; took the minimum-norm step J⁺Δy (rank {rank} of {n})");
    }
}
