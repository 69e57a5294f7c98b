/// derive --format latex as a paper prints it (issue 12, item 3), the 34th round: no \frac inside a \frac's numerator or
/// denominator (a fraction there is written a/b), a power of a function as \sin^{2}\left(x\right) rather than
/// \left(\sin\left(x\right)\right)^{2}, and a simulator written with integer-valued decimals (1.0*x1) derived and printed
/// as the integer one. The LaTeX is read back by a small evaluator (below) and must give the numbers of the infix rules.
module PhysGrad.Properties.Latex34

open System
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// The argument texts of every \frac{a}{b} in a LaTeX text (brace groups matched, \{ \} skipped).
let private fracArguments (text: string) =
    let group (from: int) =
        let mutable j = from

        while text.[j] = ' ' do
            j <- j + 1

        Assert.True(text.[j] = '{', sprintf "\\frac without a brace group at %d: %s" from text)
        let mutable depth = 0
        let mutable k = j
        let mutable closed = false

        while not closed do
            match text.[k] with
            | '\\' -> k <- k + 2
            | '{' ->
                depth <- depth + 1
                k <- k + 1
            | '}' ->
                depth <- depth - 1
                if depth = 0 then closed <- true else k <- k + 1
            | _ -> k <- k + 1

        text.Substring(j + 1, k - j - 1), k + 1

    [ for m in Regex.Matches(text, @"\\frac") do
          let a, next = group (m.Index + 5)
          let b, _ = group next
          yield a
          yield b ]

let private functions: Map<string, float -> float> =
    Map.ofList
        [ "\\sin", Math.Sin
          "\\cos", Math.Cos
          "\\tan", Math.Tan
          "\\sinh", Math.Sinh
          "\\cosh", Math.Cosh
          "\\tanh", Math.Tanh
          "\\log", Math.Log ]

/// A reader of the LaTeX the rules are printed in, enough for the rules of the simulators below: numbers, symbols
/// (x_{0}, \eta, y^{*}_{0}, t_{3}), + − \cdot / and juxtaposition, \frac, \left( \right), \sqrt, ^{…}, e^{…} and
/// \sin \cos \tan \sinh \cosh \tanh \log with or without a power (\sin^{2}\left(x\right)). It evaluates the text
/// at values of the symbols; a token it does not know fails the test (so a printer change shows here).
type private LatexReader(text: string, lookup: string -> float) =
    let mutable i = 0

    let skip () =
        while i < text.Length && text.[i] = ' ' do
            i <- i + 1

    let peekIs (s: string) =
        skip ()
        String.CompareOrdinal(text, i, s, 0, s.Length) = 0

    let expect (s: string) =
        Assert.True(peekIs s, sprintf "expected %s at %d: %s" s i text)
        i <- i + s.Length

    let command () =
        skip ()
        let m = Regex.Match(text.Substring i, @"^\\[a-zA-Z]+")
        if m.Success then Some m.Value else None

    member r.Done =
        skip ()
        i >= text.Length

    member r.Group() =
        expect "{"
        let v = r.Sum()
        expect "}"
        v

    member r.Sum() =
        let mutable v = r.Term()
        let mutable go = true

        while go do
            if peekIs "+" then
                i <- i + 1
                v <- v + r.Term()
            elif peekIs "-" then
                i <- i + 1
                v <- v - r.Term()
            else
                go <- false

        v

    /// Factors side by side, \cdot and / between them, left to right; a leading minus.
    member r.Term() =
        let negative = peekIs "-"
        if negative then i <- i + 1
        let mutable v = r.Power()
        let mutable go = true

        while go do
            skip ()

            if i >= text.Length || peekIs "+" || peekIs "-" || peekIs "}" || peekIs "\\right" then
                go <- false
            elif peekIs "/" then
                i <- i + 1
                v <- v / r.Power()
            elif peekIs "\\cdot" then
                i <- i + 5
                v <- v * r.Power()
            elif peekIs "\\," then
                i <- i + 2
            else
                v <- v * r.Power()

        if negative then -v else v

    member r.Power() =
        let b = r.Primary()
        if peekIs "^" then
            i <- i + 1
            Math.Pow(b, r.Group())
        else
            b

    member r.Primary() : float =
        skip ()
        let c = text.[i]

        if Char.IsDigit c then
            let m = Regex.Match(text.Substring i, @"^[0-9]+(\.[0-9]+)?")
            i <- i + m.Length
            Double.Parse(m.Value, Globalization.CultureInfo.InvariantCulture)
        elif c = '{' then
            r.Group()
        elif c = 'e' && i + 1 < text.Length && text.[i + 1] = '^' then
            i <- i + 2
            Math.Exp(r.Group())
        elif Char.IsLetter c then
            i <- i + 1
            r.Symbol(string c)
        else
            match command () with
            | Some "\\frac" ->
                i <- i + 5
                let a = r.Group()
                a / r.Group()
            | Some "\\left" ->
                expect "\\left("
                let v = r.Sum()
                expect "\\right)"
                v
            | Some "\\sqrt" ->
                i <- i + 5
                Math.Sqrt(r.Group())
            | Some "\\mathrm" ->
                i <- i + 7
                let m = Regex.Match(text.Substring i, @"^\{([a-zA-Z]+)\}")
                i <- i + m.Length
                r.Symbol m.Groups.[1].Value
            | Some("\\eta" as name) ->
                i <- i + name.Length
                r.Symbol "eta"
            | Some name when Map.containsKey name functions ->
                i <- i + name.Length
                let k = if peekIs "^" then (i <- i + 1; r.Group()) else 1.0
                expect "\\left("
                let a = r.Sum()
                expect "\\right)"
                Math.Pow(functions.[name] a, k)
            | other -> failwithf "unknown token %A at %d: %s" other i text

    /// A symbol's subscript and the star of a target: x_{0} is x0, y^{*}_{0} is ys0.
    member r.Symbol(stem: string) =
        let star = peekIs "^{*}"
        if star then i <- i + 4

        let digits =
            if peekIs "_{" then
                i <- i + 2
                let m = Regex.Match(text.Substring i, @"^[0-9]+")
                i <- i + m.Length
                expect "}"
                m.Value
            else
                ""

        lookup (stem + (if star then "s" else "") + digits)

