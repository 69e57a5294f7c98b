/// Faults of round 31, fixed as kinds: a rank decision that dropped a singular value of a well-conditioned J
/// (Gauss–Newton, and IG's solve, took the typical size of a variable that starts at 0 from its rounding noise),
/// drop notes that did not say what was dropped, and quasi-Newton updates whose products underflowed at tiny
/// scales (BFGS's sᵀy of two steps of 10⁻¹⁶⁰, whose reciprocal overflowed to a NaN step).
module PhysGrad.Properties.Gn31

open System
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

let private run = Cli.run

let private outDir = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-gn31")

/// compare's JSON methods for the arguments given.
let private compareJson (args: string list) =
    let code, out, err = run ([ "compare" ] @ args @ [ "--format"; "json"; "--out"; outDir ])
    Assert.True((code = 0), err)
    (JsonDocument.Parse out).RootElement.GetProperty("methods").EnumerateArray() |> List.ofSeq

let private fallbackReasons (m: JsonElement) =
    [ for f in m.GetProperty("fallbacks").EnumerateArray() -> f.GetProperty("kind").GetString(), f.GetProperty("reason").GetString() ]

// ---- 1. a well-conditioned J keeps all its singular values ------------------------------------------------

/// J = [[0.1, 0.7, 0.3], [0.3, −0.7, 0.1], [x2, 1, x0]] has σ from about 0.13 to 1.6 along the whole path to
/// x* = (1, 0, 0). x1 and x2 start at 0 and stay at rounding noise (10⁻¹⁷); their typical sizes max(|x|, |x₀|)
/// were that noise, the equilibration scaled their columns by 10⁻¹⁷, and GN dropped "1 singular value of J" at
/// iterations 4–10 (IG called J singular, condition 2·10¹⁶).
[<Fact>]
let ``the round-31 example: GN and IG drop nothing on a J with sigma 0.13..1.6`` () =
    let methods =
        compareJson
            [ "--simulator"; "0.1*x0 + 0.7*x1 + 0.3*x2; 0.3*x0 - 0.7*x1 + 0.1*x2; x0*x2 + x1"; "--target"; "0.1,0.3,0"
              "--start"; "0,0,0"; "--methods"; "newton:1,gn:0.5,gd:0.5,ig:0.5" ]
    for m in methods do
        Assert.True(List.isEmpty (fallbackReasons m), sprintf "%s: %A" (m.GetProperty("name").GetString()) (fallbackReasons m))
    // GN and IG halve the distance to x* = (1, 0, 0) each step: 2⁻¹⁰ after 10.
    for name in [ "gn"; "ig" ] do
        let m = methods |> List.find (fun m -> m.GetProperty("name").GetString() = name)
        Assert.Equal(1.0 - Math.Pow(2.0, -10.0), m.GetProperty("final").[0].GetDouble(), 12)

/// 3 variables, y = A x + c ⊙ (bilinear terms): A with unit-or-larger diagonal and off-diagonal entries of at
/// most 0.2 (diagonally dominant), each output plus c_i x_p x_q with |c_i| ≤ 0.5. The target is P(x*) for an
/// x* with some components 0 (the case where typical sizes came from noise), the start x* with its nonzero
/// components moved and its zeros kept.
type private Case = { A: float[,]; C: float[]; Pairs: (int * int)[]; XStar: float[]; Start: float[] }

