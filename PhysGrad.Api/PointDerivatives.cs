using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// A function, its gradient and (optionally) its Hessian evaluated at points, with every entry whose
/// formula cannot be trusted there settled by <see cref="PointLimits"/>: the one place that decides
/// derivative values at special points, shared by <c>diff</c> (<see cref="Derivatives"/>), <c>eval</c>
/// (<see cref="BatchEvaluation"/>) and anything else that prints derivatives at a point.
/// </summary>
/// <remarks>
/// An entry ∂L/∂xⱼ (L = f for a gradient entry, L = ∂f/∂xᵢ for a Hessian entry) is settled as a limit
/// of L's difference quotients along xⱼ when its formula is not finite (0·∞, 0/0), or when L or the
/// formula contains abs or sign of an argument that depends on xⱼ and is exactly 0 at the point: there
/// the formula's finite value is only the convention sign(0) = 0 (d|u|/du at a kink, d sign(u)/du at a
/// jump), which is not a derivative. A mixed entry is settled along both orders (∂/∂xⱼ of ∂f/∂xᵢ and
/// ∂/∂xᵢ of ∂f/∂xⱼ); the value is kept only when both exist and agree, so the reported Hessian is
/// symmetric by construction and carries one note per mixed entry.
/// </remarks>
internal sealed class PointDerivatives
{
    /// <summary>The settled value, gradient and Hessian at a point, the notes on settled entries, and the undefined values with their reasons.</summary>
    public sealed record Settled(double Value, double[] Gradient, double[,]? Hessian, List<PointNote> Notes, List<UndefinedValue> Undefined);

    private readonly string[] _names;
    private readonly int _n;
    private readonly bool _hessian;
    private readonly CompiledKernel _kernel;
    private readonly int _kinkStart;
    // The special points the formulas' values there cannot be trusted at, by index: an abs or sign argument
    // (Other = -1, active where it is 0), or an atan2(y, x) (Arg = y, Other = x) on its branch cut, active
    // where y = 0 and x ≤ 0, or with OriginOnly (the direction moves x only) where y = x = 0.
    private readonly List<(int Arg, int Other, bool OriginOnly)> _kinks = [];
    // For each gradient entry i: the kinks (indices into _kinks) in f or ∂f/∂xᵢ that depend on xᵢ.
    private readonly int[][] _gradientKinks;
    // For each Hessian entry (i, j): the kink arguments in ∂f/∂xᵢ or ∂²f/∂xᵢ∂xⱼ that depend on xⱼ.
    private readonly int[,][]? _hessianKinks;
    // The formulas, for the domain conditions that say why a value is undefined.
    private readonly Expr _f;
    private readonly Expr[] _gradient;
    private readonly Expr[,]? _hessianFormulas;
    // Every kernel output's formula (f, ∇f, H, then the kink arguments), for re-evaluation in Wide arithmetic,
    // and those formulas prepared for it once (their stable forms), on the first row that needs it.
    private readonly Expr[] _outputs;
    private readonly Lazy<WideProgram> _wide;

    /// <summary>The number of leading kernel outputs that are f, the gradient and the Hessian (row by row).</summary>
    public int OutputCount { get; }

    /// <summary>The compiled kernel: f, ∇f, H (n×n, when asked for), then the arguments of abs and sign.</summary>
    public CompiledKernel Kernel => _kernel;

