module PhysGrad.Properties.CellLoops

// Issue 14, item 5: repeated terms of a sum kept as one compiled loop over cells (Families.detect,
// FamilyKernels). The loop kernels must compute what the straight-line kernel of the whole function
// computes, and a family may only be formed where the terms' first variables are evenly spaced.
//
// Method: every variable, coefficient and target is a multiple of 1/4 below 8 in magnitude and the
// terms are polynomials of degree ≤ 4, so every intermediate value is a dyadic rational with at most
// 8 fractional bits and well under 2⁵³: both kernels compute exactly, in any order of summation, and
// the 1e-12 relative bound cannot fail by rounding.

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic
open PhysGrad.Numerics
open PhysGrad.Properties.TestHelpers

/// One term of shape s at first variable b, with coefficient c and target t (each shape reads 2 or 3
/// consecutive variables from b; shapes 1 and 3 have a target, as a residual loss (r − t)² does).
let internal term (x: Expr[]) (s: int) (b: int) (c: int) (t: int) =
    let u, v, w = x.[b], x.[b + 1], x.[b + 2]

    match s with
    | 0 -> Expr.add (Expr.mul2 (Expr.ofInt c) (Expr.pow (Expr.sub v (Expr.pow u Expr.two)) Expr.two)) (Expr.pow (Expr.sub Expr.one u) Expr.two)
    | 1 -> Expr.mul2 (Expr.ofInt c) (Expr.pow (Expr.sub (Expr.mul2 u v) (quarter t)) Expr.two)
    | 2 -> Expr.add (Expr.mul [| Expr.ofInt c; u; w |]) (Expr.pow v (Expr.ofInt 3))
    | _ -> Expr.mul2 (Expr.ofInt c) (Expr.pow (Expr.sub (Expr.add (Expr.sub u (Expr.mul2 Expr.two v)) w) (quarter t)) Expr.two)

type internal Case =
    { Shape: int
      Start: int
      Stride: int
      Count: int
      Coefficient: int
      Targets: int[]
      Irregular: int
      Leftovers: (int * int)[]
      Point: int[]
      Direction: int[] }

let internal cases =
    gen {
        let! shape = Gen.choose (0, 3)
        let! start = Gen.choose (0, 4)
        let! stride = Gen.choose (1, 3)
        let! count = Gen.choose (16, 40)
        let! coefficient = Gen.choose (1, 5)
        let! targets = Gen.arrayOfLength count (Gen.choose (-8, 8))
        let! irregular = Gen.choose (0, 12)
        let! leftovers = Gen.arrayOf (Gen.zip (Gen.choose (0, 3)) (Gen.choose (0, 1000)))
        // Regular cells, then room for the irregular terms after them (first variables up to 66 past
        // the regular range, three variables each), then two spare variables.
        let n = start + stride * (count - 1) + 3 + 66 + 3 + 2
        let! point = Gen.arrayOfLength n (Gen.choose (-8, 8))
        let! direction = Gen.arrayOfLength n (Gen.choose (-8, 8))

        return
            { Shape = shape
              Start = start
              Stride = stride
              Count = count
              Coefficient = coefficient
              Targets = targets
              Irregular = irregular
              Leftovers = leftovers |> Array.truncate 10
              Point = point
              Direction = direction }
    }

/// The sum: a regular family (first variables start + i·stride), then `Irregular` terms of the same
/// shape with coefficient 6 at first variables i(i+1)/2 past the regular range (no three evenly spaced,
/// so no family; past the range so that no irregular term merges with a regular one into one term of
/// coefficient c + 6), then leftover terms with coefficient 7 at arbitrary first variables (fewer than
/// a family's minimum, of another shape).
let internal build (c: Case) =
    let n = c.Point.Length
    let names = Array.init n (sprintf "x%d")
    let x = names |> Array.map Expr.symbol
    let regular = Array.init c.Count (fun i -> term x c.Shape (c.Start + i * c.Stride) c.Coefficient c.Targets.[i])

    let irregular =
        [| for i in 0 .. c.Irregular - 1 do
               let b = c.Start + c.Stride * (c.Count - 1) + 3 + i * (i + 1) / 2
               if b + 2 < n then yield Expr.mul2 (Expr.ofInt 6) (term x c.Shape b 1 (i % 5)) |]

    // Another shape than the family's, so a leftover never merges with a regular or irregular term.
    let leftovers =
        c.Leftovers |> Array.map (fun (s, b) -> Expr.mul2 (Expr.ofInt 7) (term x ((c.Shape + 1 + s % 3) % 4) (b % (n - 2)) 1 (b % 3)))
    names, Expr.sum (Array.concat [ regular; irregular; leftovers ]), irregular.Length, leftovers.Length

