/// A simulator's Jacobian ∂P/∂x (and the Hessian of L(P(x))) printed at a point: dense, or with --sparse as
/// the structural nonzeros of the compiled sparse kernels in coordinate form, through the façade
/// (PhysicsProblem.DerivativesAt, SimulatorBatchEvaluation) and `diff`/`eval` in every format.
module PhysGrad.Properties.SparseJacobianOutput

open System
open System.IO
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Cli

let private run (args: string list) =
    use out = new StringWriter()
    use err = new StringWriter()
    let code = CliApp.Run(Array.ofList args, out, err)
    code, out.ToString(), err.ToString()

let private variables = [| "x0"; "x1"; "x2"; "x3" |]

/// One monomial c·xa^p·xb^q with a small integer coefficient and powers 1 or 2.
let private monomial =
    gen {
        let! c = Gen.elements [ -5; -3; -2; -1; 1; 2; 3; 5 ]
        let! a = Gen.choose (0, 3)
        let! b = Gen.choose (0, 3)
        let! p = Gen.choose (1, 2)
        let! q = Gen.choose (1, 2)
        return $"{c}*x{a}^{p}*x{b}^{q}"
    }

/// One to three random polynomial components (each touching a few variables, so J has structural zeros),
/// then x0 + x1 + x2 + x3 so that every variable appears; an integer point and an integer target. With
/// integers this small every value and derivative is an integer far below 2^53, so both kernels compute
/// them exactly and the comparison can be exact.
let private cases =
    gen {
        let! m = Gen.choose (1, 3)
        let! components = Gen.arrayOfLength m (Gen.choose (1, 3) |> Gen.bind (fun k -> Gen.arrayOfLength k monomial))
        let! x = Gen.arrayOfLength 4 (Gen.choose (-2, 2))
        let! target = Gen.arrayOfLength (m + 1) (Gen.choose (-3, 3))
        let text = (components |> Array.map (String.concat " + ") |> String.concat "; ") + "; x0 + x1 + x2 + x3"
        return text, Array.map float x, Array.map float target
    }
    |> Arb.fromGen

/// The coordinate form holds exactly the dense matrix: each listed entry has the dense value, no entry
/// is listed twice, and every entry not listed is 0 in the dense matrix.
let private sameAsDense (dense: float[,]) (entries: MatrixEntry seq) =
    let listed = Collections.Generic.HashSet<int * int>()

    let inside =
        entries
        |> Seq.forall (fun e -> listed.Add((e.Row, e.Column)) && dense.[e.Row, e.Column] = e.Value)

    let outside =
        seq {
            for i in 0 .. Array2D.length1 dense - 1 do
                for j in 0 .. Array2D.length2 dense - 1 do
                    if not (listed.Contains((i, j))) then
                        yield dense.[i, j] = 0.0
        }
        |> Seq.forall id

    inside && outside

[<Property(MaxTest = 25, EndSize = 10)>]
let ``the sparse Jacobian and Hessian at a point are the dense ones' entries, and the dense ones are 0 elsewhere`` () =
    Prop.forAll cases (fun (text, x, target) ->
        let problem = PhysicsProblem.FromText(text, target = target, variables = variables)
        let dense = problem.DerivativesAt(x, 2, false)
        let sparse = problem.DerivativesAt(x, 2, true)

        (sameAsDense dense.JacobianAt sparse.JacobianAtNonZeros |> Prop.label "jacobian")
        .&. (sameAsDense dense.HessianAt sparse.HessianAtNonZeros |> Prop.label "hessian")
        .&. (Seq.forall2 (=) dense.Y sparse.Y |> Prop.label "y")
        .&. (Seq.forall2 (=) dense.GradientAt sparse.GradientAt |> Prop.label "gradient")
        .&. (dense.Loss = sparse.Loss |> Prop.label "loss"))

