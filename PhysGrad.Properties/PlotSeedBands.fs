/// Plots that never mislead, the faults a tester still found (issue 12, item 4): train with several seeds
/// drew one line per seed and per method (15 lines for 3 methods × 5 seeds) and let Gauss–Newton's spike to
/// 1E+06 set the range; compare's crosses of coinciding runs took the colour of the run drawn last, crosses
/// sat inside the range, a run thrown far came back without a mark, and the legend named the iteration
/// after a cross instead of the segment it lies on.
module PhysGrad.Properties.PlotSeedBands

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

// ---- train: one median and one band per method ----

/// A run of `method` from seed `seed` with the losses at steps 0, 10, 20, … (0.01 s per step).
let private run (method: TrainingMethod) seed (losses: float list) diverged =
    let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, 0.1, 256), seed, points, 0L, diverged)

let private plotOf name (plots: Collections.Generic.IReadOnlyList<struct (string * ScottPlot.Plot)>) =
    plots |> Seq.pick (fun struct (n, p) -> if n = name then Some p else None)

let private scatters (plot: ScottPlot.Plot) =
    plot.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.Scatter as s -> Some s | _ -> None) |> List.ofSeq

let private markersOf (plot: ScottPlot.Plot) =
    plot.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.Marker as m -> Some m | _ -> None) |> List.ofSeq

let private limitsAfterRender (plot: ScottPlot.Plot) =
    TestHelpers.rendered (fun () -> plot.GetImage(1400, 600)) |> ignore
    plot.RenderManager.LastRender.AxisLimits

/// 3 methods × 5 seeds over steps 0 … 100: HIG's seed s is flat at 0.01·(1 + (s − 3)/10) (log₁₀ from −2.097 to
/// −1.921, median seed 3's 0.01), Adam flat at 0.1 (log₁₀ −1), GN at 1 (log₁₀ 0) except a spike to 1E+09 (log₁₀ 9)
/// at steps 10 and 20 in every seed.
let private fifteen () =
    [| for s in 1 .. 5 do
           yield run TrainingMethod.Adam s (List.replicate 11 0.1) false
           yield run TrainingMethod.GaussNewton s ([ 1.0; 1e9; 1e9 ] @ List.replicate 8 1.0) false
           yield run TrainingMethod.Hig s (List.replicate 11 (0.01 * (1.0 + float (s - 3) / 10.0))) false |]

[<Fact>]
let ``train with 5 seeds draws one median line and one band per method, in the method's colour`` () =
    let plots = Training.Plots(fifteen (), "test")
    for struct (name, plot) in plots do
        // One band (FillY) per method, not one line per seed: 3, not 15.
        let bands = plot.GetPlottables() |> Seq.filter (fun p -> p :? ScottPlot.Plottables.FillY) |> Seq.length
        Assert.Equal(3, bands)
        let colours = scatters plot |> List.map (fun s -> s.Color) |> List.distinct
        let expected = [ TrainingMethod.Adam; TrainingMethod.GaussNewton; TrainingMethod.Hig ] |> List.map Training.ColorOf
        Assert.Equal<ScottPlot.Color list>(expected, colours)
        // One legend entry per method, and the caption says what line and band are.
        Assert.Equal(3, plot.Legend.ManualItems.Count)
        Assert.Contains("median of 5 seeds (line), least to largest (band)", plot.Axes.Title.Label.Text)
        // HIG's median is seed 3's 0.01 (log₁₀ −2) at every step.
        let hig = scatters plot |> List.filter (fun s -> s.Color = Training.ColorOf TrainingMethod.Hig)
        Assert.Equal(1, hig.Length)
        for p in hig.Head.Data.GetScatterPoints() do
            Assert.Equal(-2.0, p.Y, 12)

