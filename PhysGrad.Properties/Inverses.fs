/// The local inverse derived symbolically, the core's problem model, and PG on derived inverses.
module PhysGrad.Properties.Inverses

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Problems

let private outputs (n: int) = Array.init n (sprintf "y%d")

let private derive (p: Invertible) =
    LocalInverse.derive p.Variables (outputs p.N) (simulator p)

/// P⁻¹(y; x₀) evaluated with the interpreter.
let private invert (p: Invertible) (inverse: Expr[]) (y: float[]) (x0: float[]) =
    Evaluate.manyAt (Array.append (outputs p.N) p.Variables) (Array.append y x0) inverse

let private near (tolerance: float) (a: float[]) (b: float[]) =
    Array.forall2 (fun (u: float) v -> abs (u - v) <= tolerance * (1.0 + abs v)) a b

[<Property(MaxTest = 150)>]
let ``every composition of elementwise invertible and linear maps has a derived inverse that returns x₀ from P(x₀)``
    ()
    =
    Prop.forAll problemsAt (fun (p, x0) ->
        match derive p with
        | Error reason -> false |> Prop.label (sprintf "P = %O: no inverse derived: %s" p reason)
        | Ok inverse ->
            let y, _ = forward p x0
            let x = invert p inverse y x0

            near 1e-6 x x0
            |> Prop.label (sprintf "P = %O, x₀ = %A, y = %A, P⁻¹(y; x₀) = %A" p x0 y x))

[<Property(MaxTest = 150)>]
let ``the derived inverse finds the preimage nearest x₀ of a nearby target`` () =
    let withStep =
        Arb.zip (problemsAt, Gen.arrayOfLength 3 (Gen.choose (-100, 100)) |> Arb.fromGen)

    Prop.forAll withStep (fun ((p, x0), k) ->
        // x₀ + δ with |δ| ≤ 1e-3, well inside the 0.05 margin of every even piece's branch.
        let x1 = Array.init p.N (fun i -> x0.[i] + float k.[i] * 1e-5)
        let y1, _ = forward p x1

        match derive p with
        | Error reason -> false |> Prop.label reason
        | Ok inverse ->
            let x = invert p inverse y1 x0

            near 1e-6 x x1
            |> Prop.label (sprintf "P = %O, x₀ = %A, target P(%A), found %A" p x0 x1 x))

[<Property(MaxTest = 60)>]
let ``a PG step with the derived inverse lands on y₀ + Δy`` () =
    let withTarget = Arb.zip (problemsAt, Gen.choose (1, 9) |> Arb.fromGen)

    Prop.forAll withTarget (fun ((p, x0), tenths) ->
        // The target is P at a point 0.01 away, so that y₀ + Δy has a preimage on x₀'s branch.
        let xStar = x0 |> Array.map (fun v -> v + 0.01)
        let target, _ = forward p xStar
        let eta = float tenths / 10.0

        let problem = Problem.Create(p.Variables, simulator p, null, target, x0, null, true)

        let run =
            Optimizer.Run(CompiledProblem(problem), Method.PhysicalGradient, eta, x0, 1)

        let y0, _ = forward p x0
        let expected = Array.map2 (fun a t -> a + eta * (t - a)) y0 target
        let landed, _ = forward p run.Final

        (problem.InverseSource = InverseSource.Derived
         && Seq.isEmpty run.Fallbacks
         && near 1e-7 landed expected)
        |> Prop.label (sprintf "P = %O, source %O, landed %A, expected %A" p problem.InverseSource landed expected))

let private inverseOf (simulator: string) (variables: string[]) =
    let sim = Parse.many simulator
    LocalInverse.derive variables (outputs sim.Length) sim

let private one (simulator: string) =
    match inverseOf simulator [| "x" |] with
    | Ok xs -> xs.[0]
    | Error e -> failwith e

[<Theory>]
[<InlineData("x^2", 4.0, 3.0, 2.0)>]
[<InlineData("x^2", 4.0, -3.0, -2.0)>]
[<InlineData("cosh(x)", 1.5430806348152437, -0.5, -1.0)>]
[<InlineData("abs(x - 1)", 2.0, 0.0, -1.0)>]
[<InlineData("(2*x + 1)^4", 81.0, -5.0, -2.0)>]
[<InlineData("x^3", -8.0, 5.0, -2.0)>]
let ``the branch of the local inverse follows x₀`` (simulator: string, y: float, x0: float, expected: float) =
    let x = Evaluate.at [| "y0"; "x" |] [| y; x0 |] (one simulator)
    Assert.Equal(expected, x, 12)

