namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// Multivariate polynomials with exact rational coefficients, for cancelling the greatest common divisor
/// of a quotient's numerator and denominator (Simplify). The indeterminates are "atoms": the symbols of an
/// expression and every subexpression that is not a sum, a product, a number or a positive integer power
/// (sin(x), sqrt(x + 1), 1/r, a floating constant) taken as opaque. An identity of polynomials in
/// independent indeterminates holds for any values put in for them, so a division that is exact here is
/// exact for the expression, whatever the atoms stand for.
///
/// Sparse: a polynomial is its terms (exponent vector, non-zero coefficient) in decreasing lexicographic
/// order of the exponents. Every operation spends from a Work budget and the sizes are capped; past either
/// the operation raises TooLarge, and the caller keeps its expression as it is.
module internal Polynomial =

    exception TooLarge

    /// The most terms any polynomial (an input, an intermediate, a result) may have.
    [<Literal>]
    let MaxTerms = 400

    /// The highest exponent of one atom in any polynomial.
    [<Literal>]
    let MaxDegree = 32

    /// The most atoms one conversion may hold.
    [<Literal>]
    let MaxAtoms = 16

    /// A budget in term operations (one coefficient multiplied or added).
    type Work(budget: int64) =
        let mutable left = budget

        /// What is left of the budget (negative once spent past it).
        member _.Left = left

        member _.Spend(n: int64) =
            left <- left - n

            if left < 0L then
                raise TooLarge

    type Poly = (int[] * Rational)[]

    let private compareMono (a: int[]) (b: int[]) =
        let mutable i = 0
        let mutable c = 0

        while c = 0 && i < a.Length do
            c <- compare a.[i] b.[i]
            i <- i + 1

        c

    let private monoComparer =
        { new IEqualityComparer<int[]> with
            member _.Equals(a, b) = compareMono a b = 0

            member _.GetHashCode(a) =
                let mutable h = 17

                for x in a do
                    h <- h * 31 + x

                h }

    /// The terms of an accumulator, zeros dropped, in decreasing lexicographic order.
    let private ofTerms (acc: Dictionary<int[], Rational>) : Poly =
        if acc.Count > MaxTerms then
            raise TooLarge

        acc
        |> Seq.filter (fun kv -> not kv.Value.IsZero)
        |> Seq.map (fun kv -> kv.Key, kv.Value)
        |> Array.ofSeq
        |> Array.sortWith (fun (a, _) (b, _) -> compareMono b a)

    let private accumulate (acc: Dictionary<int[], Rational>) (m: int[]) (c: Rational) =
        match acc.TryGetValue m with
        | true, d -> acc.[m] <- d + c
        | _ -> acc.[m] <- c

    /// The constant c in n atoms.
    let constant (n: int) (c: Rational) : Poly =
        if c.IsZero then [||] else [| Array.zeroCreate n, c |]

    let isConstant (p: Poly) =
        p.Length = 0 || (p.Length = 1 && Array.forall ((=) 0) (fst p.[0]))

    let add (w: Work) (a: Poly) (b: Poly) : Poly =
        w.Spend(int64 (a.Length + b.Length))
        let acc = Dictionary<int[], Rational>(monoComparer)

        for (m, c) in a do
            accumulate acc m c

        for (m, c) in b do
            accumulate acc m c

        ofTerms acc

    let scale (k: Rational) (a: Poly) : Poly =
        if k.IsZero then [||] else a |> Array.map (fun (m, c) -> m, k * c)

    let sub (w: Work) (a: Poly) (b: Poly) = add w a (scale Rational.MinusOne b)

    let mul (w: Work) (a: Poly) (b: Poly) : Poly =
        w.Spend(int64 a.Length * int64 b.Length)
        let acc = Dictionary<int[], Rational>(monoComparer)

        for (m, c) in a do
            for (k, d) in b do
                let e = Array.map2 (+) m k

                if Array.exists (fun x -> x > MaxDegree) e then
                    raise TooLarge

                accumulate acc e (c * d)

        ofTerms acc

    /// a times the monomial c·x^m (the order of the terms is kept: lexicographic order is monomial-invariant).
    let private shift (m: int[]) (c: Rational) (a: Poly) : Poly =
        a |> Array.map (fun (k, d) -> Array.map2 (+) m k, c * d)

    /// a / b when b divides a exactly (zero remainder), else None. Exact: each step takes the leading term
    /// of the remainder, and if b divides a the remainder (q − t)·b stays a multiple of b whose leading term
    /// is a multiple of b's; a leading term that is not one proves b does not divide a.
    let tryDivide (w: Work) (a: Poly) (b: Poly) : Poly option =
        if b.Length = 0 then
            None
        else
            let lb, cb = b.[0]
            let quotient = Dictionary<int[], Rational>(monoComparer)
            let mutable r = a
            let mutable ok = true

            while ok && r.Length > 0 do
                let lr, cr = r.[0]

                if Array.forall2 (fun x y -> x >= y) lr lb then
                    let m = Array.map2 (-) lr lb
                    let c = cr / cb
                    accumulate quotient m c
                    r <- sub w r (shift m c b)
                else
                    ok <- false

            if ok then Some(ofTerms quotient) else None

    let degreeIn (v: int) (p: Poly) =
        p |> Array.fold (fun d (m, _) -> max d m.[v]) 0

    /// p as a polynomial in atom v: the coefficient of each power of v (itself free of v), highest first.
    let coefficientsIn (v: int) (p: Poly) : Poly[] =
        p
        |> Array.groupBy (fun (m, _) -> m.[v])
        |> Array.sortByDescending fst
        |> Array.map (fun (_, ts) -> ts |> Array.map (fun (m, c) -> Array.updateAt v 0 m, c))

    /// p scaled so that its leading coefficient is 1 (0 stays 0).
    let monic (p: Poly) : Poly =
        if p.Length = 0 then p else scale (Rational.One / snd p.[0]) p

    /// The pseudo-remainder of a by b in atom v (deg_v b ≥ 1): lc(b)^k·a − q·b with deg_v below deg_v b.
    let private pseudoRemainder (w: Work) (v: int) (a: Poly) (b: Poly) : Poly =
        let db = degreeIn v b
        let lb = (coefficientsIn v b).[0]
        let mutable r = a

        while r.Length > 0 && degreeIn v r >= db do
            let vk = Array.zeroCreate (fst b.[0]).Length
            vk.[v] <- degreeIn v r - db
            let lr = (coefficientsIn v r).[0]
            r <- sub w (mul w lb r) (mul w (shift vk Rational.One lr) b)

        r

    let private exactly (w: Work) (a: Poly) (b: Poly) =
        match tryDivide w a b with
        | Some q -> q
        | None -> raise TooLarge

    /// The greatest common divisor of a and b, monic (1 when they have no common factor of positive degree):
    /// the recursive Euclidean algorithm with primitive pseudo-remainders (Knuth, TAOCP vol. 2, 4.6.1,
    /// Algorithm E; Geddes, Czapor and Labahn, "Algorithms for Computer Algebra", 7.2), the contents taken
    /// with respect to each atom in turn by the same gcd in the remaining atoms.
    let rec gcd (w: Work) (a: Poly) (b: Poly) : Poly =
        if a.Length = 0 then
            monic b
        elif b.Length = 0 then
            monic a
        else
            let n = (fst a.[0]).Length

            if isConstant a || isConstant b then
                constant n Rational.One
            else
                let v = Seq.find (fun v -> degreeIn v a > 0 || degreeIn v b > 0) (seq { 0 .. n - 1 })

                if degreeIn v a = 0 then
                    contentWith w v b a
                elif degreeIn v b = 0 then
                    contentWith w v a b
                else
                    let ca, cb = content w v a, content w v b
                    let c = gcd w ca cb
                    let mutable p = exactly w a ca
                    let mutable q = exactly w b cb

                    if degreeIn v p < degreeIn v q then
                        let t = p
                        p <- q
                        q <- t

                    while q.Length > 0 do
                        let r = pseudoRemainder w v p q
                        p <- q

                        q <-
                            if r.Length = 0 then r
                            elif degreeIn v r = 0 then constant n Rational.One
                            else monic (exactly w r (content w v r))

                    let g = if degreeIn v p = 0 then constant n Rational.One else p
                    monic (mul w c g)

    /// The gcd of x and every coefficient of a in atom v.
    and private contentWith (w: Work) (v: int) (a: Poly) (x: Poly) =
        let mutable g = x

        for c in coefficientsIn v a do
            if not (isConstant g) then
                g <- gcd w g c

        if isConstant g then constant (fst a.[0]).Length Rational.One else g

    /// The content of a in atom v: the gcd of its coefficients.
    and private content (w: Work) (v: int) (a: Poly) =
        let cs = coefficientsIn v a
        contentWith w v a cs.[0]

    /// The atoms of expressions, numbered in the order met.
    type Atoms() =
        let index = Dictionary<Expr, int>(ExprIdentity.comparer)
        let list = List<Expr>()

        member _.Count = list.Count
        member _.Item(i: int) = list.[i]

        member _.IndexOf(e: Expr) =
            match index.TryGetValue e with
            | true, i -> i
            | _ ->
                if list.Count >= MaxAtoms then
                    raise TooLarge

                index.[e] <- list.Count
                list.Add e
                list.Count - 1

    /// A positive integer exponent up to MaxDegree, as the power rules read it.
    let private smallPower (x: Expr) =
        match x.Node with
        | Number q when q.IsInteger && q.Sign > 0 && q.Num <= Numerics.BigInteger MaxDegree -> Some(int q.Num)
        | _ -> None

    /// Every atom of e (see the module), each once, in the order met. A walk of the graph: each shared node once.
    let private atomsOf (e: Expr) =
        let atoms = List<Expr>()
        let seen = HashSet<Expr>(ExprIdentity.comparer)

        let rec walk (e: Expr) =
            if seen.Add e then
                match e.Node with
                | Number _ -> ()
                | Sum xs
                | Product xs -> Array.iter walk xs
                | Power(b, x) when (smallPower x).IsSome -> walk b
                | _ -> atoms.Add e

        walk e
        atoms

    /// Numbers every atom of e (see the module); call on every expression before converting any of them.
    let collectAtoms (atoms: Atoms) (e: Expr) =
        for a in atomsOf e do
            atoms.IndexOf a |> ignore

    /// e as a polynomial in the atoms (all of its atoms already numbered). Each shared node is converted once.
    let ofExpr (w: Work) (atoms: Atoms) (e: Expr) : Poly =
        let n = atoms.Count
        let memo = Dictionary<Expr, Poly>(ExprIdentity.comparer)

        let rec convert (e: Expr) =
            match memo.TryGetValue e with
            | true, p -> p
            | _ ->
                let p =
                    match e.Node with
                    | Number q -> constant n q
                    | Sum xs -> xs |> Array.map convert |> Array.reduce (add w)
                    | Product xs -> xs |> Array.map convert |> Array.reduce (mul w)
                    | Power(b, x) when (smallPower x).IsSome ->
                        let p = convert b
                        let mutable r = p

                        for _ in 2 .. (smallPower x).Value do
                            r <- mul w r p

                        r
                    | _ ->
                        let m = Array.zeroCreate n
                        m.[atoms.IndexOf e] <- 1
                        [| m, Rational.One |]

                memo.[e] <- p
                p

        convert e

    /// p written out as a sum of products of its coefficients and atom powers.
    let toExpr (atoms: Atoms) (p: Poly) : Expr =
        Expr.sum
            [ for (m, c) in p ->
                  Expr.mul
                      [ yield Expr.number c
                        for i in 0 .. m.Length - 1 do
                            if m.[i] > 0 then
                                yield Expr.pow atoms.[i] (Expr.ofInt m.[i]) ] ]

    // ---- The coprimality screen: images over GF(p) ----

    /// The prime of the screen, 2^31 − 1: the product of two residues fits an int64.
    [<Literal>]
    let private Prime = 2147483647L

    /// The longest image the screen computes (exponents of its atom up to 4·MaxDegree); a longer one
    /// leaves the pair to the exact gcd, whose own caps then decide.
    [<Literal>]
    let private MaxImageDegree = 128

    let inline private times (a: int64) (b: int64) = a * b % Prime

    let private powerMod (b: int64) (e: int64) =
        let mutable r = 1L
        let mutable b = b
        let mutable e = e

        while e > 0L do
            if e &&& 1L = 1L then
                r <- times r b

            b <- times b b
            e <- e >>> 1

        r

    let private inverseMod (a: int64) = powerMod a (Prime - 2L)

    /// q modulo Prime, or −1 when Prime divides its denominator (q is then no element of the local ring the
    /// screen reduces in).
    let private residue (q: Rational) =
        let p = Numerics.BigInteger Prime
        let d = int64 (Numerics.BigInteger.Remainder(q.Den, p))

        if d = 0L then
            -1L
        else
            let n = int64 (Numerics.BigInteger.Remainder(q.Num, p))
            times (if n < 0L then n + Prime else n) (inverseMod d)

    /// A polynomial in one atom over GF(Prime), its coefficients lowest power first, no zero at the top
    /// ([||] is 0); and the least and greatest exponent of the atom that the written expression it is the
    /// image of can have (a sum: the least and greatest of its terms'; a product: the sums of its factors').
    [<Struct>]
    type private Image = { Coefficients: int64[]; Low: int; High: int }

    let private trim (a: int64[]) (length: int) =
        let mutable n = length

        while n > 0 && a.[n - 1] = 0L do
            n <- n - 1

        if n = a.Length then a else Array.sub a 0 n

    let private addImages (a: int64[]) (b: int64[]) =
        let r = Array.zeroCreate (max a.Length b.Length)
        Array.blit a 0 r 0 a.Length

        for i in 0 .. b.Length - 1 do
            r.[i] <- (r.[i] + b.[i]) % Prime

        trim r r.Length

    let private multiplyImages (a: int64[]) (b: int64[]) =
        if a.Length = 0 || b.Length = 0 then
            [||]
        elif a.Length + b.Length - 2 > MaxImageDegree then
            raise TooLarge
        else
            let r = Array.zeroCreate (a.Length + b.Length - 1)

            for i in 0 .. a.Length - 1 do
                if a.[i] <> 0L then
                    for j in 0 .. b.Length - 1 do
                        r.[i + j] <- (r.[i + j] + times a.[i] b.[j]) % Prime

            // GF(Prime) is a field: the top coefficient, a product of two non-zero ones, is not 0.
            r

    /// The degree of the gcd of two non-zero polynomials over GF(Prime): Euclid's algorithm.
    let private gcdDegree (a: int64[]) (b: int64[]) =
        let mutable a = a
        let mutable b = b

        while b.Length > 0 do
            let r = Array.copy a
            let top = inverseMod b.[b.Length - 1]
            let mutable n = r.Length

            while n >= b.Length do
                let c = times r.[n - 1] top

                if c <> 0L then
                    let shift = n - b.Length

                    for i in 0 .. b.Length - 1 do
                        r.[shift + i] <- (r.[shift + i] + Prime - times c b.[i]) % Prime

                n <- n - 1

            a <- b
            b <- trim r n

        a.Length - 1

    /// The image of e in GF(Prime)[t]: every atom replaced by leaf(atom) (a polynomial in t with its bounds),
    /// every number by its residue. Raises TooLarge when Prime divides a denominator or the image passes
    /// MaxImageDegree.
    let private imageOf (memo: Dictionary<Expr, Image>) (leaf: Expr -> Image) (e: Expr) =
        let rec image (e: Expr) =
            match memo.TryGetValue e with
            | true, i -> i
            | _ ->
                let i =
                    match e.Node with
                    | Number q ->
                        let r = residue q

                        if r < 0L then
                            raise TooLarge

                        { Coefficients = (if r = 0L then [||] else [| r |]); Low = 0; High = 0 }
                    | Sum xs ->
                        let parts = Array.map image xs

                        { Coefficients = parts |> Array.map (fun p -> p.Coefficients) |> Array.reduce addImages
                          Low = parts |> Array.map (fun p -> p.Low) |> Array.min
                          High = parts |> Array.map (fun p -> p.High) |> Array.max }
                    | Product xs ->
                        let parts = Array.map image xs

                        { Coefficients = parts |> Array.map (fun p -> p.Coefficients) |> Array.reduce multiplyImages
                          Low = parts |> Array.sumBy (fun p -> p.Low)
                          High = parts |> Array.sumBy (fun p -> p.High) }
                    | Power(b, x) when (smallPower x).IsSome ->
                        let k = (smallPower x).Value
                        let p = image b
                        let mutable r = p.Coefficients

                        for _ in 2..k do
                            r <- multiplyImages r p.Coefficients

                        { Coefficients = r; Low = k * p.Low; High = k * p.High }
                    | _ -> leaf e

                memo.[e] <- i
                i

        image e

    /// A point of GF(Prime) for atom u: splitmix64 of the atom's structural hash and seed, so the same in every
    /// run and process; never 0.
    let private pointOf (seed: uint64) (u: Expr) =
        let mutable z = uint64 u.Hash * 0x9E3779B97F4A7C15UL + seed
        z <- (z ^^^ (z >>> 30)) * 0xBF58476D1CE4E5B9UL
        z <- (z ^^^ (z >>> 27)) * 0x94D049BB133111EBUL
        z <- z ^^^ (z >>> 31)
        int64 (z % uint64 (Prime - 1L)) + 1L

    /// Whether the screen proves a and b coprime along one line: each atom u put at pointOf(u) + pointOf'(u)·t.
    /// A common factor g of positive total degree gives a factor g(line) of both images of the same degree
    /// whenever one image keeps its polynomial's total degree (its top homogeneous part does not vanish
    /// in the direction; checked against the written form's bound, as in coprimeIn), so an image gcd of
    /// degree 0 proves gcd 1. None when no image keeps its degree; Some false when the images share a
    /// factor (a common monomial does too: coprimeIn then looks in each atom).
    let private coprimeOnLine (a: Expr) (b: Expr) =
        let leaf (u: Expr) = { Coefficients = [| pointOf 0x11AEUL u; pointOf 0xD1EC7UL u |]; Low = 0; High = 1 }
        let memo = Dictionary<Expr, Image>(ExprIdentity.comparer)
        let ia, ib = imageOf memo leaf a, imageOf memo leaf b
        let exact (i: Image) = i.Coefficients.Length > 0 && i.Coefficients.Length - 1 = i.High

        if ia.Coefficients.Length = 0 || ib.Coefficients.Length = 0 || not (exact ia || exact ib) then None
        else Some(gcdDegree ia.Coefficients ib.Coefficients = 0)

    /// The lowest exponent with a non-zero coefficient (the image is not 0).
    let private valuation (a: int64[]) = Array.findIndex ((<>) 0L) a

    /// Whether the screen proves, in atom v, that the gcd of a and b (each read as ofExpr reads it) has no
    /// factor of positive degree in v other than v itself, with the atoms but v at one point of seed.
    /// Some false when an image proves nothing, None when the point is unlucky (see
    /// monomialGcd).
    let private coprimeIn (seed: uint64) (v: Expr) (a: Expr) (b: Expr) =
        let leaf (u: Expr) =
            if obj.ReferenceEquals(u, v) then { Coefficients = [| 0L; 1L |]; Low = 1; High = 1 }
            else { Coefficients = [| pointOf seed u |]; Low = 0; High = 0 }

        let memo = Dictionary<Expr, Image>(ExprIdentity.comparer)
        let ia, ib = imageOf memo leaf a, imageOf memo leaf b
        // Exact in degree and valuation: the image's top and bottom exponents are the polynomial's own.
        let exact (i: Image) =
            i.Coefficients.Length > 0 && i.Coefficients.Length - 1 = i.High && valuation i.Coefficients = i.Low

        if ia.Coefficients.Length = 0 || ib.Coefficients.Length = 0 || not (exact ia || exact ib) then
            None
        else
            let stripped (i: Image) = Array.sub i.Coefficients (valuation i.Coefficients) (i.Coefficients.Length - valuation i.Coefficients)
            Some(gcdDegree (stripped ia) (stripped ib) = 0)

    /// The pairs already proven (DirectMapped, one per thread), by the two expressions' ids: interned
    /// expressions are one object per structure and an id is never given twice, so a kept pair is the same
    /// two polynomials.
    [<Sealed; AbstractClass>]
    type private Proven =
        [<ThreadStatic; DefaultValue>]
        static val mutable private mine: DirectMapped<struct (int64 * int64), bool>

        static member Current =
            if isNull Proven.mine then
                Proven.mine <- DirectMapped(12)

            Proven.mine

    /// Whether the gcd of the polynomials a and b (each read as ofExpr reads it) is proven to be a monomial
    /// (a product of atoms, or 1), so that there is nothing for gcd to cancel but what cancelMonomials
    /// takes out; false when the screen cannot tell (then gcd decides). Certain, never by chance. First
    /// one image along a line (coprimeOnLine), which proves gcd 1 at the cost of one walk; then for each
    /// atom v of both, every other atom is put at a point modulo Prime (from its hash) and the gcd of the
    /// two images in GF(Prime)[v], their powers of v taken out, is computed. An irreducible factor f ≠ v of
    /// both with positive degree in v stays a factor of positive degree of both images, with no factor v,
    /// whenever one of them keeps its polynomial's degree and valuation in v (Gauss's lemma over the
    /// rationals with denominators prime to Prime; checked against the written form's bounds, which the
    /// polynomial's lie between); so image gcds of degree 0 in every common atom leave no such f. A factor
    /// of positive degree holds only atoms of both: with none in common the gcd is 1. An unlucky point (a
    /// degree or valuation lost in both images) is tried again at a second one, then left to gcd.
    let monomialGcd (a: Expr) (b: Expr) : bool =
        let cache = Proven.Current
        let key = struct (a.Id, b.Id)
        let slot = cache.Slot(uint64 a.Id * 0x632BE59BD9B4E019UL + uint64 b.Id)

        match cache.TryGet(slot, key) with
        | ValueSome proven -> proven
        | ValueNone ->
            let proven =
                try
                    let inB = HashSet<Expr>(atomsOf b, ExprIdentity.comparer)
                    let shared = atomsOf a |> Seq.filter inB.Contains |> Array.ofSeq

                    shared.Length = 0
                    || coprimeOnLine a b = Some true
                    || shared
                       |> Array.forall (fun v ->
                           match coprimeIn 0x5EEDUL v a b with
                           | Some proven -> proven
                           | None -> coprimeIn 0xC0FFEEUL v a b = Some true)
                with TooLarge ->
                    false

            cache.Set(slot, key, proven)
            proven
