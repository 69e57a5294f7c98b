/// Stop verdicts of compare and the minimiser (verdicts27), fixed as kinds: (1) a Hessian eigenvalue at rounding
/// level (x + sin(x) at π: 2.3E-16, which one ulp of x turns negative) was counted as positive curvature and the
/// inflection called "Converged … at a minimum"; (2) the flat-direction probe compared L only at its points, and
/// one that lands on a point of equal L (exp(−x0²)'s peak at 0, from 40) passed for a floor; and its comparison
/// showed equal figures on both sides ("L = 0.125 …, below L = 0.125 here"); (3) the degenerate minimum along
/// x0 = x1 was called a saddle from the gradient's rounding (1.1E-16) read as a slope; (4) compare's default list
/// ran newton on x0*exp(400), whose Hessian exp(800) overflows doubles, where 1e174*x0 skips it with the reason.
module PhysGrad.Properties.Verdicts27

open System
open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))

let private outDir (name: string) =
    Path.Combine(Path.GetTempPath(), sprintf "physgrad-verdicts27-%s-%d" name Environment.ProcessId)

let private flat (text: string) = TestHelpers.unwrapped text

// ---- 1. an eigenvalue at rounding level is no positive curvature ----

[<Fact>]
let ``x + sin(x) at π to 5 is an inflection, not a converged minimum`` () =
    // H = (π − 5)·(−sin(fl π)) = 2.3E-16 > 0, but one ulp of x moves it by ~4E-16·1.86: its sign is rounding.
    let c = problem "x0 + sin(x0)" [| 5.0 |] [| Math.PI |]
    for m, eta in [ Method.GradientDescent, 0.01; Method.Newton, 1.0 / 3.0 ] do
        let r = Optimizer.Run(c, m, eta, [| Math.PI |], 10)
        Assert.Equal(StopReason.StationaryNonMinimum, r.StopReason)
        Assert.NotEqual(StationaryKind.Minimum, r.Exit.Curvature.Kind)
        Assert.Contains("at rounding level", r.StopDetail)

[<Fact>]
let ``lbfgs on x0 − sin(x0); x1 at (2π, 1) is not a minimum whatever the target's side`` () =
    // y0 = x0 − sin(x0) has y0' = 0 and y0'' = sin(fl 2π) ≈ −2.4E-16 at 2π: an inflection. With target (10, 1),
    // H00 = (2π − 10)·(−2.4E-16) = 9.1E-16 > 0 was a "minimum"; with target (5, 1) it is −1.3E-15 and a saddle.
    for target in [ [| 10.0; 1.0 |]; [| 5.0; 1.0 |] ] do
        let start = [| 2.0 * Math.PI; 1.0 |]
        let r = Optimizer.Run(problem "x0 - sin(x0); x1" target start, Method.LimitedMemoryBfgs, 1.0, start, 10)
        Assert.NotEqual(StopReason.Converged, r.StopReason)
        Assert.NotEqual(StationaryKind.Minimum, r.Exit.Curvature.Kind)

[<Property(MaxTest = 60)>]
let ``at every odd multiple of π, x + sin(x) to any other value stops at no minimum`` (k: int) (offset: float) =
    // At fl((2k+1)π), cos = −1 in doubles, so ∂L/∂x = 0 exactly and gd stops; H = r·(−sin(fl x)) with
    // |sin(fl x)| ≤ ulp(x)/2, always within what x's rounding moves it by (|r|·4ε|x|), of either sign.
    let x = float (2 * (abs k % 200) + 1) * Math.PI
    let r = if Double.IsFinite offset && abs offset > 1e-3 && abs offset < 1e6 then offset else 1.5
    let target = x + Math.Sin x + r
    let run = Optimizer.Run(problem "x0 + sin(x0)" [| target |] [| x |], Method.GradientDescent, 0.01, [| x |], 3)
    Assert.Equal(StopReason.StationaryNonMinimum, run.StopReason)
    Assert.NotEqual(StationaryKind.Minimum, run.Exit.Curvature.Kind)

[<Fact>]
let ``a small curvature that rounding cannot flip stays a strict minimum`` () =
    // L = ½(1E-9·x0 − 1)² at its minimum x0 = 1E9: H = 1E-18 next to nothing else, but L is quadratic, so x's
    // rounding does not change it at all.
    let c = problem "1e-9*x0" [| 1.0 |] [| 1e9 |]
    let stepper = Stepper(c, Method.GradientDescent, 0.01, [| 1e9 |])
    let curvature = stepper.ClassifyCurvature()
    Assert.Equal(StationaryKind.Minimum, curvature.Kind)
    Assert.False(curvature.Probed, curvature.Detail)

// ---- 2. the probe's points of equal L, and its comparisons in words ----

