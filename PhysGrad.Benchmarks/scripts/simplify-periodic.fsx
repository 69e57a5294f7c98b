// What simplifying derived rules costs in two builds of PhysGrad.Symbolic, measured in one process: the
// time of UpdateRules.simplified on the raw (unsimplified) Gauss–Newton and inverse-gradient steps of the
// periodic map y_i = x_i/2 + x_{i+1}^2/10 (indices mod n; the exact form derive uses for 0.5*x_i +
// 0.1*x_{i+1}^2) under the default loss ½‖y − ys‖². Each measurement loads the build into a new
// AssemblyLoadContext, so its intern table and caches start empty (fresh expressions, nothing remembered
// from another measurement), warms the JIT on the n = 3 and 4 maps, derives the steps (not timed) and times the
// simplification. The builds alternate within each repetition; each row is the best of the repetitions.
// Prints a Markdown table with the ratio candidate / base. Run (Release builds of both):
//   dotnet fsi PhysGrad.Benchmarks/scripts/simplify-periodic.fsx <base bin dir> <candidate bin dir> [repetitions]
// where a bin dir holds PhysGrad.Symbolic.dll, e.g. PhysGrad.Symbolic/bin/Release/net10.0.
open System
open System.Diagnostics
open System.IO
open System.Reflection
open System.Runtime.Loader

let args = fsi.CommandLineArgs |> Array.skip 1

if args.Length < 2 then
    eprintfn "usage: dotnet fsi simplify-periodic.fsx <base bin dir> <candidate bin dir> [repetitions]"
    exit 2

let baseDir, candidateDir = Path.GetFullPath args.[0], Path.GetFullPath args.[1]
let repetitions = if args.Length > 2 then int args.[2] else 3

/// One copy of PhysGrad.Symbolic (and FParsec) from dir, alone in its load context; FSharp.Core is shared.
type Build(dir: string) =
    let context = AssemblyLoadContext(dir, true)

    do
        context.add_Resolving (fun ctx name ->
            // A library's build output holds its own dll alone: FParsec and FParsecCS come from the NuGet
            // cache (both in the package fparsec).
            let packages = Path.Combine(Environment.GetFolderPath Environment.SpecialFolder.UserProfile, ".nuget", "packages")
            let version = name.Version.ToString 3

            [ Path.Combine(dir, name.Name + ".dll")
              Path.Combine(packages, "fparsec", version, "lib", "netstandard2.0", name.Name + ".dll") ]
            |> List.tryFind File.Exists
            |> Option.map ctx.LoadFromAssemblyPath
            |> Option.toObj)

    let symbolic = context.LoadFromAssemblyPath(Path.Combine(dir, "PhysGrad.Symbolic.dll"))
    let call (typeName: string) (name: string) (arguments: obj[]) = symbolic.GetType(typeName, true).GetMethod(name).Invoke(null, arguments)
    let exprType = symbolic.GetType("PhysGrad.Symbolic.Expr", true)

    member _.Parse(text: string) = call "PhysGrad.Symbolic.Parse" "Expression" [| text |]

    member b.Array(texts: string[]) =
        let a = Array.CreateInstance(exprType, texts.Length)
        texts |> Array.iteri (fun i t -> a.SetValue(b.Parse t, i))
        a

    /// The raw steps of "gn" or "ig" on the n-variable periodic map.
    member b.Steps(methodName: string, n: int) : obj =
        let simulator = Array.init n (fun i -> sprintf "x%d/2 + x%d^2/10" i ((i + 1) % n))
        let loss = [ for i in 0 .. n - 1 -> sprintf "(y%d - ys%d)^2/2" i i ] |> String.concat " + "
        let variables = b.Array(Array.init n (sprintf "x%d"))
        let outputs = b.Array(Array.init n (sprintf "y%d"))
        let name = if methodName = "gn" then "GaussNewton" else "InverseGradient"
        call "PhysGrad.Symbolic.UpdateRules" name [| b.Parse "eta"; variables; outputs; b.Array simulator; b.Parse loss |]

    member _.Simplified(steps: obj) = call "PhysGrad.Symbolic.UpdateRules" "Simplified" [| steps |]

    /// Seconds to simplify the steps, in a fresh context warmed on the n = 3 and 4 maps (both methods).
    static member Time(dir: string, methodName: string, n: int) =
        let b = Build dir

        for warm in [ 3; 4 ] do
            for m in [ "gn"; "ig" ] do
                b.Simplified(b.Steps(m, warm)) |> ignore

        let steps = b.Steps(methodName, n)
        GC.Collect()
        let watch = Stopwatch.StartNew()
        b.Simplified steps |> ignore
        watch.Elapsed.TotalSeconds

let cases = [ for n in [ 6; 8; 10 ] do for m in [ "gn"; "ig" ] -> m, n ]
let best = Collections.Generic.Dictionary<string * int * string, float>()

for r in 1 .. repetitions do
    for (m, n) in cases do
        // Alternate which build goes first, so neither always runs after the other's garbage.
        let order = if r % 2 = 1 then [ "base", baseDir; "candidate", candidateDir ] else [ "candidate", candidateDir; "base", baseDir ]

        for (which, dir) in order do
            let t = Build.Time(dir, m, n)
            let key = (m, n, which)
            best.[key] <- (match best.TryGetValue key with | true, b -> min b t | _ -> t)
            eprintfn "repetition %d: %s n = %d %s %.3f s" r m n which t

printfn "| periodic map, n | method | base s | candidate s | candidate / base |"
printfn "|---:|---|---:|---:|---:|"

for (m, n) in cases do
    let b, c = best.[(m, n, "base")], best.[(m, n, "candidate")]
    printfn "| %d | %s | %.3f | %.3f | %.2f |" n m b c (c / b)
