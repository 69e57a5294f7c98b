/// Issue 12, item 3 (numbers in printed expressions) and long headers: integer-valued floating constants
/// print as integers in infix and LaTeX (the text reads back to the same expression with those constants
/// exact), the exact printer keeps them floating for text that is parsed as the same problem again, C#
/// output never divides integers, and headers show long expressions short while JSON keeps them whole.
module PhysGrad.Properties.ReadableNumbers

open System
open System.IO
open System.Reflection
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators
open PhysGrad.Properties.TestHelpers

/// The expression with every floating constant that the readable printer writes as an integer made
/// that exact integer: what parsing the readable text must give. Only the constants the expression
/// holds are replaced (then folded by the constructors, as the parser folds them): a float that the
/// folding produces stays floating, as it does when the text is read (−2.5·1.0^z − 2.5 is read as
/// −2.5·1^z − 2.5 = −5.0). Replacing every rebuilt node instead also made that −5.0 an exact −5.
let private exactIntegers (e: Expr) =
    let exact = Collections.Generic.Dictionary<Expr, Expr>(HashIdentity.Reference)

    for n in Structure.postOrder [ e ] do
        match n.Node with
        | Real x when Layout.printsAsInteger x -> exact.[n] <- Expr.number (Rational.OfBig(Numerics.BigInteger x))
        | _ -> ()

    Structure.substitute exact e

/// Floating constants around the edges of the rule: integers small and large, the first magnitude
/// written in E-notation (1e15), one that is not an integer, and -0.
let private reals =
    Gen.elements [ 3.0; -4.0; 20.0; 999999999999999.0; 1e15; -1e20; 123456789012345678.0; 0.1; -2.5; -0.0 ]

[<Property(MaxTest = 400, EndSize = 12)>]
let ``the readable text parses back to the expression with its integer-valued floats exact`` () =
    // The term shrinks as the other properties' terms do; the constant stays.
    let cases =
        Arb.fromGenShrink (
            gen {
                let! t = terms.Generator
                let! r = reals
                return t, r
            },
            fun (t, r) -> terms.Shrinker t |> Seq.map (fun s -> s, r)
        )

    Prop.forAll cases (fun (t, r) ->
        match tryExpr t with
        | None -> true |> Prop.label "no expression"
        | Some body ->
            let e = Expr.add (Expr.mul2 (Expr.real r) body) (Expr.real r)
            let text = Infix.format e
            let back = Parse.expression text
            let exact = Infix.formatExact e

            // (Printing what was read need not give the same text: 1.0^y is kept, its exact 1^y is 1.)
            (obj.ReferenceEquals(exactIntegers e, back)
             // The exact printer still gives back the very expression, floats floating.
             && obj.ReferenceEquals(e, Parse.expression exact)
             // No integer-valued float is written with a point: "3.0" would read as 3.0 next to 5.
             && not (Regex.IsMatch(text, @"(?<![0-9.])[0-9]+\.0(?![0-9])")))
            |> Prop.label (sprintf "%O with %g: readable %s, exact %s, read back as %s" t r text exact (Infix.format back)))

/// Found with MaxTest 400000 (replay (6365654142158493019,16628105828967914319,9)): a float produced
/// by folding, not written in the expression, stays floating when the readable text is read back.
[<Fact>]
let ``a floating 1.0 base printed as 1 reads back with the folded constant still floating`` () =
    let z = Expr.symbol "z"
    // cos(1.5*0) is the floating 1.0; 1.0^z is kept, its exact 1^z is 1.
    let e = Expr.add (Expr.mul2 (Expr.real -2.5) (Expr.pow (Expr.cos (Expr.mul2 (Expr.real 1.5) Expr.zero)) z)) (Expr.real -2.5)
    let back = Parse.expression (Infix.format e)
    Assert.True(obj.ReferenceEquals(Expr.real -5.0, back), sprintf "%s read back as %s" (Infix.format e) (Infix.formatExact back))
    Assert.True(obj.ReferenceEquals(exactIntegers e, back))
    Assert.True(obj.ReferenceEquals(e, Parse.expression (Infix.formatExact e)))