[<Fact>]
let ``the book's inverse is derived as [y0, sign(x1)·√y1]`` () =
    match inverseOf "x0; x1^2" [| "x0"; "x1" |] with
    | Ok xs -> Assert.Equal<string list>([ "y0"; "sqrt(y1)*sign(x1)" ], xs |> Array.map Infix.format |> List.ofArray)
    | Error e -> failwith e

[<Fact>]
let ``triangular, linear and layered simulators solve exactly`` () =
    let check simulator (variables: string[]) (expected: string list) =
        match inverseOf simulator variables with
        | Ok xs -> Assert.Equal<string list>(expected, xs |> Array.map Infix.format |> List.ofArray)
        | Error e -> failwith e

    check "x0; x0*x1" [| "x0"; "x1" |] [ "y0"; "y1/y0" ]

    match inverseOf "2*x0 + x1; x0 - x1" [| "x0"; "x1" |] with
    | Ok xs ->
        // x = (1, −2) maps to y = (0, 3).
        let x = Evaluate.manyAt [| "y0"; "y1"; "x0"; "x1" |] [| 0.0; 3.0; 5.0; 5.0 |] xs
        Assert.Equal<float list>([ 1.0; -2.0 ], List.ofArray x)
    | Error e -> failwith e

    check "exp(x0 + x1); x0 - x1" [| "x0"; "x1" |] [ "y1/2 + log(y0)/2"; "-(y1 - log(y0))/2" ]
    check "log(x)" [| "x" |] [ "exp(y0)" ]
    check "2^x" [| "x" |] [ "log2(y0)" ]
    check "10^x" [| "x" |] [ "log10(y0)" ]
    check "3^x" [| "x" |] [ "log(y0)/log(3)" ]

[<Fact>]
let ``what has no closed-form inverse is explained`` () =
    let reason simulator variables =
        match inverseOf simulator variables with
        | Ok xs -> failwithf "unexpected inverse %A" (xs |> Array.map Infix.format)
        | Error e -> e

    Assert.Contains("y0 = sin(x)", reason "sin(x)" [| "x" |])
    Assert.Contains("cannot isolate the unknown", reason "sin(x)" [| "x" |])
    // x + sin x is one-to-one (its derivative 1 + cos x is ≥ 0 and 0 only at isolated points), so the
    // reason must not call it "not invertible": only the solver has no rule for it.
    let monotone = reason "x + sin(x)" [| "x" |]
    Assert.Contains("cannot isolate the unknown", monotone)
    Assert.DoesNotContain("not invertible", monotone)
    Assert.Contains("as many outputs as variables", reason "x0; x1; x0 + x1" [| "x0"; "x1" |])
    Assert.Contains("y0 = x0*x1", reason "x0*x1; x0 + x1" [| "x0"; "x1" |])
    Assert.Contains("tied by y1 - 2*y0 = 0 for every x", reason "x0 + x1; 2*x0 + 2*x1" [| "x0"; "x1" |])

[<Fact>]
let ``a user's variable named like the solver's unknowns does not confuse it`` () =
    match inverseOf "_unknowna + a; a" [| "_unknowna"; "a" |] with
    | Ok xs -> Assert.Equal<string list>([ "y0 - y1"; "y1" ], xs |> Array.map Infix.format |> List.ofArray)
    | Error e -> failwith e

