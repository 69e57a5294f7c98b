/// compare's and train's reports (tables31): a table that stays a table within 100 columns where one stop cell
/// would widen it (a numbered note under it instead); stop words beside the codes in CSV; one set of JSON field
/// names for compare and train; one "loss rose" suffix; one count wording in the façade; a run's options that
/// differ from their defaults in its label, the table's method cell and the plots' legend.
module PhysGrad.Properties.Tables31

open System
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open PhysGrad

let private outDir (name: string) =
    Path.Combine(Path.GetTempPath(), "physgrad-tables31-" + name + "-" + Guid.NewGuid().ToString("N"))

let private lines (text: string) = text.Replace("\r", "").Split('\n')

/// The lines of a table: from its header (starting "method ") to the blank line after it, notes included.
let private table (out: string) =
    lines out |> Array.skipWhile (fun l -> not (l.StartsWith "method ")) |> Array.takeWhile (fun l -> l.Trim() <> "")

/// The 3-variable problem of the trial: 8 methods, one of which (lbfgs at 20 iterations) ends above its start loss.
let private threeVariables iterations =
    [ "compare"; "--simulator"; "0.1*x0 + 0.7*x1 + 0.3*x2; 0.3*x0 - 0.7*x1 + 0.1*x2; x0*x2 + x1"; "--target"; "0.1,0.3,0"
      "--start"; "0,0,0"; "--methods"; "newton,gd,gn,hig,bfgs,lbfgs,lm,adam"; "--iterations"; string iterations ]

/// Asserts that a table's rows are each one line of at most 100 columns, every row's last cell starting in the
/// header's last column (two spaces before it), and nothing folded under a row as "    header: cell".
let private assertAligned (what: string) (rows: string[]) (header: string) (labels: string list) =
    let stopAt = header.LastIndexOf "  stop" + 2
    Assert.True(stopAt > 2, sprintf "%s: no stop column in %s" what header)
    for label in labels do
        let row = rows |> Array.tryFind (fun l -> l.StartsWith(label + " "))
        Assert.True(row.IsSome, sprintf "%s: no row of %s:\n%s" what label (String.Join("\n", rows)))
        let row = row.Value
        Assert.True(row.Length <= 100, sprintf "%s: %d columns: %s" what row.Length row)
        Assert.True(row.Length > stopAt && row.[stopAt - 2 .. stopAt - 1] = "  " && row.[stopAt] <> ' ',
                    sprintf "%s: %s's stop cell is not under the header's stop (column %d):\n%s\n%s" what label stopAt header row)
    Assert.DoesNotContain(rows, fun l -> Regex.IsMatch(l, @"^    [a-z][a-z ()½‖−*²]*: "))

// ---- 1. a stop cell that would widen the table past 100 columns --------------------------------------------------

[<Theory>]
[<InlineData(10)>]
[<InlineData(20)>]
[<InlineData(1000)>]
let ``compare's table of 8 methods on 3 variables stays one aligned line per run within 100 columns`` (iterations: int) =
    // Was: at 20 iterations lbfgs's "iteration limit (20), loss rose" (and at 1000 every "iteration limit (1000)")
    // made the rows 101 columns and more, and final x was folded under each row ("    final x: […]").
    let code, out, err = Cli.run (threeVariables iterations @ [ "--out"; outDir "three" ])
    Assert.True((code = 0), err)
    let block = table out
    let header = block.[0]
    Assert.StartsWith("method   eta  final x", header)
    Assert.True(block |> Array.forall (fun l -> l.Length <= 100), String.Join("\n", block))
    assertAligned (sprintf "compare, %d iterations" iterations) block header [ "newton"; "gd"; "gn"; "hig"; "bfgs"; "lbfgs"; "lm"; "adam" ]
    // gd reaches the limit at every size, in words in its row.
    Assert.Contains("  iteration limit", block |> Array.find (fun l -> l.StartsWith "gd "))
    let lbfgs = block |> Array.find (fun l -> l.StartsWith "lbfgs ")
    if iterations = 20 then
        // The stop's words stay in the row with a note number; the note under the table says the rest.
        Assert.EndsWith("  iteration limit¹", lbfgs)
        Assert.Contains("¹ Stop of lbfgs: iteration limit (20); loss rose: final 418.632 > start ", TestHelpers.unwrapped (String.Join("\n", block)))

