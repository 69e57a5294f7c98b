/// Verdicts that belong to the method and the problem, not to the point or the numbers' scale (units17):
/// `units` gives interchangeable cells one verdict per method (Adam's ε and steps that are rounding at the
/// start had split them), and a stop's curvature verdict is the same for L(x/s) at every s from 1e-8 to 1e8.
module PhysGrad.Properties.ScaleFreeVerdicts

open System
open Xunit
open PhysGrad
open PhysGrad.Numerics

/// Each method's distinct (step unit, consistent) pairs over the problem's variables.
let private verdicts (p: PhysicsProblem) =
    [ for m in p.StepUnits() ->
          m.Name, m.Steps |> Seq.map (fun s -> s.UnitText, s.Consistent) |> Seq.distinct |> List.ofSeq ]

let private inKelvin (name: string) (n: int) =
    ReferenceProblems.Create(name, Nullable n).WithUnits(readOnlyDict [ "x*", "K" ])

// Every cell, output and the loss's residual in K: L in K². By hand: GD −η∂L/∂x is in K²/K = K; Newton, IG,
// PG, and GN and HIG (square J, outputs and variables in one unit) in K; Adam a ratio of gradients, 1, and
// not K (nor a unit at all with ε, which the note says for every cell alike).
let private expected (method: string) =
    if method = "adam" then [ Some "1", false ] else [ Some "K", true ]

let private unitText (pairs: (string * bool) list) = pairs |> List.map (fun (u, ok) -> (Option.ofObj u, ok))

[<Fact>]
let ``heat1d at n = 8: every cell gets one verdict per method, x0 and x4 (|∂L/∂x| = 5E-05) as the others`` () =
    // At the start 0 the gradient is −JᵀJx*, whose entries at cells 0 and 4 come from the mode cos(3πi/4)
    // alone, damped to 5E-05: there Adam's ε = 1e-8 shifts the step by 2E-04 relative, and the measurement
    // had read "not a power" for them and 1 for the other six.
    for m, pairs in verdicts (inKelvin "heat1d" 8) do
        Assert.Equal<(string option * bool) list>(expected m, unitText pairs)

[<Fact>]
let ``Adam's verdict is the same at every n of heat1d and heat1d-dirichlet, and names ε on every cell`` () =
    for name in [ "heat1d"; "heat1d-dirichlet" ] do
        for n in 3..12 do
            let adam = (inKelvin name n).StepUnits() |> Seq.find (fun m -> m.Name = "adam")
            for s in adam.Steps do
                Assert.True((s.UnitText = "1" && not s.Consistent), sprintf "%s n = %d, %s: %O" name n s.Variable s)
                // ∂L/∂x is in K²/K = K: ε is added to √v̂ in K.
                Assert.StartsWith("up to ε: Adam adds ε = 1E-08, a pure number, to √v̂ in [K]", s.Note)

[<Fact>]
let ``heat1d-inverse at n = 64: cells whose step is rounding at the start are read near it and get the others' verdict`` () =
    // x* = sin(2πi/n) + a box on cells 16..31; JᵀJ spans 8 cells, so at cell 0 the box does not reach and the
    // sine's contribution is sin(0) = 0: every method's Δx0 at the start 0 is rounding (1e-17 of the largest).
    let p = inKelvin "heat1d-inverse" 64
    for m, pairs in verdicts p do
        Assert.Equal<(string option * bool) list>(expected m, unitText pairs)
    let gd = p.StepUnits() |> Seq.find (fun m -> m.Name = "gd")
    Assert.StartsWith("measured at two points near the start, where Δx0 = ", gd.Steps.[0].Note)
    Assert.EndsWith("is rounding", gd.Steps.[0].Note)

