namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// Walks over the expression graph. Every walk here is iterative (an explicit stack) and visits each
/// shared node once, so cost follows the graph size, and depth never threatens the call stack.
[<RequireQualifiedAccess>]
module Structure =

    /// All distinct nodes reachable from the roots, children before parents (a topological order).
    [<CompiledName("PostOrder")>]
    let postOrder (roots: seq<Expr>) : Expr[] =
        let seen = HashSet<Expr>(ExprIdentity.comparer)
        let result = List<Expr>()
        let stack = Stack<struct (Expr * bool)>()

        for r in roots do
            stack.Push(struct (r, false))

            while stack.Count > 0 do
                let struct (e, expanded) = stack.Pop()

                if expanded then
                    result.Add e
                elif seen.Add e then
                    stack.Push(struct (e, true))
                    let cs = Expr.children e

                    for i in cs.Length - 1 .. -1 .. 0 do
                        if not (seen.Contains cs.[i]) then
                            stack.Push(struct (cs.[i], false))

        result.ToArray()

    /// <summary>
    /// A walk over the distinct nodes of one expression at a time that keeps its set and stack from walk
    /// to walk, for a caller that walks many small expressions in a row (the terms of a sum, the
    /// components of a simulator). <see cref="postOrder"/> allocates a set, a stack and an array per
    /// call; over the 10⁵ terms of a sum at n = 10⁵ the garbage collections that caused, each scanning the
    /// weakly held intern table, cost seconds. Iterative like every walk here. One walker serves one
    /// caller at a time (its buffers are shared between its walks).
    /// </summary>
    [<Sealed>]
    type internal DistinctWalk() =
        let seen = HashSet<Expr>(ExprIdentity.comparer)
        let stack = Stack<Expr>()

        /// Calls visit once on each distinct node reachable from root (a node before its children) and
        /// stops as soon as visit returns false or more than limit distinct nodes have been reached. True
        /// when every node was visited; which nodes were visited before a stop depends on the order.
        member _.Visit(root: Expr, limit: int, visit: Expr -> bool) : bool =
            seen.Clear()
            stack.Clear()
            stack.Push root
            let mutable ok = true

            while ok && stack.Count > 0 do
                let n = stack.Pop()

                if seen.Add n then
                    if seen.Count > limit || not (visit n) then
                        ok <- false
                    else
                        // The children straight from the node: Expr.children builds an array for a
                        // power, which is the allocation per walk this type exists to avoid.
                        match n.Node with
                        | Sum cs
                        | Product cs ->
                            for i in cs.Length - 1 .. -1 .. 0 do
                                stack.Push cs.[i]
                        | Power(a, b)
                        | Atan2(a, b) ->
                            stack.Push b
                            stack.Push a
                        | Apply(_, a) -> stack.Push a
                        | Number _
                        | Real _
                        | Symbol _
                        | Pi -> ()

            ok

    /// The number of distinct nodes of the graph (what memory and compiled code cost).
    [<CompiledName("GraphSize")>]
    let graphSize (roots: seq<Expr>) = (postOrder roots).Length

    /// The number of nodes of the expression written out as a tree (what printing costs). Saturates
    /// at Int64.MaxValue: a shared graph can stand for an astronomically large tree.
    [<CompiledName("TreeSize")>]
    let treeSize (e: Expr) : int64 =
        let sizes = Dictionary<Expr, int64>(ExprIdentity.comparer)

        for n in postOrder [ e ] do
            let mutable s = 1L

            for c in Expr.children n do
                let cs = sizes.[c]
                s <- if s > Int64.MaxValue - cs then Int64.MaxValue else s + cs

            sizes.[n] <- s

        sizes.[e]

    let private symbolComparer =
        { new IComparer<Expr> with
            member _.Compare(a, b) =
                match a.Node, b.Node with
                | Symbol s, Symbol t -> Order.naturalCompare s t
                | _ -> 0 }

    let private mergeSorted (a: Expr[]) (b: Expr[]) =
        if a.Length = 0 then
            b
        elif b.Length = 0 then
            a
        else
            let r = List<Expr>(a.Length + b.Length)
            let mutable i = 0
            let mutable j = 0

            while i < a.Length || j < b.Length do
                if j = b.Length then
                    r.Add a.[i]
                    i <- i + 1
                elif i = a.Length then
                    r.Add b.[j]
                    j <- j + 1
                else
                    let c = symbolComparer.Compare(a.[i], b.[j])

                    if c < 0 then
                        r.Add a.[i]
                        i <- i + 1
                    elif c > 0 then
                        r.Add b.[j]
                        j <- j + 1
                    else
                        r.Add a.[i]
                        i <- i + 1
                        j <- j + 1

            r.ToArray()

    /// The most symbols (with repeats) a node's children may have for its own to be found by a scan.
    [<Literal>]
    let private SmallSymbolSet = 32

    /// The free symbols of a node whose children have theirs already.
    let private symbolsFromChildren (n: Expr) : Expr[] =
        match n.Node with
        | Symbol _ -> [| n |]
        | _ ->
            match Expr.children n with
            | [||] -> Array.empty
            | [| a |] -> a.freeSymbols
            | [| a; b |] -> mergeSorted a.freeSymbols b.freeSymbols
            | cs ->
                // Many children (a long sum): one sort, not a quadratic chain of merges, of the
                // distinct symbols only (the terms of a chain share most of theirs, and each
                // comparison is a natural string comparison).
                let mutable total = 0

                for c in cs do
                    total <- total + c.freeSymbols.Length

                if total <= SmallSymbolSet then
                    // Few symbols (a heat cell's sum of nine terms of one symbol each): the distinct ones
                    // found by a scan, in the order the set below keeps them (first met first), so the sort
                    // gets the same array; a set per sum was most of checking 10⁵ such components.
                    let all = Array.zeroCreate<Expr> total
                    let mutable count = 0

                    for c in cs do
                        for s in c.freeSymbols do
                            let mutable k = 0

                            while k < count && not (Object.ReferenceEquals(all.[k], s)) do
                                k <- k + 1

                            if k = count then
                                all.[count] <- s
                                count <- count + 1

                    let all = if count = total then all else Array.sub all 0 count
                    Array.Sort(all, symbolComparer)
                    all
                else
                    let distinct = HashSet<Expr>(ExprIdentity.comparer)

                    for c in cs do
                        for s in c.freeSymbols do
                            distinct.Add s |> ignore

                    let all = Array.zeroCreate<Expr> distinct.Count
                    distinct.CopyTo all
                    Array.Sort(all, symbolComparer)
                    all

    /// Fills the cache of a shallow graph by recursion, which allocates nothing (a walk in post order
    /// allocates its set and stack: per expression, that was most of checking 10⁵ small simulator
    /// components). False, with part of the graph filled, where it is deeper than this allows.
    let rec private tryFill (n: Expr) (depth: int) : bool =
        if not (isNull n.freeSymbols) then
            true
        elif depth > 200 then
            false
        else
            let ok =
                match n.Node with
                | Number _
                | Real _
                | Symbol _
                | Pi -> true
                | Sum cs
                | Product cs ->
                    let mutable ok = true
                    let mutable i = 0

                    while ok && i < cs.Length do
                        ok <- tryFill cs.[i] (depth + 1)
                        i <- i + 1

                    ok
                | Power(a, b)
                | Atan2(a, b) -> tryFill a (depth + 1) && tryFill b (depth + 1)
                | Apply(_, a) -> tryFill a (depth + 1)

            if ok then
                n.freeSymbols <- symbolsFromChildren n

            ok

    /// The symbols an expression depends on, in natural order (x2 before x10). Cached per node.
    [<CompiledName("FreeSymbols")>]
    let freeSymbols (e: Expr) : Expr[] =
        if isNull e.freeSymbols && not (tryFill e 0) then
            for n in postOrder [ e ] do
                if isNull n.freeSymbols then
                    n.freeSymbols <- symbolsFromChildren n

        e.freeSymbols

    /// Whether every free symbol of e satisfies `allowed`, without filling e's own cache when it is a sum or
    /// product of nodes whose symbols are known or cheap to find: a traced output (heat2d's cell, a sum of 41
    /// products c·xₖ) would otherwise have its children's symbols merged and sorted (a set and a natural-order
    /// sort per output, about a tenth of building heat2d at 100 × 100) only to be scanned. The answer is that
    /// of scanning `freeSymbols e`; which symbol fails is for the caller to find there, in natural order.
    let allFreeSymbols (allowed: Expr -> bool) (e: Expr) : bool =
        let scan (symbols: Expr[]) =
            let mutable ok = true
            let mutable i = 0

            while ok && i < symbols.Length do
                ok <- allowed symbols.[i]
                i <- i + 1

            ok

        if not (isNull e.freeSymbols) then
            scan e.freeSymbols
        else
            match e.Node with
            | Sum cs
            | Product cs when cs |> Array.forall (fun c -> tryFill c 1) ->
                let mutable ok = true
                let mutable i = 0

                while ok && i < cs.Length do
                    ok <- scan cs.[i].freeSymbols
                    i <- i + 1

                ok
            | _ -> scan (freeSymbols e)

    /// Does e depend on the symbol x?
    [<CompiledName("DependsOn")>]
    let dependsOn (x: Expr) (e: Expr) =
        Array.BinarySearch(freeSymbols e, x, symbolComparer) >= 0

    /// The names of the free symbols of several expressions, in natural order.
    [<CompiledName("FreeSymbolNames")>]
    let freeSymbolNames (es: seq<Expr>) : string[] =
        es
        |> Seq.map freeSymbols
        |> Seq.fold mergeSorted Array.empty
        |> Array.map (fun s ->
            match s.Node with
            | Symbol n -> n
            | _ -> "")

    /// Rewrites a graph from the leaves up: each node is rebuilt from its rewritten children (itself
    /// when it has none), then <paramref name="rewrite"/> is applied to the rebuilt node. Iterative, so
    /// deep expressions do not overflow the stack; a shared subexpression is rewritten once.
    let rewriteBottomUp (rewrite: Expr -> Expr) (e: Expr) : Expr =
        let memo = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for n in postOrder [ e ] do
            let cs = Expr.children n
            let rebuilt = if cs.Length = 0 then n else Expr.rebuild n (cs |> Array.map (fun c -> memo.[c]))
            memo.[n] <- rewrite rebuilt

        memo.[e]

    /// The step of a bottom-up rewrite over <see cref="postOrder"/> (here and in Families): n rebuilt
    /// from its children's images in memo, or n itself when no child changed, so an untouched subgraph
    /// keeps its identity and costs no new node.
    let internal rebuildFrom (memo: Dictionary<Expr, Expr>) (n: Expr) : Expr =
        let cs = Expr.children n

        if cs.Length = 0 then
            n
        else
            let ncs = cs |> Array.map (fun c -> memo.[c])

            if Array.forall2 (fun a b -> Object.ReferenceEquals(a, b)) cs ncs then
                n
            else
                Expr.rebuild n ncs

    /// Replaces subexpressions (typically symbols) by others everywhere, re-simplifying on the way.
    [<CompiledName("Substitute")>]
    let substitute (replacements: IReadOnlyDictionary<Expr, Expr>) (e: Expr) : Expr =
        let memo = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for n in postOrder [ e ] do
            let r =
                match replacements.TryGetValue n with
                | true, v -> v
                | _ -> rebuildFrom memo n

            memo.[n] <- r

        memo.[e]

    /// Substitutes named symbols.
    let substituteNames (pairs: seq<string * Expr>) (e: Expr) =
        let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for (name, v) in pairs do
            d.[Expr.symbol name] <- v

        substitute d e
