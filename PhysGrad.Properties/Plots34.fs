/// Plot faults (34), each fixed as a kind: the padding of the plotted range took in the loss where a diverged run left the
/// range grown by half (gd at η = 1.2 on (x0, 2·x1), whose last loss 1.8E+18 lay in the 6% above its 1.2E+17), so the loss
/// plot drew it whole with no cross and no "off the plot" while the planes cut it (Unswallowed now keeps that side at the
/// grown range's edge, in every plot); a log loss axis ran on past its last labelled decade (gd's flat L = 2 below the
/// lowest label 1E+2, newton's 6.7E-29 below 1E-25) and now ends at labelled decades (LabelledDecades); and the plots of a
/// 1-variable problem had no "start" entry beside the 2-variable planes' (every x and y figure now rings its starts).
module PhysGrad.Properties.Plots34

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

// The figures of a comparison, and a legend entry's lookup: Plots31's.
open PhysGrad.Properties.Plots31

/// The positions of a panel's labelled major ticks on its left axis (the row of exact zeros, "0", left out).
let private labelled (plot: ScottPlot.Plot) =
    plot.Axes.Left.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor && t.Label <> "" && t.Label <> "0") |> Array.map (fun t -> t.Position)

/// Every point of the curves drawn in a panel (the runs' scatter lines; the segments to a cut and the drops to 0 are lines).
let private drawnPoints (plot: ScottPlot.Plot) =
    plot.GetPlottables()
    |> Seq.collect (function
        | :? ScottPlot.Plottables.Scatter as s -> s.Data.GetScatterPoints() |> Seq.map (fun c -> c.X, c.Y)
        | _ -> Seq.empty)
    |> Array.ofSeq

/// The inner edges of the shaded margins where a cut run is crossed (Plots33's).
let private shadedEdges (plot: ScottPlot.Plot) =
    plot.GetPlottables()
    |> Seq.collect (function
        | :? ScottPlot.Plottables.Rectangle as r when r.FillColor.A < 80uy -> [ r.CoordinateRect.Bottom; r.CoordinateRect.Top ]
        | _ -> [])
    |> Array.ofSeq

let private compare simulator (target: float[]) (start: float[]) methods iterations =
    build (PhysicsProblem.FromText(simulator, target, start)) methods iterations

let private gd eta = struct (Method.GradientDescent, eta)

// ---- 1. a diverged run's loss is cut where it leaves the range, crossed and named there ----------------------------

/// gd at η beside newton and gd:0.1 on (x0, 2·x1) from 0 to y* = (1, 1): for η ≥ 1 its x1 residual grows |1 − 4η|-fold a
/// step and it diverges; the README's case is η = 1.2 over 80 iterations, which stops at 16 with L = 1.8E+18.
[<Theory>]
[<InlineData(1.2, 80)>]
[<InlineData(1.2, 14)>]
[<InlineData(1.3, 80)>]
[<InlineData(1.5, 80)>]
[<InlineData(2.0, 40)>]
let ``a diverged gd's loss above the plotted range is cut at its top with a cross on the band's border and "off the plot"`` (eta: float, iterations: int) =
    let runs, figures = compare "x0; 2*x1" [| 1.0; 1.0 |] [| 0.0; 0.0 |] [| gd eta; struct (Method.Newton, 1.0 / 3.0); gd 0.1 |] iterations
    let run = runs.[0]
    let loss = named figures "loss"
    TrajectoryPlots.Render loss |> ignore
    let plot = loss.Panels.[0]
    let color = (TrajectoryPlots.ColorsOf runs).[0]
    let top = Array.max (labelled plot)
    let logs = run.Losses |> Seq.map log10 |> Array.ofSeq
    // The case: gd's loss rises beyond the range (a check of the premise, not of the plot).
    Assert.True(Array.max logs > top, sprintf "gd's largest L %g within the axis up to %g" (Array.max logs) top)
    let exit = logs |> Array.findIndex (fun l -> l > top)
    // Drawn exactly to its last loss inside, at its iterations …
    let own =
        plot.GetPlottables()
        |> Seq.collect (function
            | :? ScottPlot.Plottables.Scatter as s when s.Color = color -> s.Data.GetScatterPoints() |> Seq.map (fun c -> c.X, c.Y)
            | _ -> Seq.empty)
        |> Array.ofSeq
    Assert.Equal<(float * float)[]>(Array.init exit (fun k -> float k, logs.[k]), own)
    // … then crossed where the segment to the next loss meets the top of the range, the shaded band's border …
    let cross = TestHelpers.markers plot ScottPlot.MarkerShape.Eks color |> List.exactlyOne
    Assert.Equal(top, cross.Y, 9)
    Assert.InRange(cross.X, float (exit - 1), float exit)
    Assert.Contains(shadedEdges plot, fun e -> abs (e - top) < 1e-9)
    // … and its entry says so, with the iterations of that segment.
    let entry = entryOf plot "gd"
    Assert.StartsWith(sprintf "gd (η = %s), diverged at iteration %d" (NumberText.StepSize eta) run.Exit.Iteration, entry)
    Assert.Contains(sprintf "off the plot between iterations %d and %d" (exit - 1) exit, entry)

