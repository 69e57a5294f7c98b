/// Faults of a new-user trial (after issue 12), each checked as a kind: the table's diagonal and distance
/// at huge and tiny magnitudes, a divergence on the first step drawn on the shaded edge, losses of exactly
/// 0 drawn on an honest axis, train stopping a run at the evaluation that shows it diverged and listing
/// every plot it writes, messages that name their option or file and field with advice that fits, and
/// headers and legends that say which problem and which x* they show.
module PhysGrad.Properties.NewUserTrial

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics

let private run = Cli.run

let private runsOf (problem: PhysicsProblem) (methods: (Method * float) list) iterations =
    problem.Compare(methods |> List.map (fun (m, eta) -> struct (m, eta)) |> Array.ofList, iterations)
    |> Seq.map (fun r -> r.Run)
    |> Array.ofSeq

let private figure name (problem: PhysicsProblem) runs =
    TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = name)

let private entries (figure: TrajectoryPlots.Figure) =
    figure.Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LabelText) |> List.ofSeq

let private markers = TestHelpers.markers

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "physgrad-trial-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

// ---- A. the table's columns at any magnitude ----

[<Fact>]
let ``the diagonal alignment is the same for a step of 1E+300 and of 1E-170 as for its direction`` () =
    // (u/‖u‖)·(1, 1) for u = c·(−1, −12) is −13/√145 for every c > 0; ‖u‖² overflowed at c = 1E+300
    // (the table printed 0.0000) and underflowed at c = 1E-170 (n/a).
    let expected = -13.0 / sqrt 145.0
    for c in [ 1.0; 1e300; 1e-170; 1e-320 ] do
        Assert.Equal(expected, BookExample.DiagonalAlignment [| -c; -12.0 * c |], 14)
    Assert.True(Double.IsNaN(BookExample.DiagonalAlignment [| 0.0; 0.0 |]))
    Assert.True(Double.IsNaN(BookExample.DiagonalAlignment [| infinity; 1.0 |]))
    // The trial's runs: GD's first step is −η·∇L, one direction for η = 100 and η = 1E+300.
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 1.0 |], [| 2.0; 2.0 |])
    let small = problem.Compare([| struct (Method.GradientDescent, 100.0) |], 3).[0]
    let huge = problem.Compare([| struct (Method.GradientDescent, 1e300) |], 3).[0]
    Assert.True(Double.IsFinite small.DiagonalAlignment)
    Assert.Equal(small.DiagonalAlignment, huge.DiagonalAlignment, 12)

[<Fact>]
let ``the distance is measured without overflow or underflow in its differences`` () =
    Assert.Equal(2e300, BookExample.Distance([| 1e300; 0.0 |], [| -1e300; 0.0 |]), 1e286)
    Assert.Equal(5e-200, BookExample.Distance([| 3e-200; 0.0 |], [| 0.0; -4e-200 |]), 1e-214)
    Assert.Equal(5.0, BookExample.Distance([| 4.0; 1.0 |], [| 1.0; -3.0 |]), 14)
    // Beyond the double range the distance is +∞ (it is), never a wrapped or zero value.
    Assert.Equal(infinity, BookExample.Distance([| 1.5e308 |], [| -1.5e308 |]))
    Assert.True(Double.IsNaN(BookExample.Distance([| nan |], [| 0.0 |])))

// ---- B. a divergence on the first step ----

[<Fact>]
let ``a run whose first step overflows the loss is crossed on the shaded edge, as one that leaps far`` () =
    // gd:1E+300 reaches L = ∞ at iteration 1, gd:100 a finite loss far above the range: both leave the
    // plotted range between iterations 0 and 1, so both crosses lie where the curve meets the range's top
    // edge above iteration 0 (the first was drawn at (0, L₀), mid-plot).
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 1.0 |], [| 2.0; 2.0 |])
    let gd = TrajectoryPlots.ColorOf Method.GradientDescent
    let crossOf eta =
        let runs = runsOf problem [ Method.GradientDescent, eta ] 10
        let loss = figure "loss" problem runs
        Assert.Contains("off the plot between iterations 0 and 1", entries loss |> List.head)
        match markers loss.Panels.[0] ScottPlot.MarkerShape.Eks gd with
        | [ c ] -> runs.[0], c
        | cs -> failwithf "η = %g: %d crosses" eta cs.Length
    let overflowed, atInfinity = crossOf 1e300
    let leapt, atFar = crossOf 100.0
    Assert.Equal(infinity, overflowed.Losses.[1])
    Assert.True(Double.IsFinite leapt.Losses.[1])
    Assert.True(atInfinity.Y > overflowed.Losses.[0], sprintf "cross at L = %g, the start's loss is %g" atInfinity.Y overflowed.Losses.[0])
    Assert.Equal(atFar.Y, atInfinity.Y, 12)
    Assert.Equal(0.0, atInfinity.X, 12)
    Assert.Equal(0.0, atFar.X, 6)

