using BenchmarkDotNet.Attributes;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Deriving the exact gradient and Hessian of n-dimensional Rosenbrock (issue target: n = 100 under
/// 20 ms). Expressions are interned, so a repeated derivation finds many of its nodes already in the
/// table; the figure is the cost of a derivation in a warm process, which is how optimisers use it.
/// </summary>
[MemoryDiagnoser]
public class DeriveBenchmarks
{
    private Expr _function = null!;
    private Expr[] _variables = null!;

    [Params(10, 100, 1000)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup() => (_function, _variables) = Rosenbrock.Build(N);

    [Benchmark]
    public int GradientAndHessian()
    {
        var g = Calculus.Gradient(_variables, _function);
        var h = Calculus.HessianOfGradient(_variables, g);
        return g.Length + h.Length;
    }
}
