/// Plot legends that never mislead (issue #12): "overlaps with" is judged on the runs' values at the same
/// iterations in a panel against the iteration, not on the band an oscillating run's segments fill; a plot
/// names every run in one form, its legend's.
module PhysGrad.Properties.Plots21

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

let private runsOf (comparison: Comparison) = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq

let private entries (plot: ScottPlot.Plot) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq

let private figure (problem: PhysicsProblem) (comparison: Comparison) name =
    TrajectoryPlots.Figures(runsOf comparison, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = name)

/// A synthetic run of one variable (P the identity, so outputs = points) with L = ½x².
let private synthetic (name: string) (eta: float) (xs: float[]) =
    let points = xs |> Array.map (fun x -> [| x |])
    OptimizerRun(
        name, eta, points, points, xs |> Array.map (fun x -> 0.5 * x * x),
        ExitReason(StopReason.IterationLimit, xs.Length - 1, Nullable(), null, Nullable(), "synthetic"),
        [||], TimeSpan.Zero)

let private curve (xs: float[]) = xs |> Array.mapi (fun k x -> struct (float k, x))

/// gd at η = 3 on sin(x0) from 1 hops between ±0.748 at every iteration; adam falls smoothly to 0. Every
/// segment of gd's zigzag crosses 0 half an iteration from adam's points, so the distance to gd's polyline
/// said adam lay under gd's line, and the legend said "adam … overlaps with gd", of two runs that never
/// share a value at any iteration.
[<Fact>]
let ``an oscillating run and a smooth one inside its band are not said to overlap`` () =
    let problem = PhysicsProblem.FromText("sin(x0)", [| 0.0 |], [| 1.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:3,adam:0.5", 3000)
    let runs = runsOf comparison
    let xs (r: OptimizerRun) = r.Trajectory |> Seq.map (fun p -> p.[0]) |> Array.ofSeq
    let gd, adam = xs runs.[0], xs runs.[1]
    // The premise: gd's last 100 points alternate in sign at |x| ≈ 0.748; adam's end is near 0.
    for k in gd.Length - 100 .. gd.Length - 1 do
        Assert.True(abs (abs gd.[k] - 0.748) < 0.01 && sign gd.[k] = -(sign gd.[k - 1]), sprintf "gd x at %d = %g" k gd.[k])
    Assert.True(abs adam.[adam.Length - 1] < 1e-6, sprintf "adam ends at %g" adam.[adam.Length - 1])
    // The polyline rule of a plane says adam lies under gd's line; at the same iterations it never does.
    let box = TrajectoryPlots.Box.Of(Seq.append (curve gd) (curve adam))
    Assert.True(TrajectoryPlots.Overlaps(curve gd, curve adam, box))
    Assert.False(TrajectoryPlots.OverlapsAtIterations(curve gd, curve adam, box))
    for space in [ "x-space"; "y-space"; "loss" ] do
        let legend = entries (figure problem comparison space).Panels.[0]
        let entry = legend |> Array.find (fun l -> l.StartsWith "adam")
        Assert.DoesNotContain("overlaps", entry)
        Assert.DoesNotContain("coincides", entry)

/// The same rule still finds runs that are drawn one over the other: a run that stops halfway along
/// another's curve (the same values at the same iterations, so no "coincides": it is shorter), and one
/// that differs from an oscillating run by less than the plot can show.
[<Fact>]
let ``runs with the same values at the same iterations are still said to overlap`` () =
    let zigzag = Array.init 200 (fun k -> if k % 2 = 0 then 0.75 else -0.75)
    let box = TrajectoryPlots.Box.Of(curve zigzag)
    // 0.2% of the band's height apart at every iteration: one line over the other.
    Assert.True(TrajectoryPlots.OverlapsAtIterations(curve zigzag, curve (zigzag |> Array.map (fun x -> x + 3e-3)), box))
    // 3% apart: told apart.
    Assert.False(TrajectoryPlots.OverlapsAtIterations(curve zigzag, curve (zigzag |> Array.map (fun x -> x + 4.5e-2)), box))
    // A run recorded at every other iteration only is compared where both have a value.
    let sparse = curve zigzag |> Array.filter (fun (struct (k, _)) -> int k % 2 = 0)
    Assert.True(TrajectoryPlots.OverlapsAtIterations(curve zigzag, sparse, box))
    // Through the figure: adam stops at iteration 10 on gd's curve.
    let problem = PhysicsProblem.FromText("x0", [| 0.0 |], [| 1.0 |])
    let whole = Array.init 21 (fun k -> 0.8 ** float k)
    let runs = [| synthetic "gd" 0.2 whole; synthetic "adam" 0.5 whole.[0..10] |]
    let legend = entries (TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "x-space")).Panels.[0]
    Assert.Contains(legend, fun l -> l.StartsWith "adam (η = 0.5)" && l.Contains "overlaps with gd (η = 0.2)")

/// A plot names a run in its legend's form (gd (η = 0.01)) wherever it names it: the entries of runs said
/// to overlap another named it by the table's label (gd:0.01), and the target's entry named the run whose
/// end stands in for x* so too. The table and the JSON keep the label, as their method column.
[<Fact>]
let ``a plot names every run as its legend does`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,gd:0.001", 10)
    let legend = entries (figure problem comparison "x-space").Panels.[0]
    Assert.Contains(legend, fun l -> l.StartsWith "gd (η = 0.001)" && l.Contains "overlaps with gd (η = 0.01)")
    Assert.DoesNotContain(legend, fun l -> l.Contains "gd:")
    // exp(x0) = 0 has no preimage; ig's end stands in for x*.
    let problem = PhysicsProblem.FromText("exp(x0)", [| 0.0 |], [| 0.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "ig:1,ig:0.5", 10)
    Assert.Equal(TargetPointKind.ApproximateRunEnd, comparison.Target.Kind)
    Assert.StartsWith("x* ≈ ig:1's end", comparison.Target.Note)
    let target = entries (figure problem comparison "x-space").Panels.[0] |> Array.find (fun l -> l.StartsWith "target")
    Assert.Contains("x* ≈ ig (η = 1)'s end", target)

/// RunReport's docstring said the target's fields were "omitted when null" while every one is written:
/// the document keeps one set of keys, and a field that does not apply is null (a reader tells "does not
/// apply" by the null, never by a missing key). Without a target (the loss is given) each is there, null.
[<Fact>]
let ``the JSON writes every target field, as null where it does not apply`` () =
    let code, json, err =
        Cli.run [ "compare"; "--simulator"; "x0^2"; "--loss"; "(y0 - 4)^2"; "--start"; "1"; "--methods"; "gd"; "--iterations"; "2"; "--format"; "json" ]
    Assert.True((code = 0), err)
    let problem = Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.Equal(Text.Json.JsonValueKind.Null, problem.GetProperty("target").ValueKind)
    for key in [ "targetX"; "targetXBy"; "targetXNearestReason"; "targetXIsolated"; "targetXNotIsolatedReason"; "targetXDistances" ] do
        let found, value = problem.TryGetProperty key
        Assert.True(found, sprintf "no %s in %s" key (problem.GetRawText()))
        Assert.Equal(Text.Json.JsonValueKind.Null, value.ValueKind)

/// The C# the rules are printed as keeps every line within 100 characters; the helper definitions appended
/// to a rule class (Log1p, Expm1) were one line each, Expm1's 150 characters as a class member.
[<Fact>]
let ``the helper definitions of the C# format are lines of at most 100 characters and still compile`` () =
    let code = (Expression.Parse "log1p(x0) + expm1(x0) + sign(x0)").ToCSharpCallingHelpers()
    let helpers = Expression.CSharpHelpers code
    Assert.Equal(3, helpers.Count)
    // A rule class writes each as "    private " + its first line, and its other lines indented by 4.
    for h in helpers do
        h.Split('\n') |> Array.iteri (fun k line ->
            Assert.True((if k = 0 then "    private " else "    ").Length + line.Length <= 100, line))
    Assert.True(helpers |> Seq.exists (fun h -> h.Contains '\n'), "no helper is written over several lines")
    // As members of a class, as the rule classes hold them: log1p + expm1 + sign at 1E-10, where 1 + t rounds.
    let source =
        "using System; public static class G { " + String.Join("\n", helpers |> Seq.map (fun h -> "private " + h))
        + "\npublic static double F(double x0) => " + code + "; }"
    let f = (TestHelpers.compileCSharp source).GetType("G").GetMethod "F"
    Assert.Equal(1.0 + 2e-10, f.Invoke(null, [| box 1e-10 |]) :?> float, 15)
