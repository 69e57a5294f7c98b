/// Issue #12 item 3, pasteable rules: a Newton rule derived from decimal constants cancels the rational
/// content of its numerator and denominator sums against each other, so the sum below the line has
/// coprime integer coefficients over a power of ten, written with the user's decimals where they read
/// so (-eta*x0*(0.7*x0^2 - 2)/(2.1*x0^2 - 2) for 0.7*x0^2 with target 2, print26; not
/// -0.2*eta*x0*(0.7*x0^2 - 2)/(0.42*x0^2 - 0.4)) and the rule keeps the Newton step's value.
module PhysGrad.Properties.Quotients24

open System
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private run = Cli.run
let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// The right-hand sides of derive's lines "  name = …" (shared terms t1 = … and steps Δx = …).
let private definitions (out: string) =
    out.Split('\n')
    |> Array.map (fun l -> l.Trim())
    |> Array.filter (fun l ->
        l.Contains(" = ")
        && (l.StartsWith "Δ" || System.Text.RegularExpressions.Regex.IsMatch(l, @"^t[0-9]+ = ")))
    |> Array.map (fun l -> l.Substring(0, l.IndexOf(" = ")), l.Substring(l.IndexOf(" = ") + 3))

/// One example: the simulator P written with decimals, its variable, the derive arguments, and P, P', P''
/// in doubles for the Newton step of L = ½(P(x) − y)²: Δx = −η L'/L'' with L' = (P − y)·P' and
/// L'' = P'² + (P − y)·P''.
type private Example =
    { Args: string list
      Variable: string
      P: float -> float
      P1: float -> float
      P2: float -> float
      /// The target y, from the values of the rule's symbols (ys0 when no --target is given).
      Target: Map<string, float> -> float
      /// A random point's x, at scale.
      Scale: float }

let private examples =
    let gm = 6.674e-11 * 5.972e24

    [ "0.7*x0^2",
      { Args = [ "derive"; "--simulator"; "0.7*x0^2"; "--target"; "2"; "--methods"; "newton" ]
        Variable = "x0"; P = (fun x -> 0.7 * x * x); P1 = (fun x -> 1.4 * x); P2 = (fun _ -> 1.4)
        Target = (fun _ -> 2.0); Scale = 3.0 }
      "3.14159*x0^2",
      { Args = [ "derive"; "--simulator"; "3.14159*x0^2"; "--target"; "2"; "--methods"; "newton" ]
        Variable = "x0"; P = (fun x -> 3.14159 * x * x); P1 = (fun x -> 2.0 * 3.14159 * x); P2 = (fun _ -> 2.0 * 3.14159)
        Target = (fun _ -> 2.0); Scale = 3.0 }
      "x0^2/9.81",
      { Args = [ "derive"; "--simulator"; "x0^2/9.81"; "--methods"; "newton" ]
        Variable = "x0"; P = (fun x -> x * x / 9.81); P1 = (fun x -> 2.0 * x / 9.81); P2 = (fun _ -> 2.0 / 9.81)
        Target = (fun values -> values.["ys0"]); Scale = 5.0 }
      "G*M/r^2",
      { Args = [ "derive"; "--simulator"; "6.674e-11*5.972e24/r^2"; "--vars"; "r"; "--target"; "9.81"; "--methods"; "newton" ]
        Variable = "r"; P = (fun r -> gm / (r * r)); P1 = (fun r -> -2.0 * gm / (r * r * r)); P2 = (fun r -> 6.0 * gm / (r * r * r * r))
        Target = (fun _ -> 9.81); Scale = 1.3e7 } ]
    |> Map.ofList

let private derive (example: Example) =
    let code, out, err = run example.Args
    Assert.True((code = 0), sprintf "%A: exit %d\n%s%s" example.Args code out err)
    let lines = definitions out
    let step = lines |> Array.find (fun (name, _) -> name = "Δ" + example.Variable) |> snd
    let shared = lines |> Array.filter (fun (name, _) -> not (name.StartsWith "Δ"))
    out, step, shared

/// The sums a rule (parsed, its constants read as exact rationals) divides by: the bases of its factors
/// raised to negative powers, and the sum factors of a product so raised.
let private denominatorSums (rule: Expr) =
    let factors (e: Expr) = match e.Node with | Product fs -> fs | _ -> [| e |]

    [ for f in factors rule do
          match f.Node with
          | Power(b, x) when (match x.Node with | Number q -> q.Sign < 0 | _ -> false) ->
              for g in factors b do
                  let s = match g.Node with | Power(s, _) -> s | _ -> g

                  match s.Node with
                  | Sum ts -> yield ts
                  | _ -> ()
          | _ -> () ]

/// A term's exact coefficient (1 when it has none).
let private coefficient (t: Expr) =
    match t.Node with
    | Number q -> q
    | Product fs -> (match fs.[0].Node with | Number q -> q | _ -> Rational.One)
    | _ -> Rational.One

