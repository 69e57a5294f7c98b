/// Issue 12's last first-hour faults, each tested as a kind: units and check give Gauss–Newton one verdict
/// with the theory's reason (a loss adding [km/ms]² and [ms]²); Adam's note writes ∂L/∂x in the units the
/// step column uses; a generated target is never P at the point measured and says how it was made; the
/// out parameters of derive's C# follow one prefix that no name of the problem takes.
module PhysGrad.Properties.SameVerdicts

open System
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

// ---- 1. units and check say the same about Gauss–Newton, and why -------------------------------------

[<Fact>]
let ``units and check agree that Gauss–Newton's step has no unit when the loss adds km/ms and ms squared, and both say so`` () =
    let args = [ "--simulator"; "x0/x1; x1"; "--unit"; "x0=km"; "--unit"; "x1=ms" ]
    let code, json, err = run ([ "units"; "--format"; "json" ] @ args)
    Assert.True((code = 0), err)
    let gn =
        (JsonDocument.Parse json).RootElement.GetProperty("methods").EnumerateArray()
        |> Seq.find (fun m -> m.GetProperty("method").GetString() = "gn")
    Assert.False(gn.GetProperty("consistent").GetBoolean())
    let reason = "the loss ½‖y − y*‖² adds [km^2/ms^2] and [ms^2]"
    // Every gn row that is not in x's unit gives the reason, in the units the Outputs line prints.
    for s in gn.GetProperty("steps").EnumerateArray() do
        Assert.False(s.GetProperty("consistent").GetBoolean())
        Assert.Contains(reason, s.GetProperty("note").GetString())
    let note = gn.GetProperty("steps").[0].GetProperty("note").GetString()
    let caveat = note.Substring(note.IndexOf reason).Split("; measured:").[0]

    let code, out, err = run ([ "check" ] @ args)
    Assert.True((code = 0), err)
    let row = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith " 1  units")
    // check does not pass Gauss–Newton in silence: it names it as not counted, with units' words.
    Assert.Contains("gn not counted", row)
    Assert.Contains(caveat, row)

/// Simulators whose units follow from the variables' (a sum of x0 and x1 needs one unit for both: those
/// combinations are refused and skipped), with a loss or the default.
let private cases =
    [ "x0/x1; x1", null; "x0; x1^2", null; "x0*x1; x1", null; "x0*x1", null; "x0; x0*x1; x1", null
      "x0 + x1; x0 - x1", null; "x0; x1", null; "x0; x1", "(y0^2 + y1^2)^2"; "k*x0; x1", null ]

let private unitChoices = [ "m"; "km"; "s"; "ms" ]

let private problems () =
    [ for simulator, loss in cases do
          for u0 in unitChoices do
              for u1 in unitChoices do
                  let definition =
                      ProblemDefinition([| "x0"; "x1" |], simulator.Split(';'), loss, [||], [||],
                                        Parameters = (if simulator.Contains "k" then readOnlyDict [ "k", 2.0 ] else null))
                          .WithGenericPoint()
                  let units = [ "x0", u0; "x1", u1 ] @ (if simulator.Contains "k" then [ "k", "1/s" ] else [])
                  let problem =
                      try Some((PhysicsProblem.From definition).WithUnits(readOnlyDict units))
                      with e when InputError.Is e -> None
                  match problem with
                  | Some p ->
                      // Building the model is where a sum of two dimensions is refused.
                      match (try Some p.Model with e when InputError.Is e -> None) with
                      | Some _ -> yield sprintf "%s (L = %s) with x0 in %s, x1 in %s" simulator (if isNull loss then "default" else loss) u0 u1, p
                      | None -> ()
                  | None -> () ]

