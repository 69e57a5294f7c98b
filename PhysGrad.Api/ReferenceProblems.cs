using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>One reference problem: its name, what its size n means, the default and largest n.</summary>
/// <param name="Name">The name given to <c>--example</c> and <see cref="ReferenceProblems.Create"/>.</param>
/// <param name="Summary">One line on what it is.</param>
/// <param name="SizeMeaning">What n counts (cells, grid side, controls).</param>
/// <param name="DefaultSize">n when none is given.</param>
/// <param name="MinSize">The smallest n for which the problem is not degenerate (see <paramref name="MinReason"/>).</param>
/// <param name="MaxSize">The largest n whose default comparison (ten iterations of each default method)
/// stays near ten seconds of CPU time, measured at n = 256, 512 and 1024 (BENCHMARKS.md, "The reference
/// examples' default comparison at n = 256 to 1024"): the dense steps (newton's Hessian, hig's SVD) grow as n³ and reach a minute
/// at 1024. Named methods lift it (<see cref="ReferenceProblems.Create"/>). The exception is
/// <c>heat1d-inverse</c>, meant for the matrix-free methods (gd, pg, ig, gn, lm): its limit, 4096, is where
/// one of their steps stays under about 30 s; above n = 512 its default list leaves newton and hig out
/// (<see cref="ReferenceProblemInfo.LeftOut"/>).</param>
/// <param name="MinReason">Why smaller n is refused (said in the message).</param>
public sealed record ReferenceProblemInfo(string Name, string Summary, string SizeMeaning, int DefaultSize, int MinSize, int MaxSize, string MinReason = "")
{
    /// <summary>The example's own step sizes in its default comparison, replacing the catalogue's
    /// (<see cref="MethodEntry.DefaultEta"/>); chosen by measurement at the default n and the limit (README,
    /// "Reference simulators"). Methods not listed keep the catalogue's.</summary>
    public IReadOnlyDictionary<Method, double> Steps { get; init; } = new Dictionary<Method, double>();

    /// <summary>Methods the example's default comparison leaves out from a size on (<see cref="LeftOutMethod.FromSize"/>), with why.</summary>
    public IReadOnlyList<LeftOutMethod> LeftOut { get; init; } = [];

    /// <summary>
    /// What to name in <c>--methods</c> to run the example beyond <see cref="MaxSize"/>: the matrix-free methods
    /// (gd, newton-cg, gn, lm; on heat1d-inverse gd, gn, lm, pg, its PG example) less those the default
    /// comparison leaves out at every size, each with the example's own step size where it has one. A bare
    /// name takes the catalogue's η, and gd's 0.01 barely moves the heat examples (heat1d at n = 2000: loss
    /// 511 after 10 steps, against 1.4·10⁻²⁷ at the example's η = 1; measured, BENCHMARKS.md), so the
    /// advice says <c>gd:1</c>.
    /// </summary>
    public string MatrixFreeMethods =>
        string.Join(",", (Name == "heat1d-inverse"
                ? new[] { Method.GradientDescent, Method.GaussNewton, Method.LevenbergMarquardt, Method.PhysicalGradient }
                : new[] { Method.GradientDescent, Method.NewtonCG, Method.GaussNewton, Method.LevenbergMarquardt })
            .Where(m => !LeftOut.Any(l => l.Method == m && l.FromSize == 0))
            .Select(m => MethodCatalog.NameOf(m) + (Steps.TryGetValue(m, out var eta) ? ":" + NumberText.StepSize(eta) : "")));

    /// <summary>The default comparison's choices at size n: <see cref="Steps"/>, and the <see cref="LeftOut"/> methods that apply from n.</summary>
    public DefaultComparison DefaultsAt(int n) => new(Steps, LeftOut.Where(l => n >= l.FromSize).ToArray());

