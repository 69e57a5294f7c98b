namespace PhysGrad.Cli;

/// <summary>
/// A one-line progress bar on stderr, redrawn in place with '\r' at most ten times a second, shown only
/// when stderr is a terminal. Written by hand: Spectre.Console's live progress takes over the console,
/// while the CLI keeps its writers injectable (the tests run it in-process).
/// </summary>
internal sealed class ProgressLine : IRunsProgress, IDisposable
{
    private readonly TextWriter _error;
    private readonly string[] _names;
    private readonly int _iterations;
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private long _lastDraw = -1000;
    private bool _drawn;
    private double _done; // the share of the bar drawn last

    internal ProgressLine(TextWriter error, string[] names, int iterations)
    {
        _error = error;
        _names = names;
        _iterations = iterations;
    }

    /// <summary>
    /// A progress line written to the real, unredirected stderr; null otherwise, and null for runs of
    /// fewer than <paramref name="minimumWork"/> iterations in all (compare's short runs finish before a
    /// bar would be seen; train passes 0, since its runs are timed in seconds whatever the count).
    /// </summary>
    public static ProgressLine? For(TextWriter error, string[] names, int iterations, long minimumWork = 2000)
    {
        var long_ = (long)names.Length * iterations >= minimumWork;
        return long_ && ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected
            ? new ProgressLine(error, names, iterations)
            : null;
    }

    public void Report((int Method, int Iteration) value)
    {
        var now = _clock.ElapsedMilliseconds;
        if (now - _lastDraw < 100 && value.Iteration != _iterations) return;
        _lastDraw = now;
        var done = (double)(value.Method * _iterations + value.Iteration) / (_names.Length * _iterations);
        Draw(done, $"{_names[value.Method]} {value.Iteration}/{_iterations}");
    }

    /// <summary>A run's stop point under classification: the bar stays, its text names the phase and its products.</summary>
    public void Classifying(int method, int products, int budget)
    {
        if (method < 0 || method >= _names.Length) return;
        var now = _clock.ElapsedMilliseconds;
        if (now - _lastDraw < 100 && products > 0) return;
        _lastDraw = now;
        Draw(_done, budget > 0 ? $"{_names[method]} classifying its stop, H v {products}/{budget}" : $"{_names[method]} classifying its stop");
    }

    /// <summary>A run that stopped before the limit fills its share of the bar and says where it stopped.</summary>
    public void Ended(int method, int iteration)
    {
        if (method < 0 || method >= _names.Length || iteration >= _iterations) return;
        _lastDraw = _clock.ElapsedMilliseconds;
        Draw((double)(method + 1) / _names.Length, $"{_names[method]} stopped at {iteration}/{_iterations}");
    }

    private void Draw(double done, string what)
    {
        _done = done;
        var filled = (int)Math.Round(done * 30);
        // Padded to the width Dispose clears, so a shorter text never leaves the tail of a longer one.
        var line = $"[{new string('#', filled)}{new string(' ', 30 - filled)}] {done * 100,3:F0}%  {what}";
        _error.Write("\r" + line.PadRight(69));
        _drawn = true;
    }

    public void Dispose()
    {
        if (_drawn) _error.Write("\r" + new string(' ', 70) + "\r");
    }
}
