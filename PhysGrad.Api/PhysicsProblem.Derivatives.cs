using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// A simulator's derivatives at one point, as values: y = P(x), the Jacobian J = ∂P/∂x and, at order 2,
/// the loss L(P(x)), its gradient and its Hessian in x. Each matrix is either dense or in coordinate form
/// (its structural nonzeros), as asked for; the other form is null.
/// </summary>
/// <param name="Variables">x's names, in order (J's and the Hessian's columns).</param>
/// <param name="Outputs">y's names, in order (J's rows).</param>
/// <param name="Point">x, one value per variable.</param>
/// <param name="Y">y = P(x), one value per output.</param>
/// <param name="JacobianAt">J at x, m × n (row i = output i, column j = variable j); null when sparse or at order 0.</param>
/// <param name="JacobianAtNonZeros">J's structural nonzeros at x, row by row and by column within a row
/// (from the compiled sparse Jacobian kernel's CSR pattern); null when dense. An entry there may still be 0
/// at this x; every entry not listed is 0 for every x.</param>
/// <param name="Loss">L(P(x)) at order 2, else null.</param>
/// <param name="GradientAt">∂L/∂x at order 2 (n values), else null.</param>
/// <param name="HessianAt">∂²L/∂x² at order 2 (n × n), dense; else null.</param>
/// <param name="Undefined">The values that are undefined at x (NaN in the arrays above), each with its
/// reason: a failing domain condition (<c>x0 ≠ 0 for 1/x0</c>), an output outside its domain that the entry is
/// computed from, a value beyond the double range (with its size), or a formula with no finite value there.
/// An output that only overflows leaves every entry that does not involve it finite. Empty when every value is defined.</param>
/// <param name="HessianAtNonZeros">∂²L/∂x²'s structural nonzeros at order 2 (both triangles, row by row), sparse; else null.</param>
public sealed record SimulatorDerivativeReport(
    IReadOnlyList<string> Variables,
    IReadOnlyList<string> Outputs,
    IReadOnlyList<double> Point,
    IReadOnlyList<double> Y,
    double[,]? JacobianAt,
    IReadOnlyList<MatrixEntry>? JacobianAtNonZeros,
    double? Loss,
    IReadOnlyList<double>? GradientAt,
    double[,]? HessianAt,
    IReadOnlyList<MatrixEntry>? HessianAtNonZeros,
    IReadOnlyList<UndefinedValue>? Undefined = null)
{
    /// <summary>Why the entry (<c>y0</c>, <c>dy0/dx1</c>, <c>L</c>, <c>dL/dx0</c>, <c>d2L/dx0dx1</c>) is undefined at the point, or null when it is defined.</summary>
    public string? UndefinedBecause(string entry) => Undefined?.FirstOrDefault(u => u.Entry == entry)?.Because;

    /// <summary>The point, y, J and (at order 2) the loss, gradient and Hessian in the CLI's short forms:
    /// <c>at x = [1, 2]: y = [1, 4], J = [[1, 0], [0, 4]]</c>.</summary>
    public override string ToString()
    {
        var text = $"P({ResultText.Names(Variables, "variable")}) at x = {ResultText.Vector(Point)}: y = {ResultText.Vector(Y)}";
        if (JacobianAt is not null) text += $", J = {ResultText.Matrix(JacobianAt)}";
        else if (JacobianAtNonZeros is not null) text += $", J = {ResultText.Entries(JacobianAtNonZeros, Outputs.Count, Variables.Count)}";
        if (Loss is { } loss) text += $", L = {NumberText.Short(loss)}";
        if (GradientAt is not null) text += $", ∂L/∂x = {ResultText.Vector(GradientAt)}";
        if (HessianAt is not null) text += $", ∂²L/∂x² = {ResultText.Matrix(HessianAt)}";
        else if (HessianAtNonZeros is not null) text += $", ∂²L/∂x² = {ResultText.Entries(HessianAtNonZeros, Variables.Count, Variables.Count)}";
        return text;
    }
}

