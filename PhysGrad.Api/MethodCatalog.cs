using System.Text;
using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>A rule option a method takes on the command line (<c>kappa=-0.5</c>), with its default.</summary>
/// <param name="Name">The option's name as written (<c>kappa</c>).</param>
/// <param name="Default">The value when the option is not given.</param>
/// <param name="Description">What it is, for the help text.</param>
public sealed record MethodOption(string Name, double Default, string Description)
{
    /// <summary><c>kappa (default -0.5: …)</c>, as help lists a method's options.</summary>
    public override string ToString() => $"{Name} (default {NumberText.Short(Default)}: {Description})";
}

/// <summary>
/// One method of the catalogue: its report name, the <see cref="Numerics.Method"/> it runs as, its
/// default step size and options, whether it has a closed-form rule (for <c>derive</c>), which line
/// search <c>--line-search</c> gives it, and the factory of its rule.
/// </summary>
/// <param name="Name">The short name used in <c>--methods</c>, tables, JSON, CSV and plots (<c>gd</c>).</param>
/// <param name="Method">The method.</param>
/// <param name="Title">What it is, in words (for help).</param>
/// <param name="DefaultEta">η in the default comparisons and in help examples.</param>
/// <param name="Options">The options, with defaults.</param>
/// <param name="NoClosedForm">Why <c>derive</c> has no rule for it, or null when it has one.</param>
/// <param name="LineSearch">The line search <c>--line-search</c> wraps it in (<c>Armijo</c>, <c>Wolfe</c>), or null.</param>
/// <param name="Create">The rule for η and the option values (every option present).</param>
public sealed record MethodEntry(
    string Name, Method Method, string Title, double DefaultEta, IReadOnlyList<MethodOption> Options, string? NoClosedForm,
    string? LineSearch, Func<double, IReadOnlyDictionary<string, double>, IUpdateRule> Create)
{
    private readonly IReadOnlyList<MethodOption> _options = PrintedList.Short(Options, "option");

    /// <summary>The options, with defaults; prints as <c>[kappa (default -0.5: …), tau (default 0.001: …)]</c>.</summary>
    public IReadOnlyList<MethodOption> Options { get => _options; init => _options = PrintedList.Short(value, "option"); }

    /// <summary><c>gd: gradient descent (η = 0.01)</c>, with its options' names.</summary>
    public override string ToString() =>
        $"{Name}: {Title} (η = {NumberText.StepSize(DefaultEta)})" +
        (Options.Count > 0 ? $", options {string.Join(", ", Options.Select(o => o.Name))}" : "");

    /// <summary>
    /// The rule for η and the given options (the rest at their defaults), with its line search when asked and
    /// there is one: wrapped around the rule, or for a rule whose search is its own option
    /// (<see cref="MethodCatalog.LineSearchOption"/>, newton-cg's, on by default) that option set to 1.
    /// </summary>
    public IUpdateRule Rule(double eta, IReadOnlyDictionary<string, double>? options = null, bool lineSearch = false)
    {
        var all = Options.ToDictionary(o => o.Name, o => options is not null && options.TryGetValue(o.Name, out var v) ? v : o.Default);
        var own = all.ContainsKey(MethodCatalog.LineSearchOption);
        if (lineSearch && own) all[MethodCatalog.LineSearchOption] = 1;
        var rule = Create(eta, all);
        return !lineSearch || own ? rule : LineSearch switch
        {
            "Armijo" => new ArmijoBacktracking(rule),
            "Wolfe" => new WolfeLineSearch(rule),
            _ => rule,
        };
    }

    /// <summary>The entry's syntax, e.g. <c>hig:η[:kappa=…][:tau=…]</c>.</summary>
    public string Syntax => Name + "[:η]" + string.Concat(Options.Select(o => $"[:{o.Name}=…]"));
}

