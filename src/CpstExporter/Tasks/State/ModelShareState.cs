using CpstExporter.Pricing;
using CpstExporter.Primitives;

using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>
/// A model's share of a task; tokens of the models after the first (the first's are the task's less theirs); calls per
/// pricing basis and per served service tier, by label value (absent in files before them).
/// </summary>
internal sealed record ModelShareState(string Model, decimal CostUsd, int Calls, long InputTokens = 0, long OutputTokens = 0,
    Dictionary<string, int>? Basis = null, Dictionary<string, int>? ServiceTiers = null)
{
    /// <summary>The calls per basis and tier; label values this version does not know are left out.</summary>
    public PricingMix Pricing()
    {
        var mix = new PricingMix();
        foreach (var (label, calls) in Basis ?? [])
            if (PricingBasisLabels.TryParse(label, out PricingBasis basis) && calls > 0) mix.Set(basis, calls);
        foreach (var (label, calls) in ServiceTiers ?? [])
            if (ServiceTierLabels.TryParse(label, out ServiceTier tier) && calls > 0) mix.Set(tier, calls);
        return mix;
    }
}
