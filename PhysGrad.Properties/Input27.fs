/// Faults of a new user's trial (27), each fixed as a kind: the API's Check() and StepUnits() refusing problems
/// without a target or start that physgrad check and units study at a generic point; Check's η validated only
/// away from the target; an empty --points file answered with a bare header and exit 0; problem-file messages
/// that said what was wrong but not what to write (and no variables inferred, as --simulator infers them);
/// lambda messages naming the compiler's closure classes; an inverse offered the target's symbols; units shown
/// in SI form instead of as typed; check's property 1 passing without naming the methods it left out.
module PhysGrad.Properties.Input27

open System
open System.Collections.Generic
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

let private temp = TestHelpers.tempFile "27"

let private verdicts (report: CheckReport) = report |> Seq.map (fun r -> r.Property, r.Status) |> List.ofSeq

// ---- 1. Check() and StepUnits() study a problem without target or start as the CLI does ----------------------

[<Fact>]
let ``Check without a target gives the verdicts physgrad check gives at the same point`` () =
    let api = PhysicsProblem.FromText("x0; x1^2", start = [| 0.5; 0.5 |]).Check([| 1.0; 2.0 |])
    let code, out, err = run [ "check"; "--simulator"; "x0; x1^2"; "--at"; "1,2"; "--format"; "json" ]
    Assert.True((code = 0), err)
    use doc = JsonDocument.Parse out
    let cli =
        [ for p in doc.RootElement.GetProperty("properties").EnumerateArray() ->
              p.GetProperty("property").GetInt32(), p.GetProperty("result").GetString() ]
    Assert.Equal<(int * string) list>(cli, verdicts api |> List.map (fun (k, s) -> k, s.ToLowerInvariant()))

[<Fact>]
let ``Check without a start checks at the point given`` () =
    let report = PhysicsProblem.FromText("x0; x1^2").Check([| 1.0; 2.0 |])
    Assert.Equal(11, report.Count)
    Assert.DoesNotContain(report, fun r -> r.Verdict = CheckVerdict.Fail)

[<Fact>]
let ``StepUnits without a target or start measures at the generic point, as physgrad units does`` () =
    let units = Dictionary<string, string>(dict [ "x0", "m"; "x1", "s" ])
    for problem in [ PhysicsProblem.FromText("x0; x1^2", start = [| 0.5; 0.5 |]); PhysicsProblem.FromText("x0; x1^2") ] do
        let measured = problem.WithUnits(units).StepUnits()
        Assert.True(measured.Applicable)
        let newton = measured |> Seq.find (fun m -> m.Method = Method.Newton)
        Assert.Equal<string list>([ "m"; "s" ], newton.Steps |> Seq.map (fun s -> s.UnitText) |> List.ofSeq)

// ---- 2. η is validated before anything else ---------------------------------------------------------------

