/// Large and small magnitudes print alike in every format: 1e20 read as an exact integer (derive's exact
/// decimals, or digits a user typed) printed as 21 digits in LaTeX while 1e-20 became 10^{-20}. Every
/// constant of 10^15 or more is a power of ten in LaTeX (10^{20}, 2.5 \times 10^{20}) and in text (10^20,
/// 25*10^19, or 1E+20 for a double), and C# keeps the double it stands for.
module PhysGrad.Properties.LargeMagnitudes

open System
open System.Globalization
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// Mantissas as decimal text: one digit, a few, and the 17 significant digits of a double's round trip.
let private mantissas = [ "1"; "3"; "2.5"; "3.33"; "7.000001"; "1.2345678901234567"; "123456789" ]

/// How the constant m·10^k is held: the double the text reads as, the exact rational of the text, or that
/// rational as derive prints it (ReadableConstants.readable: small fractions exact, the rest doubles).
type private Form =
    | Double
    | Exact
    | Derived

let private text (m: string) (k: int) = sprintf "%sE%d" m k

let private constant (form: Form) (m: string) (k: int) =
    let x = Double.Parse(text m k, CultureInfo.InvariantCulture)

    match form with
    | Double -> Expr.real x
    | Exact -> Expr.number (ExactConstants.ofDecimal x)
    | Derived -> ReadableConstants.readable (Expr.number (ExactConstants.ofDecimal x))

/// The constant alone and in the places a rule puts it: a coefficient, a divisor, a term of a sum, a base.
let private placements (c: Expr) =
    let x = Expr.symbol "x"

    [ c
      Expr.mul2 c x
      Expr.div x c
      Expr.sub x c
      Expr.add (Expr.mul2 c x) Expr.one
      Expr.pow (Expr.add x c) Expr.two ]

let private longestDigitRun (s: string) =
    Regex.Matches(s, "[0-9]+") |> Seq.fold (fun m (g: Match) -> max m g.Length) 0

let private cases =
    gen {
        let! k = Gen.choose (-30, 30)
        let! m = Gen.elements mantissas
        let! form = Gen.elements [ Double; Exact; Derived ]
        let! sign = Gen.elements [ 1; -1 ]
        return k, (if sign < 0 then "-" + m else m), form
    }

[<Property(MaxTest = 500)>]
let ``LaTeX of m times 10^k has no E-notation and no run of more than 16 digits, and text reads back to the same value`` () =
    Prop.forAll (Arb.fromGen cases) (fun (k, m, form) ->
        let c = constant form m k

        placements c
        |> List.map (fun e ->
            let latex = LaTeX.format e
            let readable = Infix.format e
            let exact = Infix.formatExact e
            let at = Evaluate.at [| "x" |] [| 1.7 |]
            // The readable text makes integer-valued doubles exact; its value is the same double or, for
            // an expression around the constant, the same up to the roundings it was computed with.
            let value = at e
            let back = at (Parse.expression readable)

            (not (Regex.IsMatch(latex, "[0-9][Ee][+-]?[0-9]"))
             && longestDigitRun latex <= 16
             && (latex |> Seq.filter ((=) '{') |> Seq.length) = (latex |> Seq.filter ((=) '}') |> Seq.length)
             && obj.ReferenceEquals(Parse.expression exact, e)
             && (back = value || abs (back - value) <= 1e-15 * abs value))
            |> Prop.label (sprintf "%A %sE%d in %s: LaTeX %s; text %s (reads back as %.17g, value %.17g); exact text %s" form m k (Infix.format e) latex readable back value exact))
        |> List.reduce (.&.))

[<Fact>]
let ``C# writes every m times 10^k, k from -30 to 30, as the double its decimal text reads as`` () =
    // One compilation for all constants: F0, F1, … each return one literal.
    let all =
        [ for k in -30 .. 30 do
              for m in mantissas do
                  for form in [ Double; Exact; Derived ] -> m, k, form ]

    let bodies = all |> List.map (fun (m, k, form) -> CSharp.format (constant form m k))
    let source =
        "using System; public static class G { "
        + String.Join(" ", bodies |> List.mapi (fun i b -> sprintf "public static double F%d() => %s;" i b))
        + " }"

    let g = (TestHelpers.compileCSharp source).GetType "G"

    all
    |> List.iteri (fun i (m, k, form) ->
        let actual = g.GetMethod(sprintf "F%d" i).Invoke(null, [||]) :?> float
        // .NET's parser rounds decimal text correctly: the double nearest m·10^k.
        let expected = Double.Parse(text m k, CultureInfo.InvariantCulture)
        Assert.True((actual = expected), sprintf "%A %sE%d: C# %s gives %.17g, not %.17g" form m k bodies.[i] actual expected))

