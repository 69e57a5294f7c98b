/// Optimiser faults (optim33): lm took 1887 iterations to L < 1E-20 on the badly scaled Rosenbrock
/// `1e4*(x1 - x0^2); 1e-4*(1 - x0)`. Its geodesic acceleration a solved the same damped problem as the step,
/// min ‖J a + r_vv‖² + λ‖D a‖², and at the damping the valley needs (λD² far above y1's squared weight 1E-08) that
/// spreads a over x0 and x1 instead of putting it in x1 alone, as x1 = x0² asks: the path's cubic error
/// 1E+04·v0·a0·t³ in y0 held each step to ≈ 2.7E-03 along the valley, at a gain ratio near ½ (Nielsen's equilibrium).
/// The undamped a = −J⁺r_vv (where it passes the size bound) keeps y0 exact along x1 = x0².
module PhysGrad.Properties.Optim33

open System
open Xunit
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))

let private distance (a: float[]) (b: float[]) = Math.Sqrt(Array.fold2 (fun s u v -> s + (u - v) * (u - v)) 0.0 a b)

/// The iteration bound. Its source: the geodesic x + vt + ½at² with J a = −r_vv keeps y0 = c(x1 − x0²) exactly linear in t
/// (r_vv's y1 part is 0, so a moves x1 alone, by v0²t²), so lm meets the valley's curvature as on the plain Rosenbrock
/// `10*(x1 - x0^2); 1 - x0` from (−1.2, 1), where MINPACK's lmder (scipy 1.10.1 least_squares(method='lm', x_scale='jac',
/// xtol = ftol = gtol = 1E-15) with the analytic J) takes 16 Jacobian evaluations: 4 × 16. MINPACK itself is no bound for
/// the scaled problem: its straight steps crawl there (418,579 Jacobian evaluations to (1, 1)), as did lm's.
let private bound = 4 * 16

[<Fact>]
let ``lm reaches L below 1E-20 on the badly scaled Rosenbrock from (-1.2, 1) within 4 x MINPACK's 16 iterations of the plain one`` () =
    let p = problem "1e4*(x1 - x0^2); 1e-4*(1 - x0)" [| 0.0; 0.0 |] [| -1.2; 1.0 |]
    let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| -1.2; 1.0 |], bound)
    Assert.True(r.FinalLoss < 1e-20, $"{r.StopReason} after {r.Iterations} at L = {r.FinalLoss:R}, x = {r.Final}: {r.StopDetail}")
    // At L ≈ 1E-21 (the rounding of L at (1, 1), 4ε·‖r‖·‖s‖ with ‖s‖ ≈ 3E+04) x is within 1E-06 of the minimiser.
    Assert.True(distance r.Final [| 1.0; 1.0 |] <= 1e-5, $"x = {r.Final}")

/// Valleys c(x1 − x0²) = 0 from c = 1 (the plain one's width) to c = 1E+04, the y1 weight 1/c: the run length grew with c
/// (65 iterations at c = 100, 324 at 1000, 785 at 3162); along the undamped geodesic it is near the plain one's.
[<Theory>]
[<InlineData(0)>]
[<InlineData(1)>]
[<InlineData(2)>]
[<InlineData(3)>]
[<InlineData(4)>]
[<InlineData(5)>]
[<InlineData(6)>]
[<InlineData(7)>]
[<InlineData(8)>]
let ``lm reaches the minimum (1, 1) of c*(x1 - x0^2); (1 - x0)/c, c = 10^(k/2), within the same bound`` (k: int) =
    let c = Math.Pow(10.0, float k / 2.0)
    let p = problem $"{c:R}*(x1 - x0^2); (1 - x0)/{c:R}" [| 0.0; 0.0 |] [| -1.2; 1.0 |]
    let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| -1.2; 1.0 |], bound)
    Assert.True(r.FinalLoss < 1e-20, $"c = {c:R}: {r.StopReason} after {r.Iterations} at L = {r.FinalLoss:R}, x = {r.Final}: {r.StopDetail}")
    Assert.True(distance r.Final [| 1.0; 1.0 |] <= 1e-5, $"c = {c:R}: x = {r.Final}")
