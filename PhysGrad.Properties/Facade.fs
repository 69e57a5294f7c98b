module PhysGrad.Properties.Facade

open System.Collections.Generic
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

[<Property(MaxTest = 200, EndSize = 10)>]
let ``substituting values for the variables evaluates like the interpreter`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let e = toExpr t
        let direct = evalAt p e

        let substituted =
            try
                Ok(Structure.substituteNames (Array.zip variableNames (p |> Array.map Expr.real)) e)
            with :? SymbolicException as ex ->
                Error ex.Kind
        // Like every simplification, substitution may extend a domain (0.0·NaN-valued factor = 0.0):
        // values are compared where the input is defined.
        finite direct
        ==> lazy
            match substituted with
            | Ok s ->
                // Substitution re-simplifies: no free symbol is left, and the constant folds to the value.
                let v = Evaluate.at [||] [||] s

                ((Structure.freeSymbols s).Length = 0 && close 1e-9 0.0 direct v)
                |> Prop.label (sprintf "%s at %A: %g vs %s" (Infix.format e) p direct (Infix.format s))
            | Error kind ->
                // Folding may refuse only where IEEE evaluation met a zero divisor or an overflow.
                let r = naiveEval p t

                ((kind = ErrorKind.DivisionByZero || kind = ErrorKind.NonFinite)
                 && (r.Margin = 0.0 || not (System.Double.IsFinite r.Scale)))
                |> Prop.label (sprintf "%O at %A refused with %A" t p kind))

[<Fact>]
let ``substituting an expression for a variable composes`` () =
    let e = Parse.expression "x^2 + y"
    let s = Structure.substituteNames [ "x", Parse.expression "sin(t)" ] e
    Assert.Equal("y + sin(t)^2", Infix.format s)

[<Fact>]
let ``the C# façade parses, differentiates, evaluates and prints`` () =
    let f = Expression.Parse "x0^2 + sin(x1)"
    Assert.Equal<string>([ "x0"; "x1" ], List.ofSeq f.Variables)
    let g = f.Gradient()
    Assert.Equal("2*x0", g.[0].ToInfix())
    Assert.Equal("\\cos\\left(x_{1}\\right)", g.[1].ToLatex())
    Assert.Equal("-sin(x1)", (f.Hessian()).[1, 1].ToInfix())
    Assert.Equal(9.0, f.Evaluate([| "x0"; "x1" |], [| 3.0; 0.0 |]))
    Assert.Equal("Math.Sin(x[1]) + x[0] * x[0]".Length, f.ToCSharp(fun n -> sprintf "x[%s]" (n.Substring 1)).Length)
    Assert.True((Expression.Symbol "x" + Expression.Symbol "y") = Expression.Parse "y + x")
    let d = Dictionary<string, Expression>()
    d.["x"] <- Expression.Integer 2
    Assert.Equal("y + 2", (Expression.Parse "x + y").Substitute(d).ToInfix())

[<Fact>]
let ``the C# façade reports bad input as typed exceptions`` () =
    let ex =
        Assert.ThrowsAny<ParseException>(fun () -> Expression.Parse "1 +" |> ignore)

    Assert.Equal(4, ex.Column)
    Assert.Equal(ErrorKind.Variable, Assert.Throws<SymbolicException>(fun () -> Expression.Symbol "2x" |> ignore).Kind)
