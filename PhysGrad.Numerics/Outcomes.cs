using System.Globalization;
using MathNet.Numerics.LinearAlgebra.Double;
using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

// Typed outcomes of a run, shaped after MathNet's MinimizationResult/ExitCondition: a caller tests
// `run.Exit.Reason == StopReason.Diverged` or `fallback.Kind == FallbackKind.NoPreimage`, never a
// string. The strings (StopDetail, Fallback.Reason) stay, for display only.

/// <summary>Which convergence test fired.</summary>
public enum ConvergenceCriterion
{
    /// <summary>The loss fell to the loss tolerance or below.</summary>
    LossTolerance,
    /// <summary>A step's length ‖Δx‖ was at most the step tolerance, or x stayed within its rounding for <see cref="StillWatch.Window"/>
    /// iterations, at a point the curvature classified as a minimum.</summary>
    StepTolerance,
    /// <summary>
    /// The rule's step was 0 because it is at rounding level (<see cref="Rules.RuleState.AtRoundingLevel"/>:
    /// ∂L/∂y, or the decrease of L its model predicts, below what rounding resolves), at a point the
    /// curvature classified as a minimum.
    /// </summary>
    RoundingLevel,
}

/// <summary>What kind of stationary point a run stopped at, from the curvature of L(P(x)) there.</summary>
public enum StationaryKind
{
    /// <summary>A (local) minimum: every Hessian eigenvalue positive, or the flat directions do not descend under the probe.</summary>
    Minimum,
    /// <summary>A saddle: some direction descends (a negative eigenvalue, or a flat direction the probe finds descending), another does not.</summary>
    Saddle,
    /// <summary>A (local) maximum: every Hessian eigenvalue negative.</summary>
    Maximum,
    /// <summary>The curvature could not be determined (a non-finite Hessian or probe value).</summary>
    Undecided,
}

/// <summary>A quantity an optimiser needs, named where it turned out non-finite.</summary>
public enum Quantity
{
    /// <summary>The point x.</summary>
    Point,
    /// <summary>The outputs y = P(x).</summary>
    Outputs,
    /// <summary>The Jacobian J = ∂P/∂x.</summary>
    Jacobian,
    /// <summary>The loss L(P(x)).</summary>
    Loss,
    /// <summary>The gradient ∂L/∂x.</summary>
    Gradient,
    /// <summary>The Hessian ∂²L/∂x².</summary>
    Hessian,
    /// <summary>The loss's gradient in y, ∂L/∂y.</summary>
    LossGradientInY,
    /// <summary>The loss's Hessian in y, ∂²L/∂y².</summary>
    LossHessianInY,
    /// <summary>The step Δx a rule computed from finite inputs.</summary>
    Step,
    /// <summary>The directional derivative J v.</summary>
    JacobianVector,
    /// <summary>The adjoint product Jᵀ w.</summary>
    JacobianTransposeVector,
    /// <summary>The Hessian-vector product (∂²L/∂x²) v.</summary>
    HessianVector,
}

/// <summary>Which non-finite value was found: the quantity, the flat index into it (row by row for matrices), the value.</summary>
/// <param name="Quantity">The quantity.</param>
/// <param name="Index">The flat index (for an m × n matrix, row·n + column).</param>
/// <param name="Value">The value (NaN or ±∞).</param>
/// <param name="Columns">The number of columns for a matrix quantity, 0 for a vector or scalar (for display).</param>
public readonly record struct NonFiniteValue(Quantity Quantity, int Index, double Value, int Columns = 0)
{
    /// <summary>Finds the first non-finite value of <paramref name="values"/>, if any.</summary>
    public static NonFiniteValue? Find(Quantity quantity, ReadOnlySpan<double> values, int columns = 0)
    {
        for (var i = 0; i < values.Length; i++)
            if (!double.IsFinite(values[i])) return new NonFiniteValue(quantity, i, values[i], columns);
        return null;
    }

    /// <summary>
    /// The quantity's display name with the entry, counted from 0 like the variables x0, x1, … and the
    /// outputs y0, y1, … (and like <c>diff</c> and <c>eval --sparse</c>), e.g. "the Jacobian entry
    /// J[0,1] = ∂y0/∂x1 = NaN" or "the gradient entry ∂L/∂x1 = NaN".
    /// </summary>
    public override string ToString()
    {
        var v = NumberText.Short(Value);
        var columns = Math.Max(1, Columns);
        var (row, column) = (Index / columns, Index % columns);
        return Quantity switch
        {
            Quantity.Point => $"x{Index} = {v}",
            Quantity.Outputs => $"the output y{Index} = {v}",
            Quantity.Jacobian => $"the Jacobian entry J[{row},{column}] = ∂y{row}/∂x{column} = {v}",
            Quantity.Loss => $"the loss L = {v}",
            Quantity.Gradient => $"the gradient entry ∂L/∂x{Index} = {v}",
            Quantity.Hessian => $"the Hessian entry H[{row},{column}] = ∂²L/∂x{row}∂x{column} = {v}",
            Quantity.LossGradientInY => $"the loss gradient entry ∂L/∂y{Index} = {v}",
            Quantity.LossHessianInY => $"the loss Hessian entry ∂²L/∂y{row}∂y{column} = {v}",
            Quantity.JacobianVector => $"the entry (J v)[{Index}] = {v}",
            Quantity.JacobianTransposeVector => $"the entry (Jᵀw)[{Index}] = {v}",
            Quantity.HessianVector => $"the entry (H v)[{Index}] = {v}",
            _ => $"the step entry Δx{Index} = {v}",
        };
    }
}

/// <summary>
/// The rounding levels at a point that the curvature probe reads (<see cref="Curvature.Classify"/>): a change of L
/// or a slope of ∂L/∂x below them cannot be told from rounding. For L(P(x)) the stepper forms them from the terms the
/// values are computed from (Higham, Accuracy and Stability of Numerical Algorithms, §1.6): each output yⱼ carries
/// 4ε·max(‖y‖, ‖y₀‖, |yⱼ| + Σₖ|Jⱼₖ|·|xₖ|), the last x's own rounding carried through J, so a residual x0 − x1 at
/// x0 = x1 = 1000 is noise of 4ε·2000, not 0.
/// </summary>
/// <param name="Loss">L's rounding level: 4ε|L| + Σⱼ|∂L/∂yⱼ|·(yⱼ's rounding).</param>
/// <param name="Gradient">The rounding level of each entry i of ∂L/∂x = Jᵀ∂L/∂y: Σⱼ|Jⱼᵢ|·(4ε|∂L/∂yⱼ| + yⱼ's rounding), n values.</param>
public sealed record PointRounding(double Loss, double[] Gradient)
{
    /// <summary>The two levels in words, e.g. "rounding of L 4.4E-16, of ∂L/∂x [1E-16, 2E-16]".</summary>
    public override string ToString() => $"rounding of L {NumberText.Short(Loss, 3)}, of ∂L/∂x {NumberText.Vector(Gradient, v => NumberText.Short(v, 3))}";
}

/// <summary>
/// The curvature of L(P(x)) at a point: the eigenvalues of the (symmetric) Hessian, and the kind of
/// stationary point they say, with a probe along the flat directions. Source of the test: second-order
/// conditions (Nocedal &amp; Wright, Numerical Optimization, §2.1): all eigenvalues positive is a strict
/// minimum, one negative means a descent direction; zero eigenvalues leave the question to higher
/// orders, which the probe answers approximately. It reads the slope vᵀ∇L at x ± h·v for each flat
/// eigenvector v, at the four scales h = 10⁻², 10⁻⁴, 10⁻⁶, 10⁻⁸ times x's scale ℓ = max(‖x‖, ‖x₀‖) (<see cref="ProbeLength"/>): a slope, unlike a
/// difference of L values, does not drown in L's rounding (½ − 10⁻²⁴ is ½ in doubles, while the slope
/// −4·10⁻²⁴ is exact). The kind is taken only when every scale that sees a slope agrees; scales that
/// disagree (a feature narrower than the larger h) give <see cref="StationaryKind.Undecided"/>. A probe
/// that sees no slope at any scale (L flat, or its slope underflowed) is followed by a wide probe at
/// ±10⁻¹ and ±1 times ℓ: no slope on either side there either, and (when L is given) L unchanged to 10⁻⁶
/// relative at every probe point, is a floor, a minimum that is not strict; any slope seen there, or a
/// higher or non-finite L, leaves the point undecided, and a lower L makes it undecided with "not a minimum"
/// in the detail (e^x's plateau: L = ½ and ∇L = 0 far left, L = 0 at x + ℓ = 0); L is compared 1% beyond each probe
/// point too (<see cref="Beyond"/>), since a point of equal L can be a coincidence (exp(−x0²)'s peak at x − ℓ = 0 from
/// 40). A floor beside negative curvature is a maximum that is not strict. An eigenvalue counts as zero where its
/// relative size says so (<see cref="RelativeZero"/>, on the Jacobi-scaled Hessian) and also where x's rounding moves
/// it by more than its size (x + sin(x) at π: 2.3E-16, an inflection); a slope within the gradient's rounding
/// (the <c>roundingAt</c> of <see cref="Classify"/>, at x and at the probe point) is no slope, and a change of L
/// within L's rounding is no change. A probe is evidence, not proof:
/// a feature narrower than 10⁻⁸·ℓ can still fool it.
/// </summary>
/// <param name="Kind">The kind of point.</param>
/// <param name="Eigenvalues">The Hessian's eigenvalues, ascending (empty when the Hessian was not finite).</param>
/// <param name="Probed">Whether the probe decided (some eigenvalues were at rounding level).</param>
/// <param name="Detail">What decided, for display.</param>
public sealed record Curvature(StationaryKind Kind, double[] Eigenvalues, bool Probed, string Detail)
{
    /// <summary>The kind, the eigenvalues (<see cref="ShowEigenvalues"/>) and the detail.</summary>
    public override string ToString() =>
        $"{Kind}: {Eigenvalue(Eigenvalues.Length)} {ShowEigenvalues(Eigenvalues)}{(Probed ? " (probed)" : "")}{(string.IsNullOrEmpty(Detail) ? "" : $"; {Detail}")}";

