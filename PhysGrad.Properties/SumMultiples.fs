/// Like terms are collected in a sum also when they come out of numeric multiples of sums that are
/// distributed one after another, and also when the sum holds a constant without a real value
/// (acos(2), asin(3), log(−1), sqrt(−1)): such a constant is an opaque term, collected like any other.
/// Found by the power-printing property (CI replay 3449447283403432109,15057203029353003287,4): the base
/// y − 1 − (−3 − x) − (y + x − acos(2)) kept −(−x − 3) beside −x, and its printed text read back as
/// acos(2) + 2, a different node.
module PhysGrad.Properties.SumMultiples

open Xunit
open PhysGrad.Symbolic

let private x = Expr.symbol "x"
let private y = Expr.symbol "y"

/// The text parses back to the very node.
let private roundTrips (e: Expr) =
    let text = Infix.formatExact e
    Assert.True(obj.ReferenceEquals(Parse.expression text, e), sprintf "%s reads back as %s" text (Infix.formatExact (Parse.expression text)))

/// y − 1 − (−3 − x) − (y + x − k), built in the generator's order: −(−3 − x) meets nothing when it is
/// added, and only the −x that −(y + x − k) brings in cancels against it.
let private ciBase (k: Expr) =
    Expr.sub (Expr.sub (Expr.add y Expr.minusOne) (Expr.sub (Expr.ofInt -3) x)) (Expr.sub (Expr.add y x) k)

[<Theory>]
[<InlineData("acos(2)")>]
[<InlineData("asin(3)")>]
[<InlineData("log(-1)")>]
[<InlineData("sqrt(-1)")>]
[<InlineData("z")>]
[<InlineData("0")>]
let ``a multiple of a sum cancelled by terms another multiple brings in is collected, also beside a constant without a value``
    (k: string)
    =
    let k = Parse.expression k
    let b = ciBase k
    // x and y cancel, −1 + 3 = 2.
    let collected = Expr.add k (Expr.ofInt 2)
    Assert.True(obj.ReferenceEquals(collected, b), sprintf "built as %s" (Infix.formatExact b))
    roundTrips b
    roundTrips (Expr.pow b (Expr.ofInt -3))
    roundTrips (Expr.pow b (Expr.fraction -1 2))

[<Fact>]
let ``the collected sum does not depend on the order its terms and multiples come in`` () =
    let k = Parse.expression "acos(2)"
    let parts = [ Expr.add y Expr.minusOne; Expr.neg (Expr.sub (Expr.ofInt -3) x); Expr.neg (Expr.sub (Expr.add y x) k) ]
    let collected = Expr.add k (Expr.ofInt 2)

    let rec permutations xs =
        match xs with
        | [] -> [ [] ]
        | _ -> [ for a in xs do for rest in permutations (List.filter (fun b -> not (obj.ReferenceEquals(a, b))) xs) -> a :: rest ]

    for order in permutations parts do
        let folded = List.reduce Expr.add order
        let summed = Expr.sum order
        let shown = order |> List.map Infix.formatExact |> String.concat " ; "
        Assert.True(obj.ReferenceEquals(collected, folded), sprintf "%s added pairwise: %s" shown (Infix.formatExact folded))
        Assert.True(obj.ReferenceEquals(collected, summed), sprintf "%s summed at once: %s" shown (Infix.formatExact summed))

[<Theory>]
[<InlineData("acos(2) + x - x", "acos(2)")>]
[<InlineData("x - (x - acos(2))", "acos(2)")>]
[<InlineData("acos(2) + 2*(x + 1) - 2*x", "acos(2) + 2")>]
[<InlineData("log(-1) - (y - (x - (x - y)))", "log(-1)")>]
[<InlineData("-(x - asin(3)) - (y - x) + y", "asin(3)")>]
let ``a constant without a real value stays as a term and the like terms beside it are collected`` (text: string, collected: string) =
    let e = Parse.expression text
    Assert.True(obj.ReferenceEquals(Parse.expression collected, e), sprintf "%s read as %s" text (Infix.formatExact e))
    roundTrips e