    public PointDerivatives(string[] names, Expr f, Expr[] gradient, Expr[,]? hessian)
    {
        _names = names;
        _n = names.Length;
        _hessian = hessian is not null;
        (_f, _gradient, _hessianFormulas) = (f, gradient, hessian);
        var symbols = Expression.Symbols(names);
        var outputs = new List<Expr> { f };
        outputs.AddRange(gradient);
        if (hessian is not null)
            for (var i = 0; i < _n; i++)
                for (var j = 0; j < _n; j++)
                    outputs.Add(hessian[i, j]);
        OutputCount = outputs.Count;
        _kinkStart = outputs.Count;

        var kinks = new List<Expr>();
        var index = new Dictionary<Expr, int>();
        var kinkIndex = new Dictionary<(int, int, bool), int>();
        int Output(Expr e)
        {
            if (!index.TryGetValue(e, out var k))
            {
                k = kinks.Count;
                kinks.Add(e);
                index[e] = k;
            }
            return k;
        }
        int Kink(int arg, int other, bool originOnly)
        {
            if (!kinkIndex.TryGetValue((arg, other, originOnly), out var k))
            {
                k = _kinks.Count;
                _kinks.Add((arg, other, originOnly));
                kinkIndex[(arg, other, originOnly)] = k;
            }
            return k;
        }
        int[] KinksOf(IEnumerable<Expr> roots, Expr along)
        {
            var found = new SortedSet<int>();
            foreach (var e in Structure.PostOrder(roots))
                if (e.Node is Node.Apply { Item1: Function.Abs or Function.Sign } a && Structure.DependsOn(along, a.Item2))
                    found.Add(Kink(Output(a.Item2), -1, false));
                // atan2(y, x) jumps by 2π across y = 0 where x < 0 (its branch cut) and has no angle at y = x = 0:
                // a direction that moves y crosses the cut; one that moves x only meets it at the origin.
                else if (e.Node is Node.Atan2 t && (Structure.DependsOn(along, t.Item1) || Structure.DependsOn(along, t.Item2)))
                    found.Add(Kink(Output(t.Item1), Output(t.Item2), !Structure.DependsOn(along, t.Item1)));
            return found.ToArray();
        }
        _gradientKinks = new int[gradient.Length][];
        for (var i = 0; i < gradient.Length; i++)
            _gradientKinks[i] = KinksOf([f, gradient[i]], symbols[i]);
        if (hessian is not null)
        {
            _hessianKinks = new int[_n, _n][];
            for (var i = 0; i < _n; i++)
                for (var j = 0; j < _n; j++)
                    _hessianKinks[i, j] = KinksOf([gradient[i], hessian[i, j]], symbols[j]);
        }
        outputs.AddRange(kinks);
        _outputs = outputs.ToArray();
        _wide = new Lazy<WideProgram>(() => new WideProgram(names, _outputs));
        _kernel = KernelCompiler.Compile(Lower.Program(names, [], outputs.ToArray()));
    }

    /// <summary>
    /// The structural nonzeros of a symbolic matrix, row by row: the entries whose expression is not the
    /// exact 0 (the coordinate form <c>diff --sparse</c> and <c>eval --sparse</c> print).
    /// </summary>
    public static SymbolicEntry[] NonZeros(Expression[,] matrix)
    {
        var entries = new List<SymbolicEntry>();
        for (var i = 0; i < matrix.GetLength(0); i++)
            for (var j = 0; j < matrix.GetLength(1); j++)
                if (!ExprModule.isZero(matrix[i, j].Core))
                    entries.Add(new SymbolicEntry(i, j, matrix[i, j]));
        return [.. entries];
    }

    /// <summary>The raw kernel outputs at <paramref name="x"/>.</summary>
    public double[] Raw(double[] x)
    {
        var values = new double[_kernel.OutputCount];
        _kernel.Evaluate(x, values);
        return values;
    }

    /// <summary>
    /// Do the raw outputs <paramref name="raw"/> at <paramref name="x"/> need settling (<see cref="At(double[], double[])"/>),
    /// or are they the printed values as they are? They need it where an entry is not finite, an abs, sign or atan2
    /// one of them depends on is at its special point, or the double value of an entry is not its value. Only a
    /// row with an entry that is 0, subnormal, ±∞ or NaN can be any of these; its suspect entries alone are
    /// re-evaluated in <see cref="Wide"/> arithmetic first (<see cref="Widen"/>), and a row whose re-evaluation
    /// changes nothing and leaves every entry finite and no special point active is printed from the doubles:
    /// the exact zeros of points with zero coordinates (x·y at x = 0) no longer take the settling path.
    /// </summary>
    public bool NeedsSettling(ReadOnlySpan<double> x, ReadOnlySpan<double> raw)
    {
        var outOfRange = false;
        for (var k = 0; k < OutputCount && !outOfRange; k++)
            outOfRange = MayBeOutOfRange(raw[k]);
        if (!outOfRange) return AnyActive(raw);
        var widened = raw.ToArray();
        if (Widen(x.ToArray(), widened).Count > 0) return true;
        for (var k = 0; k < widened.Length; k++)
            if (!widened[k].Equals(raw[k])) return true;
        for (var k = 0; k < OutputCount; k++)
            if (!double.IsFinite(raw[k])) return true;
        return AnyActive(raw);
    }

