/// Reliability: the catalogue of bad input (CLI and API), limits, numerical faults, concurrency and
/// fuzzing. Whatever goes in, what comes out is a result or a typed error with a message, never a
/// crash, a hang or a stack trace.
module PhysGrad.Properties.Reliability

open System
open System.IO
open System.Threading.Tasks
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Problems

let private outDir = Path.Combine(Path.GetTempPath(), "physgrad-reliability")

let private problemFile (json: string) =
    let path =
        Path.Combine(Path.GetTempPath(), sprintf "physgrad-bad-%d.json" (abs (json.GetHashCode())))

    File.WriteAllText(path, json)
    path

/// No stack trace, and no "internal error": the CLI understood what went wrong.
let private userError (err: string) =
    not (err.Contains "   at ")
    && not (err.Contains "internal error")
    && err.StartsWith "physgrad: "

/// IG and Newton from x = 0 on y = x²: J and the Hessian are singular at the start.
let private singularStart =
    [ "compare"
      "--simulator"
      "x^2"
      "--target"
      "1"
      "--start"
      "0"
      "--methods"
      "ig:0.5,newton:0.5"
      "--out"
      outDir ]

/// PG towards y = −1 on y = x²: no preimage.
let private noPreimage =
    [ "compare"
      "--simulator"
      "x^2"
      "--target"
      "-1"
      "--start"
      "1"
      "--methods"
      "pg:1"
      "--out"
      outDir ]

/// Each case: arguments, expected exit code, words the message must contain.
let catalogue: (string list * int * string) list =
    [ // malformed expressions: every parser error kind
      [ "diff"; "-f"; "x +* 2" ], 2, "column 4"
      [ "diff"; "-f"; "(x + 1" ], 2, "column 7"
      [ "diff"; "-f"; "x + 1)" ], 2, "column 6"
      [ "diff"; "-f"; "2x" ], 2, "column 2"
      [ "diff"; "-f"; "x ^" ], 2, "column 4"
      [ "diff"; "-f"; "1.2.3" ], 2, "column"
      [ "diff"; "-f"; "x # y" ], 2, "column 3"
      [ "diff"; "-f"; String('9', 20_000) ], 2, "digits"
      [ "diff"; "-f"; String('(', 5000) + "x" + String(')', 5000) ], 2, "nested more than"
      // unknown functions and variables, wrong arity, empty input
      [ "diff"; "-f"; "sinus(x)" ], 2, "sinus"
      [ "diff"; "-f"; "atan2(x)" ], 2, "atan2"
      [ "diff"; "-f"; "sin(x, y)" ], 2, "sin"
      [ "diff"; "-f"; "" ], 2, "empty"
      [ "diff"; "-f"; "x + y"; "--vars"; "x"; "--at"; "1" ], 2, "y"
      [ "diff"; "-f"; "x"; "--vars"; "pi" ], 2, "'pi' is a constant"
      // vectors that are not numbers or have the wrong length
      [ "compare"; "--simulator"; "x0; x1"; "--target"; "a,b"; "--start"; "1,1" ], 2, "needs numbers"
      [ "compare"; "--simulator"; "x0; x1"; "--target"; "0"; "--start"; "1,1" ], 2, "--target has 1 value but the problem has 2 outputs"
      [ "compare"; "--simulator"; "x0; x1"; "--target"; "0,0"; "--start"; "1" ], 2, "--start has 1 value but the problem has 2 variables"
      [ "compare"; "--simulator"; "x0"; "--target"; "0"; "--start"; "NaN" ], 2, "not finite"
      [ "diff"; "-f"; "x^2"; "--at"; "1,2" ], 2, "1"
      // problem files
      [ "compare"; "--problem"; "/nonexistent/problem.json" ], 2, "does not exist"
      [ "compare"; "--problem"; problemFile "{ not json" ], 2, "not valid JSON"
      [ "compare"; "--problem"; problemFile """{"variables":["x"]}""" ], 2, "no \"simulator\" field"
      [ "compare"
        "--problem"
        problemFile """{"variables":["x"],"simulator":[1],"target":[0],"start":[1]}""" ],
      2,
      "simulator[0] is the number 1, not an expression in quotes"
      [ "compare"
        "--problem"
        problemFile """{"variables":["x"],"simulator":["x"],"target":[0],"start":[1],"units":{"x":"furlong"}}""" ],
      2,
      "furlong"
      [ "compare"
        "--problem"
        problemFile """{"variables":["x"],"simulator":["x +"],"target":[0],"start":[1]}""" ],
      2,
      "simulator[0]"
      [ "compare"; "--problem"; problemFile "[1, 2]" ], 2, "one JSON object"
      // unit strings
      [ "units"; "--simulator"; "x"; "--unit"; "x=m/" ], 2, "column"
      [ "units"; "--simulator"; "x"; "--unit"; "x" ], 2, "name=unit"
      [ "units"; "--simulator"; "x + y"; "--unit"; "x=m"; "--unit"; "y=s" ], 2, "the term y is in s but x is in m"
      // methods that do not apply, step sizes and iteration limits
      [ "compare"
        "--simulator"
        "x0 + x1"
        "--target"
        "1"
        "--start"
        "0,0"
        "--methods"
        "ig:0.5" ],
      2,
      "Gauss–Newton or HIG"
      [ "compare"; "--methods"; "gd:-0.1" ], 2, "is negative"
      [ "compare"; "--methods"; "gd:0" ], 2, "is zero"
      [ "compare"; "--methods"; "warp:1" ], 2, "warp:1"
      [ "compare"; "--iterations"; "-3" ], 2, "from 0 to 2147483647, not -3"
      [ "derive"; "--methods"; "adam" ], 2, "no closed-form rule"
      [ "check"; "--simulator"; "x"; "--eta"; "-1" ], 2, "positive"
      [ "check"; "--simulator"; "x0"; "--at"; "1,2" ], 2, "--at has 2 values"
      [ "nonsense" ], 2, "Unrecognized command"
      // runs that fail: a step into log of a negative number leaves the domain, with the iteration and the condition
      [ "compare"
        "--simulator"
        "log(x)"
        "--target"
        "-5"
        "--start"
        "0.5"
        "--methods"
        "gd:1"
        "--out"
        outDir ],
      1,
      "iteration 1 left the domain: x > 0 for log(x) fails"
      // singular Jacobians and Hessians at the start, no preimage: recorded fallbacks, exit 0
      singularStart, 0, ""
      noPreimage, 0, ""
      [ "compare"; "--iterations"; "0"; "--out"; outDir ], 0, "" ]

