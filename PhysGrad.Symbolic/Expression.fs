namespace PhysGrad.Symbolic

open System
open System.Collections.Generic
open System.Threading
open System.Runtime.InteropServices

/// The elementary functions of one argument. `sqrt` is not here: it is the power 1/2, so that
/// `sqrt(x)^2`, `sqrt(x)*sqrt(x)` and `x/sqrt(x)` simplify by the ordinary power rules.
type Function =
    | Sin = 0
    | Cos = 1
    | Tan = 2
    | Asin = 3
    | Acos = 4
    | Atan = 5
    | Sinh = 6
    | Cosh = 7
    | Tanh = 8
    | Exp = 9
    | Log = 10
    | Abs = 11
    | Sign = 12
    /// log(1 + x), accurate for small x where log(1 + x) loses the digits of x in the sum.
    | Log1p = 13
    /// exp(x) − 1, accurate for small x where the difference cancels.
    | Expm1 = 14
    /// The logarithm to base 10, exact where the argument is a power of 10 (log10(1000) = 3, where
    /// log(1000)/log(10) rounds to 2.9999999999999996).
    | Log10 = 15
    /// The logarithm to base 2, exact where the argument is a power of 2.
    | Log2 = 16

/// The shape of one expression node. Children are already-interned `Expr`s, so two nodes are equal
/// exactly when their tags, payloads and child references are equal (a shallow comparison).
[<CustomEquality; NoComparison>]
type Node =
    /// An exact rational constant.
    | Number of Rational
    /// A floating-point constant (always finite).
    | Real of float
    /// A named variable or parameter.
    | Symbol of string
    /// The constant π. (Euler's number is `exp(1)`, printed `e`.)
    | Pi
    /// An n-ary sum with at least two terms, in canonical order, like terms merged.
    | Sum of Expr[]
    /// An n-ary product with at least two factors, in canonical order, like powers merged.
    | Product of Expr[]
    /// base ^ exponent.
    | Power of Expr * Expr
    /// f(argument).
    | Apply of Function * Expr
    /// atan2(y, x), the angle of the point (x, y).
    | Atan2 of Expr * Expr

    override n.Equals(o) =
        match o with
        | :? Node as m -> Node.Shallow(n, m)
        | _ -> false

    override n.GetHashCode() = Node.HashOf n

    static member internal Shallow(a: Node, b: Node) =
        match a, b with
        | Number p, Number q -> p.Equals q
        | Real x, Real y -> BitConverter.DoubleToInt64Bits x = BitConverter.DoubleToInt64Bits y
        | Symbol s, Symbol t -> String.Equals(s, t, StringComparison.Ordinal)
        | Pi, Pi -> true
        | Sum xs, Sum ys
        | Product xs, Product ys ->
            xs.Length = ys.Length
            && (let mutable eq = true
                let mutable i = 0

                while eq && i < xs.Length do
                    eq <- Object.ReferenceEquals(xs.[i], ys.[i])
                    i <- i + 1

                eq)
        | Power(a, b), Power(c, d)
        | Atan2(a, b), Atan2(c, d) -> Object.ReferenceEquals(a, c) && Object.ReferenceEquals(b, d)
        | Apply(f, a), Apply(g, b) -> f = g && Object.ReferenceEquals(a, b)
        | _ -> false

    /// A structural hash, deterministic across processes (no randomised string or HashCode seeds),
    /// so that anything ordered by it prints identically from run to run.
    static member internal HashOf(n: Node) : int =
        let inline mix (h: int) (v: int) = (h ^^^ v) * 16777619

        match n with
        // BigInteger.GetHashCode is seeded per process (it hashes the digits of a large value with
        // HashCode): Rational's hash is FNV-1a over the bytes instead.
        | Number q -> mix 0x1000193 (q.GetHashCode())
        | Real x -> mix 0x2000193 (BitConverter.DoubleToInt64Bits(x).GetHashCode())
        | Symbol s ->
            let mutable h = 0x3000193

            for c in s do
                h <- mix h (int c)

            h
        | Pi -> 0x4000193
        | Sum xs ->
            let mutable h = 0x5000193

            for x in xs do
                h <- mix h x.Hash

            h
        | Product xs ->
            let mutable h = 0x6000193

            for x in xs do
                h <- mix h x.Hash

            h
        | Power(a, b) -> mix (mix 0x7000193 a.Hash) b.Hash
        | Apply(f, a) -> mix (mix 0x8000193 (int f)) a.Hash
        | Atan2(a, b) -> mix (mix 0x9000193 a.Hash) b.Hash

