module PhysGrad.Properties.ParsePrint

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

[<Property(MaxTest = 500, EndSize = 14)>]
let ``parsing what the exact printer prints gives back the same expression`` () =
    // The readable printer (Infix.format) writes 3.0 as 3: ReadableNumbers.fs checks its round trip.
    Prop.forAll terms (fun t ->
        let e = toExpr t
        let text = Infix.formatExact e
        let back = Parse.expression text

        obj.ReferenceEquals(e, back)
        |> Prop.label (sprintf "%s printed as %s, read back as %s" (string t) text (Infix.format back)))

[<Property(MaxTest = 200, EndSize = 10)>]
let ``derivatives also print and parse back`` () =
    Prop.forAll terms (fun t ->
        let d = Calculus.derivative variables.[0] (toExpr t)
        obj.ReferenceEquals(d, Parse.expression (Infix.formatExact d)))

let private parseError (text: string) =
    Assert.ThrowsAny<ParseException>(fun () -> Parse.expression text |> ignore)

[<Theory>]
[<InlineData("x + * y", 5)>]
[<InlineData("(x + 1", 7)>]
[<InlineData("x + 1)", 6)>]
[<InlineData("sin(x", 6)>]
[<InlineData("x y", 3)>]
[<InlineData("2 +", 4)>]
[<InlineData("x $ y", 3)>]
[<InlineData("x^", 3)>]
[<InlineData("1.5.2", 4)>]
let ``a syntax error names the column of the offending character`` (text: string, column: int) =
    let ex = parseError text
    Assert.Equal(ErrorKind.Parse, ex.Kind)
    Assert.Equal(1, ex.Line)
    Assert.Equal(column, ex.Column)
    Assert.Contains(sprintf "column %d" column, ex.Message)
    // The caret sits under the offending character.
    let lines = ex.Message.Split('\n')
    Assert.Equal(column + 2, lines.[2].IndexOf('^') + 1)

[<Fact>]
let ``an error on a later line names that line`` () =
    let ex = parseError "x + 1;\ny + * 2"
    Assert.Equal(2, ex.Line)
    Assert.Equal(5, ex.Column)

[<Theory>]
[<InlineData("foo(x)", 1, "unknown function 'foo'")>]
[<InlineData("x + bar(1, 2)", 5, "unknown function 'bar'")>]
let ``an unknown function is named, with its column`` (text: string, column: int, fragment: string) =
    let ex = parseError text
    Assert.Equal(ErrorKind.UnknownFunction, ex.Kind)
    Assert.Equal(column, ex.Column)
    Assert.Contains(fragment, ex.Message)
    Assert.Contains("sin", ex.Message) // and the known ones are listed

[<Theory>]
[<InlineData("sin(x, y)", "sin takes 1 argument but was given 2")>]
[<InlineData("atan2(x)", "atan2 takes 2 arguments but was given 1")>]
[<InlineData("sqrt(x, 1)", "sqrt takes 1 argument but was given 2")>]
let ``a call with the wrong number of arguments says how many it takes`` (text: string, fragment: string) =
    let ex = parseError text
    Assert.Equal(ErrorKind.Arity, ex.Kind)
    Assert.Contains(fragment, ex.Message)

[<Fact>]
let ``division by an exact zero in text names the column of the division`` () =
    let ex = parseError "1 + x/(y - y)"
    Assert.Equal(ErrorKind.DivisionByZero, ex.Kind)
    Assert.Equal(6, ex.Column)

[<Theory>]
[<InlineData("")>]
[<InlineData("   ")>]
let ``empty input is an error`` (text: string) =
    Assert.Equal(ErrorKind.Parse, (parseError text).Kind)

[<Fact>]
let ``a number too large for a double is an error`` () =
    Assert.Equal(ErrorKind.NonFinite, (parseError "1e400 * x").Kind)

