module PhysGrad.Properties.ComponentLoops

// Issue 14, items 2, 3 and 5: a simulator's components of one template at evenly spaced cells kept as
// one compiled loop for y, J v, Jᵀ w and the sparse Jacobian (Families.detectComponents,
// ComponentFamilyKernels). The loop kernels must compute what the straight-line kernels of the whole
// simulator compute, components in no family included.
//
// Method: every variable, vector entry, coefficient and per-cell constant is a multiple of 1/4 of
// magnitude at most 8 and the components are polynomials of degree ≤ 3, so every intermediate value
// (products of at most four such numbers, sums of a few hundred) is a dyadic rational with at most 8
// fractional bits and far below 2⁵³: both kernels compute exactly, in any order, and the 1e-12
// relative bound cannot fail by rounding.

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.TestHelpers

/// A family simulator (TestHelpers.FamilySimulator, output stride up to 3, the other components'
/// coefficient 7) and w, one entry per component.
let private cases =
    gen {
        let! c = FamilySimulator.Cases 3
        let! w = Gen.arrayOfLength c.M (Gen.choose (-8, 8))
        return c, w
    }

[<Property(MaxTest = 50)>]
let ``loops over component families compute the straight-line y, J v, Jᵀ w and sparse Jacobian, and find the family`` () =
    Prop.forAll (Arb.fromGen cases) (fun (c, w) ->
        let names, fs = c.Build 7
        let x, v, w = quarters c.Point, quarters c.V, quarters w
        let found = Families.detectComponents names fs
        let straight program p = runKernel (KernelCompiler.CompileUncached(program, true)) x p
        let sparseProgram = Lower.sparseJacobian names [||] fs
        let straightSparse = straight sparseProgram [||]
        let loopSparse = ComponentFamilyKernels.SparseJacobian found
        let loopSparseOut = runKernel loopSparse.Kernel x [||]
        let expected = (c.Start, c.Stride, c.Count, c.OutputStart, c.OutputStride)

        let actual =
            [ for f in found.Families -> (f.Cells.Start, f.Cells.Stride, f.Cells.Count, f.OutputStart, f.OutputStride) ]

        // Every output is in exactly one family or the rest.
        let covered =
            [ for f in found.Families do
                  for k in 0 .. f.Cells.Count - 1 -> f.OutputOf k ]
            @ List.ofArray found.RestOutputs
            |> List.sort

        (List.contains expected actual
         |> Prop.label (sprintf "family (start, stride, cells, output start, output stride) %A not among %A" expected actual))
        .&. ((covered = [ 0 .. fs.Length - 1 ]) |> Prop.label "outputs covered once")
        .&. (allCloseRelative (straight (Lower.program names [||] fs) [||]) (runKernel (ComponentFamilyKernels.Values found) x [||])
             |> Prop.label "y")
        .&. (allCloseRelative (straight (Lower.jacobianVector names [||] fs) v) (runKernel (ComponentFamilyKernels.JacobianVector found) x v)
             |> Prop.label "y and J v")
        .&. (allCloseRelative (straight (Lower.jacobianTransposeVector names [||] fs) w) (runKernel (ComponentFamilyKernels.JacobianTransposeVector found) x w)
             |> Prop.label "y and Jᵀ w")
        .&. (loopSparse.Pattern.SameAs(sparseProgram.Block("jacobian").Pattern) |> Prop.label "sparse pattern")
        .&. (allCloseRelative straightSparse loopSparseOut |> Prop.label "y and the sparse Jacobian's nonzeros")
        |> Prop.label (sprintf "n = %d, m = %d, families = %d, rest = %d" names.Length fs.Length found.Families.Length found.RestOutputs.Length))

