/// Issue 12 (sym21): stable forms of logarithms with symbolic coefficients, one form
/// for the same step, and curvature that underflows. Every expected value is written next to its source.
module PhysGrad.Properties.Sym21

open System
open System.Reflection
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Properties.TestHelpers

let private run = Cli.run

/// A term k·s₁·…·(exp(x1) or not): an integer, the symbols it multiplies and whether exp(x1) is a factor.
type LogTerm = { K: int; Symbols: string list; Exp: bool }

let private symbolNames = [ "eta"; "a"; "b" ]

let private logTerms: Gen<LogTerm list> =
    let term exp =
        gen {
            let! k = Gen.elements [ -3; -2; -1; 1; 2; 3 ]
            let! symbols = Gen.subListOf symbolNames
            return { K = k; Symbols = symbols; Exp = exp }
        }
    gen {
        let! e = Gen.choose (1, 3) |> Gen.bind (fun n -> Gen.listOfLength n (term true))
        let! r = Gen.choose (0, 3) |> Gen.bind (fun n -> Gen.listOfLength n (term false))
        return e @ r
    }

/// Values: η, a, b as multiples of 1/16 in (0, 2.5] (exact doubles, so every coefficient sum is exact),
/// and x1 in [−800, 800] in quarters.
let private points: Gen<float list * float> =
    gen {
        let! values = Gen.listOfLength 3 (Gen.choose (1, 40) |> Gen.map (fun k -> float k / 16.0))
        let! x1 = Gen.choose (-3200, 3200) |> Gen.map (fun k -> float k / 4.0)
        return values, x1
    }

let private text (ts: LogTerm list) =
    let one t =
        let factors = string (abs t.K) :: t.Symbols @ (if t.Exp then [ "exp(x1)" ] else [])
        (if t.K < 0 then "- " else "+ ") + String.Join("*", factors)
    "log(0 " + String.Join(" ", ts |> List.map one) + ")"

let private unitRoundoff = Math.Pow(2.0, -53.0)

[<Property(MaxTest = 400)>]
let ``log of a sum of exp(x1) with symbolic coefficients: the stable form is the logarithm's value, finite wherever the sum is positive, for x1 up to 800``
    ()
    =
    Prop.forAll (Arb.fromGen (Gen.zip logTerms points)) (fun (ts, (values, x1)) ->
        let e = Parse.expression (text ts)
        let lookup s =
            match s with
            | "x1" -> x1
            | _ -> values.[List.findIndex ((=) s) symbolNames]
        let coefficient t = float t.K * (t.Symbols |> List.fold (fun p s -> p * lookup s) 1.0)
        // The sum's exact value as C·exp(x1) + R: C and R are sums of multiples of 1/16³ below 2¹⁰, exact in doubles.
        let c = ts |> List.filter (fun t -> t.Exp) |> List.sumBy coefficient
        let r = ts |> List.filter (fun t -> not t.Exp) |> List.sumBy coefficient
        // The reference, with exp(m), m = max(x1, 0), divided out of the sum by hand: the bracket C·exp(x1 − m) + R·exp(−m)
        // has two roundings (the exponential, the sum), so log(bracket) is within 2u·magnitude/|bracket| of the exact value.
        let m = max x1 0.0
        let bracket = c * Math.Exp(x1 - m) + r * Math.Exp(-m)
        let magnitude =
            (ts |> List.sumBy (fun t -> abs (coefficient t) * (if t.Exp then Math.Exp(x1 - m) else Math.Exp(-m))))
        let stable = (Evaluate.many lookup [| e |]).[0]
        let plain = (Evaluate.manyAsWritten lookup [| e |]).[0]
        // The bound of both computations: the sum's rounding relative to its value (Higham's γ·Σ|terms|, 64u
        // allowing for the rewrite's own steps), then a few ulps of m and of the logarithm added to it.
        let tolerance = 64.0 * unitRoundoff * magnitude / abs bracket + 8.0 * unitRoundoff * (abs m + abs (log (abs bracket)) + 1.0)
        // With no term free of exp(x1) the value is x1 + log C exactly: below x1 = −708 exp(x1) is subnormal (fewer
        // digits), so the bracket above would not be a reference there.
        let expected = if r = 0.0 then x1 + log c else m + log bracket
        let agrees (v: float) = abs (v - expected) <= tolerance
        let label = sprintf "%s at η, a, b = %A, x1 = %g: stable %.17g, plain %.17g, expected %.17g (± %g)" (text ts) values x1 stable plain expected tolerance
        if abs bracket <= 64.0 * unitRoundoff * magnitude then
            // The sum's sign is below its own rounding: neither form can tell log of a tiny positive number from NaN.
            true |> Prop.label label
        elif bracket < 0.0 then
            Double.IsNaN stable |> Prop.label label
        else
            // The plain form is a second witness where its exponential is a normal double (|x1| < 700).
            (agrees stable && (abs x1 >= 700.0 || not (Double.IsFinite plain) || agrees plain)) |> Prop.label label)

