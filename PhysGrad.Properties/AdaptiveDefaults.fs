/// Issue 12, items 2, 6 and 9 as a new user meets them: default method lists that say which methods they
/// leave out and why (derive, compare, train alike), every --format that takes "text" and lists its values
/// when it refuses one, units that read back as printed, option and name suggestions drawn from the right
/// candidates (and none when nothing is near), messages in the problem's own variable names, and
/// --start/--target/--loss overriding a problem file in every command.
module PhysGrad.Properties.AdaptiveDefaults

open System
open System.IO
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

let private run = Cli.run

let private tempDir (name: string) =
    Path.Combine(Path.GetTempPath(), sprintf "physgrad-adaptive-%s-%d" name Environment.ProcessId)

let private file (name: string) (json: string) =
    let dir = tempDir "files"
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, name)
    File.WriteAllText(path, json)
    path

/// The method names a "skipped" line lists: "ig, pg skipped: …" gives [ig; pg].
let private skippedIn (text: string) =
    [ for line in text.Split('\n') do
          let at = line.IndexOf(" skipped: ", StringComparison.Ordinal)

          if at > 0 then
              yield! line.Substring(0, at).Split(", ") ]

// ---- 1. every method of a default list runs, prints, or is named with its reason ---------------------------

// compare's default list for any problem but the book's is gd, newton, pg, ig, gn, hig (README, "compare");
// derive's is the closed forms gd, newton, ig, pg, gn and those, so the same six. On 2 variables → 3 outputs
// IG and PG need a square Jacobian and HIG has no closed form (its step needs an SVD).
let private nonSquare = "x0 + x1; x0 - x1; x0*x1"

[<Fact>]
let ``derive's default list names every method it leaves out, HIG included, and prints the rest`` () =
    let code, out, err = run [ "derive"; "--simulator"; nonSquare; "--format"; "json" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)
    let doc = JsonDocument.Parse(out).RootElement
    let printed = [ for r in doc.GetProperty("rules").EnumerateArray() -> r.GetProperty("method").GetString() ]
    let skipped = [ for s in doc.GetProperty("skipped").EnumerateArray() -> s.GetProperty("method").GetString() ]
    Assert.Equal<string list>([ "gd"; "newton"; "gn" ], printed)
    Assert.Equal<string Set>(set [ "ig"; "pg"; "hig" ], set skipped)
    // The text format gives each a line with its reason.
    let code, text, _ = run [ "derive"; "--simulator"; nonSquare ]
    Assert.Equal(0, code)
    Assert.Equal<string Set>(set [ "ig"; "pg"; "hig" ], set (skippedIn text))
    Assert.Contains("hig skipped: hig has no closed-form rule (it depends on an SVD)", text)
    Assert.Contains("need a square Jacobian; this problem maps 2 variables to 3 outputs", text)

[<Theory>]
// A square problem with a derivable inverse: only HIG lacks a rule.
[<InlineData("x0; x1^2", "hig")>]
// One variable, one output: the same.
[<InlineData("x0^3", "hig")>]
// A square problem whose inverse the solver cannot derive: PG's closed form needs one, so PG is left out too.
[<InlineData("sin(x0) + x1; x0*exp(x1)", "hig,pg")>]
// 2 variables → 1 output: IG and PG need a square Jacobian.
[<InlineData("x0*x1", "hig,ig,pg")>]
let ``on every problem, derive's rules and skipped lines together cover its default list`` (simulator: string, left: string) =
    let code, out, _ = run [ "derive"; "--simulator"; simulator ]
    Assert.Equal(0, code)
    let skipped = set (skippedIn out)
    Assert.Equal<string Set>(set (left.Split ','), skipped)
    // Every default method not skipped prints its rule under its name.
    for m in [ "gd"; "newton"; "ig"; "pg"; "gn"; "hig" ] do
        if not (skipped.Contains m) then
            Assert.Contains(sprintf "\n%s:\n" m, "\n" + out)

