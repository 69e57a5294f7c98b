namespace PhysGrad.Symbolic

open System
open System.Globalization
open System.Text

/// The rule for variable names (ASCII letters, digits and '_', not beginning with a digit) and what to
/// write instead of a character it refuses: α as alpha, π as pi (the constant), ｘ as x, é as e.
module Names =
    let private greek =
        dict [
            for (letters, word) in
                [ "αΑ", "alpha"; "βΒ", "beta"; "γΓ", "gamma"; "δΔ", "delta"; "εϵΕ", "epsilon"; "ζΖ", "zeta"
                  "ηΗ", "eta"; "θϑΘ", "theta"; "ιΙ", "iota"; "κϰΚ", "kappa"; "λΛ", "lambda"; "μµΜ", "mu"
                  "νΝ", "nu"; "ξΞ", "xi"; "οΟ", "omicron"; "πϖΠ", "pi"; "ρϱΡ", "rho"; "σςΣ", "sigma"
                  "τΤ", "tau"; "υΥ", "upsilon"; "φϕΦ", "phi"; "χΧ", "chi"; "ψΨ", "psi"; "ωΩ", "omega" ] do
                for c in letters -> c, word ]

    // The accented Latin letters (Latin-1 and Latin Extended-A) with their base letter.
    let private accented =
        dict [
            for (letters, plain) in
                [ "ÀÁÂÃÄÅĀĂĄ", 'A'; "àáâãäåāăą", 'a'; "ÇĆĈĊČ", 'C'; "çćĉċč", 'c'; "ĎĐ", 'D'; "ďđ", 'd'
                  "ÈÉÊËĒĔĖĘĚ", 'E'; "èéêëēĕėęě", 'e'; "ĜĞĠĢ", 'G'; "ĝğġģ", 'g'; "ĤĦ", 'H'; "ĥħ", 'h'
                  "ÌÍÎÏĨĪĬĮİ", 'I'; "ìíîïĩīĭįı", 'i'; "Ĵ", 'J'; "ĵ", 'j'; "Ķ", 'K'; "ķ", 'k'; "ĹĻĽĿŁ", 'L'; "ĺļľŀł", 'l'
                  "ÑŃŅŇ", 'N'; "ñńņň", 'n'; "ÒÓÔÕÖØŌŎŐ", 'O'; "òóôõöøōŏő", 'o'; "ŔŖŘ", 'R'; "ŕŗř", 'r'
                  "ŚŜŞŠ", 'S'; "śŝşš", 's'; "ŢŤŦ", 'T'; "ţťŧ", 't'; "ÙÚÛÜŨŪŬŮŰŲ", 'U'; "ùúûüũūŭůűų", 'u'
                  "Ŵ", 'W'; "ŵ", 'w'; "ÝŸŶ", 'Y'; "ýÿŷ", 'y'; "ŹŻŽ", 'Z'; "źżž", 'z' ] do
                for c in letters -> c, plain ]

    let private isAsciiLetter (c: char) = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
    let private isNameChar (c: char) = isAsciiLetter c || (c >= '0' && c <= '9') || c = '_'

    /// Whether `name` is a variable name: an ASCII letter or '_', then ASCII letters, digits or '_'.
    [<CompiledName("IsIdentifier")>]
    let isIdentifier (name: string) =
        not (String.IsNullOrEmpty name)
        && (isAsciiLetter name.[0] || name.[0] = '_')
        && name |> Seq.forall isNameChar

    /// For one written character (a text element: one char or a surrogate pair) that names cannot hold: the
    /// ASCII text to write instead and what the character is, or None when there is no one replacement
    /// (ж, or a symbol that is no letter).
    [<CompiledName("AsciiFor")>]
    let asciiFor (element: string) : (string * string) option =
        // ｘ, 𝑥 (styled and full-width forms) read as their plain letter; then α and é. The CLI runs with invariant
        // globalization, where Normalize leaves every character as it is: the full-width forms and the accented
        // Latin letters are also mapped by hand, so that the hint does not depend on the process's ICU.
        let plain =
            match element.Normalize NormalizationForm.FormKC with
            | same when same = element && element.Length = 1 && element.[0] >= '\uFF01' && element.[0] <= '\uFF5E' ->
                string (char (int element.[0] - 0xFEE0))
            | normal -> normal

        let styled = if plain <> element then "a full-width or styled form of a letter" else ""

        let stripped =
            match plain.Normalize NormalizationForm.FormD |> String.filter (fun c -> CharUnicodeInfo.GetUnicodeCategory c <> UnicodeCategory.NonSpacingMark) with
            | same when same = plain && plain.Length = 1 && accented.ContainsKey plain.[0] -> string accented.[plain.[0]]
            | other -> other

        if plain.Length = 1 && greek.ContainsKey plain.[0] then
            let word = greek.[plain.[0]]

            if word = "pi" then Some("pi", "the Greek letter π (pi is the constant π)")
            else Some(word, sprintf "the Greek letter %s" word)
        elif stripped <> "" && stripped |> Seq.forall isNameChar && stripped <> element then
            Some(stripped, (if styled <> "" && plain = stripped then styled else "a letter with an accent"))
        else
            None

    /// What to write instead of the character at `index` of `text` when it is a letter or digit that is
    /// not ASCII (the sentence for a message), or None for any other character.
    [<CompiledName("CharacterAdvice")>]
    let characterAdvice (text: string) (index: int) : string option =
        if index < 0 || index >= text.Length || int text.[index] < 128 then
            None
        else
            let length = if Char.IsSurrogatePair(text, index) then 2 else 1
            let element = text.Substring(index, length)

            match asciiFor element with
            | Some(ascii, what) ->
                Some(
                    sprintf
                        "'%s' is %s; names are written in ASCII letters, digits and '_': write %s instead"
                        element
                        what
                        ascii
                )
            | None when Char.IsLetterOrDigit(text, index) ->
                Some(
                    sprintf
                        "'%s' is not an ASCII letter; names are written in the letters a-z and A-Z, the digits 0-9 and '_'"
                        element
                )
            | None -> None

    /// Why `name` is not a variable name, with what to write instead, or None when it is one.
    [<CompiledName("Problem")>]
    let problem (name: string) : string option =
        if isIdentifier name then
            None
        elif String.IsNullOrEmpty name then
            Some "a name is empty: write a letter, then letters, digits or '_'"
        else
            match name |> Seq.tryFindIndex (isNameChar >> not) with
            | Some i ->
                // The name with each refused character written in ASCII, when every one has a replacement.
                let elements = StringInfo.GetTextElementEnumerator name
                let rewritten = StringBuilder()
                let mutable whole = true

                while elements.MoveNext() do
                    let e = elements.GetTextElement()

                    if e.Length = 1 && isNameChar e.[0] then rewritten.Append e |> ignore
                    else
                        match asciiFor e with
                        | Some(ascii, _) -> rewritten.Append ascii |> ignore
                        | None -> whole <- false

                let advice = characterAdvice name i |> Option.defaultValue (sprintf "'%c' cannot be part of a name" name.[i])
                let rewritten = rewritten.ToString()

                Some(
                    sprintf "'%s' is not a valid name (character %d): %s%s" name (i + 1) advice
                        (if whole && isIdentifier rewritten && rewritten <> "pi" && rewritten <> "e" && not (advice.EndsWith("write " + rewritten + " instead")) then sprintf " (the name %s)" rewritten else "")
                )
            | None ->
                // Only a first digit is left.
                let letters = name.TrimStart('0', '1', '2', '3', '4', '5', '6', '7', '8', '9')
                let digits = name.Substring(0, name.Length - letters.Length)
                let meant = if letters <> "" && isAsciiLetter letters.[0] then letters + digits else "x" + name

                Some(sprintf "'%s' is not a valid name: a name begins with a letter or '_', not a digit; write e.g. %s" name meant)
