/// Issue 11, kinds 1, 2, 3 and 8: values, gradients and Hessians at special points (bases 0, removable
/// 0/0 and 0·∞ in chain-rule products, overflow in intermediates of representable values) and printing.
/// Every expected value is written next to its source: a hand derivation, or a limit along an axis.
module PhysGrad.Properties.SpecialPoints

open System
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

/// An expected entry: a value, or "no finite derivative here" (the report must say so in a note).
type Expect =
    | V of float
    | NoDerivative

type Case =
    { F: string
      Vars: string list
      At: float list
      Value: float
      Gradient: Expect list
      Hessian: Expect list list option
      Source: string }

let private c f vars at value gradient hessian source =
    { F = f
      Vars = vars
      At = at
      Value = value
      Gradient = gradient
      Hessian = hessian
      Source = source }

let private e800 = exp -800.0 // = 0 in double precision (below the least subnormal, 4.9e-324)
let private sigma (x: float) = 1.0 / (1.0 + exp -x) // the logistic function, for moderate x only

/// The catalogue. `Source` says where each expected value comes from.
let catalogue: Case list =
    [ // ---- kind 1: the power rule at base 0 -----------------------------------------------------
      c "x^n" [ "x"; "n" ] [ 0.; 0. ] 1.0 [ V 0.0; NoDerivative ] None
          "f(x, 0) = 1 for every x, so df/dx = 0; f(0, n) = 0 for n > 0, 1 at 0, inf for n < 0: no df/dn"
      c "a^b" [ "a"; "b" ] [ 0.; 2. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 2.0; V 0.0 ]; [ V 0.0; V 0.0 ] ])
          "f(a, 2) = a^2: f_a = 0, f_aa = 2; f(0, b) = 0 near b = 2: f_b = f_bb = 0; f_a(0, b) = b*0^(b-1) = 0: f_ab = 0"
      c "a^b" [ "a"; "b" ] [ 0.; 1. ] 0.0 [ V 1.0; V 0.0 ] None
          "f(a, 1) = a: f_a = 1; f(0, b) = 0 for b > 0: f_b = 0"
      c "x^y" [ "x"; "y" ] [ 0.; 3. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V 0.0 ] ])
          "f(x, 3) = x^3: f_x = f_xx = 0; f(0, y) = 0 near 3: f_y = f_yy = 0; f_x(0, y) = y*0^(y-1) = 0: f_xy = 0"
      c "x^y" [ "x"; "y" ] [ 1.; 0. ] 1.0 [ V 0.0; V 0.0 ] (Some [ [ V 0.0; V 1.0 ]; [ V 1.0; V 0.0 ] ])
          "f_x = y x^(y-1) = 0, f_y = x^y log x = 0, f_xx = y(y-1)x^(y-2) = 0, f_xy = x^(y-1)(1 + y log x) = 1, f_yy = x^y log^2 x = 0"
      c "x^2" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] (Some [ [ V 2.0 ] ]) "hand: 2x, 2"
      c "x^3" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "hand: 3x^2, 6x"
      c "x^(3/2)" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] None "hand: (3/2) x^(1/2) = 0 at 0"
      c "sqrt(x)" [ "x" ] [ 0. ] 0.0 [ NoDerivative ] None "(sqrt h - 0)/h = h^(-1/2) grows without bound"
      c "x^(1/3)" [ "x" ] [ 0. ] 0.0 [ NoDerivative ] None "h^(1/3)/h = h^(-2/3) grows without bound"
      c "(x^3)^(1/2)" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] None
          "f = x^(3/2) on x >= 0 (undefined below): one-sided quotient h^(1/2) -> 0"
      c "x^x" [ "x" ] [ 1. ] 1.0 [ V 1.0 ] (Some [ [ V 2.0 ] ])
          "hand: x^x (1 + log x) = 1; x^x ((1 + log x)^2 + 1/x) = 2"
      c "x^n" [ "x"; "n" ] [ 2.; 0. ] 1.0 [ V 0.0; V(log 2.0) ] None "hand: n x^(n-1) = 0, x^n log x = log 2"
      c "2^x" [ "x" ] [ 0. ] 1.0 [ V(log 2.0) ] (Some [ [ V(log 2.0 ** 2.0) ] ]) "hand: 2^x log 2, 2^x log^2 2"
      c "x^4*y^0" [ "x"; "y" ] [ 0.; 5. ] 0.0 [ V 0.0; V 0.0 ] None "y^0 = 1: f = x^4, hand"

      // ---- kind 2: removable 0/0 and 0·∞ in chain-rule products -----------------------------------
      c "(x^2+y^2)^(3/2)" [ "x"; "y" ] [ 0.; 0. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V 0.0 ] ])
          "f = r^3: grad = 3 r (x, y), H = 3 r I + 3 x x^T / r -> 0 at r = 0 (issue 11)"
      c "(x^2+y^2)^(3/2)" [ "x"; "y" ] [ 1.; 0. ] 1.0 [ V 3.0; V 0.0 ] (Some [ [ V 6.0; V 0.0 ]; [ V 0.0; V 3.0 ] ])
          "H = 3 r I + 3 x x^T / r at (1, 0): [[6, 0], [0, 3]]"
      c "(x^2+y^2)^(5/2)" [ "x"; "y" ] [ 0.; 0. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V 0.0 ] ])
          "f = r^5: H = 5 r^3 I + 15 r x x^T -> 0"
      c "sqrt(x^4)" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] (Some [ [ V 2.0 ] ]) "f = x^2 exactly (x^4 >= 0): hand"
      c "sqrt(x^4+y^4)" [ "x"; "y" ] [ 0.; 0. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 2.0; V 0.0 ]; [ V 0.0; V 2.0 ] ])
          "f(x, 0) = x^2: f_x = 0, f_xx = 2 (f_x(h, 0) = 2h); f_x(0, y) = 0: f_xy = 0; symmetric in x, y"
      c "sqrt(x^2)" [ "x" ] [ 0. ] 0.0 [ NoDerivative ] None "f = |x|: one-sided derivatives -1 and 1"
      c "sqrt(x^2+y^2)" [ "x"; "y" ] [ 0.; 0. ] 0.0 [ NoDerivative; NoDerivative ] None
          "f(x, 0) = |x|, f(0, y) = |y|: one-sided derivatives -1 and 1"
      c "x*sqrt(x^2+y^2)" [ "x"; "y" ] [ 0.; 0. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ NoDerivative; NoDerivative ]; [ NoDerivative; V 0.0 ] ])
          "f(x, 0) = x|x|: f_x = 0; f(0, y) = 0: f_y = 0; f_x(x, 0) = 2|x| and f_x(0, y) = |y| have kinks; f_y(0, y) = 0"
      c "x^2*y^2*(x^2+y^2)^(1/2)" [ "x"; "y" ] [ 0.; 0. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V 0.0 ] ])
          "f = O(r^5): every derivative up to order 2 vanishes at 0; f(x, 0) = f(0, y) = 0"
      c "(x^2)^(3/2)" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "f = |x|^3: 3 x |x|, 6 |x| -> 0"

      // ---- kind 3: overflow in intermediates of representable values -------------------------------
      c "log(1+exp(x))" [ "x" ] [ 800. ] 800.0 [ V 1.0 ] (Some [ [ V 0.0 ] ])
          "softplus: x + log(1 + e^-x) = 800 + e^-800 = 800; logistic 1/(1 + e^-800) = 1; e^-800/(1+e^-800)^2 = 0 (issue 11)"
      c "log(1+exp(x))" [ "x" ] [ -800. ] e800 [ V e800 ] (Some [ [ V e800 ] ])
          "softplus(-800) = log(1 + e^-800) ~ e^-800, which is 0 in double; so are its derivatives"
      c "log(1+exp(x))" [ "x" ] [ 0. ] (log 2.0) [ V 0.5 ] (Some [ [ V 0.25 ] ]) "hand: log 2, 1/2, 1/4"
      c "log(1+exp(x))" [ "x" ] [ 30. ] (30.0 + log (1.0 + exp -30.0)) [ V(sigma 30.0) ] (Some [ [ V(sigma 30.0 * sigma -30.0) ] ])
          "x + log(1 + e^-x); sigma(x); sigma(x) sigma(-x)"
      c "1/(1+exp(-x))" [ "x" ] [ -800. ] 0.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "logistic(-800) = e^-800/(1+e^-800) = 0 in double"
      c "1/(1+exp(-x))" [ "x" ] [ 800. ] 1.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "1/(1 + e^-800) = 1; sigma(1-sigma) = e^-800 = 0"
      c "exp(x)/(1+exp(x))" [ "x" ] [ 800. ] 1.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "the same logistic, written as e^x/(1+e^x)"
      c "exp(x)/(1+exp(x))" [ "x" ] [ 0. ] 0.5 [ V 0.25 ] (Some [ [ V 0.0 ] ]) "sigma(0) = 1/2, sigma' = 1/4, sigma'' = sigma'(1 - 2 sigma) = 0"
      c "log(exp(a)+exp(b))" [ "a"; "b" ] [ 1000.; 1000. ] (1000.0 + log 2.0) [ V 0.5; V 0.5 ]
          (Some [ [ V 0.25; V -0.25 ]; [ V -0.25; V 0.25 ] ])
          "log-sum-exp: 1000 + log 2; softmax (1/2, 1/2); H = diag(p) - p p^T"
      c "log(exp(a)+exp(b))" [ "a"; "b" ] [ -1000.; 0. ] 0.0 [ V 0.0; V 1.0 ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V 0.0 ] ])
          "log(1 + e^-1000) = 0 in double; softmax (e^-1000, 1) = (0, 1); H = diag(p) - p p^T = 0"
      c "exp(x)/(exp(x)+exp(y))" [ "x"; "y" ] [ 1000.; 999. ] (sigma 1.0) [ V(sigma 1.0 * sigma -1.0); V(-(sigma 1.0 * sigma -1.0)) ] None
          "softmax component: sigma(x - y) = sigma(1), derivatives +-sigma(1) sigma(-1)"
      c "exp(a)*exp(b)" [ "a"; "b" ] [ 800.; -800. ] 1.0 [ V 1.0; V 1.0 ] (Some [ [ V 1.0; V 1.0 ]; [ V 1.0; V 1.0 ] ])
          "e^(a+b) = e^0 = 1, and every derivative is e^(a+b) = 1"
      c "exp(a)/exp(b)" [ "a"; "b" ] [ 800.; 800. ] 1.0 [ V 1.0; V -1.0 ] (Some [ [ V 1.0; V -1.0 ]; [ V -1.0; V 1.0 ] ])
          "e^(a-b) = 1; derivatives +-1"
      c "log(1+exp(2*x))" [ "x" ] [ 500. ] 1000.0 [ V 2.0 ] (Some [ [ V 0.0 ] ]) "softplus(2x) = 1000 + e^-1000; 2 sigma(2x) = 2; 4 sigma(1-sigma) = 0"
      c "x - log(1+exp(x))" [ "x" ] [ 800. ] 0.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "x - softplus(x) = -log(1 + e^-x) = 0 in double"
      c "log(2+exp(x))" [ "x" ] [ 800. ] 800.0 [ V 1.0 ] (Some [ [ V 0.0 ] ]) "x + log(1 + 2 e^-x) = 800; e^x/(2+e^x) = 1"
      c "log(1+exp(-x))" [ "x" ] [ -800. ] 800.0 [ V -1.0 ] (Some [ [ V 0.0 ] ]) "softplus(-x) at -800: 800, -sigma(800) = -1, 0"
      c "log(cosh(x))" [ "x" ] [ 800. ] (800.0 - log 2.0) [ V 1.0 ] (Some [ [ V 0.0 ] ])
          "log cosh u = |u| + log(1 + e^(-2|u|)) - log 2 = 800 - log 2; tanh 800 = 1; 1 - tanh^2 = 0"
      c "log(cosh(x))" [ "x" ] [ 0.5 ] (log (cosh 0.5)) [ V(tanh 0.5) ] (Some [ [ V(1.0 - tanh 0.5 ** 2.0) ] ])
          "hand: log cosh, tanh, 1 - tanh^2"
      c "sinh(x)/cosh(x)" [ "x" ] [ -800. ] -1.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "= tanh x: -1, 1 - tanh^2 = 0, 0"
      c "sinh(x)/cosh(x)^2" [ "x" ] [ 1000. ] 0.0 [ V 0.0 ] None "tanh x sech x ~ 2 e^-1000 = 0 in double; so is its derivative"
      c "tanh(x)" [ "x" ] [ 800. ] 1.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "1 - tanh^2 = 0; -2 tanh (1 - tanh^2) = 0"

      // ---- log of a product with exponential factors: log(r e^m) = m + log r (issue 11 follow-up, 1) --
      c "log(2*exp(x))" [ "x" ] [ 800. ] (800.0 + log 2.0) [ V 1.0 ] (Some [ [ V 0.0 ] ]) "hand: x + log 2; 1; 0"
      c "log(x*exp(x))" [ "x" ] [ 800. ] (800.0 + log 800.0) [ V(1.0 + 1.0 / 800.0) ] (Some [ [ V(-1.0 / 800.0 ** 2.0) ] ])
          "hand: x + log x = 806.684612; 1 + 1/x = 1.00125; -1/x^2 = -1.5625e-6"
      c "log(y*exp(x))" [ "x"; "y" ] [ 800.; 3. ] (800.0 + log 3.0) [ V 1.0; V(1.0 / 3.0) ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V(-1.0 / 9.0) ] ])
          "hand: x + log y; (1, 1/y); [[0, 0], [0, -1/y^2]]"
      c "log(exp(x)/y)" [ "x"; "y" ] [ 800.; 3. ] (800.0 - log 3.0) [ V 1.0; V(-1.0 / 3.0) ] (Some [ [ V 0.0; V 0.0 ]; [ V 0.0; V(1.0 / 9.0) ] ])
          "hand: x - log y; (1, -1/y); [[0, 0], [0, 1/y^2]]"
      c "log(x*exp(x)^2)" [ "x" ] [ 400. ] (800.0 + log 400.0) [ V(2.0 + 1.0 / 400.0) ] (Some [ [ V(-1.0 / 400.0 ** 2.0) ] ])
          "exp(x)^2 = exp(2x): hand 2x + log x; 2 + 1/x; -1/x^2"
      c "log(exp(x)*exp(y))" [ "x"; "y" ] [ 800.; 800. ] 1600.0 [ V 1.0; V 1.0 ] None "exp(x)exp(y) = exp(x + y): log = x + y"

      // ---- products and ratios of sinh, cosh, exp of one argument (issue 11 follow-up, 2) -----------
      c "cosh(x)/sinh(x)" [ "x" ] [ 800. ] 1.0 [ V 0.0 ] (Some [ [ V 0.0 ] ])
          "coth 800 = 1 + 2e^-1600/(1 - e^-1600) = 1 in double; -csch^2 = -4e^-1600/(1 - e^-1600)^2 and 2 coth csch^2 underflow to 0"
      c "cosh(x)/sinh(x)" [ "x" ] [ -800. ] -1.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "coth is odd: -1; -csch^2 even, 0; 2 coth csch^2 odd, 0"
      c "cosh(x)/sinh(x)" [ "x" ] [ 0.5 ] (1.0 / tanh 0.5) [ V(-1.0 / sinh 0.5 ** 2.0) ] (Some [ [ V(2.0 * cosh 0.5 / sinh 0.5 ** 3.0) ] ])
          "hand: coth, -csch^2, 2 cosh/sinh^3 at a moderate point"
      c "cosh(x)/exp(x)" [ "x" ] [ 800. ] 0.5 [ V 0.0 ] (Some [ [ V 0.0 ] ])
          "cosh x e^-x = (1 + e^-2x)/2 = 0.5; derivatives -e^-2x, 2e^-2x = 0 in double"
      c "cosh(x)*exp(x)" [ "x" ] [ -800. ] 0.5 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "(e^2x + 1)/2 = 0.5; e^2x = 0; 2e^2x = 0"
      c "sinh(x)/exp(x)" [ "x" ] [ 800. ] 0.5 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "(1 - e^-2x)/2 = 0.5; e^-2x = 0; -2e^-2x = 0"
      c "sinh(x)*exp(-x)" [ "x" ] [ 1e-10 ] 9.99999999e-11 [ V 0.9999999998 ] None
          "(1 - e^-2x)/2 = x - x^2 + ... = 1e-10 - 1e-20; derivative e^-2x = 1 - 2e-10 + ..."
      c "cosh(x)^2/sinh(x)^2" [ "x" ] [ 800. ] 1.0 [ V 0.0 ] None "coth^2 = 1; -2 coth csch^2 underflows to 0"

      // ---- kinks and jumps of abs and sign: a convention is not a derivative (issue 11 follow-up 2, 3) --
      c "abs(x)" [ "x" ] [ 0. ] 0.0 [ NoDerivative ] (Some [ [ NoDerivative ] ])
          "|h|/h = +-1: one-sided -1 and 1, no f'; so no f'' either (sign(0) = 0 is a convention)"
      c "abs(x)" [ "x" ] [ -2. ] 2.0 [ V -1.0 ] (Some [ [ V 0.0 ] ]) "hand: sign(-2) = -1, 0 away from the kink"
      c "sign(x)" [ "x" ] [ 0. ] 0.0 [ NoDerivative ] None "(sign h - 0)/h = 1/|h| grows: a jump has no derivative"
      c "x*abs(x)" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] (Some [ [ NoDerivative ] ])
          "f = x|x|: f' = 2|x| -> 0 from both sides; f'' = 2 sign x: one-sided -2 and 2"
      c "abs(x)^3" [ "x" ] [ 0. ] 0.0 [ V 0.0 ] (Some [ [ V 0.0 ] ]) "f = |x|^3: 3x|x| -> 0, 6|x| -> 0"
      c "abs(x-1)" [ "x" ] [ 1. ] 0.0 [ NoDerivative ] None "|h|/h at x = 1 + h: one-sided -1 and 1"
      c "abs(x)+y^2" [ "x"; "y" ] [ 0.; 3. ] 9.0 [ NoDerivative; V 6.0 ] None "kink along x only; f_y = 2y = 6"
      c "abs(x*y)" [ "x"; "y" ] [ 0.; 2. ] 0.0 [ NoDerivative; V 0.0 ] None
          "f(x, 2) = 2|x|: one-sided -2 and 2; f(0, y) = 0: f_y = 0 (a limit: sign(0) = 0 stood in the formula)"
      c "x^n" [ "x"; "n" ] [ 0.; 0. ] 1.0 [ V 0.0; NoDerivative ] (Some [ [ V 0.0; NoDerivative ]; [ NoDerivative; NoDerivative ] ])
          "f(x, 0) = 1: f_x = f_xx = 0; f_n(x, 0) = log|x| is unbounded near 0, so f_xn, f_nn do not exist"

      // ---- values at 0, ±1 and huge magnitudes; no -0 ------------------------------------------
      c "(1-x)^2 + 100*(y-x^2)^2" [ "x"; "y" ] [ 1.; 1. ] 0.0 [ V 0.0; V 0.0 ] (Some [ [ V 802.0; V -400.0 ]; [ V -400.0; V 200.0 ] ])
          "README Rosenbrock: grad = (-2(1-x) - 400x(y-x^2), 200(y-x^2)) = 0; H = [[2 - 400(y - 3x^2), -400x], [-400x, 200]]"
      c "x*log(x)" [ "x" ] [ 1. ] 0.0 [ V 1.0 ] (Some [ [ V 1.0 ] ]) "hand: log x + 1 = 1, 1/x = 1"
      c "atan2(y, x)" [ "x"; "y" ] [ 1.; 0. ] 0.0 [ V 0.0; V 1.0 ] None "hand: (-y, x)/(x^2 + y^2) = (0, 1)"
      c "x^2" [ "x" ] [ 1e150 ] 1e300 [ V 2e150 ] (Some [ [ V 2.0 ] ]) "hand: 2x, 2"
      c "-x^2" [ "x" ] [ -1. ] -1.0 [ V 2.0 ] (Some [ [ V -2.0 ] ]) "hand: -2x = 2, -2"
      c "x*y" [ "x"; "y" ] [ 0.; -1. ] 0.0 [ V -1.0; V 0.0 ] (Some [ [ V 0.0; V 1.0 ]; [ V 1.0; V 0.0 ] ])
          "hand: (y, x) = (-1, 0), the 0 as +0 although it is -1*0" ]