[<Fact>]
let ``the stable form is finite where the sum written out overflows: log(exp(x1) − η·(exp(x1) − 2)) at x1 = 800 is 800 + log(1 − η)`` () =
    let e = Parse.expression "log(exp(x1) - eta*(exp(x1) - 2))"
    let lookup s = if s = "x1" then 800.0 else 0.25
    Assert.True(Double.IsNaN (Evaluate.manyAsWritten lookup [| e |]).[0])
    // exp(800)·(1 − η) + 2η: the 2η is below an ulp of the first term, so the value is 800 + log(0.75) to the last digit.
    Assert.Equal(800.0 + log 0.75, (Evaluate.many lookup [| e |]).[0], 12)

/// Calls a generated method with the inputs named (out parameters 0).
let private callWith (t: Type) (name: string) (inputs: Map<string, float>) =
    let m = t.GetMethod name
    Assert.True(not (isNull m), sprintf "no method %s" name)
    let ps = m.GetParameters()
    let args = ps |> Array.map (fun p -> if p.IsOut then box 0.0 else box inputs.[p.Name])
    m.Invoke(null, args) |> ignore
    ps |> Array.indexed |> Array.filter (fun (_, p) -> p.IsOut) |> Array.map (fun (i, _) -> args.[i] :?> float)

[<Theory>]
[<InlineData("2")>]
[<InlineData("q")>]
let ``derive --format csharp for a*x0^2; exp(x1) writes PhysicalGradientStable, finite at x1 = 800 where PhysicalGradient is not`` (target1: string) =
    let code, out, err = run [ "derive"; "--simulator"; "a*x0^2; exp(x1)"; "--param"; "a=1"; "--target"; "1," + target1; "--methods"; "pg"; "--format"; "csharp" ]
    Assert.True((code = 0), err)
    let t = (compileCSharp out).GetType "UpdateRules"
    let inputs x1 = Map [ "x0", 1.0; "x1", x1; "a", 1.0; "q", 2.0; "eta", 0.25 ]
    let plain = callWith t "PhysicalGradient" (inputs 800.0)
    let stable = callWith t "PhysicalGradientStable" (inputs 800.0)
    Assert.False(Double.IsFinite plain.[1], sprintf "%A" plain)
    // PG's step in x1: log((1 − η)·exp(x1) + 2η) − x1 = log(0.75) at 800 (2η·e⁻⁸⁰⁰ is below an ulp of 0.75); in x0 with
    // a = 1, target 1 at x0 = 1: √(η/a + (1 − η)·1) − 1 = 0. The rule subtracts x1 = 800 from 800 + log(0.75), so
    // both forms carry an absolute rounding of a few ulps of 800 (2⁻⁵²·800 = 1.8e−13), as the plain form does at any x1.
    Assert.True(abs (stable.[1] - log 0.75) <= 4.0 * Math.Pow(2.0, -52.0) * 800.0, sprintf "%.17g" stable.[1])
    Assert.Equal(0.0, stable.[0], 14)
    // Where both are finite they are the same step.
    let p3, s3 = callWith t "PhysicalGradient" (inputs 3.0), callWith t "PhysicalGradientStable" (inputs 3.0)
    for i in 0 .. 1 do
        Assert.True(abs (p3.[i] - s3.[i]) <= 1e-14 * (1.0 + abs p3.[i]), sprintf "%A vs %A" p3 s3)

