/// A new-user trial of main (trial 18a): the API's JSON names the x* its distances use, size and start
/// messages say each thing once and name the variables, and the API refuses a start outside the domain
/// as the CLI does.
module PhysGrad.Properties.TrialFix18a

open System
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

[<Fact>]
let ``ToJson of Compare's results names the x* its distances use, as ToJson of the comparison does`` () =
    // The README's sample: y = (2·x0, exp x1), y* = (1, 2): x* = (0.5, ln 2), found by the derived inverse.
    let problem = PhysicsProblem.FromText("2*x0; exp(x1)", [| 1.0; 2.0 |], [| 0.0; 0.0 |])
    let methods = [| struct (Method.GradientDescent, 0.1); struct (Method.PhysicalGradient, 0.5) |]
    let runs = problem.Compare(methods, 20)
    let targetX (json: string) =
        use d = JsonDocument.Parse json
        let t = d.RootElement.GetProperty("problem").GetProperty "targetX"
        Assert.Equal(JsonValueKind.Array, t.ValueKind)
        [| for v in t.EnumerateArray() -> v.GetDouble() |]
    let written = targetX (problem.ToJson(runs: Collections.Generic.IReadOnlyList<MethodResult>))
    Assert.Equal(0.5, written.[0], 12)
    Assert.Equal(Math.Log 2.0, written.[1], 12)
    Assert.Equal<float[]>(targetX (problem.ToJson(problem.CompareMethods(methods, 20))), written)
    // And the distances are measured to that point.
    for r in runs do
        let d = Math.Sqrt(Seq.sum (Seq.map2 (fun (a: float) b -> (a - b) * (a - b)) r.Run.Final written))
        Assert.Equal(d, r.DistanceToTarget, 12)

[<Fact>]
let ``an example too large for memory says its variable count once`` () =
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> ReferenceProblems.Create("rosenbrock", Nullable 100000000) |> ignore)
    Assert.Contains("at n = 100000000 has 100000000 variables", e.Message)
    Assert.DoesNotContain("(100000000 variables)", e.Message)

[<Fact>]
let ``the API's start of the wrong length names the variables and what to give`` () =
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> PhysicsProblem.FromText("a + b; b*c; c", [| 1.0; 1.0; 1.0 |], [| 1.0; 2.0 |]) |> ignore)
    Assert.Contains("The start point has 2 values but the problem has 3 variables (a, b, c)", e.Message)
    Assert.Contains("one value per variable", e.Message)

[<Fact>]
let ``the API refuses a start outside the domain with the condition, as the CLI does, instead of a diverged run`` () =
    let problem = PhysicsProblem.FromText("1/x0", [| 1.0 |], [| 0.0 |])
    let e = Assert.Throws<SymbolicException>(fun () -> problem.Run(Method.GradientDescent, 0.1, 5) |> ignore)
    Assert.Contains("outside the domain", e.Message)
    Assert.Contains("x0 ≠ 0", e.Message)
    Assert.Throws<SymbolicException>(fun () -> problem.CompareMethods([| struct (Method.GradientDescent, 0.1) |], 5) |> ignore) |> ignore
    // Inside the domain the same problem runs.
    let inside = problem.WithStart [| 2.0 |]
    Assert.True(inside.Run(Method.GradientDescent, 0.1, 5).Final.[0] > 0.0)

[<Fact>]
let ``UpdateRule.ToString names the intermediates derive's text prints, instead of repeating them`` () =
    let simulator = "x0*x1 + x1^2; x0^2 - x1"
    let problem = PhysicsProblem.FromText(simulator, [| 1.0; 2.0 |], [| 1.0; 1.0 |])
    let code, text, _ = Cli.run [ "derive"; "--simulator"; simulator; "--target"; "1,2"; "--methods"; "newton,gn" ]
    Assert.Equal(0, code)
    for rule in problem.Rules(Method.Newton, Method.GaussNewton) do
        let line = rule.ToString()
        let name = if rule.Method = Method.Newton then "newton" else "gn"
        // derive's block for this method: from "name:" to the next blank or unindented line.
        let block =
            text.Split('\n')
            |> Array.skipWhile (fun l -> l.Trim() <> name + ":")
            |> Array.skip 1
            |> Array.takeWhile (fun l -> l.StartsWith "  ")
            |> Array.map (fun l -> l.Trim())
        Assert.NotEmpty block
        Assert.Contains(block, fun l -> l.StartsWith "t1 = ")
        // Every line derive prints (t1 = …, Δx0 = …) is a clause of ToString, in the same order.
        Assert.Equal<string[]>(block, line.Substring(name.Length + 2).Split("; "))

[<Fact>]
let ``a misspelt command gets only the did-you-mean line, not 'Required command was not provided'`` () =
    let code, _, err = Cli.run [ "compar" ]
    Assert.Equal(2, code)
    Assert.Contains("did you mean 'compare'?", err)
    Assert.DoesNotContain("Required command", err)

[<Fact>]
let ``--out where no directory can be made says so and why, not 'Could not find file'`` () =
    if OperatingSystem.IsLinux() && IO.Directory.Exists "/proc" then
        let code, _, err = Cli.run [ "compare"; "--iterations"; "1"; "--out"; "/proc/physgrad-nope" ]
        Assert.Equal(2, code)
        Assert.Contains("--out: The plot directory '/proc/physgrad-nope' cannot be created: '/proc' takes no new directories", (TestHelpers.unwrapped err))
        Assert.DoesNotContain("Could not find file", (TestHelpers.unwrapped err))

[<Fact>]
let ``a problem file whose target names symbols is refused with the file and the field, as other file errors are`` () =
    let file = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-trial18a-target.json")
    IO.File.WriteAllText(file, """{"variables":["x0"],"simulator":["x0"],"target":["one"],"start":[1]}""")
    let code, _, err = Cli.run [ "compare"; "--problem"; file; "--iterations"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "--problem '%s': \"target\" names a symbol (one)" file, err)