    /// <summary><c>rosenbrock: n is variables, default 10, 2 to 512; gd η = 0.004; left out: ig, pg, gn</c>.</summary>
    public override string ToString() =>
        $"{Name}: n is {SizeMeaning}, default {DefaultSize}, {MinSize} to {MaxSize}" + DefaultComparison.Describe(Steps, LeftOut);
}

/// <summary>A method a default comparison leaves out, and why; it still runs when named.</summary>
/// <param name="Method">The method.</param>
/// <param name="Reason">Why, in a sentence that also says how to run it anyway.</param>
public sealed record LeftOutMethod(Method Method, string Reason)
{
    /// <summary>The smallest size of a reference example from which it is left out (0: at every size).</summary>
    public int FromSize { get; init; }
}

/// <summary>
/// A problem's own default comparison (<see cref="ProblemDefinition.Defaults"/>): step sizes that replace the
/// catalogue's, and methods left out of the default list with why. Only the default list uses it: a method
/// list given by the caller runs as given.
/// </summary>
/// <param name="Steps">η by method, replacing <see cref="MethodEntry.DefaultEta"/>.</param>
/// <param name="LeftOut">The methods left out, with why.</param>
public sealed record DefaultComparison(IReadOnlyDictionary<Method, double> Steps, IReadOnlyList<LeftOutMethod> LeftOut)
{
    /// <summary>η of a method in the default comparison: its own step size, else the catalogue's.</summary>
    public double StepOf(Method method) => Steps.TryGetValue(method, out var eta) ? eta : MethodCatalog.Of(method).DefaultEta;

    /// <summary>Whether the default list leaves the method out.</summary>
    public bool LeavesOut(Method method) => LeftOut.Any(l => l.Method == method);

    /// <summary><c>gd η = 0.004; left out: ig, pg, gn</c> (empty when neither).</summary>
    public override string ToString() => Describe(Steps, LeftOut).TrimStart(';', ' ');

    // "; gd η = 0.004; left out: ig, pg, gn (from n = 513)", each part only when there is one.
    internal static string Describe(IReadOnlyDictionary<Method, double> steps, IReadOnlyList<LeftOutMethod> leftOut) =>
        string.Concat(steps.Select(s => $"; {MethodCatalog.NameOf(s.Key)} η = {NumberText.StepSize(s.Value)}")) +
        (leftOut.Count == 0 ? "" : "; left out: " + string.Join(", ", leftOut.Select(l =>
            MethodCatalog.NameOf(l.Method) + (l.FromSize > 0 ? $" (from n = {l.FromSize})" : ""))));
}

/// <summary>
/// The reference problems of docs/theory.md §7 as ready problems, each built by tracing a simulator of
/// <see cref="ReferenceSimulators"/>, with a default start and a target reached from a known x*
/// (<see cref="TrueSolution"/>), so a comparison can report its distance.
/// </summary>
public static class ReferenceProblems
{
    /// <summary>The explicit heat examples take this many steps.</summary>
    public const int HeatSteps = 4;

    /// <summary>νΔt/h² of the 1-D heat examples (stable up to 1/2; below 1/4 every mode keeps a share
    /// 1 − 4r ≥ 0.2 per step, so P stays invertible).</summary>
    public const double HeatRatio1D = 0.2;

    /// <summary>νΔt/h² of the 2-D heat example (stable up to 1/4; 1 − 8r = 0.2 for the highest mode).</summary>
    public const double HeatRatio2D = 0.1;

    /// <summary>
    /// K, the Neumann-series terms per backward step of the 1-D heat examples' regularised inverse
    /// (<see cref="ReferenceSimulators.Heat1DRegularisedInverse"/>): with r = 0.2 and 4 steps, the
    /// smoothest mode is inverted exactly and the roughest (a = 0.2) recovers (1 − 0.8⁶)⁴ ≈ 0.30 of its
    /// error per PG step at η = 1.
    /// </summary>
    public const int HeatInverseTerms = 6;

