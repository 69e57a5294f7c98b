using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.Optimization;
using MathNet.Numerics.Optimization.LineSearch;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// A rule built around another: the name, η and state of the inner rule, with its
/// <see cref="RuleState.Update"/> changed by the wrapper. Needs what the inner rule needs plus
/// <see cref="Extra"/>.
/// </summary>
public abstract class WrappedRule(IUpdateRule inner, Capabilities extra) : IUpdateRule
{
    /// <summary>The wrapped rule.</summary>
    public IUpdateRule Inner { get; } = inner;

    /// <summary>What the wrapper needs beyond the inner rule.</summary>
    public Capabilities Extra { get; } = extra;

    /// <inheritdoc/>
    public string Name => Inner.Name;

    /// <inheritdoc/>
    public virtual double Eta => Inner.Eta;

    /// <inheritdoc/>
    public Capabilities Needs => Inner.Needs | Extra;

    /// <inheritdoc/>
    public RuleState Init(IDifferentiableProblem problem, double[] x0)
    {
        RuleChecks.Capabilities(Name, Needs, problem);
        return Wrap(Inner.Init(problem, x0));
    }

    /// <summary>The wrapper's state around the inner rule's.</summary>
    protected abstract RuleState Wrap(RuleState inner);
}

/// <summary>A state that forwards everything to an inner state; wrappers override <see cref="Update"/>.</summary>
public abstract class WrappedState(RuleState inner) : RuleState(inner.Problem)
{
    /// <summary>The inner state.</summary>
    protected RuleState Inner { get; } = inner;

    /// <inheritdoc/>
    public override double Evaluate(double[] x, double[] gradient) => Inner.Evaluate(x, gradient);

    /// <inheritdoc/>
    public override double[]? Outputs => Inner.Outputs;

    /// <inheritdoc/>
    public override double[]? Hessian => Inner.Hessian;

    /// <inheritdoc/>
    public override CsrMatrix? SparseHessian => Inner.SparseHessian;

    /// <inheritdoc/>
    public override InnerSolve? LastSolve => Inner.LastSolve;

    /// <inheritdoc/>
    public override string? AtRoundingLevel => Inner.AtRoundingLevel;

    /// <inheritdoc/>
    public override string? Stalled => Inner.Stalled;

    /// <inheritdoc/>
    public override NonFiniteValue? CheckInputs(double loss, double[] gradient) => Inner.CheckInputs(loss, gradient);

    /// <inheritdoc/>
    public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes) =>
        Inner.Update(x, loss, gradient, dx, notes);

    /// <inheritdoc/>
    public override void AfterStep(double[] dx, double[] gradient, FallbackNotes notes) => Inner.AfterStep(dx, gradient, notes);

    /// <inheritdoc/>
    public override void Restart() => Inner.Restart();
}

/// <summary>Δx of the inner rule times a factor c &gt; 0 (step scaling as a combinator; the run reports η·c).</summary>
/// <param name="inner">The rule.</param>
/// <param name="factor">The factor c (positive, finite).</param>
public sealed class Scaled(IUpdateRule inner, double factor) : WrappedRule(inner, Capabilities.None)
{
    /// <summary>The factor c.</summary>
    public double Factor { get; } = RuleChecks.Eta(factor);

    /// <inheritdoc/>
    public override double Eta => Inner.Eta * Factor;

    /// <inheritdoc/>
    protected override RuleState Wrap(RuleState inner) => new State(inner, Factor);

    private sealed class State(RuleState inner, double factor) : WrappedState(inner)
    {
        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            Inner.Update(x, loss, gradient, dx, notes);
            for (var i = 0; i < dx.Length; i++) dx[i] *= factor;
        }
    }
}

/// <summary>
/// Backtracking (Armijo) line search around a rule: Δx is halved until L(x + Δx) ≤ L(x) + 10⁻⁴ ∇L·Δx
/// (Nocedal &amp; Wright, Numerical Optimization, Algorithm 3.1 with ρ = ½, c = 10⁻⁴), at most 30 times;
/// when even 2⁻³⁰ Δx does not descend, the smallest step is taken and
/// <see cref="FallbackKind.LineSearchFailed"/> recorded. A Δx that does not descend (∇L·Δx ≥ 0) is
/// left alone. Evaluates L alone at the trial points (<see cref="IDifferentiableProblem.Value"/>): the
/// test needs no gradient there, and the run evaluates L and ∇L at the accepted point anyway.
/// </summary>
/// <param name="inner">The rule whose step is searched along.</param>
public sealed class ArmijoBacktracking(IUpdateRule inner) : WrappedRule(inner, Capabilities.Value | Capabilities.Gradient)
{
    /// <inheritdoc/>
    protected override RuleState Wrap(RuleState inner) => new State(inner);

