namespace PhysGrad.Symbolic

open System
open System.Globalization

/// How an expression is laid out in text, shared by the infix, LaTeX and C# printers: which sum
/// terms are written with a minus, how a product splits into a fraction, and when a power is a root.
/// The printers differ only in syntax.
module Layout =

    /// Precedence levels: a subexpression is parenthesised when its level is below its context's.
    [<Literal>]
    let Sum = 1

    [<Literal>]
    let Product = 2

    [<Literal>]
    let Unary = 3

    [<Literal>]
    let Power = 4

    [<Literal>]
    let Atom = 5

    /// Printing writes the tree out; beyond this many nodes the text would be useless and huge.
    [<Literal>]
    let MaxPrintedNodes = 10_000_000L

    let checkPrintable (e: Expr) =
        let n = Structure.treeSize e

        if n > MaxPrintedNodes then
            Fail.raiseWith
                ErrorKind.TooLarge
                (sprintf
                    "The expression written out as text would have %d nodes (limit %d); its shared graph has %d. \
                     Evaluate or compile it instead of printing it."
                    n
                    MaxPrintedNodes
                    (Structure.graphSize [ e ]))

    /// Below this magnitude an integer-valued double is written as its digits: every such double is an
    /// integer that a double represents exactly; from 1e15 on digits would be long and unreadable.
    [<Literal>]
    let IntegerDigitsBelow = 1e15

    /// Is this double written as an integer by formatReal (and so read back as an exact integer)?
    let printsAsInteger (x: float) =
        Math.Abs x < IntegerDigitsBelow && Math.Round x = x

    /// A double written so that it parses back to the same double and reads as a floating value
    /// (`20.0`, `0.5`, `1E+20`): the exact form, for text that is parsed again as a problem, and for C#.
    /// From 1e15 on an integer value is in E-notation (`9.06654483331334E+16`), where "R" would write up
    /// to 17 plain digits (`90665448333133400.0`) beside the `1E+25` it writes for larger ones.
    let formatRealExact (x: float) =
        let s = x.ToString("R", CultureInfo.InvariantCulture)

        if s.Contains '.' || s.Contains 'E' then
            s
        elif Math.Abs x < IntegerDigitsBelow then
            s + ".0"
        else
            // The same digits in E-notation (1E+15), which reads back as the same double.
            let sign = if x < 0.0 then "-" else ""
            let digits = s.TrimStart '-'
            let significant = digits.TrimEnd '0'

            let mantissa =
                if significant.Length = 1 then significant
                else significant.Substring(0, 1) + "." + significant.Substring 1

            sprintf "%s%sE+%d" sign mantissa (digits.Length - 1)

    /// A double written for people: an integer value as an integer (`20`, not `20.0`, so `20*eta` reads
    /// like `5*eta` next to it; -0 as `0`) below 1e15, larger integers in E-notation (`1E+15`); other
    /// values in the shortest form that parses back to the same double (`0.1`, `1.5E-07`). The text reads back to the same value, as an exact integer
    /// when it has no point or exponent.
    let formatReal (x: float) =
        if printsAsInteger x then
            (int64 x).ToString(CultureInfo.InvariantCulture)
        else
            formatRealExact x

    let private integerDigitsFrom = Numerics.BigInteger.Pow(Numerics.BigInteger 10, 15)

    /// An exact integer of magnitude 10^15 (IntegerDigitsBelow) or more as (m, k) with n = m·10^k and m not
    /// divisible by 10; None below. Every printer writes such an integer as a power of ten (10^20,
    /// 3*10^20, 3 \times 10^{20}) as formatReal writes a double of that size in E-notation, so that
    /// 1e20 read as an exact integer does not print as 21 digits beside 1E-20.
    let powerOfTen (n: Numerics.BigInteger) : (Numerics.BigInteger * int) option =
        if Numerics.BigInteger.Abs n < integerDigitsFrom then
            None
        else
            let mutable m = n
            let mutable k = 0
            let mutable r = Numerics.BigInteger.Zero
            let mutable q = Numerics.BigInteger.DivRem(m, Numerics.BigInteger 10, &r)

            while r.IsZero do
                m <- q
                k <- k + 1
                q <- Numerics.BigInteger.DivRem(m, Numerics.BigInteger 10, &r)

            Some(m, k)

    /// p/q as (p·10^k/q, 10^k) when q ≥ 10^15 divides a power of ten 10^k and p·10^k/q stays short (at most
    /// 15 digits): 3/(5·10^399) is 6/10^400, as 6E-400 would be written were it a double (it is below the
    /// doubles' range, so the exact constant stays). Otherwise (p, q).
    let decimalFraction (q: Rational) : struct (Numerics.BigInteger * Numerics.BigInteger) =
        let a = Numerics.BigInteger.Abs q.Num

        if q.Den < integerDigitsFrom then
            struct (a, q.Den)
        else
            let struct (d, twos, fives) = Rational.TwosAndFives q.Den

            if not d.IsOne then
                struct (a, q.Den)
            else
                let ten = Numerics.BigInteger.Pow(Numerics.BigInteger 10, max twos fives)
                let scaled = a * (ten / q.Den)
                if scaled < integerDigitsFrom then struct (scaled, ten) else struct (a, q.Den)

    /// The decimal a rational is, when it is one a person writes: a double nearest to r reads back as r
    /// with at most Rational.DecimalDigits significant digits (TryOfShortDecimal). None for an integer, a
    /// fraction no decimal equals (1/3) or a long decimal.
    let private shortDecimal (r: Rational) =
        if r.IsInteger then
            None
        else
            let x = r.ToDouble()

            if Double.IsInfinity x || Math.Abs x < Expr.SmallestNormal then
                None
            else
                match Rational.TryOfShortDecimal x with
                | ValueSome d when d.Equals r -> Some x
                | _ -> None

    /// The most decimals a rule's constants may be written over (Layout.withDecimals); the quotient's
    /// denominator is a product of at most MaxQuotientFactors of them.
    [<Literal>]
    let MaxSourceDecimals = 12

    [<Literal>]
    let MaxQuotientFactors = 3

    /// The largest integer m for which m times one or two of the user's decimals is a numerator of theirs
    /// (decimalQuotientOver): 2·3.14159² from the derivative of 3.14159*x0^2 squared.
    [<Literal>]
    let MaxSourceMultiple = 12

    /// How a positive constant a or b of a quotient reads when printed: its text's length, 0 for 1.
    let private printedLength (r: Rational) =
        if r.IsOne then 0
        elif r.IsInteger then r.Num.ToString(CultureInfo.InvariantCulture).Length
        else (formatReal (r.ToDouble())).Length

    /// q ≠ 0 (a fraction no decimal equals: its denominator has a prime factor other than 2 and 5) as
    /// a/b, b a product of at most MaxQuotientFactors of the decimals `sources` (those the user wrote,
    /// with repetition) and a = |q|·b an integer or a short decimal: 100/981 over 9.81 is 1/9.81, 10000/962361
    /// (1/9.81²) is 1/96.2361, 10^9/333 over 3.33E-7 is 1/3.33E-07, 5/51 over 10.2 is 1/10.2. Taken only when a
    /// prints no longer than p does (1 is not printed), so 5/12 stays 5/12 beside a 9.81 (not 4.0875/9.81); of
    /// several, the shortest a/b, then the fewest factors, then the shortest a. Exact: a/b = |q|.
    /// None when q is an integer or a decimal, or no product of the sources gives a short a.
    let decimalQuotientOver (sources: Rational[]) (q: Rational) : (Rational * Rational) option =
        if sources.Length = 0 || q.IsInteger || q.IsZero then
            None
        else
            let struct (p, _) = decimalFraction q
            let struct (den, _, _) = Rational.TwosAndFives q.Den
            let struct (num, _, _) = Rational.TwosAndFives p

            let length (n: Numerics.BigInteger) = n.ToString(CultureInfo.InvariantCulture).Length

            // a = q·b has at most 15 digits and b is a product of at most 3 such: q's numerator beyond its 2s and
            // 5s divides a's digits, its denominator's b's. A longer q (an inverse's 200-digit entries) has none.
            if den.IsOne || length num > Rational.DecimalDigits || length den > Rational.DecimalDigits * MaxQuotientFactors then
                None
            else
                let q = q.Abs
                let digits (n: Numerics.BigInteger) = if n.IsOne then 0 else n.ToString(CultureInfo.InvariantCulture).Length
                let candidates = Collections.Generic.List<int * int * Rational * Rational>()

                // The digits of a's decimal without its point, sign and exponent (6.28318 has 6, 3E-07 one).
                let significantDigits (a: Rational) =
                    let struct (n, d) = decimalFraction a
                    let struct (_, twos, fives) = Rational.TwosAndFives d
                    let scaled = n * Numerics.BigInteger.Pow(Numerics.BigInteger 10, max twos fives) / d
                    scaled.ToString(CultureInfo.InvariantCulture).TrimEnd('0').Length

                let longFraction = length p > 6 || length q.Den > 6

                // a = m·s or m·s·t for sources s, t and an integer 1 ≤ m ≤ MaxSourceMultiple.
                let sourceMultiple (a: Rational) =
                    let multiple (r: Rational) = r.IsInteger && r.Num <= Numerics.BigInteger MaxSourceMultiple

                    sources
                    |> Array.exists (fun s ->
                        let r = a / s
                        multiple r || sources |> Array.exists (fun t -> multiple (r / t)))

                let rec products (from: int) (factors: int) (b: Rational) =
                    for i in from .. sources.Length - 1 do
                        let b = b * sources.[i]
                        let a = q * b

                        if (a.IsInteger || (shortDecimal a).IsSome) && (b.IsInteger || (shortDecimal b).IsSome) then
                            // The numerator of no more digits than p: 1/10.2, not 5/51, and 6.28318/9.81 for 314159/490500
                            // (from 2*3.14159/9.81), but 5/12 beside a 9.81 is not 4.0875/9.81. A numerator that is itself
                            // a small multiple of the sources is theirs whatever its digits when q is no fraction a person
                            // writes (more than 6 digits above or below): 2·3.14159²/9.81² (gd on 3.14159*x0^2/9.81)
                            // is 19.7391754562/96.2361, not 0.205111963766196; 7/6 beside 0.1, 0.3 and 0.7 stays 7/6, not 0.35/0.3.
                            if significantDigits a <= digits p || longFraction && sourceMultiple a then
                                candidates.Add((printedLength a + printedLength b, factors + 1, a, b))

                        if factors + 1 < MaxQuotientFactors then
                            products i (factors + 1) b

                products 0 0 Rational.One

                if candidates.Count = 0 then
                    None
                else
                    let _, _, a, b = candidates |> Seq.minBy (fun (cost, factors, a, _) -> cost, factors, printedLength a)
                    Some(a, b)

    let private exactText = Threading.AsyncLocal<bool>()

    // The decimals the constants being printed came from (withDecimals), with the quotients found.
    type private QuotientContext =
        { Sources: Rational[]
          Found: Collections.Concurrent.ConcurrentDictionary<Rational, (Rational * Rational) option> }

    let private decimals = Threading.AsyncLocal<QuotientContext>()

    /// Runs f with every printer (infix `format`, LaTeX, C#) writing an exact fraction that a product of
    /// the decimals `sources` makes short as that quotient (decimalQuotientOver): a rule derived from
    /// x0/9.81 prints eta*ys0/9.81, not 100*eta*ys0/981 or 0.101936799184506*eta*ys0. The sources are the
    /// decimals the user wrote (ExactConstants.sourceDecimals); an empty array turns the quotients off.
    /// Infix.formatExact never writes them: its text parses back to the same exact rational.
    let withDecimals (sources: Rational[]) (f: unit -> 'a) : 'a =
        let saved = decimals.Value

        decimals.Value <-
            if sources.Length = 0 then
                Unchecked.defaultof<_>
            else
                { Sources = Array.truncate MaxSourceDecimals sources
                  Found = Collections.Concurrent.ConcurrentDictionary<_, _>() }

        try
            f ()
        finally
            decimals.Value <- saved

    /// The decimals set by withDecimals (empty outside it).
    let currentDecimals () =
        match box decimals.Value with
        | null -> [||]
        | _ -> decimals.Value.Sources

    /// decimalQuotientOver the decimals of withDecimals; None outside it.
    let decimalQuotient (q: Rational) : (Rational * Rational) option =
        match box decimals.Value with
        | null -> None
        | _ ->
            let c = decimals.Value
            c.Found.GetOrAdd(q, fun q -> decimalQuotientOver c.Sources q)

    /// |q| as the decimal it is (5/2 as 2.5) under withDecimals, where the constants printed are the user's: a
    /// short decimal other than a half (x/2 stays), not under withExactText. None elsewhere. Rules reach the printers
    /// with such constants as doubles already (ReadableConstants); an equation quoted from the exact simulator
    /// (PG's missing-inverse reason) does not.
    let writtenDecimal (q: Rational) : float option =
        match box decimals.Value with
        | null -> None
        | _ when exactText.Value || q.Den = Numerics.BigInteger 2 && Numerics.BigInteger.Abs q.Num = Numerics.BigInteger.One -> None
        | _ -> shortDecimal q.Abs

    /// The most digits an exact constant's printed numerator or denominator (decimalFraction, an integer's
    /// mantissa beside its power of ten) may have. More are no number a person wrote or reads: exact arithmetic
    /// makes them (1E+200 times 1E+200 plus 0.09 is 10^400 + 9/100, 401 digits), and the printers write their
    /// value in E-notation instead (roundedScientific). 40 keeps every integer a user types (a 30-digit one stays).
    [<Literal>]
    let MaxExactDigits = 40

    let private isLong (n: Numerics.BigInteger) =
        let digitsOf (m: Numerics.BigInteger) = Numerics.BigInteger.Abs(m).ToString(CultureInfo.InvariantCulture).Length

        match powerOfTen n with
        | Some(m, _) -> digitsOf m > MaxExactDigits
        | None -> digitsOf n > MaxExactDigits

    /// An exact constant too long to print exactly, as its value in E-notation: (mantissa, k) for q ≈ mantissa·10^k,
    /// the mantissa to 15 significant digits (a double's) without trailing zeros and with q's sign ("1", 402 for
    /// 10^402 + 9; "-1.5", -400). Some only when q's printed numerator or denominator (decimalFraction) has more than
    /// MaxExactDigits digits, and not under withExactText (Infix.formatExact reads back exactly). The text is no
    /// longer the exact rational, only its value rounded as a double's text is; C# writes the double of q as before.
    let roundedScientific (q: Rational) : (string * int) option =
        if exactText.Value || q.IsZero then
            None
        else
            let struct (p, d) = decimalFraction q

            if not (isLong p || isLong d) then
                None
            else
                let ten = Numerics.BigInteger 10
                let digitsOf (m: Numerics.BigInteger) = m.ToString(CultureInfo.InvariantCulture).Length
                // |q| = p/d ≈ 10^k with k = digits(p) − digits(d) or one less: scaled = round(p·10^(14−k)/d) has 15 or 16 digits.
                let mutable k = digitsOf p - digitsOf d
                let shift = 14 - k

                let num, den =
                    if shift >= 0 then p * Numerics.BigInteger.Pow(ten, shift), d
                    else p, d * Numerics.BigInteger.Pow(ten, -shift)

                let mutable rest = Numerics.BigInteger.Zero
                let mutable scaled = Numerics.BigInteger.DivRem(num, den, &rest)

                if rest * Numerics.BigInteger 2 >= den then
                    scaled <- scaled + Numerics.BigInteger.One

                // 15 digits for |q| in [10^k, 10^(k+1)), else |q| < 10^k: one digit fewer, and the exponent one lower.
                let mutable text = scaled.ToString(CultureInfo.InvariantCulture)

                if text.Length < 15 then
                    k <- k - 1
                    let num = num * ten
                    scaled <- Numerics.BigInteger.DivRem(num, den, &rest)

                    if rest * Numerics.BigInteger 2 >= den then
                        scaled <- scaled + Numerics.BigInteger.One

                    text <- scaled.ToString(CultureInfo.InvariantCulture)

                if text.Length > 15 then
                    // Rounding carried to 10^15 (9.999…5 rounds to 10): one power of ten more.
                    text <- text.Substring(0, 15)
                    k <- k + 1

                let significant = text.TrimEnd '0'
                let mantissa = if significant.Length = 1 then significant else significant.Substring(0, 1) + "." + significant.Substring 1
                Some((if q.Sign < 0 then "-" else "") + mantissa, k)

    /// roundedScientific's text as formatReal writes a double: 1E+402, -1.5E-400.
    let roundedScientificText (m: string, k: int) =
        m + "E" + (if k < 0 then "-" else "+") + (abs k).ToString("00", CultureInfo.InvariantCulture)

    /// A decimal of a quotient as the constant a printer writes: an integer exactly, another decimal
    /// as its double (which formatReal writes as the decimal, 9.81, 3.33E-07).
    let private decimalConstant (r: Rational) =
        if r.IsInteger then Expr.number r else Expr.real (r.ToDouble())

    /// The numeric coefficient of a term (1 when there is none) and the rest.
    let coefficient (e: Expr) =
        match e.Node with
        | Node.Product fs when Expr.isNumeric fs.[0] ->
            fs.[0], (if fs.Length = 2 then fs.[1] else Expr.mul (Array.tail fs))
        | Number _
        | Real _ -> e, Expr.one
        | _ -> Expr.one, e

    let private numericSign (e: Expr) =
        match e.Node with
        | Number q -> q.Sign
        | Real x -> Math.Sign x
        | _ -> 1

    /// Is the term written with a leading minus?
    let isNegative (e: Expr) = numericSign (fst (coefficient e)) < 0

    /// The terms of a sum in printing order: the canonical order with the constant moved last, and
    /// a positive term moved to the front when the first is negative (`1 - x`, not `-x + 1`).
    let sumTerms (ts: Expr[]) =
        let constants, rest = ts |> Array.partition Expr.isNumeric
        let ordered = Array.append rest constants

        if ordered.Length > 0 && isNegative ordered.[0] then
            match Array.tryFindIndex (isNegative >> not) ordered with
            | Some i -> Array.append [| ordered.[i] |] (Array.removeAt i ordered)
            | None -> ordered
        else
            ordered

    /// A product (or any term) split as ±(numerator)/(denominator): the sign, the factors above the
    /// line and those below (with their exponents made positive). Exact coefficients p/q contribute
    /// p above and q below; floating ones stay above.
    type Fraction =
        { Negative: bool
          Numerator: Expr list
          Denominator: Expr list }

    // The name whose factors a printer writes first in every product (after the numeric coefficient):
    // the step size η of an update rule, written −η·2x as in papers rather than −2x·η as the
    // canonical (alphabetical) order would put it after a variable named a. Async-local so that
    // concurrent printers do not see each other's, and it flows into Deep.run's large-stack thread.
    let private leading = Threading.AsyncLocal<string>()

    /// Runs f with the factors of `name` (the symbol and its powers) written first in each product's
    /// numerator, after the coefficient, by every printer (infix, LaTeX, C#): the order of a rule in
    /// papers, Δx = −η ∂L/∂x. Only the layout changes; the expression is the same.
    let withLeading (name: string) (f: unit -> 'a) : 'a =
        let saved = leading.Value
        leading.Value <- name

        try
            f ()
        finally
            leading.Value <- saved

    let private isLeading (name: string) (f: Expr) =
        match f.Node with
        | Node.Symbol s -> s = name
        | Node.Power(b, _) ->
            match b.Node with
            | Node.Symbol s -> s = name
            | _ -> false
        | _ -> false

    /// Is b^x (x a negative number) written as 1/b^(−x)? Not when b is a number and b^(−x) folds to a
    /// number while b^x did not: 0.5^(−2000) is kept because it overflows, and its reciprocal power
    /// 0.5^2000 underflows to 0.0, so `1/0.5^2000` would read back as a division by zero. Such a power is
    /// written as b^(−k), which reads back to itself.
    let isReciprocal (b: Expr) (x: Expr) =
        numericSign x < 0
        && Expr.isNumeric x
        && not (Expr.isNumeric b && Expr.isNumeric (Expr.pow b (Expr.neg x)))

    let private oneThird = Rational.Create(Numerics.BigInteger.One, Numerics.BigInteger 3)

    /// The a of |a|^(1/3) (None for any other factor).
    let private cubeRootOfAbs (f: Expr) =
        match f.Node with
        | Node.Power(b, x) ->
            match b.Node, x.Node with
            | Apply(Function.Abs, a), Number q when q.Equals oneThird -> Some a
            | _ -> None
        | _ -> None

    /// The argument a when e is the real cube root cbrt(a) as Expr.cbrt builds it, sign(a)*|a|^(1/3) (the
    /// product of exactly those two factors); None otherwise. Every printer writes it as the cube root it is
    /// (cbrt(a), \sqrt[3]{a}, Math.Cbrt(a)), which the user wrote and `Parse` reads back as the same product.
    let cbrtOf (e: Expr) : Expr option =
        match e.Node with
        | Node.Product [| f; g |] ->
            let pair (s: Expr) (r: Expr) =
                match s.Node, cubeRootOfAbs r with
                | Apply(Function.Sign, a), Some b when Object.ReferenceEquals(a, b) -> Some a
                | _ -> None

            match pair f g with
            | Some a -> Some a
            | None -> pair g f
        | _ -> None

    /// The factors of a product with each pair sign(a), |a|^(1/3) made the one factor cbrt(a) (Expr.cbrt, at
    /// the place of the sign), so that 2*sign(x)*abs(x)^(1/3)*y prints 2*cbrt(x)*y. A lone cube root is the
    /// one factor itself: printers write a factor with cbrtOf before they would split it as a product.
    let private withCubeRoots (fs: Expr[]) : Expr list =
        let roots = fs |> Array.choose cubeRootOfAbs

        if roots.Length = 0 then
            List.ofArray fs
        else
            let paired = Collections.Generic.HashSet<Expr>(HashIdentity.Reference)

            for f in fs do
                match f.Node with
                | Apply(Function.Sign, a) when roots |> Array.exists (fun r -> Object.ReferenceEquals(r, a)) -> paired.Add a |> ignore
                | _ -> ()

            [ for f in fs do
                  match f.Node with
                  | Apply(Function.Sign, a) when paired.Contains a -> yield Expr.cbrt a
                  | _ ->
                      match cubeRootOfAbs f with
                      | Some a when paired.Contains a -> ()
                      | _ -> yield f ]

    let fraction (e: Expr) : Fraction =
        let factors =
            match e.Node with
            | Node.Product fs -> withCubeRoots fs
            | _ -> [ e ]

        let mutable negative = false
        let num = Collections.Generic.List<Expr>()
        let den = Collections.Generic.List<Expr>()

        for f in factors do
            match f.Node with
            | Number q ->
                if q.Sign < 0 then
                    negative <- true

                match decimalQuotient q with
                // A constant too long to print exactly is one factor in E-notation (1E+402), not E-notation over 100.
                | None when (roundedScientific q).IsSome -> num.Add(Expr.number q.Abs)
                | Some(a, b) ->
                    // 100/981 from x0/9.81 as 1/9.81 (withDecimals).
                    if not a.IsOne then
                        num.Add(decimalConstant a)

                    den.Add(decimalConstant b)
                | None when (writtenDecimal q).IsSome -> num.Add(Expr.real (writtenDecimal q).Value)
                | None ->
                    let struct (p, d) = decimalFraction q

                    if not p.IsOne then
                        num.Add(Expr.number (Rational.OfBig p))

                    if not d.IsOne then
                        den.Add(Expr.number (Rational.OfBig d))
            | Real x ->
                if x < 0.0 then
                    negative <- true

                num.Add(Expr.real (abs x))
            | Node.Power(b, x) when isReciprocal b x -> den.Add(Expr.pow b (Expr.neg x))
            // exp(-1) from e*x0 solved for x0 as 1/e (e^2 below the line for exp(-2)), as e was written.
            | Apply(Function.Exp, a) when (match a.Node with Number k -> k.IsInteger && k.Sign < 0 | _ -> false) ->
                den.Add(Expr.exp (Expr.neg a))
            | _ -> num.Add f

        let numerator =
            match leading.Value with
            | null -> List.ofSeq num
            | name ->
                // Coefficients stay first, then η, then the rest in their canonical order.
                let all = List.ofSeq num
                let isCoefficient (f: Expr) = Expr.isNumeric f
                let coefficients, others = all |> List.partition isCoefficient
                let eta, rest = others |> List.partition (isLeading name)
                coefficients @ eta @ rest

        { Negative = negative
          Numerator = numerator
          Denominator = List.ofSeq den }


    /// Runs f with decimalExponent off: text that must parse back to the very same exact exponent
    /// (Infix.formatExact) writes 314159/100000, which a decimal 3.14159 would read back as a floating one.
    let withExactText (f: unit -> 'a) : 'a =
        let saved = exactText.Value
        exactText.Value <- true

        try
            f ()
        finally
            exactText.Value <- saved

    let private writtenExponents = Threading.AsyncLocal<Rational[]>()

    /// Runs f with the decimal exponents the user wrote (ExactConstants.exponentDecimals: 5/2 from x0^2.5) known
    /// to decimalExponent, which then writes every exponent whose denominator divides one of theirs as a decimal
    /// too: the rule of x0^2.5 has x0^1.5, not x0^(3/2), as the user wrote it. An empty array changes nothing.
    let withWrittenExponents (exponents: Rational[]) (f: unit -> 'a) : 'a =
        if exponents.Length = 0 then
            f ()
        else
            let saved = writtenExponents.Value
            writtenExponents.Value <- exponents

            try
                f ()
            finally
                writtenExponents.Value <- saved

    // Is d the denominator (or a divisor of it) of a decimal exponent the user wrote (withWrittenExponents)?
    let private writtenDenominator (d: Numerics.BigInteger) =
        match box writtenExponents.Value with
        | null -> false
        | _ -> writtenExponents.Value |> Array.exists (fun w -> (w.Den % d).IsZero)

    /// An exact exponent that is a decimal a person writes, as the double every printer writes instead:
    /// x0^3.14159 made exact (ExactConstants) is x0^(314159/100000), and its derivative's x0^(214159/100000)
    /// is x0^2.14159. Only a short decimal whose denominator is a multiple of 10 (a tenth, a hundredth, 1/20,
    /// not 1/2, 3/4 or 5/12, which stay fractions as every exact exponent did: x^(3/2), abs(x)^(2/3)), and not
    /// under withExactText. A denominator of a decimal exponent the user wrote (withWrittenExponents) counts as one:
    /// x0^2.5's rule writes x0^1.5, while x0^(5/2)'s writes x0^(3/2). The double reads back as the same value; C#'s Math.Pow gets the same double
    /// as from 314159.0 / 100000.0 (the correctly rounded quotient).
    let decimalExponent (x: Expr) : float option =
        match x.Node with
        | Number q when not q.IsInteger && not exactText.Value && ((q.Den % Numerics.BigInteger 10).IsZero || writtenDenominator q.Den) ->
            let v = q.ToDouble()

            match Rational.TryOfShortDecimal v with
            | ValueSome d when d.Equals q && Math.Abs v >= Expr.SmallestNormal -> Some v
            | _ -> None
        | _ -> None

    /// The exponent a printer writes: a decimal exponent as its double (decimalExponent), any other as it is.
    let printedExponent (x: Expr) =
        match decimalExponent x with
        | Some v -> Expr.real v
        | None -> x

    /// Is this power a square root (exponent 1/2)?
    let isSqrt (x: Expr) = Expr.isHalf x

    /// k when e is exp(k) for an integer k other than 0 and 1 below 100 in size: a power of Euler's number, which printers write
    /// e^2 and 1/e (as the user's e was written), not exp(2) and exp(-1).
    let ePower (e: Expr) : Numerics.BigInteger option =
        match e.Node with
        | Apply(Function.Exp, a) ->
            match a.Node with
            | Number k when k.IsInteger && not k.IsZero && not k.IsOne && abs (k.ToDouble()) < 100.0 -> Some k.Num
            | _ -> None
        | _ -> None

    /// Is e Euler's number exp(1)?
    let isE (e: Expr) =
        match e.Node with
        | Apply(Function.Exp, a) -> Expr.isOne a
        | _ -> false
