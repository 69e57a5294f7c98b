/// Trial 23: rules derived with exact decimals print the decimals a person wrote (9.81, not 981/100 or
/// 100*…/(981*…)); a quotient's numerator and denominator share no monomial factor (Newton's k*…/(k*…));
/// Greek names typed as Unicode print as LaTeX commands; diff --order 2 in LaTeX gives the Hessian's values.
module PhysGrad.Properties.DecimalRules23

open System
open System.Collections.Generic
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// `physgrad` with these arguments, which must succeed; its standard output.
let private physgrad (args: string list) =
    let code, out, err = Cli.run args
    Assert.True((code = 0), sprintf "physgrad %A exited %d: %s" args code err)
    out

/// The line of `text` that starts (after indentation) with `head`.
let private line (head: string) (text: string) =
    text.Split('\n') |> Array.map (fun l -> l.Trim()) |> Array.find (fun l -> l.StartsWith head)

// ---- 1. decimals print as decimals ---------------------------------------------------------------------

/// A decimal a = d/100 in [1, 10) with two places, whose reciprocal is no decimal and whose fraction in
/// lowest terms keeps a denominator of 50 or 100 (gcd(d, 100) ≤ 2): a person writes y/(a*m) for y·(1/a),
/// and 1/a as a fraction of small integers (4/7 for a = 1.75) would read as well, so those are left out.
let private twoPlaces =
    Gen.choose (101, 999)
    |> Gen.filter (fun d ->
        let g = int (BigInteger.GreatestCommonDivisor(BigInteger d, BigInteger 100))
        let mutable odd = d
        for p in [ 2; 5 ] do
            while odd % p = 0 do
                odd <- odd / p
        g <= 2 && odd > 1)
    |> Gen.map (fun d -> (decimal d / 100M).ToString(Globalization.CultureInfo.InvariantCulture))
    |> Arb.fromGen

[<Property(MaxTest = 12)>]
let ``a decimal factor of the simulator prints as that decimal in GD's and Newton's rules`` () =
    Prop.forAll twoPlaces (fun a ->
        let out = physgrad [ "derive"; "--simulator"; a + "*m*x0; x1"; "--param"; "m=2"; "--methods"; "gd,newton" ]
        // By hand, with y0 = a·m·x0: GD −η·a·m·(a·m·x0 − ys0); Newton −η·(x0 − ys0/(a·m)).
        let gd = sprintf "Δx0 = -%s*eta*m*(%s*m*x0 - ys0)" a a
        let newton = sprintf "Δx0 = eta*ys0/(%s*m) - eta*x0" a
        (out.Contains gd && out.Contains newton) |@ sprintf "a = %s: expected %s and %s in\n%s" a gd newton out)

[<Fact>]
let ``the falling body's rules keep g = 9.81 and 4.905 = g/2 as decimals`` () =
    let out = physgrad [ "derive"; "--simulator"; "0.5*9.81*m*x0^2"; "--methods"; "gd,gn" ]
    // y = 4.905·m·x0², J = (4.905·x0², 9.81·m·x0): GD's Δx0 = −η·9.81·m·x0·(4.905·m·x0² − ys0); Gauss–Newton's
    // Δm = −η·4.905·x0²·r/(4.905²·x0⁴ + 9.81²·m²·x0²) = −η·r/(4.905·(x0² + 4·m²)), r = 4.905·m·x0² − ys0.
    Assert.Contains("Δx0 = -9.81*eta*m*x0*(4.905*m*x0^2 - ys0)", out)
    Assert.Contains("t1 = 1/(4*m^2 + x0^2)", out)
    Assert.Contains("t2 = 4.905*m*x0^2 - ys0", out)
    Assert.Contains("Δm = -eta*t1*t2/4.905", out)
    Assert.DoesNotContain("981", out.Replace("9.81", ""))

