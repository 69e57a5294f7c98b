/// A new user's miscellaneous faults: `check` exits 1 only for a FAIL, messages name entries by the
/// problem's variables (0-based), whole-number constants print as integers, PG says when its numeric
/// inverse did not converge (not that no preimage exists), plot axes cover the data with integer ticks.
module PhysGrad.Properties.FixMisc

open System
open Xunit

// ---- 1. check: undef and n/a are not failures ---------------------------------------------------------

[<Fact>]
let ``check exits 0 when properties are undef but none fails`` () =
    // P = x² at 0: J = 2x = 0 is singular, so the inverse-based properties are undef, none FAIL.
    // P = [x0², x0·x1] at (0, 1): J = [[2x0, 0], [x1, x0]] = [[0, 0], [1, 0]], singular too.
    for args in [ [ "--simulator"; "x0^2"; "--at"; "0" ]; [ "--simulator"; "x0^2; x0*x1"; "--at"; "0,1" ] ] do
        let code, out, err = Cli.run ([ "check" ] @ args)
        Assert.DoesNotContain("FAIL", out)
        Assert.Contains("undef", out)
        Assert.Equal(0, code)
        Assert.DoesNotContain("internal error", err)

[<Fact>]
let ``check still exits 1 for a FAIL`` () =
    // The given inverse −√y0 of P = x² at x₀ = 0.5 returns −0.5: the wrong branch, property 8 FAILs.
    let code, out, _ = Cli.run [ "check"; "--simulator"; "x0^2"; "--inverse"; "-sqrt(y0)"; "--target"; "0"; "--at"; "0.5" ]
    Assert.Contains("FAIL", out)
    Assert.Equal(1, code)
