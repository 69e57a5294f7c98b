// What exact decimals cost in derived rules: the IG and GN rules of a dense linear map y = A·x (A's entries
// decimals), derived as derive does with the decimals as exact fractions (ExactConstants.exact, then
// ExactConstants.floating after simplifying) and with them as doubles, in the same process, each case
// doubles first. Prints one Markdown row per case with ExactConstants.pivotBits (the cost measure that
// decides between the two in derive) and the time ratio exact / doubles. Run:
//   dotnet build PhysGrad.sln && dotnet fsi PhysGrad.Benchmarks/scripts/exact-decimals.fsx
open System
open System.Diagnostics
open System.Globalization

#I "../../PhysGrad.Cli/bin/Debug/net10.0"
#r "FParsec.dll"
#r "FParsecCS.dll"
#r "PhysGrad.Symbolic.dll"
open PhysGrad.Symbolic

/// A dense n × n map with entries of one decimal (k/10, k in −9..9) or of 16 to 17 significant digits.
let map (n: int) (digits: string) (seed: int) =
    let random = Random seed

    [| for i in 0 .. n - 1 ->
           [ for j in 0 .. n - 1 ->
                 let a =
                     if digits = "1" then float (random.Next(-9, 10)) / 10.0 + (if i = j then 2.0 else 0.0)
                     else random.NextDouble() * 2.0 - 1.0 + (if i = j then 2.0 else 0.0)

                 sprintf "%s*x%d" (a.ToString("R", CultureInfo.InvariantCulture)) j ]
           |> String.concat " + "
           |> Parse.expression |]

let derive (method: string) (exact: bool) (simulator: Expr[]) =
    let n = simulator.Length
    let variables = Array.init n (sprintf "x%d" >> Expr.symbol)
    let outputs = Array.init n (sprintf "y%d" >> Expr.symbol)
    let loss = Expr.sum [ for i in 0 .. n - 1 -> Expr.mul2 Expr.half (Expr.pow (Expr.sub outputs.[i] (Expr.ofInt (i + 1))) Expr.two) ]
    let simulator = if exact then Array.map ExactConstants.exact simulator else simulator
    let eta = UpdateRules.eta

    let steps =
        match method with
        | "ig" -> UpdateRules.inverseGradient eta variables outputs simulator loss
        | _ -> UpdateRules.gaussNewton eta variables outputs simulator loss

    UpdateRules.simplified steps |> Array.map (fun e -> if exact then ExactConstants.floating e else e)

let seconds f =
    let watch = Stopwatch.StartNew()
    f () |> ignore
    watch.Elapsed.TotalSeconds

printfn "| map | n | method | pivot bits | doubles s | exact s | exact / doubles |"
printfn "|---|---:|---|---:|---:|---:|---:|"

for digits, n in [ "1", 8; "1", 12; "1", 30; "1", 60; "17", 12; "17", 30 ] do
    let simulator = map n digits 1
    let bits = ExactConstants.pivotBits n (Array.map ExactConstants.exact simulator)

    for method in [ "ig"; "gn" ] do
        let doubles = seconds (fun () -> derive method false simulator)
        let exact = seconds (fun () -> derive method true simulator)
        printfn "| %s-digit decimals | %d | %s | %d | %.2f | %.2f | %.2f |" digits n method bits doubles exact (exact / doubles)