    // Whether an abs, sign or atan2 is at its special point in the raw outputs.
    private bool AnyActive(ReadOnlySpan<double> raw)
    {
        for (var k = 0; k < _kinks.Count; k++)
            if (Active(raw, k)) return true;
        return false;
    }

    // A value that an overflow or underflow inside its formula may have produced: 0, subnormal, ±∞ or NaN.
    private static bool MayBeOutOfRange(double v) => !double.IsFinite(v) || Math.Abs(v) < CompiledProblem.SmallestNormal;

    /// <summary>
    /// Re-evaluates, in <see cref="Wide"/> arithmetic (a double mantissa with an integer exponent), every raw
    /// output that is 0, subnormal, ±∞ or NaN: the double value may come from an intermediate that left the
    /// double range ((x² + y²)^(3/2) is 0 at x = y = 10⁻¹⁵⁰ and ∞ at 10¹⁵⁰) rather than from f. Where the
    /// wide value is finite it replaces the raw one, so no limit is taken and nothing is called undefined
    /// or not differentiable for want of exponent range; entries whose true value is outside the double
    /// range are returned with it (the raw value is then its nearest double: ±∞, a subnormal or 0).
    /// Where the wide value is not finite either, the raw value stays (a real pole or 0/0).
    /// </summary>
    private Dictionary<int, Wide> Widen(double[] x, double[] raw)
    {
        var outside = new Dictionary<int, Wide>();
        var suspect = Enumerable.Range(0, raw.Length).Where(k => MayBeOutOfRange(raw[k]) && !ExprModule.isZero(_outputs[k])).ToArray();
        if (suspect.Length == 0) return outside;
        var wide = _wide.Value.At(x, suspect);
        for (var s = 0; s < suspect.Length; s++)
        {
            var (k, w) = (suspect[s], wide[s]);
            if (!w.IsFinite) continue;
            raw[k] = w.ToDouble();
            if (!w.OutsideDoubles) continue;
            if (k < OutputCount) outside[k] = w;
            // An abs or atan2 argument below the double range is still not 0: no kink.
            else if (raw[k] == 0) raw[k] = Math.Sign(w.M) * double.Epsilon;
        }
        return outside;
    }

    /// <summary>What an entry whose true value <paramref name="w"/> lies outside the double range is, and what to do.</summary>
    internal static string OutsideText(Wide w) => w.E > 0
        ? $"its value is {w.Text(6)}, beyond the double range (magnitudes above 1.8E+308 overflow); rescale the variables (measure them in other units) so that it is representable"
        : $"its value is {w.Text(6)}, below the normal double range (2.2E-308; doubles end at 4.9E-324), shown as {PointLimits.Text(w.ToDouble())}; rescale the variables (measure them in other units) to see its digits";

    // Whether kink k is at its special point in the raw outputs.
    private bool Active(ReadOnlySpan<double> raw, int k)
    {
        var (arg, other, originOnly) = _kinks[k];
        if (raw[_kinkStart + arg] != 0) return false;
        if (other < 0) return true;
        var x = raw[_kinkStart + other];
        return originOnly ? x == 0 : x <= 0;
    }

    private bool AtKink(double[] raw, int[] kinks)
    {
        foreach (var k in kinks)
            if (Active(raw, k)) return true;
        return false;
    }

    // The opening of a settled entry's note whose formula is finite at a kink: the convention it rests on.
    private string ConventionText(double[] raw, int[] kinks, double formula)
    {
        var cut = kinks.Any(k => _kinks[k].Other >= 0 && Active(raw, k));
        var abs = kinks.Any(k => _kinks[k].Other < 0 && Active(raw, k));
        return (abs ? string.Format(Convention, PointLimits.Text(formula)) : "")
            + (cut ? string.Format(Cut, PointLimits.Text(formula)) : "");
    }

