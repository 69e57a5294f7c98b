/// Faults of the 33rd new-user trial, fixed as kinds: a given inverse ignored by compare when PG does not run; a
/// --vars name the simulator never uses; NaN, inf, pi and e as target names; a start where P overflows reported
/// as every method diverging; a capability's code name in a message; newton's η printed two ways; "a nearer one
/// may exist" for the only preimage; derive's C# and LaTeX notes before their header.
module PhysGrad.Properties.Inputs33

open System
open System.IO
open Xunit
open PhysGrad

let private run = Cli.run

let private refused = MessageTests.refused

let private out33 = Path.Combine(Path.GetTempPath(), "physgrad-inputs33")

let private compare (args: string list) =
    let code, out, err = run ([ "compare" ] @ args @ [ "--iterations"; "3"; "--out"; out33 ])
    code, TestHelpers.unwrapped out, TestHelpers.unwrapped err

// ---- 1. a given inverse finds x* whatever runs ----------------------------------------------------------

[<Fact>]
let ``a given inverse finds x* whatever methods run, and a wrong one is said with a warning`` () =
    // Before: with --methods gd, x* was "found from the start by Newton's method" and the inverse never looked at.
    let code, text, err = compare [ "--simulator"; "x0"; "--target"; "1"; "--start"; "0"; "--methods"; "gd"; "--inverse"; "y0" ]
    Assert.True((code = 0), err)
    Assert.Contains("found from the start by the given inverse", text)
    // Through the API too.
    let p = PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |], inverse = [| "y0" |])
    let c = p.CompareMethods([| MethodCatalog.Parse("gd").[0] |], 2)
    Assert.Equal(TargetPointMethod.GivenInverse, c.Target.By)
    // A wrong inverse: the warning compare gives with pg, and the x* line says the inverse gave no preimage.
    let code, text, err = compare [ "--simulator"; "x0^3"; "--target"; "8"; "--start"; "1"; "--methods"; "gd"; "--inverse"; "2*cbrt(y0)" ]
    Assert.True((code = 0), err)
    Assert.Contains("Warning: the given inverse does not invert the simulator", text)
    Assert.Contains("not by the given inverse (the given inverse gives [4], where P is [64], not y* = [8])", text)

// ---- 2. a --vars name nothing uses ---------------------------------------------------------------------

[<Fact>]
let ``a variable the simulator never writes is refused as an unused --param is, in --vars and in a problem file`` () =
    // Before: ran with exit 0 and no word on c.
    let said = refused [ "compare"; "--simulator"; "a*b"; "--vars"; "a,b,c"; "--target"; "1"; "--start"; "1,1,1"; "--methods"; "gd" ]
    Assert.Contains("--vars lists the variable c, but --simulator does not use it", said)
    Assert.Contains("Leave it out of --vars", said)
    let file = TestHelpers.tempFile "33" "unused.json" """{"variables":["a","b","c"],"simulator":["a*b"],"target":[1],"start":[1,1,1]}"""
    let said = refused [ "compare"; "--problem"; file; "--methods"; "gd" ]
    Assert.Contains("its \"variables\" lists the variable c", said)
    // One written and cancelled stays a variable (x* a line), as before.
    let code, _, err = compare [ "--vars"; "x0,x1"; "--simulator"; "x0*0 + x1; x1"; "--start"; "1,1"; "--target"; "1,1"; "--methods"; "gd" ]
    Assert.True((code = 0), err)

// ---- 3. reserved words as target names ------------------------------------------------------------------

[<Fact>]
let ``NaN, inf, pi and e are no target names, on the command line or in a problem file`` () =
    // Before: "NaN" in a file's target was a symbol (derive printed b^3 - NaN); --target pi was "neither a number nor a name".
    for word in [ "NaN"; "Infinity"; "inf" ] do
        let file = TestHelpers.tempFile "33" "nan.json" (sprintf """{"variables":["b"],"simulator":["b^3", "b"],"target":[1, "%s"]}""" word)
        let said = refused [ "derive"; "--problem"; file ]
        Assert.Contains(sprintf "target[1] ('%s') is not finite" word, said)
        let said = refused [ "derive"; "--simulator"; "b^3"; "--vars"; "b"; "--target"; word ]
        Assert.Contains("is not finite", said)
        Assert.Contains("no name either", said)
    let said = refused [ "derive"; "--simulator"; "b^3"; "--vars"; "b"; "--target"; "pi" ]
    Assert.Contains("('pi') is the constant π, reserved", said)
    Assert.Contains("write 3.141592653589793", said)
    let file = TestHelpers.tempFile "33" "e.json" """{"variables":["b"],"simulator":["b^3"],"target":["e"]}"""
    Assert.Contains("('e') is the constant e, reserved", refused [ "derive"; "--problem"; file ])

