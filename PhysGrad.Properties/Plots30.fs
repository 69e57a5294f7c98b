/// Faults of compare's and train's output (30), each fixed as a kind: short runs crushed against the left edge of
/// an iteration axis beside a long one (the axis is logarithmic in 1 + iteration where run lengths differ more than
/// tenfold, one rule with train's steps axis); an x component that starts at 0 judged "flat" against the other
/// components' magnitude (now against its natural scale, J's column); a method listed twice alike labelled with its
/// η and a number (newton:1/3 #1 beside the eta column's 1/3); final x of ten variables folded under each row; train's
/// stop column laid out otherwise than compare's.
module PhysGrad.Properties.Plots30

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Numerics

let private run = Cli.run

let private outDir (name: string) = Path.Combine(Path.GetTempPath(), $"physgrad-plots30-{name}-{Guid.NewGuid():N}")

let private lines (text: string) = text.Replace("\r", "").Split('\n')

// ---- 1. an iteration axis over runs of very different lengths ----------------------------------------------------

let private figures (simulator: string) (target: float[]) (start: float[]) (methods: struct (Method * float)[]) iterations =
    let problem = PhysicsProblem.FromText(simulator, target, start)
    let runs = problem.Compare(methods, iterations) |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    runs, TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition)

[<Fact>]
let ``gd's 2000 iterations beside newton's hundred share a log iteration axis that gives newton most of the width`` () =
    let runs, figs =
        figures "x0^2; x1" [| 1.0; 1.0 |] [| 3.0; 3.0 |] [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0) |] 2000
    Assert.True(runs.[0].Iterations = 2000 && runs.[1].Iterations < 200, sprintf "iterations %d, %d" runs.[0].Iterations runs.[1].Iterations)
    let plot = (figs |> Seq.find (fun f -> f.Name = "loss")).Panels.[0]
    Assert.Equal("iteration (log scale of 1 + iteration)", plot.Axes.Bottom.Label.Text)
    let limits = plot.Axes.GetLimits()
    let at (k: int) = Math.Log10(1.0 + float k)
    Assert.InRange(limits.Right, at 2000, 1.05 * at 2000)
    Assert.InRange(limits.Left, -0.05 * at 2000, 0.0)
    // Newton's last iteration is drawn more than half-way across (at 97/2000 of a linear axis it was a stroke at 0).
    let newtonEnd = (at runs.[1].Iterations - limits.Left) / (limits.Right - limits.Left)
    Assert.True(newtonEnd > 0.5, sprintf "newton ends at %.2f of the width" newtonEnd)
    // The ticks are iteration counts at their logarithms: 0, 1, 10, 100, 1000.
    TestHelpers.rendered (fun () -> plot.GetImage(1000, 600)) |> ignore
    let ticks = plot.Axes.Bottom.TickGenerator.Ticks |> Array.filter (fun t -> t.IsMajor) |> Array.map (fun t -> t.Label)
    Assert.Equal<string[]>([| "0"; "1"; "10"; "100"; "1000" |], ticks)

[<Fact>]
let ``stacked x panels take the same log iteration axis, and runs of similar lengths keep a linear one`` () =
    let _, figs =
        figures "x0^2; x1; x2" [| 1.0; 1.0; 1.0 |] [| 3.0; 3.0; 0.0 |] [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0) |] 2000
    let xs = figs |> Seq.find (fun f -> f.Name = "x-space")
    Assert.Equal(3, xs.Panels.Count)
    Assert.Equal("iteration (log scale of 1 + iteration)", xs.Panels.[2].Axes.Bottom.Label.Text)
    Assert.True(xs.Panels.[0].Axes.GetLimits().Right < 4.0)
    // Ten iterations each: linear, as before.
    let _, short = figures "x0^2; x1" [| 1.0; 1.0 |] [| 3.0; 3.0 |] [| struct (Method.GradientDescent, 0.01); struct (Method.Newton, 1.0 / 3.0) |] 10
    let loss = (short |> Seq.find (fun f -> f.Name = "loss")).Panels.[0]
    Assert.Equal("iteration", loss.Axes.Bottom.Label.Text)
    Assert.True(loss.Axes.GetLimits().Right > 10.0)

