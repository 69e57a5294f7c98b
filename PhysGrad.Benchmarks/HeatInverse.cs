using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The heat-equation inverse problem (issue 14, docs/theory.md §7): recover the initial field of the
/// <c>heat1d-inverse</c> example (4 explicit steps, νΔt/h² = 0.2, periodic; x* a sine plus a box) from the diffused one, at several
/// cell counts N. For each rule: the loss after k steps from x = 0 and the mean time per step (each rule
/// first runs one step to compile its kernels, which is not timed), plus the time to trace and build
/// the problem. Not a BenchmarkDotNet job: a run to convergence is the measurement. Run:
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- heat 256 512 1024 2048 4096</c>.
/// </summary>
internal static class HeatInverse
{
    private const int Steps = 10;

    public static void Run(IEnumerable<int> sizes)
    {
        var list = sizes.ToList();
        if (list.Count == 0) list = [256, 512, 1024, 2048, 4096];
        Console.WriteLine($"heat1d inverse problem: loss ½‖P(x) − y*‖² after {Steps} steps from x = 0 (L(0) in the first column), mean time per step");
        Console.WriteLine("| N | build | L(x₀) | gd:1 | gn:1 (LSQR) | lm:1 (CG) | pg:1 (regularised inverse) |");
        Console.WriteLine("|--:|------:|------:|-----:|-----------:|----------:|---------------------------:|");
        foreach (var n in list)
        {
            var clock = Stopwatch.StartNew();
            var physics = ReferenceProblems.Create("heat1d-inverse", n);
            var problem = physics.Compiled;
            var start = new double[n];
            var l0 = problem.Value(start);
            var build = clock.Elapsed;
            IUpdateRule[] rules =
            [
                new GradientDescent(1),
                new GaussNewton(1, LinearSolver.Iterative),
                new LevenbergMarquardt(1, 1e-3, LinearSolver.Iterative),
                new PhysicalGradient(1, LinearSolver.Iterative),
            ];
            var cells = rules.Select(rule =>
            {
                Optimizer.Run(problem, rule, start, 1, recording: Recording.LossesOnly); // compiles the kernels
                var run = Optimizer.Run(problem, rule, start, Steps, recording: Recording.LossesOnly);
                var steps = Math.Max(1, run.Losses.Count - 1);
                return $"{run.Losses[^1]:0.00e+00} in {run.WallTime.TotalMilliseconds / steps:0.0} ms";
            });
            Console.WriteLine($"| {n} | {build.TotalSeconds:0.0} s | {l0:0.00e+00} | {string.Join(" | ", cells)} |");
        }
    }
}
