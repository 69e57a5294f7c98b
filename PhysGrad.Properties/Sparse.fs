/// Sparse derivatives: the Jacobian and Hessian kernels that write only the structural nonzeros
/// (patterns from the lowered program's graph) agree with the dense matrices, have the hand-counted
/// patterns of the Rosenbrock residuals and the heat stencil, grow linearly, refresh in place, and
/// print in coordinate form through `diff` and `eval`.
module PhysGrad.Properties.Sparse

open System
open System.IO
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Numerics
open PhysGrad.Symbolic
open PhysGrad.Properties.Generators
open PhysGrad.Properties.TestHelpers
open PhysGrad.Properties.TestHelpers.TwoOutputs

/// Two random outputs over x, y, z and a point.
let private cases = Arb.zip (Arb.zip (terms, terms), points)

/// The sparse matrix agrees with the dense one (n columns, row by row) inside its pattern, and the dense
/// one is exactly 0 outside it (a structural zero of the graph is a zero of the derivative).
let private sameAsDense (scale: float) (sparse: CsrMatrix) (dense: float[]) =
    let expanded = sparse.ToDense()

    Array.forall2
        (fun (k: int) (d: float) ->
            let r, c = k / sparse.Columns, k % sparse.Columns

            if sparse.Pattern.IndexOf(r, c) < 0 then d = 0.0 else agree scale expanded.[k] d)
        (Array.init dense.Length id)
        dense

[<Property(MaxTest = 200, EndSize = 12)>]
let ``the sparse Jacobian equals the dense Jacobian, which is 0 outside the pattern`` () =
    Prop.forAll cases (fun ((t1, t2), x) -> unlessConstantsOverflow (fun () ->
        let fs = [| toExpr t1; toExpr t2 |]
        let problem = problemOf t1 t2
        let y = Array.zeroCreate 2
        let j = Array.zeroCreate 6
        problem.Simulate(x, y, j)
        let sparse = CsrMatrix(problem.SparseJacobianPattern())
        let ys = Array.zeroCreate 2
        problem.SparseJacobian(x, ys, sparse)

        let scale =
            max (scaleOf (Lower.sparseJacobian variableNames [||] fs) x [||]) (scaleOf (Lower.valueJacobian variableNames [||] fs) x [||])

        (not (Array.forall finite j && Array.forall finite y) || not (comparable t1 t2 x scale)
         || overflows (Lower.sparseJacobian variableNames [||] fs) x [||]
         || overflows (Lower.valueJacobian variableNames [||] fs) x [||]
         || (sameAsDense scale sparse j && Array.forall2 (agree scale) ys y))
        |> Prop.label (
            sprintf "P = [%s; %s] at %A: sparse %A (%O), dense %A (scale %g)" (string t1) (string t2) x (sparse.ToDense()) sparse.Pattern j scale
        )))

[<Property(MaxTest = 200, EndSize = 10)>]
let ``the sparse Hessian equals the dense Hessian, with the same value and gradient`` () =
    Prop.forAll cases (fun ((t1, t2), x) -> unlessConstantsOverflow (fun () ->
        let problem = problemOf t1 t2
        let gradient = Array.zeroCreate 3
        let hessian = Array.zeroCreate 9
        let value = problem.LossInX(x, gradient, hessian)
        let sparse = CsrMatrix(problem.SparseHessianPattern())
        let g = Array.zeroCreate 3
        let valueSparse = problem.SparseHessian(x, g, sparse)
        // L(P(x)) as CompiledProblem forms it: the outputs substituted into the loss.
        let composite = Structure.substituteNames [ "y0", toExpr t1; "y1", toExpr t2 ] loss

        let scale =
            max
                (scaleOf (Lower.sparseHessian variableNames [||] composite) x [||])
                (scaleOf (Lower.valueGradientHessian variableNames [||] true composite) x [||])

        (not (Array.forall finite hessian && Array.forall finite gradient && finite value)
         || not (comparable t1 t2 x scale)
         || overflows (Lower.sparseHessian variableNames [||] composite) x [||]
         || overflows (Lower.valueGradientHessian variableNames [||] true composite) x [||]
         || (agree scale valueSparse value && Array.forall2 (agree scale) g gradient && sameAsDense scale sparse hessian))
        |> Prop.label (
            sprintf "P = [%s; %s] at %A: sparse %A (%O), dense %A (scale %g)" (string t1) (string t2) x (sparse.ToDense()) sparse.Pattern hessian scale
        )))