// The hand example of every CLI test: P(x) = (x0²·x1, x1 + 3·x2) at x = (1, 2, 3), target (0, 0).
//   y = (1·2, 2 + 9) = (2, 11)
//   J = [[2·x0·x1, x0², 0], [0, 1, 3]] = [[4, 1, 0], [0, 1, 3]]: structural nonzeros (0,0) (0,1) (1,1) (1,2)
//   L = ½(2² + 11²) = 62.5, ∇L = Jᵀ(y − y*) = (4·2, 1·2 + 1·11, 3·11) = (8, 13, 33)
//   ∇²L = JᵀJ + (y0 − 0)·∇²P0 = [[16, 4, 0], [4, 2, 3], [0, 3, 9]] + 2·[[2·x1, 2·x0, 0], [2·x0, 0, 0], [0, 0, 0]]
//       = [[24, 8, 0], [8, 2, 3], [0, 3, 9]]; (0,2) is a structural zero (no output depends on both x0 and x2).
let private simulator = "x0^2*x1; x1 + 3*x2"
let private jacobian = [ (0, 0, 4.0); (0, 1, 1.0); (1, 1, 1.0); (1, 2, 3.0) ]
let private hessian = [ (0, 0, 24.0); (0, 1, 8.0); (1, 0, 8.0); (1, 1, 2.0); (1, 2, 3.0); (2, 1, 3.0); (2, 2, 9.0) ]

[<Fact>]
let ``diff --simulator prints y and the dense Jacobian as text`` () =
    let code, out, err = run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3" ]
    Assert.Equal("", err)
    Assert.Equal(0, code)
    Assert.Contains("y = [2, 11]", out)
    Assert.Contains("jacobian (2×3) = [[4, 1, 0], [0, 1, 3]]", out)

[<Fact>]
let ``diff --simulator --sparse lists J's and the Hessian's structural nonzeros as text`` () =
    let code, out, err =
        run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3"; "--sparse"; "--order"; "2"; "--target"; "0,0" ]

    Assert.Equal("", err)
    Assert.Equal(0, code)
    Assert.Contains("jacobian (2×3, 4 structural nonzeros)", out)

    for (i, j, v) in jacobian @ hessian do
        Assert.Contains($"    ({i}, {j}) = {v}", out)

    Assert.DoesNotContain("(0, 2) =", out)
    Assert.Contains("loss = 62.5", out)
    Assert.Contains("gradient = [8, 13, 33]", out)
    Assert.Contains("hessian (3×3, 7 structural nonzeros)", out)

let private entries (root: JsonElement) (name: string) =
    [ for e in root.GetProperty(name).EnumerateArray() ->
          e.GetProperty("row").GetInt32(), e.GetProperty("column").GetInt32(), e.GetProperty("value").GetDouble() ]

[<Fact>]
let ``diff --simulator --sparse --format json has the Hessian's field names for J`` () =
    let code, out, _ =
        run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3"; "--sparse"; "--order"; "2"; "--target"; "0,0"; "--format"; "json" ]

    Assert.Equal(0, code)
    let root = (JsonDocument.Parse out).RootElement
    Assert.Equal<int list>([ 2; 3 ], [ for v in root.GetProperty("jacobianShape").EnumerateArray() -> v.GetInt32() ])
    Assert.Equal<(int * int * float) list>(jacobian, entries root "jacobianAtEntries")
    Assert.Equal<int list>([ 3; 3 ], [ for v in root.GetProperty("hessianShape").EnumerateArray() -> v.GetInt32() ])
    Assert.Equal<(int * int * float) list>(hessian, entries root "hessianAtEntries")
    Assert.Equal<float list>([ 2.0; 11.0 ], [ for v in root.GetProperty("yAt").EnumerateArray() -> v.GetDouble() ])
    Assert.Equal(62.5, root.GetProperty("lossAt").GetDouble())
    Assert.False(root.TryGetProperty("jacobianAt", ref Unchecked.defaultof<JsonElement>))

[<Fact>]
let ``diff --simulator --format json without --sparse gives the dense Jacobian`` () =
    let code, out, _ = run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3"; "--format"; "json" ]
    Assert.Equal(0, code)
    let root = (JsonDocument.Parse out).RootElement

    let rows =
        [ for r in root.GetProperty("jacobianAt").EnumerateArray() -> [ for v in r.EnumerateArray() -> v.GetDouble() ] ]

    Assert.Equal<float list list>([ [ 4.0; 1.0; 0.0 ]; [ 0.0; 1.0; 3.0 ] ], rows)

