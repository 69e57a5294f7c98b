/// Plot and summary faults of issue 12 fixed as kinds, each measured on what is built or written: the
/// subset title is counted from the components drawn, each iteration of a field plot has its own style,
/// data that do not vary get a few round ticks, a one-point run overlaps nothing and shows its marker,
/// and compare lists exactly the files it
/// writes, each PNG with its SVG.
module PhysGrad.Properties.PlotKinds18

open System
open System.IO
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

let private runs (comparison: Comparison) =
    comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq

let private figure (problem: PhysicsProblem) (comparison: Comparison) name =
    TrajectoryPlots.Figures(runs comparison, problem.Definition, comparison.Target)
    |> Seq.find (fun f -> f.Name = name)

/// The labelled major ticks a render at the figure's size draws inside the axis' range.
let private labelled (plot: ScottPlot.Plot) (axis: ScottPlot.IAxis) (width: int) (height: int) =
    TestHelpers.rendered (fun () -> plot.RenderInMemory(width, height)) |> ignore
    let (lo, hi) = (min axis.Min axis.Max, max axis.Min axis.Max)
    let slack = 1e-9 * (hi - lo)
    axis.TickGenerator.Ticks
    |> Array.filter (fun t -> t.IsMajor && not (String.IsNullOrEmpty t.Label) && t.Position >= lo - slack && t.Position <= hi + slack)

// ---- 1. the subset title says what the panels are ----

[<Fact>]
let ``the subset title counts the components its panels draw, and says 'most moved' only of components that moved most`` () =
    // heat1d at n = 64 after 4 steps, and rosenbrock at n = 50 with no step (nothing moves).
    for name, n, iterations in [ "heat1d", 64, 4; "rosenbrock", 50, 0 ] do
        let problem = ReferenceProblems.Create(name, n)
        let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,pg:0.3", iterations)
        let x = figure problem comparison "x-space"
        let shown =
            x.Panels |> Seq.map (fun p -> int (p.Axes.Left.Label.Text.TrimStart 'x')) |> Array.ofSeq
        let title = x.Panels.[0].Axes.Title.Label.Text
        Assert.Equal(TrajectoryPlots.MaxPanels, shown.Length)
        Assert.Contains(sprintf "%d of %d components" shown.Length n, title)
        // The first three and the last are drawn; the others are the most moved, measured here.
        Assert.Equal<int[]>([| 0; 1; 2 |], shown.[0..2])
        Assert.Equal(n - 1, shown.[shown.Length - 1])
        let moved j =
            runs comparison
            |> Array.map (fun r -> let vs = r.Trajectory |> Seq.map (fun p -> p.[j]) |> Array.ofSeq in Array.max vs - Array.min vs)
            |> Array.max
        let others = shown.[3 .. shown.Length - 2]
        let unchosen = [ 0 .. n - 1 ] |> List.filter (fun j -> not (Array.contains j shown))
        let least = others |> Array.map moved |> Array.min
        Assert.True(unchosen |> List.forall (fun j -> moved j <= least), sprintf "%s: a component not drawn moved more than %g" name least)
        if least > 0.0 then
            Assert.Contains(sprintf "(first 3, last, %d most moved)" others.Length, title)
        else
            // Nothing moved: the rest are taken in order, and the title does not call them the most moved.
            Assert.DoesNotContain("most moved", title)
            Assert.Contains(sprintf "next %d in order" others.Length, title)
            Assert.Equal<int[]>([| 3 .. 2 + others.Length |], others)

// ---- 2. every iteration of a field plot is told apart ----

[<Fact>]
let ``each iteration drawn in a 1-D field plot has its own colour, width and dash pattern, named in the legend`` () =
    let problem = ReferenceProblems.Create("heat1d", 16)
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:1,newton", 9)
    for struct (file, plot) in FieldPlots.Plots(runs comparison, [| 16 |], comparison.Target.X) do
        let items =
            plot.Legend.ManualItems |> Seq.filter (fun i -> i.LabelText.StartsWith "iteration ") |> Array.ofSeq
        // 9 steps: iterations 0, 3, 6 and 9.
        Assert.Equal<string[]>([| "iteration 0"; "iteration 3"; "iteration 6"; "iteration 9" |], items |> Array.map (fun i -> i.LabelText))
        let lines =
            plot.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.Scatter as s when s.LineWidth > 1.0f -> Some s | _ -> None) |> Array.ofSeq
        Assert.Equal(4, lines.Length)
        for a in 0 .. lines.Length - 1 do
            for b in a + 1 .. lines.Length - 1 do
                let (p, q) = (lines.[a], lines.[b])
                // Colours differ in their RGB (not only in opacity, as shades of one colour did).
                let d = sqrt (float ((int p.Color.R - int q.Color.R) * (int p.Color.R - int q.Color.R) + (int p.Color.G - int q.Color.G) * (int p.Color.G - int q.Color.G) + (int p.Color.B - int q.Color.B) * (int p.Color.B - int q.Color.B)))
                Assert.True(d >= 40.0, sprintf "%s: iterations %d and %d have colours %g apart" file a b d)
                Assert.NotEqual<float32>(p.LineWidth, q.LineWidth)
                Assert.NotEqual<string>(p.LinePattern.Name, q.LinePattern.Name)
                Assert.Equal(255uy, p.Color.A)
        // The legend's entries carry the lines' colours.
        Assert.Equal<ScottPlot.Color[]>(lines |> Array.map (fun l -> l.Color), items |> Array.map (fun i -> i.LineColor))

