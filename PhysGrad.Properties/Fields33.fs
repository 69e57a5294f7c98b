/// A problem file with several misspelt fields, as the 33rd round's closing trial found it: only the first was
/// named ("targt"), so the user fixed it, ran again, and only then heard of "invers". Every unknown field is now
/// named in the one message, each with its nearest known field.
module PhysGrad.Properties.Fields33

open System.IO
open Xunit

let private problemFile (json: string) =
    let path = Path.Combine(Directory.CreateTempSubdirectory("physgrad-fields33-").FullName, "problem.json")
    File.WriteAllText(path, json)
    path

[<Fact>]
let ``every unknown field of a problem file is named in one message, each with its nearest known field`` () =
    let json = """{"variables":["a","b"],"simulator":["a","b^3"],"targt":[1,8],"start":[0,1],"invers":["y0"],"colour":1}"""
    let code, out, err = Cli.run [ "derive"; "--problem"; problemFile json ]
    let message = TestHelpers.unwrapped err
    Assert.True((code = 2), out + err)
    Assert.Contains("unknown fields \"targt\" (did you mean \"target\"?), \"invers\" (did you mean \"inverse\"?) and \"colour\"; the fields are", message)

[<Fact>]
let ``one unknown field is named as before, and the façade says the same`` () =
    let json = """{"variables":["a","b"],"simulator":["a","b^3"],"target":[1,8],"start":[0,1],"invers":["y0"]}"""
    let code, _, err = Cli.run [ "derive"; "--problem"; problemFile json ]
    Assert.Equal(2, code)
    Assert.Contains("an unknown field \"invers\" (did you mean \"inverse\"?); the fields are", TestHelpers.unwrapped err)
    let e = Assert.ThrowsAny<exn>(fun () -> PhysGrad.PhysicsProblem.FromJson(json.Replace("\"invers\"", "\"Start\"")) |> ignore)
    Assert.Contains("an unknown field \"Start\" (did you mean \"start\"?)", e.Message)
