namespace PhysGrad.Symbolic

open System
open System.Collections.Generic
open System.Numerics
open FParsec

/// A physical unit: a scale factor relative to SI times a product of powers of the seven SI base
/// units (m, kg, s, A, K, mol, cd) with rational exponents. `km` is 1000·m, `N` is kg·m/s², `1` is
/// dimensionless. Two units are equal when both scale and exponents are. The scale is kept as its
/// base-10 logarithm, so that powers and products of scaled units neither underflow nor overflow
/// ((1e-200 m)^3 is 1e-600 m^3, a double's 0).
[<Sealed; AllowNullLiteral>]
type PhysicalUnit private (lg: float, exponents: Rational[], _log: unit) =
    static let bases = [| "m"; "kg"; "s"; "A"; "K"; "mol"; "cd" |]
    // Printing order: the conventional kg·m²/s² rather than the storage order.
    static let printOrder = [| 1; 0; 2; 3; 4; 5; 6 |]

    // The exponents written with names[i] for base unit i: "kg*m^2/s^2", "1/(m*s)".
    static let renderWith (raw: Rational[]) (names: string[]) =
        let power (name: string) (e: Rational) =
            if e.IsOne then name
            elif e.IsInteger then sprintf "%s^%O" name e
            else sprintf "%s^(%O)" name e

        let pick positive =
            [ for i in printOrder do
                  let e = raw.[i]

                  if (if positive then e.Sign > 0 else e.Sign < 0) then
                      yield power names.[i] (if positive then e else -e) ]

        let numerator = pick true
        let denominator = pick false

        match numerator, denominator with
        | [], [] -> "1"
        | n, [] -> String.Join("*", n)
        | n, [ d ] -> sprintf "%s/%s" (if n.IsEmpty then "1" else String.Join("*", n)) d
        | n, d -> sprintf "%s/(%s)" (if n.IsEmpty then "1" else String.Join("*", n)) (String.Join("*", d))

    // Scales compared by their logarithms: a relative difference r is a difference of r/ln 10 in log10.
    static let nearLog (a: float) (b: float) = abs (a - b) <= 1e-9 / Math.Log 10.0
    static let sameLog (a: float) (b: float) = abs (a - b) <= 1e-12 / Math.Log 10.0

    do
        if exponents.Length <> bases.Length then
            invalidArg (nameof exponents) "A unit has one exponent per SI base unit."

        if not (Double.IsFinite lg) then
            invalidArg "scale" "A unit's scale is a positive finite number."

    /// A unit of the given scale (positive, finite) relative to SI and exponents (one per SI base unit).
    new(scale: float, exponents: Rational[]) = PhysicalUnit(Math.Log10 scale, exponents, ())

    /// A unit whose scale is 10^log10Scale (any finite log10Scale, beyond the doubles' range too).
    static member OfLog10Scale(log10Scale: float, exponents: Rational[]) = PhysicalUnit(log10Scale, exponents, ())

    /// The number of SI base units.
    static member BaseCount = bases.Length
    /// The SI base unit symbols, in the order of the exponents.
    static member BaseNames = Array.copy bases

    /// The dimensionless unit 1.
    static member One = PhysicalUnit(1.0, Array.create bases.Length Rational.Zero)

    /// The i-th SI base unit.
    static member Base(i: int) =
        PhysicalUnit(1.0, Array.init bases.Length (fun j -> if i = j then Rational.One else Rational.Zero))

    /// The factor relative to the SI unit of the same dimension (1000 for km); 0 or ∞ for a scale beyond
    /// the doubles' range (Log10Scale holds it exactly).
    member _.Scale = Math.Pow(10.0, lg)
    /// The base-10 logarithm of the scale (3 for km, −600 for (1e-200 m)^3).
    member _.Log10Scale = lg
    /// Whether the scale is 1 (within the tolerance of Equals).
    member _.HasUnitScale = sameLog lg 0.0
    /// The scale of u relative to v (u = factor·v when they have one dimension), as a dimensionless unit.
    member u.RelativeTo(v: PhysicalUnit) = PhysicalUnit(u.Log10Scale - v.Log10Scale, Array.create bases.Length Rational.Zero, ())
    /// The exponent of each SI base unit (m, kg, s, A, K, mol, cd).
    member _.Exponents = Array.copy exponents
    member internal _.Raw = exponents
    /// Whether all exponents are zero (the scale may still differ from 1, as for a percentage).
    member _.IsDimensionless = exponents |> Array.forall (fun e -> e.IsZero)

    /// Whether two units have the same dimension (ignoring scale).
    member u.SameDimension(v: PhysicalUnit) = Array.forall2 (=) u.Raw v.Raw

    static member (*)(u: PhysicalUnit, v: PhysicalUnit) =
        PhysicalUnit(u.Log10Scale + v.Log10Scale, Array.map2 (+) u.Raw v.Raw, ())

    static member (/)(u: PhysicalUnit, v: PhysicalUnit) =
        PhysicalUnit(u.Log10Scale - v.Log10Scale, Array.map2 (-) u.Raw v.Raw, ())

    /// The unit raised to a rational power.
    member u.Pow(p: Rational) =
        PhysicalUnit(u.Log10Scale * p.ToDouble(), u.Raw |> Array.map (fun e -> e * p), ())

    override u.Equals(o) =
        match o with
        | :? PhysicalUnit as v -> u.SameDimension v && sameLog u.Log10Scale v.Log10Scale
        | _ -> false

    override u.GetHashCode() =
        // Not HashCode.Combine, which is seeded per process: the same unit hashes alike in every run.
        u.Raw |> Array.fold (fun h e -> (h ^^^ e.GetHashCode()) * 16777619) 17

    /// "kg*m^2/s^2", "1/m", "m^(1/2)", "1". A scale other than 1 is absorbed into an SI prefix of the
    /// first base unit with an integer exponent where one fits ("ms", "km", "mm^2", "1/ms", "g", "µm*s"),
    /// else of one with a fractional exponent ("ms^(3/2)");
    /// otherwise it is written as a clean factor in front ("60 s", "1e-4 s", "1e-12 m^(1/2)"), never
    /// with floating-point noise.

    /// <summary>
    /// The unit written in the prefixed units a user gave, where they account for its whole scale: with
    /// x0 in ms and x1 in m, 1e-6 m·s² prints as "m*ms^2", where <see cref="ToString()"/> alone would
    /// find a prefix for the scale on another unit ("mm*s^2"). Only a given unit that is a prefix on one
    /// base unit (ms, km) names that base unit. A given unit with a factor (0.1 s, 1e-4 m, 60 s for min)
    /// names none: its scale is written as the one factor in front, the notation of every printed unit
    /// ("0.1 m^2*s", "1e4/m" for the reciprocal of 1e-4 m, never "m^2*(0.1*s)" or "1/(1e-4*m)"), and
    /// powers of it are a power of ten times the base units, as <see cref="ToString()"/> without prefixes
    /// on powers. A unit whose scale the given ones do not account for prints that way too.
    /// Reads back with <c>Units.parse</c>.
    /// </summary>
    member u.TextIn(given: seq<PhysicalUnit>) : string =
        let plain = u.ToString()

        if u.HasUnitScale || given |> Seq.exists (fun g -> not (isNull g) && g.Equals u) then
            plain
        else
            let names = Array.copy bases
            let mutable predicted = 0.0
            let mutable used = false

            for g in given do
                if not (isNull g) && not g.HasUnitScale then
                    match g.Raw |> Array.indexed |> Array.filter (fun (_, e) -> not e.IsZero) with
                    // A factor-scaled unit ("0.1 s") is not a name: "(0.1*s)" inside a product was a second
                    // notation for scales beside the factor in front that every other unit uses.
                    | [| i, e |] when e.IsOne && names.[i] = bases.[i] && not u.Raw.[i].IsZero && not ((string g).Contains ' ') ->
                        names.[i] <- string g
                        predicted <- predicted + g.Log10Scale * u.Raw.[i].ToDouble()
                        used <- true
                    | _ -> ()

            // Not in the given units: no SI prefix on a powered unit the user never named (1e-6 s³ as
            // "cs^3" next to a row in "1e-3 s^3"), but a power of ten times the base units, as that row.
            // A given unit with a factor (0.1 s) on a base unit of this one: its scale is the factor in front
            // ("0.01 m*s^2"), not a prefix found for it on another unit ("cm*s^2").
            let factored =
                given |> Seq.exists (fun g ->
                    not (isNull g) && (string g).Contains ' ' && Array.exists2 (fun (a: Rational) (b: Rational) -> not a.IsZero && not b.IsZero) g.Raw u.Raw)

            if used && nearLog predicted u.Log10Scale then renderWith u.Raw names else u.Text(false, not factored)

    override u.ToString() = u.Text(true, true)

    /// The unit's text; with <paramref name="poweredPrefixes"/> false an SI prefix goes only on a base unit
    /// of exponent ±1 (ms, 1/km, µm*s) or a prefix stepping by 1000 on a power (ms^2, km^2), and a scale it
    /// cannot absorb so is written as a factor (1e-6 s^3, not cs^3).
    /// With <paramref name="prefixes"/> false no SI prefix at all: the scale as the one factor in front.
    member private u.Text(poweredPrefixes: bool, prefixes: bool) =
        let render (names: string[]) = renderWith u.Raw names

        if u.HasUnitScale then
            render bases
        else
            // An SI prefix p on base unit i with exponent e stands for the factor p^e (for the kilogram the
            // prefix goes on the gram: (p·g)^e = (p/1000)^e kg^e). The numerator's units are tried first, in
            // printing order, so the prefix lands where a reader expects it; integer exponents before
            // fractional ones (a half-inverse step in ms^(3/2) rather than a factor 3.16228e-5 in front).
            let candidates integer =
                [ for positive in [ true; false ] do
                      for i in printOrder do
                          let e = u.Raw.[i]

                          if e.IsInteger = integer && (if positive then e.Sign > 0 else e.Sign < 0) then
                              yield i, e.ToDouble() ]

            // The names base unit i can take, with their factor relative to it: the SI prefixes (on the
            // gram for the kilogram), and minutes and hours for the second.
            let namesOf i =
                [ for (p, f) in PhysicalUnit.Prefixes do
                      if i = 1 then yield p + "g", f / 1000.0
                      elif p <> "" then yield p + bases.[i], f
                  if i = 2 then
                      yield "min", 60.0
                      yield "h", 3600.0 ]

            let prefixed i (name: string) = name <> "min" && name <> "h" && name <> "g" && name <> bases.[i]
            // Whether base unit i may take the name (of factor f) at exponent e (see poweredPrefixes): on a
            // power, only the prefixes that step by 1000 (ms^2, km^2, µm^3) read as units; cs^3 or dm^2 do not.
            let allowed i (e: float) (name, f: float) =
                let decade = Math.Round(Math.Log10 f)
                poweredPrefixes || abs e = 1.0 || not (prefixed i name)
                || (abs (Math.Log10 f - decade) < 1e-9 && int decade % 3 = 0)

            let rename (changes: (int * string) list) =
                let names = Array.copy bases

                for (i, name) in changes do
                    names.[i] <- name

                render names

            // One base unit renamed (ms, mm^2, 1/ms, g, h).
            let single candidates =
                candidates
                |> List.tryPick (fun (i, e) ->
                    namesOf i
                    |> List.tryFind (fun (name, f) -> allowed i e (name, f) && nearLog (e * Math.Log10 f) u.Log10Scale)
                    |> Option.map (fun (name, _) -> rename [ i, name ]))

            // Two base units renamed (km/h, km^2/h^2, g/cm^3), at most one of them with an SI prefix:
            // two prefixes recombined make names no one uses (0.1 m²·s as cm^2*ks), and "0.1 m^2*s" reads better.

            let pair candidates =
                candidates
                |> List.tryPick (fun (i, e) ->
                    candidates
                    |> List.filter (fun (j, _) -> j <> i)
                    |> List.tryPick (fun (j, ej) ->
                        [ for (a, fa) in namesOf i do
                              for (b, fb) in namesOf j do
                                  if not (prefixed i a && prefixed j b) && allowed i e (a, fa) && allowed j ej (b, fb)
                                     && nearLog (e * Math.Log10 fa + ej * Math.Log10 fb) u.Log10Scale then
                                      yield rename [ i, a; j, b ] ]
                        |> List.tryHead))

            let absorbed =
                if not prefixes then
                    None
                else
                    single (candidates true)
                    |> Option.orElseWith (fun () -> pair (candidates true))
                    |> Option.orElseWith (fun () -> single (candidates false))

            match absorbed with
            | Some text -> text
            | None ->
                // The scale is a product of prefixes and powers (1e-3 squared is 1.0000000000000002e-6 in
                // floating point): mantissa · 10^decade with the shortest mantissa within the tolerance that
                // Equals uses, in E-notation (1e-4) for a power of ten beyond 1000 either way. From the
                // logarithm, so that 1e-600 is written as such rather than as the double it underflows to.
                let invariant = Globalization.CultureInfo.InvariantCulture
                let decade0 = Math.Floor(u.Log10Scale)
                let mantissa0 = Math.Pow(10.0, u.Log10Scale - decade0)

                let mantissa =
                    seq { 1..17 }
                    |> Seq.map (fun digits -> Double.Parse(mantissa0.ToString("G" + string digits, invariant), invariant))
                    |> Seq.find (fun v -> abs (v - mantissa0) <= 1e-12 * mantissa0)

                // A mantissa that rounds up to 10 is 1 of the next decade.
                let mantissa, decade = if mantissa >= 10.0 then mantissa / 10.0, decade0 + 1.0 else mantissa, decade0

                let scale =
                    if abs decade >= 3.0 && nearLog (Math.Log10 mantissa) 0.0 then
                        sprintf "1e%d" (int decade)
                    elif abs decade < 300.0 then
                        // Six significant digits at most: a clean factor, not 0.277777777778.
                        Double.Parse((mantissa * Math.Pow(10.0, decade)).ToString("G6", invariant), invariant).ToString("R", invariant)
                    else
                        sprintf "%se%d" (Double.Parse(mantissa.ToString("G6", invariant), invariant).ToString("R", invariant)) (int decade)

                // A unit with only a denominator takes the factor as its numerator (10/s, 1e4/(m*s)), as
                // 10 m/s writes it over its numerator: "10 1/s" read as the number 10 beside 1/s.
                match render bases with
                | "1" -> scale
                | body when body.StartsWith "1/" -> scale + body.Substring 1
                | body -> sprintf "%s %s" scale body

    /// The unit as a reader names it: "dimensionless" for 1, else its text ("K", "1/K", "s/m").
    static member Named(u: PhysicalUnit) =
        match string u with
        | "1" -> "dimensionless"
        | _ -> PhysicalUnit.Written u

    /// "is dimensionless" or "is in K": what a quantity in the unit is, for messages.
    static member Describe(u: PhysicalUnit) =
        match string u with
        | "1" -> "is dimensionless"
        | _ -> "is in " + PhysicalUnit.Written u

    /// The unit as prose writes it: "K", "1/km", and a unit with a factor in brackets, "[1e-4 m]", as the
    /// CLI's headers and the README write it (in "is in 1e-4 m/s" the factor's reach is unclear). Reads back
    /// with <c>Units.parse</c>, brackets and all.
    static member Written(u: PhysicalUnit) =
        let text = string u
        if text.Contains ' ' then "[" + text + "]" else text

    /// The SI prefixes used in printing (and reading) units, with their factors; "" is the bare unit
    /// (for the gram, whose bare name differs from the base unit kg).
    static member internal Prefixes =
        [ "G", 1e9
          "M", 1e6
          "k", 1e3
          "", 1.0
          "c", 1e-2
          "m", 1e-3
          "µ", 1e-6
          "n", 1e-9
          "p", 1e-12 ]

