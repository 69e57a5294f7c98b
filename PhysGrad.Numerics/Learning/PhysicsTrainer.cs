using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.LinearAlgebra.Factorization;
using PhysGrad.Numerics.Rules;

namespace PhysGrad.Numerics.Learning;

/// <summary>
/// Trains a network x = f(z; θ) through a physics problem y = P(x) (any <see cref="IDifferentiableProblem"/>
/// answering <c>Simulate(x, y, J)</c>, and <c>TryInvert</c> for SIP-PG) on the per-sample loss
/// L_b = ½‖y_b − y*_b‖² (docs/theory.md §6).
/// <para><b>Batch normalisation.</b> Every method works on the MEAN loss L̄ = (1/B) Σ_b L_b = ½‖r/√B‖²,
/// r the stacked residuals y_b − y*_b:</para>
/// <list type="bullet">
/// <item>GD and Adam step on ∂L̄/∂θ = (1/B) Σ_b (∂x_b/∂θ)ᵀ J_bᵀ r_b, so a rate means the same at any B.</item>
/// <item>GN and HIG factor the stacked Jacobian of r/√B, i.e. rows J_b ∂x_b/∂θ / √B, with the gradient
/// g = r/√B. For GN the 1/√B cancels (η = 1 is the least-squares step of the linearised batch at any
/// scaling). For HIG a common factor s on 𝒥 and g scales the step by √s; without the 1/√B the
/// singular values and Uᵀg each grow like √B for B similar samples, so the step would grow like B^¼;
/// with it the HIG step is independent of B to leading order, and η = 1 is a "full" step.</item>
/// <item>SIP steps the network optimiser on the mean proxy loss (1/B) Σ_b ½‖f(z_b; θ) − sg(x_b + Δx_b)‖².</item>
/// </list>
/// The book's HIG notebook instead applies 2/B of a full step (its gradient of a summed squared error
/// divided by the batch); PhysGrad's rates are therefore not its rates, and are stated with each
/// experiment.
/// </summary>
public sealed class PhysicsTrainer
{
    private readonly DenseNetwork _network;
    private readonly IDifferentiableProblem _physics;
    private readonly BatchSampler _sampler;
    private readonly int _n;
    private readonly int _m;

    /// <summary>A trainer of <paramref name="network"/> through <paramref name="physics"/>.</summary>
    /// <exception cref="ArgumentException">The network's output size is not the problem's n.</exception>
    public PhysicsTrainer(DenseNetwork network, IDifferentiableProblem physics, BatchSampler sampler)
    {
        if (network.OutputCount != physics.N)
            throw new ArgumentException($"The network gives {NumberText.Count(network.OutputCount, "output")} but the physics takes {NumberText.Count(physics.N, "variable")}.", nameof(network));
        _network = network;
        _physics = physics;
        _sampler = sampler;
        _n = physics.N;
        _m = physics.M;
    }

    /// <summary>The network.</summary>
    public DenseNetwork Network => _network;

    /// <summary>The physics.</summary>
    public IDifferentiableProblem Physics => _physics;

