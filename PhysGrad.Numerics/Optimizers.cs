using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>The update rules of docs/theory.md §2 implemented so far.</summary>
public enum Method
{
    /// <summary>Gradient descent: Δx = −η ∂L/∂x.</summary>
    GradientDescent,
    /// <summary>Newton: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x with the exact Hessian.</summary>
    Newton,
    /// <summary>Inverse gradient: Δx = J⁻¹ Δy with the Newton step in y.</summary>
    InverseGradient,
    /// <summary>Physical gradient: Δx = P⁻¹(y + Δy; x) − x.</summary>
    PhysicalGradient,
    /// <summary>Adam on ∂L/∂x (β₁ = 0.9, β₂ = 0.999, ε = 1e−8).</summary>
    Adam,
    /// <summary>Gauss–Newton: Δx = −η J⁺ ∂L/∂y.</summary>
    GaussNewton,
    /// <summary>Half-inverse gradient: Δx = −η V Σ^κ Uᵀ ∂L/∂y, κ = −½, singular values ≤ τ·σ_max dropped.</summary>
    HalfInverseGradient,
    /// <summary>BFGS: Δx = −η B ∂L/∂x with B the inverse-Hessian estimate built from gradient differences.</summary>
    Bfgs,
    /// <summary>L-BFGS: BFGS with the estimate kept as the last 10 pairs of steps and gradient differences.</summary>
    LimitedMemoryBfgs,
    /// <summary>Newton-CG: the Newton step by conjugate gradients on Hessian-vector products (no Hessian formed).</summary>
    NewtonCG,
    /// <summary>Levenberg–Marquardt: damped Gauss–Newton, (JᵀHJ + λD) Δx = −Jᵀ∂L/∂y, λ adapted per step.</summary>
    LevenbergMarquardt,
    /// <summary>The former name of <see cref="HalfInverseGradient"/>.</summary>
    [Obsolete("Use Method.HalfInverseGradient (named like InverseGradient).")]
    HalfInverse = HalfInverseGradient,
}

/// <summary>Why a run stopped (the coarse reason; <see cref="ExitReason"/> has the details).</summary>
public enum StopReason
{
    /// <summary>The loss fell to the tolerance, or the step to the step tolerance at a point whose curvature says minimum.</summary>
    Converged,
    /// <summary>The iteration limit was reached.</summary>
    IterationLimit,
    /// <summary>A value became non-finite, or a quantity the rule needs was not finite; the run says which and when.</summary>
    Diverged,
    /// <summary>The step fell to the step tolerance (typically exactly 0: ∂L/∂x = 0) at a saddle, a maximum, or a point whose curvature is undecided.</summary>
    StationaryNonMinimum,
    /// <summary>The rule's step was exactly 0 while ∂L/∂x was not zero: the point is not stationary, the rule cannot move from it.</summary>
    Stalled,
    /// <summary>
    /// A linear-algebra solver inside the rule's step (an SVD or eigendecomposition, MathNet's
    /// <c>NonConvergenceException</c>) did not converge, typically on huge or NaN-adjacent inputs; the
    /// run stops before that step, at the last point it reached. A failed run, like <see cref="Diverged"/>.
    /// </summary>
    SolverFailed,
    /// <summary>
    /// Step k took x to a finite point outside the domain of the simulator or the loss (a domain condition
    /// fails there: <see cref="IDifferentiableProblem.OutsideDomainAt"/>, e.g. x0 ≥ 0 for sqrt(x0)), where
    /// the loss is undefined. The run ends at the last point inside the domain (the point outside is not
    /// recorded); the detail names the step and the condition. A failed run, like <see cref="Diverged"/>.
    /// </summary>
    LeftDomain,
}