// ---- curvature below the smallest double is not zero curvature ------------------------------------------

[<Fact>]
let ``Classify: a Hessian that underflowed to 0 beside a nonzero slope is no minimum, a zero Hessian beside a zero slope still is one`` () =
    // L = (s·x0 − 1)²/2 at x0 = 0: ∂L/∂x0 = −s, ∂²L/∂x0² = s², which is 0 in doubles for s ≤ 1E-162.
    for k in [ -300; -250; -200; -170 ] do
        let s = Math.Pow(10.0, float k)
        Assert.Equal(0.0, s * s)
        let c = PhysGrad.Numerics.Curvature.Classify([| 0.0 |], ReadOnlySpan [| s * s |], (fun x -> [| s * (s * x.[0] - 1.0) |]))
        Assert.True(c.Kind <> PhysGrad.Numerics.StationaryKind.Minimum, sprintf "s = %g: %A %s" s c.Kind c.Detail)
        Assert.Contains("is exactly 0 in doubles", c.Detail)
    // A loss constant in x0 (zero slope, zero Hessian): the floor of a minimum that is not strict, as before.
    let flat = PhysGrad.Numerics.Curvature.Classify([| 0.0 |], ReadOnlySpan [| 0.0 |], (fun _ -> [| 0.0 |]))
    Assert.Equal(PhysGrad.Numerics.StationaryKind.Minimum, flat.Kind)

[<Fact>]
let ``compare on s*x0 with s from 1E-300 to 1: no run stops at a minimum while the loss is 1/2 and the slope is not 0`` () =
    for k in [ -300; -250; -200; -160; -100; -50; 0 ] do
        let s = sprintf "1e%d" k
        let code, out, err = run [ "compare"; "--simulator"; s + "*x0"; "--target"; "1"; "--start"; "0"; "--methods"; "gd,newton"; "--iterations"; "10" ]
        Assert.True((code = 0), err)
        // From x0 = 0 ten steps of GD (η = 0.01) move x0 by at most 0.1·s (s ≤ 1), so L = (s·x0 − 1)²/2 stays above 0.4 and
        // its slope −s·(1 − s·x0) is not 0: no stop may call that a minimum.
        Assert.DoesNotContain("not strict", out)
        let gd = out.Split('\n') |> Array.find (fun l -> l.StartsWith "gd ")
        Assert.DoesNotContain("converged", gd)

// ---- one step, one printed form ---------------------------------------------------------------------------

/// The lines of one rule's block in derive's infix or LaTeX output: from its header to the next header.
let private blockOf (out: string) (header: string) =
    let lines = out.Split('\n')
    let start = Array.findIndex (fun (l: string) -> l.TrimEnd() = header) lines
    lines.[start + 1 ..] |> Array.takeWhile (fun l -> l.StartsWith "  ") |> String.concat "\n"

[<Fact>]
let ``IG and GN on a square J are one step: derive prints GN in IG's form in every format and says so, and keeps different steps apart`` () =
    let simulator = "x0 + x1; x0*x1"
    let _, infix, _ = run [ "derive"; "--simulator"; simulator; "--methods"; "ig,gn" ]
    Assert.Equal(blockOf infix "ig:", blockOf infix "gn:")
    Assert.Contains("gn is the same step as ig", infix)
    let _, cs, _ = run [ "derive"; "--simulator"; simulator; "--methods"; "ig,gn"; "--format"; "csharp" ]
    Assert.Contains("// gn is the same step as ig", cs)
    let t = (compileCSharp cs).GetType "UpdateRules"
    // The two methods compute the same numbers, since they are the same text.
    let inputs = Map [ "x0", 0.7; "x1", -1.3; "ys0", 2.0; "ys1", 0.5; "eta", 0.3 ]
    Assert.Equal<float[]>(callWith t "InverseGradient" inputs, callWith t "GaussNewton" inputs)
    let _, latex, _ = run [ "derive"; "--simulator"; simulator; "--methods"; "ig,gn"; "--format"; "latex" ]
    Assert.Contains("% gn is the same step as ig", latex)
    let _, json, _ = run [ "derive"; "--simulator"; simulator; "--methods"; "ig,gn"; "--format"; "json" ]
    let rules = Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("rules")
    Assert.Equal("ig", rules.[1].GetProperty("sameStepAs").GetString())
    Assert.Equal(rules.[0].GetProperty("steps").GetRawText(), rules.[1].GetProperty("steps").GetRawText())
    // The book's loss y0² + y1² is not ½‖y‖²: GN's step is twice IG's there (Δx0 = −2η·x0 against −η·x0), two steps.
    let _, book, _ = run [ "derive"; "--methods"; "ig,gn" ]
    Assert.DoesNotContain("same step", book)
    Assert.NotEqual<string>(blockOf book "ig:", blockOf book "gn:")

