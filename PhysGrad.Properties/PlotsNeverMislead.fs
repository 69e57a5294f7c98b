/// Plots that never mislead (issue 12, item 4, the faults a new user still found): a run thrown far is cut
/// in every kind of plot, however few runs there are; a stack's legend lies inside the image and off the
/// data; a diverged run's entry says the same iteration in every plot and its cross ends its drawn line;
/// one palette of clearly distinct colours for every command.
module PhysGrad.Properties.PlotsNeverMislead

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

/// The legend entry of the run labelled `name` in a figure (its first panel holds the entries).
let private entry (figure: TrajectoryPlots.Figure) (name: string) =
    figure.Panels.[0].Legend.ManualItems
    |> Seq.map (fun i -> i.LabelText.Replace('\n', ' '))
    |> Seq.find (fun l -> l.StartsWith(name + " ") || l.StartsWith(name + ","))

/// Renders a figure as it is written, so every panel's last render holds the layout it was drawn with.
let private render (figure: TrajectoryPlots.Figure) = TrajectoryPlots.Render figure

let private limitsOf (plot: ScottPlot.Plot) = plot.RenderManager.LastRender.AxisLimits

/// The crosses (diverged or explodes markers) of a panel, each with the end of the last line of its colour
/// drawn before it: a cross must sit where the run's drawn line ends.
let private crosses (plot: ScottPlot.Plot) =
    let lastEnd = Collections.Generic.Dictionary<ScottPlot.Color, ScottPlot.Coordinates>()
    [ for p in plot.GetPlottables() do
          match p with
          | :? ScottPlot.Plottables.Scatter as s ->
              let points = s.Data.GetScatterPoints()
              if points.Count > 0 then lastEnd.[s.Color] <- points.[points.Count - 1]
          | :? ScottPlot.Plottables.LinePlot as l -> lastEnd.[l.LineColor] <- l.End
          | :? ScottPlot.Plottables.Marker as m when m.MarkerShape = ScottPlot.MarkerShape.Eks ->
              let found, at = lastEnd.TryGetValue m.Color
              yield m.Color, m.Location, (if found then Some at else None)
          | _ -> () ]

let private inside (limits: ScottPlot.AxisLimits) (c: ScottPlot.Coordinates) =
    c.X >= limits.Left && c.X <= limits.Right && c.Y >= limits.Bottom && c.Y <= limits.Top

[<Fact>]
let ``a run thrown far is cut in the x-against-iteration plot of one variable, also with only one other run`` () =
    // P(x0) = exp(x0), y* = 2, from x0 = 8. GD at η = 0.5: ∂L/∂x0 = (e⁸ − 2)·e⁸ = 2979.0·2981.0 ≈ 8.88E+06, so
    // x0 ← 8 − 0.5·8.88E+06 ≈ −4.44E+06 in one step. Newton moves within [6.3, 8] in ten steps (the table's
    // 6.33466). With two runs the median extent was GD's own (the upper of two), so nothing was cut; GD is
    // judged by Newton's extent and the distance 8 − ln 2 = 7.31 to x*: 4.44E+06 > 10⁴ · 7.31.
    let problem = PhysicsProblem.FromText("exp(x0)", [| 2.0 |], [| 8.0 |])
    let runs =
        problem.CompareMethods(MethodCatalog.Parse "gd:0.5,newton", 10).Results
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.True(runs.[0].Trajectory.[1].[0] < -4.4e6, sprintf "GD's first step %g" runs.[0].Trajectory.[1].[0])
    Assert.Equal<bool>([| true; false |], TrajectoryPlots.Exploding(runs, [| Math.Log 2.0 |]))
    let figures = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)
    let x = figures |> Seq.find (fun f -> f.Name = "x-space")
    render x |> ignore
    let limits = limitsOf x.Panels.[0]
    // The axis holds the start 8, Newton's path and x* = ln 2 = 0.693, and is not stretched to −4.4E+06.
    Assert.True(limits.Bottom <= Math.Log 2.0 && limits.Top >= 8.0, sprintf "%O" limits)
    Assert.True(limits.Bottom > -5.0 && limits.Top < 12.0, sprintf "x-space stretched: %O" limits)
    Assert.Contains("gd (η = 0.5), explodes, off the plot between iterations 0 and 1", entry x "gd")
    // The cross sits where GD's line leaves the range, at its edge, and is visible.
    let gd = TrajectoryPlots.ColorOf Method.GradientDescent
    let cross = crosses x.Panels.[0] |> List.filter (fun (c, _, _) -> c = gd)
    Assert.Equal(1, cross.Length)
    let _, at, lineEnd = cross.Head
    Assert.True(inside limits at, sprintf "cross %O outside %O" at limits)
    Assert.Equal(Some at, lineEnd)

