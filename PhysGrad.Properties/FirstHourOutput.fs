/// A new user's first outputs: plots of a run that diverges, tables of long vectors and large numbers,
/// problem files with misspelt fields, options that must not be silently ignored.
module PhysGrad.Properties.FirstHourOutput

open System
open System.Globalization
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics

/// The book's problem with GD at η = 0.6: x1 ← x1 − η·4·x1³ from x1 = 3 gives 3 − 0.6·108 = −61.8, then
/// |x1| grows as 2.4·x1³, so the loss passes every bound within five iterations (P = [x0, x1²] of docs/theory.md §4).
let private divergingRuns () =
    let problem = PhysicsProblem.Book

    let runs =
        problem.Compare(
            [| struct (Method.GradientDescent, 0.6)
               struct (Method.Newton, 0.3333)
               struct (Method.PhysicalGradient, 0.3) |],
            10
        )
        |> Seq.map (fun r -> r.Run)
        |> Array.ofSeq

    problem, runs

let private render (plot: ScottPlot.Plot) =
    TestHelpers.rendered (fun () -> plot.GetImage(900, 600)) |> ignore
    plot.RenderManager.LastRender

let private legendPanel (plot: ScottPlot.Plot) =
    plot.Axes.GetPanels() |> Seq.find (fun p -> p :? ScottPlot.Panels.LegendPanel)

[<Fact>]
let ``plots of a diverging run keep the other runs readable, mark the divergence and keep the legend off the data`` () =
    let problem, runs = divergingRuns ()
    Assert.Equal(StopReason.Diverged, runs.[0].StopReason)
    let figures = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)
    Assert.Equal<string list>([ "x-space"; "y-space"; "loss" ], figures |> Seq.map (fun f -> f.Name) |> List.ofSeq)

    for figure in figures do
        let plot = figure.Panels.[0]
        let last = render plot
        let limits = last.AxisLimits
        // The runs that do not diverge live in [0, 3]² in x (start [3, 3], target x* = 0) and in [0, 9] in y:
        // the plotted range holds them and is not stretched by GD's values (|x1| > 60 after one step).
        if figure.Name <> "loss" then
            let hi = if figure.Name = "x-space" then 3.0 else 9.0
            Assert.True(limits.Left <= 0.0 && limits.Right >= 3.0 && limits.Bottom <= 0.0 && limits.Top >= hi, sprintf "%s: %O" figure.Name limits)
            Assert.True(limits.Top - limits.Bottom < 4.0 * hi && limits.Right - limits.Left < 12.0, sprintf "%s: %O" figure.Name limits)
        else
            // log₁₀ L: from 10⁻² (PG's 0.0718 after 10 steps) to 10² (the start's 90), not GD's 10²⁰⁰.
            Assert.True(limits.Bottom <= -1.2 && limits.Top >= 1.95 && limits.Top < 20.0, sprintf "loss: %O" limits)
            // Iterations are integers.
            for t in plot.Axes.Bottom.TickGenerator.Ticks |> Seq.filter (fun t -> t.IsMajor) do
                Assert.Equal(Math.Round t.Position, t.Position)
        // Tick labels are short: numbers, no 20-digit values.
        for t in Seq.append plot.Axes.Left.TickGenerator.Ticks plot.Axes.Bottom.TickGenerator.Ticks do
            if t.IsMajor then
                Assert.True(t.Label.Length <= 8, sprintf "%s: tick label '%s'" figure.Name t.Label)
        // The legend is outside the data area: a panel at the right edge, beyond the data rectangle.
        let legend = legendPanel plot
        Assert.Equal(ScottPlot.Edge.Right, legend.Edge)
        let layout = last.Layout
        let offset = layout.PanelOffsets.[legend]
        let size = layout.PanelSizes.[legend]
        Assert.True(size > 50.0f, sprintf "legend width %f" size)
        Assert.True(offset >= 0.0f, sprintf "legend offset %f" offset)
        Assert.True(layout.DataRect.Right + offset + size <= layout.FigureRect.Right + 0.5f)
        // GD's entry says that it diverged, and GD has the same colour in every plot.
        let gd =
            plot.GetPlottables() |> Seq.choose (function :? ScottPlot.Plottables.Scatter as s -> Some s | _ -> None) |> Seq.head
        let entry = plot.Legend.ManualItems |> Seq.head
        Assert.Contains("gd (η = 0.6), diverged", entry.LabelText.Replace('\n', ' '))
        Assert.Equal(TrajectoryPlots.ColorOf Method.GradientDescent, gd.Color)
        Assert.Equal(TrajectoryPlots.ColorOf Method.GradientDescent, entry.LineColor)
        Assert.Contains("P(x0, x1) = [x0, x1^2]", plot.Axes.Title.Label.Text)

