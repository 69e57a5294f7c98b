using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// The sparse Hessian's pattern of a reference example's loss ½‖P(x) − y*‖², known from the example's
/// structure at any size without tracing it, so that newton can be refused (or accepted) before a large example
/// is traced (heat2d at 100 × 100: seconds of tracing, then a refusal read off the pattern).
/// <para>
/// The loss's Hessian is JᵀJ + Σₖ rₖ ∇²rₖ. The heat examples and poisson2d are linear (∇²rₖ = 0), and every
/// entry of their P is positive (the explicit step's weights 1 − 2r, r (1-D) and 1 − 4r, r (2-D) are, and so is
/// the discrete Dirichlet Green's function), so (JᵀJ)ᵢⱼ is a structural nonzero exactly where some output depends
/// on both xᵢ and xⱼ: no sum cancels. Output k of s heat steps depends on the cells within s stencil steps
/// (|Δ| ≤ s in 1-D, |Δi| + |Δj| ≤ s on the 2-D grid, wrapped where periodic, cut at a Dirichlet edge), so H
/// couples the cells within 2s: a band of half-width 8 in 1-D, a diamond of radius 8 (145 cells) in 2-D.
/// The Rosenbrock residuals rₖ = 10 (xₖ₊₁ − xₖ²) couple neighbours (their ∇²rₖ is diagonal): tridiagonal.
/// poisson2d's P (the dense Green's matrix) and the oscillators' (4 outputs of all n controls) make H dense.
/// Each claim is checked against the traced pattern at small sizes (PhysGrad.Properties, ExampleHessianPattern.fs).
/// </para>
/// </summary>
internal static class ReferenceStructure
{
    // The shape of H's pattern: cells within Radius of each other (L1 on a 2-D grid), wrapped or cut at the
    // edges; Dense: every pair.
    private sealed record Reach(int[] Sides, int Radius, bool Periodic, bool Dense = false);

    private static Reach Of(string name, int size) => name switch
    {
        "rosenbrock" => new([size], 1, false),
        "heat1d" or "heat1d-inverse" => new([size], 2 * ReferenceProblems.HeatSteps, true),
        "heat1d-dirichlet" => new([size], 2 * ReferenceProblems.HeatSteps, false),
        "heat2d" => new([size, size], 2 * ReferenceProblems.HeatSteps, true),
        "poisson2d" => new([size, size], 0, false, Dense: true),
        _ => new([size], 0, false, Dense: true),
    };

    /// <summary>The number of structural nonzeros of the example's Hessian at this size (both triangles and the
    /// diagonal), counted without forming the pattern: n·(distinct offsets) where the grid wraps, a sum over the
    /// cells where it is cut.</summary>
    /// <param name="name">The example's canonical name (<see cref="ReferenceProblemInfo.Name"/>).</param>
    /// <param name="size">Its size n (a grid's side for the grids).</param>
    public static long NonZeros(string name, int size)
    {
        var reach = Of(name, size);
        long n = reach.Sides.Aggregate(1L, (a, s) => a * s);
        if (reach.Dense) return n * n;
        if (reach.Periodic) return n * Neighbours(reach, 0).Count();
        long count = 0;
        for (var cell = 0; cell < n; cell++) count += Neighbours(reach, cell).Count();
        return count;
    }

    /// <summary>The example's Hessian pattern at this size (n × n, both triangles), as the traced problem's
    /// <c>SparseHessianPattern</c> gives it.</summary>
    /// <param name="name">The example's canonical name.</param>
    /// <param name="size">Its size n.</param>
    public static SparsityPattern HessianPattern(string name, int size)
    {
        // The last pattern made is kept (one, by name and size): newton's check before tracing and the traced
        // example's run ask for the same one (ReferenceProblems.ApplicabilityOf, then Create's compiled problem),
        // and the run's ordering is then the check's (Newton keeps it with the pattern object).
        if (_last is { } last && last.Name == name && last.Size == size) return last.Pattern;
        var pattern = Build(name, size);
        _last = new Kept(name, size, pattern);
        return pattern;
    }

    // One reference, replaced whole, so a thread reads a name, size and pattern that belong together.
    private sealed record Kept(string Name, int Size, SparsityPattern Pattern);

    private static volatile Kept? _last;

    /// <summary>Whether the example's Hessian is sparse (a band or a diamond; not the dense ones, poisson2d and the oscillators).</summary>
    /// <param name="name">The example's canonical name.</param>
    public static bool IsSparse(string name) => !Of(name, 1).Dense;

    private static SparsityPattern Build(string name, int size)
    {
        var reach = Of(name, size);
        var n = reach.Sides.Aggregate(1, (a, s) => checked(a * s));
        var pointers = new int[n + 1];
        var columns = new List<int>();
        for (var cell = 0; cell < n; cell++)
        {
            if (reach.Dense) columns.AddRange(Enumerable.Range(0, n));
            else columns.AddRange(Neighbours(reach, cell));
            pointers[cell + 1] = columns.Count;
        }
        return new SparsityPattern(n, n, pointers, columns.ToArray());
    }

    // The cells within the reach of a cell, ascending and distinct (a small periodic grid wraps offsets onto
    // one another; cells are numbered row by row, (i, j) at i·side + j).
    private static IEnumerable<int> Neighbours(Reach reach, int cell)
    {
        var r = reach.Radius;
        var found = new SortedSet<int>();
        if (reach.Sides.Length == 1)
        {
            var n = reach.Sides[0];
            for (var d = -r; d <= r; d++)
                if (Place(cell + d, n, reach.Periodic) is { } k) found.Add(k);
            return found;
        }
        var side = reach.Sides[0];
        int row = cell / side, column = cell % side;
        for (var di = -r; di <= r; di++)
            for (var dj = -(r - Math.Abs(di)); dj <= r - Math.Abs(di); dj++)
                if (Place(row + di, side, reach.Periodic) is { } i && Place(column + dj, side, reach.Periodic) is { } j)
                    found.Add(i * side + j);
        return found;
    }

    private static int? Place(int k, int n, bool periodic) =>
        periodic ? ((k % n) + n) % n : k >= 0 && k < n ? k : null;
}
