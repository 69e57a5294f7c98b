/// A new user's numerical faults (issue 11 follow-up): Newton must not stop on a slope, a stop is
/// "at a minimum" only when the probe agrees at every scale, an indefinite Hessian always takes the
/// |λ| step, and `check` reports no false FAIL at regular points.
module PhysGrad.Properties.NumericFaults

open System
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private create (variables: string[]) (simulator: string) (loss: string) (target: float[]) (start: float[]) =
    Problem.Create(variables, Parse.many simulator, (if isNull loss then null else Parse.expression loss), target, start, null, true)

let private run (p: Problem) m eta iterations =
    Optimizer.Run(CompiledProblem p, m, eta, p.Start, iterations)

// ---- a zero step is stationary only where the gradient is zero ------------------------------------------

[<Fact>]
let ``Newton with a singular Hessian still descends along the gradient's null-space component`` () =
    // P = x, L = y0² + |y1| from (1, 3): ∇L = (2x0, sign x1), H = diag(2, 0). H⁺∇L = (x0, 0), so the
    // pseudo-inverse step alone lands on (0, 3) and stops there with ∇L = (0, 1) ≠ 0. With the gradient
    // step −η S(I − H'⁺H')S∇L/max|λ'| = (0, −½) added (η = 1, S = I: 2^−round(log₂ 2 / 2) = 1 with ties to even, and 1 for the zero row; max|λ'| = 2): (1, 3) → (0, 2.5) → (0, 2) → … → (0, 0),
    // where L = 0, after 6 steps.
    let p = create [| "x0"; "x1" |] "x0; x1" "y0^2 + abs(y1)" [| 0.0; 0.0 |] [| 1.0; 3.0 |]
    let r = run p Method.Newton 1.0 10
    Assert.Equal<float[]>([| 0.0; 2.5 |], r.Trajectory.[1])
    Assert.Equal<float[]>([| 0.0; 2.0 |], r.Trajectory.[2])
    Assert.Equal(0.0, r.FinalLoss)
    Assert.Equal(6, r.Exit.Iteration)
    Assert.NotEqual(StopReason.StationaryNonMinimum, r.StopReason)
    Assert.All(r.Fallbacks, fun f -> Assert.Equal(FallbackKind.HessianSingular, f.Kind))
    Assert.Contains("S(I − H'⁺H')S∇L/max|λ'|", r.Fallbacks.[0].Reason)

[<Fact>]
let ``Newton on a loss linear in one output keeps moving along it`` () =
    // L = y0² + y1 with y = x: ∇L = (2x0, 1) never vanishes, H = diag(2, 0). Each step moves x1 by
    // −η·1/max|λ| = −½ (the flat direction's gradient step with the largest curvature's step), so after 5
    // steps from (1, 10) with η = 1: x = (0, 7.5) (L stays above the loss tolerance 0 on the way), and the
    // run never stops as stationary.
    let p = create [| "x0"; "x1" |] "x0; x1" "y0^2 + y1" [| 0.0; 0.0 |] [| 1.0; 10.0 |]
    let r = run p Method.Newton 1.0 5
    Assert.Equal<float[]>([| 0.0; 7.5 |], r.Final)
    Assert.Equal(StopReason.IterationLimit, r.StopReason)

[<Fact>]
let ``a rule whose step vanishes on a slope stops as stalled, not stationary`` () =
    // HIG drops singular values of J at or below τ·σ_max. P = [x0, 0.1·x1], y* = 0, at (0, 1) with τ = 0.5:
    // σ = (1, 0.1), the 0.1 is dropped, and ∂L/∂y = (0, 0.1) lies along it, so Δx = 0 although
    // ∂L/∂x1 = 0.1·0.1 = 0.01 ≠ 0: the point is not stationary, and the stop must not say it is.
    let p = create [| "x0"; "x1" |] "x0; 0.1*x1" null [| 0.0; 0.0 |] [| 0.0; 1.0 |]
    let r = Optimizer.Run(CompiledProblem p, Method.HalfInverseGradient, 1.0, p.Start, 5, tau = 0.5)
    Assert.Equal(StopReason.Stalled, r.StopReason)
    Assert.Null(r.Exit.Curvature)

// ---- "at a minimum" only when the probe agrees at every scale -----------------------------------------

