/// Faults of the new-user trial 20, each fixed as a kind: the JSON named a closed-form inverse PG did not run.
module PhysGrad.Properties.TrialFaults20

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Properties.TestHelpers
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
    let line = TestHelpers.paragraph table "Local inverse for PG:"
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
    // The stop's detail is in the note under the table (tables29), not in the row.
    let stop = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "Stop of gd: ")
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

// ---- 2. every plot of rounding noise only is drawn flat and says so ---------------------------------------

/// A synthetic run of 11 points (P the identity, so outputs = points) with the losses given.
let private synthetic (name: string) (points: float[][]) (losses: float[]) =
    PhysGrad.Numerics.OptimizerRun(
        name, 0.1, points, points, losses,
        PhysGrad.Numerics.ExitReason(PhysGrad.Numerics.StopReason.IterationLimit, points.Length - 1, Nullable(), null, Nullable(), "synthetic"),
        [||], TimeSpan.Zero)

let private noise k = (if k % 2 = 0 then 4e-16 else -3e-16) * float (k % 3 + 1)

/// Two variables are drawn as one plane, whose axes had no such rule: x1 of ±4E-16 beside x0 moving by 1
/// filled its axis with the noise (0 was the start's and the target's x1, so its own scale was 0). The axis
/// is drawn at the problem's scale and labelled, as a stacked panel's.
[<Fact>]
let ``an axis of a plane that holds rounding noise only is drawn flat at the problem's scale and says so`` () =
    // x1 starts at exactly 0 (the start the user gave): what follows is what arithmetic left.
    let points = [| for k in 0..10 -> [| float k / 10.0; (if k = 0 then 0.0 else noise k) |] |]
    let runs = [| synthetic "gd" points [| for k in 0..10 -> 0.5 * (1.0 - float k / 10.0) ** 2.0 |] |]
    let problem = PhysicsProblem.FromText("x0; x1", [| 1.0; 0.0 |], [| 0.0; 0.0 |])
    let xs = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "x-space")
    let plane = xs.Panels.[0]
    let limits = plane.Axes.GetLimits()
    Assert.True(limits.Top - limits.Bottom >= 0.1, sprintf "x1 axis %g .. %g" limits.Bottom limits.Top)
    Assert.Equal("x1 (flat: rounding only)", plane.Axes.Left.Label.Text)
    // x0 moves: its own axis, no note.
    Assert.Equal("x0", plane.Axes.Bottom.Label.Text)
    // Drawn as the CLI draws it (to be looked at; rendering must not fail on the flat axis).
    let target = TargetPoint.Find(problem.Compiled, [| 1.0; 0.0 |], [| 0.0; 0.0 |], runs)
    Assert.NotEmpty(TrajectoryPlots.SaveAll(runs, Path.Combine(out, "plane"), problem.Definition, target))

/// Every run starts on y* = (1, 1) to rounding: the losses, ~1E-32, are rounding noise of outputs of size 1.
/// The loss plot drew them on a linear axis spanning 1E-32 … 4E-32, as if L moved; it is drawn flat at the
/// loss's scale (½·m·max|y|² = 1) and says so. A loss that falls by decades from 1 keeps its log axis.
[<Fact>]
let ``a loss plot of rounding noise only is drawn flat at the problem's scale and says so`` () =
    let problem = PhysicsProblem.FromText("x0; x1", [| 1.0; 1.0 |], [| 1.0; 1.0 |])
    let near = [| for k in 0..10 -> [| 1.0 + noise k; 1.0 - noise (k + 1) |] |]
    let tiny = near |> Array.map (fun p -> 0.5 * ((p.[0] - 1.0) ** 2.0 + (p.[1] - 1.0) ** 2.0))
    Assert.True(tiny |> Array.forall (fun l -> l > 0.0 && l < 1e-29), sprintf "%A" tiny)
    let loss (runs: PhysGrad.Numerics.OptimizerRun[]) =
        (TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "loss")).Panels.[0]
    let flat = loss [| synthetic "gd" near tiny |]
    let limits = flat.Axes.GetLimits()
    Assert.True(limits.Top - limits.Bottom >= 0.05, sprintf "L axis %g .. %g" limits.Bottom limits.Top)
    Assert.Equal("L (flat: rounding only)", flat.Axes.Left.Label.Text)
    Assert.NotEmpty(TrajectoryPlots.SaveLoss([| synthetic "gd" near tiny |], Path.Combine(out, "loss")))
    // The same outputs' size with losses that fall from 0.5 by decades: a log axis, no note.
    let falling = [| for k in 0..10 -> 0.5 * 10.0 ** float -k |]
    let moving = loss [| synthetic "gd" [| for k in 0..10 -> [| 1.0 - 10.0 ** (-0.5 * float k); 1.0 |] |] falling |]
    Assert.Equal("L (log scale)", moving.Axes.Left.Label.Text)

/// A 2×2 field that falls from 1 to rounding noise (±4E-16, no target): its map spread the noise over the
/// whole colour scale, as if the cells still differed. The colours span the problem's scale and the bar says so.
[<Fact>]
let ``a field map of rounding noise only is coloured at the problem's scale and says so`` () =
    let points = [| for k in 0..10 -> if k = 10 then [| noise 1; noise 2; noise 3; 0.0 |] else Array.create 4 (1.0 - float k / 10.0) |]
    let runs = [| synthetic "gd" points (Array.create 11 0.0) |]
    let plot = FieldPlots.Plots(runs, [| 2; 2 |], null) |> Seq.find (fun struct (file, _) -> file = "field-gd.png") |> fun struct (_, p) -> p
    let map = plot.GetPlottables<ScottPlot.Plottables.Heatmap>() |> Seq.exactlyOne
    let range = map.ManualRange.Value
    Assert.True(range.Max - range.Min >= 0.1, sprintf "colours %g .. %g" range.Min range.Max)
    let bar = plot.Axes.GetPanels() |> Seq.pick (function :? ScottPlot.Panels.ColorBar as c -> Some c | _ -> None)
    Assert.Equal("value of the cell (flat: rounding only)", bar.Label)
    Assert.NotEmpty(FieldPlots.Save(runs, Path.Combine(out, "field"), [| 2; 2 |], null))
    // A field that ends at 0.5 keeps its own range and label.
    let moving = [| for k in 0..10 -> Array.create 4 (1.0 - float k / 20.0) |> Array.mapi (fun i v -> v + 0.01 * float i) |]
    let plot = FieldPlots.Plots([| synthetic "gd" moving (Array.create 11 0.0) |], [| 2; 2 |], null) |> Seq.head |> fun struct (_, p) -> p
    let bar = plot.Axes.GetPanels() |> Seq.pick (function :? ScottPlot.Panels.ColorBar as c -> Some c | _ -> None)
    Assert.Equal("value of the cell", bar.Label)
