/// The NuGet packages and the dotnet tool, built with `dotnet pack` and consumed from a local folder
/// by a throw-away project, the way an application would.
module PhysGrad.Properties.Packaging

open System
open System.Diagnostics
open System.IO
open System.IO.Compression
open Xunit

let private repositoryRoot () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then
            failwith "PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then
            dir.FullName
        else
            up dir.Parent

    up (DirectoryInfo AppContext.BaseDirectory)

/// Runs a command to completion; returns the exit code and everything it printed.
let private run (workingDirectory: string) (file: string) (args: string list) =
    let info = ProcessStartInfo(file, args, WorkingDirectory = workingDirectory)
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    info.Environment.["DOTNET_CLI_TELEMETRY_OPTOUT"] <- "1"
    info.Environment.["DOTNET_NOLOGO"] <- "1"
    use p = Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()

    if not (p.WaitForExit(TimeSpan.FromMinutes 5.0)) then
        p.Kill true
        failwithf "%s %s did not finish in 5 minutes" file (String.Join(" ", args))

    p.ExitCode, out.Result + err.Result

let private consumer =
    """using PhysGrad;
using PhysGrad.Numerics;

var problem = PhysicsProblem.FromLambda(x => new[] { x[0], x[1] * x[1] }, target: [0.0, 0.0], start: [3.0, 3.0]);
var run = problem.Run(Method.PhysicalGradient, eta: 0.3, iterations: 10);
Console.WriteLine($"pg {run.Final[0]:R} {run.Final[1]:R}");
Console.WriteLine(problem.Rules(Method.InverseGradient)[0].Steps[1].ToInfix());
// Named scalar variables (three of them) and a local inverse as a lambda compile as C#.
var three = PhysicsProblem.FromLambda((a, b, c) => new[] { a * b, b + c, c }, target: [2.0, 3.0, 1.0], start: [1.0, 1.0, 1.0]);
Console.WriteLine(three.Run(Method.HalfInverseGradient, 0.5, 3));
var given = PhysicsProblem.FromLambda(x => new[] { x[0], x[1] * x[1] }, target: [0.0, 0.0], start: [3.0, 3.0],
    inverse: (y, x) => new[] { y[0], Math.Sqrt(y[1]) * Math.Sign(x[1]) });
Console.WriteLine($"inverse {given.Model.InverseSource}");
"""

[<Fact>]
let ``dotnet pack builds the libraries and the tool, and a fresh project and tool install use them from a local folder``
    ()
    =
    let root = repositoryRoot ()
    let work = Directory.CreateTempSubdirectory("physgrad-packaging-").FullName
    let feed = Path.Combine(work, "feed")
    // A version of its own, so that no package cached by an earlier run can stand in for this build.
    let version = sprintf "0.1.0-test.%d" DateTime.UtcNow.Ticks

    let code, log =
        run
            root
            "dotnet"
            [ "pack"
              "PhysGrad.Packages.slnf"
              "-c"
              "Release"
              "-o"
              feed
              sprintf "-p:Version=%s" version ]

    Assert.True((code = 0), log)

    for id in [ "PhysGrad.Symbolic"; "PhysGrad.Numerics"; "PhysGrad.Api"; "physgrad" ] do
        Assert.True(File.Exists(Path.Combine(feed, sprintf "%s.%s.nupkg" id version)), sprintf "%s missing:\n%s" id log)

    using (ZipFile.OpenRead(Path.Combine(feed, sprintf "PhysGrad.Api.%s.nupkg" version))) (fun zip ->
        let names = zip.Entries |> Seq.map (fun e -> e.FullName) |> Set.ofSeq

        for expected in
            [ "README.md"
              "LICENSE"
              "lib/net10.0/PhysGrad.Api.dll"
              "lib/net10.0/PhysGrad.Api.xml" ] do
            Assert.Contains(expected, names))

    let config =
        sprintf
            """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="%s" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>"""
            feed

    let app = Path.Combine(work, "app")
    Directory.CreateDirectory app |> ignore
    File.WriteAllText(Path.Combine(work, "nuget.config"), config)

    File.WriteAllText(
        Path.Combine(app, "App.csproj"),
        sprintf
            """<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="PhysGrad.Api" Version="%s" />
  </ItemGroup>
</Project>"""
            version
    )

    File.WriteAllText(Path.Combine(app, "Program.cs"), consumer)
    let code, output = run app "dotnet" [ "run" ]
    Assert.True((code = 0), output)
    // The book's PG run: x = [3·0.7¹⁰, 3·0.7⁵].
    let line = output.Split('\n') |> Array.find (fun l -> l.StartsWith "pg ")

    let values =
        line.Split(' ')
        |> Array.skip 1
        |> Array.map (fun s -> Double.Parse(s, Globalization.CultureInfo.InvariantCulture))

    Assert.Equal(3.0 * 0.7 ** 10.0, values.[0], 12)
    Assert.Equal(3.0 * 0.7 ** 5.0, values.[1], 12)
    Assert.Contains("-eta*x1/2", output)
    Assert.Contains("hig (η = 0.5): final x = [", output)
    Assert.Contains("inverse Given", output)

    let tools = Path.Combine(work, "tools")

    let code, log =
        run
            work
            "dotnet"
            [ "tool"
              "install"
              "physgrad"
              "--tool-path"
              tools
              "--version"
              version
              "--configfile"
              Path.Combine(work, "nuget.config") ]

    Assert.True((code = 0), log)

    let code, output =
        run work (Path.Combine(tools, "physgrad")) [ "compare"; "--out"; Path.Combine(work, "plots") ]

    Assert.True((code = 0), output)
    // The tool ships the native plotting libraries of this platform (the others are trimmed): the plots exist.
    for plot in [ "x-space.png"; "y-space.png"; "loss.png" ] do
        Assert.True(FileInfo(Path.Combine(work, "plots", plot)).Length > 1000L, plot + " missing:\n" + output)

    Assert.Contains("Local inverse for PG: derived", output)
    Assert.Contains("[0.0847426, 0.504210]", output) // 3·0.7¹⁰, 3·0.7⁵ to 6 significant digits

    try
        Directory.Delete(work, true)
    with _ ->
        ()
