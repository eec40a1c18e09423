namespace CpstExporter.Conventions;

/// <summary>
/// The largest token count (per class) and cost one span may report (<c>Cpst:Limits:MaxTokensPerSpan</c>, default
/// 100,000,000; <c>Cpst:Limits:MaxCostUsdPerSpan</c>, default 10,000, also for a root's task cost). A span beyond them,
/// or with a negative, NaN or infinite value, is refused whole: one wrong number must not become the month's bill.
/// </summary>
internal sealed record PlausibleRange(long MaxTokensPerSpan = 100_000_000, decimal MaxCostUsdPerSpan = 10_000m)
{
    public static readonly PlausibleRange Default = new();
}