/// Synthetic runs on the identity map, P(x) = x in d dimensions (so y = x and L = ½‖x − x*‖²): `normal` runs
/// stay within 2 of the start in every coordinate, `flying` runs jump at iteration `jump` to ±10^e (e up to
/// 300) and some end in ∞ (diverged). At most as many fly as stay.
type private Case =
    { Dimension: int
      Normal: float[][][]
      Flying: (int * float[][] * bool)[]
      Target: float[] }

let private start d = Array.init d (fun j -> 1.0 + float j)

let private caseGen =
    gen {
        let! d = Gen.choose (1, 3)
        let! n = Gen.choose (1, 3)
        let! m = Gen.choose (1, n)
        let! steps = Gen.choose (3, 8)
        let offset = Gen.choose (-200, 200) |> Gen.map (fun k -> float k / 100.0)
        let! normal =
            Gen.arrayOfLength n (Gen.arrayOfLength steps (Gen.arrayOfLength d offset))
        let! flying =
            Gen.arrayOfLength m (gen {
                let! jump = Gen.choose (1, steps)
                let! exponent = Gen.choose (5, 300)
                let! sign = Gen.elements [ -1.0; 1.0 ]
                let! toInfinity = Gen.elements [ false; true ]
                let points =
                    Array.init (steps + 1) (fun k ->
                        if k < jump then start d
                        elif toInfinity && k = steps then Array.create d (sign * infinity)
                        else Array.init d (fun j -> sign * Math.Pow(10.0, float (min 300 (exponent + k - jump))) * float (j + 1)))
                return jump, points, toInfinity })
        // x* at least 1 from the start in x0, so the reference extent is at least 1 (a stay of 2 is not far).
        let! shift = Gen.elements [ -1.5; 1.0; 1.8 ]
        let! rest = Gen.arrayOfLength d offset
        let target = Array.init d (fun j -> start d |> Array.item j |> (+) (if j = 0 then shift else rest.[j]))
        return
            { Dimension = d
              Normal = normal |> Array.map (fun pts -> Array.append [| start d |] (pts |> Array.map (Array.map2 (+) (start d))))
              Flying = flying
              Target = target }
    }

let private names = [| "gd"; "newton"; "pg"; "ig"; "gn"; "hig"; "adam"; "bfgs" |]

