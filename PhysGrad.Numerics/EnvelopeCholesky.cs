using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// A sparse Cholesky factorisation A + τI = L Lᵀ of a symmetric n × n matrix given in CSR with both
/// triangles (<see cref="CsrMatrix"/>, the pattern of <see cref="IDifferentiableProblem.SparseHessianPattern"/>),
/// in envelope (profile, "skyline") storage after a reverse Cuthill–McKee ordering: George &amp; Liu,
/// Computer Solution of Large Sparse Positive Definite Systems (1981), ch. 4 (RCM, the pseudo-peripheral
/// start node of §4.3.2) and the row-oriented envelope factorisation of ch. 4.4 (Jennings' method). Row i
/// of L (in the new order) is stored from its first nonzero column fᵢ to the diagonal; a Cholesky factor
/// fills only inside that envelope, so the envelope's size, known from the pattern alone
/// (<see cref="EnvelopeSize"/>), is the memory and Σ (i − fᵢ)² bounds the work (<see cref="Work"/>).
/// On a banded matrix of half-bandwidth b (the Rosenbrock residuals' tridiagonal Hessian, b = 1; heat1d's
/// JᵀJ) both are O(n b) and O(n b²): linear in n.
/// <para>
/// Hand-written because no served .NET package has a sparse direct solver: MathNet.Numerics 5 stores
/// sparse matrices but solves them only iteratively (its sparse Cholesky converts to dense), and
/// CSparse.NET and MKL are not available here. An iterative solve (CG to a tight residual) would cost
/// O(√κ) products per step and, on an indefinite H, says only that it met negative curvature; the
/// factorisation gives the step to rounding and tells positive definiteness exactly, which Nocedal &amp;
/// Wright's Algorithm 3.3 (<see cref="Rules.Newton"/>) needs.
/// </para>
/// The pattern's structure (ordering, envelope) is computed once; <see cref="Factor"/> refills the values
/// and factorises in place (allocates nothing); <see cref="Solve"/> then solves (A + τI) x = b.
/// </summary>
internal sealed class EnvelopeCholesky
{
    private readonly int _n;
    private readonly int[] _order;   // new index → old index
    private readonly int[] _newIndex; // old index → new index
    private readonly int[] _first;   // first stored column of each new row
    private readonly long[] _start;  // offset of each new row's first stored entry
    private readonly long[] _slot;   // CSR position → envelope position (−1: upper triangle, added through its mirror)
    private readonly double[] _mirror; // the weight of each CSR entry (½ off the diagonal: the two triangles are averaged)
    private readonly double[] _envelope;
    private readonly double[] _work;

    /// <summary>The structure for a square pattern (both triangles; structurally symmetric).</summary>
    /// <exception cref="ArgumentException">A pattern that is not square.</exception>
    public EnvelopeCholesky(SparsityPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        if (pattern.Rows != pattern.Columns)
            throw new ArgumentException($"A Cholesky factorisation needs a square matrix, not {pattern.Rows} × {pattern.Columns}.", nameof(pattern));
        _n = pattern.Rows;
        var adjacency = Adjacency(pattern);
        _order = ReverseCuthillMcKee(adjacency);
        _newIndex = new int[_n];
        for (var k = 0; k < _n; k++) _newIndex[_order[k]] = k;
        _first = new int[_n];
        _start = new long[_n + 1];
        for (var i = 0; i < _n; i++)
        {
            var f = i;
            var (from, to) = adjacency.Range(_order[i]);
            for (var k = from; k < to; k++) f = Math.Min(f, _newIndex[adjacency.Neighbours[k]]);
            _first[i] = f;
            _start[i + 1] = _start[i] + (i - f + 1);
            Work += (double)(i - f) * (i - f);
        }
        EnvelopeSize = _start[_n];
        _slot = new long[pattern.NonZeroCount];
        _mirror = new double[pattern.NonZeroCount];
        for (var r = 0; r < _n; r++)
            for (var k = pattern.RowPointers[r]; k < pattern.RowPointers[r + 1]; k++)
            {
                int i = _newIndex[r], j = _newIndex[pattern.ColumnIndices[k]];
                if (i < j) (i, j) = (j, i);
                _slot[k] = _start[i] + (j - _first[i]);
                _mirror[k] = i == j ? 1.0 : 0.5;
            }
        // Allocated only when the caller goes on to factorise (see Allocate): the size decides first.
        _envelope = [];
        _work = [];
    }

    private EnvelopeCholesky(EnvelopeCholesky structure)
    {
        (_n, _order, _newIndex, _first, _start, _slot, _mirror) =
            (structure._n, structure._order, structure._newIndex, structure._first, structure._start, structure._slot, structure._mirror);
        (EnvelopeSize, Work) = (structure.EnvelopeSize, structure.Work);
        _envelope = new double[EnvelopeSize];
        _work = new double[_n];
    }

