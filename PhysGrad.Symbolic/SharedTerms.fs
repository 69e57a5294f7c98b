namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// A block of expressions written with their repeated subexpressions named once: `t1 = …` lines
/// (in dependency order) and the expressions in terms of t1, t2, ….
type SharedBlock =
    {
        /// The named intermediates, each defined in the earlier ones, the original symbols and numbers.
        Intermediates: (string * Expr)[]
        /// The expressions in terms of the intermediates.
        Results: Expr[]
    }

/// Common-subexpression extraction for printing. Expressions are hash-consed, so a subexpression that
/// is written out more than once is one node reached along several paths; each such node that is
/// worth a name (not a symbol or number, and at least `MinSize` nodes written out) becomes an
/// intermediate. Substituting the intermediates back gives the original expressions exactly (the
/// names are fresh symbols, so nothing else can match them).
[<RequireQualifiedAccess>]
module SharedTerms =

    /// The smallest written-out size of a subexpression that gets a name when it repeats.
    [<Literal>]
    let MinSize = 4L

    /// A prefix p such that no name in `taken` is p followed by digits (t, then u, w, q, tmp).
    [<CompiledName("FreshPrefix")>]
    let freshPrefix (taken: seq<string>) =
        let taken = HashSet<string>(taken)

        let clashes (p: string) =
            taken
            |> Seq.exists (fun n ->
                n.Length > p.Length
                && n.StartsWith(p, StringComparison.Ordinal)
                && n.Substring(p.Length) |> Seq.forall Char.IsDigit)

        [ "t"; "u"; "w"; "q"; "tmp"; "shared" ]
        |> List.tryFind (clashes >> not)
        |> Option.defaultValue "shared_t"

    /// The smallest size of a named line's own definition, written in the other names (t1^2 is 3,
    /// x1 + abs(x1) is 4): a shorter one reads better in place than behind a name.
    [<Literal>]
    let MinOwnSize = 5L

    /// How often each node is written out in the trees of `exprs` (parents pass their count to
    /// each child; saturating), so a name's count is how often it is used.
    let private uses (exprs: Expr[]) =
        let order = Structure.postOrder exprs
        let occurrences = Dictionary<Expr, int64>(ExprIdentity.comparer)
        let count (e: Expr) = match occurrences.TryGetValue e with | true, c -> c | _ -> 0L

        for r in exprs do
            occurrences.[r] <- count r + 1L

        for i in order.Length - 1 .. -1 .. 0 do
            let n = order.[i]
            let c = count n

            for child in Expr.children n do
                occurrences.[child] <- min (Int64.MaxValue / 2L) (count child + c)

        occurrences

    /// Keeps only the names that pay: used at least twice and not trivial in terms of the other
    /// names (own size at least MinOwnSize). The others are written back in place, which may make a
    /// user of theirs pay or not, so this repeats until nothing changes; the names left are numbered
    /// 1, 2, … again in their order.
    let private prune (prefix: string) (block: SharedBlock) : SharedBlock =
        let mutable defs = block.Intermediates |> Array.map (fun (n, d) -> Expr.symbol n, d)
        let mutable results = block.Results
        let mutable changed = true

        while changed do
            let counts = uses (Array.append (defs |> Array.map snd) results)

            let drop =
                defs
                |> Array.filter (fun (n, d) ->
                    let used = match counts.TryGetValue n with | true, c -> c | _ -> 0L
                    used < 2L || Structure.treeSize d < MinOwnSize)

            changed <- drop.Length > 0

            if changed then
                // Definitions use only earlier names: substituting in order resolves chains of dropped names.
                let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)
                let dropped = HashSet<Expr>(drop |> Seq.map fst, ExprIdentity.comparer)
                let kept = ResizeArray<Expr * Expr>()

                for (n, d) in defs do
                    let d' = Structure.substitute replacements d

                    if dropped.Contains n then replacements.[n] <- d' else kept.Add((n, d'))

                defs <- kept.ToArray()
                results <- results |> Array.map (Structure.substitute replacements)

        // Renumber: t1, t2, … without gaps.
        let renames = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        let renamed =
            defs
            |> Array.mapi (fun i (n, d) ->
                let name = sprintf "%s%d" prefix (i + 1)
                let d' = Structure.substitute renames d
                renames.[n] <- Expr.symbol name
                name, d')

        {
            Intermediates = renamed
            Results = results |> Array.map (Structure.substitute renames)
        }

    /// Names the repeated non-trivial subexpressions of `roots`, with names `prefix`1, `prefix`2, ….
    [<CompiledName("Extract")>]
    let extract (prefix: string) (roots: Expr[]) : SharedBlock =
        let order = Structure.postOrder roots
        // How often each node is written out once the named nodes are written only in their own line:
        // parents first, a named node passes 1 to each of its children, an unnamed one its own count.
        let occurrences = Dictionary<Expr, int>(ExprIdentity.comparer)
        let named = HashSet<Expr>(ExprIdentity.comparer)
        let count (e: Expr) = match occurrences.TryGetValue e with | true, c -> c | _ -> 0

        for r in roots do
            occurrences.[r] <- count r + 1

        let worth (e: Expr) =
            match e.Node with
            | Symbol _
            | Number _
            | Real _
            | Pi -> false
            | _ -> Structure.treeSize e >= MinSize

        for i in order.Length - 1 .. -1 .. 0 do
            let n = order.[i]
            let c = count n

            let passed =
                if c >= 2 && worth n then
                    named.Add n |> ignore
                    1
                else
                    c

            for child in Expr.children n do
                // Saturate: a deeply shared graph can be written out astronomically often.
                occurrences.[child] <- int (min (int64 (count child) + int64 passed) (int64 Int32.MaxValue))

        let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let intermediates = ResizeArray<string * Expr>()
        // Children before parents: each definition uses only names defined above it.
        for n in order do
            if named.Contains n then
                let definition = Expr.rebuild n (Expr.children n |> Array.map (Structure.substitute replacements))
                let name = sprintf "%s%d" prefix (intermediates.Count + 1)
                intermediates.Add((name, definition))
                replacements.[n] <- Expr.symbol name

        prune
            prefix
            {
                Intermediates = intermediates.ToArray()
                Results = roots |> Array.map (Structure.substitute replacements)
            }

    /// The expressions again, with every intermediate substituted back (the inverse of `extract`).
    [<CompiledName("Inline")>]
    let inlineAll (block: SharedBlock) : Expr[] =
        let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for (name, definition) in block.Intermediates do
            d.[Expr.symbol name] <- Structure.substitute d definition

        block.Results |> Array.map (Structure.substitute d)
