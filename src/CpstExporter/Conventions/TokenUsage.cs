namespace CpstExporter.Conventions;

/// <summary>
/// Token counts of one LLM call. Cache-read and cache-write tokens are subsets of <see cref="Input"/>, reasoning
/// tokens a subset of <see cref="Output"/>: they are priced at their own rate instead of, never on top of, the base rate.
/// </summary>
internal record struct TokenUsage(long Input, long Output, long CacheRead, long CacheWrite, long Reasoning)
{
    public readonly bool IsEmpty => (Input | Output | CacheRead | CacheWrite | Reasoning) == 0;
}
