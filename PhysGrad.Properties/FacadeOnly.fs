/// The CLI is a front end of the PhysGrad façade only: its source names neither PhysGrad.Numerics nor
/// PhysGrad.Symbolic, so what a user sees is what the façade offers to every caller.
module PhysGrad.Properties.FacadeOnly

open System
open System.IO
open System.Text.RegularExpressions
open Xunit

/// A use of an inner namespace in C#: a using directive or alias of it, a qualified name through it
/// (PhysGrad.Numerics.NumberText, global::PhysGrad.Symbolic.Infix), or the short form that resolves to it
/// inside namespace PhysGrad.Cli (Symbolic.Infix.Format). A member named Symbolic (x.Symbolic) is not one.
let private innerUse =
    Regex(@"(?<![\w.])(?:global::)?(?:PhysGrad\.)?(?:Numerics|Symbolic)\b(?=\s*[.;])", RegexOptions.Compiled)

/// The repository root: the directory above the test's with PhysGrad.sln in it.
let private root () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then dir.FullName
        else up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// Every use of an inner namespace in the given lines, as "file:line: text".
let private uses (file: string) (lines: string[]) =
    lines
    |> Array.mapi (fun i line -> i + 1, line)
    |> Array.filter (fun (_, line) -> innerUse.IsMatch line)
    |> Array.map (fun (n, line) -> sprintf "%s:%d: %s" file n (line.Trim()))

[<Fact>]
let ``the scan recognises every form of an inner-namespace use and nothing else`` () =
    // Each of these compiles to a reference into the engine's inner layers.
    let bad =
        [| "using PhysGrad.Numerics;"
           "using PhysGrad.Symbolic;"
           "using Core = PhysGrad.Symbolic.Expr;"
           "using static PhysGrad.Numerics.NumberText;"
           "catch (Symbolic.SymbolicException e) when (e.Kind == Symbolic.ErrorKind.Singular)"
           "var t = global::PhysGrad.Numerics.NumberText.Short(x);"
           "r.Run.StopReason == Numerics.StopReason.Diverged" |]
    // And these do not: façade names, prose, a member that happens to be called Symbolic.
    let good =
        [| "using PhysGrad;"
           "var v = Expression.LatexName(name);"
           "// the target is symbolic (not given)"
           "output.WriteLine(\"symbolic in y*0\");"
           "var s = options.Symbolic;" |]

    for line in bad do
        Assert.True(innerUse.IsMatch line, sprintf "not recognised as a use: %s" line)

    for line in good do
        Assert.False(innerUse.IsMatch line, sprintf "recognised as a use, but is none: %s" line)

[<Fact>]
let ``the CLI's source uses neither PhysGrad.Numerics nor PhysGrad.Symbolic`` () =
    let dir = Path.Combine(root (), "PhysGrad.Cli")
    let sep = string Path.DirectorySeparatorChar

    let files =
        Directory.GetFiles(dir, "*.cs", SearchOption.AllDirectories)
        |> Array.filter (fun f ->
            let rel = Path.GetRelativePath(dir, f)
            not (rel.StartsWith("obj" + sep) || rel.StartsWith("bin" + sep)))

    // The CLI has a dozen command files: finding fewer means the scan looked in the wrong place.
    Assert.True(files.Length >= 10, sprintf "only %d source files found under %s" files.Length dir)
    let found = files |> Array.collect (fun f -> uses (Path.GetRelativePath(dir, f)) (File.ReadAllLines f))
    Assert.True(found.Length = 0, "PhysGrad.Cli uses the inner layers; give the façade what it needs:\n" + String.Join("\n", found))
