namespace PhysGrad.Symbolic

open System
open System.Numerics

/// Whether a double is the nearest to a decimal of at most 15 significant digits, decided in a few
/// floating operations instead of formatting its shortest text (Rational.OfDecimalDigits, a few hundred
/// nanoseconds and two allocations): a traced simulator's run on numbers asks this of every computed
/// value (heat1d at 10⁵ cells: millions of times). With k chosen so that |x|·10^k lies in [10^14, 10^15),
/// x reads as the decimal D·10^(−k), D the integer nearest |x|·10^k, exactly when |x·10^k − D| is below
/// half a unit in the last place of x scaled by 10^k: that decimal then rounds to x, and no two decimals of
/// 15 digits round to one double (DBL_DIG). |x|·10^k is carried exactly as a sum of two doubles (the
/// product's or quotient's error from a fused multiply-add; Muller et al., Handbook of Floating-Point
/// Arithmetic, §4.4), so only a difference within a millionth of the bound is left to the text. Written
/// by hand because neither the base library nor a served package answers this without formatting.
module internal ShortDecimalTest =
    /// 10^0 … 10^22, each exact in doubles.
    let private tens =
        Array.init 23 (fun i -> Double.Parse("1e" + string i, Globalization.CultureInfo.InvariantCulture))

    /// |x|·10^k as s + e exactly (|k| ≤ 22).
    let private scaled (a: float) (k: int) : struct (float * float) =
        if k >= 0 then
            let p = tens.[k]
            let s = a * p
            struct (s, Math.FusedMultiplyAdd(a, p, -s))
        else
            let p = tens.[-k]
            let s = a / p
            // The remainder a − s·p of a rounded quotient is a double (exact from the fused operation).
            struct (s, Math.FusedMultiplyAdd(-s, p, a) / p)

    /// 1 when x is the double nearest D·10^(−k) (D, k returned, D ≤ 10^15 and positive: the sign is x's),
    /// 0 when it is nearest to no decimal of 15 digits, −1 when this test cannot tell (outside
    /// [1e-7, 1e21), 0, or a difference at the bound). A power of two (1, 2, 0.5, 0.25: a traced scheme's
    /// −4·u and ½) has its lower neighbour at half the distance of its upper one, so a decimal below it rounds
    /// to it only within a quarter of the upper spacing, one above within half (IEEE 754's round to nearest);
    /// those went to the text before, a formatting and a parse each.
    let classify (x: float, d: byref<int64>, k: byref<int>) : int =
        let a = Math.Abs x

        if not (a >= 1e-7 && a < 1e21) then
            -1
        else
            // Log10 may be one off near a power of ten: the first scaling tells, and only then is a second made.
            let k0 = 14 - int (Math.Floor(Math.Log10 a))
            let struct (s0, e0) = scaled a k0
            let kk = if s0 >= 1e15 then k0 - 1 elif s0 < 1e14 then k0 + 1 else k0
            let struct (s, e) = if kk = k0 then struct (s0, e0) else scaled a kk

            let nearest = Math.Round s
            // |x|·10^k − D: positive when the decimal D lies below |x|.
            let signed = (s - nearest) + e
            let off = Math.Abs signed
            let ulp = Math.BitIncrement a - a
            let half = 0.5 * (if kk >= 0 then ulp * tens.[kk] else ulp / tens.[-kk])
            // Below a power of two the doubles are twice as dense: half the gap to the lower neighbour.
            let half =
                if signed > 0.0 && (BitConverter.DoubleToInt64Bits a &&& 0xFFFFFFFFFFFFFL) = 0L then 0.5 * half else half

            if off < half * (1.0 - 1e-6) then
                d <- int64 nearest
                k <- kk
                1
            elif off > half * (1.0 + 1e-6) then 0
            else -1