[<Fact>]
let ``train's range comes from the quartiles of the values, not from Gauss–Newton's spike, and the cut is marked`` () =
    // 165 values in log₁₀: 55 of HIG from −2.097 to −1.921 (11 per seed), 55 of Adam at −1, 45 of GN at 0, 10 at 9.
    // Sorted, Q₁ (position 41 of 0 … 164) is HIG's seed 4, log₁₀ 0.011 = −1.959, and Q₃ (position 123) is 0:
    // Tukey's far-out fence 0 + 3·1.959 = 5.88 leaves the spike at 9 out. The range runs from −2.097 to the
    // largest value under the fence, 0 (also every start and end): 2.097 wide, padded by 6 % and then 8 %
    // a side, so the axis ends below 0.13 + 0.19 = 0.32, far under 9.
    let plot = Training.Plots(fifteen (), "test") |> plotOf "loss-steps"
    let limits = limitsAfterRender plot
    Assert.True(limits.Top > 0.0 && limits.Top < 0.35, sprintf "top %g" limits.Top)
    Assert.True(limits.Bottom < -2.097 && limits.Bottom > -2.5, sprintf "bottom %g" limits.Bottom)
    // GN's median is drawn to the top edge and back: two pieces, a triangle where it leaves and where it
    // returns, both on the same edge above every value in range; its entry names the steps and the peak.
    let gn = Training.ColorOf TrainingMethod.GaussNewton
    Assert.Equal(2, scatters plot |> List.filter (fun s -> s.Color = gn) |> List.length)
    let triangles = markersOf plot |> List.filter (fun m -> m.Color = gn && m.MarkerShape = ScottPlot.MarkerShape.FilledTriangleUp)
    Assert.Equal(2, triangles.Length)
    for t in triangles do
        Assert.True(t.Location.Y > 0.0 && t.Location.Y < limits.Top, sprintf "triangle at %O" t.Location)
    Assert.Equal(triangles.[0].Location.Y, triangles.[1].Location.Y)
    let entry = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "gn ")
    // Every seed spikes, so the median line leaves: the entry says the median does, and no band alone.
    Assert.Contains("median above the plot at steps 10–20, up to 1E+09", entry)
    Assert.DoesNotContain("band", entry)

[<Fact>]
let ``train's legend says the band leaves the plot where only a seed does and the median stays inside`` () =
    // Adam at 0.1 in 3 seeds (log₁₀ −1), GD at 1 (log₁₀ 0) in 3 seeds, one of which (seed 3) spikes to 1E+09 at
    // steps 10 and 20. The 66 values in log₁₀: 33 at −1, 31 at 0, 2 at 9: Q₁ = −1, Q₃ = 0, the far-out fence
    // 0 + 3·1 = 3 leaves 9 out, so the range tops out near 0. GD's median (of 1, 1, 1E+09) stays at 0, inside;
    // only its band, whose top is the largest seed, goes above.
    let gd s = run TrainingMethod.GradientDescent s (if s = 3 then [ 1.0; 1e9; 1e9 ] @ List.replicate 8 1.0 else List.replicate 11 1.0) false
    let runs = [| for s in 1 .. 3 do yield run TrainingMethod.Adam s (List.replicate 11 0.1) false; yield gd s |]
    let plot = Training.Plots(runs, "test") |> plotOf "loss-steps"
    let limits = limitsAfterRender plot
    Assert.True(limits.Top < 1.0, sprintf "top %g" limits.Top)
    let gdColour = Training.ColorOf TrainingMethod.GradientDescent
    // The median is one line, never cut: no triangle at the edge.
    Assert.Equal(1, scatters plot |> List.filter (fun s -> s.Color = gdColour) |> List.length)
    Assert.Empty(markersOf plot |> List.filter (fun m -> m.Color = gdColour))
    let entry = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "gd ")
    Assert.Contains("band (its largest seed) above the plot at steps 10–20, up to 1E+09", entry)
    Assert.DoesNotContain("median above", entry)