/// The value of a LaTeX text at the symbols' values.
let private latexValue (lookup: string -> float) (text: string) =
    let r = LatexReader(text, lookup)
    let v = r.Sum()
    Assert.True(r.Done, "unread text after the expression: " + text)
    v

/// One method's align block of derive --format latex as (name, right-hand side) pairs, source lines joined and
/// breakLines' \left. \right. pairs removed (they only close and reopen a delimiter across a line break).
let private alignLines (out: string) =
    let joined = TestHelpers.latexJoined (out.Replace("\r", ""))
    let result = ResizeArray<string * string>()

    for l in joined.Split('\n') do
        let l = l.Trim().TrimEnd('\\').Trim()
        let m = Regex.Match(l, @"^(.+?) &= (.*)$")

        if m.Success then
            result.Add((m.Groups.[1].Value, m.Groups.[2].Value))
        elif l.StartsWith "&\\quad" && result.Count > 0 then
            let n, t = result.[result.Count - 1]
            result.[result.Count - 1] <- (n, t + " " + l.Substring(6).Trim())

    [ for n, t in result -> n, t.Replace("\\right.", "").Replace("\\left.", "") ]

/// The symbols' values: every name its own value away from the singular points of these simulators.
let private point (name: string) =
    let h = name |> Seq.fold (fun a c -> a * 31 + int c) 7
    0.35 + float (abs h % 97) / 60.0

/// derive's rules for one method as LaTeX and as infix, each evaluated (intermediates first) at `point`.
let private bothValues (simulator: string) (methodName: string) =
    let derive format =
        let code, out, err = Cli.run [ "derive"; "--simulator"; simulator; "--methods"; methodName; "--format"; format ]
        Assert.True((code = 0), err + out)
        out

    let latex = derive "latex"
    let infix = derive "infix"
    let values = Collections.Generic.Dictionary<string, float>()
    let lookup (s: string) = match values.TryGetValue s with | true, v -> v | _ -> point s

    let latexSteps =
        [ for name, rhs in alignLines latex do
              let v = latexValue lookup rhs
              let key = Regex.Replace(name.Replace("\\Delta ", "D"), @"[_{} ]", "")
              values.[key] <- v
              if name.StartsWith "\\Delta" then yield key, v ]

    values.Clear()

    let infixSteps =
        [ for name, rhs in Cli.ruleLines infix do
              let v = (Evaluate.manyAsWritten lookup [| Parse.expression rhs |]).[0]
              values.[name] <- v
              if name.StartsWith "Δ" then yield "D" + name.Substring 1, v ]

    latex, latexSteps, infixSteps

