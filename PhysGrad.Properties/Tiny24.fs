/// Values at tiny scales (tiny24): a loss, a norm or a singular value that underflows doubles is carried or
/// measured scaled, never read as 0. The same problem written at scales 1E-300 … 1E-100 gets the decisions it
/// gets at scale 1: the same singular values kept, the same runs, its loss printed and drawn at its size, the same
/// generated target and the same verdict of check's property 10.
module PhysGrad.Properties.Tiny24

open System
open System.Globalization
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

/// 10^-k for k in 100 … 300: the scales the trial's faults appeared at.
let private tinyExponent = Gen.choose (100, 300) |> Arb.fromGen

let private scaleOf (k: int) = Double.Parse($"1e-{k}", CultureInfo.InvariantCulture)

// ---- HIG: a singular value is dropped by the relative rule only, at any scale ----

let private spectral (j: float[,]) kappa =
    let g = [| 1.0; -2.0; 0.5 |]
    let result = Array.zeroCreate (Array2D.length2 j)
    let kept = LinearAlgebra.SpectralProduct(j, g, kappa, 1e-3, result)
    kept, result

let private norm (v: float[]) = CompiledProblem.Norm(ReadOnlySpan v, v.Length)

[<Property(MaxTest = 60)>]
let ``s·J keeps the singular values J keeps and its step is s^κ times J's, for s from 1E-300 to 1E-100`` () =
    // σ_min/σ_max of J is about 1/8, far above τ = 1E-3: every scale keeps both, as scale 1 does.
    let j = array2D [ [ 1.0; 0.5 ]; [ 0.0; 6.0 ]; [ 0.2; 0.1 ] ]
    Prop.forAll tinyExponent (fun k ->
        let s = scaleOf k
        [ -0.5; -1.0; 1.0 ]
        |> List.forall (fun kappa ->
            let kept1, step1 = spectral j kappa
            let kept, step = spectral (Array2D.map (fun v -> v * s) j) kappa
            // s·J is J times s rounded entry by entry (relative 1E-16): the step agrees to far better than 1E-10.
            let expected = step1 |> Array.map (fun v -> v * Math.Pow(s, kappa))
            let off = norm (Array.map2 (-) step expected) / norm expected
            kept1 = 2 && kept = kept1 && off < 1e-10))

[<Fact>]
let ``HIG keeps both singular values of J = diag(1E-200, 6E-200) (σ_min/σ_max = 1/6 ≫ τ)`` () =
    // MathNet's SVD gave σ = [6E-200, 0] for it: "1 singular value of J dropped".
    let kept, step = spectral (array2D [ [ 1e-200; 0.0 ]; [ 0.0; 6e-200 ]; [ 0.0; 0.0 ] ]) -0.5
    Assert.Equal(2, kept)
    // V Σ^(-1/2) Uᵀ g: g₀/√σ₀ and g₁/√σ₁.
    Assert.Equal(1.0 / sqrt 1e-200, step.[0], 1e-12 / sqrt 1e-200)
    Assert.Equal(-2.0 / sqrt 6e-200, step.[1], 1e-12 / sqrt 6e-200)

// ---- compare: runs, losses, table and loss plot at a tiny scale ----

/// The trial's problem P = s·[x0, x1²] towards s·[1, 4] from [3, 3], as text at scale s = 1E-k (k = 0: scale 1).
let private definition (k: int) =
    let s = if k = 0 then "1" else $"1e-{k}"
    ProblemDefinition([| "x0"; "x1" |], [| $"{s}*x0"; $"{s}*x1^2" |], null, [| 1.0 * (if k = 0 then 1.0 else scaleOf k); 4.0 * (if k = 0 then 1.0 else scaleOf k) |], [| 3.0; 3.0 |])

let private methods =
    [| struct (Method.PhysicalGradient, 0.3); struct (Method.InverseGradient, 0.3); struct (Method.GaussNewton, 0.3); struct (Method.HalfInverseGradient, 0.3) |]

let private compare (k: int) =
    let problem = PhysicsProblem.From(definition k)
    problem, problem.Compare(methods, 10) |> Seq.map (fun r -> r.Run) |> Array.ofSeq

/// log₁₀ of a number printed as "m.mmmE±ddd" (or a plain double), read without going through a double for its size.
let private log10Of (text: string) =
    match text.Split('E') with
    | [| m; e |] -> Math.Log10(Double.Parse(m, CultureInfo.InvariantCulture)) + float (Int32.Parse(e, CultureInfo.InvariantCulture))
    | _ -> Math.Log10(Double.Parse(text, CultureInfo.InvariantCulture))

