/// Update rules as values (issue 13): each rule asks a problem only for what it needs, Newton-CG and
/// Levenberg–Marquardt plug into the same seam, a hand-written simulator runs with every rule its
/// capabilities allow, and one catalogue parses, names and documents the methods.
module PhysGrad.Properties.Rules

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

let private create (variables: string[]) (simulator: string) (loss: string) (target: float[]) (start: float[]) =
    Problem.Create(variables, Parse.many simulator, (if isNull loss then null else Parse.expression loss), target, start, null, true)

let private close (tolerance: float) (expected: float[]) (actual: float[]) =
    Assert.Equal(expected.Length, actual.Length)

    for i in 0 .. expected.Length - 1 do
        Assert.True(
            abs (actual.[i] - expected.[i]) <= tolerance * (1.0 + abs expected.[i]),
            sprintf "entry %d: expected %.17g, got %.17g" i expected.[i] actual.[i]
        )

/// The Rosenbrock residuals y = (10 (x1 − x0²), 1 − x0) with L = y0² + y1²: minimum 0 at (1, 1).
let private rosenbrock () =
    create [| "x0"; "x1" |] "10*(x1 - x0^2); 1 - x0" "y0^2 + y1^2" [| 0.0; 0.0 |] [| -1.2; 1.0 |]

// ---- Newton-CG ------------------------------------------------------------------------------------------

/// An invertible integer matrix A (n = 2 or 3, entries in −3…3, |det A| ≥ 1) and a start: L = Σ (Ax − b)²
/// has the Hessian 2AᵀA, positive definite.
let private spdProblems =
    gen {
        let! n = Gen.elements [ 2; 3 ]
        let! a = Gen.arrayOfLength (n * n) (Gen.choose (-3, 3))
        let! b = Gen.arrayOfLength n (Gen.choose (-5, 5))
        let! x0 = Gen.arrayOfLength n (Gen.choose (-4, 4))
        return n, a, b, x0
    }
    |> Gen.filter (fun (n, a, _, _) ->
        let m = Array2D.init n n (fun r c -> float a.[r * n + c])
        abs ((MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.OfArray m).Determinant()) >= 1.0)

[<Property(MaxTest = 60)>]
let ``Newton-CG takes Newton's step on positive-definite quadratics (to 1e-10)`` () =
    Prop.forAll (Arb.fromGen spdProblems) (fun (n, a, b, x0) ->
        let variables = Array.init n (sprintf "x%d")

        let rows =
            [ for r in 0 .. n - 1 ->
                  String.Join(" + ", [ for c in 0 .. n - 1 -> sprintf "(%d)*x%d" a.[r * n + c] c ]) ]

        let p = create variables (String.Join("; ", rows)) null (Array.map float b) (Array.map float x0)
        let compiled = CompiledProblem p
        // CG on an n × n SPD system ends in at most n iterations in exact arithmetic (Nocedal & Wright,
        // Theorem 5.2); rounding leaves it within the tolerance 1e-12 of H⁻¹g. The fixed tolerance asks for
        // that solve: by default the first step solves only to the forcing term ½ (InexactNewton.fs).
        let newton = Optimizer.Run(compiled, Newton 1.0, p.Start, 1)
        let cg = Optimizer.Run(compiled, NewtonCG(1.0, 1e-12), p.Start, 1)
        close 1e-10 newton.Final cg.Final
        Assert.Empty(cg.Fallbacks)
        true)

[<Fact>]
let ``Newton-CG follows Newton's trajectory on the book's example`` () =
    // L = x0² + x1⁴ from (3, 3): the Hessian diag(2, 12 x1²) is positive definite along the path.
    let p = create [| "x0"; "x1" |] "x0; x1^2" "y0^2 + y1^2" [| 0.0; 0.0 |] [| 3.0; 3.0 |]
    let compiled = CompiledProblem p
    // With CG solved to a fixed 1e-12 (the default's forcing term solves the first steps loosely, on purpose).
    let newton = Optimizer.Run(compiled, Method.Newton, 0.5, p.Start, 8)
    let cg = Optimizer.Run(compiled, NewtonCG(0.5, 1e-12), p.Start, 8)
    Assert.Equal(newton.Trajectory.Count, cg.Trajectory.Count)

    for k in 0 .. newton.Trajectory.Count - 1 do
        close 1e-10 newton.Trajectory.[k] cg.Trajectory.[k]

