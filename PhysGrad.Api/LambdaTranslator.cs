using System.Linq.Expressions;
using System.Reflection;
using PhysGrad.Symbolic;
using Core = PhysGrad.Symbolic.Expr;
using Linq = System.Linq.Expressions.Expression;

namespace PhysGrad;

/// <summary>
/// A C# lambda read as symbolic expressions: the variables (from its parameters), one expression per
/// component of its result, and the captured values it uses, which become named parameters.
/// </summary>
/// <param name="Variables">The variables: <c>x0, x1, …</c> for a <c>double[] x</c> parameter (as many as
/// the highest index used), or the parameter names for <c>(double a, double b)</c>.</param>
/// <param name="Components">The result: one expression per array element, or one for a scalar lambda.</param>
/// <param name="Parameters">Captured variables and fields, by name, with the value they had when the
/// lambda was translated (an element of a captured array is named like <c>w0</c>).</param>
public sealed record TranslatedLambda(
    IReadOnlyList<string> Variables, IReadOnlyList<Expression> Components, IReadOnlyDictionary<string, double> Parameters)
{
    /// <summary><c>P(x, v) = [v, -9.81], parameters g = 9.81</c>, lists in their short form.</summary>
    public override string ToString() =>
        $"P({ResultText.Names(Variables, "variable")}) = {ResultText.Items(Components, c => c.ToString(), "component")}" +
        (Parameters.Count > 0 ? ", parameters " + string.Join(", ", Parameters.Select(p => $"{p.Key} = {NumberText.Short(p.Value)}")) : "");

    /// <summary>The components with each parameter replaced by its value.</summary>
    public IReadOnlyList<Expression> WithParameterValues()
    {
        var values = Parameters.ToDictionary(kv => ExprModule.Symbol(kv.Key), kv => ExprModule.Real(kv.Value));
        return Components.Select(c => Expression.Wrap(Structure.Substitute(values, c.Core))).ToArray();
    }
}

/// <summary>
/// Translates C# expression-tree lambdas into symbolic expressions: arithmetic, <c>Math.*</c> functions
/// (Sin, Cos, Tan, Asin, Acos, Atan, Atan2, Sinh, Cosh, Tanh, Exp, Log, Log10, Log2, Sqrt, Cbrt, Pow, Abs,
/// Sign), <c>Math.PI</c> and <c>Math.E</c>, constants, and captured variables as named parameters.
/// Anything else (a call to another method, a conditional, a loop) is a <see cref="SymbolicException"/>
/// naming the construct. Written by hand: the expression tree visitor is specific to this engine.
/// </summary>
public static partial class LambdaTranslator
{
    /// <summary>
    /// The <c>Math</c> methods a lambda may call (every overload taking doubles), in the order the error
    /// for any other call lists them; the README's list is checked against this one.
    /// </summary>
    public static IReadOnlyList<string> UnderstoodFunctions { get; } =
        ["Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Atan2", "Sinh", "Cosh", "Tanh", "Exp", "Log", "Log10", "Log2", "Sqrt", "Cbrt", "Pow", "Abs", "Sign"];

    // What a lambda may hold, for the messages that refuse anything else.
    private static string Allowed =>
        $"A lambda may use + - * / on doubles, the Math functions {string.Join(", ", UnderstoodFunctions)}, Math.PI and Math.E, " +
        "number constants, captured numbers (and elements of captured arrays of numbers, with a constant index), and its parameters (an array indexed by constants).";

    // An expression as written, without the compiler's closure classes: value(Program+<>c__DisplayClass0_1).sq reads sq.
    [System.Text.RegularExpressions.GeneratedRegex(@"value\([^()]*\)\.")]
    private static partial System.Text.RegularExpressions.Regex ClosureValue();

    // A local function as the compiler names it: <Main>g__sq|0_0 for sq declared in Main.
    [System.Text.RegularExpressions.GeneratedRegex(@"^<[^>]*>g__([^|]+)\|")]
    private static partial System.Text.RegularExpressions.Regex LocalFunctionName();

    // The object an instance method is called on, when the lambda calls it on the object it is written in (Energy(x)
    // or this.Energy(x) in a method of Sim): the tree holds that object as a constant, which prints as value(Ns.Sim).
    // Read before the closures' prefixes are dropped, so that a call named value(…) is never taken for it.
    [System.Text.RegularExpressions.GeneratedRegex(@"(?<![\w.])value\([^()]*\)(?!\.)")]
    private static partial System.Text.RegularExpressions.Regex EnclosingObject();

