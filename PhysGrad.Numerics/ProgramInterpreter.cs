using System.Buffers;
using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>
/// A virtual machine that runs a straight-line program instruction by instruction: for hosts without
/// a JIT, and as an independent check of the compiler. Thread-safe; its scratch space is pooled, so a
/// call allocates nothing in steady state.
/// </summary>
public static class ProgramInterpreter
{
    /// <summary>Runs <paramref name="program"/> on one point.</summary>
    public static void Evaluate(StraightLineProgram program, ReadOnlySpan<double> x, ReadOnlySpan<double> p, Span<double> outputs) =>
        Evaluate(program, x, p, outputs, out _);

    /// <summary>
    /// Runs <paramref name="program"/> on one point and reports the largest finite magnitude of any
    /// intermediate value: the scale that rounding differences between evaluators are relative to.
    /// </summary>
    public static void Evaluate(
        StraightLineProgram program, ReadOnlySpan<double> x, ReadOnlySpan<double> p, Span<double> outputs, out double scale) =>
        Evaluate(program, x, p, outputs, out scale, out _);

    /// <summary>
    /// Runs <paramref name="program"/> on one point, reports the largest finite magnitude of any
    /// intermediate value (<paramref name="scale"/>) and whether any intermediate is not finite
    /// (<paramref name="overflowed"/>: cosh(934) is ∞). Past such a value the outputs are no roundings of
    /// the true values, and two programs for one quantity may disagree in kind there (tanh·sech gives 0
    /// where sinh/cosh² gives ∞/∞ = NaN), so evaluators compare only where neither overflowed.
    /// </summary>
    public static void Evaluate(
        StraightLineProgram program, ReadOnlySpan<double> x, ReadOnlySpan<double> p, Span<double> outputs, out double scale, out bool overflowed)
    {
        if (x.Length < program.Variables.Length)
            throw new ArgumentException($"The program needs {NumberText.Count(program.Variables.Length, "variable")} but got {x.Length}.", nameof(x));
        if (p.Length < program.Parameters.Length)
            throw new ArgumentException($"The program needs {NumberText.Count(program.Parameters.Length, "parameter")} but got {p.Length}.", nameof(p));
        if (outputs.Length < program.Outputs.Length)
            throw new ArgumentException($"The program writes {NumberText.Count(program.Outputs.Length, "output")} but the span holds {outputs.Length}.", nameof(outputs));
        var instructions = program.Instructions;
        var constants = program.Constants;
        var scratch = ArrayPool<double>.Shared.Rent(instructions.Length);
        try
        {
            var s = scratch.AsSpan(0, instructions.Length);
            for (var i = 0; i < instructions.Length; i++)
            {
                var ins = instructions[i];
                s[i] = ins.Op switch
                {
                    OpCode.Constant => constants[ins.A],
                    OpCode.Variable => x[ins.A],
                    OpCode.Parameter => p[ins.A],
                    _ => Apply(ins.Op, s[ins.A], IsBinary(ins.Op) ? s[ins.B] : 0, i),
                };
            }
            var o = program.Outputs;
            for (var k = 0; k < o.Length; k++) outputs[k] = s[o[k]];
            scale = 0;
            overflowed = false;
            foreach (var v in s)
                if (!double.IsFinite(v)) overflowed = true;
                else if (Math.Abs(v) > scale) scale = Math.Abs(v);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(scratch);
        }
    }

