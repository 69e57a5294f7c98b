/// Issue #12 item 3, "rules a person can paste": a derived rule keeps the decimals the user wrote
/// recognisable (x0/9.81 gives gd's eta*ys0/9.81 - eta*x0/96.2361, not 0.101936799184506*eta*ys0 -
/// 0.0103911110279822*eta*x0) in infix, LaTeX, C# and JSON, while the exact printer (formatExact) keeps
/// 100/981 and 5/12 exact; Newton's rule cancels a factor common to its numerator and denominator; diff's
/// LaTeX writes the Hessian as a pmatrix.
module PhysGrad.Properties.PrintRules24

open System
open System.Globalization
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
let private (|@) (ok: bool) (label: string) = ok |> Prop.label label
let private text (v: decimal) = v.ToString(CultureInfo.InvariantCulture)

/// The right-hand side of derive's infix line "  Δname = …".
let private ruleLine (out: string) (name: string) =
    out.Split('\n')
    |> Array.map (fun l -> l.TrimEnd '\r')
    |> Array.tryFind (fun l -> l.TrimStart().StartsWith("Δ" + name + " = "))
    |> Option.map (fun l -> l.Substring(l.IndexOf(" = ") + 3))

/// Is m a product of 2s and 5s (then 1/d is itself a decimal and needs no quotient)?
let private onlyTwosAndFives (m: int) =
    let mutable k = m
    while k % 2 = 0 do k <- k / 2
    while k % 5 = 0 do k <- k / 5
    k = 1

/// A decimal d = m/10^p a person writes: 3 to 5 digits, 1 to 4 places, no trailing zero, and a reciprocal
/// that no decimal equals (m has a prime factor other than 2 and 5).
let private decimalGen =
    Gen.zip (Gen.choose (101, 99_999)) (Gen.choose (1, 4))
    |> Gen.filter (fun (m, _) -> m % 10 <> 0 && not (onlyTwosAndFives m))
    |> Gen.map (fun (m, p) -> decimal m / decimal (pown 10 p))

let private decimals = Arb.fromGen decimalGen

[<Property(MaxTest = 40)>]
let ``gd's rule for x0/d is written over d and d², as the user wrote d`` () =
    Prop.forAll decimals (fun d ->
        // y0 = x0/d: gd's step is −η (x0/d − ys0)/d = η·(ys0/d − x0/d²), d² computed here in decimals.
        let code, out, err = run [ "derive"; "--simulator"; sprintf "x0/%s; x1^2" (text d); "--methods"; "gd" ]
        let expected = sprintf "eta*(ys0/%s - x0/%s)" (text d) (text (d * d))

        (code = 0 && ruleLine out "x0" = Some expected)
        |@ sprintf "d = %s: exit %d, expected %s\n%s%s" (text d) code expected out err)

[<Property(MaxTest = 25)>]
let ``the printed quotient reads back to the step's value`` () =
    Prop.forAll decimals (fun d ->
        let _, out, _ = run [ "derive"; "--simulator"; sprintf "x0/%s; x1^2" (text d); "--methods"; "gd" ]

        match ruleLine out "x0" with
        | None -> false |@ out
        | Some rule ->
            let parsed = Parse.expression rule
            let names = [| "eta"; "x0"; "ys0" |]
            let point = [| 0.3; 1.7; -2.9 |]
            let value = Evaluate.at names point parsed
            let dd = float d
            let expected = 0.3 * -2.9 / dd - 0.3 * 1.7 / (dd * dd)
            (abs (value - expected) <= 1e-13 * (abs (0.3 * 2.9 / dd) + abs (0.3 * 1.7 / (dd * dd))))
            |@ sprintf "%s: %.17g, expected %.17g" rule value expected)

[<Fact>]
let ``every format writes the quotient of 9.81: LaTeX's \frac, C#'s division, JSON's infix`` () =
    let args f = [ "derive"; "--simulator"; "x0/9.81; x1^2"; "--methods"; "gd,newton"; "--format"; f ]
    let _, latex, _ = run (args "latex")
    Assert.Contains(@"\Delta x_{0} &= \eta \left(\frac{y^{*}_{0}}{9.81} - \frac{x_{0}}{96.2361}\right)", latex)
    let _, cs, _ = run (args "csharp")
    Assert.Contains("dx0 = eta * (ys0 / 9.81 - x0 / 96.2361);", cs)
    // The C# rule computes η·ys0/9.81 − η·x0/9.81².
    let gd = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "GradientDescent"
    let values: obj[] = [| box 1.5; box 2.0; box 0.7; box 0.0; box 0.1; null; null |]
    gd.Invoke(null, values) |> ignore
    Assert.Equal(0.1 * 0.7 / 9.81 - 0.1 * 1.5 / (9.81 * 9.81), unbox<float> values.[5], 15)
    let _, json, _ = run (args "json")
    use doc = JsonDocument.Parse json
    let step = doc.RootElement.GetProperty("rules").[0].GetProperty("steps").[0].GetProperty("step").GetString()
    Assert.Equal("eta*(ys0/9.81 - x0/96.2361)", step)

[<Fact>]
let ``physical constants print as the user wrote them: 6.674E-11 and 1/3.33E-07, no long reciprocal`` () =
    let code, out, err = run [ "derive"; "--simulator"; "6.674e-11*x0; x1/3.33e-7"; "--methods"; "gd,newton" ]
    Assert.True((code = 0), err)
    // 3.33² = 11.0889, so (3.33E-07)² = 1.10889E-13.
    Assert.Contains("Δx1 = eta*(ys1/3.33E-07 - x1/1.10889E-13)", out)
    // Newton's step on y0 = G·x0 is η(ys0/G − x0).
    Assert.Contains("Δx0 = eta*(ys0/6.674E-11 - x0)", out)
    Assert.DoesNotMatch(@"\d{8,}", out)

