using System.Globalization;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Newton's method with the exact Hessian: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x. Two forms, chosen by size:
/// <list type="bullet">
/// <item>Dense (n ≤ <see cref="DenseUpToVariables"/>, by default <see cref="DenseUpTo"/>): H formed as an
/// n × n array. A clearly positive-definite H is recognised by an allocation-free Cholesky test and solved
/// directly; a singular or indefinite H gets the eigenvalue-modified direction of <see cref="ModifiedStep"/>,
/// backtracked until L decreases (Armijo; recorded as a fallback); a solve that fails anyway falls back to
/// a gradient step (recorded). n² memory, O(n³) time a step.</item>
/// <item>Sparse (n above it, when the problem answers <see cref="Capabilities.SparseHessian"/>): H's
/// structural nonzeros only (<see cref="IDifferentiableProblem.SparseHessian"/>), factorised by a sparse
/// Cholesky after a reverse Cuthill–McKee ordering (<see cref="EnvelopeCholesky"/>), so the step is
/// −ηH⁻¹∇L to rounding, as the dense one, at O(n b) memory and O(n b²) time for a half-bandwidth b after
/// the ordering. Where H is not positive definite (a Cholesky pivot not above 10⁻⁹ max|hᵢᵢ|), the
/// eigenvalues are out of reach at this size, so the modification is Nocedal &amp; Wright's Algorithm 3.3
/// (Numerical Optimization, 2nd ed., §3.4, "Cholesky with added multiple of the identity"): with
/// β = 10⁻³ max|hᵢᵢ|, τ₀ = 0 when every hᵢᵢ &gt; 0 and −min hᵢᵢ + β otherwise, then τₖ₊₁ = max(2τₖ, β)
/// until H + τI factorises; Δx = −η (H + τI)⁻¹∇L, a descent direction, backtracked as the dense modified
/// step is (Armijo, Algorithm 3.2) and recorded (<see cref="FallbackKind.HessianIndefinite"/> when a
/// negative diagonal entry or pivot shows a negative eigenvalue, else <see cref="FallbackKind.HessianSingular"/>),
/// naming τ and the size. This is not the dense form's modified step (there |λ| replaces each eigenvalue,
/// here every eigenvalue is raised by τ): the two forms agree where H is positive definite.</item>
/// </list>
/// </summary>
/// <remarks>Starting it throws <see cref="Symbolic.SymbolicException"/> (<see cref="Symbolic.ErrorKind.TooLarge"/>)
/// above <see cref="DenseUpTo"/> variables when the problem has no sparse Hessian (naming the size and
/// <see cref="NewtonCG"/>, which solves the same Newton system by conjugate gradients on Hessian-vector
/// products), and when the sparse factor would be larger or slower than the largest dense step
/// (<see cref="SparseFactorLimit"/>; a Hessian whose nonzeros couple most variables, as for L = (Σxᵢ)²).</remarks>
public sealed class Newton : RuleBase
{
    /// <summary>Newton with step size η, dense up to <paramref name="denseUpTo"/> variables and sparse above.</summary>
    /// <param name="eta">The step size η.</param>
    /// <param name="denseUpTo">The most variables the dense form takes (0 to <see cref="DenseUpTo"/>; by
    /// default <see cref="DenseUpTo"/>). Below the default the sparse form is asked for at smaller sizes
    /// (0: always, when the problem has a sparse Hessian).</param>
    /// <exception cref="Symbolic.SymbolicException">η not positive and finite, or <paramref name="denseUpTo"/> outside [0, <see cref="DenseUpTo"/>].</exception>
    public Newton(double eta, int denseUpTo = DenseUpTo)
        : base("newton", eta, Capabilities.Value | Capabilities.Gradient | Capabilities.Hessian)
    {
        if (denseUpTo is < 0 or > DenseUpTo)
            throw new Symbolic.SymbolicException(Symbolic.ErrorKind.Invalid,
                $"newton's dense form takes 0 to {DenseUpTo} variables (above, it would hold three n × n arrays); {denseUpTo} is outside that range.");
        DenseUpToVariables = denseUpTo;
    }

    /// <summary>
    /// The most variables the dense form takes. Its step holds three n × n arrays (the rule's Hessian, the
    /// factorisation workspace, the kernel's output) and factorises in O(n³): 232 ms a step at n = 10³
    /// (BENCHMARKS.md), so minutes and 2.4 GB at n = 10⁴. Above it Newton takes the sparse form, or, for a
    /// problem without a sparse Hessian, is refused rather than quietly switched to Newton-CG: a comparison
    /// reports under the rule's name, and Newton-CG differs from Newton where H is indefinite.
    /// </summary>
    public const int DenseUpTo = 2000;

