/// Messages and input handling of a new-user trial (19), each fixed as a kind: a given inverse is checked
/// at the target too; a parameter value at which an expression divides by zero names the expression and the
/// parameter (and a closed-form inverse undefined there gives way to the numeric one); inferred variables
/// x0, x1, … are never taken over by a parameter; problem-file numbers in quotes and non-numeric parameters
/// name their field; every option's list of names suggests the nearest; common lambdas resolve to one
/// FromLambda overload; the plotting library's message says what works.
module PhysGrad.Properties.TrialMessages19

open System
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

let private out name = Path.Combine(Path.GetTempPath(), sprintf "physgrad-trial19-%s-%s" name (Guid.NewGuid().ToString "N"))

let private problemFile (json: string) =
    let path = out "problem" + ".json"
    File.WriteAllText(path, json)
    path

// ---- 1. a given inverse is checked at the target as well as at the start ----------------------------------

let private cube = [ "compare"; "--simulator"; "x0^3; x1"; "--target"; "8,1"; "--start"; "1,0"; "--methods"; "pg:0.5"; "--iterations"; "3" ]

[<Fact>]
let ``a given inverse right at the start but wrong at the target is warned about, in the table and in JSON`` () =
    // √y inverts y = x³ at x₀ = 1 (P(x₀) = 1) but not at y* = 8: √8 = 2.83, and 2.83³ = 22.6, not 8.
    let _, table, _ = run (cube @ [ "--inverse"; "y0^(1/2); y1"; "--out"; out "cube" ])
    Assert.Contains("Warning: the given inverse does not invert the simulator at the target", table)
    Assert.Contains("22.6", table)
    let json inverse =
        let _, text, _ = run (cube @ [ "--inverse"; inverse; "--format"; "json"; "--out"; out "cube" ])
        use d = JsonDocument.Parse(text: string)
        let w = d.RootElement.GetProperty("problem").GetProperty "inverseWarning"
        if w.ValueKind = JsonValueKind.Null then null else w.GetString()
    Assert.Contains("at the target", json "y0^(1/2); y1")
    // The right inverse, y^(1/3), lands on y* = 8 at x = 2: no warning.
    Assert.Null(json "y0^(1/3); y1")

[<Fact>]
let ``the API's warning checks the target, and an unreachable target is not counted against a right inverse`` () =
    let withInverse target inverse =
        PhysicsProblem.FromExpressions(
            [| Expression.Parse "x0^2" |], [| target |], [| 1.0 |], inverse = [| Expression.Parse inverse |]).GivenInverseWarning
    // ∛y lands at the start (P(1) = 1, ∛1 = 1) but not at y* = 9: ∛9² = 4.33.
    Assert.Contains("at the target", withInverse 9.0 "y0^(1/3)")
    Assert.Null(withInverse 9.0 "sqrt(y0)")
    // y* = −4 lies outside x²'s range: √y* has no finite value, and that is the target's doing.
    Assert.Null(withInverse -4.0 "sqrt(y0)")
    Assert.DoesNotContain("--inverse", withInverse 9.0 "y0^(1/3)")

// ---- 2. a parameter value at which an expression divides by zero ------------------------------------------

[<Fact>]
let ``k = 0 runs the methods that are defined there, and PG's inverse undefined at k = 0 says so`` () =
    let code, table, err =
        run [ "compare"; "--simulator"; "k*x0"; "--target"; "1"; "--start"; "0"; "--param"; "k=0"; "--methods"; "gd,pg"
              "--iterations"; "3"; "--out"; out "k0" ]
    Assert.DoesNotContain("Division by zero: 0 raised", err)
    Assert.NotEqual(2, code)
    // gd ran (its row is in the table); PG's derived x0 = y0/k is undefined at k = 0: named with the parameter.
    Assert.Matches(Regex("^gd ", RegexOptions.Multiline), table)
    Assert.Contains("x0 = y0/k is undefined at k = 0", table)

