namespace PhysGrad.Symbolic

open System.Collections.Generic

/// The opt-in heavier simplification. The smart constructors already apply every cheap sound rule;
/// this adds rewrites that can grow an expression before they shrink it (expanding products of sums,
/// integer powers of sums) or that need a search (sin² + cos² = 1), and keeps a result only when it
/// is smaller. A work budget bounds the effort: when it runs out, the best form found so far is kept.
[<RequireQualifiedAccess>]
module Simplify =

    exception private BudgetExhausted

    /// The default work budget: the number of terms expansion may create.
    [<Literal>]
    let DefaultBudget = 100_000

    type private Work(budget: int) =
        let mutable left = budget

        member _.Spend(n: int) =
            left <- left - n

            if left < 0 then
                raise BudgetExhausted

    let private termsOf (e: Expr) =
        match e.Node with
        | Sum ts -> ts
        | _ -> [| e |]

    /// Distributes products over sums and expands small positive integer powers of sums.
    let private expandWith (work: Work) (e: Expr) : Expr =
        let memo = Dictionary<Expr, Expr>(HashIdentity.Reference)

        for n in Structure.postOrder [ e ] do
            let cs = Expr.children n |> Array.map (fun c -> memo.[c])
            let rebuilt = if cs.Length = 0 then n else Expr.rebuild n cs

            let expanded =
                match rebuilt.Node with
                | Product fs when fs |> Array.exists (fun f -> (termsOf f).Length > 1) ->
                    let mutable acc = [| Expr.one |]

                    for f in fs do
                        let ts = termsOf f
                        work.Spend(acc.Length * ts.Length)

                        acc <-
                            [| for a in acc do
                                   for t in ts -> Expr.mul2 a t |]

                    Expr.sum acc
                | Power(b, x) ->
                    match b.Node, x.Node with
                    | Sum ts, Number q when q.IsInteger && q.Sign > 0 && q.Num <= System.Numerics.BigInteger(16) ->
                        let mutable acc = [| Expr.one |]

                        for _ in 1 .. int q.Num do
                            work.Spend(acc.Length * ts.Length)

                            acc <-
                                termsOf (
                                    Expr.sum
                                        [| for a in acc do
                                               for t in ts -> Expr.mul2 a t |]
                                )

                        Expr.sum acc
                    | _ -> rebuilt
                | _ -> rebuilt

            memo.[n] <- expanded

        memo.[e]

    /// Expands products of sums and integer powers of sums, within a budget of created terms; when
    /// the budget runs out the input is returned unchanged.
    [<CompiledName("Expand")>]
    let expand (budget: int) (e: Expr) =
        try
            expandWith (Work budget) e
        with BudgetExhausted ->
            e

    /// c·sin(u)² + c·cos(u)² → c inside every sum (also cosh² − sinh² = 1).
    let private pythagoras (e: Expr) : Expr =
        let square f (t: Expr) =
            match t.Node with
            | Power(b, x) when Expr.isNumeric x && obj.ReferenceEquals(x, Expr.two) ->
                match b.Node with
                | Apply(g, u) when g = f -> Some u
                | _ -> None
            | _ -> None

        let split (t: Expr) =
            match t.Node with
            | Product fs when Expr.isNumeric fs.[0] ->
                fs.[0], (if fs.Length = 2 then fs.[1] else Expr.mul (Array.tail fs))
            | _ -> Expr.one, t
        // (f, g, same sign): c·f(u)² + (±c)·g(u)² = c.
        let identities =
            [ (Function.Sin, Function.Cos, true); (Function.Cosh, Function.Sinh, false) ]

        let rewriteSum (ts: Expr[]) =
            let parts = ts |> Array.map split
            // First pair the terms up, then emit, so a partner that comes earlier in the sum is
            // dropped too.
            let partnerOf = Array.create ts.Length -1
            let matched = Array.zeroCreate ts.Length

            for i in 0 .. ts.Length - 1 do
                if partnerOf.[i] < 0 then
                    let (c, rest) = parts.[i]

                    for (f, g, sameSign) in identities do
                        match square f rest with
                        | Some u when partnerOf.[i] < 0 ->
                            let wanted = if sameSign then c else Expr.neg c

                            let j =
                                seq { 0 .. ts.Length - 1 }
                                |> Seq.tryFind (fun j ->
                                    j <> i
                                    && partnerOf.[j] < 0
                                    && obj.ReferenceEquals(fst parts.[j], wanted)
                                    && square g (snd parts.[j]) = Some u)

                            match j with
                            | Some j ->
                                partnerOf.[i] <- j
                                partnerOf.[j] <- i
                                matched.[i] <- true
                            | None -> ()
                        | _ -> ()

            Expr.sum
                [ for i in 0 .. ts.Length - 1 do
                      if matched.[i] then
                          yield fst parts.[i]
                      elif partnerOf.[i] < 0 then
                          yield ts.[i] ]

        let memo = Dictionary<Expr, Expr>(HashIdentity.Reference)

        for n in Structure.postOrder [ e ] do
            let cs = Expr.children n |> Array.map (fun c -> memo.[c])
            let rebuilt = if cs.Length = 0 then n else Expr.rebuild n cs

            memo.[n] <-
                match rebuilt.Node with
                | Sum ts -> rewriteSum ts
                | _ -> rebuilt

        memo.[e]

    /// The heavier simplification with a work budget: tries expansion and the Pythagorean identities
    /// and keeps the smallest equivalent form (by written-out size). Never changes a value where the
    /// input is defined.
    [<CompiledName("Simplify")>]
    let simplifyWith (budget: int) (e: Expr) : Expr =
        let expanded = expand budget e
        let candidates = [ e; pythagoras e; expanded; pythagoras expanded ]
        candidates |> List.minBy Structure.treeSize

    /// simplifyWith DefaultBudget.
    let simplify (e: Expr) = simplifyWith DefaultBudget e