[<Fact>]
let ``a method's median diverges when half or more of its seeds do, and ends with a cross at the top edge`` () =
    // Adam converges in every seed. GD's seeds 1 to 3 become NaN at step 30 (diverged); seeds 4 and 5 stay at
    // 0.5. From step 30 three of five values are +∞: the median is +∞ and ends there with a cross at the top.
    // With only two diverged seeds (the second plot) the median stays at 0.5 and there is no cross.
    let adam s = run TrainingMethod.Adam s [ 1.0; 0.1; 0.01; 0.001; 0.0001 ] false
    let gd s bad = run TrainingMethod.GradientDescent s (if bad then [ 1.0; 0.8; 0.6; nan ] else [ 1.0; 0.8; 0.6; 0.5; 0.5 ]) bad
    let gdColour = Training.ColorOf TrainingMethod.GradientDescent
    for divergedSeeds in [ 3; 2 ] do
        let runs = [| for s in 1 .. 5 do yield adam s; yield gd s (s <= divergedSeeds) |]
        let plot = Training.Plots(runs, "test") |> plotOf "loss-steps"
        let limits = limitsAfterRender plot
        let crosses = markersOf plot |> List.filter (fun m -> m.Color = gdColour && m.MarkerShape = ScottPlot.MarkerShape.Eks)
        let entry = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "gd ")
        Assert.Contains(sprintf "%d of 5 seeds diverged" divergedSeeds, entry)
        if divergedSeeds = 3 then
            Assert.Equal(1, crosses.Length)
            let c = crosses.Head.Location
            // At step 30, on the top edge of the range (inside the padded axis).
            Assert.Equal(30.0, c.X, 9)
            Assert.True(c.Y < limits.Top && c.Y > Math.Log10 1.0, sprintf "cross at %O, axis %O" c limits)
            let line = scatters plot |> List.filter (fun s -> s.Color = gdColour) |> List.exactlyOne
            let pts = line.Data.GetScatterPoints()
            Assert.Equal(c, pts.[pts.Count - 1])
        else
            Assert.Empty(crosses)
            // The median (seed 4's or 5's 0.5) is drawn to step 40: log₁₀ 0.5 = −0.301.
            let line = scatters plot |> List.filter (fun s -> s.Color = gdColour) |> List.exactlyOne
            let pts = line.Data.GetScatterPoints()
            Assert.Equal(40.0, pts.[pts.Count - 1].X)
            Assert.Equal(Math.Log10 0.5, pts.[pts.Count - 1].Y, 12)

[<Fact>]
let ``the robust range keeps every start and end even when they lie above the fence`` () =
    // Values 0 (×8) and 1, 100: Q₁ = Q₃ = 0 so the fence is 0, but a start at 100 must be shown.
    let struct (low, high) = Training.RobustRange([| 0.0; 0.0; 0.0; 0.0; 0.0; 0.0; 0.0; 0.0; 1.0; 100.0 |], [ 100.0 ])
    Assert.Equal(0.0, low)
    Assert.Equal(100.0, high)
    let struct (low2, high2) = Training.RobustRange([| 0.0; 0.0; 0.0; 0.0; 0.0; 0.0; 0.0; 0.0; 1.0; 100.0 |], [ 0.0 ])
    Assert.Equal(0.0, low2)
    Assert.Equal(0.0, high2)

// ---- compare: crosses and edge marks ----

/// Rosenbrock at n = 10: GD diverges (non-finite at 6), two IG runs coincide and diverge by their loss at 10,
/// and PG at η = 0.3 is thrown off the plot at iteration 1 and comes back. Its derived inverse solves the chain
/// x_{i+1} = y_i/10 + x_i² forward, so a first step of 0.3·Δy compounds through the squares to x9 ≈ 3E+13
/// (beyond 10⁴ times the other runs' extent of about 2), and the next step lands back near 1 (loss 499 → 245).
/// (Gauss–Newton played that part while the rank test called its J singular; with the equilibrated rank
/// decision it takes IG's full-rank step and diverges with IG.)
let private rosenbrock =
    lazy
        (let problem = ReferenceProblems.Create("rosenbrock", 10)
         let runs =
             // IG twice: two runs that coincide and leave the plot together (PG took IG's steps here until its
             // derived inverse landed; now it takes its own).
             problem.Compare([| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 0.3333); struct (Method.InverseGradient, 0.3)
                                struct (Method.InverseGradient, 0.3); struct (Method.PhysicalGradient, 0.3); struct (Method.HalfInverseGradient, 0.3) |], 10)
             |> Seq.map (fun r -> r.Run) |> Array.ofSeq
         let figures = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)
         for f in figures do TrajectoryPlots.Render f |> ignore
         runs, figures)

let private crossesOf (plot: ScottPlot.Plot) =
    markersOf plot |> List.filter (fun m -> m.MarkerShape = ScottPlot.MarkerShape.Eks)

/// The plotted range (the box curves are cut at) of a panel: its axis limits are the range padded by 8 % a side.
let private rangeOf (plot: ScottPlot.Plot) =
    let l = plot.RenderManager.LastRender.AxisLimits
    let s = (l.Top - l.Bottom) / 1.16
    l.Bottom + 0.08 * s, l.Top - 0.08 * s, s

