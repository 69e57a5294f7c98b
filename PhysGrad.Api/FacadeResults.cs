using System.Text.Json.Serialization;
using PhysGrad.Numerics;

namespace PhysGrad;

// The façade's own views of results whose full types live in the inner layers (OptimizerRun, Fallback,
// NonFiniteValue, PhysicalUnit, Method): a front end that reads only these members refers to no inner type,
// so it keeps working however the engine's types change (the CLI is checked for this, FacadeOnly.fs).

/// <summary>Number formats of the reports, as the façade offers them (the same as every PhysGrad report uses).</summary>
public static class Numbers
{
    /// <summary>Shortest text that reads back to the same double: <c>0.1</c>, <c>1E-300</c> (−0 as 0).</summary>
    public static string RoundTrip(double x) => NumberText.RoundTrip(x);

    /// <summary><paramref name="x"/> in a .NET format (<c>G4</c>, <c>F4</c>), invariant culture, −0 as 0.</summary>
    public static string Format(double x, string format) => NumberText.Format(x, format);

    /// <summary>At most <paramref name="digits"/> significant digits (default 6).</summary>
    public static string Short(double x, int digits = 6) => NumberText.Short(x, digits);

    /// <summary>A step size η as tables, legends, titles and labels show it, exactly: its shortest round-trip text
    /// (<c>0.01</c>), or the fraction <c>1/3</c> where that is long and η is the double nearest one (see <see cref="NumberText.StepSize"/>).</summary>
    public static string StepSize(double eta) => NumberText.StepSize(eta);

    /// <summary>A table cell: six significant digits, E-notation outside 10⁻⁴ … 10⁶, an exact zero as <c>0</c>.</summary>
    public static string Table(double value) => NumberText.Table(value);

    /// <summary>A table cell with <paramref name="significant"/> significant digits (<c>Table(0.0123, 3)</c> is
    /// <c>0.0123</c>, <c>Table(12.3456, 3)</c> is <c>12.3</c>), so a column of one quantity has one precision at any size.</summary>
    public static string Table(double value, int significant) => NumberText.Table(value, significant);

    /// <summary><see cref="Vector"/> of numbers the user wrote (a start, a target), each as its shortest text
    /// that reads back to it (<c>[1.234567]</c>, not <c>[1.23457]</c>), so that they read as written.</summary>
    public static string Written(IReadOnlyList<double> values) => NumberText.Vector(values, NumberText.RoundTrip);

    /// <summary><c>[0.1, 0.2]</c>, or <c>[0.1, 0.2, …, 0.9] (100 values)</c> past four values.</summary>
    public static string Vector(IReadOnlyList<double> values) => NumberText.Vector(values);

    /// <summary>
    /// <see cref="Vector"/> of a vector computed as a whole at one scale (a reference example's target
    /// y* = P(x*)): a component at most 2⁻⁴² of the largest magnitude is rounding noise of that computation
    /// and prints as 0 (<c>[0, 0.189161, …]</c> for −2.3E-16 next to 0.19). Not for points of a run.
    /// </summary>
    public static string ComputedVector(IReadOnlyList<double> values) => NumberText.Vector(values, dropNoise: true);

    /// <summary>A count with its noun in the right number: <c>Count(1, "value")</c> is "1 value", <c>Count(3, "value")</c>
    /// "3 values" (<see cref="NumberText.Count(long, string)"/>, the one wording of every report).</summary>
    public static string Count(long n, string noun) => NumberText.Count(n, noun);

    /// <summary>A JSON converter for doubles that writes −0 as 0; add it to every serialiser of output.</summary>
    public static JsonConverter<double> JsonConverter() => new NumberText.JsonDouble();
}

/// <summary>A fallback a run took, as text: the iteration, the kind (<c>SingularHessian</c>, …) and why.</summary>
/// <param name="Iteration">The iteration whose step fell back (1 for the first step).</param>
/// <param name="Kind">The kind, as named in RELIABILITY.md.</param>
/// <param name="Reason">What happened, in words.</param>
public sealed record RunFallback(int Iteration, string Kind, string Reason);

public sealed partial record MethodResult
{
    /// <summary>The method's report name (<c>gd</c>, <c>newton-cg</c>): <c>Run.Name</c>.</summary>
    public string Name => Run.Name;

    /// <summary>
    /// The run's name in the comparison's table, reports and plots: <see cref="Name"/>, or when the comparison
    /// runs the method more than once or with options that differ from their defaults, the name with what sets this run apart
    /// (<c>gd:0.01</c>, <c>hig:0.5:tau=0.5</c>, <see cref="MethodCatalog.Labels"/>): <c>Run.Label</c>.
    /// </summary>
    public string Label => Run.Label;

