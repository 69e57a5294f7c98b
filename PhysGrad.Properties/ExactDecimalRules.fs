/// Decimal constants are solved with as exact fractions at any number of variables, not only up to 6:
/// above 6 the rules of a decimal linear map carried rounding residue (2.2E-16*eta*x0) and PG's step was not
/// 0 at η = 0. The bound that stays is a cost measure (ExactConstants.pivotBits), and a rule derived in
/// doubles because of it says so.
module PhysGrad.Properties.ExactDecimalRules

open System
open System.Globalization
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

/// det K by Bareiss's fraction-free elimination in BigInteger: the test's own exact arithmetic.
let private det (k: BigInteger[,]) =
    let n = Array2D.length1 k
    let m = Array2D.copy k
    let mutable sign = BigInteger.One
    let mutable previous = BigInteger.One
    let mutable zero = false

    for p in 0 .. n - 2 do
        if not zero then
            if m.[p, p].IsZero then
                match [ p + 1 .. n - 1 ] |> List.tryFind (fun r -> not m.[r, p].IsZero) with
                | None -> zero <- true
                | Some r ->
                    sign <- -sign

                    for c in 0 .. n - 1 do
                        let t = m.[p, c]
                        m.[p, c] <- m.[r, c]
                        m.[r, c] <- t

            if not zero then
                for i in p + 1 .. n - 1 do
                    for j in p + 1 .. n - 1 do
                        m.[i, j] <- (m.[i, j] * m.[p, p] - m.[i, p] * m.[p, j]) / previous

                previous <- m.[p, p]

    if zero then BigInteger.Zero else sign * m.[n - 1, n - 1]

/// A dense linear map x ↦ (K/10)·x, K integer −9..9 (about a third zeros), non-singular, of 8 to 12
/// variables, and an integer target.
let private maps =
    gen {
        let! n = Gen.choose (8, 12)
        let! entries = Gen.arrayOfLength (n * n) (Gen.frequency [ 1, Gen.constant 0; 2, Gen.choose (-9, 9) ])
        let! target = Gen.arrayOfLength n (Gen.choose (-5, 5))
        return Array2D.init n n (fun i j -> entries.[i * n + j]), target
    }
    |> Gen.filter (fun (k, _) -> not (det (Array2D.map (fun (v: int) -> BigInteger v) k)).IsZero)
    |> Arb.fromGen

let private simulatorText (k: int[,]) =
    [| for i in 0 .. Array2D.length1 k - 1 ->
           let terms =
               [ for j in 0 .. Array2D.length2 k - 1 do
                     if k.[i, j] <> 0 then
                         yield sprintf "%s*x%d" ((decimal k.[i, j] / 10M).ToString(CultureInfo.InvariantCulture)) j ]

           if terms.IsEmpty then "0*x0" else String.concat " + " terms |]

/// Is x the double nearest p/q (|x − p/q| at most half of x's spacing), decided in exact arithmetic?
let private nearest (x: float) (p: BigInteger) (q: BigInteger) =
    if x = 0.0 then
        p.IsZero
    else
        let e = Math.ILogB x - 52
        // x = m·2^e exactly, m an integer below 2^53; the spacing there is 2^e.
        let m = BigInteger(Math.ScaleB(x, -e))
        let pow = BigInteger.Pow(BigInteger 2, abs e)
        // 2·|m·2^e − p/q| ≤ 2^e, times q (and 2^−e when e < 0) to stay in integers.
        if e >= 0 then
            BigInteger.Abs(m * pow * q - p) * BigInteger 2 <= pow * q
        else
            BigInteger.Abs(m * q - p * pow) * BigInteger 2 <= q

