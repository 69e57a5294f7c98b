namespace PhysGrad.Symbolic

open System
open System.Text

/// C# source text for an expression: `Math.*` calls, double literals, and variable names mapped by
/// the caller (for example x0 ↦ x[0]). The text is an expression of type double.
/// `sign` is written as a double-valued lambda (not `Math.Sign`, which returns an int and throws on
/// NaN), so every operand in the text is a double except integer literals. `log1p` and `expm1`
/// have no accurate .NET counterpart (`double.LogP1` and `double.ExpM1` compute log(x + 1) and
/// exp(x) − 1 as written, which is what these functions exist to avoid), so they are written as an
/// immediately applied static lambda holding the same formulas as `Elementary.log1p`/`expm1`: the
/// text stays one self-contained expression of type double, needing only `using System;`, and the
/// argument is evaluated once.
[<RequireQualifiedAccess>]
module CSharp =

    let private functionName (f: Function) =
        match f with
        | Function.Sin -> "Math.Sin"
        | Function.Cos -> "Math.Cos"
        | Function.Tan -> "Math.Tan"
        | Function.Asin -> "Math.Asin"
        | Function.Acos -> "Math.Acos"
        | Function.Atan -> "Math.Atan"
        | Function.Sinh -> "Math.Sinh"
        | Function.Cosh -> "Math.Cosh"
        | Function.Tanh -> "Math.Tanh"
        | Function.Exp -> "Math.Exp"
        | Function.Log -> "Math.Log"
        | Function.Abs -> "Math.Abs"
        | Function.Log1p ->
            "((Func<double, double>)(static t => { double u = 1.0 + t; "
            + "return u == 1.0 ? t : double.IsPositiveInfinity(u) ? u : Math.Log(u) * t / (u - 1.0); }))"
        | Function.Expm1 ->
            "((Func<double, double>)(static t => { double u = Math.Exp(t); "
            + "return u == 1.0 ? t : u - 1.0 == -1.0 ? -1.0 : double.IsPositiveInfinity(u) ? u : (u - 1.0) * t / Math.Log(u); }))"
        // Math.Sign returns an int (so 2 * Math.Sign(x) / 3 would divide integers) and throws on NaN:
        // this is sign as a double, NaN for NaN, like PhysGrad's evaluators.
        | _ -> "((Func<double, double>)(static t => t > 0.0 ? 1.0 : t < 0.0 ? -1.0 : t == 0.0 ? 0.0 : t))"

    let private literal (x: float) = Layout.formatRealExact x

    /// An integer-valued constant as an integer literal (20, not 20.0). This never turns the
    /// arithmetic into integer arithmetic: two constants never meet in one operation (they are
    /// folded), a fraction p/q is written with double literals, and 1/x as 1.0 / x, so every
    /// operator has a double operand. Beyond int range the double literal stays.
    let private constant (x: float) =
        if Math.Abs x <= 2147483647.0 && Math.Round x = x then
            (int x).ToString(Globalization.CultureInfo.InvariantCulture)
        else
            literal x

    let rec private level (e: Expr) =
        match e.Node with
        | Number q when q.IsInteger -> if q.Sign < 0 then Layout.Unary else Layout.Atom
        | Number _ -> Layout.Product
        | Real x -> if x < 0.0 then Layout.Unary else Layout.Atom
        | Symbol _
        | Pi
        | Apply _
        | Atan2 _ -> Layout.Atom
        // 1.0 / b and b * b are products: parenthesised only where a product would be.
        | Power(_, x) when Expr.isNumeric x && Layout.isNegative x && not (Layout.isSqrt x) -> Layout.Product
        | Power(_, x) when obj.ReferenceEquals(x, Expr.two) -> Layout.Product
        | Power _ -> Layout.Atom
        | Sum _ -> Layout.Sum
        | Product _ -> Layout.Product

    let rec private write (sb: StringBuilder) (name: string -> string) (context: int) (e: Expr) =
        Deep.check ()

        if level e < context then
            sb.Append '(' |> ignore
            body sb name e
            sb.Append ')' |> ignore
        else
            body sb name e

    and private writeFraction (sb: StringBuilder) (name: string -> string) (f: Layout.Fraction) =
        if f.Negative then
            sb.Append '-' |> ignore

        let factors (xs: Expr list) =
            xs
            |> List.iteri (fun i x ->
                if i > 0 then
                    sb.Append " * " |> ignore

                write sb name Layout.Unary x)

        if f.Numerator.IsEmpty then
            sb.Append "1.0" |> ignore
        else
            factors f.Numerator

        match f.Denominator with
        | [] -> ()
        | [ d ] ->
            sb.Append " / " |> ignore
            write sb name Layout.Atom d
        | ds ->
            sb.Append " / (" |> ignore
            factors ds
            sb.Append ')' |> ignore

    and private body (sb: StringBuilder) (name: string -> string) (e: Expr) =
        match e.Node with
        | Number q when q.IsInteger -> sb.Append(constant (q.ToDouble())) |> ignore
        | Number q ->
            sb.Append(literal (double q.Num)).Append(" / ").Append(literal (double q.Den))
            |> ignore
        | Real x -> sb.Append(constant x) |> ignore
        | Symbol s -> sb.Append(name s: string) |> ignore
        | Pi -> sb.Append "Math.PI" |> ignore
        | Apply _ when Layout.isE e -> sb.Append "Math.E" |> ignore
        | Apply(f, a) ->
            sb.Append(functionName f).Append('(') |> ignore
            write sb name 0 a
            sb.Append ')' |> ignore
        | Atan2(y, x) ->
            sb.Append "Math.Atan2(" |> ignore
            write sb name 0 y
            sb.Append ", " |> ignore
            write sb name 0 x
            sb.Append ')' |> ignore
        | Sum ts ->
            Layout.sumTerms ts
            |> Array.iteri (fun i t ->
                if i = 0 then
                    write sb name Layout.Sum t
                else
                    let f = Layout.fraction t

                    if f.Negative then
                        sb.Append " - " |> ignore
                        writeFraction sb name { f with Negative = false }
                    else
                        sb.Append " + " |> ignore
                        write sb name Layout.Product t)
        | Product _ -> writeFraction sb name (Layout.fraction e)
        | Power(b, x) when Layout.isSqrt x ->
            sb.Append "Math.Sqrt(" |> ignore
            write sb name 0 b
            sb.Append ')' |> ignore
        | Power(b, x) when Expr.isNumeric x && Layout.isNegative x ->
            sb.Append "1.0 / " |> ignore
            write sb name Layout.Atom (Expr.pow b (Expr.neg x))
        | Power(b, x) when obj.ReferenceEquals(x, Expr.two) ->
            // x*x is exact and faster than Math.Pow(x, 2).
            write sb name Layout.Unary b
            sb.Append " * " |> ignore
            write sb name Layout.Unary b
        | Power(b, x) ->
            sb.Append "Math.Pow(" |> ignore
            write sb name 0 b
            sb.Append ", " |> ignore
            write sb name 0 x
            sb.Append ')' |> ignore

    /// C# text for e, with each variable name mapped by `name`.
    [<CompiledName("Format")>]
    let formatWith (name: Func<string, string>) (e: Expr) : string =
        Deep.run (fun () ->
            // Generated code computes the stable form (the same value, no overflow in sums of
            // exponentials), as PhysGrad's own evaluators do.
            let e = Stable.rewrite e
            Layout.checkPrintable e
            let sb = StringBuilder()
            write sb name.Invoke 0 e
            sb.ToString())

    /// C# text for an expression that is already in its stable form (the output of
    /// `Stable.rewriteMany` over a whole block, split into shared intermediates afterwards): no
    /// second rewrite, which would factor the already factored sums again. Rewriting each
    /// intermediate alone instead is not enough: a shared sum 1 + exp(x) named t1 leaves
    /// exp(2x)/t1² as two lines whose exponentials cannot merge.
    [<CompiledName("FormatStable")>]
    let formatStableWith (name: Func<string, string>) (e: Expr) : string =
        Deep.run (fun () ->
            Layout.checkPrintable e
            let sb = StringBuilder()
            write sb name.Invoke 0 e
            sb.ToString())

    /// C# text for e, variables by their own names.
    let format (e: Expr) = formatWith (Func<_, _> id) e
