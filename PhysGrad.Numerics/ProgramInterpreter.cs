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
        CheckPoint(program, x, p);
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
    /// Runs <paramref name="program"/> on one point and bounds, to first order, the absolute rounding error of each
    /// output (<paramref name="errors"/>, one per output) by running error analysis (Higham, Accuracy and Stability
    /// of Numerical Algorithms, §3.3): each instruction passes on its operands' bounds times its partial derivatives
    /// and adds its own rounding, u·|result| for +, −, ×, ÷, √ (correctly rounded) and 4u·|result| for a library
    /// function. x and p are taken as exact; a constant not exactly an integer below 2⁵³ or a dyadic fraction with
    /// few digits carries its conversion's u·|c|. Unlike |J|·|x| + |y|, the bound sees cancellation inside the
    /// program: x − sin(x) at 10⁻³ rounds relative to x, 10⁻³, not to its value 1.7E-10. A bound is +∞ or NaN where
    /// an intermediate overflows or meets a pole.
    /// </summary>
    /// <exception cref="ArgumentException">A span shorter than the program's variables, parameters or outputs.</exception>
    public static void EvaluateWithErrors(
        StraightLineProgram program, ReadOnlySpan<double> x, ReadOnlySpan<double> p, Span<double> outputs, Span<double> errors) =>
        EvaluateWithErrors(program, x, p, outputs, errors, new double[program.Instructions.Length], new double[program.Instructions.Length]);

    /// <summary>
    /// As above, in the caller's scratch: <paramref name="values"/> and <paramref name="bounds"/> hold one value and one
    /// bound per instruction (at least <see cref="StraightLineProgram.Instructions"/>' length each), so that a caller
    /// that bounds P's rounding at every step (the optimisers' rounding levels) allocates nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A span shorter than the program's variables, parameters, outputs or instructions.</exception>
    public static void EvaluateWithErrors(
        StraightLineProgram program, ReadOnlySpan<double> x, ReadOnlySpan<double> p, Span<double> outputs, Span<double> errors,
        Span<double> values, Span<double> bounds)
    {
        CheckPoint(program, x, p);
        if (outputs.Length < program.Outputs.Length || errors.Length < program.Outputs.Length)
            throw new ArgumentException($"The program writes {NumberText.Count(program.Outputs.Length, "output")} but a span holds {Math.Min(outputs.Length, errors.Length)}.", nameof(outputs));
        var instructions = program.Instructions;
        if (values.Length < instructions.Length || bounds.Length < instructions.Length)
            throw new ArgumentException($"The program has {NumberText.Count(instructions.Length, "instruction")} but a scratch span holds {Math.Min(values.Length, bounds.Length)}.", nameof(values));
        for (var i = 0; i < instructions.Length; i++) StepWithError(program, i, x, p, values, bounds);
        var o = program.Outputs;
        for (var k = 0; k < o.Length; k++) (outputs[k], errors[k]) = (values[o[k]], bounds[o[k]]);
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
            if (double.IsInfinity(v) && double.IsFinite(a) && double.IsFinite(b) && ins.Op is not (OpCode.Divide or OpCode.Log or OpCode.Log1p or OpCode.Log10 or OpCode.Log2)
                && !(ins.Op == OpCode.Power && a == 0))
                return new(ins.Op, a, binary ? b : null, v);
        }
        return null;
    }

    // The unit roundoff u = 2⁻⁵³, and half the smallest subnormal: the absolute rounding one operation adds under underflow, where u·|r| no longer bounds it.
    private const double U = 1.1102230246251565e-16, Eta = 2.4703282292062327e-324;

    // |d|·ε, but 0 for an exact operand, so that an infinite partial derivative (√ at 0) of an exact value adds nothing.
    private static double Scaled(double d, double error) => error == 0 ? 0 : Math.Abs(d) * error;

    // Instruction i's value and running error bound into v[i] and e[i], from its operands' (already there): one step of
    // EvaluateWithErrors.
    private static void StepWithError(StraightLineProgram program, int i, ReadOnlySpan<double> x, ReadOnlySpan<double> p, Span<double> v, Span<double> e)
    {
        const double u = U, eta = Eta;
        var ins = program.Instructions[i];
        if (ins.Op is OpCode.Constant or OpCode.Variable or OpCode.Parameter)
        {
            v[i] = ins.Op switch { OpCode.Constant => program.Constants[ins.A], OpCode.Variable => x[ins.A], _ => p[ins.A] };
            var c = v[i];
            e[i] = ins.Op != OpCode.Constant || (Math.Abs(c) <= 9007199254740992.0 && Math.Round(c * 1024) == c * 1024) ? 0 : u * Math.Abs(c);
            return;
        }
        var (a, ea) = (v[ins.A], e[ins.A]);
        var (b, eb) = IsBinary(ins.Op) ? (v[ins.B], e[ins.B]) : (0.0, 0.0);
        var r = Apply(ins.Op, a, b, i);
        v[i] = r;
        e[i] = ins.Op switch
        {
            OpCode.Add or OpCode.Subtract => ea + eb + u * Math.Abs(r) + eta,
            OpCode.Multiply => Scaled(b, ea) + Scaled(a, eb) + u * Math.Abs(r) + eta,
            OpCode.Divide => Scaled(1 / b, ea) + Scaled(r / b, eb) + u * Math.Abs(r) + eta,
            OpCode.Negate => ea,
            OpCode.Abs => ea + eta,
            OpCode.Sqrt => Scaled(0.5 / r, ea) + u * Math.Abs(r) + eta,
            OpCode.Power => Scaled(b * Math.Pow(a, b - 1), ea) + (eb == 0 || r == 0 ? 0 : Math.Abs(Math.Log(Math.Abs(a)) * r) * eb) + 4 * u * Math.Abs(r) + eta,
            OpCode.Atan2 => Scaled(b / (a * a + b * b), ea) + Scaled(a / (a * a + b * b), eb) + 4 * u * Math.Abs(r) + eta,
            // sign's derivative is 0, but it jumps by up to 2 where a's error reaches 0.
            OpCode.Sign => ea > 0 && ea >= Math.Abs(a) ? 2 : 0,
            _ => Scaled(ins.Op switch
            {
                OpCode.Sin => Math.Cos(a),
                OpCode.Cos => Math.Sin(a),
                OpCode.Tan => 1 + r * r,
                OpCode.Asin or OpCode.Acos => 1 / Math.Sqrt(1 - a * a),
                OpCode.Atan => 1 / (1 + a * a),
                OpCode.Sinh => Math.Cosh(a),
                OpCode.Cosh => Math.Sinh(a),
                OpCode.Tanh => 1 - r * r,
                OpCode.Exp => r,
                OpCode.Log => 1 / a,
                OpCode.Log1p => 1 / (1 + a),
                OpCode.Expm1 => Math.Exp(a),
                OpCode.Log10 => 1 / (a * Math.Log(10)),
                OpCode.Log2 => 1 / (a * Math.Log(2)),
                _ => double.NaN,
            }, ea) + 4 * u * Math.Abs(r) + eta,
        };
    }

    // x and p hold at least the program's variables and parameters.
    private static void CheckPoint(StraightLineProgram program, ReadOnlySpan<double> x, ReadOnlySpan<double> p)
    {
        if (x.Length < program.Variables.Length)
            throw new ArgumentException($"The program needs {NumberText.Count(program.Variables.Length, "variable")} but got {x.Length}.", nameof(x));
        if (p.Length < program.Parameters.Length)
            throw new ArgumentException($"The program needs {NumberText.Count(program.Parameters.Length, "parameter")} but got {p.Length}.", nameof(p));
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
        OpCode.Log10 => Math.Log10(a),
        OpCode.Log2 => Math.Log2(a),
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
