/// sin² + cos² = 1 in a long sum (round 32). The pairing scanned every term for a partner of every sin²
/// term, re-reading each candidate each time: quadratic in the number of terms, and expansion may create
/// up to 10⁵ of them (the Msgs31 property's Newton rule of a random three-variable simulator ran for over
/// 40 minutes in it). The partners are now found through an index; these tests pin what the pairing does.
module PhysGrad.Properties.Pythagoras32

open Xunit
open PhysGrad.Symbolic

let private simplified (text: string) = Infix.format (Simplify.simplify (Parse.expression text))

[<Fact>]
let ``a long sum of sin² and cos² pairs collapses pair by pair, partners found wherever they stand`` () =
    let n = 1500
    // Each pair a_k·sin(z_k)² … a_k·cos(z_k)², the cos² term written far from its partner (reversed order), beside
    // a term a_k·z_{k+1} that pairs with nothing.
    let sines = [ for k in 0 .. n - 1 -> sprintf "a%d*sin(z%d)^2 + a%d*z%d" k k k ((k + 1) % n) ]
    let cosines = [ for k in n - 1 .. -1 .. 0 -> sprintf "a%d*cos(z%d)^2" k k ]
    let result = Simplify.simplify (Parse.expression (String.concat " + " (sines @ cosines)))
    let expected = Parse.expression (String.concat " + " [ for k in 0 .. n - 1 -> sprintf "a%d + a%d*z%d" k k ((k + 1) % n) ])
    Assert.True(obj.ReferenceEquals(expected, result), Infix.format result |> fun s -> s.Substring(0, min 400 s.Length))

[<Fact>]
let ``a partner needs the same argument, coefficient and cofactor; cosh² − sinh² needs the opposite sign`` () =
    // Two sin² terms for one cos²: only the one with the same cofactor collapses with it.
    Assert.Equal("a + b*sin(z)^2", simplified "a*sin(z)^2 + b*sin(z)^2 + a*cos(z)^2")
    Assert.Equal("a*sin(z)^2 + a*cos(w)^2", simplified "a*sin(z)^2 + a*cos(w)^2")
    // cosh² − sinh² = 1 with the sign the identity needs; the wrong sign is left alone.
    Assert.Equal("3", simplified "3*cosh(u)^2 - 3*sinh(u)^2")
    Assert.Equal("3*sinh(u)^2 + 3*cosh(u)^2", simplified "3*cosh(u)^2 + 3*sinh(u)^2")
