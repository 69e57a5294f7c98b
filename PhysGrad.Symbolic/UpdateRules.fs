namespace PhysGrad.Symbolic

/// The closed-form update rules of docs/theory.md §2 as expressions: for each variable xᵢ the step Δxᵢ,
/// in the variables and the step size `eta`. They are what the numeric optimisers compute, written
/// out so a person can read them (and test them against the optimisers).
[<RequireQualifiedAccess>]
module UpdateRules =

    /// The default symbol for the step size η; every rule takes its step-size symbol as the first
    /// argument, so a problem with a variable or parameter named `eta` can name the step otherwise.
    let eta = Expr.symbol "eta"

    let private scale (c: Expr) (v: Expr[]) = v |> Array.map (fun e -> Expr.mul2 c e)

    let private substituteOutputs (outputs: Expr[]) (simulator: Expr[]) (e: Expr) =
        let d = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)
        Array.iter2 (fun (y: Expr) p -> d.[y] <- p) outputs simulator
        Structure.substitute d e

    /// The loss in x, L(P(x)).
    [<CompiledName("LossInX")>]
    let lossInX (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) =
        substituteOutputs outputs simulator loss

    /// GD: Δx = −η ∂L/∂x.
    [<CompiledName("GradientDescent")>]
    let gradientDescent (eta: Expr) (variables: Expr[]) (lossX: Expr) =
        scale (Expr.neg eta) (Calculus.gradient variables lossX)

    /// Newton: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x (exact symbolic inverse: small n only).
    [<CompiledName("Newton")>]
    let newton (eta: Expr) (variables: Expr[]) (lossX: Expr) =
        let g = Calculus.gradient variables lossX
        let h = Calculus.hessianOfGradient variables g
        scale (Expr.neg eta) (Matrix.solve h g)

    /// The y-step Δy = −η (∂²L/∂y²)⁻¹ ∂L/∂y, in the outputs y.
    [<CompiledName("YStep")>]
    let yStep (eta: Expr) (outputs: Expr[]) (loss: Expr) =
        let g = Calculus.gradient outputs loss
        let h = Calculus.hessianOfGradient outputs g
        scale (Expr.neg eta) (Matrix.solve h g)

    /// IG: Δx = (∂x/∂y) Δy with Δy the y-step at y = P(x).
    [<CompiledName("InverseGradient")>]
    let inverseGradient (eta: Expr) (variables: Expr[]) (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) =
        let dy = yStep eta outputs loss |> Array.map (substituteOutputs outputs simulator)
        Matrix.mulVec (Matrix.inverseJacobian variables simulator) dy

    /// Gauss–Newton: Δx = −η J⁺ ∂L/∂y at y = P(x), J⁺ = (JᵀJ)⁻¹Jᵀ (m ≥ n) or Jᵀ(JJᵀ)⁻¹ (m < n).
    [<CompiledName("GaussNewton")>]
    let gaussNewton (eta: Expr) (variables: Expr[]) (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) =
        let j = Calculus.jacobian variables simulator
        let jt = Matrix.transpose j

        let g =
            Calculus.gradient outputs loss
            |> Array.map (substituteOutputs outputs simulator)

        // J⁺ of docs/theory.md: (JᵀJ)⁻¹Jᵀ for full column rank (m ≥ n), the minimum-norm Jᵀ(JJᵀ)⁻¹ for
        // full row rank (m < n, where JᵀJ is singular for every x).
        if simulator.Length >= variables.Length then
            scale (Expr.neg eta) (Matrix.solve (Matrix.mul jt j) (Matrix.mulVec jt g))
        else
            scale (Expr.neg eta) (Matrix.mulVec jt (Matrix.solve (Matrix.mul j jt) g))

    /// PG: Δx = P⁻¹(y + Δy; x) − x, with the inverse given in the outputs y (and x, for the branch).
    [<CompiledName("Physical")>]
    let physical (eta: Expr) (variables: Expr[]) (outputs: Expr[]) (simulator: Expr[]) (loss: Expr) (inverse: Expr[]) =
        let dy = yStep eta outputs loss
        let moved = Array.map2 (fun (y: Expr) d -> Expr.add y d) outputs dy
        let d = System.Collections.Generic.Dictionary<Expr, Expr>(ExprIdentity.comparer)
        Array.iter2 (fun (y: Expr) m -> d.[y] <- substituteOutputs outputs simulator m) outputs moved
        Array.map2 (fun inv (x: Expr) -> Expr.sub (Structure.substitute d inv) x) inverse variables

    /// Each step through the budgeted heavier simplification.
    [<CompiledName("Simplified")>]
    let simplified (steps: Expr[]) = steps |> Array.map Simplify.simplify
