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
    private readonly IReadOnlyList<UpdateRule> _rules = PrintedList.Lines(Rules);
    private readonly IReadOnlyList<SkippedMethod> _skipped = PrintedList.Lines(Skipped);

    /// <summary>The rules derived, in the list's order; prints one rule per line (a plain list printed its type's name).</summary>
    public IReadOnlyList<UpdateRule> Rules { get => _rules; init => _rules = PrintedList.Lines(value); }

    /// <summary>The methods that do not apply, each with its reason; prints one <c>pg skipped: …</c> line per method
    /// (a plain list printed <c>System.Collections.Generic.List`1[PhysGrad.SkippedMethod]</c>).</summary>
    public IReadOnlyList<SkippedMethod> Skipped { get => _skipped; init => _skipped = PrintedList.Lines(value); }

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
    private readonly IReadOnlyList<MethodSpec> _run = Methods(Run);
    private readonly IReadOnlyList<SkippedMethod> _skipped = PrintedList.Lines(Skipped);

    /// <summary>The methods that apply, at their default step sizes, in the comparison's order; prints as the plots'
    /// legends name them, <c>gd (η = 0.01), newton (η = 1/3)</c> (a plain array printed <c>PhysGrad.MethodSpec[]</c>).</summary>
    public IReadOnlyList<MethodSpec> Run { get => _run; init => _run = Methods(value); }

    /// <summary>The default methods that do not apply or that the problem's defaults leave out, each with its reason;
    /// prints one <c>pg skipped: …</c> line per method (a plain list printed <c>&lt;&gt;z__ReadOnlyList`1[PhysGrad.SkippedMethod]</c>).</summary>
    public IReadOnlyList<SkippedMethod> Skipped { get => _skipped; init => _skipped = PrintedList.Lines(value); }

    private static PrintedList<MethodSpec> Methods(IReadOnlyList<MethodSpec> run) =>
        new([.. run], (m, _) => m.NameWithStep, ", ", empty: "no method applies");

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
internal sealed class PrintedList<T>(T[] items, Func<T, int, string> line, string separator, IReadOnlyList<string>? after = null, string empty = "") : IReadOnlyList<T>
{
    /// <inheritdoc/>
    public T this[int index] => items[index];

    /// <inheritdoc/>
    public int Count => items.Length;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => items.GetEnumerator();

    /// <summary>The elements, each as <c>line</c> writes it, then the lines <c>after</c> them (what was left out), joined by the separator.</summary>
    public override string ToString() =>
        items.Length == 0 && (after is null || after.Count == 0) ? empty : string.Join(separator, items.Select(line).Concat(after ?? []));
}

/// <summary>
/// A list the API returns, held as given (not copied) and printed in the short list form of the reports,
/// <c>[x0, x1]</c> or <c>[0.1, 0.2, …, 0.9] (100 values)</c> (<see cref="ResultText.List"/>), where the list itself
/// printed its type's name (<c>System.String[]</c>). Equal to another wrapping the same list, as the list was to itself,
/// so the records that hold one compare as before. Hand-written: the BCL's read-only wrappers print their type's name too.
/// </summary>
internal sealed class ShortList<T>(IReadOnlyList<T> items, string noun) : IReadOnlyList<T>
{
    internal IReadOnlyList<T> Items => items;

    /// <inheritdoc/>
    public T this[int index] => items[index];

    /// <inheritdoc/>
    public int Count => items.Count;

    /// <inheritdoc/>
    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary><c>[a, b]</c>, or <c>[a, b, …, z] (100 items)</c>; numbers as their shortest round-trip text.</summary>
    public override string ToString() =>
        ResultText.List(items.Count, i => items[i] is double d ? NumberText.RoundTrip(d) : items[i]?.ToString() ?? "null", noun);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(obj is ShortList<T> other ? other.Items : obj, items);

    /// <inheritdoc/>
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(items);
}

/// <summary>
/// A read-only dictionary the API returns (a method's options), held as given and printed as <c>kappa = -0.5, tau = 0.001</c>
/// (<c>none</c> when empty), where the dictionary printed <c>System.Collections.Generic.Dictionary`2[…]</c>. Equal to
/// another wrapping the same dictionary, as <see cref="ShortList{T}"/>.
/// </summary>
internal sealed class PrintedDictionary(IReadOnlyDictionary<string, double> items) : IReadOnlyDictionary<string, double>
{
    internal IReadOnlyDictionary<string, double> Items => items;

    /// <inheritdoc/>
    public double this[string key] => items[key];

    /// <inheritdoc/>
    public IEnumerable<string> Keys => items.Keys;

    /// <inheritdoc/>
    public IEnumerable<double> Values => items.Values;

    /// <inheritdoc/>
    public int Count => items.Count;

    /// <inheritdoc/>
    public bool ContainsKey(string key) => items.ContainsKey(key);

    /// <inheritdoc/>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out double value) => items.TryGetValue(key, out value);

    /// <inheritdoc/>
    public IEnumerator<KeyValuePair<string, double>> GetEnumerator() => items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary><c>kappa = -0.5, tau = 0.001</c>, or <c>none</c>.</summary>
    public override string ToString() =>
        items.Count == 0 ? "none" : string.Join(", ", items.Select(kv => $"{kv.Key} = {NumberText.RoundTrip(kv.Value)}"));

    /// <inheritdoc/>
    public override bool Equals(object? obj) => ReferenceEquals(obj is PrintedDictionary other ? other.Items : obj, items);

    /// <inheritdoc/>
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(items);
}

/// <summary>Lists that print their elements (<see cref="PrintedList{T}"/>, <see cref="ShortList{T}"/>).</summary>
internal static class PrintedList
{
    /// <summary>The list in the short list form (<see cref="ShortList{T}"/>); a list that already prints is kept.</summary>
    public static IReadOnlyList<T> Short<T>(IReadOnlyList<T> items, string noun) =>
        items is ShortList<T> or PrintedList<T> ? items : new ShortList<T>(items, noun);

    /// <summary>The dictionary as <c>name = value</c> pairs (<see cref="PrintedDictionary"/>).</summary>
    public static IReadOnlyDictionary<string, double> Pairs(IReadOnlyDictionary<string, double> items) =>
        items as PrintedDictionary ?? new PrintedDictionary(items);

    /// <summary>The items, one per line as each prints itself (<c>none</c> when there are none); a list that already
    /// prints so is kept.</summary>
    public static IReadOnlyList<T> Lines<T>(IReadOnlyList<T> items) =>
        items is PrintedList<T> printed ? printed : new PrintedList<T>([.. items], (item, _) => item?.ToString() ?? "", Environment.NewLine, empty: "none");
}
