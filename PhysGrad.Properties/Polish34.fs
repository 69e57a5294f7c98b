/// Round 34's polish: derive's note on a symbolic target names its entries by name and output ("a (the target of
/// y0)", not "y*0 = a", read as y times 0); derive's JSON lists every named method, with its rule or in "skipped"
/// with the reason text gives, at text's exit code; a unit with only a denominator takes its factor as the
/// numerator (10/s, not "10 1/s"); compare's diagonal has the table's 6 significant digits, as the loss and the
/// distance beside it; FromJson's start of the wrong length for variables read from the simulator gives FromText's
/// constant hint in the file's terms; and the CLI's "probably a constant" is ProblemDefinition.LikelyConstants.
module PhysGrad.Properties.Polish34

open System
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// Text with its line wraps undone (the CLI wraps at 100 columns and indents continuations): one space for each
/// run of whitespace, and LaTeX's comment marks dropped.
let private flat (text: string) =
    Regex.Replace(text.Replace("\r", "").Replace("\n%  ", " ").Replace("\n% ", " "), @"\s+", " ").Trim()

// ---- 1. the symbolic target's note -----------------------------------------------------------------------------

[<Theory>]
[<InlineData("a,2,3", "0")>]
[<InlineData("1,b,3", "1")>]
[<InlineData("a,2,c", "0,2")>]
[<InlineData("p,q,3", "0,1")>]
let ``the note on a symbolic target names each named entry with its output, alike in every format`` (target: string, namedAt: string) =
    let sim = "x0; x1^2; x0 + x2"
    let named = namedAt.Split ',' |> Array.map int
    let entries = target.Split ','
    let derive format = Cli.run [ "derive"; "--simulator"; sim; "--target"; target; "--methods"; "gd"; "--format"; format ]
    let _, infix, _ = derive "infix"
    let _, json, _ = derive "json"
    let _, latex, _ = derive "latex"
    let note = JsonDocument.Parse(json).RootElement.GetProperty("targetNote").GetString()
    // No "y*0": the entries are said by their names and their outputs.
    Assert.DoesNotMatch(@"y\*\d", note)
    for j in named do
        Assert.Contains(entries.[j], note)
        Assert.Contains(sprintf "y%d" j, note)
    // The outputs of the numeric entries are not named as symbolic.
    for j in 0 .. entries.Length - 1 do
        if not (Array.contains j named) then Assert.DoesNotContain(sprintf "y%d" j, note)
    // The same sentence in the text's line and in LaTeX's header comment.
    Assert.Contains("T" + note.Substring 1, flat infix)
    Assert.Contains(note, flat latex)

// ---- 2. derive --format json lists every named method ---------------------------------------------------------

[<Theory>]
// ig needs a square Jacobian; pg has no derivable inverse of x0 + exp(x0); hig has no closed form; all named fail.
[<InlineData("x0+x1; x0-x1; x0*x1", "gd,ig")>]
[<InlineData("x0+exp(x0)", "gd,pg")>]
[<InlineData("x0+exp(x0)", "pg")>]
[<InlineData("x0; x1^2", "newton,hig,gd")>]
[<InlineData("x0+x1; x0-x1; x0*x1", "ig,pg")>]
[<InlineData("x0; x1^2", "gd,newton")>]
let ``derive's JSON names every method given, with its rule or in skipped with text's reason, at text's exit code`` (sim: string, methods: string) =
    let textCode, _, textErr = Cli.run [ "derive"; "--simulator"; sim; "--methods"; methods ]
    let jsonCode, json, jsonErr = Cli.run [ "derive"; "--simulator"; sim; "--methods"; methods; "--format"; "json" ]
    Assert.Equal(textCode, jsonCode)
    let root = JsonDocument.Parse(json).RootElement
    let ruled = [ for r in root.GetProperty("rules").EnumerateArray() -> r.GetProperty("method").GetString() ]
    let skipped = [ for s in root.GetProperty("skipped").EnumerateArray() -> s.GetProperty("method").GetString(), s.GetProperty("reason").GetString() ]
    for m in methods.Split ',' do
        Assert.True(List.contains m ruled <> List.exists (fun (n, _) -> n = m) skipped, sprintf "%s: rules %A, skipped %A\n%s" m ruled skipped json)
    // Each reason is the one text gives on stderr (a named method that does not apply fails the command there).
    for _, reason in skipped do
        Assert.Contains(reason, flat textErr)
    Assert.Equal((skipped.Length > 0), (jsonCode = 2))
    if jsonCode = 2 then Assert.NotEqual<string>("", jsonErr)

// ---- 3. a unit with only a denominator -----------------------------------------------------------------------

