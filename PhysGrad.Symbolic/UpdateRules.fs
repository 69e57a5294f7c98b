namespace PhysGrad.Symbolic

open System
open System.Collections.Generic
open System.Globalization
open System.Numerics

/// Rounding residue in a polynomial formed from numeric factors: a term whose coefficient is 0 on paper
/// but survives as the rounding of the numbers that produced it. PG's rule composes a numeric local
/// inverse with the numeric simulator, P⁻¹(P(x) + Δy; x) − x; on heat1d-inverse the x-terms of the two
/// cancel exactly on paper, and the coefficients the traced doubles leave (2.96E-15*x0, −7.77E-16*x252)
/// are the rounding of sums of products of order 1. A coefficient c of a monomial m is taken for residue
/// when |c| ≤ ResidueUlps · u · M(m), u = 2⁻⁵³ the unit roundoff and M(m) the coefficient of m in the same
/// expression with every number replaced by its absolute value and expanded, i.e. Σ|products| that were
/// added to make c. That is the classical error bound of a computed sum of products (Higham, Accuracy and
/// Stability of Numerical Algorithms, §3.1: |ŝ − s| ≤ γₖ Σ|xᵢyᵢ|), so such a c has no correct digit and
/// could be 0: printing it states a term the numbers do not support.
[<RequireQualifiedAccess>]
module ProductResidue =

    /// The multiple of the unit roundoff, relative to Σ|products|, below which a coefficient is residue.
    /// The numbers multiplied are not exact themselves: the traced inverse's coefficients come out of
    /// steps·terms stencil passes (24 on heat1d-inverse), each adding its own rounding, so the bound allows
    /// that many roundings with a factor of about 2 to spare. Measured on heat1d-inverse's PG rule at 8,
    /// 16, 32 and 64 cells: the residue (the terms without η) is at most 1.9 u·M, the smallest term with η
    /// at least 1.6·10⁶ u·M.
    [<Literal>]
    let ResidueUlps = 64.0

    /// The unit roundoff of doubles, 2⁻⁵³.
    let private unitRoundoff = Math.Pow(2.0, -53.0)

    // A positive integer exponent up to 16 (a larger one is not expanded: its terms would be many).
    let private smallPower (k: Expr) =
        match k.Node with
        | Number q when q.IsInteger && q.Sign > 0 && q.Num <= BigInteger 16 -> Some(int q.Num)
        | _ -> None

    // A monomial as its sorted symbol names with powers, "eta^1*x0^1" ("" for a constant).
    let private monomial (powers: seq<string * int>) =
        powers
        |> Seq.filter (fun (_, k) -> k <> 0)
        |> Seq.sortWith (fun (a, _) (b, _) -> String.CompareOrdinal(a, b))
        |> Seq.map (fun (s, k) -> s + "^" + string k)
        |> String.concat "*"

    let private powersOf (key: string) =
        if key = "" then [||]
        else key.Split '*' |> Array.map (fun f -> let i = f.LastIndexOf '^' in f.Substring(0, i), int (f.Substring(i + 1)))

    let private times (a: string) (b: string) =
        if a = "" then b
        elif b = "" then a
        else Array.append (powersOf a) (powersOf b) |> Array.groupBy fst |> Array.map (fun (s, ks) -> s, Array.sumBy snd ks) |> monomial

    /// The expansion of e with every number replaced by its absolute value, as monomial → Σ|products|,
    /// or None when e is not a polynomial (a function, a negative or fractional power) or its expansion
    /// grows past maxTerms monomials. Shared nodes are expanded once (memo, by reference).
    let private magnitudes (memo: Dictionary<Expr, Dictionary<string, float>>) (maxTerms: int) (e: Expr) =
        let rec go (e: Expr) : Dictionary<string, float> option =
            match memo.TryGetValue e with
            | true, m -> Some m
            | _ ->
                let single key (v: float) = let d = Dictionary<string, float>() in d.[key] <- v; Some d
                let result =
                    match e.Node with
                    | Number q -> single "" (abs (q.ToDouble()))
                    | Real x -> single "" (abs x)
                    | Pi -> single "" Math.PI
                    | Symbol s -> single (monomial [ s, 1 ]) 1.0
                    | Sum ts ->
                        let parts = ts |> Array.map go
                        if parts |> Array.exists Option.isNone then None
                        else
                            let d = Dictionary<string, float>()
                            for p in parts do
                                for KeyValue(k, v) in p.Value do
                                    d.[k] <- (match d.TryGetValue k with | true, w -> w | _ -> 0.0) + v
                            if d.Count > maxTerms then None else Some d
                    | Product fs -> product (fs |> Array.map go)
                    | Power(b, k) when (smallPower k).IsSome -> product (Array.create (smallPower k).Value (go b))
                    | _ -> None
                match result with
                | Some d -> memo.[e] <- d
                | None -> ()
                result
        and product (parts: Dictionary<string, float> option[]) =
            if parts |> Array.exists Option.isNone then None
            else
                parts
                |> Array.fold
                    (fun acc p ->
                        match acc with
                        | None -> None
                        | Some (a: Dictionary<string, float>) ->
                            let d = Dictionary<string, float>()
                            for KeyValue(k1, v1) in a do
                                for KeyValue(k2, v2) in p.Value do
                                    let k = times k1 k2
                                    d.[k] <- (match d.TryGetValue k with | true, w -> w | _ -> 0.0) + v1 * v2
                            if d.Count > maxTerms then None else Some d)
                    (single1 ())
        and single1 () = let d = Dictionary<string, float>() in d.[""] <- 1.0; Some d
        go e

    /// A term of a simplified sum as its coefficient and monomial, or None when it is not a number
    /// times symbols (and their positive integer powers).
    let private split (t: Expr) : (float * string) option =
        let factor (f: Expr) =
            match f.Node with
            | Symbol s -> Some(s, 1)
            | Power(b, k) ->
                match b.Node, smallPower k with
                | Symbol s, Some k -> Some(s, k)
                | _ -> None
            | _ -> None
        let ofFactors (c: float) (fs: Expr[]) =
            let ps = fs |> Array.map factor
            if ps |> Array.exists Option.isNone then None else Some(c, monomial (ps |> Array.map Option.get))
        match t.Node with
        | Number q -> Some(q.ToDouble(), "")
        | Real x -> Some(x, "")
        | Product fs ->
            match fs.[0].Node with
            | Number q -> ofFactors (q.ToDouble()) fs.[1..]
            | Real x -> ofFactors x fs.[1..]
            | _ -> ofFactors 1.0 fs
        | _ -> ofFactors 1.0 [| t |]

    /// The simplified steps with their rounding residue dropped: each term c·m of a simplified step (a sum
    /// of numbers times monomials, or one such term) with |c| ≤ ResidueUlps · u · M(m), M the magnitudes
    /// of the unsimplified step it came from (see the module). A step that is not such a sum, or whose
    /// unsimplified form is not a polynomial, is returned as it is: its coefficients are not sums of
    /// products alone, and no bound of this kind holds. The steps and simplified arrays pair up by index.
    [<CompiledName("Drop")>]
    let drop (steps: Expr[]) (simplified: Expr[]) : Expr[] =
        let memo = Dictionary<Expr, Dictionary<string, float>>(HashIdentity.Reference)
        Array.map2
            (fun (u: Expr) (s: Expr) ->
                let terms = match s.Node with | Sum ts -> ts | _ -> [| s |]
                let parts = terms |> Array.map split
                if parts |> Array.exists Option.isNone then s
                else
                    match magnitudes memo 100000 u with
                    | None -> s
                    | Some m ->
                        let residue (c: float, key: string) =
                            match m.TryGetValue key with
                            | true, mag -> abs c <= ResidueUlps * unitRoundoff * mag
                            | _ -> false
                        let kept = Array.zip terms parts |> Array.filter (fun (_, p) -> not (residue p.Value)) |> Array.map fst
                        if kept.Length = terms.Length then s else Expr.sum kept)
            steps
            simplified

