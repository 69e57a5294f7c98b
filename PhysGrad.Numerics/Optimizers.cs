using PhysGrad.Symbolic;

namespace PhysGrad.Numerics;

/// <summary>The update rules of THEORY.md §2 implemented so far.</summary>
public enum Method
{
    /// <summary>Gradient descent: Δx = −η ∂L/∂x.</summary>
    GradientDescent,
    /// <summary>Newton: Δx = −η (∂²L/∂x²)⁻¹ ∂L/∂x with the exact Hessian.</summary>
    Newton,
    /// <summary>Inverse gradient: Δx = J⁻¹ Δy with the Newton step in y.</summary>
    InverseGradient,
    /// <summary>Physical gradient: Δx = P⁻¹(y + Δy; x) − x.</summary>
    PhysicalGradient,
    /// <summary>Adam on ∂L/∂x (β₁ = 0.9, β₂ = 0.999, ε = 1e−8).</summary>
    Adam,
    /// <summary>Gauss–Newton: Δx = −η J⁺ ∂L/∂y.</summary>
    GaussNewton,
    /// <summary>Half-inverse gradient: Δx = −η V Σ^κ Uᵀ ∂L/∂y, κ = −½, singular values ≤ τ·σ_max dropped.</summary>
    HalfInverseGradient,
    /// <summary>BFGS: Δx = −η B ∂L/∂x with B the inverse-Hessian estimate built from gradient differences.</summary>
    Bfgs,
    /// <summary>L-BFGS: BFGS with the estimate kept as the last 10 pairs of steps and gradient differences.</summary>
    LimitedMemoryBfgs,
    /// <summary>The former name of <see cref="HalfInverseGradient"/>.</summary>
    [Obsolete("Use Method.HalfInverseGradient (named like InverseGradient).")]
    HalfInverse = HalfInverseGradient,
}

/// <summary>Why a run stopped (the coarse reason; <see cref="ExitReason"/> has the details).</summary>
public enum StopReason
{
    /// <summary>The loss fell to the tolerance, or the step to the step tolerance at a point whose curvature says minimum.</summary>
    Converged,
    /// <summary>The iteration limit was reached.</summary>
    IterationLimit,
    /// <summary>A value became non-finite, or a quantity the rule needs was not finite; the run says which and when.</summary>
    Diverged,
    /// <summary>The step fell to the step tolerance (typically exactly 0: ∂L/∂x = 0) at a saddle, a maximum, or a point whose curvature is undecided.</summary>
    StationaryNonMinimum,
    /// <summary>The rule's step was exactly 0 while ∂L/∂x was not zero: the point is not stationary, the rule cannot move from it.</summary>
    Stalled,
}

/// <summary>A finished run: the trajectory (including the start), the losses, why it stopped.</summary>
/// <param name="Method">The update rule.</param>
/// <param name="Eta">The step size η.</param>
/// <param name="Trajectory">The points, from the start.</param>
/// <param name="Outputs">P(x) at each point.</param>
/// <param name="Losses">L(P(x)) at each point.</param>
/// <param name="Exit">Why the run stopped, typed.</param>
/// <param name="Fallbacks">The fallbacks taken, typed.</param>
/// <param name="WallTime">The run's duration.</param>
public sealed record OptimizerRun(
    Method Method,
    double Eta,
    IReadOnlyList<double[]> Trajectory,
    IReadOnlyList<double[]> Outputs,
    IReadOnlyList<double> Losses,
    ExitReason Exit,
    IReadOnlyList<Fallback> Fallbacks,
    TimeSpan WallTime)
{
    /// <summary>
    /// The iteration of each point in <see cref="Trajectory"/> and <see cref="Outputs"/>: 0, 1, 2, … for
    /// a full recording (the default), fewer with <see cref="Recording"/>. <see cref="Losses"/> has
    /// every iteration.
    /// </summary>
    public IReadOnlyList<int>? RecordedIterations { get; init; }

    /// <summary>The coarse stop reason (<c>Exit.Reason</c>).</summary>
    public StopReason StopReason => Exit.Reason;

    /// <summary>The stop reason in words (<c>Exit.Detail</c>).</summary>
    public string StopDetail => Exit.Detail;

    /// <summary>The last point.</summary>
    public double[] Final => Trajectory[^1];

    /// <summary>The last loss.</summary>
    public double FinalLoss => Losses[^1];

    /// <summary>
    /// <c>PhysicalGradient (η = 0.3): final x = [0.0847426, 0.50421], loss 0.071813 after 10 iterations,
    /// IterationLimit (10 iterations)</c>, with the number of fallbacks if any.
    /// </summary>
    public override string ToString()
    {
        static string G(double v) => NumberText.Short(v);
        var x = NumberText.List(Final);
        return $"{Method} (η = {G(Eta)}): final x = [{x}], loss {G(FinalLoss)} after {Losses.Count - 1} iterations, {StopReason} ({StopDetail})" +
            (Fallbacks.Count > 0 ? $", {Fallbacks.Count} fallback{(Fallbacks.Count == 1 ? "" : "s")}" : "");
    }
}

