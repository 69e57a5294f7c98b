namespace PhysGrad.Symbolic

open System

/// What kind of problem a symbolic operation ran into. Every error PhysGrad raises for bad input
/// carries one of these, so that callers (the CLI, the C# façade) can react without parsing messages.
type ErrorKind =
    /// The text could not be parsed; the message names line and column.
    | Parse = 1
    /// A function name that PhysGrad does not know.
    | UnknownFunction = 2
    /// A function called with the wrong number of arguments.
    | Arity = 3
    /// A division by an exact zero (or zero raised to a negative power).
    | DivisionByZero = 4
    /// The expression is nested more deeply than the engine can follow.
    | TooDeep = 5
    /// The expression (or the input text) is larger than the stated limit.
    | TooLarge = 6
    /// A matrix that must be inverted is singular, symbolically or at a point.
    | Singular = 7
    /// Shapes do not fit (non-square Jacobian, wrong vector length, ...).
    | Shape = 8
    /// A variable that is not bound at evaluation time, or a bad variable name.
    | Variable = 9
    /// A numeric value that must be finite is not.
    | NonFinite = 10
    /// Anything else the user can fix (an empty input, a bad option).
    | Invalid = 11
    /// Units that do not fit: a sum of different dimensions, a dimensional argument to exp, ...
    | Units = 12

/// The one exception type of the symbolic layer: a message a user can act on, and its kind.
type SymbolicException(kind: ErrorKind, message: string) =
    inherit Exception(message)
    member _.Kind = kind

/// A SymbolicException raised while reading text: it also says where (1-based line and column).
type ParseException(kind: ErrorKind, message: string, line: int, column: int) =
    inherit SymbolicException(kind, message)
    member _.Line = line
    member _.Column = column

/// The advice some messages give on supplying a constant, in the API's terms (the messages reach API users
/// as they are). A front end that gives constants another way (the CLI's --param) finds the advice with
/// parameterValuePattern and NamedParameter and words it in its own terms; the API never names a command-line option.
[<RequireQualifiedAccess>]
module Advice =
    /// How to give the constant name its value: as a parameter of the problem.
    let parameterValue (name: string) =
        sprintf
            "give its value as a parameter named '%s' (the problem's parameters: the parameters argument of FromText or FromExpressions, a variable captured by a FromLambda lambda, \"parameters\" in a problem file)"
            name

    /// parameterValue's advice in a message, with the constant's name in the group "name".
    let parameterValuePattern =
        System.Text.RegularExpressions.Regex(
            "give its value as a parameter named '(?<name>[^']+)' \\(the problem's parameters: [^)]*\\)",
            System.Text.RegularExpressions.RegexOptions.CultureInvariant
        )

    /// A constant given as a parameter, said where the advice is to rescale it: "give a large constant as …".
    [<Literal>]
    let NamedParameter = "a named parameter of the problem"

    /// The clause of the advice on constants beyond doubles that offers a parameter: left out where no
    /// parameter can be given (a function to differentiate has none).
    [<Literal>]
    let LargeConstantAsParameter = ", or give a large constant as " + NamedParameter + " with a value nearer 1 in the new units"

module internal Fail =
    /// "1 output", "3 outputs": a count with its noun in the right number, for messages.
    let count (n: int) (noun: string) =
        if n = 1 then "1 " + noun else sprintf "%d %ss" n noun

    let inline raiseWith kind (msg: string) : 'a = raise (SymbolicException(kind, msg))
    let invalid msg : 'a = raiseWith ErrorKind.Invalid msg

    let tooDeep () : 'a =
        raiseWith
            ErrorKind.TooDeep
            "The expression is nested too deeply for PhysGrad to process. Flatten it (for example \
             introduce intermediate variables) or reduce its nesting depth."

/// Guards for recursive algorithms: instead of crashing the process with a StackOverflow on deeply
/// nested input, recursion stops with a typed TooDeep error; `Deep.run` then retries the whole
/// operation once on a thread with a very large stack, so deep but legitimate expressions still work.
module Deep =
    open System.Runtime.CompilerServices
    open System.Threading

    /// Stack size of the retry thread. Stack memory is only committed when touched.
    let private bigStack = 1024 * 1024 * 1024

    /// Call at the top of every recursive step.
    let check () =
        if not (RuntimeHelpers.TryEnsureSufficientExecutionStack()) then
            Fail.tooDeep ()

    /// Runs f on a thread with a large stack: for code that recurses without calling `check`
    /// (the parser combinators), on input long enough to nest deeply.
    let onLargeStack (f: unit -> 'a) : 'a =
        let result = ref Unchecked.defaultof<'a>
        let error: exn ref = ref null

        let t =
            Thread(
                (fun () ->
                    try
                        result.Value <- f ()
                    with ex ->
                        error.Value <- ex),
                bigStack
            )

        t.Start()
        t.Join()

        if isNull error.Value then
            result.Value
        else
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error.Value).Throw()
            Unchecked.defaultof<'a>

    /// Runs f; if it ran out of stack, runs it again on a large-stack thread.
    let run (f: unit -> 'a) : 'a =
        try
            f ()
        with :? SymbolicException as e when e.Kind = ErrorKind.TooDeep ->
            onLargeStack f
