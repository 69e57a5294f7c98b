/// Printing faults of the 30th round, fixed as kinds: log10 and log2 exact at the powers of their base
/// (they were log(u)/log(10), 2.9999999999999996 at 1000) and printed as written; names of shared
/// subexpressions standing for the positive part (t6 = -v*ys0*cos(th) made every use carry a double
/// sign); η-factored rules broken at the terms inside their bracket; expm1(u) + 1 folded to exp(u), as a
/// target y* = −1 leaves it, so that the rule matches the one for exp(u) − 1.
module PhysGrad.Properties.Print30

open System
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

let private ok (args: string list) =
    let code, out, err = run args
    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    out

// ---- 1. log10 and log2: exact at the powers of the base, printed as written -----------------------------

[<Fact>]
let ``log10 and log2 are exact at the powers of their base in the interpreter, the compiled kernel and the symbolic core`` () =
    let f = Parse.expression "log10(x)*log2(y)"
    // Exactly: log(1000)/log(10) was 2.9999999999999996.
    Assert.Equal(3.0, Evaluate.at [| "x" |] [| 1000.0 |] (Parse.expression "log10(x)"))
    Assert.Equal(9.0, Evaluate.at [| "x"; "y" |] [| 1000.0; 8.0 |] f)
    Assert.Equal(-30.0, Evaluate.at [| "x"; "y" |] [| 0.001; 1024.0 |] f)
    let kernel = KernelCompiler.CompileUncached(Lower.valueGradientHessian [| "x"; "y" |] [||] false f, true)
    let out = TestHelpers.runKernel kernel [| 1000.0; 8.0 |] [||]
    Assert.Equal(9.0, out.[0])
    // The derivatives are log2(y)/(x·ln 10) and log10(x)/(y·ln 2).
    Assert.Equal(3.0 / (1000.0 * log 10.0), out.[1], 15)
    Assert.Equal(3.0 / (8.0 * log 2.0), out.[2], 15)
    // Exact constants fold exactly, symbolic powers of the base too; log(u, 10) is log10(u).
    Assert.Equal(Expr.ofInt 3, Parse.expression "log10(1000)")
    Assert.Equal(Expr.ofInt -3, Parse.expression "log2(1/8)")
    Assert.Equal(Parse.expression "z", Parse.expression "log10(10^z)")
    Assert.Equal(Parse.expression "log10(x)", Parse.expression "log(x, 10)")
    Assert.Equal(Parse.expression "log2(x)", Parse.expression "log(x, 2)")
    Assert.Equal("log(x)/log(3)", Infix.format (Parse.expression "log(x, 3)"))

/// Positive doubles over 10⁻⁴⁰ … 10⁴⁰, the powers of 10 and 2 among them.
let private positives: Gen<float> =
    Gen.oneof
        [ Gen.choose (-40, 40) |> Gen.map (fun k -> Math.Pow(10.0, float k))
          Gen.choose (-120, 120) |> Gen.map (fun k -> Math.ScaleB(1.0, k))
          Gen.choose (-4000, 4000) |> Gen.map (fun k -> Math.Exp(float k / 50.0)) ]

[<Property(MaxTest = 200)>]
let ``log10(u) and log2(u) agree with Math.Log10 and Math.Log2 in the interpreter and the kernel, and so do their derivatives`` () =
    Prop.forAll (Arb.fromGen (Gen.zip positives positives)) (fun (x, y) ->
        let names = [| "x"; "y" |]
        let f = Parse.expression "log10(x) + 3*log2(y)"
        let expected = Math.Log10 x + 3.0 * Math.Log2 y
        let kernel = KernelCompiler.CompileUncached(Lower.valueGradientHessian names [||] false f, true)
        let out = TestHelpers.runKernel kernel [| x; y |] [||]
        // The symbolic derivatives, 1/(x·log(10)) and 3/(y·log(2)), evaluated by the interpreter.
        let gradient = names |> Array.map (fun v -> Evaluate.at names [| x; y |] (Calculus.derivative (Expr.symbol v) f))
        let near (a: float) (b: float) = abs (a - b) <= 1e-15 * abs b

        (Evaluate.at names [| x; y |] f = expected
         && out.[0] = expected
         && near out.[1] (1.0 / (x * log 10.0))
         && near out.[2] (3.0 / (y * log 2.0))
         && near gradient.[0] out.[1]
         && near gradient.[1] out.[2])
        |> Prop.label (sprintf "x = %g, y = %g: %A vs %g, gradient %A" x y out expected gradient))

