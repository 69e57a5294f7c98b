/// Values at extreme scales (trial 22): constants that overflow when folded are named where they are and
/// with what to do; a Hessian that underflows to 0 beside a slope is not a minimum in the matrix-free
/// classification either; a lone run from a tiny start is not "explodes" for moving far from that start.
module PhysGrad.Properties.EdgeScales22

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

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
