using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>The n-dimensional Rosenbrock function of docs/theory.md §4, built symbolically.</summary>
public static class Rosenbrock
{
    public static (Expr Function, Expr[] Variables) Build(int n, string prefix = "x")
    {
        var x = Enumerable.Range(0, n).Select(i => ExprModule.Symbol($"{prefix}{i}")).ToArray();
        var hundred = ExprModule.Int(100);
        var terms = Enumerable.Range(0, n - 1).Select(i =>
            ExprModule.Add(
                ExprModule.Multiply(hundred, ExprModule.Power(ExprModule.Subtract(x[i + 1], ExprModule.Power(x[i], ExprModule.two)), ExprModule.two)),
                ExprModule.Power(ExprModule.Subtract(ExprModule.one, x[i]), ExprModule.two)));
        return (ExprModule.Sum(terms), x);
    }
}
