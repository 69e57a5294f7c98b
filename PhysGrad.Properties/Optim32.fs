/// Optimiser faults (optim32), fixed as kinds: (1) lm crawled on the badly scaled Rosenbrock `1e4*(x1 - x0^2); 1e-4*(1 - x0)`
/// (iteration limit at L = 2.2E-08 near x0 = −1.1): no straight step longer than ≈ 1E-05 lowers L in its narrow curved valley,
/// and JᵀJ loses the valley's curvature to rounding; lm now solves [J; √λD] by QR and follows the geodesic (acceleration).
/// (2) lm could not step where L = ½‖r‖² underflows while r does not (outputs of size 1E-170): it works from r now.
module PhysGrad.Properties.Optim32

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))

let private distance (a: float[]) (b: float[]) = Math.Sqrt(Array.fold2 (fun s u v -> s + (u - v) * (u - v)) 0.0 a b)

// ---- 1. lm on a narrow curved valley ----

[<Fact>]
let ``lm reaches the minimum (1, 1) of the badly scaled Rosenbrock from (-1.2, 1)`` () =
    let p = problem "1e4*(x1 - x0^2); 1e-4*(1 - x0)" [| 0.0; 0.0 |] [| -1.2; 1.0 |]
    let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| -1.2; 1.0 |], 20000)
    // The rounding of L at (1, 1) is 4ε·‖r‖·‖s‖ with ‖s‖ ≈ 3E+04 (y0's terms): L ≈ 1E-21 is the minimum to rounding.
    Assert.True(r.FinalLoss <= 1e-20, $"{r.StopReason} at L = {r.FinalLoss:R}, x = {r.Final}: {r.StopDetail}")
    Assert.True(distance r.Final [| 1.0; 1.0 |] <= 1e-5, $"x = {r.Final}")
    Assert.NotEqual(StopReason.IterationLimit, r.StopReason)

[<Fact>]
let ``lm's step on a parabola valley x1 = x0^2 follows it: from the valley floor at x0 = -1 it moves x0 by more than 1E-03 in one step`` () =
    // A straight step leaves y0 = 1e4*(x1 - x0^2) within s² of 1E+04·s²; the geodesic one follows the parabola.
    let p = problem "1e4*(x1 - x0^2); 1e-4*(1 - x0)" [| 0.0; 0.0 |] [| -1.0; 1.0 |]
    let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| -1.0; 1.0 |], 60)
    Assert.True(r.Final.[0] > -0.99, $"x = {r.Final} after {r.Iterations}: {r.StopDetail}")

// ---- 2. lm where L underflows ----

[<Fact>]
let ``lm reaches (1, 1) of 1e-170*(x0 + x1^3); 1e-170*(x0 - x1), where L = 4E-339 underflows at the start`` () =
    let p = problem "1e-170*(x0 + x1^3); 1e-170*(x0 - x1)" [| 2e-170; 0.0 |] [| 3.0; 2.0 |]
    let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| 3.0; 2.0 |], 200)
    Assert.True(distance r.Final [| 1.0; 1.0 |] <= 1e-12, $"{r.StopReason} at x = {r.Final}: {r.StopDetail}")

/// Output scales 10^e, e from −180 to 150 (a constant beyond about 1E+154 is refused: its square in L overflows): L from
/// 1E-360 (below doubles) to 1E+300.
let private exponents = Gen.choose (-180, 150) |> Arb.fromGen

[<Property(MaxTest = 25)>]
let ``lm reaches the same x on c*(x0 + x1^3); c*(x0 - x1) towards (2c, 0) at every output scale c`` () =
    Prop.forAll exponents (fun e ->
        let c = Math.Pow(10.0, float e)
        let p = problem $"{c:R}*(x0 + x1^3); {c:R}*(x0 - x1)" [| 2.0 * c; 0.0 |] [| 3.0; 2.0 |]
        let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| 3.0; 2.0 |], 200)
        Assert.True(distance r.Final [| 1.0; 1.0 |] <= 1e-12, $"c = {c:R}: {r.StopReason} at x = {r.Final}: {r.StopDetail}"))

[<Fact>]
let ``lm steps where L overflows while r does not: x0 + x1; x0 - x1 from (1E+200, 0) towards 0`` () =
    // L = 1E+400 at the start: the residual form reads ‖r‖, not L.
    let p = problem "x0 + x1; x0 - x1" [| 0.0; 0.0 |] [| 1e200; 0.0 |]
    let r = Optimizer.Run(p, Method.LevenbergMarquardt, 1.0, [| 1e200; 0.0 |], 200)
    Assert.True(abs r.Final.[0] <= 1e-100 && abs r.Final.[1] <= 1e-100, $"{r.StopReason} at x = {r.Final}: {r.StopDetail}")

// ---- 4. the matrix-free curvature check's negative-eigenvalue rule ----

