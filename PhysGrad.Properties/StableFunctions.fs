/// Issue 11, kind 3 continued: log1p and expm1 as functions (parse, print, derivatives, units,
/// evaluation, kernels, C#), the softplus's stable form through log1p, and a negated sum cancelling
/// inside an exponent. Every expected value is written next to its source.
module PhysGrad.Properties.StableFunctions

open System
open System.IO
open System.Reflection
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open Xunit
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.TestHelpers

/// |a − b| within `ulps` units in the last place of b (equal infinities and zeros count as equal).
let private close (ulps: float) (expected: float) (actual: float) =
    expected = actual || abs (actual - expected) <= ulps * Math.BitIncrement(abs expected) - ulps * abs expected

let private assertClose (expected: float) (actual: float) =
    Assert.True(close 4.0 expected actual, sprintf "expected %.17g, got %.17g" expected actual)

/// The value, first and second derivative in x of f at x: by the reference interpreter, the compiled
/// kernel and the program VM (all three after the stable rewrite).
let private threeWays (f: Expr) (x: float) =
    let d1 = Calculus.derivativeBy "x" f
    let d2 = Calculus.derivativeBy "x" d1
    let interpreted = Evaluate.manyAt [| "x" |] [| x |] [| f; d1; d2 |]
    let program = Lower.valueGradientHessian [| "x" |] [||] true f
    let compiled = Array.zeroCreate program.Outputs.Length
    (KernelCompiler.CompileUncached(program, true)).Evaluate([| x |], compiled)
    let vm = Array.zeroCreate program.Outputs.Length
    let mutable scale = 0.0
    ProgramInterpreter.Evaluate(program, ReadOnlySpan [| x |], ReadOnlySpan.Empty, Span vm, &scale)
    // The program's outputs: value, gradient (1), Hessian (1).
    [ interpreted; compiled.[0..2]; vm.[0..2] ]

// ---- the functions themselves --------------------------------------------------------------------

[<Theory>]
// log1p(x) = x − x²/2 + x³/3 − …: at 1e−10 that is 1e−10 − 5e−21 (the cube is below an ulp).
[<InlineData("log1p", 1e-10, 9.9999999995e-11)>]
// log1p(−1e−10) = −1e−10 − 5e−21.
[<InlineData("log1p", -1e-10, -1.00000000005e-10)>]
// log1p(1) = log 2.
[<InlineData("log1p", 1.0, 0.69314718055994531)>]
// log1p(e − 1) = 1.
[<InlineData("log1p", 1.7182818284590452, 1.0)>]
// expm1(x) = x + x²/2 + x³/6 + …: at 1e−10 that is 1e−10 + 5e−21.
[<InlineData("expm1", 1e-10, 1.00000000005e-10)>]
// expm1(−1e−10) = −1e−10 + 5e−21.
[<InlineData("expm1", -1e-10, -9.9999999995e-11)>]
// expm1(1) = e − 1.
[<InlineData("expm1", 1.0, 1.7182818284590452)>]
// expm1(log 2) = 1.
[<InlineData("expm1", 0.69314718055994531, 1.0)>]
// expm1(−800) = −1 + e^−800, which is −1 in double precision.
[<InlineData("expm1", -800.0, -1.0)>]
let ``log1p and expm1 keep the digits that log(1 + x) and exp(x) − 1 lose`` (name: string, x: float, expected: float) =
    let f = Parse.expression (sprintf "%s(x)" name)
    for values in threeWays f x do
        assertClose expected values.[0]
    // The naive forms really do lose them here (otherwise the case tests nothing): at ±1e−10 the
    // sum 1 + x keeps only 7 of x's digits.
    if abs x = 1e-10 then
        let naive = if name = "log1p" then Math.Log(1.0 + x) else Math.Exp x - 1.0
        Assert.False(close 4.0 expected naive, sprintf "naive %.17g" naive)

