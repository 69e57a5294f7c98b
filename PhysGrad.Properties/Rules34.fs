/// The printed update rules as the 34th round found them (issue 12, item 3: rules a person can paste): an
/// exponential kept inside a power of a product, apart from the product's other exponentials (exp(-x0) beside
/// sqrt(x1*exp(x0)), one exp(-x0/2)·sqrt(x1)); a name standing for exp(-u) where exp(u) is written as its
/// reciprocal (t2 = exp(-(x0 + x1)) with 1/t2); one radicand written two ways in the projectile's PG rule
/// (sqrt(g*(x1^2/g - …)) beside sqrt(x1^2 - …)); and a sum written whole in one place and times a monomial
/// inside a larger sum in another, not named. Each kind is checked on the printed text of generated problems, and
/// the printed rules are checked to compute the rules as derived at random points.
module PhysGrad.Properties.Rules34

open System
open System.Collections.Generic
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// One printed block of `derive` (one method): its intermediates and its steps, each line parsed as printed
/// (names as symbols); None where derive refused the method (a singular Jacobian, no inverse).
let printed (simulator: string) (methodName: string) (extra: string list) =
    // k = 0.5 where the simulator uses it (derive refuses a parameter nothing reads).
    let k = if simulator.Contains 'k' then [ "--param"; "k=0.5" ] else []
    let code, out, _ = Cli.run ([ "derive"; "--simulator"; simulator; "--methods"; methodName ] @ k @ extra)

    if code <> 0 then
        None
    else
        let lines = Cli.ruleLines out |> List.filter (fun (n, _) -> not (n.StartsWith "Δy"))
        let definitions = lines |> List.filter (fun (n, _) -> not (n.StartsWith "Δ")) |> List.map (fun (n, d) -> n, Parse.expression d)
        let steps = lines |> List.filter (fun (n, _) -> n.StartsWith "Δ") |> List.map (fun (n, d) -> n, Parse.expression d)
        Some(definitions, steps, out)

/// The printed lines with every name written back: each line as the expression it stands for.
let inlined (definitions: (string * Expr) list) (lines: (string * Expr) list) =
    let names = Dictionary<Expr, Expr>()

    for (n, d) in definitions do
        names.[Expr.symbol n] <- Structure.substitute names d

    lines |> List.map (fun (n, e) -> n, Structure.substitute names e)

/// Problems of two outputs in x0, x1 (and k = 0.5) built from products of exponentials, powers, sums and square
/// roots of products holding an exponential: the shapes whose rules multiply and divide exponentials.
let simulators: Arbitrary<string> =
    let factor =
        Gen.elements
            [ "x0"; "x1"; "x0^2"; "(x0 + x1)"; "(x0 + 1)"; "exp(x0)"; "exp(-x1)"; "exp(x0 + x1)"; "exp(k*x0)"
              "exp(x0*x1)"; "sqrt(x1*exp(x0))"; "sqrt(x0^2 + x1^2)"; "k" ]

    let term = Gen.listOfLength 2 factor |> Gen.map (String.concat "*")

    let output =
        Gen.oneof [ term; Gen.map2 (fun a b -> a + " + " + b) term term; Gen.map2 (fun a b -> a + "/" + b) factor factor ]

    Gen.map2 (fun a b -> a + "; " + b) output output |> Arb.fromGen

let private methods = [ "gd"; "newton"; "ig" ]

/// Does `e` hold an exponential as a factor: exp(u) itself, a power of one, a product holding one, or a name that
/// stands for one of those.
let rec private holdsExponential (definitions: IDictionary<string, Expr>) (e: Expr) =
    match e.Node with
    | Apply(Function.Exp, _) -> true
    // A name counts where it stands for an exponential itself (t4 = exp(x0/2)); a name for a larger product
    // holding one is not looked into (t12 = k*t8/(t4*x1^(3/2)) beside t4^2 is left to the naming).
    | Symbol s -> (match definitions.TryGetValue s with | true, d -> (match d.Node with | Apply(Function.Exp, _) -> true | _ -> false) | _ -> false)
    | Power(b, _) -> holdsExponential definitions b
    | Product fs -> fs |> Array.exists (holdsExponential definitions)
    | _ -> false

