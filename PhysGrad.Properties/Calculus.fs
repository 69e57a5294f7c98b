module PhysGrad.Properties.Calculus

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

/// The central difference D(h) of f along coordinate i, and its Richardson extrapolation
/// R(h) = (4·D(h/2) − D(h))/3, exact to O(h⁴). Its error is measured, not assumed: R(h) and R(h/2)
/// must agree to 10⁻⁶ relative, or the difference quotient cannot resolve f' there (a pole of tan just
/// outside ±h makes the O(h⁴) term ~10⁻⁵ relative: (y − 0.3x)^tan(…) at one random point) and the
/// point is no test of the symbolic derivative. None also where f is not finite nearby or D(h) and
/// D(h/2) disagree (f is not smooth there, so no derivative to compare with).
let private numericDerivative (e: Expr) (p: float[]) (i: int) =
    let f (dx: float) =
        let q = Array.copy p
        q.[i] <- q.[i] + dx
        evalAt q e

    let h = 1e-3
    let d (h: float) = (f h - f -h) / (2.0 * h)
    let d1 = d h
    let d2 = d (h / 2.0)
    let d3 = d (h / 4.0)
    let r1 = (4.0 * d2 - d1) / 3.0
    let r2 = (4.0 * d3 - d2) / 3.0

    if finite d1 && finite d2 && finite d3 && abs (d1 - d2) <= 1e-3 * (1.0 + abs d2) && abs d2 < 1e6
       && abs (r1 - r2) <= 1e-6 * (1.0 + abs r2) then
        Some r2
    else
        None

[<Property(MaxTest = 300, EndSize = 12)>]
let ``the symbolic derivative matches central finite differences`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let e = toExpr t
        // The chain rule holds where every intermediate value is finite and every elementary
        // function is differentiable at its argument: log 0 = −∞ followed by 1/−∞ = 0, or
        // sqrt(atan2(0, x)) = sqrt(0) for x > 0, are locally constant but have no chain-rule
        // derivative (∞·0), symbolically or by automatic differentiation.
        let r = naiveEval p t

        let checks =
            [ for i in 0..2 do
                  match numericDerivative e p i with
                  | Some fd when finite r.Scale && r.Scale < 1e8 && r.Margin > 1e-3 ->
                      let d = evalAt p (Calculus.derivative variables.[i] e)
                      // A difference quotient over ±h can only see a derivative whose change over h is
                      // small: atan(tan(u)) with u' ≈ 10⁵ is a sawtooth with dozens of jumps inside
                      // ±h, and its secant slope agrees with itself at h and h/2 without being f'.
                      if abs d * 1e-3 <= 0.1 * (1.0 + abs (evalAt p e)) then
                          yield (i, d, fd)
                  | _ -> () ]

        checks.Length > 0
        ==> lazy
            (checks
             |> List.forall (fun (_, d, fd) -> close 1e-5 0.0 d fd)
             |> Prop.label (sprintf "e = %s, at %A: (var, symbolic, numeric) %A" (Infix.format e) p checks)))

[<Property(MaxTest = 150, EndSize = 10)>]
let ``the Hessian is symmetric and equals the Jacobian of the gradient`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let e = toExpr t
        let g = Calculus.gradient variables e
        let h = Calculus.hessian variables e
        let jacobianOfGradient = Calculus.jacobian variables g

        let pairs =
            [ for i in 0..2 do
                  for j in 0..2 do
                      // ∂/∂xᵢ ∂f/∂xⱼ, differentiated in the opposite order to the Hessian's entry.
                      let other = Calculus.derivative variables.[i] g.[j]

                      yield
                          (i,
                           j,
                           evalAt p h.[i, j],
                           evalAt p h.[j, i],
                           evalAt p jacobianOfGradient.[i, j],
                           evalAt p other) ]

        let r = naiveEval p t
        let smooth = finite r.Scale && r.Scale < 1e8 && r.Margin > 1e-3

        let defined =
            pairs
            |> List.filter (fun (_, _, a, _, b, c) -> smooth && finite a && finite b && finite c)

        (not defined.IsEmpty)
        ==> lazy
            (defined
             |> List.forall (fun (_, _, hij, hji, jij, other) ->
                 hij = hji && close 1e-9 0.0 hij jij && close 1e-7 0.0 hij other)
             |> Prop.label (sprintf "e = %s at %A: %A" (Infix.format e) p defined)))

