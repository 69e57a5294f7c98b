using PhysGrad.Symbolic;

namespace PhysGrad.Numerics.Rules;

/// <summary>
/// An update rule as a value (optax's <c>GradientTransformation</c>): it says what it needs of a
/// problem (<see cref="Needs"/>), and <see cref="Init"/> starts a <see cref="RuleState"/> on one problem
/// at one point. The state's <see cref="RuleState.Update"/> writes Δx into a caller buffer without
/// applying it; the minimiser (<see cref="Stepper"/>, <see cref="Optimizer"/>) applies it, evaluates the
/// new point and classifies the stop. A rule is immutable and can start any number of states.
/// </summary>
public interface IUpdateRule
{
    /// <summary>
    /// The short name the rule reports under (<c>gd</c>, <c>newton-cg</c>, <c>lm</c>, …): the run's
    /// <see cref="OptimizerRun.Name"/>, the method column, JSON, CSV and the plots' legends. A new rule
    /// chooses its own; it needs no entry in <see cref="Numerics.Method"/>, which names the built-in
    /// rules for the method-based entry points only.
    /// </summary>
    string Name { get; }

    /// <summary>The step size η the run reports (how η enters the step is the rule's own: see each rule).</summary>
    double Eta { get; }

    /// <summary>The quantities the rule asks of a problem; <see cref="Init"/> refuses a problem without them.</summary>
    Capabilities Needs { get; }

    /// <summary>
    /// Starts the rule on <paramref name="problem"/> at <paramref name="x0"/> (n values): allocates the
    /// rule's buffers once, so that an update allocates nothing in steady state where the rule allows.
    /// </summary>
    /// <exception cref="SymbolicException">The problem lacks a capability in <see cref="Needs"/>
    /// (<see cref="ErrorKind.Invalid"/>, naming it), or has a shape the rule cannot take
    /// (<see cref="ErrorKind.Shape"/>: IG and PG need m = n).</exception>
    RuleState Init(IDifferentiableProblem problem, double[] x0);
}

/// <summary>
/// The fallbacks a step took, gathered while the step runs: several notes in one step become one
/// <see cref="Fallback"/> whose reason lists them (the first note's kind is the fallback's kind).
/// Allocates only when something is noted.
/// </summary>
public sealed class FallbackNotes
{
    /// <summary>The iteration being stepped (1 for the first step).</summary>
    public int Iteration { get; private set; }

    /// <summary>The fallback taken so far in this step, or null.</summary>
    public Fallback? Taken { get; private set; }

    /// <summary>Starts the notes of step <paramref name="iteration"/>.</summary>
    public void Begin(int iteration)
    {
        Iteration = iteration;
        Taken = null;
    }

    /// <summary>Records a fallback of kind <paramref name="kind"/>, appending to this step's reason when there is one already.</summary>
    public void Note(FallbackKind kind, string reason) =>
        Taken = Taken is null
            ? new Fallback(Iteration, kind, reason)
            : Taken with { Reason = Taken.Reason + "; " + reason, Kinds = Taken.Kinds.Contains(kind) ? Taken.Kinds : [.. Taken.Kinds, kind] };

    /// <summary>
    /// Records a <see cref="FallbackKind.LimitTaken"/>: an entry of <paramref name="quantity"/> whose
    /// formula was not finite, replaced by its limit (see <see cref="LimitSettledProblem"/>).
    /// </summary>
    public void NoteLimit(Quantity quantity, string reason)
    {
        Note(FallbackKind.LimitTaken, reason);
        if (!Taken!.Limits.Contains(quantity)) Taken = Taken with { Limits = [.. Taken.Limits, quantity] };
    }
}

/// <summary>
/// One rule running on one problem: its buffers and history (Adam's moments, the BFGS estimate, LM's
/// damping). Not shared between threads. The minimiser calls, per step: <see cref="CheckInputs"/>
/// (a non-finite input stops the run with the quantity named), <see cref="Update"/> (Δx), then, after
/// applying Δx, <see cref="Evaluate"/> at the new point and <see cref="AfterStep"/>.
/// </summary>
public abstract class RuleState
{
    /// <summary>Starts a state on a problem (n and m read from it).</summary>
    protected RuleState(IDifferentiableProblem problem)
    {
        Problem = problem;
        N = problem.N;
        M = problem.M;
    }

    /// <summary>The problem.</summary>
    public IDifferentiableProblem Problem { get; }

    /// <summary>n, the number of variables.</summary>
    protected int N { get; }

    /// <summary>m, the number of outputs.</summary>
    protected int M { get; }

    /// <summary>
    /// Evaluates L(P(x)) and ∂L/∂x (into <paramref name="gradient"/>, n values) at x, and whatever else
    /// the next <see cref="Update"/> reads (Newton's Hessian, y and J for the Jacobian rules), from as
    /// few kernels as the rule allows. Returns L.
    /// </summary>
    public abstract double Evaluate(double[] x, double[] gradient);

    /// <summary>y = P(x) at the last evaluated point when the state computed it (the Jacobian rules), else null.</summary>
    public virtual double[]? Outputs => null;

    /// <summary>The Hessian ∂²L/∂x² (n·n, row by row) at the last evaluated point when the state holds it (Newton), else null.</summary>
    public virtual double[]? Hessian => null;

