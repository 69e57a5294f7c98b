/// A sum or product of two short decimals is folded in 128-bit integers when it fits (branch `fold23`,
/// BENCHMARKS.md "heat1d at 10⁵: short decimals folded in 128-bit integers"), in rationals otherwise. Both
/// must give the double the exact decimal result rounds to: checked against the rationals' own fold
/// (Rational.TryOfShortDecimal, + or ×, ToDouble) and against the runtime's correctly rounded parsing of
/// the exact result's digits, which shares no code with either.
module PhysGrad.Properties.ShortDecimalFolds23

open System
open System.Globalization
open System.Numerics
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

/// An operand: ±digits·10^exponent written as a floating constant (kind 0), an exact integer ±digits
/// (kind 1), or the exact fraction ±digits/7 (kind 2, which only the rationals fold).
type Operand = { Digits: int64; Exponent: int; Negative: bool; Kind: int }

let private signed (o: Operand) = if o.Negative then -o.Digits else o.Digits

let private value (o: Operand) =
    match o.Kind with
    | 0 -> Double.Parse(sprintf "%de%d" (signed o) o.Exponent, CultureInfo.InvariantCulture)
    | 1 -> float (signed o)
    | _ -> (Rational.Create(BigInteger(signed o), BigInteger 7)).ToDouble()

let private node (o: Operand) =
    match o.Kind with
    | 0 -> Expr.real (value o)
    | 1 -> Expr.number (Rational.OfBig(BigInteger(signed o)))
    | _ -> Expr.number (Rational.Create(BigInteger(signed o), BigInteger 7))

/// The exact rational an operand stands for, as the fold reads it; None for a floating one of more
/// than 15 digits (a computed double, which folds in doubles).
let private exact (o: Operand) =
    match o.Kind with
    | 0 -> Rational.TryOfShortDecimal(value o)
    | 1 -> ValueSome(Rational.OfBig(BigInteger(signed o)))
    | _ -> ValueSome(Rational.Create(BigInteger(signed o), BigInteger 7))

/// Floating operands of 1 to 17 digits (most 15 or fewer, the short decimals) at exponents −38 … 12, so
/// that values fall inside the floating short-decimal test's range [1e-7, 1e21) and outside it, and
/// sums meet operands of far-apart exponents; exact integers up to 2^53; a few exact fractions.
let private operands: Arbitrary<Operand> =
    let digits =
        Gen.frequency [ 8, Gen.choose (1, 15); 1, Gen.choose (16, 17) ]
        |> Gen.bind (fun n -> Gen.choose (0, Int32.MaxValue) |> Gen.map (fun seed -> (Random seed).NextInt64(1L, pown 10L n)))

    let floating =
        Gen.map3 (fun d e s -> { Digits = d; Exponent = e; Negative = s; Kind = 0 }) digits (Gen.choose (-38, 12)) (Gen.elements [ false; true ])

    let integer =
        Gen.map2
            (fun seed s -> { Digits = (Random seed).NextInt64(0L, 9007199254740993L); Exponent = 0; Negative = s; Kind = 1 })
            (Gen.choose (0, Int32.MaxValue))
            (Gen.elements [ false; true ])

    let fraction =
        Gen.map2 (fun d s -> { Digits = int64 d; Exponent = 0; Negative = s; Kind = 2 }) (Gen.choose (1, 1000000)) (Gen.elements [ false; true ])

    // Shrinks toward fewer digits, exponent 0, positive, floating.
    let shrink (o: Operand) =
        seq {
            if o.Digits >= 10L then yield { o with Digits = o.Digits / 10L }
            if o.Exponent <> 0 then yield { o with Exponent = o.Exponent / 2 }
            if o.Negative then yield { o with Negative = false }
            if o.Kind = 2 then yield { o with Kind = 0 }
        }

    Arb.fromGenShrink (Gen.frequency [ 6, floating; 2, integer; 1, fraction ], shrink)

type OperandArb =
    static member Operands() = operands

let private constantOf (e: Expr) =
    match e.Node with
    | Real v -> v
    | Number q -> q.ToDouble()
    | _ -> failwithf "not folded to a constant: %s" (Infix.format e)

/// The exact decimal ±m·10^e of a floating operand of at most 15 digits (the one its double is nearest to).
let private decimalOf (o: Operand) = struct (BigInteger(signed o), o.Exponent)

/// The double nearest a ∘ b for two decimals, by the runtime's parsing of the exact result's digits.
let private parsedFold (op: int) (struct (m1: BigInteger, e1: int)) (struct (m2: BigInteger, e2: int)) =
    let digits, exponent =
        if op = 2 then
            m1 * m2, e1 + e2
        else
            let e = min e1 e2
            m1 * BigInteger.Pow(BigInteger 10, e1 - e) + m2 * BigInteger.Pow(BigInteger 10, e2 - e), e

    Double.Parse(digits.ToString(CultureInfo.InvariantCulture) + "e" + string exponent, CultureInfo.InvariantCulture)

