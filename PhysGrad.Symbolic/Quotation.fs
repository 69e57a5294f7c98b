namespace PhysGrad.Symbolic

open System
open System.Collections.Generic
open Microsoft.FSharp.Quotations.Patterns
open Microsoft.FSharp.Quotations.DerivedPatterns

/// An F# quotation read as symbolic expressions: variables, one expression per component of the
/// result, and captured values as named parameters.
type TranslatedQuotation =
    { Variables: string[]
      Components: Expr[]
      Parameters: IReadOnlyDictionary<string, float> }

/// Translates F# quotations such as `<@ fun (x: float[]) -> [| x.[0]; x.[1] ** 2.0 |] @>` or
/// `<@ fun a b -> [| a * b; sin a |] @>` into symbolic expressions: arithmetic (`+ - * /`, unary
/// minus, `**`, `pown`), `sin cos tan asin acos atan atan2 sinh cosh tanh exp log log10 sqrt abs sign`
/// and the same `Math.*` methods, `let` bindings, constants, and captured values as named parameters.
/// Anything else is an error naming the construct. Written by hand: quotation patterns are specific
/// to this engine.
[<RequireQualifiedAccess>]
module Quotation =

    let private unsupported (what: string) =
        raise (SymbolicException(ErrorKind.Invalid, sprintf "Cannot translate the quotation: %s." what))

    let private functionOf (name: string) =
        match name with
        | "Sin" -> Some Function.Sin
        | "Cos" -> Some Function.Cos
        | "Tan" -> Some Function.Tan
        | "Asin" -> Some Function.Asin
        | "Acos" -> Some Function.Acos
        | "Atan" -> Some Function.Atan
        | "Sinh" -> Some Function.Sinh
        | "Cosh" -> Some Function.Cosh
        | "Tanh" -> Some Function.Tanh
        | "Exp" -> Some Function.Exp
        | "Log" -> Some Function.Log
        | "Abs" -> Some Function.Abs
        | "Sign" -> Some Function.Sign
        | _ -> None

    /// Translates a quotation of a function of one `float[]` or of several (curried or tupled)
    /// `float`s, returning a `float` or a `float[]` built in place (`[| … |]`).
    [<CompiledName("Translate")>]
    let translate (quotation: Quotations.Expr) : TranslatedQuotation =
        let parameters = Dictionary<string, float>()
        let indices = SortedSet<int>()
        // Variables of the quotation bound to symbols (parameters and let bindings).
        let bound = Dictionary<Quotations.Var, Expr>()
        let mutable array: Quotations.Var option = None

        let captured (name: string) (value: obj) =
            let v =
                match value with
                | :? float as f -> f
                | :? int as i -> float i
                | :? float32 as f -> float f
                | _ -> unsupported (sprintf "the captured value %s of type %s" name (value.GetType().Name))

            if not (Double.IsFinite v) then
                unsupported (sprintf "the captured value %s = %g, which is not finite" name v)

            match parameters.TryGetValue name with
            | true, old when old <> v -> unsupported (sprintf "two captured values named '%s' (%g and %g)" name old v)
            | _ -> parameters.[name] <- v

            Expr.symbol name

        let constant (value: obj) =
            match value with
            // Math.PI and Math.E are literals: the quotation holds their values, read back as π and e.
            | :? float as f when f = Math.PI -> Expr.pi
            | :? float as f when f = Math.E -> Expr.e
            | :? float as f when Double.IsFinite f && f = Math.Round f && abs f < 1e9 -> Expr.ofInt (int f)
            | :? float as f when Double.IsFinite f -> Expr.real f
            | :? int as i -> Expr.ofInt i
            | v -> unsupported (sprintf "the constant %A" v)

        let rec visit (depth: int) (q: Quotations.Expr) : Expr =
            if depth > 2000 then
                raise (SymbolicException(ErrorKind.TooDeep, "The quotation is nested more than 2000 levels deep."))

            let go = visit (depth + 1)

            match q with
            | SpecificCall <@@ (+) @@> (_, _, [ a; b ]) -> Expr.add (go a) (go b)
            | SpecificCall <@@ (-) @@> (_, _, [ a; b ]) -> Expr.sub (go a) (go b)
            | SpecificCall <@@ (*) @@> (_, _, [ a; b ]) -> Expr.mul2 (go a) (go b)
            | SpecificCall <@@ (/) @@> (_, _, [ a; b ]) -> Expr.div (go a) (go b)
            | SpecificCall <@@ (~-) @@> (_, _, [ a ]) -> Expr.neg (go a)
            | SpecificCall <@@ (~+) @@> (_, _, [ a ]) -> go a
            | SpecificCall <@@ ( ** ) @@> (_, _, [ a; b ]) -> Expr.pow (go a) (go b)
            | SpecificCall <@@ pown @@> (_, _, [ a; b ]) -> Expr.pow (go a) (go b)
            | SpecificCall <@@ sqrt @@> (_, _, [ a ]) -> Expr.sqrt (go a)
            | SpecificCall <@@ atan2 @@> (_, _, [ a; b ]) -> Expr.atan2 (go a) (go b)
            | SpecificCall <@@ log10 @@> (_, _, [ a ]) -> Expr.log10 (go a)
            | SpecificCall <@@ float @@> (_, _, [ a ]) -> go a
            | SpecificCall <@@ sign @@> (_, _, [ a ]) -> Expr.sign (go a)
            | SpecificCall <@@ LanguagePrimitives.IntrinsicFunctions.GetArray @@> (_, _, [ Var v; index ]) when
                Some v = array
                ->
                match index with
                | Value(:? int as i, _) when i >= 0 ->
                    indices.Add i |> ignore
                    Expr.symbol (sprintf "%s%d" v.Name i)
                | _ -> unsupported (sprintf "the index %A: indices must be non-negative constants" index)
            | SpecificCall <@@ LanguagePrimitives.IntrinsicFunctions.GetArray @@> (_,
                                                                                   _,
                                                                                   [ ValueWithName(:? (float[]) as values,
                                                                                                   _,
                                                                                                   name)
                                                                                     Value(:? int as i, _) ]) when
                i >= 0 && i < values.Length
                ->
                captured (sprintf "%s%d" name i) (box values.[i])
            | Call(None, m, [ a ]) when
                (m.DeclaringType = typeof<Math> || m.DeclaringType.Name = "Operators")
                && (functionOf m.Name).IsSome
                ->
                Expr.apply (functionOf m.Name).Value (go a)
            | Call(None, m, [ a; b ]) when m.DeclaringType = typeof<Math> && m.Name = "Pow" -> Expr.pow (go a) (go b)
            | Call(None, m, [ a; b ]) when m.DeclaringType = typeof<Math> && m.Name = "Atan2" ->
                Expr.atan2 (go a) (go b)
            | Call(None, m, [ a ]) when m.DeclaringType = typeof<Math> && m.Name = "Sqrt" -> Expr.sqrt (go a)
            | Call(_, m, _) -> unsupported (sprintf "the call %s.%s" m.DeclaringType.Name m.Name)
            | Var v ->
                match bound.TryGetValue v with
                | true, e -> e
                | _ -> unsupported (sprintf "the variable '%s' of type %s" v.Name v.Type.Name)
            | Let(v, value, body) ->
                bound.[v] <- go value
                go body
            | ValueWithName(value, _, name) -> captured name value
            | Value(value, _) -> constant value
            | PropertyGet(None, p, []) when p.PropertyType = typeof<float> -> captured p.Name (p.GetValue null)
            | IfThenElse _ -> unsupported "an if/then/else: a symbolic expression has no branches (use abs or sign)"
            | other -> unsupported (sprintf "the expression %A" other)

        // fun x -> …, fun a b -> … (curried), fun (a, b) -> … (tupled, as a let of the tuple's items).
        let rec parameters' (q: Quotations.Expr) (acc: Quotations.Var list) =
            match q with
            | Lambda(v, body) when v.Type = typeof<float[]> && acc.IsEmpty ->
                match body with
                | Lambda _ -> unsupported "a function of an array and more: use one float[] or several floats"
                | _ -> [ v ], body
            | Lambda(v, body) when v.Type = typeof<float> -> parameters' body (acc @ [ v ])
            | Lambda(v, body) when Reflection.FSharpType.IsTuple v.Type ->
                let rec untuple (b: Quotations.Expr) (names: Quotations.Var list) =
                    match b with
                    | Let(item, TupleGet(Var t, _), rest) when t = v -> untuple rest (names @ [ item ])
                    | _ -> names, b

                let items, rest = untuple body []
                parameters' rest (acc @ items)
            | Lambda(v, _) ->
                unsupported (sprintf "the parameter '%s' of type %s: use float[] or float" v.Name v.Type.Name)
            | body when not acc.IsEmpty -> acc, body
            | _ -> unsupported "not a function: quote a lambda, <@ fun x -> ... @>"

        let vars, body = parameters' quotation []

        match vars with
        | [ v ] when v.Type = typeof<float[]> -> array <- Some v
        | vs ->
            for v in vs do
                bound.[v] <- Expr.symbol v.Name

        let rec components (b: Quotations.Expr) =
            match b with
            | Let(v, value, rest) ->
                bound.[v] <- visit 0 value
                components rest
            | NewArray(t, items) when t = typeof<float> -> items |> List.map (visit 0) |> Array.ofList
            | b when b.Type = typeof<float> -> [| visit 0 b |]
            | b -> unsupported (sprintf "the result of type %s: return a float or [| ... |]" b.Type.Name)

        let components = components body

        let variables =
            match array with
            | Some v -> Array.init (if indices.Count = 0 then 0 else indices.Max + 1) (sprintf "%s%d" v.Name)
            | None -> vars |> List.map (fun v -> v.Name) |> Array.ofList

        for name in parameters.Keys do
            if Array.contains name variables then
                unsupported (sprintf "the captured value '%s', which has the name of a variable: rename it" name)

        { Variables = variables
          Components = components
          Parameters = parameters }
