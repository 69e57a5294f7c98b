/// Plot faults of a new user's trial (30), each fixed as a kind: one run's detour (newton to x1 = 35) set the
/// x-space axes and pressed ten other runs into one band (a run that reaches over 9× beyond the others' range is
/// now drawn to the edge and back, and its entry says so); an exact 0 of the loss was marked at the log axis'
/// bottom, set by gd's 9.5E-2, as if barely better than gd (it now has a row of its own, labelled 0, decades below
/// every positive loss); "overlaps with" was said by newton of gd's short path under it (the note is now the
/// hidden run's, naming the run that covers it).
module PhysGrad.Properties.PlotsB30

open Xunit
open PhysGrad
open PhysGrad.Numerics

let private figure (problem: PhysicsProblem) (methods: struct (Method * float)[]) iterations name =
    let runs = problem.Compare(methods, iterations) |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun (f: TrajectoryPlots.Figure) -> f.Name = name)

let private entries (plot: ScottPlot.Plot) = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace("\n", " ")) |> Array.ofSeq

let private entryOf (plot: ScottPlot.Plot) (name: string) = entries plot |> Array.find (fun t -> t.StartsWith(name + " "))

// ---- a run whose detour dwarfs the others' range does not set the axes ------------------------------------------

let private detour () =
    let problem = PhysicsProblem.FromText("x0*x1*x2; x0+x1+x2; x0^2-x2", [| 6.0; 6.0; -2.0 |], [| 0.5; 1.5; 2.5 |])
    figure problem
        [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0); struct (Method.InverseGradient, 0.5)
           struct (Method.PhysicalGradient, 0.5); struct (Method.GaussNewton, 0.5); struct (Method.HalfInverseGradient, 0.5)
           struct (Method.LevenbergMarquardt, 1.0); struct (Method.Bfgs, 1.0); struct (Method.LimitedMemoryBfgs, 1.0)
           struct (Method.Adam, 0.1); struct (Method.NewtonCG, 1.0) |] 10 "x-space"

[<Fact>]
let ``newton's detour to x1 = 35 is drawn to the edge and the other ten runs keep the axes`` () =
    let xs = detour ()
    Assert.Equal(3, xs.Panels.Count)
    // Every panel's range is the other runs' (within 0 … 3.2 and x*), not newton's 17, 35 and 27.
    for panel in xs.Panels do
        let limits = panel.Axes.GetLimits()
        Assert.True(limits.Top < 6.0, sprintf "%s axis reaches %g" panel.Axes.Left.Label.Text limits.Top)
    let newton = entryOf xs.Panels.[0] "newton"
    Assert.Contains("off the plot at", newton)
    Assert.Contains("beyond the range of the runs that stay near, which the plot keeps", newton)
    // Its last points, x2 ≈ 1.9 below the others' 2.4 … 3.4, lie near enough to be drawn and stay in the range.
    Assert.True(xs.Panels.[2].Axes.GetLimits().Bottom < 2.0, sprintf "x2 axis from %g" (xs.Panels.[2].Axes.GetLimits().Bottom))
    // Only newton is cut so: no other run is said to leave the plot.
    for e in entries xs.Panels.[0] |> Array.filter (fun t -> not (t.StartsWith "newton")) do
        Assert.DoesNotContain("off the plot", e)