[<Fact>]
let ``train's table stays one aligned line per run when a loss that rose would widen its stop column`` () =
    // sip-ig at rate 1 on the oscillators: its loss rises from 0.41 to 155 in 10 steps. "step limit, loss rose" made the
    // row 103 columns, and the settings were folded under it ("    settings: η=1, B=256, Adam, Δy step 1").
    let code, out, err = Cli.run [ "train"; "--example"; "oscillators"; "--methods"; "sip-ig:1"; "--steps"; "10" ]
    Assert.True((code = 0), err)
    let block = table out
    Assert.StartsWith("method  settings ", block.[0])
    Assert.True(block |> Array.forall (fun l -> l.Length <= 100), String.Join("\n", block))
    assertAligned "train" block block.[0] [ "sip-ig" ]
    Assert.EndsWith("  step limit¹", block.[1])
    Assert.Contains("¹ Stop of sip-ig (η=1, B=256, Adam, Δy step 1, seed 1): step limit; loss rose: final 155.325 > start 0.409166.",
                    TestHelpers.unwrapped (String.Join("\n", block)))

// ---- 2. stop words beside the codes in CSV (and train's JSON) ----------------------------------------------------

[<Fact>]
let ``compare's and train's CSV give the stop in words beside its code`` () =
    let code, csv, err = Cli.run [ "compare"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; "1"; "--methods"; "gd:0.1,newton:1"
                                   "--iterations"; "3"; "--format"; "csv"; "--out"; outDir "csv" ]
    Assert.True((code = 0), err)
    let rows = lines (csv.TrimEnd()) |> Array.map (fun l -> l.Split(','))
    let column name = Array.IndexOf(rows.[0], name)
    Assert.True(column "stopWords" > column "stop" && column "stop" > 0, String.Join(",", rows.[0]))
    let last method = rows |> Array.findBack (fun r -> r.[0] = method)
    Assert.Equal("IterationLimit", (last "gd").[column "stop"])
    Assert.Equal("iteration limit", (last "gd").[column "stopWords"])
    // Only each method's last row says how it stopped.
    Assert.Equal("", (rows |> Array.find (fun r -> r.[0] = "gd")).[column "stopWords"])
    let code, csv, err = Cli.run [ "train"; "--methods"; "adam"; "--steps"; "3"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    let rows = lines (csv.TrimEnd())
    let header = rows.[0].Split(',')
    Assert.Equal("stop_words", header.[header.Length - 1])
    Assert.EndsWith(",StepLimit,no,step limit", rows.[1])

// ---- 3. one set of JSON field names -------------------------------------------------------------------------------

/// What a JSON value is, for comparing two reports' fields: a number, a string, a list, …
let private kind (e: JsonElement) =
    match e.ValueKind with
    | JsonValueKind.True | JsonValueKind.False -> "boolean"
    | k -> string k

[<Fact>]
let ``train's JSON names what compare's names alike: one run's fields, the list of runs and the plots`` () =
    let dir = outDir "json"
    let code, compare, err =
        Cli.run [ "compare"; "--simulator"; "x0^2"; "--target"; "4"; "--start"; "1"; "--methods"; "gd:0.1"; "--iterations"; "3"
                  "--format"; "json"; "--out"; dir ]
    Assert.True((code = 0), err)
    let code, train, err = Cli.run [ "train"; "--methods"; "adam"; "--steps"; "3"; "--format"; "json"; "--out"; dir ]
    Assert.True((code = 0), err)
    let c, t = JsonDocument.Parse(compare).RootElement, JsonDocument.Parse(train).RootElement
    // Both list their runs under "methods" and the files of their plots under "plots".
    for root in [ c; t ] do
        Assert.Equal(JsonValueKind.Array, root.GetProperty("methods").ValueKind)
        Assert.Equal(JsonValueKind.Array, root.GetProperty("plots").ValueKind)
    let keys (e: JsonElement) = [ for p in e.EnumerateObject() -> p.Name, kind p.Value ] |> Map.ofList
    let cm, tm = keys (c.GetProperty("methods").[0]), keys (t.GetProperty("methods").[0])
    // The same things under the same names, of the same kind: the method, its label and η, the final loss, the steps
    // taken, the losses at their iterations, the stop (code, words, text, detail), whether the loss rose, the time.
    let shared =
        [ "name"; "label"; "eta"; "finalLoss"; "iterations"; "losses"; "lossIterations"; "stopReason"; "stopWords"; "stopText"
          "stopDetail"; "lossRose"; "wallTimeMs" ]
    for name in shared do
        Assert.True(cm.ContainsKey name, sprintf "compare's JSON has no %s: %A" name (Map.keys cm))
        Assert.True(tm.ContainsKey name, sprintf "train's JSON has no %s: %A" name (Map.keys tm))
        Assert.True(cm.[name] = tm.[name], sprintf "%s is %s in compare's JSON, %s in train's" name cm.[name] tm.[name])
    // What train has beside them is its own: the training's settings, seed and timing, nothing compare says otherwise.
    let own = Set.difference (set (Map.keys tm)) (set (Map.keys cm))
    Assert.Equal<Set<string>>(set [ "settings"; "batchSize"; "seed"; "msPerStep"; "diverged"; "sipFallbacks"; "lossSeconds" ], own)
    let run = t.GetProperty("methods").[0]
    Assert.Equal("adam", run.GetProperty("name").GetString())
    Assert.Equal("StepLimit", run.GetProperty("stopReason").GetString())
    Assert.Equal("step limit", run.GetProperty("stopWords").GetString())
    Assert.Equal(3, run.GetProperty("iterations").GetInt32())
    Assert.Equal(0.01, run.GetProperty("eta").GetDouble())
    Assert.Equal<int list>([ 0; 3 ], [ for k in run.GetProperty("lossIterations").EnumerateArray() -> k.GetInt32() ])
    Assert.Equal(run.GetProperty("finalLoss").GetDouble(), run.GetProperty("losses").[1].GetDouble())
    for path in t.GetProperty("plots").EnumerateArray() do
        Assert.True(File.Exists(path.GetString()), path.GetString())

[<Fact>]
let ``train's JSON labels runs of one method at two rates as compare's does, and its summary uses the same names`` () =
    let code, train, err = Cli.run [ "train"; "--methods"; "gd:0.1,gd:0.01,adam"; "--steps"; "2"; "--format"; "json" ]
    Assert.True((code = 0), err)
    let root = JsonDocument.Parse(train).RootElement
    Assert.Equal<string list>([ "gd:0.1"; "gd:0.01"; "adam" ], [ for m in root.GetProperty("methods").EnumerateArray() -> m.GetProperty("label").GetString() ])
    Assert.Equal<string list>([ "gd"; "gd"; "adam" ], [ for m in root.GetProperty("summary").EnumerateArray() -> m.GetProperty("name").GetString() ])
    Assert.Equal(2.0, root.GetProperty("summary").[0].GetProperty("medianIterations").GetDouble())

// ---- 4. one "loss rose" suffix ------------------------------------------------------------------------------------

[<Fact>]
let ``compare's and train's stop cells say a loss that rose with one helper's words`` () =
    // The one helper (TextTable.StopCell), read by reflection so that this file compiles against code without it.
    let helper = typeof<PhysGrad.Cli.TextTable>.GetMethod("StopCell")
    Assert.NotNull(helper)
    let cell (stop: string) rose final start more = helper.Invoke(null, [| box stop; box rose; box final; box start; box more |]) :?> string
    Assert.Equal("iteration limit (20); loss rose: final 418.632 > start 0.05", cell "iteration limit (20)" true "418.632" "0.05" "")
    Assert.Equal("step limit", cell "step limit" false "2" "1" ", while …")
    // Both commands' notes are its words: compare's lbfgs and train's sip-ig.
    let _, out, _ = Cli.run (threeVariables 20 @ [ "--out"; outDir "rose" ])
    Assert.Contains("Stop of lbfgs: " + cell "iteration limit (20)" true "418.632" "0.0500000" "" + ".", TestHelpers.unwrapped out)
    let _, out, _ = Cli.run [ "train"; "--example"; "oscillators"; "--methods"; "sip-ig:1"; "--steps"; "10" ]
    Assert.Contains("Stop of sip-ig (η=1, B=256, Adam, Δy step 1, seed 1): " + cell "step limit" true "155.325" "0.409166" "" + ".", TestHelpers.unwrapped out)

// ---- 5. one count wording -----------------------------------------------------------------------------------------

[<Fact>]
let ``the façade counts with one function: Numbers.Count, and BookExample has no twin of it`` () =
    Assert.Null(typeof<BookExample>.GetMethod("Count"))
    let count = typeof<Numbers>.GetMethod("Count", [| typeof<int64>; typeof<string> |])
    Assert.NotNull(count)
    let said (n: int64) = count.Invoke(null, [| box n; box "value" |]) :?> string
    Assert.Equal("1 value", said 1L)
    Assert.Equal("10 values", said 10L)
    Assert.Equal("0 values", said 0L)

// ---- 6. options that differ from their defaults ------------------------------------------------------------------

[<Fact>]
let ``a run's options that differ from their defaults are in its label, the table's method cell and the legend`` () =
    Assert.Equal<string list>([ "hig:0.5:tau=0.5" ], MethodCatalog.Labels(MethodCatalog.Parse "hig:0.5:tau=0.5") |> List.ofArray)
    // An option given at its default sets nothing apart.
    Assert.Equal<string list>([ "hig" ], MethodCatalog.Labels(MethodCatalog.Parse "hig:0.5:tau=1e-3") |> List.ofArray)
    // Two entries that differ in η only still name the τ both have, which is not the default.
    Assert.Equal<string list>([ "hig:0.5:tau=0.5"; "hig:0.1:tau=0.5" ], MethodCatalog.Labels(MethodCatalog.Parse "hig:0.5:tau=0.5,hig:0.1:tau=0.5") |> List.ofArray)
    let code, out, err = Cli.run [ "compare"; "--methods"; "hig:0.5:tau=0.5,gd"; "--iterations"; "3"; "--out"; outDir "labels" ]
    Assert.True((code = 0), err)
    Assert.Contains(table out, fun l -> l.StartsWith "hig:0.5:tau=0.5 ")
    let problem = PhysicsProblem.Book
    let comparison = problem.CompareMethods(MethodCatalog.Parse "hig:0.5:tau=0.5,gd", 3)
    let runs = comparison.Results |> Seq.map (fun r -> r.Run) |> Array.ofSeq
    Assert.Equal("hig:0.5:tau=0.5", runs.[0].Label)
    for figure in TrajectoryPlots.Figures(runs, problem.Definition, comparison.Target) do
        let items = [ for i in figure.Panels.[0].Legend.ManualItems -> i.LabelText.Replace('\n', ' ') ]
        Assert.True(items |> List.exists (fun i -> i.StartsWith "hig (η = 0.5, tau = 0.5)"), sprintf "%s: %A" figure.Name items)
