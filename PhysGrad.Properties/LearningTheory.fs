/// The theory's checks of learning (docs/theory.md §6, issue 15 item 5) as properties over random
/// problems: SIP's physics step for a linear P against the IG update rule itself, SIP's step under a
/// rescaled output, and what rescaling one output by λ does to the first-order loss decrease of HIG,
/// Gauss–Newton and GD.
module PhysGrad.Properties.LearningTheory

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Numerics.Learning

let private sampler : BatchSampler = BatchSampler(fun _ _ _ _ -> ())

let private num (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

/// P(x) = A x (A k × k), with target y* and start x given.
let private linear (a: float[,]) (target: float[]) (start: float[]) =
    let k = Array2D.length1 a
    let names = Array.init k (sprintf "x%d")
    let rows =
        Array.init k (fun i -> String.Join(" + ", Array.init k (fun j -> sprintf "(%s)*x%d" (num a.[i, j]) j)))
    ProblemDefinition(names, rows, null, target, start).Compile()

let private linearCase =
    gen {
        let! k = Gen.choose (2, 3)
        let! entries = Gen.arrayOfLength (k * k + 2 * k) (Gen.choose (-1000, 1000) |> Gen.map (fun v -> float v / 1000.0))
        // A = 3·I + E with |E_ij| ≤ ½: ‖E‖₂ ≤ k/2 ≤ 1.5, so A's singular values lie in [1.5, 4.5], cond(A) ≤ 3.
        let a = Array2D.init k k (fun i j -> 0.5 * entries.[i * k + j] + (if i = j then 3.0 else 0.0))
        let target = Array.init k (fun i -> 2.0 * entries.[k * k + i])
        let start = Array.init k (fun i -> entries.[k * k + k + i])
        let! eta = Gen.elements [ 1.0; 0.5; 0.25 ]
        return a, target, start, eta
    }
    |> fun cases ->
        // Shrinks toward the simplest failing case: y* = 0, x = 0, A = 3·I (E halved, which keeps
        // cond(A) ≤ 3), η = 1; each shrink stays inside the generator's set of valid cases.
        Arb.fromGenShrink (
            cases,
            fun (a: float[,], target: float[], start: float[], eta) ->
                let k = Array2D.length1 a
                seq {
                    if target |> Array.exists (fun v -> v <> 0.0) then yield a, Array.zeroCreate k, start, eta
                    if start |> Array.exists (fun v -> v <> 0.0) then yield a, target, Array.zeroCreate k, eta
                    let off = Array2D.init k k (fun i j -> a.[i, j] - (if i = j then 3.0 else 0.0))
                    if off |> Seq.cast<float> |> Seq.exists (fun v -> abs v > 1e-3) then
                        yield Array2D.init k k (fun i j -> 0.5 * off.[i, j] + (if i = j then 3.0 else 0.0)), target, start, eta
                    if eta <> 1.0 then yield a, target, start, 1.0
                }
        )

let private close (tol: float) (expected: float[]) (actual: float[]) =
    let scale = expected |> Array.map abs |> Array.max
    Array.forall2 (fun e a -> abs (e - a) <= tol * (scale + 1e-12)) expected actual

[<Property(MaxTest = 40)>]
let ``SIP's physics step for a linear P is the IG update rule's step, by the pseudo-inverse and by the derived inverse`` () =
    // THEORY §6: Δx_b = J_b⁺ η (y* − y_b) (SIP-IG) and P⁻¹(y_b + Δy_b) − x_b (SIP-PG) are, for P = A x with A
    // invertible, both A⁻¹ η (y* − A x): the step of the IG rule (THEORY §2) on the same problem, computed
    // here by the rule itself (Stepper with InverseGradient η from x), not by a hand inverse.
    Prop.forAll linearCase (fun (a, target, start, eta) ->
        let k = Array2D.length1 a
        let problem = linear a target start
        let stepper = Stepper(problem, InverseGradient(eta), Array.copy start)
        stepper.Step() |> ignore
        let ig = Array.map2 (-) (stepper.X.ToArray()) start
        let trainer = PhysicsTrainer(DenseNetwork([| DenseLayer(k, k, Activation.Identity) |]), problem, sampler)
        let y = Array.init k (fun i -> Seq.sum (seq { for j in 0 .. k - 1 -> a.[i, j] * start.[j] }))
        let jac = Array.init (k * k) (fun e -> a.[e / k, e % k])
        [ TrainingMethod.SipInverseGradient; TrainingMethod.SipPhysicalGradient ]
        |> List.forall (fun m ->
            let dx = Array.zeroCreate k
            let exact = trainer.PhysicsStep(TrainingSettings(m, 1e-3, 1, PhysicsStep = eta), Array.copy start, y, jac, target, dx)
            // cond(A) ≤ 3, so both routes agree with the rule's dense solve to ~1e-15 relative.
            exact && close 1e-11 ig dx)
        |> Prop.label (sprintf "A = %A, y* = %A, x = %A, η = %g, IG %A" a target start eta ig))

[<Property(MaxTest = 40)>]
let ``SIP's physics step is unchanged when one output and its target are rescaled by lambda`` () =
    // With P_λ = D P, y*_λ = D y* (D = diag(1, …, λ, …)): J_λ = D J and Δy_λ = D Δy, so J_λ⁻¹ Δy_λ = J⁻¹ Δy;
    // the derived inverse of D A x sees the same. λ spans 1e-3 … 1e3 (the toy's badly scaled output).
    // Shrinks λ toward 1 by halving its exponent (10^(e/2)), down to |log10 λ| < 0.01.
    let lambdas =
        Arb.fromGenShrink (
            Gen.choose (-3000, 3000) |> Gen.map (fun e -> 10.0 ** (float e / 1000.0)),
            fun lambda -> seq { if abs (log10 lambda) >= 0.01 then yield sqrt lambda }
        )
    Prop.forAll linearCase (fun (a, target, start, eta) ->
        Prop.forAll lambdas (fun lambda ->
            let k = Array2D.length1 a
            let step (scale: float) =
                let d i = if i = k - 1 then scale else 1.0
                let ad = Array2D.init k k (fun i j -> d i * a.[i, j])
                let td = Array.init k (fun i -> d i * target.[i])
                let problem = linear ad td start
                let trainer = PhysicsTrainer(DenseNetwork([| DenseLayer(k, k, Activation.Identity) |]), problem, sampler)
                let y = Array.init k (fun i -> Seq.sum (seq { for j in 0 .. k - 1 -> ad.[i, j] * start.[j] }))
                let jac = Array.init (k * k) (fun e -> ad.[e / k, e % k])
                [ TrainingMethod.SipInverseGradient; TrainingMethod.SipPhysicalGradient ]
                |> List.map (fun m ->
                    let dx = Array.zeroCreate k
                    trainer.PhysicsStep(TrainingSettings(m, 1e-3, 1, PhysicsStep = eta, Rcond = 1e-12), Array.copy start, y, jac, td, dx) |> ignore
                    dx)
            // cond(D A) ≤ 3·max(λ, 1/λ) ≤ 3e3: agreement to ~1e-12 relative.
            List.forall2 (close 1e-9) (step 1.0) (step lambda)
            |> Prop.label (sprintf "λ = %g" lambda)))

/// A network whose two outputs share no parameter: x = W z + b, z ∈ R (θ = W₀, W₁, b₀, b₁ in some order),
/// so output i depends on W_i and b_i only and the batch Jacobian is block diagonal in the outputs.
let private decoupled = DenseNetwork([| DenseLayer(1, 2, Activation.Identity) |])

/// The first-order change of each output's mean loss L_i = (1/B) Σ_b ½ r_{b,i}² under the step Δθ:
/// dL_i = Σ over the rows of output i of g_row · (𝒥 Δθ)_row, with 𝒥 and g the trainer's stacked Jacobian
/// and residual of the mean loss (rows b·2 + i); returned with L_i.
let private firstOrder (trainer: PhysicsTrainer) (theta: float[]) (z: float[]) (target: float[]) (b: int) (delta: float[]) =
    let struct (j: float[], g: float[], _) = trainer.StackedJacobian(theta, z, target, b)
    let p = theta.Length
    [| for i in 0 .. 1 ->
        let rows = [ for s in 0 .. b - 1 -> s * 2 + i ]
        let dL = rows |> List.sumBy (fun r -> g.[r] * Seq.sum (seq { for c in 0 .. p - 1 -> j.[r * p + c] * delta.[c] }))
        let l = rows |> List.sumBy (fun r -> 0.5 * g.[r] * g.[r])
        dL, l |]

[<Property(MaxTest = 30)>]
let ``rescaling one decoupled output by lambda scales its relative first-order loss decrease by lambda^(1+kappa) for GN and HIG and lambda^2 for GD`` (seed: int) =
    // THEORY §6 / the HIG toy's λ argument, in the form that holds exactly: when output 1's rows of 𝒥 and
    // g are scaled by λ and share no parameter with output 0, the step on its block is
    // −η V₁ (λΣ₁)^κ U₁ᵀ λ g₁ = λ^(1+κ) times the unscaled one, so dL₁ scales by λ^(2+1+κ) while L₁ scales
    // by λ²: the RELATIVE decrease dL₁/L₁ scales by λ^(1+κ) — 1 for Gauss–Newton (κ = −1, invariant),
    // √λ for HIG (κ = −½), λ² for GD (Δθ = −η 𝒥ᵀ g). HIG's first-order decrease is therefore NOT
    // invariant to rescaling one output; it shrinks the GD imbalance λ² to √λ (for λ = 0.01: 0.1 against
    // 1e-4). Output 0's decrease is unchanged for all three (its block does not see λ).
    let r = Random(abs (seed % 100000))
    let b = 5
    // Inputs spread over [−1, 1] (jittered), so each block (B × 2: columns z_b and 1) has cond ≈ 2.
    let z = Array.init b (fun s -> -1.0 + 2.0 * (float s + 0.5) / float b + 0.1 * (2.0 * r.NextDouble() - 1.0))
    let yHat = Array.init (2 * b) (fun _ -> 2.0 * r.NextDouble() - 1.0)
    let theta = Array.init decoupled.ParameterCount (fun _ -> 2.0 * r.NextDouble() - 1.0)
    let lambda = 10.0 ** (4.0 * r.NextDouble() - 2.0)
    let measure (scale: float) (m: TrainingMethod) =
        let physics = ProblemDefinition([| "x0"; "x1" |], [| "x0"; sprintf "(%s)*x1" (num scale) |], null, [| 0.0; 0.0 |], [| 0.0; 0.0 |]).Compile()
        let trainer = PhysicsTrainer(decoupled, physics, sampler)
        let target = Array.init (2 * b) (fun e -> if e % 2 = 1 then scale * yHat.[e] else yHat.[e])
        let delta = Array.zeroCreate theta.Length
        trainer.Step(TrainingSettings(m, 0.3, b, Tau = 1e-13), theta, z, target, b, OptimizerState(theta.Length), delta) |> ignore
        firstOrder trainer theta z target b delta
    let expectedPower = dict [ TrainingMethod.GaussNewton, 0.0; TrainingMethod.Hig, 0.5; TrainingMethod.GradientDescent, 2.0 ]
    for m in [ TrainingMethod.GaussNewton; TrainingMethod.Hig; TrainingMethod.GradientDescent ] do
        let one = measure 1.0 m
        let scaled = measure lambda m
        let relative (dL, l) = dL / l
        // Output 0: the same relative (and absolute) decrease.
        let r0, s0 = relative one.[0], relative scaled.[0]
        Assert.True(abs (r0 - s0) <= 1e-9 * abs r0, sprintf "%A output 0: %.15g vs %.15g (λ = %g)" m r0 s0 lambda)
        // Output 1: the relative decrease times λ^(1+κ) (or λ² for GD).
        let expected = relative one.[1] * lambda ** expectedPower.[m]
        let actual = relative scaled.[1]
        Assert.True(abs (expected - actual) <= 1e-8 * abs expected, sprintf "%A output 1: expected %.15g, got %.15g (λ = %g)" m expected actual lambda)
        // Each method decreases the loss to first order (dL < 0) on both outputs.
        Assert.True(fst scaled.[0] < 0.0 && fst scaled.[1] < 0.0, sprintf "%A: dL = %A" m scaled)