    /// <summary>The oscillators' initial state (x₁, x₂, v₁, v₂): the first mass displaced, all at rest.</summary>
    public static IReadOnlyList<double> OscillatorStart { get; } = [1.0, 0.0, 0.0, 0.0];

    // GD on the heat examples: the smoothest mode passes the steps unchanged (factor 1), so the Hessian
    // JᵀJ has λ_max = 1 and η = 1/λ_max = 1 is the classic step; the catalogue's 0.01 barely moves x
    // (heat1d n = 32: loss 7.25 after 10 steps at 0.01, 4.8·10⁻⁸ at 1; measured).
    private static readonly IReadOnlyDictionary<Method, double> HeatGd = new Dictionary<Method, double> { [Method.GradientDescent] = 1 };

    private const string RosenbrockUnstable =
        "on rosenbrock ig and gn diverge or raise the loss at every step size measured from 0.002 to 1 at n = 10, and at n = 64 those that do not diverge leave the loss above a third of its start " +
        "(solving J Δx = Δy through the chained residuals multiplies an error by about 2|x_i| per variable); pg at 0.3 contracts the loss by 0.49 a step but ends above gd (0.81 against 0.66 after 10 steps at n = 10, 6.8 against 0.70 at n = 64); " +
        "name them among the methods to compare to run them anyway.";

    private const string HeatInverseDense =
        "above n = 512 on heat1d-inverse their dense steps (newton's n×n Hessian solve, hig's SVD) are most of the run: at n = 1024 a compare of " +
        "ten steps took 15.8 s of CPU with newton alone, 56.9 s with hig alone and 8.9 s with gd, pg, ig and gn (BENCHMARKS.md); name them among the methods to compare to run them anyway.";

    /// <summary>The catalogue.</summary>
    public static IReadOnlyList<ReferenceProblemInfo> All { get; } =
    [
        new("rosenbrock", "Rosenbrock residuals r_i = 10(x_{i+1} − x_i²), r_{n−1} = 1 − x_0; target 0, start (−1.2, 1, −1.2, …)", "variables", 10, 2, 512,
            "one variable has no coupling term 10(x₁ − x₀²)")
        {
            // Measured (README, "Reference simulators"): gd at 0.01 overflows by iteration 6, 0.007 diverges at
            // n = 10, 0.004 takes the loss from 1018.82 to 0.66 at n = 10 and from 7814 to 0.70 at n = 64.
            Steps = new Dictionary<Method, double> { [Method.GradientDescent] = 0.004 },
            LeftOut = [.. new[] { Method.InverseGradient, Method.PhysicalGradient, Method.GaussNewton }.Select(m => new LeftOutMethod(m, RosenbrockUnstable))],
        },
        new("heat1d", $"{HeatSteps} explicit heat steps (νΔt/h² = {NumberText.Short(HeatRatio1D)}), periodic; recover the initial field", "cells", 32, 3, 512,
            "fewer cells make a cell its own neighbour, so the 3-point stencil degenerates") { Steps = HeatGd },
        new("heat1d-dirichlet", $"{HeatSteps} explicit heat steps (νΔt/h² = {NumberText.Short(HeatRatio1D)}), zero Dirichlet boundary; recover the initial field", "cells", 32, 3, 512,
            "with fewer cells no cell has two neighbours inside the grid, so the stencil is mostly boundary") { Steps = HeatGd },
        new("heat1d-inverse", $"the heat inverse problem: {HeatSteps} explicit heat steps (νΔt/h² = {NumberText.Short(HeatRatio1D)}), periodic, of a field with a box (all modes); " +
            "PG through a regularised inverse simulator (truncated backward steps)", "cells", 256, 3, 4096,
            "fewer cells make a cell its own neighbour, so the 3-point stencil degenerates")
        {
            Steps = HeatGd,
            LeftOut = [.. new[] { Method.Newton, Method.HalfInverseGradient }.Select(m => new LeftOutMethod(m, HeatInverseDense) { FromSize = 513 })],
        },
        new("heat2d", $"{HeatSteps} explicit 5-point heat steps (νΔt/h² = {NumberText.Short(HeatRatio2D)}) on an n×n periodic grid; recover the initial field", "grid side (n² cells)", 6, 3, 16,
            "a smaller periodic grid makes a cell its own neighbour, so the 5-point stencil degenerates") { Steps = HeatGd },
        new("poisson2d", "Δ_h y = x on an n×n interior grid, zero Dirichlet boundary; the inverse Δ_h is given, so PG is exact at η = 1", "grid side (n² cells)", 4, 2, 6,
            "n = 1 is a single cell with only boundary neighbours: no coupling to recover")
        {
            // P = Δ_h⁻¹ has σ_max² ≈ 0.0026–0.0031 (sides 2 to 31), so GD is stable below η ≈ 650 and
            // 0.01 does not move x; 300 takes the loss from 0.0016 to 5.6·10⁻⁵ at n = 4 (measured).
            Steps = new Dictionary<Method, double> { [Method.GradientDescent] = 300 },
        },
        new("oscillators", "two coupled oscillators (coupling 0.2), RK4 with dt = 0.5, one control per step on v₂; from (1, 0, 0, 0), reach the state the controls u_k = 0.3 cos(0.5 k) reach", "controls (steps)", 24, 4, 256,
            "one control per step on a 4-dimensional state needs at least 4 steps to reach rest from any state")
        {
            // Measured: gd at 0.1 ends at loss 0.0098 (n = 24) and 0.0100 (n = 48), 0.01 at 0.76 and 1.76.
            Steps = new Dictionary<Method, double> { [Method.GradientDescent] = 0.1 },
        },
    ];

