/// Issue 14 (items 4–6, "seconds, not minutes"): mid-size reference examples through the CLI checked
/// against closed forms, and the phase lines a large run writes on stderr so it is never silent.
module PhysGrad.Properties.ScalePhases

open System
open System.Numerics
open System.Text.Json
open Xunit
open PhysGrad

/// The final points of a `compare --format json` run, by method name.
let private finals (json: string) =
    use doc = JsonDocument.Parse json

    [ for m in doc.RootElement.GetProperty("methods").EnumerateArray() ->
          m.GetProperty("name").GetString(),
          [| for v in m.GetProperty("final").EnumerateArray() -> v.GetDouble() |] ]
    |> Map.ofList

/// The periodic 2-D heat steps applied to a side×side field through its discrete Fourier modes,
/// written independently of the simulator: mode (k, l) is multiplied by 1 − 4r(sin²(πk/side) + sin²(πl/side))
/// per step (docs/theory.md §7, the 5-point Laplacian's symbol), by a direct O(side⁴) transform.
let private heat2dByModes (side: int) (r: double) (steps: int) (u: double[]) =
    let w k a = Complex.FromPolarCoordinates(1.0, -2.0 * Math.PI * double (k * a) / double side)

    let hat =
        Array2D.init side side (fun k l ->
            let mutable s = Complex.Zero

            for a in 0 .. side - 1 do
                for b in 0 .. side - 1 do
                    s <- s + u.[a * side + b] * w k a * w l b

            let sk = Math.Sin(Math.PI * double k / double side)
            let sl = Math.Sin(Math.PI * double l / double side)
            s * Math.Pow(1.0 - 4.0 * r * (sk * sk + sl * sl), double steps))

    Array.init (side * side) (fun c ->
        let a, b = c / side, c % side
        let mutable s = Complex.Zero

        for k in 0 .. side - 1 do
            for l in 0 .. side - 1 do
                s <- s + hat.[k, l] * Complex.Conjugate(w k a * w l b)

        s.Real / double (side * side))

[<Fact>]
let ``heat2d at n 16 through the CLI: one GD step and one Newton-CG step match the Fourier modes`` () =
    let side = 16
    let steps, r = ReferenceProblems.HeatSteps, ReferenceProblems.HeatRatio2D
    let xStar = ReferenceProblems.TrueSolution("heat2d", side)
    let start = ReferenceProblems.Create("heat2d", side, false).Definition.Start |> Array.ofSeq
    let p = heat2dByModes side r steps
    let yStar = p xStar
    // L = ½‖P x − y*‖², P symmetric (the stencil is): one GD step is x₀ − η P (P x₀ − y*).
    let eta = 0.5
    let residual = Array.map2 (-) (p start) yStar
    let expectedGd = Array.map2 (fun x g -> x - eta * g) start (p residual)

    let code, out, err =
        Cli.run [ "compare"; "--example"; "heat2d"; "--n"; string side; "--methods"; "gd:0.5,newton-cg:1:tol=1e-12"
                  "--iterations"; "1"; "--format"; "json"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-scalephases-heat2d") ]

    Assert.True((code = 0), err)
    let f = finals out

    for i in 0 .. side * side - 1 do
        Assert.True(abs (f.["gd"].[i] - expectedGd.[i]) <= 1e-10 * (1.0 + abs expectedGd.[i]),
                    sprintf "gd x%d: expected %.15g, got %.15g" i expectedGd.[i] f.["gd"].[i])
        // L is quadratic with H = P² nonsingular (every factor 1 − 4r(…) ≥ 1 − 8·0.1 = 0.2): a full Newton
        // step lands on x*, up to CG's relative residual 10⁻¹² times κ(H) ≤ 0.2⁻⁸ ≈ 3.9·10⁵ (x* is O(1), the start 0).
        // tol=1e-12 asks for that solve (by default the first step solves only to the forcing term ½).
        Assert.True(abs (f.["newton-cg"].[i] - xStar.[i]) <= 1e-6 * (1.0 + abs xStar.[i]),
                    sprintf "newton-cg x%d: expected %.15g, got %.15g" i xStar.[i] f.["newton-cg"].[i])
    // 256 cells is under the size from which phases are told: stderr stays clean.
    Assert.DoesNotContain("physgrad: tracing", TestHelpers.unwrapped err)

[<Fact>]
let ``poisson2d at n 16 through the CLI: PG at eta 1 is exact in one step`` () =
    // docs/theory.md §7: P solves Δ_h y = x, its given inverse is Δ_h, so PG at η = 1 lands on x* = P⁻¹(y*).
    // At side 16 the Green's matrix is summed in stages (not the side⁶ double sum): an error in it would
    // leave P different from Δ_h⁻¹ and the step off x*.
    let side = 16
    let xStar = ReferenceProblems.TrueSolution("poisson2d", side)

    let code, out, err =
        Cli.run [ "compare"; "--example"; "poisson2d"; "--n"; string side; "--methods"; "pg:1"; "--iterations"; "1"
                  "--format"; "json"; "--out"; IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-scalephases-poisson") ]

    Assert.True((code = 0), err)
    let x = (finals out).["pg"]

    for i in 0 .. xStar.Length - 1 do
        Assert.True(abs (x.[i] - xStar.[i]) <= 1e-9 * (1.0 + abs xStar.[i]), sprintf "x%d: expected %g, got %g" i xStar.[i] x.[i])

[<Fact>]
let ``a run of 1024 cells tells its phases on stderr, in order`` () =
    let code, out, err =
        Cli.run [ "compare"; "--example"; "heat1d"; "--n"; "1024"; "--methods"; "gd,gn"; "--iterations"; "2"
                  "--out"; IO.Path.Combine(IO.Path.GetTempPath(), "physgrad-scalephases-phases") ]

    Assert.True((code = 0), err)
    Assert.Contains("gd ", TestHelpers.unwrapped out)
    let lines =
        [ "physgrad: tracing the heat1d simulator (1024 variables)"
          "physgrad: running gd, gn, 2 iterations each; then finding x*"
          "physgrad: gd: iteration 1/2 done"
          "physgrad: gn: iteration 1/2 done"
          "physgrad: finding x*"
          "physgrad: drawing the plots"
          "physgrad: writing the report" ]

    let positions = lines |> List.map (fun l -> err.IndexOf(l, StringComparison.Ordinal))

    for l, p in List.zip lines positions do
        Assert.True(p >= 0, sprintf "missing '%s' in stderr:\n%s" l err)

    Assert.Equal<int list>(List.sort positions, positions)

[<Fact>]
let ``poisson2d over its dense limit is refused before tracing, with the limit and what to do`` () =
    // side 64: the Green's matrix has 64⁴ = 16777216 terms; the limit is side 31 (31⁴ = 923521 terms).
    let code, _, err = Cli.run [ "compare"; "--example"; "poisson2d"; "--n"; "64"; "--methods"; "gd" ]
    Assert.Equal(2, code)
    Assert.Contains("16777216 terms", TestHelpers.unwrapped err)
    Assert.Contains("side ≤ 31 (923521 terms)", TestHelpers.unwrapped err)
    Assert.Contains("Use n ≤ 31", TestHelpers.unwrapped err)
