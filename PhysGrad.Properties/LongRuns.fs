/// Issue 14's memory target (a Newton-CG run at n = 10⁵ within 1 GiB) for long runs and their reports:
/// a comparison keeps every point only while its points fit in BookExample.RecordedBytes and number at most
/// BookExample.PlottedPoints, else at most the points that fit (Recording.AtMost: thinned as the run produces them); the JSON report is written in chunks, and the chunks make the same text
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

let private bytesOf (points: int) (n: int) (m: int) = float points * (float n + float m) * 8.0

[<Property(MaxTest = 300)>]
let ``a comparison keeps every point while they fit in the budget, else at most the points that fit`` () =
    let sizes = Gen.oneof [ Gen.choose (1, 100); Gen.choose (100, 2_000_000) ]
    Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.oneof [ Gen.choose (0, 200_000); Gen.choose (200_000, 100_000_000) ]) sizes sizes)) (fun (iterations, n, m) ->
        let recording = BookExample.RecordingFor(iterations, n, m)
        let budget = float BookExample.RecordedBytes
        let most = BookExample.PlottedPoints
        // At least four points are kept (the start, the first step, one between, the last) even where one
        // point exceeds the budget; a run of at most three steps is kept whole; never more than PlottedPoints.
        let full = (bytesOf (iterations + 1) n m <= budget && iterations + 1 <= most) || iterations + 1 <= 4
        if full then
            (recording = Recording.Full) |> Prop.label (sprintf "every point: %A" recording)
        else
            match Option.ofNullable recording.MaxPoints with
            | None -> false |> Prop.label (sprintf "a run of %d points over the budget is kept whole (%A)" (iterations + 1) recording)
            | Some p ->
                ((recording.Every = 1) |> Prop.label "the bounded recording starts with every point")
                .&. ((p = 4 || bytesOf p n m <= budget) |> Prop.label (sprintf "%d points, %.0f bytes, over the budget" p (bytesOf p n m)))
                .&. ((p <= most) |> Prop.label (sprintf "%d points, more than %d" p most))
                .&. ((p = 4 || p = most || bytesOf (p + 1) n m > budget) |> Prop.label (sprintf "%d points would fit too" (p + 1)))
                .&. ((p < iterations + 1) |> Prop.label "bounded although every point fits")
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
