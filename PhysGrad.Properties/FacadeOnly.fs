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

/// Every type the compiled CLI refers to in the inner layers, as "Namespace.Name (assembly)": a
/// TypeReference whose namespace (of the outermost type, for a nested one) is PhysGrad.Numerics or
/// PhysGrad.Symbolic or below, or whose assembly is one of theirs. The source scan above cannot see these:
/// `var run = r.Run` names no namespace, yet compiles to a reference to the inner type.
let private innerReferences (path: string) =
    use stream = File.OpenRead path
    use pe = new System.Reflection.PortableExecutable.PEReader(stream)
    let md = System.Reflection.Metadata.PEReaderExtensions.GetMetadataReader pe
    let inner (text: string) =
        text = "PhysGrad.Numerics" || text = "PhysGrad.Symbolic"
        || text.StartsWith "PhysGrad.Numerics." || text.StartsWith "PhysGrad.Symbolic."

    [| for handle in md.TypeReferences do
           let t = md.GetTypeReference handle
           // Nested types hang off their declaring type's reference: walk out to the namespace and assembly.
           let rec outer (r: System.Reflection.Metadata.TypeReference) =
               if r.ResolutionScope.Kind = System.Reflection.Metadata.HandleKind.TypeReference then
                   outer (md.GetTypeReference(System.Reflection.Metadata.TypeReferenceHandle.op_Explicit r.ResolutionScope))
               else
                   r

           let top = outer t
           let ns = md.GetString top.Namespace

           let assembly =
               if top.ResolutionScope.Kind = System.Reflection.Metadata.HandleKind.AssemblyReference then
                   md.GetString(md.GetAssemblyReference(System.Reflection.Metadata.AssemblyReferenceHandle.op_Explicit top.ResolutionScope).Name)
               else
                   ""

           if inner ns || inner assembly then
               yield sprintf "%s.%s (%s)" ns (md.GetString t.Name) assembly |]
    |> Array.distinct
    |> Array.sort

[<Fact>]
let ``the scan of compiled references finds an inner type where one is used`` () =
    // The test assembly uses the inner layers directly (this typeof, Symbolic's nested Node cases in other
    // files): the scan must see that, or it would pass on anything.
    let here = typeof<PhysGrad.Numerics.OptimizerRun>.Assembly
    Assert.Equal("PhysGrad.Numerics", here.GetName().Name)
    let found = innerReferences (Reflection.Assembly.GetExecutingAssembly().Location)
    Assert.Contains("PhysGrad.Numerics.OptimizerRun (PhysGrad.Numerics)", found)
    Assert.Contains("PhysGrad.Symbolic.SymbolicException (PhysGrad.Symbolic)", found)
    // Façade and framework types are not inner ones.
    Assert.DoesNotContain(found, fun t -> t.StartsWith "PhysGrad.PhysicsProblem" || t.StartsWith "System.")

[<Fact>]
let ``the compiled CLI refers to no type of PhysGrad.Numerics or PhysGrad.Symbolic`` () =
    let cli = typeof<PhysGrad.Cli.CliApp>.Assembly.Location
    // No exceptions: the training command reads its methods and runs through the façade's TrainingChoice
    // and TrainingRun, so even the learning types that live in namespace PhysGrad must not appear here.
    let found = innerReferences cli
    Assert.True(found.Length = 0, sprintf "%s refers to %d inner types; give the façade what it needs:\n%s" (Path.GetFileName cli) found.Length (String.Join("\n", found)))
