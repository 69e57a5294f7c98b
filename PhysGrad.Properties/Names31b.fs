/// Names of the 31st round (b): only ASCII identifiers are names. π, α, ｘ in an expression are refused at their
/// column with the ASCII to write (pi, alpha, x); --vars, --param and a problem file's "variables" refuse an
/// entry such as 1b by the same rule, naming it (not its 'b' later); an option error names the command's own
/// help; methods separated by a space instead of a comma are named as such.
module PhysGrad.Properties.Names31b

open System
open Xunit
open PhysGrad.Symbolic

open PhysGrad.Properties.MessageTests

let private temp = TestHelpers.tempFile "31b"

// ---- names that are not ASCII identifiers --------------------------------------------------------------

[<Theory>]
[<InlineData("π*x", 1, "write pi instead")>]
[<InlineData("2*α + x", 3, "write alpha instead")>]
[<InlineData("x*θ1", 3, "write theta instead")>]
[<InlineData("ｘ + 1", 1, "write x instead")>]
[<InlineData("x + ж", 5, "a-z and A-Z")>]
let ``a name that is not ASCII is refused at its column with what to write`` (expression: string, column: int, hint: string) =
    // Before: diff accepted π, α, ｘ as variables (df/dπ = x) and exited 0.
    refusedAt [ "diff"; "-f"; expression ] column hint |> ignore

[<Fact>]
let ``compare's simulator with π is refused as the constant written pi, not offered --param π=2`` () =
    let said = refused [ "compare"; "--simulator"; "π*x0"; "--start"; "1"; "--target"; "2" ]
    Assert.Contains("column 1", said)
    Assert.Contains("write pi", said)
    Assert.DoesNotContain("--param π", said)

[<Fact>]
let ``every Greek letter is refused as a name with its Latin spelling`` () =
    for (letter, word) in [ "α", "alpha"; "β", "beta"; "λ", "lambda"; "μ", "mu"; "σ", "sigma"; "ω", "omega"; "Δ", "delta" ] do
        let e = (Names.problem letter).Value
        Assert.Contains(sprintf "write %s" word, e)

// ---- --vars, --param and a problem file's variables --------------------------------------------------------

[<Fact>]
let ``--vars refuses 1b as the name it is, not its b later`` () =
    for command in [ [ "derive"; "--simulator"; "a*b" ]; [ "compare"; "--simulator"; "a*b"; "--start"; "1,2"; "--target"; "2" ] ] do
        let said = refused (command @ [ "--vars"; "a,1b" ])
        // Before: "--simulator uses a name that is not among the variables (a, 1b) given with --vars: 'b'".
        Assert.Contains("--vars: name 2 of 'a,1b': '1b' is not a valid name", said)
        Assert.Contains("begins with a letter", said)
        Assert.Contains("b1", said)

[<Fact>]
let ``--vars refuses a Greek letter naming the entry and the ASCII name`` () =
    let said = refused [ "derive"; "--simulator"; "a*theta"; "--vars"; "a,θ" ]
    Assert.Contains("name 2 of 'a,θ'", said)
    Assert.Contains("write theta", said)

[<Fact>]
let ``--param refuses a name that is no identifier`` () =
    // Before: --param 1b=2 was ignored and the message was about 'a'.
    let said = refused [ "compare"; "--simulator"; "a*x0"; "--vars"; "x0"; "--start"; "1"; "--target"; "2"; "--param"; "1b=2" ]
    Assert.Contains("--param 1b=2: '1b' is not a valid name", said)
    Assert.Contains("b1", said)

[<Fact>]
let ``a problem file's variable 1b is refused at its entry`` () =
    let file = temp "v.json" """{"variables":["a","1b"],"simulator":["a+b"],"target":[1],"start":[1,2]}"""
    let said = refused [ "compare"; "--problem"; file ]
    // Before: "simulator[0] uses 'b', which is neither a variable (a, 1b) nor a parameter".
    Assert.Contains("variables[1]: '1b' is not a valid name", said)
    Assert.Contains("b1", said)

// ---- option errors name the command's help -------------------------------------------------------------------

[<Theory>]
[<InlineData("compare")>]
[<InlineData("diff")>]
[<InlineData("train")>]
let ``an unknown option points to the command's own help`` (command: string) =
    let said = refused [ command; "--bogus" ]
    Assert.Contains(sprintf "Run 'physgrad %s --help'" command, said)

[<Fact>]
let ``an unknown command still points to the root's help`` () =
    Assert.Contains("Run 'physgrad --help'", refused [ "--bogus" ])

// ---- methods separated by a space ------------------------------------------------------------------------------

[<Fact>]
let ``compare's methods separated by a space are named as a missing comma`` () =
    let said = refused [ "compare"; "--methods"; "gd:0.1 newton"; "--iterations"; "1" ]
    // Before: "'0.1 newton' is not a number".
    Assert.Contains("separated by commas", said)
    Assert.Contains("gd:0.1,newton", said)
    Assert.DoesNotContain("is not a number", said)

[<Fact>]
let ``train's methods separated by a space are named as a missing comma`` () =
    let said = refused [ "train"; "--methods"; "gd:0.1 hig" ]
    Assert.Contains("separated by commas", said)
    Assert.Contains("gd:0.1,hig", said)
    Assert.DoesNotContain("is not a number", said)
