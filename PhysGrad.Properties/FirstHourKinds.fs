/// Issue 12's last faults, each tested by its kind: C# rules that read as the rule (the stable rewrite
/// only as a named second method where a probe shows it matters), derivatives at special points that
/// always say why (removable singularities, atan2's branch cut and origin), and an x* that is one point
/// of a set of preimages (a flat stretch of P = y*), where distances are measured in y.
module PhysGrad.Properties.FirstHourKinds

open System
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.TestHelpers

let private run = Cli.run

// ---- 1. C# that reads as the rule ---------------------------------------------------------------------

/// The text of one method of the generated class, from its signature to its closing brace.
let private methodText (cs: string) (name: string) =
    let m = Regex.Match(cs, @"public static void " + name + @"\(.*?\n    \}", RegexOptions.Singleline)
    Assert.True(m.Success, sprintf "no method %s in\n%s" name cs)
    m.Value

/// Calls a generated rule method with x0 (and x1) given, every other input 1 (target symbols, parameters, η).
let private call (t: Type) (name: string) (x: float list) =
    let m = t.GetMethod name
    let ps = m.GetParameters()
    let args =
        ps |> Array.map (fun p ->
            if p.IsOut then box 0.0
            else match p.Name with
                 | "x0" -> box x.[0]
                 | "x1" -> box x.[1]
                 | _ -> box 1.0)
    m.Invoke(null, args) |> ignore
    ps |> Array.indexed |> Array.filter (fun (_, p) -> p.IsOut) |> Array.map (fun (i, _) -> args.[i] :?> float)

[<Theory>]
[<InlineData("exp(x0); x1")>]
[<InlineData("log(1 + exp(x0)); x1")>]
[<InlineData("exp(x0)/(1 + exp(x0)); x1")>]
[<InlineData("log(exp(x0) + exp(x1)); x1")>]
[<InlineData("sqrt(x0^2 + 1); x1")>]
[<InlineData("x0^3 + x1; x1")>]
[<InlineData("tanh(x0); x1^2")>]
[<InlineData("atan2(x0, x1); x0^2 + x1^2")>]
[<InlineData("abs(x0) + x1; x1")>]
[<InlineData("log(x0^2 + 1); exp(-x1)")>]
[<InlineData("x0*exp(-x0); x1")>]
[<InlineData("exp(2*x0) - exp(x0); x1")>]
let ``--format csharp: each rule's method computes the rule as written, and a Stable method only where a probe shows it differs`` (simulator: string) =
    let code, out, err = run [ "derive"; "--format"; "csharp"; "--simulator"; simulator; "--target"; "3,1"; "--methods"; "gd,newton" ]
    Assert.True((code = 0), err)
    let t = (compileCSharp out).GetType "UpdateRules"
    let definition = ProblemDefinition([| "x0"; "x1" |], simulator.Split(';') |> Array.map (fun s -> s.Trim()), null, [| 3.0; 1.0 |], [||])
    let rules = UpdateRuleSet.Derive(definition, [| Method.GradientDescent; Method.Newton |])
    for rule, name in Seq.zip rules [ "GradientDescent"; "Newton" ] do
        let cores = rule.Steps |> Seq.map (fun s -> s.Core) |> Array.ofSeq
        let value (stable: bool) (x: float list) =
            let lookup s = match s with | "x0" -> x.[0] | "x1" -> x.[1] | _ -> 1.0
            if stable then Evaluate.many lookup cores else Evaluate.manyAsWritten lookup cores
        // The readable method: no max(a, b) = (a + b + |a − b|)/2 of the rewrite unless the rule has abs itself.
        if not (simulator.Contains "abs") then
            Assert.DoesNotContain("Math.Abs", methodText out name)
        for x in [ [ 0.7; 0.4 ]; [ -1.3; 2.1 ]; [ 2.0; -0.5 ] ] do
            let expected = value false x
            let actual = call t name x
            for i in 0 .. expected.Length - 1 do
                if Double.IsFinite expected.[i] then
                    Assert.True(abs (actual.[i] - expected.[i]) <= 1e-12 * (1.0 + abs expected.[i]),
                                sprintf "%s %s at %A: C# %.17g, rule %.17g\n%s" simulator name x actual.[i] expected.[i] out)
        // The stable variant exists exactly where the probe finds a difference, and computes the stable values there.
        let state = [| "x0"; "x1" |]
        // The probe of each form the printer tries (as derived, then multiplied out), the first that shows a difference.
        match RulePrinter.StableCandidates cores |> Seq.tryPick (Evaluate.stableFormMatters state) with
        | Some d ->
            let x = d.Point |> Array.map snd |> List.ofArray
            let stable = call t (name + "Stable") x
            let expected = value true x
            for i in 0 .. expected.Length - 1 do
                if Double.IsFinite expected.[i] then
                    Assert.True(abs (stable.[i] - expected.[i]) <= 1e-9 * (1.0 + abs expected.[i]), sprintf "%s %sStable at %A: %g vs %g" simulator name x stable.[i] expected.[i])
            // The summary says where the readable method fails, so a reader knows when to take this one.
            // (Its doc comment is wrapped at 100 columns: "    ///   " continues a line.)
            Assert.Contains(sprintf "%s computes" name, out.Replace("\r", "").Replace("\n    ///   ", " "))
        | None -> Assert.Null(t.GetMethod(name + "Stable"))

