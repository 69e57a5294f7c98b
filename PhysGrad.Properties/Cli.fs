module PhysGrad.Properties.Cli

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Cli

let run (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let code = CliApp.Run(Array.ofList args, out, err)
    code, out.ToString(), err.ToString()

/// The `name = text` lines of a printed text block of `derive` (the intermediates t1, t2, … and the steps
/// Δ…), each with its continuation lines joined, in order.
let ruleLines (out: string) =
    let result = ResizeArray<string * string>()

    for l in out.Replace("\r", "").Split('\n') do
        let m = Text.RegularExpressions.Regex.Match(l, @"^  (\S+) = (.*)$")

        if m.Success then result.Add((m.Groups.[1].Value, m.Groups.[2].Value))
        elif l.StartsWith "    " && result.Count > 0 then
            let (n, t) = result.[result.Count - 1]
            result.[result.Count - 1] <- (n, t + " " + l.Trim())

    List.ofSeq result

[<Fact>]
let ``diff prints the gradient and the Hessian and evaluates them`` () =
    let code, out, err =
        run [ "diff"; "--function"; "x0^2 + x1^4"; "--order"; "2"; "--at"; "3,3" ]

    Assert.Equal(0, code)
    Assert.Equal("", err)
    Assert.Contains("df/dx1 = 4*x1^3", out)
    Assert.Contains("d2f/dx1dx1 = 12*x1^2", out)
    Assert.Contains("f = 90", out)
    Assert.Contains("gradient = [6, 108]", out)
    Assert.Contains("hessian = [[2, 0], [0, 108]]", out)

[<Fact>]
let ``diff orders default variables naturally, x2 before x10`` () =
    let _, out, _ = run [ "diff"; "-f"; "x10 + 2*x2"; "--format"; "json" ]
    let doc = JsonDocument.Parse out

    let vars =
        [ for v in doc.RootElement.GetProperty("variables").EnumerateArray() -> v.GetString() ]

    Assert.Equal<string list>([ "x2"; "x10" ], vars)

    let grad =
        [ for v in doc.RootElement.GetProperty("gradient").EnumerateArray() -> v.GetString() ]

    Assert.Equal<string list>([ "2"; "1" ], grad)

[<Fact>]
let ``diff --format json has every field that applies, with numbers`` () =
    let code, out, _ =
        run
            [ "diff"
              "-f"
              "sin(x)*y"
              "--vars"
              "y,x"
              "--order"
              "2"
              "--at"
              "2,0"
              "--format"
              "json" ]

    Assert.Equal(0, code)
    let root = (JsonDocument.Parse out).RootElement
    Assert.Equal("y*sin(x)", root.GetProperty("function").GetString())
    Assert.Equal("sin(x)", root.GetProperty("gradient").[0].GetString())
    Assert.Equal("cos(x)", root.GetProperty("hessian").[0].[1].GetString())
    Assert.Equal(0.0, root.GetProperty("value").GetDouble())
    Assert.Equal(2.0, root.GetProperty("gradientAt").[1].GetDouble()) // y cos x at (y, x) = (2, 0)
    Assert.Equal(1.0, root.GetProperty("hessianAt").[1].[0].GetDouble())
    Assert.Equal(0.0, root.GetProperty("hessianAt").[1].[1].GetDouble())

[<Fact>]
let ``diff without --order 2 has no Hessian and without --at no values`` () =
    let _, out, _ = run [ "diff"; "-f"; "x^2"; "--format"; "json" ]
    let root = (JsonDocument.Parse out).RootElement
    Assert.False(root.TryGetProperty("hessian") |> fst)
    Assert.False(root.TryGetProperty("value") |> fst)

[<Fact>]
let ``a value outside the domain is null in JSON`` () =
    let _, out, _ = run [ "diff"; "-f"; "log(x)"; "--at"; "-1"; "--format"; "json" ]
    Assert.Equal(JsonValueKind.Null, (JsonDocument.Parse out).RootElement.GetProperty("value").ValueKind)

[<Fact>]
let ``diff prints LaTeX and C#`` () =
    let _, latex, _ = run [ "diff"; "-f"; "x0^2/2"; "--format"; "latex" ]
    Assert.Contains("\\frac{\\partial f}{\\partial x_{0}} &= x_{0}", latex)
    let _, cs, _ = run [ "diff"; "-f"; "x^3"; "--format"; "csharp" ]
    Assert.Contains("double df_dx = 3.0 * (x * x);", cs)

[<Theory>]
[<InlineData("x +* y", "column 4")>]
[<InlineData("foo(x)", "unknown function 'foo'")>]
[<InlineData("x/0", "Division by zero")>]
[<InlineData("sin(x, y)", "sin takes 1 argument")>]
let ``bad functions exit with 2 and a message without a stack trace`` (f: string, fragment: string) =
    let code, out, err = run [ "diff"; "-f"; f ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains(fragment, err)
    Assert.DoesNotContain("   at ", err)

[<Theory>]
[<InlineData("1", "1 value but there are 2 variables")>]
[<InlineData("1,2,3", "3 values but there are 2 variables")>]
[<InlineData("1,abc", "value 2 ('abc') is not a number")>]
let ``a wrong --at exits with 2 and says what is wrong`` (at: string, fragment: string) =
    let code, _, err = run [ "diff"; "-f"; "x*y"; "--at"; at ]
    Assert.Equal(2, code)
    Assert.Contains(fragment, err)

[<Fact>]
let ``an expression nested 10000 levels deep exits with 2 and a clear message`` () =
    let deep = String('(', 10_000) + "x" + String(')', 10_000)
    let code, _, err = run [ "diff"; "-f"; deep ]
    Assert.Equal(2, code)
    Assert.Contains("nested more than", err)

[<Theory>]
[<InlineData("--order", "3")>]
[<InlineData("--format", "yaml")>]
let ``an option value outside its choices exits with 2`` (option: string, value: string) =
    let code, _, err = run [ "diff"; "-f"; "x"; option; value ]
    Assert.Equal(2, code)
    Assert.Contains(value, err)

[<Fact>]
let ``a missing --function exits with 2`` () =
    let code, _, err = run [ "diff" ]
    Assert.Equal(2, code)
    Assert.Contains("--function", err)

[<Fact>]
let ``an unbound variable at evaluation is named`` () =
    let code, _, err = run [ "diff"; "-f"; "x*q"; "--vars"; "x"; "--at"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("'q'", err)

let private withFile (content: string) (f: string -> 'a) =
    let path = Path.GetTempFileName()

    try
        File.WriteAllText(path, content)
        f path
    finally
        File.Delete path

[<Fact>]
let ``eval writes the value, gradient and Hessian of every CSV row`` () =
    withFile "x,y\n1,2\n\n3,4\n" (fun path ->
        let code, out, err = run [ "eval"; "-f"; "x*y^2"; "--points"; path; "--order"; "2" ]
        Assert.Equal(0, code)
        Assert.Equal("", err)

        let lines =
            out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            |> Array.map (fun l -> l.TrimEnd '\r')

        Assert.Equal("x,y,f,df/dx,df/dy,d2f/dxdx,d2f/dxdy,d2f/dydx,d2f/dydy", lines.[0])
        Assert.Equal("1,2,4,4,4,0,4,4,2", lines.[1])
        Assert.Equal("3,4,48,16,24,0,8,8,6", lines.[2]))

[<Fact>]
let ``eval handles more rows than one block, in order`` () =
    let rows = 10_000
    let csv = String.Join("\n", Array.init rows (fun i -> sprintf "%d" i))

    withFile csv (fun path ->
        let code, out, _ = run [ "eval"; "-f"; "2*x"; "--points"; path; "--order"; "0" ]
        Assert.Equal(0, code)
        let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        Assert.Equal(rows + 1, lines.Length)
        Assert.Equal(sprintf "%d,%d" (rows - 1) (2 * (rows - 1)), lines.[rows].TrimEnd '\r'))

[<Theory>]
[<InlineData("1,2\n3\n", "Line 2 has 1 value but there are 2 variables")>]
[<InlineData("1,2\n3,four\n", "Line 2, value 2 ('four') is not a number")>]
[<InlineData("y,x\n1,2\n", "Line 1 names the columns y, x but the variables are x, y")>]
let ``a bad CSV row exits with 2 and names its line`` (csv: string, fragment: string) =
    withFile csv (fun path ->
        let code, _, err = run [ "eval"; "-f"; "x*y"; "--points"; path ]
        Assert.Equal(2, code)
        Assert.Contains(fragment, err))

[<Fact>]
let ``eval of a missing file exits with 2`` () =
    let code, _, err = run [ "eval"; "-f"; "x"; "--points"; "/nonexistent/points.csv" ]
    Assert.Equal(2, code)
    Assert.Contains("does not exist", err)

[<Fact>]
let ``a long compare draws a progress line on a terminal and nothing when stderr is redirected`` () =
    // In-process, stderr is a StringWriter: not a terminal, so the bar stays away.
    let code, _, err =
        run
            [ "compare"
              "--iterations"
              "3000"
              "--methods"
              "gd:0.01"
              "--out"
              IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-progress-test") ]

    Assert.Equal(0, code)
    Assert.Equal("", err)
    // Drawn on a writer: 30 cells, the fraction done, the method and iteration, and cleared at the end.
    let screen = new IO.StringWriter()

    do
        use bar = new PhysGrad.Cli.ProgressLine(screen, [| "gd"; "pg" |], 100)
        (bar :> IProgress<struct (int * int)>).Report(struct (1, 100))

    let text = screen.ToString()
    Assert.Contains("[" + String('#', 30) + "]", text)
    Assert.Contains("100%", text)
    Assert.Contains("pg 100/100", text)
    Assert.EndsWith("\r", text)