/// An exact rational number p/q in lowest terms with q > 0.
/// Written here because FSharp.Core has no rational type and MathNet's BigRational lives in a
/// package that would pull all of MathNet.Numerics into the symbolic layer for forty lines of code.
[<AllowNullLiteral(false)>]
type Rational =
    val Num: BigInteger
    val Den: BigInteger

    private new(n, d) = { Num = n; Den = d }

    static member Create(n: BigInteger, d: BigInteger) =
        if d.IsZero then
            Fail.raiseWith ErrorKind.DivisionByZero "Division by zero in an exact constant."

        let g = BigInteger.GreatestCommonDivisor(n, d)
        let g = if d.Sign < 0 then -g else g
        Rational(n / g, d / g)

    static member OfInt(n: int) = Rational(BigInteger n, BigInteger.One)
    static member OfBig(n: BigInteger) = Rational(n, BigInteger.One)
    static member Zero = Rational.OfInt 0
    static member One = Rational.OfInt 1
    static member MinusOne = Rational.OfInt -1

    member r.IsZero = r.Num.IsZero
    member r.IsOne = r.Num.IsOne && r.Den.IsOne
    member r.IsInteger = r.Den.IsOne
    member r.Sign = r.Num.Sign

    /// Bits needed to store numerator and denominator: the size used by the growth guards.
    member r.Bits = int (r.Num.GetBitLength() + r.Den.GetBitLength())

    /// The nearest double (ties to even; ±∞ beyond the doubles' range). Written out because .NET's
    /// BigInteger-to-double conversion truncates past 2⁵³ (7·10³⁰ became 6.999999999999999E+30, one
    /// step below the double the literal 7E+30 is), and p/q as double p / double q rounds three times.
    member r.ToDouble() =
        let small (n: BigInteger) = n.GetBitLength() <= 53L

        if small r.Num && small r.Den then
            // Both exact as doubles: one correctly rounded division.
            double r.Num / double r.Den
        else
            // q = ⌊|p|·2^s / d⌋ with 63 or 64 significant bits, cut to 62 with a sticky bit for every bit
            // cut or lost (a remainder): a long of 62 bits converts with one rounding, as the exact quotient.
            let p = BigInteger.Abs r.Num
            let s = 64L - (p.GetBitLength() - r.Den.GetBitLength())
            let scaled = if s >= 0L then p <<< int s else p >>> int -s
            let lost = if s >= 0L then BigInteger.Zero else p - (scaled <<< int -s)
            let mutable remainder = BigInteger.Zero
            let q = BigInteger.DivRem(scaled, r.Den, &remainder)
            let extra = max 0L (q.GetBitLength() - 62L)
            let cut = q &&& ((BigInteger.One <<< int extra) - BigInteger.One)
            let sticky = not lost.IsZero || not remainder.IsZero || not cut.IsZero
            let top = int64 (q >>> int extra) ||| (if sticky then 1L else 0L)
            let magnitude = Math.ScaleB(double top, int (extra - s))
            if r.Num.Sign < 0 then -magnitude else magnitude

    static member (+)(a: Rational, b: Rational) =
        Rational.Create(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den)

    static member (-)(a: Rational, b: Rational) =
        Rational.Create(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den)

    static member (*)(a: Rational, b: Rational) =
        Rational.Create(a.Num * b.Num, a.Den * b.Den)

    static member (/)(a: Rational, b: Rational) =
        Rational.Create(a.Num * b.Den, a.Den * b.Num)

    static member (~-)(a: Rational) = Rational(-a.Num, a.Den)

    member a.Abs = if a.Num.Sign < 0 then -a else a

    /// The decimal a double reads as (its shortest round-trip text, "0.1", "3.3E-09") as ±d·10^(−k),
    /// d the text's digits (at most 17, so below 10^17), with the number of significant digits.
    static member private DecimalText(x: float) : struct (int64 * int * int) =
        let text = x.ToString("R", Globalization.CultureInfo.InvariantCulture)
        let e = text.IndexOfAny [| 'E'; 'e' |]
        let mantissa, exponent = if e < 0 then text, 0 else text.Substring(0, e), int (text.Substring(e + 1))
        let dot = mantissa.IndexOf '.'
        let fractionDigits = if dot < 0 then 0 else mantissa.Length - dot - 1
        let digits = Int64.Parse(mantissa.Replace(".", "").TrimStart '-', Globalization.CultureInfo.InvariantCulture)
        let significant = max 1 (digits.ToString(Globalization.CultureInfo.InvariantCulture).TrimEnd('0').Length)
        struct (digits, fractionDigits - exponent, significant)

    /// ±d·10^(−k) as a rational (the sign is `negative`'s; TryShortParts' and DecimalText's reading).
    static member internal OfShortParts(negative: bool, d: int64, k: int) : Rational =
        let num = BigInteger(if negative then -d else d)

        if k >= 0 then
            Rational.Create(num, BigInteger.Pow(BigInteger 10, k))
        else
            Rational.OfBig(num * BigInteger.Pow(BigInteger 10, -k))

    /// The decimal a double reads as (its shortest round-trip text, "0.1", "3.3E-09") as a rational,
    /// with the number of significant digits of that text.
    static member OfDecimalDigits(x: float) : struct (Rational * int) =
        let struct (d, k, significant) = Rational.DecimalText x
        struct (Rational.OfShortParts(x < 0.0, d, k), significant)

    /// The decimal a double reads as (its shortest round-trip text) as a rational.
    static member OfDecimal(x: float) : Rational =
        let struct (q, _) = Rational.OfDecimalDigits x
        q

    /// The content of rationals q₁ … qₙ: (g, d) with g the gcd of their numerators and d the lcm of their
    /// denominators, so that each qᵢ·d/g is an integer and those integers are coprime: a sum Σ qᵢ·tᵢ is
    /// (g/d)·Σ (qᵢ·d/g)·tᵢ. (0, 1) when every qᵢ is 0 (or there are none). The one content of Simplify (a sum's
    /// content taken out) and ReadableConstants (the scale that makes a sum's coefficients coprime integers).
    static member Content(qs: seq<Rational>) : struct (BigInteger * BigInteger) =
        let mutable g = BigInteger.Zero
        let mutable d = BigInteger.One

        for q in qs do
            g <- BigInteger.GreatestCommonDivisor(g, q.Num)
            d <- d / BigInteger.GreatestCommonDivisor(d, q.Den) * q.Den

        struct (g, d)

    /// The power-of-ten split of an integer: n = m·2^twos·5^fives with m divisible by neither 2 nor 5
    /// (0 gives (0, 0, 0)). A denominator is a decimal's (OfShortParts' 10^k) exactly when its m is ±1, and
    /// 10^min(twos, fives) is the largest power of ten dividing n. The one place that strips 2s and 5s:
    /// Layout's decimal fractions and quotient search and ExactConstants.sourceDecimals read it.
    static member TwosAndFives(n: BigInteger) : struct (BigInteger * int * int) =
        if n.IsZero then
            struct (n, 0, 0)
        else
            let mutable m = n
            let mutable twos = 0
            let mutable fives = 0

            while m.IsEven do
                m <- m >>> 1
                twos <- twos + 1

            let five = BigInteger 5
            let mutable r = BigInteger.Zero
            let mutable q = BigInteger.DivRem(m, five, &r)

            while r.IsZero do
                m <- q
                fives <- fives + 1
                q <- BigInteger.DivRem(m, five, &r)

            struct (m, twos, fives)

    /// The most significant digits of a decimal every double nearest to one reads back as (DBL_DIG):
    /// a floating constant of at most this many digits is taken for the decimal a person wrote.
    static member DecimalDigits = 15

    /// When x is the double nearest a decimal of at most DecimalDigits significant digits: true, with
    /// that decimal as |x| = d·10^(−k) (0 ≤ d < 10^17; the sign is x's). The few floating operations of
    /// ShortDecimalTest decide it, the shortest text only where they cannot tell.
    static member internal TryShortParts(x: float, d: byref<int64>, k: byref<int>) : bool =
        // ±∞ and NaN are no decimal (a rational beyond doubles, 10^400, reaches here as +∞).
        if not (Double.IsFinite x) then false else
        match ShortDecimalTest.classify (x, &d, &k) with
        | 1 -> true
        | 0 -> false
        | _ ->
            let struct (digits, shift, significant) = Rational.DecimalText x
            d <- digits
            k <- shift
            significant <= Rational.DecimalDigits

    /// Whether x is the double nearest a decimal of at most DecimalDigits significant digits (TryOfShortDecimal
    /// is not ValueNone), without building the rational.
    static member IsShortDecimal(x: float) : bool =
        let mutable d = 0L
        let mutable k = 0
        Rational.TryShortParts(x, &d, &k)

    /// The exact decimal a floating constant stands for when it is one a person writes (at most
    /// DecimalDigits significant digits: 0.1, 2.5E-3), or None for a computed double (0.30000000000000004).
    static member TryOfShortDecimal(x: float) : Rational voption =
        let mutable d = 0L
        let mutable k = 0

        if Rational.TryShortParts(x, &d, &k) then
            ValueSome(Rational.OfShortParts(x < 0.0, d, k))
        else
            ValueNone

    /// a^k for an integer k, or None when the result would exceed maxBits (the growth guard that
    /// keeps `9^(9^9)` unevaluated instead of exhausting memory).
    member a.TryPow(k: BigInteger, maxBits: int) : Rational option =
        if k.IsZero then
            Some Rational.One
        elif a.IsZero then
            if k.Sign < 0 then
                Fail.raiseWith ErrorKind.DivisionByZero "Zero raised to a negative power (division by zero)."
            else
                Some Rational.Zero
        elif a.Num.IsOne && a.Den.IsOne then
            Some a
        elif a.Num = BigInteger.MinusOne && a.Den.IsOne then
            Some(if k.IsEven then Rational.One else a)
        else
            let e = BigInteger.Abs k
            let bits = BigInteger(a.Bits) * e

            if bits > BigInteger(maxBits) then
                None
            else
                let ei = int e
                let n = BigInteger.Pow(a.Num, ei)
                let d = BigInteger.Pow(a.Den, ei)

                Some(
                    if k.Sign > 0 then
                        Rational.Create(n, d)
                    else
                        Rational.Create(d, n)
                )

    /// The exact q-th root of a non-negative rational, when there is one.
    member a.TryRoot(q: int) : Rational option =
        let iroot (n: BigInteger) =
            if n.IsZero || n.IsOne then
                Some n
            else
                // Newton's method on integers, started above the root.
                let bits = int (n.GetBitLength())
                let mutable x = BigInteger.One <<< ((bits + q - 1) / q)
                let mutable go = true

                while go do
                    let y = ((BigInteger(q - 1) * x) + n / BigInteger.Pow(x, q - 1)) / BigInteger(q)
                    if y >= x then go <- false else x <- y

                if BigInteger.Pow(x, q) = n then Some x else None

        if a.Sign < 0 || q < 1 then
            None
        elif q = 1 then
            Some a
        else
            match iroot a.Num, iroot a.Den with
            | Some n, Some d -> Some(Rational.Create(n, d))
            | _ -> None

    override a.Equals(o) =
        match o with
        | :? Rational as b -> a.Num = b.Num && a.Den = b.Den
        | _ -> false

    /// A hash of an integer that is the same in every process: FNV-1a (32 bit) over the bytes of its
    /// shortest little-endian two's-complement form, the bytes `BigInteger.ToByteArray()` gives.
    /// `BigInteger.GetHashCode` and `HashCode.Combine` are seeded randomly per process, so a hash
    /// built from them would differ from run to run. Values that fit in 64 bits take their bytes
    /// arithmetically (no array: this runs for every interned number).
    static member StableHash(n: BigInteger) : int =
        let inline step (h: uint32) (b: byte) = (h ^^^ uint32 b) * 16777619u
        let mutable h = 2166136261u

        if n >= BigInteger Int64.MinValue && n <= BigInteger Int64.MaxValue then
            // Emit the low byte until the rest is the sign extension of the last byte emitted.
            let mutable v = int64 n
            let mutable fin = false

            while not fin do
                let b = byte (v &&& 0xFFL)
                h <- step h b
                v <- v >>> 8 // arithmetic shift: the sign is kept
                fin <- (v = 0L && b < 0x80uy) || (v = -1L && b >= 0x80uy)
        else
            for b in n.ToByteArray() do
                h <- step h b

        int h

    /// Stable across processes (see StableHash).
    override a.GetHashCode() =
        (Rational.StableHash a.Num * 31) ^^^ Rational.StableHash a.Den

    /// Exact comparison; integers (the common case) without multiplying.
    static member Compare(a: Rational, b: Rational) =
        if a.Den.IsOne && b.Den.IsOne then
            BigInteger.Compare(a.Num, b.Num)
        else
            BigInteger.Compare(a.Num * b.Den, b.Num * a.Den)

    interface IComparable with
        member a.CompareTo(o) = Rational.Compare(a, o :?> Rational)

    interface IEquatable<Rational> with
        member a.Equals(b) = a.Num = b.Num && a.Den = b.Den

    override r.ToString() =
        if r.Den.IsOne then
            r.Num.ToString(Globalization.CultureInfo.InvariantCulture)
        else
            r.Num.ToString(Globalization.CultureInfo.InvariantCulture)
            + "/"
            + r.Den.ToString(Globalization.CultureInfo.InvariantCulture)

