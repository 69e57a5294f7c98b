using System.CommandLine;
using System.CommandLine.Parsing;

namespace PhysGrad.Cli;

/// <summary>Exit codes of the physgrad tool.</summary>
public static class ExitCode
{
    /// <summary>Success.</summary>
    public const int Ok = 0;
    /// <summary>A run that failed (a property that does not hold, a run that diverged), or an internal error.</summary>
    public const int Failed = 1;
    /// <summary>Bad input: the message on stderr says what and where.</summary>
    public const int BadInput = 2;
}

/// <summary>A user error found by the CLI itself (an option's value), reported without a stack trace.</summary>
public sealed class CliInputException(string message) : Exception(message);

/// <summary>The physgrad command line, runnable in-process (the tests do) with its own writers.</summary>
public static class CliApp
{
    /// <summary>The names of the subcommands from the root down to <paramref name="command"/> (empty for the root).</summary>
    private static IEnumerable<string> CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (var c = command; c.Parent is CommandResult parent; c = parent)
            names.Insert(0, c.Command.Name);
        return names;
    }

    /// <summary>Runs the tool with <paramref name="args"/>, writing to the given writers; returns the exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var wrapped = new LineWidth(output);
        var root = Root(wrapped, output, error, FittedHelp.WidthFor(output));
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            var explained = ValuesOfUnknownOptions(parsed, args);
            var stray = StrayHints(parsed);
            foreach (var e in parsed.Errors)
            {
                // The value after an unknown option is unmatched too; its own "Unrecognized" line would
                // only repeat the first one (whose did-you-mean already names the option meant).
                if (parsed.UnmatchedTokens.FirstOrDefault(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal)) is { } t
                    && explained.Contains(t))
                    continue;
                // "physgrad compar": System.CommandLine also says "Required command was not provided.", which
                // only precedes the useful line about the unmatched token (with its did-you-mean).
                if (parsed.UnmatchedTokens.Count > 0 && e.SymbolResult is CommandResult { Command.Subcommands.Count: > 0 }
                    && !parsed.UnmatchedTokens.Any(u => e.Message.Contains($"'{u}'", StringComparison.Ordinal)))
                    continue;
                if (stray.Skipped.Contains(e)) continue;
                error.WriteLine(Wrapped($"physgrad: {stray.Messages.GetValueOrDefault(e) ?? WithHint(NumberMessage(e) ?? e.Message, Hint(parsed, e.Message))}"));
            }
            error.WriteLine(UsageLine(parsed));
            return ExitCode.BadInput;
        }

        wrapped.Active = HumanText(parsed);
        try
        {
            return parsed.Invoke(new InvocationConfiguration
            {
                Output = output,
                Error = error,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (Exception e) when (InputError.Is(e) || Unwrap(e) is CliInputException)
        {
            error.WriteLine(Wrapped($"physgrad: {ApiWording.Message(e)}"));
            error.WriteLine(UsageLine(parsed));
            // Where in the engine an input was refused, for whoever checks that the refusal is the input's fault.
            if (Environment.GetEnvironmentVariable("PHYSGRAD_DEBUG") == "1")
                error.WriteLine(e);
            return ExitCode.BadInput;
        }
        catch (Exception e)
        {
            // Not the user's fault: say so, and keep the trace out of the way unless asked for.
            error.WriteLine(Wrapped($"physgrad: internal error: {e.Message}"));
            if (Environment.GetEnvironmentVariable("PHYSGRAD_DEBUG") == "1")
                error.WriteLine(e);
            else
                error.WriteLine("Set PHYSGRAD_DEBUG=1 to see the stack trace, and please report it.");
            return ExitCode.Failed;
        }
        finally
        {
            wrapped.Flush();
        }
    }

    /// <summary>
    /// The last line of every refusal (exit 2), the same whichever check refused the input (System.CommandLine's parse,
    /// an option's value checked by the command, the API's): the help of the command the error is in
    /// (physgrad compare --help), not the root's list of commands. The hints before it never name the help again.
    /// </summary>
    private static string UsageLine(ParseResult parsed)
    {
        var path = string.Join(" ", CommandPath(parsed.CommandResult));
        return path.Length == 0
            ? "Run 'physgrad --help' for the commands and their options."
            : $"Run 'physgrad {path} --help' for its options.";
    }

    /// <summary>A message and its hint in brackets as one sentence: System.CommandLine's "Unrecognized command or argument
    /// '--iteration'." ended with its period before the hint ("…'--iteration'. (did you mean …?)"); the period goes after it.</summary>
    private static string WithHint(string message, string hint) =>
        hint.Length == 0 ? message : $"{message.TrimEnd().TrimEnd('.')}{hint}.";

    /// <summary>The root command with every subcommand, help at <paramref name="helpWidth"/> columns (<see cref="FittedHelp"/>);
    /// <paramref name="wrapped"/> is the writer of the human-readable text (compare, derive, diff, train, units and check
    /// write it in lines of at most 100 characters).</summary>
    internal static RootCommand Root(LineWidth wrapped, TextWriter output, TextWriter error, int helpWidth = FittedHelp.Unknown)
    {
        var root = new RootCommand(
            "physgrad: exact gradients, Hessians and inverse Jacobians, closed-form update rules and optimiser comparisons.");
        root.Subcommands.Add(DiffCommand.Create(wrapped));
        root.Subcommands.Add(EvalCommand.Create(output, error));
        root.Subcommands.Add(CompareCommand.Create(wrapped, error));
        root.Subcommands.Add(DeriveCommand.Create(wrapped, error));
        root.Subcommands.Add(UnitsCommand.Create(wrapped));
        root.Subcommands.Add(CheckCommand.Create(wrapped));
        root.Subcommands.Add(TrainCommand.Create(wrapped, error));
        NumericOptions.ReadInvariant(root);
        EmptyValues.Refuse(root);
        // Help at the reader's width: piped (no console) System.CommandLine wrote each option's description on one
        // line of any length, and at a fixed 100 columns an 80-column terminal wrapped every long line again.
        FittedHelp.Apply(root, helpWidth);
        return root;
    }

    /// <summary>
    /// An error message in lines of at most 100 characters, as the commands' notes and warnings are
    /// (<see cref="LineWidth.WrapMessage"/>: continuations indented two spaces, "physgrad: " kept with its
    /// text); each line of a message of several lines wrapped on its own.
    /// </summary>
    private static string Wrapped(string message) =>
        string.Join("\n", message.Replace("\r", "").Split('\n').Select(LineWidth.WrapMessage));

    /// <summary>Whether the parsed command writes text for a reader (compare, check and units' table, derive's
    /// and diff's infix, train's table), which <see cref="LineWidth"/> wraps at 100 columns; never JSON, CSV, C# or LaTeX.</summary>
    private static bool HumanText(ParseResult parsed)
    {
        var command = parsed.CommandResult.Command;
        if (command.Name is not ("compare" or "check" or "units" or "derive" or "diff" or "train")) return false;
        var format = command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == "--format");
        return format is null || parsed.GetValue(format) is "table" or "infix";
    }

    // System.CommandLine says only "Unrecognized command or argument 'x'": add the nearest option (for a
    // token starting with '-') or subcommand of the command that was being parsed, if one is near. An
    // option that exists only on other commands (compare --lambda: train's) is named as theirs instead,
    // so no option of this command that merely shares letters with it is suggested.
    private static string Hint(ParseResult parsed, string message)
    {
        var token = parsed.UnmatchedTokens.FirstOrDefault(t => message.Contains($"'{t}'", StringComparison.Ordinal));
        if (token is null) return "";
        var command = parsed.CommandResult.Command;
        var bare = token.TrimStart('-');
        if (!token.StartsWith('-'))
            return command.Subcommands.Count > 0 ? MethodCatalog.DidYouMean(bare, command.Subcommands.Select(c => c.Name)) : Positional(parsed, token);
        // Compared without the leading dashes, so that "--" alone is no letter in common.
        var own = OptionNames(command);
        if (ProblemDefinition.Nearest(bare, own.Keys) is { } near)
            return $" (did you mean '{own[near]}'?)";
        if (ReferenceEquals(command, parsed.RootCommandResult.Command)) return "";
        // The other commands whose options have this name, or one near it (the nearest name only).
        var others = parsed.RootCommandResult.Command.Subcommands.Where(c => !ReferenceEquals(c, command))
            .SelectMany(c => OptionNames(c).Select(o => (Command: c.Name, Bare: o.Key, Name: o.Value))).ToArray();
        if (ProblemDefinition.Nearest(bare, others.Select(o => o.Bare).Distinct()) is not { } elsewhere) return "";
        var owners = others.Where(o => o.Bare == elsewhere).Select(o => o.Command).Distinct().ToArray();
        var name = others.First(o => o.Bare == elsewhere).Name;
        var exact = string.Equals(elsewhere, bare, StringComparison.OrdinalIgnoreCase);
        return $" ({(exact ? "" : $"did you mean '{name}'? ")}{(exact ? token : name)} is an option of {MethodCatalog.JoinNames(owners)}, not of {command.Name})";
    }

    // A word where a command takes none (`physgrad diff "x^2"`): every value of a command follows its option's name;
    // an expression is shown with the option that takes it (-f for a function, --simulator for a simulator), unless
    // that option, or another that gives the problem, is already there (`compare --problem p.json x0`: a second
    // simulator is not what is missing).
    private static string Positional(ParseResult parsed, string token)
    {
        var command = parsed.CommandResult.Command;
        var own = OptionNames(command);
        var given = command.Options.Any(o => o.Name is "--function" or "--simulator" or "--problem" or "--example" && parsed.GetResult(o) is { Implicit: false });
        var option = given || !token.Any(char.IsLetter) ? null
            : own.ContainsKey("function") ? "-f"
            : own.ContainsKey("simulator") ? "--simulator"
            : null;
        return $" ({command.Name} takes no value without an option's name before it" +
            (option is null ? "" : $": give the expression with {option}, e.g. physgrad {command.Name} {option} \"{token}\"") + ")";
    }

    /// <summary>What <see cref="StrayHints"/> found: the errors of stray words it explains with the first of their run
    /// (the others skipped), and the message that first one is written as (its hint included).</summary>
    private sealed record Strays(HashSet<ParseError> Skipped, Dictionary<ParseError, string> Messages);

    /// <summary>
    /// The words a command without subcommands did not take (no option's name before them), run by run: a run right
    /// after a text option's value (<c>--simulator x0 + sin(x0)</c>, the shell's split of an expression not quoted) is
    /// explained once, with that value and the run quoted as one argument as it was likely meant, rather than one
    /// "Unrecognized" line per word each suggesting --simulator as if it were missing; any other run word by word
    /// (<see cref="Positional"/>). A run after an unknown option is its value, explained by that option's error.
    /// </summary>
    private static Strays StrayHints(ParseResult parsed)
    {
        var strays = new Strays([], []);
        var command = parsed.CommandResult;
        if (command.Command.Subcommands.Count > 0 || parsed.UnmatchedTokens.Count == 0) return strays;
        // Each value token with the option it is a value of (the very token objects of the parse, so that a word
        // that also occurs as a value elsewhere is told apart).
        var valueOf = new Dictionary<Token, OptionResult>(ReferenceEqualityComparer.Instance);
        var claimed = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        foreach (var option in command.Children.OfType<OptionResult>())
        {
            if (option.IdentifierToken is { } id) claimed.Add(id);
            foreach (var t in option.Tokens) { valueOf[t] = option; claimed.Add(t); }
        }
        var tokens = parsed.Tokens;
        var errors = parsed.Errors.ToList();
        for (var i = 0; i < tokens.Count; i++)
        {
            if (!IsStray(tokens[i])) continue;
            var first = i;
            while (i + 1 < tokens.Count && IsStray(tokens[i + 1])) i++;
            var run = tokens.Skip(first).Take(i - first + 1).Select(t => t.Value).ToArray();
            var before = first > 0 ? tokens[first - 1] : null;
            // After an unknown option (--itertions 2): its value, which that option's error explains.
            if (before is not null && !claimed.Contains(before) && before.Value.StartsWith('-')) continue;
            // Each word's own error, in order (a word given twice has an error for each).
            var runErrors = run.Select(w => errors.FirstOrDefault(e => e.Message.Contains($"'{w}'", StringComparison.Ordinal)) is { } e && errors.Remove(e) ? e : null).ToArray();
            if (runErrors.Any(e => e is null)) continue;
            if (before is not null && valueOf.TryGetValue(before, out var owner) && IsText(owner.Option))
            {
                var name = owner.IdentifierToken?.Value ?? owner.Option.Name;
                var (words, one) = (MethodCatalog.JoinNames(run.Select(w => $"'{w}'").ToArray()), run.Length == 1);
                var whole = run.Prepend(before.Value).ToArray();
                // A list of numbers or names (--start 1 2, --start 1, 2) is written with commas; anything else quoted.
                var (how, together) = CommaLists.Contains(owner.Option.Name)
                    ? ("write the list as one argument, with commas and no spaces", string.Join(",", whole.Select(w => w.Trim(',')).Where(w => w.Length > 0)))
                    : ("quote the whole value as one argument", $"\"{string.Join(" ", whole)}\"");
                strays.Messages[runErrors[0]!] = WithHint($"Unrecognized command or argument{(one ? "" : "s")} {words}",
                    $" ({command.Command.Name} takes no value without an option's name before it; {(one ? "it follows" : "they follow")} {name}'s value '{before.Value}': " +
                    $"if {(one ? "it is" : "they are")} part of that value, {how}, {name} {together}; if not, put the name of {(one ? "its option" : "each one's option")} before it)");
                foreach (var e in runErrors.Skip(1)) strays.Skipped.Add(e!);
            }
        }
        return strays;

        bool IsStray(Token t) => t.Type == TokenType.Argument && !claimed.Contains(t) && !t.Value.StartsWith('-');
    }

    // The options whose value is a comma-separated list of numbers or names.
    private static readonly HashSet<string> CommaLists = ["--start", "--target", "--at", "--vars", "--methods"];

    // An option whose value is text (an expression, a list, a path), which a shell splits at its spaces when not quoted.
    private static bool IsText(Option option) => option.ValueType == typeof(string) || option.ValueType == typeof(string[]);

    // A command's visible long option names, keyed by the name without its dashes.
    private static Dictionary<string, string> OptionNames(Command command) =>
        command.Options.Where(o => !o.Hidden).SelectMany(o => o.Aliases.Prepend(o.Name)).Where(n => n.StartsWith("--", StringComparison.Ordinal))
            .Distinct().ToDictionary(n => n[2..]);

    // The unmatched tokens that directly follow an unmatched option name ("--itertions 2"): the value
    // of the option the user misspelt, already explained by that option's error.
    private static HashSet<string> ValuesOfUnknownOptions(ParseResult parsed, string[] args)
    {
        var unmatched = parsed.UnmatchedTokens.ToHashSet(StringComparer.Ordinal);
        var values = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < args.Length; i++)
            if (args[i].StartsWith('-') && unmatched.Contains(args[i]) && !args[i + 1].StartsWith('-') && unmatched.Contains(args[i + 1]))
                values.Add(args[i + 1]);
        return values;
    }

    // System.CommandLine's "Cannot parse argument '2.5' for option '--iterations' as expected type
    // 'System.Int32'" names a .NET type; say instead what the option takes, for every numeric option.
    private static string? NumberMessage(ParseError e)
    {
        var option = e.SymbolResult switch
        {
            OptionResult o => o,
            ArgumentResult { Parent: OptionResult o } => o,
            _ => null,
        };
        if (option is null) return null;
        // An option given twice (--target 1 --target 2): System.CommandLine's "expects a single argument but 2 were
        // provided" names neither the mistake nor the form that works.
        if (option.Option.Arity.MaximumNumberOfValues == 1 && option.Tokens.Count > 1)
        {
            var given = option.Tokens.Select(t => t.Value).ToArray();
            var once = CommaLists.Contains(option.Option.Name)
                ? $"; for several values write one comma-separated list, e.g. {option.Option.Name} {string.Join(",", given)}"
                : $" (given {string.Join(", ", given.Select(v => $"'{v}'"))})";
            return $"{option.Option.Name} was given {given.Length} times: give it once{once}.";
        }
        var type = Nullable.GetUnderlyingType(option.Option.ValueType) ?? option.Option.ValueType;
        var value = option.Tokens.Count > 0 ? option.Tokens[^1].Value : null;
        if (value is null) return null;
        var name = option.Option.Name;
        // NumericOptions' own messages (a decimal comma, a separator) already say what the option takes.
        if (e.Message.StartsWith(name, StringComparison.Ordinal)) return null;
        // A value refused by the option's list of values (--order 3, train --example foo): the list is the
        // rule, so the message names the option and the values it takes (System.CommandLine's "Argument
        // 'foo' not recognized" named neither the option nor, on one line, the values).
        var allowed = e.Message.IndexOf("one of", StringComparison.OrdinalIgnoreCase) is var at and >= 0
            ? System.Text.RegularExpressions.Regex.Matches(e.Message[at..], "'([^']*)'").Select(m => m.Groups[1].Value).ToArray()
            : [];
        // A whole-number option's list is named only for a whole number (--order 1.5 is first not whole).
        if (allowed.Length > 0 && (type != typeof(int)
            || int.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)))
            // With the nearest value, as every other list of names of every command is suggested from (MethodCatalog.DidYouMean).
            return $"{name} must be {string.Join(", ", allowed[..^1])}{(allowed.Length > 1 ? " or " : "")}{allowed[^1]}, not '{value}'{MethodCatalog.DidYouMean(value, allowed)}.";
        if (type == typeof(int))
        {
            return System.Numerics.BigInteger.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out _)
                ? NumericOptions.Overflow(name, value)
                : $"{name} must be a whole number, not '{value}'.";
        }
        if (type == typeof(double))
            return $"{name} must be a number (such as 0.5 or 1e-3), not '{value}'.";
        return null;
    }

    private static Exception Unwrap(Exception e) => InputError.Unwrap(e);
}
