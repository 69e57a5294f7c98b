/// Faults of the new-user trial 17, each fixed as a kind: short forms of long vectors that hid the only
/// informative entry, check rows whose wording contradicted their pass rule, points and targets used but
/// not printed, a 1×1 negative Hessian called indefinite, a converged stop that read as "0 ≤ 0" with nested
/// parentheses, units recombined into prefixes no one uses, messages that did not say what to do, a
/// clipped field title, and runs hidden under another's line.
module PhysGrad.Properties.NewUserTrial17

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

// ---- 1. short forms name what the ellipsis hides ------------------------------------------------------

[<Fact>]
let ``a short vector of up to eight values is printed in full when that is no longer`` () =
    Assert.Equal("[0, 0, 5, 0, 0, 0]", NumberText.Vector([| 0.0; 0.0; 5.0; 0.0; 0.0; 0.0 |]))
    let _, out, err =
        run [ "compare"; "--simulator"; "x0; x1; x2; x3; x4; x5"; "--target"; "0,0,5,0,0,0"; "--start"; "0,0,0,0,0,0"
              "--methods"; "gn:1"; "--iterations"; "1"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-trial17-six") ]
    Assert.Equal("", err)
    Assert.Contains("y* = [0, 0, 5, 0, 0, 0]", unwrapped out)

/// Vectors of 9 to 80 values with one entry far larger than the rest at a random index.
let private spiked =
    gen {
        let! n = Gen.choose (9, 80)
        let! at = Gen.choose (0, n - 1)
        let! sign = Gen.elements [ 1.0; -1.0 ]
        let! small = Gen.listOfLength n (Gen.choose (-9, 9))
        return at, Array.init n (fun i -> if i = at then sign * 1000.0 else float small.[i])
    }
    |> Arb.fromGen

[<Property(MaxTest = 200)>]
let ``the short form of a long vector names its largest entry and that entry's index`` () =
    Prop.forAll spiked (fun (at, values) ->
        let text = NumberText.Vector values
        let expected = sprintf "max |·| at [%d] = %s" at (NumberText.Short values.[at])
        (text.Contains(sprintf "(%d values, " values.Length) && text.Contains expected)
        |> Prop.label (sprintf "%s should contain %s" text expected))

[<Fact>]
let ``a long vector whose entries all read the same says so, and the API's result names the hidden entry`` () =
    Assert.Equal("[0, 0, …, 0] (64 values, all 0)", NumberText.Vector(Array.zeroCreate 64))
    let values = Array.init 64 (fun i -> if i = 2 then 5.0 else 0.0)
    Assert.Equal("[0, 0, …, 0] (64 values, max |·| at [2] = 5)", NumberText.Vector values)
    // A NaN is what a reader must see, wherever it is.
    let withNaN = Array.init 20 (fun i -> if i = 7 then nan elif i = 3 then 1e9 else 1.0)
    Assert.Contains("max |·| at [7] = NaN", NumberText.Vector withNaN)

// ---- 2. check rows: the pass rule in the same words as the expectation ---------------------------------

[<Fact>]
let ``check's fitted orders say the rule they pass by, and GD's overflow is named, not printed as Infinity`` () =
    for args in
        [ [ "--simulator"; "x0^3 - c*x0"; "--param"; "c=3"; "--unit"; "x0=m"; "--unit"; "c=m^2"; "--at"; "2" ]
          [ "--simulator"; "x0 + sin(x0)"; "--target"; "2"; "--start"; "0" ] ] do
        let _, out, err = run ("check" :: args)
        Assert.Equal("", err)
        let rows = (unwrapped out).Split('\n') |> Array.filter (fun l -> l.Contains "fitted order of")
        Assert.NotEmpty rows
        for row in rows do
            Assert.DoesNotContain("2 expected)", row)
            Assert.Contains(sprintf "≥ %s passes" (NumberText.Short TheoryChecks.OrderPasses), row)
            // The verdict agrees with the rule the row states: a measured order at or above it passes.
            // The row's cells are two or more spaces apart: #, property, result, measured, then its detail.
            let measured = (Regex.Split(row.Trim(), " {2,}").[3]).Split(' ').[0] |> float
            if measured >= TheoryChecks.OrderPasses then Assert.Contains(" pass ", row)
        Assert.DoesNotContain("for comparison: Infinity", unwrapped out)
    let _, out, _ = run [ "check"; "--simulator"; "x0^3 - c*x0"; "--param"; "c=3"; "--at"; "2" ]
    Assert.Contains("GD's deviation, for comparison: none, GD diverged (overflowed)", unwrapped out)

// ---- 3. the point and the target used are printed ------------------------------------------------------

[<Fact>]
let ``check and units print the point and the target they work at, and where a generated one came from`` () =
    let _, out, _ = run [ "check"; "--simulator"; "x0^2"; "--at"; "2" ]
    // No target given: made around --at 2, not the generic start: y* = P(2 + 10%·2) = 2.2² = 4.84, 21% from P(2) = 4.
    Assert.Contains("At x = [2], target y* = [4.84] (no target given: y* = P(x′) at x′ = [2.2] (x moved by 10% of its size, up): ‖y* − P(x)‖ = 0.21·‖P(x)‖)", unwrapped out)
    let _, out, _ = run [ "check"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; "1" ]
    Assert.Contains("At x = [1], target y* = [4]; η = 0.3:", unwrapped out)
    let _, out, _ = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=s"; "--unit"; "x1=m" ]
    Assert.Contains("Measured at x = [0.6, 0.7] (no start given", unwrapped out)
    // Up and down, (0.66, 0.63), moves x0·x1 by 1% only: all up, 0.66 · 0.77 = 0.5082, moves it by 21%.
    Assert.Contains("target y* = [0.5082] (no target given: y* = P(x′) at x′ = [0.66, 0.77] (x moved by 10% of each entry's size, all up)", unwrapped out)
    let _, json, _ = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=s"; "--unit"; "x1=m"; "--target"; "3"; "--start"; "1,2"; "--format"; "json" ]
    let root = Text.Json.JsonDocument.Parse(json).RootElement
    Assert.Equal(3.0, root.GetProperty("target").[0].GetDouble())
    Assert.Equal(2.0, root.GetProperty("point").[1].GetDouble())

// ---- 4. a Hessian's class from the signs of its eigenvalues -------------------------------------------

[<Fact>]
let ``a Hessian's class is named from its eigenvalues`` () =
    Assert.Equal("negative definite", Curvature.Definiteness([| -5.062 |], 1e-12))
    Assert.Equal("positive definite", Curvature.Definiteness([| 1.0; 2.0 |], 1e-12))
    Assert.Equal("indefinite", Curvature.Definiteness([| -1.0; 2.0 |], 1e-12))
    Assert.Equal("positive semidefinite and singular", Curvature.Definiteness([| 0.0; 2.0 |], 1e-12))
    Assert.Equal("negative semidefinite and singular", Curvature.Definiteness([| -3.0; 0.0 |], 1e-12))
    Assert.Equal("indefinite and singular", Curvature.Definiteness([| -3.0; 0.0; 1.0 |], 1e-12))
    let _, out, _ =
        run [ "compare"; "--simulator"; "x0^3 - 3*x0"; "--target"; "1"; "--start"; "1.5"; "--methods"; "newton"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-trial17-cubic") ]
    Assert.Contains("the Hessian is negative definite (eigenvalue -5.062)", TestHelpers.unwrapped out)
    Assert.DoesNotContain("indefinite", TestHelpers.unwrapped out)

// ---- 6. the converged stop, and ToStrings without nested parentheses ----------------------------------

/// The deepest nesting of parentheses in a text.
let private depth (text: string) =
    text |> Seq.fold (fun (d, m) c -> if c = '(' then (d + 1, max m (d + 1)) elif c = ')' then (d - 1, m) else (d, m)) (0, 0) |> snd

[<Fact>]
let ``a loss of 0 by a loss that is at least 0 is a global minimum, and the API's result keeps one level of parentheses`` () =
    let problem = PhysicsProblem.FromText("x0; x1", [| 1.0; 2.0 |], [| 0.0; 0.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gn:1", 5)
    let result = comparison.Results.[0]
    Assert.Equal("Converged", result.Stop)
    Assert.Equal("loss 0 after 1 iteration: a global minimum, since the loss is ≥ 0 by its form", result.StopDetail)
    let text = result.ToString()
    Assert.True(depth text <= 1, text)
    // The stop in words (tables29: "converged", not the enum's name), then its detail.
    Assert.EndsWith("; converged: " + result.StopDetail, text)

// ---- 7. units in the user's own units -----------------------------------------------------------------

[<Fact>]
let ``step units are written with one factor in front, never in two recombined prefixes`` () =
    let _, out, err = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=0.1*s"; "--unit"; "x1=m" ]
    Assert.Equal("", err)
    // GD's step carries unit(L)/unit(x): (m·0.1 s)²/(0.1 s) = 0.1 m²·s and (m·0.1 s)²/m = 0.01 m·s²: the
    // scale as the one factor in front, as "[1e-4 m]" is written everywhere, not "m^2*(0.1*s)".
    let gd name = (unwrapped out).Split('\n') |> Array.find (fun l -> Regex.IsMatch(l, sprintf @"^gd\s+%s\s" name))
    Assert.Contains(" 0.1 m^2*s ", gd "x0")
    Assert.Contains(" 0.01 m*s^2 ", gd "x1")
    Assert.DoesNotContain("*(", unwrapped out)
    Assert.DoesNotContain("ks", unwrapped out)
    for text in [ "0.1*m^2*s"; "0.01*m*s^2" ] do
        Assert.Equal(Units.parse text, Units.parse text |> fun u -> Units.parse (u.TextIn [ Units.parse "0.1*s" ]))
    // Context-free, a scale is a prefix on one unit, or a prefix with a bare minute or hour, or a factor.
    Assert.Equal("0.1 m^2*s", (Units.parse "0.1*m^2*s").ToString())
    Assert.Equal("km/h", (Units.parse "km/h").ToString())

let private scaledUnit =
    Gen.elements [ "0.1*s"; "ms"; "km"; "min"; "60*s"; "m"; "2.5*m"; "kg" ] |> Arb.fromGen

[<Property(MaxTest = 100)>]
let ``a unit written in given units reads back as the same unit`` () =
    Prop.forAll scaledUnit (fun a ->
        Prop.forAll scaledUnit (fun b ->
            let given = [ Units.parse a; Units.parse b ]
            let u = (Units.parse a).Pow(Rational.OfInt 2) * Units.parse b / Units.parse "s"
            let text = u.TextIn given
            (Units.parse text = u) |> Prop.label (sprintf "%s in %s, %s: %s" (string u) a b text)))

// ---- 8. messages say what to do -----------------------------------------------------------------------

let private problemFile (json: string) =
    let path = Path.Combine(Path.GetTempPath(), sprintf "physgrad-trial17-%s.json" (Guid.NewGuid().ToString "N"))
    File.WriteAllText(path, json)
    path

[<Fact>]
let ``input errors name the option and what to do instead`` () =
    let expect (args: string list) (parts: string list) =
        let code, _, err = run args
        Assert.Equal(2, code)
        for part in parts do Assert.Contains(part, TestHelpers.unwrapped err)
    expect [ "diff"; "-f"; "x*y"; "--vars"; "x"; "--at"; "2" ] [ "'y'"; "--vars x,y" ]
    let (_, _, err) = run [ "diff"; "-f"; "x*y"; "--vars"; "x"; "--at"; "2" ]
    Assert.DoesNotContain("parameter (", TestHelpers.unwrapped err)
    expect [ "diff"; "-f"; "x*y"; "--at"; "1,2,3" ] [ "--at"; "3 values"; "2 variables (x, y)" ]
    expect [ "check"; "--simulator"; "x0^2"; "--at"; "1,2" ] [ "--at has 2 values"; "1 variable (x0)"; "e.g. --at 1" ]
    let noPoint = problemFile """{"variables":["x0"],"simulator":["x0^2"]}"""
    expect [ "compare"; "--problem"; noPoint ] [ "\"start\""; "--start" ]
    let noTarget = problemFile """{"variables":["x0"],"simulator":["x0^2"],"start":[1]}"""
    expect [ "compare"; "--problem"; noTarget ] [ "\"target\""; "--target" ]
    expect [ "compare"; "--example"; "rosenbrok" ] [ "did you mean 'rosenbrock'" ]
    expect [ "derive"; "--format"; "tex" ] [ "did you mean 'latex'" ]
    let code, _, err = run [ "compare"; "--simulator"; "x0"; "--param"; "k=two"; "--target"; "1"; "--start"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("--param k: 'two' is not a number", TestHelpers.unwrapped err)
    Assert.DoesNotContain("value 1", TestHelpers.unwrapped err)
    Assert.DoesNotContain("commas", TestHelpers.unwrapped err)

// ---- 9. a long field title wraps inside the image ------------------------------------------------------

[<Fact>]
let ``a diverged run's field plot title fits inside the image`` () =
    let problem = ReferenceProblems.Create("heat1d-dirichlet", 6)
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:5,pg:1", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.True(runs.[0].StopReason = StopReason.Diverged)
    for struct (file, plot) in FieldPlots.Plots(runs, [| 6 |], comparison.Target.X, problem.Definition.Title) do
        let struct (width, height) = FieldPlots.SizeOf plot
        let bytes = plot.GetImage(width, height).GetImageBytes()
        let top = int plot.RenderManager.LastRender.Layout.DataRect.Top
        use bitmap = SkiaSharp.SKBitmap.Decode bytes
        // Nothing of the title is drawn in the image's outer columns above the data area: it is not cut there.
        for y in 0 .. top - 1 do
            for x in [ 0; 1; width - 2; width - 1 ] do
                let c = bitmap.GetPixel(x, y)
                Assert.True(c.Red > 200uy && c.Green > 200uy && c.Blue > 200uy, sprintf "%s: title pixel at (%d, %d)" file x y)

// ---- 10. runs drawn inside another's line are styled apart and named -----------------------------------

[<Fact>]
let ``a run walking part of another's path under its line is styled apart and said to overlap`` () =
    let problem = PhysicsProblem.FromText("x0; x1^2", [| 0.0; 0.0 |], [| 3.0; 3.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,gd:0.001", 10)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    // Not the same run: the slower one covers about a tenth of the faster one's path.
    let curves = runs |> Array.map (fun r -> r.Trajectory |> Seq.map (fun p -> struct (p.[0], p.[1])) |> Array.ofSeq)
    // The plot's box holds the target (the origin) too.
    let box = TrajectoryPlots.Box.Of(Seq.append (curves |> Seq.concat) [ struct (0.0, 0.0) ])
    Assert.False(TrajectoryPlots.Coincide(curves.[0], curves.[1], box))
    Assert.True(TrajectoryPlots.Overlaps(curves.[0], curves.[1], box))
    let figure = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "x-space")
    let labels = figure.Panels.[0].Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq
    Assert.Contains(labels, fun l -> l.StartsWith "gd (η = 0.001)" && l.Contains "overlaps with gd (η = 0.01)")
    // Two runs apart on the plot are not said to overlap.
    let apart = [| [| struct (0.0, 0.0); struct (1.0, 0.0) |]; [| struct (0.0, 1.0); struct (1.0, 1.0) |] |]
    Assert.False(TrajectoryPlots.Overlaps(apart.[0], apart.[1], TrajectoryPlots.Box.Of(apart |> Seq.concat)))
