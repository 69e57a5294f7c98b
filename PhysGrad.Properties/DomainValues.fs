/// Values outside a function's domain (issue 12, "values at special points", item 1): diff and eval
/// report them as undefined with the failing condition, in text, JSON and CSV, never as inf or NaN or
/// as a derivative formula's value at a point where the function does not exist.
module PhysGrad.Properties.DomainValues

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Symbolic

let private failing (text: string) (point: float) =
    let e = Parse.expression text
    match Domain.firstFailing (Structure.freeSymbols e |> Array.map (fun s -> match s.Node with Node.Symbol n -> n | _ -> "")) [| point |] [ e ] with
    | null -> None
    | c -> Some(string c)

[<Theory>]
[<InlineData("1/x", 0.0, "x ≠ 0 for 1/x")>]
[<InlineData("log(x)", 0.0, "x > 0 for log(x)")>]
[<InlineData("log(x)", -1.0, "x > 0 for log(x)")>]
[<InlineData("(x-1)^(-1/2)", 1.0, "x - 1 > 0 for 1/sqrt(x - 1)")>]
[<InlineData("x^0.5", -1.0, "x ≥ 0 for x^0.5")>]
[<InlineData("sqrt(x)", -4.0, "x ≥ 0 for sqrt(x)")>]
[<InlineData("x^(1/3)", -8.0, "x ≥ 0 for x^(1/3)")>]
[<InlineData("asin(x)", 2.0, "-1 ≤ x ≤ 1 for asin(x)")>]
[<InlineData("log1p(x)", -1.0, "x > -1 for log1p(x)")>]
[<InlineData("log(log(x))", 0.5, "log(x) > 0 for log(log(x))")>]
let ``the first failing condition names the argument, the requirement and the piece that needs it`` (text: string, x: float, expected: string) =
    Assert.Equal(Some expected, failing text x)

[<Theory>]
[<InlineData("1/x", 1e-300)>]
[<InlineData("log(x)", 1e-300)>]
[<InlineData("sqrt(x)", 0.0)>]
[<InlineData("x^(1/3)", 0.0)>]
[<InlineData("asin(x)", -1.0)>]
[<InlineData("x^(-2)", -3.0)>]
[<InlineData("x^3", -2.0)>]
let ``no condition fails inside the domain, at its edge included`` (text: string, x: float) =
    Assert.Equal(None, failing text x)

let private cli args =
    let code, out, err = Cli.run args
    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    out.Replace("\r\n", "\n"), err

let private noInfNaN (out: string) =
    Assert.DoesNotContain("Infinity", out)
    Assert.DoesNotContain("NaN", out)

[<Theory>]
[<InlineData("1/x0", "0", "x0 ≠ 0 for 1/x0")>]
[<InlineData("log(x0)", "0", "x0 > 0 for log(x0)")>]
[<InlineData("log(x0)", "-1", "x0 > 0 for log(x0)")>]
[<InlineData("(x0-1)^(-1/2)", "1", "x0 - 1 > 0 for 1/sqrt(x0 - 1)")>]
[<InlineData("x0^0.5", "-1", "x0 ≥ 0 for x0^0.5")>]
let ``diff: f outside its domain is undefined with the reason, and so is every derivative`` (f: string, at: string, why: string) =
    let out, _ = cli [ "diff"; "-f"; f; "--at"; at; "--order"; "2" ]
    noInfNaN out
    Assert.Contains("  f = undefined\n", out)
    Assert.Contains("  gradient = [undefined]\n", out)
    Assert.Contains(sprintf "  undefined: f: %s\n" why, out)
    Assert.Contains(sprintf "  undefined: df/dx0: f is undefined here: %s\n" why, out)

[<Fact>]
let ``diff: log(x) at -1 no longer prints the formula value 1/x = -1 as its derivative`` () =
    let out, _ = cli [ "diff"; "-f"; "log(x0)"; "--at"; "-1" ]
    Assert.DoesNotContain("gradient = [-1]", out)
    Assert.Contains("gradient = [undefined]", out)

