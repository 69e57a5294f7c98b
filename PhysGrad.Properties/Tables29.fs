/// How numbers are shown (tables29, a new-user trial): one rule for a table's significant digits (six, E-notation
/// beyond, the same for negative numbers, an exact zero as 0), η as given (round-trip), a generated target written as
/// the decimal it stands for, one layout of compare's stop column, result types' ToString() in words, and JSON that
/// says where the plots went with no progress lines on a stderr that is not a terminal.
module PhysGrad.Properties.Tables29

open System
open System.Diagnostics
open System.Globalization
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

let private outDir (name: string) =
    Path.Combine(Path.GetTempPath(), "physgrad-tables29-" + name + "-" + Guid.NewGuid().ToString("N"))

/// The lines of compare's table, from its header to the blank line after it (rows, fallbacks, folded cells, notes).
let private table (out: string) =
    out.Replace("\r", "").Split('\n')
    |> Array.skipWhile (fun l -> not (l.StartsWith "method "))
    |> Array.takeWhile (fun l -> l.Trim() <> "")

/// The cells of the table's row of run <paramref name="label"/> (columns two or more spaces apart).
let private row (out: string) (label: string) =
    table out |> Array.find (fun l -> l.StartsWith(label + " ")) |> fun l -> Regex.Split(l.Trim(), " {2,}")

/// The significant digits of a number as a table prints it (1.58740 has 6, -2.0000 has 5, 9.3647E-31 has 5).
let private significant (text: string) =
    text.TrimStart('-').Split('E').[0].Replace(".", "").TrimStart('0').Length

// ---- 1. one rule for significant digits --------------------------------------------------------------------

[<Fact>]
let ``a 1-variable table prints final x, x* and the losses with six digits, negative as positive, and an exact zero as 0`` () =
    // Was: [-2.0000], [9.3647E-31] (5 digits, because pg's stop was too long for its column) and 0.00000.
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0^3"; "--target"; "-8"; "--start"; "1"; "--methods"; "gd:0.01,newton:1,pg:1"
                  "--iterations"; "100"; "--out"; outDir "digits" ]
    Assert.True((code = 0), err)
    Assert.Contains("x* = [-2.00000]", out)
    for label in [ "gd"; "newton"; "pg" ] do
        let cells = row out label
        let x = cells.[2].Trim('[', ']')
        if Double.Parse(x, CultureInfo.InvariantCulture) <> 0.0 then
            Assert.True(significant x = 6, sprintf "%s's final x %s has %d digits:\n%s" label x (significant x) out)
    let pg = row out "pg"
    Assert.Equal("[-2.00000]", pg.[2])
    Assert.Equal("0", pg.[3])
    Assert.Equal("0", pg.[4])
    Assert.DoesNotContain("0.00000", String.Join("\n", table out))

[<Property(MaxTest = 200)>]
let ``a table number has the same digits for -x as for x, and only an exact zero prints as 0`` (NormalFloat x) =
    let text = NumberText.Table x
    NumberText.Table 0.0 = "0" && NumberText.Table -0.0 = "0"
    && ((x = 0.0 && text = "0")
        || (x <> 0.0 && NumberText.Table(-x) = (if x > 0.0 then "-" + text else text.TrimStart('-')) && significant text = 6))

// ---- 2. η as given --------------------------------------------------------------------------------------

/// η as printed, read back as --methods reads it (a decimal, or a fraction p/q).
let private readStep (text: string) =
    match NumberText.TryReadFraction text with
    | true, v -> v
    | _ -> Double.Parse(text, CultureInfo.InvariantCulture)

[<Property(MaxTest = 300)>]
let ``a step size prints as text that reads back to the same double`` (PositiveInt k) (PositiveInt d) (NormalFloat x) =
    // 1/3 printed 0.3333, which is another step size; any positive double reads back as itself.
    [ float k / float (d + 2); abs x + Double.Epsilon ] |> List.forall (fun eta -> readStep (Numbers.StepSize eta) = eta)

[<Fact>]
let ``compare's eta column, label and legend give 1/3 exactly, and --methods reads what they print`` () =
    // Was 0.3333 in the eta column and the legend, next to the label gd:0.3333333333333333 of the same run.
    let run (methods: string) =
        let code, out, err =
            Cli.run [ "compare"; "--simulator"; "2*x0"; "--target"; "4"; "--start"; "1"; "--methods"; methods; "--iterations"; "3"
                      "--format"; "json"; "--out"; outDir "eta" ]
        Assert.True((code = 0), err)
        [ for m in (JsonDocument.Parse out).RootElement.GetProperty("methods").EnumerateArray() -> m.GetProperty("label").GetString(), m.GetProperty("eta").GetDouble() ]
    Assert.Equal<(string * float) list>([ "gd:1/3", 1.0 / 3.0; "gd:0.3333", 0.3333 ], run "gd:0.3333333333333333,gd:0.3333")
    Assert.Equal<(string * float) list>([ "gd:1/3", 1.0 / 3.0; "gd:0.1", 0.1 ], run "gd:1/3,gd:0.1")
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "2*x0"; "--target"; "4"; "--start"; "1"; "--methods"; "gd:0.3333333333333333"; "--iterations"; "3"
                  "--out"; outDir "eta" ]
    Assert.True((code = 0), err)
    Assert.Equal("1/3", (row out "gd").[1])
    Assert.Equal("gd (η = 1/3)", TrajectoryPlots.LegendName("gd", "gd", 1.0 / 3.0))

// ---- 3. a generated target is the decimal it stands for ------------------------------------------------------

