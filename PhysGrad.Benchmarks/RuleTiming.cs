using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Wall-clock companions of the BenchmarkDotNet tables, for what BenchmarkDotNet does not report:
/// <c>probe rule n [contracting]</c> times the setup (compiling what the rule asks for) and a few
/// reset + step pairs of one rule, to see which sizes a rule can be benchmarked at; <c>memory n…</c>
/// measures what a GD stepper keeps on the heap at each n (GD's memory is to be O(n)).
/// </summary>
internal static class RuleTiming
{
    public static void Probe(string rule, int n, bool contracting, int steps)
    {
        var clock = Stopwatch.StartNew();
        var problem = RuleCases.Residuals(n);
        var built = clock.Elapsed;
        var start = RuleCases.Start(n, contracting);
        var stepper = new Stepper(problem, RuleCases.Make(rule), start);
        var setup = clock.Elapsed;
        Console.WriteLine($"{rule} n={n}{(contracting ? " contracting" : "")}: problem {built.TotalSeconds:F2} s, stepper (compiling {problem.Compiled}) {(setup - built).TotalSeconds:F2} s");
        for (var k = 0; k < steps; k++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var t = Stopwatch.StartNew();
            stepper.Reset(start);
            var reset = t.Elapsed;
            var fallback = stepper.Step();
            var step = t.Elapsed - reset;
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            Console.WriteLine($"  reset {reset.TotalMilliseconds:F3} ms, step {step.TotalMilliseconds:F3} ms, {bytes} B, loss {stepper.Loss:G6}{(fallback is null ? "" : $", fallback {fallback.Kind}")}");
        }
        if (rule == "pg")
        {
            // PG's inverse on its own, for its iteration counts: the first step's target y + Δy is 0.7·y
            // (η = 0.3, loss ½‖y‖², so Δy = −0.3·y), from the start.
            var y = new double[n];
            problem.Simulate(start, y);
            for (var i = 0; i < n; i++) y[i] *= 0.7;
            var x = new double[n];
            var t = Stopwatch.StartNew();
            var report = problem.InvertNumericallyReporting(y, start, x);
            Console.WriteLine($"  inverse alone {t.Elapsed.TotalMilliseconds:F3} ms: found {report.Found}, {report}");
        }
    }

    public static void Memory(IEnumerable<int> sizes)
    {
        Console.WriteLine("| n | problem built (heap) | + GD stepper, value+gradient kernel compiled (heap) | stepper's own arrays | allocated per step (1,000 steps) |");
        Console.WriteLine("|---:|---:|---:|---:|---:|");
        foreach (var n in sizes)
        {
            var start = RuleCases.Start(n, false);
            var baseline = GC.GetTotalMemory(true);
            var problem = RuleCases.Residuals(n);
            var afterProblem = GC.GetTotalMemory(true);
            var stepper = new Stepper(problem, RuleCases.Make("gd"), start);
            for (var k = 0; k < 10; k++) stepper.Step();
            var afterStepper = GC.GetTotalMemory(true);
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var k = 0; k < 1000; k++) stepper.Step();
            var perStep = (GC.GetAllocatedBytesForCurrentThread() - before) / 1000.0;
            // x, ∂L/∂x, Δx in the stepper (n doubles each) and the kernel's output scratch (1 + n).
            var own = (3 * n + 1 + n) * 8;
            Console.WriteLine($"| {n} | {Mb(afterProblem - baseline)} | {Mb(afterStepper - afterProblem)} | {Mb(own)} | {perStep:F0} B |");
            GC.KeepAlive(stepper);
            GC.KeepAlive(problem);
        }
    }

    /// <summary>
    /// Newton against Newton-CG to convergence (issue 13): each with η = 1 inside Armijo backtracking
    /// (the step halved until L decreases enough), stopped once ‖∂L/∂x‖ ≤ 10⁻⁸ or after
    /// <paramref name="limit"/> steps. On the Rosenbrock residuals from the classic start, or, with
    /// <paramref name="convex"/>, on a convex chain: y_i = x_{i+1} − x_i/2 (i &lt; n − 1),
    /// y_{n−1} = x_0, L = Σ (exp(y_i) − e·y_i), minimum at y = 1, Hessian Jᵀ diag(exp y) J positive
    /// definite and well conditioned (the chain contracts by 1/2), from the same classic start. Setup
    /// (compiling the kernels each rule asks for: the dense Hessian for Newton, the gradient and the Hv
    /// kernel for Newton-CG) is timed apart from the steps.
    /// </summary>
    public static void Converge(bool convex, int limit, IEnumerable<int> sizes)
    {
        Console.WriteLine("| n | rule | setup (compile) | steps | time to converge (steps only) | per step | final L | final ‖∂L/∂x‖ | fallbacks |");
        Console.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var n in sizes)
            foreach (var name in new[] { "newton", "newton-cg" })
            {
                var start = RuleCases.Start(n, false);
                var clock = Stopwatch.StartNew();
                var problem = convex ? ConvexChain(n) : RuleCases.Residuals(n);
                var inner = name == "newton" ? (PhysGrad.Numerics.Rules.IUpdateRule)new PhysGrad.Numerics.Rules.Newton(1)
                    : new PhysGrad.Numerics.Rules.NewtonCG(1);
                var stepper = new Stepper(problem, new PhysGrad.Numerics.Rules.ArmijoBacktracking(inner), start);
                // The first step compiles what Evaluate did not (Newton-CG's Hv kernel): count it as setup.
                var fallbacks = stepper.Step() is null ? 0 : 1;
                var setup = clock.Elapsed;
                var steps = 1;
                while (steps < limit && GradientNorm(stepper) > 1e-8)
                {
                    if (stepper.Step() is not null) fallbacks++;
                    steps++;
                }
                var run = clock.Elapsed - setup;
                Console.WriteLine($"| {n} | {name} | {setup.TotalSeconds:F2} s | {steps} | {run.TotalSeconds:F3} s ({steps - 1}) | {run.TotalMilliseconds / Math.Max(steps - 1, 1):F2} ms | {stepper.Loss:G6} | {GradientNorm(stepper):G3} | {fallbacks} |");
            }
    }

    private static CompiledProblem ConvexChain(int n)
    {
        var variables = Enumerable.Range(0, n).Select(i => $"x{i}").ToArray();
        var simulator = Enumerable.Range(0, n - 1).Select(i => Parse.Expression($"x{i + 1} - x{i}/2"))
            .Append(Parse.Expression("x0")).ToArray();
        var loss = ExprModule.Sum(Enumerable.Range(0, n).Select(i => Parse.Expression($"exp(y{i}) - 2.718281828459045*y{i}")));
        return new CompiledProblem(Problem.Create(variables, simulator, loss, new double[n], RuleCases.Start(n, false), null, false));
    }

    private static double GradientNorm(Stepper stepper)
    {
        double s = 0;
        foreach (var g in stepper.Gradient) s += g * g;
        return Math.Sqrt(s);
    }

    private static string Mb(long bytes) => bytes >= 1 << 20 ? $"{bytes / 1048576.0:F1} MB" : $"{bytes / 1024.0:F0} kB";
}