    /// <summary>The most variables this rule's dense form takes (<see cref="DenseUpTo"/> unless asked for less).</summary>
    public int DenseUpToVariables { get; }

    /// <summary>
    /// The sparse form's limit: the factor may hold at most 3·<see cref="DenseUpTo"/>² values (what the dense
    /// form holds at its limit, 96 MB) and take at most <see cref="DenseUpTo"/>³/3 multiply-adds (the dense
    /// Cholesky at its limit, about 2.7·10⁹). Above either the run is refused with both figures.
    /// </summary>
    public const long SparseFactorLimit = 3L * DenseUpTo * DenseUpTo;

    private const double SparseWorkLimit = (double)DenseUpTo * DenseUpTo * DenseUpTo / 3;

    /// <summary>The refusal for a problem over <see cref="DenseUpTo"/> variables without a sparse Hessian.</summary>
    internal static string DenseOnlyRefusal(int variables) =>
        $"newton forms the dense Hessian ({variables} × {variables}, {NumberText.Short(3.0 * variables * variables * 8 / 1e9, 3)} GB in its three copies) " +
        $"and factorises it in O(n³) time every step; {variables} variables are over its limit of {DenseUpTo}, and this problem has no sparse Hessian " +
        $"({Capabilities.SparseHessian}) for its sparse form. " +
        "Use newton-cg, which solves the same Newton system by conjugate gradients on Hessian-vector products (the Hessian never formed; " +
        "the same step where the Hessian is positive definite), or a smaller problem.";

    /// <summary>
    /// Why this rule would refuse a problem of <paramref name="variables"/> variables whose sparse Hessian has
    /// <paramref name="nonZeros"/> structural nonzeros and the pattern <paramref name="pattern"/> makes, or null
    /// when it would take it (the dense form up to <see cref="DenseUpToVariables"/>, else the sparse form within
    /// <see cref="SparseFactorLimit"/>): the refusal <see cref="IUpdateRule.Init"/> throws, decided from the
    /// pattern alone, so a caller that knows a problem's structure (a reference example) can decide before
    /// building the problem. The count is checked first: a Cholesky factor holds at least the lower triangle's
    /// (nonZeros + n)/2 values whatever the ordering, and (a Cauchy–Schwarz bound on Σ (i − fᵢ)²) takes at
    /// least ((nonZeros − n)/2)²/n multiply-adds, so a count over either limit refuses without the pattern,
    /// saying those bounds; otherwise <paramref name="pattern"/> is called and ordered as the run would order it.
    /// </summary>
    /// <param name="variables">n, the problem's variables.</param>
    /// <param name="nonZeros">The Hessian's structural nonzeros, both triangles and the diagonal.</param>
    /// <param name="pattern">The Hessian's n × n pattern (both triangles), called only when needed.</param>
    public string? RefusalForHessian(int variables, long nonZeros, Func<Symbolic.SparsityPattern> pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (variables <= DenseUpToVariables) return null;
        var (leastValues, leastWork) = LeastFactor(variables, nonZeros);
        if (leastValues > SparseFactorLimit || leastWork > SparseWorkLimit)
            return $"newton's sparse Hessian ({variables} × {variables}, {NumberText.Count(nonZeros, "nonzero")}) has a Cholesky factor of at least " +
                $"{Against(leastValues, SparseFactorLimit, "values")} (its lower triangle) whatever the ordering, taking at least " +
                $"{Against(leastWork, SparseWorkLimit, "multiply-adds a step")}" + LimitsTail;
        var p = pattern();
        return FactorRefusal(StructureOf(p), variables, p.NonZeroCount);
    }

    // The ordered structure of a pattern, kept with the pattern object while it lives: a caller that decided
    // on a pattern before building the problem (a reference example's, ReferenceStructure) and hands the same
    // object to the run has its reverse Cuthill–McKee ordering computed once (0.2–0.5 s at heat1d's 10⁵ cells).
    // The structure is not changed by a run (each run's factor storage is its Allocate()).
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Symbolic.SparsityPattern, EnvelopeCholesky> Structures = new();

    private static EnvelopeCholesky StructureOf(Symbolic.SparsityPattern pattern) =>
        Structures.GetValue(pattern, p => new EnvelopeCholesky(p));

