/// Set-up that several test files share, written once: test matrices and their matrix-free maps, a
/// problem that must never be evaluated, kernels run on a point, Roslyn compiling the C# that PhysGrad
/// writes, and the two-output programs that the product and sparse tests compare. Each helper's comment
/// says what its users rely on.
module PhysGrad.Properties.TestHelpers

open System
open System.IO
open System.Reflection
open Microsoft.CodeAnalysis
open Microsoft.CodeAnalysis.CSharp
open MathNet.Numerics.LinearAlgebra
open Xunit
open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Symbolic
open FsCheck.FSharp
open PhysGrad.Properties.Generators

/// The repository's root: the first directory above the test's own that holds PhysGrad.sln (README.md, docs/).
let repoRoot () =
    let rec up (dir: DirectoryInfo) =
        if isNull dir then failwith "PhysGrad.sln not found above the test's directory"
        elif File.Exists(Path.Combine(dir.FullName, "PhysGrad.sln")) then dir.FullName
        else up dir.Parent
    up (DirectoryInfo AppContext.BaseDirectory)

/// Runs a direct ScottPlot or SkiaSharp call of a test (a render, a legend image, a text measurement, a PNG
/// decoded) under the product's rendering lock (`Rendering.Gate`), so that it never runs beside a render
/// of the product's, or of another test, on another thread.
let rendered (f: unit -> 'a) = lock Rendering.Gate f

// ---- matrices and solvers --------------------------------------------------------------------------

/// A random orthogonal k × k matrix: the Q of a QR factorisation of a matrix with the given entries
/// (in [−1, 1], reused cyclically) plus 3·I (the shift keeps it far from singular, so Q is well defined).
let orthogonal (entries: float[]) k =
    let a = Matrix<float>.Build.Dense(k, k, fun i j -> entries.[(i * k + j) % entries.Length] + (if i = j then 3.0 else 0.0))
    a.QR().Q

/// A v and Aᵀ w of a dense matrix as the matrix-free maps the Krylov solvers take.
let linearMaps (a: Matrix<float>) =
    LinearMap(fun v out -> (a * Vector<float>.Build.DenseOfArray v).CopyTo(Vector<float>.Build.Dense(out))),
    LinearMap(fun w out -> (a.TransposeThisAndMultiply(Vector<float>.Build.DenseOfArray w)).CopyTo(Vector<float>.Build.Dense(out)))

/// Every entry within tolerance · (1 + ‖expected‖₁): the scale a solve's rounding error is relative to.
let nearInSumScale tolerance (expected: float[]) (actual: float[]) =
    let scale = 1.0 + (expected |> Array.sumBy abs)
    Array.forall2 (fun e a -> abs (e - a) <= tolerance * scale) expected actual

/// The point after one step of the rule from start.
let stepOf (problem: IDifferentiableProblem) (rule: IUpdateRule) (start: float[]) =
    let stepper = Stepper(problem, rule, start)
    stepper.Step() |> ignore
    stepper.X.ToArray()

/// The bytes the current thread allocates in `times` calls of f: 0 for a path that allocates nothing in
/// steady state (call f once before, so that lazy compilation and scratch buffers are not counted).
let allocatedIn (times: int) (f: unit -> unit) =
    let before = GC.GetAllocatedBytesForCurrentThread()

    for _ in 1..times do
        f ()

    GC.GetAllocatedBytesForCurrentThread() - before

/// A problem of n variables, offering the given capabilities, that fails if anything is evaluated: a
/// rule's refusal (a size limit, say) must come before any work.
let unevaluated n (supported: Capabilities) =
    { new IDifferentiableProblem with
        member _.N = n
        member _.M = n
        member _.Supported = supported
        member _.Value _ = failwith "not evaluated"
        member _.ValueGradient(_, _) = failwith "not evaluated"
        member _.Simulate(_: float[], _: float[]) = failwith "not evaluated"
        member _.Simulate(_: float[], _: float[], _: float[]) = failwith "not evaluated"
        member _.LossInY(_: float[], _: float[]) = failwith "not evaluated"
        member _.LossInY(_: float[], _: float[], _: float[]) = failwith "not evaluated"
        member _.LossInX(_, _, _) = failwith "not evaluated"
        member _.JacobianVector(_, _, _, _) = failwith "not evaluated"
        member _.JacobianTransposeVector(_, _, _, _) = failwith "not evaluated"
        member _.HessianVector(_, _, _, _) = failwith "not evaluated"
        member _.TryInvert(_, _, _) = false }

/// A problem of n variables without outputs (M = 0), given by L and ∂L/∂x (`valueGradient x g` returns L
/// and writes ∂L/∂x into g) and, when `supported` says so, H v (`hessianVector x v g hv`, returning L) and
/// the dense Hessian (`lossInX x g h`); asking for outputs fails.
let withoutOutputs n (supported: Capabilities) (valueGradient: float[] -> float[] -> float)
                   (hessianVector: float[] -> float[] -> float[] -> float[] -> float) (lossInX: float[] -> float[] -> float[] -> float) =
    let noOutputs () = raise (NotSupportedException "no outputs")
    { new IDifferentiableProblem with
        member _.N = n
        member _.M = 0
        member _.Supported = supported
        member _.Value x = valueGradient x (Array.zeroCreate n)
        member _.ValueGradient(x, gradient) = valueGradient x gradient
        member _.LossInX(x, gradient, hessian) = lossInX x gradient hessian
        member _.HessianVector(x, v, gradient, hv) = hessianVector x v gradient hv
        member _.Simulate(_: float[], _: float[]) = noOutputs ()
        member _.Simulate(_: float[], _: float[], _: float[]) = noOutputs ()
        member _.LossInY(_: float[], _: float[]) : float = noOutputs ()
        member _.LossInY(_: float[], _: float[], _: float[]) : float = noOutputs ()
        member _.JacobianVector(_, _, _, _) = noOutputs ()
        member _.JacobianTransposeVector(_, _, _, _) = noOutputs ()
        member _.TryInvert(_, _, _) = false }

/// A problem that forwards everything to `p` except L and L with ∇L, which it asks of the given functions, and
/// that says it supports `supported`; it does not override HessianVectorOnly, so the interface's default (the
/// full product with a scratch gradient) answers it, nor the sparse Jacobian and Hessian.
let forwardingProblem (p: IDifferentiableProblem) (supported: Capabilities) (value: float[] -> float) (valueGradient: float[] -> float[] -> float) =
    { new IDifferentiableProblem with
        member _.N = p.N
        member _.M = p.M
        member _.Supported = supported
        member _.Value x = value x
        member _.ValueGradient(x, g) = valueGradient x g
        member _.Simulate(x: float[], y: float[]) = p.Simulate(x, y)
        member _.Simulate(x: float[], y: float[], j: float[]) = p.Simulate(x, y, j)
        member _.LossInY(y: float[], g: float[]) = p.LossInY(y, g)
        member _.LossInY(y: float[], g: float[], h: float[]) = p.LossInY(y, g, h)
        member _.LossInX(x, g, h) = p.LossInX(x, g, h)
        member _.JacobianVector(x, v, y, jv) = p.JacobianVector(x, v, y, jv)
        member _.JacobianTransposeVector(x, w, y, jtw) = p.JacobianTransposeVector(x, w, y, jtw)
        member _.HessianVector(x, v, g, hv) = p.HessianVector(x, v, g, hv)
        member _.TryInvert(y, x0, x) = p.TryInvert(y, x0, x) }

// ---- kernels on exactly representable numbers --------------------------------------------------------

/// k/4 as an exact constant: the loop tests build every coefficient and target as a multiple of 1/4, so
/// that every intermediate value is a dyadic rational and both kernels compute exactly.
let quarter (k: int) = Expr.fraction k 4

/// The points and directions of those tests: each entry k/4.
let quarters (a: int[]) = a |> Array.map (fun k -> float k / 4.0)

/// u and v agree to 1e-12 relative (absolute below 1): on the dyadic values above both kernels are exact,
/// so this bound cannot fail by rounding, and a wrong loop misses it by far more.
let closeRelative (u: float) (v: float) =
    abs (u - v) <= 1e-12 * max 1.0 (max (abs u) (abs v))

/// <see cref="closeRelative"/> entry by entry, arrays of equal length.
let allCloseRelative (a: float[]) (b: float[]) =
    a.Length = b.Length && Array.forall2 closeRelative a b

/// Residual of shape s (0 … 3) at first variable b with coefficient c and per-cell constant t/4: each
/// shape reads 2 or 3 consecutive variables from b on, is a polynomial of degree ≤ 3 with integer
/// coefficients, and shape 0 is a scaled Rosenbrock residual. The loop tests build simulators of them.
let shapedResidual (x: Expr[]) (s: int) (b: int) (c: int) (t: int) =
    let u, v, w = x.[b], x.[b + 1], x.[b + 2]

    match s with
    | 0 -> Expr.sub (Expr.mul2 (Expr.ofInt c) (Expr.sub v (Expr.pow u Expr.two))) (quarter t) // c(v − u²) − t
    | 1 -> Expr.sub (Expr.mul2 u v) (quarter t) // uv − t
    | 2 -> Expr.sub (Expr.add (Expr.mul [| Expr.ofInt c; u; w |]) (Expr.pow v (Expr.ofInt 3))) (quarter t) // c·u·w + v³ − t
    | _ -> Expr.sub (Expr.add (Expr.sub u (Expr.mul2 (Expr.ofInt c) v)) w) (quarter t) // u − cv + w − t

/// A simulator with one family of evenly spaced components among others (ComponentLoops, DeriveAtScale):
/// component OutputStart + k·OutputStride (k < Count) is shape Shape at first variable Start + k·Stride
/// with the per-cell constant Targets.[k]; every other component, in order, takes the next of Others
/// (shape offset, first variable, constant). Point and V are x and a direction, in quarters.
type FamilySimulator =
    { Shape: int
      Start: int
      Stride: int
      OutputStart: int
      OutputStride: int
      Count: int
      Coefficient: int
      Targets: int[]
      Others: (int * int * int)[]
      Point: int[]
      V: int[] }

    /// The number of variables and of components.
    member c.N = c.Point.Length
    member c.M = c.Count + c.Others.Length

    /// The variable names x0 … and the components; the others have coefficient otherCoefficient and a
    /// shape other than the family's (offset 1 … 3), so none of them joins the family.
    member c.Build(otherCoefficient: int) =
        let names = Array.init c.N (sprintf "x%d")
        let x = names |> Array.map Expr.symbol
        let mutable other = 0

        let fs =
            Array.init c.M (fun i ->
                let k = i - c.OutputStart

                if k >= 0 && k % c.OutputStride = 0 && k / c.OutputStride < c.Count then
                    let cell = k / c.OutputStride
                    shapedResidual x c.Shape (c.Start + cell * c.Stride) c.Coefficient c.Targets.[cell]
                else
                    let (s, b, t) = c.Others.[other]
                    other <- other + 1
                    shapedResidual x ((c.Shape + 1 + s) % 4) b otherCoefficient t)

        names, fs

    /// Random cases: 16 … 40 family cells (a family's minimum is 16) with variable stride 1 … 3 and output
    /// stride 1 … maxOutputStride, constants 0 often (a cell whose constant simplifies away), entries in
    /// −2 … 2 in quarters; three spare outputs after the family's last and four spare variables.
    static member Cases(maxOutputStride: int) =
        gen {
            let! shape = Gen.choose (0, 3)
            let! start = Gen.choose (0, 4)
            let! stride = Gen.choose (1, 3)
            let! outputStart = Gen.choose (0, 3)
            let! outputStride = Gen.choose (1, maxOutputStride)
            let! count = Gen.choose (16, 40)
            let! coefficient = Gen.choose (1, 5)
            let! targets = Gen.arrayOfLength count (Gen.frequency [ 1, Gen.constant 0; 3, Gen.choose (-8, 8) ])
            let n = start + stride * (count - 1) + 3 + 4
            let m = outputStart + outputStride * (count - 1) + 1 + 3
            let others = m - count
            let! shapes = Gen.arrayOfLength others (Gen.choose (0, 2))
            let! firsts = Gen.arrayOfLength others (Gen.choose (0, n - 3))
            let! targetsOthers = Gen.arrayOfLength others (Gen.choose (-8, 8))
            let! point = Gen.arrayOfLength n (Gen.choose (-8, 8))
            let! v = Gen.arrayOfLength n (Gen.choose (-8, 8))

            return
                { Shape = shape
                  Start = start
                  Stride = stride
                  OutputStart = outputStart
                  OutputStride = outputStride
                  Count = count
                  Coefficient = coefficient
                  Targets = targets
                  Others = Array.zip3 shapes firsts targetsOthers
                  Point = point
                  V = v }
        }

/// Whether a sparse Hessian kernel's outputs [f, ∇f (n), the nonzeros of pattern in CSR order] hold every
/// entry of the dense Hessian in [f, ∇f (n), H (n·n, row by row)]: at its pattern position to
/// <see cref="closeRelative"/>, and exactly 0 off the pattern (a structural zero the pattern left out).
let sparseHoldsDense (pattern: SparsityPattern) (n: int) (sparse: float[]) (dense: float[]) =
    Seq.forall
        (fun (r, col) ->
            let k = pattern.IndexOf(r, col)
            let d = dense.[1 + n + r * n + col]
            if k < 0 then d = 0.0 else closeRelative sparse.[1 + n + k] d)
        (seq { for r in 0 .. n - 1 do for col in 0 .. n - 1 -> r, col })

/// A kernel's outputs at x with parameters p.
let runKernel (kernel: CompiledKernel) (x: float[]) (p: float[]) =
    let o = Array.zeroCreate kernel.OutputCount
    kernel.Function.Invoke(x, 0, p, o, 0)
    o

// ---- the Rosenbrock residuals (THEORY §7) -----------------------------------------------------------------

/// rᵢ = 10(xᵢ₊₁ − xᵢ²) for i < n − 1 and r_{n−1} = 1 − x₀ over x0 … x(n−1), in the forms the tests feed
/// PhysGrad: the text a user writes, parsed, and traced from ReferenceSimulators.Rosenbrock.
module Rosenbrock =

    /// One residual a string, as --simulator reads them (joined by "; ").
    let texts n =
        Array.init n (fun i -> if i < n - 1 then sprintf "10*(x%d - x%d^2)" (i + 1) i else "1 - x0")

    /// The texts parsed.
    let parsed n = texts n |> Array.map Parse.expression

    /// The residuals traced from the C# reference simulator.
    let traced n =
        Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))

