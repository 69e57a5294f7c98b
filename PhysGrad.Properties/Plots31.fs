/// Plot faults (31), each fixed as a kind: the outlier cut ("dwarfs the others") measured a run against the other
/// runs' range alone, which collapses to rounding when they sit at 0 = x*, so gd's healthy path was cut at ±0.015
/// (the range is now at least the problem's own scale there); the loss plot's row of exact zeros lay on the edge of
/// the grey band shaded below the range when another run exploded (the band now ends at the axis' break, and a run
/// leaving downwards is cut at the positive range), and a flat axis of one positive loss left that row off the plot;
/// one set of figures compiled the problem twice (SolutionResidual and NaturalScales now share one).
module PhysGrad.Properties.Plots31

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics

let private methods3 = [| struct (Method.Newton, 1.0); struct (Method.GaussNewton, 0.5) |]

// y0, y1 linear, y2 = x0·x2 + x1: from 0 to x* = (1, 0, 0), newton and gn stay at x1 = x2 = 0 (to 1E-17), gd does not.
let private coupled () =
    PhysicsProblem.FromText("0.1*x0 + 0.7*x1 + 0.3*x2; 0.3*x0 - 0.7*x1 + 0.1*x2; x0*x2 + x1", [| 0.1; 0.3; 0.0 |], [| 0.0; 0.0; 0.0 |])

let internal build (problem: PhysicsProblem) (methods: struct (Method * float)[]) iterations =
    let runs = problem.Compare(methods, iterations) |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    runs, TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)

let internal named (figures: TrajectoryPlots.Figure seq) name = figures |> Seq.find (fun f -> f.Name = name)

let internal entryOf (plot: ScottPlot.Plot) (name: string) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace("\n", " ")) |> Seq.find (fun t -> t.StartsWith(name + " "))

// ---- 1. the outlier cut judges a run against a range that cannot collapse -----------------------------------------

[<Fact>]
let ``gd's healthy path beside runs that sit at x1 = x2 = 0 is drawn whole in every panel, with no cut`` () =
    let runs, figures = build (coupled ()) (Array.append methods3 [| struct (Method.GradientDescent, 0.5) |]) 10
    let gd = runs.[2]
    // The case: gd moves x1 to −0.1 and x2 to 0.26, fine steps of a falling loss; newton and gn stay within 1E-16 of 0 there.
    Assert.True(gd.Losses.[gd.Losses.Count - 1] < gd.Losses.[0])
    Assert.InRange(gd.Trajectory |> Seq.map (fun p -> abs p.[1]) |> Seq.max, 0.05, 0.5)
    for space, points in [ "x-space", gd.Trajectory; "y-space", gd.Outputs ] do
        let figure = named figures space
        Assert.Equal(3, figure.Panels.Count)
        let entry = entryOf figure.Panels.[0] "gd"
        Assert.DoesNotContain("off the plot", entry)
        Assert.DoesNotContain("which the plot keeps", entry)
        for k in 0 .. 2 do
            let limits = figure.Panels.[k].Axes.GetLimits()
            for p in points do
                // It was cut at ±0.015 (x1, y2) and 0.05 (x2): the others' range was their rounding, 1E-17.
                Assert.True(p.[k] >= limits.Bottom && p.[k] <= limits.Top,
                    sprintf "%s panel %d: gd's %g outside %g … %g" space k p.[k] limits.Bottom limits.Top)

[<Fact>]
let ``gd thrown to x1 = 4.9, 16 times the component's natural scale, is still cut at the others' range`` () =
    let runs, figures = build (coupled ()) (Array.append methods3 [| struct (Method.GradientDescent, 1.5) |]) 6
    let gd = runs.[2]
    // Not an exploding run (those are clipped by another rule): its loss rose 1000-fold, its x1 swings to ±3 and 4.9.
    Assert.NotEqual(StopReason.Diverged, gd.StopReason)
    let reach = gd.Trajectory |> Seq.map (fun p -> abs p.[1]) |> Seq.max
    Assert.True(reach > 4.0, sprintf "x1 reaches %g" reach)
    let xs = named figures "x-space"
    Assert.Contains("beyond the range of the runs that stay near, which the plot keeps", entryOf xs.Panels.[0] "gd")
    let limits = xs.Panels.[1].Axes.GetLimits()
    Assert.True(limits.Top - limits.Bottom < 1.0, sprintf "x1 axis %g … %g" limits.Bottom limits.Top)
    // x2 goes to −1.8 only, about twice its natural scale of 1: drawn whole.
    let x2 = xs.Panels.[2].Axes.GetLimits()
    Assert.All(gd.Trajectory, fun p -> Assert.InRange(p.[2], x2.Bottom, x2.Top))