/// <summary>A finished run: the trajectory (including the start), the losses, why it stopped.</summary>
/// <param name="Name">The name of the update rule (<see cref="Rules.IUpdateRule.Name"/>: <c>gd</c>, <c>newton-cg</c>, …).</param>
/// <param name="Eta">The step size η.</param>
/// <param name="Trajectory">The points, from the start.</param>
/// <param name="Outputs">P(x) at each point (empty arrays when the problem does not offer <see cref="Capabilities.Outputs"/>).</param>
/// <param name="Losses">L(P(x)): at every iteration 0, 1, …, <see cref="OptimizerRun.Iterations"/> unless the run passed
/// its loss budget (<see cref="Recording.MaxLosses"/>); then at the iterations of <see cref="OptimizerRun.LossIterations"/>,
/// the least and the greatest of each stretch with the start, iteration 1 and the last.</param>
/// <param name="Exit">Why the run stopped, typed.</param>
/// <param name="Fallbacks">The fallbacks taken, typed.</param>
/// <param name="WallTime">The run's duration.</param>
public sealed record OptimizerRun(
    string Name,
    double Eta,
    IReadOnlyList<double[]> Trajectory,
    IReadOnlyList<double[]> Outputs,
    IReadOnlyList<double> Losses,
    ExitReason Exit,
    IReadOnlyList<Fallback> Fallbacks,
    TimeSpan WallTime)
{
    /// <summary>
    /// The iteration of each point in <see cref="Trajectory"/> and <see cref="Outputs"/>: 0, 1, 2, … for
    /// a full recording (the default), fewer with <see cref="Recording"/>. <see cref="Losses"/> is
    /// recorded on its own (<see cref="LossIterations"/>).
    /// </summary>
    public IReadOnlyList<int>? RecordedIterations { get; init; }

    /// <summary>
    /// The iteration of each value of <see cref="Losses"/>, ascending (<see cref="Losses"/>.Count values),
    /// or null when <see cref="Losses"/> holds every iteration 0, 1, … in order, as it does until a run
    /// passes its loss budget (<see cref="Recording.MaxLosses"/>). Always starts 0, 1 (a run that took a
    /// step) and ends with <see cref="Iterations"/>.
    /// </summary>
    public IReadOnlyList<int>? LossIterations { get; init; }

    /// <summary>
    /// L(P(x)) at each point of <see cref="Trajectory"/> (the loss of the iteration
    /// <see cref="RecordedIterations"/> names), kept with the points; null for a run built without it,
    /// whose <see cref="Losses"/> then holds every iteration (<see cref="LossAtPoint"/> reads either).
    /// </summary>
    public IReadOnlyList<double>? PointLosses { get; init; }

    /// <summary>
    /// The number of steps whose results the run recorded: the iteration of its last loss (and last point).
    /// Set by the optimiser; a run built by hand falls back to the last value's iteration.
    /// </summary>
    public int Iterations
    {
        get => _iterations ?? (Losses.Count == 0 ? 0 : LossIterationAt(Losses.Count - 1));
        init => _iterations = value;
    }

    private readonly int? _iterations;

    /// <summary>The iteration of <see cref="Losses"/>[<paramref name="k"/>]: k itself unless the losses were thinned.</summary>
    public int LossIterationAt(int k) => LossIterations is { } its ? its[k] : k;

    /// <summary>The loss at <see cref="Trajectory"/>[<paramref name="k"/>].</summary>
    public double LossAtPoint(int k) =>
        PointLosses is { } kept ? kept[k] : Losses[RecordedIterations is { } its ? its[k] : k];

    /// <summary>
    /// L at each point of <see cref="Trajectory"/> with an exponent range beyond doubles (<see cref="Wide"/>), set only
    /// for a run some of whose losses overflowed doubles while y and y − y* stayed finite (the default loss
    /// ½‖y − y*‖², formed from the norm scaled so that it does not overflow, <see cref="Stepper.CarriedLoss"/>);
    /// null otherwise. Such a loss is +∞ in <see cref="Losses"/> and <see cref="PointLosses"/>, and its size is read here.
    /// Set too for a run some of whose losses fell below doubles (0 or subnormal, ½(1E-200)² = 5E-401) while y − y* was not 0
    /// (<see cref="Stepper.LossBelowDoubles"/>): such a loss is 0 or subnormal in <see cref="Losses"/>, its size read here.
    /// </summary>
    public IReadOnlyList<Wide>? PointLossWide { get; init; }

    /// <summary>
    /// <see cref="Losses"/>[<paramref name="index"/>] with its size where it overflowed: the carried value
    /// (<see cref="PointLossWide"/>) for a loss of +∞ whose point was kept, else the double itself.
    /// </summary>
    public Wide LossWide(int index)
    {
        var loss = Losses[index];
        if (Carries(loss) && PointLossWide is { } carried && PointOf(LossIterationAt(index)) is var k and >= 0)
            return carried[k];
        return Wide.Of(loss);
    }

    /// <summary>
    /// The one rule by which a loss is shown at its carried size rather than as its double, in the table
    /// (<c>RunReport.FormatLossAt</c>), the CSV and the JSON's logarithms alike: its double is +∞ (it overflowed) or
    /// 0 or subnormal (it fell below doubles), and <paramref name="carried"/>, its value formed beyond doubles
    /// (<see cref="PointLossWide"/>), is finite and not 0. A loss of +∞ whose y itself overflowed has no carried size,
    /// and a loss that is exactly 0 (y = y*) is 0.
    /// </summary>
    /// <param name="loss">The loss as a double (<see cref="Losses"/>, <see cref="PointLosses"/>).</param>
    /// <param name="carried">Its carried value (<see cref="PointLossWide"/>), or <see cref="Wide.Of"/> of it where none was kept.</param>
    public static bool Carries(double loss, Wide carried) => Carries(loss) && carried.IsFinite && carried.M != 0;

    // A loss whose double may stand for a carried value: +∞ (overflowed), or 0 or subnormal (below doubles).
    private static bool Carries(double loss) => double.IsPositiveInfinity(loss) || loss >= 0 && loss < CompiledProblem.SmallestNormal;

    /// <summary>The carried size of <see cref="Losses"/>[<paramref name="index"/>] where <see cref="Carries(double, Wide)"/>
    /// holds for it (its point kept), else null: the double is then the loss.</summary>
    public Wide? CarriedLoss(int index) => LossWide(index) is var w && Carries(Losses[index], w) ? w : null;

    /// <summary>The carried size of the loss at <see cref="Trajectory"/>[<paramref name="k"/>] where
    /// <see cref="Carries(double, Wide)"/> holds for it, else null: the double is then the loss.</summary>
    public Wide? CarriedLossAtPoint(int k) =>
        PointLossWide is { } carried && Carries(LossAtPoint(k), carried[k]) ? carried[k] : null;

    /// <summary>
    /// log₁₀ of <see cref="Losses"/>[<paramref name="index"/>]: of the carried value (<see cref="LossWide"/>) for a
    /// loss of +∞ whose point was kept, else of the double (+∞ for +∞, NaN for a negative loss).
    /// </summary>
    public double LossLog10(int index) => Log10(Losses[index], LossWide(index));

    /// <summary>log₁₀ of the loss at <see cref="Trajectory"/>[<paramref name="k"/>], the carried one where it overflowed
    /// or fell below doubles (<see cref="PointLossWide"/>).</summary>
    public double LossLog10AtPoint(int k) => Log10(LossAtPoint(k), PointLossWide is { } carried ? carried[k] : Wide.Of(LossAtPoint(k)));

    // log₁₀ of a loss: of its carried value where the double overflowed or fell below doubles (and the carried value
    // is not 0), else of the double (NaN below 0, −∞ at 0, as Math.Log10).
    private static double Log10(double loss, Wide carried) =>
        Carries(loss, carried) ? carried.Log10 : Math.Log10(loss);

    /// <summary>Whether the loss of <see cref="Losses"/>[<paramref name="index"/>] is 0 or subnormal only as a double,
    /// its size carried (<see cref="LossWide"/>, 5E-401 for ½(1E-200)²).</summary>
    public bool LossBelowDoubles(int index) => Losses[index] is var l && l >= 0 && l < CompiledProblem.SmallestNormal && LossWide(index) is { OutsideDoubles: true } w && w.M > 0;

    /// <summary>Whether some loss of the run overflowed doubles with its size carried (<see cref="PointLossWide"/>).</summary>
    public bool LossOverflowed => PointLossWide is { } carried && carried.Any(w => w.OutsideDoubles && w.E > 0);

    /// <summary>Whether some loss at a kept point fell below doubles with its size carried (<see cref="PointLossWide"/>).</summary>
    public bool LossUnderflowed => PointLossWide is { } carried && carried.Any(w => w.OutsideDoubles && w.E < 0);

    /// <summary>The last loss with its size where it overflowed (<see cref="LossWide"/>).</summary>
    public Wide FinalLossWide => LossWide(Losses.Count - 1);

    /// <summary>log₁₀ of the last loss (<see cref="LossLog10"/>).</summary>
    public double FinalLossLog10 => LossLog10(Losses.Count - 1);

    /// <summary>The index in <see cref="Trajectory"/> of the point of iteration <paramref name="iteration"/>, −1 when that point was not kept.</summary>
    public int PointOf(int iteration)
    {
        if (RecordedIterations is not { } recorded) return iteration < Trajectory.Count ? iteration : -1;
        var (lo, hi) = (0, recorded.Count - 1);
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (recorded[mid] == iteration) return mid;
            if (recorded[mid] < iteration) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    /// <summary>
    /// The name the run goes by in tables, reports and plot legends: <see cref="Name"/>, unless a comparison
    /// runs one method more than once, or with options off their defaults; then each run's label says what sets it
    /// apart (<c>gd:0.01</c>, <c>hig:1:kappa=-0.5</c>, <c>hig:0.5:tau=0.5</c>), so that no two runs read alike.
    /// </summary>
    public string Label
    {
        get => _label ?? Name;
        init => _label = value;
    }

    private readonly string? _label;

    /// <summary>
    /// The problem the run was made on (<see cref="ProblemIdentity"/>), set by the façade's runs and comparisons;
    /// null for a run made on a bare compiled problem or built by hand. The façade's entries that take runs
    /// together with a problem (its plots, CSV and JSON) refuse a run whose problem is another.
    /// </summary>
    public ProblemIdentity? Problem { get; init; }

    /// <summary>
    /// What the rule's inner Krylov solve did at each step that ran one (Newton-CG, matrix-free LM and GN;
    /// empty for the others): iterations, residual, target and exit, with the step's iteration.
    /// </summary>
    public IReadOnlyList<InnerSolve> InnerSolves { get; init; } = [];

    /// <summary>
    /// The rule's Δx of iteration 1 as it computed it (n values), or null when the run took no step: the step
    /// itself, which x₁ − x₀ rounds away where it is small next to x₀ (a step of 10⁻¹⁷ from x₀ = 3 leaves x₁ = x₀).
    /// </summary>
    public double[]? FirstStep { get; init; }

    /// <summary>
    /// The rule's Δx of iteration 1 as it computed it (n values), also when x₀ + Δx leaves the formulas' domain
    /// (<see cref="FirstStep"/> is null then: the run took no step); null when the rule gave no finite step. What
    /// measuring the step's unit reads: GD on sqrt(x0) towards y* = −1 steps past 0 in some units and not in others,
    /// and the step is the same rule's in all of them.
    /// </summary>
    public double[]? FirstStepTried { get; init; }

    /// <summary>The built-in method of that name (<see cref="StandardRules.MethodNamed"/>), or null for a rule of one's own.</summary>
    public Method? Method => StandardRules.MethodNamed(Name);

    /// <summary>The coarse stop reason (<c>Exit.Reason</c>).</summary>
    public StopReason StopReason => Exit.Reason;

    /// <summary>The stop reason in words (<c>Exit.Detail</c>).</summary>
    public string StopDetail => Exit.Detail;

    /// <summary>The stop reason in lower-case words, as compare's table and JSON's <c>stopWords</c> write it
    /// (<c>iteration limit</c>, <c>converged</c>; <see cref="ExitReason.Label"/>), where <see cref="StopReason"/>
    /// prints its enum name (<c>IterationLimit</c>), the code JSON's <c>stopReason</c> keeps.</summary>
    public string StopWords => ExitReason.Label(StopReason);

    /// <summary>The stop as compare's table cell writes it (<see cref="ExitReason.Cell"/>): <c>iteration limit (10)</c>,
    /// <c>converged: gradient norm 0 ≤ 1E-12 at iteration 3, at a minimum; …</c>.</summary>
    public string StopCell => Exit.Cell;

    /// <summary>The last point.</summary>
    public double[] Final => Trajectory[^1];

    /// <summary>The last loss.</summary>
    public double FinalLoss => Losses[^1];

    /// <summary>
    /// Whether the run ended with a higher loss than it started with without having failed
    /// (<see cref="LossGrowth.Rose"/>): not a failure, but no progress either. A run that failed says so
    /// itself and is never flagged: one that diverged, whose solver failed, or that left the domain
    /// (<see cref="StopReason.LeftDomain"/>: its last loss is that of its last point inside the domain,
    /// and its stop names the step that left, which is the finding, not a rising loss).
    /// </summary>
    public bool LossRose =>
        StopReason is not (StopReason.Diverged or StopReason.SolverFailed or StopReason.LeftDomain)
        // Losses below doubles are compared by their carried values (0 > 0 as doubles said nothing).
        && (LossUnderflowed
            ? FinalLossWide is var final && LossWide(0) is var start && final.IsFinite && final.M != 0
              && (start.M == 0 || final.Log10 > start.Log10) && !LossGrowth.ExplodedWide(start, final)
            : LossGrowth.Rose(Losses[0], FinalLoss));

    /// <summary>
    /// <c>pg (η = 0.3): final x = [0.0847426, 0.50421], loss 0.071813 after 10 iterations; stopped at the iteration
    /// limit: 10 iterations</c>: <see cref="Summary"/>, then the stop in words (<see cref="ExitReason.Sentence"/>), last, so that its
    /// detail, which may hold parentheses of its own, is never nested in another pair.
    /// </summary>
    public override string ToString() => $"{Summary}; {ExitReason.Sentence(StopReason, StopDetail)}";

    /// <summary>
    /// The run without its stop: <c>pg (η = 0.3): final x = [0.0847426, 0.50421], loss 0.071813 after
    /// 10 iterations</c>, with the number of fallbacks if any. The run is named as the CLI and the plots' legends
    /// name it (<see cref="NameWithStep"/>: <c>newton (η = 1/3)</c>, not the enum's <c>Newton (η = 0.333333)</c>).
    /// </summary>
    public string Summary
    {
        get
        {
            static string G(double v) => NumberText.Short(v);
            // The short vector form of the tables and the CLI: [0, 0, …, 0] (64 values, all 0).
            var x = NumberText.Vector(Final);
            // A loss past doubles (Infinity, or 0 below them) is said by its carried value, as the table says it.
            var loss = Losses.Count > 0 && CarriedLoss(Losses.Count - 1) is { } carried ? carried.Scientific(6) : G(FinalLoss);
            return $"{NameWithStep}: final x = {x}, loss {loss} after {NumberText.Count(Iterations, "iteration")}" +
                (Fallbacks.Count > 0 ? $", {NumberText.Count(Fallbacks.Count, "fallback")}" : "");
        }
    }

    /// <summary>The run's name with its step size, as the plots' legends write it (<see cref="NameWithStepOf"/>):
    /// <c>gn (η = 0.3)</c>, <c>newton (η = 1/3)</c>, <c>hig (η = 0.3, kappa = -1)</c>, <c>newton (η = 1/3) #2</c>.</summary>
    public string NameWithStep => NameWithStepOf(Label, Name, Eta);

    /// <summary>
    /// A run's name in one form for every run: <c>gn (η = 0.3)</c> (η as <see cref="NumberText.StepSize"/> writes it,
    /// <c>1/3</c> for the double nearest a third), and for a run whose <paramref name="label"/> is written as in
    /// <c>--methods</c> (a method run more than once: <c>hig:0.3:kappa=-1</c>, <c>gd:0.01 #2</c>), the same form with
    /// that label's η and options: <c>hig (η = 0.3, kappa = -1)</c>, <c>gd (η = 0.01) #2</c>; a method listed twice alike
    /// (<c>newton #2</c>) <c>newton (η = 1/3) #2</c>. A label of another form is kept, with η after it.
    /// </summary>
    /// <param name="label">The run's label (<see cref="Label"/>).</param>
    /// <param name="name">The rule's name (<see cref="Name"/>, <c>gd</c>).</param>
    /// <param name="eta">The step size.</param>
    public static string NameWithStepOf(string label, string name, double eta)
    {
        ArgumentNullException.ThrowIfNull(label);
        ArgumentNullException.ThrowIfNull(name);
        var hash = label.IndexOf(" #", StringComparison.Ordinal);
        var (body, number) = hash < 0 ? (label, "") : (label[..hash], label[hash..]);
        // newton #2 (a method listed twice alike) as its number after η, as gd:0.01 #2 is: newton (η = 1/3) #2.
        if (body == name) return $"{name} (η = {NumberText.StepSize(eta)}){number}";
        if (!label.StartsWith(name + ":", StringComparison.Ordinal)) return $"{label} (η = {NumberText.StepSize(eta)})";
        var parts = body.Split(':');
        var options = parts.Skip(2).Select(o => ", " + o.Replace("=", " = "));
        return $"{name} (η = {parts[1]}{string.Concat(options)}){number}";
    }
}

/// <summary>
/// An entry of ∂L/∂x that x's rounding cannot explain (<see cref="Stepper.GradientBeyondRounding"/>): moving x
/// by its rounding u changes ∂L/∂xᵢ by at most u·Σⱼ|Hᵢⱼ| to first order (H = ∂²L/∂x², the row's absolute sum
/// <paramref name="RowSum"/>), and |<paramref name="Gradient"/>| is more than that, so the point is on a slope.
/// </summary>
/// <param name="Index">The entry i (from 0).</param>
/// <param name="Count">n, the number of variables (a problem of one names no entry).</param>
/// <param name="Gradient">∂L/∂xᵢ.</param>
/// <param name="Rounding">u = 4ε·max(‖x‖, ‖x₀‖), x's rounding.</param>
/// <param name="RowSum">Σⱼ|Hᵢⱼ|.</param>
public readonly record struct RoundingExcess(int Index, int Count, double Gradient, double Rounding, double RowSum)
{
    /// <summary>u·Σⱼ|Hᵢⱼ| as a double: 0 when the row is 0 or the product underflows (below 5E-324).</summary>
    public double Bound => Rounding * RowSum;

    /// <summary>
    /// The comparison in figures: "∂L/∂x = -1.21E-314 is more than x's rounding explains: moving x by its
    /// rounding, 6.43E-13 (4ε·max(‖x‖, ‖x₀‖)), changes it by at most 6.43E-13 × |∂²L/∂x²| (1.21E-314) ≈ 7.8E-327";
    /// a product below the smallest double is given from its logarithms (the double is 0, and any nonzero
    /// gradient exceeds it), and a zero curvature says that x's rounding changes the gradient by nothing.
    /// </summary>
    public string Describe()
    {
        var name = Count == 1 ? "∂L/∂x" : $"entry {Index} of ∂L/∂x";
        var curvature = Count == 1 ? "|∂²L/∂x²|" : $"the absolute sum of the Hessian's row {Index}";
        var (g, u) = (NumberText.Short(Gradient, 3), NumberText.Short(Rounding, 3));
        var moving = $"moving x by its rounding, {u} (4ε·max(‖x‖, ‖x₀‖)),";
        if (RowSum == 0)
            return $"{name} = {g} is more than x's rounding explains: {curvature} is 0 here, so {moving} does not change {name} to first order, and any gradient that is not 0 is a slope";
        var product = Bound > 0 ? $"= {NumberText.Short(Bound, 3)}" : $"≈ {(Wide.Of(Rounding) * Wide.Of(RowSum)).Scientific(2)}, below the smallest double";
        return $"{name} = {g} is more than x's rounding explains: {moving} changes it by at most {u} × {curvature} ({NumberText.Short(RowSum, 3)}) {product}";
    }
}

/// <summary>
/// The trend behind compare's divergence stop: a run stops as diverged at iteration k when its loss has been beyond
/// <see cref="LossGrowth"/>'s bound (L − L₀ &gt; 10⁶·|L₀|) at every iteration from k − <see cref="Window"/> to k and is no
/// lower at k than at k − <see cref="Window"/>. One iteration beyond the bound is not enough: GN's first step on
/// <c>1e12*x0*x1; 1e-6*x1</c> raises L by 10²² and its second reaches 0, and HIG at η = 1 overshoots for a few steps and
/// comes back. A run that blows up keeps rising (gd:1.2 on <c>x0; 2*x1</c> grows 74 times per step and passed the
/// bound at iteration 6, then ran on to 4.1E+231 at its limit of 200); it now stops at iteration 16. A run that stays
/// beyond the bound without rising is judged at its end by the same bound on its final loss.
/// </summary>
internal sealed class DivergenceWatch
{
    /// <summary>How many iterations beyond the bound, after the first, without the loss falling, end a run: 10.</summary>
    public const int Window = 10;

    // log₁₀ L of the current streak of iterations beyond the bound, in a ring of Window + 1.
    private readonly double[] _logs = new double[Window + 1];
    private int _streak;

    /// <summary>Whether the run has diverged by the trend rule, given whether this iteration's loss is beyond the bound and
    /// its log₁₀ (of the carried loss where it overflowed).</summary>
    public bool Watch(bool beyond, double log10Loss)
    {
        if (!beyond)
        {
            _streak = 0;
            return false;
        }
        _logs[_streak % (Window + 1)] = log10Loss;
        _streak++;
        return _streak > Window && log10Loss >= _logs[(_streak - 1 - Window) % (Window + 1)];
    }
}

/// <summary>
/// Watches a run for a stall that no single step shows: x still moving, but only among neighbouring doubles (each entry within
/// <see cref="Ulps"/>·ε·|xᵢ| of where it was <see cref="Window"/> iterations ago), while L has not fallen by more than its own rounding 4ε|L|
/// in that time. A rule that cycles between neighbouring points, or whose steps round to a few ulps back and forth, never
/// takes the zero step the run stops on; without this a limit of 2³¹ − 1 iterations ran all of them. A monotone crawl moves
/// at least one ulp per step, so it leaves the window within <see cref="Ulps"/> steps and is never called stalled.
/// </summary>
internal sealed class StillWatch(double[] x, double loss)
{
    /// <summary>How many iterations x must stay within its rounding, and L not fall, for the run to be called stalled.</summary>
    public const int Window = 1000;

    /// <summary>How far, in units ε = 2⁻⁵² of its own size (about an ulp each), x may wander and still count as not moving: a
    /// cycle of gd overshooting by a few ulps either side of 1/3 spans some; a crawl of an ulp per step leaves it within 64 steps.</summary>
    public const double Ulps = CompiledProblem.LandingUlps;

    /// <summary>The words a stall in floating point ends on, said once: <see cref="Watch"/>'s reason ends with them, and a stop
    /// that adds them to a reason (<see cref="Stuck"/>) does not repeat them.</summary>
    public const string NoProgress = "no progress is possible in floating point";

    /// <summary><paramref name="reached"/> followed by ": <see cref="NoProgress"/>", or <paramref name="reached"/> itself where it
    /// already ends with them (this watch's reason).</summary>
    public static string Stuck(string reached) =>
        reached.EndsWith(NoProgress, StringComparison.Ordinal) ? reached : $"{reached}: {NoProgress}";

    private readonly double[] _anchor = (double[])x.Clone();
    private double _loss = loss;
    private int _since;

    /// <summary>Why the run is stalled at iteration <paramref name="k"/>, or null (then the window restarts where x moved or L fell).</summary>
    public string? Watch(int k, ReadOnlySpan<double> x, double loss)
    {
        var unit = Krylov.RoundingFactor * Krylov.Epsilon;
        var moved = !double.IsFinite(loss) || loss < _loss - unit * Math.Abs(_loss);
        for (var i = 0; i < x.Length && !moved; i++)
            moved = !(Math.Abs(x[i] - _anchor[i]) <= Ulps * Krylov.Epsilon * Math.Max(Math.Abs(x[i]), Math.Abs(_anchor[i])));
        if (moved)
        {
            x.CopyTo(_anchor);
            (_loss, _since) = (loss, k);
            return null;
        }
        return k - _since < Window ? null
            : $"x has stayed within its rounding (each xᵢ within {Ulps:0}ε·|xᵢ| of x at iteration {_since}) and L has not fallen below " +
              $"{NumberText.Short(_loss)} by more than its rounding 4ε|L| for {NumberText.Count(k - _since, "iteration")}, to iteration {k}: " +
              $"the steps only move x among neighbouring doubles, so {NoProgress}";
    }
}

/// <summary>
/// One update rule on one problem, stepped one iteration at a time: the minimiser's half of the
/// rule/problem seam. The rule (<see cref="IUpdateRule"/>) computes Δx; the stepper checks the rule's
/// inputs, applies Δx, evaluates the new point through the rule's state (which asks the problem only
/// for what the rule needs) and passes on the fallbacks. A step allocates nothing in steady state for
/// GD, Adam, Newton, IG and PG with a given inverse (the fallbacks with their messages and
/// eigendecompositions, the SVD of GN and HIG, the quasi-Newton history, the Wolfe search and
/// Levenberg–Marquardt's solves do allocate). Not shared between threads: make one per thread (they
/// may share the problem and the rule).
/// </summary>
public sealed class Stepper
{
    private readonly LimitSettledProblem _problem;
    private readonly RuleState _state;
    private readonly int _n, _m;
    private readonly double[] _x, _gx, _dx;
    private double[]? _y, _hx, _scratch;
    private bool _yCurrent;
    private readonly FallbackNotes _notes = new();
    // ‖x₀‖: the curvature probe's length when the run ends near 0 (Curvature.ProbeLength).
    private double _startLength;
    // L(x₀): the loss's scale for the relative gradient test (GradientIsZero).
    private double _startLoss;
    private double[] _start;

    /// <summary>
    /// Starts <paramref name="rule"/> on <paramref name="problem"/> at <paramref name="start"/> and
    /// evaluates the start.
    /// </summary>
    /// <exception cref="SymbolicException">A start of the wrong length or with a non-finite value; a
    /// problem without a capability the rule needs (naming it); a shape the rule cannot take.</exception>
    public Stepper(IDifferentiableProblem problem, IUpdateRule rule, double[] start)
    {
        CheckStart(start, problem.N);
        // Every quantity the rule (and the curvature test) reads passes through the limit settling:
        // a derivative entry whose formula is NaN or ±∞ where the function is differentiable is
        // replaced by its limit and reported as a LimitTaken fallback.
        _problem = problem as LimitSettledProblem ?? new LimitSettledProblem(problem);
        Rule = rule;
        _state = rule.Init(_problem, start);
        _n = problem.N;
        _m = problem.M;
        _x = (double[])start.Clone();
        _startLength = Math.Sqrt(start.Sum(v => v * v));
        _gx = new double[_n];
        _dx = new double[_n];
        Evaluate();
        _startLoss = Loss;
        _start = (double[])start.Clone();
    }

    /// <summary>
    /// Starts <paramref name="method"/> with step size <paramref name="eta"/> at <paramref name="start"/>
    /// (the rule of <see cref="StandardRules.For"/>). With <paramref name="lineSearch"/>, Newton halves
    /// its step from η until the loss decreases enough (Armijo: L(x + t d) ≤ L(x) + 10⁻⁴ t ∇L·d); BFGS
    /// and L-BFGS search for a step meeting the weak Wolfe conditions (MathNet's
    /// <c>WeakWolfeLineSearch</c>), which keeps their updates.
    /// </summary>
    public Stepper(CompiledProblem problem, Method method, double eta, double[] start, double kappa = -0.5, double tau = 1e-3,
        bool lineSearch = false)
        : this(problem, Build(problem, method, eta, start, kappa, tau, lineSearch), start)
    {
    }

    // The landed order of the argument checks: the start, then η, κ and τ, then the shape.
    private static IUpdateRule Build(CompiledProblem problem, Method method, double eta, double[] start, double kappa, double tau, bool lineSearch)
    {
        CheckStart(start, problem.N);
        return StandardRules.For(method, eta, kappa, tau, lineSearch);
    }

    private static void CheckStart(double[] start, int n)
    {
        // The core's check and message (the problem model's own start is checked by the same one).
        Problem.RequireStart(start.Length, n);
        for (var i = 0; i < n; i++)
            if (!double.IsFinite(start[i]))
                throw new SymbolicException(ErrorKind.NonFinite, $"The start point's value {i + 1} is {NumberText.RoundTrip(start[i])}; it must be finite.");
    }

    /// <summary>Starts again at <paramref name="start"/> (Adam's moments and the quasi-Newton history are kept).</summary>
    public void Reset(double[] start)
    {
        CheckStart(start, _n);
        Array.Copy(start, _x, _n);
        _startLength = Math.Sqrt(start.Sum(v => v * v));
        Iteration = 0;
        _state.Restart();
        Evaluate();
        _startLoss = Loss;
        _start = (double[])start.Clone();
    }

    /// <summary>The rule.</summary>
    public IUpdateRule Rule { get; }

    /// <summary>The problem as given (not the limit-settling wrapper the stepper runs it through).</summary>
    public IDifferentiableProblem GivenProblem => _problem.Inner;

    /// <summary>The name the rule reports under.</summary>
    public string Name => Rule.Name;

    /// <summary>The step size η.</summary>
    public double Eta => Rule.Eta;

    /// <summary>The number of steps taken.</summary>
    public int Iteration { get; private set; }

    /// <summary>The current point (live: copy it to keep it).</summary>
    public ReadOnlySpan<double> X => _x;

    /// <summary>
    /// P(x) at the current point (live; computed on first request after a step for the rules that do not
    /// need it). Empty when the problem does not offer <see cref="Capabilities.Outputs"/> (a loss with its
    /// gradient only, say): the rules that need no outputs still run on it, and a run records no outputs.
    /// </summary>
    public ReadOnlySpan<double> Y
    {
        get
        {
            if (_state.Outputs is { } y) return y;
            if (!_problem.Supported.HasFlag(Capabilities.Outputs)) return [];
            _y ??= new double[_m];
            if (!_yCurrent)
            {
                _problem.Simulate(_x, _y);
                _yCurrent = true;
            }
            return _y;
        }
    }

    /// <summary>L(P(x)) at the current point.</summary>
    public double Loss { get; private set; }

    /// <summary>
    /// L at the current point with an exponent range beyond doubles (<see cref="Wide"/>): <see cref="Loss"/> itself,
    /// except where L overflows doubles (+∞) while y and ∂L/∂y = y − y* are finite and the loss is ½‖y − y*‖²
    /// (<see cref="IDifferentiableProblem.LossIsHalfSquaredResidual"/>): then ½‖y − y*‖² formed in Wide arithmetic from
    /// the norm scaled by its largest entry (<see cref="CompiledProblem.Norm"/>), finite for any finite residual
    /// (½(1E+200)² is 5E+399). +∞ where the loss overflowed otherwise. Likewise where L is 0 or subnormal
    /// (<see cref="LossBelowDoubles"/>): ½(1E-200)² is 5E-401, not 0, wherever y − y* is not 0.
    /// </summary>
    public Wide CarriedLoss { get; private set; }

    /// <summary>Whether <see cref="Loss"/> is +∞ only as a double, its size carried by <see cref="CarriedLoss"/>.</summary>
    public bool LossOverflowed => double.IsPositiveInfinity(Loss) && CarriedLoss.IsFinite;

    private Wide Carried()
    {
        // A loss of 0 or below the normal doubles (½(1E-200)² = 5E-401 is 0): carried like an overflowed one,
        // formed from the scaled norm of y − y*, which is 0 only where the residual is.
        if (!double.IsPositiveInfinity(Loss) && !(Loss >= 0 && Loss < CompiledProblem.SmallestNormal)) return Wide.Of(Loss);
        var supported = _problem.Supported;
        var asIs = Wide.Of(Loss);
        if (!_problem.LossIsHalfSquaredResidual || !supported.HasFlag(Capabilities.Outputs) || !supported.HasFlag(Capabilities.LossGradientInY))
            return asIs;
        var y = Y.ToArray();
        if (!LinearAlgebra.AllFinite(y)) return asIs;
        var residual = new double[_m];
        _problem.LossInY(y, residual);
        var norm = CompiledProblem.Norm(residual, _m);
        if (!double.IsFinite(norm) || norm == 0) return Wide.Of(double.IsPositiveInfinity(Loss) ? double.PositiveInfinity : Loss);
        var wide = Wide.Of(norm);
        return wide * wide / Wide.Of(2);
    }

    /// <summary>
    /// Whether <see cref="Loss"/> is 0 or a subnormal only as a double (½‖y − y*‖² with ‖y − y*‖ below about 1E-154),
    /// its size carried by <see cref="CarriedLoss"/>: the mirror of <see cref="LossOverflowed"/>.
    /// </summary>
    public bool LossBelowDoubles => Loss >= 0 && Loss < CompiledProblem.SmallestNormal && CarriedLoss.OutsideDoubles;

    /// <summary>Why the current x is outside the problem's domain, or null (<see cref="IDifferentiableProblem.OutsideDomainAt"/>).</summary>
    public string? OutsideDomainAt() => _problem.OutsideDomainAt(X.ToArray());

    /// <summary>
    /// Why the current x is outside the problem's domain, asked only where the loss or P(x) is not finite
    /// (<see cref="DomainCheck.Left"/>, the rule the training runs use too), or null. Reads <see cref="Y"/>,
    /// which a run computes at every point for its recording anyway.
    /// </summary>
    public string? LeftDomain() => DomainCheck.Left(_problem, _x, Loss, Y);

    /// <summary>Whether the problem's loss is known to be ≥ 0 (<see cref="IDifferentiableProblem.LossIsNonNegative"/>).</summary>
    public bool LossIsNonNegative => _problem.LossIsNonNegative;

    /// <summary>∂L/∂x at the current point.</summary>
    public ReadOnlySpan<double> Gradient => _gx;

    /// <summary>
    /// The rule's Δx of the last <see cref="Step"/> as the rule computed it (live), before it was added to x: a
    /// step below x's rounding is non-zero here although x did not move, and its units and direction are read
    /// from it, not from the difference of two points (which rounds it away against x).
    /// </summary>
    public ReadOnlySpan<double> LastStep => _dx;

    private void Evaluate()
    {
        _problem.ClearRefusal();
        Loss = _state.Evaluate(_x, _gx);
        _yCurrent = false;
        CarriedLoss = Carried();
    }

    /// <summary>
    /// When the last <see cref="Step"/> stopped at a non-finite quantity: the entry whose limit was
    /// tried and did not exist as a two-sided limit (why it was not settled), or null.
    /// </summary>
    public LimitSettlement? Unsettled => NonFinite is { } bad ? _problem.RefusalFor(bad.Quantity, bad.Index) : null;

    /// <summary>
    /// Non-null when the last <see cref="Step"/> refused to move because a quantity its rule needs
    /// (the gradient, the Hessian, J, ∂L/∂y, ∂²L/∂y², or the loss itself) was not finite at the point.
    /// </summary>
    public NonFiniteValue? NonFinite { get; private set; }

    /// <summary>
    /// The curvature of L(P(x)) at the current point: the Hessian's eigenvalues and, along flat
    /// directions, a probe of L (see <see cref="Curvature.Classify"/>). Up to
    /// <see cref="Curvature.MatrixFreeAbove"/> variables the Hessian is formed: the rule's when it holds
    /// one; else the problem's (its dense kernel when that is built or small, else n Hessian-vector products when it has
    /// those (<see cref="HessianFromProducts"/>), else its dense kernel, else
    /// central differences of the gradient). Above that size it is never formed
    /// (<see cref="Curvature.ClassifyMatrixFree"/>): products H v come from the rule's Hessian (dense or
    /// sparse), else the problem's Hessian-vector products, else its sparse Hessian, else central
    /// differences of the gradient along v. Rules that do not use the Hessian ask for it here, and only here (a zero step
    /// is rare).
    /// </summary>
    /// <param name="allowance">The wall time after which the matrix-free classification starts no further
    /// Hessian-vector product and says it is partial (null: only its product budget, <see cref="Curvature.ProductBudget"/>).</param>
    /// <param name="progress">Told (products so far, the product budget) as the matrix-free classification
    /// advances; (0, 0) once, when the Hessian is formed whole instead (up to <see cref="Curvature.MatrixFreeAbove"/> variables).</param>
    public Curvature ClassifyCurvature(TimeSpan? allowance = null, Action<int, int>? progress = null)
    {
        Func<double[], double[]> gradientAt = point =>
        {
            var g = new double[_n];
            _problem.ValueGradient(point, g);
            return g;
        };
        Func<double[], double> lossAt = point => _problem.Value(point);
        Curvature curvature;
        if (_n > Curvature.MatrixFreeAbove)
            curvature = Curvature.ClassifyMatrixFree(_x.ToArray(), HessianProductAt(_x.ToArray()), gradientAt, _startLength,
                allowance: allowance, progress: progress, lossAt: lossAt, roundingAt: RoundingAt);
        else
        {
            progress?.Invoke(0, 0);
            curvature = Curvature.Classify(_x.ToArray(), DenseHessian(), gradientAt, _startLength, lossAt, RoundingAt);
        }
        // Limits taken for the curvature (the Hessian or a probe's gradient) are said in its detail.
        return _problem.TakePending() is { Length: var count and > 0 }
            ? curvature with { Detail = curvature.Detail + $"; {count} derivative entr{(count == 1 ? "y" : "ies")} taken as limits (formula not finite)" }
            : curvature;
    }

    /// <summary>
    /// L's rounding level at the current point, 4ε(|L| + ‖∂L/∂y‖·max(‖y‖, ‖s‖)) (<see cref="Rules.Rounding.OfLoss"/>, s the
    /// outputs' rounding scales here: <see cref="OutputScalesAt"/>), when the problem gives y and ∂L/∂y; else 4ε|L|.
    /// </summary>
    private double LossRounding()
    {
        if (!_problem.Supported.HasFlag(Capabilities.Outputs) || !_problem.Supported.HasFlag(Capabilities.LossGradientInY))
            return Krylov.RoundingFactor * Krylov.Epsilon * Math.Abs(Loss);
        var x = X.ToArray();
        var y = new double[_m];
        var scales = OutputScalesAt(x, y, null);
        var gy = new double[_m];
        _problem.LossInY(y, gy);
        return Rules.Rounding.OfLoss(Loss, y, gy, CompiledProblem.Norm(scales, _m));
    }

    /// <summary>
    /// The outputs' rounding scales at <paramref name="point"/> (m values, <see cref="Rules.Rounding.OutputScales(double[], double[], double[], double[])"/>
    /// with P's running error, <see cref="Rules.Rounding.AddRunningErrors"/>): sᵢ = max(|yᵢ|, Σⱼ|Jᵢⱼxⱼ|, εᵢ/ε), judged where the
    /// run is, not where it started (the start's ‖y₀‖ = 10¹² of `1e12*x0*x1; 1e-6*x1` had made L = 2.8E-07 "a global minimum to
    /// rounding"). y = P(point) goes to <paramref name="y"/>, and J to <paramref name="jacobian"/> when given (m·n); without J
    /// (not compiled yet, or more than 2²² entries) sᵢ is |yᵢ| with the running error.
    /// </summary>
    private double[] OutputScalesAt(double[] point, double[] y, double[]? jacobian)
    {
        var scales = new double[_m];
        // J only where its kernel is ready or asked for: a matrix-free run compiles no dense J for its last verdict (P's running
        // error, which counts the rounding of every term, stands in for Σⱼ|Jᵢⱼxⱼ| there).
        if (jacobian is null && _problem.Ready.HasFlag(Capabilities.Jacobian) && (long)_m * _n <= RoundingJacobianEntries)
            jacobian = new double[_m * _n];
        if (jacobian is not null)
        {
            _problem.Simulate(point, y, jacobian);
            Rules.Rounding.OutputScales(y, jacobian, point, scales);
        }
        else
        {
            _problem.Simulate(point, y);
            for (var i = 0; i < _m; i++) scales[i] = Math.Abs(y[i]);
        }
        Rules.Rounding.AddRunningErrors(_problem, point, scales, new double[_m]);
        return scales;
    }

    /// <summary>The most m·n entries of J that <see cref="RoundingAt"/> forms (2²²: 32 MiB of doubles).</summary>
    private const long RoundingJacobianEntries = 1L << 22;

    /// <summary>
    /// The rounding levels of L and of ∂L/∂x = Jᵀ∂L/∂y at <paramref name="point"/> (<see cref="PointRounding"/>): each
    /// output yⱼ carries 4ε·max(‖s‖, sⱼ) with sⱼ = max(|yⱼ|, Σₖ|Jⱼₖ|·|xₖ|, εⱼ/ε) at the point (<see cref="OutputScalesAt"/>:
    /// x's own rounding carried through J, Higham §1.6; <see cref="Rules.Rounding.OfLossGradientInY"/> for the rest);
    /// entry i of ∂L/∂x carries Σⱼ|Jⱼᵢ|·(4ε|∂L/∂yⱼ| + yⱼ's), L carries 4ε|L| + Σⱼ|∂L/∂yⱼ|·yⱼ's. On the valley x0 = x1 of
    /// `x0 - x1; x0 - x1` to (t, −t), ∂L/∂x reads 1.1E-16 at x = 1/7 from the target's 1 and 2.3E-13 at x = 2000 from
    /// x itself, whatever t. Null when the problem gives no y, J or ∂L/∂y, J has more than 2²² entries, or a value
    /// is not finite. A curvature probe's slope or change of L below it is rounding (<see cref="Curvature.Classify"/>).
    /// </summary>
    private PointRounding? RoundingAt(double[] point)
    {
        const Capabilities needed = Capabilities.Outputs | Capabilities.Jacobian | Capabilities.LossGradientInY;
        if ((_problem.Supported & needed) != needed || (long)_m * _n > RoundingJacobianEntries) return null;
        var y = new double[_m];
        var jacobian = new double[_m * _n];
        var scales = OutputScalesAt(point, y, jacobian);
        var gy = new double[_m];
        var loss = _problem.LossInY(y, gy);
        var level = Rules.Rounding.OfLossGradientInY(y, CompiledProblem.Norm(scales, _m));
        var unit = Krylov.RoundingFactor * Krylov.Epsilon;
        var gradient = new double[_n];
        var lossLevel = unit * Math.Abs(loss);
        for (var j = 0; j < _m; j++)
        {
            var output = Math.Max(level, unit * scales[j]);
            lossLevel += Math.Abs(gy[j]) * output;
            var term = unit * Math.Abs(gy[j]) + output;
            for (var i = 0; i < _n; i++) gradient[i] += Math.Abs(jacobian[j * _n + i]) * term;
        }
        return double.IsFinite(lossLevel) && gradient.All(double.IsFinite) ? new(lossLevel, gradient) : null;
    }

    /// <summary>
    /// Why the current point is a global minimum to rounding, or null: the loss is ≥ 0 by its form
    /// (<see cref="LossIsNonNegative"/>) and L is at or below its own rounding level (<see cref="LossRounding"/>),
    /// so no point can have a loss measurably lower. Whatever a curvature probe says there is rounding noise
    /// (x·x1 = 2 reached to L = 4E-31 by lm had been called "an undecided point").
    /// </summary>
    public string? GlobalMinimumToRounding()
    {
        // An underflowed loss (L = 0 while ∂L/∂y is not) is no minimum, whatever its rounding level (itself 0 then).
        // A loss beyond doubles (L = ∞ with its size carried) is at no rounding level: ∞ ≤ ∞ had called exp(x0) at target
        // 1E+300, where lm never moved, "a global minimum to rounding".
        if (!LossIsNonNegative || !(Loss >= 0) || !double.IsFinite(Loss) || LossUnderflowed) return null;
        var level = LossRounding();
        return Loss <= level && double.IsFinite(level)
            ? $"L = {NumberText.Short(Loss, 3)} is at its rounding level here, {Rules.Rounding.LossLevelText} = {NumberText.Short(level, 3)} ({Rules.Rounding.ScaleText}), and L ≥ 0 by its form: a global minimum to rounding"
            : null;
    }

    // H v at x without the dense problem Hessian (see ClassifyCurvature for the order of sources).
    private Action<double[], double[]> HessianProductAt(double[] x)
    {
        var n = _n;
        var gradient = new double[n];
        if (_state.Hessian is { } dense)
            // The rule's own Hessian, symmetrised as the dense classification does: ½(H + Hᵀ) v.
            return (v, hv) =>
            {
                for (var i = 0; i < n; i++)
                {
                    double s = 0;
                    for (var k = 0; k < n; k++) s += 0.5 * (dense[i * n + k] + dense[k * n + i]) * v[k];
                    hv[i] = s;
                }
            };
        if (_state.SparseHessian is { } held)
            return (v, hv) => held.Multiply(v, hv);
        var supported = _problem.Supported;
        // The product kernel before the problem's sparse Hessian: its size is the gradient's, while the
        // sparse Hessian is derived entry by entry, and for a Hessian that is dense in fact (4 outputs of
        // 1024 controls: JᵀJ has 1024² nonzeros) deriving and compiling it took 58 s and 2.26 GB after an
        // lm run of 8.5 s (issue 14), for 45 products that the kernel computes in milliseconds.
        if (supported.HasFlag(Capabilities.HessianVector))
            return (v, hv) => _problem.HessianVectorOnly(x, v, hv);
        if (supported.HasFlag(Capabilities.SparseHessian))
        {
            var sparse = new CsrMatrix(_problem.SparseHessianPattern());
            _problem.SparseHessian(x, gradient, sparse);
            return (v, hv) => sparse.Multiply(v, hv);
        }
        // Central differences of the gradient along v (‖v‖ = 1 from Lanczos), h = ε^⅓ times the typical sizes
        // of the variables weighted by |vᵢ| (Σ|vᵢ|·typ xᵢ / Σ|vᵢ|, DifferenceStep, Typical): along a coordinate
        // direction the dense difference's own step, and relative to x's scale along any other (not the
        // smallest typ xᵢ/|vᵢ|, which a variable near 0 with a rounding-sized component of v would make so
        // small that the other variables' differences are rounding). An O(h²) error, as below.
        var typical = Enumerable.Range(0, n).Select(k => Typical(x, k)).ToArray();
        var shifted = new double[n];
        var minus = new double[n];
        return (v, hv) =>
        {
            double weighted = 0, weights = 0;
            for (var i = 0; i < n; i++) (weighted, weights) = (weighted + Math.Abs(v[i]) * typical[i], weights + Math.Abs(v[i]));
            var h = weights > 0 ? DifferenceStep * weighted / weights : DifferenceStep * Curvature.ProbeLength(x, _startLength);
            for (var i = 0; i < n; i++) shifted[i] = x[i] + h * v[i];
            _problem.ValueGradient(shifted, hv);
            for (var i = 0; i < n; i++) shifted[i] = x[i] - h * v[i];
            _problem.ValueGradient(shifted, minus);
            for (var i = 0; i < n; i++) hv[i] = (hv[i] - minus[i]) / (2 * h);
        };
    }

    /// <summary>
    /// ε^⅓ (ε = 2⁻⁵²), the central difference's relative step: it balances the truncation error O(h²) against
    /// rounding O(ε/h) (Dennis &amp; Schnabel, Numerical Methods for Unconstrained Optimization and Nonlinear
    /// Equations, 1983, §5.6; their §5.4 gives √ε for forward differences).
    /// </summary>
    private static readonly double DifferenceStep = Math.Cbrt(Math.Pow(2, -52));

    // typ x_k of Dennis & Schnabel §5.4, taken from the run as the other "typical" values are:
    // max(|x_k|, |x₀_k|), or x's overall scale (Curvature.ProbeLength) when both are 0.
    private double Typical(double[] x, int k)
    {
        var typical = Math.Max(Math.Abs(x[k]), Math.Abs(_start[k]));
        return typical > 0 && double.IsFinite(typical) ? typical : Curvature.ProbeLength(x, _startLength);
    }

    // The Hessian at the current point (n × n, row-major): the rule's when it holds one, else the problem's (HessianAt).
    private double[] DenseHessian()
    {
        if (_state.Hessian is { } held) return held;
        _hx ??= new double[_n * _n];
        _scratch ??= new double[_n];
        try
        {
            HessianAt(_x, _hx, _scratch);
        }
        catch (Symbolic.SymbolicException e) when (e.Kind == Symbolic.ErrorKind.NonFinite)
        {
            // A Hessian whose kernel folds constants beyond doubles (1E+400 for 1e200*x0) has no entries in doubles: the
            // verdicts that read it see non-finite entries and decide without it, and a rule that needs no Hessian (adam)
            // is not refused for its stop's sake.
            Array.Fill(_hx, double.NaN);
        }
        return _hx;
    }

    /// <summary>
    /// The most entries (n²) of a dense Hessian kernel that the stop point's classification has derived and
    /// compiled for it (4,096: n = 64). A larger one that no rule has compiled yet is formed from n
    /// Hessian-vector products instead (<see cref="HessianFromProducts"/>).
    /// </summary>
    public const int SymbolicHessianEntries = 4096;

    /// <summary>
    /// Whether the dense Hessian for the classification (up to <see cref="Curvature.MatrixFreeAbove"/> variables) is
    /// formed column by column from n Hessian-vector products rather than by the problem's dense Hessian kernel:
    /// when the problem has the products, its dense kernel is not built yet (<see cref="IDifferentiableProblem.Ready"/>)
    /// and it would have more than <see cref="SymbolicHessianEntries"/> entries. Deriving and compiling the n² entries
    /// grows with n² times the size of the problem's program, the products' kernel with that size alone: the
    /// oscillators at 500 controls spent about 6 s of an 8.5 s lm run deriving and compiling the 250,000-entry kernel
    /// (issue 14), where 500 products take a fraction of a second. Either way the whole Hessian is formed and its
    /// eigenvalues taken, so the verdict is the dense classification's; a small Hessian, or one a rule already
    /// compiled, keeps its symbolic entries.
    /// </summary>
    public bool HessianFromProducts
    {
        get
        {
            var supported = _problem.Supported;
            if (!supported.HasFlag(Capabilities.HessianVector)) return false;
            if (!supported.HasFlag(Capabilities.Hessian)) return true;
            return !_problem.Ready.HasFlag(Capabilities.Hessian) && (long)_n * _n > SymbolicHessianEntries;
        }
    }

    private void HessianAt(double[] x, double[] hessian, double[] gradient)
    {
        var supported = _problem.Supported;
        if (supported.HasFlag(Capabilities.Hessian) && !HessianFromProducts)
        {
            _problem.LossInX(x, gradient, hessian);
            return;
        }
        var e = new double[_n];
        var column = new double[_n];
        if (supported.HasFlag(Capabilities.HessianVector))
        {
            for (var k = 0; k < _n; k++)
            {
                e[k] = 1;
                _problem.HessianVectorOnly(x, e, column);
                e[k] = 0;
                for (var i = 0; i < _n; i++) hessian[i * _n + k] = column[i];
            }
            return;
        }
        // Central differences of the gradient, h_k = ε^⅓·typ x_k (DifferenceStep, Typical): an O(h²) error
        // relative to x_k's own scale, far below the eigenvalue scale Curvature.Classify tells apart for any L
        // whose third derivatives are moderate in those units. (1e-5·(1 + |x_k|) was absolute: for x_k of size
        // 10⁻⁸ it stepped 1000 times x_k's scale, and the quartic term of (u − 1)² − (u − 1)⁴ at its minimum,
        // written in x = 10⁻⁸u, turned the difference Hessian negative: "a maximum".)
        var shifted = (double[])x.Clone();
        var minus = new double[_n];
        for (var k = 0; k < _n; k++)
        {
            // x_k + h rounded, so that the step actually taken is the h divided by (Dennis & Schnabel §5.4).
            var h = (x[k] + DifferenceStep * Typical(x, k)) - x[k];
            shifted[k] = x[k] + h;
            _problem.ValueGradient(shifted, column);
            shifted[k] = x[k] - h;
            _problem.ValueGradient(shifted, minus);
            shifted[k] = x[k];
            for (var i = 0; i < _n; i++) hessian[i * _n + k] = (column[i] - minus[i]) / (2 * h);
        }
    }

    /// <summary>
    /// True when the loss is exactly 0 but ∂L/∂x or ∂L/∂y is not: a smooth loss ≥ 0 has both 0 where it is
    /// 0, so the value underflowed in doubles (½r² for |r| below about 1E-162) and is not a minimum. ∂L/∂y
    /// is asked too because ∂L/∂x = Jᵀ ∂L/∂y can underflow with it: 1E-300·x0 at target 1E-300 from 0.5 has
    /// ∂L/∂y = −5E-301 but ∂L/∂x = −5E-601 = 0.
    /// Only for a loss ≥ 0 by its form: a loss of the user's own such as y0 is 0 with ∂L/∂y = 1 at an ordinary point (x0² + x0³
    /// at 0, a strict minimum), which had been called an underflow.
    /// ∂L/∂y decides where the problem gives it: ∂L/∂x can be rounding noise beside L = 0 exactly (x0 − x1 + 4 computed term by
    /// term in the gradient kernel gave 1E-16 where the loss's residual was exactly 0, and BFGS stepped on noise).
    /// </summary>
    public bool LossUnderflowed => Loss == 0 && LossIsNonNegative
        && (HasLossGradientInY ? LossGradientInYNonZero() : !Array.TrueForAll(_gx, v => v == 0));

    private bool HasLossGradientInY => _m > 0 && _problem.Supported.HasFlag(Capabilities.Outputs | Capabilities.LossGradientInY);

    /// <summary>
    /// Why the current point is an underflow plateau rather than a minimum, or null: an output yᵢ and its whole row
    /// of J are below the smallest normal double (2.2E-308) here, yᵢ stays exactly as it is on both sides along every
    /// axis (not an isolated zero, as x0² at 0), and along some axis the stretch ends where yᵢ becomes
    /// representable with a row of J still below the normal range: yᵢ had underflowed (exp(−x0²) is 0 for every
    /// x0 beyond 27.3, and its slope there is subnormal), so L and ∂L/∂x are flat to rounding, not at a minimum.
    /// Where the stretch ends with a slope of normal size (ReLU's (x + |x|)/2 at 0) the flat values are exact; where
    /// it never ends (a constant output) nothing is shown. Each axis is searched by doubling steps from
    /// 10⁻⁴·(1 + |xⱼ|), at most 2⁴⁰ times that, then bisected to the edge (as <c>BookExample.IsPreimage</c> reads an
    /// underflowed output).
    /// </summary>
    public string? UnderflowPlateau()
    {
        const Capabilities needed = Capabilities.Outputs | Capabilities.Jacobian;
        if (_m == 0 || (_problem.Supported & needed) != needed || (long)_m * _n > RoundingJacobianEntries) return null;
        var x = _x.ToArray();
        var y = new double[_m];
        // The outputs first: J (a kernel compiled on first use, dense m·n) only where some yᵢ is below the normal range.
        _problem.Simulate(x, y);
        if (Array.TrueForAll(y, v => Math.Abs(v) >= CompiledProblem.SmallestNormal)) return null;
        var jacobian = new double[_m * _n];
        _problem.Simulate(x, y, jacobian);
        bool Below(double[] values, double[] j, int i) =>
            Math.Abs(values[i]) < CompiledProblem.SmallestNormal && Enumerable.Range(0, _n).All(k => Math.Abs(j[i * _n + k]) < CompiledProblem.SmallestNormal);
        var at = new double[_n];
        var there = new double[_m];
        for (var i = 0; i < _m; i++)
        {
            if (!Below(y, jacobian, i)) continue;
            bool Same(int axis, double offset)
            {
                x.CopyTo(at, 0);
                at[axis] += offset;
                _problem.Simulate(at, there);
                return there[i] == y[i];
            }
            // An isolated zero (y changes on both sides along some axis) is a point the value reaches exactly.
            var isolated = Enumerable.Range(0, _n).Any(axis =>
                !Same(axis, 1e-4 * (1 + Math.Abs(x[axis]))) && !Same(axis, -1e-4 * (1 + Math.Abs(x[axis]))));
            if (isolated) continue;
            for (var axis = 0; axis < _n; axis++)
                foreach (var sign in new[] { -1.0, 1.0 })
                {
                    var (inner, outer) = (0.0, sign * 1e-4 * (1 + Math.Abs(x[axis])));
                    var k = 0;
                    for (; k < 40 && double.IsFinite(x[axis] + outer) && Same(axis, outer); k++) (inner, outer) = (outer, 2 * outer);
                    if (k == 40 || !double.IsFinite(x[axis] + outer)) continue;
                    for (var h = 0; h < 60; h++)
                    {
                        var mid = (inner + outer) / 2;
                        if (mid == inner || mid == outer) break;
                        if (Same(axis, mid)) inner = mid; else outer = mid;
                    }
                    x.CopyTo(at, 0);
                    at[axis] += outer;
                    var edgeJacobian = new double[_m * _n];
                    _problem.Simulate(at, there, edgeJacobian);
                    if (!double.IsFinite(there[i])) continue;
                    // A slope of normal size at the edge: the flat values are exact (ReLU), not an underflow.
                    if (!Below(there, edgeJacobian, i)) return null;
                    return $"y{i} = {NumberText.Short(y[i], 3)} and its slopes ∂y{i}/∂x underflowed: they are below the smallest normal double " +
                        $"(2.2E-308) here and stay exactly so out to x{axis} = {NumberText.Short(at[axis], 6)}, where y{i} = {NumberText.Short(there[i], 3)} " +
                        "is representable again with a slope that is still subnormal; L and ∂L/∂x are flat to rounding here because y underflowed, " +
                        "not a minimum (the exact L differs from it). Start where the outputs are representable, or rescale them";
                }
        }
        return null;
    }

    /// <summary>∂L/∂y at the current point in words (<c>[1E-216]</c>), or "not available" where the problem gives no y or ∂L/∂y.</summary>
    internal string LossGradientInYText()
    {
        if (!HasLossGradientInY) return "not available";
        var gradient = new double[_m];
        _problem.LossInY(Y.ToArray(), gradient);
        return NumberText.Vector(gradient, v => NumberText.Short(v, 3));
    }

    private bool LossGradientInYNonZero()
    {
        if (!HasLossGradientInY) return false;
        var y = Y.ToArray();
        var gradient = new double[_m];
        _problem.LossInY(y, gradient);
        return !Array.TrueForAll(gradient, v => v == 0);
    }

    /// <summary>
    /// Whether ∂L/∂x at the current point is zero to rounding, by the relative gradient test of Dennis &amp;
    /// Schnabel (Numerical Methods for Unconstrained Optimization and Nonlinear Equations, 1983, §7.2):
    /// each |∂L/∂xᵢ|·ℓ at most 10⁻¹² of max(|L|, |L₀|), with ℓ = max(‖x‖, ‖x₀‖) x's scale
    /// (<see cref="Curvature.ProbeLength"/>) and L₀ the loss at the start, the "typical" values the test
    /// asks for taken from the run itself. Exactly 0 passes. The test is scale-free: with x → s·x and
    /// L → c·L both sides scale alike (an absolute 10⁻¹²(1 + |L|)/(1 + ‖x‖) had called ∂L/∂x ≈ 5E-15 zero
    /// for a loss of size 10⁻¹⁵, and a GD step lost to rounding "a minimum"). Where the loss is 0 at the
    /// start and here, no scale is known and only an exact 0 passes. A zero step is a stationary point
    /// only when this holds.
    /// </summary>
    public bool GradientIsZero()
    {
        if (Array.TrueForAll(_gx, v => v == 0)) return true;
        var loss = Math.Max(Math.Abs(Loss), Math.Abs(_startLoss));
        var scale = 1e-12 * loss / Curvature.ProbeLength(_x, _startLength);
        return double.IsFinite(scale) && Array.TrueForAll(_gx, v => Math.Abs(v) <= scale);
    }

    /// <summary>
    /// Why the current point is measurably no minimum, or null when nothing says so (or it cannot be measured: above
    /// <see cref="Curvature.MatrixFreeAbove"/> variables, without y, J and ∂L/∂y, or a value not finite). Scale-aware where
    /// <see cref="GradientIsZero"/> (|∂L/∂xᵢ| against 10⁻¹² of L₀) is not: along each eigenvector w of the Jacobi-scaled Hessian
    /// (a unit direction in x) the slope wᵀ∇L is compared with its own rounding, Σⱼ|(J w)ⱼ|·(rounding of ∂L/∂yⱼ) plus what moving x by
    /// its rounding changes it by, |wᵀHw|·Σᵢ|wᵢ|·4ε|xᵢ|, with <see cref="CompiledProblem.LandingUlps"/> units of room for the rounding of
    /// ∂L/∂x's own kernel. A slope beyond that is measured; it says no minimum where the curvature along w is at rounding (0 to
    /// the eigensolver) or where the Newton model's decrease (wᵀ∇L)²/(2wᵀHw) is beyond L's rounding level. On the badly scaled
    /// Rosenbrock `1e4*(x1 - x0^2); 1e-4*(1 - x0)` Newton's and BFGS's steps round away at x0 ≈ −1.2 with ∂L/∂x ≈ 1E-07, below
    /// the relative test against L₀ = 2.4E+03, yet L falls along the valley at a slope of 8.5E-09 whose rounding is 1E-15.
    /// </summary>
    public string? MeasuredDescent() => MeasuredSlope(out _) is { } slope ? $"{slope}: this is no minimum" : null;

    /// <summary>
    /// Why ∂L/∂x at the current point is more than what rounding of L and P here explains, or null when it is within it: the one
    /// stationarity test of every method's final verdict, so that two runs ending at the same point are judged alike whichever
    /// rule stopped there. A loss at its rounding level with L ≥ 0 by its form (<see cref="GlobalMinimumToRounding"/>) is stationary
    /// (a global minimum); otherwise, where it can be measured, the slopes along the Jacobi-scaled Hessian's eigenvectors against
    /// their rounding and the Newton model's decrease against L's rounding level (<see cref="MeasuredDescent"/>: ∂L/∂x = Jᵀ∂L/∂y
    /// with ∂L/∂y's and x's rounding here): x0^4 - 2*x0^2 to −1.5 stopped by lm at x = 1 − 2.6E-9 has ∂L/∂x = −1.04E-08, but moving
    /// to the minimum would lower L by 1.4E-17, below its rounding 5.5E-16, so it is as stationary as L can resolve (newton and bfgs
    /// call it a minimum). A gradient that passes the relative test <see cref="GradientIsZero"/> is stationary here (whether such a
    /// point is a minimum is for the curvature and <see cref="MeasuredDescent"/>); where the slopes cannot be measured (above
    /// <see cref="Curvature.MatrixFreeAbove"/> variables, or without y, J and ∂L/∂y) that test alone decides.
    /// </summary>
    public string? NotStationary()
    {
        if (GradientIsZero() || GlobalMinimumToRounding() is not null) return null;
        var slope = MeasuredSlope(out var measured);
        return measured ? slope : $"∂L/∂x = {NumberText.Vector(_gx, v => NumberText.Short(v, 3))} is not 0";
    }

    // The first direction along which L measurably still falls (see MeasuredDescent), or null; measured: whether it could be measured.
    private string? MeasuredSlope(out bool measured)
    {
        measured = false;
        const Capabilities needed = Capabilities.Outputs | Capabilities.Jacobian | Capabilities.LossGradientInY;
        if (_n > Curvature.MatrixFreeAbove || (_problem.Supported & needed) != needed || (long)_m * _n > RoundingJacobianEntries) return null;
        var x = _x.ToArray();
        var (y, jacobian, gy) = (new double[_m], new double[_m * _n], new double[_m]);
        var scales = OutputScalesAt(x, y, jacobian);
        _problem.LossInY(y, gy);
        var unit = Krylov.RoundingFactor * Krylov.Epsilon;
        var level = Rules.Rounding.OfLossGradientInY(y, CompiledProblem.Norm(scales, _m));
        // The rounding of each ∂L/∂yⱼ: its own, and yⱼ's carried through (as RoundingAt takes it).
        var outputError = new double[_m];
        for (var j = 0; j < _m; j++) outputError[j] = unit * Math.Abs(gy[j]) + Math.Max(level, unit * scales[j]);
        var hessian = DenseHessian();
        if (NonFiniteValue.Find(Quantity.Hessian, hessian, _n) is not null || !outputError.All(double.IsFinite) || !_gx.All(double.IsFinite)) return null;
        var scale = Curvature.JacobiScale(hessian, _n);
        var scaled = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(_n, _n, (r, c) => scale[r] * 0.5 * (hessian[r * _n + c] + hessian[c * _n + r]) * scale[c]);
        MathNet.Numerics.LinearAlgebra.Factorization.Evd<double> evd;
        try { evd = scaled.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric); }
        catch (MathNet.Numerics.NonConvergenceException) { return null; }
        measured = true;
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var zero = CompiledProblem.LandingUlps * _n * Krylov.Epsilon * values.Max(Math.Abs);
        var lossLevel = LossRounding();
        var w = new double[_n];
        var jw = new double[_m];
        for (var k = 0; k < _n; k++)
        {
            double length = 0;
            for (var i = 0; i < _n; i++) { w[i] = scale[i] * evd.EigenVectors[i, k]; length += w[i] * w[i]; }
            length = Math.Sqrt(length);
            if (!(length > 0)) continue;
            double slope = 0, curvature = 0, moved = 0;
            for (var i = 0; i < _n; i++)
            {
                w[i] /= length;
                slope += w[i] * _gx[i];
                moved += Math.Abs(w[i]) * unit * Math.Abs(x[i]);
            }
            for (var i = 0; i < _n; i++)
                for (var j = 0; j < _n; j++) curvature += w[i] * hessian[i * _n + j] * w[j];
            double rounding = Math.Abs(curvature) * moved;
            for (var j = 0; j < _m; j++)
            {
                double s = 0;
                for (var i = 0; i < _n; i++) s += jacobian[j * _n + i] * w[i];
                rounding += Math.Abs(s) * outputError[j];
            }
            rounding *= CompiledProblem.LandingUlps;
            if (!(Math.Abs(slope) > rounding)) continue;
            var direction = NumberText.Vector(w, v => NumberText.Short(v, 3));
            if (values[k] <= zero)
                return $"L still falls along w = {direction} at a slope wᵀ∂L/∂x = {NumberText.Short(slope, 3)}, beyond its rounding " +
                       $"{NumberText.Short(rounding, 3)}, where the curvature wᵀHw = {NumberText.Short(curvature, 3)} is at the Hessian's rounding";
            var decrease = slope * slope / (2 * curvature);
            if (decrease > CompiledProblem.LandingUlps * lossLevel)
                return $"L still falls along w = {direction} at a slope wᵀ∂L/∂x = {NumberText.Short(slope, 3)}, beyond its rounding " +
                       $"{NumberText.Short(rounding, 3)}, and the Newton model predicts a decrease of {NumberText.Short(decrease, 3)} along it, beyond L's rounding level " +
                       $"{NumberText.Short(lossLevel, 3)}";
        }
        return null;
    }

    /// <summary>
    /// The first entry of ∂L/∂x that x's rounding cannot explain, or null when none (or the Hessian is not
    /// formed, above <see cref="Curvature.MatrixFreeAbove"/> variables, or not finite): each |∂L/∂xᵢ| against
    /// u·Σⱼ|Hᵢⱼ|, what moving x by its rounding u = 4ε·ℓ (ℓ = max(‖x‖, ‖x₀‖), <see cref="Curvature.ProbeLength"/>)
    /// changes it by to first order. At a stationary point that x's rounding missed, ∂L/∂x is of that size; on
    /// a slope it is larger (L = ½(exp(x0) − 2)² at x0 = −360: ∂L/∂x0 ≈ −7E-157 against 4ε·360·1E-156 ≈ 3E-169),
    /// however small it is next to L (<see cref="GradientIsZero"/> passes there).
    /// </summary>
    public RoundingExcess? GradientBeyondRounding()
    {
        if (_n > Curvature.MatrixFreeAbove) return null;
        var hessian = DenseHessian();
        var rounding = Krylov.RoundingFactor * Krylov.Epsilon * Curvature.ProbeLength(_x, _startLength);
        for (var i = 0; i < _n; i++)
        {
            var row = 0.0;
            for (var j = 0; j < _n; j++) row += Math.Abs(hessian[i * _n + j]);
            var excess = new RoundingExcess(i, _n, _gx[i], rounding, row);
            if (!double.IsFinite(excess.Bound)) return null;
            if (Math.Abs(_gx[i]) > excess.Bound) return excess;
        }
        return null;
    }

    private void NoteLimits()
    {
        if (_problem.TakePending() is not { } taken) return;
        var point = NumberText.Vector(_x);
        foreach (var s in taken)
            _notes.NoteLimit(s.Quantity, $"{s} at x = {point}");
    }

    /// <summary>What the rule's inner Krylov solve did in the last <see cref="Step"/>, or null (no solve, or a rule without one).</summary>
    public InnerSolve? LastSolve => _state.LastSolve;

    /// <summary>Non-null when the last <see cref="Step"/> was 0 because the rule found itself at rounding level: why.</summary>
    public string? AtRoundingLevel => _state.AtRoundingLevel;

    /// <summary>Non-null when the last <see cref="Step"/> was 0 although the rule's undamped model predicts a decrease above rounding: why.</summary>
    public string? Stalled => _state.Stalled;

    /// <summary>
    /// Takes one step. Returns the fallback taken, if any (null otherwise). When a quantity the rule
    /// needs is not finite, the point does not move, <see cref="NonFinite"/> says which, and the
    /// iteration count is not advanced.
    /// </summary>
    public Fallback? Step()
    {
        NonFinite = _state.CheckInputs(Loss, _gx);
        if (NonFinite is not null) return null;
        _notes.Begin(++Iteration);
        // Limits taken while evaluating this point (and by CheckInputs) belong to this step's inputs;
        // those taken inside the update (a line search's trial points) are noted after it.
        NoteLimits();
        _state.Update(_x, Loss, _gx, _dx, _notes);
        NoteLimits();
        for (var i = 0; i < _n; i++) _x[i] += _dx[i];
        if (!LinearAlgebra.AllFinite(_x)) return _notes.Taken;
        Evaluate();
        _state.AfterStep(_dx, _gx, _notes);
        return _notes.Taken;
    }
}

