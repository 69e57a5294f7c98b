/// PG and the preimage search at a branch point of the derived local inverse (issue 12, "values at special
/// points", item 3): x0 = sign(x0)·√y0 at x0 = 0 would give 0 for every y (sign(0) = 0); the compiled
/// inverse takes the + branch there, the preimage search falls back to it where Newton's method cannot
/// start (J singular), and compare says which branch was taken.
module PhysGrad.Properties.BranchPoints

open System
open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

/// Simulators whose derived inverse has a branch choice sign(x0), with P itself for checking.
let private branched: (string * (float -> float)) list =
    [ "x0^2", (fun x -> x * x)
      "x0^4", (fun x -> x ** 4.0)
      "cosh(x0)", Math.Cosh
      "abs(x0)", Math.Abs
      "3*x0^2 + 1", (fun x -> 3.0 * x * x + 1.0) ]

[<Property(MaxTest = 40)>]
let ``from a start on the branch point, PG reaches the + branch's preimage, which is x*`` () =
    let cases =
        gen {
            let! simulator, p = Gen.elements branched
            // Targets above every simulator's value at 0 (cosh 0 = 1, 3·0 + 1 = 1): a preimage exists.
            let! t = Gen.choose (2000, 50000) |> Gen.map (fun k -> float k / 1000.0)
            return simulator, p, t
        }

    Prop.forAll (Arb.fromGen cases) (fun (simulator, p, t) ->
        let problem = PhysicsProblem.FromText(simulator, [| t |], [| 0.0 |])
        Assert.Equal<string list>([ "x0" ], problem.BranchChoicesAt([| 0.0 |]) |> List.ofSeq)
        let c = problem.CompareMethods([| struct (Method.PhysicalGradient, 1.0) |], 3)
        let x = c.Target.X
        Assert.Equal(TargetPointKind.PreimageNearStart, c.Target.Kind)
        Assert.Equal(TargetPointMethod.DerivedInverseAtStart, c.Target.By)
        // The + branch, and a preimage to rounding (P evaluated here, independently of the kernels).
        Assert.True(x.[0] > 0.0, sprintf "%s: x* = %g" simulator x.[0])
        Assert.True(abs (p x.[0] - t) <= 1e-12 * t, sprintf "%s: P(%g) = %g, y* = %g" simulator x.[0] (p x.[0]) t)
        // PG moved off the branch point to that preimage (one step of η = 1 lands on P⁻¹(y*)).
        let pg = c.Results.[0].Final.[0]
        Assert.True(abs (pg - x.[0]) <= 1e-12 * (1.0 + abs x.[0]), sprintf "%s: PG ended at %g, x* = %g" simulator pg x.[0]))

[<Fact>]
let ``off the branch point nothing is chosen: the start's branch stands and Newton finds x*`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| -1.0 |])
    Assert.Empty(problem.BranchChoicesAt([| -1.0 |]))
    let c = problem.CompareMethods([| struct (Method.PhysicalGradient, 1.0) |], 3)
    Assert.Equal(-2.0, c.Target.X.[0], 12)
    Assert.NotEqual(TargetPointMethod.DerivedInverseAtStart, c.Target.By)

[<Fact>]
let ``compare says which branch PG takes at the branch point, and measures to x* in x`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; "0"; "--methods"; "pg:1"; "--out"; Path.GetTempPath() ]
    Assert.True((code = 0), err)
    // The line is wrapped at 100 characters (it ran to 175), its continuation indented.
    let inverse = out.Split('\n') |> Array.skipWhile (fun l -> not (l.StartsWith "Local inverse for PG:"))
    Assert.True(inverse.[1].StartsWith "  " && inverse.[0].Length <= 100 && inverse.[1].TrimEnd().Length <= 100, out)
    Assert.Contains("Local inverse for PG: derived, x0 = sqrt(y0)*sign(x0). At the start sign(x0) is sign(0): both branches are preimages there, and PG takes the + branch (sign taken as +1).", TestHelpers.paragraph out "Local inverse for PG:")
    Assert.Contains("x* = [2.00000] is the derived local inverse's preimage from the start (Newton's method on P(x) = y* found none from there; at the start sign(x0) is sign(0), and the + branch is taken): distances are in x.", TestHelpers.unwrapped out)
    Assert.DoesNotContain("No preimage of y* was found", out)
    // The distance column's header says where it is measured (tables24: no " in x" in every cell).
    Assert.Contains("  distance in x  ", out)
    TestHelpers.assertRow out [ "pg"; "1"; "[2.00000]"; "0"; "0" ]
