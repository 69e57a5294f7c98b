/// A legend says a run "coincides with" another only when the two are the same in all that is recorded
/// (every component of x and P(x), and the loss), not only in the components a stack of panels draws
/// (heat1d-inverse: HIG was said to coincide with IG while their final losses differed by 30%).
module PhysGrad.Properties.PlotCoincidence

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

let private n = 20

/// A run from 0 straight to `finish` in 10 steps, its loss ½‖x − 1‖² (P is the identity).
let private run (name: string) (finish: float[]) =
    let points = [| for k in 0..10 -> finish |> Array.map (fun v -> v * float k / 10.0) |]
    let losses = points |> Array.map (fun p -> 0.5 * (p |> Array.sumBy (fun v -> (v - 1.0) * (v - 1.0))))
    OptimizerRun(name, 0.1, points, points, losses,
                 ExitReason(StopReason.IterationLimit, 10, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

/// The legend entry of the run named `name` in a figure's first panel.
let private entry (figure: TrajectoryPlots.Figure) (name: string) =
    figure.Panels.[0].Legend.ManualItems
    |> Seq.map (fun i -> i.LabelText.Replace('\n', ' '))
    |> Seq.find (fun l -> l.StartsWith(name + " ") || l.StartsWith(name + ","))

// Components 0–2, 19 (always drawn) and 3–6 (moved most) reach 1; component 10 moves 0.3 at most, so of
// 20 it is not drawn (8 panels: the first three, the last, the four that moved most).
let private finish (hidden: float) =
    Array.init n (fun j -> if j <= 6 || j = n - 1 then 1.0 elif j = 10 then hidden else 0.0)

let private figures (runs: OptimizerRun[]) =
    let problem = PhysicsProblem.FromText(String.Join("; ", [ for j in 0 .. n - 1 -> sprintf "x%d" j ]), Array.create n 1.0, Array.zeroCreate n)
    TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)

[<Fact>]
let ``runs alike in the drawn components but not in a hidden one are not said to coincide`` () =
    let runs = [| run "ig" (finish 0.0); run "hig" (finish 0.3) |]
    // The panels drawn are the same for both runs: the difference is only in component 10.
    let shown = TrajectoryPlots.ChosenComponents(runs, (fun r -> r.Trajectory), n, [| false; false |])
    Assert.DoesNotContain(10, shown)
    Assert.Equal(8, shown.Length)
    // The final losses differ (6 against 5.745), so the legend must not call them one run.
    Assert.NotEqual(runs.[0].Losses.[10], runs.[1].Losses.[10])
    let all = figures runs
    Assert.Equal(3, Seq.length all)
    for figure in all do
        Assert.DoesNotContain("coincides with", entry figure "hig")

[<Fact>]
let ``runs the same in every component and the loss are still said to coincide`` () =
    let runs = [| run "ig" (finish 0.3); run "hig" (finish 0.3) |]
    for figure in figures runs do
        Assert.Contains("coincides with ig", entry figure "hig")

[<Fact>]
let ``the recorded state decides: a hidden component, an output or the loss apart makes two runs differ`` () =
    let a = run "ig" (finish 0.0)
    let same = TrajectoryPlots.SameState [| a; run "hig" (finish 0.0) |]
    Assert.True(same.[0, 1])
    Assert.False(same.[0, 0])
    Assert.False((TrajectoryPlots.SameState [| a; run "hig" (finish 0.3) |]).[1, 0])
    // Only the outputs differ (the trajectory and the loss are a's).
    let copy (outputs: float[][]) (losses: float[]) =
        OptimizerRun(a.Name, a.Eta, a.Trajectory, outputs, losses, a.Exit, a.Fallbacks, a.WallTime)

    let outputs = copy (a.Outputs |> Seq.map (Array.map (fun v -> v + 0.5)) |> Array.ofSeq) (Array.ofSeq a.Losses)
    Assert.False((TrajectoryPlots.SameState [| a; outputs |]).[0, 1])
    // Only the loss differs, by 30% at the end.
    let loss = copy (Array.ofSeq a.Outputs) (a.Losses |> Seq.mapi (fun k l -> if k = 10 then 1.3 * l else l) |> Array.ofSeq)
    Assert.False((TrajectoryPlots.SameState [| a; loss |]).[0, 1])
