/// Issue 12 ("defaults that adapt") and 14 ("output at scale"): every --example's default comparison
/// succeeds at its default size with step sizes of its own, a method it leaves out still runs when named,
/// and the phase log names the phase under way (the next method's first iteration), not the last one done.
module PhysGrad.Properties.ExampleDefaults

open System
open System.IO
open System.Text.Json
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Cli

let private outDir (name: string) =
    Path.Combine(Path.GetTempPath(), sprintf "physgrad-exampledefaults-%s-%d" name Environment.ProcessId)

/// A number of the JSON report; a non-finite one is written as null, read here as NaN.
let private number (e: JsonElement) = if e.ValueKind = JsonValueKind.Number then e.GetDouble() else nan

/// Each method of a `compare --format json` report: name, η, stop reason, first and last loss, whether the loss rose.
let internal methods (json: string) =
    use doc = JsonDocument.Parse json

    [ for m in doc.RootElement.GetProperty("methods").EnumerateArray() ->
          let losses = [| for l in m.GetProperty("losses").EnumerateArray() -> number l |]
          m.GetProperty("name").GetString(), m.GetProperty("eta").GetDouble(), m.GetProperty("stopReason").GetString(),
          losses.[0], number (m.GetProperty "finalLoss"), m.GetProperty("lossRose").GetBoolean() ]

let examples: obj[] seq = ReferenceProblems.All |> Seq.map (fun p -> [| box p.Name |])

[<Theory>]
[<MemberData(nameof examples)>]
let ``every example's default comparison at its default n succeeds, no default method diverging`` (name: string) =
    let info = ReferenceProblems.Info name
    let code, out, err = Cli.run [ "compare"; "--example"; name; "--format"; "json"; "--out"; outDir name ]
    Assert.True((code = 0), sprintf "%s: exit %d\n%s" name code err)
    let runs = methods out
    // A comparison: at least three methods side by side (rosenbrock leaves three out, the oscillators two).
    Assert.True(runs.Length >= 3, sprintf "%s: only %A" name runs)

    for method, eta, stop, first, final, rose in runs do
        Assert.True(stop <> "Diverged" && stop <> "SolverFailed", sprintf "%s: %s stopped with %s\n%s" name method stop err)
        // Meaningful: every default method lowers the loss from the start.
        Assert.False(rose, sprintf "%s: %s's loss rose to %g from %g" name method final first)
        Assert.True(final < first, sprintf "%s: %s's loss did not fall (%g from %g)" name method final first)
        // The example's own step size is the one that ran; the others are the catalogue's.
        let entry = MethodCatalog.Entries |> Seq.find (fun e -> e.Name = method)
        let expected = match info.Steps.TryGetValue entry.Method with | true, s -> s | _ -> entry.DefaultEta
        Assert.Equal(expected, eta)

    // Each left-out method is said, with the way to run it anyway (on stderr for json): the API's reason, with the
    // option that names methods added.
    for left in info.DefaultsAt(info.DefaultSize).LeftOut do
        // stderr is wrapped at 100 columns (tables24): the line is read joined again.
        let reason = left.Reason.TrimEnd('.') + " (--methods)."
        let line = (TestHelpers.unwrapped err).Split('\n') |> Array.tryFind (fun l -> l.Contains " skipped: " && l.Contains reason)
        Assert.True(line.IsSome, sprintf "%s: no skip line for %s in\n%s" name (MethodCatalog.NameOf left.Method) err)
        Assert.Contains(MethodCatalog.NameOf left.Method, line.Value.Substring(0, line.Value.IndexOf " skipped: "))
        Assert.DoesNotContain(runs, fun (m, _, _, _, _, _) -> m = MethodCatalog.NameOf left.Method)

    // The step sizes that are the example's own are shown, with how to keep them in --methods.
    for KeyValue(m, eta) in info.Steps do
        if not (info.DefaultsAt(info.DefaultSize).LeavesOut m) then
            Assert.Contains(sprintf "%s:%s" (MethodCatalog.NameOf m) (NumberText.StepSize eta), err)

