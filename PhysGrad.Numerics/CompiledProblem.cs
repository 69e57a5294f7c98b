using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// A problem <c>y = P(x)</c>, loss <c>L(y)</c>, compiled for the optimisers: the simulator with its
/// Jacobian, the loss with its gradient and Hessian in y, the composite loss <c>L(P(x))</c> with its
/// gradient and Hessian in x, and optionally a local inverse <c>x = P⁻¹(y; x₀)</c>. Each capability
/// has its own kernel, compiled on first request and cached (thread-safe), so a rule pays only for
/// what it asks: gradient descent compiles the value+gradient kernel (and the y-only simulator when
/// the run records outputs), never the dense n×n Hessian, the Jacobian or the local inverse.
/// <see cref="Compiled"/> says which kernels exist so far.
/// </summary>
public sealed class CompiledProblem : IDifferentiableProblem
{
    private readonly Lazy<CompiledKernel> _outputs;          // [P(x) (m)]
    private readonly Lazy<CompiledKernel> _simulator;        // [P(x) (m), J (m·n, row by row)]
    private readonly Lazy<CompiledKernel> _lossGradientInY;  // [L, ∂L/∂y (m)]
    private readonly Lazy<CompiledKernel> _lossInY;          // [L, ∂L/∂y (m), ∂²L/∂y² (m·m)]
    private readonly Lazy<CompiledKernel> _value;            // [L(P(x))]
    private readonly Lazy<CompiledKernel> _valueGradient;    // [L(P(x)), ∇ (n)]
    private readonly Lazy<CompiledKernel> _lossInX;          // [L(P(x)), ∇ (n), Hessian (n·n)]
    private readonly Lazy<CompiledKernel> _jacobianVector;   // over (x; v): [P(x) (m), J v (m)]
    private readonly Lazy<CompiledKernel> _jacobianTransposeVector; // over (x; w): [P(x) (m), Jᵀ w (n)]
    private readonly Lazy<CompiledKernel> _hessianVector;    // over (x; v): [L(P(x)), ∇ (n), H v (n)]
    private readonly Lazy<CompiledKernel> _hessianVectorOnly; // over (x; v): [H v (n)]
    private readonly Lazy<(CompiledKernel? Kernel, InverseSource Source)> _inverse; // over (y, x₀): x (n)
    private readonly Lazy<SparseKernel> _sparseJacobian;     // [P(x) (m), J's nonzeros (CSR order)]
    private readonly Lazy<StraightLineProgram> _valueProgram; // P's straight-line program, for its running error bound
    private readonly Lazy<StraightLineProgram> _lossProgram;  // L(P(x))'s, likewise
    private readonly Lazy<SparseKernel> _sparseHessian;      // [L(P(x)), ∇ (n), Hessian's nonzeros (CSR order)]
    private readonly Lazy<SparsityPattern> _sparseHessianPattern; // its pattern alone, before the kernel is compiled
    private int _compiled;
    private readonly Lazy<Expr[]> _domainRoots;             // the simulator's outputs and L(P(x)), parameters bound

    /// <summary>
    /// Compiles a problem. <paramref name="loss"/> is an expression in the output names
    /// (<paramref name="outputs"/>); <paramref name="inverse"/>, if given, has one expression per
    /// variable in the output names and the variable names (the current point x₀, for choosing a branch).
    /// </summary>
    public CompiledProblem(string[] variables, Expr[] simulator, string[] outputs, Expr loss, Expr[]? inverse = null)
        : this(variables, simulator, outputs, loss, () => (inverse, inverse is null ? InverseSource.Numeric : InverseSource.Given))
    {
        if (inverse is not null && inverse.Length != variables.Length)
            throw new SymbolicException(ErrorKind.Shape, $"The inverse needs one expression per variable ({variables.Length}), got {inverse.Length}.");
    }

    /// <summary>
    /// Compiles a problem of the symbolic core, with its local inverse (given, derived or numeric). A
    /// derived inverse is derived when first asked for (<see cref="Invert"/>, <see cref="InverseSource"/>),
    /// not here.
    /// </summary>
    public CompiledProblem(Problem problem)
        : this(problem.WithParameterValues(), bound: true)
    {
        Definition = problem;
    }

    /// <summary>
    /// As <see cref="CompiledProblem(Problem)"/>, with the sparse Hessian's pattern known from the problem's
    /// structure (a reference example's, which a caller may have built already to decide whether newton takes
    /// the problem): <see cref="SparseHessianPattern"/> returns <paramref name="hessianPattern"/>'s pattern instead
    /// of placing every cell's block, and the sparse Hessian kernel writes into it. It must hold every structural
    /// nonzero of ∂²L/∂x² (n × n, CSR, both triangles); a nonzero it lacks makes the kernel's compilation throw
    /// <see cref="InvalidOperationException"/>, never a misplaced value.
    /// </summary>
    /// <param name="problem">The problem.</param>
    /// <param name="hessianPattern">Makes the pattern, called at most once, when the pattern or the kernel is first asked for.</param>
    public CompiledProblem(Problem problem, Func<SparsityPattern> hessianPattern)
        : this(problem)
    {
        ArgumentNullException.ThrowIfNull(hessianPattern);
        _knownHessianPattern = hessianPattern;
    }

    private readonly Func<SparsityPattern>? _knownHessianPattern; // the structure's pattern when the caller knows it

    // The problem with its parameters bound to their values: compiled code takes only the variables.
    private CompiledProblem(Problem problem, bool bound)
        : this(problem.Variables, problem.Simulator, problem.Outputs, problem.Loss, () => (problem.Inverse, problem.InverseSource))
    {
        System.Diagnostics.Debug.Assert(bound && problem.Parameters.Count == 0);
    }

