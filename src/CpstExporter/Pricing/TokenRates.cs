using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>
/// One set of rates of a price entry, USD per 1M tokens: the base (short-prompt, standard tier) rates, a prompt-size
/// tier's, or a service tier's. Cached tokens are a subset of input, 1-hour cache writes a subset of cache writes and
/// reasoning tokens a subset of output: each is priced at its own rate instead of, never on top of, the broader one.
/// </summary>
internal readonly record struct TokenRates(
    decimal Input, decimal Output, decimal CacheRead, decimal CacheWrite, decimal CacheWrite1h, decimal Reasoning)
{
    /// <summary>10⁻⁶, exact in decimal: multiplying by it is exact and cheaper than dividing by 10⁶.</summary>
    private const decimal PerToken = 0.000001m;

    /// <summary>
    /// The cost of a call at these rates, exact. A subset larger than its total (a client that reports them disjoint)
    /// leaves nothing at the broader rate rather than a negative amount. A rate and a count whose product decimal cannot
    /// hold (a price file's typo times a span's count) saturate at <see cref="decimal.MaxValue"/>, as every sum of money
    /// does, instead of failing the request.
    /// </summary>
    public decimal Cost(in TokenUsage tokens, long cacheWrite1h)
    {
        long uncachedInput = Math.Max(0, tokens.Input - tokens.CacheRead - tokens.CacheWrite);
        long longWrites = Math.Min(cacheWrite1h, tokens.CacheWrite);
        long shortWrites = tokens.CacheWrite - longWrites;
        long plainOutput = Math.Max(0, tokens.Output - tokens.Reasoning);
        try
        {
            decimal perMillion = uncachedInput * Input
                                 + tokens.CacheRead * CacheRead
                                 + shortWrites * CacheWrite
                                 + plainOutput * Output
                                 + tokens.Reasoning * Reasoning;
            if (longWrites > 0) perMillion += longWrites * CacheWrite1h;
            return perMillion * PerToken;
        }
        catch (OverflowException)
        {
            return decimal.MaxValue; // rates and counts are never negative
        }
    }

    /// <summary>Whether any rate is negative: refused when a file is read.</summary>
    public bool AnyNegative => Input < 0 || Output < 0 || CacheRead < 0 || CacheWrite < 0 || CacheWrite1h < 0 || Reasoning < 0;
}
