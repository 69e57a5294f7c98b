module PhysGrad.Properties.Matrices

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private e = Parse.expression

let private evalMatrix (names: string[]) (point: float[]) (m: Expr[,]) = Array2D.map (Evaluate.at names point) m

/// A random n×n matrix whose entries are small polynomials in a and b.
let private matrixOf n =
    let entry =
        Gen.frequency
            [ 3, Gen.choose (-3, 3) |> Gen.map Expr.ofInt
              2, Gen.elements [ "a"; "b"; "a*b"; "a + 1"; "b^2"; "2*a - b" ] |> Gen.map e ]

    gen {
        let! entries = Gen.arrayOfLength (n * n) entry
        return Array2D.init n n (fun i j -> entries.[i * n + j])
    }

/// Random n×n matrices as matrixOf, n from 1 to 6.
let private matrices: Arbitrary<Expr[,]> =
    Gen.choose (1, 6) |> Gen.bind matrixOf |> Arb.fromGen

/// Two random matrices of one size n from 1 to 6: drawn apart, they had one size about one time in six, and the
/// property discarded about 5 pairs per case (272 to 353 of 60 cases over 5 seeds), a third of FsCheck's budget.
let private samePairs: Arbitrary<Expr[,] * Expr[,]> =
    gen {
        let! n = Gen.choose (1, 6)
        let! a = matrixOf n
        let! b = matrixOf n
        return a, b
    }
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``the symbolic inverse times the matrix is the identity wherever the determinant is not zero`` () =
    Prop.forAll matrices (fun m ->
        let n = Array2D.length1 m
        let point = [| 0.7; -1.3 |]
        let names = [| "a"; "b" |]
        let det = Evaluate.at names point (Matrix.det m)

        try
            let inv = Matrix.inverse m

            abs det > 1e-6
            ==> lazy
                (let product = evalMatrix names point (Matrix.mul inv m)

                 seq {
                     for i in 0 .. n - 1 do
                         for j in 0 .. n - 1 do
                             yield abs (product.[i, j] - (if i = j then 1.0 else 0.0)) < 1e-9
                 }
                 |> Seq.forall id
                 |> Prop.label (sprintf "A = %A, det = %g, A⁻¹A = %A" (Array2D.map Infix.format m) det product))
        with :? SymbolicException as ex when ex.Kind = ErrorKind.Singular ->
            // Only a matrix whose determinant is identically zero may be refused.
            (abs det < 1e-12) |> Prop.label (sprintf "refused as singular but det = %g" det))

[<Property(MaxTest = 60)>]
let ``the determinant of a product is the product of determinants`` () =
    Prop.forAll samePairs (fun (a, b) ->
        let names = [| "a"; "b" |]
        let point = [| 0.3; 1.1 |]
        let value m = Evaluate.at names point (Matrix.det m)
        let lhs = value (Matrix.mul a b)
        let rhs = value a * value b
        abs (lhs - rhs) <= 1e-9 * (1.0 + abs rhs) |> Prop.label (sprintf "det(AB) = %g, det A · det B = %g" lhs rhs))

[<Fact>]
let ``a symbolically singular matrix is refused with a typed error`` () =
    let m = array2D [ [ e "x"; e "2*x" ]; [ e "y"; e "2*y" ] ]
    let ex = Assert.Throws<SymbolicException>(fun () -> Matrix.inverse m |> ignore)
    Assert.Equal(ErrorKind.Singular, ex.Kind)
    // det = x·2y − 2x·y = 0 identically: the message says so (and recommends no method: the caller knows
    // which methods the matrix serves).
    Assert.Contains("determinant simplifies to exactly 0", ex.Message)

[<Fact>]
let ``the inverse Jacobian of the book's example is diag(1, 1/(2 x1))`` () =
    let vars = [| Expr.symbol "x0"; Expr.symbol "x1" |]
    let inv = Matrix.inverseJacobian vars [| e "x0"; e "x1^2" |]
    Assert.Equal("1", Infix.format inv.[0, 0])
    Assert.Equal("0", Infix.format inv.[0, 1])
    Assert.Equal("0", Infix.format inv.[1, 0])
    Assert.Equal("1/(2*x1)", Infix.format inv.[1, 1])

[<Fact>]
let ``a non-square Jacobian has no inverse and the error suggests Gauss-Newton`` () =
    let ex =
        Assert.Throws<SymbolicException>(fun () ->
            Matrix.inverseJacobian [| Expr.symbol "x" |] [| e "x"; e "x^2" |] |> ignore)

    Assert.Equal(ErrorKind.Shape, ex.Kind)
    Assert.Contains("Gauss–Newton", ex.Message)

[<Fact>]
let ``solve returns x with A x = b`` () =
    let a = array2D [ [ e "2"; e "1" ]; [ e "1"; e "3" ] ]
    let x = Matrix.solve a [| e "3"; e "5" |]
    Assert.Equal("4/5", Infix.format x.[0])
    Assert.Equal("7/5", Infix.format x.[1])

[<Fact>]
let ``transpose and products have the right shapes`` () =
    let a = array2D [ [ e "1"; e "2"; e "3" ] ]
    let t = Matrix.transpose a
    Assert.Equal(3, Array2D.length1 t)
    Assert.Equal("14", Infix.format (Matrix.mul a t).[0, 0])
    Assert.Equal(ErrorKind.Shape, Assert.Throws<SymbolicException>(fun () -> Matrix.mul a a |> ignore).Kind)

[<Fact>]
let ``above the cofactor limit elimination inverts a numeric matrix exactly`` () =
    let n = Matrix.CofactorLimit + 2
    // A tridiagonal matrix with 2 on the diagonal and −1 beside it (the 1-D Laplacian).
    let m =
        Array2D.init n n (fun i j ->
            if i = j then Expr.two
            elif abs (i - j) = 1 then Expr.minusOne
            else Expr.zero)

    let product = Matrix.mul (Matrix.inverse m) m

    for i in 0 .. n - 1 do
        for j in 0 .. n - 1 do
            Assert.Equal((if i = j then "1" else "0"), Infix.format product.[i, j])

    Assert.Equal(string (n + 1), Infix.format (Matrix.det m))
