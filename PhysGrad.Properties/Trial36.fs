/// Round 36's closing trial: valid problems at extreme scales refused or misjudged, each checked as its kind.
module PhysGrad.Properties.Trial36

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open global.Xunit
open PhysGrad
open PhysGrad.Numerics

let private out36 = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-trial36")

// ---- A rewrite that only changes how a value is computed or printed never refuses the problem ----
// ½(1E-20·x0² + 1E+300·x1²) is finite, but the stable-form pass tried the ratio of its two terms (1E+320), the printer
// wrote a sum over one term's coefficient (1E+200 × 1E+200), the C# file's stable variant multiplied a sum out, and the
// sum's own canonical form tried to merge 1E+300·(1E+300·x1 − 2) with x1: each refused a problem whose rules and runs
// need no such constant. Now each such rewrite is skipped where its constants would leave doubles.

/// Two output scales 10^a and 10^b, a and b in [−300, 300], so that products and quotients of them span 10^±600.
type Scales = { A: int; B: int }

type ScalesArb =
    static member Case() =
        Arb.fromGen (gen {
            let! a = Gen.choose (-300, 300)
            let! b = Gen.choose (-300, 300)
            return { A = a; B = b } })

// The text the user writes for 10^k (a literal, as in the trial: 1e-10, 1e150).
let private literal (k: int) = sprintf "1e%d" k

[<Property(Arbitrary = [| typeof<ScalesArb> |], MaxTest = 30)>]
let ``IG, PG and GN on a diagonal simulator of any two scales land on the preimage in one full step`` (s: Scales) =
    let simulator = sprintf "%s*x0; %s*x1" (literal s.A) (literal s.B)
    // Start where both outputs are 2 and aim at 1: L = 1 at the start, finite whatever the scales.
    let start = [| 2.0 * Math.Pow(10.0, float -s.A); 2.0 * Math.Pow(10.0, float -s.B) |]
    let problem = PhysicsProblem.FromText(simulator, [| 1.0; 1.0 |], start)
    let comparison =
        problem.CompareMethods([| MethodSpec(Method.InverseGradient, 1.0); MethodSpec(Method.PhysicalGradient, 1.0); MethodSpec(Method.GaussNewton, 1.0) |], 1)
    comparison.Results
    |> Seq.forall (fun r ->
        let x = r.Run.Final
        // x* = (10^−a, 10^−b): the step halves x, exact in binary up to the parse's rounding of the literals.
        abs (x.[0] / (start.[0] / 2.0) - 1.0) < 1e-12 && abs (x.[1] / (start.[1] / 2.0) - 1.0) < 1e-12)
    |> Prop.label simulator

[<Property(Arbitrary = [| typeof<ScalesArb> |], MaxTest = 20)>]
let ``the closed-form rules of a diagonal simulator of any two scales print in text and C#`` (s: Scales) =
    let simulator = sprintf "%s*x0; %s*x1" (literal s.A) (literal s.B)
    [ "infix"; "csharp" ]
    |> List.forall (fun format ->
        let code, out, err = Cli.run [ "derive"; "--simulator"; simulator; "--target"; "1,1"; "--methods"; "ig,pg,gn"; "--format"; format ]
        // ig's rule is −η(x0 − 10^−a): the target's preimage written out.
        code = 0 && out.Contains "x0" && not (err.Contains "internal error"))
    |> Prop.label simulator

// The loss and its derivatives need no constant beyond doubles in these (1E+300 at most); only a ratio or a merge of
// two of their terms would. (A simulator whose squared coefficient leaves doubles, 1e200*x1 with target 0, has
// ∂L/∂x1 = 1E+400·x1: that one is refused, and says so.)
[<Theory>]
[<InlineData("1e-10*x0; 1e150*x1", "0,0")>]
[<InlineData("x0/1e100; 1e100*x1", "0,0")>]
[<InlineData("1e-300*x0^2 + x1; 1e300*x1", "1,2")>]
[<InlineData("1e-200*x0; 1e200*x1", "1,2")>]
let ``compare runs a problem whose loss is finite though its coefficients' ratios are not`` (simulator: string, target: string) =
    let code, out, err = Cli.run [ "compare"; "--simulator"; simulator; "--target"; target; "--start"; "1,1"; "--methods"; "ig,gn"; "--iterations"; "3"; "--out"; out36 ]
    Assert.True(code = 0 || code = 1, sprintf "exit %d: %s" code err)
    Assert.DoesNotContain("folds constants that overflow", err)
    Assert.Contains("ig ", out)

