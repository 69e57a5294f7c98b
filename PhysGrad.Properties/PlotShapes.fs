/// Plots drawn to the shape of what they show, and options that are never silently ignored (issue 12,
/// items 4 and 6; issue 14, item 6): a grid's heat map has square cells (its data area in the grid's
/// proportion, to the pixel), a named colour bar and whole-cell ticks; train's legend over several seeds
/// stays beside the data in a figure of at most 1200 pixels; diff --sparse gives the gradient's nonzeros
/// at order 1; option combinations that would change nothing are refused with exit 2 naming the option.
module PhysGrad.Properties.PlotShapes

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

// ---- heat maps: square cells ----

/// A run of `name` through the given points (the loss measured to `target`).
let private synthetic (name: string) (target: float[]) (points: float[][]) =
    let losses =
        points |> Array.map (fun p -> 0.5 * Array.fold2 (fun s a b -> s + (a - b) * (a - b)) 0.0 p target)
    OptimizerRun(name, 0.1, points, points, losses,
                 ExitReason(StopReason.IterationLimit, points.Length - 1, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

/// The maps of a grid of `rows` × `columns` cells: one run from 0 half-way to x* (x*ᵢ = i), and x*'s own map.
let private maps rows columns =
    let cells = rows * columns
    let target = Array.init cells float
    let run = synthetic "pg" target [| Array.zeroCreate cells; Array.map (fun v -> 0.5 * v) target |]
    FieldPlots.Plots([| run |], [| rows; columns |], target, "heat2d, n = 32")

[<Fact>]
let ``a heat map's cells are square: its data area is in the grid's proportion to the pixel`` () =
    // The data area spans the grid from −0.5 to columns − 0.5 across and −0.5 to rows − 0.5 up, so a cell is
    // width/columns by height/rows pixels: square exactly when width·rows = height·columns. The longer side is
    // FieldPlots.MapSide (480) pixels; for 3 × 6 cells the data area is 480 × 240 (80-pixel cells).
    for rows, columns in [ 3, 3; 16, 16; 32, 32; 3, 6; 6, 3 ] do
        let plots = maps rows columns
        Assert.Equal(2, plots.Count)
        for struct (file, plot) in plots do
            let struct (width, height) = FieldPlots.SizeOf plot
            TestHelpers.rendered (fun () -> plot.GetImage(width, height)) |> ignore
            let layout = plot.RenderManager.LastRender.Layout
            let data = layout.DataRect
            let expectedWidth = float FieldPlots.MapSide * float columns / float (max rows columns)
            let expectedHeight = float FieldPlots.MapSide * float rows / float (max rows columns)
            Assert.True(abs (float data.Width - expectedWidth) <= 1.0, sprintf "%s %dx%d: data width %g" file rows columns data.Width)
            Assert.True(abs (float data.Height - expectedHeight) <= 1.0, sprintf "%s %dx%d: data height %g" file rows columns data.Height)
            let cellWidth, cellHeight = float data.Width / float columns, float data.Height / float rows
            Assert.True(abs (cellWidth - cellHeight) * float (max rows columns) <= 1.0, sprintf "%s: cell %g × %g px" file cellWidth cellHeight)
            // The axes end at the grid's outer edges: the data area holds the grid and nothing else.
            let limits = plot.RenderManager.LastRender.AxisLimits
            Assert.Equal(-0.5, limits.Left, 9)
            Assert.Equal(float columns - 0.5, limits.Right, 9)
            Assert.Equal(-0.5, limits.Bottom, 9)
            Assert.Equal(float rows - 0.5, limits.Top, 9)
            // The colour bar is named and lies inside the image, right of the data area.
            let bar = plot.Axes.GetPanels() |> Seq.pick (function :? ScottPlot.Panels.ColorBar as b -> Some b | _ -> None)
            Assert.False(String.IsNullOrWhiteSpace bar.Label, sprintf "%s: the colour bar has no label" file)
            let barWidth =
                TestHelpers.rendered (fun () ->
                    use paint = ScottPlot.Paint.NewDisposablePaint()
                    bar.Measure(paint))
            Assert.True(data.Right + barWidth <= float32 width + 0.5f, sprintf "%s: colour bar beyond the image" file)
            // Cell indices: whole-number ticks only, within the grid, on both axes; labelled axes.
            for axis, last in [ plot.Axes.Bottom :> ScottPlot.IAxis, columns - 1; plot.Axes.Left, rows - 1 ] do
                let ticks = axis.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor)
                Assert.NotEmpty ticks
                for t in ticks do
                    Assert.Equal(Math.Round t.Position, t.Position)
                    Assert.InRange(t.Position, 0.0, float last)
                    Assert.Equal(string (int t.Position), t.Label)
            Assert.Equal("column j", plot.Axes.Bottom.Label.Text)
            Assert.Equal("row i", plot.Axes.Left.Label.Text)
            // The title names the problem; a run's also the iteration shown.
            let title = plot.Axes.Title.Label.Text.Replace('\n', ' ')
            Assert.StartsWith("heat2d, n = 32:", title)
            if file <> "field-target.png" then Assert.Contains("x at iteration 1", title)

[<Fact>]
let ``a saved heat map is drawn at the size that keeps its cells square`` () =
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-plotshapes-" + Guid.NewGuid().ToString("N"))
    try
        let target = Array.init 64 float
        let run = synthetic "gd" target [| Array.zeroCreate 64; target |]
        let written = FieldPlots.Save([| run |], dir, [| 8; 8 |], target, "poisson2d, n = 8")
        // The run's map and x*'s, each as PNG and SVG.
        Assert.Equal(4, written.Count)
        for path in written do
            let plot = (FieldPlots.Plots([| run |], [| 8; 8 |], target, "poisson2d, n = 8") |> Seq.head |> fun struct (_, p) -> p)
            let struct (width, height) = FieldPlots.SizeOf plot
            if path.EndsWith ".svg" then
                Assert.Contains(sprintf "width=\"%d\" height=\"%d\"" width height, File.ReadAllText path)
            else
                // A PNG's width and height are the big-endian integers at bytes 16 and 20 (its IHDR chunk).
                let bytes = File.ReadAllBytes path
                let at i = (int bytes.[i] <<< 24) ||| (int bytes.[i + 1] <<< 16) ||| (int bytes.[i + 2] <<< 8) ||| int bytes.[i + 3]
                Assert.Equal(width, at 16)
                Assert.Equal(height, at 20)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

// ---- train over several seeds: a narrow legend beside the data ----

/// A run of `method` at rate `rate` from seed `seed` with the losses at steps 0, 10, 20, … (0.01 s per step).
let private history (method: TrainingMethod) rate seed (losses: float list) diverged =
    let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, rate, 256), seed, points, 0L, diverged)

