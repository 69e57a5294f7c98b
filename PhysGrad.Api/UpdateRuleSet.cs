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
        var model = problem.ToProblem();
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        return UpdateRules.Simplified(UpdateRules.YStep(outputs, model.Loss)).Select(Expression.Wrap).ToArray();
    }

    /// <summary>Derives the update rules of <paramref name="methods"/> (default: all with a closed form) for a problem.</summary>
    /// <exception cref="SymbolicException">A method that needs what the problem lacks (a square Jacobian, an inverse), explained.</exception>
    public static IReadOnlyList<UpdateRule> Derive(ProblemDefinition problem, IReadOnlyList<Method>? methods = null)
    {
        var model = problem.ToProblem();
        var variables = model.Variables.Select(ExprModule.Symbol).ToArray();
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        var simulator = model.Simulator;
        var loss = model.Loss;
        var lossX = model.LossInX;
        var rules = new List<UpdateRule>();
        foreach (var method in methods ?? Symbolic)
        {
            var steps = method switch
            {
                Method.GradientDescent => UpdateRules.GradientDescent(variables, lossX),
                Method.Newton => UpdateRules.Newton(variables, lossX),
                Method.InverseGradient => UpdateRules.InverseGradient(variables, outputs, simulator, loss),
                Method.GaussNewton => UpdateRules.GaussNewton(variables, outputs, simulator, loss),
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
