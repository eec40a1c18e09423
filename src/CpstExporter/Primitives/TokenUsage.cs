namespace CpstExporter.Primitives;

/// <summary>
/// Token counts of one LLM call. Cache-read and cache-write tokens are subsets of <see cref="Input"/>, reasoning
/// tokens a subset of <see cref="Output"/>: they are priced at their own rate instead of, never on top of, the base rate.
/// </summary>
internal record struct TokenUsage(long Input, long Output, long CacheRead, long CacheWrite, long Reasoning)
{
    public readonly bool IsEmpty => (Input | Output | CacheRead | CacheWrite | Reasoning) == 0;

    /// <summary>
    /// Makes the subsets subsets. Anthropic's API reports <c>input_tokens</c> without cache reads and writes, and some
    /// instrumentations pass that on as the input count: when the cached tokens exceed the input, the input did not
    /// include them, so they are added. Likewise reasoning tokens reported beside, not inside, the output.
    /// </summary>
    public readonly TokenUsage WithSubsetsIncluded()
    {
        TokenUsage usage = this;
        if (CacheRead + CacheWrite > Input) usage.Input = Saturating.Add(Input, CacheRead + CacheWrite);
        if (Reasoning > Output) usage.Output = Saturating.Add(Output, Reasoning);
        return usage;
    }

    public readonly TokenUsage Plus(in TokenUsage other) => new(
        Saturating.Add(Input, other.Input), Saturating.Add(Output, other.Output), Saturating.Add(CacheRead, other.CacheRead),
        Saturating.Add(CacheWrite, other.CacheWrite), Saturating.Add(Reasoning, other.Reasoning));
}
