/// Issue 12 item 2 ("defaults that adapt") for a method whose kernels cannot be derived in doubles: newton's
/// Hessian of ½(1E+200·x0 − 1E+200)² folds 1E+200 × 1E+200 = ∞. From the default list compare leaves newton out
/// with one line saying why and runs the others; a method the user named still fails the command (exit 2); check
/// marks the properties that need the Hessian as not compared instead of refusing the check. And derive warns, as
/// compare does, when a given inverse is undefined at the numeric target (y0^(1/3) at y* = −8).
module PhysGrad.Properties.Skip25

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private run = Cli.run

let private outDir (name: string) =
    Path.Combine(Path.GetTempPath(), sprintf "physgrad-skip25-%s-%d" name Environment.ProcessId)

/// The first word of each table row (the method column) between the header and the "Plots:" line.
let private rowMethods (text: string) =
    let lines = text.Replace("\r", "").Split('\n')
    let header = lines |> Array.findIndex (fun l -> l.StartsWith("method ", StringComparison.Ordinal))
    [ for l in lines.[header + 1 ..] do
          if l.Length > 0 && not (Char.IsWhiteSpace l.[0]) && not (l.StartsWith("Plots:", StringComparison.Ordinal)) && not (l.StartsWith("Stop of ", StringComparison.Ordinal)) then
              yield l.Split(' ', StringSplitOptions.RemoveEmptyEntries).[0] ]

// y0 = 1E+200·x0 makes ∂²L/∂x0² = 1E+200 × 1E+200, beyond doubles; y1 = x1² keeps the loss finite at [1, 3]
// (y0 is on its target), so every other default method runs and none diverges.
let private overflowing = [ "--simulator"; "1e200*x0; x1^2"; "--target"; "1e200,4"; "--start"; "1,3" ]

let private skipLine = "newton skipped: Deriving the Hessian ∂²L/∂x² of the problem"

[<Fact>]
let ``compare's default list skips newton whose Hessian overflows when folded, and runs the others`` () =
    let code, out, err = run ([ "compare" ] @ overflowing @ [ "--out"; outDir "default" ])
    Assert.Equal("", err)
    Assert.Equal(0, code)
    // One line for newton, naming what could not be derived and the product that overflows.
    let flat = out.Replace("\r", "").Replace("\n  ", " ")
    Assert.Contains(skipLine, flat)
    Assert.Contains("1E+200 × 1E+200", flat)
    Assert.Equal(1, flat.Split('\n') |> Array.filter (fun l -> l.Contains(" skipped: ")) |> Array.length)
    // The rest of the default list (gd, newton, pg, ig, gn, hig) has its rows; newton has none.
    Assert.Equal<string list>([ "gd"; "pg"; "ig"; "gn"; "hig" ], rowMethods out)

[<Fact>]
let ``the brief's problem: newton skipped, the other rows printed, and only divergence can fail it`` () =
    let code, out, err =
        run [ "compare"; "--simulator"; "1e200*x0; 1e200*x1^2"; "--target"; "1e200,4e200"; "--start"; "3,3"; "--out"; outDir "brief" ]
    // L at [3, 3] is 2E+400 in doubles: gd and hig diverge there (exit 1), which is a run's failure, not an input error.
    Assert.NotEqual(2, code)
    Assert.Contains(skipLine, out.Replace("\r", "").Replace("\n  ", " "))
    Assert.Equal<string list>([ "gd"; "pg"; "ig"; "gn"; "hig" ], rowMethods out)
    Assert.DoesNotContain("folds constants that overflow", err)

[<Fact>]
let ``a method the user names still fails the command with the reason`` () =
    let code, _, err = run ([ "compare" ] @ overflowing @ [ "--methods"; "gd,newton"; "--out"; outDir "named" ])
    Assert.Equal(2, code)
    Assert.Contains("Deriving the Hessian ∂²L/∂x² of the problem", (TestHelpers.unwrapped err))
    Assert.Contains("folds constants that overflow", (TestHelpers.unwrapped err))
    // Without newton the named methods run and nothing is skipped.
    let code, out, err = run ([ "compare" ] @ overflowing @ [ "--methods"; "gd,pg"; "--out"; outDir "named" ])
    Assert.Equal(0, code)
    Assert.Equal("", err)
    Assert.DoesNotContain(" skipped: ", out)
    Assert.Equal<string list>([ "gd"; "pg" ], rowMethods out)

[<Fact>]
let ``json and csv keep stdout machine-readable and say the skip on stderr`` () =
    let code, out, err = run ([ "compare" ] @ overflowing @ [ "--format"; "json"; "--out"; outDir "json" ])
    Assert.Equal(0, code)
    Assert.Contains(skipLine, err.Replace("\r", "").Replace("\n  ", " "))
    let methods =
        [ for m in JsonDocument.Parse(out).RootElement.GetProperty("methods").EnumerateArray() -> m.GetProperty("name").GetString() ]
    Assert.Equal<string list>([ "gd"; "pg"; "ig"; "gn"; "hig" ], methods)
    let code, out, err = run ([ "compare" ] @ overflowing @ [ "--format"; "csv"; "--out"; outDir "csv" ])
    Assert.Equal(0, code)
    Assert.Contains(skipLine, err.Replace("\r", "").Replace("\n  ", " "))
    Assert.DoesNotContain("\nnewton,", out.Replace("\r", ""))

