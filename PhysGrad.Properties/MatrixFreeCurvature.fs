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
