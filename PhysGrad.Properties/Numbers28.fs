/// Numbers the user wrote read back as written wherever the program prints them (28): compare's numeric-inverse
/// note quoting x0/9.81 as 0.1019367991845056*x0, its derived-inverse line as x0 = 0.101937*y0 (and the JSON's
/// inverse as 0.1019367991845056*y0); gd on 3.14159*x0^2/9.81 writing its cubic coefficient as the double
/// 0.205111963766196; exact arithmetic on 1e200 and 1e-200 printing a 403-digit integer in the rule.
module PhysGrad.Properties.Numbers28

open System
open System.Numerics
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

let private run = Cli.run

let private outDir () = IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-28-{Guid.NewGuid():N}")

/// compare's table and its JSON's "problem" for one simulator, towards 2 from 1 (each output and variable).
let private compareBoth (simulator: string) =
    let n = simulator.Split(';').Length
    let each (v: string) = String.Join(",", Array.create n v)
    let args = [ "compare"; "--simulator"; simulator; "--target"; each "2"; "--start"; each "1"; "--iterations"; "1"; "--out"; outDir () ]
    let code, table, err = run args
    Assert.True((code = 0 || code = 1), err)
    let code, json, err = run (args @ [ "--format"; "json" ])
    Assert.True((code = 0 || code = 1), err)
    TestHelpers.paragraph table "Local inverse for PG:", JsonDocument.Parse(json).RootElement.GetProperty("problem")

/// The rule lines of derive's text output ("  Δx0 = …"), joined.
let private rules (out: string) =
    out.Replace("\r", "").Split('\n') |> Array.filter (fun l -> l.TrimStart().StartsWith "Δ") |> String.concat "\n"

// ---- compare's inverse: the note and the derived line ---------------------------------------------------------

[<Fact>]
let ``the numeric inverse's note quotes the simulator's decimals as written, in the table and the JSON alike`` () =
    let line, problem = compareBoth "x0/9.81 + x0^3"
    let note = problem.GetProperty("inverseNote").GetString()
    Assert.Contains("y0 = x0/9.81 + x0^3", note)
    Assert.Contains("3*x0^2 + 1/9.81", note)
    Assert.DoesNotContain("0.1019", note)
    // The table's reason is the JSON's, whole.
    Assert.Contains(note, TestHelpers.unwrapped line)

[<Fact>]
let ``the derived inverse is written with the user's decimals in the header and the JSON`` () =
    let line, problem = compareBoth "9.81*x0"
    Assert.Equal("Local inverse for PG: derived, x0 = y0/9.81.", line.TrimEnd())
    Assert.Equal("y0/9.81", problem.GetProperty("inverse").[0].GetString())
    let line, problem = compareBoth "3.14159*x0 + 0.3"
    Assert.Equal("Local inverse for PG: derived, x0 = (y0 - 0.3)/3.14159.", line.TrimEnd())
    Assert.Equal("(y0 - 0.3)/3.14159", problem.GetProperty("inverse").[0].GetString())
    // Derived again with the decimals exact: 1/8.82 = 50/441 and 0.99/8.82 = 11/98, not 0.112245 (a double rounded).
    let line, problem = compareBoth "9.81*x0 + 0.3*x1; x1/3.3 + x0"
    Assert.Equal("Local inverse for PG: derived, x0 = 50*y0/441 - 11*y1/98, x1 = 55*(9.81*y1 - y0)/147.", TestHelpers.unwrapped line |> fun l -> l.TrimEnd())
    Assert.Equal("50*y0/441 - 11*y1/98", problem.GetProperty("inverse").[0].GetString())
    Assert.Equal("55*(9.81*y1 - y0)/147", problem.GetProperty("inverse").[1].GetString())

// ---- a product of the user's decimals as a coefficient -----------------------------------------------------------

[<Fact>]
let ``gd's cubic coefficient on 3.14159*x0^2/9.81 is written over the decimals in every format, C# included`` () =
    let args = [ "derive"; "--simulator"; "3.14159*x0^2/9.81"; "--methods"; "gd" ]
    let code, out, err = run args
    Assert.True((code = 0), err)
    // 2·3.14159²/9.81² = 19.7391754562/96.2361.
    Assert.Contains("19.7391754562*x0^3/96.2361", rules out)
    Assert.DoesNotContain("0.205111", out)
    let _, latex, _ = run (args @ [ "--format"; "latex" ])
    Assert.Contains(@"\frac{19.7391754562 x_{0}^{3}}{96.2361}", latex)
    let _, json, _ = run (args @ [ "--format"; "json" ])
    Assert.Contains("19.7391754562*x0^3/96.2361", json)
    let code, cs, err = run (args @ [ "--format"; "csharp" ])
    Assert.True((code = 0), err)
    Assert.DoesNotContain("0.205111", cs)
    // The C# is compiled and its step checked against the problem's gradient by Numbers27's test of the same rule.
    Assert.Contains("19.7391754562 * Math.Pow(x0, 3.0) / 96.2361", cs)

// ---- constants exact arithmetic makes too long to read ------------------------------------------------------------

let private longDigits = Regex "[0-9]{41,}"

