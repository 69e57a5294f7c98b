using System.Collections.ObjectModel;
using PhysGrad.Symbolic;
using Core = PhysGrad.Symbolic.Expr;

namespace PhysGrad;

/// <summary>
/// An exact symbolic expression. Instances are immutable and interned: two expressions that are
/// structurally equal are the same object, so <see cref="Equals(object?)"/> is O(1).
/// Errors are reported as <see cref="SymbolicException"/> (with an <see cref="ErrorKind"/>), or
/// <see cref="ParseException"/> with the line and column for text input.
/// </summary>
public sealed class Expression : IEquatable<Expression>
{
    private Expression(Core core) => Core = core;

    /// <summary>The underlying F# node, for code that uses PhysGrad.Symbolic directly.</summary>
    public Core Core { get; }

    internal static Expression Wrap(Core core) => new(core);

    /// <summary>The same expression, printed (<see cref="ToInfix"/>, <see cref="ToLatex"/>,
    /// <see cref="ToCSharp"/>) with the factors of the symbol <paramref name="leading"/> first in each product, after
    /// the coefficient: a rule's step size, <c>-eta*2*a</c> rather than <c>-2*a*eta</c>.</summary>
    internal static Expression Wrap(Core core, string? leading) => new(core) { Leading = leading };

    /// <summary>The same expression, printed as <see cref="Wrap(Core, string?)"/> does and with its exact fractions
    /// written over the decimals <paramref name="decimals"/> the user wrote where that is short
    /// (<see cref="Layout.withDecimals"/>: <c>eta*ys0/9.81</c>, not <c>100*eta*ys0/981</c>).
    /// The decimal exponents the user wrote, <paramref name="exponents"/> (<see cref="ExactConstants.ExponentDecimals"/>),
    /// keep the exponents of their kind decimals (<see cref="Layout.withWrittenExponents"/>: <c>x0^1.5</c> in the rule of
    /// <c>x0^2.5</c>, not <c>x0^(3/2)</c>).</summary>
    internal static Expression Wrap(Core core, string? leading, Rational[] decimals, Rational[]? exponents = null) =>
        new(core) { Leading = leading, Decimals = decimals, Exponents = exponents ?? [] };

    // The symbol printed first in products (a rule's step size), or null for the canonical order.
    private string? Leading { get; init; }

    /// <summary>The decimals the user wrote, over which the printers write this expression's fractions (empty: none).</summary>
    internal Rational[] Decimals { get; private init; } = [];

    /// <summary>The decimal exponents the user wrote (empty: none), whose kind the printers keep decimal.</summary>
    internal Rational[] Exponents { get; private init; } = [];

    private T Printed<T>(Func<T> print)
    {
        Func<T> exponents = Exponents.Length == 0 ? print : () => Layout.withWrittenExponents(Exponents, FSharpFunc(print));
        Func<T> over = Decimals.Length == 0 ? exponents : () => Layout.withDecimals(Decimals, FSharpFunc(exponents));
        return Leading is null ? over() : Layout.withLeading(Leading, FSharpFunc(over));
    }

    private static Microsoft.FSharp.Core.FSharpFunc<Microsoft.FSharp.Core.Unit, T> FSharpFunc<T>(Func<T> f) =>
        Microsoft.FSharp.Core.FuncConvert.FromFunc(f);

    /// <summary>Parses one expression, e.g. <c>"x0^2 + sin(x1)"</c>.</summary>
    /// <exception cref="Symbolic.ParseException">Text that does not parse, with its line and column; a ';' in it
    /// (one expression is asked for); a constant part without a real value at any point (<c>log(0)</c>, <c>sqrt(-1)</c>,
    /// <c>asin(2)</c>), <see cref="ErrorKind.Invalid"/>.</exception>
    public static Expression Parse(string text) => Wrap(Symbolic.Parse.Single("an expression is one formula", text));

    /// <summary>Parses several expressions separated by ';'.</summary>
    /// <exception cref="Symbolic.ParseException">As <see cref="Parse"/>, but for the ';'.</exception>
    public static IReadOnlyList<Expression> ParseMany(string text) =>
        Array.ConvertAll(Symbolic.Parse.ManyDefined(text), Wrap);

