/// What a new user reads: references into docs/theory.md point at sections that exist, messages and
/// help speak without internal tracker numbers, counts agree with their nouns, and a malformed number
/// on the command line is named by its option with what it should be.
module PhysGrad.Properties.FixDocs

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Numerics

let private run = Cli.run

let private repoRoot () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then dir.FullName
        else up dir.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// GitHub's anchor of a heading: lower case, everything but letters, digits, spaces, '-' and '_'
/// dropped (so '§', '`', ':' and the apostrophe go), spaces turned into '-'.
let private slug (heading: string) =
    let kept = heading.Trim().ToLowerInvariant() |> String.filter (fun c -> Char.IsLetterOrDigit c || c = ' ' || c = '-' || c = '_')
    kept.Replace(' ', '-')

let private theoryHeadings () =
    File.ReadAllLines(Path.Combine(repoRoot (), "docs", "theory.md"))
    |> Array.filter (fun l -> l.StartsWith "#")
    |> Array.map (fun l -> l.TrimStart('#').Trim())

[<Fact>]
let ``the anchor of a heading is GitHub's`` () =
    // By hand from GitHub's rule: '§', the apostrophe and ':' dropped, spaces to hyphens.
    Assert.Equal("4-the-books-comparison-and-other-reference-problems", slug "§4 The book's comparison and other reference problems")
    Assert.Equal("6-learning-through-physics-gd-adam-gn-hig-and-sip", slug "§6 Learning through physics: GD, Adam, GN, HIG and SIP")

[<Fact>]
let ``every docs/theory.md anchor the README links to is a heading there, including the learning and simulator sections`` () =
    let anchors = theoryHeadings () |> Array.map slug |> Set.ofArray
    let readme = File.ReadAllText(Path.Combine(repoRoot (), "README.md"))
    let linked = [ for m in Regex.Matches(readme, @"docs/theory\.md#([^)\s]+)") -> m.Groups[1].Value ]
    // The README links §3, §4, §6 and §7 (the training and reference-simulator sections among them).
    for section in [ "3"; "4"; "6"; "7" ] do
        Assert.True(linked |> List.exists (fun a -> a.StartsWith(section + "-")), sprintf "the README links no §%s of docs/theory.md" section)
    for a in linked do
        Assert.True(anchors.Contains a, sprintf "README links docs/theory.md#%s, which is no heading of docs/theory.md (headings: %A)" a anchors)

[<Fact>]
let ``every "docs/theory.md §N" in the sources and docs names a section that exists, and nothing names the old file`` () =
    let root = repoRoot ()
    let sections =
        theoryHeadings () |> Array.choose (fun h -> let m = Regex.Match(h, @"^§(\d+) ") in if m.Success then Some m.Groups[1].Value else None) |> Set.ofArray
    // §1 … §7 (the theory page's own list of its sections).
    Assert.Equal<Set<string>>(Set.ofList [ "1"; "2"; "3"; "4"; "5"; "6"; "7" ], sections)
    let oldName = "THEORY" + ".md" // split so that this file does not name it itself
    let files =
        Directory.EnumerateFiles(root, "*.*", SearchOption.AllDirectories)
        |> Seq.filter (fun f -> [ ".md"; ".cs"; ".fs" ] |> List.contains (Path.GetExtension f))
        |> Seq.filter (fun f ->
            let parts = Path.GetRelativePath(root, f).Split(Path.DirectorySeparatorChar)
            not (parts |> Array.exists (fun p -> p = "bin" || p = "obj" || p.StartsWith ".")))
        |> List.ofSeq
    Assert.NotEmpty files
    for f in files do
        let text = File.ReadAllText f
        Assert.False(text.Contains(oldName, StringComparison.Ordinal), sprintf "%s still names %s" f oldName)
        for m in Regex.Matches(text, @"docs/theory\.md §(\d+)") do
            Assert.True(sections.Contains m.Groups[1].Value, sprintf "%s refers to docs/theory.md §%s, which does not exist" f m.Groups[1].Value)

[<Fact>]
let ``help texts name no tracker issue and no file outside the repository`` () =
    for command in [ []; [ "diff" ]; [ "eval" ]; [ "compare" ]; [ "derive" ]; [ "units" ]; [ "check" ]; [ "train" ] ] do
        let code, out, err = run (command @ [ "--help" ])
        Assert.Equal(0, code)
        Assert.NotEmpty out
        Assert.False(Regex.IsMatch(out + err, @"(?i)issue\s*#?\d"), sprintf "physgrad %A --help names an issue:\n%s" command out)
        Assert.DoesNotContain("THEORY" + ".md", out)

[<Fact>]
let ``an example over its size limit says the limit and where larger sizes go, without tracker numbers or plans`` () =
    for info in ReferenceProblems.All do
        let code, _, err = run [ "compare"; "--example"; info.Name; "--n"; string (info.MaxSize + 1) ]
        Assert.Equal(2, code)
        Assert.Contains(sprintf "limit of n = %d" info.MaxSize, (TestHelpers.unwrapped err))
        Assert.DoesNotMatch(@"(?i)issue\s*#?\d|planned", (TestHelpers.unwrapped err))
    // heat1d's default comparison stops at 512 cells; larger grids run with the methods named (the
    // matrix-free ones take any n), and the message says so instead of promising sparse kernels.
    let _, _, err = run [ "compare"; "--example"; "heat1d"; "--n"; "513" ]
    let advised = (ReferenceProblems.Info "heat1d").MatrixFreeMethods
    Assert.Contains($"--methods {advised})", (TestHelpers.unwrapped err))
    Assert.Contains("gd:1,", (TestHelpers.unwrapped err))

