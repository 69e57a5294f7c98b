/// The printed update rules as a new user's trial of `physgrad derive` found them in the 29th round, each
/// fault fixed as a kind: a C# signature of 101 columns (the tail ")" went past the room its parameters
/// were measured in), rules not factored by the step size (100000000*eta*ys0 - 1E+16*eta*x0, an
/// intermediate holding eta) with names for a constant times something small (t1 = -ys1*sin(th)), and
/// header comments broken inside the tuple P(v, th) ("P(v," / "th)": "th" counted as a word of prose).
module PhysGrad.Properties.Rules29

open System
open System.Collections.Generic
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

let private width = 100

let private lines (text: string) = text.Replace("\r", "").Split('\n')

let private derive (args: string list) =
    let code, out, err = Cli.run ("derive" :: args)
    Assert.True((code = 0), err)
    out

let private assertWidth (text: string) =
    for l in lines text do
        Assert.True(l.Length <= width, sprintf "a line of %d characters:\n%s\nin\n%s" l.Length l text)

/// The lines of a printed block joined with their continuations (a continuation is indented deeper than
/// the line it continues): one string per `name = rule` line.
let private joinedRules (indent: string) (text: string) =
    let result = ResizeArray<string>()
    // Whether the line before continues a rule (a line of any other kind ends it: "    }" before a signature).
    let mutable open' = false

    for l in lines text do
        if l.StartsWith indent && l.Length > indent.Length && l.[indent.Length] <> ' ' then
            result.Add(l.Trim())
            open' <- true
        elif open' && l.StartsWith(indent + " ") then result.[result.Count - 1] <- result.[result.Count - 1] + " " + l.Trim()
        else open' <- false

    List.ofSeq result

// ---- 1. C# signatures ----------------------------------------------------------------------------------------

[<Fact>]
let ``a C# signature too long for a line puts its parameters on continuation lines within 100 columns, and compiles`` () =
    // gd on [1e8*x0, 1e-8*x1] with a symbolic target: 89 characters of parameters and ")" after 12 columns of
    // indentation was a line of 101.
    let cs = derive [ "--simulator"; "1e8*x0; 1e-8*x1"; "--format"; "csharp" ]
    assertWidth cs
    let all = lines cs

    for i in 0 .. all.Length - 1 do
        if all.[i].StartsWith "    public static void " && not (all.[i].EndsWith ")") then
            // The head alone, then the parameters, each line of them indented 12 columns, a parameter never split.
            Assert.EndsWith("(", all.[i])
            let continuation = all.[i + 1 ..] |> Array.takeWhile (fun l -> l.Trim() <> "{")
            Assert.True(continuation.Length >= 1, cs)
            for l in continuation do
                Assert.StartsWith("            double ", l.Replace("out double", "double"))
                Assert.Matches(@"^ {12}(out )?double \w+(, (out )?double \w+)*[,)]$", l)

    let t = (TestHelpers.compileCSharp cs).GetType "UpdateRules"
    // gd: Δx = −η·Jᵀ(P(x) − y*) with J = diag(1e8, 1e-8): at x = (1, 1), y* = 0, η = 1, (−1e16, −1e-16).
    let args: obj[] = [| box 1.0; box 1.0; box 0.0; box 0.0; box 1.0; null; null |]
    t.GetMethod("GradientDescent").Invoke(null, args) |> ignore
    Assert.Equal(-1e16, args.[5] :?> float, 1e-16 * 1e16)
    Assert.Equal(-1e-16, args.[6] :?> float, 1e-30)

[<Fact>]
let ``RulePrinter.Signature fills continuation lines with whole parameters and keeps ")" within the width`` () =
    let parameters = [| for i in 0..19 -> sprintf "double x%d" i |]
    let s = RulePrinter.Signature("    public static void Newton(", parameters)
    let ls = lines s
    Assert.Equal("    public static void Newton(", ls.[0])
    Assert.True(ls.Length >= 3, s)
    for l in ls do Assert.True(l.Length <= width, s)
    Assert.EndsWith("double x19)", ls.[ls.Length - 1])
    // Nothing lost or added: the lines joined give the one-line signature back.
    let joined = ls.[0] + String.Join(" ", ls.[1..] |> Array.map (fun l -> l.Trim()))
    Assert.Equal("    public static void Newton(" + String.Join(", ", parameters) + ")", joined)
    // A short one stays on one line.
    Assert.Equal("    public static void Newton(double x0)", RulePrinter.Signature("    public static void Newton(", [| "double x0" |]))