    /// <summary>
    /// The names the text uses as written (not pi and e), also those simplification removes (x0 in <c>x0 - x0</c>),
    /// in natural order, e.g. for saying that an expression which uses x0 does not depend on it.
    /// </summary>
    /// <exception cref="Symbolic.ParseException">Text that does not parse.</exception>
    public static IReadOnlyList<string> WrittenNames(string text) => Symbolic.Parse.WrittenNames(text);

    /// <summary>A variable.</summary>
    /// <exception cref="SymbolicException">ErrorKind.Variable: a name the parser would not read (π, θ1, 1b), with the ASCII to write (<see cref="NameRules.Problem"/>).</exception>
    public static Expression Symbol(string name) => Wrap(ExprModule.Symbol(NameRules.Require(name, "Expression.Symbol")));

    /// <summary>A floating-point constant.</summary>
    public static Expression Constant(double value) => Wrap(ExprModule.Real(value));

    /// <summary>An exact integer constant.</summary>
    public static Expression Integer(int value) => Wrap(ExprModule.Int(value));

    /// <summary>The names of the variables the expression depends on, in natural order (x2 before x10).</summary>
    public IReadOnlyList<string> Variables => PrintedList.Short(Structure.FreeSymbolNames(new[] { Core }), "variable");

    /// <summary>∂/∂<paramref name="variable"/>.</summary>
    public Expression Differentiate(string variable) =>
        Wrap(Calculus.Differentiate(ExprModule.Symbol(NameRules.Require(variable, "variable")), Core));

    /// <summary>The gradient with respect to the given variables (default: <see cref="Variables"/>).</summary>
    public IReadOnlyList<Expression> Gradient(IReadOnlyList<string>? variables = null) =>
        Array.ConvertAll(Calculus.Gradient(Symbols(Named(variables) ?? Variables), Core), Wrap);

    /// <summary>The Hessian with respect to the given variables (default: <see cref="Variables"/>).</summary>
    public Expression[,] Hessian(IReadOnlyList<string>? variables = null) =>
        WrapMatrix(Calculus.Hessian(Symbols(Named(variables) ?? Variables), Core));

    // The variables a caller gave, refused when one is not a valid name (as the parser would not read it).
    private static IReadOnlyList<string>? Named(IReadOnlyList<string>? variables)
    {
        NameRules.Require(variables, nameof(variables));
        return variables;
    }

    /// <summary>The value at a point: <paramref name="variables"/>[i] = <paramref name="point"/>[i].</summary>
    public double Evaluate(IReadOnlyList<string> variables, IReadOnlyList<double> point) =>
        Symbolic.Evaluate.At(variables.ToArray(), point.ToArray(), Core);

    /// <summary>The value with variables looked up by name.</summary>
    public double Evaluate(IReadOnlyDictionary<string, double> values) =>
        Evaluate(values.Keys.ToArray(), values.Values.ToArray());

    /// <summary>Substitutes expressions for variables.</summary>
    public Expression Substitute(IReadOnlyDictionary<string, Expression> replacements)
    {
        var map = new Dictionary<Core, Core>();
        foreach (var (name, value) in replacements)
            map[ExprModule.Symbol(name)] = value.Core;
        return Wrap(Structure.Substitute(new ReadOnlyDictionary<Core, Core>(map), Core));
    }

    /// <summary>The heavier, budgeted simplification (expansion, Pythagorean identities).</summary>
    public Expression Simplify(int budget = Symbolic.Simplify.DefaultBudget) =>
        Wrap(Symbolic.Simplify.Simplify(budget, Core));

    /// <summary>The number of distinct nodes (shared subexpressions counted once).</summary>
    public int GraphSize => Structure.GraphSize(new[] { Core });

    /// <summary>The number of nodes written out as a tree (saturating).</summary>
    public long TreeSize => Structure.TreeSize(Core);