/// <summary>
/// What a run keeps of its path. The losses: every one up to <see cref="MaxLosses"/> (by default
/// <see cref="DefaultMaxLosses"/>, 4 194 304: every loss of a run of up to 4 194 303 iterations), past
/// that the least and the greatest of each stretch of iterations with the start, iteration 1 and the last
/// (<see cref="OptimizerRun.LossIterations"/>), so that a run's memory is bounded whatever its iteration
/// limit. The points x and outputs y = P(x) (n + m numbers each) at the start, every <see cref="Every"/>-th
/// iteration and the last, or at the start and the last only (<see cref="LossesOnly"/>), so that a long
/// run at large n need not store n × iterations numbers.
/// </summary>
/// <param name="Every">Keep the point of every k-th iteration (1: all of them, the default).</param>
public sealed record Recording(int Every)
{
    /// <summary>
    /// The most losses a run keeps by default: 2²² (32 MiB of losses and, once thinned, 16 MiB of their
    /// iterations), far more than a loss plot's pixel columns and more than any run of a few million
    /// iterations produces, which therefore keeps every loss.
    /// </summary>
    public const int DefaultMaxLosses = 1 << 22;

    /// <summary>The least loss budget: the start, iteration 1, two stretches of two losses and the last, with room to thin.</summary>
    public const int MinLosses = 8;

