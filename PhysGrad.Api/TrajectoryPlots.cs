using System.Globalization;
using PhysGrad.Numerics;
using ScottPlot;

namespace PhysGrad;

/// <summary>
/// Plots of optimiser runs: trajectories in x-space and y-space and the loss, PNG (and SVG for the
/// single-panel plots), via ScottPlot. The plots are built so that they cannot mislead: the plotted
/// range is that of the runs that stay near the start and the target, and a run that leaves it (or
/// diverges) is drawn to the point where it leaves and marked there and in the legend; the legend sits
/// outside the data area; each method has one colour in every plot, and coinciding runs stay visible
/// (decreasing widths, dash patterns and marker shapes); large and small tick values use E-notation.
/// </summary>
public static class TrajectoryPlots
{
    private const int Width = 900;
    private const int Height = 600;
    private const int PanelHeight = 230;
    private const int LegendWidth = 330;
    private const int StackWidth = 1100;

    /// <summary>One figure: a single plot or a stack of plots (one per component against the iteration).</summary>
    internal sealed record Figure(string Name, IReadOnlyList<Plot> Panels);

    /// <summary>
    /// Writes <c>x-space.png</c> and <c>y-space.png</c> (with <c>.svg</c> for two-dimensional spaces)
    /// into <paramref name="directory"/> (created if needed). A space of two dimensions is drawn as the
    /// plane of its two coordinates; a space of one or of more than two dimensions gets one panel per
    /// component against the iteration. The target is marked (in x-space when x* is known).
    /// Returns the paths written.
    /// </summary>
    /// <param name="runs">The runs to draw.</param>
    /// <param name="directory">Where to write.</param>
    /// <param name="targetX">x* where known, else null.</param>
    /// <param name="targetY">y*.</param>
    /// <param name="variableNames">The variables' names (axis labels).</param>
    /// <param name="outputNames">The outputs' names (axis labels).</param>
    /// <param name="problem">The problem's name for the titles, e.g. <c>P(x0, x1) = [x0, x1^2]</c>.</param>
    public static IReadOnlyList<string> Save(
        IReadOnlyList<OptimizerRun> runs, string directory, double[]? targetX, double[] targetY,
        string[] variableNames, string[] outputNames, string? problem = null)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        foreach (var figure in SpaceFigures(runs, targetX, targetY, variableNames, outputNames, problem))
            written.AddRange(Write(figure, directory));
        return written;
    }

    /// <summary>
    /// Writes the x-space, y-space and loss plots of runs on a problem into <paramref name="directory"/>
    /// (x* marked where the local inverse finds a preimage of y* near the start). Returns the paths.
    /// </summary>
    public static IReadOnlyList<string> SaveAll(
        IReadOnlyList<OptimizerRun> runs, string directory, CompiledProblem problem, ProblemDefinition definition)
    {
        Directory.CreateDirectory(directory);
        return Figures(runs, problem, definition).SelectMany(f => Write(f, directory)).ToArray();
    }

    /// <summary>
    /// Writes <c>loss.png/.svg</c> into <paramref name="directory"/>: the loss against the iteration on a
    /// log scale, one line per run (zero or negative losses, which a log scale cannot show, are left out;
    /// a run that diverged is marked where its last finite loss is). Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> SaveLoss(IReadOnlyList<OptimizerRun> runs, string directory, string? problem = null)
    {
        Directory.CreateDirectory(directory);
        return Write(LossFigure(runs, problem), directory);
    }

    /// <summary>The figures <see cref="SaveAll"/> writes, built but not rendered (the tests inspect them).</summary>
    internal static IReadOnlyList<Figure> Figures(IReadOnlyList<OptimizerRun> runs, CompiledProblem problem, ProblemDefinition definition)
    {
        var target = definition.Target.ToArray();
        var name = ProblemName(definition);
        return SpaceFigures(runs, BookExample.TargetInX(problem, target, definition.Start.ToArray()), target,
                definition.Variables.ToArray(), definition.Outputs, name)
            .Append(LossFigure(runs, name)).ToArray();
    }

    /// <summary>The problem as a title: <c>P(x0, x1) = [x0, x1^2]</c>, shortened beyond 70 characters.</summary>
    internal static string ProblemName(ProblemDefinition d)
    {
        var text = $"P({string.Join(", ", d.Variables)}) = [{string.Join(", ", d.Simulator)}]";
        return text.Length <= 70 ? text : text[..67] + "…";
    }

    private static IEnumerable<Figure> SpaceFigures(
        IReadOnlyList<OptimizerRun> runs, double[]? targetX, double[] targetY, string[] variableNames, string[] outputNames, string? problem)
    {
        yield return SpaceFigure(runs, r => r.Trajectory, targetX, variableNames, "x-space", problem);
        yield return SpaceFigure(runs, r => r.Outputs, targetY, outputNames, "y-space", problem);
    }

    private static Figure SpaceFigure(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target,
        string[] names, string space, string? problem)
    {
        var title = problem is null ? space : $"{space}: {problem}";
        if (names.Length == 2)
        {
            var curves = runs.Select(r => points(r).Select(p => (p[0], p[1])).ToArray()).ToArray();
            var plot = Panel(runs, curves, target is null ? null : (target[0], target[1]), title, names[0], names[1], iterationAxis: false,
                Scale(runs, points, target));
            return new Figure(space, [plot]);
        }
        // One or more than two dimensions: every component against the iteration, one panel each.
        var panels = new List<Plot>();
        for (var j = 0; j < names.Length; j++)
        {
            var jj = j;
            var curves = runs.Select(r => points(r).Select((p, k) => ((double)k, p[jj])).ToArray()).ToArray();
            var panelTitle = j == 0 ? (problem is null ? $"{space} by component" : $"{space} by component: {problem}") : "";
            var panel = Panel(runs, curves, target is null ? null : (double.NaN, target[j]), panelTitle,
                j == names.Length - 1 ? "iteration" : "", names[j], iterationAxis: true, Scale(runs, points, target), legend: j == 0);
            // Equal padding in every panel lines their data areas up; the first panel's legend sits in its
            // right margin, outside the data.
            panel.Layout.Fixed(new PixelPadding(90, LegendWidth, j == names.Length - 1 ? 50 : 28, j == 0 ? 40 : 12));
            panels.Add(panel);
        }
        return new Figure(space, panels);
    }

    /// <summary>The largest magnitude of a coordinate of the start points and the target.</summary>
    private static double Scale(IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target) =>
        runs.SelectMany(r => points(r).Count > 0 ? points(r)[0] : []).Concat(target ?? []).Where(double.IsFinite)
            .Select(Math.Abs).DefaultIfEmpty(0).Max();

    private static Figure LossFigure(IReadOnlyList<OptimizerRun> runs, string? problem)
    {
        // ScottPlot draws linear axes: plot log₁₀ L and label the ticks as powers of ten.
        var curves = runs.Select(r => r.Losses.Select((l, k) => ((double)k, l > 0 && double.IsFinite(l) ? Math.Log10(l) : double.NaN))
            .TakeWhile(p => !double.IsNaN(p.Item2)).ToArray()).ToArray();
        var plot = Panel(runs, curves, null, problem is null ? "loss" : $"loss: {problem}", "iteration", "L (log scale)",
            iterationAxis: true, scale: 0);
        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1E{v:0}",
        };
        return new Figure("loss", [plot]);
    }

    /// <summary>
    /// One plot of curves (one per run) with the target; the plotted range is chosen from the runs that
    /// stay near the start and the target, other runs are cut where they leave it and marked.
    /// </summary>
    private static Plot Panel(
        IReadOnlyList<OptimizerRun> runs, (double X, double Y)[][] curves, (double X, double Y)? target,
        string title, string xLabel, string yLabel, bool iterationAxis, double scale, bool legend = true)
    {
        var plot = new Plot();
        var box = PlotBox(runs, curves, target, scale);
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i];
            var (kept, exit, exitIteration) = Clip(curves[i], box);
            var color = ColorOf(run.Method);
            var label = $"{BookExample.ShortName(run.Method)} (η = {run.Eta.ToString("G3", CultureInfo.InvariantCulture)})";
            var diverged = run.StopReason == StopReason.Diverged;
            if (exit is not null)
                label += diverged ? $", diverged (leaves the plot at iteration {exitIteration})" : $", leaves the plot at iteration {exitIteration}";
            else if (diverged)
                label += $", diverged at iteration {curves[i].Length}";
            if (kept.Length > 0)
            {
                var line = plot.Add.Scatter(kept.Select(p => p.X).ToArray(), kept.Select(p => p.Y).ToArray(), color);
                line.LegendText = label;
                // Coinciding runs stay visible: earlier runs are drawn wider, later ones dashed with other markers.
                line.LineWidth = Math.Max(1.5f, 5f - 1.2f * i);
                line.LinePattern = Patterns[i % Patterns.Length];
                line.MarkerShape = Shapes[i % Shapes.Length];
                line.MarkerSize = kept.Length > 60 ? 0 : Math.Max(5f, 11f - 2f * i);
            }
            if (exit is { } e)
            {
                // The last segment, to the edge, in the run's own style.
                var exitLine = plot.Add.Line(kept[^1].X, kept[^1].Y, e.X, e.Y);
                exitLine.Color = color;
                exitLine.LineWidth = Math.Max(1.5f, 5f - 1.2f * i);
                exitLine.LinePattern = Patterns[i % Patterns.Length];
                var m = plot.Add.Marker(e.X, e.Y, MarkerShape.Eks, 16, color);
                m.MarkerLineWidth = 3;
            }
            else if (diverged && kept.Length > 0)
            {
                var m = plot.Add.Marker(kept[^1].X, kept[^1].Y, MarkerShape.Eks, 16, color);
                m.MarkerLineWidth = 3;
            }
        }
        if (target is { } t)
        {
            if (double.IsNaN(t.X))
            {
                var line = plot.Add.HorizontalLine(t.Y, 1.5f, Colors.Black, LinePattern.Dashed);
                line.LegendText = "target";
            }
            else
            {
                var marker = plot.Add.Marker(t.X, t.Y, MarkerShape.FilledDiamond, 14, Colors.Black);
                marker.LegendText = "target";
            }
        }
        plot.Axes.SetLimits(box.XMin, box.XMax, box.YMin, box.YMax);
        plot.Axes.Bottom.TickGenerator = Ticks(iterationAxis);
        plot.Axes.Left.TickGenerator = Ticks(false);
        if (legend) plot.ShowLegend(Edge.Right);
        else plot.HideLegend();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static readonly LinePattern[] Patterns = [LinePattern.Solid, LinePattern.Dashed, LinePattern.Dotted, LinePattern.DenselyDashed];
    private static readonly MarkerShape[] Shapes =
        [MarkerShape.FilledCircle, MarkerShape.OpenSquare, MarkerShape.FilledTriangleUp, MarkerShape.OpenDiamond, MarkerShape.Cross, MarkerShape.OpenCircle];

    /// <summary>The colour of a method: fixed by the method, so it is the same in every plot.</summary>
    internal static Color ColorOf(Method method) => new ScottPlot.Palettes.Category10().GetColor((int)method);

    /// <summary>Tick labels: integers on an iteration axis; E-notation for magnitudes from 10⁴ and below 10⁻³.</summary>
    private static ScottPlot.TickGenerators.NumericAutomatic Ticks(bool integers) => new()
    {
        IntegerTicksOnly = integers,
        LabelFormatter = TickLabel,
    };

    /// <summary>A tick label: <c>1.5E+06</c> for large and small magnitudes, a short decimal otherwise.</summary>
    internal static string TickLabel(double v)
    {
        var a = Math.Abs(v);
        if (a != 0 && (a >= 1e4 || a < 1e-3)) return v.ToString("0.###E+0", CultureInfo.InvariantCulture);
        return Math.Round(v, 10).ToString("0.####", CultureInfo.InvariantCulture);
    }

    /// <summary>An axis-aligned box in plot coordinates.</summary>
    internal readonly record struct Box(double XMin, double XMax, double YMin, double YMax)
    {
        public static Box Of(IEnumerable<(double X, double Y)> points)
        {
            double x0 = double.PositiveInfinity, x1 = double.NegativeInfinity, y0 = double.PositiveInfinity, y1 = double.NegativeInfinity;
            foreach (var (x, y) in points)
            {
                if (double.IsFinite(x)) { x0 = Math.Min(x0, x); x1 = Math.Max(x1, x); }
                if (double.IsFinite(y)) { y0 = Math.Min(y0, y); y1 = Math.Max(y1, y); }
            }
            if (x0 > x1) (x0, x1) = (0, 1);
            if (y0 > y1) (y0, y1) = (0, 1);
            return new Box(x0, x1, y0, y1);
        }

        public bool Contains((double X, double Y) p) =>
            p.X >= XMin && p.X <= XMax && p.Y >= YMin && p.Y <= YMax;

        /// <summary>Grown by <paramref name="factor"/> of its size on each side (a point box by a size of its own).</summary>
        /// <param name="factor">The fraction of the size added on each side.</param>
        /// <param name="scale">The magnitude of the quantities drawn (of the start and the target): a range
        /// below 10⁻⁹ of it is rounding noise and is drawn as a flat range around its value.</param>
        public Box Padded(double factor = 0.06, double scale = 0)
        {
            (double, double) Pad(double a, double b, double f)
            {
                var size = b - a;
                if (size > 1e-9 * scale && size > 0) return (a - f * size, b + f * size);
                var pad = Math.Max(0.1 * Math.Max(Math.Abs(a), Math.Abs(b)), 0.05 * scale);
                if (!(pad > 0)) pad = 1;
                return (a - pad, b + pad);
            }
            var (x0, x1) = Pad(XMin, XMax, factor);
            var (y0, y1) = Pad(YMin, YMax, factor);
            return new Box(x0, x1, y0, y1);
        }
    }

    /// <summary>
    /// The plotted range: the box of the start, the target and the final points of the runs that ended
    /// with a smaller loss than they began (the core), grown to take in every point within three core
    /// sizes of it; points farther out (an exploding run) would squash the rest into a corner and are cut.
    /// </summary>
    internal static Box PlotBox(IReadOnlyList<OptimizerRun> runs, (double X, double Y)[][] curves, (double X, double Y)? target, double scale)
    {
        var core = new List<(double X, double Y)>();
        for (var i = 0; i < runs.Count; i++)
        {
            if (curves[i].Length == 0) continue;
            core.Add(curves[i][0]);
            var losses = runs[i].Losses;
            if (runs[i].StopReason != StopReason.Diverged && double.IsFinite(losses[^1]) && losses[^1] <= losses[0]
                && double.IsFinite(curves[i][^1].X) && double.IsFinite(curves[i][^1].Y))
                core.Add(curves[i][^1]);
        }
        if (target is { } t) core.Add(t);
        var c = Box.Of(core).Padded(0.0, scale);
        var reach = c.Padded(3.0, scale);
        var inside = curves.SelectMany(curve => curve.TakeWhile(reach.Contains)).Concat(core);
        return Box.Of(inside).Padded(0.06, scale);
    }

    /// <summary>
    /// The part of a curve before it first leaves the box (or becomes non-finite), the point where it
    /// crosses the box's edge (null if it stays inside) and the iteration of the first point outside.
    /// </summary>
    internal static ((double X, double Y)[] Kept, (double X, double Y)? Exit, int ExitIteration) Clip((double X, double Y)[] curve, Box box)
    {
        var kept = curve.TakeWhile(box.Contains).ToArray();
        if (kept.Length == curve.Length || kept.Length == 0) return (kept, null, -1);
        var (p, q) = (kept[^1], curve[kept.Length]);
        if (!double.IsFinite(q.X) || !double.IsFinite(q.Y)) return (kept, p, kept.Length);
        // The segment p + s·(q − p) leaves the box at the smallest s in (0, 1] where it meets an edge.
        var s = 1.0;
        void Edge(double from, double to, double lo, double hi)
        {
            if (to > hi) s = Math.Min(s, (hi - from) / (to - from));
            if (to < lo) s = Math.Min(s, (lo - from) / (to - from));
        }
        Edge(p.X, q.X, box.XMin, box.XMax);
        Edge(p.Y, q.Y, box.YMin, box.YMax);
        return (kept, (p.X + s * (q.X - p.X), p.Y + s * (q.Y - p.Y)), kept.Length);
    }

    private static string[] Write(Figure figure, string directory)
    {
        var path = Path.Combine(directory, figure.Name);
        if (figure.Panels.Count == 1)
        {
            figure.Panels[0].SavePng(path + ".png", Width, Height);
            figure.Panels[0].SaveSvg(path + ".svg", Width, Height);
            return [path + ".png", path + ".svg"];
        }
        var stack = new Multiplot(figure.Panels[0]);
        foreach (var panel in figure.Panels.Skip(1)) stack.AddPlot(panel);
        stack.Layout = new ScottPlot.MultiplotLayouts.Rows();
        // The panels share the iteration axis and line up: the legend panel of the first sets the width of all.
        stack.SharedAxes.ShareX(figure.Panels);
        stack.SavePng(path + ".png", StackWidth, 60 + PanelHeight * figure.Panels.Count);
        return [path + ".png"];
    }
}
