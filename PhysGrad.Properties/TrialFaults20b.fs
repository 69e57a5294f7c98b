/// Faults of the new-user trial 20, each fixed as a kind: a small component printed as 0 next to a large
/// one; train's median line was a geometric mean of two seeds; a numerical limit printed digits below its
/// error bound; overlap was judged on shared points (start, target) and a far x* squashed the runs; an SI
/// prefix on a powered unit (cs^3); "must be a positive number" for a value that was positive; two legend
/// forms for runs, and a JSON "unique" that claimed more than the table.
module PhysGrad.Properties.TrialFaults20b

open System
open System.Globalization
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning
open PhysGrad.Symbolic

let private run = Cli.run

/// A fresh directory for a command's plots.
let private outDir () = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-20b-" + Guid.NewGuid().ToString("N"))

let private line (prefix: string) (out: string) =
    out.Split('\n') |> Array.find (fun l -> l.StartsWith prefix)

/// The components of a printed vector "[a, b, c]".
let private components (text: string) =
    text.Substring(1, text.IndexOf ']' - 1).Split(", ") |> Array.map (fun s -> Double.Parse(s, CultureInfo.InvariantCulture))

// ---- 1. every component of a printed vector has its own significant digits ----------------------------

/// Vectors of 2 to 4 components, each ±m·10^e with e from −12 to 12: sizes 24 decades apart side by side.
let private spread =
    gen {
        let! n = Gen.choose (2, 4)
        let! parts = Gen.listOfLength n (Gen.zip3 (Gen.choose (1000, 9999)) (Gen.choose (-12, 12)) (Gen.elements [ 1.0; -1.0 ]))
        return parts |> List.map (fun (m, e, s) -> s * float m / 1000.0 * Math.Pow(10.0, float e)) |> Array.ofList
    }

[<Property(MaxTest = 300)>]
let ``every printed component parses back to within its six significant digits, and a nonzero one stays nonzero`` () =
    Prop.forAll (Arb.fromGen spread) (fun v ->
        // The table's form (compare's x* line and final x column) and the prose form (headers, messages).
        [ RunReport.FormatVector v; NumberText.Vector v ]
        |> List.forall (fun text ->
            let back = components text
            // Six significant digits: half a unit in the sixth, 5E-06 of the value (and a little for the
            // decimal → binary rounding of the parse).
            Array.forall2 (fun (p: float) (x: float) -> p <> 0.0 && abs (p - x) <= 5.0000001e-6 * abs x) back v))

[<Fact>]
let ``compare prints x* and the final points of 1e-8·x0 and 1e8·x1 with their small components`` () =
    // x* = (1/1e-8, 1/1e8) = (1e8, 1e-8); every run's x1 stays near 1e-8·(its fraction of the way), never 0.
    let code, out, err = run [ "compare"; "--simulator"; "1e-8*x0; 1e8*x1"; "--target"; "1,1"; "--start"; "0,0"; "--methods"; "newton,pg"; "--out"; outDir () ]
    Assert.True((code = 0), out + err)
    let star = line "x* = " (unwrapped out)
    let xs = components (star.Substring 5)
    Assert.Equal(1e8, xs.[0], 1e8 * 1e-5)
    Assert.True(abs (xs.[1] - 1e-8) <= 1e-13, star)
    for m in [ "newton "; "pg " ] do
        let row = line m (unwrapped out)
        let final = components (row.Substring(row.IndexOf '['))
        Assert.True(final.[1] > 0.5e-8 && final.[1] <= 1e-8, row)

// ---- 2. train's median line is the table's median ---------------------------------------------------------

/// A run of `method` from `seed` whose loss is `loss` at steps 0, 10, …, 100.
let private flat (method: TrainingMethod) seed loss =
    let points = Array.init 11 (fun k -> TrainingPoint(10 * k, 0.01 * float (10 * k), loss, nan))
    TrainingHistory(TrainingSettings(method, 0.1, 256), seed, points, 0L, false)

