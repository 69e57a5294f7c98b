/// Solvers that scale (issue 14, item 3): LSQR and CG on matrix-free products against dense linear
/// algebra, the matrix-free Gauss–Newton, IG and PG against their dense forms, HIG's size limit, and
/// the heat inverse problem's regularised inverse against its per-mode filter (docs/theory.md §7).
module PhysGrad.Properties.Solvers

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open PhysGrad.Properties.TestHelpers

/// A well-conditioned m × n matrix U Σ Vᵀ with singular values in [1, 4] (condition at most 4, so LSQR's
/// answer is accurate to about κ²·ε ≈ 10⁻¹⁴ and a 1e-10 comparison cannot fail by rounding).
let private wellConditioned =
    gen {
        let! m = Gen.choose (1, 6)
        let! n = Gen.choose (1, 6)
        let! entries = Gen.arrayOfLength 36 (Gen.choose (-1000, 1000) |> Gen.map (fun v -> float v / 1000.0))
        let! sigmas = Gen.arrayOfLength 6 (Gen.choose (0, 3000) |> Gen.map (fun v -> 1.0 + float v / 1000.0))
        let! rhs = Gen.arrayOfLength 6 (Gen.choose (-5000, 5000) |> Gen.map (fun v -> float v / 1000.0))
        let u = orthogonal entries m
        let v = orthogonal (Array.rev entries) n
        let s = Matrix<float>.Build.Dense(m, n, fun i j -> if i = j then sigmas.[i] else 0.0)
        return (u * s * v.Transpose(), rhs.[.. m - 1])
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``LSQR gives the minimum-norm least-squares solution A⁺b of the pseudo-inverse`` () =
    Prop.forAll wellConditioned (fun (a, b) ->
        let m, n = a.RowCount, a.ColumnCount
        let apply, adjoint = linearMaps a
        let x = Array.zeroCreate n
        let result = Krylov.Lsqr(m, n, apply, adjoint, b, x, KrylovWorkspace(m, n))
        // MathNet's pseudo-inverse by SVD: the minimum-norm least-squares solution for any shape.
        let expected = (a.PseudoInverse() * Vector<float>.Build.DenseOfArray b).ToArray()
        (result.Converged && nearInSumScale 1e-10 expected x)
        |> Prop.label (sprintf "%dx%d: expected %A, got %A (%A)" m n expected x result))

[<Property(MaxTest = 100)>]
let ``LSQR with damping solves the damped normal equations (AᵀA + d²I) x = Aᵀb`` () =
    Prop.forAll wellConditioned (fun (a, b) ->
        let m, n = a.RowCount, a.ColumnCount
        let apply, adjoint = linearMaps a
        let damp = 0.7
        let x = Array.zeroCreate n
        Krylov.Lsqr(m, n, apply, adjoint, b, x, KrylovWorkspace(m, n), damp) |> ignore
        let normal = a.TransposeThisAndMultiply(a) + Matrix<float>.Build.DenseIdentity(n) * (damp * damp)
        let expected = normal.Solve(a.TransposeThisAndMultiply(Vector<float>.Build.DenseOfArray b)).ToArray()
        nearInSumScale 1e-10 expected x |> Prop.label (sprintf "expected %A, got %A" expected x))

[<Fact>]
let ``CG solves a symmetric positive definite system and stops at negative curvature`` () =
    // [[4, 1], [1, 3]] x = [1, 2] has x = [1/11, 7/11] (Cramer's rule: det 11).
    let a = Matrix<float>.Build.DenseOfArray(array2D [ [ 4.0; 1.0 ]; [ 1.0; 3.0 ] ])
    let apply, _ = linearMaps a
    let x = Array.zeroCreate 2
    let r = Krylov.ConjugateGradient(2, apply, [| 1.0; 2.0 |], x, KrylovWorkspace(2, 2))
    Assert.True(r.Converged)
    Assert.Equal(1.0 / 11.0, x.[0], 12)
    Assert.Equal(7.0 / 11.0, x.[1], 12)
    // −I has dᵀAd < 0 along the first direction b: not converged, reported.
    let negative, _ = linearMaps (Matrix<float>.Build.DenseOfArray(array2D [ [ -1.0; 0.0 ]; [ 0.0; -1.0 ] ]))
    Assert.False(Krylov.ConjugateGradient(2, negative, [| 1.0; 0.0 |], x, KrylovWorkspace(2, 2)).Converged)

// ---- the rules, matrix-free against dense ---------------------------------------------------------

/// A random problem y = A x + 0.05·(x_i² on the first min(m, n) outputs), A well conditioned (above),
/// the default loss ½‖y − y*‖², a start in [−1, 1]: J = A + diag(0.1 x) stays well conditioned.
let private problems =
    gen {
        let! a, target = Arb.toGen wellConditioned
        let! start = Gen.arrayOfLength a.ColumnCount (Gen.choose (-1000, 1000) |> Gen.map (fun v -> float v / 1000.0))
        return (a, target, start)
    }
    |> Arb.fromGen

let private compiled (a: Matrix<float>) (target: float[]) =
    let m, n = a.RowCount, a.ColumnCount
    let variables = Array.init n (sprintf "x%d")
    let text i =
        let linear = String.Join(" + ", Array.init n (fun j -> sprintf "(%s)*x%d" (NumberText.RoundTrip(a.[i, j])) j))
        if i < n then sprintf "%s + 0.05*x%d^2" linear i else linear
    let simulator = Array.init m (fun i -> Parse.expression(text i))
    let outputs = Array.init m (sprintf "y%d")
    let loss = Parse.expression(String.Join(" + ", Array.init m (fun i -> sprintf "0.5*(y%d - (%s))^2" i (NumberText.RoundTrip target.[i]))))
    CompiledProblem(variables, simulator, outputs, loss)

[<Property(MaxTest = 60)>]
let ``Gauss–Newton by LSQR takes the dense Gauss–Newton step, to 1e-10`` () =
    Prop.forAll problems (fun (a, target, start) ->
        let problem = compiled a target
        let dense = stepOf problem (GaussNewton(0.7, LinearSolver.Dense)) start
        let iterative = stepOf problem (GaussNewton(0.7, LinearSolver.Iterative)) start
        nearInSumScale 1e-10 dense iterative |> Prop.label (sprintf "dense %A, LSQR %A" dense iterative))

/// Square problems only (IG needs m = n).
let private square =
    gen {
        let! (a: Matrix<float>), target, start = Arb.toGen problems
        let k = min a.RowCount a.ColumnCount
        return (a.SubMatrix(0, k, 0, k), target.[.. k - 1], start.[.. k - 1])
    }
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``IG without J (CG in y, LSQR in x) takes the dense IG step`` () =
    // The loss is quadratic in y, so its Hessian products by central differences are exact up to a
    // relative ε^⅔ ≈ 4e-11 (SolverLimits): 1e-8 bounds that with room, and a real fault is order 1.
    Prop.forAll square (fun (a, target, start) ->
        let problem = compiled a target
        let dense = stepOf problem (InverseGradient(0.5, LinearSolver.Dense)) start
        let iterative = stepOf problem (InverseGradient(0.5, LinearSolver.Iterative)) start
        nearInSumScale 1e-8 dense iterative |> Prop.label (sprintf "dense %A, iterative %A" dense iterative))

[<Fact>]
let ``the automatic choice is dense up to the stated size and matrix-free above it`` () =
    let small = compiled (Matrix<float>.Build.DenseIdentity(3)) [| 1.0; 2.0; 3.0 |]
    Assert.False(SolverLimits.Iterative(LinearSolver.Auto, small, SolverLimits.ProductNeeds))
    Assert.True(SolverLimits.Iterative(LinearSolver.Iterative, small, SolverLimits.ProductNeeds))
    let large = ReferenceProblems.Create("heat1d-inverse", SolverLimits.DenseUpTo + 1).Compiled
    Assert.True(SolverLimits.Iterative(LinearSolver.Auto, large, SolverLimits.ProductNeeds))
    // GN there never compiles the dense Jacobian: it reads J's nonzeros, written once per step (solve19),
    // where its products evaluated J again for each of LSQR's iterations.
    stepOf large (GaussNewton 1.0) (Array.zeroCreate large.N) |> ignore
    Assert.False(large.Compiled.HasFlag Capabilities.Jacobian)
    Assert.True(large.Compiled.HasFlag Capabilities.SparseJacobian)

[<Fact>]
let ``HIG beyond its SVD limit is refused with the size and what to use instead`` () =
    let n = SolverLimits.SvdUpTo + 1
    let problem =
        unevaluated n (Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.Jacobian ||| Capabilities.LossGradientInY)

    let e = Assert.Throws<SymbolicException>(fun () -> (HalfInverseGradient 0.3 :> IUpdateRule).Init(problem, Array.zeroCreate n) |> ignore)
    Assert.Equal(ErrorKind.TooLarge, e.Kind)
    Assert.Contains(string n, e.Message)
    Assert.Contains(string SolverLimits.SvdUpTo, e.Message)
    Assert.Contains("gn or lm", e.Message)

[<Fact>]
let ``the iterative option of the catalogue picks the solver, and a bad value is named`` () =
    let spec = MethodCatalog.Parse("gn:1:iterative=1").[0]
    Assert.Equal(LinearSolver.Iterative, (spec.Rule() :?> GaussNewton).Solver)
    Assert.Equal(LinearSolver.Dense, (MethodCatalog.Parse("lm:1:iterative=0").[0].Rule() :?> LevenbergMarquardt).Solver)
    Assert.Equal(LinearSolver.Auto, (MethodCatalog.Parse("ig").[0].Rule() :?> InverseGradient).Solver)
    let e = Assert.Throws<SymbolicException>(fun () -> MethodCatalog.Parse("pg:1:iterative=2") |> ignore)
    Assert.Contains("iterative must be -1", e.Message)

// ---- the heat inverse problem ------------------------------------------------------------------

/// The regularised inverse, on numbers, as a linear map of the residual: x₀ = 0 gives B y. For the
/// periodic mode cos(2πk i/n), B multiplies by ((1 − (1 − a)^K)/a)^steps with a = 1 − 4r sin²(πk/n)
/// (the truncated geometric series of 1/a per backward step; ReferenceSimulators' doc).
[<Property(MaxTest = 40)>]
let ``the heat inverse multiplies each Fourier mode by its truncated-series filter`` () =
    Prop.forAll (Gen.choose (3, 24) |> Arb.fromGen) (fun n ->
        Prop.forAll (Gen.choose (0, 24) |> Arb.fromGen) (fun k0 ->
            Prop.forAll (Gen.choose (1, 8) |> Arb.fromGen) (fun terms ->
                let k = k0 % n
                let r, steps = 0.2, 3
                let mode = Array.init n (fun i -> cos (2.0 * Math.PI * float k * float i / float n))
                let y = mode |> Array.map (fun v -> Scalar.Constant v)
                let x0 = Array.init n (fun _ -> Scalar.Constant 0.0)
                let out =
                    ReferenceSimulators.Heat1DRegularisedInverse(y, x0, r, steps, terms, GridBoundary.Periodic)
                    |> Array.map (fun s -> Evaluate.at [||] [||] s.Expr)
                let a = 1.0 - 4.0 * r * (sin (Math.PI * float k / float n)) ** 2.0
                let filter = ((1.0 - (1.0 - a) ** float terms) / a) ** float steps
                Array.forall2 (fun m o -> abs (o - filter * m) <= 1e-12 * (1.0 + abs (filter * m))) mode out
                |> Prop.label (sprintf "n = %d, k = %d, K = %d, filter %g, got %A" n k terms filter out))))

[<Fact>]
let ``the heat inverse at x0 = x* of y = P(x*) returns x* itself (a local inverse)`` () =
    let n = 16
    let problem = ReferenceProblems.Create("heat1d-inverse", n).Compiled
    let xStar = ReferenceProblems.TrueSolution("heat1d-inverse", n)
    let y = Array.zeroCreate n
    problem.Simulate(xStar, y)
    let back = Array.zeroCreate n
    Assert.True(problem.TryInvert(y, xStar, back))
    Assert.True(nearInSumScale 1e-12 xStar back)

[<Fact>]
let ``PG, GN and LM without J recover the heat inverse problem's field at 512 cells`` () =
    // PG's error in mode k shrinks by 1 − (1 − (1 − a)^6)^4 per step at η = 1: at most 0.70 (the roughest
    // mode, a = 0.2), so 60 steps leave below 0.7^60 ≈ 5e-10 of the start's loss. GN and LM solve the
    // same linear least-squares problem; J's condition (1/0.2⁴ = 625) keeps LSQR and CG from their
    // tolerance within the iteration limit (recorded as IterativeSolveIncomplete, the only fallback
    // allowed), so they take 10 steps of truncated Krylov solves.
    let n = 512
    let problem = ReferenceProblems.Create("heat1d-inverse", n).Compiled
    let start = Array.zeroCreate n
    let l0 = problem.Value start
    for rule, steps in
        [ PhysicalGradient(1.0) :> IUpdateRule, 60
          GaussNewton(1.0) :> IUpdateRule, 10
          LevenbergMarquardt(1.0) :> IUpdateRule, 10 ] do
        let run = Optimizer.Run(problem, rule, start, steps, recording = Recording.LossesOnly)
        Assert.True(run.FinalLoss <= 1e-9 * l0, sprintf "%s: %g after %d steps (start %g); %A" rule.Name run.FinalLoss steps l0 run.Fallbacks)
        Assert.All(run.Fallbacks, fun f -> Assert.Equal(FallbackKind.IterativeSolveIncomplete, f.Kind))
    Assert.False(problem.Compiled.HasFlag Capabilities.Jacobian)
