/// check's faults of the 27th round, fixed as kinds: (1) false FAILs at points where doubles cannot resolve a
/// property of a nonlinear map (tanh at 15, atan at 1E+08: J tiny next to y, so y = P(x) leaves x open; sin at
/// 1.5707: the numeric inverse's precision through |J⁻¹| above the smallest δx), now undef naming J's size;
/// (2) outputs whose scales differ beyond what one power of two brings within doubles get one each;
/// (3) a quantity that overflows doubles at a smooth point is said as such, not "not twice differentiable";
/// (4) the API's Check refuses a point outside the domain as the CLI does; (5) the Gram route of GN/HIG
/// scales 𝒥 by a power of two before squaring it, as the LQ and QR routes do.
module PhysGrad.Properties.Check27

open System
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics.Learning

/// check --format json on a simulator at a start: (exit code, property number → (result, detail), note).
let private check (simulator: string) (start: string) =
    let code, out, err = Cli.run [ "check"; "--simulator"; simulator; "--start"; start; "--format"; "json" ]
    Assert.True((code = 0 || code = 1), sprintf "check %s at %s: exit %d, %s" simulator start code err)
    use doc = JsonDocument.Parse(out: string)
    let properties =
        [ for p in doc.RootElement.GetProperty("properties").EnumerateArray() ->
              p.GetProperty("property").GetInt32(), (p.GetProperty("result").GetString(), p.GetProperty("detail").GetString()) ]
        |> Map.ofList
    let note = match doc.RootElement.GetProperty("note").ValueKind with
               | JsonValueKind.String -> doc.RootElement.GetProperty("note").GetString()
               | _ -> ""
    code, properties, note

let private result (properties: Map<int, string * string>) n = fst properties.[n]
let private detail (properties: Map<int, string * string>) n = snd properties.[n]

// ---- 1. rounding-limited points of nonlinear maps -----------------------------------------------------------

[<Theory>]
[<InlineData("tanh(x0)", "15", "J ≈ 3.7E-13 at x = [15]")>]
[<InlineData("atan(x0)", "1e8", "J ≈ 1E-16 at x = [1E+08]")>]
let ``property 10 is undef where y's rounding decides the loss change, naming J's size against y's`` (simulator: string, start: string, words: string) =
    // tanh at 15: J ≈ 3.7E-13 beside y ≈ 1, so y (known to ±7E-15) leaves x open by ±0.019, more than the largest
    // step 0.015; L's change over the steps is y's rounding, and the remainders' fitted order was −0.13 (FAIL).
    let code, properties, _ = check simulator start
    Assert.Equal("undef", result properties 10)
    Assert.Contains(words, TestHelpers.unwrapped (detail properties 10))
    Assert.Contains("so y resolves x only to ±", TestHelpers.unwrapped (detail properties 10))
    Assert.DoesNotContain("fail", properties |> Map.toList |> List.map (fst << snd))
    Assert.Equal(0, code)

[<Theory>]
[<InlineData("tanh(x0)", "1")>]
[<InlineData("sin(x0)", "1")>]
[<InlineData("sin(x0)", "1.5707")>]
[<InlineData("atan(x0)", "3")>]
let ``property 10 still passes where the loss change is resolved`` (simulator: string, start: string) =
    let _, properties, _ = check simulator start
    Assert.Equal("pass", result properties 10)

[<Fact>]
let ``property 8 is undef where the inverse's precision through J⁻¹ exceeds the sizes, and passes or fails where resolved`` () =
    // sin at 1.5707: J ≈ 9.6E-05 beside y ≈ 1; the numeric inverse stops at 1E-12 of y's scale, 2E-08 in x, above the
    // smallest δx = 1.6E-08, where it returned x₀ itself: deviation 1, a FAIL of a property that holds.
    let code, properties, _ = check "sin(x0)" "1.5707"
    Assert.Equal("undef", result properties 8)
    Assert.Contains("J ≈ 9.6E-05 at x = [1.5707]", TestHelpers.unwrapped (detail properties 8))
    Assert.Contains("so y resolves x only to ±", TestHelpers.unwrapped (detail properties 8))
    Assert.Equal(0, code)
    for simulator, start in [ "sin(x0)", "1"; "tanh(x0)", "1"; "x0^3 + x0", "2" ] do
        let _, properties, _ = check simulator start
        Assert.Equal("pass", result properties 8)
    // A genuine failure stays one: a given inverse on the other branch of x0² at 3 returns −3.
    let code, out, _ = Cli.run [ "check"; "--simulator"; "x0^2"; "--inverse"; "-sqrt(y0)"; "--start"; "3"; "--target"; "4" ]
    Assert.Equal(1, code)
    Assert.Matches(@"8\s+local inverse keeps x₀'s branch\s+FAIL", out)

[<Fact>]
let ``the rounding limit of a nonlinear map is worded by J's size, not by a condition number of 1`` () =
    // tanh at 15 had "J's condition number 1 leaves y = P(x) telling x only to ±0.019" on properties 5, 7 and 8.
    let _, properties, _ = check "tanh(x0)" "15"
    for n in [ 5; 7; 8 ] do
        Assert.Equal("undef", result properties n)
        Assert.DoesNotContain("condition number 1 ", TestHelpers.unwrapped (detail properties n))
        Assert.Contains("J ≈ 3.7E-13 at x = [15]", TestHelpers.unwrapped (detail properties n))
    // A linear map ill-conditioned by its columns keeps the condition number's words.
    let _, properties, _ = check "1e-12*x0 + x1; x1" "0.6,0.4"
    Assert.Contains("J's condition number", TestHelpers.unwrapped (detail properties 8))

