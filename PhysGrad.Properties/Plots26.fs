/// Plots that never mislead (issue 12, item 4), faults left from a new-user trial: train's SVG with several
/// seeds printed "Unsupported path effect in addPaint." on stderr (Skia's SVG writer, given a band swatch
/// after a dashed legend line); "overlaps with" named runs that share only a start or a converged tail, and
/// the note sat on either run of a pair; a method's marker shape followed its place in the list, so Adam was a
/// cross in one plot and a square in the next.
module PhysGrad.Properties.Plots26

open System
open System.Diagnostics
open System.IO
open System.Runtime.InteropServices
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

// ---- 1. SVG without native noise, dashes kept ----

module private Libc =
    [<DllImport("libc", SetLastError = true)>]
    extern int dup(int fd)

    [<DllImport("libc", SetLastError = true)>]
    extern int dup2(int fd, int fd2)

    [<DllImport("libc", SetLastError = true)>]
    extern int close(int fd)

/// What `action` writes on the process's stderr: the native file descriptor 2 (where Skia's SkDebugf writes,
/// which no managed writer sees) and Console.Error, each captured while it runs. Test classes run one at a
/// time (xunit.runner.json), and the plots render under one lock, so nothing else writes there meanwhile.
let private stderrOf (action: unit -> unit) =
    let path = Path.GetTempFileName()
    let managed = new StringWriter()
    let previous = Console.Error
    Console.Error.Flush()
    let saved = Libc.dup 2
    Assert.True(saved >= 0, "dup(2) failed")
    try
        use file = new FileStream(path, FileMode.Create, FileAccess.Write)
        Assert.True(Libc.dup2(int (file.SafeFileHandle.DangerousGetHandle()), 2) >= 0, "dup2 failed")
        Console.SetError managed
        try
            action ()
        finally
            Console.SetError previous
            Libc.dup2(saved, 2) |> ignore
    finally
        Libc.close saved |> ignore
    let native = File.ReadAllText path
    File.Delete path
    native, managed.ToString()

/// A method's seeds: the evaluation loss at steps 0, 10, … (0.01 s per step), seed s a little above or below the median.
let private seeds (method: TrainingMethod) (losses: float list) =
    [ for s in 1 .. 3 ->
        let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l * (1.0 + 0.2 * float (s - 2)), nan)) |> Array.ofList
        TrainingHistory(TrainingSettings(method, 0.1, 256), s, points, 0L, false) ]

let private hex (c: ScottPlot.Color) = c.ToHex().TrimStart('#').Substring(0, 6).ToUpperInvariant()

/// The filled paths of an SVG in a colour, each as its number of subpaths: Skia writes a dashed line as the
/// outlines of its dashes, one closed subpath ("M … Z") per dash, where a solid polyline is one stroked path.
let private dashCounts (svg: string) (colour: ScottPlot.Color) =
    Regex.Matches(svg, $"<path fill=\"#{hex colour}\"[^>]* d=\"([^\"]*)\"", RegexOptions.IgnoreCase)
    |> Seq.map (fun m -> m.Groups.[1].Value.Split('M').Length - 1)
    |> List.ofSeq

