/// Constants and units below (and above) the doubles' range, and decimal exponents with units (trial 23):
/// a product of constants that underflows keeps its exact rational instead of 0 (so derive forms Newton's
/// rule of 1E-200·x0² instead of dividing by an underflowed 0); unit scales that are powers of ten combine
/// exactly far beyond doubles (1e-800 m^4); x0^1.5 with x0 in m is in m^(3/2), x0^pi a message naming both.
module PhysGrad.Properties.Under23

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// The lines of one method's block in derive's text output ("newton:" and its indented lines).
let private block (name: string) (out: string) =
    let lines = out.Replace("\r", "").Split('\n')
    let start = Array.IndexOf(lines, name + ":")
    if start < 0 then "" else lines |> Array.skip (start + 1) |> Array.takeWhile (fun l -> l.StartsWith "  ") |> String.concat "\n"

[<Fact>]
let ``a product of written decimals below the doubles' range is its exact rational, not 0`` () =
    let x0 = Expr.symbol "x0"
    // 1E-200 × 1E-200 = 10^-400 exactly (the double product is 0.0, which left 0*x0 = 0).
    let exact = Expr.mul [ Expr.number (Rational.Create(Numerics.BigInteger.One, Numerics.BigInteger.Pow(Numerics.BigInteger 10, 400))); x0 ]
    Assert.Same(exact, Parse.expression "1e-200*1e-200*x0")
    Assert.Same(exact, Parse.expression "1e-200^2*x0")
    Assert.Same(exact, Parse.expression "x0*1e-100*1e-150*1e-150")
    // Subnormal products keep their digits too: 3E-160 × 2E-160 is 6E-320 exactly (the double has 3 digits).
    let sub = Parse.expression "3e-160*2e-160*x0"
    Assert.Same(Expr.mul [ Expr.number (Rational.Create(Numerics.BigInteger 6, Numerics.BigInteger.Pow(Numerics.BigInteger 10, 320))); x0 ], sub)
    // It prints as the exact fraction over a power of ten and reads back to the same node.
    Assert.Equal("6*x0/10^320", Infix.format sub)
    Assert.Same(sub, Parse.expression (Infix.format sub))
    // Dividing by it is no division by zero: x0/(1E-200·1E-200) is 10^400·x0.
    Assert.Same(Expr.mul [ Expr.number (Rational.OfBig(Numerics.BigInteger.Pow(Numerics.BigInteger 10, 400))); x0 ], Parse.expression "x0/(1e-200*1e-200)")

[<Fact>]
let ``a floating 0.0 raised to a negative power says which power and what to do`` () =
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> Expr.pow (Expr.real 0.0) (Expr.ofInt -2) |> ignore)
    Assert.Equal(ErrorKind.DivisionByZero, e.Kind)
    Assert.Contains("0.0 raised to the power -2", e.Message)
    Assert.Contains("rescale the variables", e.Message)
    let exact = Assert.ThrowsAny<SymbolicException>(fun () -> Expr.pow Expr.zero (Expr.ofInt -3) |> ignore)
    Assert.Contains("negative power -3", exact.Message)

[<Fact>]
let ``derive on 1E-200·x0² toward 1E-150 prints every closed form, Newton's exact 6/10^400 rescaled with the scale cancelled`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "1e-200*x0^2"; "--target"; "1e-150" ]
    Assert.True((code = 0), out + err)
    for name in [ "gd"; "newton"; "ig"; "pg"; "gn" ] do
        Assert.NotEqual<string>("", block name out)
    // Newton's −η·x(a·x² − y)/(3a·x² − y), a = 1E-200, y = 1E-150: exact, its denominator's 6/10^400·x0² − 2/10^350
    // (below the doubles) is rescaled (print26's rescaled sums), numerator and denominator weighed together, so
    // that the scale a cancels between them (round 33): y/a = 1E+50.
    Assert.Contains("-eta*x0*(x0^2 - 1E+50)/(3*x0^2 - 1E+50)", block "newton" out)
    Assert.DoesNotContain("0.0", out)

