using PhysGrad.Symbolic;

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
/// The reference simulators of THEORY.md §7 written as ordinary C# loops over <see cref="Scalar"/>, so
/// tracing them builds the symbolic simulator: Rosenbrock residuals, explicit heat steps in 1-D and 2-D,
/// the 2-D Poisson solve and the coupled oscillators of the book's HIG notebook (RK4). Each function
/// also runs on numbers-as-scalars, which is how the tests compare it with closed forms.
/// </summary>
public static class ReferenceSimulators
{
    /// <summary>
    /// Rosenbrock residuals (THEORY.md §7): r_i = 10 (x_{i+1} − x_i²) for i &lt; n−1, r_{n−1} = 1 − x_0;
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
    /// 1 − 4r sin²(kh/2) per step (THEORY.md §7). Returns the final field.
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
                next[i] = current[i] + r * (right - 2 * current[i] + left);
            }
            current = next;
        }
        return current;
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
        var result = new Scalar[u.Length];
        for (var i = 0; i < side; i++)
            for (var j = 0; j < side; j++)
                result[i * side + j] = Grid(u, side, i + 1, j, boundary) + Grid(u, side, i - 1, j, boundary)
                    + Grid(u, side, i, j + 1, boundary) + Grid(u, side, i, j - 1, boundary) - 4 * u[i * side + j];
        return result;
    }

    /// <summary>
    /// The 2-D Poisson problem (THEORY.md §7): y solves Δ_h y = x on a side×side interior grid with y = 0
    /// on the boundary, h = 1/(side+1). The solve is written out with the discrete sine transform, the
    /// eigenbasis of the Dirichlet Laplacian: y = S Λ⁻¹ S x with S_{jk} = √(2/(side+1)) sin(jkπ/(side+1))
    /// in each direction and λ_{kl} = −(4/h²)(sin²(kπ/(2(side+1))) + sin²(lπ/(2(side+1)))). P is linear
    /// and dense; its inverse is applying Δ_h (<see cref="Laplacian2D"/> divided by h²).
    /// </summary>
    public static Scalar[] Poisson2D(Scalar[] x, int side)
    {
        ArgumentNullException.ThrowIfNull(x);
        CheckSquare(x.Length, side);
        var h = 1.0 / (side + 1);
        var s = new double[side, side];
        for (var j = 0; j < side; j++)
            for (var k = 0; k < side; k++)
                s[j, k] = Math.Sqrt(2.0 / (side + 1)) * Math.Sin((j + 1) * (k + 1) * Math.PI / (side + 1));
        var mu = new double[side];
        for (var k = 0; k < side; k++) mu[k] = -4 / (h * h) * Math.Pow(Math.Sin((k + 1) * Math.PI / (2.0 * (side + 1))), 2);
        // The Green's matrix G[(a,b),(c,d)] = Σ_kl S_ak S_bl S_ck S_dl / (μ_k + μ_l), in numbers: the
        // simulator is code run once, and its output is the dense linear map applied to the symbols.
        var n = side * side;
        var y = new Scalar[n];
        var terms = new Scalar[n];
        for (var a = 0; a < side; a++)
            for (var b = 0; b < side; b++)
            {
                for (var c = 0; c < side; c++)
                    for (var d = 0; d < side; d++)
                    {
                        var g = 0.0;
                        for (var k = 0; k < side; k++)
                            for (var l = 0; l < side; l++)
                                g += s[a, k] * s[b, l] * s[c, k] * s[d, l] / (mu[k] + mu[l]);
                        terms[c * side + d] = g * x[c * side + d];
                    }
                y[a * side + b] = Scalar.Sum(terms);
            }
        return y;
    }

    /// <summary>
    /// The coupled oscillators of the book's HIG notebook (THEORY.md §7): state s = (x₁, x₂, v₁, v₂),
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
        if (side < 1 || length != side * side)
            throw new SymbolicException(ErrorKind.Invalid, $"A {side}×{side} grid has {side * side} cells, but {length} values were given.");
    }

    private static void CheckStable(double r, double limit, string what)
    {
        if (!(r > 0 && r <= limit))
            throw new SymbolicException(ErrorKind.Invalid,
                $"The {what} explicit heat step needs 0 < νΔt/h² ≤ {limit} to be stable; got {r}.");
    }
}