[<Fact>]
let ``train's plots of several seeds write SVGs without a word on stderr, and the dashed methods keep their dashes`` () =
    if OperatingSystem.IsWindows() then () else
    // Adam solid, GN long dashes, HIG dash-dot (Patterns by the method group's place); 3 seeds each, so every
    // legend entry has a band swatch, the entry Skia's SVG writer reported after a dashed line.
    let runs =
        [| yield! seeds TrainingMethod.Adam [ 1.0; 0.5; 0.3; 0.2; 0.15 ]
           yield! seeds TrainingMethod.GaussNewton [ 1.0; 0.1; 0.01; 0.001; 1e-4 ]
           yield! seeds TrainingMethod.Hig [ 1.0; 0.2; 0.05; 0.01; 0.005 ] |]
    let dir = Path.Combine(Path.GetTempPath(), $"physgrad-plots26-{Guid.NewGuid():N}")
    // The capture sees the native writer: the same plot drawn by ScottPlot alone (a dashed legend line, then
    // its band swatch with the dash left on the paint) is reported there.
    use control = new ScottPlot.Plot()
    control.Add.Scatter([| 0.0; 1.0 |], [| 0.0; 1.0 |]) |> ignore
    control.Legend.ManualItems.Add(ScottPlot.LegendItem(LabelText = "control", LineWidth = 2f, LinePattern = TrajectoryPlots.Patterns.[1],
                                                        LineColor = ScottPlot.Colors.Black, FillColor = ScottPlot.Colors.Gray.WithAlpha(0.2)))
    control.ShowLegend() |> ignore
    let native, _ = stderrOf (fun () -> TestHelpers.rendered (fun () -> control.GetSvgXml(400, 300)) |> ignore)
    Assert.Contains("Unsupported path effect", native)
    let native, managed = stderrOf (fun () -> Training.SavePlots(runs, dir, "three methods, three seeds") |> ignore)
    Assert.Equal("", native)
    Assert.Equal("", managed)
    for name in [ "loss-time"; "loss-steps" ] do
        let svg = File.ReadAllText(Path.Combine(dir, name + ".svg"))
        // GN's and HIG's median lines are dashed: a path of many dashes in their colour (4 segments of 50 to
        // 100 pixels each, dashes of 16 + gap 7 or 16 + 5 + 5 + 5 pixels: well over 10 dashes).
        for m in [ TrainingMethod.GaussNewton; TrainingMethod.Hig ] do
            let counts = dashCounts svg (Training.ColorOf m)
            Assert.True(counts |> List.exists (fun c -> c > 10), sprintf "%s in %s: subpaths %A" (string m) name counts)
        // Adam's is solid: no path of dashes in its colour.
        Assert.DoesNotContain(dashCounts svg (Training.ColorOf TrainingMethod.Adam), fun c -> c > 10)
    Directory.Delete(dir, true)

[<Fact>]
let ``physgrad train with three seeds writes its plots with nothing on stderr but its progress lines`` () =
    let dll = Path.Combine(AppContext.BaseDirectory, "physgrad.dll")
    let dir = Path.Combine(Path.GetTempPath(), $"physgrad-train-svg-{Guid.NewGuid():N}")
    let info = ProcessStartInfo("dotnet", [ dll; "train"; "--methods"; "adam,gn,hig"; "--seeds"; "3"; "--steps"; "20"; "--out"; dir ])
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    use p = Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    Assert.True(p.WaitForExit(TimeSpan.FromMinutes 2.0))
    out.Result |> ignore
    // A phase that lasts 2 s is told on stderr in its documented form (README: "physgrad: … (4.5 s in)").
    let progress = Regex(@"^physgrad: .* \(\d+\.\d s in[^)]*\)$")
    let lines = err.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.TrimEnd('\r'))
    Assert.Empty(lines |> Array.filter (progress.IsMatch >> not))
    Assert.Equal(0, p.ExitCode)
    let svg = File.ReadAllText(Path.Combine(dir, "loss-steps.svg"))
    Assert.True(dashCounts svg (Training.ColorOf TrainingMethod.GaussNewton) |> List.exists (fun c -> c > 10), "gn's median is not dashed in the SVG")
    Directory.Delete(dir, true)

[<Fact>]
let ``a legend entry's band swatch and marker are drawn by its symbol, with the dash cleared`` () =
    let runs = [| yield! seeds TrainingMethod.Adam [ 1.0; 0.5; 0.3 ]; yield! seeds TrainingMethod.GaussNewton [ 1.0; 0.1; 0.01 ] |]
    for struct (_, plot) in Training.Plots(runs, "t") do
        // The shared start's ring (Api27) has no line and no band: the methods' entries.
        for item in plot.Legend.ManualItems |> Seq.filter (fun i -> not (i.LabelText.StartsWith "start, shared")) do
            // ScottPlot's own swatch (drawn after the line, with its dash) is off; the symbol's has the band's colour.
            Assert.Equal(ScottPlot.Colors.Transparent, item.FillColor)
            match item.MarkerStyle.CustomRenderer with
            | :? DashFree.Symbol as s ->
                Assert.NotNull(s.Swatch)
                Assert.Equal(item.LineColor.WithAlpha(0.18), s.Swatch.Color)
            | other -> failwithf "entry %s is drawn by %A" item.LabelText other

// ---- 2. "overlaps with": a relation of pairs, said once, on the later run ----

let private pts (xys: (float * float) list) = xys |> List.map (fun (x, y) -> struct (x, y)) |> Array.ofList
let private iter (ys: float list) = ys |> List.mapi (fun k y -> struct (float k, y)) |> Array.ofList
let private noCoincidence n = Array.create n -1

