using CpstExporter.Conventions;

namespace CpstExporter.Pricing;

/// <summary>
/// Prices the spans of one request: all against the price table in force when the request is priced, so a reload in
/// between never prices part of a request at old prices and part at new ones, and each span by <see cref="SpanPricer"/>,
/// one lookup per span. Writes into the caller's buffer: nothing is allocated.
/// </summary>
internal sealed class BatchPricer(PriceTableProvider prices, ExchangeRates rates, TimeProvider time)
{
    public BatchPricer(PriceTableProvider prices) : this(prices, ExchangeRates.UsdOnly, TimeProvider.System)
    {
    }

    /// <param name="costs">At least as long as <paramref name="spans"/>; its first <c>spans.Length</c> entries are set.</param>
    /// <returns>How many spans reported a cost in a currency without an exchange rate: ignored, and to be counted.</returns>
    public int Price(ReadOnlySpan<SpanFacts> spans, Span<CallPrice> costs)
    {
        PriceTable table = prices.Current;
        ulong now = (ulong)(time.GetUtcNow() - DateTimeOffset.UnixEpoch).Ticks * 100;
        int unknownCurrencies = 0;
        for (int i = 0; i < spans.Length; i++)
        {
            costs[i] = SpanPricer.Price(table, rates, in spans[i], now);
            if (costs[i].UnknownCurrency) unknownCurrencies++;
        }
        return unknownCurrencies;
    }
}