// ---- C. losses of exactly 0 ----

[<Fact>]
let ``losses of exactly 0 everywhere are drawn at 0 on a linear axis, said in the title, coinciding runs named`` () =
    let definition = ProblemDefinition([| "x0"; "x1" |], [| "x0"; "x1" |], "y0^2 + y1^2", [||], [| 0.0; 0.0 |])
    let problem = PhysicsProblem.From definition
    let runs = runsOf problem [ Method.GradientDescent, 0.01; Method.Newton, 1.0 / 3.0; Method.PhysicalGradient, 0.3 ] 10
    Assert.All(runs, fun r -> Assert.All(r.Losses, fun l -> Assert.Equal(0.0, l)))
    let loss = figure "loss" problem runs
    let plot = loss.Panels.[0]
    // No log axis (there is no positive loss to take the logarithm of), and 0 is inside the drawn range.
    Assert.Equal("L", plot.Axes.Left.Label.Text)
    let limits = plot.Axes.GetLimits()
    Assert.InRange(0.0, limits.Bottom + 0.1 * (limits.Top - limits.Bottom), limits.Top - 0.1 * (limits.Top - limits.Bottom))
    Assert.Contains("L = 0 at every iteration", plot.Axes.Title.Label.Text)
    // The first run's marker is at L = 0, iteration 0; the others are named as coinciding with it.
    let gd = TrajectoryPlots.ColorOf Method.GradientDescent
    let gdPoints =
        plot.GetPlottables()
        |> Seq.collect (function
            | :? ScottPlot.Plottables.Markers as m when m.MarkerStyle.FillColor = gd -> m.Data.GetScatterPoints() |> List.ofSeq
            | _ -> [])
        |> List.ofSeq
    Assert.Equal<ScottPlot.Coordinates list>([ ScottPlot.Coordinates(0.0, 0.0) ], gdPoints)
    let labels = entries loss
    Assert.DoesNotContain("coincides", labels.[0])
    for label in labels.[1..2] do
        Assert.Contains("coincides with gd", label)

// ---- E, F. train ----

[<Fact>]
let ``train stops a run at the first evaluation that shows it diverged and reports that step`` () =
    let code, out, err = run [ "train"; "--example"; "hig-toy"; "--methods"; "gd:5"; "--steps"; "50"; "--format"; "json" ]
    Assert.Equal(1, code)
    Assert.Contains("diverged at step", TestHelpers.unwrapped err)
    let r = JsonDocument.Parse(out).RootElement.GetProperty("methods").[0]
    Assert.Equal("Diverged", r.GetProperty("stopReason").GetString())
    let history =
        List.zip [ for p in r.GetProperty("lossIterations").EnumerateArray() -> p.GetInt32() ] [ for p in r.GetProperty("losses").EnumerateArray() -> p.GetDouble() ]
    let start = snd history.Head
    // Diverged by compare's rule at the last evaluation and at none before: the run stopped where it showed.
    let exploded (_, l) = LossGrowth.Exploded(start, l)
    Assert.True(exploded (List.last history))
    Assert.DoesNotContain(true, history |> List.take (history.Length - 1) |> List.map exploded)
    let step = fst (List.last history)
    Assert.True(step < 50, sprintf "stopped at step %d" step)
    Assert.Equal(step, r.GetProperty("iterations").GetInt32())
    Assert.Contains(sprintf "in %d steps" step, r.GetProperty("stopDetail").GetString())
    Assert.Contains(sprintf "diverged at step %d" step, TestHelpers.unwrapped err)
[<Fact>]
let ``train's Plots line lists every file it writes, PNG and SVG`` () =
    let dir = tempDir ()
    try
        let code, out, err = run [ "train"; "--example"; "hig-toy"; "--methods"; "adam"; "--steps"; "20"; "--out"; dir ]
        Assert.True((code = 0), err)
        let line = (TestHelpers.unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "Plots: ")
        let listed = line.Substring(7).Trim().Split(", ") |> Array.map Path.GetFullPath |> Set.ofArray
        let written = Directory.GetFiles dir |> Array.map Path.GetFullPath |> Set.ofArray
        Assert.Equal<Set<string>>(written, listed)
        Assert.Contains(listed, fun p -> p.EndsWith ".svg")
    finally
        Directory.Delete(dir, true)

// ---- G. messages name where, and their advice fits ----