/// Parsing units and inferring the units of expressions (dimensional analysis).
[<RequireQualifiedAccess>]
module Units =

    let private si (m: int) (kg: int) (s: int) (a: int) =
        PhysicalUnit(1.0, [| m; kg; s; a; 0; 0; 0 |] |> Array.map Rational.OfInt)

    /// The unit names understood, with their value in SI base units.
    let private named: IDictionary<string, PhysicalUnit> =
        dict
            [ "m", si 1 0 0 0
              "g", PhysicalUnit(1e-3, (si 0 1 0 0).Raw)
              "s", si 0 0 1 0
              "A", si 0 0 0 1
              "K", PhysicalUnit.Base 4
              "mol", PhysicalUnit.Base 5
              "cd", PhysicalUnit.Base 6
              "N", si 1 1 -2 0
              "J", si 2 1 -2 0
              "W", si 2 1 -3 0
              "Pa", si -1 1 -2 0
              "Hz", si 0 0 -1 0
              "C", si 0 0 1 1
              "V", si 2 1 -3 -1
              "rad", PhysicalUnit.One
              "min", PhysicalUnit(60.0, (si 0 0 1 0).Raw)
              "h", PhysicalUnit(3600.0, (si 0 0 1 0).Raw) ]

    let private prefixes =
        [ "G", 1e9
          "M", 1e6
          "k", 1e3
          "c", 1e-2
          "m", 1e-3
          "u", 1e-6
          "µ", 1e-6
          "n", 1e-9
          "p", 1e-12 ]

    /// The known unit a name most likely means: a spelt-out or abbreviated name (sec, seconds, metre,
    /// hour) or a known name in another case (hz for Hz); None for others. Hand-written: the edit distance
    /// of "sec" to "s" is 2 of 3 letters, too far for a general nearest-name rule.
    let private meant (name: string) =
        let spelt =
            dict
                [ "sec", "s"; "secs", "s"; "second", "s"; "seconds", "s"; "meter", "m"; "meters", "m"; "metre", "m"
                  "metres", "m"; "gram", "g"; "grams", "g"; "kilogram", "kg"; "kilograms", "kg"; "kelvin", "K"
                  "hour", "h"; "hours", "h"; "hr", "h"; "hrs", "h"; "minute", "min"; "minutes", "min"; "mins", "min"
                  "newton", "N"; "newtons", "N"; "joule", "J"; "joules", "J"; "watt", "W"; "watts", "W"; "pascal", "Pa"
                  "hertz", "Hz"; "coulomb", "C"; "volt", "V"; "volts", "V"; "ampere", "A"; "amp", "A"; "amps", "A"
                  "radian", "rad"; "radians", "rad"; "mole", "mol"; "moles", "mol"; "candela", "cd" ]

        match spelt.TryGetValue(name.ToLowerInvariant()) with
        | true, u -> Some u
        | _ -> named.Keys |> Seq.tryFind (fun k -> String.Equals(k, name, StringComparison.OrdinalIgnoreCase))

    /// A unit name, or a prefix followed by one ("km", "ms", "kg"); the bare name wins ("min" is
    /// minutes, "mol" moles), and a name that reads two ways is refused.
    let private lookup (name: string) : Result<PhysicalUnit, string> =
        match named.TryGetValue name with
        | true, u -> Result.Ok u
        | _ ->
            let readings =
                [ for (p, factor) in prefixes do
                      if name.StartsWith(p, StringComparison.Ordinal) && name.Length > p.Length then
                          match named.TryGetValue(name.Substring p.Length) with
                          | true, u -> yield PhysicalUnit(factor * u.Scale, u.Raw), p
                          | _ -> () ]

            match readings with
            | [ (u, _) ] -> Result.Ok u
            | [] ->
                Result.Error(
                    sprintf
                        "unknown unit '%s'%s (known: %s, with prefixes %s)"
                        name
                        (match meant name with
                         | Some u -> sprintf "; did you mean '%s'?" u
                         | None -> "")
                        (String.Join(", ", named.Keys))
                        (String.Join(", ", prefixes |> List.map fst |> List.distinct))
                )
            | many ->
                Result.Error(
                    sprintf
                        "'%s' is ambiguous (%s)"
                        name
                        (String.Join(" or ", many |> List.map (snd >> sprintf "prefix %s")))
                )

    type internal Ast =
        | One
        /// A factor, as its base-10 logarithm.
        | Scale of float
        | Named of string * Position * Rational
        | Group of Ast * Rational
        | Chain of Ast * (bool * Ast) list

    let private ws = spaces

    let private integer: Parser<int, unit> =
        many1Satisfy isDigit
        >>= fun digits ->
            match Int32.TryParse digits with
            | true, n when n <= 1000 -> preturn n
            | _ -> fail "an exponent of at most 1000"

    let private signed =
        opt (pchar '-') .>>. integer |>> fun (s, n) -> if s.IsSome then -n else n

    let private exponent: Parser<Rational, unit> =
        let fraction =
            between
                (pchar '(' >>. ws)
                (ws >>. pchar ')')
                (signed .>>. opt (ws >>. pchar '/' >>. ws >>. integer)
                 >>= fun (p, q) ->
                     match q with
                     | Some 0 -> fail "a non-zero denominator"
                     | Some q -> preturn (Rational.Create(BigInteger p, BigInteger q))
                     | None -> preturn (Rational.OfInt p))

        opt (attempt (ws >>. pchar '^') >>. ws >>. (fraction <|> (signed |>> Rational.OfInt)))
        |>> Option.defaultValue Rational.One

    let internal unitExpr, internal unitExprRef =
        createParserForwardedToRef<Ast, unit> ()

    // A non-negative decimal factor (60, 0.5, 1e-4): the printer writes a scale no prefix absorbs so,
    // in front of the unit ("60 s", "1e-4 s"), and what it prints must read back.
    let private number: Parser<Ast, unit> =
        numberLiteral (NumberLiteralOptions.AllowFraction ||| NumberLiteralOptions.AllowExponent) "a number"
        >>= fun n ->
            match Double.TryParse(n.String, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
            | true, v when v = 1.0 -> preturn One
            | true, v when v > 0.0 && Double.IsFinite v && n.String.IndexOfAny [| 'e'; 'E' |] < 0 -> preturn (Scale(Math.Log10 v))
            | true, _ ->
                // With an exponent, its logarithm from the mantissa and the exponent apart: exact also
                // beyond the doubles' range (1e-600, which a step unit's scale may be) and below their
                // normal range (1e-321 reads as the subnormal 9.98e-322).
                let text = n.String
                let e = text.IndexOfAny [| 'e'; 'E' |]

                match e with
                | -1 -> fail "a positive, finite factor"
                | _ ->
                    match Double.TryParse(text.Substring(0, e), Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture),
                          Int32.TryParse(text.Substring(e + 1), Globalization.NumberStyles.AllowLeadingSign, Globalization.CultureInfo.InvariantCulture) with
                    | (true, m), (true, k) when m > 0.0 && Double.IsFinite m -> preturn (Scale(Math.Log10 m + float k))
                    | _ -> fail "a positive, finite factor"
            | _ -> fail "a positive, finite factor"

    // Unit names are ASCII letters, and µ (the micro sign the printer writes for 10⁻⁶): ｍ, é or Ω stop the name,
    // and `unitLetterAdvice` says what to write instead.
    let private isUnitLetter (c: char) = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c = 'µ'

    /// What to write instead of the letter at `index` that unit names cannot hold (a full-width ｍ, an accented
    /// letter, the Greek μ for the micro sign), in the words of a variable name's (`Names.characterAdvice`); None
    /// for any other character.
    let private unitLetterAdvice (text: string) (index: int) : string option =
        let rule = "unit names are written in the letters a-z and A-Z, with u or µ (the micro sign) for micro"

        if index < 0 || index >= text.Length || int text.[index] < 128 then
            None
        elif text.[index] = 'μ' then
            Some(sprintf "'μ' is the Greek letter mu; %s: write u instead (um for micrometres)" rule)
        else
            let element = text.Substring(index, (if Char.IsSurrogatePair(text, index) then 2 else 1))

            match Names.asciiFor element with
            | Some(ascii, what) when not (what.StartsWith "the Greek letter") && ascii |> Seq.forall isUnitLetter ->
                Some(sprintf "'%s' is %s; %s: write %s instead" element what rule ascii)
            | _ when Char.IsLetterOrDigit(text, index) ->
                Some(sprintf "'%s' is not an ASCII letter; %s (known units: %s)" element rule (String.Join(", ", named.Keys)))
            | _ -> None

    let private factor =
        choice
            [ number
              between (pchar '(' >>. ws) (ws >>. pchar ')') unitExpr .>>. exponent |>> Group
              (getPosition
               .>>. many1Satisfy2L isUnitLetter isUnitLetter "a unit name"
               .>>. exponent
               |>> fun ((pos, name), e) -> Named(name, pos, e)) ]

    do
        unitExprRef.Value <-
            factor
            .>>. many (
                attempt (ws >>. (pchar '*' >>% false <|> (pchar '/' >>% true)) .>> ws)
                .>>. factor
            )
            |>> Chain

    // The whole text: a leading factor may stand before the unit with a space and no '*' ("60 s", as
    // printed), and the brackets the tables print around a unit ("[60 s]") may be kept when pasting.
    let private scaled =
        let body =
            attempt (number .>> spaces1 .>> notFollowedBy (anyOf "*/") .>>. unitExpr |>> fun (n, u) -> Chain(n, [ false, u ]))
            <|> unitExpr

        between (pchar '[' >>. ws) (ws >>. pchar ']') body <|> body

    /// Parses a unit such as `m`, `m/s^2`, `kg*m^2/s^2`, `1/s`, `m^(1/2)`, `1`, with the SI prefixes
    /// G, M, k, c, m, u (µ), n, p, and a positive factor (`60 s`, `60*s`, `1e-4 m^(1/2)`, `1000`); the
    /// brackets of a printed unit (`[60 s]`) may be kept. Everything `PhysicalUnit.ToString` prints
    /// reads back. Errors name the column.
    [<CompiledName("Parse")>]
    let parse (text: string) : PhysicalUnit =
        let fail column what =
            raise (ParseException(ErrorKind.Units, Parse.describe text 1 column what, 1, column))

        if isNull text || String.IsNullOrWhiteSpace text then
            fail 1 "the unit is empty: write 1 for a dimensionless quantity, or e.g. m/s^2"

        if text.Length > 1000 then
            fail 1 "a unit is at most 1000 characters long"

        let rec eval (ast: Ast) =
            match ast with
            | One -> PhysicalUnit.One
            | Scale lg -> PhysicalUnit.OfLog10Scale(lg, PhysicalUnit.One.Exponents)
            | Named(name, pos, e) ->
                match lookup name with
                | Result.Ok u -> u.Pow e
                | Result.Error what -> fail (int pos.Column) what
            | Group(a, e) -> (eval a).Pow e
            | Chain(first, rest) ->
                rest
                |> List.fold (fun acc (divide, a) -> if divide then acc / eval a else acc * eval a) (eval first)

        match run (ws >>. scaled .>> ws .>> eof) text with
        | Success(ast, _, _) -> Deep.onLargeStack (fun () -> eval ast)
        | Failure(_, error, _) ->
            let what =
                unitLetterAdvice text (int error.Position.Index)
                |> Option.defaultWith (fun () -> Parse.plainError text error)

            fail (int error.Position.Column) what

    /// What inference knows about a subexpression: a unit, or "any" for a pure number (a constant
    /// takes the unit its context needs: in `y0 - 2` the 2 is in y0's unit).
    [<RequireQualifiedAccess>]
    type private Inferred =
        | Known of PhysicalUnit
        | Any

    let private mismatch (what: string) =
        raise (SymbolicException(ErrorKind.Units, what))

    /// The unit of an expression, given the units of its symbols (a symbol without one is
    /// dimensionless). Sums need equal units, the arguments of exp, log, sin, … and exponents must be
    /// dimensionless, a dimensional base needs a constant exponent. An inconsistent expression raises a
    /// Units error that names the offending subexpression and both units. A pure number is
    /// dimensionless.
    [<CompiledName("Infer")>]
    let infer (unitOf: string -> PhysicalUnit) (e: Expr) : PhysicalUnit =
        let memo = Dictionary<Expr, Inferred>(ExprIdentity.comparer)
        let show (x: Expr) = Infix.format x

        // "v/u" for the unit of a factor converting u to v, bracketing compound parts: a ratio of scales
        // (m/km) reads at once, where the single unit it simplifies to would be a bare number (0.001).
        let ratio (v: PhysicalUnit) (u: PhysicalUnit) =
            let top, bottom = PhysicalUnit.Written v, PhysicalUnit.Written u
            let top = if top.Contains "/" && not (top.StartsWith "[") then "(" + top + ")" else top
            let bottom = if (bottom.Contains "/" || bottom.Contains "*") && not (bottom.StartsWith "[") then "(" + bottom + ")" else bottom
            top + "/" + bottom

        let dimensionless (context: Expr) (part: Expr) (what: string) =
            match memo.[part] with
            | Inferred.Known u when not u.IsDimensionless ->
                mismatch (sprintf "In %s, %s must be dimensionless but %s is in %s." (show context) what (show part) (PhysicalUnit.Written u))
            | _ -> ()

        for n in Structure.postOrder [ e ] do
            let r =
                match n.Node with
                | Number _
                | Real _
                | Pi -> Inferred.Any
                | Symbol s ->
                    match unitOf s with
                    | null -> Inferred.Known PhysicalUnit.One
                    | u -> Inferred.Known u
                | Sum terms ->
                    let mutable found: (Expr * PhysicalUnit) option = None

                    for t in terms do
                        match memo.[t], found with
                        | Inferred.Known u, None -> found <- Some(t, u)
                        | Inferred.Known u, Some(first, v) when not (u.Equals v) ->
                            let advice =
                                if u.SameDimension v then
                                    // Same dimension, other scale: say how many of one the other is, so that
                                    // the user can write the conversion in (a bare number takes its context's
                                    // unit, so the factor must be a parameter with the ratio's unit).
                                    let factor = u.Scale / v.Scale

                                    sprintf
                                        "In %s, the terms %s (%s) and %s (%s) have different units. They have the same dimension but different scales: 1 %s = %s %s. Declare both in one unit, or multiply %s by a parameter with the value %s and the unit %s."
                                        (show n)
                                        (show first)
                                        (PhysicalUnit.Written v)
                                        (show t)
                                        (PhysicalUnit.Written u)
                                        (PhysicalUnit.Written u)
                                        (factor.ToString("G6", Globalization.CultureInfo.InvariantCulture))
                                        (PhysicalUnit.Written v)
                                        (show t)
                                        (factor.ToString("G6", Globalization.CultureInfo.InvariantCulture))
                                        (ratio v u)
                                else
                                    // Two dimensions: name the term, both dimensions and the symbols that
                                    // have no unit (the usual cause: a unit given for x0 but not x1), and
                                    // the converting unit simplified (K, 1/K, s/m), never "K/1".
                                    // In SI scale the quotient reads best simplified (K, 1/K, s/m, m/s^2);
                                    // with prefixes it would take an unexpected one (s over km is ms/m), so
                                    // the two units are written as given then (s/km, K/ms).
                                    let converting =
                                        let q = v / u

                                        if q.HasUnitScale || u.IsDimensionless || v.IsDimensionless then
                                            PhysicalUnit.Named q
                                        else
                                            ratio v u

                                    let undeclared =
                                        Structure.freeSymbolNames [ t; first ]
                                        |> Array.filter (fun s -> isNull (unitOf s))

                                    let none =
                                        match undeclared with
                                        | [||] -> ""
                                        | [| s |] -> sprintf " (%s has no unit given, so it counts as dimensionless)" s
                                        | names when names.Length <= 4 ->
                                            sprintf " (%s have no unit given, so they count as dimensionless)" (String.Join(", ", names))
                                        | names ->
                                            sprintf
                                                " (%s, … (%d symbols) have no unit given, so they count as dimensionless)"
                                                (String.Join(", ", Array.truncate 3 names))
                                                names.Length

                                    sprintf
                                        "In %s, the term %s %s but %s %s: a sum adds quantities of one dimension only. Declare units for the symbols of %s so that it %s too%s, or multiply %s by a parameter in %s that converts %s to %s."
                                        (show n)
                                        (show t)
                                        (PhysicalUnit.Describe u)
                                        (show first)
                                        (PhysicalUnit.Describe v)
                                        (show t)
                                        (PhysicalUnit.Describe v)
                                        none
                                        (show t)
                                        converting
                                        (PhysicalUnit.Named u)
                                        (PhysicalUnit.Named v)

                            mismatch advice
                        | _ -> ()

                    match found with
                    | Some(_, u) -> Inferred.Known u
                    | None -> Inferred.Any
                | Product factors ->
                    let known =
                        factors
                        |> Array.choose (fun f ->
                            match memo.[f] with
                            | Inferred.Known u -> Some u
                            | Inferred.Any -> None)

                    if known.Length = 0 then
                        Inferred.Any
                    else
                        Inferred.Known(Array.reduce (*) known)
                | Power(b, p) ->
                    dimensionless n p "the exponent"

                    match memo.[b] with
                    | Inferred.Any -> Inferred.Any
                    | Inferred.Known u when u.IsDimensionless -> Inferred.Known u
                    | Inferred.Known u ->
                        // A decimal exponent a person writes (1.5, 0.25, 2.0) is the rational it reads as: x^1.5
                        // is x^(3/2), in m^(3/2) for x in m.
                        match p.Node with
                        | Number q -> Inferred.Known(u.Pow q)
                        | Real r when (Rational.TryOfShortDecimal r).IsSome -> Inferred.Known(u.Pow (Rational.TryOfShortDecimal r).Value)
                        | _ ->
                            let symbols = Structure.freeSymbolNames [ b ]

                            // The base's variables, unless the base is one of them (x0 is in m).
                            let whose =
                                match b.Node, symbols with
                                | Symbol _, _
                                | _, [||] -> ""
                                | _, many -> sprintf " (from %s)" (String.Join(", ", many))

                            mismatch (
                                sprintf
                                    "In %s, the base %s is in %s%s, so the exponent %s must be a rational number (such as 3/2 or 1.5) for the power to have a unit; %s is not one. Make the base dimensionless (divide it by a parameter in %s), or write the exponent as a fraction or a decimal."
                                    (show n)
                                    (show b)
                                    (PhysicalUnit.Written u)
                                    whose
                                    (show p)
                                    (show p)
                                    (PhysicalUnit.Written u)
                            )
                | Apply(Function.Abs, a) -> memo.[a]
                | Apply(f, a) ->
                    dimensionless n a (sprintf "the argument of %s" (Expr.functionName f))
                    Inferred.Known PhysicalUnit.One
                | Atan2(a, b) ->
                    match memo.[a], memo.[b] with
                    | Inferred.Known u, Inferred.Known v when not (u.Equals v) ->
                        mismatch (
                            sprintf "In %s, the arguments %s (%s) and %s (%s) differ." (show n) (show a) (PhysicalUnit.Written u) (show b) (PhysicalUnit.Written v)
                        )
                    | _ -> Inferred.Known PhysicalUnit.One

            memo.[n] <- r

        match memo.[e] with
        | Inferred.Known u -> u
        | Inferred.Any -> PhysicalUnit.One

    /// The unit of an expression from a table of symbol units (missing symbols are dimensionless).
    let inferWith (units: IReadOnlyDictionary<string, PhysicalUnit>) (e: Expr) =
        infer
            (fun s ->
                match units.TryGetValue s with
                | true, u -> u
                | _ -> null)
            e

    /// Whether a unit key is a pattern: a name with '*' standing for any characters (x* for x0, x1, …).
    [<CompiledName("IsPattern")>]
    let isPattern (key: string) = key.Contains '*'

    /// Whether <paramref name="name"/> matches the pattern (each '*' any run of characters, the rest
    /// literal; the whole name must match).
    [<CompiledName("Matches")>]
    let matches (pattern: string) (name: string) =
        let body = pattern.Split '*' |> Array.map Text.RegularExpressions.Regex.Escape
        Text.RegularExpressions.Regex.IsMatch(name, "^" + String.Join(".*", body) + "$")

    /// "variables x0, x1, …, x63; outputs y0, y1, …, y63": each kind of name with its first two and
    /// last names (all of them up to four), so that a message about a large problem stays one line.
    let listNames (groups: (string * string[]) list) =
        groups
        |> List.filter (fun (_, g) -> g.Length > 0)
        |> List.map (fun (label, g) ->
            let listed =
                if g.Length <= 4 then String.Join(", ", g)
                else sprintf "%s, %s, …, %s" g.[0] g.[1] g.[g.Length - 1]

            label + " " + listed)
        |> fun parts -> String.Join("; ", parts)

    /// Units given by name or by pattern (x*=K: every name that matches) as one unit per name, over the
    /// names of <paramref name="groups"/> (a problem's variables, outputs and parameters, each with its
    /// label for messages). A unit given by name wins over a pattern. Raises a Units error naming the
    /// pattern when one matches no name, and naming the name and both patterns when two patterns give one
    /// name different units (give that name its own).
    [<CompiledName("ExpandPatterns")>]
    let expandPatterns (groups: (string * string[]) list) (given: IReadOnlyDictionary<string, 'T>) : IReadOnlyDictionary<string, 'T> =
        if given |> Seq.forall (fun kv -> not (isPattern kv.Key)) then
            given
        else
            let names = groups |> Seq.collect snd |> Seq.toArray
            let table = Dictionary<string, 'T>()
            let from = Dictionary<string, string>()
            // A unit as prose writes it ([1e-4 m]); the table may hold other values.
            let written (v: obj) =
                match v with
                | :? PhysicalUnit as u -> PhysicalUnit.Written u
                | v -> string v

            for kv in given do
                if not (isPattern kv.Key) then
                    table.[kv.Key] <- kv.Value

            for kv in given do
                if isPattern kv.Key then
                    let hits = names |> Array.filter (matches kv.Key)

                    if hits.Length = 0 then
                        let shown = listNames groups

                        mismatch (
                            sprintf
                                "The unit pattern '%s' (%s=%s) matches no name of the problem (%s); write one that does (a '*' stands for any characters: x* matches x0, x1, …)."
                                kv.Key
                                kv.Key
                                (written (box kv.Value))
                                shown
                        )

                    for name in hits do
                        if not (given.ContainsKey name) then
                            match from.TryGetValue name with
                            | true, other when not (Object.Equals(table.[name], kv.Value)) ->
                                mismatch (
                                    sprintf
                                        "%s matches two unit patterns with different units, %s=%s and %s=%s; give %s its own unit (%s=…), which wins over both."
                                        name
                                        other
                                        (written (box table.[name]))
                                        kv.Key
                                        (written (box kv.Value))
                                        name
                                        name
                                )
                            | true, _ -> ()
                            | _ ->
                                table.[name] <- kv.Value
                                from.[name] <- kv.Key

            table :> IReadOnlyDictionary<_, _>
