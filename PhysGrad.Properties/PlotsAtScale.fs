/// Plots that never mislead at scale (issue 12, item 4): many runs, long labels and long names gave compare's
/// plots a legend wider than the data area (Rosenbrock at n = 10: a 1750-pixel figure, most of it legend),
/// and a run of 3,000,000 iterations was handed whole to ScottPlot and never finished drawing. The legend
/// now wraps its entries and stays beside the data inside the image; a long curve is drawn from its extremes
/// per stretch of iterations, keeping its least, largest and last value. And a marked x* says how it was had.
module PhysGrad.Properties.PlotsAtScale

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

// ---- legends beside the data, never wider than it, never cut ----

/// The box (left, top, right, bottom, in pixels) of everything drawn in a figure right of the data area's
/// frame and below its top (the legend and its shadow; the title lies above, the tick labels left and below),
/// measured on the PNG as written; None when nothing is drawn there.
let private drawnRightOf (png: byte[]) (data: ScottPlot.PixelRect) =
    TestHelpers.rendered (fun () ->
        use bitmap = SkiaSharp.SKBitmap.Decode png
        let x0 = int (Math.Ceiling(float data.Right)) + 15
        let y0 = int (Math.Ceiling(float data.Top))
        let inked =
            [ for y in y0 .. bitmap.Height - 1 do
                  for x in x0 .. bitmap.Width - 1 do
                      let c = bitmap.GetPixel(x, y)
                      if int c.Red + int c.Green + int c.Blue < 700 then yield x, y ]
        (if inked.IsEmpty then None
         else Some(inked |> List.map fst |> List.min, inked |> List.map snd |> List.min,
                   inked |> List.map fst |> List.max, inked |> List.map snd |> List.max)), (bitmap.Width, bitmap.Height))

/// The cases: Rosenbrock at n = 10 with the default methods (six runs, four of them leaving the range with
/// long notes), two runs of HIG with long option labels, and a problem whose name is about 70 characters.
let private cases () =
    let rosenbrock = ReferenceProblems.Create("rosenbrock", 10)
    let methods = [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0); struct (Method.PhysicalGradient, 0.3)
                     struct (Method.InverseGradient, 0.3); struct (Method.GaussNewton, 0.3); struct (Method.HalfInverseGradient, 0.3) |]
    let book = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |])
    let long = PhysicsProblem.FromText("x0*x1 + sin(x0) - cos(x1); x0^2 - x1^2 + exp(-x0*x0)", [| 1.0; 0.5 |], [| 0.5; 1.5 |])
    [ "rosenbrock n = 10", rosenbrock, rosenbrock.CompareMethods(methods, 10)
      "long labels", book,
      book.CompareMethods(MethodCatalog.Parse "hig:1:kappa=-0.5:tau=1e-3,hig:0.5:kappa=-0.25:tau=1e-4,gd:2,gd:0.001,newton", 10)
      "long name", long, long.CompareMethods(MethodCatalog.Parse "gd:0.3,newton,gn,hig,lm,bfgs", 10) ]

[<Fact>]
let ``compare's legend lies beside the data inside the image and is never wider than the data area`` () =
    for case, problem, comparison in cases () do
        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        for figure in TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) do
            let what = sprintf "%s, %s" case figure.Name
            let png = TrajectoryPlots.Render figure
            // The data areas as drawn; the widest one is the plot area the legend is measured against.
            let data = figure.Panels |> Seq.map (fun p -> p.RenderManager.LastRender.DataRect) |> Array.ofSeq
            let legend = TestHelpers.rendered (fun () -> figure.Panels.[0].Legend.GetImage())
            Assert.True(legend.Width <= int (data |> Array.map (fun d -> d.Width) |> Array.max),
                        sprintf "%s: legend %d pixels wide, data area %O" what legend.Width data.[0])
            if figure.Legend.HasValue then
                let at = figure.Legend.Value
                // A stack: the legend's box is the figure's, right of every panel's data area.
                for d in data do
                    Assert.True(d.Right < at.Left, sprintf "%s: data %O reaches the legend %O" what d at)
                Assert.True(at.Right + 3.0f <= float32 figure.Width && at.Bottom + 3.0f <= float32 figure.Height,
                            sprintf "%s: legend %O in %d × %d" what at figure.Width figure.Height)
            else
                // A single plot: ScottPlot lays the legend out as a panel right of the data area (its offset
                // from the data area's right edge is not negative) ...
                let layout = figure.Panels.[0].RenderManager.LastRender.Layout
                let panel = layout.PanelOffsets.Keys |> Seq.find (fun p -> p.GetType().Name = "LegendPanel")
                Assert.True(layout.PanelOffsets.[panel] >= 0.0f, sprintf "%s: legend panel at %f" what layout.PanelOffsets.[panel])
            // ... and what is drawn right of the data agrees: the legend whole (as wide and tall as its image,
            // frame to frame, plus at most the 3-pixel shadow), off the image's right and bottom edges.
            match drawnRightOf png data.[0] with
            | None, _ -> failwithf "%s: no legend drawn right of the data" what
            | Some(left, top, right, bottom), (width, height) ->
                let (w, h) = (right - left + 1, bottom - top + 1)
                Assert.True(w >= legend.Width - 1 && w <= legend.Width + 4, sprintf "%s: drawn %d wide, legend %d" what w legend.Width)
                Assert.True(h >= legend.Height - 1 && h <= legend.Height + 4, sprintf "%s: drawn %d tall, legend %d" what h legend.Height)
                Assert.True(right < width - 1 && bottom < height - 1,
                            sprintf "%s: legend drawn to (%d, %d) in %d × %d" what right bottom width height)

