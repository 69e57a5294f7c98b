/// The two-term fast paths of the constructors (Expr.add, Expr.sub, Expr.neg, Expr.mul2 and `Expr.sum`
/// of a two-element array or list) skip the general sum's and product's tables when nothing merges.
/// They must build the very node the general paths build: expressions are hash-consed, so a different
/// node for the same sum would break reference equality and every canonical form after it.
module PhysGrad.Properties.TwoTermPaths

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

/// A sequence that is neither an array nor a list, so `Expr.sum` takes its general path.
let private lazily (xs: Expr list) : seq<Expr> = Seq.delay (fun () -> xs :> seq<Expr>)

let private sumAll xs = Expr.sum (lazily xs)
let private mulAll xs = Expr.mul (lazily xs)

/// The tree built with every sum and product through the general paths (the fast paths are used by
/// `toExpr` through Expr.add, Expr.sub, Expr.mul2 and Expr.neg).
let rec private general (t: Term) : Expr =
    match t with
    | Add(a, b) -> sumAll [ general a; general b ]
    | Sub(a, b) -> sumAll [ general a; mulAll [ Expr.minusOne; general b ] ]
    | Mul(a, b) -> mulAll [ general a; general b ]
    | Neg a -> mulAll [ Expr.minusOne; general a ]
    | Div(a, b) -> Expr.div (general a) (general b)
    | IntPow(a, k) -> Expr.pow (general a) (Expr.ofInt k)
    | Sqrt a -> Expr.sqrt (general a)
    | Pow(a, b) -> Expr.pow (general a) (general b)
    | Fn(f, a) -> Expr.apply f (general a)
    | Atan2(a, b) -> Expr.atan2 (general a) (general b)
    | leaf -> toExpr leaf

let private outcome (build: unit -> Expr) =
    try
        Ok(build ())
    with :? SymbolicException as e ->
        Error e.Kind

[<Property(MaxTest = 500, EndSize = 12)>]
let ``the two-term paths build the same node as the general sum and product`` () =
    Prop.forAll terms (fun t ->
        let fast = outcome (fun () -> toExpr t)
        let slow = outcome (fun () -> general t)

        let same =
            match fast, slow with
            | Ok a, Ok b -> obj.ReferenceEquals(a, b)
            | Error k, Error l -> k = l
            | _ -> false

        let show r =
            match r with
            | Ok e -> Infix.format e
            | Error k -> string k

        same |> Prop.label (sprintf "%O: fast %s, general %s" t (show fast) (show slow)))

/// Pairs of terms that reach the fast paths themselves (plain terms with and without coefficients,
/// numbers, like and unlike terms), combined at the top by each two-term constructor.
[<Property(MaxTest = 500)>]
let ``each two-term constructor agrees with the general path on monomials`` () =
    let x, y, z = Expr.symbol "x", Expr.symbol "y", Expr.symbol "z"

    let coefficient =
        Gen.elements
            [ Expr.one
              Expr.two
              Expr.minusOne
              Expr.fraction 1 2
              Expr.fraction (-3) 2
              Expr.real 0.5
              Expr.real 1.0
              Expr.real (-2.0)
              Expr.zero
              Expr.real 0.0 ]

    let factor =
        Gen.elements [ x; y; z; Expr.pow x Expr.two; Expr.sqrt y; Expr.exp z; Expr.sin x; Expr.add x Expr.one ]

    let monomial =
        gen {
            let! c = coefficient
            let! k = Gen.choose (0, 3)
            let! fs = Gen.listOfLength k factor
            return mulAll (c :: fs)
        }

    let pair = Gen.zip monomial monomial |> Arb.fromGen

    Prop.forAll pair (fun (a, b) ->
        let checks =
            [ "add", outcome (fun () -> Expr.add a b), outcome (fun () -> sumAll [ a; b ])
              "sum of an array", outcome (fun () -> Expr.sum ([| a; b |] :> seq<Expr>)), outcome (fun () -> sumAll [ a; b ])
              "sub", outcome (fun () -> Expr.sub a b), outcome (fun () -> sumAll [ a; mulAll [ Expr.minusOne; b ] ])
              "mul2", outcome (fun () -> Expr.mul2 a b), outcome (fun () -> mulAll [ a; b ])
              "neg", outcome (fun () -> Expr.neg a), outcome (fun () -> mulAll [ Expr.minusOne; a ]) ]

        let wrong =
            checks
            |> List.filter (fun (_, f, g) ->
                match f, g with
                | Ok p, Ok q -> not (obj.ReferenceEquals(p, q))
                | Error k, Error l -> k <> l
                | _ -> true)
            |> List.map (fun (name, _, _) -> name)

        List.isEmpty wrong
        |> Prop.label (sprintf "%s and %s: %A differ" (Infix.format a) (Infix.format b) wrong))