[<Fact>]
let ``the padding of the range never takes in the point where an exploding run leaves the range grown by half`` () =
    // The others' box −10 … 0, padded to −10.6 … 0.6, and room 0.5: the grown range ends at 6.2 above. The exploding run
    // keeps 6.0 and leaves by 6.5, which the 6% padding of the kept points (−10 … 6, to 6.96) held.
    let line (ys: float list) = ys |> List.mapi (fun k y -> struct (float k, y)) |> Array.ofList
    let curves = [| line [ 0.0; 2.0; 6.0; 6.5 ]; line [ 0.0; -10.0 ] |]
    let exploding = [| true; false |]
    let box = TrajectoryPlots.PlotBox(exploding, curves, Nullable(), 0.0, null, Nullable(), TrajectoryPlots.ExplodingRoom)
    let others = TrajectoryPlots.Box(0.0, 1.0, -10.0, 0.0).Padded(0.06)
    let grownTop = others.YMax + 0.5 * (others.YMax - others.YMin)
    Assert.True(6.0 <= box.YMax && box.YMax < 6.5, sprintf "range top %g (grown range to %g)" box.YMax grownTop)
    Assert.Equal(grownTop, box.YMax, 12)
    // A side no exploding point leaves by keeps its padding.
    Assert.True(box.YMin < -10.0, sprintf "range bottom %g" box.YMin)

// ---- 2. a log loss axis ends at labelled decades ----------------------------------------------------------------

let private cases: (string * float[] * float[] * struct (Method * float)[] * int) list =
    [ "x0; 2*x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |], [| gd 1.2; struct (Method.Newton, 1.0 / 3.0); gd 0.1 |], 80
      "1e6*x0; x1", [| 3e6; 2.0 |], [| 0.0; 0.0 |], [| gd 1e-12; struct (Method.Newton, 1.0 / 3.0); struct (Method.PhysicalGradient, 0.3) |], 10
      "x0^2", [| 4.0 |], [| 1.0 |], [| gd 0.01; struct (Method.Newton, 1.0 / 3.0); struct (Method.InverseGradient, 0.3) |], 10
      "x0^2", [| 4.0 |], [| 1.0 |], [| gd 0.01; struct (Method.PhysicalGradient, 0.3) |], 25
      "exp(x0); x1^3", [| 2.0; 8.0 |], [| 0.0; 1.0 |], [| gd 0.05; struct (Method.GaussNewton, 1.0); struct (Method.Adam, 0.1) |], 30
      "x0 + x1; x0 - x1", [| 1e-3; 2e-3 |], [| 5.0; -7.0 |], [| gd 0.3; struct (Method.Newton, 1.0) |], 12 ]

