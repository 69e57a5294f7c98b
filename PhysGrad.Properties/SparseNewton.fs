/// Newton above its dense limit (issue 14's CLI target): the exact Newton step on the sparse Hessian
/// (EnvelopeCholesky after a reverse Cuthill–McKee ordering), Nocedal & Wright's Algorithm 3.3 where H is
/// not positive definite, and the dense form unchanged at and below Newton.DenseUpTo. The sparse form is
/// asked for at small n with Newton(η, denseUpTo) rather than by building 2000-variable problems.
module PhysGrad.Properties.SparseNewton

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

/// L = ½ xᵀA x − bᵀx for a symmetric A given by its entries (row, column, value) of both triangles: the
/// dense Hessian (A) and the sparse one (A's pattern), nothing else.
type private Quadratic(n: int, entries: (int * int * float)[], b: float[]) =
    // Formed only when asked for (the dense form, small n).
    let dense =
        lazy
            (let a = Array.zeroCreate (n * n)
             for (r, c, v) in entries do a.[r * n + c] <- v
             a)
    let sorted = entries |> Array.sortBy (fun (r, c, _) -> r, c)
    let pointers = Array.zeroCreate (n + 1)
    do for (r, _, _) in sorted do pointers.[r + 1] <- pointers.[r + 1] + 1
    do for r in 0 .. n - 1 do pointers.[r + 1] <- pointers.[r + 1] + pointers.[r]
    let pattern = SparsityPattern(n, n, pointers, sorted |> Array.map (fun (_, c, _) -> c))
    let ax (x: float[]) =
        let a = Array.zeroCreate n
        for (r, c, v) in entries do a.[r] <- a.[r] + v * x.[c]
        a
    let value (x: float[]) =
        let a = ax x
        Seq.sum (seq { for i in 0 .. n - 1 -> 0.5 * x.[i] * a.[i] - b.[i] * x.[i] })
    let gradient (x: float[]) (g: float[]) =
        let a = ax x
        for i in 0 .. n - 1 do g.[i] <- a.[i] - b.[i]
    let refuse () = raise (NotSupportedException "a quadratic in x alone")
    interface IDifferentiableProblem with
        member _.N = n
        member _.M = 0
        member _.Supported = Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.Hessian ||| Capabilities.SparseHessian
        member _.Value x = value x
        member _.ValueGradient(x, g) =
            gradient x g
            value x
        member _.LossInX(x, g, h) =
            gradient x g
            Array.blit dense.Value 0 h 0 (n * n)
            value x
        member _.SparseHessianPattern() = pattern
        member _.SparseHessian(x, g, h) =
            gradient x g
            sorted |> Array.iteri (fun k (_, _, v) -> h.Values.[k] <- v)
            value x
        member _.HessianVector(_, _, _, _) = refuse ()
        member _.Simulate(_: float[], _: float[]) = refuse ()
        member _.Simulate(_: float[], _: float[], _: float[]) = refuse ()
        member _.LossInY(_: float[], _: float[]) : float = refuse ()
        member _.LossInY(_: float[], _: float[], _: float[]) : float = refuse ()
        member _.JacobianVector(_, _, _, _) = refuse ()
        member _.JacobianTransposeVector(_, _, _, _) = refuse ()
        member _.TryInvert(_, _, _) = false

/// A random symmetric sparse matrix of n = 2 to 40: a band of half-width 1 to 3 plus a few links far off
/// the band (so the ordering matters), off-diagonal values in [−1, 1] on a grid of 1/16, and the diagonal
/// from `diagonal` given each row's sum of |off-diagonal| entries.
let private sparseSymmetric (diagonal: float -> Gen<float>) =
    gen {
        let! n = Gen.choose (2, 40)
        let! width = Gen.choose (1, 3)
        let! far = Gen.listOfLength 3 (Gen.zip (Gen.choose (0, n - 1)) (Gen.choose (0, n - 1)))
        let links =
            [ for i in 0 .. n - 1 do
                  for j in i + 1 .. min (n - 1) (i + width) -> i, j ]
            @ (far |> List.filter (fun (i, j) -> i <> j) |> List.map (fun (i, j) -> min i j, max i j))
            |> List.distinct
        let! values = Gen.listOfLength links.Length (Gen.choose (-16, 16) |> Gen.map (fun k -> float k / 16.0))
        let off = List.zip links values |> List.filter (fun (_, v) -> v <> 0.0)
        let rowSum i = off |> List.sumBy (fun ((r, c), v) -> if r = i || c = i then abs v else 0.0)
        let! diagonals = Gen.sequenceToArray [ for i in 0 .. n - 1 -> diagonal (rowSum i) ]
        let! b = Gen.arrayOfLength n (Gen.choose (-32, 32) |> Gen.map (fun k -> float k / 8.0))
        let! x0 = Gen.arrayOfLength n (Gen.choose (-32, 32) |> Gen.map (fun k -> float k / 8.0))
        let entries =
            [| for i in 0 .. n - 1 -> i, i, diagonals.[i]
               for (r, c), v in off do
                   yield r, c, v
                   yield c, r, v |]
        return n, entries, b, x0
    }

