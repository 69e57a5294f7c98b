/// One problem model: x* found once per comparison and shared by the table, the JSON report and the plots.
module PhysGrad.Properties.ProblemModel

open System
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Numerics

/// P(x) = x0², y* = 4, start −3: two preimages ±2, and the one nearest the start is −2. GD at η = 0.11
/// crosses to the other branch: ∂L/∂x = 2·x0·(x0² − 4) = −30 at −3, so x0 ← −3 + 0.11·30 = 0.3, from
/// where GD climbs to +2 (stable there: η·L''(2) = 0.11·16 = 1.76 < 2, contraction |1 − 1.76| = 0.76 per
/// step, so 100 steps leave 0.76¹⁰⁰ ≈ 10⁻¹² of the error).
let private twoBranches () =
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| -3.0 |])

    problem,
    problem.CompareMethods(
        [| struct (Method.GradientDescent, 0.11)
           struct (Method.PhysicalGradient, 0.3) |],
        100
    )

[<Fact>]
let ``x* is the preimage nearest the start, and every distance in the table is measured to it`` () =
    let _, comparison = twoBranches ()
    Assert.Equal(TargetPointKind.PreimageNearStart, comparison.Target.Kind)
    Assert.Equal<float[]>([| -2.0 |], comparison.Target.X)
    let gd = comparison.Results.[0]
    Assert.Equal(2.0, gd.Run.Final.[0], 6)
    // GD ended on the other branch: 4 from x* = −2 (measuring from its own end's preimage would give 0).
    Assert.Equal("x", gd.DistanceSpace)
    Assert.Equal(4.0, gd.DistanceToTarget, 6)
    // PG stays on the start's branch and reaches x* itself.
    Assert.Equal(0.0, comparison.Results.[1].DistanceToTarget, 6)

[<Fact>]
let ``the plot marks the same x* as the table, and the JSON report carries it`` () =
    let problem, comparison = twoBranches ()
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let xSpace = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = "x-space")
    // One variable: x0 against the iteration, x* drawn as a horizontal line labelled "target".
    let lines =
        xSpace.Panels.[0].GetPlottables()
        |> Seq.choose (function
            | :? ScottPlot.Plottables.HorizontalLine as l when l.LegendText.StartsWith "target" -> Some l.Y
            | _ -> None)
        |> List.ofSeq
    Assert.Equal<float list>([ -2.0 ], lines)
    use doc = JsonDocument.Parse(problem.ToJson comparison)
    let p = doc.RootElement.GetProperty "problem"
    Assert.Equal(-2.0, p.GetProperty("targetX").[0].GetDouble())
    Assert.Equal("preimageNearStart", p.GetProperty("targetXKind").GetString())

[<Fact>]
let ``without a preimage there is no x*, the distances are in y, and the reason is said`` () =
    // Two outputs from one variable, [x0, x0 + 1] with y* = [0, 0]: no x0 has x0 = 0 and x0 + 1 = 0 at once,
    // so no preimage exists; GD ends at the least-squares point x0 = −½ whose loss ½(¼ + ¼) = ¼ is not
    // 10⁻⁶ of the start's, so no run's end stands in for x* either.
    let problem = PhysicsProblem.FromText("x0; x0 + 1", [| 0.0; 0.0 |], [| 1.0 |])
    let comparison = problem.CompareMethods([| struct (Method.GradientDescent, 0.5) |], 20)
    Assert.Equal(TargetPointKind.None, comparison.Target.Kind)
    Assert.Null(comparison.Target.X)
    Assert.False(String.IsNullOrEmpty comparison.Target.Note)
    Assert.Equal("y", comparison.Results.[0].DistanceSpace)
