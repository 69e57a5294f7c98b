/// Issue #12, trial 21: decimal constants cancel exactly in every command (0.1·x + 0.2·x − 0.3·x is 0, not
/// 5.55E-17·x); several --param pairs in one option are named as such; a variable a problem file lists twice
/// is reported before the start's length, naming the file, the field and both entries; unit scales beyond
/// the doubles' range ((1e-200 m)^3) neither underflow nor lose the table's alignment; long LaTeX lines are
/// cut at + and − into a block that still pairs its braces and delimiters; terms over a common power of a
/// sum combine (x0²/t^(3/2) + x1²/t^(3/2) = 1/sqrt(t) for t = x0² + x1²), and a named power of a sum is
/// recognised with the sum negated.
module PhysGrad.Properties.PasteableRules21

open System
open System.Globalization
open System.IO
open System.Numerics
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private run = Cli.run
let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

// ---- 1. decimal constants cancel exactly ---------------------------------------------------------------

/// Decimals of 1 to 3 places (m/10^p, m up to 999, either sign) and one more that makes their sum 0.
let private cancelling =
    gen {
        let! n = Gen.choose (2, 5)
        let! parts = Gen.listOfLength n (Gen.zip (Gen.choose (-999, 999)) (Gen.choose (1, 3)))
        let values = parts |> List.map (fun (m, p) -> decimal m / decimal (pown 10 p))
        return values @ [ -(List.sum values) ] |> List.filter (fun v -> v <> 0M)
    }
    |> Gen.filter (fun vs -> vs.Length >= 2)
    |> Arb.fromGen

let private text (v: decimal) = v.ToString(CultureInfo.InvariantCulture)

/// "0.1*x0 + 0.27*x0 - 0.37*x0": each decimal as a coefficient, signs written as a person writes them.
let private asTerms (name: string) (vs: decimal list) =
    vs
    |> List.mapi (fun i v ->
        let body = sprintf "%s*%s" (text (abs v)) name
        if i = 0 then (if v < 0M then "-" + body else body)
        elif v < 0M then " - " + body
        else " + " + body)
    |> String.concat ""

/// "(0.1 + 0.27 - 0.37)": the decimals folded as one constant first.
let private asGroup (vs: decimal list) =
    "(" + (vs |> List.mapi (fun i v -> if i = 0 then text v else (if v < 0M then " - " else " + ") + text (abs v)) |> String.concat "") + ")"

[<Property(MaxTest = 25)>]
let ``decimals that cancel on paper leave no residue in derive's rules`` () =
    Prop.forAll cancelling (fun vs ->
        // y0 = x1 and y1 = x0 once the decimals cancel: gd's step of ½‖y − (1, 2)‖² is −η(x0 − 2), −η(x1 − 1).
        [ asTerms "x0" vs + " + x1"; asGroup vs + "*x0 + x1"; asGroup vs + "*x0*x1 + x1" ]
        |> List.map (fun first ->
            let code, out, err = run [ "derive"; "--simulator"; first + "; x0"; "--methods"; "gd"; "--target"; "1,2" ]

            (code = 0 && out.Contains "Δx0 = -eta*(x0 - 2)" && out.Contains "Δx1 = -eta*(x1 - 1)" && not (out.Contains "E-"))
            |@ sprintf "%s: exit %d\n%s%s" first code out err)
        |> List.reduce (.&.))

[<Property(MaxTest = 25)>]
let ``decimals that cancel on paper leave no residue in diff`` () =
    Prop.forAll cancelling (fun vs ->
        [ asGroup vs + "*x^2 + x"; asTerms "x^2" vs + " + x" ]
        |> List.map (fun f ->
            let code, out, err = run [ "diff"; "-f"; f ]
            (code = 0 && out.Contains "df/dx = 1" && not (out.Contains "E-")) |@ sprintf "%s: exit %d\n%s%s" f code out err)
        |> List.reduce (.&.))

