namespace PhysGrad.Cli;

/// <summary>
/// One line on stderr per phase of a long run ("physgrad: tracing …", "physgrad: gd: iteration 1/10 done",
/// "physgrad: drawing the plots …"), and a line on the running method's iteration at most every
/// <see cref="IterationInterval"/>, so that a run of many seconds is never silent (issue 14: a heat2d
/// run of 4096 cells printed nothing for two minutes). Lines, not a redrawn bar, so a log keeps them.
/// <para>When they are written: never on the process's own stderr when it is not a terminal (piped or
/// redirected: a script reads stderr for notes and errors); else for a problem of at least <see cref="LargeProblem"/>
/// variables or outputs, at once (tracing, deriving and compiling take seconds there); otherwise, on the
/// process's own stderr only, a phase is told once it has lasted <see cref="Quiet"/> (a small problem whose
/// graph is deep, such as 256 RK4 steps, can take as long). Writers passed in by a caller (the tests run the
/// CLI in-process) get only the first kind, so a small run's stderr stays clean however loaded the machine.</para>
/// The terminal-only bar (<see cref="ProgressLine"/>) still draws beside them: each line first clears it.
/// </summary>
internal sealed class PhaseLog : IRunsProgress, IDisposable
{
    /// <summary>The size (variables or outputs) from which the phases are told at once.</summary>
    internal const int LargeProblem = 1000;

    /// <summary>How long a phase runs before it is told, below <see cref="LargeProblem"/>.</summary>
    internal static readonly TimeSpan Quiet = TimeSpan.FromSeconds(2);

    /// <summary>The least time between two iteration lines of one method.</summary>
    internal static readonly TimeSpan IterationInterval = TimeSpan.FromSeconds(5);

    private readonly TextWriter _error;
    private readonly object _gate = new();
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly Timer? _timer;
    private bool _eager;
    private string? _pending;
    private string? _phase; // the phase under way, for its heartbeat line
    private TimeSpan _pendingSince;
    private string[] _names = [];
    private string[] _firstSteps = [];
    private int _iterations;
    private int _method = -1, _iteration;
    private (int Products, int Budget)? _classifying; // the running method's stop point under classification
    private TimeSpan _lastLine;

