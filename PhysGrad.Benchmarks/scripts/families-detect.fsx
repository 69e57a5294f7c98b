// Families.detect on Rosenbrock's f and Families.detectComponents on its 2n − 1 residuals at n = 10⁵:
// wall and process CPU time, bytes allocated and gen-0 collections per call, over 8 rounds (the first
// includes JIT). CPU time and allocation repeat between runs on the shared machine; wall time does not.
// Needs the Release build of the symbolic library:
//   /work/buildslot dotnet build -c Release PhysGrad.Symbolic/PhysGrad.Symbolic.fsproj
//   dotnet fsi --optimize+ PhysGrad.Benchmarks/scripts/families-detect.fsx
#r "../../PhysGrad.Symbolic/bin/Release/net10.0/PhysGrad.Symbolic.dll"
open System
open System.Diagnostics
open PhysGrad.Symbolic
let n = 100000
let x = Array.init n (fun i -> Expr.symbol (sprintf "x%d" i))
let names = Array.init n (sprintf "x%d")
let sw = Stopwatch.StartNew()
let terms = Array.init (n - 1) (fun i -> Expr.add (Expr.mul2 (Expr.ofInt 100) (Expr.pow (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two)) Expr.two)) (Expr.pow (Expr.sub Expr.one x.[i]) Expr.two))
let f = Expr.sum terms
// Residuals 10(x_{i+1} − x_i²) and 1 − x_i, as components (the least-squares form of Rosenbrock).
let rs = Array.append (Array.init (n - 1) (fun i -> Expr.mul2 (Expr.ofInt 10) (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two)))) (Array.init n (fun i -> Expr.sub Expr.one x.[i]))
printfn "build %.2f s" sw.Elapsed.TotalSeconds
let proc = Process.GetCurrentProcess()
let timed (run: unit -> 'a) =
    GC.Collect()
    let gc0 = GC.CollectionCount 0
    let bytes = GC.GetAllocatedBytesForCurrentThread()
    proc.Refresh()
    let cpu = proc.TotalProcessorTime
    sw.Restart()
    let r = run ()
    let wall = sw.Elapsed.TotalSeconds
    proc.Refresh()
    r, wall, (proc.TotalProcessorTime - cpu).TotalSeconds, float (GC.GetAllocatedBytesForCurrentThread() - bytes) / 1e6, GC.CollectionCount 0 - gc0
for round in 1 .. 8 do
    let d, w1, c1, a1, g1 = timed (fun () -> Families.detect names f)
    let c, w2, c2, a2, g2 = timed (fun () -> Families.detectComponents names rs)
    printfn "round %d detect wall %.3f cpu %.3f s alloc %.1f MB gen0 %d (%d fam, %d cells, rest %d) | detectComponents wall %.3f cpu %.3f s alloc %.1f MB gen0 %d (%d fam, %d cells, rest %d)" round w1 c1 a1 g1 d.Families.Length d.CellCount d.RestTermCount w2 c2 a2 g2 c.Families.Length c.CellCount c.RestOutputs.Length