[<Fact>]
let ``diff: sqrt(x) at 0 is 0 with an undefined derivative, for its formula's condition`` () =
    let out, _ = cli [ "diff"; "-f"; "sqrt(x0)"; "--at"; "0" ]
    noInfNaN out
    Assert.Contains("  f = 0\n", out)
    // Its continuation lines (indented by four) joined: the line is wrapped at 100 columns.
    Assert.Contains("  undefined: df/dx0: x0 > 0 for 1/sqrt(x0); no finite derivative: the difference quotients of f along x0 grow without bound\n", out.Replace("\n    ", " "))
    // The settling note is part of the reason, not said twice.
    Assert.DoesNotContain("note: df/dx0", out)

[<Fact>]
let ``diff: a removable point of a derivative's formula still settles as a limit`` () =
    let out, _ = cli [ "diff"; "-f"; "(x^2+y^2)^(3/2)"; "--order"; "2"; "--at"; "0,0" ]
    Assert.Contains("hessian = [[0, 0], [0, 0]]", out)
    Assert.DoesNotContain("undefined", out)

[<Fact>]
let ``diff JSON: undefined values are null with undefinedBecause by entry`` () =
    let out, _ = cli [ "diff"; "-f"; "1/x0"; "--at"; "0"; "--format"; "json" ]
    let root = (JsonDocument.Parse out).RootElement
    Assert.Equal(JsonValueKind.Null, root.GetProperty("value").ValueKind)
    Assert.Equal(JsonValueKind.Null, root.GetProperty("gradientAt").[0].ValueKind)
    let why = root.GetProperty("undefinedBecause")
    Assert.Equal("x0 ≠ 0 for 1/x0", why.GetProperty("f").GetString())
    Assert.Equal("f is undefined here: x0 ≠ 0 for 1/x0", why.GetProperty("df/dx0").GetString())
    // A defined point has an empty object.
    let fine = (JsonDocument.Parse(fst (cli [ "diff"; "-f"; "1/x0"; "--at"; "2"; "--format"; "json" ]))).RootElement
    Assert.Equal(0, fine.GetProperty("undefinedBecause").EnumerateObject() |> Seq.length)

[<Fact>]
let ``diff CSV: an undefined value is the empty field and the last column says why`` () =
    let out, _ = cli [ "diff"; "-f"; "log(x0)"; "--at"; "-1"; "--format"; "csv" ]
    Assert.Equal(
        "quantity,row,column,expression,value,undefinedBecause\n"
        + "f,,,log(x0),,x0 > 0 for log(x0)\n"
        + "gradient,0,,1/x0,,f is undefined here: x0 > 0 for log(x0)\n",
        out)

[<Fact>]
let ``eval: undefined cells are empty, the reasons go to stderr by point and line`` () =
    let points = Path.GetTempFileName()
    File.WriteAllText(points, "x0\n0\n-1\n2\n")
    try
        let out, err = cli [ "eval"; "-f"; "log(x0)"; "--points"; points; "--order"; "1" ]
        Assert.Equal("x0,f,df/dx0\n0,,\n-1,,\n2,0.6931471805599453,0.5\n", out)
        Assert.Contains("point 1 (line 3): f is undefined: x0 > 0 for log(x0)", err)
        Assert.Contains("point 1 (line 3): df/dx0 is undefined: f is undefined here: x0 > 0 for log(x0)", err)
        Assert.DoesNotContain("line 4", err)
        // Order 0 too.
        let out0, err0 = cli [ "eval"; "-f"; "1/x0"; "--points"; points; "--order"; "0" ]
        Assert.Equal("x0,f\n0,\n-1,-1\n2,0.5\n", out0)
        Assert.Contains("point 0 (line 2): f is undefined: x0 ≠ 0 for 1/x0", err0)
    finally
        File.Delete points