/// The products of the printed block with two factors that each hold an exponential (as printed, names as symbols).
let private unmergedExponentials (definitions: (string * Expr) list) (steps: (string * Expr) list) =
    let defs = dict definitions

    [ for (n, e) in definitions @ steps do
          for node in Structure.postOrder [ e ] do
              match node.Node with
              | Product fs when (fs |> Array.filter (holdsExponential defs) |> Array.length) >= 2 -> yield n, Infix.format node
              | _ -> () ]

[<Property(MaxTest = 40)>]
let ``no printed product holds two exponentials`` () =
    Prop.forAll simulators (fun simulator ->
        methods
        |> List.forall (fun m ->
            match printed simulator m [] with
            | None -> true
            | Some(definitions, steps, out) ->
                match unmergedExponentials definitions steps with
                | [] -> true
                | bad -> failwithf "%s, %s: %A in\n%s" simulator m bad out))

[<Fact>]
let ``an exponential leaves the square root of a product and merges with the product's other exponentials`` () =
    // Was ig: t2 = exp(-x0), t3 = sqrt(x1/t2) and 2*t2*t3*t4*x0: exp(-x0)*sqrt(x1*exp(x0)) is sqrt(x1)*exp(-x0/2).
    let definitions, steps, out = (printed "sqrt(exp(x0)*x1); x0*exp(x1)" "ig" []).Value
    Assert.True(List.isEmpty (unmergedExponentials definitions steps), out)
    Assert.Contains("exp(x0/2)", out)

[<Property(MaxTest = 200)>]
let ``a power of a product with an exponential computes the power as written`` (c: NormalFloat) (u: NormalFloat) (p: int) =
    // (c·exp(u))^x with c > 0 and a fractional x, built as c^x·exp(x·u): the value of the power as written.
    let c = 0.001 + abs c.Get % 50.0
    let u = u.Get % 20.0
    let x = float (p % 17) / 6.0
    let e = Expr.pow (Expr.mul [ Expr.symbol "c"; Expr.exp (Expr.symbol "u") ]) (Expr.real x)
    let lookup s = if s = "c" then c else u
    let value = Evaluate.manyAsWritten lookup [| e |] |> Array.exactlyOne
    let expected = Math.Pow(c * Math.Exp u, x)
    // Two roundings of exp and pow apart: a few ulps of the value, times the exponent's size for pow's argument.
    abs (value - expected) <= 1e-14 * (1.0 + abs x * (1.0 + abs u)) * abs expected + Double.Epsilon

[<Property(MaxTest = 40)>]
let ``a name for an exponential is not written as its own reciprocal with a negated exponent`` () =
    Prop.forAll simulators (fun simulator ->
        methods
        |> List.forall (fun m ->
            match printed simulator m [] with
            | None -> true
            | Some(definitions, steps, out) ->
                let negatedNames =
                    definitions
                    |> List.choose (fun (n, d) ->
                        match d.Node with
                        | Apply(Function.Exp, u) when (Infix.format u).StartsWith '-' -> Some(Expr.symbol n)
                        | _ -> None)

                let reciprocal =
                    [ for (_, e) in definitions @ steps do
                          for node in Structure.postOrder [ e ] do
                              match node.Node with
                              | Power(b, k) when List.exists (fun n -> Object.ReferenceEquals(n, b)) negatedNames && Expr.isNumeric k ->
                                  if (Evaluate.manyAsWritten (fun _ -> 0.0) [| k |]).[0] < 0.0 then yield Infix.format node
                              | _ -> () ]

                List.isEmpty reciprocal || failwithf "%s, %s: %A in\n%s" simulator m reciprocal out))

[<Fact>]
let ``the name stands for exp(x0 + x1), and its reciprocal is written 1/t`` () =
    // Was t2 = exp(-(x0 + x1)), t3 = 1/t2 - ys0.
    let definitions, _, out = (printed "exp(x0 + x1); x0*x1" "ig" []).Value
    Assert.Contains(definitions, fun (_, d) -> Infix.format d = "exp(x0 + x1)")
    Assert.DoesNotContain("exp(-", out)