let cases: seq<obj[]> =
    catalogue |> List.mapi (fun i k -> [| box i; box k.F |]) |> Seq.ofList

/// The stated tolerance of a value obtained as a limit (RELIABILITY.md, "Special points").
let private PointLimitsTolerance = 1e-6

let private close (expected: float) (actual: float) (tolerance: float) =
    if expected = 0.0 then
        // A zero is +0 (no printed -0) and within the tolerance.
        abs actual <= tolerance && not (actual = 0.0 && Double.IsNegative actual)
    else
        abs (actual - expected) <= tolerance * max 1.0 (abs expected)

let private check (k: Case) (report: DerivativeReport) (entry: string) (expected: Expect) (actual: float) =
    let note =
        (if isNull (box report.Notes) then [] else List.ofSeq report.Notes)
        |> List.tryFind (fun n -> n.Entry = entry)

    match expected with
    | V v ->
        // Values from a formula are exact to rounding; limits carry the method's stated tolerance.
        let tolerance =
            match note with
            | Some _ -> PointLimitsTolerance
            | None -> 1e-12

        Assert.True(
            close v actual tolerance,
            sprintf "%s at %A, %s: expected %.17g (%s), got %.17g%s" k.F k.At entry v k.Source actual
                (match note with
                 | Some n -> " [" + n.Message + "]"
                 | None -> "")
        )

        match note with
        | Some n ->
            // A note is a limit, or (since the wide re-evaluation) a formula value whose true size lies
            // below the double range, e.g. sigma'(800) = e^-800 ~ 3.7E-348 kept as its nearest double.
            let underflow =
                n.Source = PointValueSource.Formula && n.Message.Contains "below the normal double range"
                && abs actual < 2.2250738585072014e-308

            Assert.True(
                n.Source = PointValueSource.Limit || n.Source = PointValueSource.OneSidedLimit || underflow,
                sprintf "%s, %s: a value from a note must be a limit or an underflow, got %A (%s)" k.F entry n.Source n.Message
            )
        | None -> ()
    | NoDerivative ->
        match note with
        | Some n when n.Source = PointValueSource.NotDifferentiable -> ()
        | other ->
            failwithf "%s at %A, %s: expected 'no finite derivative' (%s), got %.17g with note %A" k.F k.At entry k.Source
                actual other

