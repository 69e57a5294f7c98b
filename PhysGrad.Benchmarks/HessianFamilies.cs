using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The sparse Hessian kernel of ½Σyᵢ² over the traced Rosenbrock residuals built from the composite loss's
/// families found two ways: composed from the loss's and the residuals' families (<c>Families.Compose</c>, what a
/// <see cref="CompiledProblem"/> does) and detected on the substituted loss (<c>Families.Detect</c>, what it did
/// before). Prints each way's families and rest, then the kernel's build (pattern, template, loop compile, first
/// call) alternating round by round in one process. Run: <c>dotnet PhysGrad.Benchmarks.dll hessianfamilies 100000 9</c>.
/// </summary>
internal static class HessianFamilies
{
    public static void Run(int n, int rounds)
    {
        var names = Tracer.VariableNames(n);
        var residuals = Tracer.Simulator(n, ReferenceSimulators.Rosenbrock);
        var outputs = Enumerable.Range(0, n).Select(i => $"y{i}").ToArray();
        var loss = ExprModule.Multiply(ExprModule.half, ExprModule.Sum(outputs.Select(o => ExprModule.Power(ExprModule.Symbol(o), ExprModule.two))));
        var components = Families.DetectComponents(names, residuals);
        var composed = Families.Compose(names, outputs, loss, components)!.Value;
        var substitution = new Dictionary<Expr, Expr>();
        for (var j = 0; j < n; j++) substitution[ExprModule.Symbol(outputs[j])] = residuals[j];
        var detected = Families.Detect(names, Structure.Substitute(substitution, loss));
        foreach (var (way, f) in new[] { ("composed", composed), ("detected", detected) })
            Console.WriteLine($"{way}: {f.Families.Length} families ({string.Join("; ", f.Families.Select(t => $"{Infix.Format(t.Template)} over {t.Count} cells, stride {t.Stride}, {t.CellParameters.Length} cell constants"))}), rest of {f.RestTermCount} terms: {Infix.Format(f.Rest)}");
        var x = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        var times = (Composed: new List<double>(), Detected: new List<double>());
        for (var r = 0; r < rounds; r++)
            foreach (var (f, list) in new[] { (composed, times.Composed), (detected, times.Detected) })
            {
                var clock = Stopwatch.StartNew();
                var kernel = FamilyKernels.SparseHessian(f);
                var m = new CsrMatrix(kernel.Pattern);
                var outputsArray = new double[kernel.Kernel.OutputCount];
                kernel.Kernel.Function(x, 0, [], outputsArray, 0);
                list.Add(clock.Elapsed.TotalMilliseconds);
                GC.KeepAlive(m);
            }
        double Median(List<double> a) { var s = a.Order().ToArray(); return s[s.Length / 2]; }
        Console.WriteLine($"sparse Hessian kernel (pattern, loops, first call), median of {rounds}: composed {Median(times.Composed):F1} ms, detected {Median(times.Detected):F1} ms");
        Console.WriteLine($"  rounds (composed | detected): {string.Join(", ", times.Composed.Zip(times.Detected, (a, b) => $"{a:F0} | {b:F0}"))}");
    }
}
