/// Values at extreme scales (trial 22): constants that overflow when folded are named where they are and
/// with what to do; a Hessian that underflows to 0 beside a slope is not a minimum in the matrix-free
/// classification either; a lone run from a tiny start is not "explodes" for moving far from that start.
module PhysGrad.Properties.EdgeScales22

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

[<Theory>]
[<InlineData("compare", "x0; 2*1e300*1e300*x1", "2E+300 × 1E+300", 6)>]
[<InlineData("compare", "1e308+1e308+x0; x1", "1E+308 + 1E+308", 6)>]
[<InlineData("derive", "x0; x1*1e300*1e300", "1E+300 × 1E+300", 7)>]
let ``folding constants that overflow names the factors, the column and a rescaling, exit 2`` (command: string, simulator: string, factors: string, column: int) =
    let options = if command = "compare" then [ "--target"; "1,1"; "--start"; "1,1"; "--out"; IO.Path.GetTempPath() ] else []
    let code, out, err = Cli.run ([ command; "--simulator"; simulator ] @ options)
    Assert.True((code = 2), sprintf "exit %d: %s%s" code out err)
    Assert.Contains(factors, err)
    Assert.Contains(sprintf "column %d" column, err)
    Assert.Contains("rescale the variables or their units", err)

[<Fact>]
let ``a Hessian that is exactly 0 beside a nonzero slope is undecided without the dense Hessian too`` () =
    // L = 1E-300·x0 summed over n > MatrixFreeAbove variables, its curvature 1E-600 rounded to 0: every
    // product H v is 0 while ∂L/∂x0 = 1E-300 is not. The dense classification says undecided; so must Lanczos.
    let n = Curvature.MatrixFreeAbove + 44
    let slope = Array.init n (fun i -> if i = 0 then 1e-300 else 0.0)
    let zeroProduct = Action<float[], float[]>(fun _ hv -> Array.Clear hv)
    let free = Curvature.ClassifyMatrixFree(Array.zeroCreate n, zeroProduct, Func<_, _>(fun _ -> Array.copy slope))
    Assert.Equal(StationaryKind.Undecided, free.Kind)
    Assert.Contains("exactly 0 in doubles while ∂L/∂x", free.Detail)
    let dense = Curvature.Classify(Array.zeroCreate n, ReadOnlySpan(Array.zeroCreate<float> (n * n)), Func<_, _>(fun _ -> Array.copy slope))
    Assert.Equal(dense.Kind, free.Kind)
    // Without the slope the same zero Hessian is no underflow: the probe decides, not this rule.
    let flat = Curvature.ClassifyMatrixFree(Array.zeroCreate n, zeroProduct, Func<_, _>(fun (p: float[]) -> Array.zeroCreate p.Length))
    Assert.DoesNotContain("exactly 0 in doubles", flat.Detail)

[<Fact>]
let ``a lone run from 1E-160 that moves 10^6 times its start while its loss falls does not explode`` () =
    // Newton at η = 1 on ½(x0² − 1E-150)² from 1E-160 doubles x0 each step (the Hessian is negative there and
    // its magnitude is taken): x0 = 1E-160·2²⁰ ≈ 1.05E-154 after 20 steps, L 5E-301 and falling. Without x*
    // or another run the only length is the start's 1E-160, which says nothing about exploding.
    let problem = PhysicsProblem.FromText("x0^2", [| 1e-150 |], [| 1e-160 |])
    let run = problem.Run(Method.Newton, 1.0, 20)
    Assert.Equal(1e-160 * Math.Pow(2.0, 20.0), run.Final.[0], 1e-166)
    Assert.True(run.FinalLoss <= run.Losses.[0])
    Assert.Equal<bool>([| false |], TrajectoryPlots.Exploding([| run |], null))
    Assert.DoesNotContain(true, (TrajectoryPlots.FarPoints([| run |], null)).[0])
    // The same path with a loss that rises 21-fold is judged by the start's length again: it explodes.
    let rising = run.Losses |> Seq.mapi (fun k l -> l * float (k + 1)) |> Array.ofSeq
    let risen = OptimizerRun(run.Name, run.Eta, run.Trajectory, run.Outputs, rising, run.Exit, run.Fallbacks, run.WallTime)
    Assert.Equal<bool>([| true |], TrajectoryPlots.Exploding([| risen |], null))

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))

