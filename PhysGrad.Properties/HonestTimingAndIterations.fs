/// Plots and files that never mislead (issue 12, a new user's trial): train's ms/step is the median its
/// help promises, not a mean holding the first seed's warm-up, and the loss-against-time band is not
/// stretched by it; a run that stops before its limit does not leave the progress line naming it; a
/// sparse recording's points are plotted and exported at the iterations they were recorded at.
module PhysGrad.Properties.HonestTimingAndIterations

open System
open System.IO
open Xunit
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning
open PhysGrad.Cli

// ---- a run that stops early moves the progress line on ----

[<Fact>]
let ``a run that stops before the limit moves the phase log to the next method, and after the last to the search for x*`` () =
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "gd"; "pg" |], 10, [| "deriving and compiling what it needs"; "building the local inverse" |])
    log.StartRuns "running gd, pg, 10 iterations each; then finding x*"
    let report m k = (log :> IProgress<struct (int * int)>).Report(struct (m, k))

    for k in 1..3 do
        report 0 k

    Assert.Equal("gd: iteration 3/10 done", log.Current)
    // gd converged at iteration 3: what runs now is pg's first iteration, not gd's fourth.
    log.Ended(0, 3)
    Assert.Equal("pg: building the local inverse, iteration 1/10 under way", log.Current)
    report 1 1
    report 1 2
    log.Ended(1, 2)
    // After the last run nothing names a method: the search for x* is under way, and the log says so.
    Assert.Null(log.Current)
    TestHelpers.assertInOrder
        (err.ToString())
        [ "physgrad: gd: stopped after iteration 3/10"
          "physgrad: pg: iteration 1/10 done"
          "physgrad: pg: stopped after iteration 2/10"
          "physgrad: finding x*" ]

[<Fact>]
let ``a comparison tells its progress receiver when a run ends before the limit`` () =
    // P(x) = x: GN with η = 1 lands on y* in one step and stops at the next (a zero step); gd runs all 10.
    let problem = PhysicsProblem.From(ProblemDefinition([ "x0"; "x1" ], [ "x0"; "x1" ], null, [ 1.0; 2.0 ], [ 0.0; 0.0 ]))
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "gd"; "gn" |], 10, [| "deriving and compiling what it needs"; "deriving and compiling what it needs" |])
    log.StartRuns "running gd, gn"
    let comparison = problem.CompareMethods([ struct (Method.GradientDescent, 0.1); struct (Method.GaussNewton, 1.0) ], 10, false, log)
    let gn = comparison.Results.[1].Run
    Assert.True(gn.Exit.Iteration < 10, sprintf "gn was to stop early: %O" gn)
    // Without the end told, the line went on saying "gn: iteration 2/10 done" through the search for x*.
    Assert.Null(log.Current)
    Assert.Contains(sprintf "physgrad: gn: stopped after iteration %d/10" gn.Exit.Iteration, err.ToString())
    Assert.Contains("physgrad: finding x*", err.ToString())

