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

/// Component of shape s at first variable b with coefficient c and per-cell constant t (a target):
/// each shape reads 2 or 3 variables from b on.
let private comp (x: Expr[]) (s: int) (b: int) (c: int) (t: int) =
    let u, v, w = x.[b], x.[b + 1], x.[b + 2]

    match s with
    | 0 -> Expr.sub (Expr.mul2 (Expr.ofInt c) (Expr.sub v (Expr.pow u Expr.two))) (quarter t) // c(v − u²) − t
    | 1 -> Expr.sub (Expr.mul2 u v) (quarter t) // uv − t
    | 2 -> Expr.sub (Expr.add (Expr.mul [| Expr.ofInt c; u; w |]) (Expr.pow v (Expr.ofInt 3))) (quarter t) // c·u·w + v³ − t
    | _ -> Expr.sub (Expr.add (Expr.sub u (Expr.mul2 (Expr.ofInt c) v)) w) (quarter t) // u − cv + w − t

type private Case =
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
      V: int[]
      W: int[] }

let private cases =
    gen {
        let! shape = Gen.choose (0, 3)
        let! start = Gen.choose (0, 4)
        let! stride = Gen.choose (1, 3)
        let! outputStart = Gen.choose (0, 3)
        let! outputStride = Gen.choose (1, 3)
        let! count = Gen.choose (16, 40)
        let! coefficient = Gen.choose (1, 5)
        // Targets in −2 … 2 with 0 among them often (a cell whose constant simplifies away).
        let! targets = Gen.arrayOfLength count (Gen.frequency [ 1, Gen.constant 0; 3, Gen.choose (-8, 8) ])
        let n = start + stride * (count - 1) + 3 + 4
        // The components between and after the family's (and before it): random shape offset, variable and target.
        let m = outputStart + outputStride * (count - 1) + 1 + 3
        let others = m - count
        let! shapes = Gen.arrayOfLength others (Gen.choose (0, 2))
        let! firsts = Gen.arrayOfLength others (Gen.choose (0, n - 3))
        let! targetsOthers = Gen.arrayOfLength others (Gen.choose (-8, 8))
        let! point = Gen.arrayOfLength n (Gen.choose (-8, 8))
        let! v = Gen.arrayOfLength n (Gen.choose (-8, 8))
        let! w = Gen.arrayOfLength m (Gen.choose (-8, 8))

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
              V = v
              W = w }
    }

/// The simulator: component OutputStart + c·OutputStride is the family's shape at first variable
/// Start + c·Stride; every other component is of another shape (so none joins the family) at a random
/// variable, coefficient 7.
let private build (c: Case) =
    let n = c.Point.Length
    let m = c.W.Length
    let names = Array.init n (sprintf "x%d")
    let x = names |> Array.map Expr.symbol
    let mutable other = 0

    let fs =
        Array.init m (fun i ->
            let k = i - c.OutputStart

            if k >= 0 && k % c.OutputStride = 0 && k / c.OutputStride < c.Count then
                let cell = k / c.OutputStride
                comp x c.Shape (c.Start + cell * c.Stride) c.Coefficient c.Targets.[cell]
            else
                let (s, b, t) = c.Others.[other]
                other <- other + 1
                comp x ((c.Shape + 1 + s) % 4) b 7 t)

    names, fs

[<Property(MaxTest = 50)>]
let ``loops over component families compute the straight-line y, J v, Jᵀ w and sparse Jacobian, and find the family`` () =
    Prop.forAll (Arb.fromGen cases) (fun c ->
        let names, fs = build c
        let x, v, w = quarters c.Point, quarters c.V, quarters c.W
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
    let fs = Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))
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
    let fs = Tracer.Simulator(16, Func<_, _>(fun x -> (ReferenceSimulators.Rosenbrock x).[0..14]))
    let found = Families.detectComponents names fs
    Assert.Empty(found.Families)
    Assert.Equal<int[]>([| 0 .. 14 |], found.RestOutputs)
