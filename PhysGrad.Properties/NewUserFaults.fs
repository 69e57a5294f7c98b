/// Faults a new user found after issue 12 (each fixed as a kind): internal names (the step size eta,
/// output names) colliding with the problem's, Gauss–Newton with fewer outputs than variables, the API
/// deriving rules without numbers, not-applicable checks, options accepted and ignored, and target
/// names that are parameters.
module PhysGrad.Properties.NewUserFaults

open System
open System.IO
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

/// The rules of derive's infix output: "Δname" → right-hand side, for the block titled `title`.
let private rules (title: string) (out: string) =
    let lines = out.Split('\n') |> Array.map (fun l -> l.TrimEnd '\r')
    let start = lines |> Array.findIndex (fun l -> l = title + ":")

    lines
    |> Array.skip (start + 1)
    |> Array.takeWhile (fun l -> l.StartsWith "  ")
    |> Array.map (fun l -> let i = l.IndexOf " = " in l.Substring(0, i).Trim(), Parse.expression (l.Substring(i + 3)))
    // Intermediates (t1 = …) written back into the lines after them, so each rule is in x and eta alone.
    |> Array.fold (fun (known: (string * Expr) list) (name, e) -> known @ [ name, Structure.substituteNames known e ]) []
    |> dict

let private at (names: string list) (values: float list) (e: Expr) =
    Evaluate.at (Array.ofList names) (Array.ofList values) e

[<Fact>]
let ``a variable named eta keeps its own symbol and the step size is renamed, in every format`` () =
    let code, out, err = run [ "derive"; "--simulator"; "eta*x; x^2"; "--vars"; "eta,x"; "--methods"; "gd"; "--target"; "0,0" ]
    Assert.True((code = 0), err)
    Assert.Contains("'etastep'", out)
    let gd = rules "gd" out
    // L = ½(eta·x)² + ½x⁴: ∂L/∂eta = eta·x², ∂L/∂x = eta²·x + 2x³. At eta = 2, x = 3, step 0.1:
    // Δeta = −0.1·2·9 = −1.8, Δx = −0.1·(4·3 + 2·27) = −6.6.
    let names = [ "eta"; "x"; "etastep" ]
    Assert.Equal(-1.8, at names [ 2.0; 3.0; 0.1 ] gd.["Δeta"], 12)
    Assert.Equal(-6.6, at names [ 2.0; 3.0; 0.1 ] gd.["Δx"], 12)
    let code, cs, _ = run [ "derive"; "--simulator"; "eta*x; x^2"; "--vars"; "eta,x"; "--methods"; "gd"; "--format"; "csharp" ]
    Assert.Equal(0, code)
    // The signature may be wrapped at 100 columns: read with its whitespace runs as single spaces.
    Assert.Contains("double eta, double x, double ys0, double ys1, double etastep, out double deta, out double dx", System.Text.RegularExpressions.Regex.Replace(cs, @"\s+", " "))
    let code, latex, _ = run [ "derive"; "--simulator"; "eta*x; x^2"; "--vars"; "eta,x"; "--methods"; "gd"; "--format"; "latex" ]
    Assert.Equal(0, code)
    Assert.Contains("etastep", latex)

[<Fact>]
let ``a parameter named eta keeps its value's symbol apart from the step size`` () =
    let code, out, err = run [ "derive"; "--simulator"; "eta*x; y"; "--param"; "eta=2"; "--methods"; "gd"; "--target"; "0,0" ]
    Assert.True((code = 0), err)
    // L = ½(eta·x)² + ½y²: Δx = −s·eta²·x; at eta = 2, x = 3, s = 0.1: −1.2 (not −eta²·… with s = eta).
    Assert.Equal(-1.2, at [ "eta"; "x"; "etastep" ] [ 2.0; 3.0; 0.1 ] (rules "gd" out).["Δx"], 12)

[<Fact>]
let ``a variable with an output's name is refused, naming it`` () =
    let code, _, err = run [ "derive"; "--simulator"; "y0*x; x^2"; "--vars"; "y0,x" ]
    Assert.Equal(2, code)
    Assert.Contains("'y0' has the name of an output", err)

