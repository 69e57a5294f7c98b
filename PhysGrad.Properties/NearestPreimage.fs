/// Issue #12: x* is the preimage of y* nearest the start, or the header says it is only a preimage.
/// Newton from the start can jump across basins (x0³ − x0 = 0 from 0.5 lands on −1 in one step).
module PhysGrad.Properties.NearestPreimage

open System
open System.Globalization
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad

let private targetOf text (y: float) (start: float) =
    PhysicsProblem.FromText(text, [| y |], [| start |]).CompareMethods(MethodCatalog.Parse "gd", 1).Target

[<Fact>]
let ``x0^3 - x0 from 0.5 to 0: x* is the root 0 next to the start, not -1 where Newton's first step lands`` () =
    let code, out, err = Cli.run [ "compare"; "--simulator"; "x0^3 - x0"; "--target"; "0"; "--start"; "0.5"; "--methods"; "gd" ]
    Assert.True((code = 0 || code = 1), err)
    let line = out.Split('\n') |> Array.find (fun l -> l.StartsWith "x* = ")
    Assert.Contains("is the preimage of y*", line)
    let target = targetOf "x0^3 - x0" 0.0 0.5
    Assert.Equal(TargetPointKind.PreimageNearStart, target.Kind)
    // Polished past the search tolerance: 0 to rounding, not 3e-14.
    Assert.True(abs target.X.[0] <= 1e-15, sprintf "x* = %g\n%s" target.X.[0] out)
    Assert.StartsWith("x* = [0.00000] is the preimage", line)
    Assert.True(target.Nearest)

/// A polynomial with known real roots on a grid of ¼ (so no two roots are nearer than ¼), times a
/// factor without real roots for some: a·(x − r₁)…(x − r_k)·(x² + c).
type Poly = { Scale: float; Roots: float list; Quadratic: float option; Start: float }

let polys =
    gen {
        let! scale = Gen.elements [ -3.0; -1.0; 0.5; 2.0 ]
        let! withQuadratic = Gen.elements [ false; true ]
        let! count = if withQuadratic then Gen.choose (1, 2) else Gen.choose (1, 4)
        let! grid = Gen.shuffle [| -12..12 |]
        let roots = grid |> Array.truncate count |> Array.map (fun k -> float k / 4.0) |> List.ofArray
        let! c = Gen.choose (1, 8)
        // Starts on an eighth-grid shifted by 1/16, never on a root.
        let! s = Gen.choose (-48, 47)
        return { Scale = scale; Roots = roots; Quadratic = (if withQuadratic then Some(float c / 4.0) else None); Start = float s / 16.0 + 1.0 / 32.0 }
    }
    |> Arb.fromGen

type PolyArb =
    static member Poly() = polys

let private text (p: Poly) =
    let f (v: float) = v.ToString("R", CultureInfo.InvariantCulture)
    let factors =
        [ yield f p.Scale
          for r in p.Roots -> if r >= 0.0 then sprintf "(x0 - %s)" (f r) else sprintf "(x0 + %s)" (f -r)
          match p.Quadratic with
          | Some c -> yield sprintf "(x0^2 + %s)" (f c)
          | None -> () ]
    String.Join("*", factors)

[<Property(Arbitrary = [| typeof<PolyArb> |], MaxTest = 60)>]
let ``x* of a polynomial solves P(x*) = 0 and no root lies nearer the start unless the header says a preimage`` (p: Poly) =
    let target = targetOf (text p) 0.0 p.Start
    let nearestRoot = p.Roots |> List.map (fun r -> abs (r - p.Start)) |> List.min
    let line = PhysGrad.Cli.CompareCommand.TargetLine(target, 1, 1)
    let label = sprintf "%s from %g: %O; header %s" (text p) p.Start target line
    match target.X with
    | null -> true |> Prop.label label // no preimage found: nothing is claimed (the header says so)
    | x ->
        let problem = PhysicsProblem.FromText(text p, [| 0.0 |], [| p.Start |])
        let y = [| 0.0 |]
        problem.Compiled.Simulate(x, y)
        let solves = abs y.[0] <= 1e-8
        let claimsNearest = line.Contains "is the preimage of y*"
        let nearest = abs (x.[0] - p.Start) <= nearestRoot + 1e-9
        (solves && (nearest || not claimsNearest) && (claimsNearest || line.Contains "is a preimage of y*")) |> Prop.label label
