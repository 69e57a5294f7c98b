/// Issue 12, item 3 (long rules keep shared subexpressions as named intermediate lines), as the 26th round
/// found it: a sum shared only inside larger sums was not named. Newton on the Rosenbrock residuals wrote
/// t = x1 - x0^2 and, beside it, 1/(200*x0^2 - 200*x1 + 1), which is −200·t + 1 written out; on three
/// variables it named 600*x0^2 - 200*x1 + 1 and 1200*x0^2 - 400*x1 + 2, one sum twice. The rule tested here:
/// every named sum is written once, neither whole nor as a scaled part of a larger sum elsewhere; every
/// name is used twice and worth a name (SharedTerms.WorthAName); and the names substituted back are the
/// rule's value.
module PhysGrad.Properties.SharedSubSums26

open System
open System.Collections.Generic
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// The printed blocks of a problem, intermediates named, with the unshared steps beside them.
let private blocks = SharedTerms24.printedBlocks

/// A term as its exact coefficient and the rest: 3*x0*x1 → (3, x0*x1), 5 → (5, 1); anything else (1, itself).
let private coefficient (t: Expr) =
    match t.Node with
    | Number q -> q, Expr.one
    | Product fs ->
        match fs.[0].Node with
        | Number q -> q, Expr.mul (Array.tail fs)
        | _ -> Rational.One, t
    | _ -> Rational.One, t