/// <summary>
/// One optimiser on one problem, stepped one iteration at a time. It owns its buffers, so a step
/// allocates nothing in steady state for GD, Adam, Newton, IG and PG with a given inverse (the
/// fallbacks with their messages and eigendecompositions, the SVD of GN and HIG, the quasi-Newton history
/// and the Wolfe search do allocate). Not shared
/// between threads: make one per thread (they may share the problem).
/// </summary>
public sealed class Stepper
{
    private readonly CompiledProblem _problem;
    private readonly double _kappa, _tau;
    private readonly int _n, _m;
    // O(n) buffers every rule uses; the rest only for the rules that read them (the dense ones are
    // null for GD and Adam, so their memory stays O(n + m)). _hx is allocated on first need for the
    // curvature classification of rules that do not use the Hessian otherwise.
    private readonly double[] _x, _y, _gx, _dx, _xNew, _previousGradientScratch;
    private readonly double[]? _j, _gy, _hy, _dy, _target, _previousGradient, _workspace;
    private double[]? _hx;
    private readonly double[,]? _jacobian2D;
    private readonly bool _needsHessian, _needsJacobian, _needsLossHessianInY;
    private bool _yCurrent;
    private readonly double[]? _adamM, _adamV;
    private readonly QuasiNewton? _quasiNewton;
    private readonly bool _lineSearch;

    /// <summary>
    /// Starts <paramref name="method"/> with step size <paramref name="eta"/> at <paramref name="start"/>.
    /// With <paramref name="lineSearch"/>, Newton halves its step from η until the loss decreases
    /// enough (Armijo: L(x + t d) ≤ L(x) + 10⁻⁴ t ∇L·d); BFGS and L-BFGS search for a step meeting
    /// the weak Wolfe conditions (MathNet's <c>WeakWolfeLineSearch</c>), which keeps their updates.
    /// </summary>
    public Stepper(CompiledProblem problem, Method method, double eta, double[] start, double kappa = -0.5, double tau = 1e-3,
        bool lineSearch = false)
    {
        _lineSearch = lineSearch && method is Method.Newton or Method.Bfgs or Method.LimitedMemoryBfgs;
        CheckStart(start, problem.N);
        if (!(eta > 0) || !double.IsFinite(eta))
            throw new SymbolicException(ErrorKind.Invalid, $"The step size η must be a positive, finite number, not {NumberText.RoundTrip(eta)}.");
        if (!double.IsFinite(kappa) || !(tau >= 0) || !double.IsFinite(tau))
            throw new SymbolicException(ErrorKind.Invalid, $"HIG's κ must be finite and τ finite and at least 0, not κ = {NumberText.RoundTrip(kappa)}, τ = {NumberText.RoundTrip(tau)}.");
        if ((method is Method.InverseGradient or Method.PhysicalGradient) && problem.M != problem.N)
            throw new SymbolicException(ErrorKind.Shape,
                $"{method} needs a square Jacobian, but the simulator maps {problem.N} variables to {problem.M} outputs; use Gauss–Newton or HIG.");
        _problem = problem;
        Method = method;
        Eta = eta;
        _kappa = kappa;
        _tau = tau;
        _n = problem.N;
        _m = problem.M;
        // What the rule asks of the problem: GD, Adam and the quasi-Newton rules the gradient only;
        // Newton the Hessian; GN and HIG y, J and ∂L/∂y; IG and PG also ∂²L/∂y² (and PG the inverse).
        _needsHessian = method == Method.Newton;
        _needsJacobian = method is Method.GaussNewton or Method.HalfInverseGradient or Method.InverseGradient or Method.PhysicalGradient;
        _needsLossHessianInY = method is Method.InverseGradient or Method.PhysicalGradient;
        _x = (double[])start.Clone();
        _y = new double[_m];
        _gx = new double[_n];
        _dx = new double[_n];
        _xNew = new double[_n];
        _previousGradientScratch = new double[_n];
        if (_needsHessian) _hx = new double[_n * _n];
        if (_needsJacobian)
        {
            _j = new double[_m * _n];
            _gy = new double[_m];
            _jacobian2D = new double[_m, _n];
        }
        if (_needsLossHessianInY)
        {
            _hy = new double[_m * _m];
            _dy = new double[_m];
            _target = new double[_m];
        }
        if (_needsHessian || _needsJacobian)
            _workspace = new double[Math.Max(_n, _m) * Math.Max(_n, _m)];
        if (method is Method.Bfgs or Method.LimitedMemoryBfgs) _previousGradient = new double[_n];
        if (method == Method.Adam) (_adamM, _adamV) = (new double[_n], new double[_n]);
        if (method is Method.Bfgs or Method.LimitedMemoryBfgs) _quasiNewton = new QuasiNewton(_n, method == Method.Bfgs);
        Evaluate();
    }

