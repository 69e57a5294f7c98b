namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// What one piece of an expression needs of its argument to be defined in real arithmetic.
type DomainKind =
    /// a ≠ 0: a negative integer power (a division by a).
    | NonZero = 0
    /// a > 0: the argument of log, or the base of a negative non-integer power (1/sqrt(a)).
    | Positive = 1
    /// a ≥ 0: the base of a positive non-integer power (sqrt(a), a^(1/3)).
    | NonNegative = 2
    /// −1 ≤ a ≤ 1: the argument of asin or acos.
    | UnitInterval = 3
    /// a > −1: the argument of log1p.
    | AboveMinusOne = 4

/// One domain condition: <c>Kind</c> of <c>Argument</c>, needed by the subexpression <c>Origin</c>.
[<Sealed; AllowNullLiteral>]
type DomainCondition(kind: DomainKind, argument: Expr, origin: Expr) =
    /// What the argument must satisfy.
    member _.Kind = kind
    /// The expression the condition is on (a base or a function argument).
    member _.Argument = argument
    /// The smallest subexpression that needs it (1/x0, log(x0), sqrt(x0)).
    member _.Origin = origin

    /// Whether the argument's value v satisfies the condition (NaN never does).
    member _.HoldsFor(v: float) =
        match kind with
        | DomainKind.NonZero -> v <> 0.0 && not (Double.IsNaN v)
        | DomainKind.Positive -> v > 0.0
        | DomainKind.NonNegative -> v >= 0.0
        | DomainKind.UnitInterval -> v >= -1.0 && v <= 1.0
        | _ -> v > -1.0

    /// The condition in words, e.g. "x0 ≠ 0 for 1/x0", "x0 > 0 for log(x0)", "-1 ≤ x0 ≤ 1 for asin(x0)".
    override _.ToString() =
        let a = Infix.format argument
        let o = Infix.format origin

        let need =
            match kind with
            | DomainKind.NonZero -> sprintf "%s ≠ 0" a
            | DomainKind.Positive -> sprintf "%s > 0" a
            | DomainKind.NonNegative -> sprintf "%s ≥ 0" a
            | DomainKind.UnitInterval -> sprintf "-1 ≤ %s ≤ 1" a
            | _ -> sprintf "%s > -1" a

        sprintf "%s for %s" need o

