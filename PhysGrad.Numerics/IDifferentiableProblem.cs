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
    /// Whether L(y) ≥ 0 for every y is known (a sum of squares, as the default loss ½‖y − y*‖²): only
    /// then does a loss at or below the loss tolerance mean a minimum to that tolerance. False unless
    /// the problem says so (a hand-written problem that knows its loss is non-negative overrides this).
    /// </summary>
    bool LossIsNonNegative => false;

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
    /// x = P⁻¹(y; x₀), the preimage of y near x₀: by the closed form when there is one, else
    /// numerically. False when no preimage is found.
    /// </summary>
    bool TryInvert(double[] y, double[] x0, double[] x);
}
