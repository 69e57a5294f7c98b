/// Newton's modified step (issue 12, item 1): where H is indefinite or singular the modified-Newton
/// direction is a descent direction, but a small |λ| makes it long (1/|λ|), so the step is backtracked
/// until L decreases (Nocedal & Wright, Numerical Optimization, Algorithm 3.2), and the fallback's text
/// claims no more than that.
module PhysGrad.Properties.NewtonFallback

open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private create (variables: string[]) (simulator: string) (loss: string) (target: float[]) (start: float[]) =
    Problem.Create(variables, Parse.many simulator, (if isNull loss then null else Parse.expression loss), target, start, null, true)

[<Fact>]
let ``a small negative eigenvalue's long |λ| step is halved until Armijo's condition holds`` () =
    // L = x⁴/4 − x²/2 + 1 (y = x), at x = 0.57: L′ = 0.57³ − 0.57 = −0.384807, L″ = 3·0.57² − 1 = −0.0253.
    // The |λ| direction with η = 1 is d = 0.384807/0.0253 = 15.2098, which lands at 15.78 where L ≈ 1.5·10⁴
    // (the issue's kind: a tiny negative eigenvalue flipped and divided by). Armijo with c = 10⁻⁴ asks
    // L(x + d/2ᵏ) ≤ L(x) + 10⁻⁴ L′ d/2ᵏ ≈ 0.8639: k = 4 gives x = 1.5206, L = 1.1805 (too high);
    // k = 5 gives x = 0.57 + d/32 = 1.045305, L = 0.752147 < 0.8639, so five halvings.
    let p = create [| "x0" |] "x0" "y0^4/4 - y0^2/2 + 1" [| 0.0 |] [| 0.57 |]
    let r = Optimizer.Run(CompiledProblem p, Method.Newton, 1.0, p.Start, 1)
    let first = Assert.Single r.Fallbacks
    Assert.Equal(FallbackKind.HessianIndefinite, first.Kind)
    Assert.Equal(0.57 + 0.384807 / 0.0253 / 32.0, r.Final.[0], 10)
    Assert.Equal(0.7521465953, r.Losses.[1], 8)
    Assert.Contains("halved 5 times", first.Reason)
    Assert.Contains("1 negative eigenvalue by magnitude", first.Reason)
    Assert.DoesNotContain("(s)", first.Reason)
    Assert.DoesNotContain("a step that descends", first.Reason)

[<Fact>]
let ``the issue's 2-variable example never raises L at a fallback step`` () =
    // P = (x0 + sin x1, x1 eˣ⁰ + x0³), y* = (1, 1), from (0.1, 0.1): Newton met H with eigenvalues
    // about −5.9·10⁻⁴ and 14.9 at (0.80, 0.31) and jumped from L = 0.027 to 6·10¹² with the unsearched
    // |λ| step. The searched step satisfies Armijo, so L decreases at every fallback iteration.
    let p = create [| "x0"; "x1" |] "x0 + sin(x1); x1*exp(x0) + x0^3" null [| 1.0; 1.0 |] [| 0.1; 0.1 |]
    let r = Optimizer.Run(CompiledProblem p, Method.Newton, 1.0 / 3.0, p.Start, 10)
    Assert.NotEmpty r.Fallbacks
    for f in r.Fallbacks do
        Assert.True(r.Losses.[f.Iteration] < r.Losses.[f.Iteration - 1],
                    sprintf "iteration %d: L %g → %g (%s)" f.Iteration r.Losses.[f.Iteration - 1] r.Losses.[f.Iteration] f.Reason)
        Assert.DoesNotContain("(s)", f.Reason)
    Assert.True(r.FinalLoss < 1e-3, sprintf "final L = %g" r.FinalLoss)