[<Fact>]
let ``Check refuses a NaN, zero or negative η at the target as elsewhere`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 0.5; 0.5 |])
    for eta in [ nan; 0.0; -1.0; infinity ] do
        for at in [ [| 1.0; 2.0 |]; [| 0.7; 0.9 |] ] do
            let e = Assert.Throws<SymbolicException>(fun () -> problem.Check(at, eta) |> ignore)
            Assert.Equal(ErrorKind.Invalid, e.Kind)
            Assert.Contains("'eta'", e.Message)
            Assert.Contains("positive, finite", e.Message)

// ---- 3. an empty points file ------------------------------------------------------------------------------

[<Fact>]
let ``eval refuses a points file without a data row, naming it and what to write`` () =
    for text in [ ""; "x,y\n"; "\n\n"; "x,y\n\n" ] do
        let file = temp "pts.csv" text
        for args in [ [ "eval"; "-f"; "x*y^2"; "--points"; file ]; [ "eval"; "--simulator"; "x; y^2"; "--vars"; "x,y"; "--points"; file ] ] do
            let code, out, err = run args
            let said = TestHelpers.unwrapped err
            Assert.True((code = 2), $"{text}: {code} {out} {err}")
            Assert.Equal("", out)
            Assert.Contains($"--points '{file}' holds no point", said)
            Assert.Contains("e.g. 1,2", said)
            Assert.Contains("header line x,y", said)

// ---- 4. problem files say what to write, and infer their variables --------------------------------------------

[<Fact>]
let ``a problem file's simulator may be one ';' string, as --simulator takes it`` () =
    let file = temp "p.json" """{"variables":["a","b"],"simulator":"a; b^3","target":[1,8],"start":[0,1]}"""
    let code, out, err = run [ "derive"; "--problem"; file; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.Contains("Δb = -3*eta*b^2*(b^3 - 8)", out)

[<Fact>]
let ``a problem file without variables reads them from the simulator, as --simulator without --vars`` () =
    let file = temp "p.json" """{"simulator":["x0","x1^3"],"parameters":{"k":2},"loss":"k*(y0^2 + y1^2)"}"""
    let fromFile = PhysicsProblem.FromJson(File.ReadAllText file)
    Assert.Equal<string list>([ "x0"; "x1" ], List.ofSeq fromFile.Variables)
    let code, out, err = run [ "derive"; "--problem"; file; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.Contains("Δx1", out)
    let none = temp "n.json" """{"simulator":["2"]}"""
    let code, _, err = run [ "derive"; "--problem"; none ]
    Assert.Equal(2, code)
    Assert.Contains("\"variables\": [\"x0\"]", TestHelpers.unwrapped err)

[<Fact>]
let ``a field of the wrong kind shows the array form of what was written`` () =
    let file = temp "p.json" """{"variables":"a, b","simulator":["a","b^3"]}"""
    let code, _, err = run [ "derive"; "--problem"; file ]
    Assert.Equal(2, code)
    Assert.Contains("\"variables\": [\"a\", \"b\"]", TestHelpers.unwrapped err)
    let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromJson("""{"variables":["a"],"simulator":[1]}""") |> ignore)
    Assert.Contains("\"simulator\": [\"1\"]", e.Message)

// ---- 5. lambdas: messages in the user's own names ------------------------------------------------------------

let private lambdaMessages =
    lazy
        (let source =
            """
using System; using PhysGrad;
public sealed class Helper { public double Sq(double v) => v * v; }
public static class T {
  static string Msg(Func<object> f) { try { f(); return ""; } catch (Exception e) { return e.Message; } }
  public static string Delegate() { Func<double, double> sq = v => v * v; return Msg(() => PhysicsProblem.FromLambda(x => new[] { sq(x[0]) })); }
  public static string Object() { var helper = new Helper(); return Msg(() => PhysicsProblem.FromLambda(x => new[] { helper.Sq(x[0]) })); }
  public static string Conditional() { double k = 2; return Msg(() => PhysicsProblem.FromLambda(x => new[] { x[0] > k ? x[0] : -x[0] })); }
  public static string Length() { return Msg(() => PhysicsProblem.FromLambda(x => new[] { x[0] * x.Length })); }
}"""
         let t = (TestHelpers.compileCSharp source).GetType "T"
         [ for name in [ "Delegate"; "Object"; "Conditional"; "Length" ] -> name, t.GetMethod(name).Invoke(null, [||]) :?> string ]
         |> Map.ofList)

[<Fact>]
let ``an untranslatable lambda is named in the user's words, with what a lambda may use`` () =
    let said = lambdaMessages.Force()
    Assert.Contains("a call to the delegate 'sq' (sq(x[0])) cannot be translated; write its body inline", said.["Delegate"])
    Assert.Contains("the method 'helper.Sq' (helper.Sq(x[0]))", said.["Object"])
    Assert.Contains("the conditional (x[0] > k) ? x[0] : -x[0] cannot be translated", said.["Conditional"])
    Assert.Contains("the length x.Length of the lambda's array parameter cannot be translated", said.["Length"])
    for KeyValue(name, message) in said do
        Assert.Contains(String.Join(", ", LambdaTranslator.UnderstoodFunctions), message)
        for internalName in [ "DisplayClass"; "value("; "Invoke("; "g__"; "IIF("; "ArrayLength(" ] do
            Assert.False(message.Contains internalName, $"{name}: {message}")

// ---- 6. wording: an inverse's names, typed units, property 1's exclusions ----------------------------------------

[<Fact>]
let ``an inverse that uses an unknown name is not offered the target's symbols`` () =
    let code, _, err = run [ "derive"; "--simulator"; "x0^2"; "--inverse"; "sqrt(z)"; "--methods"; "pg" ]
    let said = TestHelpers.unwrapped err
    Assert.Equal(2, code)
    Assert.Contains("'z' (column 6), which is not one of y0, x0:", said)
    Assert.DoesNotContain("ys0", said)
    let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromText("x0^2", inverse = [| "sqrt(ys0)" |]).Rules([| Method.PhysicalGradient |]) |> ignore)
    Assert.Contains("'ys0'", e.Message)

[<Fact>]
let ``units shows the units as typed, the SI form after them`` () =
    let code, out, err = run [ "units"; "--simulator"; "sin(x0)*x1"; "--unit"; "x0=rad"; "--unit"; "x1=N" ]
    Assert.True((code = 0), err)
    Assert.Contains("Variables: x0 [rad] (= 1), x1 [N] (= kg*m/s^2)", out)
    let rows = TestHelpers.tableRows out
    Assert.Contains(rows, fun r -> r.Length >= 5 && r.[0] = "gd" && r.[1] = "x1" && r.[2] = "N" && r.[3] = "N" && r.[4] = "yes")

[<Fact>]
let ``check's property 1 names the methods and steps it did not count`` () =
    let report = PhysicsProblem.FromText("sin(x0)*x1").WithUnits(Dictionary<string, string>(dict [ "x0", "rad"; "x1", "N" ])).Check()
    let units = report |> Seq.find (fun r -> r.Property = 1)
    Assert.Equal(CheckVerdict.Pass, units.Verdict)
    Assert.Contains("every measured step unit of gd, newton,", units.Detail)
    Assert.Contains("not counted: ig (ig needs a square Jacobian", units.Detail)
    Assert.Contains("adam and hig (outside this property", units.Detail)