[<Fact>]
let ``a C# statement whose argument list fits only without its ";" is broken so that the ";" stays within 100 columns`` () =
    // An argument list of 88 characters fitted the 88 columns after a 12-column indentation, then the ";" made 101.
    for n in 80..95 do
        let body = "F(" + String.replicate 20 "a, " + String('b', n - 63) + ")"
        Assert.Equal(n, body.Length)
        let s = RulePrinter.Wrap("        double t1 = ", body, ";", indent = 4)
        for l in lines s do Assert.True(l.Length <= width, sprintf "%d:\n%s" l.Length s)
        Assert.Equal("        double t1 = " + body + ";", TestHelpers.unwrapped s)

// ---- 2. rules factored by the step size, no names for trivial rescalings -------------------------------------

let private problems =
    [ "1e8*x0; 1e-8*x1", "x0,x1"
      "1e8*(x0+x1); 1e-8*(x0-x1)", "x0,x1"
      "v^2*sin(2*th)/9.81; v*sin(th)", "v,th"
      "v*cos(th); v*sin(th)", "v,th"
      "v*cos(th)*8; v*sin(th)", "v,th"
      "-8*v*cos(th); v*sin(th)", "v,th"
      "1e8*x0*x1; 1e-8*(x0+x1)", "x0,x1"
      "v^2*sin(2*th)/9.81; v^2*sin(th)^2/19.62", "v,th" ]

/// gd, Newton, IG and GN step by η times a function of x: each rule is η·(…), written with η once.
let private linear = [ "--methods"; "gd,newton,ig,gn" ]

[<Fact>]
let ``every rule linear in eta is written with eta once, and no intermediate holds eta, in text, LaTeX and C#`` () =
    let count (pattern: string) (s: string) = Regex.Matches(s, pattern).Count

    for simulator, vars in problems do
        let args = [ "--simulator"; simulator; "--vars"; vars ] @ linear
        let text = derive args
        Assert.Contains("Δ", text)

        for rule in joinedRules "  " text do
            if rule.StartsWith "Δ" then Assert.True(count @"\beta\b" rule = 1, sprintf "%s: %s\nin\n%s" simulator rule text)
            elif rule.StartsWith "t" then Assert.True(count @"\beta\b" rule = 0, sprintf "%s: %s\nin\n%s" simulator rule text)

        let latex = derive (args @ [ "--format"; "latex" ])

        for rule in joinedRules "  " latex do
            if rule.StartsWith "\\Delta" then Assert.True(count @"\\eta\b" rule = 1, sprintf "%s: %s\nin\n%s" simulator rule latex)
            elif rule.StartsWith "t_" then Assert.True(count @"\\eta\b" rule = 0, sprintf "%s: %s\nin\n%s" simulator rule latex)

        let cs = derive (args @ [ "--format"; "csharp" ])

        for rule in joinedRules "        " cs do
            if rule.StartsWith "double t" then Assert.True(count @"\beta\b" rule = 0, sprintf "%s: %s\nin\n%s" simulator rule cs)
            elif rule.StartsWith "d" then Assert.True(count @"\beta\b" rule = 1, sprintf "%s: %s\nin\n%s" simulator rule cs)

[<Fact>]
let ``the trial's rules: gd on 1e8*x0 and 1e-8*x1 is eta*(…) per variable, the sum shared once without eta`` () =
    let text = derive [ "--simulator"; "1e8*x0; 1e-8*x1"; "--methods"; "gd" ]
    Assert.Contains("  Δx0 = eta*(100000000*ys0 - 1E+16*x0)", text)
    Assert.Contains("  Δx1 = eta*(1E-08*ys1 - 1E-16*x1)", text)
    let text = derive [ "--simulator"; "1e8*(x0+x1); 1e-8*(x0-x1)"; "--methods"; "gd" ]
    Assert.Contains("  t1 = 1E+16*x0 + 1E+16*x1 - 100000000*ys0", text)
    Assert.Contains("  Δx0 = eta*(1E-08*ys1 - t1)", text)

/// The numeric coefficient of a product and the rest, or None for anything else.
let private scaled (d: Expr) =
    match d.Node with
    | Product fs when Expr.isNumeric fs.[0] -> Some(Expr.mul (Array.tail fs))
    | _ -> None

