namespace PhysGrad.Cli;

/// <summary>Reading option values: comma-separated names and numbers, in the invariant culture.</summary>
internal static class Arguments
{
    public static string[] Names(string option, string text)
    {
        var names = text.Split(',', StringSplitOptions.TrimEntries);
        if (names.Any(n => n.Length == 0))
            throw new CliInputException($"{option} has an empty name in '{text}': write names separated by commas, e.g. x0,x1.");
        return names;
    }

    public static double[] Numbers(string option, string text)
    {
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