[<Fact>]
let ``a fraction whose parts came from decimals prints as their quotient, and 1/3 as a fraction`` () =
    let quotient p q = Layout.decimalQuotient (Rational.Create(BigInteger(p: int), BigInteger(q: int)))
    let r (p: int) (q: int) = Rational.Create(BigInteger p, BigInteger q)
    // 100/981 = 1/9.81 and 200/981 = 1/4.905 (one character fewer than 2/9.81); 1/3, 7/120 and 10/3 have no shorter
    // decimal quotient with a divisor of at least 1.
    Assert.Equal((r 1 1, r 981 100), quotient 100 981)
    Assert.Equal((r 1 1, r 981 200), quotient 200 981)
    Assert.Equal((r 1 1, r 3 1), quotient 1 3)
    Assert.Equal((r 7 1, r 120 1), quotient 7 120)
    Assert.Equal((r 10 1, r 3 1), quotient 10 3)
    Assert.Equal("x/9.81", Infix.format (Expr.mul2 (Expr.number (r 100 981)) (Expr.symbol "x")))
    Assert.Equal("-1/9.81", Infix.format (Expr.number (r -100 981)))

[<Fact>]
let ``LaTeX and C# write 9.81 where infix does, and the C# compiles and computes Newton's step`` () =
    let args = [ "derive"; "--simulator"; "9.81*m*x0; x1"; "--param"; "m=2"; "--methods"; "newton" ]
    Assert.Contains(@"\frac{\eta y^{*}_{0}}{9.81 m} - \eta x_{0}", physgrad (args @ [ "--format"; "latex" ]))
    Assert.Contains("\"step\": \"eta*ys0/(9.81*m) - eta*x0\"", physgrad (args @ [ "--format"; "json" ]))
    let cs = physgrad (args @ [ "--format"; "csharp" ])
    Assert.Contains("9.81", cs)
    Assert.DoesNotContain("981.0", cs)
    let newton = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "Newton"
    // Parameters: x0, x1, ys0, ys1, m, eta, then the out steps.
    let call = [| box 0.5; box 1.0; box 3.0; box 4.0; box 2.0; box 0.25; box 0.0; box 0.0 |]
    newton.Invoke(null, call) |> ignore
    let expected = 0.25 * 3.0 / (9.81 * 2.0) - 0.25 * 0.5
    Assert.Equal(expected, call.[6] :?> float, 15)

/// The exact value of e at a point of rationals.
let private exactAt (point: (string * Rational) list) (e: Expr) =
    let d = Dictionary<Expr, Expr>(HashIdentity.Reference)
    for (name, v) in point do
        d.[Expr.symbol name] <- Expr.number v
    Structure.substitute d e

/// Decimals m/10^p (m nonzero up to 999, p ≤ 3) as text.
let private decimals =
    Gen.zip (Gen.choose (1, 999)) (Gen.choose (0, 3))
    |> Gen.map (fun (m, p) -> (decimal m / decimal (pown 10 p)).ToString(Globalization.CultureInfo.InvariantCulture))

/// Every decimal literal of an infix text (4.19, 1E-08) written as the exact fraction it reads as ((419/100)):
/// parsed as it stands, 741/4.19 would fold to the double nearest 176.849… before any constant is made exact.
let private exactDecimals (text: string) =
    Text.RegularExpressions.Regex.Replace(text, @"\d+(\.\d+)?E[+-]?\d+|\d+\.\d+", fun m ->
        let r = Rational.OfDecimal(Double.Parse(m.Value, Globalization.CultureInfo.InvariantCulture))
        sprintf "(%O/%O)" r.Num r.Den)