let private cases =
    gen {
        let! off = Gen.arrayOfLength 9 (Gen.choose (-2, 2))
        let a = Array2D.init 3 3 (fun i j -> if i = j then 1.0 + float (abs off.[i * 3 + j]) / 10.0 else float off.[i * 3 + j] / 10.0)
        let! c = Gen.arrayOfLength 3 (Gen.choose (-5, 5) |> Gen.map (fun k -> float k / 10.0))
        let! pairs = Gen.arrayOfLength 3 (Gen.elements [ 0, 1; 0, 2; 1, 2; 0, 0; 1, 1 ])
        let! zero = Gen.arrayOfLength 3 (Gen.elements [ true; false ])
        let! star = Gen.arrayOfLength 3 (Gen.choose (-4, 4) |> Gen.map (fun k -> float k / 4.0))
        let! moved = Gen.arrayOfLength 3 (Gen.choose (-4, 4) |> Gen.map (fun k -> float k / 4.0))
        let xStar = Array.init 3 (fun j -> if zero.[j] then 0.0 else star.[j])
        return { A = a; C = c; Pairs = pairs; XStar = xStar; Start = Array.init 3 (fun j -> if zero.[j] then 0.0 else xStar.[j] + moved.[j]) }
    }
    |> Arb.fromGen

let private text (v: float) = v.ToString("R", Globalization.CultureInfo.InvariantCulture)

let private compiled (c: Case) =
    let rows =
        [ for i in 0..2 ->
              let p, q = c.Pairs.[i]
              String.Join(" + ", [ for j in 0..2 -> sprintf "(%s)*x%d" (text c.A.[i, j]) j ]) + sprintf " + (%s)*x%d*x%d" (text c.C.[i]) p q ]
    let y (x: float[]) =
        Array.init 3 (fun i ->
            let p, q = c.Pairs.[i]
            (Seq.sum (seq { for j in 0..2 -> c.A.[i, j] * x.[j] })) + c.C.[i] * x.[p] * x.[q])
    CompiledProblem(Problem.Create([| "x0"; "x1"; "x2" |], Parse.many (String.Join("; ", rows)), null, y c.XStar, c.Start, null, false))

/// σ_min/σ_max of J at x, by MathNet's SVD of J as it is.
let private conditionRatio (problem: CompiledProblem) (x: float[]) =
    let y = Array.zeroCreate 3
    let j = Array.zeroCreate 9
    problem.Simulate(x, y, j)
    let s = Matrix<float>.Build.Dense(3, 3, fun r c -> j.[r * 3 + c]).Svd(false).S
    s.Minimum() / s.Maximum()

/// Along GN's path (η = ½, 12 steps) every iterate where J's σ_min/σ_max, measured on J as it is, is at least
/// 10⁻⁶ takes its step without a drop. GN's τ is 10⁻¹² relative, on J with rows and columns scaled by powers of
/// 2; the margin of 10⁶ covers what that scaling may do to the ratio of a J whose entries are all of order 1.
let private gnDropsNothingWhereWellConditioned (c: Case) =
    let problem = compiled c
    let stepper = Stepper(problem, GaussNewton(0.5, LinearSolver.Dense), c.Start)
    [ for _ in 1..12 ->
          let x = stepper.X.ToArray()
          let ratio = conditionRatio problem x
          let note = stepper.Step()
          let dropped = not (isNull note) && note.Kind = FallbackKind.SingularValuesDropped
          (ratio < 1e-6 || not dropped)
          |> Prop.label (sprintf "at x = %A, σ_min/σ_max = %g: %s" x ratio (if isNull note then "" else note.Reason)) ]
    |> List.reduce (.&.)

[<Property(MaxTest = 200)>]
let ``GN drops no singular value where J is well-conditioned, on random linear-plus-bilinear 3x3 problems`` () =
    Prop.forAll cases gnDropsNothingWhereWellConditioned

// ---- 2. a drop note says what was dropped, against what, and what to do -----------------------------------

[<Fact>]
let ``GN's drop note names the sigma dropped, sigma_max and the threshold; IG's fallback too`` () =
    let methods =
        compareJson [ "--simulator"; "x0 + x1; 2*x0 + 2*x1"; "--target"; "1,2"; "--start"; "1,1"; "--methods"; "gn:0.5,ig:0.5"; "--iterations"; "2" ]
    let gnKind, gnReason = fallbackReasons methods.[0] |> List.head
    Assert.Equal("SingularValuesDropped", gnKind)
    Assert.Contains("σ = 0 of the equilibrated J", gnReason)
    Assert.Contains("is at or below τ·σ_max = 1E-12 × 2 = 2E-12", gnReason)
    let igKind, igReason = fallbackReasons methods.[1] |> List.head
    Assert.Equal("JacobianSingular", igKind)
    Assert.Contains("rank 1 of 2: σ = 0 of the equilibrated J is at or below τ·σ_max = 1E-12 × 2 = 2E-12", igReason)

