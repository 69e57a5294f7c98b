using PhysGrad.Numerics;
using ScottPlot;

namespace PhysGrad;

/// <summary>
/// Plots of the field itself for runs on a grid problem (issue 14, item 6): when x is a 1-D or 2-D grid
/// of many cells, the per-component panels of <see cref="TrajectoryPlots"/> say little, so each run gets
/// <c>field-NAME.png</c> (and <c>.svg</c>): for a 1-D grid, x against the cell index at a few chosen iterations (the start,
/// two between, the last; each its own colour of a sequential map, width, dash pattern and marker, see
/// <see cref="IterationStyle"/>) with x* dashed when known; for a 2-D grid, a heat map of the
/// last x beside one of x* (<c>field-target.png</c>) on the same colour scale. Via ScottPlot 5; rendering
/// is serialised (one lock for the process around every render and save of the product's plots).
/// </summary>
public static class FieldPlots
{
    internal const int Width = 720;
    internal const int Height = 420;

    /// <summary>
    /// Writes the field plots of <paramref name="runs"/> into <paramref name="directory"/> (created if
    /// needed), each as PNG and SVG, and returns the paths. <paramref name="shape"/> is the grid: [cells] or [rows, columns]
    /// (cell (i, j) at i·columns + j); each run's points must have rows·columns values. <paramref name="problem"/>, when
    /// given (an example's name and size), opens every title.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">A shape that is not 1 or 2 positive sizes, or that
    /// does not match the runs' points (<see cref="Symbolic.ErrorKind.Shape"/>); no run, or runs made on different problems
    /// (<see cref="OptimizerRun.Problem"/>, <see cref="Symbolic.ErrorKind.Invalid"/>), naming what differs: the overload taking
    /// the problem's definition also refuses runs that agree with one another but were made on another problem.</exception>
    public static IReadOnlyList<string> Save(IReadOnlyList<OptimizerRun> runs, string directory, IReadOnlyList<int> shape, double[]? targetX, string? problem = null)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(shape);
        if (shape.Count is < 1 or > 2 || shape.Any(s => s < 1))
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Shape, $"A field plot needs a grid of 1 or 2 positive sizes, not [{string.Join(", ", shape)}].");
        var cells = shape.Aggregate(1, (a, b) => a * b);
        RunArguments.RequireSome(runs.Count, nameof(runs), "field plots");
        for (var i = 0; i < runs.Count; i++)
            if (runs[i].Trajectory.Count == 0 || runs[i].Trajectory[0].Length != cells)
                throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Shape,
                    $"The grid [{string.Join(", ", shape)}] has {NumberText.Count(cells, "cell")}, but run {i} ({runs[i].Label}) in 'runs' has " +
                    (runs[i].Trajectory.Count == 0 ? "no points" : NumberText.Count(runs[i].Trajectory[0].Length, "variable")) +
                    ": give a grid of one cell per variable, and runs of one problem.");
        RunArguments.RequireOneProblem(runs, nameof(runs));
        PlotDirectory.Prepare(directory);
        var written = new List<string>();
        Rendering.Draw(() =>
        {
            foreach (var (file, plot) in Plots(runs, shape, targetX, problem))
            {
                var path = Path.Combine(directory, file);
                var (width, height) = SizeOf(plot);
                // No fill or marker drawn with a leftover dash (DashFree), which Skia's SVG writer cannot write.
                DashFree.Install(plot);
                TitleFit.Install(plot);
                plot.SavePng(path, width, height);
                // The SVG of every plot, as the comparison's other plots have.
                var svg = Path.ChangeExtension(path, ".svg");
                plot.SaveSvg(svg, width, height);
                written.Add(path);
                written.Add(svg);
            }
        });
        return written;
    }

    /// <summary>The side of a heat map's data area in pixels (its longer side when the grid is not square).</summary>
    internal const int MapSide = 480;

    /// <summary>
    /// The field plots of runs of the problem <paramref name="definition"/> states, as the overload taking x* as numbers
    /// draws them, x* from <paramref name="target"/> and the titles opened by the problem's <see cref="ProblemDefinition.Title"/>;
    /// returns the paths.
    /// </summary>
    /// <param name="runs">Runs of this problem (its Run or CompareMethods).</param>
    /// <param name="directory">Where to write.</param>
    /// <param name="definition">The problem (<see cref="PhysicsProblem.Definition"/>).</param>
    /// <param name="shape">The grid: [cells] or [rows, columns].</param>
    /// <param name="target">x* of this problem (a comparison's <see cref="Comparison.Target"/>), or null for none.</param>
    /// <exception cref="Symbolic.SymbolicException">As the overload taking x* as numbers; and (<see cref="Symbolic.ErrorKind.Invalid"/>)
    /// a run or x* of another problem of the same size, naming what differs.</exception>
    public static IReadOnlyList<string> Save(IReadOnlyList<OptimizerRun> runs, string directory, ProblemDefinition definition, IReadOnlyList<int> shape, TargetPoint? target = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunArguments.RequireFrom(runs, definition.Variables, definition.Outputs, nameof(runs), definition.Identity);
        RunArguments.RequireTarget(target, definition, nameof(target));
        return Save(runs, directory, shape, target?.X, definition.Title);
    }

    /// <summary>
    /// The size <see cref="Save(IReadOnlyList{OptimizerRun}, string, IReadOnlyList{int}, double[], string?)"/> draws a plot of <see cref="Plots"/> at. A 1-D field: 720 × 420 widened by
    /// the legend beside the data. A heat map: its data area is <see cref="MapSide"/> pixels on the longer
    /// side and in the grid's proportion (each cell square, as the grid is), with room around it for the
    /// title, the axes and the colour bar as measured by a first render at 720 × 420; the layout is then fixed
    /// to that room (a later render at the size returned has exactly that data area).
    /// </summary>
    internal static (int Width, int Height) SizeOf(Plot plot)
    {
        ArgumentNullException.ThrowIfNull(plot);
        // A first render measures the legend or the layout (Rendering: one render at a time).
        lock (Rendering.Gate)
            return MeasuredSize(plot);
    }

    private static (int Width, int Height) MeasuredSize(Plot plot)
    {
        if (plot.GetPlottables().OfType<ScottPlot.Plottables.Heatmap>().FirstOrDefault() is not { } map)
            // A 1-D field's legend sits beside the data: the figure widens by its measured width.
            return (Width + plot.Legend.GetImage().Width + 20, Height);
        var (rows, columns) = (map.Intensities.GetLength(0), map.Intensities.GetLength(1));
        // The automatic layout of a first render measures the title, tick labels, axis labels and colour
        // bar; whole pixels, so that the fixed layout's data area is exactly the size asked for.
        plot.Layout.Default();
        plot.RenderInMemory(Width, Height);
        var layout = plot.RenderManager.LastRender.Layout;
        var (data, figure) = (layout.DataRect, layout.FigureRect);
        var padding = new PixelPadding(
            left: MathF.Ceiling(data.Left), right: MathF.Ceiling(figure.Right - data.Right),
            bottom: MathF.Ceiling(figure.Bottom - data.Bottom), top: MathF.Ceiling(data.Top));
        var longer = Math.Max(rows, columns);
        var (dataWidth, dataHeight) = ((int)Math.Round((double)MapSide * columns / longer), (int)Math.Round((double)MapSide * rows / longer));
        plot.Layout.Fixed(padding);
        return ((int)(padding.Left + dataWidth + padding.Right), (int)(padding.Top + dataHeight + padding.Bottom));
    }

    /// <summary>The plots <see cref="Save(IReadOnlyList{OptimizerRun}, string, IReadOnlyList{int}, double[], string?)"/> writes, by file name, built but not rendered (the tests inspect them); the shape is checked by <see cref="Save(IReadOnlyList{OptimizerRun}, string, IReadOnlyList{int}, double[], string?)"/>.</summary>
    internal static IReadOnlyList<(string File, Plot Plot)> Plots(IReadOnlyList<OptimizerRun> runs, IReadOnlyList<int> shape, double[]? targetX, string? problem = null)
    {
        var plots = new List<(string, Plot)>();
        var used = new HashSet<string>();
        // The problem's name opens every title (heat1d-inverse, n = 64: pg …), as in the comparison's other plots.
        var prefix = problem is null ? "" : problem + ": ";
        // The comparison's rule (TrajectoryPlots.Exploding, FarPoints): a run thrown far sets no range, so
        // one diverged run does not flatten every other run's field or colour scale.
        var exploding = TrajectoryPlots.Exploding(runs, targetX);
        var far = TrajectoryPlots.FarPoints(runs, targetX);
        var range = Range(runs, targetX, exploding);
        // The colour scale's range, named as it is made (Range): "the other runs' range" it was called also held x* and
        // left out every run that explodes, not this one alone; where every run explodes it holds this run's field too.
        var saturates = exploding.All(e => e) ? ""
            : $"\n(colours saturate beyond the range of the last x of the runs that do not explode{(targetX is null ? "" : " and of x*")})";
        for (var r = 0; r < runs.Count; r++)
        {
            var run = runs[r];
            // Two runs of one method get distinct files: by η, then by their place in the list (a label
            // such as hig:1:kappa=-0.5 has characters that are no file name's).
            var file = new[] { run.Name, $"{run.Name}-{NumberText.RoundTrip(run.Eta)}", $"{run.Name}-{r + 1}" }.First(used.Add);
            var status = TrajectoryPlots.Status(run, exploding[r]);
            var plot = shape.Count == 1 ? Line(run, targetX, prefix, far[r], status) : Map(run.Trajectory[^1], shape[0], shape[1], range,
                $"{prefix}{Title(run)}{status}: x at iteration {TrajectoryPlots.IterationAt(run, run.Trajectory.Count - 1)}" + (exploding[r] ? saturates : ""));
            plots.Add(($"field-{file}.png", plot));
        }
        if (shape.Count == 2 && targetX is not null)
            plots.Add(("field-target.png", Map(targetX, shape[0], shape[1], range, $"{prefix}x*, the field the target was made from")));
        return plots;
    }

    /// <summary>
    /// The iterations drawn for a 1-D field: the recorded ones nearest 0, ⅓, ⅔ and all of the run
    /// (fewer when fewer are recorded), as indices into the trajectory.
    /// </summary>
    public static int[] ChosenPoints(OptimizerRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        var last = run.Trajectory.Count - 1;
        return new[] { 0, last / 3, 2 * last / 3, last }.Distinct().ToArray();
    }

    /// <summary>
    /// The style of the <paramref name="k"/>-th of <paramref name="count"/> iterations drawn in a 1-D field
    /// plot: a colour from the sequential Viridis map (dark purple for the first, through blue and teal, to
    /// green for the last; its light yellow end, faint on white, is not used), widths falling from 6 to 2.5
    /// pixels so that a later line drawn on an earlier one leaves its edges visible, and the comparison
    /// plots' dash patterns and marker shapes in turn. Every two iterations differ in colour, width, pattern
    /// and marker: shades of the run's own colour (used before) made iterations 0, 3 and 6 one blue.
    /// </summary>
    internal static (Color Color, float Width, LinePattern Pattern, MarkerShape Shape) IterationStyle(int k, int count)
    {
        var f = count <= 1 ? 1.0 : (double)k / (count - 1);
        var color = new ScottPlot.Colormaps.Viridis().GetColor(0.75 * f);
        return (color, (float)(6 - 3.5 * f), TrajectoryPlots.Patterns[k % TrajectoryPlots.Patterns.Length], IterationShapes[k % IterationShapes.Length]);
    }

    private static readonly MarkerShape[] IterationShapes =
        [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross];

    /// <summary>The most characters a line of a field plot's title holds: about the width of its data area in the title's font.</summary>
    internal const int TitleWidth = 56;

    // The run as a title, in the legends' one form: gn (η = 0.3), hig (η = 0.3, kappa = -1).
    private static string Title(OptimizerRun run) =>
        TrajectoryPlots.LegendName(run);

    private static Plot Line(OptimizerRun run, double[]? targetX, string prefix, bool[] far, string status)
    {
        var plot = new Plot();
        var chosen = ChosenPoints(run);
        var cells = Enumerable.Range(0, run.Trajectory[0].Length).Select(i => (double)i).ToArray();
        var kept = new List<double>(targetX ?? []);
        for (var k = 0; k < chosen.Length; k++)
        {
            var index = chosen[k];
            var iteration = TrajectoryPlots.IterationAt(run, index);
            var field = run.Trajectory[index];
            // A field thrown far (non-finite, or 10⁴ times the runs' extent from the start) would flatten the
            // others into a line: it is left out, and its entry says so.
            var isFar = index < far.Length && far[index] || field.Any(v => !double.IsFinite(v));
            if (isFar)
            {
                var largest = field.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(double.PositiveInfinity).Max();
                plot.Legend.ManualItems.Add(new LegendItem
                {
                    LabelText = $"iteration {iteration}: off the plot (|x_i| up to {NumberText.Short(field.Any(v => !double.IsFinite(v)) ? double.PositiveInfinity : largest)})",
                    MarkerShape = MarkerShape.Eks, MarkerSize = 12, MarkerColor = IterationStyle(k, chosen.Length).Color,
                });
                continue;
            }
            kept.AddRange(field);
            var (color, width, pattern, shape) = IterationStyle(k, chosen.Length);
            var line = plot.Add.ScatterLine(cells, field);
            line.Color = color;
            line.LineWidth = width;
            line.LinePattern = pattern;
            line.MarkerSize = 0;
            line.LegendText = "";
            // Markers on about a dozen cells, each iteration from its own offset, so that lines lying on
            // one another (every iteration after the first at x*) still show each iteration's marks.
            var period = Math.Max(1, cells.Length / 12);
            var marked = Enumerable.Range(0, cells.Length).Where(i => i % period == k * period / chosen.Length % period).ToArray();
            plot.Add.Markers(marked.Select(i => cells[i]).ToArray(), marked.Select(i => field[i]).ToArray(), shape, 8, color);
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"iteration {iteration}", LineColor = color, LineWidth = width, LinePattern = pattern,
                MarkerShape = shape, MarkerSize = 8, MarkerColor = color,
            });
        }
        if (targetX is not null)
        {
            var target = plot.Add.ScatterLine(cells, targetX);
            target.Color = Colors.Black;
            target.LinePattern = LinePattern.Dashed;
            target.LineWidth = 1;
            target.LegendText = "";
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "x*", LineColor = Colors.Black, LineWidth = 1, LinePattern = LinePattern.Dashed });
        }
        // Wrapped as the maps' titles are: a long one (an example's name, a diverged run) centred over the
        // data area ran past the image's left edge.
        plot.Title(Training.WrapTitle($"{prefix}{Title(run)}{status}: the field x over the cells", TitleWidth));
        // Cells are whole numbers: ticks on cells only, the axis over the cells with half a cell's margin.
        var lastCell = cells.Length - 1;
        plot.Axes.Bottom.TickGenerator = TrajectoryPlots.IterationTicks(lastCell);
        var box = TrajectoryPlots.Box.Of(kept.Select(v => (0.0, v))).Padded(0.08);
        plot.Axes.SetLimits(-0.5, lastCell + 0.5, box.YMin, box.YMax);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => TrajectoryPlots.TickLabel(v, box.YMax - box.YMin) };
        plot.XLabel("cell i");
        plot.YLabel("x_i");
        // Beside the data, never over it: the fields fill the plot's width.
        plot.Legend.Layout = new TrajectoryPlots.OneColumn();
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    // One colour scale for every map of a figure set, so that equal colours are equal values.
    // Exploding runs (TrajectoryPlots.Exploding) set no range unless every run explodes.
    // Final fields of rounding noise only (every cell ±1E-16 where the start had 1) are coloured on a flat
    // range at the problem's scale, and the colour bar says so: the comparison plots' rule
    // (TrajectoryPlots.IsRoundingOnly), else noise would fill the whole colour scale.
    private static (double Min, double Max, bool RoundingOnly) Range(IReadOnlyList<OptimizerRun> runs, double[]? targetX, bool[] exploding)
    {
        var setting = exploding.All(e => e) ? runs : runs.Where((_, i) => !exploding[i]).ToArray();
        var values = setting.SelectMany(r => r.Trajectory[^1]).Concat(targetX ?? []).Where(double.IsFinite).ToArray();
        if (values.Length == 0) return (0, 1, false);
        double Largest(IEnumerable<double> v) => v.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var problemScale = Largest(setting.SelectMany(r => r.Trajectory[0]).Concat(targetX ?? []));
        if (TrajectoryPlots.IsRoundingOnly(values, problemScale, Largest(setting.SelectMany(r => r.Trajectory).SelectMany(p => p)))
            && TrajectoryPlots.FlatAxis(values, problemScale) is { } flat)
            return (flat.Min, flat.Max, true);
        var (min, max) = (values.Min(), values.Max());
        return min == max ? (min - 1, max + 1, false) : (min, max, false);
    }

    private static Plot Map(double[] x, int rows, int columns, (double Min, double Max, bool RoundingOnly) range, string title)
    {
        var plot = new Plot();
        var grid = new double[rows, columns];
        // ScottPlot draws the array's first row at the top of the axis range; flipped, so that cell (i, j)
        // (at i·columns + j) sits at height i, where the axis's tick i is.
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++) grid[rows - 1 - i, j] = x[i * columns + j];
        var map = plot.Add.Heatmap(grid);
        map.Colormap = new ScottPlot.Colormaps.Viridis();
        map.ManualRange = new ScottPlot.Range(range.Min, range.Max);
        // The colour bar reads as an axis: named, with the labels of the other plots' value axes.
        var bar = plot.Add.ColorBar(map);
        bar.Label = TrajectoryPlots.AxisLabel("value of the cell", range.RoundingOnly);
        // Half the default density: a label every 40 pixels or so along the map's 480, not every 20.
        bar.Axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            LabelFormatter = v => TrajectoryPlots.TickLabel(v, range.Max - range.Min),
            TickDensity = 0.5,
        };
        // Cell centres sit at whole numbers (column j at x = j, row i at y = i): ticks on cells only, and
        // the axes end at the grid's outer edges, half a cell beyond the first and last centres.
        plot.Axes.Bottom.TickGenerator = TrajectoryPlots.IterationTicks(columns - 1);
        plot.Axes.Left.TickGenerator = TrajectoryPlots.IterationTicks(rows - 1);
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        // The figure is about as wide as the map (SizeOf): a long title wraps rather than being cut.
        plot.Title(Training.WrapTitle(title, TitleWidth));
        plot.XLabel("column j");
        plot.YLabel("row i");
        return plot;
    }
}
