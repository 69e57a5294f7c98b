/// Values at extreme but valid scales (trial 22): an intermediate that overflows or underflows in doubles
/// ((x² + y²)^(3/2) at x = y = 10^±150) must not make a derivative 0, "undefined" or "not differentiable";
/// the Wide arithmetic (double mantissa, integer exponent) that re-evaluates such entries is checked against
/// exact powers of ten; and log(1 + u), exp(u) − 1 keep the digits of a tiny u.
module PhysGrad.Properties.Range22

open System
open System.IO
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

let private wide (f: string) (names: string[]) (point: float[]) =
    (WideEvaluate.manyAt names point [| Parse.expression f |]).[0]

let private near (expected: float) (actual: float) (relative: float) =
    Assert.True(abs (actual - expected) <= relative * abs expected, sprintf "expected %.17g, got %.17g" expected actual)

// ---- The Wide arithmetic, against exact values ----

[<Fact>]
let ``wide products and quotients of powers of ten beyond 1e308 come back exact`` () =
    // 10²⁰⁰·10²⁰⁰ = 10⁴⁰⁰ (∞ in doubles), then /10¹⁰⁰ = 10³⁰⁰; 10⁻²⁰⁰·10⁻²⁰⁰ = 10⁻⁴⁰⁰ (0 in doubles), ·10⁶⁰⁰ = 10²⁰⁰.
    near 1e300 ((wide "x*y/z" [| "x"; "y"; "z" |] [| 1e200; 1e200; 1e100 |]).ToDouble()) 4e-16
    near 1e200 ((wide "x*y*z*z" [| "x"; "y"; "z" |] [| 1e-200; 1e-200; 1e300 |]).ToDouble()) 4e-16
    let big = wide "x*y" [| "x"; "y" |] [| 1e200; 1e200 |]
    Assert.True(big.OutsideDoubles)
    Assert.Equal("1E+400", big.Text 6)
    Assert.Equal("1E-400", (wide "x*y" [| "x"; "y" |] [| 1e-200; 1e-200 |]).Text 6)
    Assert.Equal("-3.5E+450", (wide "-x^3*y" [| "x"; "y" |] [| 1e150; 3.5 |]).Text 6)

[<Property(MaxTest = 200)>]
let ``wide 10^a times 10^b divided by 10^a is 10^b, and its log10 is a + b, at every pair of exponents`` () =
    let exponents = Gen.choose (-307, 307) |> Gen.two |> Arb.fromGen
    Prop.forAll exponents (fun (a, b) ->
        let x, y = Math.Pow(10.0, float a), Math.Pow(10.0, float b)
        let product = wide "x*y" [| "x"; "y" |] [| x; y |]
        let back = (wide "x*y/x2" [| "x"; "y"; "x2" |] [| x; y; x |]).ToDouble()
        (abs (product.Log10 - float (a + b)) < 1e-12 && abs (back - y) <= 4e-16 * y)
        |> Prop.label (sprintf "10^%d · 10^%d: log10 %.15g, back %.17g" a b product.Log10 back))