[<Property(MaxTest = 8)>]
let ``IG, GN and Newton of a decimal linear map of 8 to 12 variables are exact: eta times (A^-1 y*)_i minus eta x_i, 0 at eta = 0`` () =
    Prop.forAll maps (fun (k: int[,], target: int[]) ->
        let n = Array2D.length1 k
        let variables = Array.init n (sprintf "x%d")
        let text = simulatorText k
        let definition = ProblemDefinition(variables, text, null, Array.map float target, [||])
        let rules = UpdateRuleSet.Derive(definition, ([| Method.InverseGradient; Method.GaussNewton; Method.Newton |]: Method[]))
        let kb = Array2D.map (fun (v: int) -> BigInteger v) k
        let d = det kb
        let eta = Expr.symbol "eta"

        [ for rule in rules do
              // Exact constants, so no note about doubles.
              yield isNull rule.DoublesNote, sprintf "%s: %s" rule.Name rule.DoublesNote

              for i in 0 .. n - 1 ->
                  // (A⁻¹y*)_i = 10·det(K with column i replaced by y*)/det K, by Cramer's rule.
                  let ki = Array2D.init n n (fun r c -> if c = i then BigInteger(target.[r]: int) else kb.[r, c])
                  let p, q = BigInteger 10 * det ki, d
                  let p, q = if q.Sign < 0 then -p, -q else p, q
                  let step = rule.Steps.[i].Core

                  // Newton's −η(x_i − c) as its two terms.
                  let expanded = Simplify.expand 100_000 step

                  let terms =
                      match expanded.Node with
                      | Sum ts -> List.ofArray ts
                      | _ -> [ expanded ]

                  let split = terms |> List.map Layout.coefficient
                  let value (c: Expr) = Evaluate.at [||] [||] c
                  let xi = Expr.mul2 eta (Expr.symbol variables.[i])

                  // Exactly two terms (one when (A⁻¹y*)_i = 0): −η·x_i and η times the double nearest the
                  // exact rational; no residue term in any other variable.
                  let good =
                      split.Length = (if p.IsZero then 1 else 2)
                      && split
                         |> List.forall (fun (c, rest) ->
                             (obj.ReferenceEquals(rest, xi) && value c = -1.0)
                             || (obj.ReferenceEquals(rest, eta) && nearest (value c) p q))

                  let atZero = Structure.substituteNames [ "eta", Expr.zero ] step

                  (good && Expr.isZeroValue atZero),
                  (sprintf "%s: Δx%d = %s (expected %s/%s·eta − eta·x%d; at eta = 0: %s) for %s"
                      rule.Name i (Infix.format step) (string p) (string q) i (Infix.format atZero) (String.Join("; ", text))) ]
        // Only the failures as the label: a passing case has n lines per rule.
        |> fun checks ->
            checks |> List.forall fst
            |> Prop.label (checks |> List.filter (fst >> not) |> List.map snd |> String.concat "\n"))

/// x_i ↦ c_i·x_i for n variables with 16- and 17-digit constants c_i: cheap to derive in either arithmetic,
/// and pivotBits grows with n.
let private diagonal n =
    let variables = Array.init n (sprintf "x%d")
    let constants = Array.init n (fun i -> 0.1234567890123456 + float i * 0.0171717171717171)
    let text = Array.init n (fun i -> sprintf "%s*x%d" (constants.[i].ToString("R", CultureInfo.InvariantCulture)) i)
    ProblemDefinition(variables, text, null, Array.init n float, [||]), text

