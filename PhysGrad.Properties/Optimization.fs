module PhysGrad.Properties.Optimization

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

let private problem = lazy (BookExample.Problem())

let private step (m: Method) (eta: float) =
    (Optimizer.Run(problem.Value, m, eta, [| 3.0; 3.0 |], 1)).Final

// One step from [3, 3] on P(x) = [x0, x1²], L = y0² + y1², derived by hand from docs/theory.md §2:
// ∇L = [2x0, 4x1³] = [6, 108]; ∂²L/∂x² = diag(2, 12x1²) = diag(2, 108); Δy = −η y = −η [3, 9];
// J = diag(1, 2x1) = diag(1, 6).

[<Fact>]
let ``one GD step is −η ∇L`` () =
    let x = step Method.GradientDescent 0.01
    Assert.Equal(2.94, x.[0], 12)
    Assert.Equal(1.92, x.[1], 12)

[<Fact>]
let ``one Newton step is −η H⁻¹ ∇L`` () =
    let x = step Method.Newton (1.0 / 3.0)
    Assert.Equal(2.0, x.[0], 12)
    Assert.Equal(3.0 - 1.0 / 3.0, x.[1], 12)

[<Fact>]
let ``one IG step is J⁻¹ Δy`` () =
    let x = step Method.InverseGradient 0.3
    Assert.Equal(2.1, x.[0], 12)
    Assert.Equal(3.0 - 2.7 / 6.0, x.[1], 12)

[<Fact>]
let ``one PG step lands exactly on y + Δy`` () =
    let x = step Method.PhysicalGradient 0.3
    Assert.Equal(2.1, x.[0], 12)
    Assert.Equal(sqrt 6.3, x.[1], 12)

[<Fact>]
let ``PG shrinks the y-distance by exactly 1 − η per step`` () =
    let run =
        Optimizer.Run(problem.Value, Method.PhysicalGradient, 0.3, [| 3.0; 3.0 |], 10)

    for k in 1..10 do
        let y = run.Outputs.[k]
        Assert.Equal(3.0 * 0.7 ** float k, y.[0], 12)
        Assert.Equal(9.0 * 0.7 ** float k, y.[1], 11)

    Assert.Empty(run.Fallbacks)
    Assert.Equal(StopReason.IterationLimit, run.StopReason)

[<Fact>]
let ``the local inverse keeps the branch of the start point`` () =
    let run =
        Optimizer.Run(problem.Value, Method.PhysicalGradient, 0.3, [| 3.0; -3.0 |], 5)

    Assert.All(run.Trajectory, fun x -> Assert.True(x.[1] < 0.0, sprintf "left the negative branch: %A" x))

[<Fact>]
let ``a target with no preimage falls back to IG and says so`` () =
    // η = 2 asks PG for y1 + Δy1 = (1 − 2)·9 < 0: x1² cannot reach it.
    let run =
        Optimizer.Run(problem.Value, Method.PhysicalGradient, 2.0, [| 3.0; 3.0 |], 1)

    let f = Assert.Single(run.Fallbacks)
    Assert.Equal(1, f.Iteration)
    Assert.Contains("no preimage", f.Reason)
    Assert.Equal(3.0 - 18.0 / 6.0, run.Final.[1], 12) // the IG step J⁻¹Δy instead

[<Fact>]
let ``a singular Hessian falls back to its pseudo-inverse and says where`` () =
    // At x1 = 0 the Hessian diag(2, 12·x1²) is singular; ∇L = (2, 0), so H⁺∇L = (1, 0).
    let run = Optimizer.Run(problem.Value, Method.Newton, 0.5, [| 1.0; 0.0 |], 1)
    let f = Assert.Single(run.Fallbacks)
    Assert.Equal(FallbackKind.HessianSingular, f.Kind)
    Assert.Contains("singular", f.Reason)
    Assert.Equal(0.5, run.Final.[0], 12) // 1 − 0.5·1
    Assert.Equal(0.0, run.Final.[1], 12)

