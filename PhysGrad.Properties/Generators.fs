/// Random expressions for the property tests: a small syntax tree (so that FsCheck can shrink it to a
/// readable counterexample), turned into a PhysGrad expression through the smart constructors, and an
/// independent naive evaluator of the tree that shares no code with PhysGrad's simplifier.
module PhysGrad.Properties.Generators

open System
open FsCheck
open FsCheck.FSharp
open PhysGrad.Symbolic

let variableNames = [| "x"; "y"; "z" |]
let variables = variableNames |> Array.map Expr.symbol

type Term =
    | Var of int
    | Int of int
    | Frac of int * int
    | Flt of float
    | Add of Term * Term
    | Sub of Term * Term
    | Mul of Term * Term
    | Div of Term * Term
    | Neg of Term
    | IntPow of Term * int
    | Sqrt of Term
    | Pow of Term * Term
    | Fn of Function * Term
    | Atan2 of Term * Term

    /// Shown in counterexamples as the infix text of the tree itself (before simplification).
    override t.ToString() =
        let rec show t =
            match t with
            | Var i -> variableNames.[i]
            | Int n -> if n < 0 then sprintf "(%d)" n else string n
            | Frac(p, q) -> sprintf "(%d/%d)" p q
            | Flt x -> sprintf "%s" (x.ToString("R", Globalization.CultureInfo.InvariantCulture))
            | Add(a, b) -> sprintf "(%s + %s)" (show a) (show b)
            | Sub(a, b) -> sprintf "(%s - %s)" (show a) (show b)
            | Mul(a, b) -> sprintf "%s*%s" (show a) (show b)
            | Div(a, b) -> sprintf "%s/(%s)" (show a) (show b)
            | Neg a -> sprintf "-(%s)" (show a)
            | IntPow(a, k) -> sprintf "(%s)^(%d)" (show a) k
            | Sqrt a -> sprintf "sqrt(%s)" (show a)
            | Pow(a, b) -> sprintf "(%s)^(%s)" (show a) (show b)
            | Fn(f, a) -> sprintf "%s(%s)" (Expr.functionName f) (show a)
            | Atan2(a, b) -> sprintf "atan2(%s, %s)" (show a) (show b)

        show t

/// The term as a PhysGrad expression (may raise DivisionByZero when a divisor simplifies to 0).
let rec toExpr (t: Term) : Expr =
    match t with
    | Var i -> variables.[i]
    | Int n -> Expr.ofInt n
    | Frac(p, q) -> Expr.fraction p q
    | Flt x -> Expr.real x
    | Add(a, b) -> Expr.add (toExpr a) (toExpr b)
    | Sub(a, b) -> Expr.sub (toExpr a) (toExpr b)
    | Mul(a, b) -> Expr.mul2 (toExpr a) (toExpr b)
    | Div(a, b) -> Expr.div (toExpr a) (toExpr b)
    | Neg a -> Expr.neg (toExpr a)
    | IntPow(a, k) -> Expr.pow (toExpr a) (Expr.ofInt k)
    | Sqrt a -> Expr.sqrt (toExpr a)
    | Pow(a, b) -> Expr.pow (toExpr a) (toExpr b)
    | Fn(f, a) -> Expr.apply f (toExpr a)
    | Atan2(a, b) -> Expr.atan2 (toExpr a) (toExpr b)

let tryExpr (t: Term) =
    try
        Some(toExpr t)
    with :? SymbolicException ->
        None

/// What the naive evaluation of a tree saw: its value, the largest magnitude met on the way (the
/// scale that rounding errors are relative to), and the smallest distance of any intermediate
/// argument to a point where its function is not differentiable (a kink, a pole, a branch point).
[<Struct>]
type Naive =
    { Value: float
      Scale: float
      Margin: float }