public sealed partial class PhysicsProblem
{
    // The compiled problem for y and J when the problem has no start or no loss (made once, on first use).
    private CompiledProblem? _valuesOnly;

    /// <summary>
    /// The most entries a dense matrix of <see cref="DerivativesAt"/> may have (m·n for J, n² for the
    /// Hessian): a million doubles are 8 MB in memory and some 20 MB as text, about what a reader or a
    /// spreadsheet still takes. Above it only the sparse form (the structural nonzeros) is given.
    /// </summary>
    public const int DenseEntryLimit = 1_000_000;

    /// <summary>
    /// y = P(x) (order 0), and J = ∂P/∂x at <paramref name="x"/> (order 1), and also L(P(x)), ∂L/∂x and ∂²L/∂x²
    /// (order 2), evaluated by the compiled kernels. Sparse: J and the Hessian as their structural
    /// nonzeros in coordinate form, from the sparse kernels (<see cref="CompiledProblem.SparseJacobian"/>,
    /// <see cref="CompiledProblem.SparseHessian"/>), which never form the m × n or n × n matrix; dense:
    /// every entry, from the dense kernels, up to <see cref="DenseEntryLimit"/> entries per matrix.
    /// </summary>
    /// <remarks>
    /// Values are the kernels' formula values: unlike <see cref="Derivatives.Compute"/>, an entry whose
    /// formula is not finite at x is not settled as a limit. Order 1 needs no target; order 2 needs the loss,
    /// so a target or a loss of the problem's own.
    /// </remarks>
    /// <param name="x">The point, one value per variable.</param>
    /// <param name="order">0: y only; 1: y and J; 2: and the loss, its gradient and its Hessian.</param>
    /// <param name="sparse">Coordinate form (structural nonzeros) rather than dense matrices.</param>
    /// <exception cref="SymbolicException">A point of the wrong length or with a non-finite value
    /// (<see cref="ErrorKind.Shape"/>, <see cref="ErrorKind.NonFinite"/>), an order other than 0, 1 or 2 or
    /// order 2 without a target or loss (<see cref="ErrorKind.Invalid"/>), or a dense matrix over
    /// <see cref="DenseEntryLimit"/> entries (<see cref="ErrorKind.TooLarge"/>; the message says to ask for the sparse form).</exception>
    public SimulatorDerivativeReport DerivativesAt(IReadOnlyList<double> x, int order = 1, bool sparse = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        if (order is not (0 or 1 or 2))
            throw new SymbolicException(ErrorKind.Invalid, $"The order must be 0 (y), 1 (y and the Jacobian) or 2 (and the loss's gradient and Hessian), not {order}.");
        var n = Variables.Count;
        var m = Outputs.Count;
        // The one check of a point for every API entry, naming the component (x[0] (x0)).
        PointArguments.Require(x, Variables, nameof(x));
        var hasLoss = Definition.HasNumericTarget || Definition.Loss is not null;
        if (order == 2 && !hasLoss)
            throw new SymbolicException(ErrorKind.Invalid,
                "Order 2 prints the Hessian of the loss L(P(x)), and this problem has no loss: give a target (one value per output) or a loss of its own.");
        if (!sparse && order >= 1)
        {
            // Refused before anything is compiled: a dense kernel over the limit would take long to build.
            DenseFits("The Jacobian ∂P/∂x", m, n);
            if (order == 2) DenseFits("The Hessian of L(P(x))", n, n);
        }

        // Order 1 needs no loss: a problem without a target is compiled with zeros there (the loss is
        // then unused; y and J do not depend on it).
        var compiled = hasLoss && Definition.HasStart ? Compiled
            : LazyInitializer.EnsureInitialized(ref _valuesOnly, () => From(Definition with
            {
                Target = hasLoss ? Definition.Target : new double[m],
                TargetSymbols = hasLoss ? Definition.TargetSymbols : null,
                Start = Definition.HasStart ? Definition.Start : new double[n],
            }).Compiled);
        var point = x.ToArray();
        var y = new double[m];
        double[,]? jacobian = null;
        MatrixEntry[]? jacobianEntries = null;
        double? loss = null;
        double[]? gradient = null;
        double[,]? hessian = null;
        MatrixEntry[]? hessianEntries = null;
        if (order == 0)
        {
            compiled.Simulate(point, y);
        }
        else if (sparse)
        {
            var j = new CsrMatrix(compiled.SparseJacobianPattern());
            compiled.SparseJacobian(point, y, j);
            jacobianEntries = Coordinates(j);
            if (order == 2)
            {
                var h = new CsrMatrix(compiled.SparseHessianPattern());
                gradient = new double[n];
                loss = compiled.SparseHessian(point, gradient, h);
                hessianEntries = Coordinates(h);
            }
        }
        else
        {
            var flat = new double[m * n];
            compiled.Simulate(point, y, flat);
            jacobian = Square(flat, m, n);
            if (order == 2)
            {
                gradient = new double[n];
                var flatHessian = new double[n * n];
                loss = compiled.LossInX(point, gradient, flatHessian);
                hessian = Square(flatHessian, n, n);
            }
        }
        var undefined = new List<UndefinedValue>();
        if (!y.All(double.IsFinite) || jacobian?.Cast<double>().All(double.IsFinite) == false
            || jacobianEntries?.All(e => double.IsFinite(e.Value)) == false
            || loss is { } l && !double.IsFinite(l) || gradient?.All(double.IsFinite) == false
            || hessian?.Cast<double>().All(double.IsFinite) == false || hessianEntries?.All(e => double.IsFinite(e.Value)) == false)
            MarkUndefined(compiled.Definition ?? Model, point, y, jacobian, ref jacobianEntries, ref loss, gradient, hessian, ref hessianEntries, undefined);
        return new SimulatorDerivativeReport(Variables, Outputs, point, y, jacobian, jacobianEntries, loss, gradient, hessian, hessianEntries, undefined);
    }

