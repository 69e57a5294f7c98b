namespace PhysGrad.Symbolic

open System
open System.Numerics
open System.Globalization
open System.Collections.Generic

/// A real number as a double mantissa times a power of two with an integer exponent,
/// M·2^E with 1 ≤ |M| < 2 (or M = ±0, ±∞, NaN and E = 0): the precision of a double (53 bits) with
/// an exponent range of ±2³⁰ instead of ±1023. It evaluates expressions whose intermediates leave
/// the double range while their results do not: (x² + y²)^(3/2) at x = y = 10¹⁵⁰ is 2.8·10⁴⁵⁰, and
/// x·y/(x² + y²)^(3/2) is 3.5·10⁻¹⁵¹ again.
///
/// Written here, not taken from a library: the one served candidate, ExtendedNumerics.BigDecimal, is
/// an arbitrary-precision decimal (a BigInteger mantissa per value, a process-wide precision setting,
/// transcendental functions by series at that precision), hundreds of times slower per operation
/// than needed and with results that depend on a global; what is needed is only the exponent range,
/// and every function below reduces to the double function after splitting off the exponent.
[<Struct; CustomEquality; NoComparison>]
type Wide =
    /// The mantissa: 1 ≤ |M| < 2, or ±0, ±∞, NaN.
    val M: float
    /// The exponent of two (0 unless M is finite and nonzero).
    val E: int

    /// M·2^E, normalised (any finite m; an exponent beyond ±2³⁰ overflows to ±∞ or underflows to ±0).
    new(m: float, e: int64) =
        if m = 0.0 || not (Double.IsFinite m) then
            { M = m; E = 0 }
        else
            let k = int64 (Math.ILogB m) + e

            if k > (1L <<< 30) then { M = (if m > 0.0 then infinity else -infinity); E = 0 }
            elif k < -(1L <<< 30) then { M = (if m > 0.0 then 0.0 else -0.0); E = 0 }
            else { M = Math.ScaleB(m, -(Math.ILogB m)); E = int k }

    /// A double as it is.
    static member Of(x: float) = Wide(x, 0L)

    /// The nearest double: ±∞ above the double range, 0 (or a subnormal) below it.
    member w.ToDouble() = if w.E = 0 then w.M else Math.ScaleB(w.M, w.E)

    /// Is the value finite (it may still be outside the double range)?
    member w.IsFinite = Double.IsFinite w.M

    /// Is the value finite and nonzero but not a normal double: it overflows (above 1.8·10³⁰⁸) or
    /// underflows (below 2.2·10⁻³⁰⁸, where doubles lose digits and end at 4.9·10⁻³²⁴)?
    member w.OutsideDoubles = w.IsFinite && w.M <> 0.0 && (w.E > 1023 || w.E < -1022)

    /// log₁₀|value| (−∞ for 0).
    member w.Log10 = Math.Log10(Math.Abs w.M) + float w.E * Math.Log10 2.0

    /// The value in scientific notation with `digits` significant digits at any exponent, inside the double
    /// range too: "3.53553E+449", "7.8E-327", "5E+0"; "0", "Infinity", "-Infinity" and "NaN" as such. The
    /// mantissa is 10^(frac log₁₀|value|), so beyond 10 or so significant digits the last ones are noise.
    /// The one printing of a number beyond doubles: `Text`, the overflowed loss of a run and the
    /// messages that give an overflowing or underflowing size all use it.
    member w.Scientific(digits: int) =
        if not w.IsFinite || w.M = 0.0 then
            (w.M + 0.0).ToString(CultureInfo.InvariantCulture)
        else
            let l = w.Log10
            let mutable d = Math.Floor l
            // Math.Round takes at most 15 decimals (ToString's 17 digits threw here); the mantissa has no more anyway.
            let mutable m = Math.Round(Math.Pow(10.0, l - d), min 15 (max 0 (digits - 1)))

            if m >= 10.0 then
                m <- m / 10.0
                d <- d + 1.0

            let sign = if w.M < 0.0 then "-" else ""
            sprintf "%s%sE%s%d" sign (m.ToString("G" + string digits, CultureInfo.InvariantCulture)) (if d >= 0.0 then "+" else "-") (abs (int d))

    /// The value with `digits` significant digits: as a double ("G" format) inside the double range,
    /// in scientific notation beyond it ("3.53553E+449", `Scientific`).
    member w.Text(digits: int) =
        if w.OutsideDoubles then w.Scientific digits
        else (w.ToDouble() + 0.0).ToString("G" + string digits, CultureInfo.InvariantCulture)

    override w.ToString() = w.Text 17

    override w.Equals(o) =
        match o with
        | :? Wide as v -> v.M.Equals w.M && v.E = w.E
        | _ -> false

    override w.GetHashCode() = HashCode.Combine(w.M, w.E)

    static member (*)(a: Wide, b: Wide) = Wide(a.M * b.M, int64 a.E + int64 b.E)
    static member (/)(a: Wide, b: Wide) = Wide(a.M / b.M, int64 a.E - int64 b.E)
    static member (~-)(a: Wide) = Wide(-a.M, int64 a.E)

    static member (+)(a: Wide, b: Wide) =
        if not a.IsFinite || not b.IsFinite || a.M = 0.0 && b.M = 0.0 then Wide.Of(a.M + b.M)
        elif b.M = 0.0 then a
        elif a.M = 0.0 then b
        else
            // Align to the larger exponent; a term 2⁶⁰ times smaller than the other is below its last digit.
            let e = max a.E b.E
            let d = int64 a.E - int64 b.E

            if d > 60L then a
            elif d < -60L then b
            else Wide(Math.ScaleB(a.M, a.E - e) + Math.ScaleB(b.M, b.E - e), int64 e)

