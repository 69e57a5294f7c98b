/// Train's timing and text (issue 25). (1) A method's first seed held the process's JIT
/// compilation (5.48 ms/step against 0.05 for its other seeds), so the loss-time medians zig-zagged: every
/// timed run now follows an untimed warm-up run of the same settings and seed, thrown away, its time kept apart.
/// (2) train's Plots line and its seeds' summary heading keep within 100 columns, as compare's text does.
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
