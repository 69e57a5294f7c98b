/// Faults of the API façade (27), each fixed as a kind: runs, results and comparisons of another problem of the
/// same size were taken by its plots and reports (only sizes were checked); Training.Run took a choice made for
/// another example; a result could not say which problem it belongs to; four empty-list refusals were worded
/// four ways; and in the training plots every method's marker at the shared start covered the others'.
module PhysGrad.Properties.Api27

open System
open System.Collections.Generic
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

let private freshDir name =
    Path.Combine(Path.GetTempPath(), $"physgrad-api27-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}")

let private refused (kind: ErrorKind) (f: unit -> obj) =
    let e = Assert.Throws<SymbolicException>(fun () -> f () |> ignore)
    Assert.Equal(kind, e.Kind)
    e.Message

// One variable, one output each: x0^2 and x0^3 from one start to one target, and x0^2 from another start.
let private square () = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 1.0 |])
let private cube () = PhysicsProblem.FromText("x0^3", [| 4.0 |], [| 1.0 |])

// ---- 1. runs of another problem of the same size ---------------------------------------------------------------

[<Fact>]
let ``ToCsv, ToJson and SavePlots refuse a run of another problem of the same size, naming what differs and what to pass`` () =
    let p = square ()
    let foreign = cube().Run(Method.GradientDescent, 0.01, 3)
    let csv = refused ErrorKind.Invalid (fun () -> box (p.ToCsv(List<OptimizerRun>([ foreign ]))))
    Assert.Contains("Run 0 (gd) in 'runs' was made on another problem of the same size", csv)
    Assert.Contains("its simulator is P(x0) = [x0^3], this problem's P(x0) = [x0^2]", csv)
    Assert.Contains("Pass runs made on this problem (its Run, Compare or CompareMethods)", csv)
    let dir = freshDir "foreign"
    refused ErrorKind.Invalid (fun () -> box (p.SavePlots(List<OptimizerRun>([ foreign ]), dir))) |> ignore
    Assert.False(Directory.Exists dir, "nothing is drawn for a refused run")
    // Results and whole comparisons: the parameter named as the call names it.
    let comparison = cube().CompareMethods([ struct (Method.GradientDescent, 0.01) ], 3)
    let json = refused ErrorKind.Invalid (fun () -> box (p.ToJson(comparison.Results)))
    Assert.Contains("in 'results' was made on another problem", json)
    Assert.Contains("in 'comparison' was made on another problem", refused ErrorKind.Invalid (fun () -> box (p.ToJson comparison)))
    Assert.Contains("in 'comparison'", refused ErrorKind.Invalid (fun () -> box (p.ToCsv comparison)))
    refused ErrorKind.Invalid (fun () -> box (p.SavePlots(comparison, dir))) |> ignore
    // The static reports that take a definition check the same.
    Assert.Contains("in 'runs' was made on another problem", refused ErrorKind.Invalid (fun () -> box (RunReport.ToCsv(p.Definition, [| foreign |]))))
    Assert.False(Directory.Exists dir)

[<Fact>]
let ``a run from another start or target is refused; one of a problem built from the same text, or given units, is taken`` () =
    let p = square ()
    let fromTwo = p.WithStart([| 2.0 |]).Run(Method.GradientDescent, 0.01, 3)
    let message = refused ErrorKind.Invalid (fun () -> box (p.ToCsv([| fromTwo |])))
    Assert.Contains("its start is [2], this problem's [1]", message)
    let otherTarget = PhysicsProblem.FromText("x0^2", [| 9.0 |], [| 1.0 |]).Run(Method.GradientDescent, 0.01, 3)
    Assert.Contains("its target is [9], this problem's [4]", refused ErrorKind.Invalid (fun () -> box (p.ToCsv([| otherTarget |]))))
    // Same text: the same problem. Units change no run.
    let twin = square().Run(Method.GradientDescent, 0.01, 3)
    Assert.StartsWith("method,eta,iteration,x0,y0,loss", p.ToCsv([| twin |]))
    let withUnits = p.WithUnits(readOnlyDict [ "x0", "m" ])
    Assert.StartsWith("method,eta,iteration", withUnits.ToCsv([| twin |]))
    // A run of a bare compiled problem carries none, and is checked by its sizes only, as before.
    let bare = Optimizer.Run(p.Compiled, Method.GradientDescent, 0.01, [| 1.0 |], 3)
    Assert.Null(bare.Problem)
    Assert.StartsWith("method,eta,iteration", p.ToCsv([| bare |]))

