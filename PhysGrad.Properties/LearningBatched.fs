/// The batched dense layers (issue 15, BENCHMARKS.md "Learning through physics") against a plain
/// sample-by-sample implementation written here from the definitions: the forward pass, the summed
/// backpropagation and the per-sample vector–Jacobian rows must agree to 1e-12 on random networks and
/// batches, with stored activations reused across batch sizes.
module PhysGrad.Properties.LearningBatched

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics.Learning

let private act (a: Activation) (u: float) =
    match a with
    | Activation.Tanh -> tanh u
    | Activation.Relu -> if u > 0.0 then u else 0.0
    | Activation.Sigmoid -> 1.0 / (1.0 + exp (-u))
    | _ -> u

/// a′ from the output a: tanh′ = 1 − a², σ′ = a(1 − a), ReLU′ = [a > 0].
let private slope (a: Activation) (out: float) =
    match a with
    | Activation.Tanh -> 1.0 - out * out
    | Activation.Relu -> if out > 0.0 then 1.0 else 0.0
    | Activation.Sigmoid -> out * (1.0 - out)
    | _ -> 1.0

/// One sample's layer outputs, input first: out = a(b + W·in), W row by row then b in θ.
let private forwardOne (net: DenseNetwork) (theta: float[]) (z: float[]) =
    let outs = Array.zeroCreate (net.Layers.Count + 1)
    outs.[0] <- z
    for l in 0 .. net.Layers.Count - 1 do
        let layer = net.Layers.[l]
        let w0 = net.WeightOffset l
        let b0 = w0 + layer.Inputs * layer.Outputs
        outs.[l + 1] <-
            Array.init layer.Outputs (fun o ->
                let mutable s = theta.[b0 + o]
                for i in 0 .. layer.Inputs - 1 do
                    s <- s + theta.[w0 + o * layer.Inputs + i] * outs.[l].[i]
                act layer.Activation s)
    outs

/// (∂out/∂θ)ᵀ seed for one sample by the chain rule, layer by layer from the top.
let private backOne (net: DenseNetwork) (theta: float[]) (outs: float[][]) (seed: float[]) =
    let g = Array.zeroCreate net.ParameterCount
    let mutable d = Array.copy seed
    for l in net.Layers.Count - 1 .. -1 .. 0 do
        let layer = net.Layers.[l]
        let w0 = net.WeightOffset l
        let b0 = w0 + layer.Inputs * layer.Outputs
        let delta = Array.init layer.Outputs (fun o -> d.[o] * slope layer.Activation outs.[l + 1].[o])
        for o in 0 .. layer.Outputs - 1 do
            for i in 0 .. layer.Inputs - 1 do
                g.[w0 + o * layer.Inputs + i] <- delta.[o] * outs.[l].[i]
            g.[b0 + o] <- delta.[o]
        d <- Array.init layer.Inputs (fun i -> Seq.sum (seq { for o in 0 .. layer.Outputs - 1 -> theta.[w0 + o * layer.Inputs + i] * delta.[o] }))
    g

let private close (expected: float[]) (actual: float[]) (what: string) =
    let scale = 1.0 + (expected |> Array.fold (fun m v -> max m (abs v)) 0.0)
    Array.iteri2 (fun k (e: float) a ->
        if not (abs (e - a) <= 1e-12 * scale) then failwithf "%s, entry %d: per-sample %.17g, batched %.17g" what k e a) expected actual

let private activations = [| Activation.Tanh; Activation.Sigmoid; Activation.Identity; Activation.Relu |]

/// A random network (1–4 layers of 1–9 units, every activation), θ Glorot plus random biases, and
/// three batches of 1–40 samples (so the stored activations are grown and then reused smaller).
type Case = { Widths: int[]; Acts: Activation[]; Seed: int; Batches: int[] }