/// <summary>
/// A method as chosen: the method, η and the options given (the others take their defaults). Parsed
/// from <c>hig:1:kappa=-0.5:tau=1e-3</c> by <see cref="MethodCatalog.Parse"/>.
/// </summary>
/// <param name="Method">The method.</param>
/// <param name="Eta">The step size η.</param>
/// <param name="Options">The options given, by name.</param>
public sealed record MethodSpec(Method Method, double Eta, IReadOnlyDictionary<string, double> Options)
{
    private readonly IReadOnlyDictionary<string, double> _options = PrintedList.Pairs(Options);

    /// <summary>The options given, by name; prints as <c>kappa = -0.5, tau = 0.001</c> (<c>none</c> when none is given).</summary>
    public IReadOnlyDictionary<string, double> Options { get => _options; init => _options = PrintedList.Pairs(value); }

    /// <summary>A method with η and no options.</summary>
    public MethodSpec(Method method, double eta) : this(method, eta, new Dictionary<string, double>()) { }

    /// <summary>The catalogue entry.</summary>
    public MethodEntry Entry => MethodCatalog.Of(Method);

    /// <summary>The short name (<c>hig</c>).</summary>
    public string Name => Entry.Name;

    /// <summary>Whether the method steps through the problem's local inverse (PG), which a run then derives or finds numerically.</summary>
    public bool UsesLocalInverse => Method == Method.PhysicalGradient;

    /// <summary>The rule (with <paramref name="lineSearch"/>: wrapped in the method's line search, if it has one).</summary>
    /// <exception cref="SymbolicException">η or an option out of range.</exception>
    public IUpdateRule Rule(bool lineSearch = false) => Entry.Rule(Eta, Options, lineSearch);

    /// <summary>The method with its step size and options as a run of it is named in reports and legends
    /// (<see cref="OptimizerRun.NameWithStepOf"/>): <c>gd (η = 0.01)</c>, <c>newton (η = 1/3)</c>, <c>hig (η = 1, kappa = -0.5)</c>.</summary>
    public string NameWithStep => OptimizerRun.NameWithStepOf(
        Name + (Options.Count == 0 ? "" : $":{NumberText.StepSize(Eta)}" + string.Concat(Options.Select(o => $":{o.Key}={NumberText.RoundTrip(o.Value)}"))),
        Name, Eta);

    /// <summary><c>hig:1:kappa=-0.5</c>: the entry as it would be written.</summary>
    public override string ToString() =>
        $"{Name}:{NumberText.RoundTrip(Eta)}" + string.Concat(Options.Select(o => $":{o.Key}={NumberText.RoundTrip(o.Value)}"));
}

/// <summary>
/// The one table of methods: names ↔ rules, parsing of <c>--methods</c> entries (<c>pg:0.3</c>,
/// <c>hig:1:kappa=-0.5:tau=1e-3</c>, <c>adam:0.01:beta1=0.9</c>), defaults, the help text and the report
/// names. Adding a rule means adding one row here and its type in <see cref="N:PhysGrad.Numerics.Rules"/>.
/// </summary>
public static class MethodCatalog
{
    private static double Option(IReadOnlyDictionary<string, double> o, string name) => o[name];

