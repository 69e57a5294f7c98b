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
public sealed record DerivativeReport(
    IReadOnlyList<string> Variables,
    Expression Function,
    IReadOnlyList<Expression> Gradient,
    Expression[,]? Hessian,
    IReadOnlyList<double>? Point,
    double? Value,
    IReadOnlyList<double>? GradientAt,
    double[,]? HessianAt);

/// <summary>Derivatives of scalar functions given as text.</summary>
public static class Derivatives
{
    /// <summary>
    /// Differentiates <paramref name="function"/> once (order 1) or twice (order 2) with respect to
    /// <paramref name="variables"/> (default: its free variables in natural order) and, when
    /// <paramref name="at"/> is given, evaluates everything there.
    /// </summary>
    /// <exception cref="SymbolicException">Bad input: the message says what and where.</exception>
    public static DerivativeReport Compute(
        string function, IReadOnlyList<string>? variables = null, int order = 1, IReadOnlyList<double>? at = null)
    {
        if (order is not (1 or 2))
            throw new SymbolicException(ErrorKind.Invalid, $"The order must be 1 or 2, not {order}.");
        var f = Expression.Parse(function);
        var names = variables ?? f.Variables;
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new SymbolicException(ErrorKind.Variable, $"The variable '{duplicate.Key}' is listed twice.");
        var symbols = Expression.Symbols(names);
        var gradient = Calculus.Gradient(symbols, f.Core);
        var hessian = order == 2 ? Calculus.HessianOfGradient(symbols, gradient) : null;

        double? value = null;
        double[]? gradientAt = null;
        double[,]? hessianAt = null;
        if (at is not null)
        {
            if (at.Count != names.Count)
                throw new SymbolicException(
                    ErrorKind.Shape,
                    $"The point has {at.Count} value(s) but there are {names.Count} variable(s) ({string.Join(", ", names)}).");
            var n = names.Count;
            var outputs = new List<Expr> { f.Core };
            outputs.AddRange(gradient);
            if (hessian is not null)
                for (var i = 0; i < n; i++)
                    for (var j = 0; j < n; j++)
                        outputs.Add(hessian[i, j]);
            var kernel = Numerics.KernelCompiler.Compile(Lower.Program(names.ToArray(), [], outputs.ToArray()));
            var values = new double[kernel.OutputCount];
            kernel.Evaluate(at.ToArray(), values);
            value = values[0];
            gradientAt = values.AsSpan(1, n).ToArray();
            if (hessian is not null)
            {
                hessianAt = new double[n, n];
                for (var i = 0; i < n; i++)
                    for (var j = 0; j < n; j++)
                        hessianAt[i, j] = values[1 + n + i * n + j];
            }
        }

        return new DerivativeReport(
            names.ToArray(),
            f,
            Array.ConvertAll(gradient, Expression.Wrap),
            hessian is null ? null : Expression.WrapMatrix(hessian),
            at?.ToArray(),
            value,
            gradientAt,
            hessianAt);
    }
}
