// What bounding P's running error (CompiledProblem.OutputRoundingErrors: one interpreted run of P's straight-line program
// with error propagation, what the dense Jacobian rules' rounding test runs at every step) costs beside one evaluation of
// y and J (CompiledProblem.Simulate(x, y, J), which every step of those rules also runs), at the problem's start: the
// ceiling of what skipping the bound can gain, (Simulate + bound) / Simulate, since a step costs at least its Simulate.
// Median of 21 calls each after 3 untimed (JIT and kernels warm), in one process.
// Run from the repository: dotnet build PhysGrad.Benchmarks -c Release; dotnet fsi PhysGrad.Benchmarks/scripts/rounding-bound-share.fsx
#I "../bin/Release/net10.0"
#r "PhysGrad.Symbolic.dll"
#r "PhysGrad.Numerics.dll"
#r "PhysGrad.Api.dll"
open System.Diagnostics
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let median (f: unit -> unit) =
    for _ in 1 .. 3 do f ()
    let times = [| for _ in 1 .. 21 -> (let c = Stopwatch.StartNew() in f (); c.Elapsed.TotalMilliseconds) |]
    Array.sortInPlace times
    times.[10]

// m outputs, each its own chain z ← sin(z)·x2 + z/2, depth deep, from x0 + (i + 1)/m·x1 (the roundingscreen benchmark's chains).
let chains m depth =
    let simulate (x: Scalar[]) =
        Array.init m (fun i ->
            let mutable z = x.[0] + (float (i + 1) / float m) * x.[1]
            for _ in 1 .. depth do z <- Scalar.Sin(z) * x.[2] + 0.5 * z
            z)
    (PhysicsProblem.Trace(3, System.Func<_, _>(simulate), Array.zeroCreate m, [| 0.1; 0.5; 0.6 |]).Compiled, [| 0.1; 0.5; 0.6 |])

let reference name n =
    let p = ReferenceProblems.Create(name, System.Nullable n, false)
    (p.Compiled, Seq.toArray p.Start)

printfn "| problem | n | m | Simulate(x, y, J) ms | OutputRoundingErrors ms | (Simulate + bound) / Simulate |"
printfn "|---|--:|--:|--:|--:|--:|"
for label, build in [ "heat1d 256", (fun () -> reference "heat1d" 256)
                      "heat2d 16", (fun () -> reference "heat2d" 16)
                      "oscillators 256", (fun () -> reference "oscillators" 256)
                      "chains 256×40", (fun () -> chains 256 40)
                      "chains 1×300", (fun () -> chains 1 300) ] do
    let (problem: CompiledProblem), x = build ()
    let y, j, e = Array.zeroCreate problem.M, Array.zeroCreate (problem.M * problem.N), Array.zeroCreate problem.M
    let simulate = median (fun () -> problem.Simulate(x, y, j))
    let bound = median (fun () -> problem.OutputRoundingErrors(x, e))
    printfn "| %s | %d | %d | %.3f | %.3f | %.2f |" label problem.N problem.M simulate bound ((simulate + bound) / simulate)
