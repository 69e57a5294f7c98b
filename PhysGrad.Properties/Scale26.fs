/// Scale-free numbers at the top and bottom of doubles (issue 12, scale26).
/// (1) The learning SVDs (PhysicsTrainer.Spectral: Householder LQ for a wide 𝒥, MathNet's thin QR for a tall
/// one, then the SVD of the small factor) scale 𝒥 by a power of two first: MathNet's SVD has an absolute
/// convergence threshold and the reflectors' norms √(xᵀx) underflow below ≈ 1E-154.
/// (2) check at 2ᵏ·P for k up to the largest exponent at which J is a finite double: where L = ½‖y − y*‖² (and
/// with it ∇L, ∇²L) overflows, every property is measured on P and y* times a power of two, as a loss that
/// underflows is (Tiny24), and the report says so; at 2⁵²⁰·P every property had been undef ("L = Infinity").
module PhysGrad.Properties.Scale26

open System
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning
open PhysGrad.Symbolic

// ---- 1. the learning SVDs at tiny and huge scales ------------------------------------------------------------

/// A fixed, well-conditioned rows × cols matrix (row by row): ones on the diagonal plus entries of at most
/// 0.05 elsewhere, so every singular value lies in [1 − 0.05·√(rows·cols), 1 + 0.05·√(rows·cols)] ⊂ [0.6, 1.4]
/// for the shapes below (‖noise‖₂ ≤ its Frobenius norm), and no truncation or rank question arises.
let private fixedMatrix rows cols (seed: int) =
    let random = Random seed
    Array.init (rows * cols) (fun i ->
        let r, c = i / cols, i % cols
        (if r = c then 1.0 else 0.0) + 0.1 * (random.NextDouble() - 0.5))

/// J⁺g from the normal equations, without any SVD: (JᵀJ)⁻¹Jᵀg for a tall J, Jᵀ(JJᵀ)⁻¹g for a wide one (LU
/// solves of a Gram matrix whose condition number is at most (1.4/0.6)² ≈ 5.4 here, so accurate to ~1E-15).
let private normalEquations (j: float[]) rows cols (g: float[]) =
    let m = Matrix<float>.Build.Dense(rows, cols, fun r c -> j.[r * cols + c])
    let gv = Vector<float>.Build.DenseOfArray g
    (if rows >= cols then m.TransposeThisAndMultiply(m).Solve(m.TransposeThisAndMultiply gv)
     else m.TransposeThisAndMultiply(m.TransposeAndMultiply(m).Solve gv)).ToArray()

let private spectral (j: float[]) rows cols g kappa =
    let result = Array.zeroCreate cols
    let kept = PhysicsTrainer.Spectral(j, rows, cols, g, kappa, 1e-10, result)
    kept, result

/// ‖a − b‖/‖b‖ with norms scaled by the largest entry (CompiledProblem.Norm): Σv² underflows at 1E-181.
let private relative (a: float[]) (b: float[]) =
    let norm (v: float[]) = CompiledProblem.Norm(ReadOnlySpan v, v.Length)
    norm (Array.map2 (-) a b) / norm b

[<Fact>]
let ``the learning step at 2^-600·J and 2^500·J is the step at J scaled exactly, and J's GN step is J⁺g`` () =
    // Wide shapes go through WideSpectral's LQ, tall ones through the thin QR: both routes, and the square
    // case on the wide one. Unscaled, MathNet's SVD of R or L at 2⁻⁶⁰⁰ (entries ≈ 1E-181, squares 0) returned
    // singular values and a step far from 2⁶⁰⁰ times J's.
    for rows, cols, seed in [ 3, 7, 1; 7, 3, 2; 5, 5, 3; 12, 4, 4; 2, 9, 5 ] do
        let j = fixedMatrix rows cols seed
        let g = Array.init rows (fun i -> float (i % 3) - 0.7)
        // At scale 1 the GN step (κ = −1) is J⁺g, computed here without an SVD.
        let kept, gn = spectral j rows cols g -1.0
        Assert.Equal(min rows cols, kept)
        let reference = normalEquations j rows cols g
        Assert.True(relative gn reference <= 1e-13, sprintf "%d×%d: %A against the normal equations' %A" rows cols gn reference)
        for k in [ -600; 500 ] do
            let scaled = j |> Array.map (fun v -> Math.ScaleB(v, k))
            for kappa in [ -1.0; -0.5; 1.0 ] do
                let _, unit = spectral j rows cols g kappa
                let keptScaled, step = spectral scaled rows cols g kappa
                Assert.Equal(min rows cols, keptScaled)
                // V Σ^κ Uᵀ g of 2^k·J is 2^(kκ) times J's (k even, so 2^(kκ) is a power of two for κ = −½ too):
                // the same numbers up to the rounding of σ^κ, a few units in the last place.
                let factor = Math.ScaleB(1.0, int (float k * kappa))
                let expected = unit |> Array.map (fun v -> v * factor)
                let off = relative step expected
                Assert.True(off <= 1e-15, sprintf "%d×%d, 2^%d·J, κ = %g: %A against %A (relative %g)" rows cols k kappa step expected off)

