/// `--line-search` is a property of a rule: the Newton steps (newton, newton-cg) take Armijo
/// backtracking (newton-cg by default too, unless `newton-cg:linesearch=0`), the quasi-Newton ones (bfgs,
/// lbfgs) the weak Wolfe search; every other rule named with it is refused as an input error (exit 2)
/// before anything is written.
module PhysGrad.Properties.LineSearchScope

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad

let private json (args: string list) =
    let code, out, err = Cli.run args
    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    (JsonDocument.Parse out).RootElement.GetProperty("methods").[0]

[<Fact>]
let ``newton-cg backtracks by default and reaches the minimum of sqrt(1 + x²), where it runs away with linesearch=0`` () =
    // In one variable CG solves H p = −g in one iteration, so Newton-CG's step is Newton's:
    // x ↦ x − x(1 + x²) = −x³, which from 1.5 runs away (|x| = 1.5^(3^k)); Armijo backtracking halves the
    // step until L decreases, and L = √(1 + x²) is convex with its minimum at 0.
    let args (methods: string) =
        [ "compare"; "--simulator"; "x"; "--loss"; "sqrt(1+y0^2)"; "--target"; "0"; "--start"; "1.5"
          "--methods"; methods; "--iterations"; "8"; "--format"; "json" ]

    // With the search turned off the run-away ends far above its start loss: Diverged (RELIABILITY.md, "Stop reasons"), exit 1.
    let code, out, _ = Cli.run (args "newton-cg:1:linesearch=0")
    Assert.Equal(1, code)
    let plain = (JsonDocument.Parse out).RootElement.GetProperty("methods").[0]
    Assert.Equal("Diverged", plain.GetProperty("stopReason").GetString())
    Assert.True(abs (plain.GetProperty("final").[0].GetDouble()) > 1e10)
    // By default, and with --line-search (which also turns it back on over linesearch=0), it converges.
    for extra, methods in [ [], "newton-cg:1"; [ "--line-search" ], "newton-cg:1"; [ "--line-search" ], "newton-cg:1:linesearch=0" ] do
        let searched = json (args methods @ extra)
        Assert.True(abs (searched.GetProperty("final").[0].GetDouble()) < 1e-8, sprintf "%s %A" methods extra)

[<Fact>]
let ``every method named with --line-search is accepted exactly when it has a line search, else refused with exit 2`` () =
    // A square, linear problem every rule can run on (IG and PG need m = n).
    for entry in MethodCatalog.Entries do
        let dir = Path.Combine(Path.GetTempPath(), sprintf "physgrad-ls-%d-%s" Environment.ProcessId entry.Name)

        let code, _, err =
            Cli.run
                [ "compare"; "--simulator"; "x0; x1"; "--target"; "0,0"; "--start"; "1,1"; "--methods"; entry.Name
                  "--line-search"; "--iterations"; "2"; "--format"; "json"; "--out"; dir ]

        if isNull entry.LineSearch then
            Assert.True((code = 2), sprintf "%s: exit %d, %s" entry.Name code err)
            Assert.Contains(sprintf "--line-search has no line search for %s" entry.Name, TestHelpers.unwrapped err)
            Assert.Contains("newton, newton-cg, bfgs and lbfgs", TestHelpers.unwrapped err)
            // Refused before anything is written.
            Assert.False(Directory.Exists dir, sprintf "%s: %s was created" entry.Name dir)
        else
            Assert.True((code = 0), sprintf "%s: exit %d, %s" entry.Name code err)
            Directory.Delete(dir, true)

[<Fact>]
let ``several refused methods are named together, and the default list runs with a note instead`` () =
    let code, _, err =
        Cli.run [ "compare"; "--simulator"; "x0; x1"; "--target"; "0,0"; "--start"; "1,1"; "--methods"; "gd:0.1,newton,pg:0.3"; "--line-search" ]

    Assert.Equal(2, code)
    Assert.Contains("no line search for gd and pg:", TestHelpers.unwrapped err)
    Assert.Contains("leave them out of --methods", TestHelpers.unwrapped err)
    // Without --methods the user chose no method: the default list (gd, newton, pg, ig, gn, hig) runs,
    // Newton with its search, and the note names the rest.
    let dir = Path.Combine(Path.GetTempPath(), sprintf "physgrad-ls-default-%d" Environment.ProcessId)

    let code, _, err =
        Cli.run [ "compare"; "--simulator"; "x0; x1"; "--target"; "0,0"; "--start"; "1,1"; "--line-search"; "--iterations"; "2"; "--out"; dir ]

    Assert.True((code = 0), err)
    Assert.Contains("gd, pg, ig, gn and hig run without one", TestHelpers.unwrapped err)
    Directory.Delete(dir, true)
