/// Plot faults (31b), each fixed as a kind: a y component far smaller than the other (y0 = 1E-08·x0 beside
/// y1 = 1E+12·x1) was judged as rounding of the other's 2E+12 and drawn "(flat: rounding only)" with its target at 0,
/// though four runs reach y0* = 1E-08 (it is now measured against the terms it is made of, TermScales); runs that leap
/// far together (ig and gn on exp(x0) = −1) were each within the others' range, so the outlier cut never applied and
/// the runs that stay near were pressed into one line (they are now judged against the runs that stay near, FarGroup).
module PhysGrad.Properties.Plots31b

open Xunit
open PhysGrad
open PhysGrad.Numerics

// The figures of a comparison, and a figure's or legend entry's lookup: Plots31's.
open PhysGrad.Properties.Plots31

// ---- 1. a small output is judged on its own scale, not the other output's ---------------------------------------

let private scaled () = PhysicsProblem.FromText("1e-8*x0; 1e12*x1", [| 1e-8; 2e12 |], [| 0.0; 0.0 |])

[<Fact>]
let ``y0 = 1E-08·x0 beside 1E+12·x1 gets its own axis around 0 … 1E-08, not a flat axis of rounding`` () =
    let runs, figures = build (scaled ()) [| struct (Method.Newton, 1.0 / 3.0); struct (Method.GaussNewton, 0.3); struct (Method.GradientDescent, 0.01) |] 10
    // The case: newton and gn move y0 from 0 to within 1E-09 of y0* = 1E-08.
    for r in runs.[0..1] do Assert.InRange(r.Outputs.[r.Outputs.Count - 1].[0], 0.9e-8, 1.1e-8)
    let plot = (named figures "y-space").Panels.[0]
    let label = plot.Axes.Bottom.Label.Text
    Assert.DoesNotContain("flat", label)
    let limits = plot.Axes.GetLimits()
    // It ran −1E+11 … 2E+11: contains 0 (the start) and 1E-08, and is within a decade of the target's scale.
    Assert.True(limits.Left <= 0.0 && limits.Right >= 1e-8, sprintf "y0 axis %g … %g" limits.Left limits.Right)
    Assert.True(limits.Right - limits.Left < 1e-7, sprintf "y0 axis %g … %g" limits.Left limits.Right)

// ---- 2. runs that leap far together are cut, the runs that stay near drawn readably -------------------------------

[<Fact>]
let ``on exp(x0) = −1 ig and gn leaping to −3900 no longer press newton and gd into one line`` () =
    let methods = [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0); struct (Method.InverseGradient, 0.3); struct (Method.GaussNewton, 0.3) |]
    let runs, figures = build (PhysicsProblem.FromText("exp(x0)", [| -1.0 |], [| 0.0 |])) methods 10
    let reach (r: OptimizerRun) = r.Trajectory |> Seq.map (fun p -> abs p.[0]) |> Seq.filter System.Double.IsFinite |> Seq.max
    // The case: ig and gn leap beyond 1000, newton reaches about 2.7 and gd 0.2.
    Assert.True(reach runs.[2] > 1000.0 && reach runs.[3] > 1000.0, sprintf "ig %g, gn %g" (reach runs.[2]) (reach runs.[3]))
    Assert.InRange(reach runs.[1], 1.0, 10.0)
    let xs = named figures "x-space"
    let limits = xs.Panels.[0].Axes.GetLimits()
    let height = limits.Top - limits.Bottom
    // newton's extent fills at least a fifth of the axis, gd's a fiftieth (they were 1/1500 and 1/20000).
    Assert.True(reach runs.[1] / height > 0.2, sprintf "newton %g of axis %g … %g" (reach runs.[1]) limits.Bottom limits.Top)
    Assert.True(reach runs.[0] / height > 0.02, sprintf "gd %g of axis %g … %g" (reach runs.[0]) limits.Bottom limits.Top)
    // The far runs say they are cut.
    for name in [ "ig"; "gn" ] do
        let entry = entryOf xs.Panels.[0] name
        Assert.Contains("off the plot", entry)
        Assert.Contains("beyond the range of the runs that stay near, which the plot keeps", entry)
    Assert.DoesNotContain("off the plot", entryOf xs.Panels.[0] "newton")

[<Fact>]
let ``a far group is found only beside runs that stay near, judged against the lower median and the floor`` () =
    let line (ys: float list) = ys |> List.mapi (fun k y -> struct (float k, y)) |> Array.ofList
    let curves = [| line [ 0.0; -0.2 ]; line [ 0.0; -3.0 ]; line [ 0.0; -4000.0 ]; line [ 0.0; -3900.0 ] |]
    let exploding = Array.zeroCreate<bool> 4
    let inRange = TrajectoryPlots.InRange(exploding, curves) |> Array.ofSeq
    Assert.Equal<bool>([| false; false; true; true |], TrajectoryPlots.FarGroup(exploding, curves, inRange, true, 0.0, 1.0))
    // A floor of the start–target distance 1000 keeps them all near.
    Assert.Equal<bool>([| false; false; false; false |], TrajectoryPlots.FarGroup(exploding, curves, inRange, true, 0.0, 1000.0))
    // Every run far: no group.
    let far = [| line [ 0.0; -4000.0 ]; line [ 0.0; -3900.0 ] |]
    Assert.Equal<bool>([| false; false |], TrajectoryPlots.FarGroup(Array.zeroCreate 2, far, TrajectoryPlots.InRange(Array.zeroCreate 2, far) |> Array.ofSeq, true, 0.0, 1.0))
