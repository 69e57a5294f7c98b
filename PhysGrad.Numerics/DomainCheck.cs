using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// The first failing domain condition of some formulas at a point (<see cref="Domain.FirstFailing"/>), in
/// words with the values of the variables it is on: <c>x0 ≥ 0 for sqrt(x0) fails (x0 = -3)</c>. Shared by
/// the runs (<see cref="IDifferentiableProblem.OutsideDomainAt"/>) and the façade's start check; and the one
/// rule by which a run notices it has left the domain (<see cref="Left"/>), shared by the optimiser runs
/// (<see cref="Stepper.LeftDomain"/>) and the training runs (<see cref="Learning.PhysicsTrainer"/>).
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

    /// <summary>
    /// Why a run's point <paramref name="x"/> (n values) lies outside <paramref name="problem"/>'s domain,
    /// judged from what the run computed there anyway: only when <paramref name="loss"/> or one of
    /// <paramref name="outputs"/> (P(x), m values, or empty when not computed) is not finite, at a finite x,
    /// are the domain conditions evaluated (<see cref="IDifferentiableProblem.OutsideDomainAt"/>), so a run
    /// inside its domain pays two finiteness scans and no symbolic work. Null when inside or when the
    /// problem cannot tell.
    /// <para>Both are read because either can be finite where the other is not: the loss in x of sqrt(x0)
    /// toward 0 simplifies to x0/2, finite at x0 = −0.5 where P is NaN; a loss with log(y0) is NaN where P
    /// is finite.</para>
    /// </summary>
    /// <param name="problem">The problem the run is on.</param>
    /// <param name="x">The point reached.</param>
    /// <param name="loss">L at <paramref name="x"/>, or 0 for a run whose loss is a function of the outputs alone (training's ½‖y − y*‖²).</param>
    /// <param name="outputs">P(x) as the run computed it, or empty.</param>
    public static string? Left(IDifferentiableProblem problem, double[] x, double loss, ReadOnlySpan<double> outputs)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(x);
        if (double.IsFinite(loss) && LinearAlgebra.AllFinite(outputs)) return null;
        return LinearAlgebra.AllFinite(x) ? problem.OutsideDomainAt(x) : null;
    }
}
