namespace PhysGrad.Numerics.Rules;

/// <summary>The built-in rule of each <see cref="Method"/>, as the landed entry points (method, η, κ, τ, line search) describe it.</summary>
public static class StandardRules
{
    /// <summary>
    /// The rule of <paramref name="method"/> with step size <paramref name="eta"/> (κ and τ for HIG);
    /// with <paramref name="lineSearch"/>, Newton is wrapped in <see cref="ArmijoBacktracking"/> and
    /// BFGS and L-BFGS in <see cref="WolfeLineSearch"/> (the other rules ignore it). Newton-CG backtracks
    /// (Armijo) either way: its own search is on by default (<see cref="NewtonCG.LineSearch"/>).
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">η, κ or τ out of range.</exception>
    public static IUpdateRule For(Method method, double eta, double kappa = -0.5, double tau = 1e-3, bool lineSearch = false)
    {
        RuleChecks.Eta(eta);
        if (!double.IsFinite(kappa) || !(tau >= 0) || !double.IsFinite(tau))
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, $"HIG's κ must be finite and τ finite and at least 0, not κ = {NumberText.RoundTrip(kappa)}, τ = {NumberText.RoundTrip(tau)}.");
        IUpdateRule rule = method switch
        {
            Method.GradientDescent => new GradientDescent(eta),
            Method.Adam => new Adam(eta),
            Method.Newton => new Newton(eta),
            Method.Bfgs => new Bfgs(eta),
            Method.LimitedMemoryBfgs => new LimitedMemoryBfgs(eta),
            Method.GaussNewton => new GaussNewton(eta),
            Method.HalfInverseGradient => new HalfInverseGradient(eta, kappa, tau),
            Method.InverseGradient => new InverseGradient(eta),
            Method.PhysicalGradient => new PhysicalGradient(eta),
            Method.NewtonCG => new NewtonCG(eta),
            Method.LevenbergMarquardt => new LevenbergMarquardt(eta),
            _ => throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid, $"{method} is not a method."),
        };
        if (!lineSearch) return rule;
        return method switch
        {
            Method.Newton => new ArmijoBacktracking(rule),
            Method.Bfgs or Method.LimitedMemoryBfgs => new WolfeLineSearch(rule),
            _ => rule,
        };
    }

    // The built-in rules' names, read from the rules themselves (no second table of names to keep in step).
    private static readonly Lazy<Dictionary<string, Method>> ByName = new(() =>
        Enum.GetValues<Method>().Distinct().ToDictionary(m => For(m, 1.0).Name));

    /// <summary>
    /// The built-in method whose rule is named <paramref name="name"/> (<c>gd</c> → GradientDescent), or
    /// null for any other name (a rule of one's own needs no entry in <see cref="Method"/>).
    /// </summary>
    public static Method? MethodNamed(string name) => ByName.Value.TryGetValue(name, out var method) ? method : null;
}