[<Fact>]
let ``pi and e are constants, not variables`` () =
    Assert.Equal(ErrorKind.Variable, Assert.Throws<SymbolicException>(fun () -> Expr.symbol "pi" |> ignore).Kind)
    Assert.Empty(Structure.freeSymbols (Parse.expression "pi*e"))

[<Theory>]
[<InlineData("-x^2", "-(x^2)")>]
[<InlineData("2^3^2", "2^(3^2)")>]
[<InlineData("2^-1", "1/2")>]
[<InlineData("x**2", "x^2")>]
[<InlineData("--x", "x")>]
[<InlineData("1e-3*x", "0.001*x")>]
[<InlineData("1E+2", "100.0")>]
[<InlineData(".5*x", "0.5*x")>]
[<InlineData("ln(x)", "log(x)")>]
[<InlineData("  x\t+\n y ", "x + y")>]
let ``operators bind as written in the grammar`` (text: string, expected: string) =
    Assert.True(obj.ReferenceEquals(Parse.expression text, Parse.expression expected))

[<Fact>]
let ``several expressions are separated by semicolons`` () =
    let es = Parse.many "x0; x1^2"
    Assert.Equal(2, es.Length)
    Assert.Equal("x1^2", Infix.format es.[1])
    // A last ';' leaves an empty output, refused at its column as one between two ';' is (it was read as no output).
    let e = Assert.Throws<ParseException>(fun () -> Parse.many "x0; x1^2; " |> ignore)
    Assert.Equal(9, e.Column)
    Assert.Contains("output y2 is empty", e.Message)

[<Fact>]
let ``numbers are read in the invariant culture whatever the current one`` () =
    let saved = Globalization.CultureInfo.CurrentCulture

    try
        Globalization.CultureInfo.CurrentCulture <- Globalization.CultureInfo.GetCultureInfo "de-DE"
        Assert.Equal("2.5*x", Infix.format (Parse.expression "2.5*x"))
    finally
        Globalization.CultureInfo.CurrentCulture <- saved

[<Theory>]
[<InlineData("x^2 + 2*x + 1", "2*x + x^2 + 1")>]
[<InlineData("x - y", "x - y")>]
[<InlineData("x/(y*z)", "x/(y*z)")>]
[<InlineData("-(x + y)", "-(x + y)")>]
[<InlineData("x^(1/2)", "sqrt(x)")>]
[<InlineData("x^(-1/2)", "1/sqrt(x)")>]
[<InlineData("(x^y)^z", "(x^y)^z")>]
[<InlineData("x10 + x2 + x1", "x1 + x2 + x10")>]
[<InlineData("exp(1)", "e")>]
[<InlineData("2*pi", "2*pi")>]
let ``the infix printer uses the fewest parentheses`` (text: string, expected: string) =
    Assert.Equal(expected, Infix.format (Parse.expression text))

[<Theory>]
[<InlineData("x0^2/2", "\\frac{x_{0}^{2}}{2}")>]
[<InlineData("sqrt(alpha + 1)", "\\sqrt{\\alpha + 1}")>]
[<InlineData("abs(x)*sin(theta)", "\\sin\\left(\\theta\\right) \\left|x\\right|")>]
[<InlineData("exp(-x)", "e^{-x}")>]
let ``the LaTeX printer writes fractions, roots and subscripts`` (text: string, expected: string) =
    Assert.Equal(expected, LaTeX.format (Parse.expression text))

[<Theory>]
[<InlineData("x^2 + sqrt(y)", "x * x + Math.Sqrt(y)")>]
// Every constant is a double literal (3.0, 1.0 / 2.0): no operator divides integers.
[<InlineData("sin(x)/3", "Math.Sin(x) / 3.0")>]
[<InlineData("x^3*pi", "Math.PI * Math.Pow(x, 3.0)")>]
[<InlineData("1/x", "1.0 / x")>]
[<InlineData("x/2 + 1/2", "x / 2.0 + 1.0 / 2.0")>]
let ``the C# printer writes Math calls and double literals`` (text: string, expected: string) =
    Assert.Equal(expected, CSharp.format (Parse.expression text))