[<Fact>]
let ``train's legend over five seeds lies beside the data area, in a figure at most 1200 pixels wide`` () =
    // Five seeds of four methods (two of them Adam at two rates); GD diverges in three seeds and GN has a
    // spike above the range: the entries that were longest ("…, 3 of 5 seeds diverged (∞ from there on),
    // median ∞ from steps 30", "…, above the plot at steps 10–20, up to 1E+09") made a 1700-pixel figure.
    let runs =
        [| for s in 1 .. 5 do
               yield history TrainingMethod.Adam 0.01 s (List.replicate 11 0.1) false
               yield history TrainingMethod.Adam 0.003 s (List.replicate 11 0.2) false
               yield history TrainingMethod.GaussNewton 1.0 s ([ 1.0; 1e9; 1e9 ] @ List.replicate 8 1.0) false
               yield (if s <= 3 then history TrainingMethod.GradientDescent 0.1 s [ 1.0; 0.8; 0.6; nan ] true
                      else history TrainingMethod.GradientDescent 0.1 s (List.replicate 11 0.5) false) |]
    let plots = Training.Plots(runs, "HIG toy, λ = 1: y = (x0, λ·x1), loss ½‖y − y*‖², eval on 256 fixed samples")
    Assert.NotEmpty plots
    for struct (name, plot) in plots do
        let struct (width, height) = Training.SizeOf plot
        Assert.True(width <= Training.MaxPlotWidth, sprintf "%s: %d pixels wide" name width)
        Assert.True(width <= 1200, sprintf "%s: %d pixels wide" name width)
        TestHelpers.rendered (fun () -> plot.GetImage(width, height)) |> ignore
        let layout = plot.RenderManager.LastRender.Layout
        let legend = TestHelpers.rendered (fun () -> plot.Legend.GetImage())
        // The legend is drawn right of the data area, and the image holds both.
        Assert.True(layout.DataRect.Right + float32 legend.Width <= float32 width + 0.5f,
                    sprintf "%s: data right %g + legend %d > %d" name layout.DataRect.Right legend.Width width)
        Assert.True(layout.DataRect.Width >= 550.0f, sprintf "%s: data area %g wide" name layout.DataRect.Width)
        Assert.True(legend.Height <= height, sprintf "%s: legend %d tall in %d" name legend.Height height)
        // Every line of every entry is short; together they still say everything (joined back with spaces).
        let entries = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText) |> Array.ofSeq
        // Four methods and the start they share, marked once (Api27).
        Assert.Equal(5, entries.Length)
        Assert.Contains(entries, fun e -> e.StartsWith "start")
        for e in entries do
            for line in e.Split('\n') do
                Assert.True(line.Length <= Training.LegendLine, sprintf "%s: legend line of %d characters: %s" name line.Length line)
        let gd = entries |> Array.map (fun e -> e.Replace('\n', ' ')) |> Array.find (fun e -> e.StartsWith "gd ")
        Assert.Contains("3 of 5 seeds diverged", gd)