    private static void CheckStart(double[] start, int n)
    {
        if (start.Length != n)
            throw new SymbolicException(ErrorKind.Shape, $"The start point has {start.Length} values but the problem has {n} variables.");
        for (var i = 0; i < n; i++)
            if (!double.IsFinite(start[i]))
                throw new SymbolicException(ErrorKind.NonFinite, $"The start point's value {i + 1} is {NumberText.RoundTrip(start[i])}; it must be finite.");
    }

    /// <summary>Starts again at <paramref name="start"/> (Adam's moments and the quasi-Newton history are kept).</summary>
    public void Reset(double[] start)
    {
        CheckStart(start, _n);
        Array.Copy(start, _x, _n);
        Iteration = 0;
        Evaluate();
    }

    /// <summary>The method.</summary>
    public Method Method { get; }

    /// <summary>The step size η.</summary>
    public double Eta { get; }

    /// <summary>The number of steps taken.</summary>
    public int Iteration { get; private set; }

    /// <summary>The current point (live: copy it to keep it).</summary>
    public ReadOnlySpan<double> X => _x;

    /// <summary>P(x) at the current point (live; computed on first request after a step for the rules that do not need it).</summary>
    public ReadOnlySpan<double> Y
    {
        get
        {
            if (!_yCurrent)
            {
                _problem.Simulate(_x, _y);
                _yCurrent = true;
            }
            return _y;
        }
    }

    /// <summary>L(P(x)) at the current point.</summary>
    public double Loss { get; private set; }

    /// <summary>∂L/∂x at the current point.</summary>
    public ReadOnlySpan<double> Gradient => _gx;

    private void Evaluate()
    {
        if (_needsJacobian) _problem.Simulate(_x, _y, _j!);
        _yCurrent = _needsJacobian;
        Loss = _needsHessian ? _problem.LossInX(_x, _gx, _hx!) : _problem.ValueGradient(_x, _gx);
    }

    // Through the one number formatter: 6 significant digits, a long point shortened (100 variables).
    private string Point() => $"x = {NumberText.Vector(_x)}";

    private static string InverseName(InverseSource source) => source switch
    {
        InverseSource.Given => "given",
        InverseSource.Derived => "derived, then numeric",
        _ => "numeric",
    };

    /// <summary>
    /// Non-null when the last <see cref="Step"/> refused to move because a quantity its rule needs
    /// (the gradient, the Hessian, J, ∂L/∂y, ∂²L/∂y², or the loss itself) was not finite at the point.
    /// </summary>
    public NonFiniteValue? NonFinite { get; private set; }

    // The quantities each rule reads, checked before a step: a NaN in any of them would otherwise
    // travel into the step (or crash an SVD) instead of stopping the run with a reason.
    private NonFiniteValue? CheckInputs()
    {
        if (!double.IsFinite(Loss)) return new NonFiniteValue(Quantity.Loss, 0, Loss);
        var needsJ = Method is Method.GaussNewton or Method.HalfInverseGradient or Method.InverseGradient or Method.PhysicalGradient;
        if (needsJ)
        {
            if (NonFiniteValue.Find(Quantity.Outputs, _y) is { } y) return y;
            if (NonFiniteValue.Find(Quantity.Jacobian, _j!, _n) is { } j) return j;
            if (_needsLossHessianInY) _problem.LossInY(_y, _gy!, _hy!);
            else _problem.LossInY(_y, _gy!);
            if (NonFiniteValue.Find(Quantity.LossGradientInY, _gy!) is { } gy) return gy;
            if (_needsLossHessianInY && NonFiniteValue.Find(Quantity.LossHessianInY, _hy!, _m) is { } hy)
                return hy;
            return null;
        }
        if (NonFiniteValue.Find(Quantity.Gradient, _gx) is { } g) return g;
        return _needsHessian ? NonFiniteValue.Find(Quantity.Hessian, _hx!, _n) : null;
    }

    /// <summary>
    /// The curvature of L(P(x)) at the current point: the Hessian's eigenvalues and, along flat
    /// directions, a probe of L (see <see cref="Curvature.Classify"/>).
    /// </summary>
    /// The rules that do not use the Hessian ask for it here, and only here (a zero step is rare).
    public Curvature ClassifyCurvature()
    {
        if (!_needsHessian)
        {
            _hx ??= new double[_n * _n];
            _problem.LossInX(_x, _previousGradientScratch, _hx);
        }
        return Curvature.Classify(_x.ToArray(), _hx!, point =>
        {
            var g = new double[_n];
            _problem.ValueGradient(point, g);
            return g;
        });
    }

