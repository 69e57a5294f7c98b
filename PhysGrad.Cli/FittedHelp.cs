using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace PhysGrad.Cli;

/// <summary>
/// <c>--help</c> laid out for the width it is read at: the terminal's when stdout is one (at most
/// <see cref="RulePrinter.MaxWidth"/>, the width of the rest of the tool's text; at least <see cref="Narrowest"/>), and
/// <see cref="Unknown"/> (80) columns when it is piped or written to a file, or when the tool runs in-process with
/// writers of its own. System.CommandLine wraps each option's description in the column its labels leave; a table inside a
/// description (compare's methods, <see cref="AttachTable"/>) is laid out here for that column, measured from the help itself,
/// so that its own columns stay aligned at any width.
/// </summary>
/// <remarks>System.CommandLine's help builder is internal: only <see cref="HelpAction.MaxWidth"/> can be set, so the
/// column a description starts at is read from the help written once without the table.</remarks>
internal sealed class FittedHelp(HelpAction help, int width) : SynchronousCommandLineAction
{
    /// <summary>The width of help whose reader's width is not known (piped, redirected, in-process).</summary>
    public const int Unknown = 80;

    /// <summary>The narrowest width help is laid out for, whatever the terminal says.</summary>
    public const int Narrowest = 60;

    // The options whose description ends with a table: the prose before it, and the table at a given width.
    private static readonly ConditionalWeakTable<Option, Table> Tables = new();

    private sealed record Table(string Intro, Func<int, string> At);

    /// <summary>
    /// Makes <paramref name="option"/>'s description <paramref name="intro"/> followed by a table laid out by
    /// <paramref name="table"/> for the columns its help leaves (at least <see cref="MethodCatalog.HelpMinimumWidth"/>);
    /// until help is written the description holds the table at 64 columns, the room 100 columns leave.
    /// </summary>
    public static void AttachTable(Option option, string intro, Func<int, string> table)
    {
        Tables.AddOrUpdate(option, new Table(intro, table));
        option.Description = intro + Environment.NewLine + table(64);
    }

    /// <summary>
    /// The width help is laid out for when written to <paramref name="output"/>: the console's window width when
    /// <paramref name="output"/> is the console's own stdout and that is a terminal (clamped to
    /// <see cref="Narrowest"/> … <see cref="RulePrinter.MaxWidth"/>), else <see cref="Unknown"/>.
    /// </summary>
    public static int WidthFor(TextWriter output)
    {
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected) return Unknown;
        try
        {
            var columns = Console.WindowWidth;
            return columns <= 0 ? Unknown : Math.Clamp(columns, Narrowest, RulePrinter.MaxWidth);
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return Unknown;
        }
    }

    /// <summary>Replaces the action of every help option of <paramref name="root"/> by help at <paramref name="width"/> columns.</summary>
    public static void Apply(RootCommand root, int width)
    {
        foreach (var option in root.Options.OfType<HelpOption>())
            if (option.Action is HelpAction action)
            {
                action.MaxWidth = width;
                option.Action = new FittedHelp(action, width);
            }
    }

    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var config = parseResult.InvocationConfiguration;
        // A label longer than System.CommandLine's first column (half the width) is wrapped into the descriptions beside
        // it: --format's list of values (<infix|latex|csharp|json|csv|text>) is then its name alone, as the description
        // lists the values.
        foreach (var option in parseResult.CommandResult.Command.Options)
            if (option.HelpName is { } values && values.Contains('|') && option.Name.Length + values.Length + 3 > width / 2 - 2)
                option.HelpName = option.Name.TrimStart('-');
        foreach (var option in parseResult.CommandResult.Command.Options)
        {
            if (!Tables.TryGetValue(option, out var table)) continue;
            // The help once with the prose alone: its first word's place on the option's line is the description column.
            option.Description = table.Intro;
            var shown = config.Output;
            using var probe = new StringWriter();
            config.Output = probe;
            try { help.Invoke(parseResult); }
            finally { config.Output = shown; }
            var first = table.Intro.Split(' ')[0];
            var column = probe.ToString().Split('\n').Select(l => l.IndexOf(first, StringComparison.Ordinal)).FirstOrDefault(i => i > 0, width - 64);
            option.Description = table.Intro + Environment.NewLine + table.At(Math.Max(MethodCatalog.HelpMinimumWidth, width - column));
        }
        var code = help.Invoke(parseResult);
        if (TheoryDoc.CitedBy(parseResult.CommandResult.Command))
            config.Output.Write(TheoryDoc.Where() + "\n\n");
        return code;
    }
}

/// <summary>
/// docs/theory.md, which help cites by section (compare's "docs/theory.md §4"), for a reader of an installed tool: the tool
/// package carries it beside physgrad.dll (PhysGrad.Cli.csproj), and help ends with where it is on this machine; a
/// build without it (run from elsewhere) says the source repository holds it.
/// </summary>
internal static class TheoryDoc
{
    /// <summary>The name help cites it by.</summary>
    public const string Name = "docs/theory.md";

    /// <summary>Where the tool's copy is: beside the tool's assembly.</summary>
    public static string Path => System.IO.Path.Combine(AppContext.BaseDirectory, "docs", "theory.md");

    /// <summary>Whether the help of <paramref name="command"/> cites it: its description, an option's, or (the root's list
    /// of commands) a subcommand's.</summary>
    public static bool CitedBy(Command command) =>
        new[] { command.Description }.Concat(command.Options.Select(o => o.Description)).Concat(command.Subcommands.Select(c => c.Description))
            .Any(d => d?.Contains(Name, StringComparison.Ordinal) == true);

    /// <summary>The lines that end such help: the path of the tool's copy on its own line (a path is never broken, so a
    /// long one may pass the help's width), or where else to find it.</summary>
    public static string Where() => File.Exists(Path)
        ? $"{Name}, which this help cites by section, is installed with physgrad at:\n  {Path}"
        : $"{Name}, which this help cites, is in physgrad's source repository, beside its README.md.";
}