[<Fact>]
let ``compare's default list on the same non-square problem runs gd, newton, gn and hig and names ig and pg`` () =
    let code, out, _ =
        run [ "compare"; "--simulator"; nonSquare; "--start"; "1,2"; "--target"; "1,2,3"; "--iterations"; "2"; "--out"; tempDir "compare" ]

    Assert.Equal(0, code)
    Assert.Equal<string Set>(set [ "ig"; "pg" ], set (skippedIn out))
    let rows = [ for line in out.Split('\n') -> line.Split(' ').[0] ]

    for m in [ "gd"; "newton"; "gn"; "hig" ] do
        Assert.Contains(m, rows)

[<Fact>]
let ``train's default list says that it leaves out the example's GD baseline`` () =
    // The hig-toy example's methods are adam, gn, hig and gd (README, "train"); GD runs only when named.
    let code, out, err = run [ "train"; "--steps"; "1" ]
    // Gauss–Newton of the default list diverges in its first step on the book's toy, which fails the
    // command as a diverged run fails compare (exit 1, after the table).
    Assert.Equal((if err.Contains "diverged at step" then 1 else 0), code)
    Assert.Equal<string list>([ "gd" ], skippedIn out)
    let code, out, _ = run [ "train"; "--steps"; "1"; "--methods"; "gd,adam" ]
    Assert.Equal(0, code)
    Assert.Empty(skippedIn out)

[<Fact>]
let ``train's --tau is refused for a named method that has no truncation and noted for the default list`` () =
    let code, _, err = run [ "train"; "--steps"; "1"; "--methods"; "adam,hig"; "--tau"; "1e-3" ]
    Assert.Equal(2, code)
    Assert.Contains("--tau applies to gn and hig only", TestHelpers.unwrapped err)
    Assert.Contains("adam has none", TestHelpers.unwrapped err)
    let code, _, err = run [ "train"; "--steps"; "1"; "--tau"; "1e-3" ]
    Assert.Equal((if err.Contains "diverged at step" then 1 else 0), code)
    Assert.Contains("note: --tau applies to gn and hig only; adam runs without it", TestHelpers.unwrapped err)

// ---- 2. --format: the documented values, "text" for the default, and the list when refused ----------------

let private formatCases: (string list * string list) list =
    [ [ "derive" ], [ "infix"; "latex"; "csharp"; "json" ]
      [ "diff"; "-f"; "x0^2 + x1" ], [ "infix"; "latex"; "csharp"; "json"; "csv" ]
      [ "check" ], [ "table"; "json" ]
      [ "units"; "--unit"; "x0=m"; "--unit"; "x1=m^(1/2)" ], [ "table"; "json" ]
      [ "compare"; "--iterations"; "1"; "--out"; tempDir "formats" ], [ "table"; "json"; "csv" ]
      [ "train"; "--steps"; "1"; "--methods"; "adam,hig" ], [ "table"; "json"; "csv" ] ]

[<Fact>]
let ``every command's --format takes its documented values in any case, and text`` () =
    for command, values in formatCases do
        for value in values @ [ "text"; values.[0].ToUpperInvariant() ] do
            let code, _, err = run (command @ [ "--format"; value ])
            let context = sprintf "%s --format %s: exit %d, %s" command.[0] value code err
            Assert.True((code = 0), context)

[<Fact>]
let ``--format text prints what the default prints`` () =
    for command in [ [ "derive" ]; [ "check" ]; [ "units"; "--unit"; "x0=m"; "--unit"; "x1=m^(1/2)" ]; [ "diff"; "-f"; "x0^2 + x1" ] ] do
        let _, byDefault, _ = run command
        let _, asText, _ = run (command @ [ "--format"; "text" ])
        Assert.Equal(byDefault, asText)