// ---- 3. data that do not vary get sane axes ----

[<Fact>]
let ``runs of one point and a coordinate that never moves get three to five round ticks and whole iteration ticks`` () =
    // rosenbrock with no step: every run is its start (loss 263.78, one point); x0² = 4, x1 = 1 from (1, 1)
    // with gd thrown off by η = 2: x1 stays 1 throughout while x0 is cut at the edge.
    let rosen = ReferenceProblems.Create("rosenbrock", 4)
    let still = rosen.CompareMethods(MethodCatalog.Parse "gd:0.004,newton,hig", 0)
    let flat = PhysicsProblem.FromText("x0^2; x1", [| 4.0; 1.0 |], [| 1.0; 1.0 |])
    let thrown = flat.CompareMethods(MethodCatalog.Parse "gd:2,pg:0.3", 10)
    let cases =
        [ "loss, no step", (figure rosen still "loss").Panels.[0], true
          "x1 never moves", (figure flat thrown "x-space").Panels.[0], false ]
        // x1 and x3 start at x* = 1 (x0 and x2 at −1.2 span to the target and are not flat).
        @ [ for p in (figure rosen still "x-space").Panels do
                if p.Axes.Left.Label.Text = "x1" || p.Axes.Left.Label.Text = "x3" then
                    yield "x-space, no step", p, true ]
    for what, plot, iterationAxis in cases do
        let ticks = labelled plot plot.Axes.Left 800 600
        Assert.InRange(ticks.Length, 3, 5)
        let steps = ticks |> Array.pairwise |> Array.map (fun (a, b) -> b.Position - a.Position)
        // Evenly spaced at a round step (1, 2 or 5 times a power of ten).
        let mantissa = steps.[0] / Math.Pow(10.0, Math.Floor(Math.Log10 steps.[0]))
        Assert.True([ 1.0; 2.0; 5.0 ] |> List.exists (fun m -> abs (mantissa - m) < 1e-9), sprintf "%s: step %g" what steps.[0])
        Assert.True(steps |> Array.forall (fun s -> abs (s - steps.[0]) < 1e-9 * steps.[0]), sprintf "%s: steps %A" what steps)
        if iterationAxis then
            for t in labelled plot plot.Axes.Bottom 800 600 do
                Assert.Equal(Math.Round t.Position, t.Position)

// ---- 4. overlap needs a shared path; a one-point run is a visible marker ----

[<Fact>]
let ``a run of one point overlaps and coincides with no run that goes on`` () =
    let box = TrajectoryPlots.Box(0.0, 6.0, -1.0, 1.0)
    let point = [| struct (0.0, 0.5) |]
    let path = [| for k in 0..6 -> struct (float k, 0.5 - 0.01 * float k) |]
    Assert.False(TrajectoryPlots.Overlaps(point, path, box))
    Assert.False(TrajectoryPlots.Overlaps(path, point, box))
    Assert.False(TrajectoryPlots.Coincide(point, path, box))
    // Two single points at the same place are the same point; a path on a path still overlaps.
    Assert.True(TrajectoryPlots.Coincide(point, point, box))
    Assert.True(TrajectoryPlots.Overlaps(path, path.[0..3], box))