/// THEORY §7's Rosenbrock residuals yᵢ = 10(xᵢ₊₁ − xᵢ²) (i < n − 1), yₙ₋₁ = 1 − x₀, loss ½‖y‖².
let private residualProblem (n: int) =
    let names = Array.init n (sprintf "x%d")
    let x = names |> Array.map Expr.symbol

    let ys =
        [| for i in 0 .. n - 2 -> Expr.mul2 (Expr.ofInt 10) (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two))
           yield Expr.sub Expr.one x.[0] |]

    let outputs = Array.init n (sprintf "y%d")
    let l = Expr.mul2 (Expr.half) (Expr.sum (outputs |> Seq.map (fun o -> Expr.pow (Expr.symbol o) Expr.two)))
    CompiledProblem(names, ys, outputs, l)

/// The (row, column) pairs of a pattern.
let private cells (p: SparsityPattern) =
    [ for i in 0 .. p.Rows - 1 do
          for k in p.RowPointers.[i] .. p.RowPointers.[i + 1] - 1 -> i, p.ColumnIndices.[k] ]

[<Fact>]
let ``the Rosenbrock residuals' Jacobian has 2n − 1 nonzeros and its Hessian 3n − 2, at the hand-derived places and values`` () =
    for n in [ 2; 5; 50 ] do
        let problem = residualProblem n
        let jp = problem.SparseJacobianPattern()
        // Row i < n − 1 has ∂/∂xᵢ = −20xᵢ and ∂/∂xᵢ₊₁ = 10; row n − 1 has ∂/∂x₀ = −1: 2(n − 1) + 1.
        Assert.Equal(2 * n - 1, jp.NonZeroCount)
        Assert.Equal<(int * int) list>([ for i in 0 .. n - 2 do yield (i, i); yield (i, i + 1) ] @ [ (n - 1, 0) ], cells jp)
        // ½‖y‖²'s Hessian JᵀJ + Σ yᵢ∇²yᵢ couples xᵢ with xᵢ₊₁ only: tridiagonal, n + 2(n − 1) entries.
        let hp = problem.SparseHessianPattern()
        Assert.Equal(3 * n - 2, hp.NonZeroCount)
        Assert.True(cells hp |> List.forall (fun (i, j) -> abs (i - j) <= 1))
        let x = Array.init n (fun i -> 0.5 + 0.1 * float i)
        let j = CsrMatrix(jp)
        problem.SparseJacobian(x, Array.zeroCreate n, j)

        for i in 0 .. n - 2 do
            Assert.Equal(-20.0 * x.[i], j.[i, i], 12)
            Assert.Equal(10.0, j.[i, i + 1])

        Assert.Equal(-1.0, j.[n - 1, 0])
        // Hessian row 0 by hand: ∂²/∂x₀² of ½(100(x₁ − x₀²)² + (1 − x₀)²) = 1200x₀² − 400x₁ + 1 (the ½ halves 2·…).
        let h = CsrMatrix(hp)
        problem.SparseHessian(x, Array.zeroCreate n, h) |> ignore
        Assert.Equal(600.0 * x.[0] * x.[0] - 200.0 * x.[1] + 1.0, h.[0, 0], 10)
        Assert.Equal(-200.0 * x.[0], h.[0, 1], 10)
        Assert.Equal(h.[0, 1], h.[1, 0], 12)

/// One explicit step of the 1-D heat equation, yᵢ = xᵢ + ν(xᵢ₋₁ − 2xᵢ + xᵢ₊₁) with ν = 1/4, at the
/// boundary either Dirichlet (x₋₁ = xₙ = 0) or periodic (x₋₁ = xₙ₋₁, xₙ = x₀).
let private heat (n: int) (periodic: bool) =
    let names = Array.init n (sprintf "u%d")
    let x = names |> Array.map Expr.symbol
    let nu = Expr.fraction 1 4

    let at k =
        if k >= 0 && k < n then x.[k]
        elif periodic then x.[(k + n) % n]
        else Expr.zero

    let ys =
        Array.init n (fun i ->
            Expr.add x.[i] (Expr.mul2 nu (Expr.sum [ at (i - 1); Expr.mul2 (Expr.ofInt -2) x.[i]; at (i + 1) ])))

    names, ys

