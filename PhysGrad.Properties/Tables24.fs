/// Tables that read at any size (issue 12, item 5; tables24): compare's table of the README's main job and of
/// typical problems fits 100 columns with every run on one line (the distance column's header says "in x",
/// the iteration limit reads "IterationLimit (10)"; with three or four variables final x has fewer digits, the same
/// for every component), the CSV writes an overflowed loss as its carried size,
/// stderr is wrapped at 100 columns as stdout is, and a header line breaks outside its vector.
module PhysGrad.Properties.Tables24

open System
open System.Globalization
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic

let private outDir (name: string) =
    Path.Combine(Path.GetTempPath(), "physgrad-tables24-" + name + "-" + Guid.NewGuid().ToString("N"))

/// The table of a compare run: its header line and the lines up to the blank line after it.
let private table (out: string) =
    out.Replace("\r", "").Split('\n')
    |> Array.skipWhile (fun l -> not (l.StartsWith "method "))
    |> Array.takeWhile (fun l -> l.Trim() <> "")

/// Asserts that the table has one line per method, in order, each within 100 columns, and returns the rows' cells.
let private oneLineRows (out: string) (methods: string list) =
    let lines = table out
    Assert.True(lines.Length = methods.Length + 1, sprintf "%d methods, table lines:\n%s" methods.Length (String.Join("\n", lines)))
    for l in lines do
        Assert.True(l.Length <= 100, sprintf "a line of %d columns:\n%s" l.Length out)
    lines.[1..]
    |> Array.mapi (fun i l ->
        let cells = Text.RegularExpressions.Regex.Split(l.Trim(), " {2,}")
        Assert.Equal(List.item i methods, cells.[0])
        cells)

[<Fact>]
let ``the README's main job prints its table in 100 columns, each run on one line`` () =
    let code, out, err = Cli.run [ "compare"; "--out"; outDir "book" ]
    Assert.True((code = 0), err)
    let header = (table out).[0]
    Assert.Equal<string list>(
        [ "method"; "eta"; "final x"; "final loss"; "distance in x"; "diagonal"; "stop" ],
        List.ofArray (Text.RegularExpressions.Regex.Split(header.Trim(), " {2,}")))
    let rows = oneLineRows out [ "gd"; "newton"; "pg"; "ig" ]
    for cells in rows do
        Assert.Equal(7, cells.Length)
        // Ten iterations each, the default: the limit reached, named as the stop reason is everywhere else.
        Assert.Equal("iteration limit (10)", cells.[6])
        // The distance is a number: its space is in the header, said once.
        Double.Parse(cells.[4], CultureInfo.InvariantCulture) |> ignore
    // PG's distance to x* = 0 is its final point's norm: 3·0.7¹⁰ and 3·0.7⁵ (docs/theory.md §4).
    let pg = rows.[2]
    Assert.Equal(sqrt ((3.0 * 0.7 ** 10.0) ** 2.0 + (3.0 * 0.7 ** 5.0) ** 2.0), Double.Parse(pg.[4], CultureInfo.InvariantCulture), 5)

[<Theory>]
[<InlineData("exp(x0 + x1); x0 - x1", "2,1", "0,0", "gd:0.3,ig:0.5,pg:0.5", "5")>]
[<InlineData("x0; x1^2", "1,4", "3,3", "gd:0.001,adam:0.001,lbfgs:0.01", "1000")>]
[<InlineData("x0^2; x1^3", "4,8", "1,1", "ig:0.5,pg:0.5,hig:0.5,gn:0.5", "10")>]
let ``typical problems print one line per run within 100 columns`` (simulator: string, target: string, start: string, methods: string, iterations: string) =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; simulator; "--target"; target; "--start"; start; "--methods"; methods; "--iterations"; iterations; "--out"; outDir "typical" ]
    Assert.True((code = 0), err)
    let names = methods.Split(',') |> Array.map (fun m -> m.Split(':').[0]) |> List.ofArray
    let rows = oneLineRows out names
    Assert.Contains("distance in x", (table out).[0])
    for cells in rows do
        // Each run stops at the limit (none converges within it here), named with the limit reached.
        Assert.Equal($"iteration limit ({iterations})", cells.[6])

