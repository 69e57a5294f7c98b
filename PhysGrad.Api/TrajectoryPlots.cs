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
/// (decreasing widths, never under <see cref="MinLineWidth"/> pixels, dash patterns of dashes and gaps
/// of at least <see cref="MinDash"/> pixels, and marker shapes); large and small tick values use E-notation.
/// Rendering is serialised: every render and image save of the product's plots holds
/// <see cref="Rendering.Gate"/>, one lock for the process.
/// </summary>
public static class TrajectoryPlots
{
    private const int Width = 720;
    private const int Height = 600;
    private const int PanelHeight = 230;
    private const int StackDataWidth = 700;

    /// <summary>
    /// One figure: a single plot or a stack of plots (one per component against the iteration). A stack's
    /// legend is drawn by <see cref="Render"/> at <paramref name="Legend"/> (pixels, in the figure), right of
    /// every panel's data area; a single plot's sits in its own legend panel (null here).
    /// </summary>
    internal sealed record Figure(string Name, IReadOnlyList<Plot> Panels, int Width, int Height, PixelRect? Legend = null);

    /// <summary>
    /// Writes <c>x-space.png</c> and <c>y-space.png</c>, each with its <c>.svg</c>,
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
    /// <exception cref="Symbolic.SymbolicException">(<see cref="Symbolic.ErrorKind.Shape"/>) A run of another size than the names;
    /// (<see cref="Symbolic.ErrorKind.Invalid"/>) no run, or runs made on different problems (<see cref="OptimizerRun.Problem"/>),
    /// naming what differs: these names carry no problem to check the runs against, so the overload taking the problem's
    /// definition also refuses runs that agree with one another but were made on another problem.</exception>
    public static IReadOnlyList<string> Save(
        IReadOnlyList<OptimizerRun> runs, string directory, double[]? targetX, double[] targetY,
        string[] variableNames, string[] outputNames, string? problem = null)
    {
        RunArguments.RequireFrom(runs, variableNames, outputNames, nameof(runs));
        RunArguments.RequireSome(runs.Count, nameof(runs), "plots");
        PlotDirectory.Prepare(directory);
        var written = new List<string>();
        Rendering.Draw(() =>
        {
            foreach (var figure in SpaceFigures(runs, targetX, targetY, variableNames, outputNames, problem))
                written.AddRange(Write(figure, directory));
        });
        return written;
    }

    /// <summary>
    /// Writes <c>x-space.png</c> and <c>y-space.png</c> (each with its <c>.svg</c>) of runs of the problem
    /// <paramref name="definition"/> states into <paramref name="directory"/>, as the overload taking names does, with
    /// the names, y* and title from the definition and x* marked where <paramref name="target"/> has one. Returns the paths.
    /// </summary>
    /// <param name="runs">Runs of this problem (its Run or CompareMethods).</param>
    /// <param name="directory">Where to write.</param>
    /// <param name="definition">The problem (<see cref="PhysicsProblem.Definition"/>).</param>
    /// <param name="target">x* of this problem (a comparison's <see cref="Comparison.Target"/>, or <see cref="TargetPoint.Find(PhysicsProblem, IReadOnlyList{OptimizerRun})"/>),
    /// or null for none.</param>
    /// <exception cref="Symbolic.SymbolicException">(<see cref="Symbolic.ErrorKind.Shape"/>) A run or x* of another size;
    /// (<see cref="Symbolic.ErrorKind.Invalid"/>) no run, or a run or x* of another problem of the same size, naming what differs.</exception>
    public static IReadOnlyList<string> Save(IReadOnlyList<OptimizerRun> runs, string directory, ProblemDefinition definition, TargetPoint? target = null)
    {
        RequireOfProblem(runs, definition, target);
        PlotDirectory.Prepare(directory);
        return Rendering.Draw(() => SpaceFigures(runs, definition, target, ProblemName(definition), CompiledOnce(definition))
            .SelectMany(f => Write(f, directory)).ToArray());
    }

    // Runs and x* of the problem the definition states (RunArguments), at least one run.
    private static void RequireOfProblem(IReadOnlyList<OptimizerRun> runs, ProblemDefinition definition, TargetPoint? target)
    {
        ArgumentNullException.ThrowIfNull(definition);
        RunArguments.RequireFrom(runs, definition.Variables, definition.Outputs, nameof(runs), definition.Identity);
        RunArguments.RequireSome(runs.Count, nameof(runs), "plots");
        RunArguments.RequireTarget(target, definition, nameof(target));
    }

    /// <summary>
    /// Writes the x-space, y-space and loss plots of runs on a problem into <paramref name="directory"/>,
    /// x* marked as the comparison found it (<see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>, the same point the table's
    /// distances are measured to). Returns the paths.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">As <see cref="Save(IReadOnlyList{OptimizerRun}, string, ProblemDefinition, TargetPoint?)"/>:
    /// no run, or a run or x* of another problem.</exception>
    public static IReadOnlyList<string> SaveAll(
        IReadOnlyList<OptimizerRun> runs, string directory, ProblemDefinition definition, TargetPoint target) =>
        SaveAll(runs, directory, definition, target, null);

    /// <summary>As the public overload, drawing with <paramref name="compiled"/> where the caller holds the problem
    /// compiled already (<see cref="PhysicsProblem.Compiled"/>; null: the definition is compiled once, when first needed).</summary>
    internal static IReadOnlyList<string> SaveAll(
        IReadOnlyList<OptimizerRun> runs, string directory, ProblemDefinition definition, TargetPoint target, Lazy<CompiledProblem?>? compiled)
    {
        ArgumentNullException.ThrowIfNull(target);
        RequireOfProblem(runs, definition, target);
        PlotDirectory.Prepare(directory);
        return Rendering.Draw(() => Figures(runs, definition, target, compiled).SelectMany(f => Write(f, directory)).ToArray());
    }

    /// <summary>The plots of a comparison (its runs, marked with its x*); see the overload taking runs.</summary>
    public static IReadOnlyList<string> SaveAll(Comparison comparison, string directory, ProblemDefinition definition) =>
        SaveAll(comparison, directory, definition, null);

    /// <summary>As the public overload, with the problem compiled already (see the overload taking runs).</summary>
    internal static IReadOnlyList<string> SaveAll(Comparison comparison, string directory, ProblemDefinition definition, Lazy<CompiledProblem?>? compiled) =>
        SaveAll(comparison.Results.Select(r => r.Run).ToArray(), directory, definition, comparison.Target, compiled);

    /// <summary>
    /// Writes <c>loss.png/.svg</c> into <paramref name="directory"/>: the loss against the iteration on a
    /// log scale, one line per run (zero or negative losses, which a log scale cannot show, are left out;
    /// a run that diverged is marked where its last finite loss is). Returns the paths written.
    /// </summary>
    /// <exception cref="Symbolic.SymbolicException">(<see cref="Symbolic.ErrorKind.Invalid"/>) No run: the plot would be blank; or
    /// runs made on different problems (<see cref="OptimizerRun.Problem"/>), naming what differs.</exception>
    public static IReadOnlyList<string> SaveLoss(IReadOnlyList<OptimizerRun> runs, string directory, string? problem = null)
    {
        RunArguments.RequireOneProblem(runs, nameof(runs));
        RunArguments.RequireSome(runs.Count, nameof(runs), "loss plot");
        PlotDirectory.Prepare(directory);
        return Rendering.Draw(() => Write(LossFigure(runs, problem), directory));
    }

    /// <summary>The figures <see cref="SaveAll(IReadOnlyList{OptimizerRun}, string, ProblemDefinition, TargetPoint)"/> writes, built but not rendered (the tests inspect them).</summary>
    /// <remarks>Every plot draws with <c>compiled</c>, the problem compiled (null: the definition compiled once, when a plot first needs it).</remarks>
    internal static IReadOnlyList<Figure> Figures(IReadOnlyList<OptimizerRun> runs, ProblemDefinition definition, TargetPoint target, Lazy<CompiledProblem?>? compiled = null)
    {
        // Building measures the legends and tick labels by rendering them (Single, LeftMargin).
        lock (Rendering.Gate)
            return BuildFigures(runs, definition, target, compiled ?? CompiledOnce(definition));
    }

    private static IReadOnlyList<Figure> BuildFigures(IReadOnlyList<OptimizerRun> runs, ProblemDefinition definition, TargetPoint target, Lazy<CompiledProblem?> compiled)
    {
        var name = ProblemName(definition);
        // The loss plot draws L: a loss of the user's own is named in its title, as the text header names it
        // (the default ½‖y − y*‖² is what "loss" means without it).
        var lossName = definition.LossGiven
            ? $"{name}, L = {ExpressionText.ForHeader(Symbolic.Infix.Format(definition.ParsedLoss()!))}"
            : name;
        return SpaceFigures(runs, definition, target, name, compiled).Append(LossFigure(runs, lossName, definition.HasTarget ? target.X : null)).ToArray();
    }

    /// <summary>
    /// The definition compiled once, when first asked for, for every plot of one set of figures (<see cref="SolutionResidual"/>
    /// and <see cref="NaturalScales"/> each compiled it before); null when it cannot be compiled (the plots then draw
    /// without what needs it).
    /// </summary>
    internal static Lazy<CompiledProblem?> CompiledOnce(ProblemDefinition definition) => new(() =>
    {
        try
        {
            return definition.Compile();
        }
        catch (Symbolic.SymbolicException)
        {
            return null;
        }
    });

    // The x- and y-space figures of runs of a problem, x* marked where target has one; compiled: the problem compiled (CompiledOnce).
    private static IEnumerable<Figure> SpaceFigures(IReadOnlyList<OptimizerRun> runs, ProblemDefinition definition, TargetPoint? target, string name,
        Lazy<CompiledProblem?> compiled) =>
        // A problem with a loss of its own needs no target: then nothing is marked, and the titles say so.
        !definition.HasTarget
            ? SpaceFigures(runs, null, null, [.. definition.Variables], definition.Outputs, name, noTarget: true)
            // The plots name every run as their legends do, the target's note too (x* ≈ gd (η = 0.01)'s end).
            : SpaceFigures(runs, target?.X, [.. definition.Target], [.. definition.Variables], definition.Outputs, name, target?.DescriptionNaming(LegendName),
                manyPreimages: definition.Outputs.Length < definition.Variables.Count, solutions: SolutionResidual(definition, compiled),
                naturalX: NaturalScales(runs, definition, compiled), termsY: TermScales(runs, definition, compiled));

    /// <summary>
    /// Each output's scale of terms, the magnitude its rounding is measured against in y-space (<see cref="RoundingOnly"/>):
    /// max over the points p of <see cref="JacobianPoints"/> (every run's start, end and points between) of
    /// max_i |∂P_j/∂x_i(p)| · X_i (n products J·e_i a point, measured once when first asked), X_i the largest finite |x_i|
    /// over the runs' points. A y component is rounding noise only when its values are noise of
    /// the terms it is made of: y0 = 1E-08·x0 reaching y0* = 1E-08 beside y1 = 1E+12·x1 is no rounding of y1's 2E+12
    /// ("y0 (flat: rounding only)" drew its target at 0), while heat1d-inverse's y0* = −7E-17, a sum of cells of 2, is.
    /// J is read along the runs, not at the first run's start alone: there y0 = 1E-08·x0·x1 from (0, 0) has the row 0 (no
    /// terms), and its path to 1E-08 was drawn flat as rounding of y1 = 1E+12·x1.
    /// NaN where it cannot be measured (no compiled problem, more than <see cref="MaxTermVariables"/> variables, J not finite
    /// at every point) or is 0; the problem's scale alone decides there, as before.
    /// </summary>
    private static Func<int, double> TermScales(IReadOnlyList<OptimizerRun> runs, ProblemDefinition definition, Lazy<CompiledProblem?> compiled)
    {
        var scales = new Lazy<double[]?>(() =>
        {
            if (compiled.Value is not { } c || c.N > MaxTermVariables) return null;
            var points = JacobianPoints(runs, c.N);
            if (points.Count == 0) return null;
            var reach = new double[c.N];
            foreach (var p in runs.SelectMany(r => r.Trajectory))
                for (var i = 0; i < Math.Min(c.N, p.Length); i++)
                    if (double.IsFinite(p[i])) reach[i] = Math.Max(reach[i], Math.Abs(p[i]));
            var terms = new double[c.M];
            var (unit, y, column) = (new double[c.N], new double[c.M], new double[c.M]);
            foreach (var p in points)
                for (var i = 0; i < c.N; i++)
                {
                    Array.Clear(unit);
                    unit[i] = 1;
                    c.JacobianVector([.. p], unit, y, column);
                    for (var j = 0; j < c.M; j++)
                        if (Math.Abs(column[j]) * reach[i] is var t && double.IsFinite(t)) terms[j] = Math.Max(terms[j], t);
                }
            return terms;
        });
        return j => scales.Value is { } t && j < t.Length && t[j] > 0 && double.IsFinite(t[j]) ? t[j] : double.NaN;
    }

    /// <summary>The most products J·v the plots spend on <see cref="TermScales"/> (n for each point of <see cref="JacobianPoints"/>).</summary>
    internal const int JacobianProductBudget = 4096;

    /// <summary>
    /// The points at which the plots read J for a problem of <paramref name="n"/> variables, so that what they take from J
    /// applies to every run drawn: every run's start, then every run's last point, then points evenly spaced along each
    /// run (up to 8 a run), as many as <see cref="JacobianProductBudget"/> allows at n products a point (at least the
    /// first run's start); only finite points of length n, each once. With <paramref name="startsOnly"/>, the starts alone.
    /// </summary>
    internal static IReadOnlyList<double[]> JacobianPoints(IReadOnlyList<OptimizerRun> runs, int n, bool startsOnly = false)
    {
        var most = Math.Max(1, JacobianProductBudget / Math.Max(n, 1));
        var chosen = new List<double[]>();
        void Add(double[] p)
        {
            if (chosen.Count < most && p.Length == n && p.All(double.IsFinite) && !chosen.Any(q => q.SequenceEqual(p))) chosen.Add(p);
        }
        foreach (var r in runs) if (r.Trajectory.Count > 0) Add(r.Trajectory[0]);
        if (startsOnly) return chosen;
        foreach (var r in runs) if (r.Trajectory.LastOrDefault(p => p.All(double.IsFinite)) is { } last) Add(last);
        const int between = 6;
        for (var k = 1; k <= between; k++)
            foreach (var r in runs)
                if (r.Trajectory.Count > 2)
                    Add(r.Trajectory[(int)((long)k * (r.Trajectory.Count - 1) / (between + 1))]);
        return chosen;
    }

    /// <summary>Above this many variables <see cref="TermScales"/> is not measured (n products J·e_i per figure).</summary>
    internal const int MaxTermVariables = 200;

    /// <summary>
    /// Each x component's natural scale, for a component whose own scale is 0 (it starts at 0 and x* is 0 or
    /// unknown; <see cref="ComponentScale"/>): the distance it must move to change y by the problem's output scale,
    /// max |y| over the runs' starts and y*, divided by its column of J at the runs' starts (each run's, so that the scale
    /// applies to every run drawn), max_i |∂Pᵢ/∂x_j| (one product J·e_j a start, compiled and measured only when a panel asks). NaN where that column is
    /// 0 or not finite, the output scale is 0, or the problem cannot be compiled. Without it such a component was
    /// measured against the other components' magnitude: on (x0, x0²/1000 + 1E+12·x1) x1's path from 0 through
    /// 1E-09 and back, which moves y1 by 1000, was drawn as "x1 (flat: spread 1E-09)" beside x0's 1000.
    /// </summary>
    private static Func<int, double> NaturalScales(IReadOnlyList<OptimizerRun> runs, ProblemDefinition definition, Lazy<CompiledProblem?> compiled)
    {
        var start = runs.FirstOrDefault(r => r.Trajectory.Count > 0)?.Trajectory[0];
        var outputScale = runs.Where(r => r.Outputs.Count > 0).SelectMany(r => r.Outputs[0])
            .Concat(definition.HasTarget ? definition.Target : []).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var scales = new Dictionary<int, double>();
        return j =>
        {
            if (scales.TryGetValue(j, out var known)) return known;
            var scale = double.NaN;
            if (start is not null && j < start.Length && outputScale > 0 && compiled.Value is { } c && c.N == start.Length)
            {
                var (unit, y, column) = (new double[c.N], new double[c.M], new double[c.M]);
                unit[j] = 1;
                var largest = 0.0;
                foreach (var p in JacobianPoints(runs, c.N, startsOnly: true))
                {
                    c.JacobianVector([.. p], unit, y, column);
                    largest = Math.Max(largest, column.Select(Math.Abs).DefaultIfEmpty(0).Max());
                }
                if (largest > 0 && double.IsFinite(largest) && outputScale / largest is var s && s > 0 && double.IsFinite(s)) scale = s;
            }
            return scales[j] = scale;
        };
    }

    /// <summary>
    /// r(x0, x1) = P(x) − y* for a problem of two variables and one output with a target, whose preimages of
    /// y* form a curve (the level set the x-space plot draws, <see cref="LevelSet"/>); null for any other shape.
    /// NaN where P is not finite or cannot be evaluated; null too when the problem cannot be compiled
    /// (<paramref name="problem"/>'s value, shared with <see cref="NaturalScales"/>).
    /// </summary>
    private static Func<double, double, double>? SolutionResidual(ProblemDefinition definition, Lazy<CompiledProblem?> problem)
    {
        if (definition.Variables.Count != 2 || definition.Outputs.Length != 1 || !definition.HasTarget) return null;
        if (problem.Value is not { } compiled) return null;
        var target = definition.Target[0];
        var (x, y) = (new double[2], new double[1]);
        return (a, b) =>
        {
            (x[0], x[1]) = (a, b);
            try
            {
                compiled.Simulate(x, y);
            }
            catch (Symbolic.SymbolicException)
            {
                return double.NaN;
            }
            return y[0] - target;
        };
    }

    /// <summary>As the overload taking x*, with x* found for these runs (tests of the plots alone).</summary>
    internal static IReadOnlyList<Figure> Figures(IReadOnlyList<OptimizerRun> runs, CompiledProblem problem, ProblemDefinition definition) =>
        Figures(runs, definition, TargetPoint.Find(problem, definition.Target.ToArray(), definition.Start.ToArray(), runs), new Lazy<CompiledProblem?>(problem));

    /// <summary>
    /// The problem as a title: an example's name and size (<see cref="ProblemDefinition.Title"/>), else
    /// <c>P(x0, x1) = [x0, x1^2]</c>; beyond 70 characters only the sizes, never a long variable list.
    /// </summary>
    internal static string ProblemName(ProblemDefinition d)
    {
        if (d.Title is { } title) return title;
        // Each entry as the text header prints it (ExpressionText.Formatted: the infix printer), from the
        // definition's parsed expressions (parsed once): one printer for the numbers of both, not the
        // header's 1E-06 beside the title's 1e-6.
        var text = $"P({string.Join(", ", d.Variables)}) = [{string.Join(", ", d.ParsedSimulator().Select(Symbolic.Infix.Format))}]";
        // A long problem is named by its size, not by a cut list ("P(x0, x1, … x14, …" named nothing).
        return text.Length <= 70 ? text : $"P with n = {d.Variables.Count} variables, {d.Simulator.Count} outputs";
    }

    /// <summary>Above this many components a space is drawn by a chosen subset of them (named in the title).</summary>
    internal const int MaxPanels = 8;

    private static IEnumerable<Figure> SpaceFigures(
        IReadOnlyList<OptimizerRun> runs, double[]? targetX, double[]? targetY, string[] variableNames, string[] outputNames, string? problem,
        string? targetHow = null, bool noTarget = false, bool manyPreimages = false, Func<double, double, double>? solutions = null,
        Func<int, double>? naturalX = null, Func<int, double>? termsY = null)
    {
        var exploding = Exploding(runs, targetX);
        var far = FarPoints(runs, targetX);
        // With fewer outputs than variables there is no one x* to mark: the title says why rather than "x* unknown",
        // and for two variables and one output the solutions are drawn, the curve P(x) = y*.
        var missing = noTarget ? "no target (the loss is given)"
            : manyPreimages ? $"x* not unique: y* has many preimages ({NumberText.Count(outputNames.Length, "output")} < {NumberText.Count(variableNames.Length, "variable")})"
            : "x* unknown";
        yield return SpaceFigure(runs, r => r.Trajectory, targetX, variableNames, "x-space",
            targetX is null ? (problem is null ? missing : $"{problem}, {missing}") : problem, exploding, far, targetHow, solutions, naturalX);
        yield return SpaceFigure(runs, r => r.Outputs, targetY, outputNames, "y-space",
            noTarget ? (problem is null ? missing : $"{problem}, {missing}") : problem, exploding, far, null, terms: termsY);
    }

    /// <summary>
    /// The components drawn of a space with more than <see cref="MaxPanels"/>: the first three, the last,
    /// and those that moved most (largest range over the runs that do not explode), in index order.
    /// </summary>
    internal static int[] ChosenComponents(IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, int count, bool[] exploding) =>
        ChooseComponents(runs, points, count, exploding).Shown;

    /// <summary>
    /// The components drawn of a space and the words that say which, made from one list so that they
    /// cannot disagree: each chosen component is entered with its reason (first three, last, moved most,
    /// or, once no other component moved at all, next in index order), the components shown are that
    /// list's indices in index order, and the description counts its reasons in the order they were
    /// entered: <c>8 of 50 components (first 3, last, 4 most moved)</c>; <c>all 3 components</c> for all of
    /// at most <see cref="MaxPanels"/> (<c>its one component</c> for one). A fixed text said "most moved" also of components taken in index
    /// order because nothing moved (a run of no steps).
    /// </summary>
    internal static (int[] Shown, string Description) ChooseComponents(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, int count, bool[] exploding)
    {
        if (count <= MaxPanels) return (Enumerable.Range(0, count).ToArray(), count == 1 ? "its one component" : $"all {count} components");
        var moved = new double[count];
        for (var i = 0; i < runs.Count; i++)
        {
            if (exploding[i]) continue;
            // Each component's finite range in this run, in one pass over its points (an array per
            // component cost 0.4 s at n = 10⁴).
            var (min, max) = (new double[count], new double[count]);
            Array.Fill(min, double.PositiveInfinity);
            Array.Fill(max, double.NegativeInfinity);
            foreach (var p in points(runs[i]))
                for (var j = 0; j < count; j++)
                    if (double.IsFinite(p[j])) (min[j], max[j]) = (Math.Min(min[j], p[j]), Math.Max(max[j], p[j]));
            for (var j = 0; j < count; j++)
                if (max[j] >= min[j]) moved[j] = Math.Max(moved[j], max[j] - min[j]);
        }
        var chosen = new List<(int Index, string Why)> { (0, "first"), (1, "first"), (2, "first"), (count - 1, "last") };
        foreach (var j in Enumerable.Range(0, count).OrderByDescending(j => moved[j]).ThenBy(j => j))
        {
            if (chosen.Count >= MaxPanels) break;
            if (chosen.All(c => c.Index != j)) chosen.Add((j, moved[j] > 0 ? "most moved" : "next"));
        }
        var reasons = chosen.GroupBy(c => c.Why).Select(g => g.Key switch
        {
            "first" => $"first {g.Count()}",
            "last" => "last",
            "most moved" => $"{g.Count()} most moved",
            _ => $"next {g.Count()} in order, no other moved",
        });
        return (chosen.Select(c => c.Index).Order().ToArray(), $"{chosen.Count} of {count} components ({string.Join(", ", reasons)})");
    }