[<Fact>]
let ``a start or target of the wrong length names the option or the file and its field`` () =
    let dir = tempDir ()
    try
        // A file whose own field has the wrong count: the message names the file and the field.
        let refusedFile name (json: string) (expected: string) =
            let file = Path.Combine(dir, name)
            File.WriteAllText(file, json)
            let code, _, err = run [ "compare"; "--problem"; file ]
            Assert.Equal(2, code)
            Assert.Contains(file, TestHelpers.unwrapped err)
            Assert.Contains(expected, TestHelpers.unwrapped err)
            file
        let file =
            refusedFile "three.json" """{"variables":["x0","x1"],"simulator":["x0","x1^2"],"target":[1,1],"start":[1,2,3]}"""
                "\"start\" has 3 values but the problem has 2 variables (x0, x1)"
        refusedFile "short.json" """{"variables":["x0","x1"],"simulator":["x0","x1^2"],"target":[1],"start":[1,2]}"""
            "\"target\" has 1 value but the problem has 2 outputs" |> ignore
        // --start given replaces the file's: then the option is what is wrong, not the file.
        let code, _, err = run [ "compare"; "--problem"; file; "--start"; "1"; "--out"; dir ]
        Assert.Equal(2, code)
        Assert.Contains("--start has 1 value but the problem has 2 variables", TestHelpers.unwrapped err)
        let code, _, err = run [ "compare"; "--simulator"; "x0; x1^2"; "--target"; "1"; "--start"; "1,1" ]
        Assert.Equal(2, code)
        Assert.Contains("--target has 1 value but the problem has 2 outputs (y0, y1)", TestHelpers.unwrapped err)
    finally
        Directory.Delete(dir, true)

[<Fact>]
let ``a value outside an option's list names the option and the values it takes`` () =
    let code, _, err = run [ "train"; "--example"; "foo" ]
    Assert.Equal(2, code)
    Assert.Contains("--example must be ", TestHelpers.unwrapped err)
    for name in Training.ExampleNames do
        Assert.Contains(name, TestHelpers.unwrapped err)
    Assert.DoesNotContain("not recognized", TestHelpers.unwrapped err)
[<Fact>]
let ``a value that is not a number gets advice that fits it, and a CSV's message names the file`` () =
    let dir = tempDir ()
    try
        let points = Path.Combine(dir, "points.csv")
        File.WriteAllText(points, "x0\nabc\n")
        let code, _, err = run [ "eval"; "-f"; "x0^2"; "--points"; points ]
        Assert.Equal(2, code)
        Assert.Contains(points, TestHelpers.unwrapped err)
        Assert.Contains("Line 2, value 1 ('abc')", TestHelpers.unwrapped err)
        Assert.DoesNotContain("decimal point", TestHelpers.unwrapped err)
        Assert.Contains("write a number", TestHelpers.unwrapped err)
        // A number written with other separators gets the decimal-point advice.
        File.WriteAllText(points, "x0\n1.234.5\n")
        let _, _, err = run [ "eval"; "-f"; "x0^2"; "--points"; points ]
        Assert.Contains("'.' as the decimal point", TestHelpers.unwrapped err)
        let code, _, err = run [ "diff"; "-f"; "x^2"; "--at"; "abc" ]
        Assert.Equal(2, code)
        Assert.Contains("--at", TestHelpers.unwrapped err)
        Assert.DoesNotContain("decimal point", TestHelpers.unwrapped err)
    finally
        Directory.Delete(dir, true)

// ---- H. headers and legends say which problem and which x* ----

/// The deepest nesting of prose parentheses in a line: those that open after a space or at the start, not
/// a function's argument list such as P(x*) (which "(P(x*) = y*)" may hold).
let private depth (line: string) =
    let mutable stack = []
    let mutable deepest = 0
    for i in 0 .. line.Length - 1 do
        match line.[i] with
        | '(' ->
            let prose = i = 0 || Char.IsWhiteSpace line.[i - 1]
            stack <- prose :: stack
            deepest <- max deepest (stack |> List.filter id |> List.length)
        | ')' when not stack.IsEmpty -> stack <- stack.Tail
        | _ -> ()
    deepest

[<Fact>]
let ``compare's header lines never nest parentheses`` () =
    let dir = tempDir ()
    try
        // heat1d's coupled stencil has no closed-form inverse: its numeric note carries a reason in parentheses.
        let code, out, err = run [ "compare"; "--example"; "heat1d"; "--methods"; "pg"; "--iterations"; "1"; "--out"; dir ]
        Assert.True((code = 0 || code = 1), err)
        let header = out.Split('\n') |> Array.takeWhile (fun l -> l.Trim().Length > 0)
        Assert.Contains(header, fun l -> l.StartsWith "Local inverse for PG: numeric")
        for line in header do
            Assert.True(depth line <= 1, sprintf "nested parentheses in: %s" line)
    finally
        Directory.Delete(dir, true)

