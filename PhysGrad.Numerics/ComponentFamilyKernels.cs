using System.Linq.Expressions;
using FastExpressionCompiler;
using PhysGrad.Symbolic;
using static System.Linq.Expressions.Expression;

namespace PhysGrad.Numerics;

/// <summary>
/// One component family's compiled loop: for each cell, gathers the local inputs from <paramref name="x"/>
/// (and, for a product kernel, the entries of the vector in <paramref name="p"/> that the cell reads) and
/// the cell's constants from <paramref name="cells"/>, evaluates the template's program and writes its
/// outputs to the cell's component, its variables or (sparse Jacobian) its nonzeros, which go to
/// <paramref name="values"/> from <paramref name="valuesOffset"/> (the CSR values of J, so a caller's matrix
/// receives them without a copy): the cell's first nonzero at <c>positions[cell]</c> there, or, where the
/// positions move by a fixed step from cell to cell, at a running index (the positions array then unread).
/// </summary>
public delegate void ComponentLoop(double[] x, int xOffset, double[] p, double[] cells, int[] positions, double[] outputs, int outputOffset,
    double[] values, int valuesOffset);

/// <summary>A compiled sparse Jacobian kernel: outputs [y (m), J's nonzeros in <see cref="Pattern"/>'s CSR order from <see cref="Offset"/>].</summary>
/// <param name="Kernel">The kernel over x (no parameters).</param>
/// <param name="Pattern">J's structural nonzeros (m × n).</param>
/// <param name="Offset">Where the nonzeros start in the outputs (m).</param>
public sealed record SparseJacobianKernel(CompiledKernel Kernel, SparsityPattern Pattern, int Offset)
{
    [ThreadStatic] private static double[]? _scratch;

    // The family kernel's own function with y and the nonzeros in separate arrays (null for a straight-line kernel).
    internal SplitKernelFunction? Split { get; init; }

    /// <summary>
    /// y = P(x) into <paramref name="y"/> (m values) and J's nonzeros into <paramref name="values"/> (CSR order of
    /// <see cref="Pattern"/>). A family kernel's loops write both arrays directly; a straight-line kernel runs
    /// into per-thread scratch space and is copied. Allocates nothing in steady state.
    /// </summary>
    /// <exception cref="ArgumentException">An array shorter than n (x), m (y) or the number of nonzeros (values).</exception>
    public void Evaluate(double[] x, double[] y, double[] values)
    {
        var (m, n) = (Pattern.Rows, Pattern.Columns);
        if (x.Length < n || y.Length < m || values.Length < Pattern.NonZeroCount)
            throw new ArgumentException(
                $"The sparse Jacobian needs x of {NumberText.Count(n, "value")}, y of {NumberText.Count(m, "value")} and {NumberText.Count(Pattern.NonZeroCount, "nonzero")}; got {x.Length}, {y.Length} and {values.Length}.");
        if (Split is { } split)
        {
            split(x, 0, [], y, 0, values, 0);
            return;
        }
        var buffer = _scratch is { } s && s.Length >= Kernel.OutputCount ? s : (_scratch = new double[Kernel.OutputCount]);
        Kernel.Function(x, 0, [], buffer, 0);
        Array.Copy(buffer, 0, y, 0, m);
        Array.Copy(buffer, Offset, values, 0, Pattern.NonZeroCount);
    }
}

/// <summary>
/// Kernels for a vector function y = P(x) (a simulator) whose components hold families of one template at
/// evenly spaced cells (<see cref="Families.DetectComponents"/>, issue 14 item 5): y, J v, Jᵀ w and the
/// sparse Jacobian. Each family is one compiled loop over its cells, the template derived and lowered once
/// over its few local inputs, so code size and compile time grow with the number of distinct component
/// shapes, not with n. The components in no family run as one straight-line kernel over only the
/// variables they read (gathered into scratch space, its outputs scattered to their places), so its size
/// is that of the rest, not n. Without families each kernel is the straight-line one of the whole
/// function (<see cref="Lower.Program"/>, <see cref="Lower.JacobianVector"/>,
/// <see cref="Lower.JacobianTransposeVector"/>, <see cref="Lower.SparseJacobian"/>), and where there are
/// families the results equal those kernels' up to the order of floating-point operations inside a
/// component (a property test checks this exactly on dyadic data).
/// </summary>
public static class ComponentFamilyKernels
{
    /// <summary>y = P(x): outputs [y (m)], like <c>Lower.Program(variables, [], fs)</c>.</summary>
    /// <remarks>Give <paramref name="families"/> (the component families of fs, <see cref="Families.DetectComponents"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel Values(string[] variables, Expr[] fs, ComponentFamilies? families = null)
    {
        families ??= Families.DetectComponents(variables, fs);
        return families.Families.Length == 0 ? KernelCompiler.Compile(Lower.Program(variables, [], fs)) : Values(families);
    }

