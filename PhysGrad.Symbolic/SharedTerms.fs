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

    /// Names the repeated non-trivial subexpressions of `roots`, with names `prefix`1, `prefix`2, ….
    [<CompiledName("Extract")>]
    let extract (prefix: string) (roots: Expr[]) : SharedBlock =
        let order = Structure.postOrder roots
        // How often each node is written out once the named nodes are written only in their own line:
        // parents first, a named node passes 1 to each of its children, an unnamed one its own count.
        let occurrences = Dictionary<Expr, int>(HashIdentity.Reference)
        let named = HashSet<Expr>(HashIdentity.Reference)
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

        let replacements = Dictionary<Expr, Expr>(HashIdentity.Reference)
        let intermediates = ResizeArray<string * Expr>()
        // Children before parents: each definition uses only names defined above it.
        for n in order do
            if named.Contains n then
                let definition = Expr.rebuild n (Expr.children n |> Array.map (Structure.substitute replacements))
                let name = sprintf "%s%d" prefix (intermediates.Count + 1)
                intermediates.Add((name, definition))
                replacements.[n] <- Expr.symbol name

        {
            Intermediates = intermediates.ToArray()
            Results = roots |> Array.map (Structure.substitute replacements)
        }

    /// The expressions again, with every intermediate substituted back (the inverse of `extract`).
    [<CompiledName("Inline")>]
    let inlineAll (block: SharedBlock) : Expr[] =
        let d = Dictionary<Expr, Expr>(HashIdentity.Reference)

        for (name, definition) in block.Intermediates do
            d.[Expr.symbol name] <- Structure.substitute d definition

        block.Results |> Array.map (Structure.substitute d)
