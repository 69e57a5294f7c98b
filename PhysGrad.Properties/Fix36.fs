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

// ---- Round 35's trial: what a first hour still met ----

let private out36 = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-fix36")

[<Fact>]
let ``derive says it does not use --target beside a loss, as it says of --start`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x0"; "--loss"; "(y0 - 1)^2"; "--target"; "2"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.Contains("Δx0 = -2*eta*(x0 - 1)", out)
    Assert.Contains("--target is not used by derive when a loss is given", TestHelpers.unwrapped err)
    // Without a loss the target is the rules' y*: no note.
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x0"; "--target"; "2"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.Contains("Δx0 = -eta*(x0 - 2)", out)
    Assert.DoesNotContain("--target is not used", err)

// A start one value short of the names read from the simulator, none of which looks like a constant by its name
// (a, b, g rather than k beside x0): one of them is a constant all the same, and every entry point says how to give it.
[<Fact>]
let ``a start short of the inferred variables says how to give the constants, in the CLI, a problem file and the API`` () =
    let code, _, err = Cli.run [ "compare"; "--simulator"; "g*a; b^3"; "--target"; "1,2"; "--start"; "1,1"; "--out"; out36 ]
    Assert.Equal(2, code)
    let err = TestHelpers.unwrapped err
    Assert.Contains("if 1 of them is a constant, give it with --param (e.g. --param g=2), or name the variables with --vars (e.g. --vars a,b)", err)
    let file = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-fix36-abg.json")
    IO.File.WriteAllText(file, """{"simulator":["g*a","b^3"],"target":[1,2],"start":[1,1]}""")
    let code, _, err = Cli.run [ "compare"; "--problem"; file; "--out"; out36 ]
    Assert.Equal(2, code)
    Assert.Contains("""if 1 of them is a constant, list the variables in "variables" and give the constant's value in "parameters" (e.g. "variables": ["a", "b"], "parameters": {"g": 2})""",
                    TestHelpers.unwrapped err)
    let e = Assert.ThrowsAny<exn>(fun () -> PhysicsProblem.FromText("g*a; b^3", [| 1.0; 2.0 |], [| 1.0; 1.0 |]) |> ignore)
    Assert.Contains("if g is a constant", e.Message)
    // Two values short: two constants.
    let code, _, err = Cli.run [ "compare"; "--simulator"; "g*a + c; b^3"; "--target"; "1,2"; "--start"; "1,1"; "--out"; out36 ]
    Assert.Equal(2, code)
    Assert.Contains("if 2 of them are constants, give them with --param (e.g. --param c=2 --param g=3)", TestHelpers.unwrapped err)

[<Fact>]
let ``the API's message for a loss that uses a variable names no command-line option`` () =
    let e = Assert.ThrowsAny<exn>(fun () -> PhysicsProblem.FromText("x0^2", [| 1.0 |], [| 1.0 |], loss = "(y0 - 1)^2 + x0^2") |> ignore)
    Assert.Contains("add the component x0 to the simulator as y1", e.Message)
    Assert.DoesNotContain("--", e.Message)

[<Fact>]
let ``a run whose loss passed doubles is summarised by its carried value, as the table gives it`` () =
    // L = ½(10⁷⁸)⁴ = 5E+311 at the start: beyond doubles, while y and ∂L/∂x are finite.
    let problem = PhysicsProblem.FromText("x0^2", [| 0.0 |], [| 1e78 |])
    let run = problem.CompareMethods([| MethodSpec(Method.GradientDescent, 1e-200) |], 2).Results.[0]
    let text = run.Run.ToString()
    Assert.DoesNotContain("Infinity", text)
    Assert.Contains("loss 5E+311 after", text)

[<Fact>]
let ``one eigenvalue is said in the singular`` () =
    // Newton on a maximum of one variable: H = -2.
    let code, out, err = Cli.run [ "compare"; "--simulator"; "x0"; "--loss"; "-(y0 - 1)^2"; "--start"; "0"; "--methods"; "newton"; "--iterations"; "2"; "--out"; out36 ]
    let all = TestHelpers.unwrapped (out + err)
    Assert.Contains("(eigenvalue -2)", all)
    Assert.DoesNotContain("eigenvalues -2", all)
    ignore code

[<Theory>]
[<InlineData("--target", "1", "2", "--target was given 2 times: give it once; for several values write one comma-separated list, e.g. --target 1,2.")>]
[<InlineData("--iterations", "3", "4", "--iterations was given 2 times: give it once (given '3', '4').")>]
let ``an option given twice is refused with the form that works`` (name: string, first: string, second: string, expected: string) =
    let args = [ "compare"; "--simulator"; "x0"; "--target"; "1"; "--start"; "0"; "--out"; out36 ]
    let args =
        if name = "--target" then [ "compare"; "--simulator"; "x0"; "--start"; "0"; name; first; name; second; "--out"; out36 ]
        else args @ [ name; first; name; second ]
    let code, _, err = Cli.run args
    Assert.Equal(2, code)
    Assert.Contains(expected, TestHelpers.unwrapped err)

[<Fact>]
let ``a run without --start and --target is told both at once, and a NaN target is not told to be a name`` () =
    let code, _, err = Cli.run [ "compare"; "--simulator"; "x0; x1^2" ]
    Assert.Equal(2, code)
    Assert.Contains("--simulator needs --start (one value per variable) and --target (one value per output), or a --loss of its own in place of --target (e.g. --start 1,1 --target 0,0)",
                    TestHelpers.unwrapped err)
    let code, _, err = Cli.run [ "compare"; "--simulator"; "x0"; "--start"; "0"; "--target"; "nan"; "--out"; out36 ]
    Assert.Equal(2, code)
    Assert.Contains("give a finite number (or a name such as a, for symbolic rules)", TestHelpers.unwrapped err)

[<Fact>]
let ``a start short of names that all have the variables' form is told the count alone`` () =
    // x0 and x1 are variables by their form: no constant is suggested.
    let e = Assert.ThrowsAny<exn>(fun () -> PhysicsProblem.FromText("x1*x0", [| 1.0 |], [| 0.0 |]) |> ignore)
    Assert.DoesNotContain("constant", e.Message)
    let code, _, err = Cli.run [ "compare"; "--simulator"; "x1*x0"; "--target"; "1"; "--start"; "0"; "--out"; out36 ]
    Assert.Equal(2, code)
    Assert.DoesNotContain("constant", err)
