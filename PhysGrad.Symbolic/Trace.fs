namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// The exact integers −256 … 256 as expressions, kept once made: traced code writes its integer
/// constants (10·x, 2·u, 1 − x) as doubles on every iteration, and each would otherwise be converted to
/// a BigInteger and looked up in the intern table again. A kept node is the interned one, so the
/// result is the same node either way.
module internal SmallIntegers =
    [<Literal>]
    let Limit = 256

    let private made: Expr[] = Array.zeroCreate (2 * Limit + 1)

    /// The exact integer k, |k| ≤ Limit. A race fills a slot twice with the same interned node.
    let get (k: int) =
        let e = made.[k + Limit]

        if isNull e then
            let e = Expr.ofInt k
            made.[k + Limit] <- e
            e
        else
            e

/// A numeric coefficient as the sum constructor folds it: exact while every value taking part is
/// exact, floating once a floating value takes part (Build.fs's `Num`, mirrored here so that a linear
/// combination can be carried without building nodes; see `Linear`). A floating sum or product calls
/// the constructors' own FloatingFold, so the decimals in traced code fold as in a problem's text.
[<Struct>]
type internal Coefficient =
    | Exact of q: Rational
    | Floating of f: float

module internal Coefficient =
    let zero = Exact Rational.Zero

    let ofExpr (e: Expr) =
        match e.Node with
        | Number q -> ValueSome(Exact q)
        | Real x -> ValueSome(Floating x)
        | _ -> ValueNone

    let toFloat c =
        match c with
        | Exact q -> q.ToDouble()
        | Floating f -> f

    let private exactPart c =
        match c with
        | Exact q -> ValueSome q
        | Floating _ -> ValueNone

    let isZero c =
        match c with
        | Exact q -> q.IsZero
        | Floating f -> f = 0.0

    /// Only the exact 1 vanishes from a product (a floating 1.0 stays, as in `Expr.mul`).
    let isOne c =
        match c with
        | Exact q -> q.IsOne
        | Floating _ -> false

    /// a + b; ValueNone where the constructor would fail (a non-finite result): the caller then takes
    /// the node-building path, which raises the constructor's own error.
    let add a b =
        match a, b with
        | Exact p, Exact q -> ValueSome(Exact(p + q))
        | _ ->
            let r = FloatingFold.add (exactPart a) (toFloat a) (exactPart b) (toFloat b)
            if Double.IsFinite r then ValueSome(Floating r) else ValueNone

    let mul a b =
        match a, b with
        | Exact p, Exact q -> ValueSome(Exact(p * q))
        | _ ->
            let r = FloatingFold.mul (exactPart a) (toFloat a) (exactPart b) (toFloat b)
            if Double.IsFinite r then ValueSome(Floating r) else ValueNone

    let toExpr c =
        match c with
        | Exact q -> Expr.number q
        | Floating f -> Expr.real f

/// The last values made from floating numbers, a `DirectMapped` of 64 slots on the number's bits: a
/// traced scheme uses a few floating constants over and over (r in every cell and step; heat1d's 10⁵
/// cells share the same five coefficients), and making the same value again per use was an allocation,
/// or an intern-table lookup, each time. `make` must be a function of the bits alone; a kept value is
/// what `make` returned for them. One per thread and use.
[<Sealed; AllowNullLiteral>]
type internal FloatKeyed<'T>(make: float -> 'T) =
    let kept = DirectMapped<int64, 'T>(6)

    /// make x, or the value kept for x's bits.
    member _.Get(x: float) : 'T =
        let b = BitConverter.DoubleToInt64Bits x
        let slot = kept.Slot(uint64 b)

        match kept.TryGet(slot, b) with
        | ValueSome v -> v
        | ValueNone ->
            let v = make x
            kept.Set(slot, b, v)
            v

/// The node of a coefficient, a floating one kept per thread (`FloatKeyed`): each term of a traced heat
/// field's sums looked its coefficient up in the intern table again (a node allocated to probe it, the
/// table's lock, a miss in a table of 10⁶ nodes). A kept node is held there, so it is still the one
/// `Expr.real` interns for those bits.
[<Sealed; AbstractClass>]
type internal CoefficientNodes =
    [<ThreadStatic; DefaultValue>]
    static val mutable private reals: FloatKeyed<Expr>

    /// `Coefficient.toExpr c`.
    static member Of(c: Coefficient) : Expr =
        match c with
        | Exact _ -> Coefficient.toExpr c
        | Floating f ->
            if isNull CoefficientNodes.reals then
                CoefficientNodes.reals <- FloatKeyed(fun x -> Expr.real x)

            CoefficientNodes.reals.Get f

/// The positions of a merge's rests by node, in arrays kept per thread and reused by every merge on it
/// (open addressing on the node's structural hash, reference equality). A merge of long operands (a
/// 2-D heat stencil adds five cells of up to 25 terms) made a `Dictionary` per sum: its arrays and their
/// collection were most of the merge's cost. An entry belongs to the current merge only when it carries
/// the merge's stamp, so starting a merge clears nothing. Written by hand because no collection of the
/// base library can be emptied in O(1).
[<Sealed; AllowNullLiteral>]
type internal RestIndex private () =
    // 2 · the most rests a merge puts here (Linear's scratch size), rounded up to a power of two.
    static let capacity = 8192
    let keys = Array.zeroCreate<Expr> capacity
    let positions = Array.zeroCreate<int> capacity
    let stamps = Array.zeroCreate<int> capacity
    let mutable stamp = 0
    let mutable shift = 0

    [<ThreadStatic; DefaultValue>]
    static val mutable private mine: RestIndex

    /// The most rests one merge may index here.
    static member Limit = capacity / 2

    /// This thread's index, emptied, for up to `total` rests (total ≤ Limit). A merge makes no call that
    /// merges again, so one index per thread serves every merge on it.
    static member Empty(total: int) : RestIndex =
        if isNull RestIndex.mine then
            RestIndex.mine <- RestIndex()

        let index = RestIndex.mine

        if index.Stamp = Int32.MaxValue then
            index.Restart()

        index.Start total
        index

    member private _.Stamp = stamp

    member private _.Restart() =
        Array.Clear stamps
        Array.Clear keys
        stamp <- 0

    member private _.Start(total: int) =
        stamp <- stamp + 1
        let mutable bits = 4

        while (1 <<< bits) < 2 * total do
            bits <- bits + 1

        shift <- 32 - bits

    // Fibonacci hashing: the top bits of hash · 2³²/φ, so that hashes alike in their low bits spread.
    member private _.Slot(r: Expr) = int ((uint32 r.Hash * 2654435769u) >>> shift)

    /// The position of r in this merge, or −1.
    member i.Find(r: Expr) : int =
        let mask = (1 <<< (32 - shift)) - 1
        let mutable k = i.Slot r
        let mutable found = -2

        while found = -2 do
            if stamps.[k] <> stamp then found <- -1
            elif Object.ReferenceEquals(keys.[k], r) then found <- positions.[k]
            else k <- (k + 1) &&& mask

        found

    /// Records r at `position`; r must not be in the index yet.
    member i.Add(r: Expr, position: int) =
        let mask = (1 <<< (32 - shift)) - 1
        let mutable k = i.Slot r

        while stamps.[k] = stamp do
            k <- (k + 1) &&& mask

        keys.[k] <- r
        positions.[k] <- position
        stamps.[k] <- stamp