/// Strictly diagonally dominant by 0.25 to 2 (so positive definite, condition at most about 60).
let private dominant (sum: float) = Gen.choose (4, 32) |> Gen.map (fun k -> sum + float k / 16.0)

let private gapOf (a: float[]) (b: float[]) = Array.map2 (fun u v -> abs (u - v)) a b |> Array.max

let private firstStep (problem: IDifferentiableProblem) (rule: IUpdateRule) (x0: float[]) = Optimizer.Run(problem, rule, x0, 1)

[<Property(MaxTest = 100)>]
let ``on sparse positive-definite quadratics the sparse step is the dense Newton step`` () =
    Prop.forAll (Arb.fromGen (sparseSymmetric dominant)) (fun (n, entries, b, x0) ->
        let problem = Quadratic(n, entries, b)
        let dense = firstStep problem (Newton 1.0) x0
        let sparse = firstStep problem (Newton(1.0, 0)) x0
        let scale = 1.0 + (dense.Final |> Array.map abs |> Array.max)
        let gap = gapOf dense.Final sparse.Final
        // One Newton step lands on A⁻¹b: the residual A x − b is at rounding for both.
        let g = Array.zeroCreate n
        (problem :> IDifferentiableProblem).ValueGradient(sparse.Final, g) |> ignore
        let residual = g |> Array.map abs |> Array.max
        (gap <= 1e-12 * scale && residual <= 1e-11 * (1.0 + (b |> Array.map abs |> Array.max) + scale)
         && sparse.Fallbacks.Count = 0 && dense.Fallbacks.Count = 0)
        |> Prop.label (sprintf "n %d: dense %A, sparse %A, gap %g, residual %g, fallbacks %A" n dense.Final sparse.Final gap residual sparse.Fallbacks))

/// One diagonal entry negative (−¼ to −2), the rest dominant: H has a negative eigenvalue.
let private indefiniteAt (row: int) =
    let mutable i = -1
    fun (sum: float) ->
        i <- i + 1
        if i = row then Gen.choose (-32, -4) |> Gen.map (fun k -> float k / 16.0) else dominant sum

[<Property(MaxTest = 100)>]
let ``at an indefinite point the sparse step is N&W's Algorithm 3.3, descends and is recorded`` () =
    Prop.forAll (Arb.fromGen (sparseSymmetric (indefiniteAt 0))) (fun (n, entries, b, x0) ->
        let problem = Quadratic(n, entries, b) :> IDifferentiableProblem
        let run = firstStep problem (Newton(1.0, 0)) x0
        let reason = if run.Fallbacks.Count = 1 then run.Fallbacks.[0].Reason else ""
        let moved = Array.exists2 (<>) run.Final x0
        (run.Losses.[1] < run.Losses.[0] && moved
         && run.Fallbacks.Count = 1 && run.Fallbacks.[0].Kind = FallbackKind.HessianIndefinite
         && reason.Contains "Algorithm 3.3" && reason.Contains "τ = " && reason.Contains(sprintf "n = %d" n))
        |> Prop.label (sprintf "n %d: L %g → %g, fallbacks %A" n run.Losses.[0] run.Losses.[1] run.Fallbacks))

