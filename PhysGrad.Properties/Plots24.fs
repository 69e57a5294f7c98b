/// Plots that never mislead (issue 12, item 4), the faults of a new user's trial: heat1d-inverse's x0 panel
/// spread Newton's 6E-13 of rounding over its whole height; a stacked panel's axis label ran past its data
/// area; train drew a run of one step as a bare segment without markers; a repeated method's spare colour
/// lay 20 to 23 (CIEDE2000) from another method's in the same plot and was read as that method's.
module PhysGrad.Properties.Plots24

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

let private runsOf (comparison: Comparison) = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq

let private figureOf (problem: PhysicsProblem) (comparison: Comparison) name =
    TrajectoryPlots.Figures(runsOf comparison, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = name)

/// Renders a figure as the CLI does (a stack as one multiplot), so each panel's last render holds its layout.
let private render (figure: TrajectoryPlots.Figure) = TestHelpers.rendered (fun () -> TrajectoryPlots.Render figure) |> ignore

let private labelOf (panel: ScottPlot.Plot) = panel.Axes.Left.Label.Text.Replace('\n', ' ')

// ---- a component that moves by rounding only is drawn flat, at the problem's scale ----

/// heat1d-inverse (64 cells): x*₀ = sin 0 = 0 and the start is 0, while other cells reach 2. Newton's dense
/// solve leaves x0 at values of order 1E-14 … 1E-12, more than the tables' noise ratio 2⁻⁴² of the problem's
/// scale (so not "rounding only" by that rule) but under 10⁻⁹ of it: the panel was scaled to them, ticks at
/// 2E-13, as if cell 0 moved as much as the others. Its range is now at least a tenth of the problem's scale
/// and the label names the spread it flattens.
[<Fact>]
let ``a component without a magnitude of its own is drawn flat at the problem's scale, its spread named`` () =
    let problem = ReferenceProblems.Create("heat1d-inverse", 64)
    let comparison = problem.CompareMethods(MethodCatalog.Parse "newton", 10)
    let run = (runsOf comparison).[0]
    let target = comparison.Target.X
    let scale = Seq.append target (run.Trajectory.[0]) |> Seq.map abs |> Seq.max
    let x0 = run.Trajectory |> Seq.map (fun p -> p.[0]) |> Array.ofSeq
    let spread = Array.max x0 - Array.min x0
    // The premise: x0 starts at 0 with x* = 0, and Newton moves it by more than rounding's 2⁻⁴² of the scale
    // and less than 10⁻⁹ of it.
    Assert.Equal(0.0, x0.[0])
    Assert.Equal(0.0, target.[0])
    Assert.True(scale > 1.0, sprintf "scale %g" scale)
    Assert.True(x0 |> Array.exists (fun v -> abs v > NumberText.NoiseRatio * scale), sprintf "x0 = %A" x0)
    Assert.True(spread < 1e-9 * scale, sprintf "x0 spread %g" spread)
    let figure = figureOf problem comparison "x-space"
    render figure
    let panel = figure.Panels |> Seq.find (fun p -> (labelOf p).StartsWith "x0")
    let limits = panel.RenderManager.LastRender.AxisLimits
    Assert.True(limits.Top - limits.Bottom >= 0.1 * scale, sprintf "x0's axis %g … %g against the scale %g" limits.Bottom limits.Top scale)
    Assert.True(limits.Bottom < Array.min x0 && Array.max x0 < limits.Top)
    Assert.Equal(sprintf "x0 (flat: spread %s)" (NumberText.Short(spread, 2)), labelOf panel)
    // A component that moves keeps its own axis: x1 spans its values, not the problem's scale.
    let x1 = figure.Panels |> Seq.find (fun p -> labelOf p = "x1")
    let l1 = x1.RenderManager.LastRender.AxisLimits
    let x1Values = run.Trajectory |> Seq.map (fun p -> p.[1]) |> Seq.append [ target.[1] ] |> Array.ofSeq
    Assert.True(l1.Top - l1.Bottom < 2.0 * (Array.max x1Values - Array.min x1Values))

// ---- a stacked panel's axis label fits its data area ----

/// The length of a vertical axis label along its axis, in pixels, as ScottPlot measures it.
let private labelLength (panel: ScottPlot.Plot) =
    TestHelpers.rendered (fun () ->
        use paint = ScottPlot.Paint.NewDisposablePaint()
        let label = panel.Axes.Left.Label
        label.Measure(label.Text, paint).Width)