let private simulators =
    [ "x0/(x1 + 1); x1/x0"
      "sqrt(x0/x1); x0*x1"
      "x0^2/(x1 + 2); x1^3"
      "sin(x0)^2 + x1; cos(x1)*tanh(x0)"
      "x0/(1 + x1/x0); x1 - 2*x0" ]

[<Fact>]
let ``no derived rule's LaTeX has a frac inside a frac, and each reads back to the infix rule's numbers`` () =
    for simulator in simulators do
        for m in [ "gd"; "newton"; "gn"; "ig" ] do
            let latex, latexSteps, infixSteps = bothValues simulator m

            for a in fracArguments latex do
                Assert.False(a.Contains "\\frac", sprintf "%s (%s): a \\frac inside the \\frac argument {%s}:\n%s" simulator m a latex)

            Assert.Equal(infixSteps.Length, latexSteps.Length)
            Assert.NotEmpty latexSteps

            for (n, x), (n', y) in List.zip infixSteps latexSteps do
                Assert.Equal(n, n')
                Assert.True(abs (x - y) <= 1e-9 * max 1.0 (abs x), sprintf "%s (%s): %s is %g in infix, %g in LaTeX:\n%s" simulator m n x y latex)

[<Fact>]
let ``a quotient in a denominator is written a/b there`` () =
    // 1/(1/t + x/t^2): the inner fractions inline, the outer one \frac.
    let t = LaTeX.format (Parse.expression "1/(1/t + x/t^2)")
    Assert.StartsWith("\\frac{1}{", t)
    Assert.Equal<string list>([ "1"; "1/t + x/t^{2}" ], fracArguments t |> List.map (fun a -> a.Replace("\\left(", "(").Replace("\\right)", ")")) |> List.sortBy (fun a -> a.Length))

[<Property(MaxTest = 300)>]
let ``no frac inside a frac's arguments for any expression`` () =
    Prop.forAll Generators.terms (fun term ->
        let e = Generators.toExpr term
        let text = LaTeX.format e
        fracArguments text |> List.forall (fun a -> not (a.Contains "\\frac")) |> Prop.label text)

[<Fact>]
let ``a power of a named function is written with its exponent on the name`` () =
    for f, latex in [ "sin", "\\sin"; "cos", "\\cos"; "tan", "\\tan"; "sinh", "\\sinh"; "cosh", "\\cosh"; "tanh", "\\tanh"; "log", "\\log" ] do
        let t = LaTeX.format (Parse.expression (sprintf "%s(x0)^3 + y" f))
        Assert.Contains(latex + "^{3}\\left(x_{0}\\right)", t)
        Assert.DoesNotContain("\\left(" + latex, t)
        Assert.Equal(Math.Pow(functions.[latex] 0.7, 3.0) + 0.2, latexValue (fun s -> if s = "x0" then 0.7 else 0.2) t, 12)

    // exp, sqrt and abs keep their own forms: e^{2 x_{0}} for exp(x0)^2, |x_{0}|^{2} needs no parentheses.
    Assert.Equal("e^{2 x_{0}}", LaTeX.format (Parse.expression "exp(x0)^2"))
    Assert.DoesNotContain("\\exp", LaTeX.format (Parse.expression "exp(x0 + sin(x1))^3"))
    // A negative power is a reciprocal, never \sin^{-1} (which reads as arcsin).
    Assert.DoesNotContain("^{-", LaTeX.format (Parse.expression "1/sin(x0)^2"))

[<Fact>]
let ``derive's LaTeX for a squared sine writes sin^2 and no parenthesised sine`` () =
    let latex, latexSteps, infixSteps = bothValues "sin(x0)^2 + x1; cos(x1)*tanh(x0)" "gd"
    Assert.Contains("\\sin^{2}", latex)
    Assert.Contains("\\tanh^{2}", latex)
    Assert.DoesNotContain("\\left(\\sin", latex)
    Assert.DoesNotContain("\\left(\\tanh", latex)
    Assert.Equal(infixSteps.Length, latexSteps.Length)

/// Every simulator with 1.0 (or 2.0, 3.0) written for an integer gives the rules of the integer one, in every format.
[<Fact>]
let ``integer-valued decimals in the simulator derive and print as the integers`` () =
    for written in [ "x0 + 1.0*x1; 3*x0 - x1"; "x0 + 1.0*x1; 3.0*x0 - x1^2"; "sin(x0) + 2.0*x1; x0 - x1" ] do
        let plain = Regex.Replace(written, @"([0-9])\.0\*", "$1*")
        Assert.DoesNotContain(".0", plain)

        for format in [ "infix"; "latex"; "csharp" ] do
            let derive (s: string) =
                // Exit code 2 where PG has no inverse (x1 + x1^2/3): the same for both, with the same message.
                let code, out, err = Cli.run [ "derive"; "--simulator"; s; "--methods"; "gd,newton,gn,ig,pg"; "--format"; format ]
                Assert.True((code <= 2), err + out)
                // The header quotes the simulator as written; the rules and notes below it are compared.
                let lines = out.Replace("\r", "").Split('\n') |> Array.filter (fun l -> not (l.StartsWith "%" || l.StartsWith "//"))
                sprintf "exit %d\n%s\n%s" code (String.concat "\n" lines) err

            let a = derive written
            Assert.Equal(derive plain, a)
            // The gn rule of x0 + x1; 3*x0 - x1 has quarters: written 1/4, as for the integer simulator, never 0.25.
            Assert.DoesNotContain("0.25", a)

[<Fact>]
let ``readable constants over a product of 13 sums (the one-sum-at-a-time fallback) keep its value and write the user's decimal`` () =
    // 13 sum factors with two scales each kept are 2^13 = 8192 combinations, over MaxCombinations (4096): the
    // fallback weighs one sum at a time. Each 314159*xk - 100000*yk reads 100000*(3.14159*xk - yk).
    let sources = [| Rational.Create(Numerics.BigInteger 314159, Numerics.BigInteger 100000) |]
    let sums = [| for k in 0 .. 12 -> Parse.expression (sprintf "314159*x%d - 100000*y%d" k k) |]
    let e = Expr.mul (Array.append [| Expr.symbol "eta" |] sums)

    let sumFactors =
        match e.Node with
        | Product fs -> fs |> Array.filter (fun f -> match f.Node with Sum _ -> true | _ -> false) |> Array.length
        | _ -> 0

    Assert.True(sumFactors > 12, sprintf "%d sums: %s" sumFactors (Infix.format e))
    let readable = ReadableConstants.readableOver sources e
    let text = Infix.format readable
    Assert.Contains("3.14159*x0 - y0", text)
    let at (s: string) = if s = "eta" then 0.5 else point s
    let before = (Evaluate.manyAsWritten at [| e |]).[0]
    let after = (Evaluate.manyAsWritten at [| readable |]).[0]
    Assert.True(abs (after - before) <= 1e-12 * abs before, sprintf "%g, then %g: %s" before after text)

[<Fact>]
let ``a sum whose integer form prints no more digits is written in integers with one factor outside`` () =
    // J = [[2.4, 0.5], [0.2, -1]], J⁻¹ = [[0.4, 0.2], [0.08, -0.96]]: Newton's Δx1 = -eta*(x1 - 0.08*ys0 + 0.96*ys1), which
    // was printed -0.4*eta*(2.5*x1 - 0.2*ys0 + 2.4*ys1) (7 digits); 25, 2, 24 and 0.04 are no more.
    let code, out, err = Cli.run [ "derive"; "--simulator"; "2.4*x0 + 0.5*x1; 0.2*x0 - x1"; "--methods"; "newton" ]
    Assert.True((code = 0), err + out)
    let step = Cli.ruleLines out |> List.find (fun (n, _) -> n = "Δx1") |> snd
    let inside = Regex.Match(step, @"\((.*)\)").Groups.[1].Value
    Assert.False(inside.Contains ".", step)
    let at = dict [ "x1", 0.7; "ys0", -1.3; "ys1", 2.1; "eta", 0.6 ]
    let expected = -0.6 * (0.7 - 0.08 * -1.3 + 0.96 * 2.1)
    let actual = (Evaluate.manyAsWritten (fun s -> at.[s]) [| Parse.expression step |]).[0]
    Assert.True(abs (actual - expected) <= 1e-12, sprintf "%s is %g, not %g" step actual expected)
