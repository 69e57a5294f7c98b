/// Stop verdicts (verdicts31), fixed as kinds: (1) gn, ig and lm judged "loss at rounding level / a global minimum to
/// rounding" with the start's ‖y₀‖ as y's scale: `1e12*x0*x1; 1e-6*x1` from (1, 1) stopped at L = 2.8E-07 "a global
/// minimum to rounding", its outputs having fallen from 1E+12 to 1. The levels are now the current point's (each output's
/// max(|yᵢ|, Σⱼ|Jᵢⱼxⱼ|, εᵢ/ε), εᵢ P's running error bound there). (2) lm called (1E-06, 1E-06) of that problem "at a minimum"
/// where ∂²L/∂x² has the eigenvalue −198 beside 2E+12 (under the relative zero 10⁻⁹, so the probe decided). (3) newton and
/// bfgs called x0 ≈ −1.2 of the badly scaled Rosenbrock `1e4*(x1 - x0^2); 1e-4*(1 - x0)` "converged at a minimum" at
/// L = 2.4E-08, the true minimum being 0 at (1, 1): ∂L/∂x ≈ 1E-07 passed the relative test against L₀, yet L measurably falls
/// along the valley. (4) A run whose x only wanders among neighbouring doubles never stopped before its iteration limit.
module PhysGrad.Properties.Verdicts31

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open PhysGrad.Properties.VerdictHelpers

/// Far below any L a wrong stop had (2.8E-07, 2.4E-08, 0.5), far above the rounding of L at these zero-residual minima
/// (outputs of size 1 known to a few ulps: L ≈ 1E-31).
let private atMinimum = 1e-20

let private reported () = problem "1e12*x0*x1; 1e-6*x1" [| 1.0; 1.0 |] [| 1.0; 1.0 |]

let private rosenbrock () = problem "1e4*(x1 - x0^2); 1e-4*(1 - x0)" [| 0.0; 0.0 |] [| -1.2; 1.0 |]

/// A stop that claims a minimum: converged, or a curvature said to be a minimum.
let private claimsMinimum (r: OptimizerRun) =
    r.StopReason = StopReason.Converged
    || (r.Exit.Curvature <> null && r.Exit.Curvature.Kind = StationaryKind.Minimum)

// ---- 1. rounding levels at the current point ----

[<Fact>]
let ``gn and ig reach the minimum 0 of 1e12*x0*x1; 1e-6*x1 instead of calling L = 2.8E-07 a global minimum`` () =
    for m in [ Method.GaussNewton; Method.InverseGradient ] do
        let r = Optimizer.Run(reported (), m, 0.3, [| 1.0; 1.0 |], 1000)
        Assert.True((r.StopReason = StopReason.Converged && r.FinalLoss <= atMinimum), $"{m}: {r.StopReason} at L = {r.FinalLoss:R}: {r.StopDetail}")
        // The level is said as the current point's, not the start's.
        Assert.DoesNotContain("y₀", r.StopDetail)
        Assert.Contains("rounding level here", r.StopDetail)

