namespace PhysGrad.Symbolic

open System
open System.Collections.Generic
open System.Numerics

/// The double-precision values of the elementary functions, shared by constant folding and the
/// interpreter so that both agree bit for bit.
module Elementary =
    /// sign(x) as a double: −1, 0 or 1, and NaN for NaN (Math.Sign would throw).
    let sign (x: float) =
        if Double.IsNaN x then nan
        elif x > 0.0 then 1.0
        elif x < 0.0 then -1.0
        else 0.0

    /// log(1 + x) to a few ulps for every x > −1 (Goldberg's correction, "What every computer
    /// scientist should know about floating-point arithmetic", Theorem 4): u = 1 + x rounds, but
    /// log(u)·x/(u − 1) divides out the rounding of u. x itself where u rounds to 1 (then
    /// log(1 + x) = x − x²/2 + … equals x in double precision); +∞ for +∞; NaN below −1 as log.
    [<CompiledName("Log1p")>]
    let log1p (x: float) =
        let u = 1.0 + x

        if u = 1.0 then x
        elif Double.IsPositiveInfinity u then u
        else Math.Log u * x / (u - 1.0)

    /// exp(x) − 1 to a few ulps (Kahan's form (u − 1)·x/log u with u = exp x, which divides out the
    /// rounding of u, as log1p above): x where u rounds to 1, −1 where u − 1 rounds to −1, +∞ on
    /// overflow.
    [<CompiledName("Expm1")>]
    let expm1 (x: float) =
        let u = Math.Exp x

        if u = 1.0 then x
        elif u - 1.0 = -1.0 then -1.0
        elif Double.IsPositiveInfinity u then u
        else (u - 1.0) * x / Math.Log u

    /// atan2(y, x) with the zeros of y unsigned, as in exact arithmetic: atan2(−0.0, −1) is π, not −π
    /// (a −0.0 arises from −1·0.0 or √−0.0 where the exact value is plain 0).
    [<CompiledName("Atan2")>]
    let atan2 (y: float) (x: float) = Math.Atan2(y + 0.0, x)

    /// f(x) in double precision.
    let apply (f: Function) (x: float) =
        match f with
        | Function.Sin -> Math.Sin x
        | Function.Cos -> Math.Cos x
        | Function.Tan -> Math.Tan x
        | Function.Asin -> Math.Asin x
        | Function.Acos -> Math.Acos x
        | Function.Atan -> Math.Atan x
        | Function.Sinh -> Math.Sinh x
        | Function.Cosh -> Math.Cosh x
        | Function.Tanh -> Math.Tanh x
        | Function.Exp -> Math.Exp x
        | Function.Log -> Math.Log x
        | Function.Abs -> Math.Abs x
        | Function.Log1p -> log1p x
        | Function.Expm1 -> expm1 x
        | Function.Log10 -> Math.Log10 x
        | Function.Log2 -> Math.Log2 x
        | _ -> sign x