/// The rules of P(x) = (a·m·x0² − b·x1, c·x0·x1) with L = ½‖y − y*‖², derived with the decimals exact.
let private rulesOf (cs: string[]) =
    let simulator = [| sprintf "%s*m*x0^2 - %s*x1" cs.[0] cs.[1]; sprintf "%s*x0*x1" cs.[2] |] |> Array.map (Parse.expression >> ExactConstants.exact)
    let xs = [| Expr.symbol "x0"; Expr.symbol "x1" |]
    let ys = [| Expr.symbol "y0"; Expr.symbol "y1" |]
    let loss = Parse.expression "(y0 - ys0)^2/2 + (y1 - ys1)^2/2"
    let lossX = UpdateRules.lossInX ys simulator loss
    [ UpdateRules.gradientDescent UpdateRules.eta xs lossX
      UpdateRules.newton UpdateRules.eta xs lossX
      UpdateRules.gaussNewton UpdateRules.eta xs ys simulator loss ]

[<Property(MaxTest = 40)>]
let ``printed rules read back as the exact rule: decimals keep their values`` () =
    Prop.forAll (Arb.fromGen (Gen.arrayOfLength 3 decimals)) (fun cs ->
        let point =
            [ "x0", Rational.Create(BigInteger 3, BigInteger 7); "x1", Rational.Create(BigInteger -5, BigInteger 11)
              "m", Rational.OfInt 2; "eta", Rational.Create(BigInteger 1, BigInteger 3)
              "ys0", Rational.Create(BigInteger 2, BigInteger 9); "ys1", Rational.OfInt 5 ]
        [ for steps in rulesOf cs do
              for step in steps do
                  // The printed text (simplified, constants made readable) read back with its decimals exact.
                  let printed = Infix.format (ReadableConstants.readable (Simplify.simplify step))
                  let expected = try Some(exactAt point step) with :? SymbolicException as e when e.Kind = ErrorKind.DivisionByZero -> None
                  match expected with
                  | None -> yield true |> Prop.classify true "pole"
                  | Some v ->
                      let back = exactAt point (Parse.expression (exactDecimals printed))
                      yield obj.ReferenceEquals(v, back) |@ sprintf "%A: %s is %s at the point, the rule %s" cs printed (Infix.format back) (Infix.format v) ]
        |> List.reduce (.&.))

// ---- 2. common factors of a quotient cancel ------------------------------------------------------------

[<Fact>]
let ``Newton's rule for k*x0^2 cancels k above and below the line`` () =
    // L = (k·x0² − ys0)²/2: L' = 2k·x0·t, L'' = 2k·t + 4k²·x0² (t = k·x0² − ys0), so Δx0 = −η·x0·t/(t + 2k·x0²)
    // = −η·x0·(k·x0² − ys0)/(3k·x0² − ys0).
    let out = physgrad [ "derive"; "--simulator"; "k*x0^2"; "--vars"; "x0"; "--param"; "k=3"; "--methods"; "newton" ]
    Assert.Contains("Δx0 = -eta*x0*(k*x0^2 - ys0)/(3*k*x0^2 - ys0)", out)

/// A random quotient c·x0^a·x1^b·S1 / (x0^p·x1^q·M·S2) whose denominator sum S2·M carries a monomial M
/// = x0^r·x1^s in every term, from small integers so that FsCheck shrinks it; S1 and S2 are sums of up to
/// three terms c·x0^i·x1^j with i, j ≤ 2.
let private quotients =
    let sumOf (terms: (int * int * int) list) =
        let ts = if terms.IsEmpty then [ (1, 1, 0); (2, 0, 1) ] else List.truncate 3 terms
        ts
        |> List.map (fun (c, i, j) ->
            Expr.mul [ Expr.ofInt (if c % 5 = 0 then 1 else c % 5); Expr.pow (Expr.symbol "x0") (Expr.ofInt (abs i % 3)); Expr.pow (Expr.symbol "x1") (Expr.ofInt (abs j % 3)) ])
        |> Expr.sum

    gen {
        let! a, b, p, q = Gen.zip (Gen.zip (Gen.choose (0, 3)) (Gen.choose (0, 3))) (Gen.zip (Gen.choose (0, 2)) (Gen.choose (0, 2))) |> Gen.map (fun ((a, b), (p, q)) -> a, b, p, q)
        let! r, s = Gen.zip (Gen.choose (0, 3)) (Gen.choose (0, 3))
        let! t1 = Gen.listOf (Gen.zip3 (Gen.choose (-4, 4)) (Gen.choose (0, 2)) (Gen.choose (0, 2)))
        let! t2 = Gen.listOf (Gen.zip3 (Gen.choose (-4, 4)) (Gen.choose (0, 2)) (Gen.choose (0, 2)))
        let x0, x1 = Expr.symbol "x0", Expr.symbol "x1"
        let monomial = Expr.mul [ Expr.pow x0 (Expr.ofInt r); Expr.pow x1 (Expr.ofInt s) ]
        let below = Expr.sum [ for t in (match (sumOf t2).Node with Sum ts -> ts | _ -> [| sumOf t2 |]) -> Expr.mul2 monomial t ]
        return
            Expr.mul [ Expr.pow x0 (Expr.ofInt a); Expr.pow x1 (Expr.ofInt b); sumOf t1
                       Expr.pow (Expr.mul [ Expr.pow x0 (Expr.ofInt p); Expr.pow x1 (Expr.ofInt q) ]) Expr.minusOne
                       Expr.pow below Expr.minusOne ]
    }
    |> Gen.filter (fun e -> not (Expr.isZero e))