    /// <summary>"eigenvalue" for one value, "eigenvalues" otherwise: the label of <see cref="ShowEigenvalues"/>'s list.</summary>
    public static string Eigenvalue(int count) => count == 1 ? "eigenvalue" : "eigenvalues";

    /// <summary>
    /// Eigenvalues with |λ| ≤ this times max |λ| count as zero. Relative only: an absolute floor (1e-12 before)
    /// called every eigenvalue of a problem in units of 10⁸ (H = ±2E-16) flat, and the probe then read the
    /// quadratic slopes as "saddle at ±3E+06 … maximum at ±3"; relative, the verdict is the same at every scale.
    /// </summary>
    public const double RelativeZero = 1e-9;

    /// <summary>
    /// The eigenvalues as a list of 4-digit numbers, those at rounding level (|λ| ≤ n·ε·max|λ|, the
    /// backward error of a symmetric eigensolver, Golub &amp; Van Loan §8.4) shown as "≈ 0": 2.22E-16 next
    /// to 2 is a zero eigenvalue computed in doubles, not a small curvature.
    /// </summary>
    public static string ShowEigenvalues(double[] values)
    {
        // (Labelled by Eigenvalue(values.Length): "eigenvalue -2" for a 1×1 Hessian, "eigenvalues 1, 3" otherwise.)
        var largest = values.Length == 0 ? 0 : values.Max(Math.Abs);
        var rounding = values.Length * Math.Pow(2, -52) * largest;
        return NumberText.List(values, v => Math.Abs(v) <= rounding ? "≈ 0" : NumberText.Short(v, 4));
    }

    /// <summary>
    /// A symmetric matrix's class by the signs of its eigenvalues, those with |λ| ≤ <paramref name="zero"/>
    /// counting as 0: "positive definite" (all &gt; 0), "negative definite" (all &lt; 0, so a 1×1 negative
    /// Hessian is negative definite, not indefinite), "indefinite" (both signs), "positive semidefinite and
    /// singular", "negative semidefinite and singular", "indefinite and singular" (both signs and a zero),
    /// or "zero and singular". Every message that names a Hessian's class takes the word from here.
    /// </summary>
    public static string Definiteness(IReadOnlyList<double> eigenvalues, double zero)
    {
        int negative = eigenvalues.Count(v => v < -zero), positive = eigenvalues.Count(v => v > zero);
        var singular = negative + positive < eigenvalues.Count;
        return (negative, positive, singular) switch
        {
            (0, 0, _) => "zero and singular",
            (_, 0, false) => "negative definite",
            (0, _, false) => "positive definite",
            (_, _, false) => "indefinite",
            (_, 0, true) => "negative semidefinite and singular",
            (0, _, true) => "positive semidefinite and singular",
            _ => "indefinite and singular",
        };
    }

    /// <summary>The probe's step sizes, relative to x's scale (<see cref="ProbeLength"/>).</summary>
    public static readonly double[] ProbeScales = [1e-2, 1e-4, 1e-6, 1e-8];

    /// <summary>
    /// Classifies x by the Hessian <paramref name="hessian"/> (n × n, row by row) of the loss there. For
    /// flat directions v, <paramref name="gradientAt"/> gives ∂L/∂x at x ± h·v (see the type's summary);
    /// a slope vᵀ∇L counts when it exceeds, in magnitude, 10⁻⁹ of ‖∇L‖ there (rounding of the other
    /// components) and twice |vᵀ∇L(x)| (the residual slope at x itself).
    /// </summary>
    /// <param name="x">The point.</param>
    /// <param name="hessian">∂²L/∂x² at x, n × n row by row.</param>
    /// <param name="gradientAt">∂L/∂x at a point, for the probe.</param>
    /// <param name="reference">A length the probe may not fall below when x is near 0 (the run's start's
    /// ‖x₀‖; see <see cref="ProbeLength"/>); 0 for none.</param>
    /// <param name="lossAt">L at a point, for the probe where no scale sees a slope (see the type's summary):
    /// a probe point where L is lower than at x is no floor of a minimum; null: only slopes are read.</param>
    /// <param name="roundingAt">The rounding levels of L and of each entry of ∂L/∂x at a point (<see cref="PointRounding"/>),
    /// or null (or a null result) where unknown. Read at x and at each probe point: a probe's slope within Σ|vᵢ|·rᵢ of 0
    /// is rounding, not a slope (the gradient of `x0 − x1; x0 − x1` to (1, −1) is 1.1E-16 on its valley floor, from
    /// 1 + x1 − x0; to (t, −t) from (1000, 1000) it is 2.3E-13 at (2000, 2000), from x's own size), and a change of L within
    /// its rounding is no change.</param>
    public static Curvature Classify(double[] x, ReadOnlySpan<double> hessian, Func<double[], double[]> gradientAt, double reference = 0,
        Func<double[], double>? lossAt = null, Func<double[], PointRounding?>? roundingAt = null)
    {
        var n = x.Length;
        if (n == 0) return new(StationaryKind.Minimum, [], false, "no variables");
        if (NonFiniteValue.Find(Quantity.Hessian, hessian, n) is { } bad)
            return new(StationaryKind.Undecided, [], false, $"{bad}, so the curvature is unknown");
        // The decisions (which eigenvalues are zero, which negative) are taken on the Jacobi-scaled H' = S H S
        // (JacobiScale), as Newton's definiteness test is: congruence keeps the signs (Sylvester), and the
        // zero threshold no longer depends on the units of x (unscaled, L = 10¹⁶x0² + x1² at 0, a strict
        // minimum, had its eigenvalue 2 called flat next to 2·10¹⁶ and was settled by the probe). The
        // eigenvalues shown and returned are H's own, in the user's units.
        var s = JacobiScale(hessian, n);
        var h = DenseMatrix.Create(n, n, 0);
        var scaled = DenseMatrix.Create(n, n, 0);
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
            {
                h[r, c] = 0.5 * (hessian[r * n + c] + hessian[c * n + r]);
                scaled[r, c] = s[r] * h[r, c] * s[c];
            }
        MathNet.Numerics.LinearAlgebra.Factorization.Evd<double> evd;
        double[] sorted;
        try
        {
            evd = scaled.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            sorted = h.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Select(v => v.Real).Order().ToArray();
        }
        catch (MathNet.Numerics.NonConvergenceException)
        {
            return new(StationaryKind.Undecided, [], false, "the eigendecomposition of ∂²L/∂x² did not converge, so the curvature is unknown");
        }
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var largest = values.Max(Math.Abs);
        var zero = RelativeZero * largest;
        var shown = $"{Eigenvalue(sorted.Length)} of ∂²L/∂x²: " + ShowEigenvalues(sorted);
        // A flat eigenvector v' of H' is the direction S v' in x, probed as a unit vector.
        double[] Direction(int k)
        {
            var v = Enumerable.Range(0, n).Select(i => s[i] * evd.EigenVectors[i, k]).ToArray();
            var length = Math.Sqrt(Dot(v, v));
            return v.Select(e => e / length).ToArray();
        }
        // Eigenvalues that x's rounding cannot tell from 0 are flat too (Jacobi's scaling makes a lone 2.3E-16 a unit).
        var (rounded, roundedText) = largest == 0 ? (new HashSet<int>(), null)
            : RoundingLevel(x, Enumerable.Range(0, n).Where(k => Math.Abs(values[k]) > zero).Select(k =>
            {
                var w = Direction(k);
                double c = 0;
                for (var i = 0; i < n; i++)
                    for (var j = 0; j < n; j++) c += w[i] * h[i, j] * w[j];
                return (k, w, c);
            }), gradientAt, reference);
        if (roundedText is not null) shown += "; " + roundedText;
        // A negative eigenvalue small beside the largest (the relative test's zero) but beyond what rounding of H makes of
        // 0 is measured negative curvature: no minimum, whatever the flat-direction probe's slopes say.
        var measured = MeasuredNegative(x, values, zero, largest, Direction, h, gradientAt);
        if (measured.Count > 0)
            shown += $"; the curvature {NumberText.List(measured.Select(t => t.C).ToArray(), v => NumberText.Short(v, 4))} along " +
                $"{NumberText.Count(measured.Count, "eigenvector")} of an eigenvalue small beside the largest is negative beyond rounding " +
                $"({CompiledProblem.LandingUlps:0}·n·ε·max|λ'| on H' = SHS, and more than moving x by its rounding changes it)";
        var measuredIndices = measured.Select(t => t.K).ToHashSet();
        bool Flat(int k) => (Math.Abs(values[k]) <= zero && !measuredIndices.Contains(k)) || rounded.Contains(k);
        int negative = Enumerable.Range(0, n).Count(k => !Flat(k) && values[k] < 0), positive = Enumerable.Range(0, n).Count(k => !Flat(k) && values[k] > 0);
        // Every entry of H exactly 0 while ∂L/∂x is not: no eigenvalue can be told from 0 on H's own scale, but
        // the curvature is not shown to be 0 either. Where a curvature underflows (1E-300*x0: ∂²L/∂x0² = 1E-600
        // rounds to 0 while ∂L/∂x0 = −1E-300 does not) a nonzero slope with a zero Hessian is L changing to
        // first order, not the floor of a flat minimum; and a curvature that is 0 on paper beside a nonzero
        // slope (L linear) has no minimum here either. A slope of rounding size at a stationary point comes
        // with a curvature of its own size or above (∂L/∂x ≈ H·δx for a point δx off), so it does not meet this.
        if (largest == 0 && SlopeBesideZeroCurvature(x, gradientAt, sorted, shown) is { } slope) return slope;
        if (negative == n) return new(StationaryKind.Maximum, sorted, false, shown);
        if (negative > 0 && positive > 0) return new(StationaryKind.Saddle, sorted, false, shown);
        if (positive == n) return new(StationaryKind.Minimum, sorted, false, shown);
        var flat = Enumerable.Range(0, n).Where(Flat).Select(Direction).ToList();
        return Probe(x, sorted, shown, negative > 0, positive > 0, flat, gradientAt, reference, lossAt, roundingAt);
    }

