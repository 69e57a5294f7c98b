/// Units: parsing, printing, inference over expressions, and problems with units.
module PhysGrad.Properties.UnitTests

open System
open System.Collections.Generic
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private si (exponents: int list) =
    PhysicalUnit(
        1.0,
        exponents @ List.replicate (7 - exponents.Length) 0
        |> List.map Rational.OfInt
        |> Array.ofList
    )

[<Theory>]
[<InlineData("m", "m")>]
[<InlineData("m/s^2", "m/s^2")>]
[<InlineData("kg*m^2/s^2", "kg*m^2/s^2")>]
[<InlineData("J", "kg*m^2/s^2")>]
[<InlineData("N*m", "kg*m^2/s^2")>]
[<InlineData("1/s", "1/s")>]
[<InlineData("Hz", "1/s")>]
[<InlineData("1", "1")>]
[<InlineData("rad", "1")>]
[<InlineData("m^(1/2)", "m^(1/2)")>]
[<InlineData("m / (s * kg)", "m/(kg*s)")>]
[<InlineData("s^-2", "1/s^2")>]
// A scale is absorbed into an SI prefix where one fits (the factor of the prefix to the power of the
// unit's exponent: mm^2 is 1e-6 m^2; µm*s is 1e-6 m*s, from ms*mm), else written as a clean factor.
[<InlineData("km", "km")>]
[<InlineData("ms", "ms")>]
[<InlineData("mm", "mm")>]
[<InlineData("kg", "kg")>]
[<InlineData("g", "g")>]
[<InlineData("mg", "mg")>]
[<InlineData("g*m", "g*m")>]
[<InlineData("mm^2", "mm^2")>]
[<InlineData("km*km", "km^2")>]
[<InlineData("cm^3", "cm^3")>]
[<InlineData("1/ms", "1/ms")>]
[<InlineData("1/ms^2", "1/ms^2")>]
[<InlineData("ms*mm", "µm*s")>]
[<InlineData("m^(1/2)*ks", "m^(1/2)*ks")>]
[<InlineData("min", "min")>]
[<InlineData("h^2", "h^2")>]
[<InlineData("1/min", "1/min")>]
// km/h is 1000/3600 m/s: no single prefix fits, a prefix on m and hours on s do.
[<InlineData("km/h", "km/h")>]
[<InlineData("km^2/h^2", "km^2/h^2")>]
// A fractional exponent takes a prefix too (when no integer one does), so km^(1/2) reads back exactly,
// where the factor √1000 in front would keep six significant digits.
[<InlineData("km^(1/2)", "km^(1/2)")>]
[<InlineData("ms^(3/2)", "ms^(3/2)")>]
[<InlineData("mm/km", "1e-6")>]
[<InlineData("mol", "mol")>]
let ``units parse and print canonically`` (text: string, printed: string) =
    Assert.Equal(printed, (Units.parse text).ToString())

[<Theory>]
[<InlineData("furlong", 1, "unknown unit 'furlong'")>]
[<InlineData("m*furlong", 3, "unknown unit 'furlong'")>]
[<InlineData("m^", 3, "")>]
[<InlineData("m/", 3, "")>]
[<InlineData("m^(1/0)", 7, "non-zero denominator")>]
[<InlineData("", 1, "empty")>]
[<InlineData("m s", 3, "")>]
let ``a unit that does not parse names the column`` (text: string, column: int, words: string) =
    let e = Assert.Throws<ParseException>(fun () -> Units.parse text |> ignore)
    Assert.Equal(ErrorKind.Units, e.Kind)
    Assert.Equal(column, e.Column)
    Assert.Contains(words, e.Message)

let private exponentVectors =
    Gen.arrayOfLength 7 (Gen.frequency [ 4, Gen.constant 0; 3, Gen.choose (-3, 3) ])
    |> Gen.map (Array.map Rational.OfInt)
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``printing a unit and parsing it back gives the same unit`` () =
    Prop.forAll exponentVectors (fun e ->
        let u = PhysicalUnit(1.0, e)
        let back = Units.parse (u.ToString())
        back.Equals u |> Prop.label (sprintf "%O parsed back as %O" u back))

[<Property(MaxTest = 200)>]
let ``multiplying and dividing units adds and subtracts exponents`` () =
    Prop.forAll (Arb.zip (exponentVectors, exponentVectors)) (fun (a, b) ->
        let u, v = PhysicalUnit(1.0, a), PhysicalUnit(1.0, b)

        ((u * v) / v).Equals u
        && (u * v).Equals(v * u)
        && (u.Pow(Rational.OfInt 2)).Equals(u * u))

let private infer (units: (string * string) list) (text: string) =
    let table = dict [ for (n, u) in units -> n, Units.parse u ]
    Units.inferWith (Dictionary table) (Parse.expression text)

[<Theory>]
[<InlineData("x*v", "m^2/s")>]
[<InlineData("x + 2", "m")>]
[<InlineData("(x - 3)^2/2", "m^2")>]
[<InlineData("sqrt(x^2 + (v*t)^2)", "m")>]
[<InlineData("exp(x/(v*t))", "1")>]
[<InlineData("abs(x)", "m")>]
[<InlineData("atan2(x, v*t)", "1")>]
[<InlineData("2*pi", "1")>]
[<InlineData("x^(3/2)", "m^(3/2)")>]
let ``inference follows sums, products, powers and functions`` (text: string, expected: string) =
    Assert.Equal(expected, (infer [ "x", "m"; "v", "m/s"; "t", "s" ] text).ToString())

