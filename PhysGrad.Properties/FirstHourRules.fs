/// A new user's first hour with `derive`, `compare`, `units` and `check` (issue 12 items 1, 2, 3, 9):
/// rules without numbers (a symbolic target ys0, ys1, …), default method lists that leave out what does
/// not apply and say why, rules a person can paste (shared subexpressions, LaTeX `align`, a C# class
/// that compiles), and the smaller points (unit scales, counted nouns, JSON escaping).
module PhysGrad.Properties.FirstHourRules

open System
open System.IO
open System.Reflection
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators
open PhysGrad.Properties.TestHelpers

let private run = Cli.run

/// The blocks of `derive`'s infix output: title → [(left-hand side, right-hand side text)].
let private blocks (out: string) =
    let table = Collections.Generic.Dictionary<string, ResizeArray<string * string>>()
    let mutable current = ""

    for line in out.Split('\n') do
        let line = line.TrimEnd '\r'

        if line.Length > 0 && not (line.StartsWith " ") && line.EndsWith ":" then
            current <- line.TrimEnd ':'
            table.[current] <- ResizeArray()
        elif line.StartsWith "  " && line.Contains " = " && table.ContainsKey current then
            let i = line.IndexOf " = "
            table.[current].Add((line.Substring(0, i).Trim(), line.Substring(i + 3)))

    table

/// A block's steps with its intermediates substituted back (what the printed lines mean together).
let private steps (out: string) (title: string) =
    let lines = (blocks out).[title]
    let d = Collections.Generic.Dictionary<Expr, Expr>(HashIdentity.Reference)

    [ for (lhs, rhs) in lines do
          let e = Structure.substitute d (Parse.expression rhs)

          if lhs.StartsWith "Δ" then
              yield lhs.Substring 1, e
          else
              d.[Expr.symbol lhs] <- e ]
    |> Map.ofList

let private at (names: string list) (values: float list) (e: Expr) =
    Evaluate.at (Array.ofList names) (Array.ofList values) e

/// The value of a printed rule against a hand-derived one at a few points.
let private agrees (names: string list) (hand: float list -> float) (e: Expr) =
    let rng = Random 12

    for _ in 1..5 do
        let values = names |> List.map (fun _ -> 0.3 + rng.NextDouble())
        let expected = hand values
        let actual = at names values e
        Assert.True(abs (expected - actual) <= 1e-12 * (1.0 + abs expected), sprintf "%s: %g vs %g at %A" (Infix.format e) expected actual values)

// ---- item 1: derive without numbers ----

[<Fact>]
let ``derive without --target and --start prints rules in the symbolic target ys0, ys1`` () =
    let code, out, err = run [ "derive"; "--simulator"; "x0; x1^2" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)
    Assert.Contains("The target y* = [ys0, ys1] is symbolic (not given)", out)
    let names = [ "x0"; "x1"; "ys0"; "ys1"; "eta" ]
    // L = ½(x0 − ys0)² + ½(x1² − ys1)²: GD Δx0 = −η(x0 − ys0), Δx1 = −η·2x1(x1² − ys1).
    let gd = steps out "gd"
    agrees names (fun (v: float list) -> let x0 = v.[0] in let ys0 = v.[2] in let eta = v.[4] in -eta * (x0 - ys0)) gd.["x0"]
    agrees names (fun (v: float list) -> let x1 = v.[1] in let ys1 = v.[3] in let eta = v.[4] in -eta * 2.0 * x1 * (x1 * x1 - ys1)) gd.["x1"]
    // PG: y1 + Δy1 = x1² − η(x1² − ys1), x1 = √(y1) for x1 > 0.
    let pg = steps out "pg"
    agrees names (fun (v: float list) -> let x1 = v.[1] in let ys1 = v.[3] in let eta = v.[4] in sqrt (x1 * x1 - eta * (x1 * x1 - ys1)) - x1) pg.["x1"]
    // The y-step Δy = −η(y − y*).
    let y = steps out "y-step"
    agrees [ "y1"; "ys1"; "eta" ] (fun (v: float list) -> let y1 = v.[0] in let ys1 = v.[1] in let eta = v.[2] in -eta * (y1 - ys1)) y.["y1"]

