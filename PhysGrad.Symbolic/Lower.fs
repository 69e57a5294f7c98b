namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// The operations of a straight-line program. Operands are slot numbers, except for Constant
/// (an index into the constants), Variable and Parameter (an index into the input arrays).
type OpCode =
    | Constant = 0
    | Variable = 1
    | Parameter = 2
    | Add = 3
    | Subtract = 4
    | Multiply = 5
    | Divide = 6
    | Negate = 7
    | Power = 8
    | Sqrt = 9
    | Atan2 = 10
    | Sin = 11
    | Cos = 12
    | Tan = 13
    | Asin = 14
    | Acos = 15
    | Atan = 16
    | Sinh = 17
    | Cosh = 18
    | Tanh = 19
    | Exp = 20
    | Log = 21
    | Abs = 22
    | Sign = 23

/// One instruction: slot i = Op(A, B).
[<Struct>]
type Instruction = { Op: OpCode; A: int; B: int }

/// A straight-line program: instruction i computes slot i from earlier slots, every shared
/// subexpression once across all outputs. It is the contract between the symbolic side and the
/// numeric compilers: plain arrays, no F# unions.
[<Sealed; AllowNullLiteral>]
type StraightLineProgram
    internal
    (instructions: Instruction[], constants: float[], variables: string[], parameters: string[], outputs: int[]) =
    let hash =
        let mutable h = 14695981039346656037UL
        let inline mix (v: uint64) = h <- (h ^^^ v) * 1099511628211UL

        for ins in instructions do
            mix (uint64 ins.Op)
            mix (uint64 (uint32 ins.A))
            mix (uint64 (uint32 ins.B))

        for c in constants do
            mix (uint64 (BitConverter.DoubleToInt64Bits c))

        for o in outputs do
            mix (uint64 (uint32 o))

        mix (uint64 variables.Length)
        mix (uint64 parameters.Length)
        h

    /// The instructions, in order of evaluation.
    member _.Instructions = instructions
    /// The constant pool.
    member _.Constants = constants
    /// The names of the variables, in the order of the input array.
    member _.Variables = variables
    /// The names of the parameters, in the order of the parameter array.
    member _.Parameters = parameters
    /// For each output, the slot that holds it.
    member _.Outputs = outputs
    /// The number of slots (= instructions).
    member _.SlotCount = instructions.Length
    /// A 64-bit hash of the whole program, for caching compiled kernels.
    member _.Hash = hash

    /// Structural equality (used to confirm a cache hit on the hash).
    member p.SameAs(q: StraightLineProgram) =
        obj.ReferenceEquals(p, q)
        || (q.Hash = hash
            && q.Variables.Length = variables.Length
            && q.Parameters.Length = parameters.Length
            && q.Instructions.AsSpan().SequenceEqual(ReadOnlySpan instructions)
            && q.Constants.AsSpan().SequenceEqual(ReadOnlySpan constants)
            && q.Outputs.AsSpan().SequenceEqual(ReadOnlySpan outputs))

