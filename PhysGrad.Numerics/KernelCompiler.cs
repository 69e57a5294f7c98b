using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using FastExpressionCompiler;
using PhysGrad.Symbolic;
using static System.Linq.Expressions.Expression;

namespace PhysGrad.Numerics;

/// <summary>
/// Compiles straight-line programs into delegates through System.Linq.Expressions: one local per
/// slot that is used more than once, single-use slots inlined into their consumer, every output
/// stored once. FastExpressionCompiler compiles where it can (it is much faster to compile);
/// System.Linq.Expressions' own compiler is the fallback. Kernels are cached by program.
/// </summary>
public static class KernelCompiler
{
    /// <summary>Inlined expressions nest at most this deep; deeper ones are stored in a local, so the
    /// expression compilers never recurse deeply.</summary>
    private const int MaxInlineDepth = 32;

    private static readonly ConcurrentDictionary<ulong, CompiledKernel[]> Cache = new();

    private static readonly MethodInfo Pow = typeof(Math).GetMethod(nameof(Math.Pow), [typeof(double), typeof(double)])!;
    private static readonly MethodInfo Atan2 = typeof(Math).GetMethod(nameof(Math.Atan2), [typeof(double), typeof(double)])!;
    private static readonly ConstantExpression PlusZero = Constant(0.0);
    private static readonly MethodInfo SignMethod = typeof(KernelCompiler).GetMethod(nameof(Sign), BindingFlags.Public | BindingFlags.Static)!;

    private static readonly MethodInfo Log1pMethod = typeof(Elementary).GetMethod(nameof(Elementary.Log1p), BindingFlags.Public | BindingFlags.Static)!;
    private static readonly MethodInfo Expm1Method = typeof(Elementary).GetMethod(nameof(Elementary.Expm1), BindingFlags.Public | BindingFlags.Static)!;

    /// <summary>sign(x) as a double, NaN for NaN (Math.Sign throws on NaN).</summary>
    public static double Sign(double x) => Elementary.sign(x);

    // The generic Fill is vectorised and skips the type and rank checks of the non-generic Array.Clear.
    private static readonly MethodInfo FillMethod = typeof(Array).GetMethods()
        .Single(m => m.Name == nameof(Array.Fill) && m.GetParameters().Length == 4)
        .MakeGenericMethod(typeof(double));

    private static MethodInfo Unary(string name) => typeof(Math).GetMethod(name, [typeof(double)])!;

    /// <summary>The compiled kernel for a program, from the cache when the same program was compiled before.</summary>
    public static CompiledKernel Compile(StraightLineProgram program)
    {
        if (Cache.TryGetValue(program.Hash, out var bucket))
            foreach (var k in bucket)
                if (k.Program.SameAs(program))
                    return k;
        var kernel = CompileUncached(program, preferFast: true);
        Cache.AddOrUpdate(program.Hash, [kernel], (_, old) => [.. old, kernel]);
        return kernel;
    }

    /// <summary>
    /// Programs longer than this run on <see cref="ProgramInterpreter"/> instead of being compiled:
    /// compiling a million-instruction method takes the JIT tens of seconds, interpreting it once takes
    /// milliseconds (measured in RELIABILITY.md).
    /// </summary>
    public const int MaxCompiledInstructions = 100_000;

    /// <summary>Compiles without the cache; <paramref name="preferFast"/> false forces System.Linq.Expressions.</summary>
    public static CompiledKernel CompileUncached(StraightLineProgram program, bool preferFast)
    {
        if (program.Instructions.Length > MaxCompiledInstructions)
        {
            var n = program.Variables.Length;
            var m = program.Outputs.Length;
            return new CompiledKernel(program,
                (x, xOffset, p, outputs, outputOffset) =>
                    ProgramInterpreter.Evaluate(program, x.AsSpan(xOffset, n), p, outputs.AsSpan(outputOffset, m)),
                fast: false, interpreted: true);
        }
        var lambda = BuildLambda(program);
        KernelFunction? function = null;
        if (preferFast)
            function = lambda.CompileFast(ifFastFailedReturnNull: true);
        var fast = function is not null;
        function ??= lambda.Compile();
        return new CompiledKernel(program, function, fast);
    }

