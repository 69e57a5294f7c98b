using System.Globalization;
using MathNet.Numerics.LinearAlgebra.Double;

namespace PhysGrad.Numerics;

// Typed outcomes of a run, shaped after MathNet's MinimizationResult/ExitCondition: a caller tests
// `run.Exit.Reason == StopReason.Diverged` or `fallback.Kind == FallbackKind.NoPreimage`, never a
// string. The strings (StopDetail, Fallback.Reason) stay, for display only.

/// <summary>Which convergence test fired.</summary>
public enum ConvergenceCriterion
{
    /// <summary>The loss fell to the loss tolerance or below.</summary>
    LossTolerance,
    /// <summary>A step's length ‖Δx‖ was at most the step tolerance, at a point the curvature classified as a minimum.</summary>
    StepTolerance,
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

    /// <summary>The quantity's display name with the entry, e.g. "the Jacobian's entry J[1,2] = NaN".</summary>
    public override string ToString()
    {
        var v = Value.ToString(CultureInfo.InvariantCulture);
        return Quantity switch
        {
            Quantity.Point => $"x[{Index + 1}] = {v}",
            Quantity.Outputs => $"the output y[{Index + 1}] = {v}",
            Quantity.Jacobian => $"the Jacobian entry J[{Index / Math.Max(1, Columns) + 1},{Index % Math.Max(1, Columns) + 1}] = {v}",
            Quantity.Loss => $"the loss L = {v}",
            Quantity.Gradient => $"the gradient entry ∂L/∂x[{Index + 1}] = {v}",
            Quantity.Hessian => $"the Hessian entry H[{Index / Math.Max(1, Columns) + 1},{Index % Math.Max(1, Columns) + 1}] = {v}",
            Quantity.LossGradientInY => $"the loss gradient entry ∂L/∂y[{Index + 1}] = {v}",
            Quantity.LossHessianInY => $"the loss Hessian entry ∂²L/∂y²[{Index / Math.Max(1, Columns) + 1},{Index % Math.Max(1, Columns) + 1}] = {v}",
            _ => $"the step entry Δx[{Index + 1}] = {v}",
        };
    }
}

/// <summary>
/// The curvature of L(P(x)) at a point: the eigenvalues of the (symmetric) Hessian, and the kind of
/// stationary point they say, with a probe along the flat directions. Source of the test: second-order
/// conditions (Nocedal &amp; Wright, Numerical Optimization, §2.1): all eigenvalues positive is a strict
/// minimum, one negative means a descent direction; zero eigenvalues leave the question to higher
/// orders, which the probe answers approximately by evaluating L at x ± h·v for each flat eigenvector v
/// (h = 10⁻²·(1 + ‖x‖); a change beyond 10⁻¹³·(1 + |L|) counts). A probe is evidence, not proof: a
/// feature of L narrower than h can fool it.
/// </summary>
/// <param name="Kind">The kind of point.</param>
/// <param name="Eigenvalues">The Hessian's eigenvalues, ascending (empty when the Hessian was not finite).</param>
/// <param name="Probed">Whether the probe decided (some eigenvalues were at rounding level).</param>
/// <param name="Detail">What decided, for display.</param>
public sealed record Curvature(StationaryKind Kind, double[] Eigenvalues, bool Probed, string Detail)
{
    /// <summary>Eigenvalues with |λ| ≤ this times max |λ| (or ≤ 1e-12 absolutely when all are tiny) count as zero.</summary>
    public const double RelativeZero = 1e-9;

