/// `derive` on the reference examples at their own sizes: the closed forms that solve with an n×n matrix
/// symbolically (newton, gn, ig), or take the y-step's n×n Hessian (ig, pg), or print one rule per variable
/// (every one) are skipped above their size limits with the reason, or refused before tracing when every
/// method asked for is over its limit; pg's, which composes the inverse with the simulator, above
/// UpdateRuleSet.PhysicalTermLimit variable terms, and without the rounding residue of that composition.
/// Before, `derive --example heat1d-inverse` (256 cells) ran for more than 300 s deriving dense inverses,
/// and then printed 931 KB of pg.
module PhysGrad.Properties.DeriveSizeLimits

open System
open Xunit
open PhysGrad.Properties.TestHelpers
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

[<Fact>]
let ``the size limits of derived rules hold at their boundaries and name the matrix`` () =
    let dense = UpdateRuleSet.DenseRuleLimit

    for m in [ Method.Newton; Method.GaussNewton; Method.InverseGradient ] do
        Assert.Null(UpdateRuleSet.TooLargeReason(m, dense))
        let reason = UpdateRuleSet.TooLargeReason(m, dense + 1)
        Assert.Contains(sprintf "a %d×%d matrix" (dense + 1) (dense + 1), reason)
        Assert.Contains(sprintf "at most %d variables" dense, reason)

    Assert.Contains("the Hessian ∂²L/∂x²", UpdateRuleSet.TooLargeReason(Method.Newton, dense + 1))
    Assert.Contains("the Jacobian ∂P/∂x", UpdateRuleSet.TooLargeReason(Method.InverseGradient, dense + 1))
    // gd and pg have no dense solve in x: only the y-step's limit (pg) and the rule limit (both).
    Assert.Null(UpdateRuleSet.TooLargeReason(Method.GradientDescent, dense + 1))
    Assert.Null(UpdateRuleSet.TooLargeReason(Method.PhysicalGradient, UpdateRuleSet.YStepLimit))
    Assert.Contains("∂²L/∂y²", UpdateRuleSet.TooLargeReason(Method.PhysicalGradient, UpdateRuleSet.YStepLimit + 1))
    Assert.Null(UpdateRuleSet.TooLargeReason(Method.GradientDescent, UpdateRuleSet.RuleLimit))
    Assert.Contains(sprintf "%d steps, one per variable" (UpdateRuleSet.RuleLimit + 1), UpdateRuleSet.TooLargeReason(Method.GradientDescent, UpdateRuleSet.RuleLimit + 1))

[<Fact>]
let ``derive above the dense limit skips newton, ig and gn with why and prints gd's and pg's rules`` () =
    let n = UpdateRuleSet.DenseRuleLimit + 1
    let code, out, _ = run [ "derive"; "--example"; "heat1d-inverse"; "--n"; string n ]
    Assert.Equal(0, code)

    for name in [ "newton"; "ig"; "gn" ] do
        let line = out.Split('\n') |> Array.find (fun l -> l.StartsWith(name + " skipped: "))
        Assert.Contains(sprintf "a %d×%d matrix" n n, line)

    // Every variable's step of the two rules that remain, and the y-step they use.
    Assert.Contains(sprintf "Δx%d = " (n - 1), TestHelpers.unwrapped out)
    Assert.Contains(sprintf "Δy%d = " (n - 1), TestHelpers.unwrapped out)
    Assert.Contains("pg:", TestHelpers.unwrapped out)
    Assert.Contains("gd:", TestHelpers.unwrapped out)