[<Fact>]
let ``a run that overflows stops as diverged with the iteration`` () =
    let run =
        Optimizer.Run(problem.Value, Method.GradientDescent, 1e10, [| 3.0; 3.0 |], 50)

    Assert.Equal(StopReason.Diverged, run.StopReason)
    Assert.Contains("iteration", run.StopDetail)

[<Fact>]
let ``a zero loss converges immediately`` () =
    let run =
        Optimizer.Run(problem.Value, Method.Newton, 1.0, [| 0.0; 0.0 |], 10, 1e-12)

    Assert.Equal(StopReason.Converged, run.StopReason)
    Assert.Equal(1, run.Trajectory.Count)

[<Fact>]
let ``physgrad compare runs the book's example and prints each method's final point`` () =
    let code, out, _ = Cli.run [ "compare" ]
    Assert.Equal(0, code)
    Assert.Contains("[0.0847426, 0.504210]", out) // 3·0.7¹⁰ = 0.08474257, 3·0.7⁵ = 0.50421 to 6 digits
    Assert.Contains("newton", out)

/// docs/theory.md §4, the linear HIG check: P(θ) = Jθ, J = diag(1, 0.25, 1e−4), L = ½‖y − y*‖².
let private linear =
    lazy
        (CompiledProblem(
            [| "t0"; "t1"; "t2" |],
            Parse.many "t0; 0.25*t1; 0.0001*t2",
            [| "y0"; "y1"; "y2" |],
            Parse.expression "((y0 - 1)^2 + (y1 - 1)^2 + (y2 - 1)^2)/2"
        ))

[<Fact>]
let ``HIG shrinks each kept direction's residual by 1 − η σ^(1+κ) and never moves the truncated one`` () =
    let run =
        Optimizer.Run(linear.Value, Method.HalfInverseGradient, 1.0, [| 0.0; 0.0; 0.0 |], 3, 0.0, -0.5, 1e-3)

    for k in 0..3 do
        let y = run.Outputs.[k]
        Assert.Equal((1.0 - 1.0) ** float k, 1.0 - y.[0], 12) // σ = 1: gone after one step
        Assert.Equal((1.0 - 0.25 ** 0.5) ** float k, 1.0 - y.[1], 12) // σ = 0.25: factor 1/2
        Assert.Equal(0.0, run.Trajectory.[k].[2]) // σ = 1e−4 ≤ τ·σ_max: dropped

    Assert.All(run.Fallbacks, fun f -> Assert.Contains("dropped", f.Reason))

[<Fact>]
let ``Gauss–Newton and Newton reach the optimum of a linear least-squares problem in one step at η = 1`` () =
    for m in [ Method.GaussNewton; Method.Newton; Method.InverseGradient ] do
        let run = Optimizer.Run(linear.Value, m, 1.0, [| 0.0; 0.0; 0.0 |], 1)
        Assert.Equal(1.0, run.Final.[0], 9)
        Assert.Equal(4.0, run.Final.[1], 9)
        Assert.Equal(10000.0, run.Final.[2], 6)
        Assert.True(run.FinalLoss < 1e-12, sprintf "%A: loss %g" m run.FinalLoss)

[<Fact>]
let ``Adam's first step has length η in every coordinate`` () =
    // m̂ = g and v̂ = g² after one step, so Δx = −η g/(|g| + ε) = −η sign(g).
    let run = Optimizer.Run(problem.Value, Method.Adam, 0.1, [| 3.0; 3.0 |], 1)
    Assert.Equal(2.9, run.Final.[0], 9)
    Assert.Equal(2.9, run.Final.[1], 9)