/// Lowers bundles of expressions into straight-line programs.
[<RequireQualifiedAccess>]
module Lower =

    /// Integer powers up to this exponent become multiplications (square and multiply).
    [<Literal>]
    let MaxUnrolledPower = 64

    type private Builder(variables: string[], parameters: string[]) =
        let instructions = List<Instruction>()
        let constants = List<float>()
        let constantSlots = Dictionary<int64, int>()
        let numbered = Dictionary<Instruction, int>()
        let variableIndex = Dictionary<string, int>(StringComparer.Ordinal)
        let parameterIndex = Dictionary<string, int>(StringComparer.Ordinal)

        do
            variables |> Array.iteri (fun i v -> variableIndex.[v] <- i)
            parameters |> Array.iteri (fun i v -> parameterIndex.[v] <- i)

        /// Value numbering: an instruction that was already emitted is not emitted again.
        member _.Emit(op: OpCode, a: int, b: int) =
            let ins = { Op = op; A = a; B = b }

            match numbered.TryGetValue ins with
            | true, slot -> slot
            | _ ->
                let slot = instructions.Count
                instructions.Add ins
                numbered.[ins] <- slot
                slot

        member this.Constant(x: float) =
            let bits = BitConverter.DoubleToInt64Bits(if x = 0.0 then 0.0 else x)

            match constantSlots.TryGetValue bits with
            | true, slot -> slot
            | _ ->
                constants.Add x
                let slot = this.Emit(OpCode.Constant, constants.Count - 1, 0)
                constantSlots.[bits] <- slot
                slot

        member this.Symbol(name: string) =
            match variableIndex.TryGetValue name with
            | true, i -> this.Emit(OpCode.Variable, i, 0)
            | _ ->
                match parameterIndex.TryGetValue name with
                | true, i -> this.Emit(OpCode.Parameter, i, 0)
                | _ ->
                    Fail.raiseWith
                        ErrorKind.Variable
                        (sprintf
                            "The expression uses '%s', which is neither a variable (%s) nor a parameter (%s)."
                            name
                            (String.Join(", ", variables))
                            (if parameters.Length = 0 then
                                 "none"
                             else
                                 String.Join(", ", parameters)))

        /// x^k for a positive integer k by square and multiply; every partial power is numbered, so
        /// x², x³ and x⁴ in one program share their multiplications.
        member this.IntegerPower(x: int, k: int) : int =
            if k = 1 then
                x
            elif k % 2 = 0 then
                let h = this.IntegerPower(x, k / 2)
                this.Emit(OpCode.Multiply, h, h)
            else
                this.Emit(OpCode.Multiply, this.IntegerPower(x, k - 1), x)

        member _.ToProgram(outputs: int[]) =
            StraightLineProgram(instructions.ToArray(), constants.ToArray(), variables, parameters, outputs)

    let private functionOp (f: Function) =
        match f with
        | Function.Sin -> OpCode.Sin
        | Function.Cos -> OpCode.Cos
        | Function.Tan -> OpCode.Tan
        | Function.Asin -> OpCode.Asin
        | Function.Acos -> OpCode.Acos
        | Function.Atan -> OpCode.Atan
        | Function.Sinh -> OpCode.Sinh
        | Function.Cosh -> OpCode.Cosh
        | Function.Tanh -> OpCode.Tanh
        | Function.Exp -> OpCode.Exp
        | Function.Log -> OpCode.Log
        | Function.Abs -> OpCode.Abs
        | _ -> OpCode.Sign

    /// A small integer exponent, if x is one.
    let private smallInteger (x: Expr) =
        match x.Node with
        | Number q when
            q.IsInteger
            && Numerics.BigInteger.Abs q.Num <= Numerics.BigInteger MaxUnrolledPower
            ->
            Some(int q.Num)
        | _ -> None

    /// Lowers the outputs into one program, visiting them in `visit` order (a permutation of the
    /// output indices): the order decides how long shared values stay alive in the program.
    let private programVisiting (variables: string[]) (parameters: string[]) (outputs: Expr[]) (visit: int[]) =
        // Compiled values use the stable forms (sums of exponentials factored), as the interpreter does.
        let outputs = Stable.rewriteMany outputs
        let b = Builder(variables, parameters)
        let slots = Dictionary<Expr, int>(HashIdentity.Reference)
        let one = lazy (b.Constant 1.0)
        // slot of base^k for an integer k ≠ 0 (negative: one division).
        let power (baseSlot: int) (k: int) =
            if k > 0 then
                b.IntegerPower(baseSlot, k)
            else
                b.Emit(OpCode.Divide, one.Value, b.IntegerPower(baseSlot, -k))
        // Lowering recurses from the outputs, so a sum adds each term as soon as it is computed and
        // the program keeps few values alive at once (fewer register spills in compiled code).
        let rec slot (n: Expr) : int =
            match slots.TryGetValue n with
            | true, s -> s
            | _ ->
                Deep.check ()
                let s = lowerNode n
                slots.[n] <- s
                s

        and lowerNode (n: Expr) : int =
            match n.Node with
            | Number q -> b.Constant(q.ToDouble())
            | Real x -> b.Constant x
            | Pi -> b.Constant Math.PI
            | Symbol name -> b.Symbol name
            | Sum ts ->
                // Terms with a negative coefficient are subtracted: a − 2·b, not a + (−2)·b.
                let mutable acc = -1

                for t in ts do
                    if acc >= 0 && Layout.isNegative t then
                        acc <- b.Emit(OpCode.Subtract, acc, slot (Expr.neg t))
                    else
                        acc <- (if acc < 0 then slot t else b.Emit(OpCode.Add, acc, slot t))

                acc
            | Product fs ->
                // Numerator factors multiply; factors with a negative integer exponent divide.
                let mutable num = -1
                let mutable den = -1
                let mutable negate = false

                let times acc s =
                    if acc < 0 then s else b.Emit(OpCode.Multiply, acc, s)

                for f in fs do
                    match f.Node with
                    | Number q when q = Rational.MinusOne -> negate <- not negate
                    | Power(x, e) ->
                        match smallInteger e with
                        | Some k when k < 0 -> den <- times den (b.IntegerPower(slot x, -k))
                        | _ -> num <- times num (slot f)
                    | _ -> num <- times num (slot f)

                let value =
                    match num, den with
                    | -1, -1 -> one.Value
                    | n, -1 -> n
                    | -1, d -> b.Emit(OpCode.Divide, one.Value, d)
                    | n, d -> b.Emit(OpCode.Divide, n, d)

                if negate then b.Emit(OpCode.Negate, value, 0) else value
            | Power(x, e) ->
                match smallInteger e with
                | Some k -> power (slot x) k
                | None when Expr.isHalf e -> b.Emit(OpCode.Sqrt, slot x, 0)
                | None -> b.Emit(OpCode.Power, slot x, slot e)
            | Apply(f, a) -> b.Emit(functionOp f, slot a, 0)
            | Atan2(y, x) -> b.Emit(OpCode.Atan2, slot y, slot x)

        Deep.run (fun () ->
            for k in visit do
                slot outputs.[k] |> ignore)

        b.ToProgram(outputs |> Array.map (fun o -> slots.[o]))

    /// Lowers the outputs (for example value, gradient and Hessian entries) into one program whose
    /// inputs are the variables and parameters, in the given orders. Outputs are visited last to
    /// first: results usually build on one another front to back (a value, then its derivatives),
    /// and visiting the most specific ones first keeps fewer values alive at once.
    [<CompiledName("Program")>]
    let program (variables: string[]) (parameters: string[]) (outputs: Expr[]) : StraightLineProgram =
        programVisiting variables parameters outputs (Array.init outputs.Length (fun k -> outputs.Length - 1 - k))

    /// Lowers the value, gradient and (when hessian is true) the Hessian of a scalar function:
    /// outputs are [f, ∂f/∂x₀, …, ∂f/∂xₙ₋₁, H₀₀, H₀₁, …, Hₙ₋₁ₙ₋₁] (the Hessian row by row).
    [<CompiledName("ValueGradientHessian")>]
    let valueGradientHessian (variables: string[]) (parameters: string[]) (hessian: bool) (f: Expr) =
        let xs = variables |> Array.map Expr.symbol
        let g = Calculus.gradient xs f

        let outputs =
            if hessian then
                let h = Calculus.hessianOfGradient xs g

                Array.concat
                    [ [| f |]
                      g
                      [| for i in 0 .. xs.Length - 1 do
                             for j in 0 .. xs.Length - 1 -> h.[i, j] |] ]
            else
                Array.append [| f |] g

        // Visit variable by variable (Hessian row i, then ∂f/∂xᵢ), last variable first, and the
        // value at the end: the values shared by a row and its gradient entry die right after.
        let n = xs.Length

        let visit =
            [| for i in n - 1 .. -1 .. 0 do
                   if hessian then
                       for j in n - 1 .. -1 .. 0 do
                           yield 1 + n + i * n + j

                   yield 1 + i
               yield 0 |]

        programVisiting variables parameters outputs visit

    /// Lowers a vector function and its Jacobian: outputs are [f₀, …, fₘ₋₁, J₀₀, J₀₁, …] (row by row).
    [<CompiledName("ValueJacobian")>]
    let valueJacobian (variables: string[]) (parameters: string[]) (fs: Expr[]) =
        let xs = variables |> Array.map Expr.symbol
        let j = Calculus.jacobian xs fs

        program
            variables
            parameters
            (Array.append
                fs
                [| for r in 0 .. fs.Length - 1 do
                       for c in 0 .. xs.Length - 1 -> j.[r, c] |])
