/// Traced simulators (issue 14, item 1) and the reference simulators built by tracing (docs/theory.md §7):
/// traced = text, the heat steps against their Fourier multipliers, Poisson against its inverse Δ_h,
/// the oscillators against an RK4 written here.
module PhysGrad.Properties.Traced

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private names n = Array.init n (sprintf "x%d")

/// The traced expressions evaluated at a point of x0 … x{n−1}.
let private valueAt (point: float[]) (es: Expr[]) = Evaluate.manyAt (names point.Length) point es

let private closeTo (tolerance: float) (expected: float) (actual: float) =
    abs (actual - expected) <= tolerance * (1.0 + abs expected)

let private sizes lo hi = Gen.choose (lo, hi) |> Arb.fromGen

// ---- tracing ------------------------------------------------------------------------------------

[<Property(MaxTest = 30)>]
let ``traced Rosenbrock residuals are the parsed text of the same formula, at every n`` () =
    Prop.forAll (sizes 2 40) (fun n ->
        let traced = Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))

        let text =
            // 10·(a − b) is written expanded: tracing distributes a number over a sum (see Scalar).
            [ for i in 0 .. n - 2 -> sprintf "10*x%d - 10*x%d^2" (i + 1) i ] @ [ "1 - x0" ] |> String.concat "; "

        let parsed = Parse.many text
        // Hash-consing makes equal expressions the same node: reference equality, component by component.
        (traced.Length = n && Array.forall2 (fun a b -> Object.ReferenceEquals(a, b)) traced parsed)
        |> Prop.label (sprintf "n = %d" n))

[<Property(MaxTest = 40)>]
let ``a traced periodic stencil with integer weights is the written-out text`` () =
    let weights = Gen.choose (-5, 5) |> Gen.arrayOfLength 3 |> Arb.fromGen

    Prop.forAll (sizes 3 30) (fun n ->
        Prop.forAll weights (fun w ->
            let traced =
                Tracer.Simulator(
                    n,
                    Func<_, _>(fun (x: Scalar[]) ->
                        Array.init n (fun i ->
                            float w.[0] * x.[(i + n - 1) % n] + float w.[1] * x.[i] + float w.[2] * x.[(i + 1) % n]))
                )

            let text =
                [ for i in 0 .. n - 1 -> sprintf "%d*x%d + %d*x%d + %d*x%d" w.[0] ((i + n - 1) % n) w.[1] i w.[2] ((i + 1) % n) ]
                |> String.concat "; "

            Array.forall2 (fun a b -> Object.ReferenceEquals(a, b)) traced (Parse.many text)
            |> Prop.label (sprintf "n = %d, weights %A" n w)))

[<Fact>]
let ``integer-valued doubles are exact numbers and others floating, as in text`` () =
    let x = Scalar.Symbol "x"
    Assert.Same(Parse.expression "2*x", (x * 2.0).Expr)
    Assert.Same(Parse.expression "x + 0.5", (x + 0.5).Expr)
    Assert.Same(Parse.expression "sqrt(x) + exp(sin(x))", (Scalar.Sqrt x + Scalar.Exp(Scalar.Sin x)).Expr)
    // F#'s own math functions find the static members by name.
    Assert.Same(Parse.expression "tanh(x)^3 - cos(x)", (tanh x ** 3.0 - cos x).Expr)

[<Fact>]
let ``a number times a sum is distributed, so text in expanded form matches`` () =
    let x = Scalar.Symbol "x"
    let y = Scalar.Symbol "y"
    Assert.Same(Parse.expression "3*x + 3*y", (3.0 * (x + y)).Expr)
    Assert.Same(Parse.expression "-x - y", (-(x + y)).Expr)
    Assert.Same(Parse.expression "x/4 + y/4", ((x + y) / 4.0).Expr)
    // A product of two sums is left as it is (no expansion of nonlinear terms).
    Assert.Same(Parse.expression "(x + 1)*(y + 1)", ((x + 1.0) * (y + 1.0)).Expr)

[<Fact>]
let ``an unfilled output slot is 0 and the span form traces the same as the array form`` () =
    let span =
        Tracer.Simulator(
            3,
            2,
            SpanSimulator(fun x y -> y.[0] <- x.[0] * x.[1] + x.[2])
        )

    Assert.Same(Parse.expression "x0*x1 + x2", span.[0])
    Assert.Same(Expr.zero, span.[1])

