/// Trial 19's report path: writing a report is linear in n (no dense kernel is compiled for it), and every
/// pair of runs a plot draws one over the other is said in the legend.
module PhysGrad.Properties.TrialOut19

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

/// heat1d-inverse has a given inverse, so the report checks it at the start (P⁻¹(P(x₀); x₀) = x₀). That
/// check read P(x₀) through the dense value+Jacobian kernel (m + m·n outputs): at n = 8192 compiling it was
/// 133 s and 4 GB of a report that otherwise takes a second. Everything compare's report asks the problem
/// for must leave the dense kernels (J, the Hessians) uncompiled when the run did not need them.
[<Fact>]
let ``what compare's report asks of a problem with a given inverse compiles no dense kernel`` () =
    // A problem no run has touched: the report's own questions are what compiles anything here (at
    // n = 64 the runs may compile J themselves; at n = 8192 they did not).
    let problem = ReferenceProblems.Create("heat1d-inverse", 64)
    let dense = Capabilities.Jacobian ||| Capabilities.Hessian ||| Capabilities.LossHessianInY
    // What the text report reads after the runs (CompareCommand), in its order.
    Assert.StartsWith("given, x0 = ", problem.InverseDescription)
    Assert.Empty(problem.BranchChoicesAt(problem.Definition.Start))
    // The start is 0, where the given inverse returns 0 itself: no warning.
    Assert.Null(problem.GivenInverseWarning)
    Assert.Equal(Capabilities.None, problem.Compiled.Compiled &&& dense)

/// The check itself still fails a given inverse that does not invert P at the start (read without J).
[<Fact>]
let ``a given inverse that misses at the start is still warned of`` () =
    let problem =
        PhysicsProblem.FromJson """{"variables":["a","b"],"simulator":["a","b^3"],"target":[1,8],"start":[1,2],"inverse":["y0","2*y1^(1/3)"]}"""
    let warning = problem.GivenInverseWarning
    Assert.NotNull(warning)
    Assert.Contains("does not invert the simulator at the start", warning)
    Assert.Equal(Capabilities.None, problem.Compiled.Compiled &&& Capabilities.Jacobian)

/// A synthetic run of 11 points (P the identity, so outputs = points) with the losses given.
let private run (name: string) (finish: float[]) (losses: float[]) =
    let points = [| for k in 0..10 -> finish |> Array.map (fun v -> v * float k / 10.0) |]
    OptimizerRun(name, 0.1, points, points, losses,
                 ExitReason(StopReason.IterationLimit, 10, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

/// heat1d-inverse at n = 4096: pg's, ig's and gn's loss curves lie one over the other, ig and gn are the
/// same run, pg's losses differ from theirs by rounding. The legend said "ig overlaps with gn" (its nearest
/// curve) and nothing of pg, the first of the group, whose curve ig's hides.
[<Fact>]
let ``the loss legend says every pair of runs drawn one over the other`` () =
    let decay (factor: float) = [| for k in 0..10 -> factor * 0.5 ** float k |]
    let runs =
        [| run "gd" [| 1.0; 0.0 |] [| for k in 0..10 -> 0.9 ** float k |]
           run "pg" [| 1.0; 1.0 |] (decay (1.0 + 1e-4))
           run "ig" [| 1.0; 0.5 |] (decay 1.0)
           run "gn" [| 1.0; 0.5 |] (decay 1.0) |]
    let problem = PhysicsProblem.FromText("x0; x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    let loss = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "loss")
    let entry (name: string) =
        loss.Panels.[0].Legend.ManualItems
        |> Seq.map (fun i -> i.LabelText.Replace('\n', ' '))
        |> Seq.find (fun l -> l.StartsWith(name + " ") || l.StartsWith(name + ","))
    // The rest of an entry after the run's own name and step size: the runs it names.
    let named (name: string) = (entry name).Substring(name.Length).Split([| ' '; ','; '('; ')' |], StringSplitOptions.RemoveEmptyEntries)
    let said a b = Array.contains b (named a) || Array.contains a (named b)
    Assert.True(said "ig" "gn", entry "ig")
    Assert.True(said "pg" "ig", sprintf "pg: %s | ig: %s" (entry "pg") (entry "ig"))
    // gn is ig's twin: said with pg through ig, or by itself.
    Assert.True(said "pg" "gn" || (said "pg" "ig" && Array.contains "ig" (named "gn")), entry "gn")
    Assert.False(said "gd" "pg", entry "gd")

/// x[i+1] − 2x[i] + x[i−1] + 0.1x[i]³ (Dirichlet 0) with target (1, 0, −1, 0, 1) from 0: x* = (a, 0, −a, 0, a),
/// and the runs leave x1 and x3 at rounding noise (±4E-16) of the problem's scale 1. Those panels were
/// scaled to the noise and filled with it, as if x1 and x3 moved as much as x0; the tables write such values
/// as 0 (NumberText's 2⁻⁴² rule). A panel of noise is drawn flat at the problem's scale and says so.
[<Fact>]
let ``a panel of rounding noise is drawn flat at the problem's scale and says so`` () =
    let json =
        """{"variables":["x[0..4]"],"simulator":["x[i+1] - 2*x[i] + x[i-1] + 0.1*x[i]^3 for i in 0..4 dirichlet 0"],"target":[1,0,-1,0,1],"start":[0,0,0,0,0]}"""
    let problem = PhysicsProblem.FromJson json
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.1,newton:1,pg:1,ig:1,gn:1", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let xs = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = "x-space")
    Assert.Equal(5, xs.Panels.Count)
    let values j = runs |> Seq.collect (fun r -> r.Trajectory) |> Seq.map (fun p -> p.[j]) |> Array.ofSeq
    for j in [ 1; 3 ] do
        // The premise: x_j is not exactly 0 throughout, but never more than rounding noise of the scale 1.
        Assert.True(values j |> Array.exists (fun v -> v <> 0.0), sprintf "x%d is exactly 0: nothing to test" j)
        Assert.True(values j |> Array.forall (fun v -> abs v <= NumberText.NoiseRatio), sprintf "x%d moves: %A" j (values j))
        let panel = xs.Panels.[j]
        let limits = panel.Axes.GetLimits()
        // Ticks at the problem's scale (a step of 5% of 1), not at the noise's.
        Assert.True(limits.Top - limits.Bottom >= 0.1, sprintf "x%d axis %g .. %g" j limits.Bottom limits.Top)
        Assert.Contains("flat", panel.Axes.Left.Label.Text)
    // x0 moves: its own axis, no such note.
    Assert.True((values 0 |> Array.max) - (values 0 |> Array.min) > 0.1)
    Assert.DoesNotContain("flat", xs.Panels.[0].Axes.Left.Label.Text)
