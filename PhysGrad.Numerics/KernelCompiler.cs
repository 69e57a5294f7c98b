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

        private bool IsZero(int slot) => InstructionEmitter.IsZero(_program, slot);

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
            // Values of earlier chunks, read from the scratch array once per chunk, on first use.
            var imported = new Dictionary<int, ParameterExpression>();
            InstructionEmitter? emitter = null;
            Expression Earlier(int slot)
            {
                var ins = instructions[slot];
                if (IsInput(ins.Op)) return Input(ins);
                if (!imported.TryGetValue(slot, out var local))
                {
                    local = Variable(typeof(double), $"s{slot}");
                    emitter!.Locals.Add(local);
                    emitter.Body.Add(Assign(local, ArrayIndex(Scratch, Constant(_scratchIndex[slot]))));
                    imported[slot] = local;
                }
                return local;
            }
            emitter = new InstructionEmitter(_program, start, end, variablesInLocals: false, Earlier);
            var body = emitter.Body;
            if (start == 0 && _clearFirst)
                body.Add(Call(FillMethod, Outputs, Constant(0.0), OutputOffset, Constant(_program.Outputs.Length)));
            for (var i = start; i < end; i++)
            {
                // A value a later chunk reads is kept in a local and stored in the scratch array too.
                var shared = _scratchIndex[i] >= 0;
                var value = emitter.Emit(i, Input, _localUses[i] > 1 || shared);
                if (shared && instructions[i].Op != OpCode.Constant)
                    body.Add(Assign(ArrayAccess(Scratch, Constant(_scratchIndex[i])), value));
                if (_outputsOf[i] is { } ks)
                    foreach (var o in ks)
                    {
                        var index = o == 0 ? (Expression)OutputOffset : Add(OutputOffset, Constant(o));
                        body.Add(Assign(ArrayAccess(Outputs, index), value));
                    }
            }
            body.Add(Empty());
            return Lambda<ChunkFunction>(Block(emitter.Locals, body), X, XOffset, P, Outputs, OutputOffset, Scratch);
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
        var uses = InstructionEmitter.Uses(program);

        // Hessians are mostly exact zeros: clear the output range in one call (vectorised) and store
        // only the other outputs, instead of one scalar store per zero.
        var clearFirst = program.Outputs.Count(slot => InstructionEmitter.IsZero(program, slot)) >= 8;
        // Each output is stored as soon as its slot is computed, which keeps live ranges short.
        var outputsOf = new List<int>?[instructions.Length];
        for (var k = 0; k < program.Outputs.Length; k++)
            if (!(clearFirst && InstructionEmitter.IsZero(program, program.Outputs[k])))
                (outputsOf[program.Outputs[k]] ??= []).Add(k);

        var emitter = new InstructionEmitter(program, 0, instructions.Length, variablesInLocals: false);
        var body = emitter.Body;
        if (clearFirst)
            body.Add(Call(FillMethod, outputs, Constant(0.0), outputOffset, Constant(program.Outputs.Length)));
        Expression Input(Instruction ins) => ins.Op switch
        {
            OpCode.Constant => Constant(program.Constants[ins.A]),
            OpCode.Variable => ArrayIndex(x, ins.A == 0 ? xOffset : Add(xOffset, Constant(ins.A))),
            _ => ArrayIndex(p, Constant(ins.A)),
        };
        for (var i = 0; i < instructions.Length; i++)
        {
            var value = emitter.Emit(i, Input, uses[i] > 1);
            if (outputsOf[i] is { } ks)
                foreach (var k in ks)
                {
                    var index = k == 0 ? (Expression)outputOffset : Add(outputOffset, Constant(k));
                    body.Add(Assign(ArrayAccess(outputs, index), value));
                }
        }
        body.Add(Empty());
        return Lambda<KernelFunction>(Block(emitter.Locals, body), x, xOffset, p, outputs, outputOffset);
    }
}

