using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>One method's closed-form update: the step Δxᵢ for each variable, in the variables and η (<c>eta</c>).</summary>
public sealed record UpdateRule(Method Method, IReadOnlyList<string> Variables, IReadOnlyList<Expression> Steps)
{
    /// <summary>The rule as lines: <c>ig: Δx0 = -eta*x0; Δx1 = -eta*x1/2</c>.</summary>
    public override string ToString() =>
        $"{BookExample.ShortName(Method)}: " + string.Join("; ", Variables.Select((v, i) => $"Δ{v} = {Steps[i].ToInfix()}"));
}

/// <summary>A method left out of a default list because it does not apply to the problem, and why.</summary>
public sealed record SkippedMethod(Method Method, string Reason);

/// <summary>Closed-form update rules of a problem (THEORY.md §2).</summary>
public static class UpdateRuleSet
{
    /// <summary>The methods that have a closed form.</summary>
    public static readonly Method[] Symbolic =
        [Method.GradientDescent, Method.Newton, Method.InverseGradient, Method.PhysicalGradient, Method.GaussNewton];

    /// <summary>The y-step Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y that IG and PG map back to x, in the outputs y0, y1, … and η.</summary>
    /// <exception cref="SymbolicException">The loss's Hessian in y is singular (no Newton step in y).</exception>
    public static IReadOnlyList<Expression> YStep(ProblemDefinition problem)
    {
        var model = problem.ToSymbolicProblem();
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        return UpdateRules.Simplified(UpdateRules.YStep(outputs, model.Loss)).Select(Expression.Wrap).ToArray();
    }

    /// <summary>
    /// Derives the update rules of <paramref name="methods"/> for a problem; by default every method
    /// with a closed form that applies to it (see <see cref="DeriveApplicable"/> for the ones left out
    /// and why). The problem needs neither a start nor a target: without a target the rules are in the
    /// symbols <see cref="ProblemDefinition.TargetSymbolPrefix"/>0, 1, … (y*₀, y*₁, …).
    /// </summary>
    /// <exception cref="SymbolicException">A method named in <paramref name="methods"/> that needs what
    /// the problem lacks (a square Jacobian, an inverse), explained; or a problem that does not parse.</exception>
    public static IReadOnlyList<UpdateRule> Derive(ProblemDefinition problem, IReadOnlyList<Method>? methods = null) =>
        methods is null ? DeriveApplicable(problem).Rules : DeriveAll(problem, methods);

    /// <summary>
    /// The rules of the default methods (all with a closed form) that apply to the problem, and the
    /// ones that do not with the reason (IG and PG on a non-square Jacobian, PG without a closed-form
    /// local inverse, a method whose matrix is singular for every x).
    /// </summary>
    /// <exception cref="SymbolicException">A problem that does not parse or does not fit together.</exception>
    public static (IReadOnlyList<UpdateRule> Rules, IReadOnlyList<SkippedMethod> Skipped) DeriveApplicable(ProblemDefinition problem)
    {
        var rules = new List<UpdateRule>();
        var skipped = new List<SkippedMethod>();
        var model = problem.ToSymbolicProblem();
        foreach (var method in Symbolic)
        {
            try
            {
                rules.AddRange(DeriveAll(problem, [method], model));
            }
            catch (SymbolicException e) when (e.Kind is ErrorKind.Shape or ErrorKind.Singular or ErrorKind.Invalid)
            {
                skipped.Add(new SkippedMethod(method, e.Message));
            }
        }
        return (rules, skipped);
    }

    private static IReadOnlyList<UpdateRule> DeriveAll(ProblemDefinition problem, IReadOnlyList<Method> methods, Problem? model = null)
    {
        model ??= problem.ToSymbolicProblem();
        var variables = model.Variables.Select(ExprModule.Symbol).ToArray();
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        var simulator = model.Simulator;
        var loss = model.Loss;
        var lossX = model.LossInX;
        var rules = new List<UpdateRule>();
        foreach (var method in methods)
        {
            var steps = method switch
            {
                Method.GradientDescent => UpdateRules.GradientDescent(variables, lossX),
                Method.Newton => UpdateRules.Newton(variables, lossX),
                Method.InverseGradient => UpdateRules.InverseGradient(variables, outputs, simulator, loss),
                Method.GaussNewton => UpdateRules.GaussNewton(variables, outputs, simulator, loss),
                Method.PhysicalGradient when simulator.Length != variables.Length => throw new SymbolicException(ErrorKind.Shape,
                    $"PG needs a square Jacobian (a local inverse of P); this simulator maps {BookExample.Count(variables.Length, "variable")} to {BookExample.Count(simulator.Length, "output")}. Use Gauss–Newton or HIG for non-square problems."),
                Method.PhysicalGradient => model.Inverse is { } inverse
                    ? UpdateRules.Physical(variables, outputs, simulator, loss, inverse)
                    : throw new SymbolicException(ErrorKind.Invalid,
                        $"PG's closed form needs a local inverse, and none was derived: {model.InverseNote}. " +
                        "Give \"inverse\" in the problem (one expression per variable), or run PG with the numeric inverse."),
                _ => throw new SymbolicException(ErrorKind.Invalid,
                    $"{BookExample.ShortName(method)} has no closed-form rule (it depends on the run's history or an SVD); the closed forms are gd, newton, ig, pg and gn."),
            };
            rules.Add(new UpdateRule(method, problem.Variables, UpdateRules.Simplified(steps).Select(Expression.Wrap).ToArray()));
        }
        return rules;
    }
}
