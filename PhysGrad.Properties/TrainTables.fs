/// Tables that never run together (issue 12): train's table printed an 11-character loss one space after the
/// seed ("1 0.000660425"), read as one number. Every column is now as wide as its widest cell, two spaces apart.
module PhysGrad.Properties.TrainTables

open System.Text.RegularExpressions
open Xunit
open PhysGrad.Cli

/// The cells of a table line: split at runs of two or more spaces.
let private cells (line: string) = Regex.Split(line.Trim(), " {2,}")

[<Fact>]
let ``a table keeps two spaces between columns whatever a value's width, and the cells parse apart`` () =
    let header = [| "method"; "seed"; "final loss"; "stop" |]
    let rows =
        [| [| "hig"; "1"; "0.000660425123456789"; "StepLimit" |]
           [| "gn"; "12345"; "-1.23457E-07"; "diverged at step 10" |] |]
    let lines = TextTable.Lines(header, rows, [| true; false; false; true |]) |> Array.ofSeq
    Assert.Equal(3, lines.Length)
    for line, expected in Array.zip lines (Array.append [| header |] rows) do
        Assert.Equal<string[]>(expected, cells line)
    // Right-aligned numbers end in one column, the widest (20 characters) setting it.
    let ends = lines |> Array.map (fun l -> l.IndexOf(cells l |> Array.item 2) + (cells l |> Array.item 2).Length)
    Assert.Equal(1, Array.distinct ends |> Array.length)

[<Fact>]
let ``train's table and its summary parse into as many cells as their headers`` () =
    let code, out, _ = Cli.run [ "train"; "--example"; "hig-toy"; "--methods"; "hig,adam"; "--steps"; "20"; "--seeds"; "2" ]
    Assert.Equal(0, code)
    let lines = out.Split('\n') |> Array.map (fun l -> l.TrimEnd('\r'))
    let table = lines |> Array.findIndex (fun l -> l.StartsWith "method" && l.Contains "final loss")
    let columns = (cells lines.[table]).Length
    Assert.Equal(8, columns)
    for k in 1 .. 4 do
        let row = cells lines.[table + k]
        Assert.Equal(columns, row.Length)
        // The seed and the loss are cells of their own: a whole number, then a number.
        Assert.Matches("^[12]$", row.[2])
        Assert.True(fst (System.Double.TryParse(row.[3], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture)), row.[3])
    let summary = lines |> Array.findIndex (fun l -> l.StartsWith "method" && l.Contains "median loss")
    // No method diverged, so the last (note) column is empty and trimmed away: 8 of the header's 8 cells.
    Assert.Equal(8, (cells lines.[summary]).Length)
    for k in 1 .. 2 do
        Assert.Equal(8, (cells lines.[summary + k]).Length)
