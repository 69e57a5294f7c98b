/// Kinds of input faults a new user found (issues 12 and 14), each tested as a kind: sizes computed from
/// user numbers that wrapped an int or a long, non-finite numbers accepted by one reader and refused by
/// another, two exception types for "method not applicable", default record ToString()s, .NET JSON
/// messages, and raw doubles in diff's text output.
module PhysGrad.Properties.InputKinds

open System
open System.IO
open System.Reflection
open System.Runtime.CompilerServices
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private run = Cli.run

let private temp (name: string) (text: string) =
    let dir = Path.Combine(Path.GetTempPath(), "physgrad-inputkinds-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, text)
    path

// ---- 1. sizes from user numbers ------------------------------------------------------------------

[<Fact>]
let ``a grid side whose square passes an int is refused with the true count, not an internal error`` () =
    // 46341² = 2,147,488,281 > 2³¹ − 1 = 2,147,483,647 (the first side that wraps an int).
    let code, out, err = run [ "compare"; "--example"; "heat2d"; "--n"; "46341"; "--methods"; "gd" ]
    Assert.True((code = 2), out + err)
    Assert.Contains("2147488281 variables", TestHelpers.unwrapped err)
    Assert.Contains("--n", TestHelpers.unwrapped err)
    Assert.DoesNotContain("internal error", TestHelpers.unwrapped err)

[<Fact>]
let ``a grid side of 10^5 is refused before tracing with 10^10 cells, never a wrapped count`` () =
    for methods in [ []; [ "--methods"; "gd" ] ] do
        let code, out, err = run ([ "compare"; "--example"; "heat2d"; "--n"; "100000" ] @ methods)
        Assert.True((code = 2), out + err)
        // 100000² = 10¹⁰; an int wraps it to 1410065408.
        Assert.Contains("10000000000", TestHelpers.unwrapped err)
        Assert.DoesNotContain("1410065408", out + err)
        Assert.DoesNotContain("tracing", out + err)

[<Fact>]
let ``the Poisson limit's side^4 is counted exactly past a 64-bit long`` () =
    let code, out, err = run [ "compare"; "--example"; "poisson2d"; "--n"; "100000" ]
    Assert.True((code = 2), out + err)
    // (10⁵)⁴ = 10²⁰ > 2⁶³ ≈ 9.2·10¹⁸, which a long wraps to 7766279631452241920.
    Assert.Contains("100000000000000000000 terms", TestHelpers.unwrapped err)
    Assert.DoesNotContain("7766279631452241920", TestHelpers.unwrapped err)

[<Fact>]
let ``an example over the memory limit names the largest n it takes`` () =
    let most = ReferenceProblems.MaxVariables
    let code, out, err = run [ "compare"; "--example"; "heat1d"; "--n"; string (most + 1L); "--methods"; "gd" ]
    Assert.True((code = 2), out + err)
    Assert.Contains(sprintf "n = %d" most, TestHelpers.unwrapped err)

[<Property(MaxTest = 300)>]
let ``an example's variable count is n or n² exactly, or refused as too large, for every int n`` (n: int) =
    let side = if n = Int32.MinValue then Int32.MaxValue else abs n
    for name in [ "heat2d"; "heat1d"; "rosenbrock" ] do
        let exact = if name = "heat2d" then int64 side * int64 side else int64 side
        try
            let v = ReferenceProblems.Variables(name, side)
            Assert.Equal(exact, int64 v)
            Assert.True(exact <= ReferenceProblems.MaxVariables)
        with :? SymbolicException as e ->
            Assert.Equal(ErrorKind.TooLarge, e.Kind)
            Assert.True(exact > ReferenceProblems.MaxVariables, e.Message)

[<Fact>]
let ``indexed forms that together pass the variable limit are refused as too large`` () =
    // Each range is within the per-range limit (10⁶); 2,200 of them pass 2³¹ − 1, whatever the memory.
    let ranges = [ for k in 0..2199 -> sprintf "\"v%d_[0..999999]\"" k ] |> String.concat ", "
    let json = sprintf """{"variables": [%s], "simulator": ["v0_0"]}""" ranges
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> ProblemDefinition.FromJson json |> ignore)
    Assert.Equal(ErrorKind.TooLarge, e.Kind)
    Assert.Contains("variables[", e.Message)