    private CompiledProblem(string[] variables, Expr[] simulator, string[] outputs, Expr loss, Func<(Expr[]? Inverse, InverseSource Source)> inverse)
    {
        if (outputs.Length != simulator.Length)
            throw new SymbolicException(ErrorKind.Shape, $"{NumberText.Count(simulator.Length, "simulator output")} but {NumberText.Count(outputs.Length, "output name")}.");
        Variables = variables;
        Outputs = outputs;
        LossIsNonNegative = Bounds.IsNonNegative(loss);
        var composite = new Lazy<Expr>(() =>
        {
            var substitution = new Dictionary<Expr, Expr>();
            for (var j = 0; j < outputs.Length; j++) substitution[ExprModule.Symbol(outputs[j])] = simulator[j];
            return Structure.Substitute(substitution, loss);
        });
        // Each kernel below that keeps repeated structure as loops starts from the same detection: it is
        // done once per problem (it walks every term, a second at n = 10⁵), not once per kernel.
        _domainRoots = new Lazy<Expr[]>(() => [.. simulator, composite.Value]);
        var componentFamilies = new Lazy<ComponentFamilies>(() => Families.DetectComponents(variables, simulator));
        // The composite's families come from the loss's families in y and the components' families
        // (Families.Compose) when those cover it, without substituting the outputs into the loss: at
        // n = 10⁵ building that sum and detecting its families again cost 2.5 s of CPU. Otherwise the
        // substituted loss's own families.
        var compositeFamilies = new Lazy<TermFamilies>(() =>
            Families.Compose(variables, outputs, loss, componentFamilies.Value) is { } composed
                ? composed.Value
                : Families.Detect(variables, composite.Value));
        // A kernel with families never needs the substituted loss; without families it is the straight-line
        // kernel of that loss.
        TermFamilies? Found() => compositeFamilies.Value.Families.Length > 0 ? compositeFamilies.Value : null;
        // y, J v, Jᵀ w and the sparse Jacobian keep components of one template at evenly spaced cells (a
        // stencil's interior, the residuals of a chain) as compiled loops (ComponentFamilyKernels).
        _outputs = Built(Capabilities.Outputs, () => ComponentFamilyKernels.Values(variables, simulator, componentFamilies.Value));
        _simulator = Kernel(Capabilities.Jacobian, () => Lower.ValueJacobian(variables, [], simulator));
        _valueProgram = new Lazy<StraightLineProgram>(() => Lower.Program(variables, [], simulator));
        _lossProgram = new Lazy<StraightLineProgram>(() => Lower.Program(variables, [], [composite.Value]));
        // ∂L/∂y of a sum of per-output terms (½Σ(yᵢ − yᵢ*)²) is one loop too: the matrix-free Jacobian rules
        // (GN, LM, IG) read it every step, and its straight-line kernel was most of their fixed cost at n = 10⁴.
        _lossGradientInY = Built(Capabilities.LossGradientInY, () => FamilyKernels.ValueGradient(outputs, loss));
        _lossInY = Kernel(Capabilities.LossHessianInY, () => Lower.ValueGradientHessian(outputs, [], true, loss));
        // Value + gradient and H v keep repeated terms of the loss (Σ over cells of one shape) as compiled
        // loops (FamilyKernels), so their size and compile time do not grow with n.
        _valueGradient = Built(Capabilities.Gradient, () => Found() is { } found ? FamilyKernels.ValueGradient(found) : FamilyKernels.ValueGradient(variables, composite.Value, compositeFamilies.Value));
        // L alone, for a line search's trial points and LM's actual reduction: the same loops without the
        // gradient (the value is the value + gradient kernel's bit for bit).
        _value = Built(Capabilities.Value, () => Found() is { } found ? FamilyKernels.Value(found) : FamilyKernels.Value(variables, composite.Value, compositeFamilies.Value));
        _lossInX = Kernel(Capabilities.Hessian, () => Lower.ValueGradientHessian(variables, [], true, composite.Value));
        // The product kernels take v (or w) as their parameter array, so one compiled kernel serves every
        // vector; the parameters of the problem itself are bound already, so v starts at index 0.
        _jacobianVector = Built(Capabilities.JacobianVector, () => ComponentFamilyKernels.JacobianVector(variables, simulator, componentFamilies.Value));
        _jacobianTransposeVector = Built(Capabilities.JacobianTransposeVector,
            () => ComponentFamilyKernels.JacobianTransposeVector(variables, simulator, componentFamilies.Value));
        _hessianVector = Built(Capabilities.HessianVector, () => Found() is { } found ? FamilyKernels.HessianVector(found) : FamilyKernels.HessianVector(variables, composite.Value, compositeFamilies.Value));
        // H v alone, for the CG iterations of Newton-CG, which discard L and ∇L (the same capability).
        _hessianVectorOnly = Built(Capabilities.HessianVector, () => Found() is { } found ? FamilyKernels.HessianVectorOnly(found) : FamilyKernels.HessianVectorOnly(variables, composite.Value, compositeFamilies.Value));
        _sparseJacobian = new Lazy<SparseKernel>(() =>
        {
            var sparse = ComponentFamilyKernels.SparseJacobian(variables, simulator, componentFamilies.Value);
            Note(Capabilities.SparseJacobian);
            return new SparseKernel(sparse.Kernel, sparse.Pattern, sparse.Offset, Jacobian: sparse);
        });
        // The sparse Hessian too: each family's template Hessian is derived once and its loop adds every
        // cell's entries at their places in the pattern.
        _sparseHessian = new Lazy<SparseKernel>(() =>
        {
            var pattern = _sparseHessianPattern!.IsValueCreated || _knownHessianPattern is not null ? _sparseHessianPattern.Value : null;
            var sparse = Found() is { } found ? FamilyKernels.SparseHessian(found, pattern) : FamilyKernels.SparseHessian(variables, composite.Value, compositeFamilies.Value, pattern);
            Note(Capabilities.SparseHessian);
            return new SparseKernel(sparse.Kernel, sparse.Pattern, 1 + variables.Length, sparse);
        });
        // The pattern without the kernel: newton refuses a Hessian whose Cholesky factor is over its limits
        // from the pattern alone, before anything is compiled (heat2d at 100 × 100 spent most of the time to
        // its refusal compiling the kernel it then did not use).
        _sparseHessianPattern = new Lazy<SparsityPattern>(() => _sparseHessian.IsValueCreated
            ? _sparseHessian.Value.Pattern
            : _knownHessianPattern is { } known ? known()
            : Found() is { } found ? FamilyKernels.SparseHessianPattern(found)
            : FamilyKernels.SparseHessianPattern(variables, composite.Value, compositeFamilies.Value));
        _inverse = new Lazy<(CompiledKernel?, InverseSource)>(() =>
        {
            var (expressions, source) = inverse();
            if (expressions is null) return (null, source);
            Note(Capabilities.Inverse);
            // A derived inverse's branch choices sign(g(x₀)) take the + branch where g(x₀) = 0: there both
            // branches are preimages, so 0 (no branch) would report a missing preimage that exists.
            // Compiled like the simulator's outputs kernel: components of one template at evenly spaced
            // cells (a stencil inverse's interior) become one loop. As one straight-line program the
            // heat1d-inverse inverse at n = 4096 (4096 sums of about 90 terms) took 12 s to compile.
            return (ComponentFamilyKernels.Values([.. outputs, .. variables],
                source == InverseSource.Derived ? LocalInverse.BranchAtZero(outputs, expressions) : expressions), source);
        });
    }

