using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;

namespace PhysGrad.Benchmarks;

/// <summary>
/// The heat-equation inverse problem (issue 14, docs/theory.md §7): recover the initial field of the
/// <c>heat1d-inverse</c> example (4 explicit steps, νΔt/h² = 0.2, periodic; x* a sine plus a box) from the diffused one, at several
/// cell counts N. For each rule: the loss after k steps from x = 0 and the mean time per step (each rule
/// first runs one step to compile its kernels, which is not timed; LM's damping λ is kept from that step), plus the time to trace and build
/// the problem. GN and LM run twice: with their default preconditioner (Jacobi column scaling, which on
/// this circulant J is a constant and changes nothing) and with the problem's regularised inverse as
/// the preconditioner (<see cref="InversePreconditioner"/>). Not a BenchmarkDotNet job: a run to convergence is the measurement. Run:
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- heat 256 512 1024 2048 4096</c>.
/// </summary>
internal static class HeatInverse
{
    private const int Steps = 10;

    public static void Run(IEnumerable<int> sizes)
    {
        var list = sizes.ToList();
        if (list.Count == 0) list = [256, 512, 1024, 2048, 4096];
        Console.WriteLine($"heat1d inverse problem: loss ½‖P(x) − y*‖² after {Steps} steps from x = 0 (L(0) in the first column), mean time per step");
        Console.WriteLine("| N | build | L(x₀) | gd:1 | gn:1 (LSQR, Jacobi) | gn:1 (LSQR, inverse) | lm:1 (CG, Jacobi) | lm:1 (CG, inverse) | pg:1 (regularised inverse) |");
        Console.WriteLine("|--:|------:|------:|-----:|-----------:|-----------:|----------:|----------:|---------------------------:|");
        foreach (var n in list)
        {
            var clock = Stopwatch.StartNew();
            var physics = ReferenceProblems.Create("heat1d-inverse", n);
            var problem = physics.Compiled;
            var start = new double[n];
            var l0 = problem.Value(start);
            var build = clock.Elapsed;
            IUpdateRule[] rules =
            [
                new GradientDescent(1),
                new GaussNewton(1, LinearSolver.Iterative),
                new GaussNewton(1, LinearSolver.Iterative, Preconditioning.Inverse),
                new LevenbergMarquardt(1, 1e-3, LinearSolver.Iterative),
                new LevenbergMarquardt(1, 1e-3, LinearSolver.Iterative, Preconditioning.Inverse),
                new PhysicalGradient(1, LinearSolver.Iterative),
            ];
            var cells = rules.Select(rule =>
            {
                // A Stepper, not Optimizer.Run: a run that reaches a zero step (GN here, at rounding level
                // after 3–5 steps) classifies the point from the dense Hessian's eigenvalues, seconds at
                // N = 1024, which is not the rule's step. The first step compiles the kernels (untimed).
                var stepper = new Stepper(problem, rule, start);
                stepper.Step();
                stepper.Reset(start);
                var clock = Stopwatch.StartNew();
                for (var k = 0; k < Steps; k++) stepper.Step();
                var time = clock.Elapsed;
                return $"{stepper.Loss:0.00e+00} in {time.TotalMilliseconds / Steps:0.0} ms";
            });
            Console.WriteLine($"| {n} | {build.TotalSeconds:0.0} s | {l0:0.00e+00} | {string.Join(" | ", cells)} |");
        }
    }
}

/// <summary>
/// LSQR's iteration count and time for the first Gauss–Newton system of the heat inverse problem
/// (J p = ∂L/∂y at x = 0, tolerance 10⁻¹²), without a preconditioner, with Jacobi column scaling and with
/// the regularised inverse: <c>heatlsqr N…</c>.
/// </summary>
internal static class HeatLsqr
{
    public static void Run(IEnumerable<int> sizes)
    {
        Console.WriteLine("| N | preconditioner | LSQR iterations | time | ‖p − p_none‖∞ / ‖p_none‖∞ |");
        Console.WriteLine("|--:|---|--:|--:|--:|");
        foreach (var n in sizes)
        {
            var problem = ReferenceProblems.Create("heat1d-inverse", n).Compiled;
            var x = new double[n];
            var (y, gy, scratch) = (new double[n], new double[n], new double[n]);
            problem.Simulate(x, y);
            problem.LossInY(y, gy);
            LinearMap a = (v, jv) => problem.JacobianVector(x, v, scratch, jv);
            LinearMap at = (w, jtw) => problem.JacobianTransposeVector(x, w, scratch, jtw);
            var scaling = new ColumnScaling(problem);
            scaling.Compute(x);
            var jacobi = new DiagonalPreconditioner(n);
            scaling.ToLsqr(jacobi);
            double[]? reference = null;
            foreach (var (name, pre) in new (string, KrylovPreconditioner?)[] { ("none", null), ("Jacobi", jacobi), ("inverse", new InversePreconditioner(problem)) })
            {
                var p = new double[n];
                var work = new KrylovWorkspace(n, n);
                Krylov.Lsqr(n, n, a, at, gy, p, work, tolerance: SolverLimits.KrylovTolerance, preconditioner: pre); // warm
                var clock = Stopwatch.StartNew();
                var r = Krylov.Lsqr(n, n, a, at, gy, p, work, tolerance: SolverLimits.KrylovTolerance, preconditioner: pre);
                var time = clock.Elapsed;
                reference ??= p;
                var scale = reference.Max(Math.Abs);
                var diff = p.Zip(reference, (u, v) => Math.Abs(u - v)).Max() / scale;
                Console.WriteLine($"| {n} | {name} | {r.Iterations}{(r.Converged ? "" : " (limit)")} | {time.TotalMilliseconds:0.0} ms | {diff:0.0e+00} |");
            }
        }
    }
}
