/// Faults of new-user trial 30 (b), fixed as kinds: a run whose x ran off (gd at η = 0.01 on a curvature of
/// ~1E+12) was told its loss overflowed alone and to rescale its outputs; a decimal exponent the user wrote
/// (x0^2.5) printed its derivative's exponent as a fraction (x0^(3/2)); diff's LaTeX was bare lines, not an
/// environment to paste; the legend of two seeds named the drawn mean a median.
module PhysGrad.Properties.Trial30

open System
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

let private run = Cli.run

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))

// ---- 1. a blow-up is said as one, an overflow of L alone as that ----

[<Fact>]
let ``gd whose x runs off to 1E+104 blew up: eta is too large for the curvature, not an overflow of L alone`` () =
    // ∂²L/∂x0² = 1E+12: η = 0.01 multiplies the error by about −1E+10 per step, x1 goes from 0.5 past 1E+100.
    let c = problem "1e6*x0 + x1; 1e-6*x1^2" [| 1.0; 1e-6 |] [| 0.0; 0.5 |]
    let gd = Optimizer.Run(c, Method.GradientDescent, 0.01, [| 0.0; 0.5 |], 100)
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    let detail = TestHelpers.unwrapped gd.StopDetail
    Assert.DoesNotContain("did not blow up", detail)
    Assert.DoesNotContain("rescale the outputs", detail)
    Assert.Contains("the run blew up: max |xᵢ| grew from 0.5 at the start to", detail)
    Assert.Contains("η = 0.01 is too large for the curvature", detail)

[<Fact>]
let ``a loss that overflows where x stays at its start is still said to overflow alone`` () =
    // y = x0 from 1 towards 1E+200: L ≈ 5E+399 overflows at the start, x never moves.
    let c = problem "x0" [| 1e200 |] [| 1.0 |]
    let gd = Optimizer.Run(c, Method.GradientDescent, 0.01, [| 1.0 |], 5)
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    Assert.Contains("the run did not blow up", gd.StopDetail)
    Assert.DoesNotContain("blew up", gd.StopDetail)

// ---- 2. a decimal exponent stays a decimal ----

[<Theory>]
[<InlineData("x0^2.5", "text", "x0^1.5")>]
[<InlineData("x0^2.5", "latex", "x_{0}^{1.5}")>]
[<InlineData("x0^2.5", "csharp", "Math.Pow(x0, 1.5)")>]
[<InlineData("x0^1.25", "text", "x0^0.25")>]
[<InlineData("x0^1.2", "text", "x0^0.2")>]
let ``derive keeps a decimal exponent the user wrote a decimal in its rule's exponents`` (simulator: string, format: string, expected: string) =
    let code, out, err = run [ "derive"; "--simulator"; simulator; "--methods"; "gd"; "--format"; format ]
    Assert.True((code = 0), err)
    Assert.Contains(expected, out)
    Assert.DoesNotContain("/2)", out)
    Assert.DoesNotContain("/4)", out)
    Assert.DoesNotContain("/5)", out)
    Assert.DoesNotContain("\\frac{3}{2}", out)

[<Fact>]
let ``an exponent written as a fraction stays a fraction`` () =
    let code, out, err = run [ "derive"; "--simulator"; "x0^(5/2)"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.Contains("x0^(3/2)", out)
    Assert.DoesNotContain("1.5", out)

// ---- 3. diff's LaTeX pastes as derive's does ----

/// Every line that is no comment lies inside an align environment, and the environments open and close in turn.
let private insideAlign (out: string) =
    let mutable depth = 0
    for line in out.Split('\n') |> Array.map (fun l -> l.TrimEnd '\r') |> Array.filter (fun l -> l.Trim() <> "") do
        if line.StartsWith "\\begin{align}" then
            Assert.Equal(0, depth)
            depth <- 1
        elif line.StartsWith "\\end{align}" then
            Assert.Equal(1, depth)
            depth <- 0
        elif not (line.TrimStart().StartsWith "%") then
            Assert.True((depth = 1), $"outside an align environment: {line}")
    Assert.Equal(0, depth)

[<Fact>]
let ``diff's LaTeX is align environments, each equation lhs &= rhs, at a point too`` () =
    let code, out, err = run [ "diff"; "-f"; "100*(y - x^2)^2 + (1 - x)^2"; "--vars"; "x,y"; "--order"; "2"; "--at"; "1,1"; "--format"; "latex" ]
    Assert.True((code = 0), err)
    insideAlign out
    Assert.Contains("  f &= ", out)
    Assert.Contains("\\nabla^{2} f &= \\begin{pmatrix}", out)
    Assert.Contains("\\nabla^{2} f\\left(1, 1\\right) &= \\begin{pmatrix}", out)
    Assert.Equal(2, out.Split("\\begin{align}").Length - 1)
    let code, out, err = run [ "diff"; "-f"; "x^2*y + sin(y)"; "--vars"; "x,y"; "--format"; "latex" ]
    Assert.True((code = 0), err)
    insideAlign out
    Assert.Contains("\\frac{\\partial f}{\\partial x} &= ", out)

// ---- 5. the legend names the drawn line as the title does ----

let private history (method: TrainingMethod) seed (losses: float list) =
    let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, 0.1, 256), seed, points, 0L, false)

[<Fact>]
let ``with 2 seeds the legend says the mean line leaves the plot, as the title calls the line a mean`` () =
    // Adam flat at 0.1 in both seeds; GN at 1 with a spike to 1E+09 at steps 10 and 20 in both, so the line leaves.
    let runs =
        [| for s in 1 .. 2 do
               yield history TrainingMethod.Adam s (List.replicate 11 0.1)
               yield history TrainingMethod.GaussNewton s ([ 1.0; 1e9; 1e9 ] @ List.replicate 8 1.0) |]
    let plot = Training.Plots(runs, "test") |> Seq.pick (fun struct (n, p) -> if n = "loss-steps" then Some p else None)
    TestHelpers.rendered (fun () -> plot.GetImage(1400, 600)) |> ignore
    Assert.Contains("mean of 2 seeds (line)", plot.Axes.Title.Label.Text)
    let entry = plot.Legend.ManualItems |> Seq.map (fun i -> i.LabelText.Replace('\n', ' ')) |> Seq.find (fun l -> l.StartsWith "gn ")
    Assert.Contains("mean above the plot at steps 10–20, up to 1E+09", entry)
    Assert.DoesNotContain("median", entry)
