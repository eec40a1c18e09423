using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary><c>cpst_tool_calls_total</c> and <c>cpst_tool_cost_usd_total</c> for one (use_case, tool).</summary>
internal sealed class ToolCallSeries(string[] labelValues) : Series(labelValues)
{
    public long Calls;
    public decimal CostUsd;

    public void Record(decimal cost)
    {
        lock (Sync)
        {
            Calls = Saturating.Add(Calls, 1);
            CostUsd = Saturating.Add(CostUsd, cost);
        }
    }

    public (long Calls, decimal CostUsd) Read()
    {
        lock (Sync) return (Calls, CostUsd);
    }
}
