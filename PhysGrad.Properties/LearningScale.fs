/// Learning at the oscillators' scale (issue 15): the Gram route of the HIG step against the QR/SVD
/// route, the vector–Jacobian rows against the full per-sample Jacobians, SIP's cached pseudo-inverse
/// against the per-sample one, and the oscillator example's folded physics against the simulator.
module PhysGrad.Properties.LearningScale

open System
open Xunit
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics.Learning

let private close (tol: float) (expected: float[]) (actual: float[]) =
    let scale = expected |> Array.map abs |> Array.max
    Array.iteri2 (fun k e a -> Assert.True(abs (e - a) <= tol * (scale + 1e-300), sprintf "component %d: expected %.15g, got %.15g" k e a)) expected actual

[<Property(MaxTest = 20)>]
let ``the Gram route of V S^k U'g equals the QR and SVD route on a well-conditioned wide matrix`` (seed: int) =
    // A 70 × 120 matrix of independent entries uniform in [−1, 1] has singular values near the
    // Marchenko–Pastur edges √120 ± √70 (times the entries' deviation), a ratio of about 7.5, so the
    // Gram matrix's condition number is about 60 and both routes agree to ~1e-13; 1e-9 leaves room.
    let r = Random(abs (seed % 100000))
    let rows, cols = 70, 120
    let j = Array.init (rows * cols) (fun _ -> 2.0 * r.NextDouble() - 1.0)
    let g = Array.init rows (fun _ -> 2.0 * r.NextDouble() - 1.0)
    for kappa in [ -0.5; -1.0; 1.0 ] do
        let a = Array.zeroCreate cols
        let b = Array.zeroCreate cols
        let keptQr = PhysicsTrainer.Spectral(j, rows, cols, g, kappa, 1e-10, a)
        let keptGram = GramSpectral.Product(j, rows, cols, g, kappa, 1e-10, b)
        Assert.Equal(rows, keptQr)
        Assert.Equal(rows, keptGram)
        close 1e-9 a b

[<Fact>]
let ``the Gram route drops singular values below its floor, and tau above it`` () =
    // 𝒥 = diag(1, 1e-3, 1e-9) padded to 3 × 5: σ = 1, 1e-3, 1e-9. The Gram floor (λ ≤ 64ε λ_max,
    // σ ≤ 1.2e-7 σ_max) drops 1e-9 even at τ = 1e-12; τ = 1e-2 drops 1e-3 too. With g = (1, 1, 1) and
    // κ = −1 the kept terms are e_k / σ_k.
    let j = Array.zeroCreate 15
    j.[0] <- 1.0
    j.[6] <- 1e-3
    j.[12] <- 1e-9
    let result = Array.zeroCreate 5
    Assert.Equal(2, GramSpectral.Product(j, 3, 5, [| 1.0; 1.0; 1.0 |], -1.0, 1e-12, result))
    close 1e-12 [| 1.0; 1e3; 0.0; 0.0; 0.0 |] result
    Assert.Equal(1, GramSpectral.Product(j, 3, 5, [| 1.0; 1.0; 1.0 |], -1.0, 1e-2, result))
    close 1e-12 [| 1.0; 0.0; 0.0; 0.0; 0.0 |] result

[<Property(MaxTest = 20)>]
let ``vector-Jacobian rows equal the seed rows times the per-sample Jacobians`` (seed: int) =
    let net = DenseNetwork.Mlp(3, [| 5; 4 |], 6, Activation.Tanh)
    let r = Random(abs (seed % 100000))
    let theta = net.Initialize(abs (seed % 1000))
    let batch, rows, p, n = 3, 2, net.ParameterCount, 6
    let z = Array.init (batch * 3) (fun _ -> 2.0 * r.NextDouble() - 1.0)
    let seeds = Array.init (batch * rows * n) (fun _ -> 2.0 * r.NextDouble() - 1.0)
    let full = Array.zeroCreate (batch * n * p)
    net.Jacobians(theta, z, batch, Array.zeroCreate (batch * n), full)
    let rowsOut = Array.zeroCreate (batch * rows * p)
    net.VectorJacobians(theta, z, batch, seeds, rows, rowsOut)
    for b in 0 .. batch - 1 do
        for k in 0 .. rows - 1 do
            let expected =
                Array.init p (fun t -> Seq.sum (seq { for o in 0 .. n - 1 -> seeds.[(b * rows + k) * n + o] * full.[(b * n + o) * p + t] }))
            close 1e-13 expected rowsOut.[(b * rows + k) * p .. (b * rows + k + 1) * p - 1]