[<Fact>]
let ``a simulator that divides by zero at a parameter's value names the output, the expression and the value`` () =
    let e =
        Assert.ThrowsAny<SymbolicException>(fun () ->
            PhysicsProblem.FromExpressions([| Expression.Parse "x0/k" |], [| 1.0 |], [| 1.0 |], parameters = readOnlyDict [ "k", 0.0 ]).Run(Method.GradientDescent, 0.1, 2)
            |> ignore)
    Assert.Contains("y0 = x0/k", e.Message)
    Assert.Contains("k = 0", e.Message)
    let code, _, err =
        run [ "compare"; "--simulator"; "x0/k"; "--target"; "1"; "--start"; "1"; "--param"; "k=0"; "--methods"; "gd"; "--out"; out "k0s" ]
    Assert.Equal(2, code)
    Assert.Contains("y0 = x0/k is undefined at k = 0", err)

[<Fact>]
let ``a lambda's division by an exact zero names the output element and its expression`` () =
    // As a C# user writes it: the compiler keeps x[1] / 0.0 (x[1] is no constant) in the expression tree.
    let source =
        "using PhysGrad; public static class D { public static void Make() =>"
        + " PhysicsProblem.FromLambda(x => new[] { x[0], x[1] / 0.0 }, new[] { 1.0, 1.0 }); }"
    let make = (TestHelpers.compileCSharp source).GetType("D").GetMethod "Make"
    let thrown = Assert.Throws<Reflection.TargetInvocationException>(fun () -> make.Invoke(null, [||]) |> ignore)
    let e = Assert.IsAssignableFrom<SymbolicException>(thrown.InnerException)
    Assert.Equal(ErrorKind.DivisionByZero, e.Kind)
    Assert.Contains("y1 (element 1 of the result)", e.Message)
    Assert.Contains("x[1] / 0", e.Message)

// ---- 3. a parameter never takes over an inferred variable --------------------------------------------------