[<Fact>]
let ``with two seeds the plotted median is the table's, the mean of the two, and the legend says so`` () =
    // Adam's seeds at 0.1 and 10 (log axis: 0.1 … 10 holds three powers of ten): the median of two is their
    // mean, 5.05, not the geometric mean 1 that a median of the logarithms gives. GN's seeds are at 1 and 100.
    let histories = [| flat TrainingMethod.Adam 1 0.1; flat TrainingMethod.Adam 2 10.0; flat TrainingMethod.GaussNewton 1 1.0; flat TrainingMethod.GaussNewton 2 100.0 |]
    let summaries = Training.Summarize [| for h in histories -> TrainingRun h |]
    let plot = Training.Plots(histories, "test") |> Seq.pick (fun struct (n, p) -> if n = "loss-steps" then Some p else None)
    for method, summary in Seq.zip [ TrainingMethod.Adam; TrainingMethod.GaussNewton ] summaries do
        Assert.Equal((if method = TrainingMethod.Adam then 5.05 else 50.5), summary.MedianLoss, 12)
        let line =
            plot.GetPlottables() |> Seq.pick (function
                | :? ScottPlot.Plottables.Scatter as s when s.Color = Training.ColorOf method -> Some s
                | _ -> None)
        for p in line.Data.GetScatterPoints() do
            Assert.Equal(Math.Log10 summary.MedianLoss, p.Y, 9)
    // Of two seeds the line is their mean, and the caption says so plainly (Plots26b).
    Assert.Contains("mean of 2 seeds", plot.Axes.Title.Label.Text)
    Assert.DoesNotContain("median", plot.Axes.Title.Label.Text)

[<Fact>]
let ``with three seeds the median line is the middle seed on a log axis`` () =
    let histories = [| for s, l in [ 1, 0.01; 2, 0.3; 3, 100.0 ] -> flat TrainingMethod.Adam s l |]
    let plot = Training.Plots(histories, "test") |> Seq.pick (fun struct (n, p) -> if n = "loss-steps" then Some p else None)
    let line = plot.GetPlottables() |> Seq.pick (function :? ScottPlot.Plottables.Scatter as s -> Some s | _ -> None)
    for p in line.Data.GetScatterPoints() do
        Assert.Equal(Math.Log10 0.3, p.Y, 9)
    Assert.DoesNotContain("mean of the middle two", plot.Axes.Title.Label.Text)

// ---- 3. a numerical limit prints the digits its bound justifies ----------------------------------------

[<Theory>]
[<InlineData("x*log(x)", "0")>]
[<InlineData("x^2*log(x)", "0")>]
[<InlineData("sin(x)^2*log(x^2)", "0")>]
[<InlineData("sin(x)/x", "1")>]
[<InlineData("(1 - cos(x))/x^2", "0.5")>]
[<InlineData("(exp(x) - 1)/x", "1")>]
[<InlineData("tan(3*x)/x", "3")>]
let ``diff says what a removable singularity tends to with no digit below the limit's bound`` (f: string, limit: string) =
    let code, out, err = run [ "diff"; "-f"; f; "--at"; "0" ]
    Assert.True((code = 0), out + err)
    // diff's remarks wrap at 100 columns, continued four spaces in: read them joined.
    let m = Regex.Match(out.Replace("\n    ", " "), @"f tends to (\S+) \(a numerical limit, to within (\S+)\)")
    Assert.True(m.Success, out)
    Assert.Equal(limit, m.Groups.[1].Value)

[<Fact>]
let ``x^x at 0 has the value 1 of its formula, not a limit`` () =
    let code, out, err = run [ "diff"; "-f"; "x^x"; "--at"; "0" ]
    Assert.True((code = 0), out + err)
    Assert.Contains("f = 1\n", out.Replace("\r", ""))
    Assert.DoesNotContain("tends to", TestHelpers.unwrapped out)

