/// A name's definition written out again (names36): the passes after naming (regrouping, factoring, the positive and
/// exponential forms) could rebuild a sum a name already stood for, so a block held t6 = 2*t4 - ys0 - ys1 and later
/// t9 = t8^2 + 2*(t3/g - t4)*(2*t4 - ys0 - ys1). Each definition is now written as its name in the lines after it.
module PhysGrad.Properties.Names36

open System
open global.Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// The places where a name's definition (parsed as printed, so hash-consed: the same expression is the same node)
/// is a node of another line: (name, line).
let private writtenAgain (definitions: (string * Expr) list) (steps: (string * Expr) list) =
    [ for (t, d) in definitions do
          for (line, e) in definitions @ steps do
              if line <> t && Structure.postOrder [ e ] |> Array.exists (fun n -> Object.ReferenceEquals(n, d)) then
                  yield t, line ]

/// Problems in a speed v and an angle th (g = 9.81) built from products of powers, sines and cosines, as the
/// projectile's rules are.
let private angles: Arbitrary<string> =
    let factor = Gen.elements [ "v"; "v^2"; "sin(th)"; "cos(th)"; "sin(2*th)"; "sin(th)^2"; "(v + th)"; "th" ]
    let term = Gen.listOfLength 2 factor |> Gen.map (String.concat "*")
    let output = Gen.oneof [ term |> Gen.map (fun t -> t + "/g"); Gen.map2 (fun a b -> a + "/g + " + b) term term ]
    Gen.map2 (fun a b -> a + "; " + b) output output |> Arb.fromGen

let private angleOptions = [ "--vars"; "v,th"; "--param"; "g=9.81" ]

let private noneAgain (options: string list) (simulator: string) =
    [ "gd"; "newton"; "ig" ]
    |> List.forall (fun m ->
        match Rules34.printed simulator m options with
        | None -> true
        | Some(definitions, steps, out) ->
            match writtenAgain definitions steps with
            | [] -> true
            | bad -> failwithf "%s, %s: %A written again in\n%s" simulator m bad out)

[<Fact>]
let ``newton on (v + th)*sin(2*th)/g twice writes the residuals' sum once, as its name elsewhere`` () =
    let definitions, steps, out = (Rules34.printed "(v + th)*sin(2*th)/g; (v + th)*sin(2*th)/g" "newton" angleOptions).Value
    // The sum 2*t5 - ys0 - ys1 (the residuals' sum) is written once, in its own line.
    Assert.Equal(1, Text.RegularExpressions.Regex.Matches(out, Text.RegularExpressions.Regex.Escape "- ys0 - ys1").Count)
    Assert.True(List.isEmpty (writtenAgain definitions steps), out)

[<Property(MaxTest = 40)>]
let ``no name's definition is written out again in the rules of angle problems`` () = Prop.forAll angles (noneAgain angleOptions)

[<Property(MaxTest = 40)>]
let ``no name's definition is written out again in the rules of exponential and polynomial problems`` () =
    Prop.forAll (Arb.fromGen (Gen.oneof [ Rules34.simulators.Generator; Rules34.polynomials.Generator ])) (noneAgain [])

[<Property(MaxTest = 30)>]
let ``the printed rules of angle problems compute the rules as derived`` () =
    let point = Gen.arrayOfLength 4 (Gen.choose (-1000, 1000) |> Gen.map (fun k -> float k / 1000.0))

    Prop.forAll (Arb.fromGen (Gen.zip angles.Generator point)) (fun (simulator, r) ->
        [ "gd"; "newton"; "ig" ]
        |> List.forall (fun m ->
            match Rules34.printed simulator m angleOptions with
            | None -> true
            | Some(definitions, steps, out) ->
                let written = Rules34.inlined definitions steps |> List.map snd |> Array.ofList
                let expected = Rules34.derived simulator steps m
                // v in [0.3, 1.3], th in [0.2, 1.2] (sines and cosines away from 0), targets in [-2, 2].
                let at (scale: float) (s: string) =
                    match s with
                    | "v" -> (0.3 + abs r.[0]) * scale
                    | "th" -> (0.2 + abs r.[1]) * scale
                    | "ys0" -> 2.0 * r.[2]
                    | "ys1" -> 2.0 * r.[3]
                    | "g" -> 9.81
                    | _ -> 1.0

                let e = Evaluate.manyAsWritten (at 1.0) expected
                let a = Evaluate.manyAsWritten (at 1.0) written
                // The rule's own change when the variables move by 1e-9 relative bounds the rounding of two forms of
                // it where the Jacobian is nearly singular (as Rules34 measures it).
                let moved = Evaluate.manyAsWritten (at (1.0 + 1e-9)) expected

                Array.zip3 e a moved
                |> Array.forall (fun (x, y, z) ->
                    not (Double.IsFinite x && Double.IsFinite z) || abs (x - y) <= 1e-7 * max 1.0 (abs x) + 10.0 * abs (z - x))
                || failwithf "%s, %s at %A: %A vs %A\n%s" simulator m r e a out))
