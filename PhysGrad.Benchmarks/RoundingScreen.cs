using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The rounding tests' screen (<see cref="Rounding.ComponentBeyond"/>) side by side with the full test it screens for: the
/// per-run cost of `physgrad compare`-like runs (<see cref="Optimizer.Run(CompiledProblem, Method, double, double[], int, double, double, double, double, bool, IProgress{int}?, Recording?)"/>,
/// stop classification included) of dense gn and ig (hig on the oscillators, whose J is not square) on traced reference problems, with the screen on and off
/// (<see cref="Rounding.Unscreened"/>) in one process, alternating, best of <c>rounds</c>; each configuration is run once
/// untimed first (kernels compiled, JIT warm). Checks that both runs end alike (stop reason, iterations, final x's bits). Run:
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- roundingscreen [rounds]</c>.
/// </summary>
internal static class RoundingScreen
{
    private static readonly (string Example, int N, Method Method, double Eta, int Iterations)[] Cases =
    [
        ("rosenbrock", 40, Method.GaussNewton, 0.5, 200),
        ("rosenbrock", 40, Method.InverseGradient, 0.5, 200),
        ("heat1d-inverse", 32, Method.GaussNewton, 0.5, 200),
        ("heat1d-inverse", 32, Method.InverseGradient, 0.5, 200),
        ("oscillators", 24, Method.GaussNewton, 0.5, 200),
        ("oscillators", 24, Method.HalfInverseGradient, 0.5, 200),
    ];

    public static void Run(int rounds)
    {
        Console.WriteLine($"{Environment.ProcessorCount} cores, load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]} at start; best of {rounds}");
        Console.WriteLine();
        Console.WriteLine("| example | n | method | iterations | stop | unscreened ms | screened ms | screened / unscreened |");
        Console.WriteLine("|---|--:|---|--:|---|--:|--:|--:|");
        foreach (var (example, n, method, eta, iterations) in Cases)
        {
            var physics = ReferenceProblems.Create(example, n);
            var problem = physics.Compiled;
            var start = physics.Start.ToArray();
            OptimizerRun Once(bool unscreened)
            {
                Rounding.Unscreened = unscreened;
                try { return Optimizer.Run(problem, method, eta, start, iterations); }
                finally { Rounding.Unscreened = false; }
            }
            var (off, on) = (Once(true), Once(false));
            if (off.StopReason != on.StopReason || off.Iterations != on.Iterations || !off.Final.SequenceEqual(on.Final))
                throw new InvalidOperationException($"{example} {method}: the screen changed the run ({off.StopReason} after {off.Iterations} against {on.StopReason} after {on.Iterations})");
            var (best0, best1) = (double.MaxValue, double.MaxValue);
            for (var r = 0; r < rounds; r++)
            {
                var clock = Stopwatch.StartNew();
                Once(true);
                best0 = Math.Min(best0, clock.Elapsed.TotalMilliseconds);
                clock.Restart();
                Once(false);
                best1 = Math.Min(best1, clock.Elapsed.TotalMilliseconds);
            }
            Console.WriteLine($"| {example} | {n} | {method} | {on.Iterations} | {on.StopReason} | {best0:0.0} | {best1:0.0} | {best1 / best0:0.00} |");
        }
    }
}