    /// <summary>
    /// Sets every value that is not finite at x to NaN and says why in <paramref name="undefined"/>. An output
    /// yᵢ outside its domain (a failing condition of Pᵢ, <see cref="Domain.FirstFailing"/>) is undefined, and
    /// so are its Jacobian row and the loss with its derivatives, which exist only where every output does.
    /// An output that only overflows (exp(800): a number, too large for a double) is no such fault: every
    /// entry is then reported by its own value, and one the kernels gave as ±∞ or NaN (0·∞ where an overflowing
    /// output meets a zero) is its formula evaluated in the stable form (<see cref="Evaluate.At"/>), kept when that is
    /// finite; an entry still not finite is said as the first failing condition of its formula, or as a formula
    /// with no finite value there (these are formula values: no limit is taken, unlike <see cref="Derivatives.Compute"/>).
    /// Only reached where some value is not finite, so the symbolic work costs nothing on ordinary points; at most
    /// 256 entries of a point are worked out so, the rest said by the kernel's value alone.
    /// </summary>
    private void MarkUndefined(Problem model, double[] x, double[] y, double[,]? jacobian, ref MatrixEntry[]? jacobianEntries,
        ref double? loss, double[]? gradient, double[,]? hessian, ref MatrixEntry[]? hessianEntries, List<UndefinedValue> undefined)
    {
        // The parameters (named constants) are part of the point the formulas are evaluated at.
        string[] names = [.. model.Variables, .. model.Parameters.Keys];
        double[] values = [.. x, .. model.Parameters.Values];
        DomainCondition? Failing(Expr formula)
        {
            try
            {
                return Domain.FirstFailing(names, values, [formula]);
            }
            catch (SymbolicException)
            {
                // A formula in a name with no value here (a symbolic target): no condition to name.
                return null;
            }
        }
        double Stable(Expr formula)
        {
            try
            {
                return Evaluate.At(names, values, formula);
            }
            catch (SymbolicException)
            {
                return double.NaN;
            }
        }
        // A value that is a number beyond the double range, said with its size (wider arithmetic: Wide), as diff says f's.
        string? Overflowing(Expr formula)
        {
            try
            {
                var w = WideEvaluate.ManyAt(names, values, [formula])[0];
                return w.IsFinite && w.E > 0 ? PointDerivatives.OutsideText(w) : null;
            }
            catch (SymbolicException)
            {
                return null;
            }
        }
        // An entry's value: the kernel's when finite, else its formula's stable value when that is finite, else
        // NaN with the reason (the entry's name leads the reason when it is the formula of a derivative).
        // Each entry settled costs a formula worked out and evaluated: past this many in one point (a large problem
        // whose overflowing output reaches most entries), an entry is said by the kernel's value alone.
        var budget = 256;
        double Settle(string entry, double v, Func<Expr> formula, bool derivative)
        {
            if (double.IsFinite(v)) return v;
            if (--budget < 0)
            {
                undefined.Add(new UndefinedValue(entry, derivative ? $"the formula of {entry} has no finite value here: {PointDerivatives.NotFinite(v)}" : PointDerivatives.NotFinite(v)));
                return double.NaN;
            }
            var f = formula();
            var stable = Stable(f);
            if (double.IsFinite(stable)) return stable;
            // A number too large for a double is said with its size; a formula with no value, with the condition that fails.
            var why = Overflowing(f) ?? Failing(f)?.ToString() ?? PointDerivatives.NotFinite(double.IsNaN(stable) ? v : stable);
            undefined.Add(new UndefinedValue(entry, derivative && !why.StartsWith("its value is ", StringComparison.Ordinal)
                ? $"the formula of {entry} has no finite value here: {why}" : why));
            return double.NaN;
        }
        // Only an output outside its domain makes the entries computed from it undefined.
        var outputUndefined = new string?[y.Length];
        for (var i = 0; i < y.Length; i++)
            if (!double.IsFinite(y[i]))
            {
                var failing = Failing(model.Simulator[i]);
                outputUndefined[i] = failing?.ToString();
                if (failing is not null)
                {
                    undefined.Add(new UndefinedValue(Outputs[i], failing.ToString()));
                    y[i] = double.NaN;
                }
                else y[i] = Settle(Outputs[i], y[i], () => model.Simulator[i], derivative: false);
            }
        double JacobianEntry(int i, int j, double v)
        {
            var entry = $"d{Outputs[i]}/d{Variables[j]}";
            if (outputUndefined[i] is { } because)
            {
                undefined.Add(new UndefinedValue(entry, UndefinedValue.Inherited(Outputs[i], because)));
                return double.NaN;
            }
            return Settle(entry, v, () => Calculus.derivativeBy(Variables[j], model.Simulator[i]), derivative: true);
        }
        if (jacobian is not null)
            for (var i = 0; i < jacobian.GetLength(0); i++)
                for (var j = 0; j < jacobian.GetLength(1); j++)
                    if (!double.IsFinite(jacobian[i, j]) || outputUndefined[i] is not null)
                        jacobian[i, j] = JacobianEntry(i, j, jacobian[i, j]);
        if (jacobianEntries is not null)
            jacobianEntries = [.. jacobianEntries.Select(e =>
                double.IsFinite(e.Value) && outputUndefined[e.Row] is null ? e : e with { Value = JacobianEntry(e.Row, e.Column, e.Value) })];
        if (loss is not { } l) return;
        var firstUndefined = Array.FindIndex(outputUndefined, u => u is not null);
        // An output outside its domain leaves L and its derivatives undefined: each says which output.
        var inherited = firstUndefined >= 0 ? UndefinedValue.Inherited(Outputs[firstUndefined], outputUndefined[firstUndefined]!) : null;
        if (inherited is not null)
        {
            undefined.Add(new UndefinedValue("L", inherited));
            loss = double.NaN;
        }
        else if (!double.IsFinite(l))
        {
            loss = Settle("L", l, () => model.LossInX, derivative: false);
        }
        // ∂L/∂xₐ once per variable, for the gradient's and the Hessian's formulas alike.
        var firstDerivatives = new Expr?[Variables.Count];
        Expr First(int a) => firstDerivatives[a] ??= Calculus.derivativeBy(Variables[a], model.LossInX);
        double LossEntry(string entry, double v, Func<Expr> formula)
        {
            if (inherited is null) return Settle(entry, v, formula, derivative: true);
            undefined.Add(new UndefinedValue(entry, inherited));
            return double.NaN;
        }
        for (var j = 0; j < gradient!.Length; j++)
            if (!double.IsFinite(gradient[j]) || inherited is not null)
            {
                var jj = j;
                gradient[j] = LossEntry($"dL/d{Variables[j]}", gradient[j], () => First(jj));
            }
        string HessianName(int a, int b) => $"d2L/d{Variables[a]}d{Variables[b]}";
        Expr Second(int a, int b) => Calculus.derivativeBy(Variables[b], First(a));
        if (hessian is not null)
            for (var a = 0; a < hessian.GetLength(0); a++)
                for (var b = 0; b < hessian.GetLength(1); b++)
                    if (!double.IsFinite(hessian[a, b]) || inherited is not null)
                    {
                        var (aa, bb) = (a, b);
                        hessian[a, b] = LossEntry(HessianName(a, b), hessian[a, b], () => Second(aa, bb));
                    }
        if (hessianEntries is not null)
            hessianEntries = [.. hessianEntries.Select(e =>
                double.IsFinite(e.Value) && inherited is null ? e
                    : e with { Value = LossEntry(HessianName(e.Row, e.Column), e.Value, () => Second(e.Row, e.Column)) })];
    }