    /// <summary>
    /// The eigenvalues λ' of the Jacobi-scaled H' = S H S that the relative test calls 0 (|λ'| ≤ <paramref name="zero"/>) but
    /// that are negative beyond rounding: below −<see cref="CompiledProblem.LandingUlps"/>·n·ε·max|λ'| (the symmetric
    /// eigensolver's backward error n·ε·max|λ'|, Golub &amp; Van Loan §8.4, with room for the rounding of H's entries), and
    /// with a curvature wᵀHw along their direction w that moving x by its own rounding, 4ε‖x‖, does not turn (<see cref="RoundingLevel"/>).
    /// Each with its index and that curvature. On `1e12*x0*x1; 1e-6*x1` at (1E-06, 1E-06) H has eigenvalues −198 and 2E+12:
    /// −1E-10 of the largest, under the relative zero 10⁻⁹, and the probe had called the point a minimum.
    /// </summary>
    private static List<(int K, double C)> MeasuredNegative(double[] x, double[] values, double zero, double largest, Func<int, double[]> direction,
        DenseMatrix h, Func<double[], double[]> gradientAt)
    {
        var n = x.Length;
        var rounding = CompiledProblem.LandingUlps * n * Math.Pow(2, -52) * largest;
        var candidates = new List<(int K, double[] W, double C)>();
        for (var k = 0; k < n; k++)
        {
            if (!(values[k] < -rounding && values[k] >= -zero)) continue;
            var w = direction(k);
            double c = 0;
            for (var i = 0; i < n; i++)
                for (var j = 0; j < n; j++) c += w[i] * h[i, j] * w[j];
            candidates.Add((k, w, c));
        }
        if (candidates.Count == 0) return [];
        // x's rounding at x itself (no reference length): the start's ‖x₀‖ = 1.4 would have moved x = (1E-06, 1E-06) by 1E-09 of itself.
        var (atRounding, _) = RoundingLevel(x, candidates, gradientAt, 0, candidates.Count);
        return candidates.Where(t => t.C < 0 && !atRounding.Contains(t.K)).Select(t => (t.K, t.C)).ToList();
    }

    /// <summary>
    /// ε^¼ (ε = 2⁻⁵²), the relative step of the central second difference of the gradient that measures how the
    /// curvature changes with x (<see cref="Classify"/>): it balances the truncation error O(h²) against rounding
    /// O(ε/h²) (Dennis &amp; Schnabel, Numerical Methods for Unconstrained Optimization and Nonlinear Equations, §5.6).
    /// </summary>
    private static readonly double SecondDifferenceStep = Math.Pow(Math.Pow(2, -52), 0.25);

    // Of the candidate eigenvectors k (not flat by the relative test), each with its unit direction w in x and the
    // curvature c = wᵀHw along it, those whose c is within what x's rounding changes it by: moving x by its rounding
    // u = 4ε·ℓ changes c by up to u·Σⱼ|∂c/∂xⱼ| to first order, and ∂c/∂xⱼ = ∂³L/∂w²∂xⱼ is the j-th entry of the second
    // difference (∇L(x + h w) + ∇L(x − h w) − 2∇L(x))/h². At x + sin(x) at π (to 5) H = 2.3E-16 > 0, yet moving x by one
    // ulp turns it negative: L there is no minimum but an inflection. The candidates are taken by |c| ascending,
    // at most `most` of them (MaxFlatDirections by default); the text says which were found and by how much.
    // The dense classification and the matrix-free one (its Ritz pairs) both test here.
    private static (HashSet<int> Indices, string? Text) RoundingLevel(double[] x, IEnumerable<(int K, double[] W, double C)> candidates,
        Func<double[], double[]> gradientAt, double reference, int most = MaxFlatDirections)
    {
        var found = new HashSet<int>();
        var ranked = candidates.OrderBy(t => Math.Abs(t.C)).Take(most).ToArray();
        if (ranked.Length == 0) return (found, null);
        var g0 = gradientAt(x);
        if (!g0.All(double.IsFinite)) return (found, null);
        var size = ProbeLength(x, reference);
        var u = Krylov.RoundingFactor * Krylov.Epsilon * size;
        var h = SecondDifferenceStep * size;
        var (curvatures, widest) = (new List<double>(), 0.0);
        var n = x.Length;
        foreach (var (k, w, c) in ranked)
        {
            var plus = gradientAt(x.Select((a, i) => a + h * w[i]).ToArray());
            var minus = gradientAt(x.Select((a, i) => a - h * w[i]).ToArray());
            double change = 0;
            for (var j = 0; j < n; j++) change += Math.Abs((plus[j] + minus[j] - 2 * g0[j]) / (h * h));
            change *= u;
            // A change of exactly 0 (the gradient's differences underflowed: exp(x) at x = −723) bounds nothing:
            // the rounding argument does not apply, and the eigenvalue is judged as it is.
            if (!double.IsFinite(change) || change == 0 || Math.Abs(c) > change) continue;
            found.Add(k);
            curvatures.Add(c);
            widest = Math.Max(widest, change);
        }
        // One sentence for all found (Σ(xᵢ + sin xᵢ) at π has eight alike).
        var rounding = $"moving x by its rounding, {NumberText.Short(u, 3)} (4ε·max(‖x‖, ‖x₀‖)), changes";
        return (found, curvatures.Count switch
        {
            0 => null,
            1 => $"the curvature {NumberText.Short(curvatures[0], 4)} along an eigenvector is at rounding level: {rounding} it by up to {NumberText.Short(widest, 3)}, so it counts as 0",
            var count => $"the curvatures {NumberText.List(curvatures, v => NumberText.Short(v, 4))} along {count} eigenvectors are at rounding level: " +
                $"{rounding} each by up to {NumberText.Short(widest, 3)}, so they count as 0",
        });
    }

    // Undecided where every eigenvalue found is exactly 0 and ∂L/∂x is finite and not 0 (see Classify), else null.
    private static Curvature? SlopeBesideZeroCurvature(double[] x, Func<double[], double[]> gradientAt, double[] values, string shown) =>
        gradientAt(x) is var g0 && g0.Any(v => v != 0 && double.IsFinite(v))
            ? new(StationaryKind.Undecided, values, false,
                shown + $"; ∂²L/∂x² is exactly 0 in doubles while ∂L/∂x = {NumberText.Vector(g0, v => NumberText.Short(v, 3))} is not: " +
                "L still changes to first order here (a curvature below the smallest double rounds to 0), so the point is not shown to be a minimum")
            : null;