[<Fact>]
let ``wide powers, roots, exp and log are exact far outside the double range`` () =
    // (x² + y²)^(3/2)/z³ at x = y = z = 10¹⁵⁰: 2^(3/2) = 2√2, with 2.8·10⁴⁵⁰ in between.
    near (2.0 * sqrt 2.0) ((wide "(x^2+y^2)^(3/2)/z^3" [| "x"; "y"; "z" |] [| 1e150; 1e150; 1e150 |]).ToDouble()) 1e-15
    // The same at 10⁻¹⁵⁰, where the power is 2.8·10⁻⁴⁵⁰.
    near (2.0 * sqrt 2.0) ((wide "(x^2+y^2)^(3/2)/z^3" [| "x"; "y"; "z" |] [| 1e-150; 1e-150; 1e-150 |]).ToDouble()) 1e-15
    // sqrt of 10⁻⁴⁰⁰, and a cube root of 10⁻⁶⁰⁰.
    near 1e-200 ((wide "sqrt(x*y)" [| "x"; "y" |] [| 1e-200; 1e-200 |]).ToDouble()) 4e-16
    near 1e-200 ((wide "(x*y*y)^(1/3)" [| "x"; "y" |] [| 1e-200; 1e-200 |]).ToDouble()) 1e-15
    // e¹⁰⁰⁰ = 1.9700711140170469938888793522433·10⁴³⁴ (overflows in doubles), times 10⁻³⁰⁰.
    near 1.9700711140170469938888793522433e134 ((wide "exp(x)*y" [| "x"; "y" |] [| 1000.0; 1e-300 |]).ToDouble()) 1e-13
    // log(10⁴⁰⁰) = 400·ln 10.
    near (400.0 * Math.Log 10.0) ((wide "log(x*y)" [| "x"; "y" |] [| 1e200; 1e200 |]).ToDouble()) 1e-15
    // sin(10⁻⁴⁰⁰)/10⁻²⁰⁰ = 10⁻²⁰⁰ (sin u = u below 2⁻⁶⁰), and cos of it is 1.
    near 1e-200 ((wide "sin(x*y)/x" [| "x"; "y" |] [| 1e-200; 1e-200 |]).ToDouble()) 4e-16
    near 1.0 ((wide "cos(x*y)" [| "x"; "y" |] [| 1e-200; 1e-200 |]).ToDouble()) 0.0
    // A real pole stays one: 1/(x·y) at x = 0 is ∞.
    Assert.False((wide "1/(x*y)" [| "x"; "y" |] [| 0.0; 1.0 |]).IsFinite)

// ---- diff and eval at 10^±150 ----

// The Hessian of r = sqrt(x² + y²) is [[y², −xy], [−xy, x²]]/r³: at x = y = s every entry is ±1/(2√2·s).
let private hessianOfR (s: float) = 1.0 / (2.0 * sqrt 2.0 * s)

[<Theory>]
[<InlineData(1e-150)>]
[<InlineData(1e150)>]
[<InlineData(1e-170)>]
[<InlineData(1e-300)>]
let ``diff of sqrt(x^2+y^2) at x = y = s has its true Hessian, with no limit, note or undefined entry`` (s: float) =
    let r = Derivatives.Compute("sqrt(x^2+y^2)", [| "x"; "y" |], 2, [| s; s |])
    let h = hessianOfR s
    Assert.Empty(r.Undefined)
    Assert.Empty(r.Notes)
    near (sqrt 2.0 * s) r.Value.Value 1e-15
    near (1.0 / sqrt 2.0) r.GradientAt.[0] 1e-15
    near h r.HessianAt.[0, 0] 1e-14
    near -h r.HessianAt.[0, 1] 1e-14
    near -h r.HessianAt.[1, 0] 1e-14
    near h r.HessianAt.[1, 1] 1e-14

[<Fact>]
let ``diff of sqrt(x^2+y^2) at the origin is still not differentiable`` () =
    let r = Derivatives.Compute("sqrt(x^2+y^2)", [| "x"; "y" |], 1, [| 0.0; 0.0 |])
    Assert.True(Double.IsNaN r.GradientAt.[0])
    Assert.Contains("not differentiable", r.UndefinedBecause("df/dx"))

[<Fact>]
let ``eval writes the true Hessian of sqrt(x^2+y^2) at 1e150 and 1e-150, with no notes`` () =
    let output = new StringWriter()
    let notes = new StringWriter()
    BatchEvaluation.Run("sqrt(x^2+y^2)", [| "x"; "y" |], 2, new StringReader("1e150,1e150\n1e-150,1e-150\n"), output, notes) |> ignore
    Assert.Equal("", notes.ToString())
    let rows = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.skip 1
    for row, s in Array.zip rows [| 1e150; 1e-150 |] do
        let cells = row.Split(',') |> Array.map float
        // x, y, f, df/dx, df/dy, then the Hessian row by row.
        near (hessianOfR s) cells.[5] 1e-14
        near -(hessianOfR s) cells.[6] 1e-14
        near (hessianOfR s) cells.[8] 1e-14

[<Fact>]
let ``a value beyond the double range is undefined with its true size and what to do, and its derivative is still given`` () =
    // x³ at 10¹⁰³ is 10³⁰⁹; 3x² = 3·10²⁰⁶ is representable and is the derivative.
    let r = Derivatives.Compute("x^3", [| "x" |], 1, [| 1e103 |])
    Assert.Contains("1E+309", r.UndefinedBecause("f"))
    Assert.Contains("rescale", r.UndefinedBecause("f"))
    near 3e206 r.GradientAt.[0] 1e-15
    Assert.Null(r.UndefinedBecause("df/dx"))

