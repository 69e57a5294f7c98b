namespace PhysGrad.Numerics.Rules;

/// <summary>
/// BFGS (Nocedal &amp; Wright, Numerical Optimization, §6.1): Δx = −η B ∂L/∂x with B the inverse-Hessian
/// estimate, updated after each step from the step s and the gradient change y (skipped, and recorded,
/// when sᵀy is not positive beyond its rounding, ε‖s‖‖y‖). Scale-free: the first step takes B₀ = γ₀ I
/// with γ₀ = |L|/‖∂L/∂x‖² (Polyak's step to the bound L = 0 of a loss that is ≥ 0; Polyak, Introduction to
/// Optimization, 1987, §5.3; for other losses a length with the same scaling), and before the first update B₀
/// becomes (sᵀy / yᵀy) I (Nocedal &amp; Wright, eq. 6.20), so that with x → s·x and L → c·L the path
/// is s times the same (B₀ = I made the first step −∂L/∂x, whose length depends on the units: 10⁸·y
/// diverged and 10⁻⁸·y stalled). Dense: n² memory. Needs the gradient only.
/// </summary>
/// <param name="eta">The step size η.</param>
public sealed class Bfgs(double eta)
    : RuleBase("bfgs", eta, Capabilities.Value | Capabilities.Gradient)
{
    /// <summary>
    /// The most variables BFGS takes: its estimate is a dense n × n matrix (200 MB at n = 5000, 80 GB at
    /// n = 10⁵) and each step costs O(n²) to apply and update it. L-BFGS keeps 10 pairs of vectors
    /// instead (O(n) memory and time) and runs at any size.
    /// </summary>
    public const int DenseUpTo = 5000;

    /// <inheritdoc/>
    public override string? SizeRefusal(int outputs, int variables) => variables <= DenseUpTo ? null
        : $"bfgs keeps a dense {variables} × {variables} inverse-Hessian estimate ({NumberText.Short(8.0 * variables * variables / 1e9, 3)} GB) and updates it " +
          $"in O(n²) every step; {variables} variables are over its limit of {DenseUpTo}. Use lbfgs, which keeps the last 10 steps instead " +
          "(O(n) memory), or a smaller problem.";

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new QuasiNewtonState(problem, Eta, dense: true);
}

/// <summary>
/// L-BFGS (Nocedal &amp; Wright §7.2): BFGS with the estimate kept as the last 10 pairs (s, y), applied
/// by the two-loop recursion, the initial estimate scaled by sᵀy / yᵀy of the newest pair (and before the
/// first pair as BFGS's first step, <see cref="Bfgs"/>). O(n) memory. Needs the gradient only.
/// </summary>
/// <param name="eta">The step size η.</param>
public sealed class LimitedMemoryBfgs(double eta)
    : RuleBase("lbfgs", eta, Capabilities.Value | Capabilities.Gradient)
{
    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new QuasiNewtonState(problem, Eta, dense: false);
}

internal sealed class QuasiNewtonState(IDifferentiableProblem problem, double eta, bool dense) : GradientState(problem)
{
    private readonly QuasiNewton _estimate = new(problem.N, dense);
    private readonly double[] _previousGradient = new double[problem.N];

    public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
    {
        _estimate.StartScale(loss, gradient);
        _estimate.Direction(gradient, dx);
        for (var i = 0; i < N; i++) dx[i] *= -eta;
        Array.Copy(gradient, _previousGradient, N);
    }

    public override void AfterStep(double[] dx, double[] gradient, FallbackNotes notes)
    {
        // A zero step carries no curvature information: nothing to update, and no fallback to report.
        if (LinearAlgebra.AllFinite(gradient) && !Array.TrueForAll(dx, v => v == 0) && !_estimate.Update(dx, _previousGradient, gradient))
            notes.Note(FallbackKind.CurvatureConditionFailed, "the curvature condition sᵀy > 0 failed; the inverse-Hessian estimate was not updated");
    }
}

/// <summary>
/// The BFGS inverse-Hessian estimate, dense or limited-memory. Written here because MathNet's BFGS
/// and L-BFGS minimisers only run to convergence with their own line search, while PhysGrad steps
/// one iteration at a time with a given η, like every other method.
/// </summary>
internal sealed class QuasiNewton(int n, bool dense)
{
    private const int Memory = 10;
    // The dense estimate, made at the first update as (sᵀy / yᵀy) I and then updated (null before).
    private double[,]? _inverse;
    // L-BFGS's pairs, each kept scaled (s = a ŝ, y = b ŷ, a and b powers of 2 that bring their largest entries
    // to [1, 2)) with ρ̂ = 1/ŝᵀŷ and R = a/b: the products of two steps of 10⁻¹⁶⁰ underflow (sᵀy = 10⁻³²⁰ and
    // ρ = 1/sᵀy overflowed to ∞, and the next step was NaN), where the scaled ones are near 1.
    private readonly List<(double[] S, double[] Y, double Rho, double R)> _pairs = [];
    // B₀ = γ₀ I until the first update; NaN until the first step sets it.
    private double _gamma0 = double.NaN;

