/// The faults new-user testers still found after issue 12 landed, each tested as a kind: a loss of
/// one's own without a target, derive's JSON and its intermediates, mixed numeric/symbolic targets,
/// unit scales, the one number formatter, step units without units, messages that name flags only on
/// the command line, skip reasons that offer only what the command prints, target symbols in LaTeX,
/// the sin²+cos² collapse with a common factor, and headers of 100-variable problems.
module PhysGrad.Properties.FirstHourRemaining

open System
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

let private tempDir (name: string) =
    Path.Combine(Path.GetTempPath(), sprintf "physgrad-remaining-%s-%d" name Environment.ProcessId)

let private at (names: string list) (values: float list) (e: Expr) =
    Evaluate.at (Array.ofList names) (Array.ofList values) e

// ---- 1. a loss of one's own makes the target optional ----

[<Fact>]
let ``a custom loss runs without a target: no distance, no target marker, and the table and JSON say so`` () =
    // L = (y0 − 1)² + (y1 − 4)² on P = [x0, x1²]: the goal is in the loss, no --target needed.
    let args =
        [ "compare"; "--simulator"; "x0; x1^2"; "--loss"; "(y0 - 1)^2 + (y1 - 4)^2"; "--start"; "3,3"
          "--methods"; "gd:0.01,newton:0.5"; "--iterations"; "3"; "--out"; tempDir "noTarget" ]

    let code, out, err = run args
    Assert.True((code = 0), err)
    Assert.Contains("Target: none given", out)
    Assert.Contains("no distance is measured", out)
    // Each row's distance column reads n/a, never NaN or a distance to a made-up target.
    for m in [ "gd"; "newton" ] do
        let row = out.Split('\n') |> Array.find (fun l -> l.StartsWith(m + " "))
        Assert.Contains(" n/a ", row)
        Assert.DoesNotContain("NaN", row)

    let code, json, _ = run (args @ [ "--format"; "json" ])
    Assert.Equal(0, code)
    let root = JsonDocument.Parse(json).RootElement
    Assert.Equal(JsonValueKind.Null, root.GetProperty("problem").GetProperty("target").ValueKind)
    Assert.Contains("none given", root.GetProperty("problem").GetProperty("targetUse").GetString())

    for m in root.GetProperty("methods").EnumerateArray() do
        Assert.Equal(JsonValueKind.Null, m.GetProperty("distance").ValueKind)
        Assert.Equal("none", m.GetProperty("distanceSpace").GetString())

[<Fact>]
let ``a custom loss with a target says the target only measures the distance and marks the plots`` () =
    let code, out, err =
        run
            [ "compare"; "--simulator"; "x0; x1^2"; "--loss"; "(y0 - 1)^2 + (y1 - 4)^2"; "--start"; "3,3"; "--target"; "1,4"
              "--methods"; "newton:0.5"; "--iterations"; "3"; "--out"; tempDir "withTarget" ]

    Assert.True((code = 0), err)
    Assert.Contains("Target y* = [1, 4]: used only for the distance column and the plots' target marker; the loss is the given one", unwrapped out)
    // x* = P⁻¹(1, 4) near the start (3, 3) is (1, 2): the distance is measured in x.
    Assert.Contains(" in x ", unwrapped out)

[<Fact>]
let ``without a target the plots mark none and their titles say why; a problem file with a loss needs no target either`` () =
    let problem =
        PhysicsProblem.From(ProblemDefinition([| "x0"; "x1" |], [| "x0"; "x1^2" |], "(y0 - 1)^2 + (y1 - 4)^2", [||], [| 3.0; 3.0 |]))

    let results = problem.Compare([| (Method.Newton, 0.5) |], 3)
    Assert.Equal("none", results.[0].DistanceSpace)
    Assert.True(Double.IsNaN results.[0].DistanceToTarget)
    Assert.Contains("no distance (no target)", results.[0].ToString())
    let runs = results |> Seq.map (fun r -> r.Run) |> Array.ofSeq

    for figure in TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) do
        for panel in figure.Panels do
            for item in panel.Legend.ManualItems do
                Assert.DoesNotContain("target", item.LabelText.Replace('\n', ' '))
            for p in panel.GetPlottables() do
                Assert.False(p :? ScottPlot.Plottables.HorizontalLine, "a target line without a target")

        if figure.Name <> "loss" then
            Assert.Contains("no target", figure.Panels.[0].Axes.Title.Label.Text)

    let file = Path.Combine(tempDir "file", "p.json")
    Directory.CreateDirectory(Path.GetDirectoryName file) |> ignore
    File.WriteAllText(file, """{"variables":["x0","x1"],"simulator":["x0","x1^2"],"loss":"(y0 - 1)^2 + y1^2","start":[3,3]}""")
    let code, out, err = run [ "compare"; "--problem"; file; "--methods"; "newton:0.5"; "--iterations"; "2"; "--out"; tempDir "file" ]
    Assert.True((code = 0), err)
    Assert.Contains("Target: none given", out)
    // Without a loss of its own a run still needs the target, and the message names both ways out.
    let code, _, err = run [ "compare"; "--simulator"; "x0; x1^2"; "--start"; "3,3" ]
    Assert.Equal(2, code)
    Assert.Contains("--loss", err)

