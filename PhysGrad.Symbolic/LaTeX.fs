namespace PhysGrad.Symbolic

open System
open System.Text

/// LaTeX math-mode text: fractions as \frac, roots as \sqrt, subscripted variable names
/// (x0 ↦ x_{0}) and Greek letters by name (alpha ↦ \alpha).
[<RequireQualifiedAccess>]
module LaTeX =

    let private greek =
        set
            [ "alpha"
              "beta"
              "gamma"
              "delta"
              "epsilon"
              "zeta"
              "eta"
              "theta"
              "iota"
              "kappa"
              "lambda"
              "mu"
              "nu"
              "xi"
              "rho"
              "sigma"
              "tau"
              "upsilon"
              "phi"
              "chi"
              "psi"
              "omega"
              "Gamma"
              "Delta"
              "Theta"
              "Lambda"
              "Xi"
              "Sigma"
              "Phi"
              "Psi"
              "Omega" ]

    /// x0 ↦ x_{0}, x_12 ↦ x_{12}, alpha1 ↦ \alpha_{1}, velocity ↦ \mathrm{velocity}.
    let symbolName (name: string) =
        let stem = name.TrimEnd([| '0'; '1'; '2'; '3'; '4'; '5'; '6'; '7'; '8'; '9' |])
        let digits = name.Substring stem.Length

        let stem, digits =
            match stem.LastIndexOf '_' with
            | i when i > 0 && digits = "" -> stem.Substring(0, i), stem.Substring(i + 1)
            | _ -> stem.TrimEnd '_', digits

        let head =
            if greek.Contains stem then "\\" + stem
            elif stem.Length = 1 then stem
            else "\\mathrm{" + stem.Replace("_", "\\_") + "}"

        if digits = "" then head else head + "_{" + digits + "}"

    let private functionName (f: Function) =
        match f with
        | Function.Sign -> "\\operatorname{sign}"
        // No LaTeX command exists for these; \log1p would print as "log 1p".
        | Function.Log1p -> "\\operatorname{log1p}"
        | Function.Expm1 -> "\\operatorname{expm1}"
        | Function.Log10 -> "\\log_{10}"
        | Function.Log2 -> "\\log_{2}"
        | Function.Asin -> "\\arcsin"
        | Function.Acos -> "\\arccos"
        | Function.Atan -> "\\arctan"
        | _ -> "\\" + Expr.functionName f

    /// The mantissa and power of ten of a double that Layout.formatReal writes in E-notation
    /// ("3.33E-09" → ("3.33", -9)), or whose plain digits run longer than 16 before or after the point (0.00012345678901234567
    /// → ("1.2345678901234567", -4), the same round-trip digits); None for other plain digits.
    let private scientific (x: float) =
        let s = Layout.formatReal x
        let i = s.IndexOf 'E'

        if i >= 0 then
            Some(s.Substring(0, i), int (s.Substring(i + 1)))
        elif (s.TrimStart('-').Split '.' |> Array.map String.length |> Array.max) <= 16 then
            None
        else
            let plain = s.TrimStart '-'
            let point = plain.IndexOf '.'
            let whole = plain.Substring(0, point).TrimStart '0'
            let all = plain.Replace(".", "")
            let digits = all.TrimStart('0').TrimEnd '0'
            // The power of ten of the first significant digit: its place before or after the point.
            let k = if whole <> "" then whole.Length - 1 else -(all.Length - all.TrimStart('0').Length - point + 1)
            let mantissa = if digits.Length = 1 then digits else digits.Substring(0, 1) + "." + digits.Substring 1
            Some((if x < 0.0 then "-" else "") + mantissa, k)

    /// The mantissa and power of ten of an exact integer of 10^15 or more (Layout.powerOfTen), as for a
    /// double: 3·10^20 → ("3", 20), 123456789012345678 → ("1.23456789012345678", 17); None below.
    let private integerScientific (n: Numerics.BigInteger) =
        Layout.powerOfTen n
        |> Option.map (fun (m, k) ->
            let digits = Numerics.BigInteger.Abs(m).ToString(Globalization.CultureInfo.InvariantCulture)
            let sign = if m.Sign < 0 then "-" else ""
            let mantissa = if digits.Length = 1 then digits else digits.Substring(0, 1) + "." + digits.Substring 1
            sign + mantissa, k + digits.Length - 1)

    /// The scientific form of a numeric leaf written in it, if any.
    let private scientificOf (e: Expr) =
        match e.Node with
        | Real x -> scientific x
        | Number q when (Layout.roundedScientific q).IsSome -> Layout.roundedScientific q
        | Number q when q.IsInteger -> integerScientific q.Num
        | _ -> None

    /// m \times 10^{k}, or 10^{k} for m = ±1. A mantissa with more than 16 digits after its point (an exact
    /// integer's; a double's has at most 16) is grouped in threes with thin spaces, 1.234\,567\,…, as
    /// long numbers are typeset: LaTeX cannot break a run of digits, and no one reads twenty in a row.
    let private scientificText (m: string, k: int) =
        match m with
        | "1"
        | "-1" -> sprintf "%s10^{%d}" (if m = "-1" then "-" else "") k
        | _ ->
            let point = m.IndexOf '.'
            let fraction = if point < 0 then "" else m.Substring(point + 1)

            let m =
                if fraction.Length <= 16 then
                    m
                else
                    m.Substring(0, point + 1)
                    + String.Join("\\,", Seq.chunkBySize 3 fraction |> Seq.map (fun (cs: char[]) -> String cs))

            sprintf "%s \\times 10^{%d}" m k

    /// How tightly e's LaTeX binds (Layout's levels). `inFraction`: inside a \frac's numerator or denominator, where a
    /// fraction is written a/b (writeFraction), which binds as a product does, not as the group \frac{a}{b} is.
    let rec private level (inFraction: bool) (e: Expr) =
        match e.Node with
        | Number q when q.IsInteger && q.Sign < 0 -> Layout.Unary
        | Real x when x < 0.0 -> Layout.Unary
        // m \times 10^{k} binds like a product, 10^{k} like a power: (10^{-20})^{2}, not 10^{-20}^{2}.
        | Number _
        | Real _ when (scientificOf e).IsSome -> if fst (scientificOf e).Value = "1" then Layout.Power else Layout.Product
        | Number q when inFraction && not q.IsInteger -> Layout.Product
        | Number _ -> Layout.Atom // an integer's digits; \frac{p}{q} is a group
        | Real _ -> Layout.Atom
        | Symbol _
        | Pi
        | Apply _
        | Atan2 _ -> Layout.Atom
        | Sum _ -> Layout.Sum
        | Product _ when (Layout.cbrtOf e).IsSome -> Layout.Atom
        | Product _ ->
            let f = Layout.fraction e

            if f.Negative then Layout.Unary
            elif not f.Denominator.IsEmpty then (if inFraction then Layout.Product else Layout.Atom)
            else Layout.Product
        | Power(_, x) when Layout.isSqrt x -> Layout.Atom
        | Power(b, x) when Layout.isReciprocal b x -> if inFraction then Layout.Product else Layout.Atom
        | Power _ -> Layout.Power

    /// Can e stand as the base of a power without parentheses?
    let private plainBase (e: Expr) =
        match e.Node with
        | Number q -> q.IsInteger && q.Sign >= 0 && (scientificOf e).IsNone
        | Real x -> x >= 0.0 && (scientificOf e).IsNone
        | Symbol _
        | Pi -> true
        | Apply(Function.Exp, _) -> Layout.isE e
        // |u|^{2} is unambiguous (the bars close the argument), but \log\left(u\right)^{2} reads as
        // the log of a square, and e^{u}^{2} is a double superscript: a function application raised to
        // a power is parenthesised whole, \left(\log\left(u\right)\right)^{2} (the C# printer's
        // Math.Log(u)*Math.Log(u)).
        | Apply(Function.Abs, _) -> true
        | _ -> false

    /// An integer-valued double is printed as an integer (20, not 20.0): LaTeX is read by people,
    /// and 20\,\eta next to 5\,\eta should not differ in looks. E-notation is not mathematics:
    /// 1E-20 is written 10^{-20} and 3.33E-09 as 3.33 \times 10^{-9}, with the same round-trip digits.
    let private realText (x: float) =
        match scientific x with
        | None -> Layout.formatReal x
        | Some s -> scientificText s

    /// An exact integer as its digits below 10^15, from there as a power of ten like a double of that
    /// size: 10^{20}, not 100000000000000000000 beside a 10^{-20}.
    let private integerText (n: Numerics.BigInteger) =
        match integerScientific n with
        | None -> n.ToString(Globalization.CultureInfo.InvariantCulture)
        | Some s -> scientificText s

    /// f and k when e is f(a)^k for a function that LaTeX names by a command of its own (\sin, \cosh, \log,
    /// \arctan, \log_{10}) and k a positive integer: papers write \sin^{2}\left(x\right), not
    /// \left(\sin\left(x\right)\right)^{2}. Not exp (e^{a} has its superscript already), abs (|a|^{2}), nor the
    /// \operatorname functions (sign, log1p, expm1), which have no such convention; a negative power is
    /// written as a reciprocal, never \sin^{-1}, which reads as arcsin.
    let private functionPower (e: Expr) =
        match e.Node with
        | Power(b, x) ->
            match b.Node, x.Node with
            | Apply(f, a), Number k when k.IsInteger && k.Sign > 0 && f <> Function.Exp && f <> Function.Abs && not ((functionName f).StartsWith "\\operatorname") ->
                Some(f, a, x)
            | _ -> None
        | _ -> None

    // `inFraction`: the text is inside a \frac's numerator or denominator, where a fraction is written a/b
    // (writeFraction): a \frac inside a \frac is a stack of small type no paper prints.
    let rec private write (names: string -> string) (inFraction: bool) (sb: StringBuilder) (context: int) (e: Expr) =
        Deep.check ()

        if level inFraction e < context then
            sb.Append "\\left(" |> ignore
            body names inFraction sb e
            sb.Append "\\right)" |> ignore
        else
            body names inFraction sb e

    /// The numerator or denominator of a \frac{}{}: a lone factor is already grouped by the braces,
    /// so it takes no \left(\right) (\frac{1}{x + y}, not \frac{1}{\left(x + y\right)}).
    and private fracPart (names: string -> string) (sb: StringBuilder) (xs: Expr list) =
        match xs with
        | [ x ] -> write names true sb 0 x
        | _ -> factors names true sb xs

    and private factors (names: string -> string) (inFraction: bool) (sb: StringBuilder) (xs: Expr list) =
        // A factor written as a name of several letters (\mathrm{mass}, or a power of one): beside another
        // factor it takes a thin space, \mathrm{mass} \, \mathrm{vel} and t_{2} \, \mathrm{time}, since
        // juxtaposed they render as one word ("massvel", "t₂time").
        let wordy (x: Expr) =
            let named (b: Expr) =
                match b.Node with
                | Symbol s -> (names s).StartsWith "\\mathrm{"
                | _ -> false

            match x.Node with
            | Power(b, _) -> named b
            | _ -> named x

        xs
        |> List.iteri (fun i x ->
            if i > 0 then
                // A number after another factor needs an explicit dot: 2 \cdot 3, x \cdot 2.
                sb.Append(
                    if Expr.isNumeric x then " \\cdot "
                    elif wordy x || wordy (List.item (i - 1) xs) then " \\, "
                    else " "
                )
                |> ignore

            // A leading 3.33 \times 10^{-9} needs no parentheses: 3.33 \times 10^{-9} \eta reads as one product.
            let context =
                match x.Node with
                | Real _
                | Number _ when i = 0 -> Layout.Product
                | _ -> Layout.Unary

            write names inFraction sb context x)

    and private writeFraction (names: string -> string) (inFraction: bool) (sb: StringBuilder) (f: Layout.Fraction) =
        if f.Negative then
            sb.Append '-' |> ignore

        match f.Denominator with
        | [] ->
            if f.Numerator.IsEmpty then
                sb.Append '1' |> ignore
            else
                factors names inFraction sb f.Numerator
        | ds when inFraction ->
            // Inside a \frac: a/b, the numerator's factors side by side (2 x_{0}/t_{1}) and a denominator of
            // several factors, or of one that binds looser than a power, in parentheses (x/\left(2 y\right)).
            if f.Numerator.IsEmpty then
                sb.Append '1' |> ignore
            else
                match f.Numerator with
                | [ x ] -> write names inFraction sb Layout.Unary x
                | xs -> factors names inFraction sb xs

            sb.Append '/' |> ignore

            match ds with
            | [ x ] -> write names inFraction sb Layout.Power x
            | _ ->
                sb.Append "\\left(" |> ignore
                factors names inFraction sb ds
                sb.Append "\\right)" |> ignore
        | ds ->
            sb.Append "\\frac{" |> ignore

            if f.Numerator.IsEmpty then
                sb.Append '1' |> ignore
            else
                fracPart names sb f.Numerator

            sb.Append "}{" |> ignore
            fracPart names sb ds
            sb.Append '}' |> ignore

    and private body (names: string -> string) (inFraction: bool) (sb: StringBuilder) (e: Expr) =
        match e.Node with
        | Number q when (Layout.roundedScientific q).IsSome -> sb.Append(scientificText (Layout.roundedScientific q).Value) |> ignore
        | Number q when q.IsInteger -> sb.Append(integerText q.Num) |> ignore
        | Number _ -> writeFraction names inFraction sb (Layout.fraction e)
        | Real x -> sb.Append(realText x) |> ignore
        | Symbol s -> sb.Append(names s) |> ignore
        | Pi -> sb.Append "\\pi" |> ignore
        | Apply _ when Layout.isE e -> sb.Append 'e' |> ignore
        | Apply(Function.Abs, a) ->
            sb.Append "\\left|" |> ignore
            write names inFraction sb 0 a
            sb.Append "\\right|" |> ignore
        | Apply(Function.Exp, a) ->
            sb.Append "e^{" |> ignore
            write names inFraction sb 0 a
            sb.Append '}' |> ignore
        | Apply(f, a) ->
            sb.Append(functionName f).Append "\\left(" |> ignore
            write names inFraction sb 0 a
            sb.Append "\\right)" |> ignore
        | Atan2(y, x) ->
            sb.Append "\\operatorname{atan2}\\left(" |> ignore
            write names inFraction sb 0 y
            sb.Append ", " |> ignore
            write names inFraction sb 0 x
            sb.Append "\\right)" |> ignore
        | Sum ts ->
            Layout.sumTerms ts
            |> Array.iteri (fun i t ->
                if i = 0 then
                    write names inFraction sb Layout.Sum t
                else
                    let f = Layout.fraction t

                    if f.Negative then
                        sb.Append " - " |> ignore
                        writeFraction names inFraction sb { f with Negative = false }
                    else
                        sb.Append " + " |> ignore
                        write names inFraction sb Layout.Product t)
        | Product _ when (Layout.cbrtOf e).IsSome ->
            // sign(a)*abs(a)^(1/3), the real cube root.
            sb.Append "\\sqrt[3]{" |> ignore
            write names inFraction sb 0 (Layout.cbrtOf e).Value
            sb.Append '}' |> ignore
        | Product _ -> writeFraction names inFraction sb (Layout.fraction e)
        | Power(b, x) when Layout.isSqrt x ->
            sb.Append "\\sqrt{" |> ignore
            write names inFraction sb 0 b
            sb.Append '}' |> ignore
        | Power(b, x) when Layout.isReciprocal b x -> writeFraction names inFraction sb (Layout.fraction e)
        | Power _ when (functionPower e).IsSome ->
            let f, a, k = (functionPower e).Value
            sb.Append(functionName f).Append "^{" |> ignore
            write names inFraction sb 0 k
            sb.Append "}\\left(" |> ignore
            write names inFraction sb 0 a
            sb.Append "\\right)" |> ignore
        | Power(b, x) ->
            // A base is bare only when it is one visible symbol or call: a fraction, a root, a power,
            // a sum or a product as base takes parentheses, ((a/b)^c, not \frac{a}{b}^{c}).
            if plainBase b then
                // A symbol whose LaTeX has a superscript of its own (the target y^{*}_{0}) is braced, {y^{*}_{0}}^{2}:
                // a second ^ on the same nucleus is TeX's "Double superscript" error. A subscript alone
                // takes the power beside it as usual (x_{0}^{2}).
                let text = StringBuilder()
                body names inFraction text b

                if (match b.Node with
                    | Symbol _ -> text.ToString().Contains '^'
                    | _ -> false) then
                    sb.Append('{').Append(text).Append '}' |> ignore
                else
                    sb.Append text |> ignore
            else
                sb.Append "\\left(" |> ignore
                body names inFraction sb b
                sb.Append "\\right)" |> ignore

            sb.Append "^{" |> ignore
            write names inFraction sb 0 (Layout.printedExponent x)
            sb.Append '}' |> ignore

    /// The expression as LaTeX (math mode, without delimiters), with the LaTeX of some symbols given
    /// (e.g. a generated target symbol ystar0 as y^{*}_{0}); the others as <see cref="symbolName"/>.
    [<CompiledName("FormatWith")>]
    let formatWith (symbols: System.Collections.Generic.IReadOnlyDictionary<string, string>) (e: Expr) : string =
        Deep.run (fun () ->
            Layout.checkPrintable e
            let sb = StringBuilder()

            let names s =
                match symbols.TryGetValue s with
                | true, latex -> latex
                | _ -> symbolName s

            write names false sb 0 e
            sb.ToString())

    /// The expression as LaTeX (math mode, without delimiters).
    [<CompiledName("Format")>]
    let format (e: Expr) : string =
        formatWith (System.Collections.Generic.Dictionary<string, string>()) e

    /// <summary>
    /// An estimate of how many characters wide each prefix of a LaTeX math text renders: element k is the
    /// width of text[0..k) (so text.Length + 1 elements). Commands that print nothing (\left., \right.,
    /// \frac, \operatorname, \mathrm, \nonumber, thin spaces), braces, scripts' ^ and _, and spaces count
    /// 0; \left( and \right) count as their one delimiter; a command that prints one symbol (\eta, \cdot,
    /// \sqrt) counts 1, \quad 2; a binary +, − or = counts 2 with the space around it; any other character 1.
    /// A fraction counts its numerator and denominator side by side: an estimate that errs long.
    /// </summary>
    let renderedWidths (text: string) : int[] =
        let widths = Array.zeroCreate (text.Length + 1)
        let mutable i = 0

        let put (k: int) (w: int) (length: int) =
            for j in k .. k + length - 1 do
                widths.[j + 1] <- widths.[j] + (if j = k then w else 0)

        while i < text.Length do
            match text.[i] with
            | '\\' when i + 1 < text.Length && Char.IsLetter text.[i + 1] ->
                let mutable j = i + 1

                while j < text.Length && Char.IsLetter text.[j] do
                    j <- j + 1

                match text.Substring(i + 1, j - i - 1) with
                | "left"
                | "right" ->
                    // The delimiter after it: '.' prints nothing, \{ or \| one symbol of two characters.
                    let delimiter = if j < text.Length && text.[j] = '\\' then 2 elif j < text.Length then 1 else 0
                    put i (if j < text.Length && text.[j] = '.' then 0 else 1) (j - i + delimiter)
                    i <- j + delimiter
                | "frac"
                | "operatorname"
                | "mathrm"
                | "nonumber" ->
                    put i 0 (j - i)
                    i <- j
                | "quad" ->
                    put i 2 (j - i)
                    i <- j
                | _ ->
                    put i 1 (j - i)
                    i <- j
            | '\\' when i + 1 < text.Length && (text.[i + 1] = '{' || text.[i + 1] = '}') ->
                put i 1 2
                i <- i + 2
            | '\\' when i + 1 < text.Length ->
                // \, \; \! and \  (spacing)
                put i 0 2
                i <- i + 2
            | '{'
            | '}'
            | '^'
            | '_'
            | ' ' ->
                put i 0 1
                i <- i + 1
            | '+'
            | '-'
            | '=' ->
                put i 2 1
                i <- i + 1
            | _ ->
                put i 1 1
                i <- i + 1

        widths

    /// Where a LaTeX text's tokens start, with the brace depth and the \left … \right depth just after each:
    /// entry i is (start, braces, lefts), start false inside a token (the second character of an escape
    /// \{ \} \\ \  \%, the letters of \left and \right). Braces count `{` and `}` that are not escaped, lefts
    /// `\left` less `\right` (a command only when no letter follows: \leftarrow is not one). The one scan that
    /// breakLines and breakSource cut by.
    let private delimiterDepths (text: string) : struct (bool * int * int)[] =
        let depths = Array.create text.Length (struct (false, 0, 0))
        let mutable braces = 0
        let mutable lefts = 0
        let mutable i = 0

        let commandAt (name: string) (k: int) =
            String.CompareOrdinal(text, k, name, 0, name.Length) = 0
            && (k + name.Length >= text.Length || not (Char.IsLetter text.[k + name.Length]))

        while i < text.Length do
            let width =
                match text.[i] with
                | '\\' when i + 1 < text.Length && (match text.[i + 1] with | '{' | '}' | '\\' | ' ' | '%' -> true | _ -> false) -> 2
                | '\\' when commandAt "\\left" i ->
                    lefts <- lefts + 1
                    5
                | '\\' when commandAt "\\right" i ->
                    lefts <- lefts - 1
                    6
                | '{' ->
                    braces <- braces + 1
                    1
                | '}' ->
                    braces <- braces - 1
                    1
                | _ -> 1

            depths.[i] <- struct (true, braces, lefts)
            i <- i + width

        depths

    /// The right-hand side of an `align` line cut into pieces of about `width` rendered characters
    /// (<see cref="renderedWidths"/>: t_{3} is two, \operatorname{log1p}\left( six), at the + and −
    /// between terms that stand outside every brace group: the first piece follows `&=`, each other one
    /// goes on a line of its own after `&\quad`, beginning with its sign. A cut inside `\left( … \right)`
    /// closes the open delimiters with `\right.` at the end of its line and opens them again with `\left.`
    /// on the next, so that every line has its \left and \right paired, as TeX requires. A text with no
    /// such cut within `width` is cut at the first one after it; one with none at all is one piece.
    /// Hand-written: a LaTeX line breaker for math (breqn) would need a package the user's document may not load.
    [<CompiledName("BreakLines")>]
    let breakLines (width: int) (text: string) : string[] =
        // Cut points: the index of the space before a binary + or − at brace depth 0, with the number of
        // \left delimiters open there.
        let widths = renderedWidths text
        let total = widths.[text.Length]
        // The rendered width from index a to index b.
        let span (a: int) (b: int) = widths.[b] - widths.[a]
        let cuts = System.Collections.Generic.List<struct (int * int)>()

        // A cut leaving a tail under a quarter of width is no cut: a line of a lone "- x_{1}" reads worse
        // than a line a little over width.
        delimiterDepths text
        |> Array.iteri (fun i (struct (start, braces, lefts)) ->
            if start && text.[i] = ' ' && braces = 0 && i > 0 && i + 2 < text.Length && (text.[i + 1] = '+' || text.[i + 1] = '-') && text.[i + 2] = ' '
               && total - widths.[i] > width / 4 then
                cuts.Add(struct (i, lefts)))

        let pieces = System.Collections.Generic.List<string>()
        let mutable start = 0
        let mutable reopen = 0
        let mutable k = 0

        // A rest up to a sixth longer than width stays on its line (no line of a lone "+ 1").
        while k < cuts.Count && total - widths.[start] > width + width / 6 do
            // Among the cuts within width of this piece's start (else the first one after it), the one
            // fewest \left delimiters deep, the last of those; cuts in the first third are passed over
            // while a later one is within width, so that no line is short.
            let mutable chosen = -1
            let mutable j = k

            while j < cuts.Count && (let struct (c, _) = cuts.[j] in span start c <= width || chosen < 0) do
                let struct (c, depth) = cuts.[j]

                let better =
                    chosen < 0
                    || (let struct (c0, depth0) = cuts.[chosen]
                        (span start c0 < width / 3 && span start c <= width) || (span start c >= width / 3 && depth <= depth0))

                if better then chosen <- j
                j <- j + 1

            k <- chosen + 1

            let struct (c, open') = cuts.[chosen]
            let piece = String.replicate reopen "\\left. " + text.Substring(start, c - start) + String.replicate open' " \\right."
            pieces.Add piece
            reopen <- open'
            start <- c + 1

        pieces.Add(String.replicate reopen "\\left. " + text.Substring start)
        pieces.ToArray()

    /// One line of LaTeX source cut into source lines of at most `width` characters where it can be, without
    /// changing what it renders: each cut replaces a space by a newline and `indent` (in math mode both are
    /// ignored as the space was; in \text the run of white space is one space, as before), or goes between the
    /// two arguments of a \frac (`}` newline `{`: TeX skips spaces before an undelimited argument). Cuts outside
    /// every brace group are preferred, those inside the fewest \left … \right pairs first (so a line keeps its pairs
    /// whole where it can, else is cut at the operators of the outermost pair), and among those, in order, before a + or −,
    /// at a space, between \frac's parts; then any space inside a brace group. Each cut is the last of its kind within `width`
    /// (passing over those in the first third of the line while a later one fits), else the first one after.
    /// Never an empty line (a paragraph break, an error in math). A line of LaTeX comment (starting with %) is
    /// returned as it is, since a newline would end the comment.
    [<CompiledName("BreakSource")>]
    let breakSource (width: int) (indent: string) (line: string) : string =
        if line.Length <= width || line.TrimStart().StartsWith "%" then
            line
        else
            // Candidate cuts: (index, kind, replaces a space); kind 0 is best. Outside every brace group a cut's kind is
            // 4 per \left delimiter open there, plus 0 before a + or −, 1 at another space, 2 between \frac's parts: the
            // shallowest cut wins, so that a line keeps its \left( … \right) pairs together where a cut outside them fits
            // (else the cut goes at the top-level operator inside them); inside a brace group it comes after all of those.
            let candidates = System.Collections.Generic.List<struct (int * int * bool)>()

            delimiterDepths line
            |> Array.iteri (fun i (struct (start, braces, lefts)) ->
                let kind (within: int) =
                    (if braces <> 0 then 1000 else 0) + 4 * max 0 lefts + within

                if start then
                    match line.[i] with
                    | '}' -> if i + 1 < line.Length && line.[i + 1] = '{' then candidates.Add(struct (i + 1, kind 2, false))
                    // Never just after a binary + or − (a line ending "… -"): the cut before it is the same break, sign first.
                    | ' ' when i > 1 && (line.[i - 1] = '+' || line.[i - 1] = '-') && line.[i - 2] = ' ' -> ()
                    | ' ' when i > 0 && line.[i - 1] <> ' ' && i + 1 < line.Length && line.[i + 1] <> ' ' ->
                        let operator = i + 2 < line.Length && (line.[i + 1] = '+' || line.[i + 1] = '-') && line.[i + 2] = ' '
                        candidates.Add(struct (i, kind (if braces <> 0 then 3 elif operator then 0 else 1), true))
                    | _ -> ())

            let sb = StringBuilder()
            // start: where the current source line begins in `line`; prefix: the indent it carries (0 on the first).
            let mutable start = 0
            let mutable prefix = 0
            let mutable k = 0

            while k < candidates.Count && prefix + line.Length - start > width do
                let length (c: int) = prefix + c - start
                let mutable chosen = -1

                for j in k .. candidates.Count - 1 do
                    let struct (c, kind, _) = candidates.[j]

                    if length c <= width && length c >= width / 3 then
                        match chosen with
                        | -1 -> chosen <- j
                        | b ->
                            let struct (_, kindB, _) = candidates.[b]
                            if kind <= kindB then chosen <- j

                if chosen < 0 then
                    // Nothing in the last two thirds: the last cut within width, else the first after it.
                    for j in k .. candidates.Count - 1 do
                        let struct (c, _, _) = candidates.[j]
                        if length c <= width || chosen < 0 then chosen <- j

                let struct (c, _, space) = candidates.[chosen]
                sb.Append(line, start, c - start).Append('\n').Append(indent) |> ignore
                start <- if space then c + 1 else c
                prefix <- indent.Length
                k <- chosen + 1

            sb.Append(line, start, line.Length - start).ToString()