    private static string Written(Linq e) => ClosureValue().Replace(EnclosingObject().Replace(e.ToString(), "this"), "");

    /// <summary>Translates a lambda such as <c>x =&gt; new[] { x[0], x[1] * x[1] }</c>.</summary>
    public static TranslatedLambda Translate(Expression<Func<double[], double[]>> lambda) => TranslateAny(lambda);

    /// <summary>Translates a scalar lambda of an array, such as a loss <c>y =&gt; y[0] * y[0] + y[1] * y[1]</c>.</summary>
    public static TranslatedLambda Translate(Expression<Func<double[], double>> lambda) => TranslateAny(lambda);

    /// <summary>Translates <c>x =&gt; …</c> with one named variable.</summary>
    public static TranslatedLambda Translate(Expression<Func<double, double>> lambda) => TranslateAny(lambda);

    /// <summary>Translates <c>x =&gt; new[] { … }</c> with one named variable.</summary>
    public static TranslatedLambda Translate(Expression<Func<double, double[]>> lambda) => TranslateAny(lambda);

    /// <summary>Translates <c>(a, b) =&gt; new[] { … }</c>.</summary>
    public static TranslatedLambda Translate(Expression<Func<double, double, double[]>> lambda) => TranslateAny(lambda);

    /// <summary>Translates <c>(a, b) =&gt; …</c>.</summary>
    public static TranslatedLambda Translate(Expression<Func<double, double, double>> lambda) => TranslateAny(lambda);

    /// <summary>Translates <c>(a, b, c) =&gt; new[] { … }</c>.</summary>
    public static TranslatedLambda Translate(Expression<Func<double, double, double, double[]>> lambda) => TranslateAny(lambda);

    /// <summary>
    /// Translates a local inverse <c>(y, x) =&gt; new[] { y[0], Math.Sqrt(y[1]) * Math.Sign(x[1]) }</c>: the
    /// outputs and the current point (for choosing a branch); elements are named <c>y0</c>, <c>x1</c>, … after
    /// the parameters.
    /// </summary>
    public static TranslatedLambda Translate(Expression<Func<double[], double[], double[]>> lambda) => TranslateAny(lambda);

    /// <summary>Translates <c>(a, b, c, d) =&gt; new[] { … }</c>.</summary>
    public static TranslatedLambda Translate(Expression<Func<double, double, double, double, double[]>> lambda) => TranslateAny(lambda);