    private static Figure SpaceFigure(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target,
        string[] names, string space, string? problem, bool[] exploding, bool[][] far, string? targetHow,
        Func<double, double, double>? solutions = null, Func<int, double>? natural = null, Func<int, double>? terms = null)
    {
        var title = problem is null ? space : $"{space}: {problem}";
        var targetLabel = targetHow is null ? "target" : $"target ({targetHow})";
        if (names.Length == 2)
        {
            // Each axis is scaled by its own component: one magnitude for both made y1 ∈ [1e-8, 9e-8] beside
            // y0 ≈ 3e8 a "flat" axis spanning ±1.6E+7, on which every run coincided.
            // An axis of rounding noise only is drawn flat at the problem's scale, as a stacked panel (RoundingOnly).
            var flat2 = RoundingOnly(runs, points, target, [0, 1], exploding, ownScale: space == "x-space", natural, terms);
            var problemScale2 = ProblemScale(runs, points, target, 2);
            double AxisScale(int j) => flat2.TryGetValue(j, out var problemScale) ? problemScale : ComponentScale(runs, points, target, j, problemScale2, natural);
            var (scaleX, scaleY) = (AxisScale(0), AxisScale(1));
            var curves = runs.Select(r => points(r).Select(p => (p[0], p[1])).ToArray()).ToArray();
            (double, double)? t2 = target is null ? null : (target[0], target[1]);
            // A run whose detour dwarfs the others' range is drawn to the edge and back (Dwarfing).
            var (farHere, dwarfs) = Dwarfing(exploding, curves, t2, far,
                floor: (DwarfingFloor(runs, points, target, 2, scaleX), DwarfingFloor(runs, points, target, 2, scaleY)));
            // An exploding run is drawn, as in the loss plot, up to where it leaves the range of the runs that do not explode
            // grown by half its extent on each side, along either axis (ExplodingReach).
            var box = PlotBox(exploding, curves, t2, scaleY, farHere, scaleX, ExplodingRoom, alongX: true);
            var paths = DrawnPaths(curves, box, exploding);
            var drawn = Drawn(paths, box, runs.Count);
            var leaders = LegendLeaders([(paths, box)], runs);
            string Label2(int j) => AxisLabel(names[j], flat2.ContainsKey(j), HiddenSpread(runs, points, target, j, exploding, AxisScale(j)));
            var plot = Panel(runs, curves, box, t2, targetLabel, title, Label2(0), Label2(1), iterationAxis: false,
                scaleY, exploding, farHere, Groups(drawn), leaders,
                iterationOf: (i, k) => IterationAt(runs[i], k), partners: Partners(paths, box, drawn, leaders), scaleX: scaleX, dwarfs: dwarfs);
            if (solutions is not null) MarkSolutions(plot, solutions);
            MarkStarts(plot, curves, box);
            return Single(space, plot);
        }
        // One or more than two dimensions: every component (or a chosen few) against the iteration, one panel each.
        // A subset names itself in the title, in words made from the list the panels are drawn from; its
        // components are the panels' axis labels.
        var (shown, which) = ChooseComponents(runs, points, names.Length, exploding);
        var panels = new List<Plot>();
        // A sparse recording (Recording.EveryKth) keeps the points of some iterations only: each is drawn at
        // the iteration it was recorded at, not at its place in the list (which put iteration 50 at 10).
        var lasts = runs.Select(r => points(r).Count == 0 ? 0 : IterationAt(r, points(r).Count - 1)).ToArray();
        var last = lasts.DefaultIfEmpty(0).Max();
        // Runs of lengths more than tenfold apart share a log iteration axis (LogIterationAxis), as the loss plot.
        var logIterations = LogIterationAxis(lasts);
        // A component whose values span only rounding noise of the problem's scale (x* = 0 with ±4E-16 left
        // by the others' arithmetic) is drawn flat at the problem's scale and labelled so (RoundingOnly).
        var flat = RoundingOnly(runs, points, target, shown, exploding, ownScale: space == "x-space", natural, terms);
        var problemScaleAll = ProblemScale(runs, points, target, names.Length);
        double ScaleOf(int jj) => flat.TryGetValue(jj, out var problemScale) ? problemScale : ComponentScale(runs, points, target, jj, problemScaleAll, natural);
        var data = shown.Select(jj =>
        {
            var curves = runs.Select(r => points(r).Select((p, i) => (IterationX(IterationAt(r, i), logIterations), p[jj])).ToArray()).ToArray();
            (double, double)? t = target is null ? null : (double.NaN, target[jj]);
            var (farHere, dwarfs) = Dwarfing(exploding, curves, t, far, iterationAxis: true,
                floor: (0, DwarfingFloor(runs, points, target, names.Length, ScaleOf(jj))));
            // An exploding run is drawn up to where its component leaves the others' range grown by half (ExplodingReach).
            var box = IterationBox(PlotBox(exploding, curves, t, ScaleOf(jj), farHere, explodingRoom: ExplodingRoom), last, logIterations);
            return (Curves: curves, Box: box, Target: t, Paths: DrawnPaths(curves, box, exploding), Far: farHere, Dwarfs: dwarfs);
        }).ToArray();
        // "Coincides with" in the legend means in every panel; the styling of each panel follows the
        // runs that coincide in that panel.
        var whole = LegendLeaders(data.Select(d => (d.Paths, d.Box)).ToArray(), runs);
        // The legend speaks for all panels: where a run leaves the plotted range is gathered over every
        // panel (each panel marks its own crossing).
        var notes = runs.Select((r, i) => FigureNote(r, data.Select(d => (d.Curves[i], d.Box)).ToArray(), exploding[i],
            [.. far[i].Select((_, k) => data.Any(d => d.Far[i][k]))], data.Any(d => d.Dwarfs[i]), [.. shown.Select(jj => names[jj])])).ToArray();
        Func<int, int, int> recorded = (i, k) => IterationAt(runs[i], k);
        for (var k = 0; k < shown.Length; k++)
        {
            var jj = shown[k];
            var (curves, box, t, paths, farHere, dwarfs) = data[k];
            var drawnHere = Drawn(paths, box, runs.Count, curves);
            // What the stack draws: each component against the iteration, one panel each ("x-space by
            // component" read as a breakdown of something else, and said nothing of the iteration axis).
            var drawnWhat = names.Length == 1 ? $"{space}: {names[0]} against the iteration"
                : $"{space}: {which}, each against the iteration";
            var panelTitle = k == 0 ? (problem is null ? drawnWhat : $"{drawnWhat}\n{problem}") : "";
            // The first panel holds the legend's entries; for a stack Render draws them beside it (no panel
            // shows a legend of its own), a lone panel shows its own, as any single plot.
            var panel = Panel(runs, curves, box, t, targetLabel, panelTitle,
                k == shown.Length - 1 ? IterationAxisLabel("iteration", logIterations) : "", AxisLabel(names[jj], flat.ContainsKey(jj), HiddenSpread(runs, points, target, jj, exploding, ScaleOf(jj))),
                iterationAxis: true, ScaleOf(jj), exploding, farHere,
                Groups(drawnHere), whole, legend: shown.Length == 1, notes: notes, iterationOf: recorded, dwarfs: dwarfs,
                partners: shown.Length == 1 ? Partners(paths, box, drawnHere, whole, curves) : null, logIterations: logIterations);
            // The starts are ringed and named as in a plane, in every figure of x and y: a 1-variable problem's plots had no
            // "start" entry beside the 2-variable planes' (the stack's legend is its first panel's).
            MarkStarts(panel, curves, box);
            panels.Add(panel);
        }
        if (panels.Count == 1) return Single(space, panels[0]);
        // The legend is measured as the image it is drawn from, after every entry is in (never before the
        // layout), and gets a column of its own right of the data areas, as tall as it needs: the figure grows
        // to hold it, so it is never cut and never lies over data, however many runs or panels.
        Image legend;
        lock (Rendering.Gate)
            legend = panels[0].Legend.GetImage();
        var height = Math.Max(Math.Max(Height, 60 + PanelHeight * panels.Count), StackTop + legend.Height + LegendShadow + LegendGap);
        // Each axis label fits along its panel's data area (Multiplot's rows share the height equally): the
        // first panel's "y0 (flat: rounding only)" ran past the top of a 148-pixel data area, into the title.
        for (var k = 0; k < panels.Count; k++)
            FitAxisLabel(panels[k].Axes.Left.Label, DataHeight(height, panels.Count, k));
        var left = LeftMargin(panels, PanelHeight);
        var legendRect = new PixelRect(left + StackDataWidth + LegendGap, left + StackDataWidth + LegendGap + legend.Width,
            StackTop + legend.Height, StackTop);
        var width = (int)Math.Ceiling(legendRect.Right) + LegendShadow + LegendGap;
        // Equal padding in every panel lines their data areas up; the right padding is the legend's column.
        for (var k = 0; k < panels.Count; k++)
            panels[k].Layout.Fixed(new PixelPadding(left, width - left - StackDataWidth, StackBottom(panels.Count, k), StackTopOf(k)));
        foreach (var panel in panels) DashFree.Install(panel);
        // The first panel's title keeps within the top padding made for its lines: fitted in as many lines, smaller if need be.
        TitleFit.Install(panels[0], maxLines: panels[0].Axes.Title.Label.Text.Split('\n').Length);
        return new Figure(space, panels, width, height, legendRect);
    }

    // A stacked panel's top and bottom padding: the first holds the two-line title, the last the iteration axis' label.
    private static int StackTopOf(int k) => k == 0 ? StackTop : 12;
    private static int StackBottom(int count, int k) => k == count - 1 ? 50 : 28;

    /// <summary>The height in pixels of panel <paramref name="k"/>'s data area in a stack of <paramref name="count"/> panels <paramref name="height"/> pixels tall (Multiplot's rows are equal).</summary>
    internal static float DataHeight(int height, int count, int k) => (float)height / count - StackTopOf(k) - StackBottom(count, k);

    /// <summary>The smallest font an axis label is shrunk to so that it fits its panel (ScottPlot's tick labels are 12).</summary>
    internal const float MinLabelFont = 10f;

    /// <summary>
    /// Makes a vertical axis label fit along <paramref name="room"/> pixels (the data area's height): as it is
    /// when it fits; else broken into two lines before its parenthesis ("y0" over "(flat: rounding only)");
    /// else, in its font shrunk step by step down to <see cref="MinLabelFont"/>, its first form that fits;
    /// and if none does, the name alone (the text before the parenthesis), which then says less but is never
    /// cut. A label longer than its panel ran past it into the title or the next panel's label.
    /// </summary>
    internal static void FitAxisLabel(LabelStyle label, float room)
    {
        var text = label.Text;
        if (string.IsNullOrEmpty(text)) return;
        var open = text.IndexOf(" (", StringComparison.Ordinal);
        var forms = open > 0 ? new[] { text, text[..open] + "\n" + text[(open + 1)..] } : [text];
        lock (Rendering.Gate)
        {
            using var paint = Paint.NewDisposablePaint();
            float Length(string t) => label.Measure(t, paint).Width;
            for (var size = label.FontSize; size >= MinLabelFont; size -= 1)
            {
                label.FontSize = size;
                foreach (var form in forms)
                    if (Length(form) <= room) { label.Text = form; return; }
            }
            label.Text = open > 0 ? text[..open] : text;
        }
    }

    /// <summary>
    /// Marks the runs' start points in a plane or a panel against the iteration (a black ring under the runs' first markers)
    /// with a legend entry "start (iteration 0)": a plane has no iteration axis, and without it a single run's curve does
    /// not say which end it started from (gd's curve from (1, 1) to (1.13, 1.68) read either way); the panels against
    /// the iteration mark it alike, so every figure of x and y has the same entry.
    /// </summary>
    private static void MarkStarts(Plot plot, (double X, double Y)[][] curves, Box box)
    {
        var starts = curves.Where(c => c.Length > 0 && box.Contains(c[0])).Select(c => c[0]).Distinct().ToArray();
        if (starts.Length == 0) return;
        foreach (var p in starts)
        {
            var ring = plot.Add.Marker(p.X, p.Y, MarkerShape.OpenCircle, 22, Colors.Black);
            ring.MarkerLineWidth = 1.5f;
            plot.MoveToBack(ring);
        }
        plot.Legend.ManualItems.Add(new LegendItem
        {
            LabelText = LegendText(starts.Length == 1 ? "start (iteration 0)" : "starts (iteration 0)"),
            MarkerShape = MarkerShape.OpenCircle, MarkerSize = 14, MarkerColor = Colors.Black, MarkerLineWidth = 1.5f,
        });
    }

    /// <summary>
    /// Draws the solutions r(x0, x1) = 0 (<see cref="SolutionResidual"/>: P(x) = y*) over the plotted range, a thin
    /// grey curve behind the runs, with its legend entry; when none lies in the range the legend says that instead,
    /// so that the plot never implies a solution set it did not find.
    /// </summary>
    private static void MarkSolutions(Plot plot, Func<double, double, double> residual)
    {
        var limits = plot.Axes.GetLimits();
        var segments = LevelSet(residual, limits.Left, limits.Right, limits.Bottom, limits.Top);
        var color = Colors.Gray;
        foreach (var (a, b) in segments)
        {
            var line = plot.Add.Line(a, b);
            (line.LineColor, line.LineWidth, line.MarkerSize) = (color, 2, 0);
            plot.MoveToBack(line);
        }
        plot.Legend.ManualItems.Add(segments.Count > 0
            ? new LegendItem { LabelText = LegendText("P(x) = y*: the solutions, a curve"), LineColor = color, LineWidth = 2 }
            : new LegendItem { LabelText = LegendText("P(x) = y* nowhere in the plotted range") });
    }

    /// <summary>
    /// The curve r(x0, x1) = 0 over [x0Min, x0Max] × [x1Min, x1Max] as line segments: r on a (cells + 1)² grid, each
    /// cell split into two triangles, and in a triangle whose corners change sign the segment between its two
    /// edges' zeros, each by linear interpolation (marching triangles: one segment at most per triangle, so no
    /// ambiguous cell). A triangle with a corner where r is not finite is left out. For x0² + x1² − 1 on
    /// [−2, 2]² the points lie within 10⁻³ of the unit circle.
    /// </summary>
    internal static List<(Coordinates A, Coordinates B)> LevelSet(
        Func<double, double, double> r, double x0Min, double x0Max, double x1Min, double x1Max, int cells = 120)
    {
        var segments = new List<(Coordinates, Coordinates)>();
        if (!(x0Max > x0Min) || !(x1Max > x1Min)) return segments;
        var (hx, hy) = ((x0Max - x0Min) / cells, (x1Max - x1Min) / cells);
        var v = new double[cells + 1, cells + 1];
        for (var i = 0; i <= cells; i++)
            for (var j = 0; j <= cells; j++)
                v[i, j] = r(x0Min + i * hx, x1Min + j * hy);
        Coordinates At(int i, int j) => new(x0Min + i * hx, x1Min + j * hy);
        void Triangle((int I, int J) p, (int I, int J) q, (int I, int J) t)
        {
            var corners = new[] { p, q, t };
            if (corners.Any(c => !double.IsFinite(v[c.I, c.J]))) return;
            var zeros = new List<Coordinates>(2);
            for (var e = 0; e < 3; e++)
            {
                var (a, b) = (corners[e], corners[(e + 1) % 3]);
                var (va, vb) = (v[a.I, a.J], v[b.I, b.J]);
                if (va < 0 == vb < 0) continue;
                var f = va / (va - vb);
                var (ca, cb) = (At(a.I, a.J), At(b.I, b.J));
                zeros.Add(new Coordinates(ca.X + f * (cb.X - ca.X), ca.Y + f * (cb.Y - ca.Y)));
            }
            if (zeros.Count == 2) segments.Add((zeros[0], zeros[1]));
        }
        for (var i = 0; i < cells; i++)
            for (var j = 0; j < cells; j++)
            {
                Triangle((i, j), (i + 1, j), (i + 1, j + 1));
                Triangle((i, j), (i + 1, j + 1), (i, j + 1));
            }
        return segments;
    }

    /// <summary>The gap between a stack's data areas and its legend, and from the legend to the figure's edge.</summary>
    private const int LegendGap = 20;

    /// <summary>The offset of ScottPlot's legend shadow beyond the legend's box (3 pixels right and down).</summary>
    private const int LegendShadow = 3;

    /// <summary>The top padding of a stack's first panel (its two-line title): the legend starts level with its data area.</summary>
    private const int StackTop = 62;

    /// <summary>
    /// A single-panel figure as wide as its data area plus its measured legend, and tall enough for the
    /// legend's one column (ScottPlot's legend panel beside the data area is as tall as the data area).
    /// </summary>
    private static Figure Single(string name, Plot plot)
    {
        Image legend;
        lock (Rendering.Gate)
            legend = plot.Legend.GetImage();
        return new Figure(name, [TitleFit.Install(DashFree.Install(plot))], Width + legend.Width + 20, Math.Max(Height, legend.Height + 160));
    }

    /// <summary>
    /// A legend laid out as one column at its natural size, whatever room it is given: ScottPlot's wrapping
    /// layout breaks a legend taller than the data area into columns, wider than the panel measured for
    /// it, and the right column is then cut at the figure's edge.
    /// </summary>
    internal sealed class OneColumn : ILegendLayout
    {
        private readonly ScottPlot.LegendLayouts.Wrapping wrapping = new();

        public LegendLayout GetLayout(Legend legend, LegendItem[] items, PixelSize maxSize, Paint paint)
        {
            var uniform = wrapping.GetLayout(legend, items, PixelSize.Infinity, paint);
            if (items.Length == 0) return uniform;
            // ScottPlot gives every entry the height of the tallest label: one three-line entry spread seven
            // one-line entries 50 pixels apart, a legend as tall as the plot. Each entry is restacked at its
            // own label's height (ScottPlot has no option for it, so the rows are placed here).
            var heights = items.Select(item => item.LabelStyle.Measure(item.LabelText, paint).Height).ToArray();
            var (labels, symbols) = (new PixelRect[items.Length], new PixelRect[items.Length]);
            var top = uniform.LabelRects[0].Top;
            for (var k = 0; k < items.Length; k++)
            {
                var (l, m) = (uniform.LabelRects[k], uniform.SymbolRects[k]);
                labels[k] = new PixelRect(l.Left, l.Right, top + heights[k], top);
                symbols[k] = new PixelRect(m.Left, m.Right, top + heights[k], top);
                top += heights[k] + legend.InterItemPadding.Bottom;
            }
            var bottom = labels[^1].Bottom + legend.Padding.Bottom;
            return new LegendLayout
            {
                LegendItems = uniform.LegendItems,
                LegendRect = new PixelRect(uniform.LegendRect.Left, uniform.LegendRect.Right, bottom, uniform.LegendRect.Top),
                LabelRects = labels,
                SymbolRects = symbols,
            };
        }
    }

    /// <summary>
    /// The largest magnitude of component <paramref name="component"/> of the start points and the target:
    /// the scale below which that axis' range is rounding noise (<see cref="Box.Padded"/>, <see cref="FlatAxis"/>).
    /// Per component, since components may differ by many decades (1e8·x0 beside 1e-8·x1²).
    /// </summary>
    internal static double Scale(IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target, int component) =>
        runs.Select(r => points(r).Count > 0 && component < points(r)[0].Length ? points(r)[0][component] : double.NaN)
            .Append(target is not null && component < target.Length ? target[component] : double.NaN).Where(double.IsFinite)
            .Select(Math.Abs).DefaultIfEmpty(0).Max();

    /// <summary>
    /// The problem's scale: the largest <see cref="Scale"/> of components 0 … <paramref name="count"/> − 1 (the
    /// largest magnitude of any component of the start points and the target); 0 when every one is 0.
    /// </summary>
    internal static double ProblemScale(IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target, int count) =>
        Enumerable.Range(0, count).Select(j => Scale(runs, points, target, j)).DefaultIfEmpty(0).Max();

    /// <summary>
    /// The magnitude a component's axis is measured against (<see cref="Box.Padded"/>, <see cref="FlatAxis"/>):
    /// its own <see cref="Scale"/>, or, where that is 0 (every start and the target are exactly 0 in it), the
    /// problem's <paramref name="problemScale"/>, or the component's <paramref name="natural"/> scale where that is
    /// smaller (x-space: the distance it must move to change y by the outputs' scale, <see cref="NaturalScales"/>).
    /// A component with no magnitude of its own was measured
    /// against its values alone: heat1d-inverse's x0 (start 0, x* = 0), which Newton's solve moves by
    /// 6E-13 beside cells of 2, was drawn over its whole panel, rounding noise magnified as if the cell moved;
    /// against the problem's scale alone, a component that starts at 0 and needs to move only 1E-09 to change y by
    /// as much as the others (a column of J of 1E+12) was drawn flat beside one at 1000.
    /// </summary>
    internal static double ComponentScale(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target, int component, double problemScale,
        Func<int, double>? natural = null)
    {
        var own = Scale(runs, points, target, component);
        var s = natural?.Invoke(component) ?? double.NaN;
        // An x* that is rounding noise of the component's natural scale where every start is 0 (x1* = −8.6E-22 of a
        // solve whose x1 is 0 but for rounding, beside a natural scale of 0.5) is no magnitude of its own.
        var starts = Scale(runs, points, null, component);
        if (own > 0 && starts == 0 && s > 0 && own <= NumberText.NoiseRatio * Math.Min(s, problemScale)) own = 0;
        if (own > 0) return own;
        return s > 0 && s < problemScale ? s : problemScale;
    }

    /// <summary>
    /// The spread a flat axis hides in component <paramref name="component"/>: the range (largest − least) of its
    /// values (the finite points of the runs that do not explode, and the target's), when
    /// they vary but by no more than <see cref="FlatAxis"/>'s 10⁻⁹ of <paramref name="scale"/> (so its panel is
    /// drawn flat); 0 when they do not vary or vary more. The axis label then says how much was flattened
    /// (<see cref="AxisLabel"/>), so a flat line never claims the values were constant.
    /// </summary>
    internal static double HiddenSpread(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target, int component, bool[] exploding, double scale)
    {
        var values = runs.Where((_, i) => !exploding[i]).SelectMany(points).Where(p => component < p.Length).Select(p => p[component])
            .Concat(target is not null && component < target.Length ? [target[component]] : []).Where(double.IsFinite).ToArray();
        if (values.Length == 0 || FlatAxis(values, scale) is null) return 0;
        var (lo, hi) = (values.Min(), values.Max());
        return hi - lo;
    }

