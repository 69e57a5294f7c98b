using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// The entry point for C# applications: a problem y = P(x) with a loss, a target and a start point,
/// defined from text, a JSON file or C# lambdas, with everything PhysGrad does to it — closed-form
/// update rules, compiled kernels, runs of one method or comparisons of several, step units, the
/// theory's checks, plots and reports.
/// </summary>
/// <example>
/// <code>
/// var problem = PhysicsProblem.FromLambda(x => new[] { x[0], x[1] * x[1] }, target: [0, 0], start: [3, 3]);
/// var pg = problem.Rules(Method.PhysicalGradient)[0];
/// var run = problem.Run(Method.PhysicalGradient, eta: 0.3, iterations: 10);
/// </code>
/// </example>
public sealed partial class PhysicsProblem
{
    // The one problem model: the core's Problem, built once from the definition (parsed once) and shared
    // by every rule, run, check and report of this object. A problem without a start or a numeric target
    // is held in its symbolic form (a target of symbols, placeholder zeros), which the rules need and
    // running refuses; a complete one is both.
    private readonly Problem _symbolic;
    private readonly Lazy<Problem> _model;
    private readonly Lazy<CompiledProblem> _compiled;

    // The sparse Hessian's pattern from the problem's known structure (a reference example's), or null: derived.
    private readonly Func<SparsityPattern>? _hessianPattern;

    private PhysicsProblem(ProblemDefinition definition, Problem? model = null, Func<SparsityPattern>? hessianPattern = null)
    {
        _hessianPattern = hessianPattern;
        Definition = definition;
        // Fail early: a problem that does not fit together is reported where it is defined. Target and
        // start may be missing (rules do not need them); what runs or checks the problem then fails
        // with a SymbolicException naming what is missing.
        var complete = definition.HasStart && definition.HasNumericTarget;
        _symbolic = model ?? definition.ToSymbolicProblem();
        _model = complete ? new Lazy<Problem>(_symbolic) : new Lazy<Problem>(definition.ToProblem);
        _compiled = new Lazy<CompiledProblem>(() => hessianPattern is null
            ? new CompiledProblem(_model.Value)
            : new CompiledProblem(_model.Value, hessianPattern));
    }

    /// <summary>The problem as text (what the CLI and the JSON reports show).</summary>
    public ProblemDefinition Definition { get; }

    /// <summary>Named constants (a lambda's captured variables) with their values; rules keep the names.</summary>
    public IReadOnlyDictionary<string, double> Parameters => Definition.Parameters ?? new Dictionary<string, double>();

    /// <summary>The symbolic problem (PhysGrad.Symbolic).</summary>
    public Problem Model => _model.Value;

    /// <summary>The compiled problem the optimisers run on.</summary>
    public CompiledProblem Compiled => _compiled.Value;

    /// <summary>The variable names.</summary>
    public IReadOnlyList<string> Variables => Definition.Variables;

    /// <summary>The output names y0, y1, ….</summary>
    public IReadOnlyList<string> Outputs => Definition.Outputs;

    /// <summary>The start point (empty when none was given).</summary>
    public IReadOnlyList<double> Start => Definition.Start;

    /// <summary>The target y* (empty when none was given; zeros where the target names a symbol).</summary>
    public IReadOnlyList<double> Target => Definition.Target;

    /// <summary>The unit of a variable, output or parameter as text (<c>m/s^2</c>; <c>1</c> when dimensionless or not given).
    /// An output's or the loss's unit is written in the variables' own prefixed units where those account for
    /// its scale (<c>m*ms</c> with x0 in ms, as the step units are), else with its scale as one factor in front
    /// (<c>0.1 m*s</c> with x0 in 0.1 s), see <see cref="PhysGrad.Symbolic.PhysicalUnit.TextIn"/>.</summary>
    public string UnitOf(string name) => Model.UnitOf(name).TextIn(VariableUnits);

    /// <summary>The loss's unit as text (see <see cref="Problem.LossUnit"/>), written as <see cref="UnitOf"/> writes an output's.</summary>
    public string LossUnit => Model.LossUnit.TextIn(VariableUnits);

    private IEnumerable<PhysicalUnit> VariableUnits => Model.Variables.Select(Model.UnitOf);

    /// <summary>
    /// Whether the default loss measures each residual in its own output's unit: the outputs' units differ,
    /// so ½‖y − y*‖² is read as a sum of dimensionless squares.
    /// </summary>
    public bool ResidualsInOwnUnits =>
        Model.HasDefaultLoss && Model.LossUnit.IsDimensionless && Model.Outputs.Any(y => !Model.UnitOf(y).IsDimensionless);

    /// <summary>Where PG's local inverse comes from, in words (derives it if that has not happened yet): see <see cref="RunReport.InverseDescription"/>.</summary>
    public string InverseDescription => RunReport.InverseDescription(Model);

    /// <summary>
    /// A warning when the inverse given with the problem (<c>--inverse</c>, <c>"inverse"</c>) does not invert
    /// the simulator at the start x₀, else null (also null for a derived or numeric inverse, which are checked
    /// where they are made). Checked as a derived one is, by the same measure: x₁ = P⁻¹(P(x₀); x₀) must be
    /// finite, land on P(x₀) to a componentwise backward error of at most <see cref="CompiledProblem.LandingUlps"/>
    /// units of rounding (<see cref="CompiledProblem.Lands"/>; Higham, Accuracy and Stability of Numerical
    /// Algorithms, §1.6: what rounding x and P alone can cause, at any scale of y), and return x₀ itself,
    /// ‖x₁ − x₀‖ ≤ 10⁻⁸(1 + ‖x₀‖) (not another branch). Then, when the problem has a numeric target y*, at the
    /// target too: x* = P⁻¹(y*; x₀) must land on y* by the same measure (an inverse right at the start alone, such as
    /// √y for P = x³ at x₀ = 1, otherwise passes unnoticed and PG steps toward the wrong point). A target where the
    /// inverse has no finite value is not counted against it (y* may lie outside P's range). The inverse is still
    /// used as given: the user may mean it.
    /// </summary>
    public string? GivenInverseWarning => GivenInverseWarningFor(Model, () => Compiled, Start, Definition.HasNumericTarget ? Definition.Target : null);