[<Fact>]
let ``a legend entry's lines are at most LegendLine characters, and joined they give the entry back`` () =
    for _, problem, comparison in cases () do
        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        for figure in TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) do
            let entries = figure.Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LabelText) |> Array.ofSeq
            for entry in entries do
                for line in entry.Split('\n') do
                    Assert.True(line.Length <= Training.LegendLine, sprintf "%s: a line of %d characters: %s" figure.Name line.Length line)
            // Every run has its entry, starting with its legend name (TrajectoryPlots.LegendName: gd:2 as
            // gd (η = 2)); the text is wrapped, not cut.
            for run in runs do
                let shown = TrajectoryPlots.LegendName(run.Label, run.Name, run.Eta)
                Assert.Contains(entries, fun e -> e.Replace('\n', ' ').StartsWith shown)

[<Fact>]
let ``a run leaving the range again and again is named by its first stretches and a count, not every one`` () =
    // Iterations 1, 3, 5, …, 199 outside: 100 stretches.
    let outside = [| for k in 1 .. 2 .. 199 -> k |]
    let text = TrajectoryPlots.Ranges outside
    Assert.StartsWith("1, 3, 5 and 97 more stretches to 199", text)
    Assert.Equal("1, 3–5, 9", TrajectoryPlots.Ranges [| 1; 3; 4; 5; 9 |])

// ---- long runs: drawn from their extremes ----

/// The points of every line of one colour in a plot (scatters drawn without markers; the run's markers are
/// plotted apart), in drawing order.
let private linesOf (plot: ScottPlot.Plot) (colour: ScottPlot.Color) =
    plot.GetPlottables()
    |> Seq.choose (function
        | :? ScottPlot.Plottables.Scatter as s when s.Color = colour && s.MarkerSize = 0.0f -> Some(s.Data.GetScatterPoints() |> Array.ofSeq)
        | _ -> None)
    |> Array.ofSeq