let private check (op: int) (a: Operand) (b: Operand) =
    let x, y = value a, value b
    let folded = constantOf (if op = 1 then Expr.add (node a) (node b) else Expr.mul2 (node a) (node b))

    // The rationals' fold, or the double operation when an operand is a computed double.
    let viaRationals =
        match exact a, exact b with
        | ValueSome p, ValueSome q -> (if op = 1 then p + q else p * q).ToDouble()
        | _ -> if op = 1 then x + y else x * y

    let decimalOperand (o: Operand) = o.Kind = 1 || (o.Kind = 0 && o.Digits < 1000000000000000L)

    let viaParsing =
        if decimalOperand a && decimalOperand b then
            let read (o: Operand) = if o.Kind = 1 then struct (BigInteger(signed o), 0) else decimalOf o
            ValueSome(parsedFold op (read a) (read b))
        else
            ValueNone

    let same (u: float) (v: float) = BitConverter.DoubleToInt64Bits u = BitConverter.DoubleToInt64Bits v

    (same folded viaRationals && (viaParsing.IsNone || same folded viaParsing.Value))
    |> Prop.label (
        sprintf
            "%s %s %s: folded %s, rationals %s, parsed %s"
            (x.ToString("R", CultureInfo.InvariantCulture))
            (if op = 1 then "+" else "×")
            (y.ToString("R", CultureInfo.InvariantCulture))
            (folded.ToString("R", CultureInfo.InvariantCulture))
            (viaRationals.ToString("R", CultureInfo.InvariantCulture))
            (match viaParsing with
             | ValueSome v -> v.ToString("R", CultureInfo.InvariantCulture)
             | ValueNone -> "-")
    )

[<Property(MaxTest = 4000, Arbitrary = [| typeof<OperandArb> |])>]
let ``the product of two constants folds to the double nearest the exact product of their decimals`` (a: Operand) (b: Operand) =
    check 2 a b

[<Property(MaxTest = 4000, Arbitrary = [| typeof<OperandArb> |])>]
let ``the sum of two constants folds to the double nearest the exact sum of their decimals`` (a: Operand) (b: Operand) =
    check 1 a b

let private fold (op: string) (x: float) (y: float) =
    constantOf (if op = "+" then Expr.add (Expr.real x) (Expr.real y) else Expr.mul2 (Expr.real x) (Expr.real y))

[<Fact>]
let ``an exact product halfway between two doubles rounds to the even one`` () =
    // 160.5 · 56119621524866 = 321 · 28059810762433 = 2^53 + 1, halfway between 2^53 and 2^53 + 2: the
    // 128-bit quotient's sticky bit must leave it a tie, which goes to 2^53 (even).
    Assert.Equal(9007199254740992.0, fold "×" 160.5 56119621524866.0)
    // 160.5 more, 2^53 + 161.5: half a unit nearer 2^53 + 162 than 2^53 + 160.
    Assert.Equal(9007199254741154.0, fold "×" 160.5 56119621524867.0)
    // The decimal 0.1 · 0.2 is 0.02 (the doubles' product is 0.020000000000000004).
    Assert.Equal(0.02, fold "×" 0.1 0.2)
    Assert.Equal(0.3, fold "+" 0.1 0.2)
    // Exponents 10^-7 and 10^20 apart: the digits of the sum are more than 128 bits wide at one exponent
    // (the rationals fold it), still the nearest double to 1e20 + 1e-7, which is 1e20.
    Assert.Equal(1e20, fold "+" 1e20 1e-7)
    // Opposite signs: -0.1 + 0.1 is the exact 0, and 2.5 + -0.75 is 1.75.
    Assert.Equal(0.0, fold "+" -0.1 0.1)
    Assert.Equal(1.75, fold "+" 2.5 -0.75)

[<Fact>]
let ``a result just past halfway between two doubles rounds up: the digits cut from the quotient are kept as a sticky bit`` () =
    // 9007199254740991 + 2.0000001 = 2^53 + 1 + 10^-7: the 62 bits kept of the 128-bit quotient read as the
    // tie 2^53 + 1 exactly (the 10^-7 is below them), so only the sticky bit sends it up to 2^53 + 2.
    let exactSum = Expr.add (Expr.number (Rational.OfBig(BigInteger 9007199254740991L))) (Expr.real 2.0000001)
    Assert.Equal(9007199254740994.0, constantOf exactSum)
    // Two decimals of 15 digits whose product of 30 digits is shifted right before the division (its cut
    // bits are the sticky part); without them it would give 6.2832751737633864E+25.
    Assert.Equal(6.283275173763387e+25, fold "×" 2703445632599.99 23241729361949.7)

[<Fact>]
let ``an exact integer beyond 2^53 takes part with its own value, not its double's`` () =
    // 2^53 + 1 is the double 2^53; + 0.5 is exactly 2^53 + 1.5, nearest 2^53 + 2 (2^53 + 0.5 would give 2^53).
    let big = Expr.number (Rational.OfBig(BigInteger 9007199254740993L))
    Assert.Equal(9007199254740994.0, constantOf (Expr.add (Expr.real 0.5) big))
    // The exact 2^53 folded first must not answer for 2^53 + 1 from the memo (both have 2^53's bits).
    let even = Expr.number (Rational.OfBig(BigInteger 9007199254740992L))
    Assert.Equal(9007199254740992.0, constantOf (Expr.add (Expr.real 0.5) even))
    Assert.Equal(9007199254740994.0, constantOf (Expr.add (Expr.real 0.5) big))