[<Fact>]
let ``eval and diff print log10(1000) as 3, and the derivative as 1/(x*log(10))`` () =
    let points = TestHelpers.tempFile "p30" "pts.csv" "x\n1000\n"

    try
        let out = ok [ "eval"; "-f"; "log10(x)"; "--points"; points ]
        Assert.Contains("\n1000,3,", out)
        let out = ok [ "eval"; "-f"; "log2(x)"; "--points"; points; "--order"; "0" ]
        Assert.Contains("\n1000,9.965784284662087\n", out)
    finally
        IO.File.Delete points

    let out = ok [ "diff"; "-f"; "y*log10(x)"; "--at"; "1000,1" ]
    Assert.Contains("f(x, y) = y*log10(x)\n", out)
    Assert.Contains("df/dx = y/(x*log(10))", out)
    Assert.Contains("df/dy = log10(x)", out)
    Assert.Contains("gradient = [0.000434294, 3]", out)

[<Fact>]
let ``derived rules write log10 as written in text, LaTeX and C#`` () =
    let sim = "log10(x0); x1*log2(x0)"
    let text = ok [ "derive"; "--simulator"; sim; "--methods"; "gd"; "--target"; "1,2" ]
    Assert.Contains("log10(x0)", text)
    Assert.Contains("log2(x0)", text)
    Assert.DoesNotContain("log(x0)", text)
    let latex = ok [ "derive"; "--simulator"; sim; "--methods"; "gd"; "--target"; "1,2"; "--format"; "latex" ]
    Assert.Contains("\\log_{10}\\left(x_{0}\\right)", latex)
    Assert.Contains("\\log_{2}\\left(x_{0}\\right)", latex)
    let csharp = ok [ "derive"; "--simulator"; sim; "--methods"; "gd"; "--target"; "1,2"; "--format"; "csharp" ]
    Assert.Contains("Math.Log10(x0)", csharp)
    Assert.Contains("Math.Log2(x0)", csharp)
    Assert.DoesNotContain("Math.Log(x0)", csharp)

[<Fact>]
let ``PG's local inverse of 10^x and 2^x is log10 and log2, exact at the target`` () =
    let out = ok [ "derive"; "--simulator"; "10^x0; 2^x1"; "--methods"; "pg"; "--target"; "1000,8" ]
    Assert.Contains("log10(", out)
    Assert.Contains("log2(", out)

// ---- 2. a shared name stands for the positive part --------------------------------------------------------

/// The `name = definition` lines of derive's infix text.
let private namedLines (text: string) =
    text.Split('\n') |> Array.filter (fun l -> Regex.IsMatch(l, @"^  [a-z]+\d+ = "))

[<Fact>]
let ``no named intermediate of the projectile's rules is defined with a leading minus`` () =
    for sim in
        [ "v*cos(th)*t; v*sin(th)*t - 4.9*t^2"
          "v*cos(th); v*sin(th) - 9.8*v^2"
          "x0*cos(x1) - x1; x0*sin(x1)*x1" ] do
        let vars = if sim.Contains "th" then "v,th" else "x0,x1"
        let param = if sim.Contains "*t" then [ "--param"; "t=1" ] else []
        let out = ok ([ "derive"; "--simulator"; sim; "--vars"; vars; "--methods"; "newton,gn,ig,gd" ] @ param)
        let lines = namedLines out
        Assert.True(lines.Length >= 3, out)

        for l in lines do
            Assert.False(l.Contains " = -", sprintf "%s: %s" sim l)

[<Fact>]
let ``the projectile's Newton rule names t*ys0*cos(th), and the sign goes to its uses`` () =
    let out = ok [ "derive"; "--simulator"; "v*cos(th)*t; v*sin(th)*t - 4.9*t^2"; "--vars"; "v,th"; "--param"; "t=1"; "--methods"; "newton" ]
    Assert.Matches(@"\n  t\d+ = t\*ys0\*cos\(th\)\n", out)
    Assert.DoesNotContain("-t*ys0*cos(th)", out)

[<Fact>]
let ``positive names keep every value: the block inlines to the rules it names`` () =
    let roots =
        [| "-eta*(x*sin(a)*y - 3)/(x*sin(a)*y + z)"; "-x*sin(a)*y*z + exp(-x*sin(a)*y)"; "-(x*sin(a)*y)^2 + 1" |]
        |> Array.map Parse.expression

    let block = SharedTerms.extract "t" roots
    // Equal values (the block may write equal sums one way, which rounds differently in the last digits).
    let names = [| "eta"; "x"; "y"; "z"; "a" |]
    let point = [| 0.25; 1.5; -0.75; 2.0; 0.6 |]
    let before = Evaluate.manyAt names point roots
    let after = Evaluate.manyAt names point (SharedTerms.inlineAll block)

    for i in 0 .. roots.Length - 1 do
        Assert.True(abs (before.[i] - after.[i]) <= 1e-13 * (1.0 + abs before.[i]), sprintf "%g vs %g" before.[i] after.[i])

    for (n, d) in block.Intermediates do
        Assert.False((Infix.format d).StartsWith "-", sprintf "%s = %s" n (Infix.format d))

    // The function itself: a name for −p becomes a name for p, its uses −name.
    let flipped =
        SharedTerms.positiveNames
            { Intermediates = [| "t1", Parse.expression "-x*y*sin(a)" |]
              Results = [| Parse.expression "t1*z + t1^2" |] }

    Assert.Equal("x*y*sin(a)", Infix.format (snd flipped.Intermediates.[0]))
    Assert.Equal(Parse.expression "t1^2 - t1*z", flipped.Results.[0])

