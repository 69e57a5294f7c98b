/// Faults of the new-user trial 19, each fixed as a kind: a step small next to x was measured as x₁ − x₀,
/// which rounds it away (units and check gave it no unit, compare no diagonal); a run whose step rounded
/// away on a slope was called "at a maximum"; a large iteration limit thinned the points of a run that
/// stopped early; a step below x's rounding was said to be 0.
module PhysGrad.Properties.TrialFaults19v

open System
open System.Text.RegularExpressions
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics

let private run = Cli.run

let private row (prefix: string) (out: string) =
    out.Split('\n') |> Array.find (fun l -> l.StartsWith prefix)

// ---- 1. a step's unit is read from the step itself, not from x₁ − x₀ ------------------------------------

[<Theory>]
[<InlineData "1">]
[<InlineData "1e-4">]
[<InlineData "1e-6">]
[<InlineData "1e-8">]
[<InlineData "1e-12">]
let ``gd's step on c·x0² in km is in km³ however small c makes it next to x0`` (c: string) =
    // L = ½(c·x0² − y*)² with y0 in km²: ∂L/∂x0 = (c·x0² − y*)·2c·x0 is in km³, and so is −η ∂L/∂x0. At
    // c = 1e-6 the step, ~1e-13, is a few ulps of x0 = 2; at 1e-8 it is below them (x₁ − x₀ = 0).
    let code, out, err = run [ "units"; "--simulator"; $"{c}*x0^2"; "--unit"; "x0=km"; "--start"; "2" ]
    Assert.True((code = 0), err)
    let gd = row "gd " out
    Assert.Contains(" km^3 ", gd)
    Assert.DoesNotContain("not by a power", gd)
    Assert.DoesNotContain("cannot be measured", gd)

[<Fact>]
let ``check's property 1 passes on a tiny step: the trial's 1e-6·x0² and g = G·m/r²`` () =
    let code, out, err =
        run [ "check"; "--simulator"; "1e-6*x0^2"; "--unit"; "x0=km"; "--start"; "2"; "--target"; "1e-7" ]
    Assert.True((code = 0), out + err)
    Assert.Matches(@"^\s*1\s+units of the steps\s+pass", row " 1 " out)
    let _, out, err =
        run [ "check"; "--simulator"; "G*m/r^2"; "--vars"; "m,r"; "--param"; "G=6.674e-11"; "--unit"; "G=N*m^2/kg^2"
              "--unit"; "m=kg"; "--unit"; "r=m"; "--start"; "5.97e24,6.371e6"; "--target"; "9.81" ]
    let units = row " 1 " out
    // gd's Δr, 3e-11·… next to r = 6.4e6, has ∂L/∂r's unit; only GN's caveat (fewer outputs than variables
    // in different units) remains, which is not counted as a failure.
    Assert.DoesNotContain("gd Δr", units)
    Assert.DoesNotContain("gd Δm", units)
    Assert.Matches(@"^\s*1\s+units of the steps\s+pass", units)
    Assert.Contains("No property fails", out + err)

[<Fact>]
let ``the diagonal of a first step below x's rounding is the step's own direction`` () =
    // 1e-8·x0² towards 1e-7 from 3: gd's Δx0 = 0.1·6E-16 rounds away against 3, but it points up the diagonal.
    let p = PhysicsProblem.FromText("1e-8*x0^2", [| 1e-7 |], [| 3.0 |])
    let result = p.Compare([| struct (Method.GradientDescent, 0.1) |], 10) |> Seq.head
    Assert.Equal(3.0, result.Run.Trajectory.[result.Run.Trajectory.Count - 1].[0])
    Assert.True(result.Run.FirstStep.[0] > 0.0 && result.Run.FirstStep.[0] < 1e-15, sprintf "%A" result.Run.FirstStep)
    Assert.Equal(1.0, result.DiagonalAlignment)

// ---- 2. a step that rounds away on a slope is a stall, never a maximum ----------------------------------

[<Fact>]
let ``gd overshooting exp(x0) to −360 stalls on the slope, in compare and in the API`` () =
    // Step 1: 3 − exp(3)·(exp(3) − 2) = −360.26; there ∂L/∂x0 = exp(x)(exp(x) − 2) ≈ −7E-157 ≠ 0 and the step
    // 7E-157 vanishes against x. L still falls towards +∞: no maximum, no stationary point.
    let code, out, _ = run [ "compare"; "--simulator"; "exp(x0)"; "--target"; "2"; "--start"; "3"; "--methods"; "gd:1" ]
    let gd = row "gd " (unwrapped out)
    Assert.True((code = 0 || code = 1), out)
    // The row's stop column holds the reason, the note under the table the whole stop (compare's one layout, tables29).
    Assert.EndsWith("  stalled", gd.TrimEnd())
    Assert.Contains("Stop of gd: stalled: the step, 6.97E-157, is below the rounding of x = -360.258 at iteration 2", unwrapped out)
    Assert.DoesNotContain("at a maximum", unwrapped out)
    let r = PhysicsProblem.FromText("exp(x0)", [| 2.0 |], [| 3.0 |]).Run(Method.GradientDescent, 1.0, 100)
    Assert.Equal(StopReason.Stalled, r.StopReason)
    Assert.DoesNotContain("at a maximum", r.StopDetail)
    Assert.Equal(2, r.Exit.Iteration)

