/// Plot ranges that hug the data (issue 12): train's loss axis ran to 1E+06 for curves between 1E-03 and
/// 0.5 because Gauss–Newton's spike to 5E+04 passed a Tukey fence taken over every run pooled, and log loss
/// axes were to stay within a decade of the largest value drawn.
module PhysGrad.Properties.PlotRanges

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

let private limitsAfterRender (plot: ScottPlot.Plot) =
    TestHelpers.rendered (fun () -> plot.GetImage(1400, 600)) |> ignore
    plot.RenderManager.LastRender.AxisLimits

/// One run of `method` with the losses at steps 0, 10, 20, … .
let private run (method: TrainingMethod) (losses: float[]) =
    let points = losses |> Array.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l, nan))
    TrainingHistory(TrainingSettings(method, 0.1, 256), 1, points, 0L, false)

[<Fact>]
let ``train's loss range excludes a spike of one run even when another run falls four decades, and marks where it is cut`` () =
    // GN at 0.5 (log₁₀ −0.301) over 301 evaluations but 5E+04 (log₁₀ 4.7) at steps 10–30; HIG falling
    // log-linearly from 0.5 to 1E-04. Pooled, the quartiles are about −2.15 and −0.301 and the far-out fence
    // −0.301 + 3·1.85 = 5.25 lets the spike in; per run GN's quartiles are both −0.301 and its fence leaves it out.
    let n = 301
    let gn = Array.init n (fun k -> if k >= 1 && k <= 3 then 5e4 else 0.5)
    let hig = Array.init n (fun k -> 0.5 * Math.Pow(2e-4, float k / float (n - 1)))
    let plots = Training.Plots([| run TrainingMethod.GaussNewton gn; run TrainingMethod.Hig hig |], "test")
    let plot = plots |> Seq.pick (fun struct (name, p) -> if name = "loss-steps" then Some p else None)
    let limits = limitsAfterRender plot
    let top = Math.Log10 0.5
    // The axis holds every value but the spike, and ends within a decade above the largest of them.
    Assert.True(limits.Top > top && limits.Top < top + 1.0, sprintf "top %g" limits.Top)
    Assert.True(limits.Bottom < Math.Log10 1e-4 && limits.Bottom > Math.Log10 1e-4 - 1.0, sprintf "bottom %g" limits.Bottom)
    // GN leaves at step 0 → 10 and returns at 30 → 40: an upward triangle on the top edge at each crossing.
    let colour = Training.ColorOf TrainingMethod.GaussNewton
    let triangles =
        plot.GetPlottables()
        |> Seq.choose (function :? ScottPlot.Plottables.Marker as m when m.Color = colour && m.MarkerShape = ScottPlot.MarkerShape.FilledTriangleUp -> Some m.Location | _ -> None)
        |> List.ofSeq
    Assert.Equal(2, triangles.Length)
    for t in triangles do
        Assert.True(t.Y > top && t.Y < limits.Top, sprintf "triangle at %O, axis top %g" t limits.Top)
    Assert.True(triangles.[0].X > 0.0 && triangles.[0].X < 10.0 && triangles.[1].X > 30.0 && triangles.[1].X < 40.0, sprintf "%A" triangles)
    let entry = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "gn ")
    Assert.Contains("above the plot at steps 10–30, up to 5E+04", entry)

[<Fact>]
let ``compare's log loss axis ends within a decade above the largest loss`` () =
    // compare --simulator "x0^2" --start 3 --target 0: every loss is at most the start's ½·81 = 40.5.
    let problem = PhysicsProblem.FromText("x0^2", [| 0.0 |], [| 3.0 |])
    let runs =
        problem.Compare([| struct (Method.GradientDescent, 0.01); struct (Method.PhysicalGradient, 0.3) |], 10)
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let largest = runs |> Seq.collect (fun r -> r.Losses) |> Seq.max
    let loss = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "loss")
    let limits = limitsAfterRender loss.Panels.[0]
    Assert.Contains("log", loss.Panels.[0].Axes.Left.Label.Text)
    Assert.True(limits.Top >= Math.Log10 largest && limits.Top < Math.Log10 largest + 1.0,
                sprintf "top %g for a largest loss %g" limits.Top largest)