[<Property(MaxTest = 300)>]
let ``a limit's text is within its bound of the value and has no digit below the bound's decade`` () =
    let gen =
        gen {
            let! m = Gen.choose (1000000, 9999999)
            let! e = Gen.choose (-14, 8)
            let! b = Gen.choose (-9, 0)
            let! s = Gen.elements [ 1.0; -1.0 ]
            return s * float m / 1e6 * Math.Pow(10.0, float e), Math.Pow(10.0, float b)
        }
    Prop.forAll (Arb.fromGen gen) (fun (v, bound) ->
        let text = PointLimits.Text(v, bound)
        let back = Double.Parse(text, CultureInfo.InvariantCulture)
        // Within the bound (or six digits' rounding where the bound asks for more), and 0 only below it.
        let near = abs (back - v) <= max bound (5.0000001e-6 * abs v)
        let zero = (back = 0.0) = (abs v < bound)
        // Significant digits printed: none finer than the bound's decade.
        let mantissa = Regex.Match(text, @"^-?([0-9.]+)").Groups.[1].Value.Replace(".", "").TrimStart('0')
        let allowed = max 1 (int (floor (log10 (abs v))) - int (floor (log10 bound)) + 1)
        (near && zero && (back = 0.0 || mantissa.Length <= allowed))
        |> Prop.label (sprintf "%g ± %g printed %s" v bound text))

// ---- 4. overlap is a shared stretch of path; a far x* leaves the runs visible --------------------------

[<Fact>]
let ``paths that share only their endpoints do not overlap; identical paths and a path on a path do`` () =
    let box = TrajectoryPlots.Box(0.0, 1.0, 0.0, 1.0)
    let below = [| struct (0.0, 0.0); struct (0.9, 0.3); struct (1.0, 1.0) |]
    let above = [| struct (0.0, 0.0); struct (0.3, 0.9); struct (1.0, 1.0) |]
    Assert.False(TrajectoryPlots.Overlaps(below, above, box))
    Assert.False(TrajectoryPlots.Overlaps(above, below, box))
    // Many points bunched at the shared end (a run zigzagging around x*) still share no stretch.
    let bunched = Array.append [| struct (0.0, 0.0); struct (0.3, 0.9) |] [| for k in 0..20 -> struct (1.0 - 0.001 * float (k % 2), 1.0) |]
    Assert.False(TrajectoryPlots.Overlaps(below, bunched, box))
    Assert.True(TrajectoryPlots.Overlaps(below, below, box))
    // The first half of a path, walked with other points, lies under it.
    Assert.True(TrajectoryPlots.Overlaps(below, [| struct (0.0, 0.0); struct (0.2, 0.0667); struct (0.45, 0.15) |], box))

let private runsOf (comparison: Comparison) = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq

let private figureOf (problem: PhysicsProblem) (comparison: Comparison) name =
    TrajectoryPlots.Figures(runsOf comparison, problem.Definition, comparison.Target) |> Seq.find (fun f -> f.Name = name)

let private entries (plot: ScottPlot.Plot) =
    plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Array.ofSeq