/// Folding decimals is the decimal arithmetic rounded once: a sum or product of short decimals is the
/// double nearest the exact decimal result, whatever the grouping.
[<Property(MaxTest = 200)>]
let ``a fold of decimals is the double nearest their exact sum or product`` () =
    Prop.forAll cancelling (fun vs ->
        let exact = vs |> List.take (vs.Length - 1)
        let sum = Parse.expression (String.Join(" + ", exact |> List.map (fun v -> "(" + text v + ")")))
        let product = Parse.expression (String.Join("*", exact |> List.map (fun v -> "(" + text v + ")")))
        let rational (v: decimal) = ExactConstants.ofDecimal (float v)
        let expectedSum = (exact |> List.map rational |> List.reduce (+)).ToDouble()
        let expectedProduct = (exact |> List.map rational |> List.reduce (*)).ToDouble()
        let value (e: Expr) = match e.Node with | Real x -> x | Number q -> q.ToDouble() | _ -> nan

        (value sum = expectedSum |@ sprintf "sum %s, expected %.17g" (Infix.format sum) expectedSum)
        .&. (value product = expectedProduct |@ sprintf "product %s, expected %.17g" (Infix.format product) expectedProduct))

[<Fact>]
let ``the trial's decimal simulators give exact rules`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "(0.1+0.2)*x0 - 0.3*x0 + x1/3; x1*x0/7"; "--methods"; "gd"; "--target"; "1,2" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("E-", out)
    Assert.DoesNotContain("0.2857", out)
    // a decimal to a whole power is exact too: 0.1^2 cancels 0.01
    let code, out, _ = run [ "diff"; "-f"; "0.1^2*x^2 - 0.01*x^2 + x" ]
    Assert.Equal(0, code)
    Assert.Contains("df/dx = 1", out)

// ---- 3. several --param pairs in one option --------------------------------------------------------------

[<Fact>]
let ``--param with several name=value pairs says to give one --param per name`` () =
    let code, _, err = run [ "derive"; "--simulator"; "g*t*x0; x0"; "--param"; "g=9.81,t=2" ]
    Assert.Equal(2, code)
    Assert.Contains("give one --param per name: --param g=9.81 --param t=2", TestHelpers.unwrapped err)
    Assert.DoesNotContain("is not a number", err)
    // a list of numbers is still read as one (and refused as a list, not as pairs)
    let code, _, err = run [ "derive"; "--simulator"; "g*x0; x0"; "--param"; "g=1,2" ]
    Assert.Equal(2, code)
    Assert.DoesNotContain("one --param per name", err)

// ---- 4. a variable listed twice in a problem file ---------------------------------------------------------

[<Fact>]
let ``a variable listed twice is the fault reported, naming the file, the field and both entries`` () =
    let path = Path.Combine(Path.GetTempPath(), "physgrad-dup-" + Guid.NewGuid().ToString("N") + ".json")
    File.WriteAllText(path, """{"simulator":["x0+x1","x2*x3"],"variables":["x[0..3]","x2"],"start":[1,2,3,4],"target":[1,2]}""")

    try
        for command in [ [ "derive" ]; [ "compare"; "--methods"; "gd" ]; [ "units" ]; [ "check" ] ] do
            let code, _, err = run (command @ [ "--problem"; path ])
            Assert.Equal(2, code)
            Assert.Contains(path, err)
            Assert.Contains("\"variables\"", err)
            Assert.Contains("lists 'x2' twice", err)
            Assert.Contains("variables[0] ('x[0..3]')", err)
            Assert.Contains("variables[1] ('x2')", err)
            Assert.DoesNotContain("5 variables", err)
    finally
        File.Delete path

// ---- 2. unit scales beyond the doubles' range -------------------------------------------------------------

