/// A new user's trial (stop26): (1) a run stranded on e^x's far-left plateau, where L = ½(e^x − 1)² is ½ in
/// doubles and ∂L/∂x underflowed to 0, had been "Converged … at a minimum" because the flat-direction probe
/// read only slopes, and its widest step x + ℓ lands exactly on x = 0, the true minimum, whose slope is 0
/// too; L there is 0, below ½: no minimum. A true floor (L constant at its global minimum) stays one.
/// (2) `units` (and the API's StepUnits) at a start outside the domain refuse it as compare does. (3) check's
/// property 10 at a stationary point with L of normal size (x + sin(x) at π) says so, not "bottom of doubles".
module PhysGrad.Properties.Stop26

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))

let private notAMinimum (r: OptimizerRun) =
    Assert.NotEqual(StopReason.Converged, r.StopReason)
    Assert.NotEqual(StationaryKind.Minimum, r.Exit.Curvature.Kind)
    Assert.DoesNotContain("a minimum that is not strict", r.StopDetail)

// ---- 1. e^x's far-left plateau is no minimum; a floor at the global minimum is one ----

[<Fact>]
let ``gd on exp(x0) to 1 from 5 with the trial's steps strands far left and is not called converged`` () =
    // ∂L/∂x = (e^x − 1)e^x = 21878.4 at 5, so one step of η = 10 lands at −218776 and of η = 0.05 at −1088.9,
    // both below −745.13 where e^x is 0 in doubles: L = ½ and ∇L = 0 exactly, while L(0) = 0.
    for eta, expected in [ 10.0, -218776.0; 0.05, -1088.9 ] do
        let c = problem "exp(x0)" [| 1.0 |] [| 5.0 |]
        let r = Optimizer.Run(c, Method.GradientDescent, eta, [| 5.0 |], 10)
        Assert.InRange(r.Final.[0], expected - 1.0, expected + 1.0)
        Assert.Equal(0.5, r.FinalLoss)
        notAMinimum r
        Assert.Equal(StopReason.StationaryNonMinimum, r.StopReason)
        Assert.Contains("not a minimum", r.StopDetail)

[<Property(MaxTest = 40)>]
let ``from any start on exp(x0)'s far-left plateau no method's stop is a minimum`` (k: int) =
    // Starts from −746 to −10⁶ (log-spread), where e^x = 0 in doubles: L = ½ on the whole plateau, L = 0 at 0.
    // The step sizes cover the trial's (0.05, 10) and more; the verdict does not depend on them (∇L = 0).
    let start = -746.0 * Math.Pow(10.0, float (abs (k % 1000)) / 1000.0 * 3.13)
    let eta = [| 0.01; 0.05; 1.0; 10.0; 1000.0 |].[abs (k % 5)]
    let c = problem "exp(x0)" [| 1.0 |] [| start |]
    for m in [ Method.GradientDescent; Method.Newton ] do
        let r = Optimizer.Run(c, m, eta, [| start |], 5)
        notAMinimum r
        // Undecided where the probes see only the plateau and L = 0 at x + ℓ = 0; a maximum (non-strict, of
        // L in doubles) where the +10⁻²·ℓ probe already reaches past −745.13 and sees L fall there.
        Assert.Equal(StopReason.StationaryNonMinimum, r.StopReason)

[<Fact>]
let ``the CLI's compare of the trial says StationaryNonMinimum where it said Converged at a minimum`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "exp(x0)"; "--target"; "1"; "--start"; "5"; "--methods"; "gd:10"
                  "--out"; IO.Path.Combine(IO.Path.GetTempPath(), sprintf "physgrad-stop26-%d" Environment.ProcessId) ]
    Assert.Equal("", err)
    Assert.Equal(0, code)
    let flat = TestHelpers.unwrapped out
    // The stop column holds the reason, the note under the table the whole stop (compare's one layout, tables29).
    Assert.Contains("Stop of gd: stationary, not a minimum:", flat)
    Assert.DoesNotContain("converged", flat)
    Assert.DoesNotContain("not strict", flat)
    // The probe that saw it: L = 0 at x + 2.19E+05 = 0, below L = ½ at x.
    Assert.Contains("L = 0 at +2.19E+05 along a flat direction, below L = 0.5 here", flat)

