/// Messages of the 32nd round: every name a model uses without declaring it is given its column (diff's
/// function, the loss, an inverse entry, a problem file's simulator entry), as --simulator's were; a constant
/// part without a real value (log(0), sqrt(-1), asin(2), (-8)^(1/3), log(k) at k = 0) is refused where it is
/// written; compare's method table keeps its descriptions in their own column; a ';' in the loss or in a
/// function is named as what it is; the façade's names follow the parser's rule; unit names are ASCII.
module PhysGrad.Properties.Msgs32

open System
open System.Text.RegularExpressions
open Xunit
open PhysGrad
open PhysGrad.Symbolic

open PhysGrad.Properties.MessageTests

let private temp = TestHelpers.tempFile "32"

// ---- undeclared names at their columns ----------------------------------------------------------------

[<Fact>]
let ``diff's function names each name --vars lacks at its column, in the order written`` () =
    // Before: "The function uses 'k', which is not among the variables (x0, x1)", with no column.
    let said = refused [ "diff"; "--vars"; "x0,x1"; "-f"; "x0 + k*x1" ]
    Assert.Contains("'k' (column 6)", said)
    let said = refused [ "diff"; "--vars"; "x0"; "-f"; "m + X0 + k*x0" ]
    Assert.Contains("'m' (column 1), 'X0' (column 5), 'k' (column 10)", said)
    Assert.Contains("for 'X0' write x0", said)

[<Fact>]
let ``a name the loss, an inverse entry or a problem file's simulator entry does not declare is given its column`` () =
    Assert.Contains("uses 'z' (column 12)", refused [ "derive"; "--simulator"; "x0^2; x1"; "--loss"; "(y0-1)^2 + z*y1" ])
    Assert.Contains("uses 'y2' (column 12)", refused [ "derive"; "--simulator"; "x0^2; x1"; "--loss"; "(y0-1)^2 + y2" ])
    Assert.Contains("inverse[1] uses 'z' (column 1)",
                    refused [ "compare"; "--simulator"; "x0^2; x1"; "--inverse"; "sqrt(y0); z"; "--start"; "1,1"; "--target"; "1,1" ])
    let file = temp "s.json" """{"variables":["a"],"simulator":["a+b"],"target":[1],"start":[1]}"""
    Assert.Contains("simulator[0] uses 'b' (column 3)", refused [ "compare"; "--problem"; file ])
    let file = temp "l.json" """{"variables":["a"],"simulator":["a"],"loss":"(y0-1)^2+q","target":[1],"start":[1]}"""
    Assert.Contains("uses 'q' (column 10)", refused [ "compare"; "--problem"; file ])

// ---- constants without a value ---------------------------------------------------------------------

[<Theory>]
[<InlineData("log(0)*x0", 1, "log needs an argument > 0")>]
[<InlineData("x0 + log10(-2)", 6, "log10 needs an argument > 0")>]
[<InlineData("x0*sqrt(-1)", 4, "sqrt needs an argument ≥ 0")>]
[<InlineData("asin(2) + x0", 1, "between -1 and 1")>]
[<InlineData("x0 + log(pi - 4)", 6, "(it is -0.858407)")>]
[<InlineData("x0*(-8)^0.5", 8, "negative base")>]
let ``a constant without a real value is refused in a simulator at its column with why`` (text: string, column: int, why: string) =
    // Before: accepted, and every run was NaN from the start.
    let said = refusedAt [ "compare"; "--simulator"; text; "--start"; "1"; "--target"; "1" ] column why
    Assert.Contains("has no real value", said)

[<Fact>]
let ``a constant without a value is refused in the loss, a function and a problem file`` () =
    let said = refused [ "derive"; "--simulator"; "x0"; "--loss"; "(y0-1)^2 + log(0)" ]
    Assert.Contains("In loss", said)
    Assert.Contains("column 12", said)
    Assert.Contains("column 6", refused [ "diff"; "-f"; "x0 + sqrt(-4)" ])
    let file = temp "c.json" """{"variables":["a"],"simulator":["a*acos(3)"],"target":[1],"start":[1]}"""
    let said = refused [ "compare"; "--problem"; file ]
    Assert.Contains("simulator[0]", said)
    Assert.Contains("column 3", said)
    // A constant inside its domain, and 1/0 as before.
    let code, _, err = run [ "diff"; "-f"; "x0*log(2) + sqrt(4)*asin(1)" ]
    Assert.True((code = 0), err)
    Assert.Contains("column 2", refused [ "derive"; "--simulator"; "1/0 + x0" ])