[<Fact>]
let ``a given loss needs no target, and derive does not announce one`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "x0; x1"; "--loss"; "y0^2 + y1^2"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("Target", out)
    // L = x0² + x1²: Δx0 = −2η·x0.
    agrees [ "x0"; "eta" ] (fun (v: float list) -> -2.0 * v.[1] * v.[0]) (steps out "gd").["x0"]

[<Fact>]
let ``--target names symbols next to numbers`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "x0; x1^2"; "--target"; "a,2"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    let gd = steps out "gd"
    // L = ½(x0 − a)² + ½(x1² − 2)².
    agrees [ "x0"; "a"; "eta" ] (fun (v: float list) -> let x0 = v.[0] in let a = v.[1] in let eta = v.[2] in -eta * (x0 - a)) gd.["x0"]
    agrees [ "x1"; "eta" ] (fun (v: float list) -> let x1 = v.[0] in let eta = v.[1] in -eta * 2.0 * x1 * (x1 * x1 - 2.0)) gd.["x1"]
    // A target name that is a variable would make the rule mean something else: refused.
    let code, _, err = run [ "derive"; "--simulator"; "x0; x1^2"; "--target"; "x1,2" ]
    Assert.Equal(2, code)
    Assert.Contains("'x1'", err)

[<Fact>]
let ``the symbolic target avoids names the problem uses`` () =
    let d = ProblemDefinition([| "ys0"; "b" |], [| "ys0"; "b" |], null, [||], [||])
    Assert.Equal("ystar", d.TargetSymbolPrefix)
    let rules = UpdateRuleSet.Derive(d, [| Method.GradientDescent |])
    // Δys0 = −η(ys0 − ystar0): the variable and the target stay apart.
    Assert.Equal<string>([| "eta"; "ys0"; "ystar0" |], rules.[0].Steps.[0].Variables |> Seq.toArray)

[<Fact>]
let ``a problem file without target and start serves derive, units and check, and compare says what it needs`` () =
    let path = Path.GetTempFileName()

    try
        File.WriteAllText(path, """{"variables":["a","b"],"simulator":["a*b","b"],"units":{"a":"m","b":"s"}}""")
        let code, out, err = run [ "derive"; "--problem"; path; "--methods"; "gd" ]
        Assert.Equal(0, code)
        Assert.Equal("", err)
        Assert.Contains("ys0", out)
        let code, out, _ = run [ "units"; "--problem"; path ]
        Assert.Equal(0, code)
        assertRow out [ "newton"; "a"; "m"; "m"; "yes" ]
        let code, out, _ = run [ "check"; "--problem"; path ]
        // The generic point: start 0.6, 0.7.
        Assert.Contains("At x = [0.6, 0.7]", out)
        Assert.True(code = 0 || code = 1)
        let code, _, err = run [ "compare"; "--problem"; path ]
        Assert.Equal(2, code)
        Assert.Contains("\"start\"", err)
    finally
        File.Delete path

[<Fact>]
let ``the symbolic rule with the target substituted is the numeric step`` () =
    let simulator = [| "x0*x1 + x0"; "exp(x1)" |]
    let symbolic = ProblemDefinition([| "x0"; "x1" |], simulator, null, [||], [||])
    let target = [| 1.5; 2.5 |]
    let start = [| 0.7; 0.4 |]
    let numeric = ProblemDefinition([| "x0"; "x1" |], simulator, null, target, start)
    let compiled = numeric.Compile()
    let eta = 0.3

    for rule in UpdateRuleSet.Derive symbolic do
        let step = Optimizer.Run(compiled, rule.Method, eta, start, 1)

        for i in 0..1 do
            // Printed as infix and read back, then evaluated with y* = (1.5, 2.5).
            let e = Parse.expression (rule.Steps.[i].ToInfix())
            let value = at [ "x0"; "x1"; "ys0"; "ys1"; "eta" ] [ start.[0]; start.[1]; 1.5; 2.5; eta ] e
            let expected = step.Final.[i] - start.[i]
            Assert.True(abs (value - expected) <= 1e-10 * (1.0 + abs expected), sprintf "%O Δx%d: %g vs %g" rule.Method i value expected)

