namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// The reference interpreter: evaluates an expression at a point in double precision, following
/// IEEE semantics (a value outside a function's domain gives NaN, a pole gives ±∞). Slow but simple
/// and independent of the compiler, which is why every other evaluator is tested against it.
[<RequireQualifiedAccess>]
module Evaluate =

    /// sign(x) as a double: −1, 0 or 1, and NaN for NaN (Math.Sign would throw).
    let signOf (x: float) = Elementary.sign x

    /// The double value of one elementary function.
    [<CompiledName("Function")>]
    let applyFunction (f: Function) (x: float) = Elementary.apply f x

    let private valueOf (lookup: string -> float) (values: Dictionary<Expr, float>) (n: Expr) =
        match n.Node with
        | Number q -> q.ToDouble()
        | Real x -> x
        | Symbol s -> lookup s
        | Pi -> Math.PI
        | Sum xs ->
            let mutable s = 0.0

            for x in xs do
                s <- s + values.[x]

            s
        | Product xs ->
            let mutable p = 1.0

            for x in xs do
                p <- p * values.[x]

            p
        | Power(b, x) when Expr.isHalf x -> Math.Sqrt values.[b]
        | Power(b, x) -> Math.Pow(values.[b], values.[x])
        | Apply(f, a) -> applyFunction f values.[a]
        | Atan2(y, x) -> Elementary.atan2 values.[y] values.[x]

    /// Evaluates several expressions at once (shared subexpressions once), with values looked up by
    /// symbol name.
    [<CompiledName("Many")>]
    let many (lookup: string -> float) (es: Expr[]) : float[] =
        let values = Dictionary<Expr, float>(ExprIdentity.comparer)
        // Evaluated in their stable forms: the same values without overflow in intermediates.
        let es = Stable.rewriteMany es

        for n in Structure.postOrder es do
            values.[n] <- valueOf lookup values n

        es |> Array.map (fun e -> values.[e])

    let private lookupIn (names: string[]) (point: float[]) =
        if names.Length <> point.Length then
            Fail.raiseWith ErrorKind.Shape (sprintf "%s but %s given." (Fail.count names.Length "variable") (if point.Length = 1 then "1 value was" else sprintf "%d values were" point.Length))

        let d = Dictionary<string, float>(StringComparer.Ordinal)

        for i in 0 .. names.Length - 1 do
            d.[names.[i]] <- point.[i]

        fun s ->
            match d.TryGetValue s with
            | true, v -> v
            | _ ->
                Fail.raiseWith
                    ErrorKind.Variable
                    (sprintf
                        "The expression uses '%s', which has no value (variables: %s)."
                        s
                        (String.Join(", ", names)))

    /// Evaluates e with variables[i] = point[i].
    [<CompiledName("At")>]
    let at (variables: string[]) (point: float[]) (e: Expr) : float =
        (many (lookupIn variables point) [| e |]).[0]

    /// Evaluates several expressions with variables[i] = point[i].
    [<CompiledName("ManyAt")>]
    let manyAt (variables: string[]) (point: float[]) (es: Expr[]) : float[] = many (lookupIn variables point) es
