namespace PhysGrad;

/// <summary>The rule every variable and parameter name follows, for front ends that read names themselves.</summary>
public static class NameRules
{
    /// <summary>
    /// Why <paramref name="name"/> is not a valid variable or parameter name (an ASCII letter or '_' first, then
    /// letters, digits or '_'), with what to write instead (π: pi, ｘ: x); null when it is valid.
    /// </summary>
    public static string? Problem(string name) =>
        PhysGrad.Symbolic.Names.Problem(name) is { } why ? why.Value : null;

    /// <summary>
    /// Refuses the first of <paramref name="names"/> that is not a valid name, as the parser, the CLI's --vars and a
    /// problem file's "variables" do (the same words): <c>variables[1]: 'θ' is not a valid name …: write theta
    /// instead.</c> For the façade's entry points that take names; the engine's own names (Δx0, printed rules)
    /// are made inside it and never pass here. Null names pass (the callers refuse them as they did).
    /// </summary>
    /// <param name="names">The names given.</param>
    /// <param name="what">The parameter that gave them, e.g. <c>variables</c>; an entry is named what[i].</param>
    /// <exception cref="Symbolic.SymbolicException">ErrorKind.Variable: the entry, the name and what to write.</exception>
    internal static void Require(IEnumerable<string>? names, string what)
    {
        if (names is null) return;
        var i = 0;
        foreach (var name in names)
        {
            if (name is not null && Problem(name) is { } why)
                throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Variable, $"{what}[{i}]: {why}.");
            i++;
        }
    }

    /// <summary>As <see cref="Require(IEnumerable{string}?, string)"/> for one name, given as <paramref name="what"/>.</summary>
    internal static string Require(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Problem(name) is { } why)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Variable, $"{what}: {why}.");
        return name;
    }
}
