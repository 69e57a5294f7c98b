using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>One method's closed-form update: the step Δxᵢ for each variable, in the variables and η (<c>eta</c>).</summary>
public sealed partial record UpdateRule(Method Method, IReadOnlyList<string> Variables, IReadOnlyList<Expression> Steps)
{
    /// <summary>The name of the step size in <see cref="Steps"/>: <c>eta</c> unless the problem uses that
    /// name (see <see cref="ProblemDefinition.StepSymbol"/>).</summary>
    public string StepSymbol { get; init; } = "eta";

    /// <summary>Why the problem's decimal constants were solved with in doubles rather than as exact fractions
    /// (the exact derivation's cost measure, <see cref="ExactConstants.PivotBits"/>, is over its limit), as a
    /// sentence; null when they were exact or there were none. Rules derived in doubles can carry rounding
    /// residue (terms near 1E-16 that are 0 on paper).</summary>
    public string? DoublesNote { get; init; }

    /// <summary>Whether the rule as written holds only for 0 ≤ η ≤ 1 (PG's, when a square was taken out of a
    /// square root using 1 − η ≥ 0); elsewhere it may differ from the method's step where that step is defined.</summary>
    public bool AssumesStepAtMostOne { get; init; }

    /// <summary>The arguments g of the local inverse's branch choices sign(g) that the rule's steps hold (PG's, x0 in
    /// sqrt(…)·sign(x0) for y0 = x0²): where g = 0 the optimiser takes sign(g) as +1 (both branches are preimages
    /// there; <see cref="LocalInverse.BranchAtZero"/>), where sign(0) = 0 as printed would never move. Derive says
    /// so beside the rule, and its C# computes them so (<c>BranchSign</c>). Empty for the other methods.</summary>
    public IReadOnlyList<Expression> BranchChoices { get; init; } = [];

    /// <summary>The short name ("ig") of the earlier rule of the same derivation whose step this one is (GN's
    /// on a square J is IG's), written in that rule's form; null when it is no other rule's step.</summary>
    public string? SameStepAs { get; init; }

    /// <summary>Whether the rule maps the y-step back to x (IG and PG), so a listing shows the y-step with it.</summary>
    public bool UsesYStep => Method is Method.InverseGradient or Method.PhysicalGradient;

    /// <summary>The method's name as a C# identifier (<c>PhysicalGradient</c>), for generated code.</summary>
    public string CSharpName => BookExample.ShortName(Method) switch
    {
        "gd" => "GradientDescent",
        "newton" => "Newton",
        "ig" => "InverseGradient",
        "pg" => "PhysicalGradient",
        "gn" => "GaussNewton",
        var other => char.ToUpperInvariant(other[0]) + other[1..],
    };

    /// <summary>
    /// The steps of a rule derived for <paramref name="method"/>, each printed (<see cref="Expression.ToInfix"/>,
    /// <see cref="Expression.ToLatex"/>) as derive's text writes its line (<see cref="RulePrinter.AsDerived"/>, formed
    /// for the whole rule when a step is first printed): <c>eta*(5*g/v1 - v0/2)</c>, as README says every format writes it.
    /// </summary>
    internal static Expression[] PrintedAsDerived(Method method, IReadOnlyList<string> variables, Expression[] steps, string stepSymbol)
    {
        var name = BookExample.ShortName(method);
        var printed = new Lazy<Expression[]>(() => RulePrinter.AsDerived(new RuleBlock(name, name, variables, steps), variables, stepSymbol));
        return [.. steps.Select((s, i) => s.PrintedAs(() => printed.Value[i]))];
    }

    /// <summary>The rule on one line: <c>ig: Δx0 = -eta*x0; Δx1 = -eta*x1/2</c>; a subexpression repeated in a
    /// long rule is named once first, <c>newton: t1 = …; Δx0 = …t1…</c>, with the intermediates derive's text
    /// output prints (<see cref="RulePrinter.Prepare"/>, the same t1, t2, … and values).</summary>
    public override string ToString()
    {
        var terms = RulePrinter.Prepare("infix", [new RuleBlock(BookExample.ShortName(Method), CSharpName, Variables, Steps)], Variables, StepSymbol)[0];
        return $"{BookExample.ShortName(Method)}: " + string.Join("; ",
            terms.Intermediates.Select(t => $"{t.Name} = {t.Value.ToInfix()}")
                .Concat(Variables.Select((v, i) => $"Δ{v} = {terms.Results[i].ToInfix()}")));
    }
}

/// <summary>A method left out of a default list because it does not apply to the problem, and why.</summary>
public sealed partial record SkippedMethod(Method Method, string Reason)
{
    /// <summary>What stops the method, for a caller that adds its own remedy (the CLI names its options).</summary>
    public NotApplicableCause Cause { get; init; } = NotApplicableCause.Other;
}