// ---- generated C# through Roslyn -----------------------------------------------------------------------

/// The C# source compiled to an in-memory library against the running platform's assemblies; the test
/// fails with the compiler's errors and the source when it does not compile.
let compileCSharp (source: string) : Assembly =
    let trusted = (AppContext.GetData "TRUSTED_PLATFORM_ASSEMBLIES" :?> string).Split Path.PathSeparator
    let references = trusted |> Array.map (fun p -> MetadataReference.CreateFromFile p :> MetadataReference)

    let compilation =
        CSharpCompilation.Create(
            "G" + Guid.NewGuid().ToString "N",
            [ CSharpSyntaxTree.ParseText source ],
            references,
            CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary)
        )

    use stream = new MemoryStream()
    let result = compilation.Emit stream
    let errors = result.Diagnostics |> Seq.filter (fun d -> d.Severity = DiagnosticSeverity.Error) |> Seq.map string
    Assert.True(result.Success, String.Join("\n", errors) + "\n" + source)
    Assembly.Load(stream.ToArray())

/// A C# expression in x (what CSharp.format writes) compiled as the body of double F(double x).
let compileFunction (body: string) : Func<double, double> =
    let source = "using System; public static class G { public static double F(double x) => " + body + "; }"
    let m = (compileCSharp source).GetType("G").GetMethod "F"
    Func<double, double>(fun x -> m.Invoke(null, [| box x |]) :?> double)

