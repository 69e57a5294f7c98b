using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>The gradient (and optionally the Hessian) of a scalar function, symbolic and evaluated.</summary>
/// <param name="Variables">The variables differentiated by, in order.</param>
/// <param name="Function">The function, after automatic simplification.</param>
/// <param name="Gradient">∂f/∂xᵢ for each variable.</param>
/// <param name="Hessian">∂²f/∂xᵢ∂xⱼ, when order 2 was asked for.</param>
/// <param name="Point">The point of evaluation, when one was given.</param>
/// <param name="Value">f at the point.</param>
/// <param name="GradientAt">The gradient at the point.</param>
/// <param name="HessianAt">The Hessian at the point, when order 2 was asked for.</param>
/// <param name="Undefined">The values that are undefined at the point (NaN in <see cref="Value"/>,
/// <see cref="GradientAt"/>, <see cref="HessianAt"/>) with the reason for each; empty when all are defined.</param>
/// <param name="Notes">
/// One line for each evaluated derivative entry whose formula is not finite at the point: how its value
/// was obtained instead (a limit of difference quotients), or that there is no finite derivative there.
/// Empty when every entry is its formula's value, and when no point was given.
/// </param>
public sealed record DerivativeReport(
    IReadOnlyList<string> Variables,
    Expression Function,
    IReadOnlyList<Expression> Gradient,
    Expression[,]? Hessian,
    IReadOnlyList<double>? Point,
    double? Value,
    IReadOnlyList<double>? GradientAt,
    double[,]? HessianAt,
    IReadOnlyList<PointNote>? Notes = null,
    IReadOnlyList<UndefinedValue>? Undefined = null)
{
    /// <summary>Why the entry (<c>f</c>, <c>df/dx0</c>, <c>d2f/dx0dx1</c>, upper triangle) is undefined at the point, or null when it is defined.</summary>
    public string? UndefinedBecause(string entry) => Undefined?.FirstOrDefault(u => u.Entry == entry)?.Because;

    /// <summary><c>f(x0, x1) = …, gradient [...]</c>, and at a point its value and gradient in the short
    /// vector form; the Hessian by its shape (its entries are in <see cref="Hessian"/>).</summary>
    public override string ToString()
    {
        var text = $"f({ResultText.Names(Variables, "variable")}) = {Function}, gradient {ResultText.Items(Gradient, g => g.ToString(), "entry")}";
        if (Hessian is not null) text += $", Hessian {Variables.Count}×{Variables.Count}";
        if (Point is not null)
            text += $"; at x = {ResultText.Vector(Point)}: f = {(Value is { } v ? NumberText.Short(v) : "?")}" +
                (GradientAt is not null ? $", gradient {ResultText.Vector(GradientAt)}" : "") +
                (Notes is { Count: > 0 } ? $", {NumberText.Count(Notes.Count, "note")}" : "");
        return text;
    }

    /// <summary>
    /// The gradient's structural nonzeros: the indices (from 0) of the entries whose expression is not the
    /// exact 0, in order. Every other entry is 0 everywhere.
    /// </summary>
    public IReadOnlyList<int> GradientNonZeros => [.. Enumerable.Range(0, Gradient.Count).Where(i => !ExprModule.isZero(Gradient[i].Core))];

    /// <summary>
    /// The Hessian's structural nonzeros in coordinate form, row by row (both triangles): the entries
    /// whose expression is not the exact 0. Null without a Hessian.
    /// </summary>
    public IReadOnlyList<SymbolicEntry>? HessianNonZeros => Hessian is { } h ? PointDerivatives.NonZeros(h) : null;

    /// <summary>
    /// The Hessian at the point in coordinate form, at <see cref="HessianNonZeros"/>' places (an entry
    /// there may still be 0 at the point; every other entry is 0 everywhere). Null without a Hessian or a point.
    /// </summary>
    public IReadOnlyList<MatrixEntry>? HessianAtNonZeros =>
        HessianNonZeros is { } entries && HessianAt is { } at
            ? entries.Select(e => new MatrixEntry(e.Row, e.Column, at[e.Row, e.Column])).ToArray()
            : null;
}

/// <summary>
/// A value that is undefined at the point (NaN in the numeric results), and why: a failing domain
/// condition such as <c>x0 ≠ 0 for 1/x0</c>, or what settling the entry found (no finite derivative).
/// </summary>
/// <param name="Entry"><c>f</c>, <c>df/dx</c> or <c>d2f/dxdy</c> (the Hessian's upper triangle).</param>
/// <param name="Because">The reason, in words.</param>
public sealed record UndefinedValue(string Entry, string Because)
{
    /// <summary>The entry and the reason on one line.</summary>
    public override string ToString() => $"{Entry}: {Because}";

    /// <summary>The reason of an entry computed from <paramref name="name"/>, which is undefined <paramref name="because"/>:
    /// <c>y0 is undefined here: x0 ≠ 0 for 1/x0</c>. After a colon, not in parentheses: a reason with a
    /// parenthesis of its own (<c>x0 ≥ 0 for sqrt(x0)</c>) would otherwise end in "))".</summary>
    internal static string Inherited(string name, string because) => $"{name} is undefined here: {because}";
}

