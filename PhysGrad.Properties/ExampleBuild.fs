/// Building the reference examples fast (issue 14, "Real simulators at scale"): traced linear schemes carry
/// their sums as unbuilt linear combinations (Trace.fs, `Linear`), the heat inverse computes its columns on a
/// window, and the CLI refuses an example's size before it prints any phase line.
module PhysGrad.Properties.ExampleBuild

open System
open System.IO
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

// ---- linear combinations = the node-by-node path -------------------------------------------------

/// The scalar operations as they were defined before linear combinations, written out on expressions:
/// the reference the carried combinations must reproduce node for node.
module private NodeByNode =
    let isNumeric (e: Expr) =
        match e.Node with
        | Number _
        | Real _ -> true
        | _ -> false

    /// A double as a constant: an integer below 10¹⁵ exact, anything else floating (Scalar.Constant's rule).
    let ofFloat (v: float) =
        if Double.IsFinite v && v = Math.Round v && abs v < 1e15 then
            Expr.number (Rational.OfBig(BigInteger v))
        else
            Expr.real v

    /// a·b with a number distributed over a sum.
    let times (a: Expr) (b: Expr) =
        match a.Node, b.Node with
        | (Number _ | Real _), Sum ts -> Expr.sum (ts |> Array.map (fun t -> Expr.mul2 a t))
        | Sum ts, (Number _ | Real _) -> Expr.sum (ts |> Array.map (fun t -> Expr.mul2 b t))
        | _ -> Expr.mul2 a b

    let over (a: Expr) (b: Expr) =
        if isNumeric b && not (Expr.isZeroValue b) then
            times (Expr.pow b Expr.minusOne) a
        else
            Expr.div a b

type Op =
    | AddV of int * int
    | SubV of int * int
    | MulV of int * int
    | DivV of int * int
    | MulC of int * float
    | CMul of float * int
    | DivC of int * float
    | AddC of int * float
    | CAdd of float * int
    | SubC of int * float
    | CSub of float * int
    | Neg of int
    | SumOf of int list
    | Square of int

// Constants that make the coefficient rules matter: exact integers, decimals that round (0.1 + 0.2),
// values whose products cancel or overflow (1e300), and 0 (a product 0 is left to the node path).
let private constants = [ 0.1; 0.2; -0.3; 0.5; 2.0; -1.0; 1.0; 3.0; 1e-3; 0.7; 1e300; 0.0; -2.5; 1.0 / 3.0 ]

/// Programs of at most `length` operations on pool indices, with these constants; the linear ones only
/// (no product, quotient or square of two scalars) when `linear`.
let private programs (constants: float list) (linear: bool) (length: int) =
    let i = Gen.choose (0, 1000)
    let c = Gen.elements constants
    let nonLinear = if linear then 0 else 1

    Gen.frequency
        [ 4, Gen.map2 (fun a b -> AddV(a, b)) i i
          4, Gen.map2 (fun a b -> SubV(a, b)) i i
          2 * nonLinear, Gen.map2 (fun a b -> MulV(a, b)) i i
          nonLinear, Gen.map2 (fun a b -> DivV(a, b)) i i
          3, Gen.map2 (fun a k -> MulC(a, k)) i c
          2, Gen.map2 (fun k a -> CMul(k, a)) c i
          2, Gen.map2 (fun a k -> DivC(a, k)) i c
          2, Gen.map2 (fun a k -> AddC(a, k)) i c
          1, Gen.map2 (fun k a -> CAdd(k, a)) c i
          1, Gen.map2 (fun a k -> SubC(a, k)) i c
          1, Gen.map2 (fun k a -> CSub(k, a)) c i
          2, Gen.map Neg i
          2, Gen.listOfLength 4 i |> Gen.map SumOf
          nonLinear, Gen.map Square i ]
    |> Gen.listOf
    |> Gen.map (List.truncate length)
    |> Arb.fromGen

let private ops = programs constants false 40

