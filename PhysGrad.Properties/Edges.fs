/// Issue 11, the remaining faults at the edges: eval settles special points as diff does, kinks of
/// abs and sign are reported as kinks, a constant function with a point, a symmetric Hessian, and SVG
/// plots without native warnings. Every expected value is written next to its source.
module PhysGrad.Properties.Edges

open System
open System.Diagnostics
open System.IO
open Xunit
open PhysGrad
open PhysGrad.Symbolic

/// Runs `physgrad eval` through the API on one point; returns the header, the row and the notes.
let private eval (f: string) (vars: string[]) (order: int) (point: float list) =
    use input = new StringReader(String.Join(",", point |> List.map (fun x -> x.ToString("R", Globalization.CultureInfo.InvariantCulture))))
    use output = new StringWriter()
    use notes = new StringWriter()
    BatchEvaluation.Run(f, vars, order, input, output, notes) |> ignore
    let lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
    let header = lines.[0].Split(',')
    // An undefined value is the empty field (its reason is in the notes): NaN here, as the API gives it.
    let row = lines.[1].Split(',') |> Array.map (fun s -> if s = "" then nan else Double.Parse(s, Globalization.CultureInfo.InvariantCulture))
    let named = Array.zip header row |> dict
    named, notes.ToString()

let private same (a: float) (b: float) = a = b || (Double.IsNaN a && Double.IsNaN b)

// ---- 1. eval applies the special-point limits ------------------------------------------------------

[<Fact>]
let ``eval settles x^n at (0, 0) as diff does`` () =
    // f(x, 0) = x^0 = 1 for every x: df/dx = 0 and d2f/dxdx = 0 (issue 11, kind 1). The formula
    // n·x^(n−1) is 0·∞ there.
    let row, notes = eval "x^n" [| "x"; "n" |] 2 [ 0.0; 0.0 ]
    Assert.Equal(1.0, row.["f"])
    Assert.Equal(0.0, row.["df/dx"])
    Assert.Equal(0.0, row.["d2f/dxdx"])
    Assert.Contains("point 0 (line 1): df/dx:", notes)
    Assert.Contains("limit", notes)

[<Fact>]
let ``eval gives the zero Hessian of (x^2+y^2)^(3/2) at the origin`` () =
    // f = r³: ∇f = 3r·(x, y), H = 3r·I + 3·x xᵀ/r → 0 as r → 0 (issue 11, kind 2).
    let row, _ = eval "(x^2+y^2)^(3/2)" [| "x"; "y" |] 2 [ 0.0; 0.0 ]
    for k in [ "df/dx"; "df/dy"; "d2f/dxdx"; "d2f/dxdy"; "d2f/dydx"; "d2f/dydy" ] do
        Assert.Equal(0.0, row.[k])

[<Fact>]
let ``eval and diff print the same numbers at every special point of the catalogue`` () =
    // The catalogue's hand values are checked against diff (SpecialPoints.fs); eval must use the same
    // settlement, so every value agrees exactly (NaN with NaN).
    for k in SpecialPoints.catalogue do
        let order = if k.Hessian.IsSome then 2 else 1
        let vars = Array.ofList k.Vars
        let d = Derivatives.Compute(k.F, vars, order, Array.ofList k.At)
        let row, _ = eval k.F vars order k.At
        Assert.True(same d.Value.Value row.["f"], sprintf "%s: f" k.F)
        vars |> Array.iteri (fun i v ->
            Assert.True(same d.GradientAt.[i] row.[$"df/d{v}"], sprintf "%s at %A: df/d%s diff %g, eval %g" k.F k.At v d.GradientAt.[i] row.[$"df/d{v}"]))
        if order = 2 then
            for i in 0 .. vars.Length - 1 do
                for j in 0 .. vars.Length - 1 do
                    let e = $"d2f/d{vars.[i]}d{vars.[j]}"
                    Assert.True(same d.HessianAt.[i, j] row.[e], sprintf "%s at %A: %s diff %g, eval %g" k.F k.At e d.HessianAt.[i, j] row.[e])

// ---- 3. kinks of abs and sign ---------------------------------------------------------------------

[<Fact>]
let ``abs(x) and sqrt(x^2) at 0 are reported alike: no derivative, one-sided -1 and 1`` () =
    // |h|/h = ±1: the one-sided derivatives are −1 from below and 1 from above; sqrt(x²) = |x|.
    for f in [ "abs(x)"; "sqrt(x^2)" ] do
        let r = Derivatives.Compute(f, [| "x" |], 1, [| 0.0 |])
        Assert.True(Double.IsNaN r.GradientAt.[0], sprintf "%s: %g" f r.GradientAt.[0])
        let note = Assert.Single(r.Notes)
        Assert.Equal(PointValueSource.NotDifferentiable, note.Source)
        Assert.Contains("-1 from below, 1 from above", note.Message)
        let row, notes = eval f [| "x" |] 1 [ 0.0 ]
        Assert.True(Double.IsNaN row.["df/dx"])
        Assert.Contains("-1 from below, 1 from above", notes)