    /// <summary>
    /// Why simulator component <paramref name="component"/> (from 0) is not finite whatever x is, or null: the
    /// smallest part of it without variables whose value overflows doubles (<c>1E+200^2</c>, <c>exp(1000)</c>,
    /// kept unevaluated by the symbolic core), with what to do. Null for a problem without a definition.
    /// </summary>
    public string? OverflowingConstant(int component)
    {
        if (Definition is not { } p || component < 0 || component >= p.Simulator.Length) return null;
        // Children before parents: the first constant part that is not finite is the one that overflows.
        foreach (var node in Structure.PostOrder([p.Simulator[component]]))
        {
            if (Structure.FreeSymbols(node).Length > 0 || double.IsFinite(Evaluate.At([], [], node))) continue;
            return $"{p.Outputs[component]} = {Infix.Format(p.Simulator[component])} holds the constant {Infix.Format(node)}, which is " +
                $"{Evaluate.At([], [], node)} in doubles (beyond ±1.8E+308) at every x; rescale the variables or the outputs' units so that its constants stay within doubles (e.g. write the constant as {Advice.NamedParameter} with a value nearer 1 in the new units)";
        }
        return null;
    }

    private bool SimulatorOverflows() =>
        Definition is { } p && Enumerable.Range(0, p.Simulator.Length).Any(i => OverflowingConstant(i) is not null);

    // A derivative whose constants overflow when folded (∂²L/∂x0² of ½(1E+300·x0 − 1)² is 1E+300 × 1E+300) is
    // said with what was being derived and for which simulator, since the user wrote neither product.
    // A derivative may also hold a closed part that is finite in exact arithmetic but overflows when computed
    // (∂²L/∂x0² of ½(x0·exp(400) − 1)² is exp(800)): the symbolic core keeps it unevaluated, so the kernel would
    // compute ∞ at every x. It is refused the same way, unless the simulator itself holds such a constant (then
    // every method meets it in y, and the run says so: OverflowingConstant).
    private T Deriving<T>(Capabilities capability, Func<T> derive)
    {
        try
        {
            var derived = derive();
            var program = derived switch { StraightLineProgram p => p, CompiledKernel k => k.Program, _ => null };
            if (program is not null && ProgramInterpreter.FirstClosedOverflow(program) is { } overflow && !SimulatorOverflows())
                throw new SymbolicException(ErrorKind.NonFinite, overflow.Describe());
            return derived;
        }
        catch (SymbolicException e) when (e.Kind == ErrorKind.NonFinite && Definition is { } problem)
        {
            // The components with their constants as written (1e200*x0/3.3 as x0/3.3E-200, x0/9.81 so), not the folded doubles.
            var components = problem.Outputs.Zip(problem.Simulator, (y, p) => $"{y} = {ReadableConstants.Text(p)}").ToArray();
            var shown = string.Join("; ", components.Take(3)) + (components.Length > 3 ? $"; … ({components.Length} components)" : "");
            var message = e.Message.TrimEnd();
            throw new SymbolicException(ErrorKind.NonFinite,
                $"Deriving {Derived(capability)} of the problem (L(P(x)) with {shown}) folds constants that overflow: {message}{(message.EndsWith('.') ? "" : ".")}");
        }
    }

    /// <summary>
    /// What a capability's kernel computes, in words for a message (<c>the loss L(P(x))</c>, <c>the Hessian
    /// ∂²L/∂x²</c>): the enum's names (Value, LossGradientInY) are the code's, not the reader's.
    /// </summary>
    internal static string Derived(Capabilities capability) => capability switch
    {
        Capabilities.Value => "the loss L(P(x))",
        Capabilities.Gradient => "the gradient ∂L/∂x",
        Capabilities.Outputs => "the outputs y = P(x)",
        Capabilities.Jacobian => "the Jacobian ∂P/∂x",
        Capabilities.LossGradientInY => "the loss's gradient ∂L/∂y",
        Capabilities.LossHessianInY => "the loss's Hessian ∂²L/∂y²",
        Capabilities.Hessian => "the Hessian ∂²L/∂x²",
        Capabilities.Inverse => "the local inverse P⁻¹(y; x₀)",
        Capabilities.JacobianVector => "the Jacobian-vector product J·v",
        Capabilities.JacobianTransposeVector => "the adjoint product Jᵀ·w",
        Capabilities.HessianVector => "the Hessian-vector product (∂²L/∂x²)·v",
        Capabilities.SparseJacobian => "the sparse Jacobian ∂P/∂x",
        Capabilities.SparseHessian => "the sparse Hessian ∂²L/∂x²",
        _ => "a derivative",
    };

    // One kernel per capability, compiled on first use; Lazy's default mode makes that thread-safe
    // (one compilation, every thread waits for it).
    private Lazy<CompiledKernel> Kernel(Capabilities capability, Func<StraightLineProgram> lower) => new(() =>
    {
        var kernel = KernelCompiler.Compile(Deriving(capability, lower));
        Note(capability);
        return kernel;
    });

    private Lazy<CompiledKernel> Built(Capabilities capability, Func<CompiledKernel> build) => new(() =>
    {
        var kernel = Deriving(capability, build);
        Note(capability);
        return kernel;
    });

    // A sparse kernel with the pattern and offset of its sparse block (from the program lowered here:
    // a cached kernel's program may be another instance of the same instructions).
    private sealed record SparseKernel(CompiledKernel Kernel, SparsityPattern Pattern, int Offset, SparseHessianKernel? Hessian = null,
        SparseJacobianKernel? Jacobian = null);

    private void Note(Capabilities capability)
    {
        int seen, next;
        do
        {
            seen = _compiled;
            next = seen | (int)capability;
        } while (Interlocked.CompareExchange(ref _compiled, next, seen) != seen);
    }

    /// <summary>
    /// The kernels compiled so far (<see cref="Capabilities.Value"/>: the value-only kernel of
    /// <see cref="Value"/>, which a line search's trial points ask for; the value also comes with the
    /// gradient). A run of gradient descent leaves <see cref="Capabilities.Hessian"/>,
    /// <see cref="Capabilities.Jacobian"/> and <see cref="Capabilities.Inverse"/> out.
    /// </summary>
    public Capabilities Compiled => (Capabilities)Volatile.Read(ref _compiled);