[<Fact>]
let ``a run of a problem with another parameter value is refused`` () =
    let make (k: float) = PhysicsProblem.FromExpressions([| Expression.Parse("k*x0") |], [| 1.0 |], [| 1.0 |], parameters = readOnlyDict [ "k", k ])
    let run = (make 3.0).Run(Method.GradientDescent, 0.01, 2)
    Assert.Contains("its parameters are k = 3, this problem's k = 2", refused ErrorKind.Invalid (fun () -> box ((make 2.0).ToCsv([| run |]))))
    Assert.StartsWith("method", (make 3.0).ToCsv([| run |]))

// ---- 2. a training choice made for another example -------------------------------------------------------------

[<Fact>]
let ``Training.Run refuses a choice made for another example, naming it and the example's own choices, without CLI options`` () =
    let toy = Training.Example "hig-toy"
    let exp = Training.Example "exp"
    let choice = toy.ChoiceFor("adam").WithLearningRate(0.02)
    Assert.Equal("hig-toy", choice.Example)
    let message = refused ErrorKind.Invalid (fun () -> box (Training.Run(exp, [| exp.ChoiceFor "adam"; choice |], 1, Nullable 1, Nullable(), null)))
    Assert.Contains("choices[1] (adam (η=0.02, B=256)) was made for the hig-toy example, and this is exp", message)
    Assert.Contains("ChoiceFor(\"adam\")", message)
    Assert.DoesNotContain("--", message)
    // A choice of the example itself, changed, runs.
    let runs = Training.Run(toy, [| choice |], 1, Nullable 1, Nullable(), null)
    Assert.Equal("hig-toy", runs.[0].Choice.Example)

// ---- 3. which problem a result belongs to ----------------------------------------------------------------------

[<Fact>]
let ``a result says which problem it belongs to, and Summarise refuses a run of another problem than its x*`` () =
    let p = square ()
    let q = cube ()
    let result = p.CompareMethods([ struct (Method.GradientDescent, 0.01) ], 3).Results.[0]
    Assert.True(result.BelongsTo p)
    Assert.True(result.BelongsTo(square ()))
    Assert.False(result.BelongsTo q)
    Assert.False(result.BelongsTo(p.WithStart([| 2.0 |])))
    Assert.Contains("simulator P(x0) = [x0^2]", result.Problem)
    Assert.Contains("start [1]", result.Problem)
    let qTarget = q.CompareMethods([ struct (Method.GradientDescent, 0.01) ], 3).Target
    let message = refused ErrorKind.Invalid (fun () -> box (BookExample.Summarise(result.Run, [| 4.0 |], qTarget)))
    Assert.Contains("The run 'gd' in 'run' was made on another problem than 'targetX' was found for", message)
    Assert.Contains("its simulator is P(x0) = [x0^2], x*'s problem's P(x0) = [x0^3]", message)
    let own = BookExample.Summarise(result.Run, [| 4.0 |], result.Target)
    Assert.Equal(result.DistanceToTarget, own.DistanceToTarget)

// ---- 4. one wording of the empty-list refusals -----------------------------------------------------------------

