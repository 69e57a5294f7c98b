/// Learning through physics (docs/theory.md §6): the dense network's gradients and per-sample Jacobians
/// against central differences, Glorot bounds, seeded determinism, and the theory's checks of HIG,
/// Gauss–Newton and SIP on batches.
module PhysGrad.Properties.Learning

open System
open Xunit
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad
open PhysGrad.Numerics.Learning

let private activations = [| Activation.Tanh; Activation.Sigmoid; Activation.Identity; Activation.Relu |]

/// A 2 → 4 → 3 → 2 network with the given hidden activation, θ from the seed, a batch of 3 inputs in [−1, 1].
let private setup (seed: int) (activation: Activation) =
    let net = DenseNetwork.Mlp(2, [| 4; 3 |], 2, activation, Activation.Identity)
    let theta = net.Initialize(seed)
    let r = Random(seed + 7)
    // Non-zero biases too, so the bias derivatives are exercised away from the initial zeros.
    for k in 0 .. theta.Length - 1 do
        theta.[k] <- theta.[k] + 0.3 * (2.0 * r.NextDouble() - 1.0)
    let z = Array.init 6 (fun _ -> 2.0 * r.NextDouble() - 1.0)
    net, theta, z, r

/// The derivative of a scalar function of θ_k by central differences, measured robustly: the step is
/// chosen per parameter (h = 1e-5·max(1, |θ_k|)); for ReLU (piecewise linear in each single parameter)
/// the step is halved until the left and right one-sided slopes agree, i.e. no kink lies within h.
let private derivative (f: float[] -> float) (theta: float[]) (k: int) =
    let at (d: float) =
        let t = Array.copy theta
        t.[k] <- t.[k] + d
        f t
    let mutable h = 1e-5 * max 1.0 (abs theta.[k])
    let f0 = at 0.0
    let mutable result = nan
    let mutable tries = 0
    while Double.IsNaN result && tries < 40 do
        let right = (at h - f0) / h
        let left = (f0 - at (-h)) / h
        if abs (right - left) <= 1e-4 * (1.0 + abs right) then result <- (at h - at (-h)) / (2.0 * h)
        else h <- h / 2.0
        tries <- tries + 1
    result

/// |a − b| small against the larger of the two and a scale floor (the largest component of the vector
/// compared), so tiny components are not held to a relative bound that rounding cannot meet.
let private near (scale: float) (a: float) (b: float) =
    abs (a - b) <= 1e-5 * (max (abs a) (abs b) + 1e-3 * scale + 1e-12)

[<Property(MaxTest = 40)>]
let ``the backpropagated gradient equals central differences for every activation`` (seed: int) (which: byte) =
    let activation = activations.[int which % activations.Length]
    let net, theta, z, r = setup (abs (seed % 100000)) activation
    let w = Array.init 6 (fun _ -> 2.0 * r.NextDouble() - 1.0)
    let gradient = Array.zeroCreate net.ParameterCount
    net.Backward(theta, z, 3, w, gradient)
    let f (t: float[]) =
        let x = Array.zeroCreate 6
        net.Forward(t, z, 3, x)
        Array.fold2 (fun s a b -> s + a * b) 0.0 x w
    let scale = gradient |> Array.map abs |> Array.max
    for k in 0 .. net.ParameterCount - 1 do
        let fd = derivative f theta k
        Assert.True(near scale gradient.[k] fd, sprintf "%A θ[%d]: backprop %.12g, central differences %.12g" activation k gradient.[k] fd)

[<Property(MaxTest = 40)>]
let ``the per-sample Jacobians equal central differences of each sample's outputs`` (seed: int) (which: byte) =
    let activation = activations.[int which % activations.Length]
    let net, theta, z, _ = setup (abs (seed % 100000)) activation
    let p = net.ParameterCount
    let x = Array.zeroCreate 6
    let j = Array.zeroCreate (6 * p)
    net.Jacobians(theta, z, 3, x, j)
    for b in 0 .. 2 do
        for out in 0 .. 1 do
            let row = (b * 2 + out) * p
            let f (t: float[]) =
                let y = Array.zeroCreate 6
                net.Forward(t, z, 3, y)
                y.[b * 2 + out]
            let scale = j.[row .. row + p - 1] |> Array.map abs |> Array.max
            for k in 0 .. p - 1 do
                let fd = derivative f theta k
                Assert.True(near scale j.[row + k] fd, sprintf "sample %d output %d θ[%d]: %.12g vs %.12g" b out k j.[row + k] fd)

