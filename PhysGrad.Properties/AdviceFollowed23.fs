/// Faults of small23, each fixed as a kind: advice that is refused when followed (a loss on a variable told to
/// use --param, which refuses a variable; a loss naming a missing output told the same), a nonzero step below
/// x's rounding reported as "step length 0" at a stationary point, an unknown function without the nearest
/// known one, and option ranges explained by a reason that fits another value (τ = −1 "drops them all").
module PhysGrad.Properties.AdviceFollowed23

open System
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Numerics

let private run = Cli.run

let private outDir () = Path.Combine(Path.GetTempPath(), $"physgrad-small23-{Guid.NewGuid():N}")

// ---- 1. every piece of advice works when followed ------------------------------------------------------

/// L(P(x)) of the original loss at x: each yᵢ replaced by its component, evaluated by diff (the façade's own
/// evaluation, independent of the run that is checked).
let private originalLoss (simulator: string) (loss: string) (x: float[]) =
    let components = simulator.Split(';', StringSplitOptions.TrimEntries)
    let text = Regex.Replace(loss, @"\by(\d+)\b", fun m -> "(" + components.[int m.Groups.[1].Value] + ")")
    let names = Array.init x.Length (fun i -> $"x{i}")
    (Derivatives.Compute(text, names, 1, x)).Value.Value

[<Theory>]
[<InlineData("x0^2", "(y0-1)^2 + x0^2", "1", "")>]
[<InlineData("x0^2 + x1; x0*x1", "(y0-1)^2 + (y1-2)^2 + 0.1*x1^2 + 0.01*x0^2", "1,2", "")>]
[<InlineData("x0^3", "(y0-8)^2 + 0.5*x0^2", "1", "8")>]
let ``a loss on a variable is refused with a rewriting through an extra output that runs and is the same loss`` (simulator: string, loss: string, start: string, target: string) =
    let targetArgs = if target = "" then [] else [ "--target"; target ]
    let code, _, err = run ([ "compare"; "--simulator"; simulator; "--loss"; loss; "--start"; start ] @ targetArgs)
    Assert.Equal(2, code)
    // --param refuses a variable: advising it is advice that fails.
    Assert.DoesNotContain("--param x", (TestHelpers.unwrapped err))
    let advisedSimulator = Regex.Match(TestHelpers.unwrapped err, "--simulator \"([^\"]+)\"").Groups.[1].Value
    let advisedLoss = Regex.Match(TestHelpers.unwrapped err, @"(?m)write the loss in [^:]+: (.+)\.\s*$").Groups.[1].Value
    Assert.True(advisedSimulator <> "" && advisedLoss <> "", err)
    let added = advisedSimulator.Split(';').Length - simulator.Split(';').Length
    Assert.True(added >= 1, err)
    // The advice followed, a target value added per new output when a target was given (as it says).
    let targetArgs = if target = "" then [] else [ "--target"; target + String.replicate added ",0" ]
    let code, out, err =
        run ([ "compare"; "--simulator"; advisedSimulator; "--loss"; advisedLoss; "--start"; start; "--methods"; "gn,gd"
               "--iterations"; "20"; "--format"; "json"; "--out"; outDir () ] @ targetArgs)
    Assert.True((code = 0), err)
    for m in JsonDocument.Parse(out).RootElement.GetProperty("methods").EnumerateArray() do
        let x = [| for v in m.GetProperty("final").EnumerateArray() -> v.GetDouble() |]
        let reported = m.GetProperty("finalLoss").GetDouble()
        let expected = originalLoss simulator loss x
        Assert.True(abs (reported - expected) <= 1e-12 * max 1.0 (abs expected), $"{reported} vs {expected} at {x}")