[<Fact>]
let ``every empty list the API refuses is refused in one form: what it holds none of, what follows, and at least one of what to pass`` () =
    let p = square ()
    let toy = Training.Example "hig-toy"
    let messages =
        [ refused ErrorKind.Invalid (fun () -> box (p.SavePlots(List<OptimizerRun>(), freshDir "none")))
          refused ErrorKind.Invalid (fun () -> box (p.CompareMethods(List<MethodSpec>(), 3)))
          refused ErrorKind.Invalid (fun () -> box (Training.Run(toy, List<TrainingChoice>(), 1, Nullable 1, Nullable(), null)))
          refused ErrorKind.Invalid (fun () -> box (Training.SavePlots(List<TrainingRun>(), freshDir "none", "t"))) ]
    let form = Text.RegularExpressions.Regex(@"^'(\w+)' holds no (\w+), so [^:]+: pass at least one \2[ ,]")
    for m in messages do
        Assert.Matches(form, m)
        Assert.DoesNotContain("--", m)
    Assert.Equal("'methods' holds no method, so there is nothing to compare: pass at least one method, e.g. [(Method.GradientDescent, 0.1)], or DefaultMethods.", messages.[1])

// ---- 5. the training plots' shared start -----------------------------------------------------------------------

let private history (method: TrainingMethod) (losses: float list) =
    let points = losses |> List.mapi (fun k l -> TrainingPoint(10 * k, 0.01 * float (10 * k), l, nan)) |> Array.ofList
    TrainingHistory(TrainingSettings(method, 0.1, 256), 1, points, 0L, false)

/// The markers drawn at a point of a plot (a method's Markers or a single Marker), by shape.
let private markersAt (plot: ScottPlot.Plot) (x: float) (y: float) =
    plot.GetPlottables()
    |> Seq.collect (function
        | :? ScottPlot.Plottables.Markers as m ->
            m.Data.GetScatterPoints() |> Seq.filter (fun p -> p.X = x && p.Y = y) |> Seq.map (fun _ -> m.MarkerStyle.Shape)
        | :? ScottPlot.Plottables.Marker as m when m.X = x && m.Y = y -> Seq.singleton m.MarkerStyle.Shape
        | _ -> Seq.empty)
    |> List.ofSeq

[<Fact>]
let ``in the training plots a start the methods share is marked once, as the start ring on top, named in the legend`` () =
    // Four methods from one seed: one start point, L = 1 at step 0; PG's diamond among them.
    let runs =
        [| history TrainingMethod.Adam [ 1.0; 0.5; 0.3 ]
           history TrainingMethod.GaussNewton [ 1.0; 0.1; 0.01 ]
           history TrainingMethod.Hig [ 1.0; 0.2; 0.05 ]
           history TrainingMethod.SipPhysicalGradient [ 1.0; 0.3; 0.1 ] |]
    for struct (name, plot) in Training.Plots(runs, "t") do
        // The log axis plots log10 L: the start is at (0, 0) in steps and in time.
        Assert.Equal<ScottPlot.MarkerShape list>([ ScottPlot.MarkerShape.OpenCircle ], markersAt plot 0.0 0.0)
        let last = plot.GetPlottables() |> Seq.last
        Assert.True((match last with :? ScottPlot.Plottables.Marker as m -> m.MarkerStyle.Shape = ScottPlot.MarkerShape.OpenCircle | _ -> false), $"{name}: the start ring is not drawn last")
        Assert.Contains(plot.Legend.ManualItems, fun i -> i.LabelText = "start, shared by every method")
        // Each method still marks its other points: gn's square at step 10.
        if name = "loss-steps" then
            Assert.Equal<ScottPlot.MarkerShape list>([ TrajectoryPlots.ShapeOf Method.GaussNewton ], markersAt plot 10.0 (log10 0.1))
    // Starts apart are each the method's own marker, and no ring is drawn.
    let apart = [| history TrainingMethod.Adam [ 1.0; 0.5 ]; history TrainingMethod.GaussNewton [ 100.0; 0.1 ] |]
    let struct (_, plot) = Training.Plots(apart, "t").[1]
    Assert.DoesNotContain(plot.Legend.ManualItems, fun i -> i.LabelText.StartsWith "start")
