using System.Buffers;
using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using FastExpressionCompiler;
using PhysGrad.Symbolic;
using static System.Linq.Expressions.Expression;

namespace PhysGrad.Numerics;

/// <summary>
/// One chunk of a program compiled in several methods: the arguments of <see cref="KernelFunction"/>
/// and the scratch array through which the chunks pass values computed in one and read in a later one.
/// </summary>
public delegate void ChunkFunction(double[] x, int xOffset, double[] p, double[] outputs, int outputOffset, double[] scratch);

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
    /// Programs longer than this are compiled as several methods of at most this many instructions
    /// each (see <see cref="BuildChunks"/>). One method per program made large kernels slow to compile
    /// (a million instructions took the JIT 23 s, RELIABILITY.md), so they were interpreted; in chunks
    /// compile time is linear. The size keeps each method below the thresholds at which the JIT's
    /// defaults switch to minimal optimisation (20,000 IL instructions, 2,000 locals; not measured
    /// here). Compile and run times in BENCHMARKS.md (issue 14).
    /// </summary>
    public const int ChunkInstructions = 2_000;

    /// <summary>Compiles without the cache; <paramref name="preferFast"/> false forces System.Linq.Expressions.</summary>
    public static CompiledKernel CompileUncached(StraightLineProgram program, bool preferFast) =>
        CompileUncached(program, preferFast, ChunkInstructions);

    /// <summary>
    /// Compiles without the cache, splitting programs longer than <paramref name="chunkInstructions"/>
    /// instructions into methods of at most that many (exposed so tests can chunk small programs).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkInstructions"/> is below 1.</exception>
    public static CompiledKernel CompileUncached(StraightLineProgram program, bool preferFast, int chunkInstructions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkInstructions, 1);
        if (program.Instructions.Length > chunkInstructions)
            return CompileChunked(program, preferFast, chunkInstructions);
        var lambda = BuildLambda(program);
        KernelFunction? function = null;
        if (preferFast)
            function = lambda.CompileFast(ifFastFailedReturnNull: true);
        var fast = function is not null;
        function ??= lambda.Compile();
        return new CompiledKernel(program, function, fast);
    }

    private static CompiledKernel CompileChunked(StraightLineProgram program, bool preferFast, int chunkInstructions)
    {
        var plan = new ChunkPlan(program, chunkInstructions);
        var chunks = new ChunkFunction[plan.ChunkCount];
        var allFast = true;
        var scratchLength = plan.ScratchLength;
        // The chunks are independent methods: build and compile them on all cores, one at a time per
        // core (so the expression trees of the whole program never exist at once), and call each once
        // on a throw-away input so that the JIT's work is done here rather than in the first
        // evaluation. (The warm-up's writes race between threads; they are thrown away.)
        var warmX = new double[program.Variables.Length];
        var warmP = new double[program.Parameters.Length];
        var warmOutputs = new double[program.Outputs.Length];
        var warmScratch = new double[scratchLength];
        Parallel.For(0, chunks.Length, k =>
        {
            var lambda = plan.Build(k);
            ChunkFunction? f = null;
            if (preferFast)
                f = lambda.CompileFast(ifFastFailedReturnNull: true);
            if (f is null)
            {
                allFast = false;
                f = lambda.Compile();
            }
            f(warmX, 0, warmP, warmOutputs, 0, warmScratch);
            chunks[k] = f;
        });
        KernelFunction function = (x, xOffset, p, outputs, outputOffset) =>
        {
            // Pooled, so a call allocates nothing in steady state and calls on several threads do not share.
            var scratch = ArrayPool<double>.Shared.Rent(scratchLength);
            try
            {
                foreach (var chunk in chunks)
                    chunk(x, xOffset, p, outputs, outputOffset, scratch);
            }
            finally
            {
                ArrayPool<double>.Shared.Return(scratch);
            }
        };
        return new CompiledKernel(program, function, preferFast && allFast, chunkCount: chunks.Length);
    }

    /// <summary>
    /// The expression trees of a program split into methods of at most <paramref name="chunkInstructions"/>
    /// instructions, run one after the other on the same arguments and a shared scratch array of
    /// <paramref name="scratchLength"/> numbers. A slot computed in one chunk and read in a later one
    /// goes through the scratch array; constants, variables and parameters are read again where needed.
    /// Each chunk is built like <see cref="BuildLambda"/> (locals for shared values, outputs stored as
    /// soon as computed), so the chunked kernel computes the same operations in the same order.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="chunkInstructions"/> is below 1.</exception>
    public static List<Expression<ChunkFunction>> BuildChunks(StraightLineProgram program, int chunkInstructions, out int scratchLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkInstructions, 1);
        var plan = new ChunkPlan(program, chunkInstructions);
        scratchLength = plan.ScratchLength;
        return Enumerable.Range(0, plan.ChunkCount).Select(plan.Build).ToList();
    }

    /// <summary>
    /// What the chunks of one program share, decided once: which slots each chunk keeps in a local
    /// (used more than once there), which go through the scratch array (used in a later chunk), and
    /// where each output is stored. <see cref="Build"/> only reads it, so chunks build in parallel.
    /// </summary>
    private sealed class ChunkPlan
    {
        private static readonly ParameterExpression X = Parameter(typeof(double[]), "x");
        private static readonly ParameterExpression XOffset = Parameter(typeof(int), "xOffset");
        private static readonly ParameterExpression P = Parameter(typeof(double[]), "p");
        private static readonly ParameterExpression Outputs = Parameter(typeof(double[]), "outputs");
        private static readonly ParameterExpression OutputOffset = Parameter(typeof(int), "outputOffset");
        private static readonly ParameterExpression Scratch = Parameter(typeof(double[]), "scratch");

        private readonly StraightLineProgram _program;
        private readonly int _size;
        private readonly int[] _localUses;
        private readonly int[] _scratchIndex;
        private readonly List<int>?[] _outputsOf;
        private readonly bool _clearFirst;

        public ChunkPlan(StraightLineProgram program, int chunkInstructions)
        {
            _program = program;
            _size = chunkInstructions;
            var instructions = program.Instructions;
            var count = instructions.Length;
            ChunkCount = (count + chunkInstructions - 1) / chunkInstructions;
            // Uses within the defining chunk decide a local; uses from later chunks decide a scratch entry.
            _localUses = new int[count];
            _scratchIndex = new int[count];
            Array.Fill(_scratchIndex, -1);
            var scratchCount = 0;
            void Use(int slot, int user)
            {
                if (slot / _size == user / _size) _localUses[slot]++;
                else if (!IsInput(instructions[slot].Op) && _scratchIndex[slot] < 0) _scratchIndex[slot] = scratchCount++;
            }
            for (var i = 0; i < count; i++)
            {
                var ins = instructions[i];
                switch (ins.Op)
                {
                    case OpCode.Constant or OpCode.Variable or OpCode.Parameter:
                        break;
                    case OpCode.Negate or OpCode.Sqrt or >= OpCode.Sin:
                        Use(ins.A, i);
                        break;
                    default:
                        Use(ins.A, i);
                        Use(ins.B, i);
                        break;
                }
            }
            foreach (var o in program.Outputs) _localUses[o] += 2; // an output is always materialised
            ScratchLength = scratchCount;
            _clearFirst = program.Outputs.Count(IsZero) >= 8;
            _outputsOf = new List<int>?[count];
            for (var k = 0; k < program.Outputs.Length; k++)
                if (!(_clearFirst && IsZero(program.Outputs[k])))
                    (_outputsOf[program.Outputs[k]] ??= []).Add(k);
        }

        public int ChunkCount { get; }

        public int ScratchLength { get; }

        private static bool IsInput(OpCode op) => op is OpCode.Constant or OpCode.Variable or OpCode.Parameter;

        private bool IsZero(int slot) =>
            _program.Instructions[slot].Op == OpCode.Constant && _program.Constants[_program.Instructions[slot].A] == 0.0;

        private Expression Input(Instruction ins) => ins.Op switch
        {
            OpCode.Constant => Constant(_program.Constants[ins.A]),
            OpCode.Variable => ArrayIndex(X, ins.A == 0 ? XOffset : Add(XOffset, Constant(ins.A))),
            _ => ArrayIndex(P, Constant(ins.A)),
        };

        /// <summary>The expression tree of chunk <paramref name="k"/>.</summary>
        public Expression<ChunkFunction> Build(int k)
        {
            var instructions = _program.Instructions;
            var start = k * _size;
            var end = Math.Min(instructions.Length, start + _size);
            var values = new Expression[end - start];
            var depth = new int[end - start];
            var locals = new List<ParameterExpression>();
            var body = new List<Expression>();
            // Values of earlier chunks, read from the scratch array once per chunk, on first use.
            var imported = new Dictionary<int, ParameterExpression>();
            Expression Get(int slot)
            {
                if (slot >= start) return values[slot - start];
                var ins = instructions[slot];
                if (IsInput(ins.Op)) return Input(ins);
                if (!imported.TryGetValue(slot, out var local))
                {
                    local = Variable(typeof(double), $"s{slot}");
                    locals.Add(local);
                    body.Add(Assign(local, ArrayIndex(Scratch, Constant(_scratchIndex[slot]))));
                    imported[slot] = local;
                }
                return local;
            }
            int DepthOf(int slot) => slot >= start ? depth[slot - start] : 0;
            if (start == 0 && _clearFirst)
                body.Add(Call(FillMethod, Outputs, Constant(0.0), OutputOffset, Constant(_program.Outputs.Length)));
            for (var i = start; i < end; i++)
            {
                var ins = instructions[i];
                Expression e = ins.Op switch
                {
                    OpCode.Constant or OpCode.Variable or OpCode.Parameter => Input(ins),
                    OpCode.Add => Add(Get(ins.A), Get(ins.B)),
                    OpCode.Subtract => Subtract(Get(ins.A), Get(ins.B)),
                    OpCode.Multiply => Multiply(Get(ins.A), Get(ins.B)),
                    OpCode.Divide => Divide(Get(ins.A), Get(ins.B)),
                    OpCode.Negate => Negate(Get(ins.A)),
                    OpCode.Power => Call(Pow, Get(ins.A), Get(ins.B)),
                    OpCode.Sqrt => Call(Unary(nameof(Math.Sqrt)), Get(ins.A)),
                    // As in BuildLambda: y + 0.0 turns −0.0 into +0.0, so atan2(−0.0, −1) is π.
                    OpCode.Atan2 => Call(Atan2, Add(Get(ins.A), PlusZero), Get(ins.B)),
                    OpCode.Sign => Call(SignMethod, Get(ins.A)),
                    OpCode.Log1p => Call(Log1pMethod, Get(ins.A)),
                    OpCode.Expm1 => Call(Expm1Method, Get(ins.A)),
                    _ => Call(Unary(ins.Op.ToString()), Get(ins.A)),
                };
                var d = ins.Op switch
                {
                    OpCode.Constant or OpCode.Variable or OpCode.Parameter => 0,
                    OpCode.Negate or OpCode.Sqrt or >= OpCode.Sin => DepthOf(ins.A) + 1,
                    _ => Math.Max(DepthOf(ins.A), DepthOf(ins.B)) + 1,
                };
                var shared = _scratchIndex[i] >= 0;
                if (ins.Op != OpCode.Constant && (_localUses[i] > 1 || d > MaxInlineDepth || shared))
                {
                    var local = Variable(typeof(double), $"s{i}");
                    locals.Add(local);
                    body.Add(Assign(local, e));
                    if (shared)
                        body.Add(Assign(ArrayAccess(Scratch, Constant(_scratchIndex[i])), local));
                    values[i - start] = local;
                    depth[i - start] = 0;
                }
                else
                {
                    values[i - start] = e;
                    depth[i - start] = d;
                }
                if (_outputsOf[i] is { } ks)
                    foreach (var o in ks)
                    {
                        var index = o == 0 ? (Expression)OutputOffset : Add(OutputOffset, Constant(o));
                        body.Add(Assign(ArrayAccess(Outputs, index), values[i - start]));
                    }
            }
            body.Add(Empty());
            return Lambda<ChunkFunction>(Block(locals, body), X, XOffset, P, Outputs, OutputOffset, Scratch);
        }
    }

    /// <summary>
    /// The expression of one arithmetic instruction on operand expressions <paramref name="a"/> and
    /// <paramref name="b"/> (b unused by unary operations), as the straight-line kernels compute it.
    /// </summary>
    internal static Expression Operation(OpCode op, Expression a, Expression b) => op switch
    {
        OpCode.Add => Add(a, b),
        OpCode.Subtract => Subtract(a, b),
        OpCode.Multiply => Multiply(a, b),
        OpCode.Divide => Divide(a, b),
        OpCode.Negate => Negate(a),
        OpCode.Power => Call(Pow, a, b),
        OpCode.Sqrt => Call(Unary(nameof(Math.Sqrt)), a),
        OpCode.Atan2 => Call(Atan2, Add(a, PlusZero), b),
        OpCode.Sign => Call(SignMethod, a),
        OpCode.Log1p => Call(Log1pMethod, a),
        OpCode.Expm1 => Call(Expm1Method, a),
        _ => Call(Unary(op.ToString()), a),
    };

    /// <summary>Whether an instruction reads one operand (A) rather than two.</summary>
    internal static bool IsUnary(OpCode op) => op is OpCode.Negate or OpCode.Sqrt or >= OpCode.Sin;

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
