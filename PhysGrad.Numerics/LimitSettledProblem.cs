namespace PhysGrad.Numerics;

/// <summary>
/// One derivative entry a <see cref="LimitSettledProblem"/> replaced by a limit, or tried to.
/// </summary>
/// <param name="Quantity">The quantity (gradient, Jacobian, Hessian, their products, the loss's derivatives in y).</param>
/// <param name="Index">The flat entry (row·columns + column for a matrix).</param>
/// <param name="Columns">The number of columns for a matrix quantity, 0 otherwise.</param>
/// <param name="Formula">The formula's value there (NaN or ±∞).</param>
/// <param name="Outcome">What the limit found; the entry was replaced only when <see cref="LimitOutcome.IsTwoSided"/>.</param>
/// <param name="Mirrored">For a mixed Hessian entry with no limit in its own order: the value is the
/// other order's (∂/∂xᵢ of ∂L/∂xⱼ for ∂/∂xⱼ of ∂L/∂xᵢ), which exists there.</param>
public readonly record struct LimitSettlement(Quantity Quantity, int Index, int Columns, double Formula, LimitOutcome Outcome, bool Mirrored = false)
{
    /// <summary>The entry in words, e.g. "the Jacobian entry J[1,2] = NaN".</summary>
    public string Entry => new NonFiniteValue(Quantity, Index, Formula, Columns).ToString();

    /// <summary>What was done, for fallback reasons and stop details.</summary>
    public override string ToString() => Mirrored
        ? $"{Entry} from its formula and with no two-sided limit in its own order; took the mixed derivative in the other order, {NumberText.Short(Outcome.Value)}"
        : Outcome.Verdict switch
    {
        LimitVerdict.Limit => $"{Entry} from its formula; took the limit of the difference quotients, {NumberText.Short(Outcome.Value)} (both sides agree)",
        LimitVerdict.OneSidedAbove or LimitVerdict.OneSidedBelow =>
            $"{Entry} from its formula; the difference quotients settle from one side only ({NumberText.Short(Outcome.Value)}), so no two-sided derivative: " +
            "on the other side the quantity it is the derivative of is not finite nearby (an edge of its domain); start the run inside the domain, away from that edge",
        LimitVerdict.SidesDiffer =>
            $"{Entry} from its formula; no derivative there: the one-sided limits differ ({NumberText.Short(Outcome.Below)} from below, {NumberText.Short(Outcome.Above)} from above)",
        LimitVerdict.Unbounded => $"{Entry} from its formula; no finite derivative there: the difference quotients grow without bound",
        LimitVerdict.Overflows =>
            $"{Entry} from its formula, which overflows or underflows in doubles at this point (terms past 1E308 or below 1E-308 meet as 0·∞ or ∞ − ∞), not a missing derivative: the quantity it is the derivative of is finite here but overflows a step away, so no limit can be taken; rescale the variables (units, or a change of variable) so that their values are nearer 1",
        LimitVerdict.LowerNotFinite => $"{Entry} from its formula; the quantity it is the derivative of is not finite either",
        _ => $"{Entry} from its formula; the difference quotients do not settle to a limit",
    };
}

