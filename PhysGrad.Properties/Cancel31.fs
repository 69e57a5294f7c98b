/// The simplifier cancels the greatest common divisor of a quotient's polynomial numerator and denominator
/// (round 30). It cancelled only monomials, integer content and exponentials: (x^2 - 1)/(x - 1) stayed as
/// written, and Gauss–Newton on x0; 2*x1; x1^2 derived Δx0 = -eta*(x0 - ys0 + x1^2*(x0 - ys0))/(x1^2 + 1),
/// which only the printer's grouping (SharedTerms.factorBlock) brought back to -eta*(x0 - ys0). Round 31
/// screens each pair with images modulo a prime before the exact gcd (Polynomial.monomialGcd), which must
/// only ever spare the exact gcd where there is nothing to cancel.
module PhysGrad.Properties.Cancel31

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

let private simplified (text: string) = Infix.format (Simplify.simplify (Parse.expression text))

[<Theory>]
[<InlineData("(x^2 - 1)/(x - 1)", "x + 1")>]
[<InlineData("(x*y + x)/(y + 1)", "x")>]
[<InlineData("(a^2 - b^2)/(a + b)", "a - b")>]
[<InlineData("(x0 + (x0 - 1)*x1^2 - 1)/(x1^2 + 1)", "x0 - 1")>]
// The gcd is no factor as written: x^2 + 3x + 2 = (x + 1)(x + 2), x^2 - 1 = (x + 1)(x - 1).
[<InlineData("(x^2 + 3*x + 2)/(x^2 - 1)", "(x + 2)/(x - 1)")>]
[<InlineData("(x + 1)/(x^2 - 1)", "1/(x - 1)")>]
// Powers on both sides: (x + y)^2·(x − y)^2 over (x + y)·(x − y)^3.
[<InlineData("(x^2 - y^2)^2/((x + y)*(x - y)^3*z)", "(x + y)/((x - y)*z)")>]
// A function is an opaque atom: sin(x)^2 − 1 = (sin(x) + 1)(sin(x) − 1).
[<InlineData("(sin(x)^2 - 1)/(sin(x) + 1)", "sin(x) - 1")>]
// A floating coefficient is an atom too (c·x + c = c·(x + 1)), so the division stays exact.
[<InlineData("(2.5*x + 2.5)/(2*x + 2)", "1.25")>]
let ``a common polynomial factor of a quotient's numerator and denominator cancels`` (input: string, expected: string) =
    Assert.Equal(expected, simplified input)

/// The steps of one method as derived (simplified, before the printer names anything).
let private steps (simulator: string) (m: Method) =
    let problem = ProblemDefinition([| "x0"; "x1" |], simulator.Split(';'), null, [||], [||])
    (UpdateRuleSet.Derive(problem, [| m |]) |> Seq.exactlyOne).Steps |> Seq.map (fun e -> Infix.format e.Core) |> Array.ofSeq

[<Fact>]
let ``Gauss–Newton rules of small polynomial simulators are derived with the common factor cancelled`` () =
    // Was -eta*(x0 - ys0 + x1^2*(x0 - ys0))/(x1^2 + 1).
    Assert.Equal("-eta*(x0 - ys0)", (steps "x0; 2*x1; x1^2" Method.GaussNewton).[0])
    // Was -eta*(4*(2*x0 - ys1) + 9*x1^2*(2*x0 - ys1))/(2*(9*x1^2 + 4)).
    Assert.Equal("-eta*(2*x0 - ys1)/2", (steps "x1^2; 2*x0; x1^3" Method.GaussNewton).[0])
    // Without a common factor the written form stays: 4*(x0 - 1)^2 + 1 is irreducible.
    Assert.Equal(
        "-eta*(x0 - ys0 + 2*(x0 - 1)*(x0^2 - 2*x0 - ys2))/(4*(x0 - 1)^2 + 1)",
        (steps "x0; x0^3 + x0*x1; x0^2 - 2*x0" Method.GaussNewton).[0]
    )

