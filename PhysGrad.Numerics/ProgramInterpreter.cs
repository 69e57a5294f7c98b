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
                    OpCode.Add => s[ins.A] + s[ins.B],
                    OpCode.Subtract => s[ins.A] - s[ins.B],
                    OpCode.Multiply => s[ins.A] * s[ins.B],
                    OpCode.Divide => s[ins.A] / s[ins.B],
                    OpCode.Negate => -s[ins.A],
                    OpCode.Power => Math.Pow(s[ins.A], s[ins.B]),
                    OpCode.Sqrt => Math.Sqrt(s[ins.A]),
                    OpCode.Atan2 => Elementary.Atan2(s[ins.A], s[ins.B]),
                    OpCode.Sin => Math.Sin(s[ins.A]),
                    OpCode.Cos => Math.Cos(s[ins.A]),
                    OpCode.Tan => Math.Tan(s[ins.A]),
                    OpCode.Asin => Math.Asin(s[ins.A]),
                    OpCode.Acos => Math.Acos(s[ins.A]),
                    OpCode.Atan => Math.Atan(s[ins.A]),
                    OpCode.Sinh => Math.Sinh(s[ins.A]),
                    OpCode.Cosh => Math.Cosh(s[ins.A]),
                    OpCode.Tanh => Math.Tanh(s[ins.A]),
                    OpCode.Exp => Math.Exp(s[ins.A]),
                    OpCode.Log => Math.Log(s[ins.A]),
                    OpCode.Abs => Math.Abs(s[ins.A]),
                    OpCode.Sign => KernelCompiler.Sign(s[ins.A]),
                    OpCode.Log1p => Elementary.Log1p(s[ins.A]),
                    OpCode.Expm1 => Elementary.Expm1(s[ins.A]),
                    _ => throw new InvalidOperationException($"Unknown operation {ins.Op} at slot {i}."),
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
}
