using ScottPlot;

namespace PhysGrad;

/// <summary>
/// Keeps a plot's title inside its image at whatever size it is drawn. ScottPlot centres each title line over
/// the data area and clips what runs past the figure's edge; a line wider than twice the distance from that
/// centre to the nearer edge was cut (train's caption "per method: median of 2 seeds … (band)" started at
/// x = −1 px beside a legend that pushed the data area left). Installed as a step of the plot's rendering,
/// right after ScottPlot lays the plot out (<see cref="Fit"/>): each line of the title as given is measured in
/// the title's font against the room the layout leaves it; a line that does not fit is broken at the widest
/// width in characters whose lines all fit (<see cref="Training.WrapTitle"/>'s breaks: between clauses, after
/// commas, before operators, at spaces), and where no break fits (or a fixed layout allows no more lines), the
/// font is set smaller step by step down to <see cref="MinFont"/>, and below that a word is cut into pieces
/// that fit. The plot is then laid out again for the new title's height.
/// </summary>
internal static class TitleFit
{
    /// <summary>The smallest font a title is set in, in pixels (ScottPlot's title is 16, its tick labels 12).</summary>
    internal const float MinFont = 10f;

    /// <summary>The least gap between a title line and the figure's left or right edge, in pixels.</summary>
    internal const float Margin = 6f;

    /// <summary>
    /// Makes <paramref name="plot"/> fit its title at every render. <paramref name="maxLines"/>: the most lines the
    /// title may take (a stacked panel's fixed top padding holds its title's lines and no more); null for a plot
    /// whose layout makes room for any number. Idempotent: a plot fitted already keeps its first settings.
    /// </summary>
    internal static Plot Install(Plot plot, int? maxLines = null)
    {
        var actions = plot.RenderManager.RenderActions;
        if (actions.Any(a => a is Step)) return plot;
        var layout = actions.FindIndex(a => a is ScottPlot.Rendering.RenderActions.CalculateLayout);
        if (layout >= 0) actions.Insert(layout, new Step(plot.Axes.Title.Label.FontSize, maxLines));
        return plot;
    }

    /// <summary>
    /// The room for a title line centred at <paramref name="centre"/> in a figure from <paramref name="left"/> to
    /// <paramref name="right"/> (pixels): twice the distance to the nearer edge, less <see cref="Margin"/> on each side.
    /// </summary>
    internal static float Room(float centre, float left, float right) => 2 * (Math.Min(centre - left, right - centre) - Margin);

    /// <summary>
    /// The title <paramref name="source"/> (lines separated by '\n') fitted to <paramref name="room"/> pixels in
    /// <paramref name="label"/>'s style at <paramref name="fontSize"/> or smaller: the text and its font size.
    /// Each line that measures wider than the room is broken at the largest width in characters (at most its
    /// own length) whose lines all fit; if some line has no such break, or the lines are more than
    /// <paramref name="maxLines"/>, the next smaller font is tried; at <see cref="MinFont"/> the narrowest
    /// breaks are taken and a piece still too wide is cut into the longest pieces that fit.
    /// </summary>
    internal static (string Text, float FontSize) Fit(LabelStyle label, string source, float fontSize, float room, int? maxLines = null)
    {
        var paragraphs = source.Split('\n');
        var saved = label.FontSize;
        try
        {
            using var paint = Paint.NewDisposablePaint();
            float Width(string line) => line.Length == 0 ? 0 : label.Measure(line, paint).Width;
            for (var size = fontSize; size >= MinFont; size -= 1)
            {
                label.FontSize = size;
                var lines = new List<string>();
                var fits = true;
                foreach (var paragraph in paragraphs)
                {
                    if (Width(paragraph) <= room) { lines.Add(paragraph); continue; }
                    var broken = Broken(paragraph, Width, room);
                    if (broken is null) { fits = false; break; }
                    lines.AddRange(broken);
                }
                if (fits && (maxLines is not { } most || lines.Count <= most))
                    return (string.Join("\n", lines), size);
            }
            // Nothing fits at any size: the smallest font, the widest breaks that fit, and where a word alone is
            // too wide, the longest pieces of it that fit, joined greedily into lines.
            label.FontSize = MinFont;
            var last = new List<string>();
            foreach (var paragraph in paragraphs)
            {
                if (Width(paragraph) <= room) { last.Add(paragraph); continue; }
                if (Broken(paragraph, Width, room) is { } broken) { last.AddRange(broken); continue; }
                var line = "";
                foreach (var piece in Training.WrapTitle(paragraph, 1).Split('\n').SelectMany(w => Width(w) <= room ? [w] : Pieces(w, Width, room)))
                {
                    if (line.Length > 0 && Width(line + " " + piece) > room) { last.Add(line); line = piece; }
                    else line = line.Length == 0 ? piece : line + " " + piece;
                }
                last.Add(line);
            }
            return (string.Join("\n", last), MinFont);
        }
        finally
        {
            label.FontSize = saved;
        }
    }