/// <summary>
/// A problem whose derivatives are evaluated as limits where their formulas fail: wherever an entry of
/// ∂L/∂x, J, ∂²L/∂x², J v, Jᵀ w, (∂²L/∂x²) v, ∂L/∂y or ∂²L/∂y² comes out NaN or ±∞ while the quantity it
/// is the derivative of is finite there (0·log 0 in d(u^v) at u = 0, 0/0 in a chain-rule product), the
/// entry is replaced by the two-sided limit of that quantity's difference quotients
/// (<see cref="DifferenceLimit"/>, the method <c>diff</c> uses): ∂L/∂xⱼ from L along xⱼ, Jᵢⱼ from Pᵢ
/// along xⱼ, Hᵢⱼ from the (settled) ∂L/∂xᵢ along xⱼ, (J v)ᵢ from Pᵢ along v, (Jᵀw)ⱼ from wᵀP along xⱼ,
/// (H v)ᵢ from ∂L/∂xᵢ along v. An entry whose limit does not exist, or exists from one side only, is
/// left non-finite (so the run stops as <see cref="StopReason.Diverged"/> naming it), with the reason in
/// <see cref="LastRefusal"/>. Each replacement is recorded in <see cref="Pending"/> until taken, so
/// that the minimiser reports it as a <see cref="FallbackKind.LimitTaken"/> fallback.
/// </summary>
/// <remarks>
/// The fast path (every entry finite) adds one scan of the outputs and allocates nothing. A settled
/// entry costs 33 evaluations of the lower quantity (a Hessian entry whose gradient entries need settling
/// too: about 33², since the inner limits are taken at each shifted point). The values are numerical
/// limits, accurate to about 10⁻⁶ relative, not exact. Not thread-safe: one per stepper.
/// </remarks>
public sealed class LimitSettledProblem : IDifferentiableProblem
{
    private readonly IDifferentiableProblem _inner;
    private readonly List<LimitSettlement> _pending = [];
    private int _depth;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public LimitSettledProblem(IDifferentiableProblem inner) => _inner = inner;

    /// <summary>The wrapped problem.</summary>
    public IDifferentiableProblem Inner => _inner;

    /// <summary>The entries replaced by limits since the last <see cref="TakePending"/>.</summary>
    public IReadOnlyList<LimitSettlement> Pending => _pending;

    private readonly List<LimitSettlement> _refusals = [];

    /// <summary>The last entry that could not be settled (its formula non-finite and no two-sided limit), or null.</summary>
    public LimitSettlement? LastRefusal => _refusals.Count == 0 ? null : _refusals[^1];

    /// <summary>The entry of <paramref name="quantity"/> at <paramref name="index"/> that could not be settled since the last <see cref="ClearRefusal"/>, or null.</summary>
    public LimitSettlement? RefusalFor(Quantity quantity, int index)
    {
        foreach (var r in _refusals)
            if (r.Quantity == quantity && r.Index == index) return r;
        return null;
    }

    /// <summary>Forgets the refusals (before a new point is evaluated).</summary>
    public void ClearRefusal() => _refusals.Clear();

    /// <summary>Returns and clears <see cref="Pending"/>; null when empty (allocates nothing then).</summary>
    public LimitSettlement[]? TakePending()
    {
        if (_pending.Count == 0) return null;
        var taken = _pending.ToArray();
        _pending.Clear();
        return taken;
    }

    /// <inheritdoc/>
    public int N => _inner.N;

    /// <inheritdoc/>
    public int M => _inner.M;

    /// <inheritdoc/>
    public Capabilities Supported => _inner.Supported;

    /// <inheritdoc/>
    public Capabilities Ready => _inner.Ready;

    /// <inheritdoc/>
    public bool LossIsNonNegative => _inner.LossIsNonNegative;

    /// <inheritdoc/>
    public bool LossIsHalfSquaredResidual => _inner.LossIsHalfSquaredResidual;

    /// <inheritdoc/>
    public string? OutsideDomainAt(double[] x) => _inner.OutsideDomainAt(x);

    /// <inheritdoc/>
    public double Value(double[] x) => _inner.Value(x);

    /// <inheritdoc/>
    public void Simulate(double[] x, double[] y) => _inner.Simulate(x, y);

    /// <inheritdoc/>
    public bool TryInvert(double[] y, double[] x0, double[] x) => _inner.TryInvert(y, x0, x);

    // The sparse quantities pass through unsettled: the wrapper reports the inner problem's capabilities,
    // so it must answer them (before, it claimed SparseJacobian and SparseHessian and threw
    // NotSupportedException from the interface's defaults). Their only rule-side reader is the Jacobi
    // preconditioner (ColumnScaling), which treats a non-finite column as unscaled; a rule that needs
    // the values themselves settles them through the dense or product quantities.