    /// <summary>
    /// Jacobi's scaling of a symmetric matrix H (n × n, row by row) for decisions on its eigenvalues: S =
    /// diag(sᵢ), sᵢ the power of 2 nearest 1/√|H_ii| (<see cref="LinearAlgebra.PowerOfTwo"/>; a row's largest
    /// |entry| where H_ii = 0, 1 for a zero row). H' = S H S has the eigenvalues' signs of H (Sylvester) and a
    /// unit-sized diagonal in any units of x: with x → D x, H → D⁻¹ H D⁻¹ and S H S changes only by powers
    /// of two within √2 of 1. Powers of 2 make the scaling exact (1/√2 itself made H' = diag(1 − 2⁻⁵², 0) and
    /// a flat Newton step of 1 + 2⁻⁵² on the book's x1). Source: van der Sluis (1969): the diagonal scaling
    /// to a unit diagonal is within a factor n of the best for the condition of a symmetric positive definite
    /// matrix. Used by Newton's modified step and by <see cref="Classify"/>.
    /// </summary>
    internal static double[] JacobiScale(ReadOnlySpan<double> hessian, int n)
    {
        var s = new double[n];
        for (var r = 0; r < n; r++)
        {
            var d = Math.Abs(hessian[r * n + r]);
            if (!(d > 0)) for (var c = 0; c < n; c++) d = Math.Max(d, Math.Abs(hessian[r * n + c]));
            s[r] = 1.0 / LinearAlgebra.PowerOfTwo(d, 0.5);
        }
        return s;
    }

    /// <summary>
    /// The length the probe's steps are fractions of: x's own scale max(‖x‖, <paramref name="reference"/>),
    /// or 1 when both are 0. Not 1 + ‖x‖, which at x ≈ 10⁻⁸ probed 10⁶ times x's scale away (±0.01 for a
    /// feature of size 10⁻⁸); its smallest step 10⁻⁸ of it still keeps 8 digits in x + h·v.
    /// </summary>
    public static double ProbeLength(double[] x, double reference = 0)
    {
        var length = Math.Max(Math.Sqrt(x.Sum(v => v * v)), reference);
        return length > 0 && double.IsFinite(length) ? length : 1;
    }

    /// <summary>
    /// Above this many variables <see cref="ClassifyMatrixFree"/> is used instead of the dense
    /// <see cref="Classify"/>: a dense symmetric eigendecomposition is O(n³) with n² memory, about 0.1 s
    /// at n = 500 but seconds at 10³ and out of reach at 10⁴ (800 MB, hours), while the matrix-free
    /// path costs a few hundred Hessian-vector products whatever n is. Up to this size the dense path
    /// stays, since it shows every eigenvalue and is exact to rounding.
    /// </summary>
    public const int MatrixFreeAbove = 500;

    /// <summary>The Lanczos steps taken per run at most (<see cref="ClassifyMatrixFree"/>).</summary>
    public const int LanczosSteps = 80;

    /// <summary>The flat directions found at most (<see cref="ClassifyMatrixFree"/>): one per deflated Lanczos run.</summary>
    public const int MaxFlatDirections = 8;

    /// <summary>
    /// The Hessian-vector products one <see cref="ClassifyMatrixFree"/> takes at most over all its Lanczos
    /// runs (320, four runs of <see cref="LanczosSteps"/>): the first run, for the extreme eigenvalues, has
    /// its full <see cref="LanczosSteps"/> within it; the reruns for further flat directions share the rest,
    /// and when it is spent the search stops and the detail says so. Without it the reruns could take
    /// (<see cref="MaxFlatDirections"/> + 1)·<see cref="LanczosSteps"/> = 720 products.
    /// </summary>
    public const int ProductBudget = 4 * LanczosSteps;

    /// <summary>
    /// Classifies x like <see cref="Classify"/> (the same zero threshold, verdicts and flat-direction
    /// probe) without forming the n × n Hessian: <paramref name="hessianVector"/>(v, Hv) writes H v.
    /// The extreme eigenvalues come from Lanczos with full reorthogonalisation (at most
    /// <see cref="LanczosSteps"/> steps, from a fixed pseudo-random start, stopped once both extreme
    /// Ritz pairs have a residual at most 10⁻⁷ of the largest |θ|); the sign of the smallest and the
    /// largest decides as the counts of negative and positive eigenvalues do in the dense test. Flat
    /// Ritz vectors (|θ| ≤ the zero threshold) are found one per run: Lanczos from one start sees one
    /// vector of a repeated eigenvalue's space, so each run is repeated on the complement of the flat
    /// directions found so far, until a run finds none (at most <see cref="MaxFlatDirections"/>).
    /// <see cref="Eigenvalues"/> holds the Ritz values found (the extremes and the flat ones), not the
    /// whole spectrum. Source: Golub &amp; Van Loan, Matrix Computations, §10.1 (Lanczos) and §10.3
    /// (complete reorthogonalisation). Like the probe, it is evidence: an eigenvalue the Krylov space
    /// never reaches (a start orthogonal to its eigenvector) is missed.
    /// <para>Its cost is bounded: at most <paramref name="budget"/> products, and no new product once
    /// <paramref name="allowance"/> has passed. A classification cut short says so in its detail
    /// ("partial: …"). Cut during the first run, only a saddle is still decided (Ritz values lie between
    /// H's extreme eigenvalues, so a clearly negative and a clearly positive one prove both signs); any
    /// other point is <see cref="StationaryKind.Undecided"/>. Cut during the reruns, the verdict rests on
    /// the flat directions found so far.</para>
    /// </summary>
    /// <param name="x">The point.</param>
    /// <param name="hessianVector">Writes H v into its second argument.</param>
    /// <param name="gradientAt">∂L/∂x at a point, for the probe.</param>
    /// <param name="reference">As for <see cref="Classify"/>.</param>
    /// <param name="budget">The most Hessian-vector products (default <see cref="ProductBudget"/>; at least 1).</param>
    /// <param name="allowance">The wall time after which no product is started (null: none), measured from the call.</param>
    /// <param name="progress">Told (products so far, <paramref name="budget"/>) before the first product and after each.</param>
    /// <param name="lossAt">As for <see cref="Classify"/>.</param>
    /// <param name="roundingAt">As for <see cref="Classify"/>.</param>
    public static Curvature ClassifyMatrixFree(double[] x, Action<double[], double[]> hessianVector, Func<double[], double[]> gradientAt, double reference = 0,
        int budget = ProductBudget, TimeSpan? allowance = null, Action<int, int>? progress = null, Func<double[], double>? lossAt = null,
        Func<double[], PointRounding?>? roundingAt = null)
    {
        // MathNet.Numerics has no eigensolver for an operator given as a product (its EVD needs the
        // matrix), so the Lanczos recurrence is written here; full reorthogonalisation keeps it free of
        // spurious copies of converged Ritz values, and costs little at ≤ 80 steps.
        ArgumentOutOfRangeException.ThrowIfLessThan(budget, 1);
        var n = x.Length;
        if (n == 0) return new(StationaryKind.Minimum, [], false, "no variables");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var products = 0;
        progress?.Invoke(0, budget);
        var limits = new LanczosLimits(() => budget - products, () => allowance is { } most && clock.Elapsed >= most, () =>
        {
            products++;
            progress?.Invoke(products, budget);
        });
        string Spent(LanczosCut cut) => cut == LanczosCut.Time
            ? $"its time allowance of {NumberText.Short(allowance!.Value.TotalSeconds, 3)} s ran out after {NumberText.Count(products, "Hessian-vector product")}"
            : $"its budget of {NumberText.Count(budget, "Hessian-vector product")} was spent";
        var flat = new List<double[]>();
        // Flat directions (their index in `flat`) of measured negative curvature, with that curvature.
        var measured = new List<(int K, double C)>();
        double lowest = double.PositiveInfinity, highest = double.NegativeInfinity;
        var flatValues = new List<double>();
        // The first run's Ritz values that count as curvature (not flat, not at rounding level): their signs decide.
        var clear = new List<double>();
        var roundedTexts = new List<string>();
        string? partial = null;
        for (var run = 0; run <= MaxFlatDirections; run++)
        {
            // A rerun needs a product; without one left the search for flat directions ends here.
            var cut = limits.Remaining() <= 0 ? LanczosCut.Products : limits.OutOfTime() ? LanczosCut.Time : LanczosCut.None;
            if (run > 0 && cut != LanczosCut.None)
            {
                partial = FlatSearchCut(Spent(cut), flat.Count);
                break;
            }
            var result = Lanczos(n, hessianVector, flat, run, limits);
            if (result.NonFinite is { } bad)
                return new(StationaryKind.Undecided, [], false, $"{bad}, so the curvature is unknown");
            if (result.Values.Length == 0) break; // the complement of the flat directions is empty
            if (run == 0)
            {
                (lowest, highest) = (result.Values[0], result.Values[^1]);
                if (result.Cut != LanczosCut.None) return FirstRunCut(lowest, highest, result.Values, $"partial: {Spent(result.Cut)} before the extreme eigenvalues of ∂²L/∂x² converged (Lanczos)");
                // As in Classify: a curvature that underflowed to 0 (H v = 0 exactly) beside a slope that did not
                // is L changing to first order, not a flat minimum; decided before any rerun spends products.
                if (lowest == 0 && highest == 0
                    && SlopeBesideZeroCurvature(x, gradientAt, result.Values.Distinct().ToArray(),
                        $"extreme eigenvalues of ∂²L/∂x² (Lanczos, {NumberText.Count(products, "Hessian-vector product")}): 0") is { } slope)
                    return slope;
            }
            var scale = Math.Max(Math.Abs(lowest), Math.Abs(highest));
            var zero0 = RelativeZero * scale;
            var found = 0;
            var negativeFlat = new List<(int K, double[] W, double C)>();
            for (var i = 0; i < result.Values.Length && flat.Count < MaxFlatDirections; i++)
            {
                if (Math.Abs(result.Values[i]) > zero0) continue;
                flat.Add(result.Vectors[i]);
                flatValues.Add(result.Values[i]);
                found++;
                if (result.Values[i] < -CompiledProblem.LandingUlps * n * Math.Pow(2, -52) * scale)
                    negativeFlat.Add((flat.Count - 1, result.Vectors[i], result.Values[i]));
            }
            // As MeasuredNegative in Classify: a Ritz value small beside the largest but negative beyond rounding, whose
            // curvature moving x by its rounding does not turn, is measured negative curvature (a Ritz value is the curvature
            // vᵀHv along its Ritz vector v, so it proves an eigenvalue at or below it), whatever the probe's slopes say.
            if (negativeFlat.Count > 0 && !limits.OutOfTime())
            {
                var (atRounding, _) = RoundingLevel(x, negativeFlat, gradientAt, 0, negativeFlat.Count);
                foreach (var (k, _, c) in negativeFlat)
                    if (!atRounding.Contains(k)) measured.Add((k, c));
            }
            // As in Classify, a Ritz value that x's rounding cannot tell from 0 is flat too (Σ(xᵢ + sin xᵢ) at π: 2.3E-16
            // along each xᵢ); a Ritz value is the curvature vᵀHv along its Ritz vector v.
            var candidates = Enumerable.Range(0, result.Values.Length).Where(i => Math.Abs(result.Values[i]) > zero0).ToArray();
            var (rounded, roundedText) = flat.Count >= MaxFlatDirections || limits.OutOfTime() ? (new HashSet<int>(), null)
                : RoundingLevel(x, candidates.Select(i => (i, result.Vectors[i], result.Values[i])), gradientAt, reference, MaxFlatDirections - flat.Count);
            foreach (var i in rounded.Order())
            {
                flat.Add(result.Vectors[i]);
                flatValues.Add(result.Values[i]);
                found++;
            }
            if (roundedText is not null) roundedTexts.Add(roundedText);
            if (run == 0) clear.AddRange(candidates.Where(i => !rounded.Contains(i)).Select(i => result.Values[i]));
            // A rerun cut short may have missed the flat direction it was after.
            if (run > 0 && result.Cut != LanczosCut.None)
            {
                partial = FlatSearchCut(Spent(result.Cut), flat.Count);
                break;
            }
            if (found == 0) break;
        }
        var largest = Math.Max(Math.Abs(lowest), Math.Abs(highest));
        var zero = RelativeZero * largest;
        var shownValues = flatValues.Append(lowest).Append(highest).Distinct().Order().ToArray();
        var shown = $"extreme eigenvalues of ∂²L/∂x² (Lanczos, {NumberText.Count(products, "Hessian-vector product")}): " +
            NumberText.List(shownValues, v => NumberText.Short(v, 4)) + string.Concat(roundedTexts.Select(t => "; " + t)) + (partial is null ? "" : $"; {partial}");
        if (measured.Count > 0)
            shown += $"; the curvature {NumberText.List(measured.Select(t => t.C).ToArray(), v => NumberText.Short(v, 4))} along " +
                $"{NumberText.Count(measured.Count, "Ritz vector")} of a Ritz value small beside the largest is negative beyond rounding " +
                $"({CompiledProblem.LandingUlps:0}·n·ε·max|θ|, and more than moving x by its rounding changes it)";
        // Ritz values lie within [λmin, λmax]: a clearly negative one proves a negative eigenvalue, a clearly positive one a positive.
        bool negative = clear.Any(v => v < -zero) || measured.Count > 0, positive = clear.Any(v => v > zero);
        if (negative && positive) return new(StationaryKind.Saddle, shownValues, false, shown);
        var measuredIndices = measured.Select(t => t.K).ToHashSet();
        flat = flat.Where((_, k) => !measuredIndices.Contains(k)).ToList();
        if (flat.Count == 0 && highest < -zero) return new(StationaryKind.Maximum, shownValues, false, shown);
        if (flat.Count == 0 && lowest > zero) return new(StationaryKind.Minimum, shownValues, false, shown);
        return Probe(x, shownValues, shown, negative, positive, flat, gradientAt, reference, lossAt, roundingAt);
    }