[<Fact>]
let ``a diverging run is drawn to the edge of the plotted range where it leaves it`` () =
    // A curve from (0, 0) to (0.5, 0.5) to (10, 2) in the box [-1, 1]²: the last segment leaves through
    // x = 1 at s = 0.5/9.5 of its length, y = 0.5 + 1.5·(0.5/9.5).
    let box = TrajectoryPlots.Box(-1.0, 1.0, -1.0, 1.0)
    let struct (kept, exit, k) =
        TrajectoryPlots.Clip([| struct (0.0, 0.0); struct (0.5, 0.5); struct (10.0, 2.0) |], box)
    Assert.Equal(2, kept.Length)
    Assert.Equal(2, k)
    let struct (ex, ey) = exit.Value
    Assert.Equal(1.0, ex, 12)
    Assert.Equal(0.5 + 1.5 * (0.5 / 9.5), ey, 12)
    // A non-finite point ends the curve at the last finite one.
    let struct (_, exit, _) = TrajectoryPlots.Clip([| struct (0.0, 0.0); struct (nan, 1.0) |], box)
    Assert.Equal(struct (0.0, 0.0), exit.Value)

[<Fact>]
let ``tick labels use E-notation from 10^4 and below 10^-3`` () =
    Assert.Equal("1.5E+6", TrajectoryPlots.TickLabel 1.5e6)
    Assert.Equal("-2E-5", TrajectoryPlots.TickLabel -2e-5)
    Assert.Equal("9999", TrajectoryPlots.TickLabel 9999.0)
    Assert.Equal("0.25", TrajectoryPlots.TickLabel 0.25)
    Assert.Equal("0", TrajectoryPlots.TickLabel 0.0)

[<Fact>]
let ``one variable and more than two outputs are drawn component by component against the iteration`` () =
    let one = PhysicsProblem.FromText("exp(x)", [| 2.0 |], [| 0.0 |])
    let runs = [| one.Run(Method.Newton, 0.5, 5) |]
    let figures = TrajectoryPlots.Figures(runs, one.Compiled, one.Definition)
    let x = figures |> Seq.find (fun f -> f.Name = "x-space")
    Assert.Equal(1, x.Panels.Count)
    let last = render x.Panels.[0]
    // x against the iteration: 0 … 5 on the bottom axis, x from 0 to log 2 on the left.
    Assert.True(last.AxisLimits.Left <= 0.0 && last.AxisLimits.Right >= 5.0)
    Assert.True(last.AxisLimits.Bottom <= 0.0 && last.AxisLimits.Top >= Math.Log 2.0)
    let three = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 1.0; 0.0; 0.25 |], [| 1.0; 1.0 |])
    let runs = [| three.Run(Method.GaussNewton, 0.5, 5) |]
    let y = TrajectoryPlots.Figures(runs, three.Compiled, three.Definition) |> Seq.find (fun f -> f.Name = "y-space")
    Assert.Equal(3, y.Panels.Count)
    // y1 = x0 − x1 stays at rounding noise (the runs keep x0 = x1 from the symmetric start): named y1, and
    // said to be flat (TrialOut19).
    Assert.Equal("y1 (flat: rounding only)", y.Panels.[1].Axes.Left.Label.Text)

