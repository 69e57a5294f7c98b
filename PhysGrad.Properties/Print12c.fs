/// Issue 12, items 3, 5, 8 and 9 as a new user met them on main: headers that summarise long
/// expressions faithfully and print rounding noise as 0, one rule for C# literals with sign/log1p/expm1
/// as helpers, stop reasons at one level of parentheses, counted nouns in the right number, n/a
/// checks without NaN, a given loss echoed as the formatter writes it, one precision per time column,
/// and rules written with η first (−η·2x) in every format and in the API.
module PhysGrad.Properties.Print12c

open System
open System.IO
open System.Reflection
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.TestHelpers

let private run = Cli.run
let private outDir () = Path.Combine(Path.GetTempPath(), "physgrad-print12c-" + Guid.NewGuid().ToString "N")

/// The deepest nesting of parentheses in a text (0 for none).
let private depth (text: string) =
    text |> Seq.fold (fun (d, most) c -> match c with
                                         | '(' -> d + 1, max most (d + 1)
                                         | ')' -> d - 1, most
                                         | _ -> d, most) (0, 0) |> snd

// ---- 1. Headers: rounding noise prints as 0; a cut expression says what it hides -----------------------

[<Fact>]
let ``a vector's components below 2^-42 of its largest magnitude print as 0, and no others`` () =
    // The tester's y*: −2.33E-16 next to 0.19 is 1.2E-15 of the scale, below 2⁻⁴² ≈ 2.27E-13: noise.
    Assert.Equal("[0, 0.189161, 0.371053]", NumberText.Vector([| -2.33146835171283e-16; 0.189161346331296; 0.371053328205985 |], dropNoise = true))
    // The boundary, with scale 1: exactly 2⁻⁴² is noise, 2⁻⁴¹ (4.55E-13) is a value.
    Assert.Equal("[0, 1]", NumberText.Vector([| Math.Pow(2.0, -42.0); 1.0 |], dropNoise = true))
    Assert.Equal("[4.54747E-13, 1]", NumberText.Vector([| Math.Pow(2.0, -41.0); 1.0 |], dropNoise = true))
    // A value alone is its own scale; a vector of tiny values keeps them all (1E-20 is the largest here).
    Assert.Equal("[1E-20]", NumberText.Vector([| 1e-20 |], dropNoise = true))
    Assert.Equal("[1E-20, -3E-21]", NumberText.Vector([| 1e-20; -3e-21 |], dropNoise = true))
    // The scale is the whole vector's, shown or not: the last of 6 values (1) makes the first (1E-16) noise.
    Assert.Equal("[0, 0.5, 0.5, 0.5, 0.5, 1]", NumberText.Vector([| 1e-16; 0.5; 0.5; 0.5; 0.5; 1.0 |], dropNoise = true))
    // Elided, the noise is 0 too, and so is it in the note of the largest entry's value.
    Assert.Equal("[0, 0.5, …, 1] (12 values, max |·| at [11] = 1)", NumberText.Vector(Array.append [| 1e-16 |] (Array.append (Array.create 10 0.5) [| 1.0 |]), dropNoise = true))
    // Non-finite values neither set the scale nor become 0.
    Assert.Equal("[1E-16, NaN]", NumberText.Vector([| 1e-16; nan |], dropNoise = true))
    // A point of a run keeps every component: a diverged run's x0 = 1.134 next to 1.3E+15 is a value, not
    // noise (its components are not computed from one another), so it is never dropped.
    Assert.Equal("[1.13409, 1.27595E+15]", RunReport.FormatVector [| 1.1340909606418026; 1275949765844077.5 |])
    Assert.Equal("[1.13409, 1.27595E+15]", NumberText.Vector [| 1.1340909606418026; 1275949765844077.5 |])

