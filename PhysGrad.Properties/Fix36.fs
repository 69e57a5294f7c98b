/// Round 36's faults from the closing trial of round 35, each checked as its kind.
module PhysGrad.Properties.Fix36

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open global.Xunit
open PhysGrad
open PhysGrad.Numerics

// ---- A Jacobian at an extreme scale is not an internal error ----
// compare on 1e200*x0; x1 asked MathNet for J's rank unscaled to decide whether the affine preimage is the only one;
// its SVD did not converge (entries of 1e160 and more) and the CLI said "internal error". Rank does not depend on the
// units of the rows or columns, so it is now taken after scaling each by a power of two.

/// A random m×n matrix (n ≤ m ≤ n + 2) of full column rank by construction: its first n rows are strictly diagonally
/// dominant (|aᵢᵢ| ≥ n + 1 > Σ|aᵢⱼ|, j ≠ i, so nonsingular), the others any small integers; then either each row (the
/// units of the outputs) or each column (the units of the variables) multiplied by 2ᵏ with k in [−960, 960], so
/// entries span about 10⁻²⁸⁹ to 10²⁸⁹ and stay normal doubles. (Scales on both sides at once can make the matrix
/// as ill-conditioned as a rank-deficient one under any one-pass equilibration; EquilibratedRank says so.)
type ScaledFullRank = { M: int; N: int; Entries: float[] }

let private scaledFullRank =
    gen {
        let! n = Gen.choose (1, 4)
        let! extra = Gen.choose (0, 2)
        let m = n + extra
        let! off = Gen.arrayOfLength (m * n) (Gen.choose (-1, 1))
        let! diagonal = Gen.arrayOfLength n (Gen.elements [ -1; 1 ] |> Gen.bind (fun s -> Gen.choose (n + 1, n + 3) |> Gen.map ((*) s)))
        let! byRows = Gen.elements [ true; false ]
        let! scales = Gen.arrayOfLength (if byRows then m else n) (Gen.choose (-960, 960))
        let entries =
            Array.init (m * n) (fun k ->
                let r, c = k / n, k % n
                let a = if r = c then float diagonal.[r] else float off.[k]
                Math.ScaleB(a, (if byRows then scales.[r] else scales.[c])))
        return { M = m; N = n; Entries = entries }
    }

type ScaledFullRankArb =
    static member Case() = Arb.fromGen scaledFullRank

[<Property(Arbitrary = [| typeof<ScaledFullRankArb> |], MaxTest = 300)>]
let ``a full-column-rank matrix has rank n whatever the scales of its rows, or of its columns`` (case: ScaledFullRank) =
    LinearAlgebra.EquilibratedRank(case.Entries, case.M, case.N) = Nullable case.N

[<Fact>]
let ``rows that differ only in scale are dependent, and a non-finite entry has no rank`` () =
    // Both rows are 2^k·[1, 2] in binary up to the parse's rounding of 1e±200, the same rounding in both columns.
    Assert.Equal(Nullable 1, LinearAlgebra.EquilibratedRank([| 1e200; 2e200; 1e-200; 2e-200 |], 2, 2))
    Assert.Equal(Nullable 2, LinearAlgebra.EquilibratedRank([| 1e200; 0.0; 0.0; 1.0 |], 2, 2))
    Assert.Equal(Nullable 0, LinearAlgebra.EquilibratedRank([| 0.0; 0.0 |], 1, 2))
    Assert.False(LinearAlgebra.EquilibratedRank([| 1.0; nan; 0.0; 1.0 |], 2, 2).HasValue)
    Assert.False(LinearAlgebra.EquilibratedRank([| 1.0; infinity; 0.0; 1.0 |], 2, 2).HasValue)

[<Theory>]
[<InlineData("1e200*x0; x1", 1e-200)>]
[<InlineData("1e300*x0; x1", 1e-300)>]
[<InlineData("x1; 1e-250*x0", 1e250)>]
let ``compare on a linear simulator with an extreme coefficient finds the only preimage, in the CLI and the API`` (simulator: string, x0: float) =
    let code, out, err = Cli.run [ "compare"; "--simulator"; simulator; "--target"; "1,1"; "--start"; "0,0"; "--iterations"; "3"; "--methods"; "ig,pg"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-fix36") ]
    Assert.DoesNotContain("internal error", err)
    Assert.True(code = 0 || code = 1, sprintf "exit %d: %s" code err)
    Assert.Contains("is the only preimage of y*", TestHelpers.unwrapped out)
    let problem = PhysicsProblem.FromText(simulator, [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    let comparison = problem.CompareMethods([| MethodSpec(Method.InverseGradient, 0.5) |], 3, false, null, true)
    let x = comparison.Target.X
    Assert.NotNull x
    // x* = (x0, 1) exactly up to the division's rounding.
    Assert.True(abs (x.[0] / x0 - 1.0) < 1e-12 && abs (x.[1] - 1.0) < 1e-12, sprintf "x* = %A" x)
