using System.Text;
using PhysGrad.Symbolic;

namespace PhysGrad;

/// <summary>
/// One block of rules to print: a title (the method), the left-hand sides (Δx0, …) by name, and the
/// right-hand sides. Repeated subexpressions are printed once as intermediates (t1 = …).
/// </summary>
/// <param name="Title">The block's title (the method's short name, or <c>y-step</c>).</param>
/// <param name="MethodName">The name of the block's C# method (<c>PhysicalGradient</c>).</param>
/// <param name="Names">The stepped names (variables, or outputs for the y-step), one per step.</param>
/// <param name="Steps">The right-hand sides, one per name.</param>
public sealed record RuleBlock(string Title, string MethodName, IReadOnlyList<string> Names, IReadOnlyList<Expression> Steps)
{
    /// <summary>The title, then one line per step: <c>x0 ← …</c>.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Steps.Select((s, i) => $"  {(i < Names.Count ? Names[i] : "?")} ← {s}").Prepend(Title));

    internal Expr[] Cores => Steps.Select(e => e.Core).ToArray();

    /// <summary>The arguments g of the block's branch choices sign(g) (<see cref="UpdateRule.BranchChoices"/>): C# writes
    /// them <c>BranchSign(g)</c>, +1 at g = 0 as the optimiser takes them. Empty for none.</summary>
    public IReadOnlyList<Expression> BranchChoices { get; init; } = [];
}

/// <summary>A block's rules with repeated subexpressions named: the intermediates in order (each may use
/// those before it), then the right-hand sides written with them.</summary>
/// <param name="Intermediates">t1 = …, t2 = …, in order.</param>
/// <param name="Results">The steps, one per name of the block.</param>
public sealed record RuleTerms(IReadOnlyList<(string Name, Expression Value)> Intermediates, IReadOnlyList<Expression> Results)
{
    /// <summary>One line per intermediate (<c>t1 = …</c>), then the results in their short list form.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Intermediates.Select(t => $"{t.Name} = {t.Value}")
            .Append(ResultText.Items(Results, r => r.ToString(), "result")));
}

/// <summary>
/// Prints derived rules so that a person can paste them: infix lines, one LaTeX <c>align</c>
/// environment per block, or one C# class with one static method per block (out parameters, no
/// duplicate locals). Intermediates come from <see cref="SharedTerms"/>, with a prefix that no
/// variable, parameter or target symbol uses.
/// </summary>
public static class RulePrinter
{
    /// <summary>The length of an infix rule above which its block names repeated subexpressions.</summary>
    public const int LongLine = 60;

    /// <summary>The blocks in a format: infix, latex or csharp.</summary>
    /// <param name="format">infix, latex or csharp.</param>
    /// <param name="blocks">The rules, one block per method (and the y-step).</param>
    /// <param name="variables">The problem's variables (the C# methods take all of them).</param>
    /// <param name="header">One line on the problem, printed as a comment in LaTeX and C#.</param>
    /// <param name="targetSymbols">The generated symbols of a target that was not given (ys0, ys1, …, or
    /// ystar0, … when a name of the problem begins with "ys"), in output order; LaTeX writes the j-th as
    /// y^*_j whatever its prefix, and no other symbol that way. Empty when the target was given.</param>
    /// <param name="step">The name of the step size in the rules (<c>eta</c>, or another when the problem uses that name).</param>
    /// <param name="symbolOrder">The other names in the order the user gave them (target symbols, then parameters,
    /// then outputs): the C# methods take them in this order after the variables; names not listed come after
    /// them, alphabetically. Null: all alphabetically.</param>
    public static string Format(string format, IReadOnlyList<RuleBlock> blocks, IReadOnlyList<string> variables, string header, IReadOnlyList<string> targetSymbols, string step = "eta",
        IReadOnlyList<string>? symbolOrder = null)
    {
        var (taken, shared, prefix) = PrepareCore(format, blocks, variables, step);
        // Every format writes η first in each product (−η·2x, as papers do), like UpdateRule.ToString, and
        // the fractions of the user's decimals as quotients of them (eta*ys0/9.81, Layout.withDecimals).
        // The decimal exponents written keep their kind decimal (x0^1.5 from x0^2.5, Layout.withWrittenExponents).
        return Layout.withWrittenExponents(Exponents(blocks), Microsoft.FSharp.Core.FuncConvert.FromFunc(() =>
            Layout.withDecimals(Decimals(blocks), Microsoft.FSharp.Core.FuncConvert.FromFunc(() =>
            Layout.withLeading(step, Microsoft.FSharp.Core.FuncConvert.FromFunc(() => format switch
            {
                "latex" => Latex(blocks, shared, header, SymbolLatex(targetSymbols, step)),
                "csharp" => CSharpClass(blocks, shared, variables, taken, prefix, header, step, symbolOrder ?? []),
                _ => Infix(blocks, shared),
            }))))));
    }