/// <summary>Whether a method applies to a problem, and if not, why (typed, with the sentence for display).</summary>
/// <param name="IsApplicable">Whether the method can run (or be derived) on the problem.</param>
/// <param name="Cause">What stops it; null when it applies.</param>
/// <param name="Reason">The reason in words; null when it applies.</param>
public sealed record Applicability(bool IsApplicable, NotApplicableCause? Cause, string? Reason)
{
    /// <summary>The method applies.</summary>
    public static Applicability Yes { get; } = new(true, null, null);

    /// <summary>The method does not apply, because of <paramref name="cause"/>, said as <paramref name="reason"/>.</summary>
    public static Applicability No(NotApplicableCause cause, string reason) => new(false, cause, reason);
}

/// <summary>Why a method does not apply to a problem.</summary>
public enum NotApplicableCause
{
    /// <summary>Anything else (a problem without a closed form for this method).</summary>
    Other,
    /// <summary>IG or PG on a Jacobian that is not square.</summary>
    NotSquare,
    /// <summary>PG's closed form without a local inverse: none was given and none could be derived.</summary>
    NoInverse,
    /// <summary>The method's matrix is singular for every x.</summary>
    Singular,
    /// <summary>A units analysis of a problem without units (see <see cref="StepUnits"/>).</summary>
    NoUnits,
    /// <summary>A rule with a dense form on a problem over its size limit (HIG's SVD, dense BFGS; newton is sparse above 2,000 variables and refuses only at the start, a problem without a sparse Hessian).</summary>
    TooLarge,
    /// <summary>Left out of a problem's default list by its own defaults (<see cref="ProblemDefinition.Defaults"/>):
    /// a reference example on which it diverges at every step size measured, or which it takes too long at this
    /// size. It runs when named.</summary>
    LeftOutByDefault,
}

/// <summary>
/// A method asked for by name that does not apply to the problem (<see cref="SymbolicException.Kind"/>
/// as for any input error), with the typed <see cref="Cause"/> so that a caller can add its own remedy.
/// </summary>
public sealed class MethodNotApplicableException(Method method, NotApplicableCause cause, ErrorKind kind, string message)
    : SymbolicException(kind, message)
{
    /// <summary>The method that does not apply.</summary>
    public Method Method { get; } = method;

    /// <summary>What stops it.</summary>
    public NotApplicableCause Cause { get; } = cause;
}

/// <summary>Closed-form update rules of a problem (docs/theory.md §2).</summary>
public static class UpdateRuleSet
{
    /// <summary>The methods that have a closed form.</summary>
    public static readonly Method[] Symbolic =
        [Method.GradientDescent, Method.Newton, Method.InverseGradient, Method.PhysicalGradient, Method.GaussNewton];

    /// <summary>
    /// The most variables for which the rules that solve with an n×n matrix of the variables symbolically
    /// are derived: newton (the Hessian ∂²L/∂x²), gn (JᵀJ or JJᵀ) and ig (the Jacobian ∂P/∂x). Their
    /// elimination takes about n³ operations on expressions and their steps are dense (a term per variable
    /// in every Δxᵢ): newton alone took 3.0 s of CPU at 64 cells of heat1d and 10.8 s at 128, and
    /// <c>derive</c> on heat1d-inverse's default 256 cells ran for more than 300 s (BENCHMARKS.md, branch <c>heat19</c>).
    /// </summary>
    public const int DenseRuleLimit = 64;

    /// <summary>
    /// The most variables for which the rules that take a Newton step in y are derived (ig and pg): the
    /// y-step forms the loss's n×n Hessian ∂²L/∂y² and eliminates with it, n² entries however sparse it is
    /// (pg at 4096 cells of heat1d-inverse ran for more than 90 s of CPU; BENCHMARKS.md, branch <c>heat19</c>).
    /// </summary>
    public const int YStepLimit = 1024;

    /// <summary>
    /// The most variable terms PG's rule is derived with (the variables each Δxᵢ depends on, summed over
    /// i, before simplifying): <see cref="DenseRuleLimit"/>², the size of a dense rule at the dense limit,
    /// the largest newton, ig or gn rule derive writes. PG's closed form composes the local inverse with the
    /// simulator and the y-step, P⁻¹(P(x) + Δy; x) − x, so each step reaches as far as the inverse and the
    /// simulator together: on heat1d-inverse 49 variables per step, all of them up to 49 cells, and at its
    /// default 256 cells 931 KB of rule, 12.7 s of CPU (before this limit; BENCHMARKS.md, branch <c>pgdense20</c>).
    /// It is counted on the composed steps, which take no simplifying, so a rule over it costs nothing more.
    /// </summary>
    public const int PhysicalTermLimit = DenseRuleLimit * DenseRuleLimit;

