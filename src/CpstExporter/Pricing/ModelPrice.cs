using System.Text.RegularExpressions;
using CpstExporter.Primitives;

namespace CpstExporter.Pricing;

/// <summary>One model's prices, held per token (the file's per-1M price ÷ 10⁶, exact in decimal).</summary>
internal sealed class ModelPrice
{
    private const decimal PerMillion = 1_000_000m;

    public required string Name { get; init; }
    public Regex? Pattern { get; init; }
    public string? Provider { get; init; }
    public required decimal InputPerMillion { get; init; }
    public required decimal OutputPerMillion { get; init; }
    public required decimal CacheReadPerMillion { get; init; }
    public required decimal CacheWritePerMillion { get; init; }
    public required decimal ReasoningPerMillion { get; init; }

    /// <summary>
    /// The cost of one call. Cached tokens are a subset of input and reasoning tokens a subset of output, so the
    /// base rates apply to what is left; a subset larger than its total (a client that reports them disjoint) leaves
    /// nothing at the base rate rather than a negative amount.
    /// </summary>
    public decimal Cost(in TokenUsage tokens)
    {
        long uncachedInput = Math.Max(0, tokens.Input - tokens.CacheRead - tokens.CacheWrite);
        long plainOutput = Math.Max(0, tokens.Output - tokens.Reasoning);
        decimal perMillion = uncachedInput * InputPerMillion
                             + tokens.CacheRead * CacheReadPerMillion
                             + tokens.CacheWrite * CacheWritePerMillion
                             + plainOutput * OutputPerMillion
                             + tokens.Reasoning * ReasoningPerMillion;
        return perMillion / PerMillion;
    }

    /// <summary>This entry is for exactly that provider; for a span that names none, an entry without a provider.</summary>
    public bool IsForProvider(string? provider) => string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);

    public bool MatchesProvider(string? provider) =>
        Provider is null || provider is null || string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);
}
