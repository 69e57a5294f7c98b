/// Numbers the user wrote read back as written wherever the program prints them (27): a quotient of decimals
/// (3.14159*x0^2/9.81) derived as the parser's folded double and printed as 0.640487257900102 or 314159/490500;
/// skip reasons quoting the simulator as 100*x0/981 + 5*x0^3/2; compare's header rounding the user's 1.234567;
/// powers of e printed exp(2) and exp(-1); diff calling constants beyond doubles a parse error and advising a
/// --param it does not take.
module PhysGrad.Properties.Numbers27

open System
open Xunit
open PhysGrad
open PhysGrad.Symbolic

let private run = Cli.run

/// The rule lines of derive's text output ("  Δx0 = …"), joined.
let private rules (out: string) =
    out.Replace("\r", "").Split('\n') |> Array.filter (fun l -> l.TrimStart().StartsWith "Δ") |> String.concat "\n"

// ---- quotients and products of the user's decimals ------------------------------------------------------------

[<Fact>]
let ``a quotient of decimals derives in those decimals in every format, and its C# compiles to the same step`` () =
    let args = [ "derive"; "--simulator"; "3.14159*x0^2/9.81"; "--methods"; "gd,newton" ]
    let code, out, err = run args
    Assert.True((code = 0), err)
    let text = rules out
    Assert.Contains("6.28318*x0*ys0/9.81", text)
    Assert.Contains("3.14159*x0^2 - 9.81*ys0", text)
    for wrong in [ "0.640487"; "314159"; "490500"; "E-17"; "0.320244" ] do
        Assert.DoesNotContain(wrong, text)
    // The header echoes the simulator as written.
    let _, latex, _ = run (args @ [ "--format"; "latex" ])
    Assert.Contains("P(x0) = [3.14159*x0^2/9.81]", latex)
    Assert.Contains(@"\frac{6.28318 x_{0} y^{*}_{0}}{9.81}", latex)
    let _, json, _ = run (args @ [ "--format"; "json" ])
    Assert.Contains("6.28318*x0*ys0/9.81", json)
    let code, cs, err = run (args @ [ "--format"; "csharp" ])
    Assert.True((code = 0), err)
    Assert.Contains("6.28318 * x0 * ys0 / 9.81", cs)
    // The compiled GD step is the gradient step of the problem as written: -η(p x² - y*)·2p x with p = 3.14159/9.81.
    let gd = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "GradientDescent"
    let p = 3.14159 / 9.81
    for (x, ys, eta) in [ (0.7, 1.3, 0.1); (-2.0, 0.5, 0.01) ] do
        let a: obj[] = [| box x; box ys; box eta; null |]
        gd.Invoke(null, a) |> ignore
        let expected = -eta * (p * x * x - ys) * 2.0 * p * x
        Assert.True(abs (unbox<float> a.[3] - expected) <= 1e-12 * (abs expected + 1e-300), $"{a.[3]} vs {expected}")

[<Fact>]
let ``a sum with a quotient of decimals keeps them in every rule`` () =
    let code, out, err = run [ "derive"; "--simulator"; "x0/9.81 + 3.14159*x1^2*sin(x0)"; "--methods"; "gd,newton,gn" ]
    Assert.True((code = 0), err)
    let text = rules out
    Assert.Contains("1/9.81", text)
    Assert.DoesNotContain("490500", text)
    Assert.DoesNotContain("314159", text)

[<Fact>]
let ``Parse.manyExact reads decimals as the rationals written and WrittenDecimals lists them`` () =
    let e = (Parse.manyExact "3.14159*x0^2/9.81").[0]
    Assert.Equal("314159*x0^2/981000", Infix.formatExact e)
    Assert.Equal<Rational[]>(
        [| Rational.Create(Numerics.BigInteger 314159, Numerics.BigInteger 100000); Rational.Create(Numerics.BigInteger 981, Numerics.BigInteger 100) |],
        Parse.writtenDecimals "3.14159*x0^1.5/9.81 + 2")

[<Fact>]
let ``a fraction of two decimals is written over them`` () =
    let d (s: string) = ExactConstants.ofDecimal(Double.Parse(s, Globalization.CultureInfo.InvariantCulture))
    let sources = [| d "3.14159"; d "9.81" |]
    // 314159/490500 = 6.28318/9.81: the numerator has as many digits as the fraction's.
    Assert.Equal(Some(d "6.28318", d "9.81"), Layout.decimalQuotientOver sources (Rational.Create(Numerics.BigInteger 314159, Numerics.BigInteger 490500)))
    // 5/12 beside 9.81 is still no quotient of it.
    Assert.Equal(None, Layout.decimalQuotientOver sources (Rational.Create(Numerics.BigInteger 5, Numerics.BigInteger 12)))

// ---- skip reasons quote the simulator as written ------------------------------------------------------------------

