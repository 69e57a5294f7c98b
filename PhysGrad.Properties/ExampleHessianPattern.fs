module PhysGrad.Properties.ExampleHessianPattern

// Issue 14 ("real simulators at scale", trial 23): newton is refused (or accepted) for a reference example
// before the example is traced, from the Hessian's pattern as the example's structure gives it
// (ReferenceStructure: bands and diamonds of radius 2 × 4 heat steps, tridiagonal Rosenbrock, dense
// oscillators and Poisson) and, above newton's factor limits by the count alone, from lower bounds on the
// factor (Newton.LeastFactor). Sound only if the predicted pattern is the traced one at every size, and if
// the bounds are bounds: both checked here, and the early refusal is checked to be the traced run's refusal.

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

// Sizes from the smallest each example takes to past the reach of its Hessian (17 cells: a 1-D band or a 2-D
// diamond of radius 8 no longer wraps onto itself), so both the wrapped and the unwrapped patterns are drawn.
let private sizes =
    [ "rosenbrock", 2, 30; "heat1d", 3, 30; "heat1d-dirichlet", 3, 30; "heat1d-inverse", 3, 30
      "heat2d", 3, 20; "poisson2d", 2, 6; "oscillators", 4, 12 ]

let private exampleAt =
    gen {
        let! name, lo, hi = Gen.elements sizes
        let! n = Gen.choose (lo, hi)
        return name, n
    }

let private traced name n =
    ReferenceProblems.Create(name, Nullable n, defaultComparison = false).Compiled.SparseHessianPattern()

[<Property(MaxTest = 40)>]
let ``the Hessian's pattern known from an example's structure is the traced example's, and so is its count`` () =
    Prop.forAll (Arb.fromGen exampleAt) (fun (name, n) ->
        let predicted = ReferenceStructure.HessianPattern(name, n)
        let actual = traced name n
        (predicted.SameAs actual |> Prop.label (sprintf "predicted %O, traced %O" predicted actual))
        .&. ((ReferenceStructure.NonZeros(name, n) = int64 actual.NonZeroCount)
             |> Prop.label (sprintf "counted %d, traced %d" (ReferenceStructure.NonZeros(name, n)) actual.NonZeroCount))
        |> Prop.label (sprintf "%s at n = %d" name n))

// The count without the pattern at sizes too large to trace in a test (heat2d to 80 × 80, the 1-D examples to
// 2,000 cells): the count alone decides newton's refusal above its limits, so it must be the pattern's.
[<Property(MaxTest = 30)>]
let ``the nonzeros counted without forming the pattern are the pattern's at larger sizes`` () =
    let larger =
        gen {
            let! name, hi = Gen.elements [ "heat1d", 2000; "heat1d-dirichlet", 2000; "rosenbrock", 2000; "heat2d", 80; "oscillators", 300 ]
            let! n = Gen.choose (4, hi)
            return name, n
        }
    Prop.forAll (Arb.fromGen larger) (fun (name, n) ->
        let counted = ReferenceStructure.NonZeros(name, n)
        let formed = ReferenceStructure.HessianPattern(name, n).NonZeroCount
        counted = int64 formed |> Prop.label (sprintf "%s at n = %d: counted %d, formed %d" name n counted formed))

/// A random symmetric pattern of n variables (both triangles), its diagonal kept or not.
let private symmetricPattern =
    gen {
        let! n = Gen.choose (1, 40)
        let! density = Gen.choose (0, 100)
        let! keepDiagonal = Gen.elements [ true; false ]
        let! draws = Gen.arrayOfLength (n * n) (Gen.choose (0, 99))
        let on i j = if i = j then keepDiagonal else draws.[min i j * n + max i j] < density
        let rows = Array.init n (fun i -> [| for j in 0 .. n - 1 do if on i j then j |])
        let pointers = Array.scan (fun a (r: int[]) -> a + r.Length) 0 rows
        return SparsityPattern(n, n, pointers, Array.concat rows)
    }