    /// <summary>
    /// The most losses kept (the last included; at least <see cref="MinLosses"/>). While a run's losses fit,
    /// all are kept; once they would pass it, the iterations from 2 on are cut into stretches of 4, then 8,
    /// 16, … iterations (doubling each time the budget fills), and each stretch keeps its least and its
    /// greatest loss at their own iterations, so a spike or a dip never disappears; iteration 0, iteration 1
    /// and the last are always kept. Every kept value is the loss of its iteration, unchanged.
    /// </summary>
    public int MaxLosses { get; init; } = DefaultMaxLosses;

    /// <summary>This recording with a loss budget of <paramref name="losses"/> (<see cref="MaxLosses"/>; checked when a run starts).</summary>
    public Recording WithMaxLosses(int losses) => this with { MaxLosses = losses };

    /// <summary>
    /// With <see cref="AtMost"/>: the most points kept (the last included). Null: no bound, the points of
    /// <see cref="Every"/> are kept.
    /// </summary>
    public int? MaxPoints { get; init; }

    /// <summary>
    /// Every point while at most <paramref name="points"/> have been kept; when the run would keep more, the
    /// interval becomes 4, then 8, 16, … and each multiple k of it is kept with k + 1 (about half the kept
    /// points are dropped each time): the pairs show both ends of a step, so a run that hops between two
    /// points every step is drawn hopping, not at one of them. The thinning depends on
    /// the points the run actually produces, not on its iteration limit: a run that stops after 54 steps keeps
    /// all 55 points under any limit whose budget holds them. The start, the first step (iteration 1, the
    /// direction of the first step) and the last point are always kept.
    /// </summary>
    /// <param name="points">The most points kept, at least 4 (the start, the first step, one between, the last).</param>
    /// <exception cref="SymbolicException">Fewer than 4 points.</exception>
    public static Recording AtMost(int points) => points >= 4
        ? new Recording(1) { MaxPoints = points }
        : throw new SymbolicException(ErrorKind.Invalid, $"A recording keeps at least 4 points (the start, the first step, one between and the last), not {points}.");

