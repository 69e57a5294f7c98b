/// Messages of the 34th round, each through the real CLI: a hint after its message in one sentence (no period before the
/// bracket); every refusal ends with one "Run 'physgrad … --help'" line and no hint names the help again; stray words
/// explained with the options already given; an empty value of any text option refused by that option's name; a step
/// 1/0 called a division by zero; an equation kept whole when a line is wrapped; README's SIP ratios as measured; help
/// pointing to the installed copy of docs/theory.md.
module PhysGrad.Properties.Msgs34

open System
open System.IO
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Properties.MessageTests

// The lines of stderr that are messages ("physgrad: …"), each unwrapped, and the last line.
let private messagesOf (err: string) =
    linesOf (TestHelpers.unwrapped err) |> Array.filter (fun l -> l.StartsWith "physgrad: ")

let private usage (command: string) = sprintf "Run 'physgrad %s --help' for its options." command

let private count (what: string) (text: string) = Regex.Matches(text, Regex.Escape what).Count

/// A refusal: exit 2, its last line the command's usage line, the help named exactly once in all of stderr.
let private assertRefusedOnce (args: string list) =
    let code, _, err = run args
    Assert.True((code = 2), sprintf "exit %d for %A: %s" code args err)
    let command = args.Head
    let lines = linesOf err |> Array.filter (fun l -> l.Trim().Length > 0)
    Assert.Equal(usage command, Array.last lines)
    Assert.True((count "--help" err = 1), sprintf "the help named %d times for %A:\n%s" (count "--help" err) args err)
    err

// ---- 1, 2, 6: one sentence, one usage line -----------------------------------------------------------------------

[<Theory>]
[<InlineData("compare", "--iteration", "--iterations")>]
[<InlineData("train", "--step", "--steps")>]
[<InlineData("derive", "--method", "--methods")>]
[<InlineData("diff", "--var", "--vars")>]
let ``a did-you-mean follows its message in one sentence`` (command: string, typo: string, meant: string) =
    let err = assertRefusedOnce [ command; typo; "5" ]
    let said = (messagesOf err).[0]
    // Before: "…argument '--iteration'. (did you mean '--iterations'?)".
    Assert.DoesNotContain(". (", said)
    Assert.Contains(sprintf "'%s' (did you mean '%s'?)." typo meant, said)

[<Theory>]
// System.CommandLine's own errors, with and without a hint.
[<InlineData("derive|--lambda|3")>]
[<InlineData("compare|x0")>]
[<InlineData("compare|--simulator|x0|extra")>]
// The command's own checks after parsing (before: no usage line at all).
[<InlineData("compare|--iterations|-3")>]
[<InlineData("train|--seeds|0")>]
[<InlineData("compare|--simulator|x0|--start|1,2")>]
// The API's refusals.
[<InlineData("compare|--methods|gd:1/0")>]
[<InlineData("compare|--simulator|x0 +|--start|1")>]
[<InlineData("diff|-f|x^")>]
let ``every refusal ends with the command's usage line, and names the help only there`` (args: string) =
    assertRefusedOnce (List.ofArray (args.Split '|')) |> ignore

[<Fact>]
let ``an option of another command is named as such without the help twice`` () =
    let err = assertRefusedOnce [ "derive"; "--lambda"; "3" ]
    Assert.Contains("(--lambda is an option of train, not of derive).", (messagesOf err).[0])

// ---- 3: stray words and the options already given ---------------------------------------------------------------

[<Fact>]
let ``a stray word after the simulator is not told to be given with --simulator again`` () =
    let err = assertRefusedOnce [ "compare"; "--simulator"; "x0"; "extra" ]
    let said = String.Join("\n", messagesOf err)
    // Before: 'give the expression with --simulator, e.g. physgrad compare --simulator "extra"', with --simulator given.
    Assert.DoesNotContain("--simulator \"extra\"", said)
    Assert.Contains("follows --simulator's value 'x0'", said)
    Assert.Contains("--simulator \"x0 extra\"", said)

[<Fact>]
let ``an expression the shell split is one message with the whole expression quoted`` () =
    let err = assertRefusedOnce [ "compare"; "--simulator"; "x0"; "+"; "sin(x0)"; "--start"; "0" ]
    let said = messagesOf err
    Assert.Equal(1, said.Length)
    Assert.Contains("'+' and 'sin(x0)'", said.[0])
    Assert.Contains("--simulator \"x0 + sin(x0)\"", said.[0])
    // A list split at its spaces is written back with commas.
    let err = assertRefusedOnce [ "compare"; "--simulator"; "x0; x1"; "--start"; "1,"; "2" ]
    Assert.Contains("--start 1,2;", (messagesOf err).[0])

