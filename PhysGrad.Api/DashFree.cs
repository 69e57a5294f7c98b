using ScottPlot;
using SkiaSharp;

namespace PhysGrad;

/// <summary>
/// Keeps a run's dash pattern on its own line. ScottPlot draws a whole plot with one shared paint and sets
/// a line's dash (a Skia path effect) on it without taking it off again, so the next fill drawn with that
/// paint carries the dash too: a legend entry's band swatch after its dashed line, a filled circle or square
/// marker after a dashed run. Skia's SVG writer cannot write a path effect on such a shape (a
/// <c>&lt;rect&gt;</c> or <c>&lt;circle&gt;</c>) and said so on the process's native stderr ("Unsupported
/// path effect in addPaint.") at every <c>physgrad train --seeds 3 --out</c> (the shape itself came out
/// whole, in the SVG and the PNG alike). Here each plottable is drawn with the dash cleared first
/// (<see cref="Plottables"/>, in place of ScottPlot's own step), and each legend entry's swatch and marker
/// are drawn by <see cref="Symbol"/>, which clears it before drawing and after. Dashed lines keep their
/// dashes in both formats: Skia draws a dashed path into the SVG as the dashes' outlines (one closed
/// subpath per dash).
/// </summary>
internal static class DashFree
{
    /// <summary>
    /// Makes <paramref name="plot"/> draw no fill or marker with a leftover dash: its plottables are drawn by
    /// <see cref="Plottables"/>, and every legend entry (ManualItems) draws its band swatch and marker through
    /// <see cref="Symbol"/>. Idempotent; call it once every legend entry is in (a later entry is not covered).
    /// </summary>
    internal static Plot Install(Plot plot)
    {
        var actions = plot.RenderManager.RenderActions;
        var own = actions.FindIndex(a => a is ScottPlot.Rendering.RenderActions.RenderPlottables);
        if (own >= 0) actions[own] = new Plottables();
        foreach (var item in plot.Legend.ManualItems)
            if (item.MarkerStyle.CustomRenderer is not Symbol)
            {
                // The swatch moves from the entry (drawn by ScottPlot after the line, with its dash) to the symbol.
                var swatch = item.FillStyle.Color == Colors.Transparent ? null : new FillStyle { Color = item.FillStyle.Color };
                item.FillColor = Colors.Transparent;
                item.MarkerStyle.CustomRenderer = new Symbol(swatch, plot.Legend.SymbolWidth, plot.Legend.SymbolHeight);
            }
        return plot;
    }

    // ScottPlot declares its paint's path effect non-nullable; Skia's own paint takes null (no effect).
    private static void Clear(Paint paint) => paint.SKPaint.PathEffect = null;

    /// <summary>ScottPlot's step that draws the plottables, each with the shared paint's dash cleared first (and after the last).</summary>
    internal sealed class Plottables : IRenderAction
    {
        public void Render(RenderPack rp)
        {
            foreach (var plottable in rp.Plot.PlottableList.Where(p => p.IsVisible).ToArray())
            {
                plottable.Axes.DataRect = rp.DataRect;
                rp.CanvasState.Save();
                Clear(rp.Paint);
                if (plottable is IPlottableGL gl)
                    gl.Render(rp);
                else
                {
                    rp.CanvasState.Clip(rp.DataRect);
                    plottable.Render(rp);
                }
                rp.CanvasState.DisableClipping();
            }
            Clear(rp.Paint);
        }
    }

    /// <summary>
    /// A legend entry's symbol drawn after its line: the band swatch (when the entry has one: a
    /// <paramref name="width"/> × <paramref name="height"/> pixel rectangle over the line's middle, as ScottPlot
    /// draws it) and the entry's marker, each with the dash cleared; the dash is cleared
    /// after it too, so the next entry's label is drawn without one.
    /// </summary>
    internal sealed class Symbol(FillStyle? swatch, float width, float height) : IMarker
    {
        /// <summary>The band swatch's fill, or null for an entry without a band.</summary>
        internal FillStyle? Swatch { get; } = swatch;

        public void Render(SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            Clear(paint);
            if (Swatch is not null)
                Drawing.FillRectangle(canvas, new PixelRect(center.X - width / 2, center.X + width / 2, center.Y + height / 2, center.Y - height / 2), paint, Swatch);
            if (markerStyle.Shape != MarkerShape.None && size > 0)
            {
                Clear(paint);
                // An open method shape on a white centre, as on the curves (TrajectoryPlots.MarkerOf).
                TrajectoryPlots.MarkerOf(markerStyle.Shape).Render(canvas, paint, center, size, markerStyle);
            }
            Clear(paint);
        }
    }
}
