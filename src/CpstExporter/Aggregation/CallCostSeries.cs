using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>Calls and their cost for one label set: <c>cpst_tool_calls_total</c> and <c>cpst_tool_cost_usd_total</c> for one
/// (use_case, tool), <c>cpst_llm_calls_by_basis_total</c> and <c>cpst_llm_cost_by_basis_usd_total</c> for one (use_case, basis, service_tier).</summary>
internal sealed class CallCostSeries(string[] labelValues) : Series(labelValues)
{
    public long Calls;
    public decimal CostUsd;

    /// <summary>Records <paramref name="calls"/> calls, <paramref name="cost"/> being their sum.</summary>
    public void Record(decimal cost, int calls = 1)
    {
        lock (Sync)
        {
            Calls = Saturating.Add(Calls, calls);
            CostUsd = Saturating.Add(CostUsd, cost);
        }
    }

    public (long Calls, decimal CostUsd) Read()
    {
        lock (Sync) return (Calls, CostUsd);
    }
}