[<Fact>]
let ``table numbers have six significant digits and E-notation outside 1e-4 to 1e6`` () =
    Assert.Equal("0.0718130", RunReport.FormatNumber 0.071813)
    Assert.Equal("6.86389", RunReport.FormatNumber 6.863891234)
    Assert.Equal("123457", RunReport.FormatNumber 123456.7)
    // 999999.7 rounds to 1000000 = 10⁶: E-notation, not a seventh digit.
    Assert.Equal("1.00000E+06", RunReport.FormatNumber 999999.7)
    // 9.999996 rounds into the next decade: 10.0000, still six digits.
    Assert.Equal("10.0000", RunReport.FormatNumber 9.999996)
    Assert.Equal("1.92416E-07", RunReport.FormatNumber 1.924163e-7)
    Assert.Equal("-1.89338E+160", RunReport.FormatNumber -1.893375781e160)
    // An exact zero has no significant digits to show: 0 (tables29; was 0.00000).
    Assert.Equal("0", RunReport.FormatNumber 0.0)
    Assert.Equal("Infinity", RunReport.FormatNumber Double.PositiveInfinity)

[<Fact>]
let ``long vectors are shortened to the first two, the last and the count`` () =
    let v = Array.init 100 (fun i -> 0.1 * float (i + 1))
    Assert.Equal("[0.100000, 0.200000, …, 10.0000] (100 values, max |·| at [99] = 10.0000)", RunReport.FormatVector v)
    Assert.Equal("[1.00000, 2.00000]", RunReport.FormatVector [| 1.0; 2.0 |])

[<Fact>]
let ``compare's table shortens a 10-variable point and says where the distance is measured`` () =
    let code, out, _ =
        Cli.run
            [ "compare"
              "--simulator"
              "x0;x1;x2;x3;x4;x5;x6;x7;x8;x9"
              "--target"
              "1,2,3,4,5,6,7,8,9,10"
              "--start"
              "0,0,0,0,0,0,0,0,0,0"
              "--methods"
              "newton:1"
              "--iterations"
              "1"
              "--out"
              Path.Combine(Path.GetTempPath(), "physgrad-firsthour-table") ]

    Assert.Equal(0, code)
    // Newton with η = 1 on a linear problem lands on x* = [1, …, 10] in one step: distance 0 in x.
    Assert.Contains("[1.00000, 2.00000, …, 10.0000] (10 values, max |·| at [9] = 10.0000)", out)
    Assert.Contains("distance in x", out)
    Assert.Contains("  0  ", (out.Split('\n') |> Array.find (fun l -> l.StartsWith "newton ")))

let private problemFile (json: string) =
    let path = Path.Combine(Directory.CreateTempSubdirectory("physgrad-firsthour-").FullName, "problem.json")
    File.WriteAllText(path, json)
    path

let private bookFile =
    """{"variables":["a","b"],"simulator":["a","b^3"],"target":[1,8],"start":[0,1]}"""

[<Fact>]
let ``a misspelt field of a problem file is an error naming it and the nearest known field`` () =
    for wrong, meant in [ "simulater", "simulator"; "invers", "inverse"; "Start", "start"; "paramters", "parameters" ] do
        let json = bookFile.Replace("}", sprintf ",\"%s\":[]}" wrong)
        let code, _, err = Cli.run [ "compare"; "--problem"; problemFile json ]
        Assert.Equal(2, code)
        Assert.Contains(sprintf "unknown field \"%s\" (did you mean \"%s\"?)" wrong meant, (TestHelpers.unwrapped err))
    // Far from every field: named, no suggestion.
    let code, _, err = Cli.run [ "compare"; "--problem"; problemFile (bookFile.Replace("}", ",\"colour\":1}")) ]
    Assert.Equal(2, code)
    Assert.Contains("unknown field \"colour\"; the fields are", (TestHelpers.unwrapped err))