[<Fact>]
let ``1e200 times 1e200 plus 0.09 prints in E-notation in every format, and the C# compiles`` () =
    let args = [ "derive"; "--simulator"; "1e200*x0 + 1e-200*x1; x1 + 0.3*x0"; "--methods"; "gd,newton" ]
    let code, out, err = run args
    Assert.True((code = 0), err)
    Assert.Contains("Δx0 = -eta*(1E+400*x0 + 1.3*x1 - 1E+200*ys0 - 0.3*ys1)", rules out)
    Assert.DoesNotMatch(longDigits, out + err)
    let code, latex, err = run (args @ [ "--format"; "latex" ])
    Assert.True((code = 0), err)
    Assert.Contains(@"10^{400} x_{0} + 1.3 x_{1} - 10^{200} y^{*}_{0}", TestHelpers.latexJoined latex)
    Assert.DoesNotMatch(Regex @"[0-9](\\,[0-9]{3}){10,}", latex)
    let code, json, err = run (args @ [ "--format"; "json" ])
    Assert.True((code = 0), err)
    Assert.Contains("1E+400*x0", json)
    Assert.DoesNotMatch(longDigits, json)
    let code, cs, err = run (args @ [ "--format"; "csharp" ])
    Assert.True((code = 0), err)
    // The warning names the constant beyond doubles as it is written in the rule.
    Assert.Contains("holds the constant 1E+400,", TestHelpers.unwrapped err)
    Assert.DoesNotMatch(longDigits, cs + err)
    // Newton's step, whose constants are doubles, computes −η(x − J⁻¹y*): J⁻¹[1E+200, 3] is [1, 2.7] to doubles.
    let newton = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "Newton"
    let a: obj[] = [| box 1.0; box 2.0; box 1e200; box 3.0; box 1.0; null; null |]
    newton.Invoke(null, a) |> ignore
    Assert.Equal(0.0, unbox<float> a.[5], 12)
    Assert.Equal(0.7, unbox<float> a.[6], 12)

[<Fact>]
let ``a long exact constant is rounded only when printed for reading: formatExact keeps it, and an integer a user types stays`` () =
    let n = BigInteger.Pow(BigInteger 10, 402) + BigInteger 9
    let e = Expr.mul2 (Expr.number (Rational.OfBig n)) (Expr.symbol "x")
    Assert.Equal("1E+402*x", Infix.format e)
    Assert.Equal(n.ToString() + "*x", Infix.formatExact e)
    Assert.Equal(@"10^{402} x", LaTeX.format e)
    // A fraction of long parts is one factor, its value: not E-notation over 100.
    let q = Rational.Create(n, BigInteger 100)
    Assert.Equal("1E+400*x", Infix.format (Expr.mul2 (Expr.number q) (Expr.symbol "x")))
    Assert.Equal("1E-400*x", Infix.format (Expr.mul2 (Expr.number (Rational.Create(BigInteger 100, n))) (Expr.symbol "x")))
    // 30 and 40 digits are a user's; 10^400 is a power of ten.
    for s in [ "123456789012345678901234567890"; "1234567890123456789012345678901234567890" ] do
        Assert.Equal(None, Layout.roundedScientific (Rational.OfBig(BigInteger.Parse s)))
    Assert.Equal(None, Layout.roundedScientific (Rational.OfBig(BigInteger.Pow(BigInteger 10, 400))))
    Assert.Equal(Some("-1.23456789012346", 45), Layout.roundedScientific (Rational.OfBig(-BigInteger.Parse "1234567890123456789012345678901234567890123456")))

/// The E-notation of a long constant is its value to 15 significant digits: |mantissa·10^k − q| ≤ ½·10^(k−14)
/// (exactly, in rationals), with 1 ≤ |mantissa| < 10, for numerators and denominators of 41 to 120 digits.
[<Property(MaxTest = 200)>]
let ``a long constant's E-notation is its value rounded to 15 digits`` (numSeed: PositiveInt, denSeed: PositiveInt, numDigits: byte, denDigits: byte, negative: bool) =
    let rng = Random(numSeed.Get ^^^ (denSeed.Get <<< 7))
    let digits (count: int) =
        let first = string (rng.Next(1, 10))
        BigInteger.Parse(first + String(Array.init (count - 1) (fun _ -> char (48 + rng.Next 10))))
    let p = digits (41 + int numDigits % 80)
    let d = digits (1 + int denDigits % 120)
    let q = Rational.Create((if negative then -p else p), d)
    match Layout.roundedScientific q with
    | None ->
        // Only a short printed fraction (the long numerator cancelled, or a power-of-ten form) is exact.
        let struct (a, b) = Layout.decimalFraction q
        let short (n: BigInteger) =
            let m = match Layout.powerOfTen n with Some(m, _) -> m | None -> n
            BigInteger.Abs(m).ToString().Length <= Layout.MaxExactDigits
        (short a && short b) |> Prop.label $"{q}"
    | Some(m, k) ->
        let mantissa = Rational.OfDecimal(Double.Parse(m, Globalization.CultureInfo.InvariantCulture))
        let ten = Rational.OfInt 10
        let pow (j: int) = if j >= 0 then Rational.OfBig(BigInteger.Pow(BigInteger 10, j)) else Rational.One / Rational.OfBig(BigInteger.Pow(BigInteger 10, -j))
        let value = mantissa * pow k
        let error = (value - q).Abs
        (Rational.Compare(mantissa.Abs, Rational.One) >= 0 && Rational.Compare(mantissa.Abs, ten) < 0
         && Rational.Compare(error, Rational.Create(BigInteger.One, BigInteger 2) * pow (k - 14)) <= 0
         && (mantissa.Sign < 0) = negative)
        |> Prop.label $"{q}: {m}E{k}"