/// The radicands of the printed block's fractional powers, each written out (names inlined), grouped by what
/// they multiply out to: a group of two forms is one value written two ways.
let private radicandForms (definitions: (string * Expr) list) (steps: (string * Expr) list) =
    inlined definitions (definitions @ steps)
    |> List.collect (fun (_, e) ->
        Structure.postOrder [ e ]
        |> Array.choose (fun n ->
            match n.Node with
            | Power(b, k) when Expr.isNumeric k && not (Expr.isNumeric b) ->
                let q = (Evaluate.manyAsWritten (fun _ -> 0.0) [| k |]).[0]
                if q <> Math.Round q then Some b else None
            | _ -> None)
        |> List.ofArray)
    |> List.distinctBy (fun b -> b.Id)
    |> List.groupBy (fun b -> (Simplify.expand 400 b).Id)
    |> List.filter (fun (_, forms) -> forms.Length > 1)
    |> List.map (snd >> List.map Infix.format)

/// The projectile of the Quickstart example (range 2*vx*vy/g, apex vy^2/(2*g)) with PG's derived inverse.
let private projectile = "2*x0*x1/g; x1^2/(2*g)"

[<Fact>]
let ``the projectile's PG rule writes its radicand one way`` () =
    // Was sqrt(g*(x1^2/g - eta*(x1^2/g - 2*ys1))) in Δx0 beside sqrt(x1^2 - eta*x1^2 + 2*eta*g*ys1) in Δx1.
    let definitions, steps, out = (printed projectile "pg" [ "--param"; "g=9.81" ]).Value
    Assert.True(List.isEmpty (radicandForms definitions steps), out)
    // As printed (names as symbols), both steps take the square root of one node.
    let roots =
        definitions @ steps
        |> List.collect (fun (_, e) -> Structure.postOrder [ e ] |> Array.filter (fun n -> match n.Node with | Power(_, k) -> Expr.isHalf k | _ -> false) |> List.ofArray)
        |> List.distinctBy (fun n -> n.Id)

    Assert.True((roots.Length = 1), out)

[<Property(MaxTest = 40)>]
let ``no radicand is written two ways`` () =
    Prop.forAll simulators (fun simulator ->
        methods
        |> List.forall (fun m ->
            match printed simulator m [] with
            | None -> true
            | Some(definitions, steps, out) ->
                match radicandForms definitions steps with
                | [] -> true
                | bad -> failwithf "%s, %s: %A in\n%s" simulator m bad out))

/// The rule as derived, before any printing: (variables, steps).
let derived (simulator: string) (steps: (string * Expr) list) (methodName: string) =
    let p = simulator.Split(';') |> Array.map (fun s -> Parse.expression (s.Trim()))
    let outputs = Array.init p.Length (fun i -> Expr.symbol (sprintf "y%d" i))
    let loss = Expr.sum (Array.init p.Length (fun i -> Parse.expression (sprintf "(y%d - ys%d)^2/2" i i)))
    // The variables derive found (a simulator may use x0 alone): one per printed step Δx.
    let x = steps |> List.map (fun (n, _) -> Expr.symbol (n.Substring 1)) |> Array.ofList
    let l = UpdateRules.lossInX outputs p loss

    match methodName with
    | "gd" -> UpdateRules.gradientDescent UpdateRules.eta x l
    | "newton" -> UpdateRules.newton UpdateRules.eta x l
    | _ -> UpdateRules.inverseGradient UpdateRules.eta x outputs p loss