    /// <summary>
    /// Classifies x by the Hessian <paramref name="hessian"/> (n × n, row by row) of <paramref name="loss"/>
    /// there. For flat directions, <paramref name="lossAt"/> evaluates L at x ± h·v with h = 1e-2·(1 + ‖x‖);
    /// a decrease by more than 1e-13·(1 + |L|) in one of them is a descent direction.
    /// </summary>
    public static Curvature Classify(double[] x, double loss, ReadOnlySpan<double> hessian, Func<double[], double> lossAt)
    {
        var n = x.Length;
        if (n == 0) return new(StationaryKind.Minimum, [], false, "no variables");
        if (NonFiniteValue.Find(Quantity.Hessian, hessian, n) is { } bad)
            return new(StationaryKind.Undecided, [], false, $"{bad}, so the curvature is unknown");
        var h = DenseMatrix.Create(n, n, 0);
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++) h[r, c] = 0.5 * (hessian[r * n + c] + hessian[c * n + r]);
        var evd = h.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var sorted = order.Select(i => values[i]).ToArray();
        var largest = sorted.Max(Math.Abs);
        var zero = Math.Max(RelativeZero * largest, 1e-12);
        int negative = sorted.Count(v => v < -zero), positive = sorted.Count(v => v > zero);
        var shown = "eigenvalues of ∂²L/∂x²: " + string.Join(", ", sorted.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)));
        if (negative == n) return new(StationaryKind.Maximum, sorted, false, shown);
        if (negative > 0 && positive > 0) return new(StationaryKind.Saddle, sorted, false, shown);
        if (positive == n) return new(StationaryKind.Minimum, sorted, false, shown);
        // Flat directions: the second order does not decide; probe L along each flat eigenvector, far
        // enough that a quartic term (h⁴ = 1e-8) stands well above L's rounding.
        var step = 1e-2 * (1 + Math.Sqrt(x.Sum(v => v * v)));
        var noise = 1e-13 * (1 + Math.Abs(loss));
        bool descends = false, ascends = false;
        for (var k = 0; k < n; k++)
        {
            if (Math.Abs(values[k]) > zero) continue;
            foreach (var sign in new[] { 1.0, -1.0 })
            {
                var trial = x.Select((v, i) => v + sign * step * evd.EigenVectors[i, k]).ToArray();
                var l = lossAt(trial);
                if (!double.IsFinite(l))
                    return new(StationaryKind.Undecided, sorted, true, shown + $"; L is {l} at a probe point");
                if (l < loss - noise) descends = true;
                if (l > loss + noise) ascends = true;
            }
        }
        var probe = $"; flat directions probed at ±{step:G3}: L {(descends ? "falls" : "does not fall")} along them";
        probe += $", {(ascends ? "rises" : "does not rise")} along them";
        // Positive curvature elsewhere: a minimum unless a flat direction descends (x³ at 0: a saddle).
        if (positive > 0) return new(descends ? StationaryKind.Saddle : StationaryKind.Minimum, sorted, true, shown + probe);
        // Negative curvature elsewhere: a maximum unless a flat direction ascends.
        if (negative > 0) return new(ascends ? StationaryKind.Saddle : StationaryKind.Maximum, sorted, true, shown + probe);
        // Flat in every direction: the probe alone decides (x⁴: minimum, −x⁴: maximum, x³: saddle).
        var kind = !descends ? StationaryKind.Minimum : ascends ? StationaryKind.Saddle : StationaryKind.Maximum;
        return new(kind, sorted, true, shown + probe);
    }

    /// <summary>"minimum", "saddle", "maximum" or "undecided" point.</summary>
    public string KindName => Kind.ToString().ToLowerInvariant();
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
    public override string ToString() => $"{Reason} ({Detail})";
}

/// <summary>The kinds of fallback an optimiser can take in a step.</summary>
public enum FallbackKind
{
    /// <summary>Newton: the Hessian was singular; the step used its pseudo-inverse (zero eigenvalues dropped).</summary>
    HessianSingular,
    /// <summary>Newton: the Hessian was indefinite; the step used |λ| for each eigenvalue (and dropped zero ones), so it descends.</summary>
    HessianIndefinite,
    /// <summary>IG/PG: the Jacobian was singular; the step used its pseudo-inverse (minimum-norm Δx).</summary>
    JacobianSingular,
    /// <summary>IG/PG: the loss's Hessian in y was singular; Δy was a gradient step in y.</summary>
    LossHessianInYSingular,
    /// <summary>PG: y + Δy had no preimage near x; the step was IG's.</summary>
    NoPreimage,
    /// <summary>GN/HIG: singular values at or below the truncation were dropped.</summary>
    SingularValuesDropped,
    /// <summary>BFGS/L-BFGS: the curvature condition sᵀy &gt; 0 failed, so the estimate was not updated.</summary>
    CurvatureConditionFailed,
    /// <summary>A line search found no acceptable step and took the smallest it tried (or none).</summary>
    LineSearchFailed,
}

/// <summary>A fallback taken at one iteration: the kind (to test) and the reason (to display).</summary>
/// <param name="Iteration">The iteration (1 for the first step).</param>
/// <param name="Kind">What kind of fallback.</param>
/// <param name="Reason">What happened, where, and what was done instead.</param>
public sealed record Fallback(int Iteration, FallbackKind Kind, string Reason);
