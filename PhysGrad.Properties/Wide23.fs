/// One arithmetic for numbers beyond the double range (wide23): an overflowed loss is carried as a Wide
/// value and printed by it, and eval settles a row with exact zeros only when re-evaluating its suspect
/// entries in Wide changes something.
module PhysGrad.Properties.Wide23

open System
open System.IO
open System.Text.Json
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

// ---- The overflowed loss, carried and printed as a Wide value ----

[<Fact>]
let ``compare prints an overflowed final loss as the Wide value of ½‖y − y*‖² at the final point`` () =
    // y = (x0, x1) from (1, 1) towards (1E+200, 3E+199): GN at η = 0.3 ends with a residual near 3E+198,
    // L ≈ 4E+396, +∞ as a double. The table and the JSON must give L as it is formed in Wide from the
    // final point's residual, whatever carried it inside the run.
    let args = [ "compare"; "--simulator"; "x0; x1"; "--target"; "1e200,3e199"; "--start"; "1,1"; "--methods"; "gn:0.3"; "--iterations"; "10" ]
    let out = Path.Combine(Path.GetTempPath(), "wide23-gn")
    let code, json, err = Cli.run (args @ [ "--format"; "json"; "--out"; out ])
    Assert.True((code = 0), err)
    let gn = (JsonDocument.Parse json).RootElement.GetProperty("methods").[0]
    Assert.Equal(JsonValueKind.Null, gn.GetProperty("finalLoss").ValueKind)
    let final = [| for v in gn.GetProperty("final").EnumerateArray() -> v.GetDouble() |]
    let residual = Array.map2 (-) final [| 1e200; 3e199 |]
    let loss = (residual |> Array.map (fun r -> Wide.Of r * Wide.Of r) |> Array.reduce (+)) / Wide.Of 2.0
    Assert.True(loss.OutsideDoubles, loss.ToString())
    Assert.Equal(loss.Log10, gn.GetProperty("finalLossLog10").GetDouble(), 12)
    let code, table, err = Cli.run (args @ [ "--out"; out ])
    Assert.True((code = 0), err)
    let row = table.Split('\n') |> Array.find (fun l -> l.StartsWith "gn")
    Assert.Contains($"  {loss.Scientific 6}  ", row)

[<Fact>]
let ``Scientific writes the mantissa from the logarithm with the exponent whole, inside the double range too`` () =
    // 2¹⁰⁰⁰ = 1.0715086…E+301; 2⁻¹¹⁰⁰ = 7.4…E-332 (below the smallest subnormal); 9.9996 carries into 1E+1 at 4 digits.
    Assert.Equal("1.07151E+301", (Wide(1.0, 1000L)).Scientific 6)
    Assert.Equal("7.4E-332", (Wide(1.0, -1100L)).Scientific 2)
    Assert.Equal("1E+1", (Wide.Of 9.9996).Scientific 4)
    Assert.Equal("5E+0", (Wide.Of 5.0).Scientific 3)
    Assert.Equal("-2.5E-1", (Wide.Of -0.25).Scientific 3)
    Assert.Equal("0", (Wide.Of -0.0).Scientific 3)
    Assert.Equal("Infinity", (Wide.Of infinity).Scientific 3)
    // Text keeps doubles as doubles and uses Scientific beyond them.
    Assert.Equal("0.25", (Wide.Of 0.25).Text 6)
    Assert.Equal((Wide(1.0, 1000L)).Scientific 6, (Wide(1.0, 1000L) * Wide(1.0, 100L) / Wide(1.0, 100L)).Text 6)

// ---- eval: a row is settled only when its Wide re-evaluation changes something ----

let private settler (f: string) (order: int) =
    let names = [| "x"; "y" |]
    let symbols = Expression.Symbols names
    let core = (Expression.Parse f).Core
    let g = if order >= 1 then Calculus.gradient symbols core else [||]
    let h = if order = 2 then Calculus.hessianOfGradient symbols g else null
    PointDerivatives(names, core, g, h)