[<Fact>]
let ``a run dwarfs the others only beyond three times their range, in the axes that are extents`` () =
    let curves = [| [| struct (0.0, 0.0); struct (1.0, 1.0) |]; [| struct (0.0, 0.0); struct (0.5, 1.2) |]; [| struct (0.0, 0.0); struct (1.0, 2.0); struct (1.0, 20.0) |] |]
    let far = curves |> Array.map (fun c -> Array.zeroCreate<bool> c.Length)
    let exploding = [| false; false; false |]
    // Reaching 18.8 beyond a range of 1.2 is over 9×: its point at 20 is far, the one at 2.0, within the others'
    // range grown by its size (−1.2 … 2.4), stays drawn, and the other runs are untouched.
    let struct (cut, dwarfs) = TrajectoryPlots.Dwarfing(exploding, curves, System.Nullable<struct (float * float)>(), far)
    Assert.Equal<bool>([| false; false; true |], dwarfs)
    Assert.Equal<bool>([| false; false; true |], cut.[2])
    Assert.All(cut.[0], fun f -> Assert.False f)
    // Reaching 17.5 beyond a target at 2.5 is under 9× (2.5 · 9 = 22.5): nothing is cut.
    let struct (_, kept) = TrajectoryPlots.Dwarfing(exploding, curves, System.Nullable<struct (float * float)>(struct (0.0, 2.5)), far)
    Assert.Equal<bool>([| false; false; false |], kept)
    // Against the iteration X is no extent: a longer run is not cut for running longer.
    let long = [| [| struct (0.0, 0.0); struct (1.0, 1.0) |]; [| struct (0.0, 0.0); struct (1.0, 1.0) |]; [| for k in 0..20 -> struct (float k, 1.0) |] |]
    let struct (_, none) = TrajectoryPlots.Dwarfing(exploding, long, System.Nullable<struct (float * float)>(), long |> Array.map (fun c -> Array.zeroCreate<bool> c.Length), true)
    Assert.Equal<bool>([| false; false; false |], none)

// ---- an exact 0 of the loss lies clearly below every positive loss ----------------------------------------------

[<Fact>]
let ``reaching 0 is marked on a row labelled 0 decades below gd's last loss`` () =
    let problem = PhysicsProblem.FromText("2*x0; x1", [| 4.0; 1.0 |], [| 0.0; 0.0 |])
    let loss =
        figure problem
            [| struct (Method.PhysicalGradient, 1.0); struct (Method.GradientDescent, 0.1); struct (Method.Newton, 1.0)
               struct (Method.GaussNewton, 1.0) |] 8 "loss"
    let plot = loss.Panels.[0]
    TrajectoryPlots.Render loss |> ignore
    let zeros =
        plot.GetPlottables()
        |> Seq.choose (function :? ScottPlot.Plottables.Marker as m when m.MarkerShape = ScottPlot.MarkerShape.FilledTriangleDown -> Some m.Location.Y | _ -> None)
        |> Array.ofSeq
    Assert.NotEmpty(zeros)
    // gd's lowest loss is 9.5E-2 (log₁₀ −1.02); the zeros were drawn at −1.14, a tenth of a decade below it.
    Assert.All(zeros, fun y -> Assert.True(y <= -3.9, sprintf "a zero drawn at log10 L = %g" y))
    let ticks = plot.Axes.Left.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor && t.Label <> "")
    let zeroTick = ticks |> Array.find (fun t -> t.Label = "0")
    Assert.All(zeros, fun y -> Assert.Equal(zeroTick.Position, y, 9))
    // No power of ten is labelled between the row of 0 and the positive losses (the axis is broken there).
    Assert.All(ticks |> Array.filter (fun t -> t.Label <> "0"), fun t -> Assert.True(t.Position >= -2.0, t.Label))
    Assert.True(plot.Axes.GetLimits().Bottom < zeroTick.Position)

// ---- "overlaps with" is said by the hidden run, of the run that covers it ---------------------------------------

[<Fact>]
let ``gd's short path under newton's is gd's overlap, and newton, which goes on alone, names none`` () =
    let problem = PhysicsProblem.FromText("x0+x1; x0-x1; x0*x1", [| 3.0; 1.0; 2.0 |], [| 0.0; 0.0 |])
    let xs =
        figure problem
            [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0); struct (Method.GaussNewton, 0.3)
               struct (Method.HalfInverseGradient, 0.3) |] 10 "x-space"
    let plot = xs.Panels.[0]
    Assert.DoesNotContain("overlaps with", entryOf plot "newton")
    Assert.DoesNotContain("gd (η = 0.01)", entryOf plot "gn")
    Assert.DoesNotContain("gd (η = 0.01)", entryOf plot "hig")
    let gd = entryOf plot "gd"
    Assert.Contains("overlaps with", gd)
    Assert.Contains("newton (η = ", gd)
