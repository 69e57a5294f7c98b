using SimdVector = System.Numerics.Vector<double>;

namespace PhysGrad.Numerics.Learning;

/// <summary>The activation of a dense layer, applied element by element.</summary>
public enum Activation
{
    /// <summary>a(u) = u (a linear layer, e.g. the output layer).</summary>
    Identity,
    /// <summary>a(u) = tanh u.</summary>
    Tanh,
    /// <summary>a(u) = max(0, u); the derivative at u = 0 is taken as 0 (as TensorFlow and PyTorch do).</summary>
    Relu,
    /// <summary>a(u) = 1 / (1 + e⁻ᵘ).</summary>
    Sigmoid,
}

/// <summary>One dense layer: <c>out = a(W·in + b)</c> with W of <see cref="Outputs"/> × <see cref="Inputs"/>.</summary>
/// <param name="Inputs">The number of inputs (fan-in).</param>
/// <param name="Outputs">The number of units (fan-out).</param>
/// <param name="Activation">The activation applied to W·in + b.</param>
public sealed record DenseLayer(int Inputs, int Outputs, Activation Activation);

/// <summary>
/// A fully connected network <c>x = f(z; θ)</c>: a chain of <see cref="DenseLayer"/>s, written on plain
/// arrays because the networks PhysGrad trains are small (tens to a few thousand parameters) and
/// TorchSharp's native library does not load on this platform. The parameters θ are one flat array:
/// for each layer in order, W row by row (W[o, i] at <c>o·Inputs + i</c>), then b. Batches are row-major
/// arrays, one sample per row. Instances hold scratch buffers, so one instance is not thread safe.
/// </summary>
public sealed class DenseNetwork
{
    private readonly int[] _offsets; // start of each layer's W in θ
    private readonly int _widest;

    /// <summary>A network of the given layers (each layer's inputs must equal the previous layer's outputs).</summary>
    /// <exception cref="ArgumentException">No layers, a size below 1, or layers that do not chain.</exception>
    public DenseNetwork(IReadOnlyList<DenseLayer> layers)
    {
        if (layers.Count == 0) throw new ArgumentException("A network needs at least one layer.", nameof(layers));
        for (var l = 0; l < layers.Count; l++)
        {
            if (layers[l].Inputs < 1 || layers[l].Outputs < 1)
                throw new ArgumentException($"Layer {l} has {layers[l].Inputs} inputs and {NumberText.Count(layers[l].Outputs, "output")}; both must be at least 1.", nameof(layers));
            if (l > 0 && layers[l].Inputs != layers[l - 1].Outputs)
                throw new ArgumentException($"Layer {l} takes {layers[l].Inputs} inputs but layer {l - 1} gives {layers[l - 1].Outputs}.", nameof(layers));
        }
        Layers = layers.ToArray();
        _offsets = new int[Layers.Count];
        var count = 0;
        for (var l = 0; l < Layers.Count; l++)
        {
            _offsets[l] = count;
            count += Layers[l].Outputs * (Layers[l].Inputs + 1);
        }
        ParameterCount = count;
        _widest = Layers.Max(l => Math.Max(l.Inputs, l.Outputs));
    }

    /// <summary>
    /// A multilayer perceptron: <paramref name="inputs"/> → each hidden width with
    /// <paramref name="hidden"/> activation → <paramref name="outputs"/> with <paramref name="output"/> activation.
    /// </summary>
    public static DenseNetwork Mlp(int inputs, int[] hiddenWidths, int outputs, Activation hidden = Activation.Tanh, Activation output = Activation.Identity)
    {
        var layers = new List<DenseLayer>();
        var previous = inputs;
        foreach (var w in hiddenWidths)
        {
            layers.Add(new DenseLayer(previous, w, hidden));
            previous = w;
        }
        layers.Add(new DenseLayer(previous, outputs, output));
        return new DenseNetwork(layers);
    }

    /// <summary>The layers, input to output.</summary>
    public IReadOnlyList<DenseLayer> Layers { get; }

    /// <summary>|θ|, the number of parameters.</summary>
    public int ParameterCount { get; }

    /// <summary>The input size (of z).</summary>
    public int InputCount => Layers[0].Inputs;

    /// <summary>The output size (of x = f(z; θ)).</summary>
    public int OutputCount => Layers[^1].Outputs;