    /// <summary>Why PG's rule is not derived when its <paramref name="variables"/> steps depend on
    /// <paramref name="terms"/> variables in all (see <see cref="PhysicalTermLimit"/>), or null when it is.</summary>
    public static string? PhysicalTermsReason(int variables, int terms) => terms <= PhysicalTermLimit ? null
        : $"pg's closed form composes the local inverse with the simulator, P⁻¹(P(x) + Δy; x) − x, and here each of its {variables} steps depends on "
          + $"{(double)terms / variables:0} variables on average ({terms:N0} terms in all, more than the {PhysicalTermLimit:N0} of a dense rule at {DenseRuleLimit} variables); "
          + $"derive writes pg's rule up to {PhysicalTermLimit:N0} terms. Running the method (compare) evaluates its step from the problem's code at this size; "
          + "derive its rule on a problem with fewer variables.";

    /// <summary>
    /// The most variables for which any rule is derived: a rule is one step per variable, each derived,
    /// simplified and printed (gd on heat1d at 10,000 cells: 13.9 s of CPU and 3.9 MB of text;
    /// BENCHMARKS.md, branch <c>heat19</c>).
    /// </summary>
    public const int RuleLimit = 10000;

    /// <summary>
    /// Why none of the closed forms in <paramref name="methods"/> (a method list as <c>derive</c> reads it,
    /// <see cref="MethodCatalog.ParseEntries"/>; null for every method with a closed form,
    /// <see cref="Symbolic"/>) is derived for <paramref name="variables"/> variables: one reason per method
    /// (<see cref="TooLargeReason"/>), or null when at least one is, or none of the list has a closed form.
    /// </summary>
    public static IReadOnlyList<string>? AllTooLarge(string? methods, int variables)
    {
        var asked = (methods is null ? Symbolic : MethodCatalog.ParseEntries(methods).Select(e => e.Method))
            .Where(Symbolic.Contains).Distinct().ToArray();
        var reasons = asked.Select(m => TooLargeReason(m, variables)).ToArray();
        return asked.Length > 0 && reasons.All(r => r is not null) ? reasons.Select(r => r!).ToArray() : null;
    }

    /// <summary>Why <paramref name="method"/>'s rule is not derived for <paramref name="variables"/> variables
    /// (<see cref="DenseRuleLimit"/>, <see cref="YStepLimit"/>, <see cref="RuleLimit"/>), or null when it is.</summary>
    public static string? TooLargeReason(Method method, int variables)
    {
        var name = MethodCatalog.NameOf(method);
        var (limit, why) = method switch
        {
            Method.Newton or Method.GaussNewton or Method.InverseGradient when variables > DenseRuleLimit => (DenseRuleLimit,
                $"{name}'s closed form solves with {(method switch { Method.Newton => "the Hessian ∂²L/∂x²", Method.GaussNewton => "JᵀJ (or JJᵀ)", _ => "the Jacobian ∂P/∂x" })}, " +
                $"a {variables}×{variables} matrix, by symbolic elimination (about n³/3 operations on expressions), and its step is dense ({variables} terms in each Δxᵢ)"),
            Method.InverseGradient or Method.PhysicalGradient when variables > YStepLimit => (YStepLimit,
                $"{name}'s closed form takes a Newton step in y, which forms the loss's {variables}×{variables} Hessian ∂²L/∂y² and eliminates with it"),
            _ when variables > RuleLimit => (RuleLimit,
                $"{name}'s rule is {variables} steps, one per variable, each derived, simplified and printed"),
            _ => (0, (string?)null),
        };
        return why is null ? null
            : $"{why}; derive writes such rules for up to {limit} variables. Running the method (compare) is numeric and takes this size; derive its rule on a problem of at most {limit} variables.";
    }

    /// <summary>The y-step Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y that IG and PG map back to x, in the outputs y0, y1, … and η.</summary>
    /// <exception cref="SymbolicException">The loss's Hessian in y is singular (no Newton step in y).</exception>
    public static IReadOnlyList<Expression> YStep(ProblemDefinition problem) => YStep(problem, problem.ToSymbolicProblem());

    /// <summary>The y-step of a problem whose model is built already (<see cref="PhysicsProblem"/> holds it).</summary>
    internal static IReadOnlyList<Expression> YStep(ProblemDefinition problem, Problem model)
    {
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        return UpdateRules.Simplified(UpdateRules.YStep(ExprModule.Symbol(problem.StepSymbol), outputs, model.Loss)).Select(e => Expression.Wrap(e, problem.StepSymbol)).ToArray();
    }