// ---- 3. a long η-factored rule breaks inside its bracket --------------------------------------------------

[<Fact>]
let ``a product ending in a long bracketed sum breaks at the sum's terms, under the bracket's contents`` () =
    let body =
        "-eta*t13*(t7*t10 - t4*(t12*x2^2*sin(x0) - t9*x0*cos(x2)) + t5*(2*t12*x1*x2 - t3*x0*x2*cos(x2)) - t1*t2*t3*t4)"

    let lines = (Expression.CSharpStatement("  Δx2 = ", body, "")).Split('\n')
    Assert.True(lines.Length >= 2)
    // The factors and the bracket's first term stay on the first line; no line starts with the bracket.
    Assert.StartsWith("  Δx2 = -eta*t13*(t7*t10", lines.[0])
    let column = "  Δx2 = -eta*t13*(".Length + 2

    for l in Array.tail lines do
        Assert.True(l.Length <= RulePrinter.MaxWidth, l)
        Assert.False(l.TrimStart().StartsWith "*", l)
        // Each continuation is a term of the bracket's sum, its operator two columns past the contents.
        Assert.Equal(String(' ', column), l.Substring(0, column))
        Assert.Matches(@"^[+-] ", l.Substring column)

    // The same text back without the breaks.
    Assert.Equal("Δx2 = " + body, String.Join(" ", lines |> Array.map (fun l -> l.Trim())))

[<Fact>]
let ``derive's long Gauss-Newton rule on a three-variable problem breaks inside its bracket`` () =
    let sim = "x0*x1*cos(x2) + sin(x2)*x0; x1^2*x2 + exp(x0*x2); x0*x2 + x1*x2^2*sin(x0)"

    for format, star in [ "infix", "*("; "csharp", "* (" ] do
        let out = ok [ "derive"; "--simulator"; sim; "--methods"; "gn"; "--format"; format ]
        let lines = out.Split('\n')
        // Some rule is broken, between two terms of its bracket.
        Assert.Contains(lines, fun l -> Regex.IsMatch(l, @"^ {12,}[+-] "))

        for l in lines do
            Assert.False(l.TrimStart().StartsWith star, sprintf "%s: %s" format l)

// ---- 4. expm1(u) + c·1 folds to exp(u), as a folded target leaves it ----------------------------------------

[<Fact>]
let ``c*expm1(u) + c is c*exp(u), in any sum and in either order`` () =
    Assert.Equal(Parse.expression "exp(x)", Parse.expression "expm1(x) + 1")
    Assert.Equal(Parse.expression "exp(x)", Parse.expression "1 + expm1(x)")
    Assert.Equal(Parse.expression "2*exp(x) + y", Parse.expression "2*expm1(x) + y + 2")
    Assert.Equal(Parse.expression "y - 3*exp(x)", Parse.expression "y - 3*expm1(x) - 3")
    // Other constants leave expm1 alone: its digits matter beside them.
    Assert.Equal("expm1(x) - 1", Infix.format (Parse.expression "expm1(x) - 1"))
    Assert.Equal("expm1(x) + 2", Infix.format (Parse.expression "expm1(x) + 2"))

[<Fact>]
let ``a target y* = -1 gives expm1(x0) the rules of exp(x0) - 1`` () =
    let rules sim =
        ok [ "derive"; "--simulator"; sim; "--methods"; "gd,newton,gn"; "--target"; "-1" ]

    let written = rules "exp(x0) - 1"
    let viaExpm1 = rules "expm1(x0)"
    Assert.DoesNotContain("expm1(x0) + 1", viaExpm1)
    Assert.Contains("Δx0 = -eta*exp(2*x0)", viaExpm1)
    Assert.Equal(written, viaExpm1)
    // With a symbolic target the rule keeps expm1.
    Assert.Contains("expm1(x0) - ys0", ok [ "derive"; "--simulator"; "expm1(x0)"; "--methods"; "gd" ])
