/// Messages and line widths of the 31st round: help wrapped only at spaces and LaTeX within 100 columns (diff's matrix
/// rows, derive's cuts outside \left … \right pairs); a variable that cancels out of --simulator named instead of
/// --start's length; every undeclared name at once, each at its column; train's hint for a method setting naming only
/// train's options; X0 beside x0, x0², an empty output after ';' refused at their columns; and a variable no output
/// depends on making x* one point of a line, not "also at" one neighbour.
module PhysGrad.Properties.Msgs31

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

open PhysGrad.Properties.MessageTests

// ---- line widths ------------------------------------------------------------------------------

[<Fact>]
let ``every command's help fits 100 columns and is wrapped only at spaces: each description reads whole, word for word`` () =
    use sink = new StringWriter()
    let root = PhysGrad.Cli.CliApp.Root(new PhysGrad.Cli.LineWidth(sink), sink, sink)
    for command in Seq.append [ root :> System.CommandLine.Command ] root.Subcommands do
        let args = if obj.ReferenceEquals(command, root) then [ "--help" ] else [ command.Name; "--help" ]
        let code, out, _ = run args
        Assert.Equal(0, code)
        assertWithin 100 (String.Join(" ", args)) out
        // A word cut at the column ("st" then "art", as eval's --problem sample was) no longer reads as the word.
        let help = spaced out
        for description in Seq.append [ command.Description ] (command.Options |> Seq.filter (fun o -> not o.Hidden) |> Seq.map (fun o -> o.Description)) do
            if not (String.IsNullOrEmpty description) then
                Assert.True(help.Contains(spaced description, StringComparison.Ordinal),
                            sprintf "%s: the description is not in the help whole (a word was cut):\n%s\n---\n%s" (String.Join(" ", args)) description out)

[<Fact>]
let ``diff's LaTeX Hessian of three variables keeps every line within 100 columns: a row that does not fit goes an entry per line`` () =
    let code, out, err = run [ "diff"; "-f"; "x0*x1*sin(x2) + exp(x0*x2)/(1+x1^2)"; "--order"; "2"; "--format"; "latex"; "--at"; "1,2,3" ]
    Assert.True((code = 0), err)
    // Before: the symbolic Hessian's rows were 273 to 330 characters long.
    assertWithin 100 "diff --format latex" out
    // The matrix is still 3 × 3: two row ends (\\) and 3·2 column separators (&) between \begin{pmatrix} and \end{pmatrix}.
    let matrix = Regex.Match(out, @"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", RegexOptions.Singleline).Groups.[1].Value
    Assert.Equal(2, Regex.Matches(matrix, @"\\\\").Count)
    Assert.Equal(6, Regex.Matches(matrix, @"(?<!\\)&").Count)

// The number of \left delimiters open at the end of each line but the last of one source line cut by BreakSource.
let private depthsAtCuts (cut: string) =
    let pieces = cut.Split '\n'
    let mutable depth = 0
    [ for p in pieces.[.. pieces.Length - 2] do
          depth <- depth + Regex.Matches(p, @"\\left(?![A-Za-z])").Count - Regex.Matches(p, @"\\right(?![A-Za-z])").Count
          yield depth ]

[<Fact>]
let ``a LaTeX source line is cut at the operators of its outermost \left … \right pair, not inside a nested one`` () =
    // gd's rule of sin(x0*x1 + exp(x1*x2 - x0))*x2; …: the whole right-hand side is inside -\eta \left( … \right), and
    // the line was cut inside the nested \left(x_{1} - t_{2}\right) (two delimiters open at the cut).
    let line =
        "  \\Delta x_{0} &= -\\eta \\left(t_{4} x_{2} + \\left(x_{1} - t_{2}\\right) x_{2}^{2} \\sin\\left(t_{3}\\right) "
        + "\\cos\\left(t_{3}\\right) + t_{1} e^{x_{0}}\\right) \\\\"
    let cut = LaTeX.breakSource 100 "      " line
    Assert.True(cut.Contains '\n', cut)
    Assert.All(depthsAtCuts cut, fun d -> Assert.True(d <= 1, cut))
    // Never just after a sign: the line "… -" then the term.
    Assert.All(cut.Split '\n', fun p -> Assert.False(p.TrimEnd().EndsWith " -" || p.TrimEnd().EndsWith " +", cut))