/// Partners of curves in a plane (iterations = None) or against the iteration (the curves themselves).
let private partnersOf (curves: struct (float * float)[][]) (againstIteration: bool) =
    let box = TrajectoryPlots.Box.Of(Seq.concat curves)
    let iterations = if againstIteration then curves else null
    let drawn = TrajectoryPlots.Drawn(curves, box, curves.Length, iterations)
    drawn, TrajectoryPlots.Partners(curves, box, drawn, noCoincidence curves.Length, iterations)

[<Fact>]
let ``runs that share only their start are not said to overlap`` () =
    // A plane: from (0, 0) one run goes up-right, the other down-right.
    let up = pts [ 0.0, 0.0; 0.5, 0.5; 1.0, 1.0 ]
    let down = pts [ 0.0, 0.0; 0.5, -0.5; 1.0, -1.0 ]
    let drawn, partners = partnersOf [| up; down |] false
    Assert.False(drawn.[0, 1])
    Assert.All(partners, fun p -> Assert.Empty p)
    // Against the iteration: equal at iterations 0 and 1, then apart for good.
    let a = iter [ 1.0; 1.0; 2.0; 3.0; 4.0; 5.0 ]
    let b = iter [ 1.0; 1.0; 0.0; -1.0; -2.0; -3.0 ]
    let drawn, partners = partnersOf [| a; b |] true
    Assert.False(drawn.[0, 1])
    Assert.All(partners, fun p -> Assert.Empty p)

[<Fact>]
let ``runs that share only a converged tail are not said to overlap`` () =
    // Both reach 0: a in one step, b in ten equal steps; both then stay there to iteration 40.
    let a = iter (1.0 :: List.replicate 40 0.0)
    let b = iter ([ for k in 0 .. 10 -> 1.0 - 0.1 * float k ] @ List.replicate 30 0.0)
    let box = TrajectoryPlots.Box.Of(Seq.append a b)
    // The premise: counted per iteration, they agree (within OverlapResolution of the height) at 31 of 41
    // iterations, more than three quarters, which is what said "overlaps with" before.
    let agree = Array.map2 (fun (struct (_, u)) (struct (_, v)) -> abs (u - v) <= TrajectoryPlots.OverlapResolution * (box.YMax - box.YMin)) a b
    Assert.True(float (agree |> Array.filter id |> Array.length) >= 0.75 * float agree.Length)
    // Weighed by where they move, all of it lies apart.
    Assert.False(TrajectoryPlots.OverlapsAtIterations(a, b, box))
    Assert.False(TrajectoryPlots.OverlapsAtIterations(b, a, box))
    let _, partners = partnersOf [| a; b |] true
    Assert.All(partners, fun p -> Assert.Empty p)

/// The same through a figure's legend: two synthetic runs of one variable (P the identity, L = ½x²).
let private synthetic (name: string) (eta: float) (xs: float[]) =
    let points = xs |> Array.map (fun x -> [| x |])
    OptimizerRun(
        name, eta, points, points, xs |> Array.map (fun x -> 0.5 * x * x),
        ExitReason(StopReason.IterationLimit, xs.Length - 1, Nullable(), null, Nullable(), "synthetic"),
        [||], TimeSpan.Zero)

let private entries (plot: ScottPlot.Plot) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq

[<Fact>]
let ``a legend says nothing of two runs that meet only at x*`` () =
    let problem = PhysicsProblem.FromText("x0", [| 0.0 |], [| 1.0 |])
    let fast = Array.append [| 1.0 |] (Array.zeroCreate 40)
    let slow = Array.append [| for k in 0 .. 10 -> 1.0 - 0.1 * float k |] (Array.zeroCreate 30)
    let runs = [| synthetic "gd" 0.5 slow; synthetic "newton" 1.0 fast |]
    for name in [ "x-space"; "y-space" ] do
        let legend = entries (TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = name)).Panels.[0]
        Assert.DoesNotContain(legend, fun l -> l.Contains "overlaps with" || l.Contains "coincides with")

