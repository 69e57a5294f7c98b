namespace PhysGrad.Symbolic

open System.Globalization
open System.Numerics
open System.Text

/// Plain infix text with the fewest parentheses, in the syntax `Parse` reads: what formatExact prints
/// parses back to the same expression, and what format prints to the same expression with its
/// integer-valued floating constants exact (round-trip properties the tests check).
[<RequireQualifiedAccess>]
module Infix =

    /// A large exact integer as a power of ten (`10^20`, `3*10^20`, Layout.powerOfTen) when that is
    /// shorter than its digits, with its mantissa m; None otherwise. The text parses back to the same
    /// exact integer.
    let private powerForm (n: BigInteger) =
        match Layout.powerOfTen n with
        | Some(m, k) ->
            let text =
                if m.IsOne then sprintf "10^%d" k
                elif m = BigInteger.MinusOne then sprintf "-10^%d" k
                else sprintf "%s*10^%d" (m.ToString(CultureInfo.InvariantCulture)) k

            if text.Length < n.ToString(CultureInfo.InvariantCulture).Length then Some(text, m) else None
        | None -> None

    let private integerText (n: BigInteger) =
        match powerForm n with
        | Some(text, _) -> text
        | None -> n.ToString(CultureInfo.InvariantCulture)

    /// An exact constant: p, or p/q with a denominator in power form parenthesised when it is a product
    /// (1/10^20, 3/(7*10^20)).
    /// A constant too long to print exactly (Layout.roundedScientific) is its value in E-notation, 1E+402.
    let private numberText (q: Rational) =
        if (Layout.roundedScientific q).IsSome then
            Layout.roundedScientificText (Layout.roundedScientific q).Value
        elif q.IsInteger then
            integerText q.Num
        else
            let struct (p, d) = Layout.decimalFraction q

            let den =
                match powerForm d with
                | Some(text, m) when not m.IsOne -> "(" + text + ")"
                | _ -> integerText d

            integerText (if q.Sign < 0 then -p else p) + "/" + den

    let rec private level (e: Expr) =
        match e.Node with
        // 1E+402, as a double in E-notation binds.
        | Number q when (Layout.roundedScientific q).IsSome -> if q.Sign < 0 then Layout.Unary else Layout.Atom
        | Number q when q.IsInteger && (powerForm q.Num).IsSome ->
            // 10^20 binds as a power (parenthesised as a base), 3*10^20 as a product (as a divisor).
            match powerForm q.Num with
            | Some(_, m) when m.IsOne -> Layout.Power
            | Some(_, m) when m = BigInteger.MinusOne -> Layout.Unary
            | _ -> Layout.Product
        | Number q when q.IsInteger -> if q.Sign < 0 then Layout.Unary else Layout.Atom
        | Number _ -> Layout.Product
        | Real x -> if x < 0.0 then Layout.Unary else Layout.Atom
        | Apply _ when (Layout.ePower e).IsSome -> if (Layout.ePower e).Value.Sign > 0 then Layout.Power else Layout.Product
        | Symbol _
        | Pi
        | Apply _
        | Atan2 _ -> Layout.Atom
        | Sum _ -> Layout.Sum
        | Product _ when (Layout.cbrtOf e).IsSome -> Layout.Atom
        | Product _ ->
            let f = Layout.fraction e

            if f.Negative && f.Denominator.IsEmpty && f.Numerator.Length <= 1 then
                Layout.Unary
            else
                Layout.Product
        | Power(_, x) when Layout.isSqrt x -> Layout.Atom
        | Power(b, x) when Layout.isReciprocal b x -> Layout.Product
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

                // A leading 3*10^20 needs no parentheses: 3*10^20*x reads as one product.
                let context =
                    match x.Node with
                    | Number _ when i = 0 -> Layout.Product
                    | _ -> Layout.Unary

                write real sb context x)

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
        | Number q when (Layout.decimalQuotient q).IsSome -> writeFraction real sb (Layout.fraction e)
        | Number q when (Layout.writtenDecimal q).IsSome -> writeFraction real sb (Layout.fraction e)
        | Number q -> sb.Append(numberText q) |> ignore
        | Real x -> sb.Append(real x) |> ignore
        | Symbol s -> sb.Append s |> ignore
        | Pi -> sb.Append "pi" |> ignore
        | Apply _ when Layout.isE e -> sb.Append 'e' |> ignore
        | Apply _ when (Layout.ePower e).IsSome ->
            // e^2; exp(-1) as 1/e (Layout.fraction puts it below the line).
            match Layout.ePower e with
            | Some k when k.Sign > 0 -> sb.Append("e^").Append(k.ToString(CultureInfo.InvariantCulture)) |> ignore
            | _ -> writeFraction real sb (Layout.fraction e)
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
        | Product _ when (Layout.cbrtOf e).IsSome ->
            // sign(a)*abs(a)^(1/3) as the cbrt(a) the user wrote, which parses back to it.
            sb.Append "cbrt(" |> ignore
            write real sb 0 (Layout.cbrtOf e).Value
            sb.Append ')' |> ignore
        | Product _ -> writeFraction real sb (Layout.fraction e)
        | Power(b, x) when Layout.isSqrt x ->
            sb.Append "sqrt(" |> ignore
            write real sb 0 b
            sb.Append ')' |> ignore
        | Power(b, x) when Layout.isReciprocal b x -> writeFraction real sb (Layout.fraction e)
        | Power(b, x) ->
            write real sb Layout.Atom b
            sb.Append '^' |> ignore
            write real sb Layout.Power (Layout.printedExponent x)

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
    /// A rule's decimal quotients (Layout.withDecimals: 1/9.81) are not written here: 9.81 would read back
    /// as a floating constant, not as the exact 100/981.
    let formatExact (e: Expr) : string =
        Layout.withDecimals [||] (fun () -> Layout.withExactText (fun () -> run Layout.formatRealExact e))