/// <summary>
/// The domain of an expression as explicit conditions: a division needs a non-zero divisor, log a
/// positive argument, an even (any non-integer) root a non-negative base, a negative non-integer power a
/// positive base, asin and acos an argument in [−1, 1], log1p an argument above −1. The reference
/// interpreter and the kernels follow IEEE arithmetic (NaN outside the domain, ±∞ at a pole); these
/// conditions say which piece is undefined and why, so that a value can be reported as undefined with its
/// reason instead of as NaN or ∞.
/// </summary>
/// <remarks>
/// Conditions are read off the built (simplified) expression, so what simplification removed is not
/// there: x/x is 1, defined everywhere. A non-integer power a^q is defined for a ≥ 0 only, as
/// <c>Math.Pow</c> computes it (exp(q·log a)); that includes odd roots such as a^(1/3), which the
/// evaluator leaves undefined for a &lt; 0. A power with a symbolic exponent gives no condition here (its
/// base may be negative where the exponent is an integer); at a point, <see cref="firstFailing"/> judges it by
/// its exponent's value there (x0^k at k = 0.5 needs x0 ≥ 0). 0^0 is 1, as IEEE pow and the parser take it.
/// </remarks>
[<RequireQualifiedAccess>]
module Domain =

    let private constant (e: Expr) = (Structure.freeSymbols e).Length = 0

    let private ofNumericPower (exponent: float) (integer: bool) =
        if integer then
            if exponent < 0.0 then Some DomainKind.NonZero else None
        elif exponent < 0.0 then
            Some DomainKind.Positive
        else
            Some DomainKind.NonNegative

    let private conditionOf (e: Expr) : DomainCondition option =
        let make kind argument =
            if constant argument then None else Some(DomainCondition(kind, argument, e))

        match e.Node with
        | Power(b, x) ->
            let kind =
                match x.Node with
                | Number q -> ofNumericPower (q.ToDouble()) q.IsInteger
                | Real r -> ofNumericPower r (Math.Floor r = r)
                | _ -> None

            kind |> Option.bind (fun k -> make k b)
        | Apply((Function.Log | Function.Log10 | Function.Log2), a) -> make DomainKind.Positive a
        | Apply(Function.Log1p, a) -> make DomainKind.AboveMinusOne a
        | Apply((Function.Asin | Function.Acos), a) -> make DomainKind.UnitInterval a
        | _ -> None

    /// <summary>
    /// The first (innermost) constant part of <paramref name="roots"/> without a real value at any point, in words:
    /// <c>log(0) (log needs an argument &gt; 0)</c>, as a parameter's value makes log(k) at k = 0; None when
    /// there is none. Such a part is no condition of <see cref="conditions"/> (whose arguments vary).
    /// </summary>
    [<CompiledName("UndefinedConstant")>]
    let undefinedConstant (roots: seq<Expr>) : string option =
        let outside (e: Expr) =
            let kind, argument =
                match e.Node with
                | Power(b, x) ->
                    (match x.Node with
                     | Number q -> ofNumericPower (q.ToDouble()) q.IsInteger
                     | Real r -> ofNumericPower r (Math.Floor r = r)
                     | _ -> None),
                    b
                | Apply((Function.Log | Function.Log10 | Function.Log2), a) -> Some DomainKind.Positive, a
                | Apply(Function.Log1p, a) -> Some DomainKind.AboveMinusOne, a
                | Apply((Function.Asin | Function.Acos), a) -> Some DomainKind.UnitInterval, a
                | _ -> None, e

            let needs =
                match kind, e.Node with
                | Some DomainKind.Positive, Power _ -> "a base > 0 (a negative power that is not a whole number)"
                | Some DomainKind.NonNegative, _ -> "a base ≥ 0 (a power that is not a whole number)"
                | Some DomainKind.UnitInterval, _ -> "an argument between -1 and 1"
                | Some DomainKind.AboveMinusOne, _ -> "an argument > -1"
                | Some DomainKind.NonZero, _ -> "a base ≠ 0"
                | _ -> "an argument > 0"

            match kind with
            | Some k when constant argument && not (DomainCondition(k, argument, e).HoldsFor(Evaluate.at [||] [||] argument)) ->
                Some(sprintf "%s has no real value: it needs %s" (Infix.format e) needs)
            | _ -> None

        Structure.postOrder roots |> Seq.tryPick outside

    /// <summary>
    /// The domain conditions of <paramref name="roots"/>, innermost first (post order: a condition
    /// is listed before those of the expressions that contain it), each (kind, argument) once.
    /// </summary>
    [<CompiledName("Conditions")>]
    let conditions (roots: seq<Expr>) : DomainCondition[] =
        let seen = HashSet<struct (DomainKind * int64)>()

        [| for e in Structure.postOrder roots do
               match conditionOf e with
               | Some c when seen.Add(struct (c.Kind, c.Argument.Id)) -> yield c
               | _ -> () |]

    /// <summary>
    /// The first (innermost) condition of <paramref name="roots"/> that fails with
    /// variables[i] = point[i], or null when all hold. Arguments are evaluated by the reference
    /// interpreter (<see cref="Evaluate"/>). After the conditions of <see cref="conditions"/>, a power whose
    /// exponent is no number (x0^k with a parameter k, x0^x1) is judged by its exponent's value at the point, as a
    /// numeric power is: x0^k at k = 0.5 needs x0 ≥ 0, at k = -1 x0 ≠ 0; the condition returned is on its base.
    /// </summary>
    /// <exception cref="SymbolicException">The point does not match the variables.</exception>
    [<CompiledName("FirstFailing")>]
    let firstFailing (variables: string[]) (point: float[]) (roots: seq<Expr>) : DomainCondition =
        let cs = conditions roots

        let fixedFailing =
            if cs.Length = 0 then
                null
            else
                let values = Evaluate.manyAt variables point (cs |> Array.map (fun c -> c.Argument))

                match Array.tryFindIndex (fun i -> not (cs.[i].HoldsFor values.[i])) [| 0 .. cs.Length - 1 |] with
                | Some i -> cs.[i]
                | None -> null

        if not (isNull fixedFailing) then
            fixedFailing
        else
            let powers =
                [| for e in Structure.postOrder roots do
                       match e.Node with
                       | Power(b, x) ->
                           match x.Node with
                           | Number _
                           | Real _ -> ()
                           | _ -> yield e, b, x
                       | _ -> () |]

            if powers.Length = 0 then
                null
            else
                let values = Evaluate.manyAt variables point [| for (_, b, x) in powers do yield! [ b; x ] |]

                powers
                |> Array.mapi (fun i (e, b, _) ->
                    let vb, vx = values.[2 * i], values.[2 * i + 1]

                    if Double.IsFinite vx then
                        match ofNumericPower vx (Math.Floor vx = vx) with
                        | Some kind when not (DomainCondition(kind, b, e).HoldsFor vb) -> DomainCondition(kind, b, e)
                        | _ -> null
                    else
                        null)
                |> Array.tryFind (isNull >> not)
                |> Option.defaultValue null
