/// Matrix-free products: J v, Jᵀ w and H v from their own kernels (forward mode, reverse mode, forward
/// over reverse on the lowered program) agree with the dense J and Hessian, satisfy the adjoint
/// identity, grow linearly with the problem, and never compile the dense matrices.
module PhysGrad.Properties.Products

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators
open PhysGrad.Properties.TestHelpers
open PhysGrad.Properties.TestHelpers.TwoOutputs

/// Two random outputs over x, y, z, a point, and two direction vectors (v in ℝ³, w in ℝ²).
let private cases =
    Arb.zip (Arb.zip (terms, terms), Arb.zip (points, Arb.zip (points, points)))

/// Whether every pair agrees within the sum of its running error bounds (RunningError.agree): each side
/// carries the bound of its own evaluation, so cancellation or an ill-conditioned operation in either one
/// widens the comparison exactly as far as it can move the answer, and no further. A pair with a
/// non-finite bound (an overflow or a pole upstream) is not comparable and passes.
let private allAgree (a: (float * float)[]) (b: (float * float)[]) =
    Array.map2 RunningError.agree a b |> Array.forall (fun verdict -> verdict <> Some false)

/// Row r of a row-major matrix with k columns, entries with their bounds, starting at offset.
let private row (entries: (float * float)[]) offset k r = entries.[offset + r * k .. offset + r * k + k - 1]

/// Column c of the same.
let private column (entries: (float * float)[]) offset k rows c = Array.init rows (fun r -> entries.[offset + r * k + c])

/// The problem's [y (2), J (6, row by row)] at x, each with its bound from the dense program (returned
/// too), and whether all of them are finite.
let private denseJacobian (problem: CompiledProblem) (fs: Expr[]) (x: float[]) =
    let y = Array.zeroCreate 2
    let j = Array.zeroCreate 6
    problem.Simulate(x, y, j)
    let program = Lower.valueJacobian variableNames [||] fs
    program, RunningError.attach program x [||] (Array.append y j), Array.forall finite j && Array.forall finite y

[<Property(MaxTest = 200, EndSize = 12)>]
let ``J v from the forward-mode kernel equals the dense J times v`` () =
    Prop.forAll cases (fun ((t1, t2), (x, (v, _))) -> unlessConstantsOverflow (fun () ->
        let fs = [| toExpr t1; toExpr t2 |]
        let problem = problemOf t1 t2
        let denseProgram, dense, finiteDense = denseJacobian problem fs x
        let yv = Array.zeroCreate 2
        let jv = Array.zeroCreate 2
        problem.JacobianVector(x, v, yv, jv)
        let productProgram = Lower.jacobianVector variableNames [||] fs
        // [y (2), J v (2)] with their bounds against the dense product, row by row.
        let denseProduct = Array.append dense.[0..1] (Array.init 2 (fun i -> RunningError.dot (row dense 2 3 i) v))
        let product = RunningError.attach productProgram x v (Array.append yv jv)
        let scale = max (scaleOf productProgram x v) (scaleOf denseProgram x [||])

        // Past an overflowed intermediate (sinh of 10⁶, then raised to −2) the two derivations give different
        // non-answers (forward mode ∞·0 = NaN, the dense one 0): no rounding of one value, so not comparable.
        let overflowed = overflows productProgram x v || overflows denseProgram x [||]

        (not finiteDense || overflowed || not (comparable t1 t2 x scale)
         || allAgree product denseProduct)
        |> Prop.label (sprintf "P = [%s; %s] at %A, v = %A: [y, J v] %A, dense %A" (string t1) (string t2) x v product denseProduct)))

/// Jᵀ w from the reverse-mode kernel against the dense Jᵀ times w for one case (the property below, and the case
/// CI drew in which P holds cosh(3^16)).
let private transposeProductAgrees ((t1, t2), (x: float[], (_: float[], w3: float[]))) =
    unlessConstantsOverflow (fun () ->
        let w = w3.[0..1]
        let fs = [| toExpr t1; toExpr t2 |]
        let problem = problemOf t1 t2
        let denseProgram, dense, finiteDense = denseJacobian problem fs x
        let yw = Array.zeroCreate 2
        let jtw = Array.zeroCreate 3
        problem.JacobianTransposeVector(x, w, yw, jtw)
        let productProgram = Lower.jacobianTransposeVector variableNames [||] fs
        // [y (2), Jᵀ w (3)] with their bounds against the dense product, column by column.
        let denseProduct = Array.append dense.[0..1] (Array.init 3 (fun c -> RunningError.dot (column dense 2 3 2 c) w))
        let product = RunningError.attach productProgram x w (Array.append yw jtw)
        let scale = max (scaleOf productProgram x w) (scaleOf denseProgram x [||])

        (not finiteDense || not (comparable t1 t2 x scale)
         || allAgree product denseProduct)
        |> Prop.label (sprintf "P = [%s; %s] at %A, w = %A: [y, Jᵀ w] %A, dense %A" (string t1) (string t2) x w product denseProduct))

