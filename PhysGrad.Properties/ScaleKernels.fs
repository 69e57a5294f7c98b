module PhysGrad.Properties.ScaleKernels

// Issue 14, item 5: a gradient's derivation whose work grows linearly with the problem, and large
// programs compiled in chunks (several methods sharing a scratch array) instead of interpreted.

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.Generators

let private wide = Array.init 24 (fun i -> Expr.symbol (sprintf "v%d" i))

/// Term k with x, y, z renamed to three distinct v's (an injective renaming, so the term builds
/// exactly as the generator's term did).
let private renamed (k: int) (e: Expr) =
    e
    |> Structure.rewriteBottomUp (fun n ->
        match n.Node with
        | Symbol "x" -> wide.[(5 * k) % 24]
        | Symbol "y" -> wide.[(5 * k + 7) % 24]
        | Symbol "z" -> wide.[(5 * k + 14) % 24]
        | _ -> n)

/// 20 random terms, each shrinking as the generator's terms do.
let private termLists: Arbitrary<Term[]> =
    Arb.fromGenShrink (
        Gen.arrayOfLength 20 terms.Generator,
        fun ts ->
            seq {
                for i in 0 .. ts.Length - 1 do
                    for t in shrink ts.[i] do
                        if (tryExpr t).IsSome then
                            yield Array.updateAt i t ts
            }
    )

/// A sum over 24 variables with at least 24 terms (v_k³ for every k, then the renamed random terms)
/// plus a product of 16 renamed terms: both nodes are wide enough to be indexed.
let private wideExpression (ts: Term[]) =
    let rs = ts |> Array.mapi (fun k t -> renamed k (toExpr t))

    Expr.add
        (Expr.sum (Seq.append (wide |> Seq.map (fun v -> Expr.pow v (Expr.ofInt 3))) rs))
        (Expr.mul (rs |> Array.truncate 16 |> Array.map (fun r -> Expr.add Expr.one r)))

[<Property(MaxTest = 60)>]
let ``the indexed gradient, Jacobian and Hessian are the same expressions as one derivative at a time`` () =
    Prop.forAll termLists (fun ts ->
        match (try Some(wideExpression ts) with :? SymbolicException -> None) with
        | None -> true |> Prop.label "the terms combine to an undefined constant"
        | Some e ->
            // `derivative` scans every node's children (the derivation before the index): the
            // gradient's entries must be the very same interned nodes.
            let g = Calculus.gradient wide e
            let one = wide |> Array.map (fun v -> Calculus.derivative v e)
            let j = Calculus.jacobian wide [| e; Expr.sin e |]
            let few = wide |> Array.truncate 4
            let h = Calculus.hessianOfGradient few (Array.truncate 4 g)

            (Array.forall2 (fun a b -> obj.ReferenceEquals(a, b)) g one
             && Seq.forall (fun k -> obj.ReferenceEquals(j.[0, k], one.[k])) [ 0..23 ]
             && Seq.forall
                 (fun k -> obj.ReferenceEquals(j.[1, k], Calculus.derivative wide.[k] (Expr.sin e)))
                 [ 0..23 ]
             // The Hessian derives the upper triangle (row a, column b ≥ a: ∂g_a/∂x_b) and mirrors it;
             // the mixed partials in the other order are equal in value but may round differently.
             && Seq.forall
                 (fun (a, b) ->
                     obj.ReferenceEquals(h.[a, b], Calculus.derivative few.[max a b] g.[min a b]))
                 [ for a in 0..3 do
                       for b in 0..3 -> a, b ])
            |> Prop.label (Infix.format e))

let private bitwise (a: float) (b: float) =
    BitConverter.DoubleToInt64Bits a = BitConverter.DoubleToInt64Bits b
    || (Double.IsNaN a && Double.IsNaN b)

/// Runs the program chunked every way and on the interpreter: all must agree bit for bit (the chunks
/// compute the same operations in the same order; values between chunks pass through memory unchanged).
let private chunkedAgree (program: StraightLineProgram) (x: float[]) (p: float[]) =
    let m = program.Outputs.Length
    let viaVm = Array.zeroCreate m
    ProgramInterpreter.Evaluate(program, ReadOnlySpan x, ReadOnlySpan p, Span viaVm)

    [ 1; 2; 3; 5; 8; 1000 ]
    |> List.collect (fun chunk -> [ chunk, true; chunk, false ])
    |> List.forall (fun (chunk, fast) ->
        let kernel = KernelCompiler.CompileUncached(program, fast, chunk)
        let out = Array.zeroCreate m
        kernel.Evaluate(x, p, out)
        let expectedChunks = if program.SlotCount > chunk then (program.SlotCount + chunk - 1) / chunk else 1
        kernel.ChunkCount = expectedChunks && Array.forall2 bitwise out viaVm)

