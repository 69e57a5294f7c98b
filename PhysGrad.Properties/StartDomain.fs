/// check and derive refuse a start (or check's --at point) outside the simulator's or the loss's domain
/// as compare does: exit 2, the point, the output and condition that fail with the variable's value, and
/// where to give another point.
module PhysGrad.Properties.StartDomain

open System.IO
open Xunit

let private refused (noun: string) (point: string) (condition: string) (where: string) (code: int, out: string, err: string) =
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains(sprintf "The %s [%s] is outside the domain of the problem: %s." noun point condition, TestHelpers.unwrapped err)
    Assert.Contains(sprintf "Give a %s where the condition holds (%s" noun where, TestHelpers.unwrapped err)
    Assert.DoesNotContain("internal error", TestHelpers.unwrapped err)

[<Theory>]
[<InlineData("log(x0)", "", "-1", "y0 = log(x0) is undefined there: x0 > 0 for log(x0) fails (x0 = -1)")>]
[<InlineData("x0; 1/x1", "", "1,0", "y1 = 1/x1 is undefined there: x1 ≠ 0 for 1/x1 fails (x1 = 0)")>]
[<InlineData("x0", "log(y0)", "-1", "the loss L(P(x)) is undefined there: x0 > 0 for log(x0) fails (x0 = -1)")>]
let ``check and derive refuse a --start outside the domain, as compare does`` (simulator: string, loss: string, start: string, condition: string) =
    let target = if simulator.Contains ';' then "1,1" else "1"
    let lossArgs = if loss = "" then [ "--target"; target ] else [ "--loss"; loss ]
    let problem = [ "--simulator"; simulator; "--start=" + start ] @ lossArgs
    let point = start.Replace(",", ", ")
    refused "start" point condition "--start" (Cli.run ([ "check" ] @ problem))
    refused "start" point condition "--start" (Cli.run ([ "derive" ] @ problem))

[<Fact>]
let ``check refuses an --at point outside the domain, naming --at`` () =
    Cli.run [ "check"; "--simulator"; "sqrt(x0 - 1)"; "--target"; "1"; "--at"; "0" ]
    |> refused "point" "0" "y0 = sqrt(x0 - 1) is undefined there: x0 - 1 ≥ 0 for sqrt(x0 - 1) fails (x0 = 0)" "--at"

[<Fact>]
let ``check and derive refuse a problem file's start outside the domain`` () =
    let path = Path.Combine(Path.GetTempPath(), sprintf "physgrad-startdomain-%d.json" (System.Random.Shared.Next()))
    File.WriteAllText(path, """{"variables":["x0"],"simulator":["log(x0)"],"target":[1],"start":[-2]}""")

    try
        for command in [ "check"; "derive" ] do
            Cli.run [ command; "--problem"; path ]
            |> refused "start" "-2" "y0 = log(x0) is undefined there: x0 > 0 for log(x0) fails (x0 = -2)" "--start, or \"start\" in the problem file"
    finally
        File.Delete path

[<Fact>]
let ``a start inside the domain or on its edge is not refused by check or derive`` () =
    for start in [ "2"; "0" ] do
        // sqrt(x0) at 0 is finite: on the edge, inside the domain.
        for command in [ "check"; "derive" ] do
            let code, _, err = Cli.run [ command; "--simulator"; "sqrt(x0)"; "--target"; "1"; "--start"; start ]
            Assert.DoesNotContain("outside the domain", err)
            Assert.True((code = 0 || code = 1), sprintf "%s --start %s: exit %d, %s" command start code err)