/// Plain IEEE evaluation of the tree. Zeros are unsigned, as in exact arithmetic: −0.0 would make
/// atan2(−0, −0) = −π where the exact expression has atan2(0, 0) = 0.
let rec naiveEval (p: float[]) (t: Term) : Naive =
    let inline unsigned (v: float) = if v = 0.0 then 0.0 else v

    let leaf (v: float) =
        { Value = v
          Scale = abs v
          Margin = infinity }

    // A subterm outside its domain (a negative base to a non-integer power, log of a negative number)
    // makes the whole tree undefined there, even where IEEE arithmetic hides it: pow(1, NaN) = 1 and
    // pow(NaN, 0) = 1, while 1^(undefined) is undefined. Such a point is outside the domain (margin 0),
    // where a simplified form (1^w = 1) and the unsimplified program (NaN) may both be right.
    let outside (scale: float) =
        { Value = nan
          Scale = scale
          Margin = 0.0 }

    let un (f: float -> float) (margin: float -> float) a =
        let r = naiveEval p a
        let v = unsigned (f r.Value)

        if Double.IsNaN r.Value || Double.IsNaN v then
            outside r.Scale
        else
            { Value = v
              Scale = max r.Scale (abs v)
              Margin = min r.Margin (margin r.Value) }

    let bin (f: float -> float -> float) (margin: float -> float -> float) a b =
        let r = naiveEval p a
        let s = naiveEval p b
        let v = unsigned (f r.Value s.Value)

        if Double.IsNaN r.Value || Double.IsNaN s.Value || Double.IsNaN v then
            outside (max r.Scale s.Scale)
        else
            { Value = v
              Scale = max (max r.Scale s.Scale) (abs v)
              Margin = min (min r.Margin s.Margin) (margin r.Value s.Value) }

    let smooth _ = infinity
    let smooth2 _ _ = infinity

    match t with
    | Var i -> leaf p.[i]
    | Int n -> leaf (float n)
    | Frac(p', q) -> leaf (float p' / float q)
    | Flt x -> leaf x
    | Add(a, b) -> bin (+) smooth2 a b
    | Sub(a, b) -> bin (-) smooth2 a b
    | Mul(a, b) -> bin (*) smooth2 a b
    | Div(a, b) -> bin (/) (fun _ y -> abs y) a b
    | Neg a -> un (fun x -> -x) smooth a
    | IntPow(a, k) -> un (fun x -> Math.Pow(x, float k)) (fun x -> if k < 0 then abs x else infinity) a
    | Sqrt a -> un Math.Sqrt abs a
    | Pow(a, b) -> bin (fun x y -> Math.Pow(x, y)) (fun x _ -> abs x) a b
    | Fn(f, a) ->
        let margin =
            match f with
            | Function.Log
            | Function.Abs
            | Function.Sign -> abs
            | Function.Asin
            | Function.Acos -> fun x -> 1.0 - abs x
            | Function.Tan -> fun x -> abs (cos x)
            | _ -> smooth

        un (Evaluate.applyFunction f) margin a
    // atan2 at the origin is undefined (IEEE's atan2(±0, ±0) = 0 or ±π hangs on the zeros' signs, which an
    // equal rewrite such as a·0 for 0·a may flip): the point is outside the domain, not a value to compare.
    | Atan2(a, b) ->
        bin (fun y x -> if y = 0.0 && x = 0.0 then nan else Math.Atan2(y, x)) (fun y x -> sqrt (x * x + y * y)) a b

/// Whether the naive value is resolved to the properties' tolerance: every intermediate argument lies
/// further than 10⁻⁶ of the tree's scale from a branch point. Near one the slope is unbounded (asin at ±1,
/// sqrt and log at 0), and an argument that cancels to within rounding of it, such as v/((−2 − v) + 2) =
/// −1 ± u, moves asin's value by √(2u) ≈ 10⁻⁸: the naive value is then itself off by more than the
/// tolerance, while an exact rewrite lands on the branch point. At a margin above 10⁻⁶·scale the slope
/// amplifies an argument's few-ulp error to at most about 10⁻¹³ of the scale.
let resolved (r: Naive) = r.Margin > 1e-6 * (1.0 + r.Scale)

/// The value and the scale of the naive evaluation.
let naive (p: float[]) (t: Term) : struct (float * float) =
    let r = naiveEval p t
    struct (r.Value, r.Scale)

let private functions =
    [| Function.Sin
       Function.Cos
       Function.Tan
       Function.Asin
       Function.Acos
       Function.Atan
       Function.Sinh
       Function.Cosh
       Function.Tanh
       Function.Exp
       Function.Log
       Function.Abs
       Function.Sign |]