/// Sums and products of two short decimals ±d·10^(−k) (as TryShortParts reads them) in 128-bit integers,
/// rounded once to the nearest double: the value Rational's exact sum or product and ToDouble give, at
/// a fraction of the cost (no BigInteger, no greatest common divisor, no allocation). A product of two
/// decimals is the product of their digits at the sum of their exponents; a sum, the digits brought to
/// the larger exponent. The exact result p·10^(−k) is rounded as p / 5^k · 2^(−k): one correctly rounded
/// division of integers (a double division when both fit 53 bits, else a 62-bit quotient with a sticky
/// bit for the rest, converted once, as Rational.ToDouble does), then an exact power of two. Written by
/// hand because neither the base library nor a served package rounds a decimal of integers without text.
module internal ShortDecimalArithmetic =
    /// 10^0 … 10^19, each below 2^64.
    let private tens = Array.init 20 (fun i -> pown 10UL i)

    /// 5^0 … 5^27, each below 2^63: 10^(−k) = 5^(−k)·2^(−k).
    let private fives = Array.init 28 (fun i -> pown 5UL i)

    let private exactInDoubles = 9007199254740992UL // 2^53

    let inline private wide (v: uint64) = UInt128(0UL, v)

    /// d·10^(−k) with d's trailing zeros moved into k (classify gives 15 digits: 0.25 is 250000000000000·10^(−15)),
    /// so that the common operands' digits and powers fit the double division.
    let private strip (d: uint64) (k: int) : struct (uint64 * int) =
        let mutable d = d
        let mutable k = k

        if d <> 0UL then
            while d % 10000UL = 0UL do
                d <- d / 10000UL
                k <- k - 4

            while d % 10UL = 0UL do
                d <- d / 10UL
                k <- k - 1

        struct (d, k)

    /// (p / q)·2^e2 correctly rounded, for p > 0, 0 < q < 2^64 and a result in the normal range:
    /// ⌊p·2^s / q⌋ with 63 or 64 bits (p·2^s has at most 127), cut to 62 bits with a sticky bit for
    /// every bit cut or lost (a remainder); a long of 62 bits converts with one rounding, as the quotient.
    let private quotient (p: UInt128) (q: uint64) (e2: int) : float =
        let s = 63 + (64 - BitOperations.LeadingZeroCount q) - (128 - int (UInt128.LeadingZeroCount p))

        let n, lost =
            if s >= 0 then
                p <<< s, false
            else
                p >>> -s, not ((p &&& ((UInt128.One <<< -s) - UInt128.One)).Equals UInt128.Zero)

        let struct (t, remainder) = if q = 1UL then struct (n, UInt128.Zero) else UInt128.DivRem(n, wide q)
        let t = uint64 t
        let extra = 2 - BitOperations.LeadingZeroCount t // 64 − leading zeros − 62: 1 or 2
        let sticky = lost || (t &&& ((1UL <<< extra) - 1UL)) <> 0UL || not (remainder.Equals UInt128.Zero)
        let top = int64 (t >>> extra) ||| (if sticky then 1L else 0L)
        Math.ScaleB(double top, extra - s + e2)

    /// ±p·10^(−k) correctly rounded (0 for p = 0, positive as the rational 0's double); ValueNone when
    /// 10^|k| is beyond the tables (k > 27, or k < −19) or p·10^(−k) beyond 128 bits.
    let private nearest (negative: bool) (p: UInt128) (k: int) : float voption =
        let magnitude =
            if p.Equals UInt128.Zero then 0.0
            elif k > 27 || k < -19 then nan
            elif k > 0 then
                if k <= 22 && UInt128.op_LessThanOrEqual(p, wide exactInDoubles) then
                    // 5^k < 2^53 for k ≤ 22: both exact, one rounding.
                    Math.ScaleB(double (uint64 p) / double fives.[k], -k)
                else
                    quotient p fives.[k] -k
            elif UInt128.op_GreaterThan(p, wide UInt64.MaxValue) then
                nan
            else
                let n = p * wide tens.[-k]
                if UInt128.op_LessThanOrEqual(n, wide exactInDoubles) then double (uint64 n) else quotient n 1UL 0

        if Double.IsNaN magnitude then ValueNone
        elif negative then ValueSome -magnitude
        else ValueSome magnitude

    /// (±dx·10^(−kx)) ∘ (±dy·10^(−ky)), op 1 the sum and 2 the product, dx and dy below 2^60, correctly
    /// rounded; ValueNone when the exact work does not fit 128 bits (the caller then uses rationals).
    let tryCombine (op: int) (negX: bool) (dx: uint64) (kx: int) (negY: bool) (dy: uint64) (ky: int) : float voption =
        let struct (dx, kx) = strip dx kx
        let struct (dy, ky) = strip dy ky

        if op = 2 then
            nearest (negX <> negY) (wide dx * wide dy) (kx + ky)
        else
            let k = max kx ky

            if k - kx > 19 || k - ky > 19 then
                ValueNone
            else
                // Both below 2^60·10^19 < 2^124: their sum fits.
                let a = wide dx * wide tens.[k - kx]
                let b = wide dy * wide tens.[k - ky]

                if negX = negY then nearest negX (a + b) k
                elif UInt128.op_GreaterThanOrEqual(a, b) then nearest negX (a - b) k
                else nearest negY (b - a) k

