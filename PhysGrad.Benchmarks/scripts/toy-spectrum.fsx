// The HIG toy's batch Jacobian at the Glorot start (BENCHMARKS.md, "Outcomes over seeds at fixed step
// budgets"): the singular values of the stacked 𝒥 (512 × 30 for a batch of 256) relative to σ_max, how
// many τ = 1e-3 and τ = 1e-6 keep, and the leading singular values of each output's rows alone, for
// λ = 1 and λ = 0.01. The batch is the first one the trainer draws for the seed (random source seed + 1).
// Needs the Release build of the CLI:
//   /work/buildslot dotnet build -c Release PhysGrad.Cli/PhysGrad.Cli.csproj
//   dotnet fsi PhysGrad.Benchmarks/scripts/toy-spectrum.fsx
#r "../../PhysGrad.Cli/bin/Release/net10.0/FSharp.Core.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/MathNet.Numerics.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/PhysGrad.Symbolic.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/PhysGrad.Numerics.dll"
#r "../../PhysGrad.Cli/bin/Release/net10.0/PhysGrad.Api.dll"
open System
open MathNet.Numerics.LinearAlgebra
open PhysGrad
open PhysGrad.Numerics.Learning

let show (values: float[]) = String.Join(" ", values |> Array.map (sprintf "%.1e"))
for lambda in [ 1.0; 0.01 ] do
    let example = Training.HigToy(lambda)
    let net = example.Network
    let trainer = PhysicsTrainer(net, example.Physics, example.Sampler)
    let p = net.ParameterCount
    for seed in 1 .. 3 do
        let theta = net.Initialize(seed)
        let b = 256
        let z = Array.zeroCreate b
        let y = Array.zeroCreate (2 * b)
        example.Sampler.Invoke(Random(seed + 1), b, z, y)
        let struct (j: float[], _, _) = trainer.StackedJacobian(theta, z, y, b)
        let all = Matrix<float>.Build.Dense(2 * b, p, fun r c -> j.[r * p + c]).Svd(false).S.ToArray()
        let sMax = all.[0]
        let relative = all |> Array.map (fun v -> v / sMax)
        let kept tau = relative |> Array.filter (fun v -> v > tau) |> Array.length
        let output o =
            Matrix<float>.Build.Dense(b, p, fun r c -> j.[(2 * r + o) * p + c]).Svd(false).S.ToArray()
            |> Array.truncate 6 |> Array.map (fun v -> v / sMax)
        printfn "λ = %g, seed %d: kept at τ 1e-3: %d, at τ 1e-6: %d of %d" lambda seed (kept 1e-3) (kept 1e-6) p
        printfn "  σ/σ_max: %s" (show relative)
        printfn "  output 0's rows: %s; output 1's rows: %s" (show (output 0)) (show (output 1))