    /// <summary>Every point (plots and reports need it): the default.</summary>
    public static Recording Full { get; } = new(1);

    /// <summary>Only the losses, with the start and the last point.</summary>
    public static Recording LossesOnly { get; } = new(int.MaxValue);

    /// <summary>The start, every <paramref name="k"/>-th point and the last.</summary>
    public static Recording EveryKth(int k) => k >= 1
        ? new Recording(k)
        : throw new SymbolicException(ErrorKind.Invalid, $"The recording interval must be at least 1, not {k}.");
}

/// <summary>
/// A receiver of a run's progress (<see cref="IProgress{T}"/> of the iteration just completed) that also
/// hears the classification of the point the run stopped at, which follows the last iteration and can
/// take as long as some iterations: a display names that phase rather than the last iteration.
/// </summary>
public interface IClassificationProgress
{
    /// <summary>
    /// The classification has taken <paramref name="products"/> Hessian-vector products of at most
    /// <paramref name="budget"/> (<see cref="Curvature.ClassifyMatrixFree"/>); told first with 0 products. A
    /// budget of 0 means the Hessian is formed whole and its eigenvalues taken (<see cref="Curvature.Classify"/>).
    /// </summary>
    void Classifying(int products, int budget);
}

/// <summary>Runs update rules on problems and records the runs (the minimiser).</summary>
public static class Optimizer
{
    /// <summary>
    /// The classification of a stop point may start Hessian-vector products for this many times the run's own
    /// time so far (<see cref="ClassificationAllowance"/>).
    /// </summary>
    public const double ClassificationMultiple = 2;

