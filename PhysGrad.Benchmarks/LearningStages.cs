using System.Diagnostics;
using System.Globalization;
using PhysGrad.Numerics.Learning;

namespace PhysGrad.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- learning [steps]</c>: the per-stage cost of
/// one training step of the oscillator network (4 → 20 → 20 → 20 → 24, 1,444 parameters) at batch 32
/// and 256 for HIG, GN, Adam and SIP-IG, from <see cref="TrainingTiming"/> (milliseconds per step,
/// averaged over the steps after a 5-step warm-up; GN and HIG at batch 256, whose steps take seconds,
/// over at most 3 steps after one). A plain stopwatch, not BenchmarkDotNet: a step is
/// milliseconds long, and the point is the split between stages.
/// </summary>
internal static class LearningStages
{
    public static void Run(IEnumerable<int> args)
    {
        var steps = args.DefaultIfEmpty(40).First();
        var example = Training.Oscillators();
        var trainer = new PhysicsTrainer(example.Network, example.Physics, example.Sampler);
        var stages = Enum.GetValues<TrainingStage>();
        Console.WriteLine($"| method | batch | {string.Join(" | ", stages.Select(s => s.ToString().ToLowerInvariant()))} | total (ms/step) |");
        Console.WriteLine($"|---|---:|{string.Concat(stages.Select(_ => "---:|"))}---:|");
        foreach (var batch in new[] { 32, 256 })
            foreach (var method in new[] { TrainingMethod.Hig, TrainingMethod.GaussNewton, TrainingMethod.Adam, TrainingMethod.SipInverseGradient })
            {
                var settings = example.Methods.FirstOrDefault(m => m.Method == method) ?? new TrainingSettings(method, 0.1, batch, Tau: 1e-10);
                settings = settings with { BatchSize = batch, LearningRate = method == TrainingMethod.GaussNewton ? 0.01 : settings.LearningRate };
                // GN and HIG at batch 256 factor a 1,024 × 1,444 Jacobian, a second or more per step:
                // a few steps measure that well enough.
                var stacked = method is TrainingMethod.Hig or TrainingMethod.GaussNewton;
                var count = stacked && batch > 32 ? Math.Min(steps, 3) : steps;
                // Warm-up (JIT, first allocations), then the timed steps.
                trainer.Train(settings, 1, stacked && batch > 32 ? 1 : 5, null, example.EvalZ[..4], example.EvalY[..4], recordEvery: 1000);
                var timing = new TrainingTiming();
                var clock = Stopwatch.StartNew();
                trainer.Train(settings, 1, count, null, example.EvalZ[..4], example.EvalY[..4], recordEvery: 100000, timing: timing);
                var total = clock.Elapsed.TotalMilliseconds / count;
                string Ms(double seconds) => (seconds * 1000 / count).ToString("F3", CultureInfo.InvariantCulture);
                Console.WriteLine($"| {settings.ShortName} | {batch} | {string.Join(" | ", stages.Select(s => Ms(timing.Seconds(s))))} | {total.ToString("F3", CultureInfo.InvariantCulture)} |");
            }
    }
}