    /// <summary>The y-step (see <see cref="YStep(ProblemDefinition)"/>), or null when the loss has no Newton step in y (its Hessian in y is singular).</summary>
    public static IReadOnlyList<Expression>? TryYStep(ProblemDefinition problem) => TryYStep(problem, null);

    /// <summary>As <see cref="TryYStep(ProblemDefinition)"/> on a model built already (built from the definition when null).</summary>
    internal static IReadOnlyList<Expression>? TryYStep(ProblemDefinition problem, Problem? model)
    {
        try
        {
            return YStep(problem, model ?? problem.ToSymbolicProblem());
        }
        catch (SymbolicException e) when (e.Kind == ErrorKind.Singular)
        {
            return null;
        }
    }

    /// <summary>
    /// Derives the update rules of <paramref name="methods"/> for a problem; by default every method
    /// with a closed form that applies to it (see <see cref="DeriveApplicable(ProblemDefinition)"/> for the ones left out
    /// and why). The problem needs neither a start nor a target: without a target the rules are in the
    /// symbols <see cref="ProblemDefinition.TargetSymbolPrefix"/>0, 1, … (y*₀, y*₁, …).
    /// </summary>
    /// <exception cref="SymbolicException">A method named in <paramref name="methods"/> that needs what
    /// the problem lacks (a square Jacobian, an inverse), explained; or a problem that does not parse.</exception>
    public static IReadOnlyList<UpdateRule> Derive(ProblemDefinition problem, IReadOnlyList<Method>? methods = null) =>
        methods is null ? DeriveApplicable(problem).Rules : DeriveAll(problem, methods);

    /// <summary>As <see cref="Derive(ProblemDefinition, IReadOnlyList{Method})"/> on a model built already.</summary>
    internal static IReadOnlyList<UpdateRule> Derive(ProblemDefinition problem, IReadOnlyList<Method>? methods, Problem model) =>
        methods is null ? DeriveApplicable(problem, model).Rules : DeriveAll(problem, methods, model);

    /// <summary>The update rules of catalogue entries (<see cref="MethodCatalog.ParseEntries"/>), as <see cref="Derive(ProblemDefinition, IReadOnlyList{Method})"/>.</summary>
    /// <exception cref="SymbolicException">As <see cref="Derive(ProblemDefinition, IReadOnlyList{Method})"/>.</exception>
    public static IReadOnlyList<UpdateRule> Derive(ProblemDefinition problem, IReadOnlyList<MethodEntry> methods) =>
        DeriveAll(problem, methods.Select(e => e.Method).ToArray());

    /// <summary>
    /// The rules of the default methods that apply to the problem, and the ones that do not with the
    /// reason (IG and PG on a non-square Jacobian, PG without a closed-form local inverse, a method whose
    /// matrix is singular for every x, a method without a closed form). The default list is every
    /// closed form (<see cref="Symbolic"/>) and every method a comparison runs by default
    /// (<see cref="BookExample.DefaultMethods"/>: HIG on any problem but the book's), so that no method
    /// of <c>compare</c>'s default list is left out of <c>derive</c>'s without a line saying why.
    /// </summary>
    /// <exception cref="SymbolicException">A problem that does not parse or does not fit together.</exception>
    public static (IReadOnlyList<UpdateRule> Rules, IReadOnlyList<SkippedMethod> Skipped) DeriveApplicable(ProblemDefinition problem) =>
        DeriveApplicable(problem, problem.ToSymbolicProblem());

    /// <summary>
    /// As <see cref="DeriveApplicable(ProblemDefinition)"/> for the named <paramref name="methods"/> instead of
    /// the default list (each once, in their order): the rules of those that apply, and those that do not
    /// with the reason, so that a caller can show the rules it has before refusing the others.
    /// </summary>
    /// <exception cref="SymbolicException">A problem that does not parse or does not fit together.</exception>
    public static (IReadOnlyList<UpdateRule> Rules, IReadOnlyList<SkippedMethod> Skipped) DeriveApplicable(ProblemDefinition problem, IReadOnlyList<Method> methods) =>
        DeriveApplicable(problem, problem.ToSymbolicProblem(), methods);