[<Fact>]
let ``a run of 3,000,000 iterations is drawn from a few thousand points holding its largest, least and last value`` () =
    // x from 3 falling to 1 over 3,000,000 iterations, a spike to 50 at iteration 1,234,567 and a dip to −40 at
    // 2,345,678; the last value 1.0001 (x* = 1). Neither is far enough (10⁴ times the distance to x*) to be cut.
    let n = 3_000_000
    let value k =
        if k = 1_234_567 then 50.0 elif k = 2_345_678 then -40.0 elif k = n - 1 then 1.0001
        else 1.0 + 2.0 * Math.Exp(-float k / 500_000.0)
    let points = Array.init n (fun k -> [| value k |])
    let losses = points |> Array.map (fun p -> 0.5 * (p.[0] - 1.0) * (p.[0] - 1.0))
    let run = OptimizerRun("gd", 1e-6, points, points, losses,
                           ExitReason(StopReason.IterationLimit, n - 1, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)
    let problem = PhysicsProblem.FromText("x0", [| 1.0 |], [| 3.0 |])
    let figures = TrajectoryPlots.Figures([| run |], problem.Compiled, problem.Definition)
    let colour = TrajectoryPlots.ColorOf Method.GradientDescent
    let check (name: string) (series: float[]) (drawnY: float -> float) =
        let plot = (figures |> Seq.find (fun f -> f.Name = name)).Panels.[0]
        let drawn = linesOf plot colour |> Array.concat
        Assert.True(drawn.Length > 0 && drawn.Length <= 6 * TrajectoryPlots.DecimationBuckets,
                    sprintf "%s: %d points drawn" name drawn.Length)
        // The extremes and the last value, at their own iterations (whole numbers on the iteration axis).
        let at k = drawn |> Array.exists (fun p -> p.X = float k && p.Y = drawnY series.[k])
        let argmax = Array.IndexOf(series, Array.max series)
        let argmin = Array.IndexOf(series, Array.min series)
        Assert.True(at argmax, sprintf "%s: the largest value %g (iteration %d) is not drawn" name series.[argmax] argmax)
        Assert.True(at argmin, sprintf "%s: the least value %g (iteration %d) is not drawn" name series.[argmin] argmin)
        Assert.True(at (n - 1), sprintf "%s: the last value is not drawn" name)
        Assert.True(at 0, sprintf "%s: the first value is not drawn" name)
        Assert.All(drawn, fun p -> Assert.True(p.X = Math.Round p.X && p.X >= 0.0 && p.X <= float (n - 1), sprintf "x = %g" p.X))
        // In iteration order, as the run went.
        Assert.True(drawn |> Array.pairwise |> Array.forall (fun (a, b) -> a.X < b.X), sprintf "%s: not in iteration order" name)
    check "x-space" (points |> Array.map (fun p -> p.[0])) id
    // The loss on its log axis: log₁₀ of each loss (the least, 0.5·0.0001², and the spike's 0.5·49²).
    check "loss" losses Math.Log10
    // And the figures render (a PNG each); how long that takes is measured in the report, not here.
    for f in figures do
        Assert.NotEmpty(TrajectoryPlots.Render f)

/// Curves of up to 20,000 points with values from a small set (so ties and repeated extremes occur).
let private curveGen =
    gen {
        let! n = Gen.choose (1, 20_000)
        let! seed = Gen.choose (0, Int32.MaxValue)
        let rnd = Random(seed)
        return Array.init n (fun k -> struct (float k + float (rnd.Next(-3, 4)) * 0.25, float (rnd.Next(-1000, 1001)) / 7.0))
    }

[<Property(MaxTest = 60)>]
let ``Decimated keeps a subsequence of at most 6 points a stretch with the first, last, least and largest point`` () =
    Prop.forAll (Arb.fromGen curveGen) (fun curve ->
        let kept = TrajectoryPlots.Decimated curve
        let n = curve.Length
        // A short curve is whole; a long one at most 6 points per stretch.
        if n <= 4 * TrajectoryPlots.DecimationBuckets then Assert.Same(curve, kept)
        else Assert.True(kept.Length <= 6 * TrajectoryPlots.DecimationBuckets, sprintf "%d kept of %d" kept.Length n)
        // A subsequence, in order: each kept point is found after the previous one.
        let mutable j = 0
        for p in kept do
            while j < n && curve.[j] <> p do j <- j + 1
            Assert.True(j < n, sprintf "%A is not in order in the curve" p)
            j <- j + 1
        Assert.True((curve.[0] = kept.[0]), "first point")
        Assert.True((curve.[n - 1] = kept.[kept.Length - 1]), "last point")
        for pick in [ (fun struct (x, _) -> x); (fun struct (_, y) -> y) ] do
            Assert.Equal(curve |> Array.map pick |> Array.max, kept |> Array.map pick |> Array.max)
            Assert.Equal(curve |> Array.map pick |> Array.min, kept |> Array.map pick |> Array.min))

// ---- the marked x* says how it was found ----

[<Fact>]
let ``x* found from the start is named so in x-space, where a run reaches another preimage`` () =
    // P(x) = x², y* = 1 from x = 3: Newton's search from the start finds x* = 1; GD with η = 0.1 overshoots to
    // −1.8 and converges to the other preimage −1 (L ≈ 2E-08). The marker must not read as the only solution.
    let problem = PhysicsProblem.FromText("x0^2", [| 1.0 |], [| 3.0 |])
    let comparison = problem.CompareMethods([| struct (Method.GradientDescent, 0.1); struct (Method.Newton, 1.0 / 3.0) |], 10)
    Assert.Equal(TargetPointKind.PreimageNearStart, comparison.Target.Kind)
    Assert.Equal(1.0, comparison.Target.X.[0], 6)
    let gd = comparison.Results.[0].Run
    Assert.True(gd.Final.[0] < 0.0 && gd.FinalLoss < 1e-6, sprintf "gd ends at %g, L = %g" gd.Final.[0] gd.FinalLoss)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let x = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = "x-space")
    let target = x.Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "target")
    Assert.Contains("found from the start", target.Replace('\n', ' '))