[<Fact>]
let ``a cut expression says how many terms it has and every name it uses, as index ranges`` () =
    // 20 x terms then 20 y terms: the first 100 characters show x terms only, so the note must name the y's.
    let text =
        String.Join(" + ", Array.init 20 (fun i -> sprintf "0.123456789*x%d" i))
        + " + " + String.Join(" + ", Array.init 20 (fun i -> sprintf "0.987654321*y%d" i))
    let shown = ExpressionText.ForHeader text
    Assert.StartsWith("0.123457*x0 + 0.123457*x1", shown)
    Assert.EndsWith(sprintf "… (40 terms in x0–x19, y0–y19; %s characters)" (text.Length.ToString("N0", Globalization.CultureInfo.InvariantCulture)), shown)
    Assert.True(ExpressionText.HasCut shown)
    // Gaps split a range; two neighbours are listed, not ranged; names without an index are listed.
    let gappy = String.Join(" + ", [ "x0"; "x1"; "x2"; "x7"; "x8"; "a"; "b" ] |> List.map (sprintf "0.123456789123*%s"))
    let cut = ExpressionText.ForHeader(gappy, 20)
    Assert.Contains("(7 terms in a, b, x0–x2, x7, x8; ", cut)
    // Not a sum: the names only.
    let inside = "sin(" + String.Join(" + ", Array.init 30 (fun i -> sprintf "0.5*x%d" i)) + ")"
    Assert.Contains("… (in x0–x29; ", ExpressionText.ForHeader inside)

[<Fact>]
let ``the heat1d-inverse header names the inverse's y terms and prints y*'s noise as 0`` () =
    let code, out, err = run [ "compare"; "--example"; "heat1d-inverse"; "--n"; "32"; "--iterations"; "1"; "--methods"; "pg"; "--out"; outDir () ]
    Assert.True(code = 0 || code = 1, err)
    let line = TestHelpers.paragraph out "Local inverse for PG: given, x0 = "
    // x = B y + (I − BA) x₀ (ReferenceSimulators.Heat1DRegularisedInverse): each x_i uses y's as well as x's,
    // and the printed order puts the x terms first, so only the note can say so.
    let x0 = line.Substring(0, line.IndexOf ", x1 = ")
    Assert.Matches(@"… \(\d+ terms in x0[–,][^;]*, y0[–,][^;]*; [0-9,]+ characters\)$", x0)
    // Whatever y*[0] the program computes, if it is noise next to y*'s largest, the header prints 0.
    let _, json, _ = run [ "compare"; "--example"; "heat1d-inverse"; "--n"; "32"; "--iterations"; "1"; "--methods"; "pg"; "--format"; "json"; "--out"; outDir () ]
    let target = JsonDocument.Parse(json).RootElement.GetProperty("problem").GetProperty("target").EnumerateArray() |> Seq.map (fun v -> v.GetDouble()) |> Seq.toArray
    let scale = target |> Array.map abs |> Array.max
    Assert.True(abs target.[0] <= Math.Pow(2.0, -42.0) * scale, sprintf "y*[0] = %g is not noise here" target.[0])
    Assert.Contains("with y* = [0, ", unwrapped out)

// ---- 2. C#: every literal a double; sign, log1p, expm1 as helpers defined once ----------------------

/// An integer literal in C# code (digits not part of a name, a double literal or an exponent), outside comments.
let private integerLiterals (code: string) =
    code.Split('\n')
    |> Array.filter (fun l -> not (l.TrimStart().StartsWith "//"))
    |> Array.collect (fun l -> [| for m in Regex.Matches(l, @"(?<![\w.]|[Ee][+-])\d+(?![\w.])") -> m.Value |])

