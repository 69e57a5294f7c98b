/// One problem model: the core's Problem is built once per PhysicsProblem and is what its rules, runs and
/// copies use; the names are checked in one place, Problem.Create, whichever factory a problem comes from.
module PhysGrad.Properties.OneModel

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

/// The book's problem P(x) = [x0, x1²] with L = ½‖y − y*‖², y* = 0: its inverse [y0, sign(x1)·√y1] is derived
/// on first request (the core's Problem defers it).
let private book () = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |])

[<Fact>]
let ``deriving PG's rule resolves the inverse of the very model that runs`` () =
    let problem = book ()
    Assert.False(problem.Model.IsInverseResolved) // nothing has asked for it yet
    problem.Rules(Method.PhysicalGradient) |> ignore
    // The rule was derived on the held model, not on a second one built from the text again.
    Assert.True(problem.Model.IsInverseResolved)
    Assert.Equal(InverseSource.Derived, problem.Model.InverseSource)

[<Fact>]
let ``another start point shares the model, its derived inverse included, and is still checked`` () =
    let problem = book ()
    problem.Model.Inverse |> ignore
    let moved = problem.WithStart [| 1.0; 2.0 |]
    Assert.True(moved.Model.IsInverseResolved)
    Assert.Equal<float[]>([| 1.0; 2.0 |], moved.Model.Start)
    Assert.Equal<float[]>([| 3.0; 3.0 |], problem.Model.Start)
    // PG from (1, 2) on the derived inverse: y = (1, 4), Δy = −η·y, so x = P⁻¹((1 − η)·y) = ((1 − η), 2·√(1 − η)).
    let run = moved.Run(Method.PhysicalGradient, 0.36, 1)
    Assert.Equal(0.64, run.Final.[0], 12)
    Assert.Equal(1.6, run.Final.[1], 12)
    let e = Assert.Throws<SymbolicException>(fun () -> problem.WithStart [| nan; 1.0 |] |> ignore)
    Assert.Equal(ErrorKind.NonFinite, e.Kind)

[<Fact>]
let ``the core names an unknown simulator symbol and a variable named like an output, the same from every factory`` () =
    // Directly through the core …
    let core =
        Assert.Throws<SymbolicException>(fun () ->
            Problem.Create([| "x" |], [| Parse.expression "k*x" |], null, [| 0.0 |], [| 1.0 |], null, false) |> ignore)

    Assert.Equal(ErrorKind.Variable, core.Kind)

    Assert.Equal(
        "simulator[0] uses 'k', which is neither a variable (x) nor a parameter: if 'k' is a constant, give its value as a parameter; otherwise add it to the variables.",
        core.Message
    )
    // … and through text, JSON and expressions: one check, one message.
    let viaText = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromText("k*x", [| 0.0 |], [| 1.0 |], variables = [| "x" |]) |> ignore)
    let viaJson =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromJson """{"variables": ["x"], "simulator": ["k*x"], "target": [0], "start": [1]}""" |> ignore)
    let viaExpressions =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromExpressions([| Expression.Parse "k*x" |], [| 0.0 |], [| 1.0 |], variables = [| "x" |]) |> ignore)

    // The façade has the text, so it also says where the name is written (Msgs32).
    for e in [ viaText; viaJson; viaExpressions ] do
        Assert.Equal(core.Message.Replace("'k',", "'k' (column 1),"), e.Message)

    let clash =
        Assert.Throws<SymbolicException>(fun () ->
            Problem.Create([| "y0"; "x" |], [| Parse.expression "y0 + x"; Parse.expression "x" |], null, [| 0.0; 0.0 |], [| 1.0; 1.0 |], null, false)
            |> ignore)

    Assert.Contains("The variable 'y0' has the name of an output", clash.Message)

[<Fact>]
let ``a target's own symbol is the loss's alone: the simulator may not use it`` () =
    // The target names 'k', which is not a parameter: the rules keep it as the symbol y*₀, and the
    // simulator using the same name would make it both the goal and part of the physics.
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromJson """{"variables": ["x"], "simulator": ["k*x"], "target": ["k"]}""" |> ignore)

    Assert.Contains("simulator[0] uses 'k' (column 1), which is neither a variable (x) nor a parameter:", e.Message)
    // A target name that is a parameter is the user's: the simulator may use it.
    let ok = PhysicsProblem.FromJson """{"variables": ["x"], "simulator": ["k*x"], "target": ["k"], "parameters": {"k": 2}}"""
    Assert.Equal(1, ok.Rules(Method.GradientDescent).Count)