/// An interned expression node. Every structurally distinct expression exists once per process, so
/// equality is reference equality (O(1)) and equal subexpressions are one shared node: derivatives,
/// Hessians and generated code are graphs, not trees. Build expressions with the `Expr` module's
/// smart constructors (or the operators), never directly.
and [<Sealed; AllowNullLiteral>] Expr internal (node: Node, id: int64, height: int, hash: int) =

    [<DefaultValue>]
    val mutable internal freeSymbols: Expr[]

    /// The node's shape.
    member _.Node = node
    /// A process-unique id (creation order). Not stable across runs: never print or order by it.
    member _.Id = id
    /// The structural hash (stable across runs).
    member _.Hash = hash
    /// The length of the longest path to a leaf (a leaf has height 1).
    member _.Height = height

    override this.Equals(o) = Object.ReferenceEquals(this, o)
    override _.GetHashCode() = hash

    interface IEquatable<Expr> with
        member this.Equals(o) = Object.ReferenceEquals(this, o)

/// Counts the nodes the current thread asks the intern table for (found or new): a measure of symbolic
/// work that depends only on the computation, not on the machine, its load or what is already interned.
/// LocalInverse's budget is spent in these units.
type internal WorkCounter() =
    [<ThreadStatic; DefaultValue>]
    static val mutable private built: int64

    static member Built
        with get () = WorkCounter.built
        and set (v: int64) = WorkCounter.built <- v

/// The process-wide intern table. Entries are weak: an expression nobody references any more is
/// collected, and its table slot is purged when the table has doubled since the last purge.
module internal Intern =
    // Weak GC handles rather than WeakReference<T>: a WeakReference is a finalizable object, and a
    // million of them (one per node of a large expression) kept the GC busy finalizing and tracking
    // them. A handle is freed here when its entry is purged.
    //
    // The comparer is the node's shallow equality and structural hash called directly: the default one
    // goes through the virtual Equals(obj) and its type test on every probe.
    let private shallow =
        { new IEqualityComparer<Node> with
            member _.Equals(a, b) = Node.Shallow(a, b)
            member _.GetHashCode(n) = Node.HashOf n }

    let private table = Dictionary<Node, GCHandle>(4096, shallow)
    // System.Threading.Lock rather than a monitor on an object: every node built takes this lock
    // once, and Lock's uncontended enter and exit are cheaper than Monitor's.
    let private gate = Lock()
    let mutable private nextId = 0L
    let mutable private purgeAt = 65536

    /// No expression may be higher than this: beyond it even a graph walk with an explicit stack is
    /// pointless, since every printed or tree-shaped form would be astronomically large.
    [<Literal>]
    let MaxHeight = 1_000_000

    let private purge () =
        let dead = List<Node>()

        for kv in table do
            if isNull kv.Value.Target then
                dead.Add kv.Key

        for k in dead do
            table.[k].Free()
            table.Remove k |> ignore

        purgeAt <- max 65536 (2 * table.Count)

    let private heightOf (n: Node) =
        let h =
            match n with
            | Number _
            | Real _
            | Symbol _
            | Pi -> 1
            | Sum xs
            | Product xs ->
                let mutable m = 0

                for x in xs do
                    m <- max m x.Height

                m + 1
            | Power(a, b)
            | Atan2(a, b) -> max a.Height b.Height + 1
            | Apply(_, a) -> a.Height + 1

        if h > MaxHeight then
            Fail.raiseWith
                ErrorKind.TooDeep
                (sprintf "The expression would be nested %d levels deep; the limit is %d." h MaxHeight)

        h

    // One probe of the table per node (found, or its slot added), and the structural hash computed once
    // and kept by the node: a lookup then an insert hashed and probed a new node twice, and the node's
    // constructor hashed it a third time (per child for a sum or product).
    let node (n: Node) : Expr =
        WorkCounter.Built <- WorkCounter.Built + 1L
        gate.Enter()

        try
            if table.Count >= purgeAt then
                purge ()

            let mutable found = false
            let slot = &CollectionsMarshal.GetValueRefOrAddDefault(table, n, &found)

            match (if found then slot.Target else null) with
            | :? Expr as e -> e
            | _ ->
                // Too deep: the slot just added holds no handle yet, and goes with the error.
                let height =
                    try
                        heightOf n
                    with _ ->
                        if not found then
                            table.Remove n |> ignore

                        reraise ()

                let e = Expr(n, Interlocked.Increment &nextId, height, Node.HashOf n)

                if found then
                    slot.Target <- e
                else
                    slot <- GCHandle.Alloc(e, GCHandleType.Weak)

                e
        finally
            gate.Exit()

    let count () =
        gate.Enter()

        try
            table.Count
        finally
            gate.Exit()

/// Reference identity for interned expressions, hashed by the structural hash each node already
/// holds. `HashIdentity.Reference` would ask the runtime for an identity hash instead, which it
/// stores in the object's header on first use: a cost per fresh node in every sum and product.
/// Equal references have equal hashes, so this is a valid comparer for reference equality.
module internal ExprIdentity =
    let comparer =
        { new IEqualityComparer<Expr> with
            member _.Equals(a, b) = Object.ReferenceEquals(a, b)
            member _.GetHashCode(e) = e.Hash }
