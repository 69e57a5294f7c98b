using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// The one check of a point given to the API (<see cref="PhysicsProblem.Check(double[], double)"/>,
/// <see cref="PhysicsProblem.OutsideDomainAt"/>, <see cref="PhysicsProblem.BranchChoicesAt"/>,
/// <see cref="TheoryChecks.Run"/>, <see cref="Derivatives"/>' point, <see cref="ProblemDefinition.GenerateTarget"/>):
/// one finite value per variable. A NaN or ±∞ coordinate has no P, J or loss to measure, and each entry
/// had answered it its own way (undef verdicts, NaN values, an empty list) while the CLI refuses the same
/// point; a point of the wrong length would be read against the wrong variables. The typed
/// <see cref="SymbolicException"/> every API input error raises (README, Reliability), naming the
/// parameter and the component.
/// </summary>
internal static class PointArguments
{
    /// <summary>The point as an array, refused unless it has one finite value per name.</summary>
    /// <param name="point">The values, in the order of <paramref name="names"/>.</param>
    /// <param name="names">The variables' names (for the message).</param>
    /// <param name="parameter">The parameter's name in the API (<c>at</c>, <c>x</c>).</param>
    /// <exception cref="ArgumentNullException"><paramref name="point"/> is null.</exception>
    /// <exception cref="SymbolicException"><see cref="ErrorKind.Shape"/>: not one value per variable;
    /// <see cref="ErrorKind.NonFinite"/>: a NaN or infinite value, named by index and variable.</exception>
    public static double[] Require(IReadOnlyList<double>? point, IReadOnlyList<string> names, string parameter)
    {
        ArgumentNullException.ThrowIfNull(point, parameter);
        if (point.Count != names.Count)
            throw new SymbolicException(ErrorKind.Shape,
                $"The point '{parameter}' has {NumberText.Count(point.Count, "value")} but the problem has {NumberText.Count(names.Count, "variable")}" +
                $"{(names.Count <= 10 ? $" ({string.Join(", ", names)})" : "")}: give one value per variable, in that order.");
        for (var j = 0; j < point.Count; j++)
            if (!double.IsFinite(point[j]))
                throw new SymbolicException(ErrorKind.NonFinite,
                    $"The point '{parameter}' has {NumberText.Short(point[j])} in {parameter}[{j}] ({names[j]}): give finite numbers (at NaN or ±∞ there is no value of P, J or the loss to measure).");
        return [.. point];
    }
}