[<Fact>]
let ``Newton-CG converges on an indefinite problem, recording the negative curvature it met`` () =
    // L = x0² + (x1² − 1)²: minima at (0, ±1), a saddle at the origin. At (1, 0.1) the Hessian is
    // diag(2, 12·0.01 − 4) = diag(2, −3.88): indefinite, so CG meets dᵀHd < 0 in its second direction.
    let p = create [| "x0"; "x1" |] "x0; x1" "y0^2 + (y1^2 - 1)^2" [| 0.0; 0.0 |] [| 1.0; 0.1 |]
    let run = Optimizer.Run(CompiledProblem p, NewtonCG 1.0, p.Start, 100, 1e-24)
    Assert.Equal(StopReason.Converged, run.StopReason)
    let first = Assert.Single(run.Fallbacks |> Seq.filter (fun f -> f.Iteration = 1))
    Assert.Equal(FallbackKind.NegativeCurvature, first.Kind)
    Assert.Contains("dᵀHd", first.Reason)
    Assert.Equal(0.0, run.Final.[0], 10)
    Assert.Equal(1.0, abs run.Final.[1], 10)

[<Fact>]
let ``Newton-CG at a saddle with a zero gradient takes a zero step and the run says saddle`` () =
    let p = create [| "x0"; "x1" |] "x0; x1" "y0^2 - y1^2 + 1" [| 0.0; 0.0 |] [| 0.0; 0.0 |]
    let run = Optimizer.Run(CompiledProblem p, NewtonCG 1.0, p.Start, 5)
    Assert.Equal(StopReason.StationaryNonMinimum, run.StopReason)
    Assert.Equal(StationaryKind.Saddle, run.Exit.Curvature.Kind)

// ---- Levenberg–Marquardt -------------------------------------------------------------------------------

[<Fact>]
let ``Levenberg–Marquardt reaches the minimum of the Rosenbrock residuals from (−1.2, 1)`` () =
    let p = rosenbrock ()
    let run = Optimizer.Run(CompiledProblem p, LevenbergMarquardt 1.0, p.Start, 200, 1e-20)
    Assert.Equal(StopReason.Converged, run.StopReason)
    Assert.True(run.FinalLoss < 1e-20, sprintf "L = %g" run.FinalLoss)
    close 1e-8 [| 1.0; 1.0 |] run.Final
    // Every accepted step decreased the loss: LM takes a step only then.
    for k in 1 .. run.Losses.Count - 1 do
        Assert.True(run.Losses.[k] < run.Losses.[k - 1], sprintf "L rose at iteration %d" k)

[<Fact>]
let ``Levenberg–Marquardt never steps into a NaN: the trial is refused and λ grows`` () =
    // L = ½(log x + 5)² from 0.5 with η = 5: GD and Newton step into x ≤ 0 (log NaN) and diverge; LM
    // refuses every trial that does not lower L and converges to x = e⁻⁵.
    let p = create [| "x0" |] "log(x0)" null [| -5.0 |] [| 0.5 |]
    let run = Optimizer.Run(CompiledProblem p, LevenbergMarquardt 5.0, p.Start, 200, 1e-24)
    Assert.NotEqual(StopReason.Diverged, run.StopReason)
    Assert.Equal(Math.Exp -5.0, run.Final.[0], 12)

[<Fact>]
let ``LM with η = 1 and tiny damping takes the Gauss–Newton step on a linear least-squares problem`` () =
    // y = A x, L = Σ (y − b)²: Gauss–Newton lands on the least-squares solution in one step; LM's
    // (JᵀJ + λD) with λ = 10⁻¹² moves it by a relative O(λ) only.
    let p = create [| "x0"; "x1" |] "x0 + 2*x1; 3*x0 - x1; x0" null [| 1.0; 2.0; 3.0 |] [| 0.0; 0.0 |]
    let compiled = CompiledProblem p
    let gn = Optimizer.Run(compiled, GaussNewton 1.0, p.Start, 1)
    let lm = Optimizer.Run(compiled, LevenbergMarquardt(1.0, 1e-12), p.Start, 1)
    close 1e-10 gn.Final lm.Final

// ---- what each rule asks of the problem ---------------------------------------------------------------

