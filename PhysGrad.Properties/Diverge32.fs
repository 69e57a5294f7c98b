/// compare's divergence stop (32): the rule "a loss more than 10⁶ × |start| above the start has diverged" was
/// applied to compare's final loss alone, so a run that passed the bound at iteration 6 ran on to its limit of
/// 200 (L = 4.1E+231) and was reported as "diverged at iteration 200". Every method now stops once its loss has
/// stayed beyond the bound for DivergenceWatch.Window = 10 iterations after the first without falling (a single
/// overshoot that comes back is not a divergence), and the stop text, the JSON and the plot legends name that
/// iteration; a run that ends beyond the bound sooner is diverged at its end, as before.
module PhysGrad.Properties.Diverge32

open System
open System.IO
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad
open PhysGrad.Numerics

let private outDir = Path.Combine(Path.GetTempPath(), "physgrad-diverge32")

/// The bound written out here on its own: L − L₀ > 10⁶·|L₀| (10⁶ when L₀ = 0).
let private beyond (l0: float) (l: float) = not (Double.IsFinite l) || l - l0 > 1e6 * (if l0 = 0.0 then 1.0 else abs l0)

/// compare on x0; 2*x1 from 0,0 to 1,1 (start loss 1) with one method: its JSON entry, and the loss plot's SVG.
let private compareOne (methodArg: string) (iterations: int) =
    let dir = Path.Combine(outDir, methodArg.Replace(":", "-") + "-" + string iterations)
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0; 2*x1"; "--target"; "1,1"; "--start"; "0,0"; "--methods"; methodArg
                  "--iterations"; string iterations; "--format"; "json"; "--out"; dir ]
    Assert.True((code = 1), sprintf "exit %d: %s" code err)
    let m = (JsonDocument.Parse out).RootElement.GetProperty("methods").[0]
    m, err, File.ReadAllText(Path.Combine(dir, "loss.svg"))

/// The iterations after the first beyond the bound that the loss must stay beyond it, not falling, for the run to stop.
let private window = 10

/// The first iteration k at which the trend rule holds on `losses` (L₀, L₁, …): every loss from k − 10 to k beyond the
/// bound, and L_k ≥ L_{k−10}; None when there is none.
let private trendStop (losses: float list) =
    let l = Array.ofList losses
    seq { window .. l.Length - 1 }
    |> Seq.tryFind (fun k -> Seq.forall (fun j -> beyond l.[0] l.[j]) (seq { k - window .. k }) && l.[k] >= l.[k - window])

/// The stop at iteration k: JSON stop and iterations, the losses up to k and no further, k the first iteration where the
/// trend rule holds (so the run went on past the first loss beyond the bound) or, `atLimit`, none holds before the
/// limit k, the text and the legend.
let private assertStoppedAt (atLimit: bool) (k: int) (m: JsonElement, err: string, svg: string) =
    Assert.Equal("Diverged", m.GetProperty("stopReason").GetString())
    Assert.Equal(k, m.GetProperty("stop").GetProperty("iteration").GetInt32())
    Assert.Equal(k, m.GetProperty("iterations").GetInt32())
    let losses = [ for l in m.GetProperty("losses").EnumerateArray() -> l.GetDouble() ]
    Assert.Equal(k + 1, losses.Length)
    Assert.True(beyond losses.[0] losses.[k], sprintf "L%d = %g" k losses.[k])
    Assert.Equal((if atLimit then None else Some k), trendStop losses)
    Assert.Contains(sprintf "in %d iterations, by more than 10⁶ times the start loss" k, m.GetProperty("stopText").GetString())
    Assert.Contains(sprintf "in %d iterations" k, TestHelpers.unwrapped err)
    Assert.Matches(sprintf "diverged at iteration %d(?![0-9])" k, svg)

/// gd:1.2 has η·λ = 9.6 on y1 = 2·x1: |1 − 9.6|² = 74 per step, L = 4.5E+06 at iteration 6, still rising 10 iterations
/// later (once run on to 4.1E+231 at 200).
[<Fact>]
let ``gd 1.2 on x0; 2*x1 stops at iteration 16, not at its limit of 200`` () =
    compareOne "gd:1.2" 200 |> assertStoppedAt false 16

/// newton:2.5 multiplies the residual by 1 − 2.5 each step: L = 1.5^(2k), past 1 + 10⁶ at k = 18, so the trend rule holds
/// at 28 (once run on to 3.7E+10 at 30); with a limit of 20 the run ends beyond the bound at its limit, diverged there.
[<Fact>]
let ``newton 2.5 on x0; 2*x1 stops at iteration 28, or diverged at a limit of 20`` () =
    compareOne "newton:2.5" 20 |> assertStoppedAt true 20
    compareOne "newton:2.5" 40 |> assertStoppedAt false 28