[<Fact>]
let ``a loss naming an output the simulator lacks says how many outputs there are, not --param`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0^2"; "--loss"; "(y0-1)^2 + y2^2"; "--start"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("the simulator has 1 output (y0)", TestHelpers.unwrapped err)
    Assert.DoesNotContain("--param", TestHelpers.unwrapped err)

/// Refusals whose advice is a --param (or --vars) to add: the advice, taken from the message and followed,
/// gives a run that is not refused.
[<Theory>]
[<InlineData("compare|--simulator|x0^2|--loss|(y0-c)^2|--start|1")>]
[<InlineData("compare|--simulator|x0^2|--inverse|sqrt(y0)*q|--start|1|--target|4")>]
[<InlineData("compare|--simulator|k*x0|--start|1|--target|4")>]
[<InlineData("compare|--simulator|k*x1|--vars|x1|--start|1|--target|4")>]
let ``a --param the refusal advises is accepted when added`` (args: string) =
    let args = args.Split('|') |> List.ofArray
    let code, _, err = run args
    Assert.Equal(2, code)
    let advice = Regex.Match(err, @"--param (\w+)=([^\s);,]*)")
    Assert.True(advice.Success, err)
    // "--param c=…" leaves the value to the user: any number is followed advice.
    let value = if advice.Groups.[2].Value.TrimEnd('.') = "" || advice.Groups.[2].Value = "…" then "2" else advice.Groups.[2].Value
    let code, _, err =
        run (args @ [ "--param"; $"{advice.Groups.[1].Value}={value}"; "--iterations"; "2"; "--methods"; "gd"; "--out"; outDir () ])
    Assert.True((code = 0 || code = 1), err)
    Assert.DoesNotContain("--param", TestHelpers.unwrapped err)

[<Fact>]
let ``a variable given as --param is refused with advice that works: --vars naming the others`` () =
    let code, _, err = run [ "compare"; "--simulator"; "x0*x1"; "--param"; "x0=2"; "--start"; "1"; "--target"; "4" ]
    Assert.Equal(2, code)
    Assert.Contains("name the other variables with --vars", TestHelpers.unwrapped err)
    let code, _, err =
        run [ "compare"; "--simulator"; "x0*x1"; "--vars"; "x1"; "--param"; "x0=2"; "--start"; "1"; "--target"; "4"; "--iterations"; "2"; "--out"; outDir () ]
    Assert.True((code = 0), err)

// ---- 2. a nonzero step below x's rounding is a stall, with its size --------------------------------------

[<Fact>]
let ``hig's step below the rounding of x where L underflows is Stalled with the step's size, not step length 0`` () =
    // P = x0³ from 1E-100 to 0: y = 1E-300, L = ½y² underflows to 0 and so do ∂L/∂x, ∂²L/∂x²; ∂L/∂y = 1E-300
    // does not, and hig's step −η σ^(−½) ∂L/∂y = −(3E-200)^(−½)·1E-300 = −5.77E-201 vanishes against x = 1E-100.
    let p = PhysicsProblem.FromText("x0^3", [| 0.0 |], [| 1e-100 |])
    let r = p.Run(Method.HalfInverseGradient, 1.0, 200)
    Assert.Equal(StopReason.Stalled, r.StopReason)
    let step = -(3e-200 ** -0.5) * 1e-300
    Assert.Contains($"the step, {NumberText.Short(step, 3)}, is below the rounding of x = 1E-100", r.StopDetail)
    Assert.DoesNotContain("step length 0", r.StopDetail)
    // The CLI's row says the same.
    let code, out, _ = run [ "compare"; "--simulator"; "x0^3"; "--start"; "1e-100"; "--target"; "0"; "--methods"; "hig:1"; "--out"; outDir () ]
    Assert.True((code = 0 || code = 1), out)
    Assert.Contains("stalled: the step, -5.77E-201,", TestHelpers.unwrapped out)

[<Fact>]
let ``a minimum reached where the steps round away is converged, and says the step's size rather than step length 0`` () =
    // L = (x0² − 1)² + x0² has its minimum at x0 = 1/√2; hig's last steps there are below x's rounding.
    let p = PhysicsProblem.FromText("x0^2; x0", [| 0.0; 0.0 |], [| 1.0 |], "(y0-1)^2 + y1^2")
    let r = p.Run(Method.HalfInverseGradient, 0.3, 200)
    Assert.Equal(StopReason.Converged, r.StopReason)
    Assert.Equal(1.0 / sqrt 2.0, r.Final.[0], 12)
    Assert.DoesNotContain("step length 0", r.StopDetail)
    Assert.Contains("is below the rounding of x", r.StopDetail)
    Assert.Contains("at a minimum", r.StopDetail)

// ---- 3. an unknown function gets the nearest known one ---------------------------------------------------

[<Theory>]
[<InlineData("sinn", "sin")>]
[<InlineData("Sin", "sin")>]
[<InlineData("sqr", "sqrt")>]
[<InlineData("expp", "exp")>]
[<InlineData("tanhh", "tanh")>]
[<InlineData("arctan", "atan")>]
[<InlineData("coss", "cos")>]
let ``an unknown function name suggests the nearest known function, in every command that parses`` (wrong: string, meant: string) =
    let hint = $"unknown function '{wrong}' (did you mean '{meant}'?"
    let code, _, err = run [ "compare"; "--simulator"; $"{wrong}(x0) + x0"; "--start"; "1"; "--target"; "0" ]
    Assert.Equal(2, code)
    Assert.Contains(hint, TestHelpers.unwrapped err)
    let code, _, err = run [ "diff"; "--function"; $"x*{wrong}(x)" ]
    Assert.Equal(2, code)
    Assert.Contains(hint, TestHelpers.unwrapped err)
    // The suggestion is a function the parser takes.
    let code, _, err = run [ "diff"; "--function"; $"x*{meant}(x)"; "--at"; "0.5" ]
    Assert.True((code = 0), err)

[<Fact>]
let ``a function name far from every known one gets the list only`` () =
    let code, _, err = run [ "diff"; "--function"; "foo(x)" ]
    Assert.Equal(2, code)
    Assert.Contains("unknown function 'foo' (known functions:", TestHelpers.unwrapped err)
    Assert.DoesNotContain("did you mean", TestHelpers.unwrapped err)

// ---- 4. an option out of range is explained for the value given ------------------------------------------

/// Each out-of-range option value, with words its refusal must hold (what that value would do) and words it
/// must not (the reason of another value).
[<Theory>]
[<InlineData("hig:1:tau=-1", "negative τ drops no singular value", "τ ≥ 1")>]
[<InlineData("hig:1:tau=1", "τ ≥ 1 drops every singular value", "negative")>]
[<InlineData("hig:1:tau=3", "τ ≥ 1 drops every singular value", "negative")>]
[<InlineData("adam:0.1:beta1=1", "1 − β₁ᵏ is 0", "negative weight")>]
[<InlineData("adam:0.1:beta1=2", "with a negative weight", "0/0")>]
[<InlineData("adam:0.1:beta1=-0.5", "alternating signs", "negative weight")>]
[<InlineData("adam:0.1:beta2=1", "1 − β₂ᵏ is 0", "negative weight")>]
[<InlineData("adam:0.1:beta2=-0.5", "could turn negative", "0/0")>]
[<InlineData("adam:0.1:eps=0", "divide by 0", "uphill")>]
[<InlineData("adam:0.1:eps=-1", "negative (a step uphill)", "for every entry")>]
[<InlineData("lm:1:lambda0=0", "it would stay 0", "negative")>]
[<InlineData("lm:1:lambda0=-1", "it would stay negative", "stay 0")>]
[<InlineData("newton-cg:1:tol=-1", "never allows", "p = 0")>]
[<InlineData("newton-cg:1:tol=1", "p = 0 already meets", "never allows")>]
[<InlineData("newton-cg:1:maxcg=-1", "cannot be negative", "whole numbers")>]
[<InlineData("newton-cg:1:maxcg=2.5", "counted in whole numbers", "cannot be negative")>]
let ``an option out of range names its range and what the value given would do, and the value it suggests runs`` (entry: string, holds: string, not: string) =
    let code, _, err = run [ "compare"; "--methods"; entry ]
    Assert.Equal(2, code)
    let option = Regex.Match(entry, @"(\w+)=[^:]+$").Groups.[1].Value
    let given = entry.Substring(entry.LastIndexOf('=') + 1)
    Assert.Contains($"the option {option} ", TestHelpers.unwrapped err)
    Assert.Contains($"must be ", TestHelpers.unwrapped err)
    Assert.Contains($"not {given}:", TestHelpers.unwrapped err)
    Assert.Contains(holds, TestHelpers.unwrapped err)
    Assert.DoesNotContain(not, TestHelpers.unwrapped err)
    // The value suggested (after the reason) is taken by the rule.
    let reason = (TestHelpers.unwrapped err).Substring((TestHelpers.unwrapped err).IndexOf($"not {given}:"))
    let suggested = Regex.Match(reason.Substring(reason.IndexOf(';')), $@"{option}=([-0-9.eE]*[0-9])|default ([-0-9.eE+]*[0-9])")
    Assert.True(suggested.Success, err)
    let value = if suggested.Groups.[1].Success then suggested.Groups.[1].Value else suggested.Groups.[2].Value
    let fixedEntry = entry.Substring(0, entry.LastIndexOf('=') + 1) + value
    let code, _, err = run [ "compare"; "--methods"; fixedEntry; "--iterations"; "2"; "--out"; outDir () ]
    Assert.True((code = 0 || code = 1), $"{fixedEntry}: {err}")

[<Fact>]
let ``train's --tau is refused with the reason for the value given`` () =
    let code, _, err = run [ "train"; "--tau"; "-1" ]
    Assert.Equal(2, code)
    Assert.Contains("--tau must be in [0, 1)", TestHelpers.unwrapped err)
    Assert.Contains("negative τ", TestHelpers.unwrapped err)
    Assert.Contains("--tau 0 drops only the zero singular values", TestHelpers.unwrapped err)
    let code, _, err = run [ "train"; "--tau"; "2" ]
    Assert.Equal(2, code)
    Assert.Contains("τ ≥ 1 drops every singular value", TestHelpers.unwrapped err)