    // The first run stopped before its extremes converged: its Ritz values lie inside [λmin, λmax], so a
    // clearly negative and a clearly positive one still prove a saddle; nothing else is decided.
    private static Curvature FirstRunCut(double lowest, double highest, double[] values, string why)
    {
        var zero = RelativeZero * Math.Max(Math.Abs(lowest), Math.Abs(highest));
        var shown = $"Ritz values of ∂²L/∂x² so far: {NumberText.List(values, v => NumberText.Short(v, 4))}; {why}";
        return lowest < -zero && highest > zero
            ? new(StationaryKind.Saddle, values, false, shown + "; a negative and a positive one already prove a saddle")
            : new(StationaryKind.Undecided, values, false, shown + ", so the kind of point is not decided");
    }

    private static string FlatSearchCut(string spent, int found) =>
        $"partial: the search for flat directions stopped when {spent} ({NumberText.Count(found, "flat direction")} found; more may remain, unprobed)";

    private enum LanczosCut { None, Products, Time }

    // What a Lanczos run may still spend (products left, whether the time is up) and the count of each product.
    private sealed record LanczosLimits(Func<int> Remaining, Func<bool> OutOfTime, Action Counted);

    private sealed record LanczosResult(double[] Values, double[][] Vectors, NonFiniteValue? NonFinite, LanczosCut Cut = LanczosCut.None);

    // Lanczos on H restricted to the complement of `deflate` (orthonormal): the Ritz values ascending
    // with their Ritz vectors. Stops at LanczosSteps, at an invariant subspace, or once both extreme
    // Ritz pairs have residual β_j·|s_j| ≤ 10⁻⁷ max |θ|; or, unconverged (Cut), when the limits say so.
    private static LanczosResult Lanczos(int n, Action<double[], double[]> hessianVector, List<double[]> deflate, int seed, LanczosLimits limits)
    {
        var random = new Random(20261130 + seed);
        var q = new double[n];
        for (var i = 0; i < n; i++) q[i] = random.NextDouble() - 0.5;
        Orthogonalise(q, deflate, []);
        var norm = Math.Sqrt(Dot(q, q));
        if (norm == 0) return new([], [], null);
        for (var i = 0; i < n; i++) q[i] /= norm;
        var basis = new List<double[]> { q };
        var alpha = new List<double>();
        var beta = new List<double>();
        var w = new double[n];
        var limit = Math.Min(LanczosSteps, n - deflate.Count);
        if (limit <= 0) return new([], [], null);
        MathNet.Numerics.LinearAlgebra.Factorization.Evd<double>? evd = null;
        var cut = LanczosCut.None;
        for (var j = 0; j < limit; j++)
        {
            hessianVector(basis[j], w);
            limits.Counted();
            if (NonFiniteValue.Find(Quantity.HessianVector, w) is { } bad) return new([], [], bad);
            var a = Dot(basis[j], w);
            alpha.Add(a);
            Orthogonalise(w, deflate, basis);
            Orthogonalise(w, deflate, basis); // twice is enough (Kahan's rule of "twice is enough")
            var b = Math.Sqrt(Dot(w, w));
            var t = DenseMatrix.Create(j + 1, j + 1, 0);
            for (var i = 0; i <= j; i++)
            {
                t[i, i] = alpha[i];
                if (i < j) t[i, i + 1] = t[i + 1, i] = beta[i];
            }
            evd = t.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
            var theta = evd.EigenValues.Select(v => v.Real).ToArray();
            var top = theta.Max(Math.Abs);
            // The residual of Ritz pair i is b·|S[j, i]|; the extremes decide the verdict.
            int low = Array.IndexOf(theta, theta.Min()), high = Array.IndexOf(theta, theta.Max());
            var done = b <= 1e-14 * Math.Max(top, 1e-300) ||
                Math.Max(b * Math.Abs(evd.EigenVectors[j, low]), b * Math.Abs(evd.EigenVectors[j, high])) <= 1e-7 * top;
            if (done || j + 1 == limit) break;
            cut = limits.Remaining() <= 0 ? LanczosCut.Products : limits.OutOfTime() ? LanczosCut.Time : LanczosCut.None;
            if (cut != LanczosCut.None) break;
            beta.Add(b);
            var next = new double[n];
            for (var i = 0; i < n; i++) next[i] = w[i] / b;
            basis.Add(next);
        }
        var values = evd!.EigenValues.Select(v => v.Real).ToArray();
        var m = values.Length;
        var order = Enumerable.Range(0, m).OrderBy(i => values[i]).ToArray();
        var vectors = order.Select(i =>
        {
            var v = new double[n];
            for (var k = 0; k < m; k++)
            {
                var s = evd.EigenVectors[k, i];
                var qk = basis[k];
                for (var r = 0; r < n; r++) v[r] += s * qk[r];
            }
            var length = Math.Sqrt(Dot(v, v));
            for (var r = 0; r < n; r++) v[r] /= length;
            return v;
        }).ToArray();
        return new(order.Select(i => values[i]).ToArray(), vectors, null, cut);
    }

