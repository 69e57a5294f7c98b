using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>Plots of optimiser runs: trajectories in x-space and y-space, PNG and SVG, via ScottPlot.</summary>
public static class TrajectoryPlots
{
    /// <summary>
    /// Writes <c>x-space.png/.svg</c> and <c>y-space.png/.svg</c> into <paramref name="directory"/>
    /// (created if needed): one line per run, the target marked (in x-space when x* is known), a legend.
    /// Plots show the first two coordinates.
    /// Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> Save(
        IReadOnlyList<OptimizerRun> runs, string directory, double[]? targetX, double[] targetY,
        string[] variableNames, string[] outputNames)
    {
        Directory.CreateDirectory(directory);
        var written = new List<string>();
        written.AddRange(SaveOne(runs, r => r.Trajectory, targetX, variableNames, "x-space", Path.Combine(directory, "x-space")));
        written.AddRange(SaveOne(runs, r => r.Outputs, targetY, outputNames, "y-space", Path.Combine(directory, "y-space")));
        return written;
    }

    /// <summary>
    /// Writes the x-space, y-space and loss plots of runs on a problem into <paramref name="directory"/>
    /// (x* marked where the local inverse finds a preimage of y* near the start). Returns the paths.
    /// </summary>
    public static IReadOnlyList<string> SaveAll(
        IReadOnlyList<OptimizerRun> runs, string directory, CompiledProblem problem, ProblemDefinition definition)
    {
        var target = definition.Target.ToArray();
        return Save(runs, directory, BookExample.TargetInX(problem, target, definition.Start.ToArray()), target,
                definition.Variables.ToArray(), definition.Outputs)
            .Concat(SaveLoss(runs, directory)).ToArray();
    }

    /// <summary>
    /// Writes <c>loss.png/.svg</c> into <paramref name="directory"/>: the loss against the iteration on a
    /// log scale, one line per run (zero or negative losses, which a log scale cannot show, are left out).
    /// Returns the paths written.
    /// </summary>
    public static IReadOnlyList<string> SaveLoss(IReadOnlyList<OptimizerRun> runs, string directory)
    {
        Directory.CreateDirectory(directory);
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < runs.Count; i++)
        {
            var points = runs[i].Losses.Select((l, k) => (k, l)).Where(p => p.l > 0 && double.IsFinite(p.l)).ToArray();
            if (points.Length == 0) continue;
            var line = plot.Add.Scatter(points.Select(p => (double)p.k).ToArray(), points.Select(p => Math.Log10(p.l)).ToArray(), palette.GetColor(i));
            line.LegendText = $"{BookExample.ShortName(runs[i].Method)} (η = {runs[i].Eta:G3})";
            if (points.Length > 50) line.MarkerSize = 0;
        }
        // ScottPlot draws linear axes: plot log₁₀ L and label the ticks as powers of ten.
        var ticks = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => $"1e{v:0}",
        };
        plot.Axes.Left.TickGenerator = ticks;
        plot.ShowLegend();
        plot.Title("loss");
        plot.XLabel("iteration");
        plot.YLabel("L (log scale)");
        var path = Path.Combine(directory, "loss");
        plot.SavePng(path + ".png", 800, 600);
        plot.SaveSvg(path + ".svg", 800, 600);
        return [path + ".png", path + ".svg"];
    }

    private static string[] SaveOne(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target,
        string[] names, string title, string pathWithoutExtension)
    {
        var plot = new ScottPlot.Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var i = 0; i < runs.Count; i++)
        {
            var p = points(runs[i]);
            var xs = p.Select(v => v[0]).ToArray();
            var ys = p.Select(v => v.Length > 1 ? v[1] : 0.0).ToArray();
            var line = plot.Add.Scatter(xs, ys, palette.GetColor(i));
            line.LegendText = $"{BookExample.ShortName(runs[i].Method)} (η = {runs[i].Eta:G3})";
        }
        if (target is not null)
        {
            var marker = plot.Add.Marker(target[0], target.Length > 1 ? target[1] : 0.0);
            marker.MarkerShape = ScottPlot.MarkerShape.FilledDiamond;
            marker.MarkerSize = 14;
            marker.Color = ScottPlot.Colors.Black;
            marker.LegendText = "target";
        }
        plot.ShowLegend();
        plot.Title(title);
        plot.XLabel(names[0]);
        plot.YLabel(names.Length > 1 ? names[1] : "");
        var png = pathWithoutExtension + ".png";
        var svg = pathWithoutExtension + ".svg";
        plot.SavePng(png, 800, 600);
        plot.SaveSvg(svg, 800, 600);
        return [png, svg];
    }
}
