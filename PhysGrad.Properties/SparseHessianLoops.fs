module PhysGrad.Properties.SparseHessianLoops

// Issue 14, items 2 and 5: the sparse Hessian of a sum with families of repeated terms runs as one loop
// per family that adds each cell's small template Hessian into the CSR values (FamilyKernels.SparseHessian).
// Its pattern must be exactly the structural nonzeros the straight-line sparse program finds
// (Lower.sparseHessian over the whole function), and its values those of that program and of the dense
// Hessian. The random functions are CellLoops' (a regular family, irregular terms of the same shape,
// leftovers of other shapes at arbitrary variables: the rest), so every value is a dyadic rational
// computed exactly in any order of summation (see CellLoops' method note) and the 1e-12 bound cannot
// fail by rounding. Structural cancellation between terms cannot happen there: every constant Hessian
// entry of those shapes has the sign of its (positive) coefficient or sits where no other shape adds a
// constant, so the union of the terms' blocks is the whole function's pattern.

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.CellLoops
open PhysGrad.Properties.TestHelpers

[<Property(MaxTest = 40)>]
let ``the loop sparse Hessian has the straight-line pattern and the straight-line and dense values`` () =
    Prop.forAll (Arb.fromGen cases) (fun c ->
        let names, f, _, _ = build c
        let n = names.Length
        let x = quarters c.Point
        let found = Families.detect names f
        let loops = FamilyKernels.SparseHessian found
        let straightProgram = Lower.sparseHessian names [||] f
        let straightPattern = straightProgram.Block("hessian").Pattern
        let straight = runKernel (KernelCompiler.CompileUncached(straightProgram, true)) x [||]
        let mine = runKernel loops.Kernel x [||]
        let dense = runKernel (KernelCompiler.CompileUncached(Lower.valueGradientHessian names [||] true f, true)) x [||]
        let p = loops.Pattern
        // Evaluate writes the gradient and the nonzeros into arrays of their own (the caller's matrix),
        // clearing what was there: the same numbers as the kernel's single output array.
        let g = Array.create n nan
        let values = Array.create p.NonZeroCount nan
        let value = loops.Evaluate(x, g, values)
        let separate = value = mine.[0] && g = mine.[1..n] && values = mine.[n + 1 ..]
        // Every dense entry: at its pattern position in the loop kernel's values, or 0 off the pattern.
        let denseAgrees = sparseHoldsDense p n mine dense
        (p.SameAs straightPattern |> Prop.label (sprintf "pattern %O, straight-line %O" p straightPattern))
        .&. (Array.forall2 closeRelative straight mine |> Prop.label "value, gradient and nonzeros against the straight-line program")
        .&. ((denseAgrees && Array.forall2 closeRelative dense.[0..n] mine.[0..n]) |> Prop.label "against the dense Hessian")
        .&. (separate |> Prop.label "Evaluate into the gradient and values arrays")
        |> Prop.classify (loops.Kernel.Families.MappedEntries > 0) "index map used"
        |> Prop.label (sprintf "n = %d, families = %d, rest terms = %d" n found.Families.Length found.RestTermCount))

// Rosenbrock f = Σᵢ₌₀ⁿ⁻² 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)², by hand: ∂²f/∂xᵢ² = 1200xᵢ² − 400xᵢ₊₁ + 2 (i < n − 1)
// plus 200 (i > 0), ∂²f/∂xᵢ∂xᵢ₊₁ = −400xᵢ; the tridiagonal has 3n − 2 entries (THEORY §4).
let private rosenbrockHessian (x: float[]) (r: int) (col: int) =
    let n = x.Length
    if r = col then
        (if r < n - 1 then 1200.0 * x.[r] * x.[r] - 400.0 * x.[r + 1] + 2.0 else 0.0) + (if r > 0 then 200.0 else 0.0)
    elif col = r + 1 then -400.0 * x.[r]
    elif r = col + 1 then -400.0 * x.[col]
    else 0.0

let private rosenbrock (xs: Expr[]) =
    Array.init (xs.Length - 1) (fun i ->
        Expr.add
            (Expr.mul2 (Expr.ofInt 100) (Expr.pow (Expr.sub xs.[i + 1] (Expr.pow xs.[i] Expr.two)) Expr.two))
            (Expr.pow (Expr.sub Expr.one xs.[i]) Expr.two))

[<Fact>]
let ``Rosenbrock's loop sparse Hessian is the hand-derived tridiagonal, each place a fixed step from the last`` () =
    let n = 40
    let names = Array.init n (sprintf "x%d")
    let xs = names |> Array.map Expr.symbol
    let x = Array.init n (fun i -> float (i % 7 - 3) / 4.0)
    let sparse = FamilyKernels.SparseHessian(names, Expr.sum (rosenbrock xs))
    let o = runKernel sparse.Kernel x [||]
    Assert.Equal(3 * n - 2, sparse.Pattern.NonZeroCount)
    Assert.Equal(1, sparse.Kernel.Families.Families)
    // Row i holds columns i − 1, i, i + 1: the places of cell i's four entries are 3i, 3i + 1, 3i + 2
    // and 3i + 3, a step of 3 from cell to cell, so no index map is needed.
    Assert.Equal(0, sparse.Kernel.Families.MappedEntries)
    for r in 0 .. n - 1 do
        for col in max 0 (r - 1) .. min (n - 1) (r + 1) do
            Assert.Equal(rosenbrockHessian x r col, o.[1 + n + sparse.Pattern.IndexOf(r, col)], 12)

