/// Faults of the 30th new-user trial, fixed as kinds: options accepted and then ignored (train's --time beside
/// --steps, diff's --at with --format csharp, train's ambiguous "sip"); the length of a start reported before the
/// undeclared name that causes it; messages that misname their fault or repeat a name; a C# API that did not
/// match the README (ApplicableRules not enumerable, no Compare of the default methods, "diagonal NaN"); and a
/// stop note in a number format used nowhere else.
module PhysGrad.Properties.Inputs30

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

// ---- 1. options that change nothing are refused, or what they do is said -------------------------------

[<Fact>]
let ``train with --steps and --time says that each run stops at whichever limit it reaches first`` () =
    let code, _, err = run [ "train"; "--example"; "exp"; "--methods"; "sip-pg"; "--steps"; "3"; "--time"; "5"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    let text = TestHelpers.unwrapped err
    Assert.Contains("--steps 3 and --time 5 are both limits: each run stops at whichever it reaches first", text)

[<Fact>]
let ``train --methods sip is refused as naming two methods, with both names`` () =
    let code, out, err = run [ "train"; "--example"; "exp"; "--methods"; "sip"; "--steps"; "3" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    let text = TestHelpers.unwrapped err
    Assert.Contains("'sip' names two methods: sip-ig", text)
    Assert.Contains("name one of them", text)
    let e = Assert.Throws<SymbolicException>(fun () -> Training.ParseMethod "sip" |> ignore)
    Assert.Contains("sip-pg", e.Message)

[<Fact>]
let ``diff --at with --format csharp is refused, since C# code prints no values`` () =
    let code, out, err = run [ "diff"; "-f"; "x^2"; "--order"; "2"; "--at"; "1"; "--format"; "csharp" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    let text = TestHelpers.unwrapped err
    Assert.Contains("--at evaluates the derivatives at a point, and --format csharp prints code", text)
    Assert.Contains("leave --at out", text)
    // Without --at the C# is printed as before.
    let code, cs, _ = run [ "diff"; "-f"; "x^2"; "--order"; "2"; "--format"; "csharp" ]
    Assert.Equal(0, code)
    Assert.Contains("df_dx", cs)

// ---- 2. the simulator's names before the vectors' lengths -----------------------------------------------------

[<Fact>]
let ``a problem file whose simulator uses an undeclared name says that, not the start's length`` () =
    let path =
        TestHelpers.tempFile "i30" "p.json" """{"variables":["x0"],"simulator":["x0","x1^2"],"target":[0,0],"start":[1,1]}"""
    try
        for command in [ "compare"; "derive"; "check" ] do
            let code, _, err = run [ command; "--problem"; path ]
            Assert.Equal(2, code)
            let text = TestHelpers.unwrapped err
            Assert.Contains("simulator[1] uses 'x1' (column 1), which is neither a variable (x0) nor a parameter", text)
            Assert.DoesNotContain("\"start\" has 2 values", text)
    finally
        File.Delete path

[<Fact>]
let ``the API says the undeclared name before the start's and the target's lengths`` () =
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 1.0; 1.0 |], variables = [| "x0" |]).Model |> ignore)
    Assert.Equal(ErrorKind.Variable, e.Kind)
    Assert.StartsWith("simulator[1] uses 'x1'", e.Message)
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            PhysicsProblem.FromJson("""{"variables":["x0"],"simulator":["x0","x1^2"],"target":[0],"start":[1,1]}""").Model |> ignore)
    Assert.StartsWith("simulator[1] uses 'x1'", e.Message)

// ---- 3. messages that say what the fault is, once, and what to do ------------------------------------------------

[<Fact>]
let ``a simulator that simplifies to a constant says it does not depend on the names it uses`` () =
    let code, _, err = run [ "derive"; "--simulator"; "x0 - x0" ]
    Assert.Equal(2, code)
    let text = TestHelpers.unwrapped err
    Assert.DoesNotContain("it uses no name", text)
    Assert.Contains("its output simplifies to the constant 0, which does not depend on x0", text)

[<Fact>]
let ``a simulator that divides by an exact 0 is named as the output without a value, not as a parse error`` () =
    let code, _, err = run [ "derive"; "--simulator"; "x0; 0/0*x0" ]
    Assert.Equal(2, code)
    let text = TestHelpers.unwrapped err
    Assert.DoesNotContain("Parse error", text)
    Assert.Contains("--simulator: output y1 = 0/0*x0 has no value: Division by zero", text)
    Assert.Contains("rewrite it so that no divisor is exactly 0", text)