[<Fact>]
let ``IG on a non-square problem is a clear error that suggests Gauss–Newton or HIG`` () =
    let p =
        CompiledProblem([| "a" |], Parse.many "a; a^2", [| "y0"; "y1" |], Parse.expression "y0^2 + y1^2")

    let ex =
        Assert.Throws<SymbolicException>(fun () ->
            Optimizer.Run(p, Method.InverseGradient, 0.1, [| 1.0 |], 1) |> ignore)

    Assert.Equal(ErrorKind.Shape, ex.Kind)
    Assert.Contains("Gauss–Newton or HIG", ex.Message)

[<Fact>]
let ``compare --format json has each method's trajectory from the start point`` () =
    let code, out, _ =
        Cli.run
            [ "compare"
              "--format"
              "json"
              "--iterations"
              "2"
              "--methods"
              "pg:0.3,gn:0.5" ]

    Assert.Equal(0, code)
    let root = (Text.Json.JsonDocument.Parse out).RootElement
    Assert.Equal("y0^2 + y1^2", root.GetProperty("problem").GetProperty("loss").GetString())
    let pg = root.GetProperty("methods").[0]
    Assert.Equal("pg", pg.GetProperty("name").GetString())
    Assert.Equal(0.3, pg.GetProperty("eta").GetDouble())
    let trajectory = pg.GetProperty("trajectory")
    Assert.Equal(3, trajectory.GetArrayLength())
    Assert.Equal(3.0, trajectory.[0].[0].GetDouble())
    Assert.Equal(3.0 * 0.49, pg.GetProperty("final").[0].GetDouble(), 12)
    Assert.Equal("IterationLimit", pg.GetProperty("stopReason").GetString())
    Assert.Equal("gn", root.GetProperty("methods").[1].GetProperty("name").GetString())

[<Fact>]
let ``compare --format csv has one row per method and iteration`` () =
    let code, out, _ = Cli.run [ "compare"; "--format"; "csv"; "--iterations"; "4" ]
    Assert.Equal(0, code)
    let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
    Assert.Equal(1 + 4 * 5, lines.Length)
    Assert.StartsWith("gd,0.01,1,2.94,1.92,", lines.[2])

[<Theory>]
[<InlineData("foo:1", "not a method")>]
[<InlineData("gd:-1", "positive")>]
let ``compare with bad --methods exits with 2`` (methods: string, fragment: string) =
    let code, _, err = Cli.run [ "compare"; "--methods"; methods ]
    Assert.Equal(2, code)
    Assert.Contains(fragment, err)

[<Fact>]
let ``compare --methods gd alone runs GD at the catalogue's default step size`` () =
    // --help lists a default η for every method; a bare name takes it (it used to be refused).
    let code, out, err = Cli.run [ "compare"; "--methods"; "gd"; "--iterations"; "1"; "--format"; "json" ]
    Assert.Equal(0, code)
    Assert.Equal("", err)
    let m = System.Text.Json.JsonDocument.Parse(out).RootElement.GetProperty("methods").[0]
    Assert.Equal("gd", m.GetProperty("name").GetString())
    Assert.Equal((MethodCatalog.Of Method.GradientDescent).DefaultEta, m.GetProperty("eta").GetDouble())

[<Fact>]
let ``compare writes x-space and y-space plots as PNG and SVG into --out`` () =
    let dir =
        IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-test-" + Guid.NewGuid().ToString("N"))

    try
        let code, out, _ = Cli.run [ "compare"; "--iterations"; "3"; "--out"; dir ]
        Assert.Equal(0, code)

        for name in [ "x-space"; "y-space" ] do
            let png = IO.File.ReadAllBytes(IO.Path.Combine(dir, name + ".png"))
            Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy |], png.[0..3]) // the PNG signature
            Assert.True(png.Length > 5000, sprintf "%s.png is only %d bytes" name png.Length)
            let svg = IO.File.ReadAllText(IO.Path.Combine(dir, name + ".svg"))
            Assert.Contains("<svg", svg)
            Assert.Contains("target", svg) // the legend names the target
            Assert.Contains("pg", svg)

        Assert.Contains(IO.Path.Combine(dir, "x-space.png"), out)
    finally
        if IO.Directory.Exists dir then
            IO.Directory.Delete(dir, true)

