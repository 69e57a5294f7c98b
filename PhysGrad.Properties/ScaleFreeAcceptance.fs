/// The numeric inverse and the inverses' landing test judge P(x) against y relative to rounding
/// (CompiledProblem.PreimageBackwardError), not against an absolute 10⁻¹²(1 + ‖y‖): at y of size 10⁻²⁰ that
/// floor passed any start as a preimage, and a given inverse that is wrong by a factor of 2 went unwarned.
module PhysGrad.Properties.ScaleFreeAcceptance

open System
open System.Globalization
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private compile (simulator: string[]) (start: float[]) =
    let n = simulator.Length
    CompiledProblem(Problem.Create(Array.init n (sprintf "x%d"), Array.map Parse.expression simulator, null, Array.zeroCreate n, start, null, false))

let private r (v: float) = v.ToString("R", CultureInfo.InvariantCulture)

let private scales = [ 1e-20; 1e-10; 1.0; 1e10; 1e20 ]

/// A scale s, a root on a grid of ⅛ and a start 0.5 to 3 away from it.
let private cases =
    gen {
        let! s = Gen.elements scales
        let! k = Gen.choose (-24, 24)
        let! d = Gen.choose (4, 24)
        let! left = Gen.elements [ false; true ]
        return s, float k / 8.0, (if left then -1.0 else 1.0) * float d / 8.0
    }
    |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``Newton's inverse of s·(x0 + x0^3) finds the one root to 1e-10 at every scale s from 1e-20 to 1e20`` () =
    Prop.forAll cases (fun (s, root, offset) ->
        let start = [| root + offset |]
        let problem = compile [| sprintf "%s*(x0 + x0^3)" (r s) |] start
        let y = [| s * (root + root ** 3.0) |]
        let x = [| nan |]
        let report = problem.InvertNumericallyReporting(y, start, x)
        (report.Found && abs (x.[0] - root) <= 1e-10 * (1.0 + abs root))
        |> Prop.label (sprintf "s = %g, root %g from %g: %O, x = %.17g" s root start.[0] report x.[0]))

[<Theory>]
[<InlineData(1e-20)>]
[<InlineData(1.0)>]
[<InlineData(1e20)>]
let ``no preimage is reported as none at every scale: s·x0^2 = -s`` (s: float) =
    let start = [| 0.5 |]
    let problem = compile [| sprintf "%s*x0^2" (r s) |] start
    let x = [| nan |]
    let report = problem.InvertNumericallyReporting([| -s |], start, x)
    Assert.False(report.Found, sprintf "s = %g: %O at x = %g" s report x.[0])

[<Theory>]
[<InlineData(1e-20)>]
[<InlineData(1e20)>]
let ``the sparse route finds s·(x_i + x_i^3) = s·y_i at n = 300 to 1e-10 at scale s`` (s: float) =
    let n = 300
    Assert.True(n > CompiledProblem.NumericInverseDenseUpTo)
    let roots = Array.init n (fun i -> float (i % 7 - 3) / 4.0)
    let start = roots |> Array.map (fun v -> v + 0.75)
    let problem = compile (Array.init n (fun i -> sprintf "%s*(x%d + x%d^3)" (r s) i i)) start
    let y = roots |> Array.map (fun v -> s * (v + v ** 3.0))
    let x = Array.zeroCreate n
    let report = problem.InvertNumericallyReporting(y, start, x)
    Assert.True(report.Found, string report)
    Assert.Equal(InverseMethod.NewtonKrylov, report.Method)
    for i in 0 .. n - 1 do
        Assert.True(abs (x.[i] - roots.[i]) <= 1e-10, sprintf "x%d = %.17g, root %g (%O)" i x.[i] roots.[i] report)