[<Fact>]
let ``a convention value at a kink is never printed as a derivative`` () =
    // sign(x) jumps at 0: (sign h − 0)/h = 1/|h| grows, no derivative (the formula d sign/dx = 0 is a
    // convention). x·|x| has f′ = 2|x| → 0 (a limit, both sides) but f″ = 2 sign(x): one-sided −2 and 2.
    // |x − 1| at 1: one-sided −1 and 1. |x|³: f′ = 3x|x| → 0, f″ = 6|x| → 0.
    let s = Derivatives.Compute("sign(x)", [| "x" |], 1, [| 0.0 |])
    Assert.True(Double.IsNaN s.GradientAt.[0])
    Assert.Equal(PointValueSource.NotDifferentiable, (Seq.exactlyOne s.Notes).Source)
    let xa = Derivatives.Compute("x*abs(x)", [| "x" |], 2, [| 0.0 |])
    Assert.Equal(0.0, xa.GradientAt.[0])
    Assert.True(Double.IsNaN xa.HessianAt.[0, 0])
    Assert.Contains(xa.Notes, fun n -> n.Entry = "d2f/dxdx" && n.Message.Contains "-2 from below, 2 from above")
    let shifted = Derivatives.Compute("abs(x - 1)", [| "x" |], 1, [| 1.0 |])
    Assert.True(Double.IsNaN shifted.GradientAt.[0])
    let cube = Derivatives.Compute("abs(x)^3", [| "x" |], 2, [| 0.0 |])
    Assert.Equal(0.0, cube.GradientAt.[0])
    Assert.Equal(0.0, cube.HessianAt.[0, 0])
    // Away from the kink the formula stands, with no note: d|x|/dx = sign(2) = 1.
    let away = Derivatives.Compute("abs(x)", [| "x" |], 1, [| 2.0 |])
    Assert.Equal(1.0, away.GradientAt.[0])
    Assert.Empty(away.Notes)

[<Fact>]
let ``a kink along one variable leaves the other partial derivative alone`` () =
    // f = |x| + y² at (0, 3): df/dx has no value (one-sided −1, 1), df/dy = 2y = 6 by its formula.
    let r = Derivatives.Compute("abs(x) + y^2", [| "x"; "y" |], 1, [| 0.0; 3.0 |])
    Assert.True(Double.IsNaN r.GradientAt.[0])
    Assert.Equal(6.0, r.GradientAt.[1])
    Assert.Equal("df/dx", (Seq.exactlyOne r.Notes).Entry)

// ---- 4. a constant function with a point ---------------------------------------------------------

[<Fact>]
let ``a constant function with a point works when the variables are named`` () =
    // x^0 = 1 and 5 are constants: every derivative is 0, the value 1 and 5.
    let r = Derivatives.Compute("x^0", [| "x" |], 2, [| 0.0 |])
    Assert.Equal(1.0, r.Value.Value)
    Assert.Equal(0.0, r.GradientAt.[0])
    Assert.Equal(0.0, r.HessianAt.[0, 0])
    let five = Derivatives.Compute("5", [| "x" |], 1, [| 1.0 |])
    Assert.Equal(5.0, five.Value.Value)
    Assert.Equal(0.0, five.GradientAt.[0])

[<Fact>]
let ``a constant function with a point takes its variables as written`` () =
    // x^0 simplifies to 1, but x is written, so the point is for x: f = 1, df/dx = 0 (issue 11: was
    // refused). A text with no variable at all (5) still cannot place the point's value.
    let r = Derivatives.Compute("x^0", null, 1, [| 0.0 |])
    Assert.Equal<string>([| "x" |], r.Variables)
    Assert.Equal(1.0, r.Value.Value)
    Assert.Equal(0.0, r.GradientAt.[0])
    let e = Assert.Throws<SymbolicException>(fun () -> Derivatives.Compute("5", null, 1, [| 0.0 |]) |> ignore)
    Assert.Equal(ErrorKind.Variable, e.Kind)
    let ok, out, _ = Cli.run [ "diff"; "-f"; "x^0"; "--at"; "0" ]
    Assert.Equal(0, ok)
    Assert.Contains("f = 1", out)
    Assert.Contains("gradient = [0]", out)

// ---- 5. the Hessian is symmetric by construction ---------------------------------------------------