[<Fact>]
let ``on y = exp(x) PG uses the exact inverse log y and halves the y-distance at η = ½`` () =
    let definition =
        ProblemDefinition([| "x" |], [| "exp(x)" |], null, [| 2.0 |], [| 0.0 |], [| "log(y0)" |])

    let p = definition.Compile()
    let run = Optimizer.Run(p, Method.PhysicalGradient, 0.5, [| 0.0 |], 4)

    for k in 0..4 do
        Assert.Equal(2.0 - 0.5 ** float k, run.Outputs.[k].[0], 12)
        Assert.Equal(log (2.0 - 0.5 ** float k), run.Trajectory.[k].[0], 12)

[<Fact>]
let ``compare reads a problem file`` () =
    let path = IO.Path.GetTempFileName()

    try
        IO.File.WriteAllText(
            path,
            """{"variables":["a","b"],"simulator":["a","b^3"],"target":[1,8],"start":[0,1],"inverse":["y0","y1^(1/3)"]}"""
        )

        let code, out, err =
            Cli.run
                [ "compare"
                  "--problem"
                  path
                  "--methods"
                  "pg:1"
                  "--iterations"
                  "1"
                  "--format"
                  "json" ]

        Assert.Equal(0, code)
        Assert.Equal("", err)

        let final =
            (Text.Json.JsonDocument.Parse out).RootElement.GetProperty("methods").[0].GetProperty("final")
        // η = 1 and an exact inverse: one PG step lands on the target's preimage (1, 2).
        Assert.Equal(1.0, final.[0].GetDouble(), 12)
        Assert.Equal(2.0, final.[1].GetDouble(), 12)
    finally
        IO.File.Delete path

[<Theory>]
[<InlineData("""{"variables":["a"],"simulator":["a^3"],"start":[1]}""", "no \"target\" field")>]
[<InlineData("""{"variables":"a","simulator":["a"],"target":[1],"start":[1]}""",
             "\"variables\" must be an array of strings")>]
[<InlineData("""{"variables":["a"],"simulator":["a +* 1"],"target":[1],"start":[1]}""",
             "In simulator[0]: Parse error at line 1, column 4")>]
[<InlineData("""{"variables":["a"],"simulator":["a"],"target":[1, 2],"start":[1]}""",
             "\"target\" has 2 values but the problem has 1 output")>]
[<InlineData("""not json""", "not valid JSON")>]
let ``a bad problem file exits with 2 and names the field`` (json: string, fragment: string) =
    let path = IO.Path.GetTempFileName()

    try
        IO.File.WriteAllText(path, json)
        let code, _, err = Cli.run [ "compare"; "--problem"; path ]
        Assert.Equal(2, code)
        Assert.Contains(fragment, err)
    finally
        IO.File.Delete path

