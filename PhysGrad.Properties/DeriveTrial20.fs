/// The faults of the twentieth new-user trial of `physgrad derive` and `diff`, each tested by its kind:
/// Gauss–Newton's closed form has no denominator that cancels in floating point where the step is
/// finite (J⁻¹ for a square J, a sum of squares of block determinants otherwise).
module PhysGrad.Properties.DeriveTrial20

open System
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open MathNet.Numerics.LinearAlgebra
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

let private q (x: float) = ExactConstants.ofDecimal x

// ---- 1. Gauss–Newton's closed form against the exact step ----

/// A badly scaled constant m·10^k, 1 ≤ m ≤ 9, −8 ≤ k ≤ 8, as the text a user writes and its value.
let private scaledConstant =
    gen {
        let! m = Gen.choose (1, 9)
        let! k = Gen.choose (-8, 8)
        return sprintf "%de%d" m k
    }

/// The exact Gauss–Newton step −(JᵀJ)⁻¹Jᵀr (η = 1) of y = (a x0² + b x1, c x1 − d x0[, e x0 x1]) with
/// target 1 in every output, at x (decimals read as the rationals they print as), by Cramer's rule on
/// the normal equations in rationals: no rounding anywhere.
let private exactStep (k: float[]) (x0: float) (x1: float) =
    let a, b, c, d = q k.[0], q k.[1], q k.[2], q k.[3]
    let x0, x1 = q x0, q x1
    let two = Rational.OfInt 2
    let rows =
        [ yield [| two * a * x0; b |], a * x0 * x0 + b * x1 - Rational.One
          yield [| -d; c |], c * x1 - d * x0 - Rational.One
          if k.Length > 4 then
              let e = q k.[4]
              yield [| e * x1; e * x0 |], e * x0 * x1 - Rational.One ]
    let dot i j = rows |> List.fold (fun (s: Rational) (r, _) -> s + (r: Rational[]).[i] * r.[j]) Rational.Zero
    let rhs i = rows |> List.fold (fun (s: Rational) (r, v) -> s - (r: Rational[]).[i] * v) Rational.Zero
    let det = dot 0 0 * dot 1 1 - dot 0 1 * dot 1 0
    [| (rhs 0 * dot 1 1 - dot 0 1 * rhs 1) / det; (dot 0 0 * rhs 1 - dot 1 0 * rhs 0) / det |]
    |> Array.map (fun r -> r.ToDouble())

/// J's columns' norms at x (the scale each step component is measured in: GN is invariant under
/// scaling a variable) and the condition number of J with its columns so scaled.
let private scaledCondition (k: float[]) (x0: float) (x1: float) =
    let rows =
        [ yield [| 2.0 * k.[0] * x0; k.[1] |]
          yield [| -k.[3]; k.[2] |]
          if k.Length > 4 then yield [| k.[4] * x1; k.[4] * x0 |] ]
    let j = Matrix<float>.Build.DenseOfRowArrays rows
    let norms = Array.init 2 (fun c -> j.Column(c).L2Norm())
    let scaled = Matrix<float>.Build.Dense(j.RowCount, 2, fun r c -> j.[r, c] / norms.[c])
    norms, (if Array.exists ((=) 0.0) norms then infinity else scaled.ConditionNumber())

[<Property(MaxTest = 12)>]
let ``the derived Gauss–Newton rule is the exact GN step on badly scaled problems, also where det(JᵀJ) cancels`` () =
    let problem =
        gen {
            let! ks = Gen.arrayOfLength 5 scaledConstant
            let! rectangular = Gen.elements [ false; true ]
            return if rectangular then ks else ks.[0..3]
        }

    Prop.forAll (Arb.fromGen problem) (fun texts ->
        let k = texts |> Array.map (fun t -> Double.Parse(t, Globalization.CultureInfo.InvariantCulture))
        let simulator =
            sprintf "%s*x0^2 + %s*x1; %s*x1 - %s*x0%s" texts.[0] texts.[1] texts.[2] texts.[3]
                (if texts.Length > 4 then sprintf "; %s*x0*x1" texts.[4] else "")
        let target = if texts.Length > 4 then "1,1,1" else "1,1"
        let code, cs, err = Cli.run [ "derive"; "--simulator"; simulator; "--methods"; "gn"; "--target"; target; "--format"; "csharp" ]
        Assert.True((code = 0), err)
        let gn = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "GaussNewton"
        // x0 = 0 and ±1e-9 are where (JᵀJ)⁻¹ written out cancelled det(J)² = (2ac·x0 + bd)² to rounding.
        let points =
            [ for x0 in [ 0.0; 1e-9; -1e-9; 0.375; -2.5; 7.0 ] do
                  for x1 in [ 0.0; 0.625; -3.0 ] -> x0, x1 ]

        points
        |> List.map (fun (x0, x1) ->
            let norms, condition = scaledCondition k x0 x1
            if condition > 1e6 then
                true |@ "ill-conditioned point, not measured"
            else
                let call = [| box x0; box x1; box 1.0; box 0.0; box 0.0 |]
                gn.Invoke(null, call) |> ignore
                let derived = [| call.[3] :?> float; call.[4] :?> float |]
                let exact = exactStep k x0 x1
                let size = Array.map2 (fun (e: float) n -> abs e * n) exact norms |> Array.max
                let error = Array.map3 (fun (d: float) e n -> abs (d - e) * n) derived exact norms |> Array.max
                (error <= 1e-8 * size)
                |@ sprintf "%s at x = (%g, %g): derived %A, exact %A (scaled condition %.3g)\n%s" simulator x0 x1 derived exact condition cs)
        |> List.reduce (.&.))

