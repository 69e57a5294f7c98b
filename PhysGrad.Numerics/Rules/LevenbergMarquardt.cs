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
/// </summary>
public sealed class LevenbergMarquardt : RuleBase
{
    /// <summary>Levenberg–Marquardt with step size η and initial damping λ₀ (positive, finite).</summary>
    /// <exception cref="Symbolic.SymbolicException">η or λ₀ out of range.</exception>
    public LevenbergMarquardt(double eta, double lambda0 = 1e-3)
        : base("lm", eta, InverseGradient.Needed)
    {
        if (!(lambda0 > 0) || !double.IsFinite(lambda0))
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, $"Levenberg–Marquardt's λ₀ must be positive and finite, not {lambda0}.");
        Lambda0 = lambda0;
    }

    /// <summary>λ₀, the damping of the first step (relative to D = diag(JᵀHJ)).</summary>
    public double Lambda0 { get; }

    /// <summary>The most rejected trials in one step before it gives up with Δx = 0.</summary>
    public const int MaxRejections = 40;

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, this);

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

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N, m = M;
            Array.Clear(dx);
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
                    var trial = Problem.Value(_trial);
                    var actual = loss - trial;
                    if (actual > 0)
                    {
                        var predicted = -slope - 0.5 * curvature;
                        var rho = predicted > 0 ? actual / predicted : 0;
                        _lambda *= rho > 0 ? Math.Max(1.0 / 3, 1 - Math.Pow(2 * rho - 1, 3)) : 1;
                        _nu = 2;
                        return;
                    }
                }
                _lambda *= _nu;
                _nu *= 2;
                if (!double.IsFinite(_lambda)) break;
            }
            Array.Clear(dx);
            notes.Note(FallbackKind.StepRejected,
                $"no damping up to λ = {NumberText.Short(_lambda, 3)} gave a decrease of L at {Point(x)}; the step is 0");
            // Start the next step (if any) from a moderate damping again.
            (_lambda, _nu) = (rule.Lambda0, 2);
        }
    }
}
