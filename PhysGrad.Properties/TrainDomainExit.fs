/// A training step that takes a sample outside the physics' domain stops that seed with LeftDomain, naming the
/// step and the failing condition as compare does, and keeps its last recorded point (finite θ and loss), not a
/// NaN; a run that left the domain (in compare or train) is never flagged "loss rose".
module PhysGrad.Properties.TrainDomainExit

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning

/// P(x) = sqrt(x0 + 4), defined for x0 ≥ −4; the target y* = −1 is below every value of P, so the loss
/// ½(√(x0 + 4) + 1)² falls as x0 falls and GD walks x0 down to the edge of the domain and past it.
let private physics () =
    ProblemDefinition([| "x0" |], [| "sqrt(x0 + 4)" |], null, [| -1.0 |], [| 0.0 |]).Compile()

/// x = w·z + b, one input and one output: θ = [w, b].
let private network () = DenseNetwork([| DenseLayer(1, 1, Activation.Identity) |])

/// Every batch sample has z = `z` and y* = −1.
let private sampler (z: float) =
    BatchSampler(fun _ batch zs ys ->
        for b in 0 .. batch - 1 do
            zs.[b] <- z
            ys.[b] <- -1.0)

let private loss (x: float) = 0.5 * (sqrt (x + 4.0) + 1.0) ** 2.0

[<Fact>]
let ``a GD step that takes the batch below sqrt's domain stops with LeftDomain at the last point inside, naming the step and condition`` () =
    let net = network ()
    let trainer = PhysicsTrainer(net, physics (), sampler 1.0)
    let eta = 0.5
    let seed = 3
    // By hand: with z = 1, ∂L/∂w = ∂L/∂b = L'(x) = (√(x + 4) + 1)/(2√(x + 4)), so GD moves w and b alike by
    // −η·L'(x) and x = w + b by −2η·L'(x) per step. Step k left the domain when x_k < −4; the run must end
    // at step k − 1. The evaluation input z = 0 sees x = b, which falls half as fast and stays inside.
    let at (z: float) =
        let x = Array.zeroCreate 1
        net.Forward(net.Initialize(seed), [| z |], 1, x)
        x.[0]
    let slope x = (sqrt (x + 4.0) + 1.0) / (2.0 * sqrt (x + 4.0))
    let walk =
        List.unfold (fun (x, b) -> if x < -4.0 then None else Some((x, b), (x - 2.0 * eta * slope x, b - eta * slope x))) (at 1.0, at 0.0)
    let left = walk.Length // x_k for k = 0 .. left − 1 lie inside; x_left is outside
    // Before step 10, so that with every 10th point recorded the end (step k − 1) was not recorded at its turn.
    Assert.True(left >= 2 && left < 10, sprintf "the hand-computed walk leaves at step %d" left)
    let xLast, bLast = List.last walk
    Assert.True(bLast - eta * slope xLast >= -4.0, "the evaluation point must stay inside through step left")
    // Recorded every step, or every 10th: the run ends at step k − 1 either way (evaluated then if not recorded).
    for every in [ 1; 10 ] do
        let run =
            trainer.Train(TrainingSettings(TrainingMethod.GradientDescent, eta, 1), seed, Nullable 40, Nullable(),
                          [| 0.0 |], [| -1.0 |], recordEvery = every)
        Assert.Equal("LeftDomain", run.Stop)
        Assert.False(run.Diverged)
        Assert.Equal(left - 1, run.Final.Step)
        Assert.Equal(loss bLast, run.Final.Loss, 10)
        Assert.All(run.Points, fun p -> Assert.True(Double.IsFinite p.Loss, sprintf "step %d: loss %g" p.Step p.Loss))
        Assert.StartsWith(sprintf "step %d left the domain: " left, run.StopDetail)
        Assert.Contains("for sqrt(", run.StopDetail)
        Assert.Contains("fails (x0 = -", run.StopDetail)
        Assert.Contains(sprintf "at sample 1 of step %d's batch; the run ends at step %d" (left + 1) (left - 1), run.StopDetail)
        // The loss fell all the way: never "loss rose".
        Assert.False(run.LossRose)

[<Fact>]
let ``the evaluation set leaving the domain before the batches also stops the run at its last finite point`` () =
    // Batches at z = 1, the evaluation at z = 3: x_eval = 3w + b falls twice as fast as the batch's w + b,
    // so the evaluation leaves first; the batch alone would not have stopped the run there.
    let trainer = PhysicsTrainer(network (), physics (), sampler 1.0)
    let run =
        trainer.Train(TrainingSettings(TrainingMethod.GradientDescent, 0.5, 1), 3, Nullable 40, Nullable(),
                      [| 3.0 |], [| -1.0 |], recordEvery = 1)
    Assert.Equal("LeftDomain", run.Stop)
    Assert.Contains("at evaluation sample 1", run.StopDetail)
    Assert.True(Double.IsFinite run.Final.Loss, run.StopDetail)
    let step = Text.RegularExpressions.Regex.Match(run.StopDetail, "^step (\\d+) left").Groups.[1].Value |> int
    Assert.Equal(step - 1, run.Final.Step)