/// Does the sum `whole` hold k·(every term of `part`) for one number k (part itself, or x1 - x0^2 in
/// 200*x0^2 - 200*x1 + 1)?
let private holdsScaled (part: Expr[]) (whole: Expr[]) =
    let w = whole |> Array.map coefficient
    let find r = w |> Array.tryFind (fun (_, s) -> obj.ReferenceEquals(s, r))
    let p = part |> Array.map coefficient

    match find (snd p.[0]) with
    | Some(q, _) ->
        let k = q / fst p.[0]
        p |> Array.forall (fun (c, r) -> match find r with | Some(q', _) -> q' = k * c | None -> false)
    | None -> false

let private sumsIn (roots: Expr[]) =
    Structure.postOrder roots |> Array.choose (fun n -> match n.Node with | Sum ts -> Some(n, ts) | _ -> None)

/// Each named sum written again elsewhere in the block, whole or as a scaled part of another sum.
let private sumsWrittenAgain (defs: (string * Expr)[]) (results: Expr[]) =
    [ for i, (name, d) in Array.indexed defs do
          match d.Node with
          | Sum ts ->
              let elsewhere = Array.append (defs |> Array.indexed |> Array.filter (fun (j, _) -> j <> i) |> Array.map (snd >> snd)) results
              // In its own line only as itself: a sum inside its definition that holds it again.
              let own = sumsIn [| d |] |> Array.filter (fun (n, _) -> not (obj.ReferenceEquals(n, d)))

              for n, ws in Array.append (sumsIn elsewhere) own do
                  if holdsScaled ts ws then
                      yield sprintf "%s = %s is written again in %s" name (Infix.format d) (Infix.format n)
          | _ -> () ]

/// How often each name is used in the block's lines (a symbol is one node, so once per path to it).
let private usesOf (roots: Expr[]) =
    let counts = Dictionary<string, int>()

    let rec walk (e: Expr) =
        match e.Node with
        | Symbol s -> counts.[s] <- (match counts.TryGetValue s with | true, c -> c | _ -> 0) + 1
        | _ -> for c in Expr.children e do walk c

    for r in roots do walk r
    counts

/// The checks of one block, each with what it says when it fails: a name used once or not worth a name, a named sum
/// written again, and the names substituted back not the rule's value at `point`.
let private check (simulator: string) (point: IDictionary<string, float>) (title: string, defs: (string * Expr)[], results: Expr[], steps: Expr[]) =
    let uses = usesOf (Array.append (defs |> Array.map snd) results)

    [ for name, d in defs do
          let n = match uses.TryGetValue name with | true, c -> c | _ -> 0
          yield (n >= 2), sprintf "%s, %s: %s = %s is used %d times" simulator title name (Infix.format d) n
          yield SharedTerms.worthAName d, sprintf "%s, %s: %s = %s is not worth a name" simulator title name (Infix.format d)
      for fault in sumsWrittenAgain defs results do
          yield false, sprintf "%s, %s: %s" simulator title fault
      // The value: the names substituted back against the steps as derived. The rounding of the two forms
      // is measured, not guessed: the steps with their equal sums written one way (SharedTerms.canonical,
      // the form the names are taken from) differ from the steps by it too, and near a singular point both
      // grow together.
      let value (es: Expr[]) = Evaluate.many (fun s -> point.[s]) es
      let inlined = SharedTerms.inlineAll { Intermediates = defs; Results = results }
      let expected = value steps
      let noise = Array.map2 (fun a b -> abs (a - b)) (value (SharedTerms.canonical steps)) expected
      let got = value inlined

      for i in 0 .. steps.Length - 1 do
          let e, g = expected.[i], got.[i]
          let ok = (Double.IsNaN e && Double.IsNaN g) || abs (e - g) <= 1e-9 * (1.0 + abs e) + 1e3 * noise.[i]
          yield ok, sprintf "%s, %s step %d: named %.17g, derived %.17g" simulator title i g e ]

let private methods = [ Method.GradientDescent; Method.Newton; Method.GaussNewton; Method.InverseGradient; Method.PhysicalGradient ]

let private at (names: string seq) (rng: Random) =
    dict [ for n in names -> n, 0.25 + rng.NextDouble() ]

let private symbolsOf (simulator: string) =
    [ "eta"; "ys0"; "ys1"; "ys2"; "ys3"; "G"; "M" ] @ [ for i in 0 .. 4 -> sprintf "x%d" i ]

// ---- the faults as reported ----

let private derive (args: string list) =
    let code, out, err = Cli.run ("derive" :: args)
    Assert.True((code = 0), err)
    out

/// A sum's text standing alone (not the tail of 10*x1 - x0^2 or the head of x1 - x0^2*x2).
let private standing (sum: string) = Regex(@"(?<![\w*^.])" + Regex.Escape sum + @"(?![\w*^(])")

[<Fact>]
let ``Newton on Rosenbrock names x1 - x0^2 once and writes the reciprocal's sum in it`` () =
    let out = derive [ "--simulator"; "1 - x0; 10*(x1 - x0^2)"; "--methods"; "newton"; "--target"; "0,0" ]
    Assert.Equal(1, (standing "x1 - x0^2").Matches(out).Count)
    Assert.Matches(@"(?m)^  (t\d+) = x1 - x0\^2$", out)
    // 200*x0^2 - 200*x1 + 1 is −200·(x1 − x0²) + 1: the reciprocal is written in the name.
    let name = Regex.Match(out, @"(?m)^  (t\d+) = x1 - x0\^2$").Groups.[1].Value
    Assert.Matches(@"(?m)^  t\d+ = 1/\(1 - 200\*" + name + @"\)$", out)
    Assert.DoesNotContain("200*x0^2 - 200*x1", out)

[<Fact>]
let ``Newton on Rosenbrock in three variables names one sum where it wrote it and twice it`` () =
    let out = derive [ "--example"; "rosenbrock"; "--n"; "3"; "--methods"; "newton" ]
    // 1200*x0^2 - 400*x1 + 2 is twice 600*x0^2 - 200*x1 + 1; 2*x1^2 - 2*x2 + 1 is 1 − 2·(x2 − x1²).
    Assert.DoesNotContain("1200*x0^2", out)
    Assert.DoesNotContain("2*x1^2 - 2*x2", out)
    Assert.Equal(1, (standing "x2 - x1^2").Matches(out).Count)
    Assert.Equal(1, (standing "600*x0^2 - 200*x1 + 1").Matches(out).Count)

[<Fact>]
let ``a symbolic target's shared part of two sums is named once`` () =
    // 10*x1 - 10*x0^2 - ys1 and 200*x0^2 - 200*x1 + 20*ys1 + 1 = 1 − 20·(10*x1 − 10*x0² − ys1): before, both
    // were written out, the second twice (once scaled by 10 in a denominator).
    let out = derive [ "--simulator"; "1 - x0; 10*(x1 - x0^2)"; "--methods"; "newton" ]
    Assert.DoesNotContain("200*x1", out)
    Assert.DoesNotContain("2000*x1", out)

// ---- the rule on many problems ----

let private problems =
    [ [| "x0"; "x1" |], "1 - x0; 10*(x1 - x0^2)", [||]
      [| "x0"; "x1" |], "1 - x0; 10*(x1 - x0^2)", [| 0.0; 0.0 |]
      [| "x0"; "x1"; "x2" |], String.Join("; ", TestHelpers.Rosenbrock.texts 3), [| 0.0; 0.0; 0.0 |]
      [| "x0"; "x1"; "x2" |], String.Join("; ", TestHelpers.Rosenbrock.texts 3), [||]
      [| "x0"; "x1" |], "6.674*5.972*x0/x1^2; x1", [||]
      [| "x0"; "x1" |], "x0 + x1; x0 - x1; x0*x1", [||]
      [| "x0"; "x1" |], "x1*exp(x1); log(x0^2 + 1)", [||]
      [| "x0"; "x1" |], "x1; sin(x0) - x0; x0*x1^3 + x0^2", [||]
      [| "x0"; "x1" |], "x0 + x1^2; x0^2 + x1", [||]
      [| "x0"; "x1"; "x2" |], "sin(x0)*exp(x1) + x2; x0*x1*x2; cos(x1 - x2) + x0^2", [||]
      [| "x0"; "x1"; "x2" |], "x0 + 2*x1 + 3*x2; 2*x0 + 4*x1 + x2^2; x0*x1 + x2", [||] ]

[<Fact>]
let ``on the problems above every name is used twice and worth one, no named sum is written again, and the names give the rule's value`` () =
    let rng = Random 26

    for variables, simulator, target in problems do
        for block in blocks variables simulator target methods do
            let point = at (symbolsOf simulator) rng

            let failures = check simulator point block |> List.filter (fst >> not) |> List.map snd
            Assert.True(failures.IsEmpty, String.Join("\n", failures))

/// A random simulator of 2 or 3 outputs in x0, x1 from a seed: sums and multiples of a few pieces, so
/// that outputs and their derivatives share sums up to a factor.
let private randomSimulator (seed: int) =
    let rng = Random seed
    let pieces = [| "x0"; "x1"; "x0^2"; "x1^2"; "sin(x0)"; "exp(x1)"; "x0*x1"; "x0^3"; "2*x1"; "3*x0"; "1" |]
    let pick () = pieces.[rng.Next pieces.Length]

    [ for _ in 1 .. rng.Next(2, 4) ->
          match rng.Next 5 with
          | 0 -> pick () + " + " + pick ()
          | 1 -> pick () + " - " + pick () + " + " + pick ()
          | 2 -> sprintf "%d*(%s - %s)" (rng.Next(2, 12)) (pick ()) (pick ())
          | 3 -> pick () + "*" + pick ()
          | _ -> pick () ]
    |> String.concat "; "

[<Property(MaxTest = 60)>]
let ``on random problems every name is used twice and worth one, no named sum is written again, and the names give the rule's value`` (seed: int) =
    let simulator = randomSimulator seed
    let rng = Random seed
    let point = at (symbolsOf simulator) rng

    [ yield true |@ "no block"
      for block in blocks [| "x0"; "x1" |] simulator [||] methods do
          for ok, label in check simulator point block do
              yield ok |@ label ]
    |> List.reduce (.&.)
