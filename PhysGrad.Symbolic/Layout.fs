namespace PhysGrad.Symbolic

open System
open System.Globalization

/// How an expression is laid out in text, shared by the infix, LaTeX and C# printers: which sum
/// terms are written with a minus, how a product splits into a fraction, and when a power is a root.
/// The printers differ only in syntax.
module Layout =

    /// Precedence levels: a subexpression is parenthesised when its level is below its context's.
    [<Literal>]
    let Sum = 1

    [<Literal>]
    let Product = 2

    [<Literal>]
    let Unary = 3

    [<Literal>]
    let Power = 4

    [<Literal>]
    let Atom = 5

    /// Printing writes the tree out; beyond this many nodes the text would be useless and huge.
    [<Literal>]
    let MaxPrintedNodes = 10_000_000L

    let checkPrintable (e: Expr) =
        let n = Structure.treeSize e

        if n > MaxPrintedNodes then
            Fail.raiseWith
                ErrorKind.TooLarge
                (sprintf
                    "The expression written out as text would have %d nodes (limit %d); its shared graph has %d. \
                     Evaluate or compile it instead of printing it."
                    n
                    MaxPrintedNodes
                    (Structure.graphSize [ e ]))

    /// A double written so that it parses back to the same double and reads as a floating value.
    let formatReal (x: float) =
        let s = x.ToString("R", CultureInfo.InvariantCulture)
        if s.Contains '.' || s.Contains 'E' then s else s + ".0"

    /// The numeric coefficient of a term (1 when there is none) and the rest.
    let coefficient (e: Expr) =
        match e.Node with
        | Node.Product fs when Expr.isNumeric fs.[0] ->
            fs.[0], (if fs.Length = 2 then fs.[1] else Expr.mul (Array.tail fs))
        | Number _
        | Real _ -> e, Expr.one
        | _ -> Expr.one, e

    let private numericSign (e: Expr) =
        match e.Node with
        | Number q -> q.Sign
        | Real x -> Math.Sign x
        | _ -> 1

    /// Is the term written with a leading minus?
    let isNegative (e: Expr) = numericSign (fst (coefficient e)) < 0

    /// The terms of a sum in printing order: the canonical order with the constant moved last, and
    /// a positive term moved to the front when the first is negative (`1 - x`, not `-x + 1`).
    let sumTerms (ts: Expr[]) =
        let constants, rest = ts |> Array.partition Expr.isNumeric
        let ordered = Array.append rest constants

        if ordered.Length > 0 && isNegative ordered.[0] then
            match Array.tryFindIndex (isNegative >> not) ordered with
            | Some i -> Array.append [| ordered.[i] |] (Array.removeAt i ordered)
            | None -> ordered
        else
            ordered

    /// A product (or any term) split as ±(numerator)/(denominator): the sign, the factors above the
    /// line and those below (with their exponents made positive). Exact coefficients p/q contribute
    /// p above and q below; floating ones stay above.
    type Fraction =
        { Negative: bool
          Numerator: Expr list
          Denominator: Expr list }

    let fraction (e: Expr) : Fraction =
        let factors =
            match e.Node with
            | Node.Product fs -> List.ofArray fs
            | _ -> [ e ]

        let mutable negative = false
        let num = Collections.Generic.List<Expr>()
        let den = Collections.Generic.List<Expr>()

        for f in factors do
            match f.Node with
            | Number q ->
                if q.Sign < 0 then
                    negative <- true

                let a = q.Abs

                if not (a.Num.IsOne) then
                    num.Add(Expr.number (Rational.OfBig a.Num))

                if not (a.Den.IsOne) then
                    den.Add(Expr.number (Rational.OfBig a.Den))
            | Real x ->
                if x < 0.0 then
                    negative <- true

                num.Add(Expr.real (abs x))
            | Node.Power(b, x) when numericSign x < 0 -> den.Add(Expr.pow b (Expr.neg x))
            | _ -> num.Add f

        { Negative = negative
          Numerator = List.ofSeq num
          Denominator = List.ofSeq den }

    /// Is this power a square root (exponent 1/2)?
    let isSqrt (x: Expr) = Expr.isHalf x

    /// Is e Euler's number exp(1)?
    let isE (e: Expr) =
        match e.Node with
        | Apply(Function.Exp, a) -> Expr.isOne a
        | _ -> false