[<Fact>]
let ``log1p and expm1 at the ends of their domains`` () =
    let at name x = Evaluate.at [| "x" |] [| x |] (Parse.expression (sprintf "%s(x)" name))
    // log1p(−1) = log 0 = −∞; below −1 log of a negative number: NaN; log1p(+∞) = +∞.
    Assert.Equal(Double.NegativeInfinity, at "log1p" -1.0)
    Assert.True(Double.IsNaN(at "log1p" -2.0))
    Assert.Equal(Double.PositiveInfinity, Elementary.log1p Double.PositiveInfinity)
    // expm1(800) overflows as exp(800) does; expm1(−∞) = −1.
    Assert.Equal(Double.PositiveInfinity, at "expm1" 800.0)
    Assert.Equal(-1.0, Elementary.expm1 Double.NegativeInfinity)
    // Both are exactly 0 at 0 (folded: log1p(0) = log 1 = 0, expm1(0) = e⁰ − 1 = 0).
    Assert.Equal(Expr.zero, Parse.expression "log1p(0) + expm1(0)")

[<Fact>]
let ``derivatives: log1p' = 1/(1 + x), expm1' = exp(x), and they are each other's inverse`` () =
    // d/dx log1p(x) = 1/(1 + x): 1/2 at x = 1; d²/dx² = −1/(1 + x)²: −1/4 at 1.
    for values in threeWays (Parse.expression "log1p(x)") 1.0 do
        assertClose (log 2.0) values.[0]
        assertClose 0.5 values.[1]
        assertClose -0.25 values.[2]
    // d/dx expm1(x) = exp(x): 1 at 0, and so is the second derivative.
    for values in threeWays (Parse.expression "expm1(x)") 0.0 do
        assertClose 0.0 values.[0]
        assertClose 1.0 values.[1]
        assertClose 1.0 values.[2]
    // log1p(expm1 u) = u and expm1(log1p u) = u, as log(exp u) = u.
    Assert.Equal(Parse.expression "x", Parse.expression "log1p(expm1(x))")
    Assert.Equal(Parse.expression "x^2", Parse.expression "expm1(log1p(x^2))")

[<Fact>]
let ``printing: infix round-trips, LaTeX uses operatorname`` () =
    let e = Parse.expression "log1p(x) + 2*expm1(y)"
    Assert.Equal(e, Parse.expression (Infix.format e))
    Assert.Contains("log1p(x)", Infix.format e)
    Assert.Equal("\\operatorname{log1p}\\left(x\\right)", LaTeX.format (Parse.expression "log1p(x)"))
    Assert.Equal("\\operatorname{expm1}\\left(x\\right)", LaTeX.format (Parse.expression "expm1(x)"))

[<Fact>]
let ``units: the arguments of log1p and expm1 must be dimensionless`` () =
    let infer text =
        Units.inferWith (Collections.Generic.Dictionary(dict [ "x", Units.parse "m"; "L", Units.parse "m" ])) (Parse.expression text)
    for f in [ "log1p"; "expm1" ] do
        let ex = Assert.ThrowsAny<exn>(fun () -> infer (sprintf "%s(x)" f) |> ignore)
        Assert.Contains(f, ex.Message)
        // x/L is a pure number: the result is too.
        Assert.True((infer (sprintf "%s(x/L)" f)).Equals PhysicalUnit.One)

// ---- softplus through log1p ------------------------------------------------------------------------

[<Theory>]
// softplus(−40) = log(1 + e^−40) = e^−40 − e^−80/2 + … = e^−40 in double precision
// (e^−40 = 4.248354255291589e−18); σ(−40) = e^−40/(1 + e^−40) and σ(1 − σ) are e^−40 too.
[<InlineData(-40.0, 4.248354255291589e-18, 4.248354255291589e-18, 4.248354255291589e-18)>]
// softplus(−800) = e^−800, below the smallest double: 0, as are σ and σ′.
[<InlineData(-800.0, 0.0, 0.0, 0.0)>]
// softplus(800) = 800 + log(1 + e^−800) = 800; σ(800) = 1; σ′ = e^−800 ≈ 0.
[<InlineData(800.0, 800.0, 1.0, 0.0)>]
// softplus(0) = log 2; σ(0) = 1/2; σ′(0) = 1/4.
[<InlineData(0.0, 0.69314718055994531, 0.5, 0.25)>]
let ``softplus, its derivative and its second derivative keep their tails`` (x: float, f: float, d1: float, d2: float) =
    for form in [ "log(1 + exp(x))"; "log1p(exp(x))" ] do
        for values in threeWays (Parse.expression form) x do
            assertClose f values.[0]
            assertClose d1 values.[1]
            assertClose d2 values.[2]