/// The elementary functions and powers on `Wide`, each as exact as its double counterpart.
[<RequireQualifiedAccess>]
module WideMath =

    let private ln2Hi = 6.93147180369123816490e-01
    let private ln2Lo = 1.90821492927058770002e-10

    /// exp(x) = 2ᵏ·exp(r), k = round(x/ln 2), r = x − k·ln 2 (Cody and Waite's split of ln 2 in two
    /// parts, each product formed exactly by a fused multiply-add), |r| ≤ ln 2 / 2.
    let exp (x: Wide) =
        let d = x.ToDouble()

        if Double.IsNaN d then Wide.Of nan
        elif abs d < 700.0 then Wide.Of(Math.Exp d)
        elif abs d > 7.4e8 then Wide.Of(if d > 0.0 then infinity else 0.0)
        else
            let k = Math.Round(d / Math.Log 2.0)
            let r = Math.FusedMultiplyAdd(-k, ln2Lo, Math.FusedMultiplyAdd(-k, ln2Hi, d))
            Wide(Math.Exp r, int64 k)

    /// log(x) = log(M) + E·ln 2, a double for every finite positive x; NaN below 0, −∞ at 0.
    let log (x: Wide) =
        if x.M <= 0.0 || not x.IsFinite then Wide.Of(Math.Log x.M)
        else Wide.Of(Math.FusedMultiplyAdd(float x.E, ln2Hi, Math.Log x.M + float x.E * ln2Lo))

    /// xⁿ for an integer n, by repeated squaring (each product normalised, so no step overflows).
    let rec private powInt (x: Wide) (n: BigInteger) : Wide =
        if n.Sign < 0 then Wide.Of 1.0 / powInt x (-n)
        elif n.IsZero then Wide.Of 1.0
        else
            let mutable result = Wide.Of 1.0
            let mutable b = x
            let mutable k = n

            while not k.IsZero do
                if not k.IsEven then result <- result * b
                k <- k >>> 1
                if not k.IsZero then b <- b * b

            result

    /// x^(a/b) for integers a, b > 0: with E·a = b·q + s (0 ≤ s < b), x^(a/b) = M^(a/b)·2^(s/b)·2^q, each
    /// factor a double in [2⁻¹, 4] or so: exact to a few ulps at any exponent. A negative x has a real
    /// odd root only when b is odd; else NaN, as Math.Pow gives for every negative base and fractional power.
    let powRational (x: Wide) (q: Rational) : Wide =
        if q.IsInteger then powInt x q.Num
        elif not x.IsFinite || x.M = 0.0 then Wide.Of(Math.Pow(x.M, q.ToDouble()))
        // A negative base with a fractional power is NaN, as Math.Pow (and so every double evaluator) gives it.
        elif x.M < 0.0 then Wide.Of nan
        else
            let a = q.Num
            let b = q.Den
            let ea = BigInteger x.E * a
            let mutable qq = BigInteger.Divide(ea, b)
            let mutable s = ea - qq * b

            if s.Sign < 0 then
                s <- s + b
                qq <- qq - BigInteger.One

            let m = Math.Pow(x.M, q.ToDouble()) * Math.Pow(2.0, float s / float b)

            if BigInteger.Abs qq > BigInteger(1 <<< 30) then Wide.Of(if qq.Sign > 0 then infinity else 0.0)
            else Wide(m, int64 qq)

    /// x^p for a double p: an integer p by squaring, else 2^(p·log₂ x) split into an integer and a
    /// fractional power of two (relative error about |p·E|·2⁻⁵³, 10⁻¹³ at E = 1000).
    let pow (x: Wide) (p: Wide) : Wide =
        let pd = p.ToDouble()

        if Double.IsFinite pd && Math.Floor pd = pd && abs pd < 9.0e15 then powInt x (BigInteger pd)
        elif not x.IsFinite || x.M <= 0.0 || not (Double.IsFinite pd) then Wide.Of(Math.Pow(x.ToDouble(), pd))
        else
            let t = pd * float x.E
            let k = Math.Floor t

            if abs k > 1.0e9 then Wide.Of(if k > 0.0 then infinity else 0.0)
            else Wide(Math.Pow(x.M, pd) * Math.Pow(2.0, t - k), int64 k)

    /// f(x) for an elementary function. Below 2⁻⁶⁰ the odd functions are x itself to double precision
    /// (sin x = x − x³/6 + …; log1p x = x − x²/2 + …) and cos, cosh are 1; above the double range exp
    /// and its relatives go through `exp`; everything else is the double function of the double value.
    let apply (f: Function) (x: Wide) : Wide =
        let d = x.ToDouble()
        let tiny = x.IsFinite && x.M <> 0.0 && x.E < -60

        match f with
        | Function.Exp -> exp x
        | Function.Log -> log x
        | Function.Abs -> Wide(abs x.M, int64 x.E)
        | Function.Sign -> Wide.Of(Elementary.sign x.M)
        | Function.Sin
        | Function.Tan
        | Function.Asin
        | Function.Atan
        | Function.Sinh
        | Function.Tanh
        | Function.Log1p
        | Function.Expm1 when tiny -> x
        | Function.Cos
        | Function.Cosh when tiny -> Wide.Of 1.0
        | Function.Acos when tiny -> Wide.Of(Math.PI / 2.0)
        | Function.Sinh when x.IsFinite && abs d > 40.0 -> Wide(float (sign x.M), 0L) * exp (Wide(abs x.M, int64 x.E)) / Wide.Of 2.0
        | Function.Cosh when x.IsFinite && abs d > 40.0 -> exp (Wide(abs x.M, int64 x.E)) / Wide.Of 2.0
        | Function.Expm1 when x.IsFinite && d > 40.0 -> exp x
        | Function.Log1p when x.IsFinite && d > 1.0e17 -> log x
        // Beyond the doubles, log_b x = log x / log b; within them Math.Log10 and Math.Log2, exact at powers of b.
        | Function.Log10 when x.IsFinite && x.M > 0.0 && (d = 0.0 || Double.IsInfinity d) -> Wide.Of((log x).ToDouble() / Math.Log 10.0)
        | Function.Log2 when x.IsFinite && x.M > 0.0 && (d = 0.0 || Double.IsInfinity d) -> Wide.Of((log x).ToDouble() / Math.Log 2.0)
        | _ -> Wide.Of(Elementary.apply f d)

    /// atan2(y, x) of the two scaled by the same power of two (the angle depends only on their ratio).
    let atan2 (y: Wide) (x: Wide) =
        if y.IsFinite && x.IsFinite then
            let e = max (if y.M = 0.0 then Int32.MinValue else y.E) (if x.M = 0.0 then Int32.MinValue else x.E)
            let e = if e = Int32.MinValue then 0 else e
            let s (w: Wide) = if w.M = 0.0 then w.M else Math.ScaleB(w.M, w.E - e)
            Wide.Of(Elementary.atan2 (s y) (s x))
        else
            Wide.Of(Elementary.atan2 (y.ToDouble()) (x.ToDouble()))

    /// A rational constant, exactly rounded to 53 bits at any size (10⁴⁰⁰ is a Number, not ∞).
    let ofRational (q: Rational) =
        let d = q.ToDouble()

        if Double.IsFinite d && (d = 0.0) = q.IsZero && abs d >= Expr.SmallestNormal || q.IsZero then
            Wide.Of d
        else
            let part (n: BigInteger) =
                let shift = max 0L (n.GetBitLength() - 62L)
                Wide(float (n >>> int shift), shift)

            part q.Num / part q.Den