[<Fact>]
let ``a refused --format lists every accepted value on one line, and the nearest`` () =
    for command, values in formatCases do
        let code, _, err = run (command @ [ "--format"; "jsno" ])
        Assert.Equal(2, code)
        let line = (TestHelpers.unwrapped err).Split('\n').[0]
        Assert.Contains("--format must be", line)
        Assert.Contains("not 'jsno'", line)
        Assert.Contains("(did you mean 'json'?)", line)

        for v in values @ [ "text" ] do
            Assert.Contains(v, line)

// ---- 3. units read back as printed ------------------------------------------------------------------------

[<Theory>]
// The brackets of a printed unit may be kept; a factor stands in front with a space or '*'. 60 s is a
// minute and 3600 s an hour (their printed names); 1e-4 s has no prefix (none is 10⁻⁴).
[<InlineData("[60 s]", "min")>]
[<InlineData("60 s", "min")>]
[<InlineData("60*s", "min")>]
[<InlineData("3600 s", "h")>]
[<InlineData("1e-4 s", "1e-4 s")>]
[<InlineData("[1e-4 s]", "1e-4 s")>]
[<InlineData("7 1/s^(1/2)", "7/s^(1/2)")>]
[<InlineData("7/s^(1/2)", "7/s^(1/2)")>]
[<InlineData("1000", "1e3")>]
[<InlineData("31.6228 m^(1/2)", "31.6228 m^(1/2)")>]
let ``a unit with a factor in front, as printed, parses`` (text: string, printed: string) =
    Assert.Equal(printed, (Units.parse text).ToString())

[<Theory>]
// The column just after the factor that is refused.
[<InlineData("0 s", 2)>]
[<InlineData("[m", 3)>]
[<InlineData("s 60", 3)>]
let ``a factor that is not positive, or brackets that do not close, are parse errors with the column`` (text: string, column: int) =
    let e = Assert.Throws<ParseException>(fun () -> Units.parse text |> ignore)
    Assert.Equal(ErrorKind.Units, e.Kind)
    Assert.Equal(column, e.Column)

// Random units: exponents in halves from −3 to 3 on random base units, times a scale that is a product of
// prefix and minute/hour factors to random integer powers, and sometimes a factor no prefix absorbs.
let private randomUnits =
    gen {
        let! exponents =
            Gen.arrayOfLength 7 (Gen.frequency [ 4, Gen.constant 0; 3, Gen.choose (-6, 6) ])
        let! count = Gen.choose (0, 3)
        let! factors = Gen.listOfLength count (Gen.zip (Gen.elements [ 1e9; 1e6; 1e3; 1e-2; 1e-3; 1e-6; 1e-9; 1e-12; 60.0; 3600.0 ]) (Gen.choose (-2, 2)))
        let! extra = Gen.frequency [ 3, Gen.constant 1.0; 1, Gen.elements [ 7.0; 0.5; 2.5; 1e-4; 1e5; 123.0 ] ]
        let scale = factors |> List.fold (fun s (f, p) -> s * Math.Pow(f, float p)) extra
        return PhysicalUnit(scale, exponents |> Array.map (fun e -> Rational.Create(Numerics.BigInteger e, Numerics.BigInteger 2)))
    }
    |> Arb.fromGen

[<Property(MaxTest = 300)>]
let ``printing a unit with any scale and parsing it back gives the same unit and the same text`` () =
    Prop.forAll randomUnits (fun u ->
        let text = u.ToString()
        let back = Units.parse text
        // The printer keeps six significant digits of a scale no prefix absorbs (PhysicalUnit.ToString), so
        // the scale reads back to within half a unit in the sixth digit; the dimension and the text exactly.
        (back.SameDimension u
         && abs (back.Scale - u.Scale) <= 5e-6 * abs u.Scale
         && back.ToString() = text)
        |> Prop.label (sprintf "%s (scale %.17g) read back as %O (scale %.17g)" text u.Scale back back.Scale))