    /// <summary>
    /// The exact constants of a block's steps that no double holds (beyond ±1.8E+308, or nonzero below
    /// 4.9E-324), as infix text (<c>10^400</c>), each once. C# written from such a block computes ±∞, NaN or 0
    /// where the exact rule does not (<see cref="CSharp.ConstantsBeyondDoubles"/>), so its writer warns.
    /// </summary>
    /// <param name="block">The block, e.g. gd's rule of a problem scaled by 1e200.</param>
    /// <returns>Empty when every constant is a double.</returns>
    public static IReadOnlyList<string> ConstantsBeyondDoubles(RuleBlock block) => ConstantsBeyondDoubles(block.Steps);

    /// <summary>The exact constants of <paramref name="expressions"/> that no double holds, as
    /// <see cref="ConstantsBeyondDoubles(RuleBlock)"/> finds them in a block (diff's C# of a function and its derivatives).</summary>
    /// <param name="expressions">The expressions whose C# is written.</param>
    /// <returns>Empty when every constant is a double.</returns>
    public static IReadOnlyList<string> ConstantsBeyondDoubles(IEnumerable<Expression> expressions) =>
        expressions.SelectMany(s => CSharp.ConstantsBeyondDoubles(s.Core)).Select(c => Symbolic.Infix.Format(c)).Distinct().ToArray();

    // The decimals the user wrote that the blocks' constants came from (each step carries them), in order.
    private static Rational[] Decimals(IReadOnlyList<RuleBlock> blocks) =>
        blocks.SelectMany(b => b.Steps).SelectMany(s => s.Decimals).Distinct().ToArray();

    // The decimal exponents the user wrote that the blocks' exponents came from (each step carries them).
    private static Rational[] Exponents(IReadOnlyList<RuleBlock> blocks) =>
        blocks.SelectMany(b => b.Steps).SelectMany(s => s.Exponents).Distinct().ToArray();

    /// <summary>
    /// The blocks with their intermediates named (t1 = …, the same in every format; JSON lists them per
    /// rule), one <see cref="RuleTerms"/> per block, the rules as derived in every format.
    /// </summary>
    /// <param name="format">infix, latex or csharp.</param>
    /// <param name="blocks">The rules, one block per method (and the y-step).</param>
    /// <param name="variables">The problem's variables.</param>
    /// <param name="step">The name of the step size, printed first in products by the returned expressions.</param>
    public static IReadOnlyList<RuleTerms> Prepare(string format, IReadOnlyList<RuleBlock> blocks, IReadOnlyList<string> variables, string step = "eta")
    {
        var (decimals, exponents) = (Decimals(blocks), Exponents(blocks));
        return PrepareCore(format, blocks, variables, step).Shared.Select(b => new RuleTerms(
            b.Intermediates.Select(t => (t.Item1, Expression.Wrap(t.Item2, step, decimals, exponents))).ToArray(),
            b.Results.Select(e => Expression.Wrap(e, step, decimals, exponents)).ToArray())).ToArray();
    }

    /// <summary>
    /// The steps of one rule as derive's text writes them (<see cref="Prepare"/>: η taken out of each step, the user's
    /// decimals and exponents kept), each with the intermediates derive names substituted back, so that a step prints
    /// alone: what <see cref="Expression.ToInfix"/> of a derived rule's step writes.
    /// </summary>
    internal static Expression[] AsDerived(RuleBlock block, IReadOnlyList<string> variables, string step)
    {
        var terms = Prepare("infix", [block], variables, step)[0];
        var named = new SharedBlock([.. terms.Intermediates.Select(t => Tuple.Create(t.Name, t.Value.Core))], [.. terms.Results.Select(r => r.Core)]);
        return [.. SharedTerms.Inline(named).Select((e, i) => Expression.Wrap(e, step, terms.Results[i].Decimals, terms.Results[i].Exponents))];
    }

    private static (string[] Taken, SharedBlock[] Shared, string Prefix) PrepareCore(string format, IReadOnlyList<RuleBlock> blocks, IReadOnlyList<string> variables, string step)
    {
        var taken = blocks.SelectMany(b => b.Cores).Let(steps => Structure.FreeSymbolNames(steps.ToArray()))
            .Concat(variables).Concat(blocks.SelectMany(b => b.Names)).ToArray();
        var prefix = SharedTerms.FreshPrefix(taken);
        // Intermediates only where they help: in a block with a line too long to read at a glance.
        // Every format prints the rules as derived (C# too: the code reads as the infix rule); the C#
        // file adds a stable variant of a block only where it computes what the rule cannot (CSharpClass).
        // Coefficients computed from the simulator's constants (AᵀA of a linear scheme) carry the noise of
        // computing them (0.24999935999999998 for 0.24999936): 15 significant digits drop it in
        // text, LaTeX and JSON, moving no value by more than that noise. C# keeps every double as it is
        // (round-trip literals): the compiled rule then computes with the doubles the optimiser uses.
        var steps = blocks.Select(b => format == "csharp"
            ? b.Cores
            : b.Cores.Select(e => Scalar.RoundReals(e, 15)).ToArray()).ToArray();
        // Every block is shared the same way (a name is kept only where it is written out at least twice),
        // with the step size taken out of each rule first: -eta*(a + b), no intermediate holding eta.
        var shared = steps.Select(s => SharedTerms.ExtractPerStep(step, prefix, s)).ToArray();
        return (taken, shared, prefix);
    }