/// A linear combination Σ cᵢ·restᵢ + constant that has not been built into nodes yet: what a traced
/// linear scheme (explicit heat steps, RK4 on a linear system) holds between its operations. Built node
/// by node, each step of such a scheme made every intermediate sum a canonical, interned node (n·k sums,
/// each sorted, with its products and floating constants interned), and almost all of them were thrown
/// away by the next operation: at n = 4096 cells, four heat steps took seconds and hundreds of MB. A
/// `Linear` does the same coefficient arithmetic in the same order (see `Coefficient`) and builds the
/// one sum that is asked for (`Expr`), which is the node the step-by-step path gives.
///
/// Invariant: the rests, coefficients and constant are what the sum constructor reads from the built
/// node (its terms split into coefficient and rest, its number as the constant): every rest is distinct,
/// not a number and not a sum (a multiple of a sum takes the node path, whose rule for it is not repeated
/// here); every coefficient is nonzero; the constant is the exact 0 when there are rests and it is 0.
///
/// A sum or numeric multiple with an operand of more than `Deferral` rests is not carried out: it is kept
/// as the deferred combination Σ kᵢ·operandᵢ (`Parts`, shared nodes of the simulator's own size) and made
/// flat only when its rests are read (`Flatten`, one reverse sweep over the deferred combinations it reaches).
/// An RK4 step on states of k controls otherwise redid the k coefficients a hundred times per step: the
/// oscillators' trace was quadratic in the number of steps (19.5 s and 19.6 GB at 4096 controls), where
/// the simulator's work and its flat result (four sums of a term per control) are linear.
[<Sealed; AllowNullLiteral>]
type internal Linear private (rests0: Expr[], coefficients0: Coefficient[], constant0: Coefficient, parts: struct (Coefficient * Linear)[]) =
    // Null while deferred (`parts` then holds the combination); set once by `Flatten`.
    let mutable rests = rests0
    let mutable coefficients = coefficients0
    let mutable constant = constant0

    [<DefaultValue>]
    val mutable private built: Expr

    // The last sweep that reached this combination and its place in that sweep's order (see `Sweep`).
    [<DefaultValue>]
    val mutable private sweep: int

    [<DefaultValue>]
    val mutable private slot: int

    static let sweepGate = obj ()

    static let naturalOrder =
        { new IComparer<string> with
            member _.Compare(a, b) = Order.naturalCompare a b }

    [<DefaultValue>]
    static val mutable private sweeps: int

    new(rests: Expr[], coefficients: Coefficient[], constant: Coefficient) = Linear(rests, coefficients, constant, null)

    /// Whether the combination is still Σ kᵢ·operandᵢ over `Parts`, its rests not worked out.
    member _.IsDeferred = isNull rests

    /// The deferred combination's parts (coefficient, operand); read only while `IsDeferred`.
    member _.Parts = parts

    member l.Rests =
        if isNull rests then l.Flatten()
        rests

    member l.Coefficients =
        if isNull rests then l.Flatten()
        coefficients

    member l.Constant =
        if isNull rests then l.Flatten()
        constant

    /// Whether the built node has a numeric term (the sum constructor adds it to its constant).
    member l.HasConstant = l.Rests.Length = 0 || not (Coefficient.isZero l.Constant)

    /// The most rests an operand of a sum or numeric multiple may have for the operation to be carried out
    /// at once; with a larger (or deferred) operand the result is deferred. Below it every combination is
    /// carried out as the step-by-step path does it (the node it builds, to the last rounding: the default
    /// sizes of the reference examples, every heat stencil, the oscillators up to their CLI limit of 256
    /// controls); above it the cost of redoing a long combination per operation outweighs keeping it.
    static member Deferral = 256

    /// Whether an operation with this operand is deferred (see `Deferral`).
    member l.Defers = isNull rests || rests.Length > Linear.Deferral

    /// Σ kᵢ·operandᵢ, deferred.
    static member Deferred(parts: struct (Coefficient * Linear)[]) = Linear(null, null, Coefficient.zero, parts)

    /// Works out a deferred combination's rests: the weight of every deferred combination it reaches is
    /// the sum, over the parts that use it, of their weight times their coefficient (parents first, in
    /// reverse of a post-order walk, so a shared state is visited once whatever the number of paths to
    /// it), and each flat operand adds its weight times its coefficients. The work is the deferred graph's
    /// size plus the flat operands' rests. Each flat coefficient is the sum over paths of the products
    /// of the coefficients along them, as the step-by-step path computes it, in another order: equal to
    /// the rounding of the floating operations (exactly equal for exact coefficients).
    member private l.Flatten() =
        // One sweep at a time: the sweep marks the combinations it reaches (`sweep`, `slot`) rather than
        // keeping a table of them, which was a third of the sweep's time.
        lock sweepGate (fun () -> if isNull rests then l.Sweep())

    member private l.Sweep() =
        Linear.sweeps <- Linear.sweeps + 1
        let stamp = Linear.sweeps
        // Post-order over the deferred combinations reachable through deferred parts (explicit stack: a
        // trace of 10⁴ steps is 10⁶ deep). A combination's `slot` is its place in `order`, −1 while open.
        let order = List<Linear>()
        let stack = Stack<struct (Linear * int)>()
        l.sweep <- stamp
        stack.Push(struct (l, 0))

        while stack.Count > 0 do
            let struct (node, i) = stack.Pop()
            let ps = node.Parts

            if i < ps.Length then
                stack.Push(struct (node, i + 1))
                let struct (_, child) = ps.[i]

                if child.IsDeferred && child.sweep <> stamp then
                    child.sweep <- stamp
                    stack.Push(struct (child, 0))
            else
                node.slot <- order.Count
                order.Add node

        let fail () : Coefficient =
            Fail.raiseWith ErrorKind.NonFinite "A coefficient of a traced linear combination is not finite (it overflowed); scale the simulator's values or constants so that its sums stay below 1.8E+308."

        // An unset weight is the default Coefficient (Exact with no rational), as in SumOfAligned.
        let isUnset (c: Coefficient) =
            match c with
            | Exact q -> Object.ReferenceEquals(q, null)
            | Floating _ -> false

        let weights = Array.zeroCreate<Coefficient> order.Count
        weights.[order.Count - 1] <- Exact Rational.One
        let at = Dictionary<Expr, int>(ExprIdentity.comparer)
        let rs = List<Expr>()
        let cs = List<Coefficient>()
        let mutable total = Coefficient.zero
        // Cleared by a sum or product that is not finite: the sweep stops and raises.
        let ok = ref true

        let add (c: Coefficient) (d: Coefficient) =
            if isUnset c then
                d
            else
                match Coefficient.add c d with
                | ValueSome s -> s
                | ValueNone ->
                    ok.Value <- false
                    c

        let mul (a: Coefficient) (b: Coefficient) =
            match Coefficient.mul a b with
            | ValueSome c -> c
            | ValueNone ->
                ok.Value <- false
                a

        let mutable p = order.Count - 1

        while ok.Value && p >= 0 do
            let w = weights.[p]

            for struct (c, child) in order.[p].Parts do
                let wc = mul w c

                if child.IsDeferred then
                    weights.[child.slot] <- add weights.[child.slot] wc
                else
                    let crs = child.Rests
                    let ccs = child.Coefficients

                    for i in 0 .. crs.Length - 1 do
                        let term = mul wc ccs.[i]

                        match at.TryGetValue crs.[i] with
                        | true, j -> cs.[j] <- add cs.[j] term
                        | _ ->
                            at.[crs.[i]] <- rs.Count
                            rs.Add crs.[i]
                            cs.Add term

                    if child.HasConstant then
                        total <- add total (mul wc child.Constant)

            p <- p - 1

        if not ok.Value then
            fail () |> ignore

        match Linear.Kept(rs.ToArray(), cs.ToArray(), rs.Count, total) with
        | null ->
            Fail.raiseWith
                ErrorKind.TooLarge
                (sprintf "A traced sum of %d terms is over the limit of %d. Split the problem." rs.Count Expr.MaxTerms)
        | flat ->
            coefficients <- flat.Coefficients
            constant <- flat.Constant
            rests <- flat.Rests

    /// The term c·rest as the constructors build it (Build.fs's scaleTerm).
    static member Term(c: Coefficient, rest: Expr) =
        if Coefficient.isOne c then
            rest
        else
            match rest.Node with
            // A rest that is itself a product with a coefficient is one kept nested for its constants' range (as scaleTerm).
            | Product fs when not (Expr.isNumeric fs.[0]) -> Intern.node (Product(Array.append [| CoefficientNodes.Of c |] fs))
            | _ -> Intern.node (Product [| CoefficientNodes.Of c; rest |])

    /// The node: the sum of the terms in canonical order, the constant alone when there are no rests.
    /// This is what the sum constructor (Build.fs's sumAll) returns for these terms, by the invariant:
    /// the rests are distinct and not sums, so nothing merges, no multiple of a sum is distributed and
    /// no term is flattened; each term is the one its scaleTerm rebuilds (Term), the nonzero constant
    /// goes last, and one term alone is itself. Its tables, its lists and the second interning of every
    /// term were most of building a traced heat field's 10⁵ sums. The canonical order is strict and
    /// total, so the sorted array is the constructor's whatever the sort.
    member l.Expr =
        if isNull l.built then
            if isNull rests then
                l.Flatten()

            l.built <-
                if rests.Length = 0 then
                    Coefficient.toExpr constant
                else
                    let terms = Array.zeroCreate (rests.Length + (if l.HasConstant then 1 else 0))

                    for i in 0 .. rests.Length - 1 do
                        terms.[i] <- Linear.Term(coefficients.[i], rests.[i])

                    if l.HasConstant then
                        terms.[rests.Length] <- CoefficientNodes.Of constant

                    if terms.Length = 1 then
                        terms.[0]
                    else
                        if not (Linear.SortBySymbols(terms, rests, l.HasConstant)) then
                            Order.sortCanonical terms

                        Intern.node (Sum terms)

        l.built

    /// When every rest is a symbol (a linear scheme's cells), puts `terms` (terms.[i] the term of
    /// rests.[i], then the constant if there is one) in canonical order from the symbols' names alone and
    /// returns true; false leaves `terms` as they were. The canonical order puts
    /// a number first, and compares two terms c·s and d·t (or s, t alone) by their symbols first (a
    /// product compares from its last factor, a symbol with a product as with its last factor), which
    /// differ here, so the symbols' natural order is the terms' order: what `Order.sortCanonical` finds,
    /// without its full comparisons (the 41 terms of a 2-D heat cell took its keyed sort's table each).
    static member private SortBySymbols(terms: Expr[], rests: Expr[], hasConstant: bool) : bool =
        let names = Array.zeroCreate<string> rests.Length
        let mutable symbols = true
        let mutable i = 0

        while symbols && i < rests.Length do
            match rests.[i].Node with
            | Symbol name -> names.[i] <- name
            | _ -> symbols <- false

            i <- i + 1

        if symbols then
            // terms.[i] is the term of rests.[i]; the constant, if any, is last and goes first.
            Array.Sort(names, terms, 0, rests.Length, naturalOrder)

            if hasConstant then
                let constant = terms.[rests.Length]
                Array.Copy(terms, 0, terms, 1, rests.Length)
                terms.[0] <- constant

        symbols

    /// The combination a built node stands for; null when a term's rest is a sum (a multiple of a sum).
    static member Of(e: Expr) : Linear =
        let split (t: Expr) : struct (Coefficient * Expr) =
            match t.Node with
            | Product fs when Expr.isNumeric fs.[0] ->
                let rest =
                    if fs.Length = 2 then
                        fs.[1]
                    else
                        Intern.node (Product(Array.sub fs 1 (fs.Length - 1)))

                struct ((Coefficient.ofExpr fs.[0]).Value, rest)
            | _ -> struct (Exact Rational.One, t)

        let isSum (r: Expr) =
            match r.Node with
            | Sum _ -> true
            | _ -> false

        match e.Node with
        | Number q -> Linear([||], [||], Exact q)
        | Real x -> Linear([||], [||], Floating x)
        | Sum ts ->
            let rests = List<Expr>(ts.Length)
            let cs = List<Coefficient>(ts.Length)
            let mutable constant = Coefficient.zero
            let mutable ok = true

            for t in ts do
                match Coefficient.ofExpr t with
                | ValueSome c -> constant <- c
                | ValueNone ->
                    let struct (c, r) = split t
                    if isSum r then ok <- false
                    rests.Add r
                    cs.Add c

            if ok then
                let l = Linear(rests.ToArray(), cs.ToArray(), constant)
                l.built <- e
                l
            else
                null
        | _ ->
            let struct (c, r) = split e

            if isSum r then
                null
            else
                let l = Linear([| r |], [| c |], Coefficient.zero)
                l.built <- e
                l

    /// The sum of the operands, as the sum constructor folds them (Build.fs's sumAll): like rests'
    /// coefficients added in operand order, the operands' numbers into one constant, zero coefficients
    /// dropped at the end. Null when a coefficient or the constant would not be finite, or the sum
    /// would be over the constructor's term limit (the node path then raises its error).
    static member Sum(operands: Linear[]) : Linear =
        if operands |> Array.exists (fun o -> o.Defers) then
            Linear.Deferred(operands |> Array.map (fun o -> struct (Exact Rational.One, o)))
        else

        let total = operands |> Array.sumBy (fun o -> o.Rests.Length)
        if total = 0 then Linear.SumOfNumbers operands else Linear.SumOfTerms(operands, total)

    /// a + b, as `Sum [| a; b |]`; two numbers are added without the operand array (a traced scheme
    /// run on numbers, the target P(x*) of a reference example, adds only these).
    static member Sum2(a: Linear, b: Linear) : Linear =
        if not (a.Defers || b.Defers) && a.Rests.Length = 0 && b.Rests.Length = 0 then
            match Coefficient.add Coefficient.zero a.Constant with
            | ValueSome c -> Linear.OfConstant(Coefficient.add c b.Constant)
            | ValueNone -> null
        else
            Linear.Sum [| a; b |]

    static member private SumOfTerms(operands: Linear[], total: int) : Linear =
        match Linear.SumOfAligned operands with
        | null -> Linear.SumOfTermsMerged(operands, total)
        | l -> l

    /// The sum when the operands' rests line up with the longest operand's, without the general merge's
    /// arrays (sized for every operand's terms together, then copied to the result's length) or its
    /// table of positions; null when they do not line up (the merge then runs). An operand lines up when
    /// its rests are a prefix of the longest's (the same nodes at the same positions: the oscillators'
    /// RK4 adds states that are sums over the same controls in the same order), or when it has at most
    /// `Few` rests, each found in the longest (looked for from its end) or new (appended in the order
    /// met: the control added to v₂ at each RK4 stage). Before, such an addition of a control to a
    /// state of k controls made a table of the k rests; the oscillators' trace at n = 4096 controls
    /// allocated 58 GB.
    ///
    /// The result is the merge's: each rest's coefficients added in operand order (the first taken as
    /// it is), the constants in operand order, zero coefficients dropped by `Kept`. The rests' order
    /// may differ from the merge's (the longest operand's first): the order of a combination's rests
    /// is not part of its value, and its node is sorted canonically (see `Expr`).
    static member private SumOfAligned(operands: Linear[]) : Linear =
        let mutable longest: Expr[] = null

        for o in operands do
            if isNull longest || o.Rests.Length > longest.Length then
                longest <- o.Rests

        // Per operand, the positions of its rests in the result; null for a prefix of the longest (made
        // at the first operand that is not one: a sum that does not line up allocates nothing here).
        let mutable places: int[][] = null
        let mutable extras: List<Expr> = null
        let mutable ok = true
        let mutable j = 0

        let isPrefix (rs: Expr[]) =
            let mutable i = 0

            while i < rs.Length && Object.ReferenceEquals(rs.[i], longest.[i]) do
                i <- i + 1

            i = rs.Length

        let locate (r: Expr) =
            let mutable k = longest.Length - 1

            while k >= 0 && not (Object.ReferenceEquals(longest.[k], r)) do
                k <- k - 1

            if k >= 0 then
                k
            else
                if isNull extras then
                    extras <- List<Expr>()

                let mutable e = 0

                while e < extras.Count && not (Object.ReferenceEquals(extras.[e], r)) do
                    e <- e + 1

                if e = extras.Count then
                    extras.Add r

                longest.Length + e

        while ok && j < operands.Length do
            let rs = operands.[j].Rests

            if not (Object.ReferenceEquals(rs, longest) || isPrefix rs) then
                if rs.Length > Linear.Few then
                    ok <- false
                else
                    if isNull places then
                        places <- Array.zeroCreate operands.Length

                    places.[j] <- Array.map locate rs

            j <- j + 1

        if not ok then
            null
        else
            let rests = if isNull extras then longest else Array.append longest (extras.ToArray())
            // An unfilled slot is the default Coefficient (Exact with no rational): no rest's
            // coefficient, since every Exact coefficient holds one.
            let cs = Array.zeroCreate<Coefficient> rests.Length

            let isUnfilled (c: Coefficient) =
                match c with
                | Exact q -> Object.ReferenceEquals(q, null)
                | Floating _ -> false

            let mutable constant = Coefficient.zero
            j <- 0

            while ok && j < operands.Length do
                let o = operands.[j]

                if o.HasConstant then
                    match Coefficient.add constant o.Constant with
                    | ValueSome c -> constant <- c
                    | ValueNone -> ok <- false

                let ocs = o.Coefficients
                let at = if isNull places then null else places.[j]
                let mutable i = 0

                while ok && i < ocs.Length do
                    let p = if isNull at then i else at.[i]

                    if isUnfilled cs.[p] then
                        cs.[p] <- ocs.[i]
                    else
                        match Coefficient.add cs.[p] ocs.[i] with
                        | ValueSome c -> cs.[p] <- c
                        | ValueNone -> ok <- false

                    i <- i + 1

                j <- j + 1

            if not ok then null else Linear.Kept(rests, cs, rests.Length, constant)

    /// The most rests an operand that is not a prefix of the longest may have on the aligned path (each
    /// is looked for by a scan of the longest's rests).
    static member private Few = 4

    static member private SumOfTermsMerged(operands: Linear[], total: int) : Linear =
        // The merge fills arrays of the largest size the sum can have (every rest distinct) up to
        // `count`, and the result takes a copy of exactly its terms. The arrays are this thread's scratch
        // when the sum is not large: in a heat stencil most sums merge (u_{i+1} − 2u_i shares all but one
        // rest), so arrays of every operand's terms together were made for a copy of about half that size.
        let scratch = total <= Linear.ScratchSize
        let struct (rests, cs) =
            if scratch then Linear.Scratch total
            else struct (Array.zeroCreate<Expr> total, Array.zeroCreate<Coefficient> total)
        let mutable count = 0
        // A rest is first looked for at its own position (operands whose rests line up, as the
        // oscillators' states, each a sum over the same controls in the same order, meet there: no
        // search). Otherwise a small sum scans (reference comparisons, no allocation) and a long one
        // looks it up in a table, made at the first such miss from the rests so far. A heat step adds
        // three cells of up to 2k + 1 terms each (21 at k = 3): a table per such sum was most of the
        // bytes a traced heat step allocated; the table is this thread's `RestIndex` (a `Dictionary`
        // only past its limit). The rests are distinct, so wherever a rest is found is its one place.
        let mutable index: Dictionary<Expr, int> = null
        // This thread's index in place of `index` when the sum fits it (see RestIndex).
        let mutable shared: RestIndex = null

        let mutable constant = Coefficient.zero
        let mutable ok = true

        for o in operands do
            if ok && o.HasConstant then
                match Coefficient.add constant o.Constant with
                | ValueSome c -> constant <- c
                | ValueNone -> ok <- false

            let ors = o.Rests
            let ocs = o.Coefficients
            let mutable i = 0

            // The first operand with rests meets none before it, and its own are distinct: copied.
            if count = 0 then
                Array.blit ors 0 rests 0 ors.Length
                Array.blit ocs 0 cs 0 ocs.Length
                count <- ors.Length
                i <- ors.Length

            while ok && i < ors.Length do
                let r = ors.[i]

                let at =
                    if i < count && Object.ReferenceEquals(rests.[i], r) then
                        i
                    elif total <= 32 then
                        let mutable k = 0

                        while k < count && not (Object.ReferenceEquals(rests.[k], r)) do
                            k <- k + 1

                        if k < count then k else -1
                    elif total <= RestIndex.Limit then
                        if isNull shared then
                            shared <- RestIndex.Empty total

                            for k in 0 .. count - 1 do
                                shared.Add(rests.[k], k)

                        shared.Find r
                    else
                        if isNull index then
                            index <- Dictionary<Expr, int>(total, ExprIdentity.comparer)

                            for k in 0 .. count - 1 do
                                index.[rests.[k]] <- k

                        match index.TryGetValue r with
                        | true, k -> k
                        | _ -> -1

                if at >= 0 then
                    match Coefficient.add cs.[at] ocs.[i] with
                    | ValueSome c -> cs.[at] <- c
                    | ValueNone -> ok <- false
                else
                    if not (isNull index) then
                        index.[r] <- count
                    elif not (isNull shared) then
                        shared.Add(r, count)

                    rests.[count] <- r
                    cs.[count] <- ocs.[i]
                    count <- count + 1

                i <- i + 1

        if not ok then
            null
        elif scratch then
            // Kept keeps arrays whose length is the count of terms: never the scratch itself.
            Linear.Kept(Array.sub rests 0 count, Array.sub cs 0 count, count, constant)
        else
            Linear.Kept(rests, cs, count, constant)

    /// The most terms a merge fills in this thread's scratch arrays (see `Scratch`); a larger sum
    /// allocates its own.
    static member private ScratchSize = 4096

    [<ThreadStatic; DefaultValue>]
    static val mutable private scratchRests: Expr[]

    [<ThreadStatic; DefaultValue>]
    static val mutable private scratchCoefficients: Coefficient[]

    /// This thread's scratch arrays for a merge of `total` terms (at most `ScratchSize`), cleared. A merge
    /// makes no call that merges again, so one pair per thread serves every merge on it.
    static member private Scratch(total: int) : struct (Expr[] * Coefficient[]) =
        if isNull Linear.scratchRests || Linear.scratchRests.Length < total then
            let size = min Linear.ScratchSize (max total (2 * (if isNull Linear.scratchRests then 32 else Linear.scratchRests.Length)))
            Linear.scratchRests <- Array.zeroCreate size
            Linear.scratchCoefficients <- Array.zeroCreate size
        else
            Array.Clear(Linear.scratchRests, 0, total)
            Array.Clear(Linear.scratchCoefficients, 0, total)

        struct (Linear.scratchRests, Linear.scratchCoefficients)

    /// The sum of operands that are all numbers, as `Sum` folds them (their constants added in operand
    /// order, a lone constant kept as `Kept` leaves it) without its lists: a traced scheme run on numbers
    /// (the target P(x*) of a reference example) adds only these. Null when the sum is not finite.
    static member private SumOfNumbers(operands: Linear[]) : Linear =
        let mutable constant = ValueSome Coefficient.zero
        let mutable i = 0

        while constant.IsSome && i < operands.Length do
            constant <- Coefficient.add constant.Value operands.[i].Constant
            i <- i + 1

        Linear.OfConstant constant

    /// The number a sum of numbers folded to (a zero kept as 0.0, as `Expr.real` stores −0.0); null when
    /// it was not finite.
    static member private OfConstant(constant: Coefficient voption) : Linear =
        match constant with
        | ValueNone -> null
        | ValueSome(Floating f) when f = 0.0 -> Linear.Number(Floating 0.0)
        | ValueSome c -> Linear.Number c

    /// The combination of no rests whose constant is c.
    static member Number(c: Coefficient) =
        Linear(Array.Empty<Expr>(), Array.Empty<Coefficient>(), c)

    /// k times the combination, as Scalar.Times builds it: each term's coefficient multiplied (the
    /// product constructor folds k·c and keeps the rest, a canonical factor or product), the constant
    /// likewise. Null where a product is 0 or not finite (the constructors' zero and error rules are
    /// left to the node path).
    static member Scale(k: Coefficient, a: Linear) : Linear =
        if a.Defers && not (Coefficient.isZero k) then
            Linear.Deferred [| struct (k, a) |]
        else

        let rs = a.Rests
        let cs = if rs.Length = 0 then Array.Empty<Coefficient>() else Array.zeroCreate rs.Length
        let mutable ok = not (Coefficient.isZero k)
        let mutable i = 0

        while ok && i < rs.Length do
            match Coefficient.mul k a.Coefficients.[i] with
            | ValueSome c when not (Coefficient.isZero c) -> cs.[i] <- c
            | _ -> ok <- false

            i <- i + 1

        let constant =
            if ok && a.HasConstant then
                match Coefficient.mul k a.Constant with
                | ValueSome c when not (Coefficient.isZero c) ->
                    // In a sum the product joins the constant as 0 + k·c, which is k·c (nonzero).
                    c
                | _ ->
                    ok <- false
                    Coefficient.zero
            else
                Coefficient.zero

        if ok then Linear(rs, cs, constant) else null

    /// Drops zero coefficients and restores the invariant (a zero constant beside rests is the exact 0;
    /// a lone constant is kept as the constructor leaves it, −0.0 read as 0.0 as `Expr.real` stores it).
    /// The first `filled` entries of `rests` and `cs` are the terms; the arrays are kept when they are
    /// exactly the terms (none zero, none unfilled), else copied.
    static member private Kept(rests: Expr[], cs: Coefficient[], filled: int, constant: Coefficient) : Linear =
        let mutable zeros = 0

        for i in 0 .. filled - 1 do
            if Coefficient.isZero cs.[i] then
                zeros <- zeros + 1

        let count = filled - zeros

        if count > Expr.MaxTerms - 1 then
            null
        else
            let rs, ks =
                if count = rests.Length then
                    rests, cs
                else
                    let rs = Array.zeroCreate count
                    let ks = Array.zeroCreate count
                    let mutable j = 0

                    for i in 0 .. filled - 1 do
                        if not (Coefficient.isZero cs.[i]) then
                            rs.[j] <- rests.[i]
                            ks.[j] <- cs.[i]
                            j <- j + 1

                    rs, ks

            let constant =
                if count > 0 && Coefficient.isZero constant then Coefficient.zero
                else
                    match constant with
                    | Floating f when f = 0.0 -> Floating 0.0
                    | c -> c

            Linear(rs, ks, constant)