// ---- A σ the SVD cannot resolve is not an exact singularity ----

[<Fact>]
let ``hig on diag(1E-100, 1E+100) says J is badly scaled, not exactly singular; a J of rank 1 is still exactly singular`` () =
    let problem = PhysicsProblem.FromText("x0/1e100; 1e100*x1", [| 0.0; 1.0 |], [| 1.0; 0.0 |])
    let run = problem.Run(Method.HalfInverseGradient, 0.3, 1)
    let reason = (Seq.head run.Fallbacks).Reason
    Assert.Contains("J is not singular", reason)
    Assert.Contains("its rank is 2", reason)
    Assert.DoesNotContain("exactly singular", reason)
    // y0 = y1 = x0: J = [[1, 0], [1, 0]] has σ = (√2, 0) exactly.
    let singular = PhysicsProblem.FromText("x0 + 0*x1; x0", [| 1.0; 2.0 |], [| 1.0; 1.0 |], variables = [| "x0"; "x1" |])
    let run = singular.Run(Method.HalfInverseGradient, 0.3, 1)
    Assert.Contains("J is exactly singular there", (Seq.head run.Fallbacks).Reason)

// ---- A run that blew up, or that cannot hold its loss, says which ----

[<Fact>]
let ``gd where L and dL/dx overflow at the start is told to use the rules in y; hig that ran off is told it blew up`` () =
    let problem = PhysicsProblem.FromText("1e200*x0", [| 1e200 |], [| 0.0 |])
    let gd = problem.Run(Method.GradientDescent, 0.01, 5)
    Assert.Equal(StopReason.Diverged, gd.StopReason)
    Assert.Contains("the run did not blow up", gd.StopDetail)
    Assert.Contains("ig, pg, gn, hig", gd.StopDetail)
    let hig = problem.Run(Method.HalfInverseGradient, 0.3, 10)
    Assert.Equal(StopReason.Diverged, hig.StopReason)
    // x went from 0 to 9E+198 in two steps: said with the growth and what to do.
    Assert.Contains("the run blew up: max |xᵢ| grew from 0", hig.StopDetail)
    Assert.Contains("take a smaller η", hig.StopDetail)

// ---- A step that underflows is a stall, not a stationary point ----

