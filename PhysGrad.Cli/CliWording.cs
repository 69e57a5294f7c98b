using PhysGrad.Symbolic;

namespace PhysGrad.Cli;

/// <summary>
/// The API's messages in the CLI's terms. The API advises giving a constant as one of the problem's
/// parameters in its own words (<see cref="Advice"/>: the parameters argument of FromExpressions, a captured
/// variable of FromLambda); on the command line that is <c>--param name=value</c>, so every message the
/// CLI prints from the API passes through <see cref="Of"/>, which finds the advice by the API's own
/// pattern and constant and says it with the option.
/// </summary>
internal static class CliWording
{
    /// <summary><paramref name="message"/> with the API's advice on parameters said as <c>--param</c>.</summary>
    public static string Of(string message) =>
        Advice.parameterValuePattern
            .Replace(message, m => $"give its value as a parameter (--param {m.Groups["name"].Value}=… on the command line, \"parameters\" in a problem file)")
            .Replace(Advice.NamedParameter, "a --param");
}