    /// <summary>Where layer <paramref name="layer"/>'s W starts in θ (its b follows W).</summary>
    public int WeightOffset(int layer) => _offsets[layer];

    /// <summary>
    /// Glorot/Xavier-uniform initialisation, Keras's default for Dense layers: every weight uniform in
    /// [−r, r] with r = √(6 / (fan_in + fan_out)) (Glorot and Bengio 2010, eq. 16), biases zero. The same
    /// seed gives the same θ (System.Random with a seed is deterministic across runs and platforms).
    /// </summary>
    public double[] Initialize(int seed)
    {
        var random = new Random(seed);
        var theta = new double[ParameterCount];
        for (var l = 0; l < Layers.Count; l++)
        {
            var layer = Layers[l];
            var r = GlorotLimit(layer);
            var w = layer.Inputs * layer.Outputs;
            for (var k = 0; k < w; k++) theta[_offsets[l] + k] = r * (2 * random.NextDouble() - 1);
        }
        return theta;
    }

    /// <summary>The Glorot-uniform bound √(6 / (fan_in + fan_out)) of a layer.</summary>
    public static double GlorotLimit(DenseLayer layer) => Math.Sqrt(6.0 / (layer.Inputs + layer.Outputs));

    /// <summary>
    /// Buffers for the stored activations of up to <paramref name="capacity"/> samples (grown on demand),
    /// to pass to <see cref="Forward(double[], double[], int, DenseActivations)"/> and then to the
    /// <see cref="Backward(double[], DenseActivations, double[], double[])"/> and
    /// <see cref="VectorJacobians(double[], DenseActivations, double[], int, double[])"/> that reuse them.
    /// </summary>
    public DenseActivations CreateActivations(int capacity = 1) => new(this, Math.Max(1, capacity));

    /// <summary>
    /// The forward pass for a batch: <paramref name="z"/> holds B rows of <see cref="InputCount"/>,
    /// <paramref name="x"/> receives B rows of <see cref="OutputCount"/>.
    /// </summary>
    public void Forward(double[] theta, double[] z, int batch, double[] x)
    {
        CheckSizes(theta, z, batch);
        if (x.Length < batch * OutputCount) throw new ArgumentException($"x needs {batch * OutputCount} entries.", nameof(x));
        var store = Scratch();
        Forward(theta, z, batch, store);
        Array.Copy(store.Values[^1], x, batch * OutputCount);
    }

    /// <summary>
    /// The forward pass for a batch, keeping every layer's outputs in <paramref name="activations"/> (B rows
    /// each; the network's outputs are <see cref="DenseActivations.Outputs"/>) so that the backward passes
    /// that follow need not run it again. Each layer is one matrix–matrix product of the B × fan-in
    /// activations with Wᵀ over the whole batch (SIMD across a layer's units), then the activation.
    /// </summary>
    /// <exception cref="ArgumentException">θ or z of the wrong size, or activations of another network.</exception>
    public void Forward(double[] theta, double[] z, int batch, DenseActivations activations)
    {
        CheckSizes(theta, z, batch);
        CheckOwner(activations);
        activations.Reserve(batch);
        activations.Batch = batch;
        Array.Copy(z, activations.Values[0], batch * InputCount);
        for (var l = 0; l < Layers.Count; l++)
            LayerForward(theta, l, activations.Values[l], activations.Values[l + 1], batch, activations.Transposed);
    }

    /// <summary>
    /// Σ_b (∂f(z_b; θ)/∂θ)ᵀ w_b, the vector–Jacobian product summed over the batch (backpropagation):
    /// <paramref name="w"/> holds B rows of <see cref="OutputCount"/> (e.g. ∂L/∂x_b), the result
    /// <paramref name="gradient"/> (|θ|) is overwritten. The network outputs are written to
    /// <paramref name="x"/> (B rows) on the way. No averaging happens here: callers scale w.
    /// </summary>
    public void Backward(double[] theta, double[] z, int batch, double[] w, double[] gradient, double[]? x = null)
    {
        CheckSizes(theta, z, batch);
        var store = Scratch();
        Forward(theta, z, batch, store);
        if (x is not null) Array.Copy(store.Values[^1], x, batch * OutputCount);
        Backward(theta, store, w, gradient);
    }