[<Property(MaxTest = 150, EndSize = 12)>]
let ``a program compiled in chunks of any size computes what the interpreter computes, bit for bit`` () =
    Prop.forAll termAndPoints (fun (t, x) ->
        let e = toExpr t
        // Value + gradient (variables only), and value + gradient + H v (v as parameters).
        let vg = Lower.valueGradientHessian variableNames [||] false e
        let hv = Lower.hessianVector variableNames [||] e
        let v = [| 0.75; -1.25; 0.5 |]

        (chunkedAgree vg x [||] && chunkedAgree hv x v)
        |> Prop.label (sprintf "%s at %A" (Infix.format e) x))

/// Rosenbrock f = Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)² (THEORY §4) over n variables.
let private rosenbrock (n: int) =
    let x = Array.init n (fun i -> Expr.symbol (sprintf "x%d" i))

    x,
    Expr.sum
        [ for i in 0 .. n - 2 ->
              Expr.add
                  (Expr.mul2 (Expr.ofInt 100) (Expr.pow (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two)) Expr.two))
                  (Expr.pow (Expr.sub Expr.one x.[i]) Expr.two) ]

/// Doubling n at most doubles the count (plus 5% for what is shared), at 100 → 200 → 400.
let private linear (what: string) (size: int -> int64) =
    let c100, c200, c400 = size 100, size 200, size 400

    Assert.True(
        c200 <= int64 (2.05 * float c100) && c400 <= int64 (2.05 * float c200),
        sprintf "%s at n = 100, 200, 400: %d, %d, %d" what c100 c200 c400
    )

[<Fact>]
let ``deriving Rosenbrock's gradient examines linearly many children; scanning every node was quadratic`` () =
    let work fanOut n =
        let x, f = rosenbrock n
        snd (Calculus.gradientWithWork fanOut x f)

    linear "children examined (indexed)" (work 16)
    // The same measurement on the derivation before the index: each of the n derivatives scans the
    // n − 1 terms of the top-level sum, so doubling n about quadruples the work. Checked, so that the
    // measurement is shown able to tell linear from quadratic.
    let s100, s200 = work Int32.MaxValue 100, work Int32.MaxValue 200
    Assert.True(s200 >= 3L * s100, sprintf "scanning at n = 100, 200: %d, %d" s100 s200)

[<Fact>]
let ``Rosenbrock's gradient graph and its value + gradient program grow linearly`` () =
    linear "gradient graph nodes" (fun n ->
        let x, f = rosenbrock n
        int64 (Structure.graphSize (Calculus.gradient x f)))

    linear "value + gradient instructions" (fun n ->
        let x, f = rosenbrock n
        int64 (Lower.valueGradientHessian (x |> Array.map Infix.format) [||] false f).SlotCount)

[<Fact>]
let ``a value + gradient kernel above the chunk size is compiled in chunks and agrees with the interpreter`` () =
    let x, f = rosenbrock 400
    let names = x |> Array.map Infix.format
    let program = Lower.valueGradientHessian names [||] false f
    Assert.True(program.SlotCount > KernelCompiler.ChunkInstructions, sprintf "%d instructions" program.SlotCount)
    let kernel = KernelCompiler.Compile program

    Assert.Equal(
        (program.SlotCount + KernelCompiler.ChunkInstructions - 1) / KernelCompiler.ChunkInstructions,
        kernel.ChunkCount
    )

    let point = Array.init 400 (fun i -> if i % 2 = 0 then -1.2 else 1.0)
    let out = Array.zeroCreate kernel.OutputCount
    kernel.Evaluate(point, out)
    let viaVm = Array.zeroCreate kernel.OutputCount
    ProgramInterpreter.Evaluate(program, ReadOnlySpan point, ReadOnlySpan.Empty, Span viaVm)
    Assert.True(Array.forall2 bitwise out viaVm)
    // At (−1.2, 1, −1.2, …): each of the 399 terms is 100(1 − 1.44)² + 2.2² = 24.2 (i even) or
    // 100(−1.2 − 1)² + 0² = 484 (i odd): 200·24.2 + 199·484 = 101,156.
    Assert.Equal(101156.0, out.[0], 6)