[<Theory>]
[<InlineData("0.7*x0^2")>]
[<InlineData("3.14159*x0^2")>]
[<InlineData("x0^2/9.81")>]
let ``a Newton rule from decimals divides by a sum with coprime integer coefficients over a power of ten`` (name: string) =
    let out, step, _ = derive examples.[name]
    let rule = ExactConstants.exact (Parse.expression step)
    let sums = denominatorSums rule
    Assert.False(sums.IsEmpty, sprintf "%s: no sum below the line in %s\n%s" name step out)

    for ts in sums do
        // The coefficients times the least common multiple of their denominators, a power of ten (the
        // decimals' 10^k: 0.7 and 2 are 7 and 20 over 10), are coprime integers.
        let den = ts |> Array.map coefficient |> Array.fold (fun d q -> d / BigInteger.GreatestCommonDivisor(d, q.Den) * q.Den) BigInteger.One
        let struct (rest, _, _) = Rational.TwosAndFives den
        Assert.True(rest.IsOne, sprintf "%s: a coefficient below the line of %s is no decimal (common denominator %O)" name step den)
        let cs = ts |> Array.map (fun t -> coefficient t * Rational.OfBig den)
        let g = cs |> Array.fold (fun g q -> BigInteger.GreatestCommonDivisor(g, q.Num)) BigInteger.Zero
        // No power of ten left in common (10*x0^2 - 98.1 for x0^2 - 9.81); an integer factor may stay where it
        // reads better than a longer decimal (3*x0^2 - 9.81*ys0, not 3*(x0^2 - 3.27*ys0)).
        let struct (_, twos, fives) = Rational.TwosAndFives g
        Assert.True(twos = 0 || fives = 0, sprintf "%s: the sum below the line of %s has the factor %O in common" name step g)
        // A positive term: the sign of an all-negative sum goes to the coefficient.
        Assert.True(cs |> Array.exists (fun q -> q.Sign > 0), sprintf "%s: every term below the line of %s is negative" name step)
        // No monomial common to the terms either (7.9714256E+16/r^6 + 3*t1/r^4 has 1/r^4 in each).
        let bases (t: Expr) =
            (match t.Node with | Product fs -> fs | _ -> [| t |])
            |> Array.choose (fun f ->
                match f.Node with
                | Number _ | Real _ -> None
                | Power(b, _) -> Some b
                | _ -> Some f)

        let common = ts |> Array.map (bases >> Array.map Infix.formatExact >> Set.ofArray) |> Set.intersectMany
        Assert.True(common.IsEmpty, sprintf "%s: the terms below the line of %s have %A in common" name step common)

[<Fact>]
let ``0.7*x0^2's Newton rule cancels the contents of its numerator and denominator`` () =
    let _, step, _ = derive examples.["0.7*x0^2"]
    // (0.7·x0² − 2)·1.4·x0 / (1.96·x0² + 1.4·(0.7·x0² − 2)) = 1.4·x0·(0.7·x0² − 2) / (1.4·(2.1·x0² − 2)), written
    // with the user's 0.7 (print26; 7·x0² − 20 over 21·x0² − 20 before).
    let tenth (n: int) = Expr.number (Rational.Create(BigInteger n, BigInteger 10))
    let expected =
        Expr.mul
            [ Expr.minusOne; Expr.symbol "eta"; Expr.symbol "x0"
              Expr.sum [ Expr.mul [ tenth 7; Expr.pow (Expr.symbol "x0") (Expr.ofInt 2) ]; Expr.ofInt -2 ]
              Expr.pow (Expr.sum [ Expr.mul [ tenth 21; Expr.pow (Expr.symbol "x0") (Expr.ofInt 2) ]; Expr.ofInt -2 ]) Expr.minusOne ]

    Assert.True(obj.ReferenceEquals(expected, ExactConstants.exact (Parse.expression step)), step)

[<Property(MaxTest = 60)>]
let ``each printed Newton rule computes −η L'/L'' at random points`` (a: NormalFloat) (b: NormalFloat) (c: NormalFloat) =
    [ for KeyValue(name, example) in examples ->
          let _, step, shared = derive example
          // Away from 0 (where some rules have a removable 0/0) and at a distinct random η and target.
          let u = float a
          let x = example.Scale * (0.2 + abs (Math.Sin u))
          let eta = 0.1 + abs (Math.Cos(float b))
          let values = Map.ofList [ example.Variable, x; "eta", eta; "ys0", 1.0 + 3.0 * abs (Math.Sin(float c)) ]
          let y = example.Target values
          let p, p1, p2 = example.P x, example.P1 x, example.P2 x
          let l1 = (p - y) * p1
          let l2 = p1 * p1 + (p - y) * p2
          // Well conditioned only: L'' not a near-cancellation of its two terms.
          let conditioned = abs l2 > 1e-3 * (p1 * p1 + abs ((p - y) * p2))
          let expected = -eta * l1 / l2

          let mutable known = values

          for (t, text) in shared do
              let v = Evaluate.at (known |> Map.keys |> Array.ofSeq) (known |> Map.values |> Array.ofSeq) (Parse.expression text)
              known <- known.Add(t, v)

          let value = Evaluate.at (known |> Map.keys |> Array.ofSeq) (known |> Map.values |> Array.ofSeq) (Parse.expression step)

          (not conditioned || abs (value - expected) <= 1e-9 * abs expected + 1e-300)
          |@ sprintf "%s at %s = %.17g, η %.17g, y %.17g: %s = %.17g, expected %.17g" name example.Variable x eta y step value expected ]
    |> List.reduce (.&.)
