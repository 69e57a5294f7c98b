/// Numbers in options are read one way whatever the machine's culture: '.' is the decimal point and
/// there are no thousands separators, so "--lambda 1,5" is an error that says to write 1.5 (it used to
/// be read as 15), while options that take lists (--start 1,2) still read the comma as the separator.
module PhysGrad.Properties.DecimalOptions

open System
open System.Globalization
open System.IO
open Xunit

let private run = Cli.run

let private outDir () =
    Path.Combine(Path.GetTempPath(), "physgrad-decimal-" + Guid.NewGuid().ToString "N")

[<Theory>]
[<InlineData("train", "--lambda", "1,5")>]
[<InlineData("train", "--tau", "0,001")>]
[<InlineData("train", "--time", "1,5")>]
[<InlineData("check", "--eta", "0,5")>]
let ``a comma in a single number is refused with the option named and '.' as the advice`` (command: string, option: string, value: string) =
    let code, _, err = run [ command; option; value ]
    Assert.Equal(2, code)
    Assert.Contains(option, err)
    Assert.Contains(sprintf "'%s'" value, err)
    Assert.Contains("'.' as the decimal point", err)

[<Theory>]
[<InlineData("compare", "--iterations", "1,000")>]
[<InlineData("train", "--steps", "1,000")>]
let ``a comma in a whole number is refused: no thousands separators`` (command: string, option: string, value: string) =
    // (diff's --order takes only 1 or 2 and says so.)
    let code, _, err = run [ command; option; value ]
    Assert.Equal(2, code)
    Assert.Contains(option, err)
    Assert.Contains("without separators", err)

[<Fact>]
let ``a parameter value and a method's step size with a decimal comma are refused with the reason`` () =
    let code, _, err = run [ "derive"; "--simulator"; "g*x0; x1"; "--param"; "g=9,81" ]
    Assert.Equal(2, code)
    Assert.Contains("--param g", err)
    Assert.Contains("'.' as the decimal point", err)
    let code, _, err = run [ "compare"; "--methods"; "gd:0,1"; "--iterations"; "2"; "--out"; outDir () ]
    Assert.Equal(2, code)
    Assert.Contains("gd:0,1", err)
    Assert.Contains("'.' as the decimal point", err)
    Assert.Contains("gd:0.1", err)

/// The CSV row of GD's first step, checked against the hand step: every field a number written with a
/// point (a "0,8" would split into two fields and the count would be off).
let private assertStep (out: string) =
    let rows = out.Replace("\r", "").Split('\n', StringSplitOptions.RemoveEmptyEntries)
    let header = rows.[0].Split ','
    let step = rows.[2].Split ','
    Assert.Equal(header.Length, step.Length)
    Assert.Equal("1", step.[2])
    let value (i: int) = Double.Parse(step.[i], NumberStyles.Float, CultureInfo.InvariantCulture)
    Assert.Equal(0.8, value 3, 12)
    Assert.Equal(-1.2, value 4, 12)

[<Fact>]
let ``lists stay comma-separated: --start 1,2 is the point (1, 2)`` () =
    // The book's problem given as text, P(x) = [x0, x1^2], L = y0^2 + y1^2: GD with η = 0.1 from (1, 2) takes one step
    // Δx = -η·∂L/∂x = -0.1·(2·x0, 4·x1^3) = (-0.2, -3.2), to (0.8, -1.2).
    let code, out, err = run [ "compare"; "--simulator"; "x0; x1^2"; "--loss"; "y0^2 + y1^2"; "--start"; "1,2"; "--methods"; "gd:0.1"; "--iterations"; "1"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    assertStep out

[<Fact>]
let ``under a German culture numbers are still read and written with a point`` () =
    let saved = CultureInfo.CurrentCulture

    try
        CultureInfo.CurrentCulture <- CultureInfo.GetCultureInfo "de-DE"
        // de-DE reads "0.1" as 1 (the point groups thousands) and writes 0.8 as "0,8": neither may happen.
        // The same step as above, from (1, 2) with η = 0.1, to (0.8, -1.2).
        let code, out, err = run [ "compare"; "--simulator"; "x0; x1^2"; "--loss"; "y0^2 + y1^2"; "--start"; "1,2"; "--methods"; "gd:0.1"; "--iterations"; "1"; "--format"; "csv" ]
        Assert.True((code = 0), err)
        assertStep out
        // diff at x = 1.5: f = 0.5·x² = 1.125, f′ = x = 1.5.
        let code, out, err = run [ "diff"; "-f"; "0.5*x^2"; "--at"; "1.5"; "--format"; "csv" ]
        Assert.True((code = 0), err)
        Assert.Contains(",1.125", out)
        Assert.Contains(",1.5", out)
        Assert.DoesNotContain("1,125", out)
        // A single-number option: "1,5" is refused here too (de-DE would read it as 1.5, invariant as 15).
        let code, _, err = run [ "check"; "--eta"; "1,5" ]
        Assert.Equal(2, code)
        Assert.Contains("'.' as the decimal point", err)
    finally
        CultureInfo.CurrentCulture <- saved
