/// x* of a comparison is exact where the problem's local inverse can be derived: Newton's search from the
/// start picks the preimage, the derived inverse evaluated on its branch makes it exact, and the report says
/// which way x* was computed.
module PhysGrad.Properties.ExactTarget

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad

[<Fact>]
let ``the book's x* is the closed form's origin, whichever methods run, and distances are measured to it`` () =
    // P(x) = [x0, x1^2], y* = 0: P⁻¹(0) = [0, sqrt(0)] = [0, 0] (docs/theory.md §4). Newton on x1² = 0 alone
    // stops near x1 = 7e-7 (a double root converges linearly), which put the README's distance 7e-7 off.
    let problem = PhysicsProblem.Book

    for methods in [ "gd:0.01,newton:0.3333"; "gd"; "pg" ] do
        let comparison = problem.CompareMethods(MethodCatalog.Parse methods, 10)
        let target = comparison.Target
        Assert.Equal(TargetPointKind.PreimageNearStart, target.Kind)
        Assert.Equal(TargetPointMethod.DerivedInverse, target.By)
        Assert.Equal(0.0, target.X.[0], 14)
        Assert.Equal(0.0, target.X.[1], 14)
        // The distance in x is then the final point's norm.
        for r in comparison.Results do
            let f = r.Final
            Assert.Equal(Math.Sqrt(f.[0] * f.[0] + f.[1] * f.[1]), r.DistanceToTarget, 15)

    let code, json, err =
        Cli.run
            [ "compare"
              "--iterations"
              "2"
              "--format"
              "json"
              "--out"
              Path.Combine(Path.GetTempPath(), sprintf "physgrad-exact-%d" Environment.ProcessId) ]

    Assert.True((0 = code), err)
    let p = JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.Equal("derivedInverse", p.GetProperty("targetXBy").GetString())
    Assert.Equal("preimageNearStart", p.GetProperty("targetXKind").GetString())

[<Fact>]
let ``x* of exp(x0 + x1), x0 - x1 is the closed form to 1e-14`` () =
    // exp(x0 + x1) = 2 and x0 − x1 = 1: x0 = (ln 2 + 1)/2, x1 = (ln 2 − 1)/2.
    let problem =
        PhysicsProblem.FromText("exp(x0 + x1); x0 - x1", [| 2.0; 1.0 |], [| 0.0; 0.0 |])

    let target = problem.CompareMethods(MethodCatalog.Parse "gd", 1).Target
    Assert.Equal(TargetPointMethod.DerivedInverse, target.By)
    Assert.Equal((Math.Log 2.0 + 1.0) / 2.0, target.X.[0], 14)
    Assert.Equal((Math.Log 2.0 - 1.0) / 2.0, target.X.[1], 14)

[<Fact>]
let ``without a derivable inverse x* is Newton's preimage and says so`` () =
    // x0 + sin(x0) = 1 has no closed-form inverse; its root near 0.5110 is found by Newton from 0.
    let problem = PhysicsProblem.FromText("x0 + sin(x0)", [| 1.0 |], [| 0.0 |])
    let target = problem.CompareMethods(MethodCatalog.Parse "gd", 1).Target
    Assert.Equal(TargetPointMethod.Newton, target.By)
    let x = target.X.[0]
    Assert.True(abs (x + sin x - 1.0) <= 1e-12, sprintf "x* = %.17g" x)
    Assert.InRange(x, 0.51, 0.512)
