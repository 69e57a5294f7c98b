/// The C# API's printed forms in the CLI's vocabulary (issue 12, items 7 and 8; a new user's console app
/// following README's API section): DefaultMethods is a named result that prints its methods with their step
/// sizes, a run names its method as the CLI does with η as the CLI prints it (gd, 1/3, not GradientDescent,
/// 0.333333), a stop reads as compare's table cell, a derived rule's step prints as derive's text line (η taken
/// out), FromText's start of the wrong length says how to give a constant in the API's terms, and compare's plot
/// list has one layout whatever its paths' lengths.
module PhysGrad.Properties.Api33

open System
open System.Collections.Generic
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics

// ---- 1. DefaultMethods: a named result that prints ----------------------------------------------------------

[<Fact>]
let ``DefaultMethods prints its methods with their step sizes and the skipped ones with the reason`` () =
    // Before: (PhysGrad.MethodSpec[], <>z__ReadOnlyList`1[PhysGrad.SkippedMethod]), a tuple's text.
    let square = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 2.0; 3.0 |])
    Assert.Equal("gd (η = 0.01), newton (η = 1/3), pg (η = 0.3), ig (η = 0.3), gn (η = 0.3), hig (η = 0.3)", string (square.DefaultMethods()))
    // Non-square: IG and PG are left out, each on a line of its own with the reason, as derive says it.
    let wide = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 2.0 |], [| 0.5; 0.5 |])
    let lines = (string (wide.DefaultMethods())).Split(Environment.NewLine)
    Assert.Equal("gd (η = 0.01), newton (η = 1/3), gn (η = 0.3), hig (η = 0.3)", lines.[0])
    Assert.Equal(3, lines.Length)
    Assert.StartsWith("pg skipped: ", lines |> Array.find (fun l -> l.StartsWith "pg"))
    Assert.Contains("square", lines.[1])

[<Fact>]
let ``DefaultMethods is the list of methods to run, with the skipped ones beside it, and still deconstructs in C#`` () =
    let wide = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 2.0 |], [| 0.5; 0.5 |])
    let set = wide.DefaultMethods()
    Assert.Equal<string list>([ "gd"; "newton"; "gn"; "hig" ], set |> Seq.map (fun m -> m.Name) |> List.ofSeq)
    Assert.Equal<Method list>([ Method.PhysicalGradient; Method.InverseGradient ] |> List.sort, set.Skipped |> Seq.map (fun s -> s.Method) |> List.ofSeq |> List.sort)
    // It is what CompareMethods takes: the default comparison from it runs those four.
    let comparison = wide.CompareMethods(set, 3)
    Assert.Equal<string list>([ "gd"; "newton"; "gn"; "hig" ], comparison.Results |> Seq.map (fun r -> r.Name) |> List.ofSeq)
    // The CLI and C# code deconstruct it as they did the tuple.
    let code =
        """using PhysGrad;
public static class D { public static int Count(PhysicsProblem p) { var (run, skipped) = p.DefaultMethods(); return run.Count + skipped.Count; } }"""

    let count = (TestHelpers.compileCSharp code).GetType("D").GetMethod("Count")
    Assert.Equal(6, count.Invoke(null, [| box wide |]) :?> int)

// ---- 2. runs and stops in the CLI's words ------------------------------------------------------------------

[<Fact>]
let ``a run names its method and step size as the CLI does, and a comparison's results too`` () =
    let problem = PhysicsProblem.FromText("x0; exp(x1)", [| 1.0; 2.0 |], [| 0.0; 0.0 |])
    // Before: GradientDescent (η = 0.1), HalfInverseGradient (η = 0.3), Newton (η = 0.333333).
    Assert.StartsWith("gd (η = 0.1): final x = [", string (problem.Run(Method.GradientDescent, 0.1, 5)))
    Assert.StartsWith("hig (η = 0.3): final x = [", string (problem.Run(Method.HalfInverseGradient, 0.3, 5)))
    Assert.StartsWith("newton (η = 1/3): final x = [", string (problem.Run(Method.Newton, 1.0 / 3.0, 5)))
    // A method run twice is told apart by its η, as the plots' legends tell it.
    let results = problem.Compare([| struct (Method.GradientDescent, 0.1); struct (Method.GradientDescent, 0.01) |], 5)
    let lines = (string results).Split(Environment.NewLine)
    Assert.StartsWith("gd (η = 0.1): ", lines.[0])
    Assert.StartsWith("gd (η = 0.01): ", lines.[1])
    let defaults = (string (problem.CompareDefaults 5)).Split(Environment.NewLine)
    Assert.StartsWith("newton (η = 1/3): ", defaults.[1])
    Assert.DoesNotContain("Gradient", string (problem.CompareDefaults 5))