    /// <summary>The kernels compiled so far (<see cref="Compiled"/>): the others cost a derivation and a compilation on first request.</summary>
    public Capabilities Ready => Compiled;

    /// <summary>Everything a compiled symbolic problem can answer (each on request).</summary>
    public Capabilities Supported => Capabilities.Value | Capabilities.Gradient | Capabilities.Outputs | Capabilities.Jacobian |
        Capabilities.LossGradientInY | Capabilities.LossHessianInY | Capabilities.Hessian | Capabilities.Inverse |
        Capabilities.JacobianVector | Capabilities.JacobianTransposeVector | Capabilities.HessianVector |
        Capabilities.SparseJacobian | Capabilities.SparseHessian;

    /// <summary>Whether L(y) ≥ 0 is evident from the loss's form (<see cref="Bounds.IsNonNegative"/>): the default loss, a sum of squares.</summary>
    public bool LossIsNonNegative { get; }

    /// <summary>Whether the loss is the default ½‖y − y*‖² (<see cref="IDifferentiableProblem.LossIsHalfSquaredResidual"/>).</summary>
    public bool LossIsHalfSquaredResidual => Definition?.HasDefaultLoss ?? false;

    /// <summary>
    /// The first failing domain condition of the simulator's outputs, then of L(P(x)), at
    /// <paramref name="x"/> (n values), in words (<see cref="DomainCheck.Failing"/>), or null when all hold.
    /// </summary>
    public string? OutsideDomainAt(double[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        return DomainCheck.Failing(Variables, x, Variables, _domainRoots.Value);
    }

    /// <summary>The symbolic problem this was compiled from, when it was compiled from one.</summary>
    public Problem? Definition { get; }

    /// <summary>
    /// Where the local inverse comes from: given, derived symbolically, or numeric (no closed form).
    /// Asking derives a pending symbolic inverse (see <see cref="Problem.Create(string[], Expr[], Expr, double[], double[], Expr[], bool, IReadOnlyDictionary{string, double}, long)"/>).
    /// </summary>
    public InverseSource InverseSource => _inverse.Value.Source;

    /// <summary>The variable names.</summary>
    public string[] Variables { get; }

    /// <summary>The output names.</summary>
    public string[] Outputs { get; }

    /// <summary>n, the number of variables.</summary>
    public int N => Variables.Length;

    /// <summary>m, the number of outputs.</summary>
    public int M => Outputs.Length;

    /// <summary>
    /// Whether the local inverse is known without further work (given, numeric, or derived already):
    /// false while a symbolic derivation is pending because nothing has asked for the inverse yet.
    /// </summary>
    public bool IsInverseResolved => Definition?.IsInverseResolved ?? true;

    /// <summary>Whether there is a closed-form local inverse (given or derived; asking derives a pending one).</summary>
    public bool HasInverse => _inverse.Value.Kernel is not null;

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

    /// <summary>y = P(x) (m values) only, without the Jacobian.</summary>
    public void Simulate(double[] x, double[] y)
    {
        Check(x, N, "x");
        _outputs.Value.Function(x, 0, [], y, 0);
    }

    /// <summary>y = P(x) and J (m × n, row by row) into the given arrays.</summary>
    public void Simulate(double[] x, double[] y, double[] jacobian)
    {
        Check(x, N, "x");
        var kernel = _simulator.Value;
        var buffer = Scratch(kernel.OutputCount);
        kernel.Function(x, 0, [], buffer, 0);
        Array.Copy(buffer, 0, y, 0, M);
        Array.Copy(buffer, M, jacobian, 0, M * N);
    }

    /// <summary>L(y) and ∂L/∂y (m values), without the Hessian in y.</summary>
    public double LossInY(double[] y, double[] gradient) =>
        ValueGradientHessian(_lossGradientInY.Value, y, M, gradient, null);

    /// <summary>L(y), ∂L/∂y and ∂²L/∂y² (row by row).</summary>
    public double LossInY(double[] y, double[] gradient, double[] hessian) =>
        ValueGradientHessian(_lossInY.Value, y, M, gradient, hessian);

    /// <summary>L(P(x)) and its gradient in x (n values), without the Hessian.</summary>
    public double ValueGradient(double[] x, double[] gradient) =>
        ValueGradientHessian(_valueGradient.Value, x, N, gradient, null);

    /// <summary>
    /// L(P(x)) alone, from its own kernel (compiled on first request; no gradient computed): the value
    /// <see cref="ValueGradient"/> returns, bit for bit. Allocates nothing in steady state.
    /// </summary>
    public double Value(double[] x)
    {
        Check(x, N, "x");
        var buffer = Scratch(1);
        _value.Value.Function(x, 0, [], buffer, 0);
        return buffer[0];
    }

    /// <summary>L(P(x)), its gradient and Hessian in x (row by row).</summary>
    public double LossInX(double[] x, double[] gradient, double[] hessian) =>
        ValueGradientHessian(_lossInX.Value, x, N, gradient, hessian);

    // The three products run their own kernels (forward mode, reverse mode, forward over reverse; see
    // Lower.JacobianVector and friends): O(size of the problem's program) each, no J or Hessian formed.

    // Runs a product kernel at x with the vector as its parameters (one kernel serves every vector);
    // the outputs are in per-thread scratch space.
    private double[] RunProduct(CompiledKernel kernel, double[] x, double[] vector, int length, string name)
    {
        Check(x, N, "x");
        Check(vector, length, name);
        var buffer = Scratch(kernel.OutputCount);
        kernel.Function(x, 0, vector, buffer, 0);
        return buffer;
    }

    /// <summary>
    /// y = P(x) and the directional derivative J v (m values), without forming J: one forward-mode
    /// kernel, compiled on first request. Allocates nothing in steady state.
    /// </summary>
    public void JacobianVector(double[] x, double[] v, double[] y, double[] jv)
    {
        var buffer = RunProduct(_jacobianVector.Value, x, v, N, "v");
        Array.Copy(buffer, 0, y, 0, M);
        Array.Copy(buffer, M, jv, 0, M);
    }

    /// <summary>
    /// y = P(x) and the adjoint product Jᵀ w (n values), the gradient of wᵀP(x), without forming J: one
    /// reverse-mode kernel, compiled on first request. Allocates nothing in steady state.
    /// </summary>
    public void JacobianTransposeVector(double[] x, double[] w, double[] y, double[] jtw)
    {
        var buffer = RunProduct(_jacobianTransposeVector.Value, x, w, M, "w");
        Array.Copy(buffer, 0, y, 0, M);
        Array.Copy(buffer, M, jtw, 0, N);
    }

    /// <summary>
    /// L(P(x)), its gradient (n) and the Hessian-vector product (∂²L/∂x²) v (n), without forming the
    /// Hessian: the gradient by reverse mode and its directional derivative by forward mode, in one
    /// kernel compiled on first request (asking for it never compiles the dense Hessian). Allocates
    /// nothing in steady state.
    /// </summary>
    public double HessianVector(double[] x, double[] v, double[] gradient, double[] hv)
    {
        var buffer = RunProduct(_hessianVector.Value, x, v, N, "v");
        Array.Copy(buffer, 1, gradient, 0, N);
        Array.Copy(buffer, 1 + N, hv, 0, N);
        return buffer[0];
    }

    /// <summary>
    /// The Hessian-vector product (∂²L/∂x²) v (n) alone, without L or the gradient: its own kernel
    /// (<see cref="FamilyKernels.HessianVectorOnly(string[], Expr, TermFamilies)"/>), compiled on first request, writing
    /// straight into <paramref name="hv"/>. The entries equal <see cref="HessianVector(double[], double[], double[], double[])"/>'s
    /// (the same operations). Allocates nothing in steady state.
    /// </summary>
    /// <exception cref="ArgumentException">x, v or hv shorter than n.</exception>
    public void HessianVectorOnly(double[] x, double[] v, double[] hv)
    {
        Check(x, N, "x");
        Check(v, N, "v");
        Check(hv, N, "hv");
        _hessianVectorOnly.Value.Function(x, 0, v, hv, 0);
    }

    // The sparse derivatives: kernels that compute and write the structural nonzeros only (patterns from
    // the lowered program's graph, Lower.SparseJacobian and Lower.SparseHessian), each compiled on first
    // request. The dense n×n or m×n matrix is never formed, symbolically or numerically.

    /// <summary>
    /// The structural nonzeros of J = ∂P/∂x (m × n, CSR); lowers and compiles the sparse Jacobian
    /// kernel on first request. Build one <see cref="CsrMatrix"/> of it and refresh it with
    /// <see cref="SparseJacobian"/>.
    /// </summary>
    public SparsityPattern SparseJacobianPattern() => _sparseJacobian.Value.Pattern;

    /// <summary>
    /// y = P(x) (m values) and the values of J's structural nonzeros, written in place into
    /// <paramref name="jacobian"/> (made from <see cref="SparseJacobianPattern"/>). Allocates nothing in
    /// steady state; thread-safe for distinct matrices.
    /// </summary>
    /// <exception cref="ArgumentException">A matrix of another pattern, or x or y too short.</exception>
    public void SparseJacobian(double[] x, double[] y, CsrMatrix jacobian)
    {
        Check(x, N, "x");
        Check(y, M, "y");
        var sparse = _sparseJacobian.Value;
        CheckPattern(sparse, jacobian, "jacobian");
        // Straight into y and the caller's values: a family kernel's loops write there, without a copy.
        sparse.Jacobian!.Evaluate(x, y, jacobian.Values);
    }

    /// <summary>
    /// The structural nonzeros of ∂²L/∂x² (n × n, CSR, both triangles); derives (lowers) the Hessian on first
    /// request but compiles no kernel (<see cref="SparseHessian"/> does, and takes matrices of this pattern).
    /// </summary>
    public SparsityPattern SparseHessianPattern() => _sparseHessianPattern.Value;

    /// <summary>
    /// L(P(x)), its gradient in x (n values) and the values of the Hessian's structural nonzeros, written
    /// in place into <paramref name="hessian"/> (made from <see cref="SparseHessianPattern"/>). Allocates
    /// nothing in steady state; thread-safe for distinct matrices.
    /// </summary>
    /// <exception cref="ArgumentException">A matrix of another pattern, or x or the gradient too short.</exception>
    public double SparseHessian(double[] x, double[] gradient, CsrMatrix hessian)
    {
        Check(x, N, "x");
        Check(gradient, N, "gradient");
        var sparse = _sparseHessian.Value;
        CheckPattern(sparse, hessian, "hessian");
        // Straight into the caller's arrays: a family kernel's loops add there, without a copy.
        return sparse.Hessian!.Evaluate(x, gradient, hessian.Values);
    }

    private static void CheckPattern(SparseKernel sparse, CsrMatrix matrix, string name)
    {
        ArgumentNullException.ThrowIfNull(matrix, name);
        if (!ReferenceEquals(matrix.Pattern, sparse.Pattern) && !matrix.Pattern.SameAs(sparse.Pattern))
            throw new ArgumentException(
                $"The {name} matrix has the pattern {matrix.Pattern}, not the problem's ({sparse.Pattern}); make it from the problem's pattern.", name);
    }

    /// <summary>Runs a [value, gradient (k), Hessian (k·k)] kernel at a point of k values.</summary>
    private static double ValueGradientHessian(CompiledKernel kernel, double[] point, int k, double[] gradient, double[]? hessian)
    {
        Check(point, k, "point");
        var buffer = Scratch(kernel.OutputCount);
        kernel.Function(point, 0, [], buffer, 0);
        Array.Copy(buffer, 1, gradient, 0, k);
        if (hessian is not null) Array.Copy(buffer, 1 + k, hessian, 0, k * k);
        return buffer[0];
    }

    /// <summary>
    /// x = P⁻¹(y; x₀) from the closed-form inverse; false when there is none or it has no finite value
    /// (no preimage). A derived inverse is also checked, since its branch may be undefined at x₀ (sign(0)):
    /// it is trusted when the miss is within what rounding explains (<see cref="Lands"/>): a componentwise
    /// backward error (<see cref="PreimageBackwardError"/>) of at most <see cref="LandingUlps"/> units of
    /// rounding, at every scale (an absolute 1e-8·(1 + ‖y‖) would pass any x when y is of size 10⁻²⁰). On
    /// the Rosenbrock chain x_{i+1} = y_i/10 + x_i² the preimage grows like x₀^(2^i), and P(x) =
    /// 10(x_{i+1} − x_i²) cancels to an absolute error far above 1e-8·‖y‖ although the closed form is exact;
    /// measured against |J|·|x|, the scale of that cancellation, it is a few units of rounding, while a
    /// wrong branch misses by the size of y.
    /// </summary>
    public bool Invert(double[] y, double[] x0, double[] x)
    {
        var (inverse, source) = _inverse.Value;
        if (inverse is null) return false;
        Check(y, M, "y");
        Check(x0, N, "x0");
        var inputs = _inputs is { } a && a.Length >= M + N ? a : (_inputs = new double[M + N]);
        Array.Copy(y, inputs, M);
        Array.Copy(x0, 0, inputs, M, N);
        inverse.Function(inputs, 0, [], x, 0);
        if (!LinearAlgebra.AllFinite(x.AsSpan(0, N))) return false;
        if (source != InverseSource.Derived) return true;
        var buffer = Scratch(M);
        _outputs.Value.Function(x, 0, [], buffer, 0);
        return Lands(x, y, buffer);
    }

    /// <summary>
    /// How many units of rounding (u = 2⁻⁵³) of componentwise backward error
    /// (<see cref="PreimageBackwardError"/>) a derived inverse's landing may have and still count as
    /// landing: 64. The bound behind it (Higham, Accuracy and Stability of Numerical Algorithms, §1.6 and
    /// §3.1): if the closed form returns x̂ within k ulps of the exact preimage componentwise, then
    /// |P(x̂) − y| ≤ k·u·|J|·|x̂| to first order, and evaluating P at x̂ adds its own rounding, a few u times
    /// |J|·|x̂| + |P(x̂)| for sums and products evaluated term by term. Each operation of the closed form
    /// adds at most one ulp (a library function two), so 64 covers a formula some tens of operations deep
    /// per variable; a wrong branch or formula misses by a fraction of |y|, which is 10¹³ ulps or more.
    /// </summary>
    public const double LandingUlps = 64;

    /// <summary>The unit roundoff of IEEE double precision, u = 2⁻⁵³ (half an ulp of 1).</summary>
    public const double UnitRoundoff = 1.1102230246251565e-16;

    /// <summary>The smallest positive normal double, 2⁻¹⁰²² ≈ 2.2E-308 (.NET has no double.MinNormal): below it a
    /// double has fewer than 53 bits, and ends at 0.</summary>
    public const double SmallestNormal = Symbolic.ExprModule.SmallestNormal;

    private CsrMatrix? _roundingJacobian;

    /// <summary>
    /// The rounding scale of evaluating P at x, componentwise (m values into <paramref name="scale"/>):
    /// sᵢ = Σⱼ |∂Pᵢ/∂xⱼ|·|xⱼ| + |Pᵢ(x)| + εᵢ/(<see cref="LandingUlps"/>·u). u·(Σⱼ |∂Pᵢ/∂xⱼ|·|xⱼ| + |Pᵢ(x)|) is, to first order, how far Pᵢ
    /// moves when every xⱼ moves by one unit of rounding of its own size, plus the rounding of Pᵢ's value: the
    /// numerator of the componentwise condition number of evaluating P at x (Higham, Accuracy and Stability of
    /// Numerical Algorithms, §1.6). εᵢ is the running error bound of evaluating Pᵢ in doubles
    /// (<see cref="ProgramInterpreter.EvaluateWithErrors(StraightLineProgram, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>, Higham §3.3): the rounding of P's intermediates, which
    /// a cancellation inside P leaves far above u·|Pᵢ(x)| (x − sin(x) at 10⁻³ rounds at 10⁻¹⁹, its value being
    /// 1.7E-10 and |J|·|x| 5E-10); where that bound is not finite (an intermediate overflows) it is left out. The
    /// bound already counts every operation, so it enters once in the allowance LandingUlps·u·sᵢ the callers take,
    /// not LandingUlps times (those units cover what the first-order scale does not see). A
    /// value of P known only to u·sᵢ cannot be compared more finely than that. Uses the sparse Jacobian
    /// (O(nonzeros); compiled on first request) and one interpreted run of P's program. Not finite when J or P is
    /// not. P(x) goes to <paramref name="y"/>.
    /// </summary>
    /// <exception cref="ArgumentException">x shorter than n, or y or scale shorter than m.</exception>
    public void RoundingScale(double[] x, double[] y, double[] scale)
    {
        Check(x, N, "x");
        Check(y, M, "y");
        Check(scale, M, "scale");
        // One matrix per problem, taken while in use: a second thread at the same time makes its own.
        var jacobian = Interlocked.Exchange(ref _roundingJacobian, null) ?? new CsrMatrix(SparseJacobianPattern());
        SparseJacobian(x, y, jacobian);
        var (rows, columns, values) = (jacobian.RowPointers, jacobian.ColumnIndices, jacobian.Values);
        for (var i = 0; i < M; i++)
        {
            var s = Math.Abs(y[i]);
            for (var k = rows[i]; k < rows[i + 1]; k++)
                // An exact zero xⱼ moves nothing, whatever ∂Pᵢ/∂xⱼ (∞·0 would make the scale NaN).
                if (x[columns[k]] != 0) s += Math.Abs(values[k]) * Math.Abs(x[columns[k]]);
            scale[i] = s;
        }
        Volatile.Write(ref _roundingJacobian, jacobian);
        var errors = new double[M];
        OutputRoundingErrors(x, errors);
        for (var i = 0; i < M; i++)
            if (double.IsFinite(errors[i])) scale[i] += errors[i] / (LandingUlps * UnitRoundoff);
    }

    // The scratch of OutputRoundingErrors (P's outputs, then a value and a bound per instruction), taken while in use.
    private double[]? _errorScratch;

    /// <summary>
    /// A first-order bound εᵢ on the absolute rounding error of evaluating each output Pᵢ(x) in doubles (m values into
    /// <paramref name="errors"/>), by running error analysis of P's straight-line program
    /// (<see cref="ProgramInterpreter.EvaluateWithErrors(StraightLineProgram, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>,
    /// Higham §3.3): what P's own rounding leaves of yᵢ at this x, cancellation inside P included (eˣ − 1 at 10⁻⁵ is
    /// known to about 10⁻¹⁶, not to u·10⁻⁵). +∞ or NaN where an intermediate overflows or meets a pole. One interpreted
    /// run of P; allocates nothing after the first call (one scratch per problem, a second thread at the same time
    /// makes its own).
    /// </summary>
    /// <exception cref="ArgumentException">x shorter than n, or errors shorter than m.</exception>
    public void OutputRoundingErrors(double[] x, double[] errors)
    {
        Check(x, N, "x");
        Check(errors, M, "errors");
        var program = _valueProgram.Value;
        var length = program.Instructions.Length;
        var scratch = Interlocked.Exchange(ref _errorScratch, null) ?? new double[M + 2 * length];
        var span = scratch.AsSpan();
        ProgramInterpreter.EvaluateWithErrors(program, x, [], span[..M], errors, span.Slice(M, length), span.Slice(M + length, length));
        Volatile.Write(ref _errorScratch, scratch);
    }

    /// <summary>
    /// A first-order bound on the absolute rounding error of evaluating L(P(x)) in doubles at x, by running error
    /// analysis of its straight-line program (<see cref="ProgramInterpreter.EvaluateWithErrors(StraightLineProgram, ReadOnlySpan{double}, ReadOnlySpan{double}, Span{double}, Span{double})"/>, Higham §3.3): what
    /// cancellation inside L(P(x)) leaves of its digits (½(eˣ − 1 − x − y*)² at 10⁻⁵ rounds eˣ at 1, so L ≈ 10⁻²² is known
    /// to about 10⁻²⁷, not to u·L). 0 when the bound is not finite (an intermediate overflows).
    /// </summary>
    /// <exception cref="ArgumentException">x shorter than n.</exception>
    public double LossRoundingError(double[] x)
    {
        Check(x, N, "x");
        var (value, error) = (new double[1], new double[1]);
        ProgramInterpreter.EvaluateWithErrors(_lossProgram.Value, x, [], value, error);
        return double.IsFinite(error[0]) ? error[0] : 0;
    }

    /// <summary>
    /// The componentwise backward error of x as a preimage of y, in units of rounding u = 2⁻⁵³:
    /// maxᵢ |Pᵢ(x) − yᵢ| / (u·(sᵢ + |yᵢ|)), with s the <see cref="RoundingScale"/> at x. 1 or a few means
    /// x is a preimage of y up to the rounding of x and of evaluating P there; a wrong preimage gives
    /// |P(x) − y| of the size of y, far more. 0 when P(x) = y exactly; +∞ when a component misses where
    /// its scale is 0; NaN when P, J or y is not finite at x.
    /// </summary>
    /// <exception cref="ArgumentException">x shorter than n, or y shorter than m.</exception>
    public double PreimageBackwardError(double[] x, double[] y)
    {
        Check(x, N, "x");
        Check(y, M, "y");
        var at = new double[M];
        // One matrix per problem, taken while in use: a second thread at the same time makes its own.
        var jacobian = Interlocked.Exchange(ref _roundingJacobian, null) ?? new CsrMatrix(SparseJacobianPattern());
        SparseJacobian(x, at, jacobian);
        var worst = RelativeMiss(jacobian, x, at, y, M, out _);
        Volatile.Write(ref _roundingJacobian, jacobian);
        return worst / UnitRoundoff;
    }

    /// <summary>
    /// Whether x lands on y as a closed-form inverse's value must: a componentwise backward error
    /// (<see cref="PreimageBackwardError"/>) of at most <see cref="LandingUlps"/> units of rounding. The one
    /// test of a derived inverse's landing (<see cref="Invert"/>) and of a given inverse at the start
    /// (PhysicsProblem.GivenInverseWarning), so that both mean the same at every scale: a test of
    /// ‖P(x) − y‖ against 1 + ‖y‖ passes any x when y and P are of size 10⁻²⁰. First the cheap sufficient
    /// test against |Pᵢ(x)| + |yᵢ| alone (a lower bound of the scale, so passing it passes the full test),
    /// then the full one with the sparse Jacobian.
    /// </summary>
    /// <param name="x">The inverse's value (n values).</param>
    /// <param name="y">The value it should land on (m values).</param>
    /// <param name="at">P(x), m values, when the caller has it; else null and it is evaluated here.</param>
    public bool Lands(double[] x, double[] y, double[]? at = null)
    {
        Check(x, N, "x");
        Check(y, M, "y");
        if (at is null) Simulate(x, at = new double[M]);
        var cheap = 0.0;
        for (var i = 0; i < M && cheap <= LandingUlps * UnitRoundoff; i++) cheap = ComponentMiss(at[i], y[i], Math.Abs(at[i]), cheap);
        return cheap <= LandingUlps * UnitRoundoff || PreimageBackwardError(x, y) <= LandingUlps;
    }

    /// <summary>
    /// The componentwise relative miss of P(x) against y, maxᵢ |Pᵢ(x) − yᵢ|/(sᵢ + |yᵢ|) with
    /// sᵢ = Σⱼ |Jᵢⱼ|·|xⱼ| + |Pᵢ(x)| (<see cref="RoundingScale"/>) from a sparse J at x: u times
    /// <see cref="PreimageBackwardError"/>. <paramref name="smallest"/> is minᵢ (sᵢ + |yᵢ|), the scale at which
    /// every component meets a relative tolerance. Allocates nothing.
    /// </summary>
    internal static double RelativeMiss(CsrMatrix jacobian, double[] x, double[] at, double[] y, int m, out double smallest)
    {
        var (rows, columns, values) = (jacobian.RowPointers, jacobian.ColumnIndices, jacobian.Values);
        var worst = 0.0;
        smallest = double.PositiveInfinity;
        for (var i = 0; i < m; i++)
        {
            var s = Math.Abs(at[i]);
            for (var k = rows[i]; k < rows[i + 1]; k++)
                // An exact zero xⱼ moves nothing, whatever ∂Pᵢ/∂xⱼ (∞·0 would make the scale NaN).
                if (x[columns[k]] != 0) s += Math.Abs(values[k]) * Math.Abs(x[columns[k]]);
            smallest = Math.Min(smallest, s + Math.Abs(y[i]));
            worst = ComponentMiss(at[i], y[i], s, worst);
        }
        return worst;
    }

    /// <summary><see cref="RelativeMiss(CsrMatrix, double[], double[], double[], int, out double)"/> from a dense n × n J (row-major) at x.</summary>
    internal static double RelativeMiss(double[] jacobian, int n, double[] x, double[] at, double[] y, out double smallest)
    {
        var worst = 0.0;
        smallest = double.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            var s = Math.Abs(at[i]);
            for (var j = 0; j < n; j++)
                if (x[j] != 0) s += Math.Abs(jacobian[i * n + j]) * Math.Abs(x[j]);
            smallest = Math.Min(smallest, s + Math.Abs(y[i]));
            worst = ComponentMiss(at[i], y[i], s, worst);
        }
        return worst;
    }

