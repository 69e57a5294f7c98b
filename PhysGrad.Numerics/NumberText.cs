using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PhysGrad;

/// <summary>
/// The one place where user-facing numbers become text (tables, CSV, JSON, headers, and the messages
/// of runs: stop details, fallback reasons, notes). It lives in the numerics layer so that the
/// optimisers' messages use it too; everything is in the invariant culture. Every format
/// here prints a negative zero, and anything that rounds to zero (−1e−9 at four decimals), as 0:
/// −0 is an artefact of the order of operations (−1·0), not information a reader can use.
/// </summary>
public static class NumberText
{
    /// <summary>A count with its noun in the right number: "1 iteration", "0 iterations", "3 iterations"
    /// (<paramref name="noun"/> is the singular; the plural adds an s, which every noun printed so far takes).</summary>
    public static string Count(long n, string noun) => Count(n, noun, noun + "s");

    /// <summary>A count with its noun in the right number, for a noun whose plural is not the singular
    /// with an s: <c>Count(1, "entry", "entries")</c> is "1 entry", <c>Count(3, …)</c> "3 entries".</summary>
    public static string Count(long n, string singular, string plural) => n == 1 || n == -1 ? $"{n} {singular}" : $"{n} {plural}";

    /// <summary>The noun alone in the number that goes with <paramref name="n"/> ("value" for 1, "values" otherwise).</summary>
    public static string Noun(long n, string singular, string? plural = null) => n == 1 || n == -1 ? singular : plural ?? singular + "s";

    /// <summary>The shortest text that parses back to the same double (<c>"R"</c>), −0 as 0.</summary>
    public static string RoundTrip(double x) => (x == 0 ? 0.0 : x).ToString("R", CultureInfo.InvariantCulture);

    /// <summary>
    /// The double nearest <paramref name="x"/> rounded to 15 significant decimal digits (finite values; others as they
    /// are): a value computed from short decimals (0.66² = 0.4355999999999999, 0.6 + 0.06 = 0.6599999999999999) as
    /// the decimal it stands for (0.4356, 0.66), moved by at most half a unit in the 15th digit (a few units of the
    /// double's last place). For numbers the tool makes up itself (a generated target), never for a user's or a run's.
    /// </summary>
    public static double Decimal15(double x) =>
        double.IsFinite(x) ? double.Parse(x.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) : x;

    /// <summary><paramref name="x"/> in a .NET numeric format (<c>"F4"</c>, <c>"G6"</c>), invariant culture; a result
    /// that reads as a negative zero (<c>-0.0000</c>, <c>-0</c>) is printed without its sign.</summary>
    public static string Format(double x, string format)
    {
        // -Infinity has no digit either, but it is not a zero: keep its sign.
        if (!double.IsFinite(x)) return x.ToString(CultureInfo.InvariantCulture);
        var s = (x == 0 ? 0.0 : x).ToString(format, CultureInfo.InvariantCulture);
        if (!s.StartsWith('-')) return s;
        // The mantissa (before any exponent) has no nonzero digit: a rounded negative zero.
        var exponent = s.IndexOfAny(['E', 'e']);
        var mantissa = exponent < 0 ? s[1..] : s[1..exponent];
        return mantissa.Any(c => c is >= '1' and <= '9') ? s : s[1..];
    }

    /// <summary>
    /// A step size η as every table, legend, title and run label shows it, exact: the shortest text that reads back
    /// to the same double (<see cref="RoundTrip"/>: <c>0.001</c>, <c>1</c>, <c>0.35</c>), or, where that takes more than
    /// <see cref="ShortStep"/> characters and η is the double nearest a fraction p/q with q ≤ 1000, the fraction
    /// (<c>1/3</c> for 0.3333333333333333, not 0.3333, which is another step size). Either form reads back as η in
    /// <c>--methods</c> (<see cref="TryReadFraction"/>), so the η a run printed is the η to type to run it again.
    /// </summary>
    public static string StepSize(double eta)
    {
        var shortest = RoundTrip(eta);
        if (shortest.Length <= ShortStep || !double.IsFinite(eta) || eta <= 0 || eta > 1e6) return shortest;
        for (var q = 2; q <= 1000; q++)
            if (Math.Round(eta * q) is var p and >= 1 && p / q == eta)
                return $"{p.ToString(CultureInfo.InvariantCulture)}/{q}";
        return shortest;
    }

    /// <summary>The longest decimal <see cref="StepSize"/> prints before it looks for a fraction (<c>0.00123456</c>).</summary>
    public const int ShortStep = 10;