[<Fact>]
let ``the 1-D three-point heat stencil's Jacobian has 3n − 2 nonzeros with Dirichlet ends and 3n periodic`` () =
    for n in [ 3; 10; 200 ] do
        let names, ys = heat n false
        let p = (Lower.sparseJacobian names [||] ys).Block("jacobian").Pattern
        // Interior rows have three entries, the two end rows two: 3n − 2.
        Assert.Equal(3 * n - 2, p.NonZeroCount)
        Assert.True(cells p |> List.forall (fun (i, j) -> abs (i - j) <= 1))
        let names, ys = heat n true
        let p = (Lower.sparseJacobian names [||] ys).Block("jacobian").Pattern
        // Every row has three entries (for n ≥ 3 the wrapped neighbours are distinct): 3n.
        Assert.Equal(3 * n, p.NonZeroCount)
        // And the values: 1 − 2ν = 1/2 on the diagonal, ν = 1/4 at both neighbours, wrapped at the ends.
        let program = Lower.sparseJacobian names [||] ys
        let kernel = KernelCompiler.Compile program
        let out = Array.zeroCreate kernel.OutputCount
        kernel.Evaluate(Array.init n float, out)
        let j = CsrMatrix(p)
        Array.blit out n j.Values 0 p.NonZeroCount
        Assert.Equal(0.5, j.[0, 0])
        Assert.Equal(0.25, j.[0, n - 1])
        Assert.Equal(0.25, j.[n - 1, 0])

[<Fact>]
let ``the sparse programs name and shape their blocks`` () =
    let names, ys = heat 4 false
    let blocks = (Lower.sparseJacobian names [||] ys).Blocks
    Assert.Equal<string list>([ "values"; "jacobian" ], [ for b in blocks -> b.Name ])
    Assert.Equal((4, 1, 0, false), (blocks.[0].Rows, blocks.[0].Columns, blocks.[0].Offset, blocks.[0].IsSparse))
    Assert.Equal((4, 4, 4, true, 10), (blocks.[1].Rows, blocks.[1].Columns, blocks.[1].Offset, blocks.[1].IsSparse, blocks.[1].Length))
    let h = (Lower.sparseHessian names [||] (Expr.sum (ys |> Seq.map (fun y -> Expr.pow y Expr.two)))).Blocks
    Assert.Equal<string list>([ "value"; "gradient"; "hessian" ], [ for b in h -> b.Name ])
    Assert.Equal(5, h.[2].Offset)
    // A dense program says it is one vector of outputs.
    let dense = (Lower.program names [||] ys).Blocks
    Assert.Equal((1, "outputs", 4, false), (dense.Length, dense.[0].Name, dense.[0].Rows, dense.[0].IsSparse))

[<Fact>]
let ``the sparse Hessian program grows linearly in n and never compiles the dense matrices`` () =
    let size n =
        let names = Array.init n (sprintf "x%d")
        let x = names |> Array.map Expr.symbol

        let f =
            Expr.sum [ for i in 0 .. n - 2 -> Expr.pow (Expr.mul2 (Expr.ofInt 10) (Expr.sub x.[i + 1] (Expr.pow x.[i] Expr.two))) Expr.two ]

        (Lower.sparseHessian names [||] f).Instructions.Length

    let c100, c200, c400 = size 100, size 200, size 400
    Assert.True(c200 <= int (2.05 * float c100) && c400 <= int (2.05 * float c200), sprintf "instructions at n = 100, 200, 400: %d, %d, %d" c100 c200 c400)
    let problem = residualProblem 300
    let x = Array.create 300 0.7
    problem.SparseHessian(x, Array.zeroCreate 300, CsrMatrix(problem.SparseHessianPattern())) |> ignore
    problem.SparseJacobian(x, Array.zeroCreate 300, CsrMatrix(problem.SparseJacobianPattern()))
    let compiled = problem.Compiled
    Assert.True(compiled.HasFlag Capabilities.SparseHessian && compiled.HasFlag Capabilities.SparseJacobian)
    Assert.False(compiled.HasFlag Capabilities.Hessian || compiled.HasFlag Capabilities.Jacobian, string compiled)