// ---- 2. derive --format json keeps the intermediates ----

[<Fact>]
let ``derive's JSON lists each rule's intermediates in order, and together they give the rule`` () =
    let sim = "exp(x0)*exp(x1) + x0*x1; x0*x1^2 + exp(x0 + x1)"
    let code, json, err = run [ "derive"; "--simulator"; sim; "--format"; "json"; "--methods"; "gd,newton" ]
    Assert.True((code = 0), err)
    let root = JsonDocument.Parse(json).RootElement
    let direct = UpdateRuleSet.Derive(ProblemDefinition([| "x0"; "x1" |], sim.Split(';'), null, [||], [||]), [| Method.GradientDescent; Method.Newton |])
    let names = [ "x0"; "x1"; "ys0"; "ys1"; "eta" ]
    let point = [ 0.3; -0.2; 1.5; 0.7; 0.1 ]
    let mutable named = 0

    for (rule, expected) in Seq.zip (root.GetProperty("rules").EnumerateArray()) direct do
        // Each intermediate may use those before it: substitute in order.
        let table = Collections.Generic.Dictionary<Expr, Expr>(HashIdentity.Reference)

        for t in rule.GetProperty("intermediates").EnumerateArray() do
            named <- named + 1
            table.[Expr.symbol (t.GetProperty("name").GetString())] <- Structure.substitute table (Parse.expression (t.GetProperty("expression").GetString()))

        for (step, e) in Seq.zip (rule.GetProperty("steps").EnumerateArray()) expected.Steps do
            let printed = Structure.substitute table (Parse.expression (step.GetProperty("step").GetString()))
            let a, b = at names point printed, at names point e.Core
            Assert.True(abs (a - b) <= 1e-10 * (1.0 + abs b), sprintf "%s: %g vs %g" (rule.GetProperty("method").GetString()) a b)

    // Newton's rule on this problem is long: the same intermediates as the infix output are named.
    Assert.True(named > 0)
    let _, infix, _ = run [ "derive"; "--simulator"; sim; "--methods"; "gd,newton" ]
    Assert.Contains("  t1 = ", infix)

// ---- 3. target entries: numbers as numbers, names as strings, and which is which ----