[<Fact>]
let ``every entry of the bad-input catalogue gets its exit code and a message without a stack trace`` () =
    for (args, code, words) in catalogue do
        let actual, out, err = Cli.run args
        let shown = sprintf "%A → %d\nstdout: %s\nstderr: %s" args actual out err
        Assert.True((actual = code), shown)

        if code = 2 then
            Assert.True(userError err, shown)
            Assert.Contains(words, (TestHelpers.unwrapped err))
        elif code = 1 then
            Assert.True(userError err, shown)
            Assert.Contains(words, (TestHelpers.unwrapped err))
        else
            Assert.Equal("", err)

[<Fact>]
let ``fallbacks at singular points and missing preimages are recorded with the point`` () =
    let _, out, _ = Cli.run singularStart

    Assert.Contains("fallback at iteration 1: the Jacobian is singular", TestHelpers.unwrapped out)
    // x = 0 is a maximum of L = ½(x² − 1)² (L″ = −2): Newton's step there is 0 and the stop says so.
    Assert.Contains("stationary, not a minimum: step length 0 ≤ 0 at iteration 1, at a maximum", TestHelpers.unwrapped out)

    let _, out, _ = Cli.run noPreimage

    Assert.Contains("no preimage of y + Δy = [", TestHelpers.unwrapped out)
    Assert.Contains("was found near x", TestHelpers.unwrapped out)

