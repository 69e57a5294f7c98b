using System.Globalization;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Newton-CG (truncated Newton; Nocedal &amp; Wright, Numerical Optimization, Algorithm 7.1): the Newton
/// system (∂²L/∂x²) p = −∂L/∂x solved by conjugate gradients on Hessian-vector products, so the
/// Hessian is never formed (O(n) memory, one Hv product per CG iteration); Δx = η p. CG stops when
/// the residual is at most <see cref="Tolerance"/>·‖∂L/∂x‖ or after <see cref="MaxIterations"/>
/// iterations (2n + 10 by default). When a CG direction d has dᵀHd ≤ 0 (negative curvature, or
/// none measurable), the step is the CG iterate so far, or at the first iteration d = −∂L/∂x itself
/// (a direction of negative curvature that descends), and the fallback is recorded as
/// <see cref="FallbackKind.NegativeCurvature"/>. On a positive-definite H the step is Newton's.
/// </summary>
public sealed class NewtonCG : RuleBase
{
    /// <summary>Newton-CG with step size η, relative residual tolerance (in (0, 1)) and CG iteration limit (0: 2n + 10).</summary>
    /// <exception cref="Symbolic.SymbolicException">η, the tolerance or the limit out of range.</exception>
    public NewtonCG(double eta, double tolerance = 1e-12, int maxIterations = 0)
        : base("newton-cg", eta, Capabilities.Value | Capabilities.Gradient | Capabilities.HessianVector)
    {
        if (!(tolerance > 0 && tolerance < 1) || maxIterations < 0)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid,
                $"Newton-CG needs a tolerance in (0, 1) and an iteration limit of 0 (automatic) or more, not {tolerance} and {maxIterations}.");
        (Tolerance, MaxIterations) = (tolerance, maxIterations);
    }

    /// <summary>CG stops once ‖H p + ∂L/∂x‖ ≤ this · ‖∂L/∂x‖.</summary>
    public double Tolerance { get; }

    /// <summary>The CG iteration limit per step (0: 2n + 10).</summary>
    public int MaxIterations { get; }

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, this);

    private sealed class State(IDifferentiableProblem problem, NewtonCG rule) : GradientState(problem)
    {
        private readonly double[] _z = new double[problem.N], _r = new double[problem.N], _d = new double[problem.N];
        private readonly double[] _hd = new double[problem.N];

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N;
            double gg = RuleChecks.Dot(gradient, gradient);
            Array.Clear(dx);
            if (gg == 0) return;
            var limit = rule.MaxIterations > 0 ? rule.MaxIterations : 2 * n + 10;
            var stop = rule.Tolerance * rule.Tolerance * gg;
            Array.Clear(_z);
            for (var i = 0; i < n; i++) _r[i] = _d[i] = -gradient[i];
            var rr = gg;
            for (var j = 0; j < limit; j++)
            {
                // H d alone: the loss and gradient at x are the step's own, computed once before CG.
                Problem.HessianVectorOnly(x, _d, _hd);
                var curvature = RuleChecks.Dot(_d, _hd);
                if (!(curvature > 0))
                {
                    // Negative (or no measurable) curvature along d: the quadratic model has no minimum
                    // there. Keep the iterate so far (it descends); at the first iteration, d = −∇L.
                    var first = j == 0;
                    for (var i = 0; i < n; i++) dx[i] = rule.Eta * (first ? _d[i] : _z[i]);
                    notes.Note(FallbackKind.NegativeCurvature,
                        $"CG met dᵀHd = {NumberText.Short(curvature, 4)} at its iteration {j + 1} at {Point(x)}; " +
                        (first ? "took the gradient direction −∇L (a direction of negative curvature that descends)" : "took the CG iterate so far"));
                    return;
                }
                var alpha = rr / curvature;
                double next = 0;
                for (var i = 0; i < n; i++)
                {
                    _z[i] += alpha * _d[i];
                    _r[i] -= alpha * _hd[i];
                    next += _r[i] * _r[i];
                }
                if (next <= stop) break;
                var beta = next / rr;
                rr = next;
                for (var i = 0; i < n; i++) _d[i] = _r[i] + beta * _d[i];
            }
            for (var i = 0; i < n; i++) dx[i] = rule.Eta * _z[i];
        }
    }
}
