namespace PhysGrad.Symbolic

open System.Collections.Generic

/// The opt-in heavier simplification. The smart constructors already apply every cheap sound rule;
/// this adds rewrites that can grow an expression before they shrink it (expanding products of sums,
/// integer powers of sums) or that need a search (c·R·sin² + c·R·cos² = c·R, like terms inside
/// numeric multiples of sums), and keeps a result only when it
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
        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
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
                | _ -> rebuilt)

    /// Expands products of sums and integer powers of sums, within a budget of created terms; when
    /// the budget runs out the input is returned unchanged.
    [<CompiledName("Expand")>]
    let expand (budget: int) (e: Expr) =
        try
            expandWith (Work budget) e
        with BudgetExhausted ->
            e

    /// c·R·sin(u)² + c·R·cos(u)² → c·R inside every sum, for any common cofactor R (a product of
    /// the other factors, possibly 1, and may hold further powers of sin(u) or cos(u): sin⁴ is
    /// sin²·sin²) and numeric c; also c·R·cosh(u)² − c·R·sinh(u)² → c·R. Sound
    /// for every u and R: the identity holds pointwise, and R is kept as a factor.
    let private pythagoras (e: Expr) : Expr =
        // f(u)^n with an integer n ≥ 2 read as f(u)²·f(u)^(n−2): (u, the leftover factor or None).
        // So sin²·cos² + sin⁴ is c·R·cos² + c·R·sin² with R = sin², the common factor.
        let square f (t: Expr) =
            match t.Node with
            | Power(b, x) ->
                match b.Node, x.Node with
                | Apply(g, u), Number q when g = f && q.IsInteger && q.Num >= System.Numerics.BigInteger(2) ->
                    let left = q.Num - System.Numerics.BigInteger(2)

                    Some(
                        u,
                        if left.IsZero then None
                        elif left.IsOne then Some b
                        else Some(Expr.pow b (Expr.number (Rational.OfBig left)))
                    )
                | _ -> None
            | _ -> None

        // A term as (numeric coefficient, factors without it).
        let split (t: Expr) =
            match t.Node with
            | Product fs when Expr.isNumeric fs.[0] -> fs.[0], Array.tail fs
            | Product fs -> Expr.one, fs
            | _ -> Expr.one, [| t |]

        // Every way to read a term as c·f(u)²·R: (u, c, R) for the function f.
        let readings f (t: Expr) =
            let (c, fs) = split t

            [ for k in 0 .. fs.Length - 1 do
                  match square f fs.[k] with
                  | Some(u, leftover) ->
                      let rest =
                          Array.concat [ fs.[.. k - 1]; Option.toArray leftover; fs.[k + 1 ..] ]
                      // Rebuilt through the constructor so that equal cofactors are the same node.
                      yield u, c, (if rest.Length = 0 then Expr.one else Expr.mul rest)
                  | None -> () ]

        // (f, g, same sign): c·R·f(u)² + (±c)·R·g(u)² = c·R.
        let identities =
            [ (Function.Sin, Function.Cos, true); (Function.Cosh, Function.Sinh, false) ]

        let rewriteSum (ts: Expr[]) =
            // First pair the terms up, then emit, so a partner that comes earlier in the sum is
            // dropped too.
            let partnerOf = Array.create ts.Length -1
            let replacement: Expr option[] = Array.create ts.Length None

            for i in 0 .. ts.Length - 1 do
                for (f, g, sameSign) in identities do
                    for (u, c, rest) in readings f ts.[i] do
                        if partnerOf.[i] < 0 then
                            let wanted = if sameSign then c else Expr.neg c

                            let j =
                                seq { 0 .. ts.Length - 1 }
                                |> Seq.tryFind (fun j ->
                                    j <> i
                                    && partnerOf.[j] < 0
                                    && readings g ts.[j]
                                       |> List.exists (fun (v, d, r) ->
                                           obj.ReferenceEquals(v, u)
                                           && obj.ReferenceEquals(d, wanted)
                                           && obj.ReferenceEquals(r, rest)))

                            match j with
                            | Some j ->
                                partnerOf.[i] <- j
                                partnerOf.[j] <- i
                                replacement.[i] <- Some(Expr.mul2 c rest)
                            | None -> ()

            Expr.sum
                [ for i in 0 .. ts.Length - 1 do
                      match replacement.[i] with
                      | Some r -> yield r
                      | None when partnerOf.[i] < 0 -> yield ts.[i]
                      | None -> () ]

        let once x =
            x
            |> Structure.rewriteBottomUp (fun rebuilt ->
                match rebuilt.Node with
                | Sum ts -> rewriteSum ts
                | _ -> rebuilt)

        // A collapse can expose another (sin⁴ + sin²·cos² + cos² → sin² + cos² → 1): repeat while
        // the expression shrinks, a few rounds at most (each round removes at least one term).
        let rec repeat (x: Expr) rounds =
            let y = once x

            if rounds = 0 || obj.ReferenceEquals(x, y) then y else repeat y (rounds - 1)

        repeat e 4

    /// Collects like terms hidden in numeric multiples of sums inside a sum: a + c·(b + d) is
    /// rewritten as a + c·b + c·d, whose like terms the sum constructor merges (x0 − (x0 − x1) → x1).
    /// Kept per sum only when the result is smaller, so a sum whose terms do not merge stays factored.
    let private collect (e: Expr) : Expr =
        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
                match rebuilt.Node with
                | Sum ts when
                    ts
                    |> Array.exists (fun t ->
                        match t.Node with
                        | Product [| c; inner |] when Expr.isNumeric c && (termsOf inner).Length > 1 -> true
                        | _ -> false)
                    ->
                    let spread =
                        Expr.sum
                            [| for t in ts do
                                   match t.Node with
                                   | Product [| c; inner |] when Expr.isNumeric c && (termsOf inner).Length > 1 ->
                                       for u in termsOf inner -> Expr.mul2 c u
                                   | _ -> yield t |]

                    if Structure.treeSize spread < Structure.treeSize rebuilt then spread else rebuilt
                | _ -> rebuilt)

    /// The heavier simplification with a work budget: tries expansion and the Pythagorean identities
    /// and keeps the smallest equivalent form (by written-out size). Never changes a value where the
    /// input is defined.
    [<CompiledName("Simplify")>]
    let simplifyWith (budget: int) (e: Expr) : Expr =
        let expanded = expand budget e
        let tidy x = pythagoras (collect x)
        let candidates = [ e; pythagoras e; tidy e; expanded; pythagoras expanded; tidy expanded ]
        candidates |> List.minBy Structure.treeSize

    /// simplifyWith DefaultBudget.
    let simplify (e: Expr) = simplifyWith DefaultBudget e

    /// Is `e` ≥ 0 wherever it is defined, given that each of `facts` is ≥ 0? Sound but incomplete:
    /// non-negative numbers, the facts, even powers, square roots, abs, exp, and sums and products of
    /// non-negative parts.
    let rec private nonnegative (facts: HashSet<Expr>) (e: Expr) =
        facts.Contains e
        || match e.Node with
           | Number q -> q.Sign >= 0
           | Real x -> x >= 0.0
           | Pi -> true
           | Power(b, x) ->
               match x.Node with
               | Number q when q.IsInteger && q.Num.IsEven -> true
               | Number q when q.Den = System.Numerics.BigInteger 2 -> true
               | _ -> nonnegative facts b
           | Apply((Function.Abs | Function.Exp), _) -> true
           | Sum ts
           | Product ts -> ts |> Array.forall (nonnegative facts)
           | _ -> false

    /// The term with one factor a^k (k ≥ 2 an integer) lowered to a^(k−2), or None without one.
    let private dropSquare (a: Expr) (t: Expr) =
        let fs = match t.Node with | Product fs -> fs | _ -> [| t |]

        fs
        |> Array.tryFindIndex (fun f ->
            match f.Node with
            | Power(b, x) when obj.ReferenceEquals(b, a) ->
                match x.Node with
                | Number q -> q.IsInteger && q.Num >= System.Numerics.BigInteger 2
                | _ -> false
            | _ -> false)
        |> Option.map (fun i ->
            let lowered =
                match fs.[i].Node with
                | Power(b, x) -> Expr.pow b (Expr.sub x (Expr.ofInt 2))
                | _ -> fs.[i]

            Expr.mul (Array.concat [ fs.[.. i - 1]; [| lowered |]; fs.[i + 1 ..] ]))

    /// sqrt(a²·b)·sign(a) → a·sqrt(b) in every product, when b is non-negative given `facts`. Sound: for
    /// real a and b ≥ 0, sqrt(a²b) = |a|·sqrt(b) and |a|·sign(a) = a. Without b ≥ 0 it is not (a = 0,
    /// b < 0: 0 on the left, NaN on the right), which is why the fact is needed.
    let private squareOutOfRoot (facts: HashSet<Expr>) (e: Expr) =
        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Product fs ->
                let signs =
                    fs
                    |> Array.choose (fun f ->
                        match f.Node with
                        | Apply(Function.Sign, a) -> Some(f, a)
                        | _ -> None)

                let roots =
                    fs
                    |> Array.choose (fun f ->
                        match f.Node with
                        | Power(b, x) when obj.ReferenceEquals(x, Expr.half) -> Some(f, b)
                        | _ -> None)

                let rewrite =
                    seq {
                        for (s, a) in signs do
                            for (r, radicand) in roots do
                                let terms = match radicand.Node with | Sum ts -> ts | _ -> [| radicand |]
                                let lowered = terms |> Array.map (dropSquare a)

                                if lowered |> Array.forall Option.isSome then
                                    let b = Expr.sum (lowered |> Array.map Option.get)

                                    if nonnegative facts b then
                                        yield s, r, Expr.mul2 a (Expr.pow b Expr.half)
                    }
                    |> Seq.tryHead

                match rewrite with
                | Some(s, r, replacement) ->
                    let rest = fs |> Array.filter (fun f -> not (obj.ReferenceEquals(f, s) || obj.ReferenceEquals(f, r)))
                    Expr.mul (Array.append rest [| replacement |])
                | None -> n
            | _ -> n)

    /// A sum whose terms share non-numeric factors written with them factored out
    /// (x1·sqrt(1 − η) − x1 → x1·(sqrt(1 − η) − 1)). Same value wherever the sum is defined.
    let private factorCommon (e: Expr) =
        let factors (t: Expr) =
            match t.Node with
            | Product fs -> fs |> Array.filter (Expr.isNumeric >> not)
            | _ -> if Expr.isNumeric t then [||] else [| t |]

        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Sum ts ->
                let common =
                    (factors ts.[0])
                    |> Array.filter (fun f -> ts |> Array.forall (fun t -> factors t |> Array.exists (fun g -> obj.ReferenceEquals(f, g))))

                if common.Length = 0 then
                    n
                else
                    let inverse = Expr.pow (Expr.mul common) Expr.minusOne
                    let factored = Expr.mul2 (Expr.mul common) (Expr.sum (ts |> Array.map (fun t -> Expr.mul2 t inverse)))
                    if Structure.treeSize factored < Structure.treeSize n then factored else n
            | _ -> n)

    /// `simplify`, also using that each of `nonnegatives` is ≥ 0 (e.g. η and 1 − η for a step size in
    /// [0, 1]): sqrt(a²·b)·sign(a) becomes a·sqrt(b) when b is non-negative by those facts, and common
    /// factors of a sum are taken out when that is smaller. The result equals the input wherever the
    /// input is defined and the facts hold.
    [<CompiledName("SimplifyAssuming")>]
    let simplifyAssuming (nonnegatives: Expr[]) (e: Expr) =
        let facts = HashSet<Expr>(nonnegatives, HashIdentity.Reference)
        let s = simplify e
        let rooted = squareOutOfRoot facts s

        if obj.ReferenceEquals(rooted, s) then
            s
        else
            [ simplify rooted; factorCommon (simplify rooted) ] |> List.minBy Structure.treeSize
