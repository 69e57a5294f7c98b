/// Issue 12, item 3 (long rules keep shared subexpressions as named intermediate lines rather than
/// repeating them), as the 24th round found it still open: the README's gn rule wrote `(x0 + x1)` four
/// times, a small name made of other names (t7 = t5 + exp(x1)) was written back with them so Newton's
/// rule wrote exp(x1) + x1*exp(x1) three times, Newton's determinant got two names where the steps were
/// simplified apart (expanded in Δx0, in other names in Δx1), and C# wrote a square of anything as b * b,
/// computing a sum or a call twice. The rule tested here is SharedTerms.WorthAName: no subexpression worth a name is
/// written out twice in a printed block, in any format.
module PhysGrad.Properties.SharedTerms24

open System
open System.Collections.Generic
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// The printed blocks of a problem (the rules as derive prints them, intermediates named), one per
/// method that applies, with the unshared steps beside them; the target as given ([||]: symbolic). Also
/// SharedSubSums26's.
let printedBlocks (variables: string[]) (simulator: string) (target: float[]) (methods: Method list) =
    let problem = ProblemDefinition(variables, simulator.Split(';'), null, target, [||])

    let rules =
        methods
        |> List.collect (fun m ->
            try
                UpdateRuleSet.Derive(problem, ([| m |]: Method[])) |> List.ofSeq
            with :? MethodNotApplicableException ->
                [])

    let ruleBlocks = rules |> List.map (fun r -> RuleBlock(r.Name, r.CSharpName, r.Variables, r.Steps)) |> Array.ofList
    let shared = RulePrinter.Prepare("infix", ruleBlocks, variables)

    [ for b in 0 .. ruleBlocks.Length - 1 ->
          let defs = shared.[b].Intermediates |> Seq.map (fun struct (n, v) -> n, v.Core) |> Array.ofSeq
          let results = shared.[b].Results |> Seq.map (fun e -> e.Core) |> Array.ofSeq
          let steps = ruleBlocks.[b].Steps |> Seq.map (fun e -> e.Core) |> Array.ofSeq
          ruleBlocks.[b].Title, defs, results, steps ]

let private blocks variables simulator methods = printedBlocks variables simulator [||] methods

/// How often each node is written out in the printed lines (a name is a symbol: what it stands for is
/// written only in its own line).
let private written (roots: Expr[]) =
    let counts = Dictionary<Expr, int>(HashIdentity.Reference)

    let rec walk (e: Expr) =
        counts.[e] <- (match counts.TryGetValue e with | true, c -> c | _ -> 0) + 1
        for c in Expr.children e do walk c

    for r in roots do walk r
    counts

/// The subexpressions worth a name that a block writes out more than once, with their counts.
let private repeated (defs: (string * Expr)[]) (results: Expr[]) =
    written (Array.append (defs |> Array.map snd) results)
    |> Seq.filter (fun (KeyValue(e, c)) -> c >= 2 && SharedTerms.worthAName e)
    |> Seq.map (fun (KeyValue(e, c)) -> sprintf "%s (%d times)" (Infix.format e) c)
    |> List.ofSeq

/// The values of the intermediates at a point, each from the symbols and the names above it.
let private values (point: IDictionary<string, float>) (defs: (string * Expr)[]) =
    let v = Dictionary<string, float>(point)
    for (n, d) in defs do v.[n] <- Evaluate.many (fun s -> v.[s]) [| d |] |> Array.head
    v

// ---- the faults as reported ----

