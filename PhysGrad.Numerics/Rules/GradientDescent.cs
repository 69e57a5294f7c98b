namespace PhysGrad.Numerics.Rules;

/// <summary>Gradient descent (docs/theory.md §2): Δx = −η ∂L/∂x. Needs the gradient only; O(n) memory.</summary>
/// <param name="eta">The step size η (positive, finite).</param>
public sealed class GradientDescent(double eta)
    : RuleBase("gd", eta, Capabilities.Value | Capabilities.Gradient)
{
    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, Eta);

    private sealed class State(IDifferentiableProblem problem, double eta) : GradientState(problem)
    {
        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            for (var i = 0; i < N; i++) dx[i] = -eta * gradient[i];
        }
    }
}

/// <summary>
/// Adam (Kingma &amp; Ba 2015, Algorithm 1) on ∂L/∂x: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
/// Δx = −η m̂ / (√v̂ + ε) with the bias corrections m̂ = m/(1 − β₁ᵏ), v̂ = v/(1 − β₂ᵏ). Needs the
/// gradient only; O(n) memory.
/// </summary>
public sealed class Adam : RuleBase
{
    /// <summary>The defaults of Kingma &amp; Ba (2015): β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁸.</summary>
    public const double DefaultBeta1 = 0.9, DefaultBeta2 = 0.999, DefaultEpsilon = 1e-8;

    /// <summary>Adam with step size η and the moment decays β₁, β₂ (in [0, 1)) and ε (&gt; 0).</summary>
    /// <exception cref="Symbolic.SymbolicException">η, β₁, β₂ or ε out of range.</exception>
    public Adam(double eta, double beta1 = DefaultBeta1, double beta2 = DefaultBeta2, double epsilon = DefaultEpsilon)
        : base("adam", eta, Capabilities.Value | Capabilities.Gradient)
    {
        // Each option on its own, said for the value given (a β of 1 and one of 2 fail differently).
        if ((OptionRanges.Decay("the option beta1 (β₁, the first-moment decay)", beta1, second: false, DefaultBeta1)
             ?? OptionRanges.Decay("the option beta2 (β₂, the second-moment decay)", beta2, second: true, DefaultBeta2)
             ?? OptionRanges.AdamEpsilon("the option eps (ε, added to √v̂)", epsilon, DefaultEpsilon)) is { } wrong)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, wrong);
        (Beta1, Beta2, Epsilon) = (beta1, beta2, epsilon);
    }

    /// <summary>β₁, the decay of the first moment.</summary>
    public double Beta1 { get; }

    /// <summary>β₂, the decay of the second moment.</summary>
    public double Beta2 { get; }

    /// <summary>ε, added to √v̂.</summary>
    public double Epsilon { get; }

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, this);

    private sealed class State(IDifferentiableProblem problem, Adam rule) : GradientState(problem)
    {
        private readonly double[] _m = new double[problem.N], _v = new double[problem.N];
        // 1 − β in decimal, so that the defaults give exactly the doubles 0.1 and 0.001 (1 − 0.9 in
        // doubles is 0.09999999999999998): the landed runs are reproduced bitwise.
        private readonly double _c1 = (double)(1m - (decimal)rule.Beta1), _c2 = (double)(1m - (decimal)rule.Beta2);
        private int _k;

        // The bias corrections count from the (re)start, as the step count does; the moments are kept.
        public override void Restart() => _k = 0;

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            var k = ++_k;
            double b1 = rule.Beta1, b2 = rule.Beta2, eta = rule.Eta, eps = rule.Epsilon;
            // The bias corrections are the same for every entry: two Math.Pow per step, not 2n (the
            // same doubles, so the steps are bitwise those of the per-entry form).
            double correction1 = 1 - Math.Pow(b1, k), correction2 = 1 - Math.Pow(b2, k);
            for (var i = 0; i < N; i++)
            {
                _m[i] = b1 * _m[i] + _c1 * gradient[i];
                _v[i] = b2 * _v[i] + _c2 * gradient[i] * gradient[i];
                var mHat = _m[i] / correction1;
                var vHat = _v[i] / correction2;
                dx[i] = -eta * mHat / (Math.Sqrt(vHat) + eps);
            }
        }
    }
}
