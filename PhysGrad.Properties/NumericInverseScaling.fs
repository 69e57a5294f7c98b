/// The numeric local inverse at scale (issue 14, item 3): above CompiledProblem.NumericInverseDenseUpTo
/// variables Newton's method solves its systems by LSQR on the sparse Jacobian instead of elimination on
/// the dense one. The sparse route must find what the dense route finds, invert a large simulator to the
/// tolerance, say "not found" when there is no preimage (and PG must then say so), and allocate nothing
/// per call in steady state.
module PhysGrad.Properties.NumericInverseScaling

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open PhysGrad.Properties.TestHelpers

let private number (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

let private compile (simulator: string[]) (target: float[]) (start: float[]) =
    let n = simulator.Length
    CompiledProblem(Problem.Create(Array.init n (sprintf "x%d"), Array.map Parse.expression simulator, null, target, start, null, false))

let private norm (v: float[]) = sqrt (Array.sumBy (fun a -> a * a) v)

let private misses (problem: CompiledProblem) (x: float[]) (y: float[]) =
    let p = Array.zeroCreate y.Length
    problem.Simulate(x, p)
    Array.map2 (-) p y

/// P_i(x) = d_i x_i + c_i sin(x_k(i)) + e_i tanh(x_l(i)) with |d_i| ∈ [1, 3] and |c_i| + |e_i| ≤ |d_i|/2:
/// J = D (I + E) with ‖E‖∞ ≤ ½ everywhere (sin and tanh have slopes in [−1, 1]), so J is nonsingular
/// at every x, P is one-to-one (x ↦ D⁻¹(y − g(x)) is a contraction in ∞-norm), and Newton's method with
/// step halving on ‖P(x) − y‖ converges from any start. The target is P at a random point.
type private Case =
    { Simulator: string[]
      Diagonal: float[]
      Truth: float[]
      Start: float[] }

let private cases =
    gen {
        let! n = Gen.choose (2, 24)
        let coefficient = Gen.choose (-1000, 1000) |> Gen.map (fun v -> float v / 1000.0)
        let! d = Gen.arrayOfLength n (Gen.zip (Gen.choose (1000, 3000)) (Gen.elements [ -1.0; 1.0 ]) |> Gen.map (fun (v, s) -> s * float v / 1000.0))
        let! c = Gen.arrayOfLength n coefficient
        let! e = Gen.arrayOfLength n coefficient
        let! k = Gen.arrayOfLength n (Gen.choose (0, n - 1))
        let! l = Gen.arrayOfLength n (Gen.choose (0, n - 1))
        let! truth = Gen.arrayOfLength n (Gen.choose (-2000, 2000) |> Gen.map (fun v -> float v / 1000.0))
        let! start = Gen.arrayOfLength n (Gen.choose (-2000, 2000) |> Gen.map (fun v -> float v / 1000.0))
        // c_i, e_i ∈ [−1, 1] rescaled so that |c_i| + |e_i| ≤ |d_i|/2.
        let simulator =
            Array.init n (fun i ->
                let share = abs d.[i] / 4.0
                sprintf "%s*x%d + %s*sin(x%d) + %s*tanh(x%d)" (number d.[i]) i (number (share * c.[i])) k.[i] (number (share * e.[i])) l.[i])
        return { Simulator = simulator; Diagonal = d; Truth = truth; Start = start }
    }
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``the sparse route of the numeric inverse finds what the dense route finds, to the inverse's tolerance`` () =
    Prop.forAll cases (fun case ->
        let n = case.Simulator.Length
        let problem = compile case.Simulator (Array.zeroCreate n) case.Start
        let y = Array.zeroCreate n
        problem.Simulate(case.Truth, y)
        let dense, sparse = Array.zeroCreate n, Array.zeroCreate n
        let d = problem.InvertNumericallyReporting(y, case.Start, dense, Nullable InverseMethod.DenseNewton)
        let s = problem.InvertNumericallyReporting(y, case.Start, sparse, Nullable InverseMethod.NewtonKrylov)
        // The contract: every |Pᵢ(x) − yᵢ| ≤ 10⁻¹² of its rounding scale Σⱼ|Jᵢⱼ||xⱼ| + |Pᵢ(x)| + |yᵢ| (the
        // componentwise backward error, in units of u), measured here independently of the reports.
        let goal = 1e-12 / CompiledProblem.UnitRoundoff
        let rd, rs = misses problem dense y, misses problem sparse y
        let bd, bs = problem.PreimageBackwardError(dense, y), problem.PreimageBackwardError(sparse, y)
        // The preimage is unique, so the two answers are one point up to their residuals: by the mean-value
        // theorem x_s − x_d = J̄⁻¹(r_s − r_d) for the mean J̄ = D(I + Ē), ‖Ē‖∞ ≤ ½, so
        // ‖x_s − x_d‖∞ ≤ 2/min|d_i|·(‖r_s‖∞ + ‖r_d‖∞); a factor 2 more for rounding in P and J.
        let bound =
            4.0 / (case.Diagonal |> Array.map abs |> Array.min) * ((rd |> Array.map abs |> Array.max) + (rs |> Array.map abs |> Array.max))
            + 1e-15 * (1.0 + (dense |> Array.map abs |> Array.max))
        let apart = Array.map2 (fun a b -> abs (a - b)) dense sparse |> Array.max
        (d.Found && s.Found && d.Method = InverseMethod.DenseNewton && s.Method = InverseMethod.NewtonKrylov
         && bd <= goal && bs <= goal && apart <= bound)
        |> Prop.label (sprintf "n = %d: dense %O, backward error %g u; sparse %O, %g u; goal %g u; x apart by %g (bound %g)" n d bd s bs goal apart bound))

/// The inexact Newton route's forcing term is relative to y's scale: the outputs written in units 2^b
/// (b from −27 to 27, exact in binary) take the same Newton and LSQR iterations. The former
/// √(‖r‖/(1 + ‖y‖)) was absolute: at y of size 2⁻²⁷ it asked LSQR for a residual 10⁴ times smaller
/// relative to ‖r‖ than at size 1, and at 2²⁷ for one up to 0.1.
[<Property(MaxTest = 60)>]
let ``the sparse route takes the same Newton and LSQR iterations with the outputs in units 2^b`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (cases |> Arb.toGen) (Gen.choose (-27, 27)))) (fun (case, b) ->
        let n = case.Simulator.Length
        let report (simulator: string[]) =
            let problem = compile simulator (Array.zeroCreate n) case.Start
            let y = Array.zeroCreate n
            problem.Simulate(case.Truth, y)
            problem.InvertNumericallyReporting(y, case.Start, Array.zeroCreate n, Nullable InverseMethod.NewtonKrylov)
        let unscaled = report case.Simulator
        let scaled = report (case.Simulator |> Array.map (sprintf "2^(%d)*(%s)" b))
        (unscaled.Found && scaled.Found && unscaled.Iterations = scaled.Iterations && unscaled.KrylovIterations = scaled.KrylovIterations)
        |> Prop.label (sprintf "n = %d, outputs in units 2^%d: %O vs %O" n b unscaled scaled))

/// The Rosenbrock residuals of THEORY §7 at n variables: r_i = 10(x_{i+1} − x_i²), r_{n−1} = 1 − x_0.
let private rosenbrock = Rosenbrock.texts

/// The residuals by hand, independent of the compiled kernels.
let private residualsAt (x: float[]) =
    let n = x.Length
    Array.init n (fun i -> if i < n - 1 then 10.0 * (x.[i + 1] - x.[i] * x.[i]) else 1.0 - x.[0])

/// The contracting start of the benchmarks, (0.3, −0.3, 0.3, …).
let private contracting n = Array.init n (fun i -> if i % 2 = 0 then 0.3 else -0.3)

[<Fact>]
let ``the sparse route inverts the Rosenbrock residuals at n = 2000 from the contracting start to 1e-10 in y`` () =
    let n = 2000
    Assert.True(n > CompiledProblem.NumericInverseDenseUpTo)
    let start = contracting n
    let problem = compile (rosenbrock n) (Array.zeroCreate n) start
    // PG's first target at η = 0.3 on ½‖y‖²: y + Δy = 0.7·P(x₀).
    let y = residualsAt start |> Array.map (fun v -> 0.7 * v)
    let x = Array.zeroCreate n
    let report = problem.InvertNumericallyReporting(y, start, x, tolerance = 1e-13)
    Assert.True(report.Found, string report)
    Assert.Equal(InverseMethod.NewtonKrylov, report.Method)
    let miss = Array.map2 (-) (residualsAt x) y
    Assert.True(norm miss <= 1e-10, sprintf "‖P(x) − y‖ = %g" (norm miss))
    // P is one-to-one: x_0 = 1 − y_{n−1}, x_{i+1} = y_i/10 + x_i² (computed here by hand). The difference
    // Δx = x − x̃ from that preimage obeys Δx_0 = −Δr_{n−1}, Δx_{i+1} = Δr_i/10 + (x_i + x̃_i)Δx_i with
    // Δr = P(x) − y, so |Δx_i| ≤ B_i for B_0 = ρ, B_{i+1} = ρ/10 + |x_i + x̃_i|·B_i, ρ = ‖Δr‖∞ plus
    // 10⁻¹⁴ for the rounding of this recurrence and of the residuals (a few ulps of values below 10).
    let exact = Array.zeroCreate n
    exact.[0] <- 1.0 - y.[n - 1]
    for i in 0 .. n - 2 do
        exact.[i + 1] <- y.[i] / 10.0 + exact.[i] * exact.[i]
    let rho = (miss |> Array.map abs |> Array.max) + 1e-14
    let bounds = Array.zeroCreate n
    bounds.[0] <- rho
    for i in 0 .. n - 2 do
        bounds.[i + 1] <- rho / 10.0 + abs (x.[i] + exact.[i]) * bounds.[i]
    for i in 0 .. n - 1 do
        Assert.True(abs (x.[i] - exact.[i]) <= bounds.[i], sprintf "x%d = %.17g, the exact preimage's %.17g (bound %g)" i x.[i] exact.[i] bounds.[i])
    // The bound is a useful one: the chain contracts on the whole (it stays below 10⁻⁹).
    Assert.True(Array.max bounds <= 1e-9, sprintf "largest bound %g" (Array.max bounds))

[<Fact>]
let ``PG's step at n = 2000 is exact through the sparse numeric inverse: P(x₁) = 0.7·P(x₀)`` () =
    // THEORY §1, property 6: P(x₀ + Δx_PG) = y₀ + Δy, and Δy = −η(y₀ − y*) for ½‖y − y*‖² (y* = 0, η = 0.3).
    let n = 2000
    let start = contracting n
    let stepper = Stepper(compile (rosenbrock n) (Array.zeroCreate n) start, PhysicalGradient 0.3, start)
    let fallback = stepper.Step()
    Assert.True(isNull fallback, sprintf "%A" fallback)
    let expected = residualsAt start |> Array.map (fun v -> 0.7 * v)
    let miss = Array.map2 (-) (residualsAt (stepper.X.ToArray())) expected
    // The inverse meets its tolerance 10⁻¹²(1 + ‖y + Δy‖) for the rule's own y + Δy, whose Δy (CG on
    // central-difference products of ∂²L/∂y², SolverLimits) is −0.3·y₀ to a relative error near ε^⅔ ≈ 4·10⁻¹¹:
    // so the bound is the tolerance plus 10⁻¹⁰‖Δy‖ (2.5 times that error).
    let dy = 0.3 * norm (residualsAt start)
    let bound = 1e-12 * (1.0 + norm expected) + 1e-10 * dy
    Assert.True(norm miss <= bound, sprintf "‖P(x₁) − 0.7·P(x₀)‖ = %g, bound %g" (norm miss) bound)

/// P_i(x) = x_i² at n = 300 (above the dense limit): P ≥ 0, so a target with negative entries has no preimage.
let private squares n = Array.init n (sprintf "x%d^2")

[<Fact>]
let ``the sparse route says not found where there is no preimage, with a residual no preimage could beat`` () =
    let n = 300
    Assert.True(n > CompiledProblem.NumericInverseDenseUpTo)
    let start = Array.create n 0.5
    let problem = compile (squares n) (Array.zeroCreate n) start
    let y = Array.create n -1.0
    let x = Array.zeroCreate n
    Assert.False(problem.InvertNumerically(y, start, x))
    let report = problem.InvertNumericallyReporting(y, start, x)
    Assert.False(report.Found)
    Assert.Equal(InverseMethod.NewtonKrylov, report.Method)
    // |x_i² − (−1)| ≥ 1 for every i, so ‖P(x) − y‖ ≥ √n wherever the inverse stopped.
    Assert.True(report.Residual >= sqrt (float n) * (1.0 - 1e-12), string report)
    Assert.True(report.Iterations >= 1 && report.Iterations <= 100, string report)

[<Fact>]
let ``PG's fallback says no preimage was found when the sparse numeric inverse finds none`` () =
    let n = 300
    let start = Array.create n 0.5
    // y* = −2: y₀ = 0.25 and Δy = −0.3(0.25 + 2) = −0.675, so y₀ + Δy = −0.425 < 0 = min P.
    let stepper = Stepper(compile (squares n) (Array.create n -2.0) start, PhysicalGradient 0.3, start)
    let fallback = stepper.Step()
    Assert.NotNull fallback
    Assert.Equal(FallbackKind.NoPreimage, fallback.Kind)
    Assert.Contains("no preimage of y + Δy was found", fallback.Reason)
    Assert.Contains("LSQR on the sparse Jacobian", fallback.Reason)
    // The IG step instead: J Δx = Δy with J = diag(2·0.5), so Δx = −0.675 in every component.
    for v in stepper.X.ToArray() do
        Assert.Equal(0.5 - 0.675, v, 10)

[<Fact>]
let ``the sparse route allocates nothing per call after the first`` () =
    let n = 400
    let start = contracting n
    let problem = compile (rosenbrock n) (Array.zeroCreate n) start
    let y = residualsAt start |> Array.map (fun v -> 0.7 * v)
    let x = Array.zeroCreate n
    Assert.True(problem.InvertNumerically(y, start, x))
    Assert.Equal(0L, allocatedIn 10 (fun () -> problem.InvertNumerically(y, start, x) |> ignore))
    Assert.True(norm (Array.map2 (-) (residualsAt x) y) <= 1e-12 * (1.0 + norm y))