    // Removes from w its components along each vector of the (orthonormal) sets (classical Gram–Schmidt).
    private static void Orthogonalise(double[] w, List<double[]> first, List<double[]> second)
    {
        foreach (var set in new[] { first, second })
            foreach (var u in set)
            {
                var c = Dot(u, w);
                for (var i = 0; i < w.Length; i++) w[i] -= c * u[i];
            }
    }

    // The shared tail of both classifications: x has flat directions (|λ| ≤ the zero threshold), so
    // the probe along them decides; `negative`/`positive` say whether some eigenvalue is clearly so.
    private static Curvature Probe(double[] x, double[] sorted, string shown, bool negativeSome, bool positiveSome,
        List<double[]> flat, Func<double[], double[]> gradientAt, double reference, Func<double[], double>? lossAt, Func<double[], PointRounding?>? roundingAt)
    {
        var size = ProbeLength(x, reference);
        var g0 = gradientAt(x);
        var rounding = new ProbeRounding(roundingAt, x);
        var verdicts = new List<(double Scale, StationaryKind Kind)>();
        foreach (var scale in ProbeScales)
        {
            var step = scale * size;
            bool descends = false, ascends = false, seen = false;
            foreach (var (nonFinite, slope) in FlatSlopes(x, flat, step, gradientAt, g0, rounding))
            {
                if (nonFinite is not null)
                    return new(StationaryKind.Undecided, sorted, true, shown + $"; {nonFinite} at a probe point ±{NumberText.Short(step, 3)} away");
                seen = true;
                if (slope < 0) descends = true; else ascends = true;
            }
            if (!seen) continue;
            // Positive curvature elsewhere: a minimum unless a flat direction descends (x³ at 0: a saddle);
            // negative curvature elsewhere: a maximum unless one ascends; flat everywhere: the probe alone.
            var kind = positiveSome ? (descends ? StationaryKind.Saddle : StationaryKind.Minimum)
                : negativeSome ? (ascends ? StationaryKind.Saddle : StationaryKind.Maximum)
                : !descends ? StationaryKind.Minimum : ascends ? StationaryKind.Saddle : StationaryKind.Maximum;
            verdicts.Add((step, kind));
        }
        var steps = string.Join(", ", ProbeScales.Select(s => NumberText.Short(s * size, 3)));
        // No slope along the flat directions at any local scale: a flat floor (the valley of x0 + x1, a
        // minimum that is not strict) or a slope that underflowed (e^x at −800, where L keeps falling).
        // A wide probe, out to ±ℓ (x's scale), tells them apart in the cases that matter: along a floor the
        // slope stays exactly 0 on both sides, while an underflowed exponential regains a representable
        // slope within that distance (e^x from −800: at −720 it is 1e-313, a subnormal, but not 0). Slopes
        // alone can miss it: from e^x's far left, x + ℓ may land exactly on the minimum at 0, where the slope
        // is 0 too. So L itself is compared at every probe point: L lower than here says this is no minimum at
        // all (a plateau that L leaves downhill), L higher or not finite is a slope like any other. Only a
        // floor flat on both sides out to the widest probe, in slope and in L, is called a minimum (not strict);
        // anything seen out there leaves the point undecided (StopReason.StationaryNonMinimum, never Converged).
        if (verdicts.Count == 0)
        {
            var wide = WideSlope(x, flat, size, gradientAt, g0, rounding);
            var change = lossAt is null ? null : LossChange(x, flat, size, lossAt, rounding);
            var wideSteps = string.Join(", ", WideScales.Select(s => NumberText.Short(s * size, 3)));
            var probed = $"; flat directions probed at ±{steps} and ±{wideSteps}";
            return (wide, change) switch
            {
                (_, { Lower: true } lower) => new(StationaryKind.Undecided, sorted, true,
                    shown + $"{probed}: no slope along them here, but {lower.Text}: not a minimum, a plateau that L leaves downhill (its slope exactly 0 or underflowed here)"),
                ({ } seen, _) => new(StationaryKind.Undecided, sorted, true,
                    shown + $"; flat directions probed at ±{steps}: no slope along them (L flat there, or its slope underflowed: not told apart; {seen})"),
                (null, { } higher) => new(StationaryKind.Undecided, sorted, true,
                    shown + $"; flat directions probed at ±{steps}: no slope along them (L flat there, or its slope underflowed: not told apart; {higher.Text})"),
                // Negative curvature elsewhere with a floor along the flat directions is a ridge: a maximum, not strict.
                _ => new(negativeSome ? StationaryKind.Maximum : StationaryKind.Minimum, sorted, true,
                    shown + $"{probed}: L is constant along them (no slope and no change of L on either side at any scale), " +
                    $"{(negativeSome ? "and curves down across them: a maximum" : "a minimum")} that is not strict"),
            };
        }
        if (verdicts.Any(v => v.Kind != verdicts[0].Kind))
            return new(StationaryKind.Undecided, sorted, true,
                shown + "; flat directions probed: the scales disagree (" +
                string.Join(", ", verdicts.Select(v => $"{Named(v.Kind, sorted.Length)} at ±{NumberText.Short(v.Scale, 3)}")) + ")");
        return new(verdicts[0].Kind, sorted, true,
            shown + $"; flat directions probed at ±{steps}: the slopes say {Named(verdicts[0].Kind, sorted.Length)} at " +
            (verdicts.Count == ProbeScales.Length ? "every scale" : $"{verdicts.Count} of {ProbeScales.Length} scales, the others see none"));
    }

    /// <summary>The wide probe's step sizes, relative to x's scale (see <see cref="Classify"/>).</summary>
    public static readonly double[] WideScales = [1e-1, 1];

    // The first slope (or non-finite gradient) the wide probe sees along a flat direction, described;
    // null when L is flat on both sides of every flat direction at every wide scale.
    private static string? WideSlope(double[] x, List<double[]> flat, double size, Func<double[], double[]> gradientAt, double[] g0, ProbeRounding rounding)
    {
        foreach (var scale in WideScales)
        {
            var step = scale * size;
            foreach (var (nonFinite, slope) in FlatSlopes(x, flat, step, gradientAt, g0, rounding))
                return nonFinite is not null
                    ? $"{nonFinite} at ±{NumberText.Short(step, 3)}"
                    : $"at ±{NumberText.Short(step, 3)} the slope is {NumberText.Short(slope, 3)}";
        }
        return null;
    }

    // Where L at a probe point x ± h·v (h over the local and the wide scales) differs from L(x) in its 6th
    // significant digit or before (|ΔL| > 10⁻⁶·max(|L(x)|, |L(p)|)) and beyond L's rounding at x and at p
    // (ProbeRounding), the first point where it is lower (Lower), else the first where it is higher or not finite;
    // null where L is the same everywhere to that precision. Relative, because L's rounding depends on its formula,
    // not only on L: the valley of `x0 + x1; x0 + x1` at (−231.5, 233.5) reads L = 1 + 2.8E-14 off the floor (its
    // terms grow with x²), which is no change of L; and the rounding level, because a tiny L is computed from terms
    // of x's size (`x0 − x1; x0 − x1` to ±9E-14 from (339, 339): L = 1.3E-26 here and 8.2E-27 at +480, both rounding
    // of terms 4ε·|∂L/∂y|·Σ|J||x| = 5E-24). Higher counts only where L(x) ≠ 0: at a floor of L = 0 any rounding above it
    // is relatively large (a higher L with a slope there is seen by the slopes), while lower than 0 still counts. Not
    // finite (L overflowed) counts always.
    // Each probe point is paired with one 1% beyond it, where only a lower L counts: a point of equal L says nothing
    // of a floor when L falls just past it (from exp(−x0²)'s far right at 40 to 0.5, x − ℓ lands exactly on its peak at 0, where L = 0.125 as at
    // x; at −0.4, 1% beyond, L = 0.06).
    private static (bool Lower, string Text)? LossChange(double[] x, List<double[]> flat, double size, Func<double[], double> lossAt, ProbeRounding rounding)
    {
        const double Relative = 1e-6;
        var l0 = lossAt(x);
        if (!double.IsFinite(l0)) return null;
        (bool Lower, string Text)? higher = null;
        foreach (var (step, beyond) in ProbeScales.Concat(WideScales).SelectMany(scale => new[] { (scale * size, false), (Beyond * scale * size, true) }))
        {
            foreach (var v in flat)
                foreach (var sign in new[] { 1.0, -1.0 })
                {
                    var p = x.Select((a, i) => a + sign * step * v[i]).ToArray();
                    var l = lossAt(p);
                    var at = $"{(sign > 0 ? "+" : "−")}{NumberText.Short(step, 3)} along a flat direction";
                    if (!double.IsFinite(l))
                    {
                        if (!beyond) higher ??= (false, $"L = {NumberText.Short(l, 3)} at {at}");
                        continue;
                    }
                    // A change beyond 10⁻⁶ relative, then beyond L's rounding here and there (only then is p's asked).
                    bool Beyond(double change) =>
                        change > Relative * Math.Max(Math.Abs(l0), Math.Abs(l)) && change > rounding.LossHere && change > rounding.LossAt(p);
                    var (there, here) = Apart(l, l0);
                    if (Beyond(l0 - l))
                        return (true, $"L = {there} at {at}, below L = {here} here");
                    // Beyond the probe's reach (past ±ℓ) only a fall of L counts: a floor may end out there.
                    if (!beyond && l0 != 0 && Beyond(l - l0))
                        higher ??= (false, $"L = {there} at {at}, above L = {here} here");
                }
        }
        return higher;
    }