[<Property(MaxTest = 30)>]
let ``the printed rules compute the rules as derived`` () =
    let point = Gen.arrayOfLength 4 (Gen.choose (-1000, 1000) |> Gen.map (fun k -> float k / 1000.0))

    Prop.forAll (Arb.fromGen (Gen.zip simulators.Generator point)) (fun (simulator, r) ->
        methods
        |> List.forall (fun m ->
            match printed simulator m [] with
            | None -> true
            | Some(definitions, steps, out) ->
                let written = inlined definitions steps |> List.map snd |> Array.ofList
                let expected = derived simulator steps m
                // Variables in [0.3, 1.3] (square roots of them are real), targets anywhere in [-2, 2].
                let at (scale: float) (s: string) =
                    match s with
                    | "x0" -> (0.3 + abs r.[0]) * scale
                    | "x1" -> (0.3 + abs r.[1]) * scale
                    | "ys0" -> 2.0 * r.[2]
                    | "ys1" -> 2.0 * r.[3]
                    | "k" -> 0.5
                    | _ -> 1.0

                let e = Evaluate.manyAsWritten (at 1.0) expected
                let a = Evaluate.manyAsWritten (at 1.0) written
                // The rule's own sensitivity: its change when the variables move by 1e-9 relative. Where the
                // Hessian or Jacobian is nearly singular both forms round by up to about this; elsewhere it is
                // ~1e-9 of the value, far below a wrong rule's difference.
                let moved = Evaluate.manyAsWritten (at (1.0 + 1e-9)) expected

                Array.zip3 e a moved
                |> Array.forall (fun (x, y, z) ->
                    not (Double.IsFinite x && Double.IsFinite z)
                    || abs (x - y) <= 1e-7 * max 1.0 (abs x) + 10.0 * abs (z - x))
                || failwithf "%s, %s at %A: %A vs %A\n%s" simulator m r e a out))

[<Fact>]
let ``the projectile's printed PG rule computes PG with the given inverse`` () =
    let inverse = "g*y0/(2*sqrt(2*g*y1)*sign(x1)); sqrt(2*g*y1)*sign(x1)"
    let definitions, steps, out = (printed projectile "pg" [ "--param"; "g=9.81"; "--inverse"; inverse ]).Value
    let written = inlined definitions steps |> List.map snd |> Array.ofList
    let p = projectile.Split(';') |> Array.map (fun s -> Parse.expression (s.Trim()))
    let outputs = [| Expr.symbol "y0"; Expr.symbol "y1" |]
    let loss = Parse.expression "(y0 - ys0)^2/2 + (y1 - ys1)^2/2"
    let x = [| Expr.symbol "x0"; Expr.symbol "x1" |]
    let expected = UpdateRules.physical UpdateRules.eta x outputs p loss (inverse.Split(';') |> Array.map (fun s -> Parse.expression (s.Trim())))
    let rnd = Random(34)

    for _ in 1..200 do
        let values = dict [ "x0", rnd.NextDouble() * 4.0 - 2.0; "x1", rnd.NextDouble() * 4.0 - 2.0; "ys0", rnd.NextDouble() * 20.0; "ys1", rnd.NextDouble() * 5.0; "eta", rnd.NextDouble(); "g", 9.81 ]
        let e = Evaluate.manyAsWritten (fun s -> values.[s]) expected
        let a = Evaluate.manyAsWritten (fun s -> values.[s]) written

        for (x, y) in Array.zip e a do
            // The step is x' − x with x' = P⁻¹(…): each form rounds by a few ulps of x' and of x.
            let scale = abs x + abs values.["x0"] + abs values.["x1"] + 1.0
            Assert.True(abs (x - y) <= 1e-12 * scale, sprintf "%g vs %g at %A\n%s" x y values out)

/// Problems of two outputs built from products of symbols, small sums, a sine and an exponential: the rules of
/// such problems write one sum whole in one place and times a monomial in another (x0 + 2 beside 2*x0 + x0^2).
let polynomials: Arbitrary<string> =
    let factor = Gen.elements [ "x0"; "x1"; "x0^2"; "(x0 + x1)"; "(x0 + 1)"; "(x0 - x1)"; "k"; "sin(x1)"; "exp(x0)" ]
    let term = Gen.choose (2, 3) |> Gen.bind (fun n -> Gen.listOfLength n factor) |> Gen.map (String.concat "*")
    let output = Gen.oneof [ term; Gen.map2 (fun a b -> a + " + " + b) term term ]
    Gen.map2 (fun a b -> a + "; " + b) output output |> Arb.fromGen