    /// <summary>The step size η.</summary>
    public double Eta => Run.Eta;

    /// <summary>The last point.</summary>
    public IReadOnlyList<double> Final => Run.Final;

    /// <summary>The last loss.</summary>
    public double FinalLoss => Run.FinalLoss;

    /// <summary>The loss at the start.</summary>
    public double StartLoss => Run.Losses[0];

    /// <summary>Why the run stopped, as the stop reason's name (<c>Converged</c>, <c>IterationLimit</c>, <c>Diverged</c>, …):
    /// a stable code for programs; <see cref="StopWords"/> is the same for people.</summary>
    public string Stop => Run.StopReason.ToString();

    /// <summary>Why the run stopped, in words (<c>converged</c>, <c>iteration limit</c>, <c>diverged</c>, …; <see cref="ExitReason.Label"/>).</summary>
    public string StopWords => Run.StopWords;

    /// <summary>Whether the final loss is above the start's without the run having diverged (see RELIABILITY.md, "Stop reasons").</summary>
    public bool LossRose => Run.LossRose;

    /// <summary>The stop in words (<c>10 iterations</c>, <c>gradient norm 1e-12 ≤ tolerance</c>).</summary>
    public string StopDetail => Run.StopDetail;

    /// <summary>The stop for display, reason in words and detail at one level: <c>converged: step length 0 ≤ 1E-12 at
    /// iteration 3, at a minimum; eigenvalues of ∂²L/∂x²: 2</c>, <c>iteration limit: 10 iterations</c>.</summary>
    public string StopText => ExitReason.Text(Run.StopReason, Run.StopDetail);

    /// <summary>The stop for a table cell: <see cref="StopText"/>, except that a run stopped by its iteration
    /// limit reads <c>iteration limit (10)</c>, the limit it reached, instead of <c>iteration limit: 10 iterations</c>
    /// (compare's table fits 100 columns with it; <see cref="StopDetail"/> and JSON keep the words).</summary>
    public string StopCell => Run.StopCell;

    /// <summary>The fallbacks taken, in order.</summary>
    public IReadOnlyList<RunFallback> Fallbacks => [.. Run.Fallbacks.Select(f => new RunFallback(f.Iteration, f.Kind.ToString(), f.Reason))];

    /// <summary>
    /// The problem the run was made on (<see cref="OptimizerRun.Problem"/>): <c>simulator P(x0) = x0^2, loss ½‖y − y*‖², target [4],
    /// start [1], …</c>; null for a result made by hand from a run that carries none.
    /// </summary>
    public string? Problem => Run.Problem?.ToString();

    /// <summary>
    /// Whether the run was made on <paramref name="problem"/>, or on a problem of the same text (the same simulator,
    /// loss, target, start, parameters and inverse; units and title aside): false for another problem, also one of
    /// the same size, and for a result whose run carries no problem (made by hand), which no problem can claim.
    /// </summary>
    public bool BelongsTo(PhysicsProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return Run.Problem is { } made && made.Equals(problem.Definition.Identity);
    }
}

public sealed partial record CheckResult
{
    /// <summary>
    /// The first quantity that was not finite at the point (<c>Gradient</c>, <c>Jacobian</c>, …), its
    /// index and value, when <see cref="NonFinite"/> is set; else null.
    /// </summary>
    public (string Quantity, int Index, double Value)? NonFiniteAt =>
        NonFinite is { } v ? (v.Quantity.ToString(), v.Index, v.Value) : null;
}

public sealed partial record StepUnit
{
    /// <summary>The variable's unit as text (<c>m</c>, <c>1</c> when dimensionless).</summary>
    public string VariableUnitText => VariableUnit.ToString();

    /// <summary>The step's unit as text, or null when it carries none: written in the problem's own
    /// prefixed units where they account for its scale (<c>m^2*ms</c> with x0 in ms; with x0 in 0.1 s the factor in front,
    /// <c>0.1 m^2*s</c>, <see cref="PhysGrad.Symbolic.PhysicalUnit.TextIn"/>),
    /// not in prefixes recombined from elsewhere (<c>cm^2*ks</c>).</summary>
    public string? UnitText => Unit?.TextIn(Given);

    /// <summary>The units the problem's variables and outputs were given in, which <see cref="UnitText"/> writes the step in.</summary>
    internal IReadOnlyList<PhysGrad.Symbolic.PhysicalUnit> Given { get; init; } = [];
}

