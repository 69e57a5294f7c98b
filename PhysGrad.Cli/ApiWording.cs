namespace PhysGrad.Cli;

/// <summary>
/// The API's messages in the CLI's terms: the API names its own parameters (<c>variables: x, y</c>,
/// <see cref="ParameterMessages"/>) and its data its own ways out ("name them among the methods to compare");
/// the CLI names its options there instead (<c>--vars x,y</c>), one wording of each message with the names swapped.
/// </summary>
internal static class ApiWording
{
    /// <summary>The CLI option that gives an API parameter, by the parameter's name; a parameter not listed is named as it is.</summary>
    private static readonly IReadOnlyDictionary<string, string> Options = new Dictionary<string, string>
    {
        ["variables"] = "--vars",
        ["at"] = "--at",
        ["order"] = "--order",
        ["sparse"] = "--sparse",
        ["methods"] = "--methods",
    };

    /// <summary>The API's members its messages point to, by how they are named there, and the command that does the
    /// same on the command line: a check's detail says where Adam's and HIG's step units are measured.</summary>
    private static readonly IReadOnlyDictionary<string, string> Members = new Dictionary<string, string>
    {
        ["PhysicsProblem.StepUnits()"] = "physgrad units",
        // The rewriting of a loss that uses a variable (Problem's loss check) shows the simulator to give and the
        // target it then needs in the problem's terms; on the command line they are the options.
        [" (the simulator \""] = " (on the command line --simulator \"",
        [", with a target value for it if a target is given)"] = ", with a --target value for it if --target is given)",
        [", with target values for them if a target is given)"] = ", with --target values for them if --target is given)",
    };

    /// <summary>A parameter as the CLI writes it: its option (<c>--vars</c>), with the values suggested as the option
    /// takes them (<c>--vars x,y</c>; a switch's <c>true</c> is the switch alone: <c>--sparse</c>).</summary>
    public static string Mention(string parameter, IReadOnlyList<string>? values) =>
        (Options.TryGetValue(parameter, out var option) ? option : parameter)
        + (values is null or ["true"] ? "" : " " + string.Join(",", values));

    /// <summary>The message of an input error as the CLI prints it: one that names API parameters worded with the
    /// CLI's options (<see cref="ParameterMessages.Worded"/>, <see cref="Mention"/>), any other its own message.</summary>
    public static string Message(Exception e) => Text(ParameterMessages.Worded(e, Mention));

    /// <summary><paramref name="message"/> with the API's advice on parameters (the parameters argument of
    /// FromExpressions, a captured variable of FromLambda) said as <c>--param name=value</c>, which has the façade
    /// find that advice (<see cref="InputError.WordParameterAdvice"/>).
    /// The API's members it names, and the problem's terms of the loss rewriting, are said as the CLI's (<see cref="Members"/>).</summary>
    public static string Text(string message) =>
        Members.Aggregate(
            InputError.WordParameterAdvice(message,
                name => $"give its value as a parameter (--param {name}=… on the command line, \"parameters\" in a problem file)",
                "a --param"),
            (text, member) => text.Replace(member.Key, member.Value, StringComparison.Ordinal));

    /// <summary>Skipped methods with the option that names them added to the reason a method is left out of an
    /// example's default comparison (<see cref="NotApplicableCause.LeftOutByDefault"/>), which ends with the API's
    /// way to run it anyway: "… name them among the methods to compare to run them anyway (--methods)."</summary>
    public static IReadOnlyList<SkippedMethod> Skipped(IEnumerable<SkippedMethod> skipped) =>
        [.. skipped.Select(s => s.Cause == NotApplicableCause.LeftOutByDefault ? s with { Reason = $"{s.Reason.TrimEnd('.')} ({Mention("methods", null)})." } : s)];
}