[<Fact>]
let ``at sign 0 the derived branch is a choice (+), and where no branch reaches y PG falls back and says so`` () =
    // y = x² at x₀ = 0: both ±√y are preimages; the compiled inverse takes +√y (issue 11, kind 9).
    let p =
        Problem.Create([| "x" |], Parse.many "x^2", null, [| 1.0 |], [| 0.0 |], null, true)

    let compiled = CompiledProblem(p)
    Assert.Equal(InverseSource.Derived, compiled.InverseSource)
    let x = Array.zeroCreate 1
    Assert.True(compiled.Invert([| 4.0 |], [| 0.0 |], x))
    Assert.Equal(2.0, x.[0])
    Assert.True(compiled.Invert([| 4.0 |], [| -0.5 |], x))
    Assert.Equal(-2.0, x.[0])
    // From x = 1 towards y* = −1 with η = 1: y + Δy = 1 − 2 = −1 has no real preimage on either branch.
    let towardsNegative =
        Problem.Create([| "x" |], Parse.many "x^2", null, [| -1.0 |], [| 1.0 |], null, true) |> CompiledProblem

    let run = Optimizer.Run(towardsNegative, Method.PhysicalGradient, 1.0, [| 1.0 |], 1)
    Assert.Equal(FallbackKind.NoPreimage, run.Fallbacks.[0].Kind)
    Assert.Contains("derived, then numeric", run.Fallbacks.[0].Reason)

[<Fact>]
let ``the problem model names what does not fit`` () =
    let fails kind (f: unit -> Problem) (words: string) =
        let e = Assert.ThrowsAny<SymbolicException>(fun () -> f () |> ignore)
        Assert.Equal(kind, e.Kind)
        Assert.Contains(words, e.Message)

    let sim = Parse.many "x0 + z; x1"

    fails
        ErrorKind.Variable
        (fun () -> Problem.Create([| "x0"; "x1" |], sim, null, [| 0.0; 0.0 |], [| 1.0; 1.0 |], null, true))
        "simulator[0] uses 'z'"

    let sim = Parse.many "x0; x1"

    fails
        ErrorKind.Variable
        (fun () ->
            Problem.Create(
                [| "x0"; "x1" |],
                sim,
                Parse.expression "y0 + x1",
                [| 0.0; 0.0 |],
                [| 1.0; 1.0 |],
                null,
                true
            ))
        "The loss uses the variable 'x1'"

    fails
        ErrorKind.Variable
        (fun () -> Problem.Create([| "x0"; "x0" |], sim, null, [| 0.0; 0.0 |], [| 1.0; 1.0 |], null, true))
        "listed twice"

    fails
        ErrorKind.Shape
        (fun () -> Problem.Create([| "x0"; "x1" |], sim, null, [| 0.0 |], [| 1.0; 1.0 |], null, true))
        "target has 1 value but"

    fails
        ErrorKind.NonFinite
        (fun () -> Problem.Create([| "x0"; "x1" |], sim, null, [| 0.0; nan |], [| 1.0; 1.0 |], null, true))
        "target[1]"

    let p =
        Problem.Create([| "x0"; "x1" |], sim, null, [| 2.0; 0.5 |], [| 1.0; 1.0 |], null, false)

    Assert.Equal("(y0 - 2)^2/2 + (y1 - 0.5)^2/2", Infix.format p.Loss)
    Assert.Equal("(x0 - 2)^2/2 + (x1 - 0.5)^2/2", Infix.format p.LossInX)
    Assert.Equal(InverseSource.Numeric, p.InverseSource)
    Assert.Null(p.Inverse)

[<Fact>]
let ``derive prints PG's rule through the derived inverse, and compare says which inverse PG used`` () =
    let code, out, _ =
        Cli.run
            [ "derive"
              "--simulator"
              "exp(x)"
              "--target"
              "2"
              "--start"
              "0"
              "--methods"
              "pg" ]

    Assert.Equal(0, code)
    // Δy = −η(y − 2) in y; Δx = log(y + Δy) − x at y = eˣ.
    Assert.Contains("Δy0 = -eta*(y0 - 2)", out)
    Assert.Contains("Δx = log(exp(x) - eta*(exp(x) - 2)) - x", out)

    let code, out, _ =
        Cli.run
            [ "compare"
              "--out"
              IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-inverse-test") ]

    Assert.Equal(0, code)
    Assert.Contains("Local inverse for PG: derived, x0 = y0, x1 = sqrt(y1)*sign(x1).", out)

    let code, out, _ =
        Cli.run
            [ "compare"
              "--simulator"
              "sin(x)"
              "--target"
              "0.5"
              "--start"
              "0.1"
              "--methods"
              "pg:0.5"
              "--format"
              "json"
              "--out"
              IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-inverse-test") ]

    Assert.Equal(0, code)
    let problem = (Text.Json.JsonDocument.Parse out).RootElement.GetProperty("problem")
    Assert.Equal("numeric", problem.GetProperty("inverseSource").GetString())