    /// <summary>
    /// Translates any lambda whose parameters are either one <c>double[]</c> or several <c>double</c>s and
    /// whose result is a <c>double</c> or a <c>double[]</c> built with <c>new[] { … }</c>.
    /// </summary>
    /// <exception cref="SymbolicException">An unsupported construct, named, with where it occurs.</exception>
    public static TranslatedLambda TranslateAny(LambdaExpression lambda)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        return new Visitor(lambda).Run();
    }

    private sealed class Visitor(LambdaExpression lambda)
    {
        private readonly Dictionary<string, double> _parameters = new();
        private readonly SortedSet<int> _indices = new();
        private ParameterExpression? _array;
        private readonly HashSet<ParameterExpression> _arrays = new();
        private int _depth;

        // Expression trees from C# source cannot nest this deep before the compiler gives up; the limit
        // guards hand-built trees.
        private const int MaxDepth = 2000;

        public TranslatedLambda Run()
        {
            var ps = lambda.Parameters;
            if (ps.Count == 1 && ps[0].Type == typeof(double[])) _array = ps[0];
            // Several arrays (a local inverse's y and x): elements are named after each array.
            if (ps.Count > 1 && ps.All(p => p.Type == typeof(double[]))) _arrays.UnionWith(ps);
            else if (_array is null && ps.Any(p => p.Type != typeof(double)))
                throw Unsupported($"a parameter of type {ps.First(p => p.Type != typeof(double)).Type.Name}: use one double[], several doubles, or (y, x) arrays for an inverse");
            if (lambda.ReturnType != typeof(double) && lambda.ReturnType != typeof(double[]))
                throw Unsupported($"a result of type {lambda.ReturnType.Name}: return a double or new[] {{ ... }}");

            // Expressions read e and pi as the constants: a parameter with one of those names would
            // otherwise fail deep in the translation with a message about variable names.
            foreach (var p in ps)
                if (p.Name is "e" or "pi")
                    throw new SymbolicException(ErrorKind.Variable,
                        $"The lambda parameter '{p.Name}' has the name of the constant {p.Name} ({(p.Name == "e" ? "Euler's number" : "π")}), which expressions keep for the constant: rename the parameter (e.g. to '{p.Name}1').");

            Core[] components;
            if (lambda.ReturnType == typeof(double[]))
            {
                if (lambda.Body is not NewArrayExpression { NodeType: ExpressionType.NewArrayInit } array)
                    throw Unsupported($"the result {Written(lambda.Body)}: build the array in place, as new[] {{ a, b, ... }}");
                // A simulator's elements are the outputs y0, y1, …; a local inverse's ((y, x) arrays) the variables.
                var role = _arrays.Count > 0 ? "x" : "y";
                components = array.Expressions.Select((element, j) => Element(element, $"{role}{j} (element {j} of the result)")).ToArray();
            }
            else components = [Element(lambda.Body, "the lambda's value")];

            string[] variables = _array is null
                ? ps.Select(p => p.Name ?? throw Unsupported("a parameter without a name")).ToArray()
                : Enumerable.Range(0, _indices.Count == 0 ? 0 : _indices.Max + 1).Select(i => $"{_array.Name}{i}").ToArray();
            foreach (var name in _parameters.Keys)
                if (variables.Contains(name))
                    throw Unsupported($"the captured value '{name}', which has the name of a variable: rename it");
            return new TranslatedLambda(variables, components.Select(Expression.Wrap).ToArray(), _parameters);
        }

        // One element of the result, translated; an exact division by zero or non-finite constant in it (x[0] / 0.0)
        // is named with the element and its expression, as the expression alone did not say which output held it.
        private Core Element(Linq element, string what)
        {
            try
            {
                return Visit(element);
            }
            catch (SymbolicException e) when (e.Kind is ErrorKind.DivisionByZero or ErrorKind.NonFinite)
            {
                throw new SymbolicException(e.Kind, $"In {what}, {Written(element)}: {e.Message}");
            }
        }

        private SymbolicException Unsupported(string what) =>
            new(ErrorKind.Invalid, $"Cannot translate the lambda: {what}.");

        private Core Visit(Linq e)
        {
            if (++_depth > MaxDepth)
                throw new SymbolicException(ErrorKind.TooDeep, $"The lambda is nested more than {MaxDepth} levels deep.");
            try
            {
                return VisitNode(e);
            }
            finally
            {
                _depth--;
            }
        }

        private Core VisitNode(Linq e)
        {
            switch (e)
            {
                case BinaryExpression b when b.Method is null || b.Method.DeclaringType == typeof(Math):
                    return b.NodeType switch
                    {
                        ExpressionType.Add => ExprModule.Add(Visit(b.Left), Visit(b.Right)),
                        ExpressionType.Subtract => ExprModule.Subtract(Visit(b.Left), Visit(b.Right)),
                        ExpressionType.Multiply => ExprModule.Multiply(Visit(b.Left), Visit(b.Right)),
                        ExpressionType.Divide => ExprModule.Divide(Visit(b.Left), Visit(b.Right)),
                        ExpressionType.Power => ExprModule.Power(Visit(b.Left), Visit(b.Right)),
                        ExpressionType.ArrayIndex => Index(b),
                        _ => throw Untranslatable($"the operator {b.NodeType} in {Written(b)}", "a lambda's operators are + - * /"),
                    };
                case UnaryExpression { NodeType: ExpressionType.Negate } u:
                    return ExprModule.Negate(Visit(u.Operand));
                case UnaryExpression { NodeType: ExpressionType.UnaryPlus } u:
                    return Visit(u.Operand);
                case UnaryExpression { NodeType: ExpressionType.Convert } u when IsNumber(u.Operand.Type):
                    return Visit(u.Operand);
                case ConstantExpression c:
                    return Constant(c.Value, c.ToString());
                case ParameterExpression p when p.Type == typeof(double) && lambda.Parameters.Contains(p):
                    return ExprModule.Symbol(p.Name!);
                case ParameterExpression p:
                    throw Unsupported($"the array parameter '{p.Name}' used whole: index it with a constant, as {p.Name}[0]");
                case MemberExpression { Member: FieldInfo { IsStatic: true, DeclaringType: var t } f } when t == typeof(Math):
                    return f.Name switch
                    {
                        "PI" => ExprModule.Pi,
                        "E" => ExprModule.E,
                        _ => throw Unsupported($"Math.{f.Name}"),
                    };
                case MemberExpression m when IsNumber(m.Type) && !DependsOnParameters(m):
                    return Captured(MemberPath(m), Evaluate(m));
                case UnaryExpression { NodeType: ExpressionType.ArrayLength, Operand: var array } when !DependsOnParameters(array):
                    return Captured($"{MemberPath(array)}_Length", Evaluate(e));
                case MethodCallExpression call when call.Method.DeclaringType == typeof(Math):
                    return MathCall(call);
                case MethodCallExpression call:
                    throw Untranslatable($"a call to the {(LocalFunction(call.Method.Name) is not null ? "local function" : IsExtension(call) ? "extension method" : "method")} '{Owner(call)}{Name(call.Method)}' ({Call(call)})",
                        "only the Math functions are understood: write its body inline");
                case InvocationExpression call:
                    throw Untranslatable($"a call to the delegate '{Written(call.Expression)}' ({Written(call.Expression)}({Arguments(call.Arguments)}))",
                        "write its body inline (a delegate's body is compiled code, which cannot be read as an expression)");
                case ConditionalExpression c:
                    throw Untranslatable($"the conditional {Written(c.Test)} ? {Written(c.IfTrue)} : {Written(c.IfFalse)}",
                        "a symbolic expression has no branches: write it with Math.Abs or Math.Sign (e.g. Math.Abs(a) for a > 0 ? a : -a)");
                case UnaryExpression { NodeType: ExpressionType.ArrayLength, Operand: var array }:
                    throw Untranslatable($"the length {Written(array)}.Length of the lambda's array parameter",
                        "the variables are read from the indices used, so the length is not known: write the count as a number");
                case BinaryExpression b:
                    throw Untranslatable($"the operator {b.NodeType} in {Written(b)}, which calls {b.Method!.DeclaringType?.Name}.{b.Method.Name}",
                        "write the arithmetic on doubles");
                default:
                    throw Untranslatable($"{Written(e)} (a {e.NodeType} expression)", "write it with what a lambda may use");
            }
        }

        // A construct the translator refuses, with what to write instead and what a lambda may hold.
        private static SymbolicException Untranslatable(string what, string instead) =>
            new(ErrorKind.Invalid, $"In the lambda, {what} cannot be translated; {instead}. {Allowed}");

        private static string Arguments(IEnumerable<Linq> args) => string.Join(", ", args.Select(Written));

        private static string Call(MethodCallExpression call) =>
            IsExtension(call)
                ? $"{Written(call.Arguments[0])}.{Name(call.Method)}({Arguments(call.Arguments.Skip(1))})"
                : $"{Owner(call)}{Name(call.Method)}({Arguments(call.Arguments)})";

        // How a method call names its owner: a captured object by its name (helper.), a type by its name (MyMath.,
        // Box for Box<T>); nothing for a local function, a method of the object the lambda is written in (Energy(x),
        // held as a constant the source never named) or a type the compiler made (<>c__DisplayClass0_0).
        private static string Owner(MethodCallExpression call) =>
            LocalFunction(call.Method.Name) is not null ? ""
            : call.Object is ConstantExpression ? ""
            : call.Object is { } target ? $"{Written(target)}."
            : call.Method.DeclaringType is { Name: var t } && !t.StartsWith('<') ? $"{t.Split('`')[0]}." : "";

        // An extension method as it was called: x.Sq() for Ext.Sq(x), which is how the tree holds it.
        private static bool IsExtension(MethodCallExpression call) =>
            call.Object is null && call.Arguments.Count > 0 && call.Method.IsDefined(typeof(System.Runtime.CompilerServices.ExtensionAttribute), false);

        // A method's name as written: a local function's own name (sq for the compiled <Main>g__sq|0_0).
        private static string Name(MethodInfo method) => LocalFunction(method.Name) ?? method.Name;

        private static string? LocalFunction(string compiled) =>
            LocalFunctionName().Match(compiled) is { Success: true } m ? m.Groups[1].Value : null;

        private static bool IsNumber(Type t) =>
            t == typeof(double) || t == typeof(float) || t == typeof(int) || t == typeof(long) || t == typeof(decimal) || t == typeof(short);

        private bool DependsOnParameters(Linq e)
        {
            var finder = new ParameterFinder(lambda.Parameters);
            finder.Visit(e);
            return finder.Found;
        }

        private static object? Evaluate(Linq e) => Linq.Lambda<Func<object?>>(Linq.Convert(e, typeof(object))).Compile()();

        private Core Index(BinaryExpression b)
        {
            if (b.Right is not ConstantExpression { Value: int i } && DependsOnParameters(b.Right))
                throw Unsupported($"the index {Written(b.Right)} in {Written(b)}: indices must be constants");
            var index = b.Right is ConstantExpression { Value: int k } ? k : Convert.ToInt32(Evaluate(b.Right));
            if (b.Left is ParameterExpression named && _arrays.Contains(named))
            {
                if (index < 0) throw Unsupported($"the negative index in {Written(b)}");
                return ExprModule.Symbol($"{named.Name}{index}");
            }
            if (b.Left == _array)
            {
                if (index < 0) throw Unsupported($"the negative index in {Written(b)}");
                _indices.Add(index);
                return ExprModule.Symbol($"{_array!.Name}{index}");
            }
            if (DependsOnParameters(b.Left)) throw Unsupported($"the array {Written(b.Left)} in {Written(b)}: index the lambda's own array parameter or a captured array. {Allowed}");
            // An element of a captured array: a parameter named after the array and the index.
            var name = b.Left is MemberExpression m ? MemberPath(m) : "c";
            return Captured($"{name}{index}", Evaluate(b));
        }

        // The name of a captured value after the expression it is read from, members joined by '_': a
        // captured s.Length is s_Length (named Length alone it said nothing of s, and two such lengths of
        // different arrays clashed); a captured local or field (a member of the compiler's closure) keeps its own name.
        private static string MemberPath(Linq e) => e switch
        {
            MemberExpression { Expression: null or ConstantExpression } m => m.Member.Name,
            MemberExpression m => $"{MemberPath(m.Expression)}_{m.Member.Name}",
            ConstantExpression => "c",
            _ => "c",
        };

        private Core Captured(string name, object? value)
        {
            var v = Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture);
            if (!double.IsFinite(v)) throw Unsupported($"the captured value {name} = {v}, which is not finite");
            if (_parameters.TryGetValue(name, out var old) && old != v)
                throw Unsupported($"two captured values named '{name}' ({old} and {v})");
            _parameters[name] = v;
            return ExprModule.Symbol(name);
        }

        private Core Constant(object? value, string text)
        {
            switch (value)
            {
                case int i: return ExprModule.Int(i);
                // Math.PI and Math.E are C# constants: the compiler writes their values into the tree, so
                // the exact doubles are read back as π and e (a user who typed 3.141592653589793 meant π too).
                case double d when d == Math.PI: return ExprModule.Pi;
                case double d when d == Math.E: return ExprModule.E;
                case double d when double.IsFinite(d) && d == Math.Round(d) && Math.Abs(d) < 1e9: return ExprModule.Int((int)d);
                case double d when double.IsFinite(d): return ExprModule.Real(d);
                case float f when float.IsFinite(f): return ExprModule.Real(f);
                case long l when Math.Abs(l) < int.MaxValue: return ExprModule.Int((int)l);
                default: throw Unsupported($"the constant {text}");
            }
        }

        private Core MathCall(MethodCallExpression call)
        {
            var args = call.Arguments.Select(Visit).ToArray();
            Core One(Function f) => ExprModule.Apply(f, args[0]);
            return call.Method.Name switch
            {
                "Sin" => One(Function.Sin),
                "Cos" => One(Function.Cos),
                "Tan" => One(Function.Tan),
                "Asin" => One(Function.Asin),
                "Acos" => One(Function.Acos),
                "Atan" => One(Function.Atan),
                "Sinh" => One(Function.Sinh),
                "Cosh" => One(Function.Cosh),
                "Tanh" => One(Function.Tanh),
                "Exp" => One(Function.Exp),
                "Log" when args.Length == 1 => One(Function.Log),
                "Log" => ExprModule.LogTo(args[1], args[0]),
                "Log10" => One(Function.Log10),
                "Log2" => One(Function.Log2),
                "Abs" => One(Function.Abs),
                "Sign" => One(Function.Sign),
                "Sqrt" => ExprModule.Sqrt(args[0]),
                "Cbrt" => ExprModule.Multiply(One(Function.Sign), ExprModule.Power(ExprModule.Apply(Function.Abs, args[0]), ExprModule.Fraction(1, 3))),
                "Pow" => ExprModule.Power(args[0], args[1]),
                "Atan2" => ExprModule.Atan2(args[0], args[1]),
                _ => throw Unsupported($"Math.{call.Method.Name}: the functions understood are {string.Join(", ", UnderstoodFunctions)}"),
            };
        }
    }

    private sealed class ParameterFinder(IReadOnlyCollection<ParameterExpression> parameters) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Linq VisitParameter(ParameterExpression node)
        {
            if (parameters.Contains(node)) Found = true;
            return node;
        }
    }
}
