using System.Diagnostics;
using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Rosenbrock f(x) = Σ 100(x_{i+1} − x_i²)² + (1 − x_i)² (THEORY §4) at large n (issue 14, item 5):
/// for each n, the time to build f, to derive and lower value + gradient, to compile that program,
/// and to derive, lower and compile value + gradient + H v; then the time per evaluation of value +
/// gradient, of value + gradient + H v and of H v alone (the kernel Newton-CG's CG iterations run), each
/// against hand-written C# in alternating rounds (<see cref="Interleaved"/>: the
/// ratio is the median of the per-round ratios, with their minimum and maximum), and of one GD step
/// (value + gradient, then x ← x − η ∇f). One line per n, "key=value" pairs, so the peer script can
/// read it. A warm-up at n = 200 with other variable names JIT-compiles every path first.
/// </summary>
public static class ScaleTiming
{
    /// <summary>
    /// <paramref name="loops"/> true: the kernels of <see cref="FamilyKernels"/> (repeated terms as compiled
    /// loops; "derive" is finding the families, "compile" lowering and compiling the templates and the
    /// rest); false: the straight-line program of the whole function (`scale-straight`).
    /// </summary>
    public static void Run(IEnumerable<int> sizes, bool loops = true)
    {
        Measure(200, "w", report: false, loops);
        foreach (var n in sizes) Measure(n, "x", report: true, loops);
    }

