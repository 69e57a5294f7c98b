using System.Globalization;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Newton's method with the exact Hessian: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x. A clearly positive-definite H
/// is recognised by an allocation-free Cholesky test and solved directly; a singular or indefinite H
/// gets the modified direction of <see cref="ModifiedStep"/>, backtracked until L decreases (Armijo;
/// recorded as a fallback); a solve that fails
/// anyway falls back to a gradient step (recorded). Needs the dense Hessian (n² memory).
/// </summary>
/// <param name="eta">The step size η.</param>
/// <remarks>Above <see cref="DenseUpTo"/> variables starting it throws <see cref="Symbolic.SymbolicException"/>
/// (<see cref="Symbolic.ErrorKind.TooLarge"/>) naming the size and <see cref="NewtonCG"/>, which solves the same
/// Newton system by conjugate gradients on Hessian-vector products.</remarks>
public sealed class Newton(double eta)
    : RuleBase("newton", eta, Capabilities.Value | Capabilities.Gradient | Capabilities.Hessian)
{
    /// <summary>
    /// The most variables Newton takes. Its step holds three n × n arrays (the rule's Hessian, the
    /// factorisation workspace, the kernel's output) and factorises in O(n³): 232 ms a step at n = 10³
    /// (BENCHMARKS.md), so minutes and 2.4 GB at n = 10⁴. Beyond this size the run is refused rather
    /// than quietly switched to Newton-CG: a comparison reports under the rule's name, and Newton-CG
    /// differs from Newton where H is indefinite (a CG iterate or −∇L instead of the saddle-free step),
    /// so the user chooses it by name.
    /// </summary>
    public const int DenseUpTo = 2000;

    /// <inheritdoc/>
    public override string? SizeRefusal(int outputs, int variables) => variables <= DenseUpTo ? null
        : $"newton forms the dense Hessian ({variables} × {variables}, {NumberText.Short(3.0 * variables * variables * 8 / 1e9, 3)} GB in its three copies) " +
          $"and factorises it in O(n³) time every step; {variables} variables are over its limit of {DenseUpTo}. " +
          "Use newton-cg, which solves the same Newton system by conjugate gradients on Hessian-vector products (the Hessian never formed; " +
          "the same step where the Hessian is positive definite), or a smaller problem.";

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0) => new State(problem, Eta);

    private sealed class State(IDifferentiableProblem problem, double eta) : RuleState(problem)
    {
        private readonly double[] _hx = new double[problem.N * problem.N];
        private readonly double[] _workspace = new double[problem.N * problem.N];
        private double[]? _trial; // the line search's points, allocated at the first fallback

        public override double[]? Hessian => _hx;

        public override double Evaluate(double[] x, double[] gradient) => Problem.LossInX(x, gradient, _hx);

        public override NonFiniteValue? CheckInputs(double loss, double[] gradient) =>
            base.CheckInputs(loss, gradient) ?? NonFiniteValue.Find(Quantity.Hessian, _hx, N);

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            // At ∂L/∂x = 0 exactly the Newton step is 0 whatever H is: no fallback, the run
            // classifies the point by its curvature.
            if (Array.TrueForAll(gradient, v => v == 0)) Array.Clear(dx);
            // The common case, H clearly positive definite, is decided here without allocating (the
            // eigendecomposition's lambdas allocate, so the test stays out of it); the
            // eigendecomposition settles the rest.
            // A positive-definite H whose Cholesky pivots fall below that floor (moderately ill-conditioned)
            // is recognised by a condition bound, also without allocating, before the eigendecomposition
            // is asked: both tests are sufficient for what ModifiedStep would decide (null), so the step is
            // the same one either way.
            else if (!LinearAlgebra.IsClearlyPositiveDefinite(_hx, N, _workspace, 1e-6)
                     && !LinearAlgebra.IsProvablyPositiveDefinite(_hx, N, _workspace, dx, Curvature.RelativeZero)
                     && ModifiedStep(_hx, gradient, eta, dx) is { } modified)
            {
                // H is singular or indefinite (checked from its eigenvalues, not from whether −H⁻¹g
                // happens to descend): the direction is the modified one. Its length is only as good
                // as the quadratic model along the eigenvectors whose eigenvalue was changed, and a
                // small |λ| makes it long (1/|λ|), so the step is backtracked until L decreases
                // (Nocedal & Wright, Numerical Optimization, Algorithm 3.2: modified Newton with a
                // line search). Where H is positive definite nothing changes: the step stays −ηH⁻¹g.
                _trial ??= new double[N];
                var failed = ArmijoBacktracking.Search(Problem, x, loss, gradient, dx, _trial, out var halvings);
                var searched = failed is { } note ? "; " + note
                    : halvings > 0 ? $"; the full step did not decrease L enough (Armijo's condition), so it was halved {NumberText.Count(halvings, "time")} (Nocedal & Wright, Algorithm 3.2)"
                    : "";
                notes.Note(modified.Kind, $"the Hessian is {modified.Why} at {Point(x)}; {modified.Detail}{searched}");
            }
            else if (!Steps.Newton(_hx, gradient, eta, dx, _workspace, out var why))
            {
                for (var i = 0; i < N; i++) dx[i] = -eta * gradient[i];
                notes.Note(FallbackKind.HessianSingular, $"the Hessian is {why} at {Point(x)}; took a gradient step instead");
            }
        }
    }

    /// <summary>
    /// Newton's modified direction when H is singular or indefinite, or null (and Δx untouched) when H
    /// is positive definite. Over the eigenpairs (λₖ, vₖ) of the symmetrised H: Δx = −η Σ (vₖᵀg/|λₖ|) vₖ
    /// for |λₖ| above δ = 10⁻⁹ max|λ|, negative λₖ taken by magnitude (the eigenvalue modification of
    /// Nocedal &amp; Wright, Numerical Optimization, §3.4, in the form of the saddle-free Newton step of
    /// Dauphin et al. 2014, used whenever H is indefinite, so the direction never heads for a saddle),
    /// plus the gradient step −η (vₖᵀg) vₖ along each eigenvalue with |λₖ| ≤ δ, treated as zero: the
    /// pseudo-inverse alone (−η H⁺g) would drop the gradient's component in H's null space, stop on a
    /// slope, and call it stationary. All of it is taken on the Jacobi-scaled H' = S H S in z = S⁻¹x (S =
    /// diag(1/√|H_ii|)), so the decisions do not depend on the units of x. The flat-direction part is
    /// −η S (I − H'⁺H') S g and carries GD's unit,
    /// unit(L)/unit(x). Every term has vₖᵀΔx of opposite sign to vₖᵀg, so Δx is a descent direction
    /// (∇L·Δx &lt; 0 unless ∇L = 0); it is not necessarily a step that decreases L, since an eigenvalue
    /// small in magnitude makes its term long: the caller backtracks along it.
    /// </summary>
    internal static (FallbackKind Kind, string Why, string Detail)? ModifiedStep(double[] hx, double[] gradient, double eta, double[] dx)
    {
        var n = gradient.Length;
        // Every decision (which eigenvalues are zero, which negative) and the direction are taken on the
        // Jacobi-scaled H' = S H S, S = diag(1/√|H_ii|) (a row's largest |entry| where H_ii = 0, 1 for a zero
        // row), in the variables z = S⁻¹x: Newton's step is invariant to the units of x, and its numerical
        // rank must be too (unscaled, H = diag(2·10¹⁶, 2) at x in units of 10⁻⁸ and 1 had a "zero"
        // eigenvalue). Congruence keeps the eigenvalues' signs (Sylvester), so the class is H's; Δx = S Δz.
        var s = new double[n];
        for (var r = 0; r < n; r++)
        {
            var d = Math.Abs(hx[r * n + r]);
            if (!(d > 0)) for (var c = 0; c < n; c++) d = Math.Max(d, Math.Abs(hx[r * n + c]));
            s[r] = d > 0 && double.IsFinite(d) ? 1 / Math.Sqrt(d) : 1.0;
        }
        var h = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(n, n, 0);
        var original = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(n, n, 0);
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
            {
                original[r, c] = 0.5 * (hx[r * n + c] + hx[c * n + r]);
                h[r, c] = s[r] * original[r, c] * s[c];
            }
        var evd = h.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var largest = values.Max(Math.Abs);
        var zero = Curvature.RelativeZero * largest;
        if (values.All(v => v > zero)) return null;
        Array.Clear(dx);
        int dropped = 0, flipped = 0;
        double flatSlope = 0;
        for (var k = 0; k < n; k++)
        {
            var lambda = values[k];
            double vg = 0; // vₖ·(S g), the scaled gradient's component
            for (var i = 0; i < n; i++) vg += evd.EigenVectors[i, k] * s[i] * gradient[i];
            if (!(Math.Abs(lambda) > zero))
            {
                dropped++;
                flatSlope += vg * vg;
                for (var i = 0; i < n; i++) dx[i] -= eta * vg * s[i] * evd.EigenVectors[i, k];
                continue;
            }
            if (lambda < 0) flipped++;
            for (var i = 0; i < n; i++) dx[i] -= eta * vg / Math.Abs(lambda) * s[i] * evd.EigenVectors[i, k];
        }
        // The message shows H's own eigenvalues (what the user's units give), the class comes from H'.
        var shown = Curvature.ShowEigenvalues(original.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric)
            .EigenValues.Select(v => v.Real).OrderBy(v => v).ToArray());
        var why = $"{Curvature.Definiteness(values, zero)} (eigenvalues {shown})";
        if (dropped == n)
            return (FallbackKind.HessianSingular, why, "every eigenvalue is 0 (L is linear here): took a gradient step instead");
        var kind = flipped > 0 ? FallbackKind.HessianIndefinite : FallbackKind.HessianSingular;
        var flat = Math.Sqrt(flatSlope) > 1e-12 * Math.Sqrt(gradient.Select((v, i) => s[i] * s[i] * v * v).Sum())
            ? $" plus a gradient step −η(I − H⁺H)∇L along {(dropped == 1 ? "it" : "them")}, where ∇L has a component the pseudo-inverse would drop"
            : "";
        var how = (flipped > 0 ? $"took {NumberText.Count(flipped, "negative eigenvalue")} by magnitude" : "") +
                  (flipped > 0 && dropped > 0 ? " and " : "") +
                  (dropped > 0 ? $"dropped {NumberText.Count(dropped, "zero eigenvalue")} (pseudo-inverse){flat}" : "");
        return (kind, why, $"{how}, a descent direction");
    }
}

/// <summary>Steps shared by several rules.</summary>
internal static class Steps
{
    /// <summary>
    /// step = −η A⁻¹ b when A is regular and A⁻¹b points along b (bᵀA⁻¹b &gt; 0); false otherwise, with
    /// the reason in <paramref name="why"/> (<paramref name="step"/> then unspecified).
    /// </summary>
    public static bool Newton(double[] hessian, double[] gradient, double eta, double[] step, double[] workspace, out string why)
    {
        var r = LinearAlgebra.Solve(hessian, gradient, step, workspace);
        why = r.Ok ? "" : r.ToString();
        if (!r.Ok) return false;
        // H⁻¹g must point uphill (gᵀH⁻¹g > 0); otherwise H is not positive definite (indefinite or
        // negative definite, which this test cannot tell apart) and −H⁻¹g is no descent step.
        double slope = 0;
        for (var i = 0; i < step.Length; i++) slope += step[i] * gradient[i];
        if (!(slope > 0))
        {
            why = "not positive definite (the Newton direction does not descend)";
            return false;
        }
        for (var i = 0; i < step.Length; i++) step[i] *= -eta;
        return true;
    }
}