[<Fact>]
let ``a count agrees with its noun`` () =
    Assert.Equal("0 iterations", NumberText.Count(0, "iteration"))
    Assert.Equal("1 iteration", NumberText.Count(1, "iteration"))
    Assert.Equal("2 iterations", NumberText.Count(2, "iteration"))

[<Fact>]
let ``a one-iteration comparison says 1 iteration, not 1 iterations`` () =
    let out = Path.Combine(Path.GetTempPath(), "physgrad-fixdocs-" + Guid.NewGuid().ToString("N"))
    let code, stdout, err = run [ "compare"; "--methods"; "gd:0.01"; "--iterations"; "1"; "--out"; out ]
    Assert.True((code = 0), err)
    // The table's cell names the limit reached (tables24); the detail in words says 1 iteration.
    Assert.Contains("iteration limit (1)", stdout)
    Assert.DoesNotContain("1 iterations", stdout)
    let code, json, err = run [ "compare"; "--methods"; "gd:0.01"; "--iterations"; "1"; "--out"; out; "--format"; "json" ]
    Assert.True((code = 0), err)
    let gd = System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("methods").[0]
    Assert.Equal("1 iteration", gd.GetProperty("stopDetail").GetString())

[<Fact>]
let ``a method that needs a square Jacobian on one variable and two outputs says 1 variable`` () =
    let code, stdout, err = run [ "compare"; "--simulator"; "x0^2; x0"; "--target"; "1,1"; "--start"; "2"; "--methods"; "ig:0.3"; "--iterations"; "2"; "--out"; Path.Combine(Path.GetTempPath(), "physgrad-fixdocs-" + Guid.NewGuid().ToString("N")) ]
    let text = stdout + err
    Assert.True(code <> 0 || text.Contains "square", text)
    Assert.Contains("1 variable to 2 outputs", text)
    Assert.DoesNotContain("1 variables", text)

[<Fact>]
let ``a training method without settings for the example is named as the user types it`` () =
    let code, _, err = run [ "train"; "--example"; "exp"; "--methods"; "hig" ]
    Assert.Equal(2, code)
    Assert.Contains("no settings for hig;", err)
    Assert.DoesNotContain("Hig", err)

[<Theory>]
[<InlineData("compare --iterations 2.5", "--iterations", "2.5")>]
[<InlineData("compare --iterations ten", "--iterations", "ten")>]
[<InlineData("compare --example heat1d --n 3.5", "--n", "3.5")>]
[<InlineData("train --example exp --steps 1.5", "--steps", "1.5")>]
[<InlineData("train --example exp --seed x", "--seed", "x")>]
[<InlineData("train --example exp --seeds 2.0", "--seeds", "2.0")>]
[<InlineData("train --example exp --batch 1e3", "--batch", "1e3")>]
[<InlineData("diff --function x^2 --order 1.5", "--order", "1.5")>]
[<InlineData("eval --function x^2 --order two", "--order", "two")>]
let ``a malformed whole number is named by its option`` (line: string, option: string, value: string) =
    let code, _, err = run (List.ofArray (line.Split ' '))
    Assert.Equal(2, code)
    Assert.Contains(sprintf "%s must be a whole number, not '%s'." option value, err)
    Assert.DoesNotContain("System.", err)

[<Fact>]
let ``a whole number out of range says the range`` () =
    let code, _, err = run [ "compare"; "--iterations"; "99999999999" ]
    Assert.Equal(2, code)
    // The range compare accepts (0 or more), not int's: a negative count is refused too.
    Assert.Contains("--iterations must be a whole number from 0 to 2147483647, not '99999999999'.", err)

[<Theory>]
[<InlineData("check --eta abc", "--eta", "abc")>]
[<InlineData("train --example exp --time soon", "--time", "soon")>]
[<InlineData("train --example hig-toy --lambda 1.5x", "--lambda", "1.5x")>]
let ``a malformed number is named by its option`` (line: string, option: string, value: string) =
    let code, _, err = run (List.ofArray (line.Split ' '))
    Assert.Equal(2, code)
    Assert.Contains(sprintf "%s must be a number" option, err)
    Assert.Contains(sprintf "not '%s'." value, err)
    Assert.DoesNotContain("System.", err)

[<Fact>]
let ``a misspelt option with a value gets one error with the option meant, not a second for the value`` () =
    let code, _, err = run [ "compare"; "--itertions"; "2" ]
    Assert.Equal(2, code)
    Assert.Contains("'--itertions'", err)
    Assert.Contains("did you mean '--iterations'?", err)
    Assert.DoesNotContain("'2'", err)
    // A stray value that follows no unknown option is still reported.
    let code2, _, err2 = run [ "compare"; "stray" ]
    Assert.Equal(2, code2)
    Assert.Contains("'stray'", err2)