[<Fact>]
let ``Glorot initialisation stays within sqrt(6 over fan-in plus fan-out) with zero biases and variance r squared over 3`` () =
    // A 100 → 100 layer: r = √(6/200); a uniform on [−r, r] has variance r²/3 = 0.01 (Glorot and Bengio
    // 2010). With 10,000 weights the sample variance's standard error is about 0.01·√(0.8/10⁴) ≈ 9e-5.
    let net = DenseNetwork.Mlp(100, [||], 100)
    let r = Math.Sqrt(6.0 / 200.0)
    for seed in 1 .. 5 do
        let theta = net.Initialize(seed)
        let w = theta.[0 .. 9999]
        Assert.All(w, fun v -> Assert.InRange(abs v, 0.0, r))
        Assert.All(theta.[10000 ..], fun v -> Assert.Equal(0.0, v))
        let variance = (w |> Array.sumBy (fun v -> v * v)) / 10000.0
        Assert.InRange(variance, 0.01 - 6e-4, 0.01 + 6e-4)

[<Fact>]
let ``the same seed gives the same parameters and the same training history, another seed others`` () =
    let example = Training.HigToy(1.0)
    let settings = example.SettingsFor(TrainingMethod.Hig)
    let run seed = Training.Run(example, [| settings |], seed, Nullable 20, Nullable()).[0]
    let a, b, c = run 3, run 3, run 4
    Assert.Equal<float[]>(example.Network.Initialize(3), example.Network.Initialize(3))
    Assert.Equal<float list>([ for p in a.Points -> p.Loss ], [ for p in b.Points -> p.Loss ])
    Assert.NotEqual<float list>([ for p in a.Points -> p.Loss ], [ for p in c.Points -> p.Loss ])

/// A linear physics problem P(x) = A x with A = [[2, 1], [1, 3]] (det 5).
let private linearPhysics () =
    ProblemDefinition([| "x0"; "x1" |], [| "2*x0 + x1"; "x0 + 3*x1" |], null, [| 0.0; 0.0 |], [| 0.0; 0.0 |]).Compile()

let private sampler : BatchSampler = BatchSampler(fun _ _ _ _ -> ())

let private batch (seed: int) (count: int) (inputs: int) (outputs: int) =
    let r = Random(seed)
    Array.init (count * inputs) (fun _ -> 2.0 * r.NextDouble() - 1.0), Array.init (count * outputs) (fun _ -> 2.0 * r.NextDouble() - 1.0)

/// (𝒥ᵀ𝒥)^a 𝒥ᵀ g by a symmetric eigendecomposition of 𝒥ᵀ𝒥: for full column rank, V Σ^κ Uᵀ g equals
/// (𝒥ᵀ𝒥)^((κ−1)/2) 𝒥ᵀ g, a route that never forms the SVD.
let private normalForm (j: float[,]) (g: float[]) (power: float) =
    let m = Matrix<float>.Build.DenseOfArray j
    let evd = (m.TransposeThisAndMultiply m).Evd(Symmetricity.Symmetric)
    let d = evd.EigenValues |> Seq.map (fun l -> Math.Pow(l.Real, power)) |> Vector<float>.Build.DenseOfEnumerable
    let q = evd.EigenVectors
    (q * Matrix<float>.Build.DiagonalOfDiagonalVector d * q.Transpose() * m.TransposeThisAndMultiply(Vector<float>.Build.DenseOfArray g)).ToArray()

let private closeVectors (expected: float[]) (actual: float[]) =
    let scale = expected |> Array.map abs |> Array.max
    Array.iteri2 (fun k e a -> Assert.True(abs (e - a) <= 1e-8 * (scale + 1e-12), sprintf "component %d: expected %.15g, got %.15g" k e a)) expected actual