    /// <summary>
    /// The Hessian's structural nonzeros (n × n, CSR, both triangles) at the last evaluated point when the
    /// state holds them (Newton's sparse form), else null: the end-point classification multiplies by it
    /// rather than compiling a product kernel of its own.
    /// </summary>
    public virtual CsrMatrix? SparseHessian => null;

    /// <summary>
    /// The first non-finite quantity the next update would read at the last evaluated point, or null.
    /// The default checks the loss and the gradient; the Jacobian rules check y, J and the loss's
    /// derivatives in y instead (and compute the latter here).
    /// </summary>
    public virtual NonFiniteValue? CheckInputs(double loss, double[] gradient)
    {
        if (!double.IsFinite(loss)) return new NonFiniteValue(Quantity.Loss, 0, loss);
        return NonFiniteValue.Find(Quantity.Gradient, gradient);
    }

    /// <summary>
    /// What the rule's inner Krylov solve did in the last <see cref="Update"/> (null for rules without one,
    /// or when the step needed no solve). The run collects these (<see cref="OptimizerRun.InnerSolves"/>).
    /// </summary>
    public virtual InnerSolve? LastSolve => null;

    /// <summary>
    /// Non-null when the last <see cref="Update"/> returned Δx = 0 because the step is at rounding level (its
    /// right-hand side, or the decrease of L its model predicts, is below what rounding resolves): the
    /// reason, in words. The run then stops (<see cref="ConvergenceCriterion.RoundingLevel"/> at a minimum).
    /// </summary>
    public virtual string? AtRoundingLevel => null;

    /// <summary>
    /// Non-null when the last <see cref="Update"/> returned Δx = 0 although the rule's own undamped model still
    /// predicts a decrease of L above rounding (Levenberg–Marquardt whose damping, not the point, made its
    /// predicted decrease vanish): the reason, in words. The run then stops as stalled, never as converged.
    /// </summary>
    public virtual string? Stalled => null;

    /// <summary>
    /// Writes the step Δx (n values) for the point <paramref name="x"/> with loss <paramref name="loss"/>
    /// and gradient <paramref name="gradient"/> (both from the last <see cref="Evaluate"/>) into
    /// <paramref name="dx"/>, without applying it. Fallbacks go to <paramref name="notes"/>.
    /// </summary>
    public abstract void Update(double[] x, double loss, double[] gradient, double[] dx, FallbackNotes notes);

    /// <summary>
    /// Told the step Δx that was applied and the gradient at the new point (after <see cref="Evaluate"/>
    /// there): the quasi-Newton rules update their estimate here. Nothing by default.
    /// </summary>
    public virtual void AfterStep(double[] dx, double[] gradient, FallbackNotes notes) { }

    /// <summary>Starts again at another point (the history, such as Adam's moments, is kept).</summary>
    public virtual void Restart() { }

    /// <summary>"x = [1, 2]" for messages.</summary>
    protected internal static string Point(double[] x) => $"x = {NumberText.Vector(x)}";
}

/// <summary>The pieces every rule shares: argument checks and the capability test.</summary>
public static class RuleChecks
{
    /// <summary>Throws unless η is positive and finite.</summary>
    public static double Eta(double eta) =>
        eta > 0 && double.IsFinite(eta) ? eta
            : throw new SymbolicException(ErrorKind.Invalid, $"The step size η must be a positive, finite number, not {NumberText.RoundTrip(eta)}.");

    /// <summary>
    /// Throws <see cref="SymbolicException"/> (<see cref="ErrorKind.Invalid"/>) naming each capability
    /// of <paramref name="needs"/> that <paramref name="problem"/> does not support.
    /// </summary>
    public static void Capabilities(string rule, Capabilities needs, IDifferentiableProblem problem)
    {
        var missing = needs & ~problem.Supported;
        if (missing == Numerics.Capabilities.None) return;
        var names = Enum.GetValues<Capabilities>().Where(c => c != Numerics.Capabilities.None && missing.HasFlag(c)).Select(c => c.ToString());
        throw new SymbolicException(ErrorKind.Invalid,
            $"{rule} needs {string.Join(", ", names)}, which this problem does not provide (it provides {problem.Supported}).");
    }

    /// <summary>Throws <see cref="SymbolicException"/> (<see cref="ErrorKind.Shape"/>) unless m = n.</summary>
    public static void Square(string name, IDifferentiableProblem problem)
    {
        if (problem.M != problem.N)
            throw new SymbolicException(ErrorKind.Shape,
                $"{name} needs a square Jacobian, but the simulator maps {NumberText.Count(problem.N, "variable")} to {NumberText.Count(problem.M, "output")}; use Gauss–Newton or HIG.");
    }

    internal static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <summary>
    /// aᵀb/(‖a‖∞‖b‖∞): the sign of aᵀb (0 when a or b is 0) without its underflow or overflow. gᵀH⁻¹g for
    /// g = 2E-200 is 4E-400, a 0 in doubles, and read as "does not descend"; the scaled product is 1.
    /// </summary>
    internal static double ScaledDot(double[] a, double[] b)
    {
        double ma = 0, mb = 0;
        for (var i = 0; i < a.Length; i++) (ma, mb) = (Math.Max(ma, Math.Abs(a[i])), Math.Max(mb, Math.Abs(b[i])));
        if (ma == 0 || mb == 0) return 0;
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] / ma * (b[i] / mb);
        return s;
    }
}
