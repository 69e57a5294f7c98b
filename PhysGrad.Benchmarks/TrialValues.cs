using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Numerics.Rules;

namespace PhysGrad.Benchmarks;

/// <summary>
/// Newton-CG's Armijo search with L alone at its trial points against L with ∇L there (what it did
/// before), in one process on one compiled problem: <c>--example rosenbrock --n N</c>'s problem, η = 1,
/// 10 iterations from its start, as <c>compare --methods newton-cg --iterations 10</c> runs it. The two
/// differ only in what a trial point asks of the problem (<see cref="Trials"/>), so the kernels, the
/// problem and the start are shared; the runs alternate round by round, and the paths must agree bit for
/// bit (x after every iteration and every loss). Run:
/// <c>dotnet PhysGrad.Benchmarks.dll trials 10000 7</c> (n, rounds; a third number: iterations instead of 10).
/// </summary>
internal static class TrialValues
{
    public static void Run(int n, int rounds, int iterations = 10)
    {
        var example = ReferenceProblems.Create("rosenbrock", n, defaultComparison: false);
        var problem = example.Compiled;
        var start = example.Start.ToArray();
        var valueOnly = new Trials(problem, gradient: false);
        var withGradient = new Trials(problem, gradient: true);
        // The first run of each compiles what it asks for (the value-only kernel, the rest shared).
        var first = (Optimizer.Run(valueOnly, new NewtonCG(1), start, iterations), Optimizer.Run(withGradient, new NewtonCG(1), start, iterations));
        Same(first.Item1, first.Item2);
        Console.WriteLine($"n = {n}: L after {iterations} iterations = {first.Item1.Losses[^1]:R}; trial points a run: {valueOnly.Calls}");
        // One trial point's evaluation alone, both ways, alternating in batches of 20 calls.
        var (x, g) = (first.Item1.Final, new double[n]);
        var evaluations = (Only: new List<double>(), With: new List<double>());
        for (var r = 0; r < 4 * rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            for (var k = 0; k < 20; k++) problem.Value(x);
            evaluations.Only.Add(clock.Elapsed.TotalMicroseconds / 20);
            clock.Restart();
            for (var k = 0; k < 20; k++) problem.ValueGradient(x, g);
            evaluations.With.Add(clock.Elapsed.TotalMicroseconds / 20);
        }
        var times = (Only: new List<double>(), With: new List<double>());
        for (var r = 0; r < rounds; r++)
        {
            foreach (var (p, list) in new[] { (valueOnly, times.Only), (withGradient, times.With) })
            {
                var clock = Stopwatch.StartNew();
                var run = Optimizer.Run(p, new NewtonCG(1), start, iterations);
                list.Add(clock.Elapsed.TotalMilliseconds);
                Same(run, first.Item1);
            }
        }
        double Median(List<double> a) { var s = a.Order().ToArray(); return s[s.Length / 2]; }
        Console.WriteLine($"  one evaluation, median of {4 * rounds} batches: L alone {Median(evaluations.Only):F1} µs, L and ∇L {Median(evaluations.With):F1} µs, ratio {Median(evaluations.With) / Median(evaluations.Only):F2}");
        Console.WriteLine($"  {iterations} iterations, median of {rounds} rounds: L alone at trials {Median(times.Only):F2} ms, L and ∇L {Median(times.With):F2} ms, ratio {Median(times.With) / Median(times.Only):F2}");
        Console.WriteLine($"  rounds (L alone | L and ∇L): {string.Join(", ", times.Only.Zip(times.With, (a, b) => $"{a:F1} | {b:F1}"))}");
    }

    // Every recorded point and loss equal bit for bit, else the comparison is void.
    private static void Same(OptimizerRun a, OptimizerRun b)
    {
        if (!a.Losses.SequenceEqual(b.Losses) || a.Trajectory.Count != b.Trajectory.Count ||
            a.Trajectory.Zip(b.Trajectory).Any(p => !p.First.SequenceEqual(p.Second)))
            throw new InvalidOperationException("The two searches took different paths.");
    }

    /// <summary>The problem, with <see cref="Value"/> answered by L alone or (as before) by L with ∇L; counts the calls.</summary>
    private sealed class Trials(CompiledProblem inner, bool gradient) : IDifferentiableProblem
    {
        private readonly double[] _scratch = new double[inner.N];
        public int Calls;
        public int N => inner.N;
        public int M => inner.M;
        public Capabilities Supported => inner.Supported & ~(Capabilities.SparseJacobian | Capabilities.SparseHessian);
        public bool LossIsNonNegative => inner.LossIsNonNegative;
        public string? OutsideDomainAt(double[] x) => inner.OutsideDomainAt(x);

        public double Value(double[] x)
        {
            Calls++;
            return gradient ? inner.ValueGradient(x, _scratch) : inner.Value(x);
        }

        public double ValueGradient(double[] x, double[] g) => inner.ValueGradient(x, g);
        public void Simulate(double[] x, double[] y) => inner.Simulate(x, y);
        public void Simulate(double[] x, double[] y, double[] j) => inner.Simulate(x, y, j);
        public double LossInY(double[] y, double[] g) => inner.LossInY(y, g);
        public double LossInY(double[] y, double[] g, double[] h) => inner.LossInY(y, g, h);
        public double LossInX(double[] x, double[] g, double[] h) => inner.LossInX(x, g, h);
        public void JacobianVector(double[] x, double[] v, double[] y, double[] jv) => inner.JacobianVector(x, v, y, jv);
        public void JacobianTransposeVector(double[] x, double[] w, double[] y, double[] jtw) => inner.JacobianTransposeVector(x, w, y, jtw);
        public double HessianVector(double[] x, double[] v, double[] g, double[] hv) => inner.HessianVector(x, v, g, hv);
        public void HessianVectorOnly(double[] x, double[] v, double[] hv) => inner.HessianVectorOnly(x, v, hv);
        public bool TryInvert(double[] y, double[] x0, double[] x) => inner.TryInvert(y, x0, x);
    }
}
