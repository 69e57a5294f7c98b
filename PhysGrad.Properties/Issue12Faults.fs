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