[<Fact>]
let ``a fraction the user wrote as one stays one beside a decimal (5/12, not 4.0875/9.81)`` () =
    let _, out, _ = run [ "derive"; "--simulator"; "x0*5/12; x1/9.81"; "--methods"; "gd" ]
    Assert.Contains("Δx0 = eta*(5*ys0/12 - 25*x0/144)", out)
    Assert.Contains("Δx1 = eta*(ys1/9.81 - x1/96.2361)", out)

[<Fact>]
let ``the exact printer never writes a decimal quotient: its text parses back to the same rational`` () =
    let x = Expr.symbol "x"
    let q = Expr.mul2 (Expr.number (Rational.Create(BigInteger 100, BigInteger 981))) x
    let twelfths = Expr.mul2 (Expr.number (Rational.Create(BigInteger 5, BigInteger 12))) x
    let source = [| Rational.Create(BigInteger 981, BigInteger 100) |]

    let people, exact, fifth =
        Layout.withDecimals source (fun () -> Infix.format q, Infix.formatExact q, Infix.formatExact twelfths)

    Assert.Equal("x/9.81", people)
    Assert.Equal("100*x/981", exact)
    Assert.Equal("5*x/12", fifth)
    Assert.True(obj.ReferenceEquals(q, Parse.expression exact))
    // Outside withDecimals every printer writes the fraction.
    Assert.Equal("100*x/981", Infix.format q)

[<Property(MaxTest = 100)>]
let ``a decimal quotient equals the fraction it writes`` () =
    Prop.forAll (Arb.fromGen (Gen.zip decimalGen (Gen.choose (1, 9)))) (fun (d, k) ->
        let source = [| Rational.Create(BigInteger(d * 10000M), BigInteger 10000) |]

        [ for n in 1..3 ->
              // k/dⁿ, written over dⁿ as k (unless it is a decimal itself: 3/3.75 is 0.8).
              let q = Rational.OfInt k / (Seq.fold (fun (p: Rational) _ -> p * source.[0]) Rational.One (seq { 1..n }))
              let mutable den = q.Den
              while (den % BigInteger 2).IsZero do den <- den / BigInteger 2
              while (den % BigInteger 5).IsZero do den <- den / BigInteger 5

              match Layout.decimalQuotientOver source q with
              | Some(a, b) -> (a / b = q && a = Rational.OfInt k && not den.IsOne) |@ sprintf "%s, %d/d^%d: %A/%A" (text d) k n a b
              | None -> den.IsOne |@ sprintf "%s, %d/d^%d: no quotient" (text d) k n ]
        |> List.reduce (.&.))

[<Fact>]
let ``Newton's rule cancels a factor common to numerator and denominator`` () =
    // L = ½(k·x0² − ys0)²: L' = 2k·x0·(k·x0² − ys0), L'' = 2k·(k·x0² − ys0) + 4k²·x0², so Newton's step is
    // −η·x0·(k·x0² − ys0)/(3k·x0² − ys0) once the common 2k is cancelled: k appears once in each sum.
    let code, out, err = run [ "derive"; "--simulator"; "k*x0^2"; "--param"; "k=2"; "--methods"; "newton" ]
    Assert.True((code = 0), err)
    Assert.DoesNotContain("t1 =", out)
    let rule = (ruleLine out "x0").Value
    Assert.Equal(2, Regex.Matches(rule, @"\bk\b").Count)
    let names = [| "eta"; "k"; "x0"; "ys0" |]

    for point in [ [| 0.5; 2.0; 1.3; 0.4 |]; [| 1.0; -3.0; 0.7; 2.5 |]; [| 0.1; 0.25; -4.0; 1.0 |] ] do
        let eta, k, x, y = point.[0], point.[1], point.[2], point.[3]
        let expected = -eta * x * (k * x * x - y) / (3.0 * k * x * x - y)
        Assert.Equal(expected, Evaluate.at names point (Parse.expression rule), 12)

[<Fact>]
let ``diff's LaTeX writes the Hessian as a pmatrix, both triangles, and its values at a point`` () =
    let code, out, err = run [ "diff"; "-f"; "x0^2*x1 + sin(x1)"; "--order"; "2"; "--at"; "1,0"; "--format"; "latex" ]
    Assert.True((code = 0), err)
    let lines = out.Split('\n') |> Array.map (fun l -> l.TrimEnd '\r')
    let at = Array.findIndex (fun (l: string) -> l = @"  \nabla^{2} f &= \begin{pmatrix}") lines
    // ∂²f/∂x0² = 2x1, ∂²f/∂x0∂x1 = 2x0, ∂²f/∂x1² = −sin(x1).
    Assert.Equal(@"    2 x_{1} & 2 x_{0} \\", lines.[at + 1])
    Assert.Equal(@"    2 x_{0} & -\sin\left(x_{1}\right)", lines.[at + 2])
    Assert.Equal(@"  \end{pmatrix}", lines.[at + 3])
    // At (1, 0): [[0, 2], [2, 0]].
    let v = Array.findIndex (fun (l: string) -> l = @"  \nabla^{2} f\left(1, 0\right) &= \begin{pmatrix}") lines
    Assert.Equal(@"    0 & 2 \\", lines.[v + 1])
    Assert.Equal(@"    2 & 0", lines.[v + 2])
