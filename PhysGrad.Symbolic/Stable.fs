namespace PhysGrad.Symbolic

open System.Collections.Generic

/// Rewrites that keep an expression's value (in real arithmetic) but keep its intermediates
/// representable and its small terms from being rounded away, applied before an expression is
/// evaluated, compiled or emitted as C#; never to what is printed. Expr in, Expr out (`rewriteMany`:
/// an array in, an array of the same length out, shared nodes rewritten once). Two failures of the
/// formula as written are handled: overflow (exp(u) = ∞ beyond u = 709.78, so exp(u)/(1 + exp(u)) is
/// ∞/∞ = NaN at u = 800) and cancellation by rounding (1 + exp(u) rounds to 1 below u ≈ −37, so
/// log(1 + exp(u)) is 0 where it is exp(u)·(1 − exp(u)/2 + …)). Neither is an error: the rewrite
/// raises none. Sources: the log-sum-exp identity below and log1p for log(1 + r) (Goldberg, "What
/// every computer scientist should know about floating-point arithmetic", 1991, Theorem 4 on
/// ln(1 + x); Mächler, "Accurately computing log(1 − exp(−|a|))", 2012, for the softplus form).
///
/// The identity behind both: for real a, b and m = max(a, b) = (a + b + |a − b|)/2,
///     c·exp(a) + d·exp(b) = exp(m)·(c·exp(a − m) + d·exp(b − m)),
/// where a constant term c counts as c·exp(0). Both exponentials on the right are at most 1, so the
/// sum in brackets cannot overflow; the factor exp(m) then merges with the exponentials around it
/// (products of exponentials merge when they are built) or leaves a logarithm as
///     log(exp(m)·r) = m + log(r),
/// which is exact for every real r (both sides are NaN for r < 0 and −∞ for r = 0). Together these
/// give the standard stable forms: softplus log(1 + exp(u)) becomes max(u, 0) + log(exp(−max(u,0)) +
/// exp(u − max(u,0))), the logistic exp(u)/(1 + exp(u)) becomes exp(min(u, 0))/(exp(−max(u,0)) + …),
/// log-sum-exp log(exp a + exp b) becomes max(a, b) + log(…), and every derivative of these, whose
/// forms are products of powers of the same sums, is stable the same way.
///
/// Besides, two rewrites against cancellation rather than overflow: log(1 + u) = log1p(u) (the sum 1 + u
/// drops the digits of a small u: log(1 + 10⁻²⁰) is 0 as written, 10⁻²⁰ as log1p) and
/// c·exp(u) − c = c·expm1(u) (exp(10⁻²⁰) − 1 is 0 as written), for the compiled kernels and the interpreter alike.
[<RequireQualifiedAccess>]
module Stable =

    /// A sum term c·exp(a) (or a constant c = c·exp(0)), as (c, a). The coefficient c may be any
    /// product of factors beside the one exponential (x·exp(x) is (x, x)); a pair with two different
    /// exponents is factored only with numeric coefficients (a symbolic one, y²·exp(xy) + 2, would
    /// cost two more exponentials in every kernel), a pair with one exponent always (exp(x) + x·exp(x)
    /// = exp(x)·(1 + x), from the derivatives of log(x·exp(x)), then costs one fewer).
    let private expTerm (t: Expr) : (Expr * Expr) option =
        match t.Node with
        | Apply(Function.Exp, a) -> Some(Expr.one, a)
        | Product fs ->
            match fs |> Array.tryFindIndex (fun f -> match f.Node with
                                                     | Apply(Function.Exp, _) -> true
                                                     | _ -> false) with
            | Some i ->
                match fs.[i].Node with
                | Apply(_, a) -> Some(Expr.mul (fs |> Array.removeAt i), a)
                | _ -> None
            | None -> None
        | Number _
        | Real _ -> Some(t, Expr.zero)
        | _ -> None

    /// max(a, b) = (a + b + |a − b|)/2, exact in real arithmetic and in double precision up to the
    /// rounding of the sum (the rounding error is far below the size at which exp(m) matters).
    let private maxOf (a: Expr) (b: Expr) =
        // |b − a| when a is the constant (|x|, not |−x|, for 1 + exp(x)): the same value, shorter C#.
        let difference = if Expr.isNumeric a then Expr.sub b a else Expr.sub a b
        // One product ½·(…), not a sum of halves: as a single term, m is added to the small log(…)
        // beside it without first cancelling against its own parts (x/2 + log(…) + |x|/2 loses the
        // log's digits at x < 0). The price: the bracket overflows for max(a, b) above 8.9e307.
        Expr.mul [ Expr.half; Expr.sum [ a; b; Expr.abs difference ] ]

    /// The whole rewrite, for a cancelled sum's result (set below, once `rewrite` exists).
    let mutable private stabilise: Expr -> Expr = id

    /// log(c·exp(a) + d·exp(b)) for numeric c, d > 0 (a constant counts as c·exp(0): the softplus
    /// family, log(c + exp(u)), log-sum-exp of two exponents), as
    ///     max(a', b') + log1p(exp(−|a' − b'|)),   a' = a + log c,  b' = b + log d,
    /// since c·exp(a) = exp(a'): the larger exponential is factored out and what remains is 1 plus
    /// the smaller ratio, which log1p keeps to the last digit. This is the standard softplus
    /// max(u, 0) + log1p(exp(−|u|)): at u = −40 it is exp(−40)·(1 − exp(−40)/2 + …) = 4.2483542552915889e−18,
    /// where log(1 + exp(u)) rounds 1 + 4.2e−18 to 1 and gives 0; at u = 800 it is 800, where exp(u)
    /// overflows. A pair whose exponent is already −|…| is the output of this rewrite and is left alone.
    let private logOfPair (c: Expr, a: Expr) (d: Expr, b: Expr) : Expr option =
        let positive (k: Expr) =
            match k.Node with
            | Number q -> q.Sign > 0
            | Real v -> v > 0.0
            | _ -> false

        let settled (x: Expr) =
            match x.Node with
            | Product [| k; f |] when Expr.isNumeric k && not (positive k) ->
                (match f.Node with
                 | Apply(Function.Abs, _) -> true
                 | _ -> false)
            | _ -> false

        let a' = Expr.add a (Expr.log c)
        let b' = Expr.add b (Expr.log d)

        // log1p(…) keeps the small ratio only if the max beside it is exact: a rounded max would be off
        // by an ulp of |a| + |b| that nothing corrects. With one exponent exactly 0 (log(1 + exp(u)),
        // log1p(exp(u))), max(0, u) = (u + |u|)/2 is exact. With two symbolic exponents (log(exp(a) +
        // exp(b)), log(2 + exp(x)) with a' = log 2) the max is chosen by the sign of the gap,
        //     max(a', b') = a'·(1 + s)/2 + b'·(1 − s)/2,   s = sign(a' − b'),
        // which multiplies by 0, ½ or 1 and so is exact: log(exp(0) + exp(−40)) is then
        // 0 + log1p(e⁻⁴⁰) = 4.2483542552915889e−18, where log(1 + e⁻⁴⁰) is 0.
        if positive c && positive d && not (Expr.isNumeric a' && Expr.isNumeric b') && not (settled a || settled b) then
            let gap = if Expr.isNumeric a' then Expr.sub b' a' else Expr.sub a' b'
            let m =
                if Expr.isZero a' || Expr.isZero b' then
                    maxOf a' b'
                else
                    let s = Expr.sign (Expr.sub a' b')
                    Expr.add (Expr.mul [ Expr.half; a'; Expr.add Expr.one s ]) (Expr.mul [ Expr.half; b'; Expr.sub Expr.one s ])
            // Only the exponents are stabilised further (by the caller, through `stabilise`); the
            // log1p(exp(−|…|)) built here is final, so the rewrite cannot apply to its own output.
            Some(Expr.add (stabilise m) (Expr.log1p (Expr.exp (Expr.neg (Expr.abs (stabilise gap))))))
        else
            None

    /// The sum inside log(…) or 1 + t inside log1p(t), as two exponential terms, if it is one.
    let private pairInLog (n: Expr) =
        match n.Node with
        | Apply(Function.Log, s) ->
            match s.Node with
            | Sum [| t1; t2 |] ->
                match expTerm t1, expTerm t2 with
                | Some p, Some q -> logOfPair p q
                | _ -> None
            | _ -> None
        | Apply(Function.Log1p, t) ->
            match expTerm t with
            | Some q when not (Expr.isNumeric t) -> logOfPair (Expr.one, Expr.zero) q
            | _ -> None
        | _ -> None

    let private rewriteSum (ts: Expr[]) : Expr option =
        if ts.Length <> 2 then
            None
        else
            match expTerm ts.[0], expTerm ts.[1] with
            | Some(c, a), Some(d, b) when obj.ReferenceEquals(a, b) && not (Expr.isNumeric a) ->
                // One exponential: c·exp(a) + d·exp(a) = exp(a)·(c + d), any coefficients.
                Some(Expr.mul [ Expr.exp a; Expr.add c d ])
            | Some(c, a), Some(d, b) when Expr.isNumeric c && Expr.isNumeric d && not (Expr.isNumeric a && Expr.isNumeric b)
                                          && Expr.add c d = Expr.zero ->
                // c·(exp(a) − exp(b)), as exp(u) − 1 (b = 0): the difference cancels where a ≈ b (all digits of
                // exp(10⁻²⁰) − 1 are lost). With the −1s of expm1 cancelling exactly,
                //     c·exp(m)·(expm1(a − m) − expm1(b − m)),   m = max(a, b),
                // one of the two expm1 is of 0: the other, of −|a − b|, keeps every digit, and exp(m) still
                // factors out as below (so (eᵘ − 1)/(eᵘ + 1) at u = 800 is finite).
                let m = maxOf a b
                Some(Expr.mul [ c; Expr.exp m; Expr.sub (Expr.expm1 (Expr.sub a m)) (Expr.expm1 (Expr.sub b m)) ])
            | Some(c, a), Some(d, b) when Expr.isNumeric c && Expr.isNumeric d && not (Expr.isNumeric a && Expr.isNumeric b) ->
                let m = maxOf a b
                let inner = Expr.add (Expr.mul [ c; Expr.exp (Expr.sub a m) ]) (Expr.mul [ d; Expr.exp (Expr.sub b m) ])
                Some(Expr.mul [ Expr.exp m; inner ])
            | _ -> None

    /// In a sum of three or more terms, a numeric c and d·exp(u) with d = −c: d·(exp(u) − 1) = d·expm1(u)
    /// (the difference cancels for small u; a sum of two is factored by rewriteSum instead).
    let private expm1Terms (ts: Expr[]) : Expr option =
        if ts.Length < 3 then None
        else
            match ts |> Array.tryFindIndex Expr.isNumeric with
            | None -> None
            | Some i ->
                ts
                |> Array.tryFindIndex (fun t ->
                    match expTerm t with
                    | Some(d, u) -> Expr.isNumeric d && not (Expr.isNumeric u) && Expr.add d ts.[i] = Expr.zero
                    | None -> false)
                |> Option.map (fun j ->
                    let d, u = (expTerm ts.[j]).Value
                    let rest = ts |> Array.indexed |> Array.filter (fun (k, _) -> k <> i && k <> j) |> Array.map snd
                    Expr.sum (Array.append rest [| Expr.mul [ d; Expr.expm1 u ] |]))

    /// log(1 + u) as log1p(u): the sum 1 + u rounds away the digits of a small u (log(1 + 10⁻²⁰) is 0).
    let private log1pOf (a: Expr) : Expr option =
        match a.Node with
        | Sum ts when ts |> Array.exists (fun t -> obj.ReferenceEquals(t, Expr.one)) ->
            Some(Expr.log1p (Expr.sum (ts |> Array.filter (fun t -> not (obj.ReferenceEquals(t, Expr.one))))))
        | _ -> None

    let private rewriteLog (a: Expr) : Expr option =
        match a.Node with
        | Product fs ->
            let exps, rest =
                fs
                |> Array.partition (fun f ->
                    match f.Node with
                    | Apply(Function.Exp, _) -> true
                    | _ -> false)

            if exps.Length = 0 then
                None
            else
                let ms =
                    exps
                    |> Array.map (fun f ->
                        match f.Node with
                        | Apply(_, m) -> m
                        | _ -> Expr.zero)

                Some(Expr.sum (Array.append ms [| Expr.log (Expr.mul rest) |]))
        | _ -> None

    /// The factors of one argument u in a product: sinh(u)^p·cosh(u)^q·tanh(u)^t·exp(k·u), with
    /// integer powers and a numeric k (exp(u) is k = 1, exp(−u) is k = −1).
    type private Group =
        { U: Expr
          mutable P: int
          mutable Q: int
          mutable K: Expr option }

    let private hyperbolicFactor (f: Expr) =
        match f.Node with
        | Power(b, x) ->
            match b.Node, x.Node with
            | Apply((Function.Sinh | Function.Cosh | Function.Tanh) as g, u), Number q when q.IsInteger && abs (float q.Num) < 64.0 ->
                Some(g, u, int q.Num)
            | _ -> None
        | Apply((Function.Sinh | Function.Cosh | Function.Tanh) as g, u) -> Some(g, u, 1)
        | _ -> None

    let private expFactor (f: Expr) =
        match f.Node with
        | Apply(Function.Exp, a) ->
            match a.Node with
            | Product [| k; u |] when Expr.isNumeric k -> Some(u, k)
            | _ -> Some(a, Expr.one)
        | _ -> None

    /// The arguments whose factors the rewrite below changes: those with an exponential beside a
    /// hyperbolic factor, or with hyperbolic powers of both signs (a ratio).
    let private hyperbolicGroups (fs: Expr[]) : Group list =
        let groups = Dictionary<Expr, Group>(ExprIdentity.comparer)

        let group u =
            match groups.TryGetValue u with
            | true, g -> g
            | _ ->
                let g = { U = u; P = 0; Q = 0; K = None }
                groups.[u] <- g
                g

        let signs = Dictionary<Expr, int * int>(ExprIdentity.comparer)

        for f in fs do
            match hyperbolicFactor f with
            | Some(h, u, n) ->
                let g = group u

                match h with
                | Function.Sinh -> g.P <- g.P + n
                | Function.Cosh -> g.Q <- g.Q + n
                | _ ->
                    g.P <- g.P + n
                    g.Q <- g.Q - n

                let (pos, neg) = (match signs.TryGetValue u with | true, s -> s | _ -> (0, 0))
                signs.[u] <- (if n > 0 then (pos + 1, neg) else (pos, neg + 1))
            | None -> ()

        for f in fs do
            match expFactor f with
            | Some(u, k) ->
                match groups.TryGetValue u with
                | true, g -> g.K <- Some k
                | _ -> ()
            | None -> ()

        [ for g in groups.Values do
              let (pos, neg) = signs.[g.U]

              if (g.K.IsSome && (g.P <> 0 || g.Q <> 0)) || (pos > 0 && neg > 0 && (g.P <> 0 || g.Q <> 0)) then
                  yield g ]

    /// sinh(u)^p·cosh(u)^q·exp(k·u) in a product, rewritten with n = p + q as
    ///     tanh(u)^p·cosh(u)^n                                   (no exponential), or
    ///     tanh(u)^p·2^(−n)·(1 + exp(−2|u|))^n·exp(n|u| + k·u)  (with one),
    /// identities (sinh = tanh·cosh, cosh u = e^|u|(1 + e^(−2|u|))/2) that replace the ∞/∞ and
    /// ∞·0 of sinh/cosh, cosh/sinh, cosh/exp at |u| > 710 by factors that are finite wherever the
    /// value is. tanh keeps the relative accuracy of sinh near u = 0 (no 1 − e^(−2|u|) cancels).
    /// A product whose sinh and cosh factors have different arguments (sinh(2x)/cosh(x)², the
    /// derivative of tanh(cosh x) as sinh(x)·cosh(cosh x)⁻², cosh(x)/cosh(x + 1)) or stand beside an
    /// exponential of another argument (exp(x + 1)/cosh(x)): the grouping above needs one argument.
    /// Each factor is written as an exponential times a bounded factor,
    ///     cosh(u)^n = exp(n|u|)·2^(−n)·(1 + exp(−2|u|))^n,   sinh(u)^n = tanh(u)^n·cosh(u)^n,
    /// so that the exponentials merge into one exp(Σ) (products of exponentials merge when built),
    /// whose argument is a difference of moderate numbers (|2x| − 2|x| = 0) where the factors' ratio is
    /// representable, instead of ∞/∞ = NaN once an argument passes 710. Only where an overflow of one
    /// factor can meet an underflow or overflow of another: hyperbolic powers of both signs, or one
    /// beside an exponential. Near 0 the forms keep their relative accuracy (a sum of positive terms,
    /// and tanh for sinh).
    let private needsScaling (fs: Expr[]) =
        let powers =
            fs
            |> Array.choose (fun f ->
                match hyperbolicFactor f with
                | Some((Function.Sinh | Function.Cosh), _, n) -> Some n
                | _ -> None)

        powers.Length > 0
        && (fs |> Array.exists (fun f -> (expFactor f).IsSome)
            || (Array.exists (fun n -> n > 0) powers && Array.exists (fun n -> n < 0) powers))

    let private scaleHyperbolics (product: Expr) : Expr =
        match product.Node with
        | Product fs ->
            if not (needsScaling fs) then
                product
            else
                Expr.mul
                    [ for f in fs do
                          match hyperbolicFactor f with
                          | Some((Function.Sinh | Function.Cosh) as g, u, n) ->
                              let a = Expr.abs u

                              if g = Function.Sinh then
                                  yield Expr.pow (Expr.tanh u) (Expr.ofInt n)

                              yield Expr.exp (Expr.mul [ Expr.ofInt n; a ])
                              yield Expr.pow Expr.two (Expr.ofInt -n)
                              yield Expr.pow (Expr.add Expr.one (Expr.exp (Expr.mul [ Expr.ofInt -2; a ]))) (Expr.ofInt n)
                          | _ -> yield f ]
        | _ -> product

    let private rewriteProduct (product: Expr) : Expr =
        match product.Node with
        | Product fs ->
            match hyperbolicGroups fs with
            | [] -> scaleHyperbolics product
            | groups ->
                let touched = HashSet<Expr>(groups |> List.map (fun g -> g.U), ExprIdentity.comparer)

                let rest =
                    fs
                    |> Array.filter (fun f ->
                        match hyperbolicFactor f, expFactor f with
                        | Some(_, u, _), _ -> not (touched.Contains u)
                        | None, Some(u, _) -> not (touched.Contains u)
                        | None, None -> true)

                let replaced =
                    [ for g in groups do
                          let u = g.U
                          let n = g.P + g.Q
                          yield Expr.pow (Expr.tanh u) (Expr.ofInt g.P)

                          match g.K with
                          | None -> yield Expr.pow (Expr.cosh u) (Expr.ofInt n)
                          | Some k ->
                              let a = Expr.abs u
                              yield Expr.pow Expr.two (Expr.ofInt -n)
                              yield Expr.pow (Expr.add Expr.one (Expr.exp (Expr.mul [ Expr.ofInt -2; a ]))) (Expr.ofInt n)
                              yield Expr.exp (Expr.add (Expr.mul [ Expr.ofInt n; a ]) (Expr.mul [ k; u ])) ]

                scaleHyperbolics (Expr.mul (Array.append rest (Array.ofList replaced)))
        | _ -> product

    /// The factors of a product (a lone term is its own one factor).
    let private factorsOf (t: Expr) =
        match t.Node with
        | Product fs -> fs
        | _ -> [| t |]

    /// 1 − tanh(u)² = 1/cosh(u)² and tanh(u)² − 1 = −1/cosh(u)², for a two-term sum c·(1 − tanh²):
    /// the left side is 0 in double precision once tanh rounds to ±1 (|u| > 19), the right side is not.
    let private tanhIdentity (s: Expr) : Expr option =
        match s.Node with
        | Sum [| a; b |] ->
            let square (t: Expr) =
                match factorsOf t with
                | fs ->
                    let tanhs, rest =
                        fs |> Array.partition (fun f -> match f.Node with
                                                        | Power(bs, e) when e = Expr.two -> (match bs.Node with
                                                                                             | Apply(Function.Tanh, _) -> true
                                                                                             | _ -> false)
                                                        | _ -> false)
                    if tanhs.Length = 1 then
                        match tanhs.[0].Node with
                        | Power(bs, _) -> match bs.Node with
                                          | Apply(_, u) -> Some(u, Expr.mul rest)
                                          | _ -> None
                        | _ -> None
                    else
                        None
            let tryPair (c: Expr) (t: Expr) =
                match square t with
                // c + d·tanh(u)² with d = −c: c·(1 − tanh²) = c·cosh(u)⁻².
                | Some(u, d) when Expr.isNumeric c && Expr.add c d = Expr.zero ->
                    Some(Expr.mul [ c; Expr.pow (Expr.cosh u) (Expr.ofInt -2) ])
                | _ -> None
            match tryPair a b with
            | Some r -> Some r
            | None -> tryPair b a
        | _ -> None

    /// Cancellation between two terms: t₁ + t₂ = t₁·(1 + r), r = t₂/t₁ = num/den (den the factors with
    /// negative exponents), so t₁ + t₂ = t₁·(den + num)/den. Taken only where den + num collapses to a
    /// single term (the terms cancel symbolically: σ − σ² = σ·(1 + eˣ − eˣ)/(1 + eˣ) = σ/(1 + eˣ), and
    /// 1 − 1/tanh² = (tanh² − 1)/tanh² = −1/(cosh²·tanh²) by the identity above): the difference of two
    /// nearly equal terms, which loses every digit in a tail (the logistic's derivative at 40, coth′ at
    /// 20), becomes a product, accurate to a few ulps relative. Equal to t₁ + t₂ wherever t₁ and den are
    /// finite and nonzero.
    let private cancelPair (ts: Expr[]) : Expr option =
        if ts.Length <> 2 || Expr.isNumeric ts.[0] && Expr.isNumeric ts.[1] then
            None
        else
            let t1 = ts.[0]
            let r = Expr.div ts.[1] t1
            let negative (f: Expr) =
                match f.Node with
                | Power(_, e) -> (match e.Node with
                                  | Number q -> q.Sign < 0
                                  | Real v -> v < 0.0
                                  | _ -> false)
                | _ -> false
            let fs = factorsOf r
            let den = fs |> Array.filter negative |> Array.map (fun f -> Expr.div Expr.one f) |> Expr.mul
            let num = fs |> Array.filter (negative >> not) |> Expr.mul
            let combined = Expr.add den num
            let collapsed =
                match combined.Node with
                | Sum _ -> tanhIdentity combined
                | _ -> Some combined
            match collapsed with
            | Some c when not (Expr.isNumeric c && c = Expr.zero) -> Some(Expr.mul [ t1; c; Expr.div Expr.one den ])
            | _ -> None

    /// The terms of e with products and small positive integer powers (up to 6) of sums multiplied out,
    /// so that like terms meet when summed; None past `budget` terms or 8 levels of nesting.
    let private expandTerms (budget: int) (e: Expr) : Expr[] option =
        let times (a: Expr[]) (b: Expr[]) =
            if a.Length * b.Length > budget then None
            else Some [| for x in a do for y in b -> Expr.mul [ x; y ] |]

        let rec terms (depth: int) (e: Expr) : Expr[] option =
            if depth > 8 then
                None
            else
                match e.Node with
                | Sum ts ->
                    let parts = ts |> Array.map (terms (depth + 1))
                    if parts |> Array.forall Option.isSome then
                        let all = parts |> Array.collect Option.get
                        if all.Length > budget then None else Some all
                    else
                        None
                | Product fs ->
                    fs |> Array.fold (fun acc f ->
                        match acc, terms (depth + 1) f with
                        | Some a, Some b -> times a b
                        | _ -> None) (Some [| Expr.one |])
                | Power(b, p) ->
                    match p.Node, b.Node with
                    | Number q, Sum _ when q.IsInteger && q.Sign > 0 && q.Num <= System.Numerics.BigInteger 6 ->
                        match terms (depth + 1) b with
                        | Some bt ->
                            let mutable acc = Some [| Expr.one |]
                            for _ in 1 .. int q.Num do
                                acc <- acc |> Option.bind (fun a -> times a bt)
                            acc
                        | None -> None
                    | _ -> Some [| e |]
                | _ -> Some [| e |]

        terms 0 e

    /// A factor b^(−k) of a term, k > 0, as (b, k); a factor with a non-numeric or positive exponent is not one.
    let private denominatorFactor (f: Expr) =
        match f.Node with
        | Power(b, e) ->
            match e.Node with
            | Number q when q.Sign < 0 -> Some(b, -q)
            | _ -> None
        | _ -> None

    /// Cancellation among three to six terms with denominators in common (σ″ = σ − 3σ² + 2σ³ written
    /// eˣ/(1 + eˣ) − 3e²ˣ/(1 + eˣ)² + 2e³ˣ/(1 + eˣ)³, the third derivative of softplus, …): with
    /// rᵢ = tᵢ/t₁ = numᵢ/denᵢ and D the least common multiple of the denᵢ (each base to its largest
    /// power), Σ tᵢ = t₁·N/D, N = Σ numᵢ·(D/denᵢ) multiplied out. Taken only where N has fewer terms
    /// than the sum (terms cancelled symbolically: here N = 1 − eˣ, so σ″ = eˣ(1 − eˣ)/(1 + eˣ)³,
    /// accurate relative to its value in both tails where the sum rounds to 0). Tried only on sums
    /// where at least two terms have a denominator that is a sum (cheap to rule out elsewhere). Equal
    /// to the sum wherever t₁ and D are finite and nonzero.
    let private cancelTerms (ts: Expr[]) : Expr option =
        let sumDenominators (t: Expr) =
            factorsOf t |> Array.exists (fun f ->
                match denominatorFactor f with
                | Some(b, _) -> (match b.Node with
                                 | Sum _ -> true
                                 | _ -> false)
                | None -> false)

        if ts.Length < 3 || ts.Length > 6 || (ts |> Array.filter sumDenominators).Length < 2 then
            None
        else
            let t1 = ts.[0]
            let split (r: Expr) =
                let fs = factorsOf r
                let den = fs |> Array.choose denominatorFactor
                let num = fs |> Array.filter (fun f -> (denominatorFactor f).IsNone) |> Expr.mul
                num, den
            let parts = ts |> Array.map (fun t -> split (Expr.div t t1))
            let largest = Dictionary<Expr, Rational>(ExprIdentity.comparer)
            let order = ResizeArray<Expr>()
            for (_, den) in parts do
                for (b, k) in den do
                    match largest.TryGetValue b with
                    | true, q when Rational.Compare(q, k) >= 0 -> ()
                    | true, _ -> largest.[b] <- k
                    | _ ->
                        largest.[b] <- k
                        order.Add b
            // Every base of D must be a sum that t₁ does not carry as a factor of its own: a base that
            // is a symbol, or a factor of t₁'s numerator, would be a zero of t₁ where t₁·N/D is 0/0
            // although the sum is finite there.
            let isSum (b: Expr) =
                match b.Node with
                | Sum _ -> true
                | _ -> false
            let positivePowerOf (b: Expr) (f: Expr) =
                match f.Node with
                | Power(fb, e) ->
                    let positive =
                        match e.Node with
                        | Number q -> q.Sign > 0
                        | _ -> true
                    obj.ReferenceEquals(fb, b) && positive
                | _ -> obj.ReferenceEquals(f, b)
            let inNumeratorOfFirst (b: Expr) = factorsOf t1 |> Array.exists (positivePowerOf b)
            if order.Count = 0 || order |> Seq.exists (fun b -> not (isSum b) || inNumeratorOfFirst b) then
                None
            else
                let d = order |> Seq.map (fun b -> Expr.pow b (Expr.number largest.[b])) |> Array.ofSeq |> Expr.mul
                let numerator =
                    parts |> Array.map (fun (num, den) ->
                        let denominator = den |> Array.map (fun (b, k) -> Expr.pow b (Expr.number k)) |> Expr.mul
                        Expr.mul [ num; Expr.div d denominator ])
                match expandTerms 256 (Expr.sum numerator) with
                | Some terms ->
                    let n = Expr.sum terms
                    let count =
                        match n.Node with
                        | Sum xs -> xs.Length
                        | _ -> 1
                    if count < ts.Length && not (Expr.isZero n) then Some(Expr.mul [ t1; n; Expr.div Expr.one d ]) else None
                | None -> None

    /// log(Σ cᵢ·exp(u) + r) with one exponent u and any coefficients (η, parameters, target names, the
    /// sum multiplied out first: log(exp(x) − η·(exp(x) − 2)) is PG's step for exp(x) with target 2),
    /// where logOfPair above needs two positive numbers. With m = max(u, 0) = (u + |u|)/2 (exact),
    ///     log(C·exp(u) + R) = m + log(C·exp(u − m) + R·exp(−m)),   C = Σ cᵢ, R = Σ r,
    /// exact for every real u (log(exp(m)·t) = m + log t), and neither exponential in the bracket exceeds
    /// 1: at u = 800 the bracket is C + R·exp(−800) and the value 800 + log C (log(1 − η) + 800 for PG),
    /// where exp(800) − η·exp(800) is ∞ − ∞. C is one sum, so its terms (1 − η) cancel before the small
    /// R·exp(−u) is added to them. With no r it is u + log C. None for sums with two different non-numeric
    /// exponents (exp(x0) + η·exp(x1)), with no exponential, or past 64 terms multiplied out.
    let private logOfSharedExponential (n: Expr) : Expr option =
        match n.Node with
        | Apply(Function.Log, s) when (match s.Node with
                                       | Sum _ -> true
                                       | _ -> false) ->
            match expandTerms 64 s with
            | Some terms when terms.Length >= 2 ->
                let parts =
                    terms |> Array.map (fun t ->
                        match expTerm t with
                        | Some(c, a) when not (Expr.isNumeric a) -> Choice1Of2(c, a)
                        | _ -> Choice2Of2 t)
                let exps = parts |> Array.choose (function Choice1Of2 p -> Some p | Choice2Of2 _ -> None)
                let rest = parts |> Array.choose (function Choice2Of2 t -> Some t | Choice1Of2 _ -> None)
                if exps.Length = 0 || exps |> Array.exists (fun (_, a) -> not (obj.ReferenceEquals(a, snd exps.[0]))) then
                    None
                else
                    let u = stabilise (snd exps.[0])
                    let c = stabilise (Expr.sum (Array.map fst exps))
                    if rest.Length = 0 then
                        Some(Expr.add u (Expr.log c))
                    else
                        let m = maxOf Expr.zero u
                        let r = stabilise (Expr.sum rest)
                        Some(Expr.add m (Expr.log (Expr.add (Expr.mul [ c; Expr.exp (Expr.sub u m) ]) (Expr.mul [ r; Expr.exp (Expr.neg m) ]))))
            | _ -> None
        | _ -> None

    let private rewriteNode (n: Expr) (children: Expr[]) : Expr =
        match n.Node with
        | Product _ -> rewriteProduct (Expr.mul children)
        | Apply((Function.Log | Function.Log1p), _) when (pairInLog n).IsSome ->
            // Found on the expression as written (its stable child has the sum already factored);
            // the exponents a, b are then stabilised with the rest.
            (pairInLog n).Value
        | Apply(Function.Log, _) when (logOfSharedExponential n).IsSome ->
            // Also found on the sum as written: its stable child may have split C·exp(u) into parts.
            (logOfSharedExponential n).Value
        | Apply(Function.Log, _) when (match children.[0].Node with
                                       | Apply(Function.Cosh, _) -> true
                                       | _ -> false) ->
            // log cosh u = |u| + log(1 + exp(−2|u|)) − log 2: cosh overflows at |u| > 710, this does not.
            match children.[0].Node with
            | Apply(_, u) ->
                let a = Expr.abs u
                Expr.sum [ a; Expr.log (Expr.add Expr.one (Expr.exp (Expr.mul [ Expr.ofInt -2; a ]))); Expr.neg (Expr.log Expr.two) ]
            | _ -> Expr.log children.[0]
        | Sum _ ->
            let s = Expr.sum children

            // The cancellation is found on the sum as written (the stable forms of its parts hide it:
            // 1 + eˣ − eˣ is no longer visible once 1 + eˣ is factored), then its result is stabilised.
            // Else on the sum of the stable parts (1 − cosh²/sinh² shows 1 − 1/tanh² only there).
            let cancelled =
                match n.Node, s.Node with
                | Sum ots, Sum ts ->
                    tanhIdentity n
                    |> Option.orElse (cancelPair ots)
                    |> Option.orElse (cancelTerms ots)
                    |> Option.orElse (tanhIdentity s)
                    |> Option.orElse (cancelPair ts)
                | _ -> None

            match s.Node with
            | Sum ts ->
                match cancelled with
                | Some c -> stabilise c
                | None ->
                    match rewriteSum ts |> Option.orElse (expm1Terms ts) with
                    | Some r -> r
                    | None -> s
            | _ -> s
        | Apply(Function.Log, _) ->
            match log1pOf children.[0] |> Option.orElse (rewriteLog children.[0]) with
            | Some r -> r
            | None -> Expr.log children.[0]
        | _ ->
            let cs = Expr.children n

            if Array.forall2 (fun a b -> obj.ReferenceEquals(a, b)) cs children then
                n
            else
                Expr.rebuild n children

    /// Does any sum or logarithm in the graph have a shape the rewrite acts on? (Most expressions
    /// have none, and then they are returned as they are, at the cost of one walk.)
    let private applies (roots: Expr[]) =
        Structure.postOrder roots
        |> Array.exists (fun n ->
          // A rule's trial whose constants overflow (the ratio 1E+300/1E-20 of two terms, tried by cancelPair)
          // does not apply: the rewrite is optional, and the expression as written is still well defined.
          try
            match n.Node with
            | Sum ts when ts.Length = 2 && ((tanhIdentity n).IsSome || (cancelPair ts).IsSome) -> true
            | Sum ts when ts.Length >= 3 && (cancelTerms ts).IsSome -> true
            | Sum ts when (expm1Terms ts).IsSome -> true
            | Sum ts when ts.Length = 2 ->
                match expTerm ts.[0], expTerm ts.[1] with
                | Some(c, a), Some(d, b) ->
                    (obj.ReferenceEquals(a, b) && not (Expr.isNumeric a))
                    || (Expr.isNumeric c && Expr.isNumeric d && not (Expr.isNumeric a && Expr.isNumeric b))
                | _ -> false
            | Apply((Function.Log | Function.Log1p), _) when (pairInLog n).IsSome -> true
            | Apply(Function.Log, _) when (logOfSharedExponential n).IsSome -> true
            | Apply(Function.Log, a) ->
                match a.Node with
                | Apply(Function.Cosh, _) -> true
                | Sum _ -> (log1pOf a).IsSome
                | Product fs -> fs |> Array.exists (fun f -> (expFactor f).IsSome)
                | _ -> false
            | Product fs ->
                not (List.isEmpty (hyperbolicGroups fs))
                || needsScaling fs
            | _ -> false
          with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite -> false)

    /// The stable forms of several expressions, as `rewrite` does each: an array of the same length and
    /// order, shared subexpressions rewritten once.
    [<CompiledName("RewriteMany")>]
    let rewriteMany (roots: Expr[]) : Expr[] =
        if not (applies roots) then
            roots
        else
            let memo = Dictionary<Expr, Expr>(ExprIdentity.comparer)

            for n in Structure.postOrder roots do
                let cs = Expr.children n

                memo.[n] <-
                    if cs.Length = 0 then
                        n
                    else
                        let children = cs |> Array.map (fun c -> memo.[c])
                        // A node whose rewrite folds constants beyond doubles keeps its form (with its children's
                        // rewrites): ½(1E-20·x0² + 1E+300·x1²) is finite, its cancelPair trial 1E+300/1E-20 is not.
                        try
                            rewriteNode n children
                        with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite ->
                            if Array.forall2 (fun a b -> obj.ReferenceEquals(a, b)) cs children then n else Expr.rebuild n children

            roots |> Array.map (fun r -> memo.[r])

    /// The stable form of one expression: the same value wherever it is defined, without overflow
    /// in the intermediates of sums of two exponentials and with log(1 + r) as log1p(r), so that a
    /// small exponential beside 1 is not rounded away (see the module comment); the expression itself
    /// (the same object) where nothing applies. Raises nothing.
    [<CompiledName("Rewrite")>]
    let rewrite (e: Expr) : Expr = (rewriteMany [| e |]).[0]

    do stabilise <- rewrite