/// ∂²L/∂x² with the 2 × 2 block of `1e12*x0*x1; 1e-6*x1` near (1E-06, 1E-06) (eigenvalues 2E+12 along (1, 1) and −198
/// along (1, −1): −1E-10 of the largest, under the relative zero 10⁻⁹) and 2E+12 on every other variable; ∇L = H x + b
/// with b = 1E+12 along (1, 1), so that no probe of the flat direction sees a slope above 10⁻⁹·‖∇L‖.
let private saddle n =
    let big, small = 2e12, -198.0
    let (a, c) = (big + small) / 2.0, (big - small) / 2.0
    let hv (v: float[]) (out: float[]) =
        out.[0] <- a * v.[0] + c * v.[1]
        out.[1] <- c * v.[0] + a * v.[1]
        for i in 2 .. n - 1 do out.[i] <- big * v.[i]
    let gradient (x: float[]) =
        let g = Array.zeroCreate n
        hv x g
        g.[0] <- g.[0] + 1e12
        g.[1] <- g.[1] + 1e12
        g
    hv, gradient

/// The n × n matrix of a product v ↦ H v (H symmetric), row by row.
let private dense n (hv: float[] -> float[] -> unit) =
    let columns = Array.init n (fun j -> let o = Array.zeroCreate n in hv (Array.init n (fun i -> if i = j then 1.0 else 0.0)) o; o)
    Array.init (n * n) (fun k -> columns.[k % n].[k / n])

[<Fact>]
let ``the dense check calls the saddle with eigenvalue -198 beside 2E+12 a saddle`` () =
    let hv, gradient = saddle 4
    let c = Curvature.Classify(Array.zeroCreate 4, ReadOnlySpan(dense 4 hv), Func<_, _> gradient)
    Assert.True((c.Kind = StationaryKind.Saddle), c.ToString())

[<Fact>]
let ``the matrix-free check calls the same saddle at 600 variables a saddle, by the measured negative Ritz value`` () =
    let n = Curvature.MatrixFreeAbove + 100
    let hv, gradient = saddle n
    let c = Curvature.ClassifyMatrixFree(Array.zeroCreate n, Action<_, _> hv, Func<_, _> gradient)
    Assert.True((c.Kind = StationaryKind.Saddle), c.ToString())
    Assert.Contains("negative beyond rounding", c.Detail)

// ---- 3. pg's numeric inverse converges to rounding ----

[<Theory>]
[<InlineData("x0 + exp(x1); x1 + x0^3")>]
[<InlineData("sin(x0) + x1^3 + x1; x0 + exp(x1)/3")>]
let ``pg with its numeric inverse reaches the loss ig reaches, not L = 1E-22`` (simulator: string) =
    // Neither has a closed-form inverse (the equations couple x0 and x1): pg inverts by Newton's method.
    let p () = problem simulator [| 3.0; 2.0 |] [| 0.5; 0.5 |]
    let pg = Optimizer.Run(p (), Method.PhysicalGradient, 0.5, [| 0.5; 0.5 |], 500)
    let ig = Optimizer.Run(p (), Method.InverseGradient, 0.5, [| 0.5; 0.5 |], 500)
    // ig stops at the rounding of L, a few 1E-30 (outputs of size 3 known to an ulp or two: 4ε‖s‖ ≈ 3E-15 in y).
    Assert.True(ig.FinalLoss <= 1e-28, $"ig: L = {ig.FinalLoss:R}")
    Assert.True(pg.FinalLoss <= 1e-28, $"pg: {pg.StopReason} at L = {pg.FinalLoss:R} (ig {ig.FinalLoss:R}): {pg.StopDetail}")

[<Fact>]
let ``the numeric inverse (dense and sparse routes) returns x whose residual is at the rounding of P, not at 1E-12 of it`` () =
    let p = problem "x0 + exp(x1); x1 + x0^3" [| 3.0; 2.0 |] [| 0.5; 0.5 |]
    let x = Array.zeroCreate 2
    for t in [ 0.1; 0.37; 0.5; 0.81; 0.9 ] do
      for route in [ InverseMethod.DenseNewton; InverseMethod.NewtonKrylov ] do
        // Targets along the way from P(0.5, 0.5) to (3, 2), as pg asks for them.
        let y = [| (0.5 + exp 0.5) * (1.0 - t) + 3.0 * t; (0.5 + 0.125) * (1.0 - t) + 2.0 * t |]
        let report = p.InvertNumericallyReporting(y, [| 0.5; 0.5 |], x, Nullable route)
        Assert.True(report.Found, string report)
        // P's rounding at outputs of size ≤ 4: a few ulps of 4 (ε·4 ≈ 9E-16).
        Assert.True(report.Residual <= 8.0 * Math.Pow(2.0, -52) * 4.0, $"t = {t}, {route}: {report}")
