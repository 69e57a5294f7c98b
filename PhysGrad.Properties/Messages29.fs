/// Faults of the 29th new-user trial, fixed as kinds: entries a simulator's overflowing output does not
/// enter reported as undefined; eval's notes unwrapped, with "((…))" and two ways of writing 1.8E+308;
/// no log10 in the text syntax; duplicate variable names found after the start's length; a problem file's
/// non-string variable suggested as a name; messages without what to do instead.
module PhysGrad.Properties.Messages29

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic

let private run = Cli.run

// ---- 1. an overflowing output leaves the entries that do not involve it finite ----------------------

[<Fact>]
let ``diff with a simulator: an output that overflows (exp(800)) leaves the entries that do not involve it finite`` () =
    let code, out, err = run [ "diff"; "--simulator"; "exp(x0); x0*x1"; "--target"; "1,2"; "--at"; "800,1"; "--order"; "2" ]
    Assert.True((code = 0), err)
    // L = ½((y0 − 1)² + (y1 − 2)²): dL/dx1 = (x0·x1 − 2)·x0 = 798·800, d²L/dx1² = x0², d²L/dx0dx1 = x1·x0 + (x0·x1 − 2).
    Assert.Contains("  jacobian (2×2) = [[undefined, 0], [1, 800]]\n", out)
    Assert.Contains("  gradient = [undefined, 638400]\n", out)
    Assert.Contains("  hessian (2×2) = [[undefined, 1598], [1598, 640000]]\n", out)
    let text = TestHelpers.unwrapped out
    // Only the entries that are not finite are said so, each with its size.
    Assert.Contains("undefined: y0: its value is 2.72637E+347, beyond the double range", text)
    Assert.Contains("undefined: dL/dx0: its value is 7.43312E+694", text)
    Assert.DoesNotContain("dL/dx1:", text)
    Assert.DoesNotContain("dy0/dx1:", text)
    Assert.DoesNotContain("d2L/dx1dx1:", text)

[<Fact>]
let ``eval with a simulator: the same point gives the finite entries in the CSV`` () =
    let points = TestHelpers.tempFile "m29" "pts.csv" "x0,x1\n800,1\n"
    try
        let code, out, err = run [ "eval"; "--simulator"; "exp(x0); x0*x1"; "--target"; "1,2"; "--points"; points; "--order"; "2" ]
        Assert.True((code = 0), err)
        Assert.EndsWith("\n800,1,,800,,0,1,800,,,638400,,1598,1598,640000\n", out)
        Assert.DoesNotContain("dL/dx1 is undefined", err)
    finally
        File.Delete points

[<Fact>]
let ``an output outside its domain still leaves its row and the loss undefined, saying which output`` () =
    let _, out, _ = run [ "diff"; "--simulator"; "1/x0; x0*x1"; "--target"; "1,2"; "--at"; "0,1"; "--order"; "2" ]
    Assert.Contains("  gradient = [undefined, undefined]\n", out)
    Assert.Contains("  undefined: dL/dx1: y0 is undefined here: x0 ≠ 0 for 1/x0\n", out)

// ---- 2. eval's notes: wrapped, one reason format, one number format ---------------------------------------

[<Fact>]
let ``eval's notes are wrapped at 100 columns, never nest parentheses, and write 1.8E+308 one way`` () =
    let points = TestHelpers.tempFile "m29" "pts.csv" "x0,x1\n800,1\n3,0\n"
    try
        let code, _, err = run [ "eval"; "--simulator"; "exp(x0)*x1; sqrt(x0 - 5)"; "--points"; points; "--order"; "1" ]
        Assert.True((code = 0), err)
        for line in err.Replace("\r", "").Split('\n') do
            Assert.True(line.Length <= 100, line)
        let text = TestHelpers.unwrapped err
        Assert.Contains("1.8E+308", text)
        Assert.DoesNotContain("e308", text)
        // A condition with a parenthesis of its own is not put inside another.
        Assert.Contains("dy1/dx0 is undefined: y1 is undefined here: x0 - 5 ≥ 0 for sqrt(x0 - 5)", text)
        Assert.DoesNotContain("))", text)
    finally
        File.Delete points

// ---- 3. log10 and log2 in the text syntax --------------------------------------------------------------

[<Fact>]
let ``log10 and log2 parse, differentiate and print in every format as written`` () =
    let e = Parse.expression "log10(x) + log2(x)"
    Assert.Equal("log10(x) + log2(x)", Infix.format e)
    // Printed text parses back to the same expression.
    Assert.Equal(e, Parse.expression (Infix.format e))
    Assert.Equal(3.0, Evaluate.at [| "x" |] [| 1000.0 |] (Parse.expression "log10(x)"), 12)
    Assert.Equal(10.0, Evaluate.at [| "x" |] [| 1024.0 |] (Parse.expression "log2(x)"), 12)
    let code, out, err = run [ "diff"; "-f"; "log10(x)"; "--at"; "100" ]
    Assert.True((code = 0), err)
    Assert.Contains("df/dx = 1/(x*log(10))", out)
    Assert.Contains("f = 2\n", out)
    let _, latex, _ = run [ "diff"; "-f"; "log2(x)"; "--format"; "latex" ]
    Assert.Contains("f &= \\log_{2}\\left(x\\right)", latex)
    let _, csharp, _ = run [ "diff"; "-f"; "log10(x)"; "--format"; "csharp" ]
    Assert.Contains("double f = Math.Log10(x);", csharp)

