using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// The signature of a compiled program: reads the variables from <c>x[xOffset..]</c> and the
/// parameters from <c>p</c>, writes the outputs to <c>outputs[outputOffset..]</c>. Pure and allocation-free.
/// </summary>
public delegate void KernelFunction(double[] x, int xOffset, double[] p, double[] outputs, int outputOffset);

/// <summary>
/// A straight-line program compiled to a delegate. Thread-safe: it keeps no state between calls.
/// </summary>
public sealed class CompiledKernel
{
    private static readonly double[] NoParameters = [];
    private readonly KernelFunction _function;
    private readonly KernelShape _shape;

    internal CompiledKernel(StraightLineProgram program, KernelFunction function, bool fast, int chunkCount = 1, FamilyInfo? families = null,
        KernelShape? shape = null)
    {
        Families = families;
        _shape = shape ?? new KernelShape(program.Variables.Length, program.Parameters.Length, program.Outputs.Length);
        Program = program;
        _function = function;
        UsedFastCompiler = fast;
        ChunkCount = chunkCount;
    }

    /// <summary>
    /// The number of methods the program was compiled into: 1 up to
    /// <see cref="KernelCompiler.ChunkInstructions"/> instructions, more above (each a slice of the
    /// program, run in order on a shared scratch array).
    /// </summary>
    public int ChunkCount { get; }

    /// <summary>
    /// For a kernel built by <see cref="FamilyKernels"/>: its family loops. <see cref="Program"/> is then
    /// only the straight-line rest, over the variables the rest reads (the kernel's own inputs and
    /// outputs are <see cref="VariableCount"/>, <see cref="ParameterCount"/> and <see cref="OutputCount"/>).
    /// Null for a plain straight-line kernel.
    /// </summary>
    public FamilyInfo? Families { get; }

    /// <summary>The program this kernel runs (for a family kernel, the straight-line rest only; see <see cref="Families"/>).</summary>
    public StraightLineProgram Program { get; }

    /// <summary>Whether FastExpressionCompiler compiled it (otherwise System.Linq.Expressions did).</summary>
    public bool UsedFastCompiler { get; }

    /// <summary>The number of variables read per point.</summary>
    public int VariableCount => _shape.Variables;

    /// <summary>The number of parameters.</summary>
    public int ParameterCount => _shape.Parameters;

    /// <summary>The number of outputs written per point.</summary>
    public int OutputCount => _shape.Outputs;

    /// <summary>The raw delegate, for callers that manage offsets themselves (no checks).</summary>
    public KernelFunction Function => _function;

    /// <summary>Evaluates at one point: <paramref name="outputs"/> receives <see cref="OutputCount"/> values.</summary>
    public void Evaluate(double[] x, double[] outputs) => Evaluate(x, NoParameters, outputs);

    /// <summary>Evaluates at one point with parameters.</summary>
    public void Evaluate(double[] x, double[] parameters, double[] outputs)
    {
        Check(x.Length, VariableCount, "variables");
        Check(parameters.Length, ParameterCount, "parameters");
        Check(outputs.Length, OutputCount, "outputs");
        _function(x, 0, parameters, outputs, 0);
    }

    /// <summary>
    /// Evaluates at <c>points.Length / VariableCount</c> points stored row by row, writing
    /// <see cref="OutputCount"/> values per point into <paramref name="outputs"/>, in parallel when the work is large.
    /// </summary>
    public void EvaluateBatch(double[] points, double[] parameters, double[] outputs, int parallelThreshold = 4096)
    {
        var n = VariableCount;
        var m = OutputCount;
        if (n == 0) throw new ArgumentException("A batch needs at least one variable per point.", nameof(points));
        if (points.Length % n != 0)
            throw new ArgumentException(
                $"The batch holds {NumberText.Count(points.Length, "number")}, which is not a whole number of points of {NumberText.Count(n, "variable")}.", nameof(points));
        var count = points.Length / n;
        Check(parameters.Length, ParameterCount, "parameters");
        Check(outputs.Length, count * m, "outputs");
        var f = _function;
        // Work per point ~ program size; parallelism pays only above a few thousand slot evaluations.
        if ((long)count * Program.SlotCount < parallelThreshold * 64L || count < 2 * Environment.ProcessorCount)
        {
            for (var i = 0; i < count; i++) f(points, i * n, parameters, outputs, i * m);
            return;
        }
        Parallel.ForEach(
            System.Collections.Concurrent.Partitioner.Create(0, count),
            range =>
            {
                for (var i = range.Item1; i < range.Item2; i++) f(points, i * n, parameters, outputs, i * m);
            });
    }

    private static void Check(int actual, int expected, string what)
    {
        if (actual < expected)
            throw new ArgumentException($"The kernel needs {expected} {what} but the array holds {actual}.");
    }
}

/// <summary>The inputs and outputs of a kernel whose function is more than its <see cref="CompiledKernel.Program"/>.</summary>
internal readonly record struct KernelShape(int Variables, int Parameters, int Outputs);