/// Runs one step on both sides: Ok of the two results, or Error of the two error kinds (either side).
let private step (scalar: unit -> Scalar) (node: unit -> Expr) =
    let attempt f =
        try
            Ok(f ())
        with :? SymbolicException as e ->
            Error e.Kind

    match attempt (fun () -> let s = scalar () in s, s.Expr), attempt node with
    | Ok(s, built), Ok e -> Ok((s, built), e)
    | a, b ->
        let kind r =
            match r with
            | Error k -> Some k
            | Ok _ -> None

        Error(kind a, kind b)

[<Property(MaxTest = 300)>]
let ``traced sums carried as linear combinations build the node the step-by-step path builds`` () =
    Prop.forAll ops (fun program ->
        let x = Tracer.Variables(3, "x")
        // Leaves of every kind of rest: symbols, a power, a function, a product, an exponential; a floating
        // and two exact constants (1/3 exact).
        let start =
            [ x.[0]; x.[1]; x.[2]; Scalar.Square x.[0]; Scalar.Sin x.[1]; x.[0] * x.[2]; Scalar.Exp x.[2]
              Scalar.Constant 0.25; Scalar.Constant 3.0; Scalar(Expr.fraction 1 3) ]

        let pool = Collections.Generic.List<Scalar * Expr>(start |> List.map (fun s -> s, s.Expr))
        let mutable verdict = true
        let mutable failure = ""
        let mutable stopped = false

        for op in program do
            if not stopped then
                let at k = pool.[k % pool.Count]
                let s k = fst (at k)
                let e k = snd (at k)

                let scalar, node =
                    match op with
                    | AddV(a, b) -> (fun () -> s a + s b), (fun () -> Expr.add (e a) (e b))
                    | SubV(a, b) -> (fun () -> s a - s b), (fun () -> Expr.add (e a) (NodeByNode.times Expr.minusOne (e b)))
                    | MulV(a, b) -> (fun () -> s a * s b), (fun () -> NodeByNode.times (e a) (e b))
                    | DivV(a, b) -> (fun () -> s a / s b), (fun () -> NodeByNode.over (e a) (e b))
                    | MulC(a, c) -> (fun () -> s a * c), (fun () -> NodeByNode.times (e a) (NodeByNode.ofFloat c))
                    | CMul(c, a) -> (fun () -> c * s a), (fun () -> NodeByNode.times (NodeByNode.ofFloat c) (e a))
                    | DivC(a, c) -> (fun () -> s a / c), (fun () -> NodeByNode.over (e a) (NodeByNode.ofFloat c))
                    | AddC(a, c) -> (fun () -> s a + c), (fun () -> Expr.add (e a) (NodeByNode.ofFloat c))
                    | CAdd(c, a) -> (fun () -> c + s a), (fun () -> Expr.add (NodeByNode.ofFloat c) (e a))
                    | SubC(a, c) -> (fun () -> s a - c), (fun () -> Expr.add (e a) (NodeByNode.ofFloat -c))
                    | CSub(c, a) ->
                        (fun () -> c - s a),
                        (fun () -> Expr.add (NodeByNode.ofFloat c) (NodeByNode.times Expr.minusOne (e a)))
                    | Neg a -> (fun () -> -(s a)), (fun () -> NodeByNode.times Expr.minusOne (e a))
                    | SumOf ks -> (fun () -> Scalar.Sum(ks |> List.map s)), (fun () -> Expr.sum (ks |> List.map e))
                    | Square a -> (fun () -> Scalar.Square(s a)), (fun () -> Expr.pow (e a) Expr.two)

                match step scalar node with
                | Ok((sv, built), expected) ->
                    if not (Object.ReferenceEquals(built, expected)) then
                        verdict <- false
                        failure <- sprintf "%A: %s, expected %s" op (Infix.format built) (Infix.format expected)
                        stopped <- true
                    else
                        // Rounding the constants: the combination's rounded coefficients against the
                        // bottom-up rewrite of the built node (the path every other scalar takes).
                        let rounded = Scalar.RoundConstants(sv, 15).Expr
                        let rewritten = Scalar.RoundReals(expected, 15)

                        if not (Object.ReferenceEquals(rounded, rewritten)) then
                            verdict <- false
                            failure <- sprintf "rounding %s: %s, expected %s" (Infix.format expected) (Infix.format rounded) (Infix.format rewritten)
                            stopped <- true
                        else
                            pool.Add((sv, expected))
                | Error(a, b) ->
                    // An error (overflow, division by 0) must be the same on both sides; the program stops.
                    if a <> b then
                        verdict <- false
                        failure <- sprintf "%A: errors %A and %A" op a b

                    stopped <- true

        verdict |> Prop.label failure)

