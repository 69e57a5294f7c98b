/// Every C# block of the README compiles as a user's program (issue 12, item 2): a console project
/// with the SDK's implicit usings, referencing the PhysGrad packages, and no using the block lacks.
module PhysGrad.Properties.ReadmeCSharp

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp

let private repoRoot () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then dir.FullName
        else up dir.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// The usings `dotnet new console` turns on (ImplicitUsings): what a user's file has without writing them.
let private implicitUsings =
    "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; " +
    "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;"

let private blocks () =
    let readme = File.ReadAllText(Path.Combine(repoRoot (), "README.md")).Replace("\r\n", "\n")
    [ for m in Regex.Matches(readme, "```csharp\n(.*?)```", RegexOptions.Singleline) -> m.Groups.[1].Value ]

[<Fact>]
let ``every C# block of the README compiles as a program with only its own usings`` () =
    let sources = blocks ()
    // The README has C# blocks for tracing, lambdas, sparse derivatives, expressions and kernels.
    Assert.True(sources.Length >= 5, sprintf "found %d C# blocks" sources.Length)
    let trusted = (AppContext.GetData "TRUSTED_PLATFORM_ASSEMBLIES" :?> string).Split Path.PathSeparator
    let references = trusted |> Array.map (fun p -> MetadataReference.CreateFromFile p :> MetadataReference)

    for source in sources do
        let compilation =
            CSharpCompilation.Create(
                "Readme" + Guid.NewGuid().ToString "N",
                [ CSharpSyntaxTree.ParseText implicitUsings; CSharpSyntaxTree.ParseText source ],
                references,
                CSharpCompilationOptions(OutputKind.ConsoleApplication)
            )

        let errors =
            compilation.GetDiagnostics()
            |> Seq.filter (fun d -> d.Severity = DiagnosticSeverity.Error)
            |> Seq.map string
            |> Seq.toArray

        Assert.True(errors.Length = 0, sprintf "%s\n---\n%s" (String.Join("\n", errors)) source)
