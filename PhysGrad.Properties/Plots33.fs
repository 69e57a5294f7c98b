/// Plot faults (33): an exploding run was drawn in the x- and y-space plots (planes and component panels) only up to
/// where it left the range of the runs that do not explode, taken without it, while the loss plot let that range grow by
/// half to hold its first steps. gd at η = 0.55 on (x0, 2·x1), whose x1 swings 2.2, −0.44, 2.73, −1.07 about 1 before it
/// leaves, was cut after its start in both planes; on (x0, 2·x1, x2) gd's x0 and x2, which settle at 1, were crossed
/// off their panels as if they left, and the entry said "off the plot" of the whole stack. Now every plot holds an
/// exploding run's points until it leaves the others' range grown by half (ExplodingReach), crosses it there and says
/// which panels it leaves; the heat map's note names the range its colours are set by.
module PhysGrad.Properties.Plots33

open System
open Xunit
open FsCheck
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

// The figures of a comparison, and a figure's or legend entry's lookup: Plots31's.
open PhysGrad.Properties.Plots31

/// A run's drawn curve in a panel: the points of its scatter lines (the kept part of an exploding run is one line).
let private curveOf (plot: ScottPlot.Plot) (color: ScottPlot.Color) =
    plot.GetPlottables()
    |> Seq.collect (function
        | :? ScottPlot.Plottables.Scatter as s when s.Color = color -> s.Data.GetScatterPoints() |> Seq.map (fun c -> c.X, c.Y)
        | _ -> Seq.empty)
    |> Array.ofSeq

/// The plotted range's edges where a cut run is crossed: the inner edges of the shaded margins (top, bottom, and
/// left, right in a plane), from the shaded rectangles.
let private shadedEdges (plot: ScottPlot.Plot) =
    plot.GetPlottables()
    |> Seq.collect (function
        | :? ScottPlot.Plottables.Rectangle as r when r.FillColor.A < 80uy ->
            let c = r.CoordinateRect
            [ c.Bottom; c.Top; c.Left; c.Right ]
        | _ -> [])
    |> Array.ofSeq

/// Whether point c lies on the segment from p to q (within a relative 1E-9), strictly after p.
let private onSegment (px: float, py: float) (qx: float, qy: float) (c: ScottPlot.Coordinates) =
    let s = if abs (qy - py) >= abs (qx - px) then (c.Y - py) / (qy - py) else (c.X - px) / (qx - px)
    let near a b = abs (a - b) <= 1e-9 * (1.0 + abs a + abs b)
    s > 0.0 && s <= 1.0 && near c.X (px + s * (qx - px)) && near c.Y (py + s * (qy - py))

let private gdAt eta = struct (Method.GradientDescent, eta)

/// gd at η = 0.55 beside newton at η = 1.9 (swinging 0, 1.9, 0.19, … to x* = (1, 1)) and pg: gd's x1 swings about 1
/// by −1.2 a step (0, 2.2, −0.44, 2.73, −1.07, 3.49, …) until it diverges, its x0 settles at 1.
let private slow (simulator: string) (target: float[]) iterations =
    build (PhysicsProblem.FromText(simulator, target, Array.zeroCreate target.Length))
        [| gdAt 0.55; struct (Method.Newton, 1.9); struct (Method.PhysicalGradient, 0.3) |] iterations

/// The checks of a cut run in a panel: its curve is exactly its first `kept` points, and its one cross lies on the
/// segment to its next point, on an edge of the shaded range, inside the axes.
let private drawnToItsExit (plot: ScottPlot.Plot) (color: ScottPlot.Color) (points: (float * float)[]) kept =
    let curve = curveOf plot color
    Assert.Equal<(float * float)[]>(points.[.. kept - 1], curve)
    let cross = TestHelpers.markers plot ScottPlot.MarkerShape.Eks color |> List.exactlyOne
    Assert.True(onSegment points.[kept - 1] points.[kept] cross, sprintf "cross %O, segment %A → %A" cross points.[kept - 1] points.[kept])
    Assert.Contains(shadedEdges plot, fun e -> abs (e - cross.Y) < 1e-9 * (1.0 + abs e) || abs (e - cross.X) < 1e-9 * (1.0 + abs e))
    let limits = plot.Axes.GetLimits()
    Assert.True(limits.Left < cross.X && cross.X < limits.Right && limits.Bottom < cross.Y && cross.Y < limits.Top, sprintf "cross %O in %O" cross limits)