/// <summary>One entry of a sparse matrix in coordinate form: row, column (both from 0) and value.</summary>
public readonly record struct MatrixEntry(int Row, int Column, double Value);

/// <summary>One structural nonzero of a symbolic matrix: row, column (both from 0) and its expression.</summary>
public sealed record SymbolicEntry(int Row, int Column, Expression Entry);

/// <summary>How one evaluated derivative entry whose formula is not finite at the point was settled.</summary>
/// <param name="Entry">The entry, e.g. <c>df/dx</c> or <c>d2f/dxdy</c>.</param>
/// <param name="Source">A limit, a one-sided limit, no finite derivative, or undecided.</param>
/// <param name="Message">What was found, in words.</param>
/// <param name="Convention">The formula's finite value at the point rests only on the convention
/// sign(0) = 0 (abs or sign of an argument exactly 0: a kink or a jump, where that value is one
/// subgradient, not a derivative); the entry was settled as a limit instead.</param>
public sealed record PointNote(string Entry, PointValueSource Source, string Message, bool Convention = false)
{
    /// <summary>The entry and the message on one line.</summary>
    public override string ToString() => $"{Entry}: {Message}";
}

/// <summary>Derivatives of scalar functions given as text.</summary>
public static class Derivatives
{
    /// <summary>The most variables whose Hessian <see cref="Compute"/> forms densely (10⁶ entries); above it only
    /// with <c>sparse</c> (the CLI's <c>--sparse</c>).</summary>
    public const int DenseHessianLimit = 1000;