    /// <inheritdoc/>
    public Symbolic.SparsityPattern SparseJacobianPattern() => _inner.SparseJacobianPattern();

    /// <inheritdoc/>
    public void SparseJacobian(double[] x, double[] y, CsrMatrix jacobian) => _inner.SparseJacobian(x, y, jacobian);

    /// <inheritdoc/>
    public Symbolic.SparsityPattern SparseHessianPattern() => _inner.SparseHessianPattern();

    /// <inheritdoc/>
    public double SparseHessian(double[] x, double[] gradient, CsrMatrix hessian) => _inner.SparseHessian(x, gradient, hessian);

    private static bool AllFinite(double[] v)
    {
        foreach (var a in v)
            if (!double.IsFinite(a)) return false;
        return true;
    }

    private static double Scale(double[] x, int j) => Math.Max(1, Math.Abs(x[j]));

    private static double[] Shifted(double[] x, int j, double t)
    {
        var y = (double[])x.Clone();
        y[j] += t;
        return y;
    }

    private static double[] Along(double[] x, double[] v, double t)
    {
        var y = (double[])x.Clone();
        for (var i = 0; i < y.Length; i++) y[i] += t * v[i];
        return y;
    }

    // The step scale along a direction v: the size of x over the size of v, so that t·v moves x by
    // about max(1, ‖x‖∞)/16 at the first quotient, as along an axis.
    private static double Scale(double[] x, double[] v)
    {
        double xs = 0, vs = 0;
        foreach (var a in x) xs = Math.Max(xs, Math.Abs(a));
        foreach (var a in v) vs = Math.Max(vs, Math.Abs(a));
        return vs > 0 ? Math.Max(1, xs) / vs : 1;
    }

    private double ValueAt(double[] x)
    {
        if (_inner.Supported.HasFlag(Capabilities.Value)) return _inner.Value(x);
        return _inner.ValueGradient(x, new double[N]);
    }

    // Replaces entry k of values by the limit g gives, when g's limit is two-sided; records either way.
    private void Settle(double[] values, int k, Quantity quantity, int columns, Func<double, double> g, double scale)
    {
        var formula = values[k];
        _depth++;
        LimitOutcome outcome;
        try
        {
            outcome = DifferenceLimit.Derivative(g, scale);
        }
        finally
        {
            _depth--;
        }
        var settlement = new LimitSettlement(quantity, k, columns, formula, outcome);
        if (outcome.IsTwoSided)
        {
            values[k] = outcome.Value;
            if (_depth == 0) _pending.Add(settlement);
        }
        else if (_depth == 0) _refusals.Add(settlement);
    }

    /// <inheritdoc/>
    public double ValueGradient(double[] x, double[] gradient)
    {
        var loss = _inner.ValueGradient(x, gradient);
        if (double.IsFinite(loss) && !AllFinite(gradient)) SettleGradient(x, gradient);
        return loss;
    }

    private void SettleGradient(double[] x, double[] gradient)
    {
        if (!_inner.Supported.HasFlag(Capabilities.Value) && !_inner.Supported.HasFlag(Capabilities.Gradient)) return;
        for (var j = 0; j < gradient.Length; j++)
            if (!double.IsFinite(gradient[j]))
            {
                var jj = j;
                Settle(gradient, j, Quantity.Gradient, 0, t => ValueAt(Shifted(x, jj, t)), Scale(x, j));
            }
    }

    // ∂L/∂xᵢ at x, settled where its formula fails (for the limits of the Hessian's entries).
    private double GradientEntry(double[] x, int i)
    {
        var g = new double[N];
        ValueGradient(x, g);
        return g[i];
    }