    /// <summary>The least time the classification of a stop point is allowed, however short the run (<see cref="ClassificationAllowance"/>).</summary>
    public static readonly TimeSpan ClassificationFloor = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The wall time the matrix-free classification of a stop point may take after a run of
    /// <paramref name="run"/> (its steps with their compiling): <see cref="ClassificationMultiple"/> times it,
    /// at least <see cref="ClassificationFloor"/>. Past it no product is started and the verdict says it is
    /// partial (<see cref="Curvature.ClassifyMatrixFree"/>), so the post-run work stays a small multiple of the
    /// run at any n, where a classification had taken 58 s after an 8.5 s run (issue 14).
    /// </summary>
    public static TimeSpan ClassificationAllowance(TimeSpan run) =>
        TimeSpan.FromTicks(Math.Max(ClassificationFloor.Ticks, (long)(ClassificationMultiple * run.Ticks)));

    /// <summary>Runs <paramref name="method"/> (the rule of <see cref="StandardRules.For"/>) from <paramref name="start"/> for at most <paramref name="iterations"/> steps.</summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="method">The update rule.</param>
    /// <param name="eta">The step size η.</param>
    /// <param name="start">The start point x₀.</param>
    /// <param name="iterations">The iteration limit.</param>
    /// <param name="lossTolerance">Stop (converged) once the loss is at most this.</param>
    /// <param name="kappa">The exponent of <see cref="Method.HalfInverseGradient"/> (default −½).</param>
    /// <param name="tau">The relative truncation of <see cref="Method.HalfInverseGradient"/>.</param>
    /// <param name="stepTolerance">Stop (converged) once a step's length ‖Δx‖ is at most this.</param>
    /// <param name="lineSearch">Line search: Armijo backtracking for Newton, weak Wolfe for BFGS and L-BFGS.</param>
    /// <param name="progress">Told the number of the iteration just completed (for progress bars).</param>
    /// <param name="recording">Which points to keep (default <see cref="Recording.Full"/>); the run's
    /// <see cref="OptimizerRun.RecordedIterations"/> says which iterations they are.</param>
    public static OptimizerRun Run(
        CompiledProblem problem, Method method, double eta, double[] start, int iterations, double lossTolerance = 0,
        double kappa = -0.5, double tau = 1e-3, double stepTolerance = 0, bool lineSearch = false,
        IProgress<int>? progress = null, Recording? recording = null)
    {
        var kept = CheckLimits(iterations, recording, problem);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return Run(new Stepper(problem, method, eta, start, kappa, tau, lineSearch), iterations, lossTolerance, stepTolerance, progress, kept, clock);
    }

    /// <summary>
    /// Runs <paramref name="rule"/> on <paramref name="problem"/> from <paramref name="start"/> for at
    /// most <paramref name="iterations"/> steps: the rule computes each Δx, this applies it, evaluates
    /// the new point and classifies the stop (<see cref="ExitReason"/>) exactly as for the methods.
    /// </summary>
    /// <param name="problem">Any problem that answers what the rule needs (<see cref="IUpdateRule.Needs"/>).</param>
    /// <param name="rule">The update rule (see <see cref="StandardRules"/> and the rule types in <see cref="N:PhysGrad.Numerics.Rules"/>).</param>
    /// <param name="start">The start point x₀.</param>
    /// <param name="iterations">The iteration limit.</param>
    /// <param name="lossTolerance">Stop (converged) once the loss is at most this.</param>
    /// <param name="stepTolerance">Stop (converged) once a step's length ‖Δx‖ is at most this, at a minimum.</param>
    /// <param name="progress">Told the number of the iteration just completed.</param>
    /// <param name="recording">Which points to keep (default <see cref="Recording.Full"/>).</param>
    /// <exception cref="SymbolicException">A bad start, limit or recording; a problem without a
    /// capability the rule needs (the message names it).</exception>
    public static OptimizerRun Run(
        IDifferentiableProblem problem, IUpdateRule rule, double[] start, int iterations, double lossTolerance = 0,
        double stepTolerance = 0, IProgress<int>? progress = null, Recording? recording = null)
    {
        var kept = CheckLimits(iterations, recording, problem);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        return Run(new Stepper(problem, rule, start), iterations, lossTolerance, stepTolerance, progress, kept, clock);
    }

