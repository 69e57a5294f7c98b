/// Faults of a C# developer's trial of the API (26), each fixed as a kind: runs of another problem (or none)
/// given back to the plots and reports met as a raw IndexOutOfRangeException, a CSV whose header and rows
/// disagree, JSON mixing two problems and six blank images; a TrainingChoice accepting a τ, rate or batch size
/// the CLI refuses (and a τ for a method without one); API messages naming the CLI's --param.
module PhysGrad.Properties.Api26

open System
open System.Collections.Generic
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

let private freshDir name =
    Path.Combine(Path.GetTempPath(), $"physgrad-api26-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}")

// One variable, one output (y* = 4 from x = 1), and three variables, three outputs.
let private p1 () = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 1.0 |])
let private p3 () = PhysicsProblem.FromText("x0; x1; x2", [| 1.0; 2.0; 3.0 |], [| 0.0; 0.0; 0.0 |])

let private refused (kind: ErrorKind) (f: unit -> obj) =
    let e = Assert.Throws<SymbolicException>(fun () -> f () |> ignore)
    Assert.Equal(kind, e.Kind)
    e.Message

// ---- 1. runs of another problem, or none ---------------------------------------------------------------------

[<Fact>]
let ``SavePlots refuses a run of another problem naming the run, its sizes and what to pass, and writes nothing`` () =
    let r1 = p1().Run(Method.GradientDescent, 0.1, 3)
    let p3 = p3 ()
    let dir = freshDir "foreign"
    let message = refused ErrorKind.Shape (fun () -> box (p3.SavePlots(List<OptimizerRun>([ r1 ]), dir)))
    Assert.Contains("Run 0 (gd) in 'runs' has 1 variable; this problem has 3 (x0, x1, x2)", message)
    Assert.Contains("pass runs from this problem", message)
    Assert.False(Directory.Exists dir, "nothing is drawn for a refused run")
    // The index is the run's place in the list: here the second, after one of this problem.
    let r3 = p3.Run(Method.GradientDescent, 0.1, 3)
    let message = refused ErrorKind.Shape (fun () -> box (p3.SavePlots([| r3; r1 |], dir)))
    Assert.Contains("Run 1 (gd) in 'runs' has 1 variable", message)

[<Fact>]
let ``a run with the variables of this problem but another output count is refused naming the outputs`` () =
    // x0 ↦ (x0, x0²): one variable like p1, two outputs.
    let p12 = PhysicsProblem.FromText("x0; x0^2", [| 1.0; 1.0 |], [| 0.5 |])
    let r1 = p1().Run(Method.GradientDescent, 0.1, 2)
    let message = refused ErrorKind.Shape (fun () -> box (p12.ToCsv([| r1 |])))
    Assert.Contains("Run 0 (gd) in 'runs' has 1 output; this problem has 2 (y0, y1)", message)

[<Fact>]
let ``ToCsv refuses a foreign run, and its own runs' rows have the header's columns`` () =
    let r1 = p1().Run(Method.GradientDescent, 0.1, 3)
    let p3 = p3 ()
    let message = refused ErrorKind.Shape (fun () -> box (p3.ToCsv([| r1 |])))
    Assert.Contains("has 1 variable; this problem has 3", message)
    // The static entry the method calls refuses it alike.
    let message = refused ErrorKind.Shape (fun () -> box (RunReport.ToCsv(p3.Definition, [| r1 |])))
    Assert.Contains("Run 0 (gd) in 'runs'", message)
    // Its own run: every row has as many fields as the header (3 variables + 3 outputs + 7 others).
    let csv = p3.ToCsv([| p3.Run(Method.GradientDescent, 0.1, 3) |])
    let lines = csv.TrimEnd('\n').Split('\n')
    let columns = lines.[0].Split(',').Length
    Assert.Equal(13, columns)
    Assert.Equal(5, lines.Length) // header + points of iterations 0..3
    for line in lines do
        Assert.Equal(columns, line.Split(',').Length)

[<Fact>]
let ``every entry taking a comparison or results refuses one of another problem, naming the parameter`` () =
    let p3 = p3 ()
    let c1 = p1().CompareMethods([| struct (Method.GradientDescent, 0.1); struct (Method.Newton, 0.5) |], 3)
    let dir = freshDir "comparison"
    let calls: (string * (unit -> obj)) list =
        [ "ToJson", (fun () -> box (p3.ToJson c1))
          "ToCsv", (fun () -> box (p3.ToCsv c1))
          "SavePlots", (fun () -> box (p3.SavePlots(c1, dir)))
          "SaveFieldPlots", (fun () -> box (p3.SaveFieldPlots(c1, dir, [| 3 |])))
          "WriteJson", (fun () ->
              use s = new MemoryStream()
              p3.WriteJson(c1, s)
              box s.Length) ]
    for name, call in calls do
        let message = refused ErrorKind.Shape call
        Assert.True(message.Contains("Run 0 (gd) in 'comparison' has 1 variable; this problem has 3"), $"{name}: {message}")
    let message = refused ErrorKind.Shape (fun () -> box (p3.ToJson(c1.Results)))
    Assert.Contains("Run 0 (gd) in 'results'", message)
    Assert.False(Directory.Exists dir)
    // The comparison's own problem takes it.
    Assert.Contains("\"methods\"", p1().ToJson c1)