[<Theory>]
[<MemberData(nameof cases)>]
let ``special-point catalogue: value, gradient and Hessian are right`` (index: int, _f: string) =
    let k = catalogue.[index]
    let order = if k.Hessian.IsSome then 2 else 1
    let report = Derivatives.Compute(k.F, Array.ofList k.Vars, order, Array.ofList k.At)
    Assert.True(close k.Value report.Value.Value 1e-12, sprintf "%s at %A: f = %.17g, expected %.17g (%s)" k.F k.At report.Value.Value k.Value k.Source)

    k.Gradient
    |> List.iteri (fun i g -> check k report (sprintf "df/d%s" k.Vars.[i]) g report.GradientAt.[i])

    match k.Hessian with
    | Some rows ->
        rows
        |> List.iteri (fun i row ->
            row
            |> List.iteri (fun j h ->
                // Notes name the upper triangle (the Hessian is derived as ∂/∂x_j of ∂f/∂x_i, j ≥ i).
                let a, b = min i j, max i j
                check k report (sprintf "d2f/d%sd%s" k.Vars.[a] k.Vars.[b]) h report.HessianAt.[i, j]))
    | None -> ()

[<Fact>]
let ``the catalogue has at least 40 cases`` () =
    Assert.True(List.length catalogue >= 40, sprintf "%d cases" (List.length catalogue))

