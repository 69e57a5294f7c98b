/// Plot faults a new user found (issue 12, item 4), each checked on the built plots as a kind: a loss of
/// exactly 0 is drawn and named on a log axis, every loss axis carries at least two labelled ticks, the
/// legend of stacked panels names where a run first leaves any panel, titles name examples, wide tick
/// labels leave room for the axis label, and train's plots keep compare's colours and whole steps.
module PhysGrad.Properties.PlotFaults

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

let private runsOf (problem: PhysicsProblem) (methods: (Method * float) list) iterations =
    problem.Compare(methods |> List.map (fun (m, eta) -> struct (m, eta)) |> Array.ofList, iterations)
    |> Seq.map (fun r -> r.Run)
    |> Array.ofSeq

let private figures (problem: PhysicsProblem) runs =
    TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)

let private figure name (fs: TrajectoryPlots.Figure seq) = fs |> Seq.find (fun f -> f.Name = name)

let private entry (figure: TrajectoryPlots.Figure) (name: string) =
    figure.Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith(name + " "))

/// The major ticks with a label that a render draws inside the left axis' range.
let private leftLabels (plot: ScottPlot.Plot) =
    TestHelpers.rendered (fun () -> plot.RenderInMemory(800, 600)) |> ignore
    let limits = plot.Axes.GetLimits()
    plot.Axes.Left.TickGenerator.Ticks
    |> Array.filter (fun t -> t.IsMajor && not (String.IsNullOrEmpty t.Label) && t.Position >= limits.Bottom && t.Position <= limits.Top)

let private markers = TestHelpers.markers

// ---- 1. a loss of exactly 0 on a log axis ----

[<Fact>]
let ``a loss of exactly 0 is drawn at the bottom edge of the log loss plot and named in the legend`` () =
    // PG with η = 1 on P(x) = x² from x = 1 to y* = 4 steps to P⁻¹(y + (y* − y)) = √4 = 2 exactly, so its
    // loss is (4 − 4)² = 0 at iteration 1; GD with η = 0.01 only approaches, its loss stays positive and
    // spans decades (the axis stays logarithmic).
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 1.0 |])
    let runs = runsOf problem [ Method.GradientDescent, 0.01; Method.PhysicalGradient, 1.0 ] 30
    Assert.Equal(0.0, runs.[1].Losses.[1])
    Assert.Equal(1, TrajectoryPlots.ZeroAt(runs.[1].Losses))
    let loss = figures problem runs |> figure "loss"
    let plot = loss.Panels.[0]
    Assert.Equal("L (log scale)", plot.Axes.Left.Label.Text)
    Assert.Contains("reaches 0 at iteration 1", entry loss "pg")
    Assert.DoesNotContain("reaches 0", entry loss "gd")
    // The zero is drawn: a marker at iteration 1 on the plot's bottom, inside the visible range; gd's 30
    // iterations beside pg's 1 make the iteration axis logarithmic (Plots30), so iteration 1 is at log₁₀ 2.
    let limits = plot.Axes.GetLimits()
    let drawn = markers plot ScottPlot.MarkerShape.FilledTriangleDown (TrajectoryPlots.ColorOf Method.PhysicalGradient)
    Assert.Equal(1, drawn.Length)
    Assert.Equal("iteration (log scale of 1 + iteration)", plot.Axes.Bottom.Label.Text)
    Assert.Equal(Math.Log10 2.0, drawn.[0].X, 12)
    Assert.InRange(drawn.[0].Y, limits.Bottom, limits.Bottom + 0.15 * (limits.Top - limits.Bottom))

[<Fact>]
let ``a run whose loss is 0 at its start still has a legend entry and a zero marker`` () =
    // From x = 2, P(x) = 4 = y*: the loss is 0 before any step, so the run has no positive loss to draw.
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 2.0 |])
    let runs = runsOf problem [ Method.PhysicalGradient, 1.0 ] 3
    Assert.Equal(0, TrajectoryPlots.ZeroAt(runs.[0].Losses))
    let loss = figures problem runs |> figure "loss"
    if loss.Panels.[0].Axes.Left.Label.Text.Contains("log") then
        Assert.Contains("reaches 0 at iteration 0", entry loss "pg")

// ---- 2. every loss axis carries labelled ticks ----

