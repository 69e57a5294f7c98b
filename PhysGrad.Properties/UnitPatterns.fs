/// Units given by pattern (--unit "x*=K", "units": {"x*": "K"}): every name that matches takes the unit,
/// a unit given by name wins, and a pattern that matches nothing is an input error naming it.
module PhysGrad.Properties.UnitPatterns

open System.Collections.Generic
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Symbolic

let private problem () =
    Problem.Create([| "x0"; "x1"; "x10"; "v" |], Parse.many "x0 + x1; x10; v", null, [| 1.0; 1.0; 1.0 |], [| 1.0; 2.0; 3.0; 4.0 |], null, true)

let private units (pairs: (string * string) list) =
    Dictionary(dict [ for (n, u) in pairs -> n, Units.parse u ]) :> IReadOnlyDictionary<_, _>

[<Theory>]
[<InlineData("x*", "x10", true)>]
[<InlineData("x*", "x", true)>]
[<InlineData("x*0", "x10", true)>]
[<InlineData("x*0", "x1", false)>]
[<InlineData("*1", "x1", true)>]
[<InlineData("x*", "y0", false)>]
[<InlineData("x.*", "x10", false)>]
let ``a pattern's '*' stands for any characters and the rest is literal`` (pattern: string, name: string, expected: bool) =
    Assert.Equal(expected, Units.matches pattern name)

[<Fact>]
let ``a pattern gives every matching name its unit and a unit given by name wins`` () =
    let p = problem().WithUnits(units [ "x*", "K"; "x10", "m" ])
    Assert.Equal("K", (p.UnitOf "x0").ToString())
    Assert.Equal("K", (p.UnitOf "x1").ToString())
    Assert.Equal("m", (p.UnitOf "x10").ToString())
    // v matches no pattern: it keeps no unit (dimensionless), and the outputs follow from the simulator.
    Assert.Equal("1", (p.UnitOf "v").ToString())
    Assert.Equal("K", (p.UnitOf "y0").ToString())
    Assert.Equal("m", (p.UnitOf "y1").ToString())

[<Fact>]
let ``a pattern that matches no name is a units error naming it and the names there are`` () =
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> problem().WithUnits(units [ "T*", "K" ]) |> ignore)
    Assert.Equal(ErrorKind.Units, e.Kind)
    Assert.Contains("The unit pattern 'T*' (T*=K) matches no name", e.Message)
    Assert.Contains("variables x0, x1, x10, v; outputs y0, y1, y2", e.Message)

[<Fact>]
let ``two patterns that give one name different units are an error naming it, unless it has its own`` () =
    let e =
        Assert.ThrowsAny<SymbolicException>(fun () -> problem().WithUnits(units [ "x*", "K"; "x1*", "m" ]) |> ignore)

    Assert.Equal(ErrorKind.Units, e.Kind)
    Assert.Contains("matches two unit patterns with different units", e.Message)
    Assert.Matches("^x1 matches|^x10 matches", e.Message)
    // Given by name, both x1 and x10 are settled: the patterns no longer disagree on them.
    let p = problem().WithUnits(units [ "x*", "K"; "x1*", "m"; "x1", "K"; "x10", "s" ])
    Assert.Equal("K", (p.UnitOf "x1").ToString())
    Assert.Equal("s", (p.UnitOf "x10").ToString())
    // Two patterns that agree are no conflict.
    let q = problem().WithUnits(units [ "x*", "K"; "x1*", "K" ])
    Assert.Equal("K", (q.UnitOf "x10").ToString())

[<Fact>]
let ``units --example heat1d --n 64 --unit x*=K gives all 64 variables K`` () =
    let code, out, err = Cli.run [ "units"; "--example"; "heat1d"; "--n"; "64"; "--unit"; "x*=K"; "--format"; "json" ]
    Assert.True((code = 0), err)
    let root = (JsonDocument.Parse out).RootElement
    let variables = [ for v in root.GetProperty("variables").EnumerateArray() -> v.GetProperty("name").GetString(), v.GetProperty("unit").GetString() ]
    Assert.Equal(64, variables.Length)
    Assert.All(variables, fun (_, u) -> Assert.Equal("K", u))
    Assert.Equal("x63", fst variables.[63])

[<Fact>]
let ``units with a pattern that matches nothing exits 2 naming the pattern`` () =
    let code, _, err = Cli.run [ "units"; "--example"; "heat1d"; "--n"; "64"; "--unit"; "T*=K" ]
    Assert.Equal(2, code)
    Assert.Contains("'T*'", err)
    Assert.Contains("variables x0, x1, …, x63", err)
    Assert.DoesNotContain("internal error", err)

[<Fact>]
let ``a problem file's units take patterns, and --unit by name wins over them`` () =
    let path = Path.Combine(Path.GetTempPath(), sprintf "physgrad-unitpatterns-%d.json" (System.Random.Shared.Next()))

    File.WriteAllText(
        path,
        """{"variables":["x0","x1","x2"],"simulator":["x0 + x1","x2"],"units":{"x*":"s"}}"""
    )

    try
        let code, out, err = Cli.run [ "units"; "--problem"; path; "--unit"; "x2=m" ]
        Assert.True((code = 0), err)
        Assert.Contains("Variables: x0 [s], x1 [s], x2 [m]", out)
        Assert.Contains("Outputs:   y0 [s], y1 [m]", out)
    finally
        File.Delete path
