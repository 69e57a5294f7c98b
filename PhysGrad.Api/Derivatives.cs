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
    IReadOnlyList<PointNote>? Notes = null);

/// <summary>How one evaluated derivative entry whose formula is not finite at the point was settled.</summary>
/// <param name="Entry">The entry, e.g. <c>df/dx</c> or <c>d2f/dxdy</c>.</param>
/// <param name="Source">A limit, a one-sided limit, no finite derivative, or undecided.</param>
/// <param name="Message">What was found, in words.</param>
public sealed record PointNote(string Entry, PointValueSource Source, string Message)
{
    /// <summary>The entry and the message on one line.</summary>
    public override string ToString() => $"{Entry}: {Message}";
}

/// <summary>Derivatives of scalar functions given as text.</summary>
public static class Derivatives
{
    /// <summary>
    /// Differentiates <paramref name="function"/> once (order 1) or twice (order 2) with respect to
    /// <paramref name="variables"/> (default: its free variables in natural order) and, when
    /// <paramref name="at"/> is given, evaluates everything there.
    /// </summary>
    /// <remarks>
    /// Values are computed from the stable forms of the expressions (sums of two exponentials are
    /// factored so that no intermediate overflows: softplus, logistic, log-sum-exp). Where a derivative's
    /// formula is not finite at the point (0·∞ or 0/0 where the function is differentiable, such as
    /// ∂²/∂x² of (x²+y²)^(3/2) at the origin), the entry is the limit of the difference quotients of
    /// the next lower derivative along its variable (method and tolerance: RELIABILITY.md, "Special
    /// points"), and <see cref="DerivativeReport.Notes"/> says so; where there is no finite derivative
    /// the entry keeps the formula's non-finite value and the note says why. Zeros are +0.
    /// </remarks>
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
        var notes = new List<PointNote>();
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
            double[] All(double[] x)
            {
                var values = new double[kernel.OutputCount];
                kernel.Evaluate(x, values);
                return values;
            }
            double[] Shifted(double[] x, int j, double t)
            {
                var y = (double[])x.Clone();
                y[j] += t;
                return y;
            }
            double Scale(double[] x, int j) => Math.Max(1, Math.Abs(x[j]));
            var point = at.ToArray();
            var here = All(point);
            // ∂f/∂xᵢ at x: the formula where finite, else the limit of f's difference quotients along xᵢ.
            PointLimits.Outcome GradientEntry(double[] x, double[] valuesAtX, int i)
            {
                var formula = valuesAtX[1 + i];
                if (double.IsFinite(formula))
                    return new PointLimits.Outcome(formula, PointValueSource.Formula, "");
                return PointLimits.Derivative(t => All(Shifted(x, i, t))[0], Scale(x, i), formula, "f", names[i]);
            }
            value = here[0] + 0.0;
            gradientAt = new double[n];
            for (var i = 0; i < n; i++)
            {
                var o = GradientEntry(point, here, i);
                gradientAt[i] = o.Value + 0.0;
                if (o.Source != PointValueSource.Formula)
                    notes.Add(new PointNote($"df/d{names[i]}", o.Source, o.Detail));
            }
            if (hessian is not null)
            {
                hessianAt = new double[n, n];
                // The upper triangle is ∂/∂xⱼ of ∂f/∂xᵢ (j ≥ i), as the Hessian was derived.
                for (var i = 0; i < n; i++)
                    for (var j = i; j < n; j++)
                    {
                        var formula = here[1 + n + i * n + j];
                        var o = double.IsFinite(formula)
                            ? new PointLimits.Outcome(formula, PointValueSource.Formula, "")
                            : PointLimits.Derivative(t =>
                            {
                                var y = Shifted(point, j, t);
                                return GradientEntry(y, All(y), i).Value;
                            }, Scale(point, j), formula, $"df/d{names[i]}", names[j]);
                        hessianAt[i, j] = hessianAt[j, i] = o.Value + 0.0;
                        if (o.Source != PointValueSource.Formula)
                            notes.Add(new PointNote($"d2f/d{names[i]}d{names[j]}", o.Source, o.Detail));
                    }
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
            hessianAt,
            notes);
    }
}