    /// <summary>
    /// Σ_b (∂f(z_b; θ)/∂θ)ᵀ w_b as <see cref="Backward(double[], double[], int, double[], double[], double[])"/>,
    /// from the activations a <see cref="Forward(double[], double[], int, DenseActivations)"/> with the same
    /// θ stored (B = their batch). Batched: per layer, δ ⊙= a′ over the B × fan-out block, ∂W += δ_bᵀ a_b
    /// and the next δ = δ W as SIMD row operations; the sums run over the samples in order, as a
    /// sample-by-sample backpropagation adds them.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes that do not match, or activations of another network.</exception>
    public void Backward(double[] theta, DenseActivations activations, double[] w, double[] gradient)
    {
        CheckOwner(activations);
        var batch = activations.Batch;
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ needs {ParameterCount} entries, got {theta.Length}.", nameof(theta));
        if (w.Length < batch * OutputCount) throw new ArgumentException($"w needs {batch * OutputCount} entries.", nameof(w));
        if (gradient.Length != ParameterCount) throw new ArgumentException($"The gradient needs {ParameterCount} entries.", nameof(gradient));
        Array.Clear(gradient);
        Propagate(theta, activations, w, 1, gradient, summed: true);
    }

    /// <summary>
    /// The per-sample Jacobians ∂f(z_b; θ)/∂θ stacked as rows: <paramref name="jacobian"/> receives
    /// (B·<see cref="OutputCount"/>) × |θ| row by row, rows b·n … b·n + n − 1 being sample b's Jacobian
    /// (the layout HIG's stacked batch Jacobian uses). One backward pass per output and sample.
    /// The outputs are written to <paramref name="x"/> (B rows).
    /// </summary>
    public void Jacobians(double[] theta, double[] z, int batch, double[] x, double[] jacobian)
    {
        var n = OutputCount;
        var identity = new double[batch * n * n];
        for (var b = 0; b < batch; b++)
            for (var k = 0; k < n; k++) identity[(b * n + k) * n + k] = 1;
        VectorJacobians(theta, z, batch, identity, n, jacobian, x);
    }

    /// <summary>
    /// Row-vector times Jacobian for every sample: for sample b and each of its <paramref name="rows"/>
    /// seed rows w (<see cref="OutputCount"/> values each, stored sample by sample in
    /// <paramref name="seeds"/>), the row wᵀ ∂f(z_b; θ)/∂θ (|θ| values) is written to
    /// <paramref name="jacobian"/> at row b·rows + k. With the rows of a physics Jacobian J_b as seeds
    /// this is J_b ∂x_b/∂θ by m backward passes per sample instead of n (24 → 4 for the oscillators).
    /// One forward pass per sample; the outputs go to <paramref name="x"/> (B rows) when given.
    /// </summary>
    public void VectorJacobians(double[] theta, double[] z, int batch, double[] seeds, int rows, double[] jacobian, double[]? x = null)
    {
        CheckSizes(theta, z, batch);
        var store = Scratch();
        Forward(theta, z, batch, store);
        if (x is not null) Array.Copy(store.Values[^1], x, batch * OutputCount);
        VectorJacobians(theta, store, seeds, rows, jacobian);
    }

    /// <summary>
    /// The rows wᵀ ∂f(z_b; θ)/∂θ of <see cref="VectorJacobians(double[], double[], int, double[], int, double[], double[])"/>
    /// from stored activations (same θ): all B·<paramref name="rows"/> seed rows are backpropagated together
    /// as one block, each row reading its sample's activations, and each row's parameter derivatives are
    /// written (not summed) into its row of <paramref name="jacobian"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Sizes that do not match, or activations of another network.</exception>
    public void VectorJacobians(double[] theta, DenseActivations activations, double[] seeds, int rows, double[] jacobian)
    {
        CheckOwner(activations);
        var batch = activations.Batch;
        var n = OutputCount;
        var p = ParameterCount;
        if (theta.Length != p) throw new ArgumentException($"θ needs {p} entries, got {theta.Length}.", nameof(theta));
        if (rows < 1) throw new ArgumentException("Each sample needs at least one seed row.", nameof(rows));
        if (seeds.Length < batch * rows * n) throw new ArgumentException($"The seeds need {batch * rows * n} entries.", nameof(seeds));
        if (jacobian.Length < batch * rows * p)
            throw new ArgumentException($"The Jacobian needs {batch * rows * p} entries.", nameof(jacobian));
        Propagate(theta, activations, seeds, rows, jacobian, summed: false);
    }

    private DenseActivations? _scratch;

    private DenseActivations Scratch() => _scratch ??= new DenseActivations(this, 1);