    private static void Measure(int n, string prefix, bool report, bool loops)
    {
        var clock = Stopwatch.StartNew();
        var (f, vars) = Rosenbrock.Build(n, prefix);
        var names = vars.Select(v => Infix.Format(v)).ToArray();
        var build = clock.Elapsed.TotalSeconds;

        CompiledKernel kernel, hvKernel, hvOnlyKernel;
        double derive, compile, hvDeriveCompile;
        int instructions, hvInstructions, families = 0, cells = 0, restTerms = 0;
        if (loops)
        {
            clock.Restart();
            var found = Families.Detect(names, f);
            derive = clock.Elapsed.TotalSeconds;
            clock.Restart();
            kernel = FamilyKernels.ValueGradient(found);
            compile = clock.Elapsed.TotalSeconds;
            clock.Restart();
            hvKernel = FamilyKernels.HessianVector(found);
            hvDeriveCompile = clock.Elapsed.TotalSeconds;
            hvOnlyKernel = FamilyKernels.HessianVectorOnly(found);
            families = found.Families.Length;
            cells = found.CellCount;
            restTerms = found.RestTermCount;
            instructions = kernel.Program.SlotCount + kernel.Families!.TemplateInstructions;
            hvInstructions = hvKernel.Program.SlotCount + hvKernel.Families!.TemplateInstructions;
        }
        else
        {
            clock.Restart();
            var program = Lower.ValueGradientHessian(names, [], false, f);
            derive = clock.Elapsed.TotalSeconds;
            clock.Restart();
            kernel = KernelCompiler.CompileUncached(program, preferFast: true);
            compile = clock.Elapsed.TotalSeconds;
            clock.Restart();
            var hvProgram = Lower.HessianVector(names, [], f);
            hvKernel = KernelCompiler.CompileUncached(hvProgram, preferFast: true);
            hvDeriveCompile = clock.Elapsed.TotalSeconds;
            hvOnlyKernel = KernelCompiler.CompileUncached(Lower.HessianVectorOnly(names, [], f), preferFast: true);
            instructions = program.SlotCount;
            hvInstructions = hvProgram.SlotCount;
        }

        var x = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        var v = Enumerable.Range(0, n).Select(i => Math.Sin(i + 1.0)).ToArray();
        var outputs = new double[kernel.OutputCount];
        var hvOutputs = new double[hvKernel.OutputCount];
        var hvOnly = new double[hvOnlyKernel.OutputCount];
        var g = new double[n];
        var hv = new double[n];

        // The compiled results must agree with the hand-written ones (to rounding) before timing them.
        kernel.Function(x, 0, [], outputs, 0);
        var value = HandWritten(x, g);
        Check("value", outputs[0], value);
        for (var i = 0; i < n; i++) Check("gradient", outputs[1 + i], g[i]);
        hvKernel.Function(x, 0, v, hvOutputs, 0);
        HandWrittenHv(x, v, hv);
        for (var i = 0; i < n; i++) Check("H v", hvOutputs[1 + n + i], hv[i]);
        hvOnlyKernel.Function(x, 0, v, hvOnly, 0);
        for (var i = 0; i < n; i++) Check("H v alone", hvOnly[i], hv[i]);

        // Each kernel against its hand-written loop in alternating rounds (Interleaved): the ratio is the
        // median of the per-round ratios, with the extremes of single rounds.
        var evaluation = Interleaved.Compare(() => kernel.Function(x, 0, [], outputs, 0), () => HandWritten(x, g));
        var product = Interleaved.Compare(() => hvKernel.Function(x, 0, v, hvOutputs, 0), () => HandWrittenHv(x, v, hv));
        var productOnly = Interleaved.Compare(() => hvOnlyKernel.Function(x, 0, v, hvOnly, 0), () => HandWrittenHv(x, v, hv));
        // One GD step from a copy of x, η = 10⁻⁴ (the step only has to be a real update).
        var y = (double[])x.Clone();
        var step = PerCall(() =>
        {
            kernel.Function(y, 0, [], outputs, 0);
            for (var i = 0; i < n; i++) y[i] -= 1e-4 * outputs[1 + i];
        });

        if (report)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"n={n} build={build:E4} derive={derive:E4} compile={compile:E4} instructions={instructions} chunks={kernel.ChunkCount} families={families} cells={cells} rest_terms={restTerms} " +
                $"hv_derive_compile={hvDeriveCompile:E4} hv_instructions={hvInstructions} " +
                $"eval={evaluation.A:E4} hand_eval={evaluation.B:E4} eval_ratio={evaluation.Ratio:F3} eval_ratio_min={evaluation.MinRatio:F3} eval_ratio_max={evaluation.MaxRatio:F3} " +
                $"hv={product.A:E4} hand_hv={product.B:E4} hv_ratio={product.Ratio:F3} hv_ratio_min={product.MinRatio:F3} hv_ratio_max={product.MaxRatio:F3} " +
                $"hv_only_instructions={hvOnlyKernel.Program.SlotCount + (hvOnlyKernel.Families?.TemplateInstructions ?? 0)} hv_only={productOnly.A:E4} hand_hv_only={productOnly.B:E4} hv_only_ratio={productOnly.Ratio:F3} hv_only_ratio_min={productOnly.MinRatio:F3} hv_only_ratio_max={productOnly.MaxRatio:F3} gd_step={step:E4}"));
    }

    private static void Check(string what, double compiled, double hand)
    {
        if (Math.Abs(compiled - hand) > 1e-9 * Math.Max(1.0, Math.Abs(hand)))
            throw new InvalidOperationException($"{what}: compiled {compiled} against hand-written {hand}.");
    }

    /// <summary>Seconds per call: repeats until a batch takes at least 0.2 s.</summary>
    private static double PerCall(Action a)
    {
        a();
        var reps = 1;
        while (true)
        {
            var clock = Stopwatch.StartNew();
            for (var r = 0; r < reps; r++) a();
            var t = clock.Elapsed.TotalSeconds;
            if (t > 0.2) return t / reps;
            reps *= 4;
        }
    }

    /// <summary>f and ∇f written by hand: one pass over the terms.</summary>
    private static double HandWritten(double[] x, double[] g)
    {
        var n = x.Length;
        Array.Clear(g);
        var f = 0.0;
        for (var i = 0; i < n - 1; i++)
        {
            var a = x[i + 1] - x[i] * x[i];
            var b = 1 - x[i];
            f += 100 * a * a + b * b;
            g[i] += -400 * x[i] * a - 2 * b;
            g[i + 1] += 200 * a;
        }
        return f;
    }

    /// <summary>H v written by hand: H is tridiagonal, H_ii += 1200x_i² − 400x_{i+1} + 2, H_{i,i+1} = −400x_i, H_{i+1,i+1} += 200.</summary>
    private static void HandWrittenHv(double[] x, double[] v, double[] hv)
    {
        var n = x.Length;
        Array.Clear(hv);
        for (var i = 0; i < n - 1; i++)
        {
            var off = -400 * x[i];
            hv[i] += (1200 * x[i] * x[i] - 400 * x[i + 1] + 2) * v[i] + off * v[i + 1];
            hv[i + 1] += off * v[i] + 200 * v[i + 1];
        }
    }
}