[<Fact>]
let ``an empty list of runs is refused for plots with what to pass, and no blank image is written`` () =
    let p3 = p3 ()
    let dir = freshDir "empty"
    let message = refused ErrorKind.Invalid (fun () -> box (p3.SavePlots(List<OptimizerRun>(), dir)))
    Assert.Contains("'runs' holds no run, so the plots would be blank", message)
    Assert.Contains("pass at least one run of this problem (from its Run, or the results of its Compare or CompareMethods)", message)
    Assert.False(Directory.Exists dir)
    let message = refused ErrorKind.Invalid (fun () -> box (TrajectoryPlots.SaveLoss([||], dir)))
    Assert.Contains("the loss plot would be blank", message)
    let message = refused ErrorKind.Invalid (fun () -> box (FieldPlots.Save([||], dir, [| 2; 2 |], null)))
    Assert.Contains("the field plots would be blank", message)
    Assert.False(Directory.Exists dir)

// ---- 2. TrainingChoice validated as the CLI validates --tau, the rate and --batch ----------------------------

[<Fact>]
let ``WithTau refuses a τ outside [0, 1) with the reason for that value, naming tau and WithTau`` () =
    let hig = Training.HigToy(1.0).ChoiceFor "hig"
    let message = refused ErrorKind.Invalid (fun () -> box (hig.WithTau 2.0))
    Assert.Contains("'tau' of WithTau must be in [0, 1)", message)
    Assert.Contains("τ ≥ 1 drops every singular value", message)
    Assert.Contains("WithTau(1e-3)", message)
    Assert.DoesNotContain("--", message)
    let message = refused ErrorKind.Invalid (fun () -> box (hig.WithTau -1.0))
    Assert.Contains("a negative τ drops no singular value", message)
    Assert.Contains("WithTau(0) drops only the zero singular values", message)
    refused ErrorKind.Invalid (fun () -> box (hig.WithTau nan)) |> ignore
    // In range: taken, and shown.
    Assert.Equal("η=0.1, B=256, τ=0.5", (hig.WithTau 0.5).Description)
    Assert.Equal("η=0.1, B=256, τ=0", (hig.WithTau 0.0).Description)

[<Fact>]
let ``WithTau on a method without one is refused, not ignored`` () =
    let example = Training.HigToy(1.0)
    for name in [ "adam"; "gd" ] do
        let choice = example.ChoiceFor name
        Assert.False(choice.UsesTau)
        let message = refused ErrorKind.Invalid (fun () -> box (choice.WithTau 1e-3))
        Assert.Contains($"{name} has no τ", message)
        Assert.Contains("gn or hig", message)
    Assert.Equal("η=0.1, B=256, τ=0.001", (example.ChoiceFor("gn").WithTau 1e-3).Description)

[<Fact>]
let ``WithLearningRate and WithBatchSize refuse what the CLI refuses, naming rate and batch`` () =
    let adam = Training.HigToy(1.0).ChoiceFor "adam"
    for rate, why in [ -1.0, "is negative"; 0.0, "is zero"; nan, "is not finite (NaN)"; infinity, "is not finite (an infinity)" ] do
        let message = refused ErrorKind.Invalid (fun () -> box (adam.WithLearningRate rate))
        Assert.Contains("'rate' of WithLearningRate must be a positive, finite number", message)
        Assert.Contains(why, message)
        Assert.Contains("WithLearningRate(0.01), adam's rate in this example", message)
    Assert.Equal(0.003, (adam.WithLearningRate 0.003).LearningRate)
    for batch in [ 0; -3; TrainingChoice.MaxBatchSize + 1 ] do
        let message = refused ErrorKind.Invalid (fun () -> box (adam.WithBatchSize batch))
        Assert.Equal($"The batch size 'batch' of WithBatchSize must be between 1 and 100000, not {batch}.", message)
    Assert.Equal(1, (adam.WithBatchSize 1).BatchSize)
    Assert.Equal(100000, (adam.WithBatchSize TrainingChoice.MaxBatchSize).BatchSize)
    // The CLI's --batch has the same bound (NumericOptions.Batch is TrainingChoice.MaxBatchSize), in the CLI's range wording.
    let code, _, err = run [ "train"; "--batch"; "100001"; "--steps"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains($"--batch must be a whole number from 1 to {TrainingChoice.MaxBatchSize}, not 100001.", TestHelpers.unwrapped err)

// ---- 3. API messages in the API's terms; the CLI's name --param ----------------------------------------------

[<Fact>]
let ``a loss naming an unknown constant advises the problem's parameters, and that advice taken builds it`` () =
    let message = refused ErrorKind.Variable (fun () -> box (PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |], "(y0 - q)^2").Model))
    Assert.Contains("The loss uses 'q'", message)
    Assert.Contains("give its value as a parameter named 'q'", message)
    Assert.Contains("the parameters argument of FromText or FromExpressions", message)
    Assert.DoesNotContain("--param", message)
    Assert.DoesNotContain("command line", message)
    // Followed, in either factory: q given as a parameter, Newton's one step at η = 1 reaches the minimum 3 of
    // the loss (x0 − 3)², and q is no variable.
    let viaText = PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |], "(y0 - q)^2", parameters = readOnlyDict [ "q", 3.0 ])
    let viaExpressions =
        PhysicsProblem.FromExpressions(
            [| Expression.Parse "x0" |], [| 1.0 |], [| 0.0 |], Expression.Parse "(y0 - q)^2",
            parameters = readOnlyDict [ "q", 3.0 ])
    for problem in [ viaText; viaExpressions ] do
        Assert.Equal<string list>([ "x0" ], List.ofSeq problem.Variables)
        Assert.Equal(3.0, problem.Run(Method.Newton, 1.0, 1).Final.[0], 12)

