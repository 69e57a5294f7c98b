/// Expansion shared across a rule's steps (round 33). Each step of a rule was simplified alone, and each
/// multiplied out the products of sums it shares with the others (Newton's steps all hold one Hessian's
/// cofactors and determinant): the Msgs31 property's Newton rules of random three-variable simulators spent
/// seconds per step there, most of it in expansions that ran out of the 10⁵-term budget and were thrown away.
/// Simplify.simplifyAll keeps one expansion memo for all the steps; these tests pin that it gives each step
/// exactly what Simplify.simplify gives it alone.
module PhysGrad.Properties.Simplify33

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private sumOf (names: string list) = Expr.sum [| for n in names -> Expr.symbol n |]

// The sum a0 + … a(n−1) of fresh symbols named by prefix.
let private sumNamed (prefix: string) (n: int) = sumOf [ for k in 0 .. n - 1 -> sprintf "%s%d" prefix k ]

// Random expressions over a pool of shared parts: products and small powers of sums, sines and cosines (so that
// collapseTrig's expansions are shared too), built so that the roots reuse each other's subexpressions.
let private rootsGen =
    let atoms = [| "x"; "y"; "z"; "w" |] |> Array.map Expr.symbol
    let leaf = Gen.oneof [ Gen.elements atoms; Gen.choose (-3, 3) |> Gen.map Expr.ofInt ]

    let rec node depth =
        if depth = 0 then
            leaf
        else
            let sub = node (depth - 1)
            Gen.frequency
                [ 1, leaf
                  3, Gen.listOfLength 3 sub |> Gen.map Expr.sum
                  3, Gen.map2 Expr.mul2 sub sub
                  1, Gen.map2 (fun a k -> Expr.pow a (Expr.ofInt k)) sub (Gen.choose (2, 3))
                  1, Gen.map Expr.sin sub
                  1, Gen.map (fun a -> Expr.pow (Expr.cos a) Expr.two) sub
                  1, Gen.map2 Expr.div sub (Gen.map2 Expr.add sub (Gen.constant (Expr.ofInt 7))) ]

    Gen.listOfLength 3 (node 3)
    |> Gen.bind (fun pool ->
        let part = Gen.elements pool
        Gen.listOfLength 4 (Gen.oneof [ Gen.map2 Expr.mul2 part part; Gen.map2 Expr.add part part; part ]))
    |> Gen.map Array.ofList

// Each root simplified with one shared memo and alone: (shared, alone), index by index.
let private sharedAndAlone (roots: Expr[]) = Simplify.simplifyAll roots, roots |> Array.map Simplify.simplify

[<Property(MaxTest = 40)>]
let ``simplifyAll gives each of random expressions sharing parts what simplify gives it alone`` () =
    Prop.forAll (Arb.fromGen rootsGen) (fun roots ->
        let shared, alone = sharedAndAlone roots
        Array.forall2 (fun a b -> obj.ReferenceEquals(a, b)) shared alone
        |> Prop.label (String.Join("\n", Array.map2 (fun a b -> Infix.format a + "  vs  " + Infix.format b) shared alone)))

[<Fact>]
let ``steps sharing products near the expansion budget: each as simplify gives it, expanded or kept whole alike`` () =
    // q = (a0 + … + a5)·…·(d0 + … + d5)·(e0 + … + e49) creates 6 + 36 + 216 + 1296 + 64800 = 66354 terms and s, the same
    // with (j0 + … + j29) for the e's over other symbols, 6 + 36 + 216 + 1296 + 38880 = 40434: each within the 10⁵
    // budget alone, q + s over it (the memo counts q's and s's own terms for it without multiplying them out again).
    let q = Expr.mul [ sumNamed "a" 6; sumNamed "b" 6; sumNamed "c" 6; sumNamed "d" 6; sumNamed "e" 50 ]
    let s = Expr.mul [ sumNamed "f" 6; sumNamed "g" 6; sumNamed "h" 6; sumNamed "i" 6; sumNamed "j" 30 ]
    let roots = [| q; s; Expr.add q s |]
    let shared, alone = sharedAndAlone roots
    for i in 0 .. roots.Length - 1 do
        Assert.True(obj.ReferenceEquals(shared.[i], alone.[i]), sprintf "root %d differs" i)
    // The expansions themselves: q alone is multiplied out (64800 distinct terms), q + s is not.
    Assert.Equal(64800, (match (Simplify.expand Simplify.DefaultBudget q).Node with Sum ts -> ts.Length | _ -> 1))
    Assert.Same(roots.[2], Simplify.expand Simplify.DefaultBudget roots.[2])

[<Fact>]
let ``four hundred steps sharing one product that overruns the budget simplify with it multiplied out once`` () =
    // p = (a0 + … + a9)·…·(e0 + … + e9) creates 10 + 10² + … + 10⁵ = 111110 terms: over the budget at its last sum,
    // after 11110 terms. Each step alone multiplied p out to that point again (400 steps: minutes); with one memo the
    // first step learns p's count and the others are kept whole at once.
    let p = Expr.mul [ for c in [ "a"; "b"; "c"; "d"; "e" ] -> sumNamed c 10 ]
    let x = Expr.symbol "x"
    let u k = Expr.symbol (sprintf "u%d" k)
    let steps = [| for k in 0 .. 399 -> Expr.add p (Expr.mul2 (u k) x) |]
    let results = Simplify.simplifyAll steps
    Assert.Same(Simplify.simplify steps.[0], results.[0])
    // Each step's result is the first one's with its own u: the same simplification, step by step.
    for k in 1 .. steps.Length - 1 do
        let renamed = System.Collections.Generic.Dictionary<Expr, Expr>(HashIdentity.Reference)
        renamed.[u 0] <- u k
        Assert.Same(Structure.substitute renamed results.[0], results.[k])