[<Fact>]
let ``each rule compiles only the kernels it reads`` () =
    let compiledAfter (rule: IUpdateRule) =
        let problem = CompiledProblem(rosenbrock ())
        let stepper = Stepper(problem, rule, [| -1.2; 1.0 |])

        for _ in 1..3 do
            stepper.Step() |> ignore

        problem.Compiled

    Assert.Equal(Capabilities.Gradient, compiledAfter (GradientDescent 0.001))
    Assert.Equal(Capabilities.Gradient, compiledAfter (Adam 0.01))
    Assert.Equal(Capabilities.Gradient, compiledAfter (LimitedMemoryBfgs 0.001))
    // LM's actual reduction reads L alone at its trial point (the value-only kernel).
    Assert.Equal(Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.Jacobian ||| Capabilities.LossHessianInY, compiledAfter (LevenbergMarquardt 1.0))
    // Newton-CG asks for Hessian-vector products only: no Jacobian, no loss in y, no inverse.
    let cg = compiledAfter (NewtonCG 1.0)
    Assert.Equal(Capabilities.None, cg &&& (Capabilities.Jacobian ||| Capabilities.LossHessianInY ||| Capabilities.LossGradientInY ||| Capabilities.Inverse))

[<Fact>]
let ``a rule's declared needs are what its state reads`` () =
    Assert.Equal(Capabilities.Value ||| Capabilities.Gradient, (GradientDescent 0.1 :> IUpdateRule).Needs)
    Assert.Equal(Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.HessianVector, (NewtonCG 0.1 :> IUpdateRule).Needs)
    Assert.True((PhysicalGradient 0.1 :> IUpdateRule).Needs.HasFlag Capabilities.Inverse)
    // A line search adds value and gradient evaluations to what the rule needs, and keeps its name.
    let searched = ArmijoBacktracking(Newton 1.0) :> IUpdateRule
    Assert.Equal("newton", searched.Name)
    Assert.True(searched.Needs.HasFlag Capabilities.Hessian)

[<Fact>]
let ``Scaled(rule, c) is the rule with η·c`` () =
    // −0.1·g·0.5 and −0.05·g round alike: 0.5 is a power of 2, so the two products are bitwise equal.
    let compiled = CompiledProblem(rosenbrock ())
    let scaled = Optimizer.Run(compiled, Scaled(GradientDescent 0.001, 0.5), [| -1.2; 1.0 |], 5)
    let direct = Optimizer.Run(compiled, GradientDescent 0.0005, [| -1.2; 1.0 |], 5)
    Assert.Equal(0.0005, scaled.Eta)

    for k in 0..5 do
        Assert.Equal<float[]>(direct.Trajectory.[k], scaled.Trajectory.[k])

// ---- a hand-written simulator -------------------------------------------------------------------------