// ---- 1. the planes: drawn up to where it leaves the others' range grown by half ----------------------------------

[<Fact>]
let ``gd swinging out on (x0, 2·x1) is drawn in both planes up to its 5th step, crossed where that step leaves`` () =
    let runs, figures = slow "x0; 2*x1" [| 1.0; 2.0 |] 50
    let gd = runs.[0]
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    let color = (TrajectoryPlots.ColorsOf runs).[0]
    for space, points in [ "x-space", gd.Trajectory; "y-space", gd.Outputs ] do
        let plot = (named figures space).Panels.[0]
        let xy = points |> Seq.map (fun p -> p.[0], p.[1]) |> Array.ofSeq
        // The case: x1 (y1 = 2·x1) at 2.2, −0.44, 2.73, −1.07 (times 2 in y), each within the others' 0 … 1.9 grown by
        // half, then 3.49, beyond it. It was cut after its start (the range of newton and pg alone ends at 2.01).
        let scale = if space = "x-space" then 1.0 else 2.0
        Assert.Equal<float[]>([| 0.0; 2.2; -0.44; 2.728; -1.0736; 3.48832 |] |> Array.map ((*) scale), xy.[.. 5] |> Array.map (snd >> fun v -> Math.Round(v, 6)))
        drawnToItsExit plot color xy 5
        Assert.Equal(sprintf "gd (η = 0.55), diverged at iteration %d, off the plot between iterations 4 and 5" gd.Exit.Iteration, entryOf plot "gd")
        // The runs that do not explode fill at least a third of each axis (half of the range, less its margins).
        let others = runs.[1..] |> Seq.collect (fun r -> if space = "x-space" then r.Trajectory else r.Outputs) |> Array.ofSeq
        let limits = plot.Axes.GetLimits()
        for j, lo, hi in [ 0, limits.Left, limits.Right; 1, limits.Bottom, limits.Top ] do
            let values = others |> Array.map (fun p -> p.[j])
            Assert.True((Array.max values - Array.min values) / (hi - lo) > 1.0 / 3.0, sprintf "%s axis %d: %g … %g" space j lo hi)