    // The paragraph broken at the widest width in characters whose lines all fit the room; null if none does.
    private static List<string>? Broken(string paragraph, Func<string, float> width, float room)
    {
        for (var chars = paragraph.Length - 1; chars >= 1; chars--)
        {
            var lines = Training.WrapTitle(paragraph, chars).Split('\n');
            if (lines.All(l => width(l) <= room)) return [.. lines];
        }
        return null;
    }

    // A line too wide for the room at the smallest font (one long word): the longest pieces that fit, at least a character each.
    private static IEnumerable<string> Pieces(string line, Func<string, float> width, float room)
    {
        var start = 0;
        while (start < line.Length)
        {
            var end = start + 1;
            while (end < line.Length && width(line[start..(end + 1)]) <= room) end++;
            yield return line[start..end];
            start = end;
        }
    }

    /// <summary>
    /// The rendering step, just before ScottPlot's layout: lays the plot out on trial (its layout engine, as the
    /// layout step will), fits the title to the room over that data area (<see cref="Fit"/>) and, when that changed
    /// the title, tries again with it (the data area's left and right, which decide the room, do not depend on the
    /// title's height, but the ticks of a shorter data area could move them), at most three times.
    /// </summary>
    private sealed class Step(float fontSize, int? maxLines) : IRenderAction
    {
        // The title as the plot gave it, its font size, and the text this step last set in its place.
        private string source = "";
        private float size = fontSize;
        private string? fitted;

        public void Render(RenderPack rp)
        {
            var label = rp.Plot.Axes.Title.Label;
            if (fitted is null || label.Text != fitted)
            {
                // A title set since the last render (or the first render): that is the text to fit.
                source = label.Text;
                size = label.FontSize;
            }
            if (string.IsNullOrEmpty(source) || !rp.Plot.Axes.Title.IsVisible) { fitted = label.Text; return; }
            // The figure in the layout's units, as ScottPlot's layout step scales it.
            var scale = (float)rp.Plot.ScaleFactor;
            var figure = new PixelRect(rp.FigureRect.Left / scale, rp.FigureRect.Right / scale, rp.FigureRect.Bottom / scale, rp.FigureRect.Top / scale);
            for (var pass = 0; pass < 3; pass++)
            {
                var data = rp.Plot.Layout.LayoutEngine.GetLayout(figure, rp.Plot, rp.Paint).DataRect;
                var centre = rp.Plot.Axes.Title.FullFigureCenter ? (figure.Left + data.Right) / 2 : data.HorizontalCenter;
                var (text, font) = Fit(label, source, size, Room(centre, figure.Left, figure.Right), maxLines);
                if (text == label.Text && font == label.FontSize) break;
                label.Text = text;
                label.FontSize = font;
            }
            fitted = label.Text;
        }
    }
}