[<Fact>]
let ``exp(−x0²) to 0.5 from 40 is a plateau that L leaves, though x − ℓ lands on a point of equal L`` () =
    // L = ½(y − 0.5)² is 0.125 at 40 (y = 0 in doubles) and at 0 (y = 1); 1% beyond 0, at −0.4, it is 0.062.
    let r = Optimizer.Run(problem "exp(-x0^2)" [| 0.5 |] [| 40.0 |], Method.GradientDescent, 0.01, [| 40.0 |], 10)
    Assert.Equal(StopReason.StationaryNonMinimum, r.StopReason)
    Assert.NotEqual(StationaryKind.Minimum, r.Exit.Curvature.Kind)
    Assert.Contains("not a minimum", r.StopDetail)
    Assert.Contains("at −40.4 along a flat direction", r.StopDetail)

[<Fact>]
let ``a lower L at a probe point is said with the digits that tell it from L here`` () =
    // L = 0.125 here and 0.12499 far out along the flat x0: 8E-5 relative, below; 3 digits show both as 0.125.
    let lossAt (p: float[]) = if abs p.[0] > 0.5 then 0.12499 else 0.125
    let c = Curvature.Classify([| 0.0 |], ReadOnlySpan<float>([| 0.0 |]), (fun _ -> [| 0.0 |]), 1.0, lossAt)
    Assert.Equal(StationaryKind.Undecided, c.Kind)
    Assert.Contains("L = 0.12499 at +1 along a flat direction, below L = 0.125 here", c.Detail)

[<Fact>]
let ``a floor along the flat direction beside negative curvature is a maximum, not a minimum`` () =
    // L = −x0² + 0·x1 at the origin: eigenvalues −2 and 0, L constant along x1: a ridge.
    let gradientAt (p: float[]) = [| -2.0 * p.[0]; 0.0 |]
    let lossAt (p: float[]) = -(p.[0] * p.[0])
    let c = Curvature.Classify([| 0.0; 0.0 |], ReadOnlySpan<float>([| -2.0; 0.0; 0.0; 0.0 |]), gradientAt, 0.0, lossAt)
    Assert.Equal(StationaryKind.Maximum, c.Kind)
    Assert.Contains("a maximum that is not strict", c.Detail)

// ---- 3. a degenerate minimum along a valley is a minimum ----

[<Fact>]
let ``the valley of x0 − x1 to (1, −1) at x0 = x1 = 1/7 is a minimum, not a saddle`` () =
    let start = [| 0.14285714285714285; 0.14285714285714285 |]
    for m, eta in [ Method.GradientDescent, 0.01; Method.Newton, 1.0 / 3.0 ] do
        let r = Optimizer.Run(problem "x0 - x1; x0 - x1" [| 1.0; -1.0 |] start, m, eta, start, 10)
        Assert.Equal(StopReason.Converged, r.StopReason)
        Assert.Equal(StationaryKind.Minimum, r.Exit.Curvature.Kind)
        Assert.Contains("not strict", r.StopDetail)

// ---- 4. closed constants of a derivative that overflow doubles ----

let private overflowing = [ "--simulator"; "x0*exp(400); x1^2"; "--target"; "5.221469689764144e173, 4"; "--start"; "1, 3" ]

[<Fact>]
let ``compare's default list skips newton on x0*exp(400), whose Hessian exp(800) overflows, and runs the others`` () =
    let code, out, err = run ([ "compare" ] @ overflowing @ [ "--iterations"; "2"; "--out"; outDir "default" ])
    Assert.Equal(0, code)
    Assert.Equal("", err)
    let text = flat out
    Assert.Contains("newton skipped: Deriving the Hessian ∂²L/∂x² of the problem", text)
    Assert.Contains("exp(800)", text)
    Assert.DoesNotContain("\nnewton ", out)

[<Fact>]
let ``a named newton on x0*exp(400) exits 2 with the reason, as on 1e174*x0`` () =
    for simulator in [ "x0*exp(400)"; "1e174*x0" ] do
        let code, _, err = run [ "compare"; "--simulator"; simulator; "--target"; "1"; "--start"; "1"; "--methods"; "newton"; "--out"; outDir "named" ]
        Assert.Equal(2, code)
        Assert.Contains("folds constants that overflow", flat err)

[<Fact>]
let ``a closed part of a program is found where it overflows, not where a variable or a finite value stands`` () =
    let found (text: string) =
        not (isNull (ProgramInterpreter.FirstClosedOverflow(Lower.program [| "x0" |] [||] [| Parse.expression text |])))
    Assert.True(found "x0*exp(800)")
    Assert.False(found "x0*exp(700)")
    Assert.False(found "exp(800*x0)")
    // The simulator's own overflowing constant keeps its message at the run (OverflowingConstant).
    let code, _, err = run [ "compare"; "--simulator"; "x0*exp(1000)"; "--target"; "1"; "--start"; "1"; "--methods"; "gd,newton"; "--out"; outDir "own" ]
    Assert.Equal(1, code)
    Assert.Contains("holds the constant exp(1000)", flat err)