    private const string Cut =
        "the formula gives {0} here, but the point is on the branch cut of atan2(y, x) (y = 0 with x ≤ 0, where the angle jumps by 2π as y changes sign, "
        + "and has no value at y = x = 0): that value is the derivative of the angle on one side only, not of f; ";

    private const string Convention =
        "the formula gives {0} here only by the convention sign(0) = 0 (abs or sign at 0, a kink or a jump: one subgradient, not a derivative); ";

    private static double[] Shifted(double[] x, int j, double t)
    {
        var y = (double[])x.Clone();
        y[j] += t;
        return y;
    }

    private static double Scale(double[] x, int j) => Math.Max(1, Math.Abs(x[j]));

    private static PointLimits.Outcome Formula(double v) => new(v, PointValueSource.Formula, "");

    /// <summary>∂f/∂xᵢ at x: the formula where it can be trusted, else the limit of f's difference quotients along xᵢ.</summary>
    private PointLimits.Outcome GradientEntry(double[] x, double[] raw, int i, Dictionary<int, Wide>? outside = null)
    {
        var formula = raw[1 + i];
        if (outside?.ContainsKey(1 + i) == true) return Formula(formula);
        var kink = double.IsFinite(formula) && AtKink(raw, _gradientKinks[i]);
        if (double.IsFinite(formula) && !kink) return Formula(formula);
        return PointLimits.Derivative(t => Raw(Shifted(x, i, t))[0], Scale(x, i), formula, "f", _names[i],
            kink ? ConventionText(raw, _gradientKinks[i], formula) : null);
    }

    /// <summary>∂/∂xⱼ of ∂f/∂xᵢ at x, settled along xⱼ where the formula cannot be trusted.</summary>
    private PointLimits.Outcome HessianEntry(double[] x, double[] raw, int i, int j, Dictionary<int, Wide>? outside = null)
    {
        var formula = raw[1 + _n + i * _n + j];
        if (outside?.ContainsKey(1 + _n + i * _n + j) == true) return Formula(formula);
        var kink = double.IsFinite(formula) && AtKink(raw, _hessianKinks![i, j]);
        if (double.IsFinite(formula) && !kink) return Formula(formula);
        // Where ∂f/∂xᵢ itself does not exist at x, neither does any derivative of it.
        var inner = GradientEntry(x, raw, i, outside);
        if (inner.Source == PointValueSource.NotDifferentiable)
            return new PointLimits.Outcome(double.IsFinite(formula) ? double.NaN : formula, PointValueSource.NotDifferentiable,
                (kink ? ConventionText(raw, _hessianKinks![i, j], formula) : $"the formula gives {PointLimits.Text(formula)} here; ")
                + $"no second derivative: df/d{_names[i]} does not exist here ({inner.Detail})", kink);
        return PointLimits.Derivative(t =>
        {
            var y = Shifted(x, j, t);
            return GradientEntry(y, Raw(y), i).Value;
        }, Scale(x, j), formula, $"df/d{_names[i]}", _names[j],
            kink ? ConventionText(raw, _hessianKinks![i, j], formula) : null);
    }

    /// <summary>The value, gradient and Hessian at <paramref name="x"/>, settled, with a note per settled entry.</summary>
    public Settled At(double[] x) => At(x, Raw(x));