/// The exact integers −256 … 256 as combinations of no rests, kept once made (as `SmallIntegers`): the
/// constant operands of traced arithmetic (2·u, 1 − x) then need no combination made per operation.
module internal SmallLinears =
    let private made: Linear[] = Array.zeroCreate (2 * SmallIntegers.Limit + 1)

    /// The exact integer k, |k| ≤ SmallIntegers.Limit, whose node is `SmallIntegers.get k`.
    let get (k: int) =
        let l = made.[k + SmallIntegers.Limit]

        if isNull l then
            let l = Linear.Of(SmallIntegers.get k)
            made.[k + SmallIntegers.Limit] <- l
            l
        else
            l

/// Floating constants rounded to some significant digits, kept per thread: a traced scheme's outputs share
/// a few coefficients (heat1d's 10⁵ cells the same nine), and each rounding prints and parses its value.
/// Bounded: emptied when full, so a program of many distinct constants holds at most `Limit` of them.
[<Sealed; AbstractClass>]
type internal RoundedConstants =
    [<ThreadStatic; DefaultValue>]
    static val mutable private table: Dictionary<struct (float * int), Expr>

    static member Limit = 4096

    /// round (x, digits), looked up first.
    static member Get(x: float, digits: int, round: float * int -> Expr) : Expr =
        if isNull RoundedConstants.table then
            RoundedConstants.table <- Dictionary<struct (float * int), Expr>()

        let t = RoundedConstants.table
        let key = struct (x, digits)

        match t.TryGetValue key with
        | true, e -> e
        | _ ->
            let e = round (x, digits)

            if t.Count >= RoundedConstants.Limit then
                t.Clear()

            t.[key] <- e
            e

