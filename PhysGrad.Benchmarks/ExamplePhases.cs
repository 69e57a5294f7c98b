using System.Diagnostics;
using System.Globalization;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Where <see cref="ReferenceProblems.Create"/>'s time goes for one example at one size, phase by phase as
/// Create runs them, in a fresh process (every node new to the intern table, every first call's JIT counted):
/// the target P(x*) on numbers, the trace on the symbols (the simulator with its constants rounded to 15
/// digits), and the problem's creation from the traced components (its checks and the default loss). Each
/// phase prints its wall and processor time (all threads) and the bytes it allocated. A second trace (its
/// nodes interned by the first: the difference is first-call JIT and interning) and PhysicsProblem.Trace (a
/// third trace and the problem's checks) follow; the total is of all of them, so it is not Create's own (the
/// <c>build</c> mode measures that). Run one example per process:
/// <c>dotnet PhysGrad.Benchmarks.dll examplephases heat2d 100</c>.
/// </summary>
internal static class ExamplePhases
{
    public static void Run(string name, int n)
    {
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
        var (wall0, cpu0, bytes0) = (Stopwatch.StartNew(), Cpu(), GC.GetTotalAllocatedBytes());
        T Phase<T>(string what, Func<T> a)
        {
            var (c, b) = (Cpu(), GC.GetTotalAllocatedBytes());
            var w = Stopwatch.StartNew();
            var r = a();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {n} | {what} | {w.Elapsed.TotalSeconds:F3} s | {Cpu() - c:F3} s | {(GC.GetTotalAllocatedBytes() - b) / 1e6:F0} MB |"));
            return r;
        }

        Console.WriteLine("| example | n | phase | wall | CPU | allocated |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|");
        var raw = ReferenceProblems.Simulator(name, n);
        var known = ReferenceProblems.TrueSolution(name, n);
        Func<Scalar[], Scalar[]> simulator = x => raw(x).Select(s => Scalar.RoundConstants(s, 15)).ToArray();
        var count = known.Length;
        var target = Phase("target P(x*) on numbers", () =>
            Evaluate.ManyAt([], [], simulator(known.Select(v => Scalar.Constant(v)).ToArray()).Select(s => s.Expr).ToArray()));
        var components = Phase("trace", () => Tracer.Simulator(count, simulator));
        var again = Phase("trace again (nodes interned)", () => Tracer.Simulator(count, simulator));
        var problem = Phase("PhysicsProblem.Trace (a third trace) + checks", () =>
            PhysicsProblem.Trace(count, simulator, target, new double[count], numericInverse: true));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {name} | {n} | **total** | {wall0.Elapsed.TotalSeconds:F3} s | {Cpu() - cpu0:F3} s | {(GC.GetTotalAllocatedBytes() - bytes0) / 1e6:F0} MB |"));
        GC.KeepAlive(components);
        GC.KeepAlive(again);
        GC.KeepAlive(problem);
    }
}