    private static void DenseFits(string what, int rows, int columns)
    {
        var entries = (long)rows * columns;
        if (entries > DenseEntryLimit)
            throw ParameterMessages.Error(ErrorKind.TooLarge, ["sparse"], name =>
                $"{what} is {rows} × {columns} ({entries:N0} entries), over the dense output's limit of {DenseEntryLimit:N0} entries; " +
                $"ask for its structural nonzeros in coordinate form instead ({name("sparse", ["true"])}), which never forms the dense matrix.");
    }

    // A CSR matrix's entries as (row, column, value), row by row in the pattern's order.
    private static MatrixEntry[] Coordinates(CsrMatrix matrix)
    {
        var entries = new MatrixEntry[matrix.NonZeroCount];
        var rows = matrix.RowPointers;
        var columns = matrix.ColumnIndices;
        var values = matrix.Values;
        for (var i = 0; i < matrix.Rows; i++)
            for (var k = rows[i]; k < rows[i + 1]; k++)
                entries[k] = new MatrixEntry(i, columns[k], values[k]);
        return entries;
    }

    private static double[,] Square(double[] flat, int rows, int columns)
    {
        var matrix = new double[rows, columns];
        Buffer.BlockCopy(flat, 0, matrix, 0, flat.Length * sizeof(double));
        return matrix;
    }
}

