using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The sparse Jacobian and Hessian of the Rosenbrock residuals (ReferenceSimulators.Rosenbrock, loss ½‖r‖²)
/// at each n: time to lower + compile each kernel (first request), time per evaluation (y and J's
/// 2n − 1 nonzeros; L, ∇L and the Hessian's 3n − 2 nonzeros) against the same quantities written by hand
/// into the same CSR arrays (in alternating rounds, <see cref="Interleaved"/>: the median of the per-round
/// ratios, the extremes in brackets), the managed heap the problem holds afterwards, and whether the kernel runs
/// compiled, in chunks of KernelCompiler.ChunkInstructions instructions.
/// Run: <c>dotnet run -c Release --project PhysGrad.Benchmarks -- sparse 1000 10000 100000</c>.
/// </summary>
internal static class SparseTiming
{
    public static void Run(IEnumerable<int> sizes)
    {
        Console.WriteLine("| n | quantity | nonzeros | lower + compile | kernel | PhysGrad per eval | hand-written per eval | ratio | heap after |");
        Console.WriteLine("|---:|---|---:|---:|---|---:|---:|---:|---:|");
        Measure(50, report: false); // JIT warm-up of every path
        foreach (var n in sizes) Measure(n, report: true);
    }

    private static void Measure(int n, bool report)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var baseHeap = GC.GetTotalMemory(true);
        var names = Enumerable.Range(0, n).Select(i => $"x{i}").ToArray();
        var residuals = Tracer.Simulator(n, ReferenceSimulators.Rosenbrock);
        var outputs = Enumerable.Range(0, n).Select(i => $"y{i}").ToArray();
        var loss = ExprModule.Multiply(ExprModule.half, ExprModule.Sum(outputs.Select(o => ExprModule.Power(ExprModule.Symbol(o), ExprModule.two))));
        var problem = new CompiledProblem(names, residuals, outputs, loss);
        var x = Enumerable.Range(0, n).Select(i => 0.5 + 0.01 * (i % 7)).ToArray();
        var y = new double[n];
        var g = new double[n];

        var clock = Stopwatch.StartNew();
        var j = new CsrMatrix(problem.SparseJacobianPattern());
        var jacobianCompile = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var h = new CsrMatrix(problem.SparseHessianPattern());
        var hessianCompile = clock.Elapsed.TotalSeconds;