    /// <summary>Every method, in the order help lists them.</summary>
    public static IReadOnlyList<MethodEntry> Entries { get; } =
    [
        new("gd", Method.GradientDescent, "gradient descent, Δx = −η ∂L/∂x", 0.01, [], null, null,
            (eta, _) => new GradientDescent(eta)),
        new("adam", Method.Adam, "Adam on ∂L/∂x", 0.1,
            [new("beta1", Adam.DefaultBeta1, "first-moment decay β₁"), new("beta2", Adam.DefaultBeta2, "second-moment decay β₂"), new("eps", Adam.DefaultEpsilon, "ε added to √v̂")],
            "it depends on the run's history", null,
            (eta, o) => new Adam(eta, Option(o, "beta1"), Option(o, "beta2"), Option(o, "eps"))),
        new("newton", Method.Newton, "Newton with the exact Hessian, Δx = −η H⁻¹ ∂L/∂x", 1.0 / 3.0, [], null, "Armijo",
            (eta, _) => new Newton(eta)),
        new("newton-cg", Method.NewtonCG, "Newton-CG: the Newton step by conjugate gradients on Hessian-vector products", 1,
            [new("tol", 0, "CG's relative residual tolerance (0: the Eisenstat–Walker forcing term, which tightens as ‖∂L/∂x‖ falls)"), new("maxcg", 0, "CG iterations per step (0: 2n + 10)"),
             new(LineSearchOption, 1, "the step η p halved until L decreases enough (Armijo backtracking) when 1, taken as it is when 0")],
            "its step is a conjugate-gradient iterate, whose limit is Newton's rule (derive newton)", "Armijo",
            (eta, o) => new NewtonCG(eta, Option(o, "tol"), CgLimit(Option(o, "maxcg")), Switch(o, LineSearchOption))),
        new("bfgs", Method.Bfgs, "BFGS, the inverse-Hessian estimate from gradient differences", 1, [],
            "it depends on the run's history", "Wolfe", (eta, _) => new Bfgs(eta)),
        new("lbfgs", Method.LimitedMemoryBfgs, "L-BFGS, BFGS from the last 10 steps", 1, [],
            "it depends on the run's history", "Wolfe", (eta, _) => new LimitedMemoryBfgs(eta)),
        new("ig", Method.InverseGradient, "inverse gradient, Δx = J⁻¹ Δy with Newton's Δy", 0.3, [IterativeOption], null, null,
            (eta, o) => new InverseGradient(eta, Solver(o))),
        new("pg", Method.PhysicalGradient, "physical gradient, Δx = P⁻¹(y + Δy; x) − x", 0.3, [IterativeOption], null, null,
            (eta, o) => new PhysicalGradient(eta, Solver(o))),
        new("gn", Method.GaussNewton, "Gauss–Newton, Δx = −η J⁺ ∂L/∂y", 0.3, [IterativeOption], null, null,
            (eta, o) => new GaussNewton(eta, Solver(o))),
        new("hig", Method.HalfInverseGradient, "half-inverse gradient, Δx = −η V Σ^κ Uᵀ ∂L/∂y", 0.3,
            [new("kappa", -0.5, "the exponent κ of Σ"), new("tau", 1e-3, "singular values ≤ τ·σ_max dropped")],
            "it depends on an SVD", null,
            (eta, o) => new HalfInverseGradient(eta, Option(o, "kappa"), Option(o, "tau"))),
        new("lm", Method.LevenbergMarquardt, "Levenberg–Marquardt, (JᵀHJ + λD) Δx = −Jᵀ ∂L/∂y with λ adapted per step", 1,
            [new("lambda0", LevenbergMarquardt.DefaultLambda0, "the first step's damping λ₀ (relative to D = diag JᵀHJ)"), IterativeOption],
            "its damping λ adapts during the run", null,
            (eta, o) => new LevenbergMarquardt(eta, Option(o, "lambda0"), Solver(o))),
    ];

    // The Jacobian rules' choice of linear algebra, as a number because options are numbers.
    private static MethodOption IterativeOption => new("iterative", -1,
        $"the linear algebra, 1 for a matrix-free Krylov solve on J v and Jᵀ w (J never formed), 0 for dense, -1 for matrix-free above {SolverLimits.DenseUpTo} variables or outputs");

    private static LinearSolver Solver(IReadOnlyDictionary<string, double> o) => Option(o, "iterative") switch
    {
        -1 => LinearSolver.Auto,
        0 => LinearSolver.Dense,
        1 => LinearSolver.Iterative,
        var v => throw new SymbolicException(ErrorKind.Invalid, $"iterative must be -1 (by size), 0 (dense) or 1 (matrix-free), not {NumberText.RoundTrip(v)}."),
    };

    /// <summary>The option by which a method's own line search is switched (newton-cg's, on by default; <c>--line-search</c> sets it to 1).</summary>
    public const string LineSearchOption = "linesearch";

