using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace PhysGrad.Cli;

/// <summary>
/// Every numeric option of every command read one way: in the invariant culture, '.' as the decimal
/// point, no thousands separators. System.CommandLine reads numbers in the current culture and allows
/// separators, so <c>--lambda 1,5</c> would be 15 (and under de-DE <c>--eta 0.5</c> would be 5); a
/// comma is instead an error that says to write '.'.
/// </summary>
internal static class NumericOptions
{
    /// <summary>Gives every double and int option below <paramref name="command"/> the invariant parser.</summary>
    public static void ReadInvariant(Command command)
    {
        foreach (var option in command.Options)
            switch (option)
            {
                case Option<double> o: o.CustomParser = r => Value(r, o.DefaultValueFactory, t => ReadDouble(t) is { } x ? (true, x) : (false, 0.0)); break;
                case Option<double?> o: o.CustomParser = r => Value(r, o.DefaultValueFactory, t => ReadDouble(t) is { } x ? (true, (double?)x) : (false, null)); break;
                case Option<int> o: o.CustomParser = r => Value(r, o.DefaultValueFactory, t => ReadInt(t) is { } n ? (true, n) : (false, 0)); break;
                case Option<int?> o: o.CustomParser = r => Value(r, o.DefaultValueFactory, t => ReadInt(t) is { } n ? (true, (int?)n) : (false, null)); break;
            }
        foreach (var sub in command.Subcommands)
            ReadInvariant(sub);
    }

    private static T Value<T>(ArgumentResult result, Func<ArgumentResult, T>? fallback, Func<string, (bool Ok, T Value)> read)
    {
        if (result.Tokens.Count == 0)
            return fallback is null ? default! : fallback(result);
        var text = result.Tokens[^1].Value;
        if (read(text) is (true, var value)) return value;
        var name = (result.Parent as OptionResult)?.Option.Name ?? "The option";
        var whole = typeof(T) == typeof(int) || typeof(T) == typeof(int?);
        result.AddError(Message(name, text, whole));
        return default!;
    }

    /// <summary>
    /// A whole number beyond the int range, refused with the range the option means rather than the int's
    /// (--n, an example's size: each example's own, as `physgrad examples` lists them).
    /// </summary>
    public static string Overflow(string option, string text) => option == "--n"
        ? $"--n is an example's size and '{text}' is far beyond every example's: give n within the example's range " +
          $"(with its default methods: {string.Join(", ", ReferenceProblems.All.Select(i => $"{i.Name} {i.MinSize} to {i.MaxSize}"))})."
        : $"{option} must be a whole number {AcceptedRange(option)}, not '{text}'.";

    /// <summary>compare's --iterations: 0 (the start only) or more.</summary>
    public static readonly WholeRange Iterations = new("--iterations", 0, int.MaxValue);

    /// <summary>train's --steps: at least one step.</summary>
    public static readonly WholeRange Steps = new("--steps", 1, int.MaxValue);

    /// <summary>train's --seeds: each seed is a whole training run, and the summary is over at most 100.</summary>
    public static readonly WholeRange Seeds = new("--seeds", 1, 100);

    /// <summary>train's --batch: one sample to 100000.</summary>
    public static readonly WholeRange Batch = new("--batch", 1, TrainingChoice.MaxBatchSize); // the API's bound (TrainingChoice.WithBatchSize)

    /// <summary>train's --seed with <paramref name="seeds"/> seeds: the runs' seeds seed, seed + 1, …, seed + seeds − 1
    /// stay below int's largest value, with one to spare.</summary>
    public static WholeRange Seed(int seeds) => new("--seed", 0, int.MaxValue - seeds - 1);

    /// <summary>
    /// The values a whole-number option accepts, as its command checks them (int's own range is not what
    /// any of them takes: --iterations -5 is refused, so "from -2147483648" promised what is not accepted).
    /// Read from the same ranges the commands check (<see cref="Iterations"/>, <see cref="Steps"/>,
    /// <see cref="Seeds"/>, <see cref="Batch"/>, <see cref="Seed"/>); an option not listed takes int's range.
    /// </summary>
    internal static string AcceptedRange(string option) => option switch
    {
        "--iterations" => Iterations.Text,
        "--steps" => Steps.Text,
        "--seeds" => Seeds.Text,
        "--batch" => Batch.Text,
        "--seed" => $"{Seed(1).Text} (less one for each of --seeds beyond the first)",
        "--order" => "among the orders the command lists",
        _ => $"from {int.MinValue} to {int.MaxValue}",
    };

    /// <summary>What is wrong with <paramref name="text"/> as the value of <paramref name="option"/>, and how to write it.</summary>
    public static string Message(string option, string text, bool whole)
    {
        if (text.Contains(','))
            return whole
                ? $"{option} must be a whole number, not '{text}': write it without separators (1000, not 1,000)."
                : $"{option} must be one number, not '{text}': use '.' as the decimal point (1.5, not 1,5), and no thousands separators.";
        if (whole)
            return System.Numerics.BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
                ? Overflow(option, text)
                : $"{option} must be a whole number, not '{text}'.";
        if (!UserNumbers.TryRead(text, out _, out var problem) && problem != "is not a number")
            return $"{option} must be a finite number, and '{text}' {problem}.";
        return $"{option} must be a number (such as 0.5 or 1e-3, '.' as the decimal point), not '{text}'.";
    }

    /// <summary>A finite double in the invariant culture without thousands separators, or null (NaN, ±∞ and
    /// literals beyond the double range included, as <see cref="UserNumbers.TryRead"/> refuses them).</summary>
    public static double? ReadDouble(string text) =>
        UserNumbers.TryRead(text, out var x, out _) ? x : null;

    /// <summary>An int in the invariant culture without separators, or null.</summary>
    public static int? ReadInt(string text) =>
        int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
}

/// <summary>
/// The whole numbers an option accepts, from <paramref name="Min"/> to <paramref name="Max"/>: the one source of
/// its command's check (<see cref="Require"/>) and of the range its messages state (<see cref="NumericOptions.AcceptedRange"/>).
/// </summary>
/// <param name="Option">The option as written (<c>--seeds</c>).</param>
/// <param name="Min">The least value accepted.</param>
/// <param name="Max">The greatest value accepted.</param>
internal sealed record WholeRange(string Option, int Min, int Max)
{
    /// <summary>Whether <paramref name="n"/> is accepted.</summary>
    public bool Contains(int n) => n >= Min && n <= Max;

    /// <summary>The range in words: <c>from 1 to 100</c>.</summary>
    public string Text => $"from {Min} to {Max}";

    /// <summary><paramref name="n"/>, or a <see cref="CliInputException"/> that states the range: <c>--seeds must be
    /// a whole number from 1 to 100, not 101.</c></summary>
    public int Require(int n) =>
        Contains(n) ? n : throw new CliInputException($"{Option} must be a whole number {Text}, not {n}.");
}