    /// <summary>How far beyond each probe point L is compared too (see LossChange): 1.01 times its step.</summary>
    public const double Beyond = 1.01;

    // Two values with 3 significant digits, or as many more as they need to read as different numbers: a
    // comparison said in words ("below L = 0.125 here") must not show the same figure on both sides.
    private static (string A, string B) Apart(double a, double b)
    {
        for (var digits = 3; digits < 17; digits++)
            if (NumberText.Short(a, digits) != NumberText.Short(b, digits)) return (NumberText.Short(a, digits), NumberText.Short(b, digits));
        return (NumberText.RoundTrip(a), NumberText.RoundTrip(b));
    }

    // The probe at one step: for each flat eigenvector v (|λ| ≤ zero) and each side ±, the slope of L
    // when moving by ±v at x ± step·v (negative descends, positive ascends), yielded only when it exceeds
    // 10⁻⁹ of ‖∇L‖ there, twice the residual slope |vᵀ∇L(x)|, and the gradient's rounding along v (Σ|vᵢ|·rᵢ,
    // ProbeRounding) at x and at the probe point; a non-finite gradient is yielded as such.
    private static IEnumerable<(NonFiniteValue? NonFinite, double Slope)> FlatSlopes(double[] x, List<double[]> flat,
        double step, Func<double[], double[]> gradientAt, double[] g0, ProbeRounding rounding)
    {
        foreach (var v in flat)
        {
            var residual = Math.Max(Math.Abs(Dot(v, g0)), rounding.SlopeHere(v) / 2);
            foreach (var sign in new[] { 1.0, -1.0 })
            {
                var p = x.Select((a, i) => a + sign * step * v[i]).ToArray();
                var g = gradientAt(p);
                if (NonFiniteValue.Find(Quantity.Gradient, g) is { } nonFinite)
                {
                    yield return (nonFinite, double.NaN);
                    yield break;
                }
                var slope = sign * Dot(v, g);
                if (Math.Abs(slope) > Math.Max(1e-9 * Math.Sqrt(Dot(g, g)), 2 * residual) && Math.Abs(slope) > rounding.SlopeAt(p, v))
                    yield return (null, slope);
            }
        }
    }

    // The rounding levels a probe reads (PointRounding): at x, once, and at a probe point only when a slope or a change
    // of L there would otherwise count (each costs the problem's y, J and ∂L/∂y). 0 where unknown.
    private sealed class ProbeRounding(Func<double[], PointRounding?>? roundingAt, double[] x)
    {
        private readonly PointRounding? _here = roundingAt?.Invoke(x);

        public double LossHere => _here?.Loss ?? 0;

        public double SlopeHere(double[] v) => Along(v, _here);

        public double LossAt(double[] p) => roundingAt?.Invoke(p)?.Loss ?? 0;

        public double SlopeAt(double[] p, double[] v) => roundingAt is null ? 0 : Along(v, roundingAt(p));

        // Σ|vᵢ|·rᵢ: the gradient's rounding along the unit direction v.
        private static double Along(double[] v, PointRounding? r) =>
            r is null ? 0 : v.Select((e, i) => Math.Abs(e) * r.Gradient[i]).Sum();
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>"a minimum", "a saddle", "a maximum", "an inflection point" or "an undecided point", for "at …" in stop details.</summary>
    public string KindWithArticle => Kind switch
    {
        StationaryKind.Undecided => "an undecided point",
        StationaryKind.Saddle when Eigenvalues.Length == 1 => "an inflection point",
        _ => $"a {KindName}",
    };

    /// <summary>"minimum", "saddle", "maximum" or "undecided" point; with one variable a saddle is an "inflection point"
    /// (L rises on one side and falls on the other, as x³ at 0: no second direction to make a saddle of).</summary>
    public string KindName => Named(Kind, Eigenvalues.Length);

    // The kind's name for a problem of n variables.
    internal static string Named(StationaryKind kind, int n) =>
        kind == StationaryKind.Saddle && n == 1 ? "inflection point" : kind.ToString().ToLowerInvariant();
}

/// <summary>
/// Why a run stopped, typed. <see cref="Reason"/> is the coarse reason; the other fields say which
/// criterion fired (<see cref="Criterion"/>), what point it stopped at (<see cref="Curvature"/>, for
/// stops at a zero step) and what turned non-finite (<see cref="NonFinite"/>, for divergence).
/// </summary>
/// <param name="Reason">Converged, stationary non-minimum, iteration limit or diverged.</param>
/// <param name="Iteration">The iteration at which the run stopped (0 before any step).</param>
/// <param name="Criterion">For <see cref="StopReason.Converged"/>: the test that fired.</param>
/// <param name="Curvature">For a stop at a zero (or tolerably small) step: the kind of point.</param>
/// <param name="NonFinite">For <see cref="StopReason.Diverged"/>: the quantity that was not finite, and where.</param>
/// <param name="Detail">The same, in words (for display).</param>
public sealed record ExitReason(
    StopReason Reason, int Iteration, ConvergenceCriterion? Criterion, Curvature? Curvature, NonFiniteValue? NonFinite, string Detail)
{
    /// <inheritdoc/>
    /// <remarks>One level of structure, <c>converged: step length 0 ≤ 1E-12 at iteration 3, at a minimum;
    /// eigenvalues of ∂²L/∂x²: 2</c>: the reason in words (<see cref="Label"/>), the detail after a colon (it may hold
    /// one parenthesis of its own, never a second inside it).</remarks>
    public override string ToString() => Text(Reason, Detail);

    /// <summary>A stop for display, <c>reason: detail</c> with the reason in words (<see cref="Label"/>; or the reason
    /// alone without a detail), the form every table and message uses.</summary>
    public static string Text(StopReason reason, string detail) => Text(Label(reason), detail);

    /// <summary>A stop for display from a reason already in words: <c>reason: detail</c>, or the reason alone without a detail.</summary>
    public static string Text(string reason, string detail) => string.IsNullOrEmpty(detail) ? reason : $"{reason}: {detail}";

    /// <summary>
    /// A stop reason as a table cell and a result's <c>ToString()</c> read it, in lower-case words: <c>converged</c>,
    /// <c>iteration limit</c>, <c>diverged</c>, <c>stationary, not a minimum</c>, <c>stalled</c>, <c>solver failed</c>,
    /// <c>left the domain</c>. The enum's name (<c>IterationLimit</c>) stays the machine code: JSON's
    /// <c>stopReason</c> and CSV's <c>stop</c> keep it, JSON's <c>stopWords</c> carries this.
    /// </summary>
    public static string Label(StopReason reason) => reason switch
    {
        StopReason.Converged => "converged",
        StopReason.IterationLimit => "iteration limit",
        StopReason.Diverged => "diverged",
        StopReason.StationaryNonMinimum => "stationary, not a minimum",
        StopReason.Stalled => "stalled",
        StopReason.SolverFailed => "solver failed",
        StopReason.LeftDomain => "left the domain",
        _ => reason.ToString(),
    };

    /// <summary>A stop reason in words, for the result types' <c>ToString()</c> (the tables and JSON keep the names):
    /// <c>converged</c>, <c>stopped at the iteration limit</c>, <c>diverged</c>, <c>stopped at a stationary point that is
    /// not a minimum</c>, <c>stalled</c>, <c>stopped: a solver in the step failed</c>, <c>left the domain</c>.</summary>
    public static string Words(StopReason reason) => reason switch
    {
        StopReason.Converged => "converged",
        StopReason.IterationLimit => "stopped at the iteration limit",
        StopReason.Diverged => "diverged",
        StopReason.StationaryNonMinimum => "stopped at a stationary point that is not a minimum",
        StopReason.Stalled => "stalled (the rule's step was 0 off a stationary point)",
        StopReason.SolverFailed => "stopped: a solver in the step failed",
        StopReason.LeftDomain => "left the domain",
        _ => reason.ToString(),
    };

    /// <summary>
    /// The stop as compare's table cell writes it: <see cref="ToString"/>, except that a run stopped by its iteration
    /// limit reads <c>iteration limit (10)</c>, the limit it reached, instead of <c>iteration limit: 10 iterations</c>.
    /// One form for the CLI's table and the API's results (<c>OptimizerRun.StopCell</c>, <c>MethodResult.StopCell</c>).
    /// </summary>
    public string Cell => Reason == StopReason.IterationLimit ? $"{Label(Reason)} ({Iteration})" : ToString();

    /// <summary>A stop in words, <see cref="Words"/> and the detail after a colon (<c>stopped at the iteration limit: 10 iterations</c>).</summary>
    public static string Sentence(StopReason reason, string detail) => string.IsNullOrEmpty(detail) ? Words(reason) : $"{Words(reason)}: {detail}";
}

/// <summary>
/// What a rule's inner Krylov solve did in one step (Newton-CG's CG, Levenberg–Marquardt's CG, Gauss–Newton's
/// LSQR): its iterations, final residual (as the method estimates it), the residual it aimed at and which
/// test ended it. A run keeps one per step that solved (<see cref="OptimizerRun.InnerSolves"/>).
/// </summary>
/// <param name="Solver">"CG" or "LSQR".</param>
/// <param name="Iterations">Krylov iterations in the step (for LM: summed over its trial solves).</param>
/// <param name="Residual">The last solve's final residual norm.</param>
/// <param name="Target">The residual norm the last solve stopped at by its tolerance (Newton-CG: the forcing term times ‖∂L/∂x‖).</param>
/// <param name="Exit">Which test ended the last solve.</param>
public sealed record InnerSolve(string Solver, int Iterations, double Residual, double Target, KrylovExit Exit)
{
    /// <summary>The run's iteration (1 for the first step; set by the run).</summary>
    public int Iteration { get; init; }