let private needs (f: string) (x: float[]) =
    let s = settler f 2
    s.NeedsSettling(ReadOnlySpan x, ReadOnlySpan(s.Raw x))

[<Fact>]
let ``a row whose zeros are exact is printed from the doubles; an underflow, an overflow or a kink is settled`` () =
    // x²y + sin(xy) at x = 0: f, ∂f/∂y, ∂²f/∂y² and more are exactly 0, and stay 0 in Wide.
    Assert.False(needs "x^2*y + sin(x*y)" [| 0.0; 1.5 |])
    // x·y at 1E-200: every entry of f's Hessian is fine, but f = 1E-400 is 0 only as a double.
    Assert.True(needs "x*y" [| 1e-200; 1e-200 |])
    // (x² + y²)^(3/2) at 1E+150: its double is +∞, its Wide value 2.8E+450 (outside doubles, said in a note).
    Assert.True(needs "(x^2+y^2)^(3/2)" [| 1e150; 1e150 |])
    // |x|·y at x = 0: the formulas are finite and unchanged in Wide, but ∂f/∂x rests on sign(0) = 0.
    Assert.True(needs "abs(x)*y" [| 0.0; 1.0 |])
    // log(x² + y²) at the origin is −∞ in doubles and in Wide: not finite, so settled (undefined there).
    Assert.True(needs "log(x^2+y^2)" [| 0.0; 0.0 |])

let private functions =
    [| "x^2*y + sin(x*y)"; "exp(x)*y^3 - x*y"; "sqrt(x^2+y^2+1)*x*y"; "abs(x)*y + atan2(y, x)"; "log(x^2+y^2) + x/y"
       "x*y/(x^2+y^2)"; "sqrt(x^2+y^2)"; "(x^2+y^2)^(3/2)"; "exp(x*y) - 1"; "x^2*y^2 + abs(x*y)" |]

let private coordinates = [| 0.0; -0.0; 1.5; -2.25; 3.0; 0.5; 1e-200; -1e-160; 1e150; 1e200; 5e-324; 1e-310 |]

type private RowArb =
    static member Row() =
        let gen = Gen.zip3 (Gen.choose (0, functions.Length - 1)) (Gen.choose (0, coordinates.Length - 1)) (Gen.choose (0, coordinates.Length - 1))
        // Towards the first function and the first coordinates (0 among them).
        let shrink (f, a, b) =
            seq {
                if f > 0 then yield (f - 1, a, b)
                if a > 0 then yield (f, a - 1, b)
                if b > 0 then yield (f, a, b - 1)
            }
        Arb.fromGenShrink (gen, shrink)

[<Property(MaxTest = 300, Arbitrary = [| typeof<RowArb> |])>]
let ``a row that needs no settling reads the same from the settling path`` (f: int, a: int, b: int) =
    // The guarantee behind eval's fast path: where NeedsSettling says no, settling would print exactly the
    // doubles (each entry's CSV field the same), with no note and nothing undefined.
    let s = settler functions.[f] 2
    let x = [| coordinates.[a]; coordinates.[b] |]
    let raw = s.Raw x
    let fast = not (s.NeedsSettling(ReadOnlySpan x, ReadOnlySpan raw))
    let settled = s.At(x, raw)
    let values = Array.concat [ [| settled.Value |]; settled.Gradient; Array.init 4 (fun k -> settled.Hessian.[k / 2, k % 2]) ]
    let printed = values |> Array.map BatchEvaluation.Cell
    let doubles = raw.[.. s.OutputCount - 1] |> Array.map BatchEvaluation.Cell
    (not fast || printed = doubles && settled.Notes.Count = 0 && settled.Undefined.Count = 0)
    |> Prop.label (sprintf "%s at %A: settled %A (%d notes), doubles %A" functions.[f] x printed settled.Notes.Count doubles)