[<Fact>]
let ``--format csharp: the issue's rule reads -eta*exp(x0)*(exp(x0) - 3), with no stable variant, since the rewrite changes no value`` () =
    let code, out, _ = run [ "derive"; "--format"; "csharp"; "--simulator"; "exp(x0)"; "--target"; "3"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    let gd = methodText out "GradientDescent"
    Assert.Contains("Math.Exp(x0) - 3.0", gd)
    Assert.DoesNotContain("Math.Abs", gd)
    Assert.DoesNotContain("GradientDescentStable", out)
    // The softplus's logistic does overflow as written (∞/∞ at x0 = 800): there the stable method follows, named.
    let _, soft, _ = run [ "derive"; "--format"; "csharp"; "--simulator"; "log(1 + exp(x0))"; "--target"; "3"; "--methods"; "gd" ]
    Assert.DoesNotContain("Math.Abs", methodText soft "GradientDescent")
    Assert.Contains("Math.Abs", methodText soft "GradientDescentStable")
    let t = (compileCSharp soft).GetType "UpdateRules"
    // At 800: σ = 1 and softplus = 800, GD's step −η·(800 − 3)·1 = −797; the readable form is NaN there.
    Assert.Equal(-797.0, (call t "GradientDescentStable" [ 800.0 ]).[0], 9)
    Assert.True(Double.IsNaN((call t "GradientDescent" [ 800.0 ]).[0]))

[<Fact>]
let ``no format prints the stable rewrite: infix, LaTeX and JSON of the softplus rule carry no abs`` () =
    for format in [ "infix"; "latex"; "json" ] do
        let code, out, _ = run [ "derive"; "--format"; format; "--simulator"; "log(1 + exp(x0))"; "--target"; "3"; "--methods"; "gd,newton" ]
        Assert.Equal(0, code)
        Assert.DoesNotContain("abs", out)
        Assert.DoesNotContain("\\left|", out)

[<Fact>]
let ``diff --format csharp writes each line as the formula, and a _stable line only where it computes what the formula cannot`` () =
    let _, soft, _ = run [ "diff"; "-f"; "log(1 + exp(x))"; "--format"; "csharp" ]
    let line = soft.Split('\n') |> Array.find (fun l -> l.StartsWith "double f = ")
    Assert.StartsWith("double f = Math.Log(", line)
    Assert.DoesNotContain("Math.Abs", line)
    Assert.Contains("double f_stable = ", soft)
    let _, square, _ = run [ "diff"; "-f"; "x^2 + exp(x)"; "--format"; "csharp" ]
    Assert.DoesNotContain("_stable", square)
    Assert.DoesNotContain("Math.Abs", square)
    // The whole text compiles as the body of a method, and both lines compute the softplus at 1.
    let body = soft.Replace("static double", "double")
    let source = "using System; public static class S { public static double[] F(double x) { " + body + " return new[] { f, f_stable }; } }"
    let values = (compileCSharp source).GetType("S").GetMethod("F").Invoke(null, [| box 1.0 |]) :?> float[]
    Assert.Equal(Math.Log(1.0 + Math.E), values.[0], 14)
    Assert.Equal(Math.Log(1.0 + Math.E), values.[1], 14)

// ---- 2. derivatives at special points always say why --------------------------------------------------

/// Every null value of a diff JSON report (f, a gradient or Hessian entry) has a reason in undefinedBecause.
let private everyNullHasAReason (json: string) =
    let root = (JsonDocument.Parse json).RootElement
    let because = root.GetProperty "undefinedBecause"
    let vs = [ for v in root.GetProperty("variables").EnumerateArray() -> v.GetString() ]
    if root.GetProperty("value").ValueKind = JsonValueKind.Null then
        Assert.True(because.TryGetProperty("f", ref Unchecked.defaultof<JsonElement>), json)
    root.GetProperty("gradientAt").EnumerateArray() |> Seq.iteri (fun i g ->
        if g.ValueKind = JsonValueKind.Null then
            Assert.True(because.TryGetProperty(sprintf "df/d%s" vs.[i], ref Unchecked.defaultof<JsonElement>), json))
    match root.TryGetProperty "hessianAt" with
    | true, h ->
        h.EnumerateArray() |> Seq.iteri (fun i row ->
            row.EnumerateArray() |> Seq.iteri (fun j e ->
                let a, b = min i j, max i j
                if e.ValueKind = JsonValueKind.Null then
                    Assert.True(because.TryGetProperty(sprintf "d2f/d%sd%s" vs.[a] vs.[b], ref Unchecked.defaultof<JsonElement>), json)))
    | _ -> ()

[<Theory>]
[<InlineData("atan2(y, x)", "0,0")>]
[<InlineData("atan2(y, x)", "-1,0")>]
[<InlineData("exp(-1/x^2)", "0")>]
[<InlineData("x*log(x)", "0")>]
[<InlineData("sin(x)/x", "0")>]
[<InlineData("sqrt(x^2)", "0")>]
[<InlineData("x^(1/3)", "0")>]
[<InlineData("abs(x)", "0")>]
[<InlineData("log(x)", "0")>]
[<InlineData("acos(x)", "1")>]
[<InlineData("x^2*sin(1/x)", "0")>]
[<InlineData("tanh(x)/x", "0")>]
let ``diff never prints an undefined value without its reason`` (f: string, at: string) =
    let code, json, err = run [ "diff"; "-f"; f; "--at"; at; "--order"; "2"; "--format"; "json" ]
    Assert.True((code = 0), err)
    everyNullHasAReason json
    let _, text, _ = run [ "diff"; "-f"; f; "--at"; at; "--order"; "2" ]
    if text.Contains "undefined" then Assert.Contains("undefined: ", text)

/// The number after "tends to " in a reason.
let private tendsTo (reason: string) =
    let m = Regex.Match(reason, @"tends to (-?[0-9.eE+-]+)")
    Assert.True(m.Success, reason)
    float m.Groups.[1].Value

[<Theory>]
[<InlineData("sin(x)/x", 1.0, "both sides")>]
[<InlineData("tanh(x)/x", 1.0, "both sides")>]
[<InlineData("(exp(x) - 1)/x", 1.0, "both sides")>]
[<InlineData("x*log(x)", 0.0, "from above")>]
let ``f undefined as written at a removable singularity: the reason gives its limit and what to do`` (f: string, limit: float, side: string) =
    let r = Derivatives.Compute(f, [| "x" |], 1, [| 0.0 |])
    Assert.True(Double.IsNaN r.Value.Value)
    let reason = (r.Undefined |> Seq.find (fun u -> u.Entry = "f")).Because
    Assert.True(abs (tendsTo reason - limit) <= 1e-6, reason)
    Assert.Contains(side, reason)
    Assert.Contains("evaluate at a nearby point", reason)
    // A pole has no limit: its reason is the condition alone, claiming none.
    let pole = (Derivatives.Compute("1/x", [| "x" |], 1, [| 0.0 |]).Undefined |> Seq.find (fun u -> u.Entry = "f")).Because
    Assert.Equal("x ≠ 0 for 1/x", pole)

[<Fact>]
let ``atan2 on its branch cut and at its origin: f's value is said to be a convention, and derivatives across the cut do not exist`` () =
    // On the cut (x < 0, y = 0): atan2 jumps from π to −π as y changes sign, so df/dy does not exist
    // (the formula's x/(x² + y²) = −1 is the angle's derivative from one side), nor any second derivative.
    let cut = Derivatives.Compute("atan2(y, x)", [| "x"; "y" |], 2, [| -1.0; 0.0 |])
    Assert.Equal(Math.PI, cut.Value.Value)
    Assert.True(Double.IsNaN cut.GradientAt.[1])
    Assert.Equal(0.0, cut.GradientAt.[0])
    let dy = (cut.Undefined |> Seq.find (fun u -> u.Entry = "df/dy")).Because
    Assert.Contains("branch cut", dy)
    Assert.Contains(cut.Notes, fun n -> n.Entry = "f" && n.Convention && n.Message.Contains "branch cut")
    Assert.True(Double.IsNaN cut.HessianAt.[0, 0])
    // At the origin: f = 0 only by atan2(0, 0) = 0.
    let origin = Derivatives.Compute("atan2(y, x)", [| "x"; "y" |], 1, [| 0.0; 0.0 |])
    Assert.Contains(origin.Notes, fun n -> n.Entry = "f" && n.Message.Contains "no angle")
    // Off the cut (x > 0 on y = 0, or y ≠ 0): the formulas stand, with no notes.
    for point in [ [| 1.0; 0.0 |]; [| -1.0; 0.5 |] ] do
        let r = Derivatives.Compute("atan2(y, x)", [| "x"; "y" |], 2, point)
        Assert.Empty(r.Notes)
        Assert.True(r.GradientAt |> Seq.forall Double.IsFinite)
    let _, text, _ = run [ "diff"; "-f"; "atan2(y, x)"; "--at"; "-1,0" ]
    Assert.Contains("note: f: the point is on the branch cut", text)

// ---- 3. a flat set of preimages ----------------------------------------------------------------------

let private relu = "(x0 + abs(x0))/2"

let private outDir name = IO.Path.Combine(IO.Path.GetTempPath(), sprintf "physgrad-kinds-%s-%d" name Environment.ProcessId)

[<Fact>]
let ``a flat stretch of exact preimages is a preimage, an underflowed exponential is not`` () =
    let p = PhysicsProblem.FromText(relu, [| 0.0 |], [| -1.0 |]).Compiled
    for x in [ -1.0; -1e-3; -800.0; 0.0 ] do
        Assert.True(BookExample.IsPreimage(p, [| x |], [| 0.0 |]), sprintf "x = %g" x)
    Assert.False(BookExample.IsPreimage(p, [| 1e-3 |], [| 0.0 |]))
    let e = PhysicsProblem.FromText("exp(x0)", [| 1.0 |], [| 0.0 |]).Compiled
    Assert.False(BookExample.IsPreimage(e, [| -800.0 |], [| 0.0 |]))

[<Theory>]
[<InlineData(-1.0)>]
[<InlineData(2.0)>]
let ``ReLU with target 0: x* is one point of a set, said so, and distances are in y (0 on every preimage)`` (start: float) =
    let c = PhysicsProblem.FromText(relu, [| 0.0 |], [| start |]).CompareMethods(MethodCatalog.Parse "gd:1.5,newton", 5)
    let target = c.Target
    Assert.Equal(TargetPointKind.PreimageNearStart, target.Kind)
    Assert.True(target.ManyPreimages)
    Assert.False(target.MeasuresInX)
    Assert.Contains("x0 = ", target.NotUnique)
    for r in c.Results do
        Assert.Equal(DistanceSpace.Y, r.MeasuredIn)
        // ‖P(x) − y*‖ = ReLU(x): 0 exactly where the run ended at x ≤ 0.
        let x = r.Run.Final.[0]
        Assert.Equal(max x 0.0, r.DistanceToTarget, 12)
    let code, out, err = run [ "compare"; "--simulator"; relu; "--target"; "0"; "--start"; string start; "--methods"; "gd:1.5,newton"; "--iterations"; "5"; "--out"; outDir "relu" ]
    Assert.True((code = 0 || code = 1), err)
    Assert.Contains("x* is not unique (P(x) = y* also at x0 = ", out)
    let _, json, _ = run [ "compare"; "--simulator"; relu; "--target"; "0"; "--start"; string start; "--methods"; "gd:1.5"; "--iterations"; "5"; "--out"; outDir "relu-json"; "--format"; "json" ]
    let problem = (JsonDocument.Parse json).RootElement.GetProperty "problem"
    Assert.False(problem.GetProperty("targetXIsolated").GetBoolean())
    Assert.Contains("x0 = ", problem.GetProperty("targetXNotIsolatedReason").GetString())

[<Fact>]
let ``an isolated x* stays unique: distances in x, no reason`` () =
    for text, y, start in [ "x0^3 - x0", 0.0, 0.5; "x0^2", 0.0, 3.0; "exp(x0)", 2.0, 0.0 ] do
        let target = PhysicsProblem.FromText(text, [| y |], [| start |]).CompareMethods(MethodCatalog.Parse "gd", 1).Target
        Assert.False(target.ManyPreimages, text)
        Assert.Null(target.NotUnique)
        Assert.True(target.MeasuresInX, text)

[<Fact>]
let ``a flat stretch in one of two variables is found along that variable`` () =
    let c = PhysicsProblem.FromText(relu + "; x1", [| 0.0; 1.0 |], [| -1.0; 0.0 |]).CompareMethods(MethodCatalog.Parse "gd", 3)
    Assert.True(c.Target.ManyPreimages)
    Assert.Contains("x0 = ", c.Target.NotUnique)

// ---- 4. one word and one direction per pair in a legend ------------------------------------------------

[<Fact>]
let ``a legend names each pair of runs drawn together once, on the later run, and coinciding runs only as coinciding`` () =
    // On this problem the y-plane's legend said "ig overlaps with gn" and "gn coincides with ig" (GN's square
    // step is IG's), and "newton overlaps with hig" beside "hig overlaps with newton".
    let problem = PhysicsProblem.FromText("exp(x0) + x1; x0 - x1^2", [| 1.0; 2.0 |], [| 0.5; 0.5 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,newton,pg,ig,gn,hig", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    let names = runs |> Array.map (fun r -> r.Name)
    for figure in TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) do
        for plot in figure.Panels do
            let entries = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq
            let said (a: string) =
                entries |> Array.tryFind (fun l -> l.StartsWith(a + " "))
                |> Option.bind (fun l ->
                    let m = Regex.Match(l, @"(overlaps|coincides) with (\w+)")
                    if m.Success then Some(m.Groups.[1].Value, m.Groups.[2].Value) else None)
            for a in names do
                match said a with
                | Some(_, b) ->
                    // The pair is not named again the other way round, in either word.
                    Assert.True((match said b with Some(_, c) -> c <> a | None -> true), sprintf "%s: %s and %s name each other\n%s" figure.Name a b (String.Join("\n", entries)))
                | None -> ()
            // gn coincides with ig (the same run); ig's entry does not name gn at all.
            if Array.contains "gn" names && said "gn" = Some("coincides", "ig") then
                Assert.True((said "ig" |> Option.forall (fun (_, b) -> b <> "gn")), String.Join("\n", entries))
    // The case itself: the y-plane does say gn coincides with ig.
    let y = TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = "y-space")
    Assert.Contains(y.Panels.[0].Legend.ManualItems, fun i -> i.LabelText.Replace('\n', ' ').StartsWith "gn " && i.LabelText.Replace('\n', ' ').Contains "coincides with ig")