// Small simulators of three variables from pieces whose derivatives nest brackets and fractions.
let private pieces =
    [| "x0"; "x1"; "x2"; "sin(x0*x1)"; "exp(x2 - x0)"; "cos(x1 + x2)"; "(x0 + x1*x2)^2"; "x1^3"; "2*x0"
       "sqrt(x1^2 + 1)"; "log(x2^2 + 1)"; "x0/(1 + x1^2)"; "sin(x0*x1 + exp(x1*x2 - x0))" |]

let private simulators =
    let term = Gen.map2 (fun a b -> if a = b then pieces.[a] else pieces.[a] + "*" + pieces.[b]) (Gen.choose (0, pieces.Length - 1)) (Gen.choose (0, pieces.Length - 1))
    let comp = Gen.choose (1, 3) |> Gen.bind (fun k -> Gen.listOfLength k term) |> Gen.map (fun ts -> String.Join(" + ", ts))
    Gen.listOfLength 3 comp |> Gen.map (fun cs -> String.Join("; ", cs)) |> Arb.fromGen

[<Property(MaxTest = 12)>]
let ``derive's and diff's LaTeX of random small simulators keep every line, stdout and stderr, within 100 columns`` () =
    Prop.forAll simulators (fun simulator ->
        let _, out, err = run [ "derive"; "--simulator"; simulator; "--methods"; "gd,newton,gn"; "--format"; "latex" ]
        let _, dout, derr = run [ "diff"; "-f"; simulator.Split(';').[0]; "--order"; "2"; "--format"; "latex" ]
        let long = linesOf (out + "\n" + err + "\n" + dout + "\n" + derr) |> Array.filter (fun l -> l.Length > 100)
        Array.isEmpty long |> Prop.label (sprintf "%s:\n%s" simulator (String.Join("\n", long))))

// ---- names --------------------------------------------------------------------------------------

[<Fact>]
let ``a variable that cancels out of --simulator is named, with the output it cancels from, not --start's length`` () =
    for command in [ "compare"; "check"; "units" ] do
        let message = refused [ command; "--simulator"; "x0 - x0; x1"; "--start"; "1,1"; "--target"; "0,0" ]
        Assert.Contains("x0 cancels out of --simulator", message)
        Assert.Contains("y0 = x0 - x0 is 0", message)
        // What to do: one value per remaining variable, or keep x0 with --vars.
        Assert.Contains("--vars x0,x1", message)
        Assert.DoesNotContain("give the start point one value per variable", message)
    // Kept with --vars, x0 is a variable the outputs do not depend on: the run goes ahead.
    let code, _, err = run [ "compare"; "--vars"; "x0,x1"; "--simulator"; "x0 - x0; x1"; "--start"; "1,1"; "--target"; "0,0"; "--iterations"; "2"; "--format"; "csv" ]
    Assert.True((code = 0), err)

[<Fact>]
let ``every name --simulator uses that --vars and --param lack is reported in one message, each at its column with its hint`` () =
    let message = refused [ "derive"; "--vars"; "x0,x1"; "--simulator"; "k*x0 + m*x1; x1" ]
    // Before: only 'k'.
    Assert.Contains("'k' (column 1)", message)
    Assert.Contains("'m' (column 8)", message)
    Assert.Contains("--param k=2", message)
    Assert.Contains("--param m=2", message)
    // A misspelt --param is still named as such, beside a name in the wrong case.
    let message = refused [ "derive"; "--vars"; "x0,x1"; "--simulator"; "X0 + k; x1"; "--param"; "kk=3" ]
    Assert.Contains("'X0' (column 1)", message)
    Assert.Contains("write x0", message)
    Assert.Contains("'k' (column 6)", message)
    Assert.Contains("did you mean --param k=3 rather than kk?", message)
    // A function's variables: every missing name, X0 as x0.
    let message = refused [ "diff"; "--vars"; "x0"; "-f"; "X0 + k*x0 + m" ]
    Assert.Contains("'X0' (column 1), 'k' (column 6), 'm' (column 13)", message)
    Assert.Contains("for 'X0' write x0", message)