[<Fact>]
let ``Gauss–Newton with fewer outputs than variables is the minimum-norm step`` () =
    let code, out, err = run [ "derive"; "--simulator"; "x0*x1 + x2^2"; "--methods"; "gn"; "--target"; "1" ]
    Assert.True((code = 0), err)
    let gn = rules "gn" out
    // At x = (1, 2, 3): r = P − y* = 2 + 9 − 1 = 10, J = (x1, x0, 2x2) = (2, 1, 6), JJᵀ = 41, and
    // Δx = −η Jᵀ r / 41; with η = 0.5: (−10, −5, −30)/41, and J·Δx = −η r = −5 (the step solves the
    // linearised problem), the minimum-norm one because it lies in the row space of J.
    let names = [ "x0"; "x1"; "x2"; "eta" ]
    let values = [ 1.0; 2.0; 3.0; 0.5 ]
    let d = [| "Δx0"; "Δx1"; "Δx2" |] |> Array.map (fun n -> at names values gn.[n])
    Assert.Equal(-10.0 / 41.0, d.[0], 12)
    Assert.Equal(-5.0 / 41.0, d.[1], 12)
    Assert.Equal(-30.0 / 41.0, d.[2], 12)
    Assert.Equal(-5.0, 2.0 * d.[0] + d.[1] + 6.0 * d.[2], 12)
    // The default list runs gn, and no skip line recommends the method it skipped.
    let code, out, _ = run [ "derive"; "--simulator"; "x0*x1 + x2^2" ]
    Assert.Equal(0, code)
    Assert.Contains("gn:", out)
    Assert.DoesNotContain("gn skipped", out)

[<Fact>]
let ``a skipped method's reason never recommends the method itself`` () =
    // Rank 1 everywhere: Newton's Hessian, IG's Jacobian and GN's JᵀJ are singular for every x.
    let code, out, _ = run [ "derive"; "--simulator"; "x0 + x1; 2*x0 + 2*x1" ]
    Assert.Equal(0, code)
    let skipped = (unwrapped out).Split('\n') |> Array.filter (fun l -> l.Contains " skipped: ")
    Assert.Contains(skipped, fun l -> l.StartsWith "gn skipped")
    for line in skipped do
        let name = line.Substring(0, line.IndexOf ' ')
        let full = match name with | "gn" -> "Gauss–Newton" | "newton" -> "Newton's" | n -> n
        let reason = line.Substring(line.IndexOf ": " + 2)
        Assert.False(reason.Contains("use " + full) || reason.Contains(full + " or") || reason.Contains(", " + full), line)

[<Fact>]
let ``skip reasons read the same in derive and compare`` () =
    let sim = "x0 + x1; x0 - x1; x0*x1"
    let _, derived, _ = run [ "derive"; "--simulator"; sim ]
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-skip-" + string Environment.ProcessId)
    let code, compared, err = run [ "compare"; "--simulator"; sim; "--target"; "2,0,1"; "--start"; "1.5,0.5"; "--iterations"; "2"; "--out"; dir ]
    Assert.True((code = 0), err)
    let line (text: string) = (unwrapped text).Split('\n') |> Array.find (fun l -> l.StartsWith "ig, pg skipped")
    // The cause reads the same; the remedy names only what each command can give: derive prints
    // closed forms (Gauss–Newton; HIG has none), compare runs Gauss–Newton and HIG.
    let cause (l: string) = l.Substring(0, l.IndexOf(". ") + 1)
    Assert.Equal(cause (line derived), cause (line compared))
    Assert.DoesNotContain("hig", line derived)
    Assert.Contains("gn, hig", line compared)
    // PG does not run: no line about its inverse.
    Assert.DoesNotContain("Local inverse for PG", compared)

[<Fact>]
let ``the API derives rules without a target or start and names what a run lacks`` () =
    let p = PhysicsProblem.FromJson("{\"variables\":[\"a\"],\"simulator\":[\"a^2\"]}")
    let gd = p.Rules(Method.GradientDescent).[0]
    // L = ½(a² − ys0)²: Δa = −eta·2a(a² − ys0); at a = 2, ys0 = 1, eta = 0.1: −0.1·4·3 = −1.2.
    Assert.Equal(-1.2, at [ "a"; "ys0"; "eta" ] [ 2.0; 1.0; 0.1 ] gd.Steps.[0].Core, 12)
    let e = Assert.Throws<SymbolicException>(fun () -> p.Run(Method.GradientDescent, 0.1, 2) |> ignore)
    Assert.Contains("start", e.Message)
    let lambda = PhysicsProblem.FromLambda((fun (a: float) (b: float) -> [| a; b * b |]))
    Assert.Equal(2, lambda.Rules(Method.GradientDescent).[0].Steps.Count)
    let text = PhysicsProblem.FromText("x0; x1^2")
    Assert.Equal(2, text.Rules(Method.Newton).[0].Steps.Count)

