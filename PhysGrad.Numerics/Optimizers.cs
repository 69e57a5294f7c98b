namespace PhysGrad.Numerics;

/// <summary>The update rules of THEORY.md §2 implemented so far.</summary>
public enum Method
{
    /// <summary>Gradient descent: Δx = −η ∂L/∂x.</summary>
    GradientDescent,
    /// <summary>Newton: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x with the exact Hessian.</summary>
    Newton,
    /// <summary>Inverse gradient: Δx = J⁻¹ Δy with the Newton step in y.</summary>
    InverseGradient,
    /// <summary>Physical gradient: Δx = P⁻¹(y + Δy; x) − x.</summary>
    PhysicalGradient,
    /// <summary>Adam on ∂L/∂x (β₁ = 0.9, β₂ = 0.999, ε = 1e−8).</summary>
    Adam,
    /// <summary>Gauss–Newton: Δx = −η J⁺ ∂L/∂y.</summary>
    GaussNewton,
    /// <summary>Half-inverse gradient: Δx = −η V Σ^κ Uᵀ ∂L/∂y, κ = −½, singular values ≤ τ·σ_max dropped.</summary>
    HalfInverse,
    /// <summary>BFGS: Δx = −η B ∂L/∂x with B the inverse-Hessian estimate built from gradient differences.</summary>
    Bfgs,
    /// <summary>L-BFGS: BFGS with the estimate kept as the last 10 pairs of steps and gradient differences.</summary>
    LimitedMemoryBfgs,
}

/// <summary>Why a run stopped.</summary>
public enum StopReason
{
    /// <summary>The loss fell below the tolerance.</summary>
    Converged,
    /// <summary>The iteration limit was reached.</summary>
    IterationLimit,
    /// <summary>A value became non-finite; the run says which and when.</summary>
    Diverged,
}

/// <summary>A fallback taken at one iteration, and why.</summary>
public sealed record Fallback(int Iteration, string Reason);

/// <summary>A finished run: the trajectory (including the start), the losses, why it stopped.</summary>
public sealed record OptimizerRun(
    Method Method,
    double Eta,
    IReadOnlyList<double[]> Trajectory,
    IReadOnlyList<double[]> Outputs,
    IReadOnlyList<double> Losses,
    StopReason StopReason,
    string StopDetail,
    IReadOnlyList<Fallback> Fallbacks,
    TimeSpan WallTime)
{
    /// <summary>The last point.</summary>
    public double[] Final => Trajectory[^1];

    /// <summary>The last loss.</summary>
    public double FinalLoss => Losses[^1];
}

