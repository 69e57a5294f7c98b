namespace PhysGrad.Symbolic

open System
open System.Globalization
open System.Numerics
open FParsec

/// Counts the texts parsed (Parse.Many and Parse.Expression) in the current asynchronous flow while it is
/// open: the measure that a problem's text is parsed once per field, never printed and parsed again.
/// Flows that did not open one (other threads, other tests) are not counted.
[<Sealed; AllowNullLiteral>]
type ParseCounter private () =
    static let current = System.Threading.AsyncLocal<ParseCounter>()
    let mutable count = 0

    /// The texts parsed in this flow since the counter was opened.
    member _.Count = count

    /// Opens a counter for the current flow (and the tasks it starts); disposing it stops the counting.
    static member Open() =
        let counter = new ParseCounter()
        current.Value <- counter
        counter

    static member internal Tick() =
        match current.Value with
        | null -> ()
        | c -> c.Increment()

    member internal _.Increment() = count <- count + 1

    interface IDisposable with
        member this.Dispose() =
            if obj.ReferenceEquals(current.Value, this) then
                current.Value <- null

/// Reads infix text into expressions, with FParsec. The grammar, loosest binding first:
///
///     input   := expr (';' expr)* [';']
///     expr    := product (('+' | '-') product)*
///     product := unary (('*' | '/') unary)*
///     unary   := ('+' | '-')* power              so -x^2 = -(x^2)
///     power   := atom [('^' | '**') unary]       right-associative: a^b^c = a^(b^c)
///     atom    := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
///
/// Integers are exact; a number with a decimal point or exponent (E-notation) is floating, always in
/// the invariant culture. `pi` and `e` are the constants. Errors name the line and column and show a
/// caret under the offending character.
[<RequireQualifiedAccess>]
module Parse =

    /// Parentheses, function calls and exponents may nest at most this deep.
    [<Literal>]
    let MaxNesting = 1_000

    /// The longest text accepted, in characters: about 200,000 terms with function calls, which parse
    /// and build in under ten seconds (RELIABILITY.md).
    [<Literal>]
    let MaxLength = 4 * 1024 * 1024

    /// Integer literals longer than this many digits are refused.
    [<Literal>]
    let MaxDigits = 10_000

    type internal Ast =
        | ANumber of string * Position
        | AName of string * Position
        | ACall of string * Ast list * Position
        | AIndex of string * Ast * Position
        | ASum of Ast * (bool * Ast * Position) list
        | AProduct of Ast * (bool * Ast * Position) list
        | ANeg of int * Ast
        | APower of Ast * Ast * Position

    /// What an indexed component does with an index outside its range.
    type internal Boundary =
        /// No rule: any index ≥ 0 names a variable (x[k] is xk); a negative one is an error.
        | Open
        /// Indices wrap around the range a..b.
        | Periodic
        /// Indices outside a..b read this value (a Dirichlet boundary).
        | Fixed of Ast

    /// `for i in a..b [periodic | dirichlet v]` after a component. The bounds are kept as written
    /// (digits, with their positions) and checked when the form is expanded, so that a bound too large
    /// for an index is named in words rather than by the parser's integer type.
    type internal Range =
        { Index: string
          /// The bounds as numbers, set when the range is checked (`expand`).
          First: int
          Last: int
          FirstText: string
          FirstAt: Position
          LastText: string
          LastAt: Position
          Boundary: Boundary
          At: Position }

    let private functions =
        dict
            [ "sin", Function.Sin
              "cos", Function.Cos
              "tan", Function.Tan
              "asin", Function.Asin
              "acos", Function.Acos
              "atan", Function.Atan
              "sinh", Function.Sinh
              "cosh", Function.Cosh
              "tanh", Function.Tanh
              "exp", Function.Exp
              "log", Function.Log
              "ln", Function.Log
              "abs", Function.Abs
              "sign", Function.Sign
              "log1p", Function.Log1p
              "expm1", Function.Expm1 ]

    /// The function names the parser knows, for messages and documentation.
    let knownFunctionNames =
        Seq.append functions.Keys [ "sqrt"; "cbrt"; "atan2"; "log10"; "log2" ] |> Seq.sort |> Array.ofSeq

    /// The same, as a list for messages.
    let knownFunctions = String.concat ", " knownFunctionNames

    // ---- the grammar ---------------------------------------------------------------------------

    type private P<'a> = Parser<'a, int>

    let private ws: P<unit> = spaces

    let private sym (s: string) : P<unit> = skipString s >>. ws

    /// Counts nesting in the user state, failing (fatally, so nothing backtracks around it) past
    /// MaxNesting: the combinators recurse per level and must not exhaust the stack.
    let private nested (p: P<'a>) : P<'a> =
        fun stream ->
            if stream.UserState >= MaxNesting then
                Reply(
                    FatalError,
                    messageError (sprintf "the expression is nested more than %d levels deep here" MaxNesting)
                )
            else
                stream.UserState <- stream.UserState + 1
                let r = p stream

                if r.Status = Ok then
                    stream.UserState <- stream.UserState - 1

                r

    let private number: P<Ast> =
        let options =
            NumberLiteralOptions.AllowFraction
            ||| NumberLiteralOptions.AllowFractionWOIntegerPart
            ||| NumberLiteralOptions.AllowExponent

        getPosition .>>. numberLiteral options "number" .>> ws
        |>> fun (p, n) -> ANumber(n.String, p)

    let private name: P<string> =
        // ASCII only (Names.isIdentifier): α, π or ｘ stops the name, and plainError says what to write instead.
        many1Satisfy2L
            (fun c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c = '_')
            (fun c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c = '_')
            "name"
        .>> ws

    let private exprForward = createParserForwardedToRef<Ast, int> ()
    let private expr = fst exprForward
    let private exprRef = snd exprForward

    let private parens: P<Ast> = between (sym "(") (sym ")") (nested expr)

    let private nameOrCall: P<Ast> =
        getPosition
        .>>. name
        .>>. opt (
            (between (sym "(") (sym ")") (sepBy1 (nested expr) (sym ",")) |>> Choice1Of2)
            <|> (getPosition .>>. between (sym "[") (sym "]") (nested expr) |>> Choice2Of2)
        )
        |>> fun ((p, n), args) ->
            match args with
            | None -> AName(n, p)
            | Some(Choice1Of2 args) -> ACall(n, args, p)
            | Some(Choice2Of2(_, index)) -> AIndex(n, index, p)

    let private atom: P<Ast> =
        choiceL [ number; parens; nameOrCall ] "a number, a name or '('"

    let private unaryForward = createParserForwardedToRef<Ast, int> ()
    let private unary = fst unaryForward
    let private unaryRef = snd unaryForward

    let private powerOp: P<Position> =
        getPosition .>> (skipString "^" <|> skipString "**") .>> ws

    let private power: P<Ast> =
        atom .>>. opt (powerOp .>>. nested unary)
        |>> fun (b, rest) ->
            match rest with
            | None -> b
            | Some(p, x) -> APower(b, x, p)

    unaryRef.Value <-
        // The sign has no label of its own: where an operand must come, "expected a number, a name or '('"
        // is the whole story (a sign belongs to the operand), and an unlabelled anyOf read as
        // "an operator (+ - * / ^)" there, where no * / ^ fits.
        many ((anyOf "+-" <?> "") .>> ws) .>>. power
        |>> fun (signs, p) ->
            let minus = signs |> List.filter ((=) '-') |> List.length
            if signs.IsEmpty then p else ANeg(minus, p)

    let private productOp: P<bool * Position> =
        getPosition .>>. ((pchar '*' .>> notFollowedBy (pchar '*')) <|> pchar '/')
        .>> ws
        |>> fun (p, c) -> (c = '/', p)

    let private product: P<Ast> =
        unary .>>. many (productOp .>>. unary)
        |>> fun (first, rest) ->
            match rest with
            | [] -> first
            | _ -> AProduct(first, rest |> List.map (fun ((d, p), f) -> (d, f, p)))

    exprRef.Value <-
        product .>>. many ((getPosition .>>. anyOf "+-" .>> ws) .>>. product)
        |>> fun (first, rest) ->
            match rest with
            | [] -> first
            | _ -> ASum(first, rest |> List.map (fun ((p, c), t) -> (c = '-', t, p)))

    let private keyword (k: string) : P<unit> =
        skipString k >>? notFollowedBy (satisfy (fun c -> Char.IsLetterOrDigit c || c = '_')) >>. ws

    /// The next word or symbol of the input as written (for "found '…'" in a message), or None at its end.
    let private nextToken (stream: CharStream<int>) =
        if stream.IsEndOfStream then
            None
        else
            let rest = stream.PeekString 40
            let stop = rest.IndexOfAny([| ' '; '\t'; '\r'; '\n'; ';' |])
            let token =
                if stop < 0 then rest
                elif stop = 0 then rest.Substring(0, 1)
                else rest.Substring(0, stop)

            Some token

    /// p, or (when p fails without consuming input) a fatal error at this position saying `what`
    /// and what was found instead: after 'for' the range's grammar is fixed, so a missing piece is
    /// named in words rather than by the list of everything an expression could continue with.
    let private expecting (what: string) (p: P<'a>) : P<'a> =
        p
        <|> fun stream ->
                let found =
                    match nextToken stream with
                    | Some t -> sprintf " (found '%s')" t
                    | None -> " (the text ends here)"

                Reply(FatalError, messageError (what + found))

    /// A bound of a range as written: an optional minus and digits (checked when expanded).
    let private bound (which: string) : P<Position * string> =
        expecting
            (sprintf "the %s index of the range must be a whole number, as in 'for i in 0..9'" which)
            (attempt (getPosition .>>. (opt (pchar '-') .>>. many1Satisfy Char.IsDigit)))
        .>> ws
        |>> fun (p, (minus, digits)) -> p, (if minus.IsSome then "-" + digits else digits)

    /// The boundary rules, for messages.
    let private boundaryRules = "'periodic' (indices wrap around the range) or 'dirichlet V' (V, a number, outside it)"

    let private boundary: P<Boundary> =
        (keyword "periodic" >>% Periodic)
        <|> (keyword "dirichlet"
             >>. expecting "'dirichlet' needs the value the boundary holds outside the range, e.g. 'dirichlet 0'" unary
             |>> Fixed)

    /// After a range: its boundary rule, then ';' or the end. A word that is no rule, or a bound that
    /// goes on with a decimal point, is named here rather than left to "expected the end of input".
    let private afterRange: P<Boundary option> =
        opt boundary
        >>= fun rule stream ->
                match stream.Peek() with
                | '.' ->
                    Reply(
                        FatalError,
                        messageError "the bounds of a range are whole numbers written first..last with two dots, as in 'for i in 0..9'"
                    )
                | c when Char.IsLetter c || c = '_' ->
                    let word = (nextToken stream).Value
                    let lower = word.ToLowerInvariant()

                    let message =
                        match rule with
                        | Some _ when lower = "periodic" || lower = "dirichlet" ->
                            sprintf "a range takes one boundary rule, and '%s' is a second one; keep one of them" word
                        | Some _ ->
                            sprintf
                                "'%s' follows the boundary rule; a component ends after its range and rule (write ';' before another component)"
                                word
                        | None ->
                            let hint =
                                [ "periodic"; "dirichlet" ]
                                |> List.tryFind (fun k -> lower.Length >= 3 && k.StartsWith(lower.Substring(0, 3)))

                            sprintf
                                "'%s' is not a boundary rule%s; after the range write %s, or nothing (then any index from 0 up names a variable)"
                                word
                                (match hint with
                                 | Some k when k = lower -> sprintf " (rules are written in lower case: '%s')" k
                                 | Some k -> sprintf " (did you mean '%s'?)" k
                                 | None -> "")
                                boundaryRules

                    Reply(FatalError, messageError message)
                | _ -> Reply(rule)

    let private range: P<Range> =
        getPosition .>> keyword "for"
        .>>. expecting "after 'for' comes the name of the index, as in 'for i in 0..9'" name
        .>> expecting "after the index name comes 'in' and the range, as in 'for i in 0..9'" (keyword "in")
        .>>. bound "first"
        .>> expecting "the range is written first..last with two dots, as in 'for i in 0..9'" (sym "..")
        .>>. bound "last"
        .>>. afterRange
        |>> fun ((((p, i), (firstAt, first)), (lastAt, last)), boundary) ->
            { Index = i
              First = 0
              Last = 0
              FirstText = first
              FirstAt = firstAt
              LastText = last
              LastAt = lastAt
              Boundary = defaultArg boundary Open
              At = p }

    let private item: P<Ast * Range option> = expr .>>. opt range

    let private input: P<(Ast * Range option) list> = ws >>. sepEndBy1 item (sym ";") .>> eof

    // ---- errors --------------------------------------------------------------------------------

    let private lineOf (text: string) (line: int) =
        let lines = text.Split('\n')

        if line >= 1 && line <= lines.Length then
            lines.[line - 1].TrimEnd('\r')
        else
            ""

    /// "Parse error at line L, column C: what\n  <line>\n  <caret>".
    let rec internal describe (text: string) (line: int) (column: int) (what: string) = describeAs "Parse error" text line column what

    /// describe with its own first words: a text that parses but whose constants leave doubles is no parse error.
    and internal describeAs (prefix: string) (text: string) (line: int) (column: int) (what: string) =
        let l = lineOf text line
        // Show at most 80 characters around the column, so huge one-line inputs stay readable.
        let start = max 0 (column - 60)

        let shown =
            if l.Length > start then
                l.Substring(start, min 80 (l.Length - start))
            else
                ""

        sprintf
            "%s at line %d, column %d: %s\n  %s\n  %s^"
            prefix
            line
            column
            what
            shown
            (String(' ', max 0 (column - 1 - start)))

    /// One thing the parser expected, in words a user reads (never the parser library's own terms).
    let private plainExpected (label: string) =
        match label with
        | "'+'" | "'-'" | "'*'" | "'**'" | "'/'" | "'^'" -> Some "an operator (+ - * / ^)"
        | l when l.StartsWith("any char in", StringComparison.Ordinal) -> Some "an operator (+ - * / ^)"
        | "end of input" -> Some "the end of the text"
        | "';'" -> Some "';' and another expression"
        | "'for'" -> Some "'for' and an index range (as in 'x[i] for i in 0..9')"
        | "'['" -> Some "'[' and an index"
        | "']'" -> Some "a closing ']'"
        | "')'" -> Some "a closing ')'"
        | "'('" -> Some "'('"
        | "','" -> Some "',' and another argument"
        | "'periodic'" | "'dirichlet'" -> Some "a boundary rule ('periodic' or 'dirichlet V')"
        | "number" -> Some "a number"
        | "name" -> Some "a name"
        | "integer number (32-bit, signed)" -> Some "a whole number"
        | "" -> None
        | l -> Some l

    /// The error in plain words: our own message where a parser gave one (fatal errors of the range
    /// grammar, nesting); else what was expected there, in the user's terms, with the parser library's
    /// phrases ("any char in", "integer number (32-bit, signed)", "backtracked", "Unknown Error(s)")
    /// translated or dropped. A nested error (a branch that failed after backtracking) is read the
    /// same way, so its words, not its wrapper's, are shown.
    let rec internal plain (messages: ErrorMessageList) : string =
        let items = ErrorMessageList.ToSortedArray messages

        let own =
            items
            |> Array.tryPick (fun m ->
                match m with
                | :? ErrorMessage.Message as m -> Some m.String
                | _ -> None)

        match own with
        | Some text -> text
        | None ->
            let expected =
                items
                |> Array.choose (fun m ->
                    match m with
                    | :? ErrorMessage.Expected as e -> plainExpected e.Label
                    | :? ErrorMessage.ExpectedString as e -> plainExpected ("'" + e.String + "'")
                    | :? ErrorMessage.ExpectedCaseInsensitiveString as e -> plainExpected ("'" + e.CaseInsensitiveString + "'")
                    | :? ErrorMessage.CompoundError as c -> plainExpected c.LabelOfCompound
                    | _ -> None)
                |> Array.distinct

            let nested =
                items
                |> Array.tryPick (fun m ->
                    match m with
                    | :? ErrorMessage.NestedError as n -> Some(plain n.Messages)
                    | :? ErrorMessage.CompoundError as c when not (isNull c.NestedErrorMessages) -> Some(plain c.NestedErrorMessages)
                    | _ -> None)

            match expected, nested with
            | [||], Some inner -> inner
            | [||], None -> "this text cannot be read as an expression here"
            | [| one |], _ -> "expected " + one
            | many, _ -> "expected " + String.Join(", ", many.[.. many.Length - 2]) + " or " + many.[many.Length - 1]

    /// The superscript digits and signs, each with the ASCII character it raises.
    let private superscripts = dict [ for (c, a) in Seq.zip "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺" "0123456789-+" -> c, a ]

    /// The subscript digits, each with its ASCII digit.
    let private subscripts = dict [ for (c, a) in Seq.zip "₀₁₂₃₄₅₆₇₈₉" "0123456789" -> c, a ]

    /// What to write instead of a typographic character at `index` that the grammar does not read (a superscript
    /// power x0², a subscript x₀, the minus sign −, ×, ·, ÷, √), or None for any other character. The power and the
    /// subscript are rewritten with the name or number before them (x0² as x0^2), so the message shows the text to type.
    let internal typographic (text: string) (index: int) : string option =
        if index < 0 || index >= text.Length then
            None
        else
            let c = text.[index]
            // The run of characters of one kind starting at index, mapped to ASCII.
            let run (table: System.Collections.Generic.IDictionary<char, char>) =
                let mutable j = index
                let sb = Text.StringBuilder()

                while j < text.Length && table.ContainsKey text.[j] do
                    sb.Append(table.[text.[j]]) |> ignore
                    j <- j + 1

                String(text.Substring(index, j - index)), sb.ToString()
            // The name or number that ends at k (x0 of x0²), or "" when something else precedes k.
            let nameBefore (k: int) =
                let mutable j = k

                while j > 0 && (Char.IsLetterOrDigit text.[j - 1] || text.[j - 1] = '_' || text.[j - 1] = '.') do
                    j <- j - 1

                text.Substring(j, k - j)

            let before = nameBefore index

            if superscripts.ContainsKey c then
                let written, ascii = run superscripts
                let power = if ascii.Length > 1 && not (ascii |> Seq.forall Char.IsDigit) then "(" + ascii + ")" else ascii
                // x0^² is x0 and the power after its ^.
                let operand = if index > 0 && text.[index - 1] = '^' then nameBefore (index - 1) else before
                let operand = if operand <> "" then operand elif index > 0 && text.[index - 1] = ')' then "(...)" else "x"
                Some(sprintf "'%s' is a superscript, which is not read as a power: write the power with ^, as %s^%s" written operand power)
            elif subscripts.ContainsKey c then
                let written, ascii = run subscripts
                Some(sprintf "'%s' is a subscript, which is not part of a name: write the digits on the line, as %s%s" written before ascii)
            else
                match c with
                | '−' | '–' -> Some(sprintf "'%c' is a typographic minus sign: write the ASCII '-' instead" c)
                | '×' | '·' | '⋅' | '∙' -> Some(sprintf "'%c' is a typographic product sign: write '*' instead" c)
                | '÷' -> Some "'÷' is a typographic division sign: write '/' instead"
                | '√' -> Some "'√' is not read as a root: write sqrt(...), e.g. sqrt(x0)"
                // α, π, ｘ, é: the ASCII name to write.
                | _ -> Names.characterAdvice text index

    /// An empty output of a text of several (`x0;; x1`, `x0; x1;`, `; x0`): the columns of the ';' that leave
    /// nothing between them, in words, or None when the error at `index` is something else.
    let internal emptyOutput (text: string) (index: int) : string option =
        // The first non-blank character at or after index, and the last one before it.
        let mutable next = index

        while next < text.Length && Char.IsWhiteSpace text.[next] do
            next <- next + 1

        let mutable previous = min index text.Length - 1

        while previous >= 0 && Char.IsWhiteSpace text.[previous] do
            previous <- previous - 1

        let isSemicolon k = k >= 0 && k < text.Length && text.[k] = ';'
        // The output's number: the ';' before the empty place, counted.
        let number = text.Substring(0, max 0 (previous + 1)) |> Seq.filter ((=) ';') |> Seq.length

        if isSemicolon previous && (next >= text.Length || isSemicolon next) then
            Some(
                if next >= text.Length then
                    sprintf "output y%d is empty: the ';' at column %d ends the text with nothing after it; remove that ';' (each ';' separates two outputs), or write y%d after it" number (previous + 1) number
                else
                    sprintf "output y%d is empty: nothing is written between the ';' at column %d and the one at column %d; remove one of them, or write y%d between them" number (previous + 1) (next + 1) number
            )
        elif isSemicolon next && previous < 0 then
            Some(sprintf "output y0 is empty: the text begins with the ';' at column %d; remove it, or write y0 before it" (next + 1))
        else
            None

    /// `plain` for a failed parse, with "the text ends here" when the error is at its end; a typographic
    /// character (x0², −) or an empty output (;;) is named with what to write instead.
    let internal plainError (text: string) (error: ParserError) =
        let index = int error.Position.Index

        match typographic text index, emptyOutput text index with
        | Some what, _
        | None, Some what -> what
        | None, None ->
            let what = plain error.Messages

            if index >= text.TrimEnd().Length && not (what.Contains "the text ends here") then
                what + " (the text ends here)"
            else
                what

    let private failAt kind (text: string) (pos: Position) (what: string) : 'a =
        let line, col = int pos.Line, int pos.Column
        // A text that parses but divides by an exact 0 is no parse error: it is said as what it is, with
        // what to do ("0/0*x0" once read "Parse error …: Division by zero").
        let prefix, what =
            match kind with
            | ErrorKind.NonFinite -> "Constants beyond doubles", what
            | ErrorKind.DivisionByZero ->
                let cause = if what.StartsWith "Division by zero: " then what.Substring 18 else what
                "Division by zero",
                cause.TrimEnd('.')
                + "; the text parses, but this part has no value at any point: rewrite it so that no divisor is exactly 0"
            | _ -> "Parse error", what

        raise (ParseException(kind, describeAs prefix text line col what, line, col))

    // ---- from syntax to expressions ------------------------------------------------------------

    /// The largest number of components one indexed form may expand to.
    [<Literal>]
    let MaxRange = 1_000_000

    /// An index variable bound to its value, with the range and its boundary rule.
    [<NoComparison; NoEquality>]
    type private Binding = { Name: string; Value: int; Range: Range }

    /// The first name in an index expression that is neither the index variable nor a constant.
    let rec private unknownIndexName (variable: string) (ast: Ast) : (string * Position) option =
        let first = List.tryPick (unknownIndexName variable)

        match ast with
        | AName(n, _) when n = variable || n = "pi" || n = "e" -> None
        | AName(n, pos) -> Some(n, pos)
        | ANumber _ -> None
        | ACall(_, args, _) -> first args
        | AIndex(_, index, _) -> unknownIndexName variable index
        | ASum(head, rest) -> first (head :: List.map (fun (_, a, _) -> a) rest)
        | AProduct(head, rest) -> first (head :: List.map (fun (_, a, _) -> a) rest)
        | ANeg(_, a) -> unknownIndexName variable a
        | APower(a, b, _) -> first [ a; b ]

    /// The exact rational a decimal literal writes ("3.14159", "2.5E-3", "1e200"); a literal whose exponent
    /// is beyond ±100,000 (a double reads it as 0 or refuses it) is its double's shortest decimal.
    let private decimalText (s: string) : Rational =
        let e = s.IndexOfAny [| 'e'; 'E' |]
        let mantissa, exponent = if e < 0 then s, "0" else s.Substring(0, e), s.Substring(e + 1)

        match Int32.TryParse(exponent, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) with
        | true, k when abs k <= 100_000 ->
            let point = mantissa.IndexOf '.'
            let digits = mantissa.Replace(".", "")
            let k = if point < 0 then k else k - (mantissa.Length - point - 1)
            let n = BigInteger.Parse((if digits = "" then "0" else digits), CultureInfo.InvariantCulture)
            let ten = BigInteger 10

            if k >= 0 then Rational.OfBig(n * BigInteger.Pow(ten, k))
            else Rational.Create(n, BigInteger.Pow(ten, -k))
        | _ -> Rational.OfDecimal(Double.Parse(s, CultureInfo.InvariantCulture))

    /// `exact`: a decimal literal is the exact rational it writes (3.14159 is 314159/100000), so that the
    /// constants folded with it stay exact (3.14159/9.81 is 314159/981000, not a 17-digit double).
    let rec private build (exact: bool) (text: string) (env: Binding voption) (ast: Ast) : Expr =
        Deep.check ()
        let build = build exact text env

        let guard (pos: Position) f =
            try
                f ()
            with
            | :? ParseException -> reraise ()
            | :? SymbolicException as e when e.Kind <> ErrorKind.TooDeep -> failAt e.Kind text pos e.Message

        match ast with
        | ANumber(s, pos) ->
            if s |> Seq.forall Char.IsDigit then
                if s.Length > MaxDigits then
                    failAt ErrorKind.TooLarge text pos (sprintf "an integer with more than %d digits" MaxDigits)

                Expr.number (Rational.OfBig(BigInteger.Parse(s, CultureInfo.InvariantCulture)))
            else
                let x = Double.Parse(s, CultureInfo.InvariantCulture)

                if Double.IsInfinity x then
                    failAt ErrorKind.NonFinite text pos (sprintf "the number %s is too large for a double" s)

                // A nonzero literal below every double reads as 0 (1e-999): refused as 1e400 is, and not moved
                // silently. A power of ten stays exact. A subnormal (1e-310) is the nearest double, and is kept.
                let mantissa = (match s.IndexOfAny [| 'e'; 'E' |] with
                                | -1 -> s
                                | i -> s.Substring(0, i))

                if x = 0.0 && mantissa |> Seq.exists (fun c -> c >= '1' && c <= '9') then
                    failAt
                        ErrorKind.NonFinite
                        text
                        pos
                        (sprintf
                            "the number %s is too small for a double (nonzero, but below ±4.9E-324, the smallest double, so it reads as 0); write it as an exact power of ten, e.g. %s*10^(%s)"
                            s
                            mantissa
                            (match s.IndexOfAny [| 'e'; 'E' |] with
                             | -1 -> "-308"
                             | i -> s.Substring(i + 1).TrimStart '+'))

                if exact then Expr.number (decimalText s) else Expr.real x
        | AName(n, _) when env.IsSome && env.Value.Name = n -> Expr.ofInt env.Value.Value
        | AIndex(array, index, pos) ->
            let k =
                match (build index).Node with
                | Number q when q.IsInteger && abs q.Num < System.Numerics.BigInteger 1_000_000_000 -> int q.Num
                | Number q when q.IsInteger && env.IsNone ->
                    failAt
                        ErrorKind.TooLarge
                        text
                        pos
                        (sprintf "the index of %s[...] is %s, too large for an index (at most 999,999,999)" array (Infix.format (build index)))
                | Number _
                | Real _ when env.IsNone ->
                    failAt
                        ErrorKind.Parse
                        text
                        pos
                        (sprintf "the index of %s[...] must be a whole number, as in %s[0], not %s" array array (Infix.format (build index)))
                | _ when env.IsNone ->
                    failAt
                        ErrorKind.Parse
                        text
                        pos
                        (sprintf
                            "%s[...] with a variable index needs an index range after the component, e.g. '%s[i+1] - %s[i] for i in 0..9'"
                            array
                            array
                            array)
                | _ ->
                    let b = env.Value
                    // A name other than the index variable cannot be given a value here: say which one and
                    // where, rather than that the index is not a whole number.
                    match unknownIndexName b.Name index with
                    | Some(n, npos) ->
                        failAt
                            ErrorKind.Parse
                            text
                            npos
                            (sprintf
                                "'%s' in the index of %s is not a known name; the index variable is %s (e.g. %s[%s+1])"
                                n
                                array
                                b.Name
                                array
                                b.Name)
                    | None ->
                        failAt
                            ErrorKind.Parse
                            text
                            pos
                            (sprintf "the index of %s must be a whole number; at %s = %d it is not" array b.Name b.Value)

            let outside =
                match env with
                | ValueSome b when k < b.Range.First || k > b.Range.Last -> ValueSome b
                | _ -> ValueNone

            match outside with
            | ValueSome({ Range = { Boundary = Periodic } as r }) ->
                let len = r.Last - r.First + 1
                Expr.symbol (array + string (r.First + (((k - r.First) % len) + len) % len))
            | ValueSome({ Range = { Boundary = Fixed v } }) -> build v
            | _ when k < 0 ->
                let where =
                    match env with
                    | ValueSome b ->
                        sprintf
                            " (at %s = %d); add 'periodic' or 'dirichlet 0' after the range %d..%d to say what lies outside it"
                            b.Name
                            b.Value
                            b.Range.First
                            b.Range.Last
                    | ValueNone -> ""

                failAt ErrorKind.Parse text pos (sprintf "%s[%d] is below index 0%s" array k where)
            | _ -> guard pos (fun () -> Expr.symbol (array + string k))
        | AName("pi", _) -> Expr.pi
        | AName("e", _) -> Expr.e
        | AName(n, pos) -> guard pos (fun () -> Expr.symbol n)
        | ACall(n, args, pos) ->
            let args = args |> List.map build

            // The count refused with the call to write instead: "atan2(y, x)", "sqrt(u)", log's with its base.
            let arity k =
                if args.Length <> k then
                    let form =
                        match n with
                        | "atan2" -> "atan2(y, x)"
                        | "log" -> "log(u), or log(u, base) for another base"
                        | _ -> sprintf "%s(u)" n

                    failAt
                        ErrorKind.Arity
                        text
                        pos
                        (sprintf "%s takes %d argument%s but was given %d: write %s" n k (if k = 1 then "" else "s") args.Length form)

            match n with
            | "sqrt" ->
                arity 1
                Expr.sqrt args.[0]
            | "cbrt" ->
                arity 1
                Expr.cbrt args.[0]
            | "atan2" ->
                arity 2
                Expr.atan2 args.[0] args.[1]
            // Logarithms to bases 10 and 2 are functions of their own (Math.Log10 and Math.Log2 when evaluated,
            // so exact at powers of the base: log10(1000) = 3, where log(1000)/log(10) is 2.9999999999999996),
            // printed as written. log(u, b), the logarithm to base b (as C#'s Math.Log(a, b) is read from a
            // lambda), is one of them for b = 10 or 2 and the natural one divided by log(b) otherwise.
            | "log" when args.Length = 2 -> Expr.logTo args.[1] args.[0]
            | "log10" ->
                arity 1
                Expr.log10 args.[0]
            | "log2" ->
                arity 1
                Expr.log2 args.[0]
            | _ ->
                match functions.TryGetValue n with
                | true, f ->
                    arity 1
                    Expr.apply f args.[0]
                | _ ->
                    failAt
                        ErrorKind.UnknownFunction
                        text
                        pos
                        (match Spelling.Nearest(n, knownFunctionNames) with
                         | null -> sprintf "unknown function '%s' (known functions: %s)" n knownFunctions
                         | near -> sprintf "unknown function '%s' (did you mean '%s'? known functions: %s)" n near knownFunctions)
        // The folding of a sum's or product's constants can overflow (1e300*1e300): the error points at the
        // first operator of that sum or product.
        | ASum(first, rest) ->
            let terms =
                build first
                :: (rest |> List.map (fun (negative, t, _) -> let e = build t in if negative then Expr.neg e else e))

            let (_, _, at) = rest.Head
            guard at (fun () -> Expr.sum terms)
        | AProduct(first, rest) ->
            let factors =
                build first
                :: (rest
                    |> List.map (fun (divide, f, pos) ->
                        let e = build f

                        if divide then
                            guard pos (fun () -> Expr.div Expr.one e)
                        else
                            e))

            let (_, _, at) = rest.Head
            guard at (fun () -> Expr.checkWrittenConstants factors; Expr.mul factors)
        | ANeg(minus, a) ->
            let e = build a
            if minus % 2 = 1 then Expr.neg e else e
        | APower(b, x, pos) ->
            let b = build b
            let x = build x
            guard pos (fun () -> Expr.pow b x)

    /// One component, or the components of an indexed form `body for i in a..b [boundary]` for
    /// i = a, …, b in order, each with where it came from ("i = 3"; null for a plain component).
    let private expand (exact: bool) (text: string) (ast: Ast, range: Range option) : struct (Expr * string)[] =
        match range with
        | None -> [| struct (build exact text ValueNone ast, null) |]
        | Some r ->
            // Indices are ints; a bound beyond ±10⁹ is refused in words (no index of a real problem is near it).
            let number (which: string) (digits: string) (pos: Position) =
                match BigInteger.TryParse(digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) with
                | true, v when BigInteger.Abs v <= BigInteger 1_000_000_000 -> int v
                | _ ->
                    failAt
                        ErrorKind.TooLarge
                        text
                        pos
                        (sprintf
                            "the %s index of the range, %s, is too large: a range may reach at most %d indices, e.g. 'for i in 0..999'"
                            which
                            digits
                            MaxRange)

            let r =
                { r with
                    First = number "first" r.FirstText r.FirstAt
                    Last = number "last" r.LastText r.LastAt }

            if r.Last < r.First then
                failAt
                    ErrorKind.Parse
                    text
                    r.At
                    (sprintf
                        "the range %d..%d is empty (it counts up from %d, and %d is below it); write it first..last with first ≤ last, e.g. %d..%d"
                        r.First
                        r.Last
                        r.First
                        r.Last
                        r.Last
                        r.First)

            match r.Boundary with
            | Fixed v ->
                match unknownIndexName "" v with
                | Some(n, npos) ->
                    failAt
                        ErrorKind.Parse
                        text
                        npos
                        (sprintf
                            "the value after 'dirichlet' must be a number (it is what the boundary holds outside the range), not the name '%s'; e.g. 'dirichlet 0'"
                            n)
                | None -> ()
            | _ -> ()

            if int64 r.Last - int64 r.First + 1L > int64 MaxRange then
                failAt
                    ErrorKind.TooLarge
                    text
                    r.At
                    (sprintf "the range %d..%d has more than %d indices" r.First r.Last MaxRange)

            Array.init (r.Last - r.First + 1) (fun k ->
                struct (build exact text (ValueSome { Name = r.Index; Value = r.First + k; Range = r }) ast,
                        sprintf "%s = %d" r.Index (r.First + k)))

    // ---- constants without a value ---------------------------------------------------------------

    /// The line and column (from 1) of the character at `index` of `text`.
    let private positionOf (text: string) (index: int) =
        let line = 1 + (text.Substring(0, index) |> Seq.filter ((=) '\n') |> Seq.length)
        line, index - (if index = 0 then 0 else text.LastIndexOf('\n', index - 1) + 1) + 1

    /// Whether an AST names nothing (no variable, parameter or index): its value is a number once built.
    let rec private isConstantAst (ast: Ast) =
        match ast with
        | ANumber _ -> true
        | AName(n, _) -> n = "pi" || n = "e"
        | AIndex _ -> false
        | ACall(_, args, _) -> List.forall isConstantAst args
        | ASum(head, rest)
        | AProduct(head, rest) -> isConstantAst head && rest |> List.forall (fun (_, a, _) -> isConstantAst a)
        | ANeg(_, a) -> isConstantAst a
        | APower(a, b, _) -> isConstantAst a && isConstantAst b

    /// The first part of the text (innermost, leftmost) that is a constant outside its function's domain, with
    /// its position and why: log(0), log(-2), sqrt(-1), asin(2), log1p(-1), (-8)^(1/3). Such a part has no real
    /// value at any point; a division by an exact 0 is refused as the text is built.
    let rec private undefinedConstant (text: string) (ast: Ast) : (Position * string) option =
        let inner (asts: Ast list) = List.tryPick (undefinedConstant text) asts

        let value (a: Ast) =
            let e = build false text ValueNone a
            e, Evaluate.at [||] [||] e

        let shown (e: Expr) = Infix.format e

        match ast with
        | ANumber _
        | AName _
        | AIndex _ -> None
        | ANeg(_, a) -> undefinedConstant text a
        | ASum(head, rest)
        | AProduct(head, rest) -> inner (head :: (rest |> List.map (fun (_, a, _) -> a)))
        | ACall(n, args, pos) ->
            match inner args with
            | Some found -> Some found
            | None when args.Length = 1 && isConstantAst args.Head ->
                let e, v = value args.Head

                let need =
                    match n with
                    | "log" | "log10" | "log2" when not (v > 0.0) -> Some(sprintf "%s needs an argument > 0" n, "a positive constant")
                    | "sqrt" when not (v >= 0.0) -> Some("sqrt needs an argument ≥ 0", "a constant ≥ 0")
                    | "asin" | "acos" when not (v >= -1.0 && v <= 1.0) -> Some(sprintf "%s needs an argument between -1 and 1" n, "a constant between -1 and 1")
                    | "log1p" when not (v > -1.0) -> Some("log1p needs an argument > -1", "a constant above -1")
                    | _ -> None

                need
                |> Option.map (fun (why, instead) ->
                    pos,
                    sprintf
                        "%s(%s) has no real value at any point: %s, and %s is not%s; write %s there, or leave the term out"
                        n
                        (shown e)
                        why
                        (shown e)
                        (match e.Node with
                         | Number _
                         | Real _ -> ""
                         | _ -> sprintf " (it is %s)" (v.ToString("G6", CultureInfo.InvariantCulture)))
                        instead)
            | None -> None
        | APower(b, x, pos) ->
            match inner [ b; x ] with
            | Some found -> Some found
            | None when isConstantAst b && isConstantAst x ->
                let eb, vb = value b
                let ex, vx = value x

                // (-8)^(1/3): the real cube root is what was likely meant, and cbrt writes it.
                let cubeRoot =
                    match ex.Node with
                    | Number q when q = Rational.One / Rational.OfInt 3 -> sprintf ", or cbrt(%s) for the real cube root" (shown eb)
                    | _ -> ""

                if vb < 0.0 && Double.IsFinite vx && Math.Floor vx <> vx then
                    Some(
                        pos,
                        sprintf
                            "(%s)^(%s) has no real value at any point: a negative base to a power that is not a whole number (as sqrt(-1)); write a base ≥ 0, or a whole power%s"
                            (shown eb)
                            (shown ex)
                            cubeRoot
                    )
                // 0^-1, 0^(-0.5): a division by zero, said as the other constants without a value are (0^0 is 1).
                elif vb = 0.0 && vx < 0.0 then
                    Some(
                        pos,
                        sprintf
                            "(%s)^(%s) has no real value at any point: 0 to a negative power is a division by zero (as 1/0); write a base ≠ 0, or a power ≥ 0"
                            (shown eb)
                            (shown ex)
                    )
                else
                    None
            | None -> None

    /// Refuses the first constant part of the items without a real value (`undefinedConstant`) at its column.
    let private refuseUndefinedConstants (text: string) (items: (Ast * Range option) list) =
        for (ast, _) in items do
            match undefinedConstant text ast with
            | Some(pos, what) ->
                let line, col = int pos.Line, int pos.Column
                raise (ParseException(ErrorKind.Invalid, describeAs "Undefined constant" text line col what, line, col))
            | None -> ()

    /// Parses one or more expressions separated by ';'. A component may be an indexed form
    /// `x[i+1] - 2*x[i] + x[i-1] for i in 0..63 periodic`, which stands for the components at
    /// i = 0, …, 63 with x[k] the variable xk; after the range, `periodic` wraps indices around it and
    /// `dirichlet v` reads v outside it; without a rule an index below 0 is an error. Each component
    /// comes with where it came from: "i = 3" for one of an indexed form, null for a plain one.
    [<CompiledName("ManyWithOrigins")>]
    let rec manyWithOrigins (text: string) : struct (Expr * string)[] =
        ParseCounter.Tick()
        parseWith false false text

    /// `manyWithOrigins` (uncounted), with decimal literals read as doubles or, when `exact`, as the exact
    /// rationals they write; when `defined`, a constant part without a real value is refused.
    and private parseWith (exact: bool) (defined: bool) (text: string) : struct (Expr * string)[] =
        if isNull text || String.IsNullOrWhiteSpace text then
            raise (ParseException(ErrorKind.Parse, "The input is empty: expected an expression such as x^2 + 1.", 1, 1))

        if text.Length > MaxLength then
            raise (
                ParseException(
                    ErrorKind.TooLarge,
                    sprintf "The input has %d characters; the limit is %d." text.Length MaxLength,
                    1,
                    1
                )
            )

        let go () =
            match runParserOnString input 0 "" text with
            // The grammar reads a last ';' (sepEndBy1); an output after it is missing, as between two ';' (x0;; x1),
            // and is refused alike, as an empty value of a comma-separated list is.
            | Success(_, _, _) when text.TrimEnd().EndsWith ";" ->
                let at = text.TrimEnd().Length - 1
                let line = 1 + (text.Substring(0, at) |> Seq.filter ((=) '\n') |> Seq.length)
                let col = at - (text.LastIndexOf('\n', max 0 (at - 1)) + 1) + 1
                raise (ParseException(ErrorKind.Parse, describe text line col (emptyOutput text (at + 1) |> Option.get), line, col))
            | Success(items, _, _) ->
                if defined then refuseUndefinedConstants text items
                items |> List.toArray |> Array.collect (expand exact text)
            | Failure(_, error, _) ->
                let line, col = int error.Position.Line, int error.Position.Column
                let what = plainError text error
                raise (ParseException(ErrorKind.Parse, describe text line col what, line, col))
        // Short text cannot nest deeply enough to threaten the stack; long text parses on a thread
        // with a large stack.
        if text.Length <= 2000 then
            go ()
        else
            Deep.onLargeStack (fun () -> Deep.run go)

    /// `manyWithOrigins` for text a user wrote as a model: also refuses a constant part that has no real value
    /// (log(0), sqrt(-1), asin(2), (-8)^(1/3); `ErrorKind.Invalid`) at its column, as it is undefined at every
    /// point. Printed expressions read back (a constant such as acos(2) is an opaque term there) use `manyWithOrigins`.
    [<CompiledName("ManyWithOriginsDefined")>]
    let manyWithOriginsDefined (text: string) : struct (Expr * string)[] =
        ParseCounter.Tick()
        parseWith false true text

    /// Parses one or more expressions separated by ';' (see `manyWithOrigins`, whose components these are).
    [<CompiledName("Many")>]
    let many (text: string) : Expr[] =
        manyWithOrigins text |> Array.map (fun struct (e, _) -> e)

    /// The components of `many`, with every decimal literal the exact rational it writes (3.14159 is
    /// 314159/100000) and the constants folded exactly: 3.14159*x0^2/9.81 is 314159/981000*x0^2, where
    /// `many` folds the quotient into the double 0.32024362895005093, whose text no longer shows the
    /// decimals written. For deriving rules in the user's own numbers; a decimal beyond doubles is
    /// refused as `many` refuses it. Raises as `many` does on bad text.
    [<CompiledName("ManyExact")>]
    let manyExact (text: string) : Expr[] =
        parseWith true false text |> Array.map (fun struct (e, _) -> e)

    /// The decimal literals of the text (those with a point or an exponent, not integers), as the exact
    /// positive rationals they write, distinct, in the order written; a literal that is an exponent (the
    /// 1.5 of x^1.5) is left out. [] for text that does not parse.
    [<CompiledName("WrittenDecimals")>]
    let writtenDecimals (text: string) : Rational[] =
        let found = ResizeArray<Rational>()

        match runParserOnString input 0 "" text with
        | Success(items, _, _) ->
            let pending = System.Collections.Generic.Stack<Ast>()

            for (a, _) in List.rev items do
                pending.Push a

            while pending.Count > 0 do
                match pending.Pop() with
                | ANumber(s, _) when not (s |> Seq.forall Char.IsDigit) ->
                    let q = (decimalText s).Abs

                    if not q.IsZero && not q.IsInteger && not (found.Contains q) then
                        found.Add q
                | AName _
                | ANumber _ -> ()
                | AIndex(_, index, _) -> pending.Push index
                | ACall(_, args, _) -> for a in List.rev args do pending.Push a
                | ASum(head, rest) ->
                    for (_, a, _) in List.rev rest do pending.Push a
                    pending.Push head
                | AProduct(head, rest) ->
                    for (_, a, _) in List.rev rest do pending.Push a
                    pending.Push head
                | ANeg(_, a) -> pending.Push a
                | APower(a, b, _) ->
                    match b with
                    | ANumber _
                    | ANeg(_, ANumber _) -> ()
                    | _ -> pending.Push b

                    pending.Push a
        | Failure _ -> ()

        found.ToArray()

    /// Parses exactly one expression.
    [<CompiledName("Expression")>]
    let expression (text: string) : Expr =
        match many text with
        | [| e |] -> e
        | es ->
            raise (
                ParseException(
                    ErrorKind.Parse,
                    sprintf "Expected one expression but found %d separated by ';'." es.Length,
                    1,
                    1
                )
            )

    /// `many` for a user's model (`manyWithOriginsDefined`): a constant part without a real value is refused.
    [<CompiledName("ManyDefined")>]
    let manyDefined (text: string) : Expr[] =
        manyWithOriginsDefined text |> Array.map (fun struct (e, _) -> e)

    /// One expression of a user's model (`manyDefined`), such as a loss or a function, which `what` names with
    /// why it is one ("the loss is one scalar, a function of the outputs"): a ';' in it is refused at its column,
    /// after the part before it is checked, with what to do (remove a last ';', join terms with '+').
    [<CompiledName("Single")>]
    let single (what: string) (text: string) : Expr =
        let at = if isNull text then -1 else text.IndexOf ';'

        if at < 0 then
            match manyDefined text with
            | [| e |] -> e
            | es -> raise (ParseException(ErrorKind.Parse, sprintf "Expected one expression but found %d." es.Length, 1, 1))
        else
            let before, after = text.Substring(0, at), text.Substring(at + 1)
            // An error before the ';' is the first one: said as it is (its columns are the text's).
            if not (String.IsNullOrWhiteSpace before) then manyDefined before |> ignore
            let line, col = positionOf text at

            let why =
                if String.IsNullOrWhiteSpace before then
                    sprintf "%s, and the text begins with the ';' at column %d: remove that ';'" what col
                elif String.IsNullOrWhiteSpace after then
                    sprintf "%s, and the ';' at column %d ends the text with nothing after it (a ';' separates the outputs of a simulator): remove that ';'" what col
                else
                    sprintf "%s, but the ';' at column %d begins another expression after it (a ';' separates the outputs of a simulator): write one expression, e.g. its terms joined with '+'" what col

            raise (ParseException(ErrorKind.Parse, describe text line col why, line, col))

    /// The variable names of the text as written, in the order of `Structure.freeSymbolNames`: those of
    /// the parsed expressions and also those that simplification removed (x in `x^0`, `x - x`), since a
    /// point given for the text has a value for each of them. Raises as `many` does on bad text.
    [<CompiledName("WrittenNames")>]
    let writtenNames (text: string) : string[] =
        let parsed = many text

        let go () =
            let written = ResizeArray<Expr>()

            match runParserOnString input 0 "" text with
            | Success(items, _, _) ->
                let pending = System.Collections.Generic.Stack<Ast>()
                // Indexed forms name their variables through the index (x[i] is x0, x1, …): those come
                // from the parsed expressions; their bound index name is not a variable.
                for (a, range) in items do
                    if range.IsNone then pending.Push a

                while pending.Count > 0 do
                    match pending.Pop() with
                    | AName(n, _) when n <> "pi" && n <> "e" -> written.Add(Expr.symbol n)
                    | AName _
                    | ANumber _
                    | AIndex _ -> ()
                    | ACall(_, args, _) -> for a in args do pending.Push a
                    | ASum(head, rest) ->
                        pending.Push head
                        for (_, a, _) in rest do pending.Push a
                    | AProduct(head, rest) ->
                        pending.Push head
                        for (_, a, _) in rest do pending.Push a
                    | ANeg(_, a) -> pending.Push a
                    | APower(a, b, _) ->
                        pending.Push a
                        pending.Push b
            | Failure _ -> ()

            Structure.freeSymbolNames (Seq.append parsed written)

        if text.Length <= 2000 then
            go ()
        else
            Deep.onLargeStack (fun () -> Deep.run go)