    /// <summary>As <see cref="At(double[])"/>, from raw outputs already computed at x.</summary>
    /// <remarks>Values that are not finite after settling are undefined there: NaN, with the reason in
    /// <see cref="Settled.Undefined"/> (see <see cref="Undefined"/>).</remarks>
    public Settled At(double[] x, double[] raw)
    {
        raw = (double[])raw.Clone();
        var outside = Widen(x, raw);
        var notes = new List<PointNote>();
        var gradient = new double[_n];
        for (var i = 0; i < _n; i++)
        {
            var o = GradientEntry(x, raw, i, outside);
            gradient[i] = o.Value + 0.0;
            if (o.Source != PointValueSource.Formula)
                notes.Add(new PointNote($"df/d{_names[i]}", o.Source, o.Detail, o.Convention));
        }
        // On atan2's branch cut f is not continuous (it jumps by 2π across y = 0), and at y = x = 0 the angle
        // has no value: f's printed value is a floating-point convention, said in a note on f.
        var atan2 = _gradientKinks.SelectMany(k => k).Distinct().Where(k => _kinks[k].Other >= 0 && Active(raw, k)).ToArray();
        var origin = atan2.Any(k => raw[_kinkStart + _kinks[k].Other] == 0);
        var cut = atan2.Any(k => raw[_kinkStart + _kinks[k].Other] < 0);
        if (origin)
            notes.Add(new PointNote("f", PointValueSource.Formula,
                $"atan2(y, x) has no angle at y = x = 0: the value {PointLimits.Text(raw[0])} rests on the floating-point convention atan2(0, 0) = 0 (±π with a signed zero x = -0); evaluate at a nearby point, or define the value wanted there", true));
        if (cut)
            notes.Add(new PointNote("f", PointValueSource.Formula,
                $"the point is on the branch cut of atan2(y, x) (y = 0 with x < 0): the value {PointLimits.Text(raw[0])} holds only for y = +0 (y = -0 gives the other end, ±π), and f jumps by 2π across y = 0; evaluate off the cut (y ≠ 0), or use an unwrapped angle", true));
        double[,]? hessian = null;
        if (_hessian && cut)
        {
            // A function that is not continuous at the point has no second derivatives there.
            hessian = new double[_n, _n];
            for (var i = 0; i < _n; i++)
                for (var j = i; j < _n; j++)
                {
                    hessian[i, j] = hessian[j, i] = double.NaN;
                    notes.Add(new PointNote($"d2f/d{_names[i]}d{_names[j]}", PointValueSource.NotDifferentiable,
                        "no second derivative: f is not continuous here (on the branch cut of atan2(y, x), where it jumps by 2π)", true));
                }
        }
        else if (_hessian)
        {
            hessian = new double[_n, _n];
            for (var i = 0; i < _n; i++)
                for (var j = i; j < _n; j++)
                {
                    var upper = HessianEntry(x, raw, i, j, outside);
                    var entry = $"d2f/d{_names[i]}d{_names[j]}";
                    if (i == j || upper.Source == PointValueSource.Formula && (outside.ContainsKey(1 + _n + j * _n + i) || !Suspect(raw, j, i)))
                    {
                        hessian[i, j] = hessian[j, i] = upper.Value + 0.0;
                        if (upper.Source != PointValueSource.Formula)
                            notes.Add(new PointNote(entry, upper.Source, upper.Detail, upper.Convention));
                        continue;
                    }
                    // A mixed entry: settle it along both orders, keep a value only where both agree.
                    var lower = HessianEntry(x, raw, j, i, outside);
                    var (v, source, detail) = Combine(upper, lower, i, j);
                    hessian[i, j] = hessian[j, i] = v + 0.0;
                    if (source != PointValueSource.Formula)
                        notes.Add(new PointNote(entry, source, detail, upper.Convention || lower.Convention));
                }
        }
        return Undefined(x, raw[0] + 0.0, gradient, hessian, notes, outside);
    }

