using System.Text.Json;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>A target made for a problem that gave none (<see cref="ProblemDefinition.GenerateTarget"/>).</summary>
/// <param name="Point">The point x′ whose image is the target.</param>
/// <param name="Target">y* = P(x′), one value per output.</param>
/// <param name="How">How it was made, in words, with its distance from P at the point it was made around.</param>
public sealed record GeneratedTarget(double[] Point, double[] Target, string How)
{
    /// <summary><c>y* = [4.84]: y* = P(x′) at x′ = [2.2] (…)</c>.</summary>
    public override string ToString() => $"y* = {NumberText.Vector(Target)}: {How}";
}

/// <summary>
/// A problem as text: variables, simulator components y = P(x), a loss in y0, y1, … (default
/// ½‖y − y*‖²), the target y*, the start point and optionally a local inverse (one expression per
/// variable in the outputs y0, y1, … and the current point's variables, for choosing a branch).
/// An empty <see cref="Target"/> or <see cref="Start"/> means "not given": closed-form rules do not
/// need them (the target is then symbolic, see <see cref="TargetSymbols"/>), running or checking does
/// (see <see cref="WithGenericPoint"/>).
/// </summary>
public sealed partial record ProblemDefinition(
    IReadOnlyList<string> Variables,
    IReadOnlyList<string> Simulator,
    string? Loss,
    IReadOnlyList<double> Target,
    IReadOnlyList<double> Start,
    IReadOnlyList<string>? Inverse = null)
{
    /// <summary>
    /// True when <see cref="Loss"/> is the default ½‖y − y*‖² written in the target's parameter names (made by
    /// <see cref="WithParameterTargets"/> from <c>--target a --param a=4</c>), not a loss the user gave: what
    /// is printed about the target must then not say "the loss is the given one".
    /// </summary>
    public bool LossFromTarget { get; init; }

    /// <summary>Whether the user gave a loss of their own (not the default one, however it is written).</summary>
    public bool LossGiven => Loss is not null && !LossFromTarget;

    /// <summary>The book's comparison example (docs/theory.md §4); its exact inverse [y0, sign(x1)·√y1] is derived.</summary>
    public static ProblemDefinition Book { get; } =
        new(["x0", "x1"], ["x0", "x1^2"], "y0^2 + y1^2", [0.0, 0.0], [3.0, 3.0]);

    /// <summary>
    /// The parsed fields, shared by the copies that <c>with</c> makes: each entry is keyed by the text object
    /// it was parsed from, so a field that a copy replaces is parsed anew and an unchanged one never again
    /// (the problem's text is parsed once per field, however often it is checked, run or derived).
    /// </summary>
    private sealed class ParseCache
    {
        private readonly Dictionary<object, Expr[]> _lists = new(ReferenceEqualityComparer.Instance);
        private readonly Dictionary<object, Expr> _single = new(ReferenceEqualityComparer.Instance);

        public Expr[] List(object source, Func<Expr[]> parse)
        {
            lock (this)
                if (_lists.TryGetValue(source, out var parsed)) return parsed;
            var fresh = parse();
            lock (this) _lists[source] = fresh;
            return fresh;
        }

        public Expr One(object source, Func<Expr> parse)
        {
            lock (this)
                if (_single.TryGetValue(source, out var parsed)) return parsed;
            var fresh = parse();
            lock (this) _single[source] = fresh;
            return fresh;
        }

        public void Seed(object source, Expr[] parsed) { lock (this) _lists[source] = parsed; }

        // Where each simulator component of a problem file came from ("simulator[0] at i = 3"), keyed by
        // the component list it describes: a copy with other components has none.
        private readonly Dictionary<object, string[]> _origins = new(ReferenceEqualityComparer.Instance);

        public void SeedOrigins(object source, string[] origins) { lock (this) _origins[source] = origins; }

        public string[]? Origins(object source) { lock (this) return _origins.GetValueOrDefault(source); }

        public void Seed(object source, Expr parsed) { lock (this) _single[source] = parsed; }

        // Record equality compares fields: the cache holds nothing the text does not say.
        public override bool Equals(object? obj) => obj is ParseCache;

        public override int GetHashCode() => 0;
    }

    private readonly ParseCache _parsed = new();

    /// <summary>The simulator components, parsed once (per text).</summary>
    internal Expr[] ParsedSimulator() =>
        _parsed.List(Simulator, () => Simulator.Select((s, i) => ParseField($"simulator[{i}]", s)).ToArray());

    /// <summary>
    /// The simulator read with its decimals exact (<see cref="Parse.ManyExact"/> of each component's text:
    /// 3.14159*x0^2/9.81 as 314159/981000*x0^2, where the doubles' reading folds the quotient into
    /// 0.32024362895005093) and the decimals written in it (<see cref="Parse.WrittenDecimals"/>), when each
    /// component's text parses to the expression of <paramref name="simulator"/> at its place; null otherwise
    /// (a problem built from expressions, or components that do not come from this text).
    /// </summary>
    internal (Expr[] Simulator, Rational[] Decimals)? ExactSimulator(Expr[] simulator)
    {
        if (Simulator.Count != simulator.Length) return null;
        try
        {
            var parsed = ParsedSimulator();
            for (var i = 0; i < simulator.Length; i++)
                if (!ReferenceEquals(parsed[i], simulator[i])) return null;
            var exact = Simulator.Select(Parse.ManyExact).ToArray();
            if (exact.Any(c => c.Length != 1)) return null;
            return ([.. exact.Select(c => c[0])], [.. Simulator.SelectMany(Parse.WrittenDecimals).Distinct()]);
        }
        catch (SymbolicException)
        {
            return null;
        }
    }

    /// <summary>The loss, parsed once (per text); null when none was given.</summary>
    internal Expr? ParsedLoss() => Loss is null ? null : _parsed.One(Loss, () => ParseField("loss", Loss));

    /// <summary>The local inverse, parsed once (per text); null when none was given.</summary>
    internal Expr[]? ParsedInverse() => Inverse is null ? null
        : _parsed.List(Inverse, () => Inverse.Select((s, i) => ParseField($"inverse[{i}]", s)).ToArray());

    /// <summary>
    /// This definition with fields already parsed from its text (a factory that parsed or built the
    /// expressions itself), so they are not parsed again. Each array must be what its text says.
    /// </summary>
    internal ProblemDefinition Seeded(Expr[]? simulator = null, Expr? loss = null, Expr[]? inverse = null)
    {
        if (simulator is not null && simulator.Length == Simulator.Count) _parsed.Seed(Simulator, simulator);
        if (loss is not null && Loss is not null) _parsed.Seed(Loss, loss);
        if (inverse is not null && Inverse is not null && inverse.Length == Inverse.Count) _parsed.Seed(Inverse, inverse);
        return this;
    }

    /// <summary>
    /// This definition with its simulator already parsed (the components of the text in
    /// <see cref="Simulator"/>, in order), so that checking and running it does not parse it again.
    /// Components that do not match in number are ignored (the text is then parsed when needed).
    /// </summary>
    /// <param name="components">The parsed components, e.g. from <see cref="Expression.ParseMany"/> of the simulator text.</param>
    public ProblemDefinition WithParsedSimulator(IReadOnlyList<Expression> components) =>
        Seeded(simulator: components.Select(c => c.Core).ToArray());

    /// <summary>
    /// Target components given as names instead of numbers (one entry per output: a name, or null where
    /// <see cref="Target"/> holds the number); null when the target is all numbers. Names stay symbolic
    /// in the rules; a name may be one of <see cref="Parameters"/>. In a problem file: a string in
    /// <c>"target"</c>, e.g. <c>["a", 2]</c>.
    /// </summary>
    public IReadOnlyList<string?>? TargetSymbols { get; init; }

    /// <summary>Whether a target was given (numbers or names, one per output).</summary>
    public bool HasTarget => Target.Count > 0 || TargetSymbols is not null;

    /// <summary>
    /// The names the target's symbolic entries use, each once, in the order of the outputs they first stand for
    /// (a target [a, a] names the one symbol a); empty when the target is numeric. Messages list these.
    /// </summary>
    public IReadOnlyList<string> TargetSymbolNames => TargetSymbols?.OfType<string>().Distinct().ToArray() ?? [];

    /// <summary>Whether the target is all numbers (what running needs).</summary>
    public bool HasNumericTarget => Target.Count > 0 && (TargetSymbols is null || TargetSymbols.All(n => n is null));

    /// <summary>Whether a start point was given.</summary>
    public bool HasStart => Start.Count > 0;

    /// <summary>The prefix of the symbols that stand for a target that was not given: <c>ys0, ys1, …</c>
    /// (y*₀, y*₁, … in LaTeX), or <c>ystar0, …</c> when a variable or parameter name begins with "ys".</summary>
    public string TargetSymbolPrefix
    {
        get
        {
            var taken = Variables.Concat(Parameters?.Keys ?? Enumerable.Empty<string>()).ToArray();
            return new[] { "ys", "ystar", "ytarget" }.FirstOrDefault(p => !taken.Any(n => n.StartsWith(p, StringComparison.Ordinal)))
                ?? throw new SymbolicException(ErrorKind.Variable,
                    "Every name for a symbolic target (ys0, ystar0, ytarget0) is taken by a variable or parameter; give the target.");
        }
    }

    /// <summary>
    /// The name of the step size η in closed-form rules: <c>eta</c>, or <c>etastep</c> (then
    /// <c>stepsize</c>) when a variable, parameter or target name is <c>eta</c>, so the step never
    /// merges with a symbol of the problem.
    /// </summary>
    /// <exception cref="SymbolicException">Every candidate name is taken (ErrorKind.Variable).</exception>
    public string StepSymbol
    {
        get
        {
            var taken = Variables.Concat(Parameters?.Keys ?? Enumerable.Empty<string>())
                .Concat(TargetSymbols?.OfType<string>() ?? Enumerable.Empty<string>()).ToHashSet();
            return new[] { "eta", "etastep", "stepsize" }.FirstOrDefault(p => !taken.Contains(p))
                ?? throw new SymbolicException(ErrorKind.Variable,
                    "Every name for the step size (eta, etastep, stepsize) is taken by a variable, parameter or target name; rename one.");
        }
    }

    /// <summary>
    /// The target as expressions, one per output: the given numbers and names, or the symbols
    /// <see cref="TargetSymbolPrefix"/>0, 1, … when no target was given.
    /// </summary>
    public IReadOnlyList<Expression> TargetExpressions()
    {
        if (!HasTarget)
        {
            var prefix = TargetSymbolPrefix;
            // By count, not by enumerating the text (which would print every component; see PrintedExpressions).
            return Enumerable.Range(0, Simulator.Count).Select(j => Expression.Symbol(prefix + j)).ToArray();
        }
        return Enumerable.Range(0, Simulator.Count).Select(j =>
            TargetSymbols?[j] is { } name ? Expression.Symbol(name)
            : Target.Count > j ? Expression.Wrap(Constant(Target[j]))
            : Expression.Constant(double.NaN)).ToArray();
    }

    private static Expr Constant(double v) =>
        v == Math.Round(v) && Math.Abs(v) < 1e15 ? ExprModule.Number(Rational.OfBig(new System.Numerics.BigInteger(v))) : ExprModule.Real(v);

    /// <summary>
    /// The problem with a start and a numeric target where they are missing: start 0.6, 0.7, 0.8, …, and
    /// the target <see cref="GenerateTarget"/> makes around <paramref name="at"/> (the point the command
    /// works at: check's --at; the start when null), so that the point is never at the target by
    /// construction. A symbolic target is replaced too.
    /// </summary>
    /// <param name="at">The point the target is generated around (one value per variable), or null for the start.</param>
    /// <exception cref="SymbolicException">A simulator component that does not parse.</exception>
    public ProblemDefinition WithGenericPoint(IReadOnlyList<double>? at = null)
    {
        if (HasStart && HasNumericTarget) return this;
        var start = HasStart ? Start.ToArray() : Variables.Select((_, i) => 0.6 + 0.1 * i).ToArray();
        if (HasNumericTarget) return this with { Start = start };
        var generated = GenerateTarget(at is not null && at.Count == Variables.Count ? at : start);
        return this with { Start = start, Target = generated.Target, TargetSymbols = null, GeneratedTargetHow = generated.How };
    }

    /// <summary>How <see cref="WithGenericPoint"/> made the target (<see cref="GeneratedTarget.How"/>); null for a target that was given.</summary>
    public string? GeneratedTargetHow { get; init; }

    /// <summary>
    /// The target made when none is given, y* = P(x′) (x′ and y* each rounded to 15 significant digits, so that
    /// 0.66² is written 0.4356 rather than 0.4355999999999999), with x′ = x moved by 10% of each entry's size
    /// (of the largest |xⱼ| where xᵢ = 0, of 1 when all are 0), alternately up and down (+, −, +, …:
    /// not along x itself, along which a homogeneous P would only scale y); where that lands outside P's
    /// domain or P changes by less than 5% (‖y* − P(x)‖ &lt; 0.05·‖P(x)‖: a product x0·x1 moved up and down), the same move with the signs turned, all up,
    /// all down, then 30% instead of 10%, then 0.1 and 0.3 outright (for entries near 0, whose own size moves
    /// P too little); the first that lands that far from P(x) is taken, else the one
    /// farthest from it (and the text says so). Reachable by construction (y* is an image of P), and never P(x) itself, so no
    /// check or unit measurement starts at the target (loss 0, no step to measure).
    /// </summary>
    /// <param name="at">The point x, one value per variable.</param>
    /// <returns>x′, y* (0 for a component not finite at every candidate) and how it was made, in words, for
    /// the output of a command that generated it (<c>y* = P(x′) at x′ = [0.66, 0.63] (x moved by 10% of each
    /// entry, alternately up and down): ‖y* − P(x)‖ = 0.1·‖P(x)‖</c>).</returns>
    /// <exception cref="ArgumentException"><paramref name="at"/> does not have one value per variable, or has a NaN or infinite one.</exception>
    public GeneratedTarget GenerateTarget(IReadOnlyList<double> at)
    {
        const double Distinct = 0.05;
        if (at.Count != Variables.Count)
            throw new ArgumentException($"The point has {at.Count} values but the problem has {Variables.Count} variables.", nameof(at));
        for (var j = 0; j < at.Count; j++)
            if (!double.IsFinite(at[j]))
                throw new ArgumentException($"The point 'at' has {NumberText.Short(at[j])} in at[{j}] ({Variables[j]}): give finite numbers (no target can be generated around NaN or ±∞).", nameof(at));
        var names = Variables.Concat(Parameters?.Keys ?? Enumerable.Empty<string>()).ToArray();
        var simulator = ParsedSimulator();
        double[] Image(IReadOnlyList<double> x)
        {
            var values = x.Concat(Parameters?.Values ?? Enumerable.Empty<double>()).ToArray();
            return simulator.Select(c => Evaluate.At(names, values, c)).ToArray();
        }
        // Scaled by the largest entry (CompiledProblem.Norm): the plain sum of squares underflows for entries below
        // 1E-154 (P = 1E-200·x0 moved by 10% read "‖y* − P(x)‖ = 0", and no move was found distinct).
        static double Norm(IEnumerable<double> v) { var a = v.ToArray(); return CompiledProblem.Norm(a, a.Length); }
        var here = Image(at);
        var largest = at.Count == 0 ? 0 : at.Max(Math.Abs);
        var size = at.Select(v => v != 0 ? Math.Abs(v) : largest > 0 ? largest : 1.0).ToArray();
        var alternating = at.Select((_, i) => i % 2 == 0 ? 1.0 : -1.0).ToArray();
        var one = at.Count == 1;
        var patterns = new (double[] Signs, string Words)[]
        {
            (alternating, one ? "up" : "alternately up and down"),
            (alternating.Select(s => -s).ToArray(), one ? "down" : "alternately down and up"),
            (alternating.Select(_ => 1.0).ToArray(), "all up"),
            (alternating.Select(_ => -1.0).ToArray(), "all down"),
        };
        GeneratedTarget? best = null;
        var bestDistance = -1.0;
        var reference = here.All(double.IsFinite) ? Norm(here) : double.NaN;
        // Moves relative to each entry's size first (units stay the user's); then by 0.1 and 0.3 outright, for
        // a point so near 0 that moving it by its own size leaves P where it was (exp(x0) at x0 = 1e-6).
        foreach (var (fraction, absolute) in new[] { (0.1, false), (0.3, false), (0.1, true), (0.3, true) })
            foreach (var (signs, words) in patterns)
            {
                // x′ and y* as the decimals they stand for (NumberText.Decimal15): the JSON and CSV that write the
                // target in full wrote 0.66² as 0.4355999999999999, read as a typed 0.4356 mangled.
                var point = at.Select((v, i) => NumberText.Decimal15(v + fraction * signs[i] * (absolute ? 1.0 : size[i]))).ToArray();
                var image = Image(point).Select(NumberText.Decimal15).ToArray();
                if (!image.All(double.IsFinite)) continue;
                var distance = Norm(image.Select((v, j) => v - here[j]));
                var relative = !double.IsFinite(reference) ? "not finite (P(x) is not)"
                    : reference > 0 ? $"{NumberText.Short(distance / reference, 3)}·‖P(x)‖" : NumberText.Short(distance, 3);
                // Said as it was done: an entry at 0 moves by a fraction of the largest |xⱼ| (of 1 when all are 0).
                var moved = absolute || largest == 0 ? $"{NumberText.Short(fraction * (absolute ? 1.0 : size[0]))} in {(one ? "value" : "each entry")}"
                    : $"{Math.Round(100 * fraction)}% of {(one ? "its size" : "each entry's size")}" +
                      (at.Any(v => v == 0) ? $" ({Math.Round(100 * fraction)}% of the largest |xⱼ| for an entry at 0)" : "");
                var how = $"y* = P(x′) at x′ = {NumberText.Vector(point)} (x moved by {moved}, {words}): ‖y* − P(x)‖ = {relative}";
                var candidate = new GeneratedTarget(point, image, how);
                if (!double.IsFinite(reference) || distance > 0 && distance >= Distinct * reference) return candidate;
                if (distance > bestDistance) (best, bestDistance) = (candidate, distance);
            }
        if (best is not null)
            return best with { How = best.How + $" (the largest change of P among the moves tried; none changed it by {Math.Round(100 * Distinct)}% of ‖P(x)‖)" };
        var zeros = new double[Simulator.Count];
        return new GeneratedTarget(at.ToArray(), zeros, "y* = 0 (P is not finite at any point tried near x: 10% and 30% of each entry, 0.1 and 0.3)");
    }

    /// <summary>
    /// The problem in one line: <c>P(x0, x1) = [x0, x1^2], L = y0^2 + y1^2, target [0, 0], start [3, 3]</c>,
    /// with the parameters, units and inverse when given ("not given" for a missing target or start).
    /// </summary>
    public override string ToString()
    {
        var text = $"{SimulatorShown}, L = {LossShown}, target {TargetShown}, start {StartShown}";
        if (Parameters is { Count: > 0 }) text += ", parameters " + ParametersShown;
        if (Units is { Count: > 0 }) text += ", units " + string.Join(", ", Units.Take(ResultText.Shown).Select(u => $"{u.Key} [{u.Value}]")) + (Units.Count > ResultText.Shown ? $", … ({Units.Count} in all)" : "");
        if (Inverse is not null) text += ", inverse " + InverseShown;
        else if (!DeriveInverse) text += ", numeric inverse";
        return text;
    }

    // The parts of the one-line form, in the CLI's header forms (Headline): more than four names, components or
    // numbers are shown as the first two, an ellipsis and the last with the count, numbers with six significant
    // digits and the floating literals of expressions rounded (0.7290000000000001*x0 is 0.729*x0), so a traced
    // 64-variable problem reads as one line. ToJson gives everything whole.
    private string SimulatorShown =>
        $"P({ResultText.Names(Variables, "variable")}) = " + ResultText.Items(Simulator, c => ExpressionText.ForHeader(ExpressionText.Formatted(c),
            Simulator.Count == 1 ? ExpressionText.HeaderLength : ExpressionText.ListItemLength), "component");

    private string LossShown => Loss is null ? "½‖y − y*‖²" : ExpressionText.ForHeader(ExpressionText.Formatted(Loss));

    private string TargetShown => !HasTarget ? "not given"
        : TargetSymbols is null ? NumberText.Vector(Target)
        : ResultText.Items(Enumerable.Range(0, Math.Max(Target.Count, TargetSymbols.Count)).Select(j =>
            TargetSymbols[j] ?? (j < Target.Count ? NumberText.Short(Target[j]) : "?")).ToArray(), t => t, "value");

    private string StartShown => HasStart ? NumberText.Vector(Start) : "not given";

    private string ParametersShown => Parameters is { Count: > 0 }
        ? string.Join(", ", Parameters.Select(p => $"{p.Key} = {NumberText.Short(p.Value)}")) : "none";

    private string InverseShown => Inverse is not null
        ? ResultText.Items(Inverse, i => ExpressionText.ForHeader(ExpressionText.Readable(i), ExpressionText.ListItemLength), "component")
        : DeriveInverse ? "derived" : "numeric";

    // One identity per definition object, made when first asked for (a record's `with` makes a new object, and so a new entry).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<ProblemDefinition, ProblemIdentity> Identities = new();

    /// <summary>
    /// The identity of the problem this definition states (<see cref="ProblemIdentity"/>), which the façade's runs
    /// carry (<see cref="OptimizerRun.Problem"/>): the variables and simulator, the loss, the target, the start, the
    /// parameters' values and the inverse, each whole (round-trip numbers, the expressions' text). Definitions of the
    /// same text have equal identities; units, title and known solution, which no run depends on, are not part of it.
    /// </summary>
    internal ProblemIdentity Identity => Identities.GetValue(this, d => new ProblemIdentity(
    [
        ("simulator", () => d.SimulatorShown, [.. d.Variables, "=", .. d.Simulator]),
        ("loss", () => d.LossShown, [d.Loss ?? ""]),
        ("target", () => d.TargetShown, [.. d.Target.Select(NumberText.RoundTrip), "|", .. (d.TargetSymbols ?? []).Select(t => t ?? "")]),
        ("start", () => d.StartShown, [.. d.Start.Select(NumberText.RoundTrip)]),
        ("parameters", () => d.ParametersShown, [.. (d.Parameters ?? new Dictionary<string, double>()).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}={NumberText.RoundTrip(p.Value)}")]),
        ("inverse", () => d.InverseShown, d.Inverse ?? [d.DeriveInverse ? "derived" : "numeric"]),
    ]));

    /// <summary>The output names y0, y1, ….</summary>
    public string[] Outputs => Enumerable.Range(0, Simulator.Count).Select(i => $"y{i}").ToArray();

    /// <summary>The loss text: the given one, or ½‖y − y*‖² written out with the target's values.</summary>
    public string LossText => Loss ?? Infix.Format(HasNumericTarget
        ? Problem.DefaultLoss(Outputs, Target.ToArray())
        : Problem.DefaultLoss(Outputs, TargetExpressions().Select(t => t.Core).ToArray()));

    /// <summary>
    /// Whether to derive a local inverse symbolically when none is given (default true); false keeps
    /// PG on the numeric inverse. In a problem file: <c>"inverse": "numeric"</c>.
    /// </summary>
    public bool DeriveInverse { get; init; } = true;

    /// <summary>
    /// Units of variables and (optionally) outputs and parameters, as unit text (<c>"m"</c>,
    /// <c>"m/s^2"</c>), by name or by pattern: a key with '*' (<c>"x*"</c>) gives every name that matches
    /// the unit, and a unit given by name wins over it; null for a problem without units. In a problem
    /// file: <c>"units": {"x*": "K", "y0": "K"}</c>. Building the problem raises a
    /// <see cref="SymbolicException"/> (kind Units) for a pattern that matches no name.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Units { get; init; }

    /// <summary>Whether <see cref="Units"/> gives <paramref name="name"/> a unit, by name or by a pattern it matches.</summary>
    public bool UnitGiven(string name) => GivenUnitText(name) is not null;

    /// <summary>The unit <see cref="Units"/> gives <paramref name="name"/>, as typed (<c>N</c>, not its SI form
    /// <c>kg*m/s^2</c>): by name, else by the first pattern it matches; null when none does.
    /// A unit pasted with its brackets (<c>[60 s]</c>, as tables print units) is given without them.</summary>
    public string? GivenUnitText(string name) =>
        Bare(Units is null ? null
        : Units.TryGetValue(name, out var typed) ? typed
        : Units.FirstOrDefault(u => Symbolic.Units.IsPattern(u.Key) && Symbolic.Units.Matches(u.Key, name)).Value);

    private static string? Bare(string? unit) =>
        unit?.Trim() is { Length: >= 2 } t && t[0] == '[' && t[^1] == ']' ? t[1..^1].Trim() : unit;

    /// <summary>
    /// Named constants with values that the simulator, loss and inverse may use (a C# lambda's captured
    /// values); rules keep the names, compiled code uses the values. In a problem file:
    /// <c>"parameters": {"g": 9.81}</c>.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Parameters { get; init; }

    /// <summary>
    /// Whether <see cref="Variables"/> were read from the simulator (<see cref="InferVariables"/>) because the problem
    /// listed none (a problem file without <c>"variables"</c>): a start of the wrong length then most likely
    /// means a constant read as a variable (<see cref="RequireStartCount"/>).
    /// </summary>
    public bool VariablesInferred { get; init; }

    /// <summary>
    /// Refuses a start (when one is given) whose length is not the number of <see cref="Variables"/>. Where the
    /// variables were read from the simulator (<see cref="VariablesInferred"/>) and some look like constants
    /// (<see cref="LikelyConstants"/>: k beside x0), the message says how to give a constant its value, as
    /// <see cref="PhysicsProblem.FromText"/>'s does, in the problem's own terms (its <c>"parameters"</c>).
    /// Call <see cref="RequireSimulatorNames"/> first: a start too long for declared variables follows from a name.
    /// </summary>
    /// <exception cref="SymbolicException">ErrorKind.Shape: the counts, the variables and what to give.</exception>
    public void RequireStartCount() => RequireStartLength(Start.Count);

    private void RequireStartLength(int given)
    {
        if (given == 0 || given == Variables.Count) return;
        if (VariablesInferred && LikelyConstants(Variables) is { Length: > 0 } likely)
        {
            var one = likely.Length == 1;
            var example = string.Join(", ", likely.Select((n, i) => $"\"{n}\": {i + 2}"));
            throw new SymbolicException(ErrorKind.Shape,
                $"The start point has {NumberText.Count(given, "value")} but the problem has {NumberText.Count(Variables.Count, "variable")} " +
                $"({PhysGrad.Symbolic.Problem.Shortened([.. Variables])}), read from the simulator (the problem lists no \"variables\"): " +
                $"if {string.Join(" and ", likely)} {(one ? "is a constant, give its value" : "are constants, give their values")} in \"parameters\" " +
                $"(e.g. \"parameters\": {{{example}}}); otherwise give one value per variable, in that order, or list the variables in \"variables\".");
        }
        if (VariablesInferred && given < Variables.Count && !AnyVariableForm(Variables))
        {
            // No name stands out as a constant (a, b, g), but a start short of the names read means some are: the
            // last ones as the example, since the user knows which.
            var missing = Variables.Count - given;
            var (kept, constants) = (Variables.Take(given).ToArray(), Variables.Skip(given).ToArray());
            throw new SymbolicException(ErrorKind.Shape,
                $"The start point has {NumberText.Count(given, "value")} but the problem has {NumberText.Count(Variables.Count, "variable")} " +
                $"({PhysGrad.Symbolic.Problem.Shortened([.. Variables])}), read from the simulator (the problem lists no \"variables\"): " +
                $"if {missing} of them {(missing == 1 ? "is a constant" : "are constants")}, list the variables in \"variables\" and give " +
                $"{(missing == 1 ? "the constant's value" : "the constants' values")} in \"parameters\" (e.g. \"variables\": [{string.Join(", ", kept.Select(v => $"\"{v}\""))}], " +
                $"\"parameters\": {{{string.Join(", ", constants.Select((n, i) => $"\"{n}\": {i + 2}"))}}}); otherwise give one value per variable, in that order.");
        }
        Problem.RequireStart(given, [.. Variables]);
    }

    /// <summary>
    /// A point x* known to reach the target (P(x*) = y*), for problems built from one (the reference
    /// examples, <see cref="ReferenceProblems.Create"/>); null when none is known. A comparison measures
    /// its distances to it (<see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>) when it is a preimage of the target, whichever
    /// methods ran. Length: the number of variables.
    /// </summary>
    public IReadOnlyList<double>? KnownSolution { get; init; }

    /// <summary>
    /// A short name for plot titles, such as <c>rosenbrock, n = 64</c> for a reference example; null for
    /// a problem given by its formula, which the plots then show (shortened) as its title.
    /// </summary>
    public string? Title { get; init; }

    /// <summary>
    /// The default comparison's own choices for this problem, or null for the catalogue's methods and
    /// step sizes (<see cref="BookExample.DefaultMethods"/>): a reference example's step sizes and the
    /// methods it leaves out of its default list, chosen by measurement (<see cref="ReferenceProblems.Create"/>).
    /// A method list given by the caller is never changed by it.
    /// </summary>
    public DefaultComparison? Defaults { get; init; }

    /// <summary>Parses the fields and checks that they fit together, giving the core's problem model.</summary>
    /// <exception cref="SymbolicException">What is inconsistent, and where (a parse error names the field).</exception>
    public Problem ToProblem()
    {
        // Target names that are parameters have values: the problem runs with them.
        if (!HasNumericTarget && WithParameterTargets() is var resolved && !ReferenceEquals(resolved, this))
            return resolved.ToProblem();
        if (!HasStart)
            throw new SymbolicException(ErrorKind.Invalid,
                $"The problem has no start point; running or checking it needs one value per variable ({string.Join(", ", Variables)}).");
        // A given loss carries its own goal: the target is then optional (it only measures the distance
        // and marks the plots), and the core's placeholder zeros are used by nothing.
        if (Loss is not null && !HasTarget)
            return Build(new double[Simulator.Count], Start.ToArray(), ParseField("loss", Loss), Parameters);
        if (!HasNumericTarget)
            throw new SymbolicException(ErrorKind.Invalid, HasTarget
                ? $"The target names {(TargetSymbolNames.Count == 1 ? "a symbol" : "symbols")} ({string.Join(", ", TargetSymbolNames)}); running or checking the problem needs numbers."
                : $"The problem has no target; running or checking it needs one value per output ({string.Join(", ", Outputs)}).");
        return Build(Target.ToArray(), Start.ToArray(), ParsedLoss(), Parameters);
    }

    /// <summary>
    /// The problem with target names that are <see cref="Parameters"/> replaced by their values (for
    /// running); the default loss keeps the names, so the parameters stay used. The same problem when
    /// the target is all numbers, or names a symbol that is not a parameter.
    /// </summary>
    public ProblemDefinition WithParameterTargets()
    {
        if (HasNumericTarget || TargetSymbols is not { } names || Parameters is null || Target.Count != Simulator.Count
            || names.Count != Simulator.Count || !names.All(n => n is null || Parameters.ContainsKey(n)))
            return this;
        var values = Target.Select((v, j) => names[j] is { } n ? Parameters[n] : v).ToArray();
        if (Loss is not null) return this with { Target = values, TargetSymbols = null };
        // The default loss in the target's names, as text for display and as the expression it says (not
        // printed and parsed again).
        var loss = Problem.DefaultLoss(Outputs, TargetExpressions().Select(t => t.Core).ToArray());
        return (this with { Target = values, TargetSymbols = null, Loss = Infix.FormatExact(loss), LossFromTarget = true }).Seeded(loss: loss);
    }

    /// <summary>
    /// The problem for deriving rules: the target may be missing or symbolic (the default loss is then
    /// written with the target's symbols, which become parameters without a value) and the start may be
    /// missing (rules do not depend on it). Not for running: the symbols' placeholder values are 0.
    /// </summary>
    internal Problem ToSymbolicProblem()
    {
        if (HasNumericTarget && HasStart) return ToProblem();
        var start = HasStart ? Start.ToArray() : new double[Variables.Count];
        if (Loss is not null)
            return Build(HasNumericTarget ? Target.ToArray() : new double[Simulator.Count], start, ParsedLoss(), Parameters);
        // The core's check and message: TargetExpressions below would pad a short target with NaN. The
        // simulator's names first, as the core checks them: a wrong count may only follow from a name.
        RequireSimulatorNames();
        if (Target.Count > 0) Problem.RequireTarget(Target.Count, Simulator.Count);
        var targets = TargetExpressions();
        var parameters = Parameters is null ? new Dictionary<string, double>() : new Dictionary<string, double>(Parameters);
        // Read once, into a set: Outputs builds its names on each read (once per target symbol was O(m²)).
        var taken = Variables.Concat(Outputs).ToHashSet(StringComparer.Ordinal);
        RefuseMisleadingTargetNames();
        foreach (var name in targets.SelectMany(t => t.Variables))
        {
            if (taken.Contains(name))
                throw new SymbolicException(ErrorKind.Variable,
                    $"The target names '{name}', which is a variable or an output; a target symbol needs a name of its own.");
            parameters.TryAdd(name, 0.0);
        }
        var loss = Problem.DefaultLoss(Outputs, targets.Select(t => t.Core).ToArray());
        // Without units: the rules do not depend on them, and the target symbols have none. The target's
        // names that are not the user's parameters are the loss's alone: the simulator may not use them.
        var targetOnly = parameters.Keys.Where(k => Parameters is null || !Parameters.ContainsKey(k)).ToArray();
        return Build(new double[Simulator.Count], start, loss, parameters, withUnits: false, lossOnly: targetOnly);
    }

    /// <summary>
    /// Refuses a target name that reads as another output's generated target symbol: ys1 (or ystar1,
    /// ytarget1) as the target of output 0 would print <c>Δx0 = -eta*(x0 - ys1)</c>, which reads as
    /// output 1's target. The same name for its own output (ys0 for output 0) and a parameter's name
    /// (which has a value of its own) are kept.
    /// </summary>
    /// <exception cref="SymbolicException">ErrorKind.Variable, naming the entry and the name.</exception>
    private void RefuseMisleadingTargetNames()
    {
        if (TargetSymbols is not { } names) return;
        for (var j = 0; j < names.Count; j++)
        {
            if (names[j] is not { } name || Parameters?.ContainsKey(name) == true) continue;
            var match = System.Text.RegularExpressions.Regex.Match(name, "^(ys|ystar|ytarget)([0-9]+)$");
            if (match.Success && match.Groups[2].Value != j.ToString(System.Globalization.CultureInfo.InvariantCulture))
                throw new SymbolicException(ErrorKind.Variable,
                    $"Target entry {j} (for output y{j}) is named '{name}', which reads as the target of output y{match.Groups[2].Value} " +
                    $"({match.Groups[1].Value}<k> names output k's target); name it {match.Groups[1].Value}{j} or a name of your own (a, b, …).");
        }
    }

    /// <summary>
    /// Refuses a simulator component that uses a name that is neither one of <see cref="Variables"/> nor one of
    /// <see cref="Parameters"/>, as running or deriving would (the core's check and message, naming the entry as
    /// written). Callers that check the start's and the target's lengths themselves call it first: a start with
    /// 2 values for the variable x0 alone only follows from a simulator that uses x1 without declaring it.
    /// </summary>
    /// <exception cref="SymbolicException">ErrorKind.Variable: the component, the name and what to do; or a parse error naming the field.</exception>
    public void RequireSimulatorNames()
    {
        var simulator = ParsedSimulator();
        var names = Parameters?.Keys.ToArray() ?? [];
        var target = TargetSymbols?.Where(n => n is not null).Select(n => n!) ?? Enumerable.Empty<string>();
        // A target symbol without a value is the loss's: the core refuses it in the simulator with the loss's words.
        WithWrittenEntries(() => Problem.RequireSimulatorNames(Variables.ToArray(), simulator, [.. names.Concat(target).Distinct()]));
    }

    // The core counts components after a problem file's indexed entries were expanded; the user wrote
    // entries: its messages name the entry and the index value ("simulator[0] at i = 3"), not the fifth component.
    // A name the core refuses ("simulator[0] uses 'b'", "The loss uses 'q'", "inverse[1] uses 'z'") is also
    // given its column in the text of that entry, as the parser's errors and the CLI's --simulator are.
    private T WithWrittenEntries<T>(Func<T> check)
    {
        try
        {
            return check();
        }
        catch (SymbolicException e) when (e is not ParseException && e.Kind == ErrorKind.Variable && WithNameColumn(e.Message) is { } located)
        {
            throw WrittenEntries(new SymbolicException(e.Kind, located));
        }
        catch (SymbolicException e) when (e is not ParseException && WrittenEntries(e) is var named && !ReferenceEquals(named, e))
        {
            throw named;
        }
    }

    // The message with the simulator's component numbers as the entries written ("simulator[0] at i = 3"), or e itself.
    private SymbolicException WrittenEntries(SymbolicException e) =>
        _parsed.Origins(Simulator) is { } origins && SimulatorIndex().IsMatch(e.Message)
            ? new SymbolicException(e.Kind, SimulatorIndex().Replace(e.Message,
                m => int.TryParse(m.Groups[1].Value, out var j) && j < origins.Length ? origins[j] : m.Value))
            : e;

    // "… uses 'q' (column 9) …" for the core's message about a name in one field, or null when it names none or
    // the field's text does not write it (an indexed entry, expanded).
    private string? WithNameColumn(string message)
    {
        var m = UsedName().Match(message);
        if (!m.Success) return null;
        var text = m.Groups["field"].Value switch
        {
            "The loss" => Loss,
            var f when f.StartsWith("simulator", StringComparison.Ordinal) => Entry(Simulator, m.Groups["i"].Value),
            _ => Entry(Inverse, m.Groups["i"].Value),
        };
        return text is not null && ExpressionText.NameColumn(text, m.Groups["name"].Value) is { } column
            ? message.Insert(m.Index + m.Length, $" (column {column})")
            : null;

        static string? Entry(IReadOnlyList<string>? entries, string index) =>
            entries is not null && int.TryParse(index, out var i) && i < entries.Count ? entries[i] : null;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^(?<field>simulator\[(?<i>\d+)\]|The loss|inverse\[(?<i>\d+)\]) uses (?:the variable )?'(?<name>[^']+)'")]
    private static partial System.Text.RegularExpressions.Regex UsedName();

    private void WithWrittenEntries(Action check) => WithWrittenEntries(() => { check(); return 0; });

    private Problem Build(double[] target, double[] start, Expr? loss, IReadOnlyDictionary<string, double>? parameters, bool withUnits = true,
        string[]? lossOnly = null)
    {
        var simulator = ParsedSimulator();
        var inverse = ParsedInverse();
        // The names are checked where every factory's are, in the core's Problem.Create.
        // A start of the wrong length for variables read from the simulator: a constant read as a variable, most likely.
        if (VariablesInferred) RequireStartLength(start.Length);
        var problem = WithWrittenEntries(() => Problem.Create(Variables.ToArray(), simulator, loss, target, start, inverse, DeriveInverse,
            parameters is null ? null : new Dictionary<string, double>(parameters), Problem.DefaultInverseBudget, lossOnly));
        if (parameters is not null)
        {
            // A constant that nothing uses is most likely misnamed: say so rather than ignore it. Target
            // symbols count as used: they are the loss's.
            var used = Structure.FreeSymbolNames(simulator.Concat(loss is null ? [] : [loss]).Concat(inverse ?? []).ToArray()).ToHashSet();
            // The name meant is a variable or parameter the expressions use (a variable read from the
            // simulator when its constant's name was misspelt: --param kk=2 for k·x0); the outputs and the
            // target's own symbols are the loss's, never a constant's name. Only a near name is suggested.
            var lossOnlyNames = lossOnly ?? [];
            var meant = used.Where(n => Variables.Contains(n) || (parameters.ContainsKey(n) && !lossOnlyNames.Contains(n))).Order(StringComparer.Ordinal).ToArray();
            foreach (var name in parameters.Keys)
                if (!used.Contains(name))
                {
                    var nearest = Nearest(name, meant);
                    throw new SymbolicException(ErrorKind.Variable,
                        $"The parameter '{name}' is not used by the simulator, the loss or the inverse" +
                        (nearest is null
                            ? ": leave it out (a constant nothing reads changes nothing), or write it into the expression meant to use it."
                            : $" (did you mean '{nearest}'?): give it the name the expressions use, or leave it out."));
                }
        }
        if (Units is null || !withUnits) return problem;
        var units = new Dictionary<string, PhysicalUnit>();
        foreach (var (name, text) in Units)
        {
            try
            {
                units[name] = Symbolic.Units.Parse(text);
            }
            catch (ParseException e)
            {
                throw new ParseException(e.Kind, $"In the unit of {name}: {e.Message}", e.Line, e.Column);
            }
        }
        return problem.WithUnits(units);
    }

    /// <summary>Checks the problem and compiles it.</summary>
    /// <exception cref="SymbolicException">What is inconsistent, and where.</exception>
    public CompiledProblem Compile() => new(ToProblem());

    private static Expr ParseField(string field, string text)
    {
        try
        {
            // One expression each: a ';' in the loss or in one entry is named with what the field is.
            return Parse.Single(field == "loss" ? "the loss is one scalar, a function of the outputs (y0, y1, …)" : $"{field} is one expression", text);
        }
        catch (ParseException e)
        {
            throw new ParseException(e.Kind, $"In {field}: {e.Message}", e.Line, e.Column);
        }
    }

    /// <summary>
    /// Reads <c>{"variables":[...],"simulator":[...],"loss":"...","target":[...],"start":[...],"inverse":[...]}</c>;
    /// <c>loss</c>, <c>inverse</c> and <c>units</c> are optional, and so are <c>target</c> and <c>start</c>
    /// (needed only to run or check, see <see cref="ToProblem"/>; <c>target</c> may hold names); <c>"inverse": "numeric"</c> asks for the numeric inverse.
    /// </summary>
    /// <exception cref="SymbolicException">Not JSON, or a field missing or of the wrong kind, named.</exception>
    public static ProblemDefinition FromJson(string json)
    {
        JsonDocument document;
        if (string.IsNullOrWhiteSpace(json))
            throw new SymbolicException(ErrorKind.Invalid,
                "The problem file is empty: it must hold one JSON object, e.g. {\"variables\": [\"x0\"], \"simulator\": [\"x0^2\"], \"target\": [4], \"start\": [1]}.");
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SymbolicException(ErrorKind.Invalid,
                $"The problem file is not valid JSON at line {e.LineNumber + 1}, column {e.BytePositionInLine + 1}: {JsonFault(e.Message)}.");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SymbolicException(ErrorKind.Invalid, "The problem file must hold one JSON object.");
            CheckFieldNames(root);
            var listed = Strings(root, "variables", required: false);
            var (simulator, origins, parsed) = Indexed(SimulatorEntries(root));
            var parameters = ParameterTable(root);
            // Without "variables" they are read from the simulator as --simulator without --vars reads them.
            var variables = listed is null ? InferredFromFile(simulator, origins, parsed, parameters) : IndexedNames(listed);
            RefuseEmptyFields(root, variables.Count, simulator.Count);
            if (origins is not null) CheckIndexedReach(variables, parsed!, origins, parameters);
            var definition = new ProblemDefinition(
                variables,
                simulator,
                root.TryGetProperty("loss", out var l) ? (l.ValueKind == JsonValueKind.String ? l.GetString() : throw Kind("loss", "a string")) : null,
                Numbers(root, "target", allowNames: true),
                Numbers(root, "start", allowNames: false),
                root.TryGetProperty("inverse", out var i) && i.ValueKind == JsonValueKind.String
                    ? (i.GetString() == "numeric" ? null : throw Kind("inverse", "an array of strings or \"numeric\""))
                    : Strings(root, "inverse", required: false))
            {
                DeriveInverse = !(root.TryGetProperty("inverse", out var n) && n.ValueKind == JsonValueKind.String),
                Units = UnitTable(root),
                Parameters = parameters,
                TargetSymbols = TargetNames(root),
                VariablesInferred = listed is null,
            };
            if (origins is not null) definition._parsed.SeedOrigins(definition.Simulator, origins);
            return definition;
        }
    }

    /// <summary>
    /// The reader's complaint in plain words: System.Text.Json's messages speak of payloads, depths and
    /// final blocks, which say nothing to someone who wrote the file by hand. The cases a hand-written file
    /// meets (cut short, a trailing comma, a missing comma or quote, a comment) get their own words.
    /// </summary>
    private static string JsonFault(string message) =>
        message.Contains("trailing comma", StringComparison.OrdinalIgnoreCase)
            ? "a ',' stands before a closing '}' or ']'; remove that last comma"
        : message.Contains("isFinalBlock", StringComparison.Ordinal) || message.Contains("end of the JSON payload", StringComparison.Ordinal)
            || message.Contains("Expected depth to be zero", StringComparison.Ordinal) || message.Contains("end of data", StringComparison.OrdinalIgnoreCase)
            ? "the file ends before the JSON does (a closing '}', ']' or '\"' is missing, or the file was cut short)"
        : message.Contains("'/'", StringComparison.Ordinal)
            ? "JSON has no comments; remove the '//' or '/* */' text"
        : message.Contains("'''", StringComparison.Ordinal)
            ? "JSON strings are written in double quotes (\"x0\"), not single ones"
        : message.Contains("Expected either ','", StringComparison.Ordinal) || message.Contains("after a value", StringComparison.Ordinal)
            || message.Contains("after a property", StringComparison.Ordinal)
            ? "a ',' is missing between two values, or a bracket or quote is not closed"
        : message.Contains("invalid start of a value", StringComparison.Ordinal) || message.Contains("invalid start of a property", StringComparison.Ordinal)
            ? "a value was expected here (a number, a \"string\", [ ... ] or { ... }); names and text go in double quotes"
        : "the text here is not JSON; check the commas, quotes and brackets near it";

    [System.Text.RegularExpressions.GeneratedRegex(@"simulator\[(\d+)\]")]
    private static partial System.Text.RegularExpressions.Regex SimulatorIndex();

    /// <summary>
    /// Simulator entries with indexed forms (<c>x[i+1] - x[i] for i in 0..9 periodic</c>, see
    /// <see cref="Parse.Many"/>) expanded into one component each; other entries as given. With an indexed
    /// entry, also where each component came from (<c>simulator[0] at i = 3</c>), for messages; else null.
    /// </summary>
    private static (IReadOnlyList<string> Components, string[]? Origins, Expr?[]? Parsed) Indexed(IReadOnlyList<string> entries)
    {
        if (!entries.Any(e => e.Contains('['))) return (entries, null, null);
        var components = new List<string>();
        var origins = new List<string>();
        var parsed = new List<Expr?>();
        for (var j = 0; j < entries.Count; j++)
        {
            if (!entries[j].Contains('['))
            {
                components.Add(entries[j]);
                origins.Add($"simulator[{j}]");
                parsed.Add(null);
                continue;
            }
            var expanded = ParseManyFieldWithOrigins($"simulator[{j}]", entries[j]);
            if (components.Count + (long)expanded.Length > TotalLimit)
                throw TotalTooLarge("simulator", $"simulator[{j}]", components.Count + (long)expanded.Length, "components");
            foreach (var (expr, at) in expanded)
            {
                components.Add(Infix.FormatExact(expr));
                origins.Add(at is null ? $"simulator[{j}]" : $"simulator[{j}] at {at} ('{Shortened(entries[j])}')");
                parsed.Add(expr);
            }
        }
        return (components, origins.ToArray(), parsed.ToArray());
    }

    // The most variables or components the indexed forms of one file may expand to together: the same
    // bound as an example's variables (an int index, and about 16 KB of memory each).
    private static long TotalLimit => Math.Min(ReferenceProblems.MaxVariables, int.MaxValue);

    private static SymbolicException TotalTooLarge(string field, string at, long count, string what) =>
        new(ErrorKind.TooLarge, $"In {at}: the indexed forms of \"{field}\" reach {count} {what} up to here, over the limit of {TotalLimit} " +
            $"({what} this process can hold, about {ReferenceProblems.BytesPerVariable / 1024} KB each); use shorter ranges.");

    private static string Shortened(string text) => text.Length <= 60 ? text.Trim() : text.Trim()[..57] + "...";

    /// <summary>
    /// An indexed entry that reads past the variables (x[i+1] for i up to the last variable's index):
    /// the component would use a name that is not a variable, which the core reports by the expanded
    /// component's number; here it is said in the entry's terms, with the ways out.
    /// </summary>
    private static void CheckIndexedReach(IReadOnlyList<string> variables, Expr?[] parsed, string[] origins,
        IReadOnlyDictionary<string, double>? parameters)
    {
        var known = variables.ToHashSet(StringComparer.Ordinal);
        for (var k = 0; k < parsed.Length; k++)
        {
            if (parsed[k] is not { } component || !origins[k].Contains(" at ", StringComparison.Ordinal)) continue;
            foreach (var name in Structure.FreeSymbolNames([component]))
            {
                if (known.Contains(name) || parameters?.ContainsKey(name) == true) continue;
                var m = System.Text.RegularExpressions.Regex.Match(name, @"^([A-Za-z_][A-Za-z0-9_]*?)(\d+)$");
                if (!m.Success) continue;
                var family = m.Groups[1].Value;
                var indices = variables.Select(v => v.Length > family.Length && v.StartsWith(family, StringComparison.Ordinal)
                        && v[family.Length..].All(char.IsAsciiDigit) && int.TryParse(v[family.Length..], out var i) ? i : -1)
                    .Where(i => i >= 0).ToArray();
                if (indices.Length == 0) continue;
                var index = m.Groups[2].Value;
                var reached = int.TryParse(index, out var at) ? at : indices.Max();
                throw new SymbolicException(ErrorKind.Variable,
                    $"{origins[k]} reads {family}[{index}], which is not a variable: the variables named {family} with an index run from {family}{indices.Min()} to {family}{indices.Max()}. " +
                    "To fix it, " +
                    $"end the range earlier, add 'periodic' or 'dirichlet 0' after it to say what lies outside the variables, " +
                    $"or declare more variables in \"variables\" (e.g. \"{family}[{Math.Min(indices.Min(), reached)}..{Math.Max(indices.Max(), reached)}]\").");
            }
        }
    }

    /// <summary>
    /// Variable entries of the form <c>x[0..63]</c> expanded into x0 … x63, and <c>x[3]</c> read as x3;
    /// others as given (checked as names later). An entry with a '[' that is neither is refused here,
    /// naming the entry, the column and what to write.
    /// </summary>
    private static IReadOnlyList<string> IndexedNames(IReadOnlyList<string> entries)
    {
        var names = new List<string>();
        // The entry each name came from: a name listed twice is refused naming both entries, before a
        // start of the wrong length is (the duplicate is the fault, the count only follows from it).
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var j = 0; j < entries.Count; j++)
        {
            var e = entries[j];
            if (!e.Contains('[') && !e.Contains(']') && !e.Contains(".."))
            {
                // By the parser's rule, before the simulator is read: "1b" would otherwise be reported as its 'b'.
                if (Names.Problem(e) is { } bad)
                    throw new SymbolicException(ErrorKind.Variable, $"In variables[{j}]: {bad.Value}.");
                Add(e, j);
                continue;
            }
            var where = $"variables[{j}] ('{Shortened(e)}')";
            const string form = "write a range of variables as name[first..last] with whole numbers, first ≤ last, e.g. \"x[0..63]\" for x0 … x63";
            var m = System.Text.RegularExpressions.Regex.Match(e, @"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*([^\]]*?)\s*\]\s*$");
            if (!m.Success)
            {
                var open = e.IndexOf('[');
                var close = e.IndexOf(']');
                var why = open < 0 ? "it has no opening '['"
                    : close < 0 ? "it has no closing ']'"
                    : close < open ? "its ']' comes before its '['"
                    : !System.Text.RegularExpressions.Regex.IsMatch(e[..open].Trim(), @"^[A-Za-z_][A-Za-z0-9_]*$") ? "the part before '[' is not a name (a letter or '_', then letters, digits or '_')"
                    : "there is text after the closing ']'";
                throw new SymbolicException(ErrorKind.Invalid, $"In {where}: {why} (column {(open < 0 ? 1 : close < 0 ? e.Length + 1 : open + 1)}); {form}.");
            }
            var (family, inside) = (m.Groups[1].Value, m.Groups[2].Value);
            var column = m.Groups[2].Index + 1;
            if (int.TryParse(inside, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var single))
            {
                Add(family + single, j);
                continue;
            }
            var r = System.Text.RegularExpressions.Regex.Match(inside, @"^(-?\d+)\s*\.\.\s*(-?\d+)$");
            if (!r.Success)
                throw new SymbolicException(ErrorKind.Invalid, inside.Length == 0
                    ? $"In {where}: the brackets are empty (column {column}); {form}."
                    : inside.Contains("...") ? $"In {where}: '{inside}' has three dots (column {column}); {form}."
                    : $"In {where}: '{inside}' (column {column}) is not a range of whole numbers; {form}.");
            if (!long.TryParse(r.Groups[1].Value, out var a) || !long.TryParse(r.Groups[2].Value, out var b) || Math.Abs(a) > 1_000_000_000 || Math.Abs(b) > 1_000_000_000)
                throw new SymbolicException(ErrorKind.TooLarge, $"In {where}: the bounds of '{inside}' (column {column}) are too large; a range holds at most {Parse.MaxRange} variables.");
            if (a < 0 || b < 0)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"In {where}: '{inside}' (column {column}) has a negative index, but variables are numbered from 0 ({family}[0] is {family}0); start the range at 0 or more, e.g. \"{family}[0..{Math.Max(Math.Abs(b), 1)}]\".");
            if (b < a)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"In {where}: the range {a}..{b} (column {column}) is empty, as its last index is below its first; write first..last with first ≤ last, e.g. \"{family}[{b}..{a}]\".");
            if (b - a + 1 > Parse.MaxRange)
                throw new SymbolicException(ErrorKind.TooLarge, $"In {where}: the range {a}..{b} (column {column}) has {b - a + 1} variables; the limit is {Parse.MaxRange}.");
            // Each range is within Parse.MaxRange, but many of them together could still ask for more
            // variables than an example may have (an int index, this process's memory): the sum is checked
            // before the names are made.
            if (names.Count + (b - a + 1) > TotalLimit)
                throw TotalTooLarge("variables", $"variables[{j}]", names.Count + (b - a + 1), "variables");
            for (var k = a; k <= b; k++) Add(family + k, j);
        }
        return names;

        void Add(string name, int entry)
        {
            if (first.TryAdd(name, entry))
            {
                names.Add(name);
                return;
            }
            var earlier = first[name];
            throw new SymbolicException(ErrorKind.Variable,
                $"The \"variables\" field lists '{name}' twice: variables[{earlier}] ('{Shortened(entries[earlier])}') and variables[{entry}] ('{Shortened(entries[entry])}') both give it; list each variable once (remove one entry, or shorten the range).");
        }
    }

    private static (Expr Expr, string? At)[] ParseManyFieldWithOrigins(string field, string text)
    {
        try
        {
            return Parse.ManyWithOriginsDefined(text).Select(p => (p.Item1, (string?)p.Item2)).ToArray();
        }
        catch (ParseException e)
        {
            throw new ParseException(e.Kind, $"In {field}: {e.Message}", e.Line, e.Column);
        }
    }

    /// <summary>The fields a problem file may have.</summary>
    public static IReadOnlyList<string> FileFields { get; } =
        ["variables", "simulator", "loss", "target", "start", "inverse", "units", "parameters"];

    /// <summary>
    /// A misspelt field would otherwise be ignored silently (a misspelt "inverse" leaves PG on the derived
    /// inverse): every field must be known, and the unknown ones are named together (all of them, so that one
    /// run finds every misspelling), each with the nearest known one.
    /// </summary>
    private static void CheckFieldNames(JsonElement root)
    {
        var seen = new HashSet<string>();
        var unknown = new List<string>();
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw new SymbolicException(ErrorKind.Invalid, $"The problem file gives the field \"{property.Name}\" twice.");
            if (FileFields.Contains(property.Name)) continue;
            var nearest = Nearest(property.Name, FileFields);
            unknown.Add($"\"{property.Name}\"" + (nearest is null ? "" : $" (did you mean \"{nearest}\"?)"));
        }
        if (unknown.Count == 0) return;
        var listed = unknown.Count == 1
            ? $"an unknown field {unknown[0]}"
            : $"unknown fields {string.Join(", ", unknown.Take(unknown.Count - 1))} and {unknown[^1]}";
        throw new SymbolicException(ErrorKind.Invalid, $"The problem file has {listed}; the fields are {string.Join(", ", FileFields)}.");
    }

    /// <summary>
    /// The candidate nearest to <paramref name="name"/>, if it is near (a few edits, fewer than a third of the
    /// name's length, or the name a unique start or end of it): <see cref="Spelling.Nearest"/>, the one rule of
    /// every "did you mean" of the API, the CLI and the parser. Null when no candidate is near.
    /// </summary>
    public static string? Nearest(string name, IEnumerable<string> candidates) => Spelling.Nearest(name, candidates);

    private static Dictionary<string, string>? UnitTable(JsonElement root)
    {
        if (!root.TryGetProperty("units", out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object || e.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            throw Kind("units", "an object of unit strings, e.g. {\"x0\": \"m\", \"x1\": \"s\"}");
        var table = e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
        // Every unit is read here, when the file is: a problem built without units (derive's rules do not
        // depend on them) had accepted "meter" that the units command then refused.
        foreach (var (name, text) in table)
        {
            try
            {
                Symbolic.Units.Parse(text);
            }
            catch (ParseException u)
            {
                throw new ParseException(u.Kind, $"In the unit of {name} (\"units\" in the problem file): {u.Message}", u.Line, u.Column);
            }
        }
        return table;
    }

    private static Dictionary<string, double>? ParameterTable(JsonElement root)
    {
        if (!root.TryGetProperty("parameters", out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object)
            throw Kind("parameters", "an object of numbers, e.g. {\"g\": 9.81}");
        foreach (var bad in e.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Number).Take(1))
            throw NotANumber($"parameters.{bad.Name}", bad.Value, $"e.g. {{\"{bad.Name}\": 9.81}}");
        return e.EnumerateObject().ToDictionary(p => p.Name, p => Finite(p.Value, $"parameters.{p.Name}"));
    }

    // "variables" as it was written with each entry that is not a string replaced by a name it does not use yet.
    private static string NamedForm(JsonElement value)
    {
        var used = value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!).ToHashSet();
        using var fresh = Enumerable.Range(0, int.MaxValue).Select(i => i < 26 ? ((char)('a' + i)).ToString() : $"v{i - 26}").Where(n => !used.Contains(n)).GetEnumerator();
        var names = value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : fresh.MoveNext() ? fresh.Current : "v");
        return $"\"variables\": [{string.Join(", ", names.Select(Quoted))}]";
    }

    // What a JSON value is, for a message about a value of the wrong kind: "the number 2", "an object".
    private static string JsonKind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => $"the boolean {value.GetRawText()}",
        JsonValueKind.Null => "null",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => $"the string {value.GetRawText()}",
    };

    private static SymbolicException Kind(string field, string what) =>
        new(ErrorKind.Invalid, $"The field \"{field}\" must be {what}.");

    // An entry that must be a number and is not, named by its path (parameters.k, start[1]); a number written
    // in quotes ("6") is a JSON string, and the message says to drop the quotes rather than that it is no number.
    private static SymbolicException NotANumber(string where, JsonElement value, string example)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        var quoted = value.ValueKind == JsonValueKind.String && UserNumbers.TryRead(text.Trim(), out _, out _);
        return new(ErrorKind.Invalid, quoted
            ? $"In the problem file, {where} is the string \"{text}\": a number must not be quoted; write {text.Trim()} without the quotes."
            : $"In the problem file, {where} must be a number ({example}), not {(value.ValueKind == JsonValueKind.String ? $"the string \"{text}\"" : text)}.");
    }

    /// <summary>
    /// A field present but empty is refused by its own name: an empty "simulator" has no outputs, and an
    /// empty "target" or "start" would otherwise read as a missing field ("the file has no target").
    /// A file whose "variables" is empty is left to its callers, which say that first.
    /// </summary>
    private static void RefuseEmptyFields(JsonElement root, int variables, int outputs)
    {
        if (variables == 0) return;
        if (outputs == 0)
            throw new SymbolicException(ErrorKind.Invalid,
                "In the problem file, \"simulator\" is empty, so the problem has no outputs: list one expression per output in the variables, " +
                "e.g. \"simulator\": [\"a^3\"] (or one string of them separated by ';': \"simulator\": \"a^3\").");
        foreach (var (field, per, count) in new[] { ("target", "output", outputs), ("start", "variable", variables) })
            if (root.TryGetProperty(field, out var e) && e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 0)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"In the problem file, \"{field}\" is empty: give one value per {per} ({count} in all), or leave the field out where the command does not need it.");
    }

    private static string[]? Strings(JsonElement root, string field, bool required)
    {
        if (!root.TryGetProperty(field, out var e))
            return required ? throw new SymbolicException(ErrorKind.Invalid, $"The problem file has no \"{field}\" field.") : null;
        // An array with an entry that is not a string: that entry is named, with what to write there (a number
        // made into the string "2" would be no name, and 2 may not be the expression meant either).
        if (e.ValueKind == JsonValueKind.Array && e.EnumerateArray().Select((v, k) => (v, k)).FirstOrDefault(p => p.v.ValueKind != JsonValueKind.String) is { v.ValueKind: not JsonValueKind.Undefined } bad)
            throw new SymbolicException(ErrorKind.Invalid,
                $"In the problem file, {field}[{bad.k}] is {JsonKind(bad.v)}, not {(field == "variables" ? "a name" : "an expression")} in quotes: " +
                (field == "variables"
                    ? $"write each variable as a string holding its name (a letter or '_', then letters, digits or '_'), e.g. {NamedForm(e)}."
                    : $"write each entry as a string holding its expression, e.g. {ArrayForm(field, e)}" +
                      (field == "simulator" ? $", or one string of entries separated by ';': {StringForm(field, e)}." : ".")));
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            throw Kind(field, $"an array of strings, one per entry: {ArrayForm(field, e)}" +
                (field == "simulator" ? $", or one string of entries separated by ';': {StringForm(field, e)}" : ""));
        return e.EnumerateArray().Select(v => v.GetString()!).ToArray();
    }

    // The "simulator" field: an array of strings, or one string of components separated by ';' as --simulator takes them.
    private static string[] SimulatorEntries(JsonElement root) =>
        root.TryGetProperty("simulator", out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetString()!.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            : Strings(root, "simulator", required: true)!;

    // How a field of strings is written, from what was written: "simulator": ["a", "b^3"] for "a; b^3" (a string of
    // entries separated by ';', or by ',' for variables, as the CLI's options take them); a generic example otherwise.
    private static string ArrayForm(string field, JsonElement value) =>
        $"\"{field}\": [{string.Join(", ", Entries(field, value).Select(Quoted))}]";

    // The same entries as one string separated by ';' ("simulator": "a; b^3"), the other form "simulator" takes.
    private static string StringForm(string field, JsonElement value) =>
        $"\"{field}\": {Quoted(string.Join("; ", Entries(field, value)))}";

    // A string as JSON writes it, with '+', '<' and quotes as typed ("a+b", not "a\u002Bb": the message is read, not embedded in HTML).
    private static string Quoted(string text) => JsonSerializer.Serialize(text, RelaxedJson);

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string[] Entries(string field, JsonElement value)
    {
        var entries = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!.Split(field == "variables" ? [';', ','] : [';'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries),
            JsonValueKind.Array => value.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString()! : v.GetRawText()).ToArray(),
            _ => [],
        };
        return entries.Length > 0 ? entries : field == "variables" ? ["x0", "x1"] : ["x0", "x1^2"];
    }

    /// <summary>
    /// Why a list of variable names cannot be a problem's, when a name is listed twice: that name, the two
    /// places (counting from 1) and what to do, as every factory says it; null when each name is listed once.
    /// </summary>
    /// <param name="names">The variables' names, in order.</param>
    public static string? ListedTwice(IReadOnlyList<string> names) =>
        Problem.ListedTwice([.. names]) is { } twice ? twice.Value : null;

    /// <summary>
    /// The variables a simulator uses when none are listed (FromText, FromExpressions, a problem file without
    /// "variables", --simulator without --vars): every name it uses that is not a parameter, in
    /// <see cref="Expression.NameOrder"/> (x2 before x10).
    /// </summary>
    /// <param name="used">The names the simulator's components use (repeats allowed).</param>
    /// <param name="parameters">Named constants, or null.</param>
    public static string[] InferVariables(IEnumerable<string> used, IReadOnlyDictionary<string, double>? parameters) =>
        used.Distinct().Where(n => parameters is null || !parameters.ContainsKey(n)).Order(Expression.NameOrder).ToArray();

    /// <summary>
    /// Why a simulator whose variables are read from it (<see cref="InferVariables"/>) has none, and what to write
    /// instead: <c>… has no variables (its output simplifies to the constant 1, which does not depend on x0), so there is
    /// nothing to solve for; write it in the variables x0, x1, … (e.g. …) or in names of your own ….</c> The one
    /// explanation for the API (<see cref="PhysicsProblem.FromText"/>, <see cref="PhysicsProblem.FromExpressions"/>) and the
    /// CLI (<c>--simulator</c>), each naming its own way to give the simulator and the variables.
    /// </summary>
    /// <param name="subject">What has no variables: <c>--simulator "x0/x0"</c>, <c>The simulator "x0/x0"</c>.</param>
    /// <param name="simulator">The simulator's components as parsed (simplified).</param>
    /// <param name="text">The simulator as written, for the names simplification removed (x0 in <c>x0/x0</c>); null when
    /// there is no text (expressions built in code), whose removed names are not known.</param>
    /// <param name="parameter">What a parameter is called: <c>a parameter</c>, <c>a --param</c>.</param>
    /// <param name="example">A simulator in variables, in the caller's terms: <c>--simulator "x0^2"</c>.</param>
    /// <param name="ownNames">How names of the user's own are listed: <c>listed with --vars</c>.</param>
    public static string NoVariablesMessage(string subject, IReadOnlyList<Expression> simulator, string? text, string parameter, string example, string ownNames)
    {
        var asParameters = simulator.SelectMany(e => e.Variables).Distinct().ToArray();
        // Names the text uses that simplification removed (x0 in x0 - x0): the outputs do not depend on them.
        var removed = asParameters.Length == 0 && text is not null ? Expression.WrittenNames(text) : [];
        var one = simulator.Count == 1;
        var reason = asParameters.Length > 0 ? $"every name it uses is {parameter}: {string.Join(", ", asParameters)}"
            : removed.Count == 0 ? (text is null && simulator.Count > 0
                ? $"its {(one ? "output is the constant" : "outputs are the constants")} {string.Join("; ", simulator.Select(e => e.ToInfix()))}"
                : "it uses no name")
            : $"its {(one ? "output simplifies" : "outputs simplify")} to the constant{(one ? "" : "s")} {string.Join("; ", simulator.Select(e => e.ToInfix()))}, " +
              $"which do{(one ? "es" : "")} not depend on {string.Join(", ", removed)}";
        return $"{subject} has no variables ({reason}), so there is nothing to solve for; write it in the variables x0, x1, … (e.g. {example}) or in names of your own {ownNames}.";
    }

    /// <summary>
    /// The names among variables read from a simulator (<see cref="InferVariables"/>) that look like constants: those not
    /// of the form x, x0, x1, … (or X…) where some are of that form (<c>k</c> of <c>k, x0</c>); empty when none stands out.
    /// A start with a value too few is then most likely a constant without its value.
    /// </summary>
    /// <param name="names">The variables as read.</param>
    public static string[] LikelyConstants(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var likely = names.Where(n => !System.Text.RegularExpressions.Regex.IsMatch(n, "^[xX][0-9]*$")).ToArray();
        return likely.Length == names.Count ? [] : likely;
    }

    /// <summary>
    /// Whether some name has the variables' default form (x, x0, x1, …): where none has (a, b, g), a start short of the
    /// names read still means some of them are constants, which the messages then say without guessing which.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="names"/> is null.</exception>
    public static bool AnyVariableForm(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        return names.Any(n => System.Text.RegularExpressions.Regex.IsMatch(n, "^[xX][0-9]*$"));
    }

    // A problem file's variables when it lists none: read from its simulator (InferVariables); a simulator that
    // uses no name (or only parameters) is refused with the field to write.
    private static IReadOnlyList<string> InferredFromFile(IReadOnlyList<string> simulator, string[]? origins, Expr?[]? parsed,
        IReadOnlyDictionary<string, double>? parameters)
    {
        var expressions = simulator.Select((c, k) => parsed?[k] ?? ParseField(origins?[k] ?? $"simulator[{k}]", c)).ToArray();
        // A parameter named x0, x1, … (which inferred variables always take) is named with the fields to change.
        if (PhysicsProblem.ParameterNamedAsVariable(expressions, parameters) is { } taken)
        {
            var used = Structure.FreeSymbolNames(expressions).ToHashSet();
            var others = InferVariables(used, parameters);
            var rename = Enumerable.Range(0, int.MaxValue).Select(i => $"c{i}").First(n => !used.Contains(n) && !parameters!.ContainsKey(n));
            var vary = "remove it from \"parameters\" and give its value in \"start\"";
            throw new SymbolicException(ErrorKind.Variable,
                $"In the problem file, \"parameters\" holds {taken}, which the simulator uses, but without a \"variables\" field the names x0, x1, … " +
                "in \"simulator\" are always variables" + (others.Length == 0
                    ? $", and {taken} is the only name it could vary: {vary}."
                    : $": to vary {taken}, {vary}; to hold it constant, list the variables without it, " +
                      $"\"variables\": [{string.Join(", ", others.Select(Quoted))}], or rename the parameter in \"parameters\" " +
                      $"and \"simulator\" (e.g. to {rename})."));
        }
        var names = PhysicsProblem.InferredVariables(expressions, parameters);
        return names.Length > 0 ? names
            : throw new SymbolicException(ErrorKind.Invalid,
                "The problem file has no \"variables\" field, and the simulator uses no name" + (parameters is { Count: > 0 } ? " other than its parameters" : "") +
                " to read them from: write the simulator in the names it varies, e.g. \"simulator\": [\"x0^2\"] (the variables are then read from it), or list them, e.g. \"variables\": [\"x0\"].");
    }

    /// <summary>The field's numbers (0 where a name stands), or empty when the field is absent (not needed everywhere).</summary>
    private static double[] Numbers(JsonElement root, string field, bool allowNames)
    {
        if (!root.TryGetProperty(field, out var e)) return [];
        if (e.ValueKind != JsonValueKind.Array)
            throw Kind(field, allowNames ? "an array of numbers or names" : "an array of numbers");
        var entries = e.EnumerateArray().ToArray();
        for (var k = 0; k < entries.Length; k++)
            if (entries[k].ValueKind != JsonValueKind.Number && !(allowNames && entries[k].ValueKind == JsonValueKind.String))
                throw NotANumber($"{field}[{k}]", entries[k], allowNames ? "or a name in quotes, e.g. \"a\"" : "one per variable");
        return e.EnumerateArray().Select((v, k) => v.ValueKind == JsonValueKind.Number ? Finite(v, $"{field}[{k}]") : 0.0).ToArray();
    }

    // A JSON number as a finite double: JSON has no NaN or ∞, but a literal such as 1e999 is past the
    // double range, which GetDouble reports as a bare FormatException; it is refused as the other readers
    // of user numbers refuse it (UserNumbers), naming the field and the literal.
    private static double Finite(JsonElement number, string where)
    {
        var raw = number.GetRawText();
        return UserNumbers.TryRead(raw, out var x, out var problem) ? x
            : throw new SymbolicException(ErrorKind.Invalid, $"In the problem file, {where} ('{raw}') {problem}; give a finite number.");
    }

    /// <summary>The names in "target" (null where a number stands), or null when there are none.</summary>
    private static string?[]? TargetNames(JsonElement root)
    {
        if (!root.TryGetProperty("target", out var e) || e.ValueKind != JsonValueKind.Array) return null;
        var names = e.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.String ? v.GetString() : null).ToArray();
        if (names.All(n => n is null)) return null;
        var entries = e.EnumerateArray().ToArray();
        for (var k = 0; k < names.Length; k++)
            if (names[k] is { } n)
            {
                // A quoted number is a string to JSON, which would be read as a name if it were one.
                if (UserNumbers.TryRead(n.Trim(), out _, out _)) throw NotANumber($"target[{k}]", entries[k], "");
                // "NaN" or "pi" is no name: the one wording of --target's refusal, in the file's terms.
                if (NotATargetName(n) is { } reserved)
                    throw new SymbolicException(ErrorKind.Invalid, $"In the problem file, target[{k}] ('{n}') {reserved}.");
                ParseName($"target[{k}]", n);
            }
        return names;
    }

    /// <summary>
    /// Why a target value written as a word is neither a number nor a name, or null when it may be a name: NaN and
    /// the infinities (<c>NaN</c>, <c>inf</c>, <c>Infinity</c>, any case, <see cref="UserNumbers.IsSpecial"/>) are
    /// not finite, and <c>pi</c> and <c>e</c> are the constants π and e, which every expression reads as those
    /// numbers (so they cannot name a symbol); a target value is a number as written, not an expression, so the
    /// constant's value is to be written out. One wording for --target and a problem file's "target".
    /// </summary>
    /// <param name="text">The value as written.</param>
    /// <returns>A predicate to follow the quoted value (<c>is not finite (NaN): …</c>), or null.</returns>
    public static string? NotATargetName(string text)
    {
        var t = text.Trim();
        if (UserNumbers.IsSpecial(t))
            return (t.Contains("nan", StringComparison.OrdinalIgnoreCase) ? "is not finite (NaN)" : "is not finite (an infinity)")
                + ", and it is no name either (NaN, inf and Infinity are reserved for those values): give a finite number (or a name such as a, for symbolic rules)";
        return t switch
        {
            "pi" => "is the constant π, reserved: expressions read pi as 3.14159…, so it cannot name a target symbol, and a target value " +
                "is a number, not an expression: write 3.141592653589793 for π, or choose another name (e.g. p)",
            "e" => "is the constant e, reserved: expressions read e as 2.71828… (Euler's number), so it cannot name a target symbol, and a target value " +
                "is a number, not an expression: write 2.718281828459045 for e, or choose another name (e.g. e1)",
            _ => null,
        };
    }

    /// <summary>Checks that <paramref name="name"/> is one symbol (as the parser reads it).</summary>
    /// <exception cref="SymbolicException">It is not a plain name.</exception>
    public static string ParseName(string field, string name)
    {
        var e = ParseField(field, name);
        return e.Node is Node.Symbol s ? s.Item
            : throw new SymbolicException(ErrorKind.Invalid, $"In {field}: '{name}' is neither a number nor a name.");
    }
}
