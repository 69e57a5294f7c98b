using PhysGrad.Numerics;

namespace PhysGrad.Examples;

/// <summary>
/// A simulator written by hand, with its own derivatives: the Rosenbrock residuals of docs/theory.md §7,
/// y_i = 10 (x_{i+1} − x_i²) for i &lt; n − 1 and y_{n−1} = 1 − x_0 (n ≥ 2 variables, m = n outputs),
/// with the loss L(y) = ½ Σ (y_i − y*_i)² (the library's default loss). Every update rule runs on
/// any <see cref="IDifferentiableProblem"/>: a rule asks only for the quantities in its
/// <c>Needs</c>, and a problem that does not offer one of them is refused with a message naming it.
/// So the constructor's <c>offered</c> lets this example leave quantities out, to show the refusals: without
/// <see cref="Capabilities.Hessian"/> Newton refuses it, without <see cref="Capabilities.Inverse"/> PG.
/// </summary>
/// <remarks>
/// The derivatives, by hand (r = y − y*, so ∂L/∂y = r and ∂²L/∂y² = I):
/// <list type="bullet">
/// <item>J: row i &lt; n − 1 has −20 x_i in column i and 10 in column i + 1; row n − 1 has −1 in column 0.</item>
/// <item>∂L/∂x = Jᵀ r.</item>
/// <item>∂²L/∂x² = JᵀJ + Σ_i r_i ∇²y_i, where ∇²y_i has the single entry −20 at (i, i) for i &lt; n − 1.</item>
/// <item>The local inverse is global and closed-form: x_0 = 1 − y_{n−1}, then x_{i+1} = y_i / 10 + x_i².</item>
/// </list>
/// The matrix-free products (J v, Jᵀ w, H v) touch each row's two entries, so they cost O(n); the dense
/// Jacobian and Hessian are O(n²) to write (mostly zeros), which is why a rule that reads only products
/// (GD, Adam, L-BFGS, Newton-CG) scales further.
/// Methods whose capability was left out throw <see cref="NotSupportedException"/>, as the interface
/// asks; a rule never calls them, because it checks <see cref="Supported"/> first.
/// </remarks>
public sealed class RosenbrockResiduals : IDifferentiableProblem
{
    /// <summary>Everything this simulator can answer.</summary>
    public const Capabilities All = Capabilities.Value | Capabilities.Gradient | Capabilities.Outputs | Capabilities.Jacobian |
        Capabilities.LossGradientInY | Capabilities.LossHessianInY | Capabilities.Hessian | Capabilities.Inverse |
        Capabilities.JacobianVector | Capabilities.JacobianTransposeVector | Capabilities.HessianVector;

    private readonly double[] _target;
    private readonly double[] _y, _r; // scratch: y and r = y − y* (so the value and gradient allocate nothing)

    /// <summary>The residuals in <paramref name="n"/> variables with target y* (n values; zero when null).</summary>
    /// <param name="n">The number of variables (at least 2).</param>
    /// <param name="target">y*, n values, or null for zeros.</param>
    /// <param name="offered">The quantities to offer (a subset of <see cref="All"/>; <see cref="All"/> by default).</param>
    /// <exception cref="ArgumentException">n &lt; 2, or a target of the wrong length.</exception>
    public RosenbrockResiduals(int n, double[]? target = null, Capabilities offered = All)
    {
        if (n < 2) throw new ArgumentException($"The residuals need at least 2 variables, not {n}.", nameof(n));
        if (target is not null && target.Length != n)
            throw new ArgumentException($"The target needs {n} values, not {target.Length}.", nameof(target));
        N = n;
        _target = target is null ? new double[n] : (double[])target.Clone();
        _y = new double[n];
        _r = new double[n];
        Supported = offered & All;
    }

    /// <inheritdoc/>
    public int N { get; }

    /// <inheritdoc/>
    public int M => N;

    /// <inheritdoc/>
    public Capabilities Supported { get; }

    /// <inheritdoc/>
    public double Value(double[] x)
    {
        Require(Capabilities.Value);
        Outputs(x, _y);
        return Residual(_y, _r);
    }

    /// <inheritdoc/>
    public double ValueGradient(double[] x, double[] gradient)
    {
        Require(Capabilities.Gradient);
        Outputs(x, _y);
        var loss = Residual(_y, _r);
        TransposeProduct(x, _r, gradient); // ∂L/∂x = Jᵀ r
        return loss;
    }

    /// <inheritdoc/>
    public void Simulate(double[] x, double[] y)
    {
        Require(Capabilities.Outputs);
        Outputs(x, y);
    }

    /// <inheritdoc/>
    public void Simulate(double[] x, double[] y, double[] jacobian)
    {
        Require(Capabilities.Jacobian);
        Outputs(x, y);
        var n = N;
        Array.Clear(jacobian, 0, n * n);
        for (var i = 0; i < n - 1; i++)
        {
            jacobian[i * n + i] = -20 * x[i];
            jacobian[i * n + i + 1] = 10;
        }
        jacobian[(n - 1) * n] = -1;
    }