[<Fact>]
let ``the cut's floor is the travel start to target, capped by the component's own scale`` () =
    let runs, _ = build (coupled ()) [| struct (Method.GradientDescent, 0.5) |] 3
    let x (r: OptimizerRun) = r.Trajectory
    // x* − start is 1 in x0: the floor of a component whose scale is 0.3 is 0.3; of one whose scale is 5, 1.
    Assert.Equal(0.3, TrajectoryPlots.DwarfingFloor(runs, Func<_, _>(x), [| 1.0; 0.0; 0.0 |], 3, 0.3))
    Assert.Equal(1.0, TrajectoryPlots.DwarfingFloor(runs, Func<_, _>(x), [| 1.0; 0.0; 0.0 |], 3, 5.0))
    // Nothing to travel (no target): the component's scale.
    Assert.Equal(5.0, TrajectoryPlots.DwarfingFloor(runs, Func<_, _>(x), null, 3, 5.0))
    // Dwarfing with that floor: runs at 0 ± 1E-17 and a run to 0.1 (not cut), another to 5 (cut).
    let flat = [| struct (0.0, 0.0); struct (1.0, 1e-17); struct (2.0, -1e-17) |]
    let curves = [| flat; flat; [| struct (0.0, 0.0); struct (1.0, -0.1) |]; [| struct (0.0, 0.0); struct (1.0, 5.0) |] |]
    let far = curves |> Array.map (fun c -> Array.zeroCreate<bool> c.Length)
    let atZero = Nullable<struct (float * float)>(struct (Double.NaN, 0.0))
    let struct (_, dwarfs) = TrajectoryPlots.Dwarfing(Array.zeroCreate 4, curves, atZero, far, true, Nullable<struct (float * float)>(struct (0.0, 0.3)))
    Assert.Equal<bool>([| false; false; false; true |], dwarfs)

// ---- 2. the row of exact zeros never lies in the off-plot band ---------------------------------------------------

let private zeroRowAndShades (methods: struct (Method * float)[]) iterations =
    let problem = PhysicsProblem.FromText("x0; x1", [| 0.0; 0.0 |], [| 1.0; 1.0 |])
    let runs, figures = build problem methods iterations
    let loss = named figures "loss"
    let plot = loss.Panels.[0]
    TrajectoryPlots.Render loss |> ignore
    TestHelpers.rendered (fun () ->
        let data = plot.LastRender.DataRect
        let py (y: float) = float (plot.GetPixel(ScottPlot.Coordinates(0.0, y)).Y)
        let zero = plot.Axes.Left.TickGenerator.Ticks |> Array.tryFind (fun t -> t.IsMajor && t.Label = "0")
        let zero = zero |> Option.defaultWith (fun () -> failwithf "no tick labelled 0 on the axis %A" (plot.Axes.GetLimits()))
        // The shading outside the range: black (ScottPlot's #010101) at 7% (the break is grey at 25%).
        let shades =
            plot.GetPlottables()
            |> Seq.choose (function
                | :? ScottPlot.Plottables.Rectangle as r when r.FillColor.R < 8uy && r.FillColor.A < 40uy ->
                    let a, b = py r.CoordinateRect.Bottom, py r.CoordinateRect.Top
                    // Its pixel rows inside the data area (y grows downwards).
                    let top, bottom = max (min a b) (float data.Top), min (max a b) (float data.Bottom)
                    if top < bottom then Some(top, bottom) else None
                | _ -> None)
            |> Array.ofSeq
        runs, plot, zero.Position, py zero.Position, shades, (float data.Top, float data.Bottom))

