/// Plots that never mislead (issue 12, item 4), faults of train's plots from a new-user trial: the oscillators'
/// caption with 2 seeds started at x = −1 px, cut at the image's edge, and called the mean of two seeds "median of
/// 2 seeds (mean of the middle two)"; train's coinciding median lines (Adam's flat median under GD's on the HIG
/// toy) hid each other's markers with no word in the legend; in crowded compare plots open markers (IG's
/// triangles) vanished under the lines drawn after them.
module PhysGrad.Properties.Plots26b

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

// ---- 1. titles: said plainly, and never cut at the image's edge ----

[<Fact>]
let ``a line of seeds is called the mean of two, the median of an odd count, the mean of the middle two of a larger even count`` () =
    Assert.Equal("mean of 2 seeds", Training.MedianOf 2)
    Assert.Equal("median of 3 seeds", Training.MedianOf 3)
    Assert.Equal("median of 4 seeds (mean of the middle two)", Training.MedianOf 4)
    Assert.Equal("median of 5 seeds", Training.MedianOf 5)

/// Each line of a plot's title as last drawn: its left and right edge (pixels) against the figure's, measured
/// in the title's font by ScottPlot's own text measurement, centred over the data area as ScottPlot draws it.
let private titleExtents (plot: ScottPlot.Plot) =
    TestHelpers.rendered (fun () ->
        use paint = ScottPlot.Paint.NewDisposablePaint()
        let render = plot.RenderManager.LastRender
        let label = plot.Axes.Title.Label
        let centre = render.DataRect.HorizontalCenter
        [ for line in label.Text.Split('\n') do
            let w = label.Measure(line, paint).Width
            yield line, centre - w / 2f, centre + w / 2f, render.FigureRect ])

let private assertTitleInside (what: string) (plot: ScottPlot.Plot) =
    for line, left, right, figure in titleExtents plot do
        Assert.True(left >= figure.Left && right <= figure.Right,
                    sprintf "%s: '%s' spans %.1f … %.1f px in a figure %.0f … %.0f" what line left right figure.Left figure.Right)

/// The oscillators' title, as train gives it (the example's description).
let private oscillatorsTitle = (Training.Example "oscillators").Description

/// Two or three seeds of a method: the loss at steps 0, 10, … (0.01 s per step), seed s a little above or below.
let private seeds (count: int) (method: TrainingMethod) (rate: float) (losses: float list) =
    [ for s in 1 .. count ->
        let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l * (1.0 + 0.1 * float (s - 2)), nan)) |> Array.ofList
        TrainingHistory(TrainingSettings(method, rate, 256), s, points, 0L, false) ]

[<Fact>]
let ``train's oscillators plot with two seeds keeps its title inside the image, every word of it`` () =
    // The trial's plot: three methods of two seeds each, a legend whose SIP entry widens it, the data area left of it.
    let runs =
        [| yield! seeds 2 TrainingMethod.Hig 0.15 [ 0.5; 0.03; 0.003; 0.0007 ]
           yield! seeds 2 TrainingMethod.Adam 0.001 [ 0.5; 0.2; 0.14; 0.11 ]
           yield! seeds 2 TrainingMethod.SipInverseGradient 0.001 [ 0.5; 0.21; 0.15; 0.12 ] |]
    for struct (name, plot) in Training.Plots(runs, oscillatorsTitle) do
        let source = plot.Axes.Title.Label.Text
        Assert.Contains("per method: mean of 2 seeds (line)", source.Replace('\n', ' '))
        let struct (width, height) = Training.SizeOf plot
        TestHelpers.rendered (fun () -> plot.GetImage(width, height)) |> ignore
        assertTitleInside name plot
        // Nothing is lost: the lines drawn are the title's words in order.
        Assert.Equal(source.Replace('\n', ' '), plot.Axes.Title.Label.Text.Replace('\n', ' '))