    /// <summary>
    /// The mean loss L̄ = (1/B) Σ_b ½‖P(f(z_b; θ)) − y*_b‖² over B samples, and the mean ½‖x_b − x*_b‖²
    /// when <paramref name="xTarget"/> is given (else NaN).
    /// </summary>
    public (double Loss, double XError) Evaluate(double[] theta, double[] z, double[] yTarget, int batch, double[]? xTarget = null)
    {
        var x = new double[batch * _n];
        _network.Forward(theta, z, batch, x);
        var xb = new double[_n];
        var y = new double[_m];
        double loss = 0, xError = 0;
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(x, b * _n, xb, 0, _n);
            _physics.Simulate(xb, y);
            for (var i = 0; i < _m; i++)
            {
                var r = y[i] - yTarget[b * _m + i];
                loss += 0.5 * r * r;
            }
            if (xTarget is not null)
                for (var i = 0; i < _n; i++)
                {
                    var e = xb[i] - xTarget[b * _n + i];
                    xError += 0.5 * e * e;
                }
        }
        return (loss / batch, xTarget is null ? double.NaN : xError / batch);
    }

    /// <summary>
    /// The parameter step Δθ of one method on one batch (not applied), and the batch's mean loss before
    /// the step. The first-order optimiser's moments live in <paramref name="state"/> and are advanced.
    /// For GN and HIG this is <c>−η V Σ^κ Uᵀ g</c> of <see cref="StackedJacobian"/>; for GD/Adam and SIP
    /// the step of <see cref="Rules.GradientDescent"/> or <see cref="Rules.Adam"/> on the mean (proxy) loss.
    /// </summary>
    public double Step(TrainingSettings settings, double[] theta, double[] z, double[] yTarget, int batch, OptimizerState state, double[] delta)
    {
        var work = state.Workspace(batch, _n, _m, theta.Length);
        switch (settings.Method)
        {
            case TrainingMethod.GaussNewton:
            case TrainingMethod.Hig:
            {
                var loss = FillStacked(theta, z, yTarget, batch, work.Stacked, work.G, work, state.Timing);
                var kappa = settings.Method == TrainingMethod.GaussNewton ? -1.0 : -0.5;
                state.Timing?.Start(TrainingStage.Svd);
                if (batch * _m >= GramRows && batch * _m <= theta.Length && settings.Tau >= GramMinimumTau)
                    GramSpectral.Product(work.Stacked, batch * _m, theta.Length, work.G, kappa, settings.Tau, delta);
                else
                    Spectral(work.Stacked, batch * _m, theta.Length, work.G, kappa, settings.Tau, delta);
                for (var k = 0; k < delta.Length; k++) delta[k] *= -settings.LearningRate;
                state.Timing?.Stop(TrainingStage.Svd);
                return loss;
            }
            case TrainingMethod.GradientDescent:
            case TrainingMethod.Adam:
            {
                var loss = Gradient(theta, z, yTarget, batch, work.Gradient, work, state.Timing);
                state.Timing?.Start(TrainingStage.Update);
                state.FirstOrder(settings.Method == TrainingMethod.Adam, settings.LearningRate, theta, loss, work.Gradient, delta);
                state.Timing?.Stop(TrainingStage.Update);
                return loss;
            }
            default:
            {
                var loss = ProxyGradient(settings, theta, z, yTarget, batch, work, state);
                state.Timing?.Start(TrainingStage.Update);
                state.FirstOrder(settings.SipWithAdam, settings.LearningRate, theta, loss, work.Gradient, delta);
                state.Timing?.Stop(TrainingStage.Update);
                return loss;
            }
        }
    }

    /// <summary>
    /// GN and HIG factor a wide batch Jacobian of at least this many rows through its Gram matrix
    /// (<see cref="GramSpectral"/>) when τ ≥ <see cref="GramMinimumTau"/>; otherwise, and for smaller
    /// or tall Jacobians, by LQ or QR and an SVD of the small factor (<see cref="Spectral"/>, accurate to
    /// rounding). At 128 × 1,444 (the oscillators at batch 32) the Gram route costs about half the LQ
    /// route (BENCHMARKS.md); below 64 rows both cost a few milliseconds at most.
    /// </summary>
    public const int GramRows = 64;

    /// <summary>
    /// The smallest τ for which the Gram route is accurate enough: it knows each eigenvalue λ = σ² of
    /// 𝒥𝒥ᵀ only to about <see cref="GramSpectral.EigenvalueFloor"/>·λ_max ≈ 1.4·10⁻¹⁴ λ_max, so with
    /// τ ≥ 10⁻⁴ every kept λ ≥ 10⁻⁸ λ_max carries a relative error of at most ≈ 1.4·10⁻⁶ (σ half that)
    /// and the cut itself is placed correctly. A smaller τ (the oscillators' 10⁻¹⁰) asks for singular values
    /// the Gram matrix has lost (below ≈ 1.2·10⁻⁷ σ_max), so those go the accurate route.
    /// </summary>
    public const double GramMinimumTau = 1e-4;

    /// <summary>
    /// V Σ^κ Uᵀ g of the matrix 𝒥 (<paramref name="rows"/> × <paramref name="cols"/>, row by row in
    /// <paramref name="jacobian"/>), singular values σ ≤ τ·σ_max dropped (docs/theory.md §2); returns how many
    /// were kept. Accurate to rounding (every σ to within a few ε·σ_max) and never forms a square factor
    /// of the long side: a wide 𝒥 (the HIG batch Jacobian, 128 × 1,444 for the oscillators) goes through
    /// <see cref="WideSpectral"/> (Householder LQ, then the SVD of the small L); a tall 𝒥 = Q R through
    /// MathNet's thin QR and the SVD R = U_R Σ Vᵀ, with Uᵀ g = U_Rᵀ Qᵀ g. MathNet's SVD of the whole 𝒥
    /// would form the full square U or V (1,444 × 1,444 here), about 20 times the LQ route's cost.
    /// </summary>
    public static int Spectral(double[] jacobian, int rows, int cols, double[] g, double kappa, double tau, double[] result)
    {
        if (jacobian.Length < rows * cols || g.Length != rows || result.Length != cols)
            throw new ArgumentException($"𝒥 is {rows}×{cols}, so it needs {rows * cols} entries, g {rows} and the result {cols}.");
        if (rows <= cols) return WideSpectral.Product(jacobian, rows, cols, g, kappa, tau, result);
        // Row-major 𝒥 is column-major 𝒥ᵀ: MathNet's (column-major) matrix over the same numbers is 𝒥ᵀ.
        // 𝒥 is first scaled by 2⁻ᵉ (e the binary exponent of its largest entry, an exact rescaling) and R's
        // SVD goes through LinearAlgebra.ScaledSvd: MathNet's SVD uses an absolute convergence threshold
        // (on 2⁻⁶⁰·[[1.1, 1], [0, 1]] it returned 1.1 and 1) and its norms underflow below ≈ 10⁻¹⁵⁴, so an
        // unscaled tiny 𝒥 gave wrong or no singular values. σ = 2^(e + e_R)·S; U and V are unchanged.
        var (stored, scale) = ScaledCopy(jacobian, rows * cols);
        var a = (DenseMatrix)new DenseMatrix(cols, rows, stored).Transpose();
        var qr = a.QR(QRMethod.Thin); // 2⁻ᵉ𝒥 = Q R
        var (svd, exponent) = LinearAlgebra.ScaledSvd((DenseMatrix)qr.R);
        var s = svd.S.Map(v => Math.ScaleB(v, exponent + scale));
        var sMax = s.Count > 0 ? s.Maximum() : 0;
        var ug = svd.U.TransposeThisAndMultiply(qr.Q.TransposeThisAndMultiply(DenseVector.OfArray(g)));
        var kept = 0;
        for (var k = 0; k < s.Count; k++)
        {
            if (s[k] > tau * sMax && s[k] > 0)
            {
                ug[k] *= Math.Pow(s[k], kappa);
                kept++;
            }
            else ug[k] = 0;
        }
        var v = svd.VT.TransposeThisAndMultiply(ug); // V Σ^κ Uᵀg
        for (var k = 0; k < cols; k++) result[k] = v[k];
        return kept;
    }

    /// <summary>
    /// The binary exponent of the largest finite |entry| of <paramref name="values"/> (<see cref="Math.ILogB"/>),
    /// 0 when every entry is 0 or not finite: scaling by 2 to minus it is exact and brings the largest entry into [1, 2).
    /// </summary>
    internal static int LargestExponent(ReadOnlySpan<double> values)
    {
        var largest = 0.0;
        foreach (var v in values)
            if (double.IsFinite(v)) largest = Math.Max(largest, Math.Abs(v));
        return largest > 0 ? Math.ILogB(largest) : 0;
    }

    /// <summary>
    /// The first <paramref name="length"/> entries of 𝒥 times 2⁻ᵉ, e = <see cref="LargestExponent"/> of them (exact:
    /// the largest entry lands in [1, 2)), and e. The one scaling of every spectral route (<see cref="Spectral"/>,
    /// <see cref="WideSpectral"/>, <see cref="GramSpectral"/>): squares and norms of the scaled entries neither
    /// overflow (entries of 10²⁰⁰, whose squares are ∞) nor underflow (10⁻²⁰⁰, whose squares are 0), and σ = 2ᵉ·σ̃.
    /// </summary>
    internal static (double[] Scaled, int Exponent) ScaledCopy(double[] jacobian, int length)
    {
        var scaled = new double[length];
        Array.Copy(jacobian, scaled, length);
        var exponent = LargestExponent(scaled);
        if (exponent != 0) for (var k = 0; k < scaled.Length; k++) scaled[k] = Math.ScaleB(scaled[k], -exponent);
        return (scaled, exponent);
    }

    /// <summary>
    /// One pass over the batch that every method starts with: x_b = f(z_b; θ) (B rows of n), then per
    /// sample y_b = P(x_b), J_b and r_b = y_b − y*_b into <paramref name="work"/>. Returns L̄ = (1/B) Σ ½‖r_b‖².
    /// </summary>
    private double Simulate(double[] theta, double[] z, double[] yTarget, int batch, Workspace work, TrainingTiming? timing)
    {
        timing?.Start(TrainingStage.Forward);
        // The activations stay in the workspace: the backward pass or the per-sample Jacobian that
        // follows reads them instead of running the network again.
        var activations = work.Activations ??= _network.CreateActivations(batch);
        _network.Forward(theta, z, batch, activations);
        activations.Outputs.CopyTo(work.X);
        timing?.Stop(TrainingStage.Forward);
        timing?.Start(TrainingStage.Physics);
        double loss = 0;
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(work.X, b * _n, work.Xb, 0, _n);
            _physics.Simulate(work.Xb, work.Yb, work.Jb);
            Array.Copy(work.Yb, 0, work.Y, b * _m, _m);
            Array.Copy(work.Jb, 0, work.J, b * _m * _n, _m * _n);
            for (var i = 0; i < _m; i++)
            {
                var r = work.Yb[i] - yTarget[b * _m + i];
                work.R[b * _m + i] = r;
                loss += 0.5 * r * r;
            }
        }
        timing?.Stop(TrainingStage.Physics);
        return loss / batch;
    }

    /// <summary>∂L̄/∂θ (|θ|) by backpropagation of w_b = J_bᵀ r_b / B; returns L̄ of the batch.</summary>
    public double Gradient(double[] theta, double[] z, double[] yTarget, int batch, double[] gradient) =>
        Gradient(theta, z, yTarget, batch, gradient, new Workspace(batch, _n, _m, theta.Length, stacked: false), null);

    private double Gradient(double[] theta, double[] z, double[] yTarget, int batch, double[] gradient, Workspace work, TrainingTiming? timing)
    {
        var loss = Simulate(theta, z, yTarget, batch, work, timing);
        timing?.Start(TrainingStage.Backward);
        Array.Clear(work.W);
        for (var b = 0; b < batch; b++)
            for (var i = 0; i < _m; i++)
            {
                var r = work.R[b * _m + i] / batch;
                for (var k = 0; k < _n; k++) work.W[b * _n + k] += work.J[(b * _m + i) * _n + k] * r;
            }
        _network.Backward(theta, work.Activations!, work.W, gradient);
        timing?.Stop(TrainingStage.Backward);
        return loss;
    }

    /// <summary>
    /// The stacked batch Jacobian 𝒥 = [J_b ∂x_b/∂θ / √B]_b ((B·m) × |θ|, row by row) and g = [r_b / √B]_b
    /// (B·m), the Jacobian and residual of the mean loss L̄ = ½‖g‖² (so ∂L̄/∂θ = 𝒥ᵀ g); returns L̄ of the
    /// batch. 𝒥's rows are backpropagated from the rows of J_b/√B (m backward passes per sample).
    /// </summary>
    public (double[] Jacobian, double[] G, double Loss) StackedJacobian(double[] theta, double[] z, double[] yTarget, int batch)
    {
        var jacobian = new double[batch * _m * theta.Length];
        var g = new double[batch * _m];
        var loss = FillStacked(theta, z, yTarget, batch, jacobian, g);
        return (jacobian, g, loss);
    }

    private double FillStacked(double[] theta, double[] z, double[] yTarget, int batch, double[] jacobian, double[] g, Workspace? work = null, TrainingTiming? timing = null)
    {
        work ??= new Workspace(batch, _n, _m, theta.Length, stacked: false);
        var loss = Simulate(theta, z, yTarget, batch, work, timing);
        timing?.Start(TrainingStage.Jacobian);
        var scale = 1 / Math.Sqrt(batch);
        for (var k = 0; k < batch * _m; k++) g[k] = work.R[k] * scale;
        for (var k = 0; k < batch * _m * _n; k++) work.Seeds[k] = work.J[k] * scale;
        _network.VectorJacobians(theta, work.Activations!, work.Seeds, _m, jacobian);
        timing?.Stop(TrainingStage.Jacobian);
        return loss;
    }

    /// <summary>
    /// SIP's physics step for one sample: Δy = η (y* − y), then Δx = J⁺Δy (IG, relative cut-off) or
    /// P⁻¹(y + Δy; x) − x (PG). Returns false when PG's inverse found no preimage and J⁺Δy was used.
    /// </summary>
    public bool PhysicsStep(TrainingSettings settings, double[] x, double[] y, double[] jacobian, double[] yTarget, double[] dx)
    {
        var dy = new double[_m];
        for (var i = 0; i < _m; i++) dy[i] = settings.PhysicsStep * (yTarget[i] - y[i]);
        if (settings.Method == TrainingMethod.SipPhysicalGradient)
        {
            var goal = new double[_m];
            for (var i = 0; i < _m; i++) goal[i] = y[i] + dy[i];
            var solved = new double[_n];
            if (_physics.TryInvert(goal, x, solved) && solved.All(double.IsFinite))
            {
                for (var k = 0; k < _n; k++) dx[k] = solved[k] - x[k];
                return true;
            }
        }
        Spectral(jacobian, _m, _n, dy, -1, settings.Rcond, dx);
        return settings.Method != TrainingMethod.SipPhysicalGradient;
    }

    /// <summary>
    /// SIP-IG's Δx = J_b⁺ η (y* − y_b), the same as <see cref="PhysicsStep"/>, with J_b⁺ (n × m) kept
    /// while J_b stays bitwise the same: for a linear P (the oscillators) every sample shares one J, and
    /// one factorisation per run replaces one per sample.
    /// </summary>
    private void PseudoInverseStep(TrainingSettings settings, Workspace work, double[] target, double[] dx)
    {
        if (!work.PinvValid || !work.Jb.AsSpan().SequenceEqual(work.PinvOf))
        {
            var unit = new double[_m];
            var column = new double[_n];
            for (var i = 0; i < _m; i++)
            {
                Array.Clear(unit);
                unit[i] = 1;
                Spectral(work.Jb, _m, _n, unit, -1, settings.Rcond, column);
                for (var k = 0; k < _n; k++) work.Pinv[k * _m + i] = column[k];
            }
            Array.Copy(work.Jb, work.PinvOf, work.Jb.Length);
            work.PinvValid = true;
        }
        for (var k = 0; k < _n; k++)
        {
            double s = 0;
            for (var i = 0; i < _m; i++) s += work.Pinv[k * _m + i] * settings.PhysicsStep * (target[i] - work.Yb[i]);
            dx[k] = s;
        }
    }

    private double ProxyGradient(TrainingSettings settings, double[] theta, double[] z, double[] yTarget, int batch, Workspace work, OptimizerState state)
    {
        var loss = Simulate(theta, z, yTarget, batch, work, state.Timing);
        state.Timing?.Start(TrainingStage.Svd);
        var target = new double[_m];
        var dx = new double[_n];
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(work.X, b * _n, work.Xb, 0, _n);
            Array.Copy(work.Y, b * _m, work.Yb, 0, _m);
            Array.Copy(work.J, b * _m * _n, work.Jb, 0, _m * _n);
            Array.Copy(yTarget, b * _m, target, 0, _m);
            if (settings.Method == TrainingMethod.SipInverseGradient)
                PseudoInverseStep(settings, work, target, dx);
            else if (!PhysicsStep(settings, work.Xb, work.Yb, work.Jb, target, dx)) state.Fallbacks++;
            // ∂/∂x_b of (1/B)·½‖x_b − sg(x_b + Δx_b)‖² is −Δx_b / B.
            for (var k = 0; k < _n; k++) work.W[b * _n + k] = -dx[k] / batch;
        }
        state.Timing?.Stop(TrainingStage.Svd);
        state.Timing?.Start(TrainingStage.Backward);
        _network.Backward(theta, work.Activations!, work.W, work.Gradient);
        state.Timing?.Stop(TrainingStage.Backward);
        return loss;
    }

    /// <summary>
    /// The first of <paramref name="count"/> samples x_b (rows of n in <paramref name="xs"/>) outside the
    /// physics' domain, with the failing condition in words, or null: the rule of compare's runs
    /// (<see cref="DomainCheck.Left"/>), asked with the sample's outputs y_b (rows of m in
    /// <paramref name="ys"/>; the training loss ½‖y − y*‖² is a function of them alone) or, when
    /// <paramref name="failed"/> (an SVD refused the batch: a NaN or ∞ in it), for every finite sample.
    /// Asked only once a loss is non-finite or a step failed, never on a step that went well.
    /// </summary>
    private (int Sample, string Why)? Outside(double[] xs, double[] ys, int count, bool failed = false)
    {
        var xb = new double[_n];
        for (var s = 0; s < count; s++)
        {
            Array.Copy(xs, s * _n, xb, 0, _n);
            if (DomainCheck.Left(_physics, xb, failed ? double.NaN : 0, ys.AsSpan(s * _m, _m)) is { } why) return (s, why);
        }
        return null;
    }

    /// <summary><see cref="Outside"/> of the network's outputs x = f(z; θ) and their P(x) over <paramref name="count"/> inputs <paramref name="z"/>.</summary>
    private (int Sample, string Why)? OutsideDomain(double[] theta, double[] z, int count)
    {
        var x = new double[count * _n];
        _network.Forward(theta, z, count, x);
        var y = new double[count * _m];
        var xb = new double[_n];
        var yb = new double[_m];
        for (var s = 0; s < count; s++)
        {
            Array.Copy(x, s * _n, xb, 0, _n);
            _physics.Simulate(xb, yb);
            Array.Copy(yb, 0, y, s * _m, _m);
        }
        return Outside(x, y, count);
    }

    /// <summary>
    /// Trains from Glorot-initialised θ (<paramref name="seed"/>), drawing batches from a random source
    /// seeded with <paramref name="seed"/> + 1, until <paramref name="maxSteps"/> steps or
    /// <paramref name="budget"/> of training time (whichever first; null = no limit), recording the
    /// evaluation-set loss at step 0, then every <paramref name="recordEvery"/> steps or 1/200 of the
    /// time budget, and at the end. Evaluation time is not counted in the budget.
    /// <para>A step whose update takes a sample's x = f(z; θ) outside the physics' domain (a batch's or the
    /// evaluation set's P(x) is non-finite there, judged by compare's rule <see cref="DomainCheck.Left"/>)
    /// ends the run with <c>LeftDomain</c>, as compare's runs stop with <see cref="StopReason.LeftDomain"/>:
    /// the detail names the step, the condition with its values and the sample, and the run ends at θ of
    /// the step before (recorded then if it was not; its last recorded point before that step where even
    /// that θ's evaluation is not finite), with θ and loss finite, not a NaN.</para>
    /// </summary>
    public TrainingHistory Train(
        TrainingSettings settings, int seed, int? maxSteps, TimeSpan? budget,
        double[] evalZ, double[] evalY, double[]? evalX = null, int recordEvery = 10,
        IProgress<double>? progress = null, CancellationToken cancel = default, TrainingTiming? timing = null)
    {
        if (maxSteps is null && budget is null) throw new ArgumentException("Give a step limit or a time budget.");
        if (settings.BatchSize < 1) throw new ArgumentException("The batch size must be at least 1.", nameof(settings));
        var theta = _network.Initialize(seed);
        var random = new Random(seed + 1);
        var evalCount = evalZ.Length / _network.InputCount;
        var state = new OptimizerState(theta.Length) { Timing = timing };
        var b = settings.BatchSize;
        var z = new double[b * _network.InputCount];
        var yTarget = new double[b * _m];
        var delta = new double[theta.Length];
        var points = new List<TrainingPoint>();
        // θ at the last two recorded points, and θ before the latest update with the time it was reached: a
        // run that leaves the domain ends at the last θ before the step that left (never a θ whose loss is NaN).
        double[]? lastTheta = null, previousTheta = null;
        var before = new double[theta.Length];
        double beforeSeconds = 0, thetaSeconds = 0;
        void Record(int step, double seconds)
        {
            var (l, e) = Evaluate(theta, evalZ, evalY, evalCount, evalX);
            points.Add(new TrainingPoint(step, seconds, l, e));
            (previousTheta, lastTheta) = (lastTheta, (double[])theta.Clone());
        }
        Record(0, 0);
        var clock = new Stopwatch();
        var step = 0;
        var nextRecord = budget is { } t0 ? t0.TotalSeconds / 200 : double.PositiveInfinity;
        var diverged = false;
        string stop = "Cancelled", detail = "cancelled";
        // The update of step `left` (0: the initial θ) put a sample outside the domain (`where`, `why`). As
        // compare's runs end at their last point inside, the run ends at θ of step left − 1 (recorded now if
        // it was not, when its evaluation is finite), else at its last recorded point before step `left`.
        void LeftDomain(int left, string why, string where)
        {
            if (left > 0)
            {
                var kept = lastTheta!;
                if (points.Count > 1 && points[^1].Step >= left)
                {
                    points.RemoveAt(points.Count - 1);
                    kept = previousTheta!;
                }
                if (points[^1].Step < left - 1 && Evaluate(before, evalZ, evalY, evalCount, evalX) is var (l, e) && double.IsFinite(l))
                {
                    points.Add(new TrainingPoint(left - 1, beforeSeconds, l, e));
                    kept = before;
                }
                kept.CopyTo(theta, 0);
            }
            step = points[^1].Step;
            (stop, detail) = ("LeftDomain", (left == 0 ? "the initial network (step 0) is outside the domain" : $"step {left} left the domain")
                + $": {why} at {where}; the run ends at step {step}" + (left == 0 ? "" : ", its last point inside it"));
        }
        if (!double.IsFinite(points[0].Loss) && OutsideDomain(theta, evalZ, evalCount) is { } atStart)
            LeftDomain(0, atStart.Why, $"evaluation sample {atStart.Sample + 1}");
        while (stop != "LeftDomain" && !cancel.IsCancellationRequested)
        {
            if (maxSteps is { } s && step >= s) { (stop, detail) = ("StepLimit", $"{s} step{(s == 1 ? "" : "s")}"); break; }
            if (budget is { } t && clock.Elapsed >= t) { (stop, detail) = ("TimeLimit", $"{t.TotalSeconds.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)} s"); break; }
            clock.Start();
            _sampler(random, b, z, yTarget);
            double batchLoss;
            try
            {
                batchLoss = Step(settings, theta, z, yTarget, b, state, delta);
            }
            catch (MathNet.Numerics.NonConvergenceException)
            {
                clock.Stop();
                // A batch outside the domain fills the Jacobian with NaN, which an SVD may refuse: that is
                // the step before leaving the domain, not a solver's failure.
                var failedBatch = state.Workspace(b, _n, _m, theta.Length);
                if (Outside(failedBatch.X, failedBatch.Y, b, failed: true) is { } outside)
                {
                    LeftDomain(step, outside.Why, $"sample {outside.Sample + 1} of step {step + 1}'s batch");
                    break;
                }
                // Huge inputs (λ near overflow, θ blown up) can keep MathNet's SVD or eigensolver from
                // converging: this run ends typed at the last θ, and the other runs go on.
                (stop, detail) = ("SolverFailed", $"{MethodName(settings.Method)}'s step {step + 1}: an SVD or eigendecomposition did not converge");
                break;
            }
            // A non-finite batch loss at a finite θ may be a sample outside the domain (sqrt of a negative x):
            // the last update left it, and the step computed from that batch is not taken.
            if (!double.IsFinite(batchLoss) && state.Workspace(b, _n, _m, theta.Length) is var batchWork
                && Outside(batchWork.X, batchWork.Y, b) is { } left)
            {
                clock.Stop();
                LeftDomain(step, left.Why, $"sample {left.Sample + 1} of step {step + 1}'s batch");
                break;
            }
            theta.CopyTo(before, 0);
            beforeSeconds = thetaSeconds;
            for (var k = 0; k < theta.Length; k++) theta[k] += delta[k];
            clock.Stop();
            step++;
            if (!theta.All(double.IsFinite)) { diverged = true; break; }
            var seconds = thetaSeconds = clock.Elapsed.TotalSeconds;
            if (budget is { } tb ? seconds >= nextRecord : step % recordEvery == 0)
            {
                Record(step, seconds);
                if (budget is { } tb2) nextRecord = seconds + tb2.TotalSeconds / 200;
                // The evaluation set may leave the domain where the batches did not.
                if (!double.IsFinite(points[^1].Loss) && OutsideDomain(theta, evalZ, evalCount) is { } evalOutside)
                {
                    LeftDomain(step, evalOutside.Why, $"evaluation sample {evalOutside.Sample + 1}");
                    break;
                }
                // A run is stopped at the first evaluation that shows it diverged, non-finite or by the rule
                // compare uses (LossGrowth.Exploded): gd:5 on hig-toy was at 9.2E+19 by step 10 and ran on
                // to be called "diverged at step 50".
                if (LossGrowth.Exploded(points[0].Loss, points[^1].Loss)) { diverged = true; break; }
                progress?.Report(budget is { } tp ? seconds / tp.TotalSeconds : (double)step / maxSteps!.Value);
            }
        }
        if (stop != "LeftDomain" && points[^1].Step != step) Record(step, clock.Elapsed.TotalSeconds);
        if (stop == "LeftDomain")
            return new TrainingHistory(settings, seed, points, state.Fallbacks, false) { Stop = stop, StopDetail = detail };
        if (!double.IsFinite(points[^1].Loss) || !theta.All(double.IsFinite)) diverged = true;
        if (diverged && stop != "SolverFailed")
            (stop, detail) = ("Diverged", !double.IsFinite(points[^1].Loss) || !theta.All(double.IsFinite)
                ? $"the loss or θ became non-finite at step {step}"
                : LossGrowth.Describe(points[0].Loss, points[^1].Loss, step).Replace("iteration", "step", StringComparison.Ordinal));
        else if (stop != "SolverFailed" && LossGrowth.Exploded(points[0].Loss, points[^1].Loss))
        {
            // The rule compare uses: far above the start is a divergence even while still finite.
            diverged = true;
            (stop, detail) = ("Diverged", LossGrowth.Describe(points[0].Loss, points[^1].Loss, step).Replace("iteration", "step", StringComparison.Ordinal));
        }
        return new TrainingHistory(settings, seed, points, state.Fallbacks, diverged) { Stop = stop, StopDetail = detail };
    }

    /// <summary>The method's name as train's --methods writes it (sip-pg), never the enum's (SipPhysicalGradient).</summary>
    private static string MethodName(TrainingMethod method) => method switch
    {
        TrainingMethod.GradientDescent => "gd",
        TrainingMethod.Adam => "adam",
        TrainingMethod.GaussNewton => "gn",
        TrainingMethod.Hig => "hig",
        TrainingMethod.SipInverseGradient => "sip-ig",
        TrainingMethod.SipPhysicalGradient => "sip-pg",
        _ => "the method",
    };
}