let private synthetic (name: string) (target: float[]) (points: float[][]) (diverged: bool) =
    let losses =
        points |> Array.map (fun p -> 0.5 * Array.fold2 (fun s a b -> s + (a - b) * (a - b)) 0.0 p target)
    let reason = if diverged then StopReason.Diverged else StopReason.IterationLimit
    OptimizerRun(name, 0.1, points, points, losses,
                 ExitReason(reason, points.Length - 1, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

[<Property(MaxTest = 40)>]
let ``runs thrown far are cut in every plot, for any number of them up to the runs that stay`` () =
    Prop.forAll (Arb.fromGen caseGen) (fun case ->
        let d = case.Dimension
        let vars = String.Join("; ", [ for j in 0 .. d - 1 -> sprintf "x%d" j ])
        let problem = PhysicsProblem.FromText(vars, case.Target, start d)
        let normal = case.Normal |> Array.mapi (fun i pts -> synthetic names.[i] case.Target pts false)
        let flying =
            case.Flying |> Array.mapi (fun i (_, pts, inf) -> synthetic names.[case.Normal.Length + i] case.Target pts inf)
        let runs = Array.append normal flying
        let figures = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)
        for figure in figures do
            render figure |> ignore
            for k in 0 .. figure.Panels.Count - 1 do
                let plot = figure.Panels.[k]
                let limits = limitsOf plot
                // Every kept point lies within 2 of the start, x* within 2 too: a range of at most 4 per
                // coordinate, padded twice by under 10 % a side, so under 6 wide. The loss stays under
                // ½·d·4² = 24 (log₁₀ 24 = 1.38) and is at least 0.
                if figure.Name = "loss" then
                    // On a linear axis (losses within a decade) L itself: under 24 with the padding, under 30.
                    let top = if plot.Axes.Left.Label.Text.Contains "log" then 3.0 else 30.0
                    Assert.True(limits.Top < top, sprintf "loss axis to %g (%O)" limits.Top limits)
                else
                    Assert.True(limits.Top - limits.Bottom < 6.0, sprintf "%s panel %d: %O" figure.Name k limits)
                    if d = 2 then Assert.True(limits.Right - limits.Left < 6.0, sprintf "%s: %O" figure.Name limits)
                // Each flying run is cut at the edge with one visible cross where its line ends.
                let cs = crosses plot
                for run in flying do
                    let color = (TrajectoryPlots.ColorsOf runs).[Array.IndexOf(runs, run)]
                    let mine = cs |> List.filter (fun (c, _, _) -> c = color)
                    Assert.True(mine.Length = 1, sprintf "%s panel %d: %d crosses of %s" figure.Name k mine.Length run.Name)
                    let _, at, lineEnd = mine.Head
                    Assert.True(inside limits at, sprintf "%s: cross %O outside %O" figure.Name at limits)
                    Assert.Equal(Some at, lineEnd)
            for run in flying do
                let e = entry figure run.Name
                Assert.Contains("off the plot", e)
                if run.StopReason = StopReason.Diverged then
                    Assert.Contains(sprintf ", diverged at iteration %d" run.Exit.Iteration, e)
        true)

[<Fact>]
let ``a diverged run's entry says one iteration in every plot and its cross ends its drawn line`` () =
    // The book's problem with GD at η = 0.6: x1 ← x1 − 2.4·x1³ (docs/theory.md §4) gives x1 = 3, −61.8,
    // 5.66E+05, −4.36E+17, 1.99E+53, −1.89E+160; at iteration 5 y1 = x1² = 3.6E+320 overflows, the loss is
    // ∞ and the run stops there: "diverged at iteration 5" in x, y and the loss plot alike (each curve has
    // its own length: 6 points in x, 5 finite losses), never a length of a curve.
    let problem = PhysicsProblem.Book
    let runs =
        problem.CompareMethods(MethodCatalog.Parse "gd:0.6,newton,pg", 10).Results
        |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.Equal(StopReason.Diverged, runs.[0].StopReason)
    Assert.Equal(5, runs.[0].Exit.Iteration)
    let figures = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)
    let gd = TrajectoryPlots.ColorOf Method.GradientDescent
    for figure in figures do
        Assert.Contains("gd (η = 0.6), diverged at iteration 5", entry figure "gd")
        render figure |> ignore
        for plot in figure.Panels do
            let limits = limitsOf plot
            let mine = crosses plot |> List.filter (fun (c, _, _) -> c = gd)
            Assert.True(mine.Length = 1, sprintf "%s: %d crosses" figure.Name mine.Length)
            let _, at, lineEnd = mine.Head
            Assert.Equal(Some at, lineEnd)
            Assert.True(inside limits at, sprintf "%s: cross %O outside %O" figure.Name at limits)
    // The same for a run of one variable that diverges at its first step: x0³ = 8 from 1, GD at η = 1E+100
    // steps to 2.1E+101, whose loss (x0³ − 8)²/2 overflows at iteration 1.
    let one = PhysicsProblem.FromText("x0^3", [| 8.0 |], [| 1.0 |])
    let runs =
        one.CompareMethods(MethodCatalog.Parse "gd:1e100,newton", 10).Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.Equal(1, runs.[0].Exit.Iteration)
    for figure in TrajectoryPlots.Figures(runs, one.Compiled, one.Definition) do
        Assert.Contains("diverged at iteration 1", entry figure "gd")
        Assert.DoesNotContain("diverged at 2", entry figure "gd")