[<Fact>]
let ``a mixed entry that exists in one order only is reported once, alike on both sides`` () =
    // f = x·sqrt(x²+y²): f_x(0, y) = |y| has a kink at y = 0 (no ∂/∂y), while f_y(x, 0) = x·0/|x| = 0
    // gives ∂/∂x of f_y = 0. The mixed partials do not both exist: both entries NaN, one note.
    let r = Derivatives.Compute("x*sqrt(x^2+y^2)", [| "x"; "y" |], 2, [| 0.0; 0.0 |])
    Assert.True(Double.IsNaN r.HessianAt.[0, 1] && Double.IsNaN r.HessianAt.[1, 0])
    let note = r.Notes |> Seq.filter (fun n -> n.Entry = "d2f/dxdy") |> Seq.exactlyOne
    Assert.Equal(PointValueSource.NotDifferentiable, note.Source)
    Assert.Contains("d/dy of df/dx", note.Message)
    Assert.Contains("d/dx of df/dy", note.Message)
    let row, _ = eval "x*sqrt(x^2+y^2)" [| "x"; "y" |] 2 [ 0.0; 0.0 ]
    Assert.True(Double.IsNaN row.["d2f/dxdy"] && Double.IsNaN row.["d2f/dydx"])
    // d2f/dydy: f_y(0, y) = 0 for every y, so 0 (a limit).
    Assert.Equal(0.0, row.["d2f/dydy"])

[<Fact>]
let ``every Hessian of the catalogue is symmetric`` () =
    for k in SpecialPoints.catalogue |> List.filter (fun k -> k.Hessian.IsSome) do
        let r = Derivatives.Compute(k.F, Array.ofList k.Vars, 2, Array.ofList k.At)
        let n = k.Vars.Length
        for i in 0 .. n - 1 do
            for j in 0 .. n - 1 do
                Assert.True(same r.HessianAt.[i, j] r.HessianAt.[j, i], sprintf "%s at %A: H[%d,%d]" k.F k.At i j)

// ---- 8. SVG plots without native warnings ----------------------------------------------------------

[<Fact>]
let ``SVG plots of many coinciding runs write nothing to stderr`` () =
    // Skia's SVG writer printed "Unsupported path effect in addPaint." (from native code, so only a
    // separate process sees it) for primitives carrying a dash effect; that line is silenced at fd 2
    // while the SVG is written, and the dashes stay.
    let dll = Path.Combine(AppContext.BaseDirectory, "physgrad.dll")
    let dir = Path.Combine(Path.GetTempPath(), $"physgrad-svg-{Environment.ProcessId}")
    let info =
        ProcessStartInfo("dotnet",
            [ dll; "compare"; "--simulator"; "x0^2; x1"; "--target"; "1,2"; "--start"; "0.5,0"
              "--methods"; "gd:0.1,adam:0.1,newton:1,bfgs:1,lbfgs:1,ig:1,gn:1,pg:1,hig:1"; "--out"; dir ])
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    use p = Process.Start info
    let out = p.StandardOutput.ReadToEndAsync()
    let err = p.StandardError.ReadToEndAsync()
    Assert.True(p.WaitForExit(TimeSpan.FromMinutes 2.0))
    out.Result |> ignore
    // A phase that lasts 2 s is told on the process's own stderr (README: "physgrad: drawing the plots …
    // (4.5 s in)"), which a loaded machine reaches: those progress lines, by their documented form, are
    // not warnings; any other line is.
    let progress = Text.RegularExpressions.Regex(@"^physgrad: .* \(\d+\.\d s in[^)]*\)$")
    let lines = err.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries) |> Array.map (fun l -> l.TrimEnd('\r'))
    Assert.Empty(lines |> Array.filter (progress.IsMatch >> not))
    Assert.Equal(0, p.ExitCode)
    for name in [ "x-space.svg"; "y-space.svg" ] do
        Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, name)))
    // The dashes are kept: Skia writes a dashed stroke as a filled outline of its dashes, one closed
    // subpath per dash, so a dashed run is a path with many "M…Z" pieces (a solid polyline has one M).
    let svg = File.ReadAllText(Path.Combine(dir, "x-space.svg"))
    let dashed =
        Text.RegularExpressions.Regex.Matches(svg, "<path fill=\"#[0-9A-F]{6}\" d=\"([^\"]*)\"")
        |> Seq.filter (fun m -> m.Groups.[1].Value.Split('M').Length > 10)
        |> Seq.length
    Assert.True(dashed >= 3, sprintf "%d dashed paths" dashed)

// ---- 7. check: no FAIL where a property has nothing to measure ----------------------------------

let private problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    Problem.Create(vars, Parse.many simulator, null, target, start, null, true)

