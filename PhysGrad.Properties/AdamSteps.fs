/// Adam's later steps against Kingma & Ba's Algorithm 1 written out here (issue 13's benchmarks moved the
/// bias corrections out of the per-entry loop: they must still count the steps).
module PhysGrad.Properties.AdamSteps

open Xunit
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

[<Fact>]
let ``three Adam steps follow Algorithm 1 with bias corrections 1 − β^k`` () =
    // L = ½(x0² + 4x1²) on the identity simulator: ∂L/∂x = [x0, 4x1] by hand.
    let problem =
        CompiledProblem([| "x0"; "x1" |], Parse.many "x0; x1", [| "y0"; "y1" |], Parse.expression "(y0^2 + 4*y1^2)/2")

    let eta, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    let stepper = Stepper(problem, Adam(eta, b1, b2, eps), [| 1.0; -2.0 |])
    // Algorithm 1: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², x ← x − η m̂/(√v̂ + ε),
    // m̂ = m/(1 − β₁ᵏ), v̂ = v/(1 − β₂ᵏ).
    let x = [| 1.0; -2.0 |]
    let m = Array.zeroCreate 2
    let v = Array.zeroCreate 2

    for k in 1..3 do
        let g = [| x.[0]; 4.0 * x.[1] |]

        for i in 0..1 do
            m.[i] <- b1 * m.[i] + 0.1 * g.[i]
            v.[i] <- b2 * v.[i] + 0.001 * g.[i] * g.[i]
            let mHat = m.[i] / (1.0 - b1 ** float k)
            let vHat = v.[i] / (1.0 - b2 ** float k)
            x.[i] <- x.[i] - eta * mHat / (sqrt vHat + eps)

        stepper.Step() |> ignore

    // After step 1 each coordinate moved by exactly η (m̂ = g, v̂ = g²); by step 3 the bias
    // corrections 1 − β^k matter: with k stuck at 1, x0 after three steps would be 0.612 instead of 0.702.
    for i in 0..1 do
        Assert.Equal(x.[i], stepper.X.[i], 14)