[<Fact>]
let ``edit distance counts insertions, deletions, substitutions and swapped neighbours`` () =
    Assert.Equal(1, PhysGrad.Symbolic.Spelling.EditDistance("invers", "inverse"))
    Assert.Equal(1, PhysGrad.Symbolic.Spelling.EditDistance("strat", "start"))
    Assert.Equal(1, PhysGrad.Symbolic.Spelling.EditDistance("paramters", "parameters"))
    Assert.Equal(3, PhysGrad.Symbolic.Spelling.EditDistance("kitten", "sitting"))

[<Fact>]
let ``--start, --target, --loss and --inverse given with --problem override the file`` () =
    let path = problemFile bookFile
    let out = Path.Combine(Path.GetTempPath(), "physgrad-firsthour-override")
    // The file's start [0, 1] is replaced: the report's problem starts at [2, 2].
    let code, stdout, err =
        Cli.run [ "compare"; "--problem"; path; "--start"; "2,2"; "--methods"; "pg:1"; "--iterations"; "0"; "--out"; out; "--format"; "json" ]
    Assert.Equal(0, code)
    let root = (System.Text.Json.JsonDocument.Parse stdout).RootElement.GetProperty("problem")
    Assert.Equal(2.0, root.GetProperty("start").[0].GetDouble())
    let code, stdout, _ =
        Cli.run [ "compare"; "--problem"; path; "--target"; "2,27"; "--loss"; "(y0-2)^2 + (y1-27)^2"; "--inverse"; "numeric"; "--methods"; "pg:1"; "--iterations"; "1"; "--out"; out; "--format"; "json" ]
    Assert.Equal(0, code)
    let doc = (System.Text.Json.JsonDocument.Parse stdout).RootElement
    Assert.Equal(27.0, doc.GetProperty("problem").GetProperty("target").[1].GetDouble())
    Assert.Equal("numeric", doc.GetProperty("problem").GetProperty("inverseSource").GetString())
    // PG's y-step is Newton's in y: Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y = −(2I)⁻¹·2(y − y*) = y* − y at η = 1, so one
    // step lands on the preimage of the new target [2, 27]: a = 2, b = ∛27 = 3.
    let final = doc.GetProperty("methods").[0].GetProperty("final")
    Assert.Equal(2.0, final.[0].GetDouble(), 6)
    Assert.Equal(3.0, final.[1].GetDouble(), 6)
    let code, _, err = Cli.run [ "compare"; "--problem"; path; "--vars"; "a,b" ]
    Assert.Equal(2, code)
    Assert.Contains("--vars cannot be combined with --problem", err)

[<Fact>]
let ``a name read as a variable that was probably a constant is named with the --param hint`` () =
    let code, _, err = Cli.run [ "compare"; "--simulator"; "k*x"; "--target"; "1"; "--start"; "0" ]
    Assert.Equal(2, code)
    Assert.Contains("are k, x (2)", (TestHelpers.unwrapped err))
    Assert.Contains("if k is a constant, give it with --param (e.g. --param k=2)", (TestHelpers.unwrapped err))
    // A constant that nothing uses is named too.
    let code, _, err =
        Cli.run [ "compare"; "--simulator"; "k*x"; "--vars"; "x"; "--target"; "1"; "--start"; "0"; "--param"; "k=1"; "--param"; "kk=2" ]
    Assert.Equal(2, code)
    Assert.Contains("The parameter 'kk' is not used by the simulator, the loss or the inverse (did you mean 'k'?)", (TestHelpers.unwrapped err))

[<Fact>]
let ``API messages do not mention command-line options`` () =
    let ex =
        Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () ->
            PhysGrad.BatchEvaluation.Run("2", null, 0, new StringReader("1\n"), new StringWriter()) |> ignore)
    Assert.DoesNotContain("--", ex.Message)
    let check = PhysicsProblem.Book.Check() |> Seq.find (fun r -> r.Property = 1)
    Assert.False(check.Applicable)
    // A check that does not apply is not passed.
    Assert.False(check.Passed)
    Assert.DoesNotContain("--", check.Detail)