[<Fact>]
let ``coinciding runs that leave together show both crosses, each in its own colour`` () =
    let runs, figures = rosenbrock.Force()
    Assert.Contains("coincides with ig", (figures |> Seq.find (fun f -> f.Name = "loss")).Panels.[0].Legend.ManualItems.[3].LabelText.Replace('\n', ' '))
    let loss = (figures |> Seq.find (fun f -> f.Name = "loss")).Panels.[0]
    // The two IG runs' crosses: at one place, in two colours, the first run's larger and drawn first, so its
    // colour shows round the second's.
    let crosses = crossesOf loss
    let pair = crosses |> List.groupBy (fun m -> m.Location) |> List.map snd |> List.filter (fun g -> g.Length = 2)
    Assert.Equal(1, pair.Length)
    let first, second = pair.Head.[0], pair.Head.[1]
    Assert.NotEqual(first.Color, second.Color)
    Assert.True(first.MarkerSize > second.MarkerSize)
    let plottables = loss.GetPlottables() |> List.ofSeq
    Assert.True(List.findIndex (fun p -> obj.ReferenceEquals(p, first)) plottables < List.findIndex (fun p -> obj.ReferenceEquals(p, second)) plottables)

[<Fact>]
let ``every cross lies on the edge of the plotted range and the legend names the segment it lies on`` () =
    let runs, figures = rosenbrock.Force()
    for f in figures do
        for k in 0 .. f.Panels.Count - 1 do
            let panel = f.Panels.[k]
            let bottom, top, s = rangeOf panel
            for c in crossesOf panel do
                // A cross marks where a run leaves: on the top or bottom edge (none of these runs has a NaN).
                let onEdge = abs (c.Location.Y - top) < 1e-6 * s || abs (c.Location.Y - bottom) < 1e-6 * s
                Assert.True(onEdge, sprintf "%s panel %d: cross at %O inside %g … %g" f.Name k c.Location bottom top)
            // The range outside is shaded where a curve is cut.
            if not (List.isEmpty (crossesOf panel)) then
                Assert.Contains(panel.GetPlottables(), fun p -> p :? ScottPlot.Plottables.Rectangle)
    // In the loss plot each cross lies on the segment the entry names: "between iterations a and a + 1".
    let loss = (figures |> Seq.find (fun f -> f.Name = "loss")).Panels.[0]
    let colours = TrajectoryPlots.ColorsOf runs
    for c in crossesOf loss do
        let i = Array.IndexOf(colours, c.Color)
        let label = loss.Legend.ManualItems.[i].LabelText.Replace('\n', ' ')
        let a = int (Math.Floor c.Location.X)
        Assert.Contains(sprintf "off the plot between iterations %d and %d" a (a + 1), label)
    // GD's loss: 1018.82 at 0 (inside: the runs that stay start there), 1.757E+04 at 1 and rising; the range holds
    // it while it stays within the others' range grown by half (round 32), and its cross lies where the segment from
    // the last iteration a inside to a + 1 meets the top edge, the segment the entry names, not the iteration after
    // it (the tester's "at 3" with a cross at 2.2).
    let gd = runs.[0]
    let _, top, s = rangeOf loss
    let logs = [| for i in 0 .. gd.Losses.Count - 1 -> Math.Log10 gd.Losses.[i] |]
    let a = Array.findIndex (fun l -> l > top) logs - 1
    Assert.True(a >= 0 && logs.[a] < top, sprintf "GD's losses %A against top %g" logs top)
    let gdCross = crossesOf loss |> List.filter (fun m -> m.Color = colours.[0]) |> List.exactlyOne
    Assert.Equal(float a + (top - logs.[a]) / (logs.[a + 1] - logs.[a]), gdCross.Location.X, 9)
    Assert.True(abs (gdCross.Location.Y - top) < 1e-6 * s, sprintf "GD's cross at %O" gdCross.Location)
    Assert.Contains(sprintf "gd (η = 0.01), diverged at iteration 6, off the plot between iterations %d and %d" a (a + 1), loss.Legend.ManualItems.[0].LabelText.Replace('\n', ' '))