/// The figure's legend rectangle (pixels) and its PNG decoded.
let private legendAndImage (figure: TrajectoryPlots.Figure) =
    let png = render figure
    TestHelpers.rendered (fun () ->
        use bitmap = SkiaSharp.SKBitmap.Decode png
        let at = figure.Legend.Value
        let pixel (x: int) (y: int) = bitmap.GetPixel(x, y)
        let rightColumn = [| for y in 0 .. bitmap.Height - 1 -> pixel (bitmap.Width - 1) y |]
        let leftEdge = [| for y in int at.Top + 2 .. int at.Bottom - 3 -> pixel (int (Math.Round(float at.Left))) y |]
        at, (bitmap.Width, bitmap.Height), rightColumn, leftEdge)

[<Fact>]
let ``a stacked figure's legend lies inside the image and beside every panel's data, for 3 outputs and for 50 variables`` () =
    // Eleven methods on the identity of 50 variables (50 panels drawn as 8) and on a 3-output problem: long
    // entries ("coincides with …") and a legend taller than one panel, which was cut at the right edge
    // (measured before the layout) or wrapped into a second column.
    let vars = String.Join("; ", [ for j in 0..49 -> sprintf "x%d" j ])
    let fifty = PhysicsProblem.FromText(vars, [| for j in 0..49 -> float j / 10.0 |], Array.zeroCreate 50)
    let all = "gd,newton,ig,pg,adam,gn,hig,bfgs,lbfgs,newton-cg,lm"
    let three = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 2.0 |], [| 1.0; 0.5 |])
    let cases =
        [ fifty, fifty.CompareMethods(MethodCatalog.Parse all, 5)
          three, three.CompareMethods(MethodCatalog.Parse "gd:0.6,newton,gn,hig,adam,bfgs,lm", 10) ]
    for problem, comparison in cases do
        let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        let stacks =
            TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.filter (fun f -> f.Panels.Count > 1)
        Assert.NotEmpty stacks
        for figure in stacks do
            let at, (width, height), rightColumn, leftEdge = legendAndImage figure
            Assert.Equal((figure.Width, figure.Height), (width, height))
            // Inside the image, with its shadow (3 px right and down).
            Assert.True(at.Left >= 0.0f && at.Top >= 0.0f && at.Right + 3.0f <= float32 width && at.Bottom + 3.0f <= float32 height,
                        sprintf "%s: legend %O in %d × %d" figure.Name at width height)
            // Its box is the legend's image, one column: as tall as every entry needs (each run and the target,
            // at least 14 px an entry at ScottPlot's 12 px font), not wrapped into a second column.
            let entries = runs.Length + 1
            Assert.True(at.Height >= float32 entries * 14.0f, sprintf "%s: legend height %f for %d entries" figure.Name at.Height entries)
            // Never over data: right of every panel's data area.
            for plot in figure.Panels do
                let data = plot.RenderManager.LastRender.DataRect
                Assert.True(data.Right < at.Left, sprintf "%s: data %O reaches the legend %O" figure.Name data at)
            // What is drawn agrees: the legend's frame (black, anti-aliased to grey half a pixel off; white would
            // sum to 765) runs down its left edge, and nothing touches the image's right edge (a cut legend would
            // leave its text or frame there).
            Assert.True(leftEdge |> Array.forall (fun c -> int c.Red + int c.Green + int c.Blue < 600),
                        sprintf "%s: no frame at x = %f" figure.Name at.Left)
            Assert.True(rightColumn |> Array.forall (fun c -> c.Red > 240uy && c.Green > 240uy && c.Blue > 240uy),
                        sprintf "%s: something drawn at the right edge" figure.Name)

/// CIE L*a*b* (D65) of an sRGB colour (IEC 61966-2-1's transfer function, the CIE 1976 formulas).
let private lab (c: ScottPlot.Color) =
    let lin (v: byte) =
        let s = float v / 255.0
        if s <= 0.04045 then s / 12.92 else Math.Pow((s + 0.055) / 1.055, 2.4)
    let r, g, b = lin c.Red, lin c.Green, lin c.Blue
    let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    let f t = if t > 216.0 / 24389.0 then Math.Cbrt t else (24389.0 / 27.0 * t + 16.0) / 116.0
    116.0 * f y - 16.0, 500.0 * (f x - f y), 200.0 * (f y - f z)