[<Fact>]
let ``a step that rounds away beside a stationary point that is no minimum is a stall that names the curvature`` () =
    // L = ½(x0 − 3)² − ½x1² from (4, 0): gd's x0 − 3 shrinks by 0.7 a step until its step, 0.3 ulp of 3, rounds
    // away; ∂L/∂x0 is then 1 ulp, what x's rounding makes of it through H = diag(1, −1). The rule still steps
    // (its step is not 0), so the run is stalled there (small23: a nonzero step below x's rounding is Stalled
    // with its size, for every method), and the curvature found, a saddle, is kept in the exit and the words.
    let p = PhysicsProblem.FromText("x0; x1", [| 0.0; 0.0 |], [| 4.0; 0.0 |], "(y0-3)^2/2 - y1^2/2")
    let r = p.Run(Method.GradientDescent, 0.3, 500)
    Assert.Equal(StopReason.Stalled, r.StopReason)
    // x0 stops one ulp above 3: the last step was not 0, it rounded away.
    Assert.Equal(3.0 + 4.440892098500626e-16, r.Final.[0])
    Assert.Contains("is below the rounding of x", r.StopDetail)
    Assert.Contains("a saddle", r.StopDetail)
    Assert.Equal(StationaryKind.Saddle, r.Exit.Curvature.Kind)
    // gd on the tiny 1e-8·x0² stalls where ∂L/∂x0 is not 0 to rounding either: the stall's own wording.
    let s = PhysicsProblem.FromText("1e-8*x0^2", [| 1e-7 |], [| 3.0 |]).Run(Method.GradientDescent, 0.1, 10)
    Assert.Equal(StopReason.Stalled, s.StopReason)
    Assert.StartsWith("the step, 6E-17, is below the rounding of x = 3 at iteration 1 although ∂L/∂x = [-6E-16] is not 0", s.StopDetail)

// ---- 3. thinning follows the points a run produces, not its iteration limit ------------------------------

[<Theory>]
[<InlineData 100>]
[<InlineData 10000000>]
[<InlineData 100000000>]
let ``a run that converges after 54 steps keeps all 55 points and its diagonal under any limit`` (iterations: int) =
    let dir = IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-thin-{Environment.ProcessId}-{iterations}")
    let code, out, err =
        run [ "compare"; "--simulator"; "x0"; "--target"; "1"; "--start"; "0"; "--iterations"; string iterations
              "--methods"; "gd:0.5"; "--format"; "json"; "--out"; dir ]
    Assert.True((code = 0), err)
    let kept = Regex.Match(out, "\"trajectoryIterations\":\\s*\\[([^\\]]*)\\]").Groups.[1].Value.Split(',') |> Array.map (fun s -> int (s.Trim()))
    Assert.Equal<int>([| 0..54 |], kept)
    let table, _, _ = run [ "compare"; "--simulator"; "x0"; "--target"; "1"; "--start"; "0"; "--iterations"; string iterations; "--methods"; "gd:0.5"; "--out"; dir ]
    Assert.Equal(0, table)

[<Fact>]
let ``a bounded recording doubles its interval as the points come, keeping the start, the first step, each multiple with the next and the last`` () =
    // x ← x − 0.001(x − 1) from 0: no early stop in 1000 steps.
    let c = PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |]).Compiled
    let full = Optimizer.Run(c, Method.GradientDescent, 0.001, [| 0.0 |], 1000)
    let thin = Optimizer.Run(c, Method.GradientDescent, 0.001, [| 0.0 |], 1000, recording = Recording.AtMost 10)
    let kept = List.ofSeq thin.RecordedIterations
    Assert.True(kept.Length <= 10, sprintf "%A" kept)
    Assert.Equal<int list>([ 0; 1 ], List.take 2 kept)
    Assert.Equal(1000, List.last kept)
    // Between the first step and the last, one interval, a power of two from 4 on, and every multiple of it
    // with the iteration after it (both ends of a step).
    let inner = kept |> List.skip 2 |> List.take (kept.Length - 3)
    let stride = inner.Head
    Assert.True(stride >= 4 && stride &&& (stride - 1) = 0, sprintf "%A" kept)
    Assert.Equal<int list>([ for m in stride .. stride .. 1000 - 1 do for j in [ m; m + 1 ] do if j < 1000 then yield j ], inner)
    for i, k in Seq.indexed thin.RecordedIterations do
        Assert.Equal<float>(full.Trajectory.[k], thin.Trajectory.[i])
    Assert.Equal<float>(full.Losses, thin.Losses)
    Assert.Equal<float>(full.FirstStep, thin.FirstStep)
    // A run that stops early keeps every point: 55 of gd:0.5 on x0 → 1.
    let early = Optimizer.Run(c, Method.GradientDescent, 0.5, [| 0.0 |], 100000000, recording = BookExample.RecordingFor(100000000, 1, 1))
    Assert.Equal<int>([| 0..54 |], Array.ofSeq early.RecordedIterations)
