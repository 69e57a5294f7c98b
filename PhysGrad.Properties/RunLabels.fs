/// Runs of one method with different options, side by side: each run has its own name in the table, the
/// JSON and CSV reports and the plots' legends, and its own colour, the same in every plot of a comparison.
module PhysGrad.Properties.RunLabels

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad

let private run = Cli.run

let private tempDir (name: string) =
    Path.Combine(Path.GetTempPath(), sprintf "physgrad-labels-%s-%d" name Environment.ProcessId)

[<Fact>]
let ``a method chosen once keeps its name; chosen twice, each run says its eta and the options that differ`` () =
    let labels text =
        MethodCatalog.Labels(MethodCatalog.Parse text) |> List.ofArray

    Assert.Equal<string list>([ "gd"; "newton" ], labels "gd:0.01,newton")
    Assert.Equal<string list>([ "gd:0.01"; "gd:0.001"; "pg" ], labels "gd:0.01,gd:0.001,pg")
    // tau is the same (its default) in both entries, so only kappa is named.
    Assert.Equal<string list>([ "hig:1:kappa=-0.5"; "hig:1:kappa=-1" ], labels "hig:1:kappa=-0.5,hig:1:kappa=-1")
    // kappa left out is its default −0.5, so the two entries are the same run: numbered, η set nothing apart.
    Assert.Equal<string list>([ "hig #1"; "hig #2" ], labels "hig,hig:kappa=-0.5")

[<Fact>]
let ``compare names two gd runs apart in the table, the JSON and the CSV`` () =
    let dir = tempDir "gd"

    let code, out, err =
        run
            [ "compare"
              "--methods"
              "gd:0.01,gd:0.001"
              "--iterations"
              "3"
              "--out"
              dir ]

    Assert.True((0 = code), err)
    let rows = out.Split('\n') |> Array.filter (fun l -> l.StartsWith "gd")
    Assert.Equal(2, rows.Length)
    Assert.StartsWith("gd:0.01 ", rows.[0])
    Assert.StartsWith("gd:0.001 ", rows.[1])

    let _, json, _ =
        run
            [ "compare"
              "--methods"
              "gd:0.01,gd:0.001"
              "--iterations"
              "3"
              "--format"
              "json"
              "--out"
              dir ]

    let methods =
        JsonDocument.Parse(json).RootElement.GetProperty("methods").EnumerateArray()
        |> Array.ofSeq

    Assert.Equal<string list>(
        [ "gd"; "gd" ],
        methods |> Seq.map (fun m -> m.GetProperty("name").GetString()) |> List.ofSeq
    )

    Assert.Equal<string list>(
        [ "gd:0.01"; "gd:0.001" ],
        methods |> Seq.map (fun m -> m.GetProperty("label").GetString()) |> List.ofSeq
    )
    // Each label belongs to its run: on the book's problem ∂L/∂x1 = 4·x1³ = 108 at x1 = 3, so GD's first
    // step takes x1 to 3 − 108·η: 1.92 for η = 0.01, 2.892 for η = 0.001 (docs/theory.md §4).
    let x1 (m: JsonElement) =
        m.GetProperty("trajectory").[1].[1].GetDouble()

    Assert.Equal(1.92, x1 methods.[0], 12)
    Assert.Equal(2.892, x1 methods.[1], 12)

    let _, csv, _ =
        run
            [ "compare"
              "--methods"
              "hig:1:kappa=-0.5,hig:1:kappa=-1"
              "--iterations"
              "2"
              "--format"
              "csv"
              "--out"
              dir ]

    let firstColumn =
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        |> Seq.skip 1
        |> Seq.map (fun l -> l.Split(',').[0])
        |> Seq.distinct
        |> List.ofSeq

    Assert.Equal<string list>([ "hig:1:kappa=-0.5"; "hig:1:kappa=-1" ], firstColumn)

[<Fact>]
let ``runs of one method have distinct legend entries and colours, each run one colour in every plot`` () =
    let problem = PhysicsProblem.Book

    let comparison =
        problem.CompareMethods(MethodCatalog.Parse "gd:0.01,gd:0.001,hig:1:kappa=-0.5,hig:1:kappa=-1", 5)

    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let labels = runs |> Array.map (fun r -> r.Label)
    Assert.Equal<string list>([ "gd:0.01"; "gd:0.001"; "hig:1:kappa=-0.5"; "hig:1:kappa=-1" ], List.ofArray labels)
    let figures = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target)
    // The colour of each run's legend entry, per figure (an entry is the label, or the label and a note after a comma).
    let colours (figure: TrajectoryPlots.Figure) =
        let items = figure.Panels.[0].Legend.ManualItems |> Array.ofSeq

        labels
        |> Array.map (fun label ->
            let matching =
                items
                |> Array.filter (fun i ->
                    // The legend writes gd:0.01 as gd (η = 0.01) (TrajectoryPlots.LegendName).
                    let shown = TrajectoryPlots.LegendName(label, label.Split(':').[0], nan)
                    i.LabelText.Replace('\n', ' ') = shown || i.LabelText.Replace('\n', ' ').StartsWith(shown + ","))

            Assert.True(
                (1 = matching.Length),
                sprintf "%s: entries for %s: %A" figure.Name label (items |> Array.map (fun i -> i.LabelText.Replace('\n', ' ')))
            )

            matching.[0].LineColor)

    let perFigure = figures |> Seq.map colours |> Array.ofSeq

    for c in perFigure do
        Assert.Equal(4, c |> Array.distinct |> Array.length)
        Assert.Equal<ScottPlot.Color[]>(perFigure.[0], c)
    // The lines are drawn in the legend's colours: each run's colour is among the lines of every figure.
    for figure in figures do
        let lineColours =
            figure.Panels
            |> Seq.collect (fun p -> p.GetPlottables())
            |> Seq.choose (function
                | :? ScottPlot.Plottables.Scatter as s -> Some s.Color
                | _ -> None)
            |> Array.ofSeq

        for c in perFigure.[0] do
            Assert.True(Array.contains c lineColours, sprintf "%s: no line in %O" figure.Name c)
    // The first run of a method keeps the method's own colour, the one it has in every comparison.
    Assert.Equal(TrajectoryPlots.ColorOf Numerics.Method.GradientDescent, perFigure.[0].[0])