    /// <summary>
    /// The undefined values among the settled ones, each with its reason. f is undefined where its value
    /// is not finite, by the first of its domain conditions that fails (<see cref="Domain.FirstFailing"/>:
    /// x0 ≠ 0 for 1/x0, x0 &gt; 0 for log(x0)) or else as a value with no number; then so is every derivative (a derivative exists only inside the domain:
    /// log(x) at −1 has the formula value 1/x = −1, which is not a derivative). A derivative entry is
    /// undefined where its settled value is not finite (no finite derivative, or undecided); its reason
    /// is the failing condition of its formula, if any, and what settling found. Undefined values are NaN.
    /// </summary>
    private Settled Undefined(double[] x, double value, double[] gradient, double[,]? hessian, List<PointNote> notes, Dictionary<int, Wide> outside)
    {
        var undefined = new List<UndefinedValue>();
        // Entries whose true value is finite but outside the double range: an overflow is undefined (no
        // double holds it), an underflow keeps its nearest double; both say their value and to rescale.
        // f beyond the range is still a finite function, with derivatives of its own.
        string Entry(int k) => k == 0 ? "f" : k <= _n ? $"df/d{_names[k - 1]}" : $"d2f/d{_names[(k - 1 - _n) / _n]}d{_names[(k - 1 - _n) % _n]}";
        foreach (var (k, w) in outside.OrderBy(p => p.Key))
        {
            if (k > _n && (k - 1 - _n) / _n > (k - 1 - _n) % _n) continue; // the lower triangle mirrors the upper
            if (w.E < 0) notes.Add(new PointNote(Entry(k), PointValueSource.Formula, OutsideText(w)));
            else if (k == 0) value = double.NaN;
        }
        if (outside.TryGetValue(0, out var big) && big.E > 0)
            undefined.Add(new UndefinedValue("f", OutsideText(big)));
        // Conditions are consulted only where a value is not finite: an argument evaluated alone may
        // underflow (exp(−5000) + exp(−6000) = 0 inside log-sum-exp) where the stable form of the whole
        // is finite, and a finite value such as atan2(y, 1/z + 40) at z = 0 is the function's limit.
        if (!double.IsFinite(value) && !outside.ContainsKey(0))
        {
            var why = FunctionUndefined(x, value)!;
            undefined.Add(new UndefinedValue("f", why + FunctionLimit(x)));
            var inherited = UndefinedValue.Inherited("f", why);
            for (var i = 0; i < _n; i++)
            {
                gradient[i] = double.NaN;
                undefined.Add(new UndefinedValue($"df/d{_names[i]}", inherited));
            }
            if (hessian is not null)
                for (var i = 0; i < _n; i++)
                    for (var j = 0; j < _n; j++)
                    {
                        hessian[i, j] = double.NaN;
                        if (j >= i) undefined.Add(new UndefinedValue($"d2f/d{_names[i]}d{_names[j]}", inherited));
                    }
            // Settling notes about values that do not exist would only repeat the reason.
            return new Settled(double.NaN, gradient, hessian, [], undefined);
        }
        string Because(string entry, double formulaValue, params Expr[] formulas)
        {
            foreach (var (k, w) in outside)
                if (w.E > 0 && Entry(k) == entry) return OutsideText(w);
            var note = notes.FirstOrDefault(n => n.Entry == entry);
            var condition = Domain.FirstFailing(_names, x, formulas);
            var found = note is null ? NotFinite(formulaValue) : WithoutFormulaValue(note.Message);
            return condition is null ? found : $"{condition}; {found}";
        }
        for (var i = 0; i < _n; i++)
            if (!double.IsFinite(gradient[i]))
            {
                undefined.Add(new UndefinedValue($"df/d{_names[i]}", Because($"df/d{_names[i]}", gradient[i], _gradient[i])));
                gradient[i] = double.NaN;
            }
        if (hessian is not null)
            for (var i = 0; i < _n; i++)
                for (var j = i; j < _n; j++)
                    if (!double.IsFinite(hessian[i, j]))
                    {
                        var entry = $"d2f/d{_names[i]}d{_names[j]}";
                        undefined.Add(new UndefinedValue(entry, Because(entry, hessian[i, j], _hessianFormulas![i, j], _gradient[i])));
                        hessian[i, j] = hessian[j, i] = double.NaN;
                    }
        // An undefined entry's note stays (how settling went), and is also part of its reason.
        return new Settled(value, gradient, hessian, notes, undefined);
    }

