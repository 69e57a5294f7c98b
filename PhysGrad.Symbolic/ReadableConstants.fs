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
    let private constant (q: Rational) =
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
            if isHalf || abs x < 2.2250738585072014E-308 then Expr.number q
            elif isDecimal then Expr.real x
            elif digits q.Num <= MaxFractionDigits && digits q.Den <= MaxFractionDigits then Expr.number q
            else Expr.real x

    /// What a product's coefficient takes to read as printed, sign aside (Layout.coefficientLength; 0 for
    /// ±1, which a product does not write): the measure by which `rescaled` chooses how to write a sum's
    /// constants.
    let private printedLength (q: Rational) =
        match (constant q.Abs).Node with
        | Number r -> Layout.coefficientLength r
        | Real x -> Layout.significantLength x
        | _ -> 0

    /// What a term's coefficient inside a sum costs: printedLength, and as much again plus 10 for a
    /// fraction that no decimal equals. A sum reads as its terms' decimals or integers (4.905*m*x0^2 - ys0);
    /// a quotient in a term (m*x0^2 - 2*ys0/9.81) is read only where no scale of the sum avoids it.
    let private termLength (q: Rational) =
        let n = printedLength q
        if q.IsInteger || Layout.isDecimalDenominator q.Den then n else 2 * n + 10

    /// The exact coefficients of a sum's terms, or None when one is floating.
    let private coefficients (ts: Expr[]) =
        let cs =
            ts
            |> Array.map (fun t ->
                match t.Node with
                | Number q -> Some q
                | Real _ -> None
                | Product fs ->
                    match fs.[0].Node with
                    | Number q -> Some q
                    | Real _ -> None
                    | _ -> Some Rational.One
                | _ -> Some Rational.One)

        if Array.forall Option.isSome cs then Some(Array.map Option.get cs) else None

    /// A factor that is a sum or a small integer power of one: its terms and the exponent.
    let private sumPower (f: Expr) =
        match f.Node with
        | Sum ts -> Some(ts, 1)
        | Power(b, x) ->
            match b.Node, x.Node with
            | Sum ts, Number q when q.IsInteger && not q.IsZero && BigInteger.Abs q.Num <= BigInteger 4 -> Some(ts, int q.Num)
            | _ -> None
        | _ -> None

    let private power (k: Rational) (n: int) =
        let p = Seq.fold (fun (a: Rational) _ -> a * k) Rational.One (seq { 1 .. abs n })
        if n < 0 then Rational.One / p else p

    /// The most terms of a sum whose scale `rescaled` chooses (each term is a candidate).
    [<Literal>]
    let private MaxRescaledTerms = 16

    /// The scale k > 0 with which a sum S (exact coefficients) reads best as k·S': of S's rational
    /// content (S' the primitive sum P, coprime integer coefficients), the content times each of P's
    /// |coefficients| (that term then has coefficient ±1) and times a power of ten, the one whose S' has the
    /// least termLength over its coefficients; on a tie the earlier in that order. A function of P alone,
    /// the same for two sums that are positive multiples of each other, so that a sum met in several
    /// products is written the same in each and stays one shared intermediate; the products'
    /// coefficients take k^n.
    let private sumScale (cs: Rational[]) =
        let content =
            let g = cs |> Array.fold (fun g c -> BigInteger.GreatestCommonDivisor(g, c.Num)) BigInteger.Zero
            let d = cs |> Array.fold (fun d c -> d / BigInteger.GreatestCommonDivisor(d, c.Den) * c.Den) BigInteger.One
            Rational.Create(g, d)

        // Relative to the primitive sum P = S/content only (which two sums that are positive multiples of
        // each other share, so both read the same): P, P over one of its coefficients (1.66·x − y, not
        // 8.3·x − 5·y), P over a power of ten (61000·a + 81·b as 6.1·a + 0.0081·b).
        let digits = cs |> Array.map (fun c -> ((c / content).Num |> BigInteger.Abs).ToString().Length) |> Array.max

        [ yield content
          for c in cs -> content * (c / content).Abs
          for j in 1 .. digits -> content * Rational.OfBig(BigInteger.Pow(BigInteger 10, j)) ]
        |> List.distinct
        |> List.minBy (fun k -> Array.sumBy (fun (c: Rational) -> termLength (c / k)) cs)

    /// A product c·…·S^n with each sum factor S (exact coefficients, |n| ≤ 4) written as k^n·S'^n, k
    /// chosen by sumScale. Simplification takes a sum's content out as integers so that quotients cancel
    /// (−981/10000·η·m·(981·m·x0 − 100·ys0)); written for people, the decimals read as they were given:
    /// −9.81·η·m·(9.81·m·x0 − ys0). Exact: k^n·S'^n = S^n for every value of the symbols.
    let private rescaled (e: Expr) =
        match e.Node with
        | Product fs when fs |> Array.exists (sumPower >> Option.isSome) ->
            match fs.[0].Node with
            | Real _ -> e
            | _ ->
                let mutable coefficient =
                    match fs.[0].Node with
                    | Number q -> q
                    | _ -> Rational.One

                let rest =
                    match fs.[0].Node with
                    | Number _ -> Array.tail fs
                    | _ -> fs

                let mutable changed = false

                let written =
                    rest
                    |> Array.map (fun f ->
                        match sumPower f with
                        | Some(ts, n) when ts.Length <= MaxRescaledTerms ->
                            match coefficients ts with
                            | Some cs ->
                                let k = sumScale cs
                                // A coefficient printed exactly stays exact: a scale that would leave it a
                                // fraction too long to keep (a double) is not taken.
                                let exact (q: Rational) = match (constant q).Node with | Real x -> (ExactConstants.ofDecimal x).Equals q | _ -> true

                                if k.IsOne || (exact coefficient && not (exact (coefficient * power k n))) then
                                    f
                                else
                                    changed <- true
                                    coefficient <- coefficient * power k n
                                    let inverse = Expr.number (Rational.One / k)
                                    Expr.pow (Expr.sum (ts |> Array.map (Expr.mul2 inverse))) (Expr.ofInt n)
                            | None -> f
                        | _ -> f)

                if changed then Expr.mul (Array.append [| Expr.number coefficient |] written) else e
        | _ -> e

    /// Every non-integer rational of `e` as `constant` writes it, except exponents (x^(1/2) stays a
    /// square root), with each product's sums scaled as `rescaled` chooses. The value is the same
    /// rational or its nearest double.
    [<CompiledName("Readable")>]
    let readable (e: Expr) =
        let memo = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let rec go (n: Expr) =
            match memo.TryGetValue n with
            | true, r -> r
            | _ ->
                Deep.check ()

                let r =
                    match n.Node with
                    | Number q -> constant q
                    | Power(b, x) -> Expr.pow (go b) x
                    | Product _ ->
                        let m = rescaled n
                        let cs = Expr.children m
                        if cs.Length = 0 then go m else Expr.rebuild m (Array.map go cs)
                    | _ ->
                        let cs = Expr.children n
                        if cs.Length = 0 then n else Expr.rebuild n (Array.map go cs)

                memo.[n] <- r
                r

        go e