[<Fact>]
let ``the API leaves the method out only when asked to, and says why`` () =
    let physics = PhysicsProblem.FromText("1e200*x0; x1^2", target = [| 1e200; 4.0 |], start = [| 1.0; 3.0 |])
    let methods = [| MethodSpec(Method.GradientDescent, 0.01); MethodSpec(Method.Newton, 1.0 / 3.0) |]
    let comparison = physics.CompareMethods(methods, 3, false, null, true)
    Assert.Equal<string list>([ "gd" ], [ for r in comparison.Results -> r.Label ])
    let skipped = Assert.Single(comparison.Skipped)
    Assert.Equal(Method.Newton, skipped.Method)
    Assert.Contains("1E+200 × 1E+200", skipped.Reason)
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> physics.CompareMethods(methods, 3) |> ignore)
    Assert.Equal(ErrorKind.NonFinite, e.Kind)

[<Fact>]
let ``derive's default list prints every rule of that problem, folding nothing`` () =
    // Symbolically 10^400 is a number like any other: derive's rules need no doubles.
    let code, out, err = run [ "derive"; "--simulator"; "1e200*x0; 1e200*x1^2"; "--target"; "1e200,4e200" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)
    for m in [ "gd:"; "newton:"; "ig:"; "pg:"; "gn:" ] do
        Assert.Contains("\n" + m, out.Replace("\r", ""))

[<Fact>]
let ``check marks what needs the Hessian as not compared and checks the rest`` () =
    let code, out, err = run ([ "check" ] @ overflowing @ [ "--format"; "json" ])
    Assert.Equal(0, code)
    Assert.Equal("", err)
    let properties = [ for p in JsonDocument.Parse(out).RootElement.GetProperty("properties").EnumerateArray() -> p ]
    let notCompared =
        properties |> List.filter (fun p -> p.GetProperty("detail").GetString().StartsWith("not compared: Deriving the Hessian ∂²L/∂x² of the problem"))
    Assert.NotEmpty(notCompared)
    for p in notCompared do
        Assert.Equal("undef", p.GetProperty("result").GetString())
    // PG's properties need no Hessian: measured, and they hold (PG lands on y₀ + Δy, its local inverse keeps the branch).
    let result k = properties.[k - 1].GetProperty("result").GetString()
    Assert.Equal("pass", result 6)
    Assert.Equal("pass", result 8)

// ---- derive warns of a given inverse undefined at the numeric target, as compare does ----------------------

let private cubeRoot = [ "--simulator"; "x0^3"; "--inverse"; "y0^(1/3)"; "--methods"; "pg" ]

[<Fact>]
let ``derive warns that the given inverse is undefined at y* = -8 and names the real odd root`` () =
    let code, out, err = run ([ "derive" ] @ cubeRoot @ [ "--target"; "-8" ])
    Assert.Equal(0, code)
    Assert.Equal("", err)
    let flat = out.Replace("\r", "").Replace("\n  ", " ")
    Assert.Contains("Warning: the given inverse is undefined (not real) at y* = [-8]", flat)
    Assert.Contains("the real odd root is cbrt(y0)", flat)
    // The rule is still printed through the inverse as given.
    Assert.Contains("pg:", out)
    // compare says the same sentence on the same problem.
    let _, compared, _ = run ([ "compare" ] @ cubeRoot @ [ "--target"; "-8"; "--start"; "1"; "--out"; outDir "cube" ])
    let warning (text: string) =
        let flat = text.Replace("\r", "").Replace("\n  ", " ")
        let at = flat.IndexOf("Warning: ", StringComparison.Ordinal)
        flat.Substring(at, flat.IndexOf('\n', at) - at)
    Assert.Equal(warning compared, warning out)

[<Fact>]
let ``derive says nothing where the given inverse is defined at the target, and json carries the warning`` () =
    let code, out, err = run ([ "derive" ] @ cubeRoot @ [ "--target"; "8" ])
    Assert.Equal(0, code)
    Assert.Equal("", err)
    Assert.DoesNotContain("Warning", out)
    let code, out, _ = run ([ "derive" ] @ cubeRoot @ [ "--target"; "-8"; "--format"; "json" ])
    Assert.Equal(0, code)
    let doc = JsonDocument.Parse(out).RootElement
    Assert.StartsWith("the given inverse is undefined (not real) at y* = [-8]", doc.GetProperty("inverseWarning").GetString())
    // A symbolic target has no point to check the inverse at: no warning.
    let code, out, _ = run ([ "derive" ] @ cubeRoot)
    Assert.Equal(0, code)
    Assert.DoesNotContain("Warning", out)