// ---- 2. check where the loss overflows doubles -----------------------------------------------------------------

/// Whether 2ᵏ·P's y and J at the start are finite doubles, J's formula included: the derivative of 2ᵏ·x1² is
/// 2^(k+1)·x1, whose constant overflows at k = 1023 though its value at x1 < 1 would not (the engine refuses to
/// fold it: SymbolicException).
let private finiteAt (p: Problem) k =
    try
        let c = CompiledProblem(ProblemTransform.rescaleOutputs (Math.ScaleB(1.0, k)) p)
        let y = Array.zeroCreate c.M
        let j = Array.zeroCreate (c.M * c.N)
        c.Simulate(p.Start, y, j)
        Array.forall Double.IsFinite y && Array.forall Double.IsFinite j
    with :? SymbolicException -> false

/// The largest k for which 2ᵏ·P has finite y and J at the start (finiteAt), and 2ᵏy* is finite: at most the k at
/// which the largest entry m·2ᵉ (m in [1, 2)) of y₀, y* and J stays below 2¹⁰²⁴, e + k ≤ 1023, less the few
/// binary orders by which J's formula's constants (degree × coefficient ≤ 6) exceed J's entries.
let private largestK (p: Problem) =
    let c = CompiledProblem(p)
    let y = Array.zeroCreate c.M
    let j = Array.zeroCreate (c.M * c.N)
    c.Simulate(p.Start, y, j)
    let top = 1023 - Math.ILogB(Seq.concat [ y; j; p.Target ] |> Seq.map abs |> Seq.max)
    Seq.initInfinite (fun d -> top - d) |> Seq.find (finiteAt p)

[<Property(MaxTest = 30)>]
let ``rescaling y by 2^k, k from 480 up to the largest k at which J is finite, changes no property's verdict`` () =
    // ScaleFree24 covers |k| ≤ 480, where ½‖y − y*‖² stays a double; above, L overflows (at 2⁵²⁰ every property
    // was undef). Each case checks a k drawn between 481 and the largest and the largest itself.
    Prop.forAll (Gen.zip ScaleFree24.problems (Gen.choose (0, 1000)) |> Arb.fromGen) (fun ((text, _, p), u) ->
        let top = largestK p
        let k = 481 + (top - 481) * u / 1000
        let offs =
            [ for k in [ k; top ] do
                  let scaled = ProblemTransform.rescaleOutputs (Math.ScaleB(1.0, k)) p
                  let report = TheoryChecks.Run(scaled)
                  let off = ScaleFree24.differences p scaled
                  // At the largest k the loss overflows (½‖2ᵏ(y − y*)‖² with 2ᵏ‖y − y*‖ within a few binary orders of
                  // 2¹⁰²³), and the report says how it measured; at a smaller k it may be a double, and not say so.
                  if k = top && isNull report.Note then yield $"2^{k}: no note"
                  if not (List.isEmpty off) then yield $"2^{k}: " + String.Join(" | ", off) ]
        List.isEmpty offs |> Prop.label (sprintf "P = %s, x₀ = %A, y* = %A, largest k %d: %s" text p.Start p.Target top (String.Join("; ", offs))))

let private statuses (out: string) =
    JsonDocument.Parse(out).RootElement.GetProperty("properties").EnumerateArray()
    |> Seq.map (fun r -> r.GetProperty("property").GetInt32(), r.GetProperty("result").GetString())
    |> List.ofSeq

