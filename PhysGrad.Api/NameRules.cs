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
}
