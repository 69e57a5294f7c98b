namespace PhysGrad.Symbolic

open System.Collections.Generic

/// The variants of a problem that the theory's checks and the step units study: the same physics with
/// the loss replaced by ½‖y − y*‖², the outputs rescaled by c, the variables reparametrised as x = S x̃,
/// or everything expressed in other units. One place, so that the checks (docs/theory.md §3, properties 2
/// and 3) and the units of the steps (§2) mean the same thing by each transform. Each returns a new
/// problem; the original is unchanged.
[<RequireQualifiedAccess>]
module ProblemTransform =

    let private inverseWhenGiven (p: Problem) (map: Expr[] -> Expr[]) =
        if p.InverseSource = InverseSource.Given then map p.Inverse else null

    /// The same simulator, target and start with the loss ½‖y − y*‖² (the form several properties are
    /// stated for). A given inverse is kept; a derived one is derived again on request; a numeric one
    /// stays numeric.
    [<CompiledName("WithDefaultLoss")>]
    let withDefaultLoss (p: Problem) =
        Problem.Create(
            p.Variables,
            p.Simulator,
            null,
            p.Target,
            p.Start,
            inverseWhenGiven p id,
            p.InverseSource <> InverseSource.Numeric,
            p.Parameters
        )

    /// Each output rescaled by its own factor: P̃ᵢ = cᵢ·Pᵢ, ỹ*ᵢ = cᵢ·y*ᵢ, with the default loss ½‖ỹ − ỹ*‖² =
    /// ½Σ cᵢ²(yᵢ − y*ᵢ)² (check's rescaling of outputs whose scales differ beyond what doubles' squares hold). A
    /// given inverse reads the outputs as ỹᵢ/cᵢ.
    [<CompiledName("RescaleEachOutput")>]
    let rescaleEachOutput (c: float[]) (p: Problem) =
        if c.Length <> p.Outputs.Length then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf "c has %s but the problem has %s." (Fail.count c.Length "factor") (Fail.count p.Outputs.Length "output"))

        let toOld = Dictionary<Expr, Expr>()

        p.Outputs |> Array.iteri (fun i y -> toOld.[Expr.symbol y] <- Expr.div (Expr.symbol y) (Expr.real c.[i]))

        Problem.Create(
            p.Variables,
            p.Simulator |> Array.mapi (fun i s -> Expr.mul2 (Expr.real c.[i]) s),
            null,
            p.Target |> Array.mapi (fun i t -> c.[i] * t),
            p.Start,
            inverseWhenGiven p (Array.map (Structure.substitute toOld)),
            p.InverseSource <> InverseSource.Numeric,
            p.Parameters
        )

    /// The outputs rescaled by c: P̃ = c·P, ỹ* = c·y*, with the default loss ½‖ỹ − ỹ*‖² = c²·L (property 2,
    /// function sensitivity). A given inverse reads the outputs as ỹ/c.
    [<CompiledName("RescaleOutputs")>]
    let rescaleOutputs (c: float) (p: Problem) = rescaleEachOutput (Array.create p.Outputs.Length c) p

    /// The variables reparametrised as x = S x̃ with S = diag(s) (property 3, scale invariance): P̃(x̃) =
    /// P(S x̃), the same loss and target, the start S⁻¹x₀; a given inverse becomes S⁻¹P⁻¹(y; S x̃).
    [<CompiledName("Reparametrise")>]
    let reparametrise (s: float[]) (p: Problem) =
        if s.Length <> p.Variables.Length then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf "S has %s but the problem has %s." (Fail.count s.Length "scale") (Fail.count p.Variables.Length "variable"))

        let toOld = Dictionary<Expr, Expr>()

        for i in 0 .. s.Length - 1 do
            toOld.[Expr.symbol p.Variables.[i]] <- Expr.mul2 (Expr.real s.[i]) (Expr.symbol p.Variables.[i])

        Problem.Create(
            p.Variables,
            p.Simulator |> Array.map (Structure.substitute toOld),
            // The default loss stays the default (null: ½‖y − y*‖² rebuilt from the same target), so that a run
            // in x̃ carries a loss that overflows doubles as the run in x does (Stepper.CarriedLoss).
            (if p.HasDefaultLoss then null else p.Loss),
            p.Target,
            p.Start |> Array.mapi (fun i v -> v / s.[i]),
            inverseWhenGiven p (Array.mapi (fun i e -> Expr.div (Structure.substitute toOld e) (Expr.real s.[i]))),
            p.InverseSource <> InverseSource.Numeric,
            p.Parameters
        )

    /// The same physics in other units: each variable's numbers multiplied by fx, each output's by fy and
    /// the loss's by fl (the factors a change of base units gives each quantity): P̃(x̃) = fy·P(x̃/fx),
    /// L̃(ỹ) = fl·L(ỹ/fy), target fy·y*, start fx·x₀, inverse fx·P⁻¹(ỹ/fy; x̃/fx). Parameters keep their
    /// values: P and L are conjugated as a whole, so a constant inside them stays what it was in the
    /// old units. The inverse is used as it is (derived first when pending), never derived again.
    /// A unit's factor as a constant: an exact 1 for the factor 1 (the units unchanged), so that the problem in
    /// its own units reads as written (x0, not 1*x0, in a message about its domain).
    let private factor (c: float) = if c = 1.0 then Expr.one else Expr.real c

    [<CompiledName("Conjugate")>]
    let conjugate (fx: float[]) (fy: float[]) (fl: float) (p: Problem) =
        let inX = Dictionary<Expr, Expr>()
        let inY = Dictionary<Expr, Expr>()

        for i in 0 .. fx.Length - 1 do
            inX.[Expr.symbol p.Variables.[i]] <- Expr.div (Expr.symbol p.Variables.[i]) (factor fx.[i])

        for j in 0 .. fy.Length - 1 do
            inY.[Expr.symbol p.Outputs.[j]] <- Expr.div (Expr.symbol p.Outputs.[j]) (factor fy.[j])

        let both = Dictionary<Expr, Expr>(inX)

        for kv in inY do
            both.[kv.Key] <- kv.Value

        let simulator =
            p.Simulator |> Array.mapi (fun j s -> Expr.mul2 (factor fy.[j]) (Structure.substitute inX s))

        let loss = Expr.mul2 (factor fl) (Structure.substitute inY p.Loss)

        let inverse =
            match p.Inverse with
            | null -> null
            | inv -> inv |> Array.mapi (fun i e -> Expr.mul2 (factor fx.[i]) (Structure.substitute both e))

        Problem.Create(
            p.Variables,
            simulator,
            loss,
            p.Target |> Array.mapi (fun j t -> t * fy.[j]),
            p.Start |> Array.mapi (fun i v -> v * fx.[i]),
            inverse,
            false,
            p.Parameters
        )
