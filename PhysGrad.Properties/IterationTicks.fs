/// Iteration axes have whole-number ticks within 0 … the last iteration and a range that holds every
/// iteration, even for a run that diverges at its first step or has no step; field plots' cell axes have
/// whole-number ticks within the cells.
module PhysGrad.Properties.IterationTicks

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad

/// Renders a plot at a size and returns its major ticks on the bottom (and left) axis.
let private majorTicks (axis: ScottPlot.IAxis) =
    axis.TickGenerator.Ticks
    |> Array.filter (fun t -> t.IsMajor)
    |> Array.map (fun t -> t.Position)

let private render (plot: ScottPlot.Plot) (width: int) (height: int) =
    TestHelpers.rendered (fun () -> plot.GetImage(width, height)) |> ignore
    plot.RenderManager.LastRender.AxisLimits

let private assertWhole (what: string) (last: int) (ticks: float[]) =
    Assert.True(ticks.Length >= 1, sprintf "%s: no tick" what)

    for t in ticks do
        Assert.True(
            t = Math.Round t && t >= 0.0 && t <= float last,
            sprintf "%s: tick %g outside the whole numbers 0 … %d (%A)" what t last ticks
        )

[<Fact>]
let ``iteration ticks are every 1, 2 or 5 times a power of ten, at most ten intervals (five from 10⁷), from 0`` () =
    // Hand-counted: 10 iterations fit ten intervals of 1; 11 need steps of 2 (0 … 10); 25 of 5; 1000 of 100.
    Assert.Equal<int[]>([| 0 |], TrajectoryPlots.IterationTickPositions 0)
    Assert.Equal<int[]>([| 0; 1 |], TrajectoryPlots.IterationTickPositions 1)
    Assert.Equal<int[]>([| 0..10 |], TrajectoryPlots.IterationTickPositions 10)
    Assert.Equal<int[]>([| 0..2..10 |], TrajectoryPlots.IterationTickPositions 11)
    Assert.Equal<int[]>([| 0..5..25 |], TrajectoryPlots.IterationTickPositions 25)
    Assert.Equal<int[]>([| 0..100..1000 |], TrajectoryPlots.IterationTickPositions 1000)
    // From 10⁷ on, at most five intervals: 10⁸ iterations (the tick labels have nine digits) in steps of 2·10⁷,
    // 9 999 999 still in ten of 10⁶.
    Assert.Equal<int[]>([| 0..20_000_000..100_000_000 |], TrajectoryPlots.IterationTickPositions 100_000_000)
    Assert.Equal<int[]>([| 0..1_000_000..9_000_000 |], TrajectoryPlots.IterationTickPositions 9_999_999)

[<Property(MaxTest = 300)>]
let ``iteration ticks lie in 0 … last, evenly spaced, two or more once there is a step`` () =
    Prop.forAll (Gen.choose (0, 200_000_000) |> Arb.fromGen) (fun last ->
        let ticks = TrajectoryPlots.IterationTickPositions last

        let steps =
            ticks |> Array.pairwise |> Array.map (fun (a, b) -> b - a) |> Array.distinct

        ticks.[0] = 0
        && Array.forall (fun t -> t <= last) ticks
        && ticks.Length <= (if last >= 10_000_000 then 6 else 11)
        && (last = 0
            || (ticks.Length >= 2
                && steps.Length = 1
                && last - ticks.[ticks.Length - 1] < steps.[0])))

