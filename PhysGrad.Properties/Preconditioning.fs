/// Preconditioned Krylov solves (issue 14, item 3): Jacobi column scaling and the heat problem's
/// regularised inverse as preconditioners of LSQR (Gauss–Newton) and CG (Levenberg–Marquardt). A
/// preconditioner may change the iteration count, never the answer: each test compares against an
/// unpreconditioned or dense solve, and the iteration counts against bounds from condition numbers.
module PhysGrad.Properties.Preconditioning

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

/// Jacobi column scaling d_j = 1/‖A e_j‖ from the dense matrix (what ColumnScaling computes from J).
let private jacobi (a: Matrix<float>) =
    let p = DiagonalPreconditioner(a.ColumnCount)
    for j in 0 .. a.ColumnCount - 1 do
        p.Diagonal.[j] <- 1.0 / a.Column(j).L2Norm()
    p

/// m ≥ n, A = U Σ Vᵀ S: singular values of U Σ Vᵀ in [1, 4], columns then scaled by s_j ∈ [0.1, 10], so
/// A has full column rank and condition at most 400; its least-squares solution is unique.
let private tallScaled =
    gen {
        let! n = Gen.choose (1, 6)
        let! extra = Gen.choose (0, 4)
        let m = n + extra
        let! entries = Gen.arrayOfLength 100 (Gen.choose (-1000, 1000) |> Gen.map (fun v -> float v / 1000.0))
        let! sigmas = Gen.arrayOfLength 10 (Gen.choose (0, 3000) |> Gen.map (fun v -> 1.0 + float v / 1000.0))
        let! scales = Gen.arrayOfLength 10 (Gen.choose (-1000, 1000) |> Gen.map (fun v -> 10.0 ** (float v / 1000.0)))
        let! rhs = Gen.arrayOfLength 10 (Gen.choose (-5000, 5000) |> Gen.map (fun v -> float v / 1000.0))
        let u = orthogonal entries m
        let v = orthogonal (Array.rev entries) n
        let s = Matrix<float>.Build.Dense(m, n, fun i j -> if i = j then sigmas.[i] else 0.0)
        let columns = Matrix<float>.Build.Diagonal(n, n, fun j -> scales.[j])
        return (u * s * v.Transpose() * columns, rhs.[.. m - 1])
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``LSQR with Jacobi column scaling gives the pseudo-inverse solution A⁺b, to 1e-10`` () =
    Prop.forAll tallScaled (fun (a, b) ->
        let m, n = a.RowCount, a.ColumnCount
        let apply, adjoint = linearMaps a
        let x = Array.zeroCreate n
        let result = Krylov.Lsqr(m, n, apply, adjoint, b, x, KrylovWorkspace(m, n), tolerance = 1e-14, preconditioner = jacobi a)
        // MathNet's SVD pseudo-inverse: the unique least-squares solution at full column rank.
        let expected = (a.PseudoInverse() * Vector<float>.Build.DenseOfArray b).ToArray()
        (result.Converged && nearInSumScale 1e-10 expected x)
        |> Prop.label (sprintf "%dx%d: expected %A, got %A (%A)" m n expected x result))

/// A = B S, B = U Σ Vᵀ square (n = 24) with singular values in [1, 2], S = diag(10^(4 j/(n − 1))): the
/// columns span four decades, so κ(A) is about 10⁴, while A D (D the Jacobi scaling) has unit columns
/// and κ(A D) ≤ κ(B)·√n at worst (van der Sluis), in practice near κ(B).
let private badlyScaled seed =
    let n = 24
    let random = Random(seed: int)
    let entries = Array.init 576 (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let u = orthogonal entries n
    let v = orthogonal (Array.rev entries) n
    let sigma = Matrix<float>.Build.Diagonal(n, n, fun i -> 1.0 + random.NextDouble())
    let s = Matrix<float>.Build.Diagonal(n, n, fun j -> 10.0 ** (4.0 * float j / float (n - 1)))
    let b = Array.init n (fun _ -> random.NextDouble() * 2.0 - 1.0)
    u * sigma * v.Transpose() * s, b

/// For a consistent square system LSQR's residual is the AᵀA-norm error of CG on the normal equations,
/// so ‖r_k‖ ≤ 2ρᵏ‖b‖ with ρ = (κ − 1)/(κ + 1), κ = κ(A) (Paige & Saunders §5; Greenbaum, Iterative Methods,
/// Thm 3.1.1 applied to AᵀA). Its stopping test ‖r‖ ≤ tol·(‖b‖ + ‖A‖‖x‖) is met once 2ρᵏ ≤ tol:
/// k = ⌈ln(2/tol)/ln(1/ρ)⌉. One more iteration is allowed for rounding.
let private lsqrBound (kappa: float) tolerance =
    let rho = (kappa - 1.0) / (kappa + 1.0)
    int (ceil (log (2.0 / tolerance) / log (1.0 / rho))) + 1

[<Fact>]
let ``Jacobi scaling cuts LSQR's iterations on a badly column-scaled system to the bound of κ(A D)`` () =
    for seed in [ 1; 2; 3 ] do
        let a, b = badlyScaled seed
        let n = a.ColumnCount
        let apply, adjoint = linearMaps a
        let tolerance = 1e-10
        let plain = Array.zeroCreate n
        let p = jacobi a
        let scaled = Array.zeroCreate n
        let r0 = Krylov.Lsqr(n, n, apply, adjoint, b, plain, KrylovWorkspace(n, n), tolerance = tolerance)
        let r1 = Krylov.Lsqr(n, n, apply, adjoint, b, scaled, KrylovWorkspace(n, n), tolerance = tolerance, preconditioner = p)
        let ad = a * Matrix<float>.Build.Diagonal(n, n, fun j -> p.Diagonal.[j])
        let kappaScaled = ad.ConditionNumber()
        let kappa = a.ConditionNumber()
        let bound = lsqrBound kappaScaled tolerance
        Assert.True(r1.Converged, sprintf "seed %d: %A" seed r1)
        Assert.True(r1.Iterations <= bound, sprintf "seed %d: %d iterations with Jacobi, bound %d from κ(AD) = %g" seed r1.Iterations bound kappaScaled)
        // Without scaling, LSQR is not done before the Krylov space holds every one of A's n distinct
        // singular directions that b excites (the exact-arithmetic minimum for a generic b), here all n.
        Assert.True(r0.Iterations >= n, sprintf "seed %d: %d iterations without scaling, κ(A) = %g" seed r0.Iterations kappa)
        Assert.True(r1.Iterations < r0.Iterations)
        // The same solution: A is nonsingular, so both approximate A⁻¹b.
        let expected = a.Solve(Vector<float>.Build.DenseOfArray b).ToArray()
        Assert.True(nearInSumScale 1e-8 expected scaled, sprintf "seed %d: expected %A, got %A" seed expected scaled)

/// CG's residual bound for a symmetric positive definite A: ‖r_k‖/‖r_0‖ ≤ √κ·2((√κ − 1)/(√κ + 1))ᵏ
/// (the A-norm error bound, Nocedal & Wright Theorem 5.5 / eq. 5.36, converted to the 2-norm residual),
/// so ‖r‖ ≤ tol‖b‖ after k = ⌈ln(2√κ/tol)/ln(1/ρ)⌉ with ρ = (√κ − 1)/(√κ + 1); one more for rounding.
let private cgBound (kappa: float) tolerance =
    let rho = (sqrt kappa - 1.0) / (sqrt kappa + 1.0)
    int (ceil (log (2.0 * sqrt kappa / tolerance) / log (1.0 / rho))) + 1

[<Fact>]
let ``preconditioned CG solves the damped normal equations as the dense solve does, within its bound`` () =
    for seed in [ 4; 5; 6 ] do
        let a, b = badlyScaled seed
        let n = a.ColumnCount
        let lambda = 0.3
        let system = a.TransposeThisAndMultiply(a) + Matrix<float>.Build.DenseIdentity(n) * lambda
        let apply, _ = linearMaps system
        // Jacobi for JᵀJ + λI: diag(1/(‖J e_j‖² + λ)), as ColumnScaling.ToCg writes it.
        let p = DiagonalPreconditioner(n)
        for j in 0 .. n - 1 do
            p.Diagonal.[j] <- 1.0 / (a.Column(j).L2Norm() ** 2.0 + lambda)
        let tolerance = 1e-12
        let x = Array.zeroCreate n
        let plain = Array.zeroCreate n
        let r = Krylov.ConjugateGradient(n, apply, b, x, KrylovWorkspace(n, n), tolerance = tolerance, preconditioner = p)
        let r0 = Krylov.ConjugateGradient(n, apply, b, plain, KrylovWorkspace(n, n), tolerance = tolerance)
        let expected = system.Solve(Vector<float>.Build.DenseOfArray b).ToArray()
        // The preconditioned operator P^½ A P^½ (similar to P A): its condition bounds the count.
        let half = Matrix<float>.Build.Diagonal(n, n, fun j -> sqrt p.Diagonal.[j])
        let kappa = (half * system * half).ConditionNumber()
        Assert.True(r.Converged, sprintf "seed %d: %A" seed r)
        Assert.True(r.Iterations <= cgBound kappa tolerance, sprintf "seed %d: %d iterations, bound %d (κ = %g)" seed r.Iterations (cgBound kappa tolerance) kappa)
        Assert.True(r.Iterations < r0.Iterations, sprintf "seed %d: %d preconditioned against %d plain" seed r.Iterations r0.Iterations)
        // CG's answer is as accurate as the residual test allows: ‖x − x*‖ ≤ κ(A)·tol·‖x*‖ relative.
        let kappaA = system.ConditionNumber()
        let err = (Vector<float>.Build.DenseOfArray x - Vector<float>.Build.DenseOfArray expected).L2Norm()
        let size = Vector<float>.Build.DenseOfArray(expected).L2Norm()
        Assert.True(err <= 10.0 * kappaA * tolerance * size, sprintf "seed %d: error %g, allowed %g" seed err (10.0 * kappaA * tolerance * size))

/// The Rosenbrock residuals (traced, m = n) at a well-conditioned start, 0.3·(−1)^i: J has the diagonal
/// −20x_i = ∓6 and the superdiagonal 10, so J's columns differ in norm and the Jacobi scaling is not the
/// identity.
let private rosenbrock n =
    let problem = ReferenceProblems.Create("rosenbrock", Nullable n).Compiled
    let start = Array.init n (fun i -> if i % 2 = 0 then 0.3 else -0.3)
    problem, start

[<Fact>]
let ``Gauss–Newton by Jacobi-preconditioned LSQR takes the dense Gauss–Newton step on the Rosenbrock residuals`` () =
    for n in [ 5; 12; 40 ] do
        let problem, start = rosenbrock n
        let dense = stepOf problem (GaussNewton(0.7, LinearSolver.Dense)) start
        let jacobi = stepOf problem (GaussNewton(0.7, LinearSolver.Iterative, Preconditioning.Jacobi)) start
        let plain = stepOf problem (GaussNewton(0.7, LinearSolver.Iterative, Preconditioning.None)) start
        Assert.True(nearInSumScale 1e-10 dense jacobi, sprintf "n = %d: dense %A, Jacobi %A" n dense jacobi)
        Assert.True(nearInSumScale 1e-10 dense plain, sprintf "n = %d: dense %A, plain %A" n dense plain)

[<Fact>]
let ``the heat problem's regularised inverse preconditions LSQR to the same step in at most its bound of iterations`` () =
    // J B multiplies Fourier mode k by (1 − (1 − a)^K)^s (s = 4 steps, K = 6 terms, a = 1 − 4·0.2·sin²(πk/N)
    // ∈ [0.2, 1]; ReferenceProblems.HeatInverseTerms): between (1 − 0.8⁶)⁴ ≈ 0.297 and 1, so κ(J B) ≤ 3.37,
    // against κ(J) = 1/0.2⁴ = 625.
    let n = 128
    let problem = ReferenceProblems.Create("heat1d-inverse", Nullable n).Compiled
    let x = Array.zeroCreate n
    let y, gy, scratch = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
    problem.Simulate(x, y)
    problem.LossInY(y, gy) |> ignore
    let apply = LinearMap(fun v jv -> problem.JacobianVector(x, v, scratch, jv))
    let adjoint = LinearMap(fun w jtw -> problem.JacobianTransposeVector(x, w, scratch, jtw))
    let tolerance = 1e-12
    let pre = InversePreconditioner(problem)
    let withInverse = Array.zeroCreate n
    let plain = Array.zeroCreate n
    let r1 = Krylov.Lsqr(n, n, apply, adjoint, gy, withInverse, KrylovWorkspace(n, n), tolerance = tolerance, preconditioner = pre)
    let r0 = Krylov.Lsqr(n, n, apply, adjoint, gy, plain, KrylovWorkspace(n, n), tolerance = tolerance, maxIterations = 20 * n)
    let kappa = 1.0 / ((1.0 - 0.8 ** 6.0) ** 4.0)
    Assert.True(r1.Converged && r1.Consistent, sprintf "%A" r1)
    Assert.True(r1.Iterations <= lsqrBound kappa tolerance, sprintf "%d iterations, bound %d" r1.Iterations (lsqrBound kappa tolerance))
    Assert.True(r1.Iterations < r0.Iterations, sprintf "%d with the inverse, %d without" r1.Iterations r0.Iterations)
    // The dense reference: J⁻¹∂L/∂y from the dense Jacobian (J nonsingular, κ = 625: accurate to ~1e-13).
    let j = Array.zeroCreate (n * n)
    problem.Simulate(x, y, j)
    let dense = Matrix<float>.Build.Dense(n, n, fun r c -> j.[r * n + c]).Solve(Vector<float>.Build.DenseOfArray gy).ToArray()
    Assert.True(nearInSumScale 1e-10 dense withInverse, "preconditioned LSQR against the dense solve")
    // The rule: Gauss–Newton with the inverse as preconditioner takes the dense GN step.
    let denseStep = stepOf problem (GaussNewton(1.0, LinearSolver.Dense)) x
    let inverseStep = stepOf problem (GaussNewton(1.0, LinearSolver.Iterative, Preconditioning.Inverse)) x
    Assert.True(nearInSumScale 1e-10 denseStep inverseStep, "GN step with the inverse preconditioner against the dense GN step")
    // LM with P = B² takes the same step as LM with Jacobi (the same damped system, CG to 1e-10).
    let lmJacobi = stepOf problem (LevenbergMarquardt(1.0, 1e-3, LinearSolver.Iterative, Preconditioning.Jacobi)) x
    let lmInverse = stepOf problem (LevenbergMarquardt(1.0, 1e-3, LinearSolver.Iterative, Preconditioning.Inverse)) x
    Assert.True(nearInSumScale 1e-8 lmJacobi lmInverse, "LM with the inverse against LM with Jacobi")

[<Fact>]
let ``by default GN and IG precondition with a given linear symmetric inverse, and fall back to Jacobi when it is unfit`` () =
    // heat1d-inverse (given inverse B, κ(J B) ≤ 3.37 as in the test above): the default (Auto) GN solve
    // takes the dense GN step within the bound of iterations for that condition, far fewer than Jacobi,
    // which is a multiple of I on this circulant J; IG's solve of J Δx = Δy takes the dense IG step.
    let n = 128
    let problem = ReferenceProblems.Create("heat1d-inverse", Nullable n).Compiled
    let x = Array.init n (fun i -> 0.1 * sin (float i))
    let iterations (rule: IUpdateRule) =
        let stepper = Stepper(problem, rule, x)
        stepper.Step() |> ignore
        stepper.X.ToArray(), (Assert.IsType<InnerSolve>(stepper.LastSolve)).Iterations
    let auto, autoIterations = iterations (GaussNewton(1.0, LinearSolver.Iterative))
    let _, jacobiIterations = iterations (GaussNewton(1.0, LinearSolver.Iterative, Preconditioning.Jacobi))
    let kappa = 1.0 / ((1.0 - 0.8 ** 6.0) ** 4.0)
    let bound = lsqrBound kappa SolverLimits.KrylovTolerance
    Assert.True(autoIterations <= bound, sprintf "%d iterations, bound %d" autoIterations bound)
    Assert.True(jacobiIterations > bound, sprintf "Jacobi took %d, within the inverse's bound %d" jacobiIterations bound)
    let denseGn = stepOf problem (GaussNewton(1.0, LinearSolver.Dense)) x
    Assert.True(nearInSumScale 1e-10 denseGn auto, "default GN step against the dense GN step")
    let denseIg = stepOf problem (InverseGradient(1.0, LinearSolver.Dense)) x
    let iterativeIg = stepOf problem (InverseGradient(1.0, LinearSolver.Iterative)) x
    Assert.True(nearInSumScale 1e-10 denseIg iterativeIg, "default IG step against the dense IG step")
    // A given inverse that is linear but not symmetric (y = L x, L lower triangular; x = L⁻¹y given): LSQR
    // cannot use it (it needs Mᵀ), so the default is Jacobi, and the steps are still the dense ones.
    let variables = [| "x0"; "x1"; "x2" |]
    let simulator = [| "x0"; "x0 + 2*x1"; "x1 - x0 + 3*x2" |] |> Array.map Parse.expression
    let inverse = [| "y0"; "(y1 - y0)/2"; "(y2 - (y1 - y0)/2 + y0)/3" |] |> Array.map Parse.expression
    let lower =
        CompiledProblem(Problem.Create(variables, simulator, null, [| 1.0; 2.0; 3.0 |], [| 0.0; 0.0; 0.0 |], inverse, false))
    Assert.True(lower.HasInverse)
    let at = [| 0.5; -0.25; 1.0 |]
    for dense, iterative in
        [ GaussNewton(1.0, LinearSolver.Dense) :> IUpdateRule, GaussNewton(1.0, LinearSolver.Iterative) :> IUpdateRule
          InverseGradient(1.0, LinearSolver.Dense), InverseGradient(1.0, LinearSolver.Iterative) ] do
        let d, i = stepOf lower dense at, stepOf lower iterative at
        Assert.True(nearInSumScale 1e-10 d i, sprintf "%s: dense %A, default iterative %A" dense.Name d i)

/// heat1d-inverse at n = 256 from x = 0.1 sin i: the dense J, M (the inverse's linear part, column by
/// column), b = −Jᵀ∂L/∂y and LM's first damped system A = JᵀJ + λ₀d I with d = bᵀJᵀJb/bᵀb, the Rayleigh
/// quotient the iterative form takes for D = d I (L = ½‖y − y*‖², so H = I).
let private heatDamped n =
    let problem = ReferenceProblems.Create("heat1d-inverse", Nullable n).Compiled
    let x = Array.init n (fun i -> 0.1 * sin (float i))
    let y, gy, jv = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate (n * n)
    problem.Simulate(x, y, jv)
    problem.LossInY(y, gy) |> ignore
    let j = Matrix<float>.Build.Dense(n, n, fun r c -> jv.[r * n + c])
    let inverse = InversePreconditioner(problem)
    let m =
        Matrix<float>.Build.DenseOfColumnArrays(
            Array.init n (fun c ->
                let e, out = Array.init n (fun i -> if i = c then 1.0 else 0.0), Array.zeroCreate n
                inverse.Apply(e, out)
                out))
    let b = -(j.TransposeThisAndMultiply(Vector<float>.Build.DenseOfArray gy))
    let jtj = j.TransposeThisAndMultiply j
    let d = (b * (jtj * b)) / (b * b)
    problem, x, m, b, jtj + Matrix<float>.Build.DenseIdentity(n) * (1e-3 * d)

[<Fact>]
let ``LM preconditions its CG by the inverse by default, takes the dense solve's step, and needs fewer iterations than Jacobi`` () =
    let n = 256
    let problem, x, m, b, a = heatDamped n
    let tolerance = 1e-10 // the rule's CG tolerance
    let first (preconditioning: Preconditioning) =
        let stepper = Stepper(problem, LevenbergMarquardt(1.0, 1e-3, LinearSolver.Iterative, preconditioning), x)
        stepper.Step() |> ignore
        Array.map2 (-) (stepper.X.ToArray()) x, Assert.IsType<InnerSolve>(stepper.LastSolve)
    let auto, autoSolve = first Preconditioning.Auto
    let inverse, inverseSolve = first Preconditioning.Inverse
    let _, jacobiSolve = first Preconditioning.Jacobi
    // One solve (the first trial is taken: the problem is linear and λ₀d > 0), ended by its tolerance or floor.
    Assert.Equal(1, autoSolve.Solves)
    Assert.True(autoSolve.Exit = KrylovExit.Tolerance || autoSolve.Exit = KrylovExit.RoundingLevel, sprintf "%A" autoSolve)
    // The step is A⁻¹b. CG stops at ‖r‖ ≤ τ‖b‖ (or the lower floor 4ε(‖A‖‖p‖ + ‖b‖)); its recurrence residual
    // drifts from b − A p by at most about kε(‖A‖‖p‖ + ‖b‖) in k iterations, and ‖A‖‖p‖ ≤ κ‖b‖: the true
    // residual is at most ‖b‖(τ + (k + 4)ε(κ + 1)), so ‖p − p*‖/‖p*‖ ≤ κ(τ + (k + 4)ε(κ + 1)); the dense
    // solve adds about nεκ of its own.
    let expected = a.Solve(b)
    let kappa = a.ConditionNumber()
    let epsilon = Math.Pow(2.0, -52.0)
    let allowed = kappa * (tolerance + float (autoSolve.Iterations + 4 + n) * epsilon * (kappa + 1.0))
    let error = (Vector<float>.Build.DenseOfArray auto - expected).L2Norm() / expected.L2Norm()
    Assert.True(error <= allowed, sprintf "relative error %g, allowed %g (κ = %g)" error allowed kappa)
    Assert.True(nearInSumScale 1e-12 inverse auto, "Auto and Inverse take the same solve")
    Assert.Equal(inverseSolve.Iterations, autoSolve.Iterations)
    // P = M Mᵀ: the iterations are those of CG on Mᵀ A M, bounded by its condition (cgBound); Jacobi is a
    // multiple of I on this circulant J, so it needs those of κ(A), here far more.
    let kappaPreconditioned = (m.Transpose() * a * m).ConditionNumber()
    Assert.True(autoSolve.Iterations <= cgBound kappaPreconditioned tolerance,
        sprintf "%d iterations, bound %d (κ(MᵀAM) = %g)" autoSolve.Iterations (cgBound kappaPreconditioned tolerance) kappaPreconditioned)
    Assert.True(autoSolve.Iterations < jacobiSolve.Iterations, sprintf "%d with the inverse, %d with Jacobi" autoSolve.Iterations jacobiSolve.Iterations)
    // Over a run (λ falls, and the system with it towards JᵀJ of condition 625² = 3.9·10⁵) the inverse keeps its lead.
    let total (preconditioning: Preconditioning) =
        let run = Optimizer.Run(problem, LevenbergMarquardt(1.0, 1e-3, LinearSolver.Iterative, preconditioning), x, 6)
        run.InnerSolves |> Seq.sumBy (fun s -> s.Iterations)
    let autoTotal, jacobiTotal = total Preconditioning.Auto, total Preconditioning.Jacobi
    Assert.True(autoTotal < jacobiTotal, sprintf "%d iterations with the inverse, %d with Jacobi over 6 steps" autoTotal jacobiTotal)

[<Fact>]
let ``an inverse that is not linear, or not symmetric, is refused as a preconditioner with the reason`` () =
    // y_i = x_i + x_i³ (P(0) = 0, monotone): its numeric inverse is Newton's method on a nonlinear P,
    // not linear in y (M(u + v) ≠ M u + M v for u, v of size ~1, where the cubic term matters).
    let cubic =
        CompiledProblem(Problem.Create([| "x0"; "x1"; "x2" |], ([| "x0 + x0^3"; "x1 + x1^3"; "x2 + x2^3" |] |> Array.map Parse.expression),
                                       null, [| 0.0; 0.0; 0.0 |], [| 0.0; 0.0; 0.0 |], null, false))
    let e = Assert.Throws<SymbolicException>(fun () -> InversePreconditioner(cubic) |> ignore)
    Assert.Equal(ErrorKind.Invalid, e.Kind)
    Assert.Contains("not linear", e.Message)
    // y = L x with L lower triangular: the numeric inverse is L⁻¹, linear but not symmetric.
    let variables = [| "x0"; "x1"; "x2" |]
    let simulator = [| "x0"; "x0 + 2*x1"; "x1 - x0 + 3*x2" |] |> Array.map Parse.expression
    let lower = CompiledProblem(Problem.Create(variables, simulator, null, [| 0.0; 0.0; 0.0 |], [| 0.0; 0.0; 0.0 |], null, false))
    let e2 = Assert.Throws<SymbolicException>(fun () -> InversePreconditioner(lower) |> ignore)
    Assert.Equal(ErrorKind.Invalid, e2.Kind)
    Assert.Contains("not symmetric", e2.Message)
    // Through the rule: Init refuses with the same message.
    let e3 = Assert.Throws<SymbolicException>(fun () ->
        (GaussNewton(1.0, LinearSolver.Iterative, Preconditioning.Inverse) :> IUpdateRule).Init(lower, [| 0.0; 0.0; 0.0 |]) |> ignore)
    Assert.Contains("not symmetric", e3.Message)

// ---- Newton at scale ------------------------------------------------------------------------------

/// What a Newton rule asks of a problem.
let private newtonCapabilities = Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.Hessian ||| Capabilities.HessianVector

[<Fact>]
let ``Newton above its dense limit on a problem without a sparse Hessian is refused with the size and newton-cg named, and newton-cg starts there`` () =
    let n = Newton.DenseUpTo + 1
    let e = Assert.Throws<SymbolicException>(fun () -> (Newton 1.0 :> IUpdateRule).Init(unevaluated n newtonCapabilities, Array.zeroCreate n) |> ignore)
    Assert.Equal(ErrorKind.TooLarge, e.Kind)
    Assert.Contains(string n, e.Message)
    Assert.Contains(string Newton.DenseUpTo, e.Message)
    Assert.Contains("newton-cg", e.Message)
    // Newton-CG needs only Hessian-vector products: it starts (no n × n array) on the same problem.
    (NewtonCG 1.0 :> IUpdateRule).Init(unevaluated n newtonCapabilities, Array.zeroCreate n) |> ignore
    // At the limit itself Newton still starts.
    (Newton 1.0 :> IUpdateRule).Init(unevaluated Newton.DenseUpTo newtonCapabilities, Array.zeroCreate Newton.DenseUpTo) |> ignore

/// y = A x as a compiled problem (text components, so it has the sparse Jacobian), target b, start 0: its
/// Gauss–Newton step is η·A⁺b.
let private linearProblem (a: Matrix<float>) (b: float[]) =
    let variables = Array.init a.ColumnCount (sprintf "x%d")
    let row i =
        String.Join(" + ", Array.init a.ColumnCount (fun j -> sprintf "(%.17g)*x%d" a.[i, j] j)) |> Parse.expression
    CompiledProblem(Problem.Create(variables, Array.init a.RowCount row, null, b, Array.zeroCreate a.ColumnCount, null, false))

[<Property(MaxTest = 200)>]
let ``by default GN's LSQR on a sparse J is preconditioned by the normal matrix's Cholesky factor: the dense step in the bound of its condition`` () =
    // The factor of D AᵀA D + τI (D the Jacobi scaling) maps each singular value σ of A D to σ/√(σ² + τ),
    // so κ(A M) ≤ √(1 + τ/σ_min²), up to the factor's rounding, ε·κ(D AᵀA D) relative (Higham, Accuracy and
    // Stability, Thm 10.3), counted here 64n-fold. LSQR's iterations are bounded by that κ (lsqrBound).
    Prop.forAll tallScaled (fun (a, b) ->
        let m, n = a.RowCount, a.ColumnCount
        let problem = linearProblem a b
        let stepper = Stepper(problem, GaussNewton(0.7, LinearSolver.Iterative), Array.zeroCreate n)
        stepper.Step() |> ignore
        let auto = stepper.X.ToArray()
        let iterations = stepper.LastSolve.Iterations
        let dense = stepOf problem (GaussNewton(0.7, LinearSolver.Dense)) (Array.zeroCreate n)
        let d = Matrix<float>.Build.Diagonal(n, n, fun j -> 1.0 / a.Column(j).L2Norm())
        let sigma = (a * d).Svd(false).S
        let sMin, sMax = sigma.Minimum(), sigma.Maximum()
        let tau = 1e-10
        let kappa = sqrt (1.0 + tau / (sMin * sMin)) * (1.0 + 64.0 * float n * 2.220446049250313e-16 * (sMax * sMax) / (sMin * sMin))
        let bound = lsqrBound kappa SolverLimits.KrylovTolerance
        (nearInSumScale 1e-10 dense auto && iterations <= bound)
        |> Prop.label (sprintf "%dx%d: dense %A, default %A; %d LSQR iterations, bound %d (κ = %g)" m n dense auto iterations bound kappa))
