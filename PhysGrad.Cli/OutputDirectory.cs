namespace PhysGrad.Cli;

/// <summary>The <c>--out</c> directory of compare and train, checked before any run starts.</summary>
internal static class OutputDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> if needed and proves it writable (<see cref="PlotDirectory.Prepare"/>,
    /// the API's check), so that a bad path is an input error (exit 2) found in a moment, not an internal
    /// error after the runs; the message is the API's (<see cref="PlotDirectoryException"/>: the directory, what is
    /// wrong and what to do) after the option's name, <c>--out: The plot directory 'x' is a file, …</c>.
    /// </summary>
    /// <exception cref="CliInputException">The path is empty, names a file, or cannot be created or written.</exception>
    public static void Prepare(string? path)
    {
        try
        {
            PlotDirectory.Prepare(path);
        }
        catch (PlotDirectoryException e)
        {
            // The API's own message, one wording for both, with the option it came from.
            throw new CliInputException($"--out: {e.Message}");
        }
    }
}
