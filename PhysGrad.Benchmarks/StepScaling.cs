using System.Diagnostics;
using PhysGrad.Numerics;

namespace PhysGrad.Benchmarks;

/// <summary>
/// One step of each rule at one size, the rules timed in interleaved rounds in one process (issue 14, the
/// growth-exponent benchmark): the problem (<see cref="RuleCases.Residuals"/>) is built once, each rule's
/// stepper takes one untimed step that compiles what it asks for (its time is printed as "first step"),
/// then every round resets each stepper to its start and times one step of each rule, the order of the
/// rules rotated from round to round, so a burst of load from another process falls on all rules of about
/// the same rounds. The figure is the median step over the rounds, with the extremes. gd and newton-cg
/// start at Rosenbrock's classic point; gn, lm, ig and pg at the contracting one (there J is well
/// conditioned at every n; at the classic start its condition grows like 2ⁿ, see <see cref="RuleCases.Start"/>).
/// Run: <c>dotnet PhysGrad.Benchmarks.dll steps N [rounds] [rule…]</c>, one process per N.
/// </summary>
internal static class StepScaling
{
    private static readonly string[] Default = ["gd", "newton-cg", "gn", "lm", "ig", "pg"];

    public static void Run(string[] args)
    {
        var n = int.Parse(args[0]);
        var rounds = args.Length > 1 && int.TryParse(args[1], out var r) ? r : 15;
        var rules = args.Skip(1).Where(a => !int.TryParse(a, out _)).ToArray();
        if (rules.Length == 0) rules = Default;
        var clock = Stopwatch.StartNew();
        var problem = RuleCases.Residuals(n);
        Console.WriteLine($"n = {n}: problem {clock.Elapsed.TotalSeconds:F2} s, {rounds} rounds, load average {Load()}");
        var starts = rules.Select(rule => RuleCases.Start(n, rule is not ("gd" or "newton-cg"))).ToArray();
        var steppers = new Stepper[rules.Length];
        for (var k = 0; k < rules.Length; k++)
        {
            clock.Restart();
            steppers[k] = new Stepper(problem, RuleCases.Make(rules[k]), starts[k]);
            var fallback = steppers[k].Step();
            Console.WriteLine($"  {rules[k]}: first step (compiles its kernels) {clock.Elapsed.TotalSeconds:F2} s, loss {steppers[k].Loss:G6}{(fallback is null ? "" : $", fallback {fallback.Kind}")}");
        }
        var times = rules.Select(_ => new double[rounds]).ToArray();
        for (var round = 0; round < rounds; round++)
            for (var j = 0; j < rules.Length; j++)
            {
                var k = (j + round) % rules.Length;
                steppers[k].Reset(starts[k]);
                var t = Stopwatch.StartNew();
                steppers[k].Step();
                times[k][round] = t.Elapsed.TotalMilliseconds;
            }
        Console.WriteLine($"| rule | n | median step | fastest | slowest |");
        Console.WriteLine("|---|--:|--:|--:|--:|");
        for (var k = 0; k < rules.Length; k++)
        {
            var sorted = times[k].Order().ToArray();
            Console.WriteLine($"| {rules[k]} | {n} | {sorted[rounds / 2]:G4} ms | {sorted[0]:G4} ms | {sorted[^1]:G4} ms |");
        }
        Console.WriteLine($"load average at the end {Load()}");
    }

    internal static string Load() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