    private static bool Switch(IReadOnlyDictionary<string, double> o, string name) => Option(o, name) switch
    {
        0 => false,
        1 => true,
        var v => throw new SymbolicException(ErrorKind.Invalid, $"{name} must be 1 (on) or 0 (off), not {NumberText.RoundTrip(v)}."),
    };

    private static int CgLimit(double value) =>
        OptionRanges.CgLimit("the option maxcg (CG's iterations per step)", value) is { } wrong
            ? throw new SymbolicException(ErrorKind.Invalid, wrong)
            : (int)value;

    private static readonly Dictionary<Method, MethodEntry> ByMethod = Entries.ToDictionary(e => e.Method);
    private static readonly Dictionary<string, MethodEntry> ByName = Entries.ToDictionary(e => e.Name);

    /// <summary>The entry of a method.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="method"/> is no member of <see cref="Method"/> (a cast integer), with the members.</exception>
    public static MethodEntry Of(Method method) =>
        ByMethod.TryGetValue(method, out var entry) ? entry
        : throw new ArgumentOutOfRangeException(nameof(method), method,
            $"{(int)method} is no {nameof(Method)}: the methods are {string.Join(", ", Entries.Select(e => $"{nameof(Method)}.{e.Method}"))}.");

    /// <summary>The short name of a method, as in reports and <c>--methods</c> (<c>gd</c>, <c>newton-cg</c>).</summary>
    /// <exception cref="ArgumentOutOfRangeException">As <see cref="Of(Method)"/>.</exception>
    public static string NameOf(Method method) => Of(method).Name;

    /// <summary>The methods with a closed-form rule, as names (<c>gd, newton, ig, pg and gn</c>).</summary>
    public static string ClosedForms =>
        Join(Entries.Where(e => e.NoClosedForm is null).Select(e => e.Name).ToArray(), "and");

    /// <summary>Why <c>derive</c> has no rule for a method, as a sentence naming the ones it has.</summary>
    public static string NoClosedFormReason(Method method) =>
        $"{NameOf(method)} has no closed-form rule ({Of(method).NoClosedForm ?? "none derived"}); the closed forms are {ClosedForms}.";

    /// <summary>The methods <c>--line-search</c> applies to, as names (<c>newton, newton-cg, bfgs and lbfgs</c>).</summary>
    public static string LineSearchMethods => Join(Entries.Where(e => e.LineSearch is not null).Select(e => e.Name).ToArray(), "and");

    /// <summary>
    /// Reads <c>--methods</c>: comma-separated entries <c>name:η[:option=value]…</c>, e.g.
    /// <c>gd:0.01,hig:1:kappa=-0.5:tau=1e-3,lm:1</c>; a bare name (<c>gd</c>) or a name followed by options
    /// (<c>hig:kappa=-0.25</c>) takes the default η that <see cref="Help"/> lists; options not given take their defaults.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) an unknown name or option (with
    /// the nearest known one), a step size or value that is not a number, or one out of range; the
    /// message quotes the entry.</exception>
    public static MethodSpec[] Parse(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        CheckDecimalComma(parts);
        CheckMissingComma(parts, IsEntry);
        return parts.Select(ParseEntry).ToArray();
    }

    private static bool IsEntry(string part)
    {
        try { ParseEntry(part); return true; }
        catch (SymbolicException) { return false; }
    }