    private PhaseLog(TextWriter error, bool eager, bool watch)
    {
        (_error, _eager) = (error, eager);
        if (watch) _timer = new Timer(_ => Tick(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>A log for a problem of this size written to <paramref name="error"/>; null when nothing would ever be told,
    /// and null on the process's own stderr when it is not a terminal (piped, or redirected to a file): there stderr
    /// carries the notes, warnings and errors a script reads, and progress lines would be mistaken for them.</summary>
    public static PhaseLog? For(TextWriter error, long size)
    {
        var eager = size >= LargeProblem;
        var console = ReferenceEquals(error, Console.Error);
        if (console && Console.IsErrorRedirected) return null;
        return eager || console ? new PhaseLog(error, eager, console) : null;
    }

    /// <summary>Tells the phases at once from now on when the problem (read since) is large.</summary>
    public void Sized(long size)
    {
        lock (_gate) _eager |= size >= LargeProblem;
    }

    /// <summary>Says a phase starts (at once, or once it has lasted <see cref="Quiet"/>), with the time since the command started.</summary>
    public void Phase(string what)
    {
        lock (_gate)
        {
            (_method, _phase) = (-1, what);
            if (_eager)
            {
                _pending = null;
                Write($"physgrad: {what} … ({Elapsed()})");
                _lastLine = _clock.Elapsed;
            }
            else
                (_pending, _pendingSince) = ($"physgrad: {what} …", _clock.Elapsed);
        }
    }

    /// <summary>
    /// The methods about to run (their labels), the iterations of each, and what each one's first
    /// iteration does before it is reported (<c>building the local inverse</c> for PG): the periodic line
    /// names it while it lasts, rather than the iteration of the method before.
    /// </summary>
    public void Runs(string[] names, int iterations, string[] firstSteps)
    {
        lock (_gate) (_names, _iterations, _firstSteps) = (names, iterations, firstSteps);
    }

    /// <summary>Says the runs start (the phase <paramref name="what"/>); from then on the periodic line names the first method's first iteration.</summary>
    public void StartRuns(string what)
    {
        lock (_gate)
        {
            Phase(what);
            if (_names.Length > 0 && _iterations > 0) (_method, _iteration, _lastLine) = (0, 0, _clock.Elapsed);
        }
    }

    /// <summary>
    /// What the periodic line says now, without the time: the running method's last completed iteration
    /// (<c>gd: iteration 3/10 done</c>), or, before a method's first iteration is done, what that iteration
    /// does (<c>pg: building the local inverse, iteration 1/10 under way</c>); null between the runs' phases.
    /// </summary>
    internal string? Current
    {
        get
        {
            lock (_gate)
                return _method < 0 ? null
                    : _classifying is { } c ? Classification(c.Products, c.Budget)
                    : _iteration == 0 ? $"{_names[_method]}: {FirstStep(_method)}, iteration 1/{_iterations} under way"
                    : $"{_names[_method]}: iteration {_iteration}/{_iterations} done";
        }
    }

    // "lm: classifying the stop point after iteration 6/10 (Hessian-vector products 12 of at most 320)".
    private string Classification(int products, int budget) =>
        $"{_names[_method]}: classifying the stop point after iteration {_iteration}/{_iterations} " +
        (budget > 0 ? $"(Hessian-vector products {products} of at most {budget})" : "(forming the Hessian and its eigenvalues)");

    /// <summary>
    /// The run of <paramref name="method"/> stopped at a stationary point, which is being classified
    /// (<see cref="IRunsProgress.Classifying"/>): the periodic line names that phase with its products so far
    /// until the run is over (<see cref="Ended"/>), rather than the run's last iteration; when lines are told
    /// at once, its start gets a line of its own.
    /// </summary>
    public void Classifying(int method, int products, int budget)
    {
        lock (_gate)
        {
            if (method < 0 || method >= _names.Length) return;
            var starts = _classifying is null || _method != method;
            (_method, _classifying) = (method, (products, budget));
            if (starts && _eager)
            {
                _pending = null;
                Write($"physgrad: {Classification(products, budget)} … ({Elapsed()})");
                _lastLine = _clock.Elapsed;
            }
        }
    }

    private string FirstStep(int method) =>
        method < _firstSteps.Length ? _firstSteps[method] : "deriving and compiling what it needs";

    public void Report((int Method, int Iteration) value)
    {
        lock (_gate)
        {
            if (value.Method < 0 || value.Method >= _names.Length) return;
            // A method's first report (it may follow the state "first iteration under way", iteration 0).
            var first = value.Method != _method || _iteration == 0;
            (_method, _iteration, _classifying) = (value.Method, value.Iteration, null);
            if (first)
            {
                _pending = null;
                // Told after a method's first iteration (the runs report completed iterations), which
                // includes deriving and compiling what the method needs.
                if (_eager)
                {
                    Write($"physgrad: {_names[value.Method]}: iteration {value.Iteration}/{_iterations} done ({Elapsed()}; the first derives and compiles what it needs)");
                    _lastLine = _clock.Elapsed;
                }
            }
            else if (_eager)
                IterationLine();
            // A run is over: the next method's first iteration follows (deriving and compiling what it needs,
            // PG's inverse), and the periodic line names it; after the last run, until the plots, the search for x*.
            if (value.Iteration == _iterations)
            {
                if (value.Method == _names.Length - 1) Phase("finding x*");
                else (_method, _iteration) = (value.Method + 1, 0);
            }
        }
    }

    /// <summary>
    /// A run is over. At the iteration limit <see cref="Report"/> has moved on already; a run that stopped
    /// before it (converged, stalled, diverged) says so in a line of its own when lines are told at once,
    /// and the periodic line moves on as after the limit: to the next method's first iteration, or, after
    /// the last method, to the search for x*. Otherwise the line kept naming the stopped run's last
    /// iteration ("gd: iteration 7/10 done") through the next method's compile or the x* search.
    /// </summary>
    public void Ended(int method, int iteration)
    {
        lock (_gate)
        {
            if (method < 0 || method >= _names.Length) return;
            _classifying = null;
            if (iteration >= _iterations) return;
            _pending = null;
            if (_eager)
            {
                Write($"physgrad: {_names[method]}: stopped after iteration {iteration}/{_iterations} ({Elapsed()})");
                _lastLine = _clock.Elapsed;
            }
            if (method == _names.Length - 1) Phase("finding x*");
            else (_method, _iteration) = (method + 1, 0);
        }
    }

    public void Dispose() => _timer?.Dispose();

    private void Tick()
    {
        lock (_gate)
        {
            if (_pending is { } line && _clock.Elapsed - _pendingSince >= Quiet)
            {
                Write($"{line} ({Elapsed()})");
                _pending = null;
                _lastLine = _clock.Elapsed;
            }
            else if (_method >= 0)
                IterationLine();
            // A phase between the runs (finding x*, drawing the plots) that lasts: a line every
            // IterationInterval too, as the README promises, so a long search or render is never silent.
            else if (_pending is null && _phase is { } phase && _clock.Elapsed - _lastLine >= IterationInterval)
            {
                _lastLine = _clock.Elapsed;
                Write($"physgrad: still {phase} ({Elapsed()})");
            }
        }
    }

    private void IterationLine()
    {
        if (_clock.Elapsed - _lastLine < IterationInterval || Current is not { } now) return;
        _lastLine = _clock.Elapsed;
        Write($"physgrad: {now} ({Elapsed()})");
    }

    private string Elapsed() => $"{_clock.Elapsed.TotalSeconds:F1} s in";

    private void Write(string line)
    {
        // Clear a progress bar drawn on the same (terminal) line before writing over it.
        if (ReferenceEquals(_error, Console.Error) && !Console.IsErrorRedirected) _error.Write("\r" + new string(' ', 70) + "\r");
        _error.WriteLine(line);
    }
}

/// <summary>Tells two progress receivers, either of which may be absent.</summary>
internal sealed class BothProgress(IProgress<(int Method, int Iteration)>? first, IProgress<(int Method, int Iteration)>? second)
    : IRunsProgress
{
    public static IProgress<(int Method, int Iteration)>? Of(IProgress<(int Method, int Iteration)>? a, IProgress<(int Method, int Iteration)>? b) =>
        a is null ? b : b is null ? a : new BothProgress(a, b);

    public void Report((int Method, int Iteration) value)
    {
        first?.Report(value);
        second?.Report(value);
    }

    public void Ended(int method, int iteration)
    {
        (first as IRunsProgress)?.Ended(method, iteration);
        (second as IRunsProgress)?.Ended(method, iteration);
    }

    public void Classifying(int method, int products, int budget)
    {
        (first as IRunsProgress)?.Classifying(method, products, budget);
        (second as IRunsProgress)?.Classifying(method, products, budget);
    }
}