/// Signs that hold for every value of the variables, read from an expression's form.
module Bounds =

    /// Is e ≥ 0 for every real value of its symbols (wherever it is defined)? Decided from the form
    /// only, so "false" means "not shown": a non-negative number; an even integer power or |u|; exp,
    /// cosh and √ (the power ½ and other powers of a non-negative base); sums and products of
    /// non-negative terms. The default loss ½‖y − y*‖² is a sum of such terms; `y0` or `-y0^2` is not.
    /// Iterative (a worklist), so a deep expression cannot exhaust the stack.
    [<CompiledName("IsNonNegative")>]
    let nonNegative (e: Expr) : bool =
        let pending = System.Collections.Generic.Stack<Expr>()
        pending.Push e
        let mutable ok = true
        while ok && pending.Count > 0 do
            let e = pending.Pop()
            match e.Node with
            | Number r -> ok <- r.Sign >= 0
            | Real v -> ok <- v >= 0.0
            | Pi -> ()
            | Sum ts -> for t in ts do pending.Push t
            | Product fs -> for f in fs do pending.Push f
            | Power(b, p) ->
                match p.Node with
                | Number r when r.IsInteger && r.Num.IsEven -> ()
                | _ -> pending.Push b
            | Apply((Function.Abs | Function.Exp | Function.Cosh), _) -> ()
            | Symbol _
            | Apply _
            | Atan2 _ -> ok <- false
        ok
