/// The faults of issue #12's new-user trial, each tested by its kind: LaTeX numbers without
/// E-notation, closed-form rules without rounding residue, signatures in the user's order, parse
/// errors that list only what fits, and an x* that is the preimage nearest the start.
module PhysGrad.Properties.Issue12Faults

open System
open System.Globalization
open System.Text.RegularExpressions
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad.Symbolic

let private (|@) (ok: bool) (label: string) = ok |> Prop.label label

/// A double spread over the whole exponent range: ±m·10^k for an integer m of up to 15 digits.
let private wideDoubles =
    gen {
        let! m = Gen.choose64 (1L, 999_999_999_999_999L)
        let! digits = Gen.choose (0, 14)
        let! k = Gen.choose (-300, 290)
        let! negative = Gen.elements [ false; true ]
        let x = float m / Math.Pow(10.0, float digits) * Math.Pow(10.0, float k)
        return if negative then -x else x
    }
    |> Gen.filter (fun x -> Double.IsFinite x && x <> 0.0)
    |> Arb.fromGen

/// Reads a LaTeX number back: "m \times 10^{k}", "10^{k}", "-10^{k}" or plain digits.
let private readLatexNumber (s: string) =
    let m = Regex.Match(s, @"^(-?)(?:([0-9.]+) \\times )?10\^\{(-?[0-9]+)\}$")

    if m.Success then
        let mantissa = if m.Groups.[2].Success then m.Groups.[2].Value else "1"
        Double.Parse(m.Groups.[1].Value + mantissa + "E" + m.Groups.[3].Value, CultureInfo.InvariantCulture)
    else
        Double.Parse(s, CultureInfo.InvariantCulture)

[<Property(MaxTest = 300)>]
let ``LaTeX writes every double without E-notation and with digits that read back to it`` () =
    Prop.forAll wideDoubles (fun x ->
        let alone = LaTeX.format (Expr.real x)
        let coefficient = LaTeX.format (Expr.mul2 (Expr.real x) (Expr.symbol "eta"))
        let powered = LaTeX.format (Expr.pow (Expr.real (abs x)) (Expr.symbol "x0"))
        let noE (s: string) = not (Regex.IsMatch(s, "[0-9]E[-+0-9]"))

        (noE alone && noE coefficient && noE powered) |@ sprintf "%s | %s | %s" alone coefficient powered
        .&. ((readLatexNumber alone = x) |@ sprintf "%s reads back as %g, not %g" alone (readLatexNumber alone) x)
        // the coefficient comes first and whole, "3.3 \times 10^{-9} \eta"; a base in scientific form
        // is grouped, so the power applies to all of it
        .&. (coefficient.StartsWith(alone) |@ coefficient)
        .&. ((not (alone.Contains "10^{") || powered.StartsWith "\\left(") |@ powered))

[<Property(MaxTest = 300)>]
let ``C# and plain text keep valid round-trip literals for the same doubles`` () =
    Prop.forAll wideDoubles (fun x ->
        let cs = CSharp.format (Expr.real x)
        let text = Infix.format (Expr.real x)
        let read (s: string) = Double.Parse(s.Trim('(', ')'), CultureInfo.InvariantCulture)
        (read cs = x && read text = x) |@ sprintf "C# %s, text %s for %s" cs text (x.ToString "R"))

// ---- closed-form rules of decimal linear maps carry no rounding residue (item 3) ----

open System.Numerics
open PhysGrad
open PhysGrad.Numerics

/// det of a small integer matrix by cofactors, in BigInteger: the test's own exact arithmetic.
let rec private det (k: BigInteger[,]) : BigInteger =
    let n = Array2D.length1 k

    if n = 1 then
        k.[0, 0]
    else
        [ 0 .. n - 1 ]
        |> List.sumBy (fun j ->
            let minor = Array2D.init (n - 1) (n - 1) (fun r c -> k.[r + 1, (if c < j then c else c + 1)])
            (if j % 2 = 0 then BigInteger.One else BigInteger.MinusOne) * k.[0, j] * det minor)