[<Theory>]
[<InlineData("x0^2", 3.0)>]
[<InlineData("x0^3", -2.0)>]
[<InlineData("1e-20*x0^2", 3.0)>]
let ``at a multiple root Newton's inverse takes Schröder's step m·Δx and reaches the root to rounding`` (simulator: string, x0: float) =
    // Plain Newton halves (x²) or takes ⅔ of (x³) its distance per iteration and stops at its limit far from
    // 0 by any measure relative to rounding; the step m·Δx with m = 1/(1 − ratio) lands on 0.
    let start = [| x0 |]
    let problem = compile [| simulator |] start
    let x = [| nan |]
    let report = problem.InvertNumericallyReporting([| 0.0 |], start, x)
    Assert.True(report.Found, string report)
    Assert.True(abs x.[0] <= 1e-12, sprintf "x = %g (%O)" x.[0] report)
    Assert.True(report.Iterations <= 10, string report)

let private withInverse (s: float) (simulator: string) (inverse: string) =
    let text =
        sprintf """{"variables":["a"],"simulator":["%s"],"inverse":["%s"],"target":[%s],"start":[1.5]}""" simulator inverse (r (2.0 * s))
    PhysicsProblem.From(ProblemDefinition.FromJson text)

[<Theory>]
[<InlineData(1e-20)>]
[<InlineData(1.0)>]
[<InlineData(1e20)>]
let ``a given inverse is warned about when wrong and not when right, at scales 1e-20 to 1e20`` (s: float) =
    let scaled = sprintf "%s*a^3" (r s)
    let right = withInverse s scaled (sprintf "(y0/%s)^(1/3)" (r s))
    Assert.Null(right.GivenInverseWarning)
    // Wrong by a factor 2^(1/3) in x: P misses P(x₀) by a factor of 2, whatever s.
    let wrong = withInverse s scaled (sprintf "(2*y0/%s)^(1/3)" (r s))
    Assert.NotNull(wrong.GivenInverseWarning)
    Assert.Contains("does not invert the simulator", wrong.GivenInverseWarning)
    // A linear map at the same scale: right is quiet, a wrong constant term warned about.
    let linear = sprintf "%s*a" (r s)
    Assert.Null((withInverse s linear (sprintf "y0/%s" (r s))).GivenInverseWarning)
    Assert.NotNull((withInverse s linear (sprintf "y0/%s + 1e-6" (r s))).GivenInverseWarning)

// x* is a preimage to rounding (BookExample.IsPreimage), not to an absolute 10⁻⁸: exp(x0) = 0 was "found" at
// x0 = −28 by Newton's method (exp(−28) ≈ 7·10⁻¹³ < 10⁻⁸) and then at x0 = −745.27 by the outward scan, where
// exp underflows to exactly 0 on a whole half-line. exp has no preimage of 0.
[<Fact>]
let ``exp(x0) = 0 has no preimage: not Newton's far point, not an underflowed zero`` () =
    let problem = compile [| "exp(x0)" |] [| 0.0 |]
    Assert.Null(BookExample.TargetInX(problem, [| 0.0 |], [| 0.0 |]))
    Assert.Null(BookExample.TargetInX(problem, [| 0.0 |], [| -800.0 |]))
    for x in [ -28.0; -745.271; -800.0 ] do
        Assert.False(BookExample.IsPreimage(problem, [| x |], [| 0.0 |]), sprintf "x = %g taken for a preimage of 0" x)
    let args = [ "compare"; "--simulator"; "exp(x0)"; "--target"; "0"; "--start"; "0"; "--methods"; "ig:1"; "--iterations"; "10" ]
    let dir = IO.Path.Combine(IO.Path.GetTempPath(), sprintf "physgrad-expzero-%d" Environment.ProcessId)
    let code, out, err = Cli.run (args @ [ "--out"; dir ])
    Assert.True((code = 0), err)
    Assert.DoesNotContain("is the preimage of y*", TestHelpers.unwrapped out)
    Assert.Contains("the plots mark an approximate x* (x* ≈ ig's end", TestHelpers.unwrapped out)
    let _, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; dir + "-json" ])
    let p = Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("problem")
    Assert.True((p.GetProperty("targetXKind").GetString() = "approximateRunEnd"), err)

