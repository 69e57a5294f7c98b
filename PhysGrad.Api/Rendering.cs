namespace PhysGrad;

/// <summary>
/// The one lock of the process that every render, measurement and image save of the product's plots holds:
/// compare's x-space, y-space and loss plots (<see cref="TrajectoryPlots"/>), train's loss and x-error plots
/// (<see cref="Training.SavePlots(IReadOnlyList{TrainingHistory}, string, string)"/>) and the
/// field plots and heat maps (<see cref="FieldPlots"/>). Rendering is serialised: ScottPlot draws through
/// SkiaSharp's native library, and with plot-rendering test classes running side by side the test host once
/// died of a segmentation fault inside libSkiaSharp.so on a thread-pool worker. Plots are drawn a few at a
/// time and take milliseconds each, so one lock costs nothing measurable; the runs themselves are not held
/// by it. The lock is re-entrant (a <see cref="Monitor"/>), so a save that measures its legend and then
/// renders takes it once per call without deadlocking.
/// </summary>
internal static class Rendering
{
    /// <summary>The lock; hold it around any ScottPlot or SkiaSharp call (render, legend image, text measurement, PNG or SVG save).</summary>
    internal static readonly object Gate = new();

    /// <summary>
    /// Runs <paramref name="draw"/> under <see cref="Gate"/>; SkiaSharp's native library missing (a
    /// <see cref="DllNotFoundException"/>, raised directly or inside the <see cref="TypeInitializationException"/>
    /// of a SkiaSharp type) becomes <see cref="PlottingLibraryMissingException"/>, which names the library and
    /// where it belongs. Every public save of the product's plots draws through here, so the API and the CLI
    /// detect it in one place.
    /// </summary>
    internal static T Draw<T>(Func<T> draw)
    {
        try
        {
            lock (Gate) return draw();
        }
        catch (Exception e) when (MissingLibrary(e) is { } missing)
        {
            throw new PlottingLibraryMissingException(missing);
        }
    }

    /// <summary>As <see cref="Draw{T}(Func{T})"/>, for a drawing without a result.</summary>
    internal static void Draw(Action draw) => Draw(() => { draw(); return 0; });

    // The DllNotFoundException behind e, if any (TypeInitializationException chains wrap it).
    private static DllNotFoundException? MissingLibrary(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
            if (e is DllNotFoundException missing) return missing;
        return null;
    }
}

/// <summary>
/// Plots cannot be drawn because SkiaSharp's native library (<c>libSkiaSharp.so</c> on Linux,
/// <c>libSkiaSharp.dylib</c> on macOS, <c>libSkiaSharp.dll</c> on Windows), through which ScottPlot draws,
/// is not found for this platform. .NET finds it in two ways only: when the application references the NuGet
/// package <c>SkiaSharp.NativeAssets.Linux</c>, <c>.macOS</c> or <c>.Win32</c> (a PackageReference, directly or
/// through PhysGrad's or ScottPlot's package: the build then lists <c>runtimes/&lt;rid&gt;/native/</c> in the
/// application's <c>.deps.json</c>, which is what the loader reads), or when the file lies next to the
/// application's assembly (<see cref="AppContext.BaseDirectory"/>). A copy in <c>runtimes/&lt;rid&gt;/native/</c>
/// of an application that references PhysGrad's DLLs by path (HintPath) is not listed, so it is not found.
/// The physgrad tool ships it for linux-x64, linux-arm64, osx, win-x64 and win-arm64 only. Everything but the
/// plots works without it. Thrown by every method that saves plots (<see cref="PhysicsProblem.SavePlots(PhysGrad.Comparison, string)"/>,
/// <see cref="TrajectoryPlots"/>, <see cref="FieldPlots"/>, <see cref="Training.SavePlots(IReadOnlyList{TrainingHistory}, string, string)"/>).
/// </summary>
public sealed class PlottingLibraryMissingException(DllNotFoundException inner)
    : InvalidOperationException(
        $"Plots cannot be drawn: SkiaSharp's native library (libSkiaSharp: .so on Linux, .dylib on macOS, .dll on Windows) is missing for this platform " +
        $"({System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier}). Add a PackageReference to SkiaSharp.NativeAssets.Linux, .macOS or .Win32 " +
        "to the application's project (the build then lists runtimes/<rid>/native/ in its .deps.json, where .NET looks), or copy the library next to " +
        $"the application's assembly, into {AppContext.BaseDirectory}; a copy in runtimes/<rid>/native/ is not found unless the .deps.json lists it " +
        "(DLLs referenced by HintPath are not). The physgrad tool ships it for " +
        $"linux-x64, linux-arm64, osx, win-x64 and win-arm64. Everything but the plots works without it. (The loader said: {inner.Message})", inner)
{
    /// <summary>The runtime identifier of this platform, e.g. <c>linux-musl-x64</c>.</summary>
    public string Platform { get; } = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
}