/// Linear programs (sums, differences, negation, integer multiples and divisions by integers) over a pool that
/// starts with combinations of 300 and 400 symbols: past `Linear.Deferral` (256 rests) every operation on
/// them is deferred, and their sums are worked out in a reverse sweep when built. With exact coefficients
/// the sweep's other order of the operations gives the same numbers, so the node must be the step-by-step
/// path's, node for node.
/// One linear operation of a program on both sides: the scalar (carried) and the node path's expression,
/// the operands read from the pool by index (`s`, `e`).
let private linearStep (op: Op) (s: int -> Scalar) (e: int -> Expr) : Scalar * Expr =
    match op with
    | AddV(a, b) -> s a + s b, Expr.add (e a) (e b)
    | SubV(a, b) -> s a - s b, Expr.add (e a) (NodeByNode.times Expr.minusOne (e b))
    | MulC(a, k) -> s a * k, NodeByNode.times (e a) (NodeByNode.ofFloat k)
    | CMul(k, a) -> k * s a, NodeByNode.times (NodeByNode.ofFloat k) (e a)
    | DivC(a, k) -> s a / k, NodeByNode.over (e a) (NodeByNode.ofFloat k)
    | AddC(a, k) -> s a + k, Expr.add (e a) (NodeByNode.ofFloat k)
    | CAdd(k, a) -> k + s a, Expr.add (NodeByNode.ofFloat k) (e a)
    | SubC(a, k) -> s a - k, Expr.add (e a) (NodeByNode.ofFloat -k)
    | CSub(k, a) -> k - s a, Expr.add (NodeByNode.ofFloat k) (NodeByNode.times Expr.minusOne (e a))
    | Neg a -> -(s a), NodeByNode.times Expr.minusOne (e a)
    | SumOf ks -> Scalar.Sum(ks |> List.map s), Expr.sum (ks |> List.map e)
    | other -> failwithf "not a linear operation: %A" other

[<Property(MaxTest = 100)>]
let ``deferred combinations over hundreds of rests build the node the step-by-step path builds`` () =
    let linearOps = programs [ 2.0; -1.0; 3.0; -4.0; 7.0 ] true 30

    let x = Tracer.Variables(400, "x")
    let wide k = Scalar.Sum(x |> Array.take k |> Array.mapi (fun j v -> float (j % 5 + 1) * v))

    Prop.forAll linearOps (fun program ->
        let pool = Collections.Generic.List<Scalar * Expr>()

        for s in [ wide 300; wide 400; x.[0]; Scalar.Constant 5.0 ] do
            pool.Add((s, s.Expr))

        // Built only at the end (every intermediate stays deferred), against the node path's every step.
        let results = Collections.Generic.List<Scalar * Expr>()

        for op in program do
            let s k = fst pool.[k % pool.Count]
            let e k = snd pool.[k % pool.Count]

            let scalar, node = linearStep op s e

            pool.Add((scalar, node))
            results.Add((scalar, node))

        let wrong =
            results
            |> Seq.tryFind (fun (s, e) -> not (Object.ReferenceEquals(s.Expr, e)))

        wrong.IsNone
        |> Prop.label (
            match wrong with
            | Some(s, e) -> sprintf "built %s,\nexpected %s" (Infix.format s.Expr) (Infix.format e)
            | None -> ""
        ))