// ---- 2. non-finite numbers -----------------------------------------------------------------------

[<Fact>]
let ``eval refuses nan, inf and overflowing rows alike for a function and a simulator`` () =
    for row, why in [ "nan,1", "not finite"; "inf,2", "not finite"; "-Infinity,2", "not finite"; "1e999,2", "too large" ] do
        let path = temp "p.csv" ("x,y\n" + row + "\n")
        let code, out, err = run [ "eval"; "-f"; "x*y"; "--points"; path ]
        Assert.True((code = 2), sprintf "%s: %s%s" row out err)
        Assert.Contains("Line 2, value 1", TestHelpers.unwrapped err)
        Assert.Contains(why, TestHelpers.unwrapped err)
        Assert.Contains(row.Split(',').[0], TestHelpers.unwrapped err)
        let simPath = temp "q.csv" (row + "\n")
        let code, out, err = run [ "eval"; "--simulator"; "x0*x1"; "--points"; simPath ]
        Assert.True((code = 2), sprintf "%s: %s%s" row out err)
        Assert.Contains("Line 1, value 1", TestHelpers.unwrapped err)
        Assert.Contains(why, TestHelpers.unwrapped err)

[<Fact>]
let ``every option that reads numbers refuses nan, inf and 1e999 with the option and the value`` () =
    let cases =
        [ [ "diff"; "-f"; "x^2"; "--at"; "nan" ], "--at"
          [ "compare"; "--simulator"; "x0"; "--target"; "1"; "--start"; "inf" ], "--start"
          [ "compare"; "--simulator"; "x0"; "--target"; "-inf"; "--start"; "1" ], "--target"
          [ "compare"; "--simulator"; "g*x0"; "--vars"; "x0"; "--param"; "g=1e999"; "--target"; "1"; "--start"; "1" ], "--param g"
          [ "check"; "--eta"; "nan" ], "--eta" ]
    for args, option in cases do
        let code, out, err = run args
        Assert.True((code = 2), String.Join(" ", args) + ": " + out + err)
        Assert.Contains(option, TestHelpers.unwrapped err)
        Assert.True(err.Contains "finite" || err.Contains "too large", err)

[<Fact>]
let ``a problem file number past the double range is refused naming the field`` () =
    let path = temp "big.json" """{"variables": ["x0"], "simulator": ["x0^2"], "target": [4], "start": [1e999]}"""
    let code, out, err = run [ "compare"; "--problem"; path; "--methods"; "gd" ]
    Assert.True((code = 2), out + err)
    Assert.Contains("start[0] ('1e999')", TestHelpers.unwrapped err)

[<Property>]
let ``the one number reader reads back every finite double and refuses every non-finite text`` (x: float) =
    // FsCheck's floats include NaN and ±∞, which the fixed list below covers.
    if Double.IsFinite x then
        let ok, v, problem = UserNumbers.TryRead(x.ToString("R", Globalization.CultureInfo.InvariantCulture))
        Assert.True(ok, problem)
        Assert.Equal(x, v)
    for t in [ "nan"; "NaN"; "-nan"; "inf"; "+Inf"; "-Infinity"; "∞"; "1e309"; "-1e400" ] do
        let ok, _, problem = UserNumbers.TryRead t
        Assert.False(ok, t)
        Assert.NotEqual<string>("is not a number", problem)

// ---- 3. one exception type for "method not applicable" -------------------------------------------