[<Fact>]
let ``the phase log names the classification of a stop point while it lasts, not the run's last iteration`` () =
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "lm"; "gd" |], 10, [| "deriving and compiling what it needs"; "deriving and compiling what it needs" |])
    log.StartRuns "running lm, gd, 10 iterations each; then finding x*"

    for k in 1..6 do
        (log :> IProgress<struct (int * int)>).Report(struct (0, k))

    let receiver = log :> IRunsProgress
    receiver.Classifying(0, 0, 320)
    Assert.Equal("lm: classifying the stop point after iteration 6/10 (Hessian-vector products 0 of at most 320)", log.Current)
    receiver.Classifying(0, 12, 320)
    // The periodic line (issue 14 repeated "lm: iteration 6/10 done" for 58 s here) follows the products.
    Assert.Equal("lm: classifying the stop point after iteration 6/10 (Hessian-vector products 12 of at most 320)", log.Current)
    receiver.Ended(0, 6)
    Assert.Equal("gd: deriving and compiling what it needs, iteration 1/10 under way", log.Current)
    // A small problem's Hessian is formed whole: no products to count.
    (log :> IProgress<struct (int * int)>).Report(struct (1, 3))
    receiver.Classifying(1, 0, 0)
    Assert.Equal("gd: classifying the stop point after iteration 3/10 (forming the Hessian and its eigenvalues)", log.Current)
    receiver.Ended(1, 3)
    Assert.Null(log.Current)
    // Each classification's start is told once, at once, between the run's last iteration and its end.
    let text = err.ToString()
    TestHelpers.assertInOrder
        text
        [ "physgrad: lm: iteration 1/10 done"
          "physgrad: lm: classifying the stop point after iteration 6/10 (Hessian-vector products 0 of at most 320) …"
          "physgrad: lm: stopped after iteration 6/10"
          "physgrad: gd: classifying the stop point after iteration 3/10 (forming the Hessian and its eigenvalues) …"
          "physgrad: gd: stopped after iteration 3/10"
          "physgrad: finding x*" ]
    Assert.DoesNotContain("products 12 of", text)

/// 600 variables, two outputs y0 = x0 + x2 + … and y1 = x1 + x3 + …, and L = (y0 − 1)² + (y1 − 2)² + 1 (≥ 0 by its
/// form but not 0 at its minimum, so no "global minimum to rounding" skips the classification). From x0 = 1,
/// x1 = 2 ∂L/∂y = 0, so LM's first step is 0 and the stop point is classified matrix-free (above 500 variables):
/// the receiver hears it, and the products come from the Hessian-vector kernel, not from the sparse Hessian,
/// which is derived entry by entry (of ∂²L/∂x²'s 360 000 entries all are nonzero here; issue 14's 1024 controls
/// took 58 s and 2.26 GB to derive and compile it).
[<Fact>]
let ``a comparison tells the classification of a stop point and leaves the sparse Hessian uncompiled`` () =
    let n = 600
    let variables = [ for i in 0 .. n - 1 -> sprintf "x%d" i ]
    let sum parity = variables |> List.indexed |> List.filter (fun (i, _) -> i % 2 = parity) |> List.map snd |> String.concat " + "
    let start = [ for i in 0 .. n - 1 -> if i = 0 then 1.0 elif i = 1 then 2.0 else 0.0 ]
    let problem = PhysicsProblem.From(ProblemDefinition(variables, [ sum 0; sum 1 ], "(y0 - 1)^2 + (y1 - 2)^2 + 1", [ 1.0; 2.0 ], start))
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "lm" |], 10, [| "deriving and compiling what it needs" |])
    log.StartRuns "running lm"
    let comparison = problem.CompareMethods([ struct (Method.LevenbergMarquardt, 1.0) ], 10, false, log)
    let exit = comparison.Results.[0].Run.Exit
    Assert.Equal(StopReason.Converged, exit.Reason)
    Assert.Equal(1, exit.Iteration)
    Assert.Equal(StationaryKind.Minimum, exit.Curvature.Kind)
    Assert.Contains("Lanczos", exit.Curvature.Detail)
    Assert.DoesNotContain("partial", exit.Curvature.Detail)
    // H = 2 JᵀJ: its largest eigenvalue is 2·300 (each output sums 300 variables), the rest are 0.
    Assert.Equal(600.0, Array.max exit.Curvature.Eigenvalues, 6)
    Assert.False(problem.Compiled.Compiled.HasFlag(Capabilities.SparseHessian), string problem.Compiled.Compiled)
    TestHelpers.assertInOrder
        (err.ToString())
        [ "physgrad: lm: iteration 1/10 done"
          sprintf "physgrad: lm: classifying the stop point after iteration 1/10 (Hessian-vector products 0 of at most %d)" Curvature.ProductBudget
          "physgrad: lm: stopped after iteration 1/10"
          "physgrad: finding x*" ]