    /// <summary>How many solves the step ran (LM: one per trial damping; 1 otherwise).</summary>
    public int Solves { get; init; } = 1;
}

/// <summary>The kinds of fallback an optimiser can take in a step.</summary>
public enum FallbackKind
{
    /// <summary>Newton: the Hessian was singular; the step used its pseudo-inverse (zero eigenvalues dropped).</summary>
    HessianSingular,
    /// <summary>Newton: the Hessian had a negative eigenvalue (indefinite, or negative (semi)definite); the direction used |λ| for each eigenvalue (and a gradient step along zero ones), a descent direction, and the step was backtracked along it until L decreased.</summary>
    HessianIndefinite,
    /// <summary>IG/PG: the Jacobian was singular; the step used its pseudo-inverse (minimum-norm Δx).</summary>
    JacobianSingular,
    /// <summary>IG/PG: the loss's Hessian in y was singular; Δy was a gradient step in y.</summary>
    LossHessianInYSingular,
    /// <summary>PG: no preimage of y + Δy was found near x (none exists there, or the inverse could not reach it); the step was IG's.</summary>
    NoPreimage,
    /// <summary>GN/HIG: singular values at or below the truncation were dropped.</summary>
    SingularValuesDropped,
    /// <summary>BFGS/L-BFGS: the curvature condition sᵀy &gt; 0 failed, so the estimate was not updated.</summary>
    CurvatureConditionFailed,
    /// <summary>A line search found no acceptable step and took the smallest it tried (or none).</summary>
    LineSearchFailed,
    /// <summary>Newton-CG: conjugate gradients met a direction of non-positive curvature; the step was the CG iterate so far (or −∇L at the first CG iteration).</summary>
    NegativeCurvature,
    /// <summary>Levenberg–Marquardt: no damping tried gave a decrease of L; the step was 0.</summary>
    StepRejected,
    /// <summary>A matrix-free rule's Krylov solve (LSQR or CG) reached its iteration limit; the step used its last iterate.</summary>
    IterativeSolveIncomplete,
    /// <summary>
    /// A derivative entry the rule reads (∂L/∂x, J, ∂²L/∂x², a product, ∂L/∂y, ∂²L/∂y²) was NaN or ±∞
    /// by its formula although the quantity it differentiates was finite; it was replaced by the
    /// two-sided limit of that quantity's difference quotients (<see cref="LimitSettledProblem"/>), and
    /// the step went on. <see cref="Fallback.Limits"/> says which quantities.
    /// </summary>
    LimitTaken,
}

/// <summary>A fallback taken at one iteration: the kind (to test) and the reason (to display).</summary>
/// <param name="Iteration">The iteration (1 for the first step).</param>
/// <param name="Kind">What kind of fallback.</param>
/// <param name="Reason">What happened, where, and what was done instead.</param>
public sealed record Fallback(int Iteration, FallbackKind Kind, string Reason)
{
    /// <summary>Every kind noted in this step, in order (<see cref="Kind"/> is the first): a step can take a limit and then meet a singular Hessian.</summary>
    public IReadOnlyList<FallbackKind> Kinds { get; init; } = [Kind];

    /// <summary>For <see cref="FallbackKind.LimitTaken"/>: the quantities with an entry settled as a limit (empty otherwise).</summary>
    public IReadOnlyList<Quantity> Limits { get; init; } = [];

    /// <summary>
    /// Whether the rule itself fell back (a kind other than <see cref="FallbackKind.LimitTaken"/>): a
    /// step that only read a derivative as its limit is still the rule's own step.
    /// </summary>
    public bool RuleFellBack => Kinds.Any(k => k != FallbackKind.LimitTaken);

    /// <summary><c>iteration 3: SingularJacobian (the Jacobian is singular …)</c>, every kind when there are several.</summary>
    public override string ToString() => $"iteration {Iteration}: {string.Join(" + ", Kinds)} ({Reason})";
}

/// <summary>
/// The rule that tells a run that blew up from one that merely ended worse, shared by <c>compare</c>
/// (<see cref="Optimizer"/>) and <c>train</c> (<see cref="PhysGrad.TrainingHistory"/>) so that both
/// call the same runs diverged. A loss that is non-finite, or that rose above its start by more than
/// <see cref="Factor"/> times max(|start|, 1), has diverged (the max keeps a start of 0 from calling
/// any rise a divergence); any other final loss above the start has only <see cref="Rose"/>.
/// </summary>
public static class LossGrowth
{
    /// <summary>How many times its start's magnitude a loss must rise by to count as diverged: 10⁶.</summary>
    public const double Factor = 1e6;

    /// <summary>
    /// Whether <paramref name="final"/> is non-finite or exceeds <paramref name="start"/> by more than
    /// <see cref="Factor"/>·|start|: relative, so a loss written in other units (L → c·L) diverges at the
    /// same iteration (the former floor max(|start|, 1) let a loss of size 10⁻¹⁶ grow 10²² times unflagged).
    /// A start loss of exactly 0 gives no scale: then the rise is measured against 1.
    /// </summary>
    public static bool Exploded(double start, double final) =>
        !double.IsFinite(final) || (double.IsFinite(start) && final - start > Factor * (start == 0 ? 1 : Math.Abs(start)));

    /// <summary>
    /// <see cref="Exploded"/> on losses with an exponent range beyond doubles (for a loss that overflowed doubles and
    /// is carried, <see cref="Stepper.CarriedLoss"/>): compared by their base-10 logarithms, the final more than
    /// log₁₀(<see cref="Factor"/> + 1) above the start's (L − L₀ &gt; Factor·L₀ for L₀ &gt; 0, as there), or not finite; a start
    /// of 0 (log −∞) measured against 1: L &gt; Factor, as there.
    /// </summary>
    public static bool ExplodedWide(Wide start, Wide final) =>
        !final.IsFinite || (start.M == 0 ? final.Log10 > Math.Log10(Factor) : final.Log10 - start.Log10 > Math.Log10(Factor + 1));

    /// <summary><see cref="Describe"/> for losses with an exponent range beyond doubles: a loss inside the double range
    /// as <see cref="Describe"/> writes it (<see cref="NumberText.Short(double, int)"/>, 4.5), one beyond it in scientific
    /// notation with the six digits of the table's final loss (<see cref="Wide.Scientific"/>): "the loss rose from 4.5 to
    /// 6.85917E+452 in 4 iterations, …" (once "from 4.5E+0", a notation used nowhere else for 4.5).</summary>
    public static string DescribeWide(Wide start, Wide final, int iterations) =>
        $"the loss rose from {WideText(start)} to {WideText(final)} in {NumberText.Count(iterations, "iteration")}, by more than 10⁶ times the start loss";

    private static string WideText(Wide w) => w.OutsideDoubles || !w.IsFinite ? w.Scientific(6) : NumberText.Short(w.ToDouble());

    /// <summary>Whether the final loss is finite, above the start, and not <see cref="Exploded"/>.</summary>
    public static bool Rose(double start, double final) => double.IsFinite(final) && final > start && !Exploded(start, final);

    /// <summary>"the loss rose from 7.6E+03 to 2.9E+32 in 10 iterations, by more than 10⁶ times the start loss" (or "by more
    /// than 10⁶" when the start loss is 0).</summary>
    public static string Describe(double start, double final, int iterations) =>
        $"the loss rose from {NumberText.Short(start)} to {NumberText.Short(final)} in {NumberText.Count(iterations, "iteration")}, "
        + (start != 0 ? "by more than 10⁶ times the start loss" : "by more than 10⁶ (the start loss is 0)");
}