public sealed partial record MethodUnits
{
    /// <summary>The method's report name (<c>gd</c>).</summary>
    public string Name => MethodCatalog.NameOf(Method);
}

public sealed partial record UpdateRule
{
    /// <summary>The method's report name (<c>gd</c>).</summary>
    public string Name => MethodCatalog.NameOf(Method);
}

public sealed partial record SkippedMethod
{
    /// <summary>The method's report name (<c>pg</c>).</summary>
    public string Name => MethodCatalog.NameOf(Method);

    /// <summary>The method and why it was left out, as derive prints it: <c>pg skipped: …</c>.</summary>
    public override string ToString() => $"{Name} skipped: {Reason}";
}

/// <summary>
/// The rules of the methods that apply to a problem and those left out with the reason
/// (<see cref="PhysicsProblem.ApplicableRules()"/>); deconstructs as <c>var (rules, skipped) = …</c>.
/// </summary>
/// <param name="Rules">The rules derived, in the list's order.</param>
/// <param name="Skipped">The methods that do not apply, each with its reason.</param>
public sealed record ApplicableRuleSet(IReadOnlyList<UpdateRule> Rules, IReadOnlyList<SkippedMethod> Skipped) : IReadOnlyList<UpdateRule>
{
    /// <summary>The rule at <paramref name="index"/> of <see cref="Rules"/>: the set is the list of its rules
    /// (<c>foreach (var rule in problem.ApplicableRules())</c>), with <see cref="Skipped"/> beside it.</summary>
    public UpdateRule this[int index] => Rules[index];

    /// <summary>The number of rules (<see cref="Rules"/>), not counting the methods skipped.</summary>
    public int Count => Rules.Count;

    /// <inheritdoc/>
    public IEnumerator<UpdateRule> GetEnumerator() => Rules.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>One line per rule (<see cref="UpdateRule.ToString"/>), then one per method left out
    /// (<c>pg skipped: …</c>).</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Rules.Select(r => r.ToString()).Concat(Skipped.Select(s => s.ToString())));
}

/// <summary>
/// The methods a problem runs by default and those left out with the reason (<see cref="PhysicsProblem.DefaultMethods"/>):
/// the list of the methods to run, each with its step size (<c>foreach (var m in problem.DefaultMethods())</c>, or
/// <c>problem.CompareMethods(problem.DefaultMethods())</c>), with <see cref="Skipped"/> beside it; deconstructs as
/// <c>var (run, skipped) = …</c>.
/// </summary>
/// <param name="Run">The methods that apply, at their default step sizes, in the comparison's order.</param>
/// <param name="Skipped">The default methods that do not apply or that the problem's defaults leave out, each with its reason.</param>
public sealed record DefaultMethodSet(IReadOnlyList<MethodSpec> Run, IReadOnlyList<SkippedMethod> Skipped) : IReadOnlyList<MethodSpec>
{
    /// <summary>The method at <paramref name="index"/> of <see cref="Run"/>.</summary>
    public MethodSpec this[int index] => Run[index];

    /// <summary>The number of methods to run (<see cref="Run"/>), not counting those skipped.</summary>
    public int Count => Run.Count;

    /// <inheritdoc/>
    public IEnumerator<MethodSpec> GetEnumerator() => Run.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The methods to run on one line, as the plots' legends name them (<see cref="MethodSpec.NameWithStep"/>:
    /// <c>gd (η = 0.01), newton (η = 1/3), pg (η = 0.3), ig (η = 0.3)</c>), then one line per method left out
    /// (<c>pg skipped: …</c>).</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Skipped.Select(s => s.ToString())
            .Prepend(Run.Count == 0 ? "no method applies" : string.Join(", ", Run.Select(m => m.NameWithStep))));
}

/// <summary>
/// A read-only list whose <see cref="ToString"/> prints its elements (a plain array prints its type name,
/// <c>PhysGrad.Expression[]</c>): what the API returns for a list a caller may print, such as
/// <see cref="PhysicsProblem.YStep"/>'s <c>Δy0 = -eta*(y0 - 1); Δy1 = …</c>.
/// </summary>
internal sealed class PrintedList<T>(T[] items, Func<T, int, string> line, string separator, IReadOnlyList<string>? after = null) : IReadOnlyList<T>
{
    /// <inheritdoc/>
    public T this[int index] => items[index];

    /// <inheritdoc/>
    public int Count => items.Length;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => items.GetEnumerator();

    /// <summary>The elements, each as <c>line</c> writes it, then the lines <c>after</c> them (what was left out), joined by the separator.</summary>
    public override string ToString() => string.Join(separator, items.Select(line).Concat(after ?? []));
}