[<Fact>]
let ``a misspelt logarithm is matched among the known functions, which list log10 and log2`` () =
    let e = Assert.Throws<ParseException>(fun () -> Parse.expression "lg10(x)" |> ignore)
    Assert.Contains("did you mean 'log10'?", e.Message)
    Assert.Contains("log10", Parse.knownFunctions)
    Assert.Contains("log2", Parse.knownFunctions)

// ---- 4. a variable listed twice is said before the start's length --------------------------------------

[<Fact>]
let ``--vars with a repeat is refused as the repeat, before the start's length or an unknown name`` () =
    for args in
        [ [ "derive"; "--simulator"; "x*y"; "--vars"; "x,x" ]
          [ "compare"; "--simulator"; "x*y"; "--vars"; "x,y,x"; "--start"; "1,2"; "--target"; "1" ]
          [ "diff"; "-f"; "x*y"; "--vars"; "x,x" ] ] do
        let code, _, err = run args
        Assert.Equal(2, code)
        let text = TestHelpers.unwrapped err
        Assert.Contains("--vars: The variable 'x' is listed twice", text)
        Assert.Contains("list each variable once", text)

[<Fact>]
let ``the API says a repeated variable before a start of the wrong length`` () =
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromText("x*y", [| 1.0 |], [| 1.0; 2.0 |], variables = [| "x"; "y"; "x" |]) |> ignore)
    Assert.Equal(ErrorKind.Variable, e.Kind)
    Assert.StartsWith("The variable 'x' is listed twice (names 1 and 3 of x, y, x): list each variable once", e.Message)

// ---- 5. a problem file's entry that is not a string ------------------------------------------------------

[<Fact>]
let ``a problem file's variable that is not a string is named by its index, with names to write`` () =
    let path = TestHelpers.tempFile "m29" "p.json" """{"variables": ["a", 2], "simulator": ["a"]}"""
    try
        let code, _, err = run [ "derive"; "--problem"; path ]
        Assert.Equal(2, code)
        let text = TestHelpers.unwrapped err
        Assert.Contains("variables[1] is the number 2, not a name in quotes", text)
        Assert.Contains("\"variables\": [\"a\", \"b\"]", text)
        Assert.DoesNotContain("\"2\"", text)
    finally
        File.Delete path

// ---- 6. messages that said what was wrong but not what to do ------------------------------------------------

[<Fact>]
let ``an inverse of the wrong length, an unused --param and a positional expression say what to do`` () =
    let code, _, err = run [ "derive"; "--simulator"; "x0^2; x1"; "--inverse"; "sqrt(y0)" ]
    Assert.Equal(2, code)
    Assert.Contains(
        "The inverse has 1 expression but the problem has 2 variables (x0, x1): give one expression per variable, in that order",
        TestHelpers.unwrapped err)
    let code, _, err = run [ "derive"; "--simulator"; "x0^2"; "--param"; "a=2" ]
    Assert.Equal(2, code)
    Assert.Contains("The parameter 'a' is not used by the simulator, the loss or the inverse: leave it out", TestHelpers.unwrapped err)
    let code, _, err = run [ "diff"; "x^2" ]
    Assert.Equal(2, code)
    Assert.Contains("give the expression with -f, e.g. physgrad diff -f \"x^2\"", TestHelpers.unwrapped err)
    let code, _, err = run [ "derive"; "x0^2" ]
    Assert.Equal(2, code)
    Assert.Contains("give the expression with --simulator, e.g. physgrad derive --simulator \"x0^2\"", TestHelpers.unwrapped err)

[<Fact>]
let ``diff with a simulator names --at for a point of the wrong length, as check does`` () =
    let code, _, err = run [ "diff"; "--simulator"; "x0^2"; "--at"; "1,2" ]
    Assert.Equal(2, code)
    Assert.Contains("--at has 2 values but the problem has 1 variable (x0): give one value per variable, in that order, e.g. --at 1.", TestHelpers.unwrapped err)

[<Fact>]
let ``a call with the wrong number of arguments says the call to write; log takes a base`` () =
    let e = Assert.Throws<ParseException>(fun () -> Parse.expression "atan2(x)" |> ignore)
    Assert.Contains("atan2 takes 2 arguments but was given 1: write atan2(y, x)", e.Message)
    let e = Assert.Throws<ParseException>(fun () -> Parse.expression "sqrt(x, 1)" |> ignore)
    Assert.Contains("write sqrt(u)", e.Message)
    Assert.Equal(Parse.expression "log(x)/log(3)", Parse.expression "log(x, 3)")