[<Fact>]
let ``no intermediate is a constant times another name or a small product, and every name is used twice`` () =
    // Newton on [v*cos(th), v*sin(th)] named t1 = -ys1*sin(th), t2 = -ys0*cos(th); on [-8*v*cos(th), v*sin(th)]
    // t6 = 8*ys0*cos(th): a coefficient does not make a small product worth a name.
    let small (rest: Expr) =
        match rest.Node with
        | Symbol _ -> true
        | Product fs ->
            fs.Length <= 3
            && fs
               |> Array.forall (fun f ->
                   match f.Node with
                   | Symbol _ -> true
                   | Power(b, x) -> (match b.Node with | Symbol _ -> Expr.isNumeric x | _ -> false)
                   | Apply(_, a) -> (match a.Node with | Symbol _ -> true | _ -> false)
                   | _ -> false)
            && Structure.treeSize rest < SharedTerms.MinOwnSize
        | _ -> false

    for simulator, vars in problems @ [ "1e-8*x0*exp(x1); 1e8*x1*sin(x0)", "x0,x1"; "r*cos(a); r*sin(a); 1e-8*r", "r,a" ] do
        let blocks = SharedTerms24.printedBlocks (vars.Split ',') simulator [||] [ Method.GradientDescent; Method.Newton; Method.InverseGradient ]

        for title, defs, results, _ in blocks do
            for name, d in defs do
                match scaled d with
                | Some rest -> Assert.False(small rest, sprintf "%s, %s: %s = %s" simulator title name (Infix.format d))
                | None -> ()

                // Written at least twice in the block (a name used once reads better in place).
                let uses =
                    Array.append (defs |> Array.map snd) results
                    |> Array.sumBy (fun e -> Regex.Matches(Infix.format e, sprintf @"\b%s\b" name).Count)

                Assert.True(uses >= 2, sprintf "%s, %s: %s = %s is used %d times" simulator title name (Infix.format d) uses)

[<Fact>]
let ``the printed rules, names substituted back, are the derived rules at random points`` () =
    let rng = Random 29

    for simulator, vars in problems do
        let names = vars.Split ','
        let blocks = SharedTerms24.printedBlocks names simulator [||] [ Method.GradientDescent; Method.Newton; Method.InverseGradient; Method.GaussNewton ]
        Assert.NotEmpty blocks

        for title, defs, results, steps in blocks do
            let printed = SharedTerms.inlineAll { Intermediates = defs; Results = results }

            for _ in 1..5 do
                let point = Dictionary<string, float>()
                for n in Array.append names [| "ys0"; "ys1"; "ys2"; "eta" |] do point.[n] <- 0.3 + rng.NextDouble()
                let a = Evaluate.many (fun s -> point.[s]) printed
                let b = Evaluate.many (fun s -> point.[s]) steps

                for i in 0 .. a.Length - 1 do
                    // Regrouped sums round differently: equal to rounding at the scale of the step's terms.
                    let terms = match steps.[i].Node with | Sum ts -> ts | _ -> [| steps.[i] |]
                    let scale = Evaluate.many (fun s -> point.[s]) terms |> Array.sumBy abs
                    Assert.True(abs (a.[i] - b.[i]) <= 1e-9 * (abs b.[i] + scale), sprintf "%s, %s, rule %d: %g vs %g" simulator title i a.[i] b.[i])

// ---- 3. header comments keep a tuple whole -------------------------------------------------------------------

[<Fact>]
let ``LaTeX and C# header comments keep P(v, th) on one line, and every line is within 100 columns`` () =
    let args = [ "--simulator"; "v^2*sin(2*th)/9.81; v*sin(th)"; "--vars"; "v,th" ]

    for format, prefix in [ "latex", "%"; "csharp", "//" ] do
        let out = derive (args @ [ "--format"; format ])
        assertWidth out
        let comments = lines out |> Array.filter (fun l -> l.StartsWith prefix)
        Assert.Contains(comments, fun l -> l.Contains "P(v, th) = [v^2*sin(2*th)/9.81, v*sin(th)]")
        Assert.DoesNotContain(comments, fun l -> l.TrimEnd().EndsWith "P(v,")

    // Text and JSON carry no header to break; the text's one note line stays whole.
    let text = derive args
    Assert.DoesNotContain("P(v,\n", text.Replace("\r", ""))

[<Fact>]
let ``a paragraph is broken outside an argument list where it can be, and after its commas where it cannot`` () =
    let line = "physgrad derive: the update rules (steps in x and eta) for P(v, th) = [v^2*sin(2*th)/9.81, v*sin(th)], L = (y0 - ys0)^2/2 + (y1 - ys1)^2/2"

    for w in 60..100 do
        let p = ResultText.Paragraph(line, w)
        Assert.Contains("P(v, th)", p)
        Assert.Equal(line, TestHelpers.unwrapped p)

    // An argument list longer than a line is broken after a comma, each piece whole.
    let long = "for f(" + String.Join(", ", [ for i in 0..30 -> sprintf "variable_%d" i ]) + ") = 0"
    let p = ResultText.Paragraph(long, 80)
    for l in lines p do Assert.True(l.Length <= 80, p)
    Assert.Equal(long, TestHelpers.unwrapped p)
    Assert.DoesNotMatch(@"variable_\d+\n|\n\s*,", p)