[<Fact>]
let ``tracing refuses no variables, no outputs and division by an exact zero, with typed errors`` () =
    let kind (f: unit -> obj) =
        (Assert.ThrowsAny<SymbolicException>(fun () -> f () |> ignore)).Kind

    Assert.Equal(ErrorKind.Invalid, kind (fun () -> box (Tracer.Simulator(0, Func<_, _>(fun x -> x)))))
    Assert.Equal(ErrorKind.Invalid, kind (fun () -> box (Tracer.Simulator(2, Func<_, _>(fun _ -> [||])))))

    Assert.Equal(
        ErrorKind.DivisionByZero,
        kind (fun () -> box (Tracer.Simulator(1, Func<_, _>(fun x -> [| x.[0] / 0.0 |]))))
    )

[<Fact>]
let ``PhysicsProblem.Trace gives the problem FromText gives for the same simulator`` () =
    let traced =
        PhysicsProblem.Trace(3, Func<_, _>(ReferenceSimulators.Rosenbrock), target = [| 0.0; 0.0; 0.0 |], start = [| -1.2; 1.0; -1.2 |])

    let text =
        PhysicsProblem.FromText("10*x1 - 10*x0^2; 10*x2 - 10*x1^2; 1 - x0", [| 0.0; 0.0; 0.0 |], [| -1.2; 1.0; -1.2 |])

    Assert.Equal<string>(text.Definition.Simulator, traced.Definition.Simulator)
    Assert.Equal<string>(text.Variables, traced.Variables)
    // One Newton step on the same problem lands on the same point.
    let a = traced.Run(Method.Newton, 1.0, 1).Final
    let b = text.Run(Method.Newton, 1.0, 1).Final
    Assert.Equal<float>(b, a)

// ---- heat ---------------------------------------------------------------------------------------

/// The 1-D periodic heat step multiplies the Fourier mode cos(2πk i/n) by g = 1 − 4r sin²(πk/n)
/// (kh/2 with wave number 2πk and h = 1/n; docs/theory.md §7), so s steps give gˢ times the mode.
[<Property(MaxTest = 40)>]
let ``periodic 1-D heat steps multiply each Fourier mode by (1 − 4r sin²(kh/2))^steps`` () =
    Prop.forAll (sizes 3 40) (fun n ->
        Prop.forAll (Gen.choose (0, 40) |> Arb.fromGen) (fun k0 ->
            Prop.forAll (Gen.choose (1, 6) |> Arb.fromGen) (fun steps ->
                let k = k0 % n
                let r = 0.3
                let traced = Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Heat1D(x, r, steps, GridBoundary.Periodic)))
                let mode = Array.init n (fun i -> cos (2.0 * Math.PI * float k * float i / float n))
                let g = (1.0 - 4.0 * r * (sin (Math.PI * float k / float n)) ** 2.0) ** float steps
                let out = valueAt mode traced

                Array.forall2 (fun m o -> closeTo 1e-12 (g * m) o) mode out
                |> Prop.label (sprintf "n = %d, k = %d, steps = %d, g = %g, out = %A" n k steps g out))))

/// With zero Dirichlet values outside cells 1 … n the modes are sin(πk j/(n+1)), multiplied by
/// 1 − 4r sin²(πk/(2(n+1))) per step (h = 1/(n+1), wave number πk).
[<Property(MaxTest = 40)>]
let ``Dirichlet 1-D heat steps multiply each sine mode by (1 − 4r sin²(kh/2))^steps`` () =
    Prop.forAll (sizes 1 40) (fun n ->
        Prop.forAll (Gen.choose (1, 40) |> Arb.fromGen) (fun k0 ->
            let k = 1 + (k0 - 1) % n
            let r, steps = 0.5, 3
            let traced = Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Heat1D(x, r, steps, GridBoundary.Dirichlet)))
            let mode = Array.init n (fun j -> sin (Math.PI * float k * float (j + 1) / float (n + 1)))
            let g = (1.0 - 4.0 * r * (sin (Math.PI * float k / (2.0 * float (n + 1)))) ** 2.0) ** float steps
            let out = valueAt mode traced

            Array.forall2 (fun m o -> abs (o - g * m) <= 1e-12) mode out
            |> Prop.label (sprintf "n = %d, k = %d" n k)))

