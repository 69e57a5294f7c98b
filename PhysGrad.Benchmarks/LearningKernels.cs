using System.Diagnostics;
using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Double;
using MathNet.Numerics.LinearAlgebra.Factorization;
using PhysGrad.Numerics.Learning;

namespace PhysGrad.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- learning-kernels</c>: the candidates behind
/// two design choices of the learning layer, timed on this machine (milliseconds per call, the median of
/// repeated calls after a warm-up): a dense layer over a mini-batch (MathNet's managed matrix product
/// against the SIMD loops <see cref="DenseNetwork"/> uses), and the factorisations of HIG's stacked
/// batch Jacobian of the oscillators at batches 32 and 64 (128 and 256 × 1,444): the Gram route, MathNet's thin QR and
/// SVD, MathNet's SVD of the whole matrix, and the Householder LQ that <see cref="PhysicsTrainer.Spectral"/> uses.
/// </summary>
internal static class LearningKernels
{
    public static void Run()
    {
        var example = Training.Oscillators();
        var trainer = new PhysicsTrainer(example.Network, example.Physics, example.Sampler);
        var net = example.Network;
        var theta = net.Initialize(1);
        var random = new Random(2);
        Console.WriteLine("| kernel | shape | ms per call |");
        Console.WriteLine("|---|---|---:|");
        foreach (var batch in new[] { 32, 256 })
        {
            var a = DenseMatrix.Create(batch, 20, (_, _) => random.NextDouble());
            var w = DenseMatrix.Create(20, 20, (_, _) => random.NextDouble());
            var product = new DenseMatrix(batch, 20);
            Report("MathNet A·Wᵀ (managed provider)", $"{batch}×20 · 20×20", () => a.TransposeAndMultiply(w, product));
            var z = new double[batch * 4];
            for (var k = 0; k < z.Length; k++) z[k] = random.NextDouble();
            var x = new double[batch * 24];
            Report("DenseNetwork.Forward (4 layers)", $"B = {batch}", () => net.Forward(theta, z, batch, x));
            var gradient = new double[net.ParameterCount];
            Report("DenseNetwork.Backward (4 layers)", $"B = {batch}", () => net.Backward(theta, z, batch, x, gradient));
        }
        foreach (var batch in new[] { 32, 64 })
        {
            var z = new double[batch * 4];
            var y = new double[batch * 4];
            example.Sampler(new Random(3), batch, z, y);
            var (j, g, _) = trainer.StackedJacobian(theta, z, y, batch);
            int rows = batch * 4, cols = net.ParameterCount;
            var result = new double[cols];
            var shape = $"{rows}×{cols}";
            Report("Gram route (SIMD Gram + MathNet Evd)", shape, () => GramSpectral.Product(j, rows, cols, g, -0.5, 1e-10, result));
            Report("  of which MathNet Evd of the Gram matrix", $"{rows}×{rows}", () =>
                DenseMatrix.Create(rows, rows, (i, k) => i == k ? 2.0 : 1.0 / (1 + i + k)).Evd(Symmetricity.Symmetric));
            Report("Householder LQ (SIMD) + MathNet Svd of L", shape, () => WideSpectral.Product(j, rows, cols, g, -0.5, 1e-10, result));
            Report("MathNet thin QR + Svd of R (the first route)", shape, () => PhysicsTrainer.Spectral(j, rows, cols, g, -0.5, 1e-10, result));
            var jt = new DenseMatrix(cols, rows, (double[])j.Clone());
            Report("MathNet thin QR of 𝒥ᵀ", $"{cols}×{rows}", () => jt.QR(QRMethod.Thin));
            var r = jt.QR(QRMethod.Thin).R;
            Report("MathNet Svd of R (vectors)", $"{rows}×{rows}", () => r.Svd(computeVectors: true));
            Report("MathNet Svd of 𝒥 (vectors)", shape, () => jt.Transpose().Svd(computeVectors: true), repeats: 3);
        }
    }

    private static void Report(string name, string shape, Action action, int repeats = 0)
    {
        action();
        var clock = Stopwatch.StartNew();
        action();
        var once = clock.Elapsed.TotalMilliseconds;
        var n = repeats > 0 ? repeats : (int)Math.Clamp(300 / Math.Max(once, 1e-3), 3, 2000);
        var times = new double[n];
        for (var k = 0; k < n; k++)
        {
            clock.Restart();
            action();
            times[k] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {shape} | {times[n / 2]:F3} |"));
    }
}