// ---- 4. a start where P overflows -----------------------------------------------------------------------

[<Fact>]
let ``a start where an output overflows is an input error naming the output, not every method diverging`` () =
    // Before: exit 1, every method "diverged: … step 1 cannot be taken".
    let said = refused [ "compare"; "--simulator"; "x0^2"; "--target"; "1e300"; "--start"; "1e200"; "--out"; out33 ]
    Assert.Contains("the output y0 = x0^2 overflows", said)
    Assert.Contains("Rescale the problem", said)
    // Undefined there: the domain's refusal, as before.
    Assert.Contains("x0 > 0 for log(x0) fails", refused [ "compare"; "--simulator"; "log(x0)"; "--target"; "1"; "--start"; "0"; "--out"; out33 ])

[<Fact>]
let ``a run that cannot take its first step is said alike in the legend and in the stop`` () =
    // sqrt(x0) from 0 runs (README): the legend said "diverged at iteration 0" where the stop says "step 1 cannot be taken".
    let p = PhysicsProblem.FromText("sqrt(x0)", [| 1.0 |], [| 0.0 |])
    let r = p.Run(PhysGrad.Numerics.Method.GradientDescent, 0.1, 3)
    Assert.Equal(0, r.Exit.Iteration)
    Assert.Equal(", diverged at the start: step 1 cannot be taken", TrajectoryPlots.Status(r, false))

// ---- 5. code names in messages ------------------------------------------------------------------------

[<Fact>]
let ``a derivative whose constants overflow is named in words, and the message ends with a full stop`` () =
    // Before: "Deriving the problem's Value (of L(P(x)) …" without a full stop.
    // (1e200*x0 at target 0 was the example until its loss kept (1E+200·x0)² whole, Trial36; exp(400)*x0's loss still
    // holds exp(800).)
    let said = refused [ "compare"; "--simulator"; "exp(400)*x0"; "--target"; "0"; "--start"; "1"; "--out"; out33 ]
    Assert.DoesNotContain("problem's Value", said)
    Assert.Contains("Deriving the loss L(P(x)) of the problem", said)
    Assert.EndsWith(".", said.TrimEnd())

// ---- 6. η in --help as in the table ----------------------------------------------------------------------

[<Fact>]
let ``compare's help gives newton's default step size as the table prints it`` () =
    let _, out, _ = run [ "compare"; "--help" ]
    let text = TestHelpers.unwrapped out
    Assert.DoesNotContain("0.333333", text)
    Assert.Contains("default η 1/3", text)

// ---- 7. the only preimage ---------------------------------------------------------------------------------

[<Fact>]
let ``x* of affine outputs of rank n is the only preimage, never 'a nearer one may exist'`` () =
    let code, text, err = compare [ "--simulator"; "x0+x1; x0-x1; x0*x1"; "--target"; "3,1,2"; "--start"; "1,1"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.DoesNotContain("a nearer one may exist", text)
    Assert.Contains("is the only preimage of y*", text)
    // Not affine enough (one affine row for two variables): nothing is claimed.
    let p = PhysicsProblem.FromText("x0+x1; x0*x1; x0^2", [| 3.0; 2.0; 1.0 |], [| 1.5; 1.5 |])
    Assert.False(TargetPoint.Find(p, ResizeArray<PhysGrad.Numerics.OptimizerRun>()).Only)

// ---- 8. derive's header first ----------------------------------------------------------------------------

[<Fact>]
let ``derive's C# and LaTeX open with their header, the skipped methods after it`` () =
    for format, comment in [ "csharp", "//"; "latex", "%" ] do
        let code, out, err = run [ "derive"; "--simulator"; "x0^2; x1"; "--target"; "1,1"; "--format"; format ]
        Assert.True((code = 0), err)
        let lines = out.Split('\n')
        Assert.StartsWith(comment + " physgrad derive:", lines.[0])
        let skipped = lines |> Array.findIndex (fun l -> l.Contains "hig skipped")
        let header = lines |> Array.findIndex (fun l -> l.Contains "physgrad derive:")
        Assert.True(header < skipped)