[<Property(MaxTest = 6)>]
let ``pg, ig and gn run at scale s as at scale 1, and their loss is s² times it, printed at its size`` () =
    let _, ones = compare 0
    Prop.forAll tinyExponent (fun k ->
        let _, runs = compare k
        let twoLog = 2.0 * Math.Log10(scaleOf k)
        Array.zip ones runs
        |> Array.take 3
        |> Array.forall (fun (one, run) ->
            let sameEnd = Array.forall2 (fun (a: float) b -> abs (a - b) <= 1e-9 * abs a) one.Final run.Final
            let loss = run.FinalLossLog10
            // The table's text is the loss (3.2E-400), never 0: its logarithm is the run's.
            let text = RunReport.FormatLoss run
            run.StopReason = one.StopReason && sameEnd
            && abs (loss - (one.FinalLossLog10 + twoLog)) < 1e-6
            && abs (log10Of text - loss) < 1e-4))

[<Fact>]
let ``hig at 1E-200 steps on both components, with no singular value dropped`` () =
    let _, runs = compare 200
    let hig = runs.[3]
    Assert.Empty(hig.Fallbacks)
    Assert.All(hig.FirstStep, fun v -> Assert.NotEqual(0.0, v))

[<Fact>]
let ``the loss plot at 1E-200 draws each run's losses at their size on a log axis, never "L = 0"`` () =
    let problem, runs = compare 200
    let loss = TrajectoryPlots.Figures(runs, problem.Compiled, problem.Definition) |> Seq.find (fun f -> f.Name = "loss")
    let plot = loss.Panels.[0]
    Assert.DoesNotContain("L = 0", plot.Axes.Title.Label.Text)
    Assert.Equal("L (log scale)", plot.Axes.Left.Label.Text)
    // The axis spans the losses' logarithms, about −399 down to −402, not 0.
    let limits = plot.Axes.GetLimits()
    let lows = runs |> Array.map (fun r -> r.FinalLossLog10)
    let highs = runs |> Array.map (fun r -> r.LossLog10 0)
    Assert.InRange(Array.min lows, limits.Bottom, limits.Top)
    Assert.InRange(Array.max highs, limits.Bottom, limits.Top)

[<Fact>]
let ``compare's JSON gives a loss below doubles as null with its log10, and the table prints it at its size`` () =
    let args = [ "compare"; "--simulator"; "1e-200*x0; 1e-200*x1^2"; "--target"; "1e-200,4e-200"; "--start"; "3,3"; "--methods"; "pg:0.3" ]
    let out = IO.Path.Combine(IO.Path.GetTempPath(), $"tiny24-{Environment.ProcessId}")
    let code, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; out ])
    Assert.True((code = 0), err)
    let pg = (Text.Json.JsonDocument.Parse json).RootElement.GetProperty("methods").[0]
    Assert.Equal(Text.Json.JsonValueKind.Null, pg.GetProperty("finalLoss").ValueKind)
    // ½‖P(x) − y*‖² at the final point, formed in Wide from the residual.
    let final = [| for v in pg.GetProperty("final").EnumerateArray() -> v.GetDouble() |]
    let residual = [| 1e-200 * final.[0] - 1e-200; 1e-200 * final.[1] * final.[1] - 4e-200 |]
    let wide = (residual |> Array.map (fun r -> Wide.Of r * Wide.Of r) |> Array.reduce (+)) / Wide.Of 2.0
    Assert.True(wide.OutsideDoubles, wide.ToString())
    Assert.Equal(wide.Log10, pg.GetProperty("finalLossLog10").GetDouble(), 6)
    let code, table, err = Cli.run (args @ [ "--out"; out ])
    Assert.True((code = 0), err)
    let row = table.Split('\n') |> Array.find (fun l -> l.StartsWith "pg")
    Assert.Contains($"  {wide.Scientific 6}  ", row)
    Assert.DoesNotContain("0.00000", row)

