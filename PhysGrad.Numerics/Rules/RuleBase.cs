namespace PhysGrad.Numerics.Rules;

/// <summary>
/// The common part of the built-in rules: name, η, needs, and the capability check in
/// <see cref="Init"/> before the rule's own <see cref="Start"/>.
/// </summary>
public abstract class RuleBase : IUpdateRule
{
    /// <summary>A rule with its report name, step size (checked positive and finite) and needs.</summary>
    protected RuleBase(string name, double eta, Capabilities needs)
    {
        Name = name;
        Eta = RuleChecks.Eta(eta);
        Needs = needs;
    }

    /// <inheritdoc/>
    public string Name { get; }

    /// <inheritdoc/>
    public double Eta { get; }

    /// <inheritdoc/>
    public Capabilities Needs { get; }

    /// <inheritdoc/>
    public RuleState Init(IDifferentiableProblem problem, double[] x0)
    {
        ArgumentNullException.ThrowIfNull(problem);
        RuleChecks.Capabilities(Name, Needs, problem);
        if (SizeRefusal(problem.M, problem.N) is { } why)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.TooLarge, why);
        return Start(problem, x0);
    }

    /// <summary>
    /// Why the rule refuses a problem of this size (a sentence naming the size, the limit and what to
    /// use instead), or null when it takes it. Decided from the shape alone, so that a caller can ask
    /// before any expensive work (tracing, deriving, compiling, running); <see cref="Init"/> asks the
    /// same question and throws <see cref="Symbolic.ErrorKind.TooLarge"/> with this text.
    /// </summary>
    /// <param name="outputs">m, the simulator's outputs.</param>
    /// <param name="variables">n, the variables.</param>
    public virtual string? SizeRefusal(int outputs, int variables) => null;

    /// <summary>Starts the rule's state (the capabilities are checked already).</summary>
    protected abstract RuleState Start(IDifferentiableProblem problem, double[] x0);

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (η = {NumberText.Short(Eta)})";
}

/// <summary>A state whose evaluation is L and ∂L/∂x only (the value+gradient kernel).</summary>
public abstract class GradientState(IDifferentiableProblem problem) : RuleState(problem)
{
    /// <inheritdoc/>
    public override double Evaluate(double[] x, double[] gradient) => Problem.ValueGradient(x, gradient);
}