[<Fact>]
let ``HIG on a linear network through linear physics equals the closed form (J'J)^(-3/4) J'g with the stacked Jacobian by hand`` () =
    // x = W z + b (2 → 2, θ = [W00 W01 W10 W11 b0 b1]); ∂x_b/∂θ = [[z0 z1 0 0 1 0], [0 0 z0 z1 0 1]];
    // 𝒥's rows for sample b are A·∂x_b/∂θ / √B, g_b = (A x_b − y*_b)/√B (THEORY §6, PhysicsTrainer's mean loss).
    let net = DenseNetwork([| DenseLayer(2, 2, Activation.Identity) |])
    let physics = linearPhysics ()
    let trainer = PhysicsTrainer(net, physics, sampler)
    let theta = [| 0.5; -0.2; 0.1; 0.7; 0.05; -0.3 |]
    let B = 5
    let z, yStar = batch 11 B 2 2
    let a = array2D [ [ 2.0; 1.0 ]; [ 1.0; 3.0 ] ]
    let s = 1.0 / sqrt (float B)
    let j = Array2D.zeroCreate (2 * B) 6
    let g = Array.zeroCreate (2 * B)
    for b in 0 .. B - 1 do
        let z0, z1 = z.[2 * b], z.[2 * b + 1]
        let dx = array2D [ [ z0; z1; 0.0; 0.0; 1.0; 0.0 ]; [ 0.0; 0.0; z0; z1; 0.0; 1.0 ] ]
        let x0 = theta.[0] * z0 + theta.[1] * z1 + theta.[4]
        let x1 = theta.[2] * z0 + theta.[3] * z1 + theta.[5]
        for i in 0 .. 1 do
            g.[2 * b + i] <- (a.[i, 0] * x0 + a.[i, 1] * x1 - yStar.[2 * b + i]) * s
            for c in 0 .. 5 do
                j.[2 * b + i, c] <- (a.[i, 0] * dx.[0, c] + a.[i, 1] * dx.[1, c]) * s
    let struct (stacked: float[], g2, _) = trainer.StackedJacobian(theta, z, yStar, B)
    for r in 0 .. 2 * B - 1 do
        for c in 0 .. 5 do
            Assert.True(abs (stacked.[r * 6 + c] - j.[r, c]) <= 1e-14, sprintf "𝒥[%d,%d]" r c)
    closeVectors g g2
    let eta = 0.7
    let delta = Array.zeroCreate 6
    trainer.Step(TrainingSettings(TrainingMethod.Hig, eta, B, Tau = 1e-12), theta, z, yStar, B, OptimizerState(6), delta) |> ignore
    // κ = −½: V Σ^(−½) Uᵀ g = (𝒥ᵀ𝒥)^(−3/4) 𝒥ᵀ g.
    closeVectors (normalForm j g -0.75 |> Array.map (fun v -> -eta * v)) delta

[<Fact>]
let ``kappa = -1 on a batch is Gauss-Newton, the normal-equations step (J'J)^-1 J'g, through a tanh network and nonlinear physics`` () =
    let net = DenseNetwork.Mlp(2, [| 2 |], 2, Activation.Tanh)
    let physics = ProblemDefinition([| "x0"; "x1" |], [| "x0"; "x1^2 + x0" |], null, [| 0.0; 0.0 |], [| 0.0; 0.0 |]).Compile()
    let trainer = PhysicsTrainer(net, physics, sampler)
    let theta = net.Initialize(5)
    let B = 12 // 24 rows ≥ 12 parameters: full column rank for distinct inputs
    let z, yStar = batch 3 B 2 2
    let struct (flat: float[], g, _) = trainer.StackedJacobian(theta, z, yStar, B)
    let j = Array2D.init (2 * B) net.ParameterCount (fun r c -> flat.[r * net.ParameterCount + c])
    let delta = Array.zeroCreate net.ParameterCount
    trainer.Step(TrainingSettings(TrainingMethod.GaussNewton, 1.0, B, Tau = 1e-14), theta, z, yStar, B, OptimizerState(net.ParameterCount), delta) |> ignore
    let m = Matrix<float>.Build.DenseOfArray j
    // The least-squares solution by QR (not the SVD): for full column rank it is (𝒥ᵀ𝒥)⁻¹𝒥ᵀg; its
    // accuracy is about cond(𝒥)·ε relative, so the bound carries the condition number.
    let cond = m.ConditionNumber()
    Assert.True(cond < 1e6, sprintf "the batch Jacobian is too ill-conditioned for this check (cond %.3g)" cond)
    let expected = m.QR().Solve(Vector<float>.Build.DenseOfArray g).ToArray()
    let scale = expected |> Array.map abs |> Array.max
    Array.iteri2 (fun k e a -> Assert.True(abs (-e - a) <= 1e-12 * cond * scale + 1e-14, sprintf "θ[%d]: %.12g vs %.12g (cond %.3g)" k -e a cond)) expected delta
    // And 𝒥ᵀg is the backpropagated gradient of the mean loss (the same normalisation for all methods).
    let gradient = Array.zeroCreate net.ParameterCount
    trainer.Gradient(theta, z, yStar, B, gradient) |> ignore
    closeVectors (m.TransposeThisAndMultiply(Vector<float>.Build.DenseOfArray g).ToArray()) gradient

[<Fact>]
let ``SIP's physics step for linear P is IG's, A^-1 dy, whether by the derived inverse (PG) or the pseudo-inverse (IG)`` () =
    let net = DenseNetwork([| DenseLayer(2, 2, Activation.Identity) |])
    let trainer = PhysicsTrainer(net, linearPhysics (), sampler)
    let x = [| 0.4; -1.1 |]
    let y = [| 2.0 * 0.4 - 1.1; 0.4 - 3.3 |]
    let target = [| 1.5; 2.5 |]
    let jac = [| 2.0; 1.0; 1.0; 3.0 |]
    for eta in [ 1.0; 0.5 ] do
        let dy = Array.map2 (fun t v -> eta * (t - v)) target y
        // A⁻¹ = [[3, −1], [−1, 2]] / 5.
        let expected = [| (3.0 * dy.[0] - dy.[1]) / 5.0; (-dy.[0] + 2.0 * dy.[1]) / 5.0 |]
        for m in [ TrainingMethod.SipPhysicalGradient; TrainingMethod.SipInverseGradient ] do
            let dx = Array.zeroCreate 2
            let exact = trainer.PhysicsStep(TrainingSettings(m, 1e-3, 1, PhysicsStep = eta), x, y, jac, target, dx)
            Assert.True(exact, sprintf "%A fell back" m)
            closeVectors expected dx

[<Fact>]
let ``rescaling one output by lambda leaves Gauss-Newton's step unchanged and scaling every output by c scales HIG's by sqrt c`` () =
    // THEORY §6: with 𝒥 → D𝒥, g → Dg (D the output scaling), GN's minimum-norm solution of 𝒥 d = g is
    // unchanged when 𝒥 has full row rank (here 4 samples × 2 outputs = 8 rows < 30 parameters); HIG's
    // V Σ^(−½) Uᵀ g scales by c^(1+κ) = √c when D = c·I.
    let net = DenseNetwork.Mlp(1, [| 7 |], 2, Activation.Tanh)
    let theta = net.Initialize(2)
    let B = 4
    let z, y0 = batch 9 B 1 2
    let step (scale0: float) (scale1: float) (m: TrainingMethod) =
        let physics = ProblemDefinition([| "x0"; "x1" |], [| sprintf "%.17g*x0" scale0; sprintf "%.17g*x1" scale1 |], null, [| 0.0; 0.0 |], [| 0.0; 0.0 |]).Compile()
        let trainer = PhysicsTrainer(net, physics, sampler)
        let target = Array.mapi (fun i v -> (if i % 2 = 0 then scale0 else scale1) * v) y0
        let delta = Array.zeroCreate net.ParameterCount
        trainer.Step(TrainingSettings(m, 1.0, B, Tau = 1e-12), theta, z, target, B, OptimizerState(net.ParameterCount), delta) |> ignore
        delta
    closeVectors (step 1.0 1.0 TrainingMethod.GaussNewton) (step 1.0 0.01 TrainingMethod.GaussNewton)
    let c = 0.01
    closeVectors (step 1.0 1.0 TrainingMethod.Hig |> Array.map (fun v -> sqrt c * v)) (step c c TrainingMethod.Hig)

[<Fact>]
let ``physgrad train prints one csv row per method with a finite loss that fell`` () =
    let code, out, err = Cli.run [ "train"; "--example"; "hig-toy"; "--methods"; "adam,hig"; "--steps"; "30"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    let rows = out.Trim().Split('\n') |> Array.skip 1
    Assert.Equal(2, rows.Length)
    let json = Cli.run [ "train"; "--example"; "hig-toy"; "--methods"; "hig"; "--steps"; "30"; "--format"; "json" ]
    let _, text, _ = json
    let doc = System.Text.Json.JsonDocument.Parse(text)
    let run = doc.RootElement.GetProperty("methods").[0]
    let losses = run.GetProperty("losses")
    // The loss after 30 HIG steps is below the loss of the Glorot start (the run learns).
    Assert.True(run.GetProperty("finalLoss").GetDouble() < losses.[0].GetDouble())
    Assert.Equal(30, run.GetProperty("iterations").GetInt32())

[<Theory>]
[<InlineData("--steps", "0")>]
[<InlineData("--time", "-1")>]
[<InlineData("--lambda", "0")>]
[<InlineData("--methods", "newtonx")>]
[<InlineData("--methods", "hig:-1")>]
[<InlineData("--batch", "0")>]
[<InlineData("--tau", "1.5")>]
[<InlineData("--tau", "-1")>]
[<InlineData("--seeds", "0")>]
let ``physgrad train rejects bad options with exit 2 and a message naming the option`` (option: string) (value: string) =
    let code, _, err = Cli.run ([ "train"; option; value ] @ (if option = "--steps" then [] else [ "--steps"; "5" ]))
    Assert.Equal(2, code)
    Assert.Contains(option, err)