[<Fact>]
let ``a stop reads as compare's table cell, in the API and the CLI alike, and the Quickstart prints it so`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 2.0; 3.0 |])
    let run = problem.Run(Method.GradientDescent, 0.01, 7)
    Assert.Equal(StopReason.IterationLimit, run.StopReason)
    Assert.Equal("iteration limit", run.StopWords)
    Assert.Equal("iteration limit (7)", run.StopCell)
    Assert.Equal("iteration limit (7)", run.Exit.Cell)
    Assert.Equal("iteration limit: 7 iterations", string run.Exit)
    // The CLI's table cell is the same text.
    let _, out, _ = Cli.run [ "compare"; "--simulator"; "x0; x1^2"; "--target"; "1,4"; "--start"; "2,3"; "--methods"; "gd"; "--iterations"; "7"; "--format"; "json" ]
    let json = Text.Json.JsonDocument.Parse(out).RootElement.GetProperty("methods").[0]
    Assert.Equal(run.StopWords, json.GetProperty("stopWords").GetString())
    let _, table, _ = Cli.run [ "compare"; "--simulator"; "x0; x1^2"; "--target"; "1,4"; "--start"; "2,3"; "--methods"; "gd"; "--iterations"; "7"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-api33-stop") ]
    Assert.Contains(table.Split('\n'), fun l -> l.StartsWith "gd " && l.TrimEnd().EndsWith run.StopCell)
    // The Quickstart's stop column: "IterationLimit" before.
    use out = new StringWriter()
    let dir = Directory.CreateTempSubdirectory("physgrad-api33-qs-").FullName

    try
        Assert.Equal(0, Quickstart.Program.Run(out, dir))
        let text = out.ToString()
        Assert.DoesNotContain("IterationLimit", text)
        Assert.Contains("iteration limit (30)", text)
    finally
        Directory.Delete(dir, true)

// ---- 3. a rule's step prints as derive's line --------------------------------------------------------------

[<Fact>]
let ``a derived rule's step prints as derive's text line, eta taken out`` () =
    let parameters = Dictionary<string, float>(dict [ "g", 9.81 ])
    let problem = PhysicsProblem.FromText("2*v0*v1/g; v1^2/(2*g)", [| 10.0; 2.5 |], [| 3.0; 4.0 |], parameters = parameters)
    let _, out, _ =
        Cli.run [ "derive"; "--simulator"; "2*v0*v1/g; v1^2/(2*g)"; "--param"; "g=9.81"; "--target"; "10,2.5"; "--methods"; "gd,newton,ig,gn" ]
    // derive's blocks: "name:" then "  Δv0 = …" lines; a block that names intermediates (t1 = …) is left out, since a
    // step printed alone writes them in.
    let lines = out.Replace("\r", "").Split('\n')
    let mutable compared = 0

    for rule in problem.Rules(Method.GradientDescent, Method.Newton, Method.InverseGradient, Method.GaussNewton) do
        let head = Array.IndexOf(lines, rule.Name + ":")
        Assert.True(head >= 0, out)
        let block = lines |> Array.skip (head + 1) |> Array.takeWhile (fun l -> l.StartsWith "  ")

        if not (block |> Array.exists (fun l -> l.TrimStart().StartsWith "t1 = ")) then
            for i in 0 .. rule.Variables.Count - 1 do
                let line = block |> Array.find (fun l -> l.StartsWith $"  Δ{rule.Variables.[i]} = ")
                Assert.Equal(line.Substring(line.IndexOf(" = ") + 3), rule.Steps.[i].ToInfix())
                compared <- compared + 1

    // Before: 5*eta*g/v1 - eta*v0/2 - 2.5*eta*g*v0/v1^2, η in every term.
    let ig = problem.Rules(Method.InverseGradient).[0]
    Assert.Equal("eta*(5*g/v1 - v0/2 - 2.5*g*v0/v1^2)", ig.Steps.[0].ToInfix())
    Assert.True(compared >= 4, sprintf "only %d steps compared\n%s" compared out)

[<Fact>]
let ``a rule's step printed as derive's is the same expression, and reads back to its value`` () =
    let problem = PhysicsProblem.FromText("2*x0 + x1^2; exp(x1)", [| 1.5; 2.5 |], [| 0.7; 0.4 |])

    // The step stays the derived expression (its core, which evaluates); only its text is derive's.
    for rule in problem.Rules(Method.GradientDescent, Method.Newton, Method.InverseGradient, Method.PhysicalGradient, Method.GaussNewton) do
        for step in rule.Steps do
            let names = [| "x0"; "x1"; "ys0"; "ys1"; "eta" |]
            let at = [| 0.7; 0.4; 1.5; 2.5; 0.3 |]
            let direct = step.Evaluate(names, at)
            let read = Expression.Parse(step.ToInfix()).Evaluate(names, at)
            Assert.True(abs (direct - read) <= 1e-12 * (1.0 + abs direct), sprintf "%O: %s gives %g, not %g" rule.Method (step.ToInfix()) read direct)

// ---- 4. FromText's hint on a constant read as a variable ----------------------------------------------------

[<Fact>]
let ``FromText with a start too short for the names read says how to give a constant, in the API's terms`` () =
    // Before: "The start point has 1 value but the problem has 2 variables (k, x0): give one value per variable, in that order."
    let e = Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () -> PhysicsProblem.FromText("k*x0", [| 1.0 |], [| 0.0 |]) |> ignore)
    Assert.Equal(PhysGrad.Symbolic.ErrorKind.Shape, e.Kind)
    Assert.Contains("2 variables (k, x0), read from the simulator", e.Message)
    Assert.Contains("if k is a constant, give its value as a parameter named 'k'", e.Message)
    Assert.Contains("the parameters argument", e.Message)
    Assert.DoesNotContain("--", e.Message)
    // Two such names, and FromExpressions alike.
    let e = Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () -> PhysicsProblem.FromText("k*x0 + c", [| 1.0 |], [| 0.0 |]) |> ignore)
    Assert.Contains("if c and k are constants, give their values as parameters (the parameters argument", e.Message)
    let e =
        Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () ->
            PhysicsProblem.FromExpressions([| Expression.Parse "k*x0" |], [| 1.0 |], [| 0.0 |]) |> ignore)
    Assert.Contains("if k is a constant", e.Message)
    // Given as a parameter, the problem is built; with names that all look like variables the count alone is said.
    let parameters = Dictionary<string, float>(dict [ "k", 2.0 ])
    Assert.Equal(1, PhysicsProblem.FromText("k*x0", [| 1.0 |], [| 0.0 |], parameters = parameters).Variables.Count)
    let e = Assert.ThrowsAny<PhysGrad.Symbolic.SymbolicException>(fun () -> PhysicsProblem.FromText("x1*x0", [| 1.0 |], [| 0.0 |]) |> ignore)
    Assert.DoesNotContain("constant", e.Message)

// ---- 5. one layout of compare's plot list ------------------------------------------------------------------

[<Fact>]
let ``compare lists its plots one file to a line whatever the paths' lengths`` () =
    // Before: short paths were packed several to a 100-column line, long ones one to a line, so the README (run under a
    // long temporary directory) showed another layout than a terminal in the working directory.
    for dir in [ Path.Combine(Path.GetTempPath(), "pa33"); Path.Combine(Path.GetTempPath(), "physgrad-api33-" + String('d', 60)) ] do
        try
            let _, out, _ = Cli.run [ "compare"; "--methods"; "gd"; "--iterations"; "2"; "--out"; dir ]
            let lines = out.Replace("\r", "").TrimEnd('\n').Split('\n')
            let first = lines |> Array.findIndex (fun l -> l.StartsWith "Plots: ")
            let listed = lines.[first..]
            Assert.Equal(6, listed.Length)
            let file (name: string) = Path.Combine(dir, name)
            Assert.Equal("Plots: " + file "x-space.png" + ",", listed.[0])
            Assert.Equal("  " + file "x-space.svg" + ",", listed.[1])
            Assert.Equal("  " + file "loss.svg", listed.[5])
        finally
            if Directory.Exists dir then Directory.Delete(dir, true)