[<Theory>]
[<InlineData("10/s", "10/s")>]
[<InlineData("10 1/s", "10/s")>]
[<InlineData("1/s", "1/s")>]
[<InlineData("10 m/s", "10 m/s")>]
[<InlineData("10/s^2", "10/s^2")>]
[<InlineData("10/(m*s)", "10/(m*s)")>]
[<InlineData("1e-4 1/m", "1e-4/m")>]
[<InlineData("[7/s^(1/2)]", "7/s^(1/2)")>]
let ``a unit with only a denominator writes its factor over it`` (text: string, printed: string) =
    Assert.Equal(printed, string (Units.parse text))

/// Units with base units only below the line (1 to 3 of them, integer or half exponents) and a factor no prefix
/// need absorb: 10^k·m for k in −400..400 and m among 1, 2, 3.7, 60.
let private denominators =
    gen {
        let! count = Gen.choose (1, 3)
        let! bases = Gen.shuffle [| "m"; "kg"; "s"; "A"; "K" |]
        let! powers = Gen.arrayOfLength count (Gen.elements [ "1"; "2"; "3"; "(1/2)"; "(3/2)" ])
        let! mantissa = Gen.elements [ "1"; "2"; "3.7"; "60" ]
        let! decade = Gen.choose (-400, 400)
        let below = Array.map2 (fun b p -> if p = "1" then b else sprintf "%s^%s" b p) bases.[.. count - 1] powers
        return sprintf "%se%d/(%s)" mantissa decade (String.Join("*", below))
    }

[<Property(MaxTest = 200)>]
let ``a unit with only a denominator never prints as a number beside 1/…, and reads back as itself`` () =
    Prop.forAll (Arb.fromGen denominators) (fun text ->
        let unit = Units.parse text
        let printed = string unit
        let back = Units.parse printed
        (not (printed.Contains " 1/") |@ printed)
        .&. ((back.SameDimension unit && abs (back.Log10Scale - unit.Log10Scale) < 1e-5) |@ sprintf "%s read back as %O" printed back))

[<Fact>]
let ``units prints a parameter in 10/s as such, and no cell holds a factor beside 1/…`` () =
    let code, out, err = Cli.run [ "units"; "--simulator"; "k*x0 + x1/t"; "--vars"; "x0,x1"; "--param"; "k=2"; "--param"; "t=3"; "--unit"; "x0=m"; "--unit"; "k=10/s"; "--unit"; "t=0.1 s"; "--unit"; "x1=m" ]
    Assert.True((code = 0), err)
    let parameters = out.Split('\n') |> Array.find (fun l -> l.StartsWith "Parameters:")
    Assert.Contains("k [10/s]", parameters)
    Assert.DoesNotMatch(@"\d 1/", out)

// ---- 4. compare's numbers: one count of significant digits ----------------------------------------------------

/// The significant digits of a table cell (sign, leading zeros, the point and an exponent left out).
let private significant (cell: string) =
    let mantissa = cell.TrimStart('-').Split('E').[0].Replace(".", "").TrimStart('0')
    mantissa.Length

[<Theory>]
[<InlineData("")>]
[<InlineData("x0^2 + x1; x1 - x0")>]
[<InlineData("exp(x0) - 3*x1; x0*x1")>]
let ``compare's loss, distance and diagonal cells have 6 significant digits each`` (sim: string) =
    let out = [ "--out"; Path.Combine(Path.GetTempPath(), "physgrad-polish34") ]
    let args = if sim = "" then "compare" :: out else [ "compare"; "--simulator"; sim; "--target"; "1,2"; "--start"; "0.4,0.3" ] @ out
    let code, out, err = Cli.run args
    Assert.True((code = 0 || code = 1), err + out)
    let lines = out.Replace("\r", "").Split('\n')
    let header = lines |> Array.findIndex (fun l -> l.StartsWith "method ")
    // A run's row starts at column 0; the lines under it (a fallback's note) are indented, and the stops' notes
    // ("Stop of pg: …") follow the rows.
    let rows =
        lines.[header + 1 ..] |> Array.takeWhile (fun l -> l.Trim() <> "" && not (l.StartsWith "Stop of"))
        |> Array.filter (fun l -> not (l.StartsWith " "))
    Assert.NotEmpty rows
    for row in rows do
        let cells = Regex.Split(row.Trim(), " {2,}")
        // method, eta, final x, final loss, distance, diagonal, stop
        for cell in [ cells.[3]; cells.[4].Split(' ').[0]; cells.[5] ] do
            if cell <> "0" && cell <> "n/a" then
                Assert.True((significant cell = 6), sprintf "'%s' in %s" cell row)

