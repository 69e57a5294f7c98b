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

/// Doubles of three kinds: a decimal of 1 to 17 significant digits at a power of ten in −30 … 30 (read
/// by the parser as the nearest double), any positive normal double by its bits, and a computed quotient
/// a/b (most of them nearest to no short decimal). The short-decimal test must answer as the double's
/// shortest text does, inside the range its floating test covers and outside it.
let private doubles: Arbitrary<float> =
    let written =
        Gen.zip3 (Gen.choose (1, 17)) (Gen.choose (0, Int32.MaxValue)) (Gen.choose (-30, 30))
        |> Gen.map (fun (digits, seed, exponent) ->
            let m = (Random seed).NextInt64(1L, pown 10L (min digits 18))
            Double.Parse(sprintf "%de%d" m exponent, Globalization.CultureInfo.InvariantCulture))

    let bits =
        Gen.choose (0, Int32.MaxValue)
        |> Gen.map (fun seed -> BitConverter.Int64BitsToDouble((Random seed).NextInt64(0x0010000000000000L, 0x7FF0000000000000L)))

    let quotients =
        Gen.zip (Gen.choose (1, 100000)) (Gen.choose (1, 100000)) |> Gen.map (fun (a, b) -> float a / float b)

    Arb.fromGen (Gen.oneof [ written; bits; quotients ] |> Gen.map2 (fun negative x -> if negative then -x else x) (Gen.elements [ false; true ]))

type DoubleArb =
    static member Doubles() = doubles

[<Property(MaxTest = 3000, Arbitrary = [| typeof<DoubleArb> |])>]
let ``a double is a short decimal exactly when its shortest text has at most 15 digits, and reads as that text`` (x: float) =
    let struct (text, digits) = Rational.OfDecimalDigits x
    let short = digits <= Rational.DecimalDigits

    (Rational.IsShortDecimal x = short
     && Rational.TryOfShortDecimal x = (if short then ValueSome text else ValueNone))
    |> Prop.label (sprintf "%s: %d digits, IsShortDecimal %b, TryOfShortDecimal %A" (x.ToString "R") digits (Rational.IsShortDecimal x) (Rational.TryOfShortDecimal x))