/// The oscillators' end state by the simulator itself, run on numbers.
let private simulate (u: float[]) (s0: float[]) =
    ReferenceSimulators.Oscillators(u |> Array.map (fun v -> Scalar.Constant v), s0)
    |> Array.map (fun s -> Evaluate.at [||] [||] s.Expr)

[<Fact>]
let ``the oscillator example's physics plus its target offset is the simulator's end state minus the start`` () =
    // The example trains on P(u) = Γu against y* = s₀ − Φ s₀; the residual P(u) − y* must be the
    // notebook's end(u, s₀) − s₀, computed here by running the RK4 simulator from s₀ directly.
    let example = Training.Oscillators()
    let r = Random(5)
    let y = Array.zeroCreate 4
    for sample in [ 0; 17; 4095 ] do
        let s0 = example.EvalZ.[4 * sample .. 4 * sample + 3]
        let target = example.EvalY.[4 * sample .. 4 * sample + 3]
        let u = Array.init 24 (fun _ -> 2.0 * r.NextDouble() - 1.0)
        example.Physics.Simulate(u, y)
        let expected = Array.map2 (-) (simulate u s0) s0
        close 1e-12 expected (Array.map2 (-) y target)
    Assert.Equal(1444, example.Network.ParameterCount)
    Assert.Equal(4096 * 4, example.EvalZ.Length)
    Assert.All(example.EvalZ, fun v -> Assert.InRange(v, 0.0, 1.0))

[<Fact>]
let ``SIP-IG's cached pseudo-inverse step equals the per-sample physics step`` () =
    // The trainer keeps J⁺ while J_b is unchanged (a linear P); its proxy gradient must equal the one
    // built from PhysicsStep per sample: −(1/B) Σ_b (∂x_b/∂θ)ᵀ Δx_b, backpropagated here by hand.
    let example = Training.Oscillators()
    let net = example.Network
    let trainer = PhysicsTrainer(net, example.Physics, example.Sampler)
    let theta = net.Initialize(2)
    let B = 8
    let z = example.EvalZ.[0 .. 4 * B - 1]
    let yStar = example.EvalY.[0 .. 4 * B - 1]
    let settings = TrainingSettings(TrainingMethod.SipInverseGradient, 1.0, B, Rcond = 1e-5, SipWithAdam = false)
    let delta = Array.zeroCreate net.ParameterCount
    trainer.Step(settings, theta, z, yStar, B, OptimizerState(net.ParameterCount), delta) |> ignore
    let x = Array.zeroCreate (B * 24)
    net.Forward(theta, z, B, x)
    let w = Array.zeroCreate (B * 24)
    for b in 0 .. B - 1 do
        let xb = x.[24 * b .. 24 * b + 23]
        let y = Array.zeroCreate 4
        let j = Array.zeroCreate 96
        example.Physics.Simulate(xb, y, j)
        let dx = Array.zeroCreate 24
        Assert.True(trainer.PhysicsStep(settings, xb, y, j, yStar.[4 * b .. 4 * b + 3], dx))
        for k in 0 .. 23 do
            w.[24 * b + k] <- -dx.[k] / float B
    let gradient = Array.zeroCreate net.ParameterCount
    net.Backward(theta, z, B, w, gradient)
    // GD with rate 1: Δθ = −∇.
    close 1e-12 (gradient |> Array.map (fun v -> -v)) delta
