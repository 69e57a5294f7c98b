/// The faults of the seventeenth new-user trial of `physgrad derive`, each tested by its kind: constants
/// solved exactly print as fractions (and C# computes them as exact divisions), every generated C# method
/// takes its arguments in one order, repeated subexpressions are named once and used everywhere, PG's
/// square root loses a square under 0 ≤ η ≤ 1, and a target name that reads as another output's target
/// is refused.
module PhysGrad.Properties.DeriveTrial17

open System
open System.Collections.Generic
open System.Text.RegularExpressions
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// The right-hand side of the infix line `  name = …` of a block (continuation lines joined).
let private rhs (text: string) (block: string) (name: string) =
    let lines = text.Replace("\r", "").Split('\n')
    let start = lines |> Array.findIndex (fun l -> l = block + ":")
    let i = start + (lines.[start..] |> Array.findIndex (fun l -> l.StartsWith("  " + name + " = ")))
    let first = lines.[i].Substring(("  " + name + " = ").Length)
    let more = lines.[i + 1 ..] |> Array.takeWhile (fun l -> l.StartsWith "    ") |> Array.map (fun l -> " " + l.Trim())
    String.Join("", Array.append [| first |] more)

// ---- 1. exact constants print as fractions ----

[<Fact>]
let ``constants solved exactly print as fractions in text and LaTeX, and as exact divisions in C#`` () =
    let args = [ "derive"; "--simulator"; "2.0*x0 + 0.1*x1; 0.3*x1^2"; "--target"; "1.0,0.7"; "--methods"; "ig,pg" ]
    let code, text, err = Cli.run args
    Assert.True((code = 0), err)
    // No decimal of more than 6 significant digits anywhere (0.0583333333333333 was printed before).
    Assert.DoesNotMatch(@"[0-9]\.[0-9]{7,}", text)
    // IG's Δx1 = Δy1/(0.6 x1) with Δy1 = −η(0.3 x1² − 0.7): −η x1/2 + (7/6) η/x1, read back from the text.
    let dx1 = Parse.expression (rhs text "ig" "Δx1")

    for (x1, eta) in [ (0.5, 0.3); (-1.7, 0.9); (3.0, 0.01) ] do
        let v = Evaluate.at [| "x1"; "eta" |] [| x1; eta |] dx1
        let expected = -eta * x1 / 2.0 + 7.0 / 6.0 * eta / x1
        Assert.True(abs (v - expected) <= 1e-15 * (abs expected + 1.0), sprintf "ig Δx1 = %.17g, expected %.17g\n%s" v expected text)

    Assert.Contains("eta*(7/(6*x1) - x1/2)", text)
    let _, latex, _ = Cli.run (args @ [ "--format"; "latex" ])
    Assert.Contains(@"\eta \left(\frac{7}{6 x_{1}}", latex)
    Assert.DoesNotMatch(@"[0-9]\.[0-9]{7,}", latex)
    let _, json, _ = Cli.run (args @ [ "--format"; "json" ])
    Assert.DoesNotMatch(@"[0-9]\.[0-9]{7,}", json)
    // C#: 7/6 as the division 7.0 / 6.0, the double nearest 7/6; at x1 = η = 1 the step is fl(7/6) − 1/2
    // exactly (the other operations are exact there), where a 15-digit 1.16666666666667 is 30 ulps off.
    let _, cs, _ = Cli.run (args @ [ "--format"; "csharp" ])
    let ig = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "InverseGradient"
    let inputs = ig.GetParameters() |> Array.filter (fun p -> not p.IsOut) |> Array.map (fun p -> p.Name)
    Assert.Equal<string[]>([| "x0"; "x1"; "eta" |], inputs)
    let call = [| box 0.0; box 1.0; box 1.0; box 0.0; box 0.0 |]
    ig.Invoke(null, call) |> ignore
    Assert.Equal(7.0 / 6.0 - 0.5, call.[4] :?> float)