[<Fact>]
let ``every loss plot has at least two labelled ticks, log or linear`` () =
    // sqrt(x0) from 0 (the tester's case), the zero case, one decade across a power of ten, many decades.
    let cases =
        [ PhysicsProblem.FromText("sqrt(x0)", [| 1.0 |], [| 0.0 |]), [ Method.GradientDescent, 0.1; Method.GaussNewton, 1.0 ]
          PhysicsProblem.FromText("x0^2", [| 4.0 |], [| -1.0 |]), [ Method.GradientDescent, 0.01; Method.Newton, 1.0 ]
          PhysicsProblem.FromText("x0^2; x1^2", [| 4.0; 4.0 |], [| 1.0; 1.0 |]), [ Method.GradientDescent, 10.0; Method.Newton, 1.0; Method.PhysicalGradient, 0.5 ]
          PhysicsProblem.FromText("x0", [| 0.0 |], [| 3.0 |]), [ Method.GradientDescent, 0.05 ]
          PhysicsProblem.FromText("x0", [| 0.0 |], [| 3.0 |]), [ Method.GradientDescent, 0.5 ] ]
    for problem, methods in cases do
        let runs = runsOf problem methods 20
        let loss = figures problem runs |> figure "loss"
        let labels = leftLabels loss.Panels.[0]
        Assert.True(labels.Length >= 2, sprintf "%s: %d labelled ticks" loss.Panels.[0].Axes.Title.Label.Text labels.Length)

[<Fact>]
let ``the powers of ten in a log range: fewer than two means a linear loss axis`` () =
    // log₁₀ L in [−0.6, 0.4]: one decade, crossing 10⁰ only; [−3.2, 0.1]: 10⁻³ … 10⁰.
    Assert.Equal<int>([| 0 |], TrajectoryPlots.PowersOfTen(-0.6, 0.4))
    Assert.Equal<int>([| -3; -2; -1; 0 |], TrajectoryPlots.PowersOfTen(-3.2, 0.1))
    Assert.Empty(TrajectoryPlots.PowersOfTen(0.1, 0.9))
    // The labels a render draws are checked on real plots above (a NumericManual lists its ticks only after a render).

// ---- 3. the legend of stacked panels ----

[<Fact>]
let ``Rosenbrock at n = 64: gd's legend names the first iteration it leaves any panel, each panel marks its own`` () =
    let problem = ReferenceProblems.Create("rosenbrock", 64)
    let runs = runsOf problem [ Method.GradientDescent, 0.01; Method.GaussNewton, 1.0 ] 20
    let x = figures problem runs |> figure "x-space"
    let e = entry x "gd"
    // The crosses where gd leaves each panel lie on the segment from its last kept iteration to the next.
    let crosses = x.Panels |> Seq.collect (fun p -> markers p ScottPlot.MarkerShape.Eks (TrajectoryPlots.ColorOf Method.GradientDescent)) |> List.ofSeq
    Assert.NotEmpty(crosses)
    let firstLeave = crosses |> List.map (fun c -> int (Math.Ceiling(c.X - 1e-9))) |> List.min
    // The entry names the segment into the first iteration outside: "between iterations k − 1 and k".
    let segment = sprintf "off the plot between iterations %d and %d" (firstLeave - 1) firstLeave
    Assert.Contains((if crosses |> List.forall (fun c -> int (Math.Ceiling(c.X - 1e-9)) = firstLeave) then ", " else ", first ") + segment, e)

// ---- 4. titles, margins, train's plots ----

[<Fact>]
let ``example plots are titled by the example's name and size, not a cut formula`` () =
    let problem = ReferenceProblems.Create("rosenbrock", 64)
    let runs = runsOf problem [ Method.GaussNewton, 1.0 ] 3
    for f in figures problem runs do
        let title = f.Panels.[0].Axes.Title.Label.Text
        Assert.Contains("rosenbrock, n = 64", title)
        Assert.DoesNotContain("…", title.Replace("(first 3, last, most moved)", ""))