    /// <summary>
    /// Whether ∂L/∂x at the current point is zero to rounding: each entry at most 10⁻¹² of the scale
    /// (1 + |L|)/(1 + ‖x‖) a gradient of L has at x (exactly 0 passes). A zero step is a stationary
    /// point only then.
    /// </summary>
    public bool GradientIsZero()
    {
        var size = 0.0;
        for (var i = 0; i < _n; i++) size += _x[i] * _x[i];
        var scale = 1e-12 * (1 + Math.Abs(Loss)) / (1 + Math.Sqrt(size));
        return Array.TrueForAll(_gx, v => Math.Abs(v) <= scale);
    }

    /// <summary>
    /// Takes one step. Returns the fallback taken, if any (null otherwise). When a quantity the rule
    /// needs is not finite, the point does not move, <see cref="NonFinite"/> says which, and the
    /// iteration count is not advanced.
    /// </summary>
    public Fallback? Step()
    {
        NonFinite = CheckInputs();
        if (NonFinite is not null) return null;
        var k = ++Iteration;
        int n = _n, m = _m;
        Fallback? fallback = null;
        void Note(FallbackKind kind, string reason) =>
            fallback = fallback is null ? new Fallback(k, kind, reason) : fallback with { Reason = fallback.Reason + "; " + reason };
        switch (Method)
        {
            case Method.GradientDescent:
                GradientStep();
                break;
            case Method.Adam:
                for (var i = 0; i < n; i++)
                {
                    _adamM![i] = 0.9 * _adamM[i] + 0.1 * _gx[i];
                    _adamV![i] = 0.999 * _adamV[i] + 0.001 * _gx[i] * _gx[i];
                    var mHat = _adamM[i] / (1 - Math.Pow(0.9, k));
                    var vHat = _adamV[i] / (1 - Math.Pow(0.999, k));
                    _dx[i] = -Eta * mHat / (Math.Sqrt(vHat) + 1e-8);
                }
                break;
            case Method.Newton:
                // At ∂L/∂x = 0 exactly the Newton step is 0 whatever H is: no fallback, the run
                // classifies the point by its curvature.
                if (Array.TrueForAll(_gx, v => v == 0)) Array.Clear(_dx);
                // The common case, H clearly positive definite, is decided here without allocating (this
                // method's lambdas allocate their closure on entry, so the test stays out of it); the
                // eigendecomposition settles the rest.
                else if (!LinearAlgebra.IsClearlyPositiveDefinite(_hx!, n, _workspace!, 1e-6) && ModifiedNewtonStep() is { } modified)
                    // H is singular or indefinite (checked from its eigenvalues, not from whether −H⁻¹g
                    // happens to descend): the step is the modified one, recorded.
                    Note(modified.Kind, $"the Hessian is {modified.Why} at {Point()}; {modified.Detail}");
                else if (!NewtonStep(_hx!, _gx, Eta, _dx, _workspace!, out var why))
                {
                    GradientStep();
                    Note(FallbackKind.HessianSingular, $"the Hessian is {why} at {Point()}; took a gradient step instead");
                }
                break;
            case Method.Bfgs:
            case Method.LimitedMemoryBfgs:
                _quasiNewton!.Direction(_gx, _dx);
                for (var i = 0; i < n; i++) _dx[i] *= -Eta;
                break;
            case Method.GaussNewton:
            case Method.HalfInverseGradient:
                for (var r = 0; r < m; r++)
                    for (var c = 0; c < n; c++) _jacobian2D![r, c] = _j![r * n + c];
                var kept = LinearAlgebra.SpectralProduct(
                    _jacobian2D!, _gy!, Method == Method.GaussNewton ? -1.0 : _kappa, Method == Method.GaussNewton ? 1e-12 : _tau, _dx);
                if (kept < Math.Min(m, n))
                    Note(FallbackKind.SingularValuesDropped, $"{Math.Min(m, n) - kept} singular value(s) of J dropped at {Point()}");
                for (var i = 0; i < n; i++) _dx[i] *= -Eta;
                break;
            case Method.InverseGradient:
            case Method.PhysicalGradient:
                var (hy, gy, dy, target, j, j2D) = (_hy!, _gy!, _dy!, _target!, _j!, _jacobian2D!);
                if (!NewtonStep(hy, gy, Eta, dy, _workspace!, out var whyInY))
                {
                    // A loss without (positive) curvature in y: a plain gradient step in y.
                    for (var i = 0; i < m; i++) dy[i] = -Eta * gy[i];
                    if (!Array.TrueForAll(gy, v => v == 0))
                        Note(FallbackKind.LossHessianInYSingular, $"the loss's Hessian in y is {whyInY}; Δy is a gradient step in y");
                }
                var inverted = false;
                if (Method == Method.PhysicalGradient)
                {
                    for (var i = 0; i < m; i++) target[i] = _y[i] + dy[i];
                    // The closed-form inverse when there is one; otherwise (or when a derived one's branch
                    // fails) Newton's method on P(x) = y + Δy from x.
                    if (_problem.InvertAny(target, _x, _xNew))
                    {
                        for (var i = 0; i < n; i++) _dx[i] = _xNew[i] - _x[i];
                        inverted = true;
                    }
                    else
                        Note(FallbackKind.NoPreimage,
                            $"y + Δy = {NumberText.Vector(target)} has no preimage near x ({InverseName(_problem.InverseSource)} inverse); took an inverse-gradient step instead");
                }
                if (!inverted)
                {
                    var r = LinearAlgebra.Solve(j, dy, _dx, _workspace!);
                    if (!r.Ok)
                    {
                        // The minimum-norm solution of J Δx = Δy (J⁺Δy): moves only where J can.
                        for (var row = 0; row < m; row++)
                            for (var c = 0; c < n; c++) j2D[row, c] = j[row * n + c];
                        var rank = LinearAlgebra.SpectralProduct(j2D, dy, -1.0, 1e-12, _dx);
                        Note(FallbackKind.JacobianSingular,
                            $"the Jacobian is {r} at {Point()}; took the minimum-norm step J⁺Δy (rank {rank} of {n})");
                    }
                }
                break;
        }
        if (_quasiNewton is not null) Array.Copy(_gx, _previousGradient!, n);
        if (_lineSearch)
        {
            var note = _quasiNewton is not null ? WolfeSearch() : LineSearch();
            if (note is not null) Note(FallbackKind.LineSearchFailed, note);
        }
        for (var i = 0; i < n; i++) _x[i] += _dx[i];
        if (!LinearAlgebra.AllFinite(_x)) return fallback;
        Evaluate();
        // A zero step carries no curvature information: nothing to update, and no fallback to report.
        if (_quasiNewton is not null && LinearAlgebra.AllFinite(_gx) && !Array.TrueForAll(_dx, v => v == 0)
            && !_quasiNewton.Update(_dx, _previousGradient!, _gx))
            Note(FallbackKind.CurvatureConditionFailed, "the curvature condition sᵀy > 0 failed; the inverse-Hessian estimate was not updated");
        return fallback;
    }

