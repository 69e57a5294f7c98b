module PhysGrad.Properties.PatternBeforeKernel

// Issue 14 (trial 21, item 1): newton refuses a sparse Hessian whose Cholesky factor is over its limits from
// the Hessian's pattern alone, read without compiling the kernel (FamilyKernels.SparseHessianPattern,
// CompiledProblem.SparseHessianPattern); the kernel compiled later adopts that pattern. Both are sound only if
// the pattern read without compiling is the very pattern the compiled kernel writes: checked here on
// CellLoops' random sums (families, irregular terms and a rest) and on the traced reference examples, and the
// refusal is checked to say the same whether the kernel was compiled first or not.

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Numerics.Rules
open PhysGrad.Properties.CellLoops
open PhysGrad.Properties.TestHelpers

[<Property(MaxTest = 40)>]
let ``the pattern read without compiling is the compiled kernel's, and a kernel that adopts it writes the same numbers`` () =
    Prop.forAll (Arb.fromGen cases) (fun c ->
        let names, f, _, _ = build c
        let x = quarters c.Point
        let read = FamilyKernels.SparseHessianPattern(names, f)
        let own = FamilyKernels.SparseHessian(names, f)
        let adopted = FamilyKernels.SparseHessian(names, f, pattern = read)
        // The adopting kernel keeps the given object (so matrices made from it need no comparison) and
        // writes value, gradient and nonzeros exactly as the kernel that found its pattern itself.
        (read.SameAs own.Pattern |> Prop.label (sprintf "read %O, compiled %O" read own.Pattern))
        .&. (Object.ReferenceEquals(adopted.Pattern, read) |> Prop.label "the adopting kernel keeps the pattern given")
        .&. ((runKernel adopted.Kernel x [||] = runKernel own.Kernel x [||]) |> Prop.label "value, gradient and nonzeros")
        |> Prop.label (sprintf "n = %d, families = %d" names.Length (Families.detect names f).Families.Length))

// The reference examples at small sizes, traced as --example traces them: the composed families of the heat
// stencils, Rosenbrock's chain, the oscillators' dense controls and poisson2d's Laplacian.
let private examples =
    [ "rosenbrock", 7; "heat1d", 9; "heat1d-dirichlet", 9; "heat1d-inverse", 9; "heat2d", 5; "poisson2d", 4; "oscillators", 6 ]

[<Fact>]
let ``on the traced examples the pattern is read without compiling the sparse Hessian and is the kernel's`` () =
    for name, n in examples do
        let first = ReferenceProblems.Create(name, n).Compiled
        let read = first.SparseHessianPattern()
        Assert.False(first.Compiled.HasFlag Capabilities.SparseHessian, $"{name}: reading the pattern compiled the kernel")
        // The same example built again, its kernel compiled before its pattern is asked for.
        let second = ReferenceProblems.Create(name, n).Compiled
        let x = Array.init second.N (fun i -> 0.25 * float (i % 5) - 0.5)
        let g = Array.zeroCreate second.N
        let fromKernel = CsrMatrix(second.SparseHessianPattern())
        Assert.True(read.SameAs fromKernel.Pattern, $"{name}: read {read}, compiled {fromKernel.Pattern}")
        // A matrix of the read pattern is the first problem's to fill, with the second's numbers.
        let h = CsrMatrix(read)
        let value = first.SparseHessian(x, g, h)
        Assert.True(first.Compiled.HasFlag Capabilities.SparseHessian)
        let g2 = Array.zeroCreate second.N
        Assert.Equal(second.SparseHessian(x, g2, fromKernel), value)
        Assert.Equal<float[]>(fromKernel.Values, h.Values)
        Assert.Equal<float[]>(g2, g)

/// Σ over strides k ∈ {1, 10, 100, 1000} of the residuals x_{i+k} − x_i, loss ½‖y‖², at n = 10⁴: the couplings
/// of a 10 × 10 × 10 × 10 grid, whose Cholesky factor no ordering keeps under newton's work limit (its
/// cross-sections hold 10³ variables), in four families, so the pattern is read in a moment.
let private hypercube () =
    let n = 10000
    let names = Array.init n (sprintf "x%d")
    let xs = names |> Array.map Expr.symbol
    let residuals = [| for k in [ 1; 10; 100; 1000 ] do for i in 0 .. n - 1 - k -> Expr.sub xs.[i + k] xs.[i] |]
    let outputs = Array.init residuals.Length (sprintf "y%d")
    let loss = Expr.mul2 Expr.half (Expr.sum (outputs |> Seq.map (fun o -> Expr.pow (Expr.symbol o) Expr.two)))
    CompiledProblem(names, residuals, outputs, loss)

[<Fact>]
let ``newton's refusal from the pattern alone compiles no kernel and says what it says after compiling one`` () =
    let refusal (problem: CompiledProblem) =
        let e = Assert.Throws<SymbolicException>(fun () -> (Newton 1.0 :> IUpdateRule).Init(problem, Array.zeroCreate problem.N) |> ignore)
        Assert.Equal(ErrorKind.TooLarge, e.Kind)
        e.Message
    let unread = hypercube ()
    let early = refusal unread
    Assert.False(unread.Compiled.HasFlag Capabilities.SparseHessian, "the refusal compiled the sparse Hessian it refused")
    // The same problem with its kernel compiled first (its pattern then comes from the kernel).
    let compiled = hypercube ()
    compiled.SparseHessian(Array.zeroCreate compiled.N, Array.zeroCreate compiled.N, CsrMatrix(compiled.SparseHessianPattern())) |> ignore
    Assert.Equal(early, refusal compiled)
    // The figures it gives are the pattern's: its nonzeros (1 + 2·4 a row inside the grid) and "over" a limit.
    Assert.Contains($"{compiled.SparseHessianPattern().NonZeroCount} nonzeros", early)
    Assert.Contains("(over the limit of", early)
