namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// The local inverse x = P⁻¹(y; x₀) derived symbolically: P(x) = y solved for x when P is built from
/// invertible pieces, with the branch chosen by the current point x₀ (for y = x²: x = sign(x₀)·√y).
///
/// The solver works equation by equation. It peels invertible pieces off the right-hand side of
/// `yⱼ = Pⱼ(x)` (adding or multiplying by something free of the unknowns, powers, exp, log, sinh,
/// tanh, atan, asin, acos, cosh and abs) and moves their inverses to the left; an equation left
/// with one unknown is solved and that unknown becomes known to the others (so triangular systems
/// solve). When no equation has a single unknown, the equations are read as a linear system in
/// their pieces (`A·f(x) + b`, linear maps included) and reduced by exact elimination, which
/// exposes pieces in one unknown; failing that, the outer invertible pieces of every equation are
/// peeled (`f(A·x + b)`) and the search goes on. So every `g(A·f(x) + b)` with f, g elementwise
/// invertible and A invertible solves (property-tested on random ones), as do triangular systems.
/// Not solved: two linear maps with an elementwise map between them (`A₂·f(A₁·x)`; it needs a change
/// of variables to the pieces' arguments), sin, products of unknowns. What is not solved is reported
/// with the equations the solver stopped at, and PG then inverts numerically.
///
/// The result is in the output names (the target y) and the variable names, which stand for the
/// current point x₀ and only ever appear inside branch choices `sign(g(x₀))`. At a point where such a
/// g is 0 both branches are preimages and choosing one is a choice, not a failure: `branchAtZero`
/// rewrites the choices so that g(x₀) = 0 takes the + branch (compiled inverses use it); a y outside
/// P's range gives NaN (no preimage).
/// Written here because no .NET library solves symbolic equations.
/// Signs an expression has for every real value of its symbols, proved from its form alone (sound,
/// not complete: false means "not shown", not "changes sign").
[<RequireQualifiedAccess>]
module Sign =

    let private number (e: Expr) =
        match e.Node with
        | Number q -> Some(q.ToDouble())
        | Real r -> Some r
        | _ -> None

    let private evenInteger (p: Expr) =
        match number p with
        | Some k -> k = Math.Round k && int64 k % 2L = 0L
        | None -> false

    /// e ≥ 0 wherever it is defined.
    let rec nonNegative (e: Expr) : bool =
        match e.Node with
        | Number _
        | Real _ -> (number e |> Option.defaultValue -1.0) >= 0.0
        | Pi -> true
        | Power(b, p) -> evenInteger p || nonNegative b
        | Apply(Function.Exp, _)
        | Apply(Function.Cosh, _)
        | Apply(Function.Abs, _) -> true
        | Product fs -> fs |> Array.forall nonNegative
        | Sum ts -> ts |> Array.forall nonNegative
        | _ -> false

    /// e > 0 wherever it is defined.
    let rec positive (e: Expr) : bool =
        match e.Node with
        | Number _
        | Real _ -> (number e |> Option.defaultValue -1.0) > 0.0
        | Pi -> true
        | Power(b, _) -> positive b
        | Apply(Function.Exp, _)
        | Apply(Function.Cosh, _) -> true
        | Product fs -> fs |> Array.forall positive
        | Sum ts -> ts |> Array.forall nonNegative && ts |> Array.exists positive
        | _ -> false