// ---- properties -----------------------------------------------------------------------------------

let private genReal (lo: float) (hi: float) =
    Gen.choose (0, 1_000_000) |> Gen.map (fun k -> lo + (hi - lo) * float k / 1e6)

/// Reference softplus and logistic, written independently of the library in their textbook stable
/// forms: softplus x = max(x, 0) + log(1 + e^(−|x|)), σ(x) = e^(min(x,0)) / (1 + e^(−|x|)).
/// log(1 + t) for 0 ≤ t ≤ 1, independent of PhysGrad's log1p: below 0.1 the series Σ (−1)^(k+1) t^k/k
/// to k = 20 (the rest is under 0.1^20 relative), above it log(1 + t), where rounding 1 + t costs at
/// most 1.1e−16/0.1 ≈ 1e−15 relative.
let private log1pRef (t: float) =
    if t < 0.1 then List.sum [ for k in 20..-1..1 -> (if k % 2 = 1 then 1.0 else -1.0) * t ** float k / float k ] else log (1.0 + t)

let private softplus (x: float) = max x 0.0 + log1pRef (exp (-(abs x)))
let private logistic (x: float) = exp (min x 0.0) / (1.0 + exp (-(abs x)))

let private near (expected: float) (actual: float) =
    abs (actual - expected) <= 1e-12 * max 1e-300 (abs expected) + 1e-300

