namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// The exact integers −256 … 256 as expressions, kept once made: traced code writes its integer
/// constants (10·x, 2·u, 1 − x) as doubles on every iteration, and each would otherwise be converted to
/// a BigInteger and looked up in the intern table again. A kept node is the interned one, so the
/// result is the same node either way.
module internal SmallIntegers =
    [<Literal>]
    let Limit = 256

    let private made: Expr[] = Array.zeroCreate (2 * Limit + 1)

    /// The exact integer k, |k| ≤ Limit. A race fills a slot twice with the same interned node.
    let get (k: int) =
        let e = made.[k + Limit]

        if isNull e then
            let e = Expr.ofInt k
            made.[k + Limit] <- e
            e
        else
            e

/// A symbolic scalar for writing a simulator as ordinary code with loops (CasADi's SX is the model):
/// every operation builds the hash-consed expression through the `Expr` constructors, so running the
/// code once on symbols traces it into a graph. Arithmetic mixes freely with `double` (and, through
/// the implicit conversion, `int`); the elementary functions are static members (`Scalar.Sin(x)`),
/// which F#'s `sin`, `exp`, `sqrt`, `**` and friends find by name. There is deliberately no comparison:
/// a traced program has one path, so a branch on a value cannot be recorded (use `Abs`, `Sign` or a
/// smooth function instead).
///
/// One difference from parsed text: a number times a sum is distributed (c·(a + b) = c·a + c·b, also
/// for −(a + b) and (a + b)/c). A linear scheme such as an explicit heat step then keeps each cell's
/// state after k steps as one sum of at most 2k + 1 terms instead of a nest whose written-out (tree)
/// size grows like 3^k; text written in the expanded form gives the identical expression.
///
/// `default(Scalar)` (an unfilled array slot) is the number 0.
[<Struct; CustomEquality; NoComparison>]
type Scalar =
    val private e: Expr

    /// The scalar standing for an expression.
    new(expr: Expr) =
        if isNull expr then
            nullArg "expr"

        { e = expr }

    /// The expression (0 for `default(Scalar)`).
    member s.Expr = if isNull s.e then Expr.zero else s.e

    override s.Equals(o) =
        match o with
        | :? Scalar as t -> Object.ReferenceEquals(s.Expr, t.Expr)
        | _ -> false

    override s.GetHashCode() = s.Expr.Hash
    override s.ToString() = Infix.format s.Expr

    interface IEquatable<Scalar> with
        member s.Equals(t) = Object.ReferenceEquals(s.Expr, t.Expr)

    /// A named symbol (a variable or parameter); the name must be an identifier.
    static member Symbol(name: string) = Scalar(Expr.symbol name)

    /// A constant: an integer value is exact (as `2` in text), any other finite value floating (as
    /// `0.5` in text); not finite is an error (ErrorKind.NonFinite).
    static member Constant(value: float) = Scalar(Scalar.OfFloat value)

    static member internal OfFloat(value: float) : Expr =
        if Double.IsFinite value && value = Math.Round value && abs value <= float SmallIntegers.Limit then
            SmallIntegers.get (int value)
        elif Double.IsFinite value && value = Math.Round value && abs value < 1e15 then
            Expr.number (Rational.OfBig(Numerics.BigInteger value))
        else
            Expr.real value

    static member op_Implicit(value: float) : Scalar = Scalar.Constant value

    /// The scalar with every floating constant rounded to `digits` significant digits (an integer
    /// result becomes exact). For constants that are decimal numbers computed in floating point
    /// (0.2·0.2·… in an explicit scheme gives 0.18560000000000001 for 0.1856): with 15 digits the
    /// value moves by at most half a unit in the 15th digit, at the level of the rounding it removes.
    static member RoundConstants(s: Scalar, digits: int) : Scalar =
        Scalar(Scalar.RoundReals(s.Expr, digits))

    /// An expression with every floating constant rounded to `digits` significant digits (see
    /// RoundConstants): derived rules print their computed coefficients (products of the simulator's
    /// constants, 0.24999935999999998 for 0.24999936) without the noise of computing them.
    static member RoundReals(e: Expr, digits: int) : Expr =
        let format = "G" + string digits

        let round (e: Expr) =
            match e.Node with
            | Real r ->
                Scalar.OfFloat(Double.Parse(r.ToString(format, Globalization.CultureInfo.InvariantCulture), Globalization.CultureInfo.InvariantCulture))
            | _ -> e

        Structure.rewriteBottomUp round e

    static member private IsNumeric(e: Expr) =
        match e.Node with
        | Number _
        | Real _ -> true
        | _ -> false

    /// a·b, distributing a numeric factor over a sum (see the type's remarks).
    static member internal Times(a: Expr, b: Expr) : Expr =
        match a.Node, b.Node with
        | (Number _ | Real _), Sum ts -> Expr.sum (ts |> Array.map (fun t -> Expr.mul2 a t))
        | Sum ts, (Number _ | Real _) -> Expr.sum (ts |> Array.map (fun t -> Expr.mul2 b t))
        | _ -> Expr.mul2 a b

    static member internal Over(a: Expr, b: Expr) : Expr =
        if Scalar.IsNumeric b && not (Expr.isZeroValue b) then
            Scalar.Times(Expr.pow b Expr.minusOne, a)
        else
            Expr.div a b

    static member (+)(a: Scalar, b: Scalar) = Scalar(Expr.add a.Expr b.Expr)
    static member (+)(a: Scalar, b: float) = Scalar(Expr.add a.Expr (Scalar.OfFloat b))
    static member (+)(a: float, b: Scalar) = Scalar(Expr.add (Scalar.OfFloat a) b.Expr)
    static member (-)(a: Scalar, b: Scalar) = Scalar(Expr.add a.Expr (Scalar.Times(Expr.minusOne, b.Expr)))
    static member (-)(a: Scalar, b: float) = Scalar(Expr.add a.Expr (Scalar.OfFloat(-b)))
    static member (-)(a: float, b: Scalar) = Scalar(Expr.add (Scalar.OfFloat a) (Scalar.Times(Expr.minusOne, b.Expr)))
    static member (*)(a: Scalar, b: Scalar) = Scalar(Scalar.Times(a.Expr, b.Expr))
    static member (*)(a: Scalar, b: float) = Scalar(Scalar.Times(a.Expr, Scalar.OfFloat b))
    static member (*)(a: float, b: Scalar) = Scalar(Scalar.Times(Scalar.OfFloat a, b.Expr))
    static member (/)(a: Scalar, b: Scalar) = Scalar(Scalar.Over(a.Expr, b.Expr))
    static member (/)(a: Scalar, b: float) = Scalar(Scalar.Over(a.Expr, Scalar.OfFloat b))
    static member (/)(a: float, b: Scalar) = Scalar(Scalar.Over(Scalar.OfFloat a, b.Expr))
    static member (~-)(a: Scalar) = Scalar(Scalar.Times(Expr.minusOne, a.Expr))
    static member (~+)(a: Scalar) = a

    /// a^b (F#: `a ** b`).
    static member Pow(a: Scalar, b: Scalar) = Scalar(Expr.pow a.Expr b.Expr)
    /// a^b with a numeric exponent (an integer exponent is exact).
    static member Pow(a: Scalar, b: float) = Scalar(Expr.pow a.Expr (Scalar.OfFloat b))
    /// a², exact.
    static member Square(a: Scalar) = Scalar(Expr.pow a.Expr Expr.two)
    /// √a (a^(1/2), as `sqrt` in text).
    static member Sqrt(a: Scalar) = Scalar(Expr.sqrt a.Expr)
    static member Sin(a: Scalar) = Scalar(Expr.sin a.Expr)
    static member Cos(a: Scalar) = Scalar(Expr.cos a.Expr)
    static member Tan(a: Scalar) = Scalar(Expr.tan a.Expr)
    static member Asin(a: Scalar) = Scalar(Expr.asin a.Expr)
    static member Acos(a: Scalar) = Scalar(Expr.acos a.Expr)
    static member Atan(a: Scalar) = Scalar(Expr.atan a.Expr)
    static member Sinh(a: Scalar) = Scalar(Expr.sinh a.Expr)
    static member Cosh(a: Scalar) = Scalar(Expr.cosh a.Expr)
    static member Tanh(a: Scalar) = Scalar(Expr.tanh a.Expr)
    static member Exp(a: Scalar) = Scalar(Expr.exp a.Expr)
    static member Log(a: Scalar) = Scalar(Expr.log a.Expr)
    static member Abs(a: Scalar) = Scalar(Expr.abs a.Expr)
    /// log(1 + a), accurate for small a.
    static member Log1p(a: Scalar) = Scalar(Expr.log1p a.Expr)
    /// exp(a) − 1, accurate for small a.
    static member Expm1(a: Scalar) = Scalar(Expr.expm1 a.Expr)
    /// The sign −1, 0 or 1 (a value, not a branch: its derivative is 0 away from 0).
    static member SignOf(a: Scalar) = Scalar(Expr.sign a.Expr)
    /// atan2(y, x), the angle of the point (x, y).
    static member Atan2(y: Scalar, x: Scalar) = Scalar(Expr.atan2 y.Expr x.Expr)

    /// The sum of many terms in one n-ary sum. Prefer it to `s = s + t` in a loop: a sum is flattened
    /// and merged on every addition, so accumulating k terms one by one costs k²/2 term visits.
    static member Sum(terms: seq<Scalar>) =
        Scalar(Expr.sum (terms |> Seq.map (fun t -> t.Expr)))