[<Property(MaxTest = 20)>]
let ``a powered scaled unit keeps its scale whatever its size`` () =
    // 1e-1 and 1e-2 m print as decimals (0.1 m) and the SI prefixes' powers 1e-3 … 1e-30 as prefixes (mm … qm,
    // 1/mm^3): those forms have tests of their own (StepUnitScales); this property is about the scales beyond.
    let prefixed k = k <= 2 || (k <= 30 && k % 3 = 0)
    Prop.forAll (Gen.choose (1, 300) |> Gen.filter (prefixed >> not) |> Arb.fromGen) (fun k ->
        let code, out, err = run [ "units"; "--simulator"; "x0^2; x1"; "--unit"; sprintf "x0=[1e-%d m]" k; "--unit"; "x1=s" ]
        let rows = out.Split('\n') |> Array.filter (fun l -> l.StartsWith "gn " || l.StartsWith "hig ")
        let row name = rows |> Array.find (fun l -> l.StartsWith(name + " ") && l.Contains " x0 ")
        // gn's step in x0 is [x0]^-3 here, HIG's [x0]^(-5/2) (README's worked example at 1e-4). Powers of ten
        // combine (under23): 1/(1e-k m)^3 is 1e(3k)/m^3, and HIG's 10^(5k/2) likewise for even k; for odd k
        // it is no power of ten and keeps the given form.
        let gn = sprintf "1e%d/m^3" (3 * k)
        let hig = if k % 2 = 0 then sprintf "1e%d/m^(5/2)" (5 * k / 2) else sprintf "1/(1e-%d*m)^(5/2)" k
        let header = out.Split('\n') |> Array.find (fun l -> l.StartsWith "method")
        let column = header.IndexOf "ok"
        let okColumns = out.Split('\n') |> Array.filter (fun l -> Regex.IsMatch(l, @"^(gd|adam|newton|ig|pg|gn|hig) ")) |> Array.map (fun l -> Regex.Match(l, @" (yes|NO|n/a)( |$)").Index + 1)

        // The step unit as printed (one factor in front: "1e435 1/m^3", "3.16228e362 1/m^(5/2)") read back: the
        // dimension exactly and the scale to its six printed digits.
        let keeps name (power: Rational) =
            let cell = Regex.Split((row name).Trim(), " {2,}").[3]
            let expected = (Units.parse (sprintf "[1e-%d m]" k)).Pow power
            let printed = Units.parse cell
            (printed.SameDimension expected && abs (printed.Log10Scale - expected.Log10Scale) < 1e-5) |@ sprintf "%s: %s" name cell

        (code = 0 |@ err)
        .&. keeps "gn" (Rational.OfInt -3)
        .&. keeps "hig" (Rational.Create(BigInteger(-5), BigInteger 2))
        .&. ((okColumns |> Array.forall ((=) column)) |@ sprintf "ok column at %d, rows at %A\n%s" column okColumns out))

[<Property(MaxTest = 200)>]
let ``a unit's scale is exact in products and powers far beyond the doubles' range`` () =
    Prop.forAll (Gen.zip (Gen.choose (-400, 400)) (Gen.choose (-9, 9)) |> Arb.fromGen) (fun (k, p) ->
        let u = Units.parse (sprintf "1e%d m" k)
        let powered = u.Pow(Rational.OfInt p)
        let text = string powered
        let back = Units.parse text

        (abs (powered.Log10Scale - float (k * p)) < 1e-9 |@ sprintf "log10 scale %g" powered.Log10Scale)
        .&. (back.Equals powered |@ sprintf "%s reads back as %s" text (string back)))

// ---- 5. long LaTeX lines ----------------------------------------------------------------------------------

/// Every brace group and \left … \right pair of one line closes on it.
let private balanced (line: string) =
    let unescaped = line.Replace("\\{", "").Replace("\\}", "")
    let mutable depth = 0
    let mutable ok = true

    for c in unescaped do
        if c = '{' then depth <- depth + 1
        elif c = '}' then depth <- depth - 1
        if depth < 0 then ok <- false

    ok && depth = 0 && Regex.Matches(line, @"\\left(?![a-zA-Z])").Count = Regex.Matches(line, @"\\right(?![a-zA-Z])").Count

