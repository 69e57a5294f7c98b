/// Faults of a new user's trial of the API and CLI (24), each fixed as a kind: a given inverse undefined at
/// the target used without a word (and its fallbacks blaming the existence of a preimage); train exiting 0
/// on a diverged run where compare exits 1; points with NaN or ±∞ or the wrong length answered with undef
/// verdicts instead of refused; results that printed their type names; plot directories met as the system's
/// exceptions; an API message naming a CLI option; a captured s.Length named Length; ranges and options
/// described wrongly; a problem file's unknown unit accepted by one command and refused by another.
module PhysGrad.Properties.Api24

open System
open System.IO
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

let private nan = Double.NaN

type private LExpr = System.Linq.Expressions.Expression

// ---- 1. a given inverse undefined at the target --------------------------------------------------------------

[<Fact>]
let ``the trial's y0^(1/3) for x0^3 at y* = -8 is warned about, named undefined there, and cbrt is suggested`` () =
    let code, out, err = run [ "compare"; "--simulator"; "x0^3"; "--target"; "-8"; "--start"; "1"; "--inverse"; "y0^(1/3)"; "--methods"; "pg:0.5" ]
    Assert.True((code = 0), out + err)
    let text = TestHelpers.unwrapped out
    Assert.Contains("Warning: the given inverse is undefined (not real) at y* = [-8]", text)
    Assert.Contains("cbrt(y0)", text)
    // The fallbacks say the given formula is undefined there, not that no preimage exists (x ≈ −1.52 does).
    Assert.Contains("the given inverse is undefined (has no finite value) at y + Δy = [-3.5]", text)
    Assert.DoesNotContain("none exists there", text)

[<Theory>]
[<InlineData("x0^3", "y0^(1/3)", -8.0, 1.0)>]
[<InlineData("x0^5", "y0^(1/5)", -32.0, 1.0)>]
[<InlineData("2*x0^3", "(y0/2)^(1/3)", -16.0, 1.0)>]
let ``a given inverse with no finite value at a reachable y* gets a warning that names y* and a real root to write`` (simulator: string, inverse: string, target: float, start: float) =
    let p = PhysicsProblem.FromText(simulator, [| target |], [| start |], inverse = [| inverse |])
    let warning = p.GivenInverseWarning
    Assert.NotNull(warning)
    Assert.Contains("undefined (not real) at y* = [", warning)
    // The preimage it names is one: P of it lands on y*.
    let compiled = p.Compiled
    let x = Array.zeroCreate 1
    Assert.True(compiled.InvertNumerically([| target |], [| start |], x))
    Assert.Contains("^(1/", warning)
    Assert.Contains("is undefined where", warning)
    Assert.Contains("the real odd root is", warning)

[<Fact>]
let ``a given inverse undefined where y* lies outside P's range gets no warning: no inverse could reach it`` () =
    let p = PhysicsProblem.FromText("x0^2", [| -1.0 |], [| 1.0 |], inverse = [| "sqrt(y0)" |])
    Assert.Null(p.GivenInverseWarning)

[<Fact>]
let ``cbrt is the real cube root, and as the given inverse of x0^3 PG reaches the negative target with no fallback`` () =
    Assert.Equal(-2.0, (Expression.Parse "cbrt(y)").Evaluate([| "y" |], [| -8.0 |]), 14)
    let p = PhysicsProblem.FromText("x0^3", [| -8.0 |], [| 1.0 |], inverse = [| "cbrt(y0)" |])
    Assert.Null(p.GivenInverseWarning)
    let r = p.Run(Method.PhysicalGradient, 0.5, 10)
    Assert.Empty(r.Fallbacks)
    // Δy = −η(y − y*) each step: y − y* shrinks by 1 − η = 0.5 exactly, from 1 − (−8) = 9.
    let expected = -8.0 + 9.0 * 0.5 ** 10.0
    Assert.True(abs (Math.Pow(r.Final.[0], 3.0) - expected) <= 1e-12 * abs expected, $"{r.Final.[0]}")

