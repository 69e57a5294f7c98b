#r "../../PhysGrad.Cli/bin/Debug/net10.0/FParsecCS.dll"
#r "../../PhysGrad.Cli/bin/Debug/net10.0/FParsec.dll"
#r "../../PhysGrad.Cli/bin/Debug/net10.0/FastExpressionCompiler.dll"
#r "../../PhysGrad.Cli/bin/Debug/net10.0/MathNet.Numerics.dll"
#r "../../PhysGrad.Cli/bin/Debug/net10.0/PhysGrad.Symbolic.dll"
#r "../../PhysGrad.Cli/bin/Debug/net10.0/PhysGrad.Numerics.dll"
#r "../../PhysGrad.Cli/bin/Debug/net10.0/PhysGrad.Api.dll"
// GN on the HIG toy (λ = 1, η = 0.1, τ = 1e-6, batch 256, seed 1, 300 steps): is its divergence a property of GN
// or of rounding? (BENCHMARKS.md, "GN on hig-toy: an outcome decided by rounding", branch scale26.)
// Build the CLI first (dotnet build PhysGrad.Cli), then from this directory: dotnet fsi HigToyGnRounding.fsx
// It writes hig-toy-gn-steps.txt in the temporary directory (𝒥, g and both paths' steps for seed 1's first 30 steps) for
// hig_toy_gn_lapack.py, which compares them with LAPACK's SVD (numpy).
open System
open MathNet.Numerics.LinearAlgebra
open MathNet.Numerics.LinearAlgebra.Double
open PhysGrad
open PhysGrad.Numerics.Learning

let tau = 1e-6
let eta = 0.1
let ex = Training.HigToy(1.0)
let trainer = PhysicsTrainer(ex.Network, ex.Physics, ex.Sampler)

/// 𝒥 as the engine builds it (PhysicsTrainer.Spectral's tall route): row-major numbers read as the column-major 𝒥ᵀ, transposed.
let toMatrix (j: float[]) rows cols = (new DenseMatrix(cols, rows, Array.copy j)).Transpose()

/// V Σ⁻¹ Uᵀ g from an SVD, σ ≤ τσmax dropped, with 𝒥 = 2^sc·A (A's SVD computed); both exponents applied.
let fromSvd (q: Matrix<float>) (svd: Factorization.Svd<float>) (e: int) (g: float[]) =
    let s = svd.S.Map(fun v -> Math.ScaleB(v, e))
    let smax = s.Maximum()
    let ug = svd.U.TransposeThisAndMultiply(q.TransposeThisAndMultiply(DenseVector.OfArray g))
    for k in 0 .. s.Count - 1 do
        ug.[k] <- if s.[k] > tau * smax && s.[k] > 0.0 then ug.[k] * Math.Pow(s.[k], -1.0) else 0.0 // as the engine: σ^κ, then the product
    (svd.VT.TransposeThisAndMultiply(ug)).ToArray(), s

let largestExp (a: float[]) = let m = a |> Array.map abs |> Array.max in if m > 0.0 then Math.ILogB m else 0

let unscaled (j: float[]) rows cols g =
    let a = toMatrix j rows cols
    let qr = a.QR(Factorization.QRMethod.Thin)
    fromSvd qr.Q (qr.R.Svd(true)) 0 g

let scaled (j: float[]) rows cols g =
    let e1 = largestExp j
    let a = toMatrix (j |> Array.map (fun v -> Math.ScaleB(v, -e1))) rows cols
    let qr = a.QR(Factorization.QRMethod.Thin)
    let r = qr.R
    let e2 = largestExp (r.ToColumnMajorArray())
    let rs = r.Map(fun v -> Math.ScaleB(v, -e2))
    fromSvd qr.Q (rs.Svd(true)) (e1 + e2) g

let rel (a: float[]) (b: float[]) =
    let d = Array.map2 (-) a b |> Array.sumBy (fun v -> v * v) |> sqrt
    d / (b |> Array.sumBy (fun v -> v * v) |> sqrt)

let evalLoss theta = let struct (l, _) = trainer.Evaluate(theta, ex.EvalZ, ex.EvalY, ex.EvalZ.Length) in l

/// Trains as PhysicsTrainer.Train does for GN (same initialisation, sampler and seed; evaluation every 10 steps,
/// stopped when LossGrowth.Exploded), with the step from `route`, θ₀ changed by `perturb` first.
let run (name: string) (route: float[] -> int -> int -> float[] -> float[]) seed steps (perturb: float[] -> unit) =
    let theta = ex.Network.Initialize(seed)
    perturb theta
    let random = Random(seed + 1)
    let b = 256
    let z = Array.zeroCreate b
    let y = Array.zeroCreate (2 * b)
    let start = evalLoss theta
    let mutable outcome = None
    let mutable step = 0
    while outcome.IsNone && step < steps do
        ex.Sampler.Invoke(random, b, z, y)
        let struct (j, g, _) = trainer.StackedJacobian(theta, z, y, b)
        let d = route j (2 * b) theta.Length g
        for k in 0 .. theta.Length - 1 do theta.[k] <- theta.[k] - eta * d.[k]
        step <- step + 1
        if step % 10 = 0 then
            let l = evalLoss theta
            if Numerics.LossGrowth.Exploded(start, l) || not (Array.forall Double.IsFinite theta) then
                outcome <- Some (sprintf "DIVERGED at step %d (loss %g, start %g)" step l start)
    printfn "%s, seed %d: %s; final evaluation loss %g" name seed (defaultArg outcome "no divergence") (evalLoss theta)

let cur = (fun j r c g -> let res = Array.zeroCreate c in PhysicsTrainer.Spectral(j, r, c, g, -1.0, tau, res) |> ignore; res)
let unscaledRoute = (fun j r c g -> fst (unscaled j r c g))
let scaledRoute = (fun j r c g -> fst (scaled j r c g))
// Per step along the engine's trajectory: the engine's step against the unscaled and the scaled SVD paths.
do
    let theta = ex.Network.Initialize(1)
    let random = Random(2)
    let z = Array.zeroCreate 256
    let y = Array.zeroCreate 512
    use w = new IO.StreamWriter(IO.Path.Combine(IO.Path.GetTempPath(), "hig-toy-gn-steps.txt"))
    let f (a: float[]) = String.Join(" ", a |> Array.map (fun v -> v.ToString("R")))
    for step in 0 .. 29 do
        ex.Sampler.Invoke(random, 256, z, y)
        let struct (j, g, _) = trainer.StackedJacobian(theta, z, y, 256)
        let d1 = unscaledRoute j 512 30 g
        let d3 = scaledRoute j 512 30 g
        w.WriteLine(f j); w.WriteLine(f g); w.WriteLine(f d1); w.WriteLine(f d3)
        if step < 13 then printfn "step %d: unscaled vs scaled path %.2e" step (rel d1 d3)
        let d = cur j 512 30 g
        for k in 0 .. 29 do theta.[k] <- theta.[k] - eta * d.[k]
// The outcome of each path, and under one-ulp changes of one initial weight.
for name, route in [ "engine (PhysicsTrainer.Spectral)", cur; "unscaled SVD", unscaledRoute; "scaled SVD", scaledRoute ] do
    run name route 1 300 ignore
    for k in 0 .. 11 do
        run (sprintf "%s, θ0[%d] + 1 ulp" name k) route 1 300 (fun t -> t.[k] <- Math.BitIncrement t.[k])
