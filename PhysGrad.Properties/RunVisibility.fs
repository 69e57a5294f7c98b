/// Every run of a comparison plot stays clearly visible whatever the number of methods: each line at
/// least TrajectoryPlots.MinLineWidth pixels wide with a readable dash pattern (dashes and gaps of at
/// least MinDash pixels; the third of three runs was a 1.5-pixel dotted line), coinciding runs marked,
/// and one colour per run in every plot of the comparison.
module PhysGrad.Properties.RunVisibility

open System
open Xunit
open ScottPlot
open PhysGrad
open PhysGrad.Numerics

let private names = [| "gd"; "newton"; "ig"; "pg"; "adam"; "gn"; "hig"; "bfgs"; "lbfgs"; "newton-cg"; "lm" |]

/// Run i: from (0, 0) straight to its own end point in 10 steps (P the identity, L = ½‖x − (1, 1)‖²),
/// each run ending elsewhere so that none coincides with another unless given the same `finish`.
let private run (name: string) (finish: float[]) =
    let points = [| for k in 0..10 -> finish |> Array.map (fun v -> v * float k / 10.0) |]
    let losses = points |> Array.map (fun p -> 0.5 * (p |> Array.sumBy (fun v -> (v - 1.0) * (v - 1.0))))
    OptimizerRun(name, 0.1, points, points, losses,
                 ExitReason(StopReason.IterationLimit, 10, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

let private identity = lazy (PhysicsProblem.FromText("x0; x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |]))

/// The lines drawn in a panel (the runs' curves and their segments to an edge) as (colour, width, pattern).
let private lines (panel: Plot) =
    panel.GetPlottables()
    |> Seq.choose (function
        | :? Plottables.Scatter as s -> Some(s.Color, s.LineWidth, s.LinePattern)
        | :? Plottables.LinePlot as l -> Some(l.LineColor, l.LineWidth, l.LinePattern)
        | _ -> None)
    |> List.ofSeq

/// Renders every figure and checks every run's lines and legend entries; returns each figure's colour per run
/// (the colour of the legend entry that names it).
let private check (runs: OptimizerRun[]) (figures: TrajectoryPlots.Figure seq) =
    [ for figure in figures do
        let png = TrajectoryPlots.Render figure
        Assert.True(png.Length > 0)
        for panel in figure.Panels do
            let drawn = lines panel
            Assert.NotEmpty(drawn)
            for (colour, width, pattern) in drawn do
                Assert.True(width >= TrajectoryPlots.MinLineWidth,
                            sprintf "%s (%d runs): a line in %s is %.2g px wide" figure.Name runs.Length (colour.ToHex()) width)
                Assert.True(TrajectoryPlots.Readable pattern,
                            sprintf "%s (%d runs): a line in %s has dashes %A" figure.Name runs.Length (colour.ToHex()) pattern.Intervals)
        let entries = figure.Panels.[0].Legend.ManualItems |> List.ofSeq
        let colours =
            runs
            |> Array.map (fun r ->
                let entry =
                    entries |> List.find (fun i -> i.LabelText.Replace('\n', ' ').StartsWith(r.Label + " "))
                Assert.True(entry.LineWidth >= TrajectoryPlots.MinLineWidth, sprintf "%s: %s's legend line %.2g px" figure.Name r.Label entry.LineWidth)
                Assert.True(TrajectoryPlots.Readable entry.LinePattern, sprintf "%s: %s's legend dashes %A" figure.Name r.Label entry.LinePattern.Intervals)
                // The run is drawn in every panel, in its legend colour.
                for panel in figure.Panels do
                    Assert.True(lines panel |> List.exists (fun (c, _, _) -> c = entry.LineColor),
                                sprintf "%s: no line of %s in %s" figure.Name r.Label (entry.LineColor.ToHex()))
                entry.LineColor)
        yield colours ]

[<Fact>]
let ``ScottPlot's dotted pattern is not readable by the measure, the run patterns are`` () =
    // The measure rejects the pattern that made the third run hard to see, so the checks below can fail.
    Assert.False(TrajectoryPlots.Readable LinePattern.Dotted)
    Assert.All(TrajectoryPlots.Patterns, fun p -> Assert.True(TrajectoryPlots.Readable p, sprintf "%A" p.Intervals))
    // The first four runs are told apart by pattern alone too.
    Assert.Equal(TrajectoryPlots.Patterns.Length, TrajectoryPlots.Patterns |> Array.map (fun p -> p.Intervals |> List.ofArray) |> Array.distinct |> Array.length)

[<Fact>]
let ``at any count of methods from 1 to 11 every run is drawn at least the minimum width with readable dashes, one colour per run in every plot`` () =
    for count in 1 .. names.Length do
        let runs = Array.init count (fun i -> run names.[i] [| 1.0 + 0.3 * float i; 2.0 - 0.25 * float i |])
        let p = identity.Force()
        let colours = check runs (TrajectoryPlots.Figures(runs, p.Compiled, p.Definition))
        // x-space, y-space, loss: the same colour for a run in each, distinct between runs.
        Assert.Equal(3, colours.Length)
        for c in colours do
            Assert.Equal<Color[]>(colours.Head, c)
        Assert.Equal(count, colours.Head |> Array.distinct |> Array.length)

[<Fact>]
let ``coinciding runs are each drawn at least the minimum width, styled apart and marked on their own points`` () =
    let runs = [| run "ig" [| 1.5; 1.5 |]; run "pg" [| 1.5; 1.5 |]; run "hig" [| 1.5; 1.5 |] |]
    let p = identity.Force()
    let figures = TrajectoryPlots.Figures(runs, p.Compiled, p.Definition)
    let colours = check runs figures
    for figure in figures do
        let panel = figure.Panels.[0]
        let styles = lines panel |> List.map (fun (_, w, pattern) -> w, List.ofArray pattern.Intervals) |> List.distinct
        Assert.True(styles.Length >= 3, sprintf "%s: the three coinciding runs share styles %A" figure.Name styles)
        // Each run's markers (its shape on every third point, from its own offset) in its own colour.
        for c in colours.Head do
            let marked =
                panel.GetPlottables()
                |> Seq.exists (function
                    | :? Plottables.Markers as m -> m.MarkerStyle.FillColor = c || m.MarkerStyle.LineColor = c
                    | _ -> false)
            Assert.True(marked, sprintf "%s: no markers in %s" figure.Name (c.ToHex()))

[<Fact>]
let ``the three-method comparison of the report and the book's default comparison draw every run visibly`` () =
    let problem = PhysicsProblem.FromText("x0^2 + x1; x1 - x0", [| 1.0; 2.0 |], [| 0.5; 0.5 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd,newton,ig", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    check runs (TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target)) |> ignore
    let book = PhysicsProblem.Book
    let bookComparison = book.CompareMethods(MethodCatalog.Parse "gd,newton,pg,ig", 10)
    let bookRuns = bookComparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    check bookRuns (TrajectoryPlots.Figures(bookRuns, book.Definition, bookComparison.Target)) |> ignore
