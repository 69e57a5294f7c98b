/// Values at extreme scales (issue #12 edges, trial 21): a loss that underflows to 0 with a residual of
/// 2E-200 is not a minimum; a step of 2E-202 is not a step of length 0; check's norms and the derivative
/// limits' messages do not mistake underflow or overflow in doubles for a property of the problem.
module PhysGrad.Properties.ExtremeScales21

open System
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    Problem.Create(vars, Parse.many simulator, null, target, start, null, true)

/// Scales 10^k over the doubles' range where ½(2·10^k)² does not overflow (k ≤ 150; the overflow side of
/// the loss is not handled here).
let private scales = Gen.choose (-300, 150) |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``a linear problem scaled by 10^k takes the same IG, PG and Newton steps and is never converged at its start`` () =
    Prop.forAll scales (fun k ->
        // P = 2·x0, y* = 2·10^k, x0 = 3·10^k, η = 0.5: every scale-invariant step halves x − x*, so x/10^k
        // after 8 steps is 1 + 2·2⁻⁸ at every k, and the loss ½(4·10^k·2⁻ᵏ)² > 0 is no stop. At k ≤ −163 that
        // loss is 0 in doubles while x ≠ x*: a stop at iteration 0 would be the underflow, not a minimum.
        let s = Math.Pow(10.0, float k)
        let c = CompiledProblem(problem "2*x0" [| 2.0 * s |] [| 3.0 * s |])
        [ Method.InverseGradient; Method.PhysicalGradient; Method.Newton ]
        |> List.forall (fun m ->
            let r = Optimizer.Run(c, m, 0.5, [| 3.0 * s |], 8)
            let relative = r.Final.[0] / s
            r.StopReason = StopReason.IterationLimit && r.Exit.Iteration = 8
            && abs (relative - (1.0 + 2.0 / 256.0)) <= 1e-12)
        |> Prop.label (sprintf "k = %d" k))

[<Fact>]
let ``where L and ∂L/∂x both underflow (1E-300·x0 at target 1E-300) no run is called converged, and IG, PG, GN step`` () =
    // y − y* = 1E-300·0.5 − 1E-300 = −5E-301, ∂L/∂x = 1E-300·(y − y*) = −5E-601 = 0 and L = 1.25E-601 = 0 in
    // doubles (trial 21b): only ∂L/∂y tells the start from a minimum.
    let c = CompiledProblem(problem "1e-300*x0" [| 1e-300 |] [| 0.5 |])
    for m in [ Method.InverseGradient; Method.PhysicalGradient; Method.GaussNewton ] do
        let r = Optimizer.Run(c, m, 0.5, [| 0.5 |], 5)
        Assert.NotEqual(StopReason.Converged, r.StopReason)
        // Five halvings of x − x* = −0.5 (the scale-invariant steps see only y − y*).
        Assert.Equal(1.0 - 0.5 / 32.0, r.Final.[0], 12)
    for m in [ Method.GradientDescent; Method.Newton ] do
        let r = Optimizer.Run(c, m, 0.5, [| 0.5 |], 5)
        // Not stationary (∂L/∂y = −5E-301): the step vanished for want of range, so the run stalled.
        Assert.Equal(StopReason.Stalled, r.StopReason)
        Assert.Contains("underflow to 0 in doubles", r.StopDetail)
        Assert.Contains("not stationary", r.StopDetail)
        Assert.DoesNotContain("minimum that is not strict", r.StopDetail)

[<Fact>]
let ``newton and pg on x0 from 3E-200 to 1E-200 run although the loss underflows to 0`` () =
    // L = ½(2E-200)² = 2E-400 is 0 in doubles, but ∂L/∂x0 = 2E-200 is not: the start is no global minimum.
    let c = CompiledProblem(problem "x0" [| 1e-200 |] [| 3e-200 |])
    for m in [ Method.Newton; Method.PhysicalGradient ] do
        let r = Optimizer.Run(c, m, 0.5, [| 3e-200 |], 5)
        Assert.True(r.Exit.Iteration > 0, r.StopDetail)
        Assert.DoesNotContain("global minimum", r.StopDetail)
        // No fallback: gᵀH⁻¹g = 4E-400 underflows, yet the Newton direction descends.
        Assert.Empty(r.Fallbacks)
        // Five halvings of x − x* = 2E-200.
        Assert.Equal(1e-200 + 2e-200 / 32.0, r.Final.[0], 1e-214)

[<Fact>]
let ``gd on x0^2 from 1E-200 towards 1 keeps moving: its 2E-202 step is not a step of length 0`` () =
    // ∂L/∂x0 = 2x0(x0² − 1) = −2E-200; GD with η = 0.01 multiplies x0 by 1.02 per step, away from the maximum 0.
    let c = CompiledProblem(problem "x0^2" [| 1.0 |] [| 1e-200 |])
    let r = Optimizer.Run(c, Method.GradientDescent, 0.01, [| 1e-200 |], 10)
    Assert.Equal(StopReason.IterationLimit, r.StopReason)
    Assert.Equal(1e-200 * Math.Pow(1.02, 10.0), r.Final.[0], 1e-212)

[<Fact>]
let ``a difference limit whose lower quantity overflows a step away says so, and a square root's still grows without bound`` () =
    // g(t) = exp(10⁹|t|) is 1 at 0 and ∞ at every probe step (the first is 1/16/2¹⁵ ≈ 2E-6): an overflow.
    let overflow = DifferenceLimit.Derivative((fun t -> exp (1e9 * abs t)), 1.0)
    Assert.Equal(LimitVerdict.Overflows, overflow.Verdict)
    // √|t| is finite everywhere and its quotients grow like h^(−½): a missing derivative.
    let root = DifferenceLimit.Derivative((fun t -> sqrt (abs t)), 1.0)
    Assert.Equal(LimitVerdict.Unbounded, root.Verdict)

[<Fact>]
let ``units at x0 = 1E-200, x1 = 1E+200 blames the overflow in doubles, not a missing derivative`` () =
    // H00 = 4x0²x1² + 2x1(x0²x1 − 1) ≈ −2E+200 is finite; its formula's NaN is 0·∞ in evaluation.
    let _, out, err = Cli.run [ "units"; "--simulator"; "x0^2*x1"; "--unit"; "x0=m"; "--unit"; "x1=s"; "--start"; "1e-200,1e200"; "--target"; "1" ]
    let text = unwrapped (out + err)
    Assert.Contains("overflows or underflows in doubles", text)
    Assert.DoesNotContain("no finite derivative", text)

[<Theory>]
[<InlineData("1e-100")>]
[<InlineData("1e-130")>]
[<InlineData("1e-200")>]
let ``check on x0^2 at tiny x0 measures or leaves undef every property and fails none`` (at: string) =
    // ‖Δy‖² underflows below 1E-162; the norms are scaled, so property 5 is a fitted order or undef, not NaN.
    let code, out, err = Cli.run [ "check"; "--simulator"; "x0^2"; "--at"; at; "--target"; "1" ]
    Assert.True((code = 0), out + err)
    let row5 = out.Split('\n') |> Array.find (fun l -> l.TrimStart().StartsWith "5 ")
    Assert.DoesNotContain("FAIL", row5)
    Assert.DoesNotContain("NaN", row5)
    Assert.DoesNotContain("Infinity", row5)
