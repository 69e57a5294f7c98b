/// A step that leaves the simulator's domain (issue #12): the run stops with LeftDomain at its last point
/// inside, naming the step and the failing condition, rather than diverging with a NaN final loss; the
/// plots draw it to that point with a ring, and the CLI fails the run (exit 1) as it does a divergence.
module PhysGrad.Properties.DomainExit

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

[<Fact>]
let ``GD on log(x0) stepping below 0 stops with LeftDomain at the start, naming the condition and the step`` () =
    // P = log(x0), y* = −5, L = ½(log x0 + 5)², ∂L/∂x0 = (log x0 + 5)/x0 = 5 at x0 = 1: GD with η = 1 goes to
    // 1 − 5 = −4, where log is undefined (x0 > 0 fails). The start's loss is ½·5² = 12.5.
    let p = Problem.Create([| "x0" |], Parse.many "log(x0)", null, [| -5.0 |], [| 1.0 |], null, true)
    let r = Optimizer.Run(CompiledProblem p, Method.GradientDescent, 1.0, p.Start, 10)
    Assert.Equal(StopReason.LeftDomain, r.StopReason)
    Assert.Equal(0, r.Exit.Iteration)
    // The point outside is not kept: the run ends where it started, with a finite loss.
    Assert.Equal(1, r.Trajectory.Count)
    Assert.Equal(1.0, r.Final.[0])
    Assert.Equal(12.5, r.FinalLoss, 12)
    Assert.Contains("iteration 1 left the domain", r.StopDetail)
    Assert.Contains("x0 > 0 for log(x0) fails (x0 = -4)", r.StopDetail)

[<Fact>]
let ``a step outside P's domain stops with LeftDomain also where the loss in x is still defined`` () =
    // P = sqrt(x0), y* = 0: L(P(x)) = sqrt(x0)²/2 simplifies to x0/2, finite at every x0, while P is NaN for
    // x0 < 0. GD at η = 3 from 1: ∂L/∂x0 = 1/2, so x0 → 1 − 1.5 = −0.5, outside x0 ≥ 0. The run must end at
    // the start (loss ½), not report the loss −0.25 as a converged global minimum (found by a new-user trial).
    let p = Problem.Create([| "x0" |], Parse.many "sqrt(x0)", null, [| 0.0 |], [| 1.0 |], null, true)
    for m in [ Method.GradientDescent; Method.InverseGradient ] do
        let r = Optimizer.Run(CompiledProblem p, m, (if m = Method.GradientDescent then 3.0 else 1.5), p.Start, 10)
        Assert.Equal(StopReason.LeftDomain, r.StopReason)
        Assert.Equal(1.0, r.Final.[0])
        Assert.Equal(0.5, r.FinalLoss, 12)
        Assert.Contains("x0 ≥ 0 for sqrt(x0) fails", r.StopDetail)

[<Fact>]
let ``a run leaving the domain after recorded steps ends at its last point inside, also when that point was not recorded`` () =
    // P = log(x0), y* = 0 from x0 = 4 with GD at η = 6: x ← x − 6·log(x)/x. 4 → 4 − 6·1.386/4 = 1.921
    // → 1.921 − 6·0.653/1.921 = -0.118: step 2 leaves. With every 5th point recorded, iteration 1 is not
    // recorded at its turn and must still be the run's last point.
    let p = Problem.Create([| "x0" |], Parse.many "log(x0)", null, [| 0.0 |], [| 4.0 |], null, true)
    let x1 = 4.0 - 6.0 * Math.Log 4.0 / 4.0
    for recording in [ Recording.Full; Recording.EveryKth 5 ] do
        let r = Optimizer.Run(CompiledProblem p, Method.GradientDescent, 6.0, p.Start, 10, recording = recording)
        Assert.Equal(StopReason.LeftDomain, r.StopReason)
        Assert.Equal(1, r.Exit.Iteration)
        Assert.Equal(2, r.Losses.Count)
        Assert.Equal(1, r.Iterations)
        Assert.Equal(x1, r.Final.[0], 12)
        Assert.Equal(0.5 * Math.Log x1 ** 2.0, r.FinalLoss, 12)
        Assert.Contains("iteration 2 left the domain: x0 > 0 for log(x0) fails", r.StopDetail)

[<Fact>]
let ``compare shows the last point inside the domain and fails the run for the issue's sqrt example`` () =
    // sqrt(x0) from 1 towards y* = −1: IG's Δx = J⁻¹Δy = 2·(−2) = −4 lands on −3, outside x0 ≥ 0. The table
    // keeps x = 1 and its loss ½(1 + 1)² = 2, not NaN, and the run fails with exit 1 like a divergence.
    let dir = Path.Combine(Path.GetTempPath(), $"physgrad-domain-{Environment.ProcessId}")
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "sqrt(x0)"; "--target"; "-1"; "--start"; "1"; "--methods"; "gd:1,ig:1,pg:1"; "--out"; dir ]
    Assert.Equal(1, code)
    let row = (TestHelpers.unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "ig ")
    Assert.DoesNotContain("NaN", row)
    Assert.Contains("[1.00000]", row)
    Assert.Contains(" 2.00000 ", row)
    // The row's stop column holds the reason, the note under the table the whole stop (compare's one layout, tables29).
    Assert.EndsWith("  left the domain", row.TrimEnd())
    Assert.Contains("left the domain: iteration 1 left the domain: x0 ≥ 0 for sqrt(x0) fails (x0 = -3)", TestHelpers.unwrapped out)
    Assert.Contains("physgrad: ig failed: iteration 1 left the domain", err)
    let json = Cli.run [ "compare"; "--simulator"; "sqrt(x0)"; "--target"; "-1"; "--start"; "1"; "--methods"; "ig:1"; "--format"; "json"; "--out"; dir ]
    let _, text, _ = json
    let doc = Text.Json.JsonDocument.Parse text
    let ig = doc.RootElement.GetProperty("methods").[0]
    Assert.Equal("LeftDomain", ig.GetProperty("stopReason").GetString())
    Assert.Equal(2.0, ig.GetProperty("finalLoss").GetDouble(), 12)