[<Fact>]
let ``an indefinite Hessian with a positive diagonal is found by a negative Cholesky pivot`` () =
    // H = [[1, 2], [2, 1]] (eigenvalues 3 and −1): every hᵢᵢ > 0, so τ₀ = 0 and the first factorisation
    // meets the pivot 1 − 2²/1 = −3. H + τI is positive definite for τ > 1: β = 10⁻³, doubled from there,
    // first above 1 at 1.024. L = ½xᵀHx − bᵀx with b = 0 from x = (1, 0): L = ½.
    let problem = Quadratic(2, [| 0, 0, 1.0; 0, 1, 2.0; 1, 0, 2.0; 1, 1, 1.0 |], [| 0.0; 0.0 |]) :> IDifferentiableProblem
    let run = firstStep problem (Newton(1.0, 0)) [| 1.0; 0.0 |]
    Assert.Equal(0.5, run.Losses.[0])
    Assert.True(run.Losses.[1] < 0.5, sprintf "L after the step: %g" run.Losses.[1])
    let fallback = Assert.Single run.Fallbacks
    Assert.Equal(FallbackKind.HessianIndefinite, fallback.Kind)
    // Which variable comes first is the ordering's choice; the other's pivot is −3 either way.
    Assert.Matches("the Cholesky pivot of x[01] is -3\\)", fallback.Reason)
    Assert.Contains("τ = 1.024", fallback.Reason)
    Assert.Contains("12 factorisations", fallback.Reason)

let private rosenbrock n = ReferenceProblems.Create("rosenbrock", Nullable n, defaultComparison = false).Compiled

[<Fact>]
let ``at and below the dense limit newton is the dense form, bit for bit, with the eigenvalue modification`` () =
    // The Rosenbrock residuals at n = 40 from x = (0, 1, 0, 1, …): rᵢ = 10 for even i, so hᵢᵢ = 100 − 20·10 < 0
    // and H is indefinite at the start, where the dense form takes |λ| for each eigenvalue (a problem with a
    // sparse Hessian, so only the size decides the form).
    let problem = rosenbrock 40
    let start = Array.init 40 (fun i -> float (i % 2))
    let byDefault = Optimizer.Run(problem, Newton 1.0, start, 30)
    let dense = Optimizer.Run(problem, Newton(1.0, 40), start, 30)
    Assert.Equal<float[]>(byDefault.Trajectory |> Seq.concat |> Array.ofSeq, dense.Trajectory |> Seq.concat |> Array.ofSeq)
    let first = byDefault.Fallbacks |> Seq.head
    Assert.Equal(1, first.Iteration)
    Assert.Equal(FallbackKind.HessianIndefinite, first.Kind)
    Assert.Contains("negative eigenvalue", first.Reason)
    Assert.DoesNotContain("Algorithm 3.3", first.Reason)
    // Asked for the sparse form, the same point gets H + τI instead (τ₀ from the negative diagonal).
    let sparse = Optimizer.Run(problem, Newton(1.0, 39), start, 1)
    let note = Assert.Single sparse.Fallbacks
    Assert.Equal(FallbackKind.HessianIndefinite, note.Kind)
    Assert.Contains("Algorithm 3.3", note.Reason)
    Assert.Contains("< 0", note.Reason)
    Assert.True(sparse.Losses.[1] < sparse.Losses.[0])

[<Fact>]
let ``where H stays positive definite the two forms take the same steps`` () =
    // The classic start (−1.2, 1, …) at n = 40: no step of either form is modified, and the trajectories
    // agree to rounding (LU with pivoting against Cholesky after a reordering).
    let problem = rosenbrock 40
    let start = Array.init 40 (fun i -> if i % 2 = 0 then -1.2 else 1.0)
    let dense = Optimizer.Run(problem, Newton 1.0, start, 20)
    let sparse = Optimizer.Run(problem, Newton(1.0, 0), start, 20)
    Assert.Empty dense.Fallbacks
    Assert.Empty sparse.Fallbacks
    for k in 0 .. 20 do
        let gap = gapOf dense.Trajectory.[k] sparse.Trajectory.[k]
        Assert.True(gap <= 1e-9, sprintf "iteration %d: the two forms differ by %g" k gap)

