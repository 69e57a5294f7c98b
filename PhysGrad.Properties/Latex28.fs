/// derive's LaTeX source of the 28th round: a piece of an align line renders within 60 characters but was up to 259
/// in source (\mathrm{velocity} \, \left(\cos\left(\mathrm{angle}\right)\right)^{2} …); long source lines are now cut
/// where spaces were (LaTeX.BreakSource), which TeX reads as it read the spaces.
module PhysGrad.Properties.Latex28

open System
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

[<Fact>]
let ``newton's LaTeX on three outputs with long names keeps every source line within 100 characters, and the same align lines`` () =
    let simulator = "velocity*sin(angle) + height*cos(angle); velocity*cos(angle)*height; exp(height*angle) - velocity"
    let code, out, err = Cli.run [ "derive"; "--simulator"; simulator; "--methods"; "newton,gd"; "--format"; "latex" ]
    Assert.True((code = 0), err)
    let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    // Before: up to 204 characters on this problem.
    for l in lines |> Array.filter (fun l -> not (l.StartsWith "%")) do
        Assert.True(l.Length <= RulePrinter.LatexSourceWidth, sprintf "%d characters: %s" l.Length l)
    // Continuation lines are indented past the align lines and never empty (a paragraph break inside align).
    Assert.Contains(lines, fun l -> l.StartsWith "      ")
    Assert.DoesNotContain("\n\n", out.Replace("\r", ""))
    // Joined back where the cuts were, the align lines are what one line each would have been.
    let joined = (TestHelpers.latexJoined out).Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.Contains(joined, fun l -> l.Length > 150)
    Assert.All(joined |> Array.filter (fun l -> not (l.StartsWith "%") && l.StartsWith "  "), fun l ->
        Assert.True(l.Contains " &= " || l.StartsWith "  &\\quad ", l))

[<Property(MaxTest = 200)>]
let ``BreakSource only turns spaces into newlines, or parts a frac's arguments, and keeps lines short where it can`` () =
    Prop.forAll Generators.terms (fun term ->
        let e = Generators.toExpr term
        let whole = "  t_{1} &= " + LaTeX.format (Expr.mul2 (Expr.symbol "velocity") (Expr.add e (Expr.mul2 (Expr.symbol "height") e))) + " \\\\"
        let cut = LaTeX.breakSource 40 "      " whole
        let pieces = cut.Split '\n'
        // Each cut replaced one space, or went between } and {, by a newline and the indent: without white space the
        // text is the line's, and every newline carries the indent.
        let strip (t: string) = Regex.Replace(t, @"\s", "")
        let cuttable = whole.Length > 40 && whole.IndexOf(' ', 14) > 0
        (strip cut = strip whole |@ sprintf "%s\n cut as\n%s" whole cut)
        .&. ((pieces |> Array.forall (fun p -> p.Trim() <> "")) |@ cut)
        .&. ((pieces |> Array.skip 1 |> Array.forall (fun p -> p.StartsWith "      ")) |@ cut)
        .&. ((not cuttable || pieces.Length > 1) |@ cut))
