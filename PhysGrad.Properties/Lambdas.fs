/// Problems written as code: C# expression-tree lambdas and F# quotations, translated to symbolic
/// expressions, and the façade a C# application uses.
module PhysGrad.Properties.Lambdas

open System
open System.Linq.Expressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators

type private L = System.Linq.Expressions.Expression

let private math (name: string) (args: L list) =
    L.Call(typeof<Math>.GetMethod(name, args |> List.map (fun _ -> typeof<float>) |> Array.ofList), args)

/// The term as a .NET expression tree of a `double[] x`, the way the C# compiler builds one.
let rec private toLinq (x: ParameterExpression) (t: Term) : L =
    let go = toLinq x

    match t with
    | Var i -> L.ArrayIndex(x, L.Constant i)
    | Int n -> L.Constant(float n)
    | Frac(p, q) -> L.Divide(L.Constant(float p), L.Constant(float q))
    | Flt v -> L.Constant v
    | Add(a, b) -> L.Add(go a, go b)
    | Sub(a, b) -> L.Subtract(go a, go b)
    | Mul(a, b) -> L.Multiply(go a, go b)
    | Div(a, b) -> L.Divide(go a, go b)
    | Neg a -> L.Negate(go a)
    | IntPow(a, k) -> math "Pow" [ go a; L.Constant(float k) ]
    | Sqrt a -> math "Sqrt" [ go a ]
    | Pow(a, b) -> math "Pow" [ go a; go b ]
    | Fn(Function.Sign, a) -> L.Convert(math "Sign" [ go a ], typeof<float>)
    | Fn(f, a) -> math (let n = Expr.functionName f in string (Char.ToUpper n.[0]) + n.Substring 1) [ go a ]
    | Atan2(a, b) -> math "Atan2" [ go a; go b ]

[<Property(MaxTest = 200, EndSize = 10)>]
let ``a C# lambda and its translation give equal values wherever .NET's value is finite`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let x = L.Parameter(typeof<float[]>, "x")
        let lambda = L.Lambda<Func<float[], float>>(toLinq x t, [| x |])
        // Math.Sign throws on NaN where the expression's sign gives NaN: both mean "no value".
        let dotnet =
            try
                lambda.Compile().Invoke p
            with :? ArithmeticException ->
                nan

        // Inside the expression's domain only (naiveEval's margin > 0): at a point where a piece is undefined
        // in exact arithmetic, no value is the translation's to match. atan2 at the origin: its IEEE value −π,
        // 0 or π hangs on the zeros' signs (-atan2(0, 1/2) is −0.0 and (−0.3)³·0 is −0.0, so .NET says
        // atan2(−0.0, −0.0) = −π); a pole: 0^(−1) is +∞ or −∞ by the sign of a zero that an equal rewrite flips.
        let r = naiveEval p t

        (Double.IsFinite dotnet && r.Margin > 0.0)
        ==> lazy
            (let translated = LambdaTranslator.TranslateAny lambda
             let names = translated.Variables |> Array.ofSeq
             let value = translated.Components.[0].Evaluate(names, p.[0 .. names.Length - 1])
             // A NaN met on the way (NaN^0 = 1) leaves no scale: use the value's.
             let scale = if Double.IsFinite r.Scale then r.Scale else abs dotnet

             // Where IEEE's signed zeros and exact arithmetic part ways (atan2(−0.0, −1) = −π, exactly
             // atan2(0, −1) = π), the naive evaluation with unsigned zeros is the reference.
             (close 1e-9 scale dotnet value || close 1e-9 scale r.Value value)
             |> Prop.label (
                 sprintf "%O at %A: .NET %g, translated %s = %g" t p dotnet (translated.Components.[0].ToInfix()) value
             )))

/// What the C# compiler makes of a closure: captured locals are public fields of a generated class.
type Closure() =
    [<DefaultValue>]
    val mutable mass: float

    [<DefaultValue>]
    val mutable weights: float[]

