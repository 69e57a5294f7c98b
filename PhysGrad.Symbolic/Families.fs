namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// <summary>
/// A family of terms of a sum that are one expression (the template) applied at evenly spaced
/// cells: term c is the template with local input j read from variable Start + c·Stride + Offsets[j]
/// and with per-cell constants CellConstants[c·CellParameters.Length …]. A loss Σᵢ g(xᵢ, xᵢ₊₁) is one
/// family of n − 1 cells. Compiled as one loop over the cells (CasADi's <c>map</c>, JAX's <c>vmap</c>),
/// its code does not grow with the number of cells.
/// </summary>
[<Sealed>]
type TermFamily
    internal
    (
        template: Expr,
        locals: string[],
        offsets: int[],
        cellParameters: string[],
        start: int,
        stride: int,
        count: int,
        cellConstants: float[]
    ) =
    /// The term at a cell, in the local inputs (<see cref="Locals"/>) and per-cell constants (<see cref="CellParameters"/>).
    member _.Template = template
    /// The names of the template's local inputs, in the order of <see cref="Offsets"/>.
    member _.Locals = locals
    /// Local input j is variable Start + c·Stride + Offsets[j] at cell c (ascending, the first 0).
    member _.Offsets = offsets
    /// The names of the constants that differ from cell to cell (targets, say); often none.
    member _.CellParameters = cellParameters
    /// The index of the first variable of cell 0.
    member _.Start = start
    /// The distance between the first variables of consecutive cells (at least 1).
    member _.Stride = stride
    /// The number of cells.
    member _.Count = count
    /// The per-cell constants, cell by cell (Count × CellParameters.Length).
    member _.CellConstants = cellConstants

/// <summary>
/// A scalar function split into families of repeated terms and the rest: f = Σ families + Rest,
/// every term of f in exactly one of them.
/// </summary>
[<Sealed>]
type TermFamilies internal (variables: string[], families: TermFamily[], rest: Expr, restTerms: int) =
    /// The variables of f, in the order of the input array.
    member _.Variables = variables
    /// The families found (possibly none).
    member _.Families = families
    /// The sum of the terms that belong to no family (0 when there are none).
    member _.Rest = rest
    /// The number of terms in <see cref="Rest"/>.
    member _.RestTermCount = restTerms
    /// The number of terms covered by the families.
    member _.CellCount = families |> Array.sumBy (fun f -> f.Count)

/// <summary>
/// A family of a vector function's components (a simulator's outputs) that are one template at evenly
/// spaced cells: component OutputStart + c·OutputStride is <see cref="Cells"/>' template at cell c (local
/// input j read from variable Start + c·Stride + Offsets[j], per-cell constants as in a
/// <see cref="TermFamily"/>). The n − 1 residuals 10(xᵢ₊₁ − xᵢ²) of Rosenbrock, or the interior cells
/// of a stencil step, are one such family; J v, Jᵀ w and the sparse Jacobian then run as one loop over
/// the cells.
/// </summary>
[<Sealed>]
type ComponentFamily internal (cells: TermFamily, outputStart: int, outputStride: int) =
    /// The template, its local inputs, the variables of each cell and the per-cell constants.
    member _.Cells = cells
    /// The component (output index) of cell 0.
    member _.OutputStart = outputStart
    /// The distance between the components of consecutive cells (at least 1).
    member _.OutputStride = outputStride
    /// The component of cell c.
    member _.OutputOf(c: int) = outputStart + c * outputStride

/// <summary>
/// A vector function split into families of components and the rest: every component is in exactly one
/// family or in <see cref="RestOutputs"/>.
/// </summary>
[<Sealed>]
type ComponentFamilies internal (variables: string[], components: Expr[], families: ComponentFamily[], restOutputs: int[], restVariables: int[]) =
    /// The variables, in the order of the input array.
    member _.Variables = variables
    /// The components (outputs) of the function, in order.
    member _.Components = components
    /// The families found (possibly none).
    member _.Families = families
    /// The components in no family (ascending indices).
    member _.RestOutputs = restOutputs
    /// The variables the rest components read (ascending indices).
    member _.RestVariables = restVariables
    /// The number of components covered by the families.
    member _.CellCount = families |> Array.sumBy (fun f -> f.Cells.Count)

