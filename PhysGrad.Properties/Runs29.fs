/// Long runs and train's defaults and plots, as a new user met them (runs29): `compare --iterations 2147483647`
/// was refused as needing 85.9 GB (BookExample.RecordingFor counted iterations + 1 in int, which wrapped to
/// −2³¹ and read as "every point fits"); plain `physgrad train` exited 1 because Gauss–Newton's default τ = 10⁻⁶
/// let its step follow singular values near 10⁻⁶σ_max and its loss leapt 10⁶-fold in 4 steps; its plots said
/// "hig … overlaps with gn" of a GN that stopped at step 4 on the edge, drew HIG's 3,000 steps in the first
/// tenth of a 34,000-step axis beside Adam's, and ran a 10 s budget's time axis to 11.5 s.
module PhysGrad.Properties.Runs29

open System
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

// ---- 1. very large iteration limits: accepted, the recording bounded ----

[<Fact>]
let ``compare accepts --iterations 2147483647: the run stops by its own criteria and keeps a bounded recording`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0^2; x1"; "--target"; "1,1"; "--start"; "2,2"; "--iterations"; "2147483647"; "--format"; "json" ]
    Assert.True((code = 0), err)
    for m in JsonDocument.Parse(out).RootElement.GetProperty("methods").EnumerateArray() do
        // Every method converges within a few thousand iterations: all its points are kept, far from 2³¹.
        let iterations = m.GetProperty("trajectoryIterations").GetArrayLength()
        Assert.True(iterations < 10_000, sprintf "%s kept %d points" (m.GetProperty("name").GetString()) iterations)
        Assert.Equal("Converged", m.GetProperty("stopReason").GetString())

[<Theory>]
[<InlineData(2147483647, 2, 2)>]
[<InlineData(2147483646, 1, 1)>]
[<InlineData(2147483647, 100000, 100000)>]
let ``the recording of a run at the largest iteration limits is bounded, never every point`` (iterations: int, n: int, m: int) =
    let recording = BookExample.RecordingFor(iterations, n, m)
    let most = Option.ofNullable recording.MaxPoints
    Assert.True(most.IsSome, sprintf "%A" recording)
    Assert.True(most.Value <= BookExample.PlottedPoints, sprintf "%d points" most.Value)

[<Fact>]
let ``the API runs at int.MaxValue iterations allocating no more than at a limit the run never reaches`` () =
    let problem () = PhysicsProblem.FromText("x0^2; x1", [| 2.0; 2.0 |], [| 1.0; 1.0 |])
    let allocated (limit: int) =
        let p = problem ()
        p.Run(Method.PhysicalGradient, 0.3, 1000) |> ignore // compiled and warmed up
        let before = GC.GetAllocatedBytesForCurrentThread()
        let run = p.Run(Method.PhysicalGradient, 0.3, limit)
        GC.GetAllocatedBytesForCurrentThread() - before, run
    let small, shortRun = allocated 1000
    let large, longRun = allocated Int32.MaxValue
    Assert.Equal(StopReason.Converged, longRun.Exit.Reason)
    Assert.Equal(shortRun.Exit.Iteration, longRun.Exit.Iteration)
    // The same run: what the limit may add is a bounded recording's bookkeeping, not memory per iteration allowed.
    Assert.True(large < 2L * small + (1L <<< 20), sprintf "%d bytes at 2³¹ − 1 against %d at 1000" large small)
    let comparison = problem().CompareMethods(MethodCatalog.Parse "ig:0.3,hig:0.3", Int32.MaxValue)
    for r in comparison.Results do
        Assert.Equal(StopReason.Converged, r.Run.Exit.Reason)

// ---- 2. train's defaults on the HIG toy: no run fails ----

[<Fact>]
let ``the HIG toy's default Gauss-Newton does not diverge, evaluated at every step, for any of five seeds at either λ`` () =
    for lambda in [ 1.0; 0.01 ] do
        let example = Training.HigToy lambda
        let settings = example.SettingsFor TrainingMethod.GaussNewton
        let trainer = PhysicsTrainer(example.Network, example.Physics, example.Sampler)
        for seed in 1 .. 5 do
            // Every step evaluated: a time budget's evaluations every 1/200 of it caught GN's loss at step 4
            // (0.474 to 504 595, past 10⁶ times the start), where every 10th step did not.
            let run = trainer.Train(settings, seed, Nullable 40, Nullable(), example.EvalZ, example.EvalY, recordEvery = 1)
            Assert.False(run.Diverged, sprintf "λ = %g, seed %d: %s" lambda seed run.StopDetail)

// ---- 2, 3. train's plots: overlaps named only where lines lie on one another; axes over the runs ----

/// A run of `method` (one seed) through the given (step, seconds, loss) points.
let private history (method: TrainingMethod) (points: (int * float * float) list) diverged =
    let recorded = points |> List.map (fun (s, t, l) -> TrainingPoint(s, t, l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, 0.1, 256), 1, recorded, 0L, diverged)

let private plotOf name (runs: TrainingHistory[]) =
    Training.Plots(runs, "HIG toy") |> Seq.pick (fun struct (n, p) -> if n = name then Some p else None)

let private entryOf (plot: ScottPlot.Plot) (start: string) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith(start + " "))

/// The trial's plain `train`, as recorded: Adam 14 475 steps in 5 s falling to 1E-03, GN diverged at step 4
/// (0.474 to 504 595 at 0.028 s), HIG 1 444 steps rising to 1.3 at step 7 (0.022 s, above the plot) and falling to
/// 1E-03 by step 43, then to 5E-05.
let private trialRuns () =
    let adam = [ for k in 0 .. 50 -> (k * 289 + (if k = 50 then 25 else 0), 0.1 * float k, 0.474 * Math.Pow(1e-3 / 0.474, float k / 50.0)) ]
    let hig = (0, 0.0, 0.474) :: (7, 0.0221, 1.3) :: [ for k in 1 .. 40 -> (7 + k * 36 - (if k = 40 then 3 else 0), 0.0221 + 0.1245 * float k, 1e-3 * Math.Pow(0.05, float (k - 1) / 39.0)) ]
    [| history TrainingMethod.Adam adam false
       history TrainingMethod.GaussNewton [ (0, 0.0, 0.474); (4, 0.0281, 504595.0) ] true
       history TrainingMethod.Hig hig false |]

[<Fact>]
let ``a run that stopped at step 4 on the edge is not said to overlap a run that went on for 1 444 steps`` () =
    for name in [ "loss-time"; "loss-steps" ] do
        let plot = plotOf name (trialRuns ())
        Assert.DoesNotContain("overlaps", entryOf plot "hig")
        Assert.DoesNotContain("overlaps", entryOf plot "gn")

[<Fact>]
let ``step counts ten times apart are drawn on a log steps axis, every run spread over it`` () =
    let plot = plotOf "loss-steps" (trialRuns ())
    TestHelpers.rendered (fun () -> plot.GetImage(1000, 560)) |> ignore
    let limits = plot.Axes.GetLimits()
    // HIG's 1 444 steps reach past two thirds of the axis, not the first tenth of Adam's 14 475.
    let higEnd = Math.Log10(1.0 + 1444.0)
    Assert.True((higEnd - limits.Left) / (limits.Right - limits.Left) > 0.66, sprintf "%A" limits)
    Assert.Contains("log scale", plot.Axes.Bottom.Label.Text)
    let labels = plot.Axes.Bottom.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor) |> Array.map (fun t -> t.Label)
    Assert.Equal<string[]>([| "0"; "1"; "10"; "100"; "1000"; "10000" |], labels)
    // The legend's steps are step counts, not their logarithms.
    Assert.Contains("above the plot at steps 7,", entryOf plot "hig")

[<Fact>]
let ``step counts within ten times of one another keep the linear steps axis`` () =
    let runs =
        [| history TrainingMethod.Adam [ for k in 0 .. 10 -> (300 * k, 0.01 * float k, 0.5 / float (k + 1)) ] false
           history TrainingMethod.Hig [ for k in 0 .. 10 -> (30 * k, 0.01 * float k, 0.5 / float (k * k + 1)) ] false |]
    let plot = plotOf "loss-steps" runs
    Assert.Equal("steps", plot.Axes.Bottom.Label.Text)

[<Fact>]
let ``the time axis ends just past the last recorded time, not 15 percent beyond it`` () =
    let plot = plotOf "loss-time" (trialRuns ())
    TestHelpers.rendered (fun () -> plot.GetImage(1000, 560)) |> ignore
    let limits = plot.Axes.GetLimits()
    Assert.Equal(0.0, limits.Left)
    Assert.True(limits.Right >= 5.0 && limits.Right <= 5.0 * 1.05, sprintf "the axis ends at %g s for a run ending at 5 s" limits.Right)
