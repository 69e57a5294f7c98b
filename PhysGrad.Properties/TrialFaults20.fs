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

// ---- 3. a stall on a slope states its comparison in figures ------------------------------------------------

let private number (text: string) = Double.Parse(text, Globalization.CultureInfo.InvariantCulture)

/// gd on exp(x0) towards 2 from 3 overshoots to x0 ≈ −360 (η = 1) or −723 (η = 2), where ∂L/∂x0 is
/// −7E-157 or a subnormal −1.2E-314. The stop said "more than the 0 the Hessian makes of x's rounding": at
/// −723 the bound u·|∂²L/∂x²| underflows to 0. It now gives g, u, |∂²L/∂x²| and their product, which the
/// gradient exceeds, also when the product is below the smallest double.
[<Theory>]
[<InlineData "1">]
[<InlineData "1.97">]
[<InlineData "2">]
let ``a stall on a slope gives the gradient, x's rounding and the curvature in figures`` (eta: string) =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "exp(x0)"; "--target"; "2"; "--start"; "3"; "--methods"; $"gd:{eta}"; "--iterations"; "20"; "--out"; out ]
    Assert.True((code = 0), err)
    let stop = out.Split('\n') |> Array.find (fun l -> l.StartsWith "gd ")
    Assert.DoesNotContain("the Hessian makes", stop)
    let m =
        Text.RegularExpressions.Regex.Match(
            stop, @"∂L/∂x = (\S+) is more than x's rounding explains: moving x by its rounding, (\S+) \(4ε·max\(‖x‖, ‖x₀‖\)\), changes it by at most \2 × \|∂²L/∂x²\| \((\S+)\) (=|≈) (\d(?:\.\d+)?)E(-?\d+)")
    Assert.True(m.Success, stop)
    let g, u, row = number m.Groups.[1].Value, number m.Groups.[2].Value, number m.Groups.[3].Value
    // The product as printed, in logarithms (it may be below the smallest double).
    let product = Math.Log10(number m.Groups.[5].Value) + number m.Groups.[6].Value
    Assert.True(abs (product - (Math.Log10 u + Math.Log10 row)) < 0.01, stop)
    Assert.True(Math.Log10(abs g) > product, stop)
    // "≈ … below the smallest double" exactly when the double product is 0.
    Assert.Equal(u * row = 0.0, (m.Groups.[4].Value = "≈"))
    Assert.Equal(u * row = 0.0, stop.Contains "below the smallest double")

/// Where the Hessian's row is 0, x's rounding changes the gradient by nothing: said so, not "more than the 0".
[<Fact>]
let ``a zero curvature says that x's rounding does not change the gradient`` () =
    let one = PhysGrad.Numerics.RoundingExcess(0, 1, 3e-310, 6e-13, 0.0).Describe()
    Assert.StartsWith("∂L/∂x = 3E-310 is more than x's rounding explains: |∂²L/∂x²| is 0 here", one)
    let two = PhysGrad.Numerics.RoundingExcess(1, 2, -3e-310, 6e-13, 0.0).Describe()
    Assert.StartsWith("entry 1 of ∂L/∂x = -3E-310 is more than x's rounding explains: the absolute sum of the Hessian's row 1 is 0 here", two)

// ---- 4. the x* line of a set of preimages fits a terminal -------------------------------------------------

/// ReLU (x0 + |x0|)/2 = 0 holds on all x0 ≤ 0, and x0·x1 = 2 (m < n) on a curve: x* is accepted, said not
/// unique, and distances are in y. The line said so in ~250 characters; it fits 100 columns now, and the
/// why is the JSON's (targetXNotIsolatedReason for the set, targetXDistances for both).
[<Theory>]
[<InlineData("(x0 + abs(x0))/2", "0", "1", true)>]
[<InlineData("(x0 + abs(x0))/2", "0", "-1", true)>]
[<InlineData("(x1 + abs(x1))/2; x0", "0,1", "-2,3", true)>]
[<InlineData("x0*x1", "2", "1,1", false)>]
let ``the line on an x* that is not unique reads in 100 columns, and the JSON keeps the why`` (simulator: string, target: string, start: string, set: bool) =
    let args = [ "compare"; "--simulator"; simulator; "--target"; target; "--start"; start; "--methods"; "gd:0.5,newton"; "--iterations"; "3"; "--out"; out ]
    let code, table, err = Cli.run args
    Assert.True((code = 0 || code = 1), err)
    let line = table.Split('\n') |> Array.find (fun l -> l.Contains "distances are in")
    Assert.True(line.TrimEnd().Length <= 100, sprintf "%d characters: %s" line.Length line)
    Assert.Contains("distances are in y", line)
    if set then Assert.Matches(@"^x\* is not unique \(P\(x\) = y\* also at x\d = -?\d", line)
    else Assert.Contains("y* has many preimages (1 output < 2 variables): distances are in y", line)
    let _, json, _ = Cli.run (args @ [ "--format"; "json" ])
    let problem = JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.Contains("0 on every preimage", problem.GetProperty("targetXDistances").GetString())
    if set then
        Assert.False(problem.GetProperty("targetXIsolated").GetBoolean())
        // The JSON's reason names the same neighbouring preimage as the line.
        let at = Text.RegularExpressions.Regex.Match(line, @"also at ([^)]+)\)").Groups.[1].Value
        Assert.StartsWith($"P(x) = y* also at {at}, next to x*", problem.GetProperty("targetXNotIsolatedReason").GetString())
    else Assert.Equal(JsonValueKind.Null, problem.GetProperty("targetXNotIsolatedReason").ValueKind)

/// An isolated x* has no such note: targetXDistances is null where distances are in x.
[<Fact>]
let ``an isolated x* has no note on distances in y`` () =
    let code, json, err =
        Cli.run [ "compare"; "--simulator"; "x0^3"; "--target"; "8"; "--start"; "1"; "--methods"; "gd:0.01"; "--iterations"; "3"; "--out"; out; "--format"; "json" ]
    Assert.True((code = 0), err)
    let problem = JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.True(problem.GetProperty("targetXIsolated").GetBoolean())
    Assert.Equal(JsonValueKind.Null, problem.GetProperty("targetXDistances").ValueKind)