[<Fact>]
let ``a parameter value that leaves a constant without a value names the parameter`` () =
    let said = refused [ "compare"; "--vars"; "x0"; "--simulator"; "x0 + log(k)"; "--param"; "k=0"; "--start"; "1"; "--target"; "1" ]
    Assert.Contains("k = 0", said)
    Assert.Contains("give the parameter another value", said)

[<Fact>]
let ``printed constants without a value still read back through the core parser`` () =
    // The round trips of printed expressions (SumMultiples) keep acos(2) as an opaque term.
    Assert.Equal("acos(2)", Infix.format (Parse.expression "acos(2)"))
    Assert.Throws<ParseException>(fun () -> Expression.Parse "acos(2)" |> ignore) |> ignore

// ---- compare's method table ------------------------------------------------------------------------------

[<Fact>]
let ``compare's method table keeps every description line in its own column, within 100 columns`` () =
    let code, help, _ = run [ "compare"; "--help" ]
    Assert.Equal(0, code)
    // Before: continuation lines began at the option's description column, left of the table's second column.
    assertMethodTable 100 help

// ---- a ';' in one expression ----------------------------------------------------------------------------

[<Fact>]
let ``a ';' ending the loss is named as the loss being one scalar, with the ';' to remove`` () =
    let said = refused [ "compare"; "--simulator"; "x0^2; x1"; "--loss"; "(y0-1)^2;"; "--start"; "1,1" ]
    // Before: "output y1 is empty", as if the loss had outputs.
    Assert.DoesNotContain("output y1", said)
    Assert.Contains("the loss is one scalar", said)
    Assert.Contains("column 9", said)
    Assert.Contains("remove that ';'", said)
    // Two expressions: the second one named with what to do.
    let said = refused [ "compare"; "--simulator"; "x0^2; x1"; "--loss"; "(y0-1)^2; y1^2"; "--start"; "1,1" ]
    Assert.Contains("column 9", said)
    Assert.Contains("joined with '+'", said)
    // diff's function and a problem file's loss alike.
    let said = refused [ "diff"; "-f"; "x0^2;" ]
    Assert.Contains("one scalar expression", said)
    Assert.Contains("column 5", said)
    Assert.Contains("column 5", refused [ "diff"; "-f"; "x0^2; x1" ])
    let file = temp "semi.json" """{"variables":["a"],"simulator":["a"],"loss":"(y0-1)^2;","target":[1],"start":[1]}"""
    Assert.Contains("the loss is one scalar", refused [ "compare"; "--problem"; file ])

// ---- the façade's names ----------------------------------------------------------------------------------

[<Fact>]
let ``the façade refuses a name that is not ASCII where it takes names, with the parser's words`` () =
    let message (f: unit -> obj) =
        let e = Assert.ThrowsAny<SymbolicException>(fun () -> f () |> ignore)
        e.Message
    // Before: Expression.Symbol("π") made a variable π that no text can write.
    Assert.Contains("write pi", message (fun () -> box (Expression.Symbol "π")))
    Assert.Contains("write theta", message (fun () -> box (Derivatives.Compute("x", [| "x"; "θ" |]))))
    Assert.Contains("variables[1]", message (fun () -> box (Derivatives.Compute("x", [| "x"; "θ" |]))))
    Assert.Contains("write alpha", message (fun () -> box (PhysicsProblem.FromText("a*x0", [| 1.0 |], [| 1.0 |], variables = [| "x0" |], parameters = readOnlyDict [ "α", 2.0 ]))))
    Assert.Contains("b1", message (fun () -> box (Expression.Parse("x^2").Gradient([| "1b" |]))))
    // The engine's own names are not the caller's: derive still prints Δx0.
    let code, out, err = run [ "derive"; "--simulator"; "x0^2"; "--methods"; "gd" ]
    Assert.True((code = 0), err)
    Assert.Contains("Δx0", out)

// ---- unit names ----------------------------------------------------------------------------------------

[<Theory>]
[<InlineData("ｍ", 1, "write m instead")>]
[<InlineData("kｍ/s", 2, "write m instead")>]
[<InlineData("μm", 1, "write u instead")>]
[<InlineData("m/Ω", 3, "a-z and A-Z")>]
let ``a unit name that is not ASCII is refused at its column with the spelling to use`` (unit: string, column: int, hint: string) =
    // Before: read as a name and refused as "unknown unit 'ｍ'" with no spelling to use.
    refusedAt [ "units"; "--simulator"; "x0^2"; "--unit"; "x0=" + unit ] column hint |> ignore
    Assert.Throws<ParseException>(fun () -> Units.parse unit |> ignore) |> ignore

[<Fact>]
let ``the micro sign and the ASCII u still read as micro`` () =
    Assert.Equal(Units.parse "um", Units.parse "µm")
