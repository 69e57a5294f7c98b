/// Issue 14's memory target (a Newton-CG run at n = 10⁵ within 1 GiB) for long runs and their reports:
/// a comparison keeps every point only while its points fit in BookExample.RecordedBytes, else every k-th
/// with the smallest k that fits; the JSON report is written in chunks, and the chunks make the same text
/// as the report built whole.
module PhysGrad.Properties.LongRuns

open System
open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

/// The points a run of `iterations` keeps with every k-th recorded: the start, each multiple of k, the last.
let private kept (iterations: int) (k: int) = iterations / k + 1 + (if iterations % k = 0 then 0 else 1)

let private bytesOf (points: int) (n: int) (m: int) = float points * (float n + float m) * 8.0

[<Property(MaxTest = 300)>]
let ``a comparison keeps every point while they fit in the budget, else every k-th with the smallest k that fits`` () =
    let sizes = Gen.oneof [ Gen.choose (1, 100); Gen.choose (100, 2_000_000) ]
    Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (0, 200_000)) sizes sizes)) (fun (iterations, n, m) ->
        let recording = BookExample.RecordingFor(iterations, n, m)
        let budget = float BookExample.RecordedBytes
        let k = recording.Every
        let fits j = bytesOf (kept iterations j) n m <= budget
        let full = bytesOf (iterations + 1) n m <= budget
        // At least three points are kept (start, one between, last) even where one point exceeds the budget.
        let floor = kept iterations k <= 3
        ((full = (k = 1)) |> Prop.label "every point exactly when all fit")
        .&. ((fits k || floor) |> Prop.label (sprintf "every %d-th: %d points, %.0f bytes" k (kept iterations k) (bytesOf (kept iterations k) n m)))
        .&. ((k = 1 || not (fits (k - 1))) |> Prop.label (sprintf "every %d-th would fit too" (k - 1)))
        |> Prop.label (sprintf "iterations %d, n %d, m %d" iterations n m))

[<Fact>]
let ``the JSON report written in chunks is the report built whole`` () =
    // n = 3000: the trajectory alone is about a megabyte of text, many times the serializer's chunk.
    let problem = ReferenceProblems.Create("rosenbrock", 3000, defaultComparison = false)
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.001,newton-cg", 5)
    let whole = problem.ToJson comparison
    use stream = new MemoryStream()
    problem.WriteJson(comparison, stream)
    Assert.True(whole.Length > 1_000_000, sprintf "%d characters" whole.Length)
    Assert.Equal<byte>(Text.UTF8Encoding(false).GetBytes whole, stream.ToArray())

[<Fact>]
let ``compare's JSON streamed as UTF-8 under a StreamWriter is the text it writes to an in-memory writer`` () =
    // A StreamWriter's stream takes the serializer's bytes directly (as standard output's stream does); a
    // StringWriter gets the document whole. Byte for byte the same but for the measured wall times, with
    // a stop detail that holds non-ASCII text ("x0 ≥ 0") and the newline after the document.
    let args = [| "compare"; "--simulator"; "sqrt(x0)"; "--target"; "0"; "--start"; "1"; "--methods"; "gd:3,ig"; "--format"; "json" |]
    let times (json: string) = Text.RegularExpressions.Regex.Replace(json, "\"wallTimeMs\": [^,\\n]+", "\"wallTimeMs\": t")
    use bytes = new MemoryStream()
    let streamed =
        use writer = new StreamWriter(bytes, Text.UTF8Encoding(false), leaveOpen = true)
        let code = PhysGrad.Cli.CliApp.Run(args, writer, TextWriter.Null)
        writer.Flush()
        Assert.Equal(1, code)
        Text.UTF8Encoding(false, true).GetString(bytes.ToArray())
    let code, text, _ = Cli.run (List.ofArray args)
    Assert.Equal(1, code)
    Assert.Contains("≥", text)
    Assert.EndsWith("}" + Environment.NewLine, text)
    Assert.Equal(times text, times streamed)