[<Fact>]
let ``check of 2^520·P and of 1E+200·P at [3, 3] gives P's verdicts and says the loss is beyond doubles`` () =
    let plainCode, plain, _ = Cli.run [ "check"; "--simulator"; "x0; x1^2"; "--format"; "json" ]
    let plainAt3Code, plainAt3, _ = Cli.run [ "check"; "--simulator"; "x0; x1^2"; "--at"; "3,3"; "--format"; "json" ]
    Assert.DoesNotContain(("undef"), statuses plain |> List.map snd)
    for args, expected, expectedCode, loss in
        // L = ½‖y − y*‖² by hand: at the generic x = [0.6, 0.7] with y* = P(x′), x′ = [0.66, 0.63], the residual is
        // 2⁵²⁰·[0.06, 0.0931], L = 2¹⁰⁴⁰·0.006134 = 1.178E+313·0.006134 ≈ 7.2E+310; at [3, 3], x′ = [3.3, 2.7], it is s·[0.3, 1.71] for
        // s = 1E+200 or 1E+160, L = s²·1.507 ≈ 1.5E+400 or 1.5E+320.
        [ [ "check"; "--simulator"; "2^520*x0; 2^520*x1^2" ], plain, plainCode, "≈ 7.2E+310"
          [ "check"; "--simulator"; "1e200*x0; 1e200*x1^2"; "--at"; "3,3" ], plainAt3, plainAt3Code, "≈ 1.5E+400"
          [ "check"; "--simulator"; "1e160*x0; 1e160*x1^2"; "--at"; "3,3" ], plainAt3, plainAt3Code, "≈ 1.5E+320" ] do
        let code, out, err = Cli.run (args @ [ "--format"; "json" ])
        Assert.True(String.IsNullOrEmpty err, err)
        Assert.Equal<(int * string) list>(statuses expected, statuses out)
        Assert.Equal(expectedCode, code)
        let note = JsonDocument.Parse(out).RootElement.GetProperty("note").GetString()
        Assert.Contains("is beyond doubles at x", note)
        Assert.Contains(loss, note)
        Assert.Contains("measured on P and y* times 2^-", note)
        // The table says it once, above the properties.
        let _, text, _ = Cli.run args
        Assert.Contains("is beyond doubles at x", text)
        Assert.DoesNotContain("L = Infinity", text)
    // A problem whose loss is a double has no note.
    Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(plain).RootElement.GetProperty("note").ValueKind)

[<Fact>]
let ``where y itself overflows but J is finite, check measures on the rescaled outputs too`` () =
    // 2^1022·(x0 + x1², x1) at [4, 1]: y₀ = 5·2^1022 overflows; J = 2^1022·[1, 2; 0, 1] and y* = 2^1022·[1.5, 1.2] are finite.
    let p = Problem.Create([| "x0"; "x1" |], Parse.many "x0 + x1^2; x1", null, [| 1.5; 1.2 |], [| 4.0; 1.0 |], null, true)
    let scaled = ProblemTransform.rescaleOutputs (Math.ScaleB(1.0, 1022)) p
    let report = TheoryChecks.Run(scaled)
    Assert.Contains("y = P(x) itself overflows", report.Note)
    Assert.Equal<(int * CheckVerdict) list>(ScaleFree24.verdicts p, report |> Seq.map (fun r -> r.Property, r.Verdict) |> List.ofSeq)

[<Fact>]
let ``a loss that overflows under a loss of the user's own stays undef, and J beyond doubles too`` () =
    // No rescaling is claimed where the loss is not ½‖y − y*‖² (its scaling law is the user's) or J overflows.
    let own = Problem.Create([| "x0" |], Parse.many "x0", Parse.expression "1e200*(y0 - 1)^2", [| 1.0 |], [| 1e200 |], null, true)
    let report = TheoryChecks.Run(own)
    Assert.Null(report.Note)
    Assert.Contains(CheckVerdict.Undefined, report |> Seq.map (fun r -> r.Verdict))
    let huge = Problem.Create([| "x0" |], Parse.many "1e300*x0^3", null, [| 1.0 |], [| 1e10 |], null, true)
    let report = TheoryChecks.Run(huge)
    Assert.Null(report.Note)
