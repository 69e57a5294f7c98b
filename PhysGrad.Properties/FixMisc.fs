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

// ---- 2. entries are counted from 0, like the variables x0, x1 and the outputs y0, y1 -------------------

[<Fact>]
let ``non-finite entries are named by 0-based variable and output`` () =
    let entry q i columns = PhysGrad.Numerics.NonFiniteValue(q, i, nan, columns).ToString()
    // Flat index 1 of a 1 × 2 Jacobian is row 0, column 1: ∂y0/∂x1.
    Assert.Equal("the Jacobian entry J[0,1] = ∂y0/∂x1 = NaN", entry PhysGrad.Numerics.Quantity.Jacobian 1 2)
    // Flat index 5 of a 2 × 3 Jacobian is row 1, column 2.
    Assert.Equal("the Jacobian entry J[1,2] = ∂y1/∂x2 = NaN", entry PhysGrad.Numerics.Quantity.Jacobian 5 3)
    Assert.Equal("the gradient entry ∂L/∂x1 = NaN", entry PhysGrad.Numerics.Quantity.Gradient 1 0)
    Assert.Equal("the output y0 = NaN", entry PhysGrad.Numerics.Quantity.Outputs 0 0)
    // Flat index 2 of a 2 × 2 Hessian is row 1, column 0.
    Assert.Equal("the Hessian entry H[1,0] = ∂²L/∂x1∂x0 = NaN", entry PhysGrad.Numerics.Quantity.Hessian 2 2)

[<Fact>]
let ``the tester's x0^x1 case names ∂L/∂x1 and ∂y0/∂x1, never an index past the last variable`` () =
    // y = x0^x1 at (0, 2): ∂y/∂x1 = x0^x1·ln x0 is 0·(−∞) = NaN from its formula, so the entry taken as a
    // limit is the one for x1 (index 1 of 2), in J and in ∂L/∂x = (y − 1)·∂y/∂x.
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "x0^x1"; "--target"; "1"; "--start"; "0,2"; "--methods"; "gd:0.1,gn:1"
                  "--out"; IO.Path.GetTempPath() ]
    Assert.True(code = 0 || code = 1, err)
    Assert.Contains("∂L/∂x1 = NaN", out)
    Assert.Contains("J[0,1] = ∂y0/∂x1 = NaN", out)
    Assert.DoesNotContain("x[2]", out + err)
    Assert.DoesNotContain("J[1,2]", out + err)