/// As oneLineRows, for a table whose rows may be followed by their fallbacks (lines indented by 9 spaces, not cells):
/// no cell of a row is moved under it ("    stop: …") or wrapped onto a line of its own.
let private oneLineRowsWithFallbacks (out: string) (methods: string list) =
    let lines = table out
    let cellLine = Text.RegularExpressions.Regex("^ {4}(method|eta|final x|final loss|distance|distance in [xy]|diagonal|stop): ")
    for l in lines do
        Assert.True(l.Length <= 100, sprintf "a line of %d columns:\n%s" l.Length out)
        Assert.False(cellLine.IsMatch l, sprintf "a cell moved under its row:\n%s" out)
    let rows = lines |> Array.filter (fun l -> not (l.StartsWith " "))
    Assert.True(rows.Length = methods.Length + 1, sprintf "%d methods, table lines:\n%s" methods.Length (String.Join("\n", lines)))
    // Whatever is indented is a fallback of the row above it (9 spaces, compare's SkipLines), not a part of a cell.
    Assert.All(lines |> Array.filter (fun l -> l.StartsWith " "), fun l -> Assert.StartsWith("         ", l))
    rows.[1..]
    |> Array.mapi (fun i l ->
        let cells = Text.RegularExpressions.Regex.Split(l.Trim(), " {2,}")
        Assert.Equal(List.item i methods, cells.[0])
        cells)

/// The significant digits of a number as printed (1.27 → 3, 0.0426 → 3, 0.3760 → 4, -1.00E-08 → 3).
let private significantDigits (text: string) =
    let mantissa = text.TrimStart('-').Split('E').[0].Replace(".", "")
    mantissa.TrimStart('0').Length

/// Each final point of the table as printed beside the run's final point from the JSON: every component has the
/// same digits, and is the exact component rounded to them.
let private finalXAsPrinted (cells: string[][]) (json: Text.Json.JsonElement) =
    let digits =
        [ for cells, m in Array.zip cells [| for m in json.GetProperty("methods").EnumerateArray() -> m |] do
            let printed = cells.[2].TrimStart('[').TrimEnd(']').Split(", ")
            let exact = [| for v in m.GetProperty("final").EnumerateArray() -> v.GetDouble() |]
            Assert.Equal(exact.Length, printed.Length)
            for text, x in Array.zip printed exact |> Array.filter (fun (_, x) -> x <> 0.0) do
                let d = significantDigits text
                // Half a unit in the last printed digit.
                let unit = 10.0 ** (floor (log10 (abs x)) - float d + 1.0)
                Assert.True(abs (Double.Parse(text, CultureInfo.InvariantCulture) - x) <= 0.5 * unit * (1.0 + 1e-9), sprintf "%s for %.17g" text x)
                yield d ]
    Assert.Single(List.distinct digits) |> ignore
    List.head digits

[<Theory>]
[<InlineData("x0 + x1 + x2; x0*x1; sin(x2)", "3,2,0.5", "0.5,0.5,0.5", "", "10")>]
[<InlineData("x0 + x1 + x2 + x3; x0*x1; sin(x2); x3^2", "3,2,0.5,1", "0.5,0.5,0.5,0.5", "", "10")>]
// 300 iterations, not 1000: "iteration limit (1000)" (verdicts30: words, one column wider than "IterationLimit (1000)")
// takes this table to 101 columns at 3 digits, and it folds final x under each row instead.
[<InlineData("exp(x0) + x1; x1 - x2; x2*x3; x0 + x3", "2,1,0.5,1", "0,0,0,0", "gd:0.001,adam:0.001,lbfgs:0.01", "300")>]
[<InlineData("exp(x0) + x1; x1 - x2; x2*x3; x0 + x3", "2,1,0.5,1", "0,0,0,0", "gd:0.3,ig:0.5,pg:0.5,gd:0.1", "10")>]
let ``three and four variables print one line per run within 100 columns, final x to fewer digits`` (simulator: string, target: string, start: string, methods: string, iterations: string) =
    // The 3-variable table ran to 104 columns and put each stop cell on a line of its own under its row.
    let args =
        [ "compare"; "--simulator"; simulator; "--target"; target; "--start"; start; "--iterations"; iterations ]
        @ (if methods = "" then [] else [ "--methods"; methods ])
    let code, out, err = Cli.run (args @ [ "--out"; outDir "wide" ])
    Assert.True((code = 0), err)
    let code, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; outDir "wideJson" ])
    Assert.True((code = 0), err)
    let root = (Text.Json.JsonDocument.Parse json).RootElement
    let labels = [ for m in root.GetProperty("methods").EnumerateArray() -> m.GetProperty("label").GetString() ]
    let rows = oneLineRowsWithFallbacks out labels
    for cells in rows do
        Assert.Equal(7, cells.Length)
        Assert.Equal($"iteration limit ({iterations})", cells.[6])
    let digits = finalXAsPrinted rows root
    Assert.InRange(digits, PhysGrad.Cli.CompareCommand.FewestFinalXDigits, 5)
    // A header without the distances' space stands under a line that says it.
    let lines = out.Replace("\r", "").Split('\n')
    let header = (table out).[0]
    if not (header.Contains "distance in") then
        let above = TestHelpers.unwrapped (String.Join("\n", lines |> Array.takeWhile (fun l -> not (l.StartsWith "method "))))
        Assert.Matches("distances are in [xy]", above)