[<Fact>]
let ``a mixed target prints numbers as JSON numbers and names as strings, and every header says which entries are symbolic`` () =
    let code, json, err = run [ "derive"; "--simulator"; "x0; x1^2; x0*x1"; "--vars"; "x0,x1"; "--target"; "a,2.5,b"; "--format"; "json"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    let target = JsonDocument.Parse(json).RootElement.GetProperty("target")
    Assert.Equal(JsonValueKind.String, target.[0].ValueKind)
    Assert.Equal("a", target.[0].GetString())
    Assert.Equal(JsonValueKind.Number, target.[1].ValueKind)
    Assert.Equal(2.5, target.[1].GetDouble())
    Assert.Equal("b", target.[2].GetString())

    for format in [ "infix"; "latex"; "csharp"; "json" ] do
        let _, out, _ = run [ "derive"; "--simulator"; "x0; x1^2; x0*x1"; "--vars"; "x0,x1"; "--target"; "a,2.5,b"; "--format"; format; "--methods"; "gd" ]
        // Header lines wrap at 100 columns, continued as "%   " or "//   " comments: read them joined.
        let joined = TestHelpers.unwrapped (System.Text.RegularExpressions.Regex.Replace(out, @"\n(%|//) {3}", " "))
        // Each named entry by its name and output (round 34: "y*0 = a" read as y times 0).
        Assert.Contains("symbolic in a and b (the targets of y0 and y2); the other entry is a number", joined)
        Assert.DoesNotContain("symbolic: a, 2.5", out)

    // All numbers: nothing is called symbolic.
    let _, out, _ = run [ "derive"; "--simulator"; "x0; x1^2"; "--target"; "1,2"; "--methods"; "gd" ]
    Assert.DoesNotContain("symbolic", out)

// ---- 4. unit scales as prefixes, everywhere units print ----

[<Fact>]
let ``units print scales as SI prefixes in the units table, never as a factor with floating noise`` () =
    let code, out, err = run [ "units"; "--simulator"; "x0*x1; x1^2"; "--unit"; "x0=ms"; "--unit"; "x1=mm" ]
    Assert.True((code = 0), err)
    // y0 = x0·x1: 10⁻³ s · 10⁻³ m = mm·ms, in the variables' own units; y1 = x1²: (10⁻³ m)² = mm².
    Assert.Contains("x0 [ms]", out)
    Assert.Contains("y0 [mm*ms]", out)
    Assert.Contains("y1 [mm^2]", out)
    // No "number*unit" anywhere (the old 0.001*s, 1E-06*m*s); an exponent before a product (mm^2*ms^2) is no factor.
    Assert.False(Regex.IsMatch(out, @"(?<![\^\d.])\d[\d.]*(E[-+]?\d+)?\*[a-zA-Zµ]"), out)
    // A unit rescaled is named as the Outputs line names it.
    Assert.DoesNotContain("µm*s", out)
    Assert.Equal("ms", (Units.parse "ms").ToString())
    Assert.Equal("µs", (Units.parse "us").ToString())

// ---- 5. one number formatter for every message ----

[<Fact>]
let ``fallback reasons and stop details print at most six significant digits`` () =
    // P = x0², y* = −1 has no preimage: PG falls back at every step, naming y + Δy (e.g. −0.237 after
    // one step from 0.3, which is −0.23699999999999996 in full precision).
    let code, out, err =
        run [ "compare"; "--simulator"; "x0^2"; "--target=-1"; "--start"; "0.3"; "--methods"; "pg:0.3,newton:0.7"; "--iterations"; "3"; "--out"; tempDir "fallback" ]

    Assert.True((code = 0), err)
    let fallbacks = out.Split('\n') |> Array.filter (fun l -> l.Contains "fallback at iteration")
    Assert.NotEmpty(fallbacks)
    Assert.Contains("y + Δy = [-0.237]", out)

    for l in fallbacks do
        // No number with more than six significant digits (seven digits in a row, ignoring leading zeros).
        Assert.False(Regex.IsMatch(l, @"[1-9]\d{6,}"), l)

[<Fact>]
let ``messages of runs use the invariant culture whatever the current one is`` () =
    let saved = Globalization.CultureInfo.CurrentCulture

    try
        // German writes 0,5: a message must still read 0.5 (as the tables and JSON do).
        Globalization.CultureInfo.CurrentCulture <- Globalization.CultureInfo.GetCultureInfo "de-DE"
        let p = PhysicsProblem.From(ProblemDefinition([| "x0" |], [| "x0^2" |], null, [| 0.25 |], [| 0.5 |]))
        // From 0.7 GD contracts towards 0.5 (L″ ≈ 1 there) until a step is below 10⁻³: the detail
        // names that step length and the Hessian's eigenvalue near 1, both with decimals.
        let p = p.WithStart([| 0.7 |])
        let r = p.Run(Method.GradientDescent, 0.1, 500, RunOptions(StepTolerance = 1e-3))
        Assert.Contains("step length 0.", r.StopDetail)
        Assert.False(Regex.IsMatch(r.StopDetail, @"\d,\d"), r.StopDetail)
        let e = Assert.ThrowsAny<SymbolicException>(fun () -> p.Run(Method.GradientDescent, -0.5, 1) |> ignore)
        Assert.Contains("not -0.5.", e.Message)
    finally
        Globalization.CultureInfo.CurrentCulture <- saved

[<Fact>]
let ``NumberText keeps the sign of an infinity and shortens long vectors`` () =
    Assert.Equal("-Infinity", NumberText.Short(Double.NegativeInfinity))
    Assert.Equal("0", NumberText.Short(-1e-300 * 1e-300))
    Assert.Equal("0.3", NumberText.Short(0.1 + 0.2))
    Assert.Equal("[1, 2, …, 100] (100 values, max |·| at [99] = 100)", NumberText.Vector([| 1.0 .. 100.0 |]))
    Assert.Equal("[1, 2, 3, 4]", NumberText.Vector([| 1.0; 2.0; 3.0; 4.0 |]))

// ---- 6. step units without units: the API and the CLI agree ----

[<Fact>]
let ``step units of a problem without units are not applicable in the API and exit 2 in the CLI with the same reason`` () =
    let p = PhysicsProblem.From(ProblemDefinition([| "x0"; "x1" |], [| "x0"; "x1^2" |], null, [| 0.0; 0.0 |], [| 3.0; 3.0 |]))
    let result = p.StepUnits()
    Assert.False(result.Applicable)
    Assert.Empty(result)
    Assert.DoesNotContain("--", result.NotApplicableReason)
    Assert.Contains("not applicable", result.ToString())
    let code, out, err = run [ "units"; "--simulator"; "x0; x1^2" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains(result.NotApplicableReason, (TestHelpers.unwrapped err))
    Assert.Contains("--unit", (TestHelpers.unwrapped err))
    // With units: measured, one entry per method.
    let measured = p.WithUnits(readOnlyDict [ "x0", "m"; "x1", "s" ]).StepUnits()
    Assert.True(measured.Applicable)
    Assert.Equal(StepUnits.Methods.Length, measured.Count)

// ---- 7 and 8: messages name flags only on the command line; skip reasons offer what the command prints ----

[<Fact>]
let ``PG without a derivable inverse: the API names no option, the CLI names --inverse`` () =
    let d = ProblemDefinition([| "x0"; "x1" |], [| "x0 + sin(x1)"; "x1 + sin(x0)" |], null, [||], [||])
    let e = Assert.Throws<MethodNotApplicableException>(fun () -> UpdateRuleSet.Derive(d, [| Method.PhysicalGradient |]) |> ignore)
    Assert.Equal(NotApplicableCause.NoInverse, e.Cause)
    Assert.DoesNotContain("--", e.Message)
    Assert.DoesNotContain("\"inverse\"", e.Message)
    let code, _, err = run [ "derive"; "--simulator"; "x0 + sin(x1); x1 + sin(x0)"; "--methods"; "pg" ]
    Assert.Equal(2, code)
    Assert.Contains("--inverse", err)
    let code, out, _ = run [ "derive"; "--simulator"; "x0 + sin(x1); x1 + sin(x0)" ]
    Assert.Equal(0, code)
    Assert.Contains("pg skipped:", unwrapped out)
    Assert.Contains("--inverse", (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "pg skipped"))
    // The API's skip carries the typed cause.
    let struct (_, skipped) = UpdateRuleSet.DeriveApplicable d
    Assert.Equal(NotApplicableCause.NoInverse, (skipped |> Seq.find (fun s -> s.Method = Method.PhysicalGradient)).Cause)

[<Theory>]
[<InlineData("x0 + x1; x0 - x1; x0*x1")>] // non-square: IG and PG skipped
[<InlineData("x0 + x1; 2*x0 + 2*x1")>] // J singular everywhere: Newton, IG, PG, GN skipped
[<InlineData("x0 + sin(x1); x1 + sin(x0)")>] // no closed-form inverse: PG skipped
let ``derive's skip reasons suggest only what derive can print`` (sim: string) =
    let code, out, err = run [ "derive"; "--simulator"; sim ]
    Assert.True((code = 0), err)
    let lines = out.Split('\n') |> Array.filter (fun l -> l.Contains " skipped: ")
    Assert.NotEmpty(lines)

    // HIG has no closed form: derive says so on a line of its own (it is in compare's default list).
    Assert.Contains("hig skipped: hig has no closed-form rule", out)

    for l in lines |> Array.filter (fun l -> not (l.StartsWith "hig skipped")) do
        // derive prints closed forms: HIG (an SVD) and PG's numeric inverse are not suggested as remedies.
        Assert.DoesNotContain("hig", l.ToLowerInvariant())
        Assert.DoesNotContain("numeric inverse", l)

// ---- 9. generated target symbols in LaTeX ----

[<Theory>]
[<InlineData("ys*x0; x1", "ys=2", "\\mathrm{ys}")>] // a parameter ys: the target becomes ystar0, ystar1
[<InlineData("ys0*x0; x1", "ys0=2", "\\mathrm{ys}_{0}")>] // a parameter ys0
[<InlineData("ystar*x0; x1", "ystar=2", "\\mathrm{ystar}")>] // a parameter ystar: the target becomes ytarget0, …
let ``LaTeX writes the generated target as y*_j and a user's own symbol by its name`` (sim: string, param: string, own: string) =
    let code, out, err = run [ "derive"; "--simulator"; sim; "--param"; param; "--format"; "latex"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    let body = out.Split('\n') |> Array.filter (fun l -> not (l.StartsWith "%")) |> String.concat "\n"
    Assert.Contains("y^{*}_{0}", body)
    Assert.Contains("y^{*}_{1}", body)
    Assert.Contains(own, body)
    // The user's parameter is never starred: the parameter's name stands where it multiplies x0.
    Assert.Contains("x_{0} \\, " + own, body)

[<Fact>]
let ``a target name given by the user keeps its own name in LaTeX`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "x0; x1"; "--target"; "a,ys1"; "--format"; "latex"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.Contains("\\mathrm{ys}_{1}", out)
    Assert.DoesNotContain("y^{*}", out)

// ---- 10. sin² + cos² with a common factor ----

[<Theory>]
// sin²x·cos²x + sin⁴x = sin²x·(cos²x + sin²x) = sin²x
[<InlineData("sin(x)^2*cos(x)^2 + sin(x)^4", "sin(x)^2")>]
// cos⁴x + sin²x·cos²x = cos²x·(cos²x + sin²x) = cos²x
[<InlineData("cos(x)^4 + sin(x)^2*cos(x)^2", "cos(x)^2")>]
[<InlineData("a*sin(x)^2 + a*cos(x)^2", "a")>]
// 3·sin³x·cos²x + 3·sin⁵x = 3·sin³x
[<InlineData("3*sin(x)^3*cos(x)^2 + 3*sin(x)^5", "3*sin(x)^3")>]
// a·sin⁴x + a·sin²x·cos²x + a·cos²x = a·sin²x + a·cos²x = a (two rounds)
[<InlineData("a*sin(x)^4 + a*sin(x)^2*cos(x)^2 + a*cos(x)^2", "a")>]
let ``sin² + cos² collapses with a common factor`` (text: string, expected: string) =
    let simplified = Simplify.simplify (Parse.expression text)
    Assert.Equal(Infix.format (Parse.expression expected), Infix.format simplified)
    // And the value is unchanged at a few points.
    for x in [ 0.3; 1.7; -2.2 ] do
        let a, b = at [ "x"; "a" ] [ x; 1.9 ] (Parse.expression text), at [ "x"; "a" ] [ x; 1.9 ] simplified
        Assert.True(abs (a - b) <= 1e-12 * (1.0 + abs a), sprintf "%s at %g: %g vs %g" text x a b)

// ---- 11. headers of large problems ----

[<Fact>]
let ``compare and derive on a 100-variable problem keep every header and message short`` () =
    let n = 100
    let sim = String.Join("; ", [ for i in 0 .. n - 1 -> sprintf "x%d + 0.5*x%d" i ((i + 1) % n) ])
    let target = String.Join(",", [ for i in 0 .. n - 1 -> sprintf "%g" (0.1 * float (i % 9 + 1)) ])
    let start = String.Join(",", [ for i in 0 .. n - 1 -> sprintf "%g" (0.3 + 0.01 * float i) ])
    let code, out, err =
        run [ "compare"; "--simulator"; sim; "--target"; target; "--start"; start; "--methods"; "gd:0.1,newton:0.5"; "--iterations"; "2"; "--out"; tempDir "hundred" ]

    Assert.True((code = 0), err)
    // The table's rows carry the stop detail; every line fits in 100 columns, far below the thousands of
    // characters a full list of 100 values or components takes.
    for l in out.Split('\n') do
        Assert.True(l.Length <= 100, sprintf "%d characters: %s" l.Length (l.Substring(0, min 200 l.Length)))

    Assert.Contains("x0, x1, …, x99; 100 variables", unwrapped out)
    Assert.Contains("start [0.3, 0.31, …, 1.29] (100 values, max |·| at [99] = 1.29)", unwrapped out)
    Assert.Contains("y* = [0.1, 0.2, …, 0.1] (100 values, max |·| at [", unwrapped out)
    let _, derived, _ = run [ "derive"; "--simulator"; sim; "--methods"; "gd" ]
    let header = (unwrapped derived).Split('\n') |> Array.find (fun l -> l.StartsWith "The target")
    Assert.Contains("[ys0, ys1, …, ys99] (100 values)", header)