[<Fact>]
let ``a start at the minimum is measured near it: x0 − x1, x1 − x2, x2 − x0 in m from (1, 1, 1)`` () =
    // The target 0 is reached at the start, so no method takes a step there; the unit is the method's, and a
    // step near the start has it. GD: m²/m = m; Newton, GN: m; Adam: 1 up to ε.
    let p =
        PhysicsProblem
            .From(ProblemDefinition([| "x0"; "x1"; "x2" |], [| "x0 - x1"; "x1 - x2"; "x2 - x0" |], null, [| 0.0; 0.0; 0.0 |], [| 1.0; 1.0; 1.0 |]))
            .WithUnits(readOnlyDict [ "x*", "m" ])
    let all = verdicts p |> Map.ofList
    Assert.Equal<(string option * bool) list>([ Some "m", true ], unitText all.["gd"])
    Assert.Equal<(string option * bool) list>([ Some "m", true ], unitText all.["newton"])
    Assert.Equal<(string option * bool) list>([ Some "1", false ], unitText all.["adam"])
    for m in p.StepUnits() do
        Assert.True(m.Note = "", sprintf "%s: %s" m.Name m.Note)

// ---- stops at stationary points at every scale -------------------------------------------------------------

/// L(u) with u = R(θ)(x − c)/s, at x = c: the same stationary point at every scale s.
let private stopAt (loss: string) (s: float) (theta: float) (c: float[]) =
    let d =
        ProblemDefinition(
            [| "x0"; "x1" |],
            [| "(cos(th)*(x0 - c0) + sin(th)*(x1 - c1))/s"; "(-sin(th)*(x0 - c0) + cos(th)*(x1 - c1))/s" |],
            loss, [| 0.0; 0.0 |], c,
            Parameters = readOnlyDict [ "s", s; "th", theta; "c0", c.[0]; "c1", c.[1] ])
    let r = Optimizer.Run(CompiledProblem((PhysicsProblem.From d).Model), Method.GradientDescent, 0.1, c, 3)
    r

let private shapes =
    [ "1 + y0^4 + y1^2", StationaryKind.Minimum // flat along u0, a quartic rise
      "1 + y0^2 + y1^2", StationaryKind.Minimum
      "1 + y0^3 + y1^2", StationaryKind.Saddle // flat along u0, a cubic: descends on one side
      "1 + y0^2 - y1^2", StationaryKind.Saddle
      "1 - y0^4 - y1^2", StationaryKind.Maximum
      "1 - y0^2 - y1^2", StationaryKind.Maximum ]

[<Fact>]
let ``a stop at a minimum, saddle or maximum of L(x/s) is classified alike for s from 1e-8 to 1e8`` () =
    // The Hessian scales as 1/s² and the probe's steps with x's scale, so the verdict is s-free; an absolute
    // zero threshold of 1e-12 had called H = ±2E-16 (s = 1e8) flat and the probe then read quadratic slopes.
    for loss, kind in shapes do
        for s in [ 1e-8; 1e-4; 1.0; 1e4; 1e8 ] do
            for theta in [ 0.0; 0.7; 2.3 ] do
                for c in [ [| 1.3 * s; 2.7 * s |]; [| 0.0; 0.0 |] ] do
                    let r = stopAt loss s theta c
                    Assert.True(r.Exit.Curvature <> null, sprintf "%s s = %g: %s" loss s r.StopDetail)
                    Assert.True((r.Exit.Curvature.Kind = kind), sprintf "%s at s = %g, θ = %g, c = %A: %s" loss s theta c r.StopDetail)

[<Fact>]
let ``the probe's printed steps are fractions of x's scale, not of 1 + ‖x‖`` () =
    // At c = s·(1.3, 2.7), ‖x‖ = 2.9967·s: the steps 10⁻²…10⁻⁸ of it, e.g. 3E-10 at s = 1e-8 (not 0.01, which
    // is 10⁶ times x), 3E+06 at s = 1e8.
    for s in [ 1e-8; 1.0; 1e8 ] do
        let r = stopAt "1 + y0^4 + y1^2" s 0.7 [| 1.3 * s; 2.7 * s |]
        let length = sqrt ((1.3 * s) ** 2.0 + (2.7 * s) ** 2.0)
        let steps = String.Join(", ", Curvature.ProbeScales |> Array.map (fun h -> NumberText.Short(h * length, 3)))
        // The steps, and the verdict; how many scales see a slope depends on the rounding of the probe points (a
        // quartic rise of 10⁻²³ at 10⁻⁸·ℓ is below the gradient's rounding there, verdicts28).
        Assert.Contains(sprintf "flat directions probed at ±%s: the slopes say minimum at " steps, r.StopDetail)