[<Property(MaxTest = 60)>]
let ``x* of exp(x0) = 10^k is ln(10^k) to 1e-12 relative for k from -300 to 300`` () =
    Prop.forAll (Gen.choose (-300, 300) |> Arb.fromGen) (fun k ->
        let y = 10.0 ** float k
        let problem = compile [| "exp(x0)" |] [| 0.0 |]
        match BookExample.TargetInX(problem, [| y |], [| 0.0 |]) with
        | null -> false |> Prop.label (sprintf "no x* for y* = %g" y)
        | x ->
            let exact = log y
            (abs (x.[0] - exact) <= 1e-12 * max 1.0 (abs exact))
            |> Prop.label (sprintf "y* = %g: x* = %.17g, ln y* = %.17g" y x.[0] exact))

// A zero where P − y* touches 0 without changing sign is a root when it is isolated (x0² at 0: P ≠ 0 on
// both sides), though there P and P' are exactly 0 as where exp underflows.
[<Fact>]
let ``the touching root of x0^2 = 0 is still x*, from either side`` () =
    let problem = compile [| "x0^2" |] [| 1.0 |]
    Assert.True(BookExample.IsPreimage(problem, [| 0.0 |], [| 0.0 |]))
    for start in [ 1.0; -3.0; 1e-6 ] do
        match BookExample.TargetInX(problem, [| 0.0 |], [| start |]) with
        | null -> failwithf "no x* from %g" start
        | x -> Assert.True(abs x.[0] <= 1e-7, sprintf "from %g: x* = %g" start x.[0])
    let cubic = compile [| "x0^3 - 3*x0" |] [| 0.5 |]
    let x = BookExample.TargetInX(cubic, [| 2.5 |], [| 0.5 |])
    Assert.NotNull(x)
    Assert.True(abs (x.[0] ** 3.0 - 3.0 * x.[0] - 2.5) <= 1e-12, sprintf "x* = %.17g" x.[0])
    let tiny = compile [| "1e-20*x0" |] [| 0.0 |]
    let t = BookExample.TargetInX(tiny, [| 1e-20 |], [| 0.0 |])
    Assert.NotNull(t)
    Assert.True(abs (t.[0] - 1.0) <= 1e-12, sprintf "x* = %.17g" t.[0])

// The underflow test reads output i's own row of J: P = (exp(x0), x0) at x0 = −800 hits y* = (0, −800) exactly,
// but exp has underflowed there (its row is all below the smallest normal) on a whole half-line, so it is no
// preimage; the second row's entry 1 must not count for the first output.
[<Fact>]
let ``an underflowed output is judged by its own row of J, not another output's`` () =
    let problem =
        CompiledProblem(Problem.Create([| "x0" |], Array.map Parse.expression [| "exp(x0)"; "x0" |], null, [| 0.0; 0.0 |], [| 0.0 |], null, false))
    Assert.False(BookExample.IsPreimage(problem, [| -800.0 |], [| 0.0; -800.0 |]))
    Assert.True(BookExample.IsPreimage(problem, [| -1.0 |], [| exp -1.0; -1.0 |]))

// m·n above the largest .NET array: the preimage test reads J's structural nonzeros, not the dense m × n
// matrix (heat1d's compare at n = 10⁵ ended in "Array dimensions exceeded supported range" while finding x*).
[<Fact>]
let ``the known x* of heat1d at 50,000 cells is a preimage, a moved one is not, without a dense Jacobian`` () =
    let n = 50_000
    let problem = ReferenceProblems.Create("heat1d", n, defaultComparison = false)
    Assert.True(int64 n * int64 n > int64 Array.MaxLength)
    let known = Seq.toArray problem.Definition.KnownSolution
    let target = Seq.toArray problem.Target
    Assert.True(BookExample.IsPreimage(problem.Compiled, known, target))
    let moved = Array.copy known
    moved.[n / 2] <- moved.[n / 2] + 1e-3
    Assert.False(BookExample.IsPreimage(problem.Compiled, moved, target))