[<Fact>]
let ``check at the target says undef with the reason, not FAIL`` () =
    // P = x², y* = 1, x₀ = 1: y₀ = 1 = y*, so ∂L/∂y = y₀ − y* = 0, Δy = 0 and every step is 0.
    let results = TheoryChecks.Run(problem "x0^2" [| 1.0 |] [| 1.0 |])
    Assert.DoesNotContain(results, fun r -> r.Status = "FAIL")
    for k in [ 2; 3; 4; 6; 11 ] do
        let r = results |> Seq.find (fun r -> r.Property = k)
        Assert.Equal("undef", r.Status)
        Assert.Contains("Δy = 0", r.Detail)

[<Fact>]
let ``a PG fallback makes properties 4 and 6 undef, not FAIL`` () =
    // P = x², y* = −1 from x₀ = 1, η = 0.3: PG aims at y_k = y* + 0.7^k (y₀ − y*) = −1 + 2·0.7^k, so
    // y₂ = −0.02 < 0 has no real preimage: PG falls back at iteration 2 and property 4 cannot be measured.
    let results = TheoryChecks.Run(problem "x0^2" [| -1.0 |] [| 1.0 |], null, 0.3)
    let p4 = results |> Seq.find (fun r -> r.Property = 4)
    Assert.Equal("undef", p4.Status)
    Assert.Contains("fell back at iteration 2", p4.Detail)
    // Property 6 at x₀ takes one step, to y₁ = 0.4 = 0.64², which exists: it passes.
    Assert.Equal("pass", (results |> Seq.find (fun r -> r.Property = 6)).Status)

// ---- 2. relative accuracy in tails where a derivative's form cancels -------------------------------

let private rel (expected: float) (actual: float) = abs (actual - expected) <= 1e-12 * abs expected

[<Fact>]
let ``derivatives whose two terms cancel keep their relative accuracy in the tails`` () =
    // σ(x) = eˣ/(1 + eˣ), σ′ = σ − σ² as derived. Hand: σ′ = e⁻ˣ/(1 + e⁻ˣ)², at 40: 4.248354255291589e-18
    // (e⁻⁴⁰ = 4.248354255291589e-18, (1 + e⁻⁴⁰)² = 1 in double), at 700: e⁻⁷⁰⁰ = 9.85967654375977e-305.
    for f in [ "exp(x)/(1+exp(x))"; "1/(1+exp(-x))" ] do
        for x in [ 40.0; 700.0; -40.0 ] do
            let r = Derivatives.Compute(f, [| "x" |], 1, [| x |])
            let expected = exp (-(abs x)) / (1.0 + exp (-(abs x))) ** 2.0
            Assert.True(rel expected r.GradientAt.[0], sprintf "%s at %g: %g, expected %g" f x r.GradientAt.[0] expected)
    // softplus″ = σ − σ² likewise: at 40, e⁻⁴⁰/(1 + e⁻⁴⁰)².
    let sp = Derivatives.Compute("log(1+exp(x))", [| "x" |], 2, [| 40.0 |])
    Assert.True(rel (exp -40.0) sp.HessianAt.[0, 0], sprintf "softplus'' at 40: %g" sp.HessianAt.[0, 0])

[<Fact>]
let ``tanh and coth derivatives are not 0 where tanh rounds to 1`` () =
    // tanh′ = 1 − tanh² = 1/cosh², coth′ = 1 − 1/tanh² = −1/sinh²: at x = 20 and 30 tanh(x) is 1 in
    // double, so the derived forms gave 0; hand: 1/cosh(20)² = 1.6993417021166355e-17 (cosh 20 =
    // 2.4258259770489514e8), and 1/sinh² equals 1/cosh² there to 1e-17 relative.
    for x in [ 20.0; 30.0; -25.0 ] do
        let t = Derivatives.Compute("tanh(x)", [| "x" |], 1, [| x |])
        Assert.True(rel (1.0 / cosh x ** 2.0) t.GradientAt.[0], sprintf "tanh' at %g: %g" x t.GradientAt.[0])
        let c = Derivatives.Compute("cosh(x)/sinh(x)", [| "x" |], 1, [| x |])
        Assert.True(rel (-1.0 / sinh x ** 2.0) c.GradientAt.[0], sprintf "coth' at %g: %g" x c.GradientAt.[0])
    // At a moderate point the cancelled form is the same number: coth′(0.5) = −1/sinh(0.5)².
    let c = Derivatives.Compute("cosh(x)/sinh(x)", [| "x" |], 1, [| 0.5 |])
    Assert.True(rel (-1.0 / sinh 0.5 ** 2.0) c.GradientAt.[0])
