module PhysGrad.Properties.TesterFaults

// Faults a new-user tester found on main, each tested as a kind (every command and input of that kind).

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Properties.Cli

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "physgrad-tf-" + Guid.NewGuid().ToString "N")
    Directory.CreateDirectory d |> ignore
    d

let private existingFile () =
    let f = Path.Combine(tempDir (), "a-file")
    File.WriteAllText(f, "")
    f

// Fault 1: a bad --out (a file, a path that cannot be created, an empty string) is the user's input:
// exit 2 with a message naming --out, before any run, for every command that writes plots.
[<Theory>]
[<InlineData("file")>]
[<InlineData("/proc/nope")>]
[<InlineData("")>]
[<InlineData("/proc/nope/deeper")>]
let ``a bad --out is an input error naming --out in compare and train`` (kind: string) =
    let path = if kind = "file" then existingFile () else kind

    for args in
        [ [ "compare"; "--iterations"; "2"; "--out"; path ]
          [ "train"; "--example"; "hig-toy"; "--steps"; "2"; "--out"; path ] ] do
        let code, _, err = run args
        Assert.Equal(2, code)
        Assert.Contains("--out", err)
        Assert.DoesNotContain("internal error", err)

let private compareJson (args: string list) =
    let code, out, err = run ([ "compare"; "--format"; "json"; "--out"; tempDir () ] @ args)
    Assert.True(code = 0 || code = 1, err)
    (JsonDocument.Parse out).RootElement

let private targetX (root: JsonElement) =
    let p = root.GetProperty "problem"
    let kind = p.GetProperty("targetXKind").GetString()
    let x =
        match p.GetProperty("targetX").ValueKind with
        | JsonValueKind.Array -> [ for v in p.GetProperty("targetX").EnumerateArray() -> v.GetDouble() ]
        | _ -> []
    kind, x

// Fault 2: x* must be a preimage. P(x) = x0 with y* = 1e300 has the one preimage x* = 1e300 (the
// identity); the start 0 is not one, although ‖y*‖² overflows and made every tolerance infinite.
[<Fact>]
let ``x* for a huge target is the true preimage, never the start`` () =
    let root = compareJson [ "--simulator"; "x0"; "--target"; "1e300"; "--start"; "0"; "--methods"; "gd:0.1,newton:1,pg:1" ]
    let kind, x = targetX root
    Assert.Equal("preimageNearStart", kind)
    Assert.Equal<float list>([ 1e300 ], x)
    // Each run's distance is measured from that x*, not from the start: gd and newton read L, which
    // overflows at 0, so they stay there, 1e300 away; pg steps in y (y* − y is finite) and lands on x*.
    for m in root.GetProperty("methods").EnumerateArray() do
        let final = m.GetProperty("final").[0].GetDouble()
        Assert.Equal((if m.GetProperty("name").GetString() = "pg" then 1e300 else 0.0), final, 1e286)
        Assert.Equal(abs (final - 1e300), m.GetProperty("distance").GetDouble(), 1e286)

[<Fact>]
let ``TargetInX accepts only points whose image is y*`` () =
    // P(x) = x0^2 + 1 has no preimage of y* = 0 (P ≥ 1): no x*, whatever the start.
    let problem = ProblemDefinition([| "x0" |], [| "x0^2 + 1" |], "(y0 - 5)^2", [| 0.0 |], [| 2.0 |]).Compile()
    Assert.Null(BookExample.TargetInX(problem, [| 0.0 |], [| 2.0 |]))
    Assert.Null(BookExample.TargetInX(problem, [| nan |], [| 2.0 |]))
    // y* = 5 has the preimages ±2; from 3 the one nearest is 2 (hand: 2² + 1 = 5).
    let x = BookExample.TargetInX(problem, [| 5.0 |], [| 3.0 |])
    Assert.Equal(2.0, x.[0], 1e-9)
    Assert.False(BookExample.IsPreimage(problem, [| 3.0 |], [| 5.0 |]))
    Assert.False(BookExample.IsPreimage(problem, [| infinity |], [| 5.0 |]))

