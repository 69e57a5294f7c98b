namespace PhysGrad.Cli;

/// <summary>
/// The problem in one header line, short at any size: lists of more than four names, components or
/// numbers are shown as the first two, an ellipsis and the last with the count (the short vector form
/// of the tables), so a 100-variable problem gets a header a person can read.
/// </summary>
internal static class Headline
{
    /// <summary>The most entries a list shows in full (the façade's).</summary>
    private const int Shown = ResultText.Shown;


    /// <summary>The book's example, named where it is the problem because none was given (compare's and derive's first line).</summary>
    public const string Book = "The book's example: P(x) = [x0, x1^2], L(y) = y0^2 + y1^2, target the origin";

    /// <summary><c>x0, x1</c>, or <c>x0, x1, …, x99 (100 variables)</c> (the façade's <see cref="ResultText.Names"/>).</summary>
    public static string Names(IReadOnlyList<string> names, string noun) => ResultText.Names(names, noun);

    /// <summary>
    /// The variables inside P(…): <c>x0, x1</c>, or <c>x0, x1, …, x99; 100 variables</c>, the count after a
    /// semicolon rather than in parentheses of its own (<c>P(x0, …, x9 (10 variables))</c> nested them).
    /// </summary>
    private static string ArgumentNames(IReadOnlyList<string> names) =>
        names.Count <= Shown ? string.Join(", ", names)
            : $"{names[0]}, {names[1]}, …, {names[^1]}; {Numbers.Count(names.Count, "variable")}";

    /// <summary><c>[x0, x1^2]</c>, or <c>[a, b, …, z] (100 components)</c> (the façade's <see cref="ResultText.Items"/>).</summary>
    public static string List(IReadOnlyList<string> items, string noun) => ResultText.Items(items, t => t, noun);

    /// <summary><see cref="List(IReadOnlyList{string}, string)"/> that forms only the items it shows (<see cref="ResultText.List"/>).</summary>
    public static string List(int count, Func<int, string> item, string noun) => ResultText.List(count, item, noun);

    /// <summary>
    /// <c>P(x0, x1) = [x0, x1^2], L = (y0 - 1)^2/2 + y1^2/2</c>; a default loss over more than four
    /// outputs is written ½‖y − y*‖² with y* in its short form rather than as one term per output.
    /// </summary>
    /// <param name="d">The problem.</param>
    /// <param name="asRules">Whether the simulator is written as derived rules write their constants
    /// (<see cref="ExpressionText.FormattedAsRules"/>: x0/9.81, not 0.101937*x0): derive's header for a simulator the
    /// user wrote. Not for a traced --example, whose computed doubles (0.00925926) are no decimals anyone wrote.</param>
    public static string Problem(ProblemDefinition d, bool asRules = false) =>
        $"P({ArgumentNames(d.Variables)}) = {List(d.Simulator.Count, i => asRules
            ? ExpressionText.ForHeaderAsWritten(ExpressionText.FormattedAsRules(d.Simulator[i]), d.Simulator.Count == 1 ? ExpressionText.HeaderLength : ExpressionText.ListItemLength)
            : ExpressionText.ForHeader(ExpressionText.Formatted(d.Simulator[i]), d.Simulator.Count == 1 ? ExpressionText.HeaderLength : ExpressionText.ListItemLength), "component")}, L = {Loss(d, asRules)}";

    /// <summary>The line that follows a header in which an expression was cut short, or null when none was.</summary>
    public static string? CutNote(params string[] headerLines) =>
        headerLines.Any(ExpressionText.HasCut)
            ? $"(Long expressions are cut short above, each with its terms, the names it uses and its full length, and coefficients rounded to {ExpressionText.HeaderDigits} significant digits; --format json gives them whole.)"
            : null;

    /// <summary>The loss as text (see <see cref="Problem"/>); <paramref name="asWritten"/>: its numbers are the
    /// user's (a given loss, the target of the default one), echoed as written rather than rounded.</summary>
    public static string Loss(ProblemDefinition d, bool asWritten = false)
    {
        // A given loss is echoed as the formatter writes it (not as typed), like every other expression.
        if (d.Loss is not null)
            return asWritten ? ExpressionText.ForHeaderAsWritten(ExpressionText.FormattedAsRules(d.Loss)) : ExpressionText.ForHeader(ExpressionText.Formatted(d.Loss));
        if (d.Outputs.Length <= Shown) return asWritten ? ExpressionText.ForHeaderAsWritten(d.LossText) : ExpressionText.ForHeader(d.LossText);
        var target = d.HasNumericTarget ? (d.Target.Count > Shown ? Numbers.ComputedVector(d.Target) : Numbers.Written(d.Target))
            : List(d.TargetExpressions().Select(t => t.ToInfix()).ToArray(), "value");
        return $"½‖y − y*‖² with y* = {target}";
    }
}
