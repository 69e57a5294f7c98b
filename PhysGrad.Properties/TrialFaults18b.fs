/// Plot faults of a new-user trial fixed as kinds, each measured on the figure built: runs whose drawn
/// (clipped) paths coincide are said to overlap; each axis of a 2-D plot has its own component's scale;
/// the run named in "overlaps with" is the one whose line a run runs along; legend rows are as tall as
/// their own labels.
module PhysGrad.Properties.TrialFaults18b

open Xunit
open PhysGrad
open PhysGrad.Numerics

let private figure (problem: PhysicsProblem) methods iterations name =
    let comparison = problem.CompareMethods(MethodCatalog.Parse methods, iterations)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    runs, TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = name)

let private entry (plot: ScottPlot.Plot) (run: string) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith(run + " "))

[<Fact>]
let ``two exploding runs that leave through the same edge point are said to overlap, judged on the clipped paths`` () =
    // x0² from 3e7 toward 1e16: gd (η = 0.01) and hig both leave the range between iterations 0 and 1.
    let problem = PhysicsProblem.FromText("x0^2", [| 1e16 |], [| 3e7 |])
    let runs, x = figure problem "gd:0.01,pg:0.5,hig:0.5" 10 "x-space"
    let plot = x.Panels.[0]
    // Their raw second points differ (gd's is far beyond hig's): only the drawn, clipped paths coincide.
    let second name = (runs |> Array.find (fun r -> r.Name = name)).Trajectory.[1].[0]
    Assert.True(abs (second "gd" - second "hig") > 1e-3 * abs (second "hig"))
    Assert.Contains("off the plot between iterations 0 and 1", entry plot "gd")
    Assert.Contains("off the plot between iterations 0 and 1", entry plot "hig")
    Assert.Contains("overlaps with gd", entry plot "hig")
    Assert.DoesNotContain("overlaps", entry plot "pg")

[<Fact>]
let ``each axis of a 2-D plot spans its own component, and runs apart on the small axis are not said to coincide`` () =
    let problem = PhysicsProblem.FromText("1e8*x0; 1e-8*x1^2", [| 1e8; 1e-8 |], [| 3.0; 3.0 |])
    let runs, y = figure problem "gd:0.01,pg:0.3,ig:0.3" 10 "y-space"
    let plot = y.Panels.[0]
    let y1 = runs |> Seq.collect (fun r -> r.Outputs |> Seq.map (fun p -> p.[1])) |> Array.ofSeq
    let extent = Array.max y1 - Array.min y1
    let axis = plot.Axes.Left
    // The y1 axis is a few times the range y1 moves in (3e-8 .. 9e-8), not ±1.6E+7.
    Assert.True(axis.Max - axis.Min <= 3.0 * extent, sprintf "y1 axis %g .. %g for y1 moving over %g" axis.Min axis.Max extent)
    Assert.True(axis.Min <= Array.min y1 && axis.Max >= Array.max y1)
    // pg's y1 falls to the target while gd's stays near x1 = 3 (∂L/∂x1 is 10⁻¹⁶ of ∂L/∂x0 there, so GD moves
    // y0 only): not the same curve. (ig moved only y0 too until its rank decision was made scale-free.)
    let last name = (runs |> Array.find (fun r -> r.Name = name)).Outputs |> Seq.last
    Assert.True(abs ((last "pg").[1] - (last "gd").[1]) > 0.1 * extent)
    Assert.DoesNotContain("coincides with pg", entry plot "gd")
    Assert.DoesNotContain("overlaps with pg", entry plot "gd")
    Assert.DoesNotContain("with", entry plot "pg")

[<Fact>]
let ``the run named in 'overlaps with' is the one whose line it runs along, not the first of its group`` () =
    // Four drawn paths: ig's line runs with pg's from 0 to 3, meets gn's points at 0, 2 and 3 only.
    let ig = [| 0.0, 0.0; 1.0, 0.5; 2.0, 1.0; 3.0, 1.0 |]
    let pg = [| 0.0, 0.0; 1.0, 0.5; 2.0, 0.97; 3.0, 0.97 |]
    let gn = [| 0.0, 0.0; 1.0, 0.99; 2.0, 1.0; 3.0, 1.0; 4.0, 1.0 |]
    let gd = [| 0.0, 0.0; 4.0, -3.0 |]
    let paths = [| gd; gn; pg; ig |] |> Array.map (Array.map (fun (x, y) -> struct (x, y)))
    let box = TrajectoryPlots.Box.Of(Seq.concat paths)
    let drawn = TrajectoryPlots.Drawn(paths, box, 4)
    // Overlap is judged on drawn length (trial 20): ig runs along pg's line over its whole length, but meets gn's
    // only on its last stretch (1 of its 3.24 units) and at shared points, which is not being drawn over gn.
    Assert.True(drawn.[3, 2], "ig's line runs along pg's")
    Assert.False(drawn.[3, 1], "ig shares only its last stretch and points with gn")
    let partners = TrajectoryPlots.Partners(paths, box, drawn, Array.create 4 -1)
    Assert.Equal<int[]>([| 2 |], partners.[3])
    Assert.Empty(partners.[0])

[<Fact>]
let ``legend rows are as tall as their own labels: one long entry does not spread the others`` () =
    // x0³ − 3x0: the target's entry has three lines; every other entry one.
    let problem = PhysicsProblem.FromText("x0^3 - 3*x0", [| 2.5 |], [| 0.5 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,pg:0.3,ig:0.3,hig:0.3", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let figures = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Array.ofSeq
    let perLine name =
        let plot = (figures |> Array.find (fun f -> f.Name = name)).Panels.[0]
        let lines = plot.Legend.ManualItems |> Seq.sumBy (fun i -> i.LabelText.Split('\n').Length)
        let image = TestHelpers.rendered (fun () -> plot.Legend.GetImage())
        lines, float image.Height / float lines
    let (xLines, x) = perLine "x-space"
    let (lossLines, loss) = perLine "loss"
    Assert.True(xLines > 5 && lossLines >= 4)
    // Pixels per line of text in x-space (one three-line entry) within 25% of the loss legend's (one line each).
    Assert.True(x <= 1.25 * loss, sprintf "x-space legend %.1f px per line, loss legend %.1f" x loss)
