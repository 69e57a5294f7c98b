// What Simplify.simplify costs on a long sum of sin²/cos² pairs in two builds of PhysGrad.Symbolic: the sum
//   Σₖ aₖ·sin(zₖ)² + aₖ·cos(zₖ)² + aₖ·z₍ₖ₊₁₎,  k = 0 … n − 1,
// parsed fresh and simplified once in a new process per build (fresh expressions, the first call's JIT included).
// Run: dotnet fsi PhysGrad.Benchmarks/scripts/pythagoras-pairs.fsx <bin dir with PhysGrad.Symbolic.dll> <n>
// once per build and size; compare the printed seconds of runs made one after the other.
open System.IO
open System.Reflection

let args = fsi.CommandLineArgs |> Array.skip 1
let dir, n = Path.GetFullPath args.[0], int args.[1]
let load name = Assembly.LoadFrom(Path.Combine(dir, name))
load "FParsecCS.dll" |> ignore
load "FParsec.dll" |> ignore
let symbolic = load "PhysGrad.Symbolic.dll"
let parse = symbolic.GetType("PhysGrad.Symbolic.Parse").GetMethod("Expression")
let simplify = symbolic.GetType("PhysGrad.Symbolic.Simplify").GetMethod("Simplify", [| typeof<int>; parse.ReturnType |])
let budget = symbolic.GetType("PhysGrad.Symbolic.Simplify").GetField("DefaultBudget").GetValue(null)
let text = String.concat " + " [ for k in 0 .. n - 1 -> sprintf "a%d*sin(z%d)^2 + a%d*cos(z%d)^2 + a%d*z%d" k k k k k ((k + 1) % n) ]
let e = parse.Invoke(null, [| box text |])
let sw = System.Diagnostics.Stopwatch.StartNew()
simplify.Invoke(null, [| budget; e |]) |> ignore
printfn "%d pairs: %.2f s" n sw.Elapsed.TotalSeconds