[<Fact>]
let ``the progress bar fills a stopped run's share and says where it stopped`` () =
    use err = new StringWriter()
    let bar = new ProgressLine(err, [| "gd"; "gn" |], 10)
    (bar :> IProgress<struct (int * int)>).Report(struct (0, 10))
    (bar :> IProgress<struct (int * int)>).Report(struct (1, 2))
    bar.Ended(1, 2)
    let last = err.ToString().Split('\r') |> Array.last
    Assert.StartsWith(sprintf "[%s] 100%%  gn stopped at 2/10" (String('#', 30)), last)
    bar.Dispose()
    Assert.EndsWith("\r" + String(' ', 70) + "\r", err.ToString())

// ---- train: ms/step is the median of the steps' times, and warm-up does not shift the time axis ----

/// The recorded points of a run whose k-th step took durations.[k − 1] seconds, recorded at step 0, every
/// `every` steps and at the last (as the trainer does), with the loss 1/(1 + step).
let private recorded (durations: float list) every =
    let cumulative = List.scan (+) 0.0 durations |> Array.ofList
    let n = durations.Length
    [ for k in 0..n do
          if k % every = 0 || k = n then
              TrainingPoint(k, cumulative.[k], 1.0 / (1.0 + float k), nan) ]

let private history seed durations every =
    TrainingHistory(TrainingSettings(TrainingMethod.Adam, 0.01, 256), seed, recorded durations every, 0L, false)

/// Stretches of steps of equal duration (1 to 12 steps, 0.1 to 100 ms each), recorded at each stretch's end:
/// the median step time is the median of the list of every step's duration, for odd and even step counts.
[<Property(MaxTest = 300)>]
let ``a run's ms per step is the median of its steps' durations`` (stretches: (FsCheck.PositiveInt * FsCheck.PositiveInt) list) =
    let stretches = stretches |> List.map (fun (c, d) -> 1 + c.Get % 12, float (1 + d.Get % 1000) * 1e-4)
    let durations = stretches |> List.collect (fun (c, d) -> List.replicate c d)
    let ends = stretches |> List.scan (fun k (c, _) -> k + c) 0
    let cumulative = List.scan (+) 0.0 durations |> Array.ofList
    let points = [ for k in ends -> TrainingRunPoint(k, cumulative.[k], 1.0, nan) ]
    let ms = Training.MedianStepMilliseconds([ points :> Collections.Generic.IReadOnlyList<_> ])

    if durations.IsEmpty then
        Assert.True(Double.IsNaN ms, sprintf "no step: %g" ms)
    else
        let expected = 1000.0 * TestHelpers.median durations
        Assert.True(abs (ms - expected) <= 1e-9 * expected, sprintf "median %g ms, expected %g ms (%A)" ms expected stretches)

/// Seed 1's first step holds the process's warm-up (0.5 s); then it steps at 2 ms. Seed 2 steps at 3 ms,
/// seed 3 at 1 ms; 100 steps each, recorded every 10 as the trainer does.
let private warmSeeds () =
    [ history 1 (0.5 :: List.replicate 99 0.002) 10
      history 2 (List.replicate 100 0.003) 10
      history 3 (List.replicate 100 0.001) 10 ]

[<Fact>]
let ``over seeds ms per step is the median of every step, not a mean holding the first seed's warm-up`` () =
    let runs = warmSeeds () |> List.map TrainingRun
    let summary = Training.Summarize(runs) |> Seq.exactlyOne
    // The 300 steps sorted: 100 at 1 ms, seed 1's 90 at 2 ms, 100 at 3 ms, seed 1's first 10 at 51.8 ms
    // (its first stretch): the middle two are 2 ms. The old Σ seconds / Σ steps was 3.66 ms.
    Assert.True(abs (summary.MillisecondsPerStep - 2.0) <= 1e-9, sprintf "summary %g ms" summary.MillisecondsPerStep)
    // Each run's own median: 2, 3 and 1 ms, while its time stays the whole of it (0.698 s for seed 1).
    Assert.Equal<float list>([ 2.0; 3.0; 1.0 ], runs |> List.map (fun r -> Math.Round(r.MillisecondsPerStep, 9)))
    Assert.Equal(0.698, runs.[0].Final.Seconds, 9)