/// The CIEDE2000 colour difference (Sharma, Wu and Dalal 2005, equations 1–22).
let private deltaE2000 (l1: float, a1: float, b1: float) (l2: float, a2: float, b2: float) =
    let rad d = d * Math.PI / 180.0
    let deg r = r * 180.0 / Math.PI
    let c1, c2 = Math.Sqrt(a1 * a1 + b1 * b1), Math.Sqrt(a2 * a2 + b2 * b2)
    let cBar7 = Math.Pow((c1 + c2) / 2.0, 7.0)
    let g = 0.5 * (1.0 - Math.Sqrt(cBar7 / (cBar7 + Math.Pow(25.0, 7.0))))
    let a1', a2' = (1.0 + g) * a1, (1.0 + g) * a2
    let c1', c2' = Math.Sqrt(a1' * a1' + b1 * b1), Math.Sqrt(a2' * a2' + b2 * b2)
    let hue a b = if a = 0.0 && b = 0.0 then 0.0 else (deg (Math.Atan2(b, a)) + 360.0) % 360.0
    let h1, h2 = hue a1' b1, hue a2' b2
    let dL, dC = l2 - l1, c2' - c1'
    let dh =
        if c1' * c2' = 0.0 then 0.0
        elif abs (h2 - h1) <= 180.0 then h2 - h1
        elif h2 - h1 > 180.0 then h2 - h1 - 360.0
        else h2 - h1 + 360.0
    let dH = 2.0 * Math.Sqrt(c1' * c2') * Math.Sin(rad (dh / 2.0))
    let lBar, cBar' = (l1 + l2) / 2.0, (c1' + c2') / 2.0
    let hBar =
        if c1' * c2' = 0.0 then h1 + h2
        elif abs (h1 - h2) <= 180.0 then (h1 + h2) / 2.0
        elif h1 + h2 < 360.0 then (h1 + h2 + 360.0) / 2.0
        else (h1 + h2 - 360.0) / 2.0
    let t =
        1.0 - 0.17 * Math.Cos(rad (hBar - 30.0)) + 0.24 * Math.Cos(rad (2.0 * hBar))
        + 0.32 * Math.Cos(rad (3.0 * hBar + 6.0)) - 0.20 * Math.Cos(rad (4.0 * hBar - 63.0))
    let dTheta = 30.0 * Math.Exp(-(((hBar - 275.0) / 25.0) ** 2.0))
    let cBar'7 = Math.Pow(cBar', 7.0)
    let rc = 2.0 * Math.Sqrt(cBar'7 / (cBar'7 + Math.Pow(25.0, 7.0)))
    let sl = 1.0 + 0.015 * (lBar - 50.0) ** 2.0 / Math.Sqrt(20.0 + (lBar - 50.0) ** 2.0)
    let sc = 1.0 + 0.045 * cBar'
    let sh = 1.0 + 0.015 * cBar' * t
    let rt = -Math.Sin(rad (2.0 * dTheta)) * rc
    Math.Sqrt((dL / sl) ** 2.0 + (dC / sc) ** 2.0 + (dH / sh) ** 2.0 + rt * (dC / sc) * (dH / sh))

[<Fact>]
let ``the colour difference is measured right: Sharma, Wu and Dalal's test pairs`` () =
    // Table 1 of the paper: pairs 1, 7, 13 and 17 with their published ΔE00.
    Assert.Equal(2.0425, deltaE2000 (50.0, 2.6772, -79.7751) (50.0, 0.0, -82.7485), 4)
    Assert.Equal(2.3669, deltaE2000 (50.0, 0.0, 0.0) (50.0, -1.0, 2.0), 4)
    Assert.Equal(1.0, deltaE2000 (50.0, 2.5, 0.0) (50.0, 3.1736, 0.5854), 4)
    Assert.Equal(27.1492, deltaE2000 (50.0, 2.5, 0.0) (73.0, 25.0, -18.0), 4)

