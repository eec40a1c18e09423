namespace CpstExporter.Pricing;

/// <summary>What pricing a span noticed that the metrics count.</summary>
[Flags]
internal enum CallPriceNotes : byte
{
    None = 0,
    /// <summary>An LLM call with tokens that nothing could price.</summary>
    UnpricedTokens = 1,
    /// <summary>The served service tier had no price in the entry: priced at standard.</summary>
    ServiceTierUnpriced = 2,
    /// <summary>A provider-reported amount in a currency without a configured exchange rate: ignored.</summary>
    UnknownCurrency = 4,
}