/// `x => new[] { … }` built the way the C# compiler builds it.
let private arrayLambda (body: ParameterExpression -> L list) =
    let x = L.Parameter(typeof<float[]>, "x")
    L.Lambda<Func<float[], float[]>>(L.NewArrayInit(typeof<float>, body x), [| x |])

let private at (x: ParameterExpression) (i: int) = L.ArrayIndex(x, L.Constant i) :> L

[<Fact>]
let ``array, named and scalar lambdas name their variables, and captured values become parameters`` () =
    let t =
        LambdaTranslator.Translate(arrayLambda (fun x -> [ at x 0; L.Multiply(at x 2, at x 2) ]))

    Assert.Equal<string list>([ "x0"; "x1"; "x2" ], List.ofSeq t.Variables)
    Assert.Equal("x2^2", t.Components.[1].ToInfix())
    let a, b = L.Parameter(typeof<float>, "a"), L.Parameter(typeof<float>, "b")

    let named =
        L.Lambda<Func<float, float, float[]>>(
            L.NewArrayInit(typeof<float>, L.Multiply(a, b), math "Sin" [ a ]),
            [| a; b |]
        )

    let t = LambdaTranslator.Translate named
    Assert.Equal<string list>([ "a"; "b" ], List.ofSeq t.Variables)
    Assert.Equal("a*b", t.Components.[0].ToInfix())
    Assert.Equal("sin(a)", t.Components.[1].ToInfix())
    let closure = Closure(mass = 2.5, weights = [| 1.0; 4.0 |])
    let c = L.Constant closure
    let pi = L.Field(null, typeof<Math>.GetField "PI")

    let t =
        LambdaTranslator.Translate(
            arrayLambda (fun x ->
                [ L.Add(L.Multiply(L.Field(c, "mass"), at x 0), L.ArrayIndex(L.Field(c, "weights"), L.Constant 1))
                  L.Multiply(pi, math "Pow" [ at x 0; L.Constant 3.0 ]) ])
        )

    Assert.Equal(2.5, t.Parameters.["mass"])
    Assert.Equal(4.0, t.Parameters.["weights1"])
    Assert.Equal("weights1 + mass*x0", t.Components.[0].ToInfix())
    Assert.Equal("pi*x0^3", t.Components.[1].ToInfix())
    Assert.Equal("2.5*x0 + 4", (t.WithParameterValues()).[0].ToInfix())

[<Fact>]
let ``every unsupported construct is named in the error`` () =
    let fails (body: ParameterExpression -> L list) (words: string) =
        let e =
            Assert.Throws<SymbolicException>(fun () -> LambdaTranslator.Translate(arrayLambda body) |> ignore)

        Assert.Contains(words, e.Message)


    fails
        (fun x -> [ L.Convert(L.Call(L.Constant(Closure()), typeof<obj>.GetMethod "GetHashCode"), typeof<float>) ])
        "GetHashCode"

    fails (fun x -> [ L.Condition(L.GreaterThan(at x 0, L.Constant 0.0), at x 0, L.Negate(at x 0)) ]) "conditional"
    fails (fun x -> [ math "Round" [ at x 0 ] ]) "Math.Round"
    fails (fun x -> [ L.ArrayIndex(x, L.Convert(at x 1, typeof<int>)) ]) "indices must be constants"
    let x = L.Parameter(typeof<float[]>, "x")
    let whole = L.Lambda<Func<float[], float[]>>(x, [| x |])

    let e =
        Assert.Throws<SymbolicException>(fun () -> LambdaTranslator.Translate whole |> ignore)

    Assert.Contains("build the array in place", e.Message)
    let s = L.Parameter(typeof<string>, "s")

    let e =
        Assert.Throws<SymbolicException>(fun () ->
            LambdaTranslator.TranslateAny(L.Lambda<Func<string, float>>(L.Constant 1.0, [| s |]))
            |> ignore)

    Assert.Contains("a parameter of type String", e.Message)

// ---- F# quotations -----------------------------------------------------------------------------------