/// A linear map x ↦ (K/10)·x with one-decimal entries (K integer, −9..9, non-singular) and an integer target.
let private decimalMaps =
    gen {
        let! n = Gen.choose (2, 3)
        let! entries = Gen.arrayOfLength (n * n) (Gen.choose (-9, 9))
        let! target = Gen.arrayOfLength n (Gen.choose (-5, 5))
        return Array2D.init n n (fun i j -> entries.[i * n + j]), target
    }
    |> Gen.filter (fun (k: int[,], _: int[]) -> not (det (Array2D.map (fun (v: int) -> BigInteger v) k)).IsZero)
    |> Arb.fromGen

let private simulatorText (k: int[,]) =
    [ for i in 0 .. Array2D.length1 k - 1 ->
          [ for j in 0 .. Array2D.length2 k - 1 do
                if k.[i, j] <> 0 then
                    yield sprintf "%s*x%d" ((decimal k.[i, j] / 10M).ToString(CultureInfo.InvariantCulture)) j ]
          |> String.concat " + " ]

[<Property(MaxTest = 60)>]
let ``IG, PG and GN of a decimal linear map are eta*(A^-1 y*)_i - eta*x_i exactly: no residue terms, 0 at eta = 0`` () =
    Prop.forAll decimalMaps (fun (k: int[,], target: int[]) ->
        let n = Array2D.length1 k
        let variables = Array.init n (sprintf "x%d")
        let text = simulatorText k
        let definition = ProblemDefinition(variables, Array.ofList text, null, Array.map float target, [||])
        // PG only where the solver finds the closed-form inverse (it leaves some coupled 3×3 maps numeric).
        let rules =
            [ Method.InverseGradient; Method.PhysicalGradient; Method.GaussNewton ]
            |> List.collect (fun m ->
                try
                    List.ofSeq (UpdateRuleSet.Derive(definition, [| m |]))
                with :? MethodNotApplicableException as e when e.Cause = NotApplicableCause.NoInverse ->
                    [])
        let kb = Array2D.map (fun (v: int) -> BigInteger v) k
        let d = det kb
        let eta = Expr.symbol "eta"

        [ for rule in rules do
              for i in 0 .. n - 1 ->
                  // (A⁻¹y*)_i = 10·det(K with column i replaced by y*)/det K, by Cramer's rule.
                  let ki = Array2D.init n n (fun r c -> if c = i then BigInteger(target.[r]: int) else kb.[r, c])
                  let num, den = BigInteger 10 * det ki, d
                  let expected = float num / float den
                  // The rule prints the user's short decimals as written (0.72 beside -25/18): read them back
                  // as the exact decimals they are, so that expanding measures the rule and not the
                  // double product of a fraction and a decimal (seed (17709624651199061560,13909348943409501851,19)).
                  let step = ExactConstants.exact rule.Steps.[i].Core
                  let terms =
                      match (Simplify.expand 100_000 step).Node with
                      | Sum ts -> List.ofArray ts
                      | _ -> [ Simplify.expand 100_000 step ]

                  let split = terms |> List.map Layout.coefficient
                  let value (c: Expr) = Evaluate.at [||] [||] c
                  let xi = Expr.mul2 eta (Expr.symbol variables.[i])
                  let good =
                      split
                      |> List.forall (fun (c, rest) ->
                          (Infix.format rest = Infix.format xi && value c = -1.0)
                          || (Infix.format rest = "eta" && abs (value c - expected) <= 4e-16 * abs expected))

                  let atZero = Structure.substituteNames [ "eta", Expr.zero ] step

                  (good && Infix.format atZero = "0" && (expected = 0.0 || split.Length = 2))
                  |@ sprintf "%s: Δx%d = %s (expected %.17g·eta − eta·x%d; at eta = 0: %s; terms %s) for %s"
                      rule.Name i (Infix.format step) expected i (Infix.format atZero)
                      (split |> List.map (fun (c, rest) -> sprintf "%.17g·[%s]" (value c) (Infix.format rest)) |> String.concat ", ")
                      (String.Join("; ", text)) ]
        |> List.reduce (.&.))