/// Sums of 33 to 256 rests are merged through this thread's index (Trace.fs, `RestIndex`) rather than a
/// scan, and a sum whose rests are all symbols is ordered by their names (`Linear.SortBySymbols`): both
/// must build the node the step-by-step path builds. The symbols' names mix prefixes and digit runs of
/// different lengths (x2 before x10, u before x), so that the natural order and the canonical one could
/// part; the pool's sums start over different windows of them, so merges both meet and miss rests.
[<Property(MaxTest = 100)>]
let ``merges of dozens of rests and sums of symbols build the node the step-by-step path builds`` () =
    let linearOps = programs [ 0.2; -0.3; 2.0; -1.0; 1.0 / 3.0; 1e-3 ] true 30
    let names = Array.init 120 (fun j -> if j % 3 = 0 then sprintf "u%d" (j * 7) else sprintf "x%d" (j * 13 % 1000))
    let x = names |> Array.map Scalar.Symbol
    let window from count weight = Scalar.Sum(Array.init count (fun j -> float ((j + weight) % 7 - 3) * 0.1 * x.[(from + j) % x.Length]))

    Prop.forAll linearOps (fun program ->
        let pool = Collections.Generic.List<Scalar * Expr>()

        for s in [ window 0 40 1; window 30 60 2; window 50 70 3; window 0 120 4; x.[5]; Scalar.Constant 0.5 ] do
            pool.Add((s, s.Expr))

        let wrong = Collections.Generic.List<string>()

        for op in program do
            let s k = fst pool.[k % pool.Count]
            let e k = snd pool.[k % pool.Count]

            let scalar, node = linearStep op s e

            // Each result's node is asked for at once (the combination is still what the next operation reads).
            if not (Object.ReferenceEquals(scalar.Expr, node)) then
                wrong.Add(sprintf "%A built %s,\nexpected %s" op (Infix.format scalar.Expr) (Infix.format node))

            pool.Add((scalar, node))

        (wrong.Count = 0) |> Prop.label (String.Join("\n", wrong)))

[<Fact>]
let ``four traced heat steps give each cell the binomial-like weights of the stencil, as one flat sum`` () =
    // One step multiplies by (r, 1 − 2r, r) around each cell; four steps by that stencil convolved with
    // itself four times: 9 weights, the middle one Σ_k C(4;k)… computed here by convolving on numbers.
    let r = 0.2
    let n = 32
    let mutable w = [| 1.0 |]

    for _ in 1..4 do
        w <- Array.init (w.Length + 2) (fun i ->
            let at k = if k >= 0 && k < w.Length then w.[k] else 0.0
            r * at i + (1.0 - 2.0 * r) * at (i - 1) + r * at (i - 2))

    let traced = Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Heat1D(x, r, 4, GridBoundary.Periodic)))

    for i in [ 0; 5; 31 ] do
        match traced.[i].Node with
        | Sum ts -> Assert.Equal(9, ts.Length)
        | _ -> failwith "not a sum"

        let point = Array.init n (fun j -> if j = (i + 2) % n then 1.0 else 0.0)
        // Cell i + 2 enters cell i with the weight of offset +2: w.[4 + 2].
        Assert.Equal(w.[6], Evaluate.manyAt (Array.init n (sprintf "x%d")) point [| traced.[i] |] |> Array.head, 12)

/// The oscillators' RK4 (ReferenceSimulators.Oscillators: coupling 0.2, dt = 0.5) written out on
/// expressions with the node-by-node definitions above, over the controls x0 … x{n−1}.
let private oscillatorsNodeByNode (n: int) =
    let num = NodeByNode.ofFloat
    let neg e = NodeByNode.times Expr.minusOne e
    let scaled (c: float) e = NodeByNode.times (num c) e
    let coupling, dt = 0.2, 0.5

    let f (s: Expr[]) (u: Expr) =
        [| s.[2]
           s.[3]
           Expr.add (neg s.[0]) (scaled coupling (Expr.add (neg s.[0]) s.[1]))
           Expr.add (Expr.add (neg s.[1]) (scaled coupling (Expr.add s.[0] (neg s.[1])))) u |]

    let axpy (a: Expr[]) (b: Expr[]) c = Array.map2 (fun p q -> Expr.add p (scaled c q)) a b

    (ReferenceProblems.OscillatorStart |> Seq.map num |> Seq.toArray, Array.init n (fun i -> Expr.symbol ("x" + string i)))
    ||> Array.fold (fun s u ->
        let k1 = f s u
        let k2 = f (axpy s k1 (dt / 2.0)) u
        let k3 = f (axpy s k2 (dt / 2.0)) u
        let k4 = f (axpy s k3 dt) u

        Array.init 4 (fun i ->
            let inner = Expr.add (Expr.add (Expr.add k1.[i] (scaled 2.0 k2.[i])) (scaled 2.0 k3.[i])) k4.[i]
            Expr.add s.[i] (scaled (dt / 6.0) inner)))