module private Trees =
    type L = System.Linq.Expressions.Expression

    let p name t = L.Parameter(t, name)
    let at (a: System.Linq.Expressions.ParameterExpression) (i: int) = L.ArrayIndex(a, L.Constant i) :> L
    let array (items: L list) = L.NewArrayInit(typeof<float>, items) :> L
    let math name (args: L list) =
        L.Call(typeof<Math>.GetMethod(name, Array.create args.Length typeof<float>), args) :> L

[<Fact>]
let ``FromLambda takes three named variables and a local inverse as a lambda`` () =
    let a, b, c = Trees.p "a" typeof<float>, Trees.p "b" typeof<float>, Trees.p "c" typeof<float>
    // (a, b, c) => new[] { a * b, b, c }
    let sim =
        Trees.L.Lambda<Func<float, float, float, float[]>>(Trees.array [ Trees.L.Multiply(a, b); b; c ], [| a; b; c |])
    let problem = PhysicsProblem.FromLambda(sim, [| 2.0; 1.0; 1.0 |], [| 1.0; 1.0; 1.0 |])
    Assert.Equal<string list>([ "a"; "b"; "c" ], List.ofSeq problem.Variables)
    Assert.Equal<string list>([ "a*b"; "b"; "c" ], List.ofSeq problem.Definition.Simulator)
    // The book's problem with its inverse given as (y, x) => new[] { y[0], Math.Sqrt(y[1]) * Math.Sign(x[1]) }.
    let x = Trees.p "x" typeof<float[]>
    let y = Trees.p "y" typeof<float[]>
    let book =
        Trees.L.Lambda<Func<float[], float[]>>(Trees.array [ Trees.at x 0; Trees.L.Multiply(Trees.at x 1, Trees.at x 1) ], [| x |])
    let xi = Trees.p "xi" typeof<float[]>
    let inverse =
        Trees.L.Lambda<Func<float[], float[], float[]>>(
            Trees.array
                [ Trees.at y 0
                  Trees.L.Multiply(Trees.math "Sqrt" [ Trees.at y 1 ], Trees.L.Convert(Trees.math "Sign" [ Trees.at xi 1 ], typeof<float>)) ],
            [| y; xi |]
        )
    let problem = PhysicsProblem.FromLambda(book, [| 0.0; 0.0 |], [| 3.0; 3.0 |], inverse = inverse)
    Assert.Equal(PhysGrad.Symbolic.InverseSource.Given, problem.Model.InverseSource)
    Assert.Equal<string list>([ "y0"; "sqrt(y1)*sign(x1)" ], problem.Model.Inverse |> Seq.map PhysGrad.Symbolic.Infix.format |> List.ofSeq)
    // With the default loss ½‖y‖², PG at η = 0.3 multiplies y by 0.7 per step: x = [3·0.7¹⁰, 3·0.7⁵].
    let run = problem.Run(Method.PhysicalGradient, 0.3, 10)
    Assert.Equal(3.0 * 0.7 ** 10.0, run.Final.[0], 12)
    Assert.Equal(3.0 * 0.7 ** 5.0, run.Final.[1], 12)
    Assert.StartsWith("pg (η = 0.3): final x = [0.0847426, 0.50421], loss ", run.ToString())
    Assert.Contains("after 10 iterations", run.ToString())

[<Fact>]
let ``method names are consistent and result types print readably`` () =
    Assert.Equal("HalfInverseGradient", Method.HalfInverseGradient.ToString())
    let rules = PhysicsProblem.Book.Rules(Method.InverseGradient)
    // IG on the book's problem: Δx0 = −η x0, Δx1 = −η x1/2 (the README's derive output).
    Assert.Equal("ig: Δx0 = -eta*x0; Δx1 = -eta*x1/2", rules.[0].ToString())
    let check = PhysicsProblem.Book.Check() |> Seq.find (fun r -> r.Property = 9)
    Assert.StartsWith("9 consistency in compositions: n/a; ", check.ToString())

