/// Faults of a new user's trial (27b), each fixed as a kind: PG's derived rule multiplied its step by
/// sign(0) = 0 where the optimiser takes the + branch; LaTeX ran multi-letter names together and printed a
/// parameter eta as the step size's η; LaTeX cut short equations by their source length; a wrong given
/// inverse passed derive silently and check called a non-inverse "another branch"; literals below the
/// doubles became 0; the loss plot did not name a loss of the user's own; plot titles printed the
/// simulator's numbers unlike the text header.
module PhysGrad.Properties.Rules27b

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

// ---- 2. LaTeX products of names of several letters; a parameter named eta -------------------------------------

[<Fact>]
let ``LaTeX puts a thin space between factors when one is a name of several letters`` () =
    let code, out, err = run [ "derive"; "--simulator"; "mass*vel; vel*time"; "--vars"; "mass,vel,time"; "--methods"; "gd"; "--format"; "latex" ]
    Assert.True((code = 0), out + err)
    Assert.Contains("\\mathrm{mass} \\, \\mathrm{vel}", out)
    Assert.Contains("t_{2} \\, \\mathrm{time}", out)
    Assert.DoesNotContain("} \\mathrm{", out)

[<Fact>]
let ``LaTeX prints a renamed step size as eta prime and a parameter eta as a word`` () =
    let code, out, err = run [ "derive"; "--simulator"; "eta*x0^2"; "--param"; "eta=2"; "--target"; "4"; "--methods"; "gd"; "--format"; "latex" ]
    Assert.True((code = 0), out + err)
    let body = out.Split('\n') |> Array.filter (fun l -> not (l.StartsWith "%")) |> String.concat "\n"
    Assert.Contains("\\eta^{\\prime}", body)
    Assert.Contains("\\mathrm{eta}", body)
    Assert.DoesNotMatch(@"\\eta(?!\^\{\\prime\})", body)

// ---- 3. LaTeX cuts by rendered width --------------------------------------------------------------------------

[<Fact>]
let ``LaTeX keeps short rendered equations on one line`` () =
    let code, out, err =
        run [ "derive"; "--simulator"; "atan2(x1, x0) + log1p(x0^2); cbrt(x1) + abs(x0)*sign(x1) + expm1(x1)"; "--target"; "1,2"; "--methods"; "gd"; "--format"; "latex" ]
    Assert.True((code = 0), out + err)
    Assert.DoesNotContain("\\nonumber", out)
    // \operatorname{log1p}\left(x_{0}^{2}\right) renders as log1p(x02): 10 characters wide.
    Assert.Equal(10, (LaTeX.renderedWidths "\\operatorname{log1p}\\left(x_{0}^{2}\\right)") |> Array.last)

// ---- 4. a wrong given inverse -----------------------------------------------------------------------------------

[<Fact>]
let ``derive warns of a given inverse that does not invert the simulator, without a target or start`` () =
    for format in [ "infix"; "latex"; "csharp" ] do
        let code, out, err = run [ "derive"; "--simulator"; "x0^2"; "--inverse"; "y0/2"; "--methods"; "pg"; "--format"; format ]
        Assert.True((code = 0), out + err)
        // In the output in every format; on stderr too where the output is code to paste.
        Assert.Contains("the given inverse does not invert the simulator", TestHelpers.unwrapped out)
        if format <> "infix" then Assert.Contains("the given inverse does not invert the simulator", TestHelpers.unwrapped err)
        else Assert.Equal("", err)

[<Fact>]
let ``check tells an inverse that is none from another branch`` () =
    let _, out, err = run [ "check"; "--simulator"; "x0^2"; "--inverse"; "y0/2"; "--at"; "1" ]
    let said = TestHelpers.unwrapped (out + err)
    Assert.Contains("not an inverse: P of it is [0.25], not y₀ = [1]", said)
    let _, out, err = run [ "check"; "--simulator"; "x0^2"; "--inverse"; "-sqrt(y0)"; "--at"; "1" ]
    Assert.Contains("another branch: P of it is y₀ too", TestHelpers.unwrapped (out + err))

// ---- 5. literals below the doubles --------------------------------------------------------------------------

[<Theory>]
[<InlineData("1e-400")>]
[<InlineData("-3e-330")>]
let ``a number below the doubles is refused in a point as one above them is`` (text: string) =
    let code, _, err = run [ "compare"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; text ]
    Assert.Equal(2, code)
    Assert.Contains($"('{text}') is too small for a double", TestHelpers.unwrapped err)
    let zero, _, _ = UserNumbers.TryRead "0e-400"
    Assert.True(zero)

[<Fact>]
let ``a literal below the doubles in an expression is refused, not read as 0`` () =
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> Expression.Parse("1e-999*x") |> ignore)
    Assert.Contains("too small for a double", e.Message)
    Assert.Contains("10^(-999)", e.Message)

// ---- 6, 7. plot titles -------------------------------------------------------------------------------------------

[<Fact>]
let ``the loss plot names a loss of the user's own, and titles print numbers as the header does`` () =
    let dir = Path.Combine(Path.GetTempPath(), $"physgrad-27b-{Guid.NewGuid():N}")
    let code, out, err = run [ "compare"; "--simulator"; "x0 + x1^2; x0 - x1"; "--loss"; "(y0-1)^2 + abs(y1)"; "--start"; "2,2"; "--out"; dir ]
    Assert.True((code = 0), out + err)
    Assert.Contains("L = (y0 - 1)^2 + abs(y1)", File.ReadAllText(Path.Combine(dir, "loss.svg")))
    let problem = PhysicsProblem.FromText("1e-6*x0^2; 1e6*x1", [| 1.0; 1.0 |], [| 2.0; 2.0 |])
    let header = ExpressionText.Formatted "1e-6*x0^2"
    let title = TrajectoryPlots.ProblemName problem.Definition
    Assert.Contains(header, title)
