/// Issue #12 item 3, "rules a person can paste" (print26): the real cube root the user wrote prints as
/// cbrt(x) / \sqrt[3]{x} / Math.Cbrt(x), not abs(x)^(1/3)*sign(x); decimals the user wrote survive the
/// derivation (a sum elimination cleared into integers, 314159*x0 - 100000*ys0 + 100000, is written over
/// them again; a decimal exponent x0^3.14159 stays a decimal); derive's header shows x0/9.81 as written;
/// a long LaTeX rule carries one equation number; and one power-of-ten split (Rational.TwosAndFives)
/// serves Layout and ExactConstants.
module PhysGrad.Properties.PrintRules26

open System
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run
let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// derive's infix definitions, in order: (name, right-hand side) for "  t1 = …" and "  Δx0 = …" lines of
/// the block `title` (a right-hand side cut over several lines is joined).
let private block (out: string) (title: string) =
    let lines = out.Split('\n') |> Array.map (fun l -> l.TrimEnd '\r')
    let start = lines |> Array.findIndex (fun l -> l = title + ":")
    let body = lines |> Array.skip (start + 1) |> Array.takeWhile (fun l -> l.StartsWith "  ")
    let joined = Collections.Generic.List<string * string>()

    for l in body do
        let t = l.Trim()
        let i = t.IndexOf(" = ")

        if i > 0 && (t.StartsWith "Δ" || Text.RegularExpressions.Regex.IsMatch(t, @"^t[0-9]+ = ")) then
            joined.Add((t.Substring(0, i), t.Substring(i + 3)))
        else
            // A continuation line of the rule above.
            let name, rhs = joined.[joined.Count - 1]
            joined.[joined.Count - 1] <- (name, rhs + " " + t)

    List.ofSeq joined

/// The value of each Δ line of a block at a point: intermediates evaluated in order and added as names.
let private stepValues (definitions: (string * string) list) (names: string list) (values: float list) =
    let mutable names = names
    let mutable values = values
    let steps = Collections.Generic.Dictionary<string, float>()

    for name, rhs in definitions do
        let v = Evaluate.at (Array.ofList names) (Array.ofList values) (Parse.expression rhs)

        if name.StartsWith "Δ" then
            steps.[name.Substring 1] <- v
        else
            names <- names @ [ name ]
            values <- values @ [ v ]

    steps

// ---- cbrt -------------------------------------------------------------------------------------------

[<Fact>]
let ``the real cube root prints as cbrt in text, \sqrt[3] in LaTeX and Math.Cbrt in C#`` () =
    let x = Expr.symbol "x"
    let y = Expr.symbol "y"
    let c = Expr.cbrt x
    Assert.Equal("cbrt(x)", Infix.format c)
    Assert.Equal("cbrt(x)", Infix.formatExact c)
    Assert.Equal(@"\sqrt[3]{x}", LaTeX.format c)
    Assert.Equal("Math.Cbrt(x)", CSharp.format c)
    // In a product and a quotient, negated, of a sum: the pair sign(a)·|a|^(1/3) is one factor.
    let q = Expr.div c y
    Assert.Equal("cbrt(x)/y", Infix.format q)
    Assert.Equal(@"\frac{\sqrt[3]{x}}{y}", LaTeX.format q)
    Assert.Equal("Math.Cbrt(x) / y", CSharp.format q)
    let n = Expr.neg (Expr.cbrt (Expr.add x Expr.one))
    Assert.Equal("-cbrt(x + 1)", Infix.format n)
    Assert.Equal(@"-\sqrt[3]{x + 1}", LaTeX.format n)
    Assert.Equal("-Math.Cbrt(x + 1.0)", CSharp.format n)

[<Fact>]
let ``printed cube roots parse back to the same expression`` () =
    let x = Expr.symbol "x"
    let y = Expr.symbol "y"

    for e in
        [ Expr.cbrt x
          Expr.mul [ Expr.ofInt 2; Expr.cbrt x; y ]
          Expr.add (Expr.cbrt (Expr.sub x y)) (Expr.pow (Expr.cbrt x) (Expr.ofInt 2))
          Expr.div y (Expr.cbrt (Expr.add x Expr.one))
          Expr.mul [ Expr.cbrt x; Expr.cbrt y ] ] do
        let text = Infix.format e
        Assert.True(obj.ReferenceEquals(e, Parse.expression text), sprintf "%s read back as %s" text (Infix.formatExact (Parse.expression text)))
        Assert.True(obj.ReferenceEquals(e, Parse.expression (Infix.formatExact e)), Infix.formatExact e)
        Assert.DoesNotContain("abs(x)^(1/3)", text)

