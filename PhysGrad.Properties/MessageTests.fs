/// The helpers of the message tests (Msgs31, Names31b, Msgs32, Msgs33): the CLI run in-process, a command refused as
/// bad input with its message unwrapped, that message checked for the column and the hint it names, and the widths
/// of lines.
module PhysGrad.Properties.MessageTests

open System
open System.Text.RegularExpressions
open Xunit
open PhysGrad

/// The CLI run in-process: exit code, stdout, stderr (<see cref="Cli.run"/>).
let run = Cli.run

/// The text with every run of white space one space: a description and its help, wrapped, compare equal.
let spaced (t: string) = Regex.Replace(t, @"\s+", " ").Trim()

/// Every line of a text, without the trailing '\r'.
let linesOf (t: string) = t.Replace("\r", "").Split('\n')

/// The message of a command refused as bad input (exit 2), its wrapped lines joined.
let refused (args: string list) =
    let code, _, err = run args
    Assert.True((code = 2), sprintf "exit %d for %A: %s" code args err)
    TestHelpers.unwrapped err

/// The message of a command refused as bad input that names `column` ("column 6") and says `hint`; returned for more checks.
let refusedAt (args: string list) (column: int) (hint: string) =
    let said = refused args
    Assert.Contains(sprintf "column %d" column, said)
    Assert.Contains(hint, said)
    said

/// Every line of `text` at most `width` characters, `what` naming the text in the failure.
let assertWithin (width: int) (what: string) (text: string) =
    for l in linesOf text do
        Assert.True(l.Length <= width, sprintf "%s: a line of %d characters (more than %d): %s" what l.Length width l)

/// compare's method table in `help` (the lines from gd[:η] to --format) within `width` columns and aligned: each line
/// either a method's syntax (or its first piece) at the column gd[:η] stands at, or a description line at the column of gd's description
/// (beside its syntax, or under it where the table is narrow); every method listed.
let assertMethodTable (width: int) (help: string) =
    let lines = linesOf help
    let first = lines |> Array.findIndex (fun l -> l.TrimStart().StartsWith "gd[:η]")
    let syntaxColumn = lines.[first].IndexOf("gd[:η]", StringComparison.Ordinal)
    let described = if lines.[first].Contains "gradient descent" then first else first + 1
    let column = lines.[described].IndexOf("gradient descent", StringComparison.Ordinal)
    let last = lines |> Array.findIndex (fun l -> l.TrimStart().StartsWith "--format")
    let table = lines.[first .. last - 1]
    let syntaxes = MethodCatalog.Entries |> Seq.map (fun e -> e.Syntax) |> Set.ofSeq
    for l in table do
        Assert.True(l.Length <= width, sprintf "a line of %d characters (more than %d): %s" l.Length width l)
        let text = l.TrimStart()
        let at = l.Length - text.Length
        // A syntax, or the first line of one broken before a '[' on a narrow terminal.
        if at = syntaxColumn && syntaxes |> Set.exists (fun s -> text.StartsWith(s, StringComparison.Ordinal) || s.StartsWith(text.TrimEnd(), StringComparison.Ordinal)) then ()
        else Assert.True((at = column), sprintf "a description line at column %d, not %d:\n%s" at column (String.Join("\n", table)))
    // Every method listed, a syntax broken before a '[' read whole again.
    let joined = Regex.Replace(help, @"\s*\n\s*", "")
    for s in syntaxes do
        Assert.Contains(s, joined)
