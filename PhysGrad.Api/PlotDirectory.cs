namespace PhysGrad;

/// <summary>What is wrong with a directory given for plots (<see cref="PlotDirectoryException.Fault"/>).</summary>
public enum PlotDirectoryFault
{
    /// <summary>The path is empty or blank.</summary>
    Empty,
    /// <summary>The path names an existing file.</summary>
    IsFile,
    /// <summary>The directory does not exist and cannot be created (a read-only or virtual parent such as /proc, no permission).</summary>
    CannotCreate,
    /// <summary>The directory exists but a file cannot be written into it.</summary>
    CannotWrite,
}

/// <summary>
/// A directory for plots that cannot be used, thrown by every Save…Plots of the API before anything is
/// drawn: the system's own exception named a file (<c>Could not find file '/proc/nope'</c>, a
/// FileNotFoundException) or said nothing of which directory (an IOException for a file given as the
/// directory). <see cref="Exception.Message"/> names the directory, what is wrong and what to do;
/// <see cref="Fault"/> and <see cref="Detail"/> let a caller tell the faults apart (the CLI gives the
/// message itself after its <c>--out</c> option's name, one wording for both). An <see cref="IOException"/>, so a caller that caught the system's still catches it.
/// </summary>
public sealed class PlotDirectoryException(string directory, PlotDirectoryFault fault, string? detail, Exception? inner)
    : IOException(MessageFor(directory, fault, detail), inner)
{
    /// <summary>The directory as given.</summary>
    public string Directory { get; } = directory;

    /// <summary>What is wrong with it.</summary>
    public PlotDirectoryFault Fault { get; } = fault;

    /// <summary>Why, in words, for <see cref="PlotDirectoryFault.CannotCreate"/> (what about the parent stops it)
    /// and <see cref="PlotDirectoryFault.CannotWrite"/> (the system's message); else null.</summary>
    public string? Detail { get; } = detail;

    private static string MessageFor(string directory, PlotDirectoryFault fault, string? detail) => fault switch
    {
        PlotDirectoryFault.Empty => "The plot directory is empty: give a directory for the plots (it is created if missing).",
        PlotDirectoryFault.IsFile => $"The plot directory '{directory}' is a file, not a directory: give a directory for the plots (it is created if missing).",
        PlotDirectoryFault.CannotCreate => $"The plot directory '{directory}' cannot be created: {detail}. Give a directory you can write to (it is created if missing).",
        _ => $"The plot directory '{directory}' cannot be written ({detail?.TrimEnd('.')}): give a directory you can write to.",
    };
}

/// <summary>The directory plots go to, checked (and created) before anything is drawn; one check for the API and the CLI.</summary>
public static class PlotDirectory
{
    /// <summary>
    /// Creates <paramref name="directory"/> if needed and proves it writable by writing and deleting a probe
    /// file, so that a bad path is found in a moment and named, not met as the system's exception about a
    /// file after the plots are built.
    /// </summary>
    /// <exception cref="PlotDirectoryException">The path is empty, names a file, or cannot be created or written.</exception>
    public static void Prepare(string? directory)
    {
        if (string.IsNullOrWhiteSpace(directory))
            throw new PlotDirectoryException(directory ?? "", PlotDirectoryFault.Empty, null, null);
        if (File.Exists(directory))
            throw new PlotDirectoryException(directory, PlotDirectoryFault.IsFile, null, null);
        try
        {
            System.IO.Directory.CreateDirectory(directory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // The system's message names a file ("Could not find file '/proc/nope'") for a directory that
            // could not be made: say that, and what about the parent stops it.
            var parent = Path.GetDirectoryName(Path.GetFullPath(directory));
            // The nearest ancestor that exists: a file there ("afile/sub" with afile a file) is the reason.
            var ancestor = parent;
            while (ancestor is not null && !System.IO.Directory.Exists(ancestor) && !File.Exists(ancestor))
                ancestor = Path.GetDirectoryName(ancestor);
            var why = e is UnauthorizedAccessException ? $"permission denied in '{parent}'"
                : ancestor is not null && File.Exists(ancestor) ? $"'{ancestor}' is a file, not a directory"
                : parent is not null && System.IO.Directory.Exists(parent) ? $"'{parent}' takes no new directories (a read-only or virtual file system, such as /proc)"
                : e.Message.TrimEnd('.');
            throw new PlotDirectoryException(directory, PlotDirectoryFault.CannotCreate, why, e);
        }
        try
        {
            var probe = Path.Combine(directory, $".physgrad-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new PlotDirectoryException(directory, PlotDirectoryFault.CannotWrite, e.Message, e);
        }
    }
}