[<Fact>]
let ``FromText's parameters are constants of the simulator, and a parameter named like x0 is refused as FromExpressions refuses it`` () =
    // y0 = k·x, k = 2: the variable inferred is x alone, and x = 2 gives y* = 4 (GN at η = 1 on a linear P: one step).
    let problem = PhysicsProblem.FromText("k*x", [| 4.0 |], [| 0.0 |], parameters = readOnlyDict [ "k", 2.0 ])
    Assert.Equal<string list>([ "x" ], List.ofSeq problem.Variables)
    Assert.Equal(2.0, problem.Run(Method.GaussNewton, 1.0, 1).Final.[0], 12)
    let message = refused ErrorKind.Variable (fun () -> box (PhysicsProblem.FromText("x0*x1", [| 4.0 |], [| 1.0 |], parameters = readOnlyDict [ "x0", 2.0 ])))
    Assert.Contains("The parameter 'x0' is a variable", message)

[<Fact>]
let ``an inverse lambda reading an output the simulator lacks gets the API's advice, not --param`` () =
    let x = System.Linq.Expressions.Expression.Parameter(typeof<float[]>, "x")
    let y = System.Linq.Expressions.Expression.Parameter(typeof<float[]>, "y")
    let at (a: System.Linq.Expressions.ParameterExpression) (i: int) =
        System.Linq.Expressions.Expression.ArrayIndex(a, System.Linq.Expressions.Expression.Constant i) :> System.Linq.Expressions.Expression
    let array (items: System.Linq.Expressions.Expression list) =
        System.Linq.Expressions.Expression.NewArrayInit(typeof<float>, items) :> System.Linq.Expressions.Expression
    let simulator = System.Linq.Expressions.Expression.Lambda<Func<float[], float[]>>(array [ at x 0 ], [| x |])
    let inverse = System.Linq.Expressions.Expression.Lambda<Func<float[], float[], float[]>>(array [ at y 5 ], [| y; x |])
    let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromLambda(simulator, [| 1.0 |], [| 0.0 |], inverse = inverse).Model |> ignore)
    Assert.Contains("give its value as a parameter named 'y5'", e.Message)
    Assert.DoesNotContain("--param", e.Message)

[<Fact>]
let ``a constant that overflows a derivative advises a named parameter of the problem in the API and --param in the CLI`` () =
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromText("1e200*x0", [| 1.0 |], [| 0.0 |]).Run(Method.Newton, 0.1, 3) |> ignore)
    Assert.Equal(ErrorKind.NonFinite, e.Kind)
    Assert.Contains("give a large constant as a named parameter of the problem with a value nearer 1", e.Message)
    Assert.DoesNotContain("--", e.Message)
    let code, _, err = run [ "compare"; "--simulator"; "1e200*x0"; "--target"; "1"; "--start"; "0"; "--methods"; "newton"; "--iterations"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("give a large constant as a --param with a value nearer 1", TestHelpers.unwrapped err)
    Assert.DoesNotContain("named parameter of the problem", err)

[<Fact>]
let ``the CLI still names --param name=… for a loss's unknown constant`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0^2"; "--loss"; "(y0-q)^2"; "--start"; "1"; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Contains("give its value as a parameter (--param q=… on the command line, \"parameters\" in a problem file)", TestHelpers.unwrapped err)
    Assert.DoesNotContain("FromExpressions", err)

[<Fact>]
let ``check's undef details and compare's skip lines name --param where the API says a named parameter`` () =
    let code, out, err = run [ "check"; "--simulator"; "1e200*x0"; "--target"; "1"; "--start"; "0" ]
    Assert.True((code = 0 || code = 1), err)
    let text = TestHelpers.unwrapped out
    Assert.Contains("give a large constant as a --param with a value nearer 1", text)
    Assert.DoesNotContain("named parameter of the problem", text)
    // The default list skips newton for the same Hessian, with the same advice in the CLI's terms.
    let code, out, err = run [ "compare"; "--simulator"; "1e200*x0"; "--target"; "1"; "--start"; "0"; "--iterations"; "1" ]
    Assert.True((code = 0 || code = 1), err)
    let text = TestHelpers.unwrapped out
    Assert.Contains("newton skipped", text)
    Assert.Contains("a --param with a value nearer 1", text)
    Assert.DoesNotContain("named parameter of the problem", text + err)
