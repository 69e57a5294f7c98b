using MathNet.Numerics.LinearAlgebra.Double;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// Why an exponent-family rule with κ ≠ −1 (HIG) diverged, in words that follow from what is measured where
/// the loss first rose, never from a fixed story. Linearised at that point x_a, the step
/// Δx = −η V Σ^κ Uᵀ ∂L/∂y moves y by J Δx = −η U Σ^(1+κ) Uᵀ ∂L/∂y, and ∂L/∂y then changes by −η A ∂L/∂y with
/// A = H U Σ^(1+κ) Uᵀ (H = ∂²L/∂y², the identity for ½‖y − y*‖²): the step overshoots y* and the residual
/// grows when some eigenvalue λ of A has |1 − ηλ| &gt; 1, for positive λ when ηλ &gt; 2. For κ &gt; −1
/// the gain σ^(1+κ) is largest at the largest σ: 1E+8·x0 at HIG's η = 0.3 has ηλ = 3000, so it diverges
/// because σ is large, where the former note blamed small singular values and a fold. When the linearised
/// step does not overshoot, the rise comes from P's change over the step (HIG on x0² from 10⁻⁵: σ = 2E-05,
/// a step of 224, over which σ grows to 447, next to the fold at 0): said with the singular values at both
/// ends of the step, and a fold named only when σ_min at x_a is below 10⁻² of its value one step on.
/// </summary>
internal static class SpectralDivergence
{
    /// <summary>The ratio of σ_min at the step's start to its value one step on below which x_a is said to be near a fold.</summary>
    private const double FoldRatio = 1e-2;

    /// <summary>
    /// The note appended to a spectral rule's Diverged stop ("; measured at the start x₀: …"), from the points
    /// and losses recorded (<paramref name="iterations"/>[i] the iteration of <paramref name="points"/>[i]);
    /// "" for κ = −1. Where J or the loss's curvature in y cannot be measured (non-finite, or the problem does
    /// not offer them) only the rule's formula and its first step are said.
    /// </summary>
    internal static string Explain(SpectralRule rule, IDifferentiableProblem problem, IReadOnlyList<double[]> points,
        IReadOnlyList<int> iterations, IReadOnlyList<double> losses, double[]? firstStep)
    {
        if (rule.Kappa == -1) return "";
        var formula = $"{rule.Name}'s step −η V Σ^κ Uᵀ ∂L/∂y (κ = {NumberText.Short(rule.Kappa)})";
        var solver = $"That is the rule at η = {NumberText.Short(rule.Eta)}, not a failure of the solver";
        // The last recorded point before the loss first rose (or stopped being finite), and the next one.
        var a = 0;
        while (a + 1 < losses.Count && losses[a + 1] <= losses[a]) a++;
        if (a + 1 >= points.Count) a = 0;
        var at = Measure(rule, problem, points[a]);
        if (at is null)
            return firstStep is null ? ""
                : $"; {formula} is not invariant to the scale of y, and its first step had length {NumberText.Short(CompiledProblem.Norm(firstStep, firstStep.Length), 3)} " +
                  $"(J or the loss's curvature in y could not be measured to say more). {solver}: a smaller η shortens its steps";
        var where = a == 0 ? "the start x₀" : $"iteration {iterations[a]}, x = {NumberText.Vector(points[a], v => NumberText.Short(v, 3))}";
        var sigmas = NumberText.Vector(at.Sigma, v => NumberText.Short(v, 3));
        var eta = rule.Eta;
        var gain = eta * at.LargestGain;
        if (at.Growth > 1)
        {
            if (gain > 2)
            {
                var grows = rule.Kappa > -1 ? "large" : "small";
                return $"; measured at {where}: J's singular values are σ = {sigmas}, and {formula} moves y by −η U Σ^(1+κ) Uᵀ ∂L/∂y, " +
                    $"whose largest gain on ∂L/∂y (η·σ^(1+κ) with L's curvature in y) is {NumberText.Short(gain, 3)} > 2, at σ = {NumberText.Short(at.GainSigma, 3)}: " +
                    $"each step overshoots y* and multiplies the residual by up to {NumberText.Short(at.Growth, 3)}. σ^(1+κ) is large where σ is {grows} " +
                    $"(1 + κ = {NumberText.Short(1 + rule.Kappa)}), so {rule.Name} is not invariant to the scale of y. {solver}: η below " +
                    $"{NumberText.Short(2 / at.LargestGain, 2)} keeps that gain under 2, and gn (κ = −1) moves y by the same fraction of ∂L/∂y at any scale of y";
            }
            return $"; measured at {where}: J's singular values are σ = {sigmas}, and {formula} changes ∂L/∂y, linearised, by a factor of up to " +
                $"{NumberText.Short(at.Growth, 3)} per step (L's curvature in y is not positive along every direction the step moves y in). {solver}";
        }
        // The linearised step contracts: the rise is P's (or L's) change over the step, measured one step on.
        var text = $"; measured at {where}: the linearised step does not overshoot y* there (its largest gain η·σ^(1+κ) with L's curvature in y is " +
            $"{NumberText.Short(gain, 3)}, at most 2), so the rise comes from the change of P or L over the step, which the Jacobian at the step's start does not see";
        var next = a + 1 < points.Count && iterations[a + 1] == iterations[a] + 1 ? points[a + 1] : null;
        var fold = false;
        if (next is not null)
        {
            var d = next.Select((v, i) => v - points[a][i]).ToArray();
            var length = CompiledProblem.Norm(d, d.Length);
            var from = CompiledProblem.Norm(points[a], points[a].Length);
            text += $": {(a == 0 ? "the first step" : "the step")} had length {NumberText.Short(length, 3)}" + (from > 0 ? $" ({NumberText.Short(length / from, 3)} times ‖x‖ = {NumberText.Short(from, 3)})" : "");
            if (Measure(rule, problem, next) is { } after)
            {
                text += $", and J's singular values went from {sigmas} to {NumberText.Vector(after.Sigma, v => NumberText.Short(v, 3))} over it";
                var (small, smallAfter) = (at.Sigma.Where(s => s > 0).DefaultIfEmpty(0).Min(), after.Sigma.Where(s => s > 0).DefaultIfEmpty(0).Min());
                fold = rule.Kappa < 0 && small > 0 && small <= FoldRatio * smallAfter;
                if (fold)
                    text += $"; J is nearly singular at {where} (its smallest singular value is {NumberText.Short(small / smallAfter, 2)} times its value one step on), " +
                        "as near a fold of P, and the step grows as σ^κ where σ is small";
            }
        }
        else
            text += $": J's singular values there are σ = {sigmas}";
        return text + $". {solver}: a smaller η keeps its steps where J stays close to its value at their start" + (fold ? ", as does a start away from where J is singular" : "");
    }