[<Fact>]
let ``diff and eval with a simulator: undefined outputs, Jacobian rows and loss say why`` () =
    let out, _ = cli [ "diff"; "--simulator"; "1/x0"; "--at"; "0"; "--order"; "2"; "--target"; "1" ]
    noInfNaN out
    Assert.Contains("  y = [undefined]\n", out)
    Assert.Contains("  undefined: y0: x0 ≠ 0 for 1/x0\n", out)
    Assert.Contains("  undefined: L: y0 is undefined here: x0 ≠ 0 for 1/x0\n", out)
    let json = (JsonDocument.Parse(fst (cli [ "diff"; "--simulator"; "log(x0)"; "--at"; "-1"; "--format"; "json" ]))).RootElement
    Assert.Equal(JsonValueKind.Null, json.GetProperty("yAt").[0].ValueKind)
    // The Jacobian's formula 1/x0 is -1 there, but y0 does not exist: no derivative either.
    Assert.Equal(JsonValueKind.Null, json.GetProperty("jacobianAt").[0].[0].ValueKind)
    Assert.Equal("x0 > 0 for log(x0)", json.GetProperty("undefinedBecause").GetProperty("y0").GetString())
    let csv, _ = cli [ "diff"; "--simulator"; "sqrt(x0)"; "--at"; "0"; "--format"; "csv" ]
    Assert.Equal(
        "quantity,row,column,value,undefinedBecause\ny,0,,0,\n"
        + "jacobian,0,0,,the formula of dy0/dx0 has no finite value here: x0 > 0 for 1/sqrt(x0)\n",
        csv)
    let points = Path.GetTempFileName()
    File.WriteAllText(points, "x0\n-1\n2\n")
    try
        let out, err = cli [ "eval"; "--simulator"; "log(x0)"; "--points"; points ]
        Assert.Equal("x0,y0,dy0/dx0\n-1,,\n2,0.6931471805599453,0.5\n", out)
        Assert.Contains("point 0 (line 2): y0 is undefined: x0 > 0 for log(x0)", err)
    finally
        File.Delete points

// ---- compare refuses a start outside the domain (item 2) ------------------------------------------------

[<Theory>]
[<InlineData("1/x0", "", "0", "y0 = 1/x0 is undefined there: x0 ≠ 0 for 1/x0 fails (x0 = 0)")>]
[<InlineData("log(x0)", "", "-1", "y0 = log(x0) is undefined there: x0 > 0 for log(x0) fails (x0 = -1)")>]
[<InlineData("x0^0.5", "", "-2", "y0 = x0^0.5 is undefined there: x0 ≥ 0 for x0^0.5 fails (x0 = -2)")>]
[<InlineData("x0; 2*x1", "", "1,0", "y1 = 2*x1 is")>]
[<InlineData("x0", "log(y0)", "-1", "the loss L(P(x)) is undefined there: x0 > 0 for log(x0) fails (x0 = -1)")>]
let ``compare refuses a start outside the simulator's or the loss's domain, naming the variable and the condition``
    (simulator: string, loss: string, start: string, expected: string) =
    let problem = [ "--simulator"; simulator; "--start=" + start; "--methods"; "gd:0.1"; "--out"; Path.GetTempPath() ]
    // The fourth case is inside the domain (2*x1 is defined everywhere): it runs.
    let lossArgs = if loss = "" then [ "--target"; (if simulator.Contains ';' then "1,1" else "1") ] else [ "--loss"; loss ]
    let code, out, err = Cli.run ([ "compare" ] @ problem @ lossArgs)
    if expected.EndsWith " is" then
        Assert.True((code = 0 || code = 1), err)
        Assert.DoesNotContain("outside the domain", (TestHelpers.unwrapped err))
    else
        Assert.Equal(2, code)
        Assert.Equal("", out)
        Assert.Contains(sprintf "The start [%s] is outside the domain of the problem: %s." (start.Replace(",", ", ")) expected, (TestHelpers.unwrapped err))
        Assert.Contains("Give a start where the condition holds (--start", (TestHelpers.unwrapped err))

[<Fact>]
let ``a start on the domain's edge is inside it: sqrt(x0) at 0 runs and reports what the methods meet`` () =
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "sqrt(x0)"; "--target"; "1"; "--start"; "0"; "--methods"; "gd:0.1"; "--out"; Path.GetTempPath() ]
    Assert.Equal(1, code)
    Assert.DoesNotContain("outside the domain", err)
    Assert.Contains("diverged", out)