    /// <inheritdoc/>
    public void Simulate(double[] x, double[] y, double[] jacobian)
    {
        _inner.Simulate(x, y, jacobian);
        if (AllFinite(jacobian) || !_inner.Supported.HasFlag(Capabilities.Outputs)) return;
        SettleJacobian(x, y, jacobian);
    }

    // The settling loops live in methods of their own: their lambdas capture x, and C# allocates a
    // closure at the entry of the scope that declares what is captured, so in the public method
    // every call (the common, finite case too) would allocate.
    private void SettleJacobian(double[] x, double[] y, double[] jacobian)
    {
        var n = N;
        for (var k = 0; k < jacobian.Length; k++)
        {
            int r = k / n, c = k % n;
            if (double.IsFinite(jacobian[k]) || !double.IsFinite(y[r])) continue;
            var yt = new double[M];
            Settle(jacobian, k, Quantity.Jacobian, n, t =>
            {
                _inner.Simulate(Shifted(x, c, t), yt);
                return yt[r];
            }, Scale(x, c));
        }
    }

    /// <inheritdoc/>
    public double LossInY(double[] y, double[] gradient)
    {
        var loss = _inner.LossInY(y, gradient);
        if (double.IsFinite(loss) && !AllFinite(gradient)) SettleLossGradientInY(y, gradient);
        return loss;
    }

    private void SettleLossGradientInY(double[] y, double[] gradient)
    {
        var scratch = new double[M];
        for (var j = 0; j < gradient.Length; j++)
            if (!double.IsFinite(gradient[j]))
            {
                var jj = j;
                Settle(gradient, j, Quantity.LossGradientInY, 0, t => _inner.LossInY(Shifted(y, jj, t), scratch), Scale(y, j));
            }
    }

    /// <inheritdoc/>
    public double LossInY(double[] y, double[] gradient, double[] hessian)
    {
        var loss = _inner.LossInY(y, gradient, hessian);
        if (!double.IsFinite(loss)) return loss;
        if (!AllFinite(gradient)) SettleLossGradientInY(y, gradient);
        if (AllFinite(hessian)) return loss;
        SettleLossHessianInY(y, gradient, hessian);
        return loss;
    }

    private void SettleLossHessianInY(double[] y, double[] gradient, double[] hessian)
    {
        var m = M;
        for (var k = 0; k < hessian.Length; k++)
        {
            int r = k / m, c = k % m;
            if (double.IsFinite(hessian[k]) || !double.IsFinite(gradient[r])) continue;
            Settle(hessian, k, Quantity.LossHessianInY, m, t =>
            {
                var g = new double[m];
                LossInY(Shifted(y, c, t), g);
                return g[r];
            }, Scale(y, c));
        }
        Mirror(hessian, m, Quantity.LossHessianInY);
    }

    /// <inheritdoc/>
    public double LossInX(double[] x, double[] gradient, double[] hessian)
    {
        var loss = _inner.LossInX(x, gradient, hessian);
        if (!double.IsFinite(loss)) return loss;
        if (!AllFinite(gradient)) SettleGradient(x, gradient);
        if (AllFinite(hessian)) return loss;
        SettleHessian(x, gradient, hessian);
        return loss;
    }

    private void SettleHessian(double[] x, double[] gradient, double[] hessian)
    {
        var n = N;
        for (var k = 0; k < hessian.Length; k++)
        {
            int r = k / n, c = k % n;
            if (double.IsFinite(hessian[k]) || !double.IsFinite(gradient[r])) continue;
            Settle(hessian, k, Quantity.Hessian, n, t => GradientEntry(Shifted(x, c, t), r), Scale(x, c));
        }
        Mirror(hessian, n, Quantity.Hessian);
    }