[<Fact>]
let ``two variables keep six digits in final x`` () =
    let args = [ "compare"; "--simulator"; "exp(x0 + x1); x0 - x1"; "--target"; "2,1"; "--start"; "0,0"; "--methods"; "gd:0.3,ig:0.5,pg:0.5"; "--iterations"; "5" ]
    let code, out, err = Cli.run (args @ [ "--out"; outDir "two" ])
    Assert.True((code = 0), err)
    let code, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; outDir "twoJson" ])
    Assert.True((code = 0), err)
    Assert.Equal(6, finalXAsPrinted (oneLineRows out [ "gd"; "ig"; "pg" ]) (Text.Json.JsonDocument.Parse json).RootElement)
    Assert.Contains("distance in x", (table out).[0])

[<Fact>]
let ``a distance without a target says n/a under a header that names no space`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0; x1^2"; "--loss"; "y0^2 + y1^2"; "--start"; "1,2"; "--methods"; "gd:0.1"; "--iterations"; "2"; "--out"; outDir "noTarget" ]
    Assert.True((code = 0), err)
    let header = (table out).[0]
    Assert.Contains("  distance  ", header)
    Assert.DoesNotContain("distance in", header)
    let rows = oneLineRows out [ "gd" ]
    Assert.Equal("n/a", rows.[0].[4])

[<Fact>]
let ``the CSV writes an overflowed loss as its carried size, not Infinity`` () =
    // y = (x0, x1) from (1, 1) towards (1E+200, 3E+199): L = ½‖y − y*‖² ≈ 5.45E+399 at the start, +∞ as a
    // double; GN moves towards y* and L stays above the double range for two steps.
    let target = [| 1e200; 3e199 |]
    let args = [ "compare"; "--simulator"; "x0; x1"; "--target"; "1e200,3e199"; "--start"; "1,1"; "--methods"; "gn:0.3"; "--iterations"; "2" ]
    let code, csv, err = Cli.run (args @ [ "--format"; "csv"; "--out"; outDir "csv" ])
    Assert.True((code = 0), err)
    let lines = csv.Replace("\r", "").TrimEnd('\n').Split('\n')
    Assert.Equal("method,eta,iteration,x0,x1,y0,y1,loss,stop,lossRose,stopWords", lines.[0])
    Assert.DoesNotContain("Infinity", csv)
    for line in lines.[1..] do
        let f = line.Split(',')
        let x = [| Double.Parse(f.[3], CultureInfo.InvariantCulture); Double.Parse(f.[4], CultureInfo.InvariantCulture) |]
        // The loss at the row's own point, formed in Wide from its residual.
        let loss = (Array.map2 (fun xi ti -> let r = Wide.Of(xi - ti) in r * r) x target |> Array.reduce (+)) / Wide.Of 2.0
        Assert.True(loss.OutsideDoubles, loss.ToString())
        // "m.mmmE+ddd": its logarithm is the loss's to 10 significant digits.
        let m, e = let at = f.[7].IndexOf 'E' in f.[7].Substring(0, at), f.[7].Substring(at + 1)
        let log10 = Math.Log10(Double.Parse(m, CultureInfo.InvariantCulture)) + float (Int32.Parse(e, CultureInfo.InvariantCulture))
        Assert.True(abs (log10 - loss.Log10) < 1e-9, sprintf "%s: log10 %.12f, the loss's %.12f" f.[7] log10 loss.Log10)
        // A reader that parses doubles still reads +∞, as it did from "Infinity".
        Assert.Equal(infinity, Double.Parse(f.[7], CultureInfo.InvariantCulture))
    // The table shows the same final loss, to its 6 digits.
    let code, out, err = Cli.run (args @ [ "--out"; outDir "csvTable" ])
    Assert.True((code = 0), err)
    let last = lines.[lines.Length - 1].Split(',').[7]
    let shown = (oneLineRows out [ "gn" ]).[0].[3]
    let value (s: string) = let at = s.IndexOf 'E' in Double.Parse(s.Substring(0, at), CultureInfo.InvariantCulture), Int32.Parse(s.Substring(at + 1), CultureInfo.InvariantCulture)
    let (ms, es), (mc, ec) = value shown, value last
    Assert.Equal(es, ec)
    Assert.Equal(ms, mc, 5)

[<Fact>]
let ``stderr lines are wrapped at 100 columns as stdout is, and read whole again when joined`` () =
    // sqrt(x0) from 0: both runs' first derivatives are infinite; each failed run's line on stderr ran to 190
    // columns.
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "sqrt(x0)"; "--target"; "1"; "--start"; "0"; "--methods"; "gd:0.1,gn:1"; "--out"; outDir "stderr" ]
    Assert.Equal(1, code)
    let lines = err.Replace("\r", "").TrimEnd('\n').Split('\n')
    Assert.True(lines.Length > 2, err)
    for l in lines do
        Assert.True(l.Length <= 100, sprintf "a stderr line of %d columns:\n%s" l.Length err)
    // Each message starts a line; its continuations are indented by two spaces.
    Assert.Equal(2, lines |> Array.filter (fun l -> l.StartsWith "physgrad: ") |> Array.length)
    Assert.True(lines |> Array.forall (fun l -> l.StartsWith "physgrad: " || l.StartsWith "  "), err)
    Assert.Contains(
        "physgrad: gd diverged: the gradient entry ∂L/∂x0 = -Infinity at x = [0]: step 1 cannot be taken (tried as a limit: the gradient entry ∂L/∂x0 = -Infinity from its formula; no finite derivative there: the difference quotients grow without bound).",
        TestHelpers.unwrapped err)
    // The notes of the machine formats' runs too (stdout is JSON, not wrapped).
    let code, json, err =
        Cli.run [ "compare"; "--simulator"; "sqrt(x0)"; "--target"; "1"; "--start"; "0"; "--methods"; "gd:0.1,gn:1"; "--format"; "json"; "--out"; outDir "stderrJson" ]
    Assert.Equal(1, code)
    Text.Json.JsonDocument.Parse json |> ignore
    Assert.True(err.Replace("\r", "").Split('\n') |> Array.forall (fun l -> l.Length <= 100), err)

[<Fact>]
let ``the x* line breaks outside its vector`` () =
    // 113 characters: it broke as "x* = [0.846574," / "-0.153426] is the preimage …".
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "exp(x0 + x1); x0 - x1"; "--target"; "2,1"; "--start"; "0,0"; "--methods"; "gd:0.3"; "--iterations"; "1"; "--out"; outDir "xstar" ]
    Assert.True((code = 0), err)
    let lines = out.Replace("\r", "").Split('\n')
    let at = lines |> Array.findIndex (fun l -> l.StartsWith "x* = ")
    Assert.StartsWith("x* = [0.846574, -0.153426] is the preimage of y* found from the start", lines.[at])
    Assert.True(lines.[at].Length <= 100 && lines.[at + 1].StartsWith "  " && lines.[at + 1].Length <= 100, out)
    Assert.Contains(
        "x* = [0.846574, -0.153426] is the preimage of y* found from the start by the derived local inverse: distances are in x.",
        TestHelpers.unwrapped out)

[<Fact>]
let ``WrapTitle keeps a bracket whole where it fits and breaks inside one only where it does not`` () =
    let title = "x* = [1.00000E+08, 1.00000E-08, 3.00000] is a preimage of y* found from the start by Newton's method"
    let lines = (Training.WrapTitle(title, 60)).Split('\n')
    Assert.Equal(title, String.Join(" ", lines))
    Assert.True(lines |> Array.forall (fun l -> l.Length <= 60), sprintf "%A" lines)
    Assert.StartsWith("x* = [1.00000E+08, 1.00000E-08, 3.00000]", lines.[0])
    // A bracket longer than the line still breaks, after its commas.
    let long = "v = [" + String.Join(", ", Array.init 30 (fun i -> $"{i}.12345")) + "] at the end"
    let lines = (Training.WrapTitle(long, 60)).Split('\n')
    Assert.Equal(long, String.Join(" ", lines))
    Assert.True(lines |> Array.forall (fun l -> l.Length <= 60), sprintf "%A" lines)
    Assert.True(lines |> Array.take (lines.Length - 1) |> Array.forall (fun l -> l.EndsWith ","), sprintf "%A" lines)