/// The scaled problem c·x0² toward c·1E+50 (c = 10^k) has the same Newton, IG, PG and GN steps as x0²
/// toward 1E+50: each of these divides the output's scale out (the loss's Hessian and gradient both carry c²,
/// J and Δy both c). Their rules must then have equal values whatever k, also where c² or c·1E+50 is below or
/// above the doubles' range.
[<Property(MaxTest = 12)>]
let ``Newton, IG, PG and GN rules of c·x0² do not depend on the scale c, beyond doubles too`` () =
    Prop.forAll (Gen.choose (-300, 250) |> Arb.fromGen) (fun k ->
        let derive (simulator: string) (target: string) = Cli.run [ "derive"; "--simulator"; simulator; "--target"; target ]
        let code, scaled, err = derive (sprintf "1e%d*x0^2" k) (sprintf "1e%d" (k + 50))
        let _, plain, _ = derive "x0^2" "1e50"

        // Each rule evaluated in exact rationals at x0 = 3, η = 1/2: the forms differ (the scaled problem's
        // decimals are solved as exact fractions, −2E-200·η·x0·…/(6·x0²/10^400 − …) keeps the scale's
        // factors), the values may not.
        let value (text: string) =
            let rule = text.Trim().Substring("Δx0 = ".Length)
            Structure.substitute (readOnlyDict [ Expr.symbol "x0", Expr.ofInt 3; Expr.symbol "eta", Expr.half ]) (ExactConstants.exact (Parse.expression rule))

        let same name =
            let a, b = block name scaled, block name plain

            (a <> "" && b <> "" && Object.ReferenceEquals(value a, value b))
            |> Prop.label (sprintf "%s at 1e%d:\n%s\nunscaled:\n%s" name k a b)

        ((code = 0) |> Prop.label (scaled + err)) .&. same "newton" .&. same "ig" .&. same "pg" .&. same "gn")

// ---- units -------------------------------------------------------------------------------------------------

let private units (args: string list) =
    let code, out, err = Cli.run ("units" :: args)
    Assert.True((code = 0), out + err)
    out

let private stepUnit (out: string) (method: string) (variable: string) =
    // The table's cells (columns two or more spaces apart), whatever the column widths.
    let row = TestHelpers.tableRows out |> Array.find (fun r -> r.Length >= 4 && r.[0] = method && r.[1] = variable)
    row.[3]

[<Fact>]
let ``a unit of 1e-200 m squares to 1e-400 m^2 and its loss is 1e-800 m^4, exact beyond doubles`` () =
    let out = units [ "--simulator"; "x0^2"; "--unit"; "x0=[1e-200 m]" ]
    Assert.Contains("Outputs:   y0 [1e-400 m^2]", out)
    Assert.Contains("Loss:      [1e-800 m^4]", out)
    // GD's step is L/x0 = 1e-600 m^3; Newton's is x0's own unit; HIG's (x0^(3/2) here) 1e-300 m^(3/2).
    Assert.Equal("1e-600 m^3", stepUnit out "gd" "x0")
    Assert.Equal("1e-200 m", stepUnit out "newton" "x0")
    Assert.Equal("1e-300 m^(3/2)", stepUnit out "hig" "x0")
    for text in [ "1e-400 m^2"; "1e-800 m^4"; "1e-600 m^3" ] do
        Assert.Equal(-float (int (text.Substring(3, 3))), (Units.parse text).Log10Scale, 9)