/// <summary>Runs the update rules on a compiled problem.</summary>
public static class Optimizer
{
    /// <summary>Runs <paramref name="method"/> from <paramref name="start"/> for at most <paramref name="iterations"/> steps.</summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="method">The update rule.</param>
    /// <param name="eta">The step size η.</param>
    /// <param name="start">The start point x₀.</param>
    /// <param name="iterations">The iteration limit.</param>
    /// <param name="lossTolerance">Stop (converged) once the loss is at most this.</param>
    /// <param name="kappa">The exponent of <see cref="Method.HalfInverse"/> (default −½).</param>
    /// <param name="tau">The relative truncation of <see cref="Method.HalfInverse"/> and <see cref="Method.GaussNewton"/>.</param>
    public static OptimizerRun Run(
        CompiledProblem problem, Method method, double eta, double[] start, int iterations, double lossTolerance = 0,
        double kappa = -0.5, double tau = 1e-3)
    {
        if (start.Length != problem.N)
            throw new ArgumentException($"The start point has {start.Length} values but the problem has {problem.N} variables.");
        if ((method is Method.InverseGradient or Method.PhysicalGradient) && problem.M != problem.N)
            throw new ArgumentException(
                $"{method} needs a square Jacobian, but the simulator maps {problem.N} variables to {problem.M} outputs; use Gauss–Newton or HIG.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int n = problem.N, m = problem.M;
        var x = (double[])start.Clone();
        var y = new double[m];
        var j = new double[m * n];
        var gx = new double[n];
        var hx = new double[n * n];
        var gy = new double[m];
        var hy = new double[m * m];
        var dx = new double[n];
        var dy = new double[m];
        var trajectory = new List<double[]> { (double[])x.Clone() };
        var outputs = new List<double[]>();
        var losses = new List<double>();
        var fallbacks = new List<Fallback>();
        double[]? adamM = null, adamV = null;
        var quasiNewton = method is Method.Bfgs or Method.LimitedMemoryBfgs ? new QuasiNewton(n, method == Method.Bfgs) : null;
        var jacobian2D = new double[m, n];

        problem.Simulate(x, y, j);
        var loss = problem.LossInX(x, gx, hx);
        outputs.Add((double[])y.Clone());
        losses.Add(loss);
        for (var k = 1; k <= iterations; k++)
        {
            if (loss <= lossTolerance)
                return Finish(StopReason.Converged, $"loss {loss:G6} ≤ {lossTolerance:G3} after {k - 1} iterations");
            switch (method)
            {
                case Method.GradientDescent:
                    for (var i = 0; i < n; i++) dx[i] = -eta * gx[i];
                    break;
                case Method.Newton:
                    if (!NewtonStep(hx, gx, eta, dx, out var why))
                    {
                        fallbacks.Add(new Fallback(k, $"the Hessian is {why} at x = [{string.Join(", ", x)}]; took a gradient step instead"));
                        for (var i = 0; i < n; i++) dx[i] = -eta * gx[i];
                    }
                    break;
                case Method.Bfgs:
                case Method.LimitedMemoryBfgs:
                    quasiNewton!.Direction(gx, dx);
                    for (var i = 0; i < n; i++) dx[i] *= -eta;
                    break;
                case Method.Adam:
                    adamM ??= new double[n];
                    adamV ??= new double[n];
                    for (var i = 0; i < n; i++)
                    {
                        adamM[i] = 0.9 * adamM[i] + 0.1 * gx[i];
                        adamV[i] = 0.999 * adamV[i] + 0.001 * gx[i] * gx[i];
                        var mHat = adamM[i] / (1 - Math.Pow(0.9, k));
                        var vHat = adamV[i] / (1 - Math.Pow(0.999, k));
                        dx[i] = -eta * mHat / (Math.Sqrt(vHat) + 1e-8);
                    }
                    break;
                case Method.GaussNewton:
                case Method.HalfInverse:
                    problem.LossInY(y, gy, hy);
                    for (var r = 0; r < m; r++)
                        for (var c = 0; c < n; c++) jacobian2D[r, c] = j[r * n + c];
                    var kept = LinearAlgebra.SpectralProduct(
                        jacobian2D, gy, method == Method.GaussNewton ? -1.0 : kappa, method == Method.GaussNewton ? 1e-12 : tau, dx);
                    if (kept < Math.Min(m, n))
                        fallbacks.Add(new Fallback(k, $"{Math.Min(m, n) - kept} singular value(s) of J dropped at x = [{string.Join(", ", x)}]"));
                    for (var i = 0; i < n; i++) dx[i] *= -eta;
                    break;
                case Method.InverseGradient:
                case Method.PhysicalGradient:
                    problem.LossInY(y, gy, hy);
                    if (!NewtonStep(hy, gy, eta, dy, out _))
                        for (var i = 0; i < m; i++) dy[i] = -eta * gy[i]; // a loss without curvature in y: plain step
                    var inverted = false;
                    if (method == Method.PhysicalGradient)
                    {
                        var target = new double[m];
                        for (var i = 0; i < m; i++) target[i] = y[i] + dy[i];
                        var xNew = new double[n];
                        // The given inverse when there is one; otherwise Newton's method on P(x) = y + Δy from x.
                        if (problem.HasInverse ? problem.Invert(target, x, xNew) : problem.InvertNumerically(target, x, xNew))
                        {
                            for (var i = 0; i < n; i++) dx[i] = xNew[i] - x[i];
                            inverted = true;
                        }
                        else
                            fallbacks.Add(new Fallback(k,
                                $"y + Δy = [{string.Join(", ", target)}] has no preimage near x{(problem.HasInverse ? "" : " (numeric inverse)")}; took an inverse-gradient step instead"));
                    }
                    if (!inverted)
                    {
                        var r = LinearAlgebra.Solve(j, dy, dx);
                        if (!r.Ok)
                        {
                            fallbacks.Add(new Fallback(k, $"the Jacobian is {r} at x = [{string.Join(", ", x)}]; took a gradient step instead"));
                            for (var i = 0; i < n; i++) dx[i] = -eta * gx[i];
                        }
                    }
                    break;
            }
            for (var i = 0; i < n; i++) x[i] += dx[i];
            if (!x.All(double.IsFinite))
                return Finish(StopReason.Diverged, $"x became non-finite at iteration {k}");
            var previousGradient = quasiNewton is null ? null : (double[])gx.Clone();
            problem.Simulate(x, y, j);
            loss = problem.LossInX(x, gx, hx);
            if (quasiNewton is not null && !quasiNewton.Update(dx, previousGradient!, gx))
                fallbacks.Add(new Fallback(k, "the curvature condition sᵀy > 0 failed; the inverse-Hessian estimate was not updated"));
            trajectory.Add((double[])x.Clone());
            outputs.Add((double[])y.Clone());
            losses.Add(loss);
            if (!double.IsFinite(loss))
                return Finish(StopReason.Diverged, $"the loss became non-finite at iteration {k}");
        }
        return Finish(loss <= lossTolerance ? StopReason.Converged : StopReason.IterationLimit, $"{iterations} iterations");

        OptimizerRun Finish(StopReason reason, string detail) =>
            new(method, eta, trajectory, outputs, losses, reason, detail, fallbacks, clock.Elapsed);
    }

    private static bool NewtonStep(double[] hessian, double[] gradient, double eta, double[] step, out string why)
    {
        var r = LinearAlgebra.Solve(hessian, gradient, step);
        why = r.ToString();
        if (!r.Ok) return false;
        // H⁻¹g must point uphill (gᵀH⁻¹g > 0); otherwise H is indefinite and −H⁻¹g is no descent step.
        double slope = 0;
        for (var i = 0; i < step.Length; i++) slope += step[i] * gradient[i];
        if (!(slope > 0))
        {
            why = "indefinite (the Newton direction does not descend)";
            return false;
        }
        for (var i = 0; i < step.Length; i++) step[i] *= -eta;
        return true;
    }
}

/// <summary>
/// The BFGS inverse-Hessian estimate, dense or limited-memory. Written here because MathNet's BFGS
/// and L-BFGS minimisers only run to convergence with their own line search, while PhysGrad steps
/// one iteration at a time with a given η, like every other method.
/// </summary>
internal sealed class QuasiNewton(int n, bool dense)
{
    private const int Memory = 10;
    private readonly double[,]? _inverse = dense ? Identity(n) : null;
    private readonly List<(double[] S, double[] Y, double Rho)> _pairs = [];

