module PhysGrad.Properties.LinearAlgebraTests

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics

/// Random diagonally dominant (so well-conditioned) systems of 1 to 12 unknowns: both the stack
/// solver (n ≤ 8) and MathNet's LU (n > 8).
let private systems: Arbitrary<int * double[] * double[]> =
    gen {
        let! n = Gen.choose (1, 12)
        let! entries = Gen.arrayOfLength (n * n) (Gen.choose (-100, 100) |> Gen.map (fun k -> float k / 10.0))
        let! rhs = Gen.arrayOfLength n (Gen.choose (-100, 100) |> Gen.map float)
        let a = Array.copy entries

        for i in 0 .. n - 1 do
            let row = Seq.sum (seq { for j in 0 .. n - 1 -> abs a.[i * n + j] })
            a.[i * n + i] <- row + 1.0

        return n, a, rhs
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``solve gives x with a small residual A x − b`` () =
    Prop.forAll systems (fun (n, a, b) ->
        let x = Array.zeroCreate n
        let r = LinearAlgebra.Solve(ReadOnlySpan a, ReadOnlySpan b, Span x)

        let residual =
            Seq.init n (fun i -> abs (Seq.sum (seq { for j in 0 .. n - 1 -> a.[i * n + j] * x.[j] }) - b.[i]))
            |> Seq.max

        (r.Ok
         && residual <= 1e-10 * (1.0 + (b |> Array.map abs |> Array.max))
         && r.Condition >= 1.0)
        |> Prop.label (sprintf "n = %d: %O, residual %g" n r residual))

[<Theory>]
[<InlineData(2)>]
[<InlineData(10)>]
let ``a singular system is reported with its condition, not as NaN`` (n: int) =
    // Two equal rows.
    let a =
        Array.init (n * n) (fun k -> float (k % n + 1) + (if k / n = 1 then 0.0 else float (k / n) * float (k % n)))

    for j in 0 .. n - 1 do
        a.[n + j] <- a.[j]

    let x = Array.zeroCreate n

    let r =
        LinearAlgebra.Solve(ReadOnlySpan a, ReadOnlySpan(Array.create n 1.0), Span x)

    Assert.Equal(SolveStatus.Singular, r.Status)
    Assert.True(r.Condition >= LinearAlgebra.MaxCondition, sprintf "condition %g" r.Condition)
    Assert.Contains("singular", r.ToString())

[<Fact>]
let ``a non-finite input is reported as such`` () =
    let x = Array.zeroCreate 2

    let r =
        LinearAlgebra.Solve(ReadOnlySpan [| 1.0; 0.0; 0.0; nan |], ReadOnlySpan [| 1.0; 1.0 |], Span x)

    Assert.Equal(SolveStatus.NonFinite, r.Status)

[<Fact>]
let ``Cholesky solves a positive definite system and refuses an indefinite one`` () =
    let x = Array.zeroCreate 2
    Assert.True((LinearAlgebra.SolvePositiveDefinite(array2D [ [ 4.0; 1.0 ]; [ 1.0; 3.0 ] ], [| 1.0; 2.0 |], x)).Ok)
    Assert.Equal(1.0 / 11.0, x.[0], 12)
    Assert.Equal(7.0 / 11.0, x.[1], 12)

    let r =
        LinearAlgebra.SolvePositiveDefinite(array2D [ [ 1.0; 2.0 ]; [ 2.0; 1.0 ] ], [| 1.0; 1.0 |], x)

    Assert.Equal(SolveStatus.Singular, r.Status)

let private jacobians: Arbitrary<double[,] * double[]> =
    gen {
        let! m = Gen.choose (1, 5)
        let! n = Gen.choose (1, m) // full column rank is likely with m ≥ n
        let! entries = Gen.arrayOfLength (m * n) (Gen.choose (-50, 50) |> Gen.map (fun k -> float k / 10.0))
        let! g = Gen.arrayOfLength m (Gen.choose (-50, 50) |> Gen.map (fun k -> float k / 10.0))
        return Array2D.init m n (fun i j -> entries.[i * n + j]), g
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``the exponent family: κ = 1 is Jᵀg and κ = −1 is the least-squares solution`` () =
    Prop.forAll jacobians (fun (j, g) ->
        let m, n = Array2D.length1 j, Array2D.length2 j
        let viaSvd = Array.zeroCreate n
        let kept = LinearAlgebra.SpectralProduct(j, g, 1.0, 0.0, viaSvd)

        let jtg =
            Array.init n (fun c -> Seq.sum (seq { for i in 0 .. m - 1 -> j.[i, c] * g.[i] }))

        let gdOk = Array.forall2 (fun a b -> abs (a - b) <= 1e-9 * (1.0 + abs b)) viaSvd jtg
        let pinv = Array.zeroCreate n
        let keptAll = LinearAlgebra.SpectralProduct(j, g, -1.0, 1e-12, pinv)
        let ls = Array.zeroCreate n
        let r = LinearAlgebra.LeastSquares(j, g, ls)

        let gnOk =
            not r.Ok
            || r.Condition > 1e6
            || keptAll < n
            || Array.forall2 (fun a b -> abs (a - b) <= 1e-7 * (1.0 + abs b)) pinv ls

        (gdOk && gnOk && kept <= n)
        |> Prop.label (sprintf "J = %A, g = %A: %A vs %A; %A vs %A" j g viaSvd jtg pinv ls))

[<Fact>]
let ``HIG on the linear check drops the truncated direction and scales the others by σ^κ`` () =
    // docs/theory.md §4: J = diag(1, 0.25, 1e−4), τ = 1e−3, κ = −½.
    let j = array2D [ [ 1.0; 0.0; 0.0 ]; [ 0.0; 0.25; 0.0 ]; [ 0.0; 0.0; 1e-4 ] ]
    let step = Array.zeroCreate 3
    let kept = LinearAlgebra.SpectralProduct(j, [| 1.0; 1.0; 1.0 |], -0.5, 1e-3, step)
    Assert.Equal(2, kept)
    Assert.Equal(1.0, step.[0], 12)
    Assert.Equal(2.0, step.[1], 12) // 0.25^(−1/2)
    Assert.Equal(0.0, step.[2])

[<Property(MaxTest = 100)>]
let ``the workspace solver agrees with the default one for every size`` () =
    Prop.forAll systems (fun (n, a, b) ->
        let x1 = Array.zeroCreate n
        let x2 = Array.zeroCreate n
        let r1 = LinearAlgebra.Solve(ReadOnlySpan a, ReadOnlySpan b, Span x1)

        let r2 =
            LinearAlgebra.Solve(ReadOnlySpan a, ReadOnlySpan b, Span x2, Span(Array.zeroCreate (n * n)))

        (r1.Ok
         && r2.Ok
         && Array.forall2 (fun (u: float) v -> abs (u - v) <= 1e-10 * (1.0 + abs u)) x1 x2)
        |> Prop.label (sprintf "n = %d: %A vs %A" n x1 x2))

[<Fact>]
let ``the positive-definiteness test accepts SPD matrices and refuses indefinite, singular and nearly singular ones`` () =
    let test (a: float[]) n =
        LinearAlgebra.IsClearlyPositiveDefinite(ReadOnlySpan a, n, Span(Array.zeroCreate (n * n)), 1e-6)
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3.
    Assert.True(test [| 2.0; 1.0; 1.0; 2.0 |] 2)
    // [[1, 2], [2, 1]]: eigenvalues −1 and 3 (indefinite).
    Assert.False(test [| 1.0; 2.0; 2.0; 1.0 |] 2)
    // [[1, 1], [1, 1]]: eigenvalues 0 and 2 (singular); the second pivot is 0.
    Assert.False(test [| 1.0; 1.0; 1.0; 1.0 |] 2)
    // [[1, 1 − 1e-9], [1 − 1e-9, 1]]: second pivot 1 − (1 − 1e-9)² ≈ 2e-9, below 1e-6 of the diagonal.
    Assert.False(test [| 1.0; 1.0 - 1e-9; 1.0 - 1e-9; 1.0 |] 2)
    // Only the symmetric part counts: [[2, 3], [−1, 2]] has symmetric part [[2, 1], [1, 2]].
    Assert.True(test [| 2.0; 3.0; -1.0; 2.0 |] 2)
    // diag(1, −1, 1): the second pivot is negative.
    Assert.False(test [| 1.0; 0.0; 0.0; 0.0; -1.0; 0.0; 0.0; 0.0; 1.0 |] 3)
