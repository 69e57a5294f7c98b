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

    /// <summary>
    /// A JSON document to <paramref name="output"/>, streamed where a byte stream lies under it: the serializer
    /// (<paramref name="write"/>) writes UTF-8 straight to standard output's stream when the output is the
    /// console's writer, or to a <see cref="StreamWriter"/>'s stream, in chunks, never the whole document (the
    /// bytes the console's UTF-8 writer would have written). An in-memory writer (a test's
    /// <see cref="StringWriter"/>) holds all of its text anyway and gets the document as one string
    /// (<paramref name="whole"/>), the same text.
    /// </summary>
    public static void WriteUtf8(TextWriter output, Action<Stream> write, Func<string> whole)
    {
        output.Flush();
        if (ReferenceEquals(output, Console.Out))
        {
            using var stdout = Console.OpenStandardOutput();
            write(stdout);
            stdout.Flush();
        }
        else if (output is StreamWriter { BaseStream: var stream })
        {
            write(stream);
            stream.Flush();
        }
        else
            output.Write(whole());
    }
}