    private void CheckOwner(DenseActivations activations)
    {
        if (!ReferenceEquals(activations.Network, this))
            throw new ArgumentException("These activations belong to another network; create them with this network's CreateActivations.", nameof(activations));
    }

    /// <summary>
    /// Backpropagates R = B·<paramref name="rows"/> seed rows (row r belongs to sample r / rows) through the
    /// stored activations. <paramref name="summed"/>: every row's ∂/∂θ is added into target[0 … |θ|)
    /// (the gradient); otherwise row r's goes to target[r·|θ| …] (a Jacobian row, overwritten). The
    /// activations' derivatives are taken from their outputs (tanh′ = 1 − a², σ′ = a(1 − a)).
    /// </summary>
    private void Propagate(double[] theta, DenseActivations store, double[] seeds, int rows, double[] target, bool summed)
    {
        var batch = store.Batch;
        var count = batch * rows;
        var p = ParameterCount;
        var (d, below) = store.Deltas(count, _widest);
        Array.Copy(seeds, d, count * OutputCount);
        for (var l = Layers.Count - 1; l >= 0; l--)
        {
            var layer = Layers[l];
            int fanIn = layer.Inputs, fanOut = layer.Outputs;
            var output = store.Values[l + 1];
            var input = store.Values[l];
            var w0 = _offsets[l];
            var b0 = w0 + fanIn * fanOut;
            for (var r = 0; r < count; r++)
            {
                var sample = r / rows;
                var dr = d.AsSpan(r * fanOut, fanOut);
                var outRow = output.AsSpan(sample * fanOut, fanOut);
                // δ = seed ⊙ a′(u): the derivative through the activation.
                if (layer.Activation != Activation.Identity)
                    for (var o = 0; o < fanOut; o++) dr[o] *= Derivative(layer.Activation, outRow[o]);
                var inRow = input.AsSpan(sample * fanIn, fanIn);
                var row = summed ? 0 : r * p;
                if (summed)
                {
                    for (var o = 0; o < fanOut; o++)
                    {
                        var g = dr[o];
                        if (g == 0) continue;
                        Axpy(g, inRow, target.AsSpan(row + w0 + o * fanIn, fanIn));
                        target[row + b0 + o] += g;
                    }
                }
                else
                {
                    for (var o = 0; o < fanOut; o++) Scale(dr[o], inRow, target.AsSpan(row + w0 + o * fanIn, fanIn));
                    dr.CopyTo(target.AsSpan(row + b0, fanOut));
                }
                if (l == 0) continue;
                // The seed for the layer below: Wᵀ δ (a sum of W's rows, in the order of the units).
                var next = below.AsSpan(r * fanIn, fanIn);
                next.Clear();
                for (var o = 0; o < fanOut; o++)
                {
                    var dv = dr[o];
                    if (dv == 0) continue;
                    Axpy(dv, theta.AsSpan(w0 + o * fanIn, fanIn), next);
                }
            }
            if (l > 0) (d, below) = (below, d);
        }
    }

    /// <summary>
    /// One layer over the batch: out_b = a(b + W in_b) for every sample, computed as in · Wᵀ with Wᵀ
    /// (fan-in × fan-out) laid out first so that a block of units is one SIMD vector, accumulated in
    /// registers over the inputs in order (the same sums, in the same order, as a dot product per unit).
    /// </summary>
    private void LayerForward(double[] theta, int l, double[] input, double[] output, int batch, double[] transposed)
    {
        var layer = Layers[l];
        int fanIn = layer.Inputs, fanOut = layer.Outputs;
        var w0 = _offsets[l];
        var b0 = w0 + fanIn * fanOut;
        for (var o = 0; o < fanOut; o++)
            for (var i = 0; i < fanIn; i++) transposed[i * fanOut + o] = theta[w0 + o * fanIn + i];
        var wt = transposed.AsSpan(0, fanIn * fanOut);
        var bias = theta.AsSpan(b0, fanOut);
        var width = SimdVector.Count;
        for (var b = 0; b < batch; b++)
        {
            var a = input.AsSpan(b * fanIn, fanIn);
            var y = output.AsSpan(b * fanOut, fanOut);
            var o = 0;
            for (; o <= fanOut - width; o += width)
            {
                var s = new SimdVector(bias.Slice(o, width));
                for (var i = 0; i < fanIn; i++) s += new SimdVector(a[i]) * new SimdVector(wt.Slice(i * fanOut + o, width));
                s.CopyTo(y.Slice(o, width));
            }
            for (; o < fanOut; o++)
            {
                var s = bias[o];
                for (var i = 0; i < fanIn; i++) s += wt[i * fanOut + o] * a[i];
                y[o] = s;
            }
            if (layer.Activation != Activation.Identity)
                for (var k = 0; k < fanOut; k++) y[k] = Apply(layer.Activation, y[k]);
        }
    }