[<Fact>]
let ``the plots draw a run that left the domain to its last defined point, ringed, without crosses`` () =
    let problem = PhysicsProblem.FromText("sqrt(x0)", [| -1.0 |], [| 1.0 |])
    let runs = problem.CompareMethods(MethodCatalog.Parse "ig:1,newton:0.5", 5).Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.Equal(StopReason.LeftDomain, runs.[0].StopReason)
    let ig = (TrajectoryPlots.ColorsOf runs).[0]
    for figure in TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) do
        TrajectoryPlots.Render figure |> ignore
        let panel = figure.Panels.[0]
        let legend = panel.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "ig ")
        Assert.Contains("left the domain at iteration 1", legend)
        Assert.Empty(TestHelpers.markers panel ScottPlot.MarkerShape.Eks ig)
        if figure.Name = "x-space" || figure.Name = "loss" then
            // IG's drawn data ends at iteration 0, at x0 = 1 (L = 2), and the ring sits there.
            let last =
                panel.GetPlottables()
                |> Seq.choose (function
                    | :? ScottPlot.Plottables.Scatter as s when s.Color = ig -> Some(s.Data.GetScatterPoints())
                    | _ -> None)
                |> Seq.last
            let expected = if figure.Name = "x-space" then 1.0 else 2.0
            Assert.Equal(0.0, last.[last.Count - 1].X)
            Assert.Equal(expected, last.[last.Count - 1].Y, 12)
            let ring = Assert.Single(TestHelpers.markers panel ScottPlot.MarkerShape.OpenCircle ig)
            Assert.Equal(last.[last.Count - 1], ring)

[<Fact>]
let ``a run stopped by an infinite derivative at a finite point is drawn to that point, not clipped to the other runs' range`` () =
    // sqrt(x0) from 1 towards y* = −1: GD with η = 1 steps by ∂L/∂x0 = (√x0 + 1)/(2√x0) = 1 to x0 = 0, L = ½;
    // there ∂L/∂x0 = ∞, so step 2 cannot be taken (Diverged on the gradient), while IG leaves the domain
    // at once and stays at x0 = 1. GD's finite point (0, 0.5) is the lowest loss of the plot and must be
    // inside the plotted range; it used to be cut to IG's range 0.9–1.1 as an exploding run.
    let problem = PhysicsProblem.FromText("sqrt(x0)", [| -1.0 |], [| 1.0 |])
    let runs = problem.CompareMethods(MethodCatalog.Parse "gd:1,ig:1", 5).Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.Equal(StopReason.Diverged, runs.[0].StopReason)
    Assert.Equal(Nullable Quantity.Gradient, runs.[0].Exit.NonFinite |> Option.ofNullable |> Option.map (fun v -> v.Quantity) |> Option.toNullable)
    Assert.Equal(0.0, runs.[0].Final.[0])
    for figure in TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) do
        TrajectoryPlots.Render figure |> ignore
        if figure.Name = "x-space" || figure.Name = "loss" then
            let panel = figure.Panels.[0]
            let limits = panel.Axes.GetLimits()
            let gdLast = if figure.Name = "x-space" then 0.0 else 0.5
            let lowest = if figure.Name = "loss" && panel.Axes.Left.Label.Text.Contains "log" then Math.Log10 gdLast else gdLast
            Assert.True(limits.Bottom <= lowest && lowest <= limits.Top, sprintf "%s: %g outside [%g, %g]" figure.Name lowest limits.Bottom limits.Top)

[<Fact>]
let ``check's landing property measures PG landing exactly on sqrt's boundary instead of failing with NaN`` () =
    // sqrt(x0) from 1 to y* = 0 at η = 1: PG's y-step goes to 0 and the inverse y² lands on x0 = 0 exactly,
    // where J = 1/(2√x0) = ∞. The backward error's rounding term ‖J‖‖x‖ was ∞·0 = NaN, a false FAIL; at x = 0
    // rounding of x causes no miss, so the miss |P(0) − 0| = 0 passes.
    let code, out, _ = Cli.run [ "check"; "--simulator"; "sqrt(x0)"; "--target"; "0"; "--start"; "1"; "--eta"; "1" ]
    let row = out.Split('\n') |> Array.find (fun l -> l.Contains "PG lands on")
    Assert.Contains("pass", row)
    Assert.DoesNotContain("NaN", row)
    Assert.DoesNotContain("FAIL", out)
    Assert.Equal(0, code)