[<Fact>]
let ``newton runs the Rosenbrock residuals at 10^4 variables`` () =
    // The reference example's compiled problem (ReferenceProblems, the API's), from the classic start.
    let n = 10000
    let run = Optimizer.Run(rosenbrock n, Newton 1.0, Array.init n (fun i -> if i % 2 = 0 then -1.2 else 1.0), 100)
    Assert.Equal(100, run.Iterations)
    // From L = 1.26·10⁶ to below 10⁻³ in 100 exact Newton steps (8.5·10⁻⁴ with this form of the residuals,
    // 10*x1 - 10*x0^2; 2.6·10⁻⁸ with 10*(x1 - x0^2): the path is that sensitive to rounding, BENCHMARKS.md),
    // x0 near the minimiser's 1 (the chain xᵢ₊₁ = xᵢ² is settled from its head).
    Assert.True(run.Losses.[0] > 1e6, sprintf "start loss %g" run.Losses.[0])
    Assert.True(run.FinalLoss < 1e-3, sprintf "final loss %g" run.FinalLoss)
    Assert.True(abs (run.Final.[0] - 1.0) < 1e-3, sprintf "x0 = %g" run.Final.[0])

[<Fact>]
let ``over the dense limit a problem without a sparse Hessian is refused, naming newton-cg`` () =
    let n = Newton.DenseUpTo + 1
    let problem = Quadratic(n, Array.init n (fun i -> i, i, 1.0), Array.zeroCreate n)
    let denseOnly =
        { new IDifferentiableProblem with
            member _.N = n
            member _.M = 0
            member _.Supported = Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.Hessian
            member _.Value x = (problem :> IDifferentiableProblem).Value x
            member _.ValueGradient(x, g) = (problem :> IDifferentiableProblem).ValueGradient(x, g)
            member _.LossInX(x, g, h) = (problem :> IDifferentiableProblem).LossInX(x, g, h)
            member _.HessianVector(_, _, _, _) = 0.0
            member _.Simulate(_: float[], _: float[]) = ()
            member _.Simulate(_: float[], _: float[], _: float[]) = ()
            member _.LossInY(_: float[], _: float[]) : float = 0.0
            member _.LossInY(_: float[], _: float[], _: float[]) : float = 0.0
            member _.JacobianVector(_, _, _, _) = ()
            member _.JacobianTransposeVector(_, _, _, _) = ()
            member _.TryInvert(_, _, _) = false }
    let e = Assert.Throws<SymbolicException>(fun () -> (Newton 1.0 :> IUpdateRule).Init(denseOnly, Array.zeroCreate n) |> ignore)
    Assert.Equal(ErrorKind.TooLarge, e.Kind)
    Assert.Contains("no sparse Hessian", e.Message)
    Assert.Contains("newton-cg", e.Message)
    // The same quadratic with its sparse Hessian (the identity) runs, and lands on b = 0 in one step.
    let run = Optimizer.Run(problem, Newton 1.0, Array.create n 3.0, 1)
    Assert.True(run.Final |> Array.forall (fun v -> v = 0.0))

[<Fact>]
let ``a sparse Hessian whose factor is over the limit is refused with its size`` () =
    // 20,000 variables, each linked to three others far away (i ↦ 7919·i + 104729·k mod n): 6 nonzeros a row,
    // but a graph that no ordering makes narrow, so the factor would fill most of the n²/2 envelope, over
    // the 1.2·10⁷ values the dense form holds at its limit.
    let n = 20000
    let links = [| for i in 0 .. n - 1 do for k in 1 .. 3 do let j = int ((7919L * int64 i + 104729L * int64 k) % int64 n) in if j <> i then yield min i j, max i j |] |> Array.distinct
    let entries = [| for i in 0 .. n - 1 -> i, i, 10.0
                     for (i, j) in links do
                         yield i, j, 1.0
                         yield j, i, 1.0 |]
    let problem = Quadratic(n, entries, Array.zeroCreate n)
    let e = Assert.Throws<SymbolicException>(fun () -> (Newton 1.0 :> IUpdateRule).Init(problem, Array.zeroCreate n) |> ignore)
    Assert.Equal(ErrorKind.TooLarge, e.Kind)
    Assert.Contains("has a Cholesky factor of", e.Message)
    // Each figure is set against its own limit, and at least one is over it.
    Assert.Contains("(over the limit of", e.Message)
    Assert.Contains("half-bandwidth", e.Message)
    Assert.Contains("newton-cg", e.Message)

[<Fact>]
let ``the dense form's limit is checked`` () =
    let e = Assert.Throws<SymbolicException>(fun () -> Newton(1.0, Newton.DenseUpTo + 1) |> ignore)
    Assert.Contains("0 to 2000", e.Message)
    Assert.Throws<SymbolicException>(fun () -> Newton(1.0, -1) |> ignore) |> ignore
