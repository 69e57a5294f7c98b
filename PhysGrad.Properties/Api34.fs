/// A C# developer's first hour with the API (api34): a lambda that C#'s integer division made constant is refused
/// as FromText("0*x0") is, the lists the API returns print their elements, FromText("x0/x0") says why it has no
/// variables, an overflowing start is refused at Run as the CLI refuses it, and a stop names an overflowed loss by
/// the value the table gives it.
module PhysGrad.Properties.Api34

open System
open System.Collections
open System.Collections.Generic
open System.Reflection
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

// ---- 1. a lambda that does not depend on its variables ------------------------------------------------------

// The C# a user writes, compiled by Roslyn: (1 / 2) is folded to the integer 0 by the C# compiler, not by PhysGrad.
let private lambdaError (body: string) =
    let source =
        "using PhysGrad; public static class L { public static object Make() => PhysicsProblem.FromLambda(" + body + "); }"
    let make = (TestHelpers.compileCSharp source).GetType("L").GetMethod "Make"
    let thrown = Assert.Throws<TargetInvocationException>(fun () -> make.Invoke(null, [||]) |> ignore)
    thrown.InnerException

[<Fact>]
let ``a lambda that C# integer division makes constant is refused as FromText refuses 0*x0, naming what P does not depend on`` () =
    let text = Assert.ThrowsAny<Exception>(fun () -> PhysicsProblem.FromText("0*x0", [| 1.0 |], [| 1.0 |]) |> ignore)
    let halved = lambdaError "x => new[] { (1 / 2) * x[0] }, target: new[] { 1.0 }, start: new[] { 1.0 }"
    Assert.Equal(text.GetType(), halved.GetType())
    Assert.Contains("does not depend on x0", halved.Message)
    Assert.Contains("y0 = 0 is a constant", halved.Message)
    Assert.Contains("1 / 2 == 0", halved.Message)
    let zero = lambdaError "x => new[] { 0 * x[0] }, target: new[] { 1.0 }, start: new[] { 1.0 }"
    Assert.Contains("does not depend on x0", zero.Message)
    let three = lambdaError "(a, b, c) => new[] { 1.0, 2.0 }"
    Assert.IsType<SymbolicException>(three) |> ignore
    Assert.Contains("does not depend on a, b, c", three.Message)
    Assert.Contains("y0 = 1, y1 = 2 are constants", three.Message)

[<Fact>]
let ``a lambda refused for one variable names that one only, and one that uses every variable is kept`` () =
    // b drops out of a*a + 0*b: a is named nowhere as missing, b is.
    let dropped = lambdaError "(a, b) => new[] { a * a + (1 / 2) * b, a }, target: new[] { 1.0, 1.0 }, start: new[] { 1.0, 1.0 }"
    Assert.Contains("does not depend on b:", dropped.Message)
    Assert.DoesNotContain("depend on a", dropped.Message)
    Assert.Contains("integer division", dropped.Message)
    // An output that no variable changes, beside outputs that use every variable.
    let constant = lambdaError "x => new[] { x[0], x[1], (1 / 2) * x[1] }, target: new[] { 1.0, 1.0, 1.0 }, start: new[] { 0.0, 0.0 }"
    Assert.Contains("y2 = 0 is a constant", constant.Message)
    // x[0] / 2 divides a double: P(x0) = x0/2 is kept, and gd moves x0 toward 2 (L falls from ½·(0.5 − 1)²).
    let kept = PhysicsProblem.FromLambda((fun (x: float[]) -> [| x.[0] / 2.0 |]), [| 1.0 |], [| 1.0 |])
    let run = kept.Run(Method.GradientDescent, 0.5, 3)
    Assert.True(run.FinalLoss < run.Losses.[0], string run.FinalLoss)

// ---- 2. every list the API returns prints its elements --------------------------------------------------------

let private api = typeof<PhysicsProblem>.Assembly

let private isCollection (t: Type) =
    t <> typeof<string> && typeof<IEnumerable>.IsAssignableFrom t

