namespace PhysGrad.Symbolic

open System.Collections.Generic

/// Rewrites that keep an expression's value but keep its intermediates representable, applied
/// before an expression is evaluated, compiled or emitted as C#; never to what is printed.
///
/// The one identity used: for real a, b and m = max(a, b) = (a + b + |a − b|)/2,
///     c·exp(a) + d·exp(b) = exp(m)·(c·exp(a − m) + d·exp(b − m)),
/// where a constant term c counts as c·exp(0). Both exponentials on the right are at most 1, so the
/// sum in brackets cannot overflow; the factor exp(m) then merges with the exponentials around it
/// (products of exponentials merge when they are built) or leaves a logarithm as
///     log(exp(m)·r) = m + log(r),
/// which is exact for every real r (both sides are NaN for r < 0 and −∞ for r = 0). Together these
/// give the standard stable forms: softplus log(1 + exp(u)) becomes max(u, 0) + log(exp(−max(u,0)) +
/// exp(u − max(u,0))), the logistic exp(u)/(1 + exp(u)) becomes exp(min(u, 0))/(exp(−max(u,0)) + …),
/// log-sum-exp log(exp a + exp b) becomes max(a, b) + log(…), and every derivative of these, whose
/// forms are products of powers of the same sums, is stable the same way.
[<RequireQualifiedAccess>]
module Stable =

    /// A sum term c·exp(a) (or a constant c = c·exp(0)), as (c, a).
    let private expTerm (t: Expr) : (Expr * Expr) option =
        match t.Node with
        | Apply(Function.Exp, a) -> Some(Expr.one, a)
        | Product [| c; f |] when Expr.isNumeric c ->
            match f.Node with
            | Apply(Function.Exp, a) -> Some(c, a)
            | _ -> None
        | Number _
        | Real _ -> Some(t, Expr.zero)
        | _ -> None

    /// max(a, b) = (a + b + |a − b|)/2, exact in real arithmetic and in double precision up to the
    /// rounding of the sum (the rounding error is far below the size at which exp(m) matters).
    let private maxOf (a: Expr) (b: Expr) =
        // |b − a| when a is the constant (|x|, not |−x|, for 1 + exp(x)): the same value, shorter C#.
        let difference = if Expr.isNumeric a then Expr.sub b a else Expr.sub a b
        // One product ½·(…), not a sum of halves: as a single term, m is added to the small log(…)
        // beside it without first cancelling against its own parts (x/2 + log(…) + |x|/2 loses the
        // log's digits at x < 0). The price: the bracket overflows for max(a, b) above 8.9e307.
        Expr.mul [ Expr.half; Expr.sum [ a; b; Expr.abs difference ] ]

    let private rewriteSum (ts: Expr[]) : Expr option =
        if ts.Length <> 2 then
            None
        else
            match expTerm ts.[0], expTerm ts.[1] with
            | Some(c, a), Some(d, b) when not (Expr.isNumeric a && Expr.isNumeric b) ->
                let m = maxOf a b
                let inner = Expr.add (Expr.mul [ c; Expr.exp (Expr.sub a m) ]) (Expr.mul [ d; Expr.exp (Expr.sub b m) ])
                Some(Expr.mul [ Expr.exp m; inner ])
            | _ -> None

    let private rewriteLog (a: Expr) : Expr option =
        match a.Node with
        | Product fs ->
            let exps, rest =
                fs
                |> Array.partition (fun f ->
                    match f.Node with
                    | Apply(Function.Exp, _) -> true
                    | _ -> false)

            if exps.Length = 0 then
                None
            else
                let ms =
                    exps
                    |> Array.map (fun f ->
                        match f.Node with
                        | Apply(_, m) -> m
                        | _ -> Expr.zero)

                Some(Expr.sum (Array.append ms [| Expr.log (Expr.mul rest) |]))
        | _ -> None

    let private rewriteNode (n: Expr) (children: Expr[]) : Expr =
        match n.Node with
        | Sum _ ->
            let s = Expr.sum children

            match s.Node with
            | Sum ts ->
                match rewriteSum ts with
                | Some r -> r
                | None -> s
            | _ -> s
        | Apply(Function.Log, _) ->
            match rewriteLog children.[0] with
            | Some r -> r
            | None -> Expr.log children.[0]
        | _ ->
            let cs = Expr.children n

            if Array.forall2 (fun a b -> obj.ReferenceEquals(a, b)) cs children then
                n
            else
                Expr.rebuild n children

    /// Does any sum or logarithm in the graph have a shape the rewrite acts on? (Most expressions
    /// have none, and then they are returned as they are, at the cost of one walk.)
    let private applies (roots: Expr[]) =
        Structure.postOrder roots
        |> Array.exists (fun n ->
            match n.Node with
            | Sum ts -> ts.Length = 2 && (expTerm ts.[0]).IsSome && (expTerm ts.[1]).IsSome
            | _ -> false)

    /// The stable forms of several expressions (shared subexpressions rewritten once).
    [<CompiledName("RewriteMany")>]
    let rewriteMany (roots: Expr[]) : Expr[] =
        if not (applies roots) then
            roots
        else
            let memo = Dictionary<Expr, Expr>(HashIdentity.Reference)

            for n in Structure.postOrder roots do
                let cs = Expr.children n

                memo.[n] <-
                    if cs.Length = 0 then
                        n
                    else
                        rewriteNode n (cs |> Array.map (fun c -> memo.[c]))

            roots |> Array.map (fun r -> memo.[r])

    /// The stable form of one expression: the same value wherever it is defined, without overflow
    /// in the intermediates of sums of two exponentials (see the module comment).
    [<CompiledName("Rewrite")>]
    let rewrite (e: Expr) : Expr = (rewriteMany [| e |]).[0]