[<Fact>]
let ``the API raises typed errors with the same information`` () =
    let kind (f: unit -> obj) =
        try
            f () |> ignore
            None
        with :? SymbolicException as e ->
            Some(e.Kind, e.Message)

    let check expected words f =
        match kind f with
        | Some(k, message) ->
            Assert.Equal(expected, k)
            Assert.Contains(words, message)
        | None -> failwithf "expected a %A error containing '%s'" expected words

    check ErrorKind.Parse "column 4" (fun () -> box (Expression.Parse "x +* 2"))
    check ErrorKind.UnknownFunction "sinus" (fun () -> box (Expression.Parse "sinus(x)"))
    check ErrorKind.Arity "atan2" (fun () -> box (Expression.Parse "atan2(x)"))
    check ErrorKind.Invalid "not valid JSON" (fun () -> box (PhysicsProblem.FromJson "{"))

    check ErrorKind.Shape "target has 1 value but" (fun () ->
        box (PhysicsProblem.FromText("x0; x1", [| 0.0 |], [| 1.0; 1.0 |])))

    check ErrorKind.Units "furlong" (fun () -> box (Units.parse "furlong"))
    let p = PhysicsProblem.FromText("x0 + x1", [| 1.0 |], [| 0.0; 0.0 |])
    check ErrorKind.Shape "Gauss–Newton or HIG" (fun () -> box (p.Run(Method.InverseGradient, 0.5, 1)))
    check ErrorKind.Invalid "step size" (fun () -> box (p.Run(Method.GradientDescent, -0.1, 1)))
    check ErrorKind.Invalid "iteration limit" (fun () -> box (p.Run(Method.GradientDescent, 0.1, -1)))

    check ErrorKind.NonFinite "start point" (fun () ->
        box (Optimizer.Run(p.Compiled, Method.GradientDescent, 0.1, [| nan; 0.0 |], 1)))

    let zero = p.Run(Method.GradientDescent, 0.1, 0)
    Assert.Equal(1, zero.Trajectory.Count)
    Assert.Equal(StopReason.IterationLimit, zero.StopReason)

// ---- numerical faults ---------------------------------------------------------------------------------

[<Fact>]
let ``every optimiser stops at the iteration a value turns non-finite or leaves the domain and names the quantity or condition`` () =
    // L = ½(log x + 5)² from x = 0.5 with η = 5: every method overshoots into x ≤ 0, where log is
    // NaN (or, for PG, pushes y to −∞ and x = eʸ to 0, where log is −∞). Levenberg–Marquardt and
    // Newton-CG are the exceptions by design: LM takes a step only when L decreases at the trial point
    // (Rules.fs checks that it converges to e⁻⁵ instead), and Newton-CG backtracks by default until it does
    // (a NaN trial value is no decrease): it too converges, and with its search off it steps out of the
    // domain (x ≤ 0), which ends the run at its last point inside.
    let p = PhysicsProblem.FromText("log(x)", [| -5.0 |], [| 0.5 |])
    let searched = p.Run(Method.NewtonCG, 5.0, 200)
    Assert.True((searched.StopReason = StopReason.Converged), sprintf "newton-cg: %A %s" searched.StopReason searched.StopDetail)
    Assert.Equal(exp -5.0, searched.Final.[0], 12)
    let unsearched = Optimizer.Run(p.Compiled, Rules.NewtonCG(5.0, lineSearch = false), [| 0.5 |], 200)
    Assert.True((unsearched.StopReason = StopReason.LeftDomain), sprintf "newton-cg without its search: %A %s" unsearched.StopReason unsearched.StopDetail)
    Assert.Contains("x > 0 for log(x) fails", unsearched.StopDetail)
    Assert.True(Double.IsFinite unsearched.FinalLoss)

    for m in Enum.GetValues<Method>() |> Array.distinct |> Array.filter (fun m -> m <> Method.LevenbergMarquardt && m <> Method.NewtonCG) do
        let run = p.Run(m, 5.0, 200)
        let k = run.Trajectory.Count - 1
        // Every value recorded before the fault is finite.
        Assert.All(run.Losses |> Seq.take k, fun l -> Assert.True(Double.IsFinite l))

        if run.StopReason = StopReason.LeftDomain then
            // A finite x ≤ 0 (PG: x = eʸ = 0): the run ends at its last point inside, loss finite, and the
            // detail names the step after it and the condition.
            Assert.True(Double.IsFinite run.FinalLoss, sprintf "%A: %g" m run.FinalLoss)
            Assert.Equal(k, run.Exit.Iteration)
            Assert.Contains(sprintf "iteration %d left the domain: x > 0 for log(x) fails" (k + 1), run.StopDetail)
        else
            Assert.True((run.StopReason = StopReason.Diverged), sprintf "%A: %A %s" m run.StopReason run.StopDetail)

            Assert.True(
                run.StopDetail.Contains(sprintf "at iteration %d" (if run.StopDetail.StartsWith "x" then k + 1 else k)),
                sprintf "%A: %s (trajectory of %d)" m run.StopDetail run.Trajectory.Count
            )

            Assert.True(
                run.StopDetail.StartsWith "x became non-finite"
                || run.StopDetail.StartsWith "the loss became non-finite",
                run.StopDetail
            )

