using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary><c>cpst_llm_calls_total</c>, <c>cpst_llm_tokens_total</c> and <c>cpst_llm_cost_usd_total</c> for one (use_case, provider, model).</summary>
internal sealed class LlmCallSeries(string[] labelValues) : Series(labelValues)
{
    public long Calls;
    public TokenUsage Tokens;
    public decimal CostUsd;

    /// <summary>Records <paramref name="calls"/> calls, <paramref name="tokens"/> and <paramref name="cost"/> being their sums.</summary>
    public void Record(in TokenUsage tokens, decimal cost, int calls = 1)
    {
        lock (Sync)
        {
            Calls = Saturating.Add(Calls, calls);
            Tokens = Tokens.Plus(in tokens);
            CostUsd = Saturating.Add(CostUsd, cost);
        }
    }

    public (long Calls, TokenUsage Tokens, decimal CostUsd) Read()
    {
        lock (Sync) return (Calls, Tokens, CostUsd);
    }
}