/// The 5-point step multiplies the mode cos(2π(k i + l j)/side) by 1 − 4r (sin²(πk/side) + sin²(πl/side)).
[<Property(MaxTest = 25)>]
let ``periodic 2-D heat steps multiply each Fourier mode by the 5-point multiplier`` () =
    Prop.forAll (sizes 3 10) (fun side ->
        Prop.forAll (Gen.choose (0, 20) |> Gen.two |> Arb.fromGen) (fun (k0, l0) ->
            let k, l = k0 % side, l0 % side
            let r, steps = 0.25, 2

            let traced =
                Tracer.Simulator(side * side, Func<_, _>(fun x -> ReferenceSimulators.Heat2D(x, side, r, steps, GridBoundary.Periodic)))

            let mode =
                Array.init (side * side) (fun c ->
                    cos (2.0 * Math.PI * (float k * float (c / side) + float l * float (c % side)) / float side))

            let s2 (q: int) = (sin (Math.PI * float q / float side)) ** 2.0
            let g = (1.0 - 4.0 * r * (s2 k + s2 l)) ** float steps
            let out = valueAt mode traced

            Array.forall2 (fun m o -> abs (o - g * m) <= 1e-12) mode out
            |> Prop.label (sprintf "side = %d, k = %d, l = %d" side k l)))

/// The heat steps written with binary + and −, as the reference simulators were before their stencils became
/// one n-ary Scalar.Sum per cell (ReferenceSimulators.Heat1D, Laplacian2D): each cell reads its neighbours
/// through the boundary rule (Dirichlet: 0 outside).
let private heatByAdditions (u0: Scalar[]) (side: int) (twoD: bool) (r: float) (steps: int) (boundary: GridBoundary) =
    let n = u0.Length
    let at (u: Scalar[]) i j =
        let inside k = k >= 0 && k < side
        if twoD && inside i && inside j then u.[i * side + j]
        elif not twoD && inside j then u.[j]
        elif boundary = GridBoundary.Dirichlet then Scalar.Constant 0.0
        else
            let w k = ((k % side) + side) % side
            if twoD then u.[w i * side + w j] else u.[w j]

    let mutable u = Array.copy u0

    for _ in 1..steps do
        let v = u
        u <-
            Array.init n (fun k ->
                if twoD then
                    let i, j = k / side, k % side
                    v.[k] + r * (at v (i + 1) j + at v (i - 1) j + at v i (j + 1) + at v i (j - 1) - 4.0 * v.[k])
                else
                    v.[k] + r * (at v 0 (k + 1) - 2.0 * v.[k] + at v 0 (k - 1)))

    u |> Array.map (fun s -> s.Expr)

[<Property(MaxTest = 30)>]
let ``the heat stencils as one sum per cell are the same nodes as written with additions`` () =
    // r takes non-dyadic values (0.1, 0.07, …): floating coefficients, where a different order of the
    // additions would round differently and give another node.
    let case =
        gen {
            let! side = Gen.choose (1, 9)
            let! twoD = Gen.elements [ true; false ]
            let! steps = Gen.choose (1, 4)
            let! hundredths = Gen.choose (1, 25)
            let! boundary = Gen.elements [ GridBoundary.Periodic; GridBoundary.Dirichlet ]
            return side, twoD, steps, float hundredths / 100.0, boundary
        }

    Prop.forAll (Arb.fromGen case) (fun (side, twoD, steps, r, boundary) ->
        let n = if twoD then side * side else side
        let simulator (x: Scalar[]) =
            if twoD then ReferenceSimulators.Heat2D(x, side, r, steps, boundary)
            else ReferenceSimulators.Heat1D(x, r, steps, boundary)

        let traced = Tracer.Simulator(n, Func<_, _>(simulator))
        let written = heatByAdditions (Tracer.Variables(n, "x")) side twoD r steps boundary
        Array.forall2 (fun (a: Expr) b -> Object.ReferenceEquals(a, b)) traced written
        |> Prop.label (sprintf "side %d, %s, %d steps, r = %g, %A" side (if twoD then "2-D" else "1-D") steps r boundary))

[<Fact>]
let ``an unstable heat ratio is refused with the limit named`` () =
    let e =
        Assert.Throws<SymbolicException>(fun () ->
            Tracer.Simulator(4, Func<_, _>(fun x -> ReferenceSimulators.Heat1D(x, 0.6, 1, GridBoundary.Periodic))) |> ignore)

    Assert.Equal(ErrorKind.Invalid, e.Kind)
    Assert.Contains("≤ 0.5", e.Message)

// ---- Poisson ------------------------------------------------------------------------------------