/// The Rosenbrock residuals coded by hand with their own derivatives: y = (10 (x1 − x0²), 1 − x0),
/// J = [[−20 x0, 10], [−1, 0]], L = y0² + y1², ∂L/∂y = 2y, ∂²L/∂y² = 2I, ∂L/∂x = Jᵀ 2y. It answers
/// the value, gradient, outputs, Jacobian and the products J v, Jᵀ w; with lossInY also the loss's
/// derivatives in y. No Hessian, no Hessian-vector products, no inverse.
type HandWritten(lossInY: bool) =
    let simulate (x: float[]) (y: float[]) =
        y.[0] <- 10.0 * (x.[1] - x.[0] * x.[0])
        y.[1] <- 1.0 - x.[0]

    let jacobian (x: float[]) (j: float[]) =
        j.[0] <- -20.0 * x.[0]
        j.[1] <- 10.0
        j.[2] <- -1.0
        j.[3] <- 0.0

    let refuse what = raise (NotSupportedException(sprintf "the hand-written simulator has no %s" what))

    interface IDifferentiableProblem with
        member _.N = 2
        member _.M = 2

        member _.Supported =
            Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.Outputs ||| Capabilities.Jacobian
            ||| Capabilities.JacobianVector ||| Capabilities.JacobianTransposeVector
            ||| (if lossInY then Capabilities.LossGradientInY ||| Capabilities.LossHessianInY else Capabilities.None)

        member _.Value x =
            let y = Array.zeroCreate 2
            simulate x y
            y.[0] * y.[0] + y.[1] * y.[1]

        member _.ValueGradient(x, gradient) =
            let y = Array.zeroCreate 2
            let j = Array.zeroCreate 4
            simulate x y
            jacobian x j
            gradient.[0] <- j.[0] * 2.0 * y.[0] + j.[2] * 2.0 * y.[1]
            gradient.[1] <- j.[1] * 2.0 * y.[0] + j.[3] * 2.0 * y.[1]
            y.[0] * y.[0] + y.[1] * y.[1]

        member _.Simulate(x: float[], y: float[]) = simulate x y

        member _.Simulate(x: float[], y: float[], j: float[]) =
            simulate x y
            jacobian x j

        member _.LossInY(y: float[], gradient: float[]) =
            if not lossInY then refuse "loss in y"
            gradient.[0] <- 2.0 * y.[0]
            gradient.[1] <- 2.0 * y.[1]
            y.[0] * y.[0] + y.[1] * y.[1]

        member _.LossInY(y: float[], gradient: float[], hessian: float[]) =
            if not lossInY then refuse "loss in y"
            gradient.[0] <- 2.0 * y.[0]
            gradient.[1] <- 2.0 * y.[1]
            hessian.[0] <- 2.0
            hessian.[1] <- 0.0
            hessian.[2] <- 0.0
            hessian.[3] <- 2.0
            y.[0] * y.[0] + y.[1] * y.[1]

        member _.LossInX(_, _, _) = refuse "Hessian"

        member _.JacobianVector(x, v, y, jv) =
            let j = Array.zeroCreate 4
            simulate x y
            jacobian x j
            jv.[0] <- j.[0] * v.[0] + j.[1] * v.[1]
            jv.[1] <- j.[2] * v.[0] + j.[3] * v.[1]

        member _.JacobianTransposeVector(x, w, y, jtw) =
            let j = Array.zeroCreate 4
            simulate x y
            jacobian x j
            jtw.[0] <- j.[0] * w.[0] + j.[2] * w.[1]
            jtw.[1] <- j.[1] * w.[0] + j.[3] * w.[1]

        member _.HessianVector(_, _, _, _) = refuse "Hessian-vector product"
        member _.TryInvert(_, _, _) = refuse "inverse"

let private allRules () : IUpdateRule list =
    [ GradientDescent 0.001
      Adam 0.01
      Newton 0.5
      NewtonCG 0.5
      Bfgs 0.001
      LimitedMemoryBfgs 0.001
      InverseGradient 0.5
      PhysicalGradient 0.5
      GaussNewton 0.5
      HalfInverseGradient 0.5
      LevenbergMarquardt 1.0 ]

[<Fact>]
let ``a hand-written simulator runs with every rule its capabilities allow, on the symbolic problem's trajectory`` () =
    let symbolic = CompiledProblem(rosenbrock ())

    for lossInY in [ false; true ] do
        let hand = HandWritten lossInY :> IDifferentiableProblem

        for rule in allRules () do
            if hand.Supported.HasFlag rule.Needs then
                let expected = Optimizer.Run(symbolic, rule, [| -1.2; 1.0 |], 10)
                let actual = Optimizer.Run(hand, rule, [| -1.2; 1.0 |], 10)
                Assert.Equal(expected.Trajectory.Count, actual.Trajectory.Count)
                Assert.Equal(expected.StopReason, actual.StopReason)

                for k in 0 .. expected.Trajectory.Count - 1 do
                    close 1e-12 expected.Trajectory.[k] actual.Trajectory.[k]

    // With the loss in y, every rule but Newton, Newton-CG and PG runs (8 of 11); without, the four that
    // read only the gradient.
    let runs lossInY =
        allRules () |> List.filter (fun r -> (HandWritten lossInY :> IDifferentiableProblem).Supported.HasFlag r.Needs) |> List.map (fun r -> r.Name)

    Assert.Equal<string list>([ "gd"; "adam"; "bfgs"; "lbfgs" ], runs false)
    Assert.Equal<string list>([ "gd"; "adam"; "bfgs"; "lbfgs"; "ig"; "gn"; "hig"; "lm" ], runs true)