[<Fact>]
let ``HIG's drop note names sigma, sigma_max, tau*sigma_max and a tau that keeps it, which does`` () =
    let args tau =
        [ "--simulator"; "x0; 1e-4*x1"; "--target"; "1,1"; "--start"; "0,0"; "--methods"; "hig:0.5" + tau; "--iterations"; "2" ]
    let m = compareJson (args "") |> List.head
    let _, reason = fallbackReasons m |> List.head
    Assert.Contains("σ = 0.0001 of J is at or below τ·σ_max = 0.001 × 1 = 0.001; a smaller tau (e.g. hig:tau=5E-05) keeps it", reason)
    let kept = compareJson (args ":tau=5E-05") |> List.head
    Assert.Empty(fallbackReasons kept)

// ---- 3. tiny scales: products that underflow -----------------------------------------------------------------

/// y = x, target 10⁻¹⁷⁰, start 10⁻¹⁶⁰: the steps and gradient changes are 10⁻¹⁶⁰, so sᵀy = 10⁻³²⁰ lost its digits
/// and ρ = 1/sᵀy overflowed; BFGS's and L-BFGS's second step was NaN ("diverged"). On the scaled vectors the
/// first update is exact for this quadratic and the next step lands on the target.
[<Theory>]
[<InlineData("bfgs")>]
[<InlineData("lbfgs")>]
let ``BFGS and L-BFGS at 1e-160 take finite steps to the target`` (name: string) =
    let problem = CompiledProblem(Problem.Create([| "x0"; "x1" |], Parse.many "x0; x1", null, [| 1e-170; 1e-170 |], [| 1e-160; 1e-160 |], null, false))
    let rule: IUpdateRule = if name = "bfgs" then Bfgs 1.0 else LimitedMemoryBfgs 1.0
    let stepper = Stepper(problem, rule, [| 1e-160; 1e-160 |])
    for _ in 1..4 do stepper.Step() |> ignore
    let x = stepper.X.ToArray()
    Assert.True(x |> Array.forall (fun v -> abs (v - 1e-170) <= 1e-12 * 1e-170), sprintf "%s ended at %A" name x)

[<Fact>]
let ``compare at 1e-160 with a target of 1e-170: no quasi-Newton run diverges`` () =
    let code, out, err =
        run [ "compare"; "--simulator"; "x0; x1"; "--target"; "1e-170,1e-170"; "--start"; "1e-160,1e-160"; "--methods"; "bfgs:1,lbfgs:1,gn:0.5"
              "--out"; outDir ]
    Assert.True((code = 0), err)
    let text = TestHelpers.unwrapped (out + err)
    Assert.DoesNotContain("diverged", text)
    Assert.DoesNotContain("NaN", text)

/// Newton's pseudo-inverse fallback names its zero threshold too: H = diag(2, 0) for L = y0² + y1, y = x.
[<Fact>]
let ``Newton's dropped zero eigenvalue note names the threshold it was compared with`` () =
    let m =
        compareJson [ "--simulator"; "x0; x1"; "--loss"; "y0^2 + y1"; "--target"; "0,0"; "--start"; "1,1"; "--methods"; "newton:1"; "--iterations"; "1" ]
        |> List.head
    let _, reason = fallbackReasons m |> List.head
    Assert.Contains("dropped 1 zero eigenvalue (pseudo-inverse), those with |λ'| ≤ 1E-09 × max|λ'| = 2E-09 (λ' of H' = SHS", reason)