    private static Recording CheckLimits(int iterations, Recording? recording, IDifferentiableProblem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        recording ??= Recording.Full;
        var every = recording.Every;
        if (every < 1)
            throw new SymbolicException(ErrorKind.Invalid, $"The recording interval must be at least 1, not {every}.");
        if (iterations < 0)
            throw new SymbolicException(ErrorKind.Invalid, $"The iteration limit must be 0 or more, not {iterations}.");
        if (recording.MaxLosses < Recording.MinLosses)
            throw new SymbolicException(ErrorKind.Invalid,
                $"The recording's loss budget (MaxLosses) must be at least {Recording.MinLosses} (the start, iteration 1, two stretches and the last), not {recording.MaxLosses}.");
        // The run keeps x and y at every recorded iteration, (iterations / every + 1)·(n + m) doubles, and
        // at most MaxLosses losses with their iterations. The count is computed in double (it can pass 2⁶³ bytes) and refused
        // before the first step when it exceeds the memory this process can use, rather than failing with
        // an out-of-memory error later.
        var kept = recording.MaxPoints is { } most ? Math.Min(most, iterations + 1.0) : Math.Floor((double)iterations / every) + 1;
        var bytes = (kept * ((double)problem.N + problem.M + 1) + Math.Min(iterations + 1.0, recording.MaxLosses) * 1.5) * sizeof(double);
        var available = (double)GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available)
        {
            var perIteration = (((double)problem.N + problem.M) / every + 1) * sizeof(double);
            throw new SymbolicException(ErrorKind.TooLarge,
                $"The iteration limit {iterations} would keep {NumberText.Short(kept, 4)} points of {problem.N} + {problem.M} values " +
                $"({NumberText.Short(bytes / 1e9, 3)} GB), more than the {NumberText.Short(available / 1e9, 3)} GB this process can use; " +
                $"run at most about {NumberText.Short(Math.Floor(available / perIteration), 3)} iterations, or record fewer points.");
        }
        return recording;
    }

    /// <summary>How far beyond max(1, |x₀|∞) a run's x must have gone, with L risen, for a non-finite value to be
    /// said as a blow-up (a step size too large for the curvature) rather than an overflow of L alone.</summary>
    private const double BlowUpGrowth = 1e3;

    private static OptimizerRun Run(Stepper stepper, int iterations, double lossTolerance, double stepTolerance,
        IProgress<int>? progress, Recording recording, System.Diagnostics.Stopwatch clock)
    {
        // A bounded recording (Recording.AtMost) starts with every point and doubles its interval whenever the
        // kept points reach the bound; an unbounded one keeps every `every`-th.
        var every = recording.Every;
        var most = recording.MaxPoints;
        double[]? firstStep = null;
        double[]? firstStepTried = null;
        var trajectory = new List<double[]> { stepper.X.ToArray() };
        var outputs = new List<double[]> { stepper.Y.ToArray() };
        var losses = new LossRecord(recording.MaxLosses);
        losses.Add(0, stepper.Loss);
        var pointLosses = new List<double> { stepper.Loss };
        // L with a wide exponent beside each point loss, attached to the run only when some loss overflowed (PointLossWide).
        var pointWide = new List<Wide> { stepper.CarriedLoss };
        // Set too where a loss fell below doubles with its size carried (LossBelowDoubles): the run then keeps and
        // compares its losses as Wide values, as for an overflow.
        var overflowed = stepper.LossOverflowed || stepper.LossBelowDoubles;
        var latestWide = Wide.Of(double.NaN);
        var fallbacks = new List<Fallback>();
        var solves = new List<InnerSolve>();
        var recorded = new List<int> { 0 };
        // The previous point, for the step length (the trajectory may not hold it).
        var previous = stepper.X.ToArray();
        var latest = -1; // the last iteration's point when it was not recorded
        double[]? latestX = null, latestY = null;
        var latestLoss = double.NaN;
        var still = new StillWatch(stepper.X.ToArray(), stepper.Loss);
        var growth = new DivergenceWatch();
        // k > 0: at the limit int.MaxValue, k <= iterations holds for every int, and k++ past it wraps to −2³¹.
        for (var k = 1; k > 0 && k <= iterations; k++)
        {
            if (stepper.Loss <= lossTolerance && LossStop(k - 1) is { } stop) return stop;
            try
            {
                if (stepper.Step() is { } fallback) fallbacks.Add(fallback);
                if (stepper.LastSolve is { } solve) solves.Add(solve with { Iteration = k });
            }
            catch (MathNet.Numerics.NonConvergenceException)
            {
                // A user can cause this (η = 10³⁰⁰, a start near overflow): the run ends typed, at the
                // last point reached, and the other runs of a comparison go on.
                return Finish(StopReason.SolverFailed, k - 1,
                    $"{stepper.Name}'s step {k} failed: a matrix decomposition (SVD or eigendecomposition) did not converge at x = {NumberText.Vector(stepper.X.ToArray(), v => NumberText.Short(v, 3))}");
            }
            if (stepper.NonFinite is { } bad)
                return Finish(StopReason.Diverged, k - 1,
                    $"{Said(bad)} at x = {NumberText.Vector(stepper.X.ToArray())}: step {k} cannot be taken" + Overflowed(bad) + ConstantOverflow() +
                    (stepper.Unsettled is { } why ? $" (tried as a limit: {why})" : ""), nonFinite: bad);
            if (NonFiniteValue.Find(Quantity.Point, stepper.X) is { } badX)
                return Finish(StopReason.Diverged, k, $"x became non-finite at iteration {k} ({badX})", nonFinite: badX);
            if (k == 1) firstStepTried = stepper.LastStep.ToArray();
            // A finite x where the loss or P is not finite may lie outside the formulas' domain (IG's step from
            // sqrt(x0) = 1 towards −1 lands on x0 = −3): the run did not diverge, it left the domain. The
            // point outside is not kept, so the run ends at its last defined point and loss.
            if (stepper.LeftDomain() is { } outside)
                return Finish(StopReason.LeftDomain, k - 1,
                    $"iteration {k} left the domain: {outside}; the run ends at iteration {k - 1}, the last point inside it");
            // ‖Δx‖ scaled by its largest entry (CompiledProblem.Norm): the plain sum of squares underflows
            // to 0 for steps below 1E-154 (gd moving x0^2 from 1E-200 to 1.02E-200 was "step length 0").
            for (var i = 0; i < previous.Length; i++) previous[i] = stepper.X[i] - previous[i];
            var stepLength = CompiledProblem.Norm(previous, previous.Length);
            stepper.X.CopyTo(previous);
            if (k == 1) firstStep = stepper.LastStep.ToArray();
            if (every == 1 || k % every == 0 || (most is not null && k % every == 1))
            {
                trajectory.Add(stepper.X.ToArray());
                outputs.Add(stepper.Y.ToArray());
                pointLosses.Add(stepper.Loss);
                pointWide.Add(stepper.CarriedLoss);
                recorded.Add(k);
                latest = -1;
                // One place is kept for the last point, which Finish adds when it was not kept in turn.
                if (most is { } bound && trajectory.Count >= bound) Thin();
            }
            else
                KeepLatest(k);
            losses.Add(k, stepper.Loss);
            progress?.Report(k);
            overflowed |= stepper.LossOverflowed || stepper.LossBelowDoubles;
            // A loss that overflows doubles while y − y* is finite is carried as its logarithm: the rules
            // that step in y (ig, pg, gn, hig) go on; a rule that needs L stops at its next step, saying why.
            if (!double.IsFinite(stepper.Loss) && !stepper.LossOverflowed)
            {
                var lossBad = new NonFiniteValue(Quantity.Loss, 0, stepper.Loss);
                return Finish(StopReason.Diverged, k, $"the loss became non-finite at iteration {k}" + (BlewUp(lossBad) ?? ""), nonFinite: lossBad);
            }
            // A loss that stays far above where the run started and keeps rising has blown up, whether or not a value
            // overflowed yet (DivergenceWatch: gd:1.2 on x0; 2*x1 passed 10⁶ times its start at iteration 6 and once ran
            // on to 4.1E+231 at its limit of 200); a single overshoot that comes back is not a divergence.
            if (growth.Watch(Beyond(), overflowed ? stepper.CarriedLoss.Log10 : Math.Log10(stepper.Loss)))
                return Diverged(k, $"; it stayed beyond that bound for the last {DivergenceWatch.Window} iterations without falling");
            if (stepLength == 0 && stepper.AtRoundingLevel is { } rounding)
            {
                // The rule says its step is rounding (∂L/∂y or the decrease its model predicts below what
                // rounding resolves): no further step can change L measurably. Classified like a zero step.
                return AtStationaryPoint(k, $"{rounding} at iteration {k}", ConvergenceCriterion.RoundingLevel);
            }
            // The rule's step is 0 while its own undamped model predicts a measurable decrease: no point is
            // reached, whatever ∂L/∂x's size or the curvature probe would say there.
            if (stepLength == 0 && stepper.Stalled is { } stalled)
                return Finish(StopReason.Stalled, k, $"{stalled} at iteration {k}");
            // The rule's step was not 0 but vanished when added to x (every entry below the rounding of x's).
            var roundedAway = stepLength == 0 && stepper.LastStep.ToArray().Any(v => v != 0);
            // (Judged by the one stationarity test of every method's verdict, Stepper.NotStationary: lm's zero step at
            // x0^4 - 2*x0^2's minimum to √ε, where ∂L/∂x is what L's rounding explains, is the minimum newton and bfgs reach.)
            if (stepLength == 0 && stepper.NotStationary() is not null)
                // The rule's step vanished although ∂L/∂x does not: not a stationary point, and not
                // a reason to call the run converged; the rule cannot move from here.
                return Finish(StopReason.Stalled, k, roundedAway
                    ? $"{BelowRounding(k)} although ∂L/∂x = {Gradient()} is not 0: no progress is possible in floating point, and the point is not stationary"
                    : $"the step is 0 at iteration {k} although ∂L/∂x = {Gradient()} is not: the rule cannot move from here, the point is not stationary");
            // x wandering among neighbouring doubles while L does not fall: no step will change anything measurable, and a
            // limit of 2³¹ − 1 iterations would otherwise run for all of them (about 20 minutes).
            if (still.Watch(k, stepper.X, stepper.Loss) is { } stuck)
                // Judged as a zero step that rounded away is (above), by the one stationarity test Stepper.NotStationary: where
                // ∂L/∂x is what rounding explains (x0^2 to 2 by newton with η = 1 cycles between the neighbours of √2; gd overshoots
                // either side of the least-squares point of 1e8*x0; 1e8*x0) the point is classified as at that step: a minimum if
                // the curvature and the measured slopes say so, else stalled. Elsewhere it is a stall, never a stationary point:
                // x's rounding alone (GradientBeyondRounding, asked here before) let a point where L measurably still falls along
                // a Hessian eigenvector be called one.
                return stepper.NotStationary() is { } slope
                    ? Finish(StopReason.Stalled, k, $"{stuck}; the point is not stationary: {slope}")
                    : AtStationaryPoint(k, stuck, ConvergenceCriterion.StepTolerance, roundedAway: true);
            if (stepLength <= stepTolerance)
            {
                // A step that falls to the tolerance (for most rules: exactly 0, ∂L/∂x = 0) stops the run
                // at a stationary point; only a minimum is "converged".
                // A step that was not 0 but vanished against x is said with its size ("step length 0" read
                // as the rule's own step being 0).
                return AtStationaryPoint(k, roundedAway
                        ? BelowRounding(k)
                        : $"step length {NumberText.Short(stepLength, 3)} ≤ {NumberText.Short(stepTolerance, 3)} at iteration {k}",
                    ConvergenceCriterion.StepTolerance, roundedAway);
            }
        }
        if (stepper.Loss <= lossTolerance && LossStop(iterations) is { } last) return last;
        // A run that ends far above where it started has blown up too (Rosenbrock's GN from 7.6E+03 to 2.9E+32 in ten
        // steps, fewer than the trend rule's window): the same failure as a non-finite loss.
        return Beyond() ? Diverged(iterations, "") : Finish(StopReason.IterationLimit, iterations, NumberText.Count(iterations, "iteration"));

        // Whether the current loss is above the start by more than LossGrowth's bound. Compared as logarithms where a
        // loss overflowed (∞ against ∞ says nothing).
        bool Beyond() => overflowed ? LossGrowth.ExplodedWide(pointWide[0], stepper.CarriedLoss) : LossGrowth.Exploded(pointLosses[0], stepper.Loss);

        // The Diverged stop at iteration k, whose loss its caller found beyond LossGrowth's bound (Beyond), with `why`
        // after the rise.
        OptimizerRun Diverged(int k, string why) =>
            Finish(StopReason.Diverged, k, (overflowed
                ? LossGrowth.DescribeWide(pointWide[0], stepper.CarriedLoss, k)
                : LossGrowth.Describe(pointLosses[0], stepper.Loss, k)) + why + (stepper.Rule is Rules.SpectralRule spectral
                    ? Rules.SpectralDivergence.Explain(spectral, stepper.GivenProblem, trajectory, recorded, pointLosses, firstStep)
                    : ""));

        // A stop at a stationary point (what was reached, in words): a global minimum known from the
        // loss's form (L ≥ 0) and L at rounding is one without a probe, its typed exit still saying what
        // kind of point it is; otherwise the curvature decides, and only a minimum is "converged".
        OptimizerRun AtStationaryPoint(int k, string reached, ConvergenceCriterion criterion, bool roundedAway = false)
        {
            // An output that underflowed to a flat stretch (exp(−x0²) at 40: y = 0 = y*) makes L 0 or ∇L 0 by
            // rounding, not by stationarity: no minimum, whatever L's form or the probe says. Asked only where a
            // minimum would be claimed (a probe that sees L leave the plateau already says it is none).
            OptimizerRun Plateau(string plateau) =>
                Finish(StopReason.StationaryNonMinimum, k, $"{reached}: {plateau}", criterion, new Curvature(StationaryKind.Undecided, [], false, plateau));
            if (stepper.GlobalMinimumToRounding() is { } global)
                return stepper.UnderflowPlateau() is { } flat ? Plateau(flat)
                    : Finish(StopReason.Converged, k, $"{reached}; {global}", criterion, new Curvature(StationaryKind.Minimum, [], false, global));
            // L and its x-derivatives all underflowed (1E-300·x0 at target 1E-300: ∂L/∂y = −5E-301 but L, ∂L/∂x
            // and ∂²L/∂x² are 0 in doubles): the step is 0 for want of range, and a curvature probe would read
            // the zeros as a flat minimum. Undecided, with what to do.
            // Such a point is not stationary (∂L/∂y ≠ 0 there, and J is not 0, or y would not move): the rule's step is 0
            // for want of range, so the run is stalled, not at a saddle or maximum (x0^2 towards 0 by newton:1 ended at
            // x = 1E-108, L = 5E-433 carried, and had been called "stationary, not a minimum").
            if (stepper.LossUnderflowed)
            {
                var carried = stepper.CarriedLoss is { OutsideDoubles: true, M: > 0 } w ? $" (L is {w.Scientific(3)} in exact arithmetic)" : "";
                var why = $"L and ∂L/∂x underflow to 0 in doubles here{carried} while ∂L/∂y = {stepper.LossGradientInYText()} does not, so the point is not stationary " +
                    $"but {stepper.Name}'s step, computed from ∂L/∂x, vanishes for want of range; rescale the outputs and target towards size 1, or use a method that steps on y − y* (ig, pg, gn)";
                return Finish(StopReason.Stalled, k, roundedAway ? $"{StillWatch.Stuck(reached)}; {why}" : $"{reached}: {why}",
                    curvature: new Curvature(StationaryKind.Undecided, [], false, why));
            }
            // Bounded by the run's own time (issue 14: 45 products after an 8.5 s run had taken 58 s), and told
            // to a receiver that shows the phase, which would otherwise go on naming the last iteration.
            var told = progress as IClassificationProgress;
            var curvature = stepper.ClassifyCurvature(ClassificationAllowance(clock.Elapsed), told is null ? null : told.Classifying);
            // A step that rounded away against x where ∂L/∂x passes the relative test but is more than the
            // Hessian can make of x's rounding is still on a slope (exp(x0) overshot to x0 ≈ −360, where
            // ∂L/∂x0 ≈ −7E-157 and L still falls): no point is reached, so it is no saddle or maximum. A
            // minimum keeps its verdict (a flat minimum's last steps round away at a gradient of this kind).
            if (roundedAway && curvature.Kind != StationaryKind.Minimum && stepper.GradientBeyondRounding() is { } beyond)
                return Finish(StopReason.Stalled, k,
                    $"{StillWatch.Stuck(reached)}, and the point is not stationary (not {curvature.KindWithArticle}): " +
                    beyond.Describe());
            // Otherwise a step that rounded away short of a minimum leaves the run stuck where the rule still
            // moves (its step is not 0): stalled, with the step's size and the curvature found here, never
            // "step length 0" at a stationary point the rule itself does not stop at.
            if (roundedAway && curvature.Kind != StationaryKind.Minimum)
                return Finish(StopReason.Stalled, k,
                    $"{StillWatch.Stuck(reached)}; ∂L/∂x is 0 to rounding here, where the curvature says {curvature.KindWithArticle} ({curvature.Detail})",
                    curvature: curvature);
            if (curvature.Kind == StationaryKind.Minimum && stepper.UnderflowPlateau() is { } plateau) return Plateau(plateau);
            // A minimum by the eigenvalues and the probe, but L measurably still falls here (a small gradient on a badly scaled
            // problem): the rule's step no longer moves x, and no minimum is reached.
            // (Not where a tolerance the caller gave decided: a step or loss within it is the caller's convergence.)
            var toTolerance = (criterion == ConvergenceCriterion.StepTolerance && stepTolerance > 0 && !roundedAway)
                || (criterion == ConvergenceCriterion.LossTolerance && lossTolerance > 0);
            if (curvature.Kind == StationaryKind.Minimum && !toTolerance && stepper.MeasuredDescent() is { } descent)
                return Finish(StopReason.Stalled, k, $"{reached}: {descent}; {stepper.Name}'s step no longer moves x, so no progress is possible for it from here ({curvature.Detail})",
                    curvature: curvature with { Kind = StationaryKind.Undecided });
            var detail = $"{reached}, at {curvature.KindWithArticle}; {curvature.Detail}";
            return curvature.Kind == StationaryKind.Minimum
                ? Finish(StopReason.Converged, k, detail, criterion, curvature)
                : Finish(StopReason.StationaryNonMinimum, k, detail, curvature: curvature);
        }

        // The loss at or below the tolerance. With a loss known to be ≥ 0 that is a minimum to the
        // tolerance (within it of the bound 0). Otherwise the value alone says nothing (a loss like y0
        // falls below any tolerance on its way to −∞): the stop is classified by the point's kind like
        // a zero step, at a stationary point only; elsewhere the run goes on.
        OptimizerRun? LossStop(int iteration)
        {
            var after = $"after {NumberText.Count(iteration, "iteration")}";
            var reached = $"loss {NumberText.Short(stepper.Loss)} ≤ {NumberText.Short(lossTolerance, 3)} {after}";
            // Said as what it is: a loss of exactly 0 (the default tolerance) is a global minimum; a positive
            // one at most the tolerance is that close to the bound 0 ("loss 0 ≤ 0 … so this is a minimum to
            // the tolerance" read as a comparison of two zeros).
            // A loss of 0 where ∂L/∂x is not 0 has underflowed (½‖y − y*‖² with a residual of 2E-200): it
            // is no minimum, and the run goes on; the residual, not its square, decides when it ends.
            if (stepper.LossUnderflowed) return null;
            // L = 0 where y underflowed onto the target (exp(−x0²) at 40 to 0) is no global minimum: said as at a zero step.
            if (stepper.GradientIsZero() && stepper.UnderflowPlateau() is not null)
                return AtStationaryPoint(iteration, $"{reached}, ∂L/∂x = 0", ConvergenceCriterion.LossTolerance);
            if (stepper.LossIsNonNegative)
                return Finish(StopReason.Converged, iteration, stepper.Loss == 0
                        ? $"loss 0 {after}: a global minimum, since the loss is ≥ 0 by its form"
                        : $"loss {NumberText.Short(stepper.Loss)} {after}, at most the tolerance {NumberText.Short(lossTolerance, 3)} above 0, the least value of a loss that is ≥ 0 by its form",
                    ConvergenceCriterion.LossTolerance);
            // (AtStationaryPoint's global-minimum test needs L ≥ 0 by form, handled above: only the curvature decides here.)
            return stepper.GradientIsZero() ? AtStationaryPoint(iteration, $"{reached}, ∂L/∂x = 0", ConvergenceCriterion.LossTolerance) : null;
        }

        // A loss of +∞ where x, y and ∂L/∂x are finite is the overflow of its value in doubles (½(2E+200)²), not
        // a run that blew up: said so, with what to do.
        // Only where x stayed bounded: a run whose x ran off (η = 0.01 on 1E+6*x0 + x1, curvature ~1E+12, took x1
        // from 0.5 to 3E+104 in a few steps) did blow up, and is said so (BlewUp), not sent to rescale its outputs.
        string Overflowed(NonFiniteValue bad) =>
            BlewUp(bad) is { } blewUp ? blewUp
            : bad.Quantity == Quantity.Loss && double.IsPositiveInfinity(bad.Value) && stepper.X.ToArray().All(double.IsFinite)
                ? (stepper.Gradient.ToArray().All(double.IsFinite)
                      ? $" (the loss's value overflows doubles there, although x and ∂L/∂x = {Gradient()} are finite: the run did not blow up, but {stepper.Name} reads L itself, which doubles cannot hold here"
                      // ∂L/∂x = J^T (y − y*) overflows too where J is as large as y − y* (1E+200·x0 with target 1E+200).
                      : $" (the loss's value and its gradient ∂L/∂x overflow doubles there although x is finite: the run did not blow up, but {stepper.Name} reads them, which doubles cannot hold here") +
                  (stepper.LossOverflowed ? "; the rules that step in y (ig, pg, gn, hig) need only y − y*, which is finite, and run on it;" : ";") +
                  " or rescale the outputs or the target, e.g. with units, so that L stays below 1E+308)"
                : "";

        string Gradient() => NumberText.Vector(stepper.Gradient.ToArray(), v => NumberText.Short(v, 3));

        // The non-finite value as the stop says it: a loss of +∞ only as a double (its size carried beyond doubles,
        // Stepper.LossOverflowed) with that size, in the six digits the table's final loss and the JSON's finalLossLog10
        // give it (OptimizerRun.Carries, RunReport.FormatLossAt): "the loss L = 1.03031E+311 (beyond doubles)", not
        // "the loss L = Infinity" beside a table that says 1.03031E+311.
        string Said(NonFiniteValue bad) =>
            bad.Quantity == Quantity.Loss && double.IsPositiveInfinity(bad.Value) && stepper.LossOverflowed
                ? $"the loss L = {stepper.CarriedLoss.Scientific(6)} (beyond doubles)"
                : bad.ToString();

        // A non-finite value reached after x grew far beyond its start's scale while L rose: the steps ran away
        // (a step size too large for the curvature makes each step overshoot by more than the last), so the run
        // blew up; said with the growth and what to do. Null where x stayed within BlowUpGrowth of max(1, |x₀|∞)
        // or L did not rise: there a value overflowed alone (Overflowed).
        string? BlewUp(NonFiniteValue bad)
        {
            static string Size(Wide w) => w.OutsideDoubles ? w.Scientific(3) : NumberText.Short(w.ToDouble(), 3);
            var start = trajectory[0];
            var x = stepper.X.ToArray();
            if (!x.All(double.IsFinite)) return null;
            var (from, to) = (start.Max(Math.Abs), x.Max(Math.Abs));
            if (!(to > BlowUpGrowth * Math.Max(1, from))) return null;
            // Compared as carried sizes (Wide), so that a run starting beyond doubles (½(1E+200·0 − 1E+200)² = 5E+399) is judged too.
            var risen = pointWide.Append(latestWide).Where(w => w.IsFinite && w.M > 0).Select(w => (Log: w.Log10, Text: Size(w)))
                .DefaultIfEmpty((Log: double.NaN, Text: "")).MaxBy(w => w.Log);
            var first = pointWide[0];
            var rose = first.IsFinite && risen.Log > (first.M > 0 ? first.Log10 : double.NegativeInfinity);
            // x ran off in steps whose losses all left doubles (ig's first step on exp(x0) towards 1E+300 went from 0 to
            // 3E+299): a blow-up too, said without a rise of L that no double recorded.
            var leftNow = !double.IsFinite(stepper.Loss) && !stepper.LossOverflowed;
            if (!rose && !leftNow) return null;
            var growth = $"max |xᵢ| grew from {NumberText.Short(from, 3)} at the start to {NumberText.Short(to, 3)}" +
                (rose ? $" and L from {Size(first)} to {risen.Text}" : "");
            // The plain gradient rules overshoot for want of curvature; the others (newton, ig, pg, gn, hig, lm, bfgs)
            // step by a model of L or of P that is far off along the way. Each is pointed to what can help it.
            var plain = stepper.Name is "gd" or "adam";
            var cure = plain
                ? $"{stepper.Name}'s step size η = {NumberText.Short(stepper.Eta, 3)} is too large for the curvature of L along the way, so each step " +
                  "overshoots by more than the last; take a smaller η, or a method that scales its step by the curvature: newton, gn, ig or pg"
                : $"{stepper.Name}'s step with η = {NumberText.Short(stepper.Eta, 3)} follows a model of the problem that is far off along the way " +
                  "(where P is far from linear, or J badly scaled), so the steps overshoot; take a smaller η";
            return $": the run blew up: {growth} until a value left doubles: {cure}";
        }

        // A non-finite output whose simulator component holds a constant that overflows doubles (1E+200^2·x0):
        // no x can help, the input must be rescaled; said with the constant (CompiledProblem.OverflowingConstant).
        string ConstantOverflow()
        {
            if (stepper.GivenProblem is not CompiledProblem compiled) return "";
            var y = stepper.Y;
            for (var i = 0; i < y.Length; i++)
                if (!double.IsFinite(y[i]) && compiled.OverflowingConstant(i) is { } why)
                    return $" ({why})";
            return "";
        }

        // "the step, 1E-17, is below the rounding of x = 3 at iteration 4": the rule's Δx, which x + Δx rounds away.
        string BelowRounding(int k)
        {
            var (dx, x) = (stepper.LastStep.ToArray(), stepper.X.ToArray());
            return dx.Length == 1
                ? $"the step, {NumberText.Short(dx[0], 3)}, is below the rounding of x = {NumberText.Short(x[0])} at iteration {k}"
                : $"the step Δx = {NumberText.Vector(dx, v => NumberText.Short(v, 3))} is below the rounding of x = {NumberText.Vector(x)} at iteration {k}";
        }

        void KeepLatest(int k)
        {
            latest = k;
            latestX ??= new double[previous.Length];
            latestY ??= new double[stepper.Y.Length];
            stepper.X.CopyTo(latestX);
            stepper.Y.CopyTo(latestY);
            latestLoss = stepper.Loss;
            latestWide = stepper.CarriedLoss;
        }

        // Doubles the interval of a bounded recording (1 → 4 → 8 …: pairs of an interval of 2 would be every
        // point): keeps the start, and each multiple of the new interval with the iteration after it (1, the
        // first step, among them). The pairs see both phases of a run that hops between two points every step
        // (gd:2 on x0 alternates 0, 2): multiples of an even interval alone saw only one, and drew x as
        // constant. The point just kept, if dropped, stays the latest (the run's end keeps it).
        void Thin()
        {
            // Held at 2³⁰ (a run of 2³¹ − 1 iterations at 4 points): doubled once more it wrapped to −2³¹.
            every = every == 1 ? 4 : Math.Min(every, 1 << 29) * 2;
            var k = recorded[^1];
            var kept = 0;
            for (var i = 0; i < recorded.Count; i++)
            {
                if (recorded[i] % every > 1) continue;
                (trajectory[kept], outputs[kept], pointLosses[kept], pointWide[kept], recorded[kept]) = (trajectory[i], outputs[i], pointLosses[i], pointWide[i], recorded[i]);
                kept++;
            }
            trajectory.RemoveRange(kept, trajectory.Count - kept);
            outputs.RemoveRange(kept, outputs.Count - kept);
            pointLosses.RemoveRange(kept, pointLosses.Count - kept);
            pointWide.RemoveRange(kept, pointWide.Count - kept);
            recorded.RemoveRange(kept, recorded.Count - kept);
            if (recorded[^1] != k) KeepLatest(k);
        }

        OptimizerRun Finish(StopReason reason, int iteration, string detail, ConvergenceCriterion? criterion = null,
            Curvature? curvature = null, NonFiniteValue? nonFinite = null)
        {
            // The last point is always kept (Final, the distance and the plots' end read it).
            if (latest >= 0)
            {
                trajectory.Add(latestX!);
                outputs.Add(latestY!);
                pointLosses.Add(latestLoss);
                pointWide.Add(latestWide);
                recorded.Add(latest);
            }
            var (kept, keptAt) = losses.Complete();
            return new(stepper.Name, stepper.Eta, trajectory, outputs, kept, new ExitReason(reason, iteration, criterion, curvature, nonFinite, detail),
                fallbacks, clock.Elapsed)
            {
                RecordedIterations = recorded, LossIterations = keptAt, PointLosses = pointLosses, Iterations = losses.Last,
                InnerSolves = solves, FirstStep = firstStep, FirstStepTried = firstStepTried, PointLossWide = overflowed ? pointWide : null,
            };
        }
    }
}