[<Fact>]
let ``gd exploding beside newton's exact 0: the row of 0 and the grey off-plot bands are disjoint on the image`` () =
    let runs, plot, zero, row, shades, (dataTop, dataBottom) =
        zeroRowAndShades [| struct (Method.Newton, 1.0); struct (Method.GradientDescent, 3.5) |] 10
    Assert.Equal(StopReason.Diverged, runs.[1].StopReason)
    Assert.Equal(0.0, runs.[0].Losses.[runs.[0].Losses.Count - 1])
    // gd is cut at the top, so there is shading, above the range and below it.
    Assert.NotEmpty(shades)
    Assert.Contains("off the plot", entryOf plot "gd")
    // The row: the 0 tick with newton's marker (14 pixels) on it, inside the data area.
    let half = 7.0
    Assert.True(row - half > dataTop && row + half < dataBottom, sprintf "row of 0 at pixel %g outside %g … %g" row dataTop dataBottom)
    for (top, bottom) in shades do
        // Before, the band below the range began at the row itself: newton's marker sat half in it.
        Assert.True(bottom < row - half || top > row + half, sprintf "shade %g … %g over the row of 0 at %g ± %g" top bottom row half)
    let marker =
        plot.GetPlottables()
        |> Seq.pick (function :? ScottPlot.Plottables.Marker as m when m.MarkerShape = ScottPlot.MarkerShape.FilledTriangleDown && m.Location.Y <= zero + 1e-9 -> Some m | _ -> None)
    Assert.Equal(zero, marker.Location.Y, 9)

[<Fact>]
let ``newton's one positive loss and its exact 0 keep the row of 0 on the axis`` () =
    let _, plot, zero, row, shades, (dataTop, dataBottom) = zeroRowAndShades [| struct (Method.Newton, 1.0) |] 10
    Assert.Empty(shades)
    // Round ticks around L = 1 alone (a flat axis) put the row at log₁₀ L = −3 off an axis of −0.5 … 0.5.
    let limits = plot.Axes.GetLimits()
    Assert.True(limits.Bottom < zero && zero < limits.Top, sprintf "row of 0 at %g, axis %g … %g" zero limits.Bottom limits.Top)
    Assert.True(row > dataTop && row < dataBottom)

// ---- 3. one compilation of the problem for a set of figures ------------------------------------------------------

[<Fact>]
let ``SavePlots draws with the problem the runs were made on, not a second compilation`` () =
    let problem = coupled ()
    let comparison = problem.CompareMethods([| struct (Method.GradientDescent, 0.5) |], 3)
    // gd asks for L and ∂L/∂x only; the plots' natural scales (x1, x2 start at 0 = x*) ask for J·e_j.
    Assert.False(problem.Compiled.Compiled.HasFlag Capabilities.JacobianVector)
    let dir = Path.Combine(Path.GetTempPath(), $"physgrad-plots31-{Guid.NewGuid():N}")
    try
        problem.SavePlots(comparison, dir) |> ignore
        Assert.True(problem.Compiled.Compiled.HasFlag Capabilities.JacobianVector, string problem.Compiled.Compiled)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

[<Fact>]
let ``the solutions' curve and the natural scales are evaluated on one compiled problem`` () =
    // Two variables, one output, a target: the x-space plane draws P(x) = y*; x1 starts at 0 = x1*'s scale 0.
    let problem = PhysicsProblem.FromText("x0 + x1^2", [| 2.0 |], [| 1.0; 0.0 |])
    let runs = problem.Compare([| struct (Method.GradientDescent, 0.1) |], 5) |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let target = TargetPoint.Find(problem, runs)
    let compiled = problem.Definition.Compile()
    let mutable made = 0
    let once = Lazy<CompiledProblem>(fun () -> made <- made + 1; compiled)
    let figures = TrajectoryPlots.Figures(runs, problem.Definition, target, once)
    let plane = (named figures "x-space").Panels.[0]
    Assert.Contains(plane.Legend.ManualItems, fun i -> i.LabelText.StartsWith "P(x) = y*")
    Assert.Equal(1, made)
    Assert.True(compiled.Compiled.HasFlag Capabilities.Outputs && compiled.Compiled.HasFlag Capabilities.JacobianVector, string compiled.Compiled)