[<Property(MaxTest = 40)>]
let ``a short decimal stays a decimal, a small fraction stays exact, a long one becomes its double`` (n: int, d: PositiveInt) =
    let q = Rational.Create(Numerics.BigInteger n, Numerics.BigInteger d.Get)
    let printed = ReadableConstants.readable (Expr.number q)
    let value = Evaluate.at [||] [||] printed
    let isDecimal = (ExactConstants.ofDecimal (q.ToDouble())).Equals q
    let small = (string (abs (int64 q.Num))).Length <= 6 && (string q.Den).Length <= 6
    let text = Infix.format printed

    (value = q.ToDouble()) |@ sprintf "%s is %.17g, not %.17g" text value (q.ToDouble())
    .&. ((not small || isDecimal || q.IsInteger || text.Contains(sprintf "%O/%O" (abs (int64 q.Num)) q.Den))
         |@ sprintf "%O/%O printed %s" q.Num q.Den text)
    .&. ((not isDecimal || q.IsInteger || q.Den = Numerics.BigInteger 2 || not (text.Contains "/"))
         |@ sprintf "the decimal %O/%O printed %s" q.Num q.Den text)

// ---- 2. one parameter order in every C# method ----

[<Fact>]
let ``every generated C# method takes its state, then the target names and parameters, then eta, by position`` () =
    let code, out, err =
        Cli.run [ "derive"; "--format"; "csharp"; "--simulator"; "k*x0 + x1; x1^2"; "--param"; "k=2"; "--target"; "R,H"; "--methods"; "gd,ig" ]

    Assert.True((code = 0), err)
    // Comment lines are wrapped at 100 columns ("//   " continues one).
    Assert.Contains(RulePrinter.ParameterOrder, out.Replace("\r", "").Replace("\n//   ", " "))
    let t = (TestHelpers.compileCSharp out).GetType "UpdateRules"

    let inputs (m: Reflection.MethodInfo) =
        m.GetParameters() |> Array.filter (fun p -> not p.IsOut) |> Array.map (fun p -> p.Name)

    Assert.Equal<string[]>([| "y0"; "y1"; "R"; "H"; "eta" |], inputs (t.GetMethod "YStep"))

    for m in [ "GradientDescent"; "InverseGradient" ] do
        let names = inputs (t.GetMethod m)
        Assert.Equal<string[]>([| "x0"; "x1"; "R"; "H"; "k"; "eta" |] |> Array.filter (fun n -> Array.contains n names), names)
        Assert.Equal<string>("x0", names.[0])
        Assert.Equal<string>("eta", Array.last names)

    // YStep by position: y = (0.5, 2), R = 1.5, H = 1, η = 0.25 gives Δy = −η(y − y*) = (0.25, −0.25).
    let args = [| box 0.5; box 2.0; box 1.5; box 1.0; box 0.25; box 0.0; box 0.0 |]
    (t.GetMethod "YStep").Invoke(null, args) |> ignore
    Assert.Equal(0.25, args.[5] :?> float)
    Assert.Equal(-0.25, args.[6] :?> float)

// ---- 3. repeated subexpressions named once, used everywhere; lines fit ----

let private trialSimulator = "sin(x0)*exp(x1) + x2; x0*x1*x2; cos(x1 - x2) + x0^2"

/// The products and sums of `e` (as multisets of factors or terms, each with whether it is a sum) for the
/// containment check: a sum's terms are sought among sums' terms only (x1 + x2 is not in x1*x2).
let private groups (e: Expr) =
    Structure.postOrder [ e ]
    |> Array.choose (fun n ->
        match n.Node with
        | Product fs -> Some(false, fs |> Array.filter (Expr.isNumeric >> not))
        | Sum ts -> Some(true, ts)
        | _ -> None)

let private contains (isSum: bool, part: Expr[]) (wholeIsSum: bool, whole: Expr[]) =
    let rest = List<Expr>(whole)
    isSum = wholeIsSum
    && (part |> Array.forall (fun p -> let i = rest.FindIndex(fun w -> obj.ReferenceEquals(w, p)) in (if i >= 0 then rest.RemoveAt i); i >= 0))

[<Fact>]
let ``the trial's rules name each repeated subexpression once, use the name wherever its parts occur, and fit 100 columns`` () =
    let code, text, err = Cli.run [ "derive"; "--simulator"; trialSimulator; "--methods"; "newton,gn,ig" ]
    Assert.True((code = 0), err)
    let lines = text.Replace("\r", "").Split('\n')
    let wide = lines |> Array.filter (fun l -> l.Length > RulePrinter.MaxWidth)
    Assert.True((wide.Length = 0), String.Join("\n", wide))
    // IG names sin(x0)*exp(x1) as newton and gn do (it was written out 8 times).
    let igBlock = text.Substring(text.IndexOf "\nig:")
    Assert.True(Regex.Matches(igBlock, Regex.Escape "sin(x0)*exp(x1)").Count <= 1, igBlock)
    // No trivial intermediate (a constant times at most two atoms, like t4 = -2*x0^2*x2).
    Assert.DoesNotMatch(@"(?m)^  t[0-9]+ = -?[0-9]*\*?[a-z0-9]+(\^[0-9]+)?(\*[a-z0-9]+(\^[0-9]+)?)?$", text)

