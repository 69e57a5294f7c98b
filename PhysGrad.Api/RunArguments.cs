using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// The one check of runs given back to the API to be drawn or reported (<see cref="PhysicsProblem.SavePlots(IReadOnlyList{OptimizerRun}, string)"/>,
/// <see cref="PhysicsProblem.ToCsv(IReadOnlyList{OptimizerRun})"/>, <see cref="PhysicsProblem.ToJson(IReadOnlyList{MethodResult})"/>,
/// the comparison overloads, <see cref="TrajectoryPlots"/>, <see cref="FieldPlots"/>, <see cref="RunReport"/>,
/// <see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>): every point of every run has one value per variable of the problem, and
/// every output one value per output, and a run that carries the problem it was made on (<see cref="OptimizerRun.Problem"/>)
/// was made on this one, not on another of the same size (x0^3 for x0^2, another start). A run of another problem had met a raw IndexOutOfRangeException in the
/// plots, a CSV whose header and rows disagree, or JSON that mixed two problems; an empty list drew blank
/// figures. The typed <see cref="SymbolicException"/> every API input error raises (as
/// <see cref="PointArguments"/>), naming the parameter, the run (its index and label) and what to pass.
/// </summary>
internal static class RunArguments
{
    /// <summary>
    /// The one refusal of an empty list where the API needs at least one element (runs to draw, methods to compare
    /// or train): <c>'runs' holds no run, so the plots would be blank: pass at least one run of this problem (…).</c>
    /// </summary>
    /// <param name="count">How many elements were given.</param>
    /// <param name="parameter">The parameter's name in the API (<c>runs</c>, <c>comparison</c>, <c>methods</c>).</param>
    /// <param name="noun">What one element is (<c>run</c>, <c>method</c>).</param>
    /// <param name="consequence">What an empty list would lead to (<c>the plots would be blank</c>).</param>
    /// <param name="remedy">What to pass, after "pass at least one <paramref name="noun"/>" (<c> of this problem (from its Run, …)</c>,
    /// <c>, e.g. …</c>), with its leading space or comma.</param>
    /// <exception cref="SymbolicException"><see cref="ErrorKind.Invalid"/> when <paramref name="count"/> is 0.</exception>
    public static void RequireSome(int count, string parameter, string noun, string consequence, string remedy)
    {
        if (count == 0)
            throw new SymbolicException(ErrorKind.Invalid, $"'{parameter}' holds no {noun}, so {consequence}: pass at least one {noun}{remedy}.");
    }

    /// <summary>Refuses an empty list of runs of a problem for a figure, which would be drawn blank (<see cref="RequireSome(int, string, string, string, string)"/>).</summary>
    /// <param name="count">How many runs were given.</param>
    /// <param name="parameter">The parameter's name in the API (<c>runs</c>, <c>comparison</c>).</param>
    /// <param name="what">What the runs are for (<c>plots</c>, <c>field plots</c>).</param>
    public static void RequireSome(int count, string parameter, string what) =>
        RequireSome(count, parameter, "run", $"the {what} would be blank", " of this problem (from its Run, or the results of its Compare or CompareMethods)");

    /// <summary>
    /// Refuses a run whose points do not have one value per variable (and, where the run recorded outputs,
    /// one per output), naming the first such run by its index in the list and its label.
    /// </summary>
    /// <param name="runs">The runs, in the order given.</param>
    /// <param name="variables">The problem's variables.</param>
    /// <param name="outputs">The problem's outputs (null: not checked, for a caller without them).</param>
    /// <param name="parameter">The parameter's name in the API (<c>runs</c>, <c>results</c>, <c>comparison</c>).</param>
    /// <param name="problem">The problem's identity (<see cref="ProblemDefinition.Identity"/>), or null where the caller has
    /// none (a bare compiled problem): a run that carries another (<see cref="OptimizerRun.Problem"/>) is refused; a run
    /// that carries none (built by hand, or run on a bare compiled problem) is checked by its sizes only.</param>
    /// <exception cref="ArgumentNullException"><paramref name="runs"/> or one of its runs is null.</exception>
    /// <exception cref="SymbolicException"><see cref="ErrorKind.Shape"/>: a run with no points, or of another size;
    /// <see cref="ErrorKind.Invalid"/>: a run of another problem of the same size, naming what differs.</exception>
    public static void RequireFrom(IReadOnlyList<OptimizerRun> runs, IReadOnlyList<string> variables, IReadOnlyList<string>? outputs, string parameter,
        ProblemIdentity? problem = null)
    {
        ArgumentNullException.ThrowIfNull(runs, parameter);
        for (var i = 0; i < runs.Count; i++)
        {
            var run = runs[i] ?? throw new ArgumentNullException(parameter, $"'{parameter}' holds null at index {i}: pass runs of this problem.");
            var which = $"Run {i} ({run.Label}) in '{parameter}'";
            if (run.Trajectory.Count == 0)
                throw new SymbolicException(ErrorKind.Shape, $"{which} has no points: pass runs of this problem as its Run, Compare or CompareMethods returns them.");
            if (run.Trajectory.FirstOrDefault(x => x.Length != variables.Count) is { } x)
                throw Foreign(which, x.Length, variables, "variable");
            if (outputs is not null && run.Outputs.FirstOrDefault(y => y.Length != 0 && y.Length != outputs.Count) is { } y)
                throw Foreign(which, y.Length, outputs, "output");
            if (problem is not null && run.Problem is { } source && problem.FirstDifference(source) is var (aspect, mine, theirs))
                throw new SymbolicException(ErrorKind.Invalid,
                    $"{which} was made on another problem of the same size: {RunArguments.Difference(aspect, theirs, "this problem's", mine)}. " +
                    "Pass runs made on this problem (its Run, Compare or CompareMethods), or pass these to the problem they were made on.");
        }
        if (problem is null)
            RequireOneProblem(runs, parameter);
    }