    /// <summary>
    /// J's singular values at <paramref name="x"/> (descending), the largest eigenvalue λ of A = H U_k Σ_k^(1+κ) U_kᵀ
    /// over the singular values the rule keeps (σ &gt; τ·σ_max), the σ whose σ^(1+κ) is largest, and
    /// max |1 − ηλ| over A's eigenvalues (its linearised growth of ∂L/∂y per step); null when J or H is not
    /// finite or not offered. A's nonzero eigenvalues are those of the symmetric B = Σ^((1+κ)/2) Uᵀ H U Σ^((1+κ)/2).
    /// </summary>
    private static Measured? Measure(SpectralRule rule, IDifferentiableProblem problem, double[] x)
    {
        int m = problem.M, n = problem.N;
        if ((problem.Supported & (Capabilities.Jacobian | Capabilities.LossHessianInY)) != (Capabilities.Jacobian | Capabilities.LossHessianInY)
            || !x.All(double.IsFinite))
            return null;
        var (y, jacobian, g, h) = (new double[m], new double[m * n], new double[m], new double[m * m]);
        try
        {
            problem.Simulate(x, y, jacobian);
            if (!y.All(double.IsFinite) || !jacobian.All(double.IsFinite)) return null;
            problem.LossInY(y, g, h);
            if (!h.All(double.IsFinite)) return null;
            var (svd, exponent) = LinearAlgebra.ScaledSvd(DenseMatrix.Create(m, n, (r, c) => jacobian[r * n + c]));
            var sigma = svd.S.Select(v => Math.ScaleB(v, exponent)).ToArray();
            var largest = sigma.DefaultIfEmpty(0).Max();
            var kept = Enumerable.Range(0, sigma.Length).Where(k => sigma[k] > rule.Tau * largest && sigma[k] > 0).ToArray();
            if (kept.Length == 0) return null;
            var power = 1 + rule.Kappa;
            var root = kept.Select(k => Math.Pow(sigma[k], power / 2)).ToArray();
            var b = DenseMatrix.Create(kept.Length, kept.Length, (p, q) =>
            {
                double sum = 0;
                for (var r = 0; r < m; r++)
                    for (var c = 0; c < m; c++) sum += svd.U[r, kept[p]] * h[r * m + c] * svd.U[c, kept[q]];
                return root[p] * sum * root[q];
            });
            var lambda = b.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Select(e => e.Real).ToArray();
            if (!lambda.All(double.IsFinite)) return null;
            var gainSigma = kept.Select(k => sigma[k]).MaxBy(s => Math.Pow(s, power));
            var growth = lambda.Max(l => Math.Abs(1 - rule.Eta * l));
            return new Measured(sigma, lambda.Max(), gainSigma, growth);
        }
        catch (Exception e) when (e is MathNet.Numerics.NonConvergenceException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    private sealed record Measured(double[] Sigma, double LargestGain, double GainSigma, double Growth);
}