[<Fact>]
let ``identical trajectories are named once, by the later run`` () =
    let path = pts [ 0.0, 0.0; 0.3, 0.6; 0.7, 0.8; 1.0, 1.0 ]
    for againstIteration in [ false; true ] do
        let drawn, partners = partnersOf [| path; Array.copy path |] againstIteration
        Assert.True(drawn.[0, 1] && drawn.[1, 0])
        Assert.Equal<int[]>([| 0 |], partners.[1])
        Assert.Empty(partners.[0])
    // Through a legend: the same method twice is the same run, which the later entry says.
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,pg:0.3,gd:0.01", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let legend = entries (TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = "x-space")).Panels.[0]
    Assert.Contains(legend, fun l -> l.StartsWith "gd (η = 0.01) #2" && l.Contains "coincides with gd (η = 0.01)")
    Assert.Contains(legend, fun l -> l.StartsWith "gd (η = 0.01)," |> not && l.StartsWith "gd (η = 0.01)" && not (l.Contains "with"))

[<Fact>]
let ``a run lying along the first part of another's path overlaps it, said by that run whichever comes first`` () =
    // The rule: a pair overlaps when three quarters of either's drawn path (its length in a plane, its movement
    // against the iteration) lies on the other's. short runs the first 40% of long's path and stops.
    let long = pts [ 0.0, 0.0; 0.25, 0.25; 0.5, 0.5; 0.75, 0.75; 1.0, 0.6; 1.2, 0.2 ]
    let short = pts [ 0.0, 0.0; 0.2, 0.2; 0.4, 0.4 ]
    // The note is the hidden run's (short's, under long's line), naming the run that covers it (PlotsB30).
    for curves, hidden in [ [| long; short |], 1; [| short; long |], 0 ] do
        let drawn, partners = partnersOf curves false
        Assert.True(drawn.[0, 1] && drawn.[1, 0])
        Assert.Equal<int[]>([| 1 - hidden |], partners.[hidden])
        Assert.Empty(partners.[1 - hidden])
    // Against the iteration: short stops at iteration 3 on long's curve.
    let long = iter [ 1.0; 0.8; 0.6; 0.4; 0.3; 0.5; 0.9; 1.4 ]
    let short = iter [ 1.0; 0.8; 0.6; 0.4 ]
    // At the iterations both recorded each lies on the other (covered both ways): said by the later run.
    for curves in [ [| long; short |]; [| short; long |] ] do
        let _, partners = partnersOf curves true
        Assert.Equal<int[]>([| 0 |], partners.[1])
        Assert.Empty(partners.[0])
    // A run that goes along another for only half of its own path and then parts is no overlap.
    let parts = pts [ 0.0, 0.0; 0.25, 0.25; 0.5, 0.5; 0.5, 0.0; 0.5, -0.5 ]
    let drawn, _ = partnersOf [| long |> Array.map (fun (struct (k, y)) -> struct (k / 7.0, y)); parts |] false
    Assert.False(drawn.[0, 1])

/// Small random curves on a coarse grid, so that shared points, shared stretches and whole copies are common.
let private curvesGen =
    let point = Gen.map2 (fun x y -> struct (float x, float y)) (Gen.choose (0, 3)) (Gen.choose (0, 3))
    Gen.listOfLength 4 (Gen.choose (1, 6) |> Gen.bind (fun n -> Gen.arrayOfLength n point))
    |> Gen.map Array.ofList

[<Property(MaxTest = 200)>]
let ``overlap is symmetric, and every overlapping pair is named exactly once, by the run it hides`` () =
    Prop.forAll (Arb.fromGen (Gen.zip curvesGen (Gen.elements [ false; true ]))) (fun (curves, againstIteration) ->
        // Against the iteration a curve's X is its iteration.
        let curves = if againstIteration then curves |> Array.map (Array.mapi (fun k (struct (_, y)) -> struct (float k, y))) else curves
        let drawn, partners = partnersOf curves againstIteration
        let n = curves.Length
        for i in 0 .. n - 1 do
            for j in 0 .. n - 1 do
                Assert.Equal(drawn.[i, j], drawn.[j, i])
                let named = partners.[i] |> Array.contains j
                let box = TrajectoryPlots.Box.Of(Seq.concat curves)
                // Whether a's path lies largely under b's line (Overlaps and its rule against the iteration: b along a).
                let covered a b =
                    if againstIteration then TrajectoryPlots.OverlapsAtIterations(curves.[b], curves.[a], box)
                    else TrajectoryPlots.Overlaps(curves.[b], curves.[a], box)
                // Named only of a pair drawn as overlapping, never both ways, and every such pair: by the run the
                // other covers, or where each covers the other (or neither, as coinciding runs), by the later one.
                if named then
                    Assert.True(drawn.[i, j] && not (partners.[j] |> Array.contains i))
                    Assert.True((if covered i j <> covered j i then covered i j else j < i), sprintf "%d names %d" i j)
                if i > j && drawn.[i, j] then Assert.True(named || (partners.[j] |> Array.contains i), sprintf "%d overlaps %d unsaid" i j)
            Assert.Equal(partners.[i].Length, (Array.distinct partners.[i]).Length))

