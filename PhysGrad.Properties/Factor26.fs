/// A rule-printing fault a new user found (factor26): Math.E in a lambda printed as 2.71828182845905
/// (C# and F# write Math.E's value into the tree as a constant; it is now read back as e, as Math.PI as π).
module PhysGrad.Properties.Factor26

open System
open Xunit
open PhysGrad
open PhysGrad.Symbolic
open PhysGrad.Numerics

type private L = System.Linq.Expressions.Expression

let private at (x: System.Linq.Expressions.ParameterExpression) (i: int) = L.ArrayIndex(x, L.Constant i) :> L

let private simulator (items: System.Linq.Expressions.ParameterExpression -> L list) =
    let x = L.Parameter(typeof<float[]>, "x")
    L.Lambda<Func<float[], float[]>>(L.NewArrayInit(typeof<float>, items x), [| x |])

// ---- Math.E -----------------------------------------------------------------------------------------

[<Fact>]
let ``Math.E in a C# lambda prints as e in text and Math.E in C#, with Math.E's value`` () =
    // x => new[] { Math.E * x[0] }: the compiler writes Math.E's double as a constant.
    let lambda = simulator (fun x -> [ L.Multiply(L.Constant Math.E, at x 0) ])
    let translated = LambdaTranslator.TranslateAny lambda
    let c = translated.Components.[0]
    // As the expression language's e*x0 prints (x0*e: e is exp(1), ordered after the symbols).
    Assert.Equal(Infix.format (Parse.expression "e*x0"), c.ToInfix())
    Assert.Equal("x0*e", c.ToInfix())
    Assert.Contains("Math.E", c.ToCSharp())
    Assert.DoesNotContain("2.718", c.ToCSharp())
    Assert.Equal(2.718281828459045 * 1.7, c.Evaluate([| "x0" |], [| 1.7 |]), 15)
    // The rules of the problem write e too, in every step, and no decimal of it.
    let problem = PhysicsProblem.FromLambda(lambda, [| 1.0 |], [| 3.0 |])
    for rule in problem.Rules() do
        Assert.DoesNotContain("2.718", rule.ToString())
        for step in rule.Steps do
            Assert.DoesNotContain("2.718", step.ToCSharp())
    Assert.Contains("*e", problem.Rules(Method.GradientDescent).[0].ToString())
    Assert.Contains("Math.E", problem.Rules(Method.GradientDescent).[0].Steps.[0].ToCSharp())

[<Fact>]
let ``Math.E and Math.PI in an F# quotation are e and pi`` () =
    let translated = Quotation.translate <@ fun (x: float[]) -> [| Math.E * x.[0]; Math.PI * x.[0] |] @>
    let written = [ "e*x0"; "pi*x0" ] |> List.map (Parse.expression >> Infix.format)
    Assert.Equal<string list>(written, translated.Components |> Array.map Infix.format |> List.ofArray)
    Assert.Equal(2.718281828459045 * 0.3, Evaluate.at [| "x0" |] [| 0.3 |] translated.Components.[0], 15)

[<Fact>]
let ``Math.PI in a C# lambda prints as pi`` () =
    let lambda = simulator (fun x -> [ L.Multiply(L.Constant Math.PI, at x 0) ])
    Assert.Equal("pi*x0", (LambdaTranslator.TranslateAny lambda).Components.[0].ToInfix())
