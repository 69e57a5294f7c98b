module PhysGrad.Properties.Limits

open System
open Xunit
open PhysGrad.Symbolic

let private nestedParens n = String('(', n) + "x" + String(')', n)

[<Fact>]
let ``text nested beyond the parser's limit is refused at the column where the limit is crossed`` () =
    let ex =
        Assert.ThrowsAny<ParseException>(fun () -> Parse.expression (nestedParens 10_000) |> ignore)

    Assert.Contains(sprintf "nested more than %d levels" Parse.MaxNesting, ex.Message)
    Assert.Equal(Parse.MaxNesting + 2, ex.Column)

[<Fact>]
let ``text nested up to the limit parses`` () =
    Assert.Equal("x", Infix.format (Parse.expression (nestedParens (Parse.MaxNesting - 1))))
    let chain = String.replicate 900 "sin(" + "x" + String(')', 900)
    let e = Parse.expression chain
    Assert.Equal(901, e.Height)
    Assert.Equal(chain, Infix.format e)

[<Fact>]
let ``a long power chain is refused, not a stack overflow`` () =
    let text = String.replicate 50_000 "x^" + "x"
    let ex = Assert.ThrowsAny<ParseException>(fun () -> Parse.expression text |> ignore)
    Assert.Contains("nested more than", ex.Message)

[<Fact>]
let ``expressions built 100000 deep evaluate, differentiate at the leaf, and print on a large stack`` () =
    let x = Expr.symbol "x"
    let mutable e = x

    for _ in 1..100_000 do
        e <- Expr.add (Expr.sin e) Expr.one

    Assert.Equal(200_001, e.Height)
    // Evaluation walks the graph iteratively.
    let v = Evaluate.at [| "x" |] [| 0.5 |] e
    let mutable expected = 0.5

    for _ in 1..100_000 do
        expected <- sin expected + 1.0

    Assert.Equal(expected, v, 12)
    // Printing recurses; it runs out of the test thread's stack and is retried on a large one.
    let text = Infix.format e
    Assert.StartsWith("sin(sin(sin(", text)
    Assert.EndsWith(") + 1) + 1", text)

// The intern table adds a node's slot before it knows the node's height: a node over the limit must leave no
// slot behind, or the same node asked for again would meet a slot without its handle instead of the error.
[<Fact>]
let ``a node nested beyond the limit is refused every time it is asked for, and the table still interns`` () =
    let mutable e = Expr.symbol "deepLeaf"

    for _ in 2..1_000_000 do
        e <- Expr.sin e

    Assert.Equal(1_000_000, e.Height)

    for _ in 1..2 do
        let ex = Assert.Throws<SymbolicException>(fun () -> Expr.cos e |> ignore)
        Assert.Equal(ErrorKind.TooDeep, ex.Kind)
        Assert.Contains("levels deep", ex.Message)

    // Within the limit the same shapes are still one node each.
    match e.Node with
    | Apply(Function.Sin, inner) -> Assert.Same(e, Expr.sin inner)
    | other -> failwithf "the top node is %A, not sin" other

[<Fact>]
let ``a sum of 200000 terms parses and differentiates in one pass`` () =
    let text = String.Join(" + ", Array.init 200_000 (fun i -> sprintf "x%d^2" i))
    let e = Parse.expression text
    // The sum, 200000 powers, 200000 symbols and the shared exponent 2.
    Assert.Equal(400_002, Structure.graphSize [ e ])
    let d = Calculus.derivative (Expr.symbol "x123456") e
    Assert.Equal("2*x123456", Infix.format d)

[<Fact>]
let ``printing an astronomically large tree is refused with the sizes`` () =
    // Each level doubles the tree: 80 levels are 2^80 tree nodes in a graph of ~160.
    let mutable e = Expr.symbol "x"

    for _ in 1..80 do
        e <- Expr.mul2 (Expr.sin e) (Expr.cos e)

    let ex = Assert.Throws<SymbolicException>(fun () -> Infix.format e |> ignore)
    Assert.Equal(ErrorKind.TooLarge, ex.Kind)
    Assert.True(Structure.graphSize [ e ] < 400)
