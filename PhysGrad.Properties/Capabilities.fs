/// Problems answer on request: a rule compiles only the kernels it reads, the local inverse is derived
/// only when asked (within a budget), and a step allocates nothing at fixed n.
module PhysGrad.Properties.Capabilities

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Problems

/// The book's example (THEORY §4): P(x) = [x0, x1²], L = y0² + y1², start [3, 3]; the inverse is
/// left to be derived (it is x0 = y0, x1 = sign(x1₀)·√y1).
let private book (budget: int64) =
    Problem.Create(
        [| "x0"; "x1" |],
        [| Parse.expression "x0"; Parse.expression "x1^2" |],
        Parse.expression "y0^2 + y1^2",
        [| 0.0; 0.0 |],
        [| 3.0; 3.0 |],
        null,
        true,
        null,
        budget
    )

let private run (problem: CompiledProblem) (method: Method) (eta: float) (iterations: int) =
    Optimizer.Run(problem, method, eta, [| 3.0; 3.0 |], iterations)

let private close (expected: float) (actual: float) =
    Assert.True(abs (actual - expected) <= 1e-12 * (1.0 + abs expected), sprintf "expected %.17g, got %.17g" expected actual)

[<Fact>]
let ``a gradient-descent run compiles the value+gradient kernel only and never derives the inverse`` () =
    let definition = book LocalInverse.defaultBudget
    let problem = CompiledProblem(definition)
    Assert.Equal(Capabilities.None, problem.Compiled)
    let r = run problem Method.GradientDescent 0.01 20
    // GD reads L and ∂L/∂x; recording the run adds y = P(x) (the y-only kernel). No Hessian, no J.
    Assert.Equal(Capabilities.Gradient ||| Capabilities.Outputs, problem.Compiled)
    Assert.False(definition.IsInverseResolved)
    // x0 ← (1 − 2η) x0 (∂(x0²)/∂x0 = 2 x0): after 20 steps 3·0.98²⁰.
    close (3.0 * Math.Pow(0.98, 20.0)) r.Final.[0]

[<Fact>]
let ``Adam and L-BFGS ask for the gradient only; Newton adds the Hessian; GN adds J and the loss gradient in y`` () =
    let only (method: Method) =
        let problem = CompiledProblem(book LocalInverse.defaultBudget)
        let stepper = Stepper(problem, method, 0.1, [| 3.0; 3.0 |])

        for _ in 1..5 do
            stepper.Step() |> ignore

        problem.Compiled

    Assert.Equal(Capabilities.Gradient, only Method.Adam)
    Assert.Equal(Capabilities.Gradient, only Method.LimitedMemoryBfgs)
    Assert.Equal(Capabilities.Hessian, only Method.Newton)
    Assert.Equal(Capabilities.Gradient ||| Capabilities.Jacobian ||| Capabilities.LossGradientInY, only Method.GaussNewton)
    Assert.Equal(
        Capabilities.Gradient ||| Capabilities.Jacobian ||| Capabilities.LossHessianInY,
        only Method.InverseGradient
    )

[<Fact>]
let ``PG derives the inverse on first use and follows the book's trajectory x0 = 3·0.7^k, x1 = 3·0.7^(k/2)`` () =
    let definition = book LocalInverse.defaultBudget
    let problem = CompiledProblem(definition)
    Assert.False(definition.IsInverseResolved)
    let r = run problem Method.PhysicalGradient 0.3 10
    Assert.True(definition.IsInverseResolved)
    Assert.Equal(InverseSource.Derived, definition.InverseSource)
    Assert.True(problem.Compiled.HasFlag Capabilities.Inverse)
    // L = y0² + y1²: ∂L/∂y = 2y, ∂²L/∂y² = 2I, so Δy = −η y and y shrinks by 0.7 a step; P⁻¹ gives
    // x0 = y0 = 3·0.7^k and x1 = +√y1 = √(9·0.7^k).
    for k in 0..10 do
        close (3.0 * Math.Pow(0.7, float k)) r.Trajectory.[k].[0]
        close (3.0 * Math.Pow(0.7, float k / 2.0)) r.Trajectory.[k].[1]

[<Fact>]
let ``Newton follows x0 = 3(1 − η)^k and x1 = 3(1 − η/3)^k on the book's example`` () =
    // L(P(x)) = x0² + x1⁴: the Newton step is −η·2x0/2 in x0 and −η·4x1³/(12x1²) = −η x1/3 in x1.
    let r = run (CompiledProblem(book LocalInverse.defaultBudget)) Method.Newton 0.5 12

    for k in 0..12 do
        close (3.0 * Math.Pow(0.5, float k)) r.Trajectory.[k].[0]
        close (3.0 * Math.Pow(1.0 - 0.5 / 3.0, float k)) r.Trajectory.[k].[1]

