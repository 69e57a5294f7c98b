namespace PhysGrad.Symbolic

open System.Text

/// Plain infix text with the fewest parentheses, in the syntax `Parse` reads: what formatExact prints
/// parses back to the same expression, and what format prints to the same expression with its
/// integer-valued floating constants exact (round-trip properties the tests check).
[<RequireQualifiedAccess>]
module Infix =

    let rec private level (e: Expr) =
        match e.Node with
        | Number q when q.IsInteger -> if q.Sign < 0 then Layout.Unary else Layout.Atom
        | Number _ -> Layout.Product
        | Real x -> if x < 0.0 then Layout.Unary else Layout.Atom
        | Symbol _
        | Pi
        | Apply _
        | Atan2 _ -> Layout.Atom
        | Sum _ -> Layout.Sum
        | Product _ ->
            let f = Layout.fraction e

            if f.Negative && f.Denominator.IsEmpty && f.Numerator.Length <= 1 then
                Layout.Unary
            else
                Layout.Product
        | Power(_, x) when Layout.isSqrt x -> Layout.Atom
        | Power(_, x) when Expr.isNumeric x && Layout.isNegative x -> Layout.Product
        | Power _ -> Layout.Power

    let rec private write (real: float -> string) (sb: StringBuilder) (context: int) (e: Expr) =
        Deep.check ()

        if level e < context then
            sb.Append '(' |> ignore
            body real sb e
            sb.Append ')' |> ignore
        else
            body real sb e

    and private writeFraction (real: float -> string) (sb: StringBuilder) (f: Layout.Fraction) =
        if f.Negative then
            sb.Append '-' |> ignore

        let factors (xs: Expr list) =
            xs
            |> List.iteri (fun i x ->
                if i > 0 then
                    sb.Append '*' |> ignore

                write real sb Layout.Unary x)

        if f.Numerator.IsEmpty then
            sb.Append '1' |> ignore
        else
            factors f.Numerator

        match f.Denominator with
        | [] -> ()
        | [ d ] ->
            sb.Append '/' |> ignore
            write real sb Layout.Power d
        | ds ->
            sb.Append "/(" |> ignore
            factors ds
            sb.Append ')' |> ignore

    and private body (real: float -> string) (sb: StringBuilder) (e: Expr) =
        match e.Node with
        | Number q -> sb.Append(q.ToString()) |> ignore
        | Real x -> sb.Append(real x) |> ignore
        | Symbol s -> sb.Append s |> ignore
        | Pi -> sb.Append "pi" |> ignore
        | Apply _ when Layout.isE e -> sb.Append 'e' |> ignore
        | Apply(f, a) ->
            sb.Append(Expr.functionName f).Append('(') |> ignore
            write real sb 0 a
            sb.Append ')' |> ignore
        | Atan2(y, x) ->
            sb.Append "atan2(" |> ignore
            write real sb 0 y
            sb.Append ", " |> ignore
            write real sb 0 x
            sb.Append ')' |> ignore
        | Sum ts ->
            Layout.sumTerms ts
            |> Array.iteri (fun i t ->
                if i = 0 then
                    write real sb Layout.Sum t
                else
                    let f = Layout.fraction t

                    if f.Negative then
                        sb.Append " - " |> ignore
                        writeFraction real sb { f with Negative = false }
                    else
                        sb.Append " + " |> ignore
                        write real sb Layout.Product t)
        | Product _ -> writeFraction real sb (Layout.fraction e)
        | Power(b, x) when Layout.isSqrt x ->
            sb.Append "sqrt(" |> ignore
            write real sb 0 b
            sb.Append ')' |> ignore
        | Power(_, x) when Expr.isNumeric x && Layout.isNegative x -> writeFraction real sb (Layout.fraction e)
        | Power(b, x) ->
            write real sb Layout.Atom b
            sb.Append '^' |> ignore
            write real sb Layout.Power x

    let private run (real: float -> string) (e: Expr) =
        Deep.run (fun () ->
            Layout.checkPrintable e
            let sb = StringBuilder()
            write real sb 0 e
            sb.ToString())

    /// The expression as infix text for people, e.g. `2*x + sin(y)^2 - 1/2`: a floating constant with
    /// an integer value below 1e15 is written as an integer (`20*eta`, not `20.0*eta`), so it reads back
    /// as that exact integer; everything else reads back as it is. Text that is parsed again as the same
    /// problem is written by formatExact.
    [<CompiledName("Format")>]
    let format (e: Expr) : string = run Layout.formatReal e

    /// The expression as infix text that parses back to the very same expression: floating constants
    /// keep a point or exponent (`20.0`), so they stay floating and never turn into exact integers.
    [<CompiledName("FormatExact")>]
    let formatExact (e: Expr) : string = run Layout.formatRealExact e