[<Property(MaxTest = 30)>]
let ``gd's printed rule for cbrt(x0) parses back to −η (∛x0 − 2)/(3 ∛x0²) at random points`` (a: NormalFloat) (b: NormalFloat) =
    // L = ½(∛x0 − 2)², dL/dx0 = (∛x0 − 2)·(1/3)·x0^(−2/3) = (∛x0 − 2)/(3·∛x0²), for x0 ≠ 0 of either sign.
    let _, out, _ = run [ "derive"; "--simulator"; "cbrt(x0); x1"; "--target"; "2,0"; "--methods"; "gd" ]
    let x0 = (if float a < 0.0 then -1.0 else 1.0) * (0.05 + abs (Math.Sin(float a)) * 20.0)
    let eta = 0.1 + abs (Math.Cos(float b))
    let steps = stepValues (block out "gd") [ "x0"; "x1"; "eta" ] [ x0; 0.5; eta ]
    let c = Math.Cbrt x0
    let expected = -eta * (c - 2.0) / (3.0 * c * c)

    (out.Contains "cbrt(x0)" && not (out.Contains "^(1/3)")
     && abs (steps.["x0"] - expected) <= 1e-13 * (abs expected + eta * (abs c + 2.0) / (3.0 * c * c)))
    |@ sprintf "x0 = %g: %g, expected %g\n%s" x0 steps.["x0"] expected out

[<Fact>]
let ``every format of derive writes cbrt as the user did`` () =
    let args f = [ "derive"; "--simulator"; "cbrt(x0) + x1; x1"; "--target"; "1,2"; "--methods"; "gd"; "--format"; f ]
    let _, text, _ = run (args "text")
    Assert.Contains("cbrt(x0)", text)
    let _, latex, _ = run (args "latex")
    Assert.Contains(@"\sqrt[3]{x_{0}}", latex)
    let _, cs, _ = run (args "csharp")
    Assert.Contains("Math.Cbrt(x0)", cs)
    Assert.DoesNotContain("Math.Pow(Math.Abs(x0), 1.0 / 3.0)", cs)
    let _, json, _ = run (args "json")
    Assert.Contains("cbrt(x0)", json)

    for out in [ text; latex; cs; json ] do
        Assert.DoesNotContain("(1/3)", out)
        Assert.DoesNotContain("{1}{3}", out)

// ---- decimals the user wrote ------------------------------------------------------------------------

[<Fact>]
let ``Newton on 3.14159*x0 + 1 is written over 3.14159, not 314159 and 100000`` () =
    // Newton for P = a·x0 + 1 (linear): Δx0 = −η (a·x0 + 1 − ys0)/a, a = 3.14159.
    let _, out, _ = run [ "derive"; "--simulator"; "3.14159*x0 + 1; x1"; "--methods"; "newton" ]
    Assert.Equal<(string * string) list>([ "Δx0", "-eta*(3.14159*x0 - ys0 + 1)/3.14159"; "Δx1", "-eta*(x1 - ys1)" ], block out "newton")

[<Fact>]
let ``Newton on 3.14159*x0^2 cancels its contents over the decimal the user wrote`` () =
    // L' = (a·x² − 2)·2a·x, L'' = 4a²x² + 2a(a·x² − 2) = 2a(3a·x² − 2): Δx = −η·x(a·x² − 2)/(3a·x² − 2), 3a = 9.42477.
    let _, out, _ = run [ "derive"; "--simulator"; "3.14159*x0^2"; "--target"; "2"; "--methods"; "newton" ]
    Assert.Equal<(string * string) list>([ "Δx0", "-eta*x0*(3.14159*x0^2 - 2)/(9.42477*x0^2 - 2)" ], block out "newton")