    /// <summary>
    /// Sets B₀ = γ₀ I for the steps before the first update, once: γ₀ = |L|/‖g‖², Polyak's step length to L = 0
    /// along −g for a loss that is ≥ 0 (the default ½‖y − y*‖²), and for any other loss a length with the
    /// right scaling (L → c·L, x → s·x give γ₀ → γ₀·s²/c) where 1 has none; 1 where L or g is 0 or not finite.
    /// </summary>
    public void StartScale(double loss, double[] g)
    {
        if (!double.IsNaN(_gamma0)) return;
        // |L|/‖g‖² with g scaled by a power of 2 (exact): ‖g‖² of a gradient of 10⁻¹⁶⁰ underflows to 0.
        var a = LinearAlgebra.PowerOfTwo(LinearAlgebra.MaxAbs(g, 1));
        var gamma = Math.Abs(loss) / a / a / Dot(g, g, a, a);
        _gamma0 = gamma > 0 && double.IsFinite(gamma) ? gamma : 1;
    }

    private bool Updated => dense ? _inverse is not null : _pairs.Count > 0;

    /// <summary>d = B g (the step is −η d).</summary>
    public void Direction(double[] g, double[] d)
    {
        if (!Updated)
        {
            var first = double.IsNaN(_gamma0) ? 1 : _gamma0;
            for (var i = 0; i < n; i++) d[i] = first * g[i];
            return;
        }
        if (_inverse is not null)
        {
            for (var i = 0; i < n; i++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++) sum += _inverse[i, k] * g[k];
                d[i] = sum;
            }
            return;
        }
        // The two-loop recursion, with the initial estimate scaled by sᵀy / yᵀy of the newest pair, on the
        // scaled pairs: α = ρ sᵀq = α̂/b with α̂ = ρ̂ ŝᵀq, so q −= α y is q −= α̂ ŷ; β = ρ yᵀd = ρ̂ ŷᵀd/a, so
        // d += (α − β) s is d += (α̂ R − ρ̂ ŷᵀd) ŝ; sᵀy / yᵀy = R ŝᵀŷ / ŷᵀŷ.
        var q = (double[])g.Clone();
        var alpha = new double[_pairs.Count];
        for (var p = _pairs.Count - 1; p >= 0; p--)
        {
            var (s, y, rho, _) = _pairs[p];
            alpha[p] = rho * Dot(s, q);
            for (var i = 0; i < n; i++) q[i] -= alpha[p] * y[i];
        }
        var newest = _pairs[^1];
        var gamma = newest.R * Dot(newest.S, newest.Y) / Dot(newest.Y, newest.Y);
        for (var i = 0; i < n; i++) d[i] = gamma * q[i];
        for (var p = 0; p < _pairs.Count; p++)
        {
            var (s, y, rho, r) = _pairs[p];
            var beta = rho * Dot(y, d);
            for (var i = 0; i < n; i++) d[i] += (alpha[p] * r - beta) * s[i];
        }
    }

    /// <summary>
    /// Takes the step s and the gradients before and after; false (no update) unless sᵀy &gt; ε‖s‖‖y‖, the
    /// curvature condition sᵀy &gt; 0 beyond the rounding of the product (relative, so the same at every
    /// scale of x and L; the former absolute 10⁻³⁰⁰ let rounding through at small scales).
    /// </summary>
    /// <remarks>Computed on s and y scaled by powers of 2 (ŝ = s/a, ŷ = y/b, exact), so that no product
    /// underflows or overflows: with steps and gradient changes of 10⁻¹⁶⁰, sᵀy = 10⁻³²⁰ lost its digits and
    /// ρ = 1/sᵀy overflowed, and the next step was NaN.</remarks>
    public bool Update(double[] step, double[] before, double[] after)
    {
        var s = (double[])step.Clone();
        var y = new double[n];
        for (var i = 0; i < n; i++) y[i] = after[i] - before[i];
        double a = LinearAlgebra.PowerOfTwo(LinearAlgebra.MaxAbs(s, 1)), b = LinearAlgebra.PowerOfTwo(LinearAlgebra.MaxAbs(y, 1)), r = a / b;
        for (var i = 0; i < n; i++) (s[i], y[i]) = (s[i] / a, y[i] / b);
        var sy = Dot(s, y);
        var yy = Dot(y, y);
        if (!(sy > Krylov.Epsilon * Math.Sqrt(Dot(s, s) * yy)) || !double.IsFinite(r) || r == 0) return false;
        var rho = 1 / sy;
        if (!dense)
        {
            _pairs.Add((s, y, rho, r));
            if (_pairs.Count > Memory) _pairs.RemoveAt(0);
            return true;
        }
        // Nocedal & Wright eq. 6.20: the identity scaled to the curvature just measured, before the first update.
        if (_inverse is null)
        {
            _inverse = new double[n, n];
            for (var i = 0; i < n; i++) _inverse[i, i] = r * sy / yy;
        }
        // B ← (I − ρ s yᵀ) B (I − ρ y sᵀ) + ρ s sᵀ, expanded: B − ρ(s (yᵀB) + (By) sᵀ) + (ρ² yᵀBy + ρ) s sᵀ; in the
        // scaled ŝ, ŷ, ρ̂ (ρ = ρ̂/(ab)): B − ρ̂(ŝ (ŷᵀB) + (Bŷ) ŝᵀ) + (ρ̂² ŷᵀBŷ + ρ̂ R) ŝ ŝᵀ.
        var by = new double[n];
        var yb = new double[n];
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
            {
                by[i] += _inverse[i, k] * y[k];
                yb[i] += y[k] * _inverse[k, i];
            }
        var yby = Dot(y, by);
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
                _inverse[i, k] += -rho * (s[i] * yb[k] + by[i] * s[k]) + (rho * rho * yby + rho * r) * s[i] * s[k];
        return true;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }

    // (a/sa)ᵀ(b/sb): the dot product of the vectors scaled by sa and sb.
    private static double Dot(double[] a, double[] b, double sa, double sb)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] / sa * (b[i] / sb);
        return sum;
    }
}
