/// Input errors and forms in the user's terms (28): a lambda calling a method of the object it is written in,
/// or an extension method, named as written (not value(Ns.Sim).Energy or Ext.Sq(x)); units' JSON with the units
/// as typed beside their SI form; a problem file's parameter named x0 refused with its fields and what to write; the
/// ';'-separated "simulator" string offered wherever an array is asked for; the CLI's output naming the command
/// (physgrad units) where the API's names the member (PhysicsProblem.StepUnits()).
module PhysGrad.Properties.Input28

open System
open System.Collections.Generic
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Symbolic

let private run = Cli.run

let private temp = TestHelpers.tempFile "28"

// ---- 1. a lambda's calls as the user wrote them ---------------------------------------------------------------

let private lambdaMessages =
    lazy
        (let source =
            """
using System; using PhysGrad;
namespace User.Space {
public sealed class Model { public double Energy(double v) => v * v; }
public static class Ext { public static double Sq(this double v) => v * v; }
public sealed class Sim {
  public double Energy(double v) => v * v;
  public double[] Both(double v) => new[] { v, v };
  public object Implicit() => PhysicsProblem.FromLambda((double x) => Energy(x));
  public object Explicit() => PhysicsProblem.FromLambda((double x) => this.Energy(x) + 1);
  public object Result() => PhysicsProblem.FromLambda((double x) => Both(x));
}
public static class T {
  static string Msg(Func<object> f) { try { f(); return ""; } catch (Exception e) { return e.Message; } }
  public static string Captured() { var m = new Model(); return Msg(() => PhysicsProblem.FromLambda((double x) => m.Energy(x))); }
  public static string Implicit() { var s = new Sim(); return Msg(() => s.Implicit()); }
  public static string Explicit() { var s = new Sim(); return Msg(() => s.Explicit()); }
  public static string Result() { var s = new Sim(); return Msg(() => s.Result()); }
  public static string Extension() => Msg(() => PhysicsProblem.FromLambda((double x) => x.Sq()));
}}"""
         let t = (TestHelpers.compileCSharp source).GetType "User.Space.T"
         [ for name in [ "Captured"; "Implicit"; "Explicit"; "Result"; "Extension" ] -> name, t.GetMethod(name).Invoke(null, [||]) :?> string ]
         |> Map.ofList)

[<Fact>]
let ``a lambda calling a method of its own object, or an extension method, is named as written`` () =
    let said = lambdaMessages.Force()
    Assert.Contains("the method 'm.Energy' (m.Energy(x)) cannot be translated; only the Math functions are understood: write its body inline", said.["Captured"])
    Assert.Contains("the method 'Energy' (Energy(x)) cannot be translated", said.["Implicit"])
    Assert.Contains("write its body inline", said.["Implicit"])
    Assert.Contains("the method 'Energy' (Energy(x)) cannot be translated", said.["Explicit"])
    Assert.Contains("the result Both(x): build the array in place", said.["Result"])
    Assert.Contains("the extension method 'Ext.Sq' (x.Sq()) cannot be translated", said.["Extension"])
    for KeyValue(name, message) in said do
        for internalName in [ "DisplayClass"; "value("; "User.Space"; "Ext.Sq(x)" ] do
            Assert.False(message.Contains internalName, $"{name}: {message}")

// ---- 2. units' JSON: the unit as typed and its SI form --------------------------------------------------------

[<Fact>]
let ``units' JSON gives each unit as typed, as the table does, with its SI form beside it`` () =
    let args = [ "units"; "--simulator"; "sin(x0)*x1"; "--unit"; "x0=rad"; "--unit"; "x1=N" ]
    let code, out, err = run (args @ [ "--format"; "json" ])
    Assert.True((code = 0), err)
    use doc = JsonDocument.Parse out
    let variables = [ for v in doc.RootElement.GetProperty("variables").EnumerateArray() -> v.GetProperty("name").GetString(), v.GetProperty("unit").GetString(), v.GetProperty("si").GetString() ]
    Assert.Equal<(string * string * string) list>([ "x0", "rad", "1"; "x1", "N", "kg*m/s^2" ], variables)
    let gd = doc.RootElement.GetProperty("methods").EnumerateArray() |> Seq.find (fun m -> m.GetProperty("method").GetString() = "gd")
    let x1 = gd.GetProperty("steps").EnumerateArray() |> Seq.find (fun s -> s.GetProperty("variable").GetString() = "x1")
    Assert.Equal("N", x1.GetProperty("variableUnit").GetString())
    Assert.Equal("kg*m/s^2", x1.GetProperty("variableSi").GetString())
    Assert.Equal("N", x1.GetProperty("stepUnit").GetString())
    Assert.Equal("kg*m/s^2", x1.GetProperty("stepSi").GetString())
    // The table says the same.
    let _, table, _ = run args
    Assert.Contains(TestHelpers.tableRows table, fun r -> r.Length >= 4 && r.[0] = "gd" && r.[1] = "x1" && r.[2] = "N" && r.[3] = "N")

// ---- 3. a problem file's parameter named x0 -----------------------------------------------------------------