    /// <summary>
    /// Newton's step when H is singular or indefinite, or null (and Δx untouched) when H is positive
    /// definite. Over the eigenpairs (λₖ, vₖ) of the symmetrised H: Δx = −η Σ (vₖᵀg/|λₖ|) vₖ for
    /// |λₖ| above 10⁻⁹ max|λ|, negative λₖ taken by magnitude (the saddle-free Newton step of Dauphin et
    /// al. 2014, used whenever H is indefinite, so the step never heads for a saddle), plus the gradient
    /// step −η (vₖᵀg) vₖ along each zero eigenvalue: the pseudo-inverse alone (−η H⁺g) would drop
    /// the gradient's component in H's null space, stop on a slope, and call it stationary. The
    /// flat-direction part is −η (I − H⁺H) g and carries GD's unit, unit(L)/unit(x).
    /// </summary>
    private (FallbackKind Kind, string Why, string Detail)? ModifiedNewtonStep()
    {
        var n = _n;
        var hx = _hx!;
        var h = MathNet.Numerics.LinearAlgebra.Double.DenseMatrix.Create(n, n, 0);
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++) h[r, c] = 0.5 * (hx[r * n + c] + hx[c * n + r]);
        var evd = h.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(v => v.Real).ToArray();
        var largest = values.Max(Math.Abs);
        var zero = Curvature.RelativeZero * largest;
        if (values.All(v => v > zero)) return null;
        Array.Clear(_dx);
        int dropped = 0, flipped = 0;
        double flatSlope = 0;
        for (var k = 0; k < n; k++)
        {
            var lambda = values[k];
            double vg = 0;
            for (var i = 0; i < n; i++) vg += evd.EigenVectors[i, k] * _gx[i];
            if (!(Math.Abs(lambda) > zero))
            {
                dropped++;
                flatSlope += vg * vg;
                for (var i = 0; i < n; i++) _dx[i] -= Eta * vg * evd.EigenVectors[i, k];
                continue;
            }
            if (lambda < 0) flipped++;
            for (var i = 0; i < n; i++) _dx[i] -= Eta * vg / Math.Abs(lambda) * evd.EigenVectors[i, k];
        }
        var shown = NumberText.List(values.OrderBy(v => v).ToArray(), v => NumberText.Short(v, 4));
        var why = flipped > 0 ? $"indefinite (eigenvalues {shown})" : $"singular (eigenvalues {shown})";
        if (dropped == n)
            return (FallbackKind.HessianSingular, why, "every eigenvalue is 0 (L is linear here): took a gradient step instead");
        var kind = flipped > 0 ? FallbackKind.HessianIndefinite : FallbackKind.HessianSingular;
        var flat = Math.Sqrt(flatSlope) > 1e-12 * Math.Sqrt(_gx.Sum(v => v * v))
            ? " plus a gradient step −η(I − H⁺H)∇L along them, where ∇L has a component the pseudo-inverse would drop"
            : "";
        var how = (flipped > 0 ? $"took {flipped} negative eigenvalue(s) by magnitude" : "") +
                  (flipped > 0 && dropped > 0 ? " and " : "") +
                  (dropped > 0 ? $"dropped {dropped} zero eigenvalue(s) (pseudo-inverse){flat}" : "");
        return (kind, why, $"{how}, a step that descends");
    }

    /// <summary>
    /// The weak Wolfe line search of MathNet along the quasi-Newton direction, starting at t = 1 (Δx
    /// as given): sufficient decrease (c₁ = 10⁻⁴) and the curvature condition (c₂ = 0.9), which makes
    /// sᵀy &gt; 0 so that the BFGS update is always taken (Nocedal &amp; Wright, §6.1). A note when it
    /// finds no such step; the Armijo halving then takes over.
    /// </summary>
    private string? WolfeSearch()
    {
        double slope = 0;
        for (var i = 0; i < _n; i++) slope += _gx[i] * _dx[i];
        if (!(slope < 0)) return null;
        var gradient = new double[_n];
        var objective = MathNet.Numerics.Optimization.ObjectiveFunction.Gradient(v =>
        {
            var l = _problem.ValueGradient(v.AsArray() ?? v.ToArray(), gradient);
            return (l, MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray((double[])gradient.Clone()));
        });
        objective.EvaluateAt(MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray((double[])_x.Clone()));
        try
        {
            var search = new MathNet.Numerics.Optimization.LineSearch.WeakWolfeLineSearch(1e-4, 0.9, 1e-14, 60);
            var result = search.FindConformingStep(objective, MathNet.Numerics.LinearAlgebra.Double.DenseVector.OfArray((double[])_dx.Clone()), 1.0);
            for (var i = 0; i < _n; i++) _dx[i] *= result.FinalStep;
            return null;
        }
        catch (MathNet.Numerics.Optimization.OptimizationException e)
        {
            return $"the Wolfe line search failed ({e.Message.TrimEnd('.')}); backtracked instead" + (LineSearch() is { } note ? "; " + note : "");
        }
    }

    /// <summary>Halves Δx until the Armijo condition holds; a note when even 2⁻³⁰ of it does not descend.</summary>
    private string? LineSearch()
    {
        double slope = 0;
        for (var i = 0; i < _n; i++) slope += _gx[i] * _dx[i];
        if (!(slope < 0)) return null; // not a descent direction: nothing to search along
        for (var halving = 0; halving < 30; halving++)
        {
            for (var i = 0; i < _n; i++) _xNew[i] = _x[i] + _dx[i];
            var trial = _problem.ValueGradient(_xNew, _previousGradientScratch);
            if (trial <= Loss + 1e-4 * slope) return null;
            for (var i = 0; i < _n; i++) _dx[i] /= 2;
            slope /= 2;
        }
        return "the line search found no decrease after 30 halvings; took the smallest step";
    }

    private void GradientStep()
    {
        for (var i = 0; i < _n; i++) _dx[i] = -Eta * _gx[i];
    }

    private static bool NewtonStep(double[] hessian, double[] gradient, double eta, double[] step, double[] workspace, out string why)
    {
        var r = LinearAlgebra.Solve(hessian, gradient, step, workspace);
        why = r.Ok ? "" : r.ToString();
        if (!r.Ok) return false;
        // H⁻¹g must point uphill (gᵀH⁻¹g > 0); otherwise H is indefinite and −H⁻¹g is no descent step.
        double slope = 0;
        for (var i = 0; i < step.Length; i++) slope += step[i] * gradient[i];
        if (!(slope > 0))
        {
            why = "indefinite (the Newton direction does not descend)";
            return false;
        }
        for (var i = 0; i < step.Length; i++) step[i] *= -eta;
        return true;
    }
}

