namespace PhysGrad.Numerics;

/// <summary>
/// A run's losses kept within a budget of <c>budget</c> values (<see cref="Recording.MaxLosses"/>): every
/// loss while they fit; past that, the iterations from 2 on are cut into stretches of s iterations (4 at
/// the first thinning, doubled at each later one: 8, 16, …) and each stretch keeps only its least and its
/// greatest loss (the first of equal ones), each at its own iteration, so that a spike or a dip between
/// kept values never disappears. The start (iteration 0), iteration 1 and the last iteration are always
/// kept. Stretches merge exactly: the least of two stretches is the lesser of their least values, so what
/// is kept does not depend on when the thinning happened. A hand-written reduction (the min/max
/// "M4"-style thinning of plotting libraries, done incrementally): no served library keeps a running
/// series within a fixed budget this way.
/// </summary>
internal sealed class LossRecord
{
    private readonly int _budget;
    private readonly List<double> _values = [];
    // Null while every iteration 0, 1, 2, … is kept (no memory spent on the iterations).
    private List<int>? _iterations;
    // The stretch length once thinned (0 before).
    private int _stretch;
    // The first entry of the stretch being filled, −1 when none.
    private int _open = -1;
    private int _last = -1;
    private double _lastValue = double.NaN;

    /// <param name="budget">The most losses kept, at least <see cref="Recording.MinLosses"/>.</param>
    public LossRecord(int budget) => _budget = budget;

    /// <summary>Records the loss of iteration <paramref name="k"/> (0, then 1, 2, … in order).</summary>
    public void Add(int k, double loss)
    {
        (_last, _lastValue) = (k, loss);
        if (_iterations is null)
            _values.Add(loss);
        else if (_open >= 0 && StretchOf(_iterations[_open]) == StretchOf(k))
        {
            // Merge into the open stretch: its least and greatest of the (at most three) candidates.
            _values.Add(loss);
            _iterations.Add(k);
            Truncate(Reduce(_open, _values.Count, _open));
        }
        else
        {
            _open = _values.Count;
            _values.Add(loss);
            _iterations.Add(k);
        }
        while (_values.Count >= _budget) Thin();
    }

    /// <summary>The iteration of the last loss recorded.</summary>
    public int Last => _last;

    /// <summary>The kept losses and their iterations (null: every iteration), the last iteration's appended if thinning dropped it.</summary>
    public (List<double> Values, List<int>? Iterations) Complete()
    {
        if (_iterations is not null && _iterations[^1] != _last)
        {
            _values.Add(_lastValue);
            _iterations.Add(_last);
        }
        return (_values, _iterations);
    }

    private int StretchOf(int k) => k <= 1 ? -1 - k : (k - 2) / _stretch;

    // Reduces the entries [i, j) of one stretch to its first least and first greatest loss, written in
    // iteration order from w ≤ i on (one entry when they are the same); returns the next free place.
    private int Reduce(int i, int j, int w)
    {
        var (values, iterations) = (_values, _iterations!);
        var (lo, hi) = (i, i);
        for (var d = i + 1; d < j; d++)
        {
            if (values[d] < values[lo]) lo = d;
            if (values[d] > values[hi]) hi = d;
        }
        var (a, b) = (Math.Min(lo, hi), Math.Max(lo, hi));
        var (itA, lA, itB, lB) = (iterations[a], values[a], iterations[b], values[b]);
        (iterations[w], values[w++]) = (itA, lA);
        if (b != a) (iterations[w], values[w++]) = (itB, lB);
        return w;
    }

    private void Truncate(int count)
    {
        _values.RemoveRange(count, _values.Count - count);
        _iterations!.RemoveRange(count, _iterations.Count - count);
    }

    // Doubles the stretch (or starts at 4: a stretch of 2 keeps both its losses) and re-reduces the kept
    // losses in place (a stretch never keeps more entries than it had); each old stretch's kept entries
    // hold its least and greatest, so the new ones are exact.
    private void Thin()
    {
        _iterations ??= [.. Enumerable.Range(0, _values.Count)];
        _stretch = _stretch == 0 ? 4 : _stretch * 2;
        var w = 0;
        _open = -1;
        for (var i = 0; i < _values.Count;)
        {
            var s = StretchOf(_iterations[i]);
            var j = i;
            while (j < _values.Count && StretchOf(_iterations[j]) == s) j++;
            _open = s >= 0 ? w : -1;
            w = Reduce(i, j, w);
            i = j;
        }
        Truncate(w);
    }
}
