/// Stop verdicts agree across methods (verdicts31b). lm's zero step on `x0^4 - 2*x0^2` towards −1.5 stopped at
/// x = 1 − 2.6E-9 "stalled: … the point is not stationary" by the relative gradient test (∂L/∂x = −1.04E-08 against 10⁻¹² of L),
/// where newton and bfgs call the same point, to rounding, "converged at a minimum": moving to the minimum lowers L by 1.4E-17,
/// below L's rounding, so ∂L/∂x is what rounding of L explains there. Every final verdict now asks one test, Stepper.NotStationary.
module PhysGrad.Properties.Verdicts31b

open System
open System.Globalization
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.VerdictHelpers

/// A run's final classification: what kind of point it says it ended at, or None for a run that ended at no point
/// (iteration limit, divergence, a failed solve, a step out of the domain).
let private classification (r: OptimizerRun) =
    let kind () =
        match r.Exit.Curvature with
        | null -> None
        | c -> Some c.Kind
    match r.StopReason with
    | StopReason.Converged -> Some "minimum"
    | StopReason.StationaryNonMinimum ->
        match kind () with
        | Some StationaryKind.Undecided | None -> Some "stationary"
        | Some k -> Some(string k)
    | StopReason.Stalled ->
        match kind () with
        | Some (StationaryKind.Saddle | StationaryKind.Maximum as k) -> Some(string k)
        | _ -> Some "not stationary"
    | _ -> None

let private quarticMethods = [ Method.Newton, 1.0 / 3.0; Method.Bfgs, 1.0; Method.LevenbergMarquardt, 1.0 ]

[<Theory>]
[<InlineData(0.5)>]
[<InlineData(2.0)>]
let ``lm ends x0^4 - 2*x0^2 towards -1.5 at the minimum newton and bfgs reach, with their verdict`` (start: float) =
    let p = problem "x0^4 - 2*x0^2" [| -1.5 |] [| start |]
    let runs = [ for m, eta in quarticMethods -> m, Optimizer.Run(p, m, eta, [| start |], 200) ]
    for m, r in runs do
        Assert.True(abs (r.Final[0] - 1.0) <= 1e-7, $"{m}: x = {r.Final[0]:R}")
        Assert.True((r.StopReason = StopReason.Converged), $"{m}: {r.StopReason}: {r.StopDetail}")
        Assert.Contains("at a minimum", r.StopDetail)
        Assert.DoesNotContain("not stationary", r.StopDetail)

[<Fact>]
let ``compare: lm's stop on x0^4 - 2*x0^2 says converged at a minimum, not stalled`` () =
    let code, out, _ =
        Cli.run [ "compare"; "--simulator"; "x0^4 - 2*x0^2"; "--target"; "-1.5"; "--start"; "0.5"; "--methods"; "newton,bfgs,lm"
                  "--iterations"; "200"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), $"physgrad-verdicts31b-{Environment.ProcessId}") ]
    let text = flat out
    // The iteration is the trajectory's (12 before lm's residual form and geodesic steps, 15 since); the verdict is the test.
    Assert.Matches("Stop of lm: converged: step length 0 ≤ 0 at iteration [0-9]+, at a minimum", text)
    Assert.DoesNotContain("not stationary", text)
    Assert.Equal(0, code)

/// `x0^4 - 2*a*x0^2` towards −(a² + d): the target is below P's least value −a², so L's minima are at x0 = ±√a, where
/// J = 0 and the residual d stays: the zero-residual rules' last steps stop within √ε of the minimum, where ∂L/∂x is
/// of size √ε·|r|·P'' while L's change is below its rounding. a in [0.3, 3], d in [0.05, 2], the start between 0.55√a and
/// 1.9√a (inside the basin of +√a, off the maximum at 0).
let private quartics =
    gen {
        let! a = Gen.choose (30, 300)
        let! d = Gen.choose (5, 200)
        let! s = Gen.choose (55, 190)
        return float a / 100.0, float d / 100.0, float s / 100.0
    }
    |> Arb.fromGen

[<Property(MaxTest = 40)>]
let ``runs of different methods that end within rounding of the same point are classified alike`` () =
    Prop.forAll quartics (fun (a, d, s) ->
        let inv (v: float) = v.ToString("R", CultureInfo.InvariantCulture)
        let start = [| s * sqrt a |]
        let p = problem $"x0^4 - 2*{inv a}*x0^2" [| -(a * a + d) |] start
        let ended =
            [ for m, eta in quarticMethods do
                  let r = Optimizer.Run(p, m, eta, start, 300)
                  match classification r with
                  | Some c -> yield m, r, c
                  | None -> () ]
        // "Within rounding of the same point": 10⁻⁶ relative, far wider than the √ε ≈ 1.5E-8 at which a run's last step
        // stops at these minima, far narrower than the distance 2√a ≥ 1.09 between the two minima.
        for m1, r1, c1 in ended do
            for m2, r2, c2 in ended do
                if abs (r1.Final[0] - r2.Final[0]) <= 1e-6 * max 1.0 (abs r1.Final[0]) then
                    Assert.True((c1 = c2),
                        $"a = {inv a}, d = {inv d}, start {inv start[0]}: {m1} says {c1} ({r1.StopDetail}) at x = {inv r1.Final[0]}, " +
                        $"{m2} says {c2} ({r2.StopDetail}) at x = {inv r2.Final[0]}"))
