namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// Exact derivatives. Each derivative is one pass over the graph in topological order, visiting only
/// the nodes that depend on the variable, so its cost follows the size of the shared graph rather than
/// of the written-out tree, and no recursion depth is involved.
///
/// Conventions where the textbook derivative does not exist: d|u|/du = sign(u) (0 at u = 0, the
/// midpoint of the subdifferential) and d sign(u)/du = 0 everywhere (the Dirac delta at 0 is dropped).
/// These are the values a numeric optimiser can use, and they agree with finite differences wherever
/// the function is differentiable.
[<RequireQualifiedAccess>]
module Calculus =

    let private requireSymbol (x: Expr) =
        match x.Node with
        | Symbol _ -> ()
        | _ -> Fail.raiseWith ErrorKind.Variable "A derivative is taken with respect to a symbol."

    /// d f(u)/du for an elementary function, as an expression in u.
    let private outer (f: Function) (u: Expr) : Expr =
        let one = Expr.one

        match f with
        | Function.Sin -> Expr.cos u
        | Function.Cos -> Expr.neg (Expr.sin u)
        | Function.Tan -> Expr.pow (Expr.cos u) (Expr.ofInt -2)
        | Function.Asin -> Expr.pow (Expr.sub one (Expr.pow u Expr.two)) (Expr.fraction -1 2)
        | Function.Acos -> Expr.neg (Expr.pow (Expr.sub one (Expr.pow u Expr.two)) (Expr.fraction -1 2))
        | Function.Atan -> Expr.pow (Expr.add one (Expr.pow u Expr.two)) Expr.minusOne
        | Function.Sinh -> Expr.cosh u
        | Function.Cosh -> Expr.sinh u
        | Function.Tanh -> Expr.sub one (Expr.pow (Expr.tanh u) Expr.two)
        | Function.Exp -> Expr.exp u
        | Function.Log -> Expr.pow u Expr.minusOne
        | Function.Abs -> Expr.sign u
        | Function.Log1p -> Expr.pow (Expr.add one u) Expr.minusOne
        | Function.Expm1 -> Expr.exp u
        // log_b′(u) = 1/(u·log b): log10(x) = log(x)/log(10).
        | Function.Log10
        | Function.Log2 -> Expr.pow (Expr.mul [ u; Expr.log (Expr.ofInt (Expr.logBase f).Value) ]) Expr.minusOne
        | _ -> Expr.zero

    /// A derivative under construction. Along a chain of unary steps (f(u), c·u, u^c, a sum with one
    /// term that depends on x) the chain rule only prepends factors, so the factors are kept as a list
    /// and multiplied out once, when a node with several dependent children needs the value: deriving
    /// a chain n deep costs O(n), where building each level's product would cost O(n²).
    [<AllowNullLiteral>]
    type private D(factors: Expr list, built: Expr, zero: bool) =
        let mutable built = built
        member _.Factors = factors
        member _.IsZero = zero

        member _.Value =
            if isNull built then
                built <- Expr.mul (List.toArray factors)

            built

        static member Of(e: Expr) = D([ e ], e, Expr.isZero e)

        /// leading · inner, without multiplying out.
        static member Prepend(leading: Expr list, inner: D) =
            if inner.IsZero || leading |> List.exists Expr.isZero then
                D.Of Expr.zero
            else
                D(leading @ inner.Factors, null, false)

    /// One differentiation rule: the derivative of node n given the derivatives d of its children
    /// (`dependents n` lists, in order, the children of n whose derivative can be non-zero).
    let private rule (x: Expr) (dependents: Expr -> Expr[]) (d: Expr -> D) (n: Expr) : D =
        match n.Node with
        | Number _
        | Real _
        | Pi -> D.Of Expr.zero
        | Symbol _ -> D.Of(if obj.ReferenceEquals(n, x) then Expr.one else Expr.zero)
        | Sum _ ->
            match dependents n with
            | [| t |] -> d t
            | dependent -> D.Of(Expr.sum (dependent |> Seq.map (fun t -> (d t).Value)))
        | Product fs ->
            match dependents n with
            | [| f |] -> D.Prepend(fs |> Array.filter (fun g -> not (obj.ReferenceEquals(g, f))) |> List.ofArray, d f)
            | _ ->
                // Σᵢ f'ᵢ Πⱼ≠ᵢ fⱼ, over the factors that depend on x only.
                D.Of(
                    Expr.sum (
                        seq {
                            for i in 0 .. fs.Length - 1 do
                                let di = d fs.[i]

                                if not di.IsZero then
                                    yield Expr.mul (Array.init fs.Length (fun j -> if j = i then di.Value else fs.[j]))
                        }
                    )
                )
        | Power(u, c) when not (Structure.dependsOn x c) ->
            // Constant exponent: c·u^(c−1)·u', with no log (u may be negative).
            D.Prepend([ c; Expr.pow u (Expr.sub c Expr.one) ], d u)
        | Power(u, v) when not (Structure.dependsOn x u) ->
            // Constant base: c^v·log(c)·v'. 0^v is 0 wherever it is defined (v > 0), so its
            // derivative is 0 (and log 0 must not appear).
            if Expr.isZero u then
                D.Of Expr.zero
            else
                D.Prepend([ n; Expr.log u ], d v)
        | Power(u, v) ->
            // v·u^(v−1)·u' + u^v·log(u)·v'. Not u^v·(v'·log u + v·u'/u): that form divides by u, so
            // at u = 0 it is 0·∞ even where the power is differentiable (∂(a^b)/∂a at (0, 2) = 2·0^1
            // = 0). The log term is still 0·log 0 at u = 0; the evaluated values resolve it as a
            // limit (see Derivatives in the API).
            D.Of(
                Expr.add
                    (Expr.mul [ v; Expr.pow u (Expr.sub v Expr.one); (d u).Value ])
                    (Expr.mul [ n; Expr.log u; (d v).Value ])
            )
        | Apply(f, u) -> D.Prepend([ outer f u ], d u)
        | Atan2(y, x') ->
            // d atan2(y, x) = (x·y' − y·x') / (x² + y²)
            D.Of(
                Expr.div
                    (Expr.sub (Expr.mul [ x'; (d y).Value ]) (Expr.mul [ y; (d x').Value ]))
                    (Expr.add (Expr.pow x' Expr.two) (Expr.pow y Expr.two))
            )

    /// Children with at least this many entries get an index from variable to dependent children
    /// (see `Dependents`); smaller nodes are scanned, which is cheaper than building an index.
    [<Literal>]
    let private IndexedFanOut = 16

    /// Which children of a node depend on a variable, shared by the derivatives of one gradient or
    /// Jacobian. Without it each derivative scans every child of a wide node (the n terms of a loss's
    /// top-level sum) to find the one or two that hold its variable, so the n derivatives of a gradient
    /// cost O(n²); with it a wide node is indexed once, in O(Σ free symbols of its children), and each
    /// derivative reads its own entry. The lists keep the children's order, so the derivatives are the
    /// same expressions as from a scan.
    /// `fanOut` is the width from which a node is indexed (Int32.MaxValue: never, every node scanned).
    /// `Examined` counts the children scanned and the index entries built and read: the work of
    /// finding dependent children, which the tests check grows linearly with the problem.
    type internal Dependents(fanOut: int) =
        let index = Dictionary<Expr, Dictionary<Expr, List<Expr>>>(ExprIdentity.comparer)
        let mutable examined = 0L

        new() = Dependents(IndexedFanOut)

        member _.Examined = examined

        member _.Of (x: Expr) (n: Expr) : Expr[] =
            let cs = Expr.children n

            if cs.Length < fanOut then
                examined <- examined + int64 cs.Length
                cs |> Array.filter (Structure.dependsOn x)
            else
                let byVariable =
                    match index.TryGetValue n with
                    | true, m -> m
                    | _ ->
                        let m = Dictionary<Expr, List<Expr>>(ExprIdentity.comparer)

                        for c in cs do
                            for s in Structure.freeSymbols c do
                                examined <- examined + 1L

                                match m.TryGetValue s with
                                | true, l -> l.Add c
                                | _ -> m.[s] <- List<Expr>([ c ])

                        index.[n] <- m
                        m

                match byVariable.TryGetValue x with
                | true, l ->
                    examined <- examined + int64 l.Count
                    l.ToArray()
                | _ -> [||]

    /// ∂e/∂x, reading the dependent children of wide nodes from a shared index.
    let internal derivativeIndexed (dependents: Dependents) (x: Expr) (e: Expr) : Expr =
        if not (Structure.dependsOn x e) then
            Expr.zero
        else
            let ds = Dictionary<Expr, D>(ExprIdentity.comparer)
            let zero = D.Of Expr.zero

            let d c =
                match ds.TryGetValue c with
                | true, v -> v
                | _ -> zero
            // Post-order over the part of the graph that depends on x.
            let stack = Stack<struct (Expr * bool)>()
            stack.Push(struct (e, false))

            while stack.Count > 0 do
                let struct (n, expanded) = stack.Pop()

                if expanded then
                    ds.[n] <- rule x (dependents.Of x) d n
                elif not (ds.ContainsKey n) then
                    stack.Push(struct (n, true))

                    for c in dependents.Of x n do
                        if not (ds.ContainsKey c) then
                            stack.Push(struct (c, false))

            ds.[e].Value

    /// ∂e/∂x. One derivative scans each node's children (an index pays only when it is shared by
    /// the derivatives of a gradient, Jacobian or Hessian).
    [<CompiledName("Differentiate")>]
    let derivative (x: Expr) (e: Expr) : Expr =
        requireSymbol x
        derivativeIndexed (Dependents Int32.MaxValue) x e

    /// ∂e/∂x by variable name.
    let derivativeBy (name: string) (e: Expr) = derivative (Expr.symbol name) e

    /// The gradient [∂e/∂x₁, …, ∂e/∂xₙ].
    [<CompiledName("Gradient")>]
    let gradient (variables: Expr[]) (e: Expr) : Expr[] =
        variables |> Array.iter requireSymbol
        let dependents = Dependents()
        variables |> Array.map (fun x -> derivativeIndexed dependents x e)

    /// The gradient, with the number of children examined to find which ones depend on each variable
    /// (the part of the derivation that was quadratic in n before wide nodes were indexed): for tests
    /// and benchmarks that check the derivation's work grows linearly with the problem.
    /// `fanOut` is the width from which a node's children are indexed rather than scanned
    /// (Int32.MaxValue: every node scanned, the derivation before the index; `gradient` uses 16).
    [<CompiledName("GradientWithWork")>]
    let gradientWithWork (fanOut: int) (variables: Expr[]) (e: Expr) : Expr[] * int64 =
        variables |> Array.iter requireSymbol
        let dependents = Dependents(max 1 fanOut)
        variables |> Array.map (fun x -> derivativeIndexed dependents x e), dependents.Examined

    /// The Jacobian J[i, j] = ∂fᵢ/∂xⱼ (m × n).
    [<CompiledName("Jacobian")>]
    let jacobian (variables: Expr[]) (fs: Expr[]) : Expr[,] =
        variables |> Array.iter requireSymbol
        let dependents = Dependents()
        Array2D.init fs.Length variables.Length (fun i j -> derivativeIndexed dependents variables.[j] fs.[i])

    /// The Hessian of e given its gradient: differentiates each gradient entry for the upper triangle
    /// and mirrors it, so the result is symmetric by construction.
    [<CompiledName("HessianOfGradient")>]
    let hessianOfGradient (variables: Expr[]) (gradient: Expr[]) : Expr[,] =
        variables |> Array.iter requireSymbol
        let n = variables.Length
        let h = Array2D.create n n Expr.zero
        let dependents = Dependents()

        for i in 0 .. n - 1 do
            for j in i .. n - 1 do
                let v = derivativeIndexed dependents variables.[j] gradient.[i]
                h.[i, j] <- v
                h.[j, i] <- v

        h

    /// The Hessian H[i, j] = ∂²e/∂xᵢ∂xⱼ.
    [<CompiledName("Hessian")>]
    let hessian (variables: Expr[]) (e: Expr) : Expr[,] =
        hessianOfGradient variables (gradient variables e)