// A collection printed as its type's name: PhysGrad.MethodSpec[], System.Collections.Generic.List`1[…], <>z__ReadOnlyList`1[…].
let private namesItsType (text: string) = text.Contains '`' || Regex.IsMatch(text, @"\w\[\]")

/// The public collections reachable from the roots (their public properties and parameterless public methods, and
/// those of the API's objects within them, two levels deep), each with its member's name and printed text.
let private surveyed (roots: obj list) =
    let seen = HashSet<obj>(HashIdentity.Reference)
    let found = ResizeArray<string * string>()
    let rec visit depth (o: obj) =
        if not (isNull o) && o.GetType().Assembly = api && depth <= 2 && seen.Add o then
            let t = o.GetType()
            let values =
                [ for p in t.GetProperties(BindingFlags.Public ||| BindingFlags.Instance) do
                      if p.GetIndexParameters().Length = 0 then
                          yield p.Name, p.PropertyType, (fun () -> p.GetValue o)
                  for m in t.GetMethods(BindingFlags.Public ||| BindingFlags.Instance ||| BindingFlags.DeclaredOnly) do
                      if m.GetParameters().Length = 0 && not m.IsSpecialName && not m.ContainsGenericParameters
                         && m.ReturnType <> typeof<Void> && m.Name <> "GetEnumerator" then
                          yield m.Name + "()", m.ReturnType, (fun () -> m.Invoke(o, [||])) ]
            for name, declared, get in values do
                let value = try get () with _ -> null
                if not (isNull value) then
                    if isCollection declared then
                        found.Add(($"{t.Name}.{name}", string value))
                        for item in (value :?> IEnumerable) |> Seq.cast<obj> |> Seq.truncate 2 do visit (depth + 1) item
                    else visit (depth + 1) value
    for root in roots do visit 0 root
    found |> List.ofSeq

[<Fact>]
let ``every collection the API returns from a problem, its default methods and its rules prints its elements, not its type`` () =
    let wide = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 2.0 |], [| 0.5; 0.5 |])
    // As C# deconstructs it: var (run, skipped) = problem.DefaultMethods().
    let run, skipped = wide.DefaultMethods().Deconstruct()
    let rules = wide.ApplicableRules()
    let collections = surveyed [ box (wide.DefaultMethods()); box rules; box run; box skipped ]
    // The survey reached the lists of the finding: DefaultMethods' Run and Skipped, ApplicableRules' Rules and Skipped.
    for name in [ "DefaultMethodSet.Run"; "DefaultMethodSet.Skipped"; "ApplicableRuleSet.Rules"; "ApplicableRuleSet.Skipped" ] do
        Assert.Contains(name, collections |> List.map fst)
    let typeNamed = collections |> List.filter (snd >> namesItsType)
    Assert.True(typeNamed.IsEmpty, String.Join("\n", typeNamed |> List.map (fun (m, t) -> $"{m}: {t}")))
    // What they print is what they hold: the methods to run with their η, one skipped line per method left out.
    Assert.Equal(String.Join(", ", run |> Seq.map (fun m -> m.NameWithStep)), string run)
    Assert.Equal(String.Join(Environment.NewLine, skipped |> Seq.map string), string skipped)
    Assert.StartsWith("pg skipped: ", (string rules.Skipped).Split(Environment.NewLine) |> Array.find (fun l -> l.StartsWith "pg"))
    // A set made from plain lists prints them as the API's own does.
    let made = DefaultMethodSet(Array.ofSeq run, List<SkippedMethod>(skipped))
    Assert.Equal(string (wide.DefaultMethods()), string made)
    Assert.Equal(string skipped, string made.Skipped)

// ---- 3. FromText without variables says why, in the API's terms ------------------------------------------------