[<Fact>]
let ``train's table, JSON and CSV report the median ms per step and its help says so`` () =
    let code, out, err = Cli.run [ "train"; "--methods"; "adam"; "--steps"; "25"; "--format"; "json" ]
    Assert.True((code = 0), err)
    let run = Text.Json.JsonDocument.Parse(out).RootElement.GetProperty("methods").[0]
    // Points at 0, 10, 20, 25: stretches of 10, 10 and 5 steps; the median of the 25 steps' times.
    let points =
        List.zip [ for p in run.GetProperty("lossIterations").EnumerateArray() -> p.GetInt32() ] [ for p in run.GetProperty("lossSeconds").EnumerateArray() -> p.GetDouble() ]
    Assert.Equal<int list>([ 0; 10; 20; 25 ], points |> List.map fst)
    let steps = [ for (a, ta), (b, tb) in List.pairwise points do yield! List.replicate (b - a) ((tb - ta) / float (b - a)) ]
    let expected = 1000.0 * TestHelpers.median steps
    let ms = run.GetProperty("msPerStep").GetDouble()
    Assert.True(abs (ms - expected) <= 1e-9 * expected, sprintf "msPerStep %g, expected %g" ms expected)
    let _, help, _ = Cli.run [ "train"; "--help" ]
    let flat = Text.RegularExpressions.Regex.Replace(help, @"\s+", " ")
    Assert.Contains("ms/step is the median time of its steps", flat)
    Assert.Contains("median ms per step over all the seeds' steps", flat)

[<Fact>]
let ``the loss-time plot leaves out the first seed's warm-up, so its band is not stretched by it`` () =
    let runs = warmSeeds ()
    // Seed 1's first stretch took 0.518 s where 10 steps at its median 2 ms take 0.02 s: 0.498 s left out.
    Assert.Equal<float list>([ 0.498; 0.0; 0.0 ], runs |> List.map (fun r -> Math.Round(Training.WarmUpSeconds r, 9)))
    let plots = Training.Plots(runs, "warm-up")
    let plot = plots |> Seq.pick (fun struct (n, p) -> if n = "loss-time" then Some p else None)
    TestHelpers.rendered (fun () -> plot.GetImage(1400, 600)) |> ignore
    let limits = plot.RenderManager.LastRender.AxisLimits
    // Seed 2, the slowest without warm-up, ends at 0.3 s; seed 1 at 0.2 s once its warm-up is left out (0.698 s as measured).
    Assert.True(limits.Right < 0.35, sprintf "time axis to %g s" limits.Right)
    // The median (seed 1's curve, the middle speed) passes through seed 1's points at their steps × 2 ms.
    let median =
        plot.GetPlottables() |> Seq.pick (function :? ScottPlot.Plottables.Scatter as s when s.LineWidth > 2.0f -> Some s | _ -> None)
    let drawn = median.Data.GetScatterPoints() |> List.ofSeq

    for k in 0..10..100 do
        let here = drawn |> List.filter (fun c -> abs (c.X - 0.002 * float k) <= 1e-9)
        Assert.NotEmpty(here)

        for c in here do
            Assert.Equal(log10 (1.0 / (1.0 + float k)), c.Y, 6)
    Assert.Contains("warm-up", plot.Axes.Bottom.Label.Text)

// ---- a sparse recording is plotted and exported at its recorded iterations ----