[<Fact>]
let ``a word without an option suggests the expression option only when no problem is given`` () =
    // No problem given: the word is shown with --simulator (as before).
    let err = assertRefusedOnce [ "compare"; "x0" ]
    Assert.Contains("physgrad compare --simulator \"x0\"", (messagesOf err).[0])
    // A problem given by --example, the word after a flag-free number option: no second simulator suggested.
    let err = assertRefusedOnce [ "compare"; "--example"; "rosenbrock"; "--iterations"; "3"; "x0" ]
    Assert.DoesNotContain("--simulator \"x0\"", (messagesOf err).[0])
    Assert.Contains("compare takes no value without an option's name before it", (messagesOf err).[0])

// ---- 4: empty values --------------------------------------------------------------------------------------------

// Every text option of every command, as (command, option name).
let private textOptions () =
    use sink = new StringWriter()
    let root = PhysGrad.Cli.CliApp.Root(new PhysGrad.Cli.LineWidth(sink), sink, sink)
    [ for c in root.Subcommands do
          for o in c.Options do
              if o.ValueType = typeof<string> || o.ValueType = typeof<string[]> then yield c.Name, o.Name ]

[<Fact>]
let ``an empty or blank value of every text option is refused by that option's name`` () =
    let options = textOptions ()
    // The options the trial named are among them, so that the loop below covers them.
    for name in [ "--simulator"; "--target"; "--start"; "--methods"; "--vars"; "--param"; "--inverse"; "--loss"; "--function" ] do
        Assert.Contains(options, fun (_, o) -> o = name)
    for command, option in options do
        for value in [ ""; "  " ] do
            let err = assertRefusedOnce [ command; option; value ]
            let said = messagesOf err
            // One message of the empty value, by the option's name (eval's missing --points may be another).
            let named = said |> Array.filter (fun l -> l.StartsWith(sprintf "physgrad: %s " option))
            Assert.True((named.Length = 1), sprintf "%s %s '%s': %s" command option value err)
            Assert.Contains("''", named.[0].Replace(sprintf "%s is empty" option, "''").Replace(sprintf "%s is blank" option, "''").Replace(sprintf "not '%s'" value, "''"))
            // Before: "The input is empty: expected an expression such as x^2 + 1", naming no option.
            Assert.DoesNotContain(said, fun l -> l.Contains "The input is empty")
    // An alias is named as typed.
    let err = assertRefusedOnce [ "diff"; "-f"; "" ]
    Assert.StartsWith("physgrad: -f is empty: give an expression", (messagesOf err).[0])

// ---- 5: a step of 1/0 ---------------------------------------------------------------------------------------------

[<Theory>]
[<InlineData("gd:1/0", "is a division by zero")>]
[<InlineData("pg:0/3", "is zero")>]
[<InlineData("newton:-1/3", "is negative")>]
[<InlineData("gd:1.5/2", "0.75")>]
let ``a step written as a quotient is refused for what is wrong with it`` (methods: string, why: string) =
    let err = assertRefusedOnce [ "compare"; "--methods"; methods ]
    let said = (messagesOf err).[0]
    Assert.Contains("must be a positive, finite number", said)
    Assert.Contains(sprintf "'%s' %s" (methods.Split(':', 2).[1]) (if why = "0.75" then "is a quotient" else why), said)
    Assert.Contains(why, said)
    Assert.DoesNotContain("is not a number", said)

// ---- 7: an equation kept whole when a line is wrapped -------------------------------------------------------------

// The top-level (outside brackets) " + " and " - " of an equation: where a break between its terms may fall.
let private termBreaks (equation: string) =
    let mutable depth = 0
    [ for i in 0 .. equation.Length - 3 do
          match equation.[i] with
          | '(' | '[' -> depth <- depth + 1
          | ')' | ']' -> depth <- depth - 1
          | ' ' when depth = 0 && (equation.[i + 1] = '+' || equation.[i + 1] = '-') && equation.[i + 2] = ' ' -> yield i
          | _ -> () ]