    // The larger of worst and |p − y|/(s + |y|): 0 for an exact hit, ∞ for a miss where the scale is 0, NaN
    // (kept once met) where either is not finite.
    private static double ComponentMiss(double p, double y, double s, double worst)
    {
        var (miss, scale) = (Math.Abs(p - y), s + Math.Abs(y));
        if (double.IsNaN(worst) || !double.IsFinite(miss) || !double.IsFinite(scale)) return double.NaN;
        if (miss == 0) return worst;
        return Math.Max(worst, scale == 0 ? double.PositiveInfinity : miss / scale);
    }

    /// <inheritdoc cref="InvertAny"/>
    public bool TryInvert(double[] y, double[] x0, double[] x) => InvertAny(y, x0, x);

    /// <summary>
    /// x = P⁻¹(y; x₀) by the closed-form inverse when there is one and it succeeds, else numerically
    /// (<see cref="InvertNumerically(double[], double[], double[], double, int)"/>). False when neither
    /// finds a preimage near x₀.
    /// </summary>
    public bool InvertAny(double[] y, double[] x0, double[] x) => InvertReporting(y, x0, x).Found;

    /// <summary>
    /// <see cref="InvertAny"/> with a report of how: the closed form, or the numeric route with its Newton
    /// and Krylov iterations and final ‖P(x) − y‖ (what a PG fallback note quotes).
    /// </summary>
    public InverseReport InvertReporting(double[] y, double[] x0, double[] x)
    {
        if (Invert(y, x0, x)) return new(true, InverseMethod.ClosedForm, 0, 0, double.NaN);
        // A given inverse is the user's word: no second opinion. Otherwise try Newton from x₀.
        return InverseSource == InverseSource.Given
            ? new(false, InverseMethod.ClosedForm, 0, 0, double.NaN)
            : InvertNumericallyReporting(y, x0, x);
    }