[<Fact>]
let ``running and deriving IG or PG on a non-square problem throw the same type with the same words`` () =
    let p = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 1.0; 2.0; 3.0 |], [| 0.5; 0.5 |])
    for m in [ Method.PhysicalGradient; Method.InverseGradient ] do
        let ran = Assert.Throws<MethodNotApplicableException>(fun () -> p.Run(m, 0.3) |> ignore)
        let derived = Assert.Throws<MethodNotApplicableException>(fun () -> p.Rules(m) |> ignore)
        Assert.Equal(NotApplicableCause.NotSquare, ran.Cause)
        Assert.Equal(derived.Cause, ran.Cause)
        // One naming of methods in messages: the short names of --methods.
        let name = MethodCatalog.NameOf m
        Assert.StartsWith(name + " needs a square Jacobian", ran.Message)
        Assert.StartsWith(name + " needs a square Jacobian", derived.Message)

[<Fact>]
let ``a comparison that names IG on a non-square problem refuses with the same type and short name`` () =
    let p = PhysicsProblem.FromText("x0 + x1; x0 - x1; x0*x1", [| 1.0; 2.0; 3.0 |], [| 0.5; 0.5 |])
    let e = Assert.ThrowsAny<SymbolicException>(fun () -> p.CompareMethods([| MethodSpec(Method.InverseGradient, 0.3) |]) |> ignore)
    Assert.IsType<MethodNotApplicableException>(e) |> ignore
    Assert.StartsWith("ig needs a square Jacobian", e.Message)

// ---- 4. readable ToString ------------------------------------------------------------------------

let private isRecord (t: Type) = t.GetMethod("<Clone>$") |> isNull |> not || t.GetProperty("EqualityContract", BindingFlags.NonPublic ||| BindingFlags.Instance) |> isNull |> not

let private collection (t: Type) =
    t <> typeof<string> && (t.IsArray || typeof<Collections.IEnumerable>.IsAssignableFrom t)

let private ownToString (t: Type) =
    let m = t.GetMethod("ToString", Type.EmptyTypes)
    m.DeclaringType = t && isNull (m.GetCustomAttribute<CompilerGeneratedAttribute>())

[<Fact>]
let ``no public record with a list or matrix keeps the default ToString, which prints System.String[]`` () =
    let offenders =
        [ typeof<PhysicsProblem>.Assembly; typeof<CompiledProblem>.Assembly ]
        |> List.collect (fun a -> a.GetExportedTypes() |> List.ofArray)
        |> List.filter (fun t -> isRecord t && not (typeof<exn>.IsAssignableFrom t))
        |> List.filter (fun t -> t.GetProperties(BindingFlags.Public ||| BindingFlags.Instance) |> Array.exists (fun p -> collection p.PropertyType))
        |> List.filter (fun t -> not (ownToString t))
        |> List.map (fun t -> t.FullName)
    Assert.True(List.isEmpty offenders, "default ToString: " + String.Join(", ", offenders))

[<Fact>]
let ``every public result class of the façade has its own ToString, not the type name`` () =
    let offenders =
        typeof<PhysicsProblem>.Assembly.GetExportedTypes()
        |> Array.filter (fun t ->
            t.IsClass && not t.IsAbstract && not (t.IsAbstract && t.IsSealed) && not (typeof<exn>.IsAssignableFrom t)
            && not (typeof<Delegate>.IsAssignableFrom t) && not (isRecord t)
            && t.GetProperties(BindingFlags.Public ||| BindingFlags.Instance).Length > 0)
        |> Array.filter (fun t -> not (ownToString t))
        |> Array.map (fun t -> t.FullName)
    Assert.True(Array.isEmpty offenders, "ToString is object's: " + String.Join(", ", offenders))

