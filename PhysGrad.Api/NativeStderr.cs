using System.Runtime.InteropServices;

namespace PhysGrad;

/// <summary>
/// Runs an action with the process's native standard error (file descriptor 2) pointed at the null
/// device, then restores it. Skia's SVG writer reports a dash path effect on a primitive it writes as
/// an SVG element (a marker's circle or square, say) with a bare <c>SkDebugf</c> line on fd 2
/// ("Unsupported path effect in addPaint."): no managed handle sees it, so it can only be silenced at
/// the descriptor. The dashes of the plotted lines are kept (Skia flattens them into the path), so the
/// SVG shows them as the PNG does. On Windows SkDebugf does not write to stderr, so nothing is done.
/// </summary>
internal static class NativeStderr
{
    private static readonly object Gate = new();

    [DllImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static extern int Dup(int fd);

    [DllImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static extern int Dup2(int fd, int fd2);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);

    /// <summary>
    /// Runs <paramref name="action"/> with fd 2 silenced. Whatever another thread writes to stderr in
    /// that window is lost too; the plots are written after the runs, when nothing else writes there.
    /// </summary>
    public static void Silenced(Action action)
    {
        if (OperatingSystem.IsWindows())
        {
            action();
            return;
        }
        lock (Gate)
        {
            int saved = -1, devNull = -1;
            try
            {
                Console.Error.Flush();
                saved = Dup(2);
                devNull = Open("/dev/null", 1); // O_WRONLY
                if (saved >= 0 && devNull >= 0) Dup2(devNull, 2);
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // No libc to call (an unusual platform): the message may appear, the SVG is the same.
                saved = -1;
            }
            try
            {
                action();
            }
            finally
            {
                if (saved >= 0)
                {
                    Dup2(saved, 2);
                    Close(saved);
                }
                if (devNull >= 0) Close(devNull);
            }
        }
    }
}
