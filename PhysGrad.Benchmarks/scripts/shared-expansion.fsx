// What `physgrad derive --methods gd,newton,gn --format latex` costs on the Msgs31 property's random three-variable
// simulators in two builds of the CLI, alternating: each run a new process, so every expression is fresh (nothing
// interned or cached from an earlier run). Prints wall seconds per run and whether both builds printed the same rules.
// Run: dotnet fsi PhysGrad.Benchmarks/scripts/shared-expansion.fsx <before bin dir> <after bin dir> <runs> "<simulator>"
open System.Diagnostics
open System.IO

let args = fsi.CommandLineArgs |> Array.skip 1
let before, after, runs, simulator = Path.GetFullPath args.[0], Path.GetFullPath args.[1], int args.[2], args.[3]

let derive (dir: string) =
    let info = ProcessStartInfo("dotnet", RedirectStandardOutput = true, RedirectStandardError = true)
    for a in [ Path.Combine(dir, "physgrad.dll"); "derive"; "--simulator"; simulator; "--methods"; "gd,newton,gn"; "--format"; "latex" ] do
        info.ArgumentList.Add a
    let sw = Stopwatch.StartNew()
    use p = Process.Start info
    let out = p.StandardOutput.ReadToEnd()
    p.StandardError.ReadToEnd() |> ignore
    p.WaitForExit()
    sw.Elapsed.TotalSeconds, out

let mutable outputs = set []
for r in 1 .. runs do
    let tb, ob = derive before
    let ta, oa = derive after
    outputs <- outputs.Add ob |> Set.add oa
    printfn "run %d: before %.2f s, after %.2f s, after/before %.2f" r tb ta (ta / tb)
printfn "same rules printed: %b" (outputs.Count = 1)
