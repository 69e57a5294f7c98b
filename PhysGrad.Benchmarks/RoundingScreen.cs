using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The rounding tests' screen (<see cref="Rounding.ComponentBeyond"/>) side by side with the full test it screens for: the
/// per-run cost of `physgrad compare`-like runs (<see cref="Optimizer.Run(CompiledProblem, Method, double, double[], int, double, double, double, double, bool, IProgress{int}?, Recording?)"/>,
/// stop classification included) of the dense Jacobian rules, with the screen on and off (<see cref="Rounding.Unscreened"/>)
/// in one process. Per case: the first run of each configuration on a problem of its own, built fresh with its kernels
/// compiled (so the screened one finds its cones), then alternating runs on one problem, best and median of <c>rounds</c>.
/// The JIT of both paths is warmed on a small problem first. Checks that both runs end alike (stop reason, iterations,
/// final x's bits). Cases: small reference problems (round 32's), the reference simulators at their dense limit (256
/// variables), and long programs: 256 outputs nested 40 deep over 3 variables (disjoint cones, where the
/// screen bounds 1/256 of the program) and one output of 300 (the cone is the whole program).
/// Run: <c>dotnet PhysGrad.Benchmarks.dll roundingscreen [rounds] [case filter]</c>.
/// </summary>
internal static class RoundingScreen
{
    private sealed record Case(string Example, int N, Method Method, double Eta, int Iterations, Func<(CompiledProblem Problem, double[] Start)> Build);

    private static Case Reference(string example, int n, Method method, double eta, int iterations) =>
        new(example, n, method, eta, iterations, () =>
        {
            var physics = ReferenceProblems.Create(example, n, defaultComparison: false);
            return (physics.Compiled, physics.Start.ToArray());
        });

    // m outputs zᵢ,K over x0, x1, x2: zᵢ,₀ = x0 + (i + 1)/m·x1, zᵢ,ₖ₊₁ = sin(zᵢ,ₖ)·x2 + zᵢ,ₖ/2 (each output's own chain), aimed at
    // their values at (0.3, 0.7, 0.9) from (0.1, 0.5, 0.6).
    private static Case Chains(int m, int depth, Method method, double eta, int iterations) =>
        new($"chains {m}×{depth}", 3, method, eta, iterations, () =>
        {
            Scalar[] Simulate(Scalar[] x) => Enumerable.Range(0, m).Select(i =>
            {
                var z = x[0] + (i + 1.0) / m * x[1];
                for (var k = 0; k < depth; k++) z = Scalar.Sin(z) * x[2] + 0.5 * z;
                return z;
            }).ToArray();
            var free = PhysicsProblem.Trace(3, Simulate, new double[m], [0.1, 0.5, 0.6]).Compiled;
            var target = new double[m];
            free.Simulate([0.3, 0.7, 0.9], target);
            return (PhysicsProblem.Trace(3, Simulate, target, [0.1, 0.5, 0.6]).Compiled, [0.1, 0.5, 0.6]);
        });

    private static readonly Case[] Cases =
    [
        Reference("rosenbrock", 40, Method.GaussNewton, 0.5, 200),
        Reference("rosenbrock", 40, Method.InverseGradient, 0.5, 200),
        Reference("heat1d-inverse", 32, Method.GaussNewton, 0.5, 200),
        Reference("heat1d-inverse", 32, Method.InverseGradient, 0.5, 200),
        Reference("oscillators", 24, Method.GaussNewton, 0.5, 200),
        Reference("oscillators", 24, Method.HalfInverseGradient, 0.5, 200),
        // At the dense forms' limit (SolverLimits.DenseUpTo = 256 outputs and variables).
        Reference("heat1d", 256, Method.GaussNewton, 0.5, 50),
        Reference("heat1d", 256, Method.InverseGradient, 0.5, 50),
        Reference("heat2d", 16, Method.GaussNewton, 0.5, 50),
        Reference("oscillators", 256, Method.HalfInverseGradient, 0.5, 50),
        Reference("oscillators", 256, Method.LevenbergMarquardt, 1.0, 50),
        // Long programs.
        Chains(256, 40, Method.GaussNewton, 0.1, 200),
        Chains(256, 40, Method.LevenbergMarquardt, 1.0, 200),
        Chains(256, 40, Method.HalfInverseGradient, 0.1, 200),
        Chains(1, 300, Method.GaussNewton, 0.1, 200),
    ];

