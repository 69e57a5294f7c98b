/// A caller of the façade tests outcomes by value: exit reasons, fallback kinds, applicability and check
/// verdicts are enums and records, and none of these tests reads a message.
module PhysGrad.Properties.TypedOutcomes

open Xunit
open PhysGrad
open PhysGrad.Numerics

/// P(x) = x0², y* = 4, GD at η = 10 from −3. With L = ½(y − y*)², ∂L/∂x = 2·x0·(x0² − 4):
/// x1 = −3 + 10·30 = 297; x2 = 297 − 10·2·297·88205 ≈ −5.24e8; x3 ≈ 20·(5.24e8)³ ≈ 2.9e27;
/// x4 ≈ −20·(2.9e27)³ ≈ −4.8e83, all finite, but L(x4) ≈ ½·x4⁴ ≈ 2.6e334 overflows: the loss is the
/// first quantity to become non-finite, at iteration 4 (the gradient there, ≈ 2·x4³ ≈ 2e251, is finite).
[<Fact>]
let ``a diverged run says so by its exit reason, with the iteration and the non-finite quantity`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| -3.0 |])
    let result = problem.CompareMethods([| struct (Method.GradientDescent, 10.0) |], 20).Results.[0]
    Assert.True(result.Diverged)
    Assert.Equal(StopReason.Diverged, result.Run.Exit.Reason)
    Assert.Equal(4, result.Run.Exit.Iteration)
    Assert.True(result.Run.Exit.NonFinite.HasValue)
    Assert.Equal(Quantity.Loss, result.Run.Exit.NonFinite.Value.Quantity)
    // x* = −2 (the preimage of 4 nearest −3) exists, so the distance is measured in x.
    Assert.Equal(DistanceSpace.X, result.MeasuredIn)

/// P(x) = x0², y* = −1 from x0 = 1, PG at η = 1: the y-step goes all the way to y* = −1, which x0² never
/// reaches, so the first step has no preimage and falls back to IG's step.
[<Fact>]
let ``a fallback is told by its kind and iteration`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| -1.0 |], [| 1.0 |])
    let result = problem.CompareMethods([| struct (Method.PhysicalGradient, 1.0) |], 1).Results.[0]
    Assert.False(result.Diverged)
    let first = Assert.Single(result.Run.Fallbacks)
    Assert.Equal(FallbackKind.NoPreimage, first.Kind)
    Assert.Equal(1, first.Iteration)
    // x0² = −1 has no real solution, so there is no x*: the distance is measured in y.
    Assert.Equal(DistanceSpace.Y, result.MeasuredIn)

/// IG and PG need a square Jacobian: P(x0, x1) = x0 + x1 has one output for two variables; GD needs nothing.
[<Fact>]
let ``applicability is a verdict with a cause, not a sentence`` () =
    let problem = PhysicsProblem.FromText("x0 + x1", [| 1.0 |], [| 0.0; 0.0 |])
    let pg = BookExample.ApplicabilityOf(problem.Model, Method.PhysicalGradient)
    Assert.False(pg.IsApplicable)
    Assert.Equal(Some NotApplicableCause.NotSquare, Option.ofNullable pg.Cause)
    let gd = BookExample.ApplicabilityOf(problem.Model, Method.GradientDescent)
    Assert.True(gd.IsApplicable)
    Assert.False(gd.Cause.HasValue)
    // A units analysis of a problem without units does not apply, for that reason.
    let units = StepUnits.Measure(problem.Model).Applicability
    Assert.Equal(Some NotApplicableCause.NoUnits, Option.ofNullable units.Cause)

/// P(x) = x0² at x0 = 0: J = 2·x0 = 0 is singular, so the local-inverse property (8) cannot be checked
/// there (undef), whereas at x0 = 3 (J = 6) P⁻¹(y) = √y keeps the positive branch (pass). Without units,
/// property 1 does not apply.
[<Fact>]
let ``check verdicts are pass, undef and n/a by value`` () =
    let problem = PhysicsProblem.FromText("x0^2", [| 4.0 |], [| 3.0 |])
    let verdict (results: CheckResult seq) n = (results |> Seq.find (fun r -> r.Property = n)).Verdict
    let atThree = problem.Check([| 3.0 |])
    let atZero = problem.Check([| 0.0 |])
    Assert.Equal(CheckVerdict.Pass, verdict atThree 8)
    Assert.Equal(CheckVerdict.Undefined, verdict atZero 8)
    Assert.Equal(CheckVerdict.NotApplicable, verdict atThree 1)

/// P(x) = x0², L = y0: J = 2·x0 is invertible away from 0, but ∂²L/∂y² = 0 for every y, so the y-step
/// −η (∂²L/∂y²)⁻¹ ∂L/∂y that IG and PG map back to x does not exist: the refusal blames the loss's Hessian
/// in y. P = [x0 + x1, 2·x0 + 2·x1] with the default loss (∂²L/∂y² = I) has det J = 1·2 − 1·2 = 0: that
/// refusal blames the Jacobian (for IG; PG is refused earlier there, as it has no local inverse to derive).
[<Fact>]
let ``IG and PG refusals name the matrix that is singular: the loss's Hessian in y or the Jacobian`` () =
    let linearLoss = PhysicsProblem.FromText("x0^2", loss = "y0")
    let singularJ = PhysicsProblem.FromText("x0 + x1; 2*x0 + 2*x1")

    for m in [ Method.InverseGradient; Method.PhysicalGradient ] do
        let e = Assert.Throws<MethodNotApplicableException>(fun () -> linearLoss.Rules(m) |> ignore)
        Assert.Equal(NotApplicableCause.Singular, e.Cause)
        Assert.Contains("∂²L/∂y²", e.Message)
        Assert.DoesNotContain("Jacobian", e.Message)

    let j = Assert.Throws<MethodNotApplicableException>(fun () -> singularJ.Rules(Method.InverseGradient) |> ignore)
    Assert.Equal(NotApplicableCause.Singular, j.Cause)
    Assert.Contains("Jacobian", j.Message)
    Assert.DoesNotContain("∂²L/∂y²", j.Message)