[<Fact>]
let ``compare on the reported problem: gn and ig stop at a loss far below 2.8E-07, lm claims no minimum`` () =
    let code, out, _ =
        run [ "compare"; "--simulator"; "1e12*x0*x1; 1e-6*x1"; "--target"; "1,1"; "--start"; "1,1"; "--methods"; "gn,ig,lm"; "--iterations"; "1000"
              "--out"; IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-verdicts31-{Environment.ProcessId}") ]
    let rows = (flat out).Split('\n')
    let row (m: string) = (rows |> Array.find (fun l -> l.StartsWith(m + " "))).TrimEnd()
    for m in [ "gn"; "ig" ] do
        Assert.DoesNotContain("2.81377E-07", row m)
        Assert.EndsWith("  converged", row m)
    Assert.False((row "lm").EndsWith "  converged", row "lm")
    Assert.DoesNotContain("Stop of lm: converged", flat out)
    Assert.Contains("at a saddle", flat out)
    Assert.True(code = 0 || code = 1, out)

// ---- 2. a minimum needs second-order evidence ----

[<Fact>]
let ``lm on 1e12*x0*x1; 1e-6*x1 is not at a minimum where the Hessian has the eigenvalue -198`` () =
    let r = Optimizer.Run(reported (), Method.LevenbergMarquardt, 1.0, [| 1.0; 1.0 |], 1000)
    Assert.True(r.FinalLoss <= atMinimum || not (claimsMinimum r), $"{r.StopReason} at L = {r.FinalLoss:R}: {r.StopDetail}")
    Assert.DoesNotContain("at a minimum", r.StopDetail)

// ---- 3. small gradients on badly scaled problems ----

[<Fact>]
let ``newton and bfgs do not call x0 near -1.2 of the badly scaled Rosenbrock a minimum`` () =
    for m, eta in [ Method.Newton, 1.0 / 3.0; Method.Bfgs, 1.0 ] do
        let r = Optimizer.Run(rosenbrock (), m, eta, [| -1.2; 1.0 |], 20000)
        Assert.True(r.FinalLoss <= atMinimum || not (claimsMinimum r), $"{m}: {r.StopReason} at L = {r.FinalLoss:R}, x = {r.Final}: {r.StopDetail}")
        if r.FinalLoss > atMinimum then
            Assert.Contains("this is no minimum", r.StopDetail)

[<Fact>]
let ``bfgs does not call x1 = 2 of sin(x0)*1e8; x1 towards x1 = 1 a minimum`` () =
    // ∂L/∂x1 = 1 there, next to L₀ ≈ 1E+14: the relative gradient test passed it; the Newton model predicts all of L = 0.5.
    let r = Optimizer.Run(problem "sin(x0)*1e8; x1" [| 0.5; 1.0 |] [| 3.0; 2.0 |], Method.Bfgs, 1.0, [| 3.0; 2.0 |], 2000)
    Assert.True(r.FinalLoss <= atMinimum || not (claimsMinimum r), $"{r.StopReason} at L = {r.FinalLoss:R}: {r.StopDetail}")

// ---- 4. a run that no longer moves stops ----

[<Fact>]
let ``a run at the iteration limit 2^31 - 1 whose x only wanders among neighbouring doubles stops within a few thousand iterations`` () =
    // gd with η·H = 1.9 overshoots either side of the least-squares point 1/3·… of 1e8*x0; 1e8*x0 and then cycles among
    // neighbouring doubles for ever; it ran all 2³¹ − 1 iterations (about 20 minutes).
    let clock = Diagnostics.Stopwatch.StartNew()
    let code, out, err =
        run [ "compare"; "--simulator"; "1e8*x0; 1e8*x0"; "--target"; "33333333.333333332,14285714.285714285"; "--start"; "0.1"
              "--methods"; "gd:9.5e-17,newton:1"; "--iterations"; "2147483647"; "--format"; "json" ]
    Assert.True(clock.Elapsed < TimeSpan.FromMinutes 2.0, $"took {clock.Elapsed}")
    let methods = Text.Json.JsonDocument.Parse(out).RootElement.GetProperty("methods")
    for i in 0 .. methods.GetArrayLength() - 1 do
        let m = methods.[i]
        Assert.NotEqual<string>("IterationLimit", m.GetProperty("stopReason").GetString())
        Assert.True(m.GetProperty("iterations").GetInt32() < 10000, m.ToString())
    Assert.True(code = 0 || code = 1, err)

[<Fact>]
let ``newton with eta 1 cycling at sqrt 2 stops, at a global minimum to rounding, after the still window`` () =
    let r = Optimizer.Run(problem "x0^2" [| 2.0 |] [| 1.0 |], Method.Newton, 1.0, [| 1.0 |], 1_000_000)
    Assert.NotEqual(StopReason.IterationLimit, r.StopReason)
    Assert.True(r.Iterations <= 1010, // the still window, 1000 iterations, after the few Newton takes to √2
                $"{r.Iterations}: {r.StopDetail}")

// ---- a family: scaled problems ----

/// `a*x0*x1; b*x1` towards (1, 1) from (1, 1): zero residual at (b/a, 1/b), reached from outputs of size a and b.
let private scales =
    gen {
        let! u = Gen.choose (-900, 1200)
        let! v = Gen.choose (-800, 800)
        return Math.Pow(10.0, float u / 100.0), Math.Pow(10.0, float v / 100.0)
    }
    |> Arb.fromGen

[<Property(MaxTest = 40)>]
let ``on a*x0*x1; b*x1 a stop that claims a minimum has L at the minimum 0 to rounding`` () =
    Prop.forAll scales (fun (a, b) ->
        let p = problem $"{a:R}*x0*x1; {b:R}*x1" [| 1.0; 1.0 |] [| 1.0; 1.0 |]
        for m, eta in [ Method.GaussNewton, 0.3; Method.InverseGradient, 0.3; Method.LevenbergMarquardt, 1.0 ] do
            let r = Optimizer.Run(p, m, eta, [| 1.0; 1.0 |], 2000)
            Assert.False((claimsMinimum r && r.FinalLoss > atMinimum),
                         $"{m}, a = {a:R}, b = {b:R}: {r.StopReason} at L = {r.FinalLoss:R}: {r.StopDetail}"))