[<Fact>]
let ``the facade counts a seed that left the domain as failed with compare's kind of stop text, and other seeds run on`` () =
    let example =
        TrainingExample("sqrt-edge", "x = w z + b through sqrt(x0 + 4), y* = −1", network (), physics (), sampler 1.0,
                        [| 1.0 |], [| -1.0 |], null, [| TrainingSettings(TrainingMethod.GradientDescent, 0.5, 1) |])
    let runs = [ for seed in 3..4 -> Training.Run(example, example.Choices, seed, Nullable 40, Nullable()).[0] ]
    for r in runs do
        Assert.True(r.Failed, r.StopText)
        Assert.False(r.Diverged)
        Assert.StartsWith("left the domain: step ", r.StopText)
        Assert.Contains(" left the domain: ", r.StopText)
        Assert.True(Double.IsFinite r.Final.Loss)
    // The second seed ran from its own start, not stopped by the first.
    Assert.NotEqual(runs.[0].Points.[0].Loss, runs.[1].Points.[0].Loss)

/// A synthetic run of two points whose loss rose from 1 to 2, ended by `reason`.
let private roseAndStopped (reason: StopReason) =
    OptimizerRun("ig", 1.0, [| [| 1.0 |]; [| 2.0 |] |], [| [| 1.0 |]; [| 2.0 |] |], [| 1.0; 2.0 |],
                 ExitReason(reason, 1, Nullable(), null, Nullable(), "synthetic"), [||], TimeSpan.Zero)

[<Fact>]
let ``a run whose loss rose is flagged only when it did not fail: never when it left the domain`` () =
    Assert.True((roseAndStopped StopReason.IterationLimit).LossRose)
    for reason in [ StopReason.LeftDomain; StopReason.Diverged; StopReason.SolverFailed ] do
        Assert.False((roseAndStopped reason).LossRose, sprintf "%A flagged as loss rose" reason)
    let history stop =
        TrainingHistory(TrainingSettings(TrainingMethod.GradientDescent, 0.1, 1), 1,
                        [| TrainingPoint(0, 0.0, 1.0, nan); TrainingPoint(5, 0.1, 2.0, nan) |], 0L, false, Stop = stop)
    Assert.True((history "StepLimit").LossRose)
    Assert.False((history "LeftDomain").LossRose)

[<Fact>]
let ``training through sqrt(x0) toward 0 stops with LeftDomain where P is undefined though the loss in x is not`` () =
    // P = sqrt(x0), y* = 0: the loss in x simplifies to x0/2, defined at every x0, but P is NaN below 0 (the
    // case compare's runs had missed). Per sample ∂L/∂x0 = J·r = 1/(2√x0)·√x0 = 1/2, so GD with z = 1 moves w
    // and b by −η/2 each and x = w + b by −η per step. With η = 0.6·x₀: x₁ = 0.4·x₀ inside, x₂ = −0.2·x₀
    // outside; step 2 left, and the run ends at step 1 with loss x₁/2 = 0.2·x₀.
    let physics = ProblemDefinition([| "x0" |], [| "sqrt(x0)" |], null, [| 0.0 |], [| 1.0 |]).Compile()
    let net = network ()
    let at seed =
        let x = Array.zeroCreate 1
        net.Forward(net.Initialize(seed), [| 1.0 |], 1, x)
        x.[0]
    let seed = [ 1 .. 50 ] |> List.find (fun s -> at s > 0.1)
    let x0 = at seed
    let toZero = BatchSampler(fun _ batch zs ys -> for b in 0 .. batch - 1 do zs.[b] <- 1.0; ys.[b] <- 0.0)
    let trainer = PhysicsTrainer(net, physics, toZero)
    // Recorded every step the evaluation (z = 1) leaves at step 2; every 10th, step 3's batch finds it.
    for every, where in [ 1, "at evaluation sample 1"; 10, "at sample 1 of step 3's batch" ] do
        let run =
            trainer.Train(TrainingSettings(TrainingMethod.GradientDescent, 0.6 * x0, 1), seed, Nullable 20, Nullable(),
                          [| 1.0 |], [| 0.0 |], recordEvery = every)
        Assert.Equal("LeftDomain", run.Stop)
        Assert.False(run.Diverged)
        Assert.Equal(1, run.Final.Step)
        Assert.Equal(0.2 * x0, run.Final.Loss, 12)
        Assert.StartsWith("step 2 left the domain: x0 ≥ 0 for sqrt(x0) fails (x0 = -", run.StopDetail)
        Assert.Contains(where + "; the run ends at step 1", run.StopDetail)