[<Property(MaxTest = 200)>]
let ``softplus and its derivatives are finite and right at any magnitude`` () =
    let magnitudes =
        Gen.oneof [ genReal -1e4 1e4; genReal -50.0 50.0; Gen.elements [ 0.0; 1.0; -1.0; 709.0; 710.0; -745.0; 1e300; -1e300 ] ]

    Prop.forAll (Arb.fromGen magnitudes) (fun x ->
        let r = Derivatives.Compute("log(1 + exp(x))", [| "x" |], 2, [| x |])
        let s = logistic x
        let f2 = s * logistic -x
        // Hand: softplus' = σ, softplus'' = σ(1 − σ) = σ(x)·σ(−x). The derived form of f'' is σ − σ²,
        // a difference of terms of size up to 1: its error is absolute (a few ulps of 1), not relative
        // to the small result (RELIABILITY.md, "Special points").
        (near (softplus x) r.Value.Value
         && near s r.GradientAt.[0]
         && abs (r.HessianAt.[0, 0] - f2) <= 4e-16 + 1e-12 * f2)
        |> Prop.label (sprintf "x = %g: f = %g, f' = %g, f'' = %g" x r.Value.Value r.GradientAt.[0] r.HessianAt.[0, 0]))

[<Property(MaxTest = 200)>]
let ``log-sum-exp and its gradient are finite and right at any magnitude`` () =
    let g = Gen.oneof [ genReal -1e4 1e4; genReal -5.0 5.0 ]

    Prop.forAll (Arb.fromGen (Gen.zip g g)) (fun (a, b) ->
        let r = Derivatives.Compute("log(exp(a) + exp(b))", [| "a"; "b" |], 1, [| a; b |])
        // Hand: lse = max + log(1 + e^(−|a−b|)); ∂/∂a = σ(a − b), ∂/∂b = σ(b − a).
        let expected = max a b + log1pRef (exp (-(abs (a - b))))

        (abs (r.Value.Value - expected) <= 4e-16 * max 1.0 (abs expected)
         && near (logistic (a - b)) r.GradientAt.[0]
         && near (logistic (b - a)) r.GradientAt.[1])
        |> Prop.label (sprintf "(%g, %g): %g %A" a b r.Value.Value r.GradientAt))

