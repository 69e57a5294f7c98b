/// The rounding tests' screen (hotpath32). GN, HIG, IG, PG and LM bounded P's running error (an interpreted run of all of P)
/// at every step to decide whether ∂L/∂y is rounding noise, though the answer is nearly always "no" at once. The screen
/// (Rounding.ComponentBeyond) tries the one component furthest above its level without the running error, with that
/// output's running error alone (CompiledProblem.OutputRoundingError, from the instructions it depends on); where it stays
/// above, the test fails whatever the others'. These tests check that the one-output bound is the whole run's, bit for bit,
/// that the screen never decides where the running error would change the verdict, and that runs with and without the
/// screen are the same runs.
module PhysGrad.Properties.Screen32

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open PhysGrad.Properties.VerdictHelpers

/// Simulators whose outputs share intermediates and cancel inside P (where the running error is far above u·|yᵢ|).
let private simulators =
    [ "x0 - sin(x0) - x1; x0*x1 + (x0 - sin(x0))"
      "1e12*x0*x1 + (exp(x0)*exp(x1) - exp(x0 + x1)); 1e-6*x1"
      "cos(x0) - 1 + x0^2/2 + x1; x1/(1 + x0^2) - (cos(x0) - 1)" ]

let private point =
    gen {
        let! e0 = Gen.choose (-800, 100)
        let! e1 = Gen.choose (-800, 100)
        let! s0 = Gen.elements [ -1.0; 1.0 ]
        let! s1 = Gen.elements [ -1.0; 1.0 ]
        return [| s0 * Math.Pow(10.0, float e0 / 100.0); s1 * Math.Pow(10.0, float e1 / 100.0) |]
    }
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``one output's running error bound has the bits of the whole program's`` () =
    Prop.forAll point (fun x ->
        for s in simulators do
            let p = problem s [| 0.0; 0.0 |] [| 1.0; 1.0 |]
            let all = Array.zeroCreate p.M
            p.OutputRoundingErrors(x, all)
            // In a shuffled order, so that no output's scratch is left over from the whole run or the output before.
            for i in [ 1; 0 ] do
                let one = p.OutputRoundingError(x, i)
                Assert.True(BitConverter.DoubleToInt64Bits one = BitConverter.DoubleToInt64Bits all.[i],
                            $"{s} at {x.[0]:R}, {x.[1]:R}: output {i}: {one:R} alone, {all.[i]:R} in the whole run"))

[<Fact>]
let ``the screen leaves the verdict to the full test where the running error puts the component within its level`` () =
    // x0 - sin(x0) at x0 = 1E-03: |y| = 1.7E-10 and |J x| = 5E-10, but sin(x0) rounds at 1E-03, so y is known to about 1E-19 only.
    let p = problem "x0 - sin(x0)" [| 0.0 |] [| 1e-3 |]
    let x = [| 1e-3 |]
    let (y, j) = (Array.zeroCreate 1, Array.zeroCreate 1)
    p.Simulate(x, y, j)
    let scales = Array.zeroCreate 1
    Rounding.OutputScales(y, j, x, scales)
    let level = 4.0 * Math.Pow(2.0, -52) * scales.[0]
    let error = Array.zeroCreate 1
    p.OutputRoundingErrors(x, error)
    // A residual of twice P's running error bound: far above the level without it, within 4ε·(ε₀/ε) = 4ε₀ with it.
    let noise = [| 2.0 * error.[0] |]
    Assert.True(noise.[0] > 1000.0 * level, $"{noise.[0]:R} against {level:R}")
    Assert.False(Rounding.ComponentBeyond(p, x, noise, Array.copy scales))
    // What the full test says of it: within every level once P's running error is counted.
    let full = Array.copy scales
    Rounding.AddRunningErrors(p, x, full, Array.zeroCreate 1)
    Rounding.Levels(full, full)
    Assert.True(Rounding.AllWithin(noise, full))
    // Ten times the level with it stays above: the screen decides.
    let beyond = [| 10.0 * full.[0] |]
    Assert.True(Rounding.ComponentBeyond(p, x, beyond, Array.copy scales))
    Assert.False(Rounding.AllWithin(beyond, full))

/// A run with the screen on or off (Rounding.Unscreened, on this thread only).
let private runWith unscreened (p: CompiledProblem) (m: Method) eta (start: float[]) iterations =
    Rounding.Unscreened <- unscreened
    try Optimizer.Run(p, m, eta, start, iterations)
    finally Rounding.Unscreened <- false

let private sameRun (label: string) (a: OptimizerRun) (b: OptimizerRun) =
    let bits (v: float[]) = v |> Array.map BitConverter.DoubleToInt64Bits
    Assert.True(a.StopReason = b.StopReason && a.Iterations = b.Iterations, $"{label}: {a.StopReason} after {a.Iterations} unscreened, {b.StopReason} after {b.Iterations} screened")
    Assert.Equal<int64[]>(bits a.Final, bits b.Final)
    Assert.Equal(BitConverter.DoubleToInt64Bits a.FinalLoss, BitConverter.DoubleToInt64Bits b.FinalLoss)
    Assert.Equal(a.StopDetail, b.StopDetail)

let private dense = [ Method.GaussNewton, 0.5; Method.InverseGradient, 0.5; Method.HalfInverseGradient, 0.5; Method.LevenbergMarquardt, 1.0 ]

[<Property(MaxTest = 15)>]
let ``runs of gn, ig, hig and lm are the same with and without the screen, to the bit`` () =
    Prop.forAll point (fun x0 ->
        for s in simulators do
            let p = problem s [| 0.5; 1e-3 |] x0
            for m, eta in dense do
                sameRun $"{m} on {s} from {x0.[0]:R}, {x0.[1]:R}" (runWith true p m eta x0 300) (runWith false p m eta x0 300))

[<Property(MaxTest = 20)>]
let ``on a*x0*x1; b*x1, whose stops are at rounding level, runs are the same with and without the screen`` () =
    let scales =
        gen {
            let! u = Gen.choose (-900, 1200)
            let! v = Gen.choose (-800, 800)
            return Math.Pow(10.0, float u / 100.0), Math.Pow(10.0, float v / 100.0)
        }
        |> Arb.fromGen
    Prop.forAll scales (fun (a, b) ->
        let p = problem $"{a:R}*x0*x1; {b:R}*x1" [| 1.0; 1.0 |] [| 1.0; 1.0 |]
        for m, eta in dense do
            sameRun $"{m}, a = {a:R}, b = {b:R}" (runWith true p m eta [| 1.0; 1.0 |] 2000) (runWith false p m eta [| 1.0; 1.0 |] 2000))
