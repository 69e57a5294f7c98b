/// The indexed form of text (`x[i+1] - 2*x[i] + x[i-1] for i in 0..63 periodic`): it expands to the
/// expressions written out, handles its boundary rules, and names what is wrong with a column.
module PhysGrad.Properties.IndexedForm

open System
open Xunit
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open PhysGrad
open PhysGrad.Symbolic

let private same (a: Expr[]) (b: Expr[]) =
    a.Length = b.Length && Array.forall2 (fun x y -> Object.ReferenceEquals(x, y)) a b

let private weights = Gen.choose (-5, 5) |> Gen.arrayOfLength 3 |> Arb.fromGen

[<Property(MaxTest = 60)>]
let ``a periodic indexed stencil is the components written out, at every n`` () =
    Prop.forAll (Gen.choose (1, 40) |> Arb.fromGen) (fun n ->
        Prop.forAll weights (fun w ->
            let indexed =
                Parse.many (sprintf "%d*x[i-1] + %d*x[i] + %d*x[i+1] for i in 0..%d periodic" w.[0] w.[1] w.[2] (n - 1))

            // Wrapping by hand: cell −1 is n−1, cell n is 0.
            let written =
                [ for i in 0 .. n - 1 ->
                      sprintf "%d*x%d + %d*x%d + %d*x%d" w.[0] ((i + n - 1) % n) w.[1] i w.[2] ((i + 1) % n) ]
                |> String.concat "; "
                |> Parse.many

            same indexed written |> Prop.label (sprintf "n = %d, weights %A" n w)))

[<Property(MaxTest = 60)>]
let ``a Dirichlet indexed stencil reads the boundary value outside its range, which need not start at 0`` () =
    Prop.forAll (Gen.choose (1, 30) |> Gen.two |> Arb.fromGen) (fun (first, count) ->
        Prop.forAll (Gen.choose (-9, 9) |> Arb.fromGen) (fun v ->
            let last = first + count - 1
            let indexed = Parse.many (sprintf "x[i+1] - 2*x[i] + x[i-1] for i in %d..%d dirichlet %d" first last v)
            let cell k = if k < first || k > last then string v else sprintf "x%d" k

            let written =
                [ for i in first..last -> sprintf "%s - 2*x%d + %s" (cell (i + 1)) i (cell (i - 1)) ]
                |> String.concat "; "
                |> Parse.many

            same indexed written |> Prop.label (sprintf "%d..%d, value %d" first last v)))

[<Property(MaxTest = 30)>]
let ``the indexed Rosenbrock residuals are the traced ones`` () =
    Prop.forAll (Gen.choose (2, 60) |> Arb.fromGen) (fun n ->
        let indexed = Parse.many (sprintf "10*x[i+1] - 10*x[i]^2 for i in 0..%d; 1 - x[0]" (n - 2))
        let traced = Tracer.Simulator(n, Func<_, _>(ReferenceSimulators.Rosenbrock))
        same indexed traced |> Prop.label (sprintf "n = %d" n))

[<Fact>]
let ``the index is a number in the body, and ranges mix with plain components in order`` () =
    Assert.True(same (Parse.many "x5; 2*x1; 3*x2; 4*x3; x0") (Parse.many "x5; (i+1)*x[i] for i in 1..3; x[0]"))

let private parseError (text: string) =
    Assert.Throws<ParseException>(fun () -> Parse.many text |> ignore)

[<Fact>]
let ``an index below 0 without a boundary rule is named with its column and the rules that fix it`` () =
    let e = parseError "x[i+1] - 2*x[i] + x[i-1] for i in 0..3"
    // x[i-1] starts at column 19 (1-based); at i = 0 it is x[-1].
    Assert.Equal(19, e.Column)
    Assert.Contains("x[-1]", e.Message)
    Assert.Contains("i = 0", e.Message)
    Assert.Contains("periodic", e.Message)

[<Fact>]
let ``malformed ranges and indices are parse errors at their column`` () =
    let empty = parseError "x[i] for i in 4..2"
    Assert.Equal(6, empty.Column)
    Assert.Contains("4..2 is empty", empty.Message)
    let rule = parseError "x[i] for i in 0..3 periodc"
    Assert.Equal(20, rule.Column)
    Assert.Contains("periodic", rule.Message)
    let fraction = parseError "x[i/2] for i in 0..3"
    Assert.Equal(1, fraction.Column)
    Assert.Contains("whole number", fraction.Message)
    let free = parseError "x0 + x[i]"
    Assert.Equal(6, free.Column)
    Assert.Contains("index range", free.Message)
    let huge = parseError "x[i] for i in 0..2000000"
    Assert.Equal(ErrorKind.TooLarge, huge.Kind)

[<Fact>]
let ``a constant index needs no range`` () =
    Assert.True(same (Parse.many "x0 + x2^2") (Parse.many "x[0] + x[2]^2"))

[<Fact>]
let ``a problem file states an n-cell stencil with an indexed simulator and an indexed variable list`` () =
    let json =
        """{"variables": ["x[0..5]"], "simulator": ["x[i+1] - 2*x[i] + x[i-1] for i in 0..5 periodic"], "target": [0,0,0,0,0,0], "start": [1,0,0,0,0,0]}"""

    let d = ProblemDefinition.FromJson json
    Assert.Equal<string>([| "x0"; "x1"; "x2"; "x3"; "x4"; "x5" |], d.Variables)
    Assert.Equal(6, d.Simulator.Count)
    // Component 0 wraps: x1 − 2x0 + x5.
    Assert.Same(Parse.expression "x1 - 2*x0 + x5", Parse.expression d.Simulator.[0])

[<Fact>]
let ``the CLI expands an indexed --simulator and reports a bad index with exit 2`` () =
    let code, out, err =
        Cli.run [ "derive"; "--simulator"; "x[i+1] - x[i] for i in 0..2 periodic"; "--methods"; "gd" ]

    Assert.True((code = 0), err)
    // Three components, so three outputs in the symbolic target.
    Assert.Contains("ys2", out)
    let code2, _, err2 = Cli.run [ "derive"; "--simulator"; "x[i] - x[i-1] for i in 0..2" ]
    Assert.Equal(2, code2)
    Assert.Contains("x[-1] is below index 0", err2)