[<Fact>]
let ``FromText of x0/x0 and 0*x0 says the output simplifies to a constant that does not depend on x0, and what to write`` () =
    for text, constant in [ "x0/x0", "1"; "0*x0", "0" ] do
        let e = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromText(text, [| 1.0 |], [| 1.0 |]) |> ignore)
        Assert.Contains($"The simulator \"{text}\" has no variables", e.Message)
        Assert.Contains($"simplifies to the constant {constant}, which does not depend on x0", e.Message)
        Assert.Contains("FromText(\"x0^2\")", e.Message)
        // The API's words, not the CLI's flags.
        Assert.DoesNotContain("--", e.Message)
    // Every name a parameter: said so.
    let k = Assert.Throws<SymbolicException>(fun () -> PhysicsProblem.FromText("2*k", parameters = readOnlyDict [ "k", 2.0 ]) |> ignore)
    Assert.Contains("every name it uses is a parameter: k", k.Message)

// ---- 4. an output that overflows at the start is refused at Run ------------------------------------------------

[<Fact>]
let ``Run from a start where an output overflows is refused naming the output and the start, as the CLI refuses it`` () =
    let problem = PhysicsProblem.FromText("1e300*x0", [| 1.0 |], [| 1e10 |])
    let e = Assert.Throws<SymbolicException>(fun () -> problem.Run(Method.GradientDescent, 0.1, 3) |> ignore)
    Assert.Contains("At the start [10000000000] the output y0 = ", e.Message)
    Assert.Contains("overflows", e.Message)
    Assert.Contains("WithStart", e.Message)
    Assert.DoesNotContain("--start", e.Message)
    // 1E+300·x0 at 1E+10 is 1E+310, beyond doubles; at 1 it is 1E+300, and the same problem runs from there
    // (Gauss–Newton steps in y, which is finite: x moves from 1 toward 1E-300).
    let run = problem.WithStart([| 1.0 |]).Run(Method.GaussNewton, 1.0, 3)
    Assert.True(run.Final.[0] < 0.5, string run.Final.[0])
    // The CLI says the same sentence, with its own option for where to give another start.
    let code, _, err = Cli.run [ "compare"; "--simulator"; "1e300*x0"; "--target"; "1"; "--start"; "1e10"; "--methods"; "gd:0.1" ]
    Assert.Equal(2, code)
    let sentence = e.Message.Substring(0, e.Message.IndexOf "(WithStart")
    Assert.Contains(sentence, Regex.Replace(err, @"\s+", " ").Replace("physgrad: ", ""))

// ---- 5. a stop at an overflowed loss says the value the table gives ----------------------------------------------

[<Fact>]
let ``a run stopped at a loss beyond doubles states it as the table and the JSON do, not as Infinity`` () =
    let args = [ "compare"; "--simulator"; "k*x0^3"; "--param"; "k=2"; "--target"; "16"; "--start"; "1"; "--methods"; "gd" ]
    let out = IO.Path.Combine(IO.Path.GetTempPath(), "api34-wide")
    let code, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; out ])
    Assert.NotEqual(2, code)
    let gd = (JsonDocument.Parse json).RootElement.GetProperty("methods").[0]
    let log10 = gd.GetProperty("finalLossLog10").GetDouble()
    Assert.True(log10 > 308.3, string log10)
    let stop = gd.GetProperty("stopDetail").GetString()
    Assert.DoesNotContain("L = Infinity", stop)
    // The value the stop states, read back: its logarithm is the JSON's to the six digits it is written with.
    let m = Regex.Match(stop, @"the loss L = ([0-9.]+)E\+([0-9]+) \(beyond doubles\)")
    Assert.True(m.Success, stop)
    let stated = Math.Log10(float m.Groups.[1].Value) + float m.Groups.[2].Value
    Assert.Equal(log10, stated, 5)
    let _, table, _ = Cli.run (args @ [ "--out"; out ])
    let row = table.Split('\n') |> Array.find (fun l -> l.StartsWith "gd")
    Assert.Contains($"{m.Groups.[1].Value}E+{m.Groups.[2].Value}", row)
