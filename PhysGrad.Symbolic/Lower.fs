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
    | Log1p = 24
    | Expm1 = 25
    | Log10 = 26
    | Log2 = 27

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

    let mutable blocks: OutputBlock[] = null

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

    /// The outputs as named, shaped blocks (a dense block is row by row, a sparse one holds its
    /// pattern's nonzeros): one dense block "outputs" (all outputs, as a vector) unless the lowering
    /// said more (Lower.SparseJacobian, Lower.SparseHessian). Not part of the hash: blocks describe
    /// the outputs, they do not change what the program computes.
    member _.Blocks
        with get () =
            if isNull blocks then
                [| OutputBlock("outputs", outputs.Length, 1, 0, null) |]
            else
                blocks
        and internal set (value: OutputBlock[]) = blocks <- value

    /// The block with this name, or null.
    member p.Block(name: string) =
        p.Blocks |> Array.tryFind (fun b -> b.Name = name) |> Option.toObj
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

        /// The number of instructions emitted so far.
        member _.Count = instructions.Count

        /// Instruction i.
        member _.At(i: int) = instructions.[i]

        /// The value of a slot when it is a constant.
        member _.ConstantValue(slot: int) =
            let ins = instructions.[slot]

            if ins.Op = OpCode.Constant then
                ValueSome constants.[ins.A]
            else
                ValueNone

        /// Inputs appended after the named parameters (the v of J v, the w of Jᵀ w): emitted by index
        /// only, so no name in an expression can resolve to them.
        member val Extra: string[] = [||] with get, set

        member this.ToProgram(outputs: int[]) =
            StraightLineProgram(
                instructions.ToArray(),
                constants.ToArray(),
                variables,
                Array.append parameters this.Extra,
                outputs
            )

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
        | Function.Log1p -> OpCode.Log1p
        | Function.Expm1 -> OpCode.Expm1
        | Function.Log10 -> OpCode.Log10
        | Function.Log2 -> OpCode.Log2
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
    let private lowerVisiting (variables: string[]) (parameters: string[]) (outputs: Expr[]) (visit: int[]) =
        // Compiled values use the stable forms (sums of exponentials factored), as the interpreter does.
        let outputs = Stable.rewriteMany outputs
        let b = Builder(variables, parameters)
        let slots = Dictionary<Expr, int>(ExprIdentity.comparer)
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
            // An exact coefficient beyond the doubles' normal range beside a variable part (10^-400·x0 from ½(1E-200·x0)²,
            // kept exact so that it cancels in the rules) is one double 0 (or ∞): at x0 = 1E+200 the product would be
            // 0·1E+200 = 0 instead of 1E-200. It multiplies in as two normal doubles, a power of two first then the rest
            // of it, each rounding once: a·(b·rest) with a·b = q.
            | Product fs when fs.Length >= 2
                              && (match fs.[0].Node with
                                  | Number q -> not q.IsZero && (let v = abs (q.ToDouble()) in v < Expr.SmallestNormal || Double.IsInfinity v)
                                  | _ -> false) ->
                let q = match fs.[0].Node with | Number q -> q | _ -> Rational.One
                let bits (n: Numerics.BigInteger) = int64 (Numerics.BigInteger.Abs(n).GetBitLength())
                let half = (bits q.Num - bits q.Den) / 2L
                let a = if half < 0L then Rational.Create(Numerics.BigInteger.One, Numerics.BigInteger.Pow(Numerics.BigInteger 2, int -half))
                        else Rational.OfBig(Numerics.BigInteger.Pow(Numerics.BigInteger 2, int half))
                let rest = slot (Expr.mul fs.[1..])
                b.Emit(OpCode.Multiply, b.Emit(OpCode.Multiply, rest, b.Constant((q / a).ToDouble())), b.Constant(a.ToDouble()))
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

        b, outputs |> Array.map (fun o -> slots.[o])

    let private programVisiting (variables: string[]) (parameters: string[]) (outputs: Expr[]) (visit: int[]) =
        let b, slots = lowerVisiting variables parameters outputs visit
        b.ToProgram slots

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

    // ---- Matrix-free products: the lowered program differentiated instruction by instruction ----
    //
    // J v, Jᵀ w and H v are derived from the value-numbered program rather than from the expressions.
    // Expressions keep canonical flattened products, so a chain rule applied to them copies the
    // factors of every level into the next one (a chain d deep costs O(d²)); an instruction has at most
    // two operands, so each emits a bounded number of derivative instructions and a product program is
    // O(size of the program), whatever the shape of the graph. Slot -1 is a structural zero: slots that
    // do not depend on x have no derivative and cost nothing.

    let private none = -1

    let private isBinary (op: OpCode) =
        match op with
        | OpCode.Add
        | OpCode.Subtract
        | OpCode.Multiply
        | OpCode.Divide
        | OpCode.Power
        | OpCode.Atan2 -> true
        | _ -> false

    /// Arithmetic on derivative slots that folds structural zeros, ±1 factors and double negation.
    type private Arithmetic(b: Builder) =
        let one = lazy (b.Constant 1.0)
        member _.Builder = b
        member _.One = one.Value

        member _.Is(slot: int, x: float) =
            slot >= 0
            && (match b.ConstantValue slot with
                | ValueSome c -> c = x
                | ValueNone -> false)

        /// a + c (commutative: the operands are ordered so value numbering finds c + a too).
        member _.Add(a: int, c: int) =
            if a < 0 then c
            elif c < 0 then a
            else b.Emit(OpCode.Add, min a c, max a c)

        member _.Neg(a: int) =
            if a < 0 then
                none
            else
                let ins = b.At a
                if ins.Op = OpCode.Negate then ins.A else b.Emit(OpCode.Negate, a, 0)

        member this.Sub(a: int, c: int) =
            if c < 0 then a
            elif a < 0 then this.Neg c
            else b.Emit(OpCode.Subtract, a, c)

        /// d·s, either possibly zero.
        member this.Mul(d: int, s: int) =
            if d < 0 || s < 0 || this.Is(s, 0.0) || this.Is(d, 0.0) then none
            elif this.Is(s, 1.0) then d
            elif this.Is(d, 1.0) then s
            elif this.Is(s, -1.0) then this.Neg d
            elif this.Is(d, -1.0) then this.Neg s
            else b.Emit(OpCode.Multiply, min d s, max d s)

        /// d / s, d possibly zero.
        member this.Div(d: int, s: int) =
            if d < 0 then none
            elif this.Is(s, 1.0) then d
            else b.Emit(OpCode.Divide, d, s)

    /// f'(a) for a unary operation f with result slot `result` (none for sign, whose derivative is 0;
    /// |a|' = sign(a): the conventions of Calculus).
    let private unaryDerivative (ar: Arithmetic) (op: OpCode) (a: int) (result: int) =
        let b = ar.Builder
        let one = ar.One
        let square s = b.Emit(OpCode.Multiply, s, s)
        let asin' () = b.Emit(OpCode.Divide, one, b.Emit(OpCode.Sqrt, b.Emit(OpCode.Subtract, one, square a), 0))

        match op with
        | OpCode.Sqrt -> b.Emit(OpCode.Divide, b.Constant 0.5, result)
        | OpCode.Sin -> b.Emit(OpCode.Cos, a, 0)
        | OpCode.Cos -> ar.Neg(b.Emit(OpCode.Sin, a, 0))
        | OpCode.Tan -> b.Emit(OpCode.Divide, one, square (b.Emit(OpCode.Cos, a, 0)))
        | OpCode.Asin -> asin' ()
        | OpCode.Acos -> ar.Neg(asin' ())
        | OpCode.Atan -> b.Emit(OpCode.Divide, one, ar.Add(one, square a))
        | OpCode.Sinh -> b.Emit(OpCode.Cosh, a, 0)
        | OpCode.Cosh -> b.Emit(OpCode.Sinh, a, 0)
        | OpCode.Tanh -> b.Emit(OpCode.Subtract, one, square result)
        | OpCode.Exp -> result
        | OpCode.Log -> b.Emit(OpCode.Divide, one, a)
        | OpCode.Abs -> b.Emit(OpCode.Sign, a, 0)
        // log1p′(a) = 1/(1 + a); expm1′(a) = exp(a) = result + 1, but exp(a) itself keeps its
        // relative accuracy where result + 1 would be rounded.
        | OpCode.Log1p -> b.Emit(OpCode.Divide, one, ar.Add(one, a))
        | OpCode.Expm1 -> b.Emit(OpCode.Exp, a, 0)
        // log_b′(a) = 1/(a·log b), the constant log b folded.
        | OpCode.Log10 -> b.Emit(OpCode.Divide, one, ar.Mul(a, b.Constant(Math.Log 10.0)))
        | OpCode.Log2 -> b.Emit(OpCode.Divide, one, ar.Mul(a, b.Constant(Math.Log 2.0)))
        | _ -> none

    /// The partial derivatives of a^e (slot `result`) in a and in e, each only when asked: e·a^(e−1)
    /// and a^e·log a, the latter 0 for the constant base 0 (0^e is 0 wherever it is defined), as in Calculus.
    let private powerPartials (ar: Arithmetic) (a: int) (e: int) (result: int) (inA: bool) (inE: bool) =
        let b = ar.Builder

        let da =
            if not inA then
                none
            else
                let em1 =
                    match b.ConstantValue e with
                    | ValueSome c -> b.Constant(c - 1.0)
                    | ValueNone -> b.Emit(OpCode.Subtract, e, ar.One)

                ar.Mul(e, b.Emit(OpCode.Power, a, em1))

        let de =
            if not inE || ar.Is(a, 0.0) then
                none
            else
                ar.Mul(result, b.Emit(OpCode.Log, a, 0))

        struct (da, de)

    /// Forward mode: the tangent of every slot below `count`, given the tangent slot of each variable.
    let private tangents (ar: Arithmetic) (count: int) (seed: int -> int) : int[] =
        let b = ar.Builder
        let t = Array.create count none

        for i in 0 .. count - 1 do
            let ins = b.At i

            t.[i] <-
                match ins.Op with
                | OpCode.Constant
                | OpCode.Parameter -> none
                | OpCode.Variable -> seed ins.A
                | op when isBinary op && t.[ins.A] < 0 && t.[ins.B] < 0 -> none
                | op when not (isBinary op) && t.[ins.A] < 0 -> none
                | OpCode.Add -> ar.Add(t.[ins.A], t.[ins.B])
                | OpCode.Subtract -> ar.Sub(t.[ins.A], t.[ins.B])
                | OpCode.Negate -> ar.Neg t.[ins.A]
                | OpCode.Multiply -> ar.Add(ar.Mul(t.[ins.A], ins.B), ar.Mul(t.[ins.B], ins.A))
                // (a/c)' = (a' − (a/c)·c') / c
                | OpCode.Divide -> ar.Div(ar.Sub(t.[ins.A], ar.Mul(t.[ins.B], i)), ins.B)
                | OpCode.Power ->
                    let struct (da, de) = powerPartials ar ins.A ins.B i (t.[ins.A] >= 0) (t.[ins.B] >= 0)
                    ar.Add(ar.Mul(t.[ins.A], da), ar.Mul(t.[ins.B], de))
                | OpCode.Atan2 ->
                    // atan2(y, x)' = (x·y' − y·x') / (x² + y²)
                    let y, x = ins.A, ins.B
                    let r = ar.Add(b.Emit(OpCode.Multiply, x, x), b.Emit(OpCode.Multiply, y, y))
                    ar.Div(ar.Sub(ar.Mul(t.[y], x), ar.Mul(t.[x], y)), r)
                | op -> ar.Mul(t.[ins.A], unaryDerivative ar op ins.A i)

        t

    /// Reverse mode: the adjoint of every slot below `count` for the weighted sum Σ weight·slot of the
    /// seeds (the gradient of that sum with respect to each slot).
    let private adjoints (ar: Arithmetic) (count: int) (seeds: struct (int * int)[]) : int[] =
        let b = ar.Builder
        let active = Array.zeroCreate count

        for i in 0 .. count - 1 do
            let ins = b.At i

            active.[i] <-
                match ins.Op with
                | OpCode.Constant
                | OpCode.Parameter -> false
                | OpCode.Variable -> true
                | op when isBinary op -> active.[ins.A] || active.[ins.B]
                | _ -> active.[ins.A]

        let a = Array.create count none

        for struct (slot, weight) in seeds do
            if active.[slot] then
                a.[slot] <- ar.Add(a.[slot], weight)

        // Contributions are built only for operands that depend on x.
        let give c (d: unit -> int) =
            if active.[c] then
                a.[c] <- ar.Add(a.[c], d ())

        let take c (d: unit -> int) =
            if active.[c] then
                a.[c] <- ar.Sub(a.[c], d ())

        for i in count - 1 .. -1 .. 0 do
            let g = a.[i]

            if g >= 0 then
                let ins = b.At i

                match ins.Op with
                | OpCode.Constant
                | OpCode.Parameter
                | OpCode.Variable -> ()
                | OpCode.Add ->
                    give ins.A (fun () -> g)
                    give ins.B (fun () -> g)
                | OpCode.Subtract ->
                    give ins.A (fun () -> g)
                    take ins.B (fun () -> g)
                | OpCode.Multiply ->
                    give ins.A (fun () -> ar.Mul(g, ins.B))
                    give ins.B (fun () -> ar.Mul(g, ins.A))
                | OpCode.Divide ->
                    // ∂(a/c)/∂a = 1/c, ∂(a/c)/∂c = −(a/c)/c
                    let q = ar.Div(g, ins.B)
                    give ins.A (fun () -> q)
                    take ins.B (fun () -> ar.Mul(q, i))
                | OpCode.Negate -> take ins.A (fun () -> g)
                | OpCode.Power ->
                    let struct (da, de) = powerPartials ar ins.A ins.B i active.[ins.A] active.[ins.B]
                    give ins.A (fun () -> ar.Mul(g, da))
                    give ins.B (fun () -> ar.Mul(g, de))
                | OpCode.Atan2 ->
                    let y, x = ins.A, ins.B
                    let r = ar.Add(b.Emit(OpCode.Multiply, x, x), b.Emit(OpCode.Multiply, y, y))
                    let gr = ar.Div(g, r)
                    give y (fun () -> ar.Mul(gr, x))
                    take x (fun () -> ar.Mul(gr, y))
                | op -> give ins.A (fun () -> ar.Mul(g, unaryDerivative ar op ins.A i))

        a

    /// The slot of each variable in the first `count` instructions (-1 where a variable is unused).
    let private variableSlots (b: Builder) (count: int) (n: int) =
        let slots = Array.create n none

        for i in 0 .. count - 1 do
            let ins = b.At i

            if ins.Op = OpCode.Variable then
                slots.[ins.A] <- i

        slots

    let private orZero (b: Builder) (slot: int) = if slot < 0 then b.Constant 0.0 else slot

    let private inputNames (name: string) (count: int) = Array.init count (sprintf "%s[%d]" name)

    let private lastFirst (count: int) = Array.init count (fun k -> count - 1 - k)

    /// Lowers a vector function with its directional derivative (forward mode): outputs are
    /// [f₀, …, fₘ₋₁, (J v)₀, …, (J v)ₘ₋₁] with (J v)ᵢ = Σⱼ ∂fᵢ/∂xⱼ vⱼ, and the program's parameters are
    /// the given ones followed by v₀, …, vₙ₋₁ (named v[j]). The m × n Jacobian is never formed: the
    /// program is O(size of the program of f).
    [<CompiledName("JacobianVector")>]
    let jacobianVector (variables: string[]) (parameters: string[]) (fs: Expr[]) : StraightLineProgram =
        let b, ys = lowerVisiting variables parameters fs (lastFirst fs.Length)
        b.Extra <- inputNames "v" variables.Length
        let ar = Arithmetic b
        let count = b.Count
        let v = Array.init variables.Length (fun j -> b.Emit(OpCode.Parameter, parameters.Length + j, 0))
        let t = tangents ar count (fun j -> v.[j])
        b.ToProgram(Array.append ys (ys |> Array.map (fun y -> orZero b t.[y])))

    /// Lowers a vector function with its adjoint product (reverse mode): outputs are
    /// [f₀, …, fₘ₋₁, (Jᵀ w)₀, …, (Jᵀ w)ₙ₋₁] with (Jᵀ w)ⱼ = Σᵢ wᵢ ∂fᵢ/∂xⱼ, the gradient of wᵀf, and the
    /// program's parameters are the given ones followed by w₀, …, wₘ₋₁ (named w[i]). The Jacobian is
    /// never formed: the program is O(size of the program of f).
    [<CompiledName("JacobianTransposeVector")>]
    let jacobianTransposeVector (variables: string[]) (parameters: string[]) (fs: Expr[]) : StraightLineProgram =
        let b, ys = lowerVisiting variables parameters fs (lastFirst fs.Length)
        b.Extra <- inputNames "w" fs.Length
        let ar = Arithmetic b
        let count = b.Count
        let seeds = ys |> Array.mapi (fun i y -> struct (y, b.Emit(OpCode.Parameter, parameters.Length + i, 0)))
        let a = adjoints ar count seeds
        let xs = variableSlots b count variables.Length
        b.ToProgram(Array.append ys (xs |> Array.map (fun x -> orZero b (if x < 0 then none else a.[x]))))

    /// The builder of hessianVector's program with the slots of f, ∇f and H v.
    let private hessianVectorSlots (variables: string[]) (parameters: string[]) (f: Expr) =
        let b, fs = lowerVisiting variables parameters [| f |] [| 0 |]
        b.Extra <- inputNames "v" variables.Length
        let ar = Arithmetic b
        let primal = b.Count
        let a = adjoints ar primal [| struct (fs.[0], ar.One) |]
        let xs = variableSlots b primal variables.Length
        let g = xs |> Array.map (fun x -> if x < 0 then none else a.[x])
        let withGradient = b.Count
        let v = Array.init variables.Length (fun j -> b.Emit(OpCode.Parameter, parameters.Length + j, 0))
        let t = tangents ar withGradient (fun j -> v.[j])
        let gradient = g |> Array.map (orZero b)
        let hv = g |> Array.map (fun s -> orZero b (if s < 0 then none else t.[s]))
        b, fs, gradient, hv

    /// Lowers a scalar function with its gradient (reverse mode) and its Hessian-vector product (forward
    /// mode over the gradient program): outputs are [f, ∂f/∂x₀, …, ∂f/∂xₙ₋₁, (H v)₀, …, (H v)ₙ₋₁], and
    /// the program's parameters are the given ones followed by v₀, …, vₙ₋₁ (named v[j]). The n × n
    /// Hessian is never formed: the program is O(size of the program of f).
    [<CompiledName("HessianVector")>]
    let hessianVector (variables: string[]) (parameters: string[]) (f: Expr) : StraightLineProgram =
        let b, fs, gradient, hv = hessianVectorSlots variables parameters f
        b.ToProgram(Array.concat [ fs; gradient; hv ])

    // ---- Sparse derivative blocks: Jacobians and Hessians that hold their structural nonzeros only ----
    //
    // Forward mode with one sparse tangent per slot: the variables the slot depends on (ascending)
    // with the slot of each partial derivative. A tangent is built only for slots the requested
    // outputs depend on, so a loss's long accumulating sum, whose tangent would hold every variable,
    // costs nothing when the gradient does not use it. The work is Σ over those slots of the number of
    // variables each depends on: O(n) for a stencil or the Rosenbrock residuals, O(n²) only where the
    // derivative really is dense. The pattern is what the graph says (an entry whose derivative folds to
    // a structural zero, such as through sign, is left out); an entry in it may still be 0 at a point.

    let private noTangent: struct (int[] * int[]) = struct ([||], [||])

    let private isEmpty (struct (keys: int[], _: int[])) = keys.Length = 0

    /// Both tangents merged variable by variable: combine (slot in a or none) (slot in c or none);
    /// results that fold to a structural zero are dropped.
    let private merge (struct (ka: int[], sa: int[])) (struct (kc: int[], sc: int[])) (combine: int -> int -> int) =
        let keys = List<int>(ka.Length + kc.Length)
        let slots = List<int>(ka.Length + kc.Length)
        let mutable i = 0
        let mutable j = 0

        while i < ka.Length || j < kc.Length do
            let key, s =
                if j >= kc.Length || (i < ka.Length && ka.[i] < kc.[j]) then
                    let r = ka.[i], combine sa.[i] none
                    i <- i + 1
                    r
                elif i >= ka.Length || kc.[j] < ka.[i] then
                    let r = kc.[j], combine none sc.[j]
                    j <- j + 1
                    r
                else
                    let r = ka.[i], combine sa.[i] sc.[j]
                    i <- i + 1
                    j <- j + 1
                    r

            if s >= 0 then
                keys.Add key
                slots.Add s

        struct (keys.ToArray(), slots.ToArray())

    let private mapTangent (struct (keys: int[], slots: int[])) (f: int -> int) =
        let ks = List<int>(keys.Length)
        let ss = List<int>(keys.Length)

        for k in 0 .. keys.Length - 1 do
            let s = f slots.[k]

            if s >= 0 then
                ks.Add keys.[k]
                ss.Add s

        struct (ks.ToArray(), ss.ToArray())

    /// The slots below `count` that the roots depend on (the roots included).
    let private cone (b: Builder) (count: int) (roots: int[]) =
        let needed = Array.zeroCreate count

        for r in roots do
            if r >= 0 && r < count then
                needed.[r] <- true

        for i in count - 1 .. -1 .. 0 do
            if needed.[i] then
                let ins = b.At i

                match ins.Op with
                | OpCode.Constant
                | OpCode.Variable
                | OpCode.Parameter -> ()
                | op when isBinary op ->
                    needed.[ins.A] <- true
                    needed.[ins.B] <- true
                | _ -> needed.[ins.A] <- true

        needed

    /// Lowers the Hessian-vector product of a scalar function alone: outputs are [(H v)₀, …, (H v)ₙ₋₁],
    /// the parameters as in <see cref="hessianVector"/> (the given ones, then v₀, …, vₙ₋₁). The same
    /// derivation (reverse mode, then forward mode over the gradient program) with only the instructions
    /// H v depends on (its cone), renumbered in order: what only f or ∇f needed is left out, so callers
    /// that use H v alone (the CG iterations of Newton-CG) compute nothing else, and every H v entry comes
    /// from the same operations in the same order as <see cref="hessianVector"/>'s.
    [<CompiledName("HessianVectorOnly")>]
    let hessianVectorOnly (variables: string[]) (parameters: string[]) (f: Expr) : StraightLineProgram =
        let b, _, _, hv = hessianVectorSlots variables parameters f
        let count = b.Count
        let live = cone b count hv
        let index = Array.create count none
        let kept = List<Instruction>(count)

        for i in 0 .. count - 1 do
            if live.[i] then
                let ins = b.At i
                index.[i] <- kept.Count

                kept.Add(
                    match ins.Op with
                    | OpCode.Constant
                    | OpCode.Variable
                    | OpCode.Parameter -> ins
                    | op when isBinary op -> { ins with A = index.[ins.A]; B = index.[ins.B] }
                    | _ -> { ins with A = index.[ins.A] }
                )

        let program = b.ToProgram(hv |> Array.map (fun o -> index.[o]))
        StraightLineProgram(kept.ToArray(), program.Constants, program.Variables, program.Parameters, program.Outputs)

    /// Forward mode with sparse tangents (variable j seeded with 1) for the needed slots below `count`:
    /// the same derivative instructions as `tangents`, one set per variable a slot depends on.
    let private sparseTangents (ar: Arithmetic) (count: int) (needed: bool[]) =
        let b = ar.Builder
        let t = Array.create count noTangent

        for i in 0 .. count - 1 do
            if needed.[i] then
                let ins = b.At i

                t.[i] <-
                    match ins.Op with
                    | OpCode.Constant
                    | OpCode.Parameter -> noTangent
                    | OpCode.Variable -> struct ([| ins.A |], [| ar.One |])
                    | op when isBinary op && isEmpty t.[ins.A] && isEmpty t.[ins.B] -> noTangent
                    | op when not (isBinary op) && isEmpty t.[ins.A] -> noTangent
                    | OpCode.Add -> merge t.[ins.A] t.[ins.B] (fun a c -> ar.Add(a, c))
                    | OpCode.Subtract -> merge t.[ins.A] t.[ins.B] (fun a c -> ar.Sub(a, c))
                    | OpCode.Negate -> mapTangent t.[ins.A] ar.Neg
                    | OpCode.Multiply ->
                        merge t.[ins.A] t.[ins.B] (fun a c -> ar.Add(ar.Mul(a, ins.B), ar.Mul(c, ins.A)))
                    // (a/c)' = (a' − (a/c)·c') / c
                    | OpCode.Divide -> merge t.[ins.A] t.[ins.B] (fun a c -> ar.Div(ar.Sub(a, ar.Mul(c, i)), ins.B))
                    | OpCode.Power ->
                        let struct (da, de) =
                            powerPartials ar ins.A ins.B i (not (isEmpty t.[ins.A])) (not (isEmpty t.[ins.B]))

                        merge t.[ins.A] t.[ins.B] (fun a c -> ar.Add(ar.Mul(a, da), ar.Mul(c, de)))
                    | OpCode.Atan2 ->
                        // atan2(y, x)' = (x·y' − y·x') / (x² + y²)
                        let y, x = ins.A, ins.B
                        let r = ar.Add(b.Emit(OpCode.Multiply, x, x), b.Emit(OpCode.Multiply, y, y))
                        merge t.[y] t.[x] (fun ty tx -> ar.Div(ar.Sub(ar.Mul(ty, x), ar.Mul(tx, y)), r))
                    | op ->
                        let d = unaryDerivative ar op ins.A i
                        mapTangent t.[ins.A] (fun a -> ar.Mul(a, d))

        t

    /// The CSR pattern and nonzero slots of the matrix whose row r is the tangent of rows.[r].
    let private sparseRows (t: struct (int[] * int[])[]) (rows: int[]) (columns: int) =
        let rowPointers = Array.zeroCreate (rows.Length + 1)
        let indices = List<int>()
        let slots = List<int>()

        for r in 0 .. rows.Length - 1 do
            if rows.[r] >= 0 then
                let struct (keys, ss) = t.[rows.[r]]
                indices.AddRange keys
                slots.AddRange ss

            rowPointers.[r + 1] <- indices.Count

        SparsityPattern(rows.Length, columns, rowPointers, indices.ToArray()), slots.ToArray()

    /// Lowers a vector function with its sparse Jacobian: outputs are [f₀, …, fₘ₋₁] (block "values",
    /// m × 1) followed by the structural nonzeros of J = ∂f/∂x in CSR order (block "jacobian", m × n,
    /// with its pattern). The dense m × n Jacobian is never formed, symbolically or numerically.
    [<CompiledName("SparseJacobian")>]
    let sparseJacobian (variables: string[]) (parameters: string[]) (fs: Expr[]) : StraightLineProgram =
        let b, ys = lowerVisiting variables parameters fs (lastFirst fs.Length)
        let ar = Arithmetic b
        let count = b.Count
        let t = sparseTangents ar count (cone b count ys)
        let pattern, nonzeros = sparseRows t ys variables.Length
        let program = b.ToProgram(Array.append ys nonzeros)

        program.Blocks <-
            [| OutputBlock("values", fs.Length, 1, 0, null)
               OutputBlock("jacobian", fs.Length, variables.Length, fs.Length, pattern) |]

        program

    /// Lowers a scalar function with its gradient (reverse mode) and its sparse Hessian (sparse forward
    /// mode over the gradient program): outputs are [f] (block "value", 1 × 1), ∂f/∂x₀ … ∂f/∂xₙ₋₁
    /// (block "gradient", n × 1) and the structural nonzeros of ∂²f/∂x² in CSR order (block "hessian",
    /// n × n, with its pattern; both triangles, row i holding ∂/∂xⱼ of ∂f/∂xᵢ). The dense n × n
    /// Hessian is never formed.
    [<CompiledName("SparseHessian")>]
    let sparseHessian (variables: string[]) (parameters: string[]) (f: Expr) : StraightLineProgram =
        let n = variables.Length
        let b, fs = lowerVisiting variables parameters [| f |] [| 0 |]
        let ar = Arithmetic b
        let primal = b.Count
        let a = adjoints ar primal [| struct (fs.[0], ar.One) |]
        let xs = variableSlots b primal n
        let g = xs |> Array.map (fun x -> if x < 0 then none else a.[x])
        let withGradient = b.Count
        let t = sparseTangents ar withGradient (cone b withGradient g)
        let pattern, nonzeros = sparseRows t g n
        let program = b.ToProgram(Array.concat [ fs; g |> Array.map (orZero b); nonzeros ])

        program.Blocks <-
            [| OutputBlock("value", 1, 1, 0, null)
               OutputBlock("gradient", n, 1, 1, null)
               OutputBlock("hessian", n, n, 1 + n, pattern) |]

        program
