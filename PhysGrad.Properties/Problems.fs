/// Random invertible problems for the property tests: simulators composed of elementwise invertible
/// maps and well-conditioned linear maps, kept as a small description (so FsCheck shrinks them to a
/// readable counterexample), with a forward evaluation in plain F# that shares no code with PhysGrad.
module PhysGrad.Properties.Problems

open System
open FsCheck
open FsCheck.FSharp
open PhysGrad.Symbolic

/// An elementwise map that is invertible (the even ones on each side of 0).
type Piece =
    | Identity
    | Exp
    | Cube
    | Sinh
    | Atan
    | Tanh
    | Square
    | Cosh
    | Abs

    /// Whether the piece folds ℝ onto a half-line (two preimages, chosen by the branch).
    member p.IsEven =
        match p with
        | Square
        | Cosh
        | Abs -> true
        | _ -> false

type Layer =
    /// u ↦ A·u + b with A strictly diagonally dominant (so invertible and well conditioned).
    | Linear of int[][] * int[]
    | Elementwise of Piece[]

/// Runs the layers over a start vector, given how to apply one row of a linear map and one piece.
let private through (row: int[] -> int -> 'a[] -> 'a) (piece: Piece -> 'a -> 'a) (layers: Layer list) (x: 'a[]) =
    layers
    |> List.fold
        (fun (u: 'a[]) layer ->
            match layer with
            | Linear(a, b) -> Array.init u.Length (fun i -> row a.[i] b.[i] u)
            | Elementwise fs -> Array.map2 piece fs u)
        x

/// y = P(x): the layers applied in order to x ∈ ℝⁿ.
type Invertible =
    { N: int
      Layers: Layer list }

    member p.Variables = Array.init p.N (sprintf "x%d")

    override p.ToString() =
        let row (a: int[]) (b: int) (u: string[]) =
            [ for j in 0 .. u.Length - 1 do
                  if a.[j] <> 0 then
                      yield sprintf "%d*(%s)" a.[j] u.[j]
              if b <> 0 then
                  yield string b ]
            |> String.concat " + "

        let piece f (v: string) =
            match f with
            | Identity -> v
            | Cube -> sprintf "(%s)^3" v
            | Square -> sprintf "(%s)^2" v
            | f -> sprintf "%s(%s)" (f.ToString().ToLowerInvariant()) v

        let simulator = through row piece p.Layers p.Variables

        String.Join("; ", simulator)

let private applyPiece (f: Piece) (u: Expr) =
    match f with
    | Identity -> u
    | Exp -> Expr.exp u
    | Cube -> Expr.pow u (Expr.ofInt 3)
    | Sinh -> Expr.sinh u
    | Atan -> Expr.atan u
    | Tanh -> Expr.tanh u
    | Square -> Expr.pow u Expr.two
    | Cosh -> Expr.cosh u
    | Abs -> Expr.abs u

let private valuePiece (f: Piece) (u: float) =
    match f with
    | Identity -> u
    | Exp -> exp u
    | Cube -> u * u * u
    | Sinh -> sinh u
    | Atan -> atan u
    | Tanh -> tanh u
    | Square -> u * u
    | Cosh -> cosh u
    | Abs -> abs u

/// The simulator as expressions in x0, x1, ….
let simulator (p: Invertible) : Expr[] =
    let row (a: int[]) (b: int) (u: Expr[]) =
        Expr.sum
            [ yield Expr.ofInt b
              for j in 0 .. u.Length - 1 -> Expr.mul2 (Expr.ofInt a.[j]) u.[j] ]

    through row applyPiece p.Layers (p.Variables |> Array.map Expr.symbol)

/// P(x) in plain floating point, with how far x is from where a piece folds or flattens: the smallest
/// |argument| of an even piece or a cube, and 2.5 − |argument| of a tanh.
let forward (p: Invertible) (x: float[]) : float[] * float =
    let mutable margin = infinity

    let row (a: int[]) (b: int) (u: float[]) =
        float b + Array.fold2 (fun s aij uj -> s + float aij * uj) 0.0 a u

    let piece (f: Piece) v =
        // Where a piece folds (even pieces at 0) or flattens (v³ at 0, tanh far out: tanh(19) = 1.0)
        // its inverse is undefined or ill-conditioned.
        match f with
        | Square
        | Cosh
        | Abs
        | Cube -> margin <- min margin (abs v)
        | Tanh -> margin <- min margin (2.5 - abs v)
        | _ -> ()

        valuePiece f v

    let y = through row piece p.Layers x
    y, margin

let private pieces = [| Identity; Exp; Cube; Sinh; Atan; Tanh; Square; Cosh; Abs |]

let private linear (n: int) : Gen<Layer> =
    gen {
        let! off = Gen.arrayOfLength (n * n) (Gen.choose (-2, 2))
        let! extra = Gen.arrayOfLength n (Gen.choose (1, 2))
        let! signs = Gen.arrayOfLength n (Gen.elements [ -1; 1 ])
        let! b = Gen.arrayOfLength n (Gen.choose (-1, 1))

        let a =
            Array.init n (fun i ->
                let row = Array.init n (fun j -> if i = j then 0 else off.[i * n + j])
                row.[i] <- signs.[i] * (Array.sumBy abs row + extra.[i])
                row)

        return Linear(a, b)
    }

let private elementwise (n: int) : Gen<Layer> =
    Gen.arrayOfLength n (Gen.elements pieces) |> Gen.map Elementwise

/// P = g(A·f(x) + b): a linear map between two elementwise maps, each of the three optional (the
/// class the symbolic local inverse solves; two linear maps with an elementwise map between them
/// are not in it).
let private invertible: Gen<Invertible> =
    gen {
        let! n = Gen.choose (1, 3)

        let optional (g: Gen<Layer>) =
            Gen.frequency [ 1, Gen.constant []; 3, g |> Gen.map List.singleton ]

        let! inner = optional (elementwise n)
        let! middle = optional (linear n)
        let! outer = optional (elementwise n)
        let! fallback = elementwise n
        let layers = inner @ middle @ outer

        return
            { N = n
              Layers = if layers.IsEmpty then [ fallback ] else layers }
    }

/// Shrinks by dropping layers, making pieces the identity and clearing off-diagonal entries and offsets.
let shrinkInvertible (p: Invertible) : seq<Invertible> =
    seq {
        if p.Layers.Length > 1 then
            for k in 0 .. p.Layers.Length - 1 do
                yield
                    { p with
                        Layers = p.Layers |> List.removeAt k }

        for k in 0 .. p.Layers.Length - 1 do
            let replace l =
                { p with
                    Layers = p.Layers |> List.updateAt k l }

            match p.Layers.[k] with
            | Elementwise fs ->
                for i in 0 .. fs.Length - 1 do
                    if fs.[i] <> Identity then
                        yield replace (Elementwise(Array.updateAt i Identity fs))
            | Linear(a, b) ->
                if b |> Array.exists ((<>) 0) then
                    yield replace (Linear(a, Array.zeroCreate b.Length))

                for i in 0 .. p.N - 1 do
                    for j in 0 .. p.N - 1 do
                        if i <> j && a.[i].[j] <> 0 then
                            yield
                                replace (
                                    Linear(
                                        a |> Array.mapi (fun r row -> if r = i then Array.updateAt j 0 row else row),
                                        b
                                    )
                                )
    }

/// A point in [-1, 1]ⁿ for a problem of n variables, off the grid.
let point (n: int) : Gen<float[]> =
    Gen.arrayOfLength n (Gen.choose (-1000, 1000) |> Gen.map (fun k -> float k / 1000.0 + 0.000321))

/// An invertible problem with a point, where P is finite and of moderate size and each folding or
/// flattening piece is at least `margin` from where it folds (so the branch is well defined there
/// and the inverse well conditioned).
let problemsWithMargin (margin: float) : Arbitrary<Invertible * float[]> =
    let both =
        gen {
            let! p = invertible
            let! x = point p.N
            return p, x
        }

    let usable (p: Invertible, x: float[]) =
        let y, m = forward p x
        y |> Array.forall (fun v -> Double.IsFinite v && abs v < 1e4) && m > margin

    Arb.fromGenShrink (
        both |> Gen.filter usable,
        fun (p, x) -> shrinkInvertible p |> Seq.map (fun q -> q, x) |> Seq.filter usable
    )

/// Invertible problems with points at least 0.05 from any fold.
let problemsAt = problemsWithMargin 0.05

// ---- monomial simulators in units -------------------------------------------------------------------------

/// yⱼ = cⱼ·Πᵢ xᵢ^Kⱼᵢ with xᵢ in unit Unitsᵢ: unit-consistent for every unit assignment, invertible for
/// det K ≠ 0 and x > 0 (the unit properties of docs/theory.md §3, Theory and StepUnitScales).
type Monomial =
    { K: int[][]
      C: int[]
      Units: string[] }

    member m.N = m.K.Length

    member m.Simulator =
        Array.init m.N (fun j ->
            Expr.mul
                [ yield Expr.ofInt m.C.[j]
                  for i in 0 .. m.N - 1 -> Expr.pow (Expr.symbol (sprintf "x%d" i)) (Expr.ofInt m.K.[j].[i]) ])

    override m.ToString() =
        sprintf "P = %s with units %s" (String.Join("; ", m.Simulator |> Array.map Infix.format)) (String.Join(", ", m.Units))

/// Monomials of one or two variables with exponents in {−1, 1, 2, 3}, coefficients 1 … 3, det K ≠ 0, and
/// each variable's unit drawn from units (which should hold "1" and "m"). Shrinks towards dimensionless
/// variables, then metres, and unit coefficients, keeping K invertible.
let monomialsIn (units: string list) : Arbitrary<Monomial> =
    let det (k: int[][]) =
        match k.Length with
        | 1 -> k.[0].[0]
        | _ -> k.[0].[0] * k.[1].[1] - k.[0].[1] * k.[1].[0]

    let g =
        gen {
            let! n = Gen.choose (1, 2)
            let! k = Gen.arrayOfLength n (Gen.arrayOfLength n (Gen.elements [ -1; 1; 2; 3 ]))
            let! c = Gen.arrayOfLength n (Gen.elements [ 1; 2; 3 ])
            let! us = Gen.arrayOfLength n (Gen.elements units)
            return { K = k; C = c; Units = us }
        }
        |> Gen.filter (fun m -> det m.K <> 0)

    Arb.fromGenShrink (
        g,
        fun m ->
            seq {
                for i in 0 .. m.N - 1 do
                    if m.Units.[i] <> "1" then
                        yield { m with Units = Array.updateAt i "1" m.Units }

                    if m.Units.[i] <> "m" && m.Units.[i] <> "1" then
                        yield { m with Units = Array.updateAt i "m" m.Units }

                    if m.C.[i] <> 1 then
                        yield { m with C = Array.updateAt i 1 m.C }
            }
    )