// ---- diff --sparse at order 1: the gradient's structural nonzeros ----

// f = x0² + 3·x1 in x0, x1, x2: ∂f/∂x0 = 2·x0, ∂f/∂x1 = 3, ∂f/∂x2 = 0 (x2 does not occur). At (1, 2, 5):
// f = 1 + 6 = 7, gradient (2, 3, 0).
let private f = "x0^2 + 3*x1"

[<Fact>]
let ``diff --sparse at order 1 lists only the gradient's nonzeros, in every format that has a coordinate form`` () =
    let run args = Cli.run ([ "diff"; "-f"; f; "--vars"; "x0,x1,x2"; "--at"; "1,2,5"; "--sparse" ] @ args)
    let code, out, err = run []
    Assert.True((code = 0), err)
    Assert.Contains("gradient (length 3, 2 structural nonzeros):", out)
    Assert.Contains("df/dx0 = 2*x0", out)
    Assert.Contains("df/dx1 = 3", out)
    Assert.DoesNotContain("df/dx2", out)
    Assert.Contains("(0) = 2", out)
    Assert.Contains("(1) = 3", out)
    Assert.DoesNotContain("(2) =", out)
    Assert.Contains("f = 7", out)

    let code, out, err = run [ "--format"; "json" ]
    Assert.True((code = 0), err)
    let root = JsonDocument.Parse(out).RootElement
    Assert.False(root.TryGetProperty("gradient") |> fst, "no dense gradient next to the entries")
    Assert.Equal<int list>([ 3 ], [ for v in root.GetProperty("gradientShape").EnumerateArray() -> v.GetInt32() ])
    Assert.Equal<(int * string) list>(
        [ 0, "2*x0"; 1, "3" ],
        [ for e in root.GetProperty("gradientEntries").EnumerateArray() -> e.GetProperty("index").GetInt32(), e.GetProperty("expression").GetString() ])
    Assert.Equal<(int * float) list>(
        [ 0, 2.0; 1, 3.0 ],
        [ for e in root.GetProperty("gradientAtEntries").EnumerateArray() -> e.GetProperty("index").GetInt32(), e.GetProperty("value").GetDouble() ])

    let code, out, err = run [ "--format"; "csv" ]
    Assert.True((code = 0), err)
    let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.TrimEnd '\r')
    Assert.Equal<string[]>([| "quantity,row,column,expression,value,undefinedBecause"; "f,,,x0^2 + 3*x1,7,"; "gradient,0,,2*x0,2,"; "gradient,1,,3,3," |], lines)
    // Dense, the zero entry is there.
    let code, out, err = Cli.run [ "diff"; "-f"; f; "--vars"; "x0,x1,x2"; "--at"; "1,2,5"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    Assert.Contains("gradient,2,,0,0", out)

[<Fact>]
let ``eval --sparse leaves out the gradient's structural zeros as diff --sparse does`` () =
    let file = Path.GetTempFileName()
    try
        File.WriteAllText(file, "1,2,5\n")
        let code, out, err = Cli.run [ "eval"; "-f"; f; "--vars"; "x0,x1,x2"; "--points"; file; "--sparse" ]
        Assert.True((code = 0), err)
        let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.TrimEnd '\r')
        Assert.Equal<string[]>([| "point,quantity,row,column,value"; "0,f,,,7"; "0,gradient,0,,2"; "0,gradient,1,,3" |], lines)
    finally
        File.Delete file

