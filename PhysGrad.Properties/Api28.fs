/// Faults of the API façade (28), each fixed as a kind: the entries that take runs without a problem definition
/// (TrajectoryPlots.Save, SaveLoss, FieldPlots.Save, TargetPoint.Find) checked the runs by size only, so a run of another
/// problem of the same size was drawn beside them; an x* (TargetPoint) of another problem was taken with a problem's
/// runs by the plots and the JSON; and training examples were told apart by name only, so a choice made for the HIG
/// toy at one λ ran on the toy at another, and runs of the two were summarised and drawn as seeds of one method.
module PhysGrad.Properties.Api28

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private freshDir name =
    Path.Combine(Path.GetTempPath(), $"physgrad-api28-{name}-{Environment.ProcessId}-{Guid.NewGuid():N}")

let private refused (kind: ErrorKind) (f: unit -> obj) =
    let e = Assert.Throws<SymbolicException>(fun () -> f () |> ignore)
    Assert.Equal(kind, e.Kind)
    Assert.DoesNotContain("--", e.Message)
    e.Message

// One variable, one output each: x0^2 and x0^3 from one start to one target.
let private square () = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 1.0 |])
let private cube () = PhysicsProblem.FromText("x0^3", [| 4.0 |], [| 1.0 |])

// A 2×2 field of four cells, and one of the same size whose last cell is doubled.
let private field (last: string) = PhysicsProblem.FromText($"x0; x1; x2; {last}", [| 0.0; 0.0; 0.0; 0.0 |], [| 1.0; 1.0; 1.0; 1.0 |])

let private gd (p: PhysicsProblem) = p.Run(Method.GradientDescent, 0.1, 3)

// ---- 1. the plots and x* that take no problem: runs of two problems of the same size -------------------------

[<Fact>]
let ``TrajectoryPlots.Save and SaveLoss refuse runs of two problems of the same size, naming the run, the run it differs from and what differs`` () =
    let runs = [| gd (square ()); gd (cube ()) |]
    let dir = freshDir "mixed"
    let message = refused ErrorKind.Invalid (fun () -> box (TrajectoryPlots.Save(runs, dir, null, [| 4.0 |], [| "x0" |], [| "y0" |])))
    Assert.Contains("Run 1 (gd) in 'runs' was made on another problem than run 0 (gd): its simulator is P(x0) = [x0^3], run 0's P(x0) = [x0^2]", message)
    Assert.Contains("Pass runs made on one problem (its Run, Compare or CompareMethods)", message)
    Assert.Contains("Run 1 (gd) in 'runs' was made on another problem than run 0 (gd)",
                    refused ErrorKind.Invalid (fun () -> box (TrajectoryPlots.SaveLoss(runs, dir))))
    Assert.False(Directory.Exists dir, "nothing is drawn for refused runs")
    // Runs of one problem (built twice from one text) are drawn; a run that carries no problem is not compared.
    let bare = Optimizer.Run((square ()).Compiled, Method.GradientDescent, 0.1, [| 1.0 |], 3)
    Assert.Equal(4, TrajectoryPlots.Save([| gd (square ()); gd (square ()); bare |], dir, null, [| 4.0 |], [| "x0" |], [| "y0" |]).Count)

[<Fact>]
let ``FieldPlots.Save refuses runs of two fields of the same size, naming what differs`` () =
    let dir = freshDir "fields"
    let message = refused ErrorKind.Invalid (fun () -> box (FieldPlots.Save([| gd (field "x3"); gd (field "2*x3") |], dir, [| 2; 2 |], null)))
    Assert.Contains("Run 1 (gd) in 'runs' was made on another problem than run 0 (gd): its simulator is", message)
    Assert.Contains("2*x3", message)
    Assert.False(Directory.Exists dir)

[<Fact>]
let ``TargetPoint.Find on a compiled problem refuses runs of two problems of the same size`` () =
    let p = square ()
    let message = refused ErrorKind.Invalid (fun () -> box (TargetPoint.Find(p.Compiled, [| 4.0 |], [| 1.0 |], [| gd p; gd (cube ()) |])))
    Assert.Contains("Run 1 (gd) in 'runs' was made on another problem than run 0 (gd): its simulator is P(x0) = [x0^3], run 0's P(x0) = [x0^2]", message)
    Assert.Equal(2.0, (TargetPoint.Find(p.Compiled, [| 4.0 |], [| 1.0 |], [| gd p; gd (square ()) |])).X.[0], 12)

// ---- 1b. the overloads that take the problem: ToJson's refusal --------------------------------------------------

[<Fact>]
let ``the plots' and x*'s overloads taking the problem refuse a run of another problem of the same size as ToJson does`` () =
    let p = square ()
    let foreign = [| gd (cube ()) |]
    let dir = freshDir "overloads"
    let asToJson = refused ErrorKind.Invalid (fun () -> box (p.ToCsv(foreign)))
    Assert.Equal(asToJson, refused ErrorKind.Invalid (fun () -> box (TrajectoryPlots.Save(foreign, dir, p.Definition))))
    Assert.Equal(asToJson, refused ErrorKind.Invalid (fun () -> box (TargetPoint.Find(p, foreign))))
    Assert.Contains("Run 0 (gd) in 'runs' was made on another problem of the same size: its simulator is P(x0) = [x0^3], this problem's P(x0) = [x0^2]", asToJson)
    let f = field "x3"
    Assert.Contains("this problem's P(x0, x1, x2, x3)",
                    refused ErrorKind.Invalid (fun () -> box (FieldPlots.Save([| gd (field "2*x3") |], dir, f.Definition, [| 2; 2 |]))))
    Assert.False(Directory.Exists dir)
    // The problem's own runs: x* carries the problem, and both overloads draw.
    let own = [| gd p |]
    let target = TargetPoint.Find(p, own)
    Assert.Equal(2.0, target.X.[0], 12)
    Assert.NotNull(target.Problem)
    Assert.Equal(4, TrajectoryPlots.Save(own, dir, p.Definition, target).Count)
    Assert.NotEmpty(FieldPlots.Save([| gd f |], Path.Combine(dir, "field"), f.Definition, [| 2; 2 |]))

