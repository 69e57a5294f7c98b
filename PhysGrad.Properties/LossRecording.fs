/// A run's memory is bounded whatever its iteration limit: the losses are kept within Recording.MaxLosses
/// (each stretch's least and greatest past it, with the start, iteration 1 and the last), a comparison keeps
/// at most BookExample.PlottedPoints points, and the loss plot draws at most TrajectoryPlots.DrawnLossLimit
/// losses a run. Each kept loss is checked against a run that keeps every one.
module PhysGrad.Properties.LossRecording

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

// GD on ½(x² − 1)² with η ≈ 0.7 does not settle: x hops chaotically about ±1 (losses from 1E-9 to 0.4
// in 3000 steps, no two alike), so every stretch has its own least and greatest and no early stop.
let private chaotic = lazy (PhysicsProblem.FromText("x0^2", [| 1.0 |], [| 0.3 |]).Compiled)

let private run eta start iterations (recording: Recording) =
    Optimizer.Run(chaotic.Value, Method.GradientDescent, eta, [| start |], iterations, recording = recording)

let private budgeted budget = Recording.Full.WithMaxLosses budget

let private cases =
    Gen.zip (Gen.zip (Gen.choose (0, 3000)) (Gen.choose (Recording.MinLosses, 64))) (Gen.zip (Gen.elements [ 0.66; 0.7; 0.72; 0.75 ]) (Gen.choose (1, 9)))
    |> Gen.map (fun ((iterations, budget), (eta, tenth)) -> iterations, budget, eta, tenth)
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``a thinned run keeps at most its budget of losses, each the true loss of its iteration, with the extremes, the start, iteration 1 and the last`` () =
    Prop.forAll cases (fun (iterations, budget, eta, tenth) ->
        let start = float tenth / 10.0
        let full = run eta start iterations Recording.Full
        let thin = run eta start iterations (budgeted budget)
        let its = [| for k in 0 .. thin.Losses.Count - 1 -> thin.LossIterationAt k |]
        let bits (v: float) = BitConverter.DoubleToInt64Bits v
        (thin.Losses.Count <= budget |> Prop.label (sprintf "%d losses kept, budget %d" thin.Losses.Count budget))
        .&. ((full.LossIterations = null) |> Prop.label "the default budget thinned a short run")
        .&. ((Array.pairwise its |> Array.forall (fun (a, b) -> a < b)) |> Prop.label (sprintf "iterations not ascending: %A" its))
        .&. ((Array.forall2 (fun k (l: float) -> bits l = bits full.Losses.[k]) its (Array.ofSeq thin.Losses))
             |> Prop.label "a kept loss differs from the loss at its iteration")
        .&. ((Seq.contains (Seq.min full.Losses) thin.Losses && Seq.contains (Seq.max full.Losses) thin.Losses)
             |> Prop.label (sprintf "min %g / max %g of the run not kept" (Seq.min full.Losses) (Seq.max full.Losses)))
        .&. ((its.[0] = 0 && (full.Iterations < 1 || its.[1] = 1) && its.[its.Length - 1] = full.Iterations)
             |> Prop.label (sprintf "start, iteration 1 or last (%d) missing: %A" full.Iterations its))
        .&. ((thin.Iterations = full.Iterations && full.Iterations = full.Exit.Iteration) |> Prop.label "iteration counts differ")
        .&. ((thin.Losses.Count = full.Losses.Count) = (full.Losses.Count < budget) |> Prop.label "thinned although the losses fit, or not although they did not")
        |> Prop.label (sprintf "%d iterations, budget %d, η %g, start %g" iterations budget eta start))

[<Fact>]
let ``a comparison's run keeps a bounded number of points and losses whatever the iteration limit`` () =
    // 10⁸ iterations at n = m = 1: RecordedBytes alone allowed 16.7 M points.
    let recording = BookExample.RecordingFor(100_000_000, 1, 1)
    Assert.Equal(Nullable BookExample.PlottedPoints, recording.MaxPoints)
    Assert.Equal(Recording.DefaultMaxLosses, recording.MaxLosses)
    // A short run's recording is whole, as before.
    Assert.Equal(Recording.Full, BookExample.RecordingFor(BookExample.PlottedPoints - 1, 1, 1))

[<Fact>]
let ``a loss budget below the least is refused, naming the option and the least`` () =
    let e = Assert.Throws<PhysGrad.Symbolic.SymbolicException>(fun () -> run 0.7 0.3 10 (budgeted 5) |> ignore)
    Assert.Contains("MaxLosses", e.Message)
    Assert.Contains(string Recording.MinLosses, e.Message)

[<Fact>]
let ``the loss plot draws a bounded number of losses a run, with the extremes and both ends`` () =
    // 40 000 chaotic iterations kept whole (budget above them), more than the plot draws.
    let iterations = 40_000
    let r = run 0.7 0.3 iterations (budgeted 50_000)
    Assert.Equal(iterations + 1, r.Losses.Count)
    let drawn = TrajectoryPlots.DrawnLosses r
    Assert.True(drawn.Length <= TrajectoryPlots.DrawnLossLimit, sprintf "%d drawn" drawn.Length)
    Assert.True(drawn.Length > TrajectoryPlots.DrawnLossLimit / 2, sprintf "only %d drawn" drawn.Length)
    Assert.Equal(0, drawn.[0])
    Assert.Equal(iterations, drawn.[drawn.Length - 1])
    let values = drawn |> Array.map (fun k -> r.Losses.[k])
    Assert.Equal(Seq.min r.Losses, Array.min values)
    Assert.Equal(Seq.max r.Losses, Array.max values)
    // The figure itself: its curves together hold no more points than the bound (and the markers a few).
    let figure = TrajectoryPlots.Figures([| r |], chaotic.Value, PhysicsProblem.FromText("x0^2", [| 1.0 |], [| 0.3 |]).Definition)
                 |> Seq.find (fun f -> f.Name = "loss")
    let points =
        figure.Panels.[0].GetPlottables()
        |> Seq.sumBy (function
            | :? ScottPlot.Plottables.Scatter as s -> s.Data.GetScatterPoints().Count
            | _ -> 0)
    Assert.True(points > 1000 && points <= TrajectoryPlots.DrawnLossLimit + 16, sprintf "%d points drawn" points)

[<Fact>]
let ``a short run draws every loss`` () =
    let r = run 0.7 0.3 500 Recording.Full
    Assert.Equal<int>([| 0 .. 500 |], TrajectoryPlots.DrawnLosses r)

[<Fact>]
let ``a bounded recording of a run that hops between two points keeps both of them`` () =
    // gd:2 on x0 with y* = 1 from 0 steps x ← x − 2(x − 1): 0, 2, 0, 2, … Multiples of an even interval alone
    // saw x = 0 only; each multiple with the iteration after it sees both.
    let c = PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |]).Compiled
    let r = Optimizer.Run(c, Method.GradientDescent, 2.0, [| 0.0 |], 100_000, recording = Recording.AtMost 64)
    Assert.True(r.Trajectory.Count <= 64, sprintf "%d points" r.Trajectory.Count)
    let late = [ for k in 0 .. r.Trajectory.Count - 1 do if r.RecordedIterations.[k] > 1000 then yield r.Trajectory.[k].[0] ]
    Assert.Equal<float list>([ 0.0; 2.0 ], late |> List.distinct |> List.sort)
    Assert.True(late.Length >= 20, sprintf "%A" late)