[<Fact>]
let ``on every problem units' Gauss–Newton rows and check's property 1 give one verdict, with one reason`` () =
    let all = problems ()
    // Enough problems of each kind: with the caveat (mixed outputs, a quartic loss, a minimum-norm step
    // over mixed variables) and without it (the theory's claim, which units must then confirm).
    let withCaveat = all |> List.filter (fun (_, p) -> not (isNull (StepUnits.LeastSquaresCaveat p.Model)))
    Assert.True(withCaveat.Length >= 40, sprintf "%d problems with a caveat" withCaveat.Length)
    Assert.True(all.Length - withCaveat.Length >= 8, sprintf "%d problems without" (all.Length - withCaveat.Length))
    for name, p in all do
        let caveat = StepUnits.LeastSquaresCaveat p.Model
        let gn = p.StepUnits() |> Seq.find (fun m -> m.Method = Method.GaussNewton)
        let check = TheoryChecks.Units p.Model
        let measured = gn.Steps |> Seq.filter (fun s -> s.Measurable && not s.FellBack) |> Array.ofSeq
        if isNull caveat then
            // The theory claims x's unit: units shows it, and check counts it (and passes).
            for s in measured do
                Assert.True(s.Consistent, sprintf "%s: gn Δ%s in %s (%s)" name s.Variable (string s.UnitText) s.Note)
            Assert.DoesNotContain("gn not counted", check.Detail)
            Assert.True(check.Passed, sprintf "%s: %s" name check.Detail)
        else
            // No claim: check says it did not count gn and why, units' rows that are not in x's unit say the same.
            Assert.Contains("gn not counted", check.Detail)
            Assert.Contains(caveat, check.Detail)
            for s in gn.Steps do
                if not s.Consistent then Assert.Contains(caveat, s.Note)

// ---- 2. Adam's note in the units of the step column --------------------------------------------------

[<Fact>]
let ``Adam's note writes ∂L/∂x in the unit GD's step column measures for the same variable, and names that variable`` () =
    for name, p in problems () do
        let units = p.StepUnits()
        let gd = units |> Seq.find (fun m -> m.Method = Method.GradientDescent)
        let adam = units |> Seq.find (fun m -> m.Method = Method.Adam)
        for i in 0 .. gd.Steps.Count - 1 do
            let g, a = gd.Steps.[i], adam.Steps.[i]
            // GD's step is −η ∂L/∂x: measured, it is in ∂L/∂x's unit, which Adam's ε is added to.
            if g.Measurable && not (isNull g.UnitText) && g.UnitText <> "1" then
                Assert.Contains(sprintf "√v̂ in [%s] (∂L/∂%s's unit)" g.UnitText g.Variable, a.Note)
                Assert.Contains(sprintf "|∂L/∂%s|" g.Variable, a.Note)
                Assert.DoesNotContain("∂xᵢ", a.Note)

// ---- 3. a generated target is clearly not P at the point measured ------------------------------------

let private simulators = [| "x0^2"; "x0*x1"; "x0; x1^2"; "exp(x0); x1"; "x0/(1 + x1^2); x1"; "sin(x0) + x1" |]

let private evaluate (names: string[]) (values: float[]) (text: string) =
    text.Split(';') |> Array.map (fun c -> Evaluate.at names values (Parse.expression c))

/// Points with entries at the old generic target's fixed point (0.5), at 0 and near it, and anywhere in [−3, 3].
let private entry =
    Gen.oneof [ Gen.constant 0.5; Gen.constant 0.0; Gen.constant 0.59; Gen.constant 1e-7
                Gen.choose (-3000, 3000) |> Gen.map (fun k -> float k / 1000.0) ]

[<Property(MaxTest = 300)>]
let ``a generated target is at least 5% of ‖P(x)‖ away from P at the point it is made around, and reachable`` () =
    Prop.forAll (Arb.fromGen (Gen.zip (Gen.elements simulators) (Gen.arrayOfLength 2 entry))) (fun (simulator, point) ->
        let names = if simulator.Contains "x1" then [| "x0"; "x1" |] else [| "x0" |]
        let at = point.[.. names.Length - 1]
        let definition = ProblemDefinition(names, simulator.Split(';'), null, [||], [||])
        let generated = definition.GenerateTarget at
        let here = evaluate names at simulator
        let norm (v: float[]) = sqrt (Array.sumBy (fun e -> e * e) v)
        let distance = norm (Array.map2 (-) generated.Target here)
        // y* is P(x′) at the x′ it names (reachable), and clearly not P(x).
        let image = evaluate names generated.Point simulator
        (distance > 0.0 && distance >= 0.05 * norm here) |@ sprintf "‖y* − P(x)‖ = %g, ‖P(x)‖ = %g: %s" distance (norm here) generated.How
        .&. (Array.forall2 (fun (a: float) b -> abs (a - b) <= 1e-12 * (1.0 + abs a)) image generated.Target
             |@ sprintf "P(x′) = %A, y* = %A" image generated.Target)
        .&. (generated.How.Contains "x′ =" |@ generated.How))