[<Fact>]
let ``long LaTeX right-hand sides are cut into aligned lines that pair their braces`` () =
    let simulator = "x0*x1*x2 + x0^2*x3 + sin(x1)*x2; x1*x2*x3 + exp(x0)*x1; x2*x3*x0 + cos(x3)*x1; x0 + x1 + x2 + x3"
    let code, out, err = run [ "derive"; "--simulator"; simulator; "--methods"; "gd,newton"; "--format"; "latex" ]
    Assert.True((code = 0), err)
    // Source lines cut for length (LaTeX.BreakSource: a newline and an indent where a space was) joined back.
    let lines = (TestHelpers.latexJoined out).Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.filter (fun l -> not (l.StartsWith "%"))
    // A line was cut (the gradient's sums are long), and none renders wider than the limit plus its left side
    // (LaTeX.renderedWidths: what the reader sees, not the source's commands and braces).
    let lines = lines |> Array.map (fun l -> l.TrimStart())
    Assert.Contains(lines, fun l -> l.StartsWith "&\\quad ")

    for l in lines do
        let rendered = Array.last (LaTeX.renderedWidths l)
        Assert.True(rendered <= 100, sprintf "%d characters rendered: %s" rendered l)
        Assert.True(balanced l, l)
        Assert.True(l = "\\begin{align}" || l = "\\end{align}" || l.Contains "&=" || l.StartsWith "&\\quad ", l)

    // Each block's lines end in \\ but its last.
    let blocks = String.Join("\n", lines).Split("\\end{align}", StringSplitOptions.RemoveEmptyEntries)

    for b in blocks |> Array.filter (fun b -> b.Contains "\\begin{align}") do
        let body = b.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.filter (fun l -> l <> "\\begin{align}")
        Assert.All(body |> Array.take (body.Length - 1), fun l -> Assert.EndsWith(" \\\\", l))
        Assert.False(body.[body.Length - 1].EndsWith " \\\\", body.[body.Length - 1])

[<Property(MaxTest = 200)>]
let ``BreakLines cuts a LaTeX text into balanced pieces that join back to it`` () =
    Prop.forAll Generators.terms (fun term ->
        let e = Generators.toExpr term
        let whole = LaTeX.format (Expr.mul2 (Expr.symbol "eta") (Expr.add e (Expr.mul2 (Expr.symbol "x0") e)))
        let pieces = LaTeX.breakLines 20 whole
        let strip (p: string) = Regex.Replace(Regex.Replace(p, @"^(\\left\. )+", ""), @"( \\right\.)+$", "")
        let joined = String.Join(" ", pieces |> Array.map strip)

        (joined = whole |@ sprintf "%s\n joined as\n%s" whole joined)
        .&. ((pieces |> Array.forall balanced) |@ String.Join("\n", pieces))
        .&. ((pieces |> Array.skip 1 |> Array.forall (fun p -> Regex.IsMatch(strip p, @"^[+-] "))) |@ String.Join("\n", pieces)))

// ---- 6. terms over a common power of a sum; negated sums --------------------------------------------------

/// A Pythagorean point (a(m² − n²), 2amn) with rational a: x0² + x1² is a square there, so every power
/// k/2 of it is an exact rational.
let private pythagorean =
    gen {
        let! m = Gen.choose (2, 9)
        let! n = Gen.choose (1, m - 1)
        let! p = Gen.choose (1, 7)
        let! q = Gen.choose (1, 7)
        let a = Rational.Create(BigInteger p, BigInteger q)
        return Expr.number (a * Rational.OfInt(m * m - n * n)), Expr.number (a * Rational.OfInt(2 * m * n))
    }

