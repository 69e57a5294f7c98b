namespace PhysGrad.Symbolic

open System.Numerics

/// The constants of rules solved with exact rationals (ExactConstants), as a person and a compiler read
/// them. A short decimal stays the decimal the user wrote (1/10 prints 0.1); any other rational with
/// small numerator and denominator stays an exact fraction (7/120, not 0.0583333333333333: a paper
/// writes the fraction, and C# computes it as 7.0 / 120.0, the double nearest 7/120, where a 15-digit
/// decimal was not the double the optimiser uses); only a fraction too long to read becomes a double.
[<RequireQualifiedAccess>]
module ReadableConstants =

    /// The most digits the numerator or the denominator of a fraction kept exact may have.
    [<Literal>]
    let MaxFractionDigits = 6

    let private digits (n: BigInteger) = BigInteger.Abs(n).ToString().Length

    /// The constant as it is printed: a short decimal or a small fraction stays exact, any other
    /// rational becomes its nearest double. Integers stay as they are below 10^15; larger ones become
    /// doubles, so that a rule prints 1E+20 beside 2.5E-20 in text.
    let private constant (sources: Rational[]) (q: Rational) =
        if q.IsInteger then
            if (Layout.powerOfTen q.Num).IsSome && not (System.Double.IsInfinity(q.ToDouble())) then
                Expr.real (q.ToDouble())
            else
                Expr.number q
        else
            let x = q.ToDouble()
            // The double's shortest text reads back as q exactly: q is a decimal such as 0.1 or 2.5e-3.
            let isDecimal = (ExactConstants.ofDecimal x).Equals q
            let isHalf = q.Den = BigInteger 2 && BigInteger.Abs q.Num = BigInteger.One

            // Below the doubles' normal range (1/10^400, a product of 1E-200 and 1E-200) the double is 0 or has
            // lost digits: the exact fraction stays, as a power of ten beyond them does (10^400), instead of a
            // 0 that a rule would then divide by.
            if isHalf || abs x < Expr.SmallestNormal then Expr.number q
            elif isDecimal then Expr.real x
            // A quotient of the user's decimals (1/9.81, 1/3.33E-07) stays exact: the printers write it so.
            elif (Layout.decimalQuotientOver sources q).IsSome then Expr.number q
            elif digits q.Num <= MaxFractionDigits && digits q.Den <= MaxFractionDigits then Expr.number q
            else Expr.real x

    /// `readable`, with a fraction that a product of the decimals `sources` (ExactConstants.sourceDecimals,
    /// those the user wrote) writes shortly kept exact (Layout.decimalQuotientOver): 10^18/110889 from
    /// x1/3.33e-7 stays exact, for the printers to write as 1/1.10889E-13 under Layout.withDecimals.
    [<CompiledName("ReadableOver")>]
    let readableOver (sources: Rational[]) (e: Expr) =
        let sources = Array.truncate Layout.MaxSourceDecimals sources
        let memo = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let rec go (n: Expr) =
            match memo.TryGetValue n with
            | true, r -> r
            | _ ->
                Deep.check ()

                let r =
                    match n.Node with
                    | Number q -> constant sources q
                    | Power(b, x) -> Expr.pow (go b) x
                    | _ ->
                        let cs = Expr.children n
                        if cs.Length = 0 then n else Expr.rebuild n (Array.map go cs)

                memo.[n] <- r
                r

        go e

    /// Every non-integer rational of `e` as `constant` writes it, except exponents (x^(1/2) stays a
    /// square root). The value is the same rational or its nearest double.
    [<CompiledName("Readable")>]
    let readable (e: Expr) = readableOver [||] e