    /// <summary>
    /// The components of <paramref name="shown"/> whose values (every finite point of every run that does not
    /// explode, and the target's) are all rounding noise, at most <see cref="NumberText.NoiseRatio"/> (2⁻⁴²) of
    /// the scale (in y-space no more than the component's <paramref name="terms"/> scale, <see cref="TermScales"/>; with <paramref name="ownScale"/>, for x-space, the component's own <see cref="Scale"/> where it is
    /// not 0, so a nonzero x* in it is never noise; else the problem's), each with the problem's scale: the tables' rule for a computed vector's noise (<see cref="NumberText.IsNoise"/>:
    /// against the vector's largest magnitude, capped by the problem's, here the largest magnitude of every
    /// component of the start points and the target). Their panel is drawn flat with axis ticks at the problem's
    /// scale (<see cref="FlatAxis"/>): on x0³/10 + Δx with x* = (1, 0, −1, 0, 1) the x1 and x3 panels spread
    /// ±4E-16 over the whole panel, as if those cells moved as much as the others. Empty when the problem's
    /// scale is 0 (nothing to compare with).
    /// </summary>
    internal static Dictionary<int, double> RoundingOnly(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target, int[] shown, bool[] exploding,
        bool ownScale = false, Func<int, double>? natural = null, Func<int, double>? terms = null)
    {
        var count = shown.Length == 0 ? 0 : shown.Max() + 1;
        var problemScale = ProblemScale(runs, points, target, count);
        var dataScale = runs.Where((_, i) => !exploding[i]).SelectMany(points).SelectMany(p => p).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var flat = new Dictionary<int, double>();
        if (!(problemScale > 0)) return flat;
        foreach (var j in shown)
        {
            var values = runs.Where((_, i) => !exploding[i]).SelectMany(points).Where(p => j < p.Length).Select(p => p[j])
                .Concat(target is not null && j < target.Length ? [target[j]] : []).Where(double.IsFinite).ToArray();
            // Noise is what arithmetic leaves where every run starts at exactly 0: a component that starts
            // elsewhere holds values of its own however small beside the others (y1 = 1E-8·x1² from 9E-8
            // beside y0 ≈ 3E+8 was drawn flat, a genuinely varying axis called rounding only).
            var startsAtZero = runs.All(r => points(r).Count == 0 || j >= points(r)[0].Length || points(r)[0][j] == 0);
            // With ownScale (x-space) measured against the component's own magnitude (its start and x*) where it has one: x0* = 1E-8
            // beside x1* = 1E+8 is a real extent, not the other axis' rounding ("x0 (flat: rounding only)" drew
            // 1E-8·x0's solution as noise). Only a component that is exactly 0 at every start and at the target
            // (x* = 0, moved by the others' arithmetic) is judged against the problem's scale. In y-space a target is
            // often P(x_true) computed with rounding (heat1d-inverse's y0* = −7E-17 beside cells of 2), so y stays
            // with the problem's scale.
            // A component 0 at every start and at the target is judged against its natural scale where that is smaller
            // (ComponentScale).
            var own = ownScale ? ComponentScale(runs, points, target, j, problemScale, natural) : problemScale;
            // In y-space, no more than the scale of the terms the component is made of (TermScales): y0 = 1E-08·x0
            // reaching y0* = 1E-08 is judged against its own 1E-08, not y1's 2E+12.
            if (terms?.Invoke(j) is double t && t > 0 && double.IsFinite(t)) own = Math.Min(own, t);
            if (startsAtZero && IsRoundingOnly(values, own, dataScale))
                flat[j] = problemScale;
        }
        return flat;
    }

    /// <summary>
    /// The one decision every plot makes of values that may be rounding noise only (a stacked panel's
    /// component, an axis of a plane, the loss): true when some value is not 0 and every one is at most
    /// <see cref="NumberText.NoiseRatio"/> (2⁻⁴²) of the smaller of the problem's scale (the start's and the
    /// target's magnitude) and the data's; such a panel is drawn flat at the problem's scale (<see cref="FlatAxis"/>)
    /// and labelled by <see cref="AxisLabel"/>. Noise around a value of the problem's own size (1 ± 1E-16)
    /// is flat by FlatAxis' relative rule already, and values all 0 are flat as they are.
    /// </summary>
    internal static bool IsRoundingOnly(IReadOnlyCollection<double> values, double problemScale, double dataScale) =>
        problemScale > 0 && values.Any(v => v != 0) && values.All(v => Math.Abs(v) <= NumberText.NoiseRatio * Math.Min(problemScale, dataScale));

    /// <summary>
    /// An axis label, with "(flat: rounding only)" when its values are rounding noise (<see cref="IsRoundingOnly"/>),
    /// or "(flat: spread s)" when a flat axis hides values spread over <paramref name="hidden"/> (<see cref="HiddenSpread"/>)
    /// that are not rounding only by that rule: x0 (flat: spread 6.7E-13).
    /// </summary>
    internal static string AxisLabel(string name, bool roundingOnly, double hidden = 0) =>
        roundingOnly ? $"{name} (flat: rounding only)" : hidden > 0 ? $"{name} (flat: spread {NumberText.Short(hidden, 2)})" : name;

    // targetX: x* where known, so that a run's distance travelled is judged against the distance to x* as
    // in the x- and y-space plots. Without it, PG's leap from x0 = 1E-200 to 0.98 (towards x* = 1) was
    // measured against GD's 2E-202 steps and drawn as "explodes, off the plot" while its loss fell.
    private static Figure LossFigure(IReadOnlyList<OptimizerRun> runs, string? problem, double[]? targetX = null)
    {
        var exploding = Exploding(runs, targetX);
        // Each run draws a bounded number of its losses (DrawnLosses), each at its own iteration.
        var shown = runs.Select(DrawnLosses).ToArray();
        var far = FarPoints(runs, targetX, shown);
        // ScottPlot draws linear axes: plot log₁₀ L and label the ticks as powers of ten, unless the plotted
        // range holds fewer than two powers of ten (a span under a decade, or one decade or less across a
        // power) or a loss is negative: a log axis would then carry one labelled tick or none, and L is
        // drawn on a linear axis (E-notation labels) instead.
        // A loss of +∞ stays in the curve (as +∞), so the run is cut where it overflows and marked there,
        // not ended silently at its last finite loss; 0, a negative loss or NaN end the log curve.
        // A loss that overflowed doubles with a finite residual is drawn at its carried log₁₀ L (OptimizerRun.LossLog10).
        // Runs of lengths more than tenfold apart share a log iteration axis (LogIterationAxis), as train's steps.
        var logIterations = LogIterationAxis(runs.Select(r => r.Iterations));
        (double X, double Y)[][] Curves(Func<OptimizerRun, int, double> value) => runs.Select((r, i) => shown[i]
            .Select(e => (IterationX(r.LossIterationAt(e), logIterations), value(r, e))).TakeWhile(p => !double.IsNaN(p.Item2)).ToArray()).ToArray();
        // A loss below doubles (0 or subnormal as a double, ½(1E-200)² = 5E-401) is drawn at its carried log₁₀ L too
        // (OptimizerRun.LossBelowDoubles), never as a 0 that ends the curve.
        var logs = Curves((r, e) => r.Losses[e] is var l && (l > 0 && !double.IsNaN(l) || r.LossBelowDoubles(e)) ? r.LossLog10(e) : double.NaN);
        // An exploding run is drawn up to where it leaves a range that may grow by half its extent to hold it (ExplodingReach).
        var logBox = PlotBox(exploding, logs, null, 0, far, explodingRoom: ExplodingRoom);
        var negative = runs.Where((r, i) => !exploding[i]).Any(r => r.Losses.Any(l => l < 0));
        // Without a single positive loss there is nothing for a log axis to show: its range would be the
        // made-up (0, 1) of an empty box (losses of exactly 0 everywhere drew 0.75 … 15 with the runs'
        // zero markers at about 0.85, read as L ≈ 0.85); L is then drawn as it is, on a linear axis.
        var positive = logs.Any(c => c.Length > 0);
        // Losses of rounding noise only (every run starts at y* to rounding: L ≈ 1E-32 beside y ≈ 1) are drawn
        // flat at the problem's scale, as a panel of x or y: the rule is IsRoundingOnly's on ‖y − y*‖ = √(2L),
        // the distance the default loss ½‖y − y*‖² measures, against the outputs' magnitude (times √m, the
        // norm of a vector of m such entries).
        var lossScale = LossNoiseScale(runs, exploding);
        // Losses beyond doubles exist only as logarithms: a log axis whenever one of them is in the plotted
        // range. One that lies off the plot (gd:100 on x0; x1² overflowing at iteration 4, long after leaving
        // the range of its start's L = 5) is drawn as the +∞ of its double, cut on the range's edge as any
        // loss that leaps far, and leaves the axis to the losses the range holds.
        var overflowInRange = InRange(exploding, logs, far).Any(ik => runs[ik.Run] is var r && r.LossOverflowed
            && double.IsPositiveInfinity(r.Losses[shown[ik.Run][ik.Point]]));
        // Likewise a loss below doubles: on a linear axis it is drawn as the 0 of its double ("L = 0").
        var belowDoubles = runs.Where((_, i) => !exploding[i]).Any(r => r.LossUnderflowed);
        var linear = !overflowInRange && !belowDoubles && (negative || !positive || lossScale is not null || PowersOfTen(logBox.YMin, logBox.YMax).Length < 2);
        var curves = linear
            ? Curves((r, e) => r.Losses[e])
            : logs;
        // A loss of exactly 0 (a method that hits the target) has no logarithm: on a log axis each run's
        // first zero is drawn at the bottom edge, and its legend entry says so.
        // A loss carried below doubles is no zero (its double is 0, its value is not).
        var zeroAt = runs.Select(r => ZeroAt(r.LossUnderflowed ? r.Losses.Select((l, e) => r.LossBelowDoubles(e) ? double.Epsilon : l).ToArray() : r.Losses)
            is var z and >= 0 ? r.LossIterationAt(z) : -1).ToArray();
        var title = problem is null ? "loss" : $"loss: {problem}";
        // A loss of 0 at every iteration of every run is said in words too: a flat line at 0 alone could be
        // read as a plot that failed to draw.
        if (!positive && runs.Any(r => r.Losses.Count > 0) && runs.All(r => r.Losses.All(l => l == 0)))
            title += "\nL = 0 at every iteration of every run";
        // A log axis ends at labelled decades (LabelledDecades), so every loss drawn lies between two labels: gd's flat
        // L = 2 lay below the lowest label 1E+2, newton's 6.7E-29 below 1E-25 with the axis running on unlabelled to 1E-30.
        // Rounded out from the points padded by 2% only: the rounding adds the margin (the usual 6% took newton's 6.7E-29 past
        // 1E-30, and the axis on to 1E-35).
        var decades = linear ? null : LabelledDecades(PlotBox(exploding, logs, null, 0, far, explodingRoom: ExplodingRoom, padding: 0.02),
            exploding, logs, InRange(exploding, logs, far).Select(ik => logs[ik.Run][ik.Point]));
        if (decades is { } d) logBox = logBox with { YMin = d.Min, YMax = d.Max };
        var box = IterationBox(linear ? PlotBox(exploding, curves, null, lossScale ?? 0, far, explodingRoom: ExplodingRoom) : logBox, runs.Select(r => r.Iterations).DefaultIfEmpty(0).Max(), logIterations);
        var paths = DrawnPaths(curves, box, exploding);
        var drawn = Drawn(paths, box, runs.Count, curves);
        var leaders = LegendLeaders([(paths, box)], runs);
        // A loss of exactly 0 on a log axis is drawn on a row of its own, ZeroGap(…) decades below the lowest decade
        // of the positive losses and labelled "0", below a break in the axis: at the box's bottom edge, gd's
        // 9.5E-2 set that edge and pg's exact solve was marked at 7E-2, no better than gd's unfinished run.
        // The positive losses stay clipped to their own range (box): a run that leaves it downwards is cut at its
        // bottom, above the break, never on the row of 0, and the shading below that range ends at the break.
        var zeroRow = !linear && zeroAt.Any(z => z >= 0) ? ZeroRow.Below(box) : (ZeroRow?)null;
        var plot = Panel(runs, curves, box, null, "target", title, IterationAxisLabel("iteration", logIterations),
            linear ? AxisLabel("L", lossScale is not null) : "L (log scale)",
            iterationAxis: true, scale: lossScale ?? 0, exploding, far, Groups(drawn), leaders, partners: Partners(paths, box, drawn, leaders, curves),
            zeroAt: linear ? null : zeroAt, iterationOf: (i, k) => runs[i].LossIterationAt(shown[i][k]), logIterations: logIterations, zeroRow: zeroRow);
        if (!linear)
        {
            var limits = plot.Axes.GetLimits();
            // Decades are labelled inside the plotted range only: the margins beyond it are the shaded bands where a run is
            // cut, and the margin below it the break above the row of 0, where a label (1E-3 of gd's 7E-3 … 1 beside newton's
            // exact 0) named a decade no run is drawn at, in the band that says "off the plot".
            // A label is kept a twenty-fifth of the axis clear of the range's edges, so none straddles a band's border
            // (1E+1 three pixels under the top band beside gd's 7.2), unless that leaves fewer than two.
            // Where the range ends at labelled decades (LabelledDecades), its ends are labelled: a label there sits on the
            // band's border, naming the decade where a run is cut, inside no band.
            var margin = 0.04 * (limits.Top - limits.Bottom);
            var ticks = decades is { } dd ? LogTicks(dd.Min, dd.Max, dd.Step)
                : PowersOfTen(box.YMin + margin, box.YMax - margin).Length >= 2 ? LogTicks(box.YMin + margin, box.YMax - margin) : LogTicks(box.YMin, box.YMax);
            if (zeroRow is { } row)
            {
                ticks.AddMajor(row.Y, "0");
                // The break: a grey band between the row of 0 and the lowest decade of the positive losses.
                var band = plot.Add.Rectangle(limits.Left, limits.Right, row.Y + 0.3 * row.Gap, row.Break);
                band.FillColor = Colors.Gray.WithAlpha(0.25);
                band.LineWidth = 0;
                band.LegendText = "";
                plot.MoveToBack(band);
            }
            plot.Axes.Left.TickGenerator = ticks;
        }
        else if (!negative && positive && plot.Axes.GetLimits() is var limits && limits.Bottom < 0)
            // No loss drawn is negative: the axis's margin below the lowest stops at 0 rather than showing
            // values (−0.5) the loss never takes. Losses of exactly 0 everywhere keep 0 inside the axis, so
            // that their line is not drawn on the frame.
            plot.Axes.SetLimitsY(0, limits.Top);
        return Single("loss", plot);
    }

    /// <summary>How many decades below the lowest decade of the positive losses the loss plot's row of exact zeros lies,
    /// for positive losses spanning <paramref name="decades"/>: at least 2, else a fifth of that span (whole decades),
    /// so the row stays apart from the data on a plot of 300 decades as on one of 2.</summary>
    internal static double ZeroGap(double decades) => Math.Max(2, Math.Ceiling(0.2 * (double.IsFinite(decades) ? decades : 0)));

    /// <summary>
    /// The loss plot's row of exact zeros on a log axis, in log₁₀ L: at <paramref name="Y"/>, <paramref name="Gap"/> decades
    /// (<see cref="ZeroGap"/>) below the lowest whole decade of the positive losses' range, with the axis' break drawn
    /// over the middle of that gap, up to <see cref="Break"/>. Everything from the row up to the break belongs to the row:
    /// the shading of the margin below the positive range (<see cref="ShadeOutside"/>) ends at the break, so that it never
    /// lies on the row (a run exploding beside newton's exact 0 shaded the row's lower half, its marker on the band's edge).
    /// </summary>
    internal readonly record struct ZeroRow(double Y, double Gap)
    {
        /// <summary>The top of the axis' break (log₁₀ L), above the row by 0.7 of the gap.</summary>
        public double Break => Y + 0.7 * Gap;

        /// <summary>The row for positive losses plotted over <paramref name="box"/> (log₁₀ L).</summary>
        public static ZeroRow Below(Box box)
        {
            var gap = ZeroGap(box.YMax - box.YMin);
            return new ZeroRow(Math.Floor(box.YMin) - gap, gap);
        }
    }

    /// <summary>
    /// The most losses a run's curve in the loss plot draws: 2¹⁴ = 16 384, four per stretch of 4 096
    /// stretches, more than the plot's pixel columns (ScottPlot's own Signal plots reduce a series the same way, to each
    /// pixel column's extremes; the curves here stay scatter lines, which the clipping, the far-point
    /// edges and the coincidence styling work on). A run of up to 16 384 recorded losses draws every one.
    /// </summary>
    internal const int DrawnLossLimit = 1 << 14;

    /// <summary>
    /// The indices into <see cref="OptimizerRun.Losses"/> that the loss plot draws, ascending: all of them
    /// when there are at most <see cref="DrawnLossLimit"/>; otherwise the iterations 0 … last are cut into
    /// <see cref="DrawnLossLimit"/>/4 equal stretches and each draws its first, least, greatest and last loss
    /// (in iteration order, one each when they coincide), so the drawn line has every spike and dip
    /// of the recorded ones and its ends. At most <see cref="DrawnLossLimit"/> indices.
    /// </summary>
    internal static int[] DrawnLosses(OptimizerRun run)
    {
        var count = run.Losses.Count;
        if (count <= DrawnLossLimit) return [.. Enumerable.Range(0, count)];
        const int stretches = DrawnLossLimit / 4;
        var span = run.LossIterationAt(count - 1) + 1.0;
        var drawn = new List<int>(DrawnLossLimit);
        for (var first = 0; first < count;)
        {
            var s = (int)(run.LossIterationAt(first) * (double)stretches / span);
            var (lo, hi, last) = (first, first, first);
            while (last + 1 < count && (int)(run.LossIterationAt(last + 1) * (double)stretches / span) == s)
            {
                last++;
                if (run.Losses[last] < run.Losses[lo]) lo = last;
                if (run.Losses[last] > run.Losses[hi]) hi = last;
            }
            // A non-finite loss ends a run: it is the last, and drawn as such.
            drawn.AddRange(new[] { first, lo, hi, last }.Distinct().Order());
            first = last + 1;
        }
        return [.. drawn];
    }

    /// <summary>
    /// The loss's scale, ½S² with S = √m·max |yᵢ| of the runs' starts, when every loss of the runs that do not
    /// explode is rounding noise (<see cref="IsRoundingOnly"/> on √(2L) against S and the outputs' magnitude);
    /// else null. A negative or non-finite loss (a loss of its own) is never noise.
    /// </summary>
    private static double? LossNoiseScale(IReadOnlyList<OptimizerRun> runs, bool[] exploding)
    {
        var kept = runs.Where((_, i) => !exploding[i]).ToArray();
        var losses = kept.SelectMany(r => r.Losses).ToArray();
        if (losses.Length == 0 || !losses.All(l => l >= 0 && double.IsFinite(l))) return null;
        var m = kept.Select(r => r.Outputs.Count > 0 ? r.Outputs[0].Length : 0).DefaultIfEmpty(0).Max();
        double Magnitude(IEnumerable<double[]> ys) => Math.Sqrt(m) * ys.SelectMany(y => y).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        var problemScale = Magnitude(kept.Where(r => r.Outputs.Count > 0).Select(r => r.Outputs[0]));
        var dataScale = Magnitude(kept.SelectMany(r => r.Outputs));
        // √(2L) of a loss below doubles from its carried logarithm (OptimizerRun.LossBelowDoubles): ½(1E-200)² is 0 as a
        // double, which read as "every loss is rounding noise" beside outputs of size 1E-200.
        var residuals = kept.SelectMany(r => r.Losses.Select((l, e) => r.LossBelowDoubles(e) ? Math.Pow(10, (r.LossLog10(e) + Math.Log10(2)) / 2) : Math.Sqrt(2 * l)));
        return IsRoundingOnly(residuals.ToArray(), problemScale, dataScale) ? 0.5 * problemScale * problemScale : null;
    }

    /// <summary>
    /// The iteration of a run's first loss of exactly 0 after positive ones, −1 if none (a NaN or negative loss
    /// first). +∞ counts as positive: a run stops at a +∞ it cannot carry, so a 0 after one follows losses that
    /// overflowed doubles with a finite residual (ig at η = 1 from ½(1E+200)² to 0 in one step).
    /// </summary>
    internal static int ZeroAt(IReadOnlyList<double> losses)
    {
        var k = losses.TakeWhile(l => l > 0).Count();
        return k < losses.Count && losses[k] == 0 ? k : -1;
    }

    /// <summary>The whole powers of ten (their exponents) in the log₁₀ range [<paramref name="min"/>, <paramref name="max"/>].</summary>
    internal static int[] PowersOfTen(double min, double max)
    {
        if (!(double.IsFinite(min) && double.IsFinite(max)) || max < min) return [];
        var (lo, hi) = ((int)Math.Ceiling(min), (int)Math.Floor(max));
        return hi < lo ? [] : Enumerable.Range(lo, hi - lo + 1).ToArray();
    }

    /// <summary>The decades between labels of a log axis, the first that gives at most ten steps (<see cref="LogTicks"/>).</summary>
    internal static readonly int[] DecadeSteps = [1, 2, 5, 10, 20, 50, 100, 200, 500];

    /// <summary>
    /// The log loss axis' range (log₁₀ L) widened or narrowed to labelled decades, multiples of the label step s (the first of
    /// <see cref="DecadeSteps"/> that gives at most ten steps over the result), so that every loss drawn lies between the
    /// lowest and the highest label, with the step s: each end of <paramref name="box"/> goes out to the next multiple of s,
    /// except where that would take in a point of an exploding run beyond the range (the run is cut at the range, and the
    /// range must not grow over where it leaves): that end comes in to the multiple of s inside it, as long as it still
    /// holds <paramref name="kept"/> (the points that set the range: the runs that do not explode, every start). Null when
    /// no step does both (the range then keeps its ends, labelled inside).
    /// </summary>
    internal static (double Min, double Max, int Step)? LabelledDecades(Box box, bool[] exploding, (double X, double Y)[][] curves,
        IEnumerable<(double X, double Y)> kept)
    {
        if (!(double.IsFinite(box.YMin) && double.IsFinite(box.YMax) && box.YMax > box.YMin)) return null;
        var hold = Box.Of(kept);
        var beyond = Enumerable.Range(0, curves.Length).Where(i => exploding[i]).SelectMany(i => curves[i]).Select(p => p.Y).ToArray();
        var above = beyond.Where(y => y > box.YMax).DefaultIfEmpty(double.PositiveInfinity).Min();
        var below = beyond.Where(y => y < box.YMin).DefaultIfEmpty(double.NegativeInfinity).Max();
        foreach (var s in DecadeSteps)
        {
            var top = Math.Ceiling(box.YMax / s) * s;
            if (top >= above) top = Math.Floor(box.YMax / s) * s;
            var bottom = Math.Floor(box.YMin / s) * s;
            if (bottom <= below) bottom = Math.Ceiling(box.YMin / s) * s;
            if (top > bottom && top >= hold.YMax && bottom <= hold.YMin && (top - bottom) / s <= 10) return (bottom, top, s);
        }
        return null;
    }

    /// <summary>
    /// Ticks of a log₁₀ axis over [<paramref name="min"/>, <paramref name="max"/>]: labelled powers of ten
    /// (<c>1E-3</c>, <c>1E+400</c>) every 1, 2, 5, 10, … decades, at most about ten of them (every
    /// <paramref name="labelEvery"/> decades where given: <see cref="LabelledDecades"/>' step, whose ends it labels), and the minor ticks 2·10ᵏ … 9·10ᵏ
    /// when every decade is labelled. Used by compare's and train's loss plots where the range holds at
    /// least two powers of ten (else those plots are linear).
    /// </summary>
    internal static ScottPlot.TickGenerators.NumericManual LogTicks(double min, double max, int? labelEvery = null)
    {
        var powers = PowersOfTen(min, max);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        if (powers.Length == 0) return ticks;
        var step = labelEvery ?? DecadeSteps.FirstOrDefault(s => (powers[^1] - powers[0]) / s <= 10, 1000);
        foreach (var k in powers.Where(k => k % step == 0))
            // The exponent's sign always, as every E-notation the program prints (1.00002E+6, 1E-08): "1E400" read as
            // a typo beside "1E-3".
            ticks.AddMajor(k, $"1E{k.ToString("+0;-0;+0", CultureInfo.InvariantCulture)}");
        if (step == 1)
            for (var k = (int)Math.Floor(min); k <= max; k++)
                for (var m = 2; m <= 9; m++)
                    if (k + Math.Log10(m) is var at && at >= min && at <= max)
                        ticks.AddMinor(at);
        return ticks;
    }