// ---- limits -------------------------------------------------------------------------------------------

[<Fact>]
let ``a 100,000-deep chain differentiates, compiles and evaluates`` () =
    let x = Expr.symbol "x"
    let mutable e = x

    for _ in 1..100_000 do
        e <- Expr.sin (Expr.add e Expr.one)

    let d = Calculus.derivative x e
    // d/dx sin(u + 1) = cos(u + 1)·u': a product of 100,000 cosines.
    Assert.True(Structure.graphSize [ d ] > 100_000)
    let kernel = KernelCompiler.Compile(Lower.program [| "x" |] [||] [| e; d |])
    // Over 200,000 instructions: compiled as several methods, not one the JIT cannot optimise.
    Assert.True(kernel.ChunkCount > 1)
    let outputs = Array.zeroCreate 2
    kernel.Evaluate([| 0.5 |], outputs)
    Assert.Equal(Evaluate.at [| "x" |] [| 0.5 |] e, outputs.[0])
    Assert.Equal(Evaluate.at [| "x" |] [| 0.5 |] d, outputs.[1])

[<Fact>]
let ``a million-node expression builds, differentiates and evaluates; a million-term sum is refused at once`` () =
    let v = Array.init 1000 (fun i -> Expr.symbol (sprintf "v%d" i))
    // 1000 groups, each sin of a 1000-term sum: about a million nodes in one expression.
    let e =
        Expr.sum
            [ for g in 0..999 ->
                  Expr.sin (
                      Expr.sum [ for i in 0..999 -> Expr.mul2 (Expr.ofInt (g * 1000 + i + 1)) v.[(g + i) % 1000] ]
                  ) ]

    Assert.True(Structure.graphSize [ e ] > 1_000_000)
    let d = Calculus.derivative v.[0] e
    let point = Array.init 1000 (fun i -> 1e-6 * float i)
    let names = v |> Array.map Infix.format
    Assert.True(Double.IsFinite(Evaluate.at names point d))

    let distinct =
        [| for i in 1 .. (Expr.MaxTerms + 1) -> Expr.symbol (sprintf "w%d" i) |]

    let ex = Assert.Throws<SymbolicException>(fun () -> Expr.sum distinct |> ignore)
    Assert.Equal(ErrorKind.TooLarge, ex.Kind)
    Assert.Contains(sprintf "sum of %d terms is over the limit of 200000" (Expr.MaxTerms + 1), ex.Message)

    let ex =
        Assert.Throws<ParseException>(fun () -> Parse.expression (String.replicate 2_000_000 "x + ") |> ignore)

    Assert.Equal(ErrorKind.TooLarge, ex.Kind)

// ---- concurrency --------------------------------------------------------------------------------------

[<Property(MaxTest = 15)>]
let ``optimisers and kernels used from many threads at once give the sequential results`` () =
    Prop.forAll problemsAt (fun (p, x0) ->
        let target, _ = forward p (x0 |> Array.map (fun v -> v + 0.01))

        let problem =
            Problem.Create(p.Variables, simulator p, null, target, x0, null, true)
            |> CompiledProblem

        let methods = Enum.GetValues<Method>() |> Array.distinct

        let runOne m =
            (Optimizer.Run(problem, m, 0.3, x0, 5)).Trajectory |> Seq.concat |> Array.ofSeq

        let sequential = methods |> Array.map runOne
        let threaded = Array.zeroCreate (8 * methods.Length)

        Parallel.For(0, threaded.Length, fun i -> threaded.[i] <- runOne methods.[i % methods.Length])
        |> ignore

        let kernel =
            KernelCompiler.Compile(Lower.valueJacobian p.Variables [||] (simulator p))

        let one (point: float[]) =
            let o = Array.zeroCreate kernel.OutputCount
            kernel.Evaluate(point, o)
            o

        let points = Array.init 64 (fun k -> x0 |> Array.map (fun v -> v + 1e-3 * float k))
        let serial = points |> Array.map one
        let concurrent = Array.zeroCreate points.Length

        Parallel.For(0, points.Length, fun k -> concurrent.[k] <- one points.[k])
        |> ignore

        (Array.forall2 (fun (a: float[]) (b: float[]) -> a = b) serial concurrent
         && threaded
            |> Array.mapi (fun i r -> r = sequential.[i % methods.Length])
            |> Array.forall id)
        |> Prop.label (sprintf "P = %O" p))