[<Fact>]
let ``X0 beside x0, a superscript power and an empty output are refused, each at its column with what to write`` () =
    // Without --vars X0 and x0 were read as two variables.
    let message = refused [ "derive"; "--simulator"; "X0 + x0; x1" ]
    Assert.Contains("'X0' (column 1) and 'x0' (column 6)", message)
    Assert.Contains("write x0", message)
    for text, column, hint in [ "x0²", 3, "x0^2"; "x0^²", 4, "x0^2"; "x1*x0⁻¹", 6, "x0^(-1)"; "x0 − x1", 4, "'-'"; "x0·x1", 3, "'*'" ] do
        refusedAt [ "diff"; "-f"; text ] column hint |> ignore
    // An empty output, at the end (accepted before) or between two ';', is refused alike, as an empty value of --start is.
    for text, says in [ "x0; x1;", "the ';' at column 7 ends the text"; "x0;; x1", "between the ';' at column 3 and the one at column 4" ] do
        let message = refused [ "derive"; "--simulator"; text ]
        Assert.Contains("is empty", message)
        Assert.Contains(says, message)
    // A constant division by zero still says where.
    Assert.Contains("column 2", refused [ "derive"; "--simulator"; "1/0 + x0; x1" ])

[<Fact>]
let ``train's hint for a method setting names only options train has, and compare for the settings train lacks`` () =
    let _, help, _ = run [ "train"; "--help" ]
    let options = Regex.Matches(help, @"--[a-z][a-z0-9-]*") |> Seq.map (fun m -> m.Value) |> Set.ofSeq
    for entry in [ "adam:0.1:beta1=0.5"; "adam:beta1=0.5"; "hig:0.2:kappa=-0.5"; "gn:0.1:tau=0.01" ] do
        let message = refused [ "train"; "--methods"; entry; "--steps"; "1" ]
        Assert.Contains(entry, message)
        // Before: "settings such as 'beta1=0.5' are options of their own", and adam:beta1=0.5 read as a rate.
        Assert.DoesNotContain("options of their own", message)
        Assert.DoesNotContain("is not a number", message)
        // Every option named is train's, but for the compare command line it points to.
        let named = Regex.Matches(Regex.Replace(message, @"physgrad compare[^)]*", ""), @"--[a-z][a-z0-9-]*") |> Seq.map (fun m -> m.Value)
        Assert.All(named, fun o -> Assert.True(options.Contains o, sprintf "%s is no option of train: %s" o message))
        if not (entry.Contains "tau") then Assert.Contains("physgrad compare --methods", message)
        else Assert.Contains("--tau", message)

// ---- x* on a line of preimages ------------------------------------------------------------------

[<Fact>]
let ``a variable no output depends on makes x* one point of a line of preimages, not 'also at' one neighbour`` () =
    for simulator in [ "x0*0 + x1; x1^2"; "x0*0 + x1; x1" ] do
        let code, out, err = run [ "compare"; "--vars"; "x0,x1"; "--simulator"; simulator; "--start"; "1,1"; "--target"; "1,1"; "--iterations"; "2"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-msgs31") ]
        let text = TestHelpers.unwrapped out
        Assert.True((code = 0), err)
        // Before: "x* is not unique (P(x) = y* also at x0 = 0.9998)", one arbitrary point of the line.
        Assert.DoesNotContain("also at", text)
        Assert.Contains("no output depends on x0", text)
        Assert.Contains("whole line", text)
        let _, json, _ = run [ "compare"; "--vars"; "x0,x1"; "--simulator"; simulator; "--start"; "1,1"; "--target"; "1,1"; "--iterations"; "2"; "--format"; "json" ]
        Assert.Contains("no output depends on x0", json)
    // Through the API: the variables named, and still one of many preimages.
    let noRuns = ResizeArray<PhysGrad.Numerics.OptimizerRun>()
    let p = PhysicsProblem.FromText("x1; x1^2", [| 1.0; 1.0 |], [| 1.0; 1.0 |], variables = [| "x0"; "x1" |])
    let t = TargetPoint.Find(p, noRuns)
    Assert.True(t.ManyPreimages)
    Assert.Equal<string>([ "x0" ], t.Unaffecting)
    Assert.Contains("whole line", t.NotUnique)
    // Every variable moves an output: no line, and x* isolated as before.
    let q = PhysicsProblem.FromText("x0*x1; x1", [| 1.0; 1.0 |], [| 1.0; 1.0 |])
    Assert.Null(TargetPoint.Find(q, noRuns).Unaffecting)