[<Fact>]
let ``every method has a colour clearly its own, the same in compare's and train's plots`` () =
    let methods = Enum.GetValues<Method>() |> Array.distinct
    let colors = methods |> Array.map TrajectoryPlots.ColorOf
    Assert.Equal(methods.Length, colors |> Array.distinct |> Array.length)
    // Every two methods differ by ΔE00 ≥ 20 (a difference seen at a glance; Category10's Adam purple and HIG
    // pink were 17.3 apart, PG red and GN brown 16.2), each stands out from the white background (≥ 25)
    // and from the target's black (≥ 20).
    for i in 0 .. methods.Length - 1 do
        let li = lab colors.[i]
        Assert.True(deltaE2000 li (lab ScottPlot.Colors.White) >= 25.0, sprintf "%A on white" methods.[i])
        Assert.True(deltaE2000 li (lab ScottPlot.Colors.Black) >= 20.0, sprintf "%A on black" methods.[i])
        for j in i + 1 .. methods.Length - 1 do
            let d = deltaE2000 li (lab colors.[j])
            Assert.True(d >= 20.0, sprintf "%A and %A differ by ΔE00 = %.1f" methods.[i] methods.[j] d)
    // train draws a method in compare's colour: Adam, HIG, GD and GN alike, SIP by its inner inverse.
    Assert.Equal(TrajectoryPlots.ColorOf Method.Adam, Training.ColorOf TrainingMethod.Adam)
    Assert.Equal(TrajectoryPlots.ColorOf Method.HalfInverseGradient, Training.ColorOf TrainingMethod.Hig)
    Assert.Equal(TrajectoryPlots.ColorOf Method.GaussNewton, Training.ColorOf TrainingMethod.GaussNewton)
    Assert.Equal(TrajectoryPlots.ColorOf Method.GradientDescent, Training.ColorOf TrainingMethod.GradientDescent)
    Assert.True(deltaE2000 (lab (Training.ColorOf TrainingMethod.Adam)) (lab (Training.ColorOf TrainingMethod.Hig)) >= 20.0)

[<Fact>]
let ``a repeated method's colour is a spare clearly apart from every method's, every other spare and its plot's colours`` () =
    // The spares differ from every method colour, from each other (ΔE00 ≥ 20, as the methods do) and stand
    // out from white and black (hig kappa=-0.25 was drawn in an olive 19 from L-BFGS's).
    let spares = TrajectoryPlots.SpareColors
    let methods = Enum.GetValues<Method>() |> Array.distinct |> Array.map TrajectoryPlots.ColorOf
    for i in 0 .. spares.Length - 1 do
        let li = lab spares.[i]
        Assert.True(deltaE2000 li (lab ScottPlot.Colors.White) >= 25.0, sprintf "spare %d on white" i)
        Assert.True(deltaE2000 li (lab ScottPlot.Colors.Black) >= 20.0, sprintf "spare %d on black" i)
        for m in methods do
            let d = deltaE2000 li (lab m)
            Assert.True(d >= 20.0, sprintf "spare %d and %O differ by ΔE00 = %.1f" i m d)
        for j in i + 1 .. spares.Length - 1 do
            let d = deltaE2000 li (lab spares.[j])
            Assert.True(d >= 20.0, sprintf "spares %d and %d differ by ΔE00 = %.1f" i j d)
    // The trial's lists: a repeat takes a spare clearly apart from every other colour of its list (issue 12's
    // trial 24: a spare chosen by the label alone lay 21 from HIG's cyan or 22 from Adam's purple), and one
    // list gives one answer, so every plot drawn from it agrees.
    let gd, hig = TrajectoryPlots.ColorOf Method.GradientDescent, TrajectoryPlots.ColorOf Method.HalfInverseGradient
    let firstOwn, firstLabels = [| gd; gd; hig; hig |], [| "gd:0.01"; "gd:0.1"; "hig:1:kappa=-0.5"; "hig:1:kappa=-0.25" |]
    let first = TrajectoryPlots.Distinct(firstOwn, firstLabels)
    let second = TrajectoryPlots.Distinct([| hig; gd; gd |], [| "hig"; "gd:0.001"; "gd:0.1" |])
    Assert.Equal<ScottPlot.Color[]>(first, TrajectoryPlots.Distinct(firstOwn, firstLabels))
    for list, repeats in [ first, [ 1; 3 ]; second, [ 2 ] ] do
        for i in repeats do
            Assert.Contains(list.[i], spares)
            for j in 0 .. list.Length - 1 do
                if j <> i then
                    let d = deltaE2000 (lab list.[i]) (lab list.[j])
                    Assert.True(d >= TrajectoryPlots.MinColourDifference, sprintf "entries %d and %d differ by ΔE00 = %.1f" i j d)
    // Every colour of a list differs from every other, and a repeat never takes a method's own colour.
    Assert.Equal(first.Length, first |> Array.distinct |> Array.length)
    Assert.Equal(gd, first.[0])
    Assert.Equal(hig, first.[2])
    for c in [ first.[1]; first.[3]; second.[2] ] do
        Assert.DoesNotContain(c, methods)
    // Two repeats whose labels ask for the same spare still get two colours.
    let clash =
        Seq.initInfinite (fun k -> sprintf "gd:%d" k)
        |> Seq.skip 1
        |> Seq.find (fun l -> TrajectoryPlots.SpareIndex l = TrajectoryPlots.SpareIndex "gd:0")
    let both = TrajectoryPlots.Distinct([| gd; gd; gd |], [| "gd"; "gd:0"; clash |])
    Assert.Equal(3, both |> Array.distinct |> Array.length)