[<Fact>]
let ``tick labels as wide as 1E+300 leave room for the axis label`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 1e300 |], [| 1.0 |])
    let runs = runsOf problem [ Method.GradientDescent, 0.1; Method.Newton, 1.0 ] 10
    let y = figures problem runs |> figure "y-space"
    TestHelpers.rendered (fun () ->
        use paint = ScottPlot.Paint.NewDisposablePaint()
        for panel in y.Panels do
            panel.RenderInMemory(y.Width, 230) |> ignore
            let axis = panel.Axes.Left
            let widest =
                axis.TickGenerator.Ticks
                |> Array.filter (fun t -> t.IsMajor && not (String.IsNullOrEmpty t.Label))
                |> Array.map (fun t -> ScottPlot.LabelStyle(Text = t.Label, FontSize = axis.TickLabelStyle.FontSize).Measure(paint).Width)
                |> Array.fold max 0f
            // The data area starts right of the widest label, the axis label's line and a gap.
            Assert.True(panel.RenderManager.LastRender.DataRect.Left >= widest + axis.Label.FontSize + 10f,
                        sprintf "data area at %g, labels %g wide" panel.RenderManager.LastRender.DataRect.Left widest))

let private history (method: TrainingMethod) (losses: float list) =
    let points = losses |> List.mapi (fun k l -> TrainingPoint(k, 0.1 * float k, l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, 0.03, 256), 1, points, 0L, false)

let private scatterColors (plot: ScottPlot.Plot) =
    plot.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.Scatter as s -> Some s.Color | _ -> None) |> List.ofSeq

[<Fact>]
let ``train's plots: a method keeps compare's colour in any order, steps tick whole, long titles wrap`` () =
    let title = "Coupled oscillators: 8 masses on springs, network 16-64-64-16, loss ½‖y − y*‖², eval on 512 fixed samples"
    let adam, hig = history TrainingMethod.Adam [ 1.0; 0.5; 0.1; 0.05; 0.01; 0.004 ], history TrainingMethod.Hig [ 1.0; 0.1; 0.01; 0.001; 1e-4; 1e-5 ]
    for runs in [ [| adam; hig |]; [| hig; adam |] ] do
        let plots = Training.Plots(runs, title)
        for struct (name, plot) in plots do
            let colours = scatterColors plot
            let expected = runs |> Array.map (fun r -> TrajectoryPlots.ColorOf(if r.Settings.Method = TrainingMethod.Adam then Method.Adam else Method.HalfInverseGradient)) |> List.ofArray
            Assert.Equal<ScottPlot.Color list>(expected, colours)
            // Every line of the title fits the 70 characters the data area holds.
            for line in plot.Axes.Title.Label.Text.Split('\n') do
                Assert.True(line.Length <= 70, sprintf "%s: title line of %d characters" name line.Length)
            Assert.True((leftLabels plot).Length >= 2, sprintf "%s: fewer than two labelled loss ticks" name)
            if name.EndsWith("steps") then
                let ticks = plot.Axes.Bottom.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor)
                Assert.NotEmpty(ticks)
                for t in ticks do
                    Assert.Equal(Math.Round t.Position, t.Position)

// ---- log-axis labels carry the exponent's sign ----

[<Fact>]
let ``log-axis labels carry the exponent's sign and read back as the power of ten they mark`` () =
    // Losses beyond the doubles (kept as log10 L) put ticks at 10^400: "1E400" beside "1E-3" read as a typo.
    // The manual generator hands out its ticks once an axis of that range is rendered.
    let ticksOf (lo: float) (hi: float) =
        let plot = new ScottPlot.Plot()
        plot.Axes.Left.TickGenerator <- TrajectoryPlots.LogTicks(lo, hi)
        plot.Axes.SetLimitsY(lo, hi)
        TestHelpers.rendered (fun () -> plot.RenderInMemory(400, 300)) |> ignore
        plot.Axes.Left.TickGenerator.Ticks
    for lo, hi in [ -3.0, 3.0; 350.0, 420.0; -420.0, -350.0 ] do
        let labelled = ticksOf lo hi |> Array.filter (fun t -> t.IsMajor)
        Assert.NotEmpty labelled
        for t in labelled do
            let m = Text.RegularExpressions.Regex.Match(t.Label, @"^1E([+-])(\d+)$")
            Assert.True(m.Success, sprintf "label %s at %g" t.Label t.Position)
            Assert.Equal(t.Position, float (int (m.Groups.[1].Value + m.Groups.[2].Value)))
    let labels = ticksOf 350.0 420.0 |> Array.map (fun t -> t.Label)
    Assert.Contains("1E+400", labels)
    Assert.Contains("1E-3", ticksOf -3.0 3.0 |> Array.map (fun t -> t.Label))
