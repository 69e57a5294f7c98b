using System.Linq.Expressions;
using FastExpressionCompiler;
using PhysGrad.Symbolic;
using static System.Linq.Expressions.Expression;

namespace PhysGrad.Numerics;

/// <summary>
/// One family's compiled loop: for each cell, gathers the local inputs from <paramref name="x"/> (and,
/// for a product kernel, the local entries of the vector in <paramref name="p"/>) and the cell's
/// constants from <paramref name="cells"/>, evaluates the template and adds its value and its local
/// derivatives into <paramref name="outputs"/>.
/// </summary>
public delegate void CellLoop(double[] x, int xOffset, double[] p, double[] cells, double[] outputs, int outputOffset);

/// <summary>
/// A family's loop as the kernels run it: like <see cref="CellLoop"/>, but it returns the sum of the
/// cells' values instead of adding it to an output, it adds the entries of a sparse block (a Hessian's
/// nonzeros) into their own array <paramref name="values"/> from <paramref name="valuesOffset"/>, so a
/// caller's matrix receives them without a copy, and an entry whose place does not move by a fixed step
/// from cell to cell (where the rows' lengths vary) is added at <c>values[valuesOffset + map[c·width + column]]</c>,
/// the map built once with the pattern.
/// </summary>
public delegate double MappedCellLoop(double[] x, int xOffset, double[] p, double[] cells, int[] map, double[] outputs, int outputOffset, double[] values, int valuesOffset);

/// <summary>
/// A family kernel with its outputs in two arrays: returns f; the dense outputs after f (the gradient,
/// H v) go to <paramref name="outputs"/> from <paramref name="outputOffset"/> + 1 and the sparse block's
/// nonzeros to <paramref name="values"/> from <paramref name="valuesOffset"/>.
/// </summary>
internal delegate double SplitKernelFunction(double[] x, int xOffset, double[] p, double[] outputs, int outputOffset, double[] values, int valuesOffset);

