namespace PhysGrad.Cli;

/// <summary>
/// The files a user names (--problem, --points), checked and read one way: a directory, a missing file
/// and an unreadable one are each said in plain words with the option and the path.
/// </summary>
internal static class InputFiles
{
    /// <summary>Refuses a path that is not a readable file, naming <paramref name="option"/> and what to give.</summary>
    /// <param name="option">The option (<c>--problem</c>).</param>
    /// <param name="path">The path as given.</param>
    /// <param name="what">What the file should be, for the message ("a problem file (JSON)").</param>
    public static void Check(string option, string path, string what)
    {
        if (Directory.Exists(path))
            throw new CliInputException($"{option}: '{path}' is a directory, not a file; give the path of {what}.");
        if (!File.Exists(path))
            throw new CliInputException($"{option}: the file '{path}' does not exist; check the path (it is read relative to {Environment.CurrentDirectory}).");
    }

    /// <summary>The whole text of a checked file; a read that fails (no permission, an I/O error) is an input error naming the file.</summary>
    public static string ReadAll(string option, string path, string what)
    {
        Check(option, path, what);
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            var why = e is UnauthorizedAccessException ? "permission denied" : "an input/output error";
            throw new CliInputException($"{option}: the file '{path}' cannot be read ({why}); check that it is a readable file.");
        }
    }
}