/// A literal constant (a spliced local would be a captured value, ValueWithName).
let private constant (v: float) : Quotations.Expr<float> =
    Quotations.Expr.Value v |> Quotations.Expr.Cast

/// The term as a quotation of a `float[] x`.
let rec private toQuotation (x: Quotations.Var) (t: Term) : Quotations.Expr<float> =
    let go = toQuotation x
    let xs = Quotations.Expr.Var x |> Quotations.Expr.Cast<float[]>

    match t with
    | Var i -> <@ (%xs).[i] @>
    | Int n -> constant (float n)
    | Frac(p, q) -> <@ %(constant (float p)) / %(constant (float q)) @>
    | Flt v -> constant v
    | Add(a, b) -> <@ %(go a) + %(go b) @>
    | Sub(a, b) -> <@ %(go a) - %(go b) @>
    | Mul(a, b) -> <@ %(go a) * %(go b) @>
    | Div(a, b) -> <@ %(go a) / %(go b) @>
    | Neg a -> <@ -(%(go a)) @>
    | IntPow(a, k) -> <@ %(go a) ** %(constant (float k)) @>
    | Sqrt a -> <@ sqrt %(go a) @>
    | Pow(a, b) -> <@ %(go a) ** %(go b) @>
    | Fn(Function.Sin, a) -> <@ sin %(go a) @>
    | Fn(Function.Cos, a) -> <@ cos %(go a) @>
    | Fn(Function.Tan, a) -> <@ tan %(go a) @>
    | Fn(Function.Asin, a) -> <@ asin %(go a) @>
    | Fn(Function.Acos, a) -> <@ acos %(go a) @>
    | Fn(Function.Atan, a) -> <@ atan %(go a) @>
    | Fn(Function.Sinh, a) -> <@ sinh %(go a) @>
    | Fn(Function.Cosh, a) -> <@ cosh %(go a) @>
    | Fn(Function.Tanh, a) -> <@ tanh %(go a) @>
    | Fn(Function.Exp, a) -> <@ exp %(go a) @>
    | Fn(Function.Log, a) -> <@ log %(go a) @>
    | Fn(Function.Abs, a) -> <@ abs %(go a) @>
    | Fn(_, a) -> <@ float (Math.Sign(%(go a): float)) @>
    | Atan2(a, b) -> <@ atan2 %(go a) %(go b) @>

[<Property(MaxTest = 150, EndSize = 10)>]
let ``an F# quotation and its translation give equal values wherever F#'s value is finite`` () =
    Prop.forAll termAndPoints (fun (t, p) ->
        let x = Quotations.Var("x", typeof<float[]>)
        let body = toQuotation x t
        let quotation = Quotations.Expr.Lambda(x, body)

        let f =
            FSharp.Linq.RuntimeHelpers.LeafExpressionConverter.EvaluateQuotation quotation :?> (float[] -> float)

        let fsharp =
            try
                f p
            with :? ArithmeticException ->
                nan

        // Inside the expression's domain only, as for C# lambdas above (atan2 at the origin, a pole).
        let r = naiveEval p t

        (Double.IsFinite fsharp && r.Margin > 0.0)
        ==> lazy
            (let translated = Quotation.translate quotation

             let value =
                 Evaluate.at translated.Variables p.[0 .. translated.Variables.Length - 1] translated.Components.[0]
             let scale = if Double.IsFinite r.Scale then r.Scale else abs fsharp

             (close 1e-9 scale fsharp value || close 1e-9 scale r.Value value)
             |> Prop.label (
                 sprintf
                     "%O at %A: F# %g, translated %s = %g"
                     t
                     p
                     fsharp
                     (Infix.format translated.Components.[0])
                     value
             )))

