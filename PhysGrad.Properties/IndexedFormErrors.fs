/// Issue 14's indexed form and size limits, as a user meets them (the tester's reports): every malformed
/// indexed problem file or --simulator text exits 2 with a message that says what is wrong, where (the
/// field, the entry, the index value or column) and what to write instead, in plain words; and a rule's
/// size limit is decided from the shape before anything runs, so that the default method list skips
/// the rules that cannot take the size (one line each, naming the limit) and runs the others.
module PhysGrad.Properties.IndexedFormErrors

open System
open System.IO
open Xunit
open PhysGrad.Properties.TestHelpers
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules

let private run (args: string list) = Cli.run args

/// Phrases of the parser library that must never reach a user (FParsec's own error texts).
let private jargon =
    [ "Expecting"; "integer number"; "32-bit"; "backtracked"; "any char in"; "Unknown Error"; "Note: The error" ]

let private noJargon (text: string) =
    for j in jargon do
        Assert.DoesNotContain(j, text)

/// A problem file with these variables and simulator entries (four outputs' target and start unless given).
let private problemFile (variables: string list) (simulator: string list) (outputs: int) (vars: int) =
    let path = Path.Combine(Path.GetTempPath(), sprintf "physgrad-indexed-%s.json" (Guid.NewGuid().ToString("N")))
    let quote (s: string) = "\"" + s.Replace("\"", "\\\"") + "\""
    let list xs = "[" + String.Join(", ", xs |> List.map quote) + "]"
    let numbers k (v: string) = "[" + String.Join(", ", List.replicate k v) + "]"

    File.WriteAllText(
        path,
        sprintf
            "{\"variables\": %s, \"simulator\": %s, \"target\": %s, \"start\": %s}"
            (list variables)
            (list simulator)
            (numbers outputs "0")
            (numbers vars "1")
    )

    path

let private refusedFile variables simulator outputs vars =
    let path = problemFile variables simulator outputs vars

    try
        let code, _, err = run [ "compare"; "--problem"; path; "--iterations"; "1"; "--out"; Path.GetTempPath() ]
        Assert.Equal(2, code)
        noJargon err
        err
    finally
        File.Delete path

// Each case: a malformed "variables" entry, and the phrases its message must hold: the field and entry
// (variables[0]), the column where that is useful, and the form to write instead.
[<Theory>]
[<InlineData("x[5..3]", "variables[0]|the range 5..3|empty|first ≤ last|x[3..5]")>]
[<InlineData("x[-1..3]", "variables[0]|negative index|numbered from 0|x[0..3]")>]
[<InlineData("x[0..3", "variables[0]|no closing ']'|column|name[first..last]")>]
[<InlineData("x[0...3]", "variables[0]|three dots|name[first..last]")>]
[<InlineData("x[a..3]", "variables[0]|'a..3'|not a range of whole numbers|name[first..last]")>]
[<InlineData("x[]", "variables[0]|brackets are empty|name[first..last]")>]
[<InlineData("3x[0..3]", "variables[0]|not a name|name[first..last]")>]
let ``a malformed variables range names the entry, the column and the form to write`` (entry: string, phrases: string) =
    let err = refusedFile [ entry ] [ "x0" ] 1 4

    for p in phrases.Split('|') do
        Assert.Contains(p, TestHelpers.unwrapped err)