/// The smart constructors. Every expression is built through these, and they apply the automatic
/// simplifications that are always sound (they never change a value where the input is defined):
/// flattening of sums and products, constant folding (exact where the inputs are exact), canonical
/// order, merging like terms (2x + 3x = 5x) and like powers (x·x² = x³), the identities of 0 and 1,
/// `(x^a)^n = x^(a·n)` and `(x·y)^n = xⁿ·yⁿ` for integer n only, `exp(a)^b = exp(a·b)`, `exp(a)·exp(b) = exp(a + b)`,
/// `log(exp u) = u`, `exp(log u) = u`. Never `sqrt(x^2) = x`, never `log(xy) = log x + log y`.
[<RequireQualifiedAccess; CompilationRepresentation(CompilationRepresentationFlags.ModuleSuffix)>]
module Expr =

    /// Exact powers whose result would need more bits than this stay unevaluated (`9^(9^9)`).
    [<Literal>]
    let MaxExactBits = 8192

    let private mk n = Intern.node n

    /// An exact rational constant.
    [<CompiledName("Number")>]
    let number (q: Rational) = mk (Number q)

    /// An exact integer constant.
    [<CompiledName("Int")>]
    let ofInt (n: int) = number (Rational.OfInt n)

    /// An exact fraction p/q.
    [<CompiledName("Fraction")>]
    let fraction (p: int) (q: int) =
        number (Rational.Create(BigInteger p, BigInteger q))

    /// A floating-point constant. Non-finite values are rejected: an expression's constants must
    /// print and parse back.
    [<CompiledName("Real")>]
    let real (x: float) =
        if Double.IsNaN x || Double.IsInfinity x then
            Fail.raiseWith ErrorKind.NonFinite (sprintf "A constant must be finite, got %g." x)

        mk (Real(if x = 0.0 then 0.0 else x))

    let zero = ofInt 0
    let one = ofInt 1
    let minusOne = ofInt -1
    let two = ofInt 2
    let half = fraction 1 2

    /// The constant π.
    [<CompiledName("Pi")>]
    let pi = mk Pi

    let private isIdentifier (name: string) =
        not (String.IsNullOrEmpty name)
        && (Char.IsLetter name.[0] || name.[0] = '_')
        && name |> Seq.forall (fun c -> Char.IsLetterOrDigit c || c = '_')

    /// A named variable. Names are identifiers: a letter or '_' then letters, digits or '_'.
    [<CompiledName("Symbol")>]
    let symbol (name: string) =
        if not (isIdentifier name) then
            Fail.raiseWith
                ErrorKind.Variable
                (sprintf
                    "'%s' is not a valid variable name: use a letter or '_' followed by letters, digits or '_'."
                    name)

        if name = "pi" || name = "e" then
            Fail.raiseWith ErrorKind.Variable (sprintf "'%s' is a constant and cannot be used as a variable name." name)

        mk (Symbol name)

    // ---- numeric helpers -------------------------------------------------------------------------

    /// A numeric constant: exact, or floating once any floating value took part.
    [<Struct>]
    type private Num =
        | Q of q: Rational
        | F of f: float

    let private numOf (e: Expr) =
        match e.Node with
        | Number q -> ValueSome(Q q)
        | Real x -> ValueSome(F x)
        | _ -> ValueNone

    let private toFloat n =
        match n with
        | Q q -> q.ToDouble()
        | F f -> f

    let private g6 (v: float) = v.ToString("G6", Globalization.CultureInfo.InvariantCulture)

    /// What a sum, product, … of two finite constants that leaves doubles says (1e300*1e300): the factors, the
    /// result and what to do. Also for such a constant met in a compiled derivative (a closed subexpression
    /// that is finite in exact arithmetic but overflows, e.g. exp(400)·exp(400)).
    [<CompiledName("OverflowMessage")>]
    let overflowMessage (what: string) (op: string) (a: float) (b: float) (x: float) =
        sprintf
            "The constants of a %s, %s %s %s, give %s in doubles (beyond ±1.8E+308); rescale the variables or their units so that the constants stay within doubles (e.g. %s)%s"
            what
            (g6 a)
            op
            (g6 b)
            (g6 x)
            // A factor that is itself not finite (a constant that overflowed in an earlier fold) gives no number
            // of times to rescale by: "units Infinity times larger" said nothing.
            (let largest = max (abs a) (abs b)
             if Double.IsFinite largest then
                 sprintf "measure the variable the constant multiplies in units %s times larger, so that the constant becomes 1" (g6 largest)
             else
                 "one of these constants already overflowed in an earlier fold: measure the variables it multiplies in units large enough that every constant is a double near 1")
            Advice.LargeConstantAsParameter

    /// As overflowMessage for a function of one constant (exp(800)): the constant, its value and what to do.
    [<CompiledName("OverflowMessageOfFunction")>]
    let overflowMessageOfFunction (name: string) (a: float) (x: float) =
        sprintf
            "The constant %s(%s) gives %s in doubles (beyond ±1.8E+308); rescale the variables or their units so that the constants stay within doubles%s"
            name
            (g6 a)
            (g6 x)
            Advice.LargeConstantAsParameter

    // Two floating constants whose sum or product leaves doubles (1e300*1e300): said with the factors and
    // what to do, since the expression cannot be built (a constant must be finite, `real`). The parser
    // adds where in the text the sum or product is.
    let private checkFinite (what: string) (op: string) (a: float) (b: float) (x: float) =
        if Double.IsNaN x || Double.IsInfinity x then
            Fail.raiseWith ErrorKind.NonFinite (overflowMessage what op a b x)

        x

    /// The rational of an exact constant; ValueNone for a floating one (FloatingFold reads its decimal).
    let private exactPart n =
        match n with
        | Q q -> ValueSome q
        | F _ -> ValueNone

    /// The exact value a constant stands for: the rational itself, or the decimal a person wrote
    /// (Rational.TryOfShortDecimal); None for a computed double.
    let private exactOf n =
        match n with
        | Q q -> ValueSome q
        | F f -> Rational.TryOfShortDecimal f

    let private addNum a b =
        match a, b with
        | Q p, Q q -> Q(p + q)
        | _ -> F(checkFinite "sum" "+" (toFloat a) (toFloat b) (FloatingFold.add (exactPart a) (toFloat a) (exactPart b) (toFloat b)))

    let private isZeroNum n =
        match n with
        | Q q -> q.IsZero
        | F f -> f = 0.0

    /// The smallest positive normal double, 2^−1022 ≈ 2.2E-308: below it a double has fewer than 53 bits and
    /// ends at 0.
    [<Literal>]
    let SmallestNormal = 2.2250738585072014E-308

    /// Whether a rational's double has lost digits at the small end (below SmallestNormal, down to 0).
    let private underflows (q: Rational) =
        not q.IsZero && abs (q.ToDouble()) < SmallestNormal

    let private mulNum a b =
        match a, b with
        | Q p, Q q -> Q(p * q)
        | _ ->
            let x, y = toFloat a, toFloat b
            let r = checkFinite "product" "×" x y (FloatingFold.mul (exactPart a) x (exactPart b) y)

            // Two constants whose product falls below the doubles' normal range (1E-200 × 1E-200 is 1E-400,
            // a double's 0): when both stand for exact values (rationals, or decimals a person wrote), the
            // product is that exact rational, not 0. A 0 would be a wrong constant, and a derivative
            // dividing by it (Newton's 1/∂²L/∂x² of ½(1E-200·x0² − 1E-150)²) a division by zero.
            if abs r < SmallestNormal && not (isZeroNum a) && not (isZeroNum b) then
                match exactOf a, exactOf b with
                | ValueSome p, ValueSome q -> Q(p * q)
                | _ -> F r
            else
                F r

    let private ofNum n =
        match n with
        | Q q -> number q
        | F f -> real f

    /// Only the exact 1 disappears from a product: a floating 1.0 stays (`1.0*x`), as it says the
    /// term is floating, and so that printed text parses back to the same expression.
    let private isOneNum n =
        match n with
        | Q q -> q.IsOne
        | F _ -> false

    /// Is e the exact constant 0?
    let isZero (e: Expr) =
        match e.Node with
        | Number q -> q.IsZero
        | _ -> false

    /// Is e the exact constant 1?
    let isOne (e: Expr) =
        match e.Node with
        | Number q -> q.IsOne
        | _ -> false

    /// Is e the constant 0, exact or floating?
    let isZeroValue (e: Expr) =
        match e.Node with
        | Number q -> q.IsZero
        | Real x -> x = 0.0
        | _ -> false

    /// Is e the exact constant 1/2 (the exponent of a square root)?
    let isHalf (e: Expr) =
        match e.Node with
        | Number q -> q.Num.IsOne && q.Den = BigInteger 2
        | _ -> false

    /// Is e a numeric constant (exact or floating)?
    let isNumeric (e: Expr) = (numOf e).IsSome

    let private isInteger (e: Expr) =
        match e.Node with
        | Number q -> q.IsInteger
        | _ -> false

    /// An exact even integer (…, −2, 0, 2, 4, …): |a|^k = a^k and |a^k| = a^k for such k and real a.
    let private isEvenInteger (e: Expr) =
        match e.Node with
        | Number q -> q.IsInteger && q.Num.IsEven
        | _ -> false

    /// k where q = b^k exactly for an integer k (1000 = 10^3, 1/8 = 2^−3), for an integer base b ≥ 2.
    let private exactLog (b: int) (q: Rational) : int option =
        let b = System.Numerics.BigInteger b

        let rec power (n: System.Numerics.BigInteger) k =
            if n.IsOne then Some k
            elif n.IsZero || not (System.Numerics.BigInteger.Remainder(n, b)).IsZero then None
            else power (n / b) (k + 1)

        if q.Sign <= 0 then None
        elif q.Den.IsOne then power q.Num 0
        elif q.Num.IsOne then power q.Den 0 |> Option.map (~-)
        else None

    /// The base of a logarithm to a fixed base (10 for log10, 2 for log2), None for the others.
    let logBase (f: Function) =
        match f with
        | Function.Log10 -> Some 10
        | Function.Log2 -> Some 2
        | _ -> None

    // ---- sums ------------------------------------------------------------------------------------

    /// Splits a term into its numeric coefficient and the rest: 3·x·y ↦ (3, x·y).
    let private splitCoefficient (e: Expr) : struct (Num * Expr) =
        match e.Node with
        | Product fs when isNumeric fs.[0] ->
            let rest =
                if fs.Length = 2 then
                    fs.[1]
                else
                    mk (Product(Array.sub fs 1 (fs.Length - 1)))

            struct ((numOf fs.[0]).Value, rest)
        | Number q -> struct (Q q, one)
        | Real x -> struct (F x, one)
        | _ -> struct (Q Rational.One, e)

    /// coefficient · term, where term carries no numeric factor of its own.
    let private scaleTerm (c: Num) (term: Expr) =
        if isOneNum c then
            term
        elif isOne term then
            ofNum c
        else
            match term.Node with
            // A term that is a product kept nested for its constants' range (mul: 1E+200·x0·x1² inside 1E+200·(…))
            // stays nested: flattened, its constants would multiply beyond doubles when lowered.
            | Product fs when not (isNumeric fs.[0]) -> mk (Product(Array.append [| ofNum c |] fs))
            | _ -> mk (Product [| ofNum c; term |])

    /// One sum or product holds at most this many distinct terms or factors: putting them in
    /// canonical order costs n·log n structural comparisons, which for a million non-trivial terms
    /// takes close to a minute. Beyond it a TooLarge error says so at once.
    [<Literal>]
    let MaxTerms = 200_000

    let private checkTerms (what: string) (parts: string) (n: int) =
        if n > MaxTerms then
            Fail.raiseWith
                ErrorKind.TooLarge
                (sprintf
                    "A single %s of %d %s is over the limit of %d (nested %ss are flattened into one). Split the problem, or group the %s inside functions."
                    what
                    n
                    parts
                    MaxTerms
                    what
                    parts)

    /// exp(u) through `apply` (set once `apply` exists, below): sums write c·expm1(u) + c as c·exp(u).
    let mutable private expOf: Expr -> Expr = fun u -> mk (Apply(Function.Exp, u))

    /// Does the constant n fold into the −1 of the term t = c·expm1(u) (c = n exactly), making it c·exp(u)?
    let private expm1Meets (t: Expr) (n: Num) =
        let struct (c, rest) = splitCoefficient t

        match rest.Node, c, n with
        | Apply(Function.Expm1, _), Q c, Q k -> not k.IsZero && c.Equals k
        | _ -> false

    /// The sum of the given terms, in general (any number of terms, like terms merged).
    let rec private sumAll (terms: seq<Expr>) : Expr =
        let coefficients = Dictionary<Expr, Num>(ExprIdentity.comparer)
        let order = List<Expr>()
        let mutable constant = Q Rational.Zero

        let add (t: Expr) =
            match numOf t with
            | ValueSome n -> constant <- addNum constant n
            | ValueNone ->
                let struct (c, rest) = splitCoefficient t

                match coefficients.TryGetValue rest with
                | true, c0 -> coefficients.[rest] <- addNum c0 c
                | _ ->
                    coefficients.[rest] <- c
                    order.Add rest

        for t in terms do
            match t.Node with
            | Sum ts ->
                for u in ts do
                    add u
            | _ -> add t

        // A multiple c·(a + b + …) of a sum is distributed when one of its terms cancels exactly
        // against a like term outside it, so that x + y − (x + y) is 0 (and exp(x + y − (x + y)) is
        // 1): the terms can cancel only once they stand side by side. A mere merge does not count:
        // a − (a + b + |a − b|)/2 stays as written, as the stable forms rely on (it is computed
        // from the same rounded max as the m it is paired with, so the rounding cancels), and
        // 2·(x + 1) alone is not expanded.
        //
        // Repeated until no multiple meets a like term: distributing one multiple brings in terms
        // that an earlier multiple may cancel against. With a single pass, y − (−3 − x) − (y + x)
        // kept −(−x − 3) next to the −x that −(y + x) brought in (−x − (−x − 3) − 1 instead of 2),
        // and its printed text then parsed, left to right, to the collected 2: a different node.
        // Now no multiple left in the result meets a term beside it, so building the printed terms
        // again, in any grouping, distributes nothing and gives this node. Any term that is not a number
        // is collected alike, also a constant without a real value (acos(2), log(−1), (−1)^(1/2):
        // `apply` and `pow` keep them as opaque nodes), so acos(2) + x − x is acos(2) and
        // x − (x − acos(2)) is acos(2); the sum is undefined exactly where such a term is, before
        // and after. Terminates: a distributed multiple only brings in rests lower than itself.
        let mutable distributed = true

        while distributed do
            distributed <- false

            for rest in order.ToArray() do
                match rest.Node with
                | Sum inner ->
                    let c = coefficients.[rest]

                    let meets (u: Expr) =
                        match numOf u with
                        | ValueSome _ -> false
                        | ValueNone ->
                            let struct (k, r) = splitCoefficient u

                            match coefficients.TryGetValue r with
                            // c·k beyond doubles cannot cancel a finite k0 (1E+300·(1E+300·x1 − 2) beside x1, in
                            // ∂L/∂x1 of (1E+300·x1 − 2)²/2 + …): no meeting, and nothing folded that overflows.
                            | true, k0 -> not (isZeroNum k0) && (try isZeroNum (addNum k0 (mulNum c k)) with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite -> false)
                            | _ -> false

                    // Distributed only where every product c·k stays within doubles: 1E+200·(1E+200·x0 + 1E-200·x1 − 1)
                    // beside −x1 meets it, but its 1E+200·1E+200·x0 has no double (it stays a multiple, as written).
                    let fits (u: Expr) =
                        let k = match numOf u with | ValueSome n -> n | ValueNone -> (let struct (k, _) = splitCoefficient u in k)
                        try
                            mulNum c k |> ignore
                            true
                        with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite -> false

                    if not (isZeroNum c) && Array.exists meets inner && Array.forall fits inner then
                        distributed <- true
                        coefficients.[rest] <- Q Rational.Zero

                        for u in inner do
                            match numOf u with
                            | ValueSome n -> constant <- addNum constant (mulNum c n)
                            | ValueNone ->
                                let struct (k, r) = splitCoefficient u

                                match coefficients.TryGetValue r with
                                | true, k0 -> coefficients.[r] <- addNum k0 (mulNum c k)
                                | _ ->
                                    coefficients.[r] <- mulNum c k
                                    order.Add r
                | _ -> ()

        // c·expm1(u) + c = c·exp(u): a constant that cancels the −1 of expm1 exactly, as a target y* = −1 does
        // in expm1(x) − y*, leaves the exponential itself, the form the same rule has for exp(x) − 1 (and
        // no expm1(x) + 1 that computes exp(x) by a detour). Once, for the first such term.
        match constant with
        | Q k when not k.IsZero ->
            let exponential (rest: Expr) =
                match rest.Node, coefficients.[rest] with
                | Apply(Function.Expm1, u), Q c when c.Equals k ->
                    // exp(u) as `apply` builds it, when that is still an exponential (exp(log v) is v).
                    match (expOf u).Node with
                    | Apply(Function.Exp, _) -> Some(rest, expOf u)
                    | _ -> None
                | _ -> None

            match order |> Seq.tryPick exponential with
            | Some(rest, e) ->
                coefficients.[rest] <- Q Rational.Zero
                constant <- Q Rational.Zero
                add (scaleTerm (Q k) e)
            | None -> ()
        | _ -> ()

        let result = List<Expr>(order.Count + 1)

        for rest in order do
            let c = coefficients.[rest]

            if not (isZeroNum c) then
                result.Add(scaleTerm c rest)

        if not (isZeroNum constant) then
            result.Add(ofNum constant)

        // Collecting like terms can leave a sum with coefficient 1 as one term (−(x − 1) twice negated:
        // y − (x^y − (x − 1) + y) collects to (x − 1) − x^y). A sum of a sum is not canonical — the
        // same value built from flat terms would be x − x^y − 1, a different node, and printing then
        // parsing would not give back the same expression — so such a term is flattened and the
        // sum taken again (once: the flattened terms are no longer a multiple of a sum).
        if result.Count > 1 && result.Exists(fun t -> match t.Node with Sum _ -> true | _ -> false) then
            sumAll result
        else
            match result.Count with
            | 0 -> ofNum constant // an exact 0, or a floating 0.0 when floating terms cancelled
            | 1 -> result.[0]
            | _ ->
                let arr = result.ToArray()
                checkTerms "sum" "terms" arr.Length
                Order.sortCanonical arr
                mk (Sum arr)

    // ---- the sum of two terms ----------------------------------------------------------------------
    // Most sums are built two terms at a time (a + b in traced code, the terms of a derivative), and
    // most such pairs have nothing to merge. `sumAll` would still allocate its tables and lists and
    // sort; for a pair it is enough to see that its general path would keep both terms as they are.

    /// A term that `sumAll` keeps exactly as it is when no like term meets it: not a number, not a
    /// sum, and its non-numeric part (splitCoefficient's `rest`, what like terms are matched on) not
    /// a sum or product either, with a coefficient other than 0 and 1 (which canonical products never
    /// carry; such a term takes the general path).
    let private plainTerm (t: Expr) =
        match t.Node with
        | Number _
        | Real _
        | Sum _ -> false
        | Product fs when isNumeric fs.[0] ->
            let c = (numOf fs.[0]).Value

            not (isZeroNum c || isOneNum c)
            && (fs.Length > 2
                || (match fs.[1].Node with
                    | Sum _
                    | Product _ -> false
                    | _ -> true))
        | _ -> true

    /// Do two plain terms have the same non-numeric part? Compared on the factors themselves, without
    /// interning the part: a part of two or more factors is the product of exactly those factors (in
    /// canonical order), a part of one factor is that factor.
    let private sameRest (a: Expr) (b: Expr) =
        let factors (t: Expr) =
            match t.Node with
            | Product fs when isNumeric fs.[0] -> struct (fs, 1)
            | Product fs -> struct (fs, 0)
            | _ -> struct (null, 0)

        let struct (xs, i) = factors a
        let struct (ys, j) = factors b

        match isNull xs, isNull ys with
        | true, true -> Object.ReferenceEquals(a, b)
        | true, false -> ys.Length - j = 1 && Object.ReferenceEquals(a, ys.[j])
        | false, true -> xs.Length - i = 1 && Object.ReferenceEquals(xs.[i], b)
        | false, false ->
            xs.Length - i = ys.Length - j
            && (let mutable k = 0
                let mutable eq = true

                while eq && k < xs.Length - i do
                    eq <- Object.ReferenceEquals(xs.[i + k], ys.[j + k])
                    k <- k + 1

                eq)

    /// The two-element canonical array: what Array.Sort does with two elements (swap when the first
    /// compares greater), so that the result is the node the general path builds.
    let private sortedPair (a: Expr) (b: Expr) =
        if Order.compareExpr a b > 0 then [| b; a |] else [| a; b |]

    /// a + b when nothing merges: two plain terms with different non-numeric parts (the general path
    /// keeps both, in canonical order), or a plain term and a number (kept with it, or alone when the
    /// number is 0 or 0.0). ValueNone for everything else, which takes the general path.
    let private trySum2 (a: Expr) (b: Expr) : Expr voption =
        if plainTerm a then
            if plainTerm b then
                if sameRest a b then ValueNone else ValueSome(mk (Sum(sortedPair a b)))
            else
                match numOf b with
                | ValueSome n when isZeroNum n -> ValueSome a
                | ValueSome n when expm1Meets a n -> ValueNone
                | ValueSome _ -> ValueSome(mk (Sum(sortedPair a b)))
                | ValueNone -> ValueNone
        elif plainTerm b then
            match numOf a with
            | ValueSome n when isZeroNum n -> ValueSome b
            | ValueSome n when expm1Meets b n -> ValueNone
            | ValueSome _ -> ValueSome(mk (Sum(sortedPair b a)))
            | ValueNone -> ValueNone
        else
            ValueNone

    /// The fewest terms for which `sum` first tries `trySumDistinct`.
    [<Literal>]
    let private DistinctFrom = 64

    /// The sum of many plain terms (see `plainTerm`) whose non-numeric parts are single, pairwise distinct
    /// nodes (c·x, x^2, ½·(y − 1)², not c·x·y): `sumAll` keeps each such term as it is (nothing merges,
    /// nothing is distributed, no term is a number or a sum), so its node is the terms in canonical order.
    /// Without `sumAll`'s table of coefficients, its lists and a second interning of every term (the
    /// default loss ½Σ(yᵢ − yᵢ*)² of 10⁵ outputs paid them all). ValueNone when a term is not such a term
    /// or two parts are the same node: `sumAll` then merges them.
    let private trySumDistinct (ts: Expr[]) : Expr voption =
        let parts = HashSet<Expr>(ts.Length, ExprIdentity.comparer)
        let mutable ok = true
        let mutable i = 0

        while ok && i < ts.Length do
            let t = ts.[i]

            ok <-
                plainTerm t
                && (match t.Node with
                    | Product fs when isNumeric fs.[0] -> fs.Length = 2 && parts.Add fs.[1]
                    | _ -> parts.Add t)

            i <- i + 1

        if ok then
            let arr = Array.copy ts
            checkTerms "sum" "terms" arr.Length
            Order.sortCanonical arr
            ValueSome(mk (Sum arr))
        else
            ValueNone

    /// The sum of the given terms: nested sums flattened, numbers folded into one constant, like
    /// terms (equal non-numeric parts) merged by adding their coefficients, and a numeric multiple of
    /// a sum, c·(a + b + …), distributed whenever one of its terms then cancels exactly against a term
    /// beside it (repeatedly, until none does). A constant without a real value, such as acos(2),
    /// log(−1) or sqrt(−1), is an ordinary opaque term here, collected like any other
    /// (x − (x − acos(2)) = acos(2)): the sum is undefined where that term is, and the simplifier
    /// does not replace it by NaN or drop the rest of the sum. Raises NonFinite when floating
    /// constants add up to ±∞, TooLarge beyond MaxTerms terms.
    [<CompiledName("Sum")>]
    let sum (terms: seq<Expr>) : Expr =
        let pair =
            match terms with
            | :? (Expr[]) as ts when ts.Length = 2 -> trySum2 ts.[0] ts.[1]
            | :? (Expr[]) as ts when ts.Length >= DistinctFrom -> trySumDistinct ts
            | :? (Expr list) as ts ->
                match ts with
                | [ a; b ] -> trySum2 a b
                | _ -> ValueNone
            | _ -> ValueNone

        match pair with
        | ValueSome e -> e
        | ValueNone -> sumAll terms

    // ---- products and powers ---------------------------------------------------------------------

    let private splitPower (e: Expr) =
        match e.Node with
        | Power(b, x) -> struct (b, x)
        | _ -> struct (e, one)

    let rec private powNumbers (b: Num) (x: Num) : Expr voption =
        match b, x with
        | Q p, Q q when q.IsInteger ->
            match p.TryPow(q.Num, MaxExactBits) with
            | Some r -> ValueSome(number r)
            | None -> ValueNone
        | Q p, Q q when p.Sign > 0 && q.Den <= BigInteger(64) ->
            match p.TryRoot(int q.Den) with
            | Some root -> powNumbers (Q root) (Q(Rational.OfBig q.Num))
            | None -> ValueNone
        | Q _, Q _ -> ValueNone
        // A decimal a person wrote to a small whole power, exactly and rounded once: 0.1^2 is 0.01
        // (Math.Pow gives 0.010000000000000002, which 0.01·x would not cancel).
        | F f, Q q when q.IsInteger && BigInteger.Abs q.Num <= BigInteger 64 && (exactOf b).IsSome && f <> 0.0 ->
            match (exactOf b).Value.TryPow(q.Num, MaxExactBits) with
            // Below the doubles' normal range (1E-200^2 is 1E-400, a double's 0): the exact power, as mulNum
            // keeps such a product.
            | Some r when underflows r -> ValueSome(number r)
            | Some r when not (Double.IsInfinity(r.ToDouble())) -> ValueSome(real (r.ToDouble()))
            | _ -> ValueNone
        | _ ->
            let r = Math.Pow(toFloat b, toFloat x)

            if Double.IsNaN r || Double.IsInfinity r then
                ValueNone
            else
                ValueSome(real r)

    /// Raises, as folding them would (ErrorKind.NonFinite, naming the two constants), where the numeric factors among
    /// `factors` multiply beyond doubles. For the parser: constants a person wrote side by side in one product
    /// (x1*1e300*1e300) are refused at their column, although `mul` keeps such constants apart where they arise from
    /// derivation (1E+200·(1E+200·x1), the gradient of ½(1E+200·x1)²).
    [<CompiledName("CheckWrittenConstants")>]
    let checkWrittenConstants (factors: seq<Expr>) =
        factors
        |> Seq.choose (fun f -> match numOf f with | ValueSome n -> Some n | ValueNone -> None)
        |> Seq.fold mulNum (Q Rational.One)
        |> ignore

    /// base ^ exponent.
    [<CompiledName("Power")>]
    let rec pow (b: Expr) (x: Expr) : Expr =
        if isZero x then
            one
        elif isZeroValue x then
            // x^0.0 = 1.0 for every x (IEEE pow), 0^0.0 included: checked before the zero base.
            real 1.0
        elif isOne x then
            b
        elif isOne b then
            one
        elif isZeroValue b then
            // A floating 0.0 is as much a zero as the exact 0: 0.0^(−k) is a division by zero too.
            match numOf x with
            | ValueSome n when toFloat n < 0.0 ->
                let power = match n with Q q -> string q | F f -> f.ToString("R", Globalization.CultureInfo.InvariantCulture)

                match b.Node with
                | Real _ ->
                    // A floating 0.0 is often not a 0 anyone wrote but a product of computed doubles below
                    // 2.2E-308 that rounded to 0 (decimals a person wrote are kept exact there, mulNum).
                    Fail.raiseWith
                        ErrorKind.DivisionByZero
                        (sprintf
                            "Division by zero: the floating constant 0.0 raised to the power %s. If that 0.0 is a product of constants below the doubles' range (under 2.2E-308, which round to 0), rescale the variables or their units so that the constants stay nearer 1 (e.g. give a tiny constant as %s with a value nearer 1)."
                            power
                            Advice.NamedParameter)
                | _ -> Fail.raiseWith ErrorKind.DivisionByZero (sprintf "Division by zero: 0 raised to the negative power %s." power)
            | ValueSome _ -> b
            | ValueNone -> mk (Power(b, x))
        else
            match numOf b, numOf x with
            | ValueSome nb, ValueSome nx ->
                match powNumbers nb nx with
                | ValueSome r -> r
                | ValueNone -> mk (Power(b, x))
            | _ ->
                match b.Node with
                | Power(bb, bx) when isInteger x -> pow bb (mul [ bx; x ])
                | Product fs when isInteger x ->
                    let powered = fs |> Array.map (fun f -> pow f x)
                    // A constant factor whose power leaves doubles ((1E+200·x1)² holds 1E+200² = 1E+400) stays inside:
                    // distributed, the kernel would compute ∞·x1², which is ∞ even where (1E+200·x1)² is 1.
                    let outOfRange (r: Expr) =
                        match numOf r with
                        | ValueNone -> true
                        | ValueSome n -> let v = abs (toFloat n) in v <> 0.0 && v < SmallestNormal || (match n with | Q q -> not q.IsZero && abs (q.ToDouble()) < SmallestNormal | _ -> false)
                    if Array.exists2 (fun (f: Expr) (r: Expr) -> (numOf f).IsSome && outOfRange r) fs powered then
                        mk (Power(b, x))
                    else
                        mul powered
                // (c·exp(u))^x = c^x·exp(x·u) for any real x wherever either side is real (exp(u) > 0, so c ≥ 0 on
                // both sides for a fractional x): the exponential leaves the power and merges with the
                // product's other exponentials, exp(-x0)*sqrt(x1*exp(x0)) = sqrt(x1)*exp(-x0/2).
                | Product fs when fs |> Array.exists (fun f -> match f.Node with | Apply(Function.Exp, _) -> true | _ -> false) ->
                    let isExp (f: Expr) = match f.Node with | Apply(Function.Exp, _) -> true | _ -> false
                    mul [ pow (mul (fs |> Array.filter (isExp >> not))) x; pow (fs |> Array.find isExp) x ]
                | Apply(Function.Exp, a) -> apply Function.Exp (mul [ a; x ])
                // |a|^(2k) = a^(2k) for real a (both undefined at a = 0 when k < 0), so |a|·|a| = a².
                // Only exact even exponents: |a|^3 and |a|^(1/2) keep their abs.
                | Apply(Function.Abs, a) when isEvenInteger x -> pow a x
                | _ -> mk (Power(b, x))

    /// The product of the given factors. Where their numeric factors multiply beyond doubles but the product
    /// holds a variable part (d/dx1 of ½(1E+200·x1)² is 1E+200·(1E+200·x1), whose 1E+400 no double holds), the
    /// constants are kept in nested products, each finite, the innermost with the variable part: computed inside
    /// out, 1E+200·(1E+200·x1) is 1E+200 at x1 = 1E-200, where 1E+400·x1 would be ∞. A product of constants alone
    /// that overflows still raises (ErrorKind.NonFinite), naming the two constants.
    and [<CompiledName("Product")>] mul (factors: seq<Expr>) : Expr =
        let factors = Seq.toArray factors

        let rec flatten (f: Expr) =
            match f.Node with
            | Product fs -> fs |> Array.collect flatten
            | _ -> [| f |]

        try
            mulFlat factors
        with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite ->
            let flat = factors |> Array.collect flatten
            let numbers, rest = flat |> Array.partition (fun f -> (numOf f).IsSome)

            if rest.Length = 0 || numbers.Length < 2 then
                reraise ()
            else
                // The constants in groups whose products stay finite, largest magnitude first, so that the innermost
                // product (with the variable part) takes the largest group.
                let groups = List<Num>()

                for f in numbers |> Array.sortByDescending (fun f -> abs (toFloat (numOf f).Value)) do
                    let n = (numOf f).Value

                    if groups.Count = 0 then
                        groups.Add n
                    else
                        try
                            groups.[groups.Count - 1] <- mulNum groups.[groups.Count - 1] n
                        with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite ->
                            groups.Add n

                let mutable inner = mulFlat (Array.append [| ofNum groups.[0] |] rest)

                for k in 1 .. groups.Count - 1 do
                    let arr = [| ofNum groups.[k]; inner |]
                    Order.sortCanonical arr
                    inner <- mk (Product arr)

                inner

    and private mulFlat (factors: Expr[]) : Expr =
        // bases.[i] ^ (exponents.[i] + Σ repeated.[i]); the list for repeats is only allocated when
        // a base occurs twice, which keeps long products (chain-rule factors) cheap to extend.
        let index = Dictionary<Expr, int>(ExprIdentity.comparer)
        let bases = List<Expr>()
        let exponents = List<Expr>()
        let mutable repeated: Dictionary<int, List<Expr>> = null
        let mutable coefficient = Q Rational.One
        // Exponentials merge into one: exp(a)·exp(b) = exp(a + b), so exp(a)/exp(b) = exp(a − b)
        // and exp(u)·exp(−u) = 1 (an identity for all real a, b; it also avoids ∞·0 where the
        // factors overflow and underflow but their product is representable).
        let mutable expArguments: List<Expr> = null
        let mutable firstExp: Expr = null

        let rec add (f: Expr) =
            match numOf f with
            | ValueSome n -> coefficient <- mulNum coefficient n
            // A product kept nested for its constants' range (mul) is flattened again: its constants may now cancel.
            | ValueNone when (match f.Node with
                              | Product _ -> true
                              | _ -> false) ->
                match f.Node with
                | Product fs -> for g in fs do add g
                | _ -> ()
            | ValueNone when (match f.Node with
                              | Apply(Function.Exp, _) -> true
                              | _ -> false) ->
                if isNull firstExp then
                    firstExp <- f
                else
                    if isNull expArguments then
                        expArguments <- List<Expr>()

                    match f.Node with
                    | Apply(_, a) -> expArguments.Add a
                    | _ -> ()
            | ValueNone -> addPower f

        and addPower (f: Expr) =
                let struct (b, x) = splitPower f

                match index.TryGetValue b with
                | true, i ->
                    if isNull repeated then
                        repeated <- Dictionary<int, List<Expr>>()

                    match repeated.TryGetValue i with
                    | true, xs -> xs.Add x
                    | _ -> repeated.[i] <- List<Expr>([ exponents.[i]; x ])
                | _ ->
                    index.[b] <- bases.Count
                    bases.Add b
                    exponents.Add x

        for f in factors do
            match f.Node with
            | Product fs ->
                for g in fs do
                    add g
            | _ -> add f

        if not (isNull firstExp) then
            let merged =
                if isNull expArguments then
                    firstExp
                else
                    match firstExp.Node with
                    | Apply(_, a) ->
                        expArguments.Insert(0, a)
                        apply Function.Exp (sum expArguments)
                    | _ -> firstExp

            // exp of a merged sum may simplify to a non-exponential (exp(log u) = u): add it as any
            // other factor, not as an exponential again.
            match numOf merged, merged.Node with
            | ValueSome n, _ -> coefficient <- mulNum coefficient n
            | _, Product fs ->
                for g in fs do
                    match numOf g with
                    | ValueSome n -> coefficient <- mulNum coefficient n
                    | ValueNone -> addPower g
            | _ -> addPower merged

        match coefficient with
        | Q q when q.IsZero -> zero
        | _ ->
            let result = List<Expr>(bases.Count + 1)
            let mutable rebased = false

            for i in 0 .. bases.Count - 1 do
                let b = bases.[i]

                let p =
                    match
                        (if isNull repeated then
                             null
                         else
                             (match repeated.TryGetValue i with
                              | true, xs -> xs
                              | _ -> null))
                    with
                    | null -> pow b exponents.[i]
                    | xs -> pow b (sum xs)

                match numOf p with
                | ValueSome n -> coefficient <- mulNum coefficient n
                | ValueNone ->
                    // A merged power can change its base: (x·y)^(1/2)·(x·y)^(1/2) = x·y expands into
                    // a product, (√z)^(−1) = z^(−1/2) moves to base z. Its factors may then merge
                    // with others: note it, and merge once more below.
                    match p.Node with
                    | Product _ -> rebased <- true
                    | _ ->
                        let struct (pb, _) = splitPower p

                        if not (obj.ReferenceEquals(pb, b)) then
                            rebased <- true

                    result.Add p

            let expanded = rebased

            if expanded then
                result.Add(ofNum coefficient)
                coefficient <- Q Rational.One
                let again = mul result
                result.Clear()

                match numOf again with
                | ValueSome n -> coefficient <- n
                | ValueNone ->
                    match again.Node with
                    | Product fs ->
                        for f in fs do
                            match numOf f with
                            | ValueSome n -> coefficient <- mulNum coefficient n
                            | ValueNone -> result.Add f
                    | _ -> result.Add again

            match coefficient with
            | Q q when q.IsZero -> zero
            | F f when f = 0.0 -> real 0.0
            | _ ->
                if not (isOneNum coefficient) || result.Count = 0 then
                    result.Insert(0, ofNum coefficient)

                match result.Count with
                | 1 -> result.[0]
                | _ ->
                    let arr = result.ToArray()
                    checkTerms "product" "factors" arr.Length
                    Order.sortCanonical arr
                    mk (Product arr)

    /// f(a), with exact values at the points where they are rational (sin 0 = 0, log 1 = 0, ...)
    /// and floating evaluation of floating arguments.
    and [<CompiledName("Apply")>] apply (f: Function) (a: Expr) : Expr =
        let keep () = mk (Apply(f, a))

        match a.Node with
        | Real x ->
            let r = Elementary.apply f x

            if Double.IsNaN r || Double.IsInfinity r then
                keep ()
            else
                real r
        | Number q when q.IsZero ->
            match f with
            | Function.Cos
            | Function.Cosh
            | Function.Exp -> one
            | Function.Acos -> mul [ half; pi ]
            | Function.Log
            | Function.Log10
            | Function.Log2 -> keep ()
            | _ -> zero // sin, tan, asin, atan, sinh, tanh, abs, sign, log1p, expm1 of 0
        | Number q when f = Function.Abs -> number q.Abs
        | Number q when f = Function.Sign -> ofInt q.Sign
        | Number q when q.IsOne && f = Function.Log -> zero
        // log10 and log2 of an exact power of their base are its exponent: log10(1000) = 3, log2(1/8) = −3,
        // log10(10^u) = u (as log(exp u) = u).
        | Number q when (logBase f |> Option.bind (fun b -> exactLog b q)).IsSome ->
            ofInt (logBase f |> Option.bind (fun b -> exactLog b q)).Value
        | Power(b, k) when (match logBase f, b.Node with
                            | Some n, Number q -> q.Equals(Rational.OfInt n)
                            | _ -> false) -> k
        | Number q when q.IsOne && f = Function.Asin -> mul [ half; pi ]
        | Number q when q.IsOne && f = Function.Acos -> zero
        | Pi when f = Function.Sin || f = Function.Tan -> zero
        | Pi when f = Function.Cos -> minusOne
        | Apply(Function.Exp, u) when f = Function.Log -> u
        | Apply(Function.Log, u) when f = Function.Exp -> u
        | Apply(Function.Abs, _) when f = Function.Abs -> a
        | Apply(Function.Sign, _) when f = Function.Sign -> a
        | Apply(Function.Exp, _) when f = Function.Abs -> a
        // |a^(2k)| = a^(2k): an even power of a real number is never negative.
        | Power(_, k) when f = Function.Abs && isEvenInteger k -> a
        // The inverse pairs, as log(exp u) = u and exp(log u) = u above.
        | Apply(Function.Expm1, u) when f = Function.Log1p -> u
        | Apply(Function.Log1p, u) when f = Function.Expm1 -> u
        | _ -> keep ()

    /// A numeric coefficient times one factor that nothing can merge with: the canonical product is
    /// [c; f] as it stands (numbers come first). The general `mul` would reach the same node through
    /// its merging tables (its coefficient 1·c is c, exact or floating); this is the common case of
    /// coefficients in sums and derivatives. A floating 1.0 stays, as `mul` keeps it.
    let private scaled (c: Expr) (f: Expr) =
        match c.Node, f.Node with
        | Number q, (Symbol _ | Apply _ | Atan2 _ | Pi | Sum _ | Power _) when not q.IsZero && not q.IsOne ->
            ValueSome(mk (Product [| c; f |]))
        | Real r, (Symbol _ | Apply _ | Atan2 _ | Pi | Sum _ | Power _) when r <> 0.0 ->
            ValueSome(mk (Product [| c; f |]))
        | _ -> ValueNone

    /// A number times a coefficient and one factor, c·(c'·f): the general `mul` folds c·c' and keeps
    /// f (a factor of a canonical product is its own canonical power), so the result is f alone
    /// when c·c' is the exact 1, 0 when it is 0, and [c·c'; f] otherwise.
    let private rescaled (c: Expr) (t: Expr) =
        match numOf c, t.Node with
        | ValueSome n, Product [| c0; f |] when isNumeric c0 && not (isNumeric f) ->
            match f.Node with
            | Product _ -> ValueNone
            | _ ->
                // c·c' beyond doubles: the general mul keeps the two apart (nested), so this shortcut steps aside.
                match (try ValueSome(mulNum n (numOf c0).Value) with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite -> ValueNone) with
                | ValueNone -> ValueNone
                | ValueSome(Q q) when q.IsZero -> ValueSome zero
                | ValueSome(F x) when x = 0.0 -> ValueSome(real 0.0)
                | ValueSome k when isOneNum k -> ValueSome f
                | ValueSome k -> ValueSome(mk (Product [| ofNum k; f |]))
        | _ -> ValueNone

    /// a · b
    [<CompiledName("Multiply")>]
    let mul2 a b =
        match scaled a b with
        | ValueSome p -> p
        | ValueNone ->
            match scaled b a with
            | ValueSome p -> p
            | ValueNone ->
                match rescaled a b with
                | ValueSome p -> p
                | ValueNone ->
                    match rescaled b a with
                    | ValueSome p -> p
                    | ValueNone -> mul [ a; b ]

    /// a + b
    [<CompiledName("Add")>]
    let add a b = sum [ a; b ]

    /// a − b
    [<CompiledName("Subtract")>]
    let sub a b = sum [ a; mul2 minusOne b ]

    /// −a
    [<CompiledName("Negate")>]
    let neg a = mul2 minusOne a

    /// a / b. Division by an exact zero is an error.
    [<CompiledName("Divide")>]
    let div a b =
        if isZeroValue b then
            Fail.raiseWith ErrorKind.DivisionByZero "Division by zero: the divisor is exactly 0."

        mul [ a; pow b minusOne ]

    /// √a, represented as a^(1/2).
    [<CompiledName("Sqrt")>]
    let sqrt a = pow a half

    /// The real cube root ∛a = sign(a)·|a|^(1/3), defined (and odd) for every real a: a^(1/3) itself is
    /// not real for a < 0 (a power with a fractional exponent is taken of a nonnegative base only), so
    /// y0^(1/3) as the inverse of x0^3 has no value at a negative y0, where cbrt(y0) does.
    [<CompiledName("Cbrt")>]
    let cbrt a = mul2 (apply Function.Sign a) (pow (apply Function.Abs a) (fraction 1 3))

    /// atan2(y, x).
    [<CompiledName("Atan2")>]
    let atan2 (y: Expr) (x: Expr) =
        match numOf y, numOf x with
        | ValueSome(Q p), ValueSome(Q q) when p.IsZero && q.Sign > 0 -> zero
        | ValueSome(Q _), ValueSome(Q _) -> mk (Atan2(y, x))
        | ValueSome ny, ValueSome nx -> real (Elementary.atan2 (toFloat ny) (toFloat nx))
        | _ -> mk (Atan2(y, x))

    expOf <- apply Function.Exp

    let sin a = apply Function.Sin a
    let cos a = apply Function.Cos a
    let tan a = apply Function.Tan a
    let asin a = apply Function.Asin a
    let acos a = apply Function.Acos a
    let atan a = apply Function.Atan a
    let sinh a = apply Function.Sinh a
    let cosh a = apply Function.Cosh a
    let tanh a = apply Function.Tanh a
    let exp a = apply Function.Exp a
    let log a = apply Function.Log a
    let abs a = apply Function.Abs a
    let sign a = apply Function.Sign a
    let log1p a = apply Function.Log1p a
    let expm1 a = apply Function.Expm1 a
    let log10 a = apply Function.Log10 a
    let log2 a = apply Function.Log2 a

    /// log(u)/log(b), the logarithm of u to base b: log10(u) for b = 10, log2(u) for b = 2 (exact at the
    /// powers of the base), log(u) for b = e.
    [<CompiledName("LogTo")>]
    let logTo (b: Expr) (u: Expr) =
        match b.Node with
        | Number q when q.Equals(Rational.OfInt 10) -> log10 u
        | Number q when q.Equals(Rational.OfInt 2) -> log2 u
        | Apply(Function.Exp, k) when isOne k -> log u
        | _ -> div (log u) (log b)

    /// Euler's number, exp(1).
    [<CompiledName("E")>]
    let e = exp one

    /// Rebuilds a node of the same shape from new children, through the smart constructors.
    [<CompiledName("Rebuild")>]
    let rebuild (e: Expr) (children: Expr[]) =
        match e.Node with
        | Number _
        | Real _
        | Symbol _
        | Pi -> e
        | Sum _ -> sum children
        | Product _ -> mul children
        | Power _ -> pow children.[0] children.[1]
        | Apply(f, _) -> apply f children.[0]
        | Atan2 _ -> atan2 children.[0] children.[1]

    /// The children of a node, in order.
    [<CompiledName("Children")>]
    let children (e: Expr) : Expr[] =
        match e.Node with
        | Number _
        | Real _
        | Symbol _
        | Pi -> Array.empty
        | Sum xs
        | Product xs -> xs
        | Power(a, b)
        | Atan2(a, b) -> [| a; b |]
        | Apply(_, a) -> [| a |]

    /// The name PhysGrad uses for a function in text.
    let functionName (f: Function) =
        match f with
        | Function.Sin -> "sin"
        | Function.Cos -> "cos"
        | Function.Tan -> "tan"
        | Function.Asin -> "asin"
        | Function.Acos -> "acos"
        | Function.Atan -> "atan"
        | Function.Sinh -> "sinh"
        | Function.Cosh -> "cosh"
        | Function.Tanh -> "tanh"
        | Function.Exp -> "exp"
        | Function.Log -> "log"
        | Function.Abs -> "abs"
        | Function.Log1p -> "log1p"
        | Function.Expm1 -> "expm1"
        | Function.Log10 -> "log10"
        | Function.Log2 -> "log2"
        | _ -> "sign"
