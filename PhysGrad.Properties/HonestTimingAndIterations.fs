/// Plots and files that never mislead (issue 12, a new user's trial): train's ms/step is the median its
/// help promises, not a mean holding the first seed's warm-up, and the loss-against-time band is not
/// stretched by it; a run that stops before its limit does not leave the progress line naming it; a
/// sparse recording's points are plotted and exported at the iterations they were recorded at.
module PhysGrad.Properties.HonestTimingAndIterations

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Cli

// ---- a run that stops early moves the progress line on ----

[<Fact>]
let ``a run that stops before the limit moves the phase log to the next method, and after the last to the search for x*`` () =
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "gd"; "pg" |], 10, [| "deriving and compiling what it needs"; "building the local inverse" |])
    log.StartRuns "running gd, pg, 10 iterations each; then finding x*"
    let report m k = (log :> IProgress<struct (int * int)>).Report(struct (m, k))

    for k in 1..3 do
        report 0 k

    Assert.Equal("gd: iteration 3/10 done", log.Current)
    // gd converged at iteration 3: what runs now is pg's first iteration, not gd's fourth.
    log.Ended(0, 3)
    Assert.Equal("pg: building the local inverse, iteration 1/10 under way", log.Current)
    report 1 1
    report 1 2
    log.Ended(1, 2)
    // After the last run nothing names a method: the search for x* is under way, and the log says so.
    Assert.Null(log.Current)
    TestHelpers.assertInOrder
        (err.ToString())
        [ "physgrad: gd: stopped after iteration 3/10"
          "physgrad: pg: iteration 1/10 done"
          "physgrad: pg: stopped after iteration 2/10"
          "physgrad: finding x*" ]

[<Fact>]
let ``a comparison tells its progress receiver when a run ends before the limit`` () =
    // P(x) = x: GN with η = 1 lands on y* in one step and stops at the next (a zero step); gd runs all 10.
    let problem = PhysicsProblem.From(ProblemDefinition([ "x0"; "x1" ], [ "x0"; "x1" ], null, [ 1.0; 2.0 ], [ 0.0; 0.0 ]))
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "gd"; "gn" |], 10, [| "deriving and compiling what it needs"; "deriving and compiling what it needs" |])
    log.StartRuns "running gd, gn"
    let comparison = problem.CompareMethods([ struct (Method.GradientDescent, 0.1); struct (Method.GaussNewton, 1.0) ], 10, false, log)
    let gn = comparison.Results.[1].Run
    Assert.True(gn.Exit.Iteration < 10, sprintf "gn was to stop early: %O" gn)
    // Without the end told, the line went on saying "gn: iteration 2/10 done" through the search for x*.
    Assert.Null(log.Current)
    Assert.Contains(sprintf "physgrad: gn: stopped after iteration %d/10" gn.Exit.Iteration, err.ToString())
    Assert.Contains("physgrad: finding x*", err.ToString())

[<Fact>]
let ``the progress bar fills a stopped run's share and says where it stopped`` () =
    use err = new StringWriter()
    let bar = new ProgressLine(err, [| "gd"; "gn" |], 10)
    (bar :> IProgress<struct (int * int)>).Report(struct (0, 10))
    (bar :> IProgress<struct (int * int)>).Report(struct (1, 2))
    bar.Ended(1, 2)
    let last = err.ToString().Split('\r') |> Array.last
    Assert.StartsWith(sprintf "[%s] 100%%  gn stopped at 2/10" (String('#', 30)), last)
    bar.Dispose()
    Assert.EndsWith("\r" + String(' ', 70) + "\r", err.ToString())
