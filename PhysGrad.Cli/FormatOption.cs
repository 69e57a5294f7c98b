using System.CommandLine;

namespace PhysGrad.Cli;

/// <summary>
/// The <c>--format</c> option of every command, read one way: its values in any case, and <c>text</c>
/// for the human-readable default (infix for derive and diff, the table elsewhere), which is the name a
/// user reaches for first. A value that is none of them is refused with the accepted ones listed on one line.
/// </summary>
internal static class FormatOption
{
    /// <summary>An option whose first value is the default, the one <c>text</c> also names.</summary>
    public static Option<string> Create(string description, params string[] values)
    {
        var human = values[0];
        var accepted = $"{string.Join(", ", values[..^1])} or {values[^1]} (text is {human})";
        return new Option<string>("--format")
        {
            Description = $"{description} Default {human}; text is another name for it.",
            HelpName = string.Join("|", values.Append("text")),
            DefaultValueFactory = _ => human,
            CustomParser = result =>
            {
                if (result.Tokens.Count == 0) return human;
                var given = result.Tokens[^1].Value;
                var value = given.Trim().ToLowerInvariant();
                if (value == "text") return human;
                if (values.Contains(value)) return value;
                result.AddError($"--format must be {accepted}, not '{given}'{MethodCatalog.DidYouMean(value, values)}.");
                return human;
            },
        };
    }
}