    /// <summary>
    /// x = P⁻¹(y; x₀) numerically: Newton's method on P(x) = y started at x₀, each step halved until the
    /// residual shrinks, so it stays with the preimage nearest x₀. Succeeds when every component misses by
    /// at most <paramref name="tolerance"/> relative to its rounding scale, |Pᵢ(x) − yᵢ| ≤
    /// tolerance·(Σⱼ |Jᵢⱼ|·|xⱼ| + |Pᵢ(x)| + |yᵢ|) (<see cref="PreimageBackwardError"/> ≤ tolerance/u; an absolute
    /// floor such as 1 + ‖y‖ would accept any start when P and y are of size 10⁻²⁰), or, on the dense route,
    /// when the Newton step is below <see cref="LandingUlps"/>·u·(‖x‖ + ‖x − x₀‖) (x is the root to rounding in x: at a root at 0
    /// of x³ no point but 0 meets the test in y); false (no preimage found near x₀) otherwise, and always
    /// for m ≠ n. Up to <see cref="NumericInverseDenseUpTo"/> variables on the dense Jacobian, above it on
    /// the sparse one with LSQR (<see cref="InverseMethod"/>); no n × n array above that size.
    /// </summary>
    public bool InvertNumerically(double[] y, double[] x0, double[] x, double tolerance = NumericInverseTolerance, int maxIterations = 100) =>
        InvertNumericallyReporting(y, x0, x, null, tolerance, maxIterations).Found;