[<Fact>]
let ``rosenbrock's left-out methods and the catalogue's step size still run when named`` () =
    // The user's list is never changed: pg and ig (left out of the default list) run, and a bare gd takes
    // the catalogue's η, 0.01, not the example's 0.004; both diverge there, so the run fails (exit 1).
    let code, out, err =
        Cli.run [ "compare"; "--example"; "rosenbrock"; "--methods"; "gd,pg,ig"; "--format"; "json"; "--out"; outDir "named" ]

    Assert.Equal(1, code)
    let runs = methods out
    Assert.Equal<string list>([ "gd"; "pg"; "ig" ], runs |> List.map (fun (m, _, _, _, _, _) -> m))
    let _, gdEta, _, _, _, _ = runs.Head
    Assert.Equal(MethodCatalog.Of(Method.GradientDescent).DefaultEta, gdEta)
    Assert.DoesNotContain(" skipped: ", err)

[<Fact>]
let ``the phase log names the next method's first iteration once a run is over, not the last iteration done`` () =
    // A log for 1000 variables tells its phases at once; a caller's writer gets no timer, so Current (what
    // the periodic line says) is read directly, without waiting.
    use err = new StringWriter()
    use log = PhaseLog.For(err, int64 PhaseLog.LargeProblem)
    log.Runs([| "gd"; "pg" |], 2, [| "deriving and compiling what it needs"; "building the local inverse" |])
    log.StartRuns "running gd, pg, 2 iterations each; then finding x*"
    let sequence = ResizeArray<string>()
    let record () = sequence.Add(log.Current |> Option.ofObj |> Option.defaultValue "(none)")
    record ()

    for m, k in [ 0, 1; 0, 2; 1, 1; 1, 2 ] do
        (log :> IProgress<struct (int * int)>).Report(struct (m, k))
        record ()

    Assert.Equal<string list>(
        [ "gd: deriving and compiling what it needs, iteration 1/2 under way"
          "gd: iteration 1/2 done"
          "pg: building the local inverse, iteration 1/2 under way"
          "pg: iteration 1/2 done"
          "(none)" ],
        List.ofSeq sequence)
    // The first iteration of each method is still told at once, and the search for x* after the last.
    TestHelpers.assertInOrder
        (err.ToString())
        [ "physgrad: running gd, pg"; "physgrad: gd: iteration 1/2 done"; "physgrad: pg: iteration 1/2 done"; "physgrad: finding x*" ]

let private readme () =
    let rec up (d: DirectoryInfo) = if File.Exists(Path.Combine(d.FullName, "PhysGrad.sln")) then d.FullName else up d.Parent
    File.ReadAllText(Path.Combine(up (DirectoryInfo AppContext.BaseDirectory), "README.md"))

[<Fact>]
let ``the README's table of examples gives each one's default n, limit and own defaults as the catalogue has them`` () =
    let lines = readme().Replace("\r", "").Split('\n')

    for info in ReferenceProblems.All do
        let row = lines |> Array.tryFind (fun l -> l.StartsWith(sprintf "| `%s` |" info.Name, StringComparison.Ordinal))
        Assert.True(row.IsSome, sprintf "no README row for %s" info.Name)
        // | name | n is | default n | largest n | CPU | own defaults | what |
        let cells = row.Value.Split('|') |> Array.map (fun c -> c.Trim())
        Assert.Equal(string info.DefaultSize, cells.[3])
        Assert.Equal(string info.MaxSize, cells.[4])

        for KeyValue(m, eta) in info.Steps do
            Assert.Contains(sprintf "%s η = %s" (MethodCatalog.NameOf m) (NumberText.StepSize eta), cells.[6])

        for left in info.LeftOut do
            Assert.Contains(MethodCatalog.NameOf left.Method, cells.[6])
            Assert.Contains("left out", cells.[6])
            if left.FromSize > 0 then Assert.Contains(sprintf "above %d" (left.FromSize - 1), cells.[6])
