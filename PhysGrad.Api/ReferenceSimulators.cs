using PhysGrad.Symbolic;
using PhysGrad.Numerics;

namespace PhysGrad;

/// <summary>Boundary rule of a grid simulator.</summary>
public enum GridBoundary
{
    /// <summary>The grid wraps around: cell −1 is cell n−1.</summary>
    Periodic,
    /// <summary>The values outside the grid are held at 0 (homogeneous Dirichlet).</summary>
    Dirichlet,
}

/// <summary>
/// The reference simulators of docs/theory.md §7 written as ordinary C# loops over <see cref="Scalar"/>, so
/// tracing them builds the symbolic simulator: Rosenbrock residuals, explicit heat steps in 1-D and 2-D,
/// the 2-D Poisson solve and the coupled oscillators of the book's HIG notebook (RK4). Each function
/// also runs on numbers-as-scalars, which is how the tests compare it with closed forms.
/// </summary>
public static class ReferenceSimulators
{
    /// <summary>
    /// Rosenbrock residuals (docs/theory.md §7): r_i = 10 (x_{i+1} − x_i²) for i &lt; n−1, r_{n−1} = 1 − x_0;
    /// ½‖r‖² is half the Rosenbrock function of n variables. n ≥ 2.
    /// </summary>
    public static Scalar[] Rosenbrock(Scalar[] x)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (x.Length < 2) throw new SymbolicException(ErrorKind.Invalid, $"The Rosenbrock residuals need at least 2 variables; got {x.Length}.");
        var r = new Scalar[x.Length];
        for (var i = 0; i < x.Length - 1; i++) r[i] = 10 * (x[i + 1] - Scalar.Square(x[i]));
        r[^1] = 1 - x[0];
        return r;
    }

    /// <summary>
    /// <paramref name="steps"/> explicit heat steps u ← u + r (u_{i+1} − 2u_i + u_{i−1}) on n cells, with
    /// r = νΔt/h² (the scheme is stable for r ≤ 1/2). Each discrete Fourier mode k is multiplied by
    /// 1 − 4r sin²(kh/2) per step (docs/theory.md §7). Returns the final field.
    /// </summary>
    public static Scalar[] Heat1D(Scalar[] u, double r, int steps, GridBoundary boundary)
    {
        ArgumentNullException.ThrowIfNull(u);
        CheckStable(r, 0.5, "1-D");
        var n = u.Length;
        var current = (Scalar[])u.Clone();
        for (var s = 0; s < steps; s++)
        {
            var next = new Scalar[n];
            for (var i = 0; i < n; i++)
            {
                var left = Cell(current, i - 1, boundary);
                var right = Cell(current, i + 1, boundary);
                next[i] = current[i] + r * Scalar.Sum([right, -2 * current[i], left]);
            }
            current = next;
        }
        return current;
    }

    /// <summary>
    /// A regularised local inverse of <see cref="Heat1D"/> (docs/theory.md §7, the heat-equation inverse
    /// problem), as code: x = x₀ + B (y − P(x₀)), where B applies <paramref name="steps"/> times the
    /// truncated Neumann series Σ_{k&lt;K} (−r L)^k of the backward step (I + r L)⁻¹ (L the 3-point
    /// stencil, K = <paramref name="terms"/>). In each discrete Fourier mode, with a = 1 − 4r sin²(kh/2)
    /// the forward step's factor, one backward step multiplies by (1 − (1 − a)^K)/a instead of 1/a: within
    /// 1 − (1 − a)^K of the exact inverse where a is near 1 (the smooth modes), but never more than K
    /// where a is small (the modes diffusion has damped towards noise), which is the regularisation — a
    /// per-mode filter, as the SIP paper's, in the form of a stencil of width 2(K − 1)·steps + 1, so the
    /// inverse stays O(n) as code. A fixed point of the PG iteration x ← x₀ + B(y* − P(x₀)) has P(x) = y*
    /// whenever no mode's filter vanishes (for r ≤ 1/2 none does).
    /// </summary>
    /// <param name="y">The outputs to invert (n values).</param>
    /// <param name="x0">The current point x₀ (n values).</param>
    /// <param name="r">νΔt/h² of the forward steps.</param>
    /// <param name="steps">The forward steps (the same as <see cref="Heat1D"/>'s).</param>
    /// <param name="terms">K, the terms of the Neumann series per backward step (≥ 1; 1 gives B = I).</param>
    /// <param name="boundary">The forward steps' boundary rule.</param>
    public static Scalar[] Heat1DRegularisedInverse(Scalar[] y, Scalar[] x0, double r, int steps, int terms, GridBoundary boundary)
    {
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(x0);
        if (terms < 1) throw new SymbolicException(ErrorKind.Invalid, $"The backward step needs at least 1 term of its series; got {terms}.");
        CheckStable(r, 0.5, "1-D");
        var n = y.Length;
        if (x0.Length != n) throw new SymbolicException(ErrorKind.Shape, $"The inverse needs as many outputs as variables; got {n} and {x0.Length}.");
        // The map is linear, x = B y + (I − B A) x₀ (A the forward steps), so it is built from its columns,
        // found by running the stencils on numbers (B e_j and e_j − B A e_j), and each x_i is then one sum
        // of its nonzero terms. Running the same stencils on symbols would distribute every product over
        // growing sums and take seconds already at n = 256.
        // Column j is nonzero only within steps·K cells of j (each of the steps·K stencils reaches one cell
        // further), so it is computed on that window, with the cells beyond it held at 0 as they are in the
        // whole grid: O(n·(steps·K)²) flops instead of the O(n²·steps·K) of whole-grid columns (at n = 4096
        // that was most of a minute). The cells inside compute the same values with the same operations;
        // only the sign of zeros may differ, and zeros are dropped. A periodic grid too short for a window
        // that does not wrap onto itself takes whole-grid columns.
        var reach = steps * terms + 1;
        var windowed = boundary == GridBoundary.Dirichlet || n > 2 * reach + 1;
        var fromY = new List<(int Row, double Value)>[n];
        var fromX = new List<(int Row, double Value)>[n];
        for (var i = 0; i < n; i++) (fromY[i], fromX[i]) = ([], []);
        for (var j = 0; j < n; j++)
        {
            // The window's first cell and length; a periodic window's cells are taken mod n.
            var lo = !windowed ? 0 : boundary == GridBoundary.Dirichlet ? Math.Max(0, j - reach) : j - reach;
            var length = !windowed ? n : (boundary == GridBoundary.Dirichlet ? Math.Min(n, j + reach + 1) : j + reach + 1) - lo;
            var wrap = !windowed && boundary == GridBoundary.Periodic;
            var unit = new double[length];
            unit[j - lo] = 1;
            var b = Backward(unit, r, steps, terms, wrap);
            var bax = Backward(Forward(unit, r, steps, wrap), r, steps, terms, wrap);
            for (var k = 0; k < length; k++)
            {
                var i = ((lo + k) % n + n) % n;
                if (b[k] != 0) fromY[i].Add((j, b[k]));
                var c = (i == j ? 1 : 0) - bax[k];
                if (c != 0) fromX[i].Add((j, c));
            }
        }
        return Enumerable.Range(0, n).Select(i =>
            Scalar.Sum(fromY[i].Select(t => t.Value * y[t.Row]).Concat(fromX[i].Select(t => t.Value * x0[t.Row])).ToArray())).ToArray();
    }

    // The explicit steps on numbers (the same stencil as Heat1D), on a window of cells: wrap reads the
    // cells beyond its ends around it (a whole periodic grid), otherwise they are 0.
    private static double[] Forward(double[] u, double r, int steps, bool wrap)
    {
        var current = u;
        for (var s = 0; s < steps; s++) current = Stencil(current, r, wrap, forward: true);
        return current;
    }

    // steps backward steps, each Σ_{k<K} (−rL)^k, on numbers.
    private static double[] Backward(double[] u, double r, int steps, int terms, bool wrap)
    {
        var current = u;
        for (var s = 0; s < steps; s++)
        {
            var term = current;
            var sum = (double[])current.Clone();
            for (var k = 1; k < terms; k++)
            {
                term = Stencil(term, r, wrap, forward: false);
                for (var i = 0; i < sum.Length; i++) sum[i] += term[i];
            }
            current = sum;
        }
        return current;
    }

    // forward: u + r L u; otherwise −r L u.
    private static double[] Stencil(double[] u, double r, bool wrap, bool forward)
    {
        var n = u.Length;
        var result = new double[n];
        for (var i = 0; i < n; i++)
        {
            double Get(int k) => k >= 0 && k < n ? u[k] : wrap ? u[((k % n) + n) % n] : 0;
            var laplacian = Get(i + 1) - 2 * u[i] + Get(i - 1);
            result[i] = forward ? u[i] + r * laplacian : -r * laplacian;
        }
        return result;
    }

    /// <summary>
    /// <paramref name="steps"/> explicit heat steps with the 5-point Laplacian on a side×side grid stored
    /// row by row (cell (i, j) at i·side + j), r = νΔt/h² (stable for r ≤ 1/4).
    /// </summary>
    public static Scalar[] Heat2D(Scalar[] u, int side, double r, int steps, GridBoundary boundary)
    {
        ArgumentNullException.ThrowIfNull(u);
        CheckSquare(u.Length, side);
        CheckStable(r, 0.25, "2-D");
        var current = (Scalar[])u.Clone();
        for (var s = 0; s < steps; s++) current = Add(current, Laplacian2D(current, side, boundary), r);
        return current;
    }

    /// <summary>
    /// The 5-point Laplacian times h²: (Δ_h u)_{ij} h² = u_{i+1,j} + u_{i−1,j} + u_{i,j+1} + u_{i,j−1} − 4u_{ij},
    /// on a side×side grid stored row by row.
    /// </summary>
    public static Scalar[] Laplacian2D(Scalar[] u, int side, GridBoundary boundary)
    {
        ArgumentNullException.ThrowIfNull(u);
        CheckSquare(u.Length, side);
        // One n-ary sum per cell, not four additions: traced, each addition merged the terms gathered so far
        // again (a cell of a 4-step heat field has up to 41), and the Laplacian was most of tracing heat2d.
        // The sum adds each term's coefficients in operand order, as the additions did, so the expression
        // is the same node (a property test compares the two).
        var result = new Scalar[u.Length];
        for (var i = 0; i < side; i++)
            for (var j = 0; j < side; j++)
                result[i * side + j] = Scalar.Sum([Grid(u, side, i + 1, j, boundary), Grid(u, side, i - 1, j, boundary),
                    Grid(u, side, i, j + 1, boundary), Grid(u, side, i, j - 1, boundary), -4 * u[i * side + j]]);
        return result;
    }

    /// <summary>
    /// The largest grid side of <see cref="Poisson2D"/>: its output is the dense Green's matrix applied to
    /// the symbols, side⁴ terms, at most 31⁴ ≈ 9.2·10⁵ here. At side 64 (1.7·10⁷ terms) tracing alone took
    /// over 7 minutes of CPU and 7.5 GB before it was stopped (BENCHMARKS.md, issue 14).
    /// </summary>
    public const int Poisson2DMaxSide = 31;

    /// <summary>The message for a Poisson grid over <see cref="Poisson2DMaxSide"/>.</summary>
    internal static string Poisson2DTooLarge(int side) =>
        // side⁴ as a BigInteger: at side 10⁵ it is 10²⁰, past a 64-bit long.
        $"The 2-D Poisson simulator on a {side}×{side} grid is its dense Green's matrix, {System.Numerics.BigInteger.Pow(side, 4)} terms " +
        $"(side⁴), over the limit of side ≤ {Poisson2DMaxSide} ({System.Numerics.BigInteger.Pow(Poisson2DMaxSide, 4)} terms): " +
        $"beyond it tracing alone takes minutes and gigabytes. Use n ≤ {Poisson2DMaxSide}.";

    /// <summary>
    /// The 2-D Poisson problem (docs/theory.md §7): y solves Δ_h y = x on a side×side interior grid with y = 0
    /// on the boundary, h = 1/(side+1). The solve is written out with the discrete sine transform, the
    /// eigenbasis of the Dirichlet Laplacian: y = S Λ⁻¹ S x with S_{jk} = √(2/(side+1)) sin(jkπ/(side+1))
    /// in each direction and λ_{kl} = −(4/h²)(sin²(kπ/(2(side+1))) + sin²(lπ/(2(side+1)))). P is linear
    /// and dense; its inverse is applying Δ_h (<see cref="Laplacian2D"/> divided by h²).
    /// </summary>
    /// <exception cref="SymbolicException">A side over <see cref="Poisson2DMaxSide"/> (ErrorKind.TooLarge).</exception>
    public static Scalar[] Poisson2D(Scalar[] x, int side)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckSquare(x.Length, side);
        if (side > Poisson2DMaxSide) throw new SymbolicException(ErrorKind.TooLarge, Poisson2DTooLarge(side));
        var h = 1.0 / (side + 1);
        var s = new double[side, side];
        for (var j = 0; j < side; j++)
            for (var k = 0; k < side; k++)
                s[j, k] = Math.Sqrt(2.0 / (side + 1)) * Math.Sin((j + 1) * (k + 1) * Math.PI / (side + 1));
        var mu = new double[side];
        for (var k = 0; k < side; k++) mu[k] = -4 / (h * h) * Math.Pow(Math.Sin((k + 1) * Math.PI / (2.0 * (side + 1))), 2);
        // The Green's matrix G[(a,b),(c,d)] = Σ_kl S_ak S_bl S_ck S_dl / (μ_k + μ_l), in numbers: the
        // simulator is code run once, and its output is the dense linear map applied to the symbols.
        // Summed in two stages, G = Σ_k S_ak S_ck W_k[b, d] with W_k[b, d] = Σ_l S_bl S_dl / (μ_k + μ_l):
        // side⁵ multiplications instead of the side⁶ of the double sum per entry (at side = 64 that is
        // 10⁹ instead of 7·10¹⁰, about a minute saved before anything symbolic starts).
        var w = new double[side, side, side];
        for (var k = 0; k < side; k++)
            for (var b = 0; b < side; b++)
                for (var d = 0; d < side; d++)
                {
                    var sum = 0.0;
                    for (var l = 0; l < side; l++)
                        sum += s[b, l] * s[d, l] / (mu[k] + mu[l]);
                    w[k, b, d] = sum;
                }
        var n = side * side;
        var y = new Scalar[n];
        var terms = new Scalar[n];
        var sk = new double[side];
        for (var a = 0; a < side; a++)
            for (var b = 0; b < side; b++)
            {
                for (var c = 0; c < side; c++)
                {
                    for (var k = 0; k < side; k++) sk[k] = s[a, k] * s[c, k];
                    for (var d = 0; d < side; d++)
                    {
                        var g = 0.0;
                        for (var k = 0; k < side; k++)
                            g += sk[k] * w[k, b, d];
                        terms[c * side + d] = g * x[c * side + d];
                    }
                }
                y[a * side + b] = Scalar.Sum(terms);
            }
        return y;
    }

    /// <summary>
    /// The coupled oscillators of the book's HIG notebook (docs/theory.md §7): state s = (x₁, x₂, v₁, v₂),
    /// ṡ = A s + B s + c u(t) with A = [[0, I], [−I, 0]], B = 0.2 · the discrete Laplacian [[−1, 1], [1, −1]]
    /// on the positions acting on the velocities, c the unit vector on v₂; one control per step, held
    /// over the step; classical RK4 with one step per control, each of
    /// <paramref name="dt"/>. Returns the final state (4 values).
    /// </summary>
    public static Scalar[] Oscillators(Scalar[] controls, IReadOnlyList<double> initialState, double dt = 0.5, double coupling = 0.2)
    {
        ArgumentNullException.ThrowIfNull(controls);
        ArgumentNullException.ThrowIfNull(initialState);
        if (initialState.Count != 4) throw new SymbolicException(ErrorKind.Invalid, $"The oscillators' state has 4 values (x1, x2, v1, v2); got {initialState.Count}.");
        Scalar[] F(Scalar[] s, Scalar u) =>
        [
            s[2],
            s[3],
            -s[0] + coupling * (-s[0] + s[1]),
            -s[1] + coupling * (s[0] - s[1]) + u,
        ];
        var state = initialState.Select(v => Scalar.Constant(v)).ToArray();
        foreach (var u in controls)
        {
            var k1 = F(state, u);
            var k2 = F(Add(state, k1, dt / 2), u);
            var k3 = F(Add(state, k2, dt / 2), u);
            var k4 = F(Add(state, k3, dt), u);
            state = Enumerable.Range(0, 4).Select(i => state[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i])).ToArray();
        }
        return state;
    }

    /// <summary>a + c·b, element by element.</summary>
    private static Scalar[] Add(Scalar[] a, Scalar[] b, double c) => a.Select((v, i) => v + c * b[i]).ToArray();

    private static Scalar Cell(Scalar[] u, int i, GridBoundary boundary) =>
        i >= 0 && i < u.Length ? u[i]
        : boundary == GridBoundary.Periodic ? u[((i % u.Length) + u.Length) % u.Length]
        : Scalar.Constant(0);

    private static Scalar Grid(Scalar[] u, int side, int i, int j, GridBoundary boundary)
    {
        if (i >= 0 && i < side && j >= 0 && j < side) return u[i * side + j];
        if (boundary == GridBoundary.Dirichlet) return Scalar.Constant(0);
        return u[((i % side) + side) % side * side + ((j % side) + side) % side];
    }

    private static void CheckSquare(int length, int side)
    {
        if (side < 1 || length != (long)side * side)
            throw new SymbolicException(ErrorKind.Invalid, $"A {side}×{side} grid has {NumberText.Count((long)side * side, "cell")}, but {NumberText.Count(length, "value")} were given.");
    }

    private static void CheckStable(double r, double limit, string what)
    {
        if (!(r > 0 && r <= limit))
            throw new SymbolicException(ErrorKind.Invalid,
                $"The {what} explicit heat step needs 0 < νΔt/h² ≤ {limit} to be stable; got {r}.");
    }
}