[<Fact>]
let ``diff --simulator --sparse --format csv is quantity,row,column,value with J's nonzeros only`` () =
    let code, out, _ = run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3"; "--sparse"; "--format"; "csv" ]
    Assert.Equal(0, code)

    let expected =
        // The last column is empty: every value is defined here.
        [ "quantity,row,column,value,undefinedBecause"; "y,0,,2,"; "y,1,,11," ]
        @ [ for (i, j, v) in jacobian -> $"jacobian,{i},{j},{v}," ]

    Assert.Equal<string list>(expected, out.TrimEnd().Split('\n') |> List.ofArray)

[<Fact>]
let ``eval --simulator writes dense rows, and --sparse the coordinate form per point`` () =
    let path = Path.GetTempFileName()

    try
        // Point 0 (line 2) is the hand example; point 1 (line 3) is x = (0, 1, 0): y = (0, 1), J = [[0, 0, 0], [0, 1, 3]].
        File.WriteAllText(path, "x0,x1,x2\n1,2,3\n0,1,0\n")
        let code, out, _ = run [ "eval"; "--simulator"; simulator; "--points"; path ]
        Assert.Equal(0, code)

        Assert.Equal<string list>(
            [ "x0,x1,x2,y0,y1,dy0/dx0,dy0/dx1,dy0/dx2,dy1/dx0,dy1/dx1,dy1/dx2"
              "1,2,3,2,11,4,1,0,0,1,3"
              "0,1,0,0,1,0,0,0,0,1,3" ],
            out.TrimEnd().Split('\n') |> List.ofArray
        )

        let code, out, _ =
            run [ "eval"; "--simulator"; simulator; "--points"; path; "--sparse"; "--order"; "2"; "--target"; "0,0" ]

        Assert.Equal(0, code)
        let lines = out.TrimEnd().Split('\n')
        Assert.Equal("point,quantity,row,column,value", lines.[0])

        for (i, j, v) in jacobian do
            Assert.Contains($"0,jacobian,{i},{j},{v}", lines)

        for (i, j, v) in hessian do
            Assert.Contains($"0,hessian,{i},{j},{v}", lines)

        // At (0, 1, 0): L = ½(0² + 1²) = 0.5; J's pattern is the same, with 0 at (0,0) and (0,1).
        Assert.Contains("1,loss,,,0.5", lines)
        Assert.Contains("1,jacobian,0,0,0", lines)
        Assert.Equal(2 * (2 + 4 + 1 + 3 + 7) + 1, lines.Length)
    finally
        File.Delete path

[<Fact>]
let ``a simulator's dense Jacobian over a million entries is refused, naming --sparse`` () =
    // heat1d at n = 1001: J is 1001 × 1001 = 1,002,001 entries, over the limit of 1,000,000.
    let code, _, err = run [ "diff"; "--example"; "heat1d"; "--n"; "1001" ]
    Assert.Equal(2, code)
    Assert.Contains("1,002,001 entries", err)
    Assert.Contains("--sparse", err)