// ---- 3. an x* of another problem given with a problem's runs ----------------------------------------------------

[<Fact>]
let ``an x* found for another problem is refused with a problem's runs by ToJson, WriteJson, SavePlots and the reports, naming what differs`` () =
    let p = square ()
    let mine = p.CompareMethods([ struct (Method.GradientDescent, 0.1) ], 3)
    let other = p.WithStart([| 3.0 |]).CompareMethods([ struct (Method.GradientDescent, 0.1) ], 3)
    // p's results with the other start's x* (the same point, 2, found for another problem).
    let mixed = Comparison(mine.Results, other.Target)
    let message = refused ErrorKind.Invalid (fun () -> box (p.ToJson mixed))
    Assert.Equal("The x* in 'comparison' was found for another problem: its start is [3], this problem's [1]. " +
                 "Pass the Target of a comparison of this problem (its CompareMethods), or pass this one to the problem it was found for.", message)
    refused ErrorKind.Invalid (fun () -> box (p.WriteJson(mixed, new MemoryStream()); 0)) |> ignore
    refused ErrorKind.Invalid (fun () -> box (p.ToCsv mixed)) |> ignore
    let dir = freshDir "target"
    refused ErrorKind.Invalid (fun () -> box (p.SavePlots(mixed, dir))) |> ignore
    Assert.Contains("The x* in 'target' was found for another problem: its start is [3]",
                    refused ErrorKind.Invalid (fun () -> box (RunReport.ToJson(p.Definition, mine.Results, target = other.Target))))
    Assert.Contains("The x* in 'target' was found for another problem",
                    refused ErrorKind.Invalid (fun () -> box (TrajectoryPlots.SaveAll(mine.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq, dir, p.Definition, other.Target))))
    // A result carrying the other problem's x*: ToJson of results names 'results'.
    let carried = [| MethodResult(mine.Results.[0].Run, 0.0, 0.0, Target = other.Target) |]
    Assert.Contains("The x* in 'results' was found for another problem", refused ErrorKind.Invalid (fun () -> box (p.ToJson carried)))
    Assert.False(Directory.Exists dir)
    // The comparison's own x* passes.
    Assert.Contains("\"targetX\"", p.ToJson mine)

// ---- 2. training examples by name and parameters -----------------------------------------------------------------

[<Fact>]
let ``Training.Run refuses a choice made for the HIG toy at another λ, naming λ and both values`` () =
    let one = Training.HigToy 1.0
    let small = Training.HigToy 0.01
    let choice = small.ChoiceFor "adam"
    let message = refused ErrorKind.Invalid (fun () -> box (Training.Run(one, [| choice |], 1, Nullable 1, Nullable(), null)))
    Assert.StartsWith("choices[0] (adam (η=0.01, B=256)) was made for the hig-toy example with λ = 0.01, and this is hig-toy with λ = 1: " +
                      "its settings were tuned for that one. Take the choices from this example", message)
    // Another name is still refused in the old words; a toy of the same λ takes the choice.
    Assert.Contains("was made for the hig-toy example, and this is exp:",
                    refused ErrorKind.Invalid (fun () -> box (Training.Run(Training.Exponential(), [| choice |], 1, Nullable 1, Nullable(), null))))
    let runs = Training.Run(Training.Example("hig-toy", 0.01), [| choice.WithLearningRate 0.02 |], 1, Nullable 1, Nullable(), null)
    Assert.Equal("hig-toy", runs.[0].Choice.Example)

[<Fact>]
let ``Training.Summarize and SavePlots refuse runs of the HIG toy at two λ, which they would take for seeds of one method`` () =
    let train (lambda: float) =
        let toy = Training.HigToy lambda
        Training.Run(toy, [| toy.ChoiceFor "adam" |], 1, Nullable 1, Nullable(), null)
    let runs = Array.append (Array.ofSeq (train 1.0)) (Array.ofSeq (train 0.01))
    let message = refused ErrorKind.Invalid (fun () -> box (Training.Summarize runs))
    Assert.StartsWith("runs[1] (adam (η=0.01, B=256), seed 1) was trained on the hig-toy example with λ = 0.01, and runs[0] on hig-toy with λ = 1: " +
                      "pass the runs of one example, and summarise each example's runs in a call of their own.", message)
    let dir = freshDir "train"
    Assert.Contains("draw each example's runs", refused ErrorKind.Invalid (fun () -> box (Training.SavePlots(runs, dir, "t"))))
    Assert.False(Directory.Exists dir)
    // Two seeds of one example are summarised as one method.
    let seeds = Array.append (Array.ofSeq (train 1.0)) (Array.ofSeq (train 1.0))
    Assert.Equal(2, (Training.Summarize seeds).[0].Seeds.Count)