// Each case: a malformed indexed simulator entry of a problem file with variables x[0..3], and the
// phrases of its message: the entry (simulator[0]), the column, what is missing and how to write it.
[<Theory>]
[<InlineData("x[i+1] - x[i] for i in 0..3 dirichlet", "simulator[0]|column 38|'dirichlet' needs the value|dirichlet 0")>]
[<InlineData("x[i+1] for i in 0..3 perodic", "simulator[0]|column 22|'perodic' is not a boundary rule|did you mean 'periodic'")>]
[<InlineData("x[i] for i in 0..3 diriclet 0", "simulator[0]|did you mean 'dirichlet'")>]
[<InlineData("x[i] for i in 0..3 periodic periodic", "simulator[0]|one boundary rule")>]
[<InlineData("x[i+1] for i in 0..3 dirichlet a", "simulator[0]|must be a number|not the name 'a'")>]
[<InlineData("x[i] for i in 3..0", "simulator[0]|column 6|the range 3..0 is empty|first ≤ last|0..3")>]
[<InlineData("x[i] for i in 0..99999999999", "simulator[0]|99999999999|too large")>]
[<InlineData("x[i] for i in 0...3", "simulator[0]|last index of the range must be a whole number|found '.3'")>]
[<InlineData("x[i] for i in 0..3.5", "simulator[0]|whole numbers written first..last")>]
[<InlineData("x[i] for i inn 0..3", "simulator[0]|comes 'in'|found 'inn'")>]
[<InlineData("x[i] for 0..3", "simulator[0]|name of the index|found '0..3'")>]
[<InlineData("x[i] for i in a..3", "simulator[0]|first index of the range must be a whole number|found 'a..3'")>]
[<InlineData("x[i+1 - x[i] for i in 0..3", "simulator[0]|column 14|a closing ']'")>]
[<InlineData("x[i] fr i in 0..3", "simulator[0]|column 6|'for' and an index range")>]
[<InlineData("x[i-1] for i in 0..3", "simulator[0]|x[-1] is below index 0|at i = 0|'periodic' or 'dirichlet 0'")>]
[<InlineData("x[j] for i in 0..3", "simulator[0]|'j' in the index of x|the index variable is i")>]
let ``a malformed indexed simulator entry names the entry, the column and what to write`` (entry: string, phrases: string) =
    let err = refusedFile [ "x[0..3]" ] [ entry ] 4 4

    for p in phrases.Split('|') do
        Assert.Contains(p, (TestHelpers.unwrapped err))

[<Fact>]
let ``a range past the variables names the entry, the index value and three ways out, not the expanded component`` () =
    // x[i+1] for i in 0..4 over x0 … x3: at i = 3 the entry reads x4 (one past x3), the first that is not a variable.
    let err = refusedFile [ "x[0..3]" ] [ "x[i+1] - x[i] for i in 0..4" ] 5 4
    Assert.Contains("simulator[0] at i = 3", TestHelpers.unwrapped err)
    Assert.Contains("x[4]", TestHelpers.unwrapped err)
    Assert.Contains("x0 to x3", TestHelpers.unwrapped err)
    Assert.Contains("end the range earlier", TestHelpers.unwrapped err)
    Assert.Contains("'periodic' or 'dirichlet 0'", TestHelpers.unwrapped err)
    Assert.Contains("\"x[0..4]\"", TestHelpers.unwrapped err)
    // The file has one entry: no message may count the expanded components as entries.
    Assert.DoesNotContain("simulator[3]", TestHelpers.unwrapped err)
    Assert.DoesNotContain("simulator[4]", TestHelpers.unwrapped err)

[<Fact>]
let ``an error in the entry after an indexed one names that entry, not its expanded position`` () =
    // Entry 0 expands to 4 components (y0 … y3); entry 1, 'z', is the fifth output but the second entry.
    let err = refusedFile [ "x[0..3]"; "w" ] [ "x[i] for i in 0..3"; "z" ] 5 5
    Assert.Contains("simulator[1] uses 'z'", TestHelpers.unwrapped err)
    Assert.DoesNotContain("simulator[4]", TestHelpers.unwrapped err)

[<Fact>]
let ``a single indexed variable x[3] is the variable x3, as x[3] is in an expression`` () =
    let path = problemFile [ "x[3]" ] [ "x[3]^2" ] 1 1

    try
        let code, out, err = run [ "compare"; "--problem"; path; "--methods"; "gd"; "--iterations"; "1"; "--out"; Path.GetTempPath() ]
        Assert.True((code = 0), err)
        Assert.Contains("P(x3)", TestHelpers.unwrapped out)
    finally
        File.Delete path

// The same parser reads --simulator: the messages are the same, with the column under a caret.
[<Theory>]
[<InlineData("x[i] for i in 0..", "last index of the range must be a whole number|the text ends here")>]
[<InlineData("x[i] for i in 0..3 PERIODIC", "lower case: 'periodic'")>]
[<InlineData("x[i] for i in 0..3 dirichlet 0 extra", "'extra' follows the boundary rule|';'")>]
[<InlineData("x[1.5]", "must be a whole number|not 1.5")>]
[<InlineData("2*", "expected a number, a name or '('|the text ends here")>]
[<InlineData("sin(x[i] for i in 0..3", "a closing ')'")>]
[<InlineData("for i in 0..3", "column 5")>]
let ``malformed --simulator text exits 2 with plain words`` (text: string, phrases: string) =
    let code, _, err = run [ "derive"; "--simulator"; text; "--methods"; "gd" ]
    Assert.Equal(2, code)
    noJargon err

    for p in phrases.Split('|') do
        Assert.Contains(p, TestHelpers.unwrapped err)

