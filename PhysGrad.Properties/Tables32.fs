/// compare's table (tables32): long method labels beside a three-variable final x left no form of the table within 100
/// columns, and final x was folded under each row ("    final x: […]"); final x now has a table of its own there.
module PhysGrad.Properties.Tables32

open System
open System.IO
open Xunit
open PhysGrad

let private lines (text: string) = text.Replace("\r", "").Split('\n')

[<Fact>]
let ``with long labels and three variables final x moves to a table of its own, every row one line`` () =
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-tables32-" + Guid.NewGuid().ToString("N"))
    let code, out, err =
        Cli.run [ "compare"; "--simulator"; "0.1*x0 + 0.7*x1 + 0.3*x2; 0.3*x0 - 0.7*x1 + 0.1*x2; x0*x2 + x1"; "--target"; "0.1,0.3,0"
                  "--start"; "0,0,0"; "--methods"; "gd:0.1,hig:0.5:tau=0.5,newton"; "--iterations"; "20"; "--out"; dir ]
    Assert.True((code = 0), err)
    let all = lines out
    // Was: "    final x: [0.167573, -0.0737602, 0.122356]" under each row (108 columns at 3 digits).
    Assert.DoesNotContain(all, fun l -> l.StartsWith "    final x:")
    Assert.True(all |> Array.forall (fun l -> l.Length <= 100), out)
    let header = all |> Array.find (fun l -> l.StartsWith "method ")
    Assert.DoesNotContain("final x", header)
    Assert.EndsWith("  stop", header)
    for label in [ "gd "; "hig:0.5:tau=0.5 "; "newton " ] do
        Assert.Contains("  iteration limit (20)", all |> Array.find (fun l -> l.StartsWith label))
    // The table of final points: after the first, one line per run with 6 digits.
    let second = all |> Array.findIndex (fun l -> l.StartsWith "method " && l.Contains "final x")
    Assert.True(second > Array.IndexOf(all, header))
    Assert.Matches(@"^method\s+final x$", all.[second])
    Assert.Matches(@"^gd\s+\[0\.167573, -0\.0737602, 0\.122356\]$", all.[second + 1])
    Assert.Matches(@"^hig:0\.5:tau=0\.5\s+\[0\.00510059, -0\.0706855, -0\.00510059\]$", all.[second + 2])
    Assert.StartsWith("newton ", all.[second + 3])
    Assert.Equal("", all.[second + 4])