[<Property(MaxTest = 200, EndSize = 12)>]
let ``Jᵀ w from the reverse-mode kernel equals the dense Jᵀ times w`` () = Prop.forAll cases transposeProductAgrees

[<Fact>]
let ``a drawn P whose constant cosh(3^16) overflows is refused before any product and counts as not comparable`` () =
    let case =
        (Fn(Function.Cosh, IntPow(IntPow(Int 3, 4), 4)),
         Add(Pow(IntPow(Var 2, 1), Div(Var 2, Frac(2, 3))), Fn(Function.Exp, Fn(Function.Asin, Fn(Function.Exp, Var 0))))),
        ([| 1.550123; 1.454123; 0.982123 |], ([| 1.916123; -0.211877; -1.859877 |], [| -1.854877; -1.357877; -1.066877 |]))
    let (t1, t2), (x, _) = case
    // The product refuses the problem where its kernel is made, naming the constant: what the helper relies on.
    let e = Assert.Throws<SymbolicException>(fun () -> (problemOf t1 t2).Simulate(x, Array.zeroCreate 2, Array.zeroCreate 6))
    Assert.Equal(ErrorKind.NonFinite, e.Kind)
    Assert.Contains("cosh(4.30467E+07)", e.Message)
    Check.One(Config.QuickThrowOnFailure.WithMaxTest(1), transposeProductAgrees case)

[<Property(MaxTest = 200, EndSize = 10)>]
let ``H v from the forward-over-reverse kernel equals the dense Hessian times v, with the same value and gradient`` () =
    Prop.forAll cases (fun ((t1, t2), (x, (v, _))) -> unlessConstantsOverflow (fun () ->
      let problem = problemOf t1 t2
      let gradient = Array.zeroCreate 3
      let hessian = Array.zeroCreate 9
      let value = problem.LossInX(x, gradient, hessian)
      let g = Array.zeroCreate 3
      let hv = Array.zeroCreate 3
      let valueHv = problem.HessianVector(x, v, g, hv)
      // L(P(x)) as CompiledProblem forms it: the outputs substituted into the loss.
      let composite =
          Structure.substituteNames [ "y0", toExpr t1; "y1", toExpr t2 ] loss

      let productProgram, denseProgram =
          Lower.hessianVector variableNames [||] composite, Lower.valueGradientHessian variableNames [||] true composite

      // [f, ∇f (3), H (9)] and [f, ∇f (3), H v (3)] with their bounds.
      let dense = RunningError.attach denseProgram x [||] (Array.concat [ [| value |]; gradient; hessian ])
      let denseProduct = Array.append dense.[0..3] (Array.init 3 (fun r -> RunningError.dot (row dense 4 3 r) v))
      let product = RunningError.attach productProgram x v (Array.concat [ [| valueHv |]; g; hv ])
      let scale = max (scaleOf productProgram x v) (scaleOf denseProgram x [||])

      (not (Array.forall finite hessian && Array.forall finite gradient && finite value)
       || not (comparable t1 t2 x scale)
       || allAgree product denseProduct)
      |> Prop.label (sprintf "P = [%s; %s] at %A, v = %A: [f, ∇, H v] %A, dense %A" (string t1) (string t2) x v product denseProduct)))

[<Property(MaxTest = 200, EndSize = 12)>]
let ``the adjoint identity wᵀ(J v) = (Jᵀ w)ᵀ v holds between the two kernels`` () =
    Prop.forAll cases (fun ((t1, t2), (x, (v, w3))) -> unlessConstantsOverflow (fun () ->
        let w = w3.[0..1]
        let fs = [| toExpr t1; toExpr t2 |]
        let problem = problemOf t1 t2
        let y = Array.zeroCreate 2
        let jv = Array.zeroCreate 2
        let jtw = Array.zeroCreate 3
        problem.JacobianVector(x, v, y, jv)
        problem.JacobianTransposeVector(x, w, y, jtw)
        let forward, reverse = Lower.jacobianVector variableNames [||] fs, Lower.jacobianTransposeVector variableNames [||] fs
        // Both sides are Σᵢⱼ wᵢ Jᵢⱼ vⱼ: the products' entries with their bounds, weighted by w or v.
        let left = RunningError.dot (RunningError.attach forward x v (Array.append y jv)).[2..3] w
        let right = RunningError.dot (RunningError.attach reverse x w (Array.append y jtw)).[2..4] v
        let scale = max (scaleOf forward x v) (scaleOf reverse x w)

        (not (Array.forall finite jv && Array.forall finite jtw) || not (comparable t1 t2 x scale)
         || allAgree [| left |] [| right |])
        |> Prop.label (sprintf "P = [%s; %s] at %A: wᵀ(J v) = %A, (Jᵀ w)ᵀ v = %A" (string t1) (string t2) x left right)))

