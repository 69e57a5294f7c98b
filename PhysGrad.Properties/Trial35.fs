/// Round 35's small first-hour faults, each checked as its kind: a message that lists names lists each once.
module PhysGrad.Properties.Trial35

open System
open Xunit
open PhysGrad

// A symbolic target may name one symbol for several outputs ([a, a]: both outputs aim at the same unknown
// level). Refusing it for a run listed the symbol once per output, "(a, a)"; the list is of names, so each once.
[<Theory>]
[<InlineData("a,a", "a symbol (a)")>]
[<InlineData("a,b,a", "symbols (a, b)")>]
[<InlineData("b,1,a,b", "symbols (b, a)")>]
let ``a run refused for a symbolic target names each symbol once, in the CLI and the API`` (target: string, named: string) =
    let outputs = target.Split(',').Length
    let simulator = String.Join("; ", Array.init outputs (fun i -> sprintf "x0 + %d*x1" (i + 1)))
    let code, _, err = Cli.run [ "compare"; "--simulator"; simulator; "--target"; target; "--start"; "1,1"; "--iterations"; "1" ]
    Assert.Equal(2, code)
    Assert.Contains(sprintf "--target names %s;" named, TestHelpers.unwrapped err)
    let json =
        sprintf """{"variables":["x0","x1"],"simulator":[%s],"target":[%s],"start":[1,1]}"""
            (String.Join(",", Array.init outputs (fun i -> sprintf "\"x0 + %d*x1\"" (i + 1))))
            (String.Join(",", target.Split(',') |> Array.map (fun t -> if Char.IsLetter t.[0] then sprintf "\"%s\"" t else t)))
    let definition = ProblemDefinition.FromJson json
    let e = Assert.ThrowsAny<exn>(fun () -> definition.ToProblem() |> ignore)
    Assert.Contains(sprintf "The target names %s;" named, e.Message)
