using System.Diagnostics;
using System.Globalization;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Where derive + compile goes for the Rosenbrock residuals at one n, as a user pays it: a fresh process,
/// no warm-up, so every expression is new to the intern table and every path's first-call JIT is counted
/// (issue 14: "n = 10⁵ derive + compile under 2 s"). Each phase prints its wall and processor time (all
/// threads, the garbage collector's included). Three paths, one per run (the intern table would otherwise
/// hold the first path's nodes for the next):
/// <list type="bullet">
/// <item><c>traced</c>: the C# simulator traced (<see cref="Tracer.Simulator(int, Func{Scalar[], Scalar[]})"/>),
/// the loss ½Σyᵢ², then a <see cref="CompiledProblem"/> asked for value + gradient, the sparse Jacobian and the
/// sparse Hessian;</item>
/// <item><c>example</c>: <c>ReferenceProblems.Create("rosenbrock", n)</c> (what <c>--example rosenbrock --n N</c>
/// builds: trace, the target, the problem's checks) and its compiled problem, asked the same;</item>
/// <item><c>f</c>: Rosenbrock f(x) = Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)² built with the smart constructors, its
/// families and the value + gradient kernel (the <c>scale</c> mode's "build" and "derive").</item>
/// </list>
/// Run: <c>dotnet PhysGrad.Benchmarks.dll phases traced 100000</c> (likewise <c>example</c>, <c>f</c>).
/// </summary>
internal static class BuildPhases
{
    public static void Run(string path, int n)
    {
        var process = Process.GetCurrentProcess();
        double Cpu() { process.Refresh(); return process.TotalProcessorTime.TotalSeconds; }
        var (wall0, cpu0) = (Stopwatch.StartNew(), Cpu());
        object Phase(string what, Func<object> a)
        {
            var (c, gc) = (Cpu(), GC.GetTotalPauseDuration());
            var w = Stopwatch.StartNew();
            var r = a();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {path} | {n} | {what} | {w.Elapsed.TotalSeconds:F3} s | {Cpu() - c:F3} s | {(GC.GetTotalPauseDuration() - gc).TotalSeconds:F3} s |"));
            return r;
        }

        Console.WriteLine("| path | n | phase | wall | CPU | GC pauses |");
        Console.WriteLine("|---|---:|---|---:|---:|---:|");
        switch (path)
        {
            case "traced":
            {
                var names = Tracer.VariableNames(n);
                var residuals = (Expr[])Phase("trace", () => Tracer.Simulator(n, ReferenceSimulators.Rosenbrock));
                var outputs = Enumerable.Range(0, n).Select(i => $"y{i}").ToArray();
                var loss = (Expr)Phase("loss ½Σyᵢ²", () => ExprModule.Multiply(ExprModule.half,
                    ExprModule.Sum(outputs.Select(o => ExprModule.Power(ExprModule.Symbol(o), ExprModule.two)))));
                var problem = new CompiledProblem(names, residuals, outputs, loss);
                Ask(problem, n, Phase);
                break;
            }
            case "example":
            {
                var example = (PhysicsProblem)Phase("ReferenceProblems.Create", () => ReferenceProblems.Create("rosenbrock", n, defaultComparison: false));
                var problem = (CompiledProblem)Phase("CompiledProblem", () => example.Compiled);
                Ask(problem, n, Phase);
                break;
            }
            case "f":
            {
                var (f, vars) = ((Expr, Expr[]))Phase("build f", () => Rosenbrock.Build(n, "x"));
                var names = vars.Select(v => Infix.Format(v)).ToArray();
                var found = (TermFamilies)Phase("Families.Detect", () => Families.Detect(names, f));
                Phase("value + gradient kernel", () => FamilyKernels.ValueGradient(found));
                break;
            }
            default:
                throw new ArgumentException($"Unknown path '{path}': traced, example or f.");
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {path} | {n} | **total** | {wall0.Elapsed.TotalSeconds:F3} s | {Cpu() - cpu0:F3} s | {GC.GetTotalPauseDuration().TotalSeconds:F3} s |"));
    }

    private static void Ask(CompiledProblem problem, int n, Func<string, Func<object>, object> phase)
    {
        var x = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? -1.2 : 1.0).ToArray();
        var g = new double[n];
        phase("value + gradient (first call)", () => problem.ValueGradient(x, g));
        var j = (CsrMatrix)phase("sparse Jacobian (pattern + first call)", () =>
        {
            var m = new CsrMatrix(problem.SparseJacobianPattern());
            problem.SparseJacobian(x, new double[problem.M], m);
            return m;
        });
        var h = (CsrMatrix)phase("sparse Hessian (pattern + first call)", () =>
        {
            var m = new CsrMatrix(problem.SparseHessianPattern());
            problem.SparseHessian(x, g, m);
            return m;
        });
        // Hand-derived: J has 2(n − 1) + 1 nonzeros, the tridiagonal Hessian 3n − 2.
        if (j.NonZeroCount != 2 * n - 1 || h.NonZeroCount != 3 * n - 2)
            throw new InvalidOperationException($"nonzeros: J {j.NonZeroCount}, H {h.NonZeroCount}.");
    }
}
