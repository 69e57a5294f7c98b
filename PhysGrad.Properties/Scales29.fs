/// Faults of a new user's trial (29), each fixed as a kind: a divergence note that blamed small singular values
/// and a fold of P on 1e8*x0, whose one singular value is large (every such note now follows from J's singular
/// values and the step's gain measured where the loss rose; continuation's end is a fold only where J is measured
/// nearly singular); an x-space axis "x0 (flat: rounding only)" for x0* = 1E-08 beside x1* = 1E+08 (a component is
/// judged against its own start and target); "x* unknown" on the plane of one output and two variables, whose
/// solutions form a curve (drawn, and the title says x* is not unique).
module PhysGrad.Properties.Scales29

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

let private outDir (name: string) = Path.Combine(Path.GetTempPath(), $"physgrad-scales29-{name}-{Guid.NewGuid():N}")

// ---- divergence notes follow from the measured quantities -------------------------------------------------------

[<Fact>]
let ``hig on 1e8*x0 is said to diverge because its one singular value is large, and the η it names converges`` () =
    let code, out, _ = run [ "compare"; "--simulator"; "1e8*x0"; "--target"; "1"; "--start"; "0"; "--methods"; "hig,hig:1"; "--out"; outDir "hig" ]
    let said = TestHelpers.unwrapped out
    Assert.Equal(1, code)
    // The old note: "grows as σ^κ where J's singular values σ are small, as near a fold of P".
    Assert.DoesNotContain("fold", said)
    Assert.DoesNotContain("are small", said)
    Assert.Contains("J's singular values are σ = [1E+08]", said)
    Assert.Contains("is 3E+03 > 2, at σ = 1E+08", said)
    Assert.Contains("is 1E+04 > 2, at σ = 1E+08", said)
    Assert.Contains("η below 0.0002 keeps that gain under 2", said)
    // The advice is the measurement's: at half the η it names, hig converges on this problem.
    let c = CompiledProblem(Problem.Create([| "x0" |], Parse.many "1e8*x0", null, [| 1.0 |], [| 0.0 |], null, true))
    let small = Optimizer.Run(c, Method.HalfInverseGradient, 1e-4, [| 0.0 |], 50, lossTolerance = 1e-20)
    Assert.Equal(StopReason.Converged, small.StopReason)

[<Fact>]
let ``hig's divergence near a fold is said with the singular values at both ends of its first step`` () =
    // x0² from 1E-05 at η = 1: σ = 2E-05 at x₀ (the fold at 0), the first step of 224 goes where σ = 447; the
    // linearised gain η·σ^(1/2) = 0.0045 is far below 2, so the cause is P's change over the step.
    let c = CompiledProblem(Problem.Create([| "x0" |], Parse.many "x0^2", null, [| 1.0 |], [| 1e-5 |], null, true))
    let r = Optimizer.Run(c, Method.HalfInverseGradient, 1.0, [| 1e-5 |], 10)
    Assert.Equal(StopReason.Diverged, r.StopReason)
    let said = r.StopDetail
    Assert.Contains("does not overshoot y* there", said)
    Assert.Contains("went from [2E-05] to [447]", said)
    Assert.Contains("as near a fold of P", said)
    // And a linear problem where the gain is small never names a fold: 1e-8*x0 at η = 1 converges instead.
    let l = CompiledProblem(Problem.Create([| "x0" |], Parse.many "1e-8*x0", null, [| 1.0 |], [| 0.0 |], null, true))
    Assert.NotEqual(StopReason.Diverged, (Optimizer.Run(l, Method.HalfInverseGradient, 1.0, [| 0.0 |], 10)).StopReason)

[<Fact>]
let ``continuation's end is called a fold only with the measured ratio of J's singular values there`` () =
    // The branch of (x0³ − 3·x0 + x1, x1) from (0.5, 0) towards (2.5, 0) ends next to the fold at x0 = −1; the
    // reason used to assert "at a fold of P, where J is singular" whatever had stopped continuation.
    let code, out, _ = run [ "compare"; "--simulator"; "x0^3 - 3*x0 + x1; x1"; "--target"; "2.5,0"; "--start"; "0.5,0"; "--methods"; "gn"; "--format"; "json" ]
    Assert.Equal(0, code)
    Assert.Contains("where J is nearly singular (σ_min/σ_max = 0.0046), as at a fold of P", out)
    Assert.DoesNotContain("where J is singular)", out)