[<Property(MaxTest = 200)>]
let ``cbrt(y) cubed is y and has y's sign for every y`` (mantissa: int, exponent: int) =
    let y = float mantissa * 10.0 ** float (exponent % 40)
    let c = (Expression.Parse "cbrt(y)").Evaluate([| "y" |], [| y |])
    (Math.Sign c = Math.Sign y && abs (c * c * c - y) <= 1e-14 * abs y)
    |> Prop.label $"cbrt({y}) = {c}"

// ---- 2. train fails a diverged run as compare does ------------------------------------------------------------

[<Fact>]
let ``train exits 1 when a run of its default list diverges, as compare does, and says which`` () =
    let code, out, err = run [ "train"; "--example"; "hig-toy"; "--steps"; "300"; "--format"; "json" ]
    let runs = JsonDocument.Parse(out).RootElement.GetProperty("runs").EnumerateArray() |> Seq.toArray
    let diverged = runs |> Array.filter (fun r -> r.GetProperty("diverged").GetBoolean())
    // The book's HIG toy: Gauss–Newton's loss leaps at η = 0.1 (README, Training); seed 1 diverges.
    Assert.NotEmpty(diverged)
    Assert.Equal(1, code)
    for r in diverged do
        let name, seed = r.GetProperty("method").GetString(), r.GetProperty("seed").GetInt32()
        Assert.Contains($"physgrad: {name} (seed {seed}) diverged at step", err)

// ---- 3. points with NaN, ±∞ or the wrong length are refused, naming the component --------------------------------

let private two () = PhysicsProblem.FromText("x0*x1; x1", [| 1.0; 2.0 |], [| 0.5; 1.5 |])

[<Fact>]
let ``Check refuses NaN and ±∞ naming the component, and a point of the wrong length`` () =
    let p = two ()
    for bad, index, name in [ [| nan; 1.0 |], 0, "x0"; [| 1.0; infinity |], 1, "x1"; [| 1.0; -infinity |], 1, "x1" ] do
        let e = Assert.Throws<SymbolicException>(fun () -> p.Check(bad, 0.3) |> ignore)
        Assert.Equal(ErrorKind.NonFinite, e.Kind)
        Assert.Contains($"at[{index}] ({name})", e.Message)
    let e = Assert.Throws<SymbolicException>(fun () -> p.Check([| 1.0 |], 0.3) |> ignore)
    Assert.Equal(ErrorKind.Shape, e.Kind)
    Assert.Contains("1 value but the problem has 2 variables (x0, x1)", e.Message)

[<Fact>]
let ``every public entry taking a point refuses NaN, ±∞ and the wrong length`` () =
    let p = two ()
    let refuses (kind: ErrorKind) (words: string) (f: unit -> obj) =
        let e = Assert.Throws<SymbolicException>(fun () -> f () |> ignore)
        Assert.Equal(kind, e.Kind)
        Assert.Contains(words, e.Message)
    refuses ErrorKind.NonFinite "x[1] (x1)" (fun () -> box (p.OutsideDomainAt [| 1.0; nan |]))
    refuses ErrorKind.Shape "has 3 values" (fun () -> box (p.OutsideDomainAt [| 1.0; 2.0; 3.0 |]))
    refuses ErrorKind.NonFinite "x[0] (x0)" (fun () -> box (p.BranchChoicesAt [| infinity; 1.0 |]))
    refuses ErrorKind.NonFinite "x[0] (x0)" (fun () -> box (p.DerivativesAt [| nan; 1.0 |]))
    refuses ErrorKind.NonFinite "at[0] (x)" (fun () -> box (Derivatives.Compute("x^2", at = [| nan |])))
    refuses ErrorKind.NonFinite "at[1] (x1)" (fun () -> box (TheoryChecks.Run(p.Model, [| 1.0; nan |])))
    let g = Assert.Throws<ArgumentException>(fun () -> p.Definition.GenerateTarget [| nan; 1.0 |] |> ignore)
    Assert.Equal("at", g.ParamName)
    Assert.Contains("The point 'at' has NaN in at[0] (x0)", g.Message)
    let e = Assert.Throws<SymbolicException>(fun () -> p.DerivativesAt [| nan; 1.0 |] |> ignore)
    Assert.Contains("The point 'x' has NaN in x[0] (x0)", e.Message)