[<Fact>]
let ``sqrt(x0) from 1: gd and ig stop at their start and newton's legend says it overlaps neither; every run's marker is drawn`` () =
    let problem = PhysicsProblem.FromText("sqrt(x0)", [| 0.0 |], [| 1.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:3,ig:1,newton", 10)
    let rs = runs comparison
    Assert.Equal(1, rs.[0].Trajectory.Count)
    Assert.True(rs.[2].Trajectory.Count > 2)
    for name in [ "x-space"; "y-space"; "loss" ] do
        let plot = (figure problem comparison name).Panels.[0]
        let entries = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq
        let newton = entries |> Array.find (fun l -> l.StartsWith "newton")
        Assert.DoesNotContain("overlaps", newton)
        Assert.DoesNotContain("coincides", newton)
    // --iterations 0: three runs of one point, each drawn as its own marker, the later ones smaller on top.
    let rosen = ReferenceProblems.Create("rosenbrock", 4)
    let still = rosen.CompareMethods(MethodCatalog.Parse "gd:0.004,newton,hig", 0)
    let colors = TrajectoryPlots.ColorsOf(runs still)
    for f in TrajectoryPlots.Figures(runs still, rosen.Definition, still.Target) do
        for plot in f.Panels do
            let sizes =
                colors
                |> Array.map (fun c ->
                    plot.GetPlottables()
                    |> Seq.choose (function
                        | :? ScottPlot.Plottables.Markers as m when m.Color = c && m.Data.GetScatterPoints().Count = 1 -> Some m.MarkerSize
                        | _ -> None)
                    |> Seq.toList)
            Assert.True(sizes |> Array.forall (fun s -> s.Length = 1), sprintf "%s: markers per run %A" f.Name sizes)
            let s = sizes |> Array.map List.head
            Assert.True(s.[0] > s.[1] && s.[1] > s.[2] && s.[2] >= 9.0f, sprintf "%s: sizes %A" f.Name s)

// ---- 6. compare lists exactly the files it writes, each PNG with its SVG ----

[<Fact>]
let ``compare lists every file it writes in --out and each PNG comes with its SVG`` () =
    // heat1d at n = 16: stacked x- and y-space, the loss, a field plot per run.
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-files-" + Guid.NewGuid().ToString("N"))
    try
        let code, out, err = Cli.run [ "compare"; "--example"; "heat1d"; "--n"; "16"; "--methods"; "gd:1,pg"; "--iterations"; "2"; "--out"; dir ]
        Assert.True((code = 0), err)
        let line = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "Plots: ")
        let listed = line.Substring("Plots: ".Length).Trim().Split(", ") |> Array.map Path.GetFileName |> Set.ofArray
        let written = Directory.GetFiles dir |> Array.map Path.GetFileName |> Set.ofArray
        Assert.Equal<Set<string>>(written, listed)
        let pngs = written |> Set.filter (fun f -> f.EndsWith ".png")
        Assert.Equal<Set<string>>(pngs |> Set.map (fun f -> Path.ChangeExtension(f, ".svg")), written - pngs)
        for f in [ "x-space"; "y-space"; "loss"; "field-gd"; "field-pg" ] do
            Assert.Contains(f + ".svg", written)
            // An SVG document with drawing in it, not an empty canvas.
            let svg = File.ReadAllText(Path.Combine(dir, f + ".svg"))
            Assert.StartsWith("<?xml", svg)
            Assert.True(svg.Split("<path").Length > 20, sprintf "%s.svg has few paths" f)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

// ---- review: a plane says where its runs start ----

[<Fact>]
let ``a plane of two variables marks the start with a black ring named in the legend`` () =
    // Three outputs of two variables from (1, 1): gd's curve alone would not say which end it started from.
    let problem = PhysicsProblem.FromText("x0*x1; x0+x1; x1^2", [| 2.0; 3.0; 4.0 |], [| 1.0; 1.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,gn:0.3", 10)
    let plot = (figure problem comparison "x-space").Panels.[0]
    let rings = TestHelpers.markers plot ScottPlot.MarkerShape.OpenCircle ScottPlot.Colors.Black
    Assert.Equal<ScottPlot.Coordinates list>([ ScottPlot.Coordinates(1.0, 1.0) ], rings)
    Assert.Contains(plot.Legend.ManualItems, fun i -> i.LabelText = "start (iteration 0)" && i.MarkerShape = ScottPlot.MarkerShape.OpenCircle)
    // Stacks have an iteration axis: each output's panel rings its start value at iteration 0, P(1, 1) = (1, 2, 1).
    let y = figure problem comparison "y-space"
    let y0 = [| 1.0; 2.0; 1.0 |]
    let panels = Array.ofSeq y.Panels
    Assert.Equal(y0.Length, panels.Length)
    for i, p in Array.indexed panels do
        Assert.Equal<ScottPlot.Coordinates list>([ ScottPlot.Coordinates(0.0, y0.[i]) ], TestHelpers.markers p ScottPlot.MarkerShape.OpenCircle ScottPlot.Colors.Black)
