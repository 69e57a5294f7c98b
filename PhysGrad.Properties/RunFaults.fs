/// A new user's run faults (issue 12 follow-up): a solver that does not converge ends one run typed
/// (SolverFailed) instead of crashing the command; a loss far above its start is Diverged and one merely
/// above it is flagged "loss rose", in compare and train alike; repeated fallbacks collapse to one line;
/// eigenvalues at rounding print as ≈ 0; m < n says "many preimages"; messages state the real rules.
module PhysGrad.Properties.RunFaults

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic

let private create (variables: string[]) (simulator: string) (target: float[]) (start: float[]) =
    Problem.Create(variables, Parse.many simulator, null, target, start, null, true)

// GD whose step `failAt` throws MathNet's NonConvergenceException, as an SVD near overflow does: the
// minimiser must end the run at the point before that step, typed, instead of letting it escape.
type private FailingState(inner: RuleState, failAt: int) =
    inherit RuleState(inner.Problem)
    let mutable steps = 0
    override _.Evaluate(x, gradient) = inner.Evaluate(x, gradient)
    override _.Update(x, loss, gradient, dx, notes) =
        steps <- steps + 1
        if steps = failAt then raise (MathNet.Numerics.NonConvergenceException())
        inner.Update(x, loss, gradient, dx, notes)

type private FailingRule(failAt: int) =
    let gd = GradientDescent 0.25 :> IUpdateRule
    interface IUpdateRule with
        member _.Name = "failing-gd"
        member _.Eta = 0.25
        member _.Needs = gd.Needs
        member _.Init(problem, x0) = FailingState(gd.Init(problem, x0), failAt) :> RuleState

[<Fact>]
let ``a solver that does not converge in step k ends the run as SolverFailed at the point before step k`` () =
    // P = x, L = ½(x − 0)², GD with η = ¼: x ← ¾x, so from 4: 4, 3, 2.25; step 3 fails.
    let p = create [| "x0" |] "x0" [| 0.0 |] [| 4.0 |]
    let r = Optimizer.Run(CompiledProblem p, (FailingRule 3 :> IUpdateRule), p.Start, 10)
    Assert.Equal(StopReason.SolverFailed, r.StopReason)
    Assert.Equal(2, r.Exit.Iteration)
    Assert.Equal(3, r.Trajectory.Count)
    Assert.Equal(2.25, r.Final.[0], 12)
    Assert.Contains("failing-gd's step 3 failed", r.StopDetail)

// ---- 2. exploding and worsening runs ----------------------------------------------------------------------

[<Fact>]
let ``the divergence rule: non-finite, or above the start by more than 10⁶ × |start| (1 when the start is 0)`` () =
    Assert.True(LossGrowth.Exploded(7.6e3, 2.9e32))
    Assert.True(LossGrowth.Exploded(1.0, nan))
    // 10⁶·|0.5| = 5·10⁵: 0.5 + 5·10⁵ is exactly at the bound, not above it; the same at 2⁻⁶⁰ of that scale.
    Assert.False(LossGrowth.Exploded(0.5, 0.5 + 5e5))
    Assert.True(LossGrowth.Exploded(0.5, 0.5 + 5.1e5))
    let tiny = Math.Pow(2.0, -60)
    Assert.False(LossGrowth.Exploded(0.5 * tiny, (0.5 + 5e5) * tiny))
    Assert.True(LossGrowth.Exploded(0.5 * tiny, (0.5 + 5.1e5) * tiny))
    // No scale at a start of 0: the rise is measured against 1.
    Assert.False(LossGrowth.Exploded(0.0, 1e6))
    Assert.True(LossGrowth.Exploded(0.0, 1.01e6))
    Assert.True(LossGrowth.Rose(12.5, 36.0))
    Assert.False(LossGrowth.Rose(12.5, 12.5))
    Assert.False(LossGrowth.Rose(7.6e3, 2.9e32))