    /// <summary>
    /// The note a run's legend entry carries for a figure of stacked panels: an exploding run leaves each
    /// panel at its own iteration, so the note names the first (and says each panel marks its own); a run
    /// with far points is off the plot at the iterations where it is outside any panel. An exploding run that leaves some
    /// panels only, all at one iteration, names them (<paramref name="names"/>, the panels' components): "off the x1 panel
    /// between iterations 0 and 1", as its other panels draw it whole (<see cref="ExplodingReach"/>: gd's x0 settling at
    /// 1 beside its x1 thrown to 2.4 was said to be "off the plot" in every panel).
    /// </summary>
    internal static string FigureNote(OptimizerRun run, ((double X, double Y)[] Curve, Box Box)[] panels, bool exploding, bool[] far, bool dwarfs = false,
        string[]? names = null)
    {
        var status = Status(run, exploding);
        if (exploding)
        {
            var exits = panels.Select((p, k) => (Clip: Clip(p.Curve, p.Box), Panel: k)).Where(c => c.Clip.Exit is not null)
                .Select(c => (Iteration: c.Clip.ExitIteration, c.Panel)).ToArray();
            if (exits.Length == 0) return status;
            var first = exits.Min(e => e.Iteration);
            if (exits.Any(e => e.Iteration != first))
                return status + $", first off the plot {Between(run, first)} (a cross marks where it leaves each panel)";
            if (exits.Length == panels.Length || names is null || names.Length != panels.Length) return status + $", off the plot {Between(run, first)}";
            return status + (exits.Length <= 3
                ? $", off the {MethodCatalog.JoinNames([.. exits.Select(e => names[e.Panel])])} panel{(exits.Length > 1 ? "s" : "")} {Between(run, first)}"
                : $", off {exits.Length} of {panels.Length} panels {Between(run, first)}");
        }
        if (!far.Any(f => f)) return status;
        var outside = panels.SelectMany(p => PiecesAt(p.Curve, p.Box).Outside).Distinct().Order().Select(k => IterationAt(run, k)).ToArray();
        return status + (outside.Length > 0 ? $", off the plot at {Ranges(outside)} (a triangle where it crosses the edge){(dwarfs ? DwarfsNote : "")}" : "");
    }

    /// <summary>
    /// What a run's legend entry says of how it ended, the same in every plot of a comparison: a diverged
    /// run "diverged at iteration k", k its exit's iteration (at 0, "diverged at the start: step 1 cannot be taken", as its stop says) (<see cref="ExitReason.Iteration"/>, where the
    /// optimiser stopped it: the one place the iteration is taken from, never a curve's length, which
    /// differs between x, y and the loss); a run that explodes without diverging (<see cref="Exploding"/>)
    /// "explodes"; a run whose step k left the problem's domain (<see cref="StopReason.LeftDomain"/>, exit
    /// iteration k − 1) "left the domain at iteration k", its curve drawn to its last defined point, which
    /// a ring marks; otherwise nothing.
    /// </summary>
    internal static string Status(OptimizerRun run, bool exploding) =>
        // At iteration 0 no step was taken: said as the stop says it ("step 1 cannot be taken"), not "diverged at iteration 0".
        run.StopReason == StopReason.Diverged && run.Exit.Iteration == 0 ? ", diverged at the start: step 1 cannot be taken"
        : run.StopReason == StopReason.Diverged ? $", diverged at iteration {run.Exit.Iteration}"
        : run.StopReason == StopReason.LeftDomain ? $", left the domain at iteration {run.Exit.Iteration + 1} (ring: last point inside)"
        : exploding ? ", explodes" : "";

    /// <summary>
    /// The left margin of stacked panels: room for the widest tick label of any panel (measured after a
    /// render at the panel's size, so the labels are the ones drawn), the axis label and the gaps between,
    /// at least 90 pixels; wide labels such as <c>1.0000000001E+300</c> would otherwise push the axis
    /// label out of the figure.
    /// </summary>
    internal static int LeftMargin(IReadOnlyList<Plot> panels, int panelHeight)
    {
        var widest = 0f;
        lock (Rendering.Gate)
        {
            using var paint = Paint.NewDisposablePaint();
            foreach (var panel in panels)
            {
                panel.RenderInMemory(StackDataWidth + 200, panelHeight);
                var axis = panel.Axes.Left;
                foreach (var tick in axis.TickGenerator.Ticks.Where(t => t.IsMajor && !string.IsNullOrEmpty(t.Label)))
                {
                    var style = new LabelStyle { Text = tick.Label, FontSize = axis.TickLabelStyle.FontSize, FontName = axis.TickLabelStyle.FontName };
                    widest = Math.Max(widest, style.Measure(paint).Width);
                }
            }
        }
        // The axis label's thickness across the axis: its font size per line (a label FitAxisLabel broke is two lines).
        var labelRoom = panels.Select(p => p.Axes.Left.Label).Select(l => l.FontSize * (1 + l.Text.Count(c => c == '\n'))).DefaultIfEmpty(0).Max();
        return Math.Max(90, (int)Math.Ceiling(widest + labelRoom + 30));
    }

    /// <summary>
    /// How close two curves may come everywhere and still be told apart in a plot, as a fraction of the
    /// plotted range on each axis (0.005 of a 600-pixel axis is 3 pixels, less than a line's width).
    /// </summary>
    internal const double Resolution = 0.005;

    /// <summary>
    /// Whether two curves coincide at plot resolution in <paramref name="box"/>: every point of the
    /// shorter within <see cref="Resolution"/> of the range of the same iteration's point of the other, so
    /// the curve drawn first would be hidden under the other. They must share a path: the shorter has two
    /// points at least, unless both are single points (then the same point). A run of one point (stopped at
    /// its start) shares only the start with every other run, which is no path: it is drawn as a marker of
    /// its own (<see cref="OnePointMarkerSize"/>), and was declared to overlap a run that went on.
    /// <paramref name="whole"/>: the curves must also be equally long (the legend's "coincides with"
    /// is said only of whole runs; a run that stops early on another's path is only styled apart).
    /// </summary>
    internal static bool Coincide((double X, double Y)[] a, (double X, double Y)[] b, Box box, bool whole = false)
    {
        var n = Math.Min(a.Length, b.Length);
        if (n == 0 || (whole && a.Length != b.Length) || (n == 1 && a.Length + b.Length > 2)) return false;
        var (sx, sy) = (box.XMax - box.XMin, box.YMax - box.YMin);
        for (var k = 0; k < n; k++)
        {
            var (p, q) = (a[k], b[k]);
            bool Same(double u, double v, double span) =>
                double.IsFinite(u) && double.IsFinite(v) ? Math.Abs(u - v) <= Resolution * span : u.Equals(v);
            if (!Same(p.X, q.X, sx) || !Same(p.Y, q.Y, sy)) return false;
        }
        return true;
    }

    /// <summary>
    /// The groups of coinciding runs, each led by its first run: <c>Leader[i]</c> is the run that run i
    /// coincides with (−1 for a leader), <c>Rank[i]</c> its place in its group (0 for the leader),
    /// <c>Size[i]</c> the group's size. <paramref name="same"/>[i, j] says whether runs i and j coincide.
    /// </summary>
    internal static (int[] Leader, int[] Rank, int[] Size) Groups(bool[,] same)
    {
        var n = same.GetLength(0);
        var leader = Enumerable.Repeat(-1, n).ToArray();
        var rank = new int[n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j < i; j++)
                if (leader[j] < 0 && same[i, j])
                {
                    leader[i] = j;
                    rank[i] = Enumerable.Range(0, i).Count(k => leader[k] == j) + 1;
                    break;
                }
        var size = Enumerable.Range(0, n).Select(i => 1 + Enumerable.Range(0, n).Count(k => leader[k] == (leader[i] < 0 ? i : leader[i]))).ToArray();
        return (leader, rank, size);
    }

    /// <summary>
    /// How near, as a fraction of the box's width and height, a point must lie to another run's drawn path to
    /// be hidden under its line: the widest line is 6.5 px on a data area of about 630 × 510 px, so a run within
    /// about 1% of another's path (at any iteration, not only the same one) is drawn inside that line's stroke.
    /// </summary>
    internal const double OverlapResolution = 0.01;

    /// <summary>
    /// Whether run <paramref name="b"/> is drawn over most of its length inside the stroke of
    /// <paramref name="a"/>'s line: at least three quarters of b's drawn length (measured on 16 pieces of
    /// each segment, <see cref="Distances"/>) lies within <see cref="OverlapResolution"/> of a's polyline,
    /// in the box's own units (a fraction of each side). Length, not points: hig's points bunched around x*
    /// met newton-cg's, lm's and gn's ends there while its lines ran apart from theirs, and sharing the start
    /// and the target is no overlap. Both must be paths of two finite points at least, and b of some length:
    /// a single point, or a run that never moved, is a marker, not a line anything is drawn under. Unlike <see cref="Coincide"/> the iterations need not match: gd at η = 0.001 walks the first
    /// tenth of gd's path at η = 0.01, under its line, and is as hidden as a run that coincides.
    /// </summary>
    internal static bool Overlaps((double X, double Y)[] a, (double X, double Y)[] b, Box box) =>
        MostlyWithin(Distances(a, b, box, samples: 16));

    /// <summary>
    /// Whether run <paramref name="b"/>'s curve against the iteration lies on <paramref name="a"/>'s: over three
    /// quarters at least of the way the two curves move between the iterations both recorded, b's value is within
    /// <see cref="OverlapResolution"/> of the box's height of a's value at the same iterations (<see cref="AtSameIterations"/>).
    /// The rule of a panel whose X is the iteration: there <see cref="Overlaps"/>' distance to a's polyline reached the
    /// segments between a's points, and gd at η = 3 on sin(x0), hopping ±0.748 at every iteration, drew a band
    /// of segments that adam's smooth fall to 0 lay inside (every segment crosses 0 half an iteration away),
    /// so adam was said to overlap gd, whose points it never came near. Weighed by movement, not by iterations:
    /// two runs that converge to one x* by different paths share a long flat tail, and two that part after the
    /// start share a first point; counted per iteration either made most of the curve "the same", and the legend
    /// said they overlap, though every stretch where a curve moves was drawn apart.
    /// </summary>
    internal static bool OverlapsAtIterations((double X, double Y)[] a, (double X, double Y)[] b, Box box) =>
        MostlyWithin(AtSameIterations(a, b, box));

    // Three quarters of b's weight (drawn length, or movement at shared iterations) lies within OverlapResolution of a.
    private static bool MostlyWithin((double Distance, double Weight)[]? d) =>
        d is not null && d.Sum(x => x.Weight) is var length && length > 0
        && d.Where(x => x.Distance <= OverlapResolution).Sum(x => x.Weight) >= 0.75 * length;

    /// <summary>
    /// For curves against the iteration (X the iteration, ascending), one entry per step between consecutive
    /// iterations both <paramref name="a"/> and <paramref name="b"/> recorded: the larger of the distances between
    /// their values at the step's two ends, as a fraction of the box's height, weighted by how far the two curves
    /// move over the step (|Δa| + |Δb|, a fraction of the height; the same for a and b, so the weighing is
    /// symmetric), so a stretch where neither moves (a shared converged tail, a shared start) weighs nothing.
    /// When neither moves at all, each step weighs 1 (two flat lines lie on one another or not). A value off the
    /// plot counts as at the edge it leaves through (±∞ too), so two runs that leave through the same edge at the
    /// same iterations are the same there, as they are drawn; NaN is the same as NaN only, and a step to or from
    /// NaN is not drawn (no weight). Null when either has fewer than two points or they share fewer than two
    /// iterations (one shared point, the start, is no shared path), or the box has no height. Linear in the
    /// curves' lengths (a merge of the two iteration lists), so no curve is thinned first.
    /// </summary>
    private static (double Distance, double Weight)[]? AtSameIterations((double X, double Y)[] a, (double X, double Y)[] b, Box box)
    {
        // A run of one point (stopped at its start) is a marker that shares only the start, no path (as in Overlaps).
        if (a.Length < 2 || b.Length < 2) return null;
        var sy = box.YMax - box.YMin;
        if (!(sy > 0)) return null;
        double Edge(double y) => double.IsNaN(y) ? y : Math.Clamp(y, box.YMin, box.YMax);
        var shared = new List<(double A, double B)>(Math.Min(a.Length, b.Length));
        for (int i = 0, k = 0; i < a.Length && k < b.Length;)
        {
            if (a[i].X < b[k].X) i++;
            else if (b[k].X < a[i].X) k++;
            else
            {
                shared.Add((Edge(a[i].Y), Edge(b[k].Y)));
                i++;
                k++;
            }
        }
        if (shared.Count < 2) return null;
        double Apart((double A, double B) p) => p.A.Equals(p.B) ? 0 : double.IsNaN(p.A - p.B) ? double.PositiveInfinity : Math.Abs(p.A - p.B) / sy;
        static double Moved(double from, double to, double sy) => Math.Abs(to - from) is var d && double.IsFinite(d) ? d / sy : 0;
        var steps = Enumerable.Range(1, shared.Count - 1).Select(m => (
            Distance: Math.Max(Apart(shared[m - 1]), Apart(shared[m])),
            Weight: Moved(shared[m - 1].A, shared[m].A, sy) + Moved(shared[m - 1].B, shared[m].B, sy))).ToArray();
        return steps.Sum(s => s.Weight) > 0 ? steps : [.. steps.Select(s => (s.Distance, 1.0))];
    }