[<Property(MaxTest = 60)>]
let ``the lazily derived inverse is the one derived eagerly`` () =
    Prop.forAll problemsAt (fun (p, x0) ->
        let simulator = simulator p
        let outputs = Array.init p.N (sprintf "y%d")
        let eager = LocalInverse.derive p.Variables outputs simulator
        let y, _ = forward p x0
        let problem = Problem.Create(p.Variables, simulator, null, y, x0, null, true)
        let resolvedBefore = problem.IsInverseResolved

        let same =
            match eager with
            | Ok xs -> problem.InverseSource = InverseSource.Derived && Array.map Infix.format xs = Array.map Infix.format problem.Inverse
            | Error reason -> problem.InverseSource = InverseSource.Numeric && problem.InverseNote = reason

        (not resolvedBefore && same) |> Prop.label (sprintf "P = %O" p))

[<Fact>]
let ``past its budget the inverse is numeric, says why, and PG still runs on the numeric inverse`` () =
    // A budget of zero stops the derivation at its first check, on any machine.
    let definition = book 0L
    Assert.Equal(InverseSource.Numeric, definition.InverseSource)
    Assert.Contains("no closed form within the budget of 0 work units", definition.InverseNote)
    let r = run (CompiledProblem(definition)) Method.PhysicalGradient 0.3 10
    Assert.Empty(r.Fallbacks)
    // Newton on P(x) = y + Δy from the current x finds the same preimage as the closed form (x1 > 0).
    close (3.0 * Math.Pow(0.7, 10.0)) r.Final.[0]
    Assert.True(abs (r.Final.[1] - 3.0 * Math.Pow(0.7, 5.0)) <= 1e-9)

[<Fact>]
let ``compare names the inverse only when PG runs`` () =
    let out = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-capabilities-test")
    let code, stdout, _ = Cli.run [ "compare"; "--methods"; "gd:0.01"; "--iterations"; "3"; "--out"; out ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("Local inverse", stdout)
    let code, stdout, _ = Cli.run [ "compare"; "--methods"; "gd:0.01,pg:0.3"; "--iterations"; "3"; "--out"; out ]
    Assert.Equal(0, code)
    Assert.Contains("Local inverse for PG: derived", stdout)

[<Fact>]
let ``a step allocates nothing at fixed n for GD, Adam, Newton, IG and PG`` () =
    for method in [ Method.GradientDescent; Method.Adam; Method.Newton; Method.InverseGradient; Method.PhysicalGradient ] do
        let problem = CompiledProblem(book LocalInverse.defaultBudget)
        let stepper = Stepper(problem, method, 0.1, [| 3.0; 3.0 |])

        for _ in 1..5 do
            stepper.Step() |> ignore

        let allocated = TestHelpers.allocatedIn 20 (fun () -> stepper.Step() |> ignore)
        Assert.True((allocated = 0L), sprintf "%O allocated %d bytes in 20 steps" method allocated)

[<Fact>]
let ``a run records every k-th point or only the losses, always with the start and the last point`` () =
    let problem = CompiledProblem(book LocalInverse.defaultBudget)
    let full = run problem Method.GradientDescent 0.01 10

    let sparse =
        Optimizer.Run(problem, Method.GradientDescent, 0.01, [| 3.0; 3.0 |], 10, recording = Recording.EveryKth 4)

    let lossesOnly =
        Optimizer.Run(problem, Method.GradientDescent, 0.01, [| 3.0; 3.0 |], 10, recording = Recording.LossesOnly)

    Assert.Equal<int>([ 0; 4; 8; 10 ], sparse.RecordedIterations)
    Assert.Equal<int>([ 0; 10 ], lossesOnly.RecordedIterations)
    // x0 ← 0.98 x0 each step: the kept points are the full run's points at those iterations.
    for i, k in Seq.indexed sparse.RecordedIterations do
        close (3.0 * Math.Pow(0.98, float k)) sparse.Trajectory.[i].[0]
        Assert.Equal<float>(full.Trajectory.[k], sparse.Trajectory.[i])
        Assert.Equal<float>(full.Outputs.[k], sparse.Outputs.[i])

    Assert.Equal<float>(full.Losses, sparse.Losses)
    Assert.Equal<float>(full.Losses, lossesOnly.Losses)
    Assert.Equal<float>(full.Final, lossesOnly.Final)
    Assert.Equal(2, lossesOnly.Trajectory.Count)
