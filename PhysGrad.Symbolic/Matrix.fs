namespace PhysGrad.Symbolic

/// Symbolic matrices as `Expr[,]` (row, column) and vectors as `Expr[]`: products, determinants,
/// exact inverses and solves, and the inverse Jacobian ∂x/∂y.
[<RequireQualifiedAccess>]
module Matrix =

    let private rows (a: Expr[,]) = Array2D.length1 a
    let private cols (a: Expr[,]) = Array2D.length2 a

    let private shape (a: Expr[,]) = sprintf "%d×%d" (rows a) (cols a)

    /// The n × n identity.
    [<CompiledName("Identity")>]
    let identity n =
        Array2D.init n n (fun i j -> if i = j then Expr.one else Expr.zero)

    /// Aᵀ.
    [<CompiledName("Transpose")>]
    let transpose (a: Expr[,]) =
        Array2D.init (cols a) (rows a) (fun i j -> a.[j, i])

    /// A·B.
    [<CompiledName("Multiply")>]
    let mul (a: Expr[,]) (b: Expr[,]) =
        if cols a <> rows b then
            Fail.raiseWith ErrorKind.Shape (sprintf "Cannot multiply a %s matrix by a %s matrix." (shape a) (shape b))

        Array2D.init (rows a) (cols b) (fun i j ->
            Expr.sum (Array.init (cols a) (fun k -> Expr.mul2 a.[i, k] b.[k, j])))

    /// A·v.
    [<CompiledName("MultiplyVector")>]
    let mulVec (a: Expr[,]) (v: Expr[]) =
        if cols a <> v.Length then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf "Cannot multiply a %s matrix by a vector of length %d." (shape a) v.Length)

        Array.init (rows a) (fun i -> Expr.sum (Array.init v.Length (fun k -> Expr.mul2 a.[i, k] v.[k])))

    let private requireSquare what (a: Expr[,]) =
        if rows a <> cols a then
            Fail.raiseWith ErrorKind.Shape (sprintf "The %s needs a square matrix, got %s." what (shape a))

    /// Cofactor expansion along the row with the most exact zeros: exact and division-free, which
    /// is what a symbolic determinant wants for the small sizes PhysGrad inverts.
    let rec private cofactorDet (a: Expr[,]) : Expr =
        let n = rows a

        match n with
        | 0 -> Expr.one
        | 1 -> a.[0, 0]
        | 2 -> Expr.sub (Expr.mul2 a.[0, 0] a.[1, 1]) (Expr.mul2 a.[0, 1] a.[1, 0])
        | _ ->
            let zerosIn i =
                Seq.init n (fun j -> Expr.isZero a.[i, j]) |> Seq.filter id |> Seq.length

            let r = Seq.init n id |> Seq.maxBy zerosIn

            Expr.sum (
                seq {
                    for j in 0 .. n - 1 do
                        if not (Expr.isZero a.[r, j]) then
                            let sign = if (r + j) % 2 = 0 then Expr.one else Expr.minusOne
                            yield Expr.mul [ sign; a.[r, j]; cofactorDet (minor a r j) ]
                }
            )

    and private minor (a: Expr[,]) r c =
        let n = rows a
        Array2D.init (n - 1) (n - 1) (fun i j -> a.[(if i < r then i else i + 1), (if j < c then j else j + 1)])

    /// Gaussian elimination with symbolic pivots (for n above the cofactor limit): picks as pivot a
    /// non-zero numeric entry when there is one, else the first entry that is not exactly zero.
    /// Returns the upper-triangular factor's diagonal product and the row operations applied to rhs.
    let private eliminate (a: Expr[,]) (rhs: Expr[,]) =
        let n = rows a
        let m = Array2D.copy a
        let b = Array2D.copy rhs
        let mutable det = Expr.one

        for k in 0 .. n - 1 do
            // A floating 0.0 (two products of doubles that cancelled) is no pivot either: dividing by it
            // failed the derivation with "the divisor is exactly 0".
            let candidates = [ k .. n - 1 ] |> List.filter (fun i -> not (Expr.isZeroValue m.[i, k]))

            match candidates with
            | [] -> det <- Expr.zero
            | _ ->
                let p =
                    candidates
                    |> List.tryFind (fun i -> Expr.isNumeric m.[i, k])
                    |> Option.defaultValue candidates.Head

                if p <> k then
                    det <- Expr.neg det

                    for j in 0 .. n - 1 do
                        let t = m.[k, j] in
                        m.[k, j] <- m.[p, j]
                        m.[p, j] <- t

                    for j in 0 .. cols b - 1 do
                        let t = b.[k, j] in
                        b.[k, j] <- b.[p, j]
                        b.[p, j] <- t

                let pivot = m.[k, k]
                det <- Expr.mul2 det pivot

                for i in 0 .. n - 1 do
                    if i <> k && not (Expr.isZeroValue m.[i, k]) then
                        let f = Expr.div m.[i, k] pivot

                        for j in 0 .. n - 1 do
                            m.[i, j] <- Expr.sub m.[i, j] (Expr.mul2 f m.[k, j])

                        for j in 0 .. cols b - 1 do
                            b.[i, j] <- Expr.sub b.[i, j] (Expr.mul2 f b.[k, j])

        det, m, b

    /// Largest size for which determinants and inverses use cofactors. Cofactors keep the
    /// determinant as the only denominator, so the inverse evaluates wherever it exists; elimination
    /// divides by intermediate pivots, which can vanish at a point where the inverse still exists.
    [<Literal>]
    let CofactorLimit = 6

    /// det A.
    [<CompiledName("Determinant")>]
    let det (a: Expr[,]) =
        requireSquare "determinant" a

        if rows a <= CofactorLimit then
            cofactorDet a
        else
            let d, _, _ = eliminate a (Array2D.zeroCreate (rows a) 0)
            d

    let private singular () =
        Fail.raiseWith
            ErrorKind.Singular
            "The matrix is singular: its determinant simplifies to exactly 0, so it has no inverse. \
             For a Jacobian this means the simulator is not locally invertible."

    /// adj A (the transposed cofactor matrix, A⁻¹·det A), division-free; n ≤ CofactorLimit.
    [<CompiledName("Adjugate")>]
    let adjugate (a: Expr[,]) =
        requireSquare "adjugate" a
        let n = rows a

        if n > CofactorLimit then
            Fail.raiseWith ErrorKind.TooLarge (sprintf "The adjugate is formed by cofactors up to %d×%d, got %s." CofactorLimit CofactorLimit (shape a))

        Array2D.init n n (fun i j ->
            let sign = if (i + j) % 2 = 0 then Expr.one else Expr.minusOne
            Expr.mul2 sign (cofactorDet (minor a j i)))

    /// A⁻¹, exact. Raises a Singular error when the determinant is exactly zero. For n ≤ 6 it is the
    /// adjugate over the determinant; above, Gauss–Jordan elimination with symbolic pivots.
    [<CompiledName("Inverse")>]
    let inverse (a: Expr[,]) =
        requireSquare "inverse" a
        let n = rows a

        if n <= CofactorLimit then
            let d = cofactorDet a

            if Expr.isZero d then
                singular ()

            let inv = Expr.pow d Expr.minusOne
            adjugate a |> Array2D.map (fun c -> Expr.mul2 c inv)
        else
            let d, m, b = eliminate a (identity n)

            if Expr.isZero d then
                singular ()

            Array2D.init n n (fun i j -> Expr.div b.[i, j] m.[i, i])

    /// The solution x of A·x = b.
    [<CompiledName("Solve")>]
    let solve (a: Expr[,]) (b: Expr[]) = mulVec (inverse a) b

    /// The inverse Jacobian ∂x/∂y = (∂y/∂x)⁻¹ of a square simulator y = P(x).
    [<CompiledName("InverseJacobian")>]
    let inverseJacobian (variables: Expr[]) (simulator: Expr[]) =
        if variables.Length <> simulator.Length then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf
                    "The inverse Jacobian needs as many outputs as variables; this simulator maps %s to %s. \
                     Use Gauss–Newton or HIG for non-square problems."
                    (Fail.count variables.Length "variable")
                    (Fail.count simulator.Length "output"))

        inverse (Calculus.jacobian variables simulator)