[<Property(MaxTest = 20)>]
let ``products of units with tiny and huge power-of-ten scales combine their exponents`` () =
    Prop.forAll (Gen.zip (Gen.choose (-300, 300)) (Gen.choose (-300, 300)) |> Gen.filter (fun (a, b) -> abs a >= 3 && abs b >= 3) |> Arb.fromGen) (fun (a, b) ->
        let out = units [ "--simulator"; "x0*x1"; "--unit"; sprintf "x0=[1e%d m]" a; "--unit"; sprintf "x1=[1e%d s]" b ]
        let line (prefix: string) = out.Split('\n') |> Array.find (fun l -> l.StartsWith prefix)
        // y0 = x0·x1 in 10^(a+b) m·s, L in 10^(2(a+b)) m²·s², GD's step in x0: L/x0 = 10^(a+2b) m·s². The
        // printed unit is read back rather than matched as text: where both scales are metric prefixes the
        // product keeps them ([nm*Ms] for 1e-9 m times 1e6 s), elsewhere it is [1e-3 m*s]; either is right.
        let bracket (l: string) = l.Substring(l.IndexOf '[' + 1, l.IndexOf ']' - l.IndexOf '[' - 1)
        let expected = [ line "Outputs:", a + b, "m*s"; line "Loss:", 2 * (a + b), "m^2*s^2" ]
        let sameUnit (l: string, k: int, body: string) =
            let u = Units.parse (bracket l)
            (abs (u.Log10Scale - float k) < 1e-9 && u.SameDimension(Units.parse body))
            |> Prop.label (sprintf "%s: want 10^%d %s" l k body)
        let gd = stepUnit out "gd" "x0"
        let gdUnit = Units.parse gd

        (expected |> List.map sameUnit |> List.reduce (.&.))
        .&. ((abs (gdUnit.Log10Scale - float (a + 2 * b)) < 1e-9 && gdUnit.SameDimension(Units.parse "m*s^2"))
             |> Prop.label (sprintf "gd step %s, want 10^%d m*s^2" gd (a + 2 * b))))

[<Fact>]
let ``a product of prefixed units keeps the prefixes and reads back as its power of ten`` () =
    // 1e-9 m is nm and 1e6 s is Ms: y0 = x0·x1 prints [nm*Ms], which is 1e-3 m·s (the case the property above
    // draws about once in 12 runs, and which its text match used to fail).
    let out = units [ "--simulator"; "x0*x1"; "--unit"; "x0=[1e-9 m]"; "--unit"; "x1=[1e6 s]" ]
    Assert.Contains("y0 [nm*Ms]", out)
    let u = Units.parse "nm*Ms"
    Assert.Equal(-3.0, u.Log10Scale, 9)
    Assert.True(u.SameDimension(Units.parse "m*s"))

[<Fact>]
let ``a decimal exponent is its rational with units, in units and compare`` () =
    let out = units [ "--simulator"; "x0^1.5"; "--unit"; "x0=m" ]
    Assert.Contains("y0 [m^(3/2)]", out)
    Assert.Contains("Loss:      [m^3]", out)
    let quarter = units [ "--simulator"; "x0^0.25*x1^2.0"; "--unit"; "x0=m"; "--unit"; "x1=s" ]
    Assert.Contains("y0 [m^(1/4)*s^2]", quarter)
    // The same exponent as a fraction gives the same units.
    let fraction = units [ "--simulator"; "x0^(3/2)"; "--unit"; "x0=m" ]
    Assert.Equal(fraction.Split('\n').[1], out.Split('\n').[1])
    let code, cmpOut, cmpErr = Cli.run [ "compare"; "--simulator"; "x0^1.5"; "--unit"; "x0=m"; "--target"; "2"; "--start"; "1"; "--methods"; "gd,newton"; "--out"; IO.Path.GetTempPath() ]
    Assert.True((code = 0), cmpOut + cmpErr)

[<Fact>]
let ``an irrational exponent of a base with a unit names the exponent, the base and its unit, exit 2`` () =
    let code, out, err = Cli.run [ "units"; "--simulator"; "x0^pi"; "--unit"; "x0=m" ]
    Assert.True((code = 2), out + err)
    Assert.Contains("the base x0 is in m", (TestHelpers.unwrapped err))
    Assert.Contains("the exponent pi must be a rational number", (TestHelpers.unwrapped err))
    Assert.Contains("divide it by a parameter in m", (TestHelpers.unwrapped err))
    let code2, _, err2 = Cli.run [ "units"; "--simulator"; "(2*x0)^pi"; "--unit"; "x0=s" ]
    Assert.Equal(2, code2)
    Assert.Contains("(from x0)", err2)
