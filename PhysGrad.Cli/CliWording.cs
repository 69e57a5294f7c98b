namespace PhysGrad.Cli;

/// <summary>
/// The API's messages in the CLI's terms. The API advises giving a constant as one of the problem's
/// parameters in its own words (the parameters argument of FromExpressions, a captured variable of
/// FromLambda); on the command line that is <c>--param name=value</c>, so every message the CLI prints
/// from the API passes through <see cref="Of"/>, which has the façade find that advice
/// (<see cref="InputError.WordParameterAdvice"/>) and says it with the option.
/// </summary>
internal static class CliWording
{
    /// <summary><paramref name="message"/> with the API's advice on parameters said as <c>--param</c>.</summary>
    public static string Of(string message) =>
        InputError.WordParameterAdvice(message,
            name => $"give its value as a parameter (--param {name}=… on the command line, \"parameters\" in a problem file)",
            "a --param");
}