[<Fact>]
let ``the rules a hand-written simulator cannot serve refuse it, naming the missing capability`` () =
    let refused (problem: IDifferentiableProblem) (rule: IUpdateRule) (missing: string) =
        let e = Assert.Throws<SymbolicException>(fun () -> Optimizer.Run(problem, rule, [| -1.2; 1.0 |], 1) |> ignore)
        Assert.Equal(ErrorKind.Invalid, e.Kind)
        Assert.Contains(rule.Name, e.Message)
        Assert.Contains(missing, e.Message)

    let plain = HandWritten false :> IDifferentiableProblem
    let withLoss = HandWritten true :> IDifferentiableProblem
    refused withLoss (Newton 1.0) "needs Hessian"
    refused withLoss (NewtonCG 1.0) "needs HessianVector"
    refused withLoss (PhysicalGradient 0.5) "needs Inverse"
    refused plain (GaussNewton 0.5) "LossGradientInY"
    refused plain (LevenbergMarquardt 1.0) "LossHessianInY"
    refused plain (InverseGradient 0.5) "LossHessianInY"
    // A wrapper refuses what its inner rule cannot run on.
    refused withLoss (ArmijoBacktracking(Newton 1.0)) "Hessian"

[<Fact>]
let ``a stop at a zero step on a simulator without a Hessian classifies the point by differences of the gradient`` () =
    // From (1, 1), the minimum, every rule's step is 0: the curvature comes from central differences
    // of the hand-written gradient. The Hessian of L there is 2JᵀJ = [[802, −400], [−400, 200]]: positive definite.
    // (A loss tolerance of −1 keeps L = 0 there from ending the run before its first step.)
    let run = Optimizer.Run(HandWritten false, GradientDescent 0.001, [| 1.0; 1.0 |], 5, -1.0)
    Assert.Equal(StopReason.Converged, run.StopReason)
    Assert.Equal(Nullable ConvergenceCriterion.StepTolerance, run.Exit.Criterion)
    Assert.Equal(StationaryKind.Minimum, run.Exit.Curvature.Kind)
    let eigenvalues = run.Exit.Curvature.Eigenvalues
    // The eigenvalues of [[802, −400], [−400, 200]]: 501 ± √(301² + 400²) = 501 ± 500.6006…
    let root = sqrt (301.0 * 301.0 + 400.0 * 400.0)
    Assert.Equal(501.0 - root, eigenvalues.[0], 4)
    Assert.Equal(501.0 + root, eigenvalues.[1], 4)

// ---- the catalogue ------------------------------------------------------------------------------------

[<Fact>]
let ``the catalogue reads step sizes and options, with defaults for the rest`` () =
    let specs = MethodCatalog.Parse "gd:0.1,pg:0.3,hig:1:kappa=-0.25:tau=1e-3,adam:0.01:beta1=0.8:beta2=0.99:eps=1e-6,newton-cg:1,lm:1:lambda0=0.01"
    Assert.Equal<Method[]>(
        [| Method.GradientDescent; Method.PhysicalGradient; Method.HalfInverseGradient; Method.Adam; Method.NewtonCG; Method.LevenbergMarquardt |],
        specs |> Array.map (fun s -> s.Method))
    Assert.Equal<float[]>([| 0.1; 0.3; 1.0; 0.01; 1.0; 1.0 |], specs |> Array.map (fun s -> s.Eta))
    let hig = specs.[2].Rule() :?> HalfInverseGradient
    Assert.Equal(-0.25, hig.Kappa)
    Assert.Equal(1e-3, hig.Tau)
    let adam = specs.[3].Rule() :?> Adam
    Assert.Equal((0.8, 0.99, 1e-6), (adam.Beta1, adam.Beta2, adam.Epsilon))
    Assert.Equal(0.0, (specs.[4].Rule() :?> NewtonCG).Tolerance) // the default: the Eisenstat–Walker forcing term
    Assert.Equal(0.01, (specs.[5].Rule() :?> LevenbergMarquardt).Lambda0)
    Assert.Equal("hig:1:kappa=-0.25:tau=0.001", specs.[2].ToString())

[<Fact>]
let ``every method is in the catalogue once, with the report name its rule carries`` () =
    let methods = Enum.GetValues<Method>() |> Array.distinct
    Assert.Equal(methods.Length, MethodCatalog.Entries.Count)

    for m in methods do
        let entry = MethodCatalog.Of m
        Assert.Equal(m, entry.Method)
        let rule = entry.Rule(entry.DefaultEta)
        Assert.Equal(entry.Name, rule.Name)
        Assert.Equal(Nullable m, StandardRules.MethodNamed rule.Name)
        Assert.Contains(entry.Syntax, MethodCatalog.Help())

