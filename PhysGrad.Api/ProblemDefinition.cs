using System.Globalization;
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
    /// <summary>The book's comparison example (THEORY.md §4).</summary>
    public static ProblemDefinition Book { get; } =
        new(["x0", "x1"], ["x0", "x1^2"], "y0^2 + y1^2", [0.0, 0.0], [3.0, 3.0], ["y0", "sign(x1)*sqrt(y1)"]);

    /// <summary>The output names y0, y1, ….</summary>
    public string[] Outputs => Enumerable.Range(0, Simulator.Count).Select(i => $"y{i}").ToArray();

    /// <summary>The loss text: the given one, or ½‖y − y*‖² written out with the target's values.</summary>
    public string LossText => Loss ?? string.Join(" + ", Outputs.Select((y, i) =>
        string.Create(CultureInfo.InvariantCulture, $"(({y}) - ({Target[i]:R}))^2/2")));

    /// <summary>Checks the shapes and compiles the problem.</summary>
    /// <exception cref="SymbolicException">What is inconsistent, and where.</exception>
    public CompiledProblem Compile()
    {
        if (Variables.Count == 0) throw Invalid("The problem has no variables.");
        if (Simulator.Count == 0) throw Invalid("The problem has no simulator components.");
        if (Target.Count != Simulator.Count)
            throw Invalid($"The target has {Target.Count} values but the simulator has {Simulator.Count} outputs.");
        if (Start.Count != Variables.Count)
            throw Invalid($"The start point has {Start.Count} values but there are {Variables.Count} variables.");
        if (Inverse is not null && Inverse.Count != Variables.Count)
            throw Invalid($"The inverse has {Inverse.Count} expressions but there are {Variables.Count} variables.");
        var simulator = Simulator.Select((s, i) => ParseField($"simulator[{i}]", s)).ToArray();
        var loss = ParseField("loss", LossText);
        var inverse = Inverse?.Select((s, i) => ParseField($"inverse[{i}]", s)).ToArray();
        return new CompiledProblem(Variables.ToArray(), simulator, Outputs, loss, inverse);
    }

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

    private static SymbolicException Invalid(string message) => new(ErrorKind.Shape, message);

    /// <summary>
    /// Reads <c>{"variables":[...],"simulator":[...],"loss":"...","target":[...],"start":[...],"inverse":[...]}</c>;
    /// <c>loss</c> and <c>inverse</c> are optional.
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
            return new ProblemDefinition(
                Strings(root, "variables", required: true)!,
                Strings(root, "simulator", required: true)!,
                root.TryGetProperty("loss", out var l) ? (l.ValueKind == JsonValueKind.String ? l.GetString() : throw Kind("loss", "a string")) : null,
                Numbers(root, "target"),
                Numbers(root, "start"),
                Strings(root, "inverse", required: false));
        }
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
