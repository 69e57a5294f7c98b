namespace PhysGrad.Symbolic

open System

/// The canonical order of expressions: it decides how sums and products are stored, and therefore
/// that `x + y` and `y + x` are the same node. It is a total order defined by structure alone (never
/// by creation order), so printing is the same from run to run.
///
/// The order reads like a polynomial: numbers first, then symbols in natural order (x2 before x10),
/// x before x^2 before y. A non-sum compares with a sum as if it were a one-term sum, a non-product
/// with a product as a one-factor product, a non-power as the power e^1; each level is a
/// lexicographic comparison over an already totally ordered set, which keeps the order transitive.
module Order =

    /// Compares names so that digit runs compare by value: x2 < x10, y0 < y1.
    let naturalCompare (a: string) (b: string) =
        let mutable i = 0
        let mutable j = 0
        let mutable r = 0

        while r = 0 && i < a.Length && j < b.Length do
            if Char.IsDigit a.[i] && Char.IsDigit b.[j] then
                // Compare the digit runs by value in place (no substrings: this runs in every sort).
                while i < a.Length - 1 && a.[i] = '0' && Char.IsDigit a.[i + 1] do
                    i <- i + 1

                while j < b.Length - 1 && b.[j] = '0' && Char.IsDigit b.[j + 1] do
                    j <- j + 1

                let mutable ei = i
                let mutable ej = j

                while ei < a.Length && Char.IsDigit a.[ei] do
                    ei <- ei + 1

                while ej < b.Length && Char.IsDigit b.[ej] do
                    ej <- ej + 1

                r <- compare (ei - i) (ej - j)

                while r = 0 && i < ei do
                    r <- compare a.[i] b.[j]
                    i <- i + 1
                    j <- j + 1

                i <- ei
                j <- ej
            else
                r <- compare a.[i] b.[j]
                i <- i + 1
                j <- j + 1

        if r <> 0 then
            r
        else
            let r = compare (a.Length - i) (b.Length - j)
            if r <> 0 then r else String.CompareOrdinal(a, b)

    let private isNumeric (e: Expr) =
        match e.Node with
        | Number _
        | Real _ -> true
        | _ -> false

    let private numericValue (e: Expr) =
        match e.Node with
        | Number q -> q.ToDouble()
        | Real x -> x
        | _ -> nan

    let private one = lazy (Intern.node (Number Rational.One))

    let rec compareExpr (a: Expr) (b: Expr) : int =
        if Object.ReferenceEquals(a, b) then
            0
        else
            Deep.check ()

            match isNumeric a, isNumeric b with
            | true, true ->
                // Two exact numbers compare exactly (no BigInteger division to a double).
                let r =
                    match a.Node, b.Node with
                    | Number p, Number q -> Rational.Compare(p, q)
                    | _ -> compare (numericValue a) (numericValue b)


                if r <> 0 then
                    r
                else
                    match a.Node, b.Node with
                    | Number p, Number q -> compare p q
                    | Number _, _ -> -1
                    | _, Number _ -> 1
                    | _ -> 0
            | true, false -> -1
            | false, true -> 1
            | false, false ->
                match a.Node, b.Node with
                | Sum xs, Sum ys -> compareFromEnd xs ys
                | Sum xs, _ -> compareManyWithOne xs b
                | _, Sum ys -> compareOneWithMany a ys
                | Product xs, Product ys -> compareFromEnd xs ys
                | Product xs, _ -> compareManyWithOne xs b
                | _, Product ys -> compareOneWithMany a ys
                | Power(ba, ea), Power(bb, eb) -> comparePair ba ea bb eb
                | Power(ba, ea), _ -> comparePair ba ea b one.Value
                | _, Power(bb, eb) -> comparePair a one.Value bb eb
                | _ -> compareAtoms a b

    and private compareFromEnd (xs: Expr[]) (ys: Expr[]) =
        let mutable i = xs.Length - 1
        let mutable j = ys.Length - 1
        let mutable r = 0

        while r = 0 && i >= 0 && j >= 0 do
            r <- compareExpr xs.[i] ys.[j]
            i <- i - 1
            j <- j - 1

        if r <> 0 then r else compare xs.Length ys.Length

    /// compareFromEnd xs [| b |] without allocating the one-element array (this runs in every sort).
    and private compareManyWithOne (xs: Expr[]) (b: Expr) =
        let r = compareExpr xs.[xs.Length - 1] b
        if r <> 0 then r else compare xs.Length 1

    /// compareFromEnd [| a |] ys, likewise.
    and private compareOneWithMany (a: Expr) (ys: Expr[]) =
        let r = compareExpr a ys.[ys.Length - 1]
        if r <> 0 then r else compare 1 ys.Length

    and private comparePair a1 a2 b1 b2 =
        let r = compareExpr a1 b1
        if r <> 0 then r else compareExpr a2 b2

    and private compareAtoms (a: Expr) (b: Expr) =
        let rank (e: Expr) =
            match e.Node with
            | Pi -> 0
            | Symbol _ -> 1
            | Apply _ -> 2
            | Atan2 _ -> 3
            | _ -> 4

        match a.Node, b.Node with
        | Symbol s, Symbol t -> naturalCompare s t
        // The height decides before the arguments do, so that comparing two members of a deeply
        // nested chain (sin(sin(...))) takes one step instead of a walk down the chain.
        | Apply(f, x), Apply(g, y) ->
            let r = compare (int f) (int g)

            if r <> 0 then
                r
            else
                let r = compare a.Height b.Height
                if r <> 0 then r else compareExpr x y
        | Atan2(y1, x1), Atan2(y2, x2) ->
            let r = compare a.Height b.Height
            if r <> 0 then r else comparePair y1 x1 y2 x2
        | _ -> compare (rank a) (rank b)

    /// The canonical order as a comparer, for sorting.
    let comparer =
        { new System.Collections.Generic.IComparer<Expr> with
            member _.Compare(a, b) = compareExpr a b }

    /// The atom that decides a comparison first: the last term of a sum or factor of a product (sums
    /// and products compare from their ends), the base of a power, otherwise the node itself.
    let rec internal lead (e: Expr) =
        match e.Node with
        | Sum xs
        | Product xs -> lead xs.[xs.Length - 1]
        | Power(b, _) -> lead b
        | _ -> e

    /// Below this many elements a sort compares directly; above it, the keyed sort below pays for its
    /// keys.
    [<Literal>]
    let KeyedSortFrom = 24

    /// Sorts into canonical order, as `Array.Sort(items, comparer)` would, with cheaper comparisons for
    /// long arrays (a sum of 2·10⁵ terms compared each pair by walking both terms, several levels deep).
    ///
    /// Why it gives the same order: when two non-numeric expressions a, b have different leads (see
    /// `lead`), compareExpr a b = compareExpr (lead a) (lead b). By induction on height: every case of
    /// compareExpr for non-numeric a, b first compares the children that hold the leads (the last
    /// elements of sums and products, the bases of powers, or a, b themselves for atoms) and returns
    /// that comparison when it is not 0, and distinct expressions never compare 0. (It fails for a
    /// numeric lead under a power, 2^x against 3, since numbers are tested before the structure; such
    /// arrays take the plain sort.) So each element is keyed by the rank of its lead among the
    /// distinct leads (few comparisons of atoms), the array is sorted by rank, and only elements with
    /// the same lead are compared in full. Numbers themselves come before everything else and are
    /// ranked -1. The canonical order is strict and total, so its sorted arrangement is unique and any
    /// correct sort finds the same one.
    let sortCanonical (items: Expr[]) =
        if items.Length < KeyedSortFrom then
            Array.Sort(items, comparer)
        else
            let leads = Array.zeroCreate<Expr> items.Length
            let mutable keyed = true
            let mutable i = 0

            while keyed && i < items.Length do
                let e = items.[i]

                if isNumeric e then
                    leads.[i] <- null
                else
                    let l = lead e
                    if isNumeric l then keyed <- false
                    leads.[i] <- l

                i <- i + 1

            if not keyed then
                Array.Sort(items, comparer)
            else
                // The distinct leads in canonical order, each with its rank.
                let rank = System.Collections.Generic.Dictionary<Expr, int>(ExprIdentity.comparer)

                for l in leads do
                    if not (isNull l) then
                        rank.TryAdd(l, 0) |> ignore

                let distinct = Array.zeroCreate<Expr> rank.Count
                rank.Keys.CopyTo(distinct, 0)
                Array.Sort(distinct, comparer)

                for r in 0 .. distinct.Length - 1 do
                    rank.[distinct.[r]] <- r

                let keys = leads |> Array.map (fun l -> if isNull l then -1 else rank.[l])
                Array.Sort(keys, items)
                // Elements with equal keys (one lead, or the numbers) are ordered in full.
                let mutable a = 0

                while a < items.Length do
                    let mutable b = a + 1

                    while b < items.Length && keys.[b] = keys.[a] do
                        b <- b + 1

                    if b - a > 1 then
                        Array.Sort(items, a, b - a, comparer)

                    a <- b