    /// <summary>Infix text that <see cref="Parse"/> reads back to an expression of the same value; equal in form, except
    /// for a step of a derived rule (<see cref="UpdateRule.Steps"/>), which prints as derive's text line does, the step size
    /// taken out of every term (<c>eta*(5*g/v1 - v0/2)</c>, not <c>5*eta*g/v1 - eta*v0/2</c>) and, where derive names
    /// repeated subexpressions, with them written in.</summary>
    public string ToInfix() => _printedForm is { } form ? form().ToInfix() : Printed(() => Infix.Format(Core));

    /// <summary>LaTeX (math mode); a step of a derived rule as derive's LaTeX writes it (<see cref="ToInfix"/>).</summary>
    public string ToLatex() => _printedForm is { } form ? form().ToLatex() : Printed(() => LaTeX.Format(Core));

    // The expression the text printers write instead of this one, of the same value (a rule's step as derive prints
    // it: PrintedAs), or null to print Core.
    private Func<Expression>? _printedForm;

    /// <summary>This expression (the same <see cref="Core"/>, equal to it), printed by <see cref="ToInfix"/> and
    /// <see cref="ToLatex"/> as <paramref name="form"/> is, an expression of the same value formed when first printed.</summary>
    internal Expression PrintedAs(Func<Expression> form) =>
        new(Core) { Leading = Leading, Decimals = Decimals, Exponents = Exponents, _printedForm = form };

    /// <summary>The LaTeX of a symbol's name alone (<c>x0</c> → <c>x_{0}</c>), as <see cref="ToLatex"/> writes it.</summary>
    public static string LatexName(string name) => LaTeX.symbolName(name);

    /// <summary>The natural order of names that <see cref="Variables"/> uses (x2 before x10).</summary>
    public static IComparer<string> NameOrder { get; } =
        Comparer<string>.Create((a, b) => Order.naturalCompare(a, b));

    /// <summary>A C# expression of type double that reads as the expression does (the same operations in
    /// the same order as <see cref="ToInfix"/>); <paramref name="name"/> maps variable names (e.g. x0 → x[0]).
    /// A sum of exponentials in it can overflow inside where the value is finite (exp(u)/(1 + exp(u)) is
    /// NaN at u = 800): <see cref="ToCSharpStable"/> writes the form that cannot.</summary>
    public string ToCSharp(Func<string, string>? name = null) =>
        Printed(() => CSharp.Format(name ?? (s => s), Core));

    /// <summary>A C# expression of type double for the expression's stable form, the form PhysGrad's own
    /// evaluators compute: the same value, with exp(m), m = max(a, b), factored out of each sum
    /// exp(a) + exp(b) so that no intermediate overflows. Longer than <see cref="ToCSharp"/>.</summary>
    /// <param name="name">Maps variable names (e.g. x0 → x[0]).</param>
    /// <param name="callingHelpers">Write sign, log1p and expm1 as calls to the helpers of
    /// <see cref="CSharpHelpers"/> (as <see cref="ToCSharpCallingHelpers"/>) instead of inline lambdas.</param>
    public string ToCSharpStable(Func<string, string>? name = null, bool callingHelpers = false) =>
        Printed(() => callingHelpers
            ? CSharp.FormatStable(name ?? (s => s), Stable.Rewrite(Core))
            : CSharp.FormatRewritten(name ?? (s => s), Core));

    /// <summary>
    /// Why the stable form (<see cref="ToCSharpStable"/>) is worth having for this expression: a phrase
    /// naming a probe point of <paramref name="state"/> where it computes a finite value and the
    /// expression as written (<see cref="ToCSharp"/>) does not, or differs by more than 10⁻⁶ relative
    /// (<c>at x = 800 (other symbols 1) as written NaN, stable 1</c>); null where no probe shows a
    /// difference (then the two texts compute the same values, and the written one reads better).
    /// </summary>
    /// <param name="state">The names probed at large magnitudes; every other symbol is 1.</param>
    public string? StableFormDifference(IReadOnlyList<string> state) =>
        Symbolic.Evaluate.StableFormMatters([.. state], [Core]) is { } d
            ? $"at {string.Join(", ", d.Value.Point.Select(p => $"{p.Item1} = {NumberText.Short(p.Item2, 6)}"))} (other symbols 1) as written {NumberText.Short(d.Value.Written, 6)}, stable {NumberText.Short(d.Value.Stable, 6)}"
            : null;