    /// <summary><see cref="GivenInverseWarning"/> for a model, its compilation (asked for only when the inverse is
    /// given), a start and a numeric target (null when there is none).</summary>
    internal static string? GivenInverseWarningFor(Symbolic.Problem model, Func<CompiledProblem> compiled, IReadOnlyList<double> start,
        IReadOnlyList<double>? target)
    {
        if (model.InverseSource != Symbolic.InverseSource.Given || start.Count != model.Variables.Length) return null;
        var c = compiled();
        var x0 = start.ToArray();
        var y0 = new double[c.M];
        // P(x₀) alone: the dense Jacobian kernel (m + m·n outputs) is not read here, and asking for it made
        // the report of heat1d-inverse at n = 8192 compile a 6.7·10⁷-output kernel (133 s, 4 GB); Lands
        // uses the sparse Jacobian.
        c.Simulate(x0, y0);
        var x1 = new double[c.N];
        if (!c.Invert(y0, x0, x1))
            return $"the given inverse has no finite value at y = P(x₀) = {NumberText.Vector(y0)} (x₀ = {NumberText.Vector(x0)}): it does not invert the simulator there; PG uses it as given";
        var y1 = new double[c.M];
        c.Simulate(x1, y1);
        // How far the inverse puts x from where it should be, relative to that point's size.
        static double Away(double[] x, double[] from) => BookExample.Distance(x, from) / (1 + CompiledProblem.Norm(from, from.Length));
        var away = Away(x1, x0);
        if (!c.Lands(x1, y0, y1))
            return $"the given inverse does not invert the simulator at the start: P⁻¹(P(x₀); x₀) = {NumberText.Vector(x1)} for x₀ = {NumberText.Vector(x0)}, and P of it is {NumberText.Vector(y1)}, not P(x₀) = {NumberText.Vector(y0)}; PG uses it as given ({Remedy})";
        if (!(away <= 1e-8))
            return $"the given inverse returns another preimage at the start: P⁻¹(P(x₀); x₀) = {NumberText.Vector(x1)}, not x₀ = {NumberText.Vector(x0)} (another branch); PG uses it as given and may jump to that branch";
        if (target is null || target.Count != c.M) return null;
        var yStar = target.ToArray();
        var xStar = new double[c.N];
        if (!c.Invert(yStar, x0, xStar))
        {
            // No finite value at y*: y* may lie outside P's range, which no inverse can reach; not the
            // inverse's fault. But where P(x) = y* has a solution (Newton's method from x₀ finds one) the
            // formula is undefined where it should not be, and PG's every step toward y* meets the same.
            if (!c.InvertNumerically(yStar, x0, xStar)) return null;
            return $"the given inverse is undefined (not real) at y* = {NumberText.Vector(yStar)}: P⁻¹(y*; x₀) has no finite value there, " +
                $"although P(x) = y* at x = {NumberText.Vector(xStar)} (Newton's method from x₀); PG's steps toward y* fall back to " +
                $"inverse-gradient steps wherever it is undefined{OddRootHint(model)} ({Remedy})";
        }
        var landed = new double[c.M];
        c.Simulate(xStar, landed);
        if (c.Lands(xStar, yStar, landed)) return null;
        // Missing y* in one step is not yet wrong: an approximate inverse (heat1d-inverse's regularised one,
        // x₀ + B(y − P(x₀)), which damps the modes diffusion has lost) misses by design, and PG through it
        // still ends where P(x) = y*. What makes PG end elsewhere is an inverse that is no local inverse away
        // from x₀: P⁻¹(P(x); x) ≠ x at the point it leads to (√y for x³ is right at x₀ = 1 only).
        var back = new double[c.N];
        var consistent = c.Invert(landed, xStar, back) && Away(back, xStar) <= 1e-8;
        return consistent ? null
            : $"the given inverse does not invert the simulator at the target: P⁻¹(y*; x₀) = {NumberText.Vector(xStar)}, and P of it is {NumberText.Vector(landed)}, not y* = {NumberText.Vector(yStar)}; nor is it a local inverse there (P⁻¹(P(x); x) = {NumberText.Vector(back)} for x = {NumberText.Vector(xStar)}); PG uses it as given and steps toward the wrong point ({Remedy})";
    }

    /// <summary>
    /// "; a fractional power of a negative number is not real: …" when the given inverse takes a power with an
    /// odd-denominator fractional exponent (y0^(1/3)) of a base in the outputs, the usual reason an inverse
    /// of an odd power is undefined for negative y; else empty. Names the real odd root to write instead:
    /// cbrt(u) for 1/3, sign(u)*abs(u)^(p/q) otherwise.
    /// </summary>
    private static string OddRootHint(Symbolic.Problem model)
    {
        if (model.Inverse is not { } inverse) return "";
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        foreach (var e in Structure.PostOrder(inverse))
            if (e.Node is Node.Power { Item2.Node: Node.Number q } power && !q.Item.IsInteger && !q.Item.Den.IsEven
                && outputs.Any(y => Structure.DependsOn(y, power.Item1)))
            {
                var b = Infix.Format(power.Item1);
                var real = q.Item.Num.IsOne && q.Item.Den == 3 ? $"cbrt({b})"
                    : Infix.Format(ExprModule.Multiply(ExprModule.Apply(Function.Sign, power.Item1),
                        ExprModule.Power(ExprModule.Apply(Function.Abs, power.Item1), power.Item2)));
                return $"; a fractional power of a negative number is not real: {Infix.Format(e)} is undefined where {b} < 0, and the real odd root is {real}";
            }
        return "";
    }

    // What to do about a given inverse that misses, in the API's words (the CLI's option is its own concern).
    private const string Remedy = "check the inverse given with the problem, or leave it out to have one derived";

    /// <summary>
    /// The default methods for this problem (<see cref="BookExample.DefaultMethods"/>) split into those that
    /// apply, at their default step sizes (the problem's own, <see cref="ProblemDefinition.Defaults"/>, where
    /// it has them), and those that do not or that the problem's defaults leave out
    /// (<see cref="NotApplicableCause.LeftOutByDefault"/>), with the reason. Prints as
    /// <c>gd (η = 0.01), newton (η = 1/3), …</c> with a line per method left out; deconstructs as <c>var (run, skipped) = …</c>.
    /// </summary>
    public DefaultMethodSet DefaultMethods()
    {
        var (run, skipped) = BookExample.Applicable(Model, BookExample.DefaultMethods(Definition));
        var leftOut = (Definition.Defaults?.LeftOut ?? [])
            .Select(l => new SkippedMethod(l.Method, l.Reason) { Cause = NotApplicableCause.LeftOutByDefault });
        return new(run.Select(m => new MethodSpec(m.Method, m.Eta)).ToArray(), [.. skipped, .. leftOut]);
    }

    /// <summary>Whether a method, with its options, can run on this problem, and if not, why: IG and PG need a
    /// square Jacobian, and a rule with a dense form refuses sizes over its limit (see
    /// <see cref="BookExample.ApplicabilityOf(MethodSpec, int, int)"/>). Decided from the shape, before anything runs.</summary>
    public Applicability ApplicabilityOf(MethodSpec method) =>
        BookExample.ApplicabilityOf(method, Definition.Simulator.Count, Definition.Variables.Count);

    /// <summary>The book's comparison example (docs/theory.md §4).</summary>
    public static PhysicsProblem Book { get; } = new(ProblemDefinition.Book);

    /// <summary>A problem from a definition.</summary>
    public static PhysicsProblem From(ProblemDefinition definition) => new(definition);