[<Fact>]
let ``every loss drawn on a log axis lies between its lowest and its highest labelled decade`` () =
    let mutable logAxes = 0
    for simulator, target, start, methods, iterations in cases do
        let _, figures = compare simulator target start methods iterations
        let loss = named figures "loss"
        TrajectoryPlots.Render loss |> ignore
        let plot = loss.Panels.[0]
        if plot.Axes.Left.Label.Text = "L (log scale)" then
            logAxes <- logAxes + 1
            let ticks = labelled plot
            Assert.True(ticks.Length >= 2, sprintf "%s: labels %A" simulator ticks)
            let lo, hi = Array.min ticks, Array.max ticks
            for x, y in drawnPoints plot do
                Assert.True(lo - 1e-9 <= y && y <= hi + 1e-9, sprintf "%s: L = 1E%+.2f at %g outside the labels 1E%+g … 1E%+g" simulator y x lo hi)
            // The labels reach the ends of the range the curves are clipped to: beyond them the axis has only the margin
            // the cut's cross is drawn in (8% of the range) and, below, the row of exact zeros where a run reaches 0.
            let limits = plot.Axes.GetLimits()
            let zeroRow = plot.Axes.Left.TickGenerator.Ticks |> Array.exists (fun t -> t.Label = "0")
            let margin = 0.08 / 1.16 * (limits.Top - limits.Bottom) + 1e-9
            Assert.True(limits.Top - hi <= margin && (zeroRow || lo - limits.Bottom <= margin),
                sprintf "%s: labels %g … %g on an axis %g … %g" simulator lo hi limits.Bottom limits.Top)
    // Every case but the one that stays within a decade is drawn on a log axis.
    Assert.True(logAxes >= 5, sprintf "%d log axes" logAxes)

[<Fact>]
let ``LabelledDecades comes in to a labelled decade where going out would take in an exploding run's next point`` () =
    let line (ys: float list) = ys |> List.mapi (fun k y -> struct (float k, y)) |> Array.ofList
    // The range −29.1 … 17.5 holds newton's fall and gd's rise to 17.1; gd's next loss is at 18.25, below the decade 20
    // that going out in steps of 5 would end at: the top comes in to 15, above every point of the runs that stay.
    let curves = [| line [ 0.0; 5.0; 10.0; 17.1; 18.25 ]; line [ 0.0; -28.2 ] |]
    let exploding = [| true; false |]
    let kept = [ struct (0.0, 0.0); struct (0.0, -28.2) ]
    let d = TrajectoryPlots.LabelledDecades(TrajectoryPlots.Box(0.0, 4.0, -29.1, 17.5), exploding, curves, kept)
    Assert.True(d.HasValue)
    Assert.Equal(struct (-30.0, 15.0, 5), d.Value)
    // Nothing to keep out: both ends go out, to the step's multiples.
    let d2 = TrajectoryPlots.LabelledDecades(TrajectoryPlots.Box(0.0, 4.0, -7.3, 0.8), [| false; false |], curves, [ struct (0.0, 0.65); struct (1.0, -7.1) ])
    Assert.Equal(struct (-8.0, 1.0, 1), d2.Value)

// ---- 3. a 1-variable problem's plots ring the start and name it ------------------------------------------------------

[<Fact>]
let ``the x and y figures of 1- and 3-variable problems ring the start and name it in the legend, as the planes`` () =
    for simulator, target, start in [ "x0^2", [| 4.0 |], [| 1.0 |]; "x0; 2*x1; x2", [| 1.0; 1.0; 1.0 |], [| 0.5; 0.0; 0.0 |] ] do
        let runs, figures = compare simulator target start [| gd 0.1; struct (Method.Newton, 1.0) |] 10
        for space in [ "x-space"; "y-space" ] do
            let figure = named figures space
            // The legend is the first panel's (a stack draws it beside every panel).
            let entries = figure.Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LabelText) |> List.ofSeq
            Assert.Contains("start (iteration 0)", entries)
            for j, panel in Seq.indexed figure.Panels do
                let rings = TestHelpers.markers panel ScottPlot.MarkerShape.OpenCircle ScottPlot.Colors.Black
                let first = (if space = "x-space" then runs.[0].Trajectory else runs.[0].Outputs).[0]
                // One ring, at iteration 0 and the runs' shared start in this component.
                Assert.Equal<(float * float) list>([ 0.0, first.[j] ], rings |> List.map (fun c -> c.X, c.Y))
