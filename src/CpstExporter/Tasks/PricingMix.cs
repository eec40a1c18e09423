using System.Runtime.CompilerServices;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// How a model's calls within a task were priced: calls per pricing basis and per served service tier, for the task
/// API's per-model rows (docs/pricing.md). A value of ten counts, no allocation; sums saturate.
/// </summary>
internal struct PricingMix : IEquatable<PricingMix>
{
    [InlineArray(PricingBasisLabels.Count + ServiceTierLabels.Count)]
    private struct Counts
    {
        private int _first;
    }

    private Counts _counts;

    public static PricingMix Of(PricingBasis basis, ServiceTier tier, int calls)
    {
        var mix = new PricingMix();
        mix.Add(basis, tier, calls);
        return mix;
    }

    public void Add(PricingBasis basis, ServiceTier tier, int calls = 1)
    {
        _counts[(int)basis] = Saturating.Add(_counts[(int)basis], calls);
        _counts[PricingBasisLabels.Count + (int)tier] = Saturating.Add(_counts[PricingBasisLabels.Count + (int)tier], calls);
    }

    public void Add(in PricingMix other)
    {
        for (int i = 0; i < PricingBasisLabels.Count + ServiceTierLabels.Count; i++) _counts[i] = Saturating.Add(_counts[i], other._counts[i]);
    }

    public readonly int Calls(PricingBasis basis) => _counts[(int)basis];

    public readonly int Calls(ServiceTier tier) => _counts[PricingBasisLabels.Count + (int)tier];

    /// <summary>Sets the count of one basis: for reading the state file.</summary>
    public void Set(PricingBasis basis, int calls) => _counts[(int)basis] = calls;

    /// <summary>Sets the count of one tier: for reading the state file.</summary>
    public void Set(ServiceTier tier, int calls) => _counts[PricingBasisLabels.Count + (int)tier] = calls;

    public readonly bool IsEmpty
    {
        get
        {
            for (int i = 0; i < PricingBasisLabels.Count + ServiceTierLabels.Count; i++)
                if (_counts[i] != 0) return false;
            return true;
        }
    }

    public readonly bool Equals(PricingMix other)
    {
        for (int i = 0; i < PricingBasisLabels.Count + ServiceTierLabels.Count; i++)
            if (_counts[i] != other._counts[i]) return false;
        return true;
    }

    public override readonly bool Equals(object? obj) => obj is PricingMix other && Equals(other);

    public override readonly int GetHashCode()
    {
        var hash = new HashCode();
        for (int i = 0; i < PricingBasisLabels.Count + ServiceTierLabels.Count; i++) hash.Add(_counts[i]);
        return hash.ToHashCode();
    }

    public static bool operator ==(PricingMix left, PricingMix right) => left.Equals(right);

    public static bool operator !=(PricingMix left, PricingMix right) => !left.Equals(right);
}
