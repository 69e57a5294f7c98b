/// x* of a problem with more outputs than variables: a consistent y* has a preimage, found by Gauss–Newton
/// from the start and measured to; an inconsistent y* has none, and distances stay in y.
module PhysGrad.Properties.Overdetermined

open System
open Xunit
open PhysGrad

[<Fact>]
let ``a consistent overdetermined y* has its x*, from the start and from the solution itself`` () =
    // P(x) = (x0 + x1, x0 − x1, x0·x1) at y* = (3, 1, 2): x0 + x1 = 3 and x0 − x1 = 1 give x = (2, 1), and
    // 2·1 = 2 agrees, so (2, 1) is the one preimage (the first two outputs alone fix x).
    for start in [ [| 0.5; 0.5 |]; [| 2.0; 1.0 |]; [| -3.0; 4.0 |] ] do
        let problem = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 2.0 |], start)
        let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,gn", 5)
        let target = comparison.Target
        Assert.Equal(TargetPointKind.PreimageNearStart, target.Kind)
        Assert.Equal(TargetPointMethod.GaussNewton, target.By)
        Assert.Equal(2.0, target.X.[0], 12)
        Assert.Equal(1.0, target.X.[1], 12)
        for r in comparison.Results do
            Assert.Equal(DistanceSpace.X, r.MeasuredIn)
            let f = r.Final
            Assert.Equal(Math.Sqrt((f.[0] - 2.0) ** 2.0 + (f.[1] - 1.0) ** 2.0), r.DistanceToTarget, 12)

[<Fact>]
let ``an inconsistent overdetermined y* has no x*, and distances are in y`` () =
    // y* = (3, 1, 5): x0 + x1 = 3 and x0 − x1 = 1 force x = (2, 1), where x0·x1 = 2 ≠ 5: no preimage exists,
    // and Gauss–Newton's least-squares point (a residual of order 1) must not be taken for one.
    let problem = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 3.0; 1.0; 5.0 |], [| 0.5; 0.5 |])
    let comparison = problem.CompareMethods(MethodCatalog.Parse "gd:0.01,gn", 5)
    Assert.NotEqual(TargetPointKind.PreimageNearStart, comparison.Target.Kind)
    for r in comparison.Results do
        Assert.Equal(DistanceSpace.Y, r.MeasuredIn)

[<Fact>]
let ``a sum whose collected terms leave a sum of coefficient 1 is flat, so printing and parsing give it back`` () =
    // y − ((x^y − (x − 1)) + y): −(x − 1) negated again is the term (x − 1), which must join the outer sum as
    // x and −1; before, the sum kept (x − 1) as one term and printed "x - 1 - x^y", which parses back as the
    // flat x − x^y − 1, a different node (the parse/print round-trip property found it with seed
    // 14569499596289772106,1252171523352433983).
    let e = PhysGrad.Symbolic.Parse.expression "y - ((x^y - (x - 1)) + y)"
    let flat = PhysGrad.Symbolic.Parse.expression "x - x^y - 1"
    Assert.True(obj.ReferenceEquals(e, flat), PhysGrad.Symbolic.Infix.formatExact e)
    Assert.True(obj.ReferenceEquals(e, PhysGrad.Symbolic.Parse.expression (PhysGrad.Symbolic.Infix.formatExact e)))
