namespace PhysGrad.Cli;

/// <summary>The <c>--out</c> directory of compare and train, checked before any run starts.</summary>
internal static class OutputDirectory
{
    /// <summary>
    /// Creates <paramref name="path"/> if needed and proves it writable by writing and deleting a probe
    /// file, so that a bad path is an input error (exit 2) found in a moment, not an internal error after
    /// the runs.
    /// </summary>
    /// <exception cref="CliInputException">The path is empty, names a file, or cannot be created or written.</exception>
    public static void Prepare(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
            throw new CliInputException("--out is empty: give a directory for the plots, e.g. --out plots.");
        if (File.Exists(path))
            throw new CliInputException($"--out '{path}' is a file, not a directory: give a directory for the plots (it is created if missing).");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The system's message names a file ("Could not find file '/proc/nope'") for a directory that
            // could not be made: say that, and what about the parent stops it.
            var parent = Path.GetDirectoryName(Path.GetFullPath(path));
            var why = e is UnauthorizedAccessException ? $"permission denied in '{parent}'"
                : parent is not null && Directory.Exists(parent) ? $"'{parent}' takes no new directories (a read-only or virtual file system, such as /proc)"
                : e.Message;
            throw new CliInputException($"--out '{path}': the directory cannot be created: {why}. Give a directory you can write to (it is created if missing).");
        }
        try
        {
            var probe = Path.Combine(path, $".physgrad-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new CliInputException($"--out '{path}' cannot be written ({e.Message}): give a directory you can write to.");
        }
    }
}