[<Fact>]
let ``check's generated target is written in JSON as 0.4356, not as 0.66 squared in doubles`` () =
    let code, json, err = Cli.run [ "check"; "--simulator"; "x0^2; x1"; "--format"; "json" ]
    Assert.True(code = 0 || code = 1, err)
    let target = (JsonDocument.Parse json).RootElement.GetProperty("target")
    Assert.Equal<string list>([ "0.4356"; "0.63" ], [ for v in target.EnumerateArray() -> v.GetRawText() ])

[<Property(MaxTest = 100)>]
let ``a generated target and its x′ have at most 15 significant digits, and y* is P(x′) to 1E-14`` (k0: int) (k1: int) =
    let at = [| float (k0 % 3000) / 1000.0; float (k1 % 3000) / 1000.0 |]
    let definition = ProblemDefinition([| "x0"; "x1" |], [| "x0^2 + 1.06*x1"; "x0*x1 - 0.7" |], null, [||], [||])
    let generated = definition.GenerateTarget at
    let image = [| generated.Point.[0] ** 2.0 + 1.06 * generated.Point.[1]; generated.Point.[0] * generated.Point.[1] - 0.7 |]
    Seq.append generated.Point generated.Target |> Seq.forall (fun v -> NumberText.RoundTrip(v).TrimStart('-').Replace(".", "").Split('E').[0].TrimStart('0').Length <= 15)
    |@ sprintf "x′ = %A, y* = %A" generated.Point generated.Target
    .&. (Array.forall2 (fun (a: float) b -> abs (a - b) <= 1e-14 * (1.0 + abs a)) image (Array.ofSeq generated.Target)
         |@ sprintf "P(x′) = %A, y* = %A" image generated.Target)

// ---- 4. one layout of the stop column -----------------------------------------------------------------------

[<Fact>]
let ``a stop too long for its column is never folded under its row: the column holds the reason, a note the rest`` () =
    // Was "    stop: Diverged: the gradient entry …" under each row here, and "Converged" with a note elsewhere.
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "sqrt(x0)"; "--target"; "1"; "--start"; "0"; "--methods"; "gd:0.1,gn:1"; "--out"; outDir "stops" ]
    Assert.True((code = 1), err)
    let lines = table out
    Assert.DoesNotContain(lines, fun l -> l.TrimStart().StartsWith "stop:")
    Assert.EndsWith("  stop", lines.[0])
    for label in [ "gd"; "gn" ] do
        Assert.Equal("diverged", (row out label).[6])
    let notes = TestHelpers.unwrapped (String.Join("\n", lines))
    Assert.Contains("Stop of gd: diverged: the gradient entry ∂L/∂x0 = -Infinity at x = [0]", notes)
    Assert.Contains("Stop of gn: diverged: the Jacobian entry", notes)

// ---- 5. result types in words ------------------------------------------------------------------------------

[<Fact>]
let ``a comparison, its x* and the list Compare returns print in words, not enum names`` () =
    let p = PhysicsProblem.FromText("x0^3", [| -8.0 |], [| 1.0 |])
    let comparison = p.CompareMethods([| struct (Method.GradientDescent, 0.01); struct (Method.PhysicalGradient, 1.0) |], 5)
    let text = comparison.ToString()
    for name in [ "PreimageNearStart"; "DerivedInverse"; "IterationLimit"; "Converged:" ] do
        Assert.DoesNotContain(name, text)
    Assert.Contains("x* = [-2], the preimage of y* found from the start by the derived local inverse", text)
    Assert.Contains("stopped at the iteration limit: 5 iterations", text)
    let results = p.Compare([| struct (Method.GradientDescent, 0.01); struct (Method.PhysicalGradient, 1.0) |], 5)
    Assert.Equal(String.Join(Environment.NewLine, results |> Seq.map string), results.ToString())
    Assert.Contains("converged: ", results.ToString())

// ---- 6. JSON names the plots; progress only on a terminal -------------------------------------------------

[<Fact>]
let ``compare's JSON lists the plots it wrote`` () =
    let dir = outDir "json"
    let code, json, err =
        Cli.run [ "compare"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; "1"; "--methods"; "gd:0.1"; "--iterations"; "2"
                  "--format"; "json"; "--out"; dir ]
    Assert.True((code = 0), err)
    let plots = [ for v in (JsonDocument.Parse json).RootElement.GetProperty("plots").EnumerateArray() -> v.GetString() ]
    Assert.Contains(Path.Combine(dir, "x-space.png"), plots)
    Assert.Contains(Path.Combine(dir, "loss.svg"), plots)
    for path in plots do
        Assert.True(File.Exists path, path)

[<Fact>]
let ``a large compare with stderr piped writes no progress lines there`` () =
    // 1024 cells told their phases at once on any stderr ("physgrad: drawing the plots … (3.1 s in)"), also a pipe.
    let dll = Path.Combine(AppContext.BaseDirectory, "physgrad.dll")
    let info =
        ProcessStartInfo("dotnet",
            [ dll; "compare"; "--example"; "heat1d"; "--n"; "1024"; "--methods"; "gd"; "--iterations"; "1"; "--format"; "json"
              "--out"; outDir "piped" ])
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    use proc = Process.Start info
    let out = proc.StandardOutput.ReadToEndAsync()
    let err = proc.StandardError.ReadToEndAsync()
    Assert.True(proc.WaitForExit(TimeSpan.FromMinutes 3.0))
    Assert.True((proc.ExitCode = 0), err.Result)
    Assert.DoesNotContain("physgrad: drawing the plots", err.Result)
    Assert.DoesNotContain("physgrad: tracing", err.Result)
    let plots = [ for v in (JsonDocument.Parse out.Result).RootElement.GetProperty("plots").EnumerateArray() -> Path.GetFileName(v.GetString()) ]
    Assert.Contains("x-space.png", plots)