    private static string Infix(IReadOnlyList<RuleBlock> blocks, SharedBlock[] shared)
    {
        var sb = new StringBuilder();
        for (var b = 0; b < blocks.Count; b++)
        {
            sb.Append(blocks[b].Title).Append(":\n");
            foreach (var (name, value) in shared[b].Intermediates)
                sb.Append(Wrap($"  {name} = ", Symbolic.Infix.Format(value), "")).Append('\n');
            for (var i = 0; i < blocks[b].Names.Count; i++)
                sb.Append(Wrap($"  Δ{blocks[b].Names[i]} = ", Symbolic.Infix.Format(shared[b].Results[i]), "")).Append('\n');
        }
        return sb.ToString();
    }

    /// <summary>
    /// One <c>align</c> environment per block, each line <c>lhs &amp;= rhs</c>, the method as a
    /// LaTeX comment (so the block pastes into a document as it is). The generated symbols of a
    /// symbolic target print as y^*_0, y^*_1 (<see cref="TargetLatex"/>), matched by name, so a user's
    /// own symbol (a parameter ys, ys0) keeps its name.
    /// </summary>
    /// <summary>The most characters a LaTeX right-hand side renders to on one line (before a cut at + or −,
    /// <see cref="LaTeX.BreakLines"/>; measured as <see cref="LaTeX.renderedWidths"/> estimates, not in source
    /// characters: \operatorname{log1p}\left(x_{0}^{2}\right) is 10 wide). About an article's text width of math.</summary>
    public const int LatexWidth = 60;

    /// <summary>The most source characters a line of derive's LaTeX has where a cut can be made
    /// (<see cref="LaTeX.BreakSource"/>): a piece of <see cref="LatexWidth"/> rendered characters was up to 259 in source.</summary>
    public const int LatexSourceWidth = 100;

    /// <summary>
    /// One equation of an <c>align</c> environment as source lines: <c>lhs &amp;= rhs</c>, a long right-hand side cut at
    /// top-level + or − into pieces of at most <see cref="LatexWidth"/> rendered characters (each but the last continued
    /// after <c>&amp;\quad</c> and marked <c>\nonumber \\</c>), each source line broken at <see cref="LatexSourceWidth"/>
    /// where a cut can be made, as derive's rules are; <paramref name="end"/> (<c> \\</c> or empty) closes the last piece.
    /// </summary>
    public static IReadOnlyList<string> AlignEquation(string lhs, string rhs, string end)
    {
        var pieces = LaTeX.BreakLines(LatexWidth, rhs);
        return [.. pieces.Select((piece, p) => LaTeX.BreakSource(LatexSourceWidth, "      ",
            $"  {(p == 0 ? lhs + " &= " : "&\\quad ")}{piece}{(p < pieces.Length - 1 ? " \\nonumber \\\\" : end)}"))];
    }