[<Property(MaxTest = 60)>]
let ``a power with base 0 and exponent above 2 has zero gradient and Hessian`` () =
    // Hand: f(a, b) = a^b near (0, c) with c > 2: f_a = b a^(b−1), f_aa = b(b−1)a^(b−2), both 0 at
    // a = 0; f(0, b) = 0 for b > 0, so f_b = f_bb = 0; f_a(0, b) = 0 for b > 1, so f_ab = 0.
    Prop.forAll (Arb.fromGen (genReal 2.05 6.0)) (fun c ->
        let r = Derivatives.Compute("a^b", [| "a"; "b" |], 2, [| 0.0; c |])

        (r.GradientAt |> Seq.forall (fun v -> v = 0.0 && not (Double.IsNegative v))
         && Seq.forall (fun v -> v = 0.0) (Seq.cast<float> r.HessianAt))
        |> Prop.label (sprintf "c = %g: %A %A %A" c r.GradientAt r.HessianAt r.Notes))

[<Property(MaxTest = 40)>]
let ``the radial powers r^k, k at least 3, have zero gradient and Hessian at the origin`` () =
    // Hand: f = r^k; ∇f = k r^(k−2) x, H = k r^(k−2) (I + (k − 2) x x^T / r^2) → 0 as r → 0 for k > 2.
    let gk = Gen.choose (3, 9)

    Prop.forAll (Arb.fromGen gk) (fun k ->
        let r = Derivatives.Compute(sprintf "(x^2 + y^2)^(%d/2)" k, [| "x"; "y" |], 2, [| 0.0; 0.0 |])

        (Seq.forall (fun v -> v = 0.0) r.GradientAt && Seq.forall (fun v -> v = 0.0) (Seq.cast<float> r.HessianAt))
        |> Prop.label (sprintf "k = %d: %A %A" k r.GradientAt r.HessianAt))

[<Property(MaxTest = 200, EndSize = 10)>]
let ``a limit-valued derivative agrees with the difference quotient of the lower derivative`` () =
    // Where the formula gives NaN at a point (random expressions at 0 and ±1), a value reported as a limit
    // must agree with independent one-sided difference quotients of f (see the two tests below).
    Prop.forAll Generators.termAndPoints (fun (t, p) ->
        let names = Generators.variableNames
        let point = p |> Array.map (fun v -> if abs v < 0.5 then 0.0 elif v > 0.0 then 1.0 else -1.0)

        let built =
            try
                let e = Generators.toExpr t
                Some(e, Derivatives.Compute(Infix.format e, names, 1, point))
            with :? SymbolicException ->
                None

        match built with
        | None -> true |> Prop.label "rejected as input"
        | Some(e, r) ->
            let f (x: float[]) = Evaluate.at names x e

            (r.Notes
             |> Seq.filter (fun n -> n.Source = PointValueSource.Limit)
             |> Seq.forall (fun n ->
                 let i = Array.findIndex (fun v -> n.Entry = "df/d" + v) names
                 // One-sided quotients on each side, Richardson twice (error h, h², then h³): a central
                 // quotient assumes f smooth through the point, and across a jump of a derivative (atan2's
                 // branch cut behind z²·atan2(y, z)⁴: f = 0 for z > 0, π⁴z² for z < 0) it keeps an O(h)
                 // error although both one-sided derivatives are 0.
                 let q (side: float) h =
                     let moved = Array.copy point
                     moved.[i] <- moved.[i] + side * h
                     side * (f moved - f point) / h

                 // Two independent ways of seeing that the quotients tend to the reported value L:
                 // (a) Richardson's extrapolation, exact for an error series in integer powers of h;
                 // (b) the distance |q(h) − L| shrinking geometrically over steps h = 10⁻²·4⁻ᵏ down to
                 // 4·10⁻⁸, or ending within the tolerance. (b) is what an error c·h^α with α not an
                 // integer (|x|^(8/5) at 0: q = h^(3/5); y·√|y|: q = √h) or c·h·log h (z²·log|z| in an
                 // exponent) does, where (a) keeps an error of 10⁻² and failed valid cases at random
                 // (y·√|y| − 1 at 0). A wrong L leaves |q − L| near the miss, ratios near 1: both fail.
                 let h = 1e-3
                 let richardson side =
                     let r1 a = 2.0 * q side (a / 2.0) - q side a
                     (4.0 * r1 (h / 2.0) - r1 h) / 3.0
                 let g = r.GradientAt.[i]
                 let within (v: float) = abs (v - g) <= 1e-4 * max 1.0 (abs v)
                 let approaches side =
                     let distances = [| for k in 0..9 -> abs (q side (1e-2 / 4.0 ** float k) - g) |]
                     let shrinking =
                         [ 6..8 ] |> List.forall (fun k -> distances.[k + 1] <= 0.9 * distances.[k])
                     distances.[9] <= 1e-4 * max 1.0 (abs g) || shrinking
                 // Where the reference itself cannot be formed (f undefined on one side), there is
                 // nothing to compare with there: the comparison is made where it can be.
                 [ 1.0; -1.0 ]
                 |> List.forall (fun side ->
                     let e = richardson side
                     Double.IsNaN e || Double.IsInfinity e || within e || approaches side)))
            |> Prop.label (sprintf "%s at %A: %A %A" (Infix.format e) point r.GradientAt r.Notes))