let private training (method: TrainingMethod) (losses: float list) (diverged: bool) =
    let settings = TrainingSettings(method, 0.03, 256)
    let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.1 * float k, l, nan)) |> Array.ofList
    TrainingHistory(settings, 1, points, 0L, diverged)

[<Fact>]
let ``train's plots keep the range of the runs that did not diverge and cut a diverged run with a cross`` () =
    // Adam falls from 1 to 1E-3 (three decades, a log axis from −3 to 0); GD's loss grows to 1E+30 and
    // diverges: its log₁₀ of 30 must not stretch the axis (it squashed Adam into a line at the bottom).
    let runs =
        [| training TrainingMethod.Adam [ 1.0; 0.1; 0.01; 0.001 ] false
           training TrainingMethod.GradientDescent [ 1.0; 1e10; 1e20; 1e30 ] true |]
    let gd = Training.ColorOf TrainingMethod.GradientDescent
    for struct (name, plot) in Training.Plots(runs, "test") do
        TestHelpers.rendered (fun () -> plot.GetImage(1000, 560)) |> ignore
        let limits = plot.RenderManager.LastRender.AxisLimits
        // −3 … 0 padded twice by under 10 % a side: within −3.7 … 0.7.
        Assert.True(limits.Top < 1.0 && limits.Bottom > -4.0, sprintf "%s: %O" name limits)
        let mine = crosses plot |> List.filter (fun (c, _, _) -> c = gd)
        Assert.Equal(1, mine.Length)
        let _, at, lineEnd = mine.Head
        Assert.Equal(Some at, lineEnd)
        Assert.True(inside limits at, sprintf "%s: cross %O outside %O" name at limits)
        let entry = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "gd ")
        // The last point is at step 30 (points every 10 steps); GD leaves the range between steps 0 and 10
        // (its second loss, 1E+10, is above it), or between 0 and 1 s on the time axis.
        Assert.Contains("diverged by step 30", entry)
        Assert.Contains((if name.EndsWith "steps" then "off the plot between steps 0 and 10" else "off the plot between 0 and 0.1 s"), entry)