    /// <summary>The factorisation's storage, allocated (<see cref="EnvelopeSize"/> values and an n-vector).</summary>
    public EnvelopeCholesky Allocate() => new(this);

    /// <summary>The number of values the factor holds (the envelope after the ordering, diagonal included).</summary>
    public long EnvelopeSize { get; }

    /// <summary>Σᵢ (i − fᵢ)², the number of multiply-adds a factorisation takes, up to a factor of about ½ to 1.</summary>
    public double Work { get; }

    /// <summary>The order's row widths: the largest i − fᵢ (the half-bandwidth after the ordering).</summary>
    public int Bandwidth => Enumerable.Range(0, _n).Select(i => i - _first[i]).DefaultIfEmpty(0).Max();

    /// <summary>
    /// Refills the envelope with ½(A + Aᵀ) + τI from <paramref name="a"/> (values of this pattern) and factorises.
    /// Returns −1 on success; else the (original) index of the row whose pivot dᵢ = aᵢᵢ + τ − Σ lᵢₖ² was not above
    /// <paramref name="floor"/>, with the pivot in <paramref name="pivot"/> (the factor is then unusable).
    /// </summary>
    public int Factor(CsrMatrix a, double tau, double floor, out double pivot)
    {
        var env = _envelope;
        Array.Clear(env);
        var values = a.Values;
        for (var k = 0; k < values.Length; k++) env[_slot[k]] += _mirror[k] * values[k];
        pivot = 0;
        for (var i = 0; i < _n; i++)
        {
            int fi = _first[i];
            long si = _start[i] - fi; // env[si + j] = L[i, j]
            for (var j = fi; j < i; j++)
            {
                int fj = _first[j];
                long sj = _start[j] - fj;
                int k0 = Math.Max(fi, fj);
                var s = env[si + j] - Dot(env, si + k0, sj + k0, j - k0);
                env[si + j] = s / env[sj + j];
            }
            var d = env[si + i] + tau - Dot(env, si + fi, si + fi, i - fi);
            if (!(d > floor))
            {
                pivot = d;
                return _order[i];
            }
            env[si + i] = Math.Sqrt(d);
        }
        return -1;
    }

    private static double Dot(double[] env, long a, long b, int count) =>
        Dot(env.AsSpan(checked((int)a), count), env.AsSpan(checked((int)b), count));