let private cases =
    gen {
        let! depth = Gen.choose (1, 4)
        let! widths = Gen.arrayOfLength (depth + 1) (Gen.choose (1, 9))
        let! acts = Gen.arrayOfLength depth (Gen.elements activations)
        let! seed = Gen.choose (0, 100000)
        let! batches = Gen.arrayOfLength 3 (Gen.choose (1, 40))
        return { Widths = widths; Acts = acts; Seed = seed; Batches = batches }
    }
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``batched forward, backward and vector-Jacobian rows equal the per-sample chain rule to 1e-12`` () =
    Prop.forAll cases (fun c ->
        let layers = [| for l in 0 .. c.Acts.Length - 1 -> DenseLayer(c.Widths.[l], c.Widths.[l + 1], c.Acts.[l]) |]
        let net = DenseNetwork(layers)
        let r = Random(c.Seed)
        let theta = net.Initialize(c.Seed) |> Array.map (fun t -> t + 0.5 * (2.0 * r.NextDouble() - 1.0))
        let nIn, nOut, p = net.InputCount, net.OutputCount, net.ParameterCount
        let store = net.CreateActivations()
        for batch in c.Batches do
            let z = Array.init (batch * nIn) (fun _ -> 4.0 * r.NextDouble() - 2.0)
            let w = Array.init (batch * nOut) (fun _ -> 2.0 * r.NextDouble() - 1.0)
            let rows = 1 + r.Next 3
            let seeds = Array.init (batch * rows * nOut) (fun _ -> 2.0 * r.NextDouble() - 1.0)
            let outs = Array.init batch (fun b -> forwardOne net theta z.[b * nIn .. (b + 1) * nIn - 1])
            // Expected: outputs, Σ_b (∂f_b/∂θ)ᵀ w_b, and the rows seedᵀ ∂f_b/∂θ, sample by sample.
            let x = Array.concat [ for o in outs -> o.[o.Length - 1] ]
            let gradient = Array.zeroCreate p
            for b in 0 .. batch - 1 do
                let g = backOne net theta outs.[b] w.[b * nOut .. (b + 1) * nOut - 1]
                for k in 0 .. p - 1 do gradient.[k] <- gradient.[k] + g.[k]
            let jac =
                Array.concat [ for b in 0 .. batch - 1 do
                                 for k in 0 .. rows - 1 -> backOne net theta outs.[b] seeds.[(b * rows + k) * nOut .. (b * rows + k + 1) * nOut - 1] ]
            // Batched, through stored activations.
            net.Forward(theta, z, batch, store)
            close x (store.Outputs.ToArray()) "outputs"
            let gotGradient = Array.create p nan
            net.Backward(theta, store, w, gotGradient)
            close gradient gotGradient "gradient"
            let gotJac = Array.create (batch * rows * p) nan
            net.VectorJacobians(theta, store, seeds, rows, gotJac)
            close jac gotJac "Jacobian rows"
            // And through the self-contained calls (their own forward pass).
            let x2 = Array.zeroCreate (batch * nOut)
            net.Forward(theta, z, batch, x2)
            close x x2 "outputs (Forward)"
            let g2 = Array.zeroCreate p
            net.Backward(theta, z, batch, w, g2, null)
            close gradient g2 "gradient (Backward)"
        true)

[<Fact>]
let ``activations of one network are refused by another with an ArgumentException`` () =
    let a = DenseNetwork.Mlp(2, [| 3 |], 1)
    let b = DenseNetwork.Mlp(2, [| 3 |], 1)
    let store = a.CreateActivations(2)
    a.Forward(a.Initialize 1, [| 0.1; 0.2; 0.3; 0.4 |], 2, store)
    let e = Assert.Throws<ArgumentException>(fun () -> b.Backward(b.Initialize 1, store, [| 1.0; 1.0 |], Array.zeroCreate b.ParameterCount))
    Assert.Contains("another network", e.Message)

/// 𝒥 = U diag(σ) Vᵀ with U (r × r) and V (c × r) orthonormal from MathNet's QR of random matrices.
let private known (seed: int) (sigma: float[]) (cols: int) =
    let r = Random(seed)
    let rows = sigma.Length
    let rand (m: int) (n: int) : MathNet.Numerics.LinearAlgebra.Matrix<float> =
        MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(m, n, fun _ _ -> 2.0 * r.NextDouble() - 1.0)
    let u = (rand rows rows).QR().Q
    let v = (rand cols rows).QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q
    let j = u * MathNet.Numerics.LinearAlgebra.Double.DiagonalMatrix.OfDiagonal(rows, rows, sigma) * v.Transpose()
    let g = Array.init rows (fun _ -> 2.0 * r.NextDouble() - 1.0)
    Array.init (rows * cols) (fun k -> j.[k / cols, k % cols]), g, u, v

