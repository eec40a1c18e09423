using CpstExporter.Conventions;

namespace CpstExporter.Pricing;

/// <summary>
/// Prices the spans of one request: all against the price table in force when the request is priced, so a reload in
/// between never prices part of a request at old prices and part at new ones, and each span by <see cref="SpanPricer"/>,
/// one lookup per span. Writes into the caller's buffer: nothing is allocated.
/// </summary>
internal sealed class BatchPricer(PriceTableProvider prices)
{
    /// <param name="costs">At least as long as <paramref name="spans"/>; its first <c>spans.Length</c> entries are set.</param>
    public void Price(ReadOnlySpan<SpanFacts> spans, Span<CallPrice> costs)
    {
        PriceTable table = prices.Current;
        for (int i = 0; i < spans.Length; i++) costs[i] = SpanPricer.Price(table, in spans[i]);
    }
}