/// <summary>
/// What a training run carries between steps: the first-order rule's state (<see cref="Rules.Adam"/> with
/// Keras's ε = 10⁻⁷, or <see cref="Rules.GradientDescent"/>, on θ), SIP's fallback count, the buffers of
/// one batch size, and optionally a per-stage timing.
/// </summary>
public sealed class OptimizerState(int parameters)
{
    private RuleState? _rule;
    private Workspace? _work;
    private readonly FallbackNotes _notes = new();
    private readonly ParameterSpace _space = new(parameters);

    /// <summary>SIP-PG samples whose inverse failed and used J⁺ instead.</summary>
    public long Fallbacks { get; set; }

    /// <summary>When set, each step adds its stages' times here (the benchmarks' per-stage table).</summary>
    public TrainingTiming? Timing { get; set; }

    /// <summary>Δθ of GD (−η ∂L̄/∂θ) or Adam from the gradient; the rule is started on the first call.</summary>
    internal void FirstOrder(bool adam, double rate, double[] theta, double loss, double[] gradient, double[] delta)
    {
        _rule ??= (adam ? new Adam(rate, 0.9, 0.999, 1e-7) : (IUpdateRule)new GradientDescent(rate)).Init(_space, theta);
        _notes.Begin(1);
        _rule.Update(theta, loss, gradient, delta, _notes);
    }