[<Fact>]
let ``derive's C# writes every literal as a double, sign as a helper, and computes the rule by hand`` () =
    let code, cs, err = run [ "derive"; "--simulator"; "a*sign(b); abs(a)^3 + 4*b"; "--target"; "1,2"; "--methods"; "gd,gn"; "--format"; "csharp" ]
    Assert.Equal(0, code)
    Assert.Empty(integerLiterals cs)
    Assert.Contains("4.0", cs)
    // One helper, defined once, never the int-valued Math.Sign inline or a lambda.
    Assert.Equal(1, Regex.Matches(cs, @"static double Sign\(").Count)
    Assert.DoesNotContain("Func<double, double>", cs)
    let t = (compileCSharp cs).GetType "UpdateRules"
    let gd = t.GetMethod "GradientDescent"
    let step (a: float) (b: float) (eta: float) =
        let args = [| box a; box b; box eta; box 0.0; box 0.0 |]
        gd.Invoke(null, args) |> ignore
        unbox<float> args.[3], unbox<float> args.[4]
    // L = ½(a·sign b − 1)² + ½(|a|³ + 4b − 2)²: ∂L/∂a = (a·sign b − 1)·sign b + (|a|³ + 4b − 2)·3|a|²·sign a,
    // ∂L/∂b = 4(|a|³ + 4b − 2) (sign′ = 0 off 0). At a = −2, b = 0.5: (−3)·1 + 8·12·(−1) = −99 and 32,
    // so with η = 0.1, Δa = 9.9, Δb = −3.2.
    let da, db = step -2.0 0.5 0.1
    Assert.Equal(9.9, da, 12)
    Assert.Equal(-3.2, db, 12)
    // At b = 0, sign b = 0: ∂L/∂a = 0 + (8 − 2)·12·(−1) = −72, Δa = 7.2; ∂L/∂b = 24, Δb = −2.4.
    let da0, db0 = step -2.0 0.0 0.1
    Assert.Equal(7.2, da0, 12)
    Assert.Equal(-2.4, db0, 12)
    // sign(NaN) is NaN, not an ArithmeticException as Math.Sign's.
    let daNaN, _ = step -2.0 nan 0.1
    Assert.True(Double.IsNaN daNaN)

[<Theory>]
// Integer, negative and rational powers, each with its value by hand at x = 8.
[<InlineData("x^3", 512.0)>]
[<InlineData("x^-2", 0.015625)>]
[<InlineData("x^(1/3)", 2.0)>]
[<InlineData("x^(2/3) + 1/2", 4.5)>]
[<InlineData("7/(x - 6)", 3.5)>]
[<InlineData("abs(x - 10)^3/4", 2.0)>]
[<InlineData("sign(x - 10)/2 + 1", 0.5)>]
let ``C# powers, quotients, abs and sign compute double arithmetic`` (text: string, expected: float) =
    let e = Parse.expression text
    // The lone form is self-contained; the program form calls helpers that CSharpHelpers defines.
    for body, helpers in [ CSharp.format e, ""
                           (let c = (Expression.Parse text).ToCSharpCallingHelpers() in c, String.Join("\n", Expression.CSharpHelpers c)) ] do
        Assert.Empty(integerLiterals body)
        let source = "using System; public static class G { public static double F(double x) => " + body + "; " + helpers + " }"
        let f = (compileCSharp source).GetType("G").GetMethod "F"
        Assert.Equal(expected, unbox<float> (f.Invoke(null, [| box 8.0 |])), 12)

[<Fact>]
let ``diff's C# defines each helper once, after the lines that call it`` () =
    let code, cs, _ = run [ "diff"; "-f"; "sign(x)*y^3 + log1p(x) + expm1(y)"; "--format"; "csharp" ]
    Assert.Equal(0, code)
    Assert.Empty(integerLiterals cs)
    for name in [ "Sign"; "Log1p"; "Expm1" ] do
        Assert.Equal(1, Regex.Matches(cs, @"static double " + name + @"\(").Count)
    // The whole output compiles as a method body (statements, then local functions) and computes
    // df/dy = 3y²·sign x + e^y: at x = −1, y = 0 that is 0 + 1 = 1.
    let body = cs.Replace("\r", "")
    let source = "using System; public static class G { public static double F(double x, double y) { " + body + " return df_dy; } }"
    let f = (compileCSharp source).GetType("G").GetMethod "F"
    Assert.Equal(1.0, unbox<float> (f.Invoke(null, [| box -1.0; box 0.0 |])), 15)

// ---- 3. Stop reasons: one level of parentheses, "Reason: detail" ----------------------------------------

let private create (variables: string[]) (simulator: string) (loss: string) (target: float[]) (start: float[]) =
    Problem.Create(variables, Parse.many simulator, (if isNull loss then null else Parse.expression loss), target, start, null, true)

