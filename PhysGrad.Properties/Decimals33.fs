/// Rules of linear simulators written with decimals, as the 33rd round's new-user trial found them printed:
/// `derive --simulator "0.1*x0 + 0.2*x1; 0.3*x0 - 0.7*x1"` gave Newton's step as
/// `-100*eta*(0.13*x0 - 0.7*ys0 - 0.2*ys1)/13`, whose x0 coefficient is 100·0.13/13 = 1. The rescaling that
/// writes a sum in the user's decimals took scales that only moved digits out of the bracket (0.13 is no
/// decimal the user wrote) and never tried the sum's own content (here 1/13); the scales of a product's sums are
/// now weighed together with the coefficient they change. Over random 2×2 systems the printed step is checked
/// to be the one derived (the rescaling changes how it is written, never its value).
module PhysGrad.Properties.Decimals33

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// Newton's printed steps (Δx0, Δx1 text) for a simulator, with a symbolic target ys0, ys1.
let private newtonSteps (simulator: string) =
    let code, out, err = Cli.run [ "derive"; "--simulator"; simulator; "--methods"; "newton" ]
    Assert.True((code = 0), err + out)

    // The printed lines as every derive test reads them (continuation lines joined): a step wrapped at 100
    // columns was cut at its first line here.
    let steps =
        Cli.ruleLines out
        |> List.choose (fun (name, text) -> if name.StartsWith "Δ" then Some(name.Substring 1, text) else None)

    Assert.True((List.length steps = 2), out)
    steps, out

[<Fact>]
let ``the trial's linear system prints Newton's step over its integer content`` () =
    // J = [[0.1, 0.2], [0.3, -0.7]], det J = -0.13, J⁻¹ = [[70, 20], [30, -10]]/13: x0's step is
    // -eta*(x0 - (70*ys0 + 20*ys1)/13); written over the content 1/13 every coefficient is an integer.
    let steps, out = newtonSteps "0.1*x0 + 0.2*x1; 0.3*x0 - 0.7*x1"
    Assert.True((steps = [ "x0", "-eta*(13*x0 - 70*ys0 - 20*ys1)/13"; "x1", "-eta*(13*x1 - 30*ys0 + 10*ys1)/13" ]), out)

/// One-decimal coefficients a (nonzero, |a| ≤ 0.9) of a 2×2 linear simulator with nonzero determinant.
let private systems =
    let coefficient = Gen.elements [ -9 .. 9 ] |> Gen.filter (fun k -> k <> 0)

    Gen.arrayOfLength 4 coefficient
    |> Gen.filter (fun k -> k.[0] * k.[3] - k.[1] * k.[2] <> 0)
    |> Arb.fromGen

let private text (k: int) = (decimal k / 10m).ToString(Globalization.CultureInfo.InvariantCulture)

[<Property(MaxTest = 40)>]
let ``Newton's printed step of a linear decimal system, rescaled over its sums, is -eta*(x - J⁻¹ys)`` () =
    Prop.forAll systems (fun k ->
        let steps, out = newtonSteps (sprintf "%s*x0 + %s*x1; %s*x0 + %s*x1" (text k.[0]) (text k.[1]) (text k.[2]) (text k.[3]))

        // The same step: J⁻¹ in exact integers (det and cofactors in tenths, so J⁻¹ = 10·adj/det over integers).
        let det = float (k.[0] * k.[3] - k.[1] * k.[2])
        let inv = [| [| float k.[3]; float -k.[1] |]; [| float -k.[2]; float k.[0] |] |] |> Array.map (Array.map (fun a -> 10.0 * a / det))
        let at = dict [ "x0", 0.7; "x1", -1.3; "ys0", 2.1; "ys1", 0.4; "eta", 0.6 ]
        let x = [| at.["x0"]; at.["x1"] |]
        let ys = [| at.["ys0"]; at.["ys1"] |]

        for i, (_, step) in List.indexed steps do
            let expected = -at.["eta"] * (x.[i] - (inv.[i].[0] * ys.[0] + inv.[i].[1] * ys.[1]))
            let scale = at.["eta"] * (abs x.[i] + abs (inv.[i].[0] * ys.[0]) + abs (inv.[i].[1] * ys.[1]))
            let actual = (Evaluate.manyAsWritten (fun s -> at.[s]) [| Parse.expression step |]).[0]
            Assert.True(abs (actual - expected) <= 1e-12 * scale, sprintf "Δx%d = %s is %g at %A, not %g:\n%s" i step actual at expected out))
