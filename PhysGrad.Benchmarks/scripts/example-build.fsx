// How long building one reference example takes, as `--example NAME --n N` builds it (ReferenceProblems.Create
// with the size limit lifted: trace, round the constants, the target from x*, the problem's checks; the text is printed when read), in
// a fresh process (every node new to the intern table): wall and processor time, bytes allocated.
// The DLL folder is an argument so that two builds (a commit and its parent) are measured alike:
//   dotnet fsi PhysGrad.Benchmarks/scripts/example-build.fsx PhysGrad.Benchmarks/bin/Release/net10.0 heat1d 20000
// prints one Markdown row: | example | n | wall | CPU | allocated |.
open System
open System.Diagnostics
open System.Reflection

let args = fsi.CommandLineArgs
let folder, name, n = IO.Path.GetFullPath args.[1], args.[2], int args.[3]

for dll in [ "PhysGrad.Symbolic.dll"; "PhysGrad.Numerics.dll"; "PhysGrad.Api.dll" ] do
    Assembly.LoadFrom(IO.Path.Combine(folder, dll)) |> ignore

let create =
    Assembly.LoadFrom(IO.Path.Combine(folder, "PhysGrad.Api.dll")).GetType("PhysGrad.ReferenceProblems").GetMethod("Create")

let proc = Process.GetCurrentProcess()
let cpu () = proc.Refresh(); proc.TotalProcessorTime.TotalSeconds
let c0, a0 = cpu (), GC.GetTotalAllocatedBytes()
let wall = Stopwatch.StartNew()
let problem = create.Invoke(null, [| box name; box (Nullable n); box false |])
printfn "| %s | %d | %.2f s | %.2f s | %.0f MB |" name n wall.Elapsed.TotalSeconds (cpu () - c0) (float (GC.GetTotalAllocatedBytes() - a0) / 1e6)
GC.KeepAlive problem