/// The floating folds of two constants already done on this thread (a `DirectMapped` of 4,096 slots on
/// the operation and the operands' bits). A traced simulator repeats a few coefficient products and sums
/// millions of times (heat1d: the same nine stencil weights), and reading a decimal and combining it
/// exactly cost about a microsecond in rationals, where a double operation costs a nanosecond: heat1d's
/// trace (n = 20000, 8 steps, Debug build) took 9.5 s of CPU without this memo, 4.8 s with it, 2.0 s with
/// plain double arithmetic (which left 0.22147840000000002 for 0.2214784).
[<Struct; CustomEquality; NoComparison>]
type internal FoldKey =
    /// 1 sum, 2 product; + 4 when x is an exact integer, + 8 when y is.
    val Op: int
    val X: int64
    val Y: int64
    new(op, x, y) = { Op = op; X = x; Y = y }

    member k.Hash = uint64 (k.X * 0x632BE59BD9B4E019L + k.Y + int64 k.Op)
    override k.Equals(o: obj) = o :? FoldKey && (k :> IEquatable<FoldKey>).Equals(o :?> FoldKey)
    override k.GetHashCode() = int k.Hash

    interface IEquatable<FoldKey> with
        member k.Equals(o: FoldKey) = k.Op = o.Op && k.X = o.X && k.Y = o.Y