[<Fact>]
let ``a loss that overflows doubles with a finite residual: ig and pg reach 1E+200, gn runs with log10 L carried, gd says why not`` () =
    // y = x0 from 1 towards 1E+200: L = ½(1E+200 − 1)² ≈ 5E+399 is +∞ as a double, y − y* is not.
    let c = problem "x0" [| 1e200 |] [| 1.0 |]
    for m in [ Method.InverseGradient; Method.PhysicalGradient ] do
        let r = Optimizer.Run(c, m, 1.0, [| 1.0 |], 5)
        Assert.Equal(StopReason.Converged, r.StopReason)
        Assert.Equal(1e200, r.Final.[0])
        Assert.Equal(0.0, r.FinalLoss)
    // GN at η = 0.3 keeps 0.7 of the residual per step: log₁₀ L = 2·log₁₀(0.7¹⁰·1E+200) − log₁₀ 2 after 10 steps.
    let gn = Optimizer.Run(c, Method.GaussNewton, 0.3, [| 1.0 |], 10)
    Assert.Equal(StopReason.IterationLimit, gn.StopReason)
    Assert.True(Double.IsPositiveInfinity gn.FinalLoss)
    Assert.Equal(2.0 * (10.0 * log10 0.7 + 200.0) - log10 2.0, gn.FinalLossLog10, 9)
    Assert.Equal(2.0 * 200.0 - log10 2.0, gn.LossLog10 0, 9)
    // Falling by 0.49 per step is neither exploding nor far in the plots.
    Assert.Equal<bool>([| false |], TrajectoryPlots.Exploding([| gn |], [| 1e200 |]))
    Assert.DoesNotContain(true, (TrajectoryPlots.FarPoints([| gn |], [| 1e200 |])).[0])
    // GD reads L: it stops at once and says that the rules stepping in y can run.
    let gd = Optimizer.Run(c, Method.GradientDescent, 0.01, [| 1.0 |], 5)
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    Assert.Contains("gd reads L itself", gd.StopDetail)
    Assert.Contains("ig, pg, gn, hig", gd.StopDetail)