[<Fact>]
let ``field plots keep the range of the runs that do not explode`` () =
    // A 1-D field of 4 cells from 0 towards x* = (1, 2, 3, 4): PG gets there; GD's last field is 1E+300 in
    // every cell (and diverged). Each run's field plot spans the values of the start and x* (0 … 4), not GD's.
    let target = [| 1.0; 2.0; 3.0; 4.0 |]
    let start = Array.zeroCreate 4
    let pg = synthetic "pg" target [| start; Array.map (fun v -> 0.5 * v) target; target |] false
    let gd = synthetic "gd" target [| start; Array.create 4 10.0; Array.create 4 1e300 |] true
    let plots = FieldPlots.Plots([| pg; gd |], [| 4 |], target)
    for struct (file, plot) in plots do
        TestHelpers.rendered (fun () -> plot.GetImage(FieldPlots.Width, FieldPlots.Height)) |> ignore
        let limits = plot.RenderManager.LastRender.AxisLimits
        Assert.True(limits.Bottom <= 0.0 && limits.Top >= 4.0 && limits.Top < 15.0, sprintf "%s: %O" file limits)
    let gdPlot = plots |> Seq.pick (fun struct (f, p) -> if f = "field-gd.png" then Some p else None)
    Assert.Contains(gdPlot.Legend.ManualItems, fun i -> i.LabelText.Replace('\n', ' ').Contains "off the plot")
    Assert.Contains("diverged at iteration 2", gdPlot.Axes.Title.Label.Text)
    // The 2-D heat maps share one colour scale set by PG's last field and x* (1 … 4), not GD's 1E+300.
    let maps = FieldPlots.Plots([| pg; gd |], [| 2; 2 |], target)
    for struct (file, plot) in maps do
        let heatmap = plot.GetPlottables() |> Seq.pick (function :? ScottPlot.Plottables.Heatmap as h -> Some h | _ -> None)
        Assert.Equal(1.0, heatmap.ManualRange.Value.Min)
        Assert.Equal(4.0, heatmap.ManualRange.Value.Max)

[<Fact>]
let ``train's time axis starts at 0, never at a negative time`` () =
    // Times run 0, 0.1, 0.2, 0.3 s: the padded axis put a tick at −1 s before; time cannot be negative.
    let runs = [| training TrainingMethod.Adam [ 1.0; 0.1; 0.01; 0.001 ] false |]
    for struct (name, plot) in Training.Plots(runs, "test") do
        TestHelpers.rendered (fun () -> plot.GetImage(1000, 560)) |> ignore
        if name.EndsWith "-time" then
            let limits = plot.RenderManager.LastRender.AxisLimits
            Assert.True(limits.Left >= 0.0, sprintf "%s: %O" name limits)
            let ticks = plot.Axes.Bottom.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor)
            Assert.True(ticks |> Array.forall (fun t -> t.Position >= limits.Left), sprintf "%s: a tick left of the axis" name)

[<Fact>]
let ``a long title wraps only between clauses, never inside an expression`` () =
    // The oscillators' title is 74 characters: it broke "book's loss =" from "2·L̄" before.
    let title = "Coupled oscillators (RK4 24×0.5): 4→20→20→20 tanh→24; book's loss = 2·L̄"
    let wrapped = Training.WrapTitle title
    Assert.Equal("Coupled oscillators (RK4 24×0.5): 4→20→20→20 tanh→24;\nbook's loss = 2·L̄", wrapped)
    // A formula longer than the width breaks before its operators, as typesetting does, and every line fits.
    let long = "a = " + String.replicate 40 "b + " + "c"
    let lines = (Training.WrapTitle long).Split('\n')
    Assert.Equal(long, String.Join(" ", lines))
    Assert.True(lines |> Array.forall (fun l -> l.Length <= 70), sprintf "%A" lines)
    Assert.True(lines |> Array.skip 1 |> Array.forall (fun l -> l.StartsWith "+ "), sprintf "%A" lines)
    // A prose clause too long for one line breaks after its commas first.
    let prose = "Coupled oscillators: 8 masses on springs, network 16-64-64-16, loss ½‖y − y*‖², eval on 512 fixed samples"
    Assert.Equal("Coupled oscillators: 8 masses on springs, network 16-64-64-16,\nloss ½‖y − y*‖², eval on 512 fixed samples", Training.WrapTitle prose)

[<Fact>]
let ``a problem with many variables is named by its size in the titles, never by a cut variable list`` () =
    // 1000 variables xi, outputs xi^2: the full P(…) text is thousands of characters long.
    let vars = Array.init 1000 (sprintf "x%d")
    let d = ProblemDefinition(vars, vars |> Array.map (fun v -> v + "^2"), null, [||], [||])
    Assert.Equal("P with n = 1000 variables, 1000 outputs", TrajectoryPlots.ProblemName d)
    // A short problem keeps its formula.
    let small = ProblemDefinition([| "x0" |], [| "x0^2" |], null, [||], [||])
    Assert.Equal("P(x0) = [x0^2]", TrajectoryPlots.ProblemName small)