[<Fact>]
let ``an exact integer and a power of ten print as powers of ten in text and LaTeX`` () =
    let e = Parse.expression "100000000000000000000*x + 3*10^22*y + 12345678901234567890123*z"
    // 10^20 and 3·10^22 shorter as powers; 12345678901234567890123 has no trailing zeros to spare in text.
    Assert.Equal("10^20*x + 3*10^22*y + 12345678901234567890123*z", Infix.format e)
    Assert.Equal("10^{20} x + 3 \\times 10^{22} y + 1.234\\,567\\,890\\,123\\,456\\,789\\,012\\,3 \\times 10^{22} z", LaTeX.format e)
    Assert.Equal("\\frac{x}{10^{20}}", LaTeX.format (Parse.expression "x/10^20"))
    Assert.Equal("x/(7*10^30)", Infix.format (Parse.expression "x/(7*10^30)"))
    Assert.Equal("\\left(10^{20}\\right)^{x}", LaTeX.format (Parse.expression "(10^20)^x"))
    Assert.Equal("(10^20)^x", Infix.format (Parse.expression "(10^20)^x"))

[<Fact>]
let ``Rational.ToDouble is the double nearest the exact value`` () =
    // .NET's BigInteger-to-double conversion truncates: 7·10^30 gave 6.999999999999999E+30.
    for text in [ "7E30"; "1E23"; "9007199254740993"; "3.33E-9"; "1E-20"; "2.5E300"; "1.2345678901234567E-30"; "-6.02214076E23" ] do
        let x = Double.Parse(text, CultureInfo.InvariantCulture)
        Assert.Equal(x, (ExactConstants.ofDecimal x).ToDouble())
    // An exact 2^53 + 1 lies halfway between two doubles: ties go to the even one, 2^53.
    Assert.Equal(9007199254740992.0, (Rational.OfBig(Numerics.BigInteger.Pow(Numerics.BigInteger 2, 53) + Numerics.BigInteger.One)).ToDouble())
    // 1/3 and 10^400 (beyond the doubles): the nearest double, and infinity.
    Assert.Equal(1.0 / 3.0, (Rational.Create(Numerics.BigInteger 1, Numerics.BigInteger 3)).ToDouble())
    Assert.True(Double.IsPositiveInfinity((Rational.OfBig(Numerics.BigInteger.Pow(Numerics.BigInteger 10, 400))).ToDouble()))

[<Fact>]
let ``derive prints 1e20 as it prints 1e-20 in every format, and its C# compiles`` () =
    let run format =
        let code, out, err =
            Cli.run [ "derive"; "--simulator"; "1e20*x0; 2.5e-20*x1"; "--target"; "1,2"; "--methods"; "gd,ig"; "--format"; format ]

        Assert.True((code = 0), err)
        out

    let latex = run "latex"
    Assert.Contains("10^{20} x_{0}", latex)
    Assert.Contains("2.5 \\times 10^{-20} x_{1}", latex)
    Assert.DoesNotMatch("[0-9]{17}", latex)
    let text = run "infix"
    Assert.Contains("1E+20*x0", text)
    Assert.Contains("2.5E-20*x1", text)
    Assert.DoesNotMatch("[0-9]{17}", text)
    let gd = (TestHelpers.compileCSharp (run "csharp")).GetType("UpdateRules").GetMethod "GradientDescent"
    let args: obj[] = [| box 1.0; box 2.0; box 0.5; null; null |]
    gd.Invoke(null, args) |> ignore
    // Δx0 = −η·10^20·(10^20·x0 − 1) at x0 = 1, η = 0.5, in the doubles C# computes with.
    Assert.Equal(-0.5 * 1e20 * (1e20 * 1.0 - 1.0), args.[3] :?> float)
