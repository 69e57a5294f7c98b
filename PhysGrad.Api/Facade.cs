using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// What went wrong with a user's input, as the façade reports it: the kinds of
/// <see cref="SymbolicException"/> (same names and values as <see cref="ErrorKind"/>), so that a caller
/// of the façade tests a kind without naming the symbolic layer.
/// </summary>
public enum InputErrorKind
{
    /// <summary>The text could not be parsed; the message names line and column.</summary>
    Parse = ErrorKind.Parse,
    /// <summary>A function name that PhysGrad does not know.</summary>
    UnknownFunction = ErrorKind.UnknownFunction,
    /// <summary>A function called with the wrong number of arguments.</summary>
    Arity = ErrorKind.Arity,
    /// <summary>A division by an exact zero.</summary>
    DivisionByZero = ErrorKind.DivisionByZero,
    /// <summary>An expression nested more deeply than the engine can follow.</summary>
    TooDeep = ErrorKind.TooDeep,
    /// <summary>An expression or input larger than the stated limit.</summary>
    TooLarge = ErrorKind.TooLarge,
    /// <summary>A matrix that must be inverted is singular.</summary>
    Singular = ErrorKind.Singular,
    /// <summary>Shapes that do not fit.</summary>
    Shape = ErrorKind.Shape,
    /// <summary>A variable not bound at evaluation time, or a bad variable name.</summary>
    Variable = ErrorKind.Variable,
    /// <summary>A value that must be finite is not.</summary>
    NonFinite = ErrorKind.NonFinite,
    /// <summary>Anything else the user can fix (an empty input, a bad option).</summary>
    Invalid = ErrorKind.Invalid,
    /// <summary>Units that do not fit.</summary>
    Units = ErrorKind.Units,
}

/// <summary>
/// Recognises the errors the façade raises for bad input (its <see cref="SymbolicException"/>s), so that a
/// front end (the CLI) reports them as input errors and everything else as an internal fault.
/// </summary>
public static class InputError
{
    /// <summary>
    /// The kind of input error <paramref name="e"/> is (looking through an <see cref="AggregateException"/>
    /// with one inner exception), or null when it is not one: then it is not the user's fault.
    /// </summary>
    public static InputErrorKind? KindOf(Exception e) =>
        Unwrap(e) is SymbolicException s ? (InputErrorKind)s.Kind : null;

    /// <summary>Whether <paramref name="e"/> is an input error (see <see cref="KindOf"/>).</summary>
    public static bool Is(Exception e) => KindOf(e) is not null;

    /// <summary>
    /// The error of a derivative that cannot be formed in doubles (its constants overflow or divide by zero when
    /// folded: newton's Hessian of ½(1E+200·x0 − 1)² holds 1E+200 × 1E+200), or null for any other exception:
    /// what a default method list skips and a check marks undef, rather than refusing the whole command.
    /// </summary>
    internal static SymbolicException? Unformable(Exception e) =>
        Unwrap(e) is SymbolicException { Kind: ErrorKind.NonFinite or ErrorKind.DivisionByZero } s ? s : null;

    /// <summary>
    /// <paramref name="message"/> with the API's advice on parameters said in a front end's terms. The API's
    /// messages advise giving a constant as one of the problem's parameters in the API's words
    /// (<c>give its value as a parameter named 'q' (the problem's parameters: the parameters argument of
    /// FromExpressions, …)</c>; <c>as a named parameter of the problem</c>); a front end that gives parameters
    /// another way (the CLI's <c>--param q=…</c>) rewords them here, so that its messages name its own option.
    /// </summary>
    /// <param name="message">A message of the API (an exception's, a skipped method's reason).</param>
    /// <param name="parameterValue">The advice to give the named constant its value, e.g.
    /// <c>name =&gt; $"give its value as a parameter (--param {name}=…)"</c>.</param>
    /// <param name="namedParameter">What "a named parameter of the problem" is called, e.g. <c>a --param</c>.</param>
    public static string WordParameterAdvice(string message, Func<string, string> parameterValue, string namedParameter)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(parameterValue);
        return Advice.parameterValuePattern.Replace(message, m => parameterValue(m.Groups["name"].Value))
            .Replace(Advice.NamedParameter, namedParameter, StringComparison.Ordinal);
    }

    /// <summary><paramref name="e"/> without the single-exception <see cref="AggregateException"/> wrappers of parallel code.</summary>
    public static Exception Unwrap(Exception e) =>
        e is AggregateException { InnerExceptions.Count: 1 } a ? Unwrap(a.InnerExceptions[0]) : e;
}
