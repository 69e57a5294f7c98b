// How many work units the symbolic local inverse spends against the processor time it takes, to calibrate
// LocalInverse.defaultBudget (work units are counted, so the budget gives the same answer under any load;
// this script relates them to seconds on the machine it runs on). Each problem runs in the same process
// with an unlimited budget, so its nodes may already be interned from an earlier size; the ratio is what
// matters. Run:
//   dotnet build PhysGrad.sln && dotnet fsi PhysGrad.Benchmarks/scripts/inverse-budget.fsx
// prints one Markdown row per problem: | problem | n | result | work units | CPU s | units per ms |.
open System
open System.Diagnostics

#I "../../PhysGrad.Cli/bin/Debug/net10.0"
#r "FParsec.dll"
#r "FParsecCS.dll"
#r "PhysGrad.Symbolic.dll"
open PhysGrad.Symbolic

let proc = Process.GetCurrentProcess()

let problems =
    [ for n in [ 2; 4; 8; 16; 32; 64 ] ->
          // a chain of squares: y_i = x_i^2 + x_{i-1}, each unknown nests one more root
          "chain", n, [| for i in 0 .. n - 1 -> if i = 0 then "x0^2" else sprintf "x%d^2 + x%d" i (i - 1) |]
      for n in [ 3; 4; 5; 6; 8; 10; 16 ] ->
          // the Rosenbrock residuals of the example: x_{i+1} = y_i/10 + x_i^2 nests squares of sums
          "rosenbrock", n,
          [| for i in 0 .. n - 1 -> if i < n - 1 then sprintf "10*(x%d - x%d^2)" (i + 1) i else "1 - x0" |]
      for n in [ 4; 8; 16; 32; 64 ] ->
          "rosenbrock-pairs", n,
          [| for i in 0 .. n - 1 ->
                 if i % 2 = 0 then sprintf "10*(x%d - x%d^2)" (i + 1) i else sprintf "1 - x%d" (i - 1) |]
      for n in [ 4; 8; 16; 24; 32; 48; 64 ] ->
          "stencil", n,
          [| for i in 0 .. n - 1 ->
                 sprintf "x%d + 0.1*(x%d - 2*x%d + x%d) + 0.01*x%d^3" i ((i + 1) % n) i ((i + n - 1) % n) i |] ]

printfn "| problem | n | result | work units | CPU s | units per ms |"
printfn "|---|---:|---|---:|---:|---:|"

for name, n, texts in problems do
    let simulator = Parse.many (String.Join("; ", texts))
    let variables = Array.init n (sprintf "x%d")
    let outputs = Array.init n (sprintf "y%d")
    let cpu0 = proc.TotalProcessorTime
    let result, units = LocalInverse.deriveCounted Int64.MaxValue variables outputs simulator
    proc.Refresh()
    let cpu = (proc.TotalProcessorTime - cpu0).TotalSeconds
    let r = match result with Ok _ -> "closed form" | Error _ -> "none"
    printfn "| %s | %d | %s | %d | %.3f | %.0f |" name n r units cpu (float units / (cpu * 1000.0))