[<Fact>]
let ``PG's missing-inverse reason quotes the simulator's decimals as written`` () =
    let code, out, err = run [ "derive"; "--simulator"; "x0/9.81 + 2.5*x0^3" ]
    Assert.True((code = 0), err)
    let said = TestHelpers.unwrapped (out + err)
    Assert.Contains("y0 = x0/9.81 + 2.5*x0^3", said)
    Assert.Contains("7.5*x0^2 + 1/9.81", said)
    Assert.DoesNotContain("100*x0/981", said)
    Assert.DoesNotContain("5*x0^3/2", said)

[<Fact>]
let ``the overflow skip reason quotes the simulator's constants as written, not as a folded double`` () =
    let code, out, err = run [ "compare"; "--simulator"; "1e200*x0/3.3"; "--target"; "2"; "--start"; "1"; "--iterations"; "1"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-27-{Guid.NewGuid():N}") ]
    Assert.True((code = 0 || code = 1), err)
    let said = TestHelpers.unwrapped (out + err)
    Assert.Contains("newton skipped", said)
    Assert.Contains("y0 = x0/3.3E-200", said)
    Assert.DoesNotContain("3.0303030303030303E+199", said)

// ---- compare's header ---------------------------------------------------------------------------------------------

[<Fact>]
let ``compare's header echoes the simulator, target and start as written and rounds only computed numbers`` () =
    let code, out, err =
        run [ "compare"; "--simulator"; "1.234567*x0"; "--target"; "2.345678"; "--start"; "1.0000001"; "--iterations"; "1"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-27-{Guid.NewGuid():N}") ]
    Assert.True((code = 0 || code = 1), err)
    Assert.Contains("P(x0) = [1.234567*x0], L = (y0 - 2.345678)^2/2, start [1.0000001].", out)
    // The simulator of a quotient is echoed as written (the numeric inverse's note stays the JSON's, whole).
    let code, out, err =
        run [ "compare"; "--simulator"; "x0/9.81 + x0^3"; "--target"; "2"; "--start"; "1"; "--iterations"; "1"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-27-{Guid.NewGuid():N}") ]
    Assert.True((code = 0 || code = 1), err)
    let said = TestHelpers.unwrapped out
    Assert.Contains("P(x0) = [x0/9.81 + x0^3]", said)

// ---- powers of e --------------------------------------------------------------------------------------------------

[<Fact>]
let ``powers of e print as e^2 and 1/e, and the C# of them compiles`` () =
    let code, out, err = run [ "derive"; "--simulator"; "e*x0"; "--methods"; "gd,newton" ]
    Assert.True((code = 0), err)
    let text = rules out
    Assert.Contains("x0*e^2", text)
    Assert.Contains("eta*(ys0/e - x0)", text)
    Assert.DoesNotContain("exp(", text)
    let _, latex, _ = run [ "derive"; "--simulator"; "e*x0"; "--methods"; "gd,newton"; "--format"; "latex" ]
    Assert.Contains(@"\frac{y^{*}_{0}}{e}", latex)
    let code, cs, err = run [ "derive"; "--simulator"; "e*x0"; "--methods"; "gd,newton"; "--format"; "csharp" ]
    Assert.True((code = 0), err)
    let newton = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "Newton"
    let a: obj[] = [| box 0.5; box 2.0; box 1.0; null |]
    newton.Invoke(null, a) |> ignore
    Assert.Equal(2.0 / Math.E - 0.5, unbox<float> a.[3], 12)
    // The text reads back as the same expression.
    for s in [ "x/e + e^2*x^2 + exp(-2)"; "exp(-3)*x"; "e^2" ] do
        let parsed = Parse.expression s
        Assert.Same(parsed, Parse.expression(Infix.format parsed))
    Assert.Equal("1/e^2 + x/e + x^2*e^2", Infix.format(Parse.expression "x/e + e^2*x^2 + exp(-2)"))

// ---- diff and constants beyond doubles ----------------------------------------------------------------------------

[<Fact>]
let ``diff says constants beyond doubles plainly and advises no parameter it cannot take`` () =
    let code, _, err = run [ "diff"; "-f"; "1e200*x^2*1e200" ]
    Assert.Equal(2, code)
    let said = TestHelpers.unwrapped err
    Assert.Contains("Constants beyond doubles at line 1, column 6", said)
    Assert.Contains("beyond ±1.8E+308", said)
    Assert.DoesNotContain("Parse error", said)
    Assert.DoesNotContain("--param", said)
    Assert.DoesNotContain("parameter", said)

// ---- units ----------------------------------------------------------------------------------------------------

[<Fact>]
let ``units reads GD's step unit alike towards y* = -1 and 2 on sqrt(x0), and quotes the problem as written`` () =
    let gdUnit (target: string) (start: string) =
        let code, out, err = run [ "units"; "--simulator"; "sqrt(x0)"; "--unit"; "x0=m"; "--target"; target; "--start"; start ]
        Assert.True((code = 0 || code = 1), err)
        Assert.DoesNotContain("1*x0", out + err)
        out.Replace("\r", "").Split('\n') |> Array.find (fun l -> l.StartsWith "gd ") |> fun l -> l.Split(' ', StringSplitOptions.RemoveEmptyEntries).[3]
    Assert.Equal("1", gdUnit "2" "0.6")
    Assert.Equal("1", gdUnit "-1" "0.6")