/// heat1d-inverse with 1024 cells: y0 is rounding only, "y0 (flat: rounding only)", longer in its 16-pixel
/// bold font than the first panel's 148-pixel data area (the two-line title takes its top): it ran up into the
/// title. Every stacked panel's label now lies within its data area's height.
[<Fact>]
let ``every stacked panel's axis label fits along its data area`` () =
    let problem = ReferenceProblems.Create("heat1d-inverse", 1024)
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:1,pg", 3)
    for name in [ "x-space"; "y-space" ] do
        let figure = figureOf problem comparison name
        render figure
        Assert.True(figure.Panels.Count > 1)
        for panel in figure.Panels do
            let room = panel.RenderManager.LastRender.DataRect.Height
            Assert.True(labelLength panel <= room, sprintf "%s: '%s' is %.0f pixels along a data area %.0f high" name (labelOf panel) (labelLength panel) room)
    // The premise: the rounding-only label is there, whole (broken over two lines, not cut to its name).
    let y = figureOf problem comparison "y-space"
    Assert.Equal("y0 (flat: rounding only)", labelOf y.Panels.[0])

/// FitAxisLabel keeps a label that fits, breaks a long one before its parenthesis, shrinks the font only as
/// far as needed, and cuts to the name only where nothing else fits.
[<Property(MaxTest = 60)>]
let ``a fitted label is its text, whole or broken before the parenthesis, within the room`` (roomSeed: PositiveInt) =
    let room = float32 (40 + roomSeed.Get % 300)
    let label = ScottPlot.LabelStyle(Text = "x12 (flat: rounding only)", FontSize = 16f, Bold = true)
    TestHelpers.rendered (fun () -> TrajectoryPlots.FitAxisLabel(label, room))
    let length = TestHelpers.rendered (fun () ->
        use paint = ScottPlot.Paint.NewDisposablePaint()
        label.Measure(label.Text, paint).Width)
    let whole = label.Text.Replace('\n', ' ') = "x12 (flat: rounding only)"
    (label.Text = "x12" || (whole && length <= room && label.FontSize >= TrajectoryPlots.MinLabelFont))
    |> Prop.label (sprintf "room %.0f: '%s' at %.0f pixels, font %.0f" room label.Text length label.FontSize)

// ---- train: short curves have markers ----

let private history (method: TrainingMethod) (rate: float) (losses: float list) =
    let points = losses |> List.mapi (fun k l -> TrainingPoint(k, 0.01 * float k, l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, rate, 256), 1, points, 0L, false)

let private plotOf name (plots: Collections.Generic.IReadOnlyList<struct (string * ScottPlot.Plot)>) =
    plots |> Seq.pick (fun struct (n, p) -> if n = name then Some p else None)

/// train --steps 1 records two points per run (steps 0 and 1): drawn as a line alone, Adam's near-flat
/// segment was a bare stroke, its two values unmarked. Each run's points now carry markers in its own
/// shape, and the legend shows the shape.
[<Fact>]
let ``train marks every point of a short curve, each method in its own shape`` () =
    let runs =
        [| history TrainingMethod.Adam 0.01 [ 0.474; 0.470 ]
           history TrainingMethod.Hig 0.1 [ 0.474; 4.68 ]
           history TrainingMethod.GaussNewton 0.1 [ 0.474; 0.3 ] |]
    let plot = Training.Plots(runs, "one step") |> plotOf "loss-steps"
    let colours = plot.Legend.ManualItems |> Seq.map (fun i -> i.LineColor) |> Array.ofSeq
    let markers =
        plot.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.Markers as m -> Some m | _ -> None) |> List.ofSeq
    for g in 0 .. runs.Length - 1 do
        let mine = markers |> List.filter (fun m -> m.Color = colours.[g])
        let xs = mine |> List.collect (fun m -> m.Data.GetScatterPoints() |> Seq.map (fun p -> p.X) |> List.ofSeq) |> List.sort
        // The start the methods share is marked once, on top (Api27), not by each method.
        Assert.Equal<float list>([ 1.0 ], xs)
        let item = plot.Legend.ManualItems.[g]
        Assert.Equal(mine.Head.MarkerShape, item.MarkerShape)
        Assert.True(item.MarkerSize > 0f)
    let shapes = plot.Legend.ManualItems |> Seq.take runs.Length |> Seq.map (fun i -> i.MarkerShape) |> Seq.distinct |> Seq.length
    Assert.Equal(runs.Length, shapes)


/// A long curve is marked on about a dozen points, not on every one (which would draw a solid band of markers).
[<Property>]
let ``a curve is marked on every point up to 60 and on about a dozen beyond`` (length: PositiveInt) (k: NonNegativeInt) (count: PositiveInt) =
    let n, count = length.Get % 5000, 1 + count.Get % 12
    let k = k.Get % count
    let marked = TrajectoryPlots.MarkedPoints(n, k, count)
    let inside = marked |> Array.forall (fun i -> i >= 0 && i < n) && (marked |> Array.pairwise |> Array.forall (fun (a, b) -> a < b))
    let amount = if n <= TrajectoryPlots.MarkEveryPointUpTo then marked.Length = n else marked.Length >= 12 && marked.Length <= 13
    (inside && amount) |> Prop.label (sprintf "n = %d, curve %d of %d: %d marked" n k count marked.Length)

// ---- colours: a repeat's colour is clearly apart from the plot's others ----

