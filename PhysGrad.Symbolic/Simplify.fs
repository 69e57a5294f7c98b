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

    /// What expanding each node cost and gave, kept across expansions (ExpansionMemo): a node's expanded
    /// image and the terms its own product or power created are functions of the node alone, so a rule's
    /// steps, which share their Hessian's parts, multiply each shared product of sums out once.
    type internal ExpansionMemo() =
        /// Node → its expanded image (children's images in).
        member val Images = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        /// Node → the terms its own rewrite creates: exact where its image is known, else a lower bound (what
        /// it had spent when a budget ran out inside it).
        member val Spent = Dictionary<Expr, int64>(ExprIdentity.comparer)

    /// The image of one node whose children are expanded (`rebuilt`), spending through `spend` the terms it
    /// creates: products distributed over sums, small positive integer powers of sums multiplied out.
    let private expandNode (spend: int -> unit) (rebuilt: Expr) : Expr =
        match rebuilt.Node with
        | Product fs when fs |> Array.exists (fun f -> (termsOf f).Length > 1) ->
            let mutable acc = [| Expr.one |]

            for f in fs do
                let ts = termsOf f
                spend (acc.Length * ts.Length)

                acc <-
                    [| for a in acc do
                           for t in ts -> Expr.mul2 a t |]

            Expr.sum acc
        | Power(b, x) ->
            match b.Node, x.Node with
            | Sum ts, Number q when q.IsInteger && q.Sign > 0 && q.Num <= System.Numerics.BigInteger(16) ->
                let mutable acc = [| Expr.one |]

                for _ in 1 .. int q.Num do
                    spend (acc.Length * ts.Length)

                    acc <-
                        termsOf (
                            Expr.sum
                                [| for a in acc do
                                       for t in ts -> Expr.mul2 a t |]
                        )

                Expr.sum acc
            | _ -> rebuilt
        | _ -> rebuilt

    /// Distributes products over sums and expands small positive integer powers of sums (the straightforward
    /// pass: every node of `e` rewritten bottom-up, one budget for all).
    let private expandWith (work: Work) (e: Expr) : Expr =
        e |> Structure.rewriteBottomUp (expandNode work.Spend)

    /// `expand budget e` through a memo shared with other expansions: the same result (the budget runs out
    /// exactly when the terms all of e's nodes create, each counted once, exceed it, and each node's image
    /// and count are its own), but a node already expanded for another root is not expanded again, and where
    /// the counts already known for e's nodes exceed the budget, e is returned at once.
    let internal expandShared (memo: ExpansionMemo) (budget: int) (e: Expr) : Expr =
        let nodes = Structure.postOrder [ e ]
        let mutable known = 0L

        for n in nodes do
            match memo.Spent.TryGetValue n with
            | true, s -> known <- known + s
            | _ -> ()

        if known > int64 budget then
            e
        else
            let mutable left = int64 budget
            let mutable exhausted = false
            let mutable i = 0

            while not exhausted && i < nodes.Length do
                let n = nodes.[i]

                match memo.Images.TryGetValue n with
                | true, _ ->
                    left <- left - memo.Spent.[n]
                    exhausted <- left < 0L
                | _ ->
                    let mutable own = 0L

                    let spend (k: int) =
                        own <- own + int64 k

                        if left - own < 0L then
                            raise BudgetExhausted

                    let cs = Expr.children n
                    let rebuilt = if cs.Length = 0 then n else Expr.rebuild n (cs |> Array.map (fun c -> memo.Images.[c]))

                    try
                        let image = expandNode spend rebuilt
                        memo.Images.[n] <- image
                        memo.Spent.[n] <- own
                        left <- left - own
                    with
                    | BudgetExhausted ->
                        memo.Spent.[n] <- max own (match memo.Spent.TryGetValue n with | true, s -> s | _ -> 0L)
                        exhausted <- true
                    // Multiplying out can fold constants the written form keeps apart (2*10^390 beside
                    // 1E+50 in -2*10^390*eta*x0*(x0^2 - 1E+50), one double beyond ±1.8E+308): then e has no
                    // expanded form in doubles, and is left as written. Counted as over any budget, so that an
                    // expression holding this node is left at once too.
                    | :? SymbolicException as ex when ex.Kind = ErrorKind.NonFinite ->
                        memo.Spent.[n] <- int64 System.Int32.MaxValue
                        exhausted <- true

                i <- i + 1

            if exhausted then e else memo.Images.[e]

    /// Expands products of sums and integer powers of sums, within a budget of created terms; when
    /// the budget runs out the input is returned unchanged, and so it is when multiplying out folds
    /// constants beyond doubles (as expandShared: 1E+200·(1E+200·x1 − 1) has no expanded form in doubles).
    [<CompiledName("Expand")>]
    let expand (budget: int) (e: Expr) =
        try
            expandWith (Work budget) e
        with
        | BudgetExhausted -> e
        | :? SymbolicException as ex when ex.Kind = ErrorKind.NonFinite -> e

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

        // (u, c, R) readings compared by node identity (the constructor interns equal nodes).
        let readingComparer =
            { new IEqualityComparer<struct (Expr * Expr * Expr)> with
                member _.Equals(struct (a, b, c), struct (d, e, f)) =
                    obj.ReferenceEquals(a, d) && obj.ReferenceEquals(b, e) && obj.ReferenceEquals(c, f)

                member _.GetHashCode(struct (a, b, c)) = System.HashCode.Combine(a.Hash, b.Hash, c.Hash) }

        let rewriteSum (ts: Expr[]) =
            // First pair the terms up, then emit, so a partner that comes earlier in the sum is
            // dropped too.
            let partnerOf = Array.create ts.Length -1
            let replacement: Expr option[] = Array.create ts.Length None

            // For each identity, the terms read as g(v)²·d·R, by (v, d, R), in index order: computed once, so
            // that pairing a sum of n terms costs n lookups, not n² re-readings (a Newton rule of a random
            // three-variable simulator, sums of thousands of terms, spent over 40 minutes here).
            let partners =
                identities
                |> List.map (fun (_, g, _) ->
                    let index = Dictionary<struct (Expr * Expr * Expr), ResizeArray<int>>(readingComparer)

                    for j in 0 .. ts.Length - 1 do
                        for (v, d, r) in readings g ts.[j] do
                            match index.TryGetValue(struct (v, d, r)) with
                            | true, js -> if js.[js.Count - 1] <> j then js.Add j
                            | _ -> index.[struct (v, d, r)] <- ResizeArray [ j ]

                    index)

            for i in 0 .. ts.Length - 1 do
                for ((f, _, sameSign), index) in List.zip identities partners do
                    for (u, c, rest) in readings f ts.[i] do
                        if partnerOf.[i] < 0 then
                            let wanted = if sameSign then c else Expr.neg c

                            let j =
                                match index.TryGetValue(struct (u, wanted, rest)) with
                                | true, js -> js |> Seq.tryFind (fun j -> j <> i && partnerOf.[j] < 0)
                                | _ -> None

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

    /// The exact coefficient of a sum's term (1 for a term without one), or None for a floating one:
    /// content is taken only over exact coefficients, a floating term keeps its sum as it is.
    let private exactCoefficient (t: Expr) =
        match t.Node with
        | Number q -> Some q
        | Real _ -> None
        | Product fs ->
            match fs.[0].Node with
            | Number q -> Some q
            | Real _ -> None
            | _ -> Some Rational.One
        | _ -> Some Rational.One

    /// The content of a sum with exact coefficients: (g, d, negative) where g is the gcd of the
    /// coefficients' numerators, d the lcm of their denominators and negative says every term is
    /// written with a minus; None when a coefficient is floating. The sum is (±g/d)·S' with S' having
    /// coprime integer coefficients.
    let private contentOf (ts: Expr[]) =
        let qs = ts |> Array.map exactCoefficient

        if qs |> Array.exists Option.isNone then
            None
        else
            let qs = qs |> Array.map Option.get
            let struct (g, d) = Rational.Content qs
            if g.IsZero then None else Some(g, d, qs |> Array.forall (fun q -> q.Sign < 0))

    /// A factor that is a sum with exact coefficients, or an integer power of one (|n| ≤ 64): its
    /// terms, the exponent and the sum's content (contentOf).
    let private sumFactor (f: Expr) =
        let parts (ts: Expr[]) (n: System.Numerics.BigInteger) =
            contentOf ts |> Option.map (fun c -> ts, n, c)

        match f.Node with
        | Sum ts -> parts ts System.Numerics.BigInteger.One
        | Power(b, x) ->
            match b.Node, x.Node with
            | Sum ts, Number q when q.IsInteger && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 ->
                parts ts q.Num
            | _ -> None
        | _ -> None

    /// The nodes the numeric coefficients add when written out (c·a is 2 nodes more than a, c·a·b
    /// one more than a·b), counted over a product's own coefficient and its sum factors' terms: the
    /// only nodes in which the forms cancelContent compares differ. Shallow, so that comparing costs
    /// nothing like Structure.treeSize of large factors at every product.
    let private coefficientNodes (n: Expr) =
        let cost (t: Expr) =
            match t.Node with
            | Product fs when Expr.isNumeric fs.[0] -> if fs.Length = 2 then 2 else 1
            | _ -> 0

        let sumCost (f: Expr) =
            let f = match f.Node with | Power(b, _) -> b | _ -> f
            match f.Node with
            | Sum ts -> Array.sumBy cost ts
            | _ -> 0

        match n.Node with
        | Product fs -> cost n + Array.sumBy sumCost fs
        | _ -> cost n + sumCost n

    /// The forms of a product (its factors `fs`) with the content of every sum factor taken out:
    /// each sum S^n written (k·S')^n, S' with coprime integer coefficients and a positive term (the
    /// sign of an all-negative sum goes to k), and the k^n joined with the product's exact
    /// coefficient p/q, where they cancel. Two ways to write p/q: as the coefficient, or |p| put
    /// back into a numerator sum and q into a denominator sum (each a first power), which keeps
    /// 4·x + 6·y as it is where 2·(2·x + 3·y) would be larger. With `whole` the fractional content
    /// goes too (x/2 + y/2 = (x + y)/2); without, only the integer gcd. Empty when the product has
    /// no sum factor with content other than 1 or a floating coefficient.
    ///
    /// `limit` is the largest denominator of a fractional content taken out (0: the integer gcd only;
    /// contentForms' whole is 1000). With `small`, a form is kept only when the coefficient it leaves has
    /// numerator and denominator below 10^6: then the contents of a quotient's sums cancel each other
    /// (2E-05·(3.14159·x0² − 2)/(0.0001884954·x0² − 4E-05) is −(314159·x0² − 200000)/(942477·x0² − 200000))
    /// at any denominator, while a lone 2.5e-20·x1 − 2 keeps its sum.
    let private contentFormsWithin (limit: System.Numerics.BigInteger) (small: bool) (fs: Expr[]) =
        let coefficient, rest =
            match fs.[0].Node with
            | Number q -> q, Array.tail fs
            | _ -> Rational.One, fs

        // A fractional content only with a small denominator: 2.5e-20·x1 − 2 read exactly has content
        // 1/(4·10^19), and taking it out wrote x1 − 8E+19 beside a coefficient of 6.25E-40.
        let contentOfFactor (ts: Expr[], n, (g, d, negative)) =
            let k = Rational.Create(g, (if d <= limit then d else System.Numerics.BigInteger.One))
            ts, n, (if negative then -k else k)

        let factors = rest |> Array.map (fun f -> f, sumFactor f |> Option.map contentOfFactor)

        let powers =
            factors
            |> Array.choose (fun (_, parts) ->
                parts |> Option.bind (fun (_, n, k) -> if k = Rational.One then None else k.TryPow(n, Expr.MaxExactBits)))

        match fs.[0].Node with
        | Real _ -> []
        | _ when powers.Length = 0 || powers.Length < (factors |> Array.filter (snd >> Option.exists (fun (_, _, k) -> k <> Rational.One))).Length -> []
        | _ when
            small
            && (let k = Array.fold (*) coefficient powers
                System.Numerics.BigInteger.Abs k.Num >= System.Numerics.BigInteger 1000000
                || k.Den >= System.Numerics.BigInteger 1000000)
            ->
            []
        | _ ->
            let k = Array.fold (*) coefficient powers

            let primitive (ts: Expr[]) (scale: Rational) =
                Expr.sum (ts |> Array.map (Expr.mul2 (Expr.number scale)))

            let build (push: bool) =
                let mutable numerator = if push then Rational.OfBig(System.Numerics.BigInteger.Abs k.Num) else Rational.One
                let mutable denominator = if push then Rational.OfBig k.Den else Rational.One

                let written =
                    factors
                    |> Array.map (fun (f, parts) ->
                        match parts with
                        | Some(ts, n, c) ->
                            let scale =
                                if n.IsOne && numerator <> Rational.One then
                                    let s = numerator
                                    numerator <- Rational.One
                                    s / c
                                elif n = System.Numerics.BigInteger.MinusOne && denominator <> Rational.One then
                                    let s = denominator
                                    denominator <- Rational.One
                                    s / c
                                else
                                    Rational.One / c

                            Expr.pow (primitive ts scale) (Expr.number (Rational.OfBig n))
                        | None -> f)

                // What was not put into a sum stays in the coefficient.
                let left = k / (if push then Rational.OfBig(System.Numerics.BigInteger.Abs k.Num) / Rational.OfBig k.Den else Rational.One) * numerator / denominator
                Expr.mul (Array.append [| Expr.number left |] written)

            [ build false; build true ]

    /// The forms of a product with the integer content (whole = false) or also a fractional content
    /// with denominator ≤ 1000 (whole = true) of its sum factors taken out (contentFormsWithin).
    let private contentForms (whole: bool) (fs: Expr[]) =
        contentFormsWithin (if whole then System.Numerics.BigInteger 1000 else System.Numerics.BigInteger.Zero) false fs

    /// Has a product (its factors) an integer factor common to what it writes above and below the
    /// line: the numerator of its coefficient and the integer contents of its sums (first powers
    /// and up) against the coefficient's denominator and the contents of its sums raised to
    /// negative powers?
    let private commonInteger (fs: Expr[]) =
        let mutable above = System.Numerics.BigInteger.One
        let mutable below = System.Numerics.BigInteger.One

        for f in fs do
            match f.Node with
            | Number q ->
                above <- above * System.Numerics.BigInteger.Abs q.Num
                below <- below * q.Den
            | _ ->
                match sumFactor f with
                | Some(_, n, (g, _, _)) when n.Sign > 0 -> above <- above * System.Numerics.BigInteger.Pow(g, int n)
                | Some(_, n, (g, _, _)) -> below <- below * System.Numerics.BigInteger.Pow(g, int (-n))
                | None -> ()

        not (System.Numerics.BigInteger.GreatestCommonDivisor(above, below)).IsOne

    /// Cancels the integer content of a quotient's numerator and denominator, across products and
    /// integer powers: `-2*eta*x0*(x0^2 - ys0)/(6*x0^2 - 2*ys0)` becomes
    /// `-eta*x0*(x0^2 - ys0)/(3*x0^2 - ys0)` and `eta*(10*x3 - 10*x2^2)/10` becomes `eta*(x3 - x2^2)`.
    /// The content of a sum is the gcd of its terms' integer coefficients (contentForms); a product
    /// is rewritten to the smallest of its content forms when that is no larger, and always when it
    /// writes a common integer above and below the line. Only exact coefficients: a sum with a
    /// floating term or a product with a floating coefficient is left alone. Exact: k·S' = S for
    /// every value of the symbols, so the value is unchanged wherever the input is defined.
    /// Top-level sums and the sums inside functions are not factored.
    let private cancelContentWith (always: bool) (e: Expr) : Expr =
        // `original` with the factors `fs` (a product's, or one power's) in its best content form.
        let rewrite (original: Expr) (fs: Expr[]) =
            if not (fs |> Array.exists (sumFactor >> Option.isSome)) then
                original
            else
                // The coefficient form first: on a tie it wins (10000·(2·x1² − 2·x2 + 1), not
                // the 10000 spread over the sum). Put back into the sums only to cancel.
                let common = commonInteger fs
                let pick (forms: Expr list) = if common then forms else List.truncate 1 forms

                // The whole content first when it cancels to a small coefficient: on a tie a quotient's sums
                // are written with coprime integer coefficients (−(7·x0² − 20)/(21·x0² − 20), not
                // −(0.7·x0² − 2)/(5·(0.42·x0² − 0.4)), where only the integer gcd 7 was taken out).
                let cancelled = contentFormsWithin (System.Numerics.BigInteger 1000000000000L) true fs |> List.truncate 1

                match cancelled @ pick (contentForms false fs) @ pick (contentForms true fs) with
                | [] -> original
                | forms ->
                    let best = forms |> List.minBy coefficientNodes

                    if always || common || coefficientNodes best <= coefficientNodes original then best else original

        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
            match rebuilt.Node with
            | Product fs -> rewrite rebuilt fs
            // A power of a sum is rewritten as k^n·S'^n where it is a term of a sum (so that
            // ((10·a)² + 100·b)²/10000 becomes ((a² + b)²) and inside products; not alone, where
            // the k^n would meet a floating coefficient of the product around it in rounded
            // arithmetic.
            | Sum ts when ts |> Array.exists (fun t -> match t.Node with | Power _ -> true | _ -> false) ->
                let terms = ts |> Array.map (fun t -> match t.Node with | Power _ -> rewrite t [| t |] | _ -> t)
                if Array.forall2 (fun a b -> obj.ReferenceEquals(a, b)) ts terms then rebuilt else Expr.sum terms
            | _ -> rebuilt)

    /// Content taken out of every product (the normal form: 10000·(2·x1² − 2·x2 + 1) inside
    /// t·10000·(…) lets a later product cancel it) when the whole is then no larger; otherwise taken
    /// out only where each product alone gets no larger or writes a common integer. A product's own
    /// choice misses cancellations further up, and the normal form alone can add a coefficient
    /// node (η·(4·x + 6·y) → 2·η·(2·x + 3·y)); the two together keep rules from growing.
    let private cancelContent (e: Expr) : Expr =
        let normal = cancelContentWith true e

        if obj.ReferenceEquals(normal, e) || Structure.treeSize normal <= Structure.treeSize e then
            normal
        else
            cancelContentWith false e

    /// A factor as its base and integer exponent (x0^2 → (x0, 2), k → (k, 1)), or None for a number or a
    /// power whose exponent is not an integer.
    let private basePower (f: Expr) =
        match f.Node with
        | Number _
        | Real _ -> None
        | Power(b, x) ->
            match x.Node with
            | Number q when q.IsInteger && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 -> Some(b, int q.Num)
            | _ -> None
        | _ -> Some(f, 1)

    /// The monomial content of a sum: each base that is a factor of every term with a positive integer
    /// exponent, with the least such exponent (x0^2·t + 3·x0^4 → [x0, 2]). Empty when there is none.
    let private monomialContent (ts: Expr[]) =
        let powersOf (t: Expr) =
            (match t.Node with
             | Product fs -> fs
             | _ -> [| t |])
            |> Array.choose basePower
            |> Array.filter (fun (_, k) -> k > 0)

        let first = powersOf ts.[0]

        first
        |> Array.choose (fun (b, k) ->
            let least =
                ts
                |> Array.fold
                    (fun (m: int option) t ->
                        m
                        |> Option.bind (fun m ->
                            powersOf t
                            |> Array.tryFind (fun (c, _) -> obj.ReferenceEquals(c, b))
                            |> Option.map (fun (_, j) -> min m j)))
                    (Some k)

            least |> Option.map (fun m -> b, m))

    /// The work budget of one product in cancelCommonFactors, in term operations (Polynomial.Work).
    [<Literal>]
    let private GcdBudget = 200_000L

    /// The work budget of one cancelCommonFactors over a whole expression: a large graph has many
    /// products with sums on both sides, and past this the rest keep their form.
    [<Literal>]
    let private TotalGcdBudget = 2_000_000L

    /// Cancels the greatest common divisor of a quotient's numerator and denominator where both are
    /// polynomials: (x^2 - 1)/(x - 1) is x + 1, (x*y + x)/(y + 1) is x, and Gauss–Newton's
    /// -eta*(x0 + (x0 - 1)*x1^2 - 1)/(x1^2 + 1) is -eta*(x0 - 1). In each product, every sum factor S^k
    /// above the line (k > 0) is paired with every one below it (k < 0), each read as a polynomial in its
    /// atoms (Polynomial: symbols, and anything not a sum, product, number or positive integer power, such
    /// as sin(x) or a floating constant, taken as an opaque indeterminate); where a pair has a gcd g of
    /// positive degree both are divided by it exactly and g^(k + k') is kept, until no pair has one. A
    /// monomial gcd is left to cancelMonomials, which keeps the sums as written. The other factors stay as
    /// written, a sum divided is written out expanded, and the product is rewritten only when that is no
    /// larger. Cheap where there is nothing to cancel: each pair is first screened (Polynomial.monomialGcd:
    /// images modulo a prime, a proof, never a guess; pairs with no atom in common; kept per pair of
    /// interned sums), and a product whose every pair the screen proves to have a monomial gcd is left as
    /// it is without reading a sum as a polynomial (the periodic map's rules at n = 10 simplify in about
    /// main's time, where the exact gcd alone took 17–18×; BENCHMARKS.md). Bounded: past the polynomial
    /// caps (Polynomial.MaxTerms, MaxDegree, MaxAtoms) or GcdBudget a product is left alone, and past
    /// TotalGcdBudget every product after it. Same value wherever the input is defined: the divisions are
    /// exact polynomial identities, true for any values of the atoms, and g ≠ 0 wherever the input's
    /// denominator is not 0.
    let private cancelCommonFactors (e: Expr) : Expr =
        let sumPower (f: Expr) =
            match f.Node with
            | Sum _ -> Some(f, 1)
            | Power(b, x) ->
                match b.Node, x.Node with
                | Sum _, Number q when q.IsInteger && not q.IsZero && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 ->
                    Some(b, int q.Num)
                | _ -> None
            | _ -> None

        let mutable remaining = TotalGcdBudget

        let rewrite (original: Expr) (fs: Expr[]) =
            let sums = fs |> Array.choose sumPower

            // The pairs of a sum above the line and one below it that the modular screen proves to have a
            // monomial gcd (nothing for the exact gcd to find): where that is every pair, as in most products
            // of large rules, the product is left as it is without reading any sum as a polynomial.
            let pairs =
                [ for i in 0 .. sums.Length - 1 do
                      for j in 0 .. sums.Length - 1 do
                          if snd sums.[i] > 0 && snd sums.[j] < 0 then
                              yield i, j ]

            let screened =
                if remaining <= 0L then [] else pairs |> List.filter (fun (i, j) -> Polynomial.monomialGcd (fst sums.[i]) (fst sums.[j]))

            if remaining <= 0L || screened.Length = pairs.Length then
                original
            else
                let given = min GcdBudget remaining
                let w = Polynomial.Work given

                try
                    try
                        let atoms = Polynomial.Atoms()

                        for (b, _) in sums do
                            Polynomial.collectAtoms atoms b

                        // Each sum factor: its polynomial, exponent, and its written form while it is unchanged.
                        let entries = ResizeArray(sums |> Array.map (fun (b, k) -> Polynomial.ofExpr w atoms b, k, Some b))
                        // Each entry's number, new with each change: the pairs already found coprime by number.
                        let ids = ResizeArray [ 0 .. entries.Count - 1 ]
                        let mutable nextId = entries.Count
                        let coprime = HashSet<int * int>(screened)
                        let mutable found = true

                        while found do
                            found <- false

                            let pair =
                                seq {
                                    for i in 0 .. entries.Count - 1 do
                                        for j in 0 .. entries.Count - 1 do
                                            let (p, k, _), (q, l, _) = entries.[i], entries.[j]

                                            if k > 0 && l < 0 && not (Polynomial.isConstant p) && not (Polynomial.isConstant q)
                                               && not (coprime.Contains((ids.[i], ids.[j]))) then
                                                let g = Polynomial.gcd w p q

                                                // A monomial gcd is cancelMonomials' (which keeps the sums as written).
                                                if g.Length = 1 then
                                                    coprime.Add((ids.[i], ids.[j])) |> ignore
                                                else
                                                    yield i, j, g
                                }
                                |> Seq.tryHead

                            match pair with
                            | Some(i, j, g) ->
                                let divided index =
                                    let (p, k, _) = entries.[index]

                                    match Polynomial.tryDivide w p g with
                                    | Some d -> d, k, None
                                    | None -> raise Polynomial.TooLarge

                                let k, l = (let (_, k, _) = entries.[i] in k), (let (_, l, _) = entries.[j] in l)
                                entries.[i] <- divided i
                                entries.[j] <- divided j
                                ids.[i] <- nextId
                                ids.[j] <- nextId + 1
                                nextId <- nextId + 2

                                if k + l <> 0 then
                                    entries.Add((g, k + l, None))
                                    ids.Add nextId
                                    nextId <- nextId + 1

                                found <- true
                            | None -> ()

                        if entries |> Seq.forall (fun (_, _, written) -> written.IsSome) then
                            original
                        else
                            let others = fs |> Array.filter (sumPower >> Option.isNone)

                            let rewritten =
                                Expr.mul
                                    [ yield! others
                                      for (p, k, written) in entries ->
                                          let b = match written with | Some b -> b | None -> Polynomial.toExpr atoms p
                                          Expr.pow b (Expr.ofInt k) ]

                            if Structure.treeSize rewritten <= Structure.treeSize original then rewritten else original
                    with Polynomial.TooLarge ->
                        original
                finally
                    remaining <- remaining - (given - max 0L w.Left)

        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
            match rebuilt.Node with
            | Product fs -> rewrite rebuilt fs
            | _ -> rebuilt)

    /// Cancels monomial factors common to a quotient's numerator and denominator:
    /// `-eta*k*t1*x0/(k*t1 + 2*k^2*x0^2)` becomes `-eta*t1*x0/(t1 + 2*k*x0^2)`. A base b (a symbol, a
    /// function, a sum) is taken out of a product's sum factors S^n (n an integer) when it is a factor of
    /// every term of one of them and the product also has b on the other side of the line (as a factor
    /// of its own or of a sum on that side); the product constructor then merges the powers of b. Same
    /// value wherever the input is defined: S = b^m·S' where S is, and b^m/b^m = 1 where b ≠ 0; where
    /// b = 0 the input was 0/0, undefined.
    let private cancelMonomials (e: Expr) : Expr =
        let rewrite (original: Expr) (fs: Expr[]) =
            let sums =
                fs
                |> Array.choose (fun f ->
                    match f.Node with
                    | Sum ts -> Some(f, ts, 1)
                    | Power(b, x) ->
                        match b.Node, x.Node with
                        | Sum ts, Number q when q.IsInteger && not q.IsZero && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 ->
                            Some(f, ts, int q.Num)
                        | _ -> None
                    | _ -> None)

            if sums.Length = 0 || sums |> Array.forall (fun (_, _, n) -> n > 0) then
                original
            else
                let contents = sums |> Array.map (fun (f, ts, n) -> f, ts, n, monomialContent ts)
                // How many factors b the product writes above the line and below it.
                let sides (b: Expr) =
                    let mutable above = 0
                    let mutable below = 0

                    for f in fs do
                        match basePower f with
                        | Some(c, k) when obj.ReferenceEquals(c, b) -> if k > 0 then above <- above + k else below <- below - k
                        | _ -> ()

                    for (_, _, n, content) in contents do
                        for (c, m) in content do
                            if obj.ReferenceEquals(c, b) then
                                if n > 0 then above <- above + n * m else below <- below - n * m

                    above, below

                let cancelling =
                    contents
                    |> Array.collect (fun (_, _, _, content) -> Array.map fst content)
                    |> Array.distinct
                    |> Array.filter (fun b ->
                        let above, below = sides b
                        above > 0 && below > 0)

                if cancelling.Length = 0 then
                    original
                else
                    let isCancelling (b: Expr) = cancelling |> Array.exists (fun c -> obj.ReferenceEquals(b, c))

                    let written =
                        fs
                        |> Array.collect (fun f ->
                            match contents |> Array.tryFind (fun (g, _, _, _) -> obj.ReferenceEquals(f, g)) with
                            | Some(_, ts, n, content) ->
                                let taken = content |> Array.filter (fst >> isCancelling)

                                if taken.Length = 0 then
                                    [| f |]
                                else
                                    let monomial = Expr.mul [ for (b, m) in taken -> Expr.pow b (Expr.ofInt m) ]
                                    let inverse = Expr.pow monomial Expr.minusOne
                                    let rest = Expr.sum (ts |> Array.map (fun t -> Expr.mul2 t inverse))
                                    [| Expr.pow monomial (Expr.ofInt n); Expr.pow rest (Expr.ofInt n) |]
                            | None -> [| f |])

                    Expr.mul written

        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
            match rebuilt.Node with
            | Product fs -> rewrite rebuilt fs
            | _ -> rebuilt)

    /// A product's or a term's factors (any other expression is its own single factor).
    let private factorsOfTerm (t: Expr) =
        match t.Node with
        | Product fs -> fs
        | _ -> [| t |]

    /// The exponential factor of a term (the product constructor merges exp(a)·exp(b) into exp(a + b), so a
    /// term has at most one), or None.
    let private expFactor (t: Expr) =
        factorsOfTerm t
        |> Array.tryPick (fun f ->
            match f.Node with
            | Apply(Function.Exp, u) -> Some u
            | _ -> None)

    /// Does `e` hold an exponential anywhere?
    let private holdsExp (e: Expr) =
        Structure.postOrder [ e ]
        |> Array.exists (fun n ->
            match n.Node with
            | Apply(Function.Exp, _) -> true
            | _ -> false)

    /// Does a term divide by a sum that holds an exponential (t2·exp(2·x0)/(exp(x0) + 1)²)? Such a term is a
    /// ratio of exponentials that the stable form (Stable.rewrite) evaluates as exp(a − m)/(…): its exp
    /// factor is what keeps it from underflowing there, so cancelExp leaves it.
    let private dividesBySumOfExp (t: Expr) =
        factorsOfTerm t
        |> Array.exists (fun f ->
            match f.Node with
            | Power(b, x) ->
                match b.Node, x.Node with
                | Sum _, Number q when q.Sign < 0 -> holdsExp b
                | _ -> false
            | _ -> false)

    /// The exponents of a sum's exponential factors, each once, when every term of the sum has one and none
    /// divides by a sum of exponentials (dividesBySumOfExp: the softplus Newton rule's stable form needs those
    /// as they are); None otherwise.
    let private expExponents (s: Expr) =
        match s.Node with
        | Sum ts when ts |> Array.forall (dividesBySumOfExp >> not) ->
            let us = ts |> Array.map expFactor
            if us |> Array.forall Option.isSome then Some(us |> Array.choose id |> Array.distinct) else None
        | _ -> None

    /// The S' of a sum S written exp(w)·S', S' = Σ t·exp(−w): exp(x1)·(exp(x1) − ys1) + exp(2·x1) is
    /// exp(x1)·(2·exp(x1) − ys1) with w = x1. The same value for every real w.
    let private expRest (s: Expr) (w: Expr) =
        let scale = Expr.exp (Expr.neg w)
        Expr.sum (termsOf s |> Array.map (fun t -> Expr.mul2 t scale))

    /// Takes a common exponential out of each sum whose every term has one (expExponents), as exp(w)·S' with w
    /// one of the terms' exponents, and cancels it against the exponentials around the sum: in a product, each
    /// sum factor S^n (n an integer) is S'^n·exp(n·w), where w may also be the one that cancels the product's own
    /// exponential (exp(u)·(c·exp(u) + exp(2·u))^(−1) is (c + exp(u))^(−1); Newton on exp(x1) wrote
    /// -eta*t1*exp(x1)/(t1*exp(x1) + exp(2*x1)), which is -eta*t1/(t1 + exp(x1))), and a numerator's exp(x1)
    /// cancels a denominator's exp(x1)·(…) however many sums stand between (t2·exp(2·u) + x0·exp(3·u) as a
    /// factor is exp(2·u)·(t2 + x0·exp(u))). A sum that is no factor keeps its form. Each rewrite is kept only
    /// when it is smaller by tree size, per product (or power), so that every format prints the cancelled form. Same value wherever the
    /// input is defined: exp(w)·exp(−w) = 1 for every real w.
    let private cancelExp (e: Expr) : Expr =
        let smaller (original: Expr) (candidates: Expr seq) =
            Seq.append [ original ] candidates |> Seq.minBy Structure.treeSize

        // A factor as (sum, integer exponent, the exponents of its terms' exponentials), or None.
        let expSum (f: Expr) =
            let s, n =
                match f.Node with
                | Power(b, x) ->
                    match x.Node with
                    | Number q when q.IsInteger && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 -> b, int q.Num
                    | _ -> f, 0
                | _ -> f, 1

            if n = 0 then None else expExponents s |> Option.map (fun us -> s, n, us)

        // A product's factors (or a lone power as its one factor), each sum factor in turn written with the
        // exponential that makes the whole smallest.
        let rewriteFactors (original: Expr) (fs: Expr[]) =
            let mutable current = original
            let mutable now = fs

            for f in fs do
                match expSum f with
                | Some(s, n, us) when now |> Array.exists (fun g -> obj.ReferenceEquals(g, f)) ->
                    // The exponent that cancels the product's own exponential exp(v): exp(n·w)·exp(v) = 1.
                    let own =
                        now
                        |> Array.tryPick (fun g -> match g.Node with | Apply(Function.Exp, v) -> Some v | _ -> None)
                        |> Option.map (fun v -> Expr.mul2 (Expr.number (Rational.Create(System.Numerics.BigInteger.MinusOne, System.Numerics.BigInteger n))) v)
                        |> Option.toArray

                    let rest = now |> Array.filter (fun g -> not (obj.ReferenceEquals(g, f)))

                    let best =
                        smaller
                            current
                            [ for w in Array.append us own ->
                                  Expr.mul (Array.append rest [| Expr.exp (Expr.mul2 (Expr.ofInt n) w); Expr.pow (expRest s w) (Expr.ofInt n) |]) ]

                    if not (obj.ReferenceEquals(best, current)) then
                        current <- best
                        now <- factorsOfTerm best
                | _ -> ()

            current

        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
            match rebuilt.Node with
            | Product fs when fs |> Array.exists (expSum >> Option.isSome) -> rewriteFactors rebuilt fs
            | Power _ when (expSum rebuilt).IsSome -> rewriteFactors rebuilt [| rebuilt |]
            | _ -> rebuilt)

    /// A product's exponentials cancelled against exponentials that every term of a sum on the other side of
    /// the line holds at any depth, reading exp(k·u + v) (k a positive integer, as the product constructor
    /// writes exp(u)^k·exp(v)) as exp(u)^k times the rest: Newton on x0*exp(x0) derived
    /// -eta*t1*t2*exp(x0)/(t2*(x0 + 2)*exp(x0) + t1^2*exp(2*x0)), whose second term is (exp(x0) + x0*exp(x0))^2
    /// before naming and so has no exponential factor of its own (cancelExp's), and whose generated code gives
    /// inf/inf = NaN from x0 ≈ 355; cancelled, -eta*t1*t2/(t2*(x0 + 2) + t1^2*exp(x0)) is finite to x0 ≈ 709.
    /// For each unit u (a term of an exponential's exponent without its coefficient), order e is the greatest
    /// m that the written form shows as a factor exp(u)^m of e (a sum: its terms' least; a power S^k: k times
    /// S's), and the product's factors are divided by exp(u)^c on both sides, c the lesser order of the two
    /// sides. Kept per product when no larger by tree size. Skipped at once for an expression without an
    /// exponential. Same value wherever the input is defined: exp(c·u)·exp(−c·u) = 1 for every real u.
    let private cancelNestedExp (e: Expr) : Expr =
        let unitsOf (v: Expr) =
            termsOf v
            |> Array.map (fun t ->
                match t.Node with
                | Product fs when Expr.isNumeric fs.[0] -> Expr.mul (Array.tail fs)
                | _ -> t)

        // The coefficient of unit w in exponent v when it is a positive integer, else 0.
        let coefficientIn (w: Expr) (v: Expr) =
            termsOf v
            |> Array.tryPick (fun t ->
                if obj.ReferenceEquals(t, w) then
                    Some 1
                else
                    match t.Node with
                    | Product fs when Expr.isNumeric fs.[0] && obj.ReferenceEquals(Expr.mul (Array.tail fs), w) ->
                        match fs.[0].Node with
                        | Number q when q.IsInteger && q.Sign > 0 && q.Num <= System.Numerics.BigInteger 64 -> Some(int q.Num)
                        | _ -> None
                    | _ -> None)
            |> Option.defaultValue 0

        let positivePower (x: Expr) =
            match x.Node with
            | Number q when q.IsInteger && q.Sign > 0 && q.Num <= System.Numerics.BigInteger 64 -> Some(int q.Num)
            | _ -> None

        // A factor as what it multiplies or divides by, and whether above the line: x^-2 is (x^2, false).
        let split (f: Expr) =
            match f.Node with
            | Power(b, x) ->
                match x.Node with
                | Number q when q.IsInteger && q.Sign < 0 && q.Num >= System.Numerics.BigInteger -64 -> Expr.pow b (Expr.number (-q)), false
                | _ -> f, true
            | _ -> f, true

        let rewrite (original: Expr) (fs: Expr[]) =
            let sides = fs |> Array.map split

            // Only a product that divides by a sum.
            if sides |> Array.forall (fun (g, above) -> above || (match g.Node with | Sum _ | Power _ -> false | _ -> true)) then
                original
            else
                let units =
                    Structure.postOrder (Array.toList fs)
                    |> Array.collect (fun n ->
                        match n.Node with
                        | Apply(Function.Exp, v) -> unitsOf v
                        | _ -> [||])
                    |> Array.distinct

                let mutable current = original

                for w in units do
                    let memo = Dictionary<Expr, int>(ExprIdentity.comparer)

                    let rec order (e: Expr) =
                        match memo.TryGetValue e with
                        | true, m -> m
                        | _ ->
                            let m =
                                match e.Node with
                                | Apply(Function.Exp, v) -> coefficientIn w v
                                | Product xs -> xs |> Array.sumBy order
                                | Sum xs -> xs |> Array.map order |> Array.min
                                | Power(b, x) -> (match positivePower x with | Some k -> k * order b | None -> 0)
                                | _ -> 0

                            memo.[e] <- m
                            m

                    // e / exp(w)^m, for m ≤ order e.
                    let rec divide (e: Expr) (m: int) =
                        if m = 0 then
                            e
                        else
                            match e.Node with
                            | Apply(Function.Exp, v) -> Expr.exp (Expr.sub v (Expr.mul2 (Expr.ofInt m) w))
                            | Product xs ->
                                let mutable left = m

                                xs
                                |> Array.map (fun x ->
                                    let taken = min left (order x)
                                    left <- left - taken
                                    divide x taken)
                                |> Expr.mul
                            | Sum xs -> xs |> Array.map (fun x -> divide x m) |> Expr.sum
                            | Power(b, x) ->
                                let k = (positivePower x).Value
                                let j = (m + k - 1) / k
                                Expr.mul2 (Expr.pow (divide b j) x) (Expr.exp (Expr.mul2 (Expr.ofInt (j * k - m)) w))
                            | _ -> e

                    let now = factorsOfTerm current |> Array.map split

                    let total above = now |> Array.sumBy (fun (g, a) -> if a = above then order g else 0)
                    let c = min (total true) (total false)

                    if c > 0 then
                        let mutable upper = c
                        let mutable lower = c

                        let rewritten =
                            now
                            |> Array.map (fun (g, above) ->
                                let taken = min (if above then upper else lower) (order g)
                                if above then upper <- upper - taken else lower <- lower - taken
                                let d = divide g taken
                                if above then d else Expr.pow d Expr.minusOne)
                            |> Expr.mul

                        if Structure.treeSize rewritten <= Structure.treeSize current then
                            current <- rewritten

                current

        if not (holdsExp e) then
            e
        else
            e
            |> Structure.rewriteBottomUp (fun rebuilt ->
                match rebuilt.Node with
                | Product fs -> rewrite rebuilt fs
                | _ -> rebuilt)

    /// The reciprocal monomial content of a sum: each symbol that some term divides by, with the least
    /// exponent it has in any term (a term without it counts 0): 2*G*M/r^6 + 3*t1/r^4 → [r, −6], as that sum
    /// is r^−6·(2*G*M + 3*t1*r^2). Empty when no term divides by a symbol. Symbols only: a power of a
    /// function or of a sum is left as written (the stable forms of softplus and log-sum-exp are sums of
    /// exponentials, which this must not regroup).
    let private reciprocalContent (ts: Expr[]) =
        let exponentIn (b: Expr) (t: Expr) =
            factorsOfTerm t
            |> Array.tryPick (fun f ->
                match basePower f with
                | Some(c, k) when obj.ReferenceEquals(c, b) -> Some k
                | _ -> None)
            |> Option.defaultValue 0

        ts
        |> Array.collect (fun t ->
            factorsOfTerm t
            |> Array.choose (fun f ->
                match basePower f with
                | Some(b, k) when k < 0 && (match b.Node with | Symbol _ -> true | _ -> false) -> Some b
                | _ -> None))
        |> Array.distinct
        |> Array.map (fun b -> b, ts |> Array.map (exponentIn b) |> Array.min)
        |> Array.filter (fun (_, m) -> m < 0)

    /// A negative integer power S^n of a sum whose terms divide by symbols (reciprocalContent) written
    /// M^n·S'^n with M the monomial of that content and S' = S/M: (b/r^6 + c/r^4)^(−1) is r^6·(b + c·r^2)^(−1).
    /// None for any other expression.
    let private liftedPower (f: Expr) =
        match f.Node with
        | Power(s, x) ->
            match s.Node, x.Node with
            | Sum ts, Number q when q.IsInteger && q.Sign < 0 && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 ->
                match reciprocalContent ts with
                | [||] -> None
                | content ->
                    let monomial = Expr.mul [ for (b, m) in content -> Expr.pow b (Expr.ofInt m) ]
                    let inverse = Expr.pow monomial Expr.minusOne
                    let rest = Expr.sum (ts |> Array.map (fun t -> Expr.mul2 t inverse))
                    Some(Expr.mul [ Expr.pow monomial x; Expr.pow rest x ])
            | _ -> None
        | _ -> None

    /// Lifts the symbols a reciprocal power of a sum divides by out of it, into the product around it:
    /// a/(b + c/r^4) is a·r^4/(b·r^4 + c), and eta*t1/(r^3*(2*G*M/r^6 + 3*t1/r^4)) is
    /// eta*t1*r^3/(2*G*M + 3*t1*r^2). Kept per product (or lone power) only when it is smaller by tree size, so
    /// 1/(x2^-2 - 1) stays as it is rather than x2^2/(1 - x2^2). Same value wherever the input is defined:
    /// S = b^m·S' with S' the terms times b^(−m), and b ≠ 0 where the input divides by b.
    let private liftReciprocals (e: Expr) : Expr =
        let smaller (original: Expr) (candidate: Expr) =
            if Structure.treeSize candidate < Structure.treeSize original then candidate else original

        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
            match rebuilt.Node with
            | Product fs when fs |> Array.exists (liftedPower >> Option.isSome) ->
                smaller rebuilt (Expr.mul (fs |> Array.map (fun f -> liftedPower f |> Option.defaultValue f)))
            | Power _ ->
                match liftedPower rebuilt with
                | Some l -> smaller rebuilt l
                | None -> rebuilt
            | _ -> rebuilt)

    /// Every negative integer power of a sum whose terms divide by symbols written with those symbols lifted
    /// out of it (as liftReciprocals does, but everywhere and without comparing sizes): a/(x1^2·(b/x1^4 −
    /// c)) is a·x1^2/(b − c·x1^4). For a printer that compares whole blocks: a rule whose steps divide by one
    /// sum written two ways (b/x1^4 − c in one step, b − c·x1^4 in the other) names it once this way. Same
    /// value wherever the input is defined.
    [<CompiledName("LiftAllReciprocals")>]
    let liftAllReciprocals (e: Expr) : Expr =
        e
        |> Structure.rewriteBottomUp (fun rebuilt ->
            match rebuilt.Node with
            | Power _ -> liftedPower rebuilt |> Option.defaultValue rebuilt
            | _ -> rebuilt)

    /// sin(2u) → 2·sin(u)·cos(u) and cos(2u) → cos(u)² − sin(u)² everywhere (exact identities, for
    /// every real u): a determinant of a projectile's Jacobian in speed and angle mixes sin(2θ) with
    /// sin(θ)·cos(θ), and only with the angles halved do its terms meet as c·R·sin² + c·R·cos².
    let private halveAngles (e: Expr) =
        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Apply((Function.Sin | Function.Cos) as f, a) ->
                match a.Node with
                | Product fs when obj.ReferenceEquals(fs.[0], Expr.two) ->
                    let u = if fs.Length = 2 then fs.[1] else Expr.mul (Array.tail fs)

                    if f = Function.Sin then
                        Expr.mul [| Expr.two; Expr.sin u; Expr.cos u |]
                    else
                        Expr.sub (Expr.pow (Expr.cos u) Expr.two) (Expr.pow (Expr.sin u) Expr.two)
                | _ -> n
            | _ -> n)

    /// sin(u)^a·cos(u)^b → sin(2u)^m·sin(u)^(a−m)·cos(u)^(b−m)/2^m in every product, m the one of the
    /// integer exponents a and b nearer 0 when they have one sign (halveAngles read backwards):
    /// 48·v²·sin(θ)²·cos(θ)²/g² is 12·v²·sin(2θ)²/g²; and in every sum c·R·cos(u)² − c·R·sin(u)² → c·R·cos(2u).
    /// Exact for every real u, defined where the input is (sin(u)·cos(u) = 0 exactly where sin(2u) = 0).
    let private doubleAngles (e: Expr) =
        let integerPower (f: Expr) =
            match f.Node with
            | Power(b, x) ->
                match x.Node with
                | Number q when q.IsInteger && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 -> Some(b, int q.Num)
                | _ -> None
            | _ -> Some(f, 1)

        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Product fs ->
                let trig (g: Function) =
                    fs
                    |> Array.choose (fun f ->
                        match integerPower f with
                        | Some(b, k) ->
                            match b.Node with
                            | Apply(h, u) when h = g -> Some(u, (f, k))
                            | _ -> None
                        | None -> None)
                    |> dict

                let cosines = trig Function.Cos

                let pairs =
                    trig Function.Sin
                    |> Seq.choose (fun (KeyValue(u, (s, a))) ->
                        match cosines.TryGetValue u with
                        | true, (c, b) when sign a = sign b -> Some(u, s, a, c, b, (if a > 0 then min a b else max a b))
                        | _ -> None)
                    |> Array.ofSeq

                if pairs.Length = 0 then
                    n
                else
                    let replaced = HashSet<Expr>(ExprIdentity.comparer)

                    let added =
                        pairs
                        |> Array.collect (fun (u, s, a, c, b, m) ->
                            replaced.Add s |> ignore
                            replaced.Add c |> ignore

                            [| Expr.pow (Expr.sin (Expr.mul2 Expr.two u)) (Expr.ofInt m)
                               Expr.pow (Expr.sin u) (Expr.ofInt (a - m))
                               Expr.pow (Expr.cos u) (Expr.ofInt (b - m))
                               Expr.pow Expr.two (Expr.ofInt -m) |])

                    Expr.mul (Array.append (fs |> Array.filter (replaced.Contains >> not)) added)
            // c·R·cos(u)² − c·R·sin(u)² → c·R·cos(2u), the pair's other factors R alike.
            | Sum ts ->
                let squareOf (g: Function) (t: Expr) =
                    (match t.Node with | Product fs -> fs | _ -> [| t |])
                    |> Array.tryPick (fun f ->
                        match f.Node with
                        | Power(b, x) when obj.ReferenceEquals(x, Expr.two) ->
                            match b.Node with
                            | Apply(h, u) when h = g -> Some(u, Expr.mul2 t (Expr.pow f Expr.minusOne))
                            | _ -> None
                        | _ -> None)

                let sines = ts |> Array.choose (fun t -> squareOf Function.Sin t |> Option.map (fun key -> key, t)) |> Array.distinctBy fst |> dict
                let used = HashSet<Expr>(ExprIdentity.comparer)

                let merged =
                    ts
                    |> Array.choose (fun t ->
                        match squareOf Function.Cos t with
                        | Some(u, rest) when not (used.Contains t) ->
                            match sines.TryGetValue((u, Expr.neg rest)) with
                            | true, s when not (used.Contains s) ->
                                used.Add t |> ignore
                                used.Add s |> ignore
                                Some(Expr.mul2 rest (Expr.cos (Expr.mul2 Expr.two u)))
                            | _ -> None
                        | _ -> None)

                if merged.Length = 0 then n else Expr.sum (Array.append (ts |> Array.filter (used.Contains >> not)) merged)
            | _ -> n)

    /// The angles u that `roots` write both ways: sin or cos of 2u, and sin or cos of u itself (sin(2*th)
    /// beside sin(th)*cos(th), or cos(2*th) beside sin(th)^2).
    let private mixedAngles (roots: Expr[]) =
        let doubled = HashSet<Expr>(ExprIdentity.comparer)
        let single = HashSet<Expr>(ExprIdentity.comparer)

        for n in Structure.postOrder roots do
            match n.Node with
            | Apply((Function.Sin | Function.Cos), a) ->
                single.Add a |> ignore

                match a.Node with
                | Product fs when obj.ReferenceEquals(fs.[0], Expr.two) -> doubled.Add(if fs.Length = 2 then fs.[1] else Expr.mul (Array.tail fs)) |> ignore
                | _ -> ()
            | _ -> ()

        doubled.IntersectWith single
        doubled

    /// Does some angle u appear in `roots` both as 2u and as u, inside sin or cos (sin(2*th) beside
    /// sin(th)^2)? A rule that does reads as two quantities where there is one.
    [<CompiledName("MixesAngles")>]
    let mixesAngles (roots: Expr[]) = (mixedAngles roots).Count > 0

    /// Each even power of sin(u) or cos(u) for u in `angles` written in the doubled angle: sin(u)^2 →
    /// (1 − cos(2u))/2, cos(u)^2 → (1 + cos(2u))/2, their powers and reciprocals alike (exact identities, defined
    /// where the input is: sin(u)^2 = 0 exactly where 1 − cos(2u) = 0).
    let private reduceSquares (angles: HashSet<Expr>) (e: Expr) =
        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Power(b, x) ->
                match b.Node, x.Node with
                | Apply((Function.Sin | Function.Cos) as f, u), Number q when q.IsInteger && q.Num.IsEven && angles.Contains u ->
                    let c = Expr.cos (Expr.mul2 Expr.two u)
                    let square = Expr.mul2 Expr.half (if f = Function.Sin then Expr.sub Expr.one c else Expr.sum [ Expr.one; c ])
                    Expr.pow square (Expr.number (q / Rational.OfInt 2))
                | _ -> n
            | _ -> n)

    /// The other ways to write `roots` where they mix the angles 2u and u (sin(2u) or cos(2u) beside
    /// sin(u) or cos(u), as Newton's rule for a projectile's range and height in speed and angle does):
    /// every angle halved (halveAngles), and every sin(u)·cos(u) doubled (doubleAngles) with the even
    /// powers of sin(u) and cos(u) left written in 2u too (sin(u)^2 = (1 − cos(2u))/2), for a caller to keep
    /// the one that reads shortest. The halved form writes each such u one way; the doubled one may
    /// still write u (an odd power of sin(u) alone), which mixesAngles tells. Empty when no u is written
    /// both ways. Same values (exact identities).
    [<CompiledName("AngleForms")>]
    let angleForms (roots: Expr[]) : Expr[] list =
        let angles = mixedAngles roots

        if angles.Count > 0 then
            [ roots |> Array.map halveAngles; roots |> Array.map (doubleAngles >> reduceSquares angles) ]
        else
            []

    /// The expansion budget of one sum in collapseTrig: a sum is a part of the expression, and the
    /// identities pay off on small ones (a determinant); a large sum keeps its form.
    [<Literal>]
    let private TrigBudget = 2_000

    /// Each sum with sine or cosine factors (or powers of them) in its terms rewritten, where that
    /// is smaller, as its angles halved, its products expanded and the Pythagorean identity applied:
    /// 2a·sin(θ)·sin(2θ)·cos(θ) − 2a·sin(θ)²·cos(2θ) → 2a·sin(θ)². Per sum rather than on the whole
    /// expression, so that a determinant collapses inside a quotient whose other parts expansion
    /// would only make longer.
    let private collapseTrig (memo: ExpansionMemo) (e: Expr) =
        let trig (f: Expr) =
            let f = match f.Node with | Power(b, _) -> b | _ -> f
            match f.Node with
            | Apply((Function.Sin | Function.Cos), _) -> true
            | _ -> false

        let hasTrig (t: Expr) =
            match t.Node with
            | Product fs -> Array.exists trig fs
            | _ -> trig t

        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Sum ts when ts |> Array.exists hasTrig ->
                let c = pythagoras (expandShared memo TrigBudget (halveAngles n))

                if not (obj.ReferenceEquals(c, n)) && Structure.treeSize c < Structure.treeSize n then c else n
            | _ -> n)

    /// Terms sharing a power s^k of a sum s whose other factors add up to a multiple c·s of s, as
    /// c·s^(k+1): x0²/t^(3/2) + x1²/t^(3/2) with t = x0² + x1² is 1/sqrt(t), and x0/(x0 + x1) +
    /// x1/(x0 + x1) is 1. Same value wherever the input is defined (s^k·s = s^(k+1) where s^k is).
    let private mergePowers (e: Expr) =
        let powersOfSums (t: Expr) =
            (match t.Node with
             | Product fs -> fs
             | _ -> [| t |])
            |> Array.filter (fun f ->
                match f.Node with
                | Power(b, _) ->
                    match b.Node with
                    | Sum _ -> true
                    | _ -> false
                | _ -> false)

        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Sum ts ->
                let mutable current = n

                for f in ts |> Array.collect powersOfSums |> Array.distinct do
                    match current.Node, f.Node with
                    | Sum ts, Power(b, k) ->
                        let holding, others =
                            ts |> Array.partition (fun t -> powersOfSums t |> Array.exists (fun g -> obj.ReferenceEquals(g, f)))

                        if holding.Length >= 2 then
                            let inverse = Expr.pow f Expr.minusOne
                            let cofactor = Expr.sum (holding |> Array.map (fun t -> Expr.mul2 t inverse))
                            // c with cofactor = c·b, from the first term of each, checked on the whole sum
                            // (c·b is distributed over b's terms, as the cofactor's sum writes it).
                            let ratio =
                                let first = (match cofactor.Node with | Sum cs -> cs.[0] | _ -> cofactor)

                                (match b.Node with | Sum bs -> bs | _ -> [| b |])
                                |> Array.tryPick (fun u ->
                                    let c = Expr.mul2 first (Expr.pow u Expr.minusOne)

                                    if Expr.isNumeric c
                                       && obj.ReferenceEquals(Expr.sum ((match b.Node with | Sum bs -> bs | _ -> [| b |]) |> Array.map (Expr.mul2 c)), cofactor) then
                                        Some c
                                    else
                                        None)

                            match ratio with
                            | Some c -> current <- Expr.sum (Array.append others [| Expr.mul2 c (Expr.pow b (Expr.add k Expr.one)) |])
                            | None -> ()
                    | _ -> ()

                current
            | _ -> n)

    /// simplifyWith with its expansions (the whole expression's and collapseTrig's per sum) through `memo`.
    let private simplifyShared (memo: ExpansionMemo) (budget: int) (e: Expr) : Expr =
        let expanded = expandShared memo budget e
        let tidy x = pythagoras (collect x)
        let trig = collapseTrig memo e
        let candidates = [ e; pythagoras e; tidy e; expanded; pythagoras expanded; tidy expanded; trig; tidy trig ]
        let best = candidates |> List.minBy Structure.treeSize
        // Terms over a common power of a sum often stand side by side only once collected: merged last.
        let merged = mergePowers best
        let monomials = [ best; merged; tidy merged ] |> List.minBy Structure.treeSize |> cancelMonomials
        // After the monomials, which cancelMonomials takes out keeping each sum as written; a sum that
        // cancelCommonFactors writes out anew may again share a monomial with the other side.
        let common = cancelCommonFactors monomials
        (if obj.ReferenceEquals(common, monomials) then common else cancelMonomials common) |> cancelExp |> cancelNestedExp |> liftReciprocals |> cancelContent

    /// The heavier simplification with a work budget: tries expansion and the Pythagorean identities
    /// and keeps the smallest equivalent form (by written-out size). Never changes a value where the
    /// input is defined.
    [<CompiledName("Simplify")>]
    let simplifyWith (budget: int) (e: Expr) : Expr = simplifyShared (ExpansionMemo()) budget e

    /// simplifyWith DefaultBudget of each of `es`, the same results, with one expansion memo for all: the
    /// steps of one rule (Newton's, which all divide by one Hessian's determinant and share its cofactors)
    /// multiply each shared product of sums out once, and a step whose shared parts alone already spend the
    /// budget is not expanded again.
    [<CompiledName("SimplifyAll")>]
    let simplifyAll (es: Expr[]) : Expr[] =
        let memo = ExpansionMemo()
        es |> Array.map (simplifyShared memo DefaultBudget)

    /// The integer content of a quotient's numerator and denominator cancelled, and a sum's fractional
    /// content taken out where it cancels against the product's coefficient (`2*eta*(t7*t9/2 - t4*t6)/t10`
    /// is `eta*(t7*t9 - 2*t4*t6)/t10`), never growing the expression (the last step of simplifyWith, for
    /// forms written after it, such as rules with names in). Same value wherever `e` is defined.
    [<CompiledName("CancelContent")>]
    let cancelContentOf (e: Expr) = cancelContent e

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
            [ simplify rooted; factorCommon (simplify rooted) ] |> List.minBy Structure.treeSize |> cancelContent
