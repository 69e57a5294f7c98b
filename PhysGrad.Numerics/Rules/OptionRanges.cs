namespace PhysGrad.Numerics.Rules;

/// <summary>
/// The ranges of the rules' options and the refusal of a value outside one: each message names the option,
/// its valid range, what the value given would do (said for that value: a negative τ and a τ ≥ 1 fail for
/// different reasons) and a valid value. Null when the value is in range. The rules' constructors and the
/// CLI's own options for the same quantities (train's --tau) ask here, so that one quantity is explained once.
/// </summary>
public static class OptionRanges
{
    private static string N(double v) => NumberText.RoundTrip(v);

    private static string Refusal(string option, string range, double value, string meaning, string instead) =>
        $"{option} must be {range}, not {N(value)}: {meaning}; {instead}.";

    /// <summary>
    /// The relative truncation τ of a spectral rule (σ ≤ τ·σ_max dropped, docs/theory.md §2): in [0, 1).
    /// </summary>
    /// <param name="option">How the option is written where it was given (<c>the option tau (τ)</c>, <c>--tau</c>).</param>
    /// <param name="tau">The value given.</param>
    /// <param name="kappa">The rule's exponent κ of Σ (−1 for Gauss–Newton), which decides what a zero singular value does.</param>
    /// <param name="written">How a value of the option is written where it was given (<c>tau={0}</c>, <c>--tau {0}</c>).</param>
    public static string? Tau(string option, double tau, double kappa, string written = "tau={0}")
    {
        if (tau >= 0 && tau < 1) return null;
        const string range = "in [0, 1) (singular values σ ≤ τ·σ_max are dropped)";
        var meaning = double.IsNaN(tau) ? "it is not a number"
            : tau < 0
                // σ ≥ 0 > τ·σ_max: nothing is dropped, not even σ = 0.
                ? "a negative τ drops no singular value, not even those that are 0" +
                  (kappa < 0 ? $", and Σ^κ with κ = {N(kappa)} is infinite there, so a singular J would make the step infinite" : ", which is what τ = 0 does")
                : "τ ≥ 1 drops every singular value, σ_max included (σ_max ≤ τ·σ_max), so every step would be 0";
        return Refusal(option, range, tau, meaning,
            tau < 0
                ? $"{string.Format(written, 0)} drops only the zero singular values, {string.Format(written, "1e-3")} (hig's default in compare) also the small ones"
                : $"e.g. {string.Format(written, "1e-3")} (hig's default in compare)");
    }

    /// <summary>
    /// An exponential decay β of Adam's moment averages (<c>m ← βm + (1 − β)g</c>, bias-corrected by
    /// <c>1 − βᵏ</c>; Kingma &amp; Ba 2015, Algorithm 1): in [0, 1).
    /// </summary>
    /// <param name="option">The option as given (<c>beta1 (β₁)</c>).</param>
    /// <param name="beta">The value given.</param>
    /// <param name="second">True for β₂, whose average is of g² (under a square root), false for β₁'s average of g.</param>
    /// <param name="fallback">The default, suggested instead.</param>
    public static string? Decay(string option, double beta, bool second, double fallback)
    {
        if (beta >= 0 && beta < 1) return null;
        var b = second ? "β₂" : "β₁";
        var average = second ? "v ← β₂v + (1 − β₂)g²" : "m ← β₁m + (1 − β₁)g";
        var meaning = double.IsNaN(beta) ? "it is not a number"
            : beta < 0
                ? $"the average {average} would weigh the past with alternating signs" +
                  (second ? ", so v, under a square root in the step, could turn negative" : ", so the step would not follow the gradients' mean")
                : beta == 1
                    ? $"{average} would never take in a gradient, and the bias correction 1 − {b}ᵏ is 0, so the step would be 0/0"
                    : $"the new gradient would enter {average} with a negative weight" +
                      (second ? ", so v could turn negative under the step's square root" : "") + $" and {b}ᵏ would grow without bound";
        return Refusal(option, "in [0, 1)", beta, meaning, $"e.g. the default {N(fallback)}");
    }

    /// <summary>Adam's ε, added to √v̂ in the step's denominator: positive and finite.</summary>
    public static string? AdamEpsilon(string option, double epsilon, double fallback)
    {
        if (epsilon > 0 && double.IsFinite(epsilon)) return null;
        var meaning = double.IsNaN(epsilon) ? "it is not a number"
            : epsilon == 0 ? "the step m̂/(√v̂ + ε) would divide by 0 for every entry whose gradients so far were 0"
            : epsilon < 0 ? "√v̂ + ε could be 0 (a division by 0) or negative (a step uphill)"
            : "every step would be 0";
        return Refusal(option, "positive and finite", epsilon, meaning, $"e.g. the default {N(fallback)}");
    }

    /// <summary>
    /// Levenberg–Marquardt's first damping λ₀ (relative to D = diag JᵀHJ): positive and finite. λ is
    /// multiplied up or down from λ₀ after each step, so it keeps λ₀'s sign, and λ₀ = 0 stays 0.
    /// </summary>
    public static string? Damping(string option, double lambda0, double fallback)
    {
        if (lambda0 > 0 && double.IsFinite(lambda0)) return null;
        var meaning = double.IsNaN(lambda0) ? "it is not a number"
            : lambda0 == 0 ? "λ is adapted by factors, so it would stay 0: no damping at any step, and the system JᵀHJ Δx = −Jᵀ∂L/∂y fails where JᵀHJ is singular"
            : lambda0 < 0 ? "λ is adapted by factors, so it would stay negative: λD subtracted from JᵀHJ can make the system indefinite and the step go uphill"
            : "every step would be 0";
        return Refusal(option, "positive and finite", lambda0, meaning, $"e.g. the default {N(fallback)}");
    }

    /// <summary>
    /// Newton-CG's relative residual tolerance: CG stops once ‖H p + ∂L/∂x‖ ≤ tol·‖∂L/∂x‖; 0 selects the
    /// Eisenstat–Walker forcing term, any other value must be in (0, 1).
    /// </summary>
    public static string? CgTolerance(string option, double tolerance)
    {
        if (tolerance >= 0 && tolerance < 1) return null;
        var meaning = double.IsNaN(tolerance) ? "it is not a number"
            : tolerance < 0 ? "CG stops once ‖H p + ∂L/∂x‖ ≤ tol·‖∂L/∂x‖, which a negative tol never allows, so every solve would run to its iteration limit"
            : "CG stops once ‖H p + ∂L/∂x‖ ≤ tol·‖∂L/∂x‖, which p = 0 already meets for tol ≥ 1, so every step would be 0";
        return Refusal(option, "0 (the Eisenstat–Walker forcing term) or in (0, 1)", tolerance, meaning, "e.g. tol=0 (the default) or tol=0.1");
    }

    /// <summary>Newton-CG's limit of CG iterations per step: a whole number, 0 (2n + 10) or more.</summary>
    public static string? CgLimit(string option, double limit)
    {
        if (limit >= 0 && limit <= int.MaxValue && limit == Math.Floor(limit)) return null;
        var meaning = double.IsNaN(limit) ? "it is not a number"
            : limit < 0 ? "a count of iterations cannot be negative"
            : limit > int.MaxValue ? $"it is beyond the largest count, {int.MaxValue}"
            : "iterations are counted in whole numbers";
        return Refusal(option, "a whole number, 0 or more", limit, meaning, "maxcg=0 (the default) takes 2n + 10 for n variables");
    }
}