    /// <summary>
    /// The first slot of <paramref name="program"/> computed from constants alone (no variable or parameter
    /// below it) whose value is not finite while its operands are: a closed subexpression that overflows
    /// doubles at every point (exp(800), 5.2E+173 × 5.2E+173: ±∞ from finite operands), with its operation and
    /// operands; null when every closed slot is finite or stems from a non-finite one.
    /// </summary>
    public static ClosedOverflow? FirstClosedOverflow(StraightLineProgram program)
    {
        var instructions = program.Instructions;
        var constants = program.Constants;
        // NaN for a slot that depends on a variable or parameter; its closed value otherwise.
        var closed = new double[instructions.Length];
        var isClosed = new bool[instructions.Length];
        for (var i = 0; i < instructions.Length; i++)
        {
            var ins = instructions[i];
            if (ins.Op == OpCode.Constant)
            {
                (closed[i], isClosed[i]) = (constants[ins.A], true);
                continue;
            }
            if (ins.Op is OpCode.Variable or OpCode.Parameter) continue;
            var binary = IsBinary(ins.Op);
            if (!isClosed[ins.A] || (binary && !isClosed[ins.B])) continue;
            var (a, b) = (closed[ins.A], binary ? closed[ins.B] : 0);
            var v = Apply(ins.Op, a, b, i);
            (closed[i], isClosed[i]) = (v, true);
            // Overflow only: a division by 0 or log(0) is no constant beyond doubles (and the symbolic core refuses the first).
            if (double.IsInfinity(v) && double.IsFinite(a) && double.IsFinite(b) && ins.Op is not (OpCode.Divide or OpCode.Log or OpCode.Log1p)
                && !(ins.Op == OpCode.Power && a == 0))
                return new(ins.Op, a, binary ? b : null, v);
        }
        return null;
    }

    private static bool IsBinary(OpCode op) => op is OpCode.Add or OpCode.Subtract or OpCode.Multiply or OpCode.Divide or OpCode.Power or OpCode.Atan2;

    // One operation on its operand values (b unused by the unary ones).
    private static double Apply(OpCode op, double a, double b, int slot) => op switch
    {
        OpCode.Add => a + b,
        OpCode.Subtract => a - b,
        OpCode.Multiply => a * b,
        OpCode.Divide => a / b,
        OpCode.Negate => -a,
        OpCode.Power => Math.Pow(a, b),
        OpCode.Sqrt => Math.Sqrt(a),
        OpCode.Atan2 => Elementary.Atan2(a, b),
        OpCode.Sin => Math.Sin(a),
        OpCode.Cos => Math.Cos(a),
        OpCode.Tan => Math.Tan(a),
        OpCode.Asin => Math.Asin(a),
        OpCode.Acos => Math.Acos(a),
        OpCode.Atan => Math.Atan(a),
        OpCode.Sinh => Math.Sinh(a),
        OpCode.Cosh => Math.Cosh(a),
        OpCode.Tanh => Math.Tanh(a),
        OpCode.Exp => Math.Exp(a),
        OpCode.Log => Math.Log(a),
        OpCode.Abs => Math.Abs(a),
        OpCode.Sign => KernelCompiler.Sign(a),
        OpCode.Log1p => Elementary.Log1p(a),
        OpCode.Expm1 => Elementary.Expm1(a),
        _ => throw new InvalidOperationException($"Unknown operation {op} at slot {slot}."),
    };
}

/// <summary>
/// A closed subexpression of a program whose value overflows doubles (<see cref="ProgramInterpreter.FirstClosedOverflow"/>).
/// </summary>
/// <param name="Op">The operation.</param>
/// <param name="A">Its first (or only) operand's value, finite.</param>
/// <param name="B">Its second operand's value, finite; null for a function of one argument.</param>
/// <param name="Value">The result, ±∞ or NaN.</param>
public sealed record ClosedOverflow(OpCode Op, double A, double? B, double Value)
{
    /// <summary>
    /// What overflows and what to do, in the words of the symbolic core's folding of constants
    /// (<c>The constants of a product, 5.22E+173 × 5.22E+173, give Infinity in doubles …</c>; <c>The constant
    /// exp(800) gives Infinity in doubles …</c>).
    /// </summary>
    public string Describe()
    {
        var (what, symbol) = Op switch
        {
            OpCode.Add => ("sum", "+"),
            OpCode.Subtract => ("difference", "−"),
            OpCode.Multiply => ("product", "×"),
            OpCode.Divide => ("quotient", "/"),
            OpCode.Power => ("power", "^"),
            _ => ("", ""),
        };
        return B is { } b && symbol != ""
            ? ExprModule.OverflowMessage(what, symbol, A, b, Value)
            : ExprModule.OverflowMessageOfFunction(Op.ToString().ToLowerInvariant(), A, Value);
    }
}
