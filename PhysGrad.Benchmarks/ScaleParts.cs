using System.Diagnostics;
using FastExpressionCompiler;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Where derive + compile time goes for Rosenbrock at one n: gradient, lowering, building the chunks'
/// expression trees, FastExpressionCompiler (serially) and the JIT (first calls), wall and CPU time.
/// `scaleparts N CHUNK`.
/// </summary>
public static class ScaleParts
{
    public static void Run(int n, int chunk)
    {
        var p0 = Process.GetCurrentProcess();
        double Cpu() { p0.Refresh(); return p0.TotalProcessorTime.TotalSeconds; }
        void T(string what, Action a) { var c = Cpu(); var w = Stopwatch.StartNew(); a(); Console.WriteLine($"{what}: wall {w.Elapsed.TotalSeconds:F3} s cpu {Cpu() - c:F3} s"); }
        var (f, vars) = Rosenbrock.Build(n, "x");
        var names = vars.Select(v => Infix.Format(v)).ToArray();
        Expr[] g = null!;
        T("gradient", () => g = Calculus.Gradient(vars, f));
        StraightLineProgram prog = null!;
        T("lower", () => prog = Lower.Program(names, [], [f, .. g]));
        List<System.Linq.Expressions.Expression<ChunkFunction>> ls = null!;
        int len = 0;
        T("build chunks", () => ls = KernelCompiler.BuildChunks(prog, chunk, out len));
        var fs = new ChunkFunction[ls.Count];
        T("compile fast (serial)", () => { for (var k = 0; k < ls.Count; k++) fs[k] = ls[k].CompileFast(); });
        var x = new double[n]; var o = new double[prog.Outputs.Length]; var s = new double[len];
        T("first calls (JIT)", () => { foreach (var fn in fs) fn(x, 0, [], o, 0, s); });
        T("second calls", () => { foreach (var fn in fs) fn(x, 0, [], o, 0, s); });
    }
}