/// The pairs (A, B) of printed sums (names as symbols) where B holds every term of A times one monomial m of
/// symbols' integer powers (and a number), m not a number, cancelling against no power in A's terms: A written
/// twice, once whole and once scaled inside B, without one name.
let private unnamedMultiples (definitions: (string * Expr) list) (steps: (string * Expr) list) =
    let termsOf (e: Expr) = match e.Node with | Sum ts -> ts | _ -> [| e |]

    let symbolPower (f: Expr) =
        match f.Node with
        | Symbol _ -> true
        | Power(b, x) -> (match b.Node, x.Node with | Symbol _, Number q -> q.IsInteger | _ -> false)
        | _ -> false

    let factors (e: Expr) = match e.Node with | Product fs -> fs | _ -> [| e |]
    let powersOf (e: Expr) = factors e |> Array.filter (Expr.isNumeric >> not) |> Array.map (fun f -> match f.Node with | Power(b, x) -> (match x.Node with | Number q when q.IsInteger -> b, int q.Num | _ -> f, 1) | _ -> f, 1)
    let monomial (m: Expr) = not (Expr.isNumeric m) && factors m |> Array.forall (fun f -> Expr.isNumeric f || symbolPower f)

    let sums =
        definitions @ steps
        |> List.collect (fun (_, e) -> Structure.postOrder [ e ] |> Array.filter (fun n -> match n.Node with | Sum _ -> true | _ -> false) |> List.ofArray)
        |> List.distinctBy (fun s -> s.Id)

    [ for a in sums do
          for b in sums do
              if a.Id <> b.Id then
                  let ta = termsOf a
                  let tb = HashSet<int64>(termsOf b |> Array.map (fun t -> int64 t.Id))

                  let holds =
                      termsOf b
                      |> Array.exists (fun t ->
                          let m = Expr.div t ta.[0]
                          let noCancel (p: Expr) =
                              powersOf m |> Array.forall (fun (s, d) -> powersOf p |> Array.forall (fun (c, e) -> not (Object.ReferenceEquals(c, s)) || sign e = sign d))

                          monomial m && ta |> Array.forall (fun p -> noCancel p && tb.Contains(int64 (Expr.mul2 m p).Id)))

                  if holds then yield Infix.format a, Infix.format b ]

[<Property(MaxTest = 40)>]
let ``a sum written again times a monomial inside another sum is named once`` () =
    Prop.forAll polynomials (fun simulator ->
        methods
        |> List.forall (fun m ->
            match printed simulator m [] with
            | None -> true
            | Some(definitions, steps, out) ->
                match unnamedMultiples definitions steps with
                | [] -> true
                | bad -> failwithf "%s, %s: %A in\n%s" simulator m bad out))

[<Fact>]
let ``Newton names x0 + 2 once where 2*x0 + x0^2 writes it times x0`` () =
    // Was t2 = x0 + 2 beside t6 = 2*x0 + x0^2.
    let definitions, steps, out = (printed "x0 - x1; exp(x0)/k + exp(x0)*(x0 - x1)*x0^2" "newton" []).Value
    Assert.True(List.isEmpty (unnamedMultiples definitions steps), out)

[<Property(MaxTest = 30)>]
let ``the printed rules of polynomial problems compute the rules as derived`` () =
    let point = Gen.arrayOfLength 4 (Gen.choose (-1000, 1000) |> Gen.map (fun k -> float k / 1000.0))

    Prop.forAll (Arb.fromGen (Gen.zip polynomials.Generator point)) (fun (simulator, r) ->
        methods
        |> List.forall (fun m ->
            match printed simulator m [] with
            | None -> true
            | Some(definitions, steps, out) ->
                let written = inlined definitions steps |> List.map snd |> Array.ofList
                let expected = derived simulator steps m

                let at (scale: float) (s: string) =
                    match s with
                    | "x0" -> (0.3 + abs r.[0]) * scale
                    | "x1" -> (-0.3 - abs r.[1]) * scale
                    | "ys0" -> 2.0 * r.[2]
                    | "ys1" -> 2.0 * r.[3]
                    | "k" -> 0.5
                    | _ -> 1.0

                let e = Evaluate.manyAsWritten (at 1.0) expected
                let a = Evaluate.manyAsWritten (at 1.0) written
                let moved = Evaluate.manyAsWritten (at (1.0 + 1e-9)) expected

                Array.zip3 e a moved
                |> Array.forall (fun (x, y, z) ->
                    not (Double.IsFinite x && Double.IsFinite z)
                    || abs (x - y) <= 1e-7 * max 1.0 (abs x) + 10.0 * abs (z - x))
                || failwithf "%s, %s at %A: %A vs %A\n%s" simulator m r e a out))
