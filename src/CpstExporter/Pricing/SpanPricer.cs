using CpstExporter.Conventions;
using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// The pricing policy of docs/pricing.md, one price-table lookup per span. For an LLM call, in order: an explicit
/// <c>cpst.cost_usd</c>; what the provider reported it billed (<c>gen_ai.usage.cost.*</c> with source <c>provider</c>,
/// converted to USD); the price table, at the prompt tier, served service tier and region of the call, by the entry in
/// force when the call ended; a library's own estimate, which prices only what the table cannot; else 0, and a call
/// with tokens is then unpriced. Tool calls cost the table's price per call, else the library's estimate. Spans that
/// are neither cost only what they state explicitly.
/// </summary>
internal static class SpanPricer
{

    /// <param name="nowUnixNano">The wall clock now: the time of a span that says none, for choosing the entry in force.</param>
    public static CallPrice Price(PriceTable table, ExchangeRates rates, in SpanFacts span, ulong nowUnixNano)
    {
        if (span.CallCost is decimal explicitCost) return new CallPrice(explicitCost, PricingBasis.Explicit, span.ServiceTier, CallPriceNotes.None);
        switch (span.Role)
        {
            case SpanRole.Llm:
                return PriceLlmCall(table, rates, in span, nowUnixNano);
            case SpanRole.Tool:
                decimal? perCall = table.FindTool(span.ToolName ?? MissingLabels.Unknown);
                return perCall is decimal price
                    ? new CallPrice(price, PricingBasis.Table, ServiceTier.Standard, CallPriceNotes.None)
                    : new CallPrice(span.CostEstimate ?? 0m, span.CostEstimate is null ? PricingBasis.Unpriced : PricingBasis.LibraryEstimate, ServiceTier.Standard, CallPriceNotes.None);
            default:
                return default;
        }
    }

    private static CallPrice PriceLlmCall(PriceTable table, ExchangeRates rates, in SpanFacts span, ulong nowUnixNano)
    {
        CallPriceNotes notes = CallPriceNotes.None;
        decimal? estimate = span.CostEstimate;
        if (span.ReportedCost is decimal amount)
        {
            if (!rates.TryToUsd(amount, span.ReportedCostCurrency, out decimal usd)) notes |= CallPriceNotes.UnknownCurrency;
            else if (span.ReportedByProvider) return new CallPrice(usd, PricingBasis.ProviderReported, span.ServiceTier, notes);
            else estimate ??= usd;
        }

        PriceMatch match = table.Find(span.Model ?? MissingLabels.Unknown, span.Provider);
        ulong at = span.EndTimeUnixNano != 0 ? span.EndTimeUnixNano : nowUnixNano;
        if (match.Entries?.At(at) is ModelPrice entry)
        {
            TablePrice priced = entry.Cost(in span.Tokens, span.CacheWrite1hTokens, span.ServiceTier);
            decimal cost = match.RegionFactor == 1m ? priced.CostUsd : Saturating.Multiply(priced.CostUsd, match.RegionFactor);
            if (priced.ServiceTierUnpriced) notes |= CallPriceNotes.ServiceTierUnpriced;
            return new CallPrice(cost, priced.LongContext ? PricingBasis.TableLongContext : PricingBasis.Table, span.ServiceTier, notes);
        }
        if (estimate is decimal libraryEstimate) return new CallPrice(libraryEstimate, PricingBasis.LibraryEstimate, span.ServiceTier, notes);
        if (!span.Tokens.IsEmpty) notes |= CallPriceNotes.UnpricedTokens;
        return new CallPrice(0m, PricingBasis.Unpriced, span.ServiceTier, notes);
    }
}