// ---- 2. generated C# compiles whatever the names ----

/// Names that clash with something generated C# writes: keywords, the Math class, the helpers, Func,
/// diff's outputs (f, df_dx), derive's intermediates and out parameters (t1, dx0), the step size.
let private riskyNames =
    [| "Math"; "Sign"; "Log1p"; "Expm1"; "Func"; "System"; "UpdateRules"; "double"; "int"; "out"; "class"
       "f"; "df_dx"; "t1"; "t2"; "dx0"; "x" |]

let private twoRiskyNames =
    gen {
        let! a = Gen.elements riskyNames
        let! b = Gen.elements (riskyNames |> Array.filter ((<>) a))
        return a, b
    }
    |> Arb.fromGen

[<Property(MaxTest = 15)>]
let ``derive's C# compiles and steps whatever the variables are named`` () =
    Prop.forAll twoRiskyNames (fun (a, b) ->
        // sign and log1p call the Sign and Log1p helpers; exp calls Math.Exp.
        let simulator = sprintf "%s*exp(%s) + sign(%s); %s*log1p(%s^2)" a b a b a
        let code, cs, err =
            Cli.run [ "derive"; "--simulator"; simulator; "--vars"; sprintf "%s,%s" a b; "--target"; "1,2"; "--methods"; "gd,gn"; "--format"; "csharp" ]
        (code = 0) |@ sprintf "%s: exit %d\n%s" simulator code err
        .&. lazy (
            let gd = (TestHelpers.compileCSharp cs).GetType("UpdateRules").GetMethod "GradientDescent"
            // GD's step at (a, b) = (0.5, 0.25), η = 1 is −∇L, L = ½(y0 − 1)² + ½(y1 − 2)², by the chain rule.
            let x0, x1 = 0.5, 0.25
            let y0, y1 = x0 * exp x1 + 1.0, x1 * Math.Log(1.0 + x0 * x0)
            let g0 = (y0 - 1.0) * exp x1 + (y1 - 2.0) * x1 * 2.0 * x0 / (1.0 + x0 * x0)
            let g1 = (y0 - 1.0) * x0 * exp x1 + (y1 - 2.0) * Math.Log(1.0 + x0 * x0)
            let call = [| box x0; box x1; box 1.0; box 0.0; box 0.0 |]
            gd.Invoke(null, call) |> ignore
            let step = [| call.[3] :?> float; call.[4] :?> float |]
            TestHelpers.allCloseRelative [| -g0; -g1 |] step |@ sprintf "%s: GD step %A, expected %A\n%s" simulator step [| -g0; -g1 |] cs))

[<Property(MaxTest = 15)>]
let ``diff's C# compiles and computes f whatever the variables are named`` () =
    Prop.forAll twoRiskyNames (fun (a, b) ->
        let f = sprintf "%s*%s + sign(%s)*exp(%s)" a b a b
        let code, cs, err = Cli.run [ "diff"; "-f"; f; "--vars"; sprintf "%s,%s" a b; "--order"; "2"; "--format"; "csharp" ]
        (code = 0) |@ sprintf "%s: exit %d\n%s" f code err
        .&. lazy (
            // The statements as a method body: the variables as parameters under the identifiers the header
            // names (a renamed one on its "Written … as …" line), f returned under its own.
            let renamed =
                Text.RegularExpressions.Regex.Match(cs, @"^// Written (.*): ", Text.RegularExpressions.RegexOptions.Multiline).Groups.[1].Value.Split(", ")
                |> Array.filter ((<>) "")
                |> Array.map (fun p -> let parts = p.Split(" as ") in parts.[0], parts.[1])
                |> dict
            let parameters = PhysGrad.Expression.CSharpIdentifiers([ a; b ], [])
            let fName = match renamed.TryGetValue "f" with | true, v -> v | _ -> "f"
            let source =
                sprintf "using System; public static class G { public static double F(double %s, double %s) {\n%s\nreturn %s; } }"
                    parameters.[a] parameters.[b] cs fName
            let fn = (TestHelpers.compileCSharp source).GetType("G").GetMethod "F"
            let value = fn.Invoke(null, [| box 0.5; box -1.5 |]) :?> float
            let expected = 0.5 * -1.5 + exp -1.5
            (abs (value - expected) <= 1e-15) |@ sprintf "%s at (0.5, −1.5) = %.17g, expected %.17g\n%s" f value expected source))