[<Fact>]
let ``every kind of stop reads Reason: detail with at most one level of parentheses`` () =
    let cases =
        [ // Newton lands on the minimum of ½x² + ½(x − 2)² at x = 1 and stops with a zero step: converged.
          create [| "x0" |] "x0; x0" null [| 0.0; 2.0 |] [| 0.0 |], Method.Newton, 1.0, StopReason.Converged
          // x0 + x1 = 1 has a line of minima: GN reaches it, the probe finds L flat along it (a minimum, not strict).
          create [| "x0"; "x1" |] "x0 + x1" null [| 1.0 |] [| 0.0; 0.0 |], Method.GaussNewton, 1.0, StopReason.Converged
          // ½(cos x + 2)² at x = 0: a strict maximum (L″ = −3).
          create [| "x0" |] "cos(x0)" null [| -2.0 |] [| 0.0 |], Method.GradientDescent, 0.1, StopReason.StationaryNonMinimum
          // GD on ½x⁴·10⁶ from 10 with η = 1 overshoots without bound.
          create [| "x0" |] "1000*x0^2" null [| 0.0 |] [| 10.0 |], Method.GradientDescent, 1.0, StopReason.Diverged
          create [| "x0" |] "x0^2" null [| 0.0 |] [| 3.0 |], Method.GradientDescent, 0.01, StopReason.IterationLimit ]
    for p, m, eta, expected in cases do
        let r = Optimizer.Run(CompiledProblem p, m, eta, p.Start, 20)
        let text = r.Exit.ToString()
        Assert.True((r.StopReason = expected), sprintf "%A: %s" m text)
        Assert.StartsWith(ExitReason.Label expected + ": ", text)
        Assert.True(depth text <= 1, text)

[<Fact>]
let ``compare's stop column has one level of parentheses, also for a minimum that is not strict`` () =
    let code, out, err = run [ "compare"; "--simulator"; "x0 + x1"; "--target"; "1"; "--start"; "0,0"; "--methods"; "gn:1,newton:1,gd:0.1"; "--iterations"; "50"; "--out"; outDir () ]
    Assert.True((code = 0), err)
    let rows = out.Split('\n') |> Array.filter (fun l -> Regex.IsMatch(l, @"^(gn|newton|gd)\s"))
    Assert.Equal(3, rows.Length)
    for row in rows do
        Assert.True(depth row <= 1, row)
    Assert.Contains("converged: ", out)

// ---- 4. Counted nouns -------------------------------------------------------------------------------------

[<Fact>]
let ``no message of the product hedges a plural with (s)`` () =
    // A word directly followed by "(s)" inside a string literal: "eigenvalue(s)", "value(s)". ("time (s)" is a unit.)
    let root =
        let rec up (dir: DirectoryInfo) =
            if File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then dir.FullName else up dir.Parent
        up (DirectoryInfo AppContext.BaseDirectory)
    let hedged =
        [ for project in [ "PhysGrad.Api"; "PhysGrad.Cli"; "PhysGrad.Numerics"; "PhysGrad.Symbolic" ] do
            for file in Directory.EnumerateFiles(Path.Combine(root, project), "*.*", SearchOption.AllDirectories) do
                if (file.EndsWith ".cs" || file.EndsWith ".fs") && not (file.Contains "/obj/" || file.Contains "/bin/") then
                    for i, line in File.ReadAllLines file |> Array.indexed do
                        let code = line.TrimStart()
                        if not (code.StartsWith "//") && Regex.IsMatch(line, "\"[^\"]*[a-z]\\(s\\)[^\"]*\"") then
                            yield sprintf "%s:%d: %s" (Path.GetFileName file) (i + 1) code ]
    Assert.Empty(hedged)

