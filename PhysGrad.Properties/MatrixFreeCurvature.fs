/// The end-point classification above Curvature.MatrixFreeAbove variables (issue 14): Lanczos on
/// Hessian-vector products instead of a dense eigendecomposition. Its verdict must equal the dense
/// one on Hessians with a known spectrum, and a 10⁴-variable run that stops at a zero step must be
/// classified without the dense Hessian ever being asked for.
module PhysGrad.Properties.MatrixFreeCurvature

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules

/// The spectra tried: all positive (a strict minimum), some negative (a saddle), all negative (a
/// maximum), some exactly zero with the rest positive (a flat floor: a minimum that is not strict).
type Spectrum =
    | Positive
    | Indefinite of negatives: int
    | Negative
    | SingularPsd of zeros: int

/// H = Q diag(λ) Qᵀ with Q = P · blockdiag(Q', I): Q' a random orthogonal matrix on the coordinates of
/// the nonzero eigenvalues, the identity on those of the zero ones, P a random permutation. The zero
/// eigenvalues' space is then spanned by coordinate vectors, so H is exactly 0 along it and the probe
/// sees no rounding slope there (a rotated null space would carry slopes of ~10⁻¹⁶ ‖H‖ that count).
let private hessian (seed: int) (spectrum: Spectrum) n =
    let random = Random(seed)
    let zeros = match spectrum with SingularPsd z -> z | _ -> 0
    let negatives = match spectrum with Indefinite k -> k | Negative -> n | _ -> 0
    let values =
        Array.init n (fun i ->
            if i < zeros then 0.0
            elif i < zeros + negatives then -(1.0 + 9.0 * random.NextDouble())
            else 1.0 + 9.0 * random.NextDouble())
    let k = n - zeros
    let gaussian = Matrix<float>.Build.Dense(k, k, fun _ _ -> random.NextDouble() - 0.5)
    let q' = gaussian.QR().Q
    let q = Matrix<float>.Build.Dense(n, n)
    for i in 0 .. zeros - 1 do q.[i, i] <- 1.0
    q.SetSubMatrix(zeros, zeros, q')
    let permutation = Array.init n id |> Array.sortBy (fun _ -> random.Next())
    let p = Matrix<float>.Build.Dense(n, n, fun i j -> if permutation.[i] = j then 1.0 else 0.0)
    let pq = p * q
    let h = pq * Matrix<float>.Build.DiagonalOfDiagonalArray(values) * pq.Transpose()
    // Exactly symmetric, as a Hessian's formula gives it.
    (h + h.Transpose()) * 0.5

let private spectra =
    Gen.oneof [ Gen.constant Positive
                Gen.choose (1, 3) |> Gen.map Indefinite
                Gen.constant Negative
                Gen.choose (1, 3) |> Gen.map SingularPsd ]

/// Classifying 0 as a point of L = ½ xᵀHx (∇L = Hx): the matrix-free verdict equals the dense one,
/// and both equal the one the spectrum says (Nocedal & Wright §2.1; zero eigenvalues with the rest
/// positive and L constant along them: a minimum that is not strict).
[<Property(MaxTest = 8)>]
let ``matrix-free curvature gives the dense verdict on known spectra`` (seed: int) =
    Prop.forAll (Arb.fromGen spectra) (fun spectrum ->
        let n = Curvature.MatrixFreeAbove + 100
        let h = hessian seed spectrum n
        let x = Array.zeroCreate n
        let gradientAt (p: float[]) = (h * Vector<float>.Build.DenseOfArray p).ToArray()
        let dense = Curvature.Classify(x, ReadOnlySpan(h.ToRowMajorArray()), Func<_, _> gradientAt)
        let product = Action<float[], float[]>(fun v hv -> (h * Vector<float>.Build.DenseOfArray v).CopyTo(Vector<float>.Build.Dense(hv)))
        let free = Curvature.ClassifyMatrixFree(x, product, Func<_, _> gradientAt)
        let expected =
            match spectrum with
            | Positive | SingularPsd _ -> StationaryKind.Minimum
            | Indefinite _ -> StationaryKind.Saddle
            | Negative -> StationaryKind.Maximum
        (dense.Kind = expected && free.Kind = expected)
        |> Prop.label (sprintf "%A: dense %A (%s), matrix-free %A (%s)" spectrum dense.Kind dense.Detail free.Kind free.Detail))

/// L = ½ Σ dᵢ (xᵢ − 1)² with 10⁴ variables, answering H v and (counted) the dense Hessian. Started
/// at x = 1, ∇L = 0, so the run stops at once at a stationary point, which it must classify.
type private Diagonal(d: float[]) =
    let n = d.Length
    let value (x: float[]) = Array.fold2 (fun s di xi -> s + 0.5 * di * (xi - 1.0) ** 2.0) 0.0 d x
    let mutable denseRequests = 0
    let problem =
        TestHelpers.withoutOutputs n (Capabilities.Value ||| Capabilities.Gradient ||| Capabilities.HessianVector ||| Capabilities.Hessian)
            (fun x gradient ->
                for i in 0 .. n - 1 do gradient.[i] <- d.[i] * (x.[i] - 1.0)
                value x)
            (fun x v gradient hv ->
                for i in 0 .. n - 1 do
                    gradient.[i] <- d.[i] * (x.[i] - 1.0)
                    hv.[i] <- d.[i] * v.[i]
                value x)
            (fun _ _ _ ->
                denseRequests <- denseRequests + 1
                raise (NotSupportedException "the dense Hessian of a 10⁴-variable problem must not be asked for"))
    member _.DenseRequests = denseRequests
    member _.Problem = problem

/// d₀ = ½, d_{n−1} = 4 and the rest from 1 to 2 (a strict minimum: converged), and the same with
/// d₀ = −1 (a saddle: one negative eigenvalue, the rest positive), classified from H v products alone.
/// The extremes are isolated, so Lanczos finds them to rounding within its step limit (the error
/// falls like exp(−2k√γ) with the gap ratio γ ≥ 1/7 here; Golub & Van Loan §10.1.5).
[<Theory>]
[<InlineData(false)>]
[<InlineData(true)>]
let ``a zero step at 10^4 variables is classified without the dense Hessian`` (saddle: bool) =
    let n = 10000
    let d = Array.init n (fun i -> if i = 0 then (if saddle then -1.0 else 0.5) elif i = n - 1 then 4.0 else 1.0 + float i / float n)
    let problem = Diagonal(d)
    let run = Optimizer.Run(problem.Problem, StandardRules.For(Method.GradientDescent, 0.1), Array.create n 1.0, 10)
    Assert.Equal(0, problem.DenseRequests)
    let curvature = run.Exit.Curvature
    Assert.NotNull(curvature)
    if saddle then
        Assert.Equal(StopReason.StationaryNonMinimum, run.Exit.Reason)
        Assert.Equal(StationaryKind.Saddle, curvature.Kind)
        Assert.Equal(-1.0, curvature.Eigenvalues |> Array.min, 9)
    else
        Assert.Equal(StopReason.Converged, run.Exit.Reason)
        Assert.Equal(StationaryKind.Minimum, curvature.Kind)
        Assert.Equal(0.5, curvature.Eigenvalues |> Array.min, 9)
    // The extreme eigenvalues are d's extremes.
    Assert.Equal(4.0, curvature.Eigenvalues |> Array.max, 9)

// ---- the classification's cost is bounded, and one cut short says so (issue 14) ----

let private diagonalProduct (d: float[]) =
    Action<float[], float[]>(fun v hv -> for i in 0 .. d.Length - 1 do hv.[i] <- d.[i] * v.[i])

let private diagonalGradient (d: float[]) = Func<float[], float[]>(fun p -> Array.map2 (*) d p)

/// Before the budget, the Lanczos runs were bounded only by their count and length, (MaxFlatDirections + 1)
/// runs of LanczosSteps: 720 products. On the known spectra the default budget cuts nothing: the verdict,
/// the Ritz values and the detail are those of a budget of 720, no "partial" is said, and the progress
/// receiver's last count is the count the detail gives.
[<Property(MaxTest = 8)>]
let ``within its budget the classification is the one the unbounded runs gave`` (seed: int) =
    Prop.forAll (Arb.fromGen spectra) (fun spectrum ->
        let n = Curvature.MatrixFreeAbove + 100
        let h = hessian seed spectrum n
        let x = Array.zeroCreate n
        let gradientAt (p: float[]) = (h * Vector<float>.Build.DenseOfArray p).ToArray()
        let product = Action<float[], float[]>(fun v hv -> (h * Vector<float>.Build.DenseOfArray v).CopyTo(Vector<float>.Build.Dense(hv)))
        let unbounded =
            Curvature.ClassifyMatrixFree(x, product, Func<_, _> gradientAt, budget = (Curvature.MaxFlatDirections + 1) * Curvature.LanczosSteps)
        let mutable last = -1
        let bounded = Curvature.ClassifyMatrixFree(x, product, Func<_, _> gradientAt, progress = Action<int, int>(fun k _ -> last <- k))
        (bounded.Kind = unbounded.Kind && bounded.Eigenvalues = unbounded.Eigenvalues && bounded.Detail = unbounded.Detail
         && not (bounded.Detail.Contains "partial")
         && bounded.Detail.Contains(sprintf "(Lanczos, %s)" (NumberText.Count(last, "Hessian-vector product"))))
        |> Prop.label (sprintf "%A: bounded %A (%s), unbounded %A (%s), last count told %d" spectrum bounded.Kind bounded.Detail unbounded.Kind unbounded.Detail last))

/// H = diag(1, 2, …, 600) has no gap at either end of its spectrum, so five Lanczos steps leave the extremes
/// far from converged: with a budget of 5 products the positive definite H is not called a minimum but
/// undecided, and the detail says the classification is partial and why. With every other eigenvalue
/// negated (−1, 2, −3, …) the same five products already show a clearly negative and a clearly positive
/// Ritz value, and Ritz values lie between H's extreme eigenvalues: a saddle, proven.
[<Theory>]
[<InlineData(false)>]
[<InlineData(true)>]
let ``a classification cut short in its first run says so and decides only a saddle`` (indefinite: bool) =
    let n = 600
    let d = Array.init n (fun i -> if indefinite && i % 2 = 0 then -float (i + 1) else float (i + 1))
    let told = ResizeArray<int * int>()
    let curvature =
        Curvature.ClassifyMatrixFree(Array.zeroCreate n, diagonalProduct d, diagonalGradient d, budget = 5,
                                     progress = Action<int, int>(fun k b -> told.Add((k, b))))
    Assert.Equal<(int * int) list>([ for k in 0..5 -> k, 5 ], List.ofSeq told)
    Assert.Contains("partial: its budget of 5 Hessian-vector products was spent before the extreme eigenvalues of ∂²L/∂x² converged", curvature.Detail)
    if indefinite then
        Assert.Equal(StationaryKind.Saddle, curvature.Kind)
        Assert.True(Array.min curvature.Eigenvalues < 0.0 && Array.max curvature.Eigenvalues > 0.0, curvature.Detail)
    else
        Assert.Equal(StationaryKind.Undecided, curvature.Kind)
        Assert.Contains("not decided", curvature.Detail)
    // Ritz values lie between the extreme eigenvalues.
    Assert.True(Array.min curvature.Eigenvalues >= Array.min d && Array.max curvature.Eigenvalues <= Array.max d, curvature.Detail)

/// A time allowance that has run out lets the product under way finish and starts no other.
[<Fact>]
let ``a classification out of time starts no further product and says so`` () =
    let d = Array.init 600 (fun i -> float (i + 1))
    let mutable products = 0
    let counted = Action<float[], float[]>(fun v hv -> products <- products + 1; (diagonalProduct d).Invoke(v, hv))
    let curvature = Curvature.ClassifyMatrixFree(Array.zeroCreate d.Length, counted, diagonalGradient d, allowance = TimeSpan.Zero)
    Assert.Equal(1, products)
    Assert.Equal(StationaryKind.Undecided, curvature.Kind)
    Assert.Contains("partial: its time allowance of 0 s ran out after 1 Hessian-vector product before the extreme eigenvalues", curvature.Detail)

/// H = diag(0, 0, 0, 0, 1, …, 1): each Lanczos run meets an invariant subspace after two products (the start's
/// parts in the two eigenspaces) and finds one of the four flat directions, so the whole search takes
/// 2 + 2 + 2 + 2 + 1 products. With a budget of 3 the second run is cut after one: the detail says the search
/// for flat directions stopped with one found, and the probe along it still finds L constant (a minimum that
/// is not strict); with the default budget all four are found and nothing is said to be partial.
[<Fact>]
let ``a search for flat directions cut by the budget says how many it found`` () =
    let d = Array.init 600 (fun i -> if i < 4 then 0.0 else 1.0)
    let classify budget = Curvature.ClassifyMatrixFree(Array.zeroCreate d.Length, diagonalProduct d, diagonalGradient d, budget = budget)
    let cut = classify 3
    Assert.Equal(StationaryKind.Minimum, cut.Kind)
    Assert.Contains("(Lanczos, 3 Hessian-vector products)", cut.Detail)
    Assert.Contains("partial: the search for flat directions stopped when its budget of 3 Hessian-vector products was spent (1 flat direction found; more may remain, unprobed)", cut.Detail)
    let whole = classify Curvature.ProductBudget
    Assert.Equal(StationaryKind.Minimum, whole.Kind)
    Assert.DoesNotContain("partial", whole.Detail)
    Assert.Contains("(Lanczos, 9 Hessian-vector products)", whole.Detail)

// ---- up to MatrixFreeAbove: the dense Hessian from products when the symbolic one is large (issue 14) ----

/// yᵢ = xᵢ² − xᵢ₊₁ (i < n − 1), y_{n−1} = x₀, target 1 for the first n − 1 outputs and 0 for the last, at
/// x = 0: the residuals are −1 and 0, J's columns are ±unit vectors (JᵀJ = I) and Σ rᵢ∇²rᵢ = −2 diag(1, …, 1, 0),
/// so ∂²L/∂x² = diag(−1, …, −1, 1): a saddle, whose dense classification lists every eigenvalue.
let private chain n =
    let rows = [ for i in 0 .. n - 2 -> sprintf "x%d^2 - x%d" i (i + 1) ] @ [ "x0" ]
    let target = Array.init n (fun i -> if i < n - 1 then 1.0 else 0.0)
    let p = PhysGrad.Symbolic.Problem.Create(Array.init n (sprintf "x%d" ), PhysGrad.Symbolic.Parse.many (String.Join("; ", rows)), null, target, Array.zeroCreate n, null, false)
    CompiledProblem p

/// At 100 variables (10,000 entries, over SymbolicHessianEntries) the classification forms the Hessian from
/// 100 products and never compiles the dense Hessian kernel; the eigenvalues and the verdict are those of the
/// symbolic Hessian, asked for afterwards. At 8 variables (64 entries) the symbolic kernel is used, as before.
[<Theory>]
[<InlineData(100, true)>]
[<InlineData(8, false)>]
let ``the stop point's dense Hessian comes from products when its symbolic kernel would be large`` (n: int, fromProducts: bool) =
    let problem = chain n
    let x = Array.zeroCreate n
    let stepper = Stepper(problem, StandardRules.For(Method.GradientDescent, 0.1), x)
    Assert.Equal(fromProducts, stepper.HessianFromProducts)
    let curvature = stepper.ClassifyCurvature()
    Assert.Equal(not fromProducts, problem.Compiled.HasFlag Capabilities.Hessian)
    Assert.Equal(StationaryKind.Saddle, curvature.Kind)
    let hessian = Array.zeroCreate (n * n)
    problem.LossInX(x, Array.zeroCreate n, hessian) |> ignore
    let gradientAt (p: float[]) =
        let g = Array.zeroCreate n
        problem.ValueGradient(p, g) |> ignore
        g
    let symbolic = Curvature.Classify(x, ReadOnlySpan hessian, Func<_, _> gradientAt)
    Assert.Equal(symbolic.Kind, curvature.Kind)
    Assert.Equal(n, curvature.Eigenvalues.Length)
    Array.iter2 (fun (a: float) b -> Assert.Equal(a, b, 12)) symbolic.Eigenvalues curvature.Eigenvalues
    Assert.Equal(-1.0, Array.min curvature.Eigenvalues, 12)
    Assert.Equal(1.0, Array.max curvature.Eigenvalues, 12)
