using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// What a problem can answer, one flag per quantity (MathNet's <c>IObjectiveFunction</c> has
/// <c>IsGradientSupported</c> and <c>IsHessianSupported</c>; here there are more quantities, so a set).
/// </summary>
[Flags]
public enum Capabilities
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>L(P(x)).</summary>
    Value = 1,
    /// <summary>L(P(x)) with its gradient ∂L/∂x (n values).</summary>
    Gradient = 2,
    /// <summary>y = P(x) (m values).</summary>
    Outputs = 4,
    /// <summary>y = P(x) with the Jacobian J = ∂P/∂x (m × n, row by row).</summary>
    Jacobian = 8,
    /// <summary>L(y) with ∂L/∂y (m values).</summary>
    LossGradientInY = 16,
    /// <summary>L(y) with ∂L/∂y and ∂²L/∂y² (m × m, row by row).</summary>
    LossHessianInY = 32,
    /// <summary>L(P(x)) with its gradient and the dense Hessian ∂²L/∂x² (n × n, row by row).</summary>
    Hessian = 64,
    /// <summary>A closed-form local inverse x = P⁻¹(y; x₀) (given or derived symbolically).</summary>
    Inverse = 128,
    /// <summary>y = P(x) with the directional derivative J v (m values), without forming J.</summary>
    JacobianVector = 256,
    /// <summary>y = P(x) with the adjoint product Jᵀ w (n values), without forming J.</summary>
    JacobianTransposeVector = 512,
    /// <summary>∂L/∂x with the Hessian-vector product (∂²L/∂x²) v (n values), without forming the Hessian.</summary>
    HessianVector = 1024,
    /// <summary>y = P(x) with the Jacobian's structural nonzeros (CSR, <see cref="CsrMatrix"/>), without forming the dense J.</summary>
    SparseJacobian = 2048,
    /// <summary>L(P(x)) with its gradient and the Hessian's structural nonzeros (CSR), without forming the dense Hessian.</summary>
    SparseHessian = 4096,
}

/// <summary>
/// A problem y = P(x) with a loss L(y) that answers on request: each quantity is computed only when a
/// rule asks for it, and <see cref="Supported"/> says which it can answer at all. Arrays are caller
/// owned, row-major for matrices; x has <see cref="N"/> values, y <see cref="M"/>. A method whose
/// capability is missing throws <see cref="NotSupportedException"/>.
/// </summary>
public interface IDifferentiableProblem
{
    /// <summary>n, the number of variables.</summary>
    int N { get; }

    /// <summary>m, the number of outputs.</summary>
    int M { get; }

    /// <summary>What this problem can answer.</summary>
    Capabilities Supported { get; }

    /// <summary>
    /// The part of <see cref="Supported"/> that answers without first being built: a problem that derives and
    /// compiles each quantity on its first request (<see cref="CompiledProblem.Compiled"/>) names only those
    /// built so far. A caller choosing among sources of one quantity (the stop point's Hessian,
    /// <see cref="Stepper.ClassifyCurvature"/>) prefers a ready one to one that costs a compilation.
    /// By default everything supported (a hand-written problem has its code already).
    /// </summary>
    Capabilities Ready => Supported;

    /// <summary>
    /// Whether L(y) ≥ 0 for every y is known (a sum of squares, as the default loss ½‖y − y*‖²): only
    /// then does a loss at or below the loss tolerance mean a minimum to that tolerance. False unless
    /// the problem says so (a hand-written problem that knows its loss is non-negative overrides this).
    /// </summary>
    bool LossIsNonNegative => false;

    /// <summary>
    /// Whether L is the default ½‖y − y*‖², so that ∂L/∂y = y − y* and L = ½‖∂L/∂y‖²: where L overflows doubles
    /// with a finite residual, a run carries log₁₀ L from the residual (<see cref="Stepper.LossLog10"/>) and
    /// the rules that step in y go on. False unless the problem says so.
    /// </summary>
    bool LossIsHalfSquaredResidual => false;

    /// <summary>
    /// Why <paramref name="x"/> (n values) lies outside the domain of the simulator or the loss, or null
    /// when it does not or the problem cannot tell: the first failing domain condition with the values it
    /// is on, e.g. <c>x0 ≥ 0 for sqrt(x0) fails (x0 = -3)</c> (<see cref="DomainCheck"/>). A run asks only
    /// where the loss or P(x) has become non-finite at a finite x (<see cref="DomainCheck.Left"/>), to stop with <see cref="StopReason.LeftDomain"/>
    /// rather than <see cref="StopReason.Diverged"/>. Null by default (a hand-written problem knows no
    /// conditions); <see cref="CompiledProblem"/> reads them off its formulas.
    /// </summary>
    string? OutsideDomainAt(double[] x) => null;

    /// <summary>L(P(x)).</summary>
    double Value(double[] x);

    /// <summary>L(P(x)), with ∂L/∂x written to <paramref name="gradient"/> (n).</summary>
    double ValueGradient(double[] x, double[] gradient);

    /// <summary>y = P(x) into <paramref name="y"/> (m).</summary>
    void Simulate(double[] x, double[] y);