[<Property(MaxTest = 300, EndSize = 10)>]
let ``a power whose base is a fraction, sum, product or power keeps its parentheses in LaTeX`` () =
    Prop.forAll (Arb.fromGen (Gen.zip Generators.terms.Generator Generators.terms.Generator)) (fun (tb, tx) ->
        let built =
            try
                let b = Generators.toExpr tb
                let x = Generators.toExpr tx
                Some(b, x, Expr.pow b x)
            with :? SymbolicException ->
                None // a term the builder rejects (a division by an exact 0): nothing to print

        match built with
        | None -> true |> Prop.label "rejected as input"
        | Some(b, x, p) ->

            // A negative numeric exponent prints as a fraction and 1/2 as a root: those are not powers in print.
            let printedAsPower = not (Expr.isNumeric x && (Layout.isNegative x || Expr.isHalf x))

            match p.Node, b.Node with
            | Node.Power(pb, _), (Node.Product _ | Node.Sum _ | Node.Power _) when obj.ReferenceEquals(pb, b) && printedAsPower ->
                let latex = LaTeX.format p
                let infix = Infix.formatExact p
                // The base is printed in parentheses: the text starts with \left( and the matching
                // \right) comes right before ^{ ; the exact infix form parses back to the same power.
                (latex.StartsWith "\\left(" && latex.Contains "\\right)^{"
                 && obj.ReferenceEquals(Parse.expression infix, p))
                |> Prop.label (sprintf "%s printed as %s" infix latex)
            | _ -> true |> Prop.label "not a power of a compound base")

[<Theory>]
[<InlineData("(a/b)^c", "\\left(\\frac{a}{b}\\right)^{c}")>]
[<InlineData("((a+b)/c)^d", "\\left(\\frac{a + b}{c}\\right)^{d}")>]
[<InlineData("(3/2)^x", "\\left(\\frac{3}{2}\\right)^{x}")>]
[<InlineData("(a*b)^c", "\\left(a b\\right)^{c}")>]
[<InlineData("(a^b)^c", "\\left(a^{b}\\right)^{c}")>]
[<InlineData("sqrt(a)^c", "\\left(\\sqrt{a}\\right)^{c}")>]
[<InlineData("1/(a+b)", "\\frac{1}{a + b}")>]
[<InlineData("x/(a+b)", "\\frac{x}{a + b}")>]
[<InlineData("(x+1)/(a+b)", "\\frac{x + 1}{a + b}")>]
[<InlineData("20.0*eta + 5*mu", "20 \\eta + 5 \\mu")>]
let ``LaTeX: powers of compound bases keep parentheses, lone denominators have none, integer floats print as integers``
    (text: string, expected: string)
    =
    Assert.Equal(expected, LaTeX.format (Parse.expression text))

[<Theory>]
// One rule for C# literals (issue 12, item 3): every number is a double literal, so no operator can divide integers.
[<InlineData("20.0*eta", "20.0 * eta")>]
[<InlineData("1.5*eta", "1.5 * eta")>]
[<InlineData("x/2", "x / 2.0")>]
[<InlineData("1/(2*x)", "1.0 / (2.0 * x)")>]
[<InlineData("3/2", "3.0 / 2.0")>]
let ``C#: every constant is a double literal, so every division has double operands`` (text: string, expected: string) =
    Assert.Equal(expected, CSharp.format (Parse.expression text))

/// A plain double evaluator of an expression tree, with no rewriting of its own (unlike
/// Evaluate and the compiled kernels): what the emitted C# text computes, operation by operation.
let rec private plain (x: float) (e: Expr) : float =
    match e.Node with
    | Node.Number q -> q.ToDouble()
    | Node.Real r -> r
    | Node.Symbol _ -> x
    | Node.Sum ts -> ts |> Array.sumBy (plain x)
    | Node.Product fs -> fs |> Array.fold (fun acc f -> acc * plain x f) 1.0
    | Node.Power(b, k) -> Math.Pow(plain x b, plain x k)
    | Node.Apply(f, a) -> Evaluate.applyFunction f (plain x a)
    | _ -> nan

/// The C# text read back as an expression: its Math calls renamed to PhysGrad's functions (the
/// softplus family emits only Exp, Log, Abs, the log1p lambda and arithmetic). Parsing folds nothing that could
/// overflow, so the plain evaluation of the result follows the text's own operations.
let private readCSharp (cs: string) =
    let log1pLambda = CSharp.format (Parse.expression "log1p(x)") |> fun t -> t.Substring(0, t.Length - "(x)".Length)
    Parse.expression (cs.Replace(log1pLambda, "log1p").Replace("Math.Exp", "exp").Replace("Math.Log", "log").Replace("Math.Abs", "abs"))

[<Property(MaxTest = 100)>]
let ``C#: the generated softplus and its derivatives compute finite, right values at any magnitude`` () =
    let f = Parse.expression "log(1 + exp(x))"
    let d1 = Calculus.derivativeBy "x" f
    let d2 = Calculus.derivativeBy "x" d1
    let texts = [ f; d1; d2 ] |> List.map CSharp.formatRewritten
    let magnitudes = Gen.oneof [ genReal -1e4 1e4; Gen.elements [ 800.0; -800.0; 1e300; -1e300; 0.0 ] ]

    Prop.forAll (Arb.fromGen magnitudes) (fun x ->
        let values = texts |> List.map (fun t -> plain x (readCSharp t))
        let s = logistic x
        // Hand: softplus, σ, σ(1 − σ) (the last with the absolute error of its σ − σ² form).
        (near (softplus x) values.[0]
         && near s values.[1]
         && abs (values.[2] - s * logistic -x) <= 4e-16 + 1e-12 * (s * logistic -x))
        |> Prop.label (sprintf "x = %g: %A from %A" x values texts))

// ---- the issue's command lines -----------------------------------------------------------------------