[<Fact>]
let ``derive refuses before tracing when every method named is over its limit`` () =
    let n = UpdateRuleSet.DenseRuleLimit + 1
    let code, out, err = run [ "derive"; "--example"; "heat1d"; "--n"; string n; "--methods"; "newton,gn" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains(sprintf "--example heat1d has %d variables" n, TestHelpers.unwrapped err)
    Assert.Contains("newton's closed form solves with the Hessian", TestHelpers.unwrapped err)
    Assert.Contains("gn's closed form solves with JᵀJ", TestHelpers.unwrapped err)
    // Above the rule limit even gd is refused, and at once (tracing 10⁵ cells would take seconds first).
    let code, out, err = run [ "derive"; "--example"; "heat1d"; "--n"; "100000"; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("gd's rule is 100000 steps, one per variable", TestHelpers.unwrapped err)
    Assert.Contains(sprintf "at most %d variables" UpdateRuleSet.RuleLimit, TestHelpers.unwrapped err)

// heat1d-inverse's PG step reaches as far as its regularised inverse and its forward steps together:
// B y + (I − BA) x with B A reaching HeatSteps·HeatInverseTerms cells each way, so each Δxᵢ depends on
// 2·HeatSteps·HeatInverseTerms + 1 cells once the grid has that many.
let private pgWidth = 2 * ReferenceProblems.HeatSteps * ReferenceProblems.HeatInverseTerms + 1
// The largest grid whose PG rule is within the term limit, and the first over it.
let private pgLargest = UpdateRuleSet.PhysicalTermLimit / pgWidth

[<Fact>]
let ``pg's rule is skipped above its term limit, with the count and what to do instead, and named it exits 2`` () =
    let over = pgLargest + 1
    let code, out, _ = run [ "derive"; "--example"; "heat1d-inverse"; "--n"; string over ]
    Assert.Equal(0, code)
    let line = (unwrapped out).Split('\n') |> Array.find (fun l -> l.StartsWith "pg skipped: ")
    Assert.Contains(sprintf "each of its %d steps depends on %d variables on average (%s terms in all" over pgWidth ((over * pgWidth).ToString("N0")), line)
    Assert.Contains(sprintf "more than the %s of a dense rule at %d variables" (UpdateRuleSet.PhysicalTermLimit.ToString("N0")) UpdateRuleSet.DenseRuleLimit, line)
    Assert.Contains("(compare)", line)
    // The y-step is shown only with a rule that uses it: none is left.
    Assert.DoesNotContain("y-step:", unwrapped out)
    Assert.DoesNotContain("pg:", unwrapped out)
    Assert.Contains("gd:", unwrapped out)
    // Named, it is the command's failure: exit 2, the reason on stderr, nothing on stdout.
    let code, out, err = run [ "derive"; "--example"; "heat1d-inverse"; "--n"; "256"; "--methods"; "pg" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains(sprintf "each of its 256 steps depends on %d variables on average" pgWidth, TestHelpers.unwrapped err)
    // At the limit the rule is written, every step of it.
    let code, out, _ = run [ "derive"; "--example"; "heat1d-inverse"; "--n"; string pgLargest; "--methods"; "pg" ]
    Assert.Equal(0, code)
    Assert.Contains(sprintf "Δx%d = " (pgLargest - 1), unwrapped out)

let private heatInverse8 = lazy (ReferenceProblems.Create("heat1d-inverse", 8, defaultComparison = false))
let private pgRule8 = lazy (heatInverse8.Value.Rules(Method.PhysicalGradient).[0])

[<Property(MaxTest = 20)>]
let ``heat1d-inverse's pg rule has no rounding residue and is the numeric pg step at a random point`` () =
    let point = Gen.arrayOfLength 8 (Gen.choose (-1000, 1000) |> Gen.map (fun k -> float k / 250.0))
    let eta = Gen.choose (1, 100) |> Gen.map (fun k -> float k / 100.0)
    Prop.forAll (Arb.fromGen (Gen.zip point eta)) (fun (x, eta) ->
        let problem, rule = heatInverse8.Value, pgRule8.Value
        let at (e: float) =
            readOnlyDict [ yield "eta", e; for i in 0 .. 7 -> sprintf "x%d" i, x.[i] ]
        // PG's step is 0 at η = 0 on paper (P⁻¹(P(x); x) = x for this inverse): exactly 0 in the rule, so
        // no term without η is left (before, each step had one per variable, near 1E-15).
        for step in rule.Steps do
            Assert.Equal(0.0, step.Evaluate(at 0.0))
        // One step of the optimiser, which evaluates the traced inverse and simulator, is the rule's step.
        let run = problem.WithStart(x).Run(Method.PhysicalGradient, eta, 1)
        for i in 0 .. 7 do
            let numeric = run.Final.[i] - x.[i]
            let derived = rule.Steps.[i].Evaluate(at eta)
            Assert.True(abs (numeric - derived) <= 1e-12 * (1.0 + Array.sumBy abs x), sprintf "Δx%d: numeric %g, rule %g" i numeric derived)
        true)

[<Property(MaxTest = 100)>]
let ``a coefficient is dropped as residue exactly when it is within 64 ulps of the magnitudes that made it`` () =
    // u = a·(x + y) + b·(x − y): the coefficient of y is a − b, made from |a| + |b|. A simplified form
    // c·y + (a + b)·x keeps c·y exactly when |c| > 64·2⁻⁵³·(|a| + |b|).
    let gen = gen {
        let! a = Gen.choose (1, 1000) |> Gen.map (fun k -> float k / 7.0)
        let! b = Gen.choose (1001, 2000) |> Gen.map (fun k -> float k / 7.0)
        let! ulps = Gen.choose (0, 128) |> Gen.map float
        return a, b, ulps }
    Prop.forAll (Arb.fromGen gen) (fun (a, b, ulps) ->
        let x, y = Expr.symbol "x", Expr.symbol "y"
        let u = Expr.add (Expr.mul2 (Expr.real a) (Expr.add x y)) (Expr.mul2 (Expr.real b) (Expr.sub x y))
        let c = ulps * Math.Pow(2.0, -53.0) * (a + b)
        let kept = Expr.mul2 (Expr.real (a + b)) x
        let s = Expr.add kept (Expr.mul2 (Expr.real c) y)
        let dropped = (ProductResidue.drop [| u |] [| s |]).[0]
        if ulps <= ProductResidue.ResidueUlps then Assert.Same(kept, dropped) else Assert.Same(s, dropped)
        true)
