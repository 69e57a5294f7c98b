using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// The first failing domain condition of some formulas at a point (<see cref="Domain.FirstFailing"/>), in
/// words with the values of the variables it is on: <c>x0 ≥ 0 for sqrt(x0) fails (x0 = -3)</c>. Shared by
/// the runs (<see cref="IDifferentiableProblem.OutsideDomainAt"/>) and the façade's start check.
/// </summary>
public static class DomainCheck
{
    /// <summary>
    /// The first condition of <paramref name="roots"/> that fails with <paramref name="names"/>[i] =
    /// <paramref name="values"/>[i], described, or null when all hold or the formulas name something
    /// without a value here (a symbolic target: no condition can be evaluated).
    /// </summary>
    /// <param name="names">The names with values: the variables, then any parameters.</param>
    /// <param name="values">One value per name.</param>
    /// <param name="variables">The names to quote values of (the variables, not the parameters).</param>
    /// <param name="roots">The formulas whose conditions are checked, innermost first.</param>
    public static string? Failing(string[] names, double[] values, IReadOnlyList<string> variables, Expr[] roots)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(variables);
        DomainCondition? failing;
        try
        {
            failing = Domain.FirstFailing(names, values, roots);
        }
        catch (SymbolicException)
        {
            return null;
        }
        if (failing is null) return null;
        var on = Structure.FreeSymbols(failing.Argument)
            .Select(s => s.Node is Node.Symbol v ? v.Item : "")
            .Distinct()
            .Select(v => (Name: v, Index: Array.IndexOf(names, v)))
            .Where(v => v.Index >= 0 && variables.Contains(v.Name))
            .Select(v => $"{v.Name} = {NumberText.Short(values[v.Index])}");
        return $"{failing} fails ({string.Join(", ", on)})";
    }
}