    public static void Run(int rounds, string? filter = null)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start; best and median of {rounds}");
        // Both paths' JIT on a small problem first, so that a case's first runs differ by the problem's own state only.
        var warm = Reference("rosenbrock", 6, Method.GaussNewton, 0.5, 20).Build();
        Once(warm.Problem, Method.GaussNewton, 0.5, warm.Start, 20, true);
        Once(warm.Problem, Method.GaussNewton, 0.5, warm.Start, 20, false);
        Console.WriteLine();
        Console.WriteLine("| example | n | m | instructions | method | iterations | stop | first off ms | first on ms | best off ms | best on ms | median off ms | median on ms | off / on (median) |");
        Console.WriteLine("|---|--:|--:|--:|---|--:|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var c in Cases)
        {
            if (filter is not null && !$"{c.Example} {c.N} {c.Method}".Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            // The first run of each on a problem of its own, kernels compiled and nothing else asked of it.
            double First(bool unscreened)
            {
                var (fresh, from) = c.Build();
                fresh.Simulate(from, new double[fresh.M], new double[fresh.M * fresh.N]);
                fresh.ValueGradient(from, new double[fresh.N]);
                var clock = Stopwatch.StartNew();
                Once(fresh, c.Method, c.Eta, from, c.Iterations, unscreened);
                return clock.Elapsed.TotalMilliseconds;
            }
            var (first0, first1) = (First(true), First(false));
            var (problem, start) = c.Build();
            var (off, on) = (Once(problem, c.Method, c.Eta, start, c.Iterations, true), Once(problem, c.Method, c.Eta, start, c.Iterations, false));
            if (off.StopReason != on.StopReason || off.Iterations != on.Iterations || !off.Final.SequenceEqual(on.Final))
                throw new InvalidOperationException($"{c.Example} {c.Method}: the screen changed the run ({off.StopReason} after {off.Iterations} against {on.StopReason} after {on.Iterations})");
            var (times0, times1) = (new double[rounds], new double[rounds]);
            for (var r = 0; r < rounds; r++)
            {
                var clock = Stopwatch.StartNew();
                Once(problem, c.Method, c.Eta, start, c.Iterations, true);
                times0[r] = clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                Once(problem, c.Method, c.Eta, start, c.Iterations, false);
                times1[r] = clock.Elapsed.TotalMilliseconds;
            }
            var (median0, median1) = (Median(times0), Median(times1));
            var instructions = Instructions(problem);
            Console.WriteLine($"| {c.Example} | {c.N} | {problem.M} | {instructions} | {c.Method} | {on.Iterations} | {on.StopReason} | {first0:0.0} | {first1:0.0} | " +
                $"{times0.Min():0.0} | {times1.Min():0.0} | {median0:0.0} | {median1:0.0} | {median0 / median1:0.00} |");
        }
    }

    private static OptimizerRun Once(CompiledProblem problem, Method method, double eta, double[] start, int iterations, bool unscreened)
    {
        Rounding.Unscreened = unscreened;
        try { return Optimizer.Run(problem, method, eta, start, iterations); }
        finally { Rounding.Unscreened = false; }
    }

    // The length of P's straight-line program (what the full bound interprets at every step); read by reflection, a benchmark's need only.
    private static int Instructions(CompiledProblem problem) =>
        ((Lazy<StraightLineProgram>)typeof(CompiledProblem).GetField("_valueProgram", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(problem)!).Value.Instructions.Length;

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