[<RequireQualifiedAccess>]
module LocalInverse =

    type private Equation = { Lhs: Expr; Rhs: Expr }

    /// asinh(l) = sign(l)·log(|l| + √(l² + 1)), the odd form of log(l + √(l² + 1)): for l < 0 the
    /// latter subtracts two numbers of size |l| to get one of size 1/(2|l|) (at l = −4446 it keeps only
    /// 8 digits), while |l| + √(l² + 1) ≥ 1 has no cancellation for either sign.
    let private asinh l =
        Expr.mul2 (Expr.sign l) (Expr.log (Expr.add (Expr.abs l) (Expr.sqrt (Expr.add (Expr.pow l Expr.two) Expr.one))))

    /// atanh(l) = ½ log((1 + l)/(1 − l)).
    let private atanh l =
        Expr.mul2 Expr.half (Expr.log (Expr.div (Expr.add Expr.one l) (Expr.sub Expr.one l)))

    /// acosh(l) = log(l + √(l² − 1)), the non-negative branch.
    let private acosh l =
        Expr.log (Expr.add l (Expr.sqrt (Expr.sub (Expr.pow l Expr.two) Expr.one)))

    /// The numeric value of an exponent, when it is a plain number.
    let private numericValue (e: Expr) =
        match e.Node with
        | Number q -> Some(q.ToDouble())
        | Real r -> Some r
        | _ -> None

    /// The most variables for which a problem's local inverse is derived symbolically when a problem is
    /// built (`Problem.Create`); above it the attempt is skipped and PG uses the numeric inverse (or the
    /// inverse given as code), with the reason in the inverse's note. On the 1-D stencil
    /// x[i] + 0.1(x[i+1] − 2x[i] + x[i−1]) + 0.01x[i]³ (periodic) the work to conclude that there is no
    /// closed form grows like n³ (875,000 nodes, about 1 s, at n = 64; BENCHMARKS.md), so above 64 a
    /// coupled system would only spend its budget.
    [<CompiledName("DeriveUpTo")>]
    let deriveUpTo = 64

    /// Raised inside a derivation that ran past its work budget.
    exception private OverBudget

    /// The work a derivation may do by default (`Problem.Create` uses it), in work units: expression
    /// nodes built (each request to the intern table, whether the node was new or not), so the count
    /// depends only on the problem, never on the machine, its load or what was built before. Calibrated so that the default is spent in about
    /// 2 s on an unloaded machine of this project's CI (measurements in BENCHMARKS.md): long enough
    /// for every example and property problem (a few hundred units each), short enough that a
    /// problem whose inverse would take minutes (a long chain of squares) falls back to the numeric
    /// inverse quickly.
    [<CompiledName("DefaultBudget")>]
    let defaultBudget = 2_000_000L

    /// As `deriveWithin`, also returning the work units spent (for calibrating the budget).
    [<CompiledName("TryDeriveCounted")>]
    let deriveCounted (budget: int64) (variables: string[]) (outputs: string[]) (simulator: Expr[]) : Result<Expr[], string> * int64 =
        let started = WorkCounter.Built
        let spent () = WorkCounter.Built - started

        let checkBudget () =
            if spent () >= budget then
                raise OverBudget

        if variables.Length <> simulator.Length || outputs.Length <> simulator.Length then
            Error(
                sprintf
                    "a local inverse needs as many outputs as variables; this simulator maps %s to %s"
                    (Fail.count variables.Length "variable")
                    (Fail.count simulator.Length "output")
            ),
            0L
        else
            let n = variables.Length
            // The unknowns get private names so that the variable names stay free to mean x₀.
            let taken = HashSet<string>(Structure.freeSymbolNames simulator)

            for v in variables do
                taken.Add v |> ignore

            for y in outputs do
                taken.Add y |> ignore

            let mutable prefix = "_unknown"

            while variables |> Array.exists (fun v -> taken.Contains(prefix + v)) do
                prefix <- "_" + prefix

            let unknowns = variables |> Array.map (fun v -> Expr.symbol (prefix + v))
            let variableSymbols = variables |> Array.map Expr.symbol
            let index = Dictionary<Expr, int>(ExprIdentity.comparer)
            unknowns |> Array.iteri (fun i u -> index.[u] <- i)
            let toUnknowns = Dictionary<Expr, Expr>(ExprIdentity.comparer)
            let toCurrent = Dictionary<Expr, Expr>(ExprIdentity.comparer)

            for i in 0 .. n - 1 do
                toUnknowns.[variableSymbols.[i]] <- unknowns.[i]
                toCurrent.[unknowns.[i]] <- variableSymbols.[i]

            let solved = Dictionary<int, Expr>()
            let order = List<int>()

            let unsolvedIn (e: Expr) =
                Structure.freeSymbols e
                |> Array.choose (fun s ->
                    match index.TryGetValue s with
                    | true, i when not (solved.ContainsKey i) -> Some i
                    | _ -> None)

            let free (e: Expr) = (unsolvedIn e).Length = 0
            // g at the current point x₀: the branch selector.
            let current (g: Expr) = Structure.substitute toCurrent g
            let branch (g: Expr) = Expr.apply Function.Sign (current g)

            /// Moves invertible pieces of the right-hand side to the left until none is left.
            let rec peel (lhs: Expr) (rhs: Expr) =
                Deep.check ()
                checkBudget ()

                let oneDependent (parts: Expr[]) =
                    match parts |> Array.partition free with
                    | rest, [| d |] -> Some(rest, d)
                    | _ -> None

                match rhs.Node with
                | Sum terms ->
                    match oneDependent terms with
                    | Some(rest, d) -> peel (Expr.sub lhs (Expr.sum rest)) d
                    | None -> lhs, rhs
                | Product factors ->
                    match oneDependent factors with
                    | Some(rest, d) -> peel (Expr.div lhs (Expr.mul rest)) d
                    | None -> lhs, rhs
                | Power(b, p) when free p && not (free b) ->
                    let inverted = Expr.pow lhs (Expr.div Expr.one p)

                    match numericValue p with
                    | Some k when k = Math.Round k && abs k > 1.0 && int64 k % 2L = 0L ->
                        // b^(2j) = l: two real roots ±l^(1/(2j)); keep the one on b's side at x₀.
                        peel (Expr.mul2 (branch b) inverted) b
                    | Some k when k = Math.Round k && abs k > 1.0 ->
                        // An odd power is invertible on all of ℝ: the real root keeps l's sign.
                        let root =
                            Expr.mul2
                                (Expr.apply Function.Sign lhs)
                                (Expr.pow (Expr.apply Function.Abs lhs) (Expr.div Expr.one p))

                        peel root b
                    | _ -> peel inverted b
                | Power(b, p) when free b && not (free p) -> peel (Expr.logTo b lhs) p
                | Apply(f, a) ->
                    let next =
                        match f with
                        | Function.Exp -> Some(Expr.log lhs)
                        | Function.Log -> Some(Expr.exp lhs)
                        | Function.Log1p -> Some(Expr.expm1 lhs)
                        | Function.Expm1 -> Some(Expr.log1p lhs)
                        // log_b a = l ⇔ a = b^l.
                        | Function.Log10
                        | Function.Log2 -> Some(Expr.pow (Expr.ofInt (Expr.logBase f).Value) lhs)
                        | Function.Sinh -> Some(asinh lhs)
                        | Function.Tanh -> Some(atanh lhs)
                        | Function.Atan -> Some(Expr.tan lhs)
                        | Function.Asin -> Some(Expr.sin lhs)
                        | Function.Acos -> Some(Expr.cos lhs)
                        | Function.Cosh -> Some(Expr.mul2 (branch a) (acosh lhs))
                        | Function.Abs -> Some(Expr.mul2 (branch a) lhs)
                        | _ -> None

                    match next with
                    | Some l -> peel l a
                    | None -> lhs, rhs
                | _ -> lhs, rhs

            /// Solves an equation with exactly one unknown left; false when a piece does not invert.
            let trySolve (eq: Equation) =
                let lhs, rhs = peel eq.Lhs eq.Rhs

                match index.TryGetValue rhs with
                | true, i when not (solved.ContainsKey i) ->
                    solved.[i] <- lhs
                    order.Add i
                    true
                | _ -> false

            /// The equations as a linear system in their pieces (the parts of their terms that depend on
            /// unknowns), brought to reduced row echelon form by exact elimination. Pieces coupling more
            /// unknowns are eliminated first, so rows in a single unknown come out where the system
            /// allows (y0 = −6x0 + 4x2, y2 = −6x0 + 4x2 − 3·atan(−3x2) gives a row in atan(−3x2) alone).
            let eliminate (eqs: Equation list) : Equation list =
                let pieces = List<Expr>()
                let column = Dictionary<Expr, int>(ExprIdentity.comparer)

                // The terms of e as (piece, coefficient), constants distributed over sums that depend on
                // unknowns (−(4·x1 + x2) is two terms), never into a piece ((x0 + x1)³ stays whole).
                let rec split (coefficient: Expr) (e: Expr) : (int option * Expr) list =
                    match e.Node with
                    | Sum ts -> ts |> Array.toList |> List.collect (split coefficient)
                    | _ ->
                        let factors =
                            match e.Node with
                            | Product fs -> fs
                            | _ -> [| e |]

                        let constant, dependent = factors |> Array.partition free
                        let c = Expr.mul2 coefficient (Expr.mul constant)

                        match dependent with
                        | [||] -> [ None, Expr.mul2 coefficient e ]
                        | [| d |] when
                            (match d.Node with
                             | Sum _ -> true
                             | _ -> false)
                            ->
                            split c d
                        | _ ->
                            let piece = Expr.mul dependent

                            if not (column.ContainsKey piece) then
                                column.[piece] <- pieces.Count
                                pieces.Add piece

                            [ Some column.[piece], c ]

                let rows = eqs |> List.map (fun eq -> eq, split Expr.one eq.Rhs) |> List.toArray
                let m, k = rows.Length, pieces.Count
                let a = Array2D.create m k Expr.zero

                let b =
                    rows
                    |> Array.mapi (fun r (eq, terms) ->
                        let mutable rhs = eq.Lhs

                        for (which, coefficient) in terms do
                            match which with
                            | Some c -> a.[r, c] <- Expr.add a.[r, c] coefficient
                            | None -> rhs <- Expr.sub rhs coefficient

                        rhs)

                let columns =
                    [| 0 .. k - 1 |] |> Array.sortBy (fun c -> -(unsolvedIn pieces.[c]).Length, c)

                let mutable top = 0

                for c in columns do
                    if top < m then
                        // A floating 0.0 (a cancellation among floating coefficients) is no pivot either.
                        match [ top .. m - 1 ] |> List.tryFind (fun r -> not (Expr.isZeroValue a.[r, c])) with
                        | None -> ()
                        | Some p ->
                            for j in 0 .. k - 1 do
                                let t = a.[top, j]
                                a.[top, j] <- a.[p, j]
                                a.[p, j] <- t

                            let t = b.[top]
                            b.[top] <- b.[p]
                            b.[p] <- t
                            let inv = Expr.pow a.[top, c] Expr.minusOne

                            for j in 0 .. k - 1 do
                                a.[top, j] <- Expr.mul2 a.[top, j] inv

                            b.[top] <- Expr.mul2 b.[top] inv

                            for r in 0 .. m - 1 do
                                if r <> top && not (Expr.isZeroValue a.[r, c]) then
                                    checkBudget ()
                                    let f = a.[r, c]

                                    for j in 0 .. k - 1 do
                                        a.[r, j] <- Expr.sub a.[r, j] (Expr.mul2 f a.[top, j])

                                    b.[r] <- Expr.sub b.[r] (Expr.mul2 f b.[top])

                            top <- top + 1

                List.init m (fun r ->
                    { Lhs = b.[r]
                      Rhs = Expr.sum [ for j in 0 .. k - 1 -> Expr.mul2 a.[r, j] pieces.[j] ] })

            // The constants of a reason as the user wrote them (ReadableConstants.textOver the simulator's decimals):
            // the equation of x0/9.81 + x0^3 is y0 = x0/9.81 + x0^3, not y0 = 0.1019367991845056*x0 + x0^3.
            let sources = lazy (ExactConstants.sourceDecimals simulator)
            let show (e: Expr) = ReadableConstants.textOver sources.Value e

            // Both sides simplified: an elimination leaves sums like y0/2 + (y0/2 + y1), which read as y0 + y1.
            let describe (eq: Equation) =
                sprintf
                    "%s = %s"
                    (show (Simplify.simplify eq.Lhs))
                    (show (Simplify.simplify (Structure.substitute toCurrent eq.Rhs)))

            /// Why an equation in one unknown did not solve: a strictly monotone right-hand side (its
            /// derivative provably of one sign, as x + x³ with 3x² + 1 > 0) has an inverse, only none in
            /// closed form; anything else has a piece the solver cannot invert.
            let whyUnsolved (eq: Equation) =
                // The derivative of the equation as written (so that its direction is the one printed),
                // failing that of what is left after peeling the invertible outer pieces.
                let _, peeled = peel eq.Lhs eq.Rhs

                let monotone =
                    [ eq.Rhs; peeled ]
                    |> List.tryPick (fun rhs ->
                        match unsolvedIn rhs with
                        | [| i |] ->
                            checkBudget ()
                            let d = Simplify.simplify (Calculus.derivative unknowns.[i] rhs)

                            if Sign.positive d then Some(i, d, "increasing")
                            elif Sign.positive (Simplify.simplify (Expr.neg d)) then Some(i, d, "decreasing")
                            else None
                        | _ -> None)

                match monotone with
                | Some(i, d, direction) ->
                    sprintf
                        "the equation %s is strictly %s in %s (its derivative %s never changes sign), so the inverse exists, but it has no closed form the solver derives: it is numeric"
                        (describe eq)
                        direction
                        variables.[i]
                        (show (Structure.substitute toCurrent d))
                | None ->
                    // Not "not invertible": x + sin x is invertible (strictly increasing, though its
                    // derivative touches 0), only not by the solver's rules.
                    sprintf "the solver cannot isolate the unknown in the equation %s (a piece it has no inverse rule for, or one that is not one-to-one)" (describe eq)

            let rec loop (eqs: Equation list) =
                checkBudget ()

                if List.isEmpty eqs then
                    Ok()
                else
                    let single, rest = eqs |> List.partition (fun eq -> (unsolvedIn eq.Rhs).Length = 1)

                    match single with
                    | eq :: others ->
                        if trySolve eq then
                            loop (others @ rest)
                        else
                            Error(whyUnsolved eq)
                    | [] ->
                        match rest |> List.tryFind (fun eq -> (unsolvedIn eq.Rhs).Length = 0) with
                        | Some eq ->
                            Error(
                                sprintf
                                    "the outputs are tied by %s for every x: the simulator is not invertible"
                                    (describe eq)
                            )
                        | None ->
                            // Elimination over the pieces as they stand (A·f(x) + b); failing that, peel
                            // the invertible outer pieces (f(A·x + b)) and go on with what is left.
                            let reduced = eliminate rest

                            if reduced |> List.exists (fun eq -> (unsolvedIn eq.Rhs).Length <= 1) then
                                loop reduced
                            else
                                let peeled =
                                    rest
                                    |> List.map (fun eq ->
                                        let lhs, rhs = peel eq.Lhs eq.Rhs
                                        { Lhs = lhs; Rhs = rhs })

                                if List.forall2 (fun a b -> obj.ReferenceEquals(a.Rhs, b.Rhs)) rest peeled then
                                    // At most four equations named (a 100-output problem would
                                    // otherwise print a line thousands of characters long).
                                    let shown =
                                        if rest.Length <= 4 then
                                            rest |> List.map describe |> String.concat ", "
                                        else
                                            sprintf
                                                "%s, …, %s (%d equations)"
                                                (rest |> List.take 2 |> List.map describe |> String.concat ", ")
                                                (describe (List.last rest))
                                                rest.Length

                                    Error(
                                        sprintf "the equations %s couple the variables in a way the solver cannot undo" shown
                                    )
                                else
                                    loop peeled

            let equations =
                List.init n (fun j ->
                    { Lhs = Expr.symbol outputs.[j]
                      Rhs = Structure.substitute toUnknowns simulator.[j] })

            // The equations as derive prints them: the solver retries on these when the written form fails,
            // so that sin(x0)^2 + cos(x0)^2 + x0, printed as x0 + 1, is solved as x0 + 1 is. Not first, as
            // simplifying a large simulator (a Rosenbrock chain) costs more than solving it as written.
            let attempt eqs =
                solved.Clear()
                order.Clear()
                loop eqs

            let solveEither () =
                match attempt equations with
                | Ok() -> Ok()
                | Error reason ->
                    let simplified = equations |> List.map (fun eq -> { eq with Rhs = Simplify.simplify eq.Rhs })

                    if List.forall2 (fun (a: Equation) b -> ExprIdentity.comparer.Equals(a.Rhs, b.Rhs)) equations simplified then
                        Error reason
                    else
                        try
                            match attempt simplified with
                            | Ok() -> Ok()
                            | Error _ -> Error reason
                        with OverBudget ->
                            Error reason

            let solve () =
                match solveEither () with
                | Error reason -> Error reason
                | Ok() ->
                    // Each solution may use unknowns solved before it: substitute them in solving order.
                    let final = Dictionary<Expr, Expr>(ExprIdentity.comparer)

                    for i in order do
                        let e = Structure.substitute final solved.[i]
                        checkBudget ()
                        // Simplification's effort in proportion to the solution's size: on a chain such as
                        // x_{i+1} = y_i/10 + x_i² (the Rosenbrock residuals) the substituted solution is
                        // already short (45 nodes at n = 8), and expanding its nested squares of sums in
                        // search of a shorter form cost ~300,000 nodes per unknown and never found one.
                        let effort = int (min (int64 Simplify.DefaultBudget) (1000L + 100L * Structure.treeSize e))
                        final.[unknowns.[i]] <- Simplify.simplifyWith effort e

                    Ok(Array.init n (fun i -> final.[unknowns.[i]]))

            let result =
                try
                    solve ()
                with
                | OverBudget ->
                    Error(sprintf "no closed form within the budget of %d work units (the symbolic derivation was stopped)" budget)
                | :? SymbolicException as e when e.Kind = ErrorKind.TooDeep ->
                    Error "the simulator is nested too deeply to solve symbolically"
                | :? SymbolicException as e ->
                    // Solving met an expression that cannot be built (a division by an exact zero, a
                    // constant that overflows): no closed form, and the numeric inverse takes over.
                    Error(sprintf "solving P(x) = y symbolically failed: %s" e.Message)

            result, spent ()

    /// Derives P⁻¹(y; x₀) within `budget` work units (see `defaultBudget`; checked between the
    /// solver's steps, so one long step can overrun it, and 0 gives up at the first check). The same
    /// problem and budget give the same answer on any machine and under any load. `Ok` holds one
    /// expression per variable; `Error` says why no closed form was found (the numeric inverse still
    /// applies then), including "no closed form within the budget".
    [<CompiledName("TryDeriveWithin")>]
    let deriveWithin (budget: int64) (variables: string[]) (outputs: string[]) (simulator: Expr[]) : Result<Expr[], string> =
        fst (deriveCounted budget variables outputs simulator)

    /// Derives P⁻¹(y; x₀) within the default budget (`deriveWithin defaultBudget`).
    [<CompiledName("TryDerive")>]
    let derive (variables: string[]) (outputs: string[]) (simulator: Expr[]) : Result<Expr[], string> =
        deriveWithin defaultBudget variables outputs simulator

    /// <summary>
    /// The inverse with every branch choice sign(g) whose g mentions no output (so depends on x₀ only)
    /// replaced by sign(sign(g) + ½): the same ±1 where g ≠ 0, and +1 where g = 0, so that at x₀ = 0
    /// the inverse of y = x² is +√y rather than 0·√y (which misses every y ≠ 0). NaN stays NaN.
    /// </summary>
    [<CompiledName("BranchAtZero")>]
    let branchAtZero (outputs: string[]) (inverse: Expr[]) : Expr[] =
        let outputSymbols = HashSet<Expr>(outputs |> Seq.map Expr.symbol, ExprIdentity.comparer)
        let replacements = Dictionary<Expr, Expr>(ExprIdentity.comparer)

        for e in Structure.postOrder inverse do
            match e.Node with
            | Apply(Function.Sign, g) when not (Structure.freeSymbols g |> Array.exists outputSymbols.Contains) ->
                replacements.[e] <- Expr.apply Function.Sign (Expr.add (Expr.apply Function.Sign g) Expr.half)
            | _ -> ()

        if replacements.Count = 0 then inverse else inverse |> Array.map (Structure.substitute replacements)

    /// <summary>
    /// The arguments g of the branch choices sign(g) of <paramref name="inverse"/>: those whose g mentions no
    /// output, so depends on the current point only (x0 for x0 = sign(x0)·√y0), each once, innermost first; the
    /// choices <see cref="branchAtZero"/> takes as +1 at g = 0.
    /// </summary>
    [<CompiledName("BranchChoices")>]
    let branchChoices (outputs: string[]) (inverse: Expr[]) : Expr[] =
        let outputSymbols = HashSet<Expr>(outputs |> Seq.map Expr.symbol, ExprIdentity.comparer)

        [| for e in Structure.postOrder inverse do
               match e.Node with
               | Apply(Function.Sign, g) when not (Structure.freeSymbols g |> Array.exists outputSymbols.Contains) -> yield g
               | _ -> () |]
        |> Array.distinctBy (fun g -> Infix.format g)

    /// <summary>
    /// The arguments g of the branch choices sign(g) of <paramref name="inverse"/> (those whose g mentions
    /// no output, so depends on the current point only) that are exactly 0 at the point
    /// variables[i] = point[i]: where <see cref="branchAtZero"/> takes the + branch, a choice the caller
    /// should say it made (x0 for x0 = sign(x0)·√y0 at x0 = 0). Each g once, innermost first.
    /// </summary>
    /// <exception cref="SymbolicException">A choice uses a name that has no value in variables.</exception>
    [<CompiledName("BranchesAtZero")>]
    let branchesAtZero (outputs: string[]) (variables: string[]) (point: float[]) (inverse: Expr[]) : Expr[] =
        let outputSymbols = HashSet<Expr>(outputs |> Seq.map Expr.symbol, ExprIdentity.comparer)

        [| for e in Structure.postOrder inverse do
               match e.Node with
               | Apply(Function.Sign, g) when
                   not (Structure.freeSymbols g |> Array.exists outputSymbols.Contains)
                   && Evaluate.at variables point g = 0.0
                   ->
                   yield g
               | _ -> () |]
        |> Array.distinct