[<Fact>]
let ``compare's CSV and JSON carry a loss below doubles as the table does, never 0`` () =
    // The same run: every loss of pg from [3, 3] is ½‖s·(r0, r1)‖² with s = 1E-200, from 1.45E-399 down to about
    // 1E-402, all 0 or subnormal as doubles. The CSV wrote them as 0 (its carried rule was for +∞ only).
    let args = [ "compare"; "--simulator"; "1e-200*x0; 1e-200*x1^2"; "--target"; "1e-200,4e-200"; "--start"; "3,3"; "--methods"; "pg:0.3" ]
    let out = IO.Path.Combine(IO.Path.GetTempPath(), $"tiny24-csv-{Environment.ProcessId}")
    let lossOf (x0: float) (x1: float) =
        let residual = [| 1e-200 * x0 - 1e-200; 1e-200 * x1 * x1 - 4e-200 |]
        (residual |> Array.map (fun r -> Wide.Of r * Wide.Of r) |> Array.reduce (+)) / Wide.Of 2.0
    let code, csv, err = Cli.run (args @ [ "--format"; "csv"; "--out"; out ])
    Assert.True((code = 0), err)
    let rows = csv.Replace("\r", "").TrimEnd('\n').Split('\n').[1..]
    Assert.True(rows.Length > 1, csv)
    for row in rows do
        let f = row.Split(',')
        let parse (t: string) = Double.Parse(t, CultureInfo.InvariantCulture)
        let wide = lossOf (parse f.[3]) (parse f.[4])
        Assert.True(wide.OutsideDoubles && wide.E < 0, wide.ToString())
        // "m.mmmE-ddd" with the loss's logarithm to 10 significant digits, never 0 or a subnormal's few digits.
        Assert.Contains("E-", f.[7])
        Assert.True(abs (log10Of f.[7] - wide.Log10) < 1e-9, sprintf "%s: log10 %.12f, the loss's %.12f" f.[7] (log10Of f.[7]) wide.Log10)
    // The last row's loss is the table's, to its 6 digits.
    let last = rows.[rows.Length - 1].Split(',')
    let final = lossOf (Double.Parse(last.[3], CultureInfo.InvariantCulture)) (Double.Parse(last.[4], CultureInfo.InvariantCulture))
    Assert.True(final.Log10 < -400.0, final.ToString())
    let code, table, err = Cli.run (args @ [ "--out"; out ])
    Assert.True((code = 0), err)
    Assert.Contains($"  {final.Scientific 6}  ", table.Split('\n') |> Array.find (fun l -> l.StartsWith "pg"))
    // The JSON: no loss written as 0 (null where the double is not the loss), each one's size in finalLossLog10's terms.
    let code, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; out ])
    Assert.True((code = 0), err)
    let pg = (Text.Json.JsonDocument.Parse json).RootElement.GetProperty("methods").[0]
    Assert.All(pg.GetProperty("losses").EnumerateArray(), fun l -> Assert.Equal(Text.Json.JsonValueKind.Null, l.ValueKind))
    Assert.Equal(Text.Json.JsonValueKind.Null, pg.GetProperty("finalLoss").ValueKind)
    Assert.Equal(final.Log10, pg.GetProperty("finalLossLog10").GetDouble(), 9)

// ---- check: the generated target and property 10 ----

[<Property(MaxTest = 20)>]
let ``the generated target at scale s is s times scale 1's, said in the same words`` () =
    let at = [| 0.6; 0.7 |]
    let one = (definition 0).GenerateTarget at
    Prop.forAll tinyExponent (fun k ->
        let s = scaleOf k
        let target = (definition k).GenerateTarget at
        // "‖y* − P(x)‖ = 0.143·‖P(x)‖", never "= 0 (the largest change of P among the moves tried …)".
        target.How = one.How
        && Array.forall2 (fun (a: float) b -> abs (b - a * s) <= 1e-12 * abs (a * s)) (Array.ofSeq one.Target) (Array.ofSeq target.Target))

let private problemAt (k: int) =
    let s = if k = 0 then 1.0 else scaleOf k
    let text = if k = 0 then "1" else $"1e-{k}"
    // The generated target's move of check's header: x′ = [0.66, 0.63].
    Problem.Create([| "x0"; "x1" |], Parse.many $"{text}*x0; {text}*x1^2", null, [| 0.66 * s; 0.63 * 0.63 * s |], [| 0.6; 0.7 |], null, true)

[<Property(MaxTest = 10)>]
let ``property 10's verdict at scale s is scale 1's, never "∇L = 0" where ∇L only underflowed`` () =
    let one = TheoryChecks.GradientDescentLossChange(problemAt 0)
    Prop.forAll tinyExponent (fun k ->
        let tiny = TheoryChecks.GradientDescentLossChange(problemAt k)
        (tiny.Verdict = one.Verdict && not (tiny.Detail.Contains "∇L = 0 at"))
        |> Prop.label $"scale 1: {one.Verdict} ({one.Detail}); 1E-{k}: {tiny.Verdict} ({tiny.Detail})")
