/// A rule is known by its name: a rule of one's own runs and reports under the name it chooses, with no
/// entry in the Method enum; the built-in rules' names are the catalogue's report names.
module PhysGrad.Properties.RuleNames

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules

/// Sign descent, Δx = −η sign(∂L/∂x): a rule that exists nowhere in the library.
type private SignDescent(eta: float) =
    inherit RuleBase("signgd", eta, Capabilities.Value ||| Capabilities.Gradient)
    override this.Start(problem, _x0) = SignState(problem, this.Eta) :> RuleState

and private SignState(problem: IDifferentiableProblem, eta: float) =
    inherit GradientState(problem)

    override _.Update(_x, _loss, gradient, dx, _notes) =
        for i in 0 .. dx.Length - 1 do
            dx.[i] <- -eta * float (sign gradient.[i])

[<Fact>]
let ``a rule of one's own runs and reports under its own name, with no built-in method`` () =
    // P(x) = x, L = ½(y − 0)², start 1, η = ¼: ∂L/∂x = x > 0 until x = 0, so x goes 1, ¾, ½, ¼, 0
    // (exact in binary), and at 0 the sign is 0: the step vanishes.
    let problem = PhysicsProblem.FromText("x", target = [ 0.0 ], start = [ 1.0 ])
    let run = Optimizer.Run(problem.Compiled, SignDescent 0.25, [| 1.0 |], 4)
    Assert.Equal("signgd", run.Name)
    Assert.False(run.Method.HasValue)
    Assert.Equal<float[]>([| 1.0; 0.75; 0.5; 0.25; 0.0 |], run.Trajectory |> Seq.map (fun x -> x.[0]) |> Array.ofSeq)
    Assert.StartsWith("signgd (η = 0.25)", run.ToString())

[<Fact>]
let ``each built-in rule's name leads back to its method, and a built-in run's summary names it as the CLI does`` () =
    for m in Enum.GetValues<Method>() |> Array.distinct do
        Assert.Equal(Nullable m, StandardRules.MethodNamed((StandardRules.For(m, 1.0)).Name))

    Assert.False(StandardRules.MethodNamed("signgd").HasValue)
    let run = PhysicsProblem.FromText("x", target = [ 0.0 ], start = [ 1.0 ]).Run(Method.GradientDescent, 0.5, 1)
    Assert.Equal("gd", run.Name)
    Assert.Equal(Nullable Method.GradientDescent, run.Method)
    Assert.StartsWith("gd (η = 0.5)", run.ToString())
