/// Faults a new-user tester found in messages and output, each fixed as a kind: an unknown name in an
/// index, "did you mean" hints (method names, training methods, command options), a bare method name taking
/// its default η, the smallest size of each example, train's plot axis and number format, and a passing
/// check that showed Infinity as its measured value.
module PhysGrad.Properties.TesterMessages

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Numerics.Learning
open PhysGrad.Numerics.Rules

// ---- 1. an unknown name in an index ----------------------------------------------------------------------

[<Theory>]
// Columns counted by hand, from 1: "x[j]" has j at 3; "x[i] + y[2*k+1]" has k at 12; "x[i+n]" has n at 5.
[<InlineData("x[j] for i in 0..3", "j", 3, "i")>]
[<InlineData("x[i] + y[2*k+1] for i in 0..2", "k", 12, "i")>]
[<InlineData("x[k+n] - x[k] for k in 1..4", "n", 5, "k")>]
let ``an unknown name in an index is named, with its column and the index variable`` (text: string, name: string, column: int, variable: string) =
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> Parse.many text |> ignore)
    Assert.Equal(ErrorKind.Parse, e.Kind)
    Assert.Contains(sprintf "'%s' in the index" name, e.Message)
    Assert.Contains(sprintf "column %d:" column, e.Message)
    Assert.Contains(sprintf "the index variable is %s" variable, e.Message)
    Assert.DoesNotContain("whole number", e.Message)
    let code, _, err = Cli.run [ "derive"; "--simulator"; text ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "'%s' in the index" name, err)

[<Fact>]
let ``an index that is known but not whole still says so, with the value of the index variable`` () =
    // i/2 at i = 1 is 1/2: the first index value that is not whole.
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> Parse.many "x[i/2] for i in 0..3" |> ignore)
    Assert.Contains("must be a whole number; at i = 1", e.Message)

// ---- 2. did you mean --------------------------------------------------------------------------------------

[<Theory>]
// Each typo is one swap of neighbours (or one edit) from the intended name and further from any other.
[<InlineData("hgi", "hig")>]
[<InlineData("nweton", "newton")>]
[<InlineData("lbgfs", "lbfgs")>]
[<InlineData("adma", "adam")>]
[<InlineData("NEWTN", "newton")>]
let ``a mistyped method name suggests the intended one, in compare and derive`` (typo: string, intended: string) =
    let names = MethodCatalog.Entries |> Seq.map (fun e -> e.Name)
    Assert.Equal(intended, MethodCatalog.Nearest(typo, names))
    let e = Assert.Throws<SymbolicException>(fun () -> MethodCatalog.Parse(typo + ":1") |> ignore)
    Assert.Contains(sprintf "did you mean '%s'" intended, e.Message)
    let code, _, err = Cli.run [ "compare"; "--methods"; typo + ":1"; "--iterations"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "did you mean '%s'" intended, err)
    let code, _, err = Cli.run [ "derive"; "--methods"; typo ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "did you mean '%s'" intended, err)

[<Fact>]
let ``a name sharing no letter with any method gets no suggestion`` () =
    let e = Assert.Throws<SymbolicException>(fun () -> MethodCatalog.Parse "zzz:1" |> ignore)
    Assert.Contains("is not a method", e.Message)
    Assert.DoesNotContain("did you mean", e.Message)

[<Theory>]
[<InlineData("hgi", "hig")>]
[<InlineData("adma", "adam")>]
[<InlineData("sip-gi", "sip-ig")>]
let ``train suggests the nearest training method`` (typo: string, intended: string) =
    let e = Assert.Throws<SymbolicException>(fun () -> Training.ParseMethod typo |> ignore)
    Assert.Contains(sprintf "did you mean '%s'" intended, e.Message)
    let code, _, err = Cli.run [ "train"; "--methods"; typo; "--steps"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "did you mean '%s'" intended, err)

[<Theory>]
[<InlineData("compare", "--itertions", "--iterations")>]
[<InlineData("derive", "--simulater", "--simulator")>]
[<InlineData("diff", "--fucntion", "--function")>]
[<InlineData("eval", "--ponits", "--points")>]
[<InlineData("check", "--exmaple", "--example")>]
[<InlineData("train", "--setps", "--steps")>]
[<InlineData("units", "--fromat", "--format")>]
let ``an unknown option names the nearest option of its command`` (command: string, typo: string, intended: string) =
    let code, _, err = Cli.run [ command; typo; "3" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "'%s'" typo, err)
    Assert.Contains(sprintf "did you mean '%s'" intended, err)