/// A symbolic scalar for writing a simulator as ordinary code with loops (CasADi's SX is the model):
/// every operation builds the hash-consed expression through the `Expr` constructors, so running the
/// code once on symbols traces it into a graph. Arithmetic mixes freely with `double` (and, through
/// the implicit conversion, `int`); the elementary functions are static members (`Scalar.Sin(x)`),
/// which F#'s `sin`, `exp`, `sqrt`, `**` and friends find by name. There is deliberately no comparison:
/// a traced program has one path, so a branch on a value cannot be recorded (use `Abs`, `Sign` or a
/// smooth function instead).
///
/// One difference from parsed text: a number times a sum is distributed (c·(a + b) = c·a + c·b, also
/// for −(a + b) and (a + b)/c). A linear scheme such as an explicit heat step then keeps each cell's
/// state after k steps as one sum of at most 2k + 1 terms instead of a nest whose written-out (tree)
/// size grows like 3^k; text written in the expanded form gives the identical expression.
///
/// A result of +, − and × or ÷ by a number is carried as a linear combination and built into its sum only
/// when `Expr` is asked for (see `Linear`): a linear scheme then builds each output once, not every
/// intermediate sum. The expression is the node the operations would have built one by one; past 256
/// terms a combination is worked out in one sweep at the end (see `Linear.Deferral`), whose floating
/// coefficients equal the one-by-one ones to rounding (exact ones exactly).
///
/// `default(Scalar)` (an unfilled array slot) is the number 0.
[<Struct; CustomEquality; NoComparison>]
type Scalar =
    val private e: Expr
    // A result of +, − and numeric ×, ÷ not built yet (see `Linear`); null for a built expression.
    val private l: Linear

    [<ThreadStatic; DefaultValue>]
    static val mutable private numbers: FloatKeyed<Linear>

    /// The scalar standing for an expression.
    new(expr: Expr) =
        if isNull expr then
            nullArg "expr"

        { e = expr; l = null }

    internal new(linear: Linear) = { e = null; l = linear }

    /// The expression (0 for `default(Scalar)`).
    member s.Expr =
        if not (isNull s.l) then s.l.Expr
        elif isNull s.e then Expr.zero
        else s.e

    /// The scalar as a linear combination; null when its node holds a multiple of a sum.
    member internal s.Linear: Linear =
        if not (isNull s.l) then s.l else Linear.Of s.Expr

    /// The scalar as a number (a combination with no rests), if it is one.
    member internal s.Number: Coefficient voption =
        if not (isNull s.l) then
            (if not s.l.IsDeferred && s.l.Rests.Length = 0 then ValueSome s.l.Constant else ValueNone)
        else
            Coefficient.ofExpr s.Expr

    override s.Equals(o) =
        match o with
        | :? Scalar as t -> Object.ReferenceEquals(s.Expr, t.Expr)
        | _ -> false

    override s.GetHashCode() = s.Expr.Hash
    override s.ToString() = Infix.format s.Expr

    interface IEquatable<Scalar> with
        member s.Equals(t) = Object.ReferenceEquals(s.Expr, t.Expr)

    /// A named symbol (a variable or parameter); the name must be an identifier.
    static member Symbol(name: string) = Scalar(Expr.symbol name)

    /// A constant: an integer value is exact (as `2` in text), any other finite value floating (as
    /// `0.5` in text); not finite is an error (ErrorKind.NonFinite).
    static member Constant(value: float) = Scalar(Scalar.OfFloat value)

    static member internal OfFloat(value: float) : Expr =
        if Double.IsFinite value && value = Math.Round value && abs value <= float SmallIntegers.Limit then
            SmallIntegers.get (int value)
        elif Double.IsFinite value && value = Math.Round value && abs value < 1e15 then
            Expr.number (Rational.OfBig(Numerics.BigInteger value))
        else
            Expr.real value

    static member op_Implicit(value: float) : Scalar = Scalar.Constant value

    /// A double operand of +, −, ×, ÷ (r or 2 in a traced scheme, on every cell and step) as the
    /// combination of no rests that `OfFloat`'s node stands for, without looking that node up in the
    /// intern table per operation: the same coefficient, and the same node when its expression is asked
    /// for. Not finite, or an integer beyond the small ones: the node (whose constructor raises the error).
    static member private Operand(value: float) : Scalar =
        if Double.IsFinite value && value = Math.Round value && abs value <= float SmallIntegers.Limit then
            Scalar(SmallLinears.get (int value))
        elif Double.IsFinite value && value <> Math.Round value then
            // Kept per thread (r·Δu on every cell and step made one per operation); a combination of
            // no rests is never changed once made, so one serves every use.
            if isNull Scalar.numbers then
                Scalar.numbers <- FloatKeyed(fun x -> Linear.Number(Floating x))

            Scalar(Scalar.numbers.Get value)
        else
            Scalar(Scalar.OfFloat value)

    /// The scalar with every floating constant rounded to `digits` significant digits (an integer
    /// result becomes exact). For constants that are decimal numbers computed in floating point
    /// (0.2·0.2·… in an explicit scheme gives 0.18560000000000001 for 0.1856): with 15 digits the
    /// value moves by at most half a unit in the 15th digit, at the level of the rounding it removes.
    static member RoundConstants(s: Scalar, digits: int) : Scalar =
        // A combination whose rests hold no floating constant (x, x², x·y) is rounded in its
        // coefficients: what rewriting the built sum bottom-up gives (each term rebuilt as its rounded
        // coefficient times the same rest, the rests still distinct), without building it first.
        if not (isNull s.l) && s.l.Rests |> Array.forall Scalar.RealFree then
            let round c =
                match c with
                | Floating f -> (Coefficient.ofExpr (Scalar.RoundFloat(f, digits))).Value
                | exact -> exact

            let l = s.l

            Scalar(
                Linear(
                    l.Rests,
                    Array.map round l.Coefficients,
                    (if l.HasConstant then round l.Constant else l.Constant)
                )
            )
        else
            Scalar(Scalar.RoundReals(s.Expr, digits))

    /// A symbol, an integer power of one, or a product of such: no floating constant inside.
    static member private RealFree(rest: Expr) =
        let plain (f: Expr) =
            match f.Node with
            | Symbol _ -> true
            | Power(b, x) ->
                (match b.Node, x.Node with
                 | Symbol _, Number _ -> true
                 | _ -> false)
            | _ -> false

        match rest.Node with
        | Product fs -> Array.forall plain fs
        | _ -> plain rest

    /// x to `digits` significant digits, as a constant (exact when the result is an integer).
    static member private RoundFloat(x: float, digits: int) : Expr =
        RoundedConstants.Get(
            x,
            digits,
            fun (x, digits) ->
                let format = "G" + string digits
                Scalar.OfFloat(Double.Parse(x.ToString(format, Globalization.CultureInfo.InvariantCulture), Globalization.CultureInfo.InvariantCulture))
        )

    /// An expression with every floating constant rounded to `digits` significant digits (see
    /// RoundConstants): derived rules print their computed coefficients (products of the simulator's
    /// constants, 0.24999935999999998 for 0.24999936) without the noise of computing them.
    static member RoundReals(e: Expr, digits: int) : Expr =
        let round (e: Expr) =
            match e.Node with
            | Real r -> Scalar.RoundFloat(r, digits)
            | _ -> e

        Structure.rewriteBottomUp round e

    static member private IsNumeric(e: Expr) =
        match e.Node with
        | Number _
        | Real _ -> true
        | _ -> false

    /// a·b, distributing a numeric factor over a sum (see the type's remarks).
    static member internal Times(a: Expr, b: Expr) : Expr =
        match a.Node, b.Node with
        | (Number _ | Real _), Sum ts -> Expr.sum (ts |> Array.map (fun t -> Expr.mul2 a t))
        | Sum ts, (Number _ | Real _) -> Expr.sum (ts |> Array.map (fun t -> Expr.mul2 b t))
        | _ -> Expr.mul2 a b

    static member internal Over(a: Expr, b: Expr) : Expr =
        if Scalar.IsNumeric b && not (Expr.isZeroValue b) then
            Scalar.Times(Expr.pow b Expr.minusOne, a)
        else
            Expr.div a b

    // The linear operations: on combinations when both operands are (no node is built), otherwise on
    // the built expressions. Either way the expression is the same (see `Linear`).

    // No closure per operation: the node path of each operation is written where the combination comes
    // back null. Every +, − and × allocated a closure for that path, used or not (with the merge's scratch
    // arrays, heat1d's build at n = 10⁵ allocated 2,041 MB instead of 2,555; BENCHMARKS.md, branch `heat19`).

    /// a + b; the node path (Expr.add) where the combination cannot be carried.
    static member private Plus(a: Scalar, b: Scalar) : Scalar =
        let la = a.Linear
        let l = if isNull la then null else (match b.Linear with null -> null | lb -> Linear.Sum2(la, lb))
        if isNull l then Scalar(Expr.add a.Expr b.Expr) else Scalar(l)

    /// k·a for a number k; null where the combination cannot be carried (the caller takes the node path).
    static member private Scaled(k: Coefficient, a: Scalar) : Linear =
        match a.Linear with
        | null -> null
        | la -> Linear.Scale(k, la)

    /// −b, as Times(−1, b).
    static member private Negated(b: Scalar) : Scalar =
        match Scalar.Scaled(Exact Rational.MinusOne, b) with
        | null -> Scalar(Scalar.Times(Expr.minusOne, b.Expr))
        | l -> Scalar(l)

    /// a·b: scaled when either is a number, else the product node.
    static member private Mul(a: Scalar, b: Scalar) : Scalar =
        let l =
            match a.Number with
            | ValueSome k -> Scalar.Scaled(k, b)
            | ValueNone ->
                match b.Number with
                | ValueSome k -> Scalar.Scaled(k, a)
                | ValueNone -> null

        if isNull l then Scalar(Scalar.Times(a.Expr, b.Expr)) else Scalar(l)

    /// a/b: a numeric divisor other than 0 is a multiplication by its power −1 (as Over builds it).
    static member private Div(a: Scalar, b: Scalar) : Scalar =
        let l =
            match b.Number with
            | ValueSome k when not (Coefficient.isZero k) ->
                match Coefficient.ofExpr (Expr.pow (Coefficient.toExpr k) Expr.minusOne) with
                | ValueSome inverse -> Scalar.Scaled(inverse, a)
                | ValueNone -> null
            | _ -> null

        if isNull l then Scalar(Scalar.Over(a.Expr, b.Expr)) else Scalar(l)

    static member (+)(a: Scalar, b: Scalar) = Scalar.Plus(a, b)
    static member (+)(a: Scalar, b: float) = Scalar.Plus(a, Scalar.Operand b)
    static member (+)(a: float, b: Scalar) = Scalar.Plus(Scalar.Operand a, b)
    static member (-)(a: Scalar, b: Scalar) = Scalar.Plus(a, Scalar.Negated b)
    static member (-)(a: Scalar, b: float) = Scalar.Plus(a, Scalar.Operand(-b))

    static member (-)(a: float, b: Scalar) =
        let c = Scalar.Operand a
        Scalar.Plus(c, Scalar.Negated b)

    static member (*)(a: Scalar, b: Scalar) = Scalar.Mul(a, b)
    static member (*)(a: Scalar, b: float) = Scalar.Mul(a, Scalar.Operand b)
    static member (*)(a: float, b: Scalar) = Scalar.Mul(Scalar.Operand a, b)
    static member (/)(a: Scalar, b: Scalar) = Scalar.Div(a, b)
    static member (/)(a: Scalar, b: float) = Scalar.Div(a, Scalar.Operand b)
    static member (/)(a: float, b: Scalar) = Scalar.Div(Scalar.Operand a, b)
    static member (~-)(a: Scalar) = Scalar.Negated a
    static member (~+)(a: Scalar) = a

    /// a^b (F#: `a ** b`).
    static member Pow(a: Scalar, b: Scalar) = Scalar(Expr.pow a.Expr b.Expr)
    /// a^b with a numeric exponent (an integer exponent is exact).
    static member Pow(a: Scalar, b: float) = Scalar(Expr.pow a.Expr (Scalar.OfFloat b))
    /// a², exact.
    static member Square(a: Scalar) = Scalar(Expr.pow a.Expr Expr.two)
    /// √a (a^(1/2), as `sqrt` in text).
    static member Sqrt(a: Scalar) = Scalar(Expr.sqrt a.Expr)
    static member Sin(a: Scalar) = Scalar(Expr.sin a.Expr)
    static member Cos(a: Scalar) = Scalar(Expr.cos a.Expr)
    static member Tan(a: Scalar) = Scalar(Expr.tan a.Expr)
    static member Asin(a: Scalar) = Scalar(Expr.asin a.Expr)
    static member Acos(a: Scalar) = Scalar(Expr.acos a.Expr)
    static member Atan(a: Scalar) = Scalar(Expr.atan a.Expr)
    static member Sinh(a: Scalar) = Scalar(Expr.sinh a.Expr)
    static member Cosh(a: Scalar) = Scalar(Expr.cosh a.Expr)
    static member Tanh(a: Scalar) = Scalar(Expr.tanh a.Expr)
    static member Exp(a: Scalar) = Scalar(Expr.exp a.Expr)
    static member Log(a: Scalar) = Scalar(Expr.log a.Expr)
    static member Abs(a: Scalar) = Scalar(Expr.abs a.Expr)
    /// log(1 + a), accurate for small a.
    static member Log1p(a: Scalar) = Scalar(Expr.log1p a.Expr)
    /// exp(a) − 1, accurate for small a.
    static member Expm1(a: Scalar) = Scalar(Expr.expm1 a.Expr)
    /// The sign −1, 0 or 1 (a value, not a branch: its derivative is 0 away from 0).
    static member SignOf(a: Scalar) = Scalar(Expr.sign a.Expr)
    /// atan2(y, x), the angle of the point (x, y).
    static member Atan2(y: Scalar, x: Scalar) = Scalar(Expr.atan2 y.Expr x.Expr)

    /// The sum of many terms in one n-ary sum. Prefer it to `s = s + t` in a loop: a sum is flattened
    /// and merged on every addition, so accumulating k terms one by one costs k²/2 term visits.
    static member Sum(terms: seq<Scalar>) =
        let ts = Seq.toArray terms
        let ls = Array.zeroCreate<Linear> ts.Length
        let mutable linear = true

        for i in 0 .. ts.Length - 1 do
            ls.[i] <- ts.[i].Linear
            linear <- linear && not (isNull ls.[i])

        match (if linear then Linear.Sum ls else null) with
        | null -> Scalar(Expr.sum (ts |> Array.map (fun t -> t.Expr)))
        | l -> Scalar(l)