    /// <summary>As <see cref="DeriveApplicable(ProblemDefinition, IReadOnlyList{Method})"/> on a model built already
    /// (<see cref="PhysicsProblem"/> holds it); the default list when <paramref name="methods"/> is null.</summary>
    internal static (IReadOnlyList<UpdateRule> Rules, IReadOnlyList<SkippedMethod> Skipped) DeriveApplicable(ProblemDefinition problem, Problem model,
        IReadOnlyList<Method>? methods = null)
    {
        var rules = new List<UpdateRule>();
        var skipped = new List<SkippedMethod>();
        foreach (var method in (methods ?? DefaultMethods(problem)).Distinct())
        {
            if (!Symbolic.Contains(method))
            {
                skipped.Add(new SkippedMethod(method, MethodCatalog.NoClosedFormReason(method)) { Cause = NotApplicableCause.Other });
                continue;
            }
            try
            {
                rules.AddRange(DeriveAll(problem, [method], model));
            }
            catch (SymbolicException e) when (e.Kind is ErrorKind.Shape or ErrorKind.Singular or ErrorKind.Invalid
                || e is MethodNotApplicableException { Cause: NotApplicableCause.TooLarge })
            {
                skipped.Add(new SkippedMethod(method, e.Message)
                {
                    Cause = e is MethodNotApplicableException n ? n.Cause : NotApplicableCause.Other,
                });
            }
            catch (SymbolicException e) when (e.Kind is ErrorKind.DivisionByZero or ErrorKind.NonFinite)
            {
                // Constants folded beyond the doubles' range while forming this method's rule (its matrix or
                // inverse): the rule cannot be written, but the other methods' rules can, so derive prints
                // those and names this one with the reason; a method named in --methods still fails the command.
                skipped.Add(new SkippedMethod(method,
                    $"{BookExample.ShortName(method)}'s rule cannot be formed: {e.Message}")
                { Cause = NotApplicableCause.Other });
            }
        }
        return (SameStepsOnce(rules), skipped);
    }

    /// <summary>
    /// The rules with each rule that is the same step as an earlier one (IG and GN on a square J, where
    /// (JᵀJ)⁻¹Jᵀ = J⁻¹; Newton, IG and GN on a linear least-squares problem) written in that earlier rule's form
    /// and marked <see cref="UpdateRule.SameStepAs"/>: derived by different routes, one step printed in two
    /// algebraic forms reads as two steps. Equal means equal at three random rational points in every symbol
    /// (<see cref="EqualAtRandomPoints"/>).
    /// </summary>
    private static List<UpdateRule> SameStepsOnce(List<UpdateRule> rules)
    {
        for (var i = 1; i < rules.Count; i++)
            for (var j = 0; j < i; j++)
                if (rules[j].SameStepAs is null && rules[j].Variables.SequenceEqual(rules[i].Variables)
                    && rules[j].StepSymbol == rules[i].StepSymbol && EqualAtRandomPoints(rules[j].Steps, rules[i].Steps))
                {
                    rules[i] = rules[i] with { Steps = rules[j].Steps, SameStepAs = BookExample.ShortName(rules[j].Method) };
                    break;
                }
        return rules;
    }

    /// <summary>
    /// Whether two lists of expressions are equal at three points with every symbol a random rational p/q
    /// (|p| ≤ 9, 1 ≤ q ≤ 7, a fixed seed): rational functions fold to exact rationals there and are compared
    /// exactly, so two rational functions that differ agree at such a point only on the zero set of their
    /// difference, which random points miss (Schwartz–Zippel); any other value (a √, an exponential) is compared
    /// in doubles to 10⁻¹² relative. A point where either side is undefined (a zero denominator) is replaced,
    /// up to 12 tries; false when three defined points are not found.
    /// </summary>
    internal static bool EqualAtRandomPoints(IReadOnlyList<Expression> a, IReadOnlyList<Expression> b)
    {
        if (a.Count != b.Count) return false;
        var names = Structure.FreeSymbolNames(a.Concat(b).Select(e => e.Core)).ToArray();
        var random = new Random(12);
        int defined = 0;
        for (var attempt = 0; attempt < 12 && defined < 3; attempt++)
        {
            var point = names.ToDictionary(n => ExprModule.Symbol(n),
                _ => ExprModule.Number(Rational.Create(new System.Numerics.BigInteger(random.Next(1, 10) * (random.Next(2) == 0 ? -1 : 1)),
                    new System.Numerics.BigInteger(random.Next(1, 8)))), ReferenceEqualityComparer.Instance as IEqualityComparer<Expr>);
            try
            {
                for (var i = 0; i < a.Count; i++)
                {
                    var (u, v) = (Structure.Substitute(point, a[i].Core), Structure.Substitute(point, b[i].Core));
                    if (ReferenceEquals(u, v)) continue;
                    if (u.Node.IsNumber && v.Node.IsNumber) return false;
                    var (x, y) = (Evaluate.ManyAt([], [], [u])[0], Evaluate.ManyAt([], [], [v])[0]);
                    if (!double.IsFinite(x) || !double.IsFinite(y)) throw new SymbolicException(ErrorKind.NonFinite, "undefined at this point");
                    if (Math.Abs(x - y) > 1e-12 * Math.Max(Math.Abs(x), Math.Abs(y))) return false;
                }
                defined++;
            }
            catch (Exception e) when (e is SymbolicException or ArithmeticException)
            {
                // Undefined at this point (a zero denominator, a logarithm of a negative number): try another.
            }
        }
        return defined == 3;
    }