[<Fact>]
let ``an unknown command names the nearest command`` () =
    let code, _, err = Cli.run [ "comapre" ]
    Assert.Equal(2, code)
    Assert.Contains("did you mean 'compare'", err)

// ---- 3. a bare method name takes its default η -------------------------------------------------------------

[<Fact>]
let ``a bare method name, or a name with options only, takes the catalogue's default step size`` () =
    let specs = MethodCatalog.Parse "gd,hig:kappa=-0.25,adam:0.01"
    let defaultOf m = (MethodCatalog.Of m).DefaultEta
    Assert.Equal(defaultOf Method.GradientDescent, specs.[0].Eta)
    Assert.Equal(defaultOf Method.HalfInverseGradient, specs.[1].Eta)
    Assert.Equal(-0.25, (specs.[1].Rule() :?> HalfInverseGradient).Kappa)
    Assert.Equal(0.01, specs.[2].Eta)
    // The help says so next to the default it lists.
    Assert.Contains("gd[:η]", MethodCatalog.Help())

// ---- 4. every example has a sensible smallest size ---------------------------------------------------------

[<Fact>]
let ``every example refuses a size below its minimum, naming the minimum and why`` () =
    for info in ReferenceProblems.All do
        let e = Assert.Throws<SymbolicException>(fun () -> ReferenceProblems.Create(info.Name, info.MinSize - 1) |> ignore)
        Assert.Equal(ErrorKind.Invalid, e.Kind)
        Assert.Contains(sprintf "n ≥ %d" info.MinSize, e.Message)
        Assert.False(String.IsNullOrWhiteSpace info.MinReason, info.Name)
        Assert.Contains(info.MinReason, e.Message)