// ---- item 2: defaults that adapt ----

[<Fact>]
let ``derive on a non-square problem skips IG and PG with the reason and prints the others`` () =
    let code, out, err = run [ "derive"; "--simulator"; "x0 + x1; x0 - x1; x0*x1" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)
    let lines = out.Split('\n')
    // One line for both: the reason is the same (TesterFaults, fault 8).
    Assert.Single(lines |> Array.filter (fun l -> l.StartsWith "ig, pg skipped:" && l.Contains "square" && l.Contains "2 variables to 3 outputs")) |> ignore
    Assert.Empty(lines |> Array.filter (fun l -> l.StartsWith "pg skipped:"))
    let found = blocks out
    Assert.True(found.ContainsKey "gd" && found.ContainsKey "newton" && found.ContainsKey "gn")
    Assert.False(found.ContainsKey "ig" || found.ContainsKey "pg")
    // GD on L = ½Σ(yⱼ − y*ⱼ)²: ∂L/∂x0 = (x0 + x1 − ys0) + (x0 − x1 − ys1) + x1(x0x1 − ys2).
    agrees
        [ "x0"; "x1"; "ys0"; "ys1"; "ys2"; "eta" ]
        (fun (v: float list) -> let x0, x1, a, b, c, eta = v.[0], v.[1], v.[2], v.[3], v.[4], v.[5] in -eta * ((x0 + x1 - a) + (x0 - x1 - b) + x1 * (x0 * x1 - c)))
        (steps out "gd").["x0"]
    // Named, IG fails the command.
    let code, _, err = run [ "derive"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--methods"; "ig" ]
    Assert.Equal(2, code)
    Assert.Contains("ig needs a square Jacobian; this problem maps 2 variables to 3 outputs", err)

[<Fact>]
let ``derive skips PG when no inverse can be derived, and fails when PG is named`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "x0*cos(x1); x0*sin(x1)" ]
    Assert.Equal(0, code)
    Assert.Contains("pg skipped: PG's closed form needs a local inverse", out)
    Assert.True((blocks out).ContainsKey "ig")
    let code, _, err = run [ "derive"; "--simulator"; "x0*cos(x1); x0*sin(x1)"; "--methods"; "pg" ]
    Assert.Equal(2, code)
    Assert.Contains("local inverse", err)

[<Fact>]
let ``compare on a non-square problem runs GD, Newton, GN and HIG and says why IG and PG are left out`` () =
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-firsthour-" + string (Guid.NewGuid()))

    try
        let args = [ "compare"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--target"; "1,1,1"; "--start"; "1,2"; "--out"; dir ]
        let code, out, _ = run args
        Assert.Equal(0, code)
        let lines = (unwrapped out).Split('\n')

        for m in [ "gd"; "newton"; "gn"; "hig" ] do
            Assert.Single(lines |> Array.filter (fun l -> l.StartsWith(m + " ") && l.Contains "iteration limit")) |> ignore

        Assert.Single(lines |> Array.filter (fun l -> l.StartsWith("ig, pg skipped:") && l.Contains "maps 2 variables to 3 outputs")) |> ignore
        // JSON stays one document: the skip lines go to stderr.
        let code, out, err = run (args @ [ "--format"; "json" ])
        Assert.Equal(0, code)
        Assert.Contains("ig, pg skipped:", err)
        let names = [ for m in JsonDocument.Parse(out).RootElement.GetProperty("methods").EnumerateArray() -> m.GetProperty("name").GetString() ]
        Assert.Equal<string list>([ "gd"; "newton"; "gn"; "hig" ], names)
        // Named, IG fails the command before anything runs.
        let code, _, err = run [ "compare"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--target"; "1,1,1"; "--start"; "1,2"; "--methods"; "gd:0.1,ig:0.3"; "--out"; dir ]
        Assert.Equal(2, code)
        Assert.Contains("ig needs a square Jacobian", err)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

[<Fact>]
let ``units and check on a non-square problem mark IG and PG as not applicable and succeed`` () =
    let code, out, _ = run [ "units"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--unit"; "x0=m"; "--unit"; "x1=m" ]
    Assert.Equal(0, code)
    assertRow out [ "ig"; "—"; "n/a" ]
    Assert.Contains("ig needs a square Jacobian; this problem has 3 outputs and 2 variables", unwrapped out)
    let code, out, _ = run [ "check"; "--simulator"; "x0 + x1; x0 - x1; x0*x1" ]
    Assert.Equal(0, code)
    Assert.Contains("All applicable properties hold.", out)

// ---- item 3: rules a person can paste ----

[<Fact>]
let ``long rules name their shared subexpressions once, and the lines mean the same rule`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "x0*cos(x1); x0*sin(x1)"; "--target"; "1,2"; "--methods"; "newton" ]
    Assert.Equal(0, code)
    let lines = (blocks out).["newton"]
    Assert.Contains(lines, fun (lhs, _) -> lhs = "t1")
    // No intermediate is defined twice, and each is used.
    let names = lines |> Seq.map fst |> Seq.filter (fun n -> n.StartsWith "t") |> Seq.toArray
    Assert.Equal(names.Length, (Array.distinct names).Length)
    let rule = UpdateRuleSet.Derive(ProblemDefinition([| "x0"; "x1" |], [| "x0*cos(x1)"; "x0*sin(x1)" |], null, [| 1.0; 2.0 |], [||]), [| Method.Newton |])
    let printed = steps out "newton"

    for i in 0..1 do
        let direct = rule.[0].Steps.[i].Core
        agrees [ "x0"; "x1"; "eta" ] (fun v -> at [ "x0"; "x1"; "eta" ] v direct) printed.[sprintf "x%d" i]