// ---- a component's own scale decides whether it is rounding noise ------------------------------------------------

[<Fact>]
let ``x0* = 1E-08 beside x1* = 1E+08 is drawn on its own scale, not as rounding`` () =
    let problem = PhysicsProblem.FromText("1e8*x0; 1e-8*x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    let runs =
        problem.Compare([| struct (Method.Newton, 1.0 / 3.0); struct (Method.PhysicalGradient, 0.3); struct (Method.GaussNewton, 0.3) |], 10)
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let xs = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "x-space")
    let plane = xs.Panels.[0]
    Assert.Equal("x0", plane.Axes.Bottom.Label.Text)
    let limits = plane.Axes.GetLimits()
    // The axis holds x0 from 0 to x0* = 1E-08 and is of that size (it spanned ±5E+06, the other axis' scale).
    Assert.True(limits.Left <= 0.0 && limits.Right >= 1e-8 && limits.Right - limits.Left <= 1e-7, sprintf "x0 axis %g .. %g" limits.Left limits.Right)

// ---- a curve of solutions is drawn and said ------------------------------------------------------------------------

[<Fact>]
let ``the level set of x0^2 + x1^2 - 1 lies on the unit circle all the way round`` () =
    let segments = TrajectoryPlots.LevelSet((fun a b -> a * a + b * b - 1.0), -2.0, 2.0, -2.0, 2.0)
    let points: ScottPlot.Coordinates[] = segments |> Seq.collect (fun struct (a, b) -> [ a; b ]) |> Array.ofSeq
    Assert.All(points, fun (p: ScottPlot.Coordinates) -> Assert.True(abs (sqrt (p.X * p.X + p.Y * p.Y) - 1.0) <= 1e-3, sprintf "%O" p))
    let bins = points |> Array.map (fun (p: ScottPlot.Coordinates) -> int (floor ((atan2 p.Y p.X + Math.PI) / (2.0 * Math.PI) * 36.0)) % 36) |> Set.ofArray
    Assert.Equal(36, bins.Count)
    // Nothing where r has no zero, and nothing from corners where r is not finite.
    Assert.Empty(TrajectoryPlots.LevelSet((fun a b -> a * a + b * b + 1.0), -2.0, 2.0, -2.0, 2.0))
    Assert.Empty(TrajectoryPlots.LevelSet((fun _ _ -> nan), -2.0, 2.0, -2.0, 2.0))

[<Fact>]
let ``one output of two variables: the x-space plane draws P(x) = y* and says x* is not unique`` () =
    let problem = PhysicsProblem.FromText("x0^2 + x1^2", [| 1.0 |], [| 0.3; 0.2 |])
    let runs =
        problem.Compare([| struct (Method.GradientDescent, 0.01); struct (Method.GaussNewton, 0.3); struct (Method.HalfInverseGradient, 0.3) |], 10)
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let xs = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "x-space")
    let plane = xs.Panels.[0]
    let title = plane.Axes.Title.Label.Text.Replace("\n", " ")
    Assert.DoesNotContain("x* unknown", title)
    Assert.Contains("x* not unique: y* has many preimages (1 output < 2 variables)", title)
    let lines = plane.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.LinePlot as l -> Some l | _ -> None) |> Array.ofSeq
    Assert.NotEmpty(lines)
    for l in lines do
        for p in [ l.Start; l.End ] do
            Assert.True(abs (p.X * p.X + p.Y * p.Y - 1.0) <= 1e-3, sprintf "%O is not on P(x) = 1" p)
    Assert.Contains(plane.Legend.ManualItems, fun i -> i.LabelText.StartsWith "P(x) = y*: the solutions")