    /// <summary>
    /// A problem from text: simulator components separated by ';' (<c>"x0; x1^2"</c>), a loss in
    /// y0, y1, … (default ½‖y − y*‖²), variables (default: those of the simulator in natural order).
    /// </summary>
    /// <param name="simulator">y = P(x): the components as text, separated by ';'.</param>
    /// <param name="target">y*, one value per output; optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, one value per variable; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y) as text in the outputs y0, y1, … (default ½‖y − y*‖²).</param>
    /// <param name="variables">The variables x, in order (default: the simulator's free names that are not
    /// parameters, in natural order, x2 before x10).</param>
    /// <param name="inverse">x = P⁻¹(y; x) as text, one component per variable (default: derived when asked for, else numeric).</param>
    /// <param name="parameters">Named constants with values, as <see cref="FromExpressions"/> takes them (rules keep
    /// the names, runs use the values); the names x0, x1, … are refused as parameters when the variables are inferred.</param>
    /// <exception cref="SymbolicException">Text that does not parse (with line and column) or does not fit together.</exception>
    public static PhysicsProblem FromText(
        string simulator, IReadOnlyList<double>? target = null, IReadOnlyList<double>? start = null, string? loss = null,
        IReadOnlyList<string>? variables = null, IReadOnlyList<string>? inverse = null, IReadOnlyDictionary<string, double>? parameters = null)
    {
        // The simulator is parsed here, once; the loss and the inverse when the problem is checked below,
        // once (the definition keeps what it parsed).
        NameRules.Require(variables, nameof(variables));
        NameRules.Require(parameters?.Keys, nameof(parameters));
        var components = Symbolic.Parse.ManyDefined(simulator);
        var names = variables ?? InferredStart(NamedVariables(components, parameters, simulator), start);
        return new(new ProblemDefinition(names, components.Select(Infix.FormatExact).ToArray(), loss, target ?? [], start ?? [], inverse)
            { Parameters = parameters }
            .Seeded(simulator: components));
    }

    // The variables of a simulator given without them: its free names that are not parameters, in natural
    // order. The names x0, x1, … are always variables, so a parameter of that name would silently make a
    // variable a constant (and the start one value too long); the CLI's --param refuses it alike.
    // The variables of text, expressions and a problem file without them (ProblemDefinition.InferVariables), a
    // parameter named x0, x1, … refused.
    internal static string[] InferredVariables(Expr[] components, IReadOnlyDictionary<string, double>? parameters)
    {
        if (ParameterNamedAsVariable(components, parameters) is { } taken)
            throw new SymbolicException(ErrorKind.Variable,
                $"The parameter '{taken}' is a variable: the variables are inferred from the simulator, and the names x0, x1, … are always variables; " +
                $"give its value in the start, or, to hold it constant, give the variables explicitly (without {taken}).");
        return ProblemDefinition.InferVariables(Structure.FreeSymbolNames(components), parameters);
    }

    // The variables of FromText and FromExpressions given without them (InferredVariables). None read (x0/x0 simplifies
    // to 1, or every name is a parameter) is refused with why and what to write (ProblemDefinition.NoVariablesMessage,
    // the CLI's words in the API's terms), not "The problem has no variables." with no where and no what to do.
    private static string[] NamedVariables(Expr[] components, IReadOnlyDictionary<string, double>? parameters, string? text)
    {
        var names = InferredVariables(components, parameters);
        if (names.Length == 0 && components.Length > 0)
            throw new SymbolicException(ErrorKind.Shape, ProblemDefinition.NoVariablesMessage(
                text is null ? "The simulator" : $"The simulator \"{text}\"", [.. components.Select(Expression.Wrap)], text, "a parameter",
                "FromText(\"x0^2\")", "listed in the variables argument"));
        return names;
    }

    // The variables read from the simulator, refused when the start has another number of values and some of them
    // look like constants (k beside x0, ProblemDefinition.LikelyConstants): the message says how to give a constant its
    // value, in the API's terms (the parameters argument), as the CLI's says --param.
    private static string[] InferredStart(string[] names, IReadOnlyList<double>? start)
    {
        if (start is not { Count: > 0 } || start.Count == names.Length) return names;
        var likely = ProblemDefinition.LikelyConstants(names);
        // No name stands out (a, b, g), but a start short of the names read means some are constants: the last ones
        // as the example, since the caller knows which.
        if (likely.Length == 0 && start.Count < names.Length && !ProblemDefinition.AnyVariableForm(names)) likely = names[start.Count..];
        if (likely.Length == 0) return names;
        var constant = likely is [var one]
            ? $"if {one} is a constant, {Advice.parameterValue(one)}"
            : $"if {string.Join(" and ", likely)} are constants, give their values as parameters (the parameters argument of FromText or FromExpressions)";
        throw new SymbolicException(ErrorKind.Shape,
            $"The start point has {NumberText.Count(start.Count, "value")} but the problem has {NumberText.Count(names.Length, "variable")} " +
            $"({PhysGrad.Symbolic.Problem.Shortened(names)}), read from the simulator: {constant}; otherwise give one value per variable, in that order, " +
            "or list the variables (the variables argument).");
    }

    // The first parameter the simulator uses under a name x0, x1, …, which inferred variables always take; null if none.
    internal static string? ParameterNamedAsVariable(Expr[] components, IReadOnlyDictionary<string, double>? parameters) =>
        parameters is null ? null
        : Structure.FreeSymbolNames(components)
            .FirstOrDefault(n => parameters.ContainsKey(n) && n.Length > 1 && n[0] == 'x' && n.Skip(1).All(char.IsAsciiDigit));