[<Fact>]
let ``compare and train decide a log iteration axis by one rule`` () =
    Assert.True(TrajectoryPlots.LogIterationAxis [ 5; 2000 ])
    Assert.False(TrajectoryPlots.LogIterationAxis [ 5; 50 ])
    // Runs of no step do not count: one run of 2000 beside runs that never moved stays linear.
    Assert.False(TrajectoryPlots.LogIterationAxis [ 0; 2000 ])
    Assert.Equal(TrajectoryPlots.LogIterationRatio, 10.0)

// ---- 2. a component that starts at 0 is judged on its natural scale ----------------------------------------------

[<Fact>]
let ``x1 starting at 0 and moving 1E-10 where J's column is 1E+12 is drawn on its own scale, not flat`` () =
    let runs, figs =
        figures "x0; x0^2/1000 + 1e12*x1" [| 1000.0; 1000.0 |] [| 3.0; 0.0 |]
            [| struct (Method.Newton, 1.0 / 3.0); struct (Method.PhysicalGradient, 0.3); struct (Method.GaussNewton, 0.3) |] 10
    let largest = runs |> Seq.collect (fun r -> r.Trajectory) |> Seq.map (fun p -> abs p.[1]) |> Seq.max
    Assert.InRange(largest, 1e-10, 1e-9)
    let plane = (figs |> Seq.find (fun f -> f.Name = "x-space")).Panels.[0]
    // The old label: "x1 (flat: spread 3.6E-10)", on an axis of ±100 (x0's scale).
    Assert.Equal("x1", plane.Axes.Left.Label.Text)
    let limits = plane.Axes.GetLimits()
    Assert.True(limits.Top >= largest && limits.Top - limits.Bottom <= 10.0 * largest, sprintf "x1 axis %g .. %g" limits.Bottom limits.Top)

// ---- 3. a method listed twice ------------------------------------------------------------------------------------

[<Fact>]
let ``newton listed twice is newton #1 and newton #2 in the table, the JSON and the legend, η said once`` () =
    Assert.Equal<string[]>([| "newton #1"; "newton #2" |], MethodCatalog.Labels(MethodCatalog.Parse "newton,newton"))
    Assert.Equal<string[]>([| "gd:0.1 #1"; "gd:0.01"; "gd:0.1 #2" |], MethodCatalog.Labels(MethodCatalog.Parse "gd:0.1,gd:0.01,gd:0.1"))
    let args = [ "compare"; "--simulator"; "x0^2; x1"; "--target"; "1,1"; "--start"; "3,3"; "--methods"; "gd:0.1,newton,newton" ]
    let code, out, _ = run (args @ [ "--out"; outDir "twice" ])
    Assert.Equal(0, code)
    let rows = lines out |> Array.filter (fun l -> l.StartsWith "newton")
    Assert.Equal(2, rows.Length)
    Assert.StartsWith("newton #1  1/3  ", rows.[0])
    Assert.StartsWith("newton #2  1/3  ", rows.[1])
    Assert.DoesNotContain("newton:1/3", out)
    let _, json, _ = run (args @ [ "--format"; "json" ])
    use doc = JsonDocument.Parse json
    let labels = [ for m in doc.RootElement.GetProperty("methods").EnumerateArray() -> m.GetProperty("label").GetString() ]
    Assert.Equal<string list>([ "gd"; "newton #1"; "newton #2" ], labels)
    Assert.Equal("newton (η = 1/3) #2", TrajectoryPlots.LegendName("newton #2", "newton", 1.0 / 3.0))

// ---- 4. final x of many variables ----------------------------------------------------------------------------------

