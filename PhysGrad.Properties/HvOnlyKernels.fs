module PhysGrad.Properties.HvOnlyKernels

// Issue 14 (benchmarks): two kernels that do less than the ones they stand in for.
// (1) H v alone (Lower.hessianVectorOnly, FamilyKernels.HessianVectorOnly, CompiledProblem.HessianVectorOnly):
//     Newton-CG's CG iterations discard L and ∇L, so they run a kernel that computes neither. Its entries
//     must be those of the full [f, ∇f, H v] kernel. Pruning removes instructions and changes no operation
//     or its order, and a loop's places and carries are decided by the same rules, so the entries are
//     compared bitwise (=) on arbitrary doubles, not to a tolerance: Newton-CG's steps stay what they were.
//     Against the dense Hessian (a different summation order) the cases of CellLoops are used, whose values
//     are dyadic rationals computed exactly in any order (see CellLoops' method note), so 1e-12 cannot fail
//     by rounding.
// (2) The sparse Jacobian written straight into y and the CSR values (SparseJacobianKernel.Evaluate): the
//     same numbers as the kernel's single output array, every entry overwritten (the arrays start as NaN).

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

let private run (kernel: CompiledKernel) (x: float[]) (p: float[]) =
    let o = Array.zeroCreate kernel.OutputCount
    kernel.Function.Invoke(x, 0, p, o, 0)
    o

let private close (u: float) (v: float) = abs (u - v) <= 1e-12 * max 1.0 (max (abs u) (abs v))

/// Arbitrary doubles in [−2, 2) from a seed (not dyadic: the bitwise comparisons must hold for any data).
let private numbers (seed: int) (count: int) =
    let random = Random(seed)
    Array.init count (fun _ -> 4.0 * random.NextDouble() - 2.0)

[<Property(MaxTest = 40)>]
let ``H v alone equals the H v of the full kernel bitwise, straight-line and in loops, and the dense Hessian times v`` () =
    Prop.forAll (Arb.fromGen (Gen.zip cases (Gen.choose (0, Int32.MaxValue)))) (fun (c, seed) ->
        let names, f, _, _ = build c
        let n = names.Length
        let found = Families.detect names f
        // Dyadic data for the comparison with the dense Hessian, arbitrary doubles for the bitwise ones.
        let xq = c.Point |> Array.map (fun k -> float k / 4.0)
        let vq = c.Direction |> Array.map (fun k -> float k / 4.0)
        let x, v = numbers seed n, numbers (seed ^^^ 0x5bd1e995) n
        let fullProgram = Lower.hessianVector names [||] f
        let onlyProgram = Lower.hessianVectorOnly names [||] f
        let straightFull = run (KernelCompiler.CompileUncached(fullProgram, true)) x v
        let straightOnly = run (KernelCompiler.CompileUncached(onlyProgram, true)) x v
        let loopFull = run (FamilyKernels.HessianVector found) x v
        let loopOnlyKernel = FamilyKernels.HessianVectorOnly found
        let loopOnly = run loopOnlyKernel x v
        // The loop kernel writes its n entries at an offset and leaves the neighbours alone.
        let padded = Array.create (n + 5) nan
        loopOnlyKernel.Function.Invoke(x, 0, v, padded, 3)
        let offsetOk =
            Double.IsNaN padded.[0] && Double.IsNaN padded.[1] && Double.IsNaN padded.[2]
            && Double.IsNaN padded.[n + 3] && Double.IsNaN padded.[n + 4] && padded.[3 .. n + 2] = loopOnly
        let dense = run (KernelCompiler.CompileUncached(Lower.valueGradientHessian names [||] true f, true)) xq [||]
        let denseHv = Array.init n (fun i -> Seq.sum (seq { for j in 0 .. n - 1 -> dense.[1 + n + i * n + j] * vq.[j] }))
        let loopOnlyQ = run loopOnlyKernel xq vq
        ((onlyProgram.Outputs.Length = n && loopOnlyKernel.OutputCount = n) |> Prop.label "n outputs")
        .&. ((onlyProgram.SlotCount < fullProgram.SlotCount) |> Prop.label (sprintf "pruned: %d of %d instructions" onlyProgram.SlotCount fullProgram.SlotCount))
        .&. ((straightOnly = straightFull.[1 + n ..]) |> Prop.label "straight-line H v alone = the full program's H v")
        .&. ((loopOnly = loopFull.[1 + n ..]) |> Prop.label "loop H v alone = the full loop kernel's H v")
        .&. (offsetOk |> Prop.label "written at the offset only")
        .&. (Array.forall2 close denseHv loopOnlyQ |> Prop.label "against the dense Hessian times v")
        |> Prop.label (sprintf "n = %d, families = %d, rest terms = %d" n found.Families.Length found.RestTermCount))