[<Fact>]
let ``gd thrown to x1 = 2.4 at its first step on (x0, 2·x1) is still cut between iterations 0 and 1`` () =
    // The others span x1 = 0 … 0.5: 2.4 lies beyond that range grown by half, so the plane crosses gd on its first step.
    let runs, figures = build (PhysicsProblem.FromText("x0; 2*x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])) [| gdAt 1.2; struct (Method.Newton, 1.0); struct (Method.PhysicalGradient, 0.3) |] 10
    let gd = runs.[0]
    let color = (TrajectoryPlots.ColorsOf runs).[0]
    for space, points in [ "x-space", gd.Trajectory; "y-space", gd.Outputs ] do
        let plot = (named figures space).Panels.[0]
        drawnToItsExit plot color (points |> Seq.map (fun p -> p.[0], p.[1]) |> Array.ofSeq) 1
        Assert.EndsWith("off the plot between iterations 0 and 1", entryOf plot "gd")

// ---- 2. panels against the iteration -----------------------------------------------------------------------------

[<Fact>]
let ``gd on (x0, 2·x1, x2) is drawn whole in the x0 and x2 panels where it settles, and crossed in x1 alone`` () =
    let runs, figures = build (PhysicsProblem.FromText("x0; 2*x1; x2", [| 1.0; 1.0; 1.0 |], [| 0.0; 0.0; 0.0 |])) [| gdAt 1.2; struct (Method.Newton, 1.0); struct (Method.PhysicalGradient, 0.3) |] 10
    let gd = runs.[0]
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    let color = (TrajectoryPlots.ColorsOf runs).[0]
    for space, points in [ "x-space", gd.Trajectory; "y-space", gd.Outputs ] do
        let figure = named figures space
        let against j = points |> Seq.mapi (fun k p -> float k, p.[j]) |> Array.ofSeq
        for j in [ 0; 2 ] do
            // x0 = 1.2, 0.96, 1.008, … settles at 1: every point drawn, no cross (it was crossed at the top between 0 and 1).
            Assert.Equal<(float * float)[]>(against j, curveOf figure.Panels.[j] color)
            Assert.Empty(TestHelpers.markers figure.Panels.[j] ScottPlot.MarkerShape.Eks color)
        // x1 = 2.4 at iteration 1, beyond the others' 0 … 0.5 grown by half: cut and crossed there.
        drawnToItsExit figure.Panels.[1] color (against 1) 1
        // The entry names the one panel it leaves (it said "off the plot", read of every panel).
        let name = if space = "x-space" then "x1" else "y1"
        Assert.Equal(sprintf "gd (η = 1.2), diverged at iteration %d, off the %s panel between iterations 0 and 1" gd.Exit.Iteration name, entryOf figure.Panels.[0] "gd")

[<Fact>]
let ``a 1-variable problem draws gd's swing against the iteration in x and y up to its exit, the legend beside the data`` () =
    let runs, figures = slow "2*x0" [| 2.0 |] 50
    let gd = runs.[0]
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    let color = (TrajectoryPlots.ColorsOf runs).[0]
    for space, points in [ "x-space", gd.Trajectory; "y-space", gd.Outputs ] do
        let figure = named figures space
        let plot = figure.Panels |> Seq.exactlyOne
        Assert.Equal("iteration", plot.Axes.Bottom.Label.Text)
        // x0 at 0, 2.2, −0.44, 2.73, −1.07, then 3.49 beyond 0 … 1.9 grown by half: drawn to iteration 4, crossed on the 5th step.
        drawnToItsExit plot color (points |> Seq.mapi (fun k p -> float k, p.[0]) |> Array.ofSeq) 5
        Assert.Equal(sprintf "gd (η = 0.55), diverged at iteration %d, off the plot between iterations 4 and 5" gd.Exit.Iteration, entryOf plot "gd")
        // The legend lies right of the data area, inside the image: never over the curves or the target.
        TrajectoryPlots.Render figure |> ignore
        let layout = plot.RenderManager.LastRender.Layout
        let legend = TestHelpers.rendered (fun () -> plot.Legend.GetImage())
        Assert.True(layout.DataRect.Right + float32 legend.Width <= float32 figure.Width, sprintf "%s: data right %g + legend %d > %d" space layout.DataRect.Right legend.Width figure.Width)

// ---- 3. nothing changes where no run explodes ------------------------------------------------------------------

[<Fact>]
let ``newton and pg alone are drawn as beside the exploding gd, with no cross, shading or cut in their entries`` () =
    let problem = PhysicsProblem.FromText("x0; 2*x1", [| 1.0; 2.0 |], [| 0.0; 0.0 |])
    let methods = [| struct (Method.Newton, 1.9); struct (Method.PhysicalGradient, 0.3) |]
    let alone, figures = build problem methods 50
    let withGd, besideGd = build problem (Array.append [| gdAt 0.55 |] methods) 50
    Assert.Equal(StopReason.Diverged, withGd.[0].StopReason)
    let colours = TrajectoryPlots.ColorsOf alone
    for space in [ "x-space"; "y-space"; "loss" ] do
        let plot = (named figures space).Panels.[0]
        let beside = (named besideGd space).Panels.[0]
        Assert.Empty(shadedEdges plot)
        for i, r in Seq.indexed alone do
            Assert.Equal<(float * float)[]>(curveOf beside colours.[i], curveOf plot colours.[i])
            Assert.Empty(TestHelpers.markers plot ScottPlot.MarkerShape.Eks colours.[i])
            Assert.DoesNotContain("off the plot", entryOf plot r.Name)

[<Property(MaxTest = 60)>]
let ``without an exploding run the room changes no plotted range`` (seed: int) =
    let rng = Random(seed)
    let curve () = Array.init (1 + rng.Next 8) (fun _ -> struct (rng.NextDouble() * 10.0 - 5.0, rng.NextDouble() * 10.0 - 5.0))
    let curves = Array.init (1 + rng.Next 4) (fun _ -> curve ())
    let exploding = Array.create curves.Length false
    let plain = TrajectoryPlots.PlotBox(exploding, curves, Nullable(), 1.0, null, Nullable 1.0)
    plain = TrajectoryPlots.PlotBox(exploding, curves, Nullable(), 1.0, null, Nullable 1.0, TrajectoryPlots.ExplodingRoom, true)

[<Fact>]
let ``ExplodingReach on a plane stops at the first point beyond the grown range along X as well`` () =
    let line (ps: (float * float) list) = ps |> List.map (fun (x, y) -> struct (x, y)) |> Array.ofList
    // The others' box 0 … 1 both ways, room 0.5: −0.5 … 1.5. (1.4, 1.2) is inside; (2.0, 0.5) beyond along X only.
    let curves = [| line [ 0.0, 0.0; 1.4, 1.2; 2.0, 0.5; 0.5, 0.5 ]; line [ 0.0, 0.0; 1.0, 1.0 ] |]
    let exploding = [| true; false |]
    let others = TrajectoryPlots.Box(0.0, 1.0, 0.0, 1.0)
    let reach alongX = TrajectoryPlots.ExplodingReach(exploding, curves, others, 0.5, alongX) |> Seq.map (fun struct (x, y) -> x, y) |> List.ofSeq
    Assert.Equal<(float * float) list>([ 0.0, 0.0; 1.4, 1.2 ], reach true)
    // Against the iteration X is no extent: the same curve is kept to its end.
    Assert.Equal<(float * float) list>([ 0.0, 0.0; 1.4, 1.2; 2.0, 0.5; 0.5, 0.5 ], reach false)

// ---- 4. the heat map names its colour range exactly ----------------------------------------------------------------

let private synthetic (name: string) (target: float[]) (points: float[][]) (diverged: bool) =
    let losses = points |> Array.map (fun p -> 0.5 * Array.fold2 (fun s a b -> s + (a - b) * (a - b)) 0.0 p target)
    let reason = if diverged then StopReason.Diverged else StopReason.IterationLimit
    OptimizerRun(name, 0.1, points, points, losses, ExitReason(reason, points.Length - 1, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

[<Fact>]
let ``a diverged run's heat map says its colours saturate beyond the range of the runs that do not explode and of x*`` () =
    let target = [| 1.0; 2.0; 3.0; 4.0 |]
    let start = Array.zeroCreate 4
    let pg = synthetic "pg" target [| start; target |] false
    let gd = synthetic "gd" target [| start; Array.create 4 10.0; Array.create 4 1e300 |] true
    let gd2 = synthetic "gd" target [| start; Array.create 4 -10.0; Array.create 4 -1e300 |] true
    let title (runs: OptimizerRun[]) target file =
        FieldPlots.Plots(runs, [| 2; 2 |], target) |> Seq.pick (fun struct (f, p) -> if f = file then Some(p.Axes.Title.Label.Text.Replace('\n', ' ')) else None)
    // The range is pg's last field and x*, not "the other runs'": gd-2 is another run, and it sets nothing.
    let said = title [| pg; gd; gd2 |] target "field-gd.png"
    Assert.Contains("(colours saturate beyond the range of the last x of the runs that do not explode and of x*)", said)
    Assert.DoesNotContain("other runs", said)
    Assert.EndsWith("the runs that do not explode)", title [| pg; gd |] null "field-gd.png")
    // Where every run explodes the range holds their own fields: nothing saturates, and nothing is said.
    Assert.DoesNotContain("saturate", title [| gd; gd2 |] target "field-gd.png")
    Assert.DoesNotContain("saturate", title [| pg; gd |] target "field-pg.png")