    /// <summary>Reads a fraction <c>p/q</c> of positive integers (<c>1/3</c>, as <see cref="StepSize"/> prints one) as the
    /// double nearest p/q; false for any other text.</summary>
    public static bool TryReadFraction(string text, out double value)
    {
        value = 0;
        var parts = text.Trim().Split('/');
        if (parts.Length != 2 || !parts.All(t => t.Length is > 0 and <= 15 && t.All(char.IsAsciiDigit))) return false;
        var (p, q) = (long.Parse(parts[0], CultureInfo.InvariantCulture), long.Parse(parts[1], CultureInfo.InvariantCulture));
        if (p == 0 || q == 0) return false;
        value = (double)p / q;
        return true;
    }

    /// <summary><paramref name="x"/> for prose (a message, a note, a header) with <paramref name="digits"/>
    /// significant digits: <c>0.30000000000000004</c> is <c>0.3</c>, <c>1.2345678e-12</c> is <c>1.23457E-12</c>.</summary>
    public static string Short(double x, int digits = 6) => Format(x, "G" + digits);

    /// <summary>
    /// A number for a table: <paramref name="significant"/> significant digits, fixed-point from 10⁻⁴ up to
    /// 10⁶ (<c>0.0718130</c>, <c>6.86389</c>) and E-notation beyond (<c>1.92416E-07</c>, <c>2.45000E+12</c>),
    /// so that columns keep one width at any size; <c>NaN</c>, <c>Infinity</c> and <c>-Infinity</c> as such.
    /// Trailing zeros are kept (<c>-2.00000</c>: the digits say how precise the value is, the same for a negative
    /// number as for a positive one); an exact zero, which has no significant digits, is <c>0</c>.
    /// </summary>
    public static string Table(double value, int significant = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(significant, 1);
        if (!double.IsFinite(value)) return value.ToString(CultureInfo.InvariantCulture);
        value = value == 0 ? 0.0 : value;
        if (value == 0) return "0";
        var a = Math.Abs(value);
        if (a >= 1e-4 && a < 1e6)
        {
            // Rounding may carry into the next decade (9.999996 → 10.0000): count digits after rounding.
            var decimals = Math.Max(0, significant - 1 - (int)Math.Floor(Math.Log10(a)));
            var rounded = Math.Round(a, Math.Min(decimals, 15));
            decimals = Math.Max(0, significant - 1 - (int)Math.Floor(Math.Log10(rounded)));
            if (rounded < 1e6) return value.ToString("F" + decimals, CultureInfo.InvariantCulture);
        }
        return value.ToString("0." + new string('0', significant - 1) + "E+00", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// A vector in its short form: in full up to <paramref name="shown"/> values (<c>[0.1, 0.2]</c>), else
    /// the first two, an ellipsis and the last with the count and what the ellipsis hides that matters
    /// most, the entry of largest magnitude with its index: <c>[0, 0, …, 0] (64 values, max |·| at [2] = 5)</c>,
    /// or <c>(64 values, all 0)</c> when every entry reads the same. The first two and the last alone would
    /// print a target that is 0 but for one entry as all zeros. A vector of at most
    /// <see cref="FullUpTo"/> values whose full text is no longer than that short form is printed in full.
    /// Each number as <paramref name="each"/> (default <see cref="Short"/>), so a 100-variable point never
    /// makes a line thousands of characters long. With <paramref name="dropNoise"/>, for a vector computed as a whole
    /// at one scale (a reference example's long target y* = P(x*); never a point of a run or a found x*, whose
    /// components are independent: x* = [1E+08, 1E-08] is not [1E+08, 0]), a component that is rounding noise
    /// (<see cref="IsNoise"/>) is written as 0, in the entries shown and in the "max |·|" note alike: the
    /// rule is applied here, once, for every short form. Noise is judged against the vector's largest
    /// finite magnitude, capped at <paramref name="problemScale"/> when the caller knows the problem's scale
    /// (the largest magnitude of the start and the target): heat1d-inverse's gd ends at x0 = −4.6E-17 next
    /// to 2.08 (0 up to rounding), while a diverged run's 1.13 next to 1.3E+15 is a value, since the cap
    /// (the problem's scale, about 1) is far below 1.3E+15. Never for typed data, whose components are
    /// independent (a start of [1E-20, 1] means what it says).
    /// </summary>
    public static string Vector(IReadOnlyList<double> values, Func<double, string>? each = null, int shown = 4, bool dropNoise = false,
        double problemScale = double.PositiveInfinity)
    {
        each ??= v => Short(v);
        if (dropNoise) each = DropNoise(values, each, problemScale);
        return "[" + Elided(values, each, shown, out var count) + "]" + count;
    }

    /// <summary><see cref="Vector"/> without the brackets, for lists in prose: <c>-0.6071, 1.075</c>, or
    /// <c>1, 2, …, 100 (100 values, max |·| at [99] = 100)</c>.</summary>
    public static string List(IReadOnlyList<double> values, Func<double, string>? each = null, int shown = 4) =>
        Elided(values, each ?? (v => Short(v)), shown, out var count) + count;

    /// <summary>The most values a short form prints in full when that is no longer than its elided form.</summary>
    public const int FullUpTo = 8;

    // The entries of the short form, and the note after it (empty when every value is printed).
    private static string Elided(IReadOnlyList<double> values, Func<double, string> each, int shown, out string note)
    {
        note = "";
        var full = values.Count <= Math.Max(shown, FullUpTo) ? string.Join(", ", values.Select(each)) : null;
        if (values.Count <= shown) return full!;
        var largest = FirstPrintedLargest(values, LargestMagnitude(values), each);
        // Every entry reads the same when the least and the greatest do (a format is monotone); a NaN
        // reads the same as others only when all are NaN. Only these few are formatted: a point may
        // have 10⁶ entries.
        var (low, high) = (values.Min(), values.Max());
        var same = double.IsNaN(low) ? values.All(double.IsNaN) : each(low) == each(high);
        var hidden = same ? $"all {each(values[0])}" : $"max |·| at [{largest}] = {each(values[largest])}";
        note = $" ({values.Count} values, {hidden})";
        var elided = $"{each(values[0])}, {each(values[1])}, …, {each(values[^1])}";
        if (full is not null && full.Length <= elided.Length + note.Length)
        {
            note = "";
            return full;
        }
        return elided;
    }

    /// <summary>
    /// The first index whose magnitude prints as the largest one does (<paramref name="largest"/>): two runs
    /// whose vectors agree to the printed digits name the same entry, rather than whichever of two mirror
    /// entries (heat1d's [20] and [52]) won by a last unit of rounding. Only entries within 10⁻⁴ of the
    /// largest magnitude are formatted (a vector may have 10⁶ entries).
    /// </summary>
    private static int FirstPrintedLargest(IReadOnlyList<double> values, int largest, Func<double, string> each)
    {
        var top = Math.Abs(values[largest]);
        if (!double.IsFinite(top)) return largest;
        var printed = each(top);
        for (var i = 0; i < largest; i++)
            if (Math.Abs(values[i]) >= top * (1 - 1e-4) && each(Math.Abs(values[i])) == printed)
                return i;
        return largest;
    }

    /// <summary>The index of the entry of largest magnitude: the first NaN if there is one (it is what a
    /// reader must see), else the first of the largest |value| (an infinity beats every finite value).</summary>
    public static int LargestMagnitude(IReadOnlyList<double> values)
    {
        var at = 0;
        for (var i = 0; i < values.Count; i++)
        {
            if (double.IsNaN(values[i])) return i;
            if (Math.Abs(values[i]) > Math.Abs(values[at])) at = i;
        }
        return at;
    }

    /// <summary>
    /// The relative size below which a component of a printed vector is rounding noise: 2⁻⁴², 1024 units
    /// in the last place of the vector's largest magnitude (about 2.3E-13 of it). A component computed
    /// from quantities of the vector's scale (a sum of a few hundred terms, a difference of two such
    /// values) carries an absolute rounding error up to about that many units of the scale, so a value
    /// below it cannot be told from 0 by the computation that produced it: y* = P(x*) of a sine on a
    /// grid gives −2.3E-16 where the sine is 0, next to values of size 0.19.
    /// </summary>
    public static readonly double NoiseRatio = Math.Pow(2, -42);

    /// <summary>
    /// Whether <paramref name="value"/> is 0 up to rounding noise next to a vector whose largest
    /// finite magnitude is <paramref name="scale"/>: |value| ≤ <see cref="NoiseRatio"/> · scale.
    /// A value that is exactly 0, or alone in its vector (its own scale), is never noise.
    /// </summary>
    public static bool IsNoise(double value, double scale) =>
        value != 0 && double.IsFinite(value) && Math.Abs(value) <= NoiseRatio * scale;

    // A computed vector printed for people writes its noise components (IsNoise against the largest
    // finite magnitude of the WHOLE vector, shown or not, capped at the problem's scale when that is
    // positive) as an exact 0, in the vector's format.
    private static Func<double, string> DropNoise(IReadOnlyList<double> values, Func<double, string> each, double problemScale)
    {
        var scale = 0.0;
        foreach (var v in values)
            if (double.IsFinite(v)) scale = Math.Max(scale, Math.Abs(v));
        if (problemScale > 0) scale = Math.Min(scale, problemScale);
        return v => each(IsNoise(v, scale) ? 0.0 : v);
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
