module PhysGrad.Properties.Compiler

open System
open System.Threading.Tasks
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.Generators
open PhysGrad.Properties.TestHelpers

/// Value and gradient of the term, as one program over x, y, z.
let private programOf (t: Term) =
    Lower.valueGradientHessian variableNames [||] false (toExpr t)

[<Property(MaxTest = 300, EndSize = 12)>]
let ``compiled delegates, the program VM and the symbolic interpreter agree`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let program = programOf t
        let m = program.Outputs.Length
        let fast = KernelCompiler.CompileUncached(program, true)
        let linq = KernelCompiler.CompileUncached(program, false)
        let viaFast = Array.zeroCreate m
        let viaLinq = Array.zeroCreate m
        let viaVm = Array.zeroCreate m
        fast.Evaluate(p, viaFast)
        linq.Evaluate(p, viaLinq)
        ProgramInterpreter.Evaluate(program, ReadOnlySpan p, ReadOnlySpan.Empty, Span viaVm)
        let e = toExpr t
        let es = Array.append [| e |] (Calculus.gradient variables e)
        let viaInterpreter = Evaluate.manyAt variableNames p es

        let bitwise (a: float) (b: float) =
            BitConverter.DoubleToInt64Bits a = BitConverter.DoubleToInt64Bits b
            || (Double.IsNaN a && Double.IsNaN b)

        // The VM and the interpreter round differently (different operation orders, stable forms), and
        // an ill-conditioned operation (tan at 1e5, exp at 700) magnifies that far beyond any fixed
        // multiple of the values' size: each side carries its own running error bound instead, and the
        // two agree within the sum of the bounds. A non-finite bound (an overflow or a pole upstream)
        // leaves nothing to compare.
        let vmBounds = RunningError.ofProgram program p [||] |> Array.map snd
        let interpreterBounds = RunningError.ofExprs variableNames p es |> Array.map snd

        let verdicts =
            Array.init m (fun i -> RunningError.agree (viaVm.[i], vmBounds.[i]) (viaInterpreter.[i], interpreterBounds.[i]))

        let comparable = verdicts |> Array.forall Option.isSome

        (Array.forall2 bitwise viaFast viaVm
         && Array.forall2 bitwise viaLinq viaVm
         && Array.forall (fun v -> v <> Some false) verdicts)
        |> Prop.label (
            sprintf
                "%s at %A: fast %A, linq %A, vm %A ± %A, interpreter %A ± %A%s"
                (Infix.format e)
                p
                viaFast
                viaLinq
                viaVm
                vmBounds
                viaInterpreter
                interpreterBounds
                (if comparable then "" else " (a bound is not finite: those outputs are not comparable)")
        )
        |> Prop.classify (not comparable) "not comparable (overflow or pole)")

[<Property(MaxTest = 40, EndSize = 10)>]
let ``outputs do not depend on which thread calls`` () =
    Prop.forAll terms (fun t ->
        let kernel = KernelCompiler.Compile(programOf t)
        let m = kernel.OutputCount

        let points =
            Array.init 200 (fun i -> [| sin (float i); cos (float i * 0.7); float (i % 7) / 3.0 - 1.0 |])

        let sequential =
            points
            |> Array.map (fun x ->
                let o = Array.zeroCreate m
                kernel.Evaluate(x, o)
                o)

        let concurrent = Array.zeroCreate points.Length

        Parallel.For(
            0,
            points.Length,
            ParallelOptions(MaxDegreeOfParallelism = 4),
            fun i ->
                let o = Array.zeroCreate m
                kernel.Evaluate(points.[i], o)
                concurrent.[i] <- o
        )
        |> ignore

        Array.forall2
            (fun (a: float[]) (b: float[]) -> Array.forall2 (fun x y -> x.Equals(y: float)) a b)
            sequential
            concurrent)

[<Property(MaxTest = 40, EndSize = 10)>]
let ``batch evaluation equals point-by-point evaluation, serial or inParallel`` () =
    Prop.forAll terms (fun t ->
        let kernel = KernelCompiler.Compile(programOf t)
        let m = kernel.OutputCount
        let count = 3000
        let points = Array.init (3 * count) (fun i -> sin (float i * 0.37))
        let one = Array.zeroCreate (count * m)

        for i in 0 .. count - 1 do
            let o = Array.zeroCreate m
            kernel.Evaluate(points.[3 * i .. 3 * i + 2], o)
            Array.blit o 0 one (i * m) m

        let serial = Array.zeroCreate (count * m)
        kernel.EvaluateBatch(points, [||], serial, Int32.MaxValue)
        let inParallel = Array.zeroCreate (count * m)
        kernel.EvaluateBatch(points, [||], inParallel, 1)

        let same a b =
            Array.forall2 (fun (x: float) y -> x.Equals y) a b

        same one serial && same one inParallel)

[<Fact>]
let ``integer powers become multiplications and shared subexpressions are computed once`` () =
    let program =
        Lower.program [| "x" |] [||] [| Parse.expression "sin(x)^4 + sin(x)^2 + x^-3" |]

    let count op =
        program.Instructions |> Array.filter (fun i -> i.Op = op) |> Array.length

    Assert.Equal(1, count OpCode.Sin)
    Assert.Equal(0, count OpCode.Power)
    // sin² = s·s, sin⁴ = sin²·sin², x² = x·x, x³ = x²·x: four multiplications, one division for x⁻³.
    Assert.Equal(4, count OpCode.Multiply)
    Assert.Equal(1, count OpCode.Divide)

[<Fact>]
let ``a value, gradient and Hessian bundle shares work across outputs`` () =
    let f = Parse.expression "exp(x*y) + x^2"
    let program = Lower.valueGradientHessian [| "x"; "y" |] [||] true f
    Assert.Equal(7, program.Outputs.Length)

    Assert.Equal(
        1,
        program.Instructions
        |> Array.filter (fun i -> i.Op = OpCode.Exp)
        |> Array.length
    )

[<Property(MaxTest = 10)>]
let ``the program for the Rosenbrock Hessian grows linearly in n`` () =
    Prop.forAll (Gen.choose (3, 120) |> Arb.fromGen) (fun n ->
        let size n =
            let f, x = Scaling.rosenbrock n
            (Lower.valueGradientHessian (x |> Array.map Infix.format) [||] true f).SlotCount

        let s1 = size n
        let s2 = size (2 * n)
        // Affine in n: s(n) = a·n − c, so s(2n) = 2·s(n) + c.
        (s2 <= 2 * s1 + 64 && s1 <= 30 * n)
        |> Prop.label (sprintf "n = %d: %d slots; 2n: %d" n s1 s2))

[<Fact>]
let ``parameters are read from their own array`` () =
    let program = Lower.program [| "x" |] [| "k" |] [| Parse.expression "k*x^2" |]
    let kernel = KernelCompiler.Compile program
    let o = [| 0.0 |]
    kernel.Evaluate([| 3.0 |], [| 2.0 |], o)
    Assert.Equal(18.0, o.[0])

[<Fact>]
let ``a symbol that is neither variable nor parameter is named when lowering`` () =
    let ex =
        Assert.Throws<SymbolicException>(fun () -> Lower.program [| "x" |] [||] [| Parse.expression "x*q" |] |> ignore)

    Assert.Equal(ErrorKind.Variable, ex.Kind)
    Assert.Contains("'q'", ex.Message)

[<Fact>]
let ``compiled kernels are cached by program`` () =
    let a =
        KernelCompiler.Compile(Lower.program [| "x" |] [||] [| Parse.expression "x^5 + 1" |])

    let b =
        KernelCompiler.Compile(Lower.program [| "x" |] [||] [| Parse.expression "1 + x^5" |])

    Assert.Same(a, b)

[<Fact>]
let ``short arrays are refused with what was expected`` () =
    let kernel =
        KernelCompiler.Compile(Lower.program [| "x"; "y" |] [||] [| Parse.expression "x*y" |])

    let ex =
        Assert.Throws<ArgumentException>(fun () -> kernel.Evaluate([| 1.0 |], [| 0.0 |]))

    Assert.Contains("2 variables", ex.Message)

[<Fact>]
let ``FastExpressionCompiler compiles the Rosenbrock Hessian kernel`` () =
    let f, x = Scaling.rosenbrock 10

    let kernel =
        KernelCompiler.CompileUncached(Lower.valueGradientHessian (x |> Array.map Infix.format) [||] true f, true)

    Assert.True(kernel.UsedFastCompiler)
    let o = Array.zeroCreate kernel.OutputCount
    kernel.Evaluate(Array.create 10 1.0, o)
    Assert.Equal(0.0, o.[0]) // the minimum at (1, …, 1)
    Assert.Equal(802.0, o.[1 + 10]) // H₀₀ = 1200 x₀² − 400 x₁ + 2
