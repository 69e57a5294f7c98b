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
    /// The forward pass for a batch: <paramref name="z"/> holds B rows of <see cref="InputCount"/>,
    /// <paramref name="x"/> receives B rows of <see cref="OutputCount"/>.
    /// </summary>
    public void Forward(double[] theta, double[] z, int batch, double[] x)
    {
        CheckSizes(theta, z, batch);
        if (x.Length < batch * OutputCount) throw new ArgumentException($"x needs {batch * OutputCount} entries.", nameof(x));
        var a = new double[_widest];
        var next = new double[_widest];
        for (var b = 0; b < batch; b++)
        {
            Array.Copy(z, b * InputCount, a, 0, InputCount);
            for (var l = 0; l < Layers.Count; l++)
            {
                Layer(theta, l, a, next);
                (a, next) = (next, a);
            }
            Array.Copy(a, 0, x, b * OutputCount, OutputCount);
        }
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
        if (w.Length < batch * OutputCount) throw new ArgumentException($"w needs {batch * OutputCount} entries.", nameof(w));
        if (gradient.Length != ParameterCount) throw new ArgumentException($"The gradient needs {ParameterCount} entries.", nameof(gradient));
        Array.Clear(gradient);
        var activations = Activations();
        var delta = new double[_widest];
        var d = new double[_widest];
        var seed = new double[OutputCount];
        for (var b = 0; b < batch; b++)
        {
            ForwardStored(theta, z, b, activations);
            if (x is not null) Array.Copy(activations[^1], 0, x, b * OutputCount, OutputCount);
            Array.Copy(w, b * OutputCount, seed, 0, OutputCount);
            Backpropagate(theta, activations, seed, d, delta, gradient, 0);
        }
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
        var n = OutputCount;
        var p = ParameterCount;
        if (seeds.Length < batch * rows * n) throw new ArgumentException($"The seeds need {batch * rows * n} entries.", nameof(seeds));
        if (jacobian.Length < batch * rows * p)
            throw new ArgumentException($"The Jacobian needs {batch * rows * p} entries.", nameof(jacobian));
        var activations = Activations();
        var delta = new double[_widest];
        var d = new double[_widest];
        var seed = new double[n];
        for (var b = 0; b < batch; b++)
        {
            ForwardStored(theta, z, b, activations);
            if (x is not null) Array.Copy(activations[^1], 0, x, b * n, n);
            for (var k = 0; k < rows; k++)
            {
                Array.Copy(seeds, (b * rows + k) * n, seed, 0, n);
                var row = (b * rows + k) * p;
                Array.Clear(jacobian, row, p);
                Backpropagate(theta, activations, seed, d, delta, jacobian, row);
            }
        }
    }

    private double[][] Activations()
    {
        var a = new double[Layers.Count + 1][];
        a[0] = new double[InputCount];
        for (var l = 0; l < Layers.Count; l++) a[l + 1] = new double[Layers[l].Outputs];
        return a;
    }

    private void ForwardStored(double[] theta, double[] z, int b, double[][] a)
    {
        Array.Copy(z, b * InputCount, a[0], 0, InputCount);
        for (var l = 0; l < Layers.Count; l++) Layer(theta, l, a[l], a[l + 1]);
    }

    /// <summary>
    /// Adds (∂out/∂θ)ᵀ seed into target[offset …], given the stored activations of one sample.
    /// The activations' derivatives are taken from their outputs (tanh′ = 1 − a², σ′ = a(1 − a)).
    /// <paramref name="d"/> and <paramref name="delta"/> are scratch of the widest layer's size.
    /// </summary>
    private void Backpropagate(double[] theta, double[][] a, double[] seed, double[] d, double[] delta, double[] target, int offset)
    {
        Array.Copy(seed, d, seed.Length);
        for (var l = Layers.Count - 1; l >= 0; l--)
        {
            var layer = Layers[l];
            var output = a[l + 1];
            var input = a[l];
            // δ = seed ⊙ a′(u): the derivative through the activation.
            for (var o = 0; o < layer.Outputs; o++)
                d[o] *= Derivative(layer.Activation, output[o]);
            var w0 = _offsets[l];
            var b0 = w0 + layer.Inputs * layer.Outputs;
            for (var o = 0; o < layer.Outputs; o++)
            {
                var g = d[o];
                if (g == 0) continue;
                var row = offset + w0 + o * layer.Inputs;
                for (var i = 0; i < layer.Inputs; i++) target[row + i] += g * input[i];
                target[offset + b0 + o] += g;
            }
            if (l == 0) break;
            // The seed for the layer below: Wᵀ δ.
            Array.Clear(delta, 0, layer.Inputs);
            for (var o = 0; o < layer.Outputs; o++)
            {
                var dv = d[o];
                if (dv == 0) continue;
                var row = w0 + o * layer.Inputs;
                for (var i = 0; i < layer.Inputs; i++) delta[i] += theta[row + i] * dv;
            }
            Array.Copy(delta, d, layer.Inputs);
        }
    }

    private void Layer(double[] theta, int l, double[] input, double[] output)
    {
        var layer = Layers[l];
        var w0 = _offsets[l];
        var b0 = w0 + layer.Inputs * layer.Outputs;
        for (var o = 0; o < layer.Outputs; o++)
        {
            var s = theta[b0 + o];
            var row = w0 + o * layer.Inputs;
            for (var i = 0; i < layer.Inputs; i++) s += theta[row + i] * input[i];
            output[o] = Apply(layer.Activation, s);
        }
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