/// Rosenbrock residuals rᵢ = 10(xᵢ₊₁ − xᵢ²), r'ᵢ = 1 − xᵢ (i < n − 1), whose sum of squares is
/// f(x) = Σ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)².
let private residuals (n: int) =
    let x = Array.init n (fun i -> Expr.symbol (sprintf "x%d" i))

    let rs =
        [| for i in 0 .. n - 2 do
               yield Expr.mul2 (Expr.ofInt 10) (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two))
               yield Expr.sub Expr.one x.[i] |]

    Array.init n (sprintf "x%d"), rs

let private rosenbrock (n: int) =
    let names, rs = residuals n
    names, Expr.sum (rs |> Seq.map (fun r -> Expr.pow r Expr.two))

let private count (program: StraightLineProgram) = program.Instructions.Length

/// Linear growth: doubling n at most doubles the program (plus 5% for constants), at 100 → 200 → 400.
let private linear (size: int -> int) =
    let c100, c200, c400 = size 100, size 200, size 400
    Assert.True(c200 <= int (2.05 * float c100) && c400 <= int (2.05 * float c200), sprintf "instructions at n = 100, 200, 400: %d, %d, %d" c100 c200 c400)

[<Fact>]
let ``the product programs of Rosenbrock grow linearly in n`` () =
    linear (fun n ->
        let names, rs = residuals n
        count (Lower.jacobianVector names [||] rs))

    linear (fun n ->
        let names, rs = residuals n
        count (Lower.jacobianTransposeVector names [||] rs))

    linear (fun n ->
        let names, f = rosenbrock n
        count (Lower.hessianVector names [||] f))

[<Fact>]
let ``H v stays linear where the dense Hessian is quadratic: f = (Σ xᵢ²)²`` () =
    // ∂²f/∂xᵢ∂xⱼ = 8xᵢxⱼ + 4δᵢⱼΣx²: n² distinct entries, so the dense program has Θ(n²) instructions
    // (checked, so that the measurement can tell the two apart), while H v = 8x(x·v) + 4(Σx²)v is O(n).
    let f n =
        let names = Array.init n (sprintf "x%d" )
        names, Expr.pow (Expr.sum (names |> Seq.map (fun v -> Expr.pow (Expr.symbol v) Expr.two))) Expr.two

    linear (fun n ->
        let names, e = f n
        count (Lower.hessianVector names [||] e))

    let dense n =
        let names, e = f n
        count (Lower.valueGradientHessian names [||] true e)

    Assert.True(dense 40 >= 3 * dense 20, sprintf "dense Hessian instructions at n = 20, 40: %d, %d" (dense 20) (dense 40))

[<Fact>]
let ``J v and Jᵀ w stay linear along a chain sin(sin(…sin(x)…)) of depth d`` () =
    // d/dx of a d-fold chain is a product of d cosines: built as one flattened expression per level it
    // would cost O(d²); the program has a bounded number of derivative instructions per level.
    let chain d =
        let mutable e = Expr.symbol "x"

        for _ in 1..d do
            e <- Expr.sin e

        [| e; Expr.mul2 e (Expr.symbol "x") |]

    linear (fun d -> count (Lower.jacobianVector [| "x" |] [||] (chain d)))
    linear (fun d -> count (Lower.jacobianTransposeVector [| "x" |] [||] (chain d)))
    linear (fun d -> count (Lower.hessianVector [| "x" |] [||] (chain d).[1]))

[<Fact>]
let ``at the minimum of Rosenbrock, H times ones is the hand-derived tridiagonal row sums`` () =
    // At x = 1: ∂²f/∂x₀² = 1200x₀² − 400x₁ + 2 = 802; interior ∂²f/∂xᵢ² = 802 + 200 = 1002; last 200;
    // ∂²f/∂xᵢ∂xᵢ₊₁ = −400xᵢ = −400. Row sums: 402, 202, …, 202, −200. The gradient is 0 and f = 0.
    let n = 5
    let names, rs = residuals n
    let problem =
        CompiledProblem(names, rs, Array.init rs.Length (sprintf "r%d"), Parse.expression "r0^2+r1^2+r2^2+r3^2+r4^2+r5^2+r6^2+r7^2")

    let gradient = Array.zeroCreate n
    let hv = Array.zeroCreate n
    let value = problem.HessianVector(Array.create n 1.0, Array.create n 1.0, gradient, hv)
    Assert.Equal(0.0, value)
    Assert.Equal<float[]>(Array.zeroCreate n, gradient)
    Assert.Equal<float[]>([| 402.0; 202.0; 202.0; 202.0; -200.0 |], hv)

