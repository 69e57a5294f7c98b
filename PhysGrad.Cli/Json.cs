using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhysGrad.Cli;

/// <summary>
/// The one JSON setting of the tool: indented, and expressions stay readable ('+', '^', '&lt;' are not
/// escaped as \u002B; the output is a file or a pipe, never embedded in HTML).
/// </summary>
internal static class Json
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { Numbers.JsonConverter() },
    };

    /// <summary><see cref="Options"/>, leaving out fields that are null.</summary>
    public static readonly JsonSerializerOptions OmitNulls = new(Options)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Indented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}