    /// <summary>
    /// Entries separated by a space instead of a comma (<c>gd:0.1 newton</c>): when each word of an entry that
    /// holds spaces is an entry by itself (<paramref name="isEntry"/>), say that a comma is missing, rather than
    /// report '0.1 newton' as a step size that is not a number.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) such an entry, quoted, with the list to write.</exception>
    public static void CheckMissingComma(IReadOnlyList<string> parts, Func<string, bool> isEntry)
    {
        foreach (var part in parts)
        {
            var words = part.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length > 1 && words.All(isEntry))
                throw new SymbolicException(ErrorKind.Invalid,
                    $"'{part}' has {words.Length} methods separated by spaces: the methods are separated by commas; write {string.Join(",", words)}.");
        }
    }

    /// <summary>
    /// A number right after an entry with a value (<c>gd:0,1</c>) is a decimal comma: say so, rather than
    /// report '1' as an unknown method or 0 as a bad step size.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) such a pair, quoted.</exception>
    public static void CheckDecimalComma(IReadOnlyList<string> parts)
    {
        for (var i = 1; i < parts.Count; i++)
            if (parts[i].Length > 0 && (char.IsAsciiDigit(parts[i][0]) || parts[i][0] == '.') && TryNumber(parts[i], out _)
                && (parts[i - 1].Contains(':') || parts[i - 1].Contains('=')))
                throw new SymbolicException(ErrorKind.Invalid,
                    $"'{parts[i - 1]},{parts[i]}': entries of the method list are separated by commas, so '{parts[i]}' would be read as a method; "
                    + $"write numbers with '.' as the decimal point, e.g. {parts[i - 1]}.{parts[i]}.");
    }

    private static MethodSpec ParseEntry(string part)
    {
        if (part.Length == 0)
            throw new SymbolicException(ErrorKind.Invalid, $"An empty entry in the method list: write name:eta entries separated by commas, e.g. gd:0.01,pg:0.3.");
        var pieces = part.Split(':', StringSplitOptions.TrimEntries);
        var entry = Find(pieces[0], part);
        // A bare name (or a name followed straight by options) takes the catalogue's default η, the one
        // --help lists; an η that is given must be a positive number.
        var etaGiven = pieces.Length >= 2 && !pieces[1].Contains('=');
        var eta = entry.DefaultEta;
        // A fraction p/q (1/3) is read too: it is how tables and labels print an η such as 0.3333333333333333.
        if (etaGiven && !NumberText.TryReadFraction(pieces[1], out eta) && !UserNumbers.TryReadPositive(pieces[1], out eta, out var wrong))
        {
            wrong = FractionProblem(pieces[1]) ?? wrong;
            throw new SymbolicException(ErrorKind.Invalid,
                $"The step size in '{part}' must be a positive, finite number (a decimal, or a fraction such as 1/3), and '{pieces[1]}' {wrong}; write e.g. {entry.Name}:{NumberText.Short(entry.DefaultEta)}.");
        }
        var first = etaGiven ? 2 : 1;
        var options = new Dictionary<string, double>();
        foreach (var piece in pieces.Skip(first))
        {
            var eq = piece.IndexOf('=');
            if (eq < 0)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"'{part}': '{piece}' is neither the step size (it comes first, after the name) nor an option name=value; write {entry.Syntax}.");
            var (key, value) = (piece[..eq].Trim().ToLowerInvariant(), piece[(eq + 1)..].Trim());
            var option = entry.Options.FirstOrDefault(o => o.Name == key);
            if (option is null)
                throw new SymbolicException(ErrorKind.Invalid, entry.Options.Count == 0
                    ? $"'{part}': {entry.Name} takes no options (only the step size: {entry.Name}:η)."
                    : $"'{part}': {entry.Name} has no option '{key}'{DidYouMean(key, entry.Options.Select(o => o.Name))}{OwnersOf(key)}; its options are {OptionList(entry)}.");
            if (options.ContainsKey(key))
                throw new SymbolicException(ErrorKind.Invalid, $"'{part}': the option {key} is given twice.");
            if (!UserNumbers.TryRead(value, out var number, out var problem))
                throw new SymbolicException(ErrorKind.Invalid, $"'{part}': the option {key} needs a finite number, and '{value}' {problem}.");
            options[key] = number;
        }
        var spec = new MethodSpec(entry.Method, eta, options);
        try
        {
            spec.Rule(); // the rule checks its own ranges (β < 1, τ ≥ 0, …): say them now, with the entry
        }
        catch (SymbolicException e)
        {
            throw new SymbolicException(ErrorKind.Invalid, $"'{part}': {e.Message}");
        }
        return spec;
    }

    /// <summary>
    /// What keeps a step written as a quotient of two numbers (<c>1/0</c>, <c>-1/3</c>, <c>1.5/2</c>) from being a step size
    /// <see cref="NumberText.TryReadFraction"/> reads, as a predicate after the quoted text ("is a division by zero",
    /// "is negative", …); null for any other text, which <see cref="UserNumbers.TryReadPositive"/> explains ("is not a number").
    /// </summary>
    private static string? FractionProblem(string text)
    {
        var parts = text.Split('/', StringSplitOptions.TrimEntries);
        if (parts.Length != 2 || !UserNumbers.TryRead(parts[0], out var p, out _) || !UserNumbers.TryRead(parts[1], out var q, out _))
            return null;
        if (q == 0) return "is a division by zero";
        return UserNumbers.NotPositive(p / q)
            ?? $"is a quotient of numbers not both whole, which is not read (a fraction is of whole numbers, such as 3/4; or write the value, {NumberText.RoundTrip(p / q)})";
    }

    /// <summary>
    /// The names runs of <paramref name="methods"/> go by when they run side by side: a method chosen once is
    /// its name (<c>gd</c>), or with options that differ from their defaults written as in <c>--methods</c>, with η
    /// and those options (<c>hig:0.5:tau=0.5</c>: a run's label says every setting the table's eta column does not);
    /// one chosen more than once is written as in <c>--methods</c>, with η (as
    /// <see cref="NumberText.StepSize"/> prints it: <c>gd:1/3</c>) and those
    /// options whose values differ between its entries or from their defaults (<c>gd:0.01</c>, <c>gd:0.001</c>;
    /// <c>hig:1:kappa=-0.5</c>, <c>hig:1:kappa=-1</c>), and entries equal in everything are numbered
    /// (<c>gd:0.01 #1</c>, <c>gd:0.01 #2</c> beside <c>gd:0.1</c>). A method whose entries are all equal is numbered
    /// alone (<c>newton #1</c>, <c>newton #2</c>): η set nothing apart there, and the table's eta column and the
    /// legend give it once (<c>newton:1/3 #1</c> beside the column's 1/3 said it twice). The labels are distinct,
    /// in the order given.
    /// </summary>
    public static string[] Labels(IReadOnlyList<MethodSpec> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        var labels = new string[methods.Count];
        // An option left out takes its default, so "hig" and "hig:kappa=-0.5" do not differ in κ.
        static double Value(MethodSpec s, MethodOption o) => s.Options.TryGetValue(o.Name, out var v) ? v : o.Default;
        foreach (var group in methods.Select((spec, i) => (Spec: spec, Index: i)).GroupBy(p => p.Spec.Name))
        {
            var members = group.ToArray();
            // The options that set a run apart: from another entry of its method, or from the defaults (two compares of
            // hig at τ = 0.5 and at τ = 10⁻³ gave the same "hig" rows and legends).
            var differing = members[0].Spec.Entry.Options
                .Where(o => members.Select(m => Value(m.Spec, o)).Append(o.Default).Distinct().Count() > 1).ToArray();
            if (members.Length == 1 && differing.Length == 0)
            {
                labels[members[0].Index] = members[0].Spec.Name;
                continue;
            }
            if (members.Length > 1 && differing.Length == 0 && members.Select(m => m.Spec.Eta).Distinct().Count() == 1)
            {
                for (var k = 0; k < members.Length; k++) labels[members[k].Index] = $"{members[k].Spec.Name} #{k + 1}";
                continue;
            }
            foreach (var (spec, i) in members)
                labels[i] = $"{spec.Name}:{NumberText.StepSize(spec.Eta)}" +
                    string.Concat(differing.Select(o => $":{o.Name}={NumberText.RoundTrip(Value(spec, o))}"));
            foreach (var same in members.GroupBy(m => labels[m.Index]).Where(g => g.Count() > 1).ToArray())
            {
                var k = 1;
                foreach (var m in same) labels[m.Index] += $" #{k++}";
            }
        }
        return labels;
    }

    /// <summary>Reads "gd,newton,pg" (names only, as <c>derive</c> takes them: the rules keep η as a symbol).</summary>
    /// <exception cref="SymbolicException">A name that is not a method (with the nearest one), or a name with a step size.</exception>
    public static Method[] ParseNames(string text) => NamesOf(text, closedFormsOnly: true);

    // derive reads names only; an unknown name is answered with the methods derive has rules for, not
    // every method (it cannot derive Adam's or BFGS's), and the hint suggests only those.
    private static Method[] NamesOf(string text, bool closedFormsOnly) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
            part.Contains(':')
                ? throw new SymbolicException(ErrorKind.Invalid,
                    $"'{part}': give method names only, e.g. {part.Split(':')[0]}; the rules keep the step size as the symbol eta.")
                : Find(part, part, closedFormsOnly).Method).ToArray();

    /// <summary>Reads "gd,newton,pg" as <see cref="ParseNames"/> does, giving the catalogue entries, each once, in order.</summary>
    /// <exception cref="SymbolicException">As <see cref="ParseNames"/>.</exception>
    public static MethodEntry[] ParseEntries(string text) => ParseNames(text).Distinct().Select(Of).ToArray();

    private static MethodEntry Find(string name, string part, bool closedFormsOnly = false)
    {
        if (ByName.TryGetValue(name.ToLowerInvariant(), out var entry)) return entry;
        // The entry is named once when it is the name alone ('foo' is not a method), with its rate when it has one.
        var what = part == name ? $"'{name}'" : $"'{part}': '{name}'";
        if (closedFormsOnly)
        {
            var derivable = Entries.Where(e => e.NoClosedForm is null).Select(e => e.Name).ToArray();
            throw new SymbolicException(ErrorKind.Invalid,
                $"{what} is not a method{DidYouMean(name, ByName.Keys)}; the methods with a closed-form rule are {string.Join(", ", derivable)}: name one of those.");
        }
        throw new SymbolicException(ErrorKind.Invalid,
            $"{what} is not a method{DidYouMean(name, ByName.Keys)}; the methods are {string.Join(", ", ByName.Keys)}: name one of those.");
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    // " (kappa is an option of hig)" when other methods take the option, else nothing.
    private static string OwnersOf(string key) =>
        Entries.Where(e => e.Options.Any(o => o.Name == key)).Select(e => e.Name).ToArray() is { Length: > 0 } owners
            ? $" ({key} is an option of {string.Join(", ", owners)})" : "";

    // Each option with its default and what it means ("iterative (default -1)" alone left -1 to guess).
    private static string OptionList(MethodEntry entry) =>
        string.Join("; ", entry.Options.Select(o => $"{o.Name} (default {NumberText.Short(o.Default)}: {o.Description})"));

    /// <summary>The widest syntax that shares its line with the description in <see cref="Help(int)"/>; a longer one
    /// (<c>newton-cg[:η][:tol=…][:maxcg=…][:linesearch=…]</c>) stands on a line of its own above it.</summary>
    public const int HelpSyntaxColumn = 20;

    /// <summary>The narrowest table <see cref="Help(int)"/> lays out: two spaces and a description column of 22.</summary>
    public const int HelpMinimumWidth = 24;

    /// <summary>
    /// The help text as a table of two columns within <paramref name="width"/> characters: each method's syntax, and
    /// beside it its title, default η, options and defaults, e.g. <c>hig[:η][:kappa=…][:tau=…]</c> then
    /// <c>half-inverse gradient …; default η 0.3; kappa = -0.5: the exponent κ of Σ; …</c>. The description is
    /// wrapped in its own column (at <see cref="HelpSyntaxColumn"/> + 2), so that every continuation line stands
    /// under it; a syntax wider than the first column stands alone on its line, the description below it. Narrower
    /// than <see cref="HelpSyntaxColumn"/> + 22 (help on a narrow terminal) every syntax stands alone, its description
    /// under it indented by two spaces.
    /// </summary>
    /// <param name="width">The line width, at least <see cref="HelpMinimumWidth"/> (compare's help gives the table what its
    /// description column leaves: 46 of 80 columns, 66 of 100).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="width"/> below <see cref="HelpMinimumWidth"/>.</exception>
    public static string Help(int width = 64)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, HelpMinimumWidth);
        var beside = width >= HelpSyntaxColumn + 22;
        var indent = new string(' ', beside ? HelpSyntaxColumn + 2 : 2);
        var room = width - indent.Length;
        var lines = new List<string>();
        foreach (var e in Entries)
        {
            var text = $"{e.Title}; default η {NumberText.StepSize(e.DefaultEta)}" +
                string.Concat(e.Options.Select(o => $"; {o.Name} = {NumberText.Short(o.Default)}: {o.Description}"));
            var body = ResultText.Paragraph(text, room + 2, room).Split('\n').Select(l => l.Trim()).ToArray();
            var alone = !beside || e.Syntax.Length > HelpSyntaxColumn;
            if (alone) lines.AddRange(SyntaxLines(e.Syntax, width));
            for (var i = 0; i < body.Length; i++)
                lines.Add((i == 0 && !alone ? e.Syntax.PadRight(HelpSyntaxColumn + 2) : indent) + body[i]);
        }
        return string.Join(Environment.NewLine, lines);
    }

    // A syntax on lines of at most `width`, broken before a '[' (newton-cg[:η][:tol=…] then "  [:maxcg=…]…"), continuations
    // indented by two spaces as the descriptions under it are; whole where it fits.
    private static IEnumerable<string> SyntaxLines(string syntax, int width)
    {
        var line = new StringBuilder();
        foreach (var piece in System.Text.RegularExpressions.Regex.Split(syntax, @"(?=\[)"))
        {
            if (line.Length > 0 && line.Length + piece.Length > width)
            {
                yield return line.ToString();
                line.Clear().Append("  ");
            }
            line.Append(piece);
        }
        yield return line.ToString();
    }

    /// <summary>
    /// The known name nearest to <paramref name="name"/>, however far (the ranking of every "did you mean" hint,
    /// <see cref="Spelling.Closest"/>: fewest edits counting a swap of neighbours as one, so hgi → hig, not gd;
    /// then most letters in common; then the longest common start; then the first listed).
    /// </summary>
    /// <exception cref="ArgumentException">No known names.</exception>
    public static string Nearest(string name, IEnumerable<string> known) =>
        Spelling.Closest(name, known) ?? throw new ArgumentException("No known names to choose from.", nameof(known));

    /// <summary>
    /// " (did you mean 'x'?)" for the nearest known name when it is near (<see cref="ProblemDefinition.Nearest"/>:
    /// a few edits, fewer than a third of the name's length), or "" when none is: a far name is no hint.
    /// </summary>
    public static string DidYouMean(string name, IEnumerable<string> known) =>
        ProblemDefinition.Nearest(name, known) is { } nearest ? $" (did you mean '{nearest}'?)" : "";

    /// <summary>
    /// As <see cref="DidYouMean(string, IEnumerable{string})"/>, also near the short names in
    /// <paramref name="aliases"/> (alias → the name it stands for), suggesting the name they stand for: "sipp" is
    /// one letter from the alias "sip" and two from "sip-pg", so it is taken for sip-pg.
    /// </summary>
    public static string DidYouMean(string name, IEnumerable<string> known, IReadOnlyDictionary<string, string> aliases) =>
        ProblemDefinition.Nearest(name, known.Concat(aliases.Keys)) is { } nearest
            ? $" (did you mean '{(aliases.TryGetValue(nearest, out var full) ? full : nearest)}'?)"
            : "";

    /// <summary>Names as a list in words: <c>gd</c>, <c>gd and pg</c>, <c>gd, adam and pg</c>.</summary>
    public static string JoinNames(IReadOnlyList<string> names) => Join(names.ToArray(), "and");

    private static string Join(string[] names, string conjunction) =>
        names.Length <= 1 ? string.Concat(names) : $"{string.Join(", ", names[..^1])} {conjunction} {names[^1]}";
}
