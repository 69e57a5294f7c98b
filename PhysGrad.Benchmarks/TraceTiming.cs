using System.Diagnostics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Time to trace the Rosenbrock residuals (ReferenceSimulators.Rosenbrock) at each n: the first trace in
/// the process (cold: every node is new to the intern table) and the median of five later traces while
/// the first result is alive (warm: every node is found). A stopwatch rather than BenchmarkDotNet, because
/// the cold figure happens once per process and is the one a user waits for. The cold trace's processor
/// time (all the process's threads, the garbage collector's included) is printed beside it: on a machine
/// shared with other work the wall time also counts the time the trace waited for a core.
/// Run: <c>dotnet run -c Release --project PhysGrad.Benchmarks -- trace 1000 10000 100000</c>.
/// </summary>
internal static class TraceTiming
{
    public static void Run(IEnumerable<int> sizes)
    {
        Console.WriteLine("| n | cold trace | cold trace, CPU | warm trace (median of 5) | graph nodes |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        // One small trace first, so JIT compilation is not counted in the first size.
        _ = Tracer.Simulator(10, ReferenceSimulators.Rosenbrock);
        foreach (var n in sizes)
        {
            var process = Process.GetCurrentProcess();
            var cpu0 = process.TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            var first = Tracer.Simulator(n, ReferenceSimulators.Rosenbrock);
            var cold = watch.Elapsed.TotalMilliseconds;
            process.Refresh();
            var coldCpu = (process.TotalProcessorTime - cpu0).TotalMilliseconds;
            var warm = new double[5];
            for (var k = 0; k < warm.Length; k++)
            {
                watch.Restart();
                _ = Tracer.Simulator(n, ReferenceSimulators.Rosenbrock);
                warm[k] = watch.Elapsed.TotalMilliseconds;
            }
            Array.Sort(warm);
            Console.WriteLine($"| {n} | {cold:F1} ms | {coldCpu:F1} ms | {warm[2]:F1} ms | {Structure.GraphSize(first)} |");
            GC.KeepAlive(first);
        }
    }
}
