using System.Globalization;
using CpstExporter.Primitives;

namespace CpstExporter.Conventions;

/// <summary>
/// The largest token count (per class) and cost one span may report (<c>Cpst:Limits:MaxTokensPerSpan</c>, default
/// 100,000,000; <c>Cpst:Limits:MaxCostUsdPerSpan</c>, default 10,000, also for a root's task cost): one wrong number
/// must not become the month's bill. A token count beyond them, negative, NaN or infinite refuses the span, whose usage
/// cannot then be priced; such a cost is ignored and the next pricing rule applies (docs/conventions.md).
/// </summary>
internal sealed record PlausibleRange(long MaxTokensPerSpan = 100_000_000, decimal MaxCostUsdPerSpan = 10_000m)
{
    public static readonly PlausibleRange Default = new();

    /// <summary>Throws <see cref="CpstConfigurationException"/> naming the first key out of its range.</summary>
    public void Validate()
    {
        CpstConfigurationException.ThrowIfNotPositive(MaxTokensPerSpan, "Cpst:Limits:MaxTokensPerSpan");
        if (MaxCostUsdPerSpan <= 0)
            throw new CpstConfigurationException($"Cpst:Limits:MaxCostUsdPerSpan must be a positive amount of USD, not {MaxCostUsdPerSpan.ToString(CultureInfo.InvariantCulture)}");
    }
}
