/// Stop verdicts (verdicts30), fixed as kinds: (1) Levenberg–Marquardt on a badly scaled problem
/// (`1e8*x0; 1e-8*x1` from 0 towards (1, 1)) stopped "Converged … at a minimum" at L = 0.5: D = diag JᵀHJ was floored
/// at 10⁻⁹ of its largest entry, so x1's damping λ·10⁷ outweighed its curvature 10⁻¹⁶, and the rounding-level stop
/// trusted the damped model's predicted decrease (2.7E-19), which any large enough λ makes as small as it likes; a
/// large λ₀ (`lambda0=1e20`) did the same at the start of `x0`. (2) Stop reasons printed as enum names
/// (`Converged`, `IterationLimit (10)`) in compare's and train's tables, ExitReason.ToString and StopText; JSON
/// carried only the code. (3) compare's short final x printed 5 significant digits next to 6 elsewhere.
module PhysGrad.Properties.Verdicts30

open System
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open PhysGrad.Properties.VerdictHelpers

/// `a*x0; b*x1` towards (1, 1) from 0: a zero-residual linear least-squares problem whose only minimum is L = 0
/// at (1/a, 1/b). a and b are 10^u, u drawn over [−8, 8] (the scales the example reported, and all between).
let private scaled =
    gen {
        let! u = Gen.choose (-800, 800)
        let! v = Gen.choose (-800, 800)
        return Math.Pow(10.0, float u / 100.0), Math.Pow(10.0, float v / 100.0)
    }
    |> Arb.fromGen

let private scaledProblem (a: float, b: float) =
    problem $"{a:R}*x0; {b:R}*x1" [| 1.0; 1.0 |] [| 0.0; 0.0 |]

/// Far below any L a stop away from the minimum has (0.5 in the report), above the rounding of L near it (≈ 1E-31).
let private atMinimum = 1e-20

// ---- 1. LM on variables of any scale ----

[<Property(MaxTest = 60)>]
let ``lm solves a*x0; b*x1 for scales 1E-8 to 1E+8 apart, as Marquardt's scaling promises`` () =
    // With D = diag JᵀJ the damped step is b/(A(1 + λ)) per variable, whatever a and b: L falls by (λ/(1 + λ))²
    // per step, to 0 or rounding within a few steps.
    Prop.forAll scaled (fun (a, b) ->
        let r = Optimizer.Run(scaledProblem (a, b), Method.LevenbergMarquardt, 1.0, [| 0.0; 0.0 |], 30)
        Assert.True((r.StopReason = StopReason.Converged && r.FinalLoss <= atMinimum),
                    $"a = {a:R}, b = {b:R}: {r.StopReason}, L = {r.FinalLoss:R}: {r.StopDetail}"))

