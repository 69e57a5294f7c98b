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
open PhysGrad.Properties.Generators

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

/// A kernel's outputs at x with parameters p.
let runKernel (kernel: CompiledKernel) (x: float[]) (p: float[]) =
    let o = Array.zeroCreate kernel.OutputCount
    kernel.Function.Invoke(x, 0, p, o, 0)
    o

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
