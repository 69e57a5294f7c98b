using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// A problem <c>y = P(x)</c>, loss <c>L(y)</c>, compiled for the optimisers: the simulator with its
/// Jacobian, the loss with its gradient and Hessian in y, the composite loss <c>L(P(x))</c> with its
/// gradient and Hessian in x, and optionally a local inverse <c>x = P⁻¹(y; x₀)</c>.
/// </summary>
public sealed class CompiledProblem
{
    private readonly CompiledKernel _simulator;   // [P(x) (m), J (m·n, row by row)]
    private readonly CompiledKernel _lossInY;     // [L, ∂L/∂y (m), ∂²L/∂y² (m·m)]
    private readonly CompiledKernel _lossInX;     // [L(P(x)), ∇ (n), Hessian (n·n)]
    private readonly CompiledKernel? _inverse;    // over (y, x₀): x (n)

    /// <summary>
    /// Compiles a problem. <paramref name="loss"/> is an expression in the output names
    /// (<paramref name="outputs"/>); <paramref name="inverse"/>, if given, has one expression per
    /// variable in the output names and the variable names (the current point x₀, for choosing a branch).
    /// </summary>
    public CompiledProblem(string[] variables, Expr[] simulator, string[] outputs, Expr loss, Expr[]? inverse = null)
        : this(variables, simulator, outputs, loss, inverse, inverse is null ? InverseSource.Numeric : InverseSource.Given)
    {
    }

    /// <summary>Compiles a problem of the symbolic core, with its local inverse (given, derived or numeric).</summary>
    public CompiledProblem(Problem problem)
        : this(problem.WithParameterValues(), bound: true)
    {
        Definition = problem;
    }

    // The problem with its parameters bound to their values: compiled code takes only the variables.
    private CompiledProblem(Problem problem, bool bound)
        : this(problem.Variables, problem.Simulator, problem.Outputs, problem.Loss, problem.Inverse, problem.InverseSource)
    {
        System.Diagnostics.Debug.Assert(bound && problem.Parameters.Count == 0);
    }

    private CompiledProblem(string[] variables, Expr[] simulator, string[] outputs, Expr loss, Expr[]? inverse, InverseSource source)
    {
        if (outputs.Length != simulator.Length)
            throw new SymbolicException(ErrorKind.Shape, $"{simulator.Length} simulator outputs but {outputs.Length} output names.");
        if (inverse is not null && inverse.Length != variables.Length)
            throw new SymbolicException(ErrorKind.Shape, $"The inverse needs one expression per variable ({variables.Length}), got {inverse.Length}.");
        Variables = variables;
        Outputs = outputs;
        InverseSource = source;
        _simulator = KernelCompiler.Compile(Lower.ValueJacobian(variables, [], simulator));
        _lossInY = KernelCompiler.Compile(Lower.ValueGradientHessian(outputs, [], true, loss));
        var substitution = new Dictionary<Expr, Expr>();
        for (var j = 0; j < outputs.Length; j++) substitution[ExprModule.Symbol(outputs[j])] = simulator[j];
        var composite = Structure.Substitute(substitution, loss);
        _lossInX = KernelCompiler.Compile(Lower.ValueGradientHessian(variables, [], true, composite));
        // A derived inverse's branch choices sign(g(x₀)) take the + branch where g(x₀) = 0: there both
        // branches are preimages, so 0 (no branch) would report a missing preimage that exists.
        if (inverse is not null)
            _inverse = KernelCompiler.Compile(Lower.Program([.. outputs, .. variables], [],
                source == InverseSource.Derived ? LocalInverse.BranchAtZero(outputs, inverse) : inverse));
    }

    /// <summary>The symbolic problem this was compiled from, when it was compiled from one.</summary>
    public Problem? Definition { get; }

    /// <summary>Where the local inverse comes from: given, derived symbolically, or numeric (no closed form).</summary>
    public InverseSource InverseSource { get; }

    /// <summary>The variable names.</summary>
    public string[] Variables { get; }

    /// <summary>The output names.</summary>
    public string[] Outputs { get; }

    /// <summary>n, the number of variables.</summary>
    public int N => Variables.Length;

    /// <summary>m, the number of outputs.</summary>
    public int M => Outputs.Length;

    /// <summary>Whether there is a closed-form local inverse (given or derived).</summary>
    public bool HasInverse => _inverse is not null;

    // Per-thread scratch space for kernel outputs and inputs: the helpers below allocate nothing in
    // steady state and stay safe to call from several threads at once.
    [ThreadStatic] private static double[]? _scratch;
    [ThreadStatic] private static double[]? _inputs;

    private static double[] Scratch(int size)
    {
        var s = _scratch;
        if (s is null || s.Length < size) _scratch = s = new double[Math.Max(size, 2 * (s?.Length ?? 0))];
        return s;
    }

    /// <summary>y = P(x) and J (m × n, row by row) into the given arrays.</summary>
    public void Simulate(double[] x, double[] y, double[] jacobian)
    {
        Check(x, N, "x");
        var buffer = Scratch(_simulator.OutputCount);
        _simulator.Function(x, 0, [], buffer, 0);
        Array.Copy(buffer, 0, y, 0, M);
        Array.Copy(buffer, M, jacobian, 0, M * N);
    }