[<Fact>]
let ``a maximum narrower than the largest probe is not called a minimum`` () =
    // P = x⁴ − 10¹²x⁶, y* = 1: L = ½(y − 1)² = ½ − x⁴ + 10¹²x⁶ + O(x⁸), so L′(x) = −4x³ + 6·10¹²x⁵ < 0
    // for 0 < x < (4/6·10⁻¹²)^½ = 8.2e-7: L falls away from 0 there (a local maximum), but rises beyond.
    // The probe at 10⁻² … 10⁻⁶ sees a rise, at 10⁻⁸ a fall: the scales disagree, so undecided.
    let p = create [| "x0" |] "x0^4 - 1000000000000*x0^6" null [| 1.0 |] [| 0.0 |]
    for m, eta in [ Method.GradientDescent, 0.1; Method.Newton, 1.0 ] do
        let r = run p m eta 5
        Assert.Equal(StopReason.StationaryNonMinimum, r.StopReason)
        Assert.Equal(StationaryKind.Undecided, r.Exit.Curvature.Kind)
        Assert.Contains("at an undecided point", r.StopDetail)

[<Fact>]
let ``a slope that underflowed is undecided, not a minimum`` () =
    // P = eˣ, y* = −1 at x = −800: L = ½(eˣ + 1)² is strictly increasing, but e⁻⁸⁰⁰ underflows to 0, so
    // ∇L = H = 0 and the probe sees no slope at any scale: undecided, and not converged.
    let p = create [| "x0" |] "exp(x0)" null [| -1.0 |] [| -800.0 |]
    for m, eta in [ Method.GradientDescent, 1.0; Method.Newton, 1.0; Method.GaussNewton, 1.0 ] do
        let r = run p m eta 5
        Assert.Equal(StopReason.StationaryNonMinimum, r.StopReason)
        Assert.Equal(StationaryKind.Undecided, r.Exit.Curvature.Kind)

[<Fact>]
let ``flat minima, maxima and saddles of higher order are still classified`` () =
    // y = x with quartic and cubic losses at 0, where ∇L = H = 0 and only the probe decides:
    // y⁴ + 1 is a minimum, 10 − y⁴ a maximum, y³ + 10 a saddle (falls for x < 0); the constants keep L
    // above the loss tolerance 0, so the zero step, not the loss, stops the run.
    for loss, expected in [ "y0^4 + 1", StationaryKind.Minimum; "10 - y0^4", StationaryKind.Maximum; "y0^3 + 10", StationaryKind.Saddle ] do
        let p = create [| "x0" |] "x0" loss [| 0.0 |] [| 0.0 |]
        let r = run p Method.GradientDescent 0.1 3
        Assert.True((expected = r.Exit.Curvature.Kind), sprintf "%s: %s" loss r.StopDetail)

// ---- an indefinite Hessian always takes the |λ| step --------------------------------------------------

[<Fact>]
let ``an indefinite Hessian whose Newton direction happens to descend still takes the |λ| step`` () =
    // P = [x0, x1²], y* = (0, 1), L = ½x0² + ½(x1² − 1)² at (0.5, 0.1): ∇L = (0.5, 2·0.1·(0.01 − 1)) =
    // (0.5, −0.198), H = diag(1, 6·0.01 − 2) = diag(1, −1.94): indefinite, yet gᵀH⁻¹g = 0.25 − 0.0202 > 0,
    // so −H⁻¹g descends and heads for the saddle x1 = 0 (x1 = 0.1 − 0.198/1.94 = −0.00206). The |λ|
    // step moves x1 by +0.198/1.94 = 0.102062 instead: x = (0, 0.2020619), away from the saddle.
    let p = create [| "x0"; "x1" |] "x0; x1^2" null [| 0.0; 1.0 |] [| 0.5; 0.1 |]
    let r = run p Method.Newton 1.0 1
    Assert.Equal(0.0, r.Trajectory.[1].[0], 12)
    Assert.Equal(0.1 + 0.198 / 1.94, r.Trajectory.[1].[1], 12)
    Assert.Equal(FallbackKind.HessianIndefinite, r.Fallbacks.[0].Kind)
    // Run on: it reaches the minimum (0, 1), not the saddle (0, 0).
    let full = run p Method.Newton 1.0 30
    Assert.Equal(1.0, full.Final.[1], 9)