public sealed partial class PhysicsProblem
{
    /// <summary>
    /// Why <paramref name="x"/> is outside the domain of the simulator or of the loss L(P(x)), or null when
    /// it is inside: the first output (else the loss) whose value there is not finite and has a failing
    /// domain condition (<see cref="Domain.FirstFailing"/>), with the variables that condition is on and
    /// their values, e.g. <c>y0 = 1/x0 is undefined there: x0 ≠ 0 for 1/x0 fails (x0 = 0)</c>.
    /// </summary>
    /// <remarks>
    /// Conditions are consulted only for a value that is not finite (an argument evaluated alone may
    /// underflow where the whole is finite); a value that overflows without a failing condition is not
    /// outside the domain, and null is returned for it (the runs then report what they meet).
    /// </remarks>
    /// <param name="x">The point, one value per variable (with the problem's start and target compiled).</param>
    /// <exception cref="SymbolicException"><paramref name="x"/> without one value per variable or with a NaN or
    /// infinite value, naming the component (<see cref="ErrorKind.Shape"/>, <see cref="ErrorKind.NonFinite"/>).</exception>
    public string? OutsideDomainAt(IReadOnlyList<double> x)
    {
        var point = PointArguments.Require(x, Variables, nameof(x));
        var model = Model;
        string[] names = [.. model.Variables, .. model.Parameters.Keys];
        double[] values = [.. point, .. model.Parameters.Values];
        string? Why(string what, Expr formula) =>
            DomainCheck.Failing(names, values, model.Variables, [formula]) is { } failing ? $"{what} is undefined there: {failing}" : null;
        var y = new double[Outputs.Count];
        Compiled.Simulate(point, y);
        for (var i = 0; i < y.Length; i++)
            if (!double.IsFinite(y[i]) && Why($"{Outputs[i]} = {Infix.Format(model.Simulator[i])}", model.Simulator[i]) is { } because)
                return because;
        return !double.IsFinite(Compiled.Value(point)) ? Why("the loss L(P(x))", model.LossInX) : null;
    }