/// The check, precisely: the "Local inverse for PG" paragraph unwrapped names the equation it could not solve ("the
/// equation E (a piece …"); E is printed on one line when it fits a continuation line (98 columns); a longer E is
/// broken only at spaces before a " + " or " - " outside brackets (between terms), so that no line starts with a
/// fragment of E cut from an equation that fitted, nor inside a product, power or argument list.
[<Theory>]
[<InlineData("x0 + sin(x0)")>]
[<InlineData("x0 + sin(x0) + cos(x0)/3")>]
[<InlineData("x0 + sin(x0)*exp(-x0^2/10) + cos(x0)/3 - tanh(x0)/7")>]
[<InlineData("x0 + sin(x0)/2 + sin(2*x0)/4 + sin(3*x0)/8 + sin(4*x0)/16 + sin(5*x0)/32 + sin(6*x0)/64 + sin(7*x0)/128 + sin(8*x0)/256")>]
[<InlineData("x0 + sin(x0)/2 + sin(2*x0)/4 + sin(3*x0)/8 + sin(4*x0)/16 + sin(5*x0)/32 + sin(6*x0)/64 + sin(7*x0)/128 + sin(8*x0)/256 + sin(9*x0)/512 + sin(10*x0)/1024")>]
let ``the equation the solver could not invert is broken only between its terms`` (simulator: string) =
    let code, out, err = run [ "compare"; "--simulator"; simulator; "--target"; "1"; "--start"; "0"; "--iterations"; "2" ]
    Assert.True((code = 0), err)
    let lines = linesOf out
    let first = lines |> Array.findIndex (fun l -> l.StartsWith "Local inverse for PG:")
    let paragraph = lines.[first..] |> Array.takeWhile (fun l -> l.StartsWith "Local inverse" || l.StartsWith "  ")
    assertWithin 100 "the inverse line" (String.Join("\n", paragraph))
    let joined = String.Join("\n", paragraph)
    let m = Regex.Match(TestHelpers.unwrapped joined, @"the equation (.+?) \(a piece")
    Assert.True(m.Success, joined)
    let equation = m.Groups.[1].Value
    Assert.StartsWith("y0 = ", equation)
    if equation.Length <= 98 then
        Assert.Contains(paragraph, fun l -> l.Contains equation)
    else
        // Where each line break inside E falls, as an index into E: the continuation's text starts there.
        let allowed = termBreaks equation |> Set.ofList
        let startLine = paragraph |> Array.findIndex (fun l -> l.Contains(equation.Substring(0, 5)))
        let mutable at = paragraph.[startLine].Length - paragraph.[startLine].IndexOf(equation.Substring(0, 5))
        for l in paragraph.[startLine + 1 ..] do
            if at < equation.Length then
                Assert.True(allowed.Contains at, sprintf "a break at %d of '%s', not between terms:\n%s" at equation joined)
                let text = l.TrimStart()
                Assert.True(equation.Substring(at + 1).StartsWith(text.Substring(0, min text.Length (equation.Length - at - 1))), joined)
                at <- at + 1 + text.Length

[<Fact>]
let ``a paragraph keeps an equation that fits a line on one line`` () =
    let text = "Local inverse for PG: numeric: the solver cannot isolate the unknown in the equation y0 = x0 + sin(x0) (a piece it has no inverse rule for)."
    for width in 60..100 do
        let p = ResultText.Paragraph(text, width)
        Assert.Equal(text, TestHelpers.unwrapped p)
        Assert.Contains(linesOf p, fun l -> l.Contains "y0 = x0 + sin(x0)")

// ---- 8: README's SIP ratios -----------------------------------------------------------------------------------------

[<Fact>]
let ``README states the x-error ratios of SIP to Adam that train --example exp --steps 3000 gives`` () =
    let code, out, err = run [ "train"; "--example"; "exp"; "--steps"; "3000"; "--format"; "csv" ]
    Assert.True((code = 0), err)
    let rows = linesOf out |> Array.filter (fun l -> l.Length > 0) |> Array.map (fun l -> Regex.Split(l, ",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)"))
    let header = rows.[0]
    let xError = header |> Array.findIndex ((=) "final_x_error")
    let of' (m: string) = rows |> Array.find (fun r -> r.[0] = m) |> fun r -> Double.Parse(r.[xError], Globalization.CultureInfo.InvariantCulture)
    let readme = File.ReadAllText(Path.Combine(TestHelpers.repoRoot (), "README.md")) |> TestHelpers.unwrapped
    let said = Regex.Match(Regex.Replace(readme, @"\s+", " "), @"x-error (\d+\.\d)× below Adam's for sip-pg and (\d+\.\d)× for sip-ig")
    Assert.True(said.Success, "README no longer states the ratios in the form this test reads")
    for group, m in [ 1, "sip-pg"; 2, "sip-ig" ] do
        let measured = of' "adam" / of' m
        Assert.Equal(said.Groups.[group].Value, measured.ToString("0.0", Globalization.CultureInfo.InvariantCulture))

// ---- 9: the theory help cites ------------------------------------------------------------------------------------------

[<Fact>]
let ``help that cites docs/theory.md ends with the path of the copy that comes with the tool`` () =
    for command in [ []; [ "compare" ]; [ "check" ]; [ "train" ] ] do
        let code, out, _ = run (command @ [ "--help" ])
        Assert.Equal(0, code)
        Assert.Contains("docs/theory.md §", spaced out)
        let lines = linesOf out |> Array.filter (fun l -> l.Trim().Length > 0)
        Assert.Contains("docs/theory.md, which this help cites by section, is installed with physgrad at:", lines.[lines.Length - 2])
        let path = (Array.last lines).Trim()
        Assert.True(File.Exists path, path)
        Assert.Equal<string>(File.ReadAllLines(Path.Combine(TestHelpers.repoRoot (), "docs", "theory.md")), File.ReadAllLines path)
    // Help that cites no section says nothing of it.
    let _, out, _ = run [ "diff"; "--help" ]
    Assert.DoesNotContain("theory.md", out)