[<Fact>]
let ``the traced Rosenbrock residuals are one family of n − 1 cells, with hand-derived J v, Jᵀ w and sparse J`` () =
    // r_i = 10(x_{i+1} − x_i²) for i < n − 1, r_{n−1} = 1 − x_0 (THEORY §7). Row i < n − 1 of J is
    // −20x_i at column i and 10 at i + 1; row n − 1 is −1 at column 0 (differentiated by hand).
    let n = 300
    let names = Array.init n (sprintf "x%d")
    let fs = Rosenbrock.traced n
    let found = Families.detectComponents names fs
    Assert.Equal(1, found.Families.Length)
    let f = found.Families.[0]
    Assert.Equal((0, 1, n - 1, 0, 1), (f.Cells.Start, f.Cells.Stride, f.Cells.Count, f.OutputStart, f.OutputStride))
    Assert.Equal<int[]>([| n - 1 |], found.RestOutputs)
    Assert.Equal<int[]>([| 0 |], found.RestVariables)
    let outputs = Array.init n (sprintf "r%d")
    let problem = CompiledProblem(names, fs, outputs, Problem.DefaultLoss(outputs, Array.zeroCreate<float> n))
    let x = Array.init n (fun i -> float (i % 7 - 3) / 4.0)
    let v = Array.init n (fun i -> float (i % 5 - 2) / 2.0)
    let w = Array.init n (fun i -> float (i % 3 - 1))
    let y, jv, jtw = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
    problem.JacobianVector(x, v, y, jv)
    for i in 0 .. n - 2 do
        Assert.Equal(10.0 * (x.[i + 1] - x.[i] * x.[i]), y.[i], 12)
        Assert.Equal(-20.0 * x.[i] * v.[i] + 10.0 * v.[i + 1], jv.[i], 12)
    Assert.Equal(1.0 - x.[0], y.[n - 1], 12)
    Assert.Equal(-v.[0], jv.[n - 1], 12)
    problem.JacobianTransposeVector(x, w, y, jtw)
    for j in 0 .. n - 1 do
        // Column j: −20x_j·w_j (j < n − 1), 10·w_{j−1} (j > 0), −w_{n−1} (j = 0).
        let own = if j < n - 1 then -20.0 * x.[j] * w.[j] else 0.0
        let previous = if j > 0 then 10.0 * w.[j - 1] else 0.0
        let last = if j = 0 then -w.[n - 1] else 0.0
        Assert.Equal(own + previous + last, jtw.[j], 12)
    let j = CsrMatrix(problem.SparseJacobianPattern())
    problem.SparseJacobian(x, y, j)
    Assert.Equal(2 * n - 1, j.NonZeroCount)
    for i in 0 .. n - 2 do
        Assert.Equal(-20.0 * x.[i], j.Values.[j.Pattern.IndexOf(i, i)], 12)
        Assert.Equal(10.0, j.Values.[j.Pattern.IndexOf(i, i + 1)], 12)
    Assert.Equal(-1.0, j.Values.[j.Pattern.IndexOf(n - 1, 0)], 12)

[<Theory>]
[<InlineData(false)>]
[<InlineData(true)>]
let ``one traced heat step is one family of its n − 2 interior cells, with the hand-written stencil as J v`` (periodic: bool) =
    // y_i = u_i + r(u_{i+1} − 2u_i + u_{i−1}) (ReferenceSimulators.Heat1D, one step). Cells 1 … n − 2 read
    // u_{i−1}, u_i, u_{i+1}: one template at first variable i − 1. Cells 0 and n − 1 read the other end
    // (periodic) or one neighbour fewer (Dirichlet, held at 0): other shapes, so they stay straight-line.
    let n, r = 64, 0.25
    let boundary = if periodic then GridBoundary.Periodic else GridBoundary.Dirichlet
    let names = Array.init n (sprintf "x%d")
    let fs = Tracer.Simulator(n, Func<_, _>(fun u -> ReferenceSimulators.Heat1D(u, r, 1, boundary)))
    let found = Families.detectComponents names fs
    Assert.Equal(1, found.Families.Length)
    let f = found.Families.[0]
    Assert.Equal((0, 1, n - 2, 1, 1), (f.Cells.Start, f.Cells.Stride, f.Cells.Count, f.OutputStart, f.OutputStride))
    Assert.Equal<int[]>([| 0; n - 1 |], found.RestOutputs)
    let x = Array.init n (fun i -> float (i % 9 - 4) / 4.0)
    let v = Array.init n (fun i -> float (i % 4 - 1) / 2.0)
    let out = runKernel (ComponentFamilyKernels.JacobianVector found) x v
    let at (a: float[]) k =
        if k >= 0 && k < n then a.[k]
        elif periodic then a.[(k + n) % n]
        else 0.0
    for i in 0 .. n - 1 do
        // Linear in u: J v is the same stencil applied to v.
        Assert.Equal(x.[i] + r * (at x (i + 1) - 2.0 * x.[i] + at x (i - 1)), out.[i], 12)
        Assert.Equal(v.[i] + r * (at v (i + 1) - 2.0 * v.[i] + at v (i - 1)), out.[n + i], 12)

[<Fact>]
let ``a simulator of fewer components than a family's minimum has no family`` () =
    // 15 residuals (MinCells = 16): all rest, so the kernels are the straight-line ones.
    let names = Array.init 16 (sprintf "x%d")
    let fs = (Rosenbrock.traced 16).[0..14]
    let found = Families.detectComponents names fs
    Assert.Empty(found.Families)
    Assert.Equal<int[]>([| 0 .. 14 |], found.RestOutputs)