let private tracedOscillators (n: int) =
    let s0 = Seq.toArray ReferenceProblems.OscillatorStart
    Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Oscillators(x, s0)))

[<Theory>]
[<InlineData(1)>]
[<InlineData(5)>]
[<InlineData(40)>]
let ``the traced oscillators are the nodes the step-by-step path builds`` (n: int) =
    // Their additions take the aligned path of a linear combination's sum (states over the same controls
    // in the same order, a control added on its own); the nodes must be those of building every
    // intermediate sum, identical down to the rounding of every floating coefficient.
    let expected = oscillatorsNodeByNode n
    let traced = tracedOscillators n

    for i in 0..3 do
        Assert.True(Object.ReferenceEquals(expected.[i], traced.[i]), sprintf "state %d: %s, expected %s" i (Infix.format traced.[i]) (Infix.format expected.[i]))

/// A traced simulator folds its constants as its text does (FloatingFold, shared by both paths): the decimals
/// in C# code are the decimals written, combined exactly and rounded once, and a computed double stays one.
[<Theory>]
[<InlineData("0.1*x0 + 0.2*x0 - 0.3*x0 + x1", "x1")>]
[<InlineData("(0.1*x0 + 0.2*x0)*0.1 + x1", "0.03*x0 + x1")>]
[<InlineData("x0/0.1 + x1/3", "10*x0 + x1/3")>]
let ``a traced sum of decimals is the node its text parses to`` (text: string, folded: string) =
    let x = Tracer.Variables(2, "x")

    let traced =
        match text with
        | "0.1*x0 + 0.2*x0 - 0.3*x0 + x1" -> 0.1 * x.[0] + 0.2 * x.[0] - 0.3 * x.[0] + x.[1]
        | "(0.1*x0 + 0.2*x0)*0.1 + x1" -> (0.1 * x.[0] + 0.2 * x.[0]) * 0.1 + x.[1]
        | _ -> x.[0] / 0.1 + x.[1] / 3.0

    Assert.Same(Parse.expression text, traced.Expr)
    Assert.Equal(folded, Infix.format traced.Expr)
    // A computed double (1/3 is 0.3333333333333333, 16 digits) is not a decimal someone wrote: 3·(1/3) in
    // doubles is 1, and the traced 1/3·x0·3 is the floating 1.0 the double product gives (the exact 1 would vanish).
    match (((1.0 / 3.0) * x.[0]) * 3.0).Expr.Node with
    | Product [| c; _ |] -> Assert.Equal(Real 1.0, c.Node)
    | other -> failwithf "not a floating multiple of x0: %A" other

[<Fact>]
let ``the traced oscillators' graph grows linearly in the number of controls`` () =
    // Each of the four end states is one sum of a term per control (its coefficient times the control):
    // about 4 products and 4 floating constants per control. A representation that kept the states'
    // history as nodes, or a sum per step, would grow faster.
    let size n = Structure.graphSize (tracedOscillators n)
    let small, large = size 64, size 128
    Assert.True(float large / float small <= 2.1, sprintf "%d nodes at 64 controls, %d at 128" small large)

// ---- the heat inverse's columns on a window ------------------------------------------------------