// ---- fuzzing -------------------------------------------------------------------------------------------

/// Parse errors and the other typed errors are fine; anything else is a bug.
let private typedOnly (f: unit -> unit) : Property =
    try
        f ()
        Prop.ofTestable true
    with
    | :? SymbolicException -> Prop.ofTestable true
    | e -> Prop.label (sprintf "%s: %s" (e.GetType().Name) e.Message) false

let private characters =
    Gen.elements (List.ofSeq "xyz019.+-*/^(),; eEsinoqrtlgabp_é\t\n#[]{}\"'!$%&")

[<Property(MaxTest = 1000)>]
let ``random strings give the parser only typed errors`` () =
    Prop.forAll (Gen.arrayOf characters |> Gen.map String |> Arb.fromGen) (fun text ->
        typedOnly (fun () -> Parse.many text |> ignore)
        |> Prop.label (sprintf "%A" text))

let private tokens =
    Gen.elements
        [ "x"
          "y"
          "x0"
          "1"
          "2.5"
          "1e308"
          "1e400"
          "0"
          "pi"
          "e"
          "+"
          "-"
          "*"
          "/"
          "^"
          "**"
          "("
          ")"
          ","
          ";"
          "sin("
          "atan2("
          "log("
          "sqrt("
          "abs("
          "sign("
          "exp("
          "unknown("
          " " ]

[<Property(MaxTest = 1000)>]
let ``random token sequences give the parser and the derivatives only typed errors`` () =
    Prop.forAll (Gen.listOf tokens |> Gen.map (String.concat "") |> Arb.fromGen) (fun text ->
        typedOnly (fun () ->
            for e in Parse.many text do
                let vars = Structure.freeSymbols e
                Calculus.gradient vars e |> ignore
                Infix.format e |> Parse.expression |> ignore)
        |> Prop.label text)

[<Property(MaxTest = 150)>]
let ``random problems through every API command give results or typed errors`` () =
    let texts =
        Gen.listOfLength 2 (Gen.listOf tokens |> Gen.map (String.concat ""))
        |> Gen.map (String.concat "; ")

    let numbers = Gen.elements [ 0.0; 1.0; -2.5; 1e-300; 1e300; 3.0 ]

    let inputs =
        Gen.zip3 texts (Gen.arrayOf numbers) (Gen.arrayOf numbers) |> Arb.fromGen

    Prop.forAll inputs (fun (simulator, target, start) ->
        typedOnly (fun () ->
            let p = PhysicsProblem.FromText(simulator, target, start)

            for m in Enum.GetValues<Method>() |> Array.distinct do
                try
                    p.Run(m, 0.3, 5) |> ignore
                with :? SymbolicException ->
                    ()

            try
                p.Rules() |> ignore
            with :? SymbolicException ->
                ()

            p.Check() |> ignore
            p.ToJson(p.Compare([| (Method.GradientDescent, 0.1) |], 3)) |> ignore)
        |> Prop.label (sprintf "%s, target %A, start %A" simulator target start))

[<Property(MaxTest = 100)>]
let ``random command lines never crash the CLI`` () =
    let words =
        Gen.elements
            [ "diff"
              "eval"
              "compare"
              "derive"
              "units"
              "check"
              "-f"
              "--simulator"
              "--target"
              "--start"
              "--methods"
              "--unit"
              "--format"
              "json"
              "csv"
              "latex"
              "x0; x1^2"
              "sin(x"
              "1,2"
              "0"
              "gd:0.1"
              "pg:2"
              "x0=m"
              "--at"
              "--iterations"
              "3"
              "-1"
              "--problem"
              "--loss"
              "y0^2"
              "--inverse"
              "numeric" ]

    Prop.forAll (Gen.listOf words |> Arb.fromGen) (fun args ->
        let code, _, err = Cli.run (args @ [ "--out"; outDir ])

        (code >= 0
         && code <= 2
         && not (err.Contains "internal error")
         && not (err.Contains "   at "))
        |> Prop.label (sprintf "%A → %d: %s" args code err))