[<Fact>]
let ``a 1-variable run that diverges at its first step has iteration ticks 0 and 1 and an axis over both`` () =
    // x0^3 = 8 from x0 = 1: ∂L/∂x0 = (1 − 8)·3 = −21, so GD at η = 1e100 steps to x0 = 2.1e101, whose
    // cube 9.3e303 is finite but whose loss (y − 8)²/2 overflows: the run diverges at iteration 1.
    let problem = PhysicsProblem.FromText("x0^3", [| 8.0 |], [| 1.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:1e100", 10)
    let run = comparison.Results.[0].Run
    Assert.Equal(Numerics.StopReason.Diverged, run.StopReason)
    Assert.Equal(2, run.Losses.Count)

    let figures =
        TrajectoryPlots.Figures([| run |], problem.Definition, comparison.Target)

    for figure in figures do
        for plot in figure.Panels do
            let limits = render plot figure.Width figure.Height
            let ticks = majorTicks plot.Axes.Bottom
            assertWhole figure.Name 1 ticks
            Assert.Equal<float[]>([| 0.0; 1.0 |], ticks)
            // The axis holds both iterations with a margin, and is not a sliver around iteration 0.
            Assert.True(
                limits.Left < 0.0 && limits.Right > 1.0 && limits.Right - limits.Left < 2.0,
                sprintf "%s: %O" figure.Name limits
            )
    // The loss at the start (24.5) alone is plotted: on a linear axis, with labelled ticks (a log axis over
    // log₁₀ 24.5 ± 10% would have no whole power of ten to label).
    let loss = figures |> Seq.find (fun f -> f.Name = "loss")

    let labelled =
        loss.Panels.[0].Axes.Left.TickGenerator.Ticks
        |> Array.filter (fun t -> t.IsMajor && t.Label <> "")

    Assert.True(labelled.Length >= 2, sprintf "loss axis labels: %A" (labelled |> Array.map (fun t -> t.Label)))

[<Fact>]
let ``the book's ten iterations have ticks 0 … 10 and none at −1 or 11; a run without steps has tick 0`` () =
    let problem = PhysicsProblem.Book

    for iterations in [ 10; 0 ] do
        let comparison =
            problem.CompareMethods(MethodCatalog.Parse "gd:0.01,newton", iterations)

        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq

        let loss =
            TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target)
            |> Seq.find (fun f -> f.Name = "loss")

        let plot = loss.Panels.[0]
        let limits = render plot loss.Width loss.Height
        let ticks = majorTicks plot.Axes.Bottom
        Assert.Equal<float[]>([| 0.0 .. float iterations |], ticks)

        Assert.True(
            limits.Left < 0.0
            && limits.Right > float iterations
            && limits.Right - limits.Left <= float iterations + 1.0,
            sprintf "%O" limits
        )

[<Fact>]
let ``field plots have whole-number cell ticks within the grid, on a line and on a heat map`` () =
    // heat1d with 16 cells: cells 0 … 15; poisson2d on a 4 × 4 grid: rows and columns 0 … 3.
    for name, n, shape in [ "heat1d", 16, [| 16 |]; "poisson2d", 4, [| 4; 4 |] ] do
        let problem = ReferenceProblems.Create(name, n)
        let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,pg:0.3", 3)
        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        let plots = FieldPlots.Plots(runs, shape, comparison.Target.X)
        Assert.True(plots.Count >= 2)

        for struct (file, plot) in plots do
            let limits = render plot FieldPlots.Width FieldPlots.Height
            let columns = shape.[shape.Length - 1]
            let bottom = majorTicks plot.Axes.Bottom
            assertWhole (name + " " + file) (columns - 1) bottom
            Assert.True(bottom.Length >= 2, sprintf "%s %s: %A" name file bottom)

            Assert.True(
                limits.Left >= -0.5 && limits.Right <= float columns - 0.5,
                sprintf "%s %s: %O" name file limits
            )

            if shape.Length = 2 then
                assertWhole (name + " " + file + " rows") (shape.[0] - 1) (majorTicks plot.Axes.Left)

[<Fact>]
let ``train's plots against steps tick whole steps within the recorded ones`` () =
    // Evaluations at steps 0, 3, 6 and 9 (3 apart): ticks at 0 … 9, each a whole step, the axis over all of them.
    let settings = TrainingSettings(TrainingMethod.Adam, 0.03, 256)

    let points =
        [| 0; 3; 6; 9 |]
        |> Array.map (fun k -> TrainingPoint(k, 0.1 * float k, 1.0 / float (k + 1), nan))

    let history = TrainingHistory(settings, 1, points, 0L, false)

    let plot =
        Training.Plots([| history |], "test")
        |> Seq.find (fun struct (name, _) -> name = "loss-steps")
        |> fun struct (_, p) -> p

    let limits = render plot 1000 560
    Assert.Equal<float[]>([| 0.0 .. 9.0 |], majorTicks plot.Axes.Bottom)
    Assert.True(limits.Left < 0.0 && limits.Right > 9.0 && limits.Right < 10.0, sprintf "%O" limits)