/// B and I − B·A of Heat1DRegularisedInverse as dense matrices, from whole-grid stencils written here:
/// A = (I + rL)^steps, B = (Σ_{k<K} (−rL)^k)^steps, L the 3-point Laplacian (periodic or zero outside).
let private denseInverse n r steps terms (boundary: GridBoundary) =
    let laplacian (u: float[]) =
        Array.init n (fun i ->
            let get k =
                if k >= 0 && k < n then u.[k]
                elif boundary = GridBoundary.Periodic then u.[(k + n) % n]
                else 0.0

            get (i + 1) - 2.0 * u.[i] + get (i - 1))

    let forward u =
        let mutable v = u

        for _ in 1..steps do
            let l = laplacian v
            v <- Array.init n (fun i -> v.[i] + r * l.[i])

        v

    let backward u =
        let mutable v = u

        for _ in 1..steps do
            let mutable term = v
            let sum = Array.copy v

            for _ in 2..terms do
                let l = laplacian term
                term <- Array.init n (fun i -> -r * l.[i])

                for i in 0 .. n - 1 do
                    sum.[i] <- sum.[i] + term.[i]

            v <- sum

        v

    let unit j = Array.init n (fun i -> if i = j then 1.0 else 0.0)
    let bCols = Array.init n (fun j -> backward (unit j))
    let baCols = Array.init n (fun j -> backward (forward (unit j)))
    bCols, baCols

