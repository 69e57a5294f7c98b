using System.CommandLine;
using System.CommandLine.Parsing;

namespace PhysGrad.Cli;

/// <summary>
/// An empty value (<c>--simulator ""</c>, <c>--target " "</c>) of any text option of any command, refused while the command
/// line is parsed, by the option's name and with what to give instead. Read later, each option's empty value met a
/// different reader: the expression parser's "The input is empty" named no option, --param "" and derive's --methods ""
/// were taken as not given, and --target "" was refused for a missing --simulator.
/// </summary>
internal static class EmptyValues
{
    /// <summary>What each text option takes, as the clause after "give": the same example as its help gives where it has one.
    /// An option not listed (a new one) is told to give a value, and the usage line after every refusal points to its help.</summary>
    private static readonly IReadOnlyDictionary<string, string> Takes = new Dictionary<string, string>
    {
        ["--simulator"] = "simulator components separated by ';', e.g. --simulator \"x0; x1^2\"",
        ["--function"] = "an expression, e.g. -f \"x^2 + 1\"",
        ["--loss"] = "a loss in y0, y1, …, e.g. --loss \"(y0 - 1)^2\", or leave --loss out for ½‖y − y*‖²",
        ["--target"] = "the target y*, comma-separated, e.g. --target 1,2",
        ["--start"] = "the start point, one value per variable, comma-separated, e.g. --start 3,3",
        ["--at"] = "the point, one value per variable, comma-separated, e.g. --at 1,2",
        ["--inverse"] = "one expression per variable separated by ';', or 'numeric'; or leave --inverse out to have it derived",
        ["--methods"] = "method names separated by commas, or leave --methods out for the default methods",
        ["--vars"] = "variable names separated by commas, e.g. --vars x0,x1",
        ["--param"] = "name=value, e.g. --param g=9.81",
        ["--unit"] = "name=unit, e.g. --unit x0=m",
        ["--problem"] = "the path of a problem file",
        ["--points"] = "the path of a CSV file of points",
        ["--out"] = "a directory for the plots (it is created if missing)",
        ["--example"] = $"one of the examples: {ReferenceProblems.Names}",
    };

    /// <summary>Adds the check to every text option (a string, or repeated strings) of <paramref name="command"/> and its
    /// subcommands, except those that take a fixed list of values (--format with its parser, train's --example with its
    /// completions): their own message already names the option and lists the values, for an empty value as for any other.</summary>
    public static void Refuse(Command command)
    {
        foreach (var option in command.Options)
            if (option.ValueType == typeof(string) || option.ValueType == typeof(string[]))
                if (option.Validators.Count == 0 && option.CompletionSources.Count == 0 && !HasParser(option))
                    option.Validators.Add(Check);
        foreach (var sub in command.Subcommands)
            Refuse(sub);
    }

    private static bool HasParser(Option option) => option switch
    {
        Option<string> o => o.CustomParser is not null,
        Option<string[]> o => o.CustomParser is not null,
        _ => false,
    };

    private static void Check(OptionResult result)
    {
        if (result.Tokens.FirstOrDefault(t => string.IsNullOrWhiteSpace(t.Value)) is not { } empty) return;
        var typed = result.IdentifierToken?.Value ?? result.Option.Name;
        result.AddError(Message(typed, result.Option.Name, empty.Value));
    }

    /// <summary>The refusal of <paramref name="value"/> (empty, or spaces only) given to the option named <paramref name="name"/>,
    /// written as <paramref name="typed"/> (-f or --function).</summary>
    internal static string Message(string typed, string name, string value) =>
        $"{typed} is {(value.Length == 0 ? "empty" : "blank (spaces only)")}: give " +
        (Takes.TryGetValue(name, out var what) ? what : "it a value") + ".";
}
