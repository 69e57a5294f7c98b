namespace PhysGrad.Symbolic

open System
open System.Collections.Generic

/// Where a problem's local inverse x = P⁻¹(y; x₀) comes from.
type InverseSource =
    /// Given with the problem.
    | Given = 0
    /// Derived symbolically by solving P(x) = y.
    | Derived = 1
    /// None in closed form: the optimisers invert numerically from x₀.
    | Numeric = 2

/// An optimisation problem: variables x, simulator components y = P(x) with outputs named y0, y1, …,
/// a loss L(y) (default ½‖y − y*‖²), the target y*, a start point and a local inverse (given, derived
/// or numeric). Created through `Problem.Create`, which checks that everything fits together.
[<Sealed>]
type Problem
    private
    (
        variables: string[],
        outputs: string[],
        simulator: Expr[],
        loss: Expr,
        target: float[],
        start: float[],
        inverseInfo: Lazy<Expr[] * InverseSource * string>,
        defaultLoss: bool,
        units: Dictionary<string, PhysicalUnit>,
        parameters: Dictionary<string, float>
    ) =

    let lossInX =
        lazy
            (let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

             for j in 0 .. outputs.Length - 1 do
                 d.[Expr.symbol outputs.[j]] <- simulator.[j]

             Structure.substitute d loss)

    /// The variable names x.
    member _.Variables = Array.copy variables
    /// The output names y0, y1, … of the simulator components.
    member _.Outputs = Array.copy outputs
    /// The simulator components, in the variables.
    member _.Simulator = Array.copy simulator
    /// The loss, in the outputs.
    member _.Loss = loss
    /// The loss in the variables, L(P(x)).
    member _.LossInX = lossInX.Value
    /// The target y*.
    member _.Target = Array.copy target
    /// The start point.
    member _.Start = Array.copy start
    /// The local inverse in the outputs and (for branch choices) the variables, one expression per
    /// variable; null when the source is Numeric. Derived on first request (this, InverseSource or
    /// InverseNote), within the budget given to Create; later requests reuse it.
    member _.Inverse =
        let inverse, _, _ = inverseInfo.Value
        if isNull inverse then null else Array.copy inverse
    /// Where the local inverse comes from (derives it on first request).
    member _.InverseSource =
        let _, source, _ = inverseInfo.Value
        source
    /// Why there is no closed-form inverse (empty unless the source is Numeric; derives it on first request).
    member _.InverseNote =
        let _, _, note = inverseInfo.Value
        note
    /// Whether the local inverse is known without further work: given, declared numeric, or already
    /// derived. False while a derivation is pending (no one has asked for the inverse yet), so a
    /// caller can tell that a run never paid for it.
    member _.IsInverseResolved = inverseInfo.IsValueCreated
    /// Named constants the expressions use besides the variables and outputs (a C# lambda's captured
    /// values), with their values. Rules keep their names; compiled code uses the values.
    member _.Parameters: IReadOnlyDictionary<string, float> = parameters

    /// The problem with every parameter replaced by its value (what is compiled and run).
    member p.WithParameterValues() =
        if parameters.Count = 0 then
            p
        else
            let d = Dictionary<Expr, Expr>(ExprIdentity.comparer)

            for kv in parameters do
                d.[Expr.symbol kv.Key] <- Expr.real kv.Value

            let bind (e: Expr) = Structure.substitute d e

            // The parameters an expression uses, with their values: "k = 0" (what a division by zero is at).
            let valuesIn (e: Expr) =
                let used = Structure.freeSymbolNames [ e ] |> Array.filter parameters.ContainsKey

                String.Join(", ", used |> Array.map (fun n -> sprintf "%s = %s" n (parameters.[n].ToString("R", Globalization.CultureInfo.InvariantCulture))))

            // An expression that divides by zero once its parameters have their values (x0/k at k = 0) is
            // named with the values: the bare "division by zero" named neither the expression nor the parameter.
            let bindNamed (what: string) (e: Expr) =
                let undefined kind (why: string) =
                    Fail.raiseWith
                        kind
                        (sprintf
                            "%s = %s is undefined at %s (%s); give the parameter another value."
                            what
                            (Infix.format e)
                            (valuesIn e)
                            (why.TrimEnd('.')))

                let bound =
                    try
                        bind e
                    with :? SymbolicException as ex when ex.Kind = ErrorKind.DivisionByZero || ex.Kind = ErrorKind.NonFinite ->
                        // A parameter given as 0 is the zero divided by (k^(-1) at k = 0): not the product of tiny
                        // constants rounded to 0.0 that the builder's message for a floating 0.0 suspects.
                        let zeros = Structure.freeSymbolNames [ e ] |> Array.filter (fun n -> parameters.ContainsKey n && parameters.[n] = 0.0)

                        if ex.Kind = ErrorKind.DivisionByZero && zeros.Length > 0 then
                            undefined ex.Kind "a division by zero"
                        else
                            undefined ex.Kind ex.Message
                // log(k) at k = 0, sqrt(k) at k = -1: a constant part without a value, at every point.
                match Domain.undefinedConstant [ bound ] with
                | Some why when not (obj.ReferenceEquals(bound, e)) && (Domain.undefinedConstant [ e ]).IsNone -> undefined ErrorKind.Invalid why
                | _ -> bound

            let boundSimulator = simulator |> Array.mapi (fun j e -> bindNamed (sprintf "The simulator's output %s" outputs.[j]) e)
            let boundLoss = bindNamed "The loss L" loss

            Problem(
                variables,
                outputs,
                boundSimulator,
                boundLoss,
                target,
                start,
                (let bound () =
                    let inverse, source, note = inverseInfo.Value

                    if isNull inverse then
                        inverse, source, note
                    else
                        // A closed-form inverse undefined at the parameters' values (x0 = y0/k at k = 0) is no
                        // inverse there: PG falls back to the numeric one, and the note says why.
                        let results =
                            inverse
                            |> Array.mapi (fun i e ->
                                try
                                    Ok(bind e)
                                with :? SymbolicException as ex when ex.Kind = ErrorKind.DivisionByZero || ex.Kind = ErrorKind.NonFinite ->
                                    Error(
                                        sprintf
                                            "the %s inverse %s = %s is undefined at %s (%s)"
                                            (if source = InverseSource.Given then "given" else "derived")
                                            variables.[i]
                                            (Infix.format e)
                                            (valuesIn e)
                                            (ex.Message.TrimEnd('.'))
                                    ))

                        let failure = results |> Array.tryPick (function Error reason -> Some reason | Ok _ -> None)

                        match failure with
                        | Some reason -> null, InverseSource.Numeric, reason
                        | None -> (results |> Array.choose (function Ok b -> Some b | Error _ -> None)), source, note

                 if inverseInfo.IsValueCreated then Problem.Resolved(bound ()) else lazy (bound ())),
                defaultLoss,
                units,
                Dictionary()
            )

    /// Whether the loss is the default ½‖y − y*‖².
    member _.HasDefaultLoss = defaultLoss
    /// Whether units were given.
    member _.HasUnits = not (isNull units)

    /// The unit of a variable or output (dimensionless when none was given or the problem has no units).
    member _.UnitOf(name: string) =
        match if isNull units then None else Some units with
        | Some d when d.ContainsKey name -> d.[name]
        | _ -> PhysicalUnit.One

    /// The unit of the loss: that of the custom loss; for the default loss the square of the outputs'
    /// common unit, or dimensionless when the outputs' units differ (the loss is then read as
    /// Σ ((yⱼ − y*ⱼ)/uⱼ)², each residual measured in its own output's unit).
    member p.LossUnit =
        if isNull units then
            PhysicalUnit.One
        elif defaultLoss then
            let us = outputs |> Array.map p.UnitOf

            if us |> Array.forall (fun u -> u.Equals us.[0]) then
                us.[0].Pow(Rational.OfInt 2)
            else
                PhysicalUnit.One
        else
            Units.infer (fun s -> p.UnitOf s) loss

    /// The problem with units for (some of) its variables and outputs, given by name or by pattern
    /// ("x*" for every name that matches, see Units.expandPatterns). Output units not given are
    /// inferred from the simulator; given ones must agree with it. A custom loss must be
    /// dimensionally consistent. Errors (kind Units) name the component, term or subexpression.
    member p.WithUnits(given: IReadOnlyDictionary<string, PhysicalUnit>) =
        // Patterns (x*) first become units by name, so that every check below sees names.
        let names = [ "variables", variables; "outputs", outputs; "parameters", Seq.toArray parameters.Keys ]
        let given = Units.expandPatterns names given
        let table = Dictionary<string, PhysicalUnit>()

        for kv in given do
            if
                not (
                    Array.contains kv.Key variables
                    || Array.contains kv.Key outputs
                    || parameters.ContainsKey kv.Key
                )
            then
                Fail.raiseWith
                    ErrorKind.Units
                    (sprintf
                        "A unit was given for '%s', which is not a name of the problem (%s); check its spelling (a pattern such as x* gives many names one unit)."
                        kv.Key
                        (Units.listNames names))

            if isNull kv.Value then
                Fail.raiseWith ErrorKind.Units (sprintf "The unit of '%s' is missing." kv.Key)

        for v in Seq.append variables parameters.Keys do
            table.[v] <-
                match given.TryGetValue v with
                | true, u -> u
                | _ -> PhysicalUnit.One

        // A symbol without a given unit is null here (inference counts it dimensionless), so that a
        // units error can name the symbols that were left without one.
        let ofVariable s =
            match given.TryGetValue s with
            | true, u -> u
            | _ -> null

        for j in 0 .. outputs.Length - 1 do
            let inferred =
                try
                    Units.infer ofVariable simulator.[j]
                with :? SymbolicException as e when e.Kind = ErrorKind.Units ->
                    Fail.raiseWith ErrorKind.Units (sprintf "simulator[%d] (%s): %s" j outputs.[j] e.Message)

            match given.TryGetValue outputs.[j] with
            | true, u when not (u.Equals inferred) ->
                Fail.raiseWith
                    ErrorKind.Units
                    (sprintf
                        "%s is given in %s, but simulator[%d] = %s is in %s. Give %s the unit %s (or leave it out: an output's unit is inferred from the simulator), or change the units of the variables it is computed from."
                        outputs.[j]
                        (PhysicalUnit.Written u)
                        j
                        (Infix.format simulator.[j])
                        (PhysicalUnit.Written inferred)
                        outputs.[j]
                        (PhysicalUnit.Written inferred))
            | _ -> table.[outputs.[j]] <- inferred

        let withUnits =
            Problem(
                variables,
                outputs,
                simulator,
                loss,
                target,
                start,
                inverseInfo,
                defaultLoss,
                table,
                parameters
            )

        if not defaultLoss then
            try
                withUnits.LossUnit |> ignore
            with :? SymbolicException as e when e.Kind = ErrorKind.Units ->
                Fail.raiseWith ErrorKind.Units (sprintf "The loss is not dimensionally consistent: %s" e.Message)

        withUnits

    /// One target value per output, checked alike by Create, DefaultLoss and the façade's problem
    /// definition (one check, one message). Raises a SymbolicException (ErrorKind.Shape) naming both counts.
    static member RequireTarget(values: int, outputs: int) =
        if values <> outputs then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf
                    "The target has %s but the simulator has %s (%s): give one target value per output, in that order."
                    (Fail.count values "value")
                    (Fail.count outputs "output")
                    (Problem.Shortened(Array.init outputs (fun i -> "y" + string i))))

    /// Refuses the first simulator component that uses a name that is neither a variable nor one of
    /// <paramref name="parameters"/>, naming the component, the name and what to do. Checked before the
    /// start's and the target's lengths (Create): a start "too long" for x0 alone only follows from a
    /// simulator that uses an undeclared x1. Raises a SymbolicException (ErrorKind.Variable).
    static member RequireSimulatorNames(variables: string[], simulator: Expr[], parameters: string[]) =
        let allowed = HashSet<string>(Array.append variables parameters)

        simulator
        |> Array.iteri (fun i e ->
            let within (s: Expr) =
                match s.Node with
                | Symbol name -> allowed.Contains name
                | _ -> true

            if not (Structure.allFreeSymbols within e) then
                let s =
                    Structure.freeSymbols e
                    |> Array.pick (fun sym ->
                        match sym.Node with
                        | Symbol n when not (allowed.Contains n) -> Some n
                        | _ -> None)

                Fail.raiseWith
                    ErrorKind.Variable
                    (sprintf
                        "simulator[%d] uses '%s', which is neither a variable (%s) nor a parameter%s: if '%s' is a constant, give its value as a parameter; otherwise add it to the variables."
                        i
                        s
                        (String.Join(", ", variables))
                        (if parameters.Length > 0 then sprintf " (%s)" (String.Join(", ", parameters)) else "")
                        s))

    /// One start value per variable, checked alike by Create, WithStart and the optimisers' stepper
    /// (one check, one message). Raises a SymbolicException (ErrorKind.Shape) naming both counts.
    static member RequireStart(values: int, variables: int) =
        if values <> variables then
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf "The start point has %s but the problem has %s." (Fail.count values "value") (Fail.count variables "variable"))

    /// Names for a message: all of them up to eleven, else the first ten and the last ("x0, …, x99").
    static member Shortened(names: string[]) =
        if names.Length <= 11 then String.Join(", ", names)
        else String.Join(", ", names.[..9]) + ", …, " + names.[names.Length - 1]

    /// The message for the first variable listed more than once, with where and what to do; None when each
    /// is listed once. Every list of variable names is checked with it (a problem's, the CLI's --vars).
    static member ListedTwice(variables: string[]) =
        let seen = Dictionary<string, int>(StringComparer.Ordinal)

        variables
        |> Array.indexed
        |> Array.tryPick (fun (i, v) ->
            match seen.TryGetValue v with
            | true, first ->
                Some(
                    sprintf
                        "The variable '%s' is listed twice (names %d and %d of %s): list each variable once; remove the repeat, or give the other variable its own name."
                        v
                        (first + 1)
                        (i + 1)
                        (Problem.Shortened variables)
                )
            | _ ->
                seen.[v] <- i
                None)

    /// As above, naming the variables (the first ten and the last when there are more) and what to give, as
    /// the CLI's --start message does: "… has 3 variables (x0, x1, x2): give one value per variable, in that order."
    static member RequireStart(values: int, variables: string[]) =
        if values <> variables.Length then
            let names = Problem.Shortened variables
            Fail.raiseWith
                ErrorKind.Shape
                (sprintf "The start point has %s but the problem has %s (%s): give one value per variable, in that order."
                    (Fail.count values "value") (Fail.count variables.Length "variable") names)

    /// The default loss ½‖y − y*‖² in the given outputs.
    static member DefaultLoss(outputs: string[], target: float[]) =
        let constant (v: float) =
            if v = Math.Round v && abs v < 1e15 then
                Expr.number (Rational.OfBig(Numerics.BigInteger v))
            else
                Expr.real v

        Problem.DefaultLoss(outputs, Array.map constant target)

    /// The default loss ½‖y − y*‖² with the target as expressions (symbols for a symbolic target).
    static member DefaultLoss(outputs: string[], target: Expr[]) =
        Problem.RequireTarget(target.Length, outputs.Length)

        Expr.sum (
            Array.map2
                (fun (y: string) t -> Expr.mul2 Expr.half (Expr.pow (Expr.sub (Expr.symbol y) t) Expr.two))
                outputs
                target
        )

    /// Checks and builds a problem. `loss` null means ½‖y − y*‖²; `inverse` null means derive it when
    /// `deriveInverse` is true (falling back to the numeric inverse, with the reason kept in
    /// InverseNote) and use the numeric inverse otherwise.
    static member Create
        (
            variables: string[],
            simulator: Expr[],
            loss: Expr,
            target: float[],
            start: float[],
            inverse: Expr[],
            deriveInverse: bool
        ) =
        Problem.Create(variables, simulator, loss, target, start, inverse, deriveInverse, null)

    /// As Create, with named parameters (constants with values) that the simulator, loss and inverse
    /// may use besides the variables and outputs.
    static member Create
        (
            variables: string[],
            simulator: Expr[],
            loss: Expr,
            target: float[],
            start: float[],
            inverse: Expr[],
            deriveInverse: bool,
            parameters: IReadOnlyDictionary<string, float>
        ) =
        Problem.Create(variables, simulator, loss, target, start, inverse, deriveInverse, parameters, LocalInverse.defaultBudget)

    /// As Create, with the work budget (LocalInverse.defaultBudget's units) of the symbolic derivation of the local inverse. The derivation
    /// runs on first request of the inverse (Inverse, InverseSource, InverseNote: PG, `derive pg`, the
    /// checks that invert), never here: a problem run with rules that need no inverse never pays for it.
    /// Past the budget the inverse is numeric, and InverseNote says "no closed form within the budget".
    static member Create
        (
            variables: string[],
            simulator: Expr[],
            loss: Expr,
            target: float[],
            start: float[],
            inverse: Expr[],
            deriveInverse: bool,
            parameters: IReadOnlyDictionary<string, float>,
            inverseBudget: int64
        ) =
        Problem.Create(variables, simulator, loss, target, start, inverse, deriveInverse, parameters, inverseBudget, null)

    /// The work the symbolic derivation of a local inverse may do before the inverse is numeric
    /// (`LocalInverse.defaultBudget` work units, about 2 s on an unloaded machine; the same answer under any load).
    static member DefaultInverseBudget = LocalInverse.defaultBudget

    /// As Create, with parameters that only the loss may use (`lossOnly`, a subset of the parameters'
    /// names): the symbols of a symbolic target y*, which the default loss reads but the simulator must not.
    /// This is where every factory's names are checked (text, JSON, expressions, lambdas): a variable
    /// listed twice or named like an output, a parameter named like either, and any symbol of the
    /// simulator, loss or inverse that is none of the names it may use, each named with what to do.
    static member Create
        (
            variables: string[],
            simulator: Expr[],
            loss: Expr,
            target: float[],
            start: float[],
            inverse: Expr[],
            deriveInverse: bool,
            parameters: IReadOnlyDictionary<string, float>,
            inverseBudget: int64,
            lossOnly: string[]
        ) =
        let parameterTable =
            if isNull parameters then
                Dictionary<string, float>()
            else
                Dictionary<string, float>(parameters)

        let invalid message = Fail.raiseWith ErrorKind.Shape message

        if variables.Length = 0 then
            invalid "The problem has no variables."

        if simulator.Length = 0 then
            invalid "The problem has no simulator components."

        // The names first: a name listed twice is the fault, and a start of the "wrong" length only follows from it.
        for v in variables do
            Expr.symbol v |> ignore

        match Problem.ListedTwice variables with
        | Some message -> Fail.raiseWith ErrorKind.Variable message
        | None -> ()

        // Not sprintf: its formatting was 10⁵ calls at heat1d's n = 10⁵; the same names.
        let outputs = Array.init simulator.Length (fun i -> "y" + string i)
        // The loss and the inverse read y0, y1, … as the outputs: a variable of that name would be both.
        let outputSet = HashSet<string>(outputs)

        match variables |> Array.tryFind outputSet.Contains with
        | Some clash ->
            Fail.raiseWith
                ErrorKind.Variable
                (sprintf
                    "The variable '%s' has the name of an output (the outputs are %s, as the loss and the inverse read them); rename the variable."
                    clash
                    (String.Join(", ", outputs)))
        | None -> ()

        for kv in parameterTable do
            Expr.symbol kv.Key |> ignore

            // A name is one thing: a variable (its value is the start and the rules step it) or a
            // constant; both at once would leave unsaid which value the rules use.
            if Array.contains kv.Key variables then
                Fail.raiseWith
                    ErrorKind.Variable
                    (sprintf
                        "The parameter '%s' is also one of the variables (%s): a name is a variable or a parameter, not both; give its value in the start to keep it a variable, or remove it from the variables to hold it constant."
                        kv.Key
                        (String.Join(", ", variables)))

            if Array.contains kv.Key outputs then
                Fail.raiseWith
                    ErrorKind.Variable
                    (sprintf
                        "The parameter '%s' has the name of an output (the outputs are %s, as the loss and the inverse read them); rename the parameter."
                        kv.Key
                        (String.Join(", ", outputs)))

            if not (Double.IsFinite kv.Value) then
                Fail.raiseWith
                    ErrorKind.NonFinite
                    (sprintf "The parameter %s is %g; it must be finite." kv.Key kv.Value)

        let names = Seq.toArray parameterTable.Keys

        // The first free symbol outside the set, read from the node's cached symbols (freeSymbolNames made
        // a sequence, a fold and an array of names per component: 10⁵ of each at heat1d's n = 10⁵).
        // The scan below (which fills e's own cache, a sort of its symbols) runs only when some symbol is
        // outside, to name the first in natural order; a traced output's children answer the common case.
        let outside (allowed: HashSet<string>) (e: Expr) =
            let within (s: Expr) =
                match s.Node with
                | Symbol name -> allowed.Contains name
                | _ -> true

            if Structure.allFreeSymbols within e then
                None
            else
                let symbols = Structure.freeSymbols e
                let mutable found = None
                let mutable i = 0

                while found.IsNone && i < symbols.Length do
                    match symbols.[i].Node with
                    | Symbol s when not (allowed.Contains s) -> found <- Some s
                    | _ -> ()

                    i <- i + 1

                found

        // The set of allowed names is built once per list, not once per expression: with one
        // expression per output that would be O(n·m) (seconds at n = m = 10⁴).
        let onlyIn (allowed: string[]) =
            let known = HashSet<string>(allowed)

            fun (what: string) (e: Expr) ->
                match outside known e with
                | Some s ->
                    Fail.raiseWith
                        ErrorKind.Variable
                        (sprintf
                            "%s uses '%s', which is not one of %s: if '%s' is a constant, %s; otherwise write it in those names."
                            what
                            s
                            (String.Join(", ", allowed))
                            s
                            (Advice.parameterValue s))
                | None -> ()

        // The simulator may use the variables and the parameters that are not the loss's alone; a name
        // that is neither is most likely a constant without its value.
        let lossOnlySet = HashSet<string>(if isNull lossOnly then [||] else lossOnly)
        let simulatorParameters = names |> Array.filter (lossOnlySet.Contains >> not)

        Problem.RequireSimulatorNames(variables, simulator, simulatorParameters)

        // The lengths after the names: a start too long for the variables follows from a name the simulator
        // uses without declaring it (simulator[1] uses 'x1' with the variables x0 alone).
        Problem.RequireTarget(target.Length, simulator.Length)
        Problem.RequireStart(start.Length, variables)

        if not (isNull inverse) && inverse.Length <> variables.Length then
            invalid (
                sprintf
                    "The inverse has %s but the problem has %s (%s): give one expression per variable, in that order, each the variable written in %s (and the variables), or leave the inverse out to have it derived (or found numerically)."
                    (Fail.count inverse.Length "expression")
                    (Fail.count variables.Length "variable")
                    (Problem.Shortened variables)
                    ((if simulator.Length = 1 then "the output " else "the outputs ")
                     + Problem.Shortened(Array.init simulator.Length (fun i -> "y" + string i)))
            )

        let nonFinite (what: string) (values: float[]) =
            match values |> Array.tryFindIndex (fun v -> not (Double.IsFinite v)) with
            | Some i ->
                Fail.raiseWith
                    ErrorKind.NonFinite
                    (sprintf "%s[%d] is %g; it must be a finite number." what i values.[i])
            | None -> ()

        nonFinite "target" target
        nonFinite "start" start

        let defaultLoss = isNull loss

        let loss =
            if isNull loss then
                Problem.DefaultLoss(outputs, target)
            else
                loss

        // The loss is a function of the outputs, L(y) (docs/theory.md §1): a variable in it is not a constant
        // (--param refuses a variable) nor an output, and a name y<k> past the last output is an output the
        // simulator lacks; each gets the advice that works for it, the rest the constant's advice.
        let lossNames = HashSet<string>(Array.append outputs names)

        match outside lossNames loss with
        | Some s when Array.contains s variables ->
            let usedSet = HashSet<string>(Structure.freeSymbolNames [ loss ])
            let used = variables |> Array.filter usedSet.Contains
            let added = used |> Array.mapi (fun j v -> v, "y" + string (outputs.Length + j))
            let rewritten = Structure.substituteNames (added |> Seq.map (fun (v, y) -> v, Expr.symbol y)) loss
            let newOutputs = String.Join(", ", added |> Array.map snd)
            let extended = Array.append simulator (used |> Array.map Expr.symbol) |> Array.map Infix.format
            let commandLine = String.Join("; ", extended)
            // The whole simulator is shown only while it reads as one option (not heat1d's 10⁵ components).
            let example =
                if commandLine.Length <= 200 then
                    // In the problem's own terms, which the CLI, the API and a problem file share (Advice: never an option's name).
                    sprintf " (the simulator \"%s\"%s)" commandLine (if used.Length = 1 then ", with a target value for it if a target is given" else ", with target values for them if a target is given")
                else
                    ""

            Fail.raiseWith
                ErrorKind.Variable
                (sprintf
                    "The loss uses the variable '%s', but a loss is a function of the outputs only (here %s; docs/theory.md §1), and a variable cannot be a parameter. To penalise %s (a regulariser), make %s output%s of %s own: add %s to the simulator as %s%s, and write the loss in %s: %s."
                    s
                    (String.Join(", ", outputs))
                    (String.Join(" and ", used))
                    (if used.Length = 1 then "it an" else "them")
                    (if used.Length = 1 then "" else "s")
                    (if used.Length = 1 then "its" else "their")
                    (if used.Length = 1 then "the component " + used.[0] else "the components " + String.Join(", ", used))
                    newOutputs
                    example
                    newOutputs
                    (Infix.format rewritten))
        | Some s when s.Length > 1 && s.[0] = 'y' && s |> Seq.skip 1 |> Seq.forall Char.IsDigit ->
            Fail.raiseWith
                ErrorKind.Variable
                (sprintf
                    "The loss uses '%s', but the simulator has %s (%s): %s would be a further output; add components to the simulator up to %s, or write the loss in %s."
                    s
                    (Fail.count outputs.Length "output")
                    (String.Join(", ", outputs))
                    s
                    s
                    (String.Join(", ", outputs)))
        | _ -> onlyIn (Array.append outputs names) "The loss" loss

        if not (isNull inverse) then
            // The target's symbols (ys0, …) are the loss's alone: an inverse maps y to x, and y* is not one of its inputs.
            let inInverse = onlyIn (Array.concat [ outputs; variables; simulatorParameters ])
            inverse |> Array.iteri (fun i e -> inInverse (sprintf "inverse[%d]" i) e)

        let inverseInfo =
            if not (isNull inverse) then
                Problem.Resolved((Array.copy inverse, InverseSource.Given, ""))
            elif not deriveInverse then
                Problem.Resolved(((null: Expr[]), InverseSource.Numeric, "the numeric inverse was chosen for this problem: asked for, or an example built to use it"))
            elif variables.Length > LocalInverse.deriveUpTo then
                // Above the limit the symbolic attempt would spend its budget and fail: skip it, and say so
                // where PG's inverse is described.
                Problem.Resolved(
                    ((null: Expr[]),
                     InverseSource.Numeric,
                     sprintf
                         "the symbolic inverse is not tried above %d variables (this problem has %d): at that size it does not finish within its budget"
                         LocalInverse.deriveUpTo
                         variables.Length)
                )
            else
                let variables, simulator = Array.copy variables, Array.copy simulator

                lazy
                    (match LocalInverse.deriveWithin inverseBudget variables outputs simulator with
                     | Ok xs -> xs, InverseSource.Derived, ""
                     | Error reason -> null, InverseSource.Numeric, reason)

        Problem(
            Array.copy variables,
            outputs,
            Array.copy simulator,
            loss,
            Array.copy target,
            Array.copy start,
            inverseInfo,
            defaultLoss,
            null,
            parameterTable
        )

    /// A lazy value that is already computed (IsValueCreated true): FSharp.Core's Lazy.CreateFromValue wraps the value
    /// in a function that has not yet run, so a given inverse read as "not resolved" (IsInverseResolved false) until
    /// something asked for it, and compare without PG passed the given inverse over when finding x*.
    static member internal Resolved(value: Expr[] * InverseSource * string) : Lazy<Expr[] * InverseSource * string> =
        Lazy<Expr[] * InverseSource * string>(value)

    /// The same problem from another start point.
    member _.WithStart(point: float[]) =
        Problem.RequireStart(point.Length, variables)

        Problem(
            variables,
            outputs,
            simulator,
            loss,
            target,
            Array.copy point,
            inverseInfo,
            defaultLoss,
            units,
            parameters
        )
