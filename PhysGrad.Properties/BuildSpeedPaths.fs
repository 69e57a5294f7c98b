/// The faster paths of building large expressions (issue 14: Rosenbrock at n = 10⁵ built, derived and
/// compiled in under 2 s) must give the very results of the paths they replace: expressions are
/// hash-consed, so a sum whose terms came out in another order would be another node, and every canonical
/// form and printed text after it would change.
module PhysGrad.Properties.BuildSpeedPaths

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

/// A random term over x, y, z with x, y, z renamed to a_i, a_(i+1), b_j: many terms share a variable
/// and so the lead that the keyed sort ranks by (and are then ordered in full), many do not.
let private instantiate (t: Term, i: int, j: int) =
    match tryExpr t with
    | None -> None
    | Some e ->
        let d = Collections.Generic.Dictionary<Expr, Expr>()
        d.[Expr.symbol "x"] <- Expr.symbol (sprintf "a%d" i)
        d.[Expr.symbol "y"] <- Expr.symbol (sprintf "a%d" (i + 1))
        d.[Expr.symbol "z"] <- Expr.symbol (sprintf "b%d" j)

        try
            Some(Structure.substitute d e)
        with :? SymbolicException ->
            None

let private element =
    Gen.zip3 terms.Generator (Gen.choose (0, 30)) (Gen.choose (0, 12))

/// Lists of 0–80 elements; shrinking drops elements or shrinks one term.
let private elements: Arbitrary<(Term * int * int) list> =
    let shrinkList (xs: (Term * int * int) list) =
        seq {
            for k in 0 .. xs.Length - 1 do
                yield List.removeAt k xs

            for k in 0 .. xs.Length - 1 do
                let (t, i, j) = xs.[k]

                for t' in shrink t do
                    if (tryExpr t').IsSome then
                        yield List.updateAt k (t', i, j) xs
        }

    Arb.fromGenShrink (Gen.choose (0, 80) |> Gen.bind (fun n -> Gen.listOfLength n element), shrinkList)

let private distinctExprs (xs: (Term * int * int) list) =
    xs |> List.choose instantiate |> List.distinctBy (fun e -> e.Id) |> List.toArray

let private sameOrder (keyed: Expr[]) (plain: Expr[]) =
    Array.forall2 (fun (a: Expr) (b: Expr) -> Object.ReferenceEquals(a, b)) keyed plain

let private show (xs: Expr[]) =
    String.Join(", ", xs |> Array.map Infix.format)

[<Property(MaxTest = 300, EndSize = 8)>]
let ``the keyed canonical sort gives the order of the plain sort`` () =
    Prop.forAll elements (fun xs ->
        let items = distinctExprs xs
        let keyed = Array.copy items
        Order.sortCanonical keyed
        let plain = Array.copy items
        Array.Sort(plain, Order.comparer)

        sameOrder keyed plain
        |> Prop.label (sprintf "%d items: keyed [%s], plain [%s]" items.Length (show keyed) (show plain)))

/// Numbers, and powers of numbers (2^x, whose lead is numeric and which take the plain sort), mixed in.
[<Property(MaxTest = 200, EndSize = 8)>]
let ``numbers and numeric bases among the terms sort as before`` () =
    let numeric =
        Gen.elements
            [ Expr.ofInt 3
              Expr.fraction (-1) 2
              Expr.real 0.25
              Expr.pow Expr.two (Expr.symbol "a3")
              Expr.mul2 (Expr.ofInt 5) (Expr.pow (Expr.ofInt 3) (Expr.symbol "b1"))
              Expr.pi
              Expr.exp (Expr.symbol "a2") ]

    Prop.forAll (Arb.zip (elements, Arb.fromGen (Gen.listOf numeric))) (fun (xs, extra) ->
        let items =
            Array.append (distinctExprs xs) (List.toArray extra)
            |> Array.distinctBy (fun e -> e.Id)

        let keyed = Array.copy items
        Order.sortCanonical keyed
        let plain = Array.copy items
        Array.Sort(plain, Order.comparer)
        sameOrder keyed plain |> Prop.label (sprintf "keyed [%s], plain [%s]" (show keyed) (show plain)))

/// The terms of n-dimensional Rosenbrock f (theory §4), the sum the issue measures: in their building
/// order, neither sorted nor random.
[<Fact>]
let ``the keyed sort orders Rosenbrock's terms as the plain sort`` () =
    let x = Array.init 300 (fun i -> Expr.symbol (sprintf "x%d" i))

    let terms =
        [| for i in 0 .. 298 do
               yield Expr.mul2 (Expr.ofInt 100) (Expr.pow (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two)) Expr.two)
               yield Expr.pow (Expr.sub Expr.one x.[i]) Expr.two |]

    let keyed = Array.copy terms
    Order.sortCanonical keyed
    let plain = Array.copy terms
    Array.Sort(plain, Order.comparer)
    Assert.True(sameOrder keyed plain)
    // Hand-checked: the first term in canonical order is (1 − x0)², whose lead x0 is the least variable.
    Assert.Equal("(1 - x0)^2", Infix.format keyed.[0])

/// The free symbols of a long sum (many children: one sort of the distinct symbols) against the union of
/// its terms' free symbols in natural order, computed here without the library's merge. (The sum's own
/// terms: terms of the list that cancel, such as b6 and −b6, are not in it.)
[<Property(MaxTest = 200, EndSize = 8)>]
let ``the free symbols of a long sum are the sorted union of its terms' symbols`` () =
    Prop.forAll elements (fun xs ->
        let s = Expr.sum (distinctExprs xs)

        match s.Node with
        | Sum terms when terms.Length >= 3 ->
            let expected =
                terms
                |> Array.collect (fun t -> Structure.freeSymbolNames [ t ])
                |> Array.distinct
                |> Array.sortWith Order.naturalCompare

            let actual = Structure.freeSymbolNames [ s ]
            (actual = expected) |> Prop.label (sprintf "%A against %A" actual expected)
        | _ -> true |> Prop.label "not a sum of three or more terms")

/// A traced problem's definition is seeded with the traced components instead of parsing its printed
/// text again: that is only right if the text parses back to the identical nodes. Checked for every
/// reference example at its default size (each example's constants, grids and boundaries).
[<Fact>]
let ``every traced example's printed components parse back to the traced nodes`` () =
    for info in PhysGrad.ReferenceProblems.All do
        let problem = PhysGrad.ReferenceProblems.Create(info.Name)
        let traced = problem.Model.Simulator
        let text = problem.Definition.Simulator
        Assert.Equal(text.Count, traced.Length)

        for i in 0 .. traced.Length - 1 do
            let parsed = Parse.expression text.[i]

            if not (Object.ReferenceEquals(parsed, traced.[i])) then
                failwithf "%s, component %d: the text %s parses to %s, traced %s" info.Name i text.[i] (Infix.formatExact parsed) (Infix.formatExact traced.[i])
