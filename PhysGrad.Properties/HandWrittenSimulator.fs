/// The hand-written C# simulator of examples/HandWritten (issue 13: "a hand-written C# simulator runs
/// with every rule its capabilities allow and is refused, with a message naming the missing capability,
/// by the others"): the Rosenbrock residuals with hand-coded J, J v, Jᵀ w, H v, dense Hessian and
/// closed-form inverse, against the same problem compiled from its symbolic form.
module PhysGrad.Properties.HandWrittenSimulator

open System
open Xunit
open PhysGrad.Examples
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

let private n = 4
let private start = [| -1.2; 1.0; -1.2; 1.0 |]

/// The same residuals as text, default loss ½‖y − y*‖², the inverse derived symbolically (for PG).
let private symbolic (target: float[]) =
    let simulator = "10*(x1 - x0^2); 10*(x2 - x1^2); 10*(x3 - x2^2); 1 - x0"
    CompiledProblem(Problem.Create([| "x0"; "x1"; "x2"; "x3" |], Parse.many simulator, null, target, start, null, true))

let private rules () : IUpdateRule list =
    [ GradientDescent 1e-3
      Adam 1e-2
      Newton 0.5
      NewtonCG 0.5
      Bfgs 1e-3
      LimitedMemoryBfgs 1e-3
      InverseGradient 0.3
      PhysicalGradient 0.3
      GaussNewton 0.3
      HalfInverseGradient 0.3
      LevenbergMarquardt 1.0
      ArmijoBacktracking(Newton 1.0) ]

[<Fact>]
let ``the hand-written quantities equal the compiled symbolic ones (to 1e-12)`` () =
    let target = [| 0.5; -1.0; 2.0; 0.25 |]
    let hand = RosenbrockResiduals(n, target) :> IDifferentiableProblem
    let sym = symbolic target :> IDifferentiableProblem
    let x = [| -1.2; 1.0; 0.7; -0.3 |]
    let v = [| 0.3; -1.1; 2.0; 0.5 |]
    let close (a: float[]) (b: float[]) =
        Assert.Equal(a.Length, b.Length)
        for i in 0 .. a.Length - 1 do
            Assert.True(abs (a.[i] - b.[i]) <= 1e-12 * (1.0 + abs a.[i]), sprintf "entry %d: %.17g vs %.17g" i a.[i] b.[i])
    let pair f =
        let a, b = f sym, f hand
        close a b
    pair (fun p -> let g = Array.zeroCreate n in [| p.ValueGradient(x, g) |] |> Array.append g)
    pair (fun p -> let y, j = Array.zeroCreate n, Array.zeroCreate (n * n) in p.Simulate(x, y, j); Array.append y j)
    pair (fun p -> let g, h = Array.zeroCreate n, Array.zeroCreate (n * n) in [| p.LossInX(x, g, h) |] |> Array.append (Array.append g h))
    pair (fun p -> let y, jv = Array.zeroCreate n, Array.zeroCreate n in p.JacobianVector(x, v, y, jv); Array.append y jv)
    pair (fun p -> let y, jtw = Array.zeroCreate n, Array.zeroCreate n in p.JacobianTransposeVector(x, v, y, jtw); Array.append y jtw)
    pair (fun p -> let g, hv = Array.zeroCreate n, Array.zeroCreate n in [| p.HessianVector(x, v, g, hv) |] |> Array.append (Array.append g hv))
    pair (fun p -> let g, h = Array.zeroCreate n, Array.zeroCreate (n * n) in [| p.LossInY(v, g, h) |] |> Array.append (Array.append g h))
    // The inverse: P(x) = y has the unique preimage x (x₀ is irrelevant for this chain).
    let y = Array.zeroCreate n
    hand.Simulate(x, y)
    let back = Array.zeroCreate n
    Assert.True(hand.TryInvert(y, start, back))
    close x back

[<Fact>]
let ``every rule runs on the hand-written C# simulator along the compiled symbolic problem's trajectory (to 1e-12)`` () =
    let sym = symbolic (Array.zeroCreate n)
    let hand = RosenbrockResiduals n

    for rule in rules () do
        let expected = Optimizer.Run(sym, rule, start, 10)
        let actual = Optimizer.Run(hand, rule, start, 10)
        Assert.Equal(expected.StopReason, actual.StopReason)
        Assert.Equal(expected.Trajectory.Count, actual.Trajectory.Count)
        // Only the first run from x₀ could be trivially equal; the runs must also have moved.
        Assert.True(expected.Trajectory.Count > 1, sprintf "%s did not step" rule.Name)

        for k in 0 .. expected.Trajectory.Count - 1 do
            for i in 0 .. n - 1 do
                let a, b = expected.Trajectory.[k].[i], actual.Trajectory.[k].[i]
                Assert.True(abs (a - b) <= 1e-12 * (1.0 + abs a), sprintf "%s, step %d, x%d: %.17g vs %.17g" rule.Name k i a b)

[<Fact>]
let ``each rule refuses the simulator built without one of its needs, naming that capability`` () =
    let mutable refusals = 0

    for rule in rules () do
        for capability in Enum.GetValues<Capabilities>() do
            if capability <> Capabilities.None && rule.Needs.HasFlag capability then
                let problem = RosenbrockResiduals(n, null, RosenbrockResiduals.All &&& ~~~capability)
                let e = Assert.Throws<SymbolicException>(fun () -> Optimizer.Run(problem, rule, start, 1) |> ignore)
                Assert.Equal(ErrorKind.Invalid, e.Kind)
                Assert.Contains(sprintf "needs %O," capability, e.Message)
                refusals <- refusals + 1
        // …and runs once nothing it needs is missing, although other quantities are (the rule's needs alone).
        let minimal = RosenbrockResiduals(n, null, rule.Needs)
        Assert.True(Optimizer.Run(minimal, rule, start, 2).Trajectory.Count > 1, rule.Name)

    // Every rule needs at least the value and the gradient: at least two refusals each.
    Assert.True(refusals >= 2 * List.length (rules ()))