    /// <summary>
    /// <see cref="InvertNumerically(double[], double[], double[], double, int)"/> by a chosen route
    /// (<paramref name="method"/>: <see cref="InverseMethod.DenseNewton"/> or
    /// <see cref="InverseMethod.NewtonKrylov"/>; null chooses by size), reporting the iterations and the
    /// final residual. Allocates nothing in steady state (the sparse route builds its CSR Jacobian and
    /// vectors once per problem, the dense route its n² arrays once per thread).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="method"/> is <see cref="InverseMethod.ClosedForm"/>, or an array is too short.</exception>
    public InverseReport InvertNumericallyReporting(double[] y, double[] x0, double[] x, InverseMethod? method = null,
        double tolerance = NumericInverseTolerance, int maxIterations = 100)
    {
        var chosen = method ?? (N <= NumericInverseDenseUpTo ? InverseMethod.DenseNewton : InverseMethod.NewtonKrylov);
        if (M != N) return new(false, chosen, 0, 0, double.NaN);
        Check(y, M, "y");
        Check(x0, N, "x0");
        Check(x, N, "x");
        // Made once; a race makes two, and the loser's is dropped (each is only a cache of arrays).
        var numeric = Volatile.Read(ref _numericInverse) ?? Interlocked.CompareExchange(ref _numericInverse, new NumericInverse(this), null) ?? _numericInverse!;
        return numeric.Invert(y, x0, x, chosen, tolerance, maxIterations);
    }

