using PhysGrad.Symbolic;

namespace PhysGrad;

public sealed partial class PhysicsProblem
{
    /// <summary>
    /// A problem from a simulator written as C# code over <see cref="Scalar"/> (loops allowed): the code
    /// runs once on the symbols x0 … x{n−1} and what it returns, one <see cref="Scalar"/> per output, is
    /// y = P(x). <c>PhysicsProblem.Trace(100, ReferenceSimulators.Rosenbrock, target: new double[100], start: …)</c>.
    /// Branches on values cannot be traced (a <see cref="Scalar"/> has no comparison); use Abs, SignOf or a
    /// smooth function. A number times a sum is distributed (see <see cref="Scalar"/>).
    /// </summary>
    /// <param name="n">The number of variables, named x0 … x{n−1}.</param>
    /// <param name="simulator">y = P(x).</param>
    /// <param name="target">y*, one value per output; optional as in <see cref="FromText"/>.</param>
    /// <param name="start">The start point, n values; optional as <paramref name="target"/>.</param>
    /// <param name="loss">L(y) as text in y0, y1, … (default ½‖y − y*‖²).</param>
    /// <param name="inverse">A local inverse x = P⁻¹(y; x) as code over the outputs y (named y0, y1, …)
    /// and the current point x, one element per variable; null: derived when possible, else numeric.</param>
    /// <param name="numericInverse">True keeps PG on the numeric inverse (Newton on P(x) = y) instead of
    /// deriving one: a symbolic derivation over many variables rarely pays.</param>
    /// <exception cref="SymbolicException">n &lt; 1, no outputs, or an expression error raised while tracing.</exception>
    public static PhysicsProblem Trace(
        int n, Func<Scalar[], Scalar[]> simulator, IReadOnlyList<double>? target = null, IReadOnlyList<double>? start = null,
        string? loss = null, Func<Scalar[], Scalar[], Scalar[]>? inverse = null, bool numericInverse = false)
    {
        ArgumentNullException.ThrowIfNull(simulator);
        var components = Symbolic.Tracer.Simulator(n, simulator);
        var variables = Symbolic.Tracer.VariableNames(n);
        IReadOnlyList<string>? inverseText = null;
        Expr[]? inverseComponents = null;
        if (inverse is not null)
        {
            var y = Symbolic.Tracer.Variables(components.Length, "y");
            var x = Symbolic.Tracer.Variables(n, "x");
            var inv = inverse(y, x);
            if (inv is null || inv.Length != n)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"The traced inverse must return one value per variable ({n}); it returned {inv?.Length ?? 0}.");
            inverseComponents = inv.Select(s => s.Expr).ToArray();
            inverseText = new PrintedExpressions(inverseComponents);
        }
        // Through the public creation path (the definition holds text): the exactly printed components
        // parse back to the identical expressions (floating constants stay floating), so the definition is
        // seeded with the traced ones rather than parsing its text again (a property test checks the
        // round trip; at n = 10⁵ the parse took seconds). The traced inverse likewise (heat1d-inverse at
        // n = 4096 prints 4096 sums of about 90 floating terms each). The text itself is printed when it is
        // read (PrintedExpressions): a build reads none of it, the CLI's header three components.
        return From(new ProblemDefinition(variables, new PrintedExpressions(components), loss, target ?? [], start ?? [], inverseText)
        {
            DeriveInverse = !numericInverse,
        }.Seeded(simulator: components, inverse: inverseComponents));
    }
}