/// <summary>
/// Kernels for a scalar function whose sum holds families of repeated terms (<see cref="Families.Detect"/>,
/// issue 14 item 5): the terms in no family (the rest) run as a straight-line program over the
/// variables they read, then each family runs as one compiled loop over its cells that adds its terms'
/// values and local derivatives. The template is derived and compiled once, so derivation, compile
/// time and code size grow with the number of distinct term shapes and the size of the rest, not with
/// n. The results equal the straight-line kernel of the whole function up to the order of the sums (a
/// property test checks 1e-12 relative).
/// </summary>
public static class FamilyKernels
{
    /// <summary>
    /// The value + gradient kernel of f, with outputs [f, ∂f/∂x₀, …, ∂f/∂xₙ₋₁] like
    /// <c>Lower.ValueGradientHessian(variables, [], false, f)</c>: family loops where
    /// <see cref="Families.Detect"/> finds families, otherwise the straight-line kernel itself.
    /// </summary>
    /// <remarks>Give <paramref name="families"/> (the families of f, <see cref="Families.Detect"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel ValueGradient(string[] variables, Expr f, TermFamilies? families = null)
    {
        families ??= Families.Detect(variables, f);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.ValueGradientHessian(variables, [], false, f))
            : ValueGradient(families);
    }

    /// <summary>
    /// The value kernel of f, with the one output [f] like <c>Lower.Program(variables, [], [f])</c>: family
    /// loops where <see cref="Families.Detect"/> finds families, otherwise that straight-line kernel itself.
    /// For callers that need L alone (a line search's trial points): no gradient is computed, cleared or
    /// stored, and f is the value <see cref="ValueGradient(string[], Expr, TermFamilies?)"/> returns bit for
    /// bit (the same instructions for f, summed in the same order).
    /// </summary>
    /// <remarks>Give <paramref name="families"/> (the families of f, <see cref="Families.Detect"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel Value(string[] variables, Expr f, TermFamilies? families = null)
    {
        families ??= Families.Detect(variables, f);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.Program(variables, [], [f]))
            : Value(families);
    }

    /// <summary>
    /// The H v kernel of f over (x; v), outputs [f, ∇f (n), H v (n)] like <c>Lower.HessianVector(variables, [], f)</c>:
    /// family loops where there are families, otherwise the straight-line kernel itself.
    /// </summary>
    /// <remarks>Give <paramref name="families"/> (the families of f, <see cref="Families.Detect"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel HessianVector(string[] variables, Expr f, TermFamilies? families = null)
    {
        families ??= Families.Detect(variables, f);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.HessianVector(variables, [], f))
            : HessianVector(families);
    }

    /// <summary>
    /// The H v kernel of f over (x; v) with H v alone as its outputs [(H v)₀, …, (H v)ₙ₋₁], like
    /// <c>Lower.HessianVectorOnly(variables, [], f)</c>: family loops where there are families, otherwise
    /// that straight-line kernel itself. For callers that need no f or ∇f with the product (Newton-CG's
    /// CG iterations): neither is computed, cleared or stored.
    /// </summary>
    /// <remarks>Give <paramref name="families"/> (the families of f, <see cref="Families.Detect"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel HessianVectorOnly(string[] variables, Expr f, TermFamilies? families = null)
    {
        families ??= Families.Detect(variables, f);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.HessianVectorOnly(variables, [], f))
            : HessianVectorOnly(families);
    }

    /// <summary>
    /// The sparse Hessian kernel of f: outputs [f, ∇f (n), the Hessian's structural nonzeros in the CSR
    /// order of <see cref="SparseHessianKernel.Pattern"/>] (the nonzeros start at output 1 + n), like
    /// <c>Lower.SparseHessian(variables, [], f)</c> and its "hessian" block: family loops where
    /// <see cref="Families.Detect"/> finds families, otherwise that straight-line program itself.
    /// </summary>
    /// <remarks>Give <paramref name="families"/> (the families of f, <see cref="Families.Detect"/>) when they are known already: detection walks every term.</remarks>
    /// <param name="variables">The variables of f, in the order of the input array.</param>
    /// <param name="f">The scalar function.</param>
    /// <param name="families">The families of f when known already (null: detected here).</param>
    /// <param name="pattern">The kernel's own pattern when it is known already (<see cref="SparseHessianPattern(string[], Expr, TermFamilies)"/>):
    /// kept as the kernel's, so matrices made from it fit without a comparison.</param>
    public static SparseHessianKernel SparseHessian(string[] variables, Expr f, TermFamilies? families = null, SparsityPattern? pattern = null)
    {
        families ??= Families.Detect(variables, f);
        if (families.Families.Length > 0) return SparseHessian(families, pattern);
        var program = Lower.SparseHessian(variables, [], f);
        var own = program.Block("hessian").Pattern;
        // The straight-line program writes its own pattern's nonzeros in order: a pattern given must be that one.
        if (pattern is not null && !pattern.SameAs(own))
            throw new InvalidOperationException($"The sparse Hessian's given pattern ({pattern.NonZeroCount} nonzeros) is not the derived one ({own.NonZeroCount}).");
        return new SparseHessianKernel(KernelCompiler.Compile(program), pattern ?? own, null);
    }

    /// <summary>
    /// The pattern <see cref="SparseHessian(string[], Expr, TermFamilies, SparsityPattern)"/>'s kernel has (n × n, CSR, both
    /// triangles), without compiling anything: the templates' and the rest's Hessians are derived (lowered),
    /// their blocks placed, no loop built. A caller that may refuse on the pattern's figures (newton's
    /// Cholesky limits) asks this first: at heat2d 100 × 100 compiling the kernel before the refusal took
    /// most of the time to it.
    /// </summary>
    public static SparsityPattern SparseHessianPattern(string[] variables, Expr f, TermFamilies? families = null)
    {
        families ??= Families.Detect(variables, f);
        return families.Families.Length > 0
            ? SparseHessianPattern(families)
            : Lower.SparseHessian(variables, [], f).Block("hessian").Pattern;
    }

    /// <summary>The pattern <see cref="SparseHessian(TermFamilies, SparsityPattern)"/>'s kernel has, without compiling it.</summary>
    public static SparsityPattern SparseHessianPattern(TermFamilies families) => HessianParts(families, null).Pattern;

    /// <summary>Value + gradient of Σ families + rest: outputs [f, ∇f (n)].</summary>
    public static CompiledKernel ValueGradient(TermFamilies families)
    {
        var n = families.Variables.Length;
        var rest = RestOf(families);
        var pieces = families.Families.Select(family =>
        {
            var template = Lower.ValueGradientHessian(family.Locals, family.CellParameters, false, family.Template);
            return new Piece(family, template, BlockTargets(family, template.Outputs.Length, n), [], 0);
        }).ToArray();
        var restProgram = Lower.ValueGradientHessian(rest.Names, [], false, families.Rest);
        return Compose(families, rest, restProgram, RestBlockTargets(rest.Indices, restProgram.Outputs.Length, n), pieces, 1 + n, 1 + n, 0, vector: false).Kernel;
    }

    /// <summary>The value of Σ families + rest: the one output [f].</summary>
    public static CompiledKernel Value(TermFamilies families)
    {
        var rest = RestOf(families);
        var pieces = families.Families.Select(family =>
            new Piece(family, Lower.Program(family.Locals, family.CellParameters, [family.Template]), [new Target(Place.Value, 0, 0)], [], 0)).ToArray();
        var restProgram = Lower.Program(rest.Names, [], [families.Rest]);
        return Compose(families, rest, restProgram, [0], pieces, 1, 1, 0, vector: false).Kernel;
    }

    /// <summary>Value, gradient and H v of Σ families + rest over (x; v): outputs [f, ∇f (n), H v (n)].</summary>
    public static CompiledKernel HessianVector(TermFamilies families)
    {
        var n = families.Variables.Length;
        var rest = RestOf(families);
        var pieces = families.Families.Select(family =>
        {
            var template = Lower.HessianVector(family.Locals, family.CellParameters, family.Template);
            return new Piece(family, template, BlockTargets(family, template.Outputs.Length, n), [], 0);
        }).ToArray();
        var restProgram = Lower.HessianVector(rest.Names, [], families.Rest);
        return Compose(families, rest, restProgram, RestBlockTargets(rest.Indices, restProgram.Outputs.Length, n), pieces, 1 + 2 * n, 1 + 2 * n, n, vector: true).Kernel;
    }

    /// <summary>H v alone of Σ families + rest over (x; v): outputs [H v (n)].</summary>
    public static CompiledKernel HessianVectorOnly(TermFamilies families)
    {
        var n = families.Variables.Length;
        var rest = RestOf(families);
        var pieces = families.Families.Select(family =>
        {
            var template = Lower.HessianVectorOnly(family.Locals, family.CellParameters, family.Template);
            return new Piece(family, template, BlockTargets(family, template.Outputs.Length, n, value: false), [], 0);
        }).ToArray();
        var restProgram = Lower.HessianVectorOnly(rest.Names, [], families.Rest);
        // Within Compose's layout [value, H v (n)] the rest's entry k goes to 1 + its variable; no value.
        var restTargets = rest.Indices.Select(i => 1 + i).ToArray();
        return Compose(families, rest, restProgram, restTargets, pieces, 1 + n, 1 + n, n, vector: true, value: false).Kernel;
    }

    /// <summary>
    /// The sparse Hessian of Σ families + rest: outputs [f, ∇f (n), nonzeros (CSR order of the pattern)].
    /// Each template's Hessian is derived once over its locals (a small sparse block); the pattern is the
    /// union of the rest's pattern and every cell's block placed at its variables, and each cell's
    /// entries are added at positions found once here (a fixed step from cell to cell where the rows
    /// allow it, else an index map).
    /// </summary>
    /// <param name="families">The families of f and its rest.</param>
    /// <param name="pattern">The pattern when it is known already (<see cref="SparseHessianPattern(string[], Expr, TermFamilies)"/>), kept as the kernel's.</param>
    public static SparseHessianKernel SparseHessian(TermFamilies families, SparsityPattern? pattern = null)
    {
        var n = families.Variables.Length;
        (var rest, var restProgram, var templates, pattern) = HessianParts(families, pattern);
        var restPattern = restProgram.Block("hessian").Pattern;
        var s = rest.Indices;
        var list = families.Families;
        var hessianAt = 1 + n;

        // The rest's outputs: value, its variables' gradient entries, its nonzeros at their union positions.
        var restTargets = new int[restProgram.Outputs.Length];
        for (var j = 0; j < s.Length; j++) restTargets[1 + j] = 1 + s[j];
        for (var r = 0; r < restPattern.Rows; r++)
            for (var k = restPattern.RowPointers[r]; k < restPattern.RowPointers[r + 1]; k++)
                restTargets[1 + s.Length + k] = families.RestTermCount > 0
                    ? hessianAt + Position(pattern, s[r], s[restPattern.ColumnIndices[k]])
                    : 0;

        var pieces = new Piece[list.Length];
        for (var f = 0; f < list.Length; f++)
        {
            var family = list[f];
            var template = templates[f];
            var w = family.Offsets.Length;
            var local = template.Block("hessian").Pattern;
            var targets = new Target[template.Outputs.Length];
            targets[0] = new Target(Place.Value, 0, 0);
            for (var j = 0; j < w; j++) targets[1 + j] = new Target(Place.Affine, 1 + family.Start + family.Offsets[j], family.Stride);
            // The nonzeros' places count from the start of the values array (the Hessian's own).
            var mapped = new List<int[]>();
            var positions = new int[family.Count];
            for (var r = 0; r < local.Rows; r++)
                for (var k = local.RowPointers[r]; k < local.RowPointers[r + 1]; k++)
                {
                    var (row, column) = (family.Offsets[r], family.Offsets[local.ColumnIndices[k]]);
                    for (var c = 0; c < family.Count; c++)
                    {
                        var first = family.Start + c * family.Stride;
                        positions[c] = Position(pattern, first + row, first + column);
                    }
                    var step = positions[1] - positions[0];
                    var affine = true;
                    for (var c = 2; c < family.Count && affine; c++) affine = positions[c] - positions[c - 1] == step;
                    if (affine)
                        targets[1 + w + k] = new Target(Place.Affine, positions[0], step, InValues: true);
                    else
                    {
                        targets[1 + w + k] = new Target(Place.Mapped, mapped.Count, 0, InValues: true);
                        mapped.Add((int[])positions.Clone());
                    }
                }
            // The map, cell by cell: the mapped entries of cell c at c·width … c·width + width − 1.
            var width = mapped.Count;
            var map = new int[family.Count * width];
            for (var c = 0; c < family.Count; c++)
                for (var m = 0; m < width; m++)
                    map[c * width + m] = mapped[m][c];
            pieces[f] = new Piece(family, template, targets, map, width);
        }
        var (kernel, split) = Compose(families, rest, restProgram, restTargets, pieces, 1 + n + pattern.NonZeroCount, hessianAt, 0, vector: false);
        return new SparseHessianKernel(kernel, pattern, split);
    }

    /// <summary>
    /// What the sparse Hessian of Σ families + rest is built from: the rest's program, each family's template
    /// Hessian (lowered once per distinct template: a 2-D grid's rows are a hundred families of one template)
    /// and the pattern, the union of the rest's pattern and every cell's block placed at its variables
    /// (<paramref name="known"/> when given: the same union, made before).
    /// </summary>
    private static (RestPart Part, StraightLineProgram RestProgram, StraightLineProgram[] Templates, SparsityPattern Pattern) HessianParts(TermFamilies families, SparsityPattern? known)
    {
        var n = families.Variables.Length;
        var rest = RestOf(families);
        var restProgram = Lower.SparseHessian(rest.Names, [], families.Rest);
        var restPattern = restProgram.Block("hessian").Pattern;
        var list = families.Families;
        var lowered = new Dictionary<(Expr, string), StraightLineProgram>();
        var templates = list.Select(family =>
        {
            var key = (family.Template, string.Join(",", family.Locals) + ";" + string.Join(",", family.CellParameters));
            if (!lowered.TryGetValue(key, out var program))
                lowered[key] = program = Lower.SparseHessian(family.Locals, family.CellParameters, family.Template);
            return program;
        }).ToArray();
        if (known is not null) return (rest, restProgram, templates, known);

        // The union of the blocks as (row, column) keys, sorted and without repeats: the CSR pattern.
        var keys = new List<long>();
        var s = rest.Indices;
        if (families.RestTermCount > 0)
            for (var r = 0; r < restPattern.Rows; r++)
                for (var k = restPattern.RowPointers[r]; k < restPattern.RowPointers[r + 1]; k++)
                    keys.Add(Key(s[r], s[restPattern.ColumnIndices[k]]));
        for (var f = 0; f < list.Length; f++)
        {
            var family = list[f];
            var local = templates[f].Block("hessian").Pattern;
            for (var c = 0; c < family.Count; c++)
            {
                var first = family.Start + c * family.Stride;
                for (var r = 0; r < local.Rows; r++)
                    for (var k = local.RowPointers[r]; k < local.RowPointers[r + 1]; k++)
                        keys.Add(Key(first + family.Offsets[r], first + family.Offsets[local.ColumnIndices[k]]));
            }
        }
        keys.Sort();
        var rowPointers = new int[n + 1];
        var columns = new List<int>(keys.Count);
        for (var k = 0; k < keys.Count; k++)
        {
            if (k > 0 && keys[k] == keys[k - 1]) continue;
            rowPointers[(int)(keys[k] >> 32) + 1]++;
            columns.Add((int)(keys[k] & 0xffffffff));
        }
        for (var r = 0; r < n; r++) rowPointers[r + 1] += rowPointers[r];
        return (rest, restProgram, templates, new SparsityPattern(n, n, rowPointers, columns.ToArray()));
    }

    private static long Key(int row, int column) => ((long)row << 32) | (uint)column;

    // A derived nonzero's place in the pattern; a given pattern (a reference example's structure) that lacks it
    // would have the entry written before the Hessian's values (−1), so that is refused here.
    private static int Position(SparsityPattern pattern, int row, int column) =>
        pattern.IndexOf(row, column) is var k and >= 0 ? k
        : throw new InvalidOperationException($"The sparse Hessian's pattern lacks the derived nonzero ({row}, {column}).");

    /// <summary>The variables the rest reads (indices and names, in the order of the variables).</summary>
    private sealed record RestPart(int[] Indices, string[] Names);

    private static RestPart RestOf(TermFamilies families)
    {
        var variables = families.Variables;
        if (families.RestTermCount == 0) return new RestPart([], []);
        var index = new Dictionary<string, int>(variables.Length);
        for (var i = 0; i < variables.Length; i++) index.TryAdd(variables[i], i);
        var used = new List<int>();
        foreach (var name in Structure.FreeSymbolNames([families.Rest]))
        {
            // A symbol that is no variable: lowered over all variables, it fails as the whole function would.
            if (!index.TryGetValue(name, out var i)) return new RestPart([.. Enumerable.Range(0, variables.Length)], variables);
            used.Add(i);
        }
        used.Sort();
        return new RestPart([.. used], [.. used.Select(i => variables[i])]);
    }

    // Where each output of the rest's program [value, then blocks of one entry per rest variable] goes.
    private static int[] RestBlockTargets(int[] indices, int outputs, int n)
    {
        var targets = new int[outputs];
        for (var k = 1; k < outputs; k++)
        {
            var block = (k - 1) / indices.Length;
            targets[k] = 1 + block * n + indices[(k - 1) % indices.Length];
        }
        return targets;
    }

    // Where each output of a template [value, then blocks of one entry per local] goes: block b's entry
    // for local j at output 1 + b·n + (the local's variable), which moves by the stride from cell to cell.
    // A template without the value (value: false) starts with block 0, placed as it would be after a value.
    private static Target[] BlockTargets(TermFamily family, int outputs, int n, bool value = true)
    {
        var w = family.Offsets.Length;
        var first = value ? 1 : 0;
        var targets = new Target[outputs];
        if (value) targets[0] = new Target(Place.Value, 0, 0);
        for (var k = first; k < outputs; k++)
        {
            var block = (k - first) / w;
            targets[k] = new Target(Place.Affine, 1 + block * n + family.Start + family.Offsets[(k - first) % w], family.Stride);
        }
        return targets;
    }

    /// <summary>How a template output reaches the kernel's outputs at cell c.</summary>
    private enum Place
    {
        /// Summed over the cells into output 0.
        Value,
        /// Added at output Base + c·Step.
        Affine,
        /// Added at output map[c·width + Base].
        Mapped,
    }

    // InValues: the place counts in the values array (a sparse block's nonzeros), not in the outputs.
    private readonly record struct Target(Place Place, int Base, int Step, bool InValues = false);

    private sealed record Piece(TermFamily Family, StraightLineProgram Template, Target[] Targets, int[] Map, int MapWidth);

    /// <summary>Per-thread arrays for the rest's gathered inputs and its outputs (a call allocates nothing).</summary>
    private sealed class RestBuffers
    {
        [ThreadStatic] private static RestBuffers? _current;

        public double[] X = [];
        public double[] P = [];
        public double[] Outputs = [];

        public static RestBuffers For(int variables, int outputs)
        {
            var b = _current ??= new RestBuffers();
            if (b.X.Length < variables)
            {
                b.X = new double[variables];
                b.P = new double[variables];
            }
            if (b.Outputs.Length < outputs) b.Outputs = new double[outputs];
            return b;
        }
    }

    // outputCount: the whole layout [f, dense outputs, sparse block]; split: where the sparse block starts
    // in it (outputCount when there is none). Rest targets count in that whole layout. value: false for a
    // kernel without f (H v alone), whose outputs are the layout from 1 on (its delegate is shifted by one).
    private static (CompiledKernel Kernel, SplitKernelFunction Split) Compose(TermFamilies families, RestPart rest, StraightLineProgram restProgram, int[] restTargets,
        Piece[] pieces, int outputCount, int split, int parameterCount, bool vector, bool value = true)
    {
        var n = families.Variables.Length;
        var hasRest = families.RestTermCount > 0;
        var restKernel = hasRest ? KernelCompiler.Compile(restProgram) : null;
        var loops = new MappedCellLoop[pieces.Length];
        var cells = new double[pieces.Length][];
        var maps = new int[pieces.Length][];
        var allFast = restKernel?.UsedFastCompiler ?? true;
        var templateInstructions = 0;
        for (var k = 0; k < pieces.Length; k++)
        {
            var piece = pieces[k];
            templateInstructions += piece.Template.SlotCount;
            var lambda = BuildMappedLoop(piece.Template, piece.Family, piece.Targets, piece.MapWidth);
            var loop = lambda.CompileFast(ifFastFailedReturnNull: true);
            if (loop is null)
            {
                allFast = false;
                loop = lambda.Compile();
            }
            loops[k] = loop;
            cells[k] = piece.Family.CellConstants;
            maps[k] = piece.Map;
        }
        // The outputs are cleared, the rest (run on its own variables, gathered) adds its outputs at their
        // places, and the loops add their terms on top. The rest's program is as wide as the variables it
        // reads, not n, so its code does not grow with n either.
        var restFunction = restKernel?.Function;
        var restIndices = rest.Indices;
        var restOutputs = restProgram.Outputs.Length;
        var valueCount = outputCount - split;
        SplitKernelFunction run = (x, xOffset, p, outputs, outputOffset, values, valuesOffset) =>
        {
            outputs.AsSpan(outputOffset + 1, split - 1).Clear();
            values.AsSpan(valuesOffset, valueCount).Clear();
            var value = 0.0;
            if (restFunction is not null)
            {
                var buffers = RestBuffers.For(restIndices.Length, restOutputs);
                var (xs, ps, ro) = (buffers.X, buffers.P, buffers.Outputs);
                for (var j = 0; j < restIndices.Length; j++) xs[j] = x[xOffset + restIndices[j]];
                if (vector)
                    for (var j = 0; j < restIndices.Length; j++) ps[j] = p[restIndices[j]];
                restFunction(xs, 0, ps, ro, 0);
                for (var k = 0; k < restOutputs; k++)
                {
                    var t = restTargets[k];
                    if (t == 0) value += ro[k];
                    else if (t < split) outputs[outputOffset + t] += ro[k];
                    else values[valuesOffset + t - split] += ro[k];
                }
            }
            for (var k = 0; k < loops.Length; k++)
                value += loops[k](x, xOffset, p, cells[k], maps[k], outputs, outputOffset, values, valuesOffset);
            return value;
        };
        KernelFunction function = value
            ? (x, xOffset, p, outputs, outputOffset) =>
                outputs[outputOffset] = run(x, xOffset, p, outputs, outputOffset, outputs, outputOffset + split)
            // Layout entry t (t ≥ 1) is outputs[outputOffset + t − 1]; the returned value (no value targets: 0) is dropped.
            : (x, xOffset, p, outputs, outputOffset) =>
                run(x, xOffset, p, outputs, outputOffset - 1, outputs, outputOffset - 1 + split);
        var shapeOutputs = value ? outputCount : outputCount - 1;
        var kernel = new CompiledKernel(restProgram, function, allFast, restKernel?.ChunkCount ?? 0,
            new FamilyInfo(pieces.Length, families.CellCount, families.RestTermCount, templateInstructions, pieces.Sum(p => p.MapWidth)),
            new KernelShape(n, parameterCount, shapeOutputs));
        // One call on a throw-away input, so the JIT's work is counted in the compile time, not in the first evaluation.
        kernel.Function(new double[n], 0, new double[parameterCount], new double[shapeOutputs], 0);
        return (kernel, run);
    }

    /// <summary>
    /// The loop of one family (exposed for tests): <paramref name="template"/> is the family's template
    /// lowered over its locals (variables) and its cell parameters followed, for a product kernel, by
    /// one vector entry per local (parameters); its outputs are the value, then blocks of one entry
    /// per local, block b added to output 1 + b·n + (the local's variable).
    /// </summary>
    public static Expression<CellLoop> BuildLoop(StraightLineProgram template, TermFamily family, int n)
    {
        var w = family.Offsets.Length;
        var cellParameters = family.CellParameters.Length;
        if (template.Variables.Length != w || template.Parameters.Length < cellParameters
            || (template.Parameters.Length - cellParameters) % Math.Max(1, w) != 0 || (template.Outputs.Length - 1) % Math.Max(1, w) != 0)
            throw new ArgumentException("The template's inputs or outputs do not match the family's locals.", nameof(template));
        var a = new LoopArguments();
        var sum = LoopBody(template, family, BlockTargets(family, template.Outputs.Length, n), 0, a, out var variables, out var statements);
        statements.Add(Assign(ArrayAccess(a.Outputs, a.OutputOffset), Add(ArrayIndex(a.Outputs, a.OutputOffset), sum)));
        return Lambda<CellLoop>(Block(typeof(void), variables, statements), a.X, a.XOffset, a.P, a.Cells, a.Outputs, a.OutputOffset);
    }

    private static Expression<MappedCellLoop> BuildMappedLoop(StraightLineProgram template, TermFamily family, Target[] targets, int mapWidth)
    {
        var a = new LoopArguments();
        var sum = LoopBody(template, family, targets, mapWidth, a, out var variables, out var statements);
        statements.Add(sum);
        return Lambda<MappedCellLoop>(Block(typeof(double), variables, statements), a.X, a.XOffset, a.P, a.Cells, a.Map, a.Outputs, a.OutputOffset, a.Values, a.ValuesOffset);
    }

    private sealed class LoopArguments
    {
        public readonly ParameterExpression X = Parameter(typeof(double[]), "x");
        public readonly ParameterExpression XOffset = Parameter(typeof(int), "xOffset");
        public readonly ParameterExpression P = Parameter(typeof(double[]), "p");
        public readonly ParameterExpression Cells = Parameter(typeof(double[]), "cells");
        public readonly ParameterExpression Map = Parameter(typeof(int[]), "map");
        public readonly ParameterExpression Outputs = Parameter(typeof(double[]), "outputs");
        public readonly ParameterExpression OutputOffset = Parameter(typeof(int), "outputOffset");
        public readonly ParameterExpression Values = Parameter(typeof(double[]), "values");
        public readonly ParameterExpression ValuesOffset = Parameter(typeof(int), "valuesOffset");
    }

    // The loop over the cells: per cell, the local inputs are read once into locals, the template's
    // instructions run on locals (a value used once is inlined into its user), and each output is added
    // at its target as soon as it is computed. Returns the variable that holds the sum of the cells'
    // values after the statements (the caller decides where it goes).
    private static ParameterExpression LoopBody(StraightLineProgram template, TermFamily family, Target[] targets, int mapWidth, LoopArguments a,
        out List<ParameterExpression> variables, out List<Expression> statements)
    {
        var offsets = family.Offsets;
        var w = offsets.Length;
        var cellParameters = family.CellParameters.Length;

        var cell = Variable(typeof(int), "cell");
        var first = Variable(typeof(int), "first");       // the cell's first variable, Start + cell·Stride
        var constantAt = Variable(typeof(int), "constantAt"); // cell · CellParameters.Length
        var xAt = Variable(typeof(int), "xAt");           // xOffset + first
        var mapAt = Variable(typeof(int), "mapAt");       // cell · mapWidth
        var sum = Variable(typeof(double), "sum");
        // One running index per distinct step of the placed outputs and array: outputOffset + cell·step
        // (valuesOffset + cell·step in the values array).
        var steps = new Dictionary<(int Step, bool InValues), ParameterExpression>();
        foreach (var t in targets)
            if (t.Place == Place.Affine && !steps.ContainsKey((t.Step, t.InValues)))
                steps[(t.Step, t.InValues)] = Variable(typeof(int), $"at{steps.Count}");

        var instructions = template.Instructions;
        var uses = InstructionEmitter.Uses(template);
        bool IsZero(int slot) => InstructionEmitter.IsZero(template, slot);
        var outputsOf = new List<int>?[instructions.Length];
        for (var k = 0; k < template.Outputs.Length; k++)
            if (!IsZero(template.Outputs[k]))
                (outputsOf[template.Outputs[k]] ??= []).Add(k);

        // An output placed where the next cell places another (Rosenbrock's ∂f/∂x_{i+1} of cell i and ∂f/∂x_i
        // of cell i + 1: Base of the sender = Base of the receiver + Step) is carried to the next cell in a
        // local and added with the receiver's value: one read-modify-write of the array per place, not
        // two. The last cell's carries are added after the loop. Only plain pairs (a receiver that sends
        // nothing on, a sender that receives nothing) are carried; every other output is added at once.
        var receiverOf = new Dictionary<int, int>(); // sender k → receiver k'
        {
            var written = new HashSet<int>();
            for (var k = 0; k < template.Outputs.Length; k++)
                if (!IsZero(template.Outputs[k])) written.Add(k);
            var byPlace = new Dictionary<(int, bool, int), int>();
            var unique = true;
            for (var k = 0; k < targets.Length; k++)
                if (targets[k].Place == Place.Affine && targets[k].Step != 0 && written.Contains(k))
                    unique &= byPlace.TryAdd((targets[k].Step, targets[k].InValues, targets[k].Base), k);
            if (unique)
                foreach (var ((step, inValues, place), k) in byPlace)
                    if (byPlace.TryGetValue((step, inValues, place - step), out var receiver))
                        receiverOf[k] = receiver;
            foreach (var sender in receiverOf.Keys.ToArray())
                if (receiverOf.ContainsKey(receiverOf[sender]) || receiverOf.ContainsValue(sender))
                    receiverOf.Remove(sender);
        }
        var carryIn = new Dictionary<int, ParameterExpression>();  // by receiver: the previous cell's value
        var carryOut = new Dictionary<int, ParameterExpression>(); // by sender: this cell's value
        foreach (var (sender, receiver) in receiverOf)
        {
            carryOut[sender] = Variable(typeof(double), $"send{sender}");
            carryIn[receiver] = Variable(typeof(double), $"carry{receiver}");
        }

        var emitter = new InstructionEmitter(template, 0, instructions.Length, variablesInLocals: true);
        var locals = emitter.Locals;
        var body = emitter.Body;
        // The local inputs, read once per cell.
        var inputs = new ParameterExpression[w];
        for (var j = 0; j < w; j++)
        {
            inputs[j] = Variable(typeof(double), $"in{j}");
            locals.Add(inputs[j]);
            body.Add(Assign(inputs[j], ArrayIndex(a.X, Plus(xAt, offsets[j]))));
        }
        Expression Input(Instruction ins)
        {
            if (ins.Op == OpCode.Constant) return Constant(template.Constants[ins.A]);
            if (ins.Op == OpCode.Variable) return inputs[ins.A];
            if (ins.A < cellParameters) return ArrayIndex(a.Cells, Plus(constantAt, ins.A));
            // A vector entry of a product kernel: v at the local's variable.
            var j = (ins.A - cellParameters) % w;
            return ArrayIndex(a.P, Plus(first, offsets[j]));
        }
        for (var i = 0; i < instructions.Length; i++)
        {
            var value = emitter.Emit(i, Input, uses[i] > 1);
            if (outputsOf[i] is { } ks)
                foreach (var k in ks)
                {
                    var t = targets[k];
                    if (t.Place == Place.Value)
                    {
                        body.Add(Assign(sum, Add(sum, value)));
                        continue;
                    }
                    if (carryOut.TryGetValue(k, out var send))
                    {
                        body.Add(Assign(send, value));
                        continue;
                    }
                    Expression index = t.Place == Place.Affine
                        ? Plus(steps[(t.Step, t.InValues)], t.Base)
                        : Add(t.InValues ? a.ValuesOffset : a.OutputOffset, ArrayIndex(a.Map, Plus(mapAt, t.Base)));
                    var target = ArrayAccess(t.InValues ? a.Values : a.Outputs, index);
                    var added = carryIn.TryGetValue(k, out var carried) ? Add(value, carried) : value;
                    body.Add(Assign(target, Add(target, added)));
                }
        }

        var cellBody = new List<Expression> { Assign(xAt, Add(a.XOffset, first)) };
        // The inputs are read after xAt is set: body starts with their loads.
        cellBody.AddRange(body);
        cellBody.Add(Assign(cell, Add(cell, Constant(1))));
        cellBody.Add(Assign(first, Add(first, Constant(family.Stride))));
        if (cellParameters > 0) cellBody.Add(Assign(constantAt, Add(constantAt, Constant(cellParameters))));
        if (mapWidth > 0) cellBody.Add(Assign(mapAt, Add(mapAt, Constant(mapWidth))));
        foreach (var (sender, receiver) in receiverOf) cellBody.Add(Assign(carryIn[receiver], carryOut[sender]));
        foreach (var (key, at) in steps)
            if (key.Step != 0) cellBody.Add(Assign(at, Add(at, Constant(key.Step))));
        var end = Label("end");
        var loop = Loop(
            IfThenElse(
                LessThan(cell, Constant(family.Count)),
                Block(locals, cellBody),
                Break(end)),
            end);
        var start = new List<Expression>
        {
            Assign(cell, Constant(0)),
            Assign(first, Constant(family.Start)),
            Assign(constantAt, Constant(0)),
            Assign(mapAt, Constant(0)),
            Assign(sum, Constant(0.0)),
        };
        foreach (var (key, at) in steps) start.Add(Assign(at, key.InValues ? a.ValuesOffset : a.OutputOffset));
        foreach (var v in carryIn.Values.Concat(carryOut.Values)) start.Add(Assign(v, Constant(0.0)));
        start.Add(loop);
        // The last cell's carries: its receiver's place one step on, where the running index now stands.
        foreach (var (_, receiver) in receiverOf)
        {
            var t = targets[receiver];
            var target = ArrayAccess(t.InValues ? a.Values : a.Outputs, Plus(steps[(t.Step, t.InValues)], t.Base));
            start.Add(Assign(target, Add(target, carryIn[receiver])));
        }
        variables = [cell, first, constantAt, xAt, mapAt, sum, .. steps.Values, .. carryIn.Values, .. carryOut.Values];
        statements = start;
        return sum;
    }

    private static Expression Plus(Expression index, int k) => k == 0 ? index : Add(index, Constant(k));
}