    /// <summary>The loss is ½‖y − y*‖² (Levenberg–Marquardt then works from the residual y − y*, as on the compiled problem).</summary>
    public bool LossIsHalfSquaredResidual => true;

    /// <inheritdoc/>
    public double LossInY(double[] y, double[] gradient)
    {
        Require(Capabilities.LossGradientInY);
        return Residual(y, gradient); // ∂L/∂y = y − y*
    }

    /// <inheritdoc/>
    public double LossInY(double[] y, double[] gradient, double[] hessian)
    {
        Require(Capabilities.LossHessianInY);
        var n = N;
        Array.Clear(hessian, 0, n * n);
        for (var i = 0; i < n; i++) hessian[i * n + i] = 1; // ∂²L/∂y² = I
        return Residual(y, gradient);
    }

    /// <inheritdoc/>
    public double LossInX(double[] x, double[] gradient, double[] hessian)
    {
        Require(Capabilities.Hessian);
        var n = N;
        Outputs(x, _y);
        var loss = Residual(_y, _r);
        TransposeProduct(x, _r, gradient);
        // JᵀJ, written out: column c of J has −20 x_c (row c, c < n − 1), 10 (row c − 1, c ≥ 1) and −1
        // (row n − 1, c = 0). Entry (a, b) sums J[i, a] J[i, b] over the rows i where both are nonzero.
        Array.Clear(hessian, 0, n * n);
        for (var i = 0; i < n - 1; i++)
        {
            var (d, e) = (-20 * x[i], 10.0); // row i: d at column i, e at column i + 1
            hessian[i * n + i] += d * d;
            hessian[i * n + i + 1] += d * e;
            hessian[(i + 1) * n + i] += e * d;
            hessian[(i + 1) * n + i + 1] += e * e;
            hessian[i * n + i] += _r[i] * -20; // r_i ∇²y_i
        }
        hessian[0] += 1; // row n − 1: (−1)²
        return loss;
    }

    /// <inheritdoc/>
    public void JacobianVector(double[] x, double[] v, double[] y, double[] jv)
    {
        Require(Capabilities.JacobianVector);
        Outputs(x, y);
        Product(x, v, jv);
    }

    /// <inheritdoc/>
    public void JacobianTransposeVector(double[] x, double[] w, double[] y, double[] jtw)
    {
        Require(Capabilities.JacobianTransposeVector);
        Outputs(x, y);
        TransposeProduct(x, w, jtw);
    }

    /// <inheritdoc/>
    public double HessianVector(double[] x, double[] v, double[] gradient, double[] hv)
    {
        Require(Capabilities.HessianVector);
        var n = N;
        Outputs(x, _y);
        var loss = Residual(_y, _r);
        TransposeProduct(x, _r, gradient);
        // H v = Jᵀ (J v) + Σ_i r_i (∇²y_i v): J v goes through _y (free again once r is computed).
        var jv = _y;
        Product(x, v, jv);
        TransposeProduct(x, jv, hv);
        for (var i = 0; i < n - 1; i++) hv[i] += _r[i] * -20 * v[i];
        return loss;
    }

    /// <inheritdoc/>
    public bool TryInvert(double[] y, double[] x0, double[] x)
    {
        Require(Capabilities.Inverse);
        // Each output fixes the next variable: the preimage is unique, whatever x₀.
        x[0] = 1 - y[N - 1];
        for (var i = 0; i < N - 1; i++) x[i + 1] = y[i] / 10 + x[i] * x[i];
        for (var i = 0; i < N; i++)
            if (!double.IsFinite(x[i])) return false;
        return true;
    }

    private void Outputs(double[] x, double[] y)
    {
        for (var i = 0; i < N - 1; i++) y[i] = 10 * (x[i + 1] - x[i] * x[i]);
        y[N - 1] = 1 - x[0];
    }

    /// <summary>r = y − y* into <paramref name="r"/>; returns L = ½‖r‖².</summary>
    private double Residual(double[] y, double[] r)
    {
        double sum = 0;
        for (var i = 0; i < N; i++)
        {
            r[i] = y[i] - _target[i];
            sum += r[i] * r[i];
        }
        return 0.5 * sum;
    }

    /// <summary>J v, from the two entries of each row.</summary>
    private void Product(double[] x, double[] v, double[] jv)
    {
        for (var i = 0; i < N - 1; i++) jv[i] = -20 * x[i] * v[i] + 10 * v[i + 1];
        jv[N - 1] = -v[0];
    }

    /// <summary>Jᵀ w, from the two entries of each column.</summary>
    private void TransposeProduct(double[] x, double[] w, double[] jtw)
    {
        jtw[0] = -20 * x[0] * w[0] - w[N - 1];
        for (var c = 1; c < N - 1; c++) jtw[c] = 10 * w[c - 1] - 20 * x[c] * w[c];
        jtw[N - 1] = 10 * w[N - 2];
    }

    private void Require(Capabilities capability)
    {
        if (!Supported.HasFlag(capability))
            throw new NotSupportedException($"This RosenbrockResiduals was built without {capability}.");
    }
}