// ---- 4. messages print equations as rules do ----

[<Fact>]
let ``PG's skip message prints the equation with the rules' exact constants`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "0.1*x0^2 + x1; 3e8*x1 - x0"; "--methods"; "ig,pg,gn" ]
    // PG has no closed form here (a failing exit after the other rules); the message names the equation it stopped at.
    Assert.NotEqual(0, code)
    Assert.Contains("gn:", out)
    // 10·y0 − y1/(3e8·0.1) = x0/(3e8·0.1) + x0², solved exactly: 3.3333333333333334E-08 and 1*x0^2 came
    // from solving in doubles.
    Assert.Contains("10*y0 - y1/30000000 = x0/30000000 + x0^2", err)
    Assert.DoesNotMatch(@"E-0|\b1\*x0", err)

// ---- 5. one wrapping rule for all C# ----

[<Fact>]
let ``diff's C# breaks its lines at derive's width`` () =
    let code, out, err = Cli.run [ "diff"; "-f"; "abs(x)*y + log(1+exp(x*y))"; "--order"; "2"; "--format"; "csharp" ]
    Assert.True((code = 0), err)
    let widest = out.Replace("\r", "").Split('\n') |> Array.filter (fun l -> not (l.StartsWith "//") && not (l.StartsWith "static")) |> Array.map String.length |> Array.max
    Assert.True(widest <= PhysGrad.RulePrinter.MaxWidth, sprintf "a line of %d characters\n%s" widest out)
    // Still C#: the statements compile as a method body over x and y.
    TestHelpers.compileCSharp ("using System; public static class G { public static void F(double x, double y) {\n" + out + "\n} }") |> ignore

// ---- 3. a stable form wherever the rule as written overflows inside ----

[<Fact>]
let ``Newton's rule gets a stable form where exp(x1)·(exp(x1) − 2) overflows, finite and accurate there`` () =
    let code, cs, err =
        Cli.run [ "derive"; "--simulator"; "a*x0^2; exp(x1)"; "--param"; "a=2"; "--target"; "1,2"; "--methods"; "newton"; "--format"; "csharp" ]
    Assert.True((code = 0), err)
    let rules = (TestHelpers.compileCSharp cs).GetType "UpdateRules"
    let stable = rules.GetMethod "NewtonStable"
    Assert.True(not (isNull stable), "no NewtonStable\n" + cs)
    let step (m: Reflection.MethodInfo) (x1: float) =
        let call = [| box 0.5; box x1; box 2.0; box 0.25; box 0.0; box 0.0 |]
        m.Invoke(null, call) |> ignore
        call.[5] :?> float
    // Δx1 = −η (e^{x1} − 2)e^{x1} / (2e^{2x1} − 2e^{x1}) = −η (1 − 2e^{−x1}) / (2 − 2e^{−x1}), the form
    // that is exact in doubles at large x1.
    for x1 in [ 3.0; 30.0; 400.0; 800.0 ] do
        let expected = -0.25 * (1.0 - 2.0 * exp -x1) / (2.0 - 2.0 * exp -x1)
        let s = step stable x1
        Assert.True(abs (s - expected) <= 1e-14 * abs expected, sprintf "NewtonStable at x1 = %g: %.17g, expected %.17g\n%s" x1 s expected cs)
    // The written form is what needed it: NaN at x1 = 800, where exp(x1) overflows. (At 400 it is now right:
    // with exp(x1) cancelled it no longer writes exp(2*x1), which overflowed there.)
    Assert.True(Double.IsNaN(step (rules.GetMethod "Newton") 800.0))
    let at400 = step (rules.GetMethod "Newton") 400.0
    Assert.True(abs (at400 - -0.125) <= 1e-14, sprintf "Newton at x1 = 400: %.17g" at400)