[<Property(MaxTest = 25)>]
let ``named intermediates evaluate to the unshared rules and no definition's parts occur again outside it`` (seed: int) =
    let problem = ProblemDefinition([| "x0"; "x1"; "x2" |], trialSimulator.Split(';'), null, [||], [||])
    let rules = UpdateRuleSet.Derive(problem, ([| Method.Newton; Method.GaussNewton; Method.InverseGradient |]: Method[]))
    let blocks = rules |> Seq.map (fun r -> RuleBlock(r.Name, r.CSharpName, r.Variables, r.Steps)) |> Seq.toArray
    let shared = RulePrinter.Prepare("infix", blocks, problem.Variables)
    let rng = Random seed
    let names = [| "x0"; "x1"; "x2"; "ys0"; "ys1"; "ys2"; "eta" |]
    let point = names |> Array.map (fun _ -> rng.NextDouble() * 2.0 - 1.0)

    [ for b in 0 .. blocks.Length - 1 do
          let defs = shared.[b].Intermediates |> Seq.map (fun struct (n, v) -> n, v.Core) |> Seq.toArray
          let values = Dictionary<string, float>()
          for (n, v) in Seq.zip names point do values.[n] <- v
          for (n, d) in defs do values.[n] <- Evaluate.many (fun s -> values.[s]) [| d |] |> Array.head
          let results = shared.[b].Results |> Seq.map (fun e -> e.Core) |> Seq.toArray
          let printed = Evaluate.many (fun s -> values.[s]) results
          let direct = Evaluate.many (fun s -> values.[s]) (blocks.[b].Steps |> Seq.map (fun e -> e.Core) |> Seq.toArray)

          for i in 0 .. printed.Length - 1 do
              yield (abs (printed.[i] - direct.[i]) <= 1e-9 * (1.0 + abs direct.[i]))
                    |@ sprintf "%s Δx%d: %.17g shared, %.17g unshared" blocks.[b].Title i printed.[i] direct.[i]

          // Each definition's factors (or terms) do not all occur in any other line, except in the
          // definitions it is built from.
          for (n, d) in defs do
              match d.Node with
              | Product _
              | Sum _ ->
                  let parts = (groups d).[(groups d).Length - 1]
                  let others =
                      Array.append (defs |> Array.filter (fun (m, e) -> m <> n && not (Structure.dependsOn (Expr.symbol m) d)) |> Array.map snd) results

                  for o in others do
                      let hit = groups o |> Array.exists (contains parts)
                      yield (not hit || (snd parts).Length < 2) |@ sprintf "%s: %s = %s appears again in %s" blocks.[b].Title n (Infix.format d) (Infix.format o)
              | _ -> () ]
    |> List.reduce (.&.)

// ---- 4. PG's square root under 0 ≤ η ≤ 1 ----

[<Fact>]
let ``the book's PG rule takes the square out of the root and says it holds for eta up to 1`` () =
    let code, text, err = Cli.run [ "derive"; "--methods"; "pg" ]
    Assert.True((code = 0), err)
    let dx1 = rhs text "pg" "Δx1"
    Assert.DoesNotContain("sign", dx1)
    Assert.Contains("0 ≤ eta ≤ 1", text)
    let e = Parse.expression dx1

    for (x1, eta) in [ (2.0, 0.25); (-3.0, 0.5); (0.0, 1.0); (0.7, 0.0) ] do
        let expected = x1 * (sqrt (1.0 - eta) - 1.0)
        let v = Evaluate.at [| "x1"; "eta" |] [| x1; eta |] e
        Assert.True(abs (v - expected) <= 1e-15, sprintf "%s = %.17g at x1 = %g, eta = %g" dx1 v x1 eta)

