/// Messages and layout of the 33rd round: help laid out for 80 columns where the reader's width is not known (and for the
/// terminal's when it is), compare's method table aligned at every width; a power that has no value (0^-1, (-8)^(1/3), a
/// parameter's value in the exponent, a start that leaves x0^k undefined) refused with where and what to write instead,
/// 0^0 = 1; a stall said once as such ("no progress is possible in floating point"); train's settings in a table of their
/// own where its rows do not fit, by compare's rule for final x.
module PhysGrad.Properties.Msgs33

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Properties.MessageTests

// ---- 1. help at the reader's width ----------------------------------------------------------------------------------

// The root and every subcommand, as --help is asked of them.
let private commands () =
    use sink = new StringWriter()
    let root = PhysGrad.Cli.CliApp.Root(new PhysGrad.Cli.LineWidth(sink), sink, sink)
    [ [] ] @ [ for c in root.Subcommands -> [ c.Name ] ]

[<Fact>]
let ``every command's help fits 80 columns when the reader's width is not known`` () =
    // In-process (the tests' writers) as piped to a file: no terminal to measure.
    Assert.Equal(80, PhysGrad.Cli.FittedHelp.WidthFor(new StringWriter()))
    for command in commands () do
        let code, out, err = run (command @ [ "--help" ])
        Assert.True((code = 0), err)
        // Before: laid out for 100 columns (compare's up to 113), which an 80-column terminal wrapped again.
        assertWithin 80 (String.Join(" ", command @ [ "--help" ])) out
    let _, help, _ = run [ "compare"; "--help" ]
    assertMethodTable 80 help

// compare's help as it is written at `width` columns.
let private compareHelpAt (width: int) =
    use sink = new StringWriter()
    use out = new StringWriter()
    let root = PhysGrad.Cli.CliApp.Root(new PhysGrad.Cli.LineWidth(sink), sink, sink, width)
    let code = root.Parse([| "compare"; "--help" |]).Invoke(System.CommandLine.InvocationConfiguration(Output = out))
    Assert.Equal(0, code)
    out.ToString()

[<Theory>]
[<InlineData(60)>]
[<InlineData(72)>]
[<InlineData(80)>]
[<InlineData(100)>]
[<InlineData(132)>]
let ``compare's method table stays aligned in its column at a terminal's width`` (width: int) =
    let help = compareHelpAt width
    assertMethodTable width help
    // Every description whole, word for word, from 80 columns on (narrower, System.CommandLine cuts a long token).
    if width >= 80 then Assert.Equal(spaced (compareHelpAt 100), spaced help)

// ---- 2. powers without a value -------------------------------------------------------------------------------------

[<Theory>]
[<InlineData("x0 + 0^-1", 7, "0 to a negative power is a division by zero")>]
[<InlineData("x0 + 0^(-0.5)", 7, "write a base ≠ 0, or a power ≥ 0")>]
[<InlineData("x0*(-8)^(1/3)", 8, "cbrt(-8) for the real cube root")>]
[<InlineData("x0 + (-2)^0.5", 10, "a negative base to a power that is not a whole number")>]
let ``a constant power without a value is refused at its '^' with what to write`` (text: string, column: int, hint: string) =
    // Before: 0^-1 was "rewrite it so that no divisor is exactly 0" (it has none), (-8)^(1/3) had no word of cbrt.
    let said = refusedAt [ "compare"; "--simulator"; text; "--start"; "1"; "--target"; "1" ] column hint
    Assert.Contains("has no real value at any point", said)
    Assert.Contains(sprintf "column %d" column, refusedAt [ "diff"; "-f"; text ] column hint)

[<Fact>]
let ``0^0 is 1, as IEEE pow takes it, whether written or from a parameter and the start`` () =
    let code, out, err = run [ "diff"; "-f"; "x0 + 0^0"; "--at"; "2" ]
    Assert.True((code = 0), err)
    Assert.Contains("f = 3", out)
    let code, _, err = run [ "compare"; "--vars"; "x0"; "--simulator"; "x0^k"; "--param"; "k=0"; "--start=0"; "--target"; "1"; "--iterations"; "2"; "--format"; "csv" ]
    Assert.True((code = 0), err)

[<Theory>]
[<InlineData("0.5", "-1", "x0 ≥ 0 for x0^k fails (x0 = -1)")>]
[<InlineData("-1", "0", "x0 ≠ 0 for x0^k fails (x0 = 0)")>]
[<InlineData("-0.5", "0", "x0 > 0 for x0^k fails (x0 = 0)")>]
let ``a start where x0^k has no value at the parameter's value is refused as outside the domain`` (k: string, start: string, condition: string) =
    // Before: the runs started at NaN or ∞ and "diverged" at iteration 0 (exit 1).
    let said = refused [ "compare"; "--vars"; "x0"; "--simulator"; "x0^k"; "--param"; "k=" + k; "--start=" + start; "--target"; "1" ]
    Assert.Contains(sprintf "The start [%s] is outside the domain of the problem" start, said)
    Assert.Contains(condition, said)
    Assert.Contains("Give a start where the condition holds", said)