    /// <summary>
    /// Where no problem is given to check runs against (<see cref="TrajectoryPlots.Save(IReadOnlyList{OptimizerRun}, string, double[], double[], string[], string[], string?)"/>,
    /// <see cref="TrajectoryPlots.SaveLoss"/>, <see cref="FieldPlots.Save(IReadOnlyList{OptimizerRun}, string, IReadOnlyList{int}, double[], string?)"/>,
    /// <see cref="TargetPoint.Find(CompiledProblem, double[], double[], IReadOnlyList{OptimizerRun}, IReadOnlyList{double}?)"/>): refuses runs
    /// whose problems (<see cref="OptimizerRun.Problem"/>) differ from one another, naming the first such run, the first run it
    /// differs from and what differs, worded as the refusal of a run of another problem than the one given. Runs that carry
    /// no problem are not compared. (A size check alone had drawn a run of x0^3 beside one of x0^2 as if of one problem.)
    /// </summary>
    /// <exception cref="SymbolicException"><see cref="ErrorKind.Invalid"/>: runs of two problems.</exception>
    public static void RequireOneProblem(IReadOnlyList<OptimizerRun> runs, string parameter)
    {
        ArgumentNullException.ThrowIfNull(runs, parameter);
        var first = -1;
        for (var i = 0; i < runs.Count; i++)
        {
            if (runs[i]?.Problem is not { } made) continue;
            if (first < 0) first = i;
            else if (runs[first].Problem!.FirstDifference(made) is var (aspect, mine, theirs))
                throw new SymbolicException(ErrorKind.Invalid,
                    $"Run {i} ({runs[i].Label}) in '{parameter}' was made on another problem than run {first} ({runs[first].Label}): " +
                    $"{Difference(aspect, theirs, $"run {first}'s", mine)}. " +
                    "Pass runs made on one problem (its Run, Compare or CompareMethods), and each problem's runs in a call of their own.");
        }
    }

    /// <summary>
    /// Refuses an x* (<see cref="TargetPoint"/>) given with runs of a problem when it was found for another problem
    /// (<see cref="TargetPoint.Problem"/>), or has another number of values than the problem has variables: its mark
    /// and the distances to it would belong to that other problem. Null (no x*) passes.
    /// </summary>
    /// <param name="target">The x*, or null.</param>
    /// <param name="definition">The problem the x* is given with.</param>
    /// <param name="parameter">The parameter's name in the API (<c>target</c>, <c>comparison</c>).</param>
    /// <exception cref="SymbolicException"><see cref="ErrorKind.Invalid"/>: found for another problem, naming what differs;
    /// <see cref="ErrorKind.Shape"/>: of another size.</exception>
    public static void RequireTarget(TargetPoint? target, ProblemDefinition definition, string parameter)
    {
        if (target is null) return;
        if (target.Problem is { } found && definition.Identity.FirstDifference(found) is var (aspect, mine, theirs))
            throw new SymbolicException(ErrorKind.Invalid,
                $"The x* in '{parameter}' was found for another problem: {Difference(aspect, theirs, "this problem's", mine)}. " +
                "Pass the Target of a comparison of this problem (its CompareMethods), or pass this one to the problem it was found for.");
        if (target.X is { } x && x.Length != definition.Variables.Count)
            throw new SymbolicException(ErrorKind.Shape,
                $"The x* in '{parameter}' has {NumberText.Count(x.Length, "value")}; this problem has {NumberText.Count(definition.Variables.Count, "variable")}: " +
                "pass the Target of a comparison of this problem (its CompareMethods).");
    }

    /// <summary><see cref="RequireFrom(IReadOnlyList{OptimizerRun}, IReadOnlyList{string}, IReadOnlyList{string}?, string, ProblemIdentity?)"/> for method results.</summary>
    public static void RequireFrom(IReadOnlyList<MethodResult> results, IReadOnlyList<string> variables, IReadOnlyList<string>? outputs, string parameter,
        ProblemIdentity? problem = null)
    {
        ArgumentNullException.ThrowIfNull(results, parameter);
        RequireFrom([.. results.Select((r, i) => r?.Run ?? throw new ArgumentNullException(parameter, $"'{parameter}' holds null at index {i}: pass results of this problem."))],
            variables, outputs, parameter, problem);
    }

    /// <summary>How a run's problem differs from another (<see cref="ProblemIdentity.FirstDifference"/>), in words:
    /// <c>its start is [2], this problem's [1]</c>, <c>its parameters are k = 3, this problem's k = 2</c>.</summary>
    internal static string Difference(string aspect, string theirs, string whose, string mine) =>
        $"its {aspect} {(aspect.EndsWith('s') ? "are" : "is")} {theirs}, {whose} {mine}";

    private static SymbolicException Foreign(string which, int count, IReadOnlyList<string> names, string noun) =>
        new(ErrorKind.Shape,
            $"{which} has {NumberText.Count(count, noun)}; this problem has {names.Count}" +
            $"{(names.Count <= 10 ? $" ({string.Join(", ", names)})" : "")}: pass runs from this problem (its Run, Compare or CompareMethods), " +
            "not from another one.");
}
