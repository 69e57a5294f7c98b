using System.Diagnostics;
using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// PhysGrad's side of the SymPy peer comparison (peer/rosenbrock.py runs both in one go): for each
/// n, the time to derive value + gradient + Hessian of Rosenbrock and compile it (in a warm process,
/// without reusing interned expressions), and the time per evaluation; one line per n:
/// "n derive_compile_seconds evaluate_seconds".
/// </summary>
public static class Peer
{
    public static void Run(IEnumerable<int> sizes)
    {
        foreach (var n in sizes)
        {
            // Warm-up on the same size with other variable names: every code path is JIT-compiled
            // and promoted to optimised code (as SymPy's modules are loaded), but no expression of
            // the measured run is interned yet.
            foreach (var prefix in new[] { "w", "v", "u", "t", "s" })
                Measure(n, prefix, report: false);
            Measure(n, "x", report: true);
        }
    }

    private static void Measure(int n, string prefix, bool report)
    {
        var clock = Stopwatch.StartNew();
        var (f, vars) = Rosenbrock.Build(n, prefix);
        var names = vars.Select(v => Infix.Format(v)).ToArray();
        var kernel = KernelCompiler.CompileUncached(Lower.ValueGradientHessian(names, [], true, f), preferFast: true);
        var derive = clock.Elapsed.TotalSeconds;

        var x = Enumerable.Range(0, n).Select(i => 0.5 + 0.01 * i).ToArray();
        var o = new double[kernel.OutputCount];
        var reps = 1;
        double perEval;
        while (true)
        {
            clock.Restart();
            for (var r = 0; r < reps; r++) kernel.Function(x, 0, [], o, 0);
            var t = clock.Elapsed.TotalSeconds;
            if (t > 0.2) { perEval = t / reps; break; }
            reps *= 4;
        }
        if (report)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{n} {derive:E4} {perEval:E4}"));
    }
}