[<Fact>]
let ``diff --sparse with --format latex or csharp is refused, naming both options`` () =
    for format in [ "latex"; "csharp" ] do
        for order in [ "1"; "2" ] do
            let code, out, err = Cli.run [ "diff"; "-f"; f; "--order"; order; "--sparse"; "--format"; format ]
            Assert.Equal(2, code)
            Assert.Equal("", out)
            Assert.Contains("--sparse", TestHelpers.unwrapped err)
            Assert.Contains("--format " + format, TestHelpers.unwrapped err)

// ---- options that would change nothing are refused (or noted for a default list) ----

[<Fact>]
let ``a simulator's --loss or --target below order 2, and --start next to --at, are refused by diff and eval`` () =
    let simulator = "x0; x1^2"
    for option, value in [ "--target", "0,0"; "--loss", "y0^2 + y1^2" ] do
        let code, _, err = Cli.run [ "diff"; "--simulator"; simulator; "--at"; "1,2"; option; value ]
        Assert.Equal(2, code)
        Assert.Contains(option, err)
        Assert.Contains("--order 2", err)
        // At order 2 the same option is used: the loss is ½‖y − y*‖² or y0² + y1²; at (1, 2) with y* = 0 both
        // have y = (1, 4): ½(1 + 16) = 8.5 and 1 + 16 = 17.
        let code, out, err = Cli.run [ "diff"; "--simulator"; simulator; "--at"; "1,2"; option; value; "--order"; "2" ]
        Assert.True((code = 0), err)
        Assert.Contains((if option = "--target" then "loss = 8.5" else "loss = 17"), out)
    let code, _, err = Cli.run [ "diff"; "--simulator"; simulator; "--at"; "1,2"; "--start"; "3,3" ]
    Assert.Equal(2, code)
    Assert.Contains("--start", err)
    Assert.Contains("--at", err)
    let file = Path.GetTempFileName()
    try
        File.WriteAllText(file, "1,2\n")
        let code, _, err = Cli.run [ "eval"; "--simulator"; simulator; "--points"; file; "--start"; "3,3" ]
        Assert.Equal(2, code)
        Assert.Contains("--start", err)
        let code, _, err = Cli.run [ "eval"; "--simulator"; simulator; "--points"; file; "--target"; "0,0" ]
        Assert.Equal(2, code)
        Assert.Contains("--target", err)
        let code, out, err = Cli.run [ "eval"; "--simulator"; simulator; "--points"; file; "--target"; "0,0"; "--order"; "2" ]
        Assert.True((code = 0), err)
        Assert.NotEqual<string>("", out)
    finally
        File.Delete file

[<Fact>]
let ``--inverse next to named methods without pg is refused by derive; with pg it is used`` () =
    // (compare keeps it: its x* is found through the local inverse whichever methods run.)
    let problem = [ "derive"; "--simulator"; "x0; x1^2"; "--target"; "1,4"; "--inverse"; "y0; sqrt(y1)" ]
    let code, _, err = Cli.run (problem @ [ "--methods"; "gd,newton" ])
    Assert.Equal(2, code)
    Assert.Contains("--inverse", err)
    Assert.Contains("pg", err)
    let code, out, err = Cli.run (problem @ [ "--methods"; "pg" ])
    Assert.True((code = 0), err)
    Assert.DoesNotContain("--inverse", err)
    Assert.Contains("pg", out)

[<Fact>]
let ``--inverse with the default list on a problem where pg does not apply gets a note, not silence`` () =
    // Three outputs of two variables: J is 3 × 2, so PG (and IG) are skipped from the default list.
    let code, _, err =
        Cli.run [ "derive"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--inverse"; "(y0 + y1)/2; (y0 - y1)/2" ]
    Assert.True((code = 0), err)
    Assert.Contains("note: --inverse", err)

[<Fact>]
let ``check refuses --start next to --at, and uses --at alone`` () =
    let problem = [ "check"; "--simulator"; "x0; x1^2"; "--target"; "1,4" ]
    let code, _, err = Cli.run (problem @ [ "--at"; "1,2"; "--start"; "3,3" ])
    Assert.Equal(2, code)
    Assert.Contains("--start", err)
    Assert.Contains("--at", err)
    let code, out, err = Cli.run (problem @ [ "--at"; "1,2" ])
    Assert.True((code = 0 || code = 1), err)
    Assert.Contains("At x = [1, 2]", out)