[<Fact>]
let ``a diverged run that ends inside a panel gets no cross there`` () =
    // Every run of the fixture that diverged by its loss (finite to its exit iteration, so no NaN cut its
    // curve) and whose curve stays inside an x panel's range ends there with no cross in its colour: a cross
    // at its last point would read as leaving the plot there. The fixture must have such a pair, or the
    // test checks nothing (PG, which played the part, no longer diverges).
    let runs, figures = rosenbrock.Force()
    let colours = TrajectoryPlots.ColorsOf runs
    let x = figures |> Seq.find (fun f -> f.Name = "x-space")
    let mutable seen = []
    for i in 0 .. runs.Length - 1 do
        let run = runs.[i]
        let path = run.Trajectory
        if run.StopReason = StopReason.Diverged && path.Count = run.Exit.Iteration + 1 && path |> Seq.forall (Array.forall Double.IsFinite) then
            for panel in x.Panels do
                let name = panel.Axes.Left.Label.Text
                let j = int (name.Substring 1)
                let bottom, top, _ = rangeOf panel
                if path |> Seq.forall (fun p -> p.[j] >= bottom && p.[j] <= top) then
                    seen <- sprintf "%s in %s" run.Label name :: seen
                    Assert.Empty(crossesOf panel |> List.filter (fun m -> m.Color = colours.[i]))
    Assert.True(not seen.IsEmpty, "no run of the fixture diverged by its loss inside an x panel")

[<Fact>]
let ``a run thrown off the plot and back is marked where it leaves and where it returns`` () =
    // PG's point at iteration 1 is far (x9 ≈ 3E+13) and the one at 2 is not: every x panel its curve leaves at 1
    // gets a triangle on the edge it crosses where the segment from 0 to 1 meets it and one where the segment
    // from 1 to 2 comes back; panels whose value at 1 stays inside get none. x2 (−1.2 → −1.54 → −1.03) leaves
    // through the bottom, so at least that panel is tested.
    let runs, figures = rosenbrock.Force()
    let pg = runs.[4]
    Assert.Equal(Nullable Method.PhysicalGradient, pg.Method)
    Assert.Equal(StopReason.IterationLimit, pg.StopReason)
    Assert.True(pg.Trajectory.[1] |> Array.exists (fun v -> abs v > 1e12), "PG's leap at iteration 1")
    Assert.True(pg.Trajectory.[2] |> Array.forall (fun v -> abs v < 3.0), "PG back at iteration 2")
    let colour = TrajectoryPlots.ColorOf Method.PhysicalGradient
    let x = figures |> Seq.find (fun f -> f.Name = "x-space")
    Assert.Contains("pg (η = 0.3), off the plot at 1 (a triangle where it crosses the edge)", x.Panels.[0].Legend.ManualItems.[4].LabelText.Replace('\n', ' '))
    let mutable tested = []
    for panel in x.Panels do
        let name = panel.Axes.Left.Label.Text
        let j = int (name.Substring 1)
        let v k = pg.Trajectory.[k].[j]
        let bottom, top, s = rangeOf panel
        let marks =
            markersOf panel |> List.filter (fun m -> m.Color = colour && (m.MarkerShape = ScottPlot.MarkerShape.FilledTriangleDown || m.MarkerShape = ScottPlot.MarkerShape.FilledTriangleUp))
            |> List.sortBy (fun m -> m.Location.X)
        if v 1 > top || v 1 < bottom then
            tested <- name :: tested
            let edge, shape = if v 1 > top then top, ScottPlot.MarkerShape.FilledTriangleUp else bottom, ScottPlot.MarkerShape.FilledTriangleDown
            Assert.Equal(2, marks.Length)
            // Where the segments meet the edge, by linear interpolation of the recorded points.
            Assert.Equal((edge - v 0) / (v 1 - v 0), marks.[0].Location.X, 6)
            Assert.Equal(1.0 + (edge - v 1) / (v 2 - v 1), marks.[1].Location.X, 6)
            for m in marks do
                Assert.Equal(shape, m.MarkerShape)
                Assert.True(abs (m.Location.Y - edge) < 1e-6 * s, sprintf "%s: mark at %O, edge %g" name m.Location edge)
        else Assert.Empty(marks)
    Assert.Contains("x2", tested)