[<Fact>]
let ``a value below the double range is shown as its nearest double with a note giving its true size`` () =
    // x³·y at x = 10⁻¹¹⁰ is 10⁻³³⁰ (0 in doubles); its gradient 3·10⁻²²⁰ and Hessian entry 6·10⁻¹¹⁰ are normal.
    let r = Derivatives.Compute("x^3*y", [| "x"; "y" |], 2, [| 1e-110; 1.0 |])
    Assert.Equal(0.0, r.Value.Value)
    let note = r.Notes |> Seq.find (fun n -> n.Entry = "f")
    Assert.Contains("1E-330", note.Message)
    near 3e-220 r.GradientAt.[0] 1e-15
    near 6e-110 r.HessianAt.[0, 0] 1e-15
    Assert.Empty(r.Undefined)

[<Fact>]
let ``eval at order 0 gives the true value where an intermediate overflows, and the size of one beyond the range`` () =
    let output = new StringWriter()
    let notes = new StringWriter()
    // x²/y at 10²⁰⁰, 10²⁰⁰: 10⁴⁰⁰/10²⁰⁰ = 10²⁰⁰ although x² overflows; x³ at 10¹⁰³ is beyond the range.
    BatchEvaluation.Run("x^2/y + 0*x^3", [| "x"; "y" |], 0, new StringReader("1e200,1e200\n"), output, notes) |> ignore
    near 1e200 (float ((output.ToString().Split('\n').[1]).Split(',').[2])) 1e-15
    let notes = new StringWriter()
    BatchEvaluation.Run("x^3", [| "x" |], 0, new StringReader("1e103\n"), new StringWriter(), notes) |> ignore
    Assert.Contains("1E+309", notes.ToString())

// ---- log1p and expm1 forms at tiny arguments ----

[<Theory>]
[<InlineData("log(1+x)", 1e-20, 1e-20)>]
[<InlineData("log(1-x)", 1e-20, -1e-20)>]
[<InlineData("exp(x)-1", 1e-20, 1e-20)>]
[<InlineData("1-exp(x)", 1e-20, -1e-20)>]
[<InlineData("3*exp(x)-3", 1e-20, 3e-20)>]
[<InlineData("x^2 + exp(x) - 1", 1e-20, 1e-20)>]
// (eˣ − 1)/(eˣ + 1) = tanh(x/2): 5·10⁻²¹ at 10⁻²⁰, and 1 at 800, where eˣ overflows.
[<InlineData("(exp(x)-1)/(exp(x)+1)", 1e-20, 5e-21)>]
[<InlineData("(exp(x)-1)/(exp(x)+1)", 800.0, 1.0)>]
// e³⁰ − 1 = 10686474581523.4621 (e³⁰ = 10686474581524.4621).
[<InlineData("exp(x)-1", 30.0, 1.06864745815234621e13)>]
[<InlineData("log(1+x)", 1e30, 69.077552789821368)>]
let ``cancelling forms keep the digits of a small argument in diff, the interpreter and the compiled kernel`` (f: string, x: float, expected: float) =
    let r = Derivatives.Compute(f, [| "x" |], 1, [| x |])
    near expected r.Value.Value 1e-14
    near expected (Evaluate.at [| "x" |] [| x |] (Parse.expression f)) 1e-14
    let output = new StringWriter()
    BatchEvaluation.Run(f, [| "x" |], 0, new StringReader(string x + "\n"), output) |> ignore
    near expected (float ((output.ToString().Split('\n').[1]).Split(',').[1])) 1e-14

[<Fact>]
let ``log(1+x)'s derivatives at 1e-20 are those of log1p`` () =
    let r = Derivatives.Compute("log(1+x)", [| "x" |], 2, [| 1e-20 |])
    near 1e-20 r.Value.Value 1e-15
    near 1.0 r.GradientAt.[0] 1e-15
    near -1.0 r.HessianAt.[0, 0] 1e-15