    internal Workspace Workspace(int batch, int n, int m, int parameters) =>
        _work is { } w && w.Batch == batch ? w : _work = new Workspace(batch, n, m, parameters, stacked: true);

    /// <summary>
    /// θ as the "problem" the first-order rules start on: the trainer computes ∂L̄/∂θ itself and hands it
    /// to the rule's update, so nothing here is ever evaluated.
    /// </summary>
    private sealed class ParameterSpace(int count) : IDifferentiableProblem
    {
        public int N => count;
        public int M => 0;
        public Capabilities Supported => Capabilities.Value | Capabilities.Gradient;
        public double Value(double[] x) => throw Unused();
        public double ValueGradient(double[] x, double[] gradient) => throw Unused();
        public void Simulate(double[] x, double[] y) => throw Unused();
        public void Simulate(double[] x, double[] y, double[] jacobian) => throw Unused();
        public double LossInY(double[] y, double[] gradient) => throw Unused();
        public double LossInY(double[] y, double[] gradient, double[] hessian) => throw Unused();
        public double LossInX(double[] x, double[] gradient, double[] hessian) => throw Unused();
        public void JacobianVector(double[] x, double[] v, double[] y, double[] jv) => throw Unused();
        public void JacobianTransposeVector(double[] x, double[] w, double[] y, double[] jtw) => throw Unused();
        public double HessianVector(double[] x, double[] v, double[] gradient, double[] hv) => throw Unused();
        public bool TryInvert(double[] y, double[] x0, double[] x) => throw Unused();
        private static NotSupportedException Unused() => new("The trainer hands ∂L̄/∂θ to the rule; θ is never evaluated as a problem.");
    }
}