[<Fact>]
let ``a simulator's derivative report, a CSR matrix and a traced problem print in the CLI's short forms`` () =
    let p = PhysicsProblem.FromText("x0; x1^2", [| 1.0; 4.0 |], [| 3.0; 3.0 |])
    let r = p.DerivativesAt([| 1.0; 2.0 |], 2)
    let text = r.ToString()
    Assert.DoesNotContain("System.", TestHelpers.unwrapped text)
    Assert.DoesNotContain("MatrixEntry", TestHelpers.unwrapped text)
    // y = [1, 2²] = [1, 4]; J = diag(1, 2·2) = [[1, 0], [0, 4]].
    Assert.Contains("y = [1, 4]", TestHelpers.unwrapped text)
    Assert.Contains("[[1, 0], [0, 4]]", TestHelpers.unwrapped text)
    let csr = CsrMatrix(SparsityPattern(2, 2, [| 0; 1; 2 |], [| 0; 1 |]))
    Assert.StartsWith("CSR 2×2, 2 nonzeros", csr.ToString())
    let traced = ReferenceProblems.Create("heat1d", 64)
    let s = traced.ToString()
    // 64 variables in the short form (x0, x1, …, x63 (64 variables)), not x0, x1, x2, …, x63 in full.
    Assert.Contains("(64 variables)", s)
    Assert.DoesNotContain("x2,", s)
    Assert.DoesNotContain("000000000", s)
    let run = traced.Run(Method.GradientDescent, 0.1, 1)
    Assert.Contains("] (64 values, ", run.ToString())
    Assert.DoesNotContain("(64 values, ", run.ToString().Split("] (64 values, ").[0])

// ---- 5. messages about files ---------------------------------------------------------------------

[<Fact>]
let ``a directory, an empty file and broken JSON are said in plain words with the file`` () =
    let dir = Path.GetDirectoryName(temp "x.txt" "")
    let code, _, err = run [ "compare"; "--problem"; dir ]
    Assert.Equal(2, code)
    Assert.Contains("is a directory", TestHelpers.unwrapped err)
    let cases =
        [ "", "is empty"
          """{"variables": ["x0"], "simulator": ["x0^2"],""", "ends before"
          """{"variables": ["x0",], "simulator": ["x0^2"]}""", "comma"
          """{"variables": ["x0"] "simulator": ["x0^2"]}""", "','"
          """{"variables": ["x0"], "simulator": 5}""", "\"simulator\" must be" ]
    for text, says in cases do
        let path = temp "p.json" text
        let code, out, err = run [ "compare"; "--problem"; path; "--methods"; "gd" ]
        Assert.True((code = 2), text + ": " + out + err)
        Assert.Contains(path, TestHelpers.unwrapped err)
        Assert.Contains(says, TestHelpers.unwrapped err)
        for leaked in [ "isFinalBlock"; "LineNumber"; "BytePositionInLine"; "payload"; "JsonReaderException" ] do
            Assert.DoesNotContain(leaked, TestHelpers.unwrapped err)

// ---- 6. diff's text in the shared number format -----------------------------------------------------

[<Fact>]
let ``diff's text prints short numbers while its CSV and JSON keep round-trip digits`` () =
    let args = [ "diff"; "--example"; "rosenbrock"; "--n"; "4"; "--sparse"; "--order"; "2" ]
    let code, out, err = run args
    Assert.True((code = 0), err)
    // Start (−1.2, 1, −1.2, 1): r0 = 10(x1 − x0²) = 10(1 − 1.44) = −4.4; in doubles −4.399999999999999.
    Assert.Contains("y = [-4.4, ", TestHelpers.unwrapped out)
    Assert.DoesNotContain("99999999", TestHelpers.unwrapped out)
    let code, csv, err = run (args @ [ "--format"; "csv" ])
    Assert.True((code = 0), err)
    let y0 = csv.Split('\n') |> Array.find (fun l -> l.StartsWith "y,0,") |> fun l -> l.Split(',').[3].Trim()
    let csvY0 = Double.Parse(y0, Globalization.CultureInfo.InvariantCulture)
    let code, json, err = run (args @ [ "--format"; "json" ])
    Assert.True((code = 0), err)
    use doc = Text.Json.JsonDocument.Parse json
    let jsonY0 = doc.RootElement.GetProperty("yAt").[0].GetDouble()
    // CSV and JSON carry the same double (round-trip digits), whose six-digit form is the text's −4.4;
    // the double itself is within rounding of −4.4.
    Assert.Equal(jsonY0, csvY0)
    Assert.Equal("-4.4", NumberText.Short(csvY0))
    Assert.True(abs (csvY0 + 4.4) < 1e-12)