[<Property(MaxTest = 20)>]
let ``the traced Poisson solve followed by the 5-point Laplacian is the identity`` () =
    let point = Gen.choose (-100, 100) |> Gen.map (fun v -> float v / 10.0) |> Gen.arrayOfLength 49 |> Arb.fromGen

    Prop.forAll (sizes 1 7) (fun side ->
        Prop.forAll point (fun values ->
            let n = side * side
            let x = values.[.. n - 1]
            let y = valueAt x (Tracer.Simulator(n, Func<_, _>(fun v -> ReferenceSimulators.Poisson2D(v, side))))
            // Δ_h y with y = 0 outside, h = 1/(side+1), applied here by hand (not through the library).
            let h2 = 1.0 / float ((side + 1) * (side + 1))
            let at i j = if i < 0 || j < 0 || i >= side || j >= side then 0.0 else y.[i * side + j]

            let lap =
                Array.init n (fun c ->
                    let i, j = c / side, c % side
                    (at (i + 1) j + at (i - 1) j + at i (j + 1) + at i (j - 1) - 4.0 * at i j) / h2)

            Array.forall2 (fun a b -> abs (a - b) <= 1e-9 * (1.0 + abs a)) x lap
            |> Prop.label (sprintf "side = %d, x = %A, Δy = %A" side x lap)))

[<Fact>]
let ``PG on the Poisson example is exact in one step at eta 1`` () =
    // docs/theory.md §7: P is linear and its given inverse is Δ_h, so x ← P⁻¹(y + 1·(y* − y)) = P⁻¹(y*) = x*.
    let problem = ReferenceProblems.Create("poisson2d", 5)
    let run = problem.Run(Method.PhysicalGradient, 1.0, 1)
    let expected = ReferenceProblems.TrueSolution("poisson2d", 5)
    Assert.Equal(InverseSource.Given, problem.Model.InverseSource)

    for i in 0 .. expected.Length - 1 do
        Assert.True(abs (run.Final.[i] - expected.[i]) <= 1e-9, sprintf "x%d: expected %g, got %g" i expected.[i] run.Final.[i])

// ---- oscillators --------------------------------------------------------------------------------

/// The oscillators' right-hand side written independently as a matrix: ẋ = v, v̇ = −x + 0.2 L x + e₂ u
/// with L = [[−1, 1], [1, −1]].
let private rk4 (s0: float[]) (controls: float[]) =
    let m =
        array2D
            [ [ 0.0; 0.0; 1.0; 0.0 ]
              [ 0.0; 0.0; 0.0; 1.0 ]
              [ -1.2; 0.2; 0.0; 0.0 ]
              [ 0.2; -1.2; 0.0; 0.0 ] ]

    let f (s: float[]) u =
        Array.init 4 (fun i -> (Array.init 4 (fun j -> m.[i, j] * s.[j]) |> Array.sum) + (if i = 3 then u else 0.0))

    let dt = 0.5
    let axpy (a: float[]) c (b: float[]) = Array.map2 (fun p q -> p + c * q) a b

    controls
    |> Array.fold
        (fun s u ->
            let k1 = f s u
            let k2 = f (axpy s (dt / 2.0) k1) u
            let k3 = f (axpy s (dt / 2.0) k2) u
            let k4 = f (axpy s dt k3) u
            Array.init 4 (fun i -> s.[i] + dt / 6.0 * (k1.[i] + 2.0 * k2.[i] + 2.0 * k3.[i] + k4.[i])))
        s0

/// The traced oscillators over n controls against the RK4 above, at random controls.
let private oscillatorsMatchRk4 (n: int) =
    let controls = Gen.choose (-100, 100) |> Gen.map (fun v -> float v / 50.0) |> Gen.arrayOfLength n |> Arb.fromGen

    let s0 = Seq.toArray ReferenceProblems.OscillatorStart
    // Traced once: the expressions do not depend on the controls they are evaluated at.
    let traced = Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Oscillators(x, s0)))

    Prop.forAll controls (fun u ->
        let expected = rk4 s0 u
        let actual = valueAt u traced

        (traced.Length = 4 && Array.forall2 (closeTo 1e-10) expected actual)
        |> Prop.label (sprintf "expected %A, got %A" expected actual))

[<Property(MaxTest = 30)>]
let ``the traced oscillators are the RK4 integration written independently`` () = oscillatorsMatchRk4 24

/// Beyond 256 controls the trace keeps its sums over the states deferred and works each end state's
/// coefficients out in one reverse sweep (Trace.fs, `Linear.Flatten`): another order of the same
/// floating operations, so equal to the RK4 to rounding, over 600 steps.
[<Property(MaxTest = 10)>]
let ``the traced oscillators over 600 controls, their sums deferred, are the RK4 integration`` () = oscillatorsMatchRk4 600

// ---- the catalogue ------------------------------------------------------------------------------

