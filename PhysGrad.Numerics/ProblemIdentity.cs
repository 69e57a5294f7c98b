using System.Security.Cryptography;
using System.Text;

namespace PhysGrad.Numerics;

/// <summary>
/// Which problem a run was made on (<see cref="OptimizerRun.Problem"/>), by what decides its runs: each aspect
/// (<c>simulator</c>, <c>loss</c>, <c>target</c>, <c>start</c>, …) held as a SHA-256 digest of its whole text and a
/// short form for messages. Two problems built from the same text have equal identities; a problem with another
/// simulator, loss, target, start, parameter value or inverse has another, also when its sizes are the same (a
/// size check had let a run of <c>x0^2</c> pass for one of <c>x0^3</c>). What a run does not depend on (units,
/// a title, a known solution) is left out.
/// </summary>
public sealed class ProblemIdentity : IEquatable<ProblemIdentity>
{
    // The short forms are made when a message asks for one: a run carries its problem's identity, and printing
    // the problem's expressions for every run parsed them again.
    private readonly (string Aspect, Lazy<string> Shown, byte[] Digest)[] _aspects;

    /// <summary>An identity from its aspects, in the order a difference is reported.</summary>
    /// <param name="aspects">Each aspect's name, its short form for messages (made when first asked for) and its
    /// whole text (pieces, each digested with its length, so that pieces never run into one another).</param>
    public ProblemIdentity(IEnumerable<(string Aspect, Func<string> Shown, IEnumerable<string> Whole)> aspects)
    {
        ArgumentNullException.ThrowIfNull(aspects);
        _aspects = [.. aspects.Select(a => (a.Aspect, new Lazy<string>(a.Shown), Digest(a.Whole)))];
    }

    private static byte[] Digest(IEnumerable<string> pieces)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var piece in pieces)
        {
            var bytes = Encoding.UTF8.GetBytes(piece);
            hash.AppendData(BitConverter.GetBytes(bytes.Length));
            hash.AppendData(bytes);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>The aspects' names, in order.</summary>
    public IReadOnlyList<string> Aspects => [.. _aspects.Select(a => a.Aspect)];

    /// <summary>
    /// The first aspect in which <paramref name="other"/> differs from this identity, with the short form of
    /// each (<c>("start", "[1, 1]", "[3, 3]")</c>: this one's, then the other's), or null when they are equal.
    /// </summary>
    public (string Aspect, string Mine, string Theirs)? FirstDifference(ProblemIdentity other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (mine, i) in _aspects.Select((a, i) => (a, i)))
        {
            var theirs = _aspects.Length == other._aspects.Length ? other._aspects[i] : default;
            if (theirs.Aspect != mine.Aspect || !theirs.Digest.AsSpan().SequenceEqual(mine.Digest))
                return (mine.Aspect, mine.Shown.Value, theirs.Aspect == mine.Aspect ? theirs.Shown.Value : other.ToString());
        }
        return _aspects.Length == other._aspects.Length ? null : ("aspects", ToString(), other.ToString());
    }

    /// <inheritdoc/>
    public bool Equals(ProblemIdentity? other) => other is not null && (ReferenceEquals(this, other) || FirstDifference(other) is null);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ProblemIdentity);

    /// <inheritdoc/>
    public override int GetHashCode() =>
        _aspects.Aggregate(0, (h, a) => HashCode.Combine(h, a.Aspect, BitConverter.ToInt32(a.Digest)));

    /// <summary>The aspects in their short forms: <c>simulator P(x0) = x0^2, loss ½‖y − y*‖², target [4], start [1]</c>.</summary>
    public override string ToString() => string.Join(", ", _aspects.Where(a => a.Shown.Value.Length > 0).Select(a => $"{a.Aspect} {a.Shown.Value}"));
}