// Fault 3: x* is found whichever methods ran, also when the inverse is the numeric one.
// P = (x0, x1²), y* = (1, 4) from (3, 3): x* = (1, 2) by hand (the positive branch).
[<Theory>]
[<InlineData("pg:0.5")>]
[<InlineData("newton:1")>]
[<InlineData("gd:0.1")>]
let ``x* with the numeric inverse does not depend on the methods run`` (methods: string) =
    let root =
        compareJson [ "--simulator"; "x0; x1^2"; "--target"; "1,4"; "--start"; "3,3"; "--inverse"; "numeric"; "--methods"; methods; "--iterations"; "20" ]
    let kind, x = targetX root
    Assert.Equal("preimageNearStart", kind)
    Assert.Equal(1.0, x.[0], 1e-9)
    Assert.Equal(2.0, x.[1], 1e-9)

[<Fact>]
let ``x* of x^3 - x = 1 from 2 is the real root, with the default methods`` () =
    let kind, x = targetX (compareJson [ "--simulator"; "x^3 - x"; "--target"; "1"; "--start"; "2" ])
    Assert.Equal("preimageNearStart", kind)
    // The real root of x³ − x − 1 (the plastic number, 1.3247179572...).
    Assert.Equal(1.3247179572447460, x.[0], 1e-9)

[<Fact>]
// heat1d is made from a known x* (ReferenceProblems.TrueSolution): both lists measure to it.
let ``heat1d with pg finds x* like with newton`` () =
    let withPg = targetX (compareJson [ "--example"; "heat1d"; "--n"; "4"; "--methods"; "pg:0.3" ])
    let withNewton = targetX (compareJson [ "--example"; "heat1d"; "--n"; "4"; "--methods"; "newton:1" ])
    Assert.Equal("known", fst withPg)
    Assert.Equal<float list>(snd withNewton, snd withPg)

// Fault 7: the check report prints its results, not a collection type's name.
[<Fact>]
let ``Check() prints one line per property and a summary`` () =
    let report = PhysicsProblem.From(ProblemDefinition.Book).Check()
    let text = report.ToString()
    Assert.DoesNotContain("ReadOnlyArray", text)
    let lines = text.Split('\n')
    Assert.Equal(report.Count + 1, lines.Length)
    Assert.StartsWith(report.[0].ToString(), lines.[0].TrimEnd('\r'))
    let counts = [ "pass"; "FAIL"; "n/a"; "undef" ] |> List.sumBy (fun s -> report |> Seq.filter (fun r -> r.Status = s) |> Seq.length)
    Assert.Equal(report.Count, counts)

// Fault 8: IG and PG left out for the same reason give one line naming both, in compare and derive.
[<Fact>]
let ``a non-square problem skips ig and pg in one line`` () =
    let _, compareOut, _ = run [ "compare"; "--simulator"; "x0; x0^2"; "--target"; "1,1"; "--start"; "2"; "--iterations"; "2"; "--out"; tempDir () ]
    let _, deriveOut, _ = run [ "derive"; "--simulator"; "x0; x0^2"; "--target"; "1,1" ]

    for out in [ compareOut; deriveOut ] do
        // derive also says that HIG has no closed form, on a line of its own.
        let skips = out.Split('\n') |> Array.filter (fun l -> l.Contains "skipped" && not (l.StartsWith "hig skipped"))
        Assert.Equal(1, skips.Length)
        Assert.StartsWith("ig, pg skipped: ig and pg need a square Jacobian", skips.[0])

// Fault 5: when the plots mark an approximate x* (a run's end), the table says that its distances are in y
// and why. P = exp(x0) at y* = 0 from x0 = 0: exp has no preimage of 0, yet IG (one step per unit) ends near
// x0 = −10 with L ≈ 10⁻⁹. (P = x0³ − 3·x0 at y* = 5 from 0, the case here before, now has its x* ≈ 2.279
// from the outward scan, NearestPreimage.fs; P = x0³ from 0 has x* = 2 from the derived cube root,
// BranchPoints.fs; P = (x0, x0²) at y* = (1, 1) has x* = 1 from Gauss–Newton, Overdetermined.fs.)
[<Fact>]
let ``the table says when the plots' x* is only a run's end`` () =
    let args = [ "--simulator"; "exp(x0)"; "--target"; "0"; "--start"; "0"; "--methods"; "ig:1"; "--iterations"; "10" ]
    let _, out, _ = run ([ "compare" ] @ args @ [ "--out"; tempDir () ])
    Assert.Contains("No preimage of y* was found from the start: distances are in y; the plots mark an approximate x* (x* ≈ ig's end", unwrapped out)
    Assert.Contains(" in y ", unwrapped out)
    let root = compareJson args
    Assert.Equal("approximateRunEnd", fst (targetX root))
