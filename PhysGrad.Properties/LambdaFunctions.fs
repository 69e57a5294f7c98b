/// The Math functions a C# lambda may call (issue 12, item 5): one table, used by the translator's
/// error, listed completely in the README, and each one translated to the value .NET computes.
module PhysGrad.Properties.LambdaFunctions

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Symbolic

type private L = System.Linq.Expressions.Expression

let private repoRoot () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then dir.FullName
        else up dir.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

[<Fact>]
let ``the README lists exactly the Math functions the lambda translator understands`` () =
    let readme = File.ReadAllText(Path.Combine(repoRoot (), "README.md"))
    let m = Regex.Match(readme, "Lambdas may use arithmetic, `Math\\.([^`]*)`")
    Assert.True(m.Success, "the README's sentence listing the lambda functions was not found")
    let listed = m.Groups.[1].Value.Split(", ") |> Array.map (fun s -> s.Trim())
    Assert.Equal<string>(LambdaTranslator.UnderstoodFunctions |> Seq.sort, listed |> Seq.sort)

[<Fact>]
let ``every understood Math function translates to the value .NET computes`` () =
    // At x = 0.3 (inside every function's domain, asin/acos included) and, for the two-argument ones,
    // with 0.7 as the second argument: the translated expression's value must equal Math's own.
    let x = L.Parameter(typeof<float>, "x")

    for name in LambdaTranslator.UnderstoodFunctions do
        let two = name = "Atan2" || name = "Pow"
        let args: L[] = if two then [| x; L.Constant 0.7 |] else [| x |]
        let m = typeof<Math>.GetMethod(name, Array.create args.Length typeof<float>)
        let call: L = L.Call(m, args)
        let body = if call.Type = typeof<float> then call else L.Convert(call, typeof<float>) // Sign gives an int
        let lambda = L.Lambda<Func<float, float>>(body, [| x |])
        let expected = lambda.Compile().Invoke 0.3
        let translated = LambdaTranslator.Translate lambda
        let value = translated.Components.[0].Evaluate(translated.Variables |> Array.ofSeq, [| 0.3 |])
        Assert.True(abs (value - expected) <= 1e-14 * max 1.0 (abs expected), sprintf "Math.%s: %.17g vs %.17g" name value expected)

[<Fact>]
let ``a Math function outside the table is refused with the whole list`` () =
    let x = L.Parameter(typeof<float>, "x")
    let lambda = L.Lambda<Func<float, float>>(L.Call(typeof<Math>.GetMethod("Floor", [| typeof<float> |]), [| x :> L |]), [| x |])
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> LambdaTranslator.Translate lambda |> ignore)
    Assert.Contains("Math.Floor", e.Message)
    Assert.Contains(String.Join(", ", LambdaTranslator.UnderstoodFunctions), e.Message)