    /// <summary>
    /// f alone at <paramref name="x"/> from its raw double value <paramref name="raw"/> (eval at order 0): re-evaluated
    /// in <see cref="Wide"/> arithmetic where the double may have overflowed or underflowed inside the formula
    /// (see <see cref="Widen"/>). Returns the value (NaN when undefined), a note when it is below the normal
    /// double range, and the reason when it is undefined (beyond the range, or outside f's domain).
    /// </summary>
    public (double Value, string? Note, string? Undefined) ValueAt(double[] x, double raw)
    {
        if (!MayBeOutOfRange(raw) || ExprModule.isZero(_f)) return (raw, null, null);
        var w = _wide.Value.At(x, [0])[0];
        if (!w.IsFinite) return double.IsFinite(raw) ? (raw, null, null) : (double.NaN, null, FunctionUndefined(x, raw));
        if (!w.OutsideDoubles) return (w.ToDouble(), null, null);
        return w.E > 0 ? (double.NaN, null, OutsideText(w)) : (w.ToDouble(), OutsideText(w), null);
    }

    /// <summary>Can <paramref name="value"/>, f's double value, have come from an overflow or underflow inside its formula?</summary>
    public static bool ValueMayBeOutOfRange(double value) => MayBeOutOfRange(value);

    /// <summary>Why f is undefined at <paramref name="x"/> (its value there <paramref name="value"/>), or null when it is defined.</summary>
    public string? FunctionUndefined(double[] x, double value) =>
        double.IsFinite(value) ? null : Domain.FirstFailing(_names, x, [_f])?.ToString() ?? NotFinite(value);

    /// <summary>
    /// Where f's formula has no value at x: what f tends to there, when it tends to one value along every
    /// variable's axis (sin(x)/x → 1 as x → 0, a removable singularity: 0/0 as written), with what to do;
    /// else nothing (the failing condition says what: a pole, or a point where f is undefined all around). The limit along xⱼ is the derivative at t = 0 of G(t) = t·f(x + t·eⱼ) (G(0) = 0),
    /// whose difference quotients are f(x ± h·eⱼ) themselves, settled by <see cref="DifferenceLimit"/>. For
    /// several variables the axes' limits are said to be only that: the limit in other directions may differ.
    /// </summary>
    private string FunctionLimit(double[] x)
    {
        var limits = Enumerable.Range(0, _n)
            .Select(j => DifferenceLimit.Derivative(t => t == 0 ? 0 : t * Raw(Shifted(x, j, t))[0], Scale(x, j))).ToArray();
        const string todo = "evaluate at a nearby point, or write f so that it has a value here";
        // A pole (1/x at 0) or a point inside a region where f is undefined (log(x) at −1): the condition says it all.
        if (limits.Length == 0 || limits.Any(l => l.Verdict is not (LimitVerdict.Limit or LimitVerdict.OneSidedAbove or LimitVerdict.OneSidedBelow)))
            return "";
        var v = limits[0].Value;
        // Each limit is known to within its tolerance: it prints with only the digits that justifies.
        static double Bound(double value) => PointLimits.Tolerance * Math.Max(1, Math.Abs(value));
        if (limits.Any(l => Math.Abs(l.Value - v) > Bound(v)))
            return $"; f tends to different values along different axes ({string.Join(", ", limits.Select((l, j) => $"{PointLimits.Text(l.Value, Bound(l.Value))} along {_names[j]}"))}), so it has no limit here: {todo}";
        var sides = limits.All(l => l.Verdict == LimitVerdict.Limit) ? "from both sides"
            : string.Join(", ", limits.Select((l, j) => l.Verdict switch
            {
                LimitVerdict.OneSidedAbove => $"from above in {_names[j]} (f is not defined below)",
                LimitVerdict.OneSidedBelow => $"from below in {_names[j]} (f is not defined above)",
                _ => $"from both sides in {_names[j]}",
            }));
        var along = _n == 1 ? $"as {_names[0]} → {PointLimits.Text(x[0])}" : "along every variable's axis (the limit in other directions may differ)";
        // A numerical limit: x·log(x) → 0 only like h·log h, and settles at 3.5E-07, within the tolerance of 0,
        // so it prints as 0: digits below the bound would be false precision.
        var accuracy = $" (a numerical limit, to within {PointLimits.Text(Bound(v))})";
        return $"; the formula has no value here (0/0 or 0·∞ as written), but f tends to {PointLimits.Text(v, Bound(v))}{accuracy} {along} {sides}: {todo} (such as its limit)";
    }