[<Sealed; AbstractClass>]
type internal FloatingFoldMemo =
    [<ThreadStatic; DefaultValue>]
    static val mutable private mine: DirectMapped<FoldKey, float>

    /// This thread's memo.
    static member Current =
        if isNull FloatingFoldMemo.mine then
            FloatingFoldMemo.mine <- DirectMapped(12)

        FloatingFoldMemo.mine

/// How a sum or a product of two constants folds once a floating one takes part: the one decision that
/// the expression constructors (Build.fs, `Num`) and traced linear combinations (Trace.fs, `Coefficient`)
/// both call, so that a traced simulator builds the nodes its printed or step-by-step text builds. A
/// floating constant of at most Rational.DecimalDigits significant digits is the decimal it reads as
/// (0.1 written in a problem file or in C# is the decimal 0.1; the double is only its nearest
/// approximation), and decimals and rationals are combined exactly and rounded once: 0.1 + 0.2 is the
/// double 0.3, 0.1·x + 0.2·x − 0.3·x is 0, and (1/3)·(1/0.1) is the double nearest 10/3. A computed
/// double (0.30000000000000004, dt/6 = 0.08333333333333333) takes part by double arithmetic. Integers
/// exact in doubles (below 2^53) skip the rationals, and so do two short decimals whose exact sum or
/// product fits 128 bits (ShortDecimalArithmetic).
module internal FloatingFold =
    let private integral (v: float) =
        Math.Abs v <= 9007199254740992.0 && Math.Floor v = v

    /// An exact integer that its double is (below 2^53 in magnitude; 2^53 + 1 reads as the double 2^53).
    let private exactInteger (e: Rational) (v: float) =
        e.IsInteger && Math.Abs v < 9007199254740992.0

    /// An operand as ±d·10^(−k): 1 when read (a floating short decimal, or an exact integer below 2^53),
    /// 0 for a floating operand that is no short decimal, 2 for an exact fraction (only its rational serves).
    let private read (exact: Rational voption) (v: float) (d: byref<int64>) (k: byref<int>) : int =
        if exact.IsNone then
            if Rational.TryShortParts(v, &d, &k) then 1 else 0
        elif exactInteger exact.Value v then
            d <- int64 (Math.Abs v)
            k <- 0
            1
        else
            2

    /// x ∘ y read as decimals (or exact rationals) and rounded once; r (the double result) when a floating
    /// operand is no short decimal. Both are read only when both are short (the cheap test first: most
    /// traced values are computed doubles).
    let private viaDecimals (op: int) (exactX: Rational voption) (x: float) (exactY: Rational voption) (y: float) (r: float) =
        let mutable dx = 0L
        let mutable kx = 0
        let mutable dy = 0L
        let mutable ky = 0
        let readX = read exactX x &dx &kx

        if readX = 0 then
            r
        else
            let readY = read exactY y &dy &ky

            if readY = 0 then
                r
            else
                let fast =
                    if readX = 1 && readY = 1 then
                        ShortDecimalArithmetic.tryCombine op (x < 0.0) (uint64 dx) kx (y < 0.0) (uint64 dy) ky
                    else
                        ValueNone

                if fast.IsSome then
                    fast.Value
                else
                    let p = if exactX.IsSome then exactX.Value else Rational.OfShortParts(x < 0.0, dx, kx)
                    let q = if exactY.IsSome then exactY.Value else Rational.OfShortParts(y < 0.0, dy, ky)
                    if op = 1 then (p + q).ToDouble() else (p * q).ToDouble()

    /// x ∘ y (op 1: sum, 2: product), where `exactX`/`exactY` are an exact operand's rational (ValueNone
    /// for a floating one, whose decimal is read only when needed). The result may be non-finite: the
    /// caller decides whether that raises (a constructor) or falls back (a linear combination).
    let private combine (op: int) (exactX: Rational voption) (x: float) (exactY: Rational voption) (y: float) : float =
        let r = if op = 1 then x + y else x * y

        if integral x && integral y && integral r then
            r
        else
            // The result depends on the operands' bits only when each is floating or an exact integer (whose
            // double is itself, below 2^53): then it may be remembered, keyed by the bits and which operand is
            // exact (a traced stencil multiplies the same integer weights by the same floating r per cell).
            // An exact fraction (1/3), or an integer from 2^53 on (2^53 + 1 has 2^53's bits), is not its
            // double, so its folds are not remembered.
            let keyed (e: Rational voption) (v: float) = e.IsNone || exactInteger e.Value v

            if keyed exactX x && keyed exactY y then
                let key =
                    FoldKey(
                        op + (if exactX.IsSome then 4 else 0) + (if exactY.IsSome then 8 else 0),
                        BitConverter.DoubleToInt64Bits x,
                        BitConverter.DoubleToInt64Bits y
                    )

                let memo = FloatingFoldMemo.Current
                let slot = memo.Slot key.Hash

                match memo.TryGet(slot, key) with
                | ValueSome known -> known
                | ValueNone ->
                    let v = viaDecimals op exactX x exactY y r
                    memo.Set(slot, key, v)
                    v
            else
                viaDecimals op exactX x exactY y r

    /// The sum of two constants, at least one of them floating.
    let add exactX x exactY y = combine 1 exactX x exactY y

    /// The product of two constants, at least one of them floating.
    let mul exactX x exactY y = combine 2 exactX x exactY y