[<Fact>]
let ``PG moving away from a target it cannot reach is flagged loss rose in table, JSON and CSV`` () =
    // P = x², y* = −4, start 1: L₀ = ½(1 + 4)² = 12.5. No x has x² = −4, and PG's fallback leaves the
    // loss above 12.5 after 10 iterations (the tester saw 36); GD with η = 0.1 descends towards x = 0
    // (L = 8), so it is not flagged.
    let args = [ "compare"; "--simulator"; "x0^2"; "--target"; "-4"; "--start"; "1"; "--methods"; "pg,gd:0.1" ]
    let code, out, _ = Cli.run args
    Assert.Equal(0, code)
    let pgLine = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "pg ")
    let gdLine = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "gd ")
    // The row flags it; the note under the table says by how much (the stop cell stays one line).
    let pgNote = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "Stop of pg")
    Assert.Contains("loss rose", pgLine)
    Assert.Contains("loss rose: final", pgNote)
    Assert.Contains("> start 12.5", pgNote)
    Assert.DoesNotContain("loss rose", gdLine)
    let _, json, _ = Cli.run (args @ [ "--format"; "json" ])
    let methods = JsonDocument.Parse(json).RootElement.GetProperty("methods")
    Assert.True(methods.[0].GetProperty("lossRose").GetBoolean())
    Assert.True(methods.[0].GetProperty("finalLoss").GetDouble() > 12.5)
    Assert.False(methods.[1].GetProperty("lossRose").GetBoolean())
    let _, csv, _ = Cli.run (args @ [ "--format"; "csv" ])
    let rows = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.EndsWith(",loss,stop,lossRose,stopWords", rows.[0])
    // The flags sit on each method's last row, before the stop in words: one "yes" (pg's) and one "no" (gd's), the
    // start rows empty.
    let flagged = rows.[1..] |> Array.filter (fun r -> not (r.EndsWith ",,,"))
    Assert.Equal(2, flagged.Length)
    let rose (row: string) = let cells = row.Split(',') in cells.[cells.Length - 2]
    Assert.True(flagged.[0].StartsWith "pg," && rose flagged.[0] = "yes", flagged.[0])
    Assert.True(flagged.[1].StartsWith "gd," && rose flagged.[1] = "no", flagged.[1])

[<Fact>]
let ``Rosenbrock n = 64: the runs that blow up are Diverged, exit 1, not IterationLimit`` () =
    let code, out, err = Cli.run [ "compare"; "--example"; "rosenbrock"; "--n"; "64"; "--methods"; "gn,gd:0.0001" ]
    Assert.Equal(1, code)
    let gn = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "gn ")
    // The stop column holds the reason, in the row as printed (final x folds under it); the note under the
    // table the whole stop (compare's one layout, tables29).
    let printed = out.Replace("\r", "").Split('\n') |> Array.find (fun l -> l.StartsWith "gn ")
    Assert.EndsWith("  diverged", printed.TrimEnd())
    Assert.Contains("Stop of gn: diverged: the loss rose from", unwrapped out)
    Assert.Contains("gn diverged", err)
    let gd = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "gd ")
    Assert.DoesNotContain("diverged", gd)

// ---- 3. repeated fallbacks, eigenvalues at rounding -----------------------------------------------------

[<Fact>]
let ``ten identical Newton fallbacks are one line with the iterations and the count`` () =
    // L = ½(x0 + x1 − 2)²: H = [[1, 1], [1, 1]], eigenvalues 0 and 2 at every point, so Newton falls back
    // at every one of its 10 iterations (unless it converges earlier: then fewer, still one line).
    let code, out, _ = Cli.run [ "compare"; "--simulator"; "x0 + x1"; "--target"; "2"; "--start"; "0,0"; "--methods"; "newton"; "--iterations"; "10" ]
    Assert.Equal(0, code)
    let fallbackLines = out.Split('\n') |> Array.filter (fun l -> l.Contains "fallback at")
    Assert.Equal(1, fallbackLines.Length)
    Assert.DoesNotContain("2.22E-16", out)
    Assert.Contains("eigenvalues ≈ 0, 2", out)

[<Fact>]
let ``fallback ranges: consecutive iterations join, gaps stay, one kind per line`` () =
    let f i kind = RunFallback(i, kind, sprintf "reason %d" i)
    let lines =
        SkipLines.Fallbacks([ f 1 "A"; f 2 "A"; f 3 "A"; f 5 "A"; f 4 "B"; f 7 "A"; f 8 "A" ]) |> Array.ofSeq
    Assert.Equal<string[]>(
        [| "fallback at iterations 1–3, 5, 7–8 (6 times; the first): reason 1"; "fallback at iteration 4: reason 4" |],
        lines)