/// The closed-form update rules of docs/theory.md §2 as expressions: for each variable xᵢ the step Δxᵢ,
/// in the variables and the step size `eta`. They are what the numeric optimisers compute, written
/// out so a person can read them (and test them against the optimisers).
[<RequireQualifiedAccess>]
module UpdateRules =

    /// The default symbol for the step size η; every rule takes its step-size symbol as the first
    /// argument, so a problem with a variable or parameter named `eta` can name the step otherwise.
    let eta = Expr.symbol "eta"

    let private scale (c: Expr) (v: Expr[]) = v |> Array.map (fun e -> Expr.mul2 c e)

    let private substituteOutputs (outputs: Expr[]) (simulator: Expr[]) (e: Expr) =
        let d = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)
        Array.iter2 (fun (y: Expr) p -> d.[y] <- p) outputs simulator
        Structure.substitute d e

    /// The loss in x, L(P(x)).
    [<CompiledName("LossInX")>]
    let lossInX (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) =
        substituteOutputs outputs simulator loss

    /// GD: Δx = −η ∂L/∂x.
    [<CompiledName("GradientDescent")>]
    let gradientDescent (eta: Expr) (variables: Expr[]) (lossX: Expr) =
        scale (Expr.neg eta) (Calculus.gradient variables lossX)

    /// Newton: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x (exact symbolic inverse: small n only).
    [<CompiledName("Newton")>]
    let newton (eta: Expr) (variables: Expr[]) (lossX: Expr) =
        let g = Calculus.gradient variables lossX
        let h = Calculus.hessianOfGradient variables g
        scale (Expr.neg eta) (Matrix.solve h g)

    /// The y-step Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y, in the outputs y.
    [<CompiledName("YStep")>]
    let yStep (eta: Expr) (outputs: Expr[]) (loss: Expr) =
        let g = Calculus.gradient outputs loss
        let h = Calculus.hessianOfGradient outputs g
        scale (Expr.neg eta) (Matrix.solve h g)

    /// IG: Δx = (∂x/∂y) Δy with Δy the y-step at y = P(x).
    [<CompiledName("InverseGradient")>]
    let inverseGradient (eta: Expr) (variables: Expr[]) (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) =
        let dy = yStep eta outputs loss |> Array.map (substituteOutputs outputs simulator)
        Matrix.mulVec (Matrix.inverseJacobian variables simulator) dy

    /// The most square blocks (C(m, n) for m outputs and n variables) over which a rectangular
    /// Gauss–Newton rule is written as a weighted sum of basic solutions; beyond, the normal equations.
    [<Literal>]
    let MaxGaussNewtonBlocks = 10

    // The k-element subsets of 0 .. n − 1 in lexicographic order.
    let rec private subsets k (from: int) n : int list list =
        if k = 0 then [ [] ]
        elif n - from < k then []
        else
            [ for i in from .. n - k do
                  for rest in subsets (k - 1) (i + 1) n -> i :: rest ]

    let private binomial (n: int) (k: int) =
        Seq.fold (fun (c: bigint) i -> c * bigint (n - i) / bigint (i + 1)) 1I (seq { 0 .. k - 1 })

    /// Gauss–Newton: Δx = −η J⁺ ∂L/∂y at y = P(x), J the m × n Jacobian. The closed form is chosen so
    /// that its one denominator cannot cancel in floating point where J⁺ is well defined:
    /// - m = n: J⁺ = J⁻¹ (JᵀJ is singular exactly where J is), so Δx = −η J⁻¹ g as IG's rule. Writing
    ///   (JᵀJ)⁻¹Jᵀ instead puts det(J)² expanded into the denominator, whose terms cancel to rounding.
    /// - m ≠ n, C(m, n) ≤ MaxGaussNewtonBlocks: by Cauchy–Binet, det(JᵀJ) (m > n) or det(JJᵀ) (m < n)
    ///   is Σ_S det(J_S)² over the square blocks J_S (n rows S of J, or m columns S), a sum of squares
    ///   that cannot cancel; and J⁺g is the average of the blocks' basic solutions J_S⁻¹g weighted by
    ///   det(J_S)² (Jacobi; Ben-Tal and Teboulle, "A geometric property of the least squares solution of
    ///   linear equations", Linear Algebra Appl. 139, 1990 — least squares for m > n, minimum norm for
    ///   m < n with the basic solution zero outside S). Δx = −η Σ_S det(J_S) adj(J_S) g_S / Σ_S det(J_S)².
    /// - otherwise the normal equations (JᵀJ)⁻¹Jᵀg (m > n) or Jᵀ(JJᵀ)⁻¹g (m < n).
    [<CompiledName("GaussNewton")>]
    let gaussNewton (eta: Expr) (variables: Expr[]) (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) =
        let j = Calculus.jacobian variables simulator
        let jt = Matrix.transpose j
        let m, n = simulator.Length, variables.Length

        let g =
            Calculus.gradient outputs loss
            |> Array.map (substituteOutputs outputs simulator)

        let k = min m n

        if m = n then
            scale (Expr.neg eta) (Matrix.solve j g)
        elif k <= Matrix.CofactorLimit && binomial (max m n) k <= bigint MaxGaussNewtonBlocks then
            let blocks =
                subsets k 0 (max m n)
                |> List.map (fun s ->
                    let s = Array.ofList s
                    // The block's rows (m > n) or columns (m < n), and where its solution lands in Δx.
                    let block =
                        if m > n then Array2D.init n n (fun r c -> j.[s.[r], c])
                        else Array2D.init m m (fun r c -> j.[r, s.[c]])

                    let d = Matrix.det block
                    let rhs = if m > n then s |> Array.map (fun r -> g.[r]) else g
                    let solution = Matrix.mulVec (Matrix.adjugate block) rhs |> Array.map (Expr.mul2 d)
                    let placed =
                        if m > n then solution
                        else Array.init n (fun i -> match Array.tryFindIndex ((=) i) s with Some c -> solution.[c] | None -> Expr.zero)
                    d, placed)
                |> List.filter (fun (d, _) -> not (Expr.isZero d))

            if blocks.IsEmpty then
                Fail.raiseWith
                    ErrorKind.Singular
                    "The matrix is singular: every square block of the Jacobian has determinant exactly 0, so J has rank below min(outputs, variables) for every x."

            let denominator = blocks |> List.map (fun (d, _) -> Expr.pow d Expr.two) |> Expr.sum
            let over = Expr.pow denominator Expr.minusOne

            Array.init n (fun i -> Expr.mul [ Expr.neg eta; Expr.sum (blocks |> List.map (fun (_, v) -> v.[i])); over ])
        elif m > n then
            scale (Expr.neg eta) (Matrix.solve (Matrix.mul jt j) (Matrix.mulVec jt g))
        else
            scale (Expr.neg eta) (Matrix.mulVec jt (Matrix.solve (Matrix.mul j jt) g))

    /// PG: Δx = P⁻¹(y + Δy; x) − x, with the inverse given in the outputs y (and x, for the branch).
    [<CompiledName("Physical")>]
    let physical (eta: Expr) (variables: Expr[]) (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) (inverse: Expr[]) =
        let dy = yStep eta outputs loss
        let moved = Array.map2 (fun (y: Expr) d -> Expr.add y d) outputs dy
        let d = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)
        Array.iter2 (fun (y: Expr) m -> d.[y] <- substituteOutputs outputs simulator m) outputs moved
        Array.map2 (fun inv (x: Expr) -> Expr.sub (Structure.substitute d inv) x) inverse variables

    /// Each step through the budgeted heavier simplification.
    [<CompiledName("Simplified")>]
    let simplified (steps: Expr[]) = Simplify.simplifyAll steps