    /// <summary>y += α x, SIMD (products rounded before the add, as the scalar loop does).</summary>
    private static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var width = SimdVector.Count;
        var a = new SimdVector(alpha);
        var k = 0;
        for (; k <= x.Length - width; k += width)
            (new SimdVector(y.Slice(k, width)) + a * new SimdVector(x.Slice(k, width))).CopyTo(y.Slice(k, width));
        for (; k < x.Length; k++) y[k] += alpha * x[k];
    }

    /// <summary>y = α x, SIMD.</summary>
    private static void Scale(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        var width = SimdVector.Count;
        var a = new SimdVector(alpha);
        var k = 0;
        for (; k <= x.Length - width; k += width) (a * new SimdVector(x.Slice(k, width))).CopyTo(y.Slice(k, width));
        for (; k < x.Length; k++) y[k] = alpha * x[k];
    }

    private static double Apply(Activation a, double u) => a switch
    {
        Activation.Tanh => Math.Tanh(u),
        Activation.Relu => u > 0 ? u : 0,
        Activation.Sigmoid => 1 / (1 + Math.Exp(-u)),
        _ => u,
    };

    private static double Derivative(Activation a, double output) => a switch
    {
        Activation.Tanh => 1 - output * output,
        Activation.Relu => output > 0 ? 1 : 0,
        Activation.Sigmoid => output * (1 - output),
        _ => 1,
    };

    private void CheckSizes(double[] theta, double[] z, int batch)
    {
        if (theta.Length != ParameterCount) throw new ArgumentException($"θ needs {ParameterCount} entries, got {theta.Length}.", nameof(theta));
        if (batch < 0 || z.Length < batch * InputCount) throw new ArgumentException($"z needs {NumberText.Count(batch, "row")} of {InputCount}.", nameof(z));
    }
}

/// <summary>
/// The stored per-layer outputs of one batch of a <see cref="DenseNetwork"/> (layer 0 is the input z),
/// with the scratch the batched backward passes use. Made by <see cref="DenseNetwork.CreateActivations"/>,
/// filled by its <c>Forward</c>, read by its <c>Backward</c> and <c>VectorJacobians</c>; grown when a
/// larger batch comes, never shrunk, so a training run allocates it once. Not thread safe.
/// </summary>
public sealed class DenseActivations
{
    internal DenseActivations(DenseNetwork network, int capacity)
    {
        Network = network;
        Values = new double[network.Layers.Count + 1][];
        Transposed = new double[network.Layers.Max(l => l.Inputs * l.Outputs)];
        Reserve(capacity);
    }

    internal DenseNetwork Network { get; }

    /// <summary>The number of samples the last forward pass stored.</summary>
    public int Batch { get; internal set; }

    /// <summary>The network's outputs of the last forward pass: <see cref="Batch"/> rows of its output size.</summary>
    public ReadOnlySpan<double> Outputs => Values[^1].AsSpan(0, Batch * Network.OutputCount);

    internal double[][] Values { get; }

    /// <summary>Wᵀ of the layer being evaluated (the forward pass's scratch).</summary>
    internal double[] Transposed { get; }

    private int _capacity;
    private double[] _delta = [], _below = [];

    internal void Reserve(int batch)
    {
        if (batch <= _capacity && Values[0] is not null) return;
        _capacity = Math.Max(batch, 1);
        Values[0] = new double[_capacity * Network.InputCount];
        for (var l = 0; l < Network.Layers.Count; l++) Values[l + 1] = new double[_capacity * Network.Layers[l].Outputs];
    }

    /// <summary>Two blocks of at least rows × width for the backward pass's δ and the next layer's seed.</summary>
    internal (double[] Delta, double[] Below) Deltas(int rows, int width)
    {
        if (_delta.Length < rows * width)
        {
            _delta = new double[rows * width];
            _below = new double[rows * width];
        }
        return (_delta, _below);
    }
}