        var handJ = new CsrMatrix(j.Pattern);
        var handH = new CsrMatrix(h.Pattern);
        var (hy, hg, r) = (new double[n], new double[n], new double[n]);
        problem.SparseJacobian(x, y, j);
        problem.SparseHessian(x, g, h);
        HandJacobian(x, hy, handJ);
        HandHessian(x, r, hg, handH);
        Check(j, handJ, "Jacobian");
        Check(h, handH, "Hessian");
        // Each kernel against its hand-written loop in alternating rounds (Interleaved): the ratio is the
        // median of the per-round ratios, the extremes of single rounds beside it.
        var jacobian = Interleaved.Compare(() => problem.SparseJacobian(x, y, j), () => HandJacobian(x, hy, handJ), report ? 21 : 3);
        var hessian = Interleaved.Compare(() => problem.SparseHessian(x, g, h), () => HandHessian(x, r, hg, handH), report ? 21 : 3);
        var heap = GC.GetTotalMemory(true) - baseHeap;
        if (!report) return;
        // The kernels as CompiledProblem builds them (family loops where there are families), compiled again
        // here only to describe them.
        var jacobianKind = RowKind(ComponentFamilyKernels.SparseJacobian(names, residuals).Kernel);
        var composite = Structure.substituteNames(outputs.Zip(residuals, (o, e) => (o, e)).Select(p => Tuple.Create(p.o, p.e)), loss);
        var hessianKind = Kind(FamilyKernels.SparseHessian(names, composite).Kernel);
        Console.WriteLine($"| {n} | Jacobian | {j.NonZeroCount} | {jacobianCompile * 1e3:F0} ms | {jacobianKind} | {jacobian.A * 1e6:F1} µs | {jacobian.B * 1e6:F1} µs | {Ratio(jacobian)} | {heap / 1048576.0:F1} MB |");
        Console.WriteLine($"| {n} | Hessian | {h.NonZeroCount} | {hessianCompile * 1e3:F0} ms | {hessianKind} | {hessian.A * 1e6:F1} µs | {hessian.B * 1e6:F1} µs | {Ratio(hessian)} | |");
        GC.KeepAlive(problem);
    }

    private static string Kind(StraightLineProgram p) =>
        $"compiled in {(p.Instructions.Length + KernelCompiler.ChunkInstructions - 1) / KernelCompiler.ChunkInstructions} chunk(s), {p.Instructions.Length} instructions";

    // A family kernel: its loops and the straight-line rest; otherwise the program's chunks.
    private static string Kind(CompiledKernel k) => k.Families is { } f
        ? $"{f.Families} loop(s) over {f.Cells} cells ({f.TemplateInstructions} template instructions{(f.MappedEntries > 0 ? $", {f.MappedEntries} mapped entries" : "")}), rest {f.RestTerms} term(s) in {k.Program.SlotCount} instructions"
        : Kind(k.Program);

    // A component-family kernel: its loops over rows and the rows left straight-line.
    private static string RowKind(CompiledKernel k) => k.Families is { } f
        ? $"{f.Families} loop(s) over {f.Cells} rows ({f.TemplateInstructions} template instructions), {f.RestTerms} row(s) straight-line"
        : Kind(k.Program);

    private static string Ratio(Interleaved.Result r) => $"{r.Ratio:F2} ({r.MinRatio:F2}–{r.MaxRatio:F2})";

    private static void Check(CsrMatrix a, CsrMatrix b, string what)
    {
        for (var k = 0; k < a.NonZeroCount; k++)
            if (Math.Abs(a.Values[k] - b.Values[k]) > 1e-9 * (1 + Math.Abs(b.Values[k])))
                throw new InvalidOperationException($"{what} entry {k}: {a.Values[k]} vs hand-written {b.Values[k]}");
    }

    // The residuals and their Jacobian by hand: row i < n − 1 is (−20xᵢ at i, 10 at i + 1), row n − 1 is
    // (−1 at 0): the CSR order of the pattern.
    private static void HandJacobian(double[] x, double[] y, CsrMatrix j)
    {
        var n = x.Length;
        var v = j.Values;
        for (var i = 0; i < n - 1; i++)
        {
            y[i] = 10 * (x[i + 1] - x[i] * x[i]);
            v[2 * i] = -20 * x[i];
            v[2 * i + 1] = 10;
        }
        y[n - 1] = 1 - x[0];
        v[2 * n - 2] = -1;
    }

    // L = ½‖r‖², ∇L = Jᵀr, and the tridiagonal Hessian JᵀJ + Σ rᵢ∇²rᵢ by hand (see
    // examples/HandWritten/RosenbrockResiduals.cs), written row by row in CSR order: row a holds
    // columns a − 1 (a > 0), a, a + 1 (a < n − 1).
    private static double HandHessian(double[] x, double[] r, double[] g, CsrMatrix h)
    {
        var n = x.Length;
        double sum = 0;
        for (var i = 0; i < n - 1; i++)
        {
            r[i] = 10 * (x[i + 1] - x[i] * x[i]);
            sum += r[i] * r[i];
        }
        r[n - 1] = 1 - x[0];
        sum += r[n - 1] * r[n - 1];
        g[0] = -20 * x[0] * r[0] - r[n - 1];
        for (var c = 1; c < n - 1; c++) g[c] = 10 * r[c - 1] - 20 * x[c] * r[c];
        g[n - 1] = 10 * r[n - 2];
        var v = h.Values;
        var k = 0;
        for (var a = 0; a < n; a++)
        {
            if (a > 0) v[k++] = -200 * x[a - 1];
            var diagonal = a > 0 ? 100.0 : 1.0;
            if (a < n - 1) diagonal += 400 * x[a] * x[a] - 20 * r[a];
            v[k++] = diagonal;
            if (a < n - 1) v[k++] = -200 * x[a];
        }
        return 0.5 * sum;
    }
}
