using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// What makes held calls alike (<see cref="HeldCalls"/>): for calls held with their span ids, every field of the
/// <see cref="CountedCall"/>, the cost to its scale (1.0 and 1.00 print differently, so they are not alike); for summed
/// calls, everything but the tokens and the cost, which are added up. Calls that ended on different UTC days are never
/// alike: the ledger of traced cost files each under its own day.
/// </summary>
internal readonly struct HeldCallKey(in CountedCall call, bool summed) : IEquatable<HeldCallKey>
{
    private readonly CountedCall _call = call;
    private readonly bool _summed = summed;

    public bool Equals(HeldCallKey other)
    {
        ref readonly CountedCall a = ref _call, b = ref other._call;
        if (_summed != other._summed || a.Role != b.Role || a.Unpriced != b.Unpriced || a.Basis != b.Basis ||
            a.ServiceTier != b.ServiceTier || a.ServiceTierUnpriced != b.ServiceTierUnpriced || a.EndDay != b.EndDay ||
            !string.Equals(a.Provider, b.Provider, StringComparison.Ordinal) || !string.Equals(a.Model, b.Model, StringComparison.Ordinal) ||
            !string.Equals(a.Tool, b.Tool, StringComparison.Ordinal)) return false;
        return _summed || (a.Tokens == b.Tokens && SameDigits(a.CostUsd, b.CostUsd));
    }

    private static bool SameDigits(decimal a, decimal b)
    {
        Span<int> x = stackalloc int[4], y = stackalloc int[4];
        decimal.GetBits(a, x);
        decimal.GetBits(b, y);
        return x.SequenceEqual(y);
    }

    public override bool Equals(object? obj) => obj is HeldCallKey other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(_summed);
        hash.Add(_call.Role);
        hash.Add(_call.Provider, StringComparer.Ordinal);
        hash.Add(_call.Model, StringComparer.Ordinal);
        hash.Add(_call.Tool, StringComparer.Ordinal);
        hash.Add(_call.Basis);
        hash.Add(_call.ServiceTier);
        hash.Add(_call.EndDay.DayNumber);
        if (!_summed)
        {
            hash.Add(_call.Tokens);
            hash.Add(_call.CostUsd);
        }
        return hash.ToHashCode();
    }

    /// <summary>Whether <paramref name="call"/> goes with the held calls of <paramref name="group"/>.</summary>
    public static bool Matches(in HeldGroup group, in CountedCall call, bool summed) =>
        new HeldCallKey(in group.Call, group.Summed).Equals(new HeldCallKey(in call, summed));
}
