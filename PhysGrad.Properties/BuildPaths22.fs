/// Two faster paths of building a traced problem (heat1d at n = 10⁵; BENCHMARKS.md, branch `perf22`) must
/// give what the paths they skip give: a sum of many plain terms is sorted without `sumAll`'s table (the
/// default loss ½Σ(yᵢ − yᵢ*)²), and a node's free symbols over few children are found by a scan, not a set.
module PhysGrad.Properties.BuildPaths22

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// One term over the symbols s0 … s24: (kind, symbol, coefficient index). Few symbols, so that a list of
/// 64 or more terms often repeats a part (the general path must then merge it) and sometimes does not.
type TermSpec = int * int * int

let private coefficients = [| Expr.half; Expr.real 0.25; Expr.real -1.5; Expr.ofInt 3; Expr.real 2.0 |]

let private build ((kind, s, c): TermSpec) =
    let x = Expr.symbol (sprintf "s%d" s)
    let k = coefficients.[c]

    match kind with
    | 0 -> Expr.mul2 k x // c·s
    | 1 -> Expr.pow x Expr.two // s²
    | 2 -> Expr.mul2 Expr.half (Expr.pow (Expr.sub x k) Expr.two) // ½(s − c)², a default loss's term
    | 3 -> Expr.mul2 k (Expr.mul2 x (Expr.symbol "t")) // c·s·t: a part of two factors
    | _ -> x

let private spec = Gen.zip3 (Gen.choose (0, 4)) (Gen.choose (0, 24)) (Gen.choose (0, 4))

/// 64 to 90 terms, with all the parts distinct (one term per symbol s0 … s89, no c·s·t) in about half
/// the cases, so the fast path is taken and not taken alike.
let private termLists: Arbitrary<TermSpec list> =
    let distinct =
        Gen.choose (64, 90)
        |> Gen.bind (fun n ->
            Gen.listOfLength n (Gen.zip (Gen.elements [ 0; 1; 2; 4 ]) (Gen.choose (0, 4)))
            |> Gen.map (List.mapi (fun i (kind, c) -> (kind, i, c))))

    let mixed = Gen.choose (64, 90) |> Gen.bind (fun n -> Gen.listOfLength n spec)
    Arb.fromGenShrink (Gen.oneof [ distinct; mixed ], fun xs -> if xs.Length > 64 then Seq.singleton (List.tail xs) else Seq.empty)

type TermListArb =
    static member Terms() = termLists

[<Property(MaxTest = 200, Arbitrary = [| typeof<TermListArb> |])>]
let ``a sum of 64 or more terms given as an array is the node the general path builds`` (specs: TermSpec list) =
    let terms = specs |> List.map build |> List.toArray
    // A sequence that is not an array skips the array's fast path: sumAll, as before the change.
    let general = Expr.sum (Seq.map id terms)
    let fast = Expr.sum terms

    Object.ReferenceEquals(fast, general)
    |> Prop.label (sprintf "array: %s\ngeneral: %s" (Infix.format fast) (Infix.format general))

/// Sums of 3 to 12 terms, each a coefficient times one to three of the symbols x0 … x40 (repeats likely):
/// few enough symbols for the scan.
let private fewSymbolSums: Arbitrary<int list list> =
    let term = Gen.choose (1, 3) |> Gen.bind (fun k -> Gen.listOfLength k (Gen.choose (0, 40)))
    Arb.fromGen (Gen.choose (3, 12) |> Gen.bind (fun n -> Gen.listOfLength n term))

type SumArb =
    static member Sums() = fewSymbolSums

[<Property(MaxTest = 300, Arbitrary = [| typeof<SumArb> |])>]
let ``the free symbols of a sum of few terms are its distinct symbols in natural order`` (sum: int list list) =
    let term (i: int) (symbols: int list) =
        symbols |> List.fold (fun p s -> Expr.mul2 p (Expr.symbol (sprintf "x%d" s))) (Expr.ofInt (i + 2))

    let e = Expr.sum (sum |> List.mapi term)
    // Read off the graph itself, not from the cache the scan fills.
    let expected =
        Structure.postOrder [ e ]
        |> Array.choose (fun n ->
            match n.Node with
            | Symbol s -> Some s
            | _ -> None)
        |> Array.distinct
        |> Array.sortWith Order.naturalCompare

    let found =
        Structure.freeSymbols e
        |> Array.map (fun n ->
            match n.Node with
            | Symbol s -> s
            | _ -> "?")

    (found = expected)
    |> Prop.label (sprintf "%s: found %A, expected %A" (Infix.format e) found expected)
