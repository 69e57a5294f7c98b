/// Faults of the 29th new-user trial, fixed as kinds: entries a simulator's overflowing output does not
/// enter reported as undefined; eval's notes unwrapped, with "((…))" and two ways of writing 1.8E+308;
/// no log10 in the text syntax; duplicate variable names found after the start's length; a problem file's
/// non-string variable suggested as a name; messages without what to do instead.
module PhysGrad.Properties.Messages29

open System
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic

let private run = Cli.run

// ---- 1. an overflowing output leaves the entries that do not involve it finite ----------------------

[<Fact>]
let ``diff with a simulator: an output that overflows (exp(800)) leaves the entries that do not involve it finite`` () =
    let code, out, err = run [ "diff"; "--simulator"; "exp(x0); x0*x1"; "--target"; "1,2"; "--at"; "800,1"; "--order"; "2" ]
    Assert.True((code = 0), err)
    // L = ½((y0 − 1)² + (y1 − 2)²): dL/dx1 = (x0·x1 − 2)·x0 = 798·800, d²L/dx1² = x0², d²L/dx0dx1 = x1·x0 + (x0·x1 − 2).
    Assert.Contains("  jacobian (2×2) = [[undefined, 0], [1, 800]]\n", out)
    Assert.Contains("  gradient = [undefined, 638400]\n", out)
    Assert.Contains("  hessian (2×2) = [[undefined, 1598], [1598, 640000]]\n", out)
    let text = TestHelpers.unwrapped out
    // Only the entries that are not finite are said so, each with its size.
    Assert.Contains("undefined: y0: its value is 2.72637E+347, beyond the double range", text)
    Assert.Contains("undefined: dL/dx0: its value is 7.43312E+694", text)
    Assert.DoesNotContain("dL/dx1:", text)
    Assert.DoesNotContain("dy0/dx1:", text)
    Assert.DoesNotContain("d2L/dx1dx1:", text)

[<Fact>]
let ``eval with a simulator: the same point gives the finite entries in the CSV`` () =
    let points = TestHelpers.tempFile "m29" "pts.csv" "x0,x1\n800,1\n"
    try
        let code, out, err = run [ "eval"; "--simulator"; "exp(x0); x0*x1"; "--target"; "1,2"; "--points"; points; "--order"; "2" ]
        Assert.True((code = 0), err)
        Assert.EndsWith("\n800,1,,800,,0,1,800,,,638400,,1598,1598,640000\n", out)
        Assert.DoesNotContain("dL/dx1 is undefined", err)
    finally
        File.Delete points

[<Fact>]
let ``an output outside its domain still leaves its row and the loss undefined, saying which output`` () =
    let _, out, _ = run [ "diff"; "--simulator"; "1/x0; x0*x1"; "--target"; "1,2"; "--at"; "0,1"; "--order"; "2" ]
    Assert.Contains("  gradient = [undefined, undefined]\n", out)
    Assert.Contains("  undefined: dL/dx1: y0 is undefined here: x0 ≠ 0 for 1/x0\n", out)

// ---- 2. eval's notes: wrapped, one reason format, one number format ---------------------------------------

[<Fact>]
let ``eval's notes are wrapped at 100 columns, never nest parentheses, and write 1.8E+308 one way`` () =
    let points = TestHelpers.tempFile "m29" "pts.csv" "x0,x1\n800,1\n3,0\n"
    try
        let code, _, err = run [ "eval"; "--simulator"; "exp(x0)*x1; sqrt(x0 - 5)"; "--points"; points; "--order"; "1" ]
        Assert.True((code = 0), err)
        for line in err.Replace("\r", "").Split('\n') do
            Assert.True(line.Length <= 100, line)
        let text = TestHelpers.unwrapped err
        Assert.Contains("1.8E+308", text)
        Assert.DoesNotContain("e308", text)
        // A condition with a parenthesis of its own is not put inside another.
        Assert.Contains("dy1/dx0 is undefined: y1 is undefined here: x0 - 5 ≥ 0 for sqrt(x0 - 5)", text)
        Assert.DoesNotContain("))", text)
    finally
        File.Delete points