[<Fact>]
let ``messages count in the right number: 1 value, 1 variable, 1 output, 1 zero eigenvalue`` () =
    // diff -f x has one variable; a point of two values does not fit it.
    let code, _, err = run [ "diff"; "-f"; "x"; "--at"; "1,2" ]
    Assert.Equal(2, code)
    Assert.Contains("The point (--at) has 2 values but there is 1 variable (x)", err)
    // L = y0² + y1 with y = x: H = diag(2, 0) has one zero eigenvalue, and ∂L/∂x1 = 1 lies along it.
    // (The book's problem near x1 = 0, where ∂²L/∂x1² = 12·x1² is small but not 0, is no longer an example:
    // on the Jacobi-scaled Hessian that eigenvalue is as large as the other, as Newton's invariance to the
    // units of x1 requires.)
    let _, out, _ =
        run [ "compare"; "--simulator"; "x0; x1"; "--loss"; "y0^2 + y1"; "--start"; "1,1"; "--methods"; "newton:1"; "--iterations"; "3"; "--out"; outDir () ]
    Assert.Contains("dropped 1 zero eigenvalue (pseudo-inverse)", out)
    Assert.Contains("along it,", out)
    Assert.DoesNotContain("(s)", out)
    // One output for two variables.
    let _, many, _ = run [ "compare"; "--simulator"; "x0 + x1"; "--target"; "1"; "--start"; "0,0"; "--methods"; "gd:0.1"; "--iterations"; "2"; "--out"; outDir () ]
    Assert.Contains("1 output < 2 variables", many)
    Assert.Equal("3 entries", NumberText.Count(3, "entry", "entries"))
    Assert.Equal("1 entry", NumberText.Count(1, "entry", "entries"))

// ---- 5. check: n/a rows show "–", never NaN; measured values at 4 significant digits ---------------------

[<Fact>]
let ``check's n/a rows show a dash and the reason, and measured values have 4 significant digits`` () =
    // Three outputs, two variables: PG's properties need a square Jacobian and do not apply.
    let code, out, err = run [ "check"; "--simulator"; "x0 + x1; x0*x1; x0"; "--target"; "1,2,3"; "--start"; "0.5,0.5" ]
    Assert.True((code = 0), err + out)
    Assert.DoesNotContain("NaN", out)
    // A detail too long for the row is set under it ("    detail: …"): each row is read with it.
    let rows = (unwrapped out).Split('\n') |> Array.filter (fun l -> Regex.IsMatch(l, @"^\s*\d+\s{2}"))
    Assert.Equal(11, rows.Length)
    for row in rows |> Array.filter (fun r -> r.Contains " n/a ") do
        Assert.Matches(@" n/a\s+–\s+(detail: )?\S", row)
    for row in rows |> Array.filter (fun r -> r.Contains " pass ") do
        // 4 significant digits: d.ddd, dd.dd, …, 0.000x…, or d.dddE±dd; an exact zero as 0.
        Assert.Matches(@" pass\s+(-?(\d\.\d{3}|\d\d\.\d\d|\d{3}\.\d|\d{4}|0\.\d*[1-9]\d{3}|0)|-?\d\.\d{3}E[+-]\d\d)(\s|$)", row)
    // The API's form: nothing measured is "–"; a pass keeps 4 digits; a failure keeps its non-finite value.
    Assert.Equal("–", CheckResult(9, "p", false, nan, "why", false).MeasuredText)
    Assert.Equal("2.000", CheckResult(5, "p", true, 2.0, "").MeasuredText)
    Assert.Equal("1.110E-16", CheckResult(4, "p", true, 1.11e-16, "").MeasuredText)
    Assert.Equal("NaN", CheckResult(4, "p", false, nan, "").MeasuredText)
    Assert.Equal("9 p: n/a; why", CheckResult(9, "p", false, nan, "why", false).ToString())

// ---- 6. A given loss is echoed as the formatter writes it -----------------------------------------------

[<Fact>]
let ``a given loss and simulator are echoed formatted, not as typed`` () =
    let _, out, _ = run [ "compare"; "--simulator"; "x0;x1 ^2"; "--loss"; "(y0-1.0)^2+2.0*y1^2"; "--start"; "1,1"; "--iterations"; "1"; "--methods"; "gd:0.1"; "--out"; outDir () ]
    // Binary + and − with spaces, integer-valued literals as integers, as every printed expression.
    Assert.StartsWith("P(x0, x1) = [x0, x1^2], L = (y0 - 1)^2 + 2*y1^2, start [1, 1].", out)
    let d = ProblemDefinition([| "x0"; "x1" |], [| "x0"; "x1 ^2" |], "(y0-1.0)^2+2.0*y1^2", [||], [| 1.0; 1.0 |])
    Assert.StartsWith("P(x0, x1) = [x0, x1^2], L = (y0 - 1)^2 + 2*y1^2,", d.ToString())

// ---- 7. train: one precision per time column ---------------------------------------------------------------

