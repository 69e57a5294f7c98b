module PhysGrad.Properties.Scaling

open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// f(x) = Σ_{i<n−1} 100 (x_{i+1} − x_i²)² + (1 − x_i)², built term by term.
let rosenbrock (n: int) =
    let x = Array.init n (fun i -> Expr.symbol (sprintf "x%d" i))

    let terms =
        [ for i in 0 .. n - 2 ->
              Expr.add
                  (Expr.mul
                      [ Expr.ofInt 100
                        Expr.pow (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two)) Expr.two ])
                  (Expr.pow (Expr.sub Expr.one x.[i]) Expr.two) ]

    Expr.sum terms, x

let private hessianGraphSize n =
    let f, x = rosenbrock n
    let g = Calculus.gradient x f
    let h = Calculus.hessianOfGradient x g
    Structure.graphSize (Seq.append g (Seq.cast<Expr> h))

[<Property(MaxTest = 20)>]
let ``the Rosenbrock Hessian's graph grows linearly in n`` () =
    Prop.forAll (Gen.choose (3, 150) |> Arb.fromGen) (fun n ->
        // Linear growth: doubling n at most doubles the graph (plus a constant), and the size per
        // variable is bounded.
        let s1 = hessianGraphSize n
        let s2 = hessianGraphSize (2 * n)

        (s2 <= 2 * s1 + 20 && s1 <= 16 * n)
        |> Prop.label (sprintf "n = %d: %d nodes, 2n: %d nodes" n s1 s2))

[<Fact>]
let ``the Rosenbrock gradient matches the hand-written one`` () =
    let f, x = rosenbrock 4
    let g = Calculus.gradient x f
    let names = x |> Array.map Infix.format
    let p = [| 0.3; -1.2; 0.7; 2.0 |]

    let expected =
        Array.init 4 (fun i ->
            let left = if i > 0 then 200.0 * (p.[i] - p.[i - 1] ** 2.0) else 0.0

            let right =
                if i < 3 then
                    -400.0 * p.[i] * (p.[i + 1] - p.[i] ** 2.0) - 2.0 * (1.0 - p.[i])
                else
                    0.0

            left + right)

    let actual = Evaluate.manyAt names p g

    for i in 0..3 do
        Assert.Equal(expected.[i], actual.[i], 9)
