using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhysGrad;

/// <summary>
/// The one place where user-facing numbers become text (tables, CSV, JSON, headers). Every format
/// here prints a negative zero, and anything that rounds to zero (−1e−9 at four decimals), as 0:
/// −0 is an artefact of the order of operations (−1·0), not information a reader can use.
/// </summary>
public static class NumberText
{
    /// <summary>The shortest text that parses back to the same double (<c>"R"</c>), −0 as 0.</summary>
    public static string RoundTrip(double x) => (x == 0 ? 0.0 : x).ToString("R", CultureInfo.InvariantCulture);

    /// <summary><paramref name="x"/> in a .NET numeric format (<c>"F4"</c>, <c>"G6"</c>), invariant culture; a result
    /// that reads as a negative zero (<c>-0.0000</c>, <c>-0</c>) is printed without its sign.</summary>
    public static string Format(double x, string format)
    {
        var s = (x == 0 ? 0.0 : x).ToString(format, CultureInfo.InvariantCulture);
        if (!s.StartsWith('-')) return s;
        // The mantissa (before any exponent) has no nonzero digit: a rounded negative zero.
        var exponent = s.IndexOfAny(['E', 'e']);
        var mantissa = exponent < 0 ? s[1..] : s[1..exponent];
        return mantissa.Any(c => c is >= '1' and <= '9') ? s : s[1..];
    }

    /// <summary>A list of numbers, <c>a, b, c</c>, each as <see cref="RoundTrip"/>.</summary>
    public static string Join(IEnumerable<double> values) => string.Join(", ", values.Select(RoundTrip));

    /// <summary>A JSON converter for doubles that writes −0 as 0 (and reads as usual); add it to every
    /// <see cref="JsonSerializerOptions"/> that serialises output.</summary>
    public sealed class JsonDouble : JsonConverter<double>
    {
        /// <inheritdoc/>
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        /// <inheritdoc/>
        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
            writer.WriteNumberValue(value == 0 ? 0.0 : value);
    }
}