[<Fact>]
let ``--format latex is a pasteable block of align environments`` () =
    let code, out, _ = run [ "derive"; "--format"; "latex"; "--simulator"; "x0; x1^2" ]
    Assert.Equal(0, code)
    let lines = (TestHelpers.latexJoined out).Split('\n', StringSplitOptions.RemoveEmptyEntries)
    // Every line is a LaTeX comment, an environment delimiter or an equation line: no CLI labels.
    for l in lines do
        Assert.True(l.StartsWith "%" || l = "\\begin{align}" || l = "\\end{align}" || l.Contains "&=" || l.TrimStart().StartsWith "&\\quad ", l)

    Assert.Equal(lines |> Array.filter ((=) "\\begin{align}") |> Array.length, lines |> Array.filter ((=) "\\end{align}") |> Array.length)
    // The symbolic target reads y^*_j.
    Assert.Contains("y^{*}_{0}", out)
    Assert.DoesNotContain("Δ", out)
    // A variable ys_1 prints as \mathrm{ys}_{1} too: then the target is ystar0, ystar1, which LaTeX
    // still writes y^*_j (matched by name), while the variable keeps its own name.
    let code, out, _ = run [ "derive"; "--format"; "latex"; "--simulator"; "ys_1 + x0; x0"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.Contains("\\mathrm{ys}_{1}", out)
    Assert.Contains("y^{*}_{0}", out)
    Assert.DoesNotContain("ystar", out.Split('\n') |> Array.filter (fun l -> not (l.StartsWith "%")) |> String.concat "\n")

[<Theory>]
[<InlineData("x0; x1^2", "")>]
[<InlineData("x0*cos(x1); x0*sin(x1)", "1,2")>]
[<InlineData("x0 + x1; x0 - x1; x0*x1", "")>]
[<InlineData("exp(x0 + x1); x0 - x1", "2,1")>]
// cbrt of a negative argument at the point (0.7 − 1): Math.Cbrt, where Math.Pow of it would be NaN.
[<InlineData("cbrt(x0 - 1) + x1; x1", "1,2")>]
let ``--format csharp compiles as a whole and computes the rules`` (simulator: string, target: string) =
    let args = [ "derive"; "--format"; "csharp"; "--simulator"; simulator ] @ (if target = "" then [] else [ "--target"; target ])
    let code, out, _ = run args
    Assert.Equal(0, code)
    if simulator.Contains "cbrt" then Assert.Contains("Math.Cbrt(", out)
    let assembly = compileCSharp out
    let rules = assembly.GetType "UpdateRules"
    // GD's method against the rule from the API at a point (the target symbols, when any, set to 0.5).
    let definition =
        ProblemDefinition([| "x0"; "x1" |], simulator.Split(';') |> Array.map (fun s -> s.Trim()), null,
                          (if target = "" then [||] else target.Split ',' |> Array.map float), [||])

    let rule = UpdateRuleSet.Derive(definition, [| Method.GradientDescent |]).[0]
    let gd = rules.GetMethod "GradientDescent"
    let inputs = gd.GetParameters() |> Array.filter (fun p -> not p.IsOut) |> Array.map (fun p -> p.Name)
    let values = inputs |> Array.map (fun n -> match n with | "x0" -> 0.7 | "x1" -> 0.4 | "eta" -> 0.3 | _ -> 0.5)
    let args = Array.append (Array.map box values) [| box 0.0; box 0.0 |]
    gd.Invoke(null, args) |> ignore

    for i in 0..1 do
        let expected = at (List.ofArray inputs) (List.ofArray values) rule.Steps.[i].Core
        Assert.True(abs ((args.[values.Length + i] :?> float) - expected) <= 1e-12 * (1.0 + abs expected))

/// Issue 11 follow-up, item 3: the C# of a Newton rule's stable variant (NewtonStable, written where the
/// rule as written overflows inside) is the stable form of the whole block, so the naming of shared terms
/// cannot split a sum of exponentials from the exponentials beside it; the readable Newton agrees where
/// nothing overflows.
[<Theory>]
[<InlineData(2.0)>]
[<InlineData(354.0)>]
[<InlineData(400.0)>]
[<InlineData(800.0)>]
[<InlineData(-30.0)>]
let ``--format csharp: the softplus Newton rule computes the right step at large x0`` (x0: float) =
    let code, out, _ = run [ "derive"; "--format"; "csharp"; "--simulator"; "log(1+exp(x0)); x1" ]
    Assert.Equal(0, code)
    let rules = (compileCSharp out).GetType("UpdateRules")
    // The stable variant is written only where the rule as written overflows inside; a rule simplified so that it
    // does not (exp(x0) cancelled, round 31) has Newton alone, which must then be right at every x0.
    let newton = match rules.GetMethod "NewtonStable" with | null -> rules.GetMethod "Newton" | m -> m
    let inputs = newton.GetParameters() |> Array.filter (fun p -> not p.IsOut) |> Array.map (fun p -> p.Name)
    let values = inputs |> Array.map (fun n -> match n with | "x0" -> x0 | "x1" -> 0.25 | _ -> 1.0) // ys0 = ys1 = eta = 1
    let args = Array.append (Array.map box values) [| box 0.0; box 0.0 |]
    newton.Invoke(null, args) |> ignore
    let readable = Array.append (Array.map box values) [| box 0.0; box 0.0 |]
    rules.GetMethod("Newton").Invoke(null, readable) |> ignore
    // Hand: f = softplus(x0) = max(x0, 0) + log(1 + e^-|x0|), σ = f', f'' = σ(1 − σ); L = (f − 1)²/2:
    // L' = (f − 1)σ, L'' = σ² + (f − 1)σ(1 − σ); Newton's step −L'/L'' (η = 1). At 800: −799.
    let f = max x0 0.0 + Math.Log(1.0 + Math.Exp(-(abs x0)))
    let s = if x0 >= 0.0 then 1.0 / (1.0 + Math.Exp -x0) else Math.Exp x0 / (1.0 + Math.Exp x0)
    let oneMinus = if x0 >= 0.0 then Math.Exp -x0 / (1.0 + Math.Exp -x0) else 1.0 / (1.0 + Math.Exp x0)
    let expected = -(f - 1.0) * s / (s * s + (f - 1.0) * s * oneMinus)
    let actual = args.[values.Length] :?> float
    Assert.True(abs (actual - expected) <= 1e-12 * (1.0 + abs expected), sprintf "x0 = %g: dx0 = %.17g, expected %.17g\n%s" x0 actual expected out)
    // The readable Newton: the same step where exp(x0) and its square stay finite (|x0| ≤ 30 here).
    if abs x0 <= 30.0 then
        let r = readable.[values.Length] :?> float
        Assert.True(abs (r - expected) <= 1e-9 * (1.0 + abs expected), sprintf "x0 = %g: readable dx0 = %.17g, expected %.17g" x0 r expected)
    // x1's row is the identity: Newton's step is −(x1 − ys1) = 0.75.
    Assert.Equal(0.75, args.[values.Length + 1] :?> float, 15)

// ---- the printing transformations never change a value ----

/// Generators.points are in [-2, 2]³; the collapse is tested with random cofactors, arguments and rest.
/// Three random terms pass the filter below (finite, moderate scale) about one time in three: 200 cases discarded
/// 325 to 411 over 5 seeds (round 34), 40% of FsCheck's default budget of 1000; 5000 is over ten times the most seen.
[<Property(MaxTest = 200, EndSize = 8, MaxRejected = 5000)>]
let ``the sin² + cos² collapse never changes a value`` () =
    let cases = Arb.zip (Arb.zip (terms, terms), Arb.zip (terms, points))

    Prop.forAll cases (fun ((r, u), (rest, p)) ->
        let struct (rv, rs) = naive p r
        let struct (uv, us) = naive p u
        let struct (tv, ts) = naive p rest
        let scale = max rs (max us ts)

        (finite rv && finite uv && finite tv && scale < 1e6 && abs uv < 1e6)
        ==> lazy
            (let re, ue, te = toExpr r, toExpr u, toExpr rest
             let sq f = Expr.pow (Expr.apply f ue) Expr.two
             // 3·R·sin(u)² + 3·R·cos(u)² + rest and R·cosh(u)² − R·sinh(u)² + rest.
             let c = Expr.ofInt 3
             let trig = Expr.sum [ Expr.mul [ c; re; sq Function.Sin ]; Expr.mul [ c; re; sq Function.Cos ]; te ]
             let hyper = Expr.sum [ Expr.mul2 re (sq Function.Cosh); Expr.neg (Expr.mul2 re (sq Function.Sinh)); te ]
             let s1, s2 = Simplify.simplify trig, Simplify.simplify hyper
             let e1 = 3.0 * rv * (sin uv ** 2.0 + cos uv ** 2.0) + tv
             let hyperFinite = abs uv < 30.0
             let e2 = rv * (cosh uv ** 2.0 - sinh uv ** 2.0) + tv
             let a1, a2 = evalAt p s1, evalAt p s2

             (close 1e-8 scale e1 a1
              && (not hyperFinite || close 1e-6 (scale * cosh uv ** 2.0) e2 a2))
             |> Prop.label (sprintf "%s → %s: %g vs %g; %s → %s: %g vs %g" (Infix.format trig) (Infix.format s1) e1 a1 (Infix.format hyper) (Infix.format s2) e2 a2)))

[<Property(MaxTest = 200, EndSize = 10)>]
let ``naming shared subexpressions never changes a value`` () =
    let cases = Arb.zip (Arb.zip (terms, terms), points)

    Prop.forAll cases (fun ((a, b), p) ->
        let ea, eb = toExpr a, toExpr b
        // Share on purpose: both roots contain a and b.
        let roots = [| Expr.add ea (Expr.mul2 ea eb); Expr.mul2 (Expr.add ea eb) eb |]
        let block = SharedTerms.extract "t" roots
        // Evaluate the printed lines in order: each intermediate from the variables and those above.
        let names = ResizeArray(variableNames)
        let values = ResizeArray(p)

        for (name, definition) in block.Intermediates do
            values.Add(Evaluate.at (names.ToArray()) (values.ToArray()) definition)
            names.Add name

        let lines = block.Results |> Array.map (Evaluate.at (names.ToArray()) (values.ToArray()))
        let direct = roots |> Array.map (evalAt p)
        let struct (_, sa) = naive p a
        let struct (_, sb) = naive p b
        // The lines rebuild the same operations, possibly with factors in another order: equal up to
        // rounding relative to the size of the intermediate values (the product a·b), NaN where NaN.
        let scale = (1.0 + sa) * (1.0 + sb)

        (finite scale && scale < 1e8)
        ==> lazy
            (Array.forall2 (fun (x: float) y -> (Double.IsNaN x && Double.IsNaN y) || close 1e-9 scale x y) direct lines
             |> Prop.label (sprintf "%A vs %A with %A" direct lines (block.Intermediates |> Array.map (fun (n, d) -> n, Infix.format d)))))

[<Fact>]
let ``sin² + cos² collapses with any common cofactor, also inside larger sums`` () =
    let s text = Infix.format (Simplify.simplify (Parse.expression text))
    Assert.Equal("x0 + y", s "x0*sin(x1)^2 + x0*cos(x1)^2 + y")
    Assert.Equal("3*eta", s "3*eta*sin(a*b)^2 + 3*eta*cos(a*b)^2")
    Assert.Equal("z", s "z*cosh(u)^2 - z*sinh(u)^2")
    // Different cofactors are not an identity: left alone.
    Assert.Equal(Infix.format (Parse.expression "x*sin(u)^2 + y*cos(u)^2"), s "x*sin(u)^2 + y*cos(u)^2")
    // Like terms inside a numeric multiple of a sum: x0 + x1 − (x0 − x1) = 2·x1.
    Assert.Equal("2*x1 + y", s "x0 + x1 + y - (x0 - x1)")

// ---- item 9: smaller points ----

[<Fact>]
let ``unit scales print without floating noise and parameters are listed with their units`` () =
    let code, out, _ = run [ "units"; "--simulator"; "k*x0^2; x1"; "--unit"; "x0=cm"; "--unit"; "x1=s"; "--param"; "k=2" ]
    Assert.Equal(0, code)
    // (10⁻² m)² = 10⁻⁴ m², which is cm² (the scale absorbed into the prefix).
    Assert.Contains("y0 [cm^2]", out)
    Assert.Contains("Parameters: k [1] (dimensionless, not given)", out)
    let code, out, _ = run [ "units"; "--simulator"; "k*x0^2; x1"; "--unit"; "x0=cm"; "--unit"; "x1=s"; "--param"; "k=2"; "--unit"; "k=1/s" ]
    Assert.Equal(0, code)
    Assert.Contains("k [1/s]", out)
    Assert.Contains("y0 [cm^2/s]", out)

[<Fact>]
let ``messages count one output and one value in the singular`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0"; "--target"; "1,2"; "--start"; "0" ]
    Assert.Equal(2, code)
    Assert.Contains("--target has 2 values but the problem has 1 output (y0)", err)
    let code, _, err = run [ "derive"; "--simulator"; "x0 + x1"; "--methods"; "ig" ]
    Assert.Equal(2, code)
    Assert.Contains("2 variables to 1 output.", err)

[<Fact>]
let ``derive --methods with a step size names what was typed`` () =
    let code, _, err = run [ "derive"; "--methods"; "gd:0.1" ]
    Assert.Equal(2, code)
    Assert.Contains("'gd:0.1'", err)
    Assert.DoesNotContain(":1'", err)

[<Fact>]
let ``JSON output does not escape plus signs`` () =
    for args in [ [ "diff"; "-f"; "x + y^2"; "--format"; "json" ]; [ "derive"; "--format"; "json"; "--simulator"; "x0 + x1; x1" ] ] do
        let code, out, _ = run args
        Assert.Equal(0, code)
        Assert.DoesNotContain("\\u002B", out)
        Assert.Contains(" + ", out)
        JsonDocument.Parse out |> ignore

[<Fact>]
let ``derive --format json lists the symbolic target and the skipped methods`` () =
    let code, out, _ = run [ "derive"; "--format"; "json"; "--simulator"; "x0 + x1; x0 - x1; x0*x1" ]
    Assert.Equal(0, code)
    let root = JsonDocument.Parse(out).RootElement
    Assert.Equal<string list>([ "ys0"; "ys1"; "ys2" ], [ for t in root.GetProperty("target").EnumerateArray() -> t.GetString() ])
    // HIG, in compare's default list, has no closed form (issue 12: no default method left out silently).
    Assert.Equal<string list>([ "ig"; "pg"; "hig" ], [ for s in root.GetProperty("skipped").EnumerateArray() -> s.GetProperty("method").GetString() ])
