using System.Text;

namespace PhysGrad.Cli;

/// <summary>
/// The console text of <c>compare</c>, <c>check</c>, <c>derive</c> (infix) and <c>units</c> in lines of at most
/// <see cref="RulePrinter.MaxWidth"/> (100) characters. Each command shortens what it can (long vectors as
/// <c>[0.1, 0.2, …, 0.9] (100 values)</c>, tables that fit, <see cref="TextTable"/>); this writer wraps any
/// line still longer, filling each line with the words that fit (<see cref="ResultText.Paragraph(string, int)"/>: a
/// vector kept whole, an operator with the word after it), so that no message, note or path list runs off a 100-column terminal
/// whatever its length. Continuation lines keep the line's own indentation plus two spaces. A piece with no
/// break in it (one path, one identifier, one product without spaces longer than the line) stays whole:
/// cutting inside a token would change what a reader copies.
/// </summary>
/// <remarks>Not for machine formats (JSON, CSV, C#, LaTeX): there a break would change the text's meaning
/// (a wrapped C# comment, a split CSV record), so <see cref="Active"/> is set only for the human-readable ones.
/// Written by hand: a line is only known to be too long when it ends, and no served library wraps a stream.</remarks>
internal sealed class LineWidth(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    /// <summary>Whether lines are wrapped; when false every character passes straight through.</summary>
    public bool Active { get; set; }

    /// <summary>Whether the lines are stderr's messages (<c>physgrad: note: …</c>): their prefix stays on the
    /// first line with the text it introduces (<see cref="WrapMessage"/>).</summary>
    public bool Messages { get; init; }

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (!Active)
        {
            inner.Write(value);
            return;
        }
        if (value == '\n')
        {
            var line = _line.ToString().TrimEnd('\r');
            inner.Write(Messages ? WrapMessage(line) : Wrap(line));
            inner.Write('\n');
            _line.Clear();
        }
        else _line.Append(value);
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        if (!Active && _line.Length == 0)
            inner.Write(value);
        else
            foreach (var c in value) Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Write('\n');
    }

    public override void WriteLine() => Write('\n');

    /// <summary>Writes a line begun but not ended, then flushes the writer underneath.</summary>
    public override void Flush()
    {
        if (_line.Length > 0)
        {
            inner.Write(Messages ? WrapMessage(_line.ToString()) : Wrap(_line.ToString()));
            _line.Clear();
        }
        inner.Flush();
    }

    /// <summary>
    /// A message line of stderr wrapped as <see cref="Wrap"/> does, except that its prefix (<c>physgrad: </c>,
    /// with <c>note: </c> or <c>warning: </c> after it) is no break: "physgrad: note:" alone on a line, the
    /// note under it, read as two messages. The text after the prefix is wrapped in the columns the prefix leaves on
    /// the first line, and in the full width below it.
    /// </summary>
    internal static string WrapMessage(string line)
    {
        if (line.Length <= RulePrinter.MaxWidth || !line.StartsWith(Tool, StringComparison.Ordinal)) return Wrap(line);
        var prefix = Tool + (new[] { "note: ", "warning: " }.FirstOrDefault(p => string.CompareOrdinal(line, Tool.Length, p, 0, p.Length) == 0) ?? "");
        return prefix + ResultText.Paragraph(line[prefix.Length..], RulePrinter.MaxWidth, RulePrinter.MaxWidth - prefix.Length);
    }

    private const string Tool = "physgrad: ";

    /// <summary>
    /// A list of files (<c>Plots: a.png,</c>) one to a line, each after the first indented by two spaces, in the same
    /// layout whatever the paths' lengths: filled to 100 columns, a list of short relative paths was packed several to
    /// a line and the same list under a longer directory one to a line, so what README shows depended on where it ran.
    /// </summary>
    /// <param name="head">What is listed (<c>Plots</c>).</param>
    /// <param name="paths">The files, in order.</param>
    internal static string FileList(string head, IEnumerable<string> paths) => $"{head}: {string.Join(",\n  ", paths)}";

    /// <summary>The line itself when it fits, else its pieces each on a line indented as the line is, plus two spaces.</summary>
    internal static string Wrap(string line)
    {
        if (line.Length <= RulePrinter.MaxWidth) return line;
        var body = line.TrimStart(' ');
        var indent = new string(' ', line.Length - body.Length);
        // An indentation that leaves under 40 columns is not kept: the text would be a narrow column of words.
        if (indent.Length > RulePrinter.MaxWidth - 40) indent = "";
        return string.Join("\n", ResultText.Paragraph(body, RulePrinter.MaxWidth - indent.Length).Split('\n').Select(l => indent + l));
    }
}