[<Fact>]
let ``each product compiles its own kernel only, never the dense J or Hessian`` () =
    let names, rs = residuals 4
    let make () =
        CompiledProblem(names, rs, Array.init rs.Length (sprintf "r%d"), Parse.expression "r0^2+r1^2+r2^2+r3^2+r4^2+r5^2")

    let x = [| -1.2; 1.0; 0.5; 0.3 |]
    let hvProblem = make ()
    hvProblem.HessianVector(x, Array.create 4 1.0, Array.zeroCreate 4, Array.zeroCreate 4) |> ignore
    Assert.Equal(Capabilities.HessianVector, hvProblem.Compiled)
    let jvProblem = make ()
    jvProblem.JacobianVector(x, Array.create 4 1.0, Array.zeroCreate 6, Array.zeroCreate 6)
    Assert.Equal(Capabilities.JacobianVector, jvProblem.Compiled)
    let jtwProblem = make ()
    jtwProblem.JacobianTransposeVector(x, Array.create 6 1.0, Array.zeroCreate 6, Array.zeroCreate 4)
    Assert.Equal(Capabilities.JacobianTransposeVector, jtwProblem.Compiled)

[<Fact>]
let ``the products allocate nothing per call after the first`` () =
    let names, rs = residuals 50
    let problem =
        CompiledProblem(names, rs, Array.init rs.Length (sprintf "r%d"), Expr.sum (Array.init rs.Length (fun i -> Expr.pow (Expr.symbol (sprintf "r%d" i)) Expr.two)))

    let x = Array.init 50 (fun i -> 0.5 + 0.01 * float i)
    let v = Array.create 50 0.3
    let w = Array.create rs.Length 0.7
    let y, jv, jtw, g, hv = Array.zeroCreate rs.Length, Array.zeroCreate rs.Length, Array.zeroCreate 50, Array.zeroCreate 50, Array.zeroCreate 50

    let calls () =
        problem.JacobianVector(x, v, y, jv)
        problem.JacobianTransposeVector(x, w, y, jtw)
        problem.HessianVector(x, v, g, hv) |> ignore

    calls ()
    Assert.Equal(0L, allocatedIn 100 calls)

/// A coupled map of n variables, yᵢ = xᵢ + 0.1·sin(xᵢ₊₁) + 0.05·xᵢ³, whose Jacobian is
/// diagonally dominant near 0 (so Newton converges), at n above LinearAlgebra.SmallLimit.
let private coupled (n: int) =
    let names = Array.init n (sprintf "x%d")
    let x = names |> Array.map Expr.symbol

    let ys =
        Array.init n (fun i ->
            Expr.sum
                [ x.[i]
                  Expr.mul2 (Expr.real 0.1) (Expr.sin x.[(i + 1) % n])
                  Expr.mul2 (Expr.real 0.05) (Expr.pow x.[i] (Expr.ofInt 3)) ])

    CompiledProblem(names, ys, Array.init n (sprintf "y%d"), Expr.sum (Array.init n (fun i -> Expr.pow (Expr.symbol (sprintf "y%d" i)) Expr.two)))

[<Theory>]
[<InlineData(2)>]
[<InlineData(12)>]
let ``the numeric inverse allocates nothing per call after the first and reproduces y`` (n: int) =
    let problem = coupled n
    let x0 = Array.zeroCreate n
    let truth = Array.init n (fun i -> 0.3 - 0.05 * float i)
    let target = Array.zeroCreate n
    problem.Simulate(truth, target)
    let x = Array.zeroCreate n
    Assert.True(problem.InvertNumerically(target, x0, x))
    Assert.Equal(0L, allocatedIn 20 (fun () -> problem.InvertNumerically(target, x0, x) |> ignore))
    // Newton succeeded to ‖P(x) − y‖ ≤ 1e-12(1 + ‖y‖), and the map is injective near 0 (dominant
    // diagonal), so x is the preimage the target was made from.
    let y = Array.zeroCreate n
    problem.Simulate(x, y)

    for i in 0 .. n - 1 do
        Assert.True(abs (y.[i] - target.[i]) <= 1e-11, sprintf "y%d: %.17g vs %.17g" i y.[i] target.[i])
        Assert.True(abs (x.[i] - truth.[i]) <= 1e-9, sprintf "x%d: %.17g vs %.17g" i x.[i] truth.[i])