[<Fact>]
let ``past the cost measure's limit the constants are doubles and the rule and derive say so, below it they are exact`` () =
    let bits n =
        let _, text = diagonal n
        ExactConstants.pivotBits n (text |> Seq.map (Parse.expression >> ExactConstants.exact))

    // The measure grows with n: find the two sizes either side of the limit rather than hard-code them.
    let over = Seq.initInfinite ((+) 2) |> Seq.find (fun n -> bits n > ExactConstants.MaxPivotBits)
    let under = over - 1
    Assert.True(bits under <= ExactConstants.MaxPivotBits)
    let exactRule = (UpdateRuleSet.Derive(fst (diagonal under), ([| Method.InverseGradient |]: Method[]))).[0]
    Assert.Null(exactRule.DoublesNote)
    // Past the limit the methods that eliminate (IG here) solve in doubles and say so; GD, the gradient
    // itself, eliminates nothing and keeps its constants exact, without the note (trial 21: derive said
    // GD's rule was solved in doubles).
    let overRules = UpdateRuleSet.Derive(fst (diagonal over), ([| Method.InverseGradient; Method.GradientDescent |]: Method[]))
    let doublesRule, gdRule = overRules.[0], overRules.[1]
    Assert.NotNull(doublesRule.DoublesNote)
    Assert.Null(gdRule.DoublesNote)
    // GD of ½Σ(c_i x_i − i)²: Δx_i = −η c_i (c_i x_i − i), with c_i the exact decimal: at x_i = 0, η = 1 it is
    // i·c_i, which the exact rule gives to within a rounding of the printed constants.
    for i in 0 .. over - 1 do
        let q = ExactConstants.ofDecimal (0.1234567890123456 + float i * 0.0171717171717171)
        let reference = (Rational.Create(BigInteger i * q.Num, q.Den)).ToDouble()
        let atOne = Evaluate.at [| "eta"; sprintf "x%d" i |] [| 1.0; 0.0 |] gdRule.Steps.[i].Core
        Assert.True(abs (atOne - reference) <= 4e-16 * abs reference, sprintf "gd: Δx%d = %s: %.17g, not %.17g" i (Infix.format gdRule.Steps.[i].Core) atOne reference)
    Assert.Contains(sprintf "%s bits (%d variables; limit %s)" ((bits over).ToString("N0", CultureInfo.InvariantCulture)) over (ExactConstants.MaxPivotBits.ToString("N0", CultureInfo.InvariantCulture)), doublesRule.DoublesNote)
    // IG of x_i ↦ c_i x_i below the limit: η·(i/c_i) − η·x_i.
    for i in 0 .. under - 1 do
        let c = 0.1234567890123456 + float i * 0.0171717171717171
        let q = ExactConstants.ofDecimal c
        let expected = Rational.Create(BigInteger i * q.Den, q.Num)
        let step = exactRule.Steps.[i].Core
        let atOne = Evaluate.at [| "eta"; sprintf "x%d" i |] [| 1.0; 0.0 |] step
        // The rule is −a·η·(b·x_i − i) with a and b each the double nearest its exact value: at x_i = 0
        // two roundings of 2⁻⁵³ and one more in the reference's own conversion, within 4·10⁻¹⁶.
        let reference = expected.ToDouble()
        Assert.True(abs (atOne - reference) <= 4e-16 * abs reference, sprintf "Δx%d = %s: %.17g at η = 1, x%d = 0, not %.17g" i (Infix.format step) atOne i reference)
        let atZero = Structure.substituteNames [ "eta", Expr.zero ] step
        Assert.True(Expr.isZeroValue atZero, sprintf "Δx%d = %s is %s at eta = 0" i (Infix.format step) (Infix.format atZero))
    // The command line prints the note once, on stderr.
    let _, text = diagonal over
    let code, _, err =
        Cli.run [ "derive"; "--simulator"; String.Join("; ", text); "--target"; String.Join(",", Array.init over string); "--methods"; "gd,ig" ]

    Assert.Equal(0, code)
    // Once, naming the method it concerns and not gd.
    Assert.Equal(1, (err.Split('\n') |> Array.filter (fun l -> l.StartsWith "physgrad: note: ig: the decimal constants are solved with in doubles")).Length)
    Assert.DoesNotContain("note: gd", err)
    // gd alone: nothing to say.
    let code, _, err =
        Cli.run [ "derive"; "--simulator"; String.Join("; ", text); "--target"; String.Join(",", Array.init over string); "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("in doubles", err)
