/// The printed rules' regressions of round 34 as round 35 found them: a name for exp(x1), which is not worth a
/// name, where exp(-x1) was written as its reciprocal; a name turned into its reciprocal that left a division by
/// it inside a bracket and a denominator; a sum written back by pruning that another name's sum divides times a
/// monomial; and a product multiplied out for comparison that overflowed a constant the rule kept finite.
module PhysGrad.Properties.Rfix35

open Xunit
open PhysGrad.Symbolic

let private derive (args: string list) =
    let code, out, err = Cli.run ("derive" :: args)
    Assert.True((code = 0), out + err)
    out

let private definitions (out: string) =
    Cli.ruleLines out |> List.filter (fun (n, _) -> not (n.StartsWith "Δ")) |> List.map (fun (n, d) -> n, Parse.expression d)

[<Fact>]
let ``a name for exp(-x1) whose exp(x1) is not worth a name writes its reciprocal as exp(x1)`` () =
    let out = derive [ "--simulator"; "x0^3; 3*x0 + sin(x0); 11*(x0 - exp(x1))"; "--methods"; "newton" ]
    // Was t1 = exp(x1) (not worth a name) with t3*t6/t1 in the denominator.
    for (n, d) in definitions out do
        Assert.True(SharedTerms.worthAName d, sprintf "%s = %s in\n%s" n (Infix.format d) out)

    Assert.Contains("11*exp(x1)", out)
    Assert.DoesNotContain("/t1", out)

[<Fact>]
let ``a name that became its reciprocal leaves no division by it in the rule`` () =
    let out = derive [ "--simulator"; "exp(x1*x0); exp(x1)"; "--methods"; "newton" ]
    Assert.Contains(definitions out, fun (_, d) -> Infix.format d = "exp(x0*x1)")
    Assert.DoesNotContain("/t1", out)
    Assert.DoesNotContain("t1^-", out)

[<Fact>]
let ``a sum left by pruning that holds another name's sum times a monomial is written with that name once`` () =
    let out = derive [ "--simulator"; "k*x0^2; (x0 + 1)*(x0 + x1)*sin(x1) + sin(x1)*x0^2*(x0 + 1)"; "--methods"; "newton"; "--param"; "k=0.5" ]
    // Was t1 = x0 + 1 beside t7 = x0 + x0^2 + x1 (t1*x0 + x1), and t1*x0 + x1 written again inside t2.
    Assert.DoesNotContain("x0 + x0^2 + x1", out)
    Assert.Equal(1, System.Text.RegularExpressions.Regex.Matches(out, @"t1\*x0 \+ x1").Count)

[<Fact>]
let ``derive on a scale beyond doubles' squares does not overflow comparing products`` () =
    // gd's rule is -2*10^390*eta*x0*(x0^2 - 1E+50): multiplied out it folds 10^390 with 1E+50.
    let out = derive [ "--simulator"; "1e195*x0^2"; "--target"; "1e245" ]
    Assert.Contains("gd:", out)
    Assert.Contains("gn:", out)
