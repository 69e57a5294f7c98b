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

    /// 1 when x is the double nearest D·10^(−k) (D, k returned, D < 10^15 and positive: the sign is x's),
    /// 0 when it is nearest to no decimal of 15 digits, −1 when this test cannot tell (outside
    /// [1e-7, 1e21), a power of two whose lower neighbour is closer, 0, or a difference at the bound).
    let classify (x: float, d: byref<int64>, k: byref<int>) : int =
        let a = Math.Abs x

        if not (a >= 1e-7 && a < 1e21) || (BitConverter.DoubleToInt64Bits a &&& 0xFFFFFFFFFFFFFL) = 0L then
            -1
        else
            let mutable kk = 14 - int (Math.Floor(Math.Log10 a))
            let mutable struct (s, e) = scaled a kk

            // Log10 may be one off near a power of ten.
            if s >= 1e15 then
                kk <- kk - 1
                let struct (s2, e2) = scaled a kk
                s <- s2
                e <- e2
            elif s < 1e14 then
                kk <- kk + 1
                let struct (s2, e2) = scaled a kk
                s <- s2
                e <- e2

            let nearest = Math.Round s
            let off = Math.Abs((s - nearest) + e)
            let ulp = Math.BitIncrement a - a
            let half = 0.5 * (if kk >= 0 then ulp * tens.[kk] else ulp / tens.[-kk])

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

    /// The decimal a double reads as (its shortest round-trip text, "0.1", "3.3E-09") as a rational,
    /// with the number of significant digits of that text.
    static member OfDecimalDigits(x: float) : struct (Rational * int) =
        let text = x.ToString("R", Globalization.CultureInfo.InvariantCulture)
        let e = text.IndexOfAny [| 'E'; 'e' |]
        let mantissa, exponent = if e < 0 then text, 0 else text.Substring(0, e), int (text.Substring(e + 1))
        let dot = mantissa.IndexOf '.'
        let fractionDigits = if dot < 0 then 0 else mantissa.Length - dot - 1
        let digits = BigInteger.Parse(mantissa.Replace(".", ""), Globalization.CultureInfo.InvariantCulture)
        let shift = exponent - fractionDigits

        let significant =
            let d = BigInteger.Abs(digits).ToString(Globalization.CultureInfo.InvariantCulture).TrimEnd '0'
            max 1 d.Length

        let q =
            if shift >= 0 then
                Rational.OfBig(digits * BigInteger.Pow(BigInteger 10, shift))
            else
                Rational.Create(digits, BigInteger.Pow(BigInteger 10, -shift))

        struct (q, significant)

    /// The decimal a double reads as (its shortest round-trip text) as a rational.
    static member OfDecimal(x: float) : Rational =
        let struct (q, _) = Rational.OfDecimalDigits x
        q

    /// The most significant digits of a decimal every double nearest to one reads back as (DBL_DIG):
    /// a floating constant of at most this many digits is taken for the decimal a person wrote.
    static member DecimalDigits = 15

    /// Whether x is the double nearest a decimal of at most DecimalDigits significant digits (TryOfShortDecimal
    /// is not ValueNone), without building the rational.
    static member IsShortDecimal(x: float) : bool =
        let mutable d = 0L
        let mutable k = 0

        match ShortDecimalTest.classify (x, &d, &k) with
        | 1 -> true
        | 0 -> false
        | _ ->
            let struct (_, n) = Rational.OfDecimalDigits x
            n <= Rational.DecimalDigits

    /// The exact decimal a floating constant stands for when it is one a person writes (at most
    /// DecimalDigits significant digits: 0.1, 2.5E-3), or None for a computed double (0.30000000000000004).
    static member TryOfShortDecimal(x: float) : Rational voption =
        let mutable d = 0L
        let mutable k = 0

        match ShortDecimalTest.classify (x, &d, &k) with
        | 1 ->
            let num = BigInteger(if x < 0.0 then -d else d)

            ValueSome(
                if k >= 0 then
                    Rational.Create(num, BigInteger.Pow(BigInteger 10, k))
                else
                    Rational.OfBig(num * BigInteger.Pow(BigInteger 10, -k))
            )
        | 0 -> ValueNone
        | _ ->
            let struct (q, n) = Rational.OfDecimalDigits x
            if n <= Rational.DecimalDigits then ValueSome q else ValueNone

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