// ---- two random outputs over x, y, z (Products, Sparse) ------------------------------------------------

/// Matrix-free products and sparse matrices checked against the dense ones on two random outputs.
module TwoOutputs =

    let outputNames = [| "y0"; "y1" |]

    /// A loss with curvature and a cross term, so that H v and the Hessian go through the chain rule of L(P(x)).
    let loss = Parse.expression "y0*y1 + y0^2"

    /// The largest intermediate magnitude the interpreter meets running the program at x with parameters
    /// p: the scale its rounding errors are relative to.
    let scaleOf (program: StraightLineProgram) (x: float[]) (p: float[]) =
        let outputs = Array.zeroCreate program.Outputs.Length
        let mutable scale = 0.0
        ProgramInterpreter.Evaluate(program, ReadOnlySpan x, ReadOnlySpan p, Span outputs, &scale)
        scale

    /// Whether some intermediate value of the program is not finite at x (cosh of 934 overflows): past an
    /// overflow an output is no rounding of the true value, and two derivations of one derivative may give
    /// different non-answers there (tanh·sech gives 0, sinh/cosh² gives ∞/∞ = NaN), so the case cannot be
    /// compared.
    let overflows (program: StraightLineProgram) (x: float[]) (p: float[]) =
        let outputs = Array.zeroCreate program.Outputs.Length
        let mutable scale = 0.0
        let mutable overflowed = false
        ProgramInterpreter.Evaluate(program, ReadOnlySpan x, ReadOnlySpan p, Span outputs, &scale, &overflowed)
        overflowed

    /// Whether the case can be compared at all: the point is away from every kink, pole and branch point
    /// of both outputs (margin 1e-3, where two derivations may take different one-sided values), and no
    /// sin/cos/tan sees an argument above 1e15 (its value is then rounding noise).
    let comparable (t1: Term) (t2: Term) (x: float[]) (scale: float) =
        let margin = min (naiveEval x t1).Margin (naiveEval x t2).Margin

        let periodic =
            Structure.postOrder [ toExpr t1; toExpr t2 ]
            |> Array.exists (fun n ->
                match n.Node with
                | Apply((Function.Sin | Function.Cos | Function.Tan), _) -> true
                | _ -> false)

        margin > 1e-3 && not (periodic && scale > 1e15)

    /// a and b agree within 1e-12 of the rounding scale the caller passes: the larger of the two compared
    /// programs' (each rounds to its own intermediates), so cancellation in either cannot fail a valid case.
    let agree (scale: float) (a: float) (b: float) =
        finite a && abs (a - b) <= 1e-12 * (1.0 + scale)

    /// The compiled problem of the two outputs with the loss above.
    let problemOf (t1: Term) (t2: Term) =
        CompiledProblem(variableNames, [| toExpr t1; toExpr t2 |], outputNames, loss)

    /// The property's body, or a pass classified "refused" when building one of the problem's kernels refuses a
    /// closed constant that overflows doubles (cosh(3^16) drawn in P, or exp(800) met in a derivative): the
    /// product refuses such a problem before any x (CompiledProblem.Deriving), so it has no kernels to compare.
    let unlessConstantsOverflow (body: unit -> FsCheck.Property) : FsCheck.Property =
        try
            body ()
        with :? SymbolicException as e when e.Kind = ErrorKind.NonFinite ->
            true |> Prop.classify true "refused: a closed constant overflows doubles"