    /// <summary>
    /// A problem from expressions already built (<see cref="Expression.Parse"/>, <see cref="Expression.Symbol"/>
    /// and its operators, <see cref="Expression.Substitute"/>, …): the
    /// factory that text, JSON and lambdas end in, with the same checks and messages. Nothing is printed
    /// and parsed again; the problem's text (<see cref="Definition"/>) is only for display and reports.
    /// </summary>
    /// <param name="simulator">y = P(x), one expression per output, in the variables and parameters.</param>
    /// <param name="target">y*, one value per output; optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, one value per variable; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y) in the outputs y0, y1, … (default ½‖y − y*‖²).</param>
    /// <param name="variables">The variables x, in order (default: the simulator's free names that are not
    /// parameters, in natural order, x2 before x10).</param>
    /// <param name="inverse">x = P⁻¹(y; x), one expression per variable in the outputs and the variables
    /// (default: derived when asked for, else numeric).</param>
    /// <param name="parameters">Named constants with values (rules keep the names, runs use the values).</param>
    /// <param name="units">Units of variables and outputs as unit text (<c>"x0" → "m"</c>).</param>
    /// <param name="numericInverse">True: PG inverts numerically and no inverse is derived.</param>
    /// <exception cref="SymbolicException">What does not fit together, named (the same checks as every factory).</exception>
    public static PhysicsProblem FromExpressions(
        IReadOnlyList<Expression> simulator, IReadOnlyList<double>? target = null, IReadOnlyList<double>? start = null,
        Expression? loss = null, IReadOnlyList<string>? variables = null, IReadOnlyList<Expression>? inverse = null,
        IReadOnlyDictionary<string, double>? parameters = null, IReadOnlyDictionary<string, string>? units = null,
        bool numericInverse = false)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        if (numericInverse && inverse is not null)
            throw new SymbolicException(ErrorKind.Invalid, "Give either an inverse or numericInverse, not both.");
        NameRules.Require(variables, nameof(variables));
        NameRules.Require(parameters?.Keys, nameof(parameters));
        var components = simulator.Select(e => e.Core).ToArray();
        var names = variables ?? InferredStart(NamedVariables(components, parameters, null), start);
        var inverseCore = inverse?.Select(e => e.Core).ToArray();
        // The definition's text is exact (floating constants keep their point), because it is parsed again
        // when the definition is copied or written as a problem file; it is printed when read (PrintedExpressions).
        var definition = new ProblemDefinition(names, new PrintedExpressions(components),
            loss is null ? null : Infix.FormatExact(loss.Core), target ?? [], start ?? [], inverseCore is null ? null : new PrintedExpressions(inverseCore))
        {
            DeriveInverse = !numericInverse,
            Parameters = parameters,
            Units = units,
        };
        return new(definition.Seeded(components, loss?.Core, inverseCore));
    }

    /// <summary>A problem from the JSON of a problem file (see <see cref="ProblemDefinition.FromJson"/>).</summary>
    public static PhysicsProblem FromJson(string json) => new(ProblemDefinition.FromJson(json));

    /// <summary>
    /// A problem from a C# lambda: <c>x =&gt; new[] { x[0], x[1] * x[1] }</c>, with an optional loss lambda
    /// over the outputs (<c>y =&gt; y[0] * y[0] + y[1] * y[1]</c>; default ½‖y − y*‖²) and an optional local
    /// inverse for PG over the outputs and the current point (<c>(y, x) =&gt; new[] { y[0], Math.Sqrt(y[1]) *
    /// Math.Sign(x[1]) }</c>; default: derived when possible, else numeric). Captured variables are read at
    /// this call and become named parameters (<see cref="Parameters"/>): the rules show their names, the
    /// runs use their values. Overloads take 1 to 8 named scalar variables instead of an array.
    /// </summary>
    /// <param name="simulator">y = P(x), the outputs built in place with <c>new[] { … }</c>.</param>
    /// <param name="target">y*, one value per output; optional (null: the rules use a symbolic target
    /// ys0, ys1, …, and running or checking throws a <see cref="SymbolicException"/> naming it).</param>
    /// <param name="start">The start point, one value per variable; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional: one element per variable.</param>
    /// <exception cref="SymbolicException">A construct the translator does not understand, named.</exception>
    // Preferred when a lambda fits this overload and the one-scalar one alike (x => new double[0] uses no x):
    // without it C# reports CS0121, an ambiguous call, for such a lambda.
    [System.Runtime.CompilerServices.OverloadResolutionPriority(1)]
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double[], double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 1 named variable, <c>x =&gt; new[] { Math.Exp(x), x * x }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 1 named variable, <c>x =&gt; Math.Exp(x)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 2 named variables, <c>(a, b) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 2 named variables, <c>(a, b) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 3 named variables, <c>(a, b, c) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 3 named variables, <c>(a, b, c) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 4 named variables, <c>(a, b, c, d) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 4 named variables, <c>(a, b, c, d) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 5 named variables, <c>(a, b, c, d, e) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 5 named variables, <c>(a, b, c, d, e) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 6 named variables, <c>(a, b, c, d, e, f) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 6 named variables, <c>(a, b, c, d, e, f) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 7 named variables, <c>(a, b, c, d, e, f, g) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 7 named variables, <c>(a, b, c, d, e, f, g) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 8 named variables, <c>(a, b, c, d, e, f, g, h) =&gt; new[] { … }</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double, double, double, double[]>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    /// <summary>A problem of 8 named variables, <c>(a, b, c, d, e, f, g, h) =&gt; … (one output)</c> (see the array overload for the rest).</summary>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, optional (needed to run or check, not for rules).</param>
    /// <param name="start">The start point, in the order of the lambda's parameters; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y), optional.</param>
    /// <param name="inverse">x = P⁻¹(y; x), optional; x[i] is the lambda's i-th parameter.</param>
    public static PhysicsProblem FromLambda(
        System.Linq.Expressions.Expression<Func<double, double, double, double, double, double, double, double, double>> simulator, IReadOnlyList<double>? target = null,
        IReadOnlyList<double>? start = null, System.Linq.Expressions.Expression<Func<double[], double>>? loss = null,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null) =>
        FromTranslated(LambdaTranslator.TranslateAny(simulator), target, start, loss, inverse);

    private static PhysicsProblem FromTranslated(
        TranslatedLambda sim, IReadOnlyList<double>? target, IReadOnlyList<double>? start,
        System.Linq.Expressions.Expression<Func<double[], double>>? loss,
        System.Linq.Expressions.Expression<Func<double[], double[], double[]>>? inverse = null)
    {
        RequireDependence(sim);
        Expression? lossExpression = null;
        var parameters = new Dictionary<string, double>(sim.Parameters);
        if (loss is not null)
        {
            var l = LambdaTranslator.Translate(loss);
            // The loss's array parameter, whatever its name, is the outputs y0, y1, ….
            var arrayName = loss.Parameters[0].Name;
            var rename = l.Variables.Select((v, i) => (v, i)).ToDictionary(
                p => ExprModule.Symbol(p.v), p => ExprModule.Symbol($"y{p.v[(arrayName?.Length ?? 0)..]}"));
            foreach (var kv in l.Parameters)
                if (!parameters.TryAdd(kv.Key, kv.Value) && parameters[kv.Key] != kv.Value)
                    throw new SymbolicException(ErrorKind.Invalid, $"The simulator and the loss capture different values named '{kv.Key}'.");
            lossExpression = Expression.Wrap(Structure.Substitute(rename, l.Components[0].Core));
        }
        Expression[]? inverseExpressions = null;
        if (inverse is not null)
        {
            var inv = LambdaTranslator.Translate(inverse);
            // (y, x) => …: y's elements are the outputs y0, y1, …; x's are the simulator's variables.
            var (yName, xName) = (inverse.Parameters[0].Name, inverse.Parameters[1].Name);
            var rename = new Dictionary<Expr, Expr>();
            for (var i = 0; i < sim.Components.Count; i++) rename[ExprModule.Symbol($"{yName}{i}")] = ExprModule.Symbol($"y{i}");
            for (var i = 0; i < sim.Variables.Count; i++) rename[ExprModule.Symbol($"{xName}{i}")] = ExprModule.Symbol(sim.Variables[i]);
            foreach (var kv in inv.Parameters)
                if (!parameters.TryAdd(kv.Key, kv.Value) && parameters[kv.Key] != kv.Value)
                    throw new SymbolicException(ErrorKind.Invalid, $"The simulator and the inverse capture different values named '{kv.Key}'.");
            inverseExpressions = inv.Components.Select(c => Expression.Wrap(Structure.Substitute(rename, c.Core))).ToArray();
        }
        return FromExpressions(sim.Components, target, start, lossExpression, sim.Variables, inverseExpressions, parameters);
    }

    /// <summary>
    /// Refuses a lambda's simulator that does not depend on each of its variables, or that has an output no variable
    /// changes: P(x0) = [0] from <c>x =&gt; new[] { (1 / 2) * x[0] }</c> (C# divides the integers, 1/2 == 0, and the
    /// tree holds 0) had every method "converge at a minimum" with its loss unmoved, where FromText("0*x0") and the CLI
    /// refuse such a simulator. A lambda's variables are its parameters (or the elements of x up to the highest
    /// index), named by the user, so one that drops out is a slip, not a choice; a constant output's residual no step moves.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>, as FromText's "has no variables") naming the
    /// variables P does not depend on and the outputs that are constants, with the integer-division hint.</exception>
    private static void RequireDependence(TranslatedLambda sim)
    {
        var outputs = sim.Components.Select(c => Structure.FreeSymbolNames([c.Core]).Where(sim.Variables.Contains).ToHashSet()).ToArray();
        var unused = sim.Variables.Where(v => !outputs.Any(o => o.Contains(v))).ToArray();
        var constant = Enumerable.Range(0, outputs.Length).Where(i => outputs[i].Count == 0).ToArray();
        if (unused.Length == 0 && constant.Length == 0) return;
        string Output(int i) => $"y{i} = {sim.Components[i]}";
        var constants = constant.Length == 0 ? ""
            : constant.Length == 1 ? $"its output {Output(constant[0])} is a constant"
            : "its outputs " + (constant.Length <= ResultText.Shown ? string.Join(", ", constant.Select(Output))
                : $"{Output(constant[0])}, {Output(constant[1])}, …, {Output(constant[^1])} ({NumberText.Count(constant.Length, "output")})") + " are constants";
        var p = $"P({ResultText.Names(sim.Variables, "variable")}) = {ResultText.Items(sim.Components, c => c.ToString(), "component")}";
        var what = sim.Variables.Count == 0 || unused.Length == sim.Variables.Count
            ? $"The lambda's simulator {p} has no variables ({(sim.Variables.Count == 0 ? "it uses no parameter and no element of its array" : $"{(constants.Length > 0 ? constants + ", and it" : "it")} does not depend on {ResultText.Names(unused, "variable")}")}), so there is nothing to solve for"
            : unused.Length > 0
                ? $"The lambda's simulator {p} does not depend on {ResultText.Names(unused, "variable")}{(constant.Length > 0 ? $" ({constants})" : "")}: " +
                  "no output changes with it, so no method can find its value"
                : $"The lambda's simulator {p} has an output that no variable changes ({constants}): no method can move its residual";
        throw new SymbolicException(ErrorKind.Shape,
            $"{what}. A traced output that is a constant, or a variable that drops out, is most often C# integer division: " +
            "1 / 2 == 0 in C#, so (1 / 2) * x[0] is 0 before the lambda is read; write 1.0 / 2 or 0.5. " +
            "Otherwise use each variable in some output, index an array from x[0] without gaps, and leave out outputs that are constants.");
    }

    /// <summary>The problem in one line (see <see cref="ProblemDefinition.ToString"/>).</summary>
    public override string ToString() => Definition.ToString();

    /// <summary>The same problem from another start point (the model is reused, not built again).</summary>
    public PhysicsProblem WithStart(IReadOnlyList<double> start)
    {
        var definition = Definition with { Start = start };
        return definition.HasStart && definition.HasNumericTarget && Definition.HasStart && start.Count == Variables.Count && start.All(double.IsFinite)
            ? new(definition, _symbolic.WithStart(start.ToArray()))
            : new(definition);
    }

    /// <summary>
    /// The same problem with a definition that differs only in what the symbolic model does not read
    /// (<see cref="ProblemDefinition.KnownSolution"/>, <see cref="ProblemDefinition.Title"/>): the model is
    /// reused, not built and checked again.
    /// </summary>
    internal PhysicsProblem WithDefinition(ProblemDefinition definition) => new(definition, _symbolic, _hessianPattern);

    /// <summary>
    /// The same problem (model reused) whose compiled form takes the sparse Hessian's pattern from
    /// <paramref name="hessianPattern"/> instead of deriving it (<see cref="CompiledProblem(Problem, Func{SparsityPattern})"/>):
    /// a reference example's pattern, known from its structure, built once for newton's check before tracing and the run.
    /// </summary>
    internal PhysicsProblem WithHessianPattern(Func<SparsityPattern> hessianPattern) => new(Definition, _symbolic, hessianPattern);

    /// <summary>The same problem with units, as name → unit text (<c>"x0" → "m"</c>).</summary>
    public PhysicsProblem WithUnits(IReadOnlyDictionary<string, string> units) => new(Definition with { Units = units });

    /// <summary>The closed-form update rules of the given methods (default: GD, Newton, IG, PG, GN).</summary>
    /// <remarks>The list prints one rule per line with <c>ToString()</c>.</remarks>
    public IReadOnlyList<UpdateRule> Rules(params Method[] methods) =>
        Lines(UpdateRuleSet.Derive(Definition, methods.Length == 0 ? null : methods, _symbolic));

    /// <summary>The y-step Δy that IG and PG map back to x, one expression per output; prints as
    /// <c>Δy0 = …; Δy1 = …</c> with <c>ToString()</c>.</summary>
    public IReadOnlyList<Expression> YStep() => Printed(UpdateRuleSet.YStep(Definition, _symbolic));

    /// <summary>The y-step (see <see cref="YStep()"/>), or null when the loss's Hessian in y is singular.</summary>
    public IReadOnlyList<Expression>? TryYStep() => UpdateRuleSet.TryYStep(Definition, _symbolic) is { } step ? Printed(step) : null;

    // The y-step as a list that prints Δyᵢ = … for each output.
    private PrintedList<Expression> Printed(IReadOnlyList<Expression> step) =>
        new([.. step], (e, i) => $"Δ{Outputs[i]} = {e}", "; ");

    // Rules as a list that prints one rule per line.
    private static PrintedList<UpdateRule> Lines(IReadOnlyList<UpdateRule> rules) =>
        new([.. rules], (r, _) => r.ToString(), Environment.NewLine);

    /// <summary>
    /// The rules of the default methods that apply to this problem and the ones left out with the reason
    /// (<see cref="UpdateRuleSet.DeriveApplicable(ProblemDefinition)"/>), on the model this object holds.
    /// </summary>
    public ApplicableRuleSet ApplicableRules()
    {
        var (rules, skipped) = UpdateRuleSet.DeriveApplicable(Definition, _symbolic);
        return new(rules, skipped);
    }

    /// <summary>
    /// The rules of those catalogue entries (<see cref="MethodCatalog.ParseEntries"/>) that apply to this problem
    /// and the ones that do not with the reason (<see cref="UpdateRuleSet.DeriveApplicable(ProblemDefinition, IReadOnlyList{Method})"/>),
    /// on the model this object holds.
    /// </summary>
    public ApplicableRuleSet ApplicableRules(IReadOnlyList<MethodEntry> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        var (rules, skipped) = UpdateRuleSet.DeriveApplicable(Definition, _symbolic, [.. methods.Select(e => e.Method)]);
        return new(rules, skipped);
    }

    /// <summary>The rules of catalogue entries (<see cref="MethodCatalog.ParseEntries"/>), on the model this object holds.</summary>
    /// <exception cref="SymbolicException">A method that needs what the problem lacks (a square Jacobian, an inverse), explained.</exception>
    public IReadOnlyList<UpdateRule> Rules(IReadOnlyList<MethodEntry> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        return Lines(UpdateRuleSet.Derive(Definition, [.. methods.Select(e => e.Method)], _symbolic));
    }

    /// <summary>A compiled kernel of the simulator: [P(x) (m), J row by row (m·n)] at a point of the variables.</summary>
    public CompiledKernel SimulatorKernel() =>
        KernelCompiler.Compile(Lower.ValueJacobian(Model.Variables, [], Model.Simulator));

    /// <summary>
    /// The start point, refused where the simulator or the loss is undefined (<see cref="OutsideDomainAt"/>):
    /// no run has anything to start from there, and the runs had reported "Diverged: L = Infinity" for it
    /// while the CLI refused the same start; and refused where an output overflows doubles although defined
    /// (<see cref="OverflowingOutputAt"/>: 1E+300*x0 at 1E+10), where every run had "diverged: … step 1 cannot be
    /// taken" without a reason. One check for the API and the CLI (<see cref="RefusalAt"/>).
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) naming the point, the output and
    /// the domain condition that fails, e.g. <c>y0 = 1/x0 is undefined there: x0 ≠ 0 for 1/x0 fails (x0 = 0)</c>;
    /// (<see cref="ErrorKind.NonFinite"/>) naming the point and the output that overflows there.</exception>
    private double[] StartInDomain()
    {
        // The model first: a problem without a start or target is refused naming what is missing, not
        // as a point of the wrong length (OutsideDomainAt's check of its argument).
        _ = Model;
        var start = Definition.Start.ToArray();
        Refuse(start, "start", StartWhere);
        return start;
    }

    // Where the API's caller gives another start, for the messages that refuse one.
    private const string StartWhere = $"{nameof(WithStart)}, or start: in FromLambda/FromText";

    // Throws RefusalAt's message, with its kind: ErrorKind.Invalid outside the domain, ErrorKind.NonFinite for an overflow.
    private void Refuse(IReadOnlyList<double> point, string noun, string where)
    {
        if (RefusalAt(point, noun, where) is { } refused)
            throw new SymbolicException(refused.Overflow ? ErrorKind.NonFinite : ErrorKind.Invalid, refused.Message);
    }

    /// <summary>
    /// Why no method can start from <paramref name="point"/>, or null: the simulator or the loss is undefined there
    /// (<see cref="OutsideDomainAt"/>, said by <see cref="OutsideDomainMessage"/>), or an output is beyond doubles
    /// although defined (<see cref="OverflowingOutputAt"/>, said by <see cref="OverflowingOutputMessage"/>). The one
    /// refusal of a point for the API (<see cref="Run"/>, <see cref="CompareMethods(IReadOnlyList{MethodSpec}, int, bool, IProgress{ValueTuple{int, int}}, bool)"/>,
    /// <see cref="Check(double[], double)"/>) and the CLI, each naming where to give another point.
    /// </summary>
    /// <param name="point">The point, one value per variable.</param>
    /// <param name="noun">What the point is called: "start", or "point".</param>
    /// <param name="where">Where to give another, in the caller's terms (an argument, an option).</param>
    /// <returns>The message, and whether it is an overflow (true) rather than a point outside the domain.</returns>
    /// <exception cref="SymbolicException"><paramref name="point"/> without one value per variable or with a NaN or
    /// infinite value, as <see cref="OutsideDomainAt"/>.</exception>
    public (string Message, bool Overflow)? RefusalAt(IReadOnlyList<double> point, string noun, string where)
    {
        if (OutsideDomainAt(point) is { } outside) return (OutsideDomainMessage(point, outside, noun, where), false);
        return OverflowingOutput(point.ToArray()) is { } overflowing ? (OverflowingOutputMessage(point, overflowing, noun, where), true) : null;
    }

    /// <summary>
    /// "At the start [1E+10] the output y0 = 1E+300*x0 overflows: …": the one wording of a point where an output is
    /// beyond doubles (<see cref="OverflowingOutputAt"/>), for the API (<paramref name="where"/> names the argument) and the CLI (the option).
    /// </summary>
    public static string OverflowingOutputMessage(IReadOnlyList<double> point, string overflowing, string noun, string where) =>
        $"At the {noun} {Numbers.Written(point)} the output {overflowing} overflows: its value is beyond doubles (±1.8E+308), so no method " +
        $"can take a step from there. Rescale the problem so that its outputs stay within doubles (e.g. measure the variables or the outputs in " +
        $"larger units, and give the target in those units too), or give a {noun} where they do ({where}).";

    /// <summary>Runs one method from the start point.</summary>
    /// <exception cref="SymbolicException">The start is outside the problem's domain (<see cref="StartInDomain"/>).</exception>
    /// <exception cref="MethodNotApplicableException">The method does not apply to this problem (IG or PG on a
    /// non-square Jacobian): the same type and wording as <see cref="Rules(Method[])"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="method"/> is no member of <see cref="Method"/>.</exception>
    public OptimizerRun Run(Method method, double eta, int iterations = 100, RunOptions? options = null)
    {
        _ = MethodCatalog.Of(method);
        options ??= new RunOptions();
        // The shape first (IG and PG need a square J), with the type Rules throws; a size limit of the
        // rule, which depends on the run's options (κ), is the rule's own refusal when it starts.
        BookExample.RequireApplicable(method, BookExample.ApplicabilityOf(Model, method));
        // Recorded as a comparison records its runs: every point while they fit, thinned only by the points
        // the run produces (a large limit on a run that stops early keeps its every point).
        // The run carries this problem's identity, so that this problem's plots and reports take it and another's refuse it.
        return Optimizer.Run(Compiled, method, eta, StartInDomain(), iterations, options.LossTolerance,
            options.Kappa, options.Tau, options.StepTolerance, options.LineSearch, options.Progress,
            BookExample.RecordingFor(iterations, Compiled.N, Compiled.M)) with { Problem = Definition.Identity };
    }

    /// <summary>Runs several methods from the start point, each with the distance to the target and the first step's alignment;
    /// the list prints one result per line with <c>ToString()</c> (<see cref="MethodResult.ToString"/>), not its type's name.</summary>
    public IReadOnlyList<MethodResult> Compare(IReadOnlyList<(Method Method, double Eta)> methods, int iterations = 10, bool lineSearch = false) =>
        new PrintedList<MethodResult>([.. CompareMethods(methods, iterations, lineSearch).Results], (r, _) => r.ToString(), Environment.NewLine);

    /// <summary>Runs the methods <c>physgrad compare</c> runs without <c>--methods</c> (<see cref="DefaultMethods"/>: each
    /// applicable method at its default step size), as <see cref="Compare"/>
    /// runs a list; the list prints one result per line, then one line per method left out and why (<c>pg skipped: …</c>),
    /// as the command does. <see cref="CompareMethods(IReadOnlyList{MethodSpec}, int, bool, IProgress{ValueTuple{int, int}}, bool)"/>
    /// with <c>DefaultMethods().Run</c> gives the whole <see cref="PhysGrad.Comparison"/> (x*, the skipped methods).</summary>
    public IReadOnlyList<MethodResult> CompareDefaults(int iterations = 10, bool lineSearch = false)
    {
        var (run, skipped) = DefaultMethods();
        var comparison = CompareMethods(run, iterations, lineSearch, null, skipUnformable: true);
        var left = skipped.Concat(comparison.Skipped).Select(s => s.ToString()).ToArray();
        return new PrintedList<MethodResult>([.. comparison.Results], (r, _) => r.ToString(), Environment.NewLine, left);
    }

    /// <summary>
    /// Runs several methods from the start point and finds x* once (<see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>): the
    /// results' distances, <see cref="ToJson(PhysGrad.Comparison, IReadOnlyList{string})"/> and <see cref="SavePlots(PhysGrad.Comparison, string)"/> all use it.
    /// </summary>
    /// <param name="methods">Methods and step sizes.</param>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="lineSearch">Line search: Armijo backtracking for Newton, weak Wolfe for BFGS and L-BFGS.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    public Comparison CompareMethods(IReadOnlyList<(Method Method, double Eta)> methods, int iterations = 10, bool lineSearch = false,
        IProgress<(int Method, int Iteration)>? progress = null) =>
        CompareMethods([.. methods.Select(m => new MethodSpec(m.Method, m.Eta))], iterations, lineSearch, progress);

    /// <summary>
    /// Runs methods with their options (<see cref="MethodCatalog.Parse"/>) from the start point and finds x*
    /// once, as <see cref="CompareMethods(IReadOnlyList{ValueTuple{Method, double}}, int, bool, IProgress{ValueTuple{int, int}})"/>.
    /// </summary>
    /// <param name="methods">Methods with step sizes and options.</param>
    /// <param name="iterations">Iterations per method.</param>
    /// <param name="lineSearch">Each method's own line search (<see cref="MethodEntry.LineSearch"/>), where it has one.</param>
    /// <param name="progress">Told (method index, iteration) as the runs advance.</param>
    public Comparison CompareMethods(IReadOnlyList<MethodSpec> methods, int iterations = 10, bool lineSearch = false,
        IProgress<(int Method, int Iteration)>? progress = null) =>
        BookExample.Compare(Compiled, Definition.Target.ToArray(), RequireMethods(methods.Count, StartInDomain()), iterations, methods, lineSearch, progress, Definition.KnownSolution,
            source: Definition.Identity);

    /// <summary>
    /// As <see cref="CompareMethods(IReadOnlyList{MethodSpec}, int, bool, IProgress{ValueTuple{int, int}})"/>; with
    /// <paramref name="skipUnformable"/> (for a default list, <see cref="DefaultMethods"/>) a method whose kernels
    /// cannot be derived in doubles (constants that overflow when folded: newton's Hessian of
    /// 1E+200*x0, which holds 1E+200 × 1E+200) is left out and listed in <see cref="Comparison.Skipped"/> with
    /// the reason, and the others run.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.NonFinite"/>) such a method when not <paramref name="skipUnformable"/>.</exception>
    public Comparison CompareMethods(IReadOnlyList<MethodSpec> methods, int iterations, bool lineSearch,
        IProgress<(int Method, int Iteration)>? progress, bool skipUnformable) =>
        BookExample.Compare(Compiled, Definition.Target.ToArray(), RequireMethods(methods.Count, StartInDomain()), iterations, methods, lineSearch, progress, Definition.KnownSolution,
            skipUnformable, Definition.Identity);

    // The start, once the list of methods to compare is known to hold one: an empty list compared nothing
    // and returned no results without a word.
    private static double[] RequireMethods(int count, double[] start)
    {
        RunArguments.RequireSome(count, "methods", "method", "there is nothing to compare", ", e.g. [(Method.GradientDescent, 0.1)], or DefaultMethods");
        return start;
    }

    /// <summary>The unit of each method's step, measured by steps from the start; not applicable, with the
    /// reason, for a problem without units (give them with <see cref="WithUnits"/>). A problem without a start or a
    /// numeric target is measured at the generic point, as <c>physgrad units</c> measures it
    /// (<see cref="ProblemDefinition.WithGenericPoint"/>: start 0.6, 0.7, …, y* = P(x′) near the start).</summary>
    /// <exception cref="SymbolicException">The start is outside the problem's domain (<see cref="StartInDomain"/>): every
    /// measuring step would read L = NaN there, as the runs of <see cref="CompareMethods(IReadOnlyList{MethodSpec}, int, bool, IProgress{ValueTuple{int, int}})"/> would.</exception>
    public StepUnitsResult StepUnits()
    {
        var studied = Studied(null);
        _ = studied.StartInDomain();
        return PhysGrad.StepUnits.Measure(studied.Model);
    }

    /// <summary>The properties of docs/theory.md §3 at a point (default: the start) with step size
    /// <paramref name="eta"/>. A problem without a start or a numeric target is checked as <c>physgrad check</c>
    /// checks it (<see cref="ProblemDefinition.WithGenericPoint"/>): the start 0.6, 0.7, … where none is given,
    /// and y* = P(x′) generated near the point checked where no numeric target is.</summary>
    /// <exception cref="SymbolicException"><paramref name="eta"/> not a positive, finite number (<see cref="ErrorKind.Invalid"/>),
    /// refused before anything is measured; <paramref name="at"/> without one value per variable (<see cref="ErrorKind.Shape"/>)
    /// or with a NaN or infinite value (<see cref="ErrorKind.NonFinite"/>), naming the component (<c>at[0] (x0)</c>);
    /// (<see cref="ErrorKind.Invalid"/>) the point (<paramref name="at"/>, or the start) outside the problem's domain,
    /// in the words <c>physgrad check</c> refuses it with: every property would read y or L = NaN there.</exception>
    public CheckReport Check(double[]? at = null, double eta = 0.3) => Check(at, eta, refuseOutsideDomain: true);

    /// <summary>As <see cref="Check(double[], double)"/>; with <paramref name="refuseOutsideDomain"/> false a point outside
    /// the domain is not refused but checked, each property answering undef where y or L is NaN (for a point the
    /// caller chose rather than the user, as <c>physgrad check</c>'s generic point).</summary>
    public CheckReport Check(double[]? at, double eta, bool refuseOutsideDomain)
    {
        // η first: a point at the target returned results before the steps that refuse a bad η were taken.
        if (UserNumbers.NotPositive(eta) is { } wrong)
            throw new SymbolicException(ErrorKind.Invalid,
                $"The step size 'eta' of {nameof(Check)} must be a positive, finite number, and {NumberText.RoundTrip(eta)} {wrong}: give e.g. {nameof(Check)}(at, 0.3), the default.");
        // The point before the generic target is made around it (which needs a finite point of the right length).
        if (at is not null) _ = PointArguments.Require(at, Variables, nameof(at));
        var studied = Studied(at);
        if (refuseOutsideDomain)
        {
            if (at is null) _ = studied.StartInDomain();
            else studied.Refuse(at, "point", nameof(at));
        }
        return TheoryChecks.Run(studied.Model, at, eta);
    }

    /// <summary>
    /// "The start [-1] is outside the domain of the problem: {outside}. Give a start where the condition holds ({where})."
    /// The one wording of a refused point, for the API (<paramref name="where"/> names the argument) and the CLI (the option).
    /// </summary>
    public static string OutsideDomainMessage(IReadOnlyList<double> point, string outside, string noun, string where) =>
        $"The {noun} {NumberText.Vector(point.ToArray())} is outside the domain of the problem: {outside}. Give a {noun} where the condition holds ({where}).";

    // The problem as check and units study it: this one when it has a start and a numeric target, else with
    // the generic point filled in (around at, the point checked, when given), as the CLI's check and units do.
    private PhysicsProblem Studied(IReadOnlyList<double>? at) =>
        Definition.HasStart && Definition.HasNumericTarget ? this : new(Definition.WithGenericPoint(at), null, _hessianPattern);

    /// <summary>Saves x-space, y-space and loss plots (each as PNG and SVG) of runs into a directory; returns the files.
    /// Rendering is serialised: every plot the library draws (these, the field plots, train's) is rendered and
    /// saved under one lock for the process, so calls from several threads are safe and take turns.</summary>
    /// <exception cref="PlottingLibraryMissingException">SkiaSharp's native library (libSkiaSharp) is not found for this
    /// platform; it belongs in the application's runtimes/&lt;rid&gt;/native/ folder (NuGet SkiaSharp.NativeAssets.*).</exception>
    /// <exception cref="PlotDirectoryException">The directory is a file or cannot be created or written (<see cref="PlotDirectory.Prepare"/>):
    /// the message names it and what to do.</exception>
    /// <exception cref="SymbolicException">No run (<see cref="ErrorKind.Invalid"/>: the plots would be blank), or a run of
    /// another problem (<see cref="ErrorKind.Shape"/>: points of another size), named by its index and label.</exception>
    public IReadOnlyList<string> SavePlots(IReadOnlyList<OptimizerRun> runs, string directory)
    {
        RunArguments.RequireFrom(runs, Definition.Variables, Definition.Outputs, nameof(runs), Definition.Identity);
        RunArguments.RequireSome(runs.Count, nameof(runs), "plots");
        return TrajectoryPlots.SaveAll(runs, directory, Definition, TargetPoint.Find(this, runs), CompiledForPlots);
    }

    /// <summary>Saves the plots of a comparison, x* marked where the comparison found it; returns the files.</summary>
    /// <exception cref="PlottingLibraryMissingException">SkiaSharp's native library is missing, as for the overload taking runs.</exception>
    /// <exception cref="PlotDirectoryException">The directory is a file or cannot be created or written.</exception>
    /// <exception cref="SymbolicException">A comparison with no result, or of another problem, as for the overload taking runs.</exception>
    public IReadOnlyList<string> SavePlots(Comparison comparison, string directory)
    {
        RequireOwn(comparison);
        RunArguments.RequireSome(comparison.Results.Count, nameof(comparison), "plots");
        return TrajectoryPlots.SaveAll(comparison, directory, Definition, CompiledForPlots);
    }

    // The plots draw with the problem the runs were made on, never a second compilation of the definition.
    private Lazy<CompiledProblem?> CompiledForPlots => new(() => Compiled);

    // A comparison of this problem: its runs and x* of this problem (RunArguments).
    private void RequireOwn(Comparison comparison, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(comparison))] string parameter = "comparison")
    {
        ArgumentNullException.ThrowIfNull(comparison, parameter);
        RunArguments.RequireFrom(comparison.Results, Definition.Variables, Definition.Outputs, parameter, Definition.Identity);
        RunArguments.RequireTarget(comparison.Target, Definition, parameter);
    }

    /// <summary>
    /// Saves the field plots of a comparison on a grid of the given shape (one side for 1-D, rows and
    /// columns for 2-D, one variable per cell): see <see cref="FieldPlots.Save(IReadOnlyList{OptimizerRun}, string, IReadOnlyList{int}, double[], string?)"/>; returns the files.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A grid of two cells or fewer, which
    /// has no field to draw (<see cref="SavePlots(PhysGrad.Comparison, string)"/> draws such a problem's
    /// x-space), or one whose cells are not the problem's variables.</exception>
    /// <exception cref="PlotDirectoryException">The directory is a file or cannot be created or written.</exception>
    /// <exception cref="SymbolicException">A comparison with no result, or of another problem, as <see cref="SavePlots(PhysGrad.Comparison, string)"/>.</exception>
    public IReadOnlyList<string> SaveFieldPlots(Comparison comparison, string directory, IReadOnlyList<int> grid)
    {
        RequireOwn(comparison);
        ArgumentNullException.ThrowIfNull(grid);
        RunArguments.RequireSome(comparison.Results.Count, nameof(comparison), "field plots");
        var cells = grid.Aggregate(1L, (a, b) => a * b);
        // Nothing written and no word of why had read as success on a problem that is no field at all.
        if (cells <= 2)
            throw new SymbolicException(ErrorKind.Shape,
                $"A field plot draws one value per cell of a grid of more than two cells, and [{string.Join(", ", grid)}] has {cells}: " +
                $"this problem is no field to draw (its x-space plots, {nameof(SavePlots)}, show its {NumberText.Count(Variables.Count, "variable")}).");
        return FieldPlots.Save(comparison.Results.Select(r => r.Run).ToArray(), directory, Definition, grid, comparison.Target);
    }

    /// <summary>Runs as JSON (see <see cref="RunReport.ToJson"/>), with the x* their distances were measured
    /// against (<see cref="MethodResult.Target"/>, shared by the results of one <see cref="Compare"/>), as
    /// <see cref="ToJson(PhysGrad.Comparison, IReadOnlyList{string})"/> writes it.</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A result of another problem, named by its index and label.</exception>
    public string ToJson(IReadOnlyList<MethodResult> results)
    {
        RunArguments.RequireFrom(results, Definition.Variables, Definition.Outputs, nameof(results), Definition.Identity);
        foreach (var result in results) RunArguments.RequireTarget(result.Target, Definition, nameof(results));
        return RunReport.ToJson(Definition, results, Model, results.Select(r => r.Target).FirstOrDefault(t => t is not null));
    }

    /// <summary>A comparison as JSON, with its x* (see <see cref="RunReport.ToJson"/>) and, when given, the paths of its
    /// plots (<paramref name="plots"/>, <see cref="SavePlots(PhysGrad.Comparison, string)"/>'s list) as "plots" (else null).</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A comparison of another problem, its first foreign run named.</exception>
    public string ToJson(Comparison comparison, IReadOnlyList<string>? plots = null)
    {
        RequireOwn(comparison);
        return RunReport.ToJson(Definition, comparison.Results, Model, comparison.Target, plots);
    }

    /// <summary>A comparison as UTF-8 JSON written to <paramref name="utf8Json"/> in chunks, never held whole (see <see cref="RunReport.WriteJson"/>),
    /// with the plots' paths as <see cref="ToJson(PhysGrad.Comparison, IReadOnlyList{string})"/> writes them.</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A comparison of another problem, as <see cref="ToJson(PhysGrad.Comparison, IReadOnlyList{string})"/>.</exception>
    public void WriteJson(Comparison comparison, Stream utf8Json, IReadOnlyList<string>? plots = null)
    {
        RequireOwn(comparison);
        RunReport.WriteJson(utf8Json, Definition, comparison.Results, Model, comparison.Target, plots);
    }

    /// <summary>A comparison's runs as CSV (see <see cref="RunReport.ToCsv"/>).</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A comparison of another problem, as <see cref="ToJson(PhysGrad.Comparison, IReadOnlyList{string})"/>.</exception>
    public string ToCsv(Comparison comparison)
    {
        RequireOwn(comparison);
        return RunReport.ToCsv(Definition, comparison.Results.Select(r => r.Run).ToArray());
    }

    /// <summary>Runs as CSV (see <see cref="RunReport.ToCsv"/>); an empty list gives the header alone.</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Shape"/>) A run of another problem, named by its index and label:
    /// its rows would not match the header's columns.</exception>
    public string ToCsv(IReadOnlyList<OptimizerRun> runs) => RunReport.ToCsv(Definition, runs);
}

/// <summary>Options of <see cref="PhysicsProblem.Run"/>.</summary>
/// <param name="LossTolerance">Stop (converged) once the loss is at most this.</param>
/// <param name="StepTolerance">Stop (converged) once a step's length is at most this.</param>
/// <param name="LineSearch">Line search: Armijo backtracking for Newton, weak Wolfe for BFGS and L-BFGS.</param>
/// <param name="Kappa">HIG's exponent κ.</param>
/// <param name="Tau">HIG's relative truncation τ.</param>
/// <param name="Progress">Told the number of each iteration completed.</param>
public sealed record RunOptions(
    double LossTolerance = 0, double StepTolerance = 0, bool LineSearch = false, double Kappa = -0.5, double Tau = 1e-3,
    IProgress<int>? Progress = null);