/// GD (η = 0.05) on P(x) = (x0, 2·x1, x2 + x0) towards y* = (1, 2, 3) from 0, for `iterations`, keeping every 5th point.
let private sparseRun iterations =
    let problem = PhysicsProblem.FromText("x0; 2*x1; x2 + x0", [| 1.0; 2.0; 3.0 |], [| 0.0; 0.0; 0.0 |])
    let run =
        Optimizer.Run(problem.Compiled, Method.GradientDescent, 0.05, [| 0.0; 0.0; 0.0 |], iterations, recording = Recording.EveryKth 5)
    problem, run

let private expectedIterations iterations =
    [ yield! [ 0..5..iterations ]
      if iterations % 5 <> 0 then yield iterations ]

[<Theory>]
[<InlineData 50>]
[<InlineData 48>]
let ``every 5th point of a run is drawn at iterations 0, 5, 10, … and the last, in x-space and y-space`` (iterations: int) =
    let problem, run = sparseRun iterations
    Assert.Equal<int list>(expectedIterations iterations, List.ofSeq run.RecordedIterations)
    let figures = TrajectoryPlots.Figures([ run ], problem.Compiled, problem.Definition)

    for name in [ "x-space"; "y-space" ] do
        let figure = figures |> Seq.find (fun f -> f.Name = name)
        // Three components, one panel each against the iteration: the run's line in each passes through its
        // recorded points at their iterations (11 points at 0 … 50, not at 0 … 10).
        Assert.Equal(3, figure.Panels.Count)

        for panel in figure.Panels do
            let line =
                panel.GetPlottables() |> Seq.pick (function :? ScottPlot.Plottables.Scatter as s -> Some s | _ -> None)
            let xs = line.Data.GetScatterPoints() |> Seq.map (fun c -> c.X) |> List.ofSeq
            Assert.Equal<float list>(expectedIterations iterations |> List.map float, xs)
            // The axis runs over the iterations to the last one, with whole-number ticks up to it.
            TestHelpers.rendered (fun () -> panel.GetImage(800, 300)) |> ignore
            let ticks = panel.Axes.Bottom.TickGenerator.Ticks |> Array.map (fun t -> t.Position)
            Assert.True(panel.Axes.GetLimits().Right >= float iterations, sprintf "axis to %g" (panel.Axes.GetLimits().Right))
            Assert.Contains(float (iterations / 10 * 10), ticks)
            Assert.All(ticks, fun t -> Assert.Equal(Math.Round t, t))

[<Fact>]
let ``every 5th point of a run is exported at its iteration with that iteration's loss, in CSV and JSON`` () =
    let problem, run = sparseRun 48
    let rows = (RunReport.ToCsv(problem.Definition, [ run ])).Trim().Split('\n') |> Array.skip 1
    let iterationsOf = rows |> Array.map (fun r -> int (r.Split(',').[2])) |> List.ofArray
    Assert.Equal<int list>(expectedIterations 48, iterationsOf)
    // The loss column is the loss at that iteration (Losses holds every iteration of a run within its loss budget, Recording.MaxLosses), not the k-th loss.
    for row in rows do
        let cells = row.Split(',')
        let k = int cells.[2]
        Assert.Equal(run.Losses.[k], float cells.[2 + 3 + 3 + 1])

    let comparison = problem.CompareMethods([ struct (Method.GradientDescent, 0.05) ], 10)
    let result = BookExample.Summarise(run, [| 1.0; 2.0; 3.0 |], comparison.Target)
    use doc = Text.Json.JsonDocument.Parse(RunReport.ToJson(problem.Definition, [ result ]))
    let m = doc.RootElement.GetProperty("methods").[0]
    Assert.Equal<int list>(expectedIterations 48, [ for e in m.GetProperty("trajectoryIterations").EnumerateArray() -> e.GetInt32() ])
    Assert.Equal(m.GetProperty("trajectory").GetArrayLength(), m.GetProperty("trajectoryIterations").GetArrayLength())