    /// <summary>
    /// One row of a LaTeX matrix (<c>pmatrix</c>) as source lines of at most <see cref="LatexSourceWidth"/> characters, each
    /// after <paramref name="indent"/>: the row on one line <c>a &amp; b &amp; c</c> when it fits, else one entry per line
    /// ending in <c>&amp;</c> (the last in <paramref name="end"/>, <c> \</c> or empty), a long entry broken further
    /// where a cut can be made (<see cref="LaTeX.BreakSource"/>, continued two columns deeper). Rendered the same either way:
    /// TeX reads a newline in math as a space.
    /// </summary>
    public static IReadOnlyList<string> MatrixRow(IReadOnlyList<string> entries, string end, string indent)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var row = indent + string.Join(" & ", entries) + end;
        if (row.Length <= LatexSourceWidth) return [row];
        return [.. entries.SelectMany((entry, j) => LaTeX.BreakSource(LatexSourceWidth, indent + "  ",
            indent + entry + (j < entries.Count - 1 ? " &" : end)).Split('\n'))];
    }

    private static string Latex(IReadOnlyList<RuleBlock> blocks, SharedBlock[] shared, string header, IReadOnlyDictionary<string, string> symbols)
    {
        var sb = new StringBuilder();
        sb.Append(Comment("% ", header)).Append('\n');
        for (var b = 0; b < blocks.Count; b++)
        {
            var lines = shared[b].Intermediates.Select(t => (LaTeX.symbolName(t.Item1), t.Item2))
                .Concat(blocks[b].Names.Select((n, i) => ("\\Delta " + LaTeX.symbolName(n), shared[b].Results[i]))).ToArray();
            sb.Append($"% {blocks[b].Title}\n\\begin{{align}}\n");
            for (var i = 0; i < lines.Length; i++)
            {
                // A long right-hand side goes on several lines (LaTeX does not break math inside align), one number
                // per rule, each source line within LatexSourceWidth where a cut can be made (AlignEquation).
                foreach (var line in AlignEquation(lines[i].Item1, LaTeX.FormatWith(symbols, lines[i].Item2), i < lines.Length - 1 ? " \\\\" : ""))
                    sb.Append(line).Append('\n');
            }
            sb.Append("\\end{align}\n");
        }
        return sb.ToString();
    }

    /// <summary>
    /// The LaTeX of the generated symbols: the target's (<see cref="TargetLatex"/>) and, when the problem
    /// takes the name eta for itself and the step size is renamed (etastep), the step size as η′ and the
    /// user's eta as the word \mathrm{eta}, so that no reader takes the parameter for the step size.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SymbolLatex(IReadOnlyList<string> targetSymbols, string step)
    {
        var symbols = new Dictionary<string, string>(TargetLatex(targetSymbols));
        if (step != "eta")
        {
            // η^{\prime}, not η': the prime is a superscript, and the power writer braces a name with one.
            symbols[step] = "\\eta^{\\prime}";
            symbols.TryAdd("eta", "\\mathrm{eta}");
        }
        return symbols;
    }

    /// <summary>The LaTeX of the generated target symbols: the j-th (ys0 or ystar0, …) as y^{*}_{j}.</summary>
    public static IReadOnlyDictionary<string, string> TargetLatex(IReadOnlyList<string> targetSymbols) =>
        targetSymbols.Select((name, j) => (name, j)).ToDictionary(t => t.name, t => $"y^{{*}}_{{{t.j}}}");

    /// <summary>The order of every generated C# method's parameters, as a comment line of the file says it (after the header and any notes on skipped methods).</summary>
    public const string ParameterOrder =
        "Each method takes its state first (x0, x1, …; y0, y1, … for YStep), then the target symbols and parameters, then the step size, then an out parameter per step.";

    /// <summary>A C# identifier for a name alone (keywords get '@'; a name the generated code uses itself,
    /// such as Math or Sign, gets '_' appended: <see cref="CSharp.Identifiers"/>).</summary>
    public static string Identifier(string name) => CSharp.Identifiers([name], []).Values.Single();

    /// <summary>
    /// A complete C# file: <c>using System;</c> and a static class with one method per block, taking
    /// the variables, the block's other symbols (parameters, target symbols, outputs) and the step size, and
    /// returning each step through an out parameter <c>d</c>+name.
    /// </summary>
    private static string CSharpClass(IReadOnlyList<RuleBlock> blocks, SharedBlock[] shared, IReadOnlyList<string> variables,
        string[] taken, string prefix, string header, string step, IReadOnlyList<string> symbolOrder)
    {
        // Each block's state (all the variables x, or the outputs y of the y-step), and its stable variant
        // where it matters (StableVariant), so that the out names below avoid its intermediates too.
        var states = blocks.Select(b => b.Names.All(variables.Contains) ? variables : b.Names).ToArray();
        var stables = blocks.Select((b, i) => StableVariant(b, states[i], prefix, step)).ToArray();
        // A caller passes arguments by position: they follow the user's order (R before H for --target R,H), not the alphabet.
        var position = symbolOrder.Distinct().Select((n, i) => (n, i)).ToDictionary(t => t.n, t => t.i);
        var rank = new Func<string, int>(n => position.GetValueOrDefault(n, int.MaxValue));
        var sb = new StringBuilder();
        var names = taken.Concat(symbolOrder).Append(step)
            .Concat(shared.SelectMany(b => b.Intermediates.Select(t => t.Item1)))
            .Concat(stables.SelectMany(v => v is null ? [] : v.Value.Block.Intermediates.Select(t => t.Item1))).ToHashSet();
        var stepped = blocks.SelectMany(b => b.Names).Distinct().ToArray();
        var (outPrefix, renamed) = OutPrefix(stepped, names);
        var outName = new Func<string, string>(n => outPrefix + n);
        // Every symbol, intermediate and out parameter as a C# identifier, one map for the file: a user's
        // Math or Sign would hide the Math class or the Sign helper the code calls, so it is renamed.
        var identifiers = CSharp.Identifiers(names.Concat(stepped.Select(outName)), []);
        var name = new Func<string, string>(n => identifiers.TryGetValue(n, out var id) ? id : n);
        // Every comment line at most MaxWidth characters, as the code's lines (the header named every variable on one line).
        foreach (var line in new[] { header, ParameterOrder, OutNaming(outPrefix, renamed, blocks.Select(b => b.Names.FirstOrDefault()).OfType<string>().Distinct().Take(2).ToArray()) })
            sb.Append(Comment("// ", line)).Append('\n');
        sb.Append($"{RenamedNote(identifiers)}using System;\n\npublic static class UpdateRules\n{{\n");
        for (var b = 0; b < blocks.Count; b++)
        {
            var block = blocks[b];
            var free = Structure.FreeSymbolNames(block.Cores);
            // One order in every method (ParameterOrder): the state the block steps (all the variables x, or
            // the outputs y of the y-step), then the other symbols in the user's order, then the step size.
            var state0 = states[b];
            var inputs = state0
                .Concat(free.Where(n => !state0.Contains(n) && n != step).OrderBy(rank))
                .Concat(free.Contains(step) ? [step] : Array.Empty<string>())
                .Distinct().ToArray();
            var parameters = inputs.Select(n => $"double {name(n)}")
                .Concat(block.Names.Select(n => $"out double {name(outName(n))}"));
            sb.Append(Comment("    /// ", block.Names.Count == 1
                ? $"<summary>{block.Title}: the step of {block.Names[0]}.</summary>"
                : $"<summary>{block.Title}: the step of each of {string.Join(", ", block.Names)}.</summary>")).Append('\n');
            var signature = Signature($"    public static void {block.MethodName}(", parameters.ToArray());
            sb.Append($"{signature}\n    {{\n");
            Body(sb, shared[b], block.Names, name, outName, block.BranchChoices);
            sb.Append("    }\n");
            // The stable form (Stable.RewriteMany of the whole block, BEFORE intermediates are named: naming
            // first would split a sum of exponentials from the exponentials it must merge with) is a second
            // method, and only where a probe shows that the rule as written overflows inside or rounds away
            // what the stable form keeps: elsewhere it is the same values in a longer text.
            if (stables[b] is var (stable, difference))
            {
                var at = string.Join(", ", difference.Point.Select(p => $"{p.Item1} = {Numbers.Short(p.Item2)}"));
                // What the probe found decides what the summary claims: an overflow (the rule as written is NaN or
                // ±∞ there) or digits lost to rounding (finite but off: 1 + exp(u) rounded to 1 inside a log).
                var overflowed = !double.IsFinite(difference.Written);
                var what = overflowed
                    ? "an exponential overflows inside it (∞/∞ or ∞ − ∞)"
                    : "rounding loses a small exponential beside 1 (log(1 + exp(u)) rounds to log(1) = 0)";
                sb.Append('\n').Append(Comment("    /// ", $"<summary>{block.Title}: the same step as {block.MethodName} in real arithmetic, for the same scalar arguments, "
                    + $"rearranged for points where {what}: each sum c·exp(a) + d·exp(b) is written exp(m)·(c·exp(a − m) + d·exp(b − m)), "
                    + "m = max(a, b), and log(1 + r) as log1p(r) (the log-sum-exp and softplus identities; PhysGrad.Symbolic.Stable). "
                    + $"At {at} (other symbols 1) {block.MethodName} computes {Numbers.Short(difference.Written)} and this method {Numbers.Short(difference.Stable)}: "
                    + $"use this one where exponents can be large{(overflowed ? "" : " or small")}.</summary>")).Append('\n');
                sb.Append($"{Signature($"    public static void {block.MethodName}Stable(", parameters.ToArray())}\n    {{\n");
                Body(sb, stable, block.Names, name, outName, block.BranchChoices);
                sb.Append("    }\n");
            }
            if (b < blocks.Count - 1) sb.Append('\n');
        }
        // sign, log1p and expm1 are calls to helpers, defined once at the end of the class.
        var helpers = CSharp.Helpers(sb.ToString()).ToArray();
        if (helpers.Length > 0) sb.Append('\n');
        foreach (var h in helpers) sb.Append($"    private {h.Replace("\n", "\n    ")}\n");
        sb.Append("}\n");
        return sb.ToString();
    }

    /// <summary>
    /// A block's stable form (Stable.RewriteMany of the whole block, taken BEFORE intermediates are named:
    /// naming first would split a sum of exponentials from the exponentials it must merge with, t1 = 1 +
    /// exp(x0) and then exp(2*x0)/t1^2 overflows), with the probe point that shows it computes what the
    /// rule as written cannot (<see cref="Evaluate.StableFormMatters"/>); null where no probe shows that,
    /// and there it would be the same values in a longer text.
    /// </summary>
    /// <remarks>Two candidates, in order: the rule as derived, and the rule with its products of sums
    /// multiplied out (<see cref="Simplify.Expand"/>). The rewrite factors exp(m) out of a sum of
    /// exponentials only where it sees the sum: Newton's exp(x1)·(exp(x1) − 2)/(exp(x1)·(exp(x1) − 2) + exp(2·x1))
    /// holds exp(2·x1) − 2·exp(x1) as a product, and is ∞/∞ at x1 = 400 where the step is −η/2.</remarks>
    private static (SharedBlock Block, StableDifference Difference)? StableVariant(RuleBlock block, IReadOnlyList<string> state, string prefix, string step)
    {
        foreach (var cores in StableCandidates(block.Cores, step))
            if (Evaluate.StableFormMatters([.. state], cores) is { } difference)
                return (SharedTerms.ExtractPerStep(step, prefix, Stable.RewriteMany(cores)), difference.Value);
        return null;
    }

    /// <summary>The forms of a rule whose stable rewrite is tried, in order: as derived, with products of sums
    /// multiplied out, and as printed (named by <see cref="SharedTerms.ExtractPerStep"/>, which cancels what the
    /// names make visible, then substituted back). The last is needed where the rewrite's exp(−m) would stand in
    /// both numerator and denominator and underflow to 0/0: Newton's softplus rule as derived,
    /// −η·t2/((1 + eˣ)·(eˣ/(1 + eˣ)² − eˣ·t2/(1 + eˣ)² + t2/(1 + eˣ))), is 0/0 at x0 = 800 after the rewrite,
    /// while its printed form −η·t2/(σ + t2·(1 − σ)), σ = eˣ/(1 + eˣ), is −η·(800 − ys0) there.</summary>
    /// <param name="cores">The rule's steps, one per name the block steps.</param>
    /// <param name="step">The step size's symbol, taken out before naming as the printer does.</param>
    /// <remarks>Built one at a time as the caller asks: a rule whose first form already shows the difference (or a
    /// caller that stops early) pays for no expansion and no naming, each of which can take seconds on a large rule.</remarks>
    internal static IEnumerable<Expr[]> StableCandidates(IReadOnlyList<Expr> cores, string step = "eta")
    {
        Expr[] written = [.. cores];
        yield return written;
        yield return [.. cores.Select(e => Simplify.Expand(ExpandBudget, e))];
        var prefix = SharedTerms.FreshPrefix(Structure.FreeSymbolNames(written).Append(step).ToArray());
        yield return SharedTerms.Inline(SharedTerms.ExtractPerStep(step, prefix, written));
    }

    /// <summary>The most terms multiplying out one step may create for the stable form's second candidate.</summary>
    private const int ExpandBudget = 400;

    /// <summary>A method's body: its intermediates as locals, then each step into its out parameter, each as
    /// given (the rule as derived, or its stable form rewritten before its intermediates were named); the branch
    /// choices sign(g) as <c>BranchSign(g)</c>, also where g was named as an intermediate.</summary>
    private static void Body(StringBuilder sb, SharedBlock block, IReadOnlyList<string> names, Func<string, string> name, Func<string, string> outName,
        IReadOnlyList<Expression> branchChoices)
    {
        var texts = branchChoices.Select(g => g.ToInfix()).ToHashSet();
        var branches = branchChoices.Select(g => g.Core)
            .Concat(block.Intermediates.Where(t => texts.Contains(Symbolic.Infix.Format(t.Item2))).Select(t => ExprModule.Symbol(t.Item1))).ToArray();
        string Code(Expr e) => CSharp.FormatCallingBranches(name, branches, e);
        foreach (var (t, value) in block.Intermediates)
            sb.Append(Wrap($"        double {name(t)} = ", Code(value), ";")).Append('\n');
        for (var i = 0; i < names.Count; i++)
            sb.Append(Wrap($"        {name(outName(names[i]))} = ", Code(block.Results[i]), ";")).Append('\n');
    }

    /// <summary>The prefixes tried, in order, for the out parameters' names: <c>d</c> + the stepped name (dx0, dy0).</summary>
    private static readonly string[] OutPrefixes = ["d", "delta_", "step_", "delta_step_"];

    /// <summary>
    /// The one prefix every out parameter of the file takes (so that dx0 and delta_x1 never meet in one
    /// file): the first of <see cref="OutPrefixes"/> under which no out name is a name of the problem
    /// (variable, output, parameter, target symbol, the step size, an intermediate), else delta_ + a digit;
    /// with the name that ruled out <c>d</c>, or null when <c>d</c> is taken.
    /// </summary>
    internal static (string Prefix, string? Taken) OutPrefix(IReadOnlyList<string> stepped, IReadOnlySet<string> names)
    {
        string? Clash(string prefix) => stepped.Select(n => prefix + n).FirstOrDefault(names.Contains);
        var first = Clash(OutPrefixes[0]);
        if (first is null) return (OutPrefixes[0], null);
        var prefix = OutPrefixes.Skip(1).Concat(Enumerable.Range(2, 1000).Select(k => $"delta{k}_")).First(p => Clash(p) is null);
        return (prefix, first);
    }

    /// <summary>A comment line naming each symbol the C# text writes under another name (Math as Math_),
    /// and why; empty when none is renamed (a keyword's @ form is the same name to C#).</summary>
    internal static string RenamedNote(IReadOnlyDictionary<string, string> identifiers)
    {
        var renamed = identifiers.Where(p => p.Value != p.Key && p.Value != "@" + p.Key).Select(p => $"{p.Key} as {p.Value}").ToArray();
        return renamed.Length == 0 ? "" : Comment("// ", $"Written {string.Join(", ", renamed)}: the code itself uses the name (the Math class, a helper, an output).") + "\n";
    }

    /// <summary>The C# file's comment line on how its out parameters are named (and why, when they are not d + name).</summary>
    private static string OutNaming(string prefix, string? taken, string[] stepped)
    {
        var examples = string.Join(", ", stepped.Select(n => $"{prefix}{n} for {n}"));
        return taken is null
            ? $"Each out parameter is named d + the name it steps ({examples})."
            : $"Each out parameter is named {prefix} + the name it steps ({examples}), not d + the name: {taken} is a name of the problem.";
    }

    /// <summary>The widest line the infix and C# formats write where a rule can be broken.</summary>
    public const int MaxWidth = 100;

    /// <summary>
    /// <paramref name="head"/> + <paramref name="body"/> + <paramref name="tail"/> as lines of at most
    /// <see cref="MaxWidth"/> characters where possible: the body breaks at the operators of its outermost
    /// sum (before a <c> + </c> or <c> - </c> between terms), else of its outermost product (before a <c>*</c> or
    /// <c>/</c>), else after the commas of its outermost argument list, at the shallowest bracket depth that has
    /// one (then deeper within a piece still too long), so that an operator always starts the piece it joins and
    /// never stands alone on a line. Continuation lines are indented under the body, or, after a head that would
    /// leave the body under 50 columns (long names), <paramref name="indent"/> spaces (default 4) past the head's
    /// own indentation. Text-based (both formats write sums as <c>a + b</c> with brackets around anything nested,
    /// infix products as <c>a*b</c> and C#'s as <c>a * b</c>), so one breaker serves both; every break is at a
    /// space or before an operator, where C# allows a line break, so the C# still compiles.
    /// A body that is a product ending in a bracketed sum (the η-factored rules, <c>-eta*t13*(a - b + c)</c>)
    /// keeps its factors and the bracket's opening on the first line and breaks at the terms of the bracket's
    /// sum, each continuation indented as those of a top-level sum are, two columns past the bracket's contents
    /// (not before the bracket, which left a line <c>*(a - b</c> under <c>-eta*t13</c>).
    /// </summary>
    internal static string Wrap(string head, string body, string tail, int? indent = null)
    {
        if (head.Length + body.Length + tail.Length <= MaxWidth) return head + body + tail;
        if (indent is null && TrailingSumBracket(body) is int open && head.Length + open + 1 + 2 <= MaxWidth - 50)
            return Wrap(head + body[..(open + 1)], body[(open + 1)..^1], ")" + tail);
        var lead = head.Length - head.TrimStart().Length;
        var under = indent is null && head.Length + 2 <= MaxWidth - 50 ? head.Length + 2 : lead + (indent ?? 4);
        var pad = new string(' ', under);
        // The tail ends the last line, so every piece leaves room for it (a signature's ")" made a line of 101).
        var pieces = Pieces(body, MaxWidth - under - tail.Length, 0).ToArray();
        var lines = new List<string>();
        var current = new StringBuilder(head);
        var empty = true;
        for (var k = 0; k < pieces.Length; k++)
        {
            var (piece, whole, level) = pieces[k];
            var end = k == pieces.Length - 1 ? tail.Length : 0;
            // A term of a sum cut into pieces begins a line of its own: its first piece after the end of another
            // term read as that term's ("… + 9.8 * t - 14.7 * (t * t)" / "* v * Math.Sin(a)").
            var term = piece.StartsWith(" + ", StringComparison.Ordinal) || piece.StartsWith(" - ", StringComparison.Ordinal);
            if ((current.Length + piece.Length + end > MaxWidth || term && current.Length + whole + end > MaxWidth && current.Length > under)
                && (!empty || current.Length > under))
            {
                lines.Add(current.ToString().TrimEnd());
                current.Clear().Append(pad).Append(' ', 2 * level).Append(piece.TrimStart());
            }
            else current.Append(piece);
            empty = false;
        }
        current.Append(tail);
        lines.Add(current.ToString());
        return string.Join("\n", lines);
    }

    /// <summary>
    /// A C# method signature: <paramref name="head"/> (<c>    public static void Newton(</c>), the parameters
    /// separated by commas, and <c>)</c>, on one line where it fits in <see cref="MaxWidth"/> characters; else
    /// the head alone and the parameters on continuation lines indented 8 columns past the head's own, each
    /// line filled with whole parameters, broken after a comma and at most <see cref="MaxWidth"/> wide with the
    /// <c>)</c> (a parameter is never split).
    /// </summary>
    internal static string Signature(string head, IReadOnlyList<string> parameters)
    {
        var one = head + string.Join(", ", parameters) + ")";
        if (one.Length <= MaxWidth) return one;
        var pad = new string(' ', head.Length - head.TrimStart().Length + 8);
        var lines = new List<string> { head.TrimEnd() };
        var current = new StringBuilder(pad);
        for (var k = 0; k < parameters.Count; k++)
        {
            var piece = parameters[k] + (k < parameters.Count - 1 ? "," : ")");
            if (current.Length > pad.Length)
            {
                if (current.Length + 1 + piece.Length > MaxWidth)
                {
                    lines.Add(current.ToString());
                    current.Clear().Append(pad);
                }
                else current.Append(' ');
            }
            current.Append(piece);
        }
        lines.Add(current.ToString());
        return string.Join("\n", lines);
    }

    /// <summary>
    /// <paramref name="text"/> as comment lines of at most <see cref="MaxWidth"/> characters, each begun by
    /// <paramref name="prefix"/> (<c>// </c>, <c>    /// </c>, <c>% </c>), continuations indented two spaces more
    /// (<see cref="ResultText.Paragraph(string, int)"/>), each line of a text of several wrapped on its own;
    /// joined by newlines, without a final one.
    /// </summary>
    public static string Comment(string prefix, string text) =>
        string.Join("\n", text.Replace("\r", "").Split('\n')
            .SelectMany(line => ResultText.Paragraph(line, MaxWidth - prefix.Length).Split('\n')).Select(l => prefix + l));

    /// <summary>Where the bracket that ends <paramref name="body"/> opens, when the body is a product (no sum at
    /// its top level) whose last factor is that bracket and the bracket holds a sum at its own top level
    /// (<c>-eta*t5*(a + b)</c>, C#'s <c>-eta * t5 * (a + b)</c>); null otherwise.</summary>
    private static int? TrailingSumBracket(string body)
    {
        if (body.Length < 2 || body[^1] != ')') return null;
        var depth = 0;
        var open = -1;
        for (var i = body.Length - 1; i >= 0 && open < 0; i--)
        {
            if (body[i] is ')' or ']' or '}') depth++;
            else if (body[i] is '(' or '[' or '{' && --depth == 0) open = i;
        }
        if (open <= 0) return null;
        // A sum operator (" + " or " - " between terms) at depth 0 of the text: before the bracket, the body is
        // a sum (the general breaking serves it); inside it, the bracket's terms to break at.
        static bool HasSum(string text)
        {
            var d = 0;
            for (var i = 0; i < text.Length; i++)
            {
                if (text[i] is '(' or '[' or '{') d++;
                else if (text[i] is ')' or ']' or '}') d--;
                else if (d == 0 && i > 0 && i + 2 < text.Length && text[i] == ' ' && text[i + 2] == ' ' && text[i + 1] is '+' or '-') return true;
            }
            return false;
        }
        return !HasSum(body[..open]) && HasSum(body[(open + 1)..^1]) ? open : null;
    }

    /// <summary>The text cut at the shallowest depth that has a cut, sums before products before commas (see
    /// <see cref="Wrap"/>); a piece longer than <paramref name="room"/> is cut again inside.</summary>
    /// <returns>The pieces in order, each with the length of the piece it begins before any cut inside it (its
    /// own length for a piece not cut again), and how many cuts deep it is (a line it begins is indented two
    /// spaces more for each).</returns>
    private static IEnumerable<(string Piece, int Whole, int Level)> Pieces(string text, int room, int level)
    {
        if (text.Length <= room) return [(text, text.Length, level)];
        // Each cut: where the next piece begins, its depth, and its kind (0 sum, 1 product, 2 comma).
        var depth = 0;
        var cuts = new List<(int At, int Depth, int Kind)>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']' or '}') depth--;
            else if (c == ' ' && i > 0 && i + 2 < text.Length && text[i + 2] == ' ' && text[i + 1] is '+' or '-')
                cuts.Add((i, depth, 0));
            else if (c == ' ' && i > 0 && i + 2 < text.Length && text[i + 2] == ' ' && text[i + 1] is '*' or '/')
                cuts.Add((i, depth, 1));
            else if (c is '*' or '/' && i > 0 && i + 1 < text.Length && text[i - 1] != ' ' && text[i + 1] != ' ' && text[i + 1] != '*' && text[i - 1] != '*')
                cuts.Add((i, depth, 1));
            else if (c == ',' && i + 1 < text.Length && text[i + 1] == ' ')
                cuts.Add((i + 1, depth, 2));
        }
        if (cuts.Count == 0) return [(text, text.Length, level)];
        var shallowest = cuts.Min(c => c.Depth);
        var kind = cuts.Where(c => c.Depth == shallowest).Min(c => c.Kind);
        var at = cuts.Where(c => c.Depth == shallowest && c.Kind == kind).Select(c => c.At).Prepend(0).Append(text.Length).ToArray();
        return at.Zip(at.Skip(1), (a, b) => text[a..b])
            .SelectMany((p, j) => p.Length > room
                // A piece cut again: the lines it continues on are indented two more spaces (a factor of a
                // term under the term, a term inside a bracket under the bracket), in two fewer columns.
                ? Pieces(p, room - 2, level + 1).Select((q, k) => (q.Piece, k == 0 ? p.Length : q.Whole, k == 0 ? level : q.Level))
                : [(p, p.Length, level)]);
    }

    private static TResult Let<T, TResult>(this T value, Func<T, TResult> f) => f(value);
}