/// A problem that forwards everything to a compiled one except L and L with ∇L, which it asks of the given
/// functions, and does not override HessianVectorOnly, so the interface's default (the full product with a
/// scratch gradient) answers it.
let private forwardingWith (p: CompiledProblem) (value: float[] -> float) (valueGradient: float[] -> float[] -> float) =
    TestHelpers.forwardingProblem p p.Supported value valueGradient

let private forwarding (p: CompiledProblem) = forwardingWith p p.Value (fun x g -> p.ValueGradient(x, g))

let private rosenbrockResiduals (n: int) =
    let names = Array.init n (sprintf "x%d")
    let fs = Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))
    let outputs = Array.init n (sprintf "r%d")
    CompiledProblem(names, fs, outputs, Problem.DefaultLoss(outputs, Array.zeroCreate<float> n))

[<Fact>]
let ``H v alone on the Rosenbrock residuals is the hand-derived tridiagonal product, and the default answer is the same`` () =
    // r_i = 10(x_{i+1} − x_i²) (i < n − 1), r_{n−1} = 1 − x_0, L = ½Σr² (THEORY §7). By hand, H = JᵀJ + Σ r_i ∇²r_i:
    // H_ii = 400x_i² − 20r_i + 100·[i > 0] (i < n − 1), H_{n−1,n−1} = 100, plus 1 at (0, 0) from r_{n−1};
    // H_{i,i+1} = H_{i+1,i} = −200x_i. The data are multiples of 1/4 (exact sums).
    let n = 400
    let problem = rosenbrockResiduals n
    let x = Array.init n (fun i -> float (i % 9 - 4) / 4.0)
    let v = Array.init n (fun i -> float (i % 7 - 3) / 2.0)
    let r = Array.init (n - 1) (fun i -> 10.0 * (x.[i + 1] - x.[i] * x.[i]))
    let diagonal i =
        (if i < n - 1 then 400.0 * x.[i] * x.[i] - 20.0 * r.[i] else 0.0) + (if i > 0 then 100.0 else 0.0) + (if i = 0 then 1.0 else 0.0)
    let expected =
        Array.init n (fun i ->
            diagonal i * v.[i]
            + (if i < n - 1 then -200.0 * x.[i] * v.[i + 1] else 0.0)
            + (if i > 0 then -200.0 * x.[i - 1] * v.[i - 1] else 0.0))
    let hv = Array.create n nan
    problem.HessianVectorOnly(x, v, hv)
    Assert.Equal<float[]>(expected, hv)
    // The interface's default (full product, gradient dropped) gives the same numbers.
    let viaDefault = Array.create n nan
    (forwarding problem).HessianVectorOnly(x, v, viaDefault)
    Assert.Equal<float[]>(expected, viaDefault)
    // Asking for H v alone notes the H v capability, never the dense Hessian.
    Assert.True(problem.Compiled.HasFlag Capabilities.HessianVector)
    Assert.False(problem.Compiled.HasFlag Capabilities.Hessian)

[<Fact>]
let ``a Newton-CG step is the same bitwise whether CG reads H v alone or the full product`` () =
    // The classic start (−1.2, 1, …) perturbed by arbitrary doubles: Newton-CG runs several CG iterations.
    let n = 300
    let problem = rosenbrockResiduals n
    let noise = numbers 17 n
    let start = Array.init n (fun i -> (if i % 2 = 0 then -1.2 else 1.0) + 0.1 * noise.[i])
    let stepOf (p: IDifferentiableProblem) =
        let stepper = Stepper(p, NewtonCG 0.5, start)
        for _ in 1 .. 3 do stepper.Step() |> ignore
        stepper.X.ToArray()
    let only = stepOf problem
    let full = stepOf (forwarding problem)
    Assert.Equal<float[]>(full, only)
    Assert.NotEqual<float[]>(start, only)

// (3) L alone (Lower.program of [f], FamilyKernels.Value, CompiledProblem.Value): a line search's trial points
//     need no gradient. The value is the value + gradient kernel's bit for bit (the same instructions for f,
//     summed in the same order), so a search decides exactly as it did with L and ∇L.

let private bits (a: float[]) = a |> Array.map BitConverter.DoubleToInt64Bits