[<Fact>]
let ``train's time and ms/step columns have 3 significant digits in every row`` () =
    let code, out, err = run [ "train"; "--steps"; "3"; "--methods"; "adam,hig" ]
    Assert.True((code = 0), err)
    // A row too wide for 100 columns continues on the next lines (TextTable): read it joined.
    let header = (unwrapped out).Split('\n') |> Array.findIndex (fun l -> l.StartsWith "method ")
    let rows = (unwrapped out).Split('\n') |> Array.skip (header + 1) |> Array.takeWhile (fun l -> l.Trim() <> "" && not (l.StartsWith "Stop of") && not (l.StartsWith "Plots:"))
    Assert.Equal(2, rows.Length)
    // 3 significant digits (NumberText.Table): 1.23, 12.3, 123, 0.0123, 1.23E-05; from 1000 on, the integer.
    let three = Regex(@"^(\d\.\d\d|\d\d\.\d|\d{3,6}|0\.0*[1-9]\d\d|\d\.\d\dE[+-]\d\d)$")
    for row in rows do
        // … seed, final loss, time (s), steps, ms/step, stop: time is 3 cells before the stop, ms/step the last number.
        let cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries) |> Array.filter (fun c -> c <> "stop:")
        let stop = cells |> Array.findIndex (fun c -> c = "step")
        Assert.Matches(three, cells.[stop - 3])
        Assert.Equal("3", cells.[stop - 2])
        Assert.Matches(three, cells.[stop - 1])

// ---- 8. Rules with η first, in every format and in the API -------------------------------------------------

[<Fact>]
let ``rules put eta first in products in infix, LaTeX, C#, JSON and UpdateRule.ToString`` () =
    // L = ½(a − 1)² + ½(b² − 2)²: ∂L/∂a = a − 1, ∂L/∂b = 2b(b² − 2); GD: Δa = −η(a − 1), Δb = −2η b(b² − 2).
    // a sorts before eta, which used to print −(a − 1)·eta.
    let args = [ "derive"; "--simulator"; "a; b^2"; "--target"; "1,2"; "--methods"; "gd" ]
    let _, infix, _ = run args
    Assert.Contains("Δa = -eta*(a - 1)", infix)
    Assert.Contains("Δb = -2*eta*b*(b^2 - 2)", infix)
    let _, latex, _ = run (args @ [ "--format"; "latex" ])
    Assert.Contains("\\Delta a &= -\\eta \\left(a - 1\\right)", latex)
    let _, cs, _ = run (args @ [ "--format"; "csharp" ])
    Assert.Contains("da = -eta * (a - 1.0);", cs)
    let _, json, _ = run (args @ [ "--format"; "json" ])
    let steps = JsonDocument.Parse(json).RootElement.GetProperty("rules").[0].GetProperty("steps")
    Assert.Equal("-eta*(a - 1)", steps.[0].GetProperty("step").GetString())
    let rule = UpdateRuleSet.Derive(ProblemDefinition([| "a"; "b" |], [| "a"; "b^2" |], null, [| 1.0; 2.0 |], [||]), [| Method.GradientDescent |])
    Assert.Equal("gd: Δa = -eta*(a - 1); Δb = -2*eta*b*(b^2 - 2)", rule.[0].ToString())
    // The order is the printers' only: the expression is the same (equal to the canonical form's parse).
    Assert.Equal(Parse.expression "-(a - 1)*eta", rule.[0].Steps.[0].Core)

[<Fact>]
let ``compare's diagonal column says n/a for a run without a first step instead of NaN`` () =
    // ½(cos x + 2)² at x = 0 is a maximum: the first step u is 0, so u/‖u‖ is 0/0 (NaN, no direction),
    // and the table says n/a.
    let code, out, err = run [ "compare"; "--simulator"; "cos(x0)"; "--target"; "-2"; "--start"; "0"; "--methods"; "gd:0.1"; "--out"; outDir () ]
    Assert.True((code = 0), err)
    let row = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "gd ")
    Assert.DoesNotContain("NaN", row)
    Assert.Matches(" n/a .*stationary, not a minimum", row)
    // The stop's detail is in the note under the table.
    Assert.Contains("Stop of gd: stationary, not a minimum: ", unwrapped out)