[<Property(MaxTest = 12)>]
let ``train's and compare's titles fit inside the image at any width`` (widthSeed: PositiveInt) =
    let width = 360 + widthSeed.Get % 1000
    // train: a long title and a caption, at this width.
    let runs = [| yield! seeds 3 TrainingMethod.Adam 0.01 [ 1.0; 0.5; 0.3 ]; yield! seeds 3 TrainingMethod.GaussNewton 0.1 [ 1.0; 0.1; 0.01 ] |]
    let long = oscillatorsTitle + ", evaluated on 4,096 fixed states of two coupled oscillators after 24 RK4 steps of 0.5 s"
    let struct (_, trainPlot) = Training.Plots(runs, long).[0]
    let source = trainPlot.Axes.Title.Label.Text.Replace('\n', ' ')
    TestHelpers.rendered (fun () -> trainPlot.GetImage(width, 560)) |> ignore
    assertTitleInside (sprintf "train at %d px" width) trainPlot
    Assert.Equal(source, trainPlot.Axes.Title.Label.Text.Replace('\n', ' '))
    // compare: the loss plot of a problem named by its formula, at this width.
    let problem = PhysicsProblem.FromText("x0*x1 + sin(x0); x1^2 - cos(x0*x1); exp(-x0) + x1", [| 1.0; 1.0; 1.0 |], [| 0.5; 0.5 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.1,gn:0.3", 5)
    let compareRuns = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    for figure in TrajectoryPlots.Figures(compareRuns, problem.Definition, comparison.Target) do
        let panel = figure.Panels.[0]
        TestHelpers.rendered (fun () -> panel.GetImage(width, 560)) |> ignore
        assertTitleInside (sprintf "compare's %s at %d px" figure.Name width) panel
    true

[<Fact>]
let ``a stacked figure's title fits inside the image in the lines its fixed top holds`` () =
    // Three variables: x-space is a stack of three panels; the first panel's title names the components and the problem.
    let problem = PhysicsProblem.FromText("x0*x1 + sin(x2) + x0^2*x2^2; x1^2 - cos(x0*x1) + x2; exp(-x0) + x1*x2", [| 0.5; 0.5; 0.5 |], [| 1.0; 1.0; 1.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.05,gn:0.3", 5)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    for name in [ "x-space"; "y-space" ] do
        let figure = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = name)
        Assert.True(figure.Panels.Count > 1)
        let panel = figure.Panels.[0]
        let lines = panel.Axes.Title.Label.Text.Split('\n').Length
        TestHelpers.rendered (fun () -> TrajectoryPlots.Render figure) |> ignore
        assertTitleInside name panel
        Assert.True(panel.Axes.Title.Label.Text.Split('\n').Length <= lines)

/// Fit keeps every line within the room, keeps the words in order, and sets the font no smaller than it must.
[<Property(MaxTest = 40)>]
let ``a fitted title's lines each fit the room, its words kept in order`` (roomSeed: PositiveInt) =
    let room = float32 (120 + roomSeed.Get % 900)
    let source = oscillatorsTitle + "\nper method: median of 4 seeds (mean of the middle two) (line), least to largest (band)"
    TestHelpers.rendered (fun () ->
        let label = ScottPlot.LabelStyle(Text = source, FontSize = 16f, Bold = true)
        let struct (text, size) = TitleFit.Fit(label, source, 16f, room)
        label.FontSize <- size
        use paint = ScottPlot.Paint.NewDisposablePaint()
        let widths = text.Split('\n') |> Array.map (fun l -> label.Measure(l, paint).Width)
        Assert.True(widths |> Array.forall (fun w -> w <= room), sprintf "room %.0f: %A at %.0f" room widths size)
        Assert.Equal(source.Replace('\n', ' '), text.Replace('\n', ' '))
        Assert.True(size >= TitleFit.MinFont && size <= 16f))
    true

// ---- 2. train's coinciding lines: styled apart and named ----

let private entries (plot: ScottPlot.Plot) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq

let private entryOf (plot: ScottPlot.Plot) (start: string) =
    plot.Legend.ManualItems |> Seq.find (fun i -> i.LabelText.StartsWith(start + " "))

/// The x values of the markers drawn on the curves in a colour.
let private markerXs (plot: ScottPlot.Plot) (colour: ScottPlot.Color) =
    plot.GetPlottables()
    |> Seq.choose (function :? ScottPlot.Plottables.Markers as m when m.MarkerStyle.LineColor = colour -> Some m | _ -> None)
    |> Seq.collect (fun m -> m.Data.GetScatterPoints() |> Seq.map (fun p -> p.X))
    |> Set.ofSeq

[<Fact>]
let ``train names a median that lies on another's, by the later method, and draws both with their markers apart`` () =
    // Adam and GD flat at 0.46 (within 0.2% of each other), HIG falling three decades; 3 seeds each.
    let runs =
        [| yield! seeds 3 TrainingMethod.Adam 0.01 [ 0.474; 0.458; 0.457; 0.4565; 0.456; 0.4558 ]
           yield! seeds 3 TrainingMethod.GradientDescent 0.1 [ 0.474; 0.459; 0.4575; 0.457; 0.4566; 0.4563 ]
           yield! seeds 3 TrainingMethod.Hig 0.1 [ 0.474; 0.05; 0.01; 0.003; 0.001; 0.0007 ] |]
    for struct (name, plot) in Training.Plots(runs, "HIG toy") do
        let adam, gd, hig = entryOf plot "adam", entryOf plot "gd", entryOf plot "hig"
        Assert.EndsWith("overlaps with adam", gd.LabelText.Replace('\n', ' '))
        Assert.DoesNotContain("overlaps", adam.LabelText)
        Assert.DoesNotContain("overlaps", hig.LabelText)
        // The first of the pair is drawn wider, underneath; the later narrower on top; HIG as a line alone.
        Assert.True(adam.LineWidth > gd.LineWidth, sprintf "%s: adam %.1f, gd %.1f" name adam.LineWidth gd.LineWidth)
        Assert.Equal(2.5f, hig.LineWidth)
        // Each marks its own share of the steps: no x carries both markers.
        let a, g = markerXs plot (Training.ColorOf TrainingMethod.Adam), markerXs plot (Training.ColorOf TrainingMethod.GradientDescent)
        Assert.NotEmpty a
        Assert.NotEmpty g
        Assert.Empty(Set.intersect a g)

[<Fact>]
let ``train says nothing of medians that share only their start or only a converged end`` () =
    let runs =
        [| yield! seeds 3 TrainingMethod.Adam 0.01 [ 1.0; 0.5; 0.25; 0.12; 0.06; 0.03 ]
           yield! seeds 3 TrainingMethod.Hig 0.1 [ 1.0; 0.01; 1e-4; 1e-6; 1e-6; 1e-6 ]
           yield! seeds 3 TrainingMethod.GaussNewton 0.1 [ 1.0; 0.1; 1e-3; 1e-5; 1e-6; 1e-6 ] |]
    for struct (_, plot) in Training.Plots(runs, "t") do
        Assert.DoesNotContain(entries plot, fun l -> l.Contains "overlaps")

[<Fact>]
let ``on the HIG toy Adam's flat median lies under GD's, and GD's entry says so`` () =
    let example = Training.Example "hig-toy"
    let settings = [ TrainingMethod.Adam; TrainingMethod.GradientDescent; TrainingMethod.Hig ] |> List.map example.SettingsFor
    let runs = [| for seed in 1 .. 3 do yield! Training.Run(example, ResizeArray settings, seed, Nullable 200, Nullable()) |]
    let plot = Training.Plots(runs, example.Description) |> Seq.pick (fun struct (n, p) -> if n = "loss-steps" then Some p else None)
    Assert.Contains("overlaps with adam", (entryOf plot "gd").LabelText.Replace('\n', ' '))
    Assert.DoesNotContain("overlaps", (entryOf plot "hig").LabelText)

// ---- 3. markers over every line, open ones on a white centre ----

/// The plottables in drawing order: every run's point markers come after every line.
let private markersAfterLines (what: string) (plot: ScottPlot.Plot) =
    let all = plot.GetPlottables() |> Array.ofSeq
    let lastLine = all |> Array.tryFindIndexBack (fun p -> p :? ScottPlot.Plottables.Scatter)
    let runMarkers = all |> Array.indexed |> Array.filter (fun (_, p) ->
        match p with
        | :? ScottPlot.Plottables.Markers as m -> Array.contains m.MarkerStyle.Shape TrajectoryPlots.MethodShapes
        | _ -> false)
    Assert.NotEmpty runMarkers
    for i, p in runMarkers do
        Assert.True(i > defaultArg lastLine -1, sprintf "%s: markers at %d before the last line at %A" what i lastLine)
        let m = p :?> ScottPlot.Plottables.Markers
        let open' = TrajectoryPlots.FilledTwin m.MarkerStyle.Shape <> ScottPlot.MarkerShape.None
        if open' || TrajectoryPlots.Stroked m.MarkerStyle.Shape then
            Assert.IsType<TrajectoryPlots.OnWhite>(m.MarkerStyle.CustomRenderer) |> ignore

[<Fact>]
let ``compare's and train's run markers are drawn after every line, open and stroked ones on white`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,ig,hig,gn,pg,newton,adam,lm,bfgs", 20)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    for f in TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) do
        markersAfterLines f.Name f.Panels.[0]
    let trainRuns = [| yield! seeds 3 TrainingMethod.Adam 0.01 [ 1.0; 0.5; 0.3 ]; yield! seeds 3 TrainingMethod.Hig 0.1 [ 1.0; 0.1; 0.01 ] |]
    for struct (name, plot) in Training.Plots(trainRuns, "t") do
        markersAfterLines name plot

/// The colour of the pixel at a data point of a plot rendered at 400 × 300.
let private pixelAt (plot: ScottPlot.Plot) (x: float) (y: float) =
    TestHelpers.rendered (fun () ->
        let png = plot.GetImage(400, 300).GetImageBytes(ScottPlot.ImageFormat.Png, 100)
        use bitmap = SkiaSharp.SKBitmap.Decode png
        let px = plot.GetPixel(ScottPlot.Coordinates(x, y))
        bitmap.GetPixel(int (Math.Round(float px.X)), int (Math.Round(float px.Y))))

[<Fact>]
let ``an open marker on a line shows a white centre, not the line through it`` () =
    let build (white: bool) =
        let plot = new ScottPlot.Plot()
        let line = plot.Add.Scatter([| 0.0; 2.0 |], [| 1.0; 1.0 |], ScottPlot.Colors.Black)
        line.LineWidth <- 6f
        line.MarkerSize <- 0f
        let m = plot.Add.Markers([| 1.0 |], [| 1.0 |], ScottPlot.MarkerShape.OpenTriangleUp, 24f, ScottPlot.Colors.Green)
        if white then TrajectoryPlots.WhiteCentre m |> ignore
        plot.Axes.SetLimits(0.0, 2.0, 0.0, 2.0)
        plot
    // Without the white centre the black line runs through the triangle; with it the centre is the background.
    let bare = pixelAt (build false) 1.0 1.0
    Assert.True(bare.Red < 60uy && bare.Green < 60uy && bare.Blue < 60uy, sprintf "premise: %O" bare)
    let white = pixelAt (build true) 1.0 1.0
    Assert.True(white.Red > 240uy && white.Green > 240uy && white.Blue > 240uy, sprintf "centre %O" white)