[<Fact>]
let ``check --at and units --start generate the target around that point, never at P of it, and say how`` () =
    // 0.9·x + 0.05 had its fixed point at 0.5 (y* = P(0.5), loss 0); check --at used the generic start instead.
    for args in [ [ "check"; "--at"; "0.5" ]; [ "units"; "--start"; "0.5"; "--unit"; "x0=m" ]; [ "check"; "--at"; "0.59" ] ] do
        let code, json, err = run (args @ [ "--simulator"; "x0^2"; "--format"; "json" ])
        Assert.True((code = 0), err)
        let root = (JsonDocument.Parse json).RootElement
        let x = root.GetProperty("point").[0].GetDouble()
        Assert.Equal(float args.[2], x)
        let target = root.GetProperty("target").[0].GetDouble()
        Assert.True(abs (target - x * x) >= 0.05 * x * x, sprintf "%A: y* = %g, P(x) = %g" args target (x * x))
    let _, out, _ = run [ "check"; "--simulator"; "x0^2"; "--at"; "0.5" ]
    // 0.5 + 10% = 0.55, 0.55² = 0.3025: 21% above P(0.5) = 0.25.
    Assert.Contains("At x = [0.5], target y* = [0.3025] (no target given: y* = P(x′) at x′ = [0.55] (x moved by 10% of its size, up): ‖y* − P(x)‖ = 0.21·‖P(x)‖)", unwrapped out)

// ---- 4. derive's C# out parameters: one prefix, no name of the problem ------------------------------

let private outPrefix (cs: string) =
    let m = Regex.Match(cs, @"// Each out parameter is named (\S+) \+ the name it steps")
    Assert.True(m.Success, cs)
    m.Groups.[1].Value

[<Theory>]
[<InlineData("x0; x1^2", "x0,x1", "--target", "dx0,dx1", "delta_")>]
[<InlineData("x0; x1^2", "x0,x1", "--target", "dy0,delta_y1", "step_")>]
[<InlineData("dx0; x0^2", "dx0,x0", "--target", "a,b", "delta_")>]
[<InlineData("dy1*x0; x1", "x0,x1", "--param", "dy1=2", "delta_")>]
[<InlineData("x0; x1^2", "x0,x1", "--target", "a,b", "d")>]
let ``every out parameter of derive's C# takes one prefix, no name of the problem, and the file compiles`` (simulator: string, vars: string, option: string, value: string, expected: string) =
    let code, cs, err = run [ "derive"; "--format"; "csharp"; "--simulator"; simulator; "--vars"; vars; option; value ]
    Assert.True((code = 0), err)
    let prefix = outPrefix cs
    Assert.Equal(expected, prefix)
    let t = (TestHelpers.compileCSharp cs).GetType "UpdateRules"
    let problemNames = Set.ofArray (vars.Split ',') + Set.ofArray (value.Split(',') |> Array.map (fun v -> v.Split('=').[0])) + set [ "y0"; "y1"; "eta" ]
    for m in t.GetMethods() |> Array.filter (fun m -> m.DeclaringType = t && m.IsPublic) do
        let parameters = m.GetParameters()
        let inputs = parameters |> Array.filter (fun p -> not p.IsOut) |> Array.map (fun p -> p.Name)
        let outs = parameters |> Array.filter (fun p -> p.IsOut) |> Array.map (fun p -> p.Name)
        // One out per stepped name, prefix + that name, in the order of the state inputs.
        let stepped = if m.Name = "YStep" then [| "y0"; "y1" |] else vars.Split ','
        Assert.Equal<string[]>(stepped |> Array.map (fun n -> prefix + n), outs)
        for o in outs do
            Assert.DoesNotContain(o, inputs)
            Assert.False(problemNames.Contains o, sprintf "%s.%s: out %s is a name of the problem" m.Name o o)
    // The renamed file still computes the step: GD on L = ½((x0 − dx0)² + (x1² − dx1)²) at x = (1, 2),
    // y* = (0.5, 3), η = 0.1: Δx0 = −0.1·0.5 = −0.05, Δx1 = −0.1·2·2·(4 − 3) = −0.4.
    if value = "dx0,dx1" then
        let args = [| box 1.0; box 2.0; box 0.5; box 3.0; box 0.1; box 0.0; box 0.0 |]
        (t.GetMethod "GradientDescent").Invoke(null, args) |> ignore
        Assert.Equal(-0.05, args.[5] :?> float, 12)
        Assert.Equal(-0.4, args.[6] :?> float, 12)