// ---- 4. results print readably; plot directories and field plots say what is wrong ---------------------------------

[<Fact>]
let ``ApplicableRules, Rules and YStep print their contents, not their types`` () =
    let p = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 2.0; 3.0 |])
    let applicable = p.ApplicableRules()
    let text = applicable.ToString()
    Assert.DoesNotContain("System.", text)
    for rule in applicable.Rules do
        Assert.Contains(rule.ToString(), text)
    for skipped in applicable.Skipped do
        Assert.Contains($"{skipped.Name} skipped: {skipped.Reason}", text)
    let rules = p.Rules(Method.GradientDescent)
    Assert.Equal(rules.[0].ToString(), rules.ToString())
    // Δy = −η(y − y*) for the default loss.
    let step = p.YStep()
    Assert.Equal($"Δy0 = {step.[0]}; Δy1 = {step.[1]}", step.ToString())
    Assert.Contains("y0", step.[0].ToString())

[<Fact>]
let ``SavePlots into a directory that cannot be made or is a file throws naming the directory and what to do`` () =
    let p = PhysicsProblem.FromText("x0", [| 1.0 |], [| 0.0 |])
    let runs = [| p.Run(Method.GradientDescent, 0.5, 2) |]
    let e = Assert.Throws<PlotDirectoryException>(fun () -> p.SavePlots(runs, "/proc/nope") |> ignore)
    Assert.Equal(PlotDirectoryFault.CannotCreate, e.Fault)
    Assert.Contains("'/proc/nope'", e.Message)
    Assert.Contains("Give a directory you can write to", e.Message)
    let file = Path.GetTempFileName()
    try
        let e = Assert.Throws<PlotDirectoryException>(fun () -> p.SavePlots(runs, file) |> ignore)
        Assert.Equal(PlotDirectoryFault.IsFile, e.Fault)
        Assert.Contains($"'{file}' is a file, not a directory", e.Message)
        // A directory below a file: the file is named as the reason, and no sentence ends twice ("..").
        let below = Path.Combine(file, "sub", "plots")
        let e = Assert.Throws<PlotDirectoryException>(fun () -> p.SavePlots(runs, below) |> ignore)
        Assert.Equal(PlotDirectoryFault.CannotCreate, e.Fault)
        Assert.Contains($"cannot be created: '{file}' is a file, not a directory. Give", e.Message)
        Assert.DoesNotContain("..", e.Message)
    finally
        File.Delete file

[<Fact>]
let ``the CLI's --out refusals are the API's check worded with the option`` () =
    let code, _, err = run [ "compare"; "--methods"; "gd"; "--out"; "/proc/nope" ]
    Assert.Equal(2, code)
    Assert.Contains("--out '/proc/nope': the directory cannot be created: '/proc' takes no new directories", err)

[<Fact>]
let ``SaveFieldPlots on a grid of two cells or fewer refuses with the reason instead of writing nothing`` () =
    let p = PhysicsProblem.FromText("x0; x1", [| 1.0; 1.0 |], [| 0.0; 0.0 |])
    let comparison = p.CompareMethods([| struct (Method.GradientDescent, 0.5) |], 2)
    let dir = Path.Combine(Path.GetTempPath(), $"api24-{Guid.NewGuid():N}")
    let e = Assert.Throws<SymbolicException>(fun () -> p.SaveFieldPlots(comparison, dir, [| 2 |]) |> ignore)
    Assert.Equal(ErrorKind.Shape, e.Kind)
    Assert.Contains("no field to draw", e.Message)

