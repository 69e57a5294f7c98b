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
    Assert.StartsWith("x* = [0] is the preimage", line)
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
        // "the only preimage" (an affine P of full rank, round 33) claims the nearest too, and that no other root exists.
        let claimsOnly = line.Contains "is the only preimage of y*"
        let claimsNearest = line.Contains "is the preimage of y*" || claimsOnly
        let nearest = abs (x.[0] - p.Start) <= nearestRoot + 1e-9
        let only = List.length (List.distinct p.Roots) = 1
        (solves && (nearest || not claimsNearest) && (only || not claimsOnly) && (claimsNearest || line.Contains "is a preimage of y*")) |> Prop.label label

/// The one real root of x³ − 3x = v for |v| > 2 (beyond both folds, x = ±1): 2·sign(v)·cosh(acosh(|v|/2)/3),
/// the hyperbolic form of Cardano's formula (x = 2 cosh θ turns x³ − 3x into 2 cosh 3θ).
let private cubicRoot (v: float) = float (sign v) * 2.0 * cosh (Math.Acosh(abs v / 2.0) / 3.0)

let private outDir name = IO.Path.Combine(IO.Path.GetTempPath(), sprintf "physgrad-fold-%s-%d" name Environment.ProcessId)

[<Fact>]
let ``x0^3 - 3*x0 = 2.5 from 0.5: past the fold at x = -1 where continuation and Newton stop, x* is the one real root, shown nearest`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0^3 - 3*x0"; "--target"; "2.5"; "--start"; "0.5"; "--methods"; "gd"; "--out"; outDir "cubic" ]
    Assert.True((code = 0 || code = 1), err)
    let line = out.Split('\n') |> Array.find (fun l -> l.StartsWith "x* = ")
    Assert.StartsWith("x* = [2.05362] is the preimage of y* found from the start by an outward scan", line)
    let target = targetOf "x0^3 - 3*x0" 2.5 0.5
    Assert.Equal(TargetPointMethod.Scan, target.By)
    Assert.True(abs (target.X.[0] - cubicRoot 2.5) <= 1e-12, sprintf "x* = %.17g, root %.17g" target.X.[0] (cubicRoot 2.5))
    Assert.True(target.Nearest)
    Assert.Null(target.NotNearest)
    // The JSON report says so too.
    let code, json, err =
        Cli.run [ "compare"; "--simulator"; "x0^3 - 3*x0"; "--target"; "2.5"; "--start"; "0.5"; "--methods"; "gd"; "--format"; "json"; "--out"; outDir "cubic-json" ]
    Assert.True((code = 0 || code = 1), err)
    let p = Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.True(p.GetProperty("targetXNearest").GetBoolean())
    Assert.Equal(Text.Json.JsonValueKind.Null, p.GetProperty("targetXNearestReason").ValueKind)
    Assert.Equal("scan", p.GetProperty("targetXBy").GetString())

/// A polynomial whose start lies between two folds and whose target lies beyond them, so that the branch
/// through the start ends at a fold before y*: a·((x − c)³ − 3b²(x − c)) (folds at c ± b, values
/// ∓2ab³) at y* = a·b³·v with |v| > 2, one real root c + b·cubicRoot v; or a·(x⁴ − 2b²x²) with a > 0
/// (a fold at 0, the local maximum 0) at y* = a·b⁴·v with v > 0, real roots ±b·√(1 + √(1 + v)).
type Fold = { Quartic: bool; A: float; B: float; C: float; V: float; W: float }

let folds =
    gen {
        let! quartic = Gen.elements [ false; true ]
        let! a = Gen.elements (if quartic then [ 0.5; 2.0; 7.0 ] else [ -3.0; 0.5; 2.0 ])
        let! b = Gen.elements [ 0.5; 1.0; 3.0 ]
        let! c = Gen.elements (if quartic then [ 0.0 ] else [ -2.0; 0.0; 1.5 ])
        // |v| from 2.125 to 40 beyond the cubic's folds; from 0.125 to 40 above the quartic's.
        let! k = Gen.choose ((if quartic then 1 else 17), 320)
        let! negative = Gen.elements [ false; true ]
        let v = (if negative && not quartic then -1.0 else 1.0) * float k / 8.0
        // Starts strictly inside the folds (never on one, never on the quartic's fold at 0).
        let! s = Gen.choose (1, 15)
        let! left = Gen.elements [ false; true ]
        return { Quartic = quartic; A = a; B = b; C = c; V = v; W = (if left then -1.0 else 1.0) * float s / 16.0 }
    }
    |> Arb.fromGen

type FoldArb =
    static member Fold() = folds

let private foldText (f: Fold) =
    let r (v: float) = v.ToString("R", CultureInfo.InvariantCulture)
    if f.Quartic then sprintf "%s*(x0^4 - 2*%s*x0^2)" (r f.A) (r (f.B * f.B))
    else sprintf "%s*((x0 - (%s))^3 - 3*%s*(x0 - (%s)))" (r f.A) (r f.C) (r (f.B * f.B)) (r f.C)

[<Property(Arbitrary = [| typeof<FoldArb> |], MaxTest = 60)>]
let ``a target beyond a fold of a cubic or quartic still has its preimage found, the nearest, and said to be`` (f: Fold) =
    let start = f.C + f.B * f.W
    let y = if f.Quartic then f.A * f.B ** 4.0 * f.V else f.A * f.B ** 3.0 * f.V
    let root =
        if f.Quartic then float (sign f.W) * f.B * sqrt (1.0 + sqrt (1.0 + f.V))
        else f.C + f.B * cubicRoot f.V
    let target = targetOf (foldText f) y start
    let label = sprintf "%s = %g from %g: %O, expected %.17g" (foldText f) y start target root
    (not (isNull target.X)
     && abs (target.X.[0] - root) <= 1e-9 * (1.0 + abs root)
     && target.Nearest
     && PhysGrad.Cli.CompareCommand.TargetLine(target, 1, 1).Contains "is the preimage of y*")
    |> Prop.label label

[<Theory>]
[<InlineData(2.5, 0.5)>]
[<InlineData(-7.0, -0.3)>]
[<InlineData(-2.5, 0.2)>]
let ``a 2-variable map whose path to y* meets det J = 0 gets a preimage by Levenberg–Marquardt, said to be only a preimage`` (v: float, w: float) =
    // P = (x0³ − 3·x0 + x1, x1): det J = 3·x0² − 3 vanishes at x0 = ±1, between the start and the one
    // preimage (cubicRoot v, 0) of y* = (v, 0), so the branch through the start ends at a fold.
    let problem = PhysicsProblem.FromText("x0^3 - 3*x0 + x1; x1", [| v; 0.0 |], [| w; 0.0 |])
    let target = problem.CompareMethods(MethodCatalog.Parse "gd", 1).Target
    Assert.Equal(TargetPointKind.PreimageNearStart, target.Kind)
    Assert.Equal(TargetPointMethod.LevenbergMarquardt, target.By)
    Assert.True(abs (target.X.[0] - cubicRoot v) <= 1e-12 * (1.0 + abs (cubicRoot v)), sprintf "x* = %O, root %.17g" target (cubicRoot v))
    Assert.True(abs target.X.[1] <= 1e-12, sprintf "x* = %O" target)
    Assert.False(target.Nearest)
    Assert.Contains("fold", target.NotNearest)
    let line = PhysGrad.Cli.CompareCommand.TargetLine(target, 2, 2)
    Assert.Contains("is a preimage of y* found from the start by Levenberg–Marquardt (a nearer one may exist)", line)
    let json = RunReport.ToJson(problem.Definition, problem.CompareMethods(MethodCatalog.Parse "gd", 1).Results, target = target)
    let p = Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.False(p.GetProperty("targetXNearest").GetBoolean())
    Assert.Contains("Levenberg–Marquardt", p.GetProperty("targetXNearestReason").GetString())

[<Fact>]
let ``the JSON report says a known x* is not claimed nearest, and why`` () =
    let code, json, err = Cli.run [ "compare"; "--example"; "rosenbrock"; "--iterations"; "2"; "--methods"; "gd"; "--format"; "json"; "--out"; outDir "known" ]
    Assert.True((code = 0 || code = 1), err)
    let p = Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.Equal("known", p.GetProperty("targetXKind").GetString())
    Assert.False(p.GetProperty("targetXNearest").GetBoolean())
    Assert.Contains("known solution", p.GetProperty("targetXNearestReason").GetString())