[<Fact>]
let ``a problem file without variables and with a parameter x0 is told which fields to change`` () =
    let file = temp "p.json" """{"simulator":["x0*k","x1^2 + x0"],"parameters":{"x0":2,"k":3},"target":[1,2],"start":[1,1]}"""
    let code, _, err = run [ "derive"; "--problem"; file; "--methods"; "gd" ]
    let said = TestHelpers.unwrapped err
    Assert.True((code = 2), err)
    Assert.Contains($"--problem '{file}': In the problem file, \"parameters\" holds x0", said)
    Assert.Contains("without a \"variables\" field", said)
    Assert.Contains("remove it from \"parameters\" and give its value in \"start\"", said)
    Assert.Contains("\"variables\": [\"x1\"]", said)
    Assert.Contains("rename the parameter in \"parameters\" and \"simulator\" (e.g. to c0)", said)
    // What it says to write works.
    let listed = temp "v.json" """{"variables":["x1"],"simulator":["x0*k","x1^2 + x0"],"parameters":{"x0":2,"k":3},"target":[1,2],"start":[1]}"""
    let code, _, err = run [ "derive"; "--problem"; listed; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    // With no other name to vary, only the first way out is offered.
    let only = temp "o.json" """{"simulator":["x0*k"],"parameters":{"x0":2,"k":3}}"""
    let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromJson(File.ReadAllText only) |> ignore)
    Assert.Contains("x0 is the only name it could vary: remove it from \"parameters\" and give its value in \"start\".", e.Message)
    Assert.DoesNotContain("rename", e.Message)

// ---- 4. "simulator" as one ';' string is offered where an array is asked for ----------------------------------

[<Fact>]
let ``a simulator of the wrong kind is shown in both forms the file takes`` () =
    let file = temp "p.json" """{"variables":["a","b"],"simulator":[1, "a+b"]}"""
    let code, _, err = run [ "derive"; "--problem"; file ]
    let said = TestHelpers.unwrapped err
    Assert.Equal(2, code)
    Assert.Contains("\"simulator\": [\"1\", \"a+b\"], or one string of entries separated by ';': \"simulator\": \"1; a+b\"", said)
    let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromJson("""{"variables":["a"],"simulator":{"a":1}}""") |> ignore)
    Assert.Contains("separated by ';'", e.Message)
    let empty = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromJson("""{"variables":["a"],"simulator":[]}""") |> ignore)
    Assert.Contains("(or one string of them separated by ';': \"simulator\": \"a^3\")", empty.Message)
    // Fields that take no such string are not offered it.
    let inverse = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromJson("""{"variables":["a"],"simulator":"a^2","inverse":[1]}""") |> ignore)
    Assert.DoesNotContain("separated by ';'", inverse.Message)

// ---- 5. the CLI names its commands, the API its members -------------------------------------------------------

[<Fact>]
let ``check's property 1 points the CLI to physgrad units and the API to StepUnits()`` () =
    let code, out, err = run [ "check"; "--simulator"; "sin(x0)*x1"; "--unit"; "x0=rad"; "--unit"; "x1=N" ]
    Assert.True((code = 0), err)
    let said = TestHelpers.unwrapped out
    Assert.Contains("adam and hig (outside this property: physgrad units measures their steps)", said)
    Assert.DoesNotContain("StepUnits", said)
    let code, json, err = run [ "check"; "--simulator"; "sin(x0)*x1"; "--unit"; "x0=rad"; "--unit"; "x1=N"; "--format"; "json" ]
    Assert.True((code = 0), err)
    Assert.DoesNotContain("StepUnits", json)
    let report = PhysicsProblem.FromText("sin(x0)*x1").WithUnits(Dictionary<string, string>(dict [ "x0", "rad"; "x1", "N" ])).Check()
    let units = report |> Seq.find (fun r -> r.Property = 1)
    Assert.Contains("(outside this property: PhysicsProblem.StepUnits() measures their steps)", units.Detail)
    Assert.DoesNotContain("units command", units.Detail)

[<Fact>]
let ``a --param of a problem file's variable is refused in the file's terms`` () =
    let file = temp "q.json" """{"simulator":["x0*k","x1"],"parameters":{"k":3}}"""
    let code, _, err = run [ "derive"; "--problem"; file; "--param"; "x0=2"; "--methods"; "gd" ]
    let said = TestHelpers.unwrapped err
    Assert.True((code = 2), err)
    Assert.Contains($"--param x0: x0 is a variable of --problem '{file}' (its variables are x0, x1), not a parameter", said)
    Assert.Contains("give its value in --start or the file's \"start\"", said)
    Assert.Contains("\"variables\": [\"x1\"]", said)
    Assert.DoesNotContain("remove it from the variables", said)
    // As it says: with "variables" listed without x0, --param x0 holds it constant.
    let listed = temp "l.json" """{"variables":["x1"],"simulator":["x0*k","x1"],"parameters":{"k":3}}"""
    let code, out, err = run [ "derive"; "--problem"; listed; "--param"; "x0=2"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.Contains("Δx1", out)
