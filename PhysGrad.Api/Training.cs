using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Learning;
using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;
using ScottPlot;

namespace PhysGrad;

/// <summary>
/// A training set-up: a network x = f(z; θ), a physics problem y = P(x) (any compiled PhysGrad problem),
/// a batch sampler, a fixed evaluation set, and the methods with their tuned settings.
/// </summary>
/// <param name="Name">The example's name (hig-toy, exp).</param>
/// <param name="Description">One line: network, physics, loss.</param>
/// <param name="Network">The network.</param>
/// <param name="Physics">y = P(x).</param>
/// <param name="Sampler">Draws B inputs z and targets y*.</param>
/// <param name="EvalZ">The evaluation inputs (rows of the network's input size).</param>
/// <param name="EvalY">Their targets y* (rows of m).</param>
/// <param name="EvalX">Their x* where known (rows of n), else null.</param>
/// <param name="Methods">The methods this example runs by default, with their settings.</param>
public sealed record TrainingExample(
    string Name, string Description, DenseNetwork Network, IDifferentiableProblem Physics, BatchSampler Sampler,
    double[] EvalZ, double[] EvalY, double[]? EvalX, IReadOnlyList<TrainingSettings> Methods)
{
    /// <summary>The name, the description and the methods it runs.</summary>
    public override string ToString() =>
        $"{Name}: {Description} (methods {string.Join(", ", Methods.Select(m => m.ShortName))}; {NumberText.Count(EvalZ.Length, "evaluation value")})";

    /// <summary>The settings this example uses for <paramref name="method"/> (its tuned rate and batch).</summary>
    /// <exception cref="SymbolicException">The example has no settings for the method (ErrorKind.Invalid).</exception>
    public TrainingSettings SettingsFor(TrainingMethod method) =>
        Methods.FirstOrDefault(m => m.Method == method)
        ?? throw new SymbolicException(ErrorKind.Invalid,
            $"The {Name} example has no settings for {TrainingSettings.NameOf(method)}; it runs {string.Join(", ", Methods.Select(m => m.ShortName))}.");

    /// <summary>
    /// The example's parameters by name: the HIG toy's scaling, <c>{ ["λ"] = 0.01 }</c>; empty for an example without any.
    /// With <see cref="Name"/> they tell one example from another: two HIG toys of different λ are different examples,
    /// and neither takes the other's choices (<see cref="TrainingChoice.Example"/>, <see cref="TrainingChoice.ExampleParameters"/>).
    /// </summary>
    public IReadOnlyDictionary<string, double> Parameters { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, double>.Empty;

    /// <summary>The example's name and parameters, which its choices and runs carry.</summary>
    internal TrainingExampleKey Key => new(Name, Parameters);

    /// <summary>The example's methods with their tuned settings, as façade choices (the order of <see cref="Methods"/>).</summary>
    public IReadOnlyList<TrainingChoice> Choices => [.. Methods.Select(m => new TrainingChoice(m, Key))];

    /// <summary>The example's choice for the method named <paramref name="name"/> (gd, adam, gn, hig, sip-ig, sip-pg).</summary>
    /// <exception cref="SymbolicException">An unknown method name, or one the example has no settings for (ErrorKind.Invalid).</exception>
    public TrainingChoice ChoiceFor(string name) => new(SettingsFor(Training.ParseMethod(name)), Key);
}

/// <summary>
/// Which example a choice or run was made for: its name and parameters (<see cref="TrainingExample.Parameters"/>). A name
/// alone had let a choice made for the HIG toy at λ = 0.01 pass for one at λ = 1.
/// </summary>
/// <param name="Name">The example's name.</param>
/// <param name="Parameters">Its parameters by name.</param>
internal sealed record TrainingExampleKey(string Name, IReadOnlyDictionary<string, double> Parameters)
{
    /// <summary>The first parameter (in ordinal order of names) whose value differs in <paramref name="other"/>, or that one of
    /// the two lacks; null when the two agree in every parameter.</summary>
    private string? DifferingParameter(TrainingExampleKey other) =>
        Parameters.Keys.Union(other.Parameters.Keys).Order(StringComparer.Ordinal)
            .FirstOrDefault(k => !(Parameters.TryGetValue(k, out var a) && other.Parameters.TryGetValue(k, out var b) && a.Equals(b)));

    private string ValueOf(string parameter) =>
        Parameters.TryGetValue(parameter, out var v) ? $"{parameter} = {NumberText.RoundTrip(v)}" : $"no {parameter}";

    /// <summary>
    /// How this example differs from <paramref name="other"/>, for a refusal: <c>the hig-toy example, and this is exp</c>
    /// (<paramref name="otherIs"/> = <c>this is</c>), <c>the hig-toy example with λ = 0.01, and this is hig-toy with λ = 1</c>;
    /// null when they are the same example.
    /// </summary>
    public string? Against(TrainingExampleKey other, string otherIs) =>
        Name != other.Name ? $"the {Name} example, and {otherIs} {other.Name}"
        : DifferingParameter(other) is { } p ? $"the {Name} example with {ValueOf(p)}, and {otherIs} {other.Name} with {other.ValueOf(p)}"
        : null;
}

/// <summary>
/// One training method with its settings, as the façade hands it out: read its name and numbers, change
/// the rate, batch size or τ, and pass it to <see cref="Training.Run(TrainingExample, IReadOnlyList{TrainingChoice}, int, int?, TimeSpan?, IProgress{ValueTuple{int, double}}?)"/>.
/// It keeps the learning layer's settings record out of callers' sight, so a caller depends on the façade only.
/// </summary>
public sealed class TrainingChoice
{
    internal TrainingChoice(TrainingSettings settings, TrainingExampleKey? example) => (Settings, Made) = (settings, example);

    /// <summary>The settings this choice stands for.</summary>
    internal TrainingSettings Settings { get; }

    /// <summary>
    /// The name of the example the choice was made for (<see cref="TrainingExample.Name"/>): its rate, batch size and τ
    /// were tuned for that example, and <see cref="Training.Run(TrainingExample, IReadOnlyList{TrainingChoice}, int, int?, TimeSpan?, IProgress{ValueTuple{int, double}}?)"/>
    /// refuses it for another, also for an example of the same name with other parameters (<see cref="ExampleParameters"/>).
    /// Null for the choice of a run made from a training history by hand, which names no example.
    /// </summary>
    public string? Example => Made?.Name;

    /// <summary>The parameters of the example the choice was made for (<see cref="TrainingExample.Parameters"/>: the HIG toy's λ);
    /// empty for an example without any, and for a choice that names no example.</summary>
    public IReadOnlyDictionary<string, double> ExampleParameters => Made?.Parameters ?? System.Collections.ObjectModel.ReadOnlyDictionary<string, double>.Empty;

    /// <summary>The example the choice was made for, by name and parameters; null when it names none.</summary>
    internal TrainingExampleKey? Made { get; }

    /// <summary>The method's short name: gd, adam, gn, hig, sip-ig or sip-pg.</summary>
    public string Name => Settings.ShortName;

    /// <summary>η (for SIP, the network optimiser's rate).</summary>
    public double LearningRate => Settings.LearningRate;

    /// <summary>B, the samples per step.</summary>
    public int BatchSize => Settings.BatchSize;

    /// <summary>True for the methods that truncate singular values with τ (Gauss–Newton and HIG).</summary>
    public bool UsesTau => Settings.Method is TrainingMethod.GaussNewton or TrainingMethod.Hig;

    /// <summary>The settings as text, as <see cref="Training.Describe"/> writes them: <c>η=0.1, B=256, τ=1e-06</c>.</summary>
    public string Description => Training.Describe(Settings);

    /// <summary>The largest batch size <see cref="WithBatchSize"/> takes (and the CLI's <c>--batch</c>).</summary>
    public const int MaxBatchSize = 100000;

    /// <summary>The same choice with rate <paramref name="rate"/>.</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) <paramref name="rate"/> is not a positive
    /// finite number (a zero rate never moves θ, a negative one climbs the loss), naming <c>rate</c> and the value.</exception>
    public TrainingChoice WithLearningRate(double rate)
    {
        if (UserNumbers.NotPositive(rate) is { } wrong)
            throw new SymbolicException(ErrorKind.Invalid,
                $"The learning rate 'rate' of {nameof(WithLearningRate)} must be a positive, finite number, and {NumberText.RoundTrip(rate)} {wrong}: " +
                $"give e.g. {nameof(WithLearningRate)}({NumberText.RoundTrip(Settings.LearningRate)}), {Name}'s rate in this example.");
        return new(Settings with { LearningRate = rate }, Made);
    }

    /// <summary>The same choice with batch size <paramref name="batch"/>, from 1 to <see cref="MaxBatchSize"/>.</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) <paramref name="batch"/> outside that range
    /// (<see cref="BatchSizeRefusal"/>), naming <c>batch</c> and the value.</exception>
    public TrainingChoice WithBatchSize(int batch)
    {
        if (BatchSizeRefusal($"The batch size 'batch' of {nameof(WithBatchSize)}", batch) is { } wrong)
            throw new SymbolicException(ErrorKind.Invalid, wrong);
        return new(Settings with { BatchSize = batch }, Made);
    }

    /// <summary>
    /// Why <paramref name="batch"/> is no batch size (samples per step, from 1 to <see cref="MaxBatchSize"/>), naming
    /// <paramref name="option"/> as given (<c>--batch</c> in the CLI); null when it is one. One bound for the API and the CLI.
    /// </summary>
    public static string? BatchSizeRefusal(string option, int batch) =>
        batch is >= 1 and <= MaxBatchSize ? null : $"{option} must be between 1 and {MaxBatchSize}, not {batch}.";

    /// <summary>The same choice with relative truncation <paramref name="tau"/>, in [0, 1) (GN and HIG only: <see cref="UsesTau"/>).</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) A method without τ (<see cref="UsesTau"/> false: gd,
    /// adam and SIP have no SVD to truncate), or <paramref name="tau"/> outside [0, 1) (<see cref="Training.TauRefusal"/>: τ ≥ 1
    /// drops every singular value, a negative τ none), naming <c>tau</c> and the value.</exception>
    public TrainingChoice WithTau(double tau)
    {
        if (!UsesTau)
            throw new SymbolicException(ErrorKind.Invalid,
                $"{Name} has no τ: {nameof(WithTau)} sets the truncation of the SVD that gn and hig take, and {Name} takes none; " +
                $"call it on gn or hig only ({nameof(UsesTau)} says which), and leave {Name} as it is.");
        if (OptionRanges.Tau($"The truncation 'tau' of {nameof(WithTau)}", tau, Settings.Method == TrainingMethod.GaussNewton ? -1 : -0.5,
                written: nameof(WithTau) + "({0})") is { } wrong)
            throw new SymbolicException(ErrorKind.Invalid, wrong);
        return new(Settings with { Tau = tau }, Made);
    }

    /// <summary>The name and the settings in words (<see cref="Description"/>).</summary>
    public override string ToString() => $"{Name} ({Description})";
}

/// <summary>One recorded point of a training run.</summary>
/// <param name="Step">Steps taken.</param>
/// <param name="Seconds">Training wall-clock time so far (evaluations excluded).</param>
/// <param name="Loss">The mean loss L̄ on the evaluation set.</param>
/// <param name="XError">The mean ½‖x − x*‖² on the evaluation set where x* is known, else NaN.</param>
public readonly record struct TrainingRunPoint(int Step, double Seconds, double Loss, double XError);

/// <summary>One training run as the façade reports it: what ran, from which seed, and its recorded points.</summary>
public sealed class TrainingRun
{
    /// <summary>A run of a history made by hand (no example named: <see cref="TrainingChoice.Example"/> is null).</summary>
    internal TrainingRun(TrainingHistory history) : this(history, null) { }

    internal TrainingRun(TrainingHistory history, TrainingExampleKey? example)
    {
        History = history;
        Choice = new TrainingChoice(history.Settings, example);
        Points = [.. history.Points.Select(p => new TrainingRunPoint(p.Step, p.Seconds, p.Loss, p.XError))];
    }

    /// <summary>The learning layer's history this run wraps.</summary>
    internal TrainingHistory History { get; }

    /// <summary>What ran.</summary>
    public TrainingChoice Choice { get; }

    /// <summary>The seed of the initialisation and the batches.</summary>
    public int Seed => History.Seed;

    /// <summary>True when the loss or θ became non-finite (the run stopped there), or the loss rose far above its start (RELIABILITY.md, "Stop reasons").</summary>
    public bool Diverged => History.Diverged;

    /// <summary>What ended the run: <c>StepLimit</c>, <c>TimeLimit</c>, <c>Diverged</c>, <c>SolverFailed</c>,
    /// <c>LeftDomain</c> (a step took a sample outside the physics' domain; the run keeps its last recorded
    /// point before that step, and <see cref="StopDetail"/> names the step and the failing condition) or <c>Cancelled</c>.</summary>
    public string Stop => History.Stop;

    /// <summary>The stop in words.</summary>
    public string StopDetail => History.StopDetail;

    /// <summary>What ended the run, in words: <c>step limit</c>, <c>time limit</c>, <c>diverged</c>, <c>solver failed</c>,
    /// <c>left the domain</c> or <c>cancelled</c> (<see cref="Stop"/> is the code).</summary>
    public string StopWords => History.StopWords;

    /// <summary>The stop for display at one level, <c>diverged: the loss became non-finite at step 12</c>
    /// (the reason alone when there is no detail).</summary>
    public string StopText => ExitReason.Text(StopWords, StopDetail);

    /// <summary>Whether the run failed (<see cref="Diverged"/>, a solver in a step did not converge, or a step left the domain).</summary>
    public bool Failed => Diverged || Stop is "SolverFailed" or "LeftDomain";

    /// <summary>Whether the final loss is above the start's without the run having failed.</summary>
    public bool LossRose => History.LossRose;

    /// <summary>SIP-PG steps whose inverse found no preimage and fell back to J_b⁺ (0 otherwise).</summary>
    public long Fallbacks => History.Fallbacks;

    /// <summary>The recorded points, the first at step 0, the last at the end.</summary>
    public IReadOnlyList<TrainingRunPoint> Points { get; }

    /// <summary>The last recorded point.</summary>
    public TrainingRunPoint Final => Points[^1];

    /// <summary>The median time of one of this run's steps, in ms (<see cref="Training.MedianStepMilliseconds"/>); NaN when it took no step.</summary>
    public double MillisecondsPerStep => Training.MedianStepMilliseconds([Points]);

    /// <summary><c>gd (…), seed 1: final loss 0.0123 after 200 steps, TimeLimit (…)</c>.</summary>
    public override string ToString() =>
        $"{Choice}, seed {Seed}: final loss {NumberText.Short(Final.Loss, 4)} after {NumberText.Count(Final.Step, "step")}, {StopText}" +
        (Fallbacks > 0 ? $", {NumberText.Count(Fallbacks, "fallback")}" : "");
}

/// <summary>
/// One method's runs over several seeds, summarised (<see cref="Training.Summarize"/>): the median, least
/// and largest final evaluation loss, the median x-error where x* is known, the median step count and the
/// training wall time per step.
/// </summary>
/// <param name="Choice">The method and its settings (runs of the same name and settings are grouped).</param>
/// <param name="Seeds">The seeds summarised, in run order.</param>
/// <param name="MedianLoss">The median final loss L̄; a diverged run counts as +∞ (so the median is +∞ when half or more diverged).</param>
/// <param name="MinLoss">The least final loss over the seeds.</param>
/// <param name="MaxLoss">The largest final loss over the seeds (+∞ when one diverged).</param>
/// <param name="MedianXError">The median final ½‖x − x*‖² where the example knows x*, else NaN.</param>
/// <param name="MedianSteps">The median number of steps taken.</param>
/// <param name="MillisecondsPerStep">The median time of one step over every step of the seeds' runs, in ms (<see cref="Training.MedianStepMilliseconds"/>; evaluations excluded).</param>
/// <param name="Diverged">How many of the runs diverged.</param>
public sealed record TrainingSummary(
    TrainingChoice Choice, IReadOnlyList<int> Seeds, double MedianLoss, double MinLoss, double MaxLoss,
    double MedianXError, double MedianSteps, double MillisecondsPerStep, int Diverged)
{
    /// <summary><c>gd (lr 0.001) over 3 seeds: median loss 0.0123 [0.01, 0.02], 0 diverged</c>.</summary>
    public override string ToString() =>
        $"{Choice} over {NumberText.Count(Seeds.Count, "seed")}: median loss {NumberText.Short(MedianLoss, 4)} [{NumberText.Short(MinLoss, 4)}, {NumberText.Short(MaxLoss, 4)}], " +
        $"median steps {NumberText.Short(MedianSteps, 4)}, median {NumberText.Short(MillisecondsPerStep, 3)} ms per step, {Diverged} diverged";
}

/// <summary>
/// Training networks through physics with GD, Adam, Gauss–Newton, HIG and SIP (docs/theory.md §6), and the
/// reference experiments: the HIG toy with the scaling λ and SIP on y = eˣ. How each method's step is
/// normalised by the batch size is stated on <see cref="PhysicsTrainer"/>: every method works on the
/// mean loss over the batch.
/// </summary>
/// <example>
/// <code>
/// var example = Training.HigToy(lambda: 0.01);
/// var runs = Training.Run(example, example.Methods, seed: 1, steps: null, time: TimeSpan.FromSeconds(5));
/// Training.SavePlots(runs, "out", example.Description);
/// </code>
/// </example>
public static class Training
{
    /// <summary>The example names <see cref="Example"/> accepts.</summary>
    public static IReadOnlyList<string> ExampleNames { get; } = ["hig-toy", "oscillators", "exp"];

    /// <summary>The method names <see cref="ParseMethod"/> accepts.</summary>
    public static IReadOnlyList<string> MethodNames { get; } = ["gd", "adam", "gn", "hig", "sip-ig", "sip-pg"];

    /// <summary>
    /// Why <paramref name="tau"/> is no relative truncation for GN and HIG (σ ≤ τ·σ_max dropped; in [0, 1)), said
    /// for that value and naming <paramref name="option"/> as given; null when it is one. Both rules' κ (−1, −½)
    /// are negative, so a zero singular value kept by a negative τ is infinite in either.
    /// </summary>
    public static string? TauRefusal(string option, double tau) => OptionRanges.Tau(option, tau, kappa: -0.5, written: option + " {0}");

    // Names near a method's that are suggested as it ("sipp" is one letter from "sip", taken for sip-pg).
    private static readonly Dictionary<string, string> MethodAliases = new() { ["sip"] = "sip-pg" };

    /// <summary>An example by name; <paramref name="lambda"/> is the HIG toy's scaling (ignored by exp).</summary>
    /// <exception cref="SymbolicException">An unknown name, or λ not finite and non-zero (ErrorKind.Invalid).</exception>
    public static TrainingExample Example(string name, double lambda = 1) => name switch
    {
        "hig-toy" => HigToy(lambda),
        "oscillators" => Oscillators(),
        "exp" => Exponential(),
        _ => throw new SymbolicException(ErrorKind.Invalid, $"Unknown example '{name}'{MethodCatalog.DidYouMean(name, ExampleNames)}; the examples are {string.Join(", ", ExampleNames)}."),
    };

    /// <summary>A method by its short name (gd, adam, gn, hig, sip-ig, sip-pg).</summary>
    /// <exception cref="SymbolicException">An unknown name, or "sip", which is either SIP method (ErrorKind.Invalid).</exception>
    public static TrainingMethod ParseMethod(string name) => name.Trim().ToLowerInvariant() switch
    {
        // Two methods are SIP: the name alone once ran sip-pg without saying so.
        "sip" => throw new SymbolicException(ErrorKind.Invalid,
            "'sip' names two methods: sip-ig (SIP with the inverse gradient) and sip-pg (SIP with the physical gradient); name one of them, or both (sip-ig,sip-pg)."),
        "gd" => TrainingMethod.GradientDescent,
        "adam" => TrainingMethod.Adam,
        "gn" => TrainingMethod.GaussNewton,
        "hig" => TrainingMethod.Hig,
        "sip-ig" => TrainingMethod.SipInverseGradient,
        "sip-pg" => TrainingMethod.SipPhysicalGradient,
        _ => throw new SymbolicException(ErrorKind.Invalid, $"Unknown method '{name}'{MethodCatalog.DidYouMean(name.Trim(), MethodNames, MethodAliases)}; the methods are {string.Join(", ", MethodNames)}."),
    };

    /// <summary>
    /// The HIG toy (the book's chapter on half-inverse gradients): z ∈ [−1, 1] uniform, target
    /// ŷ(z) = (sin 6z, cos 9z), a network 1 → 7 tanh → 2 linear (30 parameters), physics
    /// P(x) = (x₀, λ·x₁), loss per sample ½(y₀ − ŷ₀)² + ½(y₁ − ŷ₁)² = ½(x₀ − ŷ₀)² + ½(λx₁ − ŷ₁)².
    /// Evaluation on 256 evenly spaced z. Settings (BENCHMARKS.md, "Outcomes over seeds"): batch 256 for
    /// every method; Adam rate 0.01 (at 0.03, 2 of 5 seeds saturate within the first few hundred steps and
    /// stay at L̄ ≈ 0.46 for either λ; 0.01 ends lower than 0.03 and 0.003 at both λ over 5 seeds);
    /// GN η = 0.1, τ = 10⁻³ (theory §6's default: at τ = 10⁻⁶ GN's step −η𝒥⁺g follows singular values near
    /// 10⁻⁶σ_max and its loss leapt 10⁶-fold in its first 4 steps at λ = 1, seeds 1 and 4 of 5, so that the
    /// plain <c>physgrad train</c> failed; at 10⁻³ no seed of 5 diverged at λ = 1 or 0.01, BENCHMARKS.md);
    /// HIG η = 0.1, τ = 10⁻⁶ (τ = 10⁻³ drops the directions that move the λ-scaled output at λ = 0.01); GD rate 0.1.
    /// </summary>
    /// <exception cref="SymbolicException">λ not finite or zero (ErrorKind.Invalid).</exception>
    public static TrainingExample HigToy(double lambda = 1)
    {
        if (!double.IsFinite(lambda) || lambda == 0)
            throw new SymbolicException(ErrorKind.Invalid, $"λ must be a finite non-zero number; got {lambda.ToString(CultureInfo.InvariantCulture)}.");
        var l = lambda.ToString("R", CultureInfo.InvariantCulture);
        var physics = new ProblemDefinition(["x0", "x1"], ["x0", $"{l}*x1"], null, [0.0, 0.0], [0.0, 0.0]).Compile();
        var network = DenseNetwork.Mlp(1, [7], 2, Activation.Tanh);
        const int count = 256;
        var evalZ = new double[count];
        var evalY = new double[2 * count];
        for (var k = 0; k < count; k++)
        {
            evalZ[k] = -1 + 2.0 * k / (count - 1);
            evalY[2 * k] = Math.Sin(6 * evalZ[k]);
            evalY[2 * k + 1] = Math.Cos(9 * evalZ[k]);
        }
        void Sample(Random random, int batch, double[] z, double[] y)
        {
            for (var b = 0; b < batch; b++)
            {
                z[b] = 2 * random.NextDouble() - 1;
                y[2 * b] = Math.Sin(6 * z[b]);
                y[2 * b + 1] = Math.Cos(9 * z[b]);
            }
        }
        TrainingSettings[] methods =
        [
            new(TrainingMethod.Adam, 0.01, 256),
            new(TrainingMethod.GaussNewton, 0.1, 256, Tau: 1e-3),
            new(TrainingMethod.Hig, 0.1, 256, Tau: 1e-6),
            new(TrainingMethod.GradientDescent, 0.1, 256),
        ];
        return new TrainingExample("hig-toy",
            $"HIG toy, λ = {l}: 1→7 tanh→2, P(x) = (x0, λ·x1), ŷ = (sin 6z, cos 9z)",
            network, physics, Sample, evalZ, evalY, null, methods)
        { Parameters = new Dictionary<string, double> { ["λ"] = lambda }.AsReadOnly() };
    }

    /// <summary>
    /// The coupled oscillators of the book's HIG notebook: two oscillators with coupling 0.2
    /// (<see cref="ReferenceSimulators.Oscillators"/>), 24 classical RK4 steps of dt = 0.5, control u_t on
    /// the last oscillator's velocity during step t. The network 4 → 20 tanh → 20 tanh → 20 tanh → 24
    /// (1,444 parameters) maps an initial state s₀ to the 24 controls, and the controls should bring the
    /// system back to s₀. 4,096 initial states uniform in [0, 1)⁴ (drawn once, seed 0) are the training
    /// set and, as in the notebook, also the evaluation set; batches are drawn from them at random.
    /// <para>RK4 on a linear ODE is linear: the end state is Φ s₀ + Γ u. The traced simulator from a zero
    /// start is P(u) = Γ u (the physics every method sees, with J = Γ), and Φ comes from running the same
    /// simulator with zero controls from each unit state; the target of sample b is y*_b = s₀ − Φ s₀, so
    /// ½‖P(u) − y*_b‖² = ½‖Φ s₀ + Γ u − s₀‖², exactly the notebook's error. Its loss is the per-sample SUM
    /// of squares, so its numbers are 2·L̄.</para>
    /// <para>Settings (the notebook's, translated to PhysGrad's mean-loss normalisation, see
    /// <see cref="PhysicsTrainer"/>): HIG batch 32, τ = 10⁻¹⁰, η = 0.15 (the notebook's SGD rate 1 on
    /// 2/B of its step is η = 2·B^(−3/4) ≈ 0.149 here); Adam 10⁻³, batch 256; SIP-IG: per-sample J⁺ with
    /// rcond 10⁻⁵, the full step Δy = y* − y, then Adam 10⁻³ on the proxy loss, batch 256 (the notebook
    /// takes 2/B of the J⁺ step; Adam is nearly invariant to that scale); GD (not run by default) 0.1, batch 256.</para>
    /// </summary>
    public static TrainingExample Oscillators()
    {
        const int steps = 24, samples = 4096;
        var start = new double[4];
        var problem = PhysicsProblem.Trace(steps, u => ReferenceSimulators.Oscillators(u, start), target: new double[4], start: new double[steps]);
        // Φ column by column: the simulator from unit state e_k with zero controls.
        var phi = new double[4, 4];
        var zero = Enumerable.Repeat(Scalar.Constant(0), steps).ToArray();
        for (var k = 0; k < 4; k++)
        {
            var unit = new double[4];
            unit[k] = 1;
            var end = ReferenceSimulators.Oscillators(zero, unit);
            for (var i = 0; i < 4; i++) phi[i, k] = Evaluate.At([], [], end[i].Expr);
        }
        var random = new Random(0);
        var states = new double[samples * 4];
        for (var k = 0; k < states.Length; k++) states[k] = random.NextDouble();
        var targets = new double[samples * 4];
        for (var b = 0; b < samples; b++)
            for (var i = 0; i < 4; i++)
            {
                var s = states[b * 4 + i];
                for (var k = 0; k < 4; k++) s -= phi[i, k] * states[b * 4 + k];
                targets[b * 4 + i] = s;
            }
        void Sample(Random r, int batch, double[] z, double[] y)
        {
            for (var b = 0; b < batch; b++)
            {
                var pick = r.Next(samples);
                Array.Copy(states, pick * 4, z, b * 4, 4);
                Array.Copy(targets, pick * 4, y, b * 4, 4);
            }
        }
        var network = DenseNetwork.Mlp(4, [20, 20, 20], steps, Activation.Tanh);
        TrainingSettings[] methods =
        [
            new(TrainingMethod.Hig, 0.15, 32, Tau: 1e-10),
            new(TrainingMethod.Adam, 1e-3, 256),
            new(TrainingMethod.SipInverseGradient, 1e-3, 256, Rcond: 1e-5),
            new(TrainingMethod.GradientDescent, 0.1, 256),
        ];
        return new TrainingExample("oscillators",
            "Coupled oscillators (RK4 24×0.5): 4→20→20→20 tanh→24; book's loss = 2·L̄",
            network, problem.Compiled, Sample, states, targets, null, methods);
    }

    /// <summary>
    /// SIP on y = eˣ (the SIP paper's first example): x* ∈ [−12, 0] uniform, the network 1 → 16 tanh →
    /// 16 tanh → 1 maps z = y* = e^(x*) to x, loss ½(eˣ − y*)²; the evaluation set is 256 evenly spaced
    /// x* with their y*, and ½(x − x*)² is recorded beside the loss. SIP-PG uses the derived closed-form
    /// inverse x = log y (η = 1: Δx = log y* − x). Settings: batch 64; Adam rate 10⁻³; SIP with Adam
    /// rate 10⁻³ on the proxy loss; GD rate 0.1.
    /// </summary>
    public static TrainingExample Exponential()
    {
        var physics = new ProblemDefinition(["x0"], ["exp(x0)"], null, [1.0], [0.0]).Compile();
        var network = DenseNetwork.Mlp(1, [16, 16], 1, Activation.Tanh);
        const int count = 256;
        var evalZ = new double[count];
        var evalY = new double[count];
        var evalX = new double[count];
        for (var k = 0; k < count; k++)
        {
            evalX[k] = -12 + 12.0 * k / (count - 1);
            evalY[k] = evalZ[k] = Math.Exp(evalX[k]);
        }
        void Sample(Random random, int batch, double[] z, double[] y)
        {
            for (var b = 0; b < batch; b++) z[b] = y[b] = Math.Exp(-12 * random.NextDouble());
        }
        TrainingSettings[] methods =
        [
            new(TrainingMethod.Adam, 1e-3, 64),
            new(TrainingMethod.SipPhysicalGradient, 1e-3, 64),
            new(TrainingMethod.SipInverseGradient, 1e-3, 64),
            new(TrainingMethod.GradientDescent, 0.1, 64),
        ];
        return new TrainingExample("exp", "SIP on y = exp(x): 1→16 tanh→16 tanh→1, z = y* ∈ [e⁻¹², 1]",
            network, physics, Sample, evalZ, evalY, evalX, methods);
    }

    /// <summary>The steps of the untimed warm-up run before each timed one (<see cref="TrainingHistory.WarmUpSeconds"/>).</summary>
    internal const int WarmUpSteps = 2;

    /// <summary>
    /// Trains <paramref name="example"/>'s network once per method in <paramref name="methods"/> from the
    /// same seed, each for <paramref name="steps"/> steps or <paramref name="time"/> of training time
    /// (whichever first), each after an untimed warm-up run of 2 steps that is thrown away (its time is the
    /// run's <see cref="TrainingHistory.WarmUpSeconds"/>), so no run's time holds JIT compilation.
    /// <paramref name="progress"/> gets (method index, fraction done).
    /// </summary>
    /// <exception cref="SymbolicException">Neither a step count nor a time given, or one not positive (ErrorKind.Invalid).</exception>
    public static IReadOnlyList<TrainingHistory> Run(
        TrainingExample example, IReadOnlyList<TrainingSettings> methods, int seed, int? steps, TimeSpan? time,
        IProgress<(int Method, double Done)>? progress = null)
    {
        RunArguments.RequireSome(methods.Count, nameof(methods), "method", "nothing would be trained", " (the example's Methods, or a ChoiceFor of one of them)");
        if (steps is null && time is null) throw new SymbolicException(ErrorKind.Invalid, "Give a number of steps or a time budget.");
        if (steps is <= 0) throw new SymbolicException(ErrorKind.Invalid, $"The number of steps must be positive; got {steps}.");
        if (time is { } t && !(t > TimeSpan.Zero)) throw new SymbolicException(ErrorKind.Invalid, "The time budget must be positive.");
        var trainer = new PhysicsTrainer(example.Network, example.Physics, example.Sampler);
        var runs = new List<TrainingHistory>();
        for (var i = 0; i < methods.Count; i++)
        {
            var index = i;
            var p = progress is null ? null : new Progress(d => progress.Report((index, d)));
            // An untimed warm-up first: WarmUpSteps steps of the same settings and seed, thrown away, so the
            // JIT compilation of this method's code paths is not in the timed run (a method's first seed
            // took 5.48 ms/step against 0.05 for its other seeds, and its loss-time curve lay to the right).
            var clock = System.Diagnostics.Stopwatch.StartNew();
            trainer.Train(methods[i], seed, WarmUpSteps, null, example.EvalZ, example.EvalY, example.EvalX);
            var warmUp = clock.Elapsed.TotalSeconds;
            runs.Add(trainer.Train(methods[i], seed, steps, time, example.EvalZ, example.EvalY, example.EvalX, progress: p) with { WarmUpSeconds = warmUp });
        }
        return runs;
    }

    /// <summary>
    /// <see cref="Run(TrainingExample, IReadOnlyList{TrainingSettings}, int, int?, TimeSpan?, IProgress{ValueTuple{int, double}}?)"/>
    /// for façade choices (<see cref="TrainingExample.Choices"/>, <see cref="TrainingExample.ChoiceFor"/>): the same runs, reported as <see cref="TrainingRun"/>.
    /// </summary>
    /// <exception cref="SymbolicException">Neither a step count nor a time given, or one not positive; no choice; or a choice
    /// made for another example (<see cref="TrainingChoice.Example"/>), also one of the same name with other parameters
    /// (<see cref="TrainingChoice.ExampleParameters"/>: the HIG toy at another λ), whose settings were tuned for that one (ErrorKind.Invalid),
    /// naming the parameter and both values.</exception>
    public static IReadOnlyList<TrainingRun> Run(
        TrainingExample example, IReadOnlyList<TrainingChoice> choices, int seed, int? steps, TimeSpan? time,
        IProgress<(int Method, double Done)>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(choices);
        for (var i = 0; i < choices.Count; i++)
        {
            var choice = choices[i] ?? throw new ArgumentNullException(nameof(choices), $"'choices' holds null at index {i}: pass choices of this example.");
            if (choice.Made?.Against(example.Key, "this is") is { } other)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"choices[{i}] ({choice}) was made for {other}: its settings were tuned for that one. " +
                    $"Take the choices from this example ({nameof(TrainingExample.Choices)}, or {nameof(TrainingExample.ChoiceFor)}(\"{choice.Name}\"); it runs " +
                    $"{string.Join(", ", example.Methods.Select(m => m.ShortName))}) and set the rate, batch size or τ on those " +
                    $"({nameof(TrainingChoice.WithLearningRate)}, {nameof(TrainingChoice.WithBatchSize)}, {nameof(TrainingChoice.WithTau)}).");
        }
        return [.. Run(example, [.. choices.Select(c => c.Settings)], seed, steps, time, progress).Select(h => new TrainingRun(h, example.Key))];
    }

    /// <summary>
    /// Groups <paramref name="runs"/> by method and settings (in order of first appearance) and summarises
    /// each group over its seeds (<see cref="TrainingSummary"/>). The median of an even count is the mean
    /// of the two middle values; a diverged run's loss counts as +∞, so a median is never pulled down by
    /// a run that broke off early.
    /// </summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) Runs of different examples (<see cref="TrainingChoice.Example"/>,
    /// <see cref="TrainingChoice.ExampleParameters"/>), whose runs of one method would be summarised as seeds of one.</exception>
    public static IReadOnlyList<TrainingSummary> Summarize(IReadOnlyList<TrainingRun> runs)
    {
        RequireOneExample(runs, "summarise");
        var groups = new List<List<TrainingRun>>();
        foreach (var run in runs)
        {
            var group = groups.FirstOrDefault(g => g[0].Choice.Settings == run.Choice.Settings);
            if (group is null) groups.Add([run]);
            else group.Add(run);
        }
        return [.. groups.Select(g =>
        {
            double Loss(TrainingRun r) => r.Diverged || !double.IsFinite(r.Final.Loss) ? double.PositiveInfinity : r.Final.Loss;
            var losses = g.Select(Loss).ToArray();
            var xErrors = g.Select(r => r.Diverged ? double.PositiveInfinity : r.Final.XError).ToArray();
            return new TrainingSummary(g[0].Choice, [.. g.Select(r => r.Seed)], Median(losses), losses.Min(), losses.Max(),
                xErrors.Any(double.IsNaN) ? double.NaN : Median(xErrors), Median([.. g.Select(r => (double)r.Final.Step)]),
                MedianStepMilliseconds([.. g.Select(r => r.Points)]), g.Count(r => r.Diverged));
        })];
    }

    /// <summary>
    /// The median time of one training step, in ms, over every step of <paramref name="runs"/> (one run's
    /// points, or several seeds' together). A run is timed in stretches, between two recorded points (every
    /// 10 steps, or 1/200 of a time budget), so each step counts at its stretch's mean time; the median of
    /// those per-step times is the middle one, the mean of the two middle ones for an even number of steps.
    /// Unlike the mean Σ seconds / Σ steps it is not moved by the one-off warm-up of a process's first steps
    /// (JIT compilation: the first step of the first seed took 50–175 ms against 0.4–4 ms later, a third
    /// of a 1 s budget), which lies in the first stretch. NaN when no step was taken.
    /// </summary>
    /// <param name="runs">Each run's recorded points, in order of step (the first at step 0).</param>
    public static double MedianStepMilliseconds(IReadOnlyList<IReadOnlyList<TrainingRunPoint>> runs) =>
        1000 * MedianStepSeconds(runs.Select(r => r.Select(p => (p.Step, p.Seconds))));

    /// <summary>The median step time in seconds, <see cref="MedianStepMilliseconds"/> over (step, seconds) points.</summary>
    internal static double MedianStepSeconds(IEnumerable<IEnumerable<(int Step, double Seconds)>> runs)
    {
        var stretches = new List<(double PerStep, long Steps)>();
        foreach (var run in runs)
        {
            (int Step, double Seconds)? previous = null;
            foreach (var p in run)
            {
                if (previous is { } a && p.Step > a.Step && double.IsFinite(p.Seconds - a.Seconds))
                    stretches.Add(((p.Seconds - a.Seconds) / (p.Step - a.Step), p.Step - a.Step));
                previous = p;
            }
        }
        var total = stretches.Sum(s => s.Steps);
        if (total == 0) return double.NaN;
        stretches.Sort((u, v) => u.PerStep.CompareTo(v.PerStep));
        // The per-step time of the step at (0-based) position i in sorted order.
        double At(long i)
        {
            foreach (var (perStep, steps) in stretches)
            {
                if (i < steps) return perStep;
                i -= steps;
            }
            return stretches[^1].PerStep;
        }
        return total % 2 == 1 ? At(total / 2) : (At(total / 2 - 1) + At(total / 2)) / 2;
    }

    /// <summary>
    /// The one-off warm-up of a run's first stretch (its first recorded step after step 0), in seconds: the
    /// time that stretch took beyond its steps at the run's median step time (<see cref="MedianStepSeconds"/>),
    /// 0 when it took no longer. The train plots' time axis leaves it out (every later point moves left by it).
    /// </summary>
    internal static double WarmUpSeconds(TrainingHistory run)
    {
        var first = run.Points.Skip(1).FirstOrDefault(p => p.Step > run.Points[0].Step);
        if (run.Points.Count < 2 || first.Step <= run.Points[0].Step) return 0;
        var median = MedianStepSeconds([run.Points.Select(p => (p.Step, p.Seconds))]);
        var excess = first.Seconds - run.Points[0].Seconds - (first.Step - run.Points[0].Step) * median;
        return double.IsFinite(excess) && excess > 0 ? excess : 0;
    }

    /// <summary>The median (the mean of the two middle values for an even count) of values without NaN.</summary>
    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        var mid = sorted.Length / 2;
        if (sorted.Length % 2 == 1) return sorted[mid];
        // (a + b)/2 with a = b = +∞ is +∞; with one infinite the middle is infinite too.
        return sorted[mid - 1] / 2 + sorted[mid] / 2;
    }

    /// <summary><see cref="SavePlots(IReadOnlyList{TrainingHistory}, string, string)"/> for the façade's runs.</summary>
    /// <exception cref="SymbolicException">(<see cref="ErrorKind.Invalid"/>) No run, or runs of different examples (<see cref="TrainingChoice.Example"/>,
    /// <see cref="TrainingChoice.ExampleParameters"/>), whose curves would be drawn as of one.</exception>
    public static IReadOnlyList<string> SavePlots(IReadOnlyList<TrainingRun> runs, string directory, string title)
    {
        RequireOneExample(runs, "draw");
        return SavePlots([.. runs.Select(r => r.History)], directory, title);
    }

    // Runs of one example (by name and parameters), naming the first run of another and what differs; runs that name no
    // example (made from a history by hand) are not compared.
    private static void RequireOneExample(IReadOnlyList<TrainingRun> runs, string verb)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var first = -1;
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i] ?? throw new ArgumentNullException(nameof(runs), $"'runs' holds null at index {i}: pass the runs of Training.Run.");
            if (run.Choice.Made is not { } made) continue;
            if (first < 0) first = i;
            else if (made.Against(runs[first].Choice.Made!, $"runs[{first}] on") is { } other)
                throw new SymbolicException(ErrorKind.Invalid,
                    $"runs[{i}] ({run.Choice}, seed {run.Seed}) was trained on {other}: pass the runs of one example, and {verb} each example's runs in a call of their own.");
        }
    }

    private sealed class Progress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }

    /// <summary>
    /// Writes <c>loss-time.png/.svg</c> and <c>loss-steps.png/.svg</c> into <paramref name="directory"/>
    /// (and <c>xerror-time</c>, <c>xerror-steps</c> with ½‖x − x*‖² when the runs recorded it):
    /// the evaluation loss (log scale, or linear when it spans under a decade) against training wall-clock time and against steps, one
    /// curve per method in its colour: the median over its seeds with a shaded band from the least to the largest seed (see <c>Plots</c>).
    /// Returns the paths written. Rendering is serialised: the plots are measured and saved under one lock
    /// for the process, shared with compare's and the field plots.
    /// </summary>
    public static IReadOnlyList<string> SavePlots(IReadOnlyList<TrainingHistory> runs, string directory, string title)
    {
        // Before the directory is made: an empty list would write blank plots (as compare's SavePlots refuses it).
        RunArguments.RequireSome(runs.Count, nameof(runs), "run", "the plots would be blank", " (the results of Training.Run)");
        PlotDirectory.Prepare(directory);
        var written = new List<string>();
        Rendering.Draw(() =>
        {
            foreach (var (name, plot) in Plots(runs, title))
            {
                var path = Path.Combine(directory, name);
                var (width, height) = SizeOf(plot);
                // No fill or marker drawn with a leftover dash (DashFree): Skia's SVG writer reported each on the
                // native stderr, at every train --seeds 3 --out (a band swatch after a dashed line).
                DashFree.Install(plot);
                TitleFit.Install(plot);
                plot.SavePng(path + ".png", width, height);
                plot.SaveSvg(path + ".svg", width, height);
                written.Add(path + ".png");
                written.Add(path + ".svg");
            }
        });
        return written;
    }

    private const int PlotWidth = 1000;
    private const int PlotHeight = 560;

    /// <summary>The widest a training plot is drawn, in pixels (a page's or a screen's width).</summary>
    internal const int MaxPlotWidth = 1200;

    /// <summary>
    /// The longest line of a legend entry, in characters: an entry's settings and what happened to its
    /// run (several seeds diverged, stretches cut at the edge) wrap onto further lines (<see cref="WrapTitle"/>),
    /// so that the legend beside the data stays about 300 pixels wide.
    /// </summary>
    internal const int LegendLine = 40;

    /// <summary>The size in pixels of the markers on a training curve's points (<see cref="TrajectoryPlots.MarkedPoints"/>).</summary>
    internal const float MarkerSize = 8f;

    /// <summary>
    /// A plot's size: 1000 × 560, wider when the legend (measured as drawn, one column, beside the data area)
    /// would leave the data area under 720 pixels, but never wider than <see cref="MaxPlotWidth"/>; taller
    /// when the legend is.
    /// </summary>
    internal static (int Width, int Height) SizeOf(Plot plot)
    {
        Image legend;
        lock (Rendering.Gate)
            legend = plot.Legend.GetImage();
        return (Math.Min(MaxPlotWidth, Math.Max(PlotWidth, 720 + legend.Width + 40)), Math.Max(PlotHeight, legend.Height + 160));
    }

    /// <summary>
    /// The colour of a training method: that of the comparison's method with the same update
    /// (<see cref="TrajectoryPlots.ColorOf(Method)"/>; SIP's by its inner inverse), so a method has one
    /// colour in train's and compare's plots, whatever the order of the methods.
    /// </summary>
    internal static Color ColorOf(TrainingMethod method) => TrajectoryPlots.ColorOf(CompareMethod(method));

    /// <summary>
    /// The marker shape of a training method: that of the comparison's method with the same update
    /// (<see cref="TrajectoryPlots.ShapeOf(Method)"/>; SIP's by its inner inverse), as <see cref="ColorOf(TrainingMethod)"/>,
    /// so a method has one shape in train's and compare's plots, whatever the methods listed and their order.
    /// </summary>
    internal static MarkerShape ShapeOf(TrainingMethod method) => TrajectoryPlots.ShapeOf(CompareMethod(method));

    private static Method CompareMethod(TrainingMethod method) => method switch
    {
        TrainingMethod.GradientDescent => Method.GradientDescent,
        TrainingMethod.Adam => Method.Adam,
        TrainingMethod.GaussNewton => Method.GaussNewton,
        TrainingMethod.Hig => Method.HalfInverseGradient,
        TrainingMethod.SipInverseGradient => Method.InverseGradient,
        _ => Method.PhysicalGradient,
    };

    /// <summary>
    /// A title broken into lines of at most <paramref name="width"/> characters (ScottPlot centres one line
    /// and clips it, so long titles must wrap), at the weakest break that makes it fit: between clauses
    /// (after "; " or ": ") first, then after a comma, then before a binary operator (+, −, =, as
    /// typesetting breaks a long formula), and only then at any space, so "loss = 2·L̄" is never split
    /// while a shorter piece fits. Each of these outside brackets first: a bracket or parenthesis is kept
    /// whole where it fits on a line (<c>x* = [0.846574, -0.153426]</c>), and broken inside, in the same order,
    /// only where it does not. Joining the lines with spaces gives the title back.
    /// </summary>
    internal static string WrapTitle(string title, int width = 70)
    {
        // Each level splits only the pieces still too wide, keeping the separator at the end of a piece.
        // Breaks outside brackets first: "x* = [1E+08,\n1E-08] is …" split a vector that fits on one line.
        (string[] Separators, bool Outside)[] levels =
        [
            (["; ", ": "], true),
            ([", "], true),
            (["; ", ": "], false),
            ([", "], false),
        ];
        IEnumerable<string> pieces = [title];
        foreach (var (separators, outside) in levels.Take(2))
            pieces = pieces.SelectMany(piece => piece.Length <= width ? [piece] : SplitAfter(piece, separators, outside));
        // Then at a space outside brackets, never next to an operator, a bracket kept whole where it fits: "x* = [0.846574, -0.153426] is the preimage …" broke
        // inside its vector, as the clauses inside a bracket came before any space outside it.
        // A piece with a bracket too long for a line is broken inside it first, as before (a long parenthesis
        // of clauses breaks between them rather than at the spaces in front of it).
        pieces = pieces.SelectMany(piece => piece.Length <= width || SplitOutside(piece) is not { } words || words.Any(w => w.Length > width)
            ? [piece] : words);
        foreach (var (separators, outside) in levels.Skip(2))
            pieces = pieces.SelectMany(piece => piece.Length <= width ? [piece] : SplitAfter(piece, separators, outside));
        pieces = pieces.SelectMany(piece => piece.Length <= width ? [piece] : SplitBeforeOperators(piece));
        pieces = pieces.SelectMany(piece => piece.Length <= width ? [piece] : piece.Split(' '));

        var lines = new List<string>();
        var line = "";
        foreach (var piece in pieces)
        {
            if (line.Length > 0 && line.Length + 1 + piece.Length > width)
            {
                lines.Add(line);
                line = piece;
            }
            else line = line.Length == 0 ? piece : line + " " + piece;
        }
        lines.Add(line);
        return string.Join("\n", lines);

        static IEnumerable<string> SplitAfter(string text, string[] separators, bool outside)
        {
            var start = 0;
            var depth = 0;
            for (var i = 0; i < text.Length - 1; i++)
            {
                if (text[i] is '(' or '[') depth++;
                else if (text[i] is ')' or ']') depth = Math.Max(0, depth - 1);
                if ((!outside || depth == 0) && separators.Any(sep => string.CompareOrdinal(text, i, sep, 0, sep.Length) == 0))
                {
                    yield return text[start..(i + 1)];
                    start = i + 2;
                    i++;
                }
            }
            yield return text[start..];
        }

        // The words of text at its spaces outside brackets (a bracket with its spaces is one word), an
        // operator joined to the words on both sides: "n = 64" and "x* = [1, 2]" stay whole here, and a
        // formula too long for a line is left to the levels below, which break it before its operators.
        static List<string> SplitOutside(string text)
        {
            var words = new List<string>();
            var (start, depth) = (0, 0);
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] is '(' or '[') depth++;
                else if (text[i] is ')' or ']') depth = Math.Max(0, depth - 1);
                else if (text[i] == ' ' && depth == 0 && !Operator(text, i + 1) && !(i >= 1 && Operator(text, i - 1)))
                {
                    words.Add(text[start..i]);
                    start = i + 1;
                }
            }
            words.Add(text[start..]);
            return words;
        }

        // Whether an operator stands alone at text[at] (a space or the text's edge on both sides).
        static bool Operator(string text, int at) =>
            at < text.Length && text[at] is '+' or '-' or '−' or '='
            && (at == 0 || text[at - 1] == ' ') && (at + 1 == text.Length || text[at + 1] == ' ');

        static IEnumerable<string> SplitBeforeOperators(string text)
        {
            var words = text.Split(' ');
            var piece = words[0];
            foreach (var word in words.Skip(1))
            {
                if (word is "+" or "-" or "−" or "=")
                {
                    yield return piece;
                    piece = word;
                }
                else piece += " " + word;
            }
            yield return piece;
        }
    }

    /// <summary>
    /// One method's seeds on a common grid (<see cref="Band"/>): at each x the median, the least and the
    /// largest value over the seeds (+∞ for a seed that diverged before x), in the plotted coordinate. The
    /// median is the summary table's (<see cref="Summarize"/>): of an even count, the mean of the two middle
    /// values of the quantity itself, not of its logarithm (which would be their geometric mean).
    /// </summary>
    internal sealed record SeedBand(double[] X, double[] Median, double[] Low, double[] High);

    /// <summary>
    /// The seeds of one method on the grid of every x at which one of them recorded a value. A seed's value
    /// at x is the linear interpolation between its recorded points (as its line would be drawn); past its
    /// last point a seed that diverged counts as +∞ (as in the summary table), one that ended without
    /// diverging keeps its final value (that is its result). A seed without any value counts as +∞ if it
    /// diverged, else is left out.
    /// </summary>
    /// <param name="seeds">Each seed's finite points, sorted by x.</param>
    /// <param name="diverged">Which seeds diverged.</param>
    /// <param name="grid">Extra x values to include (where a diverged seed's next value was not finite).</param>
    /// <param name="log">Whether Y is the base-10 logarithm of the quantity (a log axis): the median is then
    /// taken of 10^Y and drawn at its logarithm, so the line is the table's median on either axis.</param>
    internal static SeedBand Band(IReadOnlyList<(double X, double Y)[]> seeds, bool[] diverged, IEnumerable<double> grid, bool log = false)
    {
        var xs = seeds.SelectMany(c => c.Select(p => p.X)).Concat(grid).Where(double.IsFinite).Distinct().Order().ToArray();
        var median = new double[xs.Length];
        var low = new double[xs.Length];
        var high = new double[xs.Length];
        for (var k = 0; k < xs.Length; k++)
        {
            var x = xs[k];
            var values = new List<double>();
            for (var s = 0; s < seeds.Count; s++)
            {
                var c = seeds[s];
                if (c.Length == 0) { if (diverged[s]) values.Add(double.PositiveInfinity); continue; }
                if (x > c[^1].X) { values.Add(diverged[s] ? double.PositiveInfinity : c[^1].Y); continue; }
                if (x <= c[0].X) { values.Add(c[0].Y); continue; }
                var j = 1;
                while (c[j].X < x) j++;
                var (a, b) = (c[j - 1], c[j]);
                values.Add(b.X == a.X ? b.Y : a.Y + (b.Y - a.Y) * (x - a.X) / (b.X - a.X));
            }
            var v = values.ToArray();
            (median[k], low[k], high[k]) = v.Length == 0 ? (double.NaN, double.NaN, double.NaN) : (MedianIn(v, log), v.Min(), v.Max());
        }
        return new SeedBand(xs, median, low, high);
    }

    // What a median line is, for the legend, said plainly: of two seeds it is their mean; of a larger even count
    // the mean of the middle two (the table's median), which the word alone does not say.
    internal static string MedianOf(int seeds) =>
        seeds == 2 ? "mean of 2 seeds"
        : seeds % 2 == 0 ? $"median of {seeds} seeds (mean of the middle two)" : $"median of {seeds} seeds";

    // The drawn line's name in a legend entry ("median off the plot …"), in MedianOf's word: of two seeds the line
    // is their mean, and the title says so ("mean of 2 seeds (line)"); one seed's line is the run itself (no word).
    internal static string LineWord(int seeds) => seeds <= 1 ? "" : seeds == 2 ? "mean " : "median ";

    // The median of values in the plotted coordinate, taken of the quantity (10^y on a log axis); the
    // least and the largest need no such care, as the logarithm keeps the order.
    private static double MedianIn(double[] values, bool log) =>
        log ? Math.Log10(Median([.. values.Select(y => Math.Pow(10, y))])) : Median(values);

    /// <summary>The q-quantile of sorted values, interpolated between the neighbouring order statistics.</summary>
    private static double Quantile(double[] sorted, double q)
    {
        var h = (sorted.Length - 1) * q;
        var lo = (int)Math.Floor(h);
        return lo + 1 < sorted.Length ? sorted[lo] + (h - lo) * (sorted[lo + 1] - sorted[lo]) : sorted[lo];
    }

    /// <summary>
    /// The vertical range of a train plot, robust to spikes: from the least value to the largest value
    /// that lies at or below its own run's Tukey far-out fence Q₃ + 3·(Q₃ − Q₁) (the quartiles of that run's
    /// recorded values, in the plotted coordinate), widened to hold <paramref name="always"/> (every run's
    /// start and the end of every run that did not diverge). A transient spike (Gauss–Newton's loss leaping
    /// to 1E+06 for a few dozen of 3000 steps) lies above its run's fence, so it does not squash the curves
    /// into the bottom of the plot; it is drawn to the edge and marked there. The quartiles are taken per
    /// run, not over all runs together: on a log axis a run that falls three decades (HIG's) spreads the
    /// pooled quartiles so far that the pooled fence (6 decades above Q₃) let Gauss–Newton's 5E+04 in.
    /// </summary>
    internal static (double Low, double High) RobustRange(IEnumerable<double[]> runs, IEnumerable<double> always)
    {
        var perRun = runs.Select(r => r.Where(double.IsFinite).Order().ToArray()).Where(r => r.Length > 0).ToArray();
        var must = always.Where(double.IsFinite).ToArray();
        if (perRun.Length == 0) return must.Length == 0 ? (0, 1) : (must.Min(), must.Max());
        var kept = perRun.SelectMany(sorted =>
        {
            var (q1, q3) = (Quantile(sorted, 0.25), Quantile(sorted, 0.75));
            var fence = q3 + 3 * (q3 - q1);
            return sorted.Where(v => v <= fence);
        }).Concat(must).ToArray();
        var least = perRun.Min(r => r[0]);
        return (Math.Min(least, kept.Min()), kept.Max());
    }

    /// <summary><see cref="RobustRange(IEnumerable{double[]}, IEnumerable{double})"/> of one run's values.</summary>
    internal static (double Low, double High) RobustRange(double[] values, IEnumerable<double> always) =>
        RobustRange([values], always);

    /// <summary>
    /// The x values of runs of consecutive grid indices as text, <c>10–60, 170–230</c> (with the unit
    /// <paramref name="unit"/> after the last, " s" for seconds).
    /// </summary>
    private static string Stretches(double[] xs, IReadOnlyList<int> indices, string unit)
    {
        var parts = new List<string>();
        for (var a = 0; a < indices.Count;)
        {
            var b = a;
            while (b + 1 < indices.Count && indices[b + 1] == indices[b] + 1) b++;
            parts.Add(a == b ? NumberText.Short(xs[indices[a]], 3) : $"{NumberText.Short(xs[indices[a]], 3)}–{NumberText.Short(xs[indices[b]], 3)}");
            a = b + 1;
        }
        return string.Join(", ", parts) + unit;
    }

    /// <summary>
    /// The plots <see cref="SavePlots(IReadOnlyList{TrainingHistory}, string, string)"/> writes, by file name,
    /// built but not saved (the tests inspect them). Runs of equal settings are one method's seeds: each is
    /// drawn as its median curve over the seeds and, for two or more seeds, a shaded band from the least to
    /// the largest value (<see cref="Band"/>), in the method's colour; the legend says so. The vertical range
    /// is <see cref="RobustRange(IEnumerable{double[]}, IEnumerable{double})"/> of the runs that did not diverge; a median that goes above it is drawn to
    /// the edge and back with a triangle at each crossing, a band is cut at the edge, and the legend names
    /// the stretches cut and the largest value there, apart: where the median leaves ("median above the
    /// plot", "mean above the plot" of two seeds) and where only the band's largest seed does ("band (its largest seed) above the plot"). A median that diverges (half or more of the seeds did)
    /// ends with a cross where it leaves the range, as compare's diverged runs do.
    /// </summary>
    internal static IReadOnlyList<(string Name, Plot Plot)> Plots(IReadOnlyList<TrainingHistory> runs, string title)
    {
        var built = new List<(string, Plot)>();
        // The x-error ½‖x − x*‖² is drawn too where the example knows x* (exp): SIP's point is that it
        // fits x over the orders of magnitude of y even where the loss in y says little.
        var hasX = runs.Any(r => r.Points.Any(p => double.IsFinite(p.XError)));
        // The time axis leaves out each run's one-off warm-up (WarmUpSeconds): the first seed's first steps
        // hold the process's JIT compilation, and drawn as measured they shifted that seed's curve, and with
        // it the band, to the right of the others'.
        var warmUp = runs.Distinct().ToDictionary(r => r, WarmUpSeconds);
        Func<TrainingHistory, TrainingPoint, double> time = (r, p) => p.Step > 0 ? p.Seconds - warmUp[r] : p.Seconds;
        // A time budget gives each method the steps it can take in it: Adam's 34,000 beside HIG's 3,000 on the HIG
        // toy, the oscillators' HIG 74 beside Adam's 1,800. On a linear axis the shorter runs were squeezed into its
        // first tenth, their whole descent a vertical stroke at 0; where the runs' step counts differ more than
        // tenfold (TrajectoryPlots.LogIterationRatio) the steps axis is logarithmic in 1 + steps (step 0 at its left end), ticked at
        // 0, 1, 10, 100, … steps, so that every run's steps are spread over the width.
        var logSteps = LogStepsAxis(runs);
        Func<TrainingHistory, TrainingPoint, double> stepOf = (_, p) => TrajectoryPlots.IterationX(p.Step, logSteps);
        const string timeAxis = "training time (s), one-off warm-up of the first steps left out";
        var panels = new List<(string, string, Func<TrainingHistory, TrainingPoint, double>, Func<TrainingPoint, double>, string)>
        {
            ("loss-time", timeAxis, time, p => p.Loss, "evaluation loss L̄"),
            ("loss-steps", StepsAxis, stepOf, p => p.Loss, "evaluation loss L̄"),
        };
        if (hasX)
        {
            panels.Add(("xerror-time", timeAxis, time, p => p.XError, "evaluation x-error ½‖x − x*‖²"));
            panels.Add(("xerror-steps", StepsAxis, stepOf, p => p.XError, "evaluation x-error ½‖x − x*‖²"));
        }
        // A method's seeds: runs with equal settings, in the order of their first run (as the summary groups them).
        var groups = new List<List<TrainingHistory>>();
        foreach (var run in runs)
        {
            var group = groups.FirstOrDefault(g => g[0].Settings == run.Settings);
            if (group is null) groups.Add([run]);
            else group.Add(run);
        }
        // One colour per method; a second group of the same method (other settings) takes a spare colour,
        // by the label compare would give that run (gd:0.1), so it has the same colour in both commands.
        var colours = TrajectoryPlots.Distinct([.. groups.Select(g => ColorOf(g[0].Settings.Method))],
            [.. groups.Select(g => $"{g[0].Settings.ShortName}:{NumberText.StepSize(g[0].Settings.LearningRate)}")]);
        var counts = groups.Select(g => g.Count).Distinct().ToArray();
        var caption = counts is [var seedCount] && seedCount > 1
            ? $"per method: {MedianOf(seedCount)} (line), least to largest (band)" : null;
        foreach (var (name, axis, x, quantity, label) in panels)
        {
            var plot = new Plot();
            var steps = axis == StepsAxis;
            // An x as the legend says it: a step count (back from the log axis) or seconds.
            Func<double, double> shown = steps && logSteps ? v => Math.Round(Math.Pow(10, v) - 1) : v => v;
            var unit = steps ? "" : " s";
            var what = steps ? "steps " : "";
            // The loss of the runs that did not diverge decides the axis and the range (a diverged run's
            // 1E+30 would squash every other run); when every run diverged, all finite values do.
            var keptRuns = runs.Where(r => !r.Diverged && r.Points.Any(p => double.IsFinite(quantity(p)))).ToArray();
            var rangeRuns = keptRuns.Length > 0 ? keptRuns : runs;
            // Every recorded value of those runs, and the values the range must hold: every run's start
            // and the end of every run that did not diverge (on a log axis only positive values).
            double[][] Values(bool log) => [.. rangeRuns.Select(r => r.Points.Select(quantity)
                .Where(v => double.IsFinite(v) && (!log || v > 0)).Select(v => log ? Math.Log10(v) : v).ToArray())];
            IEnumerable<double> Always(bool log) =>
                runs.SelectMany(r => r.Points.Take(1)).Concat(rangeRuns.Where(r => !r.Diverged || keptRuns.Length == 0).Select(r => r.Points[^1]))
                    .Select(quantity).Where(v => double.IsFinite(v) && (!log || v > 0)).Select(v => log ? Math.Log10(v) : v);
            // As compare's loss plot: a log axis labels only powers of ten, so it needs two of them in the
            // (robust) range; else the quantity is drawn on a linear axis.
            var logRange = RobustRange(Values(log: true), Always(log: true));
            var linear = Values(log: true).All(r => r.Length == 0) || TrajectoryPlots.PowersOfTen(logRange.Low, logRange.High).Length < 2;
            Func<double, double> plotted = linear ? v => v : Math.Log10;
            var (low, high) = linear ? RobustRange(Values(log: false), Always(log: false)) : logRange;
            var cut = false;
            var span = linear ? high - low : double.NaN;
            var xs = runs.SelectMany(r => r.Points.Select(p => x(r, p))).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
            var box = new TrajectoryPlots.Box(xs.Min(), xs.Max(), low, high).Padded(0.06);
            var legendItems = new List<LegendItem>();
            // Each method's seeds on one grid (Band), and its median line where defined, before anything is
            // drawn: which lines coincide or overlap decides how each is drawn and what its entry says.
            var bands = new SeedBand?[groups.Count];
            var medians = new (double X, double Y)[groups.Count][];
            for (var g = 0; g < groups.Count; g++)
            {
                var seeds = groups[g];
                // Each seed's points up to its first non-finite value (where it diverged); on a log axis a
                // value ≤ 0 has no logarithm and is skipped.
                var curves = new List<(double X, double Y)[]>();
                var endsAt = new List<double>();
                foreach (var run in seeds)
                {
                    var finite = run.Points.TakeWhile(p => double.IsFinite(quantity(p))).ToArray();
                    if (finite.Length < run.Points.Count && double.IsFinite(x(run, run.Points[finite.Length]))) endsAt.Add(x(run, run.Points[finite.Length]));
                    curves.Add([.. finite.Where(p => double.IsFinite(x(run, p)) && (linear || quantity(p) > 0)).Select(p => (x(run, p), plotted(quantity(p))))]);
                }
                var band = Band(curves, [.. seeds.Select(r => r.Diverged)], endsAt, log: !linear);
                medians[g] = [.. band.X.Select((v, k) => (X: v, Y: band.Median[k])).Where(p => !double.IsNaN(p.Y))];
                bands[g] = band.X.Length == 0 || medians[g].Length == 0 ? null : band;
            }
            // Lines drawn over one another, by compare's rule (TrajectoryPlots.Drawn, Partners): two medians overlap
            // when three quarters of the way either moves lies within 1% of the plot's height of the other at the
            // same x; a shared start or a shared flat tail (no movement) is no overlap. Judged on the lines as
            // drawn (a value above the range at the edge it leaves through) and, as methods record at their own
            // steps and times, each taken at every x that any line has (linear between its points, as drawn).
            var paths = medians.Select(m => OnEdge(m, box)).ToArray();
            var grid = paths.SelectMany(p => p.Select(q => q.X)).Distinct().Order().ToArray();
            var atGrid = paths.Select(p => AtEvery(p, grid)).ToArray();
            var overlapping = TrajectoryPlots.Drawn(paths, box, groups.Count, atGrid);
            var (_, overlapRank, overlapSize) = TrajectoryPlots.Groups(overlapping);
            // Styled apart are also lines whose points pair up, index by index, within half a percent (a run that stopped
            // early on another's path); named "overlaps with" only where the lines lie on one another at the same steps or
            // times, or are the same whole line: GN stopped at step 4 on the top edge beside HIG's leap there at step 7,
            // and HIG's entry said "overlaps with gn" of a run that went on for 1,444 steps along a line of its own.
            var named = new bool[groups.Count, groups.Count];
            for (var i = 0; i < groups.Count; i++)
                for (var j = 0; j < groups.Count; j++)
                    named[i, j] = overlapping[i, j] && (TrajectoryPlots.Coincide(paths[i], paths[j], box, whole: true)
                        || TrajectoryPlots.OverlapsAtIterations(atGrid[i], atGrid[j], box) || TrajectoryPlots.OverlapsAtIterations(atGrid[j], atGrid[i], box));
            var partners = TrajectoryPlots.Partners(paths, box, named, [.. Enumerable.Repeat(-1, groups.Count)], atGrid);
            // A method is named as its entry starts, by its short name, with its settings where two groups share it.
            string NameOf(int g) => groups.Count(o => o[0].Settings.ShortName == groups[g][0].Settings.ShortName) > 1
                ? $"{groups[g][0].Settings.ShortName} ({Describe(groups[g][0].Settings)})" : groups[g][0].Settings.ShortName;
            // Every line's markers are drawn after all the lines, so that no later line covers them.
            var markerLayer = new List<Action>();
            // Runs from one seed start at one point (step 0, time 0, the untrained network's loss): each method's marker
            // there fell on the others', the last drawn (a white-centred diamond or triangle) hiding them all. A start
            // that two or more methods share is drawn once, as the plots' start ring on top, and no method marks it.
            var shared = SharedStarts(medians, box);
            for (var g = 0; g < groups.Count; g++)
            {
                var seeds = groups[g];
                var colour = colours[g];
                var settings = seeds[0].Settings;
                var diverged = seeds.Select(r => r.Diverged).ToArray();
                if (bands[g] is not { } band) continue;
                var count = seeds.Count;
                // With one seed count for every method the caption says what the line and band are; else each entry does.
                var text = count == 1 ? $"{settings.ShortName} {Describe(settings)}, seed {seeds[0].Seed}"
                    : caption is null ? $"{settings.ShortName} {Describe(settings)}: {MedianOf(count)}, band least to largest"
                    : $"{settings.ShortName} {Describe(settings)}";
                var divergedCount = diverged.Count(d => d);
                if (divergedCount > 0)
                    text += count == 1 ? $", diverged by step {seeds[0].Points[^1].Step}" : $", {divergedCount} of {count} seeds diverged (∞ from there on)";
                // A seed that left the domain ends at its last recorded point inside it, as compare's run at its ring.
                var leftCount = seeds.Count(r => r.Stop == "LeftDomain");
                if (leftCount > 0)
                    text += count == 1 ? $", left the domain after step {seeds[0].Points[^1].Step}" : $", {leftCount} of {count} seeds left the domain (each ends at its last point inside)";
                if (count > 1)
                {
                    // The band, cut at the edges of the range (+∞ at the top edge).
                    var fill = plot.Add.FillY(band.X,
                        [.. band.Low.Select(v => Math.Clamp(double.IsNaN(v) ? box.YMin : v, box.YMin, box.YMax))],
                        [.. band.High.Select(v => Math.Clamp(double.IsNaN(v) ? box.YMin : v, box.YMin, box.YMax))]);
                    fill.FillColor = colour.WithAlpha(0.18);
                    fill.LineWidth = 0;
                    fill.LegendText = "";
                }
                // The median: a method whose median diverges (the seeds that diverged are half or more, so it
                // is +∞ at the end) is cut where it first leaves the range and ends with a cross; otherwise
                // it is drawn to the edge and back where it leaves, a triangle marking each crossing.
                var median = medians[g];
                var medianDiverges = median.Length > 0 && double.IsPositiveInfinity(median[^1].Y) || (count == 1 && diverged[0]);
                // A line alone is 2.5 pixels wide; of lines that overlap, the first is drawn widest, underneath, the
                // later ones narrower on top (as compare draws them), so each shows its colour.
                var (rank, size) = (overlapRank[g], overlapSize[g]);
                var width = size > 1 ? (float)(TrajectoryPlots.MinLineWidth + 4.5 * (size - 1 - rank) / (size - 1)) : 2.5f;
                // Each method group its own dash pattern besides its colour (as compare's runs), so methods whose
                // colours are near (a second run of a method in a spare colour) stay apart; the marker is the method's.
                var pattern = TrajectoryPlots.Patterns[g % TrajectoryPlots.Patterns.Length];
                if (medianDiverges)
                {
                    // +∞ reaches the top edge at the x where it first appears; the curve ends there.
                    var firstInfinite = Array.FindIndex(median, p => double.IsPositiveInfinity(p.Y));
                    var curve = firstInfinite < 0 ? median : [.. median.Take(firstInfinite), (median[firstInfinite].X, box.YMax)];
                    var (kept, exit, exitAt) = TrajectoryPlots.Clip(curve, box);
                    if (kept.Length == 0) kept = [curve[0]];
                    var drawn = exit is { } e ? [.. kept, e] : kept;
                    var thinned = TrajectoryPlots.Decimated(drawn);
                    var line = plot.Add.Scatter(thinned.Select(p => p.X).ToArray(), thinned.Select(p => p.Y).ToArray(), colour);
                    line.LineWidth = width;
                    line.LinePattern = pattern;
                    line.MarkerSize = 0;
                    line.LegendText = "";
                    var end = exit ?? drawn[^1];
                    var cross = plot.Add.Marker(end.X, end.Y, MarkerShape.Eks, 14, colour);
                    cross.MarkerLineWidth = 3;
                    cut |= exit is not null || firstInfinite >= 0;
                    if (exit is not null)
                        text += $", {LineWord(count)}off the plot between {what}{NumberText.Short(shown(curve[exitAt - 1].X), 3)} and {NumberText.Short(shown(curve[exitAt].X), 3)}{unit}";
                    else if (firstInfinite >= 0)
                        text += $", {LineWord(count)}∞ from {what}{NumberText.Short(shown(curve[^1].X), 3)}{unit}";
                }
                else
                {
                    var (pieces, outside) = TrajectoryPlots.Pieces(median, box);
                    for (var k = 0; k < pieces.Count; k++)
                    {
                        var piece = pieces[k];
                        var thinned = TrajectoryPlots.Decimated([.. piece]);
                        var line = plot.Add.Scatter(thinned.Select(p => p.X).ToArray(), thinned.Select(p => p.Y).ToArray(), colour);
                        line.LineWidth = width;
                        line.LinePattern = pattern;
                        line.MarkerSize = 0;
                        line.LegendText = "";
                        // Where the curve crosses the edge: the first point of a later piece (coming back)
                        // and the last point of a piece followed by points outside (leaving).
                        var ends = new List<(double X, double Y)>();
                        if (k > 0) ends.Add(piece[0]);
                        if (k < pieces.Count - 1 || (outside.Count > 0 && outside[^1] == median.Length - 1)) ends.Add(piece[^1]);
                        foreach (var p in ends)
                        {
                            cut = true;
                            var up = p.Y >= (box.YMin + box.YMax) / 2;
                            plot.Add.Marker(p.X, p.Y, up ? MarkerShape.FilledTriangleUp : MarkerShape.FilledTriangleDown, 11, colour);
                        }
                    }
                }
                // Markers on the median's own points, in the method's shape: on every point of a short curve (two
                // points of a one-step run were a bare segment, its ends unmarked and read as a line through
                // nothing), on about a dozen of a long one, offset per method so that methods' markers do not
                // fall on one another. Only points inside the range are marked (edge crossings have triangles).
                // Of lines that overlap, each marks only its share of the points (the r-th of s every s-th point from
                // r, or its own offset on a long line), so their markers fall side by side, not on one another.
                var shape = ShapeOf(settings.Method);
                var marks = size > 1 ? TrajectoryPlots.SharedMarkedPoints(median.Length, rank, size) : TrajectoryPlots.MarkedPoints(median.Length, g, groups.Count);
                // On a log steps axis the points, recorded evenly in steps, crowd its right end: each mark moves to the
                // point nearest the same fraction of the line's width, so the markers stay spread as drawn.
                if (steps && logSteps) marks = EvenInX(marks, median);
                var markedAt = marks.Where(k => k > 0 || shared[g] < 0).Select(k => median[k]).Where(p => double.IsFinite(p.Y) && box.Contains(p)).ToArray();
                if (markedAt.Length > 0)
                    markerLayer.Add(() => TrajectoryPlots.WhiteCentre(
                        plot.Add.Markers(markedAt.Select(p => p.X).ToArray(), markedAt.Select(p => p.Y).ToArray(), shape, MarkerSize, colour)));
                if (partners[g].Length > 0)
                    text += $", overlaps with {string.Join(", ", partners[g].Select(NameOf))}";
                // Where the median goes above the range, and where only the band does (its largest seed; the
                // median line stays inside): the stretches, and the largest value there. A band that leaves
                // while its median stays was said as "above the plot", read as the drawn line leaving.
                // A median that diverges has said where it leaves (above); its stretches are not repeated.
                string Above(IEnumerable<int> where, double[] values, string who)
                {
                    var ks = where.ToArray();
                    if (ks.Length == 0) return "";
                    cut = true;
                    var peak = ks.Select(k => values[k]).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Max();
                    var peakText = double.IsNaN(peak) ? "" : $", up to {NumberText.Short(linear ? peak : Math.Pow(10, peak), 2)}";
                    return $", {who}above the plot at {what}{Stretches([.. band.X.Select(shown)], ks, unit)}{peakText}";
                }
                var all = Enumerable.Range(0, band.X.Length).ToArray();
                if (!medianDiverges)
                    text += Above(all.Where(k => band.Median[k] > box.YMax), band.Median, LineWord(count));
                if (count > 1)
                    text += Above(all.Where(k => band.High[k] > box.YMax && !(band.Median[k] > box.YMax)), band.High,
                        medianDiverges ? "band " : "band (its largest seed) ");
                legendItems.Add(new LegendItem
                {
                    // Lines of at most LegendLine characters: the settings first, then what happened to the
                    // run (diverged, cut), each on lines of their own, so the legend stays narrow.
                    LabelText = WrapTitle(text, LegendLine),
                    LineColor = colour,
                    LineWidth = width,
                    LinePattern = pattern,
                    MarkerShape = shape,
                    MarkerSize = MarkerSize,
                    MarkerColor = colour,
                    FillColor = count > 1 ? colour.WithAlpha(0.18) : Colors.Transparent,
                });
            }
            foreach (var add in markerLayer) add();
            // The shared starts last, over every method's markers, each named in the legend with the methods that share it.
            foreach (var s in shared.Where(s => s >= 0).Distinct())
            {
                var at = medians[s][0];
                var ring = plot.Add.Marker(at.X, at.Y, MarkerShape.OpenCircle, StartMarkerSize, Colors.Black);
                ring.MarkerLineWidth = 2;
                var who = Enumerable.Range(0, groups.Count).Where(g => shared[g] == s).ToArray();
                legendItems.Add(new LegendItem
                {
                    LabelText = WrapTitle(who.Length == groups.Count ? "start, shared by every method" : $"start, shared by {string.Join(", ", who.Select(NameOf))}", LegendLine),
                    MarkerShape = MarkerShape.OpenCircle, MarkerSize = StartMarkerSize, MarkerColor = Colors.Black, MarkerLineWidth = 2,
                });
            }
            plot.Legend.ManualItems.AddRange(legendItems);
            // Lines of at most 70 characters here; at render each is measured against the room over the data
            // area and broken further or set smaller where it does not fit (TitleFit).
            plot.Title(caption is null ? WrapTitle(title) : WrapTitle(title) + "\n" + WrapTitle(caption));
            plot.XLabel(steps ? TrajectoryPlots.IterationAxisLabel(axis, logSteps) : axis);
            plot.YLabel(linear ? label : label + " (log scale)");
            var limits = box.Padded(0.08);
            plot.Axes.SetLimits(limits.XMin, limits.XMax, limits.YMin, limits.YMax);
            plot.Axes.Left.TickGenerator = linear
                ? new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = v => TrajectoryPlots.TickLabel(v, span) }
                : TrajectoryPlots.LogTicks(limits.YMin, limits.YMax);
            if (steps)
            {
                // Steps are whole numbers: ticks at whole steps within 0 … the last recorded one, and the axis over them all.
                TrajectoryPlots.SetIterationAxis(plot, runs.SelectMany(r => r.Points).Select(p => p.Step).DefaultIfEmpty(0).Max(), logSteps);
            }
            else
            {
                // Time is never negative: the axis starts at 0 (the padding put a tick at −1 s), and ends 4% past the
                // last recorded time, as the steps axis does: the box's two paddings had run a 10 s budget's axis
                // to 11.5 s, ticked at 11 s where no run was.
                plot.Axes.SetLimitsX(0, Math.Max(1.04 * xs.Max(), 1e-9));
            }
            if (cut) TrajectoryPlots.ShadeOutside(plot, box, sides: false);
            plot.Legend.Layout = new TrajectoryPlots.OneColumn();
            plot.ShowLegend(Edge.Right);
            built.Add((name, TitleFit.Install(DashFree.Install(plot))));
        }
        return built;
    }

    /// <summary>
    /// <paramref name="marks"/>, indices chosen evenly along <paramref name="line"/>'s points, moved each to the point
    /// whose x lies nearest the same fraction of the way from the line's first x to its last (distinct, ascending),
    /// for a line whose points are not even in x as drawn (steps recorded evenly, drawn on a log axis).
    /// </summary>
    internal static int[] EvenInX(int[] marks, (double X, double Y)[] line)
    {
        if (line.Length < 3) return marks;
        var (first, last) = (line[0].X, line[^1].X);
        var xs = line.Select(p => p.X).ToArray();
        int Nearest(double x)
        {
            var at = Array.BinarySearch(xs, x);
            if (at >= 0) return at;
            at = ~at;
            return at == 0 ? 0 : at == xs.Length ? xs.Length - 1 : x - xs[at - 1] <= xs[at] - x ? at - 1 : at;
        }
        return [.. marks.Select(i => Nearest(first + (last - first) * i / (line.Length - 1.0))).Distinct().Order()];
    }

    /// <summary>The label of the steps axes (loss-steps, xerror-steps).</summary>
    private const string StepsAxis = "steps";

    /// <summary>
    /// Whether the steps axes of <paramref name="runs"/> are logarithmic in 1 + steps (<see cref="TrajectoryPlots.LogIterationAxis"/>
    /// of the runs' last steps), as a time budget makes them (a cheap method takes ten times the steps of an expensive one),
    /// so that on a linear axis the shorter runs would fill less than a tenth of its width.
    /// </summary>
    internal static bool LogStepsAxis(IReadOnlyList<TrainingHistory> runs) =>
        TrajectoryPlots.LogIterationAxis(runs.Where(r => r.Points.Count > 0).Select(r => r.Points[^1].Step));

    /// <summary>The size in pixels of the ring drawn once at a start that several methods share (<see cref="SharedStarts"/>).</summary>
    internal const float StartMarkerSize = 13f;

    /// <summary>
    /// For each median line, the first line whose first point lies on the same spot as its own (within 0.5% of the
    /// box's width and height: one marker would cover the other), when at least two lines start there and the spot is
    /// inside the box; −1 for a line whose start no other shares (it marks its start itself). Lines of one seed start at
    /// one point: step 0 (time 0) and the untrained network's loss.
    /// </summary>
    internal static int[] SharedStarts(IReadOnlyList<(double X, double Y)[]> medians, TrajectoryPlots.Box box)
    {
        bool Near((double X, double Y) a, (double X, double Y) b) =>
            Math.Abs(a.X - b.X) <= 0.005 * (box.XMax - box.XMin) && Math.Abs(a.Y - b.Y) <= 0.005 * (box.YMax - box.YMin);
        bool Drawn(int g) => medians[g].Length > 0 && double.IsFinite(medians[g][0].Y) && box.Contains(medians[g][0]);
        var first = Enumerable.Range(0, medians.Count)
            .Select(g => Drawn(g) ? Enumerable.Range(0, medians.Count).First(h => Drawn(h) && Near(medians[h][0], medians[g][0])) : -1).ToArray();
        return [.. first.Select(f => f >= 0 && first.Count(o => o == f) > 1 ? f : -1)];
    }

    /// <summary>
    /// A median line as drawn in <paramref name="box"/>: each value held to the range (a value above it, +∞ too, at
    /// the top edge it leaves through), up to its first +∞ (where a line that diverges ends).
    /// </summary>
    internal static (double X, double Y)[] OnEdge((double X, double Y)[] line, TrajectoryPlots.Box box)
    {
        var end = Array.FindIndex(line, p => double.IsPositiveInfinity(p.Y));
        return [.. line.Take(end < 0 ? line.Length : end + 1).Select(p => (p.X, Math.Clamp(p.Y, box.YMin, box.YMax)))];
    }

    /// <summary>
    /// <paramref name="line"/> (X ascending) at every x of <paramref name="grid"/> (ascending) within its own first
    /// and last x, linear between its points as its line is drawn; none outside them.
    /// </summary>
    internal static (double X, double Y)[] AtEvery((double X, double Y)[] line, double[] grid)
    {
        if (line.Length == 0) return [];
        var at = new List<(double X, double Y)>();
        var j = 0;
        foreach (var x in grid)
        {
            if (x < line[0].X || x > line[^1].X) continue;
            // line[j].X ≤ x, and x ≤ line[j + 1].X unless x is line[j].X itself.
            while (j + 1 < line.Length && line[j + 1].X < x) j++;
            var a = line[j];
            if (x == a.X) { at.Add((x, a.Y)); continue; }
            var b = line[j + 1];
            at.Add((x, x == b.X ? b.Y : a.Y + (b.Y - a.Y) * (x - a.X) / (b.X - a.X)));
        }
        return [.. at];
    }

    /// <summary>The settings as text: <c>η=0.1, B=256, τ=1e-06</c> (τ for GN/HIG, Adam/GD named for SIP).</summary>
    public static string Describe(TrainingSettings s)
    {
        var text = $"η={s.LearningRate.ToString("G3", CultureInfo.InvariantCulture)}, B={s.BatchSize}";
        return s.Method switch
        {
            TrainingMethod.GaussNewton or TrainingMethod.Hig => text + $", τ={s.Tau.ToString("G3", CultureInfo.InvariantCulture)}",
            TrainingMethod.SipInverseGradient or TrainingMethod.SipPhysicalGradient =>
                text + $", {(s.SipWithAdam ? "Adam" : "GD")}, Δy step {s.PhysicsStep.ToString("G3", CultureInfo.InvariantCulture)}",
            _ => text,
        };
    }
}
