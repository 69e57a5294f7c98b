// The exp example's error per decade of y (BENCHMARKS.md, "Outcomes over seeds at fixed step budgets").
// Repeats PhysicsTrainer.Train's loop through the public types (θ from the seed, batches from seed + 1,
// the same step and update), so the final L̄ and ½(x − x*)² it prints equal the CLI's for the same seed
// and step count; then evaluates f(z; θ) on the 256 evaluation points and bins them by x*.
// Needs the Release build of the CLI:
//   /work/buildslot dotnet build -c Release PhysGrad.Cli/PhysGrad.Cli.csproj
//   dotnet fsi PhysGrad.Benchmarks/scripts/exp-decades.fsx 3000 1,2,3,4,5
#r "../../PhysGrad.Cli/bin/Release/net10.0/FSharp.Core.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/PhysGrad.Symbolic.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/PhysGrad.Numerics.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/PhysGrad.Api.dll"
open System
open PhysGrad
open PhysGrad.Numerics.Learning

let args = fsi.CommandLineArgs
let steps = if args.Length > 1 then int args.[1] else 3000
let seeds = if args.Length > 2 then args.[2].Split(',') |> Array.map int else [| 1; 2; 3; 4; 5 |]
let example = Training.Exponential()
let net = example.Network
let trainer = PhysicsTrainer(net, example.Physics, example.Sampler)
let decades = [| -12.0, -8.0; -8.0, -4.0; -4.0, 0.0 |]
let median (v: float[]) =
    let s = Array.sort v
    if s.Length % 2 = 1 then s.[s.Length / 2] else (s.[s.Length / 2 - 1] + s.[s.Length / 2]) / 2.0

printfn "x-error per decade: mean ½(x − x*)² [median |e^x − y*|/y*] after %d steps" steps
for method in [ TrainingMethod.Adam; TrainingMethod.SipPhysicalGradient; TrainingMethod.SipInverseGradient ] do
    let settings = example.SettingsFor method
    let perSeed =
        [| for seed in seeds ->
            let theta = net.Initialize(seed)
            let random = Random(seed + 1)
            let state = OptimizerState(theta.Length)
            let b = settings.BatchSize
            let z = Array.zeroCreate (b * net.InputCount)
            let y = Array.zeroCreate b
            let delta = Array.zeroCreate theta.Length
            for _ in 1 .. steps do
                example.Sampler.Invoke(random, b, z, y)
                trainer.Step(settings, theta, z, y, b, state, delta) |> ignore
                for k in 0 .. theta.Length - 1 do
                    theta.[k] <- theta.[k] + delta.[k]
            let n = example.EvalZ.Length
            let x = Array.zeroCreate n
            net.Forward(theta, example.EvalZ, n, x)
            let struct (loss, xError) = trainer.Evaluate(theta, example.EvalZ, example.EvalY, n, example.EvalX)
            let bins =
                decades
                |> Array.map (fun (lo, hi) ->
                    let inside = [| for i in 0 .. n - 1 do if example.EvalX.[i] >= lo && (example.EvalX.[i] < hi || hi = 0.0) then i |]
                    let xe = inside |> Array.averageBy (fun i -> 0.5 * (x.[i] - example.EvalX.[i]) ** 2.0)
                    let rel = inside |> Array.map (fun i -> abs (exp x.[i] - example.EvalY.[i]) / example.EvalY.[i]) |> median
                    xe, rel)
            printfn "%-7s seed %d: L̄ %.4g, ½(x − x*)² %.4g | %s" settings.ShortName seed loss xError
                (String.Join(" | ", bins |> Array.map (fun (xe, rel) -> sprintf "%.3g [%.3g]" xe rel)))
            bins |]
    let cells =
        decades
        |> Array.mapi (fun d (lo, hi) ->
            sprintf "x* in [%g, %g%s: %.3g [%.3g]" lo hi (if hi = 0.0 then "]" else ")") (median (perSeed |> Array.map (fun s -> fst s.[d]))) (median (perSeed |> Array.map (fun s -> snd s.[d]))))
    printfn "%-7s median over seeds: %s" settings.ShortName (String.Join("; ", cells))