// ---- generated C# takes its arguments in the user's order (item 4) ----

[<Fact>]
let ``derive --format csharp takes the variables, then the targets as given (R before H), then parameters, by position`` () =
    let code, out, err =
        Cli.run [ "derive"; "--format"; "csharp"; "--simulator"; "k*x0*x1; x0 + x1"; "--param"; "k=2"; "--target"; "R,H"; "--methods"; "gd" ]

    Assert.True((code = 0), err)
    let gd = (TestHelpers.compileCSharp out).GetType("UpdateRules").GetMethod "GradientDescent"
    let inputs = gd.GetParameters() |> Array.filter (fun p -> not p.IsOut) |> Array.map (fun p -> p.Name)
    let order = [| "x0"; "x1"; "R"; "H"; "k"; "eta" |]
    Assert.Equal<string[]>(order |> Array.filter (fun n -> Array.contains n inputs), inputs)
    Assert.Contains("R", inputs)
    // By position, with the values in the user's order: x0 = 0.7, x1 = 0.4, R = 1.3, H = 0.2, k = 2, η = 0.3.
    let values = dict [ "x0", 0.7; "x1", 0.4; "R", 1.3; "H", 0.2; "k", 2.0; "eta", 0.3 ]
    let args = Array.append (inputs |> Array.map (fun n -> box values.[n])) [| box 0.0; box 0.0 |]
    gd.Invoke(null, args) |> ignore
    // L = ((k x0 x1 − R)² + (x0 + x1 − H)²)/2 by hand; GD: Δx = −η ∇L.
    let r1, r2 = 2.0 * 0.7 * 0.4 - 1.3, 0.7 + 0.4 - 0.2
    let expected = [| -0.3 * (r1 * 2.0 * 0.4 + r2); -0.3 * (r1 * 2.0 * 0.7 + r2) |]

    for i in 0..1 do
        let actual = args.[inputs.Length + i] :?> float
        Assert.True(abs (actual - expected.[i]) <= 1e-12, sprintf "dx%d = %.17g, expected %.17g\n%s" i actual expected.[i] out)

// ---- parse errors list only what fits where they stop (item 5) ----

[<Theory>]
[<InlineData("a^^2", 3)>]
[<InlineData("x +* y", 4)>]
[<InlineData("x*", 3)>]
[<InlineData("2*(", 4)>]
[<InlineData("-", 2)>]
[<InlineData("sin(x,", 7)>]
let ``where only an operand fits, the parse error expects an operand and no operator`` (text: string, column: int) =
    let e = Assert.Throws<ParseException>(fun () -> Parse.expression text |> ignore)
    Assert.Equal(column, e.Column)
    Assert.Contains("expected a number, a name or '('", e.Message)
    Assert.DoesNotContain("operator", e.Message)

// A lone ';' is no missing operand but an empty output: the message says which one and where (round 31).
[<Fact>]
let ``a lone semicolon is an empty output y0 at column 1, not a missing operand`` () =
    let e = Assert.Throws<ParseException>(fun () -> Parse.expression ";" |> ignore)
    Assert.Equal(1, e.Column)
    Assert.Contains("output y0 is empty", e.Message)
    Assert.DoesNotContain("operator", e.Message)

[<Theory>]
[<InlineData("x y")>]
[<InlineData("(x")>]
let ``where an operator fits, the parse error still lists it`` (text: string) =
    let e = Assert.Throws<ParseException>(fun () -> Parse.expression text |> ignore)
    Assert.Contains("an operator (+ - * / ^)", e.Message)