    /// <summary>
    /// The first output whose value at <paramref name="x"/> is beyond doubles although every domain condition holds
    /// there (<c>y0 = x0^2</c> at x0 = 1E+200 is 1E+400), as <c>y0 = x0^2</c> with the output's name and formula; null
    /// when every output is finite or one is undefined (<see cref="OutsideDomainAt"/> names that). No method can take
    /// a step from such a point: its loss and derivatives are infinite there. An output that overflows at every x
    /// (a constant beyond doubles, <see cref="CompiledProblem.OverflowingConstant"/>) is not named: the runs say that.
    /// </summary>
    /// <param name="x">The point, one value per variable.</param>
    /// <exception cref="SymbolicException"><paramref name="x"/> without one value per variable or with a NaN or
    /// infinite value, naming the component (<see cref="ErrorKind.Shape"/>, <see cref="ErrorKind.NonFinite"/>).</exception>
    public string? OverflowingOutputAt(IReadOnlyList<double> x)
    {
        var point = PointArguments.Require(x, Variables, nameof(x));
        return OutsideDomainAt(point) is not null ? null : OverflowingOutput(point);
    }

    // OverflowingOutputAt at a point of the right size known to be inside the domain.
    private string? OverflowingOutput(double[] point)
    {
        var y = new double[Outputs.Count];
        Compiled.Simulate(point, y);
        // A constant that overflows at every x (x0*exp(1000)) is the runs' to name, with its own advice (OverflowingConstant).
        var i = Enumerable.Range(0, y.Length).FirstOrDefault(k => double.IsInfinity(y[k]) && Compiled.OverflowingConstant(k) is null, -1);
        return i < 0 ? null : $"{Outputs[i]} = {Infix.Format(Model.Simulator[i])}";
    }
}

public sealed partial class PhysicsProblem
{
    /// <summary>
    /// The branch choices of PG's derived local inverse that are undecided at <paramref name="x"/>: each
    /// sign(g) with g = 0 there (x0 for x0 = √y0·sign(x0) at x0 = 0), as text. There both branches are
    /// preimages and the compiled inverse takes the + branch (sign taken as +1, see
    /// <see cref="LocalInverse.BranchAtZero"/>), so PG moves rather than staying on the branch point.
    /// Empty when the inverse is given or numeric, or when no choice is 0 at x.
    /// </summary>
    /// <param name="x">The point, one value per variable.</param>
    /// <exception cref="SymbolicException"><paramref name="x"/> without one value per variable or with a NaN or
    /// infinite value, naming the component (<see cref="ErrorKind.Shape"/>, <see cref="ErrorKind.NonFinite"/>).</exception>
    public IReadOnlyList<string> BranchChoicesAt(IReadOnlyList<double> x)
    {
        x = PointArguments.Require(x, Variables, nameof(x));
        var model = Model;
        if (model.InverseSource != InverseSource.Derived || model.Inverse is not { } inverse) return [];
        string[] names = [.. model.Variables, .. model.Parameters.Keys];
        double[] values = [.. x, .. model.Parameters.Values];
        try
        {
            return [.. LocalInverse.BranchesAtZero(model.Outputs, names, values, inverse).Select(g => Infix.Format(g))];
        }
        catch (SymbolicException)
        {
            // A choice in a name with no value here: nothing to say about it.
            return [];
        }
    }
}