let private leaf: Gen<Term> =
    Gen.frequency
        [ 6, Gen.choose (0, 2) |> Gen.map Var
          3, Gen.choose (-3, 4) |> Gen.map Int
          1, Gen.map2 (fun p q -> Frac(p, q)) (Gen.choose (-5, 5)) (Gen.choose (2, 6))
          1, Gen.elements [ 0.5; 1.5; -2.25; 3.0; 0.1 ] |> Gen.map Flt ]

let rec private sized (n: int) : Gen<Term> =
    if n <= 0 then
        leaf
    else
        let sub = sized (n / 2)
        let one = sized (n - 1)

        Gen.frequency
            [ 3, leaf
              3, Gen.map2 (fun a b -> Add(a, b)) sub sub
              2, Gen.map2 (fun a b -> Sub(a, b)) sub sub
              3, Gen.map2 (fun a b -> Mul(a, b)) sub sub
              1, Gen.map2 (fun a b -> Div(a, b)) sub sub
              1, Gen.map Neg one
              2, Gen.map2 (fun a k -> IntPow(a, k)) one (Gen.choose (-2, 4))
              1, Gen.map Sqrt one
              1, Gen.map2 (fun a b -> Pow(a, b)) sub sub
              3, Gen.map2 (fun f a -> Fn(f, a)) (Gen.elements functions) one
              1, Gen.map2 (fun a b -> Atan2(a, b)) sub sub ]

/// Shrinks towards smaller trees: a node to its children, leaves to 0 and x.
let rec shrink (t: Term) : seq<Term> =
    seq {
        match t with
        | Var 0
        | Int 0 -> ()
        | Var _
        | Frac _
        | Flt _ -> yield Int 1
        | Int n -> yield Int(n / 2)
        | Add(a, b)
        | Sub(a, b)
        | Mul(a, b)
        | Div(a, b)
        | Pow(a, b)
        | Atan2(a, b) ->
            let rebuild a' b' =
                match t with
                | Add _ -> Add(a', b')
                | Sub _ -> Sub(a', b')
                | Mul _ -> Mul(a', b')
                | Div _ -> Div(a', b')
                | Pow _ -> Pow(a', b')
                | _ -> Atan2(a', b')

            yield a
            yield b

            for a' in shrink a do
                yield rebuild a' b

            for b' in shrink b do
                yield rebuild a b'
        | Neg a
        | Sqrt a ->
            yield a

            for a' in shrink a do
                yield
                    (match t with
                     | Neg _ -> Neg a'
                     | _ -> Sqrt a')
        | IntPow(a, k) ->
            yield a

            for a' in shrink a do
                yield IntPow(a', k)
        | Fn(f, a) ->
            yield a

            for a' in shrink a do
                yield Fn(f, a')
    }

/// Random terms (that build without an exact division by zero), with shrinking.
let terms: Arbitrary<Term> =
    Arb.fromGenShrink (
        Gen.sized (fun s -> sized (min s 12))
        |> Gen.filter (fun t -> (tryExpr t).IsSome),
        shrink
    )

/// Random points in [-2, 2]³, off the grid so that kinks (|x| at 0) are rarely hit exactly.
let points: Arbitrary<float[]> =
    let coordinate =
        Gen.choose (-2000, 2000) |> Gen.map (fun k -> float k / 1000.0 + 0.000123)

    Arb.fromGenShrink (
        Gen.arrayOfLength 3 coordinate,
        fun p ->
            seq {
                if p |> Array.exists (fun x -> abs x > 0.6) then
                    yield p |> Array.map (fun x -> x / 2.0)
            }
    )

let termAndPoints: Arbitrary<Term * float[]> = Arb.zip (terms, points)

/// Relative closeness with an absolute floor tied to the scale of the computation.
let close (tolerance: float) (scale: float) (a: float) (b: float) =
    (Double.IsNaN a && Double.IsNaN b)
    || a = b
    || abs (a - b) <= tolerance * (1.0 + max scale (max (abs a) (abs b)))

let evalAt (p: float[]) (e: Expr) = Evaluate.at variableNames p e

let finite (x: float) =
    not (Double.IsNaN x || Double.IsInfinity x)