    /// <summary>
    /// A C# expression of type double for a line of a program: as <see cref="ToCSharp"/>, but
    /// <c>sign</c>, <c>log1p</c> and <c>expm1</c> are calls <c>Sign(…)</c>, <c>Log1p(…)</c>, <c>Expm1(…)</c>
    /// to helpers that <see cref="CSharpHelpers"/> defines, for the program to include once.
    /// </summary>
    public string ToCSharpCallingHelpers(Func<string, string>? name = null) =>
        Printed(() => CSharp.FormatCalling(name ?? (s => s), Core));

    /// <summary>
    /// The definitions of the helpers (<c>static double Sign(double t) => …;</c>) that C# text from
    /// <see cref="ToCSharpCallingHelpers"/> uses, one entry per helper, none when it uses none; each is valid as
    /// a class member and as a local function, and is one line or several joined by <c>'\n'</c> (a method
    /// body in braces, every line at most 90 characters), to be indented as the code around it.
    /// </summary>
    /// <param name="code">The generated text (all of it, so each helper is listed once).</param>
    public static IReadOnlyList<string> CSharpHelpers(string code) => [.. CSharp.Helpers(code)];

    /// <summary>
    /// C# identifiers for symbol names, none equal to another, to any of <paramref name="taken"/> (names
    /// the caller declares itself, such as outputs) or to a name the generated text uses (Math, Sign, …):
    /// a keyword becomes @keyword, a clashing name gets '_' appended. Pass the map to <see cref="ToCSharpCallingHelpers"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string> CSharpIdentifiers(IEnumerable<string> names, IEnumerable<string> taken) =>
        CSharp.Identifiers(names, taken);

    /// <summary>A comment line naming each symbol of <paramref name="identifiers"/> written under another name, empty when none is.</summary>
    public static string CSharpRenamedNote(IReadOnlyDictionary<string, string> identifiers) => RulePrinter.RenamedNote(identifiers);

    /// <summary>
    /// The C# statement <paramref name="head"/> + <paramref name="body"/> + <paramref name="tail"/> broken
    /// between terms into lines of at most <see cref="RulePrinter.MaxWidth"/> characters, as derive's C# is.
    /// </summary>
    public static string CSharpStatement(string head, string body, string tail) => RulePrinter.Wrap(head, body, tail);

    /// <inheritdoc/>
    public override string ToString() => ToInfix();

    /// <inheritdoc/>
    public bool Equals(Expression? other) => other is not null && ReferenceEquals(Core, other.Core);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Expression e && Equals(e);

    /// <inheritdoc/>
    public override int GetHashCode() => Core.GetHashCode();

#pragma warning disable CS1591 // the operators say what they do
    public static Expression operator +(Expression a, Expression b) => Wrap(ExprModule.Add(a.Core, b.Core));
    public static Expression operator -(Expression a, Expression b) => Wrap(ExprModule.Subtract(a.Core, b.Core));
    public static Expression operator *(Expression a, Expression b) => Wrap(ExprModule.Multiply(a.Core, b.Core));
    public static Expression operator /(Expression a, Expression b) => Wrap(ExprModule.Divide(a.Core, b.Core));
    public static Expression operator -(Expression a) => Wrap(ExprModule.Negate(a.Core));
    public static implicit operator Expression(double value) => Constant(value);
    public static bool operator ==(Expression? a, Expression? b) => a is null ? b is null : a.Equals(b);
    public static bool operator !=(Expression? a, Expression? b) => !(a == b);
#pragma warning restore CS1591

    /// <summary>a^b.</summary>
    public static Expression Pow(Expression a, Expression b) => Wrap(ExprModule.Power(a.Core, b.Core));

    internal static Core[] Symbols(IReadOnlyList<string> names) => names.Select(ExprModule.Symbol).ToArray();

    internal static Expression[,] WrapMatrix(Core[,] m)
    {
        var r = new Expression[m.GetLength(0), m.GetLength(1)];
        for (var i = 0; i < m.GetLength(0); i++)
            for (var j = 0; j < m.GetLength(1); j++)
                r[i, j] = Wrap(m[i, j]);
        return r;
    }
}