[<Property(MaxTest = 100)>]
let ``a floor at the global minimum stays a converged minimum that is not strict`` (k: int) =
    // `x0 + x1; x0 + x1` with y* = (1, 3) (the README's valley): L = ½(s − 1)² + ½(s − 3)² = (s − 2)² + 1 for
    // s = x0 + x1, its minimum 1 on the whole line s = 2 (a degenerate minimum: Hessian eigenvalues 4 and 0),
    // from dyadic points (a, 2 − a), exact in doubles. A shifted ReLU (u + |u|)/2, u = x0 − 1, with y* = −1 gives
    // L = ½ for every x0 ≤ 1 (a loss constant on a half-line, its global minimum, as ReLU ≥ 0); from x0 < 0
    // every probe, near or out to x0 ± |x0|, stays left of the kink at 1. Minima above 0, so no loss tolerance
    // stops the runs; ∇L = 0 at the start and the probes see no slope and no change of L: Converged.
    let a = float (k % 4001) / 16.0
    let line = Optimizer.Run(problem "x0 + x1; x0 + x1" [| 1.0; 3.0 |] [| a; 2.0 - a |], Method.GradientDescent, 0.1, [| a; 2.0 - a |], 5)
    Assert.Equal(1.0, line.FinalLoss)
    let s = -(1.0 + abs a)
    let relu = Optimizer.Run(problem "(x0 - 1 + abs(x0 - 1))/2" [| -1.0 |] [| s |], Method.GradientDescent, 0.1, [| s |], 5)
    Assert.Equal(0.5, relu.FinalLoss)
    for r in [ line; relu ] do
        Assert.True((r.StopReason = StopReason.Converged), sprintf "%A: %s" r.StopReason r.StopDetail)
        Assert.Equal(StationaryKind.Minimum, r.Exit.Curvature.Kind)
        Assert.Contains("no slope and no change of L on either side at any scale), a minimum that is not strict", r.StopDetail)

[<Fact>]
let ``Curvature.Classify given L reads a lower L on a slope-free plateau as no minimum, and without L as before`` () =
    // L(x) = ½ for x < 0 and 0 at x ≥ 0 as a step, slope 0 everywhere: at −1 the wide probe's x + 1 = 0 sees L = 0.
    let lossAt = Func<float[], float>(fun p -> if p.[0] < 0.0 then 0.5 else 0.0)
    let zero = Func<float[], float[]>(fun p -> Array.zeroCreate p.Length)
    let hessian = [| 0.0 |]
    let told = Curvature.Classify([| -1.0 |], ReadOnlySpan hessian, zero, 0.0, lossAt)
    Assert.Equal(StationaryKind.Undecided, told.Kind)
    Assert.Contains("L = 0 at +1 along a flat direction, below L = 0.5 here: not a minimum", told.Detail)
    let free = Curvature.ClassifyMatrixFree([| -1.0 |], Action<float[], float[]>(fun _ w -> w.[0] <- 0.0), zero, lossAt = lossAt)
    Assert.Equal(StationaryKind.Undecided, free.Kind)
    // Without L (the old call), slopes alone cannot see the step: a floor.
    Assert.Equal(StationaryKind.Minimum, Curvature.Classify([| -1.0 |], ReadOnlySpan hessian, zero).Kind)
    // L higher out there (x ≥ 0 costs more), and nothing lower: a slope like any other, undecided, not "no minimum".
    let higher = Func<float[], float>(fun p -> if p.[0] < 0.0 then 0.5 else 1.0)
    let c = Curvature.Classify([| -1.0 |], ReadOnlySpan hessian, zero, 0.0, higher)
    Assert.Equal(StationaryKind.Undecided, c.Kind)
    Assert.Contains("L = 1 at +1 along a flat direction, above L = 0.5 here", c.Detail)
    Assert.DoesNotContain("not a minimum", c.Detail)

// ---- 2. units at a start outside the domain is refused as compare refuses it ----

[<Fact>]
let ``units at a start outside the domain exits 2 with compare's message, and StepUnits throws compare's exception`` () =
    let given = [ "--simulator"; "sqrt(x0)"; "--start"; "-1"; "--target"; "1" ]
    let code, out, err = Cli.run ([ "units"; "--unit"; "x0=m" ] @ given)
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("The start [-1] is outside the domain of the problem: y0 = sqrt(x0) is undefined there: x0 ≥ 0 for sqrt(x0) fails (x0 = -1).", TestHelpers.unwrapped err)
    let compareCode, _, compareErr = Cli.run ([ "compare" ] @ given)
    Assert.Equal(2, compareCode)
    // The same message; each command's closing line points at its own help.
    Assert.Equal(compareErr.Replace("physgrad compare --help", "physgrad units --help"), err)
    Assert.Contains("Run 'physgrad units --help'", err)
    // The API: the same exception type and message as a comparison from that start.
    let p = PhysicsProblem.FromText("sqrt(x0)", [| 1.0 |], [| -1.0 |]).WithUnits(readOnlyDict [ "x0", "m" ])
    let units = Assert.Throws<SymbolicException>(fun () -> p.StepUnits() |> ignore)
    let compared = Assert.Throws<SymbolicException>(fun () -> p.CompareMethods([| struct (Method.GradientDescent, 0.1) |]) |> ignore)
    Assert.Equal(compared.Message, units.Message)
    Assert.Contains("outside the domain", units.Message)
    // Inside the domain it measures as before.
    Assert.True(PhysicsProblem.FromText("sqrt(x0)", [| 1.0 |], [| 4.0 |]).WithUnits(readOnlyDict [ "x0", "m" ]).StepUnits().Applicable)