[<Property(MaxTest = 40)>]
let ``L alone equals the value of the value + gradient kernel bitwise, straight-line and in loops`` () =
    Prop.forAll (Arb.fromGen (Gen.zip cases (Gen.choose (0, Int32.MaxValue)))) (fun (c, seed) ->
        let names, f, _, _ = build c
        let n = names.Length
        let found = Families.detect names f
        let x = numbers seed n
        let straightFull = run (KernelCompiler.CompileUncached(Lower.valueGradientHessian names [||] false f, true)) x [||]
        let straightOnly = run (KernelCompiler.CompileUncached(Lower.program names [||] [| f |], true)) x [||]
        let loopFull = run (FamilyKernels.ValueGradient found) x [||]
        let loopOnlyKernel = FamilyKernels.Value found
        let loopOnly = run loopOnlyKernel x [||]
        // Written at its offset only.
        let padded = Array.create 4 nan
        loopOnlyKernel.Function.Invoke(x, 0, [||], padded, 2)
        ((loopOnlyKernel.OutputCount = 1 && straightOnly.Length = 1) |> Prop.label "one output")
        .&. ((bits straightOnly = bits [| straightFull.[0] |]) |> Prop.label "straight-line L alone = the full program's L")
        .&. ((bits loopOnly = bits [| loopFull.[0] |]) |> Prop.label "loop L alone = the full loop kernel's L")
        .&. ((Double.IsNaN padded.[0] && Double.IsNaN padded.[1] && Double.IsNaN padded.[3] && bits [| padded.[2] |] = bits loopOnly)
             |> Prop.label "written at the offset only")
        .&. (close loopOnly.[0] straightOnly.[0] |> Prop.label "loops against the straight-line value")
        |> Prop.label (sprintf "n = %d, families = %d, rest terms = %d, L = %.17g" n found.Families.Length found.RestTermCount loopOnly.[0]))

/// The compiled problem with its calls of L and of L with ∇L counted; with `viaGradient` L is answered as
/// before the value-only kernel (the value of ValueGradient).
type private Counting(p: CompiledProblem, viaGradient: bool) =
    let scratch = Array.zeroCreate<float> p.N
    let mutable values, gradients = 0, 0
    member _.Values = values
    member _.Gradients = gradients
    member _.Problem =
        forwardingWith p
            (fun x ->
                values <- values + 1
                if viaGradient then p.ValueGradient(x, scratch) else p.Value x)
            (fun x g ->
                gradients <- gradients + 1
                p.ValueGradient(x, g))

[<Fact>]
let ``Newton-CG's line search asks for L alone at its trial points and takes the path it took with L and ∇L there`` () =
    // The classic start at n = 300: the search runs at every step (one trial or more).
    let n = 300
    let problem = rosenbrockResiduals n
    let start = Array.init n (fun i -> if i % 2 = 0 then -1.2 else 1.0)
    let iterations = 12
    let runOn (p: Counting) = Optimizer.Run(p.Problem, NewtonCG 1.0, start, iterations)
    let alone, before = Counting(problem, false), Counting(problem, true)
    let a, b = runOn alone, runOn before
    Assert.Equal(iterations, a.Iterations)
    for k in 0 .. iterations do
        Assert.Equal<int64[]>(bits b.Trajectory.[k], bits a.Trajectory.[k])
    Assert.Equal<int64[]>(bits (Seq.toArray b.Losses), bits (Seq.toArray a.Losses))
    // Every trial is one Value call (at least one a step); ∇L is asked for once per point of the path only.
    Assert.True(alone.Values >= iterations, sprintf "%d trial points in %d steps" alone.Values iterations)
    Assert.Equal(before.Values, alone.Values)
    Assert.Equal(a.Losses.Count, alone.Gradients)
    Assert.True(problem.Compiled.HasFlag Capabilities.Value)

[<Property(MaxTest = 30)>]
let ``the sparse Jacobian written into y and the CSR values equals the kernel's single output array, every entry overwritten`` () =
    // The traced Rosenbrock residuals (one family of n − 1 rows, one straight-line row) and a heat step
    // (interior rows a family, boundary rows the rest), at arbitrary points.
    Prop.forAll (Arb.fromGen (Gen.zip3 (Gen.choose (20, 120)) (Gen.elements [ 0; 1; 2 ]) (Gen.choose (0, Int32.MaxValue)))) (fun (n, which, seed) ->
        let names = Array.init n (sprintf "x%d")
        let fs =
            match which with
            | 0 -> Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))
            | 1 -> Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Heat1D(x, 0.2, 2, GridBoundary.Periodic)))
            | _ -> Tracer.Simulator(n, Func<_, _>(fun x -> ReferenceSimulators.Heat1D(x, 0.2, 1, GridBoundary.Dirichlet)))
        let kernel = ComponentFamilyKernels.SparseJacobian(names, fs)
        let straightProgram = Lower.sparseJacobian names [||] fs
        let x = numbers seed n
        let whole = run kernel.Kernel x [||]
        let straight = run (KernelCompiler.CompileUncached(straightProgram, true)) x [||]
        let y = Array.create n nan
        let values = Array.create kernel.Pattern.NonZeroCount nan
        kernel.Evaluate(x, y, values)
        (kernel.Pattern.SameAs(straightProgram.Block("jacobian").Pattern) |> Prop.label "pattern")
        .&. ((y = whole.[.. n - 1] && values = whole.[kernel.Offset ..]) |> Prop.label "y and the values as in the single array")
        .&. (Array.forall2 close straight whole |> Prop.label "against the straight-line sparse program")
        |> Prop.label (sprintf "n = %d, simulator %d" n which))
