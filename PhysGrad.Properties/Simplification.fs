module PhysGrad.Properties.Simplification

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

[<Property(MaxTest = 400, EndSize = 12)>]
let ``automatic simplification never changes a value where the input is defined`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let struct (expected, scale) = naive p t

        (finite expected && scale < 1e8)
        ==> lazy
            (let e = toExpr t
             let actual = evalAt p e

             close 1e-9 scale expected actual
             |> Prop.label (sprintf "%O simplified to %s: %g vs %g at %A" t (Infix.format e) expected actual p)))

[<Property(MaxTest = 200, EndSize = 10)>]
let ``heavier simplification never changes a value where the input is defined`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let struct (expected, scale) = naive p t

        (finite expected && scale < 1e6)
        ==> lazy
            (let s = Simplify.simplifyWith 2000 (toExpr t)
             let actual = evalAt p s

             close 1e-8 scale expected actual
             |> Prop.label (sprintf "%O simplified to %s: %g vs %g at %A" t (Infix.format s) expected actual p)))

[<Property(MaxTest = 200, EndSize = 10)>]
let ``heavier simplification never makes an expression larger`` () =
    Prop.forAll terms (fun t ->
        let e = toExpr t
        Structure.treeSize (Simplify.simplifyWith 2000 e) <= Structure.treeSize e)

let private p = Parse.expression

let private same (a: string) (b: string) =
    Assert.True(obj.ReferenceEquals(p a, p b), sprintf "%s should equal %s but is %s" a b (Infix.format (p a)))

let private different (a: string) (b: string) =
    Assert.False(obj.ReferenceEquals(p a, p b), sprintf "%s must not simplify to %s" a b)

[<Theory>]
[<InlineData("x + y", "y + x")>]
[<InlineData("2*x + 3*x", "5*x")>]
[<InlineData("x*x^2", "x^3")>]
[<InlineData("x - x", "0")>]
[<InlineData("x/x", "1")>]
[<InlineData("0*x", "0")>]
[<InlineData("1*x + 0", "x")>]
[<InlineData("(x^2)^3", "x^6")>]
[<InlineData("(x*y)^2", "x^2*y^2")>]
[<InlineData("sqrt(x)^2", "x")>]
[<InlineData("exp(log(x))", "x")>]
[<InlineData("log(exp(x))", "x")>]
[<InlineData("e^x", "exp(x)")>]
[<InlineData("(x + (y + z))", "(x + y) + z")>]
[<InlineData("2^10", "1024")>]
[<InlineData("4^(1/2)", "2")>]
[<InlineData("(8/27)^(2/3)", "4/9")>]
[<InlineData("1/2 + 1/3", "5/6")>]
[<InlineData("sin(0) + cos(0)", "1")>]
[<InlineData("0.5 + 0.25", "0.75")>]
[<InlineData("sqrt(z)^(-1)*z^(-1/2)", "1/z")>]
[<InlineData("0^(0.0*x)", "1.0")>] // a floating zero exponent: x^0.0 = 1.0, zero base included // a merged power that moves to another base merges again
[<InlineData("sqrt(x*y)*sqrt(x*y)*x", "x^2*y")>]
let ``automatic simplification merges what is always equal`` (a: string, b: string) = same a b

[<Theory>]
[<InlineData("sqrt(x^2)", "x")>] // |x|, not x
[<InlineData("(x^2)^(1/2)", "x")>]
[<InlineData("log(x*y)", "log(x) + log(y)")>] // false for negative x and y
[<InlineData("(x^(1/2))^(1/2)", "x^(1/4)")>]
[<InlineData("(-8)^(1/3)", "-2")>] // not a real power in IEEE semantics
[<InlineData("2*(x + 1)", "2*x + 2")>] // no automatic expansion
let ``automatic simplification never makes an unsound or unasked rewrite`` (a: string, b: string) = different a b

[<Fact>]
let ``huge exact powers stay unevaluated`` () =
    let e = p "9^(9^9)"

    match e.Node with
    | Power(b, x) ->
        Assert.Equal("9", Infix.format b)
        Assert.Equal("387420489", Infix.format x)
    | _ -> failwithf "expected an unevaluated power, got %s" (Infix.format e)

[<Fact>]
let ``heavier simplification expands and applies the Pythagorean identity`` () =
    Assert.Equal("1", Infix.format (Simplify.simplify (p "(x + 1)^2 - x^2 - 2*x")))
    Assert.Equal("y + 3", Infix.format (Simplify.simplify (p "3*sin(x)^2 + 3*cos(x)^2 + y")))
    Assert.Equal("2", Infix.format (Simplify.simplify (p "2*cosh(x)^2 - 2*sinh(x)^2")))

[<Fact>]
let ``the simplification budget bounds expansion`` () =
    let big = p "(x + y + z + 1)^16"
    // 16 factors of 4 terms would expand to 969 terms; a budget of 100 must stop before that.
    Assert.True(obj.ReferenceEquals(big, Simplify.expand 100 big))
    Assert.False(obj.ReferenceEquals(big, Simplify.expand 1_000_000 big))

[<Fact>]
let ``dividing by an exact zero is a typed error`` () =
    let ex =
        Assert.Throws<SymbolicException>(fun () -> Expr.div Expr.one (p "x - x") |> ignore)

    Assert.Equal(ErrorKind.DivisionByZero, ex.Kind)
    Assert.Equal(ErrorKind.DivisionByZero, Assert.ThrowsAny<SymbolicException>(fun () -> p "0^(-1)" |> ignore).Kind)

/// The canonical-form invariants every node built by the smart constructors satisfies.
let private violations (e: Expr) =
    [ for n in Structure.postOrder [ e ] do
          match n.Node with
          | Sum ts ->
              if ts.Length < 2 then
                  yield sprintf "sum with %d terms" ts.Length

              if
                  ts
                  |> Array.exists (fun t ->
                      match t.Node with
                      | Sum _ -> true
                      | _ -> false)
              then
                  yield "sum in a sum"

              if (ts |> Array.filter Expr.isNumeric).Length > 1 then
                  yield "two constants in a sum"

              for i in 1 .. ts.Length - 1 do
                  if Order.compareExpr ts.[i - 1] ts.[i] >= 0 then
                      yield "sum terms out of order"
          | Product fs ->
              if fs.Length < 2 then
                  yield sprintf "product with %d factors" fs.Length

              if
                  fs
                  |> Array.exists (fun f ->
                      match f.Node with
                      | Product _ -> true
                      | _ -> false)
              then
                  yield sprintf "product in a product: %s" (Infix.format n)

              if fs |> Array.skip 1 |> Array.exists Expr.isNumeric then
                  yield "a constant after the first factor"

              if Expr.isOne fs.[0] || Expr.isZero fs.[0] then
                  yield "a factor 0 or 1"

              for i in 1 .. fs.Length - 1 do
                  if Order.compareExpr fs.[i - 1] fs.[i] >= 0 then
                      yield "factors out of order"
          | Power(_, x) when Expr.isOne x || Expr.isZero x -> yield "power with exponent 0 or 1"
          | _ -> () ]

[<Property(MaxTest = 300, EndSize = 12)>]
let ``every expression and derivative is in canonical form`` () =
    Prop.forAll terms (fun t ->
        let e = toExpr t

        let all =
            violations e
            @ (Calculus.gradient variables e |> Seq.collect violations |> List.ofSeq)

        List.isEmpty all |> Prop.label (sprintf "%s: %A" (Infix.format e) all))
