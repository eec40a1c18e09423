using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// What one span costs and, for an LLM call, how that was found (<see cref="Basis"/>) and at which served service tier.
/// Spans that are neither LLM nor tool calls cost only what they state explicitly.
/// </summary>
internal readonly record struct CallPrice(decimal CostUsd, PricingBasis Basis, ServiceTier ServiceTier, CallPriceNotes Notes)
{
    /// <summary>An LLM call with tokens that nothing could price: it costs 0 and is counted.</summary>
    public bool Unpriced => (Notes & CallPriceNotes.UnpricedTokens) != 0;

    /// <summary>The served service tier has no price in the model's entry: the call was priced at standard, and is counted.</summary>
    public bool ServiceTierUnpriced => (Notes & CallPriceNotes.ServiceTierUnpriced) != 0;

    /// <summary>A provider-reported amount in a currency without an exchange rate was ignored, and is counted.</summary>
    public bool UnknownCurrency => (Notes & CallPriceNotes.UnknownCurrency) != 0;
}
