namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// A block of expressions written with their repeated subexpressions named once: `t1 = …` lines
/// (in dependency order) and the expressions in terms of t1, t2, ….
type SharedBlock =
    {
        /// The named intermediates, each defined in the earlier ones, the original symbols and numbers.
        Intermediates: (string * Expr)[]
        /// The expressions in terms of the intermediates.
        Results: Expr[]
    }

/// Common-subexpression extraction for printing. Expressions are hash-consed, so a subexpression that
/// is written out more than once is one node reached along several paths; each such node that is
/// worth a name (any sum; otherwise not a symbol or number, at least `MinSize` nodes written out) is a
/// candidate, and the candidates that still pay in terms of each other's names (`worthAName`) become
/// intermediates: no such subexpression is written out twice in the block. Substituting the intermediates back gives the original expressions exactly (the
/// names are fresh symbols, so nothing else can match them).
[<RequireQualifiedAccess>]
module SharedTerms =

    /// The smallest written-out size of a subexpression that gets a name when it repeats.
    [<Literal>]
    let MinSize = 4L

    /// A prefix p such that no name in `taken` is p followed by digits (t, then u, w, q, tmp).
    [<CompiledName("FreshPrefix")>]
    let freshPrefix (taken: seq<string>) =
        let taken = HashSet<string>(taken)

        let clashes (p: string) =
            taken
            |> Seq.exists (fun n ->
                n.Length > p.Length
                && n.StartsWith(p, StringComparison.Ordinal)
                && n.Substring(p.Length) |> Seq.forall Char.IsDigit)

        [ "t"; "u"; "w"; "q"; "tmp"; "shared" ]
        |> List.tryFind (clashes >> not)
        |> Option.defaultValue "shared_t"

    /// The smallest size of a named line's own definition, written in the other names (t1^2 is 3,
    /// x1 + abs(x1) is 4): a shorter one reads better in place than behind a name.
    [<Literal>]
    let MinOwnSize = 5L

    /// A product's numeric coefficient (None without one) and its other factors; any other
    /// expression is its own single factor.
    let private factorsOf (e: Expr) =
        match e.Node with
        | Product fs when Expr.isNumeric fs.[0] -> Some fs.[0], Array.tail fs
        | Product fs -> None, fs
        | _ -> None, [| e |]

    let private termsOf (e: Expr) =
        match e.Node with
        | Sum ts -> ts
        | _ -> [| e |]

    /// A symbol, a number, or a symbol to a numeric power (x0^2).
    let private atom (e: Expr) =
        match e.Node with
        | Symbol _
        | Number _
        | Real _
        | Pi -> true
        | Power(b, x) ->
            match b.Node with
            | Symbol _ -> Expr.isNumeric x
            | _ -> false
        | _ -> false

    /// A definition that reads as quickly in place as behind a name: a constant times at most two
    /// atoms (-2*x0^2*x2).
    let private trivial (d: Expr) =
        match d.Node with
        | Product _ ->
            let (_, fs) = factorsOf d
            fs.Length <= 2 && Array.forall atom fs
        | _ -> false

    /// Is `d` (written in the other names) worth a name when it is written out at least twice? Every sum
    /// is (x0 + x1 in brackets, written twice, is what a reader has to compare twice); a function of more
    /// than an atom (a symbol, a number, a symbol's numeric power) is (exp(2*x1), not sin(x0)); anything else when at least MinOwnSize nodes are written
    /// and it is not trivial (a constant times at most two atoms). Symbols and numbers never are. Public so
    /// that tests state the same rule the printer keeps.
    /// A product's coefficient does not count: a constant times another name or a small product (t2 =
    /// 1E-08*t1, t6 = -8*ys0*cos(th)) reads as quickly in place, and is judged as what it scales.
    [<CompiledName("WorthAName")>]
    let rec worthAName (d: Expr) =
        match d.Node with
        | Symbol _
        | Number _
        | Real _
        | Pi -> false
        | Sum _ -> true
        | Apply(_, a) when not (atom a) -> true
        | Product fs when Expr.isNumeric fs.[0] -> worthAName (Expr.mul (Array.tail fs))
        | _ -> Structure.treeSize d >= MinOwnSize && not (trivial d)

    /// The elements of `whole` left when each of `part` is taken out once (by reference), or None when
    /// `whole` does not hold them all.
    let private without (part: Expr[]) (whole: Expr[]) =
        let rest = ResizeArray<Expr>(whole)

        let found =
            part
            |> Array.forall (fun p ->
                let i = rest.FindIndex(fun w -> Object.ReferenceEquals(w, p))
                if i >= 0 then rest.RemoveAt i
                i >= 0)

        if found then Some(rest.ToArray()) else None

    /// The coefficient left when a product with coefficient `outer` is written with a name for a
    /// product with coefficient `inner` (None: the two do not divide simply).
    let private quotient (inner: Expr option) (outer: Expr option) : Expr[] option =
        match inner, outer with
        | None, None -> Some [||]
        | None, Some c -> Some [| c |]
        // A name for −X where X is written: −1 times the name (t7 = -t3*cos(t2) makes t3*cos(t2) into -t7).
        | Some a, None when Object.ReferenceEquals(a, Expr.minusOne) -> Some [| Expr.minusOne |]
        | Some a, Some b when Object.ReferenceEquals(a, b) -> Some [||]
        | Some a, Some b when Object.ReferenceEquals(Expr.neg a, b) -> Some [| Expr.minusOne |]
        | _ -> None

    /// A term as an exact coefficient and the rest it scales (3*x0*x1 ↦ (3, x0*x1), 5 ↦ (5, 1), x0 ↦
    /// (1, x0)). A floating coefficient stays in the rest, with its sign taken out (−0.5*x0 ↦ (−1, 0.5*x0)):
    /// a floating term then matches its own negation and nothing scaled otherwise, as scaling it would
    /// round.
    let private splitTerm (t: Expr) : Rational * Expr =
        match t.Node with
        | Number q -> q, Expr.one
        | Real r when r < 0.0 -> Rational.MinusOne, Expr.real -r
        | Product fs ->
            match fs.[0].Node with
            | Number q -> q, Expr.mul (Array.tail fs)
            | Real r when r < 0.0 -> Rational.MinusOne, Expr.neg t
            | _ -> Rational.One, t
        | _ -> Rational.One, t

    /// The term q·rest (the inverse of splitTerm).
    let private termOf (q: Rational, rest: Expr) =
        if Object.ReferenceEquals(rest, Expr.one) then Expr.number q else Expr.mul2 (Expr.number q) rest

    /// A sum's terms split (splitTerm), indexed by their rest.
    type private Split = { Terms: (Rational * Expr)[]; Index: Dictionary<Expr, int> }

    let private split (ts: Expr[]) =
        let terms = ts |> Array.map splitTerm
        let index = Dictionary<Expr, int>(ExprIdentity.comparer)
        terms |> Array.iteri (fun i (_, r) -> index.[r] <- i)
        { Terms = terms; Index = index }

    /// The factor k with k·p a term of `whole` for every term p of `part` (a sub-sum scaled: 1 − 200*x1 +
    /// 200*x0^2 holds −200·(x1 − x0^2)), and the indices of those terms in `whole`; None when there is no
    /// such k. k is exact, so k·name stands for the same value as the terms it replaces.
    let private scaledIn (part: (Rational * Expr)[]) (whole: Split) : (Rational * HashSet<int>) option =
        let (q0, r0) = part.[0]

        match whole.Index.TryGetValue r0 with
        | true, i0 ->
            let k = fst whole.Terms.[i0] / q0
            let taken = HashSet<int>()

            let all =
                part
                |> Array.forall (fun (q, r) ->
                    match whole.Index.TryGetValue r with
                    | true, i -> fst whole.Terms.[i] = k * q && taken.Add i
                    | _ -> false)

            if all then Some(k, taken) else None
        | _ -> None

    /// The most sums a block may have for sums repeated times a monomial to be sought (monomialIn compares
    /// each sum with the terms of every other).
    [<Literal>]
    let MonomialLimit = 150

    /// Structure.rewriteBottomUp without rebuilding what did not change (Structure.rebuildFrom): absorb
    /// runs once per name over the whole block, and rebuilding every node each time was most of the
    /// cost of naming a large rule.
    let private rewriteUp (rewrite: Expr -> Expr) (e: Expr) : Expr =
        let memo = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for n in Structure.postOrder [ e ] do
            memo.[n] <- rewrite (Structure.rebuildFrom memo n)

        memo.[e]

    /// A factor as its base and integer exponent (t2^3 → (t2, 3), 1/sin(x) → (sin(x), −1), t2 → (t2, 1)); a
    /// power whose exponent is not an integer is its own base.
    let private baseAndExponent (f: Expr) =
        match f.Node with
        | Power(b, x) ->
            match x.Node with
            | Number q when q.IsInteger && System.Numerics.BigInteger.Abs q.Num <= System.Numerics.BigInteger 64 -> b, int q.Num
            | _ -> f, 1
        | _ -> f, 1

    /// A symbol or a symbol's integer power (x0, t2^-1): a factor a monomial is made of.
    let private symbolPower (f: Expr) =
        match f.Node with
        | Symbol _ -> true
        | Power(b, x) ->
            match b.Node, x.Node with
            | Symbol _, Number q -> q.IsInteger
            | _ -> false
        | _ -> false

    /// A product of symbols' integer powers without a numeric coefficient, other than 1 (x0, x1/t2, x0^2*k).
    let private isMonomial (m: Expr) =
        match m.Node with
        | Product fs -> fs |> Array.forall symbolPower
        | _ -> symbolPower m

    /// The factors of a term's rest that are not symbols' integer powers, by reference (sin(x1) of x0*sin(x1)).
    let private otherFactors (r: Expr) = snd (factorsOf r) |> Array.filter (fun f -> not (symbolPower f || Expr.isNumeric f))

    /// The exact factor k, the monomial m and the indices of the terms of `whole` that are k·m·p for every term p of
    /// `part` (a sum repeated up to symbol factors: 2*x0^2 + 2*x0*x1 + … holds 2*x0·(x0 + x1)); None when there is
    /// no such m. Only an m that cancels against no power of the terms it multiplies (each symbol of m raised in
    /// each term p of `part` to a power of m's sign, or absent): then k·m·name is defined wherever the terms it
    /// replaces are (x0 + 1 does not hold x1·(x0/x1 + 1/x1), which divides by x1 where the terms do not).
    let private monomialIn (part: (Rational * Expr)[]) (whole: Split) : (Rational * Expr * HashSet<int>) option =
        let (q0, r0) = part.[0]
        let skeleton = otherFactors r0

        let sameOthers (r: Expr) =
            let others = otherFactors r
            others.Length = skeleton.Length && (without skeleton others).IsSome

        let exponentOf (b: Expr) (r: Expr) =
            snd (factorsOf r) |> Array.tryPick (fun f -> let (c, e) = baseAndExponent f in if Object.ReferenceEquals(c, b) then Some e else None) |> Option.defaultValue 0

        whole.Terms
        |> Array.indexed
        |> Array.tryPick (fun (i, (qw, rw)) ->
            if not (sameOthers rw) then
                None
            else
                let m = Expr.div rw r0

                if Expr.isNumeric m || not (isMonomial m) then
                    None
                else
                    let powers = snd (factorsOf m) |> Array.map baseAndExponent
                    let k = qw / q0
                    let taken = HashSet<int>([ i ])

                    let all =
                        part
                        |> Array.forall (fun (q, r) ->
                            powers |> Array.forall (fun (b, d) -> let e = exponentOf b r in e = 0 || sign e = sign d)
                            && (Object.ReferenceEquals(r, r0)
                                || (match whole.Index.TryGetValue(Expr.mul2 m r) with
                                    | true, j -> fst whole.Terms.[j] = k * q && taken.Add j
                                    | _ -> false)))

                    if all then Some(k, m, taken) else None)

    /// The k of powerOfName: the largest integer in size such that the factors `fs` hold every bᵢ of `powers`
    /// to a power fᵢ of the sign of k·eᵢ with |fᵢ| ≥ |k·eᵢ|; 0 when there is none (a bᵢ missing, signs mixed).
    let private timesHeld (powers: (Expr * int)[]) (fs: Expr[]) =
        let held = fs |> Array.map baseAndExponent
        let exponentIn (b: Expr) = held |> Array.tryPick (fun (h, f) -> if Object.ReferenceEquals(h, b) then Some f else None)
        // How many whole eᵢ each fᵢ holds, signed: all of one sign, or no power of the name.
        let ratios = powers |> Array.map (fun (b, e) -> exponentIn b |> Option.map (fun f -> f / e) |> Option.defaultValue 0)

        if ratios |> Array.forall (fun r -> r > 0) then Array.min ratios
        elif ratios |> Array.forall (fun r -> r < 0) then Array.max ratios
        else 0

    /// The product `n` written with `name`^k for the definition c·∏ bᵢ^eᵢ (`coefficient` c, `powers` the
    /// (bᵢ, eᵢ) with integer eᵢ) when `n` holds every bᵢ to a power fᵢ of the sign of k·eᵢ with |fᵢ| ≥ |k·eᵢ|, k
    /// the largest such integer in size (negative for a reciprocal power): with t5 = v^2*sin(th)^2/g,
    /// 7*v^4*sin(th)^4/(2*g^2) is 7*t5^2/2, v^5*sin(th)^4/g^2 is t5^2*v and g^2/(v^4*sin(th)^4) is 1/t5^2.
    /// The factors left over (bᵢ^(fᵢ − k·eᵢ)) and the coefficient c'/c^k stay beside it. None when some bᵢ is
    /// missing, the signs differ, or either coefficient is floating (c^k would round). Same value wherever
    /// `n` and the definition are defined: (∏ bᵢ^eᵢ)^k = ∏ bᵢ^(k·eᵢ) for integer exponents.
    let private powerOfName (name: Expr) (coefficient: Expr option) (powers: (Expr * int)[]) (n: Expr) : Expr option =
        let exact (c: Expr option) =
            match c with
            | None -> Some Rational.One
            | Some x -> (match x.Node with | Number q -> Some q | _ -> None)

        let (c', fs') = factorsOf n

        match exact coefficient, exact c' with
        | Some c, Some c' ->
            let held = fs' |> Array.map baseAndExponent

            match timesHeld powers fs' with
            | 0 -> None
            | k ->
                let byBase = dict (Array.zip (powers |> Array.map fst) (powers |> Array.map snd))

                let rest =
                    Array.map2
                        (fun (b, f) factor ->
                            match byBase.TryGetValue b with
                            | true, e -> Expr.pow b (Expr.ofInt (f - k * e))
                            | _ -> factor)
                        held
                        fs'

                let power (x: System.Numerics.BigInteger) = System.Numerics.BigInteger.Pow(x, abs k)
                let scale = Rational.Create(c'.Num * power (if k > 0 then c.Den else c.Num), c'.Den * power (if k > 0 then c.Num else c.Den))
                Some(Expr.mul (Array.concat [ [| Expr.number scale; Expr.pow name (Expr.ofInt k) |]; rest ]))
        | _ -> None

    /// m when the exponent `k'` is m times the integer exponent `k` for an integer m ≥ 1, else 0.
    let private multipleOf (k: Expr) (k': Expr) =
        match k.Node, k'.Node with
        | Number q, Number q' when q.IsInteger && q'.IsInteger && not q.IsZero ->
            let m = q' / q
            if m.IsInteger && m.Sign > 0 && System.Numerics.BigInteger.Abs m.Num <= System.Numerics.BigInteger 64 then int m.Num else 0
        | _ -> 0

    /// `e` with every product holding all of `definition`'s factors (a sum holding all of its terms
    /// scaled by one exact factor k, as k·name) written with `name` instead: t4 = sin(x0)*exp(x1) makes
    /// t5*sin(x0)*exp(x1) into t4*t5, t2 = x1 - x0^2 makes 200*x0^2 - 200*x1 + 1 into 1 - 200*t2. The
    /// value is unchanged (the factors or terms are the same, regrouped).
    let private absorb (monomials: bool) (splitOf: Expr -> Split) (name: Expr) (definition: Expr) (e: Expr) =
        match definition.Node with
        | Product _ when (snd (factorsOf definition)).Length >= 2 ->
            let (c, fs) = factorsOf definition
            let powers = fs |> Array.map baseAndExponent
            let firstBase = fst powers.[0]

            e
            |> rewriteUp (fun n ->
                match n.Node with
                // Cheap first: a product without the base of the definition's first factor cannot hold them all.
                | Product all when all.Length >= fs.Length && all |> Array.exists (fun f -> Object.ReferenceEquals(fst (baseAndExponent f), firstBase)) ->
                    let (c', fs') = factorsOf n

                    match without fs fs', quotient c c' with
                    | Some rest, Some k -> Expr.mul (Array.concat [ k; [| name |]; rest ])
                    | _ ->
                        match powerOfName name c powers n with
                        | Some p when (Infix.format p).Length < (Infix.format n).Length -> p
                        | _ -> n
                | _ -> n)
        | Sum ts ->
            let part = ts |> Array.map splitTerm

            e
            |> rewriteUp (fun n ->
                match n.Node with
                | Sum ts' when ts'.Length >= part.Length ->
                    let restOf (taken: HashSet<int>) = ts' |> Array.indexed |> Array.filter (fun (i, _) -> not (taken.Contains i)) |> Array.map snd

                    match scaledIn part (splitOf n) with
                    | Some(k, taken) -> Expr.sum (Array.append [| termOf (k, name) |] (restOf taken))
                    | None ->
                        // With `monomials`, the terms scaled by a monomial too (x0 + 2 in 2*x0 + x0^2 is x0*t2).
                        match (if monomials then monomialIn part (splitOf n) else None) with
                        | Some(k, m, taken) -> Expr.sum (Array.append [| Expr.mul [ Expr.number k; m; name ] |] (restOf taken))
                        | None -> n
                | _ -> n)
        // A whole power of a sum written with the sum scaled: t7 = 1/(t5 + t6) makes 1/(-t5 - t6) into
        // -t7 and 1/(10*t5 + 10*t6) into t7/10, as (c·s)^k = c^k·s^k for an integer k; and a power
        // m·k of it into c^(m·k)·t7^m (1/(t5 + t6)^2 is t7^2), m ≥ 1.
        | Power(b, k) when (match b.Node, k.Node with
                            | Sum _, Number q -> q.IsInteger
                            | _ -> false) ->
            let part = termsOf b |> Array.map splitTerm

            e
            |> rewriteUp (fun n ->
                match n.Node with
                | Power(b', k') when multipleOf k k' > 0 ->
                    match b'.Node with
                    | Sum ts' when ts'.Length = part.Length ->
                        match scaledIn part (splitOf b') with
                        | Some(c, _) -> Expr.mul2 (Expr.pow (Expr.number c) k') (Expr.pow name (Expr.ofInt (multipleOf k k')))
                        | None -> n
                    | _ -> n
                | _ -> n)
        // An exponential's integer multiples of its exponent as powers of its name: t1 = exp(k*x0) makes
        // x1*exp(-k*x0) into x1/t1 and exp(2*k*x0) into t1^2 (exp(m·u) = exp(u)^m), one quantity written one way.
        | Apply(Function.Exp, u) ->
            let multiples = Dictionary<Expr, int>(ExprIdentity.comparer)

            for m in [ -3; -2; -1; 2; 3 ] do
                multiples.[Expr.mul2 (Expr.ofInt m) u] <- m

            e
            |> rewriteUp (fun n ->
                match n.Node with
                | Apply(Function.Exp, u') ->
                    match multiples.TryGetValue u' with
                    | true, m -> Expr.pow name (Expr.ofInt m)
                    | _ -> n
                | _ -> n)
        | _ -> e

    /// Above this many distinct nodes the search for repeated sub-products and sub-sums is skipped (it
    /// compares every candidate with every product and sum): only whole repeated nodes are named.
    [<Literal>]
    let DiscoveryLimit = 4000

    /// How often each node is written out in the trees of `exprs` (parents pass their count to
    /// each child; saturating), so a name's count is how often it is used.
    let private uses (exprs: Expr[]) =
        let order = Structure.postOrder exprs
        let occurrences = Dictionary<Expr, int64>(ExprIdentity.comparer)
        let count (e: Expr) = match occurrences.TryGetValue e with | true, c -> c | _ -> 0L

        for r in exprs do
            occurrences.[r] <- count r + 1L

        for i in order.Length - 1 .. -1 .. 0 do
            let n = order.[i]
            let c = count n

            for child in Expr.children n do
                occurrences.[child] <- min (Int64.MaxValue / 2L) (count child + c)

        occurrences

    /// The factors every term of a sum shares, each as a base with the exponent of least size among the
    /// terms (all of one sign): t2 and −t2*cos/sin share t2, a/sin^2 and b/sin share 1/sin. Numbers are
    /// not factors here (the content of a sum is Simplify's).
    let private sharedFactors (ts: Expr[]) =
        let powers (t: Expr) =
            snd (factorsOf t) |> Array.filter (Expr.isNumeric >> not) |> Array.map baseAndExponent

        let rest = ts |> Array.map powers

        rest.[0]
        |> Array.choose (fun (b, k) ->
            rest
            |> Array.fold
                (fun (least: int option) ps ->
                    least
                    |> Option.bind (fun m ->
                        ps
                        |> Array.tryFind (fun (c, j) -> Object.ReferenceEquals(c, b) && sign j = sign m)
                        |> Option.map (fun (_, j) -> if abs j < abs m then j else m)))
                (Some k)
            |> Option.map (fun m -> Expr.pow b (Expr.ofInt m)))

    /// The most nodes a sum may have written out for factorCommon to compare its two printed forms.
    [<Literal>]
    let MaxFactoredSize = 2000L

    /// The characters each name of `definitions` stands for beyond its own: its definition written out with
    /// the names it uses written out too, less the name (definitions use only names defined above them).
    let private standsFor (definitions: (string * Expr)[]) =
        let extra = Dictionary<Expr, int64>(ExprIdentity.comparer)

        // The characters the names in `e` add when written out, counted along the tree (a name written
        // twice counts twice).
        let added (e: Expr) =
            let memo = Dictionary<Expr, int64>(ExprIdentity.comparer)

            for n in Structure.postOrder [ e ] do
                memo.[n] <-
                    match extra.TryGetValue n with
                    | true, x -> x
                    | _ -> Expr.children n |> Array.sumBy (fun c -> memo.[c])

            memo.[e]

        for (name, d) in definitions do
            extra.[Expr.symbol name] <- int64 (Infix.format d).Length + added d - int64 name.Length

        added

    /// Every sum whose terms share a non-trivial factor (a name of `definitions`, a function, a sum, or a power
    /// of one; with it any other shared factors) written with it taken out when that is shorter
    /// written out, in infix characters (which LaTeX and C# follow), a name of `definitions` counting as
    /// what it stands for: with t2 a name, t2 - t2*cos(theta)/sin(theta) is t2*(1 - cos(theta)/sin(theta)),
    /// and -eta*(t2*t3*t4 - t1*t4*t5) is -eta*t4*(t2*t3 - t1*t5); t1 - 2*t1*sin(x) with t1 a plain symbol
    /// stays, as t1*(1 - 2*sin(x)) is longer. The sign goes with the factor where that prints shorter
    /// (-eta*(a + b)). Same value wherever the sum is defined (the terms are regrouped, t·a + t·b = t·(a + b)).
    [<CompiledName("FactorCommonWith")>]
    let factorCommonWith (definitions: (string * Expr)[]) (e: Expr) : Expr =
        let added = standsFor definitions
        let names = HashSet<Expr>(definitions |> Seq.map (fst >> Expr.symbol), ExprIdentity.comparer)

        let nonTrivial (f: Expr) =
            let b = match f.Node with | Power(b, _) -> b | _ -> f
            match b.Node with
            | Symbol _ -> names.Contains b
            | _ -> true

        // The sign goes where it prints shorter, and on a tie where it writes fewer minus signs:
        // -eta*(a + b), not eta*(-a - b).
        let printed (x: Expr) =
            let s = Infix.format x
            int64 s.Length + added x, s.Split('-').Length

        // The terms `ts` with the factors `common` they all share taken out.
        let factorOut (ts: Expr[]) (common: Expr[]) =
            let monomial = Expr.mul common
            let inverse = Expr.pow monomial Expr.minusOne
            let rest = Expr.sum (ts |> Array.map (fun t -> Expr.mul2 t inverse))
            [ Expr.mul2 monomial rest; Expr.neg (Expr.mul2 monomial (Expr.sum (termsOf rest |> Array.map Expr.neg))) ] |> List.minBy printed

        // The terms' shared factors when one of them is non-trivial (a name, a function, a sum, not a plain
        // symbol alone: 5*eta*ys0/12 - 25*eta*x0/144 keeps its eta in each term).
        let worthFactoring (ts: Expr[]) =
            match sharedFactors ts with
            | common when common |> Array.exists nonTrivial -> Some common
            | _ -> None

        // The non-trivial bases of a term's factors (t2^3 and 1/t2 have the base t2).
        let bases (t: Expr) =
            snd (factorsOf t) |> Array.filter (Expr.isNumeric >> not) |> Array.map (baseAndExponent >> fst) |> Array.filter nonTrivial

        // Terms that share a non-trivial factor where the others do not, taken together when that prints
        // shorter: t2*a + t2*b + c is t2*(a + b) + c. Greedy: the shortest such grouping, then again among
        // the terms left, a few rounds at most.
        let rec partial (rounds: int) (n: Expr) =
            match n.Node with
            | Sum ts when rounds > 0 && ts.Length >= 3 ->
                let termBases = ts |> Array.map bases

                let candidates =
                    [ for b in Array.concat termBases |> Array.distinct do
                          let inGroup = termBases |> Array.map (Array.exists (fun c -> Object.ReferenceEquals(c, b)))
                          let count = inGroup |> Array.filter id |> Array.length

                          if count >= 2 && count < ts.Length then
                              let group = Array.zip ts inGroup |> Array.filter snd |> Array.map fst
                              let others = Array.zip ts inGroup |> Array.filter (snd >> not) |> Array.map fst

                              match worthFactoring group with
                              | Some common -> yield Expr.sum (Array.append [| factorOut group common |] others)
                              | None -> () ]

                match candidates with
                | [] -> n
                | _ ->
                    let best = candidates |> List.minBy printed
                    if fst (printed best) < fst (printed n) then partial (rounds - 1) best else n
            | _ -> n

        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            // Printing compares the written-out text: a sum that stands for a large tree keeps its form.
            | Sum _ when Structure.treeSize n > MaxFactoredSize -> n
            | Sum ts ->
                match worthFactoring ts |> Option.map (factorOut ts) with
                | Some factored when fst (printed factored) < fst (printed n) -> factored
                | _ -> partial 3 n
            | _ -> n)

    /// factorCommonWith no names: every symbol counts as itself.
    [<CompiledName("FactorCommon")>]
    let factorCommon (e: Expr) : Expr = factorCommonWith [||] e

    /// Keeps only the names that pay: used at least twice and worth a name in terms of the other
    /// names (worthAName). The others are written back in place, which may make a user of theirs pay
    /// or not, so this repeats until nothing changes; the names left are numbered
    /// 1, 2, … again in their order.
    let private prune (prefix: string) (block: SharedBlock) : SharedBlock =
        let mutable defs = block.Intermediates |> Array.map (fun (n, d) -> Expr.symbol n, d)
        let mutable results = block.Results
        let mutable changed = true

        while changed do
            let counts = uses (Array.append (defs |> Array.map snd) results)

            let used n = match counts.TryGetValue n with | true, c -> c | _ -> 0L
            // Names used once go first, and only then the small ones: a name used once inside a small
            // definition (t2 = t1*sign(x1)) makes that definition large once it is written back.
            let drop =
                match defs |> Array.filter (fun (n, _) -> used n < 2L) with
                | [||] ->
                    // Only the small definitions that use no other small one: a small one made of names
                    // (t7 = t5 + exp(x1), t5 = x1*exp(x1)) is large once those are written back, and is
                    // then judged again (dropping both at once wrote x1*exp(x1) + exp(x1) out three times).
                    let small = defs |> Array.filter (fun (_, d) -> not (worthAName d))
                    let smallNames = HashSet<Expr>(small |> Seq.map fst, ExprIdentity.comparer)

                    small
                    |> Array.filter (fun (n, d) ->
                        Structure.freeSymbols d
                        |> Array.forall (fun s -> Object.ReferenceEquals(s, n) || not (smallNames.Contains s)))
                | unused -> unused

            changed <- drop.Length > 0

            if changed then
                // Definitions use only earlier names: substituting in order resolves chains of dropped names.
                let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)
                let dropped = HashSet<Expr>(drop |> Seq.map fst, ExprIdentity.comparer)
                let kept = ResizeArray<Expr * Expr>()

                for (n, d) in defs do
                    let d' = Structure.substitute replacements d

                    if dropped.Contains n then replacements.[n] <- d' else kept.Add((n, d'))

                defs <- kept.ToArray()
                results <- results |> Array.map (Structure.substitute replacements)

        // Renumber: t1, t2, … without gaps.
        let renames = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let renamed =
            defs
            |> Array.mapi (fun i (n, d) ->
                let name = sprintf "%s%d" prefix (i + 1)
                let d' = Structure.substitute renames d
                renames.[n] <- Expr.symbol name
                name, d')

        {
            Intermediates = renamed
            Results = results |> Array.map (Structure.substitute renames)
        }

    /// The definitions in an order where each uses only names defined above it (stable otherwise).
    let private dependencyOrder (defs: (Expr * Expr)[]) =
        let names = HashSet<Expr>(defs |> Seq.map fst, ExprIdentity.comparer)
        let placed = HashSet<Expr>(ExprIdentity.comparer)
        let ordered = ResizeArray<Expr * Expr>()
        let waiting = ResizeArray<Expr * Expr>(defs)

        while waiting.Count > 0 do
            let ready (n: Expr, d: Expr) =
                Structure.freeSymbols d
                |> Array.forall (fun s -> Object.ReferenceEquals(s, n) || not (names.Contains s) || placed.Contains s)

            let i = waiting.FindIndex(fun nd -> ready nd)
            // A cycle cannot arise (a name is never written into a definition it depends on); take the
            // first in that case all the same rather than loop.
            let i = max i 0
            let (n, d) = waiting.[i]
            waiting.RemoveAt i
            placed.Add n |> ignore
            ordered.Add((n, d))

        ordered.ToArray()

    /// The most sums one term's rest may be shared by for sub-sums to be sought through it: pairs of
    /// sums are compared through each rest they share, so a rest in h sums costs h² comparisons.
    [<Literal>]
    let private MaxHolders = 64

    /// A sum written one way up to an exact factor: its terms scaled so that the first (in canonical
    /// order) has coefficient 1. Two sums are multiples of each other exactly when their keys are one node.
    let private scaleKey (part: (Rational * Expr)[]) =
        let s = Expr.sum (part |> Array.map termOf)
        let terms = termsOf s |> Array.map splitTerm
        let q0 = fst terms.[0]
        Expr.sum (terms |> Array.map (fun (q, r) -> termOf (q / q0, r)))

    /// The form a name for the multiples of `key` is given: integer coefficients without a common
    /// factor (10*x1 - 10*x0^2 - ys1 rather than x1 - x0^2 - ys1/10 only when that is how it reads:
    /// x1 - x0^2 for 200*x0^2 - 200*x1 + …), the sign of a form the block writes (`present`), else the
    /// sign with more positive terms. A sum with a floating term keeps its key's coefficients.
    let private nameForm (present: HashSet<Expr>) (key: Expr) =
        let terms = termsOf key |> Array.map splitTerm

        let floating =
            terms
            |> Array.exists (fun (_, r) ->
                match r.Node with
                | Real _ -> true
                | Product fs -> (match fs.[0].Node with | Real _ -> true | _ -> false)
                | _ -> false)

        let scaled =
            if floating then
                terms
            else
                let lcm = terms |> Array.fold (fun l (q, _) -> l / System.Numerics.BigInteger.GreatestCommonDivisor(l, q.Den) * q.Den) System.Numerics.BigInteger.One
                let gcd = terms |> Array.fold (fun g (q, _) -> System.Numerics.BigInteger.GreatestCommonDivisor(g, q.Num)) System.Numerics.BigInteger.Zero
                let k = Rational.Create(lcm, gcd)
                terms |> Array.map (fun (q, r) -> k * q, r)

        let plus = Expr.sum (scaled |> Array.map termOf)
        let minus = Expr.sum (scaled |> Array.map (fun (q, r) -> termOf (-q, r)))

        if present.Contains plus then plus
        elif present.Contains minus then minus
        elif (scaled |> Array.filter (fun (q, _) -> q.Sign < 0)).Length * 2 > scaled.Length then minus
        else plus

    /// Names what hash-consing cannot see as one node: a product or sum that is part of larger
    /// products or sums (sin(x0)*exp(x1) inside t5*sin(x0)*exp(x1)), a sum scaled by an exact factor
    /// inside larger sums (x1 - x0^2 inside 200*x0^2 - 200*x1 + 1) and, with `subSums`, the terms two sums
    /// share up to one factor (1 - 200*t2 inside 1 - 200*t2 + 400*x0^2). Each product or sum of the block
    /// that is worth a name and is written out at least twice, whole or as such a part, gets one; then
    /// every name (old and new) replaces its factors or terms wherever all of them occur, so that no
    /// definition is written out again elsewhere. Names that no longer pay are left to `prune`.
    let private regroup (subSums: bool) (prefix: string) (block: SharedBlock) : SharedBlock =
        let defs = block.Intermediates |> Array.map (fun (n, d) -> Expr.symbol n, d)
        let all = Array.append (defs |> Array.map snd) block.Results
        let nodes = Structure.postOrder all

        let parts (e: Expr) =
            match e.Node with
            | Product _ -> snd (factorsOf e)
            | Sum ts -> ts
            | _ -> [||]

        // Sums held times a monomial are sought by comparing every sum with every other (MonomialLimit).
        let monomials =
            nodes.Length <= DiscoveryLimit
            && (nodes |> Array.sumBy (fun n -> match n.Node with | Sum _ -> 1 | _ -> 0)) <= MonomialLimit

        let discovered =
            if nodes.Length > DiscoveryLimit then
                [||]
            else
                let counts = uses all
                let used (e: Expr) = match counts.TryGetValue e with | true, c -> c | _ -> 0L
                let defined = HashSet<Expr>(defs |> Seq.map snd, ExprIdentity.comparer)
                let present = HashSet<Expr>(nodes, ExprIdentity.comparer)

                let products =
                    nodes
                    |> Array.filter (fun n ->
                        match n.Node with
                        | Product _ -> (parts n).Length >= 2
                        | _ -> false)

                // The products holding each base, to any integer power (a canonical product holds each base once).
                let baseOf (f: Expr) = fst (baseAndExponent f)
                let holding = Dictionary<Expr, ResizeArray<Expr>>(ExprIdentity.comparer)

                for g in products do
                    for f in parts g do
                        match holding.TryGetValue(baseOf f) with
                        | true, l -> l.Add g
                        | _ -> holding.[baseOf f] <- ResizeArray [ g ]

                // Products: written out whole or as a part of larger products.
                // Each named without its coefficient (v^2*sin(th)^2/g for 7*v^2*sin(th)^2/(2*g)): the
                // products hold it scaled by their own numbers, and its powers read as powers of it
                // (4*v^4*cos(th)^4/g^2 is 4*t7^2, not t7^2/16 with t7 = 8*v^2*cos(th)^2/g).
                let productCandidates =
                    products
                    |> Array.map (fun c -> Expr.mul (parts c))
                    |> Array.distinct
                    |> Array.filter (fun c -> not (defined.Contains c) && not (trivial c) && worthAName c)
                    |> Array.choose (fun c ->
                        let ps = parts c
                        let powers = ps |> Array.map baseAndExponent
                        // Only the products that hold c's rarest base can hold them all (comparing every
                        // product with every other was most of the time of naming a large rule).
                        let rarest = ps |> Array.map baseOf |> Array.minBy (fun b -> match holding.TryGetValue b with | true, l -> l.Count | _ -> 0)
                        // Whole, or a power of it (v^4*sin(th)^4/g^2 holds v^2*sin(th)^2/g squared: absorb writes t^2).
                        let holds (g: Expr) = (without ps (parts g)).IsSome || timesHeld powers (parts g) <> 0

                        let written =
                            match holding.TryGetValue rarest with
                            | true, l -> l |> Seq.sumBy (fun g -> if holds g then used g else 0L)
                            | _ -> 0L

                        if written >= 2L then Some(c, written) else None)

                // Sums: each with its terms split and indexed once; the sums holding each rest.
                let sums = nodes |> Array.filter (fun n -> match n.Node with | Sum _ -> true | _ -> false)
                let splits = sums |> Array.map (fun s -> split (termsOf s))
                let holders = Dictionary<Expr, ResizeArray<int>>(ExprIdentity.comparer)

                splits
                |> Array.iteri (fun i sp ->
                    for (_, r) in sp.Terms do
                        match holders.TryGetValue r with
                        | true, l -> l.Add i
                        | _ -> holders.[r] <- ResizeArray [ i ])

                // How often k·part is written out, for any k, whole or inside a larger sum.
                // With `monomials` also inside any sum times a monomial (x0 + x1 in 2*x0^2 + 2*x0*x1 - ys1).
                let writtenScaled (part: (Rational * Expr)[]) =
                    let exact =
                        match holders.TryGetValue(snd part.[0]) with
                        | true, l -> l |> Seq.sumBy (fun g -> if (scaledIn part splits.[g]).IsSome then used sums.[g] else 0L)
                        | _ -> 0L

                    if not monomials then
                        exact
                    else
                        exact
                        + (splits
                           |> Array.indexed
                           |> Array.sumBy (fun (g, sp) ->
                               if sp.Terms.Length >= part.Length && (scaledIn part sp).IsNone && (monomialIn part sp).IsSome then used sums.[g] else 0L))

                let definedKeys =
                    HashSet<Expr>(
                        defs |> Seq.choose (fun (_, d) -> match d.Node with | Sum ts -> Some(scaleKey (Array.map splitTerm ts)) | _ -> None),
                        ExprIdentity.comparer)

                // The parts to try: every sum whole, and with `subSums` the terms each two sums share up to
                // one exact factor (two or more of them, not all of the smaller: that is the whole sum).
                let tried = ResizeArray<(Rational * Expr)[]>()

                for i in 0 .. sums.Length - 1 do
                    if not (defined.Contains sums.[i]) then tried.Add splits.[i].Terms

                if subSums then
                    let shared = Dictionary<struct (int * int * Rational), ResizeArray<int>>()

                    for KeyValue(r, l) in holders do
                        if l.Count >= 2 && l.Count <= MaxHolders then
                            for a in l do
                                for b in l do
                                    if a <> b then
                                        let qa = fst splits.[a].Terms.[splits.[a].Index.[r]]
                                        let qb = fst splits.[b].Terms.[splits.[b].Index.[r]]
                                        let key = struct (a, b, qb / qa)

                                        match shared.TryGetValue key with
                                        | true, ts -> ts.Add splits.[a].Index.[r]
                                        | _ -> shared.[key] <- ResizeArray [ splits.[a].Index.[r] ]

                    for KeyValue(struct (a, _, _), ts) in shared do
                        if ts.Count >= 2 && ts.Count < splits.[a].Terms.Length then
                            tried.Add(ts |> Seq.sort |> Seq.map (fun i -> splits.[a].Terms.[i]) |> Array.ofSeq)

                let seen = HashSet<Expr>(definedKeys, ExprIdentity.comparer)

                let sumCandidates =
                    [| for part in tried do
                           let key = scaleKey part

                           if seen.Add key then
                               let form = nameForm present key
                               let written = writtenScaled (termsOf form |> Array.map splitTerm)
                               // A part no sum writes alone needs MinOwnSize nodes: x0 + x2 inside
                               // 3*x1 - 2*x0 - 2*x2 + x3 reads as quickly in place as behind a name.
                               let whole = present.Contains form || present.Contains(Expr.sum (termsOf form |> Array.map Expr.neg))
                               if written >= 2L && (whole || Structure.treeSize form >= MinOwnSize) then yield form, written |]

                Array.append productCandidates sumCandidates
                // The largest first: a name for the whole before names for its pieces.
                |> Array.sortByDescending (fun (c, written) -> Structure.treeSize c * written)
                |> Array.truncate 32
                |> Array.mapi (fun i (c, _) -> Expr.symbol (sprintf "%s_new%d" prefix (i + 1)), c)

        let mutable defs = Array.append defs discovered
        let mutable results = block.Results
        // Each sum's terms split once for all the names (absorb compares every sum with every name).
        let splits = Dictionary<Expr, Split>(ExprIdentity.comparer)

        let splitOf (e: Expr) =
            match splits.TryGetValue e with
            | true, sp -> sp
            | _ ->
                let sp = split (termsOf e)
                splits.[e] <- sp
                sp

        // Larger definitions absorb first, so that a smaller name inside them is found afterwards.
        for (name, _) in defs |> Array.sortByDescending (fun (_, d) -> Structure.treeSize d) do
            // A name may not enter a definition it depends on (that would be circular).
            let reaches = HashSet<Expr>(ExprIdentity.comparer)
            let byName = dict defs

            let rec visit (d: Expr) =
                for s in Structure.freeSymbols d do
                    if byName.ContainsKey s && reaches.Add s then
                        visit byName.[s]

            let current = byName.[name]
            visit current

            defs <-
                defs
                |> Array.map (fun (n, d) ->
                    if Object.ReferenceEquals(n, name) || reaches.Contains n then n, d
                    else n, absorb monomials splitOf name current d)

            results <- results |> Array.map (absorb monomials splitOf name current)

        {
            Intermediates = dependencyOrder defs |> Array.map (fun (n, d) -> (match n.Node with | Symbol s -> s | _ -> ""), d)
            Results = results
        }

    /// The most rounds of `regroup` (regroupRounds): each can find shared terms that only the previous
    /// round's names made visible (1 - 200*t2 in two sums once t2 = x1 - x0^2 is written in both).
    [<Literal>]
    let private SubSumRounds = 3

    /// `regroup` (with sub-sums or not), then `prune`, until the block no longer changes (SubSumRounds at most).
    let private regroupRounds (subSums: bool) (prefix: string) (block: SharedBlock) =
        let same (a: SharedBlock) (b: SharedBlock) =
            a.Intermediates.Length = b.Intermediates.Length
            && Array.forall2 (fun (n: string, d: Expr) (m: string, e: Expr) -> n = m && Object.ReferenceEquals(d, e)) a.Intermediates b.Intermediates
            && Array.forall2 (fun (x: Expr) y -> Object.ReferenceEquals(x, y)) a.Results b.Results

        let rec go k (b: SharedBlock) =
            if k = 0 then
                b
            else
                let b' = b |> regroup subSums prefix |> prune prefix
                if same b b' then b else go (k - 1) b'

        // Above DiscoveryLimit regroup finds nothing new: a round would only absorb the same names again.
        if Structure.graphSize (Array.append (block.Intermediates |> Array.map snd) block.Results) > DiscoveryLimit then
            block
        else
            go SubSumRounds block

    /// The most terms multiplying out one sum may create when sums are compared in `canonical`.
    [<Literal>]
    let CanonicalBudget = 200

    /// `roots` with every sum written one way: two sums that multiply out (Simplify.expand) to the same
    /// polynomial are one value written two ways, as a rule's steps can be simplified apart (Newton's
    /// determinant on [x1 + x0², x0³] was 2*x0^2 + 15*x0^4 + … in Δx0 and 2*(x0^2 + x1 - ys0) + … in Δx1),
    /// and each is written as the smallest of them, so that it is one node and gets one name. Equal
    /// on paper; in doubles the forms round differently, by the rounding of the terms. Sums whose
    /// multiplying out would create more than CanonicalBudget terms are left as they are, and so is a
    /// graph of more than DiscoveryLimit nodes (every sum is multiplied out).
    [<CompiledName("Canonical")>]
    let canonical (roots: Expr[]) : Expr[] =
        let nodes = Structure.postOrder roots

        if nodes.Length > DiscoveryLimit then
            roots
        else
            // Polynomial form → the sums of that form, in post order (children before parents).
            let groups = Dictionary<Expr, ResizeArray<Expr>>(ExprIdentity.comparer)
            // One memo for every sum: a sum nested in others is multiplied out once, not once per enclosing sum.
            let memo = Simplify.ExpansionMemo()

            for n in nodes do
                match n.Node with
                // A product holding a sum too: g*(x1^2/g - eta*(x1^2/g - 5)) under one sqrt and x1^2 - eta*x1^2 +
                // 5*eta*g under another are one radicand (the projectile's PG rule wrote both).
                | Sum _
                | Product _ when (match n.Node with
                                  | Product fs -> fs |> Array.exists (fun f -> (termsOf f).Length > 1)
                                  | _ -> true) ->
                    let key = Simplify.expandShared memo CanonicalBudget n

                    match groups.TryGetValue key with
                    | true, g -> g.Add n
                    | _ -> groups.[key] <- ResizeArray [ n ]
                | _ -> ()

            let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)

            for g in groups.Values do
                if g.Count >= 2 then
                    // The smallest form (the first of equal size): it reads best, and is the one written.
                    let keep = g |> Seq.minBy Structure.treeSize

                    for n in g do
                        if not (Object.ReferenceEquals(n, keep)) then replacements.[n] <- keep

            if replacements.Count = 0 then
                roots
            else
                roots |> Array.map (Structure.substitute replacements)

    /// The block with the common factors of its sums taken out (factorCommon), in its definitions and
    /// results alike, then pruned again: a name that was written out twice only as the factor shared by
    /// two terms is then used once, and is written back in place.
    let private factorBlock (prefix: string) (block: SharedBlock) =
        if Structure.graphSize (Array.append (block.Intermediates |> Array.map snd) block.Results) > DiscoveryLimit then
            block
        else
            let factor = factorCommonWith block.Intermediates
            // Factoring with the names in view can bring out the very sum a named reciprocal divides by
            // (t1 = 1/(x1^2 + 1) beside x0 + (x0 - 1)*x1^2 - 1, grouped to (x0 - 1)*(x1^2 + 1)): in such a
            // product the name is written back, so that the sum cancels against its reciprocal.
            let reciprocals = Dictionary<Expr, Expr * Expr>(ExprIdentity.comparer)

            for (n, d) in block.Intermediates do
                match d.Node with
                | Power(b, k) when (match k.Node with | Number q -> q.Sign < 0 | _ -> false) -> reciprocals.[Expr.symbol n] <- (b, d)
                | _ -> ()

            let baseOf (f: Expr) = match f.Node with | Power(b, _) -> b | _ -> f

            let cancel (e: Expr) =
                if reciprocals.Count = 0 then
                    e
                else
                    e
                    |> Structure.rewriteBottomUp (fun n ->
                        match n.Node with
                        | Product fs ->
                            let bases = HashSet<Expr>(fs |> Seq.map baseOf, ExprIdentity.comparer)

                            let meets (f: Expr) =
                                match reciprocals.TryGetValue f with
                                | true, (b, _) -> bases.Contains b
                                | _ -> false

                            if fs |> Array.exists meets then
                                Expr.mul (fs |> Array.map (fun f -> if meets f then snd reciprocals.[f] else f))
                            else
                                n
                        | _ -> n)

            { Intermediates = block.Intermediates |> Array.map (fun (n, d) -> n, cancel (factor d))
              Results = block.Results |> Array.map (factor >> cancel) }
            |> prune prefix

    /// The block once its common factors are out (factorBlock): the names absorbed again, as taking a factor
    /// out can leave a name's factors or terms written out whole (t8 = 3*v^2*sin(th)^3/g - … held no t3 =
    /// v^2*sin(th)^2/g until sin(th) was taken out, then it held 3*t3), and each product's numbers cancelled
    /// between its coefficient and the content of its sums (Simplify.cancelContentOf: 2*(t7*t9/2 - t4*t6)/t10
    /// is (t7*t9 - 2*t4*t6)/t10, once a denominator named t10 is half of another). Same values.
    let private afterFactoring (prefix: string) (block: SharedBlock) =
        if Structure.graphSize (Array.append (block.Intermediates |> Array.map snd) block.Results) > DiscoveryLimit then
            block
        else
            // In rounds: a name written back by prune can leave a sum another name's sum divides times a
            // monomial (t3 + x0^2 with t3 = x0 + x1 written back is x0 + x0^2 + x1, which is t1*x0 + x1 for t1
            // = x0 + 1), absorbed in the next round, and that name's new form where it is written in the next.
            let block = block |> regroupRounds false prefix

            { Intermediates = block.Intermediates |> Array.map (fun (n, d) -> n, Simplify.cancelContentOf d)
              Results = block.Results |> Array.map Simplify.cancelContentOf }

    /// The block with each name whose definition prints with a leading minus (t6 = -t*ys0*cos(th)) standing
    /// for its negation instead (t6 = t*ys0*cos(th)), and its uses written −t6: a name reads as the quantity
    /// it names, and the sign belongs where it is used. A definition whose negation prints with a leading
    /// minus too is kept. Same values: a name t with t = −p becomes t' = p, and every use of t becomes −t'
    /// (negation is exact in floating point as well).
    [<CompiledName("PositiveNames")>]
    let positiveNames (block: SharedBlock) : SharedBlock =
        let flipped = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let leadingMinus (d: Expr) = (Infix.format d).StartsWith('-')

        let defs =
            block.Intermediates
            |> Array.map (fun (n, d) ->
                let d = if flipped.Count = 0 then d else Structure.substitute flipped d
                let negated = Expr.neg d

                if leadingMinus d && not (leadingMinus negated) then
                    let name = Expr.symbol n
                    flipped.[name] <- Expr.neg name
                    n, negated
                else
                    n, d)

        if flipped.Count = 0 then
            block
        else
            { Intermediates = defs
              Results = block.Results |> Array.map (Structure.substitute flipped) }

    /// The block with the names `names` (each exp(u), never 0) lifted out of the sums that divide by them: a
    /// reciprocal name's sum (t9 = 1/(t5*t8/t1 - t3^2)) written without the division (t9 = 1/(t5*t8 -
    /// t1*t3^2)) and its uses times what that took out (t9 ↦ t1*t9); then a product holding a positive power
    /// of such a name beside a sum that divides by it multiplies that power into the sum (t1*t9*(t5*t7/t1 -
    /// t2*t3*x1) ↦ t9*(t5*t7 - t1*t2*t3*x1)). Used where names were turned into their reciprocals
    /// (plainExponentials), so that doing so adds no division. Same values: S = M·S' with M the least powers
    /// of the names S's terms hold, each nonzero.
    let private liftNames (names: HashSet<Expr>) (block: SharedBlock) : SharedBlock =
        let exponentIn (g: Expr) (t: Expr) =
            snd (factorsOf t)
            |> Array.tryPick (fun f -> let (b, e) = baseAndExponent f in if Object.ReferenceEquals(b, g) then Some e else None)
            |> Option.defaultValue 0

        // Each name some term of ts divides by, with the least exponent any term holds it to (0 where absent).
        let contentIn (ts: Expr[]) =
            names |> Seq.map (fun g -> g, ts |> Array.map (exponentIn g) |> Array.min) |> Seq.filter (fun (_, m) -> m < 0) |> Array.ofSeq

        let scaled = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let defs =
            block.Intermediates
            |> Array.map (fun (n, d) ->
                let d = if scaled.Count = 0 then d else Structure.substitute scaled d

                match d.Node with
                | Power(s, k) ->
                    match s.Node, k.Node with
                    | Sum ts, Number q when q.IsInteger && q.Sign < 0 ->
                        match contentIn ts with
                        | [||] -> n, d
                        | content ->
                            let m = Expr.mul [ for (g, e) in content -> Expr.pow g (Expr.ofInt e) ]
                            let inverse = Expr.pow m Expr.minusOne
                            scaled.[Expr.symbol n] <- Expr.mul2 (Expr.pow m k) (Expr.symbol n)
                            n, Expr.pow (Expr.sum (ts |> Array.map (fun t -> Expr.mul2 t inverse))) k
                    | _ -> n, d
                | _ -> n, d)

        let distribute (e: Expr) =
            e
            |> Structure.rewriteBottomUp (fun n ->
                match n.Node with
                | Product fs when fs |> Array.exists (fun f -> match f.Node with | Sum _ -> true | _ -> false) ->
                    let held = Dictionary<Expr, int>(ExprIdentity.comparer)

                    for f in fs do
                        let (b, e) = baseAndExponent f
                        if names.Contains b && e > 0 then held.[b] <- e

                    if held.Count = 0 then
                        n
                    else
                        let sums =
                            fs
                            |> Array.map (fun f ->
                                match f.Node with
                                | Sum ts ->
                                    let mutable ts = ts

                                    for (g, m) in contentIn ts do
                                        match held.TryGetValue g with
                                        | true, h when h >= -m ->
                                            held.[g] <- h + m
                                            ts <- ts |> Array.map (fun t -> Expr.mul2 t (Expr.pow g (Expr.ofInt -m)))
                                        | _ -> ()

                                    Some(Expr.sum ts)
                                | _ -> None)

                        Array.map2
                            (fun (f: Expr) (s: Expr option) ->
                                match s with
                                | Some s -> s
                                | None ->
                                    let (b, e) = baseAndExponent f
                                    if e > 0 && held.ContainsKey b then Expr.pow b (Expr.ofInt held.[b]) else f)
                            fs
                            sums
                        |> Expr.mul
                | _ -> n)

        let results = if scaled.Count = 0 then block.Results else block.Results |> Array.map (Structure.substitute scaled)

        { Intermediates = defs |> Array.map (fun (n, d) -> n, distribute d)
          Results = results |> Array.map distribute }

    /// The block with each name for an exponential of a negated exponent (t2 = exp(-(x0 + x1))) that the block
    /// also writes as a reciprocal (1/t2, which is exp(x0 + x1)) standing for the plain exponential instead
    /// (t2 = exp(x0 + x1)), and its uses written with the power negated (t2 ↦ 1/t2), lifted out of the sums
    /// that then divide by it (liftNames: Newton on exp(x1*x0); exp(x1) keeps one denominator without a
    /// division, t9 = 1/(t5*t8 - t1*t3^2)): a name reads as the quantity the problem writes, exp(u) beside its
    /// reciprocal. Where exp(u) is not worth a name (exp(x1), worthAName) the name keeps exp(-u) and its
    /// reciprocals are written exp(u) in place (11*exp(x1), not 11/t1), the name written back too where
    /// that leaves it used once. A name never written as a reciprocal keeps its form (t1 = exp(-k*x0) where
    /// only that is written). Same values up to rounding: exp(−u) and 1/exp(u) are one real number (each
    /// rounded once).
    [<CompiledName("PlainExponentials")>]
    let plainExponentials (block: SharedBlock) : SharedBlock =
        let negated (u: Expr) = (Infix.format u).StartsWith('-')
        let nodes = Structure.postOrder (Array.append (block.Intermediates |> Array.map snd) block.Results)

        // The names the block writes to a negative power (1/t2, t2^-2).
        let reciprocal = HashSet<Expr>(ExprIdentity.comparer)

        for n in nodes do
            match n.Node with
            | Power(b, k) when (match b.Node, k.Node with
                                | Symbol _, Number q -> q.Sign < 0
                                | _ -> false) -> reciprocal.Add b |> ignore
            | _ -> ()

        let flipped = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        // The names kept as exp(-u), each with exp(u), which their reciprocals are written as.
        let inPlace = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let defs =
            block.Intermediates
            |> Array.map (fun (n, d) ->
                let d = if flipped.Count = 0 then d else Structure.substitute flipped d
                let name = Expr.symbol n

                match d.Node with
                | Apply(Function.Exp, u) when negated u && reciprocal.Contains name && not (negated (Expr.neg u)) ->
                    let plain = Expr.exp (Expr.neg u)

                    if worthAName plain then
                        flipped.[name] <- Expr.pow name Expr.minusOne
                        n, plain
                    else
                        inPlace.[name] <- plain
                        n, d
                | _ -> n, d)

        if flipped.Count = 0 && inPlace.Count = 0 then
            block
        else
            let results = if flipped.Count = 0 then block.Results else block.Results |> Array.map (Structure.substitute flipped)

            let block =
                if inPlace.Count = 0 then
                    { Intermediates = defs; Results = results }
                else
                    let write (e: Expr) =
                        e
                        |> Structure.rewriteBottomUp (fun n ->
                            match n.Node with
                            | Power(b, k) when inPlace.ContainsKey b && (match k.Node with | Number q -> q.Sign < 0 | _ -> false) ->
                                Expr.pow inPlace.[b] (Expr.neg k)
                            | _ -> n)

                    let defs = defs |> Array.map (fun (n, d) -> n, write d)
                    let results = results |> Array.map write
                    let counts = uses (Array.append (defs |> Array.map snd) results)
                    // A name left used once (or not at all) is written back (every name is used twice).
                    let dropped = Dictionary<Expr, Expr>(ExprIdentity.comparer)
                    let kept = ResizeArray<string * Expr>()

                    for (n, d) in defs do
                        let name = Expr.symbol n
                        let d = if dropped.Count = 0 then d else Structure.substitute dropped d

                        if inPlace.ContainsKey name && (match counts.TryGetValue name with | true, c -> c | _ -> 0L) < 2L then
                            dropped.[name] <- d
                        else
                            kept.Add((n, d))

                    if dropped.Count = 0 then
                        { Intermediates = defs; Results = results }
                    else
                        // Numbered 1, 2, … again without the gap, with the prefix the names have.
                        let renames = Dictionary<Expr, Expr>(ExprIdentity.comparer)

                        let renamed =
                            kept.ToArray()
                            |> Array.mapi (fun i (n, d) ->
                                let name = sprintf "%s%d" (n.TrimEnd [| '0'; '1'; '2'; '3'; '4'; '5'; '6'; '7'; '8'; '9' |]) (i + 1)
                                let d' = Structure.substitute renames d
                                renames.[Expr.symbol n] <- Expr.symbol name
                                name, d')

                        { Intermediates = renamed
                          Results = results |> Array.map (Structure.substitute dropped >> Structure.substitute renames) }

            if flipped.Count = 0 then block else liftNames (HashSet<Expr>(flipped.Keys, ExprIdentity.comparer)) block

    /// The block with each name's definition, where a later definition or a result still writes it out whole, written
    /// as the name: the passes after naming (regrouping, factoring, the positive and exponential forms) can rebuild a
    /// sum a name already stands for (Newton on (v + th)*sin(2*th)/g twice held t6 = 2*t4 - ys0 - ys1 and then
    /// t9 = t8^2 + 2*(t3/g - t4)*(2*t4 - ys0 - ys1)). Expressions are hash-consed, so a definition written again is
    /// the same node: only earlier names go into later lines (the order stays a dependency order), and a line is never
    /// replaced whole by another name. Names left used once are written back (prune). Same values.
    let private namesWrittenOut (prefix: string) (block: SharedBlock) : SharedBlock =
        let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let mutable changed = false

        let within (e: Expr) =
            let r = Expr.rebuild e (Expr.children e |> Array.map (Structure.substitute replacements))
            if not (Object.ReferenceEquals(r, e)) then changed <- true
            r

        let intermediates =
            block.Intermediates
            |> Array.map (fun (name, definition) ->
                let d = if replacements.Count = 0 then definition else within definition
                replacements.TryAdd(d, Expr.symbol name) |> ignore
                name, d)

        let results =
            block.Results
            |> Array.map (fun r -> if replacements.ContainsKey r then r else within r)

        if changed then
            { Intermediates = intermediates; Results = results } |> prune prefix
        else
            block

    /// The block with each product that holds a name for an exponential (t2 = exp(t1*x1)) beside another exponential
    /// factor written with the name's definition, so that the two merge (Expr.mul adds exponents): newton on
    /// exp(x0*x1)/exp(-x1); x1/x1 printed -eta*t1*t2*t3*t4*exp(-t1*x1), where t2·exp(−t1·x1) is exp(0) = 1. A factoring
    /// pass can bring a name beside an exponential after the names are chosen; this undoes only that. Same values.
    let private mergedExponentials (prefix: string) (block: SharedBlock) : SharedBlock =
        let definitions = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for (n, d) in block.Intermediates do
            match d.Node with
            | Apply(Function.Exp, _) -> definitions.[Expr.symbol n] <- d
            | _ -> ()

        let split (f: Expr) =
            match f.Node with
            | Power(b, k) -> b, k
            | _ -> f, Expr.one

        let exponential (f: Expr) =
            let b, _ = split f
            match b.Node with
            | Apply(Function.Exp, _) -> true
            | Symbol _ -> definitions.ContainsKey b
            | _ -> false

        let write (e: Expr) =
            e
            |> Structure.rewriteBottomUp (fun n ->
                match n.Node with
                | Product fs when (fs |> Array.filter exponential).Length >= 2 && fs |> Array.exists (fun f -> definitions.ContainsKey(fst (split f))) ->
                    fs
                    |> Array.map (fun f ->
                        let b, k = split f
                        match definitions.TryGetValue b with
                        | true, d -> Expr.pow d k
                        | _ -> f)
                    |> Expr.mul
                | _ -> n)

        if definitions.Count = 0 then
            block
        else
            let intermediates = block.Intermediates |> Array.map (fun (n, d) -> n, write d)
            let results = block.Results |> Array.map write
            let same = Array.forall2 (fun (_, a) (_, b) -> obj.ReferenceEquals(a, b)) block.Intermediates intermediates
                       && Array.forall2 (fun (a: Expr) b -> obj.ReferenceEquals(a, b)) block.Results results
            // Pruned only where a product changed: a name may then be used once.
            if same then block else prune prefix { Intermediates = intermediates; Results = results }

    /// A pass that only rewrites how a block reads, skipped where it would fold constants beyond doubles: gn on
    /// 1e-200*x0; 1e200*x1 is -eta*(x1 - 1E-200), but writing a sum over one term's coefficient tried 1E+200 × 1E+200
    /// and had refused the whole rule. Every pass keeps the block's values, so the block before it is as valid.
    let private optional (pass: SharedBlock -> SharedBlock) (block: SharedBlock) =
        try
            pass block
        with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite ->
            block

    /// Names the repeated non-trivial subexpressions of `roots` (extract, without lifting).
    let private extractAsGiven (prefix: string) (roots: Expr[]) : SharedBlock =
        // Common factors first out of the rules as written (eta*ys0/t + eta*ys0*cos(x)/t is one fraction
        // before ys0/t gets a name), and again once the names are in (factorBlock).
        let factored = if Structure.graphSize roots > DiscoveryLimit then roots else roots |> Array.map factorCommon
        let roots = canonical factored
        let order = Structure.postOrder roots
        // How often each node is written out once the named nodes are written only in their own line:
        // parents first, a named node passes 1 to each of its children, an unnamed one its own count.
        let occurrences = Dictionary<Expr, int>(ExprIdentity.comparer)
        let named = HashSet<Expr>(ExprIdentity.comparer)
        let count (e: Expr) = match occurrences.TryGetValue e with | true, c -> c | _ -> 0

        for r in roots do
            occurrences.[r] <- count r + 1

        // Candidates by their written size (MinSize); a sum or a function of more than an atom is one at
        // any size (worthAName). `prune` then keeps those that pay in terms of the other names.
        let worth (e: Expr) =
            match e.Node with
            | Symbol _
            | Number _
            | Real _
            | Pi -> false
            | Sum _ -> true
            | Apply _ when worthAName e -> true
            | _ -> Structure.treeSize e >= MinSize

        for i in order.Length - 1 .. -1 .. 0 do
            let n = order.[i]
            let c = count n

            let passed =
                if c >= 2 && worth n then
                    named.Add n |> ignore
                    1
                else
                    c

            for child in Expr.children n do
                // Saturate: a deeply shared graph can be written out astronomically often.
                occurrences.[child] <- int (min (int64 (count child) + int64 passed) (int64 Int32.MaxValue))

        let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let intermediates = ResizeArray<string * Expr>()
        // Children before parents: each definition uses only names defined above it.
        for n in order do
            if named.Contains n then
                let definition = Expr.rebuild n (Expr.children n |> Array.map (Structure.substitute replacements))
                let name = sprintf "%s%d" prefix (intermediates.Count + 1)
                intermediates.Add((name, definition))
                replacements.[n] <- Expr.symbol name

        {
            Intermediates = intermediates.ToArray()
            Results = roots |> Array.map (Structure.substitute replacements)
        }
        |> prune prefix
        |> optional (regroup false prefix)
        |> prune prefix
        |> optional (regroupRounds true prefix)
        |> optional (factorBlock prefix)
        |> optional (afterFactoring prefix)
        |> optional positiveNames
        |> optional plainExponentials
        |> optional (namesWrittenOut prefix)
        |> optional (mergedExponentials prefix)

    /// The characters a block prints: each `name = definition` line and each result, in infix.
    let private printedLength (block: SharedBlock) =
        (block.Intermediates |> Array.sumBy (fun (n, d) -> int64 (n.Length + 3 + (Infix.format d).Length)))
        + (block.Results |> Array.sumBy (fun r -> int64 (Infix.format r).Length))

    /// `roots` with a sum S2 that some power divides by written exp(w)·S1 where S1 = S2·exp(−w) is another sum
    /// they divide by, w the exponent of an exponential factor of a term of S2: Newton on exp(x0*x1); exp(x1)
    /// divided by t6*t7 - t1*t3^2 in one step and by t6*t7*exp(-x0*x1) - t3^2 in the other (the exponential
    /// cancelled differently per step), one value that then gets one name. Same value (exp(w)·exp(−w) = 1).
    let private sameDenominators (roots: Expr[]) =
        let bases =
            Structure.postOrder roots
            |> Array.choose (fun n ->
                match n.Node with
                | Power(b, x) ->
                    match b.Node, x.Node with
                    | Sum _, Number q when q.IsInteger && q.Sign < 0 -> Some b
                    | _ -> None
                | _ -> None)
            |> Array.distinct

        let present = HashSet<Expr>(bases, ExprIdentity.comparer)
        let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let targets = HashSet<Expr>(ExprIdentity.comparer)

        for s in bases do
            let exponents =
                termsOf s
                |> Array.choose (fun t -> snd (factorsOf t) |> Array.tryPick (fun f -> match f.Node with | Apply(Function.Exp, u) -> Some u | _ -> None))
                |> Array.distinct

            let written =
                exponents
                |> Array.tryPick (fun w ->
                    let other = Expr.sum (termsOf s |> Array.map (fun t -> Expr.mul2 t (Expr.exp (Expr.neg w))))
                    if present.Contains other && not (replacements.ContainsKey other) then Some(w, other) else None)

            match written with
            | Some(w, other) when not (targets.Contains s) ->
                replacements.[s] <- Expr.mul2 (Expr.exp w) other
                targets.Add other |> ignore
            | _ -> ()

        if replacements.Count = 0 then roots else roots |> Array.map (Structure.substitute replacements)

    /// Names the repeated non-trivial subexpressions of `roots`, with names `prefix`1, `prefix`2, …, after
    /// writing equal sums one way (`canonical`). A sum the roots divide by may be written two ways in two
    /// places: with symbols its terms divide by lifted out or not, with an exponential cancelled or not. The
    /// block is also formed with those symbols lifted out of every such denominator
    /// (Simplify.liftAllReciprocals) and with the sums that differ by an exponential factor written one way
    /// (sameDenominators), and the form that prints shortest in all is kept: Newton on G*M*x0/x1^2; x1
    /// divided by G^2*M^2*t2/x1^4 - 4*t5^2 in one step and by G^2*M^2*t2 - 4*t5^2*x1^4 in the other, two
    /// names' worth for one value; lifted, both name G^2*M^2*t2 - 4*t5^2*x1^4 once. Roots that write an angle
    /// both as u and as 2u (Simplify.mixesAngles) are written with each such angle one way first
    /// (Simplify.angleForms, the forms that leave no angle mixed), and only those forms compete.
    [<CompiledName("Extract")>]
    let extract (prefix: string) (roots: Expr[]) : SharedBlock =
        if Structure.graphSize roots > DiscoveryLimit then
            extractAsGiven prefix roots
        else
            // A rule that writes an angle both ways (sin(2*th) beside sin(th)^2) is written one way only: each
            // such angle halved, or every one doubled where that leaves none written as u, the shorter.
            let forms =
                match Simplify.angleForms roots |> List.filter (Simplify.mixesAngles >> not) with
                | [] -> [ roots ]
                | consistent -> consistent

            // An alternative whose forming folds constants beyond doubles is not among them (the form as given always is).
            let tried (f: unit -> 'a) =
                try
                    Some(f ())
                with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite ->
                    None

            forms
            |> List.collect (fun form ->
                let lifted = tried (fun () -> form |> Array.map Simplify.liftAllReciprocals)
                [ Some form; lifted; tried (fun () -> sameDenominators form); lifted |> Option.bind (fun l -> tried (fun () -> sameDenominators l)) ]
                |> List.choose id)
            |> List.distinctBy (Array.map (fun x -> x.Id))
            // The first of the shortest: the form as given where nothing is shorter.
            |> List.choose (fun alt -> tried (fun () -> let block = extractAsGiven prefix alt in block, printedLength block))
            |> function
                | [] -> [ extractAsGiven prefix roots, 0L ] // raises the overflow of the form as given itself
                | blocks -> blocks
            |> List.minBy snd
            |> fst

    /// `r` over the step size `eta` when every term of `r` holds `eta` itself as a factor (eta*a - eta*b ↦
    /// a - b, -eta*(y0 - ys0) ↦ -(y0 - ys0)); None when a term does not (pg's P⁻¹(y + η·…) − x).
    let private overStep (eta: Expr) (r: Expr) =
        let holds (t: Expr) = snd (factorsOf t) |> Array.exists (fun f -> Object.ReferenceEquals(f, eta))
        let ts = termsOf r

        if ts |> Array.forall holds then
            let inverse = Expr.pow eta Expr.minusOne
            Some(Expr.sum (ts |> Array.map (fun t -> Expr.mul2 t inverse)))
        else
            None

    /// eta·r, the sign with the sum where that prints shorter, else with fewer minus signs: -eta*(a + b),
    /// not eta*(-a - b).
    let private timesStep (eta: Expr) (r: Expr) =
        let plus = Expr.mul2 eta r

        match r.Node with
        | Sum ts ->
            let minus = Expr.neg (Expr.mul2 eta (Expr.sum (ts |> Array.map Expr.neg)))
            [ plus; minus ] |> List.minBy (fun x -> let s = Infix.format x in s.Length, s.Split('-').Length)
        | _ -> plus

    /// `extract` of the rules `roots` in the step size `step` (η): each root whose every term is η times
    /// something is written η·(…), with η taken out before the names are sought, so that no intermediate
    /// holds η and a rule reads x0 - eta*(a + b), not x0 - eta*a - eta*b (gd on [1e8*x0, 1e-8*x1] wrote
    /// 100000000*eta*ys0 - 1E+16*eta*x0). The other roots are named as `extract` names them. Same value:
    /// η·(Σ tᵢ/η) = Σ tᵢ, the η of each term cancelled exactly.
    [<CompiledName("ExtractPerStep")>]
    let extractPerStep (step: string) (prefix: string) (roots: Expr[]) : SharedBlock =
        let eta = Expr.symbol step
        let quotients = roots |> Array.map (overStep eta)
        let block = extract prefix (Array.map2 (fun q r -> defaultArg q r) quotients roots)

        { block with
            Results = Array.map2 (fun (q: Expr option) r -> if q.IsSome then timesStep eta r else r) quotients block.Results }

    /// The expressions again, with every intermediate substituted back (the inverse of `extract`).
    [<CompiledName("Inline")>]
    let inlineAll (block: SharedBlock) : Expr[] =
        let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for (name, definition) in block.Intermediates do
            d.[Expr.symbol name] <- Structure.substitute d definition

        block.Results |> Array.map (Structure.substitute d)
