/// A run whose x only wanders among neighbouring doubles (StillWatch: x within its rounding and L not falling for 1000
/// iterations) was called stationary where ∂L/∂x is what x's rounding explains (GradientBeyondRounding), while the one
/// stationarity test of every other stop (Stepper.NotStationary, verdicts31b) measures L still falling along a Hessian
/// eigenvector there. gd:2.9e-9 and newton:1.9 on the badly scaled Rosenbrock valley with a saddle in x2 stopped "∂L/∂x is
/// 0 to rounding here, where the curvature says a saddle" (hotpath32): they are stalls, not stationary points.
module PhysGrad.Properties.Still32

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Properties.VerdictHelpers

/// `1e4*(x1 - x0^2); 1e-4*(1 - x0); x2^2` towards (0, 0, 1), from x0 = −1.2 on the valley (x1 some ulps above 1.44)
/// with x2 = 0, where L = ½(x2² − 1)² has a maximum in x2: L falls along the valley at a slope of 8.5E-09, whose rounding is 1E-13.
let private valley x1 = problem "1e4*(x1 - x0^2); 1e-4*(1 - x0); x2^2" [| 0.0; 0.0; 1.0 |] [| -1.2; x1; 0.0 |]

[<Theory>]
[<InlineData("gd", 2.9e-9, 1.440000000000002)>]
[<InlineData("newton", 1.9, 1.440000000000002)>]
[<InlineData("gd", 2.5e-9, 1.44000000000001)>]
let ``a run that stays within x's rounding where L measurably still falls is stalled, not at a saddle`` (name: string, eta: float, x1: float) =
    let m = if name = "gd" then Method.GradientDescent else Method.Newton
    let start = [| -1.2; x1; 0.0 |]
    let r = Optimizer.Run(valley x1, m, eta, start, 5000)
    let detail = flat r.StopDetail
    Assert.True(r.StopReason = StopReason.Stalled, $"{r.StopReason}: {detail}")
    // The window, not the iteration limit or a zero step, ended it.
    Assert.Contains("has stayed within its rounding", detail)
    Assert.True(r.Iterations <= 1100, $"{r.Iterations}")
    // No kind of stationary point claimed (the old verdict: a saddle "∂L/∂x is 0 to rounding").
    let kind = if isNull r.Exit.Curvature then "none" else string r.Exit.Curvature.Kind
    Assert.True(kind = "none" || kind = string StationaryKind.Undecided, $"{kind}: {detail}")
    Assert.DoesNotContain("0 to rounding", detail)
    Assert.Contains("the point is not stationary: L still falls along", detail)

[<Fact>]
let ``newton at sqrt 2 of x0^2 still stops at the global minimum to rounding after the window`` () =
    // The stationary side of the same stop: NotStationary says stationary (L at its rounding level, L ≥ 0 by form).
    let r = Optimizer.Run(problem "x0^2" [| 2.0 |] [| 1.0 |], Method.Newton, 1.0, [| 1.0 |], 1_000_000)
    Assert.True(r.StopReason = StopReason.Converged, $"{r.StopReason}: {r.StopDetail}")
    Assert.True(r.Iterations <= 1010, $"{r.Iterations}")