[<Fact>]
let ``--param x0 with inferred variables is refused as a variable, and with --vars leaving it out it is a constant`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0; x1"; "--target"; "1,1"; "--start"; "0,0"; "--param"; "x0=2"; "--out"; out "px" ]
    Assert.Equal(2, code)
    Assert.Contains("--param x0: x0 is a variable", (TestHelpers.unwrapped err))
    Assert.DoesNotContain("--start has 2 values", (TestHelpers.unwrapped err))
    // The documented way to hold x0 constant: name the other variables.
    let code, _, err =
        run [ "compare"; "--simulator"; "x0; x1"; "--vars"; "x1"; "--target"; "2,1"; "--start"; "0"; "--param"; "x0=2"; "--methods"; "gd"
              "--iterations"; "2"; "--out"; out "pv" ]
    Assert.True((code <> 2), err)

[<Fact>]
let ``a parameter that is also a variable is refused in a problem file and in the API, naming both roles`` () =
    let file = problemFile """{"variables":["x0","x1"],"simulator":["x0","x1"],"target":[1,1],"start":[0,0],"parameters":{"x0":2}}"""
    let code, _, err = run [ "compare"; "--problem"; file; "--out"; out "pf" ]
    Assert.Equal(2, code)
    Assert.Contains("'x0' is also one of the variables (x0, x1)", err)
    let e =
        Assert.ThrowsAny<SymbolicException>(fun () ->
            PhysicsProblem.FromExpressions([| Expression.Parse "x0"; Expression.Parse "x1" |], parameters = readOnlyDict [ "x0", 2.0 ]) |> ignore)
    Assert.Contains("'x0' is a variable", e.Message)
    Assert.DoesNotContain("--", e.Message)

// ---- 4. problem-file numbers name their field ---------------------------------------------------------------

[<Theory>]
[<InlineData("\"target\":[\"6\",5],\"start\":[0,0]", "target[0] is the string \"6\": a number must not be quoted")>]
[<InlineData("\"target\":[6,5],\"start\":[0,\" 1\"]", "start[1] is the string \" 1\": a number must not be quoted")>]
[<InlineData("\"target\":[6,5],\"start\":[0,0],\"parameters\":{\"k\":\"two\"}", "parameters.k must be a number")>]
[<InlineData("\"target\":[6,5],\"start\":[0,true]", "start[1] must be a number")>]
let ``a problem file's number that is not one names its field and entry`` (fields: string, expected: string) =
    let file = problemFile ("""{"variables":["x0","x1"],"simulator":["x0","x1"],""" + fields + "}")
    let code, _, err = run [ "compare"; "--problem"; file; "--out"; out "nn" ]
    Assert.Equal(2, code)
    Assert.Contains(expected, err)

// ---- 5. the README says where the C# file states its argument order, truly --------------------------------

[<Fact>]
let ``the comment lines the README names open lines of derive's C# file, with skipped methods too`` () =
    let readme = File.ReadAllText(Path.Combine(TestHelpers.repoRoot (), "README.md")).Replace("\r\n", "\n")
    let named = [ for m in Regex.Matches(readme, @"comment line `(// [^`…]+) …`") -> m.Groups.[1].Value ]
    Assert.Equal(2, named.Length)
    // hig has no rule, and ig, pg none for a non-square problem: the header comes first, the skipped-method
    // notes after it (round 33).
    for simulator, target in [ "x0^2; x1", "1,1"; "x0^2; x1; x0*x1", "1,1,1" ] do
        let code, text, _ = run [ "derive"; "--simulator"; simulator; "--target"; target; "--format"; "csharp" ]
        Assert.Equal(0, code)
        let lines = text.Split('\n')
        Assert.StartsWith("// physgrad derive:", lines.[0])
        Assert.True(lines |> Array.exists (fun l -> l.StartsWith "//" && l.Contains "skipped"), text)
        for start in named do
            Assert.True(lines |> Array.exists (fun l -> l.StartsWith start), sprintf "no line starts with '%s' in\n%s" start text)

// ---- 6. every list of names suggests the nearest, in every command -----------------------------------------

[<Theory>]
[<InlineData("train", "--example", "osc", "did you mean 'oscillators'?")>]
[<InlineData("train", "--methods", "adam,sipp", "did you mean 'sip-pg'?")>]
[<InlineData("train", "--example", "hig_toy", "did you mean 'hig-toy'?")>]
let ``a misspelt name in any command's list is answered with the nearest`` (command: string, option: string, value: string, expected: string) =
    let code, _, err = run [ command; option; value; "--steps"; "1"; "--out"; out "names" ]
    Assert.Equal(2, code)
    Assert.Contains(expected, err)

// ---- 7. common lambdas resolve to one FromLambda overload -------------------------------------------------

[<Fact>]
let ``a lambda that uses no element of x compiles against FromLambda and is the array form`` () =
    let source =
        "using PhysGrad; public static class L {"
        + " public static PhysicsProblem Empty() => PhysicsProblem.FromLambda(x => new double[0]);"
        + " public static PhysicsProblem Constant() => PhysicsProblem.FromLambda(x => new[] { 1.0, 2.0 }, new[] { 1.0, 2.0 }); }"
    let t = (TestHelpers.compileCSharp source).GetType "L"
    // It compiled (no CS0121); the call reaches the translator, which says what such a lambda lacks.
    let thrown = Assert.Throws<Reflection.TargetInvocationException>(fun () -> t.GetMethod("Constant").Invoke(null, [||]) |> ignore)
    Assert.Contains("no variables", thrown.InnerException.Message)

// ---- 8. the plotting library's message says what works -----------------------------------------------------

[<Fact>]
let ``the missing plotting library's message names the PackageReference and the folder next to the app, not runtimes alone`` () =
    let e = PlottingLibraryMissingException(DllNotFoundException "libSkiaSharp")
    Assert.Contains("PackageReference to SkiaSharp.NativeAssets", e.Message)
    Assert.Contains(AppContext.BaseDirectory, e.Message)
    Assert.Contains("HintPath", e.Message)
    Assert.DoesNotContain("belongs in the application's runtimes/<rid>/native/ folder", e.Message)