[<Fact>]
let ``units prints a pasted bracketed unit back as the table shows it`` () =
    let code, out, err = run [ "units"; "--simulator"; "x0*x1; x1"; "--unit"; "x0=[60 s]"; "--unit"; "x1=1e-4 m" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)
    Assert.Contains("Variables: x0 [60 s] (= min), x1 [1e-4 m]", TestHelpers.unwrapped out)

// ---- 4. option suggestions come from the command's own options ---------------------------------------------

[<Theory>]
[<InlineData("compare", "--lambda", "train")>]
[<InlineData("compare", "--seeds", "train")>]
[<InlineData("derive", "--iterations", "compare")>]
[<InlineData("units", "--eta", "check")>]
let ``an option of another command is named as theirs, with no unrelated suggestion`` (command: string, option: string, owner: string) =
    let code, _, err = run [ command; option; "2" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "%s is an option of %s, not of %s" option owner command, (TestHelpers.unwrapped err))
    Assert.DoesNotContain("did you mean", (TestHelpers.unwrapped err))

[<Fact>]
let ``a misspelt option of another command gets the right name and its owner`` () =
    let code, _, err = run [ "check"; "--iteratoins"; "3" ]
    Assert.Equal(2, code)
    Assert.Contains("did you mean '--iterations'? --iterations is an option of compare, not of check", (TestHelpers.unwrapped err))