/// Σ cᵢ·uᵢ·s^k + r·s^j over the terms uᵢ of s = x0² + x1² (cᵢ equal or not), k and j half-integers.
let private overCommonPower =
    gen {
        let! c0 = Gen.choose (-3, 3)
        let! c1 = Gen.elements [ c0; c0; c0 + 1 ]
        let! k = Gen.elements [ -5; -3; -2; -1; 1; 3 ]
        let! r = Gen.choose (-2, 2)
        let! j = Gen.elements [ -1; 1; 2 ]
        let! point = pythagorean
        return c0, c1, k, r, j, point
    }
    // The other term in another power: a third term over the same power whose cofactor breaks the multiple
    // (2·x0²/√s + 2·x1²/√s − 1/√s) is not merged yet (mergePowers takes all terms over the power).
    |> Gen.filter (fun (_, _, k, _, j, _) -> j <> k)
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``terms over a common power of a sum combine, equal to the original at rational points`` () =
    Prop.forAll overCommonPower (fun (c0, c1, k, r, j, (a, b)) ->
        let x0, x1 = Expr.symbol "x0", Expr.symbol "x1"
        let sq v = Expr.pow v Expr.two
        let s = Expr.add (sq x0) (sq x1)
        let power (h: int) = Expr.pow s (Expr.fraction h 2)

        let e =
            Expr.sum
                [ Expr.mul [ Expr.ofInt c0; sq x0; power k ]
                  Expr.mul [ Expr.ofInt c1; sq x1; power k ]
                  Expr.mul2 (Expr.ofInt r) (power j) ]

        let simplified = Simplify.simplify e
        let at (v: Expr) = Structure.substituteNames [ "x0", a; "x1", b ] v
        let original, result = at e, at simplified

        ((Expr.isNumeric original && obj.ReferenceEquals(original, result)) |@ sprintf "%s = %s, %s = %s" (Infix.format e) (Infix.format original) (Infix.format simplified) (Infix.format result))
        // with equal coefficients the two terms are c0·s^(k/2 + 1), written without a sum
        .&. ((c0 <> c1 || c0 = 0 || Structure.treeSize simplified <= Structure.treeSize (Expr.add (Expr.mul2 (Expr.ofInt c0) (power (k + 2))) (Expr.mul2 (Expr.ofInt r) (power j))))
             |@ sprintf "%s stays %s" (Infix.format e) (Infix.format simplified)))

[<Fact>]
let ``IG's rule for polar coordinates writes 1/sqrt(t) as such`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "atan2(x1, x0); sqrt(x0^2 + x1^2)"; "--methods"; "ig,gn" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("/t1^(3/2) + ", out)

[<Fact>]
let ``a named power of a sum is used where the sum appears negated`` () =
    let t5, t6 = Expr.mul2 (Expr.symbol "a") (Expr.symbol "b"), Expr.pow (Expr.symbol "c") (Expr.ofInt 3)
    let s = Expr.add t5 t6
    let negated = Expr.add (Expr.neg t5) (Expr.neg t6)
    let inverse = Expr.pow s Expr.minusOne
    let roots = [| Expr.mul2 (Expr.symbol "x") inverse; Expr.mul2 (Expr.symbol "y") inverse; Expr.mul2 (Expr.symbol "z") (Expr.pow negated Expr.minusOne) |]
    let block = SharedTerms.extract "t" roots
    // the inverse is named, and the negated one is written with that name, not as 1/(-a*b - c^3)
    let printed = block.Results |> Array.map Infix.format
    Assert.DoesNotContain(printed, fun p -> p.Contains "c^3")
    // the same values: at a rational point both are the same exact number
    let at (e: Expr) = Structure.substituteNames [ "a", Expr.fraction 2 3; "b", Expr.ofInt 5; "c", Expr.fraction -1 2; "x", Expr.ofInt 7; "y", Expr.fraction 1 9; "z", Expr.ofInt -4 ] e
    Assert.Equal<Expr[]>(roots |> Array.map at, SharedTerms.inlineAll block |> Array.map at)