let private d (text: string) =
    Calculus.derivative (Expr.symbol "x") (Parse.expression text)

let private equalParsed (expected: string) (actual: Expr) =
    let e = Parse.expression expected
    Assert.True(obj.ReferenceEquals(e, actual), sprintf "expected %s but got %s" (Infix.format e) (Infix.format actual))

[<Theory>]
[<InlineData("x^3", "3*x^2")>]
[<InlineData("x^n", "n*x^(n - 1)")>] // a constant exponent needs no log
[<InlineData("2^x", "2^x*log(2)")>]
[<InlineData("x^x", "x^x + x^x*log(x)")>] // v·u^(v−1)·u' + u^v·log(u)·v', no division by u
[<InlineData("sqrt(x)", "1/(2*sqrt(x))")>]
[<InlineData("1/x", "-1/x^2")>]
[<InlineData("sin(x)", "cos(x)")>]
[<InlineData("cos(x)", "-sin(x)")>]
[<InlineData("tan(x)", "1/cos(x)^2")>]
[<InlineData("asin(x)", "1/sqrt(1 - x^2)")>]
[<InlineData("acos(x)", "-1/sqrt(1 - x^2)")>]
[<InlineData("atan(x)", "1/(1 + x^2)")>]
[<InlineData("sinh(x)", "cosh(x)")>]
[<InlineData("cosh(x)", "sinh(x)")>]
[<InlineData("tanh(x)", "1 - tanh(x)^2")>]
[<InlineData("exp(2*x)", "2*exp(2*x)")>]
[<InlineData("log(x)", "1/x")>]
[<InlineData("abs(x)", "sign(x)")>]
[<InlineData("sign(x)", "0")>]
[<InlineData("atan2(x, y)", "y/(x^2 + y^2)")>]
[<InlineData("atan2(y, x)", "-y/(x^2 + y^2)")>]
[<InlineData("x*y*sin(x)", "y*sin(x) + x*y*cos(x)")>]
[<InlineData("sin(x^2)", "2*x*cos(x^2)")>]
[<InlineData("y", "0")>]
[<InlineData("0^x", "0")>]
[<InlineData("3^(x^2)", "2*x*3^(x^2)*log(3)")>]
let ``each differentiation rule gives the textbook derivative`` (f: string, expected: string) =
    equalParsed expected (d f)

[<Fact>]
let ``the derivative of abs at 0 is 0 and of sign is 0 everywhere`` () =
    Assert.Equal(0.0, Evaluate.at [| "x" |] [| 0.0 |] (d "abs(x)"))
    Assert.Equal(1.0, Evaluate.at [| "x" |] [| 2.0 |] (d "abs(x)"))
    Assert.Equal(-1.0, Evaluate.at [| "x" |] [| -2.0 |] (d "abs(x)"))

[<Fact>]
let ``the Hessian of a quadratic form is its constant matrix`` () =
    let vars = [| Expr.symbol "x"; Expr.symbol "y" |]
    let h = Calculus.hessian vars (Parse.expression "3*x^2 + 5*x*y - y^2")
    equalParsed "6" h.[0, 0]
    equalParsed "5" h.[0, 1]
    equalParsed "5" h.[1, 0]
    equalParsed "-2" h.[1, 1]

[<Fact>]
let ``differentiating with respect to a non-symbol is a typed error`` () =
    let ex =
        Assert.Throws<SymbolicException>(fun () ->
            Calculus.derivative (Parse.expression "x + 1") (Parse.expression "x") |> ignore)

    Assert.Equal(ErrorKind.Variable, ex.Kind)