[<Fact>]
let ``an example's size refusal in the API names n, not a CLI option`` () =
    for n in [ 1; Int32.MaxValue ] do
        let e = Assert.ThrowsAny<SymbolicException>(fun () -> ReferenceProblems.Create("heat1d", n) |> ignore)
        Assert.DoesNotContain("--", e.Message)
        Assert.DoesNotContain("CLI", e.Message)
        Assert.True(e.Message.Contains "size n" || e.Message.Contains "n = ", e.Message)
    // The CLI names its option itself.
    let code, _, err = run [ "compare"; "--example"; "heat1d"; "--n"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("The size n is --n.", err)

type Holder(s: string, w: float[]) =
    member _.S = s
    member _.W = w

[<Fact>]
let ``a captured member's member is named after the path it is read from, s_Length, not Length`` () =
    let holder = Holder("abcd", [| 1.0; 2.0; 3.0 |])
    let x = LExpr.Parameter(typeof<double>, "x")
    let captured = LExpr.Constant(holder)
    let length = LExpr.Convert(LExpr.Property(LExpr.Property(captured, "S"), "Length"), typeof<double>)
    let count = LExpr.Convert(LExpr.ArrayLength(LExpr.Property(captured, "W")), typeof<double>)
    let body = LExpr.Add(LExpr.Multiply(x, length), count)
    let t = LambdaTranslator.Translate(LExpr.Lambda<Func<double, double>>(body, [| x |]))
    Assert.Equal(4.0, t.Parameters.["S_Length"])
    Assert.Equal(3.0, t.Parameters.["W_Length"])
    Assert.False(t.Parameters.ContainsKey "Length")
    Assert.Equal(4.0 * 2.0 + 3.0, t.Components.[0].Evaluate(readOnlyDict [ "x", 2.0; "S_Length", 4.0; "W_Length", 3.0 ]))

// ---- 5. ranges, options and units as each is really read ---------------------------------------------------------

[<Fact>]
let ``a whole number out of range names the range the option accepts, not int's`` () =
    for option, range in [ "--iterations", "from 0 to 2147483647" ] do
        let code, _, err = run [ "compare"; option; "99999999999" ]
        Assert.Equal(2, code)
        Assert.Contains($"{option} must be a whole number {range}, not '99999999999'.", err)
        // The range said is the range accepted: its ends pass and one below the lower end is refused.
        Assert.Equal(2, (let c, _, _ = run [ "compare"; option; "-1"; "--methods"; "gd" ] in c))
    let code, _, err = run [ "train"; "--seeds"; "99999999999" ]
    Assert.Equal(2, code)
    Assert.Contains("--seeds must be a whole number from 1 to 100", err)

[<Fact>]
let ``a method's unknown option lists the options it has with what they mean, and the methods that take the one given`` () =
    let code, _, err = run [ "compare"; "--methods"; "ig:0.5:kappa=1" ]
    Assert.Equal(2, code)
    Assert.Contains("kappa is an option of hig", (TestHelpers.unwrapped err))
    Assert.Contains("iterative (default -1: the linear algebra, 1 for a matrix-free Krylov solve", (TestHelpers.unwrapped err))

[<Fact>]
let ``a problem file's unknown unit is refused by every command that reads the file`` () =
    let file = Path.GetTempFileName()
    try
        File.WriteAllText(file, """{"simulator":["a*2"],"variables":["a"],"target":[1],"start":[0],"units":{"a":"meter"}}""")
        for command in [ "derive"; "units"; "compare"; "check" ] do
            let code, _, err = run [ command; "--problem"; file ]
            Assert.True((code = 2), $"{command}: {err}")
            Assert.Contains("In the unit of a", err)
            Assert.Contains("did you mean 'm'", err)
        let e = Assert.ThrowsAny<SymbolicException>(fun () -> PhysicsProblem.FromJson(File.ReadAllText file) |> ignore)
        Assert.Contains("meter", e.Message)
    finally
        File.Delete file