// ---- running error bounds (Higham, Accuracy and Stability of Numerical Algorithms, §3.3) ---------------

/// A first-order bound on the absolute rounding error of a double-precision evaluation, carried along
/// with the value node by node ("running error analysis"): each operation passes on its inputs' errors
/// times its partial derivatives and adds its own rounding, u·|result|. Comparing two evaluators to a
/// fixed multiple of their scale ignores amplification (tan at a large argument u multiplies u's own
/// rounding error ε·|u| by sec² u); this bound grows with it, so a comparison against it neither fails
/// by chance where an evaluation is ill-conditioned nor waves through a wrong answer where it is not.
/// A non-finite bound means an intermediate overflowed or met a pole: such a case is not comparable.
module RunningError =

    /// The unit roundoff of IEEE double precision, 2⁻⁵³.
    let u = Math.Pow(2.0, -53.0)

    /// Half the smallest subnormal: the absolute rounding error one operation can add under underflow,
    /// where u·|result| no longer bounds it.
    let private eta = Math.Pow(2.0, -1075.0)

    /// The rounding of one basic operation (+, −, ×, ÷, √ are correctly rounded in IEEE arithmetic).
    let private rounding (r: float) = u * abs r + eta

    /// The rounding of a library function (Math.Sin, Math.Pow, ...): not correctly rounded, but within
    /// a couple of ulps, and an ulp is at most 2u·|result|.
    let private libraryRounding (r: float) = 4.0 * u * abs r + eta

    /// |d|·e, but 0 when e is 0, so an exact input contributes nothing even where d is infinite (√ at 0).
    let private scaled (d: float) (e: float) = if e = 0.0 then 0.0 else abs d * e

    /// The error of a constant c given as a double: none for an integer below 2⁵³ or a dyadic fraction
    /// with few digits (exactly representable), else the rounding of its conversion.
    let private constantError (c: float) =
        if Double.IsFinite c && abs c <= 9007199254740992.0 && Math.Round(c * 1024.0) = c * 1024.0 then 0.0
        else u * abs c

    /// The propagated error of f at a (computed value r = f(a), a's error ea): |f'(a)|·ea plus f's own
    /// rounding. sign has derivative 0 but jumps by up to 2 wherever the error interval of a holds 0.
    let ofFunction (f: Function) (a: float) (ea: float) (r: float) =
        let derivative =
            match f with
            | Function.Sin -> cos a
            | Function.Cos -> sin a
            | Function.Tan -> 1.0 + r * r
            | Function.Asin
            | Function.Acos -> 1.0 / sqrt (1.0 - a * a)
            | Function.Atan -> 1.0 / (1.0 + a * a)
            | Function.Sinh -> cosh a
            | Function.Cosh -> sinh a
            | Function.Tanh -> 1.0 - r * r
            | Function.Exp -> r
            | Function.Log -> 1.0 / a
            | Function.Abs -> 1.0
            | Function.Sign -> 0.0
            | Function.Log1p -> 1.0 / (1.0 + a)
            | Function.Expm1 -> exp a
            | Function.Log10 -> 1.0 / (a * log 10.0)
            | Function.Log2 -> 1.0 / (a * log 2.0)
            | _ -> nan

        match f with
        | Function.Sign -> if ea >= abs a && ea > 0.0 then 2.0 else 0.0
        | Function.Abs -> ea + eta
        | _ -> scaled derivative ea + libraryRounding r

    /// The error of b^x = Math.Pow(b, x): |x·b^(x−1)|·eb + |log|b|·b^x|·ex plus Pow's own rounding.
    let ofPower (b: float) (eb: float) (x: float) (ex: float) (r: float) =
        let viaBase = if eb = 0.0 then 0.0 else abs (x * Math.Pow(b, x - 1.0)) * eb
        let viaExponent = if ex = 0.0 || r = 0.0 then 0.0 else abs (Math.Log(abs b) * r) * ex
        viaBase + viaExponent + libraryRounding r

    /// The error of √a (correctly rounded): ea / (2√a) plus its rounding.
    let ofSqrt (a: float) (ea: float) (r: float) = scaled (0.5 / r) ea + rounding r

    /// The error of atan2(y, x): partial derivatives x/(x²+y²) and −y/(x²+y²).
    let ofAtan2 (y: float) (ey: float) (x: float) (ex: float) (r: float) =
        let d = x * x + y * y
        scaled (x / d) ey + scaled (y / d) ex + libraryRounding r

    /// Value and error bound of each expression at a point, evaluated as PhysGrad's symbolic
    /// interpreter (Evaluate.many) evaluates it: over the stable forms, sums and products left to right,
    /// a half power as √.
    let ofExprs (variables: string[]) (point: float[]) (es: Expr[]) : (float * float)[] =
        let values = Collections.Generic.Dictionary<Expr, float * float>(HashIdentity.Reference)
        let es = Stable.rewriteMany es

        let lookup s =
            point.[Array.findIndex ((=) s) variables]

        for n in Structure.postOrder es do
            values.[n] <-
                match n.Node with
                | Node.Number q ->
                    let c = q.ToDouble()
                    c, constantError c
                | Node.Real x -> x, 0.0
                | Node.Symbol s -> lookup s, 0.0
                | Node.Pi -> Math.PI, u * Math.PI
                | Node.Sum xs ->
                    // Each partial sum rounds relative to itself, not to the final sum (cancellation).
                    let mutable s, e = fst values.[xs.[0]], snd values.[xs.[0]]

                    for i in 1 .. xs.Length - 1 do
                        let v, ev = values.[xs.[i]]
                        s <- s + v
                        e <- e + ev + rounding s

                    s, e
                | Node.Product xs ->
                    // Σᵢ |Πⱼ≠ᵢ aⱼ|·eᵢ, plus each partial product's rounding carried by the factors after it.
                    let factors = xs |> Array.map (fun x -> values.[x])
                    let mutable p = fst factors.[0]
                    let mutable rounded = 0.0

                    for i in 1 .. factors.Length - 1 do
                        p <- p * fst factors.[i]
                        let rest = factors |> Array.skip (i + 1) |> Array.fold (fun acc (v, _) -> acc * abs v) 1.0
                        rounded <- rounded + (if rest = 0.0 then 0.0 else rest * rounding p)

                    let propagated =
                        factors
                        |> Array.mapi (fun i (_, ei) ->
                            let others = factors |> Array.indexed |> Array.fold (fun acc (j, (v, _)) -> if j = i then acc else acc * abs v) 1.0
                            scaled others ei)
                        |> Array.sum

                    p, propagated + rounded
                | Node.Power(b, x) when Expr.isHalf x ->
                    let vb, eb = values.[b]
                    let r = Math.Sqrt vb
                    r, ofSqrt vb eb r
                | Node.Power(b, x) ->
                    let vb, eb = values.[b]
                    let vx, ex = values.[x]
                    let r = Math.Pow(vb, vx)
                    r, ofPower vb eb vx ex r
                | Node.Apply(f, a) ->
                    let va, ea = values.[a]
                    let r = Evaluate.applyFunction f va
                    r, ofFunction f va ea r
                | Node.Atan2(y, x) ->
                    let vy, ey = values.[y]
                    let vx, ex = values.[x]
                    let r = Elementary.atan2 vy vx
                    r, ofAtan2 vy ey vx ex r

        es |> Array.map (fun e -> values.[e])

    /// Value and error bound of each output of a program at x with parameters p, evaluated instruction
    /// by instruction as ProgramInterpreter (and the compiled kernels, bit for bit) evaluate it: the
    /// interpreter's own running error analysis (ProgramInterpreter.EvaluateWithErrors), the one the optimisers'
    /// rounding levels read, not a second copy of its rules.
    let ofProgram (program: StraightLineProgram) (x: float[]) (p: float[]) : (float * float)[] =
        let m = program.Outputs.Length
        let values, errors = Array.zeroCreate m, Array.zeroCreate m
        ProgramInterpreter.EvaluateWithErrors(program, ReadOnlySpan x, ReadOnlySpan p, Span values, Span errors)
        Array.zip values errors

    /// Value and bound of Σᵢ aᵢ·vᵢ (the aᵢ with their bounds, v exact) formed left to right from 0: each
    /// product passes on |vᵢ|·eᵢ plus its rounding, each partial sum adds its own.
    let dot (a: (float * float)[]) (v: float[]) =
        let mutable s, e = 0.0, 0.0

        for i in 0 .. a.Length - 1 do
            let ai, ei = a.[i]
            let p = ai * v.[i]
            s <- s + p
            e <- e + scaled v.[i] ei + rounding p + rounding s

        s, e

    /// The values a compiled kernel of program returned at x with parameters p, each with the bound
    /// <see cref="ofProgram"/> gives its output (the kernels compute the program's outputs bit for bit).
    let attach (program: StraightLineProgram) (x: float[]) (p: float[]) (values: float[]) =
        let bounds = ofProgram program x p
        values |> Array.mapi (fun i v -> v, snd bounds.[i])

    /// How many times the summed first-order bounds two evaluations may differ by. The bounds drop
    /// second-order terms (e·e′, which matter only once an error is no longer small against its value)
    /// and take a library function's rounding as 2 ulps; 8 leaves room for both without letting a wrong
    /// rule through, which misses by far more than rounding.
    let K = 8.0

    /// Whether two evaluations of one quantity, each with its bound, agree: |a − b| ≤ K·(ea + eb), or
    /// both the same non-finite value. None when a bound is not finite (an overflow or a pole upstream):
    /// then the case is not comparable.
    let agree (a: float, ea: float) (b: float, eb: float) : bool option =
        if not (Double.IsFinite ea && Double.IsFinite eb) then None
        elif Double.IsFinite a && Double.IsFinite b then Some(abs (a - b) <= K * (ea + eb) + eta)
        else Some(a.Equals b)