// ---- check: no false FAIL at regular points, undef where the precondition does not hold ---------------

let private property n (results: seq<CheckResult>) = results |> Seq.find (fun r -> r.Property = n)

[<Fact>]
let ``the mean-value form holds where the integrand is steep`` () =
    // P = x³: Δx_PG = x(y₁) − x(y₀) = y₁^(1/3) − y₀^(1/3) = ∫ J⁻¹ dy exactly (J⁻¹ = (1/3)y^(−2/3)), so
    // the quadrature must match to its error estimate; 8 fixed nodes were off by 1.1e-3 at x = 0.1.
    for sim, at in [ "x0^3", [| 0.1 |]; "x0^2", [| 0.1 |]; "x0^4", [| 0.1 |]; "x0^4", [| 0.2 |]; "x0^2; x1", [| 0.1; 1.0 |] ] do
        let p = create [| for i in 0 .. at.Length - 1 -> sprintf "x%d" i |] sim null (Array.zeroCreate at.Length) at
        let r = property 7 (TheoryChecks.Run(p, at))
        Assert.True(r.Passed, sprintf "%s at %A: %s" sim at r.Detail)
        Assert.True(r.Measured < 1e-9, sprintf "%s at %A: %g" sim at r.Measured)

[<Fact>]
let ``the local inverse is measured closer than the branch point`` () =
    // P = x²: the branch point 0 is |x₀| away (0.0007 and 0.02, both closer than the old probe 10⁻²).
    // P⁻¹(y₀ + 2x₀δ) = sign(x₀)·√(x₀² + 2x₀δ), so the deviation is ≈ |δ|/(2|x₀|): first order in δ.
    for at in [ 0.0007; -0.02; 0.5 ] do
        let p = create [| "x0" |] "x0^2" null [| 0.0 |] [| at |]
        let r = property 8 (TheoryChecks.Run(p, [| at |]))
        Assert.True(r.Passed, sprintf "x² at %g: %s" at r.Detail)
    // sinh at its near-inflection −0.003679: the verdict and the detail state the same criterion.
    let p = create [| "x0" |] "sinh(x0)" null [| 0.0 |] [| -0.003679 |]
    let r = property 8 (TheoryChecks.Run(p, [| -0.003679 |]))
    Assert.True(r.Passed, r.Detail)
    Assert.DoesNotContain("expected", r.Detail)

[<Fact>]
let ``a wrong branch still fails the local inverse`` () =
    // The given inverse x0 = −√y0 for P = x² at x₀ = 0.5 returns −0.5 at y₀ = 0.25: the wrong branch.
    let p = Problem.Create([| "x0" |], Parse.many "x0^2", null, [| 0.0 |], [| 0.5 |], Parse.many "-sqrt(y0)", true)
    let r = property 8 (TheoryChecks.Run(p))
    Assert.False(r.Passed, r.Detail)
    Assert.Equal("FAIL", r.Status)

[<Fact>]
let ``at a singular Jacobian the inverse-based properties are undef, not FAIL`` () =
    // P = x² at 0: J = 0, so J⁻¹, IG and PG's derivative do not exist: properties 5, 7, 8 and 11 cannot be
    // checked (undef), and none is a FAIL.
    let p = create [| "x0" |] "x0^2" null [| 1.0 |] [| 0.0 |]
    let results = TheoryChecks.Run(p)
    for n in [ 5; 7; 8; 11 ] do
        Assert.Equal("undef", (property n results).Status)
    Assert.DoesNotContain(results, fun r -> r.Status = "FAIL")
    // Nothing fails, so the run does not fail: exit 0 (exit 1 is only for a FAIL).
    let code, out, _ = Cli.run [ "check"; "--simulator"; "x0^2"; "--at"; "0" ]
    Assert.Equal(0, code)
    Assert.Contains("cannot be checked here", out)

[<Fact>]
let ``the units hint appears once`` () =
    let _, out, _ = Cli.run [ "check"; "--simulator"; "x0^2"; "--at"; "1" ]
    Assert.Contains("the problem has no units (give them with --unit name=unit or \"units\" in the problem file)", unwrapped out)
    Assert.Equal(1, (unwrapped out).Split("give them").Length - 1)
