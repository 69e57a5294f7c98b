/// compare's x*: the examples' known solution, one rule for the rest, and honesty for m < n.
module PhysGrad.Properties.FixCompare

open System
open Xunit
open PhysGrad

let private spec (text: string) = MethodCatalog.Parse text

/// heat1d-inverse at n = 8 is made from x*_i = sin(2πi/8) + [2 ≤ i < 4] (ReferenceProblems.TrueSolution):
/// x*_2 = sin(π/2) + 1 = 2, x*_3 = sin(3π/4) + 1 = 1 + √½, x*_4 = sin(π) = 0. The comparison measures to
/// that point whether PG runs or not, so GN's distance (and the space it is in) is the same in both lists.
[<Fact>]
let ``an example's known x* is the comparison's x*, whichever methods ran`` () =
    let problem = ReferenceProblems.Create("heat1d-inverse", 8)
    let alone = problem.CompareMethods(spec "gn:1", 3)
    let withPg = problem.CompareMethods(spec "gn:1,pg:1", 3)
    for c in [ alone; withPg ] do
        Assert.Equal(TargetPointKind.Known, c.Target.Kind)
        Assert.False(c.Target.ManyPreimages)
        Assert.Equal(2.0, c.Target.X.[2], 12)
        Assert.Equal(1.0 + sqrt 0.5, c.Target.X.[3], 12)
        Assert.Equal(0.0, c.Target.X.[4], 12)
        Assert.Equal(DistanceSpace.X, c.Results.[0].MeasuredIn)
    Assert.Equal(alone.Results.[0].DistanceToTarget, withPg.Results.[0].DistanceToTarget)

/// P(x) = x0², y* = 4, start −3: the preimages are ±2 and −2 is nearest the start. A known x* = 2 is
/// used (2² = 4) although it is the far branch; a "known" 3 is not (3² = 9 ≠ 4), and the preimage from
/// the start, −2, is taken instead.
[<Fact>]
let ``a known x* is used only when it reaches the target`` () =
    let withKnown (known: float) =
        PhysicsProblem.From(ProblemDefinition([| "x0" |], [| "x0^2" |], null, [| 4.0 |], [| -3.0 |], KnownSolution = [| known |]))
    let right = withKnown(2.0).CompareMethods(spec "gd:0.01", 1)
    Assert.Equal(TargetPointKind.Known, right.Target.Kind)
    Assert.Equal<float[]>([| 2.0 |], right.Target.X)
    Assert.Equal(DistanceSpace.X, right.Results.[0].MeasuredIn)
    let wrong = withKnown(3.0).CompareMethods(spec "gd:0.01", 1)
    Assert.Equal(TargetPointKind.PreimageNearStart, wrong.Target.Kind)
    Assert.Equal(-2.0, wrong.Target.X.[0], 9)

/// oscillators at n = 8: 8 controls, 4 outputs (the final state), so y* has an (8 − 4)-dimensional set of
/// preimages; GN (exact for this linear P in one step at η = 1) ends on one of them, not on the known
/// cosine burst, so distances are in y and GN's is (near) 0.
[<Fact>]
let ``with fewer outputs than variables distances are in y, and a run ending on a preimage is at 0`` () =
    let problem = ReferenceProblems.Create("oscillators", 8)
    let c = problem.CompareMethods(spec "gn:1,gd:0.01", 3)
    Assert.Equal(TargetPointKind.Known, c.Target.Kind)
    Assert.True(c.Target.ManyPreimages)
    for r in c.Results do Assert.Equal(DistanceSpace.Y, r.MeasuredIn)
    Assert.True(c.Results.[0].DistanceToTarget < 1e-10, $"GN's ‖P(x) − y*‖ = {c.Results.[0].DistanceToTarget}")

/// P(x) = x0², y* = 4, start 0: J = 0 at the start, so Newton on P(x) = y* finds nothing there, while GD
/// (∂L/∂x = 2·x0·(x0² − 4) = 0 at 0 too) stays; a start of 0.5 instead lets GD reach +2. Run ends are
/// never searched: GD's distance is in y with or without other methods, and the legend's x* is GD's end only.
[<Fact>]
let ``run ends never decide where distances are measured`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 0.0 |])
    let alone = problem.CompareMethods(spec "gd:0.05", 50)
    let withPg = problem.CompareMethods(spec "gd:0.05,pg:1", 50)
    Assert.Equal(alone.Results.[0].MeasuredIn, withPg.Results.[0].MeasuredIn)
    Assert.NotEqual(TargetPointKind.Known, alone.Target.Kind)