[<Fact>]
let ``the same-step note names one repeated block as its, and two as each one's`` () =
    let noteOf (out: string) = (unwrapped out).Split('\n') |> Array.find (fun l -> l.Contains "same step")
    let _, one, _ = run [ "derive"; "--simulator"; "x0 + x1; x0*x1"; "--methods"; "ig,gn" ]
    Assert.Contains("its block below repeats", noteOf one)
    // On heat1d-inverse (linear least squares) IG and GN are both Newton's step: two rules, one note.
    let _, two, _ = run [ "derive"; "--example"; "heat1d-inverse"; "--n"; "3"; "--methods"; "newton,ig,gn" ]
    let note = noteOf two
    Assert.Contains("ig is the same step as newton; gn is the same step as newton", note)
    Assert.Contains("each one's block below repeats", note)
    Assert.DoesNotContain("its block", note)

[<Fact>]
let ``EqualAtRandomPoints: equal rational functions written differently are equal, a factor 2 or a changed sign apart are not`` () =
    let e (s: string) = PhysGrad.Expression.Parse s
    Assert.True(PhysGrad.UpdateRuleSet.EqualAtRandomPoints([| e "x0/(x0 - x1) - x1/(x0 - x1)" |], [| e "1" |]))
    Assert.True(PhysGrad.UpdateRuleSet.EqualAtRandomPoints([| e "eta*(x0^2 - x1^2)/(x0 + x1)" |], [| e "eta*x0 - eta*x1" |]))
    Assert.False(PhysGrad.UpdateRuleSet.EqualAtRandomPoints([| e "eta*x0" |], [| e "2*eta*x0" |]))
    Assert.False(PhysGrad.UpdateRuleSet.EqualAtRandomPoints([| e "sqrt(x0^2)" |], [| e "x0" |]))

// ---- the rules printed in one form are each still their optimiser's step -------------------------------------

let private heatInverse8 = lazy (PhysGrad.ReferenceProblems.Create("heat1d-inverse", 8, defaultComparison = false))

[<Property(MaxTest = 10)>]
let ``heat1d-inverse n = 8: newton, ig and gn (printed in newton's form) are each their own optimiser's step at a random point`` () =
    let point = Gen.arrayOfLength 8 (Gen.choose (-1000, 1000) |> Gen.map (fun k -> float k / 250.0))
    let eta = Gen.choose (1, 100) |> Gen.map (fun k -> float k / 100.0)
    Prop.forAll (Arb.fromGen (Gen.zip point eta)) (fun (x, eta) ->
        let problem = heatInverse8.Value
        let at = readOnlyDict [ yield "eta", eta; for i in 0 .. 7 -> sprintf "x%d" i, x.[i] ]
        for m in [ PhysGrad.Numerics.Method.Newton; PhysGrad.Numerics.Method.InverseGradient; PhysGrad.Numerics.Method.GaussNewton ] do
            let rule = problem.Rules(m).[0]
            let run = problem.WithStart(x).Run(m, eta, 1)
            for i in 0 .. 7 do
                let numeric = run.Final.[i] - x.[i]
                let derived = rule.Steps.[i].Evaluate(at)
                // The numeric step carries the solve's rounding (the problem's condition number times 2⁻⁵³).
                Assert.True(abs (numeric - derived) <= 1e-11 * (1.0 + Array.sumBy abs x), sprintf "%A Δx%d: numeric %.17g, rule %.17g" m i numeric derived)
        true)