[<Fact>]
let ``every example's target is its simulator at x-star, and its start has one value per variable`` () =
    for info in ReferenceProblems.All do
        let size = min info.DefaultSize 5 |> max info.MinSize
        let problem = ReferenceProblems.Create(info.Name, size)
        let xStar = ReferenceProblems.TrueSolution(info.Name, size)
        let n = ReferenceProblems.Variables(info.Name, size)
        Assert.Equal(n, problem.Variables.Count)
        Assert.Equal(n, problem.Definition.Start.Count)
        let y = valueAt xStar (problem.Model.Simulator)

        for j in 0 .. y.Length - 1 do
            Assert.True(closeTo 1e-9 problem.Definition.Target.[j] y.[j], sprintf "%s: y%d" info.Name j)

[<Fact>]
let ``an example over today's size limit or unknown is refused by name`` () =
    let large = Assert.Throws<SymbolicException>(fun () -> ReferenceProblems.Create("heat1d", 100_000) |> ignore)
    Assert.Equal(ErrorKind.TooLarge, large.Kind)
    Assert.Contains("n = 100", large.Message)
    let unknown = Assert.Throws<SymbolicException>(fun () -> ReferenceProblems.Create("heat3d") |> ignore)
    Assert.Contains("heat1d, heat1d-dirichlet", unknown.Message)

[<Fact>]
let ``compare runs an example from the CLI, and a bad one exits 2 naming the limit`` () =
    let code, out, err =
        Cli.run [ "compare"; "--example"; "heat1d"; "--n"; "16"; "--methods"; "gn:1,pg:1"; "--iterations"; "3"
                  "--out"; IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-example-test") ]

    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    Assert.Contains("gn", TestHelpers.unwrapped out)
    let code2, _, err2 = Cli.run [ "compare"; "--example"; "heat1d"; "--n"; "100000" ]
    Assert.Equal(2, code2)
    Assert.Contains("limit of n = 512", TestHelpers.unwrapped err2)
    Assert.Contains("--methods", TestHelpers.unwrapped err2)
    let code3, _, err3 = Cli.run [ "derive"; "--n"; "16" ]
    Assert.Equal(2, code3)
    Assert.Contains("--example", TestHelpers.unwrapped err3)
[<Fact>]
let ``an example runs past its default limit when the methods are named, and a dense rule still refuses by name`` () =
    // rosenbrock's limit (64) is its default comparison's; gd and gn are matrix-free and take any n.
    let out = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-example-anysize")
    let code, stdout, err =
        Cli.run [ "compare"; "--example"; "rosenbrock"; "--n"; "3000"; "--methods"; "gd:0.001,gn:1"; "--iterations"; "2"; "--out"; out ]
    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    Assert.Contains("(3000 values, ", stdout)
    // hig needs the SVD of the dense 3000 × 3000 Jacobian: over SolverLimits.SvdUpTo (2,000), it is refused with the reason.
    let code2, _, err2 = Cli.run [ "compare"; "--example"; "rosenbrock"; "--n"; "3000"; "--methods"; "hig"; "--iterations"; "2"; "--out"; out ]
    Assert.Equal(2, code2)
    Assert.Contains("gn or lm", TestHelpers.unwrapped err2)
    // Without --methods the default comparison's limit holds.
    let code3, _, err3 = Cli.run [ "compare"; "--example"; "rosenbrock"; "--n"; "3000"; "--out"; out ]
    Assert.Equal(2, code3)
    Assert.Contains("limit of n = 512", TestHelpers.unwrapped err3)
[<Fact>]
let ``over the search's size limit the header says x* was not searched, never that none was found`` () =
    // y = x with 101 variables: J has 101² = 10,201 entries, over the 10,000 the preimage search takes, and
    // newton-cg solves it in a step (its end is the approximate x*). The preimage plainly exists.
    let dir = IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-not-searched")
    IO.Directory.CreateDirectory dir |> ignore
    let path = IO.Path.Combine(dir, "identity101.json")
    let ones = String.Join(", ", Array.create 101 "1")
    let zeros = String.Join(", ", Array.create 101 "0")
    IO.File.WriteAllText(path, sprintf """{"variables": ["x[0..100]"], "simulator": ["x[i] for i in 0..100"], "target": [%s], "start": [%s]}""" ones zeros)
    let code, out, err = Cli.run [ "compare"; "--problem"; path; "--methods"; "gd:0.5,newton-cg"; "--iterations"; "3"; "--out"; dir ]
    Assert.True((code = 0), sprintf "exit %d: %s" code err)
    Assert.Contains("x* is not searched (the Jacobian has more than 10000 entries), so distances are in y", TestHelpers.unwrapped out)
    Assert.DoesNotContain("No preimage of y* was found", TestHelpers.unwrapped out)