[<Fact>]
let ``a decimal exponent stays the decimal in every format, and exact in formatExact`` () =
    // L = ½(x0^p − 2)²: Δx0 = −η·p·x0^(p − 1)·(x0^p − 2), p = 3.14159.
    let args f = [ "derive"; "--simulator"; "x0^3.14159; x1"; "--target"; "2,0"; "--methods"; "gd"; "--format"; f ]
    let _, text, _ = run (args "text")
    Assert.Equal("-3.14159*eta*x0^2.14159*(x0^3.14159 - 2)", block text "gd" |> List.find (fun (n, _) -> n = "Δx0") |> snd)
    let _, latex, _ = run (args "latex")
    Assert.Contains(@"x_{0}^{2.14159}", latex)
    Assert.Contains(@"P(x0, x1) = [x0^3.14159, x1]", latex)
    let _, cs, _ = run (args "csharp")
    Assert.Contains("Math.Pow(x0, 2.14159)", cs)
    Assert.DoesNotContain("314159", text + latex + cs)
    // The exact printer keeps the rational, which reads back as itself; a fraction no decimal equals stays one.
    let p = Expr.pow (Expr.symbol "x") (Expr.number (Rational.Create(BigInteger 314159, BigInteger 100000)))
    Assert.Equal("x^(314159/100000)", Infix.formatExact p)
    Assert.True(obj.ReferenceEquals(p, Parse.expression (Infix.formatExact p)))
    Assert.Equal("x^3.14159", Infix.format p)
    Assert.Equal("x^(3/2)", Infix.format (Expr.pow (Expr.symbol "x") (Expr.number (Rational.Create(BigInteger 3, BigInteger 2)))))
    Assert.Equal("x^(5/12)", Infix.format (Expr.pow (Expr.symbol "x") (Expr.number (Rational.Create(BigInteger 5, BigInteger 12)))))

[<Theory>]
[<InlineData("6.674E-11*x0*x1; 9.81*x1")>]
[<InlineData("6.674E-11*x0/x1^2; x1")>]
let ``Newton with the gravitational constant writes 6.674E-11, not its pieces`` (simulator: string) =
    let code, out, err = run [ "derive"; "--simulator"; simulator; "--methods"; "newton" ]
    Assert.True((code = 0), err)
    let rules = block out "newton" |> List.map snd |> String.concat "\n"
    Assert.Contains("6.674E-11", rules)
    // 3337 = 6.674E-11/2E-14 and 2E-14, 4E-14, 1.3348E-24 are what elimination cleared the decimal into.
    for piece in [ "3337"; "2E-14"; "4E-14"; "1.3348E-24"; "50000000000000" ] do
        Assert.False(Text.RegularExpressions.Regex.IsMatch(rules, @"(?<![0-9.])" + Text.RegularExpressions.Regex.Escape piece + @"(?![0-9])"),
                     sprintf "%s in\n%s" piece rules)

[<Property(MaxTest = 25)>]
let ``the rescaled Newton rules compute the derived rules' values at random points`` (a: NormalFloat) (b: NormalFloat) (c: NormalFloat) =
    let s (v: NormalFloat) k = Math.Sin(float v * k)
    let names = [ "x0"; "x1"; "ys0"; "ys1"; "eta" ]
    // Away from where a Hessian is singular, so the two forms' roundings cannot part: with x1 in [1, 3],
    // |ys0| ≤ 0.2 and ys1 ≤ −2 every determinant stays away from 0 (x1² − 4·ys0² for G·x0/x1², 96·x1² − ys0²
    // for G·x0·x1, and cbrt(x1)'s L'' ∝ x1^(1/3) − 2(cbrt(x1) − ys1) < 0).
    let point = [ 1.5 + s a 1.0; 2.0 + s b 1.0; 0.2 * s c 1.0; -2.0 - abs (s a 3.0); 0.2 + abs (s b 2.0) ]

    [ for simulator in [ "6.674E-11*x0*x1; 9.81*x1"; "6.674E-11*x0/x1^2; x1"; "3.14159*x0 + 1; cbrt(x1)" ] ->
          let _, out, _ = run [ "derive"; "--simulator"; simulator; "--methods"; "newton" ]
          let printed = stepValues (block out "newton") names point
          let definition = ProblemDefinition([| "x0"; "x1" |], simulator.Split(';') |> Array.map (fun t -> t.Trim()), null, [||], [||])
          let rule = UpdateRuleSet.Derive(definition, [| Method.Newton |]).[0]

          [ for i in 0..1 ->
                let expected = Evaluate.at (Array.ofList names) (Array.ofList point) rule.Steps.[i].Core
                let got = printed.[sprintf "x%d" i]
                (abs (got - expected) <= 1e-10 * (abs expected + 1e-300))
                |@ sprintf "%s, x%d at %A: printed %.17g, derived %.17g\n%s" simulator i point got expected out ]
          |> List.reduce (.&.) ]
    |> List.reduce (.&.)

