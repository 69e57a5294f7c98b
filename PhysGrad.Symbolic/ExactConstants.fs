namespace PhysGrad.Symbolic

open System
open System.Collections.Generic
open System.Globalization
open System.Numerics

/// Decimal constants as the exact rationals a user means by them. A simulator written with 0.1 and
/// 0.3 is solved by the closed forms in doubles otherwise, and a sum that cancels exactly on paper
/// leaves rounding residue as a term of its own (2.22E-16*eta*x0, or a PG step that is not 0 at
/// η = 0). Solving with the decimals as rationals cancels exactly; the results are then written with
/// ReadableConstants (short decimals and small fractions exact, the rest doubles). Rational arithmetic is BigInteger-based (Rational.fs).
[<RequireQualifiedAccess>]
module ExactConstants =

    /// The decimal a double reads as (its shortest round-trip text, "0.1", "3.3E-09") as a rational.
    [<CompiledName("OfDecimal")>]
    let ofDecimal (x: float) : Rational = Rational.OfDecimal x

    /// Does any of the expressions hold a floating constant?
    [<CompiledName("HasReals")>]
    let hasReals (es: seq<Expr>) =
        Structure.postOrder es
        |> Array.exists (fun n ->
            match n.Node with
            | Real _ -> true
            | _ -> false)

    /// Are all the floating constants of the expressions integers that print as integers (Layout.printsAsInteger:
    /// 1.0, 2e3, not 1e20)? Such a simulator is the integer one the user means: `1.0*x1` is `x1`, and its rules
    /// are derived and printed as that one's (UpdateRuleSet), with no decimal the user wrote to keep.
    [<CompiledName("HasOnlyIntegerReals")>]
    let hasOnlyIntegerReals (es: seq<Expr>) =
        Structure.postOrder es
        |> Array.forall (fun n ->
            match n.Node with
            | Real x -> Layout.printsAsInteger x
            | _ -> true)

    /// The size in bits that exact elimination's numbers can reach for n variables: n·(b + log₂ n), with b
    /// the most bits (numerator and denominator) of an exact constant in the expressions. It is Hadamard's
    /// bound on an n × n determinant whose entries have b bits, and every pivot and every entry of an
    /// inverse is a quotient of such determinants. A cost measure of the exact derivation: rational
    /// arithmetic on numbers of that size is what exact rules cost over doubles (BENCHMARKS.md, "Exact
    /// decimals in derived rules").
    [<CompiledName("PivotBits")>]
    let pivotBits (n: int) (es: seq<Expr>) : int =
        let b =
            Structure.postOrder es
            |> Array.fold
                (fun m node ->
                    match node.Node with
                    | Number q -> max m q.Bits
                    | _ -> m)
                1

        int (ceil (float n * (float b + Math.Log2(float (max n 2)))))

    /// The most pivot bits (pivotBits) for which rules are derived with exact constants. Measured
    /// (BENCHMARKS.md): a dense map of one-decimal constants (about 780 bits at 60 variables) costs 1.2–2.3×
    /// the doubles' time, the reference examples (up to about 3,600 bits) 1.1–2.3×, a dense 30-variable map of
    /// 16-digit constants (about 3,400 bits) 4×; beyond this the cost grows with the bits while doubles' does not.
    [<Literal>]
    let MaxPivotBits = 4096

    /// The most significant digits of a decimal d whose reciprocal ofDouble recognises from a double up to
    /// two units in the last place away from 1/d.
    [<Literal>]
    let ReciprocalDigits = 12

    /// The exact constant a floating one stands for: the decimal of its shortest text (0.1, 3E+08), or 1/d
    /// for a decimal d of fewer significant digits than that text when x is the double of 1/d: parsing x0/9.81
    /// folds 1/9.81 into 0.10193679918450561, which stands for 100/981 as written, not for the 17-digit decimal
    /// of its text (nor 0.5*x/9.81 for the 15-digit 0.0509683995922528: it is 1/19.62). The parser divides by
    /// the double nearest d, not by d, and about a quarter of such quotients (x/102.3) land a unit in the last
    /// place from the double nearest 1/d: within two units x is taken for 1/d when d has at most
    /// ReciprocalDigits digits (a double next to 1/d for so short a d is no chance: x's own text has 16 or 17).
    /// A decimal of at most 6 digits is taken as it is. The result is x or within two units in its last place.
    [<CompiledName("OfDouble")>]
    let ofDouble (x: float) : Rational =
        let struct (q, digits) = Rational.OfDecimalDigits x

        if digits <= 6 || x = 0.0 || Double.IsInfinity(1.0 / x) then
            q
        else
            // The reciprocal to 15 digits: its last bits may be off by the roundings of 1/d and 1/x.
            let r = Double.Parse((1.0 / x).ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture)
            let struct (d, dDigits) = Rational.OfDecimalDigits r

            if d.IsZero || dDigits >= digits then
                q
            else
                let y = (Rational.One / d).ToDouble()

                let near =
                    y = x
                    || dDigits <= ReciprocalDigits
                       && (y = Math.BitIncrement x || y = Math.BitDecrement x
                           || y = Math.BitIncrement(Math.BitIncrement x) || y = Math.BitDecrement(Math.BitDecrement x))

                if near then Rational.One / d else q

    /// Every floating constant as the exact rational it stands for (ofDouble).
    [<CompiledName("Exact")>]
    let exact (e: Expr) =
        e
        |> Structure.rewriteBottomUp (fun n ->
            match n.Node with
            | Real x -> Expr.number (ofDouble x)
            | _ -> n)

    /// The decimals a user wrote in the floating constants of expressions (before `exact`; a fraction
    /// written 5/12 is exact already and gives none, so rules keep writing it 5/12), for writing the derived
    /// rules' fractions over them (Layout.withDecimals): each constant as ofDouble reads it when that is a
    /// non-integer short decimal (6.674E-11), and
    /// for a fraction p/q no decimal equals its reciprocal when that is a decimal (100/981 from x0/9.81 gives
    /// 9.81, 125/3118 from x/24.944 gives 24.944, 10^9/333 from x/3.33e-7 gives 3.33E-07; the parser folded
    /// the quotient, so 2*x/9.81 is 200/981 and gives 4.905), else q/s for s the largest power of ten dividing
    /// p, or when that is an integer for s all of p's factors 2 and 5. Positive, distinct, in
    /// the order met, at most Layout.MaxSourceDecimals; exponents are left out.
    [<CompiledName("SourceDecimals")>]
    let sourceDecimals (es: seq<Expr>) : Rational[] =
        let found = List<Rational>()
        let ten = BigInteger 10

        let isDecimal (r: Rational) =
            let x = r.ToDouble()

            not r.IsInteger
            && not (Double.IsInfinity x)
            && (match Rational.TryOfShortDecimal x with
                | ValueSome d -> d.Equals r
                | ValueNone -> false)

        let add (r: Rational) =
            if isDecimal r && not (found.Contains r) && found.Count < Layout.MaxSourceDecimals then
                found.Add r

        let nodes = Structure.postOrder es
        let exponents = HashSet<Expr>(HashIdentity.Reference)

        for n in nodes do
            match n.Node with
            | Power(_, x) -> exponents.Add x |> ignore
            | _ -> ()

        let seen = HashSet<float>()

        for n in nodes do
            match n.Node with
            | Real x when not (exponents.Contains n) && found.Count < Layout.MaxSourceDecimals && seen.Add(abs x) ->
                let q = (ofDouble x).Abs

                if q.IsInteger then ()
                elif isDecimal q then
                    add q
                elif isDecimal (Rational.One / q) then
                    // x/24.944 made exact (ofDouble): 125/3118, whose reciprocal is the decimal written.
                    add (Rational.One / q)
                else
                    // q = p/d as (p/s)/(d/s): s the power of ten dividing p (200/981 is 2/9.81), then
                    // s the product of p's 2s and 5s (125/3118 is 1/24.944).
                    let struct (_, twos, fives) = Rational.TwosAndFives q.Num
                    let overTens = Rational.Create(q.Den, BigInteger.Pow(ten, min twos fives))

                    if isDecimal overTens then
                        add overTens
                    else
                        add (Rational.Create(q.Den, BigInteger.Pow(BigInteger 2, twos) * BigInteger.Pow(BigInteger 5, fives)))
            | _ -> ()

        found.ToArray()

    /// The decimal exponents a user wrote in the floating constants of expressions (before `exact`): the 2.5 of
    /// x0^2.5, as the exact positive rational it writes (5/2), distinct, in the order met. A fraction written
    /// x0^(5/2) is exact already and gives none. For the printers (Layout.withWrittenExponents), which then keep
    /// the rules' exponents of that kind decimals (x0^1.5, not x0^(3/2)), as written.
    [<CompiledName("ExponentDecimals")>]
    let exponentDecimals (es: seq<Expr>) : Rational[] =
        let found = List<Rational>()

        for n in Structure.postOrder es do
            match n.Node with
            | Power(_, x) ->
                match x.Node with
                | Real v when Double.IsFinite v && v <> Math.Round v ->
                    let q = (ofDouble v).Abs

                    match Rational.TryOfShortDecimal(abs v) with
                    | ValueSome d when d.Equals q && not (found.Contains q) -> found.Add q
                    | _ -> ()
                | _ -> ()
            | _ -> ()

        found.ToArray()