[<Fact>]
let ``final x of ten variables keeps every row on one aligned line`` () =
    let code, out, _ =
        run [ "compare"; "--simulator"; "x0;x1;x2;x3;x4;x5;x6;x7;x8;x9"; "--target"; "1,2,3,4,5,6,7,8,9,10"
              "--start"; "0,0,0,0,0,0,0,0,0,0"; "--out"; outDir "ten" ]
    Assert.Equal(0, code)
    let all = lines out
    Assert.DoesNotContain(all, fun l -> l.TrimStart().StartsWith "final x:")
    let header = all |> Array.find (fun l -> l.StartsWith "method ")
    Assert.Contains("final x (10 values)", header)
    let table = all |> Array.skipWhile (fun l -> l <> header) |> Array.takeWhile (fun l -> l <> "") 
    Assert.Equal(7, table.Length)
    for l in table do
        Assert.True(l.Length <= 100, sprintf "a line of %d characters: %s" l.Length l)
    // Aligned: the right-aligned final loss column ends at one place in every row.
    let lossEnd = header.IndexOf("final loss") + "final loss".Length
    for l in table.[1..] do
        Assert.Equal(' ', l.[lossEnd])
        Assert.NotEqual(' ', l.[lossEnd - 1])
    // gd on the identity from 0: x_i = y*_i (1 − 0.99¹⁰) after 10 steps; the short form shows x0, x1, …, x9 with
    // as many digits as fit (at least three), each correctly rounded.
    let m = Text.RegularExpressions.Regex.Match(table.[1], @"^gd +0\.01 +\[(\S+), (\S+), …, (\S+)\] ")
    Assert.True(m.Success, table.[1])
    for g, i in [ 1, 1.0; 2, 2.0; 3, 10.0 ] do
        let shown = m.Groups.[g].Value
        let digits = shown.TrimStart('0', '.').Length
        Assert.True(digits >= 3, shown)
        let exact = i * (1.0 - 0.99 ** 10.0)
        Assert.True(abs (float shown - exact) <= 0.5 * 10.0 ** (floor (log10 exact) - float digits + 1.0) * 1.0000001, sprintf "%s for %g" shown exact)

// ---- 5. train's stop column as compare's -------------------------------------------------------------------------

[<Fact>]
let ``train's table holds each short stop in its column and says a long one under the table, as compare's`` () =
    let code, out, _ = run [ "train"; "--methods"; "gd:1000,adam"; "--steps"; "20" ]
    Assert.Equal(1, code)
    let all = lines out
    Assert.DoesNotContain(all, fun l -> l.TrimStart().StartsWith "stop:")
    let gd = all |> Array.find (fun l -> l.StartsWith "gd ")
    Assert.EndsWith("  diverged", gd)
    let adam = all |> Array.find (fun l -> l.StartsWith "adam ")
    Assert.EndsWith("  step limit", adam)
    Assert.Contains(all, fun l -> l.StartsWith "Stop of gd (η=1E+03, B=256, seed 1): diverged: the loss rose")

// ---- 3 in train: a method listed twice alike ----------------------------------------------------------------------

[<Fact>]
let ``train refuses a method listed twice with the same settings, naming it and what to do instead`` () =
    // Was two identical "gn  η=0.1, B=256, τ=0.001  1" rows, summed up as one method of "seeds 2".
    let code, _, err = run [ "train"; "--methods"; "adam,gn,gn"; "--steps"; "5" ]
    Assert.Equal(2, code)
    let said = TestHelpers.unwrapped err
    Assert.Contains("--methods: gn is listed twice with the same settings (η=0.1, B=256, τ=0.001)", said)
    Assert.Contains("use --seeds for more runs", said)
    // Entries that differ in their rate are two methods, each on its own row.
    let code2, out2, _ = run [ "train"; "--methods"; "gn,gn:0.05"; "--steps"; "5" ]
    Assert.Equal(0, code2)
    Assert.Equal(2, lines out2 |> Array.filter (fun l -> l.StartsWith "gn ") |> Array.length)