/// One overshoot far beyond the bound that comes back is not a divergence: GN's first step on 1e12*x0*x1; 1e-6*x1 raises
/// L from 5E+23 to 4E+45 and it stays beyond the bound for dozens of iterations, falling all the while, down to rounding.
[<Fact>]
let ``an overshoot that comes back is not stopped as diverged`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "1e12*x0*x1; 1e-6*x1"; "--target"; "1,1"; "--start"; "1,1"; "--methods"; "gn"
                  "--iterations"; "1000"; "--format"; "json"; "--out"; Path.Combine(outDir, "overshoot") ]
    let m = (JsonDocument.Parse out).RootElement.GetProperty("methods").[0]
    let losses = [ for l in m.GetProperty("losses").EnumerateArray() -> l.GetDouble() ]
    Assert.True(losses |> List.exists (beyond losses.[0]), sprintf "no overshoot beyond the bound: %A" losses)
    Assert.NotEqual<string>("Diverged", m.GetProperty("stopReason").GetString())
    Assert.True(List.last losses < losses.[0], sprintf "exit %d, %A\n%s" code losses err)

/// A random square linear problem y = A x (integer entries in −3..3, det ≠ 0), target and start with integer
/// entries whose start residual r₀ = A x₀ − y* has a tenth of its length at least along A's leading left
/// singular vector u₁, and a factor c in 1.25..3.
type LinearCase = { A: float[,]; Target: float[]; Start: float[]; C: float }

let linearCases =
    gen {
        let! n = Gen.choose (2, 3)
        let! entries = Gen.arrayOfLength (n * n) (Gen.choose (-3, 3))
        let! target = Gen.arrayOfLength n (Gen.choose (-3, 3))
        let! start = Gen.arrayOfLength n (Gen.choose (-3, 3))
        let! c = Gen.choose (125, 300)
        return { A = Array2D.init n n (fun i j -> float entries.[i * n + j]); Target = Array.map float target; Start = Array.map float start; C = float c / 100.0 }
    }
    |> Arb.fromGen

type Diverge32Arbs =
    static member Case() = linearCases

let private usable (case: LinearCase) =
    let a = Matrix<float>.Build.DenseOfArray case.A
    let r0 = a * Vector<float>.Build.DenseOfArray case.Start - Vector<float>.Build.DenseOfArray case.Target
    let svd = a.Svd(true)
    abs (a.Determinant()) >= 0.5 && r0.L2Norm() > 0.0 && abs (svd.U.Column(0) * r0) >= 0.1 * r0.L2Norm()

let private text (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

/// gd at η = c·2/σ₁² (η·λ_max = 2c > 2) and newton at η = 1 + c (|1 − η| = c ≥ 1.25) both multiply r's u₁ part by at
/// least 1.5 per step, so L_k ≥ ½·1.5^(2k)·(u₁ᵀr₀)² ≥ 2.25^k·L₀/100 passes 10⁶·L₀ before iteration 25 of the 60
/// allowed: each run stops as diverged at the first iteration where it has stayed beyond the bound for 10 iterations
/// without falling, and says that iteration.
[<Property(MaxTest = 40, Arbitrary = [| typeof<Diverge32Arbs> |])>]
let ``a linear problem at a step size beyond stability stops at the first loss beyond the bound`` (case: LinearCase) =
    usable case ==> lazy (
        let n = case.Start.Length
        let rows =
            [ for i in 0 .. n - 1 ->
                String.Join(" + ", [ for j in 0 .. n - 1 -> sprintf "(%s)*x%d" (text case.A.[i, j]) j ]) ]
        let problem = PhysicsProblem.FromText(String.Join("; ", rows), case.Target, case.Start)
        let sigma1 = (Matrix<float>.Build.DenseOfArray case.A).Svd(false).S.[0]
        let methods = [| struct (Method.GradientDescent, case.C * 2.0 / (sigma1 * sigma1)); struct (Method.Newton, 1.0 + case.C) |]
        for r in problem.Compare(methods, 60) do
            let run = r.Run
            Assert.True((run.StopReason = StopReason.Diverged), sprintf "%s: %A %s" run.Name run.StopReason run.StopDetail)
            let k = run.Exit.Iteration
            let at = [| for i in 0 .. run.Losses.Count - 1 -> run.LossIterationAt i, run.Losses.[i] |]
            let l0 = snd at.[0]
            Assert.Equal(k, fst at.[at.Length - 1])
            Assert.True(beyond l0 (snd at.[at.Length - 1]), sprintf "%s: L%d = %g from %g" run.Name k (snd at.[at.Length - 1]) l0)
            // Every loss is recorded here (at.[i] is iteration i): the stop is the first iteration where the trend rule holds.
            Assert.Equal(Some k, trendStop (at |> Array.map snd |> List.ofArray))
            Assert.Contains(sprintf "in %d iterations" k, run.StopDetail))
