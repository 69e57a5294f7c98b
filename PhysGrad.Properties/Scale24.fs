/// Issue 14's leftovers (branch perf24): an accepted sparse newton run on a reference example takes the
/// Hessian's pattern its check before tracing built; a difference limit at a point nearer the domain's
/// edge than its first probe step is two-sided when the derivative is; the short-decimal test reads
/// powers of two (whose lower neighbour is half as far as the upper) as their text does.
module PhysGrad.Properties.Scale24

open System
open System.Globalization
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private newton = MethodSpec(Method.Newton, 1.0)

[<Fact>]
let ``an accepted sparse newton run on heat1d takes the pattern its check before tracing built, and the same Hessian`` () =
    // 2,100 cells: over newton's dense limit (2,000), so the check reads the structure's pattern.
    let n = 2100
    Assert.True((ReferenceProblems.ApplicabilityOf("heat1d", n, newton)).IsApplicable)
    let checkedPattern = ReferenceStructure.HessianPattern("heat1d", n)
    let example = ReferenceProblems.Create("heat1d", n, defaultComparison = false)
    let pattern = example.Compiled.SparseHessianPattern()
    Assert.Same(checkedPattern, pattern)
    // The derived pattern (every cell's block placed) is the same, and so are the Hessian's values.
    let derived = CompiledProblem(example.Model)
    Assert.True(derived.SparseHessianPattern().SameAs pattern)
    let x = Array.init n (fun i -> sin (0.37 * float i))
    let h1, h2 = CsrMatrix(pattern), CsrMatrix(derived.SparseHessianPattern())
    let g1, g2 = Array.zeroCreate n, Array.zeroCreate n
    Assert.Equal(derived.SparseHessian(x, g2, h2), example.Compiled.SparseHessian(x, g1, h1))
    Assert.Equal<float>(h2.Values, h1.Values)
    Assert.Equal<float>(g2, g1)
    // A run on either takes the same steps, bit for bit.
    let start = Array.zeroCreate n
    let a = Optimizer.Run(example.Compiled, Method.Newton, 1.0, start, 2)
    let b = Optimizer.Run(derived, Method.Newton, 1.0, start, 2)
    Assert.Equal<float>(b.Final, a.Final)
    Assert.Equal<float>(b.Losses, a.Losses)

[<Fact>]
let ``a given Hessian pattern that lacks a derived nonzero is refused when the kernel is made, not written beside it`` () =
    let example = ReferenceProblems.Create("heat1d", 64)
    let n = 64
    // The diagonal alone: heat1d's Hessian couples cells up to 8 apart.
    let diagonal = SparsityPattern(n, n, Array.init (n + 1) id, Array.init n id)
    let c = CompiledProblem(example.Model, Func<_>(fun () -> diagonal))
    Assert.Same(diagonal, c.SparseHessianPattern())
    let e = Assert.Throws<InvalidOperationException>(fun () -> c.SparseHessian(Array.zeroCreate n, Array.zeroCreate n, CsrMatrix diagonal) |> ignore)
    Assert.Contains("lacks the derived nonzero", e.Message)

[<Fact>]
let ``a limit two millionths from the domain's edge is two-sided where the function is flat on both sides`` () =
    // L(0, x1) for y = x0^(10⁶·x1), y* = 1: y = 0 for x1 > 0, so L = ½ there and ∂L/∂x1 = 0; below x1 = 0 the
    // power is 0^(negative) = ∞. At x1 = 2·10⁻⁶ every probe step but the last (1/16 … 2⁻¹⁹) crossed the edge.
    let l (t: float) =
        let y = Math.Pow(0.0, 1e6 * (2e-6 + t))
        0.5 * (y - 1.0) * (y - 1.0)
    let o = DifferenceLimit.Derivative(Func<_, _>(l), 1.0)
    Assert.Equal(LimitVerdict.Limit, o.Verdict)
    Assert.Equal(0.0, o.Value)
    // A side undefined up to the point stays one-sided: √t's quotients from above only, 1/(2√t) → ∞ … and
    // t ↦ t for t ≥ 0 (undefined below) settles at 1 from above.
    let edge = DifferenceLimit.Derivative(Func<_, _>(fun t -> if t >= 0.0 then t else nan), 1.0)
    Assert.Equal(LimitVerdict.OneSidedAbove, edge.Verdict)
    Assert.Equal(1.0, edge.Value, 12)
    // A run's refusal of such an entry says what to do: x0^x1 at (0, 2) along (1, 1) moves x0 below 0, where
    // the power is undefined for the non-integer exponents next to 2.
    let p = Problem.Create([| "x0"; "x1" |], Parse.many "x0^x1", null, [| 1.0 |], [| 0.0; 2.0 |], null, true)
    let s = LimitSettledProblem(CompiledProblem p)
    let jv = Array.zeroCreate 1
    s.JacobianVector([| 0.0; 2.0 |], [| 1.0; 1.0 |], [| nan |], jv)
    Assert.True(Double.IsNaN jv.[0])
    let refusal = s.LastRefusal.Value.ToString()
    Assert.Contains("one side only", refusal)
    Assert.Contains("start the run inside the domain", refusal)