/// The README's Gauss–Newton example: x0 + x1 is the Jacobian's first row summed, in the denominator
/// squared, in the first residual and in each step.
let private readmeGn = [ "derive"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--methods"; "gn" ]

[<Fact>]
let ``the README's gn rule writes x0 + x1 once, as an intermediate, in text, LaTeX, C# and JSON`` () =
    let text format =
        let code, out, err = Cli.run (readmeGn @ [ "--format"; format ])
        Assert.True((code = 0), err)
        out

    let count (pattern: string) (s: string) = Regex.Matches(s, Regex.Escape pattern).Count
    let infix = text "infix"
    Assert.Equal(1, count "x0 + x1" infix)
    Assert.Matches(@"(?m)^  t\d+ = x0 \+ x1$", infix)
    // LaTeX: the one line t_k = x_0 + x_1 in the align block (the header comment spells the problem).
    let latex = text "latex"
    let body = latex.Substring(latex.IndexOf "\\begin{align}")
    Assert.Equal(1, count "x_{0} + x_{1}" body)
    Assert.Matches(@"(?m)^  t_\{\d+\} &= x_\{0\} \+ x_\{1\} \\\\$", body)
    // C#: one local, its square t * t.
    let cs = text "csharp"
    let method = cs.Substring(cs.IndexOf "public static void GaussNewton")
    Assert.Equal(1, count "x0 + x1" method)
    Assert.Matches(@"double (t\d+) = x0 \+ x1;[\s\S]*\b\1 \* \1\b", method)
    // JSON: the intermediate once; every other line names it.
    use doc = JsonDocument.Parse(text "json")
    let rule = doc.RootElement.GetProperty("rules").[0]
    let lines =
        [ for t in rule.GetProperty("intermediates").EnumerateArray() -> t.GetProperty("expression").GetString()
          for s in rule.GetProperty("steps").EnumerateArray() -> s.GetProperty("step").GetString() ]
    Assert.Equal(1, lines |> List.sumBy (count "x0 + x1"))

[<Fact>]
let ``a short name built from other names is kept when written back it would repeat a long sum`` () =
    // Newton on [x1·e^x1, log(x0² + 1)]: ∂y0/∂x1 = e^x1 + x1·e^x1 is in the numerator and squared in the
    // denominator of Δx1. In names it is t + exp(x1) with t = x1*exp(x1), 4 nodes; dropping both names at
    // once wrote exp(x1) + x1*exp(x1) out three times.
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x1*exp(x1); log(x0^2 + 1)"; "--methods"; "newton" ]
    Assert.True((code = 0), err)
    // (Not counting 2*exp(x1) + x1*exp(x1), another sum that ends the same way.) At most once: the printer
    // now takes exp(x1) out of it, (x1 + 1)*exp(x1), where that is shorter (Simplify27).
    Assert.True(Regex.Matches(out, @"(?<![\w*])" + Regex.Escape "exp(x1) + x1*exp(x1)").Count <= 1, out)
    // Gauss–Newton on a problem with cos(x0) − 1 in two outputs' derivatives wrote it seven times.
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x1; sin(x0) - x0; x0*x1^3 + x0^2"; "--methods"; "gn" ]
    Assert.True((code = 0), err)
    Assert.Equal(1, Regex.Matches(out, Regex.Escape "cos(x0) - 1").Count)

[<Fact>]
let ``Newton's determinant gets one name where the steps write it two ways`` () =
    // Newton on [x1 + x0², x0³]: det H = 2*x0^2 + 15*x0^4 + 2*x1 - 2*ys0 - 6*x0*ys1 (Δx0) and
    // 2*(x0^2 + x1 - ys0) + 6*(x0^3 - ys1)*x0 + 9*x0^4 (Δx1) are one polynomial: one reciprocal line.
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x1 + x0^2; x0^3"; "--methods"; "newton" ]
    Assert.True((code = 0), err)
    Assert.Equal(1, Regex.Matches(out, Regex.Escape "= 1/(").Count)
    Assert.Equal(1, Regex.Matches(out, Regex.Escape "1/").Count)

/// An operand (a bracket, or a call, with balanced brackets) written twice around one `*`: `(a + b) * (a + b)`,
/// `Math.Cos(x0) * Math.Cos(x0)`.
let private squareWrittenTwice =
    Regex(@"(?<![\w.])(?<a>(?:[A-Za-z_][\w.]*)?\((?>[^()]+|\((?<d>)|\)(?<-d>))*(?(d)(?!))\)) \* \k<a>(?![\w(])")

[<Theory>]
[<InlineData("x0 + x1; x0 - x1; x0*x1")>]
[<InlineData("sin(x0) + x1; x0*x1^2")>]
[<InlineData("x1*exp(x1); log(x0^2 + 1)")>]
[<InlineData("x0 + sin(x1); x0*x1")>]
let ``C# writes a square of anything longer than a name once, as a named local's t * t or as Sq`` (simulator: string) =
    let code, cs, err = Cli.run [ "derive"; "--simulator"; simulator; "--format"; "csharp" ]
    Assert.True((code = 0), err)
    let m = squareWrittenTwice.Match cs
    Assert.False(m.Success, sprintf "%s is computed twice:\n%s" m.Value cs)
    Assert.DoesNotContain(", 2.0)", cs)

[<Fact>]
let ``Sq computes the square of a sum, a call and a quotient, and a lone expression needs no helper`` () =
    // At x = 3: (x + 1)² = 16, sin(x)² + 1/(x − 1)² = sin(3)² + 1/4, 1/(x + 1)² = 1/16.
    let cases = [ "(x + 1)^2", 16.0; "sin(x)^2 + 1/(x - 1)^2", sin 3.0 ** 2.0 + 0.25; "1/(x + 1)^2", 1.0 / 16.0 ]

    for text, expected in cases do
        let e = Expression.Parse text
        let calling = e.ToCSharpCallingHelpers()
        Assert.Contains("Sq(", calling)
        let helpers = String.Join("\n", Expression.CSharpHelpers calling)
        let source = "using System; public static class G { public static double F(double x) => " + calling + "; " + helpers + " }"
        let f = (TestHelpers.compileCSharp source).GetType("G").GetMethod "F"
        Assert.Equal(expected, unbox<float> (f.Invoke(null, [| box 3.0 |])), 14)
        // The lone form is self-contained: no helper call.
        Assert.DoesNotContain("Sq(", e.ToCSharp())
        Assert.Equal(expected, (TestHelpers.compileFunction (e.ToCSharp())).Invoke 3.0, 14)

[<Fact>]
let ``a user's symbol named Sq is renamed in C#, not hidden by the helper`` () =
    let code, cs, err = Cli.run [ "derive"; "--simulator"; "Sq*x0 + (x0 + x1)^2; x1"; "--param"; "Sq=2"; "--format"; "csharp"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.Contains("Sq_", cs)
    let t = (TestHelpers.compileCSharp cs).GetType "UpdateRules"
    Assert.NotNull(t.GetMethod "GradientDescent")

// ---- the rule on many problems ----

/// The README's derive problems, the ones above and some with functions.
let private problems =
    [ [| "x0"; "x1" |], "x0; x1^2"
      [| "x0"; "x1" |], "x0*x1; x0 + x1^2"
      [| "x0"; "x1" |], "x0 + x1; x0 - x1; x0*x1"
      [| "x0"; "x1" |], "x1*exp(x1); log(x0^2 + 1)"
      [| "x0"; "x1" |], "x1; sin(x0) - x0; x0*x1^3 + x0^2"
      [| "x0"; "x1" |], "sin(x0)*x1; exp(x0) + x1"
      [| "x0"; "x1" |], "x0 + x1^2; x0^2 + x1"
      [| "x0"; "x1"; "x2" |], "sin(x0)*exp(x1) + x2; x0*x1*x2; cos(x1 - x2) + x0^2" ]

let private methods = [ Method.GradientDescent; Method.Newton; Method.GaussNewton; Method.InverseGradient ]

[<Fact>]
let ``no subexpression worth a name is written out twice in any printed block`` () =
    for variables, simulator in problems do
        for title, defs, results, _ in blocks variables simulator methods do
            let r = repeated defs results
            Assert.True(r.IsEmpty, sprintf "%s, %s: %s" simulator title (String.Join("; ", r)))

/// A random simulator of 2 or 3 outputs in x0, x1 from a seed: each output one or two pieces, summed,
/// subtracted or multiplied.
let private randomSimulator (seed: int) =
    let rng = Random seed
    let pieces = [| "x0"; "x1"; "x0^2"; "x1^2"; "sin(x0)"; "exp(x1)"; "x0*x1"; "cos(x1)"; "x0^3"; "2*x1"; "log(x0^2 + 1)" |]
    let pick () = pieces.[rng.Next pieces.Length]

    [ for _ in 1 .. rng.Next(2, 4) ->
          match rng.Next 4 with
          | 0 -> pick ()
          | 1 -> pick () + " + " + pick ()
          | 2 -> pick () + " - " + pick ()
          | _ -> pick () + "*" + pick () ]
    |> String.concat "; "

[<Property(MaxTest = 100)>]
let ``on random problems every block names each repeated subexpression once, no two names share a value, and the rule is the derived one`` (seed: int) =
    let simulator = randomSimulator seed
    let rng = Random seed

    let point =
        dict [ for n in [ "x0"; "x1"; "ys0"; "ys1"; "ys2"; "eta" ] -> n, 0.25 + rng.NextDouble() ]

    let other =
        dict [ for n in [ "x0"; "x1"; "ys0"; "ys1"; "ys2"; "eta" ] -> n, -1.5 + rng.NextDouble() ]

    [ yield true |@ "no block"
      for title, defs, results, steps in blocks [| "x0"; "x1" |] simulator methods do
          let r = repeated defs results
          yield r.IsEmpty |@ sprintf "%s, %s writes out again: %s" simulator title (String.Join("; ", r))
          // The rule as named is the rule with its equal sums written one way (SharedTerms.canonical): each
          // sum replaced by one that multiplies out to the same polynomial. (That the names evaluate to
          // the rule is FirstHourRules' and DeriveTrial17's property, and compiled C# below.)
          let canonical = SharedTerms.canonical steps
          yield Array.forall2 (fun a b -> obj.ReferenceEquals(Simplify.expand 100000 a, Simplify.expand 100000 b)) canonical steps
                |@ sprintf "%s, %s: the canonical form %A is not the rule %A" simulator title (canonical |> Array.map Infix.format) (steps |> Array.map Infix.format)
          // No two names for one value: equal, or equal up to a constant factor, at two points is one
          // subexpression written two ways (a canonical form would have given it one name).
          let v1, v2 = values point defs, values other defs

          for i in 0 .. defs.Length - 1 do
              for j in i + 1 .. defs.Length - 1 do
                  let a, b = fst defs.[i], fst defs.[j]
                  let r1, r2 = v1.[b] / v1.[a], v2.[b] / v2.[a]
                  let same = Double.IsFinite r1 && abs (r1 - r2) <= 1e-12 * (1.0 + abs r1)
                  yield not same |@ sprintf "%s, %s: %s = %s and %s = %s are one value up to %g" simulator title a (Infix.format (snd defs.[i])) b (Infix.format (snd defs.[j])) r1 ]
    |> List.reduce (.&.)

// CI drew this case: GN's Δx0 is −η(x0 + (x0 − 1)·x1² − 1)/(x1² + 1) as derived; grouping with the name
// t1 = 1/(x1² + 1) in view brought out (x0 − 1)·(x1² + 1) beside t1, and the sum was written twice.
[<Fact>]
let ``a sum factored out beside its own named reciprocal cancels, not written twice`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x0; 2*x1; x1^2"; "--methods"; "gn" ]
    Assert.True((code = 0), err)
    Assert.Contains("Δx0 = -eta*(x0 - ys0)\n", out.Replace("\r", ""))
    for title, defs, results, _ in blocks [| "x0"; "x1" |] "x0; 2*x1; x1^2" [ Method.GaussNewton ] do
        let r = repeated defs results
        Assert.True(r.IsEmpty, sprintf "%s writes out again: %s" title (String.Join("; ", r)))

// ---- C# as a whole ----

[<Theory>]
[<InlineData("x0 + x1; x0 - x1; x0*x1")>]
[<InlineData("x1*exp(x1); log(x0^2 + 1)")>]
[<InlineData("x1; sin(x0) - x0; x0*x1^3 + x0^2")>]
[<InlineData("sin(x0) + x1; x0*x1^2")>]
let ``the C# file compiles as a whole and each method computes the rule`` (simulator: string) =
    let code, cs, err = Cli.run [ "derive"; "--simulator"; simulator; "--format"; "csharp"; "--methods"; "gd,newton,gn" ]
    Assert.True((code = 0), err)
    let t = (TestHelpers.compileCSharp cs).GetType "UpdateRules"
    let outputs = simulator.Split(';').Length
    let targets = [ for j in 0 .. outputs - 1 -> sprintf "ys%d" j ]
    // A point well inside every rule's domain (log(x0² + 1) for any x0, the Hessians invertible there).
    let at = dict ([ "x0", 0.7; "x1", -0.4; "eta", 0.3 ] @ (targets |> List.mapi (fun j n -> n, 0.2 + 0.1 * float j)))

    for title, _, _, steps in blocks [| "x0"; "x1" |] simulator [ Method.GradientDescent; Method.Newton; Method.GaussNewton ] do
        let name = match title with | "gd" -> "GradientDescent" | "newton" -> "Newton" | _ -> "GaussNewton"
        let m = t.GetMethod name
        let args = m.GetParameters() |> Array.map (fun p -> if p.IsOut then box 0.0 else box at.[p.Name])
        m.Invoke(null, args) |> ignore
        let expected = Evaluate.many (fun s -> at.[s]) steps
        let got = m.GetParameters() |> Array.indexed |> Array.filter (fun (_, p) -> p.IsOut) |> Array.map (fun (i, _) -> unbox<float> args.[i])
        Assert.Equal(expected.Length, got.Length)

        for i in 0 .. got.Length - 1 do
            Assert.True(abs (got.[i] - expected.[i]) <= 1e-12 * (1.0 + abs expected.[i]), sprintf "%s %s dx%d: C# %.17g, rule %.17g" simulator title i got.[i] expected.[i])