    /// <summary>
    /// The distance from <paramref name="a"/>'s polyline of each of <paramref name="b"/>'s (finite, thinned)
    /// points, as a fraction of the box's sides, each with weight 1; with <paramref name="samples"/> &gt; 0,
    /// of the midpoints of <paramref name="samples"/> equal pieces of each of b's segments instead, each
    /// weighted by its length (so the weights add up to b's drawn length). Null when either is not a path
    /// of two finite points.
    /// </summary>
    private static (double Distance, double Weight)[]? Distances((double X, double Y)[] a, (double X, double Y)[] b, Box box, int samples = 0)
    {
        var (sx, sy) = (box.XMax - box.XMin, box.YMax - box.YMin);
        if (!(sx > 0) || !(sy > 0)) return null;
        // Every point is compared with every segment: a long curve is thinned to at most 200 points first.
        static (double X, double Y)[] Thin((double X, double Y)[] c, double sx, double sy) =>
            (c.Length <= 200 ? c : Enumerable.Range(0, 200).Select(k => c[(int)((long)k * (c.Length - 1) / 199)]).ToArray())
                .Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).Select(p => (p.X / sx, p.Y / sy)).ToArray();
        var (pa, pb) = (Thin(a, sx, sy), Thin(b, sx, sy));
        if (pa.Length < 2 || pb.Length < 2) return null;
        double Distance((double X, double Y) p)
        {
            var best = double.PositiveInfinity;
            for (var k = 1; k < pa.Length; k++)
            {
                var (u, v) = (pa[k - 1], pa[k]);
                var (dx, dy) = (v.X - u.X, v.Y - u.Y);
                var length2 = dx * dx + dy * dy;
                var t = length2 > 0 ? Math.Clamp(((p.X - u.X) * dx + (p.Y - u.Y) * dy) / length2, 0, 1) : 0;
                var (ex, ey) = (u.X + t * dx - p.X, u.Y + t * dy - p.Y);
                best = Math.Min(best, Math.Sqrt(ex * ex + ey * ey));
            }
            return best;
        }
        if (samples == 0) return pb.Select(p => (Distance(p), 1.0)).ToArray();
        return Enumerable.Range(1, pb.Length - 1).SelectMany(k =>
        {
            var (u, v) = (pb[k - 1], pb[k]);
            var weight = Math.Sqrt((v.X - u.X) * (v.X - u.X) + (v.Y - u.Y) * (v.Y - u.Y)) / samples;
            return Enumerable.Range(0, samples).Select(m =>
            {
                var t = (m + 0.5) / samples;
                return (Distance((u.X + t * (v.X - u.X), u.Y + t * (v.Y - u.Y))), weight);
            });
        }).ToArray();
    }

    /// <summary>
    /// The runs each run's legend entry says it "overlaps with" (none: an empty list). Overlap is a relation of
    /// pairs, the same whichever run is asked: two runs overlap in a panel when it styles them apart
    /// (<paramref name="drawn"/>, see <see cref="Drawn"/>: they coincide, or three quarters at least of one's drawn
    /// path, by length or by movement at the same iterations, lies within <see cref="OverlapResolution"/> of the
    /// other's, so the shorter lying along the longer counts, and sharing only a start or a converged tail, which
    /// have no length, does not). Each overlapping pair is named once: on the run whose path lies largely under the
    /// other's line (the hidden one), naming the run that covers it; where each covers the other, on the run drawn
    /// later (on top), naming the earlier; never where the legend calls them one run (<paramref name="coincidesWith"/>); a run that coincides with
    /// another is spoken for by that run's entry (gn coincides with ig, which overlaps pg: ig's entry names pg).
    /// A run that overlaps several names them all, the one along which the longest part of its own path lies first
    /// (<see cref="Distances"/> on 16 pieces of each segment, or <see cref="AtSameIterations"/> with
    /// <paramref name="iterations"/>; ties to the earlier run). The partner used to be chosen by the longest part
    /// along any run, overlapping or not: a run that only shared the start with another was said to overlap it, and
    /// the note sat now on the earlier, now on the later run of a pair.
    /// </summary>
    /// <returns>One list per run of the run indices its entry names, best partner first.</returns>
    internal static int[][] Partners((double X, double Y)[][] paths, Box box, bool[,] drawn, int[] coincidesWith, (double X, double Y)[][]? iterations = null)
    {
        var n = paths.Length;
        double Along(int i, int j) =>
            (iterations is null ? Distances(paths[j], paths[i], box, samples: 16) : AtSameIterations(iterations[j], iterations[i], box)) is { Length: > 0 } d
                ? d.Where(x => x.Distance <= OverlapResolution).Sum(x => x.Weight) : 0;
        // The run that speaks for i in the legend: i, or the run it coincides with (whose entry i's repeats).
        int Speaker(int i) => coincidesWith[i] >= 0 ? coincidesWith[i] : i;
        // Whether i's drawn path lies largely under j's line (Overlaps, OverlapsAtIterations: b along a).
        bool Covered(int i, int j) => iterations is null ? Overlaps(paths[j], paths[i], box) : OverlapsAtIterations(iterations[j], iterations[i], box);
        var lists = Enumerable.Range(0, n).Select(_ => new List<int>()).ToArray();
        for (var j = 0; j < n; j++)
            for (var i = 0; i < j; i++)
                if (drawn[i, j] && Speaker(i) is var a && Speaker(j) is var b && a != b)
                {
                    // The note goes to the run that is hidden, naming the run whose line covers it: gd's short path
                    // under newton's long one is gd's "overlaps with newton", not newton's "overlaps with gd" of a
                    // run that went on to (6, 5.6) alone. Covered both ways (or styled apart for coinciding), as before:
                    // on the later run, naming the earlier.
                    var (ij, ji) = (Covered(i, j), Covered(j, i));
                    var (earlier, later) = a < b ? (a, b) : (b, a);
                    var (hidden, cover) = ij && !ji ? (a, b) : ji && !ij ? (b, a) : (later, earlier);
                    if (!lists[hidden].Contains(cover)) lists[hidden].Add(cover);
                }
        return [.. lists.Select((l, i) => l.OrderByDescending(j => Along(i, j)).ThenBy(j => j).ToArray())];
    }

    /// <summary>
    /// The paths as drawn in <paramref name="box"/>: an exploding run's curve up to where it leaves the box,
    /// with the point where it crosses the edge (<see cref="Clip"/>), other runs' curves whole. Coincidence
    /// and overlap are judged on these: gd and hig leaving x0² through the same point between iterations 0
    /// and 1 were drawn one over the other, and their raw next points (far apart, off the plot) said they differed.
    /// </summary>
    internal static (double X, double Y)[][] DrawnPaths((double X, double Y)[][] curves, Box box, bool[] exploding) =>
        curves.Select((c, i) => exploding[i] && Clip(c, box) is (var kept, { } exit, _) ? [.. kept, exit] : c).ToArray();

    /// <summary>
    /// Which pairs of runs one panel must style apart: those that coincide (<see cref="Coincide"/>) and those
    /// whose lines overlap on the drawing (<see cref="Overlaps"/>, either way round), so that a later run is
    /// drawn narrower on top with its markers on other iterations rather than under the other's line. In a
    /// panel against the iteration, <paramref name="iterations"/> holds the runs' curves (unclipped) and
    /// overlap is judged on their values at the same iterations (<see cref="OverlapsAtIterations"/>).
    /// </summary>
    internal static bool[,] Drawn((double X, double Y)[][] curves, Box box, int runs, (double X, double Y)[][]? iterations = null)
    {
        var same = Coinciding([(curves, box)], runs);
        bool Over(int i, int j) => iterations is null ? Overlaps(curves[i], curves[j], box) : OverlapsAtIterations(iterations[i], iterations[j], box);
        for (var i = 0; i < runs; i++)
            for (var j = 0; j < runs; j++)
                same[i, j] |= i != j && (Over(i, j) || Over(j, i));
        return same;
    }

    /// <summary>Which pairs of runs coincide (<see cref="Coincide"/>) in every one of the panels given by their curves and boxes.</summary>
    internal static bool[,] Coinciding(IReadOnlyList<((double X, double Y)[][] Curves, Box Box)> panels, int runs, bool whole = false)
    {
        var same = new bool[runs, runs];
        for (var i = 0; i < runs; i++)
            for (var j = 0; j < runs; j++)
                same[i, j] = i != j && panels.All(p => Coincide(p.Curves[i], p.Curves[j], p.Box, whole));
        return same;
    }

    /// <summary>
    /// The run each run's legend entry says it "coincides with" (−1 for none, see <see cref="Groups"/>):
    /// whole runs that coincide in every panel given and are also the same in everything recorded
    /// (<see cref="SameState"/>), since the panels show a projection (a few components, or only the loss).
    /// </summary>
    private static int[] LegendLeaders(IReadOnlyList<((double X, double Y)[][] Curves, Box Box)> panels, IReadOnlyList<OptimizerRun> runs)
    {
        var plotted = Coinciding(panels, runs.Count, whole: true);
        var state = SameState(runs);
        for (var i = 0; i < runs.Count; i++)
            for (var j = 0; j < runs.Count; j++)
                plotted[i, j] &= state[i, j];
        return Groups(plotted).Leader;
    }

    /// <summary>
    /// Which pairs of runs are the same run in all that is recorded, not only in what a figure plots:
    /// equally long, and at every recorded point each component of x and of P(x) within
    /// <see cref="Resolution"/> of that component's range over the runs, and each loss within
    /// <see cref="Resolution"/> of the losses' range (in decades, at least one, where both are positive;
    /// else on a linear scale). A stack of panels draws a few components, and two runs alike in them may
    /// differ in the rest: on heat1d-inverse HIG's plotted cells lay on IG's while their final losses
    /// differed by 30%, and the legend said HIG coincided with IG.
    /// </summary>
    /// <returns><c>[i, j]</c> true when runs i and j (i ≠ j) are the same; n × n for n runs.</returns>
    internal static bool[,] SameState(IReadOnlyList<OptimizerRun> runs)
    {
        static double Span(IEnumerable<double> values)
        {
            var (min, max) = (double.PositiveInfinity, double.NegativeInfinity);
            foreach (var v in values)
                if (double.IsFinite(v)) (min, max) = (Math.Min(min, v), Math.Max(max, v));
            return max >= min ? max - min : 0;
        }
        static bool Near(double u, double v, double span) =>
            double.IsFinite(u) && double.IsFinite(v) ? Math.Abs(u - v) <= Resolution * span : u.Equals(v);
        double[] Spans(Func<OptimizerRun, IReadOnlyList<double[]>> points)
        {
            // Each component's finite range over every recorded point of every run, in one pass over the
            // points (a pass per component was quadratic in n: 0.7 s of a gn run at n = 10⁴).
            var width = runs.SelectMany(r => points(r)).Select(p => p.Length).DefaultIfEmpty(0).Max();
            var (min, max) = (new double[width], new double[width]);
            Array.Fill(min, double.PositiveInfinity);
            Array.Fill(max, double.NegativeInfinity);
            foreach (var run in runs)
                foreach (var p in points(run))
                    for (var c = 0; c < p.Length; c++)
                        if (double.IsFinite(p[c])) (min[c], max[c]) = (Math.Min(min[c], p[c]), Math.Max(max[c], p[c]));
            var spans = new double[width];
            for (var c = 0; c < width; c++) spans[c] = max[c] >= min[c] ? max[c] - min[c] : 0;
            // A component that stays at rounding noise (heat1d's x0 at 1e-15 while the others reach 2) is
            // judged against a millionth of the largest range, not its own noise.
            var floor = 1e-6 * spans.DefaultIfEmpty(0).Max();
            return spans.Select(v => Math.Max(v, floor)).ToArray();
        }
        static bool SamePoints(IReadOnlyList<double[]> a, IReadOnlyList<double[]> b, double[] spans)
        {
            if (a.Count != b.Count) return false;
            for (var k = 0; k < a.Count; k++)
            {
                if (a[k].Length != b[k].Length) return false;
                for (var c = 0; c < a[k].Length; c++)
                    if (!Near(a[k][c], b[k][c], spans[c])) return false;
            }
            return true;
        }
        var same = new bool[runs.Count, runs.Count];
        if (runs.Count < 2) return same;
        var (xSpans, ySpans) = (Spans(r => r.Trajectory), Spans(r => r.Outputs));
        var linearSpan = Span(runs.SelectMany(r => r.Losses));
        var decades = Math.Max(1, Span(runs.SelectMany(r => r.Losses).Where(l => l > 0).Select(Math.Log10)));
        bool SameLosses(OptimizerRun r, OptimizerRun q)
        {
            var (a, b) = (r.Losses, q.Losses);
            if (a.Count != b.Count) return false;
            // Thinned losses (Recording.MaxLosses) are compared at the same iterations only.
            if (r.LossIterations is not null || q.LossIterations is not null)
                for (var k = 0; k < a.Count; k++)
                    if (r.LossIterationAt(k) != q.LossIterationAt(k)) return false;
            for (var k = 0; k < a.Count; k++)
                if (!(a[k] > 0 && b[k] > 0 ? Near(Math.Log10(a[k]), Math.Log10(b[k]), decades) : Near(a[k], b[k], linearSpan)))
                    return false;
            return true;
        }
        for (var i = 0; i < runs.Count; i++)
            for (var j = 0; j < i; j++)
                same[i, j] = same[j, i] = SameLosses(runs[i], runs[j])
                    && SamePoints(runs[i].Trajectory, runs[j].Trajectory, xSpans) && SamePoints(runs[i].Outputs, runs[j].Outputs, ySpans);
        return same;
    }

    /// <summary>
    /// The part of a curve inside the box as polylines: each segment that leaves the box ends at the
    /// edge, each that comes back starts there, and the iterations of the points outside are listed.
    /// </summary>
    internal static (List<List<(double X, double Y)>> Pieces, List<int> Outside) Pieces((double X, double Y)[] curve, Box box)
    {
        var (pieces, outside) = PiecesAt(curve, box);
        return (pieces.Select(p => p.Select(q => q.Point).ToList()).ToList(), outside);
    }

    /// <summary><see cref="Pieces"/> with each point's iteration (−1 for a point on the edge, which gets no marker).</summary>
    private static (List<List<((double X, double Y) Point, int Iteration)>> Pieces, List<int> Outside) PiecesAt((double X, double Y)[] curve, Box box)
    {
        var pieces = new List<List<((double X, double Y) Point, int Iteration)>>();
        var outside = new List<int>();
        List<((double X, double Y) Point, int Iteration)>? current = null;
        for (var k = 0; k < curve.Length; k++)
        {
            var q = curve[k];
            var finite = double.IsFinite(q.X) && double.IsFinite(q.Y);
            var inside = finite && box.Contains(q);
            if (!inside) outside.Add(k);
            if (inside)
            {
                if (current is null)
                {
                    current = [];
                    pieces.Add(current);
                    var p = k > 0 ? curve[k - 1] : q;
                    // Coming back: the segment from the far point enters at the edge.
                    if (k > 0 && double.IsFinite(p.X) && double.IsFinite(p.Y))
                        current.Add((Clip([q, p], box).Exit ?? q, -1));
                }
                current.Add((q, k));
            }
            else if (current is not null)
            {
                if (finite) current.Add((Clip([current[^1].Point, q], box).Exit ?? current[^1].Point, -1));
                current = null;
            }
        }
        return (pieces, outside);
    }

    /// <summary>
    /// A run's name in a legend, in one form for every run: <c>gn (η = 0.3)</c>, and for a method run more
    /// than once, whose label is written as in <c>--methods</c> (<see cref="MethodCatalog.Labels"/>:
    /// <c>hig:0.3:kappa=-1</c>, <c>gd:0.01 #2</c>), the same form with that label's η and options:
    /// <c>hig (η = 0.3, kappa = -1)</c>, <c>gd (η = 0.01) #2</c>, and a method listed twice alike (<c>newton #2</c>)
    /// <c>newton (η = 1/3) #2</c>. A label of another form is kept, with η after it.
    /// Everywhere a plot names a run it uses this form: its entry, the runs its entry says it coincides or
    /// overlaps with, the target's note (<see cref="TargetPoint.DescriptionNaming"/>) and a field map's title;
    /// the table, the text and the JSON name runs by their label (<c>gd:0.01</c>), as the table's method column.
    /// One form with a run's <c>ToString()</c> (<see cref="OptimizerRun.NameWithStep"/>).
    /// </summary>
    internal static string LegendName(OptimizerRun run) => run.NameWithStep;

    /// <inheritdoc cref="LegendName(OptimizerRun)"/>
    internal static string LegendName(string label, string name, double eta) => OptimizerRun.NameWithStepOf(label, name, eta);

    /// <summary>
    /// Iterations as short ranges: <c>1, 3–5, 9</c>; beyond <see cref="MaxRanges"/> ranges the first of them
    /// and how many more up to which iteration (<c>1, 3–5, 9 and 40 more stretches to 2999</c>): a run that
    /// leaves the range again and again gave an entry of thousands of ranges, taller and wider than the plot.
    /// </summary>
    internal static string Ranges(IReadOnlyList<int> ks)
    {
        var parts = new List<string>();
        for (var a = 0; a < ks.Count;)
        {
            var b = a;
            while (b + 1 < ks.Count && ks[b + 1] == ks[b] + 1) b++;
            parts.Add(a == b ? $"{ks[a]}" : $"{ks[a]}–{ks[b]}");
            a = b + 1;
        }
        return parts.Count <= MaxRanges ? string.Join(", ", parts)
            : $"{string.Join(", ", parts.Take(MaxRanges - 1))} and {parts.Count - MaxRanges + 1} more stretches to {ks[^1]}";
    }

    /// <summary>
    /// The number of stretches a long curve is cut into for drawing (<see cref="Decimated"/>): about one per
    /// pixel column of a 720-pixel figure's data area.
    /// </summary>
    internal const int DecimationBuckets = 600;

    /// <summary>
    /// A curve of more than 4 × <see cref="DecimationBuckets"/> points thinned for drawing: cut into
    /// <see cref="DecimationBuckets"/> stretches of consecutive points, each kept by its first and last point
    /// and those of least and largest X and Y, in their order (min–max decimation, as plotting programs draw
    /// long signals per pixel column); so at most 6 × <see cref="DecimationBuckets"/> points, the curve's
    /// first and last point, its least and largest values and every spike stay, and the line drawn through
    /// them covers the same pixels. A shorter curve is returned whole. Hand-written: ScottPlot's
    /// <c>SignalXY</c> decimates only curves of increasing X, and a run of 3,000,000 iterations given whole
    /// to <c>Scatter</c> took minutes to draw (and an SVG of millions of points).
    /// </summary>
    internal static (double X, double Y)[] Decimated((double X, double Y)[] points)
    {
        var n = points.Length;
        if (n <= 4 * DecimationBuckets) return points;
        var kept = new List<(double X, double Y)>(6 * DecimationBuckets);
        Span<int> chosen = stackalloc int[6];
        for (var b = 0; b < DecimationBuckets; b++)
        {
            var (from, to) = ((int)((long)n * b / DecimationBuckets), (int)((long)n * (b + 1) / DecimationBuckets));
            int x0 = from, x1 = from, y0 = from, y1 = from;
            for (var k = from + 1; k < to; k++)
            {
                var p = points[k];
                if (p.X < points[x0].X) x0 = k;
                if (p.X > points[x1].X) x1 = k;
                if (p.Y < points[y0].Y) y0 = k;
                if (p.Y > points[y1].Y) y1 = k;
            }
            (chosen[0], chosen[1], chosen[2], chosen[3], chosen[4], chosen[5]) = (from, x0, x1, y0, y1, to - 1);
            chosen.Sort();
            for (var j = 0; j < chosen.Length; j++)
                if (j == 0 || chosen[j] != chosen[j - 1]) kept.Add(points[chosen[j]]);
        }
        return kept.ToArray();
    }

    /// <summary>The most ranges of iterations a legend entry lists one by one (<see cref="Ranges"/>).</summary>
    internal const int MaxRanges = 4;

    /// <summary>
    /// A legend entry's text in lines of at most <see cref="Training.LegendLine"/> characters: broken at the
    /// weakest break that fits (<see cref="Training.WrapTitle"/>: after a clause, a comma, a space), and a
    /// word longer than a line (a long rule name) cut into pieces of a line each. So the legend beside the
    /// data stays about 300 pixels wide however long the labels and notes (Rosenbrock's 6 runs at n = 10
    /// made a legend wider than the data area, in a figure 1750 pixels wide).
    /// </summary>
    internal static string LegendText(string text) =>
        string.Join("\n", Training.WrapTitle(text, Training.LegendLine).Split('\n')
            .SelectMany(line => line.Length <= Training.LegendLine ? [line] : line.Chunk(Training.LegendLine).Select(c => new string(c))));

    /// <summary>
    /// One plot of curves (one per run) with the target, in <paramref name="box"/> (<see cref="PlotBox"/>).
    /// Exploding runs are cut where they leave it and marked with a cross; runs with far points
    /// (<see cref="FarPoints"/>) are drawn to the edge and back. Runs that coincide here
    /// (<paramref name="groups"/>) stay visible: the first of a group is drawn widest, underneath, the
    /// later ones narrower, dashed, with markers on other iterations (a group of g marks every g-th point,
    /// each member from its own offset); <paramref name="coincidesWith"/> names in the legend the run a
    /// run coincides with in the whole figure.
    /// </summary>
    private static Plot Panel(
        IReadOnlyList<OptimizerRun> runs, (double X, double Y)[][] curves, Box box, (double X, double Y)? target, string targetLabel,
        string title, string xLabel, string yLabel, bool iterationAxis, double scale, bool[] exploding, bool[][] far,
        (int[] Leader, int[] Rank, int[] Size) groups, int[] coincidesWith, bool legend = true,
        string[]? notes = null, int[]? zeroAt = null, Func<int, int, int>? iterationOf = null, int[][]? partners = null, double? scaleX = null,
        bool logIterations = false, bool[]? dwarfs = null, ZeroRow? zeroRow = null)
    {
        var xScale = scaleX ?? scale;
        // The range the axes show: the plotted range, down to the row of exact zeros where there is one (below the box,
        // which clips the positive losses).
        var shown = zeroRow is { } z0 ? box with { YMin = z0.Y } : box;
        // The iteration of run i's k-th curve point: k itself for the losses (one a iteration), the
        // recorded iteration for points of a sparse recording.
        iterationOf ??= (_, k) => k;
        var plot = new Plot();
        var n = runs.Count;
        var legendItems = new List<LegendItem>();
        // Whether any curve is cut at the range's edge here (then the margin outside the range is shaded).
        var cut = false;
        var colors = ColorsOf(runs);
        // The runs' markers, drawn once every run's lines are in.
        var markerLayer = new List<Action>();
        // The run each run's entry names as drawn along with it (−1 for none): "coincides with" for whole runs
        // that are the same, "overlaps with" for a line drawn over another's (in a single plot: a stack's
        // legend speaks for every panel, and overlaps differ from panel to panel). A pair is named once, on
        // its later run and by the stronger word: ig's "overlaps with gn" beside gn's "coincides with ig"
        // said one relation with two words, in both directions.
        var overlapsWith = Enumerable.Range(0, n).Select(i => coincidesWith[i] >= 0 ? []
            : partners is not null ? partners[i]
            : notes is null && groups.Leader[i] >= 0 ? new[] { groups.Leader[i] } : []).ToArray();
        overlapsWith = Enumerable.Range(0, n).Select(i => overlapsWith[i]
            .Where(j => !(coincidesWith[j] == i || (j > i && overlapsWith[j].Contains(i)))).ToArray()).ToArray();
        for (var i = 0; i < n; i++)
        {
            var run = runs[i];
            var color = colors[i];
            var label = LegendName(run);
            var diverged = run.StopReason == StopReason.Diverged;
            var name = label;
            var (kept, exit, exitIteration) = exploding[i] ? Clip(curves[i], box) : (curves[i], null, -1);
            var pieces = new List<List<((double X, double Y) Point, int Iteration)>> { kept.Select((p, k) => (p, k)).ToList() };
            if (!exploding[i] && far[i].Any(f => f))
            {
                var (ps, outside) = PiecesAt(curves[i], box);
                if (outside.Count > 0)
                {
                    pieces = ps;
                    label += $", off the plot at {Ranges([.. outside.Select(k => iterationOf(i, k))])} (a triangle where it crosses the edge)"
                        + (dwarfs is not null && dwarfs[i] ? DwarfsNote : "");
                }
            }
            // How the run ended is said alike in every plot (Status); where it leaves this plot's range is this plot's own.
            label += Status(run, exploding[i]);
            if (exit is not null) label += $", off the plot {Between(iterationOf(i, exitIteration - 1), iterationOf(i, exitIteration))}";
            // A figure of several panels says where the run leaves any of them (FigureNote).
            if (notes is not null) label = name + notes[i];
            var zero = zeroAt is not null && zeroAt[i] >= 0 ? zeroAt[i] : -1;
            if (zero >= 0) label += $", reaches 0 at iteration {zero}";
            // Another run is named as its own legend entry names it (gd (η = 0.01)), not by the table's label.
            if (coincidesWith[i] >= 0)
                label += $", coincides with {LegendName(runs[coincidesWith[i]])}";
            else if (overlapsWith[i].Length > 0)
                label += $", overlaps with {string.Join(", ", overlapsWith[i].Select(j => LegendName(runs[j])))}";

            // Style: a run alone keeps the style of its place in the list (widths falling evenly over the
            // runs, its own dash pattern) and its method's marker shape (ShapeOf); in a group of g coinciding runs the r-th is
            // drawn narrower the later it comes and marks only every g-th point from offset r, so each
            // member's markers fall where the others' do not.
            var (rank, size) = (groups.Rank[i], groups.Size[i]);
            // Every width is at least MinLineWidth and every pattern's dashes and gaps at least MinDash
            // long, however many runs: the last of three runs was a 1.5-pixel line of 3-pixel dots, too thin
            // to see its colour.
            var f = n > 1 ? (n - 1 - i) / (double)(n - 1) : 1.0;
            var width = size > 1 ? (float)(MinLineWidth + 4.5 * (size - 1 - rank) / (size - 1)) : (float)(MinLineWidth + 3.5 * f);
            var markerSize = size > 1 ? (rank == 0 ? 11f : 9f) : (float)(7 + 5 * f);
            var pattern = size > 1 ? (rank == 0 ? LinePattern.Solid : Patterns[1 + (rank - 1) % (Patterns.Length - 1)]) : Patterns[i % Patterns.Length];
            var shape = ShapeOf(run);
            var length = curves[i].Length;
            // Markers on every point of short curves alone; on every g-th point (offset by rank) in a
            // group, and on about a dozen points of long curves (offset per run or rank).
            var period = length > 60 ? Math.Max(1, length / 12) : length == 1 ? 1 : Math.Max(1, size);
            var offset = length > 60 ? (size > 1 ? rank * period / size : i * period / Math.Max(n, 1)) % period : rank % period;
            // A run of one point is its marker alone: always drawn, larger than any other run's marker so it
            // shows around the start markers drawn on it, and in a group of single points smaller the later
            // it comes, each on the ones before.
            if (length == 1)
                markerSize = OnePointMarkerSize - (size > 1 ? 8f * rank / (size - 1) : 0f);
            // On a log iteration axis the points of a long curve crowd its right end: its markers are moved to
            // points even in x as drawn (Training.EvenInX, as train's steps axis does).
            var markedAt = logIterations && length > 60
                ? Training.EvenInX([.. Enumerable.Range(0, length).Where(k => k % period == offset)], curves[i]).ToHashSet()
                : null;
            var first = true;
            foreach (var piece in pieces.Where(p => p.Count > 0))
            {
                // A long piece is drawn from its extremes per stretch of iterations (Decimated); the markers
                // and the edge marks below are chosen from the whole piece.
                var drawn = Decimated(piece.Select(p => p.Point).ToArray());
                var line = plot.Add.Scatter(drawn.Select(p => p.X).ToArray(), drawn.Select(p => p.Y).ToArray(), color);
                line.LineWidth = width;
                line.LinePattern = pattern;
                line.MarkerSize = 0;
                // The legend's entry is the manual one below (line and marker together, once per run).
                line.LegendText = "";
                // Markers on the run's own points only, never on the edge points where a piece is cut.
                // They are drawn after every run's lines (markerLayer), so no later line covers them.
                var marked = piece.Where(p => p.Iteration >= 0 && (markedAt?.Contains(p.Iteration) ?? p.Iteration % period == offset)).ToArray();
                if (marked.Length > 0)
                    markerLayer.Add(() => WhiteCentre(plot.Add.Markers(marked.Select(p => p.Point.X).ToArray(), marked.Select(p => p.Point.Y).ToArray(), shape, markerSize, color)));
                // Where a run thrown far leaves the range and where it comes back, on the edge: a triangle
                // pointing out of the plot (a bar across a side edge), so a line re-entering is not read as
                // continuing inside the range.
                foreach (var edge in piece.Where(p => p.Iteration < 0))
                {
                    EdgeMarker(plot, edge.Point, box, color);
                    cut = true;
                }
                if (first)
                {
                    // The legend's entry: the line and the marker of the run, drawn once.
                    legendItems.Add(new LegendItem
                    {
                        LabelText = LegendText(label),
                        LineColor = color,
                        LineWidth = width,
                        LinePattern = pattern,
                        MarkerShape = shape,
                        MarkerSize = markerSize,
                        MarkerColor = color,
                    });
                    first = false;
                }
            }
            if (zero >= 0)
            {
                // L = 0 has no logarithm: drawn at the bottom edge of the plotted range, reached from the
                // run's last positive loss, with a marker of the run's shape.
                var bottom = (X: IterationX(zero, logIterations), Y: shown.YMin);
                if (kept.Length > 0)
                {
                    var drop = plot.Add.Line(kept[^1].X, kept[^1].Y, bottom.X, bottom.Y);
                    drop.Color = color;
                    drop.LineWidth = width;
                    drop.LinePattern = pattern;
                }
                plot.Add.Marker(bottom.X, bottom.Y, MarkerShape.FilledTriangleDown, 14, color);
                if (first)
                    legendItems.Add(new LegendItem
                    {
                        LabelText = LegendText(label), LineColor = color, LineWidth = width, LinePattern = pattern,
                        MarkerShape = MarkerShape.FilledTriangleDown, MarkerSize = 14, MarkerColor = color,
                    });
            }
            // A cross marks where a run leaves the range (or its next value is not finite), never a point
            // inside it: a diverged run that ends inside this plot's range at its exit iteration gets none
            // (Gauss–Newton "diverged at iteration 20" by its loss had a cross at 20 in components that never
            // left, read as leaving there). One whose curve ends inside before that (a NaN cut it) does.
            (double X, double Y)? cross = exit ?? (diverged && kept.Length > 0 && iterationOf(i, kept.Length - 1) < run.Exit.Iteration ? kept[^1] : null);
            if (exit is { } e)
            {
                // The last segment, to the edge, in the run's own style.
                var exitLine = plot.Add.Line(kept[^1].X, kept[^1].Y, e.X, e.Y);
                exitLine.Color = color;
                exitLine.LineWidth = width;
                exitLine.LinePattern = pattern;
            }
            if (run.StopReason == StopReason.LeftDomain && kept.Length > 0 && exit is null)
            {
                // The step after the last point left the domain: a ring around that point, larger for the
                // first of coinciding runs so that each run's colour shows.
                var shrink = size > 1 ? (float)rank / (size - 1) : 0f;
                var ring = plot.Add.Marker(kept[^1].X, kept[^1].Y, MarkerShape.OpenCircle, 26 - 10 * shrink, color);
                ring.MarkerLineWidth = 3f - shrink;
            }
            if (cross is { } c)
            {
                // Coinciding runs cross at the same place: the first of a group has the largest cross, the
                // later ones smaller crosses on top, so each run's colour shows (pg's cross was hidden under
                // ig's, read as pg's cross in ig's colour).
                var shrink = size > 1 ? (float)rank / (size - 1) : 0f;
                var m = plot.Add.Marker(c.X, c.Y, MarkerShape.Eks, 18 - 9 * shrink, color);
                m.MarkerLineWidth = 3.5f - 1.5f * shrink;
                cut |= exit is not null;
            }
        }
        foreach (var add in markerLayer) add();
        if (target is { } distant && TargetOff(distant, box) is { } onEdge)
        {
            // x* far beyond the runs (PlotBox left it out so that they are not squashed into one band): a
            // triangle on the edge points to it, and the legend gives its coordinates.
            // (ScottPlot has up and down triangles only: beyond a side edge a bar across it, as EdgeMarker's.)
            var shape = onEdge.Y > distant.Y ? MarkerShape.FilledTriangleDown : onEdge.Y < distant.Y ? MarkerShape.FilledTriangleUp : MarkerShape.VerticalBar;
            var mark = plot.Add.Marker(onEdge.X, onEdge.Y, shape, 16, Colors.Black);
            mark.MarkerLineWidth = 3;
            var at = double.IsNaN(distant.X) ? $"{yLabel} = {NumberText.Short(distant.Y)}" : $"({xLabel}, {yLabel}) = ({NumberText.Short(distant.X)}, {NumberText.Short(distant.Y)})";
            legendItems.Add(new LegendItem
            {
                LabelText = LegendText($"{targetLabel}, far off the plot at {at}: the triangle on the edge points to it"),
                MarkerShape = shape, MarkerSize = 14, MarkerColor = Colors.Black,
            });
        }
        else if (target is { } t)
        {
            if (double.IsNaN(t.X))
                plot.Add.HorizontalLine(t.Y, 1.5f, Colors.Black, LinePattern.Dashed);
            else
                plot.Add.Marker(t.X, t.Y, MarkerShape.FilledDiamond, 14, Colors.Black);
            legendItems.Add(double.IsNaN(t.X)
                ? new LegendItem { LabelText = LegendText(targetLabel), LineColor = Colors.Black, LineWidth = 1.5f, LinePattern = LinePattern.Dashed }
                : new LegendItem { LabelText = LegendText(targetLabel), MarkerShape = MarkerShape.FilledDiamond, MarkerSize = 14, MarkerColor = Colors.Black });
        }
        plot.Legend.ManualItems.AddRange(legendItems);
        // A margin beyond the clipping box, so the cross where a run leaves it is drawn whole, not cut by
        // the edge of the data area.
        var limits = shown.Padded(0.08, scale, xScale);
        if (iterationAxis)
        {
            // The iteration axis runs over the iterations of the runs (the box's x range is exactly them,
            // see IterationBox), with a margin for the markers at its ends; its ticks are whole iterations
            // (SetIterationAxis, after the limits below), on a log axis 0, 1, 10, 100, ….
            var lastIteration = (int)Math.Round(logIterations ? Math.Pow(10, box.XMax) - 1 : box.XMax);
            plot.Axes.SetLimits(limits.XMin, limits.XMax, limits.YMin, limits.YMax);
            SetIterationAxis(plot, lastIteration, logIterations);
            limits = limits with { XMin = plot.Axes.GetLimits().Left, XMax = plot.Axes.GetLimits().Right };
        }
        else
            plot.Axes.Bottom.TickGenerator = Ticks(false, limits.XMax - limits.XMin);
        plot.Axes.SetLimits(limits.XMin, limits.XMax, limits.YMin, limits.YMax);
        plot.Axes.Left.TickGenerator = Ticks(false, limits.YMax - limits.YMin);
        // Data that do not vary along an axis (runs of one point, a constant loss, x1 = 1 throughout while
        // x0 moves) get a few round ticks around their value, not a padded sliver labelled every few pixels
        // (0.89 … 1.11 in steps of 0.01). Only where no curve is cut on that axis (a cut curve's marks sit
        // on the box's edge, which must then stay the axis' range).
        var values = curves.SelectMany(c => c).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y))
            .Concat(target is { } tt ? [tt] : []).ToArray();
        // A loss of +∞ is cut on the top edge too (gd:1E+300's first step): the one finite start beside it got
        // round ticks 4.5 … 5.5 whose top was the box's edge, and the cross sat half-clipped on the frame.
        var cutAtInfinity = curves.SelectMany(c => c).Any(p => double.IsInfinity(p.Y));
        // Nor where a row of exact zeros lies below the values: round ticks around newton's one positive loss (L = 1
        // before its exact solve) left the row of 0 off the axis, its drop running out of the plot.
        if (!cutAtInfinity && zeroRow is null && values.All(p => p.Y >= box.YMin && p.Y <= box.YMax) && FlatAxis(values.Select(p => p.Y), scale) is { } flatY)
        {
            plot.Axes.SetLimitsY(flatY.Min, flatY.Max);
            plot.Axes.Left.TickGenerator = flatY.Ticks;
        }
        if (!iterationAxis && values.All(p => p.X >= box.XMin && p.X <= box.XMax) && FlatAxis(values.Select(p => p.X), xScale) is { } flatX)
        {
            plot.Axes.SetLimitsX(flatX.Min, flatX.Max);
            plot.Axes.Bottom.TickGenerator = flatX.Ticks;
        }
        if (cut) ShadeOutside(plot, box, sides: !iterationAxis, bottomTo: zeroRow?.Break);
        plot.Legend.Layout = new OneColumn();
        if (legend) plot.ShowLegend(Edge.Right);
        else plot.HideLegend();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>
    /// The axis for values that do not vary (their range is at most 10⁻⁹ of their magnitude or of
    /// <paramref name="scale"/>, the magnitude of the start and target; null when they vary or none is
    /// finite): a round step s, the smallest 1, 2 or 5 × 10ᵏ of at least 5% of that magnitude (0.5 when it
    /// is 0), and the range from one step below the value's multiple of s below it to one step above the
    /// one above: 3 to 4 labelled ticks, the value between them or on the middle one. The padded range
    /// of a single loss of 263.78 (±8%) was labelled every 5, twelve ticks for one point.
    /// </summary>
    internal static (double Min, double Max, ScottPlot.TickGenerators.NumericManual Ticks)? FlatAxis(IEnumerable<double> values, double scale)
    {
        var (lo, hi) = (double.PositiveInfinity, double.NegativeInfinity);
        foreach (var v in values)
            if (double.IsFinite(v)) (lo, hi) = (Math.Min(lo, v), Math.Max(hi, v));
        if (lo > hi) return null;
        var magnitude = Math.Max(Math.Max(Math.Abs(lo), Math.Abs(hi)), double.IsFinite(scale) ? scale : 0);
        if (hi - lo > 1e-9 * magnitude) return null;
        var want = magnitude > 0 ? 0.05 * magnitude : 0.5;
        var decade = Math.Pow(10, Math.Floor(Math.Log10(want)));
        var step = new[] { 1.0, 2.0, 5.0, 10.0 }.Select(f => f * decade).First(d => d >= want * (1 - 1e-12));
        var (min, max) = ((Math.Floor(lo / step) - 1) * step, (Math.Ceiling(hi / step) + 1) * step);
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var k = 0; min + k * step <= max + 0.5 * step; k++)
        {
            var at = min + k * step;
            ticks.AddMajor(at, TickLabel(Math.Abs(at) < 1e-9 * step ? 0 : at, max - min));
        }
        return (min, max, ticks);
    }

    /// <summary>The marker of a run of one point, in pixels: larger than a line's markers (at most 12), so that it shows around them.</summary>
    internal const float OnePointMarkerSize = 17f;

    /// <summary>The thinnest line a run is drawn with, in pixels (the last of many runs, or of a group of coinciding runs).</summary>
    internal const float MinLineWidth = 2.5f;

    /// <summary>
    /// The shortest dash and the shortest gap of a run's line pattern, in pixels: at
    /// <see cref="MinLineWidth"/> a dash this long shows the run's colour and a gap this long reads as a
    /// gap (ScottPlot's <c>Dotted</c>, 3-pixel dots 5 apart, made a thin line of specks).
    /// </summary>
    internal const float MinDash = 5f;

    /// <summary>
    /// The runs' line patterns, in order of the runs (the later members of a coinciding group take the
    /// dashed ones): solid, long dashes, dash-dot, short dashes; every dash and gap at least
    /// <see cref="MinDash"/> pixels (<see cref="Readable"/>).
    /// </summary>
    internal static readonly LinePattern[] Patterns =
    [
        LinePattern.Solid,
        new([16, 7], 0, "LongDashed"),
        new([16, 5, 5, 5], 0, "DashDot"),
        new([8, 6], 0, "ShortDashed"),
    ];

    /// <summary>Whether a run drawn with <paramref name="pattern"/> reads: solid, or every dash and gap at least <see cref="MinDash"/> pixels.</summary>
    internal static bool Readable(LinePattern pattern) => pattern.Intervals.All(d => d >= MinDash);
    /// <summary>
    /// The methods' marker shapes, by <see cref="Method"/> as <see cref="MethodColors"/>: GD filled circle, Newton
    /// open square, IG open triangle, PG open diamond, Adam cross, GN filled square, HIG open triangle down,
    /// BFGS asterisk, L-BFGS hash, Newton-CG circle with a dot, LM three-pointed star. Each differs from the
    /// others and from every shape the plots give a meaning of its own: the filled triangles (a curve crossing
    /// the edge, a loss reaching 0), the bar on a side edge, the eks (a run leaving the range), the open circle
    /// (a start, a step out of the domain) and the filled diamond (the target).
    /// </summary>
    internal static readonly MarkerShape[] MethodShapes =
    [
        MarkerShape.FilledCircle,       // GradientDescent
        MarkerShape.OpenSquare,         // Newton
        MarkerShape.OpenTriangleUp,     // InverseGradient
        MarkerShape.OpenDiamond,        // PhysicalGradient
        MarkerShape.Cross,              // Adam
        MarkerShape.FilledSquare,       // GaussNewton
        MarkerShape.OpenTriangleDown,   // HalfInverseGradient
        MarkerShape.Asterisk,           // Bfgs
        MarkerShape.HashTag,            // LimitedMemoryBfgs
        MarkerShape.OpenCircleWithDot,  // NewtonCG
        MarkerShape.TriUp,              // LevenbergMarquardt
    ];

    /// <summary>Shapes for rules of one's own (no built-in method), chosen by the rule's name (<see cref="SpareIndex"/>); none is a method's.</summary>
    internal static readonly MarkerShape[] SpareShapes = [MarkerShape.OpenCircleWithCross, MarkerShape.TriDown, MarkerShape.OpenCircleWithEks];

    /// <summary>
    /// The marker shape of a method: fixed by the method (<see cref="MethodShapes"/>), as its colour is, so a method has
    /// one shape in every plot of every command (compare's and train's), whatever the other methods and their order.
    /// The shape used to follow the run's place in the list: Adam was a cross in one plot and a square in the next.
    /// </summary>
    internal static MarkerShape ShapeOf(Method method) => MethodShapes[(int)method % MethodShapes.Length];

    /// <summary>A run's marker shape: its built-in method's (<see cref="ShapeOf(Method)"/>), or for a rule of one's own a spare shape by its name.</summary>
    internal static MarkerShape ShapeOf(OptimizerRun run) => run.Method is { } method ? ShapeOf(method)
        : SpareShapes[(int)(SpareHash(run.Name) % (uint)SpareShapes.Length)];

    /// <summary>
    /// Above this many points a curve is marked on about a dozen of them (<see cref="MarkedPoints"/>); up to it, on every point.
    /// </summary>
    internal const int MarkEveryPointUpTo = 60;

    /// <summary>
    /// The indices of a curve of <paramref name="length"/> points that carry a marker, for the
    /// <paramref name="k"/>-th of <paramref name="count"/> curves: every point of a curve of at most
    /// <see cref="MarkEveryPointUpTo"/> (a curve of two points is otherwise a bare segment, its points
    /// unseen), else every (length / 12)-th from an offset that differs per curve, so the curves' markers
    /// do not coincide. Ascending, each in 0 … length − 1.
    /// </summary>
    internal static int[] MarkedPoints(int length, int k, int count)
    {
        if (length <= MarkEveryPointUpTo) return [.. Enumerable.Range(0, Math.Max(0, length))];
        var period = Math.Max(1, length / 12);
        var offset = k * period / Math.Max(count, 1) % period;
        return [.. Enumerable.Range(0, length).Where(i => i % period == offset)];
    }

    /// <summary>
    /// The indices of a curve of <paramref name="length"/> points that carry a marker when it is the
    /// <paramref name="rank"/>-th of <paramref name="size"/> lines drawn over one another: on a curve of at most
    /// <see cref="MarkEveryPointUpTo"/> points every <paramref name="size"/>-th from <paramref name="rank"/>, else
    /// every (length / 12)-th from an offset of <paramref name="rank"/>/<paramref name="size"/> of that period, so
    /// each line's markers fall where the others' do not. Ascending, each in 0 … length − 1.
    /// </summary>
    internal static int[] SharedMarkedPoints(int length, int rank, int size)
    {
        var period = length > MarkEveryPointUpTo ? Math.Max(1, length / 12) : length == 1 ? 1 : Math.Max(1, size);
        var offset = length > MarkEveryPointUpTo ? rank * period / Math.Max(size, 1) % period : rank % period;
        return [.. Enumerable.Range(0, Math.Max(0, length)).Where(i => i % period == offset)];
    }

    /// <summary>
    /// The filled shape of the same outline as an open method shape (open triangle up: the filled triangle up), or
    /// None for a shape that is not open. The open circle has none: it rings a point (a start, a step out of the
    /// domain) and must show what lies inside it.
    /// </summary>
    internal static MarkerShape FilledTwin(MarkerShape shape) => shape switch
    {
        MarkerShape.OpenTriangleUp => MarkerShape.FilledTriangleUp,
        MarkerShape.OpenTriangleDown => MarkerShape.FilledTriangleDown,
        MarkerShape.OpenSquare => MarkerShape.FilledSquare,
        MarkerShape.OpenDiamond => MarkerShape.FilledDiamond,
        MarkerShape.OpenCircleWithDot or MarkerShape.OpenCircleWithCross or MarkerShape.OpenCircleWithEks => MarkerShape.FilledCircle,
        _ => MarkerShape.None,
    };

    /// <summary>
    /// The method shapes drawn of strokes alone (Adam's cross, BFGS's asterisk, L-BFGS's hash, LM's and spare
    /// three-pointed stars): on a line of their own colour, wider than they are thick, they vanished.
    /// </summary>
    internal static bool Stroked(MarkerShape shape) =>
        shape is MarkerShape.Cross or MarkerShape.Asterisk or MarkerShape.HashTag or MarkerShape.TriUp or MarkerShape.TriDown;

    /// <summary>
    /// How a run's markers of <paramref name="shape"/> are drawn: an open shape on a white (background) centre
    /// (<see cref="OnWhite"/>), so a line drawn under it does not run through it and the shape reads whole in a
    /// crowded plot (IG's open triangles vanished into the lines around them); a shape of strokes alone
    /// (<see cref="Stroked"/>) over a white halo of its own strokes, so it shows on any line, its own run's wide line
    /// too (Adam's crosses on its line under GD's were not seen); any other shape as ScottPlot draws it.
    /// </summary>
    internal static IMarker MarkerOf(MarkerShape shape) =>
        FilledTwin(shape) is var twin && twin != MarkerShape.None ? new OnWhite(shape, twin)
        : Stroked(shape) ? new OnWhite(shape, MarkerShape.None) : shape.GetMarker();

    /// <summary>Gives <paramref name="markers"/> of an open or stroked shape their white centre or halo (<see cref="MarkerOf"/>); returns them.</summary>
    internal static ScottPlot.Plottables.Markers WhiteCentre(ScottPlot.Plottables.Markers markers)
    {
        if (FilledTwin(markers.MarkerStyle.Shape) != MarkerShape.None || Stroked(markers.MarkerStyle.Shape))
            markers.MarkerStyle.CustomRenderer = MarkerOf(markers.MarkerStyle.Shape);
        return markers;
    }

    /// <summary>
    /// A marker on white: an open shape on its filled twin (<see cref="FilledTwin"/>, the same outline) in white, a
    /// shape of strokes (<paramref name="filled"/> None) over its own strokes in white, 3 pixels thicker; then the
    /// shape in the marker's own style. The shared paint's dash is cleared first (<see cref="DashFree"/>).
    /// </summary>
    internal sealed class OnWhite(MarkerShape open, MarkerShape filled) : IMarker
    {
        /// <summary>The shape drawn on white.</summary>
        internal MarkerShape Open { get; } = open;

        public void Render(SkiaSharp.SKCanvas canvas, Paint paint, Pixel center, float size, MarkerStyle markerStyle)
        {
            paint.SKPaint.PathEffect = null;
            if (filled != MarkerShape.None)
                filled.GetMarker().Render(canvas, paint, center, size, new MarkerStyle(filled, size, Colors.White) { OutlineWidth = 0 });
            else
                Open.GetMarker().Render(canvas, paint, center, size,
                    new MarkerStyle(Open, size, Colors.White) { LineWidth = markerStyle.LineWidth + 3 });
            paint.SKPaint.PathEffect = null;
            Open.GetMarker().Render(canvas, paint, center, size, markerStyle);
        }
    }

    /// <summary>
    /// The methods' colours, by <see cref="Method"/>: GD blue, Newton orange, IG green, PG red, Adam purple,
    /// GN dark brown, HIG cyan, BFGS grey, L-BFGS olive, Newton-CG navy, LM magenta. Chosen so that every two
    /// differ by a CIEDE2000 colour difference of at least 20 (Category10, used before, put Adam's purple and
    /// HIG's pink 17 apart, PG's red and GN's brown 16, and gave LM GD's blue), each stands out from the
    /// white background and from the black of the target; a test measures this.
    /// </summary>
    internal static readonly Color[] MethodColors =
    [
        Color.FromHex("#1f77b4"), // GradientDescent
        Color.FromHex("#ff7f0e"), // Newton
        Color.FromHex("#2ca02c"), // InverseGradient
        Color.FromHex("#d62728"), // PhysicalGradient
        Color.FromHex("#911eb4"), // Adam
        Color.FromHex("#654522"), // GaussNewton
        Color.FromHex("#17becf"), // HalfInverseGradient
        Color.FromHex("#848482"), // Bfgs
        Color.FromHex("#bcbd22"), // LimitedMemoryBfgs
        Color.FromHex("#000075"), // NewtonCG
        Color.FromHex("#f032e6"), // LevenbergMarquardt
    ];

    /// <summary>
    /// Colours for rules of one's own and for a second run of a method: every one differs from every
    /// method's colour (<see cref="MethodColors"/>) and from every other spare by a CIEDE2000 difference of
    /// at least 20, and from the white background (25) and the target's black (20) as the methods' do (the
    /// spares used before put a second run's olive 19 from L-BFGS's and a blue 12 from GD's); chosen by
    /// farthest-point selection over an HSL grid, and a test measures it.
    /// </summary>
    internal static readonly Color[] SpareColors =
        [.. new[] { "#80ffbf", "#790640", "#dfa69f", "#206020", "#8c80ff", "#007f80", "#807300", "#ff4d82" }.Select(Color.FromHex)];

    /// <summary>The colour of a method: fixed by the method (<see cref="MethodColors"/>), so it is the same in every plot of every command.</summary>
    internal static Color ColorOf(Method method) => MethodColors[(int)method % MethodColors.Length];

    /// <summary>
    /// A run's colour: its built-in method's, or for a rule of one's own a spare colour chosen by its name
    /// (<see cref="SpareIndex"/>).
    /// </summary>
    internal static Color ColorOf(OptimizerRun run) => run.Method is { } method ? ColorOf(method)
        : SpareColors[SpareIndex(run.Name)];

    /// <summary>
    /// The spare colour a label asks for: FNV-1a over its UTF-16 code units, modulo the number of spares.
    /// Hand-written rather than <see cref="string.GetHashCode()"/>, which .NET randomises per process: the
    /// colour must be the same in every run of the program.
    /// </summary>
    internal static int SpareIndex(string label) => (int)(SpareHash(label) % (uint)SpareColors.Length);

    // FNV-1a over the label's UTF-16 code units (SpareIndex, ShapeOf(OptimizerRun)).
    private static uint SpareHash(string label)
    {
        var hash = 2166136261u;
        foreach (var c in label)
            hash = (hash ^ c) * 16777619u;
        return hash;
    }

    /// <summary>
    /// The colours of the runs of one comparison, one per run and distinct (<see cref="Distinct"/>, by the
    /// runs' labels). Every plot of a comparison (x, y, loss, fields) is drawn from the same list, so a run
    /// has one colour in all of them.
    /// </summary>
    internal static Color[] ColorsOf(IReadOnlyList<OptimizerRun> runs) => Distinct([.. runs.Select(ColorOf)], [.. runs.Select(r => r.Label)]);

    /// <summary>
    /// The colour difference below which two runs' colours are not told apart at a glance in a plot (CIEDE2000,
    /// <see cref="ColourDifference(Color, Color)"/>): the spare a repeated method's label asks for is taken only when it is at
    /// least this far from every other colour of the plot. Thin lines and small markers need more than a
    /// swatch does: train's gd:0.01 in its spare wine red (22 from Adam's purple) read as Adam's colour, and
    /// gd:0.1's teal lies 21 from HIG's cyan. Every method colour's nearest spare was 20 to 24 away, and no
    /// colour lies 26 from all eleven method colours, so a spare is chosen against the plot's other colours.
    /// 28 is what the spares reach in every list of up to four runs (the least case: L-BFGS twice, olive's
    /// farthest spare 28.6 from it); a test measures it.
    /// </summary>
    internal const double MinColourDifference = 28;

    /// <summary>
    /// One colour per entry, distinct, and a repeat clearly apart from the others: the first entry with a colour
    /// keeps it (the first run of a method has the method's colour, the same in every command); a later entry
    /// with the same colour (a second run of a method, gd:0.1 after gd:0.01) takes the spare its label asks for
    /// (<see cref="SpareIndex"/>) if that lies at least <see cref="MinColourDifference"/> from every entry's own
    /// colour and every colour given so far, else the next spare after it that does; when none does, the spare
    /// farthest (by its least difference) from those, and only once every spare is given an unused method colour. The list decides, so every plot
    /// drawn from one list (compare's x, y, loss and fields; train's plots of one command) gives an entry one
    /// colour. Only beyond every spare and method colour do colours repeat (the labels, dashes and markers
    /// still differ). Used for compare's runs and train's method groups alike.
    /// </summary>
    /// <param name="own">Each entry's own colour.</param>
    /// <param name="labels">Each entry's label, as its legend names it (same length as <paramref name="own"/>).</param>
    internal static Color[] Distinct(Color[] own, string[] labels)
    {
        var colors = new Color[own.Length];
        // Every entry's own colour is claimed by the first entry that has it, before any repeat picks one.
        var taken = new HashSet<Color>(own);
        for (var i = 0; i < own.Length; i++)
        {
            if (Array.IndexOf(own, own[i]) == i) { colors[i] = own[i]; continue; }
            var start = SpareIndex(labels[i]);
            var spares = Enumerable.Range(0, SpareColors.Length).Select(k => SpareColors[(start + k) % SpareColors.Length])
                .Where(c => !taken.Contains(c)).ToArray();
            double Nearest(Color c) => taken.Select(t => ColourDifference(c, t)).DefaultIfEmpty(double.PositiveInfinity).Min();
            Color? chosen = spares.Cast<Color?>().FirstOrDefault(c => Nearest(c!.Value) >= MinColourDifference);
            if (chosen is null)
            {
                // No spare is clearly apart: the farthest spare; a method's colour (which names that method in
                // every other plot) only once every spare is given.
                var candidates = spares.Length > 0 ? spares : MethodColors.Where(c => !taken.Contains(c)).ToArray();
                chosen = candidates.Length > 0 ? candidates.MaxBy(Nearest) : null;
            }
            // Beyond every spare and method colour (many repeats) colours repeat; the labels still differ.
            colors[i] = chosen ?? own[i];
            taken.Add(colors[i]);
        }
        return colors;
    }

    /// <summary>
    /// The CIEDE2000 colour difference ΔE₀₀ of two sRGB colours (Sharma, Wu and Dalal, "The CIEDE2000
    /// color-difference formula", Color Research &amp; Application 30(1), 2005, equations 1–22), from their CIE
    /// L*a*b* under D65 (<see cref="Lab"/>). About 1 is the least difference seen side by side; 0 for equal colours.
    /// </summary>
    internal static double ColourDifference(Color p, Color q) => ColourDifference(Lab(p), Lab(q));

    /// <summary>The CIEDE2000 difference ΔE₀₀ of two colours given in CIE L*a*b* (as <see cref="ColourDifference(Color, Color)"/>).</summary>
    internal static double ColourDifference((double L, double A, double B) p, (double L, double A, double B) q)
    {
        var (l1, a1, b1) = p;
        var (l2, a2, b2) = q;
        static double Rad(double d) => d * Math.PI / 180;
        var (c1, c2) = (Math.Sqrt(a1 * a1 + b1 * b1), Math.Sqrt(a2 * a2 + b2 * b2));
        var cBar7 = Math.Pow((c1 + c2) / 2, 7);
        var g = 0.5 * (1 - Math.Sqrt(cBar7 / (cBar7 + Math.Pow(25, 7))));
        var (a1p, a2p) = ((1 + g) * a1, (1 + g) * a2);
        var (c1p, c2p) = (Math.Sqrt(a1p * a1p + b1 * b1), Math.Sqrt(a2p * a2p + b2 * b2));
        static double Hue(double a, double b) => a == 0 && b == 0 ? 0 : (Math.Atan2(b, a) * 180 / Math.PI + 360) % 360;
        var (h1, h2) = (Hue(a1p, b1), Hue(a2p, b2));
        var (dL, dC) = (l2 - l1, c2p - c1p);
        var dh = c1p * c2p == 0 ? 0 : Math.Abs(h2 - h1) <= 180 ? h2 - h1 : h2 - h1 > 180 ? h2 - h1 - 360 : h2 - h1 + 360;
        var dH = 2 * Math.Sqrt(c1p * c2p) * Math.Sin(Rad(dh / 2));
        var (lBar, cBarP) = ((l1 + l2) / 2, (c1p + c2p) / 2);
        var hBar = c1p * c2p == 0 ? h1 + h2 : Math.Abs(h1 - h2) <= 180 ? (h1 + h2) / 2 : h1 + h2 < 360 ? (h1 + h2 + 360) / 2 : (h1 + h2 - 360) / 2;
        var t = 1 - 0.17 * Math.Cos(Rad(hBar - 30)) + 0.24 * Math.Cos(Rad(2 * hBar)) + 0.32 * Math.Cos(Rad(3 * hBar + 6)) - 0.20 * Math.Cos(Rad(4 * hBar - 63));
        var dTheta = 30 * Math.Exp(-Math.Pow((hBar - 275) / 25, 2));
        var cBarP7 = Math.Pow(cBarP, 7);
        var rc = 2 * Math.Sqrt(cBarP7 / (cBarP7 + Math.Pow(25, 7)));
        var sl = 1 + 0.015 * Math.Pow(lBar - 50, 2) / Math.Sqrt(20 + Math.Pow(lBar - 50, 2));
        var sc = 1 + 0.045 * cBarP;
        var sh = 1 + 0.015 * cBarP * t;
        var rt = -Math.Sin(Rad(2 * dTheta)) * rc;
        return Math.Sqrt(Math.Pow(dL / sl, 2) + Math.Pow(dC / sc, 2) + Math.Pow(dH / sh, 2) + rt * (dC / sc) * (dH / sh));
    }

    /// <summary>CIE L*a*b* (D65 white) of an sRGB colour: IEC 61966-2-1's transfer function, then the CIE 1976 formulas.</summary>
    internal static (double L, double A, double B) Lab(Color c)
    {
        static double Linear(byte v)
        {
            var s = v / 255.0;
            return s <= 0.04045 ? s / 12.92 : Math.Pow((s + 0.055) / 1.055, 2.4);
        }
        var (r, g, b) = (Linear(c.Red), Linear(c.Green), Linear(c.Blue));
        var x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047;
        var y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
        var z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883;
        static double F(double u) => u > 216.0 / 24389 ? Math.Cbrt(u) : (24389.0 / 27 * u + 16) / 116;
        return (116 * F(y) - 16, 500 * (F(x) - F(y)), 200 * (F(y) - F(z)));
    }

    /// <summary>"between iterations <paramref name="previous"/> and k": where a cross on the segment into iteration k
    /// lies (previous is k − 1 when every iteration is recorded, k − 5 when every 5th is).</summary>
    internal static string Between(int previous, int k) => k <= 0 ? "at iteration 0" : $"between iterations {previous} and {k}";

    /// <summary>A run's point k as between its recorded iterations: "between iterations 45 and 50" for every 5th point.</summary>
    private static string Between(OptimizerRun run, int k) => Between(IterationAt(run, k - 1), IterationAt(run, k));

    /// <summary>
    /// The iteration of a run's k-th recorded point (<see cref="OptimizerRun.RecordedIterations"/>): k itself
    /// when every iteration is recorded (or beyond the list).
    /// </summary>
    internal static int IterationAt(OptimizerRun run, int k) =>
        run.RecordedIterations is { } r && k >= 0 && k < r.Count ? r[k] : k;

    /// <summary>A mark on the range's edge where a curve leaves or comes back: a triangle pointing out through the top or bottom edge, a bar across a side edge.</summary>
    private static void EdgeMarker(Plot plot, (double X, double Y) p, Box box, Color color)
    {
        var tolerance = 1e-9 * Math.Max(box.YMax - box.YMin, 1e-300);
        var shape = Math.Abs(p.Y - box.YMax) <= tolerance ? MarkerShape.FilledTriangleUp
            : Math.Abs(p.Y - box.YMin) <= tolerance ? MarkerShape.FilledTriangleDown : MarkerShape.VerticalBar;
        var m = plot.Add.Marker(p.X, p.Y, shape, 11, color);
        m.MarkerLineWidth = 3;
    }

    /// <summary>
    /// Shades the margin between the plotted range <paramref name="box"/> and the data area's edges light
    /// grey: a curve cut where it leaves the range ends (with its cross or triangle) on the boundary of the
    /// white area, so the mark reads as "leaves the range here", not as a point inside it. Called where a
    /// plot cuts a curve; the axis limits must be set already (the shading reaches far beyond them).
    /// </summary>
    /// <param name="plot">The plot.</param>
    /// <param name="box">The plotted range.</param>
    /// <param name="sides">Whether the left and right margins are outside the range too (a plane); on an
    /// iteration or time axis every iteration is in range, so only the bands above and below are shaded.</param>
    /// <param name="bottomTo">Where the band below the range ends (null: far below the axis), above a row of the
    /// plot's own beneath the range: the loss plot's row of exact zeros (<see cref="ZeroRow"/>), which the band
    /// covered, as if L = 0 were off the plot.</param>
    internal static void ShadeOutside(Plot plot, Box box, bool sides, double? bottomTo = null)
    {
        var (w, h) = (Math.Max(box.XMax - box.XMin, 1e-300), Math.Max(box.YMax - box.YMin, 1e-300));
        var (x0, x1, y0, y1) = (box.XMin - 1e3 * w, box.XMax + 1e3 * w, bottomTo is { } b && b < box.YMin ? b : box.YMin - 1e3 * h, box.YMax + 1e3 * h);
        (double, double, double, double)[] margins =
        [
            (x0, x1, box.YMax, y1), (x0, x1, y0, box.YMin), (x0, box.XMin, box.YMin, box.YMax), (box.XMax, x1, box.YMin, box.YMax),
        ];
        foreach (var (left, right, bottom, top) in sides ? margins : margins[..2])
        {
            var r = plot.Add.Rectangle(left, right, bottom, top);
            r.FillColor = Colors.Black.WithAlpha(0.07);
            r.LineWidth = 0;
            r.LegendText = "";
            // Beneath the curves: the shading is background, not data.
            plot.MoveToBack(r);
        }
    }

    /// <summary>
    /// A plot box over iterations: its x range is every iteration of the runs, 0 … <paramref name="last"/>,
    /// whichever of their points the y range keeps. A run that explodes at its first step still spans the
    /// axis (its curve is cut at the y edge), so the axis is never the point range around iteration 0.
    /// </summary>
    internal static Box IterationBox(Box box, int last, bool log = false) => box with { XMin = 0, XMax = IterationX(last, log) };

    /// <summary>
    /// How many times the longest run's last iteration (step) may be the shortest's, among runs that took one,
    /// before an iteration or steps axis is drawn logarithmically (<see cref="LogIterationAxis"/>).
    /// </summary>
    internal const double LogIterationRatio = 10;

    /// <summary>
    /// Whether an axis of iterations (compare's loss plot and stacked panels) or steps (train's) is drawn
    /// logarithmically in 1 + k: the longest of the runs' last iterations <paramref name="lasts"/> is more than
    /// <see cref="LogIterationRatio"/> times the shortest (runs of no step left out). On a linear axis the
    /// shorter runs fill less than a tenth of its width: newton's 97 iterations beside gd's 2000 were a
    /// vertical stroke at 0, every marker on the others'.
    /// </summary>
    internal static bool LogIterationAxis(IEnumerable<int> lasts)
    {
        var taken = lasts.Where(k => k > 0).ToArray();
        return taken.Length > 1 && taken.Max() > LogIterationRatio * taken.Min();
    }

    /// <summary>Where iteration (step) <paramref name="k"/> is drawn: at k, or on a log axis at log₁₀(1 + k) (iteration 0 at its left end).</summary>
    internal static double IterationX(double k, bool log) => log ? Math.Log10(1.0 + k) : k;

    /// <summary>
    /// Ticks of an iteration (steps) axis drawn at log₁₀(1 + k) (<see cref="IterationX"/>): major ticks at 0 and at
    /// 1, 10, 100, … up to <paramref name="last"/>, each labelled with its count, and minor ones at 2–9 times each power.
    /// </summary>
    internal static ScottPlot.TickGenerators.NumericManual LogIterationTicks(int last)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        ticks.AddMajor(0, "0");
        for (long power = 1; power <= last; power *= 10)
        {
            ticks.AddMajor(Math.Log10(1.0 + power), power.ToString(CultureInfo.InvariantCulture));
            for (var m = 2; m <= 9 && m * power <= last; m++)
                ticks.AddMinor(Math.Log10(1.0 + m * power));
        }
        return ticks;
    }

    /// <summary>
    /// The horizontal axis of iterations (steps) 0 … <paramref name="last"/>, linear or logarithmic in 1 + k
    /// (<see cref="LogIterationAxis"/>): its ticks (<see cref="IterationTicks"/> or <see cref="LogIterationTicks"/>)
    /// and its limits, with a margin of 4% of the axis (at least a quarter iteration on a linear one) for the markers
    /// at its ends. One rule for compare's and train's plots.
    /// </summary>
    internal static void SetIterationAxis(Plot plot, int last, bool log)
    {
        last = Math.Max(0, last);
        if (log && last > 0)
        {
            var end = IterationX(last, log: true);
            plot.Axes.Bottom.TickGenerator = LogIterationTicks(last);
            plot.Axes.SetLimitsX(-0.04 * end, 1.04 * end);
            return;
        }
        var margin = last == 0 ? 0.5 : Math.Max(0.25, 0.04 * last);
        plot.Axes.Bottom.TickGenerator = IterationTicks(last);
        plot.Axes.SetLimitsX(-margin, last + margin);
    }

    /// <summary>The label of an iteration (steps) axis: <paramref name="name"/>, with "(log scale of 1 + name)" when it is logarithmic.</summary>
    internal static string IterationAxisLabel(string name, bool log) => log ? $"{name} (log scale of 1 + {name})" : name;

    /// <summary>
    /// Tick positions on an iteration axis from 0 to <paramref name="last"/>: whole iterations only, every
    /// 1, 2 or 5 × 10ᵏ iterations, the smallest such step that gives at most 10 intervals, 5 from 10⁷ on
    /// (labels of eight digits and more, 20000000, run into each other ten to an axis), 0 alone for a
    /// run without steps, never outside 0 … <paramref name="last"/>.
    /// </summary>
    internal static int[] IterationTickPositions(int last)
    {
        if (last <= 0) return [0];
        long step = 1;
        var intervals = last >= 10_000_000 ? 5 : 10;
        for (var decade = 1L; ; decade *= 10)
        {
            var fit = new[] { 1L, 2L, 5L }.Select(f => f * decade).FirstOrDefault(s => last / s <= intervals);
            if (fit > 0) { step = fit; break; }
        }
        var ticks = new List<int>();
        for (long k = 0; k <= last; k += step) ticks.Add((int)k);
        return ticks.ToArray();
    }

    /// <summary>
    /// Whole-iteration ticks (<see cref="IterationTickPositions"/>) as a tick generator, labelled as integers;
    /// also the cell axes of <see cref="FieldPlots"/>, whose cells are numbered 0 … last as iterations are.
    /// </summary>
    internal static ScottPlot.TickGenerators.NumericManual IterationTicks(int last)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var k in IterationTickPositions(last))
            ticks.AddMajor(k, k.ToString(CultureInfo.InvariantCulture));
        return ticks;
    }

    /// <summary>
    /// Tick labels: integers on an iteration axis; E-notation for magnitudes from 10⁴ and below 10⁻³; as
    /// many digits as the axis' <paramref name="span"/> needs for neighbouring ticks to differ.
    /// </summary>
    private static ScottPlot.TickGenerators.NumericAutomatic Ticks(bool integers, double span = double.NaN) => new()
    {
        IntegerTicksOnly = integers,
        LabelFormatter = v => TickLabel(v, span),
    };

    /// <summary>
    /// Whether positive losses span less than a decade: a log axis, labelled only at powers of ten, would
    /// then show one tick label or none, so the loss plots (compare's and train's) draw L linearly.
    /// False without losses.
    /// </summary>
    internal static bool SpansUnderADecade(IEnumerable<double> losses)
    {
        var kept = losses.ToArray();
        return kept.Length > 0 && Math.Log10(kept.Max()) - Math.Log10(kept.Min()) < 1.0;
    }

    /// <summary>
    /// A tick label: <c>1.5E+06</c> for large and small magnitudes, a short decimal otherwise. On an axis of
    /// width <paramref name="span"/> (ticks about a tenth of it apart) the label keeps the digits down to
    /// that spacing, so a narrow range far from zero (0.50001 … 0.50006) does not print every tick as 0.5.
    /// </summary>
    internal static string TickLabel(double v, double span = double.NaN)
    {
        var a = Math.Abs(v);
        var spacing = double.IsFinite(span) && span > 0 ? span / 10 : double.NaN;
        if (a != 0 && (a >= 1e4 || a < 1e-3))
        {
            var mantissa = double.IsNaN(spacing) ? 3 : Math.Clamp((int)Math.Ceiling(Math.Log10(a / spacing)), 3, 12);
            return v.ToString("0." + new string('#', mantissa) + "E+0", CultureInfo.InvariantCulture);
        }
        var decimals = double.IsNaN(spacing) ? 4 : Math.Clamp((int)Math.Ceiling(-Math.Log10(spacing)), 4, 12);
        return Math.Round(v, decimals).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
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
        /// <param name="scaleX">The magnitude along x where it differs from y's (null: <paramref name="scale"/>).</param>
        public Box Padded(double factor = 0.06, double scale = 0, double? scaleX = null)
        {
            (double, double) Pad(double a, double b, double f, double scale)
            {
                var size = b - a;
                if (size > 1e-9 * scale && size > 0) return (a - f * size, b + f * size);
                var pad = Math.Max(0.1 * Math.Max(Math.Abs(a), Math.Abs(b)), 0.05 * scale);
                if (!(pad > 0)) pad = 1;
                return (a - pad, b + pad);
            }
            var (x0, x1) = Pad(XMin, XMax, factor, scaleX ?? scale);
            var (y0, y1) = Pad(YMin, YMax, factor, scale);
            return new Box(x0, x1, y0, y1);
        }
    }

    /// <summary>
    /// Which runs explode: a run that diverged (a non-finite value or the optimiser's divergence test),
    /// whose last loss is more than 10⁸ times its first, or whose last point is farther from its start
    /// than 10⁴ times its reference extent (<see cref="References"/>).
    /// Judged on where the run ends: a run that leaps far and comes back (Gauss–Newton from a flat
    /// region of a softplus jumps to x ≈ 10¹⁷ and then converges) does not explode; its far points are
    /// left out of the plotted range (<see cref="FarPoints"/>) and it is drawn off the plot and back.
    /// A run that merely ends far from the target (a fold, a saddle) is a result to be seen, not clipped.
    /// </summary>
    internal static bool[] Exploding(IReadOnlyList<OptimizerRun> runs, double[]? targetX)
    {
        var reference = References(runs, targetX);
        return runs.Select((r, i) =>
            Failed(r)
            || LossExplodes(r)
            || (r.Trajectory.Count > 0 && FarFromStart(r, reference[i], r.Trajectory.Count - 1, r.Losses.Count > 0 ? r.Losses[^1] : double.NaN))).ToArray();
    }

    /// <summary>
    /// Whether the run's loss explodes: a non-finite loss, or a last loss above 10⁸ times the first (at least
    /// 10⁻³⁰⁰). For a run whose loss overflowed doubles with a finite residual, on the carried logarithms
    /// (<see cref="OptimizerRun.LossLog10"/>): GN halving a residual of 1E+200 is not exploding because
    /// ½(1E+200)² is +∞ as a double.
    /// </summary>
    private static bool LossExplodes(OptimizerRun r)
    {
        if (r.Losses.Count == 0) return false;
        if (!r.LossOverflowed && !r.LossUnderflowed)
            return r.Losses.Any(l => !double.IsFinite(l)) || r.Losses[^1] > 1e8 * Math.Max(r.Losses[0], 1e-300);
        var logs = Enumerable.Range(0, r.Losses.Count).Select(r.LossLog10).ToArray();
        return logs.Any(FarLog10) || logs[^1] > 8 + LogFloor(r, logs[0]);
    }

    // The start's log₁₀ L that a rise is measured from: at least −300 (a start at rounding noise of 0 is no scale),
    // except for a run whose losses fell below doubles with their sizes carried, which are sizes (5E-401 is ½(1E-200)²).
    private static double LogFloor(OptimizerRun r, double log0) => r.LossUnderflowed && !double.IsNegativeInfinity(log0) ? log0 : Math.Max(log0, -300);

    // A carried log₁₀ L that is no size at all (NaN, +∞: the loss overflowed without a finite residual).
    private static bool FarLog10(double log10) => double.IsNaN(log10) || double.IsPositiveInfinity(log10);

    /// <summary>
    /// Whether the run's point <paramref name="k"/> (loss <paramref name="loss"/>) lies farther from its start
    /// than 10⁴ times <paramref name="reference"/>. A reference that is only the start's own magnitude (no x*,
    /// no other run: <see cref="Reference.OwnStart"/>) measures nothing but how small the start was: a lone run
    /// from x0 = 1E-160 that Newton doubled twenty times to 1E-154 while L stayed 5E-301 was "explodes". Against
    /// that reference a point is far only where its loss also rose above the start's.
    /// </summary>
    private static bool FarFromStart(OptimizerRun run, Reference reference, int k, double loss) =>
        reference.Extent > 0 && Extent(run.Trajectory[0], run.Trajectory[k]) > 1e4 * reference.Extent
        && (!reference.OwnStart || run.Losses.Count == 0 || !(loss <= run.Losses[0]));

    /// <summary>
    /// For each run, which of its points (by index, the same in x, y and the loss) lie far outside the
    /// range of the runs: farther from the start than 10⁴ times the run's reference extent
    /// (<see cref="References"/>), a loss above 10⁸ times the first, or non-finite. They are left out of
    /// the plotted range; the curve is drawn to the edge and back.
    /// </summary>
    /// <param name="runs">The runs.</param>
    /// <param name="targetX">x* where known.</param>
    /// <param name="losses">For the loss plot: the indices into each run's <see cref="OptimizerRun.Losses"/> it
    /// draws (<see cref="DrawnLosses"/>); the flags then follow them, each loss far also when the point of its
    /// iteration is. Null: one flag per recorded point (the x- and y-space curves).</param>
    internal static bool[][] FarPoints(IReadOnlyList<OptimizerRun> runs, double[]? targetX, int[][]? losses = null)
    {
        var reference = References(runs, targetX);
        return runs.Select((r, i) =>
        {
            var l0 = r.Losses.Count > 0 ? Math.Max(r.Losses[0], 1e-300) : double.NaN;
            var log0 = r.Losses.Count > 0 ? LogFloor(r, r.LossLog10(0)) : double.NaN;
            bool FarPoint(int k) => k >= 0 && k < r.Trajectory.Count && (r.Trajectory[k].Any(v => !double.IsFinite(v))
                || FarFromStart(r, reference[i], k, r.LossAtPoint(k)));
            // As LossExplodes: on the carried logarithms where the run's loss overflowed doubles.
            bool FarLoss(double l, double log10) => r.LossOverflowed || r.LossUnderflowed ? FarLog10(log10) || log10 > 8 + log0 : !double.IsFinite(l) || l > 1e8 * l0;
            if (losses is null)
                return Enumerable.Range(0, r.Trajectory.Count).Select(k => FarPoint(k) || FarLoss(r.LossAtPoint(k), r.LossLog10AtPoint(k))).ToArray();
            return losses[i].Select(e => FarLoss(r.Losses[e], r.LossLog10(e)) || FarPoint(PointAt(r, r.LossIterationAt(e)))).ToArray();
        }).ToArray();
    }

    /// <summary>The index of the run's recorded point of iteration <paramref name="iteration"/>, −1 when that point was not kept.</summary>
    internal static int PointAt(OptimizerRun run, int iteration) => run.PointOf(iteration);

    /// <summary>
    /// Whether a run failed by diverging: the optimiser's verdict, or a non-finite point in its trajectory.
    /// A run stopped only because a derivative is non-finite at its last point (√x reached at x = 0:
    /// ∂L/∂x = ∞, the point and its loss finite) has not run away: its points are data to be drawn, and
    /// clipping them to the other runs' range hid the lowest loss of the plot.
    /// </summary>
    private static bool Failed(OptimizerRun run) =>
        (run.StopReason == StopReason.Diverged && !StoppedOnDerivative(run)) || run.Trajectory.Any(p => p.Any(v => !double.IsFinite(v)));

    /// <summary>A divergence verdict from a non-finite derivative (not x, y or L) with every recorded value finite.</summary>
    private static bool StoppedOnDerivative(OptimizerRun run) =>
        run.Exit.NonFinite is { Quantity: not (Quantity.Point or Quantity.Outputs or Quantity.Loss) }
        && run.Losses.All(double.IsFinite) && run.Trajectory.All(p => p.All(double.IsFinite));

    /// <summary>The largest coordinate difference of two points (∞ when one is non-finite).</summary>
    private static double Extent(double[] from, double[] to)
    {
        var e = 0.0;
        for (var j = 0; j < Math.Min(from.Length, to.Length); j++)
        {
            var d = Math.Abs(to[j] - from[j]);
            e = double.IsNaN(d) ? double.PositiveInfinity : Math.Max(e, d);
        }
        return e;
    }

    /// <summary>
    /// Each run's reference extent, the scale its distance from the start is judged by: the larger of
    /// the distance from the start to x* (when known) and the lower median extent of the OTHER runs that
    /// did not diverge (an extent being the largest distance of a run's point from its start; of an even
    /// count the lower middle one); where both are 0 or missing, the start's largest magnitude. A run never
    /// sets its own scale, and runs that fly off cannot raise it for each other: with two runs, GD thrown to
    /// x ≈ −4.4E+06 is judged by Newton's extent (and x*'s distance), not by its own (the upper median of
    /// two was GD's, so nothing was cut); a diverged run's extent says only how far it flew.
    /// </summary>
    internal static Reference[] References(IReadOnlyList<OptimizerRun> runs, double[]? targetX)
    {
        var extents = runs.Select(r => r.Trajectory.Count == 0 ? 0 : r.Trajectory.Max(p => Extent(r.Trajectory[0], p))).ToArray();
        var failed = runs.Select(Failed).ToArray();
        var start = runs.FirstOrDefault(r => r.Trajectory.Count > 0)?.Trajectory[0];
        var toTarget = targetX is null || start is null ? 0 : Extent(start, targetX);
        var magnitude = start is null ? 0 : start.Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(0).Max();
        return runs.Select((_, i) =>
        {
            var others = extents.Where((e, k) => k != i && !failed[k]).Order().ToArray();
            var median = others.Length == 0 ? 0 : others[(others.Length - 1) / 2];
            var reference = Math.Max(median, double.IsFinite(toTarget) ? toTarget : 0);
            return reference > 0 ? new Reference(reference, false) : new Reference(magnitude, true);
        }).ToArray();
    }

    /// <summary>A run's reference extent (<see cref="References"/>), and whether it is only the start's own magnitude (no x*, no other run's extent).</summary>
    internal readonly record struct Reference(double Extent, bool OwnStart);

    /// <summary>
    /// The plotted range: the box of the target and of every point of the runs that do not explode
    /// (<see cref="Exploding"/>) and are not far (<see cref="FarPoints"/>), with the start of every run;
    /// exploding runs are cut where they leave it. When every run explodes, there is no other run to set
    /// the range: then it holds each run's points up to where it goes far, so the plot shows how the runs
    /// left rather than their starts alone. With <c>explodingRoom</c> above 0 (every plot of a comparison: the loss, the x- and
    /// y-space planes and each component against the iteration), the range also holds each exploding run's points up to where
    /// it leaves the others' range grown by that fraction of its extent on each side, along Y, and along X too with
    /// <c>alongX</c> (a plane; an iteration axis is no extent) (<see cref="ExplodingReach"/>); 0 keeps only its start.
    /// The box is padded by <c>padding</c> of its size on each side, but never over the point where an exploding run leaves
    /// that grown range (<see cref="Unswallowed"/>).
    /// </summary>
    internal static Box PlotBox(bool[] exploding, (double X, double Y)[][] curves, (double X, double Y)? target, double scale, bool[][]? far = null,
        double? scaleX = null, double explodingRoom = 0, bool alongX = false, double padding = 0.06)
    {
        var core = InRange(exploding, curves, far).Select(ik => curves[ik.Run][ik.Point]).ToList();
        Box? grown = null;
        if (explodingRoom > 0 && Box.Of(core).Padded(0.06, scale, scaleX) is var others)
        {
            var reach = ExplodingReach(exploding, curves, others, explodingRoom, alongX).ToList();
            if (reach.Count > 0) grown = Grown(others, explodingRoom, alongX);
            core.AddRange(reach);
        }
        // A target far beyond the runs (x* = −690.8 for runs within 0 … −3.6) would squash them into one
        // flat band at the axis's end: it is left out of the range and marked on its edge (TargetOff).
        if (target is { } t && !FarTarget(Box.Of(core), t)) core.Add(t);
        var content = Box.Of(core);
        var box = content.Padded(padding, scale, scaleX);
        return grown is { } g ? Unswallowed(box, content, g, exploding, curves) : box;
    }

    /// <summary>The range of the runs that stay (<paramref name="others"/>) grown by <paramref name="room"/> times its extent
    /// on each side, along Y, and along X too with <paramref name="alongX"/> (else unbounded along X): the most an exploding run is
    /// drawn within (<see cref="ExplodingReach"/>).</summary>
    internal static Box Grown(Box others, double room, bool alongX)
    {
        var (extent, extentX) = (others.YMax - others.YMin, others.XMax - others.XMin);
        return alongX
            ? new Box(others.XMin - room * extentX, others.XMax + room * extentX, others.YMin - room * extent, others.YMax + room * extent)
            : new Box(double.NegativeInfinity, double.PositiveInfinity, others.YMin - room * extent, others.YMax + room * extent);
    }

    /// <summary>
    /// <paramref name="box"/> (the padded range) with each side that an exploding run leaves <paramref name="grown"/> through
    /// drawn back to the grown range's edge, though never inside <paramref name="content"/> (the points the range holds, unpadded):
    /// the padding added to the points an exploding run keeps must not take in the point it leaves by, or the run is drawn
    /// whole and uncut. gd at η = 1.2 on (x0, 2·x1) kept its 1.2E+17 at iteration 15 inside the grown top 3E+17, and the 6%
    /// padding above that took in its last loss, 1.8E+18: the loss plot drew the diverged run whole, with no cross and no
    /// "off the plot", while the planes cut it.
    /// </summary>
    internal static Box Unswallowed(Box box, Box content, Box grown, bool[] exploding, (double X, double Y)[][] curves)
    {
        var beyond = Enumerable.Range(0, curves.Length).Where(i => exploding[i]).SelectMany(i => curves[i]).ToArray();
        var (xMin, xMax, yMin, yMax) = (box.XMin, box.XMax, box.YMin, box.YMax);
        if (beyond.Any(p => p.Y > grown.YMax)) yMax = Math.Min(yMax, Math.Max(grown.YMax, content.YMax));
        if (beyond.Any(p => p.Y < grown.YMin)) yMin = Math.Max(yMin, Math.Min(grown.YMin, content.YMin));
        if (beyond.Any(p => p.X > grown.XMax)) xMax = Math.Min(xMax, Math.Max(grown.XMax, content.XMax));
        if (beyond.Any(p => p.X < grown.XMin)) xMin = Math.Max(xMin, Math.Min(grown.XMin, content.XMin));
        return new Box(xMin, xMax, yMin, yMax);
    }

    /// <summary>
    /// The points of the exploding runs that the plotted range holds beside <paramref name="others"/> (the padded box of the
    /// runs that stay in range, so a lone start's L = 1 has the two decades around it): each exploding run's points in order, up to the first that lies beyond that box grown by
    /// <paramref name="room"/> times its Y extent on each side (and, with <paramref name="alongX"/>, its X extent on each
    /// side: a plane) or is not finite, so a diverging run is drawn up to where
    /// it really leaves an axis that can hold its first steps without pressing the others together, and cut and crossed
    /// there. Before, only its start counted: gd at η = 1.2 on (x0, 2·x1), whose loss rises 14× an iteration, was cut
    /// after iteration 1 on a log axis of 30 decades that its 4.5E+06 at iteration 6 would have fitted; on (x0, 2·x1, x2)
    /// its x0, which settles at x0* = 1 by 1.2, 0.96, 1.008, …, was crossed off the x0 panel as if it left there.
    /// None where the others' extent is 0 or not finite (nothing to measure the room by), or where every run explodes
    /// (<see cref="InRange"/> then holds their points already).
    /// </summary>
    internal static IEnumerable<(double X, double Y)> ExplodingReach(bool[] exploding, (double X, double Y)[][] curves, Box others, double room,
        bool alongX = false)
    {
        var (extent, extentX) = (others.YMax - others.YMin, others.XMax - others.XMin);
        if (!(extent > 0 && double.IsFinite(extent)) || alongX && !(extentX > 0 && double.IsFinite(extentX))
            || Enumerable.Range(0, curves.Length).Where(i => curves[i].Length > 0).All(i => exploding[i]))
            yield break;
        var (left, right, lo, hi) = Grown(others, room, alongX);
        for (var i = 0; i < curves.Length; i++)
        {
            if (!exploding[i]) continue;
            foreach (var p in curves[i])
            {
                if (!(double.IsFinite(p.X) && p.X >= left && p.X <= right && p.Y >= lo && p.Y <= hi)) break;
                yield return p;
            }
        }
    }

    /// <summary>How far beyond the range of the runs that do not explode a plot's range may grow to hold an exploding
    /// run's first points (<see cref="ExplodingReach"/>), in fractions of that range's extent on each side, the same in
    /// every plot: the others then fill at least half of each axis (a log axis of 30 decades may hold a rise to 15
    /// decades above it; an x0 panel of 0 … 1 a step to 1.2).</summary>
    internal const double ExplodingRoom = 0.5;

    /// <summary>How many times the other runs' extent (with the target) one run may reach beyond it along an axis
    /// before it is drawn to the plot's edge as a far run (<see cref="Dwarfing"/>): the target's rule
    /// (<see cref="FarTargetRatio"/>), so the others fill at least a tenth of that axis; a run's detour drawn whole
    /// (newton's x1 = 35, 24× the others' 1.4) set the axes and pressed ten runs into one band.</summary>
    internal const double DwarfingRatio = FarTargetRatio;

    /// <summary>
    /// <paramref name="far"/> with, in one panel, the points of each run that dwarfs the others: a run that does
    /// not explode and whose points (not far) reach beyond the box of every other such run's points and the
    /// target by more than <see cref="DwarfingRatio"/> times that box's size along an axis (Y only with
    /// <paramref name="iterationAxis"/>: the iterations are no extent). Its points beyond that box along such an
    /// axis, grown by its size on each side (so the others fill a third of the axis and the run's points near
    /// them stay drawn), are far: the plot keeps about the others' range and the run is drawn to the edge and back, as a run that
    /// leaps far (<see cref="FarPoints"/>). Newton's detour to x1 = 35 beside ten runs within 0.5 … 6 set the axes.
    /// The others' box is measured at no less than <paramref name="floor"/> along each axis (<see cref="DwarfingFloor"/>: the
    /// problem's own scale there), so that it cannot collapse: beside runs that sit at x1 = 0 = x1* (a box of 1E-17,
    /// their rounding), gd's healthy path to x1 = −0.1 was cut at −0.015 as if it ran away. Without a floor, a box of no
    /// size along an axis dwarfs nothing there. Returns the new flags and which runs dwarf the others.
    /// </summary>
    internal static (bool[][] Far, bool[] Dwarfs) Dwarfing(bool[] exploding, (double X, double Y)[][] curves, (double X, double Y)? target,
        bool[][] far, bool iterationAxis = false, (double X, double Y)? floor = null)
    {
        var (floorX, floorY) = floor is { } f && double.IsFinite(f.X) && double.IsFinite(f.Y) ? (Math.Max(f.X, 0), Math.Max(f.Y, 0)) : (0, 0);
        var inRange = InRange(exploding, curves, far).ToArray();
        var result = far.Select(f => (bool[])f.Clone()).ToArray();
        var dwarfs = new bool[curves.Length];
        var group = FarGroup(exploding, curves, inRange, iterationAxis, floorX, floorY);
        for (var i = 0; i < curves.Length; i++)
        {
            if (exploding[i] || curves[i].Length == 0) continue;
            // A run is measured against the runs that stay near (FarGroup): three of six leaping to −3.3E+04 together
            // were each within the others' range, and pressed newton's −29 and gd's −3 into one line.
            var others = inRange.Where(ik => ik.Run != i && !exploding[ik.Run] && !group[ik.Run]).Select(ik => curves[ik.Run][ik.Point]).ToList();
            if (others.Count == 0) continue;
            if (target is { } t) others.Add(t);
            var box = Box.Of(others);
            var own = Box.Of(inRange.Where(ik => ik.Run == i).Select(ik => curves[i][ik.Point]));
            // The others' extent along an axis, at least the floor there.
            var (w, h) = (Math.Max(box.XMax - box.XMin, floorX), Math.Max(box.YMax - box.YMin, floorY));
            static bool Beyond(double lo, double hi, double size, double ownLo, double ownHi) =>
                size > 0 && Math.Max(lo - ownLo, ownHi - hi) > DwarfingRatio * size;
            var (alongX, alongY) = (!iterationAxis && Beyond(box.XMin, box.XMax, w, own.XMin, own.XMax), Beyond(box.YMin, box.YMax, h, own.YMin, own.YMax));
            if (!alongX && !alongY) continue;
            dwarfs[i] = true;
            for (var k = 0; k < curves[i].Length && k < result[i].Length; k++)
            {
                var (x, y) = curves[i][k];
                if ((alongX && (x < box.XMin - w || x > box.XMax + w)) || (alongY && (y < box.YMin - h || y > box.YMax + h))) result[i][k] = true;
            }
        }
        return (result, dwarfs);
    }

    /// <summary>
    /// The runs that leap far as a group, for <see cref="Dwarfing"/>: each run's extent is how far its points (in range, not
    /// exploding) reach from its start along an axis (Y only with <paramref name="iterationAxis"/>), and the reference
    /// extent the larger of the floor there (the start–target distance, <see cref="DwarfingFloor"/>) and the lower median
    /// of the runs' extents; a run reaching more than <see cref="DwarfingRatio"/> times that reference along an axis is in the far
    /// group. Empty (all false) when no run or every run is: a group is far only beside runs that stay near.
    /// </summary>
    internal static bool[] FarGroup(bool[] exploding, (double X, double Y)[][] curves, (int Run, int Point)[] inRange, bool iterationAxis,
        double floorX, double floorY)
    {
        var group = new bool[curves.Length];
        var runs = Enumerable.Range(0, curves.Length).Where(i => !exploding[i] && curves[i].Length > 0).ToArray();
        if (runs.Length < 2) return group;
        var extent = runs.ToDictionary(i => i, _ => (X: 0.0, Y: 0.0));
        foreach (var (i, k) in inRange)
            if (extent.TryGetValue(i, out var e) && curves[i][0] is var s && curves[i][k] is var p)
                extent[i] = (Math.Max(e.X, Math.Abs(p.X - s.X) is var dx && double.IsFinite(dx) ? dx : 0),
                    Math.Max(e.Y, Math.Abs(p.Y - s.Y) is var dy && double.IsFinite(dy) ? dy : 0));
        static double LowerMedian(IEnumerable<double> values) => values.Order().ToArray() is var v ? v[(v.Length - 1) / 2] : 0;
        var (refX, refY) = (Math.Max(floorX, LowerMedian(extent.Values.Select(e => e.X))), Math.Max(floorY, LowerMedian(extent.Values.Select(e => e.Y))));
        foreach (var i in runs)
            group[i] = (!iterationAxis && refX > 0 && extent[i].X > DwarfingRatio * refX) || (refY > 0 && extent[i].Y > DwarfingRatio * refY);
        if (runs.All(i => group[i])) Array.Clear(group);
        return group;
    }

    /// <summary>
    /// The least extent <see cref="Dwarfing"/> gives the other runs' range along a component of a space of
    /// <paramref name="count"/>: the problem's own scale there, which the runs cannot shrink by staying still. That
    /// is the distance the problem asks the runs to travel, the largest |start − target| over the components and the runs' starts
    /// (in this space's units), capped by the component's scale <paramref name="componentScale"/> (<see cref="ComponentScale"/>:
    /// its magnitude, or its natural scale where that is 0, so a component 10⁸ times smaller than another keeps its own);
    /// the component's scale alone where nothing is to be travelled (no target, or every start on it).
    /// </summary>
    internal static double DwarfingFloor(
        IReadOnlyList<OptimizerRun> runs, Func<OptimizerRun, IReadOnlyList<double[]>> points, double[]? target, int count, double componentScale)
    {
        var travel = 0.0;
        if (target is not null)
            foreach (var r in runs)
                if (points(r).Count > 0 && points(r)[0] is var start)
                    for (var j = 0; j < Math.Min(count, Math.Min(start.Length, target.Length)); j++)
                        if (Math.Abs(start[j] - target[j]) is var d && double.IsFinite(d)) travel = Math.Max(travel, d);
        return travel > 0 ? Math.Min(travel, componentScale) : componentScale;
    }

    /// <summary>The legend's words for a run that dwarfs the others (<see cref="Dwarfing"/>).
    /// Said of each run of a far group too (<see cref="FarGroup"/>): the range is that of the runs that stay near (neither exploding
    /// nor in the far group), which "the other runs' range" misnamed where other runs leap far too.</summary>
    internal const string DwarfsNote = " (it reaches over 9× beyond the range of the runs that stay near, which the plot keeps)";

    /// <summary>
    /// The points (run, index into its curve) that set <see cref="PlotBox"/>'s range: the start of each run that
    /// explodes (each point up to where it goes far when every run explodes) and the finite points, not far,
    /// of every other run.
    /// </summary>
    internal static IEnumerable<(int Run, int Point)> InRange(bool[] exploding, (double X, double Y)[][] curves, bool[][]? far = null)
    {
        var allExplode = Enumerable.Range(0, curves.Length).Where(i => curves[i].Length > 0).All(i => exploding[i]);
        for (var i = 0; i < curves.Length; i++)
        {
            if (curves[i].Length == 0) continue;
            if (exploding[i] && !allExplode) yield return (i, 0);
            else
                for (var k = 0; k < curves[i].Length; k++)
                    if (double.IsFinite(curves[i][k].X) && double.IsFinite(curves[i][k].Y) && !(far is not null && k < far[i].Length && far[i][k]))
                        yield return (i, k);
        }
    }

    /// <summary>How many times the runs' own extent the target may lie beyond it along an axis and still be
    /// in the plotted range: with the target inside, the runs then fill at least 1/(1 + 9) of that axis
    /// (50 px of a 510 px data area), enough to tell runs apart; beyond, they fill all of it.</summary>
    internal const double FarTargetRatio = 9;

    /// <summary>
    /// Whether <paramref name="target"/> lies farther beyond the runs' box <paramref name="runs"/> than
    /// <see cref="FarTargetRatio"/> times the box's size along either axis (a NaN coordinate is not
    /// compared: a target drawn as a line). A box of no size along an axis (runs that do not move there)
    /// has nothing to squash, and keeps the target.
    /// </summary>
    internal static bool FarTarget(Box runs, (double X, double Y) target)
    {
        static bool Far(double v, double lo, double hi) =>
            double.IsFinite(v) && hi > lo && Math.Max(lo - v, v - hi) > FarTargetRatio * (hi - lo);
        return Far(target.X, runs.XMin, runs.XMax) || Far(target.Y, runs.YMin, runs.YMax);
    }

    /// <summary>Where a target outside the plotted range <paramref name="box"/> is marked: the point of the
    /// box's edge nearest it (for a target line, the middle of the edge it lies beyond); null when inside.</summary>
    internal static (double X, double Y)? TargetOff((double X, double Y) target, Box box)
    {
        var x = double.IsNaN(target.X) ? (box.XMin + box.XMax) / 2 : target.X;
        if (box.Contains((x, target.Y))) return null;
        return (Math.Clamp(x, box.XMin, box.XMax), Math.Clamp(target.Y, box.YMin, box.YMax));
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
        if (!double.IsFinite(q.X) || !double.IsFinite(q.Y))
        {
            // An infinite next value leaves through the edge it points to (a loss of +∞ through the top,
            // straight up from the last point: it is the line to a point infinitely far), so its cross is on
            // the shaded edge as every other run's, not at the last finite point inside the range (a first
            // step to L = ∞ put the cross at iteration 0 mid-plot). NaN has no direction: the curve ends
            // at its last point.
            if (double.IsNaN(q.X) || double.IsNaN(q.Y)) return (kept, p, kept.Length);
            static double Toward(double from, double to, double lo, double hi) =>
                double.IsPositiveInfinity(to) ? hi : double.IsNegativeInfinity(to) ? lo : from;
            return (kept, (Toward(p.X, q.X, box.XMin, box.XMax), Toward(p.Y, q.Y, box.YMin, box.YMax)), kept.Length);
        }
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
        lock (Rendering.Gate)
            return WriteSerialised(figure, directory);
    }

    private static string[] WriteSerialised(Figure figure, string directory)
    {
        var path = Path.Combine(directory, figure.Name);
        File.WriteAllBytes(path + ".png", Render(figure));
        // Every figure has its SVG, a stack of panels too (the CLI's --out promises PNG and SVG, and a stack
        // had only its PNG). The SVG keeps the dash patterns (Skia writes each dashed line as its dashes'
        // outlines), and no fill or marker carries a leftover dash, which Skia's SVG writer cannot write
        // and reported on the native stderr (DashFree).
        File.WriteAllBytes(path + ".svg", Svg(figure));
        return [path + ".png", path + ".svg"];
    }

    /// <summary>The figure as an SVG document (UTF-8 bytes), drawn as <see cref="Render"/> draws the PNG.</summary>
    internal static byte[] Svg(Figure figure)
    {
        lock (Rendering.Gate)
        {
            foreach (var panel in figure.Panels) TitleFit.Install(DashFree.Install(panel));
            if (figure.Panels.Count == 1 && figure.Legend is null)
                return System.Text.Encoding.UTF8.GetBytes(figure.Panels[0].GetSvgXml(figure.Width, figure.Height));
            return RenderStack(figure, svg: true);
        }
    }

    /// <summary>
    /// The figure as PNG bytes. A stack of panels is rendered as one multiplot (shared iteration axis, the
    /// data areas lined up), and its legend, the first panel's entries as one image, is drawn at
    /// <see cref="Figure.Legend"/>; after this each panel's last render holds its layout (the tests read it).
    /// </summary>
    internal static byte[] Render(Figure figure)
    {
        lock (Rendering.Gate)
            return RenderSerialised(figure);
    }

    private static byte[] RenderSerialised(Figure figure)
    {
        foreach (var panel in figure.Panels) TitleFit.Install(DashFree.Install(panel));
        if (figure.Panels.Count == 1 && figure.Legend is null)
            return figure.Panels[0].GetImage(figure.Width, figure.Height).GetImageBytes(ImageFormat.Png, 100);
        return RenderStack(figure, svg: false);
    }

    /// <summary>
    /// A stack of panels as one multiplot (shared iteration axis, data areas lined up) with its legend (the
    /// first panel's entries, one image) at <see cref="Figure.Legend"/>: PNG bytes, or with
    /// <paramref name="svg"/> the SVG document (Skia's SVG canvas; the legend is embedded as a PNG image).
    /// </summary>
    private static byte[] RenderStack(Figure figure, bool svg)
    {
        var stack = new Multiplot(figure.Panels[0]);
        foreach (var panel in figure.Panels.Skip(1)) stack.AddPlot(panel);
        stack.Layout = new ScottPlot.MultiplotLayouts.Rows();
        stack.SharedAxes.ShareX(figure.Panels);
        var rect = new PixelRect(0, figure.Width, figure.Height, 0);
        void Legend(SkiaSharp.SKCanvas canvas)
        {
            if (figure.Legend is not { } at) return;
            var legend = figure.Panels[0].Legend.GetImage().GetImageBytes(ImageFormat.Png, 100);
            using var image = SkiaSharp.SKImage.FromEncodedData(legend);
            canvas.DrawImage(image, at.Left, at.Top);
        }
        if (svg)
        {
            using var stream = new MemoryStream();
            using (var canvas = SkiaSharp.SKSvgCanvas.Create(new SkiaSharp.SKRect(0, 0, figure.Width, figure.Height), stream))
            {
                // The SVG's background, as the PNG surface's: white under the panels' own backgrounds.
                canvas.Clear(SkiaSharp.SKColors.White);
                stack.Render(canvas, rect);
                Legend(canvas);
            }
            return stream.ToArray();
        }
        using var surface = SkiaSharp.SKSurface.Create(new SkiaSharp.SKImageInfo(figure.Width, figure.Height))
            ?? throw new InvalidOperationException($"No drawing surface of {figure.Width} × {figure.Height} pixels.");
        stack.Render(surface);
        Legend(surface.Canvas);
        using var snapshot = surface.Snapshot();
        using var png = snapshot.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100);
        return png.ToArray();
    }
}
