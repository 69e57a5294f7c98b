using System.Collections;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// The exact text of expressions (<see cref="Infix.FormatExact"/>), each printed when it is first read, not
/// when the list is made: a problem built from expressions (<see cref="PhysicsProblem.Trace"/>,
/// <see cref="PhysicsProblem.FromExpressions"/>) holds its text for display and reports, which read a few
/// components (the CLI's header shows three) or, for a JSON report or a problem file, all of them. Printed
/// eagerly, heat1d's 10⁵ components took over a second of its build and 1.6 GB of strings nobody asked for.
/// An element reads the same text whenever and however often it is read (the expressions are immutable);
/// a race prints an element twice, to the same string.
/// </summary>
internal sealed class PrintedExpressions : IReadOnlyList<string>
{
    private readonly Expr[] _expressions;
    private readonly string?[] _text;

    /// <param name="expressions">The expressions, in order; kept, not copied (the caller gives up the array).</param>
    public PrintedExpressions(Expr[] expressions)
    {
        _expressions = expressions;
        _text = new string?[expressions.Length];
    }

    /// <summary>The number of expressions.</summary>
    public int Count => _expressions.Length;

    /// <summary>The exact text of expression <paramref name="index"/>, printed on its first read.</summary>
    /// <exception cref="IndexOutOfRangeException">An index outside [0, Count).</exception>
    public string this[int index] => _text[index] ??= Infix.FormatExact(_expressions[index]);

    /// <summary>How many elements have been printed so far (for tests of what a build prints).</summary>
    internal int PrintedCount => _text.Count(t => t is not null);

    /// <inheritdoc/>
    public IEnumerator<string> GetEnumerator()
    {
        for (var i = 0; i < _expressions.Length; i++) yield return this[i];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