[<Fact>]
let ``refreshing a sparse matrix allocates nothing and a matrix of another pattern is refused`` () =
    let problem = residualProblem 100
    let j = CsrMatrix(problem.SparseJacobianPattern())
    let h = CsrMatrix(problem.SparseHessianPattern())
    let x = Array.create 100 0.3
    let y = Array.zeroCreate 100
    let g = Array.zeroCreate 100
    problem.SparseJacobian(x, y, j)
    problem.SparseHessian(x, g, h) |> ignore
    Assert.Equal(
        0L,
        allocatedIn 10 (fun () ->
            problem.SparseJacobian(x, y, j)
            problem.SparseHessian(x, g, h) |> ignore)
    )
    let e = Assert.Throws<ArgumentException>(fun () -> problem.SparseJacobian(x, y, h))
    Assert.Contains("pattern", e.Message)

[<Fact>]
let ``a CSR matrix multiplies, transposes and converts like its dense form`` () =
    // [[1, 0, 2], [0, 0, 0], [0, 3, 4]] by hand.
    let p = SparsityPattern(3, 3, [| 0; 2; 2; 4 |], [| 0; 2; 1; 2 |])
    let a = CsrMatrix(p)
    Array.blit [| 1.0; 2.0; 3.0; 4.0 |] 0 a.Values 0 4
    Assert.Equal<float[]>([| 1.0; 0.0; 2.0; 0.0; 0.0; 0.0; 0.0; 3.0; 4.0 |], a.ToDense())
    let r = Array.zeroCreate 3
    a.Multiply(ReadOnlySpan [| 1.0; 10.0; 100.0 |], Span r)
    Assert.Equal<float[]>([| 201.0; 0.0; 430.0 |], r)
    a.TransposeMultiply(ReadOnlySpan [| 1.0; 10.0; 100.0 |], Span r)
    Assert.Equal<float[]>([| 1.0; 300.0; 402.0 |], r)
    let m = a.ToMathNet()
    Assert.Equal(4.0, m.[2, 2])
    Assert.Equal(0.0, m.[1, 1])
    Assert.Equal<(int * int * float) list>([ (0, 0, 1.0); (0, 2, 2.0); (2, 1, 3.0); (2, 2, 4.0) ], [ for (i, j, v) in a.Entries() -> i, j, v ])
    // Columns out of order are a shape error, not a silent wrong matrix.
    Assert.Throws<SymbolicException>(fun () -> SparsityPattern(1, 3, [| 0; 2 |], [| 2; 1 |]) |> ignore) |> ignore

// ---- The CLI's coordinate form ----

/// Rosenbrock of four variables, f = Σᵢ₌₀² 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)².
let private rosenbrock4 =
    "100*(x1 - x0^2)^2 + (1 - x0)^2 + 100*(x2 - x1^2)^2 + (1 - x1)^2 + 100*(x3 - x2^2)^2 + (1 - x2)^2"

/// Its Hessian at (1, 1, 1, 1), by hand: ∂²f/∂x₀² = 1200x₀² − 400x₁ + 2 = 802; for 0 < i < 3 the term
/// before adds 200: 200 + 1200 − 400 + 2 = 1002; ∂²f/∂x₃² = 200; ∂²f/∂xᵢ∂xᵢ₊₁ = −400xᵢ = −400; every
/// other entry is a structural 0 (3n − 2 = 10 nonzeros).
let private hessianAtOnes =
    [ (0, 0, 802.0); (0, 1, -400.0)
      (1, 0, -400.0); (1, 1, 1002.0); (1, 2, -400.0)
      (2, 1, -400.0); (2, 2, 1002.0); (2, 3, -400.0)
      (3, 2, -400.0); (3, 3, 200.0) ]

[<Fact>]
let ``diff --sparse --format json gives the Hessian's 3n − 2 nonzeros in coordinate form`` () =
    let code, out, err =
        Cli.run [ "diff"; "-f"; rosenbrock4; "--order"; "2"; "--at"; "1,1,1,1"; "--format"; "json"; "--sparse" ]

    Assert.True((code = 0), err)
    let root = JsonDocument.Parse(out).RootElement
    Assert.Equal<int list>([ 4; 4 ], [ for v in root.GetProperty("hessianShape").EnumerateArray() -> v.GetInt32() ])
    Assert.Equal(10, root.GetProperty("hessianEntries").GetArrayLength())
    Assert.False(root.TryGetProperty("hessian") |> fst, "no dense Hessian next to the entries")

    let at =
        [ for e in root.GetProperty("hessianAtEntries").EnumerateArray() ->
              e.GetProperty("row").GetInt32(), e.GetProperty("column").GetInt32(), e.GetProperty("value").GetDouble() ]

    Assert.Equal<(int * int * float) list>(hessianAtOnes, at)