    /// <summary>The expression tree of a program (exposed for inspection and tests).</summary>
    public static Expression<KernelFunction> BuildLambda(StraightLineProgram program)
    {
        var x = Parameter(typeof(double[]), "x");
        var xOffset = Parameter(typeof(int), "xOffset");
        var p = Parameter(typeof(double[]), "p");
        var outputs = Parameter(typeof(double[]), "outputs");
        var outputOffset = Parameter(typeof(int), "outputOffset");

        var instructions = program.Instructions;
        var uses = new int[instructions.Length];
        foreach (var ins in instructions)
        {
            switch (ins.Op)
            {
                case OpCode.Constant or OpCode.Variable or OpCode.Parameter:
                    break;
                case OpCode.Negate or OpCode.Sqrt or >= OpCode.Sin:
                    uses[ins.A]++;
                    break;
                default:
                    uses[ins.A]++;
                    uses[ins.B]++;
                    break;
            }
        }
        foreach (var o in program.Outputs) uses[o] += 2; // an output is always materialised

        // Hessians are mostly exact zeros: clear the output range in one call (vectorised) and store
        // only the other outputs, instead of one scalar store per zero.
        bool IsZero(int slot) =>
            instructions[slot].Op == OpCode.Constant && program.Constants[instructions[slot].A] == 0.0;
        var clearFirst = program.Outputs.Count(IsZero) >= 8;
        // Each output is stored as soon as its slot is computed, which keeps live ranges short.
        var outputsOf = new List<int>?[instructions.Length];
        for (var k = 0; k < program.Outputs.Length; k++)
            if (!(clearFirst && IsZero(program.Outputs[k])))
                (outputsOf[program.Outputs[k]] ??= []).Add(k);

        var values = new Expression[instructions.Length];
        var depth = new int[instructions.Length];
        var locals = new List<ParameterExpression>();
        var body = new List<Expression>();
        if (clearFirst)
            body.Add(Call(FillMethod, outputs, Constant(0.0), outputOffset, Constant(program.Outputs.Length)));
        for (var i = 0; i < instructions.Length; i++)
        {
            var ins = instructions[i];
            Expression e = ins.Op switch
            {
                OpCode.Constant => Constant(program.Constants[ins.A]),
                OpCode.Variable => ArrayIndex(x, ins.A == 0 ? xOffset : Add(xOffset, Constant(ins.A))),
                OpCode.Parameter => ArrayIndex(p, Constant(ins.A)),
                OpCode.Add => Add(values[ins.A], values[ins.B]),
                OpCode.Subtract => Subtract(values[ins.A], values[ins.B]),
                OpCode.Multiply => Multiply(values[ins.A], values[ins.B]),
                OpCode.Divide => Divide(values[ins.A], values[ins.B]),
                OpCode.Negate => Negate(values[ins.A]),
                OpCode.Power => Call(Pow, values[ins.A], values[ins.B]),
                OpCode.Sqrt => Call(Unary(nameof(Math.Sqrt)), values[ins.A]),
                // As Elementary.atan2: y + 0.0 turns −0.0 into +0.0, so atan2(−0.0, −1) is π.
                OpCode.Atan2 => Call(Atan2, Add(values[ins.A], PlusZero), values[ins.B]),
                OpCode.Sign => Call(SignMethod, values[ins.A]),
                // .NET's double.LogP1/ExpM1 compute log(1 + x) and exp(x) − 1 as written, losing the
                // digits these functions exist for; PhysGrad's own forms keep them.
                OpCode.Log1p => Call(Log1pMethod, values[ins.A]),
                OpCode.Expm1 => Call(Expm1Method, values[ins.A]),
                _ => Call(Unary(ins.Op.ToString()), values[ins.A]),
            };
            var d = ins.Op switch
            {
                OpCode.Constant or OpCode.Variable or OpCode.Parameter => 0,
                OpCode.Negate or OpCode.Sqrt or >= OpCode.Sin => depth[ins.A] + 1,
                _ => Math.Max(depth[ins.A], depth[ins.B]) + 1,
            };
            // Constants are cheaper inline than in a local; anything used twice, or nested deeply, is stored.
            if (ins.Op != OpCode.Constant && (uses[i] > 1 || d > MaxInlineDepth))
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
                    var index = k == 0 ? (Expression)outputOffset : Add(outputOffset, Constant(k));
                    body.Add(Assign(ArrayAccess(outputs, index), values[i]));
                }
        }
        body.Add(Empty());
        return Lambda<KernelFunction>(Block(locals, body), x, xOffset, p, outputs, outputOffset);
    }
}
