/// The simplifier cancels an exponential common to a quotient's numerator and denominator where the
/// denominator's terms hold it only inside a power of a sum (round 31b). Newton on x0*exp(x0) printed
/// Δx0 = -eta*t1*t2*exp(x0)/(t2*(x0 + 2)*exp(x0) + t1^2*exp(2*x0)): before naming, the second term is
/// (exp(x0) + x0*exp(x0))^2, with no exponential factor of its own, so nothing cancelled, and the generated
/// code gave inf/inf = NaN for 355 < x0 < 709.
module PhysGrad.Properties.Simplify31b

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// The rule's one step as derived (simplified, before the printer names anything).
let private newtonStep (simulator: string) =
    let problem = ProblemDefinition([| "x0" |], [| simulator |], null, [||], [||])
    ((UpdateRuleSet.Derive(problem, [| Method.Newton |]) |> Seq.exactlyOne).Steps |> Seq.exactlyOne).Core

/// The value of e as written (what printed and generated code compute: no stable rewrite).
let private written (names: string[]) (point: float[]) (e: Expr) =
    (Evaluate.manyAsWritten (fun s -> point.[Array.findIndex ((=) s) names]) [| e |]).[0]

let private names = [| "x0"; "ys0"; "eta" |]

[<Fact>]
let ``Newton on x0*exp(x0) prints no exp(x0) common to numerator and denominator`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "x0*exp(x0)"; "--methods"; "newton" ]
    Assert.True((code = 0), err)
    // Was -eta*t1*t2*exp(x0)/(t2*(x0 + 2)*exp(x0) + t1^2*exp(2*x0)).
    Assert.Contains("Δx0 = -eta*t1*t2/(t2*(x0 + 2) + t1^2*exp(x0))\n", out.Replace("\r", ""))

[<Fact>]
let ``Newton's step on x0*exp(x0) is finite at x0 = 400 and equals the uncancelled step`` () =
    let step = newtonStep "x0*exp(x0)"
    // The step as it was derived before, exp(x0) above and below the line.
    let uncancelled =
        Parse.expression "-eta*(x0 + 1)*(x0*exp(x0) - ys0)*exp(x0)/((x0 + 2)*exp(x0)*(x0*exp(x0) - ys0) + (exp(x0) + x0*exp(x0))^2)"

    for x in [ -3.0; -0.5; 0.5; 2.0; 10.0; 40.0 ] do
        let point = [| x; 1.5; 0.25 |]
        let a, b = written names point step, written names point uncancelled
        Assert.True(abs (a - b) <= 1e-12 * abs b, sprintf "x0 = %g: %g vs uncancelled %g" x a b)

    // At x0 = 400 the uncancelled form overflows (exp(800)); the reference divides by exp(x0) by hand:
    // -eta*(x + 1)*(x - ys*exp(-x))/((x + 1)^2 + (x + 2)*(x - ys*exp(-x))).
    let x, ys, eta = 400.0, 1.5, 0.25
    Assert.True(Double.IsNaN(written names [| x; ys; eta |] uncancelled))
    let r = x - ys * exp (-x)
    let reference = -eta * (x + 1.0) * r / ((x + 1.0) ** 2.0 + (x + 2.0) * r)
    let value = written names [| x; ys; eta |] step
    Assert.True(Double.IsFinite value && abs (value - reference) <= 1e-12 * abs reference, sprintf "%g vs %g" value reference)

/// A positive polynomial p + q*y^2 in y (p ≥ 1), so no planted sum vanishes.
let private positive (rng: Random) =
    Expr.add (Expr.ofInt (rng.Next(1, 6))) (Expr.mul2 (Expr.ofInt (rng.Next(0, 4))) (Expr.pow (Expr.symbol "y") (Expr.ofInt 2)))

[<Property(MaxTest = 200)>]
let ``a planted exp(k*x) common to numerator and nested denominator cancels`` (seed: int) =
    let rng = Random seed
    let x = Expr.symbol "x"
    let ex (k: int) = Expr.exp (Expr.mul2 (Expr.ofInt k) x)
    let b1, c, d = rng.Next(1, 4), rng.Next(1, 3), rng.Next(1, 3)
    // The denominator B*exp(b1*x)*r + (C*exp(c*x) + D*x*exp(d*x))^2 holds exp(x)^m in every term, the
    // second only inside the power (as Newton's on x0*exp(x0) did); r = x*z + z^3 keeps it from expanding.
    let m = min b1 (2 * min c d)
    let r = Expr.add (Expr.mul2 x (Expr.symbol "z")) (Expr.pow (Expr.symbol "z") (Expr.ofInt 3))
    let den = Expr.add (Expr.mul [ positive rng; ex b1; r ]) (Expr.pow (Expr.add (Expr.mul2 (positive rng) (ex c)) (Expr.mul [ positive rng; x; ex d ])) (Expr.ofInt 2))
    let input = Expr.div (Expr.mul [ positive rng; ex m; r ]) den
    let output = Simplify.simplify input
    let at (x: float) = written [| "x"; "y"; "z" |] [| x; 0.7; 1.5 |]
    let a, b = at 0.3 output, at 0.3 input
    // At x = 800 every exp(k*x), k > 0, overflows: as planted the quotient is inf/inf; with the common
    // exp(x)^m cancelled, no exponential that grows with x is left above the line, and it is finite.
    (abs (a - b) <= 1e-12 * abs b |@ sprintf "value %g vs %g" a b)
    .&. (Double.IsFinite(at 800.0 output) |@ sprintf "%s is not finite at x = 800" (Infix.format output))