/// The locations of the single markers (ScottPlot's Marker, as crosses and zero markers are drawn) of one
/// shape and colour in a plot: the plot tests find a run's cross or zero marker by its method's colour.
let markers (plot: ScottPlot.Plot) (shape: ScottPlot.MarkerShape) (color: ScottPlot.Color) =
    plot.GetPlottables()
    |> Seq.collect (function
        | :? ScottPlot.Plottables.Marker as m when m.MarkerShape = shape && m.Color = color -> [ m.Location ]
        | _ -> [])
    |> List.ofSeq

/// The median of a non-empty list: the middle value, the mean of the two middle ones for an even count.
let median (values: float list) =
    let s = List.sort values |> Array.ofList
    let n = s.Length
    if n % 2 = 1 then s.[n / 2] else (s.[n / 2 - 1] + s.[n / 2]) / 2.0

// ---- logs ------------------------------------------------------------------------------------------

/// Every one of `lines` is in `text`, in the order given (the phase logs' tests).
let assertInOrder (text: string) (lines: string list) =
    let at (s: string) = text.IndexOf(s, StringComparison.Ordinal)

    for l in lines do
        Assert.True(at l >= 0, sprintf "missing '%s' in\n%s" l text)

    Assert.Equal<int list>(lines |> List.map at |> List.sort, lines |> List.map at)