    /// <summary>
    /// The methods <c>derive</c> considers by default: the closed forms, then the other methods of the
    /// problem's default comparison (<see cref="BookExample.DefaultMethods"/>), each once.
    /// </summary>
    public static IReadOnlyList<Method> DefaultMethods(ProblemDefinition problem) =>
        [.. Symbolic.Concat(BookExample.DefaultMethods(problem).Select(m => m.Method)).Distinct()];

    private static IReadOnlyList<UpdateRule> DeriveAll(ProblemDefinition problem, IReadOnlyList<Method> methods, Problem? model = null)
    {
        model ??= problem.ToSymbolicProblem();
        // Refused before anything is derived: a dense rule over the limit would run for minutes.
        foreach (var method in methods)
            if (TooLargeReason(method, model.Variables.Length) is { } tooLarge)
                throw new MethodNotApplicableException(method, NotApplicableCause.TooLarge, ErrorKind.TooLarge, tooLarge);
        var variables = model.Variables.Select(ExprModule.Symbol).ToArray();
        var outputs = model.Outputs.Select(ExprModule.Symbol).ToArray();
        var simulator = model.Simulator;
        var loss = model.Loss;
        var lossX = model.LossInX;
        // Decimal constants (0.1, 3e8) are solved with as the exact rationals the user wrote, so sums that
        // cancel on paper cancel here (no 2.22E-16*eta*x0 in IG, PG's step exactly 0 at η = 0, no Newton
        // rule from a Hessian that is singular but for rounding); the rules keep short decimals and small
        // fractions exact after simplifying (7/120, not 0.0583333333333333) and turn only long fractions into
        // doubles (ReadableConstants). At any number of variables, unless the cost measure (the bits exact elimination's
        // numbers can reach, ExactConstants.PivotBits) is over its limit: then the methods that eliminate (solve a
        // linear system or invert a map: all but GD) are derived in doubles, and their rules carry a note saying so.
        // GD's rule is the gradient, with no elimination whose numbers could grow: it keeps exact constants at any
        // size (at n = 1000 derive said GD's rule was solved in doubles, which it was not).
        string? doublesNote = null;
        var hasReals = ExactConstants.HasReals(simulator.Append(loss).Append(lossX));
        // Floating constants that are all integers (1.0*x1) are the integers the user means: the problem is the integer
        // one, derived and printed as it is (no 0.25 for its 1/4, which the exact path writes as a decimal the user wrote).
        var integerReals = hasReals && ExactConstants.HasOnlyIntegerReals(simulator.Append(loss).Append(lossX));
        if (integerReals)
        {
            (simulator, loss, lossX) = ([.. simulator.Select(ExactConstants.Exact)], ExactConstants.Exact(loss), ExactConstants.Exact(lossX));
            hasReals = false;
        }
        var (doubleSimulator, doubleLoss, doubleLossX) = (simulator, loss, lossX);
        // Read from the user's text when the simulator is that text's: its decimals' quotients and products stay
        // exact (3.14159/9.81 is 314159/981000), where the parser's doubles folded them past reading back.
        var written = hasReals ? problem.ExactSimulator(simulator) : null;
        Expr[] exactSimulator = hasReals ? written?.Simulator ?? [.. simulator.Select(ExactConstants.Exact)] : simulator;
        var exactLoss = hasReals ? ExactConstants.Exact(loss) : loss;
        var eliminateExactly = hasReals;
        if (hasReals)
        {
            var bits = ExactConstants.PivotBits(variables.Length, exactSimulator.Append(exactLoss));
            if (bits > ExactConstants.MaxPivotBits)
            {
                eliminateExactly = false;
                doublesNote = $"the decimal constants are solved with in doubles, not as exact fractions: exact elimination's numbers could reach "
                    + $"{bits:N0} bits ({variables.Length} variables; limit {ExactConstants.MaxPivotBits:N0}), so the rules may carry rounding residue "
                    + "(terms near 1E-16 that are 0 on paper). Constants with fewer digits (0.25, not 0.2500000001) or fewer variables keep them exact.";
            }
        }
        Expr? exactLossX = null;
        var exact = false;
        // The decimals the user wrote (9.81 in x0/9.81): exact rules write their fractions over them (eta*ys0/9.81).
        Rational[] sourceDecimals = hasReals
            ? [.. (written?.Decimals ?? []).Concat(ExactConstants.SourceDecimals(simulator.Append(loss))).Distinct().Take(Layout.MaxSourceDecimals)]
            : [];
        // The decimal exponents the user wrote (2.5 in x0^2.5): the rules keep their exponents of that kind decimal (x0^1.5).
        Rational[] exponentDecimals = hasReals ? ExactConstants.ExponentDecimals(simulator.Append(loss)) : [];
        var stepName = problem.StepSymbol;
        var eta = ExprModule.Symbol(stepName);
        var rules = new List<UpdateRule>();
        // The local inverse PG's rule was composed with (Steps sets it), whose branch choices the rule may hold.
        Expr[]? usedInverse = null;
        foreach (var method in methods)
        {
            // The constants this method is derived with (Steps and the local functions below read these).
            exact = hasReals && (eliminateExactly || !Eliminates(method));
            (simulator, loss, lossX) = exact
                ? (exactSimulator, exactLoss, exactLossX ??= written is null ? ExactConstants.Exact(doubleLossX) : UpdateRules.LossInX(outputs, exactSimulator, exactLoss))
                : (doubleSimulator, doubleLoss, doubleLossX);
            Expr[] steps;
            try
            {
                steps = Steps(method);
            }
            catch (SymbolicException e) when (e.Kind == ErrorKind.Singular)
            {
                // Name the matrix of this method, and recommend only closed forms that do not invert it
                // (rules are closed forms: HIG, which needs an SVD, has none to offer). A singular J
                // makes JᵀJ singular too, so Gauss–Newton is no remedy for IG and PG.
                throw new MethodNotApplicableException(method, NotApplicableCause.Singular, ErrorKind.Singular, method switch
                {
                    Method.Newton => "Newton's Hessian ∂²L/∂x² is singular for every x (its determinant simplifies to exactly 0); GD and Gauss–Newton (gd, gn) do not invert it.",
                    Method.GaussNewton => $"Gauss–Newton's {(simulator.Length >= variables.Length ? "JᵀJ" : "JJᵀ")} is singular for every x (J has rank below min(outputs, variables) everywhere); GD (gd) does not invert it.",
                    // IG and PG also invert the loss's Hessian in y (their y-step): say which of the two is singular.
                    Method.InverseGradient or Method.PhysicalGradient when YStepSingular() =>
                        $"{BookExample.ShortName(method)} takes a Newton step in y, but the loss's Hessian ∂²L/∂y² is singular for every y (e.g. a loss linear in an output); GD (gd) does not need it.",
                    Method.InverseGradient or Method.PhysicalGradient => $"{BookExample.ShortName(method)} inverts the Jacobian ∂P/∂x, which is singular for every x (its determinant simplifies to exactly 0); GD (gd) does not invert it.",
                    _ => e.Message,
                });
            }
            if (method == Method.PhysicalGradient && PhysicalTermsReason(variables.Length, DependencyCount(steps)) is { } tooMany)
                throw new MethodNotApplicableException(method, NotApplicableCause.TooLarge, ErrorKind.TooLarge, tooMany);
            var simplified = UpdateRules.Simplified(steps);
            // PG's rule is stated for 0 ≤ η ≤ 1: its y-step is η times the full Newton step in y, so
            // y + Δy then lies between y and the full step's point, where the local inverse is meant to be
            // taken. That fact (η ≥ 0 and 1 − η ≥ 0) lets sqrt(x1^2 - eta*x1^2)*sign(x1) become
            // x1*sqrt(1 - eta); the rule says so when it used it (AssumesStepAtMostOne).
            var assuming = method == Method.PhysicalGradient
                ? steps.Select(e => global::PhysGrad.Symbolic.Simplify.SimplifyAssuming([eta, ExprModule.Subtract(ExprModule.Int(1), eta)], e)).ToArray()
                : simplified;
            var assumed = !assuming.SequenceEqual(simplified);
            // PG composes two numeric maps that cancel on paper (P⁻¹ after P): the coefficients left by their
            // rounding are no terms of the rule (ProductResidue gives the bound).
            if (method == Method.PhysicalGradient)
                assuming = ProductResidue.Drop(steps, assuming);
            var readable = assuming.Select(e => exact ? ReadableConstants.ReadableOver(sourceDecimals, e) : e).ToArray();
            rules.Add(new UpdateRule(method, problem.Variables, UpdateRule.PrintedAsDerived(method, problem.Variables, readable
                .Select(e => exact ? Expression.Wrap(e, stepName, sourceDecimals, exponentDecimals) : Expression.Wrap(e, stepName)).ToArray(), stepName))
            {
                StepSymbol = stepName,
                DoublesNote = exact || !hasReals ? null : doublesNote,
                AssumesStepAtMostOne = assumed,
                BranchChoices = method == Method.PhysicalGradient && usedInverse is { } used
                    ? [.. BranchChoicesIn(readable, LocalInverse.BranchChoices([.. model.Outputs], used)).Select(g => Expression.Wrap(g, stepName))]
                    : [],
            });
        }
        return rules;

        // Whether a method's rule solves a system or inverts a map (exact elimination's numbers grow with n):
        // every closed form but GD's, which is the gradient itself.
        static bool Eliminates(Method method) => method != Method.GradientDescent;

        // A derived inverse is derived again from the exact simulator (10/3, not 3.3333333333333335); a
        // given one reads its decimals as rationals, as the simulator's.
        Expr[] ExactInverse(Expr[] inverse)
        {
            if (model.InverseSource == InverseSource.Derived
                && LocalInverse.TryDeriveWithin(LocalInverse.DefaultBudget, model.Variables, model.Outputs, simulator) is { IsOk: true } derived)
                return derived.ResultValue;
            return [.. inverse.Select(ExactConstants.Exact)];
        }

        // The variables each step depends on, summed over the steps (the composed steps' free symbols,
        // found once per shared node).
        int DependencyCount(Expr[] composed)
        {
            var set = new HashSet<Expr>(variables, ReferenceEqualityComparer.Instance);
            return composed.Sum(e => global::PhysGrad.Symbolic.Structure.FreeSymbols(e).Count(set.Contains));
        }
        // Why no inverse was derived, said of the simulator the rules are derived from: with exact constants
        // its equations print as the rules do (10*y0 - y1/300000000, not 3.3333333333333334E-08*y1 and 1*x0^2).
        // Its equations under the user's decimals, as the rules write them (x0/9.81 + 2.5*x0^3, not 100*x0/981 + 5*x0^3/2).
        string? ExactInverseNote() =>
            (exact || integerReals) && model.InverseSource != InverseSource.Given
            && Layout.withDecimals(sourceDecimals, Microsoft.FSharp.Core.FuncConvert.FromFunc(() =>
                LocalInverse.TryDeriveWithin(LocalInverse.DefaultBudget, model.Variables, model.Outputs, simulator) is { IsError: true } failed
                    ? failed.ErrorValue : null)) is { } note
                ? note
                : model.InverseNote;

        bool YStepSingular()
        {
            try
            {
                UpdateRules.YStep(eta, outputs, loss);
                return false;
            }
            catch (SymbolicException e) when (e.Kind == ErrorKind.Singular)
            {
                return true;
            }
        }

        // The sign(g) nodes of the rule's steps whose g is one of the inverse's branch choices (by their text:
        // the steps were simplified after the inverse was composed), each g once, as the steps hold it.
        static Expr[] BranchChoicesIn(Expr[] steps, Expr[] choices)
        {
            var texts = choices.Select(g => global::PhysGrad.Symbolic.Infix.Format(g)).ToHashSet();
            return [.. global::PhysGrad.Symbolic.Structure.PostOrder(steps)
                .Select(e => e.Node is Node.Apply { Item1: Function.Sign } a && texts.Contains(global::PhysGrad.Symbolic.Infix.Format(a.Item2)) ? a.Item2 : null)
                .OfType<Expr>().DistinctBy(g => global::PhysGrad.Symbolic.Infix.Format(g))];
        }

        Expr[] Steps(Method method) => method switch
            {
                Method.GradientDescent => UpdateRules.GradientDescent(eta, variables, lossX),
                Method.Newton => UpdateRules.Newton(eta, variables, lossX),
                Method.PhysicalGradient or Method.InverseGradient when simulator.Length != variables.Length => throw new MethodNotApplicableException(
                    method, NotApplicableCause.NotSquare, ErrorKind.Shape, BookExample.SquareReason(method, variables.Length, simulator.Length, closedFormOnly: true)),
                Method.InverseGradient => UpdateRules.InverseGradient(eta, variables, outputs, simulator, loss),
                Method.GaussNewton => UpdateRules.GaussNewton(eta, variables, outputs, simulator, loss),
                Method.PhysicalGradient => model.Inverse is { } inverse
                    ? UpdateRules.Physical(eta, variables, outputs, simulator, loss, usedInverse = exact || integerReals ? ExactInverse(inverse) : inverse)
                    // No option or file field is named here: the API has neither (the CLI adds its own).
                    : throw new MethodNotApplicableException(method, NotApplicableCause.NoInverse, ErrorKind.Invalid,
                        $"PG's closed form needs a local inverse, and none was derived: {ExactInverseNote()}. " +
                        "Give a local inverse with the problem (one expression per variable, in the outputs y0, y1, … and the variables) to derive it."),
                _ => throw new SymbolicException(ErrorKind.Invalid, MethodCatalog.NoClosedFormReason(method)),
            };
    }
}