[<Fact>]
let ``derive's header shows the simulator as the rules write it: x0/9.81, not 0.101937*x0`` () =
    for f in [ "latex"; "csharp" ] do
        let _, out, _ = run [ "derive"; "--simulator"; "x0/9.81; 3.14159*x1"; "--methods"; "gd"; "--format"; f ]
        let header = out.Split('\n').[0]
        Assert.Contains("P(x0, x1) = [x0/9.81, 3.14159*x1]", header)
        Assert.DoesNotContain("0.101937", header)

[<Fact>]
let ``an exact fraction stays a fraction beside the user's decimals`` () =
    // 5/12 has no decimal; the rule for x0*5/12 (exact) beside 9.81 keeps it: gd's Δx0 = −η·(5/12)(5x0/12 − ys0).
    let _, out, _ = run [ "derive"; "--simulator"; "5*x0/12; x1/9.81"; "--methods"; "gd" ]
    let dx0 = block out "gd" |> List.find (fun (n, _) -> n = "Δx0") |> snd
    Assert.Equal("eta*(5*ys0/12 - 25*x0/144)", dx0)

// ---- LaTeX numbering --------------------------------------------------------------------------------

[<Fact>]
let ``a long LaTeX rule carries one equation number: its continuation lines say \nonumber`` () =
    let simulator = "x0*x1*x2 + x0^2*x3 + sin(x1)*x2; x1*x2*x3 + exp(x0)*x1; x2*x3*x0 + cos(x3)*x1; x0 + x1 + x2 + x3"
    let code, out, err = run [ "derive"; "--simulator"; simulator; "--methods"; "gd,newton"; "--format"; "latex" ]
    Assert.True((code = 0), err)
    let lines = (TestHelpers.latexJoined out).Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.Trim())
    // Each equation: a line with &= and the &\quad lines after it.
    let equations = Collections.Generic.List<Collections.Generic.List<string>>()

    for l in lines do
        if l.Contains "&=" then equations.Add(Collections.Generic.List [ l ])
        elif l.StartsWith "&\\quad " then equations.[equations.Count - 1].Add l

    Assert.Contains(equations, fun e -> e.Count > 1)

    for e in equations do
        // Every line but the last: \nonumber before its \\; the last: numbered (no \nonumber).
        for i in 0 .. e.Count - 2 do
            Assert.EndsWith(@" \nonumber \\", e.[i])

        Assert.DoesNotContain(@"\nonumber", e.[e.Count - 1])

    // So an align environment numbers exactly its equations: the lines without \nonumber.
    let numbered = lines |> Array.filter (fun l -> (l.Contains "&=" || l.StartsWith "&\\quad ") && not (l.Contains @"\nonumber"))
    Assert.Equal(equations.Count, numbered.Length)

// ---- the power-of-ten split ---------------------------------------------------------------------------

[<Fact>]
let ``TwosAndFives splits off the 2s and 5s`` () =
    let split (n: int64) =
        let struct (m, a, b) = Rational.TwosAndFives(BigInteger n)
        int64 m, a, b

    Assert.Equal((1L, 3, 3), split 1000L)
    Assert.Equal((981L, 0, 0), split 981L)
    Assert.Equal((1L, 3, 2), split 200L)
    Assert.Equal((3L, 1, 1), split 30L)
    Assert.Equal((0L, 0, 0), split 0L)

[<Property(MaxTest = 100)>]
let ``TwosAndFives of m·2^a·5^b is (m, a, b) for m prime to 10`` (m: PositiveInt) (a: byte) (b: byte) =
    let m = BigInteger(m.Get) |> fun m -> if m.IsEven || (m % BigInteger 5).IsZero then m * BigInteger 10 + BigInteger 1 else m
    let a, b = int a % 40, int b % 40
    let n = m * BigInteger.Pow(BigInteger 2, a) * BigInteger.Pow(BigInteger 5, b)
    let struct (m', a', b') = Rational.TwosAndFives n
    (m' = m && a' = a && b' = b) |@ sprintf "%O: (%O, %d, %d)" n m' a' b'