/// derive's LaTeX with each source line cut for length (LaTeX.BreakSource: a newline and six spaces where a space
/// was) joined back into its align line, for checks that read one equation line at a time.
let latexJoined (out: string) = out.Replace("\n      ", " ")

/// The CLI's text with each wrapped line joined back into one: LineWidth and TextTable wrap a line over 100
/// characters with its continuations indented (two spaces, or to a table's last column), so a phrase that
/// crossed a break reads whole again. For checks of wording; a check of layout reads the text as printed.
let unwrapped (out: string) =
    System.Text.RegularExpressions.Regex.Replace(out.Replace("\r", ""), @" *\n {2,}", " ")

/// A file of the given text in the temporary directory, its name unique and ending in <paramref name="name"/>
/// (p.json, pts.csv), for the CLI's --problem and --points; <paramref name="tag"/> says which tests wrote it.
let tempFile (tag: string) (name: string) (text: string) =
    let path = Path.Combine(Path.GetTempPath(), $"physgrad-{tag}-{Guid.NewGuid():N}-{name}")
    File.WriteAllText(path, text)
    path

/// The cells of each line of a table as printed by TextTable (columns two or more spaces apart): a row is
/// checked by its cells whatever the column widths (a wrapped last cell: its first line only).
let tableRows (out: string) =
    out.Replace("\r", "").Split('\n') |> Array.map (fun l -> System.Text.RegularExpressions.Regex.Split(l.Trim(), " {2,}"))

/// Asserts that a line of the table begins with these cells, in order.
let assertRow (out: string) (cells: string list) =
    let n = cells.Length
    Assert.True(
        tableRows out |> Array.exists (fun r -> r.Length >= n && List.ofArray r.[.. n - 1] = cells),
        sprintf "no row %A in\n%s" cells out)

/// The CLI's line that starts with <paramref name="start"/> with the lines that continue it (a line over
/// 100 characters is wrapped, each continuation indented by two spaces: ResultText.Paragraph), joined by
/// single spaces into the one line it was before wrapping.
let paragraph (out: string) (start: string) =
    let lines = out.Replace("\r", "").Split('\n')
    let joined first =
        let rest = lines.[first + 1 ..] |> Array.takeWhile (fun l -> l.StartsWith "  ") |> Array.map (fun l -> l.Substring 2)
        String.Join(" ", Array.append [| lines.[first] |] rest)
    // The start may run past the first line's break ("Local inverse for PG: given," then "x0 = …").
    seq { 0 .. lines.Length - 1 } |> Seq.filter (fun k -> not (lines.[k].StartsWith " ")) |> Seq.map joined
    |> Seq.find (fun p -> p.StartsWith start)
