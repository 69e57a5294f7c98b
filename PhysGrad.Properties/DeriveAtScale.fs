module PhysGrad.Properties.DeriveAtScale

// Issue 14, derive + compile at n = 10⁵: a compiled problem finds the families of its composite loss
// L(P(x)) from the loss's families in y and the simulator's component families (Families.compose), without
// substituting the outputs into the loss. The composed families with their rest must be the composite
// loss: value, gradient, sparse Hessian and H v equal those of the substituted loss's straight-line and
// dense kernels.
//
// Method: every variable, target, coefficient and vector entry is a multiple of 1/4 of magnitude at most 2
// (targets 2) and the residuals are polynomials of degree ≤ 3 with coefficients ≤ 5, so every value,
// gradient, Hessian and H v entry is a dyadic rational with at most 16 fractional bits and far below 2³⁷:
// all kernels compute exactly, in any order, and the 1e-12 relative bound cannot fail by rounding.

open System
open System.Collections.Generic
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.TestHelpers

/// Residual of shape s at first variable b with coefficient c and per-cell constant t (each reads 2 or 3
/// variables from b on).
let private residual (x: Expr[]) (s: int) (b: int) (c: int) (t: int) =
    let u, v, w = x.[b], x.[b + 1], x.[b + 2]

    match s with
    | 0 -> Expr.sub (Expr.mul2 (Expr.ofInt c) (Expr.sub v (Expr.pow u Expr.two))) (quarter t) // c(v − u²) − t
    | 1 -> Expr.sub (Expr.mul2 u v) (quarter t) // uv − t
    | 2 -> Expr.sub (Expr.add (Expr.mul [| Expr.ofInt c; u; w |]) (Expr.pow v (Expr.ofInt 3))) (quarter t) // c·u·w + v³ − t
    | _ -> Expr.sub (Expr.add (Expr.sub u (Expr.mul2 (Expr.ofInt c) v)) w) (quarter t) // u − cv + w − t

type private Case =
    { Shape: int
      Start: int
      Stride: int
      OutputStart: int
      OutputStride: int
      Count: int
      Coefficient: int
      Targets: int[]
      Others: (int * int * int)[]
      /// The loss's factor w in w·Σ(yᵢ − y*ᵢ)², in halves (1 … 3).
      Weight: int
      LossTargets: int[]
      /// An extra loss term y_a·y_b (a cross term: the loss's own rest), when given.
      Cross: (int * int) option
      Point: int[]
      V: int[] }

let private cases =
    gen {
        let! shape = Gen.choose (0, 3)
        let! start = Gen.choose (0, 4)
        let! stride = Gen.choose (1, 3)
        let! outputStart = Gen.choose (0, 3)
        let! outputStride = Gen.choose (1, 2)
        let! count = Gen.choose (16, 40)
        let! coefficient = Gen.choose (1, 5)
        // Constants 0 often: a cell whose constant simplifies away (a specialised cell).
        let! targets = Gen.arrayOfLength count (Gen.frequency [ 1, Gen.constant 0; 3, Gen.choose (-8, 8) ])
        let n = start + stride * (count - 1) + 3 + 4
        let m = outputStart + outputStride * (count - 1) + 1 + 3
        let others = m - count
        let! shapes = Gen.arrayOfLength others (Gen.choose (0, 2))
        let! firsts = Gen.arrayOfLength others (Gen.choose (0, n - 3))
        let! targetsOthers = Gen.arrayOfLength others (Gen.choose (-8, 8))
        let! weight = Gen.choose (1, 3)
        let! lossTargets = Gen.arrayOfLength m (Gen.frequency [ 1, Gen.constant 0; 2, Gen.choose (-8, 8) ])
        let! a = Gen.choose (0, m - 1)
        let! b = Gen.choose (0, m - 1)
        let! cross = Gen.elements [ None; Some(a, b) ]
        let! point = Gen.arrayOfLength n (Gen.choose (-8, 8))
        let! v = Gen.arrayOfLength n (Gen.choose (-8, 8))

        return
            { Shape = shape
              Start = start
              Stride = stride
              OutputStart = outputStart
              OutputStride = outputStride
              Count = count
              Coefficient = coefficient
              Targets = targets
              Others = Array.zip3 shapes firsts targetsOthers
              Weight = weight
              LossTargets = lossTargets
              Cross = cross
              Point = point
              V = v }
    }