[<Fact>]
let ``diff refuses a function and a simulator together, a simulator's options with a function, and formulas of a simulator`` () =
    let code, _, err = run [ "diff"; "-f"; "x^2"; "--simulator"; simulator; "--at"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("not both", err)
    let code, _, err = run [ "diff"; "-f"; "x^2"; "--target"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains("--target", err)
    let code, _, err = run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3"; "--format"; "latex" ]
    Assert.Equal(2, code)
    Assert.Contains("text, json or csv", err)
    let code, _, err = run [ "diff"; "--simulator"; simulator; "--at"; "1,2,3"; "--order"; "2" ]
    Assert.Equal(2, code)
    Assert.Contains("no loss", err)
    let code, _, err = run [ "diff"; "--simulator"; simulator ]
    Assert.Equal(2, code)
    Assert.Contains("--at", err)

[<Fact>]
let ``the example heat1d's sparse Jacobian is the 9-point stencil of four heat steps`` () =
    // Four steps of y_i = r·x_{i−1} + (1 − 2r)·x_i + r·x_{i+1}, r = 0.2, periodic: row i of J is the
    // stencil (r, 1 − 2r, r) applied four times, nonzero at i − 4 … i + 4 (all coefficients positive), so
    // 9n entries for n ≥ 9. Its centre is the z⁰ coefficient of (0.2/z + 0.6 + 0.2z)⁴:
    // 0.6⁴ + 12·0.2²·0.6² + 6·0.2⁴ = 0.1296 + 0.1728 + 0.0096 = 0.312; each row sums to (0.2 + 0.6 + 0.2)⁴ = 1.
    let n = 50
    let problem = ReferenceProblems.Create("heat1d", n)
    let r = problem.DerivativesAt(problem.Start, 1, true)
    Assert.Equal(9 * n, r.JacobianAtNonZeros.Count)
    Assert.Null(r.JacobianAt)

    for e in r.JacobianAtNonZeros do
        let d = (e.Column - e.Row + n) % n
        Assert.True(d <= 4 || d >= n - 4, $"entry ({e.Row}, {e.Column}) is outside the stencil")

    let centre = r.JacobianAtNonZeros |> Seq.find (fun e -> e.Row = 7 && e.Column = 7)
    Assert.Equal(0.312, centre.Value, 12)

    for i in 0 .. n - 1 do
        let sum = r.JacobianAtNonZeros |> Seq.filter (fun e -> e.Row = i) |> Seq.sumBy (fun e -> e.Value)
        Assert.Equal(1.0, sum, 12)

[<Fact>]
let ``at n = 20000 the sparse Jacobian comes from the sparse kernel: 3n entries, no dense matrix`` () =
    // One periodic step y_i = 0.2·x_{i−1} + 0.6·x_i + 0.2·x_{i+1} in the indexed form: J has 3 entries a
    // row, 3n in all. A dense J would be n² = 4·10⁸ doubles (3.2 GB); the bound below is a tenth of it.
    let n = 20000
    let problem =
        PhysicsProblem.FromText($"0.2*x[i-1] + 0.6*x[i] + 0.2*x[i+1] for i in 0..{n - 1} periodic")

    let x = Array.init n (fun i -> float (i % 7))
    let before = GC.GetAllocatedBytesForCurrentThread()
    let r = problem.DerivativesAt(x, 1, true)
    let allocated = GC.GetAllocatedBytesForCurrentThread() - before
    Assert.Equal(3 * n, r.JacobianAtNonZeros.Count)
    Assert.True(allocated < int64 n * int64 n * 8L / 10L, $"allocated {allocated} bytes")
    // y_0 = 0.2·x_{n−1} + 0.6·x_0 + 0.2·x_1 with x_i = i mod 7: 0.2·(19999 mod 7 = 0) + 0 + 0.2·1 = 0.2.
    Assert.Equal(0.2, r.Y.[0], 12)
    let row0 = r.JacobianAtNonZeros |> Seq.filter (fun e -> e.Row = 0) |> Seq.map (fun e -> e.Column, e.Value) |> List.ofSeq
    Assert.Equal<(int * float) list>([ (0, 0.6); (1, 0.2); (n - 1, 0.2) ], row0)

[<Fact>]
let ``DerivativesAt refuses a point of the wrong length and a dense Jacobian over the limit, typed`` () =
    let problem = PhysicsProblem.FromText(simulator)
    let e = Assert.Throws<PhysGrad.Symbolic.SymbolicException>(fun () -> problem.DerivativesAt([| 1.0 |]) |> ignore)
    Assert.Equal(PhysGrad.Symbolic.ErrorKind.Shape, e.Kind)
    let wide = PhysicsProblem.FromText("x[i] for i in 0..1000")
    let e = Assert.Throws<PhysGrad.Symbolic.SymbolicException>(fun () -> wide.DerivativesAt(Array.zeroCreate 1001) |> ignore)
    Assert.Equal(PhysGrad.Symbolic.ErrorKind.TooLarge, e.Kind)