let private nodeOf (e: Expr) = e.Node

[<Fact>]
let ``two-term sums and coefficient products have their canonical forms`` () =
    let x, y = Expr.symbol "x", Expr.symbol "y"
    let num (q: int) = Expr.ofInt q
    // x + 2y: two unlike terms, in canonical order (symbols by name: x before y), whichever comes first.
    let twoY = Expr.mul2 (num 2) y

    match nodeOf (Expr.add twoY x) with
    | Sum [| a; b |] -> Assert.True(obj.ReferenceEquals(a, x) && obj.ReferenceEquals(b, twoY))
    | _ -> failwith "x + 2y is not a sum of two terms"

    Assert.Same(Expr.add twoY x, Expr.add x twoY)
    // 3 + x: numbers come first in the canonical order.
    match nodeOf (Expr.add x (num 3)) with
    | Sum [| a; b |] -> Assert.True(obj.ReferenceEquals(a, num 3) && obj.ReferenceEquals(b, x))
    | _ -> failwith "x + 3 is not a sum of two terms"
    // Adding 0 or 0.0 leaves the term (the general sum drops a zero constant).
    Assert.Same(x, Expr.add x Expr.zero)
    Assert.Same(x, Expr.add (Expr.real 0.0) x)
    // Like terms merge: x − x = 0, 2xy + 3xy = 5xy (the non-numeric part x·y has two factors).
    Assert.Same(Expr.zero, Expr.sub x x)
    let xy = Expr.mul2 x y
    Assert.Same(Expr.mul2 (num 5) xy, Expr.add (Expr.mul2 (num 2) xy) (Expr.mul2 (num 3) xy))
    // Unlike terms stay: x + x·y has two terms.
    match nodeOf (Expr.add x xy) with
    | Sum ts -> Assert.Equal(2, ts.Length)
    | _ -> failwith "x + xy is not a sum"
    // 10·(−x²) = −10·x²: the coefficients fold, the power stays.
    let x2 = Expr.pow x Expr.two

    match nodeOf (Expr.mul2 (num 10) (Expr.neg x2)) with
    | Product [| c; f |] -> Assert.True(obj.ReferenceEquals(c, num (-10)) && obj.ReferenceEquals(f, x2))
    | _ -> failwith "10·(−x²) is not a product of two factors"
    // (1/2)·(2x) = x: an exact coefficient 1 disappears; 0.5·(2x) = 1.0·x keeps its floating 1.0.
    Assert.Same(x, Expr.mul2 (Expr.fraction 1 2) (Expr.mul2 (num 2) x))

    match nodeOf (Expr.mul2 (Expr.real 0.5) (Expr.mul2 (num 2) x)) with
    | Product [| c; f |] -> Assert.True(obj.ReferenceEquals(c, Expr.real 1.0) && obj.ReferenceEquals(f, x))
    | _ -> failwith "0.5·(2x) is not 1.0·x"
    // 0·(2x) = 0 and 0.0·(2x) = 0.0.
    Assert.Same(Expr.zero, Expr.mul2 Expr.zero (Expr.mul2 (num 2) x))
    Assert.Same(Expr.real 0.0, Expr.mul2 (Expr.real 0.0) (Expr.mul2 (num 2) x))
