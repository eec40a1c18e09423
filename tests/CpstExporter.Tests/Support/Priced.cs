using CpstExporter.Pricing;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Support;

/// <summary>Prices as the pricing stage hands them to the task stage, for tests of the stages after it.</summary>
internal static class Priced
{
    /// <summary>A call priced from the table at standard rates; <paramref name="unpriced"/>: one with tokens nothing priced (it costs 0).</summary>
    public static CallPrice At(decimal costUsd, bool unpriced = false) => unpriced
        ? new CallPrice(costUsd, PricingBasis.Unpriced, ServiceTier.Standard, CallPriceNotes.UnpricedTokens)
        : new CallPrice(costUsd, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None);
}