[<Fact>]
let ``each rule's size limit is decided from the shape, at the limits the rules state`` () =
    let verdict (spec: string) m n =
        BookExample.ApplicabilityOf((MethodCatalog.Parse spec).[0], m, n)

    // Newton: dense up to Newton.DenseUpTo = 2000 variables and sparse above, so the shape alone refuses no
    // size (a problem without a sparse Hessian is refused when the rule starts: SparseNewton.fs).
    Assert.True((verdict "newton" 2001 2001).IsApplicable)
    // HIG's SVD: SolverLimits.SvdUpTo = 2000 outputs or variables, either one.
    Assert.True((verdict "hig" 2000 10).IsApplicable)
    Assert.Equal(Nullable NotApplicableCause.TooLarge, (verdict "hig" 2001 10).Cause)
    // Gauss–Newton by size goes matrix-free (LSQR) and takes any size; asked dense (iterative=0), it is the SVD.
    Assert.True((verdict "gn" 100000 100000).IsApplicable)
    Assert.Equal(Nullable NotApplicableCause.TooLarge, (verdict "gn:iterative=0" 2001 2001).Cause)
    // IG, PG and LM asked dense hold J and a max(m, n)² workspace: the same 2000.
    for m in [ "ig:iterative=0"; "pg:iterative=0"; "lm:iterative=0" ] do
        Assert.True((verdict m 2000 2000).IsApplicable, m)
        Assert.Equal(Nullable NotApplicableCause.TooLarge, (verdict m 2001 2001).Cause)
    // Dense BFGS: Bfgs.DenseUpTo = 5000 variables; L-BFGS keeps vectors only and takes any size.
    Assert.True((verdict "bfgs" 1 5000).IsApplicable)
    Assert.Contains("lbfgs", (verdict "bfgs" 1 5001).Reason)
    for m in [ "gd"; "adam"; "lbfgs"; "newton"; "newton-cg"; "gn"; "lm"; "ig"; "pg" ] do
        Assert.True((verdict m 100000 100000).IsApplicable, m)

[<Fact>]
let ``the default list on a problem over 2000 variables skips hig with one line and runs the others`` () =
    // 2048 variables: over SolverLimits.SvdUpTo (2000), so hig is skipped before anything runs; gd, pg, ig and
    // gn (matrix-free above 256) run, and newton takes its sparse form (over Newton.DenseUpTo, 2000).
    let n = 2048
    let path =
        problemFile [ sprintf "x[0..%d]" (n - 1) ] [ sprintf "x[i] + 0.1*(x[i+1] - x[i]) for i in 0..%d periodic" (n - 1) ] n n

    try
        let code, out, err = run [ "compare"; "--problem"; path; "--iterations"; "1"; "--out"; Path.GetTempPath() ]
        Assert.True((code = 0), err)
        let lines = (unwrapped out).Split('\n') |> Array.map (fun l -> l.TrimEnd())
        let skip name = lines |> Array.filter (fun l -> l.StartsWith(name + " skipped:"))
        Assert.Empty(skip "newton")
        Assert.Equal(1, (skip "hig").Length)
        Assert.Contains("limit of 2000", (skip "hig").[0])
        // The table has a row for each method that ran, and none for the skipped ones.
        for m in [ "gd"; "newton"; "pg"; "ig"; "gn" ] do
            Assert.True(lines |> Array.exists (fun l -> l.StartsWith(m + " ")), sprintf "no row for %s in:\n%s" m out)
        Assert.False(lines |> Array.exists (fun l -> l.StartsWith("hig ") && not (l.StartsWith("hig skipped:"))), "hig")
        // PG's inverse: the symbolic attempt is skipped above LocalInverse.DeriveUpTo (64), and the header says so.
        Assert.StartsWith("Local inverse for PG: numeric: the symbolic inverse is not tried above 64 variables",
                          TestHelpers.paragraph out "Local inverse for PG:")
    finally
        File.Delete path

[<Fact>]
let ``a named method over its limit on an example is refused with the reason, exit 2`` () =
    // heat1d-inverse at n = 4096 has 4096 variables: hig (the SVD's limit, 2000) is refused from the catalogue's
    // shape, before the example is traced.
    let code, out, err = run [ "compare"; "--example"; "heat1d-inverse"; "--n"; "4096"; "--methods"; "gd,hig"; "--out"; Path.GetTempPath() ]
    Assert.Equal(2, code)
    Assert.Equal("", out)
    Assert.Contains("the size 4096 is over its limit of 2000", (TestHelpers.unwrapped err))
    Assert.Contains("gn or lm", (TestHelpers.unwrapped err))