[<Fact>]
let ``quotations of arrays, curried and tupled floats, with let bindings and captured values`` () =
    let g = 9.81

    let t =
        Quotation.translate <@ fun (v: float[]) -> [| 2.0 * v.[0] * v.[1] / g; v.[1] ** 2.0 / (2.0 * g) |] @>

    Assert.Equal<string[]>([| "v0"; "v1" |], t.Variables)
    Assert.Equal("2*v0*v1/g", Infix.format t.Components.[0])
    Assert.Equal(9.81, t.Parameters.["g"])

    let t =
        Quotation.translate <@ fun (a: float) (b: float) -> let s = a + b in [| s * s; exp a |] @>

    Assert.Equal<string[]>([| "a"; "b" |], t.Variables)
    Assert.Equal("(a + b)^2", Infix.format t.Components.[0])
    let t = Quotation.translate <@ fun (a: float, b: float) -> atan2 a b @>
    Assert.Equal("atan2(a, b)", Infix.format t.Components.[0])

    let e =
        Assert.Throws<SymbolicException>(fun () ->
            Quotation.translate <@ fun (x: float) -> if x > 0.0 then x else -x @> |> ignore)

    Assert.Contains("if/then/else", e.Message)

    let e =
        Assert.Throws<SymbolicException>(fun () -> Quotation.translate <@ fun (x: float) -> Math.Round x @> |> ignore)

    Assert.Contains("Math.Round", e.Message)

    let e =
        Assert.Throws<SymbolicException>(fun () -> Quotation.translate <@ fun (s: string) -> 1.0 @> |> ignore)

    Assert.Contains("parameter 's' of type String", e.Message)

// ---- the façade -------------------------------------------------------------------------------------

[<Fact>]
let ``a lambda problem keeps captured values as named parameters in its rules and runs with their values`` () =
    // v => new[] { 2 * v[0] * v[1] / g, v[1] * v[1] / (2 * g) } with g captured.
    let closure = Closure(mass = 9.81)
    let g = L.Field(L.Constant closure, "mass")
    let v = L.Parameter(typeof<float[]>, "v")

    let lambda =
        L.Lambda<Func<float[], float[]>>(
            L.NewArrayInit(
                typeof<float>,
                L.Divide(L.Multiply(L.Multiply(L.Constant 2.0, at v 0), at v 1), g),
                L.Divide(L.Multiply(at v 1, at v 1), L.Multiply(L.Constant 2.0, g))
            ),
            [| v |]
        )

    let problem = PhysicsProblem.FromLambda(lambda, [| 10.0; 2.5 |], [| 3.0; 4.0 |])
    Assert.Equal(9.81, problem.Parameters.["mass"])
    Assert.Equal(InverseSource.Derived, problem.Model.InverseSource)
    Assert.Equal("sqrt(2*mass*y1)*sign(v1)", Infix.format problem.Model.Inverse.[1])
    let ig = problem.Rules(Method.InverseGradient).[0]
    Assert.Contains("mass", ig.Steps.[1].Variables)
    // The rule with mass = 9.81 and η = 0.5 at v = (3, 4) equals the optimiser's first step.
    let run = problem.Run(Method.InverseGradient, 0.5, 1)
    let values = readOnlyDict [ "v0", 3.0; "v1", 4.0; "mass", 9.81; "eta", 0.5 ]
    Assert.Equal(run.Final.[1] - 4.0, ig.Steps.[1].Evaluate values, 12)
    let pg = problem.Run(Method.PhysicalGradient, 1.0, 1)
    Assert.Equal(7.003568, pg.Final.[0], 5) // η = 1: the exact inverse lands on the target at once

[<Fact>]
let ``a loss lambda over the outputs and a named-variable lambda`` () =
    let a, b = L.Parameter(typeof<float>, "a"), L.Parameter(typeof<float>, "b")

    let simulator =
        L.Lambda<Func<float, float, float[]>>(L.NewArrayInit(typeof<float>, a, L.Multiply(b, b)), [| a; b |])

    let y = L.Parameter(typeof<float[]>, "y")

    let loss =
        L.Lambda<Func<float[], float>>(L.Add(L.Multiply(at y 0, at y 0), L.Multiply(at y 1, at y 1)), [| y |])

    let problem =
        PhysicsProblem.FromLambda(simulator, [| 0.0; 0.0 |], [| 3.0; 3.0 |], loss)

    Assert.Equal("y0^2 + y1^2", problem.Definition.LossText)
    let run = problem.Run(Method.PhysicalGradient, 0.3, 10)
    Assert.Equal(3.0 * 0.7 ** 10.0, run.Final.[0], 12)
    Assert.Equal(3.0 * 0.7 ** 5.0, run.Final.[1], 12)

