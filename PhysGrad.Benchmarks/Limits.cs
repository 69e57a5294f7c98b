using System.Diagnostics;
using PhysGrad.Numerics;
using PhysGrad.Symbolic;

namespace PhysGrad.Benchmarks;

/// <summary>
/// <c>dotnet run -c Release --project PhysGrad.Benchmarks -- limits</c>: how long the engine takes on
/// the reliability limits (a 100,000-deep chain, a million-node expression, over-limit input), one
/// wall-clock measurement each (these are seconds-scale operations, not micro-benchmarks).
/// </summary>
internal static class Limits
{
    public static void Run()
    {
        var x = ExprModule.Symbol("x");
        var chain = Time("100,000-deep chain: build", () =>
        {
            var e = x;
            for (var i = 0; i < 100_000; i++) e = ExprModule.Apply(Function.Sin, ExprModule.Add(e, ExprModule.Int(1)));
            return e;
        });
        Time("  print (infix)", () => Infix.Format(chain).Length);
        Time("  evaluate", () => Evaluate.At(["x"], [0.5], chain));
        var d = Time("  derivative", () => Calculus.Differentiate(x, chain));
        Time("  compile value + derivative (chunks: over 100,000 instructions)", () =>
        {
            var k = KernelCompiler.Compile(Lower.Program(["x"], [], [chain, d]));
            var o = new double[2];
            k.Evaluate([0.5], o);
            return k.ChunkCount;
        });
        Time("  parse 100,000 nested parentheses (refused at the nesting limit)", () => Refused(() => Parse.Expression(new string('(', 100_000) + "x" + new string(')', 100_000))));

        var v = Enumerable.Range(0, 1000).Select(i => ExprModule.Symbol($"v{i}")).ToArray();
        var names = v.Select(s => Infix.Format(s)).ToArray();
        var big = Time("million-node expression (1000 sin of 1000-term sums): build", () =>
            ExprModule.Sum(Enumerable.Range(0, 1000).Select(g => ExprModule.Apply(Function.Sin,
                ExprModule.Sum(Enumerable.Range(0, 1000).Select(i => ExprModule.Multiply(ExprModule.Int(g * 1000 + i + 1), v[(g + i) % 1000])))))));
        Time("  graph size", () => Structure.GraphSize([big]));
        var dv = Time("  derivative in v0", () => Calculus.Differentiate(v[0], big));
        Time("  evaluate the derivative", () => Evaluate.At(names, new double[1000], dv));
        Time("  compile (in chunks) and run once", () =>
        {
            var k = KernelCompiler.Compile(Lower.Program(names, [], [big]));
            var o = new double[1];
            k.Evaluate(new double[1000], o);
            return k.ChunkCount;
        });
        Time("  print (infix)", () => Infix.Format(big).Length);
        Time("one sum of 200,001 distinct terms (refused)", () =>
            Refused(() => ExprModule.Sum(Enumerable.Range(0, 200_001).Select(i => ExprModule.Symbol($"w{i}")))));
        Time("8 MB of text (refused)", () => Refused(() => Parse.Expression(string.Concat(Enumerable.Repeat("x + ", 2_000_000)))));
        Time("200,000 terms of text with calls, 3.6 MB (parses)", () =>
            Parse.Expression(string.Join(" + ", Enumerable.Range(1, 200_000).Select(i => $"sin(q{i % 1000}*{i})"))).Height);
    }

    private static string Refused(Func<object> f)
    {
        try
        {
            f();
            return "accepted";
        }
        catch (SymbolicException e)
        {
            return $"{e.Kind}: {e.Message.Split('\n')[0]}";
        }
    }

    private static T Time<T>(string what, Func<T> f)
    {
        var clock = Stopwatch.StartNew();
        var result = f();
        Console.WriteLine($"{what,-75} {clock.Elapsed.TotalSeconds,7:F2} s   {result}");
        return result;
    }
}