/// Finding repeated structure in a sum (issue 14, item 5): terms keyed by their shape with the
/// variables numbered relative to the term's first one, grouped, and split into runs whose first
/// variables are evenly spaced.
[<RequireQualifiedAccess>]
module Families =

    let private noConstants: Expr[] = [||]

    /// A family needs at least this many cells: below it a loop saves nothing over straight-line code.
    [<Literal>]
    let MinCells = 16

    /// Terms larger than this (graph nodes) or with more variables stay straight-line code: the key is
    /// built by rewriting the term, and a loop body over many local inputs gains little.
    [<Literal>]
    let MaxTermNodes = 2000

    /// The most variables a family's template may read. 128, not 64: a component of the heat1d-inverse
    /// regularised inverse reads 90 (41 of y, 49 of x₀), and as straight-line code its 4096 components
    /// took 12 s to compile at n = 4096 (as loops, well under a second).
    [<Literal>]
    let MaxLocals = 128

    // Names are made once: sprintf and Expr.symbol per term would dominate the detection at n = 10⁵.
    let private localNames = Array.init MaxLocals (sprintf "loc_%d")
    let private localName (offset: int) =
        if offset < MaxLocals then localNames.[offset] else sprintf "loc_%d" offset

    let private cellName (k: int) = sprintf "cell_%d" k

    let private isConstant (e: Expr) =
        match e.Node with
        | Number _
        | Real _ -> true
        | _ -> false

    let private valueOf (e: Expr) =
        match e.Node with
        | Number q -> q.ToDouble()
        | Real x -> x
        | _ -> nan

    let inline private mix (h: int) (v: int) = (h ^^^ v) * 16777619

    let inline private spread (h: int) =
        let h = (h ^^^ (h >>> 15)) * 0x2c1b3c6d
        h ^^^ (h >>> 12)

    let private cellHash = 0x3c6ef372

    /// A hash of a term's shape that does not change when every variable index is shifted by the
    /// same amount: a variable hashes as its index minus the term's first, an additive constant of a
    /// sum as a placeholder, and the children of sums and products are combined in any order (their
    /// order depends on the variables' names, which do not shift). None for a term that reads a symbol
    /// other than a variable or is larger than MaxTermNodes. A recursive walk, not postOrder: it runs
    /// once per term (postOrder would allocate per term, see Structure.DistinctWalk), and its depth is
    /// bounded because variableReader has already turned away every term of more than MaxTermNodes nodes.
    let private shapeHash (varIndex: Dictionary<string, int>) (first: int) (memo: Dictionary<Expr, int>) (term: Expr) =
        memo.Clear()
        let mutable ok = true

        let rec hash (n: Expr) : int =
            match memo.TryGetValue n with
            | true, h -> h
            | _ ->
                let h =
                    if not ok || memo.Count > MaxTermNodes then
                        ok <- false
                        0
                    else
                        match n.Node with
                        | Symbol name ->
                            match varIndex.TryGetValue name with
                            | true, i -> mix 0x11 (i - first)
                            | _ ->
                                ok <- false
                                0
                        | Number _
                        | Real _
                        | Pi -> n.Hash
                        | Sum ts ->
                            // Every sum has a cell constant (0 where it has no numeric term), so that
                            // a target of 0 in some cells does not change the shape.
                            let mutable acc = cellHash
                            let mutable others = 0

                            for t in ts do
                                if not (isConstant t) then
                                    acc <- acc + spread (hash t)
                                    others <- others + 1

                            mix (mix 0x55 others) acc
                        | Product ts ->
                            let mutable acc = 0

                            for t in ts do
                                acc <- acc + spread (hash t)

                            mix (mix 0x66 ts.Length) acc
                        | Power(a, b) -> mix (mix 0x77 (hash a)) (hash b)
                        | Apply(f, a) -> mix (mix 0x88 (int f)) (hash a)
                        | Atan2(a, b) -> mix (mix 0x99 (hash a)) (hash b)

                memo.[n] <- h
                h

        let h = hash term
        if ok then Some h else None

    /// The reader of the variables a term reads, shared by detect and detectComponents: firstOf term is
    /// the smallest variable index the term reads, with the distinct indices left in indices (unsorted);
    /// −1 when the term reads a symbol that is not a variable, reads no variable or more than MaxLocals,
    /// or has more than MaxTermNodes nodes (it then stays straight-line code). One walker serves every
    /// term, so a term costs no allocation (Structure.DistinctWalk says why that matters at n = 10⁵).
    let private variableReader (varIndex: Dictionary<string, int>) =
        let walk = Structure.DistinctWalk()
        let indices = List<int>()

        // A function value made once: a local function passed as a value is a new closure per call.
        let visit: Expr -> bool =
            fun n ->
                match n.Node with
                | Symbol name ->
                    match varIndex.TryGetValue name with
                    | true, i ->
                        indices.Add i
                        true
                    | _ -> false
                | _ -> true

        let firstOf (term: Expr) =
            indices.Clear()

            if not (walk.Visit(term, MaxTermNodes, visit)) || indices.Count = 0 || indices.Count > MaxLocals then
                -1
            else
                let mutable first = Int32.MaxValue

                for i in indices do
                    first <- min first i

                first

        firstOf, indices

    /// One shape seen so far: the first term of that shape (the representative), its template and
    /// which of its sums hold which cell constant.
    type private Representative =
        { Term: Expr
          First: int
          Offsets: int[]
          Key: Expr
          CellOf: Dictionary<Expr, int>
          Hashes: Dictionary<Expr, int>
          ConstantCount: int
          Members: List<struct (int * int * Expr[])> }

    /// The template of a representative: its variables renamed loc_(index − first) and each additive
    /// constant of an inner sum (where a target sits in (r − t)²) replaced by cell_k, k in order of the
    /// rewrite; with the cell number of each such sum and the constants.
    let private templateOf (varIndex: Dictionary<string, int>) (first: int) (term: Expr) =
        let memo = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let cellOf = Dictionary<Expr, int>(ExprIdentity.comparer)
        let constants = List<Expr>()

        for n in Structure.postOrder [ term ] do
            let r =
                match n.Node with
                | Symbol name -> Expr.symbol (localName (varIndex.[name] - first))
                | Sum ts ->
                    // Every sum gets a cell constant: its numeric term, or 0 (put back as a literal
                    // when it is the same in every cell, so a sum without one costs nothing).
                    cellOf.[n] <- constants.Count
                    constants.Add(match Array.tryFind isConstant ts with
                                  | Some c -> c
                                  | None -> Expr.zero)
                    let cell = Expr.symbol (cellName (constants.Count - 1))
                    Expr.sum (Array.append [| cell |] (ts |> Array.filter (isConstant >> not) |> Array.map (fun t -> memo.[t])))
                | _ -> Structure.rebuildFrom memo n

            memo.[n] <- r

        memo.[term], cellOf, constants.ToArray()

    /// Whether the member term is the representative with every variable index shifted by delta and
    /// (possibly) other additive constants, which are written to constants. The children of sums and
    /// products are paired by their shape hashes; a pairing that fails only misses a family (the term
    /// stays straight-line code), it never accepts a term of another shape.
    let private matches
        (varIndex: Dictionary<string, int>)
        (rep: Representative)
        (memberHashes: Dictionary<Expr, int>)
        (delta: int)
        (pairs: Dictionary<Expr, Expr>)
        (constants: Expr[])
        (term: Expr)
        =
        pairs.Clear()

        let rec iso (r: Expr) (m: Expr) : bool =
            match pairs.TryGetValue r with
            | true, seen -> Object.ReferenceEquals(seen, m)
            | _ ->
                let ok =
                    match r.Node, m.Node with
                    | Symbol a, Symbol b -> varIndex.[b] = varIndex.[a] + delta
                    | (Number _ | Real _ | Pi), _ -> Object.ReferenceEquals(r, m)
                    | Sum rs, Sum ms -> children r rs ms true
                    | Product rs, Product ms -> rs.Length = ms.Length && children r rs ms false
                    | Power(a, b), Power(c, d)
                    | Atan2(a, b), Atan2(c, d) -> iso a c && iso b d
                    | Apply(f, a), Apply(g, b) -> f = g && iso a b
                    | _ -> false

                if ok then
                    pairs.[r] <- m

                ok

        and children (r: Expr) (rs: Expr[]) (ms: Expr[]) (additive: bool) =
            let rc = if additive then Array.tryFindIndex isConstant rs else None
            let mc = if additive then Array.tryFindIndex isConstant ms else None

            if rs.Length - (if rc.IsSome then 1 else 0) <> ms.Length - (if mc.IsSome then 1 else 0) then
                false
            else
                if additive then
                    constants.[rep.CellOf.[r]] <-
                        match mc with
                        | Some j -> ms.[j]
                        | None -> Expr.zero

                let rh (t: Expr) = rep.Hashes.[t]
                let mh (t: Expr) = memberHashes.[t]

                match rs.Length - (if rc.IsSome then 1 else 0) with
                | 1 ->
                    let a = rs.[if rc = Some 0 then 1 else 0]
                    let c = ms.[if mc = Some 0 then 1 else 0]
                    rh a = mh c && iso a c
                | 2 when rc.IsNone && mc.IsNone ->
                    let a, b, c, d = rs.[0], rs.[1], ms.[0], ms.[1]

                    if rh a = mh c && rh b = mh d && rh a <> rh b then iso a c && iso b d
                    elif rh a = mh d && rh b = mh c && rh a <> rh b then iso a d && iso b c
                    else others rs ms additive
                | _ -> others rs ms additive

        and others (rs: Expr[]) (ms: Expr[]) (additive: bool) =
                let rOthers = rs |> Array.filter (fun t -> not (additive && isConstant t))
                let mOthers = ms |> Array.filter (fun t -> not (additive && isConstant t))
                let rSorted = rOthers |> Array.sortBy (fun t -> rep.Hashes.[t])
                let mSorted = mOthers |> Array.sortBy (fun t -> memberHashes.[t])
                Array.forall2 (fun a b -> rep.Hashes.[a] = memberHashes.[b] && iso a b) rSorted mSorted

        iso rep.Term term

    /// Terms grouped by shape, shared by detect and detectComponents: a term joins the first group in
    /// its shape hash's bucket whose representative it matches (shifted, constants aside), or becomes
    /// the representative of a new group.
    type private Groups(varIndex: Dictionary<string, int>) =
        let firstOf, indices = variableReader varIndex
        let buckets = Dictionary<int, List<Representative>>()
        let order = List<Representative>()
        let pairs = Dictionary<Expr, Expr>(ExprIdentity.comparer)
        let mutable memo = Dictionary<Expr, int>(ExprIdentity.comparer)

        /// The groups, in the order of their representatives.
        member _.Order = order

        /// Puts term t (its index among the terms or components) into its group; false when it stays
        /// straight-line code (see variableReader and shapeHash).
        member _.Add(t: int, term: Expr) : bool =
            match firstOf term with
            | -1 -> false
            | first ->
                match shapeHash varIndex first memo term with
                | None -> false
                | Some h ->
                    let bucket =
                        match buckets.TryGetValue h with
                        | true, b -> b
                        | _ ->
                            let b = List<Representative>()
                            buckets.[h] <- b
                            b

                    let mutable found = None
                    let mutable r = 0

                    while found.IsNone && r < bucket.Count do
                        let rep = bucket.[r]
                        let constants = if rep.ConstantCount = 0 then noConstants else Array.zeroCreate rep.ConstantCount

                        if matches varIndex rep memo (first - rep.First) pairs constants term then
                            found <- Some(rep, constants)

                        r <- r + 1

                    match found with
                    | Some(rep, constants) -> rep.Members.Add(struct (first, t, constants))
                    | None ->
                        let key, cellOf, constants = templateOf varIndex first term
                        let offsets = indices |> Seq.map (fun i -> i - first) |> Seq.toArray |> Array.sort

                        let rep =
                            { Term = term
                              First = first
                              Offsets = offsets
                              Key = key
                              CellOf = cellOf
                              Hashes = memo
                              ConstantCount = constants.Length
                              Members = List [ struct (first, t, constants) ] }

                        // The representative keeps its hashes; the next term gets a fresh memo.
                        memo <- Dictionary<Expr, int>(ExprIdentity.comparer)
                        bucket.Add rep
                        order.Add rep

                    true

    /// A group's template at a term's first variable with constants: each cell constant
    /// that varies over the group's members becomes 0, each fixed one keeps its common value. None when
    /// a local input would fall outside the variables.
    let private instantiateWithZeros
        (variables: string[])
        (rep: Representative)
        (fixedValues: Expr[])
        (first: int)
        =
        if first + rep.Offsets.[rep.Offsets.Length - 1] >= variables.Length then
            None
        else
            let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

            for j in rep.Offsets do
                d.[Expr.symbol (localName j)] <- Expr.symbol variables.[first + j]

            for k in 0 .. fixedValues.Length - 1 do
                d.[Expr.symbol (cellName k)] <- fixedValues.[k]

            Some(Structure.substitute d rep.Key)

    /// Moves the members of other groups that are a group's template with its varying constants at 0
    /// (see detect) into that group, with those constants recorded as 0.
    let private absorbSpecialised (variables: string[]) (terms: Expr[]) (order: List<Representative>) =
        let byCount = order |> Seq.sortByDescending (fun r -> r.Members.Count) |> Seq.toArray
        // Each pair of groups costs a substitution; a bound keeps a sum of many small groups linear.
        let budget = ref (64 + 4 * terms.Length)

        for big in byCount do
            if big.Members.Count >= 2 && big.ConstantCount > 0 then
                let struct (_, _, c0) = big.Members.[0]

                let varies k =
                    big.Members |> Seq.exists (fun (struct (_, _, c)) -> not (Object.ReferenceEquals(c.[k], c0.[k])))

                let values = Array.init big.ConstantCount (fun k -> if varies k then Expr.zero else c0.[k])

                // Only worth trying when setting the varying constants to 0 changes something.
                if Array.exists2 (fun (v: Expr) (c: Expr) -> not (Object.ReferenceEquals(v, c))) values c0 then
                    for small in byCount do
                        if budget.Value > 0
                           && not (Object.ReferenceEquals(small, big))
                           && small.Members.Count > 0
                           && small.Offsets = big.Offsets then
                            // Members of one group share a shape; the representative is checked first so
                            // that a group of another kind costs one substitution.
                            let fits (first: int) (term: Expr) =
                                budget.Value <- budget.Value - 1

                                match instantiateWithZeros variables big values first with
                                | Some e -> Object.ReferenceEquals(e, term)
                                | None -> false

                            if fits small.First small.Term then
                                let kept = List<struct (int * int * Expr[])>()

                                for struct (first, t, cs) in small.Members do
                                    if fits first terms.[t] then
                                        big.Members.Add(struct (first, t, values))
                                    else
                                        kept.Add(struct (first, t, cs))

                                small.Members.Clear()
                                small.Members.AddRange kept

    /// Families over the same cells (same first variable, stride and count, such as the two kinds of term
    /// of Rosenbrock's f) fused into one family whose template is their sum: one loop reads each cell's
    /// inputs once and writes its gradient entries once.
    let private fuse (families: seq<TermFamily>) : TermFamily[] =
        let fused = List<TermFamily>()

        for (_, group) in families |> Seq.groupBy (fun f -> struct (f.Start, f.Stride, f.Count)) do
            let members = Seq.toArray group

            if members.Length = 1 then
                fused.Add members.[0]
            else
                let offsets = members |> Array.collect (fun f -> f.Offsets) |> Array.distinct |> Array.sort
                // Cell parameters renamed per member (cell_k of member j becomes cell_j_k).
                let renamed =
                    members
                    |> Array.mapi (fun j f ->
                        let names = f.CellParameters |> Array.map (fun c -> sprintf "%s_%d" c j)
                        let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

                        for k in 0 .. names.Length - 1 do
                            d.[Expr.symbol f.CellParameters.[k]] <- Expr.symbol names.[k]

                        (if d.Count = 0 then f.Template else Structure.substitute d f.Template), names)

                let names = renamed |> Array.collect snd
                let count = members.[0].Count
                let cells = Array.zeroCreate (count * names.Length)
                let mutable column = 0

                for f in members do
                    let w = f.CellParameters.Length

                    for c in 0 .. count - 1 do
                        for k in 0 .. w - 1 do
                            cells.[c * names.Length + column + k] <- f.CellConstants.[c * w + k]

                    column <- column + w

                let f0 = members.[0]

                fused.Add(
                    TermFamily(
                        Expr.sum (renamed |> Array.map fst),
                        offsets |> Array.map localName,
                        offsets,
                        names,
                        f0.Start,
                        f0.Stride,
                        count,
                        cells
                    )
                )

        fused.ToArray()

    /// <summary>
    /// Splits f (a sum; anything else is all rest) into families of at least <see cref="MinCells"/>
    /// terms of one shape whose first variables are evenly spaced, and the rest. A group of terms of
    /// one shape whose first variables are not evenly spaced is cut into its evenly spaced runs; terms
    /// in no long enough run, and terms that read a symbol which is not a variable, stay in the rest.
    /// Every family's terms at its cells equal the original terms (the template is the term with its
    /// variables renamed), so f = Σ families + rest exactly as expressions, up to the order of the sum.
    /// </summary>
    let private detectSum (variables: string[]) (f: Expr) : TermFamilies =
        let terms =
            match f.Node with
            | Sum ts -> ts
            | _ -> [| f |]

        if terms.Length < MinCells then
            TermFamilies(variables, [||], f, terms.Length)
        else
            let varIndex = Dictionary<string, int>(StringComparer.Ordinal)
            variables |> Array.iteri (fun i v -> varIndex.[v] <- i)
            let rest = List<Expr>()
            let groups = Groups varIndex

            for t in 0 .. terms.Length - 1 do
                if not (groups.Add(t, terms.[t])) then
                    rest.Add terms.[t]

            // Specialised cells (issue 14): a cell whose target is 0 is simplified when it is built, so
            // ½(10(x₁ − x₀²) − 0)² arrives as 50(x₁ − x₀²)², another shape than its neighbours', and
            // would cut their run. A term of another group is moved into a group of two or more when that
            // group's template, with its varying cell constants set to 0 and its fixed ones to their
            // common value, shifted to the term's first variable, IS that term (the same hash-consed
            // node): the check is equality of expressions, so no term joins a group it does not equal.
            let order = groups.Order
            absorbSpecialised variables terms order

            let families = List<TermFamily>()

            for rep in order do
                let key = rep.Key
                let members = rep.Members.ToArray()
                // Sorted by first variable (the term index breaks ties, so the order is reproducible).
                // (A comparison function on ints: sorting by a struct-tuple key goes through F#'s generic
                // comparison, which boxes, and cost a second at n = 10⁵.)
                Array.sortInPlaceWith
                    (fun (struct (f1: int, t1: int, _)) (struct (f2: int, t2: int, _)) ->
                        if f1 <> f2 then compare f1 f2 else compare t1 t2)
                    members
                let mutable a = 0

                while a < members.Length do
                    // The longest run from a with evenly spaced first variables (stride ≥ 1).
                    let firstOf k = let struct (b, _, _) = members.[k] in b
                    let mutable e = a + 1

                    if a + 1 < members.Length then
                        let stride = firstOf (a + 1) - firstOf a

                        if stride >= 1 then
                            while e < members.Length && firstOf e - firstOf (e - 1) = stride do
                                e <- e + 1

                    if e - a >= MinCells then
                        let run = members.[a .. e - 1]
                        let constantCount = let struct (_, _, c) = run.[0] in c.Length
                        // Constants equal in every cell are put back as literals; the others are gathered.
                        let varying =
                            [| for k in 0 .. constantCount - 1 do
                                   let struct (_, _, c0) = run.[0]

                                   if run |> Array.exists (fun (struct (_, _, c)) -> not (Object.ReferenceEquals(c.[k], c0.[k]))) then
                                       yield k |]

                        let literal = Dictionary<Expr, Expr>(ExprIdentity.comparer)
                        let struct (_, _, c0) = run.[0]

                        for k in 0 .. constantCount - 1 do
                            if not (Array.contains k varying) then
                                literal.[Expr.symbol (cellName k)] <- c0.[k]

                        let template = if literal.Count = 0 then key else Structure.substitute literal key
                        let cells = Array.zeroCreate (run.Length * varying.Length)

                        run
                        |> Array.iteri (fun c (struct (_, _, cs)) ->
                            for j in 0 .. varying.Length - 1 do
                                cells.[c * varying.Length + j] <- valueOf cs.[varying.[j]])

                        let offsets = rep.Offsets

                        families.Add(
                            TermFamily(
                                template,
                                offsets |> Array.map localName,
                                offsets,
                                varying |> Array.map cellName,
                                firstOf a,
                                (if run.Length > 1 then firstOf (a + 1) - firstOf a else 1),
                                run.Length,
                                cells
                            )
                        )

                        a <- e
                    else
                        let struct (_, t, _) = members.[a]
                        rest.Add terms.[t]
                        a <- a + 1

            TermFamilies(variables, fuse families, Expr.sum rest, rest.Count)

    /// <summary>
    /// Splits f (a sum, or a constant times a sum such as the loss ½Σ rᵢ²; anything else is all rest)
    /// into families of at least <see cref="MinCells"/> terms of one shape whose first variables are
    /// evenly spaced, and the rest. A group of terms of one shape whose first variables are not evenly
    /// spaced is cut into its evenly spaced runs; terms in no long enough run, and terms that read a
    /// symbol which is not a variable, stay in the rest. Every family's terms at its cells equal the
    /// original terms (the template is the term with its variables renamed), so f = Σ families + rest
    /// exactly as expressions, up to the order of the sum; a constant factor c of the whole sum is moved
    /// into every template and the rest (c·Σtᵢ = Σ c·tᵢ, which rounds differently in the last bits).
    /// Without families the rest is f itself.
    /// </summary>
    [<CompiledName("Detect")>]
    let detect (variables: string[]) (f: Expr) : TermFamilies =
        let isNumber (e: Expr) =
            match e.Node with
            | Number _
            | Real _ -> true
            | _ -> false

        let isSum (e: Expr) =
            match e.Node with
            | Sum _ -> true
            | _ -> false

        match f.Node with
        | Product factors when
            (factors |> Array.filter isSum).Length = 1
            && factors |> Array.forall (fun e -> isSum e || isNumber e)
            ->
            let sum = factors |> Array.find isSum
            let c = Expr.mul (factors |> Array.filter isNumber)
            let inner = detectSum variables sum

            if inner.Families.Length = 0 then
                TermFamilies(variables, [||], f, inner.RestTermCount)
            else
                let scaled =
                    inner.Families
                    |> Array.map (fun fam ->
                        TermFamily(
                            Expr.mul2 c fam.Template,
                            fam.Locals,
                            fam.Offsets,
                            fam.CellParameters,
                            fam.Start,
                            fam.Stride,
                            fam.Count,
                            fam.CellConstants
                        ))

                let rest = if inner.RestTermCount = 0 then inner.Rest else Expr.mul2 c inner.Rest
                TermFamilies(variables, scaled, rest, inner.RestTermCount)
        | _ -> detectSum variables f
    /// Splits a vector function's components (a simulator's outputs y = P(x)) into families of at least
    /// <see cref="MinCells"/> components of one shape whose output indices and first variables are both
    /// evenly spaced (strides ≥ 1), and the rest. The shapes are keyed as <see cref="detect"/> keys a sum's
    /// terms (variables relative to the component's first, additive constants as per-cell constants, a
    /// component whose varying constants simplified away joins when it equals the template there); a
    /// group is cut into its runs in the order of the output index. Every family's template at cell c is
    /// component OutputOf(c) with its variables renamed, so the family computes exactly that component.
    /// </summary>
    [<CompiledName("DetectComponents")>]
    let detectComponents (variables: string[]) (fs: Expr[]) : ComponentFamilies =
        let varIndex = Dictionary<string, int>(StringComparer.Ordinal)
        variables |> Array.iteri (fun i v -> varIndex.[v] <- i)

        let rest = List<int>()
        let families = List<ComponentFamily>()

        if fs.Length >= MinCells then
            let groups = Groups varIndex

            for t in 0 .. fs.Length - 1 do
                if not (groups.Add(t, fs.[t])) then
                    rest.Add t

            // A component whose target is 0 is simplified when built: it joins its neighbours' group
            // when it equals their template there (see detect).
            absorbSpecialised variables fs groups.Order

            for rep in groups.Order do
                let members = rep.Members.ToArray()
                // In the order of the output index (unique per component).
                Array.sortInPlaceWith (fun (struct (_, t1: int, _)) (struct (_, t2: int, _)) -> compare t1 t2) members
                let firstOf k = let struct (b, _, _) = members.[k] in b
                let outputOf k = let struct (_, t, _) = members.[k] in t
                let mutable a = 0

                while a < members.Length do
                    // The longest run from a with evenly spaced outputs and evenly spaced first variables.
                    let mutable e = a + 1

                    if a + 1 < members.Length then
                        let stride = firstOf (a + 1) - firstOf a
                        let outputStride = outputOf (a + 1) - outputOf a

                        if stride >= 1 && outputStride >= 1 then
                            while e < members.Length
                                  && firstOf e - firstOf (e - 1) = stride
                                  && outputOf e - outputOf (e - 1) = outputStride do
                                e <- e + 1

                    if e - a >= MinCells then
                        let run = members.[a .. e - 1]
                        let struct (_, _, c0) = run.[0]
                        let constantCount = c0.Length
                        // Constants equal in every cell are put back as literals; the others are gathered.
                        let varying =
                            [| for k in 0 .. constantCount - 1 do
                                   if run |> Array.exists (fun (struct (_, _, c)) -> not (Object.ReferenceEquals(c.[k], c0.[k]))) then
                                       yield k |]

                        let literal = Dictionary<Expr, Expr>(ExprIdentity.comparer)

                        for k in 0 .. constantCount - 1 do
                            if not (Array.contains k varying) then
                                literal.[Expr.symbol (cellName k)] <- c0.[k]

                        let template = if literal.Count = 0 then rep.Key else Structure.substitute literal rep.Key
                        let cells = Array.zeroCreate (run.Length * varying.Length)

                        run
                        |> Array.iteri (fun c (struct (_, _, cs)) ->
                            for j in 0 .. varying.Length - 1 do
                                cells.[c * varying.Length + j] <- valueOf cs.[varying.[j]])

                        let single = run.Length = 1

                        let cellFamily =
                            TermFamily(
                                template,
                                rep.Offsets |> Array.map localName,
                                rep.Offsets,
                                varying |> Array.map cellName,
                                firstOf a,
                                (if single then 1 else firstOf (a + 1) - firstOf a),
                                run.Length,
                                cells
                            )

                        families.Add(ComponentFamily(cellFamily, outputOf a, (if single then 1 else outputOf (a + 1) - outputOf a)))
                        a <- e
                    else
                        rest.Add(outputOf a)
                        a <- a + 1
        else
            for t in 0 .. fs.Length - 1 do
                rest.Add t

        let restOutputs = rest.ToArray() |> Array.sort
        let restVariables = HashSet<int>()

        for t in restOutputs do
            for s in Structure.freeSymbols fs.[t] do
                match s.Node with
                | Symbol name ->
                    match varIndex.TryGetValue name with
                    | true, i -> restVariables.Add i |> ignore
                    | _ -> ()
                | _ -> ()

        ComponentFamilies(variables, fs, families.ToArray(), restOutputs, restVariables |> Seq.toArray |> Array.sort)

    /// <summary>
    /// The families of a composite loss L(P(x)) found without building it: the families of the loss in the
    /// outputs (<see cref="detect"/> over <paramref name="outputs"/>, one family for ½Σ(yᵢ − tᵢ)²) composed with
    /// the simulator's component families (<paramref name="components"/>, <see cref="detectComponents"/>). The
    /// loss cells whose outputs are evenly spaced cells of one component family (consecutive loss cells or not:
    /// a grid's boundary columns) become one family of L(P(x)): its template is the loss template with its input replaced by the component template
    /// (the same hash-consed node as the substituted term with its variables renamed), its cells read the
    /// component family's variables, and its per-cell constants are the loss's (named lcell_k) and the
    /// component's. Every other loss term is substituted (y := P(x)) into the rest. So L(P(x)) = Σ families +
    /// rest, term by term, as <see cref="detect"/> of the substituted loss gives, without the substituted sum
    /// (at n = 10⁵ building it and detecting its families cost more than the rest of the derivation).
    /// None when the loss has no family, a loss family reads more than one output per term, or the composed
    /// families cover fewer loss terms than the rest holds (then detect on the substituted loss).
    /// </summary>
    [<CompiledName("Compose")>]
    let compose (variables: string[]) (outputs: string[]) (loss: Expr) (components: ComponentFamilies) : TermFamilies option =
        if outputs.Length <> components.Components.Length || components.Families.Length = 0 then
            None
        else
            let lossFamilies = detect outputs loss

            if lossFamilies.Families.Length = 0 || lossFamilies.Families |> Array.exists (fun f -> f.Offsets.Length <> 1) then
                None
            else
                let m = outputs.Length
                // The component family of each output (−1: none) and its cell there.
                let familyOf = Array.create m -1
                let cellOf = Array.zeroCreate<int> m

                components.Families
                |> Array.iteri (fun fi cf ->
                    for c in 0 .. cf.Cells.Count - 1 do
                        let o = cf.OutputOf c
                        familyOf.[o] <- fi
                        cellOf.[o] <- c)

                let substitution =
                    lazy
                        (let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

                         for j in 0 .. m - 1 do
                             d.[Expr.symbol outputs.[j]] <- components.Components.[j]

                         d)

                let constant (v: float) =
                    if v = Math.Round v && abs v < 1e15 then Expr.number (Rational.OfBig(Numerics.BigInteger v)) else Expr.real v

                // Loss cell c of family lf with y := P(x): its template at the output, constants as numbers.
                let restTerm (lf: TermFamily) (c: int) =
                    let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)
                    d.[Expr.symbol lf.Locals.[0]] <- components.Components.[lf.Start + c * lf.Stride]
                    let w = lf.CellParameters.Length

                    for k in 0 .. w - 1 do
                        d.[Expr.symbol lf.CellParameters.[k]] <- constant lf.CellConstants.[c * w + k]

                    Structure.substitute d lf.Template

                let rest = List<Expr>()
                let mutable restCells = 0

                if lossFamilies.RestTermCount > 0 then
                    rest.Add(Structure.substitute substitution.Value lossFamilies.Rest)

                let composed = List<TermFamily>()
                let mutable composedCells = 0

                for lf in lossFamilies.Families do
                    let outputAt c = lf.Start + c * lf.Stride
                    // The loss template with its cell constants renamed apart from the component's.
                    let lossNames = lf.CellParameters |> Array.map (fun name -> "l" + name)

                    let renamed =
                        if lossNames.Length = 0 then
                            None
                        else
                            let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

                            for k in 0 .. lossNames.Length - 1 do
                                d.[Expr.symbol lf.CellParameters.[k]] <- Expr.symbol lossNames.[k]

                            Some d

                    // The loss cells grouped by the component family of their output, each group in the order
                    // of the component cells; a run of evenly spaced component cells is one family, whether or
                    // not its loss cells are consecutive. Consecutive runs alone missed every component family
                    // whose outputs are not consecutive (a 2-D grid's boundary columns, output stride 100 at
                    // n = 100²: 736 loss terms went to a straight-line rest, most of each kernel's compile time).
                    let groups = Dictionary<int, List<struct (int * int)>>()
                    let restOf = List<int>()

                    for c in 0 .. lf.Count - 1 do
                        let fa = familyOf.[outputAt c]

                        if fa < 0 then
                            restOf.Add c
                        else
                            match groups.TryGetValue fa with
                            | true, g -> g.Add(struct (cellOf.[outputAt c], c))
                            | _ -> groups.[fa] <- List [ struct (cellOf.[outputAt c], c) ]

                    // (first loss cell, family) so that the families keep the order of their loss cells.
                    let found = List<struct (int * TermFamily)>()

                    for KeyValue(fa, group) in groups do
                        // Component cells are distinct (each output is one loss cell), so the steps are ≥ 1.
                        let members = group.ToArray() |> Array.sortWith (fun (struct (k1, _)) (struct (k2, _)) -> compare k1 k2)
                        let cellAt j = let struct (k, _) = members.[j] in k
                        let lossAt j = let struct (_, c) = members.[j] in c
                        let mutable a = 0

                        while a < members.Length do
                            // The longest run from a of evenly spaced component cells.
                            let mutable e = a + 1

                            if a + 1 < members.Length then
                                let step = cellAt (a + 1) - cellAt a

                                while e < members.Length && cellAt e - cellAt (e - 1) = step do
                                    e <- e + 1

                            if e - a >= MinCells then
                                let cf = components.Families.[fa].Cells
                                let count = e - a
                                let k0 = cellAt a
                                let step = cellAt (a + 1) - k0
                                let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)
                                d.[Expr.symbol lf.Locals.[0]] <- cf.Template

                                match renamed with
                                | Some r ->
                                    for kv in r do
                                        d.[kv.Key] <- kv.Value
                                | None -> ()

                                let template = Structure.substitute d lf.Template
                                let lw, cw = lossNames.Length, cf.CellParameters.Length
                                let width = lw + cw
                                let cells = Array.zeroCreate (count * width)

                                for j in 0 .. count - 1 do
                                    for k in 0 .. lw - 1 do
                                        cells.[j * width + k] <- lf.CellConstants.[lossAt (a + j) * lw + k]

                                    for k in 0 .. cw - 1 do
                                        cells.[j * width + lw + k] <- cf.CellConstants.[(k0 + j * step) * cw + k]

                                found.Add(
                                    struct (lossAt a,
                                            TermFamily(
                                                template,
                                                cf.Locals,
                                                cf.Offsets,
                                                Array.append lossNames cf.CellParameters,
                                                cf.Start + k0 * cf.Stride,
                                                step * cf.Stride,
                                                count,
                                                cells
                                            ))
                                )

                                composedCells <- composedCells + count
                            else
                                for j in a .. e - 1 do
                                    restOf.Add(lossAt j)

                            a <- e

                    for struct (_, f) in found |> Seq.sortBy (fun (struct (c, _)) -> c) do
                        composed.Add f

                    // The rest's terms in the order of their loss cells, as the loss has them.
                    restOf.Sort()

                    for c in restOf do
                        rest.Add(restTerm lf c)

                    restCells <- restCells + restOf.Count

                let restTerms = lossFamilies.RestTermCount + restCells

                if composed.Count = 0 || restTerms > composedCells then
                    None
                else
                    Some(TermFamilies(variables, fuse composed, Expr.sum rest, restTerms))
