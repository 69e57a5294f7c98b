/// The README's console examples are the program's real output: every `$ physgrad …` (or `$ dotnet run
/// --project PhysGrad.Cli -- …`) line in a fenced block is run in-process and what it prints is compared
/// with the lines that follow it. With PHYSGRAD_UPDATE_README=1 the blocks are rewritten from the real
/// output instead (after a change of output, or a merge of branches that change outputs).
module PhysGrad.Properties.ReadmeExamples

open System
open System.IO
open System.Text
open Xunit

let private readmePath () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "README.md with PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then Path.Combine(dir.FullName, "README.md")
        else up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// Splits a shell command line into words: double and single quotes group (and are removed), a
/// backslash in double quotes or outside quotes escapes the next character.
let tokenize (line: string) =
    let words = ResizeArray<string>()
    let current = StringBuilder()
    let mutable inWord = false
    let mutable quote = None
    let mutable i = 0

    while i < line.Length do
        let c = line.[i]

        match quote with
        | Some q when c = q -> quote <- None
        | Some '"' when c = '\\' && i + 1 < line.Length && (line.[i + 1] = '"' || line.[i + 1] = '\\') ->
            i <- i + 1
            current.Append(line.[i]) |> ignore
        | Some _ -> current.Append c |> ignore
        | None when c = '"' || c = ''' ->
            quote <- Some c
            inWord <- true
        | None when Char.IsWhiteSpace c ->
            if inWord then
                words.Add(current.ToString())
                current.Clear() |> ignore
                inWord <- false
        | None ->
            current.Append c |> ignore
            inWord <- true

        i <- i + 1

    if quote.IsSome then failwithf "unclosed quote in README command: %s" line
    if inWord then words.Add(current.ToString())
    List.ofSeq words

/// One console example: the line index of its command in the README, the command, the output shown.
type Example = { Line: int; Command: string; Shown: string list }

/// The console examples: in each fenced block, a line starting with "$ " and the lines up to the next
/// such line or the end of the block.
let examples (lines: string[]) =
    let result = ResizeArray<Example>()
    let mutable inBlock = false
    let mutable current: (int * string * ResizeArray<string>) option = None

    let flush () =
        match current with
        | Some(i, c, shown) -> result.Add { Line = i; Command = c; Shown = List.ofSeq shown }
        | None -> ()

        current <- None

    lines
    |> Array.iteri (fun i line ->
        if line.StartsWith "```" then
            flush ()
            inBlock <- not inBlock
        elif inBlock && line.StartsWith "$ " then
            flush ()
            current <- Some(i, line.Substring 2, ResizeArray())
        elif inBlock then
            match current with
            | Some(_, _, shown) -> shown.Add line
            | None -> ())

    List.ofSeq result

/// Runs one command in the working directory <paramref name="work"/>: `printf FORMAT > FILE` writes
/// the file; physgrad commands run in-process with relative file options resolved in the working
/// directory (their printed paths are shown relative to it again). Returns the printed lines.
let run (work: string) (command: string) =
    match tokenize command with
    | [ "printf"; format; ">"; file ] ->
        File.WriteAllText(Path.Combine(work, file), format.Replace("\\n", "\n"))
        []
    | words ->
        let args =
            match words with
            | "physgrad" :: rest -> rest
            | "dotnet" :: "run" :: "--project" :: "PhysGrad.Cli" :: "--" :: rest -> rest
            | _ -> failwithf "the README example '%s' is not a physgrad command (nor printf … > file)" command

        let fileOptions = set [ "--problem"; "--points"; "--out" ]

        let rec resolve =
            function
            | o :: path :: rest when fileOptions.Contains o && path <> "-" && not (Path.IsPathRooted path) ->
                o :: Path.Combine(work, path) :: resolve rest
            | a :: rest -> a :: resolve rest
            | [] -> []

        let args = resolve args
        // compare writes plots: into the working directory, as a user's run would (./physgrad-out).
        let args =
            if List.tryHead args = Some "compare" && not (List.contains "--out" args) then
                args @ [ "--out"; Path.Combine(work, "physgrad-out") ]
            else
                args

        let _, out, err = Cli.run args
        let text = (out + err).Replace(work + string Path.DirectorySeparatorChar, "").Replace("\r\n", "\n")
        text.TrimEnd('\n').Split('\n') |> Array.map (fun l -> l.TrimEnd()) |> List.ofArray

[<Fact>]
let ``the README's console examples print what the program prints`` () =
    let path = readmePath ()
    let lines = File.ReadAllLines path
    let found = examples lines
    // The README shows compare, derive, units, check, diff and eval at least.
    Assert.True(found.Length >= 9, sprintf "only %d console examples found" found.Length)
    let work = Directory.CreateTempSubdirectory("physgrad-readme-").FullName
    let update = Environment.GetEnvironmentVariable "PHYSGRAD_UPDATE_README" = "1"
    let rewritten = ResizeArray<string>()
    let mutable next = 0
    let differences = ResizeArray<string>()
    // A documented command that ends in an internal error is a bug, whether the README is checked or rewritten.
    let internalErrors = ResizeArray<string>()

    try
        for e in found do
            let real = run work e.Command
            let shown = e.Shown |> List.map (fun l -> l.TrimEnd())

            if real |> List.exists (fun l -> l.Contains "internal error") then
                internalErrors.Add(sprintf "README line %d: $ %s\n%s" (e.Line + 1) e.Command (String.Join("\n", real)))

            if real <> shown then
                differences.Add(
                    sprintf "README line %d: $ %s\n--- shown\n%s\n--- printed\n%s" (e.Line + 1) e.Command (String.Join("\n", shown)) (String.Join("\n", real))
                )

            // The rewritten README: everything up to the command, the command, then the real output.
            rewritten.AddRange(lines.[next .. e.Line])
            rewritten.AddRange real
            next <- e.Line + 1 + e.Shown.Length

        rewritten.AddRange(lines.[next..])
        Assert.True(internalErrors.Count = 0, String.Join("\n\n", internalErrors))

        if update then
            File.WriteAllText(path, String.Join("\n", rewritten) + "\n")
        else
            Assert.True(differences.Count = 0, String.Join("\n\n", differences) + "\n\n(PHYSGRAD_UPDATE_README=1 rewrites the README from the real output.)")
    finally
        try
            Directory.Delete(work, true)
        with _ ->
            ()

/// A C# program of the README whose output it shows: a ```csharp block followed (after blank lines) by a plain
/// ``` block. The line indices of the code (without its fences) and of the output shown.
type CSharpExample = { Code: string list; Output: int * int }

/// The README's C# programs with their output shown (the others, which show no output, only compile: ReadmeCSharp).
let csharpExamples (lines: string[]) =
    [ for i in 0 .. lines.Length - 1 do
          if lines.[i] = "```csharp" then
              let close = Array.FindIndex(lines, i + 1, fun l -> l.StartsWith "```")
              let next = Array.FindIndex(lines, close + 1, fun l -> l.Trim() <> "")

              if next > 0 && lines.[next] = "```" then
                  let ends = Array.FindIndex(lines, next + 1, fun l -> l.StartsWith "```")
                  yield { Code = List.ofArray lines.[i + 1 .. close - 1]; Output = (next + 1, ends) } ]

/// The usings `dotnet new console` turns on (ImplicitUsings): what a user's file has without writing them.
let private implicitUsings =
    "global using System; global using System.Collections.Generic; global using System.IO; global using System.Linq; "
    + "global using System.Net.Http; global using System.Threading; global using System.Threading.Tasks;"

/// Compiles a README program as a console application against the running platform's assemblies (PhysGrad's among
/// them) and runs it in <paramref name="work"/> with the invariant culture; returns what it printed, line by line.
let runCSharp (work: string) (code: string) =
    let trusted = (AppContext.GetData "TRUSTED_PLATFORM_ASSEMBLIES" :?> string).Split Path.PathSeparator

    let references =
        trusted
        |> Array.map (fun p -> Microsoft.CodeAnalysis.MetadataReference.CreateFromFile p :> Microsoft.CodeAnalysis.MetadataReference)

    let compilation =
        Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create(
            "ReadmeRun" + Guid.NewGuid().ToString "N",
            [ Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText implicitUsings
              Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText code ],
            references,
            Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.ConsoleApplication)
        )

    use stream = new MemoryStream()
    let emitted = compilation.Emit stream
    Assert.True(emitted.Success, String.Join("\n", emitted.Diagnostics) + "\n" + code)
    let entry = (Reflection.Assembly.Load(stream.ToArray())).EntryPoint
    let printed = new StringWriter()
    let (out, directory, culture) = (Console.Out, Environment.CurrentDirectory, Globalization.CultureInfo.CurrentCulture)

    try
        Console.SetOut printed
        Environment.CurrentDirectory <- work
        Globalization.CultureInfo.CurrentCulture <- Globalization.CultureInfo.InvariantCulture
        entry.Invoke(null, (if entry.GetParameters().Length = 0 then [||] else [| box Array.empty<string> |])) |> ignore
    finally
        Console.SetOut out
        Environment.CurrentDirectory <- directory
        Globalization.CultureInfo.CurrentCulture <- culture

    printed.ToString().Replace("\r\n", "\n").TrimEnd('\n').Split('\n') |> Array.map (fun l -> l.TrimEnd()) |> List.ofArray

[<Fact>]
let ``the README's C# programs print what it shows under them`` () =
    let path = readmePath ()
    let lines = File.ReadAllLines path
    let found = csharpExamples lines
    // The C# section's lambda example shows its output.
    Assert.NotEmpty found
    let update = Environment.GetEnvironmentVariable "PHYSGRAD_UPDATE_README" = "1"
    let rewritten = ResizeArray<string>()
    let differences = ResizeArray<string>()
    let mutable next = 0

    for e in found do
        let work = Directory.CreateTempSubdirectory("physgrad-readme-cs-").FullName

        try
            let real = runCSharp work (String.Join("\n", e.Code))
            let first, ends = e.Output
            let shown = List.ofArray lines.[first .. ends - 1] |> List.map (fun l -> l.TrimEnd())

            if real <> shown then
                differences.Add(
                    sprintf "README line %d:\n--- shown\n%s\n--- printed\n%s" (first + 1) (String.Join("\n", shown)) (String.Join("\n", real))
                )

            rewritten.AddRange(lines.[next .. first - 1])
            rewritten.AddRange real
            next <- ends
        finally
            try
                Directory.Delete(work, true)
            with _ ->
                ()

    rewritten.AddRange(lines.[next..])

    if update then
        File.WriteAllText(path, String.Join("\n", rewritten) + "\n")
    else
        Assert.True(differences.Count = 0, String.Join("\n\n", differences) + "\n\n(PHYSGRAD_UPDATE_README=1 rewrites the README from the real output.)")

[<Fact>]
let ``the README's commands are split like a shell splits them`` () =
    Assert.Equal<string list>(
        [ "physgrad"; "diff"; "-f"; "x +* y"; "--vars"; "a,b" ],
        tokenize "physgrad diff -f \"x +* y\" --vars a,b"
    )

    Assert.Equal<string list>([ "printf"; "{\"a\":[1]}"; ">"; "p.json" ], tokenize "printf '{\"a\":[1]}' > p.json")

    let lines = [| "text"; "```"; "$ physgrad a"; "out 1"; "$ physgrad b"; "```"; "$ not in a block" |]
    let found = examples lines
    Assert.Equal(2, found.Length)
    Assert.Equal<string list>([ "out 1" ], found.[0].Shown)
    Assert.Equal<string list>([], found.[1].Shown)
