using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The heat inverse problem (<see cref="HeatInverse"/>'s setting) with the loss after k = 1, 10 and 100
/// steps from x = 0 and the time per step: the first step (from x = 0: GN's and LM's one real solve), the
/// mean of the first 10 (as <see cref="HeatInverse"/>) and the median of all (mostly steps at rounding
/// level, where GN's LSQR stops at once but LM keeps solving): <c>heatk N…</c>. Each rule first takes one untimed step
/// (compiling its kernels) and is reset; a rule whose 100 steps would exceed <see cref="Budget"/> stops
/// there and its later columns read "—". Every run goes through a <see cref="Stepper"/>, as in
/// <see cref="HeatInverse"/>: no classification of the end point.
/// </summary>
internal static class HeatSteps
{
    private static readonly int[] Ks = [1, 10, 100];
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);

    public static void Run(IEnumerable<int> sizes)
    {
        Console.WriteLine($"load average {StepScaling.Load()}");
        Console.WriteLine("| N | rule | L after 1 | L after 10 | L after 100 | step 1 | mean of steps 1–10 | median step | steps at the LSQR/CG limit | steps rejected (LM: no λ gave a decrease) |");
        Console.WriteLine("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var n in sizes)
        {
            var problem = ReferenceProblems.Create("heat1d-inverse", n).Compiled;
            var start = new double[n];
            (string, Func<IUpdateRule>)[] rules =
            [
                ("gd:1", () => new GradientDescent(1)),
                ("gn:1 (LSQR, Jacobi)", () => new GaussNewton(1, LinearSolver.Iterative)),
                ("gn:1 (LSQR, inverse)", () => new GaussNewton(1, LinearSolver.Iterative, Preconditioning.Inverse)),
                ("lm:1 (CG, Jacobi)", () => new LevenbergMarquardt(1, 1e-3, LinearSolver.Iterative)),
                ("lm:1 (CG, inverse)", () => new LevenbergMarquardt(1, 1e-3, LinearSolver.Iterative, Preconditioning.Inverse)),
                ("pg:1 (regularised inverse)", () => new PhysicalGradient(1, LinearSolver.Iterative)),
            ];
            foreach (var (name, make) in rules)
            {
                var stepper = new Stepper(problem, make(), start);
                stepper.Step();
                stepper.Reset(start);
                var losses = new List<double>();
                var times = new List<double>();
                var incomplete = 0;
                var rejected = 0;
                var total = Stopwatch.StartNew();
                while (losses.Count < Ks[^1] && total.Elapsed < Budget)
                {
                    var t = Stopwatch.StartNew();
                    var fallback = stepper.Step();
                    times.Add(t.Elapsed.TotalMilliseconds);
                    if (fallback?.Kinds.Contains(FallbackKind.IterativeSolveIncomplete) == true) incomplete++;
                    if (fallback?.Kinds.Contains(FallbackKind.StepRejected) == true) rejected++;
                    losses.Add(stepper.Loss);
                }
                var cells = Ks.Select(k => k <= losses.Count ? $"{losses[k - 1]:0.00e+00}" : "—");
                var median = times.Order().ElementAt(times.Count / 2);
                var first10 = times.Take(10).Average();
                Console.WriteLine($"| {n} | {name} | {string.Join(" | ", cells)} | {times[0]:0.00} ms | {first10:0.00} ms | {median:0.00} ms{(losses.Count < Ks[^1] ? $" ({losses.Count} steps in {Budget.TotalSeconds:0} s)" : "")} | {incomplete} | {rejected} |");
            }
        }
        Console.WriteLine($"load average {StepScaling.Load()}");
    }
}

/// <summary>
/// Whether Gauss–Newton's loss after k steps on the heat inverse problem depends on the run or on the
/// solver's settings: <c>heatgn N…</c>. (1) The rule itself (LSQR with Jacobi scaling and with the
/// inverse) run three times from x = 0: the losses after 1, 2, 3 and 10 steps, to see whether repeated
/// runs agree bit for bit. (2) The same iteration x ← x − J⁺ ∂L/∂y written here on <see cref="Krylov.Lsqr"/>
/// with the rule's residual floor (4ε(1 + ‖y‖)), for each preconditioner, tolerance and iteration limit:
/// the losses after 1, 2, 3 and 10 steps, the LSQR iterations of each of the first three steps, and
/// whether the limit stopped them. The rounding level of the loss is printed beside it: ½(ε‖y*‖)²·N-ish
/// values are noise, not outcomes.
/// </summary>
internal static class HeatGaussNewton
{
    private static readonly int[] Ks = [1, 2, 3, 10];

    public static void Run(IEnumerable<int> sizes)
    {
        Console.WriteLine($"load average {StepScaling.Load()}");
        foreach (var n in sizes)
        {
            var problem = ReferenceProblems.Create("heat1d-inverse", n).Compiled;
            var start = new double[n];
            var y0 = new double[n];
            problem.Simulate(start, y0);
            Console.WriteLine($"N = {n}: L(0) = {problem.Value(start):0.000e+00}; ½(ε‖y*‖)² = {0.5 * Math.Pow(Math.Pow(2, -52) * Norm(TargetOf(problem, n)), 2):0.0e+00}");
            Console.WriteLine("| run | settings | L after 1 | 2 | 3 | 10 | LSQR iterations, steps 1–3 |");
            Console.WriteLine("|---|---|--:|--:|--:|--:|---|");
            foreach (var pre in new[] { Preconditioning.None, Preconditioning.Jacobi, Preconditioning.Inverse })
                for (var run = 1; run <= 3; run++)
                {
                    var stepper = new Stepper(problem, new GaussNewton(1, LinearSolver.Iterative, pre), start);
                    var losses = new List<double>();
                    var notes = new List<string>();
                    for (var k = 0; k < Ks[^1]; k++)
                    {
                        var f = stepper.Step();
                        if (f is not null && k < 3) notes.Add($"step {k + 1}: {f.Kind}");
                        losses.Add(stepper.Loss);
                    }
                    Console.WriteLine($"| rule, run {run} | GaussNewton, {pre} | {string.Join(" | ", Ks.Select(k => $"{losses[k - 1]:0.000e+00}"))} | {(notes.Count == 0 ? "" : string.Join("; ", notes))} |");
                }
            foreach (var pre in new[] { "none", "Jacobi", "inverse" })
                foreach (var tol in new[] { 1e-8, 1e-10, 1e-12, 1e-14 })
                    foreach (var limitFactor in new[] { 0, 10 })
                    {
                        var (losses, its) = Iterate(problem, n, pre, tol, limitFactor * n);
                        Console.WriteLine($"| own loop | {pre}, tol {tol:0e+00}, limit {(limitFactor == 0 ? "2N + 50" : $"{limitFactor}N")} | {string.Join(" | ", Ks.Select(k => $"{losses[k - 1]:0.000e+00}"))} | {string.Join(", ", its.Take(3))} |");
                    }
        }
        Console.WriteLine($"load average {StepScaling.Load()}");
    }

    private static double[] TargetOf(CompiledProblem problem, int n)
    {
        // ½‖y − y*‖² at y = 0 has ∂L/∂y = −y*.
        var gy = new double[n];
        problem.LossInY(new double[n], gy);
        return gy;
    }

    private static (List<double> Losses, List<string> Iterations) Iterate(CompiledProblem problem, int n, string pre, double tol, int limit)
    {
        var x = new double[n];
        var (y, gy, scratch, p) = (new double[n], new double[n], new double[n], new double[n]);
        var work = new KrylovWorkspace(n, n);
        var scaling = new ColumnScaling(problem);
        var jacobi = new DiagonalPreconditioner(n);
        KrylovPreconditioner? inverse = pre == "inverse" ? new InversePreconditioner(problem) : null;
        var losses = new List<double>();
        var iterations = new List<string>();
        for (var k = 0; k < Ks[^1]; k++)
        {
            problem.Simulate(x, y);
            problem.LossInY(y, gy);
            LinearMap a = (v, jv) => problem.JacobianVector(x, v, scratch, jv);
            LinearMap at = (w, jtw) => problem.JacobianTransposeVector(x, w, scratch, jtw);
            KrylovPreconditioner? m = inverse;
            if (pre == "Jacobi")
            {
                scaling.Compute(x);
                scaling.ToLsqr(jacobi);
                m = jacobi;
            }
            var floor = 4 * Math.Pow(2, -52) * (1 + Norm(y));
            var r = Krylov.Lsqr(n, n, a, at, gy, p, work, tolerance: tol, maxIterations: limit, residualFloor: floor, preconditioner: m);
            iterations.Add($"{r.Iterations}{(r.Converged ? "" : " (limit)")}");
            for (var i = 0; i < n; i++) x[i] -= p[i];
            losses.Add(problem.Value(x));
        }
        return (losses, iterations);
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(t => t * t));
}
