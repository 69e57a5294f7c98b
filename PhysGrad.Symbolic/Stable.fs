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

    /// sinh(u)^p·cosh(u)^q with p > 0 > q, in a product: tanh(u)^k·sinh(u)^(p−k)·cosh(u)^(q+k) with
    /// k = min(p, −q), integers only. An identity (cosh u ≥ 1 never vanishes) that replaces the ∞/∞
    /// of sinh/cosh at |u| > 710 by tanh, which is finite (the derivatives of log cosh, tanh written
    /// as a ratio, sech).
    let private hyperbolicPairs (fs: Expr[]) : (Expr * int * int) list =
        let exponent (f: Expr) =
            match f.Node with
            | Power(b, x) ->
                match b.Node, x.Node with
                | Apply((Function.Sinh | Function.Cosh) as g, u), Number q when q.IsInteger && abs (float q.Num) < 64.0 ->
                    Some(g, u, int q.Num)
                | _ -> None
            | Apply((Function.Sinh | Function.Cosh) as g, u) -> Some(g, u, 1)
            | _ -> None

        let parts = fs |> Array.choose exponent

        [ for (g, u, p) in parts do
              if g = Function.Sinh && p > 0 then
                  match parts |> Array.tryFind (fun (h, v, q) -> h = Function.Cosh && obj.ReferenceEquals(u, v) && q < 0) with
                  | Some(_, _, q) -> yield (u, p, q)
                  | None -> () ]

    let private rewriteProduct (product: Expr) : Expr =
        match product.Node with
        | Product fs ->
            match hyperbolicPairs fs with
            | [] -> product
            | pairs ->
                let touched = HashSet<Expr>(pairs |> List.map (fun (u, _, _) -> u), HashIdentity.Reference)

                let rest =
                    fs
                    |> Array.filter (fun f ->
                        let b =
                            match f.Node with
                            | Power(b, _) -> b
                            | _ -> f

                        match b.Node with
                        | Apply((Function.Sinh | Function.Cosh), u) -> not (touched.Contains u)
                        | _ -> true)

                let replaced =
                    [ for (u, p, q) in pairs do
                          let k = min p -q
                          yield Expr.pow (Expr.tanh u) (Expr.ofInt k)
                          yield Expr.pow (Expr.sinh u) (Expr.ofInt (p - k))
                          yield Expr.pow (Expr.cosh u) (Expr.ofInt (q + k)) ]

                Expr.mul (Array.append rest (Array.ofList replaced))
        | _ -> product

    let private rewriteNode (n: Expr) (children: Expr[]) : Expr =
        match n.Node with
        | Product _ -> rewriteProduct (Expr.mul children)
        | Apply(Function.Log, _) when (match children.[0].Node with
                                       | Apply(Function.Cosh, _) -> true
                                       | _ -> false) ->
            // log cosh u = |u| + log(1 + exp(−2|u|)) − log 2: cosh overflows at |u| > 710, this does not.
            match children.[0].Node with
            | Apply(_, u) ->
                let a = Expr.abs u
                Expr.sum [ a; Expr.log (Expr.add Expr.one (Expr.exp (Expr.mul [ Expr.ofInt -2; a ]))); Expr.neg (Expr.log Expr.two) ]
            | _ -> Expr.log children.[0]
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
            | Apply(Function.Log, a) ->
                match a.Node with
                | Apply(Function.Cosh, _) -> true
                | _ -> false
            | Product fs -> not (List.isEmpty (hyperbolicPairs fs))
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