[<Fact>]
let ``a check that does not apply is never passed, and API details name no CLI flag`` () =
    let results = PhysicsProblem.FromLambda((fun (v: float) -> Math.Sqrt v), [ 1.0 ], [ 0.0 ]).Check()
    Assert.NotEmpty(results |> Seq.filter (fun r -> not r.Applicable))
    for r in results do
        if not r.Applicable then Assert.False(r.Passed, r.Name)
        Assert.DoesNotContain("--", r.Detail)

[<Fact>]
let ``a lambda parameter named e is named in the error, and problems print readably`` () =
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromLambda((fun (a: float) (b: float) (c: float) (d: float) (e: float) (f: float) (g: float) (h: float) ->
                [| a; b; c; d; e; f; g; h |])) |> ignore)
    Assert.Contains("lambda parameter 'e'", e.Message)
    Assert.Contains("rename", e.Message)
    let p = PhysicsProblem.FromText("x0; x1^2", [ 0.0; 0.0 ], [ 3.0; 3.0 ])
    Assert.Equal("P(x0, x1) = [x0, x1^2], L = ½‖y − y*‖², target [0, 0], start [3, 3]", p.ToString())
    Assert.Equal(p.ToString(), p.Definition.ToString())

[<Fact>]
let ``options a command does not use are said so, and a method named twice is derived once`` () =
    let code, out, _ = run [ "derive"; "--simulator"; "x0; x1^2"; "--methods"; "gd,gd" ]
    Assert.Equal(0, code)
    Assert.Equal(1, out.Split('\n') |> Array.filter (fun l -> l = "gd:") |> Array.length)
    let _, _, err = run [ "derive"; "--simulator"; "x0; x1^2"; "--start"; "1,1"; "--unit"; "x0=m" ]
    Assert.Contains("--start is not used by derive", err)
    Assert.Contains("--unit is not used by derive", err)
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-ls-" + string Environment.ProcessId)
    let code, _, err = run [ "compare"; "--simulator"; "x0; x1"; "--target"; "0,0"; "--start"; "1,1"; "--methods"; "gd:0.1,pg:0.3";
              "--unit"; "x0=m"; "--unit"; "x1=m"; "--iterations"; "2"; "--out"; dir ]
    Assert.Equal(0, code)
    Assert.Contains("--unit is not used by compare", err)

[<Fact>]
let ``a likely constant is named with the --param hint, never with the internal target symbol`` () =
    let code, _, err = run [ "derive"; "--simulator"; "k*x"; "--vars"; "x" ]
    Assert.Equal(2, code)
    Assert.Contains("--param k=", err)
    Assert.DoesNotContain("ys0", err)
    let code, _, err = run [ "derive"; "--simulator"; "k*x; x^2" ]
    Assert.Equal(0, code)
    Assert.Contains("variables (inferred from --simulator): k, x", err)

[<Fact>]
let ``a target name that is a parameter runs with the parameter's value`` () =
    let file = Path.Combine(Path.GetTempPath(), $"physgrad-ptarget-{Environment.ProcessId}.json")
    File.WriteAllText(file, "{\"variables\":[\"a\",\"b\"],\"simulator\":[\"a\",\"b^3\"],\"target\":[\"c\",8],\"start\":[0,1],\"parameters\":{\"c\":2}}")
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-pt-" + string Environment.ProcessId)
    let code, out, err = run [ "compare"; "--problem"; file; "--methods"; "gn:1"; "--iterations"; "30"; "--out"; dir ]
    Assert.True((code = 0), err)
    // Target y* = (c, 8) = (2, 8): the preimage is (a, b) = (2, 2); Gauss–Newton with η = 1 reaches it.
    let p = PhysicsProblem.From(ProblemDefinition.FromJson(File.ReadAllText file))
    let run = p.Run(Method.GaussNewton, 1.0, 30)
    Assert.Equal(2.0, run.Final.[0], 6)
    Assert.Equal(2.0, run.Final.[1], 6)
    Assert.Contains("gn", out)