    /// <summary>L(y), ∂L/∂y and ∂²L/∂y² (row by row).</summary>
    public double LossInY(double[] y, double[] gradient, double[] hessian) =>
        ValueGradientHessian(_lossInY, y, M, gradient, hessian);

    /// <summary>L(P(x)), its gradient and Hessian in x (row by row).</summary>
    public double LossInX(double[] x, double[] gradient, double[] hessian) =>
        ValueGradientHessian(_lossInX, x, N, gradient, hessian);

    /// <summary>Runs a [value, gradient (k), Hessian (k·k)] kernel at a point of k values.</summary>
    private static double ValueGradientHessian(CompiledKernel kernel, double[] point, int k, double[] gradient, double[] hessian)
    {
        Check(point, k, "point");
        var buffer = Scratch(kernel.OutputCount);
        kernel.Function(point, 0, [], buffer, 0);
        Array.Copy(buffer, 1, gradient, 0, k);
        Array.Copy(buffer, 1 + k, hessian, 0, k * k);
        return buffer[0];
    }

    /// <summary>
    /// x = P⁻¹(y; x₀) from the closed-form inverse; false when there is none or it has no finite value
    /// (no preimage). A derived inverse is also checked: when P(x) misses y by more than 1e-8·(1 + ‖y‖)
    /// (a branch undefined at x₀, such as sign(0)), it is not trusted and this returns false.
    /// </summary>
    public bool Invert(double[] y, double[] x0, double[] x)
    {
        if (_inverse is null) return false;
        Check(y, M, "y");
        Check(x0, N, "x0");
        var inputs = _inputs is { } a && a.Length >= M + N ? a : (_inputs = new double[M + N]);
        Array.Copy(y, inputs, M);
        Array.Copy(x0, 0, inputs, M, N);
        _inverse.Function(inputs, 0, [], x, 0);
        if (!LinearAlgebra.AllFinite(x.AsSpan(0, N))) return false;
        if (InverseSource != InverseSource.Derived) return true;
        var buffer = Scratch(_simulator.OutputCount);
        _simulator.Function(x, 0, [], buffer, 0);
        double miss = 0, size = 0;
        for (var i = 0; i < M; i++)
        {
            miss += (buffer[i] - y[i]) * (buffer[i] - y[i]);
            size += y[i] * y[i];
        }
        return Math.Sqrt(miss) <= 1e-8 * (1 + Math.Sqrt(size));
    }

    /// <summary>
    /// x = P⁻¹(y; x₀) by the closed-form inverse when there is one and it succeeds, else numerically
    /// (<see cref="InvertNumerically"/>). False when neither finds a preimage near x₀.
    /// </summary>
    public bool InvertAny(double[] y, double[] x0, double[] x)
    {
        if (Invert(y, x0, x)) return true;
        // A given inverse is the user's word: no second opinion. Otherwise try Newton from x₀.
        return InverseSource != InverseSource.Given && InvertNumerically(y, x0, x);
    }

    /// <summary>
    /// x = P⁻¹(y; x₀) numerically: Newton's method on P(x) = y started at x₀, each step halved until the
    /// residual shrinks, so it stays with the preimage nearest x₀. Succeeds when ‖P(x) − y‖ ≤
    /// <paramref name="tolerance"/>·(1 + ‖y‖); false (no preimage found near x₀) otherwise.
    /// </summary>
    public bool InvertNumerically(double[] y, double[] x0, double[] x, double tolerance = 1e-12, int maxIterations = 100)
    {
        if (M != N) return false;
        Array.Copy(x0, x, N);
        var p = new double[M];
        var j = new double[M * N];
        var r = new double[M];
        var step = new double[N];
        var trial = new double[N];
        var scale = 1 + Math.Sqrt(y.Sum(v => v * v));
        Simulate(x, p, j);
        var residual = Residual(p, y, r);
        for (var k = 0; k < maxIterations && residual > tolerance * scale; k++)
        {
            if (!LinearAlgebra.Solve(j, r, step).Ok) return false;
            var t = 1.0;
            var improved = false;
            for (var halving = 0; halving < 40; halving++, t /= 2)
            {
                for (var i = 0; i < N; i++) trial[i] = x[i] - t * step[i];
                Simulate(trial, p, j);
                var next = Residual(p, y, r);
                if (next < residual)
                {
                    Array.Copy(trial, x, N);
                    residual = next;
                    improved = true;
                    break;
                }
            }
            if (!improved) return false;
        }
        return residual <= tolerance * scale && LinearAlgebra.AllFinite(x);
    }

    private static void Check(double[] a, int length, string name)
    {
        if (a.Length < length)
            throw new ArgumentException($"{name} needs {length} values but has {a.Length}.", name);
    }

    private static double Residual(double[] p, double[] y, double[] r)
    {
        double sum = 0;
        for (var i = 0; i < p.Length; i++)
        {
            r[i] = p[i] - y[i];
            sum += r[i] * r[i];
        }
        return double.IsFinite(sum) ? Math.Sqrt(sum) : double.PositiveInfinity;
    }
}
