using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// The rates of a price entry for prompts above a size (<c>tiers:</c>, or the base rates with a threshold of 0), with the
/// service tiers priced at that size. A call's whole prompt, cache reads and writes included, chooses the tier, and the
/// whole call is priced at it, as Anthropic, Google and OpenAI bill long prompts.
/// </summary>
internal sealed class PromptTier
{
    /// <param name="serviceTiers">Indexed by <see cref="ServiceTier"/>; null entries (and <see cref="ServiceTier.Standard"/>) price nothing.</param>
    public PromptTier(long abovePromptTokens, TokenRates rates, ServiceTierPrice?[]? serviceTiers = null)
    {
        AbovePromptTokens = abovePromptTokens;
        Rates = rates;
        if (serviceTiers is not null && serviceTiers.Length != ServiceTierLabels.Count)
            throw new ArgumentException($"one entry per service tier ({ServiceTierLabels.Count}), not {serviceTiers.Length}", nameof(serviceTiers));
        _serviceTiers = serviceTiers ?? new ServiceTierPrice?[ServiceTierLabels.Count];
    }

    private readonly ServiceTierPrice?[] _serviceTiers;

    /// <summary>The tier applies to prompts of more than this many tokens; 0 for the base rates.</summary>
    public long AbovePromptTokens { get; }

    public TokenRates Rates { get; }

    /// <summary>This tier's own price for a served service tier, or null.</summary>
    public ServiceTierPrice? ServiceTier(ServiceTier tier) => _serviceTiers[(int)tier];

    /// <summary>The service tiers this tier prices, for the tests and the docs' examples.</summary>
    public IEnumerable<ServiceTier> PricedServiceTiers() =>
        Enumerable.Range(1, ServiceTierLabels.Count - 1).Where(i => _serviceTiers[i] is not null).Select(i => (ServiceTier)i);
}
