using System.Diagnostics;

namespace PhysGrad.Numerics.Learning;

/// <summary>
/// Trains a network x = f(z; θ) through a physics problem y = P(x) (any <see cref="IDifferentiableProblem"/>
/// answering <c>Simulate(x, y, J)</c>, and <c>TryInvert</c> for SIP-PG) on the per-sample loss
/// L_b = ½‖y_b − y*_b‖² (THEORY.md §6).
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
            throw new ArgumentException($"The network gives {network.OutputCount} outputs but the physics takes {physics.N} variables.", nameof(network));
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
    /// the step. Adam's moments live in <paramref name="state"/> and are advanced. For GN and HIG this is
    /// <c>−η V Σ^κ Uᵀ g</c> of <see cref="StackedJacobian"/>; for GD/Adam and SIP the first-order step
    /// on the mean (proxy) loss.
    /// </summary>
    public double Step(TrainingSettings settings, double[] theta, double[] z, double[] yTarget, int batch, OptimizerState state, double[] delta)
    {
        switch (settings.Method)
        {
            case TrainingMethod.GaussNewton:
            case TrainingMethod.Hig:
            {
                var (jacobian, g, loss) = StackedJacobian(theta, z, yTarget, batch);
                var kappa = settings.Method == TrainingMethod.GaussNewton ? -1.0 : -0.5;
                Spectral(jacobian, g, kappa, settings.Tau, delta);
                for (var k = 0; k < delta.Length; k++) delta[k] *= -settings.LearningRate;
                return loss;
            }
            case TrainingMethod.GradientDescent:
            case TrainingMethod.Adam:
            {
                var gradient = new double[theta.Length];
                var loss = Gradient(theta, z, yTarget, batch, gradient);
                FirstOrder(settings.Method == TrainingMethod.Adam, settings.LearningRate, gradient, state, delta);
                return loss;
            }
            default:
            {
                var gradient = new double[theta.Length];
                var loss = ProxyGradient(settings, theta, z, yTarget, batch, gradient, state);
                FirstOrder(settings.SipWithAdam, settings.LearningRate, gradient, state, delta);
                return loss;
            }
        }
    }

    /// <summary>
    /// V Σ^κ Uᵀ g of 𝒥 (<see cref="LinearAlgebra.SpectralProduct"/>), through a thin QR first when 𝒥
    /// has more rows than columns: 𝒥 = Q R gives the same Σ and V with Uᵀg = U_Rᵀ Qᵀ g, and MathNet's SVD
    /// would otherwise form the full (B·m) × (B·m) U (at B = 256, m = 2 that made one step cost 0.1 s).
    /// </summary>
    public static int Spectral(double[,] jacobian, double[] g, double kappa, double tau, double[] result)
    {
        var rows = jacobian.GetLength(0);
        var cols = jacobian.GetLength(1);
        if (rows <= cols) return LinearAlgebra.SpectralProduct(jacobian, g, kappa, tau, result);
        var qr = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.OfArray(jacobian).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        var qtg = qr.Q.TransposeThisAndMultiply(MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray(g)).AsArray();
        return LinearAlgebra.SpectralProduct(qr.R.ToArray(), qtg, kappa, tau, result);
    }

    /// <summary>∂L̄/∂θ (|θ|) by backpropagation through J_bᵀ; returns L̄ of the batch.</summary>
    public double Gradient(double[] theta, double[] z, double[] yTarget, int batch, double[] gradient)
    {
        var x = new double[batch * _n];
        _network.Forward(theta, z, batch, x);
        var w = new double[batch * _n];
        var xb = new double[_n];
        var y = new double[_m];
        var j = new double[_m * _n];
        double loss = 0;
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(x, b * _n, xb, 0, _n);
            _physics.Simulate(xb, y, j);
            for (var i = 0; i < _m; i++)
            {
                var r = y[i] - yTarget[b * _m + i];
                loss += 0.5 * r * r;
                for (var k = 0; k < _n; k++) w[b * _n + k] += j[i * _n + k] * r / batch;
            }
        }
        _network.Backward(theta, z, batch, w, gradient);
        return loss / batch;
    }

    /// <summary>
    /// The stacked batch Jacobian 𝒥 = [J_b ∂x_b/∂θ / √B]_b ((B·m) × |θ|) and g = [r_b / √B]_b (B·m), the
    /// Jacobian and residual of the mean loss L̄ = ½‖g‖² (so ∂L̄/∂θ = 𝒥ᵀ g); returns L̄ of the batch.
    /// </summary>
    public (double[,] Jacobian, double[] G, double Loss) StackedJacobian(double[] theta, double[] z, double[] yTarget, int batch)
    {
        var p = theta.Length;
        var x = new double[batch * _n];
        var jx = new double[batch * _n * p];
        _network.Jacobians(theta, z, batch, x, jx);
        var stacked = new double[batch * _m, p];
        var g = new double[batch * _m];
        var scale = 1 / Math.Sqrt(batch);
        var xb = new double[_n];
        var y = new double[_m];
        var j = new double[_m * _n];
        double loss = 0;
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(x, b * _n, xb, 0, _n);
            _physics.Simulate(xb, y, j);
            for (var i = 0; i < _m; i++)
            {
                var r = y[i] - yTarget[b * _m + i];
                loss += 0.5 * r * r;
                var row = b * _m + i;
                g[row] = r * scale;
                for (var k = 0; k < _n; k++)
                {
                    var c = j[i * _n + k] * scale;
                    if (c == 0) continue;
                    var src = (b * _n + k) * p;
                    for (var t = 0; t < p; t++) stacked[row, t] += c * jx[src + t];
                }
            }
        }
        return (stacked, g, loss / batch);
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
        var j = new double[_m, _n];
        for (var i = 0; i < _m; i++)
            for (var k = 0; k < _n; k++) j[i, k] = jacobian[i * _n + k];
        LinearAlgebra.SpectralProduct(j, dy, -1, settings.Rcond, dx);
        return settings.Method != TrainingMethod.SipPhysicalGradient;
    }

    private double ProxyGradient(TrainingSettings settings, double[] theta, double[] z, double[] yTarget, int batch, double[] gradient, OptimizerState state)
    {
        var x = new double[batch * _n];
        _network.Forward(theta, z, batch, x);
        var w = new double[batch * _n];
        var xb = new double[_n];
        var y = new double[_m];
        var j = new double[_m * _n];
        var target = new double[_m];
        var dx = new double[_n];
        double loss = 0;
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(x, b * _n, xb, 0, _n);
            Array.Copy(yTarget, b * _m, target, 0, _m);
            _physics.Simulate(xb, y, j);
            for (var i = 0; i < _m; i++) loss += 0.5 * (y[i] - target[i]) * (y[i] - target[i]);
            if (!PhysicsStep(settings, xb, y, j, target, dx)) state.Fallbacks++;
            // ∂/∂x_b of (1/B)·½‖x_b − sg(x_b + Δx_b)‖² is −Δx_b / B.
            for (var k = 0; k < _n; k++) w[b * _n + k] = -dx[k] / batch;
        }
        _network.Backward(theta, z, batch, w, gradient);
        return loss / batch;
    }

    private static void FirstOrder(bool adam, double rate, double[] gradient, OptimizerState state, double[] delta)
    {
        if (!adam)
        {
            for (var k = 0; k < gradient.Length; k++) delta[k] = -rate * gradient[k];
            return;
        }
        const double beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7;
        state.StepCount++;
        var c1 = 1 - Math.Pow(beta1, state.StepCount);
        var c2 = 1 - Math.Pow(beta2, state.StepCount);
        for (var k = 0; k < gradient.Length; k++)
        {
            state.M[k] = beta1 * state.M[k] + (1 - beta1) * gradient[k];
            state.V[k] = beta2 * state.V[k] + (1 - beta2) * gradient[k] * gradient[k];
            delta[k] = -rate * (state.M[k] / c1) / (Math.Sqrt(state.V[k] / c2) + epsilon);
        }
    }

    /// <summary>
    /// Trains from Glorot-initialised θ (<paramref name="seed"/>), drawing batches from a random source
    /// seeded with <paramref name="seed"/> + 1, until <paramref name="maxSteps"/> steps or
    /// <paramref name="budget"/> of training time (whichever first; null = no limit), recording the
    /// evaluation-set loss at step 0, then every <paramref name="recordEvery"/> steps or 1/200 of the
    /// time budget, and at the end. Evaluation time is not counted in the budget.
    /// </summary>
    public TrainingHistory Train(
        TrainingSettings settings, int seed, int? maxSteps, TimeSpan? budget,
        double[] evalZ, double[] evalY, double[]? evalX = null, int recordEvery = 10,
        IProgress<double>? progress = null, CancellationToken cancel = default)
    {
        if (maxSteps is null && budget is null) throw new ArgumentException("Give a step limit or a time budget.");
        if (settings.BatchSize < 1) throw new ArgumentException("The batch size must be at least 1.", nameof(settings));
        var theta = _network.Initialize(seed);
        var random = new Random(seed + 1);
        var evalCount = evalZ.Length / _network.InputCount;
        var state = new OptimizerState(theta.Length);
        var b = settings.BatchSize;
        var z = new double[b * _network.InputCount];
        var yTarget = new double[b * _m];
        var delta = new double[theta.Length];
        var points = new List<TrainingPoint>();
        void Record(int step, double seconds)
        {
            var (l, e) = Evaluate(theta, evalZ, evalY, evalCount, evalX);
            points.Add(new TrainingPoint(step, seconds, l, e));
        }
        Record(0, 0);
        var clock = new Stopwatch();
        var step = 0;
        var nextRecord = budget is { } t0 ? t0.TotalSeconds / 200 : double.PositiveInfinity;
        var diverged = false;
        while (!cancel.IsCancellationRequested)
        {
            if (maxSteps is { } s && step >= s) break;
            if (budget is { } t && clock.Elapsed >= t) break;
            clock.Start();
            _sampler(random, b, z, yTarget);
            Step(settings, theta, z, yTarget, b, state, delta);
            for (var k = 0; k < theta.Length; k++) theta[k] += delta[k];
            clock.Stop();
            step++;
            if (!theta.All(double.IsFinite)) { diverged = true; break; }
            var seconds = clock.Elapsed.TotalSeconds;
            if (budget is { } tb ? seconds >= nextRecord : step % recordEvery == 0)
            {
                Record(step, seconds);
                if (budget is { } tb2) nextRecord = seconds + tb2.TotalSeconds / 200;
                if (!double.IsFinite(points[^1].Loss)) { diverged = true; break; }
                progress?.Report(budget is { } tp ? seconds / tp.TotalSeconds : (double)step / maxSteps!.Value);
            }
        }
        if (points[^1].Step != step) Record(step, clock.Elapsed.TotalSeconds);
        if (!double.IsFinite(points[^1].Loss)) diverged = true;
        return new TrainingHistory(settings, seed, points, state.Fallbacks, diverged);
    }
}

/// <summary>The first-order optimiser's state between steps (Adam's moments) and SIP's fallback count.</summary>
public sealed class OptimizerState(int parameters)
{
    /// <summary>Adam's first moment.</summary>
    public double[] M { get; } = new double[parameters];
    /// <summary>Adam's second moment.</summary>
    public double[] V { get; } = new double[parameters];
    /// <summary>Adam steps taken (for the bias correction).</summary>
    public int StepCount { get; set; }
    /// <summary>SIP-PG samples whose inverse failed and used J⁺ instead.</summary>
    public long Fallbacks { get; set; }
}
