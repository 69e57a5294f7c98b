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
}