[<Theory>]
// The issue's example: 20*eta next to 5*eta, not 20.0*eta.
[<InlineData("20.0*eta + 5*mu", "20*eta + 5*mu")>]
[<InlineData("-2.0", "-2")>]
[<InlineData("x - 2.0", "x - 2")>]
[<InlineData("x^2.0 + 0.5*y", "x^2 + 0.5*y")>]
// 10^15 - 1 is the largest integer written as digits; 10^15 and beyond are written in E-notation,
// which reads back as the same double (a floating value, not an exact integer).
[<InlineData("999999999999999.0*x", "999999999999999*x")>]
[<InlineData("1e15*x", "1E+15*x")>]
[<InlineData("1e20*x", "1E+20*x")>]
let ``integer-valued floats print as integers, large ones in E-notation`` (text: string, expected: string) =
    Assert.Equal(expected, Infix.format (Parse.expression text))

[<Fact>]
let ``large floats read back as the same float, and the exact printer keeps the point`` () =
    let big = Parse.expression "1e20*x"
    Assert.True(obj.ReferenceEquals(big, Parse.expression (Infix.format big)))
    Assert.Equal("20.0*eta", Infix.formatExact (Parse.expression "20.0*eta"))
    // A float that is not an integer is written in the shortest text that reads back to it.
    Assert.Equal("0.1*x", Infix.format (Parse.expression "0.1*x"))
    Assert.Equal("20 \\eta + 5 \\mu", LaTeX.format (Parse.expression "20.0*eta + 5*mu"))

// ---- C#: integer literals never make an integer division ------------------------------------------

let private signOf (x: float) = if x > 0.0 then 1.0 elif x < 0.0 then -1.0 else 0.0

/// Expressions with integer coefficients divided by integers, each with its value written by hand.
let private divisions: (string * (float -> float)) list =
    [ "x/2", (fun x -> x / 2.0)
      "(x + 1)/2", (fun x -> (x + 1.0) / 2.0)
      "3*x/2", (fun x -> 1.5 * x)
      "20.0*x/8", (fun x -> 2.5 * x)
      "1/(2*x)", (fun x -> 0.5 / x)
      "7/(x^2 + 1)", (fun x -> 7.0 / (x * x + 1.0))
      "-5*x^3/3", (fun x -> -5.0 * x * x * x / 3.0)
      // sign is an integer in .NET's Math.Sign: 2*sign(x)/3 with it would be 0 for every x.
      "2*sign(x)/3", (fun x -> 2.0 * signOf x / 3.0)
      "sign(x)/sign(x - 5)", (fun x -> signOf x / signOf (x - 5.0)) ]

[<Fact>]
let ``C# output with integer coefficients divided by integers computes the real quotient`` () =
    for text, hand in divisions do
        let f = compileFunction (CSharp.format (Parse.expression text))

        for x in [ 1.7; -0.6; 3.0 ] do
            let expected = hand x
            let actual = f.Invoke x
            Assert.True(abs (actual - expected) <= 1e-15 * max 1.0 (abs expected), sprintf "%s at %g: C# %g, by hand %g (%s)" text x actual expected (CSharp.format (Parse.expression text)))
    // sign(NaN) is NaN in C# too (Math.Sign would throw).
    Assert.True(Double.IsNaN((compileFunction (CSharp.format (Parse.expression "2*sign(x)/3"))).Invoke nan))

// ---- Headers: short forms; JSON whole -------------------------------------------------------------

[<Fact>]
let ``readable text writes integer-valued literals as integers and leaves the rest`` () =
    // 9.0 and 36.0 are integers; 0.5 is not; 1E+20 is too large for digits; x1e5 and y1 are names.
    Assert.Equal("9*y1 - 36*y0 + 0.5 + 1E+20*x1e5", ExpressionText.Readable "9.0*y1 - 36.0*y0 + 0.5 + 1E+20*x1e5")

