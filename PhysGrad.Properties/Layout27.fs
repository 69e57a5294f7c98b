/// Lines past 100 columns, each fixed as a kind: derive's rules over long names (text lines of 135
/// characters and lone "+" lines, C# of 600), diff's undefined and note lines, a vector broken inside its
/// brackets, stop cells wrapped inside their column in compare's and train's tables, help piped to a file
/// at any width, and wrapped messages broken between clauses where the line had room for more.
module PhysGrad.Properties.Layout27

open System
open System.IO
open Xunit

let private run = Cli.run

let private width = 100

let private lines (text: string) = text.Replace("\r", "").Split('\n')

let private assertWidth (what: string) (text: string) =
    for l in lines text do
        Assert.True(l.Length <= width, sprintf "%s: a line of %d characters:\n%s\nin\n%s" what l.Length l text)

let private operators = set [ "+"; "-"; "−"; "*"; "/"; "=" ]

let private assertNoLoneOperator (text: string) =
    for l in lines text do
        Assert.False(operators.Contains(l.Trim()), sprintf "an operator alone on a line in\n%s" text)

/// The first piece a wrapped line could have taken from the line after it: its first word, with the word
/// after an operator (an operator is never left at a line's end), up to the end of a bracket it opens, and on
/// through every operator after it with its operand (an equation or sum is kept whole where it fits, Msgs34).
let private firstPiece (line: string) =
    let words = line.Trim().Split(' ') |> List.ofArray
    let depth (w: string) = (w |> Seq.filter (fun c -> c = '(' || c = '[') |> Seq.length) - (w |> Seq.filter (fun c -> c = ')' || c = ']') |> Seq.length)
    let rec take (piece: string) open' rest =
        match rest with
        | w :: more when open' > 0 || operators.Contains piece ->
            take (piece + " " + w) (open' + depth w) more
        | op :: w :: more when operators.Contains op -> take (piece + " " + op + " " + w) (depth w) more
        | _ -> piece
    match words with
    | w :: rest -> take w (depth w) rest
    | [] -> ""

/// Every line of the paragraph starting with `start` (its continuations indented) is filled: the next
/// line's first piece would not have fitted on it.
let private assertFilled (text: string) (start: string) =
    let all = lines text
    let first = all |> Array.findIndex (fun l -> l.StartsWith start)
    let paragraph = Array.append [| all.[first] |] (all.[first + 1 ..] |> Array.takeWhile (fun l -> l.StartsWith "  "))
    Assert.True(paragraph.Length > 1, sprintf "'%s' is not wrapped in\n%s" start text)
    for k in 0 .. paragraph.Length - 2 do
        let next = firstPiece paragraph.[k + 1]
        Assert.True(
            paragraph.[k].Length + 1 + next.Length > width,
            sprintf "line %d of '%s' had room for '%s':\n%s" k start next (String.Join("\n", paragraph)))

let private out () = Path.Combine(Path.GetTempPath(), "physgrad-layout27")

// ---- 1. derive over long names --------------------------------------------------------------------------

let private projectile =
    "initial_speed_of_the_projectile*cos(launch_angle_above_horizon)*time_of_flight_until_impact; "
    + "initial_speed_of_the_projectile*sin(launch_angle_above_horizon)*time_of_flight_until_impact - 4.9*time_of_flight_until_impact^2"

let private projectileVars = "initial_speed_of_the_projectile,launch_angle_above_horizon,time_of_flight_until_impact"

[<Fact>]
let ``derive's text over long names: lines of at most 100 columns, broken before an operator of a sum or product`` () =
    let code, text, err = run [ "derive"; "--simulator"; projectile; "--vars"; projectileVars ]
    Assert.True((code = 0), err)
    assertWidth "derive" text
    assertNoLoneOperator text
    // gd's first rule is a sum of products: each term starts its line with its sign, and a product too long
    // for a line goes on under its term with the operator first.
    let rule = lines text |> Array.skipWhile (fun l -> not (l.StartsWith "  Δinitial_speed_of_the_projectile = "))
    // (Its two terms in sin(launch_angle_above_horizon) are one since simplify28: t1 = 4.9*time_of_flight_until_impact^2 + ys1.)
    Assert.StartsWith("  Δinitial_speed_of_the_projectile = eta*(t1*", rule.[0])
    Assert.StartsWith("*", rule.[1].Trim())
    Assert.StartsWith("- initial_speed_of_the_projectile", rule.[2].Trim())
    // Joining the lines gives the rule back: nothing was lost or added at a break.
    let joined (l: string list) =
        l |> List.map (fun s -> s.Trim()) |> List.fold (fun (a: string) (s: string) -> if s.StartsWith "*" then a + s else a + " " + s) ""
    let gd = rule |> Array.takeWhile (fun l -> l.StartsWith "  Δinitial" || l.StartsWith "     ") |> List.ofArray
    Assert.Contains("= eta*(t1*time_of_flight_until_impact*sin(launch_angle_above_horizon) - initial_speed_of_the_projectile*", joined gd)

[<Fact>]
let ``derive's C# over long names: lines of at most 100 columns, comments, signatures and rules, and it compiles`` () =
    let code, cs, err = run [ "derive"; "--simulator"; projectile; "--vars"; projectileVars; "--format"; "csharp" ]
    Assert.True((code = 0), err)
    assertWidth "derive --format csharp" cs
    assertNoLoneOperator cs
    // The header's comment goes on over several comment lines, every one a comment.
    let head = lines cs |> Array.takeWhile (fun l -> not (l.StartsWith "using"))
    Assert.True(head.Length > 3 && head |> Array.forall (fun l -> l.StartsWith "// "), cs)
    let compiled = TestHelpers.compileCSharp cs
    let gd = compiled.GetType("UpdateRules").GetMethod "GradientDescent"
    // ½‖P(x) − y*‖² at x = (2, 0, 1), y* = (1, 0): P = (2, 0); gd's step of the speed is −η·J₀ᵀ(P − y*) = −0.1·(1·1) = −0.1.
    let args: obj[] = [| box 2.0; box 0.0; box 1.0; box 1.0; box 0.0; box 0.1; null; null; null |]
    gd.Invoke(null, args) |> ignore
    Assert.Equal(-0.1, args.[6] :?> float, 12)

// ---- 2. compare's inverse line and diff's remarks ------------------------------------------------------------

[<Fact>]
let ``compare's local inverse line over long names is filled to 100 columns, never past them`` () =
    let code, text, err =
        run [ "compare"; "--simulator"; "initial_velocity_in_meters_per_second^2 + 1; launch_angle_in_radians*2 + initial_velocity_in_meters_per_second"
              "--vars"; "initial_velocity_in_meters_per_second,launch_angle_in_radians"; "--target"; "2,2"; "--start"; "2,1"
              "--methods"; "pg"; "--out"; out () ]
    Assert.True((code = 0), err)
    assertWidth "compare" text
    assertFilled text "Local inverse for PG: derived,"
    Assert.Contains(
        "Local inverse for PG: derived, initial_velocity_in_meters_per_second = sqrt(y0 - 1)*sign(initial_velocity_in_meters_per_second), launch_angle_in_radians",
        TestHelpers.unwrapped text)

[<Fact>]
let ``diff's undefined and note lines are wrapped at 100 columns in text, and stay comments in LaTeX`` () =
    let f = "sqrt(x1 - 3 + x0^2 + x0^4 + x0^6 + x0^8 + x0^10 + x0^12 + x0^14) + log(x0 + x1^2 + x1^3 + x1^4 + x1^5 + x1^6)"
    let code, text, err = run [ "diff"; "-f"; f; "--at"; "0,0"; "--order"; "2" ]
    Assert.True((code = 0), err)
    assertWidth "diff" text
    assertNoLoneOperator text
    Assert.Contains(
        "undefined: df/dx0: f is undefined here: x0^2 + x0^4 + x0^6 + x0^8 + x0^10 + x0^12 + x0^14 + x1 - 3 ≥ 0 for sqrt(",
        TestHelpers.unwrapped text)
    let _, latex, _ = run [ "diff"; "-f"; f; "--at"; "0,0"; "--format"; "latex" ]
    let remarks = lines latex |> Array.filter (fun l -> l.StartsWith "%")
    Assert.True(remarks.Length > 3, latex)
    Assert.True(remarks |> Array.forall (fun l -> l.Length <= width), latex)
    // Every line is either a comment or LaTeX math in an align environment (indented inside it, as derive's
    // cut lines are): a wrapped remark did not leave a bare line.
    Assert.True(lines latex |> Array.forall (fun l -> l = "" || l.StartsWith "%" || l.StartsWith "\\begin{align}" || l.StartsWith "\\end{align}" || l.StartsWith " "), latex)

// ---- 3. a vector stays whole ------------------------------------------------------------------------------

[<Fact>]
let ``compare never breaks inside a vector that fits on a line: x* = [2.00000, 1.00000]`` () =
    let code, text, err =
        run [ "compare"; "--simulator"; "x0^2; x1"; "--target"; "4,1"; "--start"; "0,1"; "--methods"; "pg:1"; "--out"; out () ]
    Assert.True((code = 0), err)
    assertWidth "compare" text
    Assert.Contains("x* = [2.00000, 1.00000] is the derived local inverse's preimage", text)
    for l in lines text do
        Assert.Equal(l.Split('[').Length, l.Split(']').Length)

// ---- 4. one line per run ------------------------------------------------------------------------------------

/// The table's lines from its header to the blank line after it.
let private table (text: string) (header: string) =
    lines text |> Array.skipWhile (fun l -> not (l.StartsWith header)) |> Array.takeWhile (fun l -> l <> "")

[<Theory>]
[<InlineData("x0; x1^2", "0,0", "3,3", "gd:2,pg")>]
let ``compare's table is one line per run when a stop is long: the stop in full is a note under it`` (simulator, target, start, methods) =
    let code, text, _ =
        run [ "compare"; "--simulator"; simulator; "--target"; target; "--start"; start; "--methods"; methods; "--out"; out () ]
    Assert.Equal(1, code)
    assertWidth "compare" text
    let rows = table text "method " |> Array.filter (fun l -> not (l.StartsWith " "))
    // The header, one row per method, then the note: no row wraps inside its stop column or is folded under itself.
    let count = (methods: string).Split(',').Length
    Assert.True(rows.Length = 1 + count + 1, String.Join("\n", rows))
    Assert.True(rows.[1].StartsWith "gd " && rows.[1].EndsWith "  diverged", rows.[1])
    Assert.StartsWith("Stop of gd: diverged: the loss ", TestHelpers.unwrapped rows.[count + 1])

[<Fact>]
let ``train's table is one line per run when gn's loss rose: the stop in full is a note under it`` () =
    // GN at τ = 1e-6 (the HIG toy's GN default until runs29, now 1e-3): its loss rises within 30 steps.
    let code, text, err = run [ "train"; "--methods"; "gn,hig"; "--tau"; "1e-6"; "--steps"; "30" ]
    Assert.True((code = 0), err)
    assertWidth "train" text
    let rows = table text "method "
    Assert.Equal(4, rows.Length)
    Assert.True(rows.[1].StartsWith "gn " && rows.[1].EndsWith "  step limit, loss rose", rows.[1])
    Assert.StartsWith("Stop of gn (η=0.1, B=256, τ=1E-06, seed 1): step limit; loss rose: final ", rows.[3])

// ---- 5. help --------------------------------------------------------------------------------------------------

[<Theory>]
[<InlineData("")>]
[<InlineData("compare")>]
[<InlineData("derive")>]
[<InlineData("train")>]
let ``help written to a file or pipe is 100 columns wide`` (command: string) =
    let code, text, _ = run ((if command = "" then [] else [ command ]) @ [ "--help" ])
    Assert.Equal(0, code)
    assertWidth "help" (String.Join("\n", lines text |> Array.map (fun l -> l.TrimEnd())))

// ---- 6. greedy filling -----------------------------------------------------------------------------------------

[<Fact>]
let ``a wrapped message fills each line before it breaks, whatever its clauses`` () =
    let code, _, err = run [ "derive"; "--simulator"; "x0 + exp(x1)*x0; x1 + sin(x0)*x1"; "--methods"; "gd,pg" ]
    Assert.Equal(2, code)
    assertWidth "derive" err
    assertFilled err "physgrad: PG's closed form needs a local inverse"
    Assert.Contains("Give a local inverse with the problem", TestHelpers.unwrapped err)

[<Fact>]
let ``Paragraph fills greedily, keeps a vector whole and an operator with its operand`` () =
    let text = "x* = [0.846574, -0.153426] is the preimage of y* found from the start by the derived local inverse: distances are in x, and a + b is a sum."
    let wrapped = PhysGrad.ResultText.Paragraph(text, 60)
    let ls = lines wrapped
    Assert.True(ls |> Array.forall (fun l -> l.Length <= 60), wrapped)
    Assert.Equal(text, String.Join(" ", ls |> Array.map (fun l -> l.Trim())))
    for k in 0 .. ls.Length - 2 do
        Assert.True(ls.[k].Length + 1 + (firstPiece ls.[k + 1]).Length > 60, wrapped)
    Assert.StartsWith("x* = [0.846574, -0.153426] ", ls.[0])
    Assert.True(ls |> Array.forall (fun l -> not (l.EndsWith " +") && not (l.EndsWith " =")), wrapped)