/// The simulator (component OutputStart + c·OutputStride is the family's shape at Start + c·Stride, every
/// other one of another shape at a random variable, coefficient 3), the output names and the loss in them.
let private build (c: Case) =
    let n = c.Point.Length
    let m = c.LossTargets.Length
    let names = Array.init n (sprintf "x%d")
    let x = names |> Array.map Expr.symbol
    let mutable other = 0

    let fs =
        Array.init m (fun i ->
            let k = i - c.OutputStart

            if k >= 0 && k % c.OutputStride = 0 && k / c.OutputStride < c.Count then
                let cell = k / c.OutputStride
                residual x c.Shape (c.Start + cell * c.Stride) c.Coefficient c.Targets.[cell]
            else
                let (s, b, t) = c.Others.[other]
                other <- other + 1
                residual x ((c.Shape + 1 + s) % 4) b 3 t)

    let outputs = Array.init m (sprintf "y%d")
    let y = outputs |> Array.map Expr.symbol

    let squares =
        Expr.mul2 (Expr.fraction c.Weight 2) (Expr.sum [ for i in 0 .. m - 1 -> Expr.pow (Expr.sub y.[i] (quarter c.LossTargets.[i])) Expr.two ])

    // Without a cross term the loss is w/2·Σ(…)², a product over the sum (as Problem.DefaultLoss builds it);
    // with one, a flat sum of w/2·(yᵢ − y*ᵢ)² and y_a·y_b (a constant times a sum plus a term would not be
    // a sum of per-output terms, and its families would be none in y and in x alike).
    let loss =
        match c.Cross with
        | Some(a, b) ->
            Expr.sum
                [ for i in 0 .. m - 1 do
                      yield Expr.mul2 (Expr.fraction c.Weight 2) (Expr.pow (Expr.sub y.[i] (quarter c.LossTargets.[i])) Expr.two)
                  yield Expr.mul2 y.[a] y.[b] ]
        | None -> squares

    names, fs, outputs, loss

/// The loss with y := P(x), as the compiled problem built it before composing.
let private substituted (fs: Expr[]) (outputs: string[]) (loss: Expr) =
    let d = Dictionary<Expr, Expr>()

    for j in 0 .. outputs.Length - 1 do
        d.[Expr.symbol outputs.[j]] <- fs.[j]

    Structure.substitute d loss