[<Fact>]
let ``gd from two millionths beside the edge stops at a stationary point, not as a divergence at step 1`` () =
    // At (0, 2·10⁻⁶): ∂y/∂x0 = 2·x0 = 0 (y = x0² along x0), ∂L/∂x1 = 0 as the limit above: ∇L = 0, and
    // ∂²L/∂x0² = (y − 1)·2 = −2, so the point is stationary and not a minimum.
    let vars = [| "x0"; "x1" |]
    let p = Problem.Create(vars, Parse.many "x0^(1000000*x1)", null, [| 1.0 |], [| 0.0; 2e-6 |], null, true)
    let r = Optimizer.Run(CompiledProblem p, Method.GradientDescent, 0.1, [| 0.0; 2e-6 |], 3)
    Assert.True((r.StopReason = StopReason.StationaryNonMinimum), sprintf "%A: %s" r.StopReason r.StopDetail)
    Assert.Equal(1, r.Exit.Iteration)
    Assert.Equal(FallbackKind.LimitTaken, r.Fallbacks.[0].Kind)
    Assert.Contains("both sides agree", r.Fallbacks.[0].Reason)

/// ±2ᵉ over the range the floating test covers (10⁻⁷ to 10²¹), each with its two neighbours, and the
/// decimals of 15 digits next to it (its 15-digit text ± 1, 2, 3 units in the last digit, read as doubles):
/// below a power of two the doubles are twice as dense, where the test's bound is halved.
let private nearPowersOfTwo =
    [ for e in -23 .. 69 do
          let p = Math.ScaleB(1.0, e)
          yield! [ p; Math.BitDecrement p; Math.BitIncrement p ]
          let text = p.ToString("E14", CultureInfo.InvariantCulture)
          let mantissa = Decimal.Parse(text.Substring(0, text.IndexOf 'E'), CultureInfo.InvariantCulture)
          let exponent = text.Substring(text.IndexOf 'E' + 1)
          for d in [ -3; -2; -1; 1; 2; 3 ] do
              let m = mantissa + decimal d * 1e-14m
              yield Double.Parse(m.ToString(CultureInfo.InvariantCulture) + "E" + exponent, CultureInfo.InvariantCulture) ]
    |> List.collect (fun x -> [ x; -x ])

[<Fact>]
let ``near every power of two a double is a short decimal exactly when its shortest text has at most 15 digits`` () =
    let wrong =
        nearPowersOfTwo
        |> List.filter (fun x ->
            let struct (text, digits) = Rational.OfDecimalDigits x
            let short = digits <= Rational.DecimalDigits
            Rational.IsShortDecimal x <> short || Rational.TryOfShortDecimal x <> (if short then ValueSome text else ValueNone))
    Assert.True(List.isEmpty wrong, sprintf "%A" (wrong |> List.map (fun x -> x.ToString "R")))
    // The list holds both kinds: powers of two (short) and their neighbours (17 digits).
    Assert.Contains(0.25, nearPowersOfTwo)
    Assert.Contains(nearPowersOfTwo, fun x -> not (Rational.IsShortDecimal x))