    /// <summary>The names, comma-separated (for messages and help).</summary>
    public static string Names => string.Join(", ", All.Select(p => p.Name));

    /// <summary>The entry of a name (ordinal, case-insensitive).</summary>
    /// <exception cref="SymbolicException">An unknown name (ErrorKind.Invalid), naming the known ones.</exception>
    public static ReferenceProblemInfo Info(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new SymbolicException(ErrorKind.Invalid, $"Unknown example '{name}'{MethodCatalog.DidYouMean(name ?? "", All.Select(p => p.Name))}; the examples are {Names}.");

    /// <summary>The number of outputs of an example at size n: 4 (the state) for the oscillators, else its
    /// variables (<see cref="Variables"/>). Known without tracing, so methods can be checked first.</summary>
    /// <exception cref="SymbolicException">An unknown name, or a size whose variables are over <see cref="MaxVariables"/> (ErrorKind.TooLarge).</exception>
    public static int Outputs(string name, int n) => Info(name).Name == "oscillators" ? 4 : Variables(name, n);

    /// <summary>The number of variables of an example at size n (n² for the grids).</summary>
    /// <exception cref="SymbolicException">An unknown name, or a size whose variables are over
    /// <see cref="MaxVariables"/> (ErrorKind.TooLarge, naming the largest n): n² of a grid's side is
    /// computed in 64 bits, so it is never a wrapped int.</exception>
    public static int Variables(string name, int n)
    {
        var info = Info(name);
        CheckRepresentable(info, n);
        return (int)VariableCount(info, n);
    }

    /// <summary>
    /// Bytes an example takes per variable while it is traced, compiled and run: heat1d at n = 10⁵ with gd
    /// (two iterations) peaked at 1.43 GB, about 14 KB per variable (measured with <c>/usr/bin/time -v</c>);
    /// 16 KB leaves a margin for the grids' wider stencils.
    /// </summary>
    public const long BytesPerVariable = 16 * 1024;

    /// <summary>
    /// The most variables an example may have here: an index of a vector or of the traced graph is an
    /// int (at most 2³¹ − 1), and this process can hold about <see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>
    /// / <see cref="BytesPerVariable"/> of them (about 1.5·10⁶ on a machine with 23 GB); the smaller of the two.
    /// </summary>
    public static long MaxVariables => Math.Min(int.MaxValue, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / BytesPerVariable);

    // n² for a grid's side, in 64 bits (n ≤ 2³¹ − 1, so n² < 2⁶²: it cannot wrap).
    private static long VariableCount(ReferenceProblemInfo info, int n) =>
        IsGrid(info) ? (long)n * n : n;

    private static bool IsGrid(ReferenceProblemInfo info) => info.SizeMeaning.StartsWith("grid", StringComparison.Ordinal);

    /// <summary>
    /// Refuses, before anything is allocated or traced, a size whose variables an int index cannot count
    /// or this process's memory cannot hold; the message gives the true count and the largest n accepted.
    /// </summary>
    private static void CheckRepresentable(ReferenceProblemInfo info, int n)
    {
        if (n < 1) return; // the minimum-size check says what is wrong
        var count = VariableCount(info, n);
        var most = MaxVariables;
        if (count <= most) return;
        var largest = IsGrid(info) ? (long)Math.Floor(Math.Sqrt(most)) : most;
        while (IsGrid(info) && largest * largest > most) largest--;
        var why = count > int.MaxValue
            ? $"more than an int index can count (2³¹ − 1 = {int.MaxValue})"
            : $"more than this process can trace in its {NumberText.Short(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 3)} GB of memory " +
              $"(about {BytesPerVariable / 1024} KB per variable, so at most {most})";
        throw new SymbolicException(ErrorKind.TooLarge,
            // "(n variables) has n variables" said the count twice: the size's meaning is shown only when it
            // is not the variable count itself (a grid's side, say).
            $"The example '{info.Name}' at n = {n}{(count == n && !IsGrid(info) ? "" : $" ({SizeText(info, n)})")} has {NumberText.Count(count, "variable")}, {why}. " +
            $"The largest size it takes is n = {largest}.");
    }

    /// <summary>
    /// The grid an example's variables form, for drawing the field: [cells] for the 1-D heat examples,
    /// [n, n] for heat2d and poisson2d (cell (i, j) at i·n + j); null for the others (not a field).
    /// </summary>
    /// <exception cref="SymbolicException">An unknown name or a size out of range.</exception>
    public static int[]? Grid(string name, int? n = null)
    {
        var (info, size) = Sized(name, n);
        return info.Name switch
        {
            "heat1d" or "heat1d-dirichlet" or "heat1d-inverse" => [size],
            "heat2d" or "poisson2d" => [size, size],
            _ => null,
        };
    }

    /// <summary>The x* the target is made from (for the Rosenbrock residuals, the minimiser 1, …, 1).</summary>
    /// <exception cref="SymbolicException">An unknown name or a size out of range.</exception>
    public static double[] TrueSolution(string name, int? n = null)
    {
        var (info, size) = Sized(name, n);
        var count = Variables(info.Name, size);
        // 15 significant digits, as the constants of the examples (see Create): sin(π) is 0, not 1.2E-16.
        return (info.Name switch
        {
            "rosenbrock" => Enumerable.Repeat(1.0, count).ToArray(),
            "heat1d" => Enumerable.Range(0, count).Select(i => Math.Sin(2 * Math.PI * i / count) + 0.5 * Math.Cos(6 * Math.PI * i / count)).ToArray(),
            // A smooth part and a box on the second quarter: the box's edges carry every mode, the high
            // ones damped by the four steps to (1 − 4r)⁴ = 0.0016 of their size, which is what makes
            // recovering them an ill-posed inverse problem.
            "heat1d-inverse" => Enumerable.Range(0, count).Select(i =>
                Math.Sin(2 * Math.PI * i / count) + (i >= count / 4 && i < count / 2 ? 1.0 : 0.0)).ToArray(),
            "heat1d-dirichlet" => Enumerable.Range(1, count).Select(i => Math.Sin(Math.PI * i / (count + 1)) + 0.5 * Math.Sin(3 * Math.PI * i / (count + 1))).ToArray(),
            "heat2d" or "poisson2d" => Enumerable.Range(0, count).Select(c =>
            {
                var (i, j) = (c / size + 1, c % size + 1);
                return Math.Sin(Math.PI * i / (size + 1)) * Math.Sin(2 * Math.PI * j / (size + 1));
            }).ToArray(),
            // The oscillators have more controls than outputs: x* is one control sequence that
            // reaches the target, not the only one. A cosine burst.
            _ => Enumerable.Range(0, count).Select(k => 0.3 * Math.Cos(0.5 * k)).ToArray(),
        }).Select(Clean).ToArray();
    }

    /// <summary>A value to 15 significant digits (rounding noise of a decimal number computed in floating point dropped).</summary>
    private static double Clean(double v) => double.Parse(v.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The example's simulator as code over <see cref="Scalar"/> at size n.</summary>
    public static Func<Scalar[], Scalar[]> Simulator(string name, int? n = null)
    {
        var (info, size) = Sized(name, n);
        return info.Name switch
        {
            "rosenbrock" => ReferenceSimulators.Rosenbrock,
            "heat1d" or "heat1d-inverse" => x => ReferenceSimulators.Heat1D(x, HeatRatio1D, HeatSteps, GridBoundary.Periodic),
            "heat1d-dirichlet" => x => ReferenceSimulators.Heat1D(x, HeatRatio1D, HeatSteps, GridBoundary.Dirichlet),
            "heat2d" => x => ReferenceSimulators.Heat2D(x, size, HeatRatio2D, HeatSteps, GridBoundary.Periodic),
            "poisson2d" => x => ReferenceSimulators.Poisson2D(x, size),
            _ => u => ReferenceSimulators.Oscillators(u, OscillatorStart),
        };
    }

    /// <summary>
    /// The example as a problem, traced at size n (default: the catalogue's). The target is P(x*) (0
    /// for the Rosenbrock residuals); the start is 0 (−1.2, 1, −1.2, … for Rosenbrock). PG uses the
    /// numeric inverse, except on Poisson, whose inverse Δ_h is given as code, and on <c>heat1d-inverse</c>,
    /// whose regularised inverse is given as code (<see cref="ReferenceSimulators.Heat1DRegularisedInverse"/>
    /// with <see cref="HeatInverseTerms"/> terms): the inverse problem of docs/theory.md §7.
    /// </summary>
    /// <exception cref="SymbolicException">An unknown name, or n outside [MinSize, MaxSize] (the message
    /// names the limit and why).</exception>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="n">The size (see <see cref="ReferenceProblemInfo.SizeMeaning"/>); the example's default when null.</param>
    /// <param name="defaultComparison">True (the default) keeps n within <see cref="ReferenceProblemInfo.MaxSize"/>,
    /// the largest size whose default comparison (dense rules included) finishes in seconds. False lifts that
    /// limit for a caller that names its own methods: every rule then refuses, by name, the sizes it cannot
    /// take (HIG's dense factorisation, dense BFGS), and the matrix-free ones (gd, newton-cg, gn, lm, ig, pg)
    /// and newton (sparse above 2,000 variables) run at any n. <see cref="ReferenceProblemInfo.MinSize"/> always holds.</param>
    public static PhysicsProblem Create(string name, int? n = null, bool defaultComparison = true)
    {
        var (info, size) = Sized(name, n, defaultComparison);
        var count = Variables(info.Name, size);
        // The schemes' constants are decimal numbers (νΔt/h² = 0.2 and its products) computed in floating
        // point; 15 significant digits drop the rounding noise (0.18560000000000001 is 0.1856), so the
        // problem prints as it is meant and moves by no more than that noise. x* and y* likewise.
        var raw = Simulator(info.Name, size);
        // Every example is made from a known x* (y* = P(x*)): the comparison measures to it.
        var known = TrueSolution(info.Name, size);
        Func<Scalar[], Scalar[]> simulator = x => raw(x).Select(s => Scalar.RoundConstants(s, 15)).ToArray();
        var start = info.Name == "rosenbrock"
            ? Enumerable.Range(0, count).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray()
            : new double[count];
        var target = info.Name == "rosenbrock"
            ? new double[count]
            // One evaluation of all the outputs (each a number here): per output it was a table, a walk
            // and a stable rewrite of its own, 0.8 s of heat1d's build at n = 10⁵. The same values.
            : Evaluate.ManyAt([], [], simulator(known.Select(v => Scalar.Constant(v)).ToArray()).Select(s => s.Expr).ToArray()).Select(Clean).ToArray();
        var problem = WithKnown(CreateTraced(info, size, count, simulator, target, start), known, $"{info.Name}, n = {size}", info.DefaultsAt(size));
        // The sparse Hessian's pattern is the structure's (ReferenceStructure, checked against the derived one
        // in ExampleHessianPattern.fs): the one newton's check before tracing built, when it did (ApplicabilityOf),
        // so an accepted sparse run does not place every cell's block again.
        return ReferenceStructure.IsSparse(info.Name)
            ? problem.WithHessianPattern(() => ReferenceStructure.HessianPattern(info.Name, size))
            : problem;
    }

    // The example's name and size title its plots: its formula (64 outputs of Rosenbrock) would be cut.
    // The symbolic model does not depend on either, so it is kept, not built and checked again.
    // The default comparison's step sizes and left-out methods are the example's own (measured).
    private static PhysicsProblem WithKnown(PhysicsProblem problem, double[] known, string title, DefaultComparison defaults) =>
        problem.WithDefinition(problem.Definition with { KnownSolution = known, Title = title, Defaults = defaults });

    private static PhysicsProblem CreateTraced(ReferenceProblemInfo info, int size, int count, Func<Scalar[], Scalar[]> simulator, double[] target, double[] start)
    {
        if (info.Name == "poisson2d")
        {
            var h2 = 1.0 / ((size + 1.0) * (size + 1.0));
            return PhysicsProblem.Trace(count, simulator, target, start,
                inverse: (y, _) => ReferenceSimulators.Laplacian2D(y, size, GridBoundary.Dirichlet).Select(v => v / h2).ToArray());
        }
        if (info.Name == "heat1d-inverse")
            return PhysicsProblem.Trace(count, simulator, target, start,
                inverse: (y, x) => ReferenceSimulators.Heat1DRegularisedInverse(y, x, HeatRatio1D, HeatSteps, HeatInverseTerms, GridBoundary.Periodic));
        return PhysicsProblem.Trace(count, simulator, target, start, numericInverse: info.Name != "rosenbrock");
    }

    /// <summary>
    /// Whether a method, with its options, can run on the example at size n, decided before the example is
    /// traced: the shape's verdict (<see cref="BookExample.ApplicabilityOf(MethodSpec, int, int)"/>) and, for
    /// newton above its dense form's <see cref="Numerics.Rules.Newton.DenseUpTo"/> variables, the sparse form's
    /// size limit read off the Hessian's pattern as the example's structure gives it (<see cref="ReferenceStructure"/>;
    /// the pattern the traced problem would have): the refusal a run would throw after tracing, said first.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="n">The size; the example's default when null.</param>
    /// <param name="method">The method and its options.</param>
    /// <exception cref="SymbolicException">An unknown name, or n below <see cref="ReferenceProblemInfo.MinSize"/>
    /// or not representable (as <see cref="CheckSize"/> with defaultComparison false).</exception>
    public static Applicability ApplicabilityOf(string name, int? n, MethodSpec method)
    {
        ArgumentNullException.ThrowIfNull(method);
        var (info, size) = Sized(name, n);
        var variables = Variables(info.Name, size);
        var shape = BookExample.ApplicabilityOf(method, Outputs(info.Name, size), variables);
        if (!shape.IsApplicable || method.Rule() is not Numerics.Rules.Newton newton) return shape;
        return newton.RefusalForHessian(variables, ReferenceStructure.NonZeros(info.Name, size),
                () => ReferenceStructure.HessianPattern(info.Name, size)) is { } why
            ? Applicability.No(NotApplicableCause.TooLarge, why)
            : shape;
    }

    /// <summary>
    /// Checks a size against the example's limits without building it, as <see cref="Create"/> would:
    /// a caller can refuse a size before it says that work starts.
    /// </summary>
    /// <exception cref="SymbolicException">An unknown name, or n outside [MinSize, MaxSize] (MaxSize only
    /// when <paramref name="defaultComparison"/>), as <see cref="Create"/> raises it.</exception>
    public static void CheckSize(string name, int? n, bool defaultComparison = true) => Sized(name, n, defaultComparison);

    private static (ReferenceProblemInfo Info, int Size) Sized(string name, int? n, bool limited = false)
    {
        var info = Info(name);
        var size = n ?? info.DefaultSize;
        if (size < info.MinSize)
            throw new SymbolicException(ErrorKind.Invalid, $"The example '{info.Name}' needs n ≥ {info.MinSize} ({info.SizeMeaning}; {info.MinReason}); got {size}. Give a size n of {info.MinSize} or more.");
        // A hard limit, whatever the methods: the simulator itself is dense (said before anything is traced).
        if (info.Name == "poisson2d" && size > ReferenceSimulators.Poisson2DMaxSide)
            throw new SymbolicException(ErrorKind.TooLarge, ReferenceSimulators.Poisson2DTooLarge(size));
        // Before the comparison's limit: a size that cannot be represented is refused whatever the methods.
        CheckRepresentable(info, size);
        if (limited && size > info.MaxSize)
        {
            var at = $"The example '{info.Name}' at n = {size} ({SizeText(info, size)}) is over its limit of n = {info.MaxSize}";
            // The methods as the caller names them: the API's methods (with defaultComparison false), the CLI's --methods.
            string[] matrixFree = info.MatrixFreeMethods.Split(',');
            throw ParameterMessages.Error(ErrorKind.TooLarge, ["methods"], name => info.Name == "heat1d-inverse"
                ? $"{at}: beyond it one step of the matrix-free methods (gd, gn, lm, pg) takes over about 30 s. Use n ≤ {info.MaxSize}, " +
                  $"or name those methods ({name("methods", matrixFree)}) to run it at n = {size} anyway."
                : $"{at}: its default comparison compiles dense {DenseShape(info)} matrices, which beyond it take minutes. Use n ≤ {info.MaxSize}, " +
                  $"or name the matrix-free methods ({name("methods", matrixFree)}), which run at any n.");
        }
        return (info, size);
    }

    // What n stands for at this size, in words: "256 cells", "the side of a 64×64 grid, 4096 cells", "30 controls (steps)".
    private static string SizeText(ReferenceProblemInfo info, int n) =>
        info.SizeMeaning.StartsWith("grid", StringComparison.Ordinal)
            ? $"the side of a {n}×{n} grid, {NumberText.Count((long)n * n, "cell")}"
            : $"{n} {info.SizeMeaning}";

    // The dense matrices' shape in n: the grids have n² variables, so their Hessian is n²×n².
    private static string DenseShape(ReferenceProblemInfo info) =>
        info.SizeMeaning.StartsWith("grid", StringComparison.Ordinal) ? "n²×n²" : "n×n";
}