/// <summary>The buffers of one batch size (allocated once per run, not per step).</summary>
internal sealed class Workspace(int batch, int n, int m, int parameters, bool stacked)
{
    public int Batch { get; } = batch;
    public double[] X { get; } = new double[batch * n];
    public double[] Y { get; } = new double[batch * m];
    public double[] J { get; } = new double[batch * m * n];
    public double[] R { get; } = new double[batch * m];
    public double[] W { get; } = new double[batch * n];
    public double[] Seeds { get; } = new double[batch * m * n];
    public double[] Xb { get; } = new double[n];
    public double[] Yb { get; } = new double[m];
    public double[] Jb { get; } = new double[m * n];
    public double[] Gradient { get; } = new double[parameters];
    public double[] G { get; } = new double[batch * m];
    public double[] Stacked { get; } = stacked ? new double[batch * m * parameters] : [];
    public double[] Pinv { get; } = new double[n * m];
    public double[] PinvOf { get; } = new double[m * n];
    public bool PinvValid { get; set; }
    /// <summary>The network's stored activations of the batch, made on the first forward pass.</summary>
    public DenseActivations? Activations { get; set; }
}

/// <summary>The stages of a training step that <see cref="TrainingTiming"/> separates.</summary>
public enum TrainingStage
{
    /// <summary>The network's forward pass x_b = f(z_b; θ) over the batch.</summary>
    Forward,
    /// <summary>The physics y_b = P(x_b) and J_b per sample, and the residuals.</summary>
    Physics,
    /// <summary>Backpropagation of the loss gradient (GD, Adam, SIP's proxy loss).</summary>
    Backward,
    /// <summary>The stacked per-sample Jacobian J_b ∂x_b/∂θ (GN, HIG).</summary>
    Jacobian,
    /// <summary>The factorisation: GN/HIG's V Σ^κ Uᵀ g, or SIP's per-sample pseudo-inverses.</summary>
    Svd,
    /// <summary>The first-order rule's update (GD, Adam) from the gradient.</summary>
    Update,
}

/// <summary>Accumulated wall-clock time per <see cref="TrainingStage"/> (for benchmarks; not thread safe).</summary>
public sealed class TrainingTiming
{
    private readonly long[] _ticks = new long[Enum.GetValues<TrainingStage>().Length];
    private readonly long[] _started = new long[Enum.GetValues<TrainingStage>().Length];

    /// <summary>Starts timing a stage.</summary>
    public void Start(TrainingStage stage) => _started[(int)stage] = Stopwatch.GetTimestamp();

    /// <summary>Stops timing a stage and adds the time since its start.</summary>
    public void Stop(TrainingStage stage) => _ticks[(int)stage] += Stopwatch.GetTimestamp() - _started[(int)stage];

    /// <summary>The total seconds spent in a stage.</summary>
    public double Seconds(TrainingStage stage) => (double)_ticks[(int)stage] / Stopwatch.Frequency;
}