    /// <summary>Why a value with no failing domain condition is not finite.</summary>
    internal static string NotFinite(double v) => double.IsNaN(v)
        ? "the formula gives no number here, as an operation undefined in floating point (such as 0·∞ or ∞ − ∞) occurs in it"
        : $"the value is beyond the double range (magnitudes above {NumberText.Short(double.MaxValue, 2)} overflow)";

    /// <summary>A settling note without its opening "the formula gives ±Infinity here; " (the value is reported as undefined instead).</summary>
    private static string WithoutFormulaValue(string message) =>
        System.Text.RegularExpressions.Regex.Replace(message, @"the formula gives (-?Infinity|NaN) here; ", "");

    private bool Suspect(double[] raw, int i, int j)
    {
        var formula = raw[1 + _n + i * _n + j];
        return !double.IsFinite(formula) || AtKink(raw, _hessianKinks![i, j]);
    }

    /// <summary>
    /// One value for both mixed entries. The upper order (∂/∂xⱼ of ∂f/∂xᵢ, as the Hessian was derived)
    /// is primary; the other order is consulted because a mixed partial may exist in one order only
    /// (x·sqrt(x²+y²) at 0). Where the upper order has no value, or the other order shows there is no
    /// derivative, or the two values differ by more than a numerical limit's error could (10⁻³ relative;
    /// the limits are accurate to 10⁻⁶ but converge slowly next to a logarithm), both entries are NaN
    /// with one note giving both orders. Where only the upper order is undecided and the other settles,
    /// the other's value is taken (settled once, mirrored).
    /// </summary>
    private (double, PointValueSource, string) Combine(PointLimits.Outcome a, PointLimits.Outcome b, int i, int j)
    {
        string Say(PointLimits.Outcome o, int lower, int along) => o.Source == PointValueSource.Formula
            ? $"d/d{_names[along]} of df/d{_names[lower]} is its formula's value {PointLimits.Text(o.Value)}"
            : $"d/d{_names[along]} of df/d{_names[lower]}: {o.Detail}";
        static bool Settled(PointLimits.Outcome o) =>
            o.Source is PointValueSource.Formula or PointValueSource.Limit or PointValueSource.OneSidedLimit && double.IsFinite(o.Value);
        var both = $"{Say(a, i, j)}; {Say(b, j, i)}";
        if (Settled(a) && Settled(b))
        {
            if (Math.Abs(a.Value - b.Value) > 1e-3 * Math.Max(1, Math.Max(Math.Abs(a.Value), Math.Abs(b.Value))))
                return (double.NaN, PointValueSource.NotDifferentiable,
                    $"the mixed partial derivatives differ, so f is not twice differentiable here: {both}");
            var settled = a.Source != PointValueSource.Formula ? a : b;
            var other = a.Source != PointValueSource.Formula ? $"d/d{_names[i]} of df/d{_names[j]}" : $"d/d{_names[j]} of df/d{_names[i]}";
            return (a.Value, settled.Source, settled.Detail + $"; the other order, {other}, agrees");
        }
        if (Settled(a) && b.Source == PointValueSource.Undecided)
            return (a.Value, a.Source == PointValueSource.Formula ? PointValueSource.Undecided : a.Source,
                $"{Say(a, i, j)}; the other order is undecided ({b.Detail})");
        if (Settled(b) && a.Source == PointValueSource.Undecided)
            return (b.Value, b.Source == PointValueSource.Formula ? PointValueSource.Limit : b.Source,
                $"settled in the other order, {Say(b, j, i)}; {Say(a, i, j)}");
        var kind = a.Source == PointValueSource.NotDifferentiable || b.Source == PointValueSource.NotDifferentiable
            ? PointValueSource.NotDifferentiable
            : PointValueSource.Undecided;
        var why = kind == PointValueSource.NotDifferentiable
            ? "the mixed partial derivative does not exist in both orders, so f is not twice differentiable here"
            : "the mixed partial derivative is undecided in both orders";
        return (double.NaN, kind, $"{why}: {both}");
    }
}