/// A traced simulator over output slots: fill `outputs` from `inputs` (loops allowed).
type SpanSimulator = delegate of inputs: ReadOnlySpan<Scalar> * outputs: Span<Scalar> -> unit

/// Turns code over `Scalar` into expressions: the code runs once on the symbols x0, x1, … (or names
/// given), and what it returns is the simulator's components.
[<AbstractClass; Sealed>]
type Tracer =
    static member private Check(n: int) =
        if n < 1 then
            Fail.raiseWith ErrorKind.Invalid (sprintf "A traced function needs at least one variable; n was %d." n)

    /// The symbols prefix0 … prefix{n−1} as scalars (x0, x1, … for the prefix "x").
    static member Variables(n: int, prefix: string) : Scalar[] =
        Tracer.Check n
        Array.init n (fun i -> Scalar.Symbol(prefix + string i))

    /// The variable names x0 … x{n−1} a traced simulator of n variables uses.
    static member VariableNames(n: int) : string[] =
        Tracer.Check n
        Array.init n (fun i -> "x" + string i)

    static member private Collect(outputs: Scalar[]) =
        if isNull outputs || outputs.Length = 0 then
            Fail.raiseWith ErrorKind.Invalid "The traced function returned no outputs; return one Scalar per component."

        outputs |> Array.map (fun s -> s.Expr)

    /// The simulator `f` traced over the variables x0 … x{n−1}: one expression per element of what it
    /// returns. Errors of the expressions (division by an exact zero, a non-finite constant) surface
    /// as SymbolicExceptions from the operation that causes them.
    static member Simulator(n: int, f: Func<Scalar[], Scalar[]>) : Expr[] =
        Tracer.Function(Tracer.VariableNames n, f)

    /// The simulator traced over named variables (any identifiers, in this order).
    static member Function(names: string[], f: Func<Scalar[], Scalar[]>) : Expr[] =
        if isNull names then nullArg "names"
        if isNull f then nullArg "f"
        Tracer.Check names.Length
        Tracer.Collect(f.Invoke(names |> Array.map Scalar.Symbol))

    /// The simulator traced over x0 … x{n−1} into m output slots (all 0 until written).
    static member Simulator(n: int, m: int, f: SpanSimulator) : Expr[] =
        if isNull f then nullArg "f"
        Tracer.Check n

        if m < 1 then
            Fail.raiseWith ErrorKind.Invalid (sprintf "A traced simulator needs at least one output; m was %d." m)

        let inputs = Tracer.Variables(n, "x")
        let outputs = Array.zeroCreate<Scalar> m
        f.Invoke(ReadOnlySpan inputs, Span outputs)
        Tracer.Collect outputs