    /// <summary>Over (x; v): outputs [y (m), J v (m)], like <c>Lower.JacobianVector(variables, [], fs)</c>.</summary>
    /// <remarks>Give <paramref name="families"/> (the component families of fs, <see cref="Families.DetectComponents"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel JacobianVector(string[] variables, Expr[] fs, ComponentFamilies? families = null)
    {
        families ??= Families.DetectComponents(variables, fs);
        return families.Families.Length == 0 ? KernelCompiler.Compile(Lower.JacobianVector(variables, [], fs)) : JacobianVector(families);
    }

    /// <summary>Over (x; w): outputs [y (m), Jᵀ w (n)], like <c>Lower.JacobianTransposeVector(variables, [], fs)</c>.</summary>
    /// <remarks>Give <paramref name="families"/> (the component families of fs, <see cref="Families.DetectComponents"/>) when they are known already: detection walks every term.</remarks>
    public static CompiledKernel JacobianTransposeVector(string[] variables, Expr[] fs, ComponentFamilies? families = null)
    {
        families ??= Families.DetectComponents(variables, fs);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.JacobianTransposeVector(variables, [], fs))
            : JacobianTransposeVector(families);
    }

    /// <summary>
    /// y and J's structural nonzeros, like <c>Lower.SparseJacobian(variables, [], fs)</c>: the same pattern
    /// (a family row's pattern is its template's, shifted to the cell's variables), the same CSR order.
    /// </summary>
    /// <remarks>Give <paramref name="families"/> (the component families of fs, <see cref="Families.DetectComponents"/>) when they are known already: detection walks every term.</remarks>
    public static SparseJacobianKernel SparseJacobian(string[] variables, Expr[] fs, ComponentFamilies? families = null)
    {
        families ??= Families.DetectComponents(variables, fs);
        if (families.Families.Length > 0) return SparseJacobian(families);
        var program = Lower.SparseJacobian(variables, [], fs);
        var block = program.Block("jacobian");
        return new SparseJacobianKernel(KernelCompiler.Compile(program), block.Pattern, block.Offset);
    }

    /// <summary>y from the families' loops and the rest: outputs [y (m)].</summary>
    public static CompiledKernel Values(ComponentFamilies families)
    {
        var m = families.Components.Length;
        return Compose(families, Kind.Values, Shape(families.Variables, [], m),
            (variables, fs) => Lower.Program(variables, [], fs), null);
    }

    /// <summary>y and J v over (x; v): outputs [y (m), J v (m)].</summary>
    public static CompiledKernel JacobianVector(ComponentFamilies families)
    {
        var (n, m) = (families.Variables.Length, families.Components.Length);
        return Compose(families, Kind.JacobianVector, Shape(families.Variables, Names("v", n), 2 * m),
            (variables, fs) => Lower.JacobianVector(variables, [], fs), null);
    }

    /// <summary>y and Jᵀ w over (x; w): outputs [y (m), Jᵀ w (n)], Jᵀ w summed over the families and the rest.</summary>
    public static CompiledKernel JacobianTransposeVector(ComponentFamilies families)
    {
        var (n, m) = (families.Variables.Length, families.Components.Length);
        return Compose(families, Kind.JacobianTransposeVector, Shape(families.Variables, Names("w", m), m + n),
            (variables, fs) => Lower.JacobianTransposeVector(variables, [], fs), null);
    }

    /// <summary>y and J's structural nonzeros: outputs [y (m), nonzeros (CSR order)].</summary>
    public static SparseJacobianKernel SparseJacobian(ComponentFamilies families)
    {
        var (n, m) = (families.Variables.Length, families.Components.Length);
        var list = families.Families;
        // Each row's nonzeros: a family row's are its template's local derivatives that are structurally
        // nonzero (the template's own sparse Jacobian pattern), at the cell's variables; a rest row's come
        // from the rest's sparse program, its columns mapped back from the rest's variables.
        var templates = new StraightLineProgram[list.Length];
        var templateColumns = new int[list.Length][];
        var counts = new int[m];
        for (var k = 0; k < list.Length; k++)
        {
            var cells = list[k].Cells;
            templates[k] = Lower.SparseJacobian(cells.Locals, cells.CellParameters, [cells.Template]);
            templateColumns[k] = templates[k].Block("jacobian").Pattern.ColumnIndices;
            for (var c = 0; c < cells.Count; c++) counts[list[k].OutputOf(c)] = templateColumns[k].Length;
        }
        var restVariables = families.RestVariables;
        var rest = families.RestOutputs;
        var restProgram = rest.Length == 0 ? null
            : Lower.SparseJacobian([.. restVariables.Select(j => families.Variables[j])], [], [.. rest.Select(i => families.Components[i])]);
        var restBlock = restProgram?.Block("jacobian");
        for (var r = 0; r < rest.Length; r++)
            counts[rest[r]] = restBlock!.Pattern.RowPointers[r + 1] - restBlock.Pattern.RowPointers[r];
        var rowPointers = new int[m + 1];
        for (var i = 0; i < m; i++) rowPointers[i + 1] = rowPointers[i] + counts[i];
        var columns = new int[rowPointers[m]];
        var positions = new int[list.Length][];
        for (var k = 0; k < list.Length; k++)
        {
            var cells = list[k].Cells;
            positions[k] = new int[cells.Count];
            for (var c = 0; c < cells.Count; c++)
            {
                var at = positions[k][c] = rowPointers[list[k].OutputOf(c)];
                var first = cells.Start + c * cells.Stride;
                for (var e = 0; e < templateColumns[k].Length; e++) columns[at + e] = first + cells.Offsets[templateColumns[k][e]];
            }
        }
        // The rest's nonzeros, row by row: (source in the rest's outputs, destination among J's nonzeros, count).
        var restCopies = new (int From, int To, int Count)[rest.Length];
        for (var r = 0; r < rest.Length; r++)
        {
            var p = restBlock!.Pattern;
            var (from, count) = (p.RowPointers[r], p.RowPointers[r + 1] - p.RowPointers[r]);
            restCopies[r] = (restBlock.Offset + from, rowPointers[rest[r]], count);
            for (var e = 0; e < count; e++) columns[rowPointers[rest[r]] + e] = restVariables[p.ColumnIndices[from + e]];
        }
        var pattern = new SparsityPattern(m, n, rowPointers, columns);
        var (kernel, split) = ComposeSplit(families, Kind.Sparse, Shape(families.Variables, [], m + columns.Length),
            (_, _) => restProgram!, new SparsePlan(templates, positions, restCopies));
        return new SparseJacobianKernel(kernel, pattern, m) { Split = split };
    }

    private enum Kind { Values, JacobianVector, JacobianTransposeVector, Sparse }

    private sealed record SparsePlan(StraightLineProgram[] Templates, int[][] Positions, (int From, int To, int Count)[] RestCopies);

    private static string[] Names(string name, int count) => [.. Enumerable.Range(0, count).Select(i => $"{name}[{i}]")];

    // The kernel's shape as a program (its variables, parameters and output count; one constant): the
    // arithmetic is in the loops and the rest's kernel, so the whole function is never lowered.
    private static StraightLineProgram Shape(string[] variables, string[] parameters, int outputs) =>
        Lower.Program(variables, parameters, [.. Enumerable.Repeat(ExprModule.zero, outputs)]);

    [ThreadStatic] private static double[]? _scratch;

    private static double[] Scratch(int size)
    {
        var s = _scratch;
        if (s is null || s.Length < size) _scratch = s = new double[Math.Max(size, 2 * (s?.Length ?? 0))];
        return s;
    }

    private static CompiledKernel Compose(ComponentFamilies families, Kind kind, StraightLineProgram shape,
        Func<string[], Expr[], StraightLineProgram> lowerRest, SparsePlan? sparse) =>
        ComposeSplit(families, kind, shape, lowerRest, sparse).Kernel;

    // The kernel, and its function with the sparse Jacobian's nonzeros in an array of their own ("values",
    // from valuesOffset; the kernel's function passes its outputs from m on). Other kinds ignore values.
    private static (CompiledKernel Kernel, SplitKernelFunction Split) ComposeSplit(ComponentFamilies families, Kind kind, StraightLineProgram shape,
        Func<string[], Expr[], StraightLineProgram> lowerRest, SparsePlan? sparse)
    {
        var (n, m) = (families.Variables.Length, families.Components.Length);
        var list = families.Families;
        var rest = families.RestOutputs;
        var restVariables = families.RestVariables;
        var loops = new ComponentLoop[list.Length];
        var cells = new double[list.Length][];
        var positions = new int[list.Length][];
        var allFast = true;
        var templateInstructions = 0;
        for (var k = 0; k < list.Length; k++)
        {
            var family = list[k];
            var t = family.Cells;
            var template = kind switch
            {
                Kind.Values => Lower.Program(t.Locals, t.CellParameters, [t.Template]),
                Kind.JacobianVector => Lower.JacobianVector(t.Locals, t.CellParameters, [t.Template]),
                Kind.JacobianTransposeVector => Lower.JacobianTransposeVector(t.Locals, t.CellParameters, [t.Template]),
                _ => sparse!.Templates[k],
            };
            templateInstructions += template.SlotCount;
            var lambda = BuildLoop(template, family, kind, m, sparse is null ? null : Step(sparse.Positions[k]));
            var loop = lambda.CompileFast(ifFastFailedReturnNull: true);
            if (loop is null)
            {
                allFast = false;
                loop = lambda.Compile();
            }
            loops[k] = loop;
            cells[k] = t.CellConstants;
            positions[k] = sparse?.Positions[k] ?? [];
        }

        // The rest: one straight-line kernel over the variables it reads, fed through scratch space.
        CompiledKernel? restKernel = null;
        if (rest.Length > 0)
        {
            restKernel = KernelCompiler.Compile(lowerRest([.. restVariables.Select(j => families.Variables[j])], [.. rest.Select(i => families.Components[i])]));
            allFast &= restKernel.UsedFastCompiler;
        }
        var restFunction = restKernel?.Function;
        var (rv, ro) = (restVariables.Length, rest.Length);
        var restParameters = kind switch { Kind.JacobianVector => rv, Kind.JacobianTransposeVector => ro, _ => 0 };
        var restOutputs = restKernel?.OutputCount ?? 0;
        var restCopies = sparse?.RestCopies ?? [];
        var outputCount = shape.Outputs.Length;

        SplitKernelFunction run = (x, xOffset, p, outputs, outputOffset, values, valuesOffset) =>
        {
            // Jᵀ w is summed into the n entries; every other output has one writer (a loop or the rest).
            if (kind == Kind.JacobianTransposeVector) Array.Clear(outputs, outputOffset + m, n);
            if (restFunction is not null)
            {
                var s = Scratch(rv + restParameters + restOutputs);
                for (var j = 0; j < rv; j++) s[j] = x[xOffset + restVariables[j]];
                double[] q = [];
                if (restParameters > 0)
                {
                    q = RestParameters(restParameters);
                    if (kind == Kind.JacobianVector) for (var j = 0; j < rv; j++) q[j] = p[restVariables[j]];
                    else for (var r = 0; r < ro; r++) q[r] = p[rest[r]];
                }
                var at = rv;
                restFunction(s, 0, q, s, at);
                for (var r = 0; r < ro; r++) outputs[outputOffset + rest[r]] = s[at + r];
                switch (kind)
                {
                    case Kind.JacobianVector:
                        for (var r = 0; r < ro; r++) outputs[outputOffset + m + rest[r]] = s[at + ro + r];
                        break;
                    case Kind.JacobianTransposeVector:
                        for (var j = 0; j < rv; j++) outputs[outputOffset + m + restVariables[j]] += s[at + ro + j];
                        break;
                    case Kind.Sparse:
                        foreach (var (from, to, count) in restCopies)
                            Array.Copy(s, at + from, values, valuesOffset + to, count);
                        break;
                }
            }
            for (var k = 0; k < loops.Length; k++)
                loops[k](x, xOffset, p, cells[k], positions[k], outputs, outputOffset, values, valuesOffset);
            return 0;
        };
        KernelFunction function = (x, xOffset, p, outputs, outputOffset) => run(x, xOffset, p, outputs, outputOffset, outputs, outputOffset + m);
        var kernel = new CompiledKernel(shape, function, allFast, restKernel?.ChunkCount ?? 0,
            new FamilyInfo(list.Length, families.CellCount, rest.Length, templateInstructions));
        // One call on a throw-away input, so the JIT's work is counted in the compile time, not in the first evaluation.
        kernel.Function(new double[n], 0, new double[shape.Parameters.Length], new double[outputCount], 0);
        return (kernel, run);
    }

    // The step between the cells' first nonzeros when it is the same for every pair of neighbours (rows of
    // one length, evenly spaced, as in a stencil's interior), else null (the loop reads the positions).
    private static int? Step(int[] positions)
    {
        if (positions.Length < 2) return null;
        var step = positions[1] - positions[0];
        for (var c = 2; c < positions.Length; c++)
            if (positions[c] - positions[c - 1] != step) return null;
        return step;
    }

    // The rest's parameters (v or w gathered), per thread: the scratch array above holds its inputs and
    // outputs, and the kernel reads the parameters while it writes the outputs.
    [ThreadStatic] private static double[]? _parameters;

    private static double[] RestParameters(int size)
    {
        var s = _parameters;
        if (s is null || s.Length < size) _parameters = s = new double[Math.Max(size, 2 * (s?.Length ?? 0))];
        return s;
    }

    /// <summary>
    /// The loop of one component family (exposed for tests). <paramref name="template"/> is the family's
    /// template lowered over its locals (variables) and cell parameters, followed for J v by one vector
    /// entry per local and for Jᵀ w by the one entry w at the cell's component (parameters). Its outputs:
    /// the component's value (to output OutputOf(c)), then for J v the directional derivative (to
    /// m + OutputOf(c)), for Jᵀ w one adjoint per local (added to m + the local's variable), for the
    /// sparse Jacobian the row's nonzeros (to m + positions[c] + e).
    /// </summary>
    private static Expression<ComponentLoop> BuildLoop(StraightLineProgram template, ComponentFamily family, Kind kind, int m, int? positionStep)
    {
        var x = Parameter(typeof(double[]), "x");
        var xOffset = Parameter(typeof(int), "xOffset");
        var p = Parameter(typeof(double[]), "p");
        var cellArray = Parameter(typeof(double[]), "cells");
        var positionArray = Parameter(typeof(int[]), "positions");
        var outputs = Parameter(typeof(double[]), "outputs");
        var outputOffset = Parameter(typeof(int), "outputOffset");
        var valueArray = Parameter(typeof(double[]), "values");
        var valuesOffset = Parameter(typeof(int), "valuesOffset");

        var cellsOf = family.Cells;
        var offsets = cellsOf.Offsets;
        var w = offsets.Length;
        var cellParameters = cellsOf.CellParameters.Length;
        var expectedParameters = cellParameters + kind switch { Kind.JacobianVector => w, Kind.JacobianTransposeVector => 1, _ => 0 };
        var expectedOutputs = kind switch { Kind.Values => 1, Kind.JacobianVector => 2, Kind.JacobianTransposeVector => 1 + w, _ => -1 };
        if (template.Variables.Length != w || template.Parameters.Length != expectedParameters
            || (expectedOutputs >= 0 && template.Outputs.Length != expectedOutputs))
            throw new ArgumentException("The template's inputs or outputs do not match the family's locals.", nameof(template));

        var cell = Variable(typeof(int), "cell");
        var first = Variable(typeof(int), "first");            // the cell's first variable
        var row = Variable(typeof(int), "row");                // the cell's component
        var constantAt = Variable(typeof(int), "constantAt");  // cell · CellParameters.Length
        var xAt = Variable(typeof(int), "xAt");                // xOffset + first
        var rowAt = Variable(typeof(int), "rowAt");            // outputOffset + row
        var varAt = Variable(typeof(int), "varAt");            // outputOffset + m + first
        var nonzeroAt = Variable(typeof(int), "nonzeroAt");    // valuesOffset + positions[cell]

        var instructions = template.Instructions;
        var uses = InstructionEmitter.Uses(template);
        var outputsOf = new List<int>?[instructions.Length];
        for (var k = 0; k < template.Outputs.Length; k++)
            // A zero adjoint adds nothing; every other output is assigned (its place has no other writer).
            if (!(kind == Kind.JacobianTransposeVector && k > 0 && InstructionEmitter.IsZero(template, template.Outputs[k])))
                (outputsOf[template.Outputs[k]] ??= []).Add(k);

        var emitter = new InstructionEmitter(template, 0, instructions.Length, variablesInLocals: true);
        var locals = emitter.Locals;
        var body = emitter.Body;
        var inputs = new ParameterExpression[w];
        for (var j = 0; j < w; j++)
        {
            inputs[j] = Variable(typeof(double), $"in{j}");
            locals.Add(inputs[j]);
            body.Add(Assign(inputs[j], ArrayIndex(x, Plus(xAt, offsets[j]))));
        }
        Expression Input(Instruction ins)
        {
            if (ins.Op == OpCode.Constant) return Constant(template.Constants[ins.A]);
            if (ins.Op == OpCode.Variable) return inputs[ins.A];
            if (ins.A < cellParameters) return ArrayIndex(cellArray, Plus(constantAt, ins.A));
            // v at the local's variable (J v), or w at the cell's component (Jᵀ w).
            return kind == Kind.JacobianVector
                ? ArrayIndex(p, Plus(first, offsets[ins.A - cellParameters]))
                : ArrayIndex(p, row);
        }
        Expression Target(int k)
        {
            if (k == 0) return ArrayAccess(outputs, rowAt);
            return kind switch
            {
                Kind.JacobianVector => ArrayAccess(outputs, Plus(rowAt, m)),
                Kind.JacobianTransposeVector => ArrayAccess(outputs, Plus(varAt, offsets[k - 1])),
                _ => ArrayAccess(valueArray, Plus(nonzeroAt, k - 1)),
            };
        }
        for (var i = 0; i < instructions.Length; i++)
        {
            var value = emitter.Emit(i, Input, uses[i] > 1);
            if (outputsOf[i] is { } ks)
                foreach (var k in ks)
                {
                    var target = Target(k);
                    body.Add(kind == Kind.JacobianTransposeVector && k > 0
                        ? Assign(target, Add(target, value))
                        : Assign(target, value));
                }
        }

        var cellBody = new List<Expression>
        {
            Assign(xAt, Add(xOffset, first)),
            Assign(rowAt, Add(outputOffset, row)),
        };
        if (kind == Kind.JacobianTransposeVector) cellBody.Add(Assign(varAt, Add(Add(outputOffset, Constant(m)), first)));
        if (kind == Kind.Sparse && positionStep is null) cellBody.Add(Assign(nonzeroAt, Add(valuesOffset, ArrayIndex(positionArray, cell))));
        cellBody.AddRange(body);
        cellBody.Add(Assign(cell, Add(cell, Constant(1))));
        cellBody.Add(Assign(first, Add(first, Constant(cellsOf.Stride))));
        cellBody.Add(Assign(row, Add(row, Constant(family.OutputStride))));
        cellBody.Add(Assign(constantAt, Add(constantAt, Constant(cellParameters))));
        if (kind == Kind.Sparse && positionStep is { } step) cellBody.Add(Assign(nonzeroAt, Add(nonzeroAt, Constant(step))));
        var end = Label("end");
        var loop = Loop(
            IfThenElse(
                LessThan(cell, Constant(cellsOf.Count)),
                Block(locals, cellBody),
                Break(end)),
            end);
        var whole = Block([cell, first, row, constantAt, xAt, rowAt, varAt, nonzeroAt],
            Assign(cell, Constant(0)),
            Assign(first, Constant(cellsOf.Start)),
            Assign(row, Constant(family.OutputStart)),
            Assign(constantAt, Constant(0)),
            Assign(varAt, Constant(0)),
            // With a fixed step the running index starts at the first cell's position (read once).
            Assign(nonzeroAt, kind == Kind.Sparse && positionStep is not null && cellsOf.Count > 0
                ? Add(valuesOffset, ArrayIndex(positionArray, Constant(0)))
                : Constant(0)),
            loop);
        return Lambda<ComponentLoop>(whole, x, xOffset, p, cellArray, positionArray, outputs, outputOffset, valueArray, valuesOffset);
    }

    private static Expression Plus(Expression index, int k) => k == 0 ? index : Add(index, Constant(k));
}