[<Property(MaxTest = 200)>]
let ``cancelling monomial factors keeps the value of a quotient at random rational points`` () =
    Prop.forAll (Arb.fromGen (Gen.zip quotients (Gen.zip (Gen.choose (1, 40)) (Gen.choose (1, 40))))) (fun (e, (i, j)) ->
        let point = [ "x0", Rational.Create(BigInteger i, BigInteger 7); "x1", Rational.Create(BigInteger -j, BigInteger 5) ]
        let value (x: Expr) = try Some(exactAt point x) with :? SymbolicException as ex when ex.Kind = ErrorKind.DivisionByZero -> None
        let s = Simplify.simplify e
        match value e with
        | None -> true |> Prop.classify true "pole"
        | Some v -> (value s |> Option.exists (fun w -> obj.ReferenceEquals(v, w))) |@ sprintf "%s simplified to %s" (Infix.format e) (Infix.format s))

// ---- 3. LaTeX ------------------------------------------------------------------------------------------

[<Fact>]
let ``Greek names print as LaTeX commands whether typed as words or as letters`` () =
    Assert.Equal(@"\theta", LaTeX.symbolName "θ")
    Assert.Equal(@"\theta", LaTeX.symbolName "theta")
    Assert.Equal(@"\theta_{1}", LaTeX.symbolName "θ1")
    Assert.Equal(@"\omega", LaTeX.symbolName "ω")
    Assert.Equal(@"\Omega", LaTeX.symbolName "Ω")
    Assert.Equal(@"\varphi", LaTeX.symbolName "varphi")
    let out = physgrad [ "derive"; "--simulator"; "θ*x0; alpha*x1"; "--param"; "θ=2"; "--param"; "alpha=3"; "--methods"; "gd"; "--format"; "latex" ]
    let body = out.Split('\n') |> Array.filter (fun l -> not (l.StartsWith "%")) |> String.concat "\n"
    Assert.Contains(@"\Delta x_{0} &= -\eta \theta \left(x_{0} \theta - y^{*}_{0}\right)", body)
    Assert.DoesNotContain("θ", body)

[<Fact>]
let ``diff --order 2 in LaTeX at a point gives the Hessian's values as a matrix`` () =
    // f = x0²·x1 + x1³: ∂²f = [[2·x1, 2·x0], [2·x0, 6·x1]] = [[4, 2], [2, 12]] at (1, 2).
    let out = physgrad [ "diff"; "-f"; "x0^2*x1 + x1^3"; "--order"; "2"; "--at"; "1,2"; "--format"; "latex" ]
    Assert.Contains(@"\nabla^{2} f\left(1, 2\right) = \begin{pmatrix} 4 & 2 \\ 2 & 12 \end{pmatrix}", out)