[<Property(MaxTest = 200)>]
let ``the factor's lower bounds from the count alone are below the ordered factor's values and work`` () =
    Prop.forAll (Arb.fromGen symmetricPattern) (fun p ->
        let struct (values, work, _) = Newton.Factor p
        let struct (leastValues, leastWork) = Newton.LeastFactor(p.Rows, int64 p.NonZeroCount)
        (float values >= leastValues |> Prop.label (sprintf "values %d, bound %g" values leastValues))
        .&. (work >= leastWork |> Prop.label (sprintf "work %g, bound %g" work leastWork))
        |> Prop.label (sprintf "n = %d, %d nonzeros" p.Rows p.NonZeroCount))

let private newton = MethodSpec(Method.Newton, 1.0)

let private early side = ReferenceProblems.ApplicabilityOf("heat2d", Nullable side, newton)

[<Fact>]
let ``heat2d: the first side newton refuses, refused before tracing with the traced run's words, and the side below accepted`` () =
    // The sparse form starts above 2,000 variables (a side of 45); the refusal's work grows as side⁴.
    let first = Seq.initInfinite ((+) 45) |> Seq.find (fun s -> not (early s).IsApplicable)
    Assert.True(first > 45 && first < 100, $"the first refused side is {first}")
    let reason = (early first).Reason
    Assert.Contains("after a reverse Cuthill–McKee ordering", reason)
    let init side =
        let problem = ReferenceProblems.Create("heat2d", Nullable side, defaultComparison = false).Compiled
        (Newton 1.0 :> IUpdateRule).Init(problem, Array.zeroCreate problem.N)
    let e = Assert.Throws<SymbolicException>(fun () -> init first |> ignore)
    Assert.Equal(ErrorKind.TooLarge, e.Kind)
    Assert.Equal(e.Message, reason)
    // One side less is taken both ways: its factor is within the limits, and a run starts.
    Assert.True((early (first - 1)).IsApplicable, (early (first - 1)).Reason)
    Assert.NotNull(init (first - 1))

[<Fact>]
let ``above the limits by the count alone the pattern is not formed, and the refusal says the bounds`` () =
    // heat2d at 500 × 500: 145 nonzeros a row, a lower triangle of 1.83·10⁷ values, over the 1.2·10⁷ allowed.
    let side = 500
    let n = side * side
    let nonZeros = ReferenceStructure.NonZeros("heat2d", side)
    Assert.Equal(145L * int64 n, nonZeros)
    let reason = (Newton 1.0).RefusalForHessian(n, nonZeros, fun () -> failwith "the pattern was formed")
    Assert.NotNull reason
    Assert.Contains("whatever the ordering", reason)
    Assert.Contains($"{nonZeros} nonzeros", reason)
    Assert.Contains("newton-cg", reason)
    // At 100 × 100 the count is within the bounds, so the pattern decides (and is formed).
    let mutable formed = false
    let at100 = (Newton 1.0).RefusalForHessian(10000, ReferenceStructure.NonZeros("heat2d", 100),
                                               fun () -> formed <- true; ReferenceStructure.HessianPattern("heat2d", 100))
    Assert.True(formed)
    Assert.Contains("after a reverse Cuthill–McKee ordering", at100)

[<Fact>]
let ``compare refuses newton on a large heat2d before tracing it, and the refusal is the run's`` () =
    let side = 70
    let reason = (early side).Reason
    Assert.NotNull reason
    let code, out, err = Cli.run [ "compare"; "--example"; "heat2d"; "--n"; string side; "--methods"; "newton"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), Guid.NewGuid().ToString("N")) ]
    Assert.True((code = 2), out + err)
    Assert.Contains(reason, (TestHelpers.unwrapped err))
    // 4,900 variables: the phase log would say "tracing the heat2d simulator" at once had it started.
    Assert.DoesNotContain("tracing", out + (TestHelpers.unwrapped err))
