/// Newton's rule for the projectile's range and apex height in speed v and angle th (README's `--param g=9.81`)
/// as the 32nd round found it printed: a factor outside a bracket that a /2 inside cancelled
/// (`2*eta*(t7*t9/2 - t4*t6)/t10`), an intermediate written out again scaled beside its name (`3*v^2*sin(th)^2/g`
/// with t3 = v^2*sin(th)^2/g), and sin(2*th) beside sin(th)*cos(th) in one rule. Each fault is checked as a kind
/// on the printed block, and the block is checked to compute the step as derived.
module PhysGrad.Properties.Rules32

open System
open System.Collections.Generic
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private simulator = "v^2*sin(2*th)/g; v^2*sin(th)^2/(2*g)"

/// The printed block of `derive --methods newton` as (name, text) lines, continuations joined: the
/// intermediates t1, t2, … and the steps Δv, Δth.
let private newtonBlock () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; simulator; "--vars"; "v,th"; "--param"; "g=9.81"; "--methods"; "newton" ]
    Assert.True((code = 0), err)
    let result = Cli.ruleLines out
    Assert.True(result.Length >= 2, out)
    result, out

[<Fact>]
let ``no product in Newton's projectile rule leaves a number that cancels against its bracket's content`` () =
    // Was Δv = 2*eta*(t7*t9/2 - t4*t6)/t10: the 2 and the /2 cancel, eta*(t7*t9 - 2*t4*t6)/t10.
    let block, out = newtonBlock ()

    for (name, text) in block do
        let e = Parse.expression text
        let cancelled = Infix.format (Simplify.cancelContentOf e)
        Assert.True(cancelled.Length >= (Infix.format e).Length, sprintf "%s = %s prints shorter as %s in\n%s" name text cancelled out)

[<Fact>]
let ``no intermediate of Newton's projectile rule is written out again, scaled, beside its name`` () =
    // Was t3 = v^2*sin(th)^2/g with t8 = sin(th)*(3*v^2*sin(th)^2/g - …): 3*t3.
    let block, out = newtonBlock ()

    for (name, definition) in block do
        if name.StartsWith "t" && not (Regex.IsMatch(definition, @" [+-] ")) then
            // A product: its text as whole factors elsewhere (not the tail of a longer factor).
            let pattern = @"(^|[(*\s])" + Regex.Escape definition + @"($|[)*/\s])"

            for (other, text) in block do
                if other <> name then
                    Assert.False(Regex.IsMatch(text, pattern), sprintf "%s = %s is written out in %s = %s:\n%s" name definition other text out)

[<Fact>]
let ``Newton's projectile rule writes the angle one way, sin(2*th) or sin(th)*cos(th), not both`` () =
    // Was t1 = sin(2*th) beside t6 = t5*v^2*sin(th)*cos(th)/g + …
    let _, out = newtonBlock ()
    let doubled = Regex.IsMatch(out, @"(sin|cos)\(2\*th\)")
    let product = Regex.IsMatch(out, @"sin\(th\)(\^\d+)?\*cos\(th\)|cos\(th\)(\^\d+)?\*sin\(th\)")
    Assert.False(doubled && product, out)

[<Fact>]
let ``Newton's projectile rule as printed computes the derived step`` () =
    let block, _ = newtonBlock ()
    let names = Dictionary<Expr, Expr>()
    let steps = ResizeArray<Expr>()

    for (name, text) in block do
        let e = Structure.substitute names (Parse.expression text)
        if name.StartsWith "Δ" then steps.Add e else names.[Expr.symbol name] <- e

    let outputs = [| Expr.symbol "y0"; Expr.symbol "y1" |]
    let p = simulator.Split(';') |> Array.map (fun s -> Parse.expression (s.Trim()))
    let loss = Parse.expression "(y0 - ys0)^2/2 + (y1 - ys1)^2/2"
    let derived = UpdateRules.newton UpdateRules.eta [| Expr.symbol "v"; Expr.symbol "th" |] (UpdateRules.lossInX outputs p loss)

    // Points away from where the Hessian is singular (checked: its determinant there is of the order of its terms).
    for (v, th, ys0, ys1) in [ 3.0, 0.7, 1.0, 0.5; 1.5, 0.3, 0.2, -0.4; 2.2, 1.1, -1.0, 2.0 ] do
        let at (s: string) =
            match s with
            | "v" -> v
            | "th" -> th
            | "g" -> 9.81
            | "ys0" -> ys0
            | "ys1" -> ys1
            | "eta" -> 1.0
            | _ -> failwithf "no value for %s" s

        let expected = Evaluate.manyAsWritten at derived
        let actual = Evaluate.manyAsWritten at (steps.ToArray())
        Assert.Equal(expected.Length, actual.Length)

        for (a, b) in Array.zip expected actual do
            Assert.True(abs (a - b) <= 1e-9 * max 1.0 (max (abs a) (abs b)), sprintf "%g against %g at v = %g, th = %g" a b v th)

/// Products of powers of sin and cos of the angles x and 2x, with a coefficient, as angleForms rewrites them.
let private trigProducts =
    gen {
        let! n = Gen.choose (1, 4)
        let! factors =
            Gen.listOfLength n (
                gen {
                    let! f = Gen.elements [ Expr.sin; Expr.cos ]
                    let! doubled = Gen.elements [ false; true ]
                    let! k = Gen.elements [ -2; -1; 1; 2; 3 ]
                    let x = Expr.symbol "x"
                    return Expr.pow (f (if doubled then Expr.mul2 Expr.two x else x)) (Expr.ofInt k)
                })
        let! c = Gen.choose (-5, 5)
        return Expr.mul (Array.append [| Expr.ofInt c |] (Array.ofList factors))
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``writing an angle one way (halved or doubled) never changes a value`` () =
    let x = Expr.symbol "x"
    // Both angles in every sum, so that angleForms has a mixed block to rewrite.
    let cases = Arb.zip (Arb.zip (trigProducts, trigProducts), Arb.fromGen (Gen.choose (-300, 300)))

    Prop.forAll cases (fun ((a, b), k) ->
        let mixed = Expr.sum [| a; b; Expr.mul [| Expr.sin x; Expr.cos x; Expr.sin (Expr.mul2 Expr.two x) |] |]
        // Away from the zeros of sin(2x), where a negative power has a pole.
        let at = 0.01 * float k + 0.37
        let value (e: Expr) = (Evaluate.manyAsWritten (fun _ -> at) [| e |]).[0]
        let expected = value mixed
        let forms = Simplify.angleForms [| mixed |]
        // Each form's terms have the magnitude of the original's (products of sin and cos powers at |sin(2x)| ≥ sin(0.02)):
        // the comparison is relative to the sum of |terms|, the scale its rounding is relative to.
        let scale = (match mixed.Node with | Sum ts -> ts | _ -> [| mixed |]) |> Array.sumBy (value >> abs)

        abs (sin (2.0 * at)) < 0.02
        || (forms.Length = 2
            && forms |> List.forall (fun f -> abs (value f.[0] - expected) <= 1e-12 * max 1.0 scale)))
