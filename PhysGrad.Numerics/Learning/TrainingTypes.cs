using System.Diagnostics;

// The training API's data types are part of the façade namespace: the CLI and C# callers name them.
namespace PhysGrad;

/// <summary>How the network's parameters θ are updated (docs/theory.md §6).</summary>
public enum TrainingMethod
{
    /// <summary>Gradient descent on ∂L̄/∂θ.</summary>
    GradientDescent,
    /// <summary>Adam (Kingma and Ba 2015; Keras's defaults β₁ = 0.9, β₂ = 0.999, ε = 10⁻⁷) on ∂L̄/∂θ.</summary>
    Adam,
    /// <summary>Gauss–Newton on the stacked batch Jacobian: Δθ = −η 𝒥⁺ g (κ = −1).</summary>
    GaussNewton,
    /// <summary>Half-inverse gradients: Δθ = −η V Σ^(−½) Uᵀ g, singular values σ ≤ τ·σ_max dropped.</summary>
    Hig,
    /// <summary>SIP with inverse-gradient physics steps Δx_b = J_b⁺ Δy_b (relative cut-off), then Adam or GD on the proxy loss.</summary>
    SipInverseGradient,
    /// <summary>SIP with physical-gradient steps Δx_b = P⁻¹(y_b + Δy_b; x_b) − x_b (closed-form local inverse), then Adam or GD on the proxy loss.</summary>
    SipPhysicalGradient,
}

/// <summary>
/// The settings of one training method.
/// </summary>
/// <param name="Method">The update.</param>
/// <param name="LearningRate">η for GD, Adam, GN and HIG; η_NN (the network optimiser's rate) for SIP.</param>
/// <param name="BatchSize">B, the samples per step.</param>
/// <param name="Tau">HIG's and GN's relative truncation: singular values σ ≤ τ·σ_max of 𝒥 are dropped.</param>
/// <param name="PhysicsStep">SIP's η in Δy_b = η (y*_b − y_b); 1 (the full Newton step in y) when the inverse is exact.</param>
/// <param name="Rcond">SIP-IG's relative cut-off of the per-sample pseudo-inverse J_b⁺.</param>
/// <param name="SipWithAdam">SIP's network optimiser: Adam (true) or GD (false).</param>
public sealed record TrainingSettings(
    TrainingMethod Method, double LearningRate, int BatchSize, double Tau = 1e-6, double PhysicsStep = 1,
    double Rcond = 1e-5, bool SipWithAdam = true)
{
    /// <summary>A short name: gd, adam, gn, hig, sip-ig, sip-pg.</summary>
    public string ShortName => NameOf(Method);

    /// <summary>The catalogue name of a method (gd, adam, gn, hig, sip-ig, sip-pg), as users type it.</summary>
    public static string NameOf(TrainingMethod method) => method switch
    {
        TrainingMethod.GradientDescent => "gd",
        TrainingMethod.Adam => "adam",
        TrainingMethod.GaussNewton => "gn",
        TrainingMethod.Hig => "hig",
        TrainingMethod.SipInverseGradient => "sip-ig",
        _ => "sip-pg",
    };
}

/// <summary>
/// Draws a mini-batch: fills <c>z</c> with B rows of network inputs and <c>yTarget</c> with B rows of
/// targets y*_b (m each), using the given random source only (so a seed fixes the batches).
/// </summary>
public delegate void BatchSampler(Random random, int batch, double[] z, double[] yTarget);

/// <summary>One recorded point of a training run.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="Seconds">Training wall-clock time so far (evaluations excluded).</param>
/// <param name="Loss">The mean loss L̄ on the evaluation set.</param>
/// <param name="XError">The mean ½‖x − x*‖² on the evaluation set where x* is known, else NaN.</param>
public readonly record struct TrainingPoint(int Step, double Seconds, double Loss, double XError);

/// <summary>The history of one training run.</summary>
/// <param name="Settings">What ran.</param>
/// <param name="Seed">The seed of the initialisation and the batches.</param>
/// <param name="Points">The recorded points, the first at step 0, the last at the end.</param>
/// <param name="Fallbacks">SIP-PG steps whose inverse found no preimage and fell back to J_b⁺ (0 otherwise).</param>
/// <param name="Diverged">True when the loss or θ became non-finite (the run stops there), or the final
/// evaluation loss rose above the start's by the factor of <see cref="Numerics.LossGrowth.Exploded"/>, the rule compare uses.</param>
public sealed record TrainingHistory(TrainingSettings Settings, int Seed, IReadOnlyList<TrainingPoint> Points, long Fallbacks, bool Diverged)
{
    /// <summary>
    /// The wall-clock seconds of the untimed warm-up run that went before this one (a few steps of the same
    /// settings and seed, thrown away, so JIT compilation of the method's code paths falls there), 0 when
    /// none ran. Not part of <see cref="Points"/>' times: those start after it.
    /// </summary>
    public double WarmUpSeconds { get; init; }

    /// <summary><c>gd, seed 1: 201 points, final loss 0.0123, step limit</c>.</summary>
    public override string ToString() =>
        $"{Settings.ShortName}, seed {Seed}: {NumberText.Count(Points.Count, "point")}" +
        (Points.Count > 0 ? $", final loss {NumberText.Short(Points[^1].Loss, 4)}" : "") + $", {StopWords}" +
        (Diverged ? ", diverged" : "") + (Fallbacks > 0 ? $", {NumberText.Count(Fallbacks, "fallback")}" : "");

    /// <summary>
    /// Which limit or failure ended the run: <c>StepLimit</c>, <c>TimeLimit</c>, <c>Diverged</c>,
    /// <c>SolverFailed</c> (an SVD or eigendecomposition in a step did not converge), <c>LeftDomain</c> (a
    /// step took a sample's x outside the physics' domain; the run ends at its last recorded point before
    /// it, see <see cref="Numerics.Learning.PhysicsTrainer.Train"/>) or <c>Cancelled</c>.
    /// </summary>
    public string Stop { get; init; } = "StepLimit";

    /// <summary><see cref="Stop"/> in words: <c>step limit</c>, <c>time limit</c>, <c>diverged</c>, <c>solver failed</c>,
    /// <c>left the domain</c> or <c>cancelled</c> (the stop reasons' as <see cref="Numerics.ExitReason.Label"/> says them).</summary>
    public string StopWords => Stop switch
    {
        "StepLimit" => "step limit",
        "TimeLimit" => "time limit",
        "Cancelled" => "cancelled",
        _ => Enum.TryParse<Numerics.StopReason>(Stop, out var reason) ? Numerics.ExitReason.Label(reason) : Stop,
    };

    /// <summary>The stop in words ("10 steps", "the SVD of step 4 did not converge", …).</summary>
    public string StopDetail { get; init; } = "";

    /// <summary>
    /// Whether the final loss is above the start's without the run having failed (<see cref="Numerics.LossGrowth.Rose"/>):
    /// never for a run that diverged, whose solver failed or that left the domain (its stop says what happened).
    /// </summary>
    public bool LossRose => !Diverged && Stop is not ("SolverFailed" or "LeftDomain") && Numerics.LossGrowth.Rose(Points[0].Loss, Points[^1].Loss);

    /// <summary>The last recorded point.</summary>
    public TrainingPoint Final => Points[^1];
}