[<Property(MaxTest = 100)>]
let ``a result's diagonal text is its value to 6 significant digits, and 0 where it is rounding noise`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 2.0; 3.0 |])
    let result = (problem.CompareMethods(problem.DefaultMethods(), 2)).Results.[0]
    let values = Gen.zip (Gen.choose (-999999, 999999)) (Gen.choose (-4, 0)) |> Gen.map (fun (m, e) -> float m / 1e6 * 10.0 ** float e)
    Prop.forAll (Arb.fromGen values) (fun a ->
        let text = MethodResult(result.Run, result.DistanceToTarget, a).DiagonalText
        let noise = MethodResult(result.Run, result.DistanceToTarget, a * 1e-14).DiagonalText
        let back = Double.Parse(text, Globalization.CultureInfo.InvariantCulture)
        ((a = 0.0 && text = "0") || (significant text = 6 && abs (back - a) <= 5e-6 * abs a)) |@ sprintf "%g as %s" a text
        .&. ((noise = "0") |@ sprintf "%g as %s" (a * 1e-14) noise))

// ---- 5. FromJson's constant hint ---------------------------------------------------------------------------------

[<Theory>]
[<InlineData("k*x0", "k")>]
[<InlineData("k*x0 + c", "c,k")>]
[<InlineData("g*sin(x0) + x1", "g")>]
let ``a problem file without variables and a start short of a constant gives FromText's hint in the file's terms`` (sim: string, constants: string) =
    let likely = constants.Split ','
    let components = sim.Split ';' |> Array.map (fun c -> sprintf "\"%s\"" (c.Trim()))
    let json = sprintf """{"simulator": [%s], "target": [2], "start": [1%s]}""" (String.Join(", ", components)) (if sim.Contains "x1" then ", 1" else "")
    let fromJson = Assert.ThrowsAny<SymbolicException>(fun () -> PhysicsProblem.FromJson json |> ignore)
    let fromText = Assert.ThrowsAny<SymbolicException>(fun () -> PhysicsProblem.FromText(sim, [| 2.0 |], (if sim.Contains "x1" then [| 1.0; 1.0 |] else [| 1.0 |])) |> ignore)
    for message in [ fromJson.Message; fromText.Message ] do
        Assert.Contains(sprintf "if %s %s" (String.Join(" and ", likely)) (if likely.Length = 1 then "is a constant" else "are constants"), message)
        // The API's messages name no command-line option.
        Assert.DoesNotContain("--", message)
    Assert.Contains("\"parameters\": {", fromJson.Message)
    // The same problem with its variables listed: the count alone is wrong, and no constant is guessed at.
    let listed = json.Replace("{\"simulator\"", "{\"variables\": [\"x0\"], \"simulator\"")
    if not (sim.Contains "x1") then
        let plain = Assert.ThrowsAny<SymbolicException>(fun () -> PhysicsProblem.FromJson listed |> ignore)
        Assert.DoesNotContain("\"parameters\"", plain.Message)
    // The CLI's --problem gives the API's advice, with the file's path.
    let file = Path.Combine(Path.GetTempPath(), sprintf "polish34-%s.json" (Guid.NewGuid().ToString "N"))
    File.WriteAllText(file, json)
    try
        let code, _, err = Cli.run [ "compare"; "--problem"; file; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-polish34") ]
        Assert.Equal(2, code)
        Assert.Contains(file, flat err)
        Assert.Contains("\"parameters\": {", flat err)
    finally
        File.Delete file

// ---- 6. one definition of "probably a constant" ------------------------------------------------------------------

[<Property(MaxTest = 25)>]
let ``derive's note on variables read from --simulator names exactly ProblemDefinition.LikelyConstants`` () =
    let names = Gen.subListOf [ "x0"; "x1"; "X2"; "x"; "k"; "th"; "v" ] |> Gen.filter (fun l -> not l.IsEmpty)
    Prop.forAll (Arb.fromGen names) (fun names ->
        let names = List.ofSeq names
        let sim = String.Join(" + ", names |> List.map (fun n -> n + "^2"))
        let code, _, err = Cli.run [ "derive"; "--simulator"; sim; "--methods"; "gd" ]
        let likely = ProblemDefinition.LikelyConstants(ProblemDefinition.InferVariables(names, null))
        let note = err.Replace("\r", "").Split('\n') |> Array.tryFind (fun l -> l.Contains "inferred from --simulator")
        (code = 0 |@ err)
        .&. (match note with
             | None -> likely.Length = 0 |@ sprintf "no note, but %A look like constants" likely
             | Some _ ->
                 let said = Regex.Match(flat err, @"if (.*?) is a constant").Groups.[1].Value.Split(" or ")
                 (set said = set likely) |@ sprintf "note names %A, LikelyConstants %A" said likely))