[<Fact>]
let ``a whole power of a negative start and a variable exponent are judged by the exponent's value`` () =
    // x0^k at k = 2 is defined for x0 < 0: it runs.
    let code, _, err = run [ "compare"; "--vars"; "x0"; "--simulator"; "x0^k"; "--param"; "k=2"; "--start=-1"; "--target"; "2"; "--iterations"; "2"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    // x0^x1 at x1 = 0.5 is not, for x0 = -1.
    let said = refused [ "compare"; "--simulator"; "x0^x1; x1"; "--start=-1,0.5"; "--target"; "1,1" ]
    Assert.Contains("x0 ≥ 0 for x0^x1 fails (x0 = -1)", said)

[<Fact>]
let ``a parameter given as 0 that a power divides by is named without the underflow hint`` () =
    let said = refused [ "compare"; "--vars"; "x0"; "--simulator"; "x0 + k^(-1)"; "--param"; "k=0"; "--start"; "1"; "--target"; "1" ]
    Assert.Contains("undefined at k = 0 (a division by zero)", said)
    // Before: "the floating constant 0.0 … If that 0.0 is a product of constants below the doubles' range …".
    Assert.DoesNotContain("floating constant", said)
    Assert.Contains("give the parameter another value", said)
    // A negative base to a parameter's fractional power, as before.
    Assert.Contains("(-2)^0.5 has no real value", refused [ "compare"; "--vars"; "x0"; "--simulator"; "x0 + (-2)^k"; "--param"; "k=0.5"; "--start"; "1"; "--target"; "1" ])

// ---- 3. a stall said once ------------------------------------------------------------------------------------------

/// The badly scaled valley of Still32 without its slope: L constant along x1 = x0², a maximum in x2 = 0, so the runs that
/// cycle across the valley among neighbouring doubles stop at a saddle they cannot leave.
let private flatValley () =
    VerdictHelpers.problem "1e4*(x1 - x0^2); x2^2" [| 0.0; 1.0 |] [| -1.2; 1.440000000000002; 0.0 |]

let private occurrences (phrase: string) (text: string) =
    (text.Length - text.Replace(phrase, "").Length) / phrase.Length

[<Theory>]
[<InlineData("gd", 2.9e-9)>]
[<InlineData("newton", 1.9)>]
let ``a run stalled among neighbouring doubles says once that no progress is possible, and why it stopped`` (name: string, eta: float) =
    let m = if name = "gd" then Method.GradientDescent else Method.Newton
    let r = Optimizer.Run(flatValley (), m, eta, [| -1.2; 1.440000000000002; 0.0 |], 5000)
    Assert.True(r.StopReason = StopReason.Stalled, $"{r.StopReason}: {r.StopDetail}")
    // Before: "…so no progress is possible in floating point: no progress is possible in floating point; ∂L/∂x is 0 …" (gd),
    // and newton's stop by the same window said "the step … is below the rounding of x", a step of 5E-15 that was not.
    Assert.Equal(1, occurrences "no progress is possible in floating point" r.StopDetail)
    Assert.Contains("has stayed within its rounding", r.StopDetail)
    Assert.DoesNotContain("is below the rounding", r.StopDetail)

// ---- 4. train's settings in a table of their own -------------------------------------------------------------------

[<Fact>]
let ``train's rows that do not fit give their settings a table of their own, as compare gives final x`` () =
    let code, out, err = run [ "train"; "--example"; "exp"; "--steps"; "2" ]
    Assert.True((code = 0), err)
    let lines = linesOf out
    // Before: each row folded its settings under it ("    settings: η=0.001, B=64, Adam, Δy step 1").
    Assert.DoesNotContain(lines, fun l -> l.TrimStart().StartsWith "settings:")
    assertWithin 100 "train --example exp" out
    let header = lines |> Array.findIndex (fun l -> l.StartsWith "method ")
    Assert.DoesNotContain("settings", lines.[header])
    let apart = lines |> Array.findIndex (fun l -> l.StartsWith "method " && l.Contains "settings")
    Assert.True(apart > header)
    // One line per method, its settings beside its name.
    for methodName, settings in [ "adam", "η=0.001, B=64"; "sip-pg", "η=0.001, B=64, Adam, Δy step 1" ] do
        Assert.Contains(lines.[apart + 1 ..], fun l -> l.StartsWith(methodName + " ") && l.TrimEnd().EndsWith settings)
