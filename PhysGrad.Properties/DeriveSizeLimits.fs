/// `derive` on the reference examples at their own sizes: the closed forms that solve with an n×n matrix
/// symbolically (newton, gn, ig), or take the y-step's n×n Hessian (ig, pg), or print one rule per variable
/// (every one) are skipped above their size limits with the reason, or refused before tracing when every
/// method asked for is over its limit. Before, `derive --example heat1d-inverse` (256 cells) ran for more
/// than 300 s deriving dense inverses.
module PhysGrad.Properties.DeriveSizeLimits

open Xunit
open PhysGrad
open PhysGrad.Numerics

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
    Assert.Contains(sprintf "Δx%d = " (n - 1), out)
    Assert.Contains(sprintf "Δy%d = " (n - 1), out)
    Assert.Contains("pg:", out)
    Assert.Contains("gd:", out)

[<Fact>]
let ``derive refuses before tracing when every method named is over its limit`` () =
    let n = UpdateRuleSet.DenseRuleLimit + 1
    let code, out, err = run [ "derive"; "--example"; "heat1d"; "--n"; string n; "--methods"; "newton,gn" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains(sprintf "--example heat1d has %d variables" n, err)
    Assert.Contains("newton's closed form solves with the Hessian", err)
    Assert.Contains("gn's closed form solves with JᵀJ", err)
    // Above the rule limit even gd is refused, and at once (tracing 10⁵ cells would take seconds first).
    let code, out, err = run [ "derive"; "--example"; "heat1d"; "--n"; "100000"; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("gd's rule is 100000 steps, one per variable", err)
    Assert.Contains(sprintf "at most %d variables" UpdateRuleSet.RuleLimit, err)