[<Fact>]
let ``a rest term inside the family's rows moves later places by a varying amount, and the index map puts them right`` () =
    // Rosenbrock plus 3·x₀·x₅: rows 0 and 5 gain the entry (0, 5) / (5, 0) with value 3, so every place
    // after row 0's third entry moves by one and after row 5's by two: no fixed step, the map is used.
    let n = 40
    let names = Array.init n (sprintf "x%d")
    let xs = names |> Array.map Expr.symbol
    let f = Expr.sum (Array.append (rosenbrock xs) [| Expr.mul [| Expr.ofInt 3; xs.[0]; xs.[5] |] |])
    let x = Array.init n (fun i -> float (i % 5 - 2) / 2.0)
    let sparse = FamilyKernels.SparseHessian(names, f)
    let o = runKernel sparse.Kernel x [||]
    Assert.Equal(3 * n - 2 + 2, sparse.Pattern.NonZeroCount)
    Assert.Equal(1, sparse.Kernel.Families.RestTerms)
    Assert.True(sparse.Kernel.Families.MappedEntries > 0)
    for r in 0 .. n - 1 do
        for col in 0 .. n - 1 do
            let k = sparse.Pattern.IndexOf(r, col)
            let expected = rosenbrockHessian x r col + (if (r, col) = (0, 5) || (r, col) = (5, 0) then 3.0 else 0.0)
            if k < 0 then Assert.Equal(0.0, expected) else Assert.Equal(expected, o.[1 + n + k], 12)
    // The gradient's rest part, 3x₅ at x₀ and 3x₀ at x₅, on top of Rosenbrock's (hand-derived as above).
    let g0 = -400.0 * x.[0] * (x.[1] - x.[0] * x.[0]) - 2.0 * (1.0 - x.[0]) + 3.0 * x.[5]
    Assert.Equal(g0, o.[1], 12)

[<Fact>]
let ``the residual loss ½·Σ rᵢ² with the ½ outside the sum is one family, and its loop sparse Hessian is JᵀJ + Σ rᵢ∇²rᵢ by hand`` () =
    // rᵢ = 10(xᵢ₊₁ − xᵢ²) for i < n − 1 and r_{n−1} = 1 − x₀ (the Rosenbrock residuals), f = ½·Σ rᵢ² with
    // the constant factor outside the sum. By hand: H_aa = 400x_a² − 20r_a (a < n − 1) + 100 (a > 0) + 1
    // (a = 0, from r_{n−1}); H_{a,a+1} = (∂r_a/∂x_a)(∂r_a/∂x_{a+1}) = −20x_a·10 = −200x_a.
    let n = 30
    let names = Array.init n (sprintf "x%d")
    let xs = names |> Array.map Expr.symbol
    let residuals =
        Array.init n (fun i ->
            if i < n - 1 then Expr.mul2 (Expr.ofInt 10) (Expr.sub xs.[i + 1] (Expr.pow xs.[i] Expr.two))
            else Expr.sub Expr.one xs.[0])
    let f = Expr.mul2 (Expr.fraction 1 2) (Expr.sum (residuals |> Array.map (fun r -> Expr.pow r Expr.two)))
    let found = Families.detect names f
    Assert.Equal(1, found.Families.Length)
    Assert.Equal(n - 1, found.CellCount)
    Assert.Equal(1, found.RestTermCount)
    let x = Array.init n (fun i -> float (i % 7 - 3) / 4.0)
    let r = Array.init n (fun i -> if i < n - 1 then 10.0 * (x.[i + 1] - x.[i] * x.[i]) else 1.0 - x.[0])
    let sparse = FamilyKernels.SparseHessian(names, f)
    Assert.NotNull(sparse.Kernel.Families)
    let o = runKernel sparse.Kernel x [||]
    Assert.Equal(0.5 * Array.sumBy (fun v -> v * v) r, o.[0], 12)
    Assert.Equal(3 * n - 2, sparse.Pattern.NonZeroCount)
    for a in 0 .. n - 1 do
        let diagonal =
            (if a < n - 1 then 400.0 * x.[a] * x.[a] - 20.0 * r.[a] else 0.0)
            + (if a > 0 then 100.0 else 1.0)
        Assert.Equal(diagonal, o.[1 + n + sparse.Pattern.IndexOf(a, a)], 12)
        if a < n - 1 then
            Assert.Equal(-200.0 * x.[a], o.[1 + n + sparse.Pattern.IndexOf(a, a + 1)], 12)
            Assert.Equal(-200.0 * x.[a], o.[1 + n + sparse.Pattern.IndexOf(a + 1, a)], 12)
