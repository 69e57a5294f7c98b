/// Plot faults (32), each fixed as a kind: a run that explodes was cut at the others' range after its first step
/// although the loss plot's log axis could hold its next decades (gd at η = 1.2 on (x0, 2·x1) was cut after iteration 1
/// beside 30 decades of newton's fall; ExplodingReach now draws it until it leaves that range grown by half); the
/// scale of an output's terms read J at the first run's start alone, where 1E-08·x0·x1 has no terms (J is now read
/// along every run, JacobianPoints); the cut note said "the other runs' range" where it meant the range of the runs
/// that stay near; and the loss plot labelled a decade in the shaded band below its range, above the row of 0.
module PhysGrad.Properties.Plots32

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

// The figures of a comparison, and a figure's or legend entry's lookup: Plots31's.
open PhysGrad.Properties.Plots31

// ---- 1. an exploding run is drawn up to where it leaves the range that can hold it --------------------------------

/// gd at η = 1.2 on (x0, 2·x1) from 0 to y* = (1, 1): its x1 residual grows 3.8-fold a step, its loss 14-fold.
let private stretched iterations =
    let problem = PhysicsProblem.FromText("x0; 2*x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    build problem [| struct (Method.GradientDescent, 1.2); struct (Method.Newton, 1.0 / 3.0); struct (Method.GradientDescent, 0.1) |] iterations

[<Fact>]
let ``gd at η = 1.2 is drawn up the log axis past its 4.5E+06 at iteration 6, not cut after iteration 1`` () =
    let runs, figures = stretched 80
    let gd = runs.[0]
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    Assert.InRange(gd.Losses.[6], 1e6, 1e7)
    let plot = (named figures "loss").Panels.[0]
    let limits = plot.Axes.GetLimits()
    // The axis: newton's fall over about 28 decades.
    let newtonLow = runs.[1].Losses |> Seq.filter (fun l -> l > 0.0) |> Seq.min |> log10
    Assert.True(newtonLow < -25.0 && limits.Bottom < newtonLow, sprintf "newton's %g, axis from %g" newtonLow limits.Bottom)
    // It was cut between iterations 1 and 2 (the axis ended at 1E+0): now at least its 4.5E+06 is on the axis …
    Assert.True(limits.Top > log10 gd.Losses.[6], sprintf "axis top %g" limits.Top)
    let entry = entryOf plot "gd"
    Assert.StartsWith("gd (η = 1.2)", entry)
    Assert.Contains(sprintf "diverged at iteration %d" gd.Exit.Iteration, entry)
    // … and up to where it leaves the range: the run stops at iteration 16 (the divergence trend, L = 1.8E+18), which the
    // axis holds whole; a run that went on beyond the range would be cut and crossed there, not before iteration 6.
    let cut = Text.RegularExpressions.Regex.Match(entry, @"off the plot between iterations (\d+) and (\d+)")
    if cut.Success then Assert.True(int cut.Groups.[1].Value >= 6, entry)
    else Assert.True(limits.Top >= log10 (Seq.last gd.Losses), sprintf "axis top %g, final %g: %s" limits.Top (Seq.last gd.Losses) entry)
    // The runs that stay in range fill a good part of the plotted range (the axis adds its margins).
    Assert.True((0.0 - newtonLow) / (limits.Top - limits.Bottom) > 0.4, sprintf "axis %g … %g" limits.Bottom limits.Top)

[<Fact>]
let ``ExplodingReach keeps an exploding run's points up to its first beyond the others' range grown by the room`` () =
    let line (ys: float list) = ys |> List.mapi (fun k y -> struct (float k, y)) |> Array.ofList
    let curves = [| line [ 0.0; 1.0; 2.0; 9.0; 3.0 ]; line [ 0.0; -10.0 ] |]
    let exploding = [| true; false |]
    // The others' box −10 … 0 and room 0.5: up to 5 above; 9 is beyond, so 3 after it is not kept either.
    let kept = TrajectoryPlots.ExplodingReach(exploding, curves, TrajectoryPlots.Box(0.0, 1.0, -10.0, 0.0), 0.5) |> Seq.map (fun struct (_, y) -> y) |> List.ofSeq
    Assert.Equal<float list>([ 0.0; 1.0; 2.0 ], kept)
    // No extent to measure by: nothing beyond the start.
    Assert.Empty(TrajectoryPlots.ExplodingReach(exploding, curves, TrajectoryPlots.Box(0.0, 1.0, 0.0, 0.0), 0.5))

// ---- 2. an output's terms are read along every run ----------------------------------------------------------------

[<Fact>]
let ``y0 = 1E-08·x0·x1 from (0, 0), whose row of J is 0 at the start, gets its own axis to 1E-08, not rounding only`` () =
    let problem = PhysicsProblem.FromText("1e-8*x0*x1; 1e12*x1", [| 1e-8; 2e12 |], [| 0.0; 0.0 |])
    let runs, figures = build problem [| struct (Method.Newton, 1.0); struct (Method.GaussNewton, 0.5) |] 10
    // The case: both runs reach y0 ≈ 1E-08 (newton exactly).
    for r in runs do Assert.InRange(r.Outputs.[r.Outputs.Count - 1].[0], 0.9e-8, 1.1e-8)
    let plot = (named figures "y-space").Panels.[0]
    // It was "y0 (flat: rounding only)" over −1E+11 … 2E+11: J at the start alone saw no term in y0.
    Assert.DoesNotContain("flat", plot.Axes.Bottom.Label.Text)
    let limits = plot.Axes.GetLimits()
    Assert.True(limits.Left <= 0.0 && limits.Right >= 1e-8 && limits.Right - limits.Left < 1e-7, sprintf "y0 axis %g … %g" limits.Left limits.Right)

[<Fact>]
let ``J is read at every run's start and end and between, within the budget of products`` () =
    let problem = PhysicsProblem.FromText("x0*x1; x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    let runs = problem.Compare([| struct (Method.Newton, 1.0); struct (Method.GradientDescent, 0.1) |], 20) |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let points = TrajectoryPlots.JacobianPoints(runs, 2)
    // One start (both runs share it), both ends, and points between, each once.
    Assert.Equal<float[]>(runs.[0].Trajectory.[0], points.[0])
    Assert.Contains(runs.[1].Trajectory.[runs.[1].Trajectory.Count - 1], points)
    Assert.Equal(points.Count, points |> Seq.distinctBy List.ofArray |> Seq.length)
    Assert.True(points.Count > 3)
    // Starts only: the one start.
    Assert.Equal(1, TrajectoryPlots.JacobianPoints(runs, 2, startsOnly = true).Count)
    // At 4096 variables the budget is one point: the first run's start.
    Assert.True(TrajectoryPlots.JacobianPoints(runs, 4096).Count <= 1)

// ---- 3. the cut note names the range it keeps, and no decade label lies in a band --------------------------------

[<Fact>]
let ``runs leaping far together are said to reach beyond the range of the runs that stay near`` () =
    let methods = [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0); struct (Method.InverseGradient, 0.3); struct (Method.GaussNewton, 0.3) |]
    let _, figures = build (PhysicsProblem.FromText("exp(x0)", [| -1.0 |], [| 0.0 |])) methods 10
    let xs = named figures "x-space"
    for name in [ "ig"; "gn" ] do
        let entry = entryOf xs.Panels.[0] name
        // ig's range is not "the other runs'": gn, another run, leaps as far and is left out of it.
        Assert.Contains("it reaches over 9× beyond the range of the runs that stay near, which the plot keeps", entry)
        Assert.DoesNotContain("other runs' range", entry)

/// The loss plot's labelled decades (pixel rows) and the light bands (the shading outside the range and the break above
/// the row of 0) as pixel spans.
let private labelsAndBands (plot: ScottPlot.Plot) =
    TestHelpers.rendered (fun () ->
        let py (y: float) = float (plot.GetPixel(ScottPlot.Coordinates(0.0, y)).Y)
        let labels =
            plot.Axes.Left.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor && t.Label <> "" && t.Label <> "0")
            |> Array.map (fun t -> t.Label, py t.Position)
        let bands =
            plot.GetPlottables()
            |> Seq.choose (function
                | :? ScottPlot.Plottables.Rectangle as r when r.FillColor.A < 80uy ->
                    let a, b = py r.CoordinateRect.Bottom, py r.CoordinateRect.Top
                    Some(min a b, max a b)
                | _ -> None)
            |> Array.ofSeq
        labels, bands)

[<Theory>]
[<InlineData(20, 1.0)>]
[<InlineData(10, 0.3333333333333333)>]
let ``no decade label of the loss plot lies in a shaded band or the break above the row of 0`` (iterations: int, newtonEta: float) =
    let problem = PhysicsProblem.FromText("x0; 2*x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    let _, figures =
        build problem [| struct (Method.GradientDescent, 1.2); struct (Method.Newton, newtonEta); struct (Method.GradientDescent, 0.1) |] iterations
    let loss = named figures "loss"
    TrajectoryPlots.Render loss |> ignore
    let labels, bands = labelsAndBands loss.Panels.[0]
    Assert.NotEmpty(bands)
    Assert.True(labels.Length >= 2, sprintf "%A" labels)
    // No label's row lies inside a band (1E-3 lay inside the band below gd's 7E-3 with newton's exact 0; 1E-4 in the band
    // below newton's 3E-4 at 10 iterations). Since the range ends at labelled decades (Plots34), the decade where a run is
    // cut is labelled on the band's border.
    for label, row in labels do
        for top, bottom in bands do
            Assert.True(row <= top + 1.0 || row >= bottom - 1.0, sprintf "%s at pixel %g in the band %g … %g" label row top bottom)
