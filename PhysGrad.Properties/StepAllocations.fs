/// Steady-state allocation of one step (issue 13: "no per-step allocation for GD, Adam, Newton, IG, PG
/// at fixed n") on the Rosenbrock residuals r_i = 10(x_{i+1} − x_i²), r_{n−1} = 1 − x_0, the problem of
/// the step benchmarks, with PG on the numeric inverse (no closed form derived). The common path (no
/// fallback) allocates nothing; the singular-Jacobian fallback of IG and PG takes an SVD through MathNet,
/// which allocates, and is what the benchmark at n = 100 measured (checked below).
module PhysGrad.Properties.StepAllocations

open System
open Xunit
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open PhysGrad.Properties.TestHelpers

/// The residuals at n variables, the default loss, no closed-form inverse (PG inverts numerically).
let private residuals (n: int) (start: float[]) =
    let variables = Array.init n (sprintf "x%d")
    CompiledProblem(Problem.Create(variables, Rosenbrock.parsed n, null, Array.zeroCreate n, start, null, false))

/// (−1.2, 1, −1.2, 1, …), the benchmarks' start.
let private start n = Array.init n (fun i -> if i % 2 = 0 then -1.2 else 1.0)

[<Fact>]
let ``GD, Adam, Newton, IG and PG steps allocate nothing at fixed n on the Rosenbrock residuals`` () =
    // n = 10: solving J v = b runs down the chain v_{i+1} = (b_i + 20 x_i v_i)/10, amplifying by |2 x_i|
    // ≤ 2.4 per row, so J's condition stays near 2.4⁹ ≈ 3·10³ along the run: no singular-J fallback.
    // Newton, IG and PG start nearer the minimum (1, …, 1), where the Hessian JᵀJ + Σ r_i ∇²r_i is
    // positive definite but below the Cholesky pivot floor (before the condition bound, Newton's 20 steps
    // here allocated 54 kB without a fallback: the eigendecomposition's)
    // and IG's linearisation holds (from (−1.2, 1, …) IG's steps overshoot to |x| ≈ 10¹¹ within 25
    // steps, where J is singular), so that their regular steps, not the fallbacks, are measured.
    let n = 10
    let near = Array.init n (fun i -> if i % 2 = 0 then 1.01 else 0.99)

    for rule, x0 in
        [ (GradientDescent 1e-3 :> IUpdateRule), start n
          Adam 1e-3, start n
          Newton 0.5, near
          InverseGradient 0.3, near
          PhysicalGradient 0.3, near ] do
        let stepper = Stepper(residuals n x0, rule, x0)

        for _ in 1..5 do
            stepper.Step() |> ignore

        let fallbacks = ResizeArray<Fallback>(20) // allocated before the count starts
        let before = GC.GetAllocatedBytesForCurrentThread()

        for _ in 1..20 do
            match stepper.Step() with
            | null -> ()
            | f -> fallbacks.Add f

        let allocated = GC.GetAllocatedBytesForCurrentThread() - before
        Assert.True(fallbacks.Count = 0, sprintf "%s took fallbacks, not the common path: %A" rule.Name [ for f in fallbacks -> f.Reason ])
        Assert.True((allocated = 0L), sprintf "%s allocated %d bytes in 20 steps" rule.Name allocated)

[<Fact>]
let ``at n = 100 from the benchmarks' start J is numerically singular, so IG and PG take the recorded minimum-norm fallback`` () =
    // The chain above amplifies by 2.4 and 2 on alternate rows: ‖J⁻¹‖ grows like (2.4·2)^{99/2} ≈ 10³³,
    // far beyond LinearAlgebra.MaxCondition = 10¹⁵. So IG solves by the SVD (J⁺Δy), and PG's numeric
    // inverse (Newton on P(x) = y + Δy) cannot solve its first system either: the benchmark's
    // allocation at n = 100 is this fallback, not the regular step.
    let n = 100
    let problem = residuals n (start n)
    let ig = Stepper(problem, InverseGradient 0.3, start n).Step()
    Assert.NotNull ig
    Assert.Equal(FallbackKind.JacobianSingular, ig.Kind)
    let pg = Stepper(problem, PhysicalGradient 0.3, start n).Step()
    Assert.NotNull pg
    Assert.Equal(FallbackKind.NoPreimage, pg.Kind)
    Assert.Contains("minimum-norm step", pg.Reason)

[<Fact>]
let ``the allocation-free positive-definiteness bound accepts a matrix of condition 10⁶ and refuses 10¹⁰ and indefinite ones`` () =
    // The bound is taken on the Jacobi-scaled matrix, so diag(1, d) (the identity once scaled) is provably
    // positive definite for every d > 0: d only measures x1 in other units.
    let provable (a: float[]) =
        LinearAlgebra.IsProvablyPositiveDefinite(ReadOnlySpan a, 2, Span(Array.zeroCreate 4), Span(Array.zeroCreate 2), 1e-9)
    Assert.True(provable [| 1.0; 0.0; 0.0; 1e-10 |])
    Assert.True(provable [| 1e16; 0.0; 0.0; 1e-16 |])
    Assert.False(provable [| 1.0; 0.0; 0.0; -1e-10 |])
    // [[1, 1 − e], [1 − e, 1]] (already scaled) has eigenvalues 2 − e and e; ‖A‖₁ = 2 − e, ‖A⁻¹‖₁ = 1/e:
    // provable when (2 − e)/e < 1/(2·10⁻⁹), about e > 4·10⁻⁹. Its rescalings S A S answer the same.
    let test e s =
        provable [| s * s; s * (1.0 - e); s * (1.0 - e); 1.0 |]
    for s in [ 1.0; 1e-8; 1e8 ] do
        Assert.True(test 1e-6 s)
        Assert.True(test 5e-9 s)
        Assert.False(test 1e-9 s)
        Assert.False(test 1e-10 s)
    Assert.False(provable [| 1.0; 0.0; 0.0; -1.0 |])
    // [[2, 1], [1, 2]]: eigenvalues 1 and 3; the (asymmetric) [[2, 3], [−1, 2]] has the same symmetric part.
    Assert.True(LinearAlgebra.IsProvablyPositiveDefinite(ReadOnlySpan [| 2.0; 3.0; -1.0; 2.0 |], 2, Span(Array.zeroCreate 4), Span(Array.zeroCreate 2), 1e-9))
