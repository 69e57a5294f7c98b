/// The helpers the stop-verdict tests (Verdicts30, Verdicts31, Verdicts31b, Verdicts32) share: a problem from simulator text,
/// the CLI in process, and a message with its line wrapping undone.
module PhysGrad.Properties.VerdictHelpers

open PhysGrad
open PhysGrad.Numerics
open PhysGrad.Symbolic

/// The CLI in process (Cli.run): exit code, standard output, standard error.
let run = Cli.run

/// A message with its line wrapping undone (TestHelpers.unwrapped).
let flat (text: string) = TestHelpers.unwrapped text

/// The compiled problem of `simulator` (outputs separated by `;`, variables x0, x1, … as many as `start` has) under
/// ½‖y − target‖², from `start`.
let problem (simulator: string) (target: float[]) (start: float[]) =
    let vars = Array.init start.Length (fun i -> $"x{i}")
    CompiledProblem(Problem.Create(vars, Parse.many simulator, null, target, start, null, true))