/// Renders a figure's first panel at the figure's own size (as the files are written).
let private renderAt (figure: TrajectoryPlots.Figure) =
    let plot = figure.Panels.[0]
    TestHelpers.rendered (fun () -> plot.GetImage(figure.Width, figure.Height)) |> ignore
    plot.RenderManager.LastRender

[<Fact>]
let ``on a fold the plotted range holds every run that does not explode`` () =
    // P(x) = x², y* = −1 has no preimage: PG, IG and GN step across the fold to x ≈ −2.8 … −3.3 and stay
    // there with finite losses; HIG ends near x = 0.43. None diverges, so none may be cut: the x axis holds
    // every point of every run, and the loss axis the largest loss of any run (IG's first step overshoots
    // the fold by far, L = (x² + 1)²/2 grows by more than 10⁴ there and falls back).
    let fold = PhysicsProblem.FromText("x^2", [| -1.0 |], [| 0.01 |])
    let runs =
        fold.Compare([| struct (Method.PhysicalGradient, 0.3); struct (Method.InverseGradient, 0.3); struct (Method.HalfInverseGradient, 0.3) |], 10)
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.All(runs, fun r -> Assert.NotEqual(StopReason.Diverged, r.StopReason))
    Assert.Equal<bool>([| false; false; false |], TrajectoryPlots.Exploding(runs, null))
    let figures = TrajectoryPlots.Figures(runs, fold.Compiled, fold.Definition)
    let x = figures |> Seq.find (fun f -> f.Name = "x-space")
    let limits = (renderAt x).AxisLimits
    let xs = runs |> Seq.collect (fun r -> r.Trajectory) |> Seq.map (fun p -> p.[0])
    Assert.True(limits.Bottom <= Seq.min xs && limits.Top >= Seq.max xs, sprintf "x-space %O" limits)
    let loss = figures |> Seq.find (fun f -> f.Name = "loss")
    let limits = (renderAt loss).AxisLimits
    let top = runs |> Seq.collect (fun r -> r.Losses) |> Seq.max
    Assert.True(limits.Top >= Math.Log10 top, sprintf "loss %O vs max loss %g" limits top)
    // No entry says a run left the plot.
    for f in figures do
        for item in f.Panels.[0].Legend.ManualItems do
            Assert.DoesNotContain("off the plot", item.LabelText.Replace('\n', ' '))

[<Fact>]
let ``a run whose values grow by orders of magnitude explodes, a run that ends farther away does not`` () =
    // The book's problem with GD at η = 0.6 diverges (|x1| > 60 after one step, then non-finite): exploding.
    let _, runs = divergingRuns ()
    Assert.Equal<bool>([| true; false; false |], TrajectoryPlots.Exploding(runs, [| 0.0; 0.0 |]))

[<Fact>]
let ``a loss spanning less than a decade gets a linear axis with labelled ticks`` () =
    // GD at η = 0.01 on x² from 0.01 towards −1: L = (x² + 1)²/2 stays within 0.5 … 0.50005, far less than
    // a decade, where a log axis would carry no labelled tick.
    let fold = PhysicsProblem.FromText("x^2", [| -1.0 |], [| 0.01 |])
    let runs = [| fold.Run(Method.GradientDescent, 0.01, 10) |]
    let loss = TrajectoryPlots.Figures(runs, fold.Compiled, fold.Definition) |> Seq.find (fun f -> f.Name = "loss")
    renderAt loss |> ignore
    let labels = loss.Panels.[0].Axes.Left.TickGenerator.Ticks |> Seq.filter (fun t -> t.IsMajor && t.Label <> "") |> Seq.map (fun t -> t.Label) |> Array.ofSeq
    Assert.True(labels.Length >= 2, sprintf "%d labelled ticks" labels.Length)
    // Neighbouring ticks differ by about a tenth of 5E-5: their labels must differ too (not all "0.5").
    Assert.Equal(labels.Length, labels |> Array.distinct |> Array.length)

