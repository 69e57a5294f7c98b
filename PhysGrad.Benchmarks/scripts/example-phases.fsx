// Where building one reference example goes, phase by phase, as ReferenceProblems.Create does it (the target
// P(x*) run on numbers, the trace with its combinations unbuilt, rounding the constants, building the sums,
// printing the components, the problem's checks in Problem.Create): CPU and wall time and bytes allocated per
// phase, in one fresh process (every node new to the intern table). Uses this worktree's Release build:
//   /work/buildslot dotnet build -c Release PhysGrad.Benchmarks
//   dotnet fsi PhysGrad.Benchmarks/scripts/example-phases.fsx heat1d 100000
// prints Markdown rows: | example | n | phase | wall | CPU | allocated |.
#r "../bin/Release/net10.0/PhysGrad.Symbolic.dll"
#r "../bin/Release/net10.0/PhysGrad.Numerics.dll"
#r "../bin/Release/net10.0/PhysGrad.Api.dll"

open System
open System.Diagnostics
open PhysGrad
open PhysGrad.Symbolic

let args = fsi.CommandLineArgs
let name, n = args.[1], int args.[2]
let proc = Process.GetCurrentProcess()
let cpu () = proc.Refresh(); proc.TotalProcessorTime.TotalSeconds

let phase what f =
    let c0, a0 = cpu (), GC.GetTotalAllocatedBytes()
    let w = Stopwatch.StartNew()
    let r = f ()
    printfn "| %s | %d | %s | %.2f s | %.2f s | %.0f MB |" name n what w.Elapsed.TotalSeconds (cpu () - c0) (float (GC.GetTotalAllocatedBytes() - a0) / 1e6)
    r

let raw = ReferenceProblems.Simulator(name, Nullable n)
let known = ReferenceProblems.TrueSolution(name, Nullable n)

let target =
    phase "target P(x*)" (fun () ->
        raw.Invoke(known |> Array.map Scalar.Constant)
        |> Array.map (fun s -> Scalar.RoundConstants(s, 15).Expr)
        |> Evaluate.manyAt [||] [||])

let traced = phase "trace (combinations unbuilt)" (fun () -> raw.Invoke(Tracer.Variables(n, "x")))
let rounded = phase "round the constants" (fun () -> traced |> Array.map (fun s -> Scalar.RoundConstants(s, 15)))
let components = phase "build the sums" (fun () -> rounded |> Array.map (fun s -> s.Expr))
phase "print every component" (fun () -> components |> Array.map Infix.formatExact) |> ignore

phase "Problem.Create (the checks, the default loss)" (fun () ->
    Problem.Create(Tracer.VariableNames n, components, null, target, Array.zeroCreate n, null, false))
|> ignore