[<Fact>]
let ``hig's path apart from newton-cg's, lm's and gn's is said to overlap none of them; adam under lm is`` () =
    let problem = PhysicsProblem.FromText("2*x0 + x1; x0 - x1", [| 3.0; 0.0 |], [| 0.0; 0.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "lm,newton-cg,bfgs,lbfgs,gn:1,hig:1,adam", 10)
    let x = entries (figureOf problem comparison "x-space").Panels.[0]
    let hig = x |> Array.find (fun l -> l.StartsWith "hig")
    Assert.DoesNotContain("overlaps", hig)
    let adam = x |> Array.find (fun l -> l.StartsWith "adam")
    Assert.Contains("overlaps with", adam)
    Assert.Contains("lm", adam.Substring(adam.IndexOf "overlaps"))

[<Fact>]
let ``exp(x0) towards 1e-300: x* = −690.8 is marked on the edge and the runs fill the axis`` () =
    let problem = PhysicsProblem.FromText("exp(x0)", [| 1e-300 |], [| 0.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd,newton,pg,ig,gn,hig", 10)
    let figure = figureOf problem comparison "x-space"
    let plot = figure.Panels.[0]
    TestHelpers.rendered (fun () -> TrajectoryPlots.Render figure) |> ignore
    let limits = plot.RenderManager.LastRender.AxisLimits
    let values = runsOf comparison |> Array.collect (fun r -> r.Trajectory |> Seq.map (fun p -> p.[0]) |> Array.ofSeq)
    let extent = Array.max values - Array.min values
    Assert.True(extent > 1.0, sprintf "the runs move %g" extent)
    // The runs span more than half of the axis (with x* in the range they spanned 3.6 of 850).
    Assert.True(extent / (limits.Top - limits.Bottom) > 0.5, sprintf "runs %g of axis %O" extent limits)
    Assert.True(limits.Bottom > -100.0, sprintf "axis %O" limits)
    let target = entries plot |> Array.find (fun l -> l.StartsWith "target")
    Assert.Contains("far off the plot at x0 = -690.776", target)
    // Runs that go different ways are no longer one band: pg is not said to overlap ig and gd.
    let pg = entries plot |> Array.find (fun l -> l.StartsWith "pg")
    Assert.DoesNotContain("gd", pg)

[<Fact>]
let ``a target far beyond runs that do not move along an axis stays in range; one far beyond moving runs does not`` () =
    let runs = TrajectoryPlots.Box(0.0, 10.0, -1.0, 0.0)
    Assert.True(TrajectoryPlots.FarTarget(runs, struct (nan, -690.0)))
    Assert.False(TrajectoryPlots.FarTarget(runs, struct (nan, -9.0)))
    Assert.False(TrajectoryPlots.FarTarget(TrajectoryPlots.Box(0.0, 10.0, 0.0, 0.0), struct (nan, -690.0)))

// ---- 5. no SI prefix on a powered unit the user did not name ----------------------------------------------

[<Property(MaxTest = 300)>]
let ``a unit written in given units reads back to itself and puts only a given unit's or a 1000-step prefix on a power`` () =
    let gen =
        gen {
            let! baseUnit = Gen.elements [ "m"; "s"; "kg"; "A" ]
            let! power = Gen.elements [ -3; -2; -1; 1; 2; 3; 4 ]
            let! decade = Gen.choose (-12, 12)
            let! given = Gen.elements [ "ms"; "km"; "s"; "mm"; "g" ]
            return baseUnit, power, decade, given
        }
    Prop.forAll (Arb.fromGen gen) (fun (baseUnit, power, decade, given) ->
        let u = PhysicalUnit(Math.Pow(10.0, float decade), (Units.parse baseUnit).Pow(Rational.OfInt power).Exponents)
        let text = u.TextIn [ Units.parse given ]
        let back = Units.parse text
        // Every prefixed base unit with a power other than ±1 is the given one (kg is the base unit itself)
        // or steps by 1000 (ms^2, km^2): centi never goes on a power the user did not write (cs^3).
        let powered =
            Regex.Matches(text, @"(?<![A-Za-zµ])(G|M|k|c|m|µ|n|p)(m|s|g|A)\^-?\(?\d")
            |> Seq.map (fun m -> m.Groups.[1].Value + m.Groups.[2].Value)
            |> Seq.forall (fun name -> name = given || name = "kg" || not (name.StartsWith "c"))
        (back.Equals u && powered) |> Prop.label (sprintf "%s^%d × 1e%d in %s: %s" baseUnit power decade given text))

[<Fact>]
let ``units prints gd's step for x1 as 1e-6 s^3 next to x0's 1e-3 s^3, not cs^3`` () =
    // L = ½(x0·x1 − y*)² in (ms·s)² = 1e-6 s⁴; ∂L/∂x1 = (x0·x1 − y*)·x0 in 1e-3 s² · ms = 1e-6 s³.
    let code, out, err = run [ "units"; "--simulator"; "x0*x1"; "--unit"; "x0=ms"; "--unit"; "x1=s" ]
    Assert.True((code = 0), out + err)
    let gd1 = out.Split('\n') |> Array.find (fun l -> Regex.IsMatch(l, @"^gd\s+x1\s"))
    Assert.Contains(" 1e-6 s^3 ", gd1)
    Assert.DoesNotContain("cs^", TestHelpers.unwrapped out)

// ---- 6. a numeric option's message names what is wrong ---------------------------------------------------

[<Theory>]
[<InlineData("gd:1e400", "is too large for a double")>]
[<InlineData("gd:inf", "is not finite (an infinity)")>]
[<InlineData("gd:-0.1", "is negative")>]
[<InlineData("gd:0", "is zero")>]
[<InlineData("gd:abc", "is not a number")>]
[<InlineData("hig:0.3:kappa=1e999", "is too large for a double")>]
let ``compare's step size message says what is wrong with the value`` (methods: string, why: string) =
    let code, out, err = run [ "compare"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; "1"; "--methods"; methods; "--out"; outDir () ]
    Assert.Equal(2, code)
    Assert.Contains(why, TestHelpers.unwrapped err)
    Assert.DoesNotContain("must be a positive number,", err + out)

[<Theory>]
[<InlineData("adam:1e400", "is too large for a double")>]
[<InlineData("adam:-1", "is negative")>]
[<InlineData("adam:0", "is zero")>]
let ``train's rate message says what is wrong with the value`` (methods: string, why: string) =
    let code, _, err = run [ "train"; "--example"; "hig-toy"; "--steps"; "1"; "--methods"; methods ]
    Assert.Equal(2, code)
    Assert.Contains(why, TestHelpers.unwrapped err)

[<Theory>]
[<InlineData("-1", "is negative")>]
[<InlineData("0", "is zero")>]
let ``check's --eta message says what is wrong with the value`` (eta: string, why: string) =
    let code, _, err = run [ "check"; "--simulator"; "x0^2"; "--start"; "1"; "--target"; "4"; "--eta"; eta ]
    Assert.Equal(2, code)
    Assert.Contains(why, TestHelpers.unwrapped err)

// ---- 7. one legend form; the JSON claims what the table does ---------------------------------------------

[<Fact>]
let ``every run's legend entry reads name (η = …), with its options when the method runs twice`` () =
    Assert.Equal("hig (η = 0.3, kappa = -1)", TrajectoryPlots.LegendName("hig:0.3:kappa=-1", "hig", 0.3))
    Assert.Equal("gd (η = 0.01) #2", TrajectoryPlots.LegendName("gd:0.01 #2", "gd", 0.01))
    Assert.Equal("gn (η = 0.3)", TrajectoryPlots.LegendName("gn", "gn", 0.3))
    let problem = PhysicsProblem.FromText("2*x0 + x1; x0 - x1", [| 3.0; 0.0 |], [| 0.0; 0.0 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gn:0.3,hig:0.3:kappa=-1:tau=0.001,hig:0.3", 10)
    for name in [ "x-space"; "y-space"; "loss" ] do
        let runsEntries = entries (figureOf problem comparison name).Panels.[0] |> Array.filter (fun l -> not (l.StartsWith "target" || l.StartsWith "start"))
        Assert.Equal(3, runsEntries.Length)
        for e in runsEntries do
            Assert.Matches(@"^(gn|hig) \(η = 0\.3[,)]", e)

[<Fact>]
let ``a non-square problem's x* is called isolated in JSON, not unique, and nearest in neither`` () =
    let args = [ "compare"; "--simulator"; "x0 + x1; x0 - x1; x0*x1"; "--target"; "3,1,2"; "--start"; "0,0"; "--out"; outDir () ]
    let code, out, err = run args
    Assert.True((code = 0), out + err)
    let star = line "x* = " (unwrapped out)
    let code, json, err = run (args @ [ "--format"; "json" ])
    Assert.True((code = 0), json + err)
    let problem = JsonDocument.Parse(json).RootElement.GetProperty "problem"
    let mutable unused = Unchecked.defaultof<JsonElement>
    Assert.False(problem.TryGetProperty("targetXUnique", &unused))
    Assert.True(problem.GetProperty("targetXIsolated").GetBoolean())
    // The table says what JSON says about nearness.
    let nearest = problem.GetProperty("targetXNearest").GetBoolean()
    Assert.Equal(not nearest, star.Contains "a nearer one may exist")
