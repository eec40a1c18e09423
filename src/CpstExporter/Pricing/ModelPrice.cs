using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// One price entry of a model (docs/pricing.md): its base rates, its prompt-size tiers, the service tiers each prices,
/// and from when it is in force. Immutable; pricing a call allocates nothing.
/// </summary>
internal sealed class ModelPrice
{
    private PromptTier[] _tiers = [];

    public required string Name { get; init; }
    public PricePattern? Pattern { get; init; }
    public string? Provider { get; init; }

    /// <summary>
    /// The provider only chooses between entries of the same model id (LiteLLM's entries): where this is the only entry
    /// for an id, it prices the id whatever provider the span names.
    /// </summary>
    public bool ProviderOnlyChooses { get; init; }

    /// <summary>The base rates, for prompts below every tier, with the service tiers priced there.</summary>
    public required PromptTier Base { get; init; }

    /// <summary>Tiers above the base, by ascending threshold; the whole call is priced at the highest its prompt exceeds.</summary>
    public PromptTier[] Tiers
    {
        get => _tiers;
        init => _tiers = value ?? [];
    }

    /// <summary>This entry prices calls that ended at or after this instant (Unix nanoseconds); 0: since always.</summary>
    public ulong EffectiveFromUnixNano { get; init; }

    /// <summary>Where the entry was read: the file and the entry's place, for log lines.</summary>
    public string Source { get; init; } = "";

    /// <summary>
    /// What a call costs by this entry: the rates of the prompt tier the call reaches; then, for a served tier other
    /// than standard, that prompt tier's own price for it, else the base entry's factor for it, else (below every
    /// threshold) the base entry's rates for it. A served tier none of these prices is priced at the prompt tier's
    /// standard rates, and said so.
    /// </summary>
    public TablePrice Cost(in TokenUsage tokens, long cacheWrite1h, ServiceTier served)
    {
        PromptTier tier = Base;
        PromptTier[] tiers = _tiers;
        for (int i = 0; i < tiers.Length && tokens.Input > tiers[i].AbovePromptTokens; i++) tier = tiers[i];

        if (served == ServiceTier.Standard)
            return new TablePrice(tier.Rates.Cost(in tokens, cacheWrite1h), !ReferenceEquals(tier, Base), ServiceTierUnpriced: false);

        ServiceTierPrice? price = tier.ServiceTier(served);
        if (price is null && Base.ServiceTier(served) is { IsFactor: true } baseFactor) price = baseFactor;
        if (price is null)
            return new TablePrice(tier.Rates.Cost(in tokens, cacheWrite1h), !ReferenceEquals(tier, Base), ServiceTierUnpriced: true);
        decimal cost = price.Rates is TokenRates own
            ? own.Cost(in tokens, cacheWrite1h)
            : Saturating.Multiply(tier.Rates.Cost(in tokens, cacheWrite1h), price.Factor);
        return new TablePrice(cost, !ReferenceEquals(tier, Base), ServiceTierUnpriced: false);
    }

    /// <summary>The cost at the base rates and the standard tier (what every call cost before tiers): for tests and tools.</summary>
    public decimal Cost(in TokenUsage tokens) => Cost(in tokens, 0, ServiceTier.Standard).CostUsd;

    /// <summary>This entry is for exactly that provider; for a span that names none, an entry without a provider.</summary>
    public bool IsForProvider(string? provider) => string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);

    /// <summary>The entry may price a span of that provider: it names none, the span names none, or they agree; or the
    /// entry's provider only chooses between entries of its id.</summary>
    public bool MatchesProvider(string? provider) =>
        Provider is null || provider is null || ProviderOnlyChooses || string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);
}