[<Fact>]
let ``reports: JSON and CSV of runs, and x-space, y-space and loss plots`` () =
    let problem = PhysicsProblem.Book

    let results =
        problem.Compare(
            [| struct (Method.GradientDescent, 0.01)
               struct (Method.PhysicalGradient, 0.3) |],
            10
        )

    let json = Text.Json.JsonDocument.Parse(problem.ToJson results).RootElement
    let pg = json.GetProperty("methods").[1]
    Assert.Equal("pg", pg.GetProperty("name").GetString())
    Assert.Equal(11, pg.GetProperty("trajectory").GetArrayLength())
    Assert.Equal(3.0 * 0.7 ** 10.0, pg.GetProperty("final").[0].GetDouble(), 12)

    let csv =
        problem
            .ToCsv(results |> Seq.map (fun r -> r.Run) |> Array.ofSeq)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)

    Assert.Equal("method,eta,iteration,x0,x1,y0,y1,loss,stop,lossRose,stopWords", csv.[0])
    Assert.Equal(1 + 2 * 11, csv.Length)
    Assert.StartsWith("pg,0.3,10,", csv.[csv.Length - 1])

    let dir =
        IO.Path.Combine(IO.Path.GetTempPath(), sprintf "physgrad-report-%d" Environment.ProcessId)

    let files =
        problem.SavePlots(results |> Seq.map (fun r -> r.Run) |> Array.ofSeq, dir)

    Assert.Equal(6, files.Count)

    for f in files do
        Assert.True((IO.FileInfo f).Length > 1000L, f)

    Assert.Contains(IO.Path.Combine(dir, "loss.svg"), files)

[<Fact>]
let ``the worked example derives the rules, runs four methods to the launch velocity and saves its plots`` () =
    let dir =
        IO.Path.Combine(IO.Path.GetTempPath(), sprintf "physgrad-quickstart-%d" Environment.ProcessId)

    use out = new IO.StringWriter()
    Assert.Equal(0, Quickstart.Program.Run(out, dir))
    let text = out.ToString()
    Assert.Contains("P(v) = [2*v0*v1/g, v1^2/(2*g)] with g = 9.81", text)

    Assert.Contains(
        "PG's local inverse (derived): v0 = g*y0/(2*sqrt(2*g*y1)*sign(v1)), v1 = sqrt(2*g*y1)*sign(v1)",
        text
    )

    Assert.Contains("ig:", text)
    Assert.Contains("pg:", text)
    // R = 2·vx·vy/g = 10 and H = vy²/(2g) = 2.5 give vx = vy = √(2·9.81·2.5).
    let expected = sqrt (2.0 * 9.81 * 2.5)

    for name in [ "newton"; "ig"; "pg" ] do
        let line = text.Split('\n') |> Array.find (fun l -> l.StartsWith(name + " "))

        let inside =
            line.Substring(line.IndexOf '[' + 1, line.IndexOf ']' - line.IndexOf '[' - 1)

        let v =
            inside.Split(',')
            |> Array.map (fun s -> Double.Parse(s, Globalization.CultureInfo.InvariantCulture))

        // η = ½ halves the error per step: from an error of about 4 after Newton's first (indefinite-
        // Hessian) step, 4·2⁻²⁹ ≈ 7e-9 is left after the example's 30 iterations; IG and PG halve it in y
        // from the first step on.
        Assert.Equal(expected, v.[0], 5)
        Assert.Equal(expected, v.[1], 5)

    Assert.Contains("gd ", text)
    Assert.Equal(6, IO.Directory.GetFiles(dir).Length)