// ---- 3. property 10 at a stationary point says stationary point ----

[<Fact>]
let ``property 10 at x + sin(x) at pi is undef as a stationary point, not as the bottom of doubles`` () =
    // J = 1 + cos(π) = 0 exactly in doubles (cos(π) = −1), so ∇L = J·(π − 4) = 0 while L = ½(π − 4)² = 0.368.
    let p = PhysicsProblem.FromText("x0 + sin(x0)", [| 4.0 |], [| Math.PI |])
    let p10 = p.Check() |> Seq.find (fun r -> r.Property = 10)
    Assert.Equal(CheckVerdict.Undefined, p10.Verdict)
    Assert.Contains("x is a stationary point of L", p10.Detail)
    Assert.Contains(sprintf "L = %s of normal size" (NumberText.Short(0.5 * (Math.PI - 4.0) ** 2.0, 3)), p10.Detail)
    Assert.DoesNotContain("bottom of doubles", p10.Detail)
    Assert.DoesNotContain("measured with P and y* times", p10.Detail)
    // e^x at −800: ∇L = 0 only as doubles (−e⁻⁸⁰⁰ beyond their range): an underflow, said so.
    let e = PhysicsProblem.FromText("exp(x0)", [| 1.0 |], [| -800.0 |]).Check() |> Seq.find (fun r -> r.Property = 10)
    Assert.Equal(CheckVerdict.Undefined, e.Verdict)
    Assert.Contains("∂L/∂x underflowed", e.Detail)
    Assert.DoesNotContain("stationary point", e.Detail)
    // The CLI shows the API's detail.
    let _, out, _ = Cli.run [ "check"; "--simulator"; "x0 + sin(x0)"; "--at"; "3.141592653589793"; "--target"; "4" ]
    Assert.Contains("x is a stationary point of L", out.Replace("\r", "").Replace("\n      ", " "))

[<Fact>]
let ``on a grid of points no floor of the valley or the ReLU is called anything but a minimum, and no plateau point of exp one`` () =
    // The properties above on a fixed grid (deterministic, every point checked): the valley's points (a, 2 − a)
    // for a = k/16 from −250 to 250 and out to 10⁸, the ReLU's floor at −(1 + |a|), and 1000 starts on e^x's
    // plateau from −746 to −10⁶. L's rounding grows with x² on the valley (L = 1 + 2.8E-14 at a probe from
    // −231.5): no such rounding may read as a change of L.
    let c1 = problem "x0 + x1; x0 + x1" [| 1.0; 3.0 |] [| 0.0; 2.0 |]
    let c2 = problem "(x0 - 1 + abs(x0 - 1))/2" [| -1.0 |] [| -1.0 |]
    let c3 = problem "exp(x0)" [| 1.0 |] [| -800.0 |]
    let bad = ResizeArray()
    for k in [ yield! [ -4000 .. 4000 ]; yield! [ for j in 0 .. 400 -> int (Math.Round(160000.0 * Math.Pow(10.0, float j / 100.0))) ] ] do
        let a = float k / 16.0
        let line = Optimizer.Run(c1, Method.GradientDescent, 0.1, [| a; 2.0 - a |], 5)
        let relu = Optimizer.Run(c2, Method.GradientDescent, 0.1, [| -(1.0 + abs a) |], 5)
        for r in [ line; relu ] do
            if r.StopReason <> StopReason.Converged || not (r.StopDetail.Contains "not strict") then bad.Add(sprintf "valley/ReLU at a = %g: %s" a r.StopDetail)
    for k in 0 .. 999 do
        let start = -746.0 * Math.Pow(10.0, float k / 1000.0 * 3.13)
        for m in [ Method.GradientDescent; Method.Newton ] do
            let r = Optimizer.Run(c3, m, 0.1, [| start |], 5)
            if r.StopReason <> StopReason.StationaryNonMinimum || r.Exit.Curvature.Kind = StationaryKind.Minimum then bad.Add(sprintf "exp %g %s" start r.StopDetail)
    Assert.True(bad.Count = 0, sprintf "%d: %s" bad.Count (String.Join("\n", bad |> Seq.truncate 5)))
