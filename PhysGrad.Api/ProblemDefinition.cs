using System.Text.Json;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// A problem as text: variables, simulator components y = P(x), a loss in y0, y1, … (default
/// ½‖y − y*‖²), the target y*, the start point and optionally a local inverse (one expression per
/// variable in the outputs y0, y1, … and the current point's variables, for choosing a branch).
/// </summary>
public sealed record ProblemDefinition(
    IReadOnlyList<string> Variables,
    IReadOnlyList<string> Simulator,
    string? Loss,
    IReadOnlyList<double> Target,
    IReadOnlyList<double> Start,
    IReadOnlyList<string>? Inverse = null)
{
    /// <summary>The book's comparison example (THEORY.md §4); its exact inverse [y0, sign(x1)·√y1] is derived.</summary>
    public static ProblemDefinition Book { get; } =
        new(["x0", "x1"], ["x0", "x1^2"], "y0^2 + y1^2", [0.0, 0.0], [3.0, 3.0]);

    /// <summary>The output names y0, y1, ….</summary>
    public string[] Outputs => Enumerable.Range(0, Simulator.Count).Select(i => $"y{i}").ToArray();

    /// <summary>The loss text: the given one, or ½‖y − y*‖² written out with the target's values.</summary>
    public string LossText => Loss ?? Infix.Format(Problem.DefaultLoss(Outputs, Target.ToArray()));

    /// <summary>
    /// Whether to derive a local inverse symbolically when none is given (default true); false keeps
    /// PG on the numeric inverse. In a problem file: <c>"inverse": "numeric"</c>.
    /// </summary>
    public bool DeriveInverse { get; init; } = true;

    /// <summary>
    /// Units of variables and (optionally) outputs, as unit text (<c>"m"</c>, <c>"m/s^2"</c>); null
    /// for a problem without units. In a problem file: <c>"units": {"x0": "m", "y0": "N"}</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Units { get; init; }

    /// <summary>
    /// Named constants with values that the simulator, loss and inverse may use (a C# lambda's captured
    /// values); rules keep the names, compiled code uses the values. In a problem file:
    /// <c>"parameters": {"g": 9.81}</c>.
    /// </summary>
    public IReadOnlyDictionary<string, double>? Parameters { get; init; }

    /// <summary>Parses the fields and checks that they fit together, giving the core's problem model.</summary>
    /// <exception cref="SymbolicException">What is inconsistent, and where (a parse error names the field).</exception>
    public Problem ToProblem()
    {
        var simulator = Simulator.Select((s, i) => ParseField($"simulator[{i}]", s)).ToArray();
        var loss = Loss is null ? null : ParseField("loss", Loss);
        var inverse = Inverse?.Select((s, i) => ParseField($"inverse[{i}]", s)).ToArray();
        if (Parameters is not null)
        {
            // A constant that nothing uses is most likely misnamed: say so rather than ignore it.
            var used = Structure.FreeSymbolNames(simulator.Concat(loss is null ? [] : [loss]).Concat(inverse ?? []).ToArray()).ToHashSet();
            foreach (var name in Parameters.Keys)
                if (!used.Contains(name))
                {
                    var nearest = Nearest(name, used);
                    throw new SymbolicException(ErrorKind.Variable,
                        $"The parameter '{name}' is not used by the simulator, the loss or the inverse" +
                        (nearest is null ? "." : $" (did you mean '{nearest}'?)."));
                }
        }
        var problem = Problem.Create(Variables.ToArray(), simulator, loss, Target.ToArray(), Start.ToArray(), inverse, DeriveInverse,
            Parameters is null ? null : new Dictionary<string, double>(Parameters));
        if (Units is null) return problem;
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
            return Parse.Expression(text);
        }
        catch (ParseException e)
        {
            throw new ParseException(e.Kind, $"In {field}: {e.Message}", e.Line, e.Column);
        }
    }

    /// <summary>
    /// Reads <c>{"variables":[...],"simulator":[...],"loss":"...","target":[...],"start":[...],"inverse":[...]}</c>;
    /// <c>loss</c>, <c>inverse</c> and <c>units</c> are optional; <c>"inverse": "numeric"</c> asks for the numeric inverse.
    /// </summary>
    /// <exception cref="SymbolicException">Not JSON, or a field missing or of the wrong kind, named.</exception>
    public static ProblemDefinition FromJson(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SymbolicException(ErrorKind.Invalid,
                $"The problem file is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): {e.Message}");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SymbolicException(ErrorKind.Invalid, "The problem file must hold one JSON object.");
            CheckFieldNames(root);
            return new ProblemDefinition(
                Strings(root, "variables", required: true)!,
                Strings(root, "simulator", required: true)!,
                root.TryGetProperty("loss", out var l) ? (l.ValueKind == JsonValueKind.String ? l.GetString() : throw Kind("loss", "a string")) : null,
                Numbers(root, "target"),
                Numbers(root, "start"),
                root.TryGetProperty("inverse", out var i) && i.ValueKind == JsonValueKind.String
                    ? (i.GetString() == "numeric" ? null : throw Kind("inverse", "an array of strings or \"numeric\""))
                    : Strings(root, "inverse", required: false))
            {
                DeriveInverse = !(root.TryGetProperty("inverse", out var n) && n.ValueKind == JsonValueKind.String),
                Units = UnitTable(root),
                Parameters = ParameterTable(root),
            };
        }
    }

    /// <summary>The fields a problem file may have.</summary>
    public static IReadOnlyList<string> FileFields { get; } =
        ["variables", "simulator", "loss", "target", "start", "inverse", "units", "parameters"];

    /// <summary>
    /// A misspelt field would otherwise be ignored silently (a misspelt "inverse" leaves PG on the derived
    /// inverse): every field must be known, and an unknown one is named with the nearest known one.
    /// </summary>
    private static void CheckFieldNames(JsonElement root)
    {
        var seen = new HashSet<string>();
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
                throw new SymbolicException(ErrorKind.Invalid, $"The problem file gives the field \"{property.Name}\" twice.");
            if (FileFields.Contains(property.Name)) continue;
            var nearest = Nearest(property.Name, FileFields);
            throw new SymbolicException(ErrorKind.Invalid,
                $"The problem file has an unknown field \"{property.Name}\"" +
                (nearest is null ? "" : $" (did you mean \"{nearest}\"?)") +
                $"; the fields are {string.Join(", ", FileFields)}.");
        }
    }

    /// <summary>
    /// The candidate nearest to <paramref name="name"/> in edit distance (insertions, deletions,
    /// substitutions and swaps of neighbours, ignoring case), if it is near: at most a third of the
    /// name's length, and at least 1 and at most 3 edits.
    /// </summary>
    public static string? Nearest(string name, IEnumerable<string> candidates)
    {
        var best = candidates.Select(c => (c, d: EditDistance(name.ToLowerInvariant(), c.ToLowerInvariant())))
            .OrderBy(p => p.d).FirstOrDefault();
        return best.c is not null && best.d <= Math.Clamp(name.Length / 3, 1, 3) ? best.c : null;
    }

    /// <summary>The optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of a substring).</summary>
    internal static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        return d[a.Length, b.Length];
    }

    private static Dictionary<string, string>? UnitTable(JsonElement root)
    {
        if (!root.TryGetProperty("units", out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object || e.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.String))
            throw Kind("units", "an object of unit strings, e.g. {\"x0\": \"m\", \"x1\": \"s\"}");
        return e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    private static Dictionary<string, double>? ParameterTable(JsonElement root)
    {
        if (!root.TryGetProperty("parameters", out var e)) return null;
        if (e.ValueKind != JsonValueKind.Object || e.EnumerateObject().Any(p => p.Value.ValueKind != JsonValueKind.Number))
            throw Kind("parameters", "an object of numbers, e.g. {\"g\": 9.81}");
        return e.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
    }

    private static SymbolicException Kind(string field, string what) =>
        new(ErrorKind.Invalid, $"The field \"{field}\" must be {what}.");

    private static string[]? Strings(JsonElement root, string field, bool required)
    {
        if (!root.TryGetProperty(field, out var e))
            return required ? throw new SymbolicException(ErrorKind.Invalid, $"The problem file has no \"{field}\" field.") : null;
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
            throw Kind(field, "an array of strings");
        return e.EnumerateArray().Select(v => v.GetString()!).ToArray();
    }

    private static double[] Numbers(JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out var e))
            throw new SymbolicException(ErrorKind.Invalid, $"The problem file has no \"{field}\" field.");
        if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number))
            throw Kind(field, "an array of numbers");
        return e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }
}
