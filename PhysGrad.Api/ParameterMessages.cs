using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// How a message names a parameter of the method called, with the values it suggests for it (or null): the API
/// names its own parameters (<see cref="ParameterMessages.InApi"/>, <c>variables: x, y</c>); a front end that
/// reads the same values under other names (the CLI's options) names them its way.
/// </summary>
/// <param name="parameter">The parameter's name in the API (<c>variables</c>, <c>at</c>, <c>methods</c>).</param>
/// <param name="values">The values the message suggests for it, in order, or null for the parameter alone.</param>
public delegate string ParameterMention(string parameter, IReadOnlyList<string>? values);

/// <summary>
/// Input errors whose remedy names a parameter of the API method called (<see cref="Derivatives.Compute"/>'s
/// <c>variables</c>, <c>at</c>, <c>order</c> and <c>sparse</c>, the <c>methods</c> of a comparison). The error is the
/// <see cref="SymbolicException"/> every API input error is, its <see cref="Exception.Message"/> in the API's terms
/// (<see cref="InApi"/>); <see cref="Worded"/> gives the same message with the parameters named another way, so that a
/// front end names its own options (the CLI: <c>--vars x,y</c>) without a second wording of the message.
/// </summary>
public static class ParameterMessages
{
    // Exception.Data keys: the message as a function of the naming, and the parameters it names.
    private const string WordingKey = "PhysGrad.ParameterMessages.Wording";
    private const string ParametersKey = "PhysGrad.ParameterMessages.Parameters";

    /// <summary>The API's naming of a parameter: <c>the parameter at</c>, or with values <c>variables: x, y</c>.</summary>
    public static string InApi(string parameter, IReadOnlyList<string>? values) =>
        values is null ? $"the parameter {parameter}" : $"{parameter}: {string.Join(", ", values)}";

    /// <summary>The input error of <paramref name="kind"/> whose message <paramref name="message"/> forms from a way to
    /// name parameters: a <see cref="SymbolicException"/> with the API's wording that keeps the others (<see cref="Worded"/>).</summary>
    /// <param name="kind">What kind of input error it is.</param>
    /// <param name="parameters">The API parameters the message names (<see cref="Parameters"/>).</param>
    /// <param name="message">The message, given how to name a parameter.</param>
    internal static SymbolicException Error(ErrorKind kind, IReadOnlyList<string> parameters, Func<ParameterMention, string> message)
    {
        var e = new SymbolicException(kind, message(InApi));
        e.Data[WordingKey] = message;
        e.Data[ParametersKey] = parameters.ToArray();
        return e;
    }

    /// <summary>The API parameters the message of <paramref name="e"/> names (<c>variables</c>, <c>at</c>); empty for
    /// any other exception.</summary>
    public static IReadOnlyList<string> Parameters(Exception e) =>
        InputError.Unwrap(e).Data[ParametersKey] as string[] ?? [];

    /// <summary>The message of <paramref name="e"/> with each parameter it names written by <paramref name="mention"/>;
    /// the exception's own message when it names none.</summary>
    public static string Worded(Exception e, ParameterMention mention) =>
        InputError.Unwrap(e) is var inner && inner.Data[WordingKey] is Func<ParameterMention, string> wording ? wording(mention) : inner.Message;
}
