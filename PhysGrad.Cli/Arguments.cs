namespace PhysGrad.Cli;

/// <summary>Reading option values: comma-separated names and numbers, in the invariant culture.</summary>
internal static class Arguments
{
    public static string[] Names(string option, string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0))
            throw new CliInputException($"{option} has an empty name in '{text}': write names separated by commas, e.g. x0,x1.");
        // Each name by the parser's rule, before a later message complains about a part of it (1b read as b).
        for (var i = 0; i < names.Length; i++)
            if (NameRules.Problem(names[i]) is { } why)
                throw new CliInputException($"{option}: name {i + 1} of '{text}': {why}.");
        // Before anything is counted against them: a start one value short follows from a repeat, which is the fault.
        if (ProblemDefinition.ListedTwice(names) is { } twice)
            throw new CliInputException($"{option}: {twice}");
        return names;
    }

    /// <summary>Refuses a point given with <paramref name="option"/> unless it has one value per variable, naming the
    /// variables and a point of the right length to write.</summary>
    public static void RequirePoint(string option, IReadOnlyList<double> point, IReadOnlyList<string> variables)
    {
        if (point.Count != variables.Count)
            throw new CliInputException(
                $"{option} has {PhysGrad.Numbers.Count(point.Count, "value")} but the problem has {PhysGrad.Numbers.Count(variables.Count, "variable")} ({Headline.Names(variables, "variable")}): " +
                "give one value per variable, in that order" +
                (variables.Count <= 10 ? $", e.g. {option} {string.Join(",", variables.Select((_, i) => i + 1))}." : "."));
    }

    /// <summary>The numbers of an option's value, comma-separated when <paramref name="list"/>; an option that
    /// takes one number (--param name=value) is refused in words about one value, not "value 1" of a list.</summary>
    public static double[] Numbers(string option, string text, bool list = true)
    {
        if (!list)
            return UserNumbers.TryRead(text.Trim(), out var single, out var why) ? [single]
                : throw new CliInputException(why == "is not a number"
                    ? $"{option}: '{text}' is not a number: {UserNumbers.Advice(text.Trim())}."
                    : $"{option}: '{text}' {why}; give one finite number, e.g. 1.5.");
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            // One reader for every number a user types (CSV rows, problem files, options), so that nan,
            // inf and 1e999 are refused alike everywhere.
            if (!UserNumbers.TryRead(parts[i], out values[i], out var problem))
                throw new CliInputException(problem == "is not a number"
                    ? $"{option}: value {i + 1} ('{parts[i]}') is not a number: {UserNumbers.Advice(parts[i])} (values separated by commas, e.g. 1.5,-2,3e-4)."
                    : $"{option}: value {i + 1} ('{parts[i]}') {problem}; give finite numbers, e.g. 1.5,-2,3e-4.");
        }
        return values;
    }
}
