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
/// Kernels for a scalar function whose sum holds families of repeated terms (<see cref="Families.Detect"/>,
/// issue 14 item 5): the terms in no family run as a straight-line program that writes every output,
/// then each family runs as one compiled loop over its cells that adds its terms' values and local
/// derivatives. The template is derived and compiled once, so derivation, compile time and code size
/// grow with the number of distinct term shapes, not with n. The results equal the straight-line
/// kernel of the whole function up to the order of the sums (a property test checks 1e-12 relative).
/// </summary>
public static class FamilyKernels
{
    private const int MaxInlineDepth = 32;

    /// <summary>
    /// The value + gradient kernel of f, with outputs [f, ∂f/∂x₀, …, ∂f/∂xₙ₋₁] like
    /// <c>Lower.ValueGradientHessian(variables, [], false, f)</c>: family loops where
    /// <see cref="Families.Detect"/> finds families, otherwise the straight-line kernel itself.
    /// </summary>
    public static CompiledKernel ValueGradient(string[] variables, Expr f)
    {
        var families = Families.Detect(variables, f);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.ValueGradientHessian(variables, [], false, f))
            : ValueGradient(families);
    }

    /// <summary>
    /// The H v kernel of f over (x; v), outputs [f, ∇f (n), H v (n)] like <c>Lower.HessianVector(variables, [], f)</c>:
    /// family loops where there are families, otherwise the straight-line kernel itself.
    /// </summary>
    public static CompiledKernel HessianVector(string[] variables, Expr f)
    {
        var families = Families.Detect(variables, f);
        return families.Families.Length == 0
            ? KernelCompiler.Compile(Lower.HessianVector(variables, [], f))
            : HessianVector(families);
    }

    /// <summary>Value + gradient of Σ families + rest: outputs [f, ∇f (n)].</summary>
    public static CompiledKernel ValueGradient(TermFamilies families) =>
        Compose(families,
            Lower.ValueGradientHessian(families.Variables, [], false, families.Rest),
            family => Lower.ValueGradientHessian(family.Locals, family.CellParameters, false, family.Template));

    /// <summary>Value, gradient and H v of Σ families + rest over (x; v): outputs [f, ∇f (n), H v (n)].</summary>
    public static CompiledKernel HessianVector(TermFamilies families) =>
        Compose(families,
            Lower.HessianVector(families.Variables, [], families.Rest),
            family => Lower.HessianVector(family.Locals, family.CellParameters, family.Template));

    private static CompiledKernel Compose(TermFamilies families, StraightLineProgram restProgram, Func<TermFamily, StraightLineProgram> lowerTemplate)
    {
        var n = families.Variables.Length;
        var noRest = families.RestTermCount == 0;
        var rest = noRest ? null : KernelCompiler.Compile(restProgram);
        var list = families.Families;
        var loops = new CellLoop[list.Length];
        var cells = new double[list.Length][];
        var allFast = rest?.UsedFastCompiler ?? true;
        var templateInstructions = 0;
        for (var k = 0; k < list.Length; k++)
        {
            var template = lowerTemplate(list[k]);
            templateInstructions += template.SlotCount;
            var lambda = BuildLoop(template, list[k], n);
            var loop = lambda.CompileFast(ifFastFailedReturnNull: true);
            if (loop is null)
            {
                allFast = false;
                loop = lambda.Compile();
            }
            loops[k] = loop;
            cells[k] = list[k].CellConstants;
        }
        // The rest writes every output (zeros included); the loops add their terms on top. Without rest
        // terms its program is still n wide (a parameter per entry of v in H v), so the outputs are
        // cleared instead.
        var restFunction = rest?.Function;
        var outputCount = restProgram.Outputs.Length;
        KernelFunction function = (x, xOffset, p, outputs, outputOffset) =>
        {
            if (noRest) Array.Fill(outputs, 0.0, outputOffset, outputCount);
            else restFunction!(x, xOffset, p, outputs, outputOffset);
            for (var k = 0; k < loops.Length; k++)
                loops[k](x, xOffset, p, cells[k], outputs, outputOffset);
        };
        var kernel = new CompiledKernel(restProgram, function, allFast, rest?.ChunkCount ?? 0,
            new FamilyInfo(list.Length, families.CellCount, families.RestTermCount, templateInstructions));
        // One call on a throw-away input, so the JIT's work is counted in the compile time, not in the first evaluation.
        kernel.Function(new double[n], 0, new double[restProgram.Parameters.Length], new double[restProgram.Outputs.Length], 0);
        return kernel;
    }

    /// <summary>
    /// The loop of one family (exposed for tests): <paramref name="template"/> is the family's template
    /// lowered over its locals (variables) and its cell parameters followed, for a product kernel, by
    /// one vector entry per local (parameters); its outputs are the value, then blocks of one entry
    /// per local, block b added to output 1 + b·n + (the local's variable).
    /// </summary>
    public static Expression<CellLoop> BuildLoop(StraightLineProgram template, TermFamily family, int n)
    {
        var x = Parameter(typeof(double[]), "x");
        var xOffset = Parameter(typeof(int), "xOffset");
        var p = Parameter(typeof(double[]), "p");
        var cellArray = Parameter(typeof(double[]), "cells");
        var outputs = Parameter(typeof(double[]), "outputs");
        var outputOffset = Parameter(typeof(int), "outputOffset");

        var offsets = family.Offsets;
        var w = offsets.Length;
        var cellParameters = family.CellParameters.Length;
        if (template.Variables.Length != w || template.Parameters.Length < cellParameters
            || (template.Parameters.Length - cellParameters) % Math.Max(1, w) != 0 || (template.Outputs.Length - 1) % Math.Max(1, w) != 0)
            throw new ArgumentException("The template's inputs or outputs do not match the family's locals.", nameof(template));

        var cell = Variable(typeof(int), "cell");
        var first = Variable(typeof(int), "first");       // the cell's first variable, Start + cell·Stride
        var constantAt = Variable(typeof(int), "constantAt"); // cell · CellParameters.Length
        var xAt = Variable(typeof(int), "xAt");           // xOffset + first
        var outAt = Variable(typeof(int), "outAt");       // outputOffset + 1 + first
        var sum = Variable(typeof(double), "sum");

        var instructions = template.Instructions;
        var uses = new int[instructions.Length];
        foreach (var ins in instructions)
        {
            if (ins.Op is OpCode.Constant or OpCode.Variable or OpCode.Parameter) continue;
            uses[ins.A]++;
            if (!KernelCompiler.IsUnary(ins.Op)) uses[ins.B]++;
        }
        foreach (var o in template.Outputs) uses[o] += 2;
        bool IsZero(int slot) =>
            instructions[slot].Op == OpCode.Constant && template.Constants[instructions[slot].A] == 0.0;
        var outputsOf = new List<int>?[instructions.Length];
        for (var k = 0; k < template.Outputs.Length; k++)
            if (!IsZero(template.Outputs[k]))
                (outputsOf[template.Outputs[k]] ??= []).Add(k);

        var locals = new List<ParameterExpression>();
        var body = new List<Expression>();
        // The local inputs, read once per cell.
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
            // A vector entry of a product kernel: v at the local's variable.
            var j = (ins.A - cellParameters) % w;
            return ArrayIndex(p, Plus(first, offsets[j]));
        }
        var values = new Expression[instructions.Length];
        var depth = new int[instructions.Length];
        for (var i = 0; i < instructions.Length; i++)
        {
            var ins = instructions[i];
            Expression e;
            int d;
            if (ins.Op is OpCode.Constant or OpCode.Variable or OpCode.Parameter)
            {
                e = Input(ins);
                d = 0;
            }
            else if (KernelCompiler.IsUnary(ins.Op))
            {
                e = KernelCompiler.Operation(ins.Op, values[ins.A], values[ins.A]);
                d = depth[ins.A] + 1;
            }
            else
            {
                e = KernelCompiler.Operation(ins.Op, values[ins.A], values[ins.B]);
                d = Math.Max(depth[ins.A], depth[ins.B]) + 1;
            }
            if (ins.Op is not (OpCode.Constant or OpCode.Variable) && (uses[i] > 1 || d > MaxInlineDepth))
            {
                var local = Variable(typeof(double), $"s{i}");
                locals.Add(local);
                body.Add(Assign(local, e));
                values[i] = local;
                depth[i] = 0;
            }
            else
            {
                values[i] = e;
                depth[i] = d;
            }
            if (outputsOf[i] is { } ks)
                foreach (var k in ks)
                {
                    if (k == 0)
                    {
                        body.Add(Assign(sum, Add(sum, values[i])));
                        continue;
                    }
                    var block = (k - 1) / w;
                    var target = ArrayAccess(outputs, Plus(outAt, block * n + offsets[(k - 1) % w]));
                    body.Add(Assign(target, Add(target, values[i])));
                }
        }

        var cellBody = new List<Expression>
        {
            Assign(xAt, Add(xOffset, first)),
            Assign(outAt, Add(Add(outputOffset, Constant(1)), first)),
        };
        // The inputs are read after xAt is set: body starts with their loads.
        cellBody.AddRange(body);
        cellBody.Add(Assign(cell, Add(cell, Constant(1))));
        cellBody.Add(Assign(first, Add(first, Constant(family.Stride))));
        cellBody.Add(Assign(constantAt, Add(constantAt, Constant(cellParameters))));
        var end = Label("end");
        var loop = Loop(
            IfThenElse(
                LessThan(cell, Constant(family.Count)),
                Block(locals, cellBody),
                Break(end)),
            end);
        var whole = Block([cell, first, constantAt, xAt, outAt, sum],
            Assign(cell, Constant(0)),
            Assign(first, Constant(family.Start)),
            Assign(constantAt, Constant(0)),
            Assign(sum, Constant(0.0)),
            loop,
            Assign(ArrayAccess(outputs, outputOffset), Add(ArrayIndex(outputs, outputOffset), sum)));
        return Lambda<CellLoop>(whole, x, xOffset, p, cellArray, outputs, outputOffset);
    }

    private static Expression Plus(Expression index, int k) => k == 0 ? index : Add(index, Constant(k));
}

/// <summary>How a kernel built by <see cref="FamilyKernels"/> splits its function.</summary>
/// <param name="Families">The number of family loops.</param>
/// <param name="Cells">The number of terms the loops cover.</param>
/// <param name="RestTerms">The number of terms in the straight-line rest.</param>
/// <param name="TemplateInstructions">The instructions of all templates together (each compiled once, as a loop body).</param>
public sealed record FamilyInfo(int Families, int Cells, int RestTerms, int TemplateInstructions);
