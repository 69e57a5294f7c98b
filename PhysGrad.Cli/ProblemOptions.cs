using System.CommandLine;

namespace PhysGrad.Cli;

/// <summary>The options that describe a problem, shared by compare and derive.</summary>
internal sealed partial class ProblemOptions
{
    // The names variables are inferred under: x followed by digits.
    [System.Text.RegularExpressions.GeneratedRegex(@"^x[0-9]+$")]
    private static partial System.Text.RegularExpressions.Regex DefaultVariableName();

    private readonly Option<string?> _file = new("--problem")
    {
        // Spaced JSON: help wraps at spaces, and the unspaced object was one word wider than the column, cut mid-word.
        Description = "A problem file: {\"variables\": [...], \"simulator\": [...], \"loss\": \"...\", \"target\": [...], \"start\": [...], \"inverse\": [...]}.",
    };
    private readonly Option<string?> _simulator = new("--simulator") { Description = "Simulator components separated by ';', e.g. \"x0; x1^2\"." };
    private readonly Option<string?> _vars;
    // diff and eval: their own --vars is shared, only the options that shape y, J and the loss are added,
    // and an example takes any n (its limit is the default comparison's dense rules).
    private readonly bool _forDerivatives;

    /// <summary>The options of compare, derive, check and units.</summary>
    public ProblemOptions() : this(null) { }

    /// <summary>
    /// With <paramref name="vars"/>: the options of diff and eval, which already have --vars (used for
    /// --simulator's variables too): --problem, --simulator, --example, --n, --loss, --target, --start, --param.
    /// </summary>
    public ProblemOptions(Option<string?>? vars)
    {
        _forDerivatives = vars is not null;
        _vars = vars ?? new("--vars") { Description = "Variables, comma-separated (default: the simulator's, x2 before x10)." };
    }
    private readonly Option<string?> _loss = new("--loss") { Description = "The loss in y0, y1, … (default ½‖y − y*‖²)." };
    private readonly Option<string?> _target = new("--target") { Description = "The target y*, comma-separated numbers or names (names stay symbolic in derived rules)." };
    private readonly Option<string?> _start = new("--start") { Description = "The start point, comma-separated." };
    private readonly Option<string?> _inverse = new("--inverse") { Description = "A local inverse, one expression per variable in y0, y1, … and the variables, separated by ';' (default: derived when P is built from invertible pieces); 'numeric' inverts numerically." };