[<Fact>]
let ``hig with kappa = -1 and tau = 1e-12 is Gauss–Newton, bitwise`` () =
    // docs/theory.md §2: κ = −1 gives J⁺g, the Gauss–Newton direction (with GN's own truncation 10⁻¹²).
    let compiled = CompiledProblem(create [| "x0"; "x1" |] "x0*x1; x0 + x1^2; sin(x0)" null [| 1.0; 2.0; 0.5 |] [| 0.5; 0.7 |])
    let run text = Optimizer.Run(compiled, (MethodCatalog.Parse text).[0].Rule(), [| 0.5; 0.7 |], 5)
    let gn = run "gn:0.5"
    let hig = run "hig:0.5:kappa=-1:tau=1e-12"

    for k in 0 .. gn.Trajectory.Count - 1 do
        Assert.Equal<float[]>(gn.Trajectory.[k], hig.Trajectory.[k])

[<Theory>]
[<InlineData("newtn:1", "did you mean 'newton'")>]
[<InlineData("levenberg:1", "is not a method")>]
[<InlineData("hig:1:kapa=-0.5", "did you mean 'kappa'")>]
[<InlineData("adam:0.1:beta=0.5", "did you mean 'beta1'")>]
[<InlineData("gd:0.1:kappa=1", "gd takes no options")>]
[<InlineData("adam:0.1:beta1=1", "β₁")>]
[<InlineData("hig:1:tau=-1", "τ")>]
[<InlineData("lm:1:lambda0=abc", "needs a finite number, and 'abc' is not")>]
[<InlineData("lm:1:lambda0=0", "λ₀")>]
[<InlineData("newton-cg:1:maxcg=2.5", "whole number")>]
[<InlineData("hig:1:kappa=1:kappa=2", "given twice")>]
let ``a bad --methods entry is an input error naming the entry and the nearest name`` (entry: string, fragment: string) =
    let e = Assert.Throws<SymbolicException>(fun () -> MethodCatalog.Parse entry |> ignore)
    Assert.Equal(ErrorKind.Invalid, e.Kind)
    Assert.Contains(fragment, e.Message)
    let code, _, err = Cli.run [ "compare"; "--methods"; entry; "--iterations"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains(entry.Split(':').[0], err)
    Assert.Contains(fragment, err)

[<Fact>]
let ``compare runs Newton-CG and Levenberg–Marquardt and names them in the table and JSON`` () =
    let out = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-rules-test")

    let args format =
        [ "compare"; "--simulator"; "10*(x1 - x0^2); 1 - x0"; "--target"; "0,0"; "--start"; "-1.2,1"
          "--methods"; "newton-cg:1,lm:1:lambda0=1e-3"; "--iterations"; "60"; "--out"; out; "--format"; format ]

    let code, table, _ = Cli.run (args "table")
    Assert.Equal(0, code)
    Assert.Contains("newton-cg ", table)
    Assert.Contains("lm ", table)
    let code, json, _ = Cli.run (args "json")
    Assert.Equal(0, code)
    let doc = Text.Json.JsonDocument.Parse json

    let names =
        [ for r in doc.RootElement.GetProperty("methods").EnumerateArray() -> r.GetProperty("name").GetString() ]

    Assert.Equal<string list>([ "newton-cg"; "lm" ], names)

[<Fact>]
let ``compare's help lists every method with its options and defaults`` () =
    let _, help, _ = Cli.run [ "compare"; "--help" ]

    for entry in MethodCatalog.Entries do
        Assert.Contains(entry.Name + "[:η]", help) // η may be left out: a bare name takes the default listed

    Assert.Contains("kappa = -0.5", help)
    Assert.Contains("lambda0 = 0.001", help)
    Assert.Contains("beta2 = 0.999", help)

[<Fact>]
let ``derive names newton-cg and lm as rules without a closed form, with the reason`` () =
    for name, reason in [ "newton-cg", "conjugate-gradient iterate"; "lm", "damping λ adapts" ] do
        let code, _, err = Cli.run [ "derive"; "--methods"; name ]
        Assert.Equal(2, code)
        Assert.Contains(sprintf "%s has no closed-form rule" name, err)
        Assert.Contains(reason, err)
        Assert.Contains("the closed forms are gd, newton, ig, pg and gn", TestHelpers.unwrapped err)