    /// <summary>
    /// The sparse form's factor for a Hessian pattern (n × n, both triangles): the values it holds after the
    /// reverse Cuthill–McKee ordering, Σᵢ (i − fᵢ)² (the multiply-adds a step, up to a factor of ½ to 1) and
    /// the half-bandwidth, as <see cref="IUpdateRule.Init"/> measures them against <see cref="SparseFactorLimit"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A pattern that is not square.</exception>
    public static (long Values, double Work, int Bandwidth) Factor(Symbolic.SparsityPattern pattern)
    {
        var structure = new EnvelopeCholesky(pattern);
        return (structure.EnvelopeSize, structure.Work, structure.Bandwidth);
    }

    /// <summary>
    /// Lower bounds on <see cref="Factor"/>'s values and work for any pattern of n variables and
    /// <paramref name="nonZeros"/> structural nonzeros, whatever the ordering: row i's envelope holds its
    /// diagonal and every nonzero left of it, so Σᵢ (i − fᵢ) ≥ (nonZeros − n)/2 and the values are at least
    /// (nonZeros + n)/2; by Cauchy–Schwarz Σᵢ (i − fᵢ)² ≥ (Σᵢ (i − fᵢ))²/n.
    /// </summary>
    /// <param name="variables">n (positive).</param>
    /// <param name="nonZeros">Structural nonzeros, both triangles (at most n of them on the diagonal).</param>
    public static (double Values, double Work) LeastFactor(int variables, long nonZeros)
    {
        var below = Math.Max(0.0, (nonZeros - variables) / 2.0);
        return (variables + below, below * below / variables);
    }

    // Each figure against its own limit: heat2d at 100 × 100 has 1.08·10⁷ values, within the limit of
    // 1.2·10⁷, and 1.31·10¹⁰ multiply-adds, over 2.67·10⁹; saying "over its limits" of both misled.
    private static string Against(double value, double limit, string unit) =>
        $"{NumberText.Short(value, 3)} {unit} ({(value > limit ? "over" : "within")} the limit of {NumberText.Short(limit, 3)})";

    // The sparse form's refusal for an ordered pattern, or null within both limits.
    private static string? FactorRefusal(EnvelopeCholesky structure, int n, long nonZeros) =>
        structure.EnvelopeSize <= SparseFactorLimit && structure.Work <= SparseWorkLimit ? null
        : $"newton's sparse Hessian ({n} × {n}, {NumberText.Count(nonZeros, "nonzero")}) has a Cholesky factor of " +
          $"{Against(structure.EnvelopeSize, SparseFactorLimit, "values")} after a reverse Cuthill–McKee ordering (half-bandwidth {structure.Bandwidth}), " +
          $"taking {Against(structure.Work, SparseWorkLimit, "multiply-adds a step")}" + LimitsTail;

    private static readonly string LimitsTail = $"; the limits are what the dense form takes at {DenseUpTo} variables. " +
        "Use newton-cg, which solves the same Newton system by conjugate gradients on Hessian-vector products, or a smaller problem.";