/// <summary>
/// The instruction emission every compiled kernel shares (straight-line kernels, their chunks, and the loop
/// bodies of <see cref="FamilyKernels"/> and <see cref="ComponentFamilyKernels"/>): each instruction becomes
/// its operation (<see cref="KernelCompiler.Operation"/>) on its operands' expressions; a value the caller
/// keeps (used more than once) or nested deeper than <see cref="MaxInlineDepth"/> is assigned to a local
/// once, anything else is inlined into its single user, so the expression compilers never recurse deeply
/// and no value is computed twice. Constants are always inlined (cheaper than a local), and so are
/// variables when the caller has read them into locals already (a loop's local inputs).
/// </summary>
internal sealed class InstructionEmitter
{
    /// <summary>Inlined expressions nest at most this deep; deeper ones are stored in a local.</summary>
    public const int MaxInlineDepth = 32;

    private readonly StraightLineProgram _program;
    private readonly int _start;
    private readonly bool _variablesInLocals;
    private readonly Func<int, Expression>? _earlier;
    private readonly Expression[] _values;
    private readonly int[] _depth;

    /// <summary>
    /// An emitter for the instructions <paramref name="start"/> … <paramref name="end"/> − 1 of
    /// <paramref name="program"/>; an operand below <paramref name="start"/> (an earlier chunk's) is
    /// <paramref name="earlier"/>'s expression, at depth 0.
    /// </summary>
    public InstructionEmitter(StraightLineProgram program, int start, int end, bool variablesInLocals, Func<int, Expression>? earlier = null)
    {
        _program = program;
        _start = start;
        _variablesInLocals = variablesInLocals;
        _earlier = earlier;
        _values = new Expression[end - start];
        _depth = new int[end - start];
    }

    /// <summary>The locals the emitted statements assign.</summary>
    public List<ParameterExpression> Locals { get; } = [];

    /// <summary>The statements so far; callers add theirs (output stores) between instructions.</summary>
    public List<Expression> Body { get; } = [];

    private Expression Value(int slot) => slot >= _start ? _values[slot - _start] : _earlier!(slot);

    private int DepthOf(int slot) => slot >= _start ? _depth[slot - _start] : 0;

    /// <summary>
    /// Emits instruction <paramref name="i"/> and returns the expression that stands for its value from
    /// now on (a local, or the inlined expression). <paramref name="input"/> gives the expression of a
    /// constant, variable or parameter; <paramref name="keep"/> asks for a local (a value read twice).
    /// </summary>
    public Expression Emit(int i, Func<Instruction, Expression> input, bool keep)
    {
        var ins = _program.Instructions[i];
        Expression e;
        int d;
        if (ins.Op is OpCode.Constant or OpCode.Variable or OpCode.Parameter)
        {
            e = input(ins);
            d = 0;
        }
        else if (KernelCompiler.IsUnary(ins.Op))
        {
            e = KernelCompiler.Operation(ins.Op, Value(ins.A), Value(ins.A));
            d = DepthOf(ins.A) + 1;
        }
        else
        {
            e = KernelCompiler.Operation(ins.Op, Value(ins.A), Value(ins.B));
            d = Math.Max(DepthOf(ins.A), DepthOf(ins.B)) + 1;
        }
        var inline = ins.Op == OpCode.Constant || (_variablesInLocals && ins.Op == OpCode.Variable);
        var at = i - _start;
        if (!inline && (keep || d > MaxInlineDepth))
        {
            var local = Variable(typeof(double), $"s{i}");
            Locals.Add(local);
            Body.Add(Assign(local, e));
            _values[at] = local;
            _depth[at] = 0;
        }
        else
        {
            _values[at] = e;
            _depth[at] = d;
        }
        return _values[at];
    }

    /// <summary>How often each slot is read: once per operand use, and 2 more for an output (always materialised).</summary>
    public static int[] Uses(StraightLineProgram program)
    {
        var instructions = program.Instructions;
        var uses = new int[instructions.Length];
        foreach (var ins in instructions)
        {
            if (ins.Op is OpCode.Constant or OpCode.Variable or OpCode.Parameter) continue;
            uses[ins.A]++;
            if (!KernelCompiler.IsUnary(ins.Op)) uses[ins.B]++;
        }
        foreach (var o in program.Outputs) uses[o] += 2;
        return uses;
    }

    /// <summary>Whether a slot is the constant 0 (an output that needs no store where the outputs were cleared).</summary>
    public static bool IsZero(StraightLineProgram program, int slot) =>
        program.Instructions[slot].Op == OpCode.Constant && program.Constants[program.Instructions[slot].A] == 0.0;
}