[<Fact>]
let ``a header rounds coefficients and cuts a long expression, saying its whole length`` () =
    Assert.Equal("0.179062*x0 - 6.48809E-05*x1 + 9*y1", ExpressionText.ForHeader "0.1790615948633325*x0 - 6.488085310917475E-05*x1 + 9.0*y1")
    // 50 terms "0.123456789*x<i>" joined by " + ": far longer than 100 characters.
    let long = String.Join(" + ", Array.init 50 (fun i -> sprintf "0.123456789*x%d" i))
    let shown = ExpressionText.ForHeader long
    Assert.True(shown.Length <= ExpressionText.HeaderLength + 60, shown)
    // The note says what the cut hides: the 50 terms, the names x0 … x49 as one range, the whole length.
    Assert.EndsWith(sprintf "… (50 terms in x0–x49; %s characters)" (long.Length.ToString("N0", Globalization.CultureInfo.InvariantCulture)), shown)
    Assert.StartsWith("0.123457*x0 + 0.123457*x1", shown)
    Assert.True(ExpressionText.HasCut shown)
    // A text just over the limit is shown whole: the note would be as long as what it saves.
    let near = String('a', ExpressionText.HeaderLength + 5)
    Assert.Equal(near, ExpressionText.ForHeader near)

let private headerLines (out: string) =
    out.Replace("\r", "").Split('\n') |> Array.takeWhile (fun l -> l <> "")

[<Theory>]
[<InlineData("heat1d-inverse", 16)>]
[<InlineData("poisson2d", 4)>]
[<InlineData("oscillators", 6)>]
let ``compare headers of the reference examples stay short, and JSON keeps every expression whole`` (example: string, n: int) =
    let code, out, err = Cli.run [ "compare"; "--example"; example; "--n"; string n; "--iterations"; "3"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-readable-" + Guid.NewGuid().ToString "N") ]
    Assert.True(code = 0 || code = 1, err)
    let header = headerLines out
    // At most four expressions per line, each at most 100 characters plus its length note, plus names.
    for line in header do
        Assert.True(line.Length <= 600, sprintf "%d characters: %s" line.Length line)
    // No coefficient in the header has more than 6 significant digits.
    for line in header do
        for m in Regex.Matches(line, @"(?<![A-Za-z0-9_.])[0-9]+\.([0-9]+)") do
            Assert.True(m.Value.TrimStart('0', '.').Replace(".", "").Length <= 6, sprintf "%s in %s" m.Value line)
    let _, json, _ = Cli.run [ "compare"; "--example"; example; "--n"; string n; "--iterations"; "3"; "--format"; "json" ]
    let problem = JsonDocument.Parse(json).RootElement.GetProperty "problem"
    let simulator = problem.GetProperty("simulator").EnumerateArray() |> Seq.map (fun e -> e.GetString()) |> Array.ofSeq
    // The JSON expressions are whole: each reads as an expression, and a length said in the header is
    // the length of the JSON's first component (the header shows the first component first).
    for s in simulator do
        Assert.DoesNotContain("…", s)
        Parse.expression s |> ignore
    let first = Regex.Match(header.[0], @"= \[[^…\]]*… \(([0-9,]+) characters\)")
    if first.Success then
        Assert.Equal(first.Groups.[1].Value.Replace(",", ""), string simulator.[0].Length)
        Assert.Contains("--format json gives them whole", String.Join("\n", header))

[<Fact>]
let ``the heat1d-inverse header shows the given inverse short, and the JSON has it whole`` () =
    let code, out, err = Cli.run [ "compare"; "--example"; "heat1d-inverse"; "--n"; "16"; "--iterations"; "3"; "--methods"; "pg"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-readable-" + Guid.NewGuid().ToString "N") ]
    Assert.True(code = 0 || code = 1, err)
    let line = TestHelpers.paragraph out "Local inverse for PG: given, x0 = "
    Assert.True(line.Length <= 600, line)
    let said = Regex.Match(line, @"x0 = [^…]*… \([^()]*; ([0-9,]+) characters\)")
    Assert.True(said.Success, line)
    let _, json, _ = Cli.run [ "compare"; "--example"; "heat1d-inverse"; "--n"; "16"; "--iterations"; "3"; "--methods"; "pg"; "--format"; "json" ]
    let inverse0 = JsonDocument.Parse(json).RootElement.GetProperty("problem").GetProperty("inverse").[0].GetString()
    Assert.Equal(said.Groups.[1].Value.Replace(",", ""), string inverse0.Length)
    Assert.True(inverse0.Length > 300, inverse0)
    Parse.expression inverse0 |> ignore