[<Fact>]
let ``an option near nothing gets no suggestion at all`` () =
    let code, _, err = run [ "compare"; "--qqqqzz"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("'--qqqqzz'", TestHelpers.unwrapped err)
    Assert.DoesNotContain("did you mean", TestHelpers.unwrapped err)
    Assert.DoesNotContain("is an option of", TestHelpers.unwrapped err)

[<Theory>]
// One letter is never near another; a swap or one edit in a longer name is.
[<InlineData("x", "k", null)>]
[<InlineData("lambda", "example", null)>]
[<InlineData("seeds", "methods", null)>]
[<InlineData("kk", "k", "k")>]
[<InlineData("x", "x0", "x0")>]
[<InlineData("itertions", "iterations", "iterations")>]
let ``a suggestion is only a near name`` (name: string, candidate: string, expected: string) =
    Assert.Equal(expected, ProblemDefinition.Nearest(name, [ candidate ]))

// ---- 5. an unused parameter suggests a variable, never another parameter ---------------------------------

[<Fact>]
let ``an unused parameter suggests the nearest name in use, never a one-letter replacement`` () =
    // k is a parameter the simulator uses; x is unused. x0 is one insertion from x; k would replace x's
    // only letter, which is no nearness (the old rule suggested it).
    let path = file "unused.json" """{"variables":["x0","x1"],"simulator":["k*x0","x1"],"parameters":{"k":2,"x":3},"start":[1,1],"target":[0,0]}"""
    let code, _, err = run [ "compare"; "--problem"; path; "--iterations"; "1"; "--out"; tempDir "unused" ]
    Assert.Equal(2, code)
    Assert.Contains("The parameter 'x' is not used by the simulator, the loss or the inverse (did you mean 'x0'?)", (TestHelpers.unwrapped err))
    Assert.DoesNotContain("'k'", (TestHelpers.unwrapped err))
    let path = file "far.json" """{"variables":["T","q"],"simulator":["c*T*q","q"],"parameters":{"c":2,"zeta":3}}"""
    let code, _, err = run [ "derive"; "--problem"; path ]
    Assert.Equal(2, code)
    Assert.Contains("The parameter 'zeta' is not used", (TestHelpers.unwrapped err))
    Assert.DoesNotContain("did you mean", (TestHelpers.unwrapped err))

[<Fact>]
let ``a misspelt --param names the constant the simulator uses`` () =
    // k·x0 with --param kk=2: k is read as a variable (without --vars) or is unknown (with it).
    let code, _, err = run [ "compare"; "--simulator"; "k*x0; x1"; "--param"; "kk=2"; "--start"; "1,1"; "--target"; "0,0" ]
    Assert.Equal(2, code)
    Assert.Contains("did you mean --param k=2 rather than kk?", TestHelpers.unwrapped err)
    let code, _, err = run [ "derive"; "--simulator"; "k*x0; x1"; "--vars"; "x0,x1"; "--param"; "kk=2" ]
    Assert.Equal(2, code)
    Assert.Contains("did you mean --param k=2 rather than kk?", TestHelpers.unwrapped err)

// ---- 6. messages use the problem's own variable names -----------------------------------------------------

[<Fact>]
let ``units without units names the problem's own variables in its example`` () =
    let code, _, err = run [ "units"; "--simulator"; "T*k; k"; "--vars"; "T,k" ]
    Assert.Equal(2, code)
    Assert.Contains("e.g. T in m", TestHelpers.unwrapped err)
    Assert.Contains("--unit T=m --unit k=s", TestHelpers.unwrapped err)
    Assert.DoesNotContain("x0", TestHelpers.unwrapped err)
    Assert.DoesNotContain("x1", TestHelpers.unwrapped err)

// ---- 7. --start, --target and --loss override a problem file in every command ----------------------------

[<Fact>]
let ``start, target and loss given with --problem override the file in compare, check, derive and units`` () =
    let path = file "override.json" """{"variables":["x0","x1"],"simulator":["x0","x1^2"],"start":[1,1],"target":[0,0]}"""
    let code, out, _ =
        run [ "compare"; "--problem"; path; "--start"; "2,3"; "--target"; "4,5"; "--loss"; "y0^2 + y1^4"
              "--iterations"; "0"; "--format"; "json"; "--out"; tempDir "override" ]
    Assert.Equal(0, code)
    let p = JsonDocument.Parse(out).RootElement.GetProperty("problem")
    Assert.Equal<float list>([ 2.0; 3.0 ], [ for v in p.GetProperty("start").EnumerateArray() -> v.GetDouble() ])
    Assert.Equal<float list>([ 4.0; 5.0 ], [ for v in p.GetProperty("target").EnumerateArray() -> v.GetDouble() ])
    Assert.Contains("y1^4", p.GetProperty("loss").GetString())
    let code, out, _ = run [ "check"; "--problem"; path; "--start"; "2,3"; "--format"; "json" ]
    Assert.True(code <= 1)
    Assert.Equal<float list>([ 2.0; 3.0 ], [ for v in JsonDocument.Parse(out).RootElement.GetProperty("point").EnumerateArray() -> v.GetDouble() ])
    // derive: the target's names replace the file's numbers; GD's step for x0 is −η(x0 − a) (L = ½‖y − y*‖²).
    let code, out, _ = run [ "derive"; "--problem"; path; "--target"; "a,b"; "--methods"; "gd" ]
    Assert.Equal(0, code)
    Assert.Contains("Δx0 = -eta*(x0 - a)", TestHelpers.unwrapped out)
    // units takes --start with --problem too (it measures the steps there) rather than refusing it.
    let code, _, err = run [ "units"; "--problem"; path; "--unit"; "x0=m"; "--start"; "2,3" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)

[<Fact>]
let ``derive's start, which it says it does not use, cannot fail it`` () =
    // 2 variables and a 1-value start: the note says derive does not use the start, so it must not then
    // refuse the problem for the start's length. GD's rule for x0 (L = ½‖y − y*‖², P = (T·k, k)) is
    // −η·k·(T·k − ys0).
    let code, out, err = run [ "derive"; "--simulator"; "T*k; k"; "--vars"; "T,k"; "--methods"; "gd"; "--start"; "1" ]
    Assert.Equal(0, code)
    Assert.Contains("note: --start is not used by derive", TestHelpers.unwrapped err)
    // T*k − ys0 occurs in both steps, so it is printed once as an intermediate.
    Assert.Contains("t1 = T*k - ys0", TestHelpers.unwrapped out)
    Assert.Contains("ΔT = -eta*k*t1", TestHelpers.unwrapped out)
