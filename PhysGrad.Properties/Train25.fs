/// Train's timing and the learning SVDs (issue 25). (1) A method's first seed held the process's JIT
/// compilation (5.48 ms/step against 0.05 for its other seeds), so the loss-time medians zig-zagged: every
/// timed run now follows an untimed warm-up run of the same settings and seed, thrown away, its time kept apart.
/// (2) The learning spectral products called MathNet's SVD on unscaled matrices, which is wrong on tiny ones
/// (an absolute convergence threshold) and underflows below ≈ 1e-154: they now scale by a power of two first.
module PhysGrad.Properties.Train25

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics.Learning

[<Fact>]
let ``every timed run follows its own warm-up, which leaves the run's results as they were without it`` () =
    let example = Training.Example "exp"
    let settings =
        [ TrainingMethod.GradientDescent; TrainingMethod.Adam; TrainingMethod.SipPhysicalGradient ]
        |> List.map example.SettingsFor
    for seed in [ 1; 2 ] do
        let runs = Training.Run(example, ResizeArray settings, seed, Nullable 10, Nullable())
        Assert.Equal(settings.Length, runs.Count)
        let trainer = PhysicsTrainer(example.Network, example.Physics, example.Sampler)
        for run, s in Seq.zip runs settings do
            // The warm-up ran (a Stopwatch over two steps and their evaluations reads more than 0) and is
            // recorded apart: the timed run starts its clock at 0 after it.
            Assert.True(run.WarmUpSeconds > 0.0, $"{run}: no warm-up recorded")
            Assert.Equal(0.0, run.Points[0].Seconds)
            // Thrown away: the same settings and seed without a warm-up give the same losses step by step.
            let alone = trainer.Train(s, seed, Nullable 10, Nullable(), example.EvalZ, example.EvalY, example.EvalX)
            Assert.Equal<int[]>(alone.Points |> Seq.map (fun p -> p.Step) |> Array.ofSeq, run.Points |> Seq.map (fun p -> p.Step) |> Array.ofSeq)
            Assert.Equal<float[]>(alone.Points |> Seq.map (fun p -> p.Loss) |> Array.ofSeq, run.Points |> Seq.map (fun p -> p.Loss) |> Array.ofSeq)

/// Jᵀg by hand, J rows × cols stored row by row.
let private transposeTimes (j: float[]) rows cols (g: float[]) =
    Array.init cols (fun c -> Seq.sum (seq { for r in 0 .. rows - 1 -> j.[r * cols + c] * g.[r] }))

let private close (expected: float[]) (actual: float[]) (tolerance: float) =
    let scale = expected |> Array.map abs |> Array.max
    for e, a in Array.zip expected actual do
        Assert.True(abs (e - a) <= tolerance * scale, $"expected {e}, got {a} (scale {scale})")

[<Fact>]
let ``the learning spectral product with kappa 1 and no truncation is J transposed g at every scale`` () =
    // V Σ Uᵀ g = Jᵀ g whatever the SVD's route (wide LQ or tall QR): a check that needs no SVD of its own.
    // MathNet's SVD of 2⁻⁶⁰·[[1.1, 1], [0, 1]] returned 1.1 and 1 as singular values, wrong.
    let random = Random 25
    let cases =
        [ yield (2, 2, [| 1.1; 1.0; 0.0; 1.0 |])
          for rows, cols in [ (3, 5); (5, 3); (4, 4); (7, 2); (2, 7) ] do
              yield (rows, cols, Array.init (rows * cols) (fun _ -> random.NextDouble() * 2.0 - 1.0)) ]
    for rows, cols, j in cases do
        let g = Array.init rows (fun _ -> random.NextDouble() * 2.0 - 1.0)
        for k in [ 0; -60; -600; -1000 ] do
            let scaled = j |> Array.map (fun v -> Math.ScaleB(v, k))
            let result = Array.zeroCreate cols
            let kept = PhysicsTrainer.Spectral(scaled, rows, cols, g, 1.0, 0.0, result)
            Assert.Equal(min rows cols, kept)
            close (transposeTimes scaled rows cols g) result 1e-12

[<Fact>]
let ``the learning pseudo-inverse at scale 2^-600 is the one at scale 1 times 2^600, truncation alike`` () =
    let random = Random 2501
    for rows, cols in [ (3, 6); (6, 3); (5, 5); (8, 2); (2, 8) ] do
        // A spread of singular values so that τ = 1e-3 drops some: columns scaled by 10⁰ … 10⁻⁶.
        let j = Array.init (rows * cols) (fun i -> (random.NextDouble() * 2.0 - 1.0) * 10.0 ** (-6.0 * float (i % cols) / float (max 1 (cols - 1))))
        let g = Array.init rows (fun _ -> random.NextDouble() * 2.0 - 1.0)
        for tau in [ 0.0; 1e-3 ] do
            let unit = Array.zeroCreate cols
            let keptUnit = PhysicsTrainer.Spectral(j, rows, cols, g, -1.0, tau, unit)
            let tiny = Array.zeroCreate cols
            let keptTiny = PhysicsTrainer.Spectral(j |> Array.map (fun v -> Math.ScaleB(v, -600)), rows, cols, g, -1.0, tau, tiny)
            Assert.Equal(keptUnit, keptTiny)
            close (unit |> Array.map (fun v -> Math.ScaleB(v, 600))) tiny 1e-12

[<Fact>]
let ``train's text with several seeds and plots keeps within 100 columns outside its tables, and the Plots line lists every file`` () =
    let dir = IO.Path.Combine(IO.Path.GetTempPath(), "train25-" + Guid.NewGuid().ToString("N"))
    try
        let code, out, err =
            Cli.run [ "train"; "--example"; "exp"; "--steps"; "10"; "--seeds"; "3"; "--methods"; "gd:0.01,adam:0.001,sip-pg"; "--out"; dir ]
        Assert.True((code = 0), err)
        let lines = out.Replace("\r", "").Split('\n')
        let over = lines |> Array.find (fun l -> l.StartsWith "Over the seeds")
        Assert.True(over.Length <= 100, over)
        let at = lines |> Array.findIndex (fun l -> l.StartsWith "Plots: ")
        // The Plots line and its continuations (indented two spaces) each within 100 columns.
        let plotLines = lines.[at..] |> Array.takeWhile (fun l -> l.Length > 0) |> Array.filter (fun l -> l = lines.[at] || l.StartsWith "  ")
        for l in plotLines do Assert.True(l.Length <= 100, l)
        Assert.True(plotLines.Length > 1, "eight paths in one line")
        let listed =
            (String.concat " " (plotLines |> Array.map (fun l -> l.Trim()))).Substring("Plots: ".Length).Split(", ")
            |> Array.map IO.Path.GetFullPath |> Set.ofArray
        Assert.Equal<Set<string>>(IO.Directory.GetFiles dir |> Array.map IO.Path.GetFullPath |> Set.ofArray, listed)
    finally
        if IO.Directory.Exists dir then IO.Directory.Delete(dir, true)
