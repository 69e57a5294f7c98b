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

    /// The digits a constant prints with as a coefficient: none for ±1, an integer's, a short decimal's significant
    /// digits (0.04 has one, 2.5 two), a fraction's numerator's and denominator's.
    let private printedDigits (r: Rational) =
        let r = r.Abs
        let x = r.ToDouble()

        if r.IsOne || r.IsZero then 0
        elif r.IsInteger then digits r.Num
        else
            match Rational.TryOfShortDecimal x with
            | ValueSome d when d.Equals r && abs x >= Expr.SmallestNormal ->
                let text = Layout.formatReal x
                let mantissa = match text.IndexOf 'E' with | -1 -> text | k -> text.Substring(0, k)
                mantissa.Replace(".", "").TrimStart('0').Length
            | _ -> digits r.Num + digits r.Den

    /// printedDigits as `constant` below prints r beside the user's decimals `sources`: a quotient a/b of them
    /// (1/6.28318², printed /39.4783509124) with a's and b's digits, a small fraction with its numerator's and
    /// denominator's, and any other fraction with the digits of the double it becomes (1/314159² prints as
    /// 1.013213548072398E-11, sixteen, not the twelve of 1/98695877281 it was counted as, which had kept PG's
    /// rule on 6.28318*sqrt(x0/g) in cleared integers).
    let private printedDigitsOver (sources: Rational[]) (r: Rational) =
        let r = r.Abs
        let x = r.ToDouble()
        let isDecimal = not (System.Double.IsInfinity x) && abs x >= Expr.SmallestNormal && (ExactConstants.ofDecimal x).Equals r

        if r.IsInteger || isDecimal || abs x < Expr.SmallestNormal || System.Double.IsInfinity x then
            printedDigits r
        else
            match Layout.decimalQuotientOver sources r with
            | Some(a, b) -> printedDigits a + printedDigits b
            | None when digits r.Num <= MaxFractionDigits && digits r.Den <= MaxFractionDigits -> printedDigits r
            | None ->
                let text = Layout.formatReal x
                let mantissa = match text.IndexOf 'E' with | -1 -> text | k -> text.Substring(0, k)
                mantissa.Replace(".", "").Replace("-", "").TrimStart('0').Length

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
            let isDecimal = not (System.Double.IsInfinity x) && (ExactConstants.ofDecimal x).Equals q
            let isHalf = q.Den = BigInteger 2 && BigInteger.Abs q.Num = BigInteger.One

            // Below the doubles' normal range (1/10^400, a product of 1E-200 and 1E-200) the double is 0 or has
            // lost digits: the exact fraction stays, as a power of ten beyond them does (10^400), instead of a
            // 0 that a rule would then divide by.
            // Beyond the doubles' range (10^400 + 9/100) likewise: a double would be infinity.
            if isHalf || abs x < Expr.SmallestNormal || System.Double.IsInfinity x then Expr.number q
            elif isDecimal then Expr.real x
            // A quotient of the user's decimals (1/9.81, 1/3.33E-07) stays exact: the printers write it so.
            elif (Layout.decimalQuotientOver sources q).IsSome then Expr.number q
            elif digits q.Num <= MaxFractionDigits && digits q.Den <= MaxFractionDigits then Expr.number q
            else Expr.real x

    /// The most terms of a sum that rescaleSums weighs (each candidate scale is tried on every term).
    [<Literal>]
    let MaxScaledTerms = 64

    /// The most combinations of scales of one product's sum factors that rescaleSums weighs together.
    [<Literal>]
    let MaxCombinations = 4096

    /// What a constant that is no integer times the user's decimals costs beyond its text (explainedCost):
    /// rescaleSums turns such constants into the decimals written before it moves digits around.
    [<Literal>]
    let UnexplainedCost = 2

    /// An integer's printed length: its digits, or from 10^15 on its E-notation (1E+20, as `constant` makes it a double;
    /// 1E+402 for one too long to print exactly, Layout.roundedScientific).
    let private integerCost (n: BigInteger) =
        match Layout.roundedScientific (Rational.OfBig n), Layout.powerOfTen n with
        | Some scientific, _ -> (Layout.roundedScientificText scientific).Length
        | None, Some _ -> min (digits n) (Layout.formatReal ((Rational.OfBig n).Abs.ToDouble())).Length
        | None, None -> digits n

    /// How far a positive constant is from the user's own decimals, the cost rescaleSums lowers: r written as
    /// m·Π dᵢ^(±1), at most two decimals dᵢ of `sources` (with repetition) and m an integer or its reciprocal,
    /// costs one per dᵢ and m's digits (none for 1; one more beside a dᵢ, since 1E-19 = 4·2.5E-20 says nothing
    /// the user wrote): 1.3348E-10 = 2·6.674E-11 costs 3, 9.8695877281 = 3.14159² costs 2, 1/9.81 costs 1, 1 costs 0; a constant with no such form (or a long one) costs its printed text and
    /// a penalty (UnexplainedCost): 4E-14 costs 7, 2.6696E-24 (= 4E-14·6.674E-11) 12.
    let private explainedCost (products: (Rational * int)[]) (memo: System.Collections.Generic.Dictionary<Rational, int>) (r: Rational) =
        let r = r.Abs

        match memo.TryGetValue r with
        | true, c -> c
        | _ ->
            let mutable c = System.Int32.MaxValue

            for (p, factors) in products do
                let m = r / p

                // A multiplier other than 1 costs one more than its digits: 1E-19 is 4·2.5E-20 only by accident.
                if m.IsInteger then
                    c <- min c ((if m.IsOne then 0 else integerCost m.Num + (if factors > 0 then 1 else 0)) + factors)
                elif m.Num.IsOne then
                    c <- min c (integerCost m.Den + 1 + (if factors > 0 then 1 else 0) + factors)

            // Its text with the penalty, when that is less (4E-14 against 1/25000000000000).
            let x = r.ToDouble()

            c <-
                min c (UnexplainedCost
                       + (match Rational.TryOfShortDecimal x with
                          | ValueSome d when d.Equals r && abs x >= Expr.SmallestNormal -> (Layout.formatReal x).Length
                          | _ ->
                              match Layout.roundedScientific r with
                              | Some scientific -> (Layout.roundedScientificText scientific).Length
                              | None -> digits r.Num + digits r.Den + 1))

            memo.[r] <- c
            c

    /// A term's exact coefficient and the rest (Layout.coefficient); None when the coefficient is floating.
    let private exactCoefficient (t: Expr) =
        let c, rest = Layout.coefficient t

        match c.Node with
        | Number q -> Some(q, rest)
        | _ -> None

    /// e rebuilt bottom-up once per distinct node (memoised by ExprIdentity): `visit go n` is n's rewrite, with
    /// `go` for its parts, or None to rebuild n from its children's rewrites. The one walk of rescaleSums and
    /// readableOver.
    let private rebuildOnce (visit: (Expr -> Expr) -> Expr -> Expr option) (e: Expr) =
        let memo = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let rec go (n: Expr) =
            match memo.TryGetValue n with
            | true, r -> r
            | _ ->
                Deep.check ()

                let r =
                    match visit go n with
                    | Some r -> r
                    | None ->
                        let cs = Expr.children n
                        if cs.Length = 0 then n else Expr.rebuild n (Array.map go cs)

                memo.[n] <- r
                r

        go e

    /// Each sum factor s^n of a product (n a nonzero integer) divided by the scale σ that makes its
    /// coefficients read best, the product's coefficient multiplied by σ^n: the same value, written with the
    /// user's decimals where elimination cleared them into integers. Newton on 3.14159*x0 + 1 gives
    /// -100000*eta*(314159*x0 - 100000*ys0 + 100000)/314159 (rational elimination makes a sum's coefficients
    /// coprime integers), which is -eta*(3.14159*x0 - ys0 + 1)/3.14159; 10^10*t1 + 108695877281*x0 is
    /// 10^10*(t1 + 10.8695877281*x0). The scales tried are the powers of ten 10^k (|k| ≤ 40), and for each
    /// term the one that makes its coefficient 1 or a decimal of `sources`; a scale is taken only when every
    /// new coefficient of the sum is an integer or a short decimal and the cost (explainedCost of the
    /// sum's coefficients and the product's) falls. Sums of more than MaxScaledTerms terms stay as they are.
    let private rescaleSums (sources: Rational[]) (e: Expr) =
        if sources.Length = 0 then
            e
        else
            // 1 and every product of one or two of the sources, and their reciprocals, with their factor counts.
            let products =
                [| yield Rational.One, 0
                   for i in 0 .. sources.Length - 1 do
                       yield sources.[i], 1
                       yield Rational.One / sources.[i], 1

                       for j in i .. sources.Length - 1 do
                           for p in [ sources.[i] * sources.[j]; sources.[i] / sources.[j]; sources.[j] / sources.[i]; Rational.One / (sources.[i] * sources.[j]) ] do
                               yield p, 2 |]
                |> Array.distinctBy fst

            let cost = explainedCost products (System.Collections.Generic.Dictionary<Rational, int>())
            let tens = Array.init 81 (fun i -> let k = i - 40 in if k >= 0 then Rational.OfBig(BigInteger.Pow(BigInteger 10, k)) else Rational.Create(BigInteger.One, BigInteger.Pow(BigInteger 10, -k)))

            // A constant too long to print exactly prints in E-notation (Layout.roundedScientific), as short as a decimal.
            let isShort (r: Rational) =
                r.IsInteger && (digits r.Num <= Rational.DecimalDigits)
                || (Layout.roundedScientific r).IsSome
                || (let x = r.ToDouble()
                    abs x >= Expr.SmallestNormal
                    && not (System.Double.IsInfinity x)
                    && (match Rational.TryOfShortDecimal x with
                        | ValueSome d -> d.Equals r
                        | ValueNone -> false))

            // The scales worth trying on one sum with coefficients `coefficients`: (σ, σ's new sum cost), σ = 1 (the
            // sum as it is) first. Tried: powers of ten for a sum elimination cleared into integers
            // (314159*x0 - 100000*ys0; a sum of decimals already reads in them: x0 - 1E-20 is not 10*x0 - 1E-19),
            // each coefficient and its quotients by the user's decimals, and the sum's content (gcd of the
            // numerators over lcm of the denominators), which makes its coefficients coprime integers:
            // -eta*(13*x0 - 70*ys0 - 20*ys1)/13 for -eta*(x0 - 70*ys0/13 - 20*ys1/13), reached by nothing else
            // when every coefficient is a fraction over the same denominator. A scale is kept only when every new
            // coefficient is an integer or a short decimal.
            let options (coefficients: Rational[]) =
                let candidates =
                    if coefficients |> Array.forall (fun c -> c.IsInteger) then System.Collections.Generic.HashSet<Rational>(tens)
                    else System.Collections.Generic.HashSet<Rational>()

                if coefficients |> Array.forall (fun c -> not c.IsZero) then
                    let struct (numerators, denominators) = Rational.Content coefficients
                    candidates.Add((Rational.Create(numerators, denominators)).Abs) |> ignore

                for c in coefficients do
                    candidates.Add c.Abs |> ignore

                    for d in sources do
                        candidates.Add((c / d).Abs) |> ignore

                [| yield Rational.One, coefficients |> Array.sumBy cost
                   for sigma in candidates do
                       if not sigma.IsOne && not sigma.IsZero then
                           let scaled = coefficients |> Array.map (fun c -> c / sigma)
                           if scaled |> Array.forall isShort then yield sigma, scaled |> Array.sumBy cost |]

            // A sum factor of a product as (sum, exponent, its terms' exact coefficients and rests); None for others.
            let sumFactor (f: Expr) =
                let sumOf, power =
                    match f.Node with
                    | Sum _ -> Some f, 1
                    | Power(b, x) ->
                        match b.Node, x.Node with
                        | Sum _, Number k when k.IsInteger && abs (k.ToDouble()) <= 16.0 -> Some b, int (k.ToDouble())
                        | _ -> None, 0
                    | _ -> None, 0

                match sumOf with
                | Some s ->
                    let ts = match s.Node with Sum ts -> ts | _ -> [||]
                    let terms = ts |> Array.map exactCoefficient

                    if ts.Length > MaxScaledTerms || terms |> Array.exists Option.isNone then None
                    else Some(power, terms |> Array.map Option.get)
                | None -> None

            // σ^n, or None when it is too long to take.
            let scalePower (sigma: Rational) (n: int) = sigma.TryPow(BigInteger n, 4096)

            // The scales of a product's sum factors weighed together with the product's coefficient they change:
            // weighing each sum alone took scales that moved digits outward (-eta*(x1 - 10/13) became
            // -10*eta*(1.3*x1 - 1)/13, its 1.3 "explained" by 0.1, its outer 10/13 no shorter), and weighing each
            // sum with the coefficient as it stood missed scales that cancel between numerator and denominator
            // (0.7*x0^2's Newton rule: 10 out of 7*x0^2 - 20 and 10 out of 21*x0^2 - 20 cancel). So every
            // combination is weighed (cost of the new coefficient plus the sums'; of equal costs the cheaper sums)
            // when there are at most MaxCombinations (up to 12 sums); beyond, one sum at a time, each against the
            // coefficient so far.
            // A choice's score, lower is better: the new coefficient q's cost plus the sums' (`sums`), then of equal totals
            // the cheaper sums. The one measure of the exhaustive search and of the one-sum-at-a-time fallback.
            let score (q: Rational) (sums: int) = struct (cost q + sums, sums)

            // The digits a choice of scales prints: each scaled coefficient's and the product's new coefficient's (printedDigits);
            // None when a scale's power is too long to take.
            let choiceDigits (q0: Rational) (factors: (int * Rational[])[]) (scales: Rational[]) =
                let mutable q = Some q0
                let mutable total = 0

                for i in 0 .. factors.Length - 1 do
                    let n, coefficients = factors.[i]
                    q <- q |> Option.bind (fun q -> scalePower scales.[i] n |> Option.map (fun p -> q * p))
                    total <- total + (coefficients |> Array.sumBy (fun c -> printedDigitsOver sources (c / scales.[i])))

                q |> Option.map (fun q -> total + printedDigitsOver sources q)

            let choose (q0: Rational) (factors: (int * Rational[])[]) =
                // Each sum keeps its cheapest scales (the sum as it is among them), as many as let every combination
                // be weighed: 64 each for two sums (an integer sum alone offers 81 powers of ten), 16 for three.
                let keep = max 2 (int (floor (float MaxCombinations ** (1.0 / float factors.Length) + 1e-9)))

                let opts =
                    factors
                    |> Array.map (fun (_, coefficients) ->
                        let o = options coefficients
                        if o.Length <= keep then o
                        else Array.append [| o.[0] |] (o.[1..] |> Array.sortBy snd |> Array.truncate (keep - 1)))

                let combinations = opts |> Array.fold (fun n o -> if n > MaxCombinations then n else n * o.Length) 1

                let cheapest =
                  if combinations <= MaxCombinations then
                    let mutable bestChoice = Array.zeroCreate<int> factors.Length
                    let mutable bestCost = struct (System.Int32.MaxValue, System.Int32.MaxValue)
                    let choice = Array.zeroCreate<int> factors.Length

                    let rec go i (q: Rational) (sums: int) =
                        if i = factors.Length then
                            let s = score q sums
                            if s < bestCost then
                                bestCost <- s
                                bestChoice <- Array.copy choice
                        else
                            opts.[i]
                            |> Array.iteri (fun j (sigma, sumCost) ->
                                match scalePower sigma (fst factors.[i]) with
                                | Some p ->
                                    choice.[i] <- j
                                    go (i + 1) (q * p) (sums + sumCost)
                                | None -> ())

                    go 0 q0 0
                    bestChoice |> Array.mapi (fun i j -> fst opts.[i].[j])
                  else
                    let mutable q = q0

                    opts
                    |> Array.mapi (fun i o ->
                        let n = fst factors.[i]
                        let sigma, p, _ =
                            o
                            |> Array.choose (fun (sigma, sumCost) -> scalePower sigma n |> Option.map (fun p -> sigma, p, score (q * p) sumCost))
                            |> Array.minBy (fun (_, _, c) -> c)
                        q <- q * p
                        sigma)

                // The all-integer form: every sum over its content (coprime integer coefficients), the product's coefficient
                // the one rational factor outside, -0.04*eta*(25*x1 - 2*ys0 + 24*ys1) for -0.4*eta*(2.5*x1 - 0.2*ys0 + 2.4*ys1):
                // taken over the cheapest form when it prints no more digits, as a paper writes a sum (issue 12, item 3).
                let integer =
                    factors
                    |> Array.map (fun (_, coefficients) ->
                        let struct (g, d) = Rational.Content coefficients
                        if g.IsZero then Rational.One else Rational.Create(g, d))

                match choiceDigits q0 factors integer, choiceDigits q0 factors cheapest with
                | Some a, Some b when a <= b -> integer
                | _ -> cheapest

            e
            |> rebuildOnce (fun go n ->
                match n.Node with
                | Product fs ->
                    let fs = Array.map go fs

                    let q0, others =
                        match fs.[0].Node with
                        | Number q -> q, Array.tail fs
                        | _ -> Rational.One, fs

                    let sums = others |> Array.map sumFactor
                    let factors = sums |> Array.choose id

                    if factors.Length = 0 then
                        Some(Expr.rebuild n fs)
                    else
                        let scales = choose q0 (factors |> Array.map (fun (power, terms) -> power, Array.map fst terms))

                        if scales |> Array.forall (fun s -> s.IsOne) then
                            Some(Expr.rebuild n fs)
                        else
                            let mutable q = q0
                            let mutable k = 0

                            let others =
                                Array.map2
                                    (fun (f: Expr) (s: (int * (Rational * Expr)[]) option) ->
                                        match s with
                                        | Some(power, terms) ->
                                            let sigma = scales.[k]
                                            k <- k + 1

                                            if sigma.IsOne then
                                                f
                                            else
                                                q <- q * (scalePower sigma power).Value
                                                let s' = Expr.sum (terms |> Array.map (fun (c, rest) -> Expr.mul2 (Expr.number (c / sigma)) rest))
                                                Expr.pow s' (Expr.number (Rational.OfInt power))
                                        | None -> f)
                                    others
                                    sums

                            Some(Expr.mul (Array.append [| Expr.number q |] others))
                | _ -> None)

    /// `readable`, with a fraction that a product of the decimals `sources` (ExactConstants.sourceDecimals,
    /// those the user wrote) writes shortly kept exact (Layout.decimalQuotientOver): 10^18/110889 from
    /// x1/3.33e-7 stays exact, for the printers to write as 1/1.10889E-13 under Layout.withDecimals.
    [<CompiledName("ReadableOver")>]
    let readableOver (sources: Rational[]) (e: Expr) =
        let sources = Array.truncate Layout.MaxSourceDecimals sources
        rescaleSums sources e
        |> rebuildOnce (fun go n ->
            match n.Node with
            | Number q -> Some(constant sources q)
            | Power(b, x) -> Some(Expr.pow (go b) x)
            | _ -> None)

    /// Every non-integer rational of `e` as `constant` writes it, except exponents (x^(1/2) stays a
    /// square root). The value is the same rational or its nearest double.
    [<CompiledName("Readable")>]
    let readable (e: Expr) = readableOver [||] e

    /// The expression as infix text with its floating constants as derived rules write them: read as the exact
    /// decimals they stand for (ExactConstants.exact: 0.10193679918450561 from x0/9.81 is 1/9.81) and written over
    /// the decimals `sources` (ExactConstants.sourceDecimals of the problem the expression quotes, Layout.withDecimals):
    /// x0/9.81 + 2.5*x0^3, not 0.10193679918450561*x0 + 2.5*x0^3. For messages that quote a simulator the user
    /// wrote, or what was derived from it (a local inverse y0/9.81, derived with exact constants: 50*y0/441 is
    /// y0/8.82 over 9.81 and 0.99); without floating constants or sources it is Infix.format's text.
    [<CompiledName("TextOver")>]
    let textOver (sources: Rational[]) (e: Expr) =
        if sources.Length = 0 && not (ExactConstants.hasReals [ e ]) then
            Infix.format e
        else
            Layout.withDecimals sources (fun () -> Infix.format (readableOver sources (ExactConstants.exact e)))

    /// textOver the decimals of `e` itself (ExactConstants.sourceDecimals [e]).
    [<CompiledName("Text")>]
    let text (e: Expr) = textOver (ExactConstants.sourceDecimals [ e ]) e