let private cli (args: string list) =
    let code, out, err = Cli.run args
    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    out

[<Fact>]
let ``CLI: x^n at (0, 0) has df/dx = 0 and says df/dn does not exist`` () =
    let out = cli [ "diff"; "-f"; "x^n"; "--vars"; "x,n"; "--at"; "0,0" ]
    // f(x, 0) = 1: df/dx = 0. f(0, n) jumps at n = 0: no df/dn (undefined, with its formula's condition).
    Assert.Contains("gradient = [0, undefined]", out)
    Assert.Contains("undefined: df/dn: x > 0 for log(x); no finite derivative: the difference quotients of f along n grow without bound", out.Replace("\n    ", " "))

[<Fact>]
let ``CLI: a^b at (0, 2) has gradient 0 and Hessian [[2, 0], [0, 0]]`` () =
    let out = cli [ "diff"; "-f"; "a^b"; "--order"; "2"; "--at"; "0,2" ]
    Assert.Contains("gradient = [0, 0]", out)
    Assert.Contains("hessian = [[2, 0], [0, 0]]", out)
    Assert.Contains("note: d2f/dadb: the formula gives NaN here; the value is the limit of the difference quotients of df/da along b (both sides agree); the other order, d/da of df/db, agrees", out.Replace("\n    ", " "))

[<Fact>]
let ``CLI: the Hessian of (x^2+y^2)^(3/2) at the origin is zero`` () =
    let out = cli [ "diff"; "-f"; "(x^2+y^2)^(3/2)"; "--order"; "2"; "--at"; "0,0" ]
    Assert.Contains("hessian = [[0, 0], [0, 0]]", out)

[<Fact>]
let ``CLI: softplus at 800 is 800, 1, 0`` () =
    let out = cli [ "diff"; "-f"; "log(1+exp(x))"; "--order"; "2"; "--at"; "800" ]
    Assert.Contains("f = 800\n", out.Replace("\r\n", "\n"))
    Assert.Contains("gradient = [1]", out)
    Assert.Contains("hessian = [[0]]", out)

[<Fact>]
let ``CLI: the README Rosenbrock gradient at (1, 1) prints 0, never -0`` () =
    let out = cli [ "diff"; "-f"; "(1 - x)^2 + 100*(y - x^2)^2"; "--at"; "1,1" ]
    Assert.Contains("gradient = [0, 0]", out)
    Assert.DoesNotContain("-0", out.Replace("- 0.", ""))

[<Fact>]
let ``CLI: sqrt(x) at 0 has no finite derivative, null in JSON with a note`` () =
    let out = cli [ "diff"; "-f"; "sqrt(x)"; "--at"; "0"; "--format"; "json" ]
    let root = (JsonDocument.Parse out).RootElement
    Assert.Equal(JsonValueKind.Null, root.GetProperty("gradientAt").[0].ValueKind)
    let note = root.GetProperty("notes").[0]
    Assert.Equal("df/dx", note.GetProperty("entry").GetString())
    Assert.Equal("not differentiable", note.GetProperty("source").GetString())

[<Fact>]
let ``CLI: LaTeX keeps the parentheses of (a/b)^c`` () =
    let out = cli [ "diff"; "-f"; "(a/b)^c"; "--format"; "latex" ]
    Assert.Contains("f &= \\left(\\frac{a}{b}\\right)^{c}", out)

// ---- one number formatter: never -0 (issue 11 follow-up, 6) ------------------------------------------

/// A number token that reads as a negative zero: -0, -0.0000, -0E+00 between separators.
let private negativeZero =
    System.Text.RegularExpressions.Regex(@"(^|[\s,\[\(:=])-0(\.0*)?(E[+-]?0+)?(?=$|[\s,\]\)])", System.Text.RegularExpressions.RegexOptions.Multiline)

[<Fact>]
let ``numbers never print as -0: formatter, eval CSV, compare CSV, JSON and header`` () =
    // −0 itself and values that round to zero in a fixed format.
    Assert.Equal("0", NumberText.RoundTrip -0.0)
    Assert.Equal("0.0000", NumberText.Format(-1e-9, "F4"))
    Assert.Equal("-0.0001", NumberText.Format(-1e-4, "F4"))
    Assert.Equal("-1E-09", NumberText.Format(-1e-9, "G4"))
    Assert.Equal("0", RunReport.FormatNumber -0.0)

    let clean (what: string) (out: string) =
        Assert.False(negativeZero.IsMatch out, sprintf "%s prints -0:\n%s" what out)

    // f = -x at x = 0 is -0 in IEEE arithmetic; the input row "-0" is echoed.
    let points = IO.Path.GetTempFileName()
    IO.File.WriteAllText(points, "x\n0\n-0\n")
    let code, out, err = Cli.run [ "eval"; "-f"; "-x"; "--points"; points; "--order"; "1" ]
    IO.File.Delete points
    Assert.True((code = 0), err)
    Assert.Equal("x,f,df/dx\n0,0,-1\n0,0,-1\n", out.Replace("\r\n", "\n"))
    clean "compare csv" (cli [ "compare"; "--simulator"; "-x0"; "--target"; "0"; "--start"; "0"; "--methods"; "gd:0.1"; "--format"; "csv" ])
    clean "compare json" (cli [ "compare"; "--simulator"; "-x0"; "--target"; "0"; "--start"; "0"; "--methods"; "gd:0.1"; "--format"; "json" ])
    clean "compare header" (cli [ "compare"; "--simulator"; "x0"; "--target"; "1"; "--start=-0"; "--methods"; "gd:0.1"; "--iterations"; "3" ])
