namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// A probe point at which an expression's stable form computes a finite value that its written form
/// does not (see `Evaluate.stableFormMatters`): the state's names with their values, and both values.
type StableDifference = { Point: (string * float)[]; Written: float; Stable: float }

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

    /// Evaluates several expressions as they are written (no stable rewrite): what text printed from
    /// them computes, which is what `stableFormMatters` compares the stable form with.
    [<CompiledName("ManyAsWritten")>]
    let manyAsWritten (lookup: string -> float) (es: Expr[]) : float[] =
        let values = Dictionary<Expr, float>(ExprIdentity.comparer)

        for n in Structure.postOrder es do
            values.[n] <- valueOf lookup values n

        es |> Array.map (fun e -> values.[e])

    /// Where the stable form of `es` (Stable.rewriteMany) computes something the written form cannot:
    /// the first probe point at which some expression's stable value is finite while its written
    /// value is NaN or ±∞ (an exponential overflowed inside: ∞/∞, ∞ − ∞, 0·∞) or differs from it by
    /// more than 10⁻⁶ relative (a sum 1 + exp(u) that rounded away exp(u)); None when the two agree at
    /// every probe, or when the rewrite leaves `es` as they are. The probes are large and small
    /// magnitudes, ±30, ±100, ±800 (exp overflows beyond 709.78) and 0.5, for each of the first eight
    /// names of `state` alone (the others 0.5) and for all of them at once; every other symbol is 1. A probe, not a
    /// proof: the answer is "shown to matter" or "not shown". Returns the point (state names and
    /// values) with the written and the stable value there.
    [<CompiledName("StableFormMatters")>]
    let stableFormMatters (state: string[]) (es: Expr[]) : StableDifference option =
        let stable = Stable.rewriteMany es

        if Array.forall2 (fun (a: Expr) b -> obj.ReferenceEquals(a, b)) es stable then
            None
        else
            let probes = [| -800.0; -100.0; -30.0; 0.5; 30.0; 100.0; 800.0 |]

            let points =
                seq {
                    for v in probes do
                        yield state |> Array.map (fun _ -> v)

                        // Each name alone for the first eight: a large block (a traced grid of 10⁴ cells) would
                        // otherwise be evaluated 7·10⁴ times; all together covers the rest.
                        if state.Length > 1 then
                            for i in 0 .. min state.Length 8 - 1 do
                                yield state |> Array.mapi (fun j _ -> if i = j then v else 0.5)
                }

            let at (point: float[]) =
                fun s ->
                    match Array.tryFindIndex ((=) s) state with
                    | Some i -> point.[i]
                    | None -> 1.0

            points
            |> Seq.tryPick (fun point ->
                let w = manyAsWritten (at point) es
                let s = manyAsWritten (at point) stable

                Array.zip w s
                |> Array.tryFind (fun (w, s) ->
                    Double.IsFinite s && (not (Double.IsFinite w) || abs (w - s) > 1e-6 * abs s))
                |> Option.map (fun (w, s) -> { Point = Array.zip state point; Written = w; Stable = s }))

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