    // Four partial sums: the inner loop of both the factorisation and the solves.
    private static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        var k = 0;
        for (; k + 3 < x.Length; k += 4)
        {
            s0 += x[k] * y[k];
            s1 += x[k + 1] * y[k + 1];
            s2 += x[k + 2] * y[k + 2];
            s3 += x[k + 3] * y[k + 3];
        }
        for (; k < x.Length; k++) s0 += x[k] * y[k];
        return (s0 + s1) + (s2 + s3);
    }

    /// <summary>x = (A + τI)⁻¹ b with the last successful <see cref="Factor"/> (b and x of n values; may be the same array).</summary>
    public void Solve(double[] b, double[] x)
    {
        // L z = P b, then Lᵀ w = z and x = Pᵀ w: the two halves below, through the factor's own n-vector.
        var z = _solveScratch ??= new double[_n];
        SolveLower(b, z);
        SolveUpper(z, x);
    }

    private double[]? _solveScratch;

    /// <summary>
    /// x = Pᵀ L⁻ᵀ b with A + τI = Pᵀ L Lᵀ P from the last successful <see cref="Factor"/> (P the ordering):
    /// one half of the inverse, so that a right preconditioner M = Pᵀ L⁻ᵀ has M Mᵀ = (A + τI)⁻¹
    /// (<see cref="NormalCholeskyPreconditioner"/>). b and x: n values, distinct arrays; b in the new order.
    /// </summary>
    public void SolveUpper(double[] b, double[] x)
    {
        var env = _envelope;
        var z = _work;
        Array.Copy(b, z, _n);
        for (var i = _n - 1; i >= 0; i--)
        {
            int fi = _first[i];
            long si = _start[i] - fi;
            var wi = z[i] /= env[si + i];
            for (var k = fi; k < i; k++) z[k] -= env[si + k] * wi;
        }
        for (var i = 0; i < _n; i++) x[_order[i]] = z[i];
    }

    /// <summary>x = L⁻¹ P b (<see cref="SolveUpper"/>'s transpose: Mᵀ b); x in the new order. Distinct arrays.</summary>
    public void SolveLower(double[] b, double[] x)
    {
        var env = _envelope;
        for (var i = 0; i < _n; i++) x[i] = b[_order[i]];
        for (var i = 0; i < _n; i++)
        {
            int fi = _first[i];
            long si = _start[i] - fi;
            x[i] = (x[i] - Dot2(env, si + fi, x, fi, i - fi)) / env[si + i];
        }
    }

    private static double Dot2(double[] env, long a, double[] z, int b, int count) =>
        Dot(env.AsSpan(checked((int)a), count), z.AsSpan(b, count));

    // The symmetric adjacency of the pattern without its diagonal (an entry of either triangle links both ways).
    private static Graph Adjacency(SparsityPattern pattern)
    {
        var n = pattern.Rows;
        var degree = new int[n + 1];
        for (var r = 0; r < n; r++)
            for (var k = pattern.RowPointers[r]; k < pattern.RowPointers[r + 1]; k++)
            {
                var c = pattern.ColumnIndices[k];
                if (c == r) continue;
                degree[r]++;
                degree[c]++;
            }
        var pointers = new int[n + 1];
        for (var r = 0; r < n; r++) pointers[r + 1] = pointers[r] + degree[r];
        var fill = (int[])pointers.Clone();
        var neighbours = new int[pointers[n]];
        for (var r = 0; r < n; r++)
            for (var k = pattern.RowPointers[r]; k < pattern.RowPointers[r + 1]; k++)
            {
                var c = pattern.ColumnIndices[k];
                if (c == r) continue;
                neighbours[fill[r]++] = c;
                neighbours[fill[c]++] = r;
            }
        // Each link of a symmetric pattern was entered twice (from (r, c) and from (c, r)): sort and drop repeats.
        var compact = new int[n + 1];
        var write = 0;
        for (var r = 0; r < n; r++)
        {
            Array.Sort(neighbours, pointers[r], pointers[r + 1] - pointers[r]);
            compact[r] = write;
            for (var k = pointers[r]; k < pointers[r + 1]; k++)
                if (k == pointers[r] || neighbours[k] != neighbours[k - 1]) neighbours[write++] = neighbours[k];
        }
        compact[n] = write;
        return new Graph(compact, neighbours);
    }

    private sealed record Graph(int[] Pointers, int[] Neighbours)
    {
        public (int From, int To) Range(int v) => (Pointers[v], Pointers[v + 1]);
        public int Degree(int v) => Pointers[v + 1] - Pointers[v];
    }

    // Reverse Cuthill–McKee, component by component, each from a pseudo-peripheral node (George & Liu §4.3).
    private static int[] ReverseCuthillMcKee(Graph g)
    {
        var n = g.Pointers.Length - 1;
        var order = new int[n];
        var placed = new bool[n];
        var levels = new int[n];
        var count = 0;
        var byDegree = Enumerable.Range(0, n).OrderBy(g.Degree).ToArray();
        var buffer = new List<int>();
        foreach (var seed in byDegree)
        {
            if (placed[seed]) continue;
            var root = PseudoPeripheral(g, seed, levels);
            order[count] = root;
            placed[root] = true;
            var head = count++;
            while (head < count)
            {
                var v = order[head++];
                buffer.Clear();
                var (from, to) = g.Range(v);
                for (var k = from; k < to; k++)
                {
                    var w = g.Neighbours[k];
                    if (placed[w]) continue;
                    placed[w] = true;
                    buffer.Add(w);
                }
                buffer.Sort((a, b) => g.Degree(a).CompareTo(g.Degree(b)));
                foreach (var w in buffer) order[count++] = w;
            }
        }
        Array.Reverse(order);
        return order;
    }

    // George & Liu's pseudo-peripheral node finder: from a node, the lowest-degree node of the last BFS
    // level, until the number of levels stops growing.
    private static int PseudoPeripheral(Graph g, int start, int[] level)
    {
        var root = start;
        var (depth, last) = Levels(g, root, level);
        while (true)
        {
            var candidate = last.OrderBy(g.Degree).First();
            var (d, l) = Levels(g, candidate, level);
            if (d <= depth) return root;
            (root, depth, last) = (candidate, d, l);
        }
    }

    // Breadth-first levels from root (within its component): the number of levels and the last level's nodes.
    private static (int Depth, List<int> Last) Levels(Graph g, int root, int[] level)
    {
        var visited = new List<int> { root };
        level[root] = 0;
        var seen = new HashSet<int> { root };
        for (var head = 0; head < visited.Count; head++)
        {
            var v = visited[head];
            var (from, to) = g.Range(v);
            for (var k = from; k < to; k++)
            {
                var w = g.Neighbours[k];
                if (seen.Add(w))
                {
                    level[w] = level[v] + 1;
                    visited.Add(w);
                }
            }
        }
        var depth = level[visited[^1]];
        return (depth, visited.Where(v => level[v] == depth).ToList());
    }
}
