namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Newton-CG (truncated Newton; Nocedal &amp; Wright, Numerical Optimization, 2nd ed., Algorithm 7.1,
/// "Line Search Newton–CG"): the Newton system (∂²L/∂x²) p = −∂L/∂x solved inexactly by conjugate
/// gradients on Hessian-vector products, so the Hessian is never formed (O(n) memory, one Hv product per
/// CG iteration); Δx = η p.
/// <para>
/// CG stops (<see cref="Krylov.ConjugateGradient"/>) at the first of: ‖H p + ∂L/∂x‖ ≤ ω_k ‖∂L/∂x‖ with the
/// forcing term ω_k below; the rounding floor ‖r‖ ≤ 4ε(‖H‖‖p‖ + ‖∂L/∂x‖), past which its
/// iterations would work on rounding (near the optimum, where ω_k asks for less than rounding allows);
/// <see cref="MaxIterations"/> iterations (2n + 10 by default); or a direction d with dᵀHd ≤ 0
/// (negative curvature, or none measurable): then, as in Algorithm 7.1, the step is the CG iterate so far,
/// or at the first iteration d = −∂L/∂x itself (a direction of negative curvature that descends),
/// recorded as <see cref="FallbackKind.NegativeCurvature"/>.
/// </para>
/// <para>
/// The forcing term, by default (<see cref="Tolerance"/> 0), is Eisenstat &amp; Walker's choice 2 (SIAM J.
/// Sci. Comput. 17(1), 1996, pp. 16–32, §2, with their safeguard): ω₀ = ½, then
/// ω_k = γ (‖∂L/∂x_k‖ / ‖∂L/∂x_{k−1}‖)^α with γ = 0.9, α = 2, raised to γ ω_{k−1}^α when that exceeds 0.1,
/// and at most 0.9; ω_k = ω_{k−1} when ‖∂L/∂x_k‖ &gt; ‖∂L/∂x_{k−1}‖ (a rise, which the line search allows
/// and EW's analysis, made for ratios falling to 0, does not cover: loosening ω to 0.9 there stalled CG at one
/// iteration for several steps after each rise on the Rosenbrock residuals). Far from a minimum CG stops early (a few iterations give a descent direction, where an
/// exact solve would be wasted on a model that is poor there); as the gradient falls, ω_k falls with the
/// square of its ratio, and the outer iteration converges with q-order 2 (their Theorem 2.3, γ &lt; 1) like
/// Newton's. Unlike Algorithm 7.1's min(½, √‖∇L‖), the ratio has no units, so scaling L does not change
/// the steps. With a <see cref="Tolerance"/> in (0, 1) the forcing term is that constant instead (CG to a
/// fixed relative residual: Newton's step up to it, as before inexact solves; the floor still applies).
/// </para>
/// <para>
/// Globalization (<see cref="LineSearch"/>, on by default): Δx = η p is halved until L(x + Δx) ≤ L(x) + 10⁻⁴ ∇L·Δx
/// (Armijo backtracking, Nocedal &amp; Wright Algorithm 3.1 with ρ = ½; the search of
/// <see cref="ArmijoBacktracking"/>, at most 30 halvings, <see cref="FallbackKind.LineSearchFailed"/> when none
/// decreases L). Algorithm 7.1 is a line-search method: every direction it produces descends (a CG iterate
/// from 0 stopped before negative curvature, or −∇L), but its length comes from a quadratic model that can be
/// poor far from a minimum, and without the search the loss can rise. On the Rosenbrock residuals at n = 10⁴
/// the unit steps end 10 iterations at L = 20.4 after rising from 1.04 to 616 at step 8; with the search
/// L falls at every step, to 0.500 (BENCHMARKS.md, "… Newton-CG with a default line search" and "Newton-CG's
/// forcing term after the gradient grows"). Where the full
/// step is accepted (near a minimum with η = 1, and on convex quadratics) the search costs one evaluation of
/// L alone at the trial point (<see cref="IDifferentiableProblem.Value"/>) and changes nothing. Not MathNet's <c>WeakWolfeLineSearch</c>: the curvature
/// condition it adds serves quasi-Newton updates, which Newton-CG has none of, and it allocates vectors at
/// every trial; MathNet has no plain backtracking search.
/// </para>
/// <para>
/// The forcing term saves H v products, not steps: on a non-convex problem the inexact steps take another
/// path than Newton's, through indefinite regions, and the loss after a given number of steps depends on
/// where each CG stopped (BENCHMARKS.md, "Newton-CG on the Rosenbrock residuals"). For Newton's path give a
/// small <see cref="Tolerance"/>.
/// </para>
/// </summary>
public sealed class NewtonCG : RuleBase
{
    /// <summary>Newton-CG with step size η, relative residual tolerance (0: the Eisenstat–Walker forcing term; else in (0, 1)),
    /// CG iteration limit (0: 2n + 10) and line search (true: Armijo backtracking from η p, see the class; false: the step η p as it is).</summary>
    /// <exception cref="Symbolic.SymbolicException">η, the tolerance or the limit out of range.</exception>
    public NewtonCG(double eta, double tolerance = 0, int maxIterations = 0, bool lineSearch = true)
        : base("newton-cg", eta, Capabilities.Value | Capabilities.Gradient | Capabilities.HessianVector)
    {
        if ((OptionRanges.CgTolerance("the option tol (CG's relative residual tolerance)", tolerance)
             ?? OptionRanges.CgLimit("the option maxcg (CG's iterations per step)", maxIterations)) is { } wrong)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, wrong);
        (Tolerance, MaxIterations, LineSearch) = (tolerance, maxIterations, lineSearch);
    }

    /// <summary>Whether the step is backtracked until L decreases enough (Armijo; the default), or taken as η p.</summary>
    public bool LineSearch { get; }

    /// <summary>CG stops once ‖H p + ∂L/∂x‖ ≤ this · ‖∂L/∂x‖; 0 (the default): the Eisenstat–Walker forcing term.</summary>
    public double Tolerance { get; }

    /// <summary>The CG iteration limit per step (0: 2n + 10).</summary>
    public int MaxIterations { get; }

    /// <summary>The first step's forcing term ω₀ (Eisenstat &amp; Walker's choice).</summary>
    public const double FirstForcing = 0.5;

    /// <summary>The largest forcing term (Eisenstat &amp; Walker's η_max).</summary>
    public const double MaxForcing = 0.9;

    /// <summary>
    /// The Eisenstat–Walker choice-2 forcing term (γ = 0.9, α = 2, safeguarded; see the class) for a step
    /// whose gradient norm is <paramref name="gradientNorm"/>, after a step with gradient norm
    /// <paramref name="previousNorm"/> and forcing term <paramref name="previousForcing"/> (NaN for the
    /// first step: ω₀ = ½). When the gradient norm grew, the previous forcing term is kept (see the class).
    /// </summary>
    public static double Forcing(double gradientNorm, double previousNorm, double previousForcing)
    {
        if (double.IsNaN(previousForcing) || !(previousNorm > 0)) return FirstForcing;
        // A gradient that grew says nothing about the quadratic model's accuracy (with a line search on L,
        // ‖∇L‖ need not fall: on the Rosenbrock residuals it rises ~10x after each step along the curved
        // valley), and EW's theory is for ratios that fall to 0. Loosening ω to 0.9 there made CG stop after
        // one iteration for the next several steps (ω 0.9, 0.73, 0.48, 0.21 in a 4-step cycle) and cost
        // ~10x in L after 100 steps (BENCHMARKS.md, "Newton-CG's forcing term after the gradient grows").
        if (gradientNorm > previousNorm) return previousForcing;
        const double gamma = 0.9;
        var ratio = gradientNorm / previousNorm;
        var forcing = gamma * ratio * ratio;
        // The safeguard keeps ω from falling much faster than it did (a lucky small ratio would
        // otherwise ask for an over-accurate solve far from the optimum).
        var floor = gamma * previousForcing * previousForcing;
        if (floor > 0.1) forcing = Math.Max(forcing, floor);
        return Math.Min(forcing, MaxForcing);
    }

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, this);

    private sealed class State(IDifferentiableProblem problem, NewtonCG rule) : GradientState(problem)
    {
        private readonly double[] _b = new double[problem.N], _z = new double[problem.N];
        private readonly double[] _trial = rule.LineSearch ? new double[problem.N] : [];
        private readonly KrylovWorkspace _work = new(problem.N, problem.N);
        private LinearMap? _hessian;
        private double[] _at = [];
        private double _previousNorm = double.NaN, _previousForcing = double.NaN;
        private InnerSolve? _last;

        public override InnerSolve? LastSolve => _last;

        public override void Restart() => (_previousNorm, _previousForcing) = (double.NaN, double.NaN);

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            int n = N;
            _last = null;
            Array.Clear(dx);
            double gg = RuleChecks.Dot(gradient, gradient);
            if (gg == 0) return;
            var gNorm = Math.Sqrt(gg);
            var forcing = rule.Tolerance > 0 ? rule.Tolerance : Forcing(gNorm, _previousNorm, _previousForcing);
            (_previousNorm, _previousForcing) = (gNorm, forcing);
            var limit = rule.MaxIterations > 0 ? rule.MaxIterations : 2 * n + 10;
            for (var i = 0; i < n; i++) _b[i] = -gradient[i];
            // H d alone: the loss and gradient at x are the step's own, computed once before CG.
            _at = x;
            _hessian ??= (v, hv) => Problem.HessianVectorOnly(_at, v, hv);
            var solve = Krylov.ConjugateGradient(n, _hessian, _b, _z, _work, forcing, limit,
                roundingFloor: true);
            _last = new InnerSolve("CG", solve.Iterations, solve.Residual, forcing * gNorm, solve.Exit);
            if (solve.Exit == KrylovExit.NegativeCurvature)
            {
                // Negative (or no measurable) curvature along d: the quadratic model has no minimum
                // there. Keep the iterate so far (it descends); at the first iteration, d = −∇L.
                var first = solve.Iterations == 1;
                for (var i = 0; i < n; i++) dx[i] = rule.Eta * (first ? _b[i] : _z[i]);
                notes.Note(FallbackKind.NegativeCurvature,
                    $"CG met dᵀHd = {NumberText.Short(_work.LastCurvature, 4)} at its iteration {solve.Iterations} at {Point(x)}; " +
                    (first ? "took the gradient direction −∇L (a direction of negative curvature that descends)" : "took the CG iterate so far"));
            }
            else
                for (var i = 0; i < n; i++) dx[i] = rule.Eta * _z[i];
            if (rule.LineSearch && ArmijoBacktracking.Search(Problem, x, loss, gradient, dx, _trial) is { } failed)
                notes.Note(FallbackKind.LineSearchFailed, failed);
        }
    }
}