/// <summary>
/// A sparse Hessian kernel (<see cref="FamilyKernels.SparseHessian(string[], Expr, TermFamilies, SparsityPattern)"/>): <see cref="Kernel"/>'s
/// outputs are [f, ∇f (n), the values of <see cref="Pattern"/>'s nonzeros in CSR order], the nonzeros from
/// output 1 + n; <see cref="Evaluate"/> writes the gradient and the nonzeros into arrays of their own.
/// </summary>
public sealed class SparseHessianKernel
{
    [ThreadStatic] private static double[]? _scratch;
    private readonly SplitKernelFunction? _split;

    internal SparseHessianKernel(CompiledKernel kernel, SparsityPattern pattern, SplitKernelFunction? split)
    {
        Kernel = kernel;
        Pattern = pattern;
        _split = split;
    }

    /// <summary>The kernel over x (no parameters), outputs [f, ∇f (n), nonzeros].</summary>
    public CompiledKernel Kernel { get; }

    /// <summary>The Hessian's structural nonzeros (n × n, both triangles).</summary>
    public SparsityPattern Pattern { get; }

    /// <summary>
    /// f at x, with ∇f written into <paramref name="gradient"/> (n values) and the nonzeros into
    /// <paramref name="values"/> (CSR order of <see cref="Pattern"/>). A family kernel's loops add into
    /// those arrays directly; a straight-line kernel runs into per-thread scratch space and is copied.
    /// Allocates nothing in steady state.
    /// </summary>
    /// <exception cref="ArgumentException">An array shorter than n (x, gradient) or the number of nonzeros (values).</exception>
    public double Evaluate(double[] x, double[] gradient, double[] values)
    {
        var n = Pattern.Rows;
        if (x.Length < n || gradient.Length < n || values.Length < Pattern.NonZeroCount)
            throw new ArgumentException(
                $"The sparse Hessian needs x and the gradient of {NumberText.Count(n, "value")} and {NumberText.Count(Pattern.NonZeroCount, "nonzero")}; got {x.Length}, {gradient.Length} and {values.Length}.");
        // Output 1 + j of the whole layout is gradient[j], so the dense outputs start at offset −1.
        if (_split is { } split) return split(x, 0, [], gradient, -1, values, 0);
        var buffer = _scratch is { } s && s.Length >= Kernel.OutputCount ? s : (_scratch = new double[Kernel.OutputCount]);
        Kernel.Function(x, 0, [], buffer, 0);
        Array.Copy(buffer, 1, gradient, 0, n);
        Array.Copy(buffer, 1 + n, values, 0, Pattern.NonZeroCount);
        return buffer[0];
    }
}

/// <summary>How a kernel built by <see cref="FamilyKernels"/> splits its function.</summary>
/// <param name="Families">The number of family loops.</param>
/// <param name="Cells">The number of terms the loops cover.</param>
/// <param name="RestTerms">The number of terms in the straight-line rest.</param>
/// <param name="TemplateInstructions">The instructions of all templates together (each compiled once, as a loop body).</param>
/// <param name="MappedEntries">
/// For a sparse Hessian: the template entries whose place in the pattern does not move by a fixed step
/// from cell to cell, so the loop reads it from an index map (0 when every place is a fixed step apart).
/// </param>
public sealed record FamilyInfo(int Families, int Cells, int RestTerms, int TemplateInstructions, int MappedEntries = 0);