[<Property(MaxTest = 60)>]
let ``loops over cells compute the straight-line value, gradient and H v, and families form only on evenly spaced cells`` () =
    Prop.forAll (Arb.fromGen cases) (fun c ->
        let names, f, irregular, leftovers = build c
        let n = names.Length
        let found = Families.detect names f
        let x = quarters c.Point
        let v = quarters c.Direction
        let straight = runKernel (KernelCompiler.CompileUncached(Lower.valueGradientHessian names [||] false f, true)) x [||]
        let loops = runKernel (FamilyKernels.ValueGradient found) x [||]
        let straightHv = runKernel (KernelCompiler.CompileUncached(Lower.hessianVector names [||] f, true)) x v
        let loopsHv = runKernel (FamilyKernels.HessianVector found) x v
        ignore (irregular, leftovers)
        // Every regular cell is in one family (a target of 0 simplifies its cell's term, which must not
        // cut the run), and nothing else forms one: the irregular terms are not evenly spaced and the
        // leftovers are too few, so the only families are the regular ones. Shape 2 (c·u·w + v³) is
        // flattened into the sum as two terms whose first variables are b and b + 1: two families;
        // the other shapes' pieces all start at b and are fused into one.
        let expected = [ for b in (if c.Shape = 2 then [ c.Start; c.Start + 1 ] else [ c.Start ]) -> b, c.Stride, c.Count ]
        let actual = [ for fam in found.Families -> fam.Start, fam.Stride, fam.Count ] |> List.sort
        ((actual = expected) |> Prop.label (sprintf "families (start, stride, cells) expected %A, found %A" expected actual))
        .&. (allCloseRelative straight loops |> Prop.label "value and gradient")
        .&. (allCloseRelative straightHv loopsHv |> Prop.label "value, gradient and H v")
        |> Prop.label (sprintf "n = %d, families = %d" n found.Families.Length))

[<Fact>]
let ``the Rosenbrock residual loss with targets 0 and 1 among random ones is one family of all its cells, with the hand-derived gradient`` () =
    // r_i = 10(x_{i+1} − x_i²) − t_i for i < n − 1, loss ½Σ r_i²; ∂/∂x_i = −20x_i·r_i + 10·r_{i−1}
    // (THEORY §7, differentiated by hand). The targets differ per cell, so they are gathered per cell.
    let n = 200
    let names = Array.init n (sprintf "x%d")
    let xs = names |> Array.map Expr.symbol
    let outputs = Array.init (n - 1) (sprintf "r%d")
    let simulator = Array.init (n - 1) (fun i -> Expr.mul2 (Expr.ofInt 10) (Expr.sub xs.[i + 1] (Expr.pow xs.[i] Expr.two)))
    // Random targets in [−2, 2) (a fixed seed), with 0 at every 5th cell and 1 at every 7th on purpose:
    // those cells' terms simplify when built ((r − 0)² = r², and ½·(10·s)² becomes 50·s²) and still
    // belong to the family.
    let random = Random(14)
    let targets =
        Array.init (n - 1) (fun i ->
            if i % 5 = 0 then 0.0
            elif i % 7 = 0 then 1.0
            else float (random.Next(-8, 8)) / 4.0)
    let problem = CompiledProblem(names, simulator, outputs, Problem.DefaultLoss(outputs, targets))
    let composite = Structure.substitute (readOnlyDict (Array.map2 (fun o s -> Expr.symbol o, s) outputs simulator)) (Problem.DefaultLoss(outputs, targets))
    let found = Families.detect names composite
    // All n − 1 residual terms are one family over cells 0 … n − 2 (stride 1), nothing is left over.
    Assert.Equal(1, found.Families.Length)
    Assert.Equal(n - 1, found.Families.[0].Count)
    Assert.Equal(1, found.Families.[0].Stride)
    Assert.Equal(0, found.RestTermCount)
    let x = Array.init n (fun i -> float (i % 5 - 2) / 2.0)
    let g = Array.zeroCreate n
    let value = problem.ValueGradient(x, g)
    let r = Array.init (n - 1) (fun i -> 10.0 * (x.[i + 1] - x.[i] * x.[i]) - targets.[i])
    Assert.Equal(0.5 * Array.sumBy (fun v -> v * v) r, value, 9)
    for i in 0 .. n - 1 do
        let own = if i < n - 1 then -20.0 * x.[i] * r.[i] else 0.0
        let previous = if i > 0 then 10.0 * r.[i - 1] else 0.0
        Assert.Equal(own + previous, g.[i], 9)

[<Fact>]
let ``terms of one shape at irregularly spaced first variables form no family`` () =
    // 20 terms (x_b x_{b+1} − t)² at b = i(i+1)/2: the gaps 1, 2, 3, … are all different, so no run of
    // evenly spaced cells is longer than 2 and every term stays in the rest (MinCells = 16).
    let count = 20
    let n = count * (count + 1) / 2 + 2
    let xs = Array.init n (sprintf "x%d") |> Array.map Expr.symbol
    let f = Expr.sum (Array.init count (fun i -> term xs 1 (i * (i + 1) / 2) 1 (i % 5)))
    let found = Families.detect (Array.init n (sprintf "x%d")) f
    Assert.Empty(found.Families)
    Assert.Equal(count, found.RestTermCount)