[<Fact>]
let ``outside the examples the x* drawn and measured to is said in the header and the legend`` () =
    let dir = tempDir ()
    try
        // P(x) = (x0, x1²) from (2, 2) to y* = (1, 1): the preimage near the start is x* = (1, 1).
        let code, out, err = run [ "compare"; "--simulator"; "x0; x1^2"; "--target"; "1,1"; "--start"; "2,2"; "--methods"; "gd"; "--out"; dir ]
        Assert.True((code = 0), err)
        let line = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "x* = ")
        Assert.StartsWith("x* = [1.00000, 1.00000] is the preimage of y* found from the start", line)
        Assert.Contains("distances are in x", line)
        let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 1.0 |], [| 2.0; 2.0 |])
        let runs = runsOf problem [ Method.GradientDescent, 0.01 ] 5
        let target = entries (figure "x-space" problem runs) |> List.find (fun l -> l.StartsWith "target")
        Assert.Contains("x* with P(x*) = y*, found from the start", target.Replace('\n', ' '))
    finally
        Directory.Delete(dir, true)

[<Fact>]
let ``derive without a problem names the book's example first`` () =
    let code, out, err = run [ "derive" ]
    Assert.True((code = 0), err)
    let first = (unwrapped out).Split('\n').[0]
    Assert.StartsWith("The book's example: P(x) = [x0, x1^2]", first)
    // The same words as compare's first line.
    let dir = tempDir ()
    try
        let code, cmp, err = run [ "compare"; "--iterations"; "1"; "--out"; dir ]
        Assert.True((code = 0), err)
        Assert.StartsWith(first.Substring(0, first.IndexOf " (--simulator"), cmp)
    finally
        Directory.Delete(dir, true)

// ---- D. the colour of a repeated method ----

[<Fact>]
let ``a second run of a method has one colour in compare's plots and train's, clearly apart from the others beside it`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 1.0 |], [| 2.0; 2.0 |])
    let colourIn (runs: OptimizerRun[]) label =
        let loss = figure "loss" problem runs
        // The legend writes a repeated method's label gd:0.1 as gd (η = 0.1) (TrajectoryPlots.LegendName).
        let shown = TrajectoryPlots.LegendName(label, label.Split(':').[0], nan)
        (loss.Panels.[0].Legend.ManualItems |> Seq.find (fun i -> i.LabelText.StartsWith shown)).LineColor
    let alone = runsOf problem [ Method.GradientDescent, 0.01; Method.GradientDescent, 0.1 ] 5
    let mixed = runsOf problem [ Method.HalfInverseGradient, 1.0; Method.GradientDescent, 0.001; Method.HalfInverseGradient, 0.5; Method.GradientDescent, 0.1 ] 5
    Assert.Equal("gd:0.1", alone.[1].Label)
    let inCompare = colourIn alone "gd:0.1"
    let methodColours = Enum.GetValues<Method>() |> Array.map TrajectoryPlots.ColorOf
    Assert.DoesNotContain(inCompare, methodColours)
    // Beside HIG (whose cyan lies 21 from the teal gd:0.1's label asks for) gd:0.1 takes a spare clearly apart
    // from every colour of the plot, one colour in each of compare's plots (TrajectoryPlots.Distinct).
    let mixedColours = TrajectoryPlots.ColorsOf mixed
    for name in [ "x-space"; "y-space"; "loss" ] do
        let legend = (figure name problem mixed).Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LineColor) |> Seq.take mixed.Length |> Array.ofSeq
        Assert.Equal<ScottPlot.Color[]>(mixedColours, legend)
    for j in 0 .. mixed.Length - 2 do
        Assert.True(TrajectoryPlots.ColourDifference(mixedColours.[3], mixedColours.[j]) >= TrajectoryPlots.MinColourDifference)
    // train draws the same settings' second group in the same colour.
    let history rate =
        let settings = TrainingSettings(TrainingMethod.GradientDescent, rate, 256)
        let points = [| for k in 0 .. 3 -> TrainingPoint(10 * k, 0.1 * float k, 1.0 / float (k + 1), nan) |]
        TrainingHistory(settings, 1, points, 0L, false)
    let struct (_, plot) = Training.Plots([| history 0.01; history 0.1 |], "two rates") |> Seq.find (fun struct (name, _) -> name = "loss-steps")
    let trained = plot.Legend.ManualItems |> Seq.find (fun i -> i.LabelText.StartsWith "gd η=0.1")
    Assert.Equal(inCompare, trained.LineColor)