/// A traced simulator over output slots: fill `outputs` from `inputs` (loops allowed).
type SpanSimulator = delegate of inputs: ReadOnlySpan<Scalar> * outputs: Span<Scalar> -> unit

/// Turns code over `Scalar` into expressions: the code runs once on the symbols x0, x1, … (or names
/// given), and what it returns is the simulator's components.
[<AbstractClass; Sealed>]
type Tracer =
    static member private Check(n: int) =
        if n < 1 then
            Fail.raiseWith ErrorKind.Invalid (sprintf "A traced function needs at least one variable; n was %d." n)

    /// The symbols prefix0 … prefix{n−1} as scalars (x0, x1, … for the prefix "x").
    static member Variables(n: int, prefix: string) : Scalar[] =
        Tracer.Check n
        Array.init n (fun i -> Scalar.Symbol(prefix + string i))

    /// The variable names x0 … x{n−1} a traced simulator of n variables uses.
    static member VariableNames(n: int) : string[] =
        Tracer.Check n
        Array.init n (fun i -> "x" + string i)

    static member private Collect(outputs: Scalar[]) =
        if isNull outputs || outputs.Length = 0 then
            Fail.raiseWith ErrorKind.Invalid "The traced function returned no outputs; return one Scalar per component."

        outputs |> Array.map (fun s -> s.Expr)

    /// The simulator `f` traced over the variables x0 … x{n−1}: one expression per element of what it
    /// returns. Errors of the expressions (division by an exact zero, a non-finite constant) surface
    /// as SymbolicExceptions from the operation that causes them.
    static member Simulator(n: int, f: Func<Scalar[], Scalar[]>) : Expr[] =
        Tracer.Function(Tracer.VariableNames n, f)

    /// The simulator traced over named variables (any identifiers, in this order).
    static member Function(names: string[], f: Func<Scalar[], Scalar[]>) : Expr[] =
        if isNull names then nullArg "names"
        if isNull f then nullArg "f"
        Tracer.Check names.Length
        Tracer.Collect(f.Invoke(names |> Array.map Scalar.Symbol))

    /// The simulator traced over x0 … x{n−1} into m output slots (all 0 until written).
    static member Simulator(n: int, m: int, f: SpanSimulator) : Expr[] =
        if isNull f then nullArg "f"
        Tracer.Check n

        if m < 1 then
            Fail.raiseWith ErrorKind.Invalid (sprintf "A traced simulator needs at least one output; m was %d." m)

        let inputs = Tracer.Variables(n, "x")
        let outputs = Array.zeroCreate<Scalar> m
        f.Invoke(ReadOnlySpan inputs, Span outputs)
        Tracer.Collect outputs