[<Fact>]
let ``an unknown method is named once, with the methods to choose from`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0^2"; "--target"; "1"; "--start"; "2"; "--methods"; "foo" ]
    Assert.Equal(2, code)
    let text = TestHelpers.unwrapped err
    Assert.DoesNotContain("'foo': 'foo'", text)
    Assert.Contains("'foo' is not a method", text)
    Assert.Contains("name one of those", text)
    // With a rate the entry is named as written, then the name.
    let _, _, err = run [ "compare"; "--simulator"; "x0^2"; "--target"; "1"; "--start"; "2"; "--methods"; "foo:0.1" ]
    Assert.Contains("'foo:0.1': 'foo' is not a method", TestHelpers.unwrapped err)

[<Fact>]
let ``an eval header naming other columns says the header to write`` () =
    let points = TestHelpers.tempFile "i30" "pts.csv" "a,b\n1,2\n"
    try
        let code, _, err = run [ "eval"; "-f"; "x*y"; "--points"; points ]
        Assert.Equal(2, code)
        Assert.Contains("write the header as x,y, or leave it out", TestHelpers.unwrapped err)
    finally
        File.Delete points

[<Fact>]
let ``FromLambda with a target of the wrong length says what to give`` () =
    let x = Linq.Expressions.Expression.Parameter(typeof<float[]>, "x")
    let item i = Linq.Expressions.Expression.ArrayIndex(x, Linq.Expressions.Expression.Constant i) :> Linq.Expressions.Expression
    let sim =
        Linq.Expressions.Expression.Lambda<Func<float[], float[]>>(
            Linq.Expressions.Expression.NewArrayInit(typeof<float>, [ item 0; item 1 ]), [| x |])
    let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromLambda(sim, [| 1.0 |], [| 0.0; 0.0 |]).Model |> ignore)
    Assert.Contains("The target has 1 value but the simulator has 2 outputs (y0, y1): give one target value per output, in that order.", e.Message)

// ---- 4. the C# API as the README describes it ---------------------------------------------------------------------

[<Fact>]
let ``a comparison of 0 iterations prints its undefined alignment as n/a, as the CLI's table does`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 1.0 |], [| 2.0 |])
    let results = problem.Compare([| struct (Method.GradientDescent, 0.1) |], 0)
    let text = results.ToString()
    Assert.Contains("diagonal n/a", text)
    Assert.DoesNotContain("NaN", text)

[<Fact>]
let ``ApplicableRules is the list of its rules, as the README's foreach over it expects`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 2.0; 3.0 |])
    let set = problem.ApplicableRules()
    match box set with
    | :? Collections.Generic.IReadOnlyList<UpdateRule> as rules ->
        Assert.Equal(set.Rules.Count, rules.Count)
        Assert.Equal<UpdateRule list>(List.ofSeq set.Rules, List.ofSeq rules)
    | _ -> Assert.Fail "ApplicableRules() is not enumerable as its rules"

[<Fact>]
let ``CompareDefaults runs the methods physgrad compare runs without --methods`` () =
    let compare = typeof<PhysicsProblem>.GetMethod("CompareDefaults", [| typeof<int>; typeof<bool> |])
    Assert.NotNull compare
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 2.0; 3.0 |])
    let results = compare.Invoke(problem, [| box 5; box false |]) :?> Collections.Generic.IReadOnlyList<MethodResult>
    let defaults = problem.DefaultMethods().Run
    let expected = defaults |> Seq.map (fun m -> m.Method) |> List.ofSeq
    Assert.Equal<Method list>(expected, results |> Seq.map (fun r -> r.Run.Method.Value) |> List.ofSeq)
    Assert.True(expected.Length >= 3)

// ---- 5. one number format in the stop notes --------------------------------------------------------------------

[<Fact>]
let ``a loss that rose beyond doubles is said from 4.5, not 4.5E+0`` () =
    let _, out, _ =
        run [ "compare"; "--simulator"; "x0; x1^2"; "--target"; "1,4"; "--start"; "1,1"; "--inverse"; "y0; y1"; "--methods"; "pg:0.5" ]
    let text = TestHelpers.unwrapped out
    Assert.Contains("the loss rose from 4.5 to ", text)
    Assert.DoesNotContain("E+0 ", text)
    Assert.DoesNotContain("4.5E+0", text)