// ---- 3. a method's marker shape is the method's, in every plot ----

[<Fact>]
let ``every method has its own marker shape, none of the shapes the plots reserve for marks`` () =
    // Distinct values: HalfInverse is another name of HalfInverseGradient.
    let methods = Enum.GetValues<Method>() |> Array.distinct
    let shapes = methods |> Array.map TrajectoryPlots.ShapeOf
    Assert.Equal(methods.Length, (Array.distinct shapes).Length)
    let reserved =
        [ ScottPlot.MarkerShape.FilledTriangleUp; ScottPlot.MarkerShape.FilledTriangleDown; ScottPlot.MarkerShape.VerticalBar
          ScottPlot.MarkerShape.Eks; ScottPlot.MarkerShape.OpenCircle; ScottPlot.MarkerShape.FilledDiamond; ScottPlot.MarkerShape.None ]
    for s in Array.append shapes TrajectoryPlots.SpareShapes do
        Assert.DoesNotContain(s, reserved)
    Assert.Empty(Set.intersect (set shapes) (set TrajectoryPlots.SpareShapes))

/// The shape of each legend entry, by the entry's first word (the method's name).
let private legendShapes (plot: ScottPlot.Plot) =
    plot.Legend.ManualItems
    |> Seq.filter (fun i -> i.MarkerShape <> ScottPlot.MarkerShape.None)
    |> Seq.map (fun i -> i.LabelText.Split(' ').[0], i.MarkerShape)
    |> Map.ofSeq

/// The shapes of the markers drawn on the curves in a colour.
let private drawnShapes (plot: ScottPlot.Plot) (colour: ScottPlot.Color) =
    plot.GetPlottables()
    |> Seq.choose (function :? ScottPlot.Plottables.Markers as m when m.MarkerStyle.FillColor = colour -> Some m.MarkerStyle.Shape | _ -> None)
    |> Seq.distinct |> List.ofSeq

[<Fact>]
let ``a method's marker is the same in compare whatever the list, and in train`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 2.0 |], [| 3.0; 3.0 |])
    let shapesIn (methods: string) =
        let comparison = problem.CompareMethods(MethodCatalog.Parse methods, 10)
        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        let figures = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target)
        [ for f in figures do
            let legend = legendShapes f.Panels.[0]
            for r in runs do
                let shape = TrajectoryPlots.ShapeOf r.Method.Value
                Assert.Equal(shape, legend.[r.Name])
                for drawn in drawnShapes f.Panels.[0] (TrajectoryPlots.ColorOf r) do
                    Assert.Equal(shape, drawn)
                yield r.Name, shape ]
        |> Map.ofList
    let a = shapesIn "gd:0.01,adam:0.1,gn:0.3"
    let b = shapesIn "hig:0.3,gn:0.3,newton:0.3,adam:0.1,gd:0.01"
    for name in [ "gd"; "adam"; "gn" ] do
        Assert.Equal(a.[name], b.[name])
    // train: the same method, the same shape, in either order, as compare's.
    let trainShapes (methods: TrainingMethod list) =
        let runs = methods |> List.collect (fun m -> seeds m [ 1.0; 0.5; 0.25 ]) |> Array.ofList
        let struct (_, plot) = Training.Plots(runs, "t").[0]
        legendShapes plot
    let t1 = trainShapes [ TrainingMethod.Adam; TrainingMethod.GaussNewton ]
    let t2 = trainShapes [ TrainingMethod.Hig; TrainingMethod.GaussNewton; TrainingMethod.Adam ]
    Assert.Equal(a.["adam"], t1.["adam"])
    Assert.Equal(a.["adam"], t2.["adam"])
    Assert.Equal(a.["gn"], t1.["gn"])
    Assert.Equal(a.["gn"], t2.["gn"])
    Assert.Equal(TrajectoryPlots.ShapeOf Method.HalfInverseGradient, t2.["hig"])
