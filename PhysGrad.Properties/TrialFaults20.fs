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

