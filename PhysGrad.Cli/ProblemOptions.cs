using System.CommandLine;

namespace PhysGrad.Cli;

/// <summary>The options that describe a problem, shared by compare and derive.</summary>
internal sealed class ProblemOptions
{
    private readonly Option<string?> _file = new("--problem")
    {
        Description = "A problem file: {\"variables\":[...],\"simulator\":[...],\"loss\":\"...\",\"target\":[...],\"start\":[...],\"inverse\":[...]}.",
    };
    private readonly Option<string?> _simulator = new("--simulator") { Description = "Simulator components separated by ';', e.g. \"x0; x1^2\"." };
    private readonly Option<string?> _vars = new("--vars") { Description = "Variables, comma-separated (default: the simulator's, x2 before x10)." };
    private readonly Option<string?> _loss = new("--loss") { Description = "The loss in y0, y1, … (default ½‖y − y*‖²)." };
    private readonly Option<string?> _target = new("--target") { Description = "The target y*, comma-separated." };
    private readonly Option<string?> _start = new("--start") { Description = "The start point, comma-separated." };
    private readonly Option<string?> _inverse = new("--inverse") { Description = "A local inverse, one expression per variable in y0, y1, … and the variables, separated by ';' (default: derived when P is built from invertible pieces); 'numeric' inverts numerically." };

    public void AddTo(Command command)
    {
        foreach (var o in new[] { _file, _simulator, _vars, _loss, _target, _start, _inverse }) command.Options.Add(o);
    }

    /// <summary>The problem described, or the book's example when none is.</summary>
    public ProblemDefinition Read(ParseResult result)
    {
        var path = result.GetValue(_file);
        var sim = result.GetValue(_simulator);
        if (path is not null && sim is not null)
            throw new CliInputException("Give either --problem or --simulator, not both.");
        if (path is not null)
        {
            if (!File.Exists(path)) throw new CliInputException($"--problem: the file '{path}' does not exist.");
            return ProblemDefinition.FromJson(File.ReadAllText(path));
        }
        if (sim is null)
        {
            foreach (var o in new[] { _vars, _loss, _target, _start, _inverse })
                if (result.GetValue(o) is not null)
                    throw new CliInputException($"{o.Name} needs --simulator (or use --problem).");
            return ProblemDefinition.Book;
        }
        var components = sim.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var names = result.GetValue(_vars) is { } v
            ? Arguments.Names("--vars", v)
            : Expression.ParseMany(sim).SelectMany(e => e.Variables).Distinct()
                .Order(Comparer<string>.Create((a, b) => Symbolic.Order.naturalCompare(a, b))).ToArray();
        var t = result.GetValue(_target) ?? throw new CliInputException("--simulator needs --target (one value per component).");
        var s0 = result.GetValue(_start) ?? throw new CliInputException("--simulator needs --start (one value per variable).");
        var inverse = result.GetValue(_inverse);
        var numeric = inverse is "numeric";
        return new ProblemDefinition(
            names, components, result.GetValue(_loss), Arguments.Numbers("--target", t), Arguments.Numbers("--start", s0),
            numeric ? null : inverse?.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            DeriveInverse = !numeric,
        };
    }
}
