using System.Diagnostics;
using System.Globalization;

namespace PhysGrad.Benchmarks;

/// <summary>
/// How long building a reference example takes, as <c>--example NAME --n N</c> builds it
/// (<see cref="ReferenceProblems.Create"/> with the size limit lifted: trace, round the constants, the target
/// from x*, the problem's checks; the text is printed when read), in a fresh process so that every node is new to the intern table:
/// wall and processor time and the bytes allocated. One line per size, each size in its own process is
/// the fair measure (the intern table keeps the previous size's nodes otherwise), so run one size per call:
/// <c>dotnet PhysGrad.Benchmarks.dll build heat1d 20000</c>.
/// </summary>
internal static class ExampleBuild
{
    public static void Run(string name, IEnumerable<int> sizes)
    {
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
        Console.WriteLine("| example | n | build wall | build CPU | allocated |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var (c, a) = (Cpu(), GC.GetTotalAllocatedBytes());
            var w = Stopwatch.StartNew();
            var problem = ReferenceProblems.Create(name, n, defaultComparison: false);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {n} | {w.Elapsed.TotalSeconds:F2} s | {Cpu() - c:F2} s | {(GC.GetTotalAllocatedBytes() - a) / 1e6:F0} MB |"));
            GC.KeepAlive(problem);
        }
    }
}