[<Property(MaxTest = 40)>]
let ``composed families of L(P(x)) give the substituted loss's value, gradient, sparse Hessian and H v`` () =
    Prop.forAll (Arb.fromGen cases) (fun c ->
        let names, fs, outputs, loss = build c
        let n, m = names.Length, outputs.Length
        let x, v = quarters c.Point, quarters c.V
        let composite = substituted fs outputs loss
        let straight program p = runKernel (KernelCompiler.CompileUncached(program, true)) x p
        // [f, ∇f (n), H (n·n)] of the substituted loss, straight-line; and [f, ∇f, H v].
        let dense = straight (Lower.valueGradientHessian names [||] true composite) [||]
        let hv = straight (Lower.hessianVector names [||] composite) v
        let components = Families.detectComponents names fs

        // The compiled problem's answers (composed or not) are the substituted loss's.
        let compiledAgrees () =
            let problem = CompiledProblem(names, fs, outputs, loss)
            let g = Array.zeroCreate n
            let value = problem.ValueGradient(x, g)
            let g2, hvOut = Array.zeroCreate n, Array.zeroCreate n
            let value2 = problem.HessianVector(x, v, g2, hvOut)
            let h = CsrMatrix(problem.SparseHessianPattern())
            let g3 = Array.zeroCreate n
            let value3 = problem.SparseHessian(x, g3, h)

            (allCloseRelative dense.[0..n] (Array.append [| value |] g) |> Prop.label "CompiledProblem.ValueGradient")
            .&. (allCloseRelative hv (Array.concat [ [| value2 |]; g2; hvOut ]) |> Prop.label "CompiledProblem.HessianVector")
            .&. ((closeRelative dense.[0] value3 && allCloseRelative dense.[1..n] g3
                  && (let full = h.ToDense() in Seq.forall (fun k -> closeRelative full.[k] dense.[1 + n + k]) (seq { 0 .. n * n - 1 })))
                 |> Prop.label "CompiledProblem.SparseHessian")

        match Families.compose names outputs loss components with
        | None ->
            // Declining is allowed (the compiled problem then detects families on the substituted loss, as
            // before composing existed); what must hold either way is that its answers are the substituted
            // loss's. Seed (7620355600181537828,15976745196875094407,73): a cross term y17·y17 with 24 family
            // cells of 30 outputs was declined although the family cells outnumber the rest.
            compiledAgrees ()
            |> Prop.classify true "declined"
            |> Prop.label (sprintf "declined with %d family cells of %d outputs" c.Count m)
        | Some found ->
            let cells = found.Families |> Array.sumBy (fun f -> f.Count)
            let valueGradient = runKernel (FamilyKernels.ValueGradient found) x [||]
            let sparse = FamilyKernels.SparseHessian found
            let mine = runKernel sparse.Kernel x [||]
            let p = sparse.Pattern

            let hessianAgrees =
                Seq.forall
                    (fun (r, col) ->
                        let k = p.IndexOf(r, col)
                        let d = dense.[1 + n + r * n + col]
                        if k < 0 then d = 0.0 else closeRelative mine.[1 + n + k] d)
                    (seq { for r in 0 .. n - 1 do for col in 0 .. n - 1 -> r, col })

            ((cells >= c.Count) |> Prop.label (sprintf "the family's %d cells composed (%d)" c.Count cells))
            .&. (allCloseRelative dense.[0..n] valueGradient |> Prop.label "value and gradient")
            .&. (Array.forall2 closeRelative dense.[0..n] mine.[0..n] |> Prop.label "sparse Hessian kernel's value and gradient")
            .&. (hessianAgrees |> Prop.label "sparse Hessian against the dense one")
            .&. compiledAgrees ()
            |> Prop.classify c.Cross.IsSome "loss with a cross term"
            |> Prop.label (sprintf "n = %d, m = %d, families = %d, rest terms = %d" n m found.Families.Length found.RestTermCount))

[<Fact>]
let ``the Rosenbrock loss composes to the substituted loss's own family, template for template`` () =
    // ½Σ rᵢ² with rᵢ = 10(xᵢ₊₁ − xᵢ²) (i < n − 1), r_{n−1} = 1 − x₀ (THEORY §7): one family of n − 1 cells
    // from x₀ with stride 1 and the last residual's term ½(1 − x₀)² as the rest; the template is the same
    // hash-consed node that detection on the substituted loss finds, so the kernels are the same.
    let n = 300
    let names = Array.init n (sprintf "x%d")
    let fs = Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))
    let outputs = Array.init n (sprintf "r%d")
    let loss = Problem.DefaultLoss(outputs, Array.zeroCreate<float> n)
    let composed = (Families.compose names outputs loss (Families.detectComponents names fs)).Value
    let detected = Families.detect names (substituted fs outputs loss)
    Assert.Equal(1, composed.Families.Length)
    let f = composed.Families.[0]
    Assert.Equal((0, 1, n - 1), (f.Start, f.Stride, f.Count))
    Assert.Equal(1, composed.RestTermCount)
    Assert.Equal(1, detected.Families.Length)
    let d = detected.Families.[0]
    Assert.Equal((d.Start, d.Stride, d.Count), (f.Start, f.Stride, f.Count))
    Assert.True(Object.ReferenceEquals(d.Template, f.Template), sprintf "%s vs %s" (Infix.format d.Template) (Infix.format f.Template))
    Assert.True(Object.ReferenceEquals(detected.Rest, composed.Rest), sprintf "%s vs %s" (Infix.format detected.Rest) (Infix.format composed.Rest))
    // ½(1 − x₀)² at x₀ = 0.5: 0.125, the rest's value by hand.
    Assert.Equal(0.125, Evaluate.at [| "x0" |] [| 0.5 |] composed.Rest, 15)