[<Theory>]
[<InlineData("x + t", "the term x is in m but t is in s")>]
[<InlineData("sin(x)", "the argument of sin must be dimensionless but x is in m")>]
[<InlineData("exp(v)", "the argument of exp must be dimensionless but v is in m/s")>]
[<InlineData("x^t", "the exponent must be dimensionless but t is in s")>]
[<InlineData("x^n", "is in m, so the exponent n must be a rational number")>]
[<InlineData("atan2(x, t)", "the arguments x (m) and t (s) differ")>]
[<InlineData("x*t + v", "the term t*x is in m*s but v is in m/s")>]
let ``an inconsistent expression names the subexpression and both units`` (text: string, words: string) =
    let e =
        Assert.ThrowsAny<SymbolicException>(fun () -> infer [ "x", "m"; "v", "m/s"; "t", "s" ] text |> ignore)

    Assert.Equal(ErrorKind.Units, e.Kind)
    Assert.Contains(words, e.Message)

[<Theory>]
[<InlineData("mm", "km", "1 km = 1E+06 mm")>]
[<InlineData("km", "mm", "1 mm = 1E-06 km")>]
[<InlineData("g", "kg", "1 kg = 1000 g")>]
[<InlineData("mm/s", "km/s", "1 km/s = 1E+06 mm/s")>]
let ``a sum of one dimension in two scales says the factor, and the advice it gives works`` (a: string, b: string, words: string) =
    let units = [ "x", a; "z", b ]
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> infer units "x + z" |> ignore)
    Assert.Contains(words, e.Message)
    // The advice: multiply the second term by a parameter with the printed value and unit.
    let m = Text.RegularExpressions.Regex.Match(e.Message, "multiply (\\w+) by a parameter with the value (\\S+) and the unit (\\S+)\\.$")
    Assert.True(m.Success, e.Message)
    let converted = infer (units @ [ "c", m.Groups.[3].Value ]) (sprintf "x + c*%s" m.Groups.[1].Value)
    Assert.Equal(infer units "x", converted)

// Units given as "" are left out (the symbol has none, so it is dimensionless).
[<Theory>]
[<InlineData("m", "s", "s/m", "the term x is in m but t is in s", "")>]
[<InlineData("", "K", "K", "the term x is dimensionless but t is in K", "x has no unit given")>]
[<InlineData("K", "", "1/K", "the term x is in K but t is dimensionless", "t has no unit given")>]
[<InlineData("m/s", "s", "s^2/m", "the term x is in m/s but t is in s", "")>]
[<InlineData("km", "s", "s/km", "the term x is in km but t is in s", "")>]
let ``a sum of two dimensions names the term, both dimensions and a converting unit that works``
    (ux: string, ut: string, converting: string, words: string, undeclared: string)
    =
    let units = [ for (n, u) in [ "x", ux; "t", ut ] do if u <> "" then yield n, u ]
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> infer units "x + t" |> ignore)
    Assert.Equal(ErrorKind.Units, e.Kind)
    Assert.Contains(words, e.Message)
    Assert.Contains("a sum adds quantities of one dimension only", e.Message)
    Assert.DoesNotContain("/1 ", e.Message)

    if undeclared = "" then
        Assert.DoesNotContain("no unit given", e.Message)
    else
        Assert.Contains(undeclared + ", so it counts as dimensionless", e.Message)

    let m =
        Text.RegularExpressions.Regex.Match(e.Message, "multiply (\\w+) by a parameter in (\\S+) that converts (\\S+) to (\\S+)\\.$")

    Assert.True(m.Success, e.Message)
    Assert.Equal(converting, m.Groups.[2].Value)
    // The advice works: the term times a parameter in that unit has the other term's unit.
    let converted = infer (units @ [ "c", m.Groups.[2].Value ]) (sprintf "t + c*%s" m.Groups.[1].Value)
    Assert.Equal(infer units "t", converted)

[<Fact>]
let ``a problem's output units are inferred, checked against given ones, and set the loss's unit`` () =
    let create loss =
        Problem.Create([| "x0"; "x1" |], Parse.many "x0*x1; x1", loss, [| 1.0; 1.0 |], [| 1.0; 2.0 |], null, true)

    let units (pairs: (string * string) list) =
        Dictionary(dict [ for (n, u) in pairs -> n, Units.parse u ]) :> IReadOnlyDictionary<_, _>

    let p = (create null).WithUnits(units [ "x0", "m"; "x1", "s" ])
    Assert.Equal("m*s", (p.UnitOf "y0").ToString())
    Assert.Equal("s", (p.UnitOf "y1").ToString())
    // Outputs in different units: the default loss is measured in each output's unit, so it is dimensionless.
    Assert.True(p.LossUnit.IsDimensionless)
    let same = (create null).WithUnits(units [ "x0", "1"; "x1", "s" ])
    Assert.Equal("s^2", same.LossUnit.ToString())

    let e =
        Assert.ThrowsAny<SymbolicException>(fun () ->
            (create null).WithUnits(units [ "x0", "m"; "x1", "s"; "y1", "m" ]) |> ignore)

    Assert.Contains("y1 is given in m, but simulator[1] = x1 is in s", e.Message)
    // What to do instead: the unit the simulator gives it, or no unit at all.
    Assert.Contains("Give y1 the unit s (or leave it out", e.Message)

    let e =
        Assert.ThrowsAny<SymbolicException>(fun () -> (create null).WithUnits(units [ "z", "m" ]) |> ignore)

    Assert.Contains("'z', which is not a name of the problem (variables x0, x1; outputs y0, y1)", e.Message)

    let e =
        Assert.ThrowsAny<SymbolicException>(fun () ->
            (create (Parse.expression "y0^2 + y1^2")).WithUnits(units [ "x0", "m"; "x1", "s" ])
            |> ignore)

    Assert.Contains("The loss is not dimensionally consistent", e.Message)
    Assert.Contains("the term y1^2 is in s^2 but y0^2 is in m^2*s^2", e.Message)