[<Fact>]
let ``the reported comparison: lm reaches x* and says converged in words`` () =
    let code, out, err =
        run [ "compare"; "--simulator"; "1e8*x0; 1e-8*x1"; "--target"; "1,1"; "--start"; "0,0"; "--methods"; "lm,gn,newton,gd"
              "--out"; IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-verdicts30-{Environment.ProcessId}") ]
    Assert.Equal(1, code) // gd diverges
    let lm = (flat out).Split('\n') |> Array.find (fun l -> l.StartsWith "lm ")
    Assert.Matches(@"\[1\.0+E-08, 1\.0+E\+08\]", lm)
    Assert.EndsWith("  converged", lm.TrimEnd())
    Assert.DoesNotContain("0.500000", lm)
    Assert.DoesNotContain("rounding level", out)
    Assert.Contains("gd diverged", err)

// ---- 2. a stop at rounding level is judged on the undamped model ----

/// Every method's verdict on `a*x0; b*x1`: "converged" only where L is at its minimum 0. Both of LM's forms (the
/// matrix-free one damps with d·I, where Marquardt's per-variable scaling is not available, and stops stalled
/// where the damping outweighs a small curvature), and the other rules, which had no such stop but are held to it.
[<Property(MaxTest = 25)>]
let ``no method calls a point of a*x0; b*x1 converged unless L is at its minimum`` () =
    let rules: (string * (unit -> IUpdateRule)) list =
        [ "lm", (fun () -> LevenbergMarquardt(1.0) :> IUpdateRule)
          "lm iterative", (fun () -> LevenbergMarquardt(1.0, 1e-3, LinearSolver.Iterative) :> IUpdateRule)
          "lm lambda0=1e6", (fun () -> LevenbergMarquardt(1.0, 1e6) :> IUpdateRule)
          "gn", (fun () -> StandardRules.For(Method.GaussNewton, 0.3))
          "newton", (fun () -> StandardRules.For(Method.Newton, 1.0 / 3.0))
          "newton-cg", (fun () -> StandardRules.For(Method.NewtonCG, 1.0))
          "bfgs", (fun () -> StandardRules.For(Method.Bfgs, 1.0))
          "pg", (fun () -> StandardRules.For(Method.PhysicalGradient, 0.3)) ]
    Prop.forAll scaled (fun (a, b) ->
        for name, rule in rules do
            let r = Optimizer.Run(scaledProblem (a, b), rule (), [| 0.0; 0.0 |], 30)
            Assert.False((r.StopReason = StopReason.Converged && r.FinalLoss > atMinimum),
                         $"{name}, a = {a:R}, b = {b:R}: {r.StopReason} at L = {r.FinalLoss:R}: {r.StopDetail}"))

[<Property(MaxTest = 40)>]
let ``a large first damping is lowered, not taken for a minimum, in either form of lm`` () =
    // λ₀ from 1 to 1E+200 on x0 towards 1 from 0: the damped first step predicts ≈ 1/λ₀ of L, below rounding once
    // λ₀ > 1E+16, which was "Converged … at a minimum" at L = 0.5; the undamped model predicts all of L.
    let exponents = Gen.choose (0, 200) |> Arb.fromGen
    Prop.forAll exponents (fun e ->
        let lambda0 = Math.Pow(10.0, float e)
        for solver in [ LinearSolver.Dense; LinearSolver.Iterative ] do
            let r = Optimizer.Run(problem "x0" [| 1.0 |] [| 0.0 |], LevenbergMarquardt(1.0, lambda0, solver), [| 0.0 |], 60)
            Assert.True((r.StopReason = StopReason.Converged && r.FinalLoss <= atMinimum),
                        $"λ₀ = {lambda0:R}, {solver}: {r.StopReason}, L = {r.FinalLoss:R}: {r.StopDetail}"))

[<Fact>]
let ``where lowering the damping cannot help, lm stalls and says why in words`` () =
    // The matrix-free form damps with d·I (d from the largest curvature, 1E+16): x1's curvature 1E-16 stays
    // outweighed at the lowest λ, 1E-10. Once "Converged … at a minimum" at L = 0.5.
    let r = Optimizer.Run(scaledProblem (1e8, 1e-8), LevenbergMarquardt(1.0, 1e-3, LinearSolver.Iterative), [| 0.0; 0.0 |], 30)
    Assert.Equal(StopReason.Stalled, r.StopReason)
    Assert.Contains("the undamped Gauss–Newton model predicts 0.5", r.StopDetail)
    Assert.Contains("the damping λD outweighs the curvature JᵀHJ along the step, so this is no minimum", r.StopDetail)
    Assert.StartsWith("stalled: lm's step is 0: with damping λ = ", r.Exit.ToString())

// ---- 3. stop reasons in words ----

[<Fact>]
let ``compare's table, its notes and ToString say stop reasons in words; JSON keeps the code and adds the words`` () =
    let args = [ "compare"; "--simulator"; "1e8*x0; 1e-8*x1"; "--target"; "1,1"; "--start"; "0,0"; "--methods"; "lm,gn,gd"; "--out"
                 IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-verdicts30w-{Environment.ProcessId}") ]
    let _, out, _ = run args
    let rows = (flat out).Split('\n')
    let stop (m: string) = (rows |> Array.find (fun l -> l.StartsWith(m + " "))).TrimEnd()
    Assert.EndsWith("  converged", stop "lm")
    Assert.EndsWith("  iteration limit (10)", stop "gn")
    Assert.EndsWith("  diverged", stop "gd")
    Assert.Contains("Stop of gd: diverged: the loss rose from 1 to ", flat out)
    for code in [ "Converged"; "IterationLimit"; "Diverged" ] do
        Assert.DoesNotContain(code, out)
    let _, json, _ = run (args @ [ "--format"; "json" ])
    let methods = JsonDocument.Parse(json).RootElement.GetProperty("methods")
    let field (i: int) (name: string) = methods.[i].GetProperty(name).GetString()
    Assert.Equal("IterationLimit", field 1 "stopReason")
    Assert.Equal("iteration limit", field 1 "stopWords")
    Assert.Equal("iteration limit: 10 iterations", field 1 "stopText")
    Assert.Equal("10 iterations", field 1 "stopDetail")
    Assert.Equal("Diverged", field 2 "stopReason")
    Assert.Equal("diverged", field 2 "stopWords")

[<Fact>]
let ``ExitReason, MethodResult and training runs read in words`` () =
    let exit = ExitReason(StopReason.IterationLimit, 10, Nullable(), null, Nullable(), "10 iterations")
    Assert.Equal("iteration limit: 10 iterations", exit.ToString())
    Assert.Equal("stationary, not a minimum", ExitReason.Label StopReason.StationaryNonMinimum)
    Assert.Equal("left the domain", ExitReason.Label StopReason.LeftDomain)
    let p = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 1.0 |])
    let results = p.Compare([| struct (Method.GradientDescent, 0.01) |], 3)
    let gd = results.[0]
    Assert.Equal("IterationLimit", gd.Stop)
    Assert.Equal("iteration limit", gd.StopWords)
    Assert.Equal("iteration limit: 3 iterations", gd.StopText)
    Assert.Equal("iteration limit (3)", gd.StopCell)
    let history = TrainingHistory(TrainingSettings(TrainingMethod.Adam, 0.01, 256), 1, [||], 0L, false, Stop = "StepLimit")
    Assert.Equal("step limit", history.StopWords)
    Assert.EndsWith(", step limit", history.ToString())