[<Fact>]
let ``diff --format csv is the coordinate form: every Hessian entry dense, the nonzeros with --sparse`` () =
    let lines args =
        let code, out, err = Cli.run ([ "diff"; "-f"; rosenbrock4; "--order"; "2"; "--at"; "1,1,1,1"; "--format"; "csv" ] @ args)
        Assert.True((code = 0), err)
        out.Split('\n', StringSplitOptions.RemoveEmptyEntries)

    let dense = lines []
    let sparse = lines [ "--sparse" ]
    Assert.Equal("quantity,row,column,expression,value,undefinedBecause", sparse.[0])
    // Header, f, four gradient entries, then 16 Hessian entries dense or 10 sparse.
    Assert.Equal(1 + 1 + 4 + 16, dense.Length)
    Assert.Equal(1 + 1 + 4 + 10, sparse.Length)
    // At the minimum (1, 1, 1, 1) the value and the gradient are 0.
    Assert.StartsWith("f,,,", sparse.[1])
    // The value, then the empty undefinedBecause (every value is defined at the minimum).
    Assert.EndsWith(",0,", sparse.[1])

    let hessian =
        [ for l in sparse |> Array.filter (fun l -> l.StartsWith "hessian,") ->
              let p = l.Split(',')
              int p.[1], int p.[2], float p.[p.Length - 2] ]

    Assert.Equal<(int * int * float) list>(hessianAtOnes, hessian)
    Assert.Contains("hessian,0,2,0,0,", dense)

[<Fact>]
let ``eval --sparse writes each point's value, gradient and Hessian nonzeros one per line`` () =
    let file = Path.GetTempFileName()

    try
        File.WriteAllText(file, "x0,x1,x2,x3\n1,1,1,1\n0,0,0,0\n")
        let code, out, err = Cli.run [ "eval"; "-f"; rosenbrock4; "--order"; "2"; "--points"; file; "--sparse" ]
        Assert.True((code = 0), err)
        let lines = out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        Assert.Equal("point,quantity,row,column,value", lines.[0])
        // Two points of 1 + 4 + 10 lines each.
        Assert.Equal(1 + 2 * 15, lines.Length)
        // The points are 0 and 1, from 0 as rows and columns are (the file's lines 2 and 3; line 1 names the columns).
        let at2 =
            [ for l in lines |> Array.filter (fun l -> l.StartsWith "0,hessian,") ->
                  let p = l.Split(',')
                  int p.[2], int p.[3], float p.[4] ]

        Assert.Equal<(int * int * float) list>(hessianAtOnes, at2)
        // At 0: f = 3 (each (1 − xᵢ)² is 1), ∂f/∂x₀ = −2, and ∂²f/∂x₀² = 2 (1200x₀² − 400x₁ + 2).
        Assert.Contains("1,f,,,3", lines)
        Assert.Contains("1,gradient,0,,-2", lines)
        Assert.Contains("1,hessian,0,0,2", lines)
    finally
        File.Delete file

[<Fact>]
let ``diff --sparse in infix lists the upper triangle's nonzeros and the values at the point, and both helps say so`` () =
    let code, out, err = Cli.run [ "diff"; "-f"; rosenbrock4; "--order"; "2"; "--at"; "1,1,1,1"; "--sparse" ]
    Assert.True((code = 0), err)
    Assert.Contains("hessian (4×4, 10 structural nonzeros; symmetric, upper triangle):", out)
    Assert.DoesNotContain("d2f/dx0dx2", out)
    Assert.Contains("(1, 1) = 1002", out)
    Assert.Contains("(3, 2) = -400", out)

    for command in [ "diff"; "eval" ] do
        let _, help, _ = Cli.run [ command; "--help" ]
        Assert.Contains("--sparse", help)
        Assert.Contains("structural nonzeros", TestHelpers.unwrapped help)