    /// <summary>
    /// Differentiates <paramref name="function"/> once (order 1) or twice (order 2) with respect to
    /// <paramref name="variables"/> (default: the variables written in it, in natural order, including
    /// those that simplification removes, as x in x^0) and, when
    /// <paramref name="at"/> is given, evaluates everything there.
    /// </summary>
    /// <remarks>
    /// Values are computed from the stable forms of the expressions (sums of two exponentials are
    /// factored so that no intermediate overflows: softplus, logistic, log-sum-exp). Where a derivative's
    /// formula is not finite at the point (0·∞ or 0/0 where the function is differentiable, such as
    /// ∂²/∂x² of (x²+y²)^(3/2) at the origin), the entry is the limit of the difference quotients of
    /// the next lower derivative along its variable (method and tolerance: RELIABILITY.md, "Special
    /// points"), and <see cref="DerivativeReport.Notes"/> says so; where there is no finite derivative
    /// the note says why. A value that is undefined at the point is NaN, with its reason in
    /// <see cref="DerivativeReport.Undefined"/>: f where one of its domain conditions fails (x0 ≠ 0 for
    /// 1/x0, x0 &gt; 0 for log(x0); see <see cref="Domain"/>), and then every derivative too; a derivative
    /// with no finite value after settling, by its formula's failing condition and what settling found.
    /// Zeros are +0.
    /// </remarks>
    /// <exception cref="SymbolicException">Bad input: the message says what and where (worded with <see cref="ParameterMessages"/>
    /// where its remedy names <paramref name="variables"/>, <paramref name="at"/>, <paramref name="order"/> or
    /// <paramref name="sparse"/>); also a dense Hessian
    /// (order 2 without <paramref name="sparse"/>) of more than <see cref="DenseHessianLimit"/> variables, refused
    /// before it is formed, with its size and the options that avoid it.</exception>
    /// <param name="function">The function as text (the expression grammar of <see cref="Expression.Parse"/>).</param>
    /// <param name="variables">The variables to differentiate by, in order; null for those written in it.</param>
    /// <param name="order">1 for the gradient, 2 for the gradient and the Hessian.</param>
    /// <param name="at">The point (one value per variable, in order) at which to evaluate; null for formulas only.</param>
    /// <param name="sparse">Whether the caller reads the Hessian's structural nonzeros only (coordinate form), so
    /// that a Hessian larger than <see cref="DenseHessianLimit"/> variables is allowed.</param>
    public static DerivativeReport Compute(
        string function, IReadOnlyList<string>? variables = null, int order = 1, IReadOnlyList<double>? at = null, bool sparse = false)
    {
        if (order is not (1 or 2))
            throw new SymbolicException(ErrorKind.Invalid, $"The order must be 1 or 2, not {order}.");
        Expression f;
        try
        {
            f = Expression.Wrap(Symbolic.Parse.Single("a function is one scalar expression", function));
        }
        catch (ParseException e) when (e.Message.Contains(Advice.LargeConstantAsParameter, StringComparison.Ordinal))
        {
            // A function has no parameters: constants beyond doubles are said so, without advice to give one.
            throw new ParseException(e.Kind, e.Message.Replace(Advice.LargeConstantAsParameter, "", StringComparison.Ordinal), e.Line, e.Column);
        }
        // The variables as written: x^0 simplifies to 1, yet a point for it has a value for x, and
        // d(x^0)/dx = 0 is the right answer there rather than a refusal.
        NameRules.Require(variables, nameof(variables));
        var names = variables ?? Parse.WrittenNames(function);
        if (Problem.ListedTwice([.. names]) is { } twice)
            throw new SymbolicException(ErrorKind.Variable, twice.Value);
        var symbols = Expression.Symbols(names);
        // A function has no parameters: a name it uses that is not listed is a variable left out of the list.
        // Every such name at once; one that is a listed variable in another case (X0 for x0) is that variable mistyped.
        if (variables is not null && Parse.WrittenNames(function).Where(n => !names.Contains(n)).ToArray() is { Length: > 0 } unlisted)
        {
            // In the order written, each at its column, as the CLI's --simulator names its undeclared names.
            var missing = unlisted.OrderBy(m => ExpressionText.NameColumn(function, m) ?? int.MaxValue).ToArray();
            var cased = missing.Select(m => (m, v: names.FirstOrDefault(v => string.Equals(v, m, StringComparison.OrdinalIgnoreCase)))).Where(t => t.v is not null).ToArray();
            var rest = missing.Where(m => cased.All(c => c.m != m)).ToArray();
            var list = string.Join(", ", missing.Select(m => $"'{m}'" + (ExpressionText.NameColumn(function, m) is { } c ? $" (column {c})" : "")));
            throw ParameterMessages.Error(ErrorKind.Variable, [nameof(variables)], name =>
                $"The function uses {list}, {(missing.Length == 1 ? "which is" : "which are")} not among the variables ({(names.Count == 0 ? "none" : string.Join(", ", names))})" +
                string.Concat(cased.Select(c => $"; names are case-sensitive: for '{c.m}' write {c.v}")) +
                (rest.Length == 0 ? "." : $"; a function has no parameters, so add {(rest.Length == 1 ? "it" : "them")} to the variables ({name(nameof(variables), [.. names.Concat(rest)])}), or leave the variables out to take every name it uses."));
        }
        // n² entries, nearly all 0 for a sum of many terms: refused before the n×n matrix is formed (3000 variables
        // are 9·10⁶ entries), and the way to the same derivatives named.
        if (order == 2 && !sparse && names.Count > DenseHessianLimit)
            throw ParameterMessages.Error(ErrorKind.Invalid, [nameof(order), nameof(sparse)], name =>
                $"Order 2 would give a dense {names.Count}×{names.Count} Hessian ({(long)names.Count * names.Count:N0} entries, {8.0 * names.Count * names.Count / 1e6:F0} MB as doubles alone) "
                + $"for {NumberText.Count(names.Count, "variable")}, more than the {DenseHessianLimit} a dense one is formed for: give {name(nameof(sparse), ["true"])} for its structural nonzeros in "
                + $"coordinate form (row, column, entry), or {name(nameof(order), ["1"])} for the gradient only.");
        var gradient = Calculus.Gradient(symbols, f.Core);
        var hessian = order == 2 ? Calculus.HessianOfGradient(symbols, gradient) : null;

        double? value = null;
        double[]? gradientAt = null;
        double[,]? hessianAt = null;
        var notes = new List<PointNote>();
        var undefined = new List<UndefinedValue>();
        if (at is not null)
        {
            if (variables is null && names.Count == 0 && at.Count > 0)
                throw ParameterMessages.Error(
                    ErrorKind.Variable, [nameof(variables)], name =>
                    $"The function simplifies to the constant {f.ToInfix()} and has no variables, so the {NumberText.Count(at.Count, "value")} of the point "
                    + $"belong to none; name the variables they are for ({name(nameof(variables), null)}): every derivative of a constant is 0.");
            if (at.Count != names.Count)
                throw ParameterMessages.Error(
                    ErrorKind.Shape, [nameof(at)], name =>
                    $"The point ({name(nameof(at), null)}) has {NumberText.Count(at.Count, "value")} but there {(names.Count == 1 ? "is" : "are")} {NumberText.Count(names.Count, "variable")} ({string.Join(", ", names)}): " +
                    $"give one value per variable, in that order, e.g. {string.Join(",", names.Select((_, i) => i + 1))}.");
            // NaN or ±∞ in the point: refused naming the component, as the CLI refuses --at nan.
            var point = PointArguments.Require(at, names, nameof(at));
            var settled = new PointDerivatives(names.ToArray(), f.Core, gradient, hessian).At(point);
            value = settled.Value;
            gradientAt = settled.Gradient;
            hessianAt = settled.Hessian;
            notes = settled.Notes;
            undefined = settled.Undefined;
        }

        return new DerivativeReport(
            names.ToArray(),
            f,
            Array.ConvertAll(gradient, Expression.Wrap),
            hessian is null ? null : Expression.WrapMatrix(hessian),
            at?.ToArray(),
            value,
            gradientAt,
            hessianAt,
            notes,
            undefined);
    }
}