[<Fact>]
let ``the loss plot draws an overflowed loss at its carried log10 L only where it lies in the range`` () =
    let lossPlot (problem: PhysicsProblem) m eta =
        let runs = problem.Compare([| struct (m, eta) |], 10) |> Seq.map (fun r -> r.Run) |> Array.ofSeq
        let figure = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "loss")
        runs.[0], figure.Panels.[0]
    // GN from x0 = 1 towards 1E+200: every loss overflows and is in the range, so the axis is log₁₀ L and
    // the start is drawn at log₁₀ ½(1E+200 − 1)² = 400 − log₁₀ 2, not cut as +∞.
    let gn, plot = lossPlot (PhysicsProblem.FromText("x0", [| 1e200 |], [| 1.0 |])) Method.GaussNewton 0.3
    Assert.True(gn.LossOverflowed)
    Assert.Equal("L (log scale)", plot.Axes.Left.Label.Text)
    let color = TrajectoryPlots.ColorOf Method.GaussNewton
    let curve =
        plot.GetPlottables()
        |> Seq.pick (function
            | :? ScottPlot.Plottables.Scatter as s when s.Color = color && s.Data.GetScatterPoints().Count > 1 -> Some(List.ofSeq (s.Data.GetScatterPoints()))
            | _ -> None)
    Assert.Equal(400.0 - log10 2.0, curve.Head.Y, 9)
    // Falling by 0.49 per step: the last drawn point is 10 steps down, 10·log₁₀ 0.49 below the start.
    Assert.Equal(400.0 - log10 2.0 + 10.0 * log10 0.49, (List.last curve).Y, 9)
    // GD at η = 100 on (x0, x1²) leaves the range of L₀ = 5 at iteration 1 and overflows only at iteration 4
    // (y1 ≈ 1E+226): the overflowed loss is off the plot, and the axis stays the linear one of the start.
    let gd, plot = lossPlot (PhysicsProblem.FromText("x0; x1^2", [| 1.0; 1.0 |], [| 2.0; 2.0 |])) Method.GradientDescent 100.0
    Assert.True(gd.LossOverflowed)
    Assert.True(Double.IsPositiveInfinity gd.Losses.[gd.Losses.Count - 1])
    Assert.Equal("L", plot.Axes.Left.Label.Text)
    // gd:1E+300 reaches L = +∞ at iteration 1: its cross on the range's top edge lies inside the axis, with
    // the shaded margin above it (round ticks 4.5 … 5.5 around the lone finite start put it on the frame).
    let _, plot = lossPlot (PhysicsProblem.FromText("x0; x1^2", [| 1.0; 1.0 |], [| 2.0; 2.0 |])) Method.GradientDescent 1e300
    match TestHelpers.markers plot ScottPlot.MarkerShape.Eks (TrajectoryPlots.ColorOf Method.GradientDescent) with
    | [ c ] -> Assert.True(plot.Axes.GetLimits().Top > c.Y, sprintf "cross at %g, axis top %g" c.Y (plot.Axes.GetLimits().Top))
    | cs -> failwithf "%d crosses" cs.Length

[<Fact>]
let ``compare's table gives an overflowing final loss by its size, not Infinity`` () =
    let code, out, err = Cli.run [ "compare"; "--simulator"; "x0"; "--target"; "1e200"; "--start"; "1"; "--methods"; "gn"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), "edge22-gn") ]
    Assert.True((code = 0), out + err)
    let row = out.Split('\n') |> Array.find (fun l -> l.StartsWith "gn")
    Assert.DoesNotContain("Infinity", row)
    // ½(0.7¹⁰·1E+200)² ≈ 3.99E+396.
    Assert.Contains("E+396", row)

[<Fact>]
let ``a derivative whose constants overflow names what was derived and the simulator, exit 2`` () =
    // ∂²L/∂x0² of ½(1E+300·x0 − 1)² is 1E+300 × 1E+300: Newton's Hessian cannot be built.
    let code, out, err = Cli.run [ "compare"; "--simulator"; "1e300*x0"; "--target"; "1"; "--start"; "1"; "--methods"; "newton"; "--out"; IO.Path.GetTempPath() ]
    Assert.True((code = 2), sprintf "exit %d: %s%s" code out err)
    Assert.Contains("1E+300 × 1E+300", err)
    Assert.Contains("y0 = ", err)
    Assert.Contains("Hessian", err)

[<Theory>]
[<InlineData("1e200^2*x0", "1E+200^2")>]
[<InlineData("x0*exp(1000)", "exp(1000)")>]
let ``a simulator constant that overflows doubles is named in the stop of every rule`` (simulator: string, constant: string) =
    // The symbolic core keeps 1E+200^2 and exp(1000) unevaluated (their doubles are ∞), so y0 is ∞ at every x.
    let c = problem simulator [| 1.0 |] [| 1.0 |]
    for m in [ Method.GradientDescent; Method.InverseGradient ] do
        let r = Optimizer.Run(c, m, 0.3, [| 1.0 |], 3)
        Assert.Equal(StopReason.Diverged, r.StopReason)
        Assert.Contains(sprintf "holds the constant %s" constant, r.StopDetail)
        Assert.Contains("rescale", r.StopDetail)
    // A component whose constants are finite names none.
    Assert.Null((problem "2*x0" [| 1.0 |] [| 1.0 |]).OverflowingConstant 0)