    /// <inheritdoc/>
    protected override RuleState Start(IDifferentiableProblem problem, double[] x0)
    {
        var n = problem.N;
        if (n > DenseUpToVariables && problem.Supported.HasFlag(Capabilities.SparseHessian))
        {
            var pattern = problem.SparseHessianPattern();
            var structure = StructureOf(pattern);
            if (FactorRefusal(structure, n, pattern.NonZeroCount) is { } why)
                throw new Symbolic.SymbolicException(Symbolic.ErrorKind.TooLarge, why);
            return new SparseState(problem, Eta, structure.Allocate());
        }
        if (n > DenseUpTo) throw new Symbolic.SymbolicException(Symbolic.ErrorKind.TooLarge, DenseOnlyRefusal(n));
        return new State(problem, Eta);
    }

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
                notes.Note(modified.Kind, $"the Hessian is {modified.Why} at {Point(x)}; {modified.Detail}{Searched(failed, halvings)}");
            }
            else if (!Steps.Newton(_hx, gradient, eta, dx, _workspace, out var why))
            {
                for (var i = 0; i < N; i++) dx[i] = -eta * gradient[i];
                notes.Note(FallbackKind.HessianSingular, $"the Hessian is {why} at {Point(x)}; took a gradient step instead");
            }
        }
    }

    // The sparse form (see the class): H's nonzeros in CSR, factorised by EnvelopeCholesky; where H is
    // not positive definite, Nocedal & Wright's Algorithm 3.3 (H + τI) and Armijo backtracking.
    private sealed class SparseState(IDifferentiableProblem problem, double eta, EnvelopeCholesky factor) : RuleState(problem)
    {
        private readonly CsrMatrix _h = new(problem.SparseHessianPattern());
        private double[]? _trial; // the line search's points, allocated at the first fallback

        /// <summary>At most this many factorisations a step (τ doubles each time: 2⁶⁰β is beyond any Hessian's scale).</summary>
        private const int MaxAttempts = 60;

        public override double Evaluate(double[] x, double[] gradient) => Problem.SparseHessian(x, gradient, _h);

        public override CsrMatrix? SparseHessian => _h;

        public override NonFiniteValue? CheckInputs(double loss, double[] gradient)
        {
            if (base.CheckInputs(loss, gradient) is { } bad) return bad;
            if (NonFiniteValue.Find(Quantity.Hessian, _h.Values) is not { } entry) return null;
            // The flat index of the dense n × n matrix, so the message names the entry H[row, column].
            var row = Array.FindLastIndex(_h.RowPointers, p => p <= entry.Index);
            return entry with { Index = row * N + _h.ColumnIndices[entry.Index], Columns = N };
        }

        public override void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes)
        {
            if (Array.TrueForAll(gradient, v => v == 0))
            {
                Array.Clear(dx);
                return;
            }
            double largest = 0, smallest = double.PositiveInfinity;
            int smallestAt = 0;
            for (var i = 0; i < N; i++)
            {
                var d = _h[i, i];
                largest = Math.Max(largest, Math.Abs(d));
                if (d < smallest) (smallest, smallestAt) = (d, i);
            }
            var floor = Curvature.RelativeZero * largest;
            var beta = 1e-3 * largest;
            if (!(beta > 0)) beta = 1e-3;
            // Algorithm 3.3: τ₀ = 0 when the diagonal is positive, else −min hᵢᵢ + β.
            var tau = smallest > 0 ? 0 : -smallest + beta;
            var negative = smallest < 0; // eᵢᵀHeᵢ < 0: H has a negative eigenvalue
            string? evidence = negative ? $"H[{smallestAt},{smallestAt}] = {NumberText.Short(smallest, 4)} < 0" : null;
            var attempts = 0;
            while (true)
            {
                attempts++;
                var failedAt = factor.Factor(_h, tau, floor, out var pivot);
                if (failedAt < 0) break;
                if (tau == 0)
                {
                    // A negative pivot after positive ones: a leading principal submatrix (in the factor's
                    // order) is indefinite, so H has a negative eigenvalue. A pivot near 0 cannot tell.
                    negative = pivot < -floor;
                    evidence = $"the Cholesky pivot of x{failedAt} is {NumberText.Short(pivot, 4)}";
                }
                if (attempts == MaxAttempts)
                {
                    for (var i = 0; i < N; i++) dx[i] = -eta * gradient[i];
                    notes.Note(FallbackKind.HessianSingular,
                        $"the Hessian is not positive definite at {Point(x)} ({evidence}) and H + τI did not factorise up to τ = {NumberText.Short(tau, 4)} " +
                        $"({MaxAttempts} attempts, Nocedal & Wright, Algorithm 3.3); took a gradient step instead");
                    return;
                }
                tau = Math.Max(2 * tau, beta);
            }
            for (var i = 0; i < N; i++) dx[i] = -eta * gradient[i];
            factor.Solve(dx, dx);
            if (tau == 0) return;
            // H + τI is positive definite: −η(H + τI)⁻¹∇L descends, but its length comes from a shifted model.
            _trial ??= new double[N];
            var failed = ArmijoBacktracking.Search(Problem, x, loss, gradient, dx, _trial, out var halvings);
            notes.Note(negative ? FallbackKind.HessianIndefinite : FallbackKind.HessianSingular,
                $"the Hessian is {(negative ? "indefinite" : "singular or nearly")} at {Point(x)} ({evidence}); over the dense form's {DenseUpTo} variables " +
                $"(n = {N}) its eigenvalues are out of reach, so the step solved (H + τI)Δx = −η∇L with τ = {NumberText.Short(tau, 4)} " +
                $"(Nocedal & Wright, Algorithm 3.3, Cholesky with added multiple of the identity; {NumberText.Count(attempts, "factorisation")}), a descent direction" +
                Searched(failed, halvings));
        }
    }

    // What the line search after a modified step did, for the fallback note ("" when the full step was taken).
    private static string Searched(string? failed, int halvings) =>
        failed is { } note ? "; " + note
        : halvings > 0 ? $"; the full step did not decrease L enough (Armijo's condition), so it was halved {NumberText.Count(halvings, "time")} (Nocedal & Wright, Algorithm 3.2)"
        : "";

    /// <summary>
    /// Newton's modified direction when H is singular or indefinite, or null (and Δx untouched) when H
    /// is positive definite. Over the eigenpairs (λₖ, vₖ) of the symmetrised H: Δx = −η Σ (vₖᵀg/|λₖ|) vₖ
    /// for |λₖ| above δ = 10⁻⁹ max|λ|, negative λₖ taken by magnitude (the eigenvalue modification of
    /// Nocedal &amp; Wright, Numerical Optimization, §3.4, in the form of the saddle-free Newton step of
    /// Dauphin et al. 2014, used whenever H is indefinite, so the direction never heads for a saddle),
    /// plus the gradient step −η (vₖᵀg / max|λ|) vₖ along each eigenvalue with |λₖ| ≤ δ, treated as zero: the
    /// pseudo-inverse alone (−η H⁺g) would drop the gradient's component in H's null space, stop on a
    /// slope, and call it stationary. All of it is taken on the Jacobi-scaled H' = S H S in z = S⁻¹x (S =
    /// diag(1/√|H_ii|) rounded to powers of two), so the decisions do not depend on the units of x. The flat-direction part is
    /// −η S (I − H'⁺H') S g / max|λ'|, gradient descent in z with the step 1/max|λ'| that suits a function whose
    /// curvature is at most max|λ'| (Nesterov, Introductory Lectures on Convex Optimization, 2004, §1.2.3): it has
    /// x's unit like the rest of the step, and with x → s·x and L → c·L it scales by s, so Newton's path stays
    /// scale-free where H is singular (a plain −η (I − H⁺H) g had stalled the book's example written in 10⁸·x).
    /// Every term has vₖᵀΔx of opposite sign to vₖᵀg, so Δx is a descent direction
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
        var s = Curvature.JacobiScale(hx, n);
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
                // largest is 0 only when every eigenvalue is (L linear here): then GD's own step.
                var flatStep = largest > 0 ? vg / largest : vg;
                for (var i = 0; i < n; i++) dx[i] -= eta * flatStep * s[i] * evd.EigenVectors[i, k];
                continue;
            }
            if (lambda < 0) flipped++;
            for (var i = 0; i < n; i++) dx[i] -= eta * vg / Math.Abs(lambda) * s[i] * evd.EigenVectors[i, k];
        }
        // The message shows H's own eigenvalues (what the user's units give), the class comes from H'.
        var own = original.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Select(v => v.Real).OrderBy(v => v).ToArray();
        var shown = Curvature.ShowEigenvalues(own);
        // A negative eigenvalue of H' that H's own list rounds to ≈ 0 beside a large one ("indefinite (eigenvalues ≈ 0,
        // 1E+24)") is shown in H' too, so that the class can be read off the numbers.
        var shownAsZero = own.Length * Math.Pow(2, -52) * own.Max(Math.Abs); // ShowEigenvalues' "≈ 0"
        var hidden = values.Any(v => v < -zero) && !own.Any(v => v < -shownAsZero);
        var why = $"{Curvature.Definiteness(values, zero)} ({Curvature.Eigenvalue(n)} {shown}" +
            (hidden ? $"; of the scaled H' = SHS, S ≈ diag(1/√|H_ii|): {Curvature.ShowEigenvalues([.. values.OrderBy(v => v)])}" : "") + ")";
        if (dropped == n)
            return (FallbackKind.HessianSingular, why, "every eigenvalue is 0 (L is linear here): took a gradient step instead");
        var kind = flipped > 0 ? FallbackKind.HessianIndefinite : FallbackKind.HessianSingular;
        var flat = Math.Sqrt(flatSlope) > 1e-12 * Math.Sqrt(gradient.Select((v, i) => s[i] * s[i] * v * v).Sum())
            ? $" plus a gradient step −η S(I − H'⁺H')S∇L/max|λ'| along {(dropped == 1 ? "it" : "them")}, where ∇L has a component the pseudo-inverse would drop"
            : "";
        var how = (flipped > 0 ? $"took {NumberText.Count(flipped, "negative eigenvalue")} by magnitude" : "") +
                  (flipped > 0 && dropped > 0 ? " and " : "") +
                  (dropped > 0 ? $"dropped {NumberText.Count(dropped, "zero eigenvalue")} (pseudo-inverse), those with |λ'| ≤ {NumberText.Short(Curvature.RelativeZero, 3)} × max|λ'| = {NumberText.Short(zero, 3)} (λ' of H' = SHS, S ≈ diag(1/√|H_ii|)){flat}" : "");
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
        // Scaled, so that the test does not fail by underflow at small scales (g = 2E-200).
        if (!(RuleChecks.ScaledDot(step, gradient) > 0))
        {
            why = "not positive definite (the Newton direction does not descend)";
            return false;
        }
        for (var i = 0; i < step.Length; i++) step[i] *= -eta;
        return true;
    }
}