/// The floating folds of two floating constants already done on this thread, direct-mapped on the
/// operands' bits (a later fold over the same slot replaces the entry). A traced simulator repeats a
/// few coefficient products and sums millions of times (heat1d: the same nine stencil weights), and
/// reading a decimal and combining it exactly costs about a microsecond, where a double operation costs
/// a nanosecond: heat1d's trace (n = 20000, 8 steps, Debug build) took 9.5 s of CPU without this memo,
/// 4.8 s with it, 2.0 s with plain double arithmetic (which left 0.22147840000000002 for 0.2214784). Written by hand because the base library has no bounded memo (a Dictionary
/// would grow without limit or need clearing).
[<Sealed; AllowNullLiteral>]
type internal FloatingFoldMemo private () =
    // A power of two.
    static let size = 4096
    let xs = Array.zeroCreate<int64> size
    let ys = Array.zeroCreate<int64> size
    // 0 for an empty slot, else the operation's code (1 sum, 2 product; + 4 when x is an exact integer,
    // + 8 when y is).
    let ops = Array.zeroCreate<int> size
    let results = Array.zeroCreate<float> size

    [<ThreadStatic; DefaultValue>]
    static val mutable private mine: FloatingFoldMemo

    static member Current =
        if isNull FloatingFoldMemo.mine then
            FloatingFoldMemo.mine <- FloatingFoldMemo()

        FloatingFoldMemo.mine

    /// The slot of op(x, y), x and y given by their bits.
    static member Slot(op: int, x: int64, y: int64) =
        let h = x * 0x9E3779B97F4A7C15L + y * 0x632BE59BD9B4E019L + int64 op
        int ((h ^^^ (h >>> 29)) &&& int64 (size - 1))

    member _.TryGet(slot: int, op: int, x: int64, y: int64) : float voption =
        if ops.[slot] = op && xs.[slot] = x && ys.[slot] = y then
            ValueSome results.[slot]
        else
            ValueNone

    member _.Set(slot: int, op: int, x: int64, y: int64, r: float) =
        ops.[slot] <- op
        xs.[slot] <- x
        ys.[slot] <- y
        results.[slot] <- r

/// How a sum or a product of two constants folds once a floating one takes part: the one decision that
/// the expression constructors (Build.fs, `Num`) and traced linear combinations (Trace.fs, `Coefficient`)
/// both call, so that a traced simulator builds the nodes its printed or step-by-step text builds. A
/// floating constant of at most Rational.DecimalDigits significant digits is the decimal it reads as
/// (0.1 written in a problem file or in C# is the decimal 0.1; the double is only its nearest
/// approximation), and decimals and rationals are combined exactly and rounded once: 0.1 + 0.2 is the
/// double 0.3, 0.1·x + 0.2·x − 0.3·x is 0, and (1/3)·(1/0.1) is the double nearest 10/3. A computed
/// double (0.30000000000000004, dt/6 = 0.08333333333333333) takes part by double arithmetic. Integers
/// exact in doubles (below 2^53) skip the rationals.
module internal FloatingFold =
    let private integral (v: float) =
        Math.Abs v <= 9007199254740992.0 && Math.Floor v = v

    /// x ∘ y (op 1: sum, 2: product), where `exactX`/`exactY` are an exact operand's rational (ValueNone
    /// for a floating one, whose decimal is read only when needed). The result may be non-finite: the
    /// caller decides whether that raises (a constructor) or falls back (a linear combination).
    let private combine (op: int) (exactX: Rational voption) (x: float) (exactY: Rational voption) (y: float) : float =
        let r = if op = 1 then x + y else x * y

        if integral x && integral y && integral r then
            r
        else
            let viaDecimals () =
                // Both operands are read as decimals only when both are short (the cheap test first: most
                // traced values are computed doubles, and building a rational allocates).
                if (exactX.IsNone && not (Rational.IsShortDecimal x)) || (exactY.IsNone && not (Rational.IsShortDecimal y)) then
                    r
                else
                    let p = if exactX.IsSome then exactX else Rational.TryOfShortDecimal x
                    let q = if exactY.IsSome then exactY else Rational.TryOfShortDecimal y

                    if p.IsNone || q.IsNone then r
                    elif op = 1 then (p.Value + q.Value).ToDouble()
                    else (p.Value * q.Value).ToDouble()

            // The result depends on the operands' bits only when each is floating or an exact integer (whose
            // double is itself, below 2^53): then it may be remembered, keyed by the bits and which operand is
            // exact (a traced stencil multiplies the same integer weights by the same floating r per cell).
            // An exact fraction (1/3) is not its double, so its folds are not remembered.
            let keyed (e: Rational voption) (v: float) = e.IsNone || (e.Value.IsInteger && integral v)

            if keyed exactX x && keyed exactY y then
                let key = op + (if exactX.IsSome then 4 else 0) + (if exactY.IsSome then 8 else 0)
                let memo = FloatingFoldMemo.Current
                let bx, by = BitConverter.DoubleToInt64Bits x, BitConverter.DoubleToInt64Bits y
                let slot = FloatingFoldMemo.Slot(key, bx, by)

                match memo.TryGet(slot, key, bx, by) with
                | ValueSome known -> known
                | ValueNone ->
                    let v = viaDecimals ()
                    memo.Set(slot, key, bx, by, v)
                    v
            else
                viaDecimals ()

    /// The sum of two constants, at least one of them floating.
    let add exactX x exactY y = combine 1 exactX x exactY y

    /// The product of two constants, at least one of them floating.
    let mul exactX x exactY y = combine 2 exactX x exactY y