    // A mixed entry with no two-sided limit in its own order takes the other order's value where that
    // exists (x0^x1 at (0, 2): ∂L/∂x1 is undefined for x0 < 0, so ∂/∂x0 of it is one-sided, while
    // ∂/∂x1 of ∂L/∂x0 is 0 from both sides). Where both orders exist they agree (Schwarz), so this
    // chooses nothing; the Hessian the rules read stays symmetric.
    private void Mirror(double[] hessian, int n, Quantity quantity)
    {
        for (var r = 0; r < n; r++)
            for (var c = 0; c < n; c++)
            {
                var k = r * n + c;
                var other = hessian[c * n + r];
                if (double.IsFinite(hessian[k]) || !double.IsFinite(other)) continue;
                var settlement = new LimitSettlement(quantity, k, n, hessian[k], new LimitOutcome(LimitVerdict.Limit, other, double.NaN, double.NaN), Mirrored: true);
                hessian[k] = other;
                if (_depth == 0)
                {
                    _pending.Add(settlement);
                    _refusals.RemoveAll(r => r.Quantity == quantity && r.Index == k);
                }
            }
    }

    /// <inheritdoc/>
    public void JacobianVector(double[] x, double[] v, double[] y, double[] jv)
    {
        _inner.JacobianVector(x, v, y, jv);
        if (AllFinite(jv) || !_inner.Supported.HasFlag(Capabilities.Outputs)) return;
        SettleJacobianVector(x, v, y, jv);
    }

    private void SettleJacobianVector(double[] x, double[] v, double[] y, double[] jv)
    {
        var yt = new double[M];
        for (var r = 0; r < jv.Length; r++)
        {
            if (double.IsFinite(jv[r]) || !double.IsFinite(y[r])) continue;
            var rr = r;
            Settle(jv, r, Quantity.JacobianVector, 0, t =>
            {
                _inner.Simulate(Along(x, v, t), yt);
                return yt[rr];
            }, Scale(x, v));
        }
    }

    /// <inheritdoc/>
    public void JacobianTransposeVector(double[] x, double[] w, double[] y, double[] jtw)
    {
        _inner.JacobianTransposeVector(x, w, y, jtw);
        if (AllFinite(jtw) || !AllFinite(y) || !_inner.Supported.HasFlag(Capabilities.Outputs)) return;
        SettleJacobianTransposeVector(x, w, jtw);
    }

    private void SettleJacobianTransposeVector(double[] x, double[] w, double[] jtw)
    {
        var yt = new double[M];
        for (var c = 0; c < jtw.Length; c++)
        {
            if (double.IsFinite(jtw[c])) continue;
            var cc = c;
            Settle(jtw, c, Quantity.JacobianTransposeVector, 0, t =>
            {
                _inner.Simulate(Shifted(x, cc, t), yt);
                return RuleDot(w, yt);
            }, Scale(x, c));
        }
    }

    private static double RuleDot(double[] a, double[] b)
    {
        double s = 0;
        for (var i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    /// <inheritdoc/>
    public double HessianVector(double[] x, double[] v, double[] gradient, double[] hv)
    {
        var loss = _inner.HessianVector(x, v, gradient, hv);
        if (!double.IsFinite(loss)) return loss;
        if (!AllFinite(gradient)) SettleGradient(x, gradient);
        if (AllFinite(hv)) return loss;
        SettleHessianVector(x, v, gradient, hv);
        return loss;
    }

    /// <inheritdoc/>
    public void HessianVectorOnly(double[] x, double[] v, double[] hv)
    {
        _inner.HessianVectorOnly(x, v, hv);
        if (AllFinite(hv)) return;
        // A formula not finite somewhere: the full product, whose gradient says which entries to settle.
        HessianVector(x, v, ProductScratch.Gradient(N), hv);
    }

    private void SettleHessianVector(double[] x, double[] v, double[] gradient, double[] hv)
    {
        for (var i = 0; i < hv.Length; i++)
        {
            if (double.IsFinite(hv[i]) || !double.IsFinite(gradient[i])) continue;
            var ii = i;
            Settle(hv, i, Quantity.HessianVector, 0, t => GradientEntry(Along(x, v, t), ii), Scale(x, v));
        }
    }
}
