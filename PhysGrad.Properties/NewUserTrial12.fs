/// Faults of the new-user trial in issue 12, each fixed as a kind: a target line that spoke of a given loss
/// when none was given, options out of range accepted, messages that did not say where or what to do,
/// a wrong given inverse used silently, a global minimum called a non-minimum, and a step that left the
/// domain reported as divergence.
module PhysGrad.Properties.NewUserTrial12

open System
open System.IO
open Xunit

let private run = Cli.run

let private problemFile (json: string) =
    let path = Path.Combine(Path.GetTempPath(), sprintf "physgrad-trial12-%s.json" (Guid.NewGuid().ToString "N"))
    File.WriteAllText(path, json)
    path

[<Fact>]
let ``a target named by a parameter is the default loss's: no line says the loss is a given one`` () =
    let code, out, err =
        run [ "compare"; "--simulator"; "x0^2"; "--target"; "a"; "--param"; "a=4"; "--start"; "1"; "--methods"; "gd" ]

    Assert.True((code = 0), err)
    Assert.DoesNotContain("the loss is the given one", out)
    // With a loss of its own the line is there: the condition is the given loss, not the loss's text.
    let code, out, err =
        run [ "compare"; "--simulator"; "x0^2"; "--loss"; "(y0-4)^2"; "--target"; "4"; "--start"; "1"; "--methods"; "gd" ]

    Assert.True((code = 0), err)
    Assert.Contains("Target y* = [4]: used only for the distance column", out)

[<Fact>]
let ``y* keeps its lower case at the start of the many-preimages line`` () =
    let _, out, _ = run [ "compare"; "--simulator"; "x0*x1"; "--target"; "2"; "--start"; "1,1"; "--methods"; "gd" ]
    Assert.Contains("y* has many preimages", out)
    Assert.DoesNotContain("Y*", out)

[<Theory>]
[<InlineData("2")>]
[<InlineData("1")>]
[<InlineData("-0.5")>]
let ``hig's tau outside [0, 1) is refused with exit 2, naming the option and the range`` (tau: string) =
    let code, _, err =
        run [ "compare"; "--simulator"; "x0^2"; "--target"; "1"; "--start"; "2"; "--methods"; sprintf "hig:1:tau=%s" tau ]

    Assert.Equal(2, code)
    Assert.Contains(sprintf "'hig:1:tau=%s'" tau, err)
    Assert.Contains("tau", err)
    Assert.Contains("[0, 1)", err)

[<Fact>]
let ``hig's tau just below 1 is accepted and runs`` () =
    let code, _, err =
        run [ "compare"; "--simulator"; "x0^2"; "--target"; "1"; "--start"; "2"; "--methods"; "hig:1:tau=0.5" ]

    Assert.True((code = 0), err)

[<Fact>]
let ``a loss naming an unknown constant suggests --param with that name`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0^2"; "--loss"; "(y0-a)^2"; "--start"; "1"; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Contains("The loss uses 'a'", err)
    Assert.Contains("--param a=", err)

[<Fact>]
let ``faults the core finds in a problem file name the file and the field`` () =
    let unknown = problemFile """{"variables":["x0"],"simulator":["c*x0"],"target":[1],"start":[1]}"""
    let code, _, err = run [ "compare"; "--problem"; unknown; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "--problem '%s'" unknown, (TestHelpers.unwrapped err))
    Assert.Contains("simulator[0] uses 'c'", (TestHelpers.unwrapped err))

    let twice = problemFile """{"variables":["a","a"],"simulator":["a"],"target":[1],"start":[1,2]}"""

    for command in [ "compare"; "check" ] do
        let code, _, err = run [ command; "--problem"; twice ]
        Assert.Equal(2, code)
        // What (the name twice), where (the file, the field and both entries), what to do.
        Assert.Contains(sprintf "--problem '%s': The \"variables\" field lists 'a' twice" twice, (TestHelpers.unwrapped err))
        Assert.Contains("variables[0] ('a') and variables[1] ('a')", (TestHelpers.unwrapped err))
        Assert.Contains("list each variable once", (TestHelpers.unwrapped err))

[<Fact>]
let ``a least-squares run that reaches L at rounding level of its scale is converged at a global minimum`` () =
    let code, out, err =
        run [ "compare"; "--simulator"; "x0*x1"; "--target"; "2"; "--start"; "1,1"; "--methods"; "lm"; "--format"; "json" ]

    Assert.True((code = 0), err)
    let run = (Text.Json.JsonDocument.Parse out).RootElement.GetProperty("methods").[0]
    let text = run.ToString()
    Assert.Contains("Converged", text)
    Assert.Contains("global minimum", text)
    Assert.DoesNotContain("saddle", text)

[<Fact>]
let ``a loss that can be negative is not called a global minimum at a small value`` () =
    // L = y0 − 2 is not ≥ 0 by form: whatever its value, "global minimum to rounding" must not be claimed.
    let code, out, _ =
        run [ "compare"; "--simulator"; "x0^2"; "--loss"; "y0"; "--start"; "1e-9"; "--methods"; "newton"; "--iterations"; "5" ]

    Assert.DoesNotContain("global minimum", out)

let private wrongInverse =
    """{"variables":["a","b"],"simulator":["a","b^3"],"inverse":["y0","y1^2"],"target":[1,8],"start":[0.5,1.5]}"""

[<Fact>]
let ``a given inverse that does not invert the simulator is used, with a warning naming the mismatch`` () =
    let path = problemFile wrongInverse
    let code, out, err = run [ "compare"; "--problem"; path; "--methods"; "pg"; "--iterations"; "3" ]
    Assert.NotEqual(2, code)
    Assert.Contains("Local inverse for PG: given", out)
    // P⁻¹(P(x₀)) = (0.5, 1.5⁶ = 11.39…), whose P is not P(x₀) = (0.5, 3.375).
    Assert.Contains("Warning: the given inverse does not invert the simulator at the start", out)
    Assert.Contains("3.375", out)
    // The API says the same, and nothing for a right inverse.
    let problem = PhysGrad.PhysicsProblem.From(PhysGrad.ProblemDefinition.FromJson wrongInverse)
    Assert.NotNull(problem.GivenInverseWarning)
    let right = wrongInverse.Replace("\"y1^2\"", "\"y1^(1/3)\"")
    Assert.Null(PhysGrad.PhysicsProblem.From(PhysGrad.ProblemDefinition.FromJson right).GivenInverseWarning)
    let other =
        """{"variables":["a","b"],"simulator":["a^2","b^3"],"inverse":["-sqrt(y0)","y1^(1/3)"],"target":[1,8],"start":[0.5,1.5]}"""

    Assert.Contains("another", PhysGrad.PhysicsProblem.From(PhysGrad.ProblemDefinition.FromJson other).GivenInverseWarning)

[<Fact>]
let ``compare's JSON carries the given inverse's warning, and null for a right one`` () =
    let warning (json: string) =
        let _, out, _ = run [ "compare"; "--problem"; problemFile json; "--methods"; "pg"; "--iterations"; "2"; "--format"; "json" ]
        (Text.Json.JsonDocument.Parse out).RootElement.GetProperty("problem").GetProperty("inverseWarning")

    Assert.Contains("does not invert", (warning wrongInverse).GetString())
    Assert.Equal(Text.Json.JsonValueKind.Null, (warning (wrongInverse.Replace("\"y1^2\"", "\"y1^(1/3)\""))).ValueKind)
