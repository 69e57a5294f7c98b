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
            | :? ScottPlot.Plottables.HorizontalLine as l -> Some l.Y
            | _ -> None)
        |> List.ofSeq
    Assert.Equal<float list>([ -2.0 ], lines)
    Assert.Contains(xSpace.Panels.[0].Legend.ManualItems, fun i -> i.LabelText.Replace('\n', ' ').StartsWith "target")
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

/// The problem file of the book's example with a loss (two simulator texts and one loss text).
let private bookJson =
    """{"variables":["x0","x1"],"simulator":["x0","x1^2"],"loss":"y0^2 + y1^2","target":[0,0],"start":[3,3]}"""

[<Fact>]
let ``a problem file is parsed once per field, however often it is checked, run, derived and reported`` () =
    use counter = PhysGrad.Symbolic.ParseCounter.Open()
    let problem = PhysicsProblem.FromJson bookJson
    let comparison =
        problem.CompareMethods([| struct (Method.GradientDescent, 0.01); struct (Method.PhysicalGradient, 0.3) |], 3)
    problem.ToJson comparison |> ignore
    problem.Rules() |> ignore
    problem.YStep() |> ignore
    problem.Check() |> ignore
    let moved = problem.WithStart [| 1.0; 2.0 |]
    moved.Compare([| struct (Method.Newton, 0.5) |], 2) |> ignore
    moved.Rules(Method.GradientDescent) |> ignore
    // simulator[0], simulator[1] and the loss: three texts, each parsed once.
    Assert.Equal(3, counter.Count)

[<Fact>]
let ``compare on the command line parses each text it is given once`` () =
    let dir = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-parse-once-" + string (Guid.NewGuid()))
    use counter = PhysGrad.Symbolic.ParseCounter.Open()
    let code, _, err =
        Cli.run
            [ "compare"; "--simulator"; "x0; x1^2"; "--loss"; "y0^2 + y1^2"; "--target"; "0,0"; "--start"; "3,3"
              "--inverse"; "y0; sign(x1)*sqrt(y1)"; "--methods"; "gd:0.01,pg:0.3,ig:0.3"; "--iterations"; "3"
              "--format"; "json"; "--out"; dir ]
    Assert.True((code = 0), err)
    // --simulator once (both components in one text), --loss once, and the two inverse components
    // (--inverse is split at ';' into one text per variable): 4.
    Assert.Equal(4, counter.Count)

[<Fact>]
let ``a lambda problem is never printed and parsed again`` () =
    use counter = PhysGrad.Symbolic.ParseCounter.Open()
    let problem =
        PhysicsProblem.FromLambda(
            (fun (x: float[]) -> [| x.[0]; x.[1] * x.[1] |]),
            [| 0.0; 0.0 |],
            [| 3.0; 3.0 |],
            (fun (y: float[]) -> y.[0] * y.[0] + y.[1] * y.[1]),
            (fun (y: float[]) (x: float[]) -> [| y.[0]; Math.Sqrt(y.[1]) * float (Math.Sign(x.[1])) |])
        )
    problem.CompareMethods([| struct (Method.PhysicalGradient, 0.3) |], 3) |> ignore
    problem.Rules() |> ignore
    Assert.Equal(0, counter.Count)

[<Fact>]
let ``text, expressions and lambdas give the same model and the same messages`` () =
    let fromText = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |], "y0^2 + y1^2")
    let fromExpressions =
        PhysicsProblem.FromExpressions(
            Expression.ParseMany "x0; x1^2",
            [| 0.0; 0.0 |],
            [| 3.0; 3.0 |],
            Expression.Parse "y0^2 + y1^2"
        )
    let fromLambda =
        PhysicsProblem.FromLambda(
            (fun (x: float[]) -> [| x.[0]; x.[1] * x.[1] |]),
            [| 0.0; 0.0 |],
            [| 3.0; 3.0 |],
            (fun (y: float[]) -> y.[0] * y.[0] + y.[1] * y.[1])
        )
    // Expressions are hash-consed: the same expression is the same object.
    for other in [ fromExpressions; fromLambda ] do
        Assert.Equal<string>(fromText.Model.Variables, other.Model.Variables)
        for j in 0..1 do
            Assert.Same(fromText.Model.Simulator.[j], other.Model.Simulator.[j])
    Assert.Same(fromText.Model.Loss, fromExpressions.Model.Loss)
    // One validation path: a loss that names neither an output nor a parameter is refused alike.
    let text = Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () ->
        PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |], "y0 + z") |> ignore)
    let expressions = Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () ->
        PhysicsProblem.FromExpressions([| Expression.Parse "x0" |], [| 1.0 |], [| 0.0 |], Expression.Parse "y0 + z") |> ignore)
    Assert.Equal(text.Message, expressions.Message)
    Assert.Contains("'z'", text.Message)