/// <summary>
/// What a run keeps of its path. The losses are always kept (one number a step); the points x and
/// outputs y = P(x) (n + m numbers each) at the start, every <see cref="Every"/>-th iteration and the
/// last, or at the start and the last only (<see cref="LossesOnly"/>), so that a long run at large n
/// need not store n × iterations numbers.
/// </summary>
/// <param name="Every">Keep the point of every k-th iteration (1: all of them, the default).</param>
public sealed record Recording(int Every)
{
    /// <summary>Every point (plots and reports need it): the default.</summary>
    public static Recording Full { get; } = new(1);

    /// <summary>Only the losses, with the start and the last point.</summary>
    public static Recording LossesOnly { get; } = new(int.MaxValue);

    /// <summary>The start, every <paramref name="k"/>-th point and the last.</summary>
    public static Recording EveryKth(int k) => k >= 1
        ? new Recording(k)
        : throw new SymbolicException(ErrorKind.Invalid, $"The recording interval must be at least 1, not {k}.");
}

/// <summary>Runs the update rules on a compiled problem and records the runs.</summary>
public static class Optimizer
{
    /// <summary>Runs <paramref name="method"/> from <paramref name="start"/> for at most <paramref name="iterations"/> steps.</summary>
    /// <param name="problem">The compiled problem.</param>
    /// <param name="method">The update rule.</param>
    /// <param name="eta">The step size η.</param>
    /// <param name="start">The start point x₀.</param>
    /// <param name="iterations">The iteration limit.</param>
    /// <param name="lossTolerance">Stop (converged) once the loss is at most this.</param>
    /// <param name="kappa">The exponent of <see cref="Method.HalfInverseGradient"/> (default −½).</param>
    /// <param name="tau">The relative truncation of <see cref="Method.HalfInverseGradient"/>.</param>
    /// <param name="stepTolerance">Stop (converged) once a step's length ‖Δx‖ is at most this.</param>
    /// <param name="lineSearch">Line search: Armijo backtracking for Newton, weak Wolfe for BFGS and L-BFGS.</param>
    /// <param name="progress">Told the number of the iteration just completed (for progress bars).</param>
    /// <param name="recording">Which points to keep (default <see cref="Recording.Full"/>); the run's
    /// <see cref="OptimizerRun.RecordedIterations"/> says which iterations they are.</param>
    public static OptimizerRun Run(
        CompiledProblem problem, Method method, double eta, double[] start, int iterations, double lossTolerance = 0,
        double kappa = -0.5, double tau = 1e-3, double stepTolerance = 0, bool lineSearch = false,
        IProgress<int>? progress = null, Recording? recording = null)
    {
        var every = (recording ?? Recording.Full).Every;
        if (every < 1)
            throw new SymbolicException(ErrorKind.Invalid, $"The recording interval must be at least 1, not {every}.");
        if (iterations < 0)
            throw new SymbolicException(ErrorKind.Invalid, $"The iteration limit must be 0 or more, not {iterations}.");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stepper = new Stepper(problem, method, eta, start, kappa, tau, lineSearch);
        var trajectory = new List<double[]> { stepper.X.ToArray() };
        var outputs = new List<double[]> { stepper.Y.ToArray() };
        var losses = new List<double> { stepper.Loss };
        var fallbacks = new List<Fallback>();
        var recorded = new List<int> { 0 };
        // The previous point, for the step length (the trajectory may not hold it).
        var previous = stepper.X.ToArray();
        var latest = -1; // the last iteration's point when it was not recorded
        double[]? latestX = null, latestY = null;
        for (var k = 1; k <= iterations; k++)
        {
            if (stepper.Loss <= lossTolerance)
                return Finish(StopReason.Converged, k - 1, $"loss {NumberText.Short(stepper.Loss)} ≤ {NumberText.Short(lossTolerance, 3)} after {k - 1} iterations",
                    ConvergenceCriterion.LossTolerance);
            if (stepper.Step() is { } fallback) fallbacks.Add(fallback);
            if (stepper.NonFinite is { } bad)
                return Finish(StopReason.Diverged, k - 1,
                    $"{bad} at x = {NumberText.Vector(stepper.X.ToArray())}: step {k} cannot be taken", nonFinite: bad);
            if (NonFiniteValue.Find(Quantity.Point, stepper.X) is { } badX)
                return Finish(StopReason.Diverged, k, $"x became non-finite at iteration {k} ({badX})", nonFinite: badX);
            var stepLength = 0.0;
            for (var i = 0; i < previous.Length; i++) stepLength += (stepper.X[i] - previous[i]) * (stepper.X[i] - previous[i]);
            stepLength = Math.Sqrt(stepLength);
            stepper.X.CopyTo(previous);
            if (every == 1 || k % every == 0)
            {
                trajectory.Add(stepper.X.ToArray());
                outputs.Add(stepper.Y.ToArray());
                recorded.Add(k);
                latest = -1;
            }
            else
            {
                latest = k;
                latestX ??= new double[previous.Length];
                latestY ??= new double[stepper.Y.Length];
                stepper.X.CopyTo(latestX);
                stepper.Y.CopyTo(latestY);
            }
            losses.Add(stepper.Loss);
            progress?.Report(k);
            if (!double.IsFinite(stepper.Loss))
                return Finish(StopReason.Diverged, k, $"the loss became non-finite at iteration {k}", nonFinite: new NonFiniteValue(Quantity.Loss, 0, stepper.Loss));
            if (stepLength == 0 && !stepper.GradientIsZero())
                // The rule's step vanished although ∂L/∂x does not: not a stationary point, and not
                // a reason to call the run converged; the rule cannot move from here.
                return Finish(StopReason.Stalled, k,
                    $"the step is 0 at iteration {k} although ∂L/∂x = {NumberText.Vector(stepper.Gradient.ToArray(), v => NumberText.Short(v, 3))} is not: the rule cannot move from here, the point is not stationary");
            if (stepLength <= stepTolerance)
            {
                // A step that falls to the tolerance (for most rules: exactly 0, ∂L/∂x = 0) stops the run
                // at a stationary point; only a minimum is "converged".
                var curvature = stepper.ClassifyCurvature();
                var detail = $"step length {NumberText.Short(stepLength, 3)} ≤ {NumberText.Short(stepTolerance, 3)} at iteration {k}, at {curvature.KindWithArticle} ({curvature.Detail})";
                return curvature.Kind == StationaryKind.Minimum
                    ? Finish(StopReason.Converged, k, detail, ConvergenceCriterion.StepTolerance, curvature)
                    : Finish(StopReason.StationaryNonMinimum, k, detail, curvature: curvature);
            }
        }
        return stepper.Loss <= lossTolerance
            ? Finish(StopReason.Converged, iterations, $"{iterations} iterations", ConvergenceCriterion.LossTolerance)
            : Finish(StopReason.IterationLimit, iterations, $"{iterations} iterations");

        OptimizerRun Finish(StopReason reason, int iteration, string detail, ConvergenceCriterion? criterion = null,
            Curvature? curvature = null, NonFiniteValue? nonFinite = null)
        {
            // The last point is always kept (Final, the distance and the plots' end read it).
            if (latest >= 0)
            {
                trajectory.Add(latestX!);
                outputs.Add(latestY!);
                recorded.Add(latest);
            }
            return new(method, eta, trajectory, outputs, losses, new ExitReason(reason, iteration, criterion, curvature, nonFinite, detail),
                fallbacks, clock.Elapsed) { RecordedIterations = recorded };
        }
    }
}

