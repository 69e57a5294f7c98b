/// Faults of the new-user trial 20, each fixed as a kind: the JSON named a closed-form inverse PG did not run.
module PhysGrad.Properties.TrialFaults20

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad

let private out = Path.Combine(Path.GetTempPath(), "physgrad-trial20")

/// compare's table output and its JSON's "problem" for one simulator in x0 with k's value.
let private compareBoth (simulator: string) (k: string) =
    let args = [ "compare"; "--simulator"; simulator; "--vars"; "x0"; "--param"; $"k={k}"; "--target"; "1"; "--start"; "1"
                 "--methods"; "pg"; "--iterations"; "2"; "--out"; out ]
    let code, table, err = Cli.run args
    Assert.True((code = 0), err)
    let code, json, err = Cli.run (args @ [ "--format"; "json" ])
    Assert.True((code = 0), err)
    let line = table.Split('\n') |> Array.find (fun l -> l.StartsWith "Local inverse for PG:")
    line, JsonDocument.Parse(json).RootElement.GetProperty("problem")

// ---- 1. the report says which inverse ran -----------------------------------------------------------------

/// A closed form undefined at the parameter's value (y0/k, log(y0)/k, ∛((y0 − 1)/k) at k = 0) is replaced
/// by the numeric inverse. The table said so; the JSON named the closed form with "derived".
[<Theory>]
[<InlineData "k*x0">]
[<InlineData "exp(k*x0)">]
[<InlineData "k*x0^3 + 1">]
let ``where the closed inverse is undefined at k's value, the table and the JSON both say numeric`` (simulator: string) =
    let line, problem = compareBoth simulator "0"
    Assert.StartsWith("Local inverse for PG: numeric", line)
    Assert.Contains("k = 0", line)
    Assert.Equal("numeric", problem.GetProperty("inverseSource").GetString())
    Assert.Equal(JsonValueKind.Null, problem.GetProperty("inverse").ValueKind)
    let note = problem.GetProperty("inverseNote").GetString()
    Assert.Contains("k = 0", note)
    // The table's reason is the JSON's.
    Assert.Contains(note, line)

/// At a value where the closed form is defined it is what runs, and both say so with the same expression.
[<Theory>]
[<InlineData("k*x0", "y0/k")>]
[<InlineData("exp(k*x0)", "log(y0)/k")>]
let ``where the closed inverse is defined at k's value, the table and the JSON both name it`` (simulator: string, inverse: string) =
    let line, problem = compareBoth simulator "2"
    Assert.Equal($"Local inverse for PG: derived, x0 = {inverse}.", line.TrimEnd())
    Assert.Equal("derived", problem.GetProperty("inverseSource").GetString())
    Assert.Equal(inverse, problem.GetProperty("inverse").[0].GetString())
    Assert.Equal(JsonValueKind.Null, problem.GetProperty("inverseNote").ValueKind)