    private static double[,] Identity(int n)
    {
        var h = new double[n, n];
        for (var i = 0; i < n; i++) h[i, i] = 1;
        return h;
    }

    /// <summary>d = B g (the step is −η d).</summary>
    public void Direction(double[] g, double[] d)
    {
        if (_inverse is not null)
        {
            for (var i = 0; i < n; i++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++) sum += _inverse[i, k] * g[k];
                d[i] = sum;
            }
            return;
        }
        // The two-loop recursion, with the initial estimate scaled by sᵀy / yᵀy of the newest pair.
        var q = (double[])g.Clone();
        var alpha = new double[_pairs.Count];
        for (var p = _pairs.Count - 1; p >= 0; p--)
        {
            var (s, y, rho) = _pairs[p];
            alpha[p] = rho * Dot(s, q);
            for (var i = 0; i < n; i++) q[i] -= alpha[p] * y[i];
        }
        var gamma = _pairs.Count == 0 ? 1.0 : Dot(_pairs[^1].S, _pairs[^1].Y) / Dot(_pairs[^1].Y, _pairs[^1].Y);
        for (var i = 0; i < n; i++) d[i] = gamma * q[i];
        for (var p = 0; p < _pairs.Count; p++)
        {
            var (s, y, rho) = _pairs[p];
            var beta = rho * Dot(y, d);
            for (var i = 0; i < n; i++) d[i] += (alpha[p] - beta) * s[i];
        }
    }

    /// <summary>Takes the step s and the gradients before and after; false when sᵀy ≤ 0 (no update).</summary>
    public bool Update(double[] step, double[] before, double[] after)
    {
        var s = (double[])step.Clone();
        var y = new double[n];
        for (var i = 0; i < n; i++) y[i] = after[i] - before[i];
        var sy = Dot(s, y);
        if (!(sy > 1e-300)) return false;
        var rho = 1 / sy;
        if (_inverse is null)
        {
            _pairs.Add((s, y, rho));
            if (_pairs.Count > Memory) _pairs.RemoveAt(0);
            return true;
        }
        // B ← (I − ρ s yᵀ) B (I − ρ y sᵀ) + ρ s sᵀ, expanded: B − ρ(s (yᵀB) + (By) sᵀ) + (ρ² yᵀBy + ρ) s sᵀ.
        var by = new double[n];
        var yb = new double[n];
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
            {
                by[i] += _inverse[i, k] * y[k];
                yb[i] += y[k] * _inverse[k, i];
            }
        var yby = Dot(y, by);
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
                _inverse[i, k] += -rho * (s[i] * yb[k] + by[i] * s[k]) + (rho * rho * yby + rho) * s[i] * s[k];
        return true;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