/// <summary>
/// The BFGS inverse-Hessian estimate, dense or limited-memory. Written here because MathNet's BFGS
/// and L-BFGS minimisers only run to convergence with their own line search, while PhysGrad steps
/// one iteration at a time with a given η, like every other method.
/// </summary>
internal sealed class QuasiNewton(int n, bool dense)
{
    private const int Memory = 10;
    private readonly double[,]? _inverse = dense ? Identity(n) : null;
    private readonly List<(double[] S, double[] Y, double Rho)> _pairs = [];

    private static double[,] Identity(int n)
    {
        var h = new double[n, n];
        for (var i = 0; i < n; i++) h[i, i] = 1;
        return h;
    }

    /// <summary>d = B g (the step is −η d).</summary>
    public void Direction(double[] g, double[] d)
    {
        if (_inverse is not null)
        {
            for (var i = 0; i < n; i++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++) sum += _inverse[i, k] * g[k];
                d[i] = sum;
            }
            return;
        }
        // The two-loop recursion, with the initial estimate scaled by sᵀy / yᵀy of the newest pair.
        var q = (double[])g.Clone();
        var alpha = new double[_pairs.Count];
        for (var p = _pairs.Count - 1; p >= 0; p--)
        {
            var (s, y, rho) = _pairs[p];
            alpha[p] = rho * Dot(s, q);
            for (var i = 0; i < n; i++) q[i] -= alpha[p] * y[i];
        }
        var gamma = _pairs.Count == 0 ? 1.0 : Dot(_pairs[^1].S, _pairs[^1].Y) / Dot(_pairs[^1].Y, _pairs[^1].Y);
        for (var i = 0; i < n; i++) d[i] = gamma * q[i];
        for (var p = 0; p < _pairs.Count; p++)
        {
            var (s, y, rho) = _pairs[p];
            var beta = rho * Dot(y, d);
            for (var i = 0; i < n; i++) d[i] += (alpha[p] - beta) * s[i];
        }
    }

    /// <summary>Takes the step s and the gradients before and after; false when sᵀy ≤ 0 (no update).</summary>
    public bool Update(double[] step, double[] before, double[] after)
    {
        var s = (double[])step.Clone();
        var y = new double[n];
        for (var i = 0; i < n; i++) y[i] = after[i] - before[i];
        var sy = Dot(s, y);
        if (!(sy > 1e-300)) return false;
        var rho = 1 / sy;
        if (_inverse is null)
        {
            _pairs.Add((s, y, rho));
            if (_pairs.Count > Memory) _pairs.RemoveAt(0);
            return true;
        }
        // B ← (I − ρ s yᵀ) B (I − ρ y sᵀ) + ρ s sᵀ, expanded: B − ρ(s (yᵀB) + (By) sᵀ) + (ρ² yᵀBy + ρ) s sᵀ.
        var by = new double[n];
        var yb = new double[n];
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
            {
                by[i] += _inverse[i, k] * y[k];
                yb[i] += y[k] * _inverse[k, i];
            }
        var yby = Dot(y, by);
        for (var i = 0; i < n; i++)
            for (var k = 0; k < n; k++)
                _inverse[i, k] += -rho * (s[i] * yb[k] + by[i] * s[k]) + (rho * rho * yby + rho) * s[i] * s[k];
        return true;
    }

    private static double Dot(double[] a, double[] b)
    {
        double sum = 0;
        for (var i = 0; i < a.Length; i++) sum += a[i] * b[i];
        return sum;
    }
}