[<Fact>]
let ``newton on x0^2 towards 0 stalls where dL/dx underflows, and says the point is not stationary`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 0.0 |], [| 1.0 |])
    let run = problem.Run(Method.Newton, 1.0, 2000)
    Assert.Equal(StopReason.Stalled, run.StopReason)
    // x shrinks by 2/3 a step (L = x⁴/2): at x ≈ 1E-108 ∂L/∂x = 2x³ is below the subnormals.
    Assert.InRange(run.Final.[0], 1e-110, 1e-106)
    Assert.Contains("not stationary", run.StopDetail)
    Assert.Contains("∂L/∂y = [1.02E-216]", run.StopDetail)

// ---- PG's rule over a decimal is written in it ----

[<Fact>]
let ``pg on 6.28318*sqrt(x0/g) is written over 6.28318, not over the integers it was cleared into`` () =
    let code, out, err = Cli.run [ "derive"; "--simulator"; "6.28318*sqrt(x0/g)"; "--param"; "g=9.81"; "--methods"; "pg" ]
    Assert.Equal(0, code)
    Assert.Contains("t1 = 6.28318*sqrt(x0/g)", out)
    Assert.Contains("Δx0 = g*(t1 - eta*(t1 - ys0))^2/39.4783509124 - x0", out)
    Assert.DoesNotContain("314159", out)

// ---- A cast integer is no method ----

[<Fact>]
let ``a value outside Method is refused as an argument out of range by rules, runs and comparisons`` () =
    let problem = PhysicsProblem.FromText("x0^2; x1", [| 1.0; 2.0 |], [| 1.0; 1.0 |])
    let bad = enum<Method> 99
    for act in [ (fun () -> problem.Rules(bad) |> ignore)
                 (fun () -> problem.Run(bad, 0.1) |> ignore)
                 (fun () -> problem.CompareMethods([| MethodSpec(bad, 0.1) |]) |> ignore) ] do
        let e = Assert.Throws<ArgumentOutOfRangeException>(act)
        Assert.Contains("99 is no Method", e.Message)
        Assert.Contains("Method.GradientDescent", e.Message)

// ---- Constants whose products leave doubles are kept apart where the problem's values do not ----
// ½(1E+200·x0)² (target 0) was distributed into 1E+400·x0², and its gradient 1E+200·(1E+200·x0) folded into 1E+400·x0:
// the run was refused although L = ½ and ∂L/∂x = 1E+200 at x0 = 1E-200. ½(1E-200·x0)² became 10^-400·x0², which the
// kernel computed as 0·∞ = NaN at x0 = 1E+200. Both are now kept in finite, nested factors.

/// A scale 10^k with 155 ≤ |k| ≤ 300: its square leaves the doubles' normal range.
type ExtremeScale = { K: int }

type ExtremeScaleArb =
    static member Case() =
        Arb.fromGen (gen {
            let! k = Gen.choose (155, 300)
            let! sign = Gen.elements [ -1; 1 ]
            return { K = sign * k } })

[<Property(Arbitrary = [| typeof<ExtremeScaleArb> |], MaxTest = 25)>]
let ``ig and gn on 10^k*x0; x1 towards 0 run from where y is 1, and L and its gradient are finite there`` (s: ExtremeScale) =
    let simulator = sprintf "%s*x0; x1" (literal s.K)
    let x0 = Math.Pow(10.0, float -s.K)
    let problem = PhysicsProblem.FromText(simulator, [| 0.0; 0.0 |], [| x0; 1.0 |])
    let comparison = problem.CompareMethods([| MethodSpec(Method.InverseGradient, 0.5); MethodSpec(Method.GaussNewton, 0.5) |], 2)
    comparison.Results
    |> Seq.forall (fun r ->
        // L₀ = ½(1 + 1) = 1 up to the literal's rounding; two half steps take y to y/4.
        let l0 = r.Run.Losses.[0]
        abs (l0 - 1.0) < 1e-12 && abs (r.Run.Final.[1] - 0.25) < 1e-12 && abs (r.Run.Final.[0] / x0 - 0.25) < 1e-12)
    |> Prop.label simulator

[<Fact>]
let ``a named method whose kernels leave doubles is refused by name, saying what to leave out`` () =
    let code, _, err = Cli.run [ "compare"; "--simulator"; "1e200*x0"; "--target"; "0"; "--start"; "1e-200"; "--methods"; "newton,ig"; "--out"; out36 ]
    Assert.Equal(2, code)
    let err = TestHelpers.unwrapped err
    Assert.Contains("newton cannot run on this problem: Deriving the Hessian", err)
    Assert.Contains("Leave newton out of the methods to run the others", err)
    let code, out, err = Cli.run [ "compare"; "--simulator"; "1e200*x0"; "--target"; "0"; "--start"; "1e-200"; "--methods"; "ig:0.5"; "--iterations"; "3"; "--out"; out36 ]
    Assert.True(code = 0 || code = 1, err)
    // x0 = 1E-200·(1/2)³ after three half steps.
    Assert.Contains("[1.25000E-201]", out)

// ---- Verdicts a run cannot back are not given ----

[<Fact>]
let ``lm that cannot move where L is beyond doubles is not at a global minimum`` () =
    let problem = PhysicsProblem.FromText("exp(x0)", [| 1e300 |], [| 0.0 |])
    let run = problem.Run(Method.LevenbergMarquardt, 1.0, 20)
    Assert.NotEqual(StopReason.Converged, run.StopReason)
    Assert.DoesNotContain("global minimum", run.StopDetail)

[<Fact>]
let ``with one variable a stationary point that is neither a minimum nor a maximum is an inflection point`` () =
    let problem = PhysicsProblem.FromText("x0", [||], [| 0.0 |], loss = "y0^3 + 1")
    let run = problem.Run(Method.GradientDescent, 0.1, 10)
    Assert.Equal(StationaryKind.Saddle, run.Exit.Curvature.Kind)
    Assert.Contains("an inflection point", run.StopDetail)
    Assert.DoesNotContain("saddle", run.StopDetail)

[<Fact>]
let ``a printed product holds no name for an exponential beside the exponential that cancels it`` () =
    let code, out, _ = Cli.run [ "derive"; "--simulator"; "exp(x0*x1)/exp(-x1); x1/x1"; "--methods"; "newton" ]
    Assert.Equal(0, code)
    // Δx0 was -eta*t1*t2*t3*t4*exp(-t1*x1) with t2 = exp(t1*x1): t2·exp(−t1·x1) = 1.
    Assert.Contains("Δx0 = -eta*t1*t3*t4", out)
    Assert.DoesNotContain("exp(-t1*x1)", out)

[<Fact>]
let ``diff computes a derivative whose constants multiply beyond doubles inside out, and refuses such constants written side by side`` () =
    let code, out, err = Cli.run [ "diff"; "-f"; "(1e200*x)^2/2"; "--at"; "1e-200" ]
    Assert.Equal(0, code)
    Assert.Contains("f(x) = (1E+200*x)^2/2", out)
    Assert.Contains("df/dx = 1E+200*(1E+200*x)", out)
    // f = ½(1E+200·x)² = ½ and f′ = 1E+400·x = 1E+200 at x = 1E-200.
    Assert.Contains("f = 0.5\n", out.Replace("\r", ""))
    Assert.Contains("gradient = [1E+200]", out)
    Assert.Equal("", err)
    // Written by the user in one product, the constants are refused at their column, as before (EdgeScales22).
    let code, _, err = Cli.run [ "diff"; "-f"; "1e200*x^2*1e200" ]
    Assert.Equal(2, code)
    Assert.Contains("column 6", err)

[<Fact>]
let ``ig's fallback on a subnormal Jacobian says the solve had no finite result, not that J is one`` () =
    let problem = PhysicsProblem.FromText("1e-320*x0", [| 1.0 |], [| 1.0 |])
    let run = problem.Run(Method.InverseGradient, 0.3, 3)
    let reason = (Seq.head run.Fallbacks).Reason
    Assert.Contains("gave no finite Δx", reason)
    Assert.DoesNotContain("the Jacobian is non-finite input or result", reason)

// ---- Round 36's second trial ----

[<Fact>]
let ``a loss of the user's own that is 0 at an ordinary minimum is no underflow`` () =
    // L = y0 = x0² + x0³ is 0 at x0 = 0 with ∂L/∂y = 1: a strict local minimum, not a loss that underflowed.
    let problem = PhysicsProblem.FromText("x0^2 + x0^3", [||], [| 0.1 |], loss = "y0")
    let run = problem.Run(Method.Newton, 1.0, 50)
    Assert.Equal(StopReason.Converged, run.StopReason)
    Assert.Equal(StationaryKind.Minimum, run.Exit.Curvature.Kind)
    Assert.DoesNotContain("underflow", run.StopDetail)

[<Fact>]
let ``a 2x2 linear system with coefficients 1E+200 and 1E-200 runs ig, gn and pg to its preimage`` () =
    // ∂L/∂x holds 1E+200·(1E+200·x0 + 1E-200·x1 − 1) beside −x1: merging it would fold 1E+400.
    let problem = PhysicsProblem.FromText("1e200*x0 + 1e-200*x1; x0 - x1", [| 1.0; 0.0 |], [| 2e-200; 1e-200 |])
    let comparison =
        problem.CompareMethods([| MethodSpec(Method.InverseGradient, 1.0); MethodSpec(Method.GaussNewton, 1.0); MethodSpec(Method.PhysicalGradient, 1.0) |], 1)
    for r in comparison.Results do
        // x* = (1, 1)/(1E+200 + 1E-200): 1E-200 each to doubles.
        Assert.True(abs (r.Run.Final.[0] / 1e-200 - 1.0) < 1e-12 && abs (r.Run.Final.[1] / 1e-200 - 1.0) < 1e-12, sprintf "%A" r.Run.Final)

[<Fact>]
let ``adam on 1e200*x0 is not refused for a Hessian it never reads`` () =
    let problem = PhysicsProblem.FromText("1e200*x0", [| 0.0 |], [| 1e-200 |])
    let run = problem.Run(Method.Adam, 0.1, 5)
    Assert.NotEqual(StopReason.Converged, run.StopReason)

[<Fact>]
let ``bfgs that reaches L = 0 exactly converges there, though its gradient kernel leaves rounding noise`` () =
    // A = [[1, −1], [1, 1]], y* = (−4, 5) from (4, 1): L is exactly 0 at iteration 2 while ∂L/∂x, computed term by term,
    // was 1E-16; that had been read as an underflow, and BFGS stepped on noise until its curvature condition failed
    // (StopReasons' Wolfe property found it on one seed).
    let problem = PhysicsProblem.FromText("x0 - x1; x0 + x1", [| -4.0; 5.0 |], [| 4.0; 1.0 |])
    let run = problem.Run(Method.Bfgs, 1.0, 20, RunOptions(LossTolerance = 1e-20, LineSearch = true))
    Assert.Equal(StopReason.Converged, run.StopReason)
    Assert.Empty(run.Fallbacks)
    Assert.Equal(0.5, run.Final.[0], 12)
    Assert.Equal(4.5, run.Final.[1], 12)