[<Fact>]
let ``the command prints the cancelled Gauss–Newton rule`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x0; 2*x1; x1^2"; "--methods"; "gn" ]
    Assert.True((code = 0), err)
    Assert.Contains("Δx0 = -eta*(x0 - ys0)\n", out.Replace("\r", ""))
    // A cancelled form that would be longer is not taken: (x^10 - 1)/(x - 1) is a sum of ten powers.
    Assert.Equal("(x^10 - 1)/(x - 1)", simplified "(x^10 - 1)/(x - 1)")
    Assert.Equal("x + 1", simplified "(x^2 - 1)/(x - 1)")

// ---- the property: A·G/(B·G), written out expanded, is A/B ----

/// A polynomial of the test's own: terms (numerator, denominator, exponents of x, y, z, sin(x)).
type private Terms = (int * int * int[]) list

let private atoms = [| Expr.symbol "x"; Expr.symbol "y"; Expr.symbol "z"; Expr.sin (Expr.symbol "x") |]

let private randomTerms (rng: Random) (count: int) (degree: int) : Terms =
    [ for _ in 1 .. count ->
          let exps = Array.zeroCreate 4

          for _ in 1 .. rng.Next(0, degree + 1) do
              let a = rng.Next 4
              exps.[a] <- exps.[a] + 1

          let sign = if rng.Next 2 = 0 then 1 else -1
          sign * rng.Next(1, 5), [| 1; 1; 1; 2; 3 |].[rng.Next 5], exps ]

let private times (a: Terms) (b: Terms) : Terms =
    [ for (p, q, e) in a do
          for (r, s, f) in b -> p * r, q * s, Array.map2 (+) e f ]

/// The terms written out, the sum constructor merging like terms.
let private toExpr (t: Terms) =
    Expr.sum
        [ for (p, q, e) in t ->
              Expr.mul (Expr.fraction p q :: [ for i in 0 .. 3 do if e.[i] > 0 then yield Expr.pow atoms.[i] (Expr.ofInt e.[i]) ]) ]

/// An expression's value at a point and its first-order rounding sensitivity: the absolute error of a
/// floating evaluation is at most about (operations · unit roundoff) · sensitivity. A sum's is the sum of
/// its terms' (the magnitude of the terms, not of the sum: cancellation is where rounding shows), a
/// product's each factor's relative sensitivity times the product, b^k's |k| times b's relative one;
/// a quotient's therefore grows as 1/|denominator| near the denominator's zeros. Independent of the
/// library's evaluator.
let rec private measure (at: Expr -> float) (e: Expr) : float * float =
    match e.Node with
    | Number q ->
        let v = q.ToDouble()
        v, abs v
    | Real r -> r, abs r
    | Symbol _ -> at e, abs (at e)
    | Apply(Function.Sin, u) ->
        let v, s = measure at u
        sin v, abs (cos v) * s + abs (sin v)
    | Sum ts ->
        let ms = ts |> Array.map (measure at)
        Array.sumBy fst ms, Array.sumBy snd ms
    | Product fs ->
        let ms = fs |> Array.map (measure at)
        let v = ms |> Array.fold (fun p (x, _) -> p * x) 1.0
        let others i = ms |> Array.indexed |> Array.fold (fun p (j, (x, _)) -> if i = j then p else p * abs x) 1.0
        v, abs v + (ms |> Array.mapi (fun i (_, s) -> s * others i) |> Array.sum)
    | Power(b, x) ->
        match x.Node with
        | Number q when q.IsInteger ->
            let k = float q.Num
            let v, s = measure at b
            Math.Pow(v, k), abs v ** (k - 1.0) * abs k * s + abs (Math.Pow(v, k))
        | _ -> failwithf "unexpected power %s" (Infix.format e)
    | _ -> failwithf "unexpected node %s" (Infix.format e)

/// The bases of the negative powers in e (what it divides by).
let private divisors (e: Expr) =
    Structure.postOrder [ e ]
    |> Array.choose (fun n ->
        match n.Node with
        | Power(b, x) when (match x.Node with | Number q -> q.Sign < 0 | _ -> false) -> Some(b, -(match x.Node with | Number q -> int q.Num | _ -> 0))
        | _ -> None)

/// The total degree of a polynomial expression in x, y, z and sin(x), read from its expanded form.
let private degree (e: Expr) =
    let rec deg (e: Expr) =
        match e.Node with
        | Number _ -> 0
        | Symbol _
        | Apply _ -> 1
        | Product fs -> Array.sumBy deg fs
        | Sum ts -> Array.max (Array.map deg ts)
        | Power(b, x) -> (match x.Node with | Number q -> int q.Num | _ -> 0) * deg b
        | _ -> failwithf "unexpected node %s" (Infix.format e)

    deg (Simplify.expand 100000 e)

/// The degree of what e divides by: each distinct divisor's degree times its power.
let private denominatorDegree (e: Expr) =
    divisors e |> Array.groupBy fst |> Array.sumBy (fun (b, ks) -> degree b * (ks |> Array.map snd |> Array.max))

/// A sum of at least two distinct monomials, one of positive degree (not a monomial, not a constant).
let rec private common (rng: Random) (degree': int) =
    let g = randomTerms rng (rng.Next(2, 4)) degree'
    let e = toExpr g

    match e.Node with
    | Sum _ when degree e > 0 -> g
    | _ -> common rng degree'

let rec private nonzero (rng: Random) =
    let b = randomTerms rng (rng.Next(1, 4)) 2
    if Expr.isZero (toExpr b) then nonzero rng else b

/// Whether A/B is clearly shorter than the input A·G/(B·G) (by more than the nodes coefficients scaled to a
/// monic gcd can add): there the gcd must be cancelled.
let private clearlyShorter (a: Terms) (b: Terms) (e: Expr) =
    Structure.treeSize (Expr.div (toExpr a) (toExpr b)) + int64 (2 * (a.Length + b.Length) + 3) < Structure.treeSize e

[<Property(MaxTest = 200)>]
let ``cancelling common factors never changes a value, and cancels the common factor where that is shorter`` (seed: int) =
    let rng = Random seed
    let g = common rng 2
    let a, b = randomTerms rng (rng.Next(1, 4)) 2, nonzero rng
    let numerator, denominator = toExpr (times a g), toExpr (times b g)
    let e = Expr.div numerator denominator
    let expected = Expr.div (toExpr a) (toExpr b)
    let s = Simplify.simplify e
    let case = sprintf "%s → %s (expected %s)" (Infix.format e) (Infix.format s) (Infix.format expected)

    let points =
        [ for _ in 1 .. 8 ->
              let x, y, z = 4.0 * rng.NextDouble() - 2.0, 4.0 * rng.NextDouble() - 2.0, 4.0 * rng.NextDouble() - 2.0
              fun (v: Expr) -> match v.Node with | Symbol "x" -> x | Symbol "y" -> y | _ -> z ]

    // Near a zero of a denominator its value is not resolved by floating evaluation: a point where some
    // divisor's sensitivity exceeds 10^8 times its value (a relative error above about 10^-6 at 10^2
    // operations) is skipped, for the input, the result and the expected quotient alike.
    let resolved (at: Expr -> float) =
        [ e; s; expected ]
        |> List.forall (fun r ->
            divisors r
            |> Array.forall (fun (d, _) ->
                let v, sens = measure at d
                v <> 0.0 && sens <= 1e8 * abs v))

    let agree =
        points
        |> List.filter resolved
        |> List.forall (fun at ->
            let ve, se = measure at e
            let vs, ss = measure at s
            abs (vs - ve) <= 1e-9 * (se + ss))

    // Cancelled wherever A/B is clearly shorter than the input: then what s divides by has at most B's degree.
    (agree |@ sprintf "values differ: %s" case)
    .&. ((not (clearlyShorter a b e) || denominatorDegree s <= degree (toExpr b)) |@ sprintf "not cancelled: %s" case)

/// The screen proves a pair coprime only where it is, whatever the factor shares with the rest: a planted
/// common factor G of degree up to 3 in x, y, z and sin(x) (G may itself hold a monomial, x·(x + y), or
/// vanish at x = 0) under numerators and denominators of up to three terms, over 400 fixed seeds. Every
/// case where A/B is clearly shorter must come out dividing by less than B·G's degree; the count of such
/// cases is checked too, so that the test cannot pass on cases that never reach the screen.
[<Fact>]
let ``the coprimality screen never keeps a planted common factor from cancelling`` () =
    let outcomes =
        [ for seed in 1..400 ->
              let rng = Random(7919 * seed)
              let g = common rng 3
              let a, b = randomTerms rng (rng.Next(1, 4)) 2, nonzero rng
              let e = Expr.div (toExpr (times a g)) (toExpr (times b g))

              if clearlyShorter a b e then
                  let s = Simplify.simplify e
                  Some(denominatorDegree s < denominatorDegree e, sprintf "%s → %s" (Infix.format e) (Infix.format s))
              else
                  None ]
        |> List.choose id

    Assert.True(outcomes.Length >= 200, sprintf "only %d of 400 cases are clearly shorter cancelled" outcomes.Length)
    let kept = outcomes |> List.filter (fst >> not) |> List.map snd
    Assert.True(kept.IsEmpty, sprintf "%d planted factors kept, e.g. %s" kept.Length (List.tryHead kept |> Option.defaultValue ""))
