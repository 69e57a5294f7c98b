/// `physgrad train --seeds N`: the per-seed rows and the per-method summary over the seeds (median,
/// least, largest final loss, median steps, median time per step), checked against the per-seed numbers
/// the same run prints.
module PhysGrad.Properties.LearningSeeds

open System
open System.Globalization
open System.Text.Json
open Xunit

let private median = TestHelpers.median

[<Fact>]
let ``train over three seeds reports each seed and a summary whose median, least and largest are those seeds' losses`` () =
    let code, out, err =
        Cli.run [ "train"; "--example"; "hig-toy"; "--methods"; "adam,hig"; "--steps"; "12"; "--seed"; "4"; "--seeds"; "3"; "--format"; "json" ]
    Assert.True((code = 0), err)
    let root = JsonDocument.Parse(out).RootElement
    let runs = [ for r in root.GetProperty("methods").EnumerateArray() -> r ]
    Assert.Equal(6, runs.Length)
    let summary = [ for s in root.GetProperty("summary").EnumerateArray() -> s ]
    Assert.Equal<string list>([ "adam"; "hig" ], [ for s in summary -> s.GetProperty("name").GetString() ])
    for s in summary do
        let name = s.GetProperty("name").GetString()
        let mine = runs |> List.filter (fun r -> r.GetProperty("name").GetString() = name)
        Assert.Equal<int list>([ 4; 5; 6 ], [ for r in mine -> r.GetProperty("seed").GetInt32() ])
        Assert.Equal<int list>([ 4; 5; 6 ], [ for x in s.GetProperty("seeds").EnumerateArray() -> x.GetInt32() ])
        let losses = [ for r in mine -> r.GetProperty("finalLoss").GetDouble() ]
        // Three different initialisations give three different losses, so the median is the middle one.
        Assert.Equal(3, List.distinct losses |> List.length)
        Assert.Equal(median losses, s.GetProperty("medianLoss").GetDouble())
        Assert.Equal(List.min losses, s.GetProperty("minLoss").GetDouble())
        Assert.Equal(List.max losses, s.GetProperty("maxLoss").GetDouble())
        Assert.Equal(12.0, s.GetProperty("medianIterations").GetDouble())
        // ms per step: the median of the 36 steps' times, each step at the mean of its stretch between two
        // recorded points of its run's history (0, 10, 12).
        let stepTimes =
            [ for r in mine do
                  let points =
                      List.zip [ for p in r.GetProperty("lossIterations").EnumerateArray() -> p.GetInt32() ] [ for p in r.GetProperty("lossSeconds").EnumerateArray() -> p.GetDouble() ]
                  for (a, ta), (b, tb) in List.pairwise points do
                      yield! List.replicate (b - a) (1000.0 * (tb - ta) / float (b - a)) ]
        Assert.Equal(36, stepTimes.Length)
        let ms = s.GetProperty("msPerStep").GetDouble()
        Assert.True(abs (ms - median stepTimes) <= 1e-9 * ms, sprintf "ms/step %g vs %g" ms (median stepTimes))

[<Fact>]
let ``train's table over seeds ends with one summary line per method, and a diverged seed makes the median infinite`` () =
    // GD with rate 1e100 multiplies the output weights by about 1e100 per step: θ overflows within a
    // few steps for every seed, so all three runs diverge (exit 1) and the median counts them as ∞.
    let code, out, err =
        Cli.run [ "train"; "--example"; "hig-toy"; "--methods"; "adam,gd:1e100"; "--steps"; "10"; "--seeds"; "3" ]
    Assert.Equal(1, code)
    Assert.Contains("diverged", err)
    let lines = out.Split('\n') |> Array.map (fun l -> l.TrimEnd())
    let at = lines |> Array.findIndex (fun l -> l.StartsWith "Over the seeds")
    let summary = lines.[at + 2 .. at + 3]
    Assert.StartsWith("adam", summary.[0])
    Assert.StartsWith("gd", summary.[1])
    Assert.EndsWith("3 diverged", summary.[1])
    let cells (l: string) = l.Split(' ', StringSplitOptions.RemoveEmptyEntries)
    // gd's median, least and largest: ∞ for all three (every run diverged).
    Assert.Equal<string list>([ "∞"; "∞"; "∞" ], cells summary.[1] |> Array.filter (fun c -> c = "∞") |> List.ofArray)
    // adam's median is the middle of its three per-seed rows above.
    let adamRows = lines.[.. at - 1] |> Array.filter (fun l -> l.StartsWith "adam")
    Assert.Equal(3, adamRows.Length)
    let loss (row: string) =
        let c = cells row
        // method, η=…, B=…, seed, final loss, …
        Double.Parse(c.[4], CultureInfo.InvariantCulture)
    let medianCell = cells summary.[0] |> Array.item 4
    Assert.Equal(median [ for r in adamRows -> loss r ], Double.Parse(medianCell, CultureInfo.InvariantCulture))

[<Fact>]
let ``train with one seed prints no summary`` () =
    let code, out, err = Cli.run [ "train"; "--example"; "exp"; "--methods"; "adam"; "--steps"; "3" ]
    Assert.True((code = 0), err)
    Assert.DoesNotContain("Over the seeds", out)
