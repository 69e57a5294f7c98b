namespace PhysGrad.Symbolic

open System
open System.Text
open System.Collections.Generic

/// C# source text for an expression: `Math.*` calls, double literals, and variable names mapped by
/// the caller (for example x0 ↦ x[0]). The text is an expression of type double.
///
/// Literals: every number is a double literal (`4.0`, `0.5`, `1E-05`, a fraction p/q as `1.0 / 3.0`),
/// one rule with no exceptions, so no operator in the text ever does integer arithmetic (`1 / 2` would
/// be 0 in C#), whatever the operands beside it.
///
/// Three functions have no right .NET counterpart: `sign` (`Math.Sign` returns an int and throws on
/// NaN), `log1p` and `expm1` (`double.LogP1` and `double.ExpM1` compute log(x + 1) and exp(x) − 1 as
/// written, which is what these functions exist to avoid). A program (a class of rules, a list of
/// derivatives) calls them as helpers `Sign(x)`, `Log1p(x)`, `Expm1(x)`, whose definitions `helpers`
/// gives for the program to include once; a lone expression (`format`) writes them as immediately
/// applied static lambdas instead, so that it needs nothing but `using System;`. A program also writes
/// the square of anything longer than a name as `Sq(…)` (helper `Sq(t) => t * t`), so that the base is
/// written and computed once; a lone expression writes it `b * b`.
[<RequireQualifiedAccess>]
module CSharp =

    /// The helper definitions, by name: each a static method of one double, valid both as a class
    /// member and as a local function. Sign is NaN for NaN (as PhysGrad's evaluators) and 0 at ±0.
    /// Written in lines as a C# file lays out a method, each at most 90 characters, so that indented as a
    /// class member (4 more) they stay within the 100 of every rule the C# format writes (written on one
    /// line, Expm1 ran to 150); the lone-expression form joins the lines into a lambda (`helper`).
    let private helperDefinitions =
        [ "Sign", "static double Sign(double t) => double.IsNaN(t) ? t : Math.Sign(t);"
          // A local inverse's branch choice sign(x₀): +1 at 0, the branch PhysGrad's optimiser takes there
          // (LocalInverse.branchAtZero), where Sign's 0 would multiply the root away and never move from x₀ = 0.
          "BranchSign", "static double BranchSign(double t) => double.IsNaN(t) ? t : t >= 0.0 ? 1.0 : -1.0;"
          "Log1p",
          String.Join("\n",
                      [ "static double Log1p(double t)"
                        "{"
                        "    double u = 1.0 + t;"
                        "    return u == 1.0 ? t : double.IsPositiveInfinity(u) ? u : Math.Log(u) * t / (u - 1.0);"
                        "}" ])
          "Expm1",
          String.Join("\n",
                      [ "static double Expm1(double t)"
                        "{"
                        "    double u = Math.Exp(t);"
                        "    return u == 1.0 ? t : u - 1.0 == -1.0 ? -1.0"
                        "        : double.IsPositiveInfinity(u) ? u : (u - 1.0) * t / Math.Log(u);"
                        "}" ])
          // The square of a value that is more than a name: computed once (a sum or a call written twice
          // as b * b is computed twice), and exact as b * b is.
          "Sq", "static double Sq(double t) => t * t;" ]

    /// The definitions of the helpers that C# text written with helper calls uses (none, one text of one
    /// or more lines, '\n' between them, per helper otherwise), to be included once in the class or method
    /// that holds the text (each line indented as the text around it).
    [<CompiledName("Helpers")>]
    let helpers (code: string) : string list =
        helperDefinitions
        |> List.filter (fun (name, _) -> Text.RegularExpressions.Regex.IsMatch(code, @"(?<![\w.])" + name + @"\("))
        |> List.map snd

    // The printer's settings: how variables are named, and whether sign/log1p/expm1 are helper calls.
    // Branch: whether sign(a) is a local inverse's branch choice, written BranchSign(a) (+1 at 0).
    type private Context = { Name: string -> string; Calls: bool; Branch: Expr -> bool }

    let private helper (c: Context) (name: string) =
        if c.Calls then
            name
        else
            // One line: the definition's lines joined by single spaces ("{ double u = …; return …; }").
            let definition =
                Text.RegularExpressions.Regex.Replace(helperDefinitions |> List.find (fun (n, _) -> n = name) |> snd, @"\s*\n\s*", " ")
            // "static double Sign(double t) => body;" or "static double F(double t) { … }" as a lambda.
            let body = definition.Substring(definition.IndexOf(')') + 2).TrimEnd(';')
            let body = if body.StartsWith "=> " then body.Substring 3 else body
            "((Func<double, double>)(static t => " + body + "))"

    let private functionName (c: Context) (f: Function) =
        match f with
        | Function.Sin -> "Math.Sin"
        | Function.Cos -> "Math.Cos"
        | Function.Tan -> "Math.Tan"
        | Function.Asin -> "Math.Asin"
        | Function.Acos -> "Math.Acos"
        | Function.Atan -> "Math.Atan"
        | Function.Sinh -> "Math.Sinh"
        | Function.Cosh -> "Math.Cosh"
        | Function.Tanh -> "Math.Tanh"
        | Function.Exp -> "Math.Exp"
        | Function.Log -> "Math.Log"
        | Function.Log10 -> "Math.Log10"
        | Function.Log2 -> "Math.Log2"
        | Function.Abs -> "Math.Abs"
        | Function.Log1p -> helper c "Log1p"
        | Function.Expm1 -> helper c "Expm1"
        | _ -> helper c "Sign"

    /// C#'s reserved keywords: a name among them is an identifier only as @name.
    let private keywords =
        set
            [ "abstract"; "as"; "base"; "bool"; "break"; "byte"; "case"; "catch"; "char"; "checked"; "class"; "const"
              "continue"; "decimal"; "default"; "delegate"; "do"; "double"; "else"; "enum"; "event"; "explicit"; "extern"
              "false"; "finally"; "fixed"; "float"; "for"; "foreach"; "goto"; "if"; "implicit"; "in"; "int"; "interface"
              "internal"; "is"; "lock"; "long"; "namespace"; "new"; "null"; "object"; "operator"; "out"; "override"
              "params"; "private"; "protected"; "public"; "readonly"; "ref"; "return"; "sbyte"; "sealed"; "short"
              "sizeof"; "stackalloc"; "static"; "string"; "struct"; "switch"; "this"; "throw"; "true"; "try"; "typeof"
              "uint"; "ulong"; "unchecked"; "unsafe"; "ushort"; "using"; "virtual"; "void"; "volatile"; "while" ]

    /// The simple names the generated text itself refers to: the Math class, the helpers, Func of the
    /// inline helper lambdas, System of `using System;`. A user's symbol of one of these names, in scope
    /// as a parameter or local, would hide it (`Math * Math.Exp(x0)` is CS0176, `Sign * Sign(x0)` CS0149).
    [<CompiledName("OwnNames")>]
    let ownNames = set [ "Math"; "Sign"; "BranchSign"; "Log1p"; "Expm1"; "Sq"; "Func"; "System"; "UpdateRules" ]

    /// C# identifiers for the symbol names `names`, none equal to another or to any of `taken` (names
    /// the caller itself declares: outputs, locals, out parameters) or `ownNames`: a keyword becomes
    /// @keyword (the same name to a C# caller), a clashing name gets `_` appended until it is free.
    [<CompiledName("Identifiers")>]
    let identifiers (names: seq<string>) (taken: seq<string>) : Collections.Generic.IReadOnlyDictionary<string, string> =
        let names = Seq.distinct names |> Array.ofSeq
        let used = Collections.Generic.HashSet<string>(Seq.append names taken |> Seq.append ownNames)
        let result = Collections.Generic.Dictionary<string, string>()

        for n in names do
            if keywords.Contains n then
                result.[n] <- "@" + n
            elif ownNames.Contains n || Seq.contains n taken then
                let mutable id = n + "_"

                while used.Contains id do
                    id <- id + "_"

                used.Add id |> ignore
                result.[n] <- id
            else
                result.[n] <- n

        result :> _

    /// Every number as a double literal: 4.0, 0.5, 1E+20. An exact constant beyond the doubles (10^400)
    /// is infinite as a double, and C# has no literal for that: double.PositiveInfinity.
    let private literal (x: float) =
        if Double.IsPositiveInfinity x then "double.PositiveInfinity"
        elif Double.IsNegativeInfinity x then "double.NegativeInfinity"
        else Layout.formatRealExact x

    /// Integers a double holds exactly (|n| ≤ 2⁵³): p / q of two of them is the correctly rounded quotient.
    let private exactInDouble (n: Numerics.BigInteger) =
        Numerics.BigInteger.Abs n <= Numerics.BigInteger.Pow(Numerics.BigInteger 2, 53)

    /// A base whose square is written b * b: a name or a number (anything longer is written once, as
    /// Sq(b), in a program; a lone expression has no helpers and writes b * b).
    let private simpleBase (b: Expr) =
        match b.Node with
        | Symbol _
        | Number _
        | Real _
        | Pi -> true
        | _ -> false

    let rec private level (c: Context) (e: Expr) =
        match e.Node with
        | Number q when q.IsInteger -> if q.Sign < 0 then Layout.Unary else Layout.Atom
        | Number _ -> Layout.Product
        | Real x -> if x < 0.0 then Layout.Unary else Layout.Atom
        | Symbol _
        | Pi
        | Apply _
        | Atan2 _ -> Layout.Atom
        // 1.0 / b and b * b are products: parenthesised only where a product would be.
        | Power(b, x) when Layout.isReciprocal b x && not (Layout.isSqrt x) -> Layout.Product
        | Power(b, x) when obj.ReferenceEquals(x, Expr.two) -> if c.Calls && not (simpleBase b) then Layout.Atom else Layout.Product
        | Power _ -> Layout.Atom
        | Sum _ -> Layout.Sum
        | Product _ when (Layout.cbrtOf e).IsSome -> Layout.Atom
        | Product _ -> Layout.Product

    let rec private write (sb: StringBuilder) (c: Context) (context: int) (e: Expr) =
        Deep.check ()

        if level c e < context then
            sb.Append '(' |> ignore
            body sb c e
            sb.Append ')' |> ignore
        else
            body sb c e

    and private writeFraction (sb: StringBuilder) (c: Context) (f: Layout.Fraction) =
        if f.Negative then
            sb.Append '-' |> ignore

        let factors (xs: Expr list) =
            xs
            |> List.iteri (fun i x ->
                if i > 0 then
                    sb.Append " * " |> ignore

                write sb c Layout.Unary x)

        if f.Numerator.IsEmpty then
            sb.Append "1.0" |> ignore
        else
            factors f.Numerator

        match f.Denominator with
        | [] -> ()
        | [ d ] ->
            sb.Append " / " |> ignore
            write sb c Layout.Atom d
        | ds ->
            sb.Append " / (" |> ignore
            factors ds
            sb.Append ')' |> ignore

    and private body (sb: StringBuilder) (c: Context) (e: Expr) =
        match e.Node with
        | Number q when q.IsInteger -> sb.Append(literal (q.ToDouble())) |> ignore
        // 100/981 from x0/9.81 as 1.0 / 9.81 (Layout.withDecimals).
        | Number q when (Layout.decimalQuotient q).IsSome -> writeFraction sb c (Layout.fraction e)
        | Number q when exactInDouble q.Num && exactInDouble q.Den ->
            sb.Append(literal (double q.Num)).Append(" / ").Append(literal (double q.Den))
            |> ignore
        // 1/10^400 as 1.0 / ∞ would be 0 and 10^400/10^399 ∞/∞: one literal of the value instead.
        | Number q -> sb.Append(literal (q.ToDouble())) |> ignore
        | Real x -> sb.Append(literal x) |> ignore
        | Symbol s -> sb.Append(c.Name s: string) |> ignore
        | Pi -> sb.Append "Math.PI" |> ignore
        | Apply _ when Layout.isE e -> sb.Append "Math.E" |> ignore
        | Apply(Function.Sign, a) when c.Branch a ->
            sb.Append(helper c "BranchSign").Append('(') |> ignore
            write sb c 0 a
            sb.Append ')' |> ignore
        | Apply(f, a) ->
            sb.Append(functionName c f).Append('(') |> ignore
            write sb c 0 a
            sb.Append ')' |> ignore
        | Atan2(y, x) ->
            sb.Append "Math.Atan2(" |> ignore
            write sb c 0 y
            sb.Append ", " |> ignore
            write sb c 0 x
            sb.Append ')' |> ignore
        | Sum ts ->
            Layout.sumTerms ts
            |> Array.iteri (fun i t ->
                if i = 0 then
                    write sb c Layout.Sum t
                else
                    let f = Layout.fraction t

                    if f.Negative then
                        sb.Append " - " |> ignore
                        writeFraction sb c { f with Negative = false }
                    else
                        sb.Append " + " |> ignore
                        write sb c Layout.Product t)
        | Product _ when (Layout.cbrtOf e).IsSome ->
            // sign(a)*abs(a)^(1/3), the real cube root: Math.Cbrt (Math.Pow is NaN for a negative base).
            sb.Append "Math.Cbrt(" |> ignore
            write sb c 0 (Layout.cbrtOf e).Value
            sb.Append ')' |> ignore
        | Product _ -> writeFraction sb c (Layout.fraction e)
        | Power(b, x) when Layout.isSqrt x ->
            sb.Append "Math.Sqrt(" |> ignore
            write sb c 0 b
            sb.Append ')' |> ignore
        | Power(b, x) when Layout.isReciprocal b x ->
            sb.Append "1.0 / " |> ignore
            write sb c Layout.Atom (Expr.pow b (Expr.neg x))
        | Power(b, x) when obj.ReferenceEquals(x, Expr.two) && c.Calls && not (simpleBase b) ->
            sb.Append "Sq(" |> ignore
            write sb c 0 b
            sb.Append ')' |> ignore
        | Power(b, x) when obj.ReferenceEquals(x, Expr.two) ->
            // x*x is exact and faster than Math.Pow(x, 2).
            write sb c Layout.Unary b
            sb.Append " * " |> ignore
            write sb c Layout.Unary b
        | Power(b, x) ->
            sb.Append "Math.Pow(" |> ignore
            write sb c 0 b
            sb.Append ", " |> ignore
            write sb c 0 (Layout.printedExponent x)
            sb.Append ')' |> ignore

    // The text of e as it is: printing never rewrites (a rule's C# reads as its infix and LaTeX do).
    // Callers that want the stable form rewrite first (Stable.rewriteMany) and print the result.
    let private run (c: Context) (e: Expr) =
        Deep.run (fun () ->
            Layout.checkPrintable e
            let sb = StringBuilder()
            write sb c 0 e
            sb.ToString())

    /// C# text for e as written, with each variable name mapped by `name`: one self-contained
    /// expression (sign, log1p and expm1 as immediately applied lambdas). It computes e's operations in
    /// e's order, so a sum of exponentials can overflow inside where e's value is finite (the logistic
    /// exp(u)/(1 + exp(u)) is ∞/∞ = NaN at u = 800); `formatStable` writes the form that cannot.
    [<CompiledName("Format")>]
    let formatWith (name: Func<string, string>) (e: Expr) : string =
        run { Name = name.Invoke; Calls = false; Branch = fun _ -> false } e

    /// C# text for e as written, as a line of a program: sign, log1p and expm1 as calls `Sign(…)`,
    /// `Log1p(…)`, `Expm1(…)`, and the square of anything longer than a name or number as `Sq(…)`, to
    /// the helpers that `helpers` defines.
    [<CompiledName("FormatCalling")>]
    let formatCallingWith (name: Func<string, string>) (e: Expr) : string =
        run { Name = name.Invoke; Calls = true; Branch = fun _ -> false } e

    /// C# text as `formatCallingWith`, except that sign(g) for each g of `branches` (a local inverse's branch
    /// choices, LocalInverse.branchChoices) is written `BranchSign(g)`: +1 at g = 0, the branch PhysGrad's
    /// optimiser takes there (LocalInverse.branchAtZero), so that the code steps as the optimiser does.
    [<CompiledName("FormatCallingBranches")>]
    let formatCallingBranchesWith (name: Func<string, string>) (branches: seq<Expr>) (e: Expr) : string =
        let set = HashSet<Expr>(branches, ExprIdentity.comparer)
        run { Name = name.Invoke; Calls = true; Branch = set.Contains } e

    /// C# text, with helper calls as `formatCallingWith`, for an expression that is already in its
    /// stable form (the output of `Stable.rewriteMany` over a whole block, split into shared
    /// intermediates afterwards). Rewriting each intermediate alone instead is not enough: a shared
    /// sum 1 + exp(x) named t1 leaves exp(2x)/t1² as two lines whose exponentials cannot merge.
    [<CompiledName("FormatStable")>]
    let formatStableWith (name: Func<string, string>) (e: Expr) : string = formatCallingWith name e

    /// C# text for the stable form of e (Stable.rewrite: the same value, no overflow in the
    /// intermediates of sums of exponentials), self-contained as `formatWith`: harder to read than
    /// e, and the text PhysGrad's own evaluators compute.
    [<CompiledName("FormatRewritten")>]
    let formatRewrittenWith (name: Func<string, string>) (e: Expr) : string =
        run { Name = name.Invoke; Calls = false; Branch = fun _ -> false } (Deep.run (fun () -> Stable.rewrite e))

    /// C# text for e as written, variables by their own names.
    let format (e: Expr) = formatWith (Func<_, _> id) e

    /// C# text for the stable form of e, variables by their own names.
    let formatRewritten (e: Expr) = formatRewrittenWith (Func<_, _> id) e

    /// The exact constants of e that no double holds: beyond ±1.8E+308 (written double.PositiveInfinity
    /// or double.NegativeInfinity), nonzero below the smallest subnormal 4.9E-324 (written 0.0), or a closed
    /// function of numbers that computes ±∞ or NaN as written (Math.Exp(800.0) for exp(800)). C# text
    /// of an expression holding one computes ±∞, NaN or 0 where the exact rule does not, and no literal
    /// can say better, so a caller that writes C# warns instead (`physgrad derive --format csharp`).
    /// Each constant once, in the order the walk meets them.
    [<CompiledName("ConstantsBeyondDoubles")>]
    let constantsBeyondDoubles (e: Expr) : Expr list =
        let seen = HashSet<Expr>(HashIdentity.Reference)
        let found = ResizeArray<Expr>()
        let stack = Stack<Expr>()
        stack.Push e

        while stack.Count > 0 do
            let x = stack.Pop()

            if seen.Add x then
                match x.Node with
                | Number q ->
                    let d = q.ToDouble()

                    if (Double.IsInfinity d || (d = 0.0 && not q.IsZero)) && not (found.Contains x) then
                        found.Add x
                // A constant the C# computes rather than writes (Math.Exp(800.0), Math.Pow(10.0, 400.0)):
                // infinite or NaN as written, where the rule has a value (exp(800) is exact).
                | Apply _
                | Power _ when (Structure.freeSymbols x).Length = 0
                               && (let v = (Evaluate.manyAsWritten (fun _ -> nan) [| x |]).[0] in Double.IsInfinity v || Double.IsNaN v) ->
                    if not (found.Contains x) then found.Add x
                | _ ->
                    for c in Expr.children x |> Array.rev do
                        stack.Push c

        List.ofSeq found