[<Theory>]
[<InlineData(5, 0)>]
[<InlineData(20, 0)>]
[<InlineData(51, 0)>]
[<InlineData(52, 0)>]
[<InlineData(70, 0)>]
[<InlineData(5, 1)>]
[<InlineData(30, 1)>]
[<InlineData(70, 1)>]
let ``the heat inverse built from windowed columns is the whole-grid linear map`` (n: int, dirichlet: int) =
    // r = 0.2, 4 steps, K = 6: each column reaches 4·6 = 24 cells, so a periodic grid is windowed from
    // n = 52 on (n > 2·25 + 1) and a Dirichlet grid always; the sizes cover both sides of that.
    let boundary = if dirichlet = 1 then GridBoundary.Dirichlet else GridBoundary.Periodic
    let r, steps, terms = 0.2, 4, 6
    let y = Tracer.Variables(n, "y")
    let x = Tracer.Variables(n, "x")

    let traced =
        ReferenceSimulators.Heat1DRegularisedInverse(y, x, r, steps, terms, boundary) |> Array.map (fun s -> s.Expr)

    let bCols, baCols = denseInverse n r steps terms boundary
    let random = Random(n * 7 + dirichlet)
    let ys = Array.init n (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let xs = Array.init n (fun _ -> random.NextDouble() * 2.0 - 1.0)
    let names = Array.append (Array.init n (sprintf "y%d")) (Array.init n (sprintf "x%d"))
    let values = Evaluate.manyAt names (Array.append ys xs) traced

    for i in 0 .. n - 1 do
        // x_i = Σ_j B_ij y_j + x0_i − Σ_j (BA)_ij x0_j.
        let expected =
            (Array.init n (fun j -> bCols.[j].[i] * ys.[j]) |> Array.sum) + xs.[i]
            - (Array.init n (fun j -> baCols.[j].[i] * xs.[j]) |> Array.sum)

        Assert.True(abs (values.[i] - expected) <= 1e-12 * (1.0 + abs expected), sprintf "cell %d: %g, expected %g" i values.[i] expected)

// ---- the CLI refuses a size before any phase line --------------------------------------------------

[<Theory>]
[<InlineData("heat1d", "5000", "over its limit of n = 512")>]
[<InlineData("heat2d", "40", "over its limit of n = 16")>]
[<InlineData("poisson2d", "40", "over the limit of side ≤ 31")>]
let ``an example over its size limit is refused before any phase line is printed`` (name: string, n: string, reason: string) =
    // Sizes of at least 1000 variables print their phase lines at once (PhaseLog.LargeProblem): 5000 cells,
    // 40² = 1600 cells. The refusal must be the only thing said.
    let code, out, err = Cli.run [ "compare"; "--example"; name; "--n"; n; "--out"; Path.GetTempPath() ]
    Assert.Equal(2, code)
    Assert.Contains(reason, (TestHelpers.unwrapped err))
    Assert.DoesNotContain("physgrad: tracing", (TestHelpers.unwrapped err))
    Assert.DoesNotContain("physgrad: running", (TestHelpers.unwrapped err))
    Assert.Equal("", out)

// ---- the problem's text, printed when it is read ---------------------------------------------------

/// A problem built from expressions holds its text as a `PrintedExpressions` list.
let private printed (text: Collections.Generic.IReadOnlyList<string>) =
    match text with
    | :? PrintedExpressions as p -> p
    | other -> failwithf "the text is a %s, not printed when read" (other.GetType().Name)

[<Theory>]
[<InlineData("rosenbrock", 2)>]
[<InlineData("rosenbrock", 9)>]
[<InlineData("heat1d", 3)>]
[<InlineData("heat1d", 40)>]
[<InlineData("heat1d-dirichlet", 7)>]
[<InlineData("heat1d-inverse", 60)>]
[<InlineData("heat2d", 4)>]
[<InlineData("poisson2d", 3)>]
[<InlineData("oscillators", 6)>]
let ``an example's text is printed when read, is its model's exact text, and builds the same problem`` (name: string, n: int) =
    let problem = ReferenceProblems.Create(name, n, defaultComparison = false)
    let text = printed problem.Definition.Simulator
    // The build printed nothing: every component is printed by the reads below.
    Assert.Equal(0, text.PrintedCount)
    let model = problem.Model.Simulator
    Assert.Equal(model.Length, text.Count)
    // Read the last first (any order), then all: each is the eager text of its component, and reading
    // again or by enumeration gives the same string.
    Assert.Equal(Infix.formatExact model.[model.Length - 1], text.[text.Count - 1])
    Assert.Equal(1, text.PrintedCount)

    for i in 0 .. model.Length - 1 do
        Assert.Equal(Infix.formatExact model.[i], text.[i])

    Assert.Equal<string>(model |> Array.map Infix.formatExact, Seq.toArray text)
    // The text form of the problem (plain strings, parsed) is the same problem: the same interned
    // components, the same loss with the same target.
    let fromText =
        PhysicsProblem.From(ProblemDefinition(problem.Variables, Seq.toArray text, null, problem.Target, problem.Start))

    Array.iteri (fun i (e: Expr) -> Assert.Same(e, fromText.Model.Simulator.[i])) model
    Assert.Same(problem.Model.Loss, fromText.Model.Loss)
    // heat1d-inverse's traced inverse is printed when read too, and is the regularised inverse's text.
    if name = "heat1d-inverse" then
        let inverse = printed problem.Definition.Inverse
        Assert.Equal(0, inverse.PrintedCount)

        let traced =
            ReferenceSimulators.Heat1DRegularisedInverse(
                Tracer.Variables(n, "y"),
                Tracer.Variables(n, "x"),
                ReferenceProblems.HeatRatio1D,
                ReferenceProblems.HeatSteps,
                ReferenceProblems.HeatInverseTerms,
                GridBoundary.Periodic
            )

        Assert.Equal<string>(traced |> Array.map (fun s -> Infix.formatExact s.Expr), Seq.toArray inverse)

[<Property(MaxTest = 50)>]
let ``a problem from expressions prints what it shows: the one-line form reads three components of many`` (count: byte) =
    // Components 10^i·x_i + x_{i+1}²: distinct texts, long enough that a wrong index shows.
    let m = 5 + int count % 40
    let x = Tracer.Variables(m + 1, "x")

    let components =
        Array.init m (fun i -> Expression.Wrap((Scalar.Constant(float (i + 1)) * x.[i] + Scalar.Square x.[i + 1]).Expr))

    let problem = PhysicsProblem.FromExpressions(components, start = Array.zeroCreate (m + 1))
    let text = printed problem.Definition.Simulator
    Assert.Equal(0, text.PrintedCount)
    // More than ResultText.Shown components: the one-line form shows the first two and the last.
    let line = problem.ToString()
    Assert.Equal(3, text.PrintedCount)
    Assert.Contains(ExpressionText.ForHeader(ExpressionText.Formatted(text.[m - 1]), ExpressionText.ListItemLength), line)
    Assert.Equal<string>(components |> Array.map (fun c -> Infix.formatExact c.Core), Seq.toArray text)
    Assert.Equal(m, text.PrintedCount)