[<Fact>]
let ``softplus with a weight: log(1 + 3·exp(x)) keeps its tail and does not overflow`` () =
    let e = Parse.expression "log(1 + 3*exp(x))"
    // At −40: log(1 + 3e^−40) = 3e^−40 − 9e^−80/2 + … = 3·4.248354255291589e−18 = 1.2745062765874767e−17.
    // The weight enters as exp(x + log 3): rounding x + log 3 near 41 costs up to an ulp of 41
    // (7e−15), which is the relative error bound here.
    let v = Evaluate.at [| "x" |] [| -40.0 |] e
    Assert.True(abs (v - 1.2745062765874767e-17) <= 1e-14 * 1.2745062765874767e-17, sprintf "%.17g" v)
    // At 800: 800 + log 3 + log(1 + e^−800/3) = 800 + log 3.
    assertClose (800.0 + log 3.0) (Evaluate.at [| "x" |] [| 800.0 |] e)
    // At 0: log 4.
    assertClose (log 4.0) (Evaluate.at [| "x" |] [| 0.0 |] e)

// ---- generated C# ----------------------------------------------------------------------------------

[<Fact>]
let ``C#: log1p, expm1 and softplus compile and give the same tails`` () =
    let cs text = compileFunction (CSharp.formatRewritten (Parse.expression text))
    // As the cases above: log1p(1e−10) = 1e−10 − 5e−21, expm1(1e−10) = 1e−10 + 5e−21.
    assertClose 9.9999999995e-11 ((cs "log1p(x)").Invoke 1e-10)
    assertClose 1.00000000005e-10 ((cs "expm1(x)").Invoke 1e-10)
    assertClose -1.0 ((cs "expm1(x)").Invoke -800.0)
    let softplus = cs "log(1 + exp(x))"
    assertClose 4.248354255291589e-18 (softplus.Invoke -40.0)
    assertClose 800.0 (softplus.Invoke 800.0)
    // Nested: log1p(log1p(x)) at 1e−10 = log1p(1e−10 − 5e−21) = 1e−10 − 1e−20 (+ O(1e−30)).
    assertClose 9.999999999e-11 ((cs "log1p(log1p(x))").Invoke 1e-10)

// ---- a negated sum cancelling ---------------------------------------------------------------------

[<Fact>]
let ``a multiple of a sum cancels against like terms beside it`` () =
    // x + y − (x + y) = 0, so exp(…) = 1 exactly.
    Assert.Equal(Expr.one, Parse.expression "exp(x + y - (x + y))")
    // 2x − 2(x + y) = −2y.
    Assert.Equal(Parse.expression "-2*y", Parse.expression "2*x - 2*(x + y)")
    // A merge without a cancellation keeps the multiple: x − (x + y)/2 is not rewritten as x/2 − y/2.
    Assert.Equal("x - (x + y)/2", Infix.format (Parse.expression "x - (x + y)/2"))
    // a − (a − b) + 1 = b + 1.
    Assert.Equal(Parse.expression "b + 1", Parse.expression "a - (a - b) + 1")
    // With nothing to meet, a multiple of a sum stays as written: 3·(x + 1) + y is not expanded.
    Assert.Equal("3*(x + 1) + y", Infix.format (Parse.expression "3*(x+1) + y"))

// ---- the derived inverse of sinh at large negative outputs ---------------------------------------

[<Fact>]
let ``the derived inverse of sinh keeps full precision for large negative y`` () =
    // P = sinh(x0) from x = −9.5: y = sinh(−9.5) = −6685.8… . The textbook asinh(y) = log(y + √(y² + 1))
    // subtracts two numbers of size 6686 to get one of size 1/(2·6686) there, losing about 8 digits
    // (found by property 4, where PG's ratio d_(k+1)/d_k missed 1 − η by 3e-5). The odd form
    // sign(y)·log(|y| + √(y² + 1)) has no cancellation: the inverse returns −9.5 to a few ulps.
    let p = Problem.Create([| "x0" |], Parse.many "sinh(x0)", null, [| 0.0 |], [| -9.5 |], null, true) |> CompiledProblem
    for x in [ -9.5; -30.0; -2.0; 0.5; 12.0 ] do
        let back = [| 0.0 |]
        Assert.True(p.TryInvert([| Math.Sinh x |], [| x |], back))
        Assert.True(abs (back.[0] - x) <= 8.0 * Math.BitIncrement(abs x) - 8.0 * abs x, sprintf "asinh(sinh(%g)) = %.17g" x back.[0])
