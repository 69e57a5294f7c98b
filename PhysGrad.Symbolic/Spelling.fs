namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// The "did you mean" of every message that names a thing the user misspelt (a function in an expression, a
/// field of a problem file, a method, an option): one rule, so that no hint suggests a name that is not close.
/// Here, below the parser, so that the parser's unknown functions get the same hint as the CLI's names.
[<AbstractClass; Sealed>]
type Spelling =
    /// <summary>The optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of a
    /// substring): insertions, deletions, substitutions and swaps of neighbours, each one edit. Case counts;
    /// callers lower both names first.</summary>
    static member EditDistance(a: string, b: string) : int =
        let d = Array2D.zeroCreate (a.Length + 1) (b.Length + 1)

        for i in 0 .. a.Length do
            d.[i, 0] <- i

        for j in 0 .. b.Length do
            d.[0, j] <- j

        for i in 1 .. a.Length do
            for j in 1 .. b.Length do
                let cost = if a.[i - 1] = b.[j - 1] then 0 else 1
                d.[i, j] <- min (min (d.[i - 1, j] + 1) (d.[i, j - 1] + 1)) (d.[i - 1, j - 1] + cost)

                if i > 1 && j > 1 && a.[i - 1] = b.[j - 2] && a.[i - 2] = b.[j - 1] then
                    d.[i, j] <- min d.[i, j] (d.[i - 2, j - 2] + 1)

        d.[a.Length, b.Length]

    /// <summary>Letters common to both names, counted with multiplicity (the tie-break of <see cref="Nearest"/>).</summary>
    static member SharedLetters(a: string, b: string) : int =
        let left = a |> Seq.countBy id |> dict
        b |> Seq.countBy id |> Seq.sumBy (fun (c, k) -> match left.TryGetValue c with | true, l -> min k l | _ -> 0)

    /// <summary>
    /// The candidate ranked nearest to <paramref name="name"/>, however far: fewest edits (<see cref="EditDistance"/>,
    /// ignoring case), then most letters in common, then the longest common start (a slip is likelier late in a
    /// name: "sinn" is sin typed with a doubled n, not sign with g mistyped), then the first listed. Null only
    /// when there is no candidate. <see cref="Nearest"/> is this ranking with a bound on how far a hint may be.
    /// </summary>
    static member Closest(name: string, candidates: IEnumerable<string>) : string =
        Spelling.Ranked(name, Seq.toArray candidates) |> Option.map fst |> Option.toObj

    static member private Ranked(name: string, listed: string[]) =
        let lower = name.ToLowerInvariant()

        let prefix (c: string) =
            let k = c.ToLowerInvariant()
            let mutable i = 0

            while i < k.Length && i < lower.Length && k.[i] = lower.[i] do
                i <- i + 1

            i

        // A later candidate replaces only a strictly better one, so ties keep the first listed.
        listed
        |> Array.map (fun c ->
            c, (Spelling.EditDistance(lower, c.ToLowerInvariant()), -Spelling.SharedLetters(lower, c.ToLowerInvariant()), -prefix c))
        |> Array.fold
            (fun found (c, key) ->
                match found with
                | Some(_, bestKey) when bestKey <= key -> found
                | _ -> Some(c, key))
            None

    /// <summary>
    /// The candidate nearest to <paramref name="name"/> in edit distance (<see cref="EditDistance"/>, ignoring
    /// case), if it is near: at most a third of the name's length, at least 1 and at most 3 edits, and fewer
    /// edits than the longer of the two has characters (so one letter is never "near" another letter: <c>x</c>
    /// suggests neither <c>k</c> nor anything else of one letter). Ties go to the candidate with more letters in
    /// common, then to the one with the longer common start, then to the first listed. A name of 3 or more letters that is the start or the end of exactly one
    /// candidate is a short form of it ("tex" for latex), however many edits away. Null when no candidate is near.
    /// </summary>
    static member Nearest(name: string, candidates: IEnumerable<string>) : string =
        let lower = name.ToLowerInvariant()
        let listed = Seq.toArray candidates

        let best = Spelling.Ranked(name, listed)

        match best with
        | Some(c, (d, _, _)) when d <= Math.Clamp(name.Length / 3, 1, 3) && d < max name.Length c.Length -> c
        | _ ->
            let part =
                if lower.Length >= 3 then
                    listed
                    |> Array.filter (fun c ->
                        let k = c.ToLowerInvariant()
                        k <> lower && (k.EndsWith lower || k.StartsWith lower))
                    |> Array.truncate 2
                else
                    [||]

            if part.Length = 1 then part.[0] else null