    private readonly Option<string[]> _units = new("--unit")
    {
        Description = "A unit, as name=unit (x0=m, y1=m/s^2), or pattern=unit with '*' for any characters (\"x*=K\": every name that matches; a unit given by name wins); repeat for several. Outputs not given are inferred from the simulator.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private readonly Option<string[]> _params = new("--param")
    {
        Description = "A named constant, as name=value (g=9.81); repeat for several. Rules keep the name, runs use the value. Without --vars the names x0, x1, … are variables and cannot be parameters.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private readonly Option<string?> _example = new("--example")
    {
        Description = $"A reference simulator built by tracing: {ReferenceProblems.Names} (see README, \"Reference simulators\").",
    };
    private readonly Option<int?> _size = new("--n") { Description = "The size of --example: cells, grid side or controls (each example has a default and a limit)." };

    public void AddTo(Command command)
    {
        Option[] options = _forDerivatives
            ? [_file, _simulator, _example, _size, _loss, _target, _start, _params]
            : [_file, _simulator, _example, _size, _vars, _loss, _target, _start, _inverse, _units, _params];
        foreach (var o in options) command.Options.Add(o);
    }

    /// <summary>Whether a simulator was given (--problem, --simulator or --example).</summary>
    public bool SimulatorGiven(ParseResult result) =>
        result.GetValue(_file) is not null || result.GetValue(_simulator) is not null || result.GetValue(_example) is not null;

    /// <summary>The first option given that describes a simulator's problem (for a command given a function instead), or null.</summary>
    public string? ProblemOptionGiven(ParseResult result) =>
        result.GetValue(_size) is not null ? _size.Name
        : new[] { _loss, _target, _start }.FirstOrDefault(o => result.GetValue(o) is not null)?.Name
        ?? (result.GetValue(_params) is { Length: > 0 } ? _params.Name : null);

    /// <summary>The --param values, or null when none were given.</summary>
    private Dictionary<string, double>? Parameters(ParseResult result) =>
        Pairs(result.GetValue(_params), "--param", "name=value, e.g. g=9.81", (name, text) =>
            NameRules.Problem(name) is { } why ? throw new CliInputException($"--param {name}={text}: {why}.")
            : SeveralPairs(name, text) is { } several ? throw new CliInputException(several)
            : !text.Contains(',') ? Arguments.Numbers($"--param {name}", text, list: false)[0]
                : Arguments.Numbers($"--param {name}", text) is [var value] ? value
                : throw new CliInputException(NumericOptions.Message($"--param {name}", text, whole: false)));

    /// <summary>The refusal of a --param value that goes on with more name=value pairs after a comma
    /// (g=9.81,t=2): a person giving several parameters in one option, not a list of numbers.</summary>
    private static string? SeveralPairs(string name, string text)
    {
        var items = text.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length < 2 || !items.Skip(1).Any(i => i.Contains('='))) return null;
        var pairs = items.Select((item, k) => k == 0 ? $"{name}={item}" : item);
        return $"--param {name}={text} gives several parameters in one option, separated by commas: "
            + $"give one --param per name: {string.Join(" ", pairs.Select(p => $"--param {p}"))}.";
    }

    /// <summary>
    /// Repeated name=value options as a table (null when none were given): each entry split at its first
    /// '=', both sides non-empty, no name twice.
    /// </summary>
    private static Dictionary<string, T>? Pairs<T>(string[]? given, string option, string form, Func<string, string, T> read)
    {
        if (given is null || given.Length == 0) return null;
        var table = new Dictionary<string, T>();
        foreach (var entry in given)
        {
            var parts = entry.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new CliInputException($"{option} '{entry}' must be {form}.");
            if (!table.TryAdd(parts[0], read(parts[0], parts[1])))
                throw new CliInputException(
                    $"{option} gives {parts[0]} twice ({option} {given.First(g => g.Split('=', 2, StringSplitOptions.TrimEntries)[0] == parts[0])} and {option} {entry}); give it once, with the value you mean.");
        }
        return table;
    }

    private static Dictionary<string, T> Merge<T>(IReadOnlyDictionary<string, T>? first, Dictionary<string, T> then)
    {
        var merged = first is null ? new Dictionary<string, T>() : new Dictionary<string, T>(first);
        foreach (var (k, v) in then) merged[k] = v;
        return merged;
    }

    /// <summary>
    /// The message when --start's length does not fit the variables read from the simulator: it names
    /// them, and the names that do not look like variables (x, x0, x1, …) as the likely constants (null
    /// when no name stands out).
    /// </summary>
    /// <summary>The 1-based column of the first place <paramref name="text"/> writes the name (not inside a longer name), or null.</summary>
    internal static int? ColumnOf(string text, string name) => ExpressionText.NameColumn(text, name);

    // " (column 5)" for a name the text writes, else "".
    private static string At(string text, string name) => ColumnOf(text, name) is { } c ? $" (column {c})" : "";

    // What to do about a name of --simulator that is neither a --vars variable nor a --param: a variable in another
    // case (X0 for x0) is that variable; an unused --param near it is that constant misspelt; else give it with --param.
    private static string UndeclaredHint(string name, IReadOnlyList<string> variables, IReadOnlyDictionary<string, double>? parameters, HashSet<string> used)
    {
        if (variables.FirstOrDefault(v => string.Equals(v, name, StringComparison.OrdinalIgnoreCase)) is { } cased)
            return $"names are case-sensitive, and the variable is {cased}: write {cased}";
        if (parameters is not null && ProblemDefinition.Nearest(name, parameters.Keys.Where(k => !used.Contains(k))) is { } misspelt)
            return $"not a --param either; did you mean --param {name}={Numbers.Short(parameters[misspelt])} rather than {misspelt}?";
        return $"if it is a constant, give its value with --param (e.g. --param {name}=2), or add it to --vars";
    }

    /// <summary>
    /// The names of the variables form (x0, x1, …) that <paramref name="text"/> writes but simplification removed from every
    /// output (x0 in x0 - x0), each with where: <c>y0 = x0 - x0 is 0</c>; empty for an indexed form or when none is.
    /// </summary>
    private static (string Name, string Where)[] Cancelled(string text, IReadOnlyList<Expression> parsed, IReadOnlyList<string> names, IReadOnlyDictionary<string, double>? parameters)
    {
        if (text.Contains('[')) return [];
        var components = text.Split(';', StringSplitOptions.TrimEntries);
        if (components.Length != parsed.Count) return [];
        return [.. Expression.WrittenNames(text)
            .Where(n => DefaultVariableName().IsMatch(n) && !names.Contains(n) && !(parameters?.ContainsKey(n) ?? false))
            .Select(n => (n, string.Join(", ", components.Select((c, i) => (c, i))
                .Where(t => ColumnOf(t.c, n) is not null)
                .Select(t => $"y{t.i} = {t.c} is {parsed[t.i].ToInfix()}"))))];
    }

    private static string? InferredMismatch(string[] names, int given, IReadOnlyDictionary<string, double>? parameters)
    {
        // Only when some names look like variables and others do not is a constant the likely cause;
        // otherwise the length check of the problem says what is wrong.
        var likelyConstants = ProblemDefinition.LikelyConstants(names);
        if (likelyConstants.Length == 0 && given > 0 && given < names.Length && !ProblemDefinition.AnyVariableForm(names))
        {
            // No name stands out (a, b, g), but a start short of the names read means some are constants: the
            // last ones as the example, since the user knows which.
            var missing = names.Length - given;
            return $"--start has {given} value{(given == 1 ? "" : "s")} but the simulator's variables, read from it, are {string.Join(", ", names)} ({names.Length}): " +
                $"if {missing} of them {(missing == 1 ? "is a constant, give it" : "are constants, give them")} with --param " +
                $"(e.g. {string.Join(" ", names.Skip(given).Select((n, i) => $"--param {n}={i + 2}"))}), or name the variables with --vars (e.g. --vars {string.Join(",", names.Take(given))}).";
        }
        if (likelyConstants.Length == 0) return null;
        var one = likelyConstants.Length == 1;
        // A --param that nothing uses, near a likely constant, is that constant misspelt (--param kk=2 for k).
        if (parameters is not null && likelyConstants.Select(c => (c, p: ProblemDefinition.Nearest(c, parameters.Keys.Where(k => !names.Contains(k)))))
                .FirstOrDefault(m => m.p is not null) is { p: { } misspelt } match)
            return $"--start has {given} value{(given == 1 ? "" : "s")} but the simulator's variables, read from it, are {string.Join(", ", names)} ({names.Length}): " +
                $"{match.c} is read as a variable because no --param names it; did you mean --param {match.c}={Numbers.Short(parameters[misspelt])} rather than {misspelt}?";
        return $"--start has {given} value{(given == 1 ? "" : "s")} but the simulator's variables, read from it, are {string.Join(", ", names)} ({names.Length}): " +
            $"if {string.Join(" and ", likelyConstants)} {(one ? "is a constant" : "are constants")}, give {(one ? "it" : "them")} with --param " +
            $"(e.g. --param {likelyConstants[0]}=2); or name the variables with --vars.";
    }

    /// <summary>The first of --loss and --target given, or null (for a command whose output at this order has no loss).</summary>
    public string? LossOptionGiven(ParseResult result) =>
        new[] { _loss, _target }.FirstOrDefault(o => result.GetValue(o) is not null)?.Name;

    /// <summary>Whether --inverse was given (for commands whose methods may not use it, to say so).</summary>
    public bool InverseGiven(ParseResult result) => !_forDerivatives && result.GetValue(_inverse) is not null;

    /// <summary>Whether --target was given (for a command that does not use it beside a loss, to say so).</summary>
    public bool TargetGiven(ParseResult result) => result.GetValue(_target) is not null;

    /// <summary>Whether --start was given (for commands that do not use it, to say so).</summary>
    public bool StartGiven(ParseResult result) => result.GetValue(_start) is not null;

    // What Read(…, PointNeed.Generic) filled in itself: the start, the target (and whether a symbolic one was given).
    private (bool Start, bool Target, bool SymbolicTarget, string How) _generated;

    /// <summary>
    /// The point and the target a command that studies the problem works at, and where each came from when
    /// <see cref="Read(ParseResult, PointNeed, IReadOnlyList{double})"/> chose it (<see cref="PointNeed.Generic"/>): <c>x = [2],
    /// target y* = [0.9] (no target given: y* = P(x) at x = [1.85])</c>. The verdicts of check and units
    /// depend on both, so neither is left unsaid.
    /// </summary>
    /// <param name="d">The problem as read (with its generic point filled in).</param>
    /// <param name="at">The point given apart from the start (check's --at), or null for the start.</param>
    public string PointAndTarget(ProblemDefinition d, IReadOnlyList<double>? at)
    {
        var point = at is not null ? $"x = {Numbers.Written(at)}"
            : $"x = {Numbers.Written(d.Start)}" + (_generated.Start ? " (no start given: the generic 0.6, 0.7, …)" : "");
        // A generated target is computed (P at a moved point), not written: shown short, as the point it came from.
        var target = $"target y* = {(_generated.Target ? Numbers.Vector(d.Target) : Numbers.Written(d.Target))}";
        if (_generated.Target)
            target += $" ({(_generated.SymbolicTarget ? "the target given is symbolic" : "no target given")}: {_generated.How})";
        return $"{point}, {target}";
    }

    /// <summary>Whether a --problem file gives a "start" (read without --start replacing it).</summary>
    public bool FileStartGiven(ParseResult result) =>
        result.GetValue(_start) is null && result.GetValue(_file) is { } path && FromFile(path).HasStart;

    /// <summary>Whether --unit was given (for commands that do not use it, to say so).</summary>
    public bool UnitsGiven(ParseResult result) => result.GetValue(_units) is { Length: > 0 };

    /// <summary>
    /// The --example asked for, by its catalogue name and size, before it is traced; null when no example is
    /// asked for or the name or size is not valid (<see cref="Read(ParseResult)"/> then says why). Lets a command
    /// refuse a named method before the example is built (<see cref="ReferenceProblems.ApplicabilityOf(string, int?, MethodSpec)"/>).
    /// </summary>
    public (string Name, int Size)? ExampleSized(ParseResult result)
    {
        if (result.GetValue(_example) is not { } name || result.GetValue(_file) is not null || result.GetValue(_simulator) is not null)
            return null;
        try
        {
            var info = ReferenceProblems.Info(name);
            var n = result.GetValue(_size) ?? info.DefaultSize;
            ReferenceProblems.CheckSize(info.Name, n, defaultComparison: false);
            return (info.Name, n);
        }
        catch (Exception e) when (InputError.Is(e))
        {
            return null;
        }
    }

    /// <summary>The grid of an --example whose variables are a field ([cells] or [side, side]), else null.</summary>
    public int[]? Grid(ParseResult result) =>
        result.GetValue(_example) is { } name ? ReferenceProblems.Grid(name, result.GetValue(_size)) : null;

    /// <summary>
    /// An --example's name and number of variables, known before it is traced (for the phase lines of a
    /// large run); null without --example or for a name or size the example refuses, its size limits
    /// included (it says why when read).
    /// </summary>
    public (string Name, int Variables)? ExampleSize(ParseResult result)
    {
        if (result.GetValue(_example) is not { } name) return null;
        try
        {
            var info = ReferenceProblems.Info(name);
            var size = result.GetValue(_size) ?? info.DefaultSize;
            // A size the example refuses is said before any phase line ("tracing …" and then a refusal
            // would tell of work that never starts): the same limits as Example below.
            ReferenceProblems.CheckSize(info.Name, size, defaultComparison: !(_forDerivatives || NamesMethods(result)));
            return (info.Name, ReferenceProblems.Variables(info.Name, size));
        }
        catch (Exception e) when (InputError.Is(e))
        {
            return null;
        }
    }

    /// <summary>
    /// A note naming the variables read from --simulator when some of them look like constants (not x,
    /// x0, x1, …) and no count (such as --start's) can show the mistake; null otherwise.
    /// </summary>
    public string? InferredNote(ParseResult result, ProblemDefinition definition)
    {
        if (result.GetValue(_simulator) is null || result.GetValue(_vars) is not null) return null;
        var likely = ProblemDefinition.LikelyConstants(definition.Variables);
        if (likely.Length == 0) return null;
        return $"variables (inferred from --simulator): {string.Join(", ", definition.Variables)}; if {string.Join(" or ", likely)} is a constant, " +
            $"give it with --param (e.g. --param {likely[0]}=2), or name the variables with --vars.";
    }

    /// <summary>The --unit values as a table, or null when none were given.</summary>
    private Dictionary<string, string>? Units(ParseResult result) =>
        Pairs(result.GetValue(_units), "--unit", "name=unit, e.g. x0=m or y0=m/s^2", (_, unit) => unit);

    /// <summary>
    /// How to give units on the command line, in the problem's own variable names: <c>--unit T=m --unit k=s</c>
    /// for variables T, k (the first two; x0, x1 only when those are the names).
    /// </summary>
    public static string UnitExample(IReadOnlyList<string> variables) =>
        string.Join(" ", variables.Take(2).Select((v, i) => $"--unit {v}={(i == 0 ? "m" : "s")}"));

    /// <summary>
    /// Refuses (exit 2) a point the user gave where the simulator or the loss is undefined (<see cref="PhysicsProblem.OutsideDomainAt"/>):
    /// no run, check or rule has anything to start from there. The message names the point, the output
    /// and condition that fail with the variables' values, and where to give another point.
    /// </summary>
    /// <param name="physics">The problem (its model and parameters).</param>
    /// <param name="point">The point, one value per variable.</param>
    /// <param name="noun">What the point is called: "start", or "point" for check's --at.</param>
    /// <param name="where">Where to give another, e.g. "--start, or \"start\" in the problem file".</param>
    public static void RefuseOutsideDomain(PhysicsProblem physics, IReadOnlyList<double> point, string noun, string where)
    {
        // Outside the domain, or defined there but beyond doubles (x0^2 at 1E+200: every method "diverged" at its first
        // step, for the start's sake): the API's one refusal, in the option's terms.
        if (point.Count == physics.Variables.Count && physics.RefusalAt(point, noun, where) is { } refused)
            throw new CliInputException(refused.Message);
    }

    /// <summary>Where a start is given on the command line or in a problem file, for <see cref="RefuseOutsideDomain"/>.</summary>
    public const string StartWhere = "--start, or \"start\" in the problem file";

    /// <summary>The problem described (start and target required), or the book's example when none is.</summary>
    public ProblemDefinition Read(ParseResult result) => Read(result, PointNeed.Required);

    /// <summary>
    /// The problem described. <see cref="PointNeed.Required"/>: --start and a numeric --target must be
    /// given; <see cref="PointNeed.Generic"/>: missing ones default to the generic point
    /// (<see cref="ProblemDefinition.WithGenericPoint"/>), for commands that study the problem rather
    /// than solve it; <see cref="PointNeed.None"/>: neither is needed (a missing target is symbolic).
    /// </summary>
    /// <param name="result">The parsed command line.</param>
    /// <param name="need">Which of start and target must be given.</param>
    /// <param name="at">For <see cref="PointNeed.Generic"/>: the point the command works at when it is not the
    /// start (check's --at), around which a missing target is generated; ignored when its length is not
    /// the problem's (the caller refuses it).</param>
    public ProblemDefinition Read(ParseResult result, PointNeed need, IReadOnlyList<double>? at = null)
    {
        // A command that needs no point (derive) says it does not use the start: its length cannot fail it.
        var definition = ReadGiven(result, checkStart: need != PointNeed.None);
        switch (need)
        {
            case PointNeed.Generic:
                var generic = definition.WithGenericPoint(at);
                _generated = (!definition.HasStart, !definition.HasNumericTarget, definition.HasTarget, generic.GeneratedTargetHow ?? "");
                return generic;
            case PointNeed.Required:
                // Target names that are parameters run with the parameters' values.
                definition = definition.WithParameterTargets();
                var fromFile = result.GetValue(_file) is not null;
                // Both missing from the command line: said at once, not one run at a time.
                if (!fromFile && !definition.HasStart && !definition.HasTarget && definition.Loss is null)
                    throw new CliInputException("--simulator needs --start (one value per variable) and --target (one value per output), or a --loss of its own in place of --target"
                        + $" (e.g. --start {string.Join(",", definition.Variables.Select(_ => "1"))} --target {string.Join(",", definition.Simulator.Select(_ => "0"))}).");
                if (!definition.HasStart)
                    throw new CliInputException(fromFile
                        ? "The problem file has no \"start\" field; this command runs the problem and needs one value per variable: add \"start\" to the file, or give --start (e.g. --start " + string.Join(",", definition.Variables.Select(_ => "1")) + ")."
                        : "--simulator needs --start (one value per variable).");
                // A given loss defines the goal by itself: the target is optional then (it only measures
                // the distance and marks the plots).
                if (!definition.HasTarget && definition.Loss is null)
                    throw new CliInputException(fromFile
                        ? "The problem file has no \"target\" field; this command runs the problem and needs one value per output (or a \"loss\" of its own): add \"target\" to the file, or give --target (e.g. --target " + string.Join(",", definition.Simulator.Select(_ => "0")) + ")."
                        : "--simulator needs --target (one value per output), or a --loss of its own.");
                if (definition.HasTarget && !definition.HasNumericTarget)
                {
                    // Where the names are, as every other error of a problem file says it.
                    var symbols = string.Join(", ", definition.TargetSymbolNames);
                    var named = definition.TargetSymbolNames.Count == 1 ? "a symbol" : "symbols";
                    throw new CliInputException(fromFile && result.GetValue(_target) is null
                        ? $"--problem '{result.GetValue(_file)}': \"target\" names {named} ({symbols}); this command runs the problem and needs numbers there, one per output (names are for derive), or give --target."
                        : $"--target names {named} ({symbols}); this command runs the problem and needs numbers, one per output (names are for derive).");
                }
                return definition;
            default:
                return definition;
        }
    }

    // The problem file read, its faults named with its path: the reader's messages speak of "the
    // problem file", and a command may read one of several.
    private static ProblemDefinition FromFile(string path)
    {
        var text = InputFiles.ReadAll("--problem", path, "a problem file, JSON such as {\"variables\":[\"a\"],\"simulator\":[\"a^3\"],\"target\":[8],\"start\":[1]} (its fields are listed in the README under --problem)");
        try
        {
            return ProblemDefinition.FromJson(text);
        }
        catch (Exception e) when (InputError.Is(e) && e is not CliInputException)
        {
            throw new CliInputException($"--problem '{path}': {ApiWording.Message(e)}");
        }
    }

    /// <summary>
    /// Refuses a start or target whose count is not the problem's, naming where it came from
    /// (<paramref name="source"/>: <c>--start</c>, or a problem file and its field) and what it should
    /// have; a count of 0 (not given) passes.
    /// </summary>
    private static void CheckCount(int given, IReadOnlyList<string> names, string source, string noun)
    {
        if (given == 0 || given == names.Count) return;
        var what = noun == "variable" ? "start point" : "target";
        throw new CliInputException(
            $"{source} has {Numbers.Count(given, "value")} but the problem has {Numbers.Count(names.Count, noun)}{(names.Count <= 4 ? $" ({string.Join(", ", names)})" : "")}: " +
            $"give the {what} one value per {noun}.");
    }

    private ProblemDefinition ReadGiven(ParseResult result, bool checkStart)
    {
        var path = result.GetValue(_file);
        _readFile = path;
        var sim = result.GetValue(_simulator);
        var example = result.GetValue(_example);
        if (new[] { path, sim, example }.Count(g => g is not null) > 1)
            throw new CliInputException("Give one of --problem, --simulator or --example, not several.");
        if (result.GetValue(_size) is not null && example is null)
            throw new CliInputException("--n is the size of an --example; give --example too (e.g. --example heat1d --n 64).");
        if (path is not null || example is not null)
        {
            var fromFile = path is not null ? FromFile(path) : Example(example!, result.GetValue(_size), _forDerivatives || NamesMethods(result), TakesMethods(result) ? null : result.CommandResult.Command.Name).Definition;
            // No variables: nothing to solve for, and the start and target checks below would ask for an empty list.
            if (path is not null && fromFile.Variables.Count == 0)
                throw new CliInputException(
                    $"--problem '{path}': the problem has no variables (\"variables\" is empty{(fromFile.Simulator.Count == 0 ? " and so is \"simulator\"" : "")}), so there is nothing to solve for; " +
                    "list the names the simulator varies in \"variables\", e.g. {\"variables\":[\"a\"],\"simulator\":[\"a^3\"],\"target\":[8],\"start\":[1]}.");
            // Options given with --problem or --example override its fields (never silently ignored);
            // --vars would rename its variables under its expressions, so it is refused.
            if (result.GetValue(_vars) is not null)
                throw new CliInputException(path is not null
                    ? "--vars cannot be combined with --problem: the file names its variables in \"variables\"."
                    : "--vars cannot be combined with --example: its variables are x0, x1, ….");
            if (result.GetValue(_start) is { } fileStart)
                fromFile = fromFile with { Start = Arguments.Numbers("--start", fileStart) };
            if (result.GetValue(_target) is { } fileTarget)
            {
                var (targetValues, targetSymbols) = Target(fileTarget);
                fromFile = fromFile with { Target = targetValues, TargetSymbols = targetSymbols };
            }
            if (result.GetValue(_loss) is { } fileLoss) fromFile = fromFile with { Loss = fileLoss };
            if (result.GetValue(_inverse) is { } fileInverse)
                fromFile = fileInverse == "numeric"
                    ? fromFile with { Inverse = null, DeriveInverse = false }
                    : fromFile with { Inverse = fileInverse.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries), DeriveInverse = true };
            if (Units(result) is { } extra)
                fromFile = fromFile with { Units = Merge(fromFile.Units, extra) };
            if (Parameters(result) is { } values)
            {
                // A --param of one of the problem's variables is said in the file's terms (its "variables", read from its
                // "simulator" when it has none), not as the API's "remove it from the variables".
                if (values.Keys.FirstOrDefault(fromFile.Variables.Contains) is { } variable)
                    throw new CliInputException(path is not null
                        ? $"--param {variable}: {variable} is a variable of --problem '{path}' (its variables are {ResultText.Names(fromFile.Variables, "variable")}), not a parameter; " +
                          $"give its value in --start or the file's \"start\", or, to hold it constant, leave it out of the file's \"variables\" " +
                          (fromFile.Variables.Count <= ResultText.Shown
                              ? $"(list them there if the file has none: \"variables\": [{string.Join(", ", fromFile.Variables.Where(v => v != variable).Select(v => $"\"{v}\""))}])."
                              : "(list them there if the file has none).")
                        : $"--param {variable}: {variable} is a variable of --example {example} (its variables are {ResultText.Names(fromFile.Variables, "variable")}), not a parameter; " +
                          "give its value in --start.");
                fromFile = fromFile with { Parameters = Merge(fromFile.Parameters, values) };
            }
            // The counts after the names (with the --param values): a file's start "too long" for its variables
            // only follows from a simulator that uses a name it does not declare (x1 with "variables": ["x0"]).
            // A file's own start and target name the file and its field; options that replaced them, the option.
            if (path is not null)
            {
                try { fromFile.RequireSimulatorNames(); }
                catch (Exception e) when (InputError.Is(e) && e is not CliInputException) { throw InFile(path, e); }
                if (UnwrittenVariables(fromFile.Variables, [.. fromFile.Simulator], null) is { Length: > 0 } unused)
                    throw new CliInputException(UnwrittenMessage($"--problem '{path}': its \"variables\"", unused, "its \"simulator\"",
                        "leave it out of \"variables\" and its value out of \"start\""));
            }
            var from = path is not null ? $"--problem '{path}': its " : $"--example {example}: its ";
            // A file without "variables" whose start is short of them by a likely constant: the API's advice (its "parameters").
            if (checkStart && path is not null && result.GetValue(_start) is null && fromFile.VariablesInferred)
            {
                try { fromFile.RequireStartCount(); }
                catch (Exception e) when (InputError.Is(e) && e is not CliInputException) { throw InFile(path, e); }
            }
            if (checkStart && (path is not null || result.GetValue(_start) is not null))
                CheckCount(fromFile.Start.Count, fromFile.Variables, result.GetValue(_start) is null ? from + "\"start\"" : "--start", "variable");
            if (path is not null || result.GetValue(_target) is not null)
                CheckCount(fromFile.Target.Count, fromFile.Outputs, result.GetValue(_target) is null ? from + "\"target\"" : "--target", "output");
            return fromFile;
        }
        if (sim is null)
        {
            foreach (var o in new[] { _vars, _loss, _target, _start, _inverse })
                if (result.GetValue(o) is not null)
                    throw new CliInputException($"{o.Name} needs --simulator (or use --problem).");
            return Units(result) is { } bookUnits ? ProblemDefinition.Book with { Units = bookUnits } : ProblemDefinition.Book;
        }
        // Parsed here, once: the names are read from it and the definition keeps it (never parsed again).
        var parsed = ParseSimulator(sim);
        // An indexed form (x[i+1] - x[i] for i in 0..9) stands for many components: expanded here.
        var components = sim.Contains('[')
            ? parsed.Select(e => e.ToInfix()).ToArray()
            : sim.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var parameters = Parameters(result);
        // Without --vars the variables are inferred, and the names x0, x1, … are always variables: a --param
        // of that name would silently turn a variable into a constant (and leave --start a value too long).
        if (result.GetValue(_vars) is null && parameters is not null
            && parsed.SelectMany(e => e.Variables).Distinct().Where(n => parameters.ContainsKey(n) && DefaultVariableName().IsMatch(n))
                .Order(Expression.NameOrder).FirstOrDefault() is { } taken)
            throw new CliInputException(
                $"--param {taken}: {taken} is a variable (inferred from --simulator: the names x0, x1, … are always variables), not a parameter; " +
                $"give its value in --start, or, to hold it constant, name the other variables with --vars (then --param {taken} is allowed).");
        var names = result.GetValue(_vars) is { } v
            ? Arguments.Names("--vars", v)
            : ProblemDefinition.InferVariables(parsed.SelectMany(e => e.Variables), parameters);
        var inferred = result.GetValue(_vars) is null;
        if (names.Length == 0)
            throw new CliInputException(ProblemDefinition.NoVariablesMessage($"--simulator \"{sim}\"", parsed, sim, "a --param",
                "--simulator \"x0^2\"", "listed with --vars"));
        if (!inferred)
        {
            // The names that are neither a variable nor a --param, all of them at once (each most likely a constant
            // without its value, a misspelt --param, or a variable written in another case), each at its column.
            var known = names.Concat(parameters?.Keys ?? Enumerable.Empty<string>()).ToHashSet();
            var usedNames = parsed.SelectMany(e => e.Variables).ToHashSet();
            var unknowns = parsed.SelectMany(e => e.Variables).Distinct().Where(n => !known.Contains(n))
                .OrderBy(n => ColumnOf(sim, n) ?? int.MaxValue).ToArray();
            if (unknowns.Length > 0)
                throw new CliInputException(
                    $"--simulator uses {(unknowns.Length == 1 ? "a name" : $"{unknowns.Length} names")} that {(unknowns.Length == 1 ? "is" : "are")} not among the variables ({string.Join(", ", names)}) given with --vars: " +
                    string.Join("; ", unknowns.Select(n => $"'{n}'{At(sim, n)}: {UndeclaredHint(n, names, parameters, usedNames)}")) is var hints && hints.EndsWith('?') ? hints : hints + ".");
        }
        // A --vars name the simulator never writes changes nothing (every method leaves it at its start), as an unused
        // --param: refused alike. One written and cancelled (0*c) is kept: the user wrote it, and x* is then a line.
        if (!inferred && UnwrittenVariables(names, [sim], parsed) is { Length: > 0 } unwritten)
            throw new CliInputException(UnwrittenMessage("--vars", unwritten, "--simulator", "leave it out of --vars and its value out of --start"));
        // Without --vars: a name that differs from another one only in case (X0 beside x0) is read as a variable of its own.
        if (inferred && names.GroupBy(n => n.ToLowerInvariant()).FirstOrDefault(g => g.Count() > 1) is { } cased)
        {
            var pair = cased.OrderBy(n => ColumnOf(sim, n) ?? int.MaxValue).ToArray();
            var meant = pair.FirstOrDefault(n => DefaultVariableName().IsMatch(n)) ?? pair[0];
            throw new CliInputException(
                $"--simulator uses both {string.Join(" and ", pair.Select(n => $"'{n}'{At(sim, n)}"))}, which differ only in case: names are case-sensitive, so they would be " +
                $"{pair.Length} variables; write {meant} for {(pair.Length == 2 ? "both" : "all")} (or name the variables with --vars).");
        }
        var s0 = result.GetValue(_start) is { } ss ? Arguments.Numbers("--start", ss) : [];
        var (t, symbols) = result.GetValue(_target) is { } tt ? Target(tt) : ([], null);
        if (inferred && s0.Length > 0 && s0.Length != names.Length && InferredMismatch(names, s0.Length, parameters) is { } mismatch)
            throw new CliInputException(mismatch);
        if (inferred && s0.Length > 0 && s0.Length != names.Length && Cancelled(sim, parsed, names, parameters) is { Length: > 0 } cancelled)
            throw new CliInputException(
                $"--start has {Numbers.Count(s0.Length, "value")}, but {string.Join(", ", cancelled.Select(c => c.Name))} cancel{(cancelled.Length == 1 ? "s" : "")} out of --simulator: " +
                string.Join("; ", cancelled.Select(c => c.Where)) +
                $", so the variables read from it are {string.Join(", ", names)} ({names.Length}). Give --start one value per variable that remains " +
                $"(e.g. --start {string.Join(",", names.Select(_ => "1"))}), or keep {(cancelled.Length == 1 ? "it as a variable" : "them as variables")} with --vars " +
                $"{string.Join(",", names.Concat(cancelled.Select(c => c.Name)).Order(Expression.NameOrder))} (no output depends on {(cancelled.Length == 1 ? "it" : "them")}).");
        if (checkStart) CheckCount(s0.Length, names, "--start", "variable");
        CheckCount(t.Length, Enumerable.Range(0, components.Length).Select(i => $"y{i}").ToArray(), "--target", "output");
        var inverse = result.GetValue(_inverse);
        var numeric = inverse is "numeric";
        return new ProblemDefinition(
            names, components, result.GetValue(_loss), t, s0,
            numeric ? null : inverse?.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            DeriveInverse = !numeric,
            Units = Units(result),
            Parameters = parameters,
            TargetSymbols = symbols,
        }.WithParsedSimulator(parsed);
    }

    /// <summary>The variables that no text of <paramref name="texts"/> writes (as a name, not inside another), in order;
    /// none for an indexed form (x[i] for i in 0..9), whose names are not written one by one.</summary>
    private static string[] UnwrittenVariables(IEnumerable<string> names, IReadOnlyList<string> texts, IReadOnlyList<Expression>? parsed)
    {
        if (texts.Any(t => t.Contains('['))) return [];
        var missing = names.Where(n => texts.All(t => ColumnOf(t, n) is null)).ToArray();
        if (missing.Length == 0) return [];
        try
        {
            // The names as the parser reads them (a Greek letter written out is the letter): only those it does not see either.
            var read = (parsed ?? [.. texts.Select(Expression.Parse)]).SelectMany(e => e.Variables).ToHashSet();
            return [.. missing.Where(n => !read.Contains(n))];
        }
        catch (Exception e) when (InputError.Is(e))
        {
            return [];
        }
    }

    /// <summary>The refusal of variables the simulator does not use, as an unused --param is refused.</summary>
    private static string UnwrittenMessage(string where, string[] unwritten, string simulator, string leaveOut) =>
        $"{where} lists {(unwritten.Length == 1 ? "the variable" : "the variables")} {string.Join(", ", unwritten)}, but {simulator} does not use " +
        $"{(unwritten.Length == 1 ? "it" : "them")}: a variable nothing reads changes nothing (every method leaves it at its start value, " +
        $"as an unused --param is refused). {char.ToUpperInvariant(leaveOut[0])}{leaveOut[1..]}{(unwritten.Length == 1 ? "" : " (each of them)")}, " +
        $"or write {(unwritten.Length == 1 ? "it" : "them")} into the simulator where {(unwritten.Length == 1 ? "it" : "they")} belong{(unwritten.Length == 1 ? "s" : "")} " +
        $"(to keep a variable no output depends on, write it as 0*{unwritten[0]} in an output).";

    // The --example traced by the last read, whose model was built as it was traced: Build hands it out
    // rather than building the same model again from its definition (seconds for a large grid).
    private PhysicsProblem? _traced;

    /// <summary>
    /// The problem of a definition that <see cref="Read(ParseResult, PointNeed, IReadOnlyList{double})"/> gave: the traced --example
    /// itself when the definition is its own, the same model from another start when only --start changed
    /// it, else a problem built from the definition.
    /// </summary>
    public PhysicsProblem Build(ProblemDefinition definition)
    {
        if (Traced(definition) is { } own) return own;
        if (_traced is { } traced && definition == traced.Definition with { Start = definition.Start }) return traced.WithStart(definition.Start);
        return FromDefinition(definition);
    }

    /// <summary>The problem built from <paramref name="definition"/>, a fault in it naming the problem file it was read from.</summary>
    public PhysicsProblem FromDefinition(ProblemDefinition definition)
    {
        try
        {
            return PhysicsProblem.From(definition);
        }
        // A fault the core finds in a problem file's fields (simulator[0] uses 'c'; a variable listed twice)
        // names the file, and the field when the core's message does not: the file is where to fix it.
        catch (Exception e) when (_readFile is { } path && InputError.Is(e) && e is not CliInputException)
        {
            throw InFile(path, e);
        }
    }

    // The components of --simulator; one that divides by an exact 0 (0/0*x0) is named as the output it is.
    private static IReadOnlyList<Expression> ParseSimulator(string sim)
    {
        try
        {
            return Expression.ParseMany(sim);
        }
        catch (Exception e) when (InputError.KindOf(e) == InputErrorKind.DivisionByZero && !sim.Contains('['))
        {
            var components = sim.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var k = Array.FindIndex(components, c =>
            {
                try { Expression.Parse(c); return false; }
                catch (Exception inner) when (InputError.KindOf(inner) == InputErrorKind.DivisionByZero) { return true; }
                catch (Exception inner) when (InputError.Is(inner)) { return false; }
            });
            if (k < 0) throw;
            throw new CliInputException($"--simulator: output y{k} = {components[k]} has no value: {ApiWording.Message(e)}");
        }
    }

    // A fault the core finds in a problem file's fields, naming the file (and the field when the core's message does not).
    private static CliInputException InFile(string path, Exception e)
    {
        var message = ApiWording.Message(e);
        var field = message.StartsWith("The variable ", StringComparison.Ordinal) ? "its \"variables\": "
            : message.StartsWith("The loss ", StringComparison.Ordinal) ? "its \"loss\" (or --loss): "
            : "";
        return new CliInputException($"--problem '{path}': {field}{(field == "" ? message : char.ToLowerInvariant(message[0]) + message[1..])}");
    }

    // The problem file the last read came from (null for --simulator and --example): Build names it in the core's faults.
    private string? _readFile;

    /// <summary>The traced --example when <paramref name="definition"/> is its own definition (nothing overridden), else null.</summary>
    public PhysicsProblem? Traced(ProblemDefinition definition) =>
        _traced is { } traced && ReferenceEquals(definition, traced.Definition) ? traced : null;

    /// <summary>
    /// The reference problem of --example at size --n, or the reason it cannot be made. <paramref name="withoutMethods"/>
    /// is the command's name when it has no --methods (units, check): the size limit's advice to name the
    /// matrix-free methods cannot be followed there, so its refusal says what can.
    /// </summary>
    private PhysicsProblem Example(string name, int? size, bool methodsNamed, string? withoutMethods = null)
    {
        try
        {
            // An example's size limit is its default comparison's (dense rules among them); with methods
            // named, each rule refuses by itself the sizes it cannot take, so the limit is lifted.
            return _traced = ReferenceProblems.Create(name, size, defaultComparison: !methodsNamed);
        }
        catch (Exception e) when (InputError.KindOf(e) is InputErrorKind.TooLarge && withoutMethods is not null
                                  && ReferenceProblems.Info(name) is var info && (size ?? info.DefaultSize) > info.MaxSize)
        {
            throw new CliInputException(
                $"--example: The example '{info.Name}' at n = {size} is over the limit of n = {info.MaxSize} for {withoutMethods}, which " +
                $"measures the default methods, dense ones among them, and has no --methods to leave those out. Use n ≤ {info.MaxSize}; " +
                $"`compare --example {info.Name} --n {size} --methods {info.MatrixFreeMethods}` runs the matrix-free methods at any n.");
        }
        catch (Exception e) when (InputError.KindOf(e) is InputErrorKind.Invalid or InputErrorKind.TooLarge)
        {
            // The API's refusal of a size speaks of n, the argument of ReferenceProblems.Create; here it is --n.
            var known = ReferenceProblems.All.FirstOrDefault(i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));
            var n = size ?? known?.DefaultSize ?? 0;
            var sizeRefused = known is not null && (n < known.MinSize
                || (known.SizeMeaning.StartsWith("grid", StringComparison.Ordinal) ? (long)n * n : n) > ReferenceProblems.MaxVariables);
            throw new CliInputException($"--example: {ApiWording.Message(e)}{(sizeRefused ? " The size n is --n." : "")}");
        }
    }

    // Whether the command has a --methods option at all (compare, derive, train; not units or check).
    private static bool TakesMethods(ParseResult result) =>
        result.CommandResult.Command.Options.Any(o => o.Name == "--methods");

    // Whether the command line names its methods (--methods LIST or --methods=LIST).
    private static bool NamesMethods(ParseResult result) =>
        result.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>()
            .Any(o => o.Option.Name == "--methods" && o.Tokens.Count > 0);

    /// <summary>--target's values: numbers, and names where a value is a name (null when all are numbers).</summary>
    private static (double[] Values, string?[]? Names) Target(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var names = new string?[parts.Length];
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            // NaN, inf, pi and e: neither numbers nor names, each said as what it is (a problem file's "target" alike).
            if (ProblemDefinition.NotATargetName(parts[i]) is { } reserved && !UserNumbers.TryRead(parts[i], out _, out _))
                throw new CliInputException($"--target: value {i + 1} ('{parts[i]}') {reserved}.");
            if (parts[i].Length > 0 && (char.IsLetter(parts[i][0]) || parts[i][0] == '_') && !UserNumbers.IsSpecial(parts[i]))
            {
                try
                {
                    names[i] = ProblemDefinition.ParseName("--target", parts[i]);
                }
                catch (Exception e) when (InputError.Is(e))
                {
                    throw new CliInputException(
                        $"--target: value {i + 1} ('{parts[i]}') is neither a number nor a name. Write numbers or names separated by commas, e.g. 1.5,a.");
                }
            }
            else
            {
                if (!UserNumbers.TryRead(parts[i], out values[i], out var problem))
                    throw new CliInputException(problem == "is not a number"
                        ? $"--target: value {i + 1} ('{parts[i]}') is neither a number nor a name: {UserNumbers.Advice(parts[i])}, or a name (values separated by commas, e.g. 1.5,a)."
                        : $"--target: value {i + 1} ('{parts[i]}') {problem}; give finite numbers (or names), e.g. 1.5,a.");
            }
        }
        return (values, names.Any(n => n is not null) ? names : null);
    }
}

/// <summary>What a command needs of the problem's start and target.</summary>
internal enum PointNeed
{
    /// <summary>Both given, the target as numbers (the command runs the problem).</summary>
    Required,
    /// <summary>Missing ones take the generic point (the command studies the problem at a point).</summary>
    Generic,
    /// <summary>Neither is needed (rules are symbolic in the target and do not depend on the start).</summary>
    None,
}