[<Fact>]
let ``eigenvalues at rounding level print as ≈ 0, others as numbers`` () =
    // n·ε·max|λ| = 2·2⁻⁵²·2 ≈ 8.9E-16: 2.22E-16 is below it, 1E-6 far above.
    Assert.Equal("≈ 0, 2", Curvature.ShowEigenvalues([| 2.220446049250313e-16; 2.0 |]))
    Assert.Equal("1E-06, 2", Curvature.ShowEigenvalues([| 1e-6; 2.0 |]))

// ---- 4. no x* with fewer outputs than variables ------------------------------------------------------------

[<Theory>]
[<InlineData("x0 + x1", "2", "0,0", 1, 2)>]
[<InlineData("x0*x1*x2; x0 - x2", "1,0", "0,0,0", 2, 3)>]
let ``m < n without a preimage found says y* has many preimages`` (sim: string, target: string, start: string, m: int, n: int) =
    let code, out, _ = Cli.run [ "compare"; "--simulator"; sim; "--target"; target; "--start"; start; "--methods"; "gd:0.1"; "--iterations"; "2" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("no preimage of y* was found", out)
    Assert.Contains(sprintf "y* has many preimages (%d output%s < %d variables)" m (if m = 1 then "" else "s") n, out)

// ---- 5. messages -------------------------------------------------------------------------------------------

[<Fact>]
let ``an integer option's list of values is the rule its message states`` () =
    let code, _, err = Cli.run [ "diff"; "-f"; "x^2"; "--order"; "3" ]
    Assert.Equal(2, code)
    Assert.Contains("--order must be 1 or 2, not '3'", err)
    Assert.DoesNotContain("2147483647", err)
    let path = Path.GetTempFileName()
    File.WriteAllText(path, "1\n")
    let code, _, err = Cli.run [ "eval"; "-f"; "x^2"; "--points"; path; "--order"; "5" ]
    File.Delete path
    Assert.Equal(2, code)
    Assert.Contains("--order must be 0, 1 or 2, not '5'", err)

[<Fact>]
let ``derive's unknown method lists only the methods it can derive`` () =
    let code, _, err = Cli.run [ "derive"; "--methods"; "gd,pgg" ]
    Assert.Equal(2, code)
    Assert.Contains("the methods with a closed-form rule are", err)
    // Adam and BFGS have no closed-form rule (MethodCatalog's NoClosedForm): not offered.
    let listed = err.Substring(err.IndexOf "closed-form rule are")
    Assert.DoesNotContain("adam", listed)
    Assert.DoesNotContain("bfgs", listed)
    Assert.Contains("pg", listed)

[<Fact>]
let ``eval writes nothing to stdout when a row is refused, and names ',' for a semicolon file`` () =
    let path = Path.GetTempFileName()
    File.WriteAllText(path, "1\n2\nabc\n")
    let code, out, err = Cli.run [ "eval"; "-f"; "x^2"; "--points"; path ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("Line 3", err)
    File.WriteAllText(path, "1;2\n3;4\n")
    let code, out, err = Cli.run [ "eval"; "-f"; "x*y"; "--points"; path ]
    File.Delete path
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("Line 1 contains ';'", err)
    Assert.Contains("',' between values", err)

[<Fact>]
let ``compare's help states the iterative option once and the loss plot`` () =
    let _, out, _ = Cli.run [ "compare"; "--help" ]
    Assert.DoesNotContain("iterative = -1: 1:", out)
    Assert.Contains("the loss against iteration", TestHelpers.unwrapped out)

[<Fact>]
let ``train refuses a λ out of range with exit 2 naming the range`` () =
    let code, out, err = Cli.run [ "train"; "--example"; "hig-toy"; "--lambda"; "1e300"; "--steps"; "10" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("1e-6 ≤ |λ| ≤ 1e6", err)

[<Fact>]
let ``train says which limit ended each run when both --steps and --time are given`` () =
    // 10 steps of the HIG toy take milliseconds, far inside 60 s: the step limit ends every run.
    let code, out, _ = Cli.run [ "train"; "--example"; "hig-toy"; "--steps"; "10"; "--time"; "60"; "--methods"; "adam,hig"; "--format"; "csv" ]
    Assert.True((code = 0 || code = 1))
    let rows = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.EndsWith(",diverged,stop,loss_rose,stop_words", rows.[0])
    for row in rows.[1..] do
        let cells = row.Split(',')
        let stop = cells.[cells.Length - 3]
        Assert.True((stop = "StepLimit" || stop = "Diverged" || stop = "SolverFailed"), row)
        if cells.[cells.Length - 4] = "no" then Assert.Equal("StepLimit", stop)