    private sealed class State(RuleState inner) : WrappedState(inner)
    {
        private readonly double[] _trial = new double[inner.Problem.N];

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            Inner.Update(x, loss, gradient, dx, notes);
            if (Search(Problem, x, loss, gradient, dx, _trial) is { } note) notes.Note(FallbackKind.LineSearchFailed, note);
        }
    }

    /// <summary>The halving search on <paramref name="dx"/> in place; a note when it found no decrease.</summary>
    internal static string? Search(IDifferentiableProblem problem, double[] x, double loss, double[] gradient, double[] dx, double[] trial) =>
        Search(problem, x, loss, gradient, dx, trial, out _);

    /// <summary>The same search, also saying how many halvings it made (0 when the step was accepted as given).</summary>
    internal static string? Search(IDifferentiableProblem problem, double[] x, double loss, double[] gradient, double[] dx, double[] trial, out int halvings)
    {
        halvings = 0;
        var n = x.Length;
        double slope = 0;
        for (var i = 0; i < n; i++) slope += gradient[i] * dx[i];
        if (!(slope < 0)) return null; // not a descent direction: nothing to search along
        for (; halvings < 30; halvings++)
        {
            for (var i = 0; i < n; i++) trial[i] = x[i] + dx[i];
            var value = problem.Value(trial);
            if (value <= loss + 1e-4 * slope) return null;
            for (var i = 0; i < n; i++) dx[i] /= 2;
            slope /= 2;
        }
        return "the line search found no decrease after 30 halvings; took the smallest step";
    }
}

/// <summary>
/// The weak Wolfe line search of MathNet (<c>WeakWolfeLineSearch</c>) around a rule, starting at t = 1
/// (Δx as given): sufficient decrease (c₁ = 10⁻⁴) and the curvature condition (c₂ = 0.9), which makes
/// sᵀy &gt; 0 so that a BFGS update is always taken (Nocedal &amp; Wright §6.1). When it finds no such
/// step, Armijo backtracking takes over and <see cref="FallbackKind.LineSearchFailed"/> is recorded.
/// Allocates (MathNet's vectors).
/// </summary>
/// <param name="inner">The rule whose step is searched along.</param>
public sealed class WolfeLineSearch(IUpdateRule inner) : WrappedRule(inner, Capabilities.Value | Capabilities.Gradient)
{
    /// <inheritdoc/>
    protected override RuleState Wrap(RuleState inner) => new State(inner);

    private sealed class State(RuleState inner) : WrappedState(inner)
    {
        private readonly double[] _trial = new double[inner.Problem.N];

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            Inner.Update(x, loss, gradient, dx, notes);
            var n = x.Length;
            double slope = 0;
            for (var i = 0; i < n; i++) slope += gradient[i] * dx[i];
            if (!(slope < 0)) return;
            var g = new double[n];
            var objective = ObjectiveFunction.Gradient(v =>
            {
                var l = Problem.ValueGradient(v.AsArray() ?? v.ToArray(), g);
                return (l, DenseVector.OfArray((double[])g.Clone()));
            });
            objective.EvaluateAt(DenseVector.OfArray((double[])x.Clone()));
            try
            {
                var search = new WeakWolfeLineSearch(1e-4, 0.9, 1e-14, 60);
                var result = search.FindConformingStep(objective, DenseVector.OfArray((double[])dx.Clone()), 1.0);
                for (var i = 0; i < n; i++) dx[i] *= result.FinalStep;
            }
            catch (OptimizationException e)
            {
                var backtracked = ArmijoBacktracking.Search(Problem, x, loss, gradient, dx, _trial);
                notes.Note(FallbackKind.LineSearchFailed,
                    $"the Wolfe line search failed ({e.Message.TrimEnd('.')}); backtracked instead" + (backtracked is { } note ? "; " + note : ""));
            }
        }
    }
}