    /// <summary>
    /// The numeric inverse's default tolerance: every component misses by at most 10⁻¹² of its rounding
    /// scale (<see cref="PreimageBackwardError"/> ≤ 10⁻¹²/u ≈ 9000 units of rounding), what a Newton point
    /// some steps short of full convergence, or a chain of a few hundred rounded operations, still meets.
    /// </summary>
    public const double NumericInverseTolerance = 1e-12;

    /// <summary>The numeric inverse's dense route serves up to this many variables; above, the sparse route (<see cref="InverseMethod.NewtonKrylov"/>).</summary>
    public const int NumericInverseDenseUpTo = NumericInverse.DenseUpTo;

    private NumericInverse? _numericInverse;

    private static void Check(double[] a, int length, string name)
    {
        if (a.Length < length)
            throw new ArgumentException($"{name} needs {NumberText.Count(length, "value")} but has {a.Length}.", name);
    }

    /// <summary>
    /// The Euclidean norm of the first m values, scaled by the largest magnitude so that squares of values
    /// near 1e300 do not overflow (LAPACK's dnrm2 idea); infinite or NaN when a value is.
    /// </summary>
    public static double Norm(ReadOnlySpan<double> v, int m)
    {
        double largest = 0;
        for (var i = 0; i < m; i++)
        {
            if (!double.IsFinite(v[i])) return double.IsNaN(v[i]) ? double.NaN : double.PositiveInfinity;
            largest = Math.Max(largest, Math.Abs(v[i]));
        }
        if (largest == 0) return 0;
        double sum = 0;
        for (var i = 0; i < m; i++) sum += (v[i] / largest) * (v[i] / largest);
        return largest * Math.Sqrt(sum);
    }
}