[<Fact>]
let ``the smallest sizes are those where each example is not degenerate`` () =
    let min name = (ReferenceProblems.All |> Seq.find (fun i -> i.Name = name)).MinSize
    // A 3-point stencil needs two distinct neighbours (periodic: 3 cells; Dirichlet: a middle cell);
    // the 5-point Poisson stencil couples cells only from a 2×2 interior; a 4-dimensional state driven
    // by one control per step needs 4 steps to be brought to rest from any state.
    Assert.Equal(3, min "heat1d")
    Assert.Equal(3, min "heat1d-dirichlet")
    Assert.Equal(3, min "heat2d")
    Assert.Equal(2, min "poisson2d")
    Assert.Equal(4, min "oscillators")
    Assert.Equal(2, min "rosenbrock")
    let code, _, err = Cli.run [ "compare"; "--example"; "poisson2d"; "--n"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("n ≥ 2", err)

// ---- 5. train's plots and table ------------------------------------------------------------------------------

let private history (losses: float list) =
    let settings = TrainingSettings(TrainingMethod.Adam, 0.03, 256)
    let points = losses |> List.mapi (fun k l -> TrainingPoint(k, 0.1 * float k, l, nan)) |> Array.ofList
    TrainingHistory(settings, 1, points, 0L, false)

[<Fact>]
let ``train's loss plot over less than a decade uses a linear axis with several labelled ticks`` () =
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-tester-" + Guid.NewGuid().ToString("N"))

    try
        // 0.41 → 0.17: under a decade (log₁₀ ratio 0.38), as in the tester's run.
        Training.SavePlots([| history [ 0.41; 0.3; 0.22; 0.17 ] |], dir, "test") |> ignore
        let svg = File.ReadAllText(Path.Combine(dir, "loss-steps.svg"))
        Assert.DoesNotContain("log scale", svg) // the axis title names a log axis
        // Over four decades the log axis stays, labelled by powers of ten.
        Training.SavePlots([| history [ 1.0; 1e-2; 1e-4 ] |], dir, "test") |> ignore
        let svg = File.ReadAllText(Path.Combine(dir, "loss-steps.svg"))
        Assert.Contains("log scale", svg)
    finally
        if Directory.Exists dir then Directory.Delete(dir, true)

[<Fact>]
let ``train's table prints losses with six significant digits, as compare does`` () =
    let code, out, _ = Cli.run [ "train"; "--example"; "exp"; "--methods"; "adam,gd"; "--steps"; "3" ]
    Assert.Equal(0, code)
    let rows = out.Split('\n') |> Array.filter (fun l -> l.StartsWith "adam" || l.StartsWith "gd")
    Assert.Equal(2, rows.Length)

    for row in rows do
        // The final loss column: a number in NumberText.Table's form, which it reads back to itself.
        let cells = row.Split(' ', StringSplitOptions.RemoveEmptyEntries)
        let loss = cells |> Array.find (fun c -> c.Contains '.' && not (c.Contains '=') && Char.IsDigit c.[0])
        Assert.Equal(loss, NumberText.Table(Double.Parse(loss, Globalization.CultureInfo.InvariantCulture)))

// ---- 6. a passing check shows a measured value, not Infinity -----------------------------------------------

let private checkJson (args: string list) =
    let code, out, err = Cli.run ([ "check"; "--format"; "json" ] @ args)
    Assert.True((code = 0 || code = 1), err)
    [ for p in JsonDocument.Parse(out).RootElement.GetProperty("properties").EnumerateArray() ->
          p.GetProperty("property").GetInt32(), p ]
    |> Map.ofList

[<Fact>]
let ``property 5 on a linear problem passes with the measured difference, which is 0 to rounding`` () =
    // heat1d is linear, so PG and IG take the same step: ‖Δx_PG − Δx_IG‖ is zero up to rounding.
    let p5 = (checkJson [ "--example"; "heat1d"; "--n"; "4" ]).[5]
    Assert.Equal("pass", p5.GetProperty("result").GetString())
    let measured = p5.GetProperty("measured")
    Assert.Equal(JsonValueKind.Number, measured.ValueKind)
    Assert.InRange(measured.GetDouble(), 0.0, 1e-12)
    Assert.Contains("no order is fitted", p5.GetProperty("detail").GetString())
    let _, table, _ = Cli.run [ "check"; "--example"; "heat1d"; "--n"; "4" ]
    Assert.DoesNotContain("Infinity", table)

[<Fact>]
let ``property 10 at a zero gradient is undef: GD does not move, so nothing is measured`` () =
    // At x = x* with L = ½‖y − y*‖² the gradient J⊤(y − y*) is exactly 0: no loss change to fit an order to,
    // so a pass would claim what was not tested.
    let p10 = (checkJson [ "--simulator"; "x0; x1"; "--target"; "1,2"; "--start"; "1,2" ]).[10]
    Assert.Equal("undef", p10.GetProperty("result").GetString())

[<Theory>]
[<InlineData("units")>]
[<InlineData("check")>]
let ``an example over its size limit in a command without --methods is refused with advice that command can follow`` (command: string) =
    // compare's refusal said "name the matrix-free methods (--methods …)", an option units and check do not have.
    let code, out, err = Cli.run [ command; "--example"; "heat1d"; "--n"; "10000" ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    let limit = (ReferenceProblems.Info "heat1d").MaxSize
    Assert.Contains(sprintf "over the limit of n = %d for %s, which" limit command, (TestHelpers.unwrapped err))
    Assert.Contains(sprintf "Use n ≤ %d" limit, (TestHelpers.unwrapped err))
    Assert.Contains("compare --example heat1d --n 10000 --methods", (TestHelpers.unwrapped err))
    Assert.DoesNotContain("(--methods", (TestHelpers.unwrapped err))

// The catalogue's nearest name ranks as every other "did you mean" does (Spelling): on a tie in edits and
// shared letters the longer common start wins, so "sinn" is sin with a doubled n, whichever is listed first.
[<Theory>]
[<InlineData("sinn", "sign,sin", "sin")>]
[<InlineData("sinn", "sin,sign", "sin")>]
[<InlineData("hgi", "gd,hig", "hig")>]
let ``the catalogue's nearest name ranks as the spelling hints do`` (typo: string, listed: string, expected: string) =
    let names = listed.Split ','
    Assert.Equal(expected, MethodCatalog.Nearest(typo, names))
    Assert.Equal(expected, PhysGrad.Symbolic.Spelling.Nearest(typo, names))
    Assert.Throws<System.ArgumentException>(fun () -> MethodCatalog.Nearest(typo, [||]) |> ignore) |> ignore