    /// <summary>y = P(x) (m) and J = ∂P/∂x (m·n, row by row).</summary>
    void Simulate(double[] x, double[] y, double[] jacobian);

    /// <summary>L(y), with ∂L/∂y (m).</summary>
    double LossInY(double[] y, double[] gradient);

    /// <summary>L(y), with ∂L/∂y (m) and ∂²L/∂y² (m·m, row by row).</summary>
    double LossInY(double[] y, double[] gradient, double[] hessian);

    /// <summary>L(P(x)), with its gradient (n) and Hessian (n·n, row by row) in x.</summary>
    double LossInX(double[] x, double[] gradient, double[] hessian);

    /// <summary>y = P(x) into <paramref name="y"/> (m) and J v into <paramref name="jv"/> (m), for v of n values.</summary>
    void JacobianVector(double[] x, double[] v, double[] y, double[] jv);

    /// <summary>y = P(x) into <paramref name="y"/> (m) and Jᵀ w into <paramref name="jtw"/> (n), for w of m values.</summary>
    void JacobianTransposeVector(double[] x, double[] w, double[] y, double[] jtw);

    /// <summary>
    /// L(P(x)), with ∂L/∂x into <paramref name="gradient"/> (n) and (∂²L/∂x²) v into
    /// <paramref name="hv"/> (n), for v of n values.
    /// </summary>
    double HessianVector(double[] x, double[] v, double[] gradient, double[] hv);

    /// <summary>
    /// (∂²L/∂x²) v alone into <paramref name="hv"/> (n), for v of n values: the same product as
    /// <see cref="HessianVector"/> for callers that discard L and ∂L/∂x (the CG iterations of Newton-CG),
    /// part of <see cref="Capabilities.HessianVector"/>. By default it calls <see cref="HessianVector"/>
    /// with a per-thread scratch gradient; a problem with a cheaper product (a kernel that computes no
    /// gradient, as <see cref="CompiledProblem"/>'s) overrides it.
    /// </summary>
    void HessianVectorOnly(double[] x, double[] v, double[] hv) =>
        HessianVector(x, v, ProductScratch.Gradient(N), hv);

    /// <summary>
    /// x = P⁻¹(y; x₀), the preimage of y near x₀: by the closed form when there is one, else
    /// numerically. False when no preimage is found.
    /// </summary>
    bool TryInvert(double[] y, double[] x0, double[] x);

    /// <summary>
    /// The structural nonzeros of J = ∂P/∂x (m × n, CSR): fixed for the problem, so a solver builds its
    /// <see cref="CsrMatrix"/> once (<c>new CsrMatrix(problem.SparseJacobianPattern())</c>) and refreshes
    /// its values with <see cref="SparseJacobian"/> at every point.
    /// </summary>
    /// <exception cref="NotSupportedException">Without <see cref="Capabilities.SparseJacobian"/>.</exception>
    SparsityPattern SparseJacobianPattern() =>
        throw new NotSupportedException($"{GetType().Name} does not offer {Capabilities.SparseJacobian}.");

    /// <summary>
    /// y = P(x) into <paramref name="y"/> (m) and the values of J's structural nonzeros into
    /// <paramref name="jacobian"/>, whose pattern must be <see cref="SparseJacobianPattern"/>'s.
    /// </summary>
    /// <exception cref="NotSupportedException">Without <see cref="Capabilities.SparseJacobian"/>.</exception>
    /// <exception cref="ArgumentException">A matrix of another pattern, or arrays too short.</exception>
    void SparseJacobian(double[] x, double[] y, CsrMatrix jacobian) =>
        throw new NotSupportedException($"{GetType().Name} does not offer {Capabilities.SparseJacobian}.");

    /// <summary>The structural nonzeros of ∂²L/∂x² (n × n, CSR, both triangles), fixed for the problem.</summary>
    /// <exception cref="NotSupportedException">Without <see cref="Capabilities.SparseHessian"/>.</exception>
    SparsityPattern SparseHessianPattern() =>
        throw new NotSupportedException($"{GetType().Name} does not offer {Capabilities.SparseHessian}.");

    /// <summary>
    /// L(P(x)), with ∂L/∂x into <paramref name="gradient"/> (n) and the values of the Hessian's structural
    /// nonzeros into <paramref name="hessian"/>, whose pattern must be <see cref="SparseHessianPattern"/>'s.
    /// </summary>
    /// <exception cref="NotSupportedException">Without <see cref="Capabilities.SparseHessian"/>.</exception>
    /// <exception cref="ArgumentException">A matrix of another pattern, or arrays too short.</exception>
    double SparseHessian(double[] x, double[] gradient, CsrMatrix hessian) =>
        throw new NotSupportedException($"{GetType().Name} does not offer {Capabilities.SparseHessian}.");
}

/// <summary>Per-thread scratch space for the default <see cref="IDifferentiableProblem.HessianVectorOnly"/> (a call allocates nothing in steady state).</summary>
internal static class ProductScratch
{
    [ThreadStatic] private static double[]? _gradient;

    /// <summary>An array of at least <paramref name="n"/> values, this thread's own.</summary>
    public static double[] Gradient(int n)
    {
        var g = _gradient;
        if (g is null || g.Length < n) _gradient = g = new double[n];
        return g;
    }
}