/// The interpreter of `Evaluate` in `Wide` arithmetic, prepared once for many points: the expressions'
/// stable forms (the same stable forms and operations as `Evaluate`, with intermediates that cannot
/// overflow or underflow short of 2^(±2³⁰)) and the post-order of their nodes are computed here, so that
/// `eval`, which re-evaluates the few suspect entries of many rows, pays per row only for the nodes of
/// the entries it asks for (`At`), not for rewriting every formula again.
[<Sealed>]
type WideProgram(variables: string[], es: Expr[]) =
    let stable = Stable.rewriteMany es
    // Children come before their parents in a post-order: node i's operands have indices below i.
    let nodes = Structure.postOrder stable
    let index = Dictionary<Expr, int>(nodes.Length, ExprIdentity.comparer)
    do nodes |> Array.iteri (fun i n -> index.[n] <- i)
    let operands = nodes |> Array.map (fun n -> Expr.children n |> Array.map (fun c -> index.[c]))
    let roots = stable |> Array.map (fun e -> index.[e])
    let position = Dictionary<string, int>(StringComparer.Ordinal)
    do variables |> Array.iteri (fun i v -> position.[v] <- i)

    let valueOf (point: float[]) (values: Wide[]) (i: int) =
        let arg k = values.[operands.[i].[k]]

        match nodes.[i].Node with
        | Number q -> WideMath.ofRational q
        | Real x -> Wide.Of x
        | Symbol s ->
            match position.TryGetValue s with
            | true, k -> Wide.Of point.[k]
            | _ -> Fail.raiseWith ErrorKind.Variable (sprintf "The expression uses '%s', which has no value (variables: %s)." s (String.Join(", ", variables)))
        | Pi -> Wide.Of Math.PI
        | Sum _ ->
            // Summed in the order of the terms as given: the same order as the double sum.
            let mutable s = Wide.Of 0.0

            for k in operands.[i] do
                s <- s + values.[k]

            s
        | Product _ ->
            let mutable p = Wide.Of 1.0

            for k in operands.[i] do
                p <- p * values.[k]

            p
        | Power(_, x) ->
            match x.Node with
            | Number q when q.Num.GetBitLength() < 62L && q.Den.GetBitLength() < 62L -> WideMath.powRational (arg 0) q
            | _ -> WideMath.pow (arg 0) (arg 1)
        | Apply(f, _) -> WideMath.apply f (arg 0)
        | Atan2 _ -> WideMath.atan2 (arg 0) (arg 1)

    /// The number of expressions.
    member _.Count = es.Length

    /// Expressions `which` (indices into the expressions given) with variables[i] = point[i], in that
    /// order; only the nodes they depend on are evaluated.
    member _.At(point: float[], which: int[]) : Wide[] =
        let needed = Array.zeroCreate<bool> nodes.Length

        for k in which do
            needed.[roots.[k]] <- true

        for i in nodes.Length - 1 .. -1 .. 0 do
            if needed.[i] then
                for c in operands.[i] do
                    needed.[c] <- true

        let values = Array.zeroCreate<Wide> nodes.Length

        for i in 0 .. nodes.Length - 1 do
            if needed.[i] then values.[i] <- valueOf point values i

        which |> Array.map (fun k -> values.[roots.[k]])

/// One-off evaluation in `Wide` arithmetic (`WideProgram` for many points).
[<RequireQualifiedAccess>]
module WideEvaluate =

    /// Evaluates several expressions (their stable forms, as `Evaluate.many`) with variables[i] = point[i].
    [<CompiledName("ManyAt")>]
    let manyAt (variables: string[]) (point: float[]) (es: Expr[]) : Wide[] =
        WideProgram(variables, es).At(point, Array.init es.Length id)
