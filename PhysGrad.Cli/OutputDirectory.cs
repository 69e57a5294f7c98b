namespace PhysGrad.Cli;

/// <summary>The <c>--out</c> directory of compare and train, checked before any run starts.</summary>
internal static class OutputDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> if needed and proves it writable (<see cref="PlotDirectory.Prepare"/>,
    /// the API's check), so that a bad path is an input error (exit 2) found in a moment, not an internal
    /// error after the runs; the message names the option.
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
            throw new CliInputException(e.Fault switch
            {
                PlotDirectoryFault.Empty => "--out is empty: give a directory for the plots, e.g. --out plots.",
                PlotDirectoryFault.IsFile => $"--out '{path}' is a file, not a directory: give a directory for the plots (it is created if missing).",
                PlotDirectoryFault.CannotCreate => $"--out '{path}': the directory cannot be created: {e.Detail}. Give a directory you can write to (it is created if missing).",
                _ => $"--out '{path}' cannot be written ({e.Detail}): give a directory you can write to.",
            });
        }
    }
}
