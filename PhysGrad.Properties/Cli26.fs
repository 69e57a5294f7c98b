/// Faults of a new user's trial (26), each fixed as a kind: a problem file whose "simulator", "target" or
/// "start" is an empty list answered as if the field were missing; C# written from a rule whose exact
/// constants no double holds, without a word (it computes ±∞ or NaN); derive's JSON without the parameters'
/// values its rules use; a variable without a unit shown as if "[1]" had been given; error messages and
/// train's lines running past 100 columns.
module PhysGrad.Properties.Cli26

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Symbolic

let private run = Cli.run

let private temp = TestHelpers.tempFile "26"

let private lines (text: string) = text.Replace("\r", "").Split('\n')

// ---- an empty list in a problem file names its field ------------------------------------------------------------

[<Fact>]
let ``an empty simulator in a problem file is named as such by every command, not as a missing target`` () =
    let file = temp "e.json" """{"variables":["a"],"simulator":[],"target":[],"start":[0]}"""
    for command in [ "compare"; "derive"; "check"; "units" ] do
        let code, _, err = run [ command; "--problem"; file ]
        let said = TestHelpers.unwrapped err
        Assert.True((code = 2), $"{command}: {code} {err}")
        Assert.Contains($"--problem '{file}'", said)
        Assert.Contains("\"simulator\" is empty", said)
        Assert.DoesNotContain("no \"target\" field", said)

[<Fact>]
let ``an empty target or start list is refused by its name with the count it needs`` () =
    let target = temp "t.json" """{"variables":["a","b"],"simulator":["a+b","a-b","a*b"],"target":[],"start":[1,2]}"""
    let code, _, err = run [ "compare"; "--problem"; target ]
    Assert.Equal(2, code)
    Assert.Contains("\"target\" is empty: give one value per output (3 in all)", TestHelpers.unwrapped err)
    let start = temp "s.json" """{"variables":["a","b"],"simulator":["a+b","a-b"],"target":[1,2],"start":[]}"""
    let code, _, err = run [ "compare"; "--problem"; start ]
    Assert.Equal(2, code)
    Assert.Contains("\"start\" is empty: give one value per variable (2 in all)", TestHelpers.unwrapped err)
    // A missing field is still the missing field, and derive needs neither.
    let none = temp "n.json" """{"variables":["a","b"],"simulator":["a+b","a-b"]}"""
    let code, out, _ = run [ "derive"; "--problem"; none; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.Contains("Δa = ", out)

// ---- C# that cannot hold the rule's constants says so --------------------------------------------------------------

[<Fact>]
let ``C# of a rule whose constants are beyond doubles carries a warning in the file and on stderr, naming them`` () =
    let code, out, err =
        run [ "derive"; "--simulator"; "1e200*x0; 1e200*x1^2"; "--target"; "1e200,4e200"; "--methods"; "gd"; "--format"; "csharp" ]
    Assert.Equal(0, code)
    // gd's step is -η·Jᵀ(P(x) − y*): the factor 1e200·1e200 = 10^400 exactly, which no double holds.
    Assert.Contains("10^400", TestHelpers.unwrapped err)
    Assert.Contains("physgrad: warning: gd's rule", err)
    let comment = lines out |> Array.find (fun l -> l.StartsWith "// Warning: gd's rule")
    Assert.Contains("10^400", comment)
    // The literal the warning is about is in the code below it.
    Assert.Contains("double.PositiveInfinity", out)

[<Fact>]
let ``a constant below the smallest double is found as one beyond doubles, and an ordinary rule has none`` () =
    let tiny = Expr.mul [| Parse.expression "1e-200*x0"; Parse.expression "1e-200" |]
    Assert.Equal(1, (CSharp.constantsBeyondDoubles tiny).Length)
    Assert.Empty(CSharp.constantsBeyondDoubles (Parse.expression "1e300*x0 + 2.5e-300"))
    let code, out, err = run [ "derive"; "--simulator"; "1e100*x0; x1^2"; "--target"; "1,2"; "--methods"; "gd"; "--format"; "csharp" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("warning", err)
    Assert.DoesNotContain("Warning", out)
    Assert.DoesNotContain("Infinity", out)

// ---- derive's JSON carries the parameters its rules use --------------------------------------------------------------

[<Fact>]
let ``derive's JSON lists the parameters' values, so that its rules can be evaluated from the file alone`` () =
    let code, out, _ =
        run [ "derive"; "--simulator"; "v*x0 - g*x0^2/2; x1"; "--param"; "g=9.81"; "--param"; "v=3"; "--target"; "1,2"; "--methods"; "gd"; "--format"; "json" ]
    Assert.Equal(0, code)
    let parameters = JsonDocument.Parse(out).RootElement.GetProperty "parameters"
    Assert.Equal(9.81, parameters.GetProperty("g").GetDouble())
    Assert.Equal(3.0, parameters.GetProperty("v").GetDouble())
    let code, out, _ = run [ "derive"; "--simulator"; "x0; x1"; "--methods"; "gd"; "--format"; "json" ]
    Assert.Equal(0, code)
    Assert.False(JsonDocument.Parse(out).RootElement.TryGetProperty("parameters") |> fst)

// ---- a variable without a unit is said to be taken as dimensionless --------------------------------------------------

[<Fact>]
let ``units says which variables had no unit given, in the table's header and in JSON`` () =
    let code, out, _ = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=m" ]
    Assert.Equal(0, code)
    Assert.Contains("Variables: x0 [m], x1 [1] (dimensionless, not given)", out)
    let code, out, _ = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=m"; "--unit"; "x1=s"; "--format"; "json" ]
    Assert.Equal(0, code)
    let given = [ for v in JsonDocument.Parse(out).RootElement.GetProperty("variables").EnumerateArray() -> v.GetProperty("given").GetBoolean() ]
    Assert.Equal<bool list>([ true; true ], given)
    let _, out, _ = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=m"; "--format"; "json" ]
    let given = [ for v in JsonDocument.Parse(out).RootElement.GetProperty("variables").EnumerateArray() -> v.GetProperty("given").GetBoolean() ]
    Assert.Equal<bool list>([ true; false ], given)

// ---- every line of an error or of train fits 100 columns ---------------------------------------------------------------

[<Fact>]
let ``an input error's message is wrapped at 100 columns and reads whole when unwrapped`` () =
    let code, _, err = run [ "derive"; "--simulator"; "x0 + sin(x0)"; "--methods"; "pg" ]
    Assert.Equal(2, code)
    Assert.True(lines err |> Array.forall (fun l -> l.Length <= 100), err)
    Assert.True((lines err).Length > 2, err)
    Assert.StartsWith("physgrad: PG's closed form needs a local inverse", err)
    Assert.Contains("the solver cannot isolate the unknown in the equation y0 = x0 + sin(x0)", TestHelpers.unwrapped err)

[<Fact>]
let ``train's skip line and its run lines fit 100 columns`` () =
    let code, out, err = run [ "train"; "--example"; "exp"; "--steps"; "2" ]
    Assert.True((code = 0 || code = 1), err)
    Assert.Contains("gd skipped:", out)
    Assert.True(lines out |> Array.forall (fun l -> l.Length <= 100), out)
    Assert.True(lines err |> Array.forall (fun l -> l.Length <= 100), err)