// ---- 2. outputs of very different scales ----------------------------------------------------------------------

[<Fact>]
let ``outputs whose scales differ by 1E+160 are each measured at their own scale, and nothing says Infinity times`` () =
    // One factor 2^-529 for both pushed x1's terms of L to 3E-318 (subnormal): Newton's step in x1 was off by 8E-06
    // and properties 2 and 3 FAILed.
    let code, properties, note = check "1e160*x0; x1" "3, 3"
    Assert.Equal(0, code)
    Assert.Equal("pass", result properties 2)
    Assert.Equal("pass", result properties 3)
    Assert.Contains("its own power of two (y0: 2^-529, y1: 2^", TestHelpers.unwrapped note)
    let code, out, err = Cli.run [ "check"; "--simulator"; "1e160*x0*x1; x1"; "--start"; "3,3" ]
    Assert.Equal(0, code)
    Assert.DoesNotContain("Infinity times", out + err)
    Assert.DoesNotContain("undef", out)
    // One factor still serves outputs of one scale, with the note as before.
    let _, _, note = check "1e200*x0; 1e200*x1" "3, 3"
    Assert.Contains("times 2^", note)
    Assert.DoesNotContain("its own power of two", note)

// ---- 3. overflow at a smooth point is not "not twice differentiable" ------------------------------------------

[<Theory>]
[<InlineData("exp(x0)", "700", "beyond the range of doubles")>]
[<InlineData("sqrt(x0)", "1e-300", "overflows doubles on the way")>]
let ``a quantity that overflows doubles where P is smooth is said to overflow`` (simulator: string, start: string, words: string) =
    let _, properties, _ = check simulator start
    Assert.Equal("undef", result properties 2)
    Assert.Contains(words, TestHelpers.unwrapped (detail properties 2))
    Assert.Contains("P and L are smooth there", TestHelpers.unwrapped (detail properties 2))
    Assert.DoesNotContain("not twice differentiable", detail properties 2)

[<Fact>]
let ``a point where P is not differentiable keeps its words`` () =
    // sqrt at 0: J = ∞ in exact arithmetic too.
    let _, properties, _ = check "sqrt(x0)" "0"
    Assert.Contains("not twice differentiable", TestHelpers.unwrapped (detail properties 2))

// ---- 4. the API refuses a point outside the domain as the CLI does --------------------------------------------

[<Fact>]
let ``the API's Check refuses a start or point outside the domain in the CLI's words, without its flags`` () =
    let code, _, err = Cli.run [ "check"; "--simulator"; "sqrt(x0)"; "--start"; "-1"; "--target"; "1" ]
    Assert.Equal(2, code)
    let p = PhysicsProblem.FromText("sqrt(x0)", [| 1.0 |], [| -1.0 |])
    let e = Assert.Throws<SymbolicException>(fun () -> p.Check() |> ignore)
    Assert.Equal(ErrorKind.Invalid, e.Kind)
    let words = "The start [-1] is outside the domain of the problem: y0 = sqrt(x0) is undefined there: x0 ≥ 0 for sqrt(x0) fails (x0 = -1). Give a start where the condition holds ("
    Assert.Contains(words, e.Message)
    Assert.Contains(words, TestHelpers.unwrapped err)
    Assert.DoesNotContain("--", e.Message)
    // A point given to Check is refused the same way, naming the argument.
    let inside = PhysicsProblem.FromText("sqrt(x0)", [| 1.0 |], [| 4.0 |])
    let e = Assert.Throws<SymbolicException>(fun () -> inside.Check([| -2.0 |]) |> ignore)
    Assert.Contains("The point [-2] is outside the domain of the problem: y0 = sqrt(x0) is undefined there", e.Message)
    Assert.Contains("Give a point where the condition holds (at)", e.Message)
    // Inside the domain it checks as before.
    Assert.Equal(11, inside.Check().Count)
    Assert.Equal(11, inside.Check([| 2.0 |]).Count)

// ---- 5. the Gram route scales 𝒥 before squaring it -------------------------------------------------------------

[<Theory>]
[<InlineData(1e200)>]
[<InlineData(1e-200)>]
let ``the Gram route of GN and HIG scales the batch Jacobian, so entries whose squares leave doubles give the LQ route's step`` (size: float) =
    // 64 × 100 (the trainer's Gram route: ≥ 64 rows, wide, τ ≥ 1E-04) with entries of size 1E+200, whose squares
    // overflow (G = ∞), or 1E-200, whose squares underflow (G = 0: nothing kept, a zero step).
    let r = Random(27)
    let rows, cols = 64, 100
    let j = Array.init (rows * cols) (fun _ -> size * (2.0 * r.NextDouble() - 1.0))
    let g = Array.init rows (fun _ -> 2.0 * r.NextDouble() - 1.0)
    for kappa in [ -0.5; -1.0 ] do
        let expected = Array.zeroCreate cols
        let got = Array.zeroCreate cols
        let keptLq = WideSpectral.Product(j, rows, cols, g, kappa, 1e-4, expected)
        let keptGram = GramSpectral.Product(j, rows, cols, g, kappa, 1e-4, got)
        Assert.Equal(keptLq, keptGram)
        Assert.Equal(rows, keptGram)
        let scale = expected |> Array.map abs |> Array.max
        Assert.True(scale > 0.0 && Double.IsFinite scale)
        Array.iteri2 (fun k (e: float) (a: float) ->
            Assert.True(abs (e - a) <= 1e-8 * scale, sprintf "κ = %g, component %d: LQ %.15g, Gram %.15g" kappa k e a)) expected got