[<Fact>]
let ``compare on the command line needs a target and a start`` () =
    let code, _, err = Cli.run [ "compare"; "--simulator"; "x^2"; "--start"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("--target", err)

let private quadratic =
    lazy
        (ProblemDefinition(
            [| "a"; "b" |],
            [| "a"; "b" |],
            "(y0^2 + 4*y1^2)/2 + y0*y1/2",
            [| 0.0; 0.0 |],
            [| 1.0; 1.0 |]
        )
            .Compile())

[<Fact>]
let ``the first BFGS and L-BFGS steps are gradient steps of Polyak's length (the estimate starts at |L|/‖∇L‖² I)`` () =
    for m in [ Method.Bfgs; Method.LimitedMemoryBfgs ] do
        let run = Optimizer.Run(quadratic.Value, m, 0.1, [| 1.0; 1.0 |], 1)
        // ∇ = [a + b/2, 4b + a/2] = [1.5, 4.5], L = 3, |L|/‖∇‖² = 3/22.5 = 2/15: Δx = −0.1·(2/15)·∇ = (−0.02, −0.06).
        Assert.Equal(1.0 - 0.02, run.Final.[0], 12)
        Assert.Equal(1.0 - 0.06, run.Final.[1], 12)

[<Fact>]
let ``BFGS and L-BFGS learn the curvature: at η = ½ they converge like Newton where GD diverges`` () =
    // The Hessian [[1, ½], [½, 4]] has eigenvalues ≈ 0.92 and 4.08: GD's factor |1 − ½·4.08| > 1.
    let gd =
        Optimizer.Run(quadratic.Value, Method.GradientDescent, 0.5, [| 1.0; 1.0 |], 40)

    Assert.True(gd.FinalLoss > gd.Losses.[0], sprintf "GD should grow: %g" gd.FinalLoss)

    for m in [ Method.Bfgs; Method.LimitedMemoryBfgs ] do
        let run = Optimizer.Run(quadratic.Value, m, 0.5, [| 1.0; 1.0 |], 40)
        // Once the estimate is the inverse Hessian, each step removes half the error: the loss
        // falls by (1 − η)² = ¼ per step. Measured as the median ratio of iterations 10 to 39: near L ≈ 1E-23
        // the gradient differences are at rounding and single ratios stray (0.27, 0.13).
        let ratios = [| for k in 10..39 -> run.Losses.[k] / run.Losses.[k - 1] |] |> Array.sort
        let ratio = ratios.[ratios.Length / 2]
        Assert.True(abs (ratio - 0.25) < 1e-3, sprintf "%A: median loss ratio %g, loss %g" m ratio run.FinalLoss)

/// The closed-form rule, evaluated at x with η, against one step of the numeric optimiser from x.
let private ruleMatchesStep (definition: ProblemDefinition) (m: Method) (eta: float) (x: float[]) =
    let rule = (UpdateRuleSet.Derive(definition, [| m |])).[0]
    let names = Array.append (Array.ofSeq definition.Variables) [| "eta" |]
    let point = Array.append x [| eta |]

    let symbolic =
        rule.Steps |> Seq.map (fun s -> s.Evaluate(names, point)) |> Array.ofSeq

    let run = Optimizer.Run(definition.Compile(), m, eta, x, 1)
    let numeric = Array.map2 (-) run.Final x
    Assert.Empty(run.Fallbacks)

    for i in 0 .. x.Length - 1 do
        Assert.True(
            abs (symbolic.[i] - numeric.[i]) <= 1e-10 * (1.0 + abs numeric.[i]),
            sprintf "%A Δ%d: rule %g, optimiser %g" m i symbolic.[i] numeric.[i]
        )

[<Theory>]
[<InlineData(0.3, 3.0, 3.0)>]
[<InlineData(0.1, -1.5, 0.7)>]
[<InlineData(0.9, 2.0, -0.4)>]
let ``each closed-form rule evaluated at a point equals the optimiser's step there (book example)``
    (eta: float, x0: float, x1: float)
    =
    for m in UpdateRuleSet.Symbolic do
        ruleMatchesStep ProblemDefinition.Book m eta [| x0; x1 |]

[<Fact>]
let ``the closed-form rules of a coupled problem equal the optimiser's steps`` () =
    let definition =
        ProblemDefinition([| "a"; "b" |], [| "a + b^3"; "exp(a) - b" |], null, [| 1.0; 2.0 |], [| 0.2; 0.5 |])

    // At (1, 1): r = (1, e − 3), J = [[1, 3], [e, −1]], H = JᵀJ + r₁·diag(0, 6b) + r₂·diag(eᵃ, 0)
    // ≈ [[7.63, 0.28], [0.28, 16]], positive definite, so Newton takes its plain step (the closed-form
    // rule). At the start (0.2, 0.5) H ≈ [[0.93, −0.47], [−0.47, −0.46]] is indefinite (eigenvalues
    // 1.0747 and −0.6071): there the optimiser takes the |λ| step and records it.
    for m in
        [ Method.GradientDescent
          Method.Newton
          Method.InverseGradient
          Method.GaussNewton ] do
        ruleMatchesStep definition m 0.25 [| 1.0; 1.0 |]

    let atStart = Optimizer.Run(definition.Compile(), Method.Newton, 0.25, [| 0.2; 0.5 |], 1)
    Assert.Equal(FallbackKind.HessianIndefinite, atStart.Fallbacks.[0].Kind)
    Assert.Contains("eigenvalues -0.6071, 1.075", atStart.Fallbacks.[0].Reason)

[<Fact>]
let ``the book's rules read as derived by hand`` () =
    let rules =
        UpdateRuleSet.Derive(ProblemDefinition.Book)
        |> Seq.map (fun r -> BookExample.ShortName r.Method, r.Steps |> Seq.map (fun s -> s.ToInfix()) |> List.ofSeq)
        |> Map.ofSeq

    Assert.Equal<string list>([ "-2*eta*x0"; "-4*eta*x1^3" ], rules.["gd"])
    Assert.Equal<string list>([ "-eta*x0"; "-eta*x1/3" ], rules.["newton"])
    Assert.Equal<string list>([ "-eta*x0"; "-eta*x1/2" ], rules.["ig"])
    Assert.Equal<string list>([ "-2*eta*x0"; "-eta*x1" ], rules.["gn"])

[<Fact>]
let ``derive prints the rules, and PG without an inverse is a clear error`` () =
    let code, out, _ = Cli.run [ "derive"; "--methods"; "ig"; "--format"; "json" ]
    Assert.Equal(0, code)
    let rule = (Text.Json.JsonDocument.Parse out).RootElement.GetProperty("rules").[0]
    Assert.Equal("ig", rule.GetProperty("method").GetString())
    Assert.Equal("-eta*x1/2", rule.GetProperty("steps").[1].GetProperty("step").GetString())

    let code, _, err =
        Cli.run
            [ "derive"
              "--simulator"
              "sin(x)"
              "--target"
              "1"
              "--start"
              "1"
              "--methods"
              "pg" ]

    Assert.Equal(2, code)
    Assert.Contains("needs a local inverse", err)
    let code, _, err = Cli.run [ "derive"; "--methods"; "adam" ]
    Assert.Equal(2, code)
    Assert.Contains("no closed-form rule", err)

[<Fact>]
let ``without a given inverse PG inverts numerically, lands on y + Δy and keeps the branch`` () =
    let book = ProblemDefinition.Book

    let withInverse =
        ProblemDefinition(
            book.Variables,
            book.Simulator,
            book.Loss,
            book.Target,
            book.Start,
            [| "y0"; "sign(x1)*sqrt(y1)" |]
        )

    let without =
        ProblemDefinition(book.Variables, book.Simulator, book.Loss, book.Target, book.Start, DeriveInverse = false)

    for start in [ [| 3.0; 3.0 |]; [| -2.0; -1.5 |] ] do
        let exact =
            Optimizer.Run(withInverse.Compile(), Method.PhysicalGradient, 0.3, start, 5)

        let numeric =
            Optimizer.Run(without.Compile(), Method.PhysicalGradient, 0.3, start, 5)

        Assert.Empty(numeric.Fallbacks)

        for k in 0..5 do
            for i in 0..1 do
                Assert.Equal(exact.Trajectory.[k].[i], numeric.Trajectory.[k].[i], 10)

[<Fact>]
let ``the numeric inverse of a nonlinear coupled simulator reproduces y exactly`` () =
    let p =
        ProblemDefinition([| "a"; "b" |], [| "a + sin(b)"; "a*b + b^3" |], null, [| 0.0; 0.0 |], [| 0.5; 0.5 |])
            .Compile()

    let x0 = [| 0.5; 0.5 |]
    let y0 = Array.zeroCreate 2
    p.Simulate(x0, y0, Array.zeroCreate 4)
    let target = [| y0.[0] + 0.1; y0.[1] - 0.2 |]
    let x = Array.zeroCreate 2
    Assert.True(p.InvertNumerically(target, x0, x))
    let y = Array.zeroCreate 2
    p.Simulate(x, y, Array.zeroCreate 4)
    Assert.Equal(target.[0], y.[0], 12)
    Assert.Equal(target.[1], y.[1], 12)

[<Fact>]
let ``a target with no preimage is reported by the numeric inverse`` () =
    let p =
        ProblemDefinition([| "x" |], [| "x^2" |], null, [| 0.0 |], [| 1.0 |]).Compile()

    Assert.False(p.InvertNumerically([| -1.0 |], [| 1.0 |], Array.zeroCreate 1))

/// L(x) = √(1 + x²): Newton's step is x ↦ −x³, which diverges from |x| > 1.
let private hump =
    lazy (ProblemDefinition([| "x" |], [| "x" |], "sqrt(1 + y0^2)", [| 0.0 |], [| 1.5 |]).Compile())

[<Fact>]
let ``Newton overshoots on sqrt(1 + x²) from 1.5, and the line search makes it converge`` () =
    let plain = Optimizer.Run(hump.Value, Method.Newton, 1.0, [| 1.5 |], 3)
    Assert.Equal(-(1.5 ** 3.0), plain.Trajectory.[1].[0], 12)
    Assert.True(abs plain.Final.[0] > 10.0, sprintf "plain Newton should run away: %g" plain.Final.[0])

    let searched =
        Optimizer.Run(hump.Value, Method.Newton, 1.0, [| 1.5 |], 20, lineSearch = true)

    Assert.True(abs searched.Final.[0] < 1e-8, sprintf "with a line search: %g" searched.Final.[0])
    Assert.True(Seq.pairwise searched.Losses |> Seq.forall (fun (a, b) -> b <= a), "the loss must never increase")

[<Fact>]
let ``a step tolerance stops the run as converged and says when`` () =
    let run =
        Optimizer.Run(problem.Value, Method.PhysicalGradient, 0.5, [| 3.0; 3.0 |], 1000, stepTolerance = 1e-6)

    Assert.Equal(StopReason.Converged, run.StopReason)
    Assert.Contains("step length", run.StopDetail)
    Assert.True(run.Trajectory.Count < 60, sprintf "%d steps" run.Trajectory.Count)

[<Fact>]
let ``compare --line-search reaches the minimum of sqrt(1 + x²) where plain Newton runs away`` () =
    let args =
        [ "compare"
          "--simulator"
          "x"
          "--loss"
          "sqrt(1+y0^2)"
          "--target"
          "0"
          "--start"
          "1.5"
          "--methods"
          "newton:1"
          "--iterations"
          "8"
          "--format"
          "json" ]

    let method (extra: string list) =
        let code, out, _ = Cli.run (args @ extra)
        Assert.Equal(0, code)
        (Text.Json.JsonDocument.Parse out).RootElement.GetProperty("methods").[0]
    // x ↦ −x³ from 1.5 runs away until the Hessian (1 + x²)^(−3/2) underflows to 0, and the run
    // falls back to gradient steps far from the minimum.
    let plain = method []
    Assert.True(abs (plain.GetProperty("final").[0].GetDouble()) > 1e10)
    Assert.Contains("singular", plain.GetProperty("fallbacks").[0].GetProperty("reason").GetString())
    Assert.True(abs ((method [ "--line-search" ]).GetProperty("final").[0].GetDouble()) < 1e-8)