[<Fact>]
let ``tick labels on a narrow axis keep the digits that tell neighbouring ticks apart`` () =
    // An axis 0.5 … 0.5001 wide 1E-4: ticks 1E-5 apart need five decimals.
    Assert.Equal("0.50001", TrajectoryPlots.TickLabel(0.50001, 1e-4))
    Assert.Equal("0.5", TrajectoryPlots.TickLabel(0.50001, 1.0))
    // 1.00002E+6 on an axis 1E+6 … 1.0001E+6: the mantissa keeps six digits.
    Assert.Equal("1.00002E+6", TrajectoryPlots.TickLabel(1.00002e6, 100.0))

[<Fact>]
let ``the legend is never cut and leaves the data area most of the figure`` () =
    // Eight methods, one diverging with a long legend entry, and a three-output y-space stack.
    let problem = PhysicsProblem.Book
    let runs =
        problem.Compare(
            [| struct (Method.GradientDescent, 0.6); struct (Method.Newton, 0.3333); struct (Method.PhysicalGradient, 0.3)
               struct (Method.InverseGradient, 0.3); struct (Method.GaussNewton, 0.3); struct (Method.HalfInverseGradient, 0.3)
               struct (Method.Adam, 0.1); struct (Method.Bfgs, 1.0) |], 10)
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let three = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 2.0 |], [| 1.0; 0.5 |])
    let threeRuns = [| three.Run(Method.GradientDescent, 0.6, 10); three.Run(Method.GaussNewton, 0.5, 10) |]
    let figures =
        Seq.append (TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition))
                   (TrajectoryPlots.Figures(threeRuns, three.Compiled, three.Definition))
    for figure in figures do
        let plot = figure.Panels.[0]
        let last = renderAt figure
        let legend = TestHelpers.rendered (fun () -> plot.Legend.GetImage())
        let layout = last.Layout
        // The legend, right of the data area, ends inside the image, and the data area keeps at least 600 px
        // (the width it has without a legend is 720 minus the axes' margins).
        Assert.True(layout.DataRect.Right + float32 legend.Width <= float32 figure.Width, sprintf "%s: data right %f + legend %d > %d" figure.Name layout.DataRect.Right legend.Width figure.Width)
        Assert.True(layout.DataRect.Width >= 550.0f, sprintf "%s: data width %f" figure.Name layout.DataRect.Width)
        Assert.True(float32 legend.Height <= float32 figure.Height, sprintf "%s legend height" figure.Name)

[<Fact>]
let ``more than eight components are drawn as a named subset`` () =
    // Ten variables, each pulled to its own target: x-space gets 8 panels (first three, last, the most moved),
    // and the title names them and says how many of the ten.
    let vars = [| for i in 0..9 -> sprintf "x%d" i |]
    let ten = PhysicsProblem.FromText(String.Join("; ", vars), [| for i in 0..9 -> float i |], Array.zeroCreate 10)
    let runs = [| ten.Run(Method.GaussNewton, 0.5, 5) |]
    let x = TrajectoryPlots.Figures(runs, ten.Compiled, ten.Definition) |> Seq.find (fun f -> f.Name = "x-space")
    Assert.Equal(TrajectoryPlots.MaxPanels, x.Panels.Count)
    // x_i moves from 0 towards i: the most moved are the largest i; first three and the last are always in.
    Assert.Equal<string list>([ "x0"; "x1"; "x2"; "x5"; "x6"; "x7"; "x8"; "x9" ], x.Panels |> Seq.map (fun p -> p.Axes.Left.Label.Text) |> List.ofSeq)
    Assert.Contains("8 of 10", x.Panels.[0].Axes.Title.Label.Text)
    Assert.True(x.Height < 3000, sprintf "height %d" x.Height)