[<Property(MaxTest = 200)>]
let ``taking a square out of a root preserves the value wherever the input is defined and 0 <= eta <= 1`` (p: int, q: int, r: int, u: float, w: float, z: float) =
    let p, q, r = p % 4, q % 4, r % 4
    let text = sprintf "sqrt(%d*x1^2 + %d*eta*x1^2 + %d*x0^2*x1^2)*sign(x1) - x1" p q r
    let e = Parse.expression text
    let eta = Expr.symbol "eta"
    let s = Simplify.simplifyAssuming [| eta; Expr.sub Expr.one eta |] e
    let finite (x: float) = if Double.IsFinite x then x % 5.0 else 0.0
    // x1 = 0 in one case of four: where the rewrite would be unsound without b ≥ 0.
    let x1 = if abs (finite u) < 1.25 then 0.0 else finite u
    let point = [| finite w; x1; abs (finite z) / 5.0 |]
    let before = Evaluate.at [| "x0"; "x1"; "eta" |] point e
    let after = Evaluate.at [| "x0"; "x1"; "eta" |] point s

    (Double.IsNaN before || abs (before - after) <= 1e-12 * (1.0 + abs before))
    |@ sprintf "%s → %s: %.17g vs %.17g at %A" text (Infix.format s) before after point

// ---- 5. a target name that reads as another output's target ----

[<Fact>]
let ``a target named ys1 for output 0 is refused with what to name it instead`` () =
    let code, _, err = Cli.run [ "derive"; "--simulator"; "x0; x1^2"; "--target"; "ys1,2"; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Contains("'ys1'", err)
    Assert.Contains("ys0", err)
    Assert.DoesNotContain("internal", err)
    // The name of its own output, or a name of the user's, is fine.
    let ok, out, err2 = Cli.run [ "derive"; "--simulator"; "x0; x1^2"; "--target"; "ys0,2"; "--methods"; "gd" ]
    Assert.True((ok = 0), err2)
    Assert.Contains("ys0", out)

// ---- a named method that does not apply fails the command without losing the other named rules ----

[<Fact>]
let ``derive prints the rules of the named methods that apply and then fails with exit 2 for the one that does not`` () =
    // k*x0^2 + x1; x0 + x1 has no closed-form local inverse (the re-trial's case): pg was named, so the command
    // fails (exit 2, the reason and the --inverse remedy), but gd's and ig's rules are still printed.
    let code, out, err =
        Cli.run [ "derive"; "--simulator"; "k*x0^2 + x1; x0 + x1"; "--param"; "k=2"; "--methods"; "gd,pg,ig" ]
    Assert.Equal(2, code)
    Assert.Contains("gd:", out)
    Assert.Contains("ig:", out)
    Assert.DoesNotContain("pg:", out)
    Assert.Contains("PG's closed form needs a local inverse", err)
    Assert.Contains("--inverse", err)
    Assert.Contains("leave the failing ones out of --methods", err)
    // Only pg named: nothing to print, the same failure.
    let code2, out2, err2 = Cli.run [ "derive"; "--simulator"; "k*x0^2 + x1; x0 + x1"; "--param"; "k=2"; "--methods"; "pg" ]
    Assert.Equal(2, code2)
    Assert.Equal("", out2.Trim())
    Assert.Contains("PG's closed form needs a local inverse", err2)

[<Fact>]
let ``derive's named methods that do not apply are reported once each, with the --inverse remedy once, after the rules of the others`` () =
    // The façade's DeriveApplicable decides for named methods as for the default list: pg (no closed-form inverse)
    // and hig (no closed form at all) are refused with their reasons, gd's and ig's rules are printed first.
    let occurrences (text: string) (part: string) = Regex.Matches(text, Regex.Escape part).Count
    let code, out, err =
        Cli.run [ "derive"; "--simulator"; "k*x0^2 + x1; x0 + x1"; "--param"; "k=2"; "--methods"; "gd,pg,hig,ig" ]
    Assert.Equal(2, code)
    let lines = out.Replace("\r", "").Split('\n')
    Assert.Contains("gd:", lines)
    Assert.Contains("ig:", lines)
    Assert.DoesNotContain("pg:", lines)
    Assert.DoesNotContain("hig:", lines)
    Assert.Equal(1, occurrences err "PG's closed form needs a local inverse")
    Assert.Equal(1, occurrences err "--inverse \"expr; expr\"")
    Assert.Equal(1, occurrences err "hig has no closed-form rule")
    Assert.Equal(1, occurrences err "leave the failing ones out of --methods")
    // In the order named: pg's reason before hig's.
    Assert.True(err.IndexOf "PG's closed form" < err.IndexOf "hig has no closed-form rule", err)
    // The default list shows pg as skipped with the remedy once too, and exits 0.
    let code0, out0, _ = Cli.run [ "derive"; "--simulator"; "k*x0^2 + x1; x0 + x1"; "--param"; "k=2" ]
    Assert.Equal(0, code0)
    Assert.Equal(1, occurrences (unwrapped out0) "--inverse \"expr; expr\"")