[<Property(MaxTest = 10)>]
let ``the accurate HIG route resolves singular values from 1 down to 1e-12 and its step equals the closed form`` (seed: int) =
    // σ_k = 10^(−0.93 k), k = 0 … 13: from 1 to 8.1e-13, none near the cut. τ = 1e-10 keeps σ > 1e-10,
    // k ≤ 10 (σ_10 = 5.0e-10; σ_11 = 5.9e-11 is dropped), so the closed form is
    // Σ_{k ≤ 10} v_k σ_k^κ (u_kᵀ g). Forming 𝒥 in floating point perturbs each σ by ≈ ε‖𝒥‖ ≈ 1e-16, and a
    // backward-stable factorisation adds a few ε·σ_max: about 1e-6 relative at σ_10 in the value and the
    // vectors (its neighbours are a factor 8.5 apart), so 1e-4 of the step's largest entry is a safe bound.
    // The Gram route on the same matrix keeps only the σ above ≈ 1.2e-7 (k ≤ 7): its step must differ.
    let sigma = Array.init 14 (fun k -> 10.0 ** (-0.93 * float k))
    let rows, cols = sigma.Length, 40
    let j, g, u, v = known (abs (seed % 100000)) sigma cols
    for kappa in [ -0.5; -1.0 ] do
        let expected = Array.zeroCreate cols
        for k in 0 .. 10 do
            let c = (Seq.sum (seq { for i in 0 .. rows - 1 -> u.[i, k] * g.[i] })) * sigma.[k] ** kappa
            for t in 0 .. cols - 1 do expected.[t] <- expected.[t] + v.[t, k] * c
        let scale = expected |> Array.map abs |> Array.max
        for route, name in [ WideSpectral.Product, "LQ"; PhysicsTrainer.Spectral, "Spectral" ] do
            let got = Array.zeroCreate cols
            Assert.Equal(11, route (j, rows, cols, g, kappa, 1e-10, got))
            Array.iteri2 (fun t (e: float) a ->
                if not (abs (e - a) <= 1e-4 * scale) then failwithf "%s, κ = %g, entry %d: closed form %.10g, got %.10g" name kappa t e a) expected got
        let gram = Array.zeroCreate cols
        Assert.Equal(8, GramSpectral.Product(j, rows, cols, g, kappa, 1e-10, gram))
        Assert.True(Array.exists2 (fun (e: float) a -> abs (e - a) > 1e-2 * scale) expected gram, "the Gram route should have lost σ_8 … σ_10")

[<Fact>]
let ``HIG with a tau below the Gram route's reach takes the accurate route at the oscillators' size`` () =
    // Batch 16 of the oscillators: 64 × 1,444, large enough for the Gram route, but τ = 1e-10 < 1e-4
    // must go through the LQ route: the trainer's step is −η times WideSpectral's product of the
    // stacked Jacobian (formed the same way), with η = 0.15.
    let example = PhysGrad.Training.Oscillators()
    let trainer = PhysicsTrainer(example.Network, example.Physics, example.Sampler)
    let theta = example.Network.Initialize 3
    let batch = 16
    let z, y = Array.zeroCreate (batch * 4), Array.zeroCreate (batch * 4)
    example.Sampler.Invoke(Random 4, batch, z, y)
    let settings = PhysGrad.TrainingSettings(PhysGrad.TrainingMethod.Hig, 0.15, batch, Tau = 1e-10)
    let delta = Array.zeroCreate theta.Length
    trainer.Step(settings, theta, z, y, batch, OptimizerState(theta.Length), delta) |> ignore
    let struct (jac, gv, _) = trainer.StackedJacobian(theta, z, y, batch)
    let expected = Array.zeroCreate theta.Length
    WideSpectral.Product(jac, batch * 4, theta.Length, gv, -0.5, 1e-10, expected) |> ignore
    let scale = expected |> Array.map abs |> Array.max
    Array.iteri2 (fun t (e: float) d -> Assert.True(abs (-0.15 * e - d) <= 1e-12 * scale, sprintf "entry %d" t)) expected delta