let private methods = Enum.GetValues<Method>() |> Array.distinct

/// Lists of up to four methods, with repeats (a method again at another step size): every repeat's colour
/// differs by at least MinColourDifference from every other colour of the list, and no two are equal.
/// Before, a repeat took the spare its label asked for whatever ran beside it: gd:0.01's wine red 22 from
/// Adam's purple, gd:0.1's teal 21 from HIG's cyan.
[<Property(MaxTest = 300)>]
let ``a repeated method's colour is clearly apart from every other colour of its plot`` (picks: NonNegativeInt list) (rates: PositiveInt list) =
    let picks = picks |> List.truncate 4 |> List.map (fun p -> methods.[p.Get % methods.Length])
    let rates = Seq.append (rates |> Seq.map (fun r -> r.Get)) (Seq.initInfinite id) |> Seq.take picks.Length |> Array.ofSeq
    let own = picks |> List.map TrajectoryPlots.ColorOf |> Array.ofList
    let labels = picks |> List.mapi (fun i m -> sprintf "%s:%d" (MethodCatalog.NameOf m) (i + 100 * rates.[i])) |> Array.ofList
    let colours = TrajectoryPlots.Distinct(own, labels)
    let repeat i = Array.IndexOf(own, own.[i]) <> i
    let failures =
        [ for i in 0 .. colours.Length - 1 do
              for j in 0 .. colours.Length - 1 do
                  if i <> j then
                      let d = TrajectoryPlots.ColourDifference(colours.[i], colours.[j])
                      if d = 0.0 || (repeat i && d < TrajectoryPlots.MinColourDifference) then
                          yield sprintf "%s and %s: ΔE00 %.1f" labels.[i] labels.[j] d ]
    List.isEmpty failures |> Prop.label (String.Join("; ", failures))

/// The trial's train command: gd:0.1, gd:0.01 and Adam. gd:0.01's colour lay 22 from Adam's and its line
/// read as Adam's; now every two groups differ by at least MinColourDifference or are methods' own colours,
/// and a group has one colour in both of train's plots.
[<Fact>]
let ``train's second gd is clearly apart from Adam, in both its plots`` () =
    let runs =
        [| history TrainingMethod.GradientDescent 0.1 [ 0.5; 0.4; 0.3 ]
           history TrainingMethod.GradientDescent 0.01 [ 0.5; 0.45; 0.44 ]
           history TrainingMethod.Adam 0.01 [ 0.5; 0.3; 0.2 ] |]
    let plots = Training.Plots(runs, "three")
    let coloursIn name = (plotOf name plots).Legend.ManualItems |> Seq.map (fun i -> i.LineColor) |> Array.ofSeq
    let steps = coloursIn "loss-steps"
    Assert.Equal<ScottPlot.Color[]>(steps, coloursIn "loss-time")
    Assert.Equal(Training.ColorOf TrainingMethod.GradientDescent, steps.[0])
    Assert.Equal(Training.ColorOf TrainingMethod.Adam, steps.[2])
    for j in [ 0; 2 ] do
        let d = TrajectoryPlots.ColourDifference(steps.[1], steps.[j])
        Assert.True(d >= TrajectoryPlots.MinColourDifference, sprintf "gd:0.01 and entry %d: ΔE00 %.1f" j d)

/// The product's CIEDE2000 reproduces Sharma, Wu and Dalal's published differences (2005, table 1: pairs
/// 1, 7, 13 and 17), is symmetric, 0 for equal colours and 100 from black to white.
[<Fact>]
let ``the product's colour difference is CIEDE2000`` () =
    let d (p: float * float * float) (q: float * float * float) =
        let struct (l1, a1, b1), struct (l2, a2, b2) = (let (x, y, z) = p in struct (x, y, z)), (let (x, y, z) = q in struct (x, y, z))
        TrajectoryPlots.ColourDifference(struct (l1, a1, b1), struct (l2, a2, b2))
    Assert.Equal(2.0425, d (50.0, 2.6772, -79.7751) (50.0, 0.0, -82.7485), 4)
    Assert.Equal(2.3669, d (50.0, 0.0, 0.0) (50.0, -1.0, 2.0), 4)
    Assert.Equal(1.0, d (50.0, 2.5, 0.0) (50.0, 3.1736, 0.5854), 4)
    Assert.Equal(27.1492, d (50.0, 2.5, 0.0) (73.0, 25.0, -18.0), 4)
    let black, white = ScottPlot.Colors.Black, ScottPlot.Colors.White
    Assert.Equal(0.0, TrajectoryPlots.ColourDifference(white, white))
    Assert.Equal(100.0, TrajectoryPlots.ColourDifference(black, white), 2)
    let gd, adam = TrajectoryPlots.ColorOf Method.GradientDescent, TrajectoryPlots.ColorOf Method.Adam
    Assert.Equal(TrajectoryPlots.ColourDifference(gd, adam), TrajectoryPlots.ColourDifference(adam, gd), 12)
